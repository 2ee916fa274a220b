//! Finding holders: the needs a new state leaves on its runs (a rule, a choice by the previous
//! actor, fan-out children), resolved against the case and the organisation.
//!
//! Holds the service's half of assignment only: the engine decides when a step needs holders
//! (`xn_domain::flow`), and the organisation is read through `xn_store`. A rule the case alone
//! answers (the starter, a field) is answered in memory, without a read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use xn_domain::flow::{AssigneeRule, CaseState, Ctx, FlowEvent, Need, Value};
use xn_store::Tx;

use super::batch::{self, CommittedRead, Work};
use super::{ActorRef, CaseCtx, StartCase, flow_error};
use crate::areas::StartedBy;
use crate::{Result, ServiceError, Services};

impl Services {
    /// Finds holders for every run that needs them, and spawns fan-out children.
    pub(super) async fn resolve_needs(
        &self,
        w: &mut Work<'_>,
        ctx: &Ctx<'_>,
        case: &CaseCtx,
        state: &mut CaseState,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<FlowEvent>> {
        let mut events = Vec::new();
        for (run, need) in state.needs() {
            match need {
                Need::Rule { rule } => {
                    let posts = match rule_in_memory(&rule, case) {
                        Some(posts) => posts,
                        None => {
                            self.resolve_rule(&mut w.committed().await?, &rule, case)
                                .await?
                        }
                    };
                    events.extend(state.assign(ctx, run, &posts).map_err(flow_error)?);
                }
                Need::Chosen { allowed, picked } => {
                    let allowed_posts = match rule_in_memory(&allowed, case) {
                        Some(posts) => posts,
                        None => {
                            self.resolve_rule(&mut w.committed().await?, &allowed, case)
                                .await?
                        }
                    };
                    if let Some(bad) = picked.iter().find(|p| !allowed_posts.contains(p)) {
                        return Err(ServiceError::invalid(
                            "choices",
                            format!("所选办理人（岗位 {bad}）不在可选范围内"),
                        ));
                    }
                    events.extend(state.assign(ctx, run, &picked).map_err(flow_error)?);
                }
                Need::Children { process, units } => {
                    if w.buffered() {
                        // Children are rows whose ids the parent's state records.
                        return Err(batch::needs_direct());
                    }
                    let mut children = Vec::new();
                    for unit in units {
                        let title = format!(
                            "{}（分送）",
                            self.case_title(w.tx().await?, case.id)
                                .await
                                .unwrap_or_default()
                        );
                        let input = StartCase {
                            process: process.clone(),
                            title,
                            body: String::new(),
                            fields: (*case.fields).clone(),
                            choices: BTreeMap::new(),
                        };
                        let child = Box::pin(self.start_in(
                            w,
                            actor,
                            None,
                            &input,
                            StartedBy::Generic,
                            Some((case.id, i64::from(run), unit)),
                            now,
                        ))
                        .await?;
                        children.push((child.case_id, unit));
                    }
                    events.extend(state.link_children(run, &children).map_err(flow_error)?);
                }
            }
        }
        Ok(events)
    }

    async fn case_title(&self, tx: &mut Tx, case_id: i64) -> Result<String> {
        Ok(xn_store::flow::lock_case(tx, case_id)
            .await
            .map(|r| r.title)
            .unwrap_or_default())
    }

    /// The posts an assignee rule names for a case.
    pub(crate) async fn resolve_rule(
        &self,
        tx: &mut CommittedRead<'_>,
        rule: &AssigneeRule,
        case: &CaseCtx,
    ) -> Result<Vec<i64>> {
        if let Some(posts) = rule_in_memory(rule, case) {
            return Ok(posts);
        }
        Ok(match rule {
            AssigneeRule::Post { post } => match tx.post_unit(*post).await? {
                Some((_, active)) if active != 0 => vec![*post],
                _ => Vec::new(),
            },
            // Answered in memory above.
            AssigneeRule::Starter | AssigneeRule::Field { .. } => Vec::new(),
            AssigneeRule::Chosen { from } => Box::pin(self.resolve_rule(tx, from, case)).await?,
            AssigneeRule::Position { position, unit } => {
                let start = if unit.from == "starter" {
                    tx.post_unit(case.starter).await?.map(|(u, _)| u)
                } else if unit.from == "case" {
                    Some(case.unit_id)
                } else if let Some(f) = unit.from.strip_prefix("field:") {
                    case.fields.get(f).and_then(|v| v.ints().first().copied())
                } else {
                    None
                };
                let mut at = start;
                for _ in 0..unit.up {
                    at = match at {
                        Some(u) => tx.parent_unit(u).await?,
                        None => None,
                    };
                }
                if let (Some(u), Some(kind)) = (at, unit.child.as_deref()) {
                    at = tx.child_unit_of_kind(u, kind).await?;
                }
                match at {
                    Some(u) => tx.posts_with_position(u, position).await?,
                    None => Vec::new(),
                }
            }
        })
    }
}

/// The posts a rule names when the case alone answers it (the starter, a field), without
/// reading the organisation.
fn rule_in_memory(rule: &AssigneeRule, case: &CaseCtx) -> Option<Vec<i64>> {
    match rule {
        AssigneeRule::Starter => Some(vec![case.starter]),
        AssigneeRule::Field { field } => {
            Some(case.fields.get(field).map(Value::ints).unwrap_or_default())
        }
        AssigneeRule::Chosen { from } => rule_in_memory(from, case),
        AssigneeRule::Post { .. } | AssigneeRule::Position { .. } => None,
    }
}
