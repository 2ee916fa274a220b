//! Finding holders: the needs a new state leaves on its runs (a rule, a choice by the previous
//! actor, fan-out children), resolved against the case and the organisation.
//!
//! Holds the service's half of assignment only: the engine decides when a step needs holders
//! (`xn_domain::flow`), and the organisation is read through `xn_store`. A rule the case alone
//! answers (the starter, a field) is answered in memory, without a read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use xn_domain::flow::{AssigneeRule, CaseState, Ctx, FlowEvent, Need, Value};
use xn_domain::org::Clearance;
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
        // The case's 密级, read once when a step needs holders.
        let mut level: Option<Clearance> = None;
        for (run, need) in state.needs() {
            let step = state
                .runs
                .iter()
                .find(|r| r.no == run)
                .map(|r| r.step.clone())
                .unwrap_or_default();
            match need {
                Need::Rule { rule } => {
                    let posts = match rule_in_memory(&rule, case) {
                        Some(posts) => posts,
                        None => {
                            self.resolve_rule(&mut w.committed().await?, &rule, case)
                                .await?
                        }
                    };
                    let posts = self
                        .cleared_holders(w, ctx, case, &mut level, &step, posts, false)
                        .await?;
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
                    let picked = self
                        .cleared_holders(w, ctx, case, &mut level, &step, picked, true)
                        .await?;
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
                            attachments: Vec::new(),
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

    /// Of the posts found for a step, those cleared for the case's 密级 (issue 17, finding 4):
    /// a post the rules found below it is passed over while another holder remains; a step
    /// left with none, or a holder chosen by name below it, refuses the action with the step,
    /// the holder and both levels named, before anything is written.
    #[expect(
        clippy::too_many_arguments,
        reason = "the flow action's parts, and the level read once per action"
    )]
    async fn cleared_holders(
        &self,
        w: &mut Work<'_>,
        ctx: &Ctx<'_>,
        case: &CaseCtx,
        level: &mut Option<Clearance>,
        step: &str,
        posts: Vec<i64>,
        chosen: bool,
    ) -> Result<Vec<i64>> {
        if posts.is_empty() {
            return Ok(posts);
        }
        let mut read = w.committed().await?;
        let needed = match *level {
            Some(l) => l,
            None => {
                let l = self
                    .area_classification(&mut read, ctx.def.item_kind, case)
                    .await?;
                *level = Some(l);
                l
            }
        };
        if needed == Clearance::Public {
            return Ok(posts);
        }
        let mut cleared = Vec::with_capacity(posts.len());
        let mut below = None;
        for p in posts {
            let (name, code) = read.post_clearance(p).await?;
            let has: Clearance = code
                .parse()
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("post {p}: {e}")))?;
            if has.may_see(needed) {
                cleared.push(p);
            } else if below.is_none() || chosen {
                below = Some((name, has));
                if chosen {
                    break;
                }
            }
        }
        match below {
            Some((name, has)) if chosen || cleared.is_empty() => {
                let step_name = ctx.def.step(step).map_or(step, |s| s.name.as_str());
                Err(ServiceError::Conflict {
                    code: "flow.clearance",
                    message: format!(
                        "「{step_name}」的办理人{name}涉密等级为{}，低于{}，不能办理此事项；本次未办理。请先调整该岗位的涉密等级或办理人",
                        has.label(),
                        needed.label()
                    ),
                })
            }
            _ => Ok(cleared),
        }
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
