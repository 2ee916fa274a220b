//! Acting on a case: the public action, an area's action inside the area's own transaction, and
//! the action itself (load, check the version, authorize, apply the engine, resolve holders,
//! write).
//!
//! Holds who may take a case-level action and which task an action names; not how holders are
//! found (`assign.rs`) nor how the result is written (`persist.rs`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use xn_domain::calendar::OfficeHours;
use xn_domain::flow::{Acting, Action, CaseState, CaseStatus, Ctx, FlowEvent, ProcessDef};
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;

use super::batch::{self, Work};
use super::idempotency::IdempotencyKey;
use super::persist::outcome;
use super::{ActionOutcome, ActorRef, AreaTx, CaseCtx, Op, flow_error, stale};
use crate::areas;
use crate::{Actor, Result, ServiceError, Services, ms, require};

impl Services {
    /// Applies an action to a case; durable when it returns. With `expected_version`, a case
    /// that moved since the actor saw it is a conflict.
    pub async fn act(
        &self,
        actor: &Actor,
        case_id: i64,
        expected_version: Option<i64>,
        action: Action,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        require(actor, Permission::FlowWork)?;
        if matches!(action, Action::Handover { .. } | Action::ChildClosed { .. }) {
            return Err(ServiceError::invalid("action", "该操作不能直接提交"));
        }
        let actor = ActorRef::of(actor)?;
        self.flow_writer()
            .run(Op::Act {
                actor,
                case_id,
                expected_version,
                action,
                idem,
                now,
            })
            .await
    }

    /// The case and number of a task, for actions addressed by task id.
    pub async fn task_ref(&self, task_id: i64) -> Result<(i64, u32)> {
        let t = xn_store::flow::find_task(self.db(), task_id)
            .await
            .map_err(ServiceError::missing("待办"))?;
        Ok((t.case_id, crate::exact("a task's number", t.task_no)?))
    }

    /// Applies an action inside a caller's transaction (the direct path), for areas whose own
    /// action moves a case (a supervision item's new lead post takes over its open work).
    pub(crate) async fn act_in_tx(
        &self,
        tx: &mut Tx,
        actor: &ActorRef,
        case_id: i64,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        Box::pin(self.act_in(
            &mut batch::Work::direct(tx),
            actor,
            case_id,
            None,
            action,
            now,
        ))
        .await
    }

    pub(super) async fn act_in(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        case_id: i64,
        expected: Option<i64>,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        let row = w.load(self, case_id, expected).await?;
        if let Some(v) = expected
            && v != row.version
        {
            return Err(stale(row.version, v));
        }
        let def = self.process_def(row.info.process_id).await?;
        if w.buffered() && !areas::batched(def.item_kind, acted_step(&row.state, action)) {
            // The lane routes these to the direct path before computing them (`batch::prepare`);
            // this guards an action reaching a batch by another way.
            return Err(batch::needs_direct());
        }
        let cal = self.flow_calendar().await?;
        let hours = OfficeHours::default();
        let before = Arc::clone(&row.state);
        let case = CaseCtx {
            id: case_id,
            unit_id: row.info.unit_id,
            starter: row.info.starter,
            fields: Arc::clone(&row.info.fields),
            link: row.info.link,
        };
        self.authorize_action(w, actor, &case, &before, &def, action)
            .await?;
        // Proxies matter only when the actor does not hold the task itself.
        let own = action_task(action)
            .and_then(|n| before.task(n))
            .is_some_and(|t| t.post == actor.post_id);
        let proxy_for = if own {
            Vec::new()
        } else {
            xn_store::flow::principals_of_tx(w.tx().await?, actor.post_id, ms(now)).await?
        };
        if !proxy_for.is_empty() {
            // A proxy acts with its own post's clearance: a principal's classified case above
            // it is not there for the proxy, as its page is not (only proxies pay this read).
            let mut read = w.committed().await?;
            let level = self
                .area_classification(&mut read, def.item_kind, &case)
                .await?;
            if level != Clearance::Public {
                let (_, code) = read.post_clearance(actor.post_id).await?;
                if !crate::clearance::level(&code)?.may_see(level) {
                    return Err(ServiceError::NotFound("事项"));
                }
            }
        }
        let acting = Acting {
            post: actor.post_id,
            proxy_for,
        };
        let ctx = Ctx {
            def: &def,
            cal: &cal,
            hours: &hours,
            fields: &row.info.fields,
            now,
        };
        let mut state = (*before).clone();
        let mut events = state.apply(&ctx, &acting, action).map_err(flow_error)?;
        events.extend(
            self.resolve_needs(w, &ctx, &case, &mut state, actor, now)
                .await?,
        );
        // Sealed before anything keeps the state (its row, the batch's cache, the task rows).
        self.seal_new_opinions(case_id, &before, &mut state)?;
        let state = Arc::new(state);
        let (version, ids) = self
            .persist(
                w,
                &def,
                &cal,
                &case,
                row.version,
                &before,
                &state,
                &events,
                actor,
                now,
                None,
            )
            .await?;
        self.on_area_flow(
            &mut AreaTx::new(w),
            def.item_kind,
            &case,
            &events,
            actor,
            now,
        )
        .await?;
        self.notify_returned(&mut AreaTx::new(w), &def, case_id, &events, now)
            .await?;
        if before.status != CaseStatus::Closed {
            self.after_close(w, &case, &state, actor, now, row.info.parent_case_id)
                .await?;
        }
        Ok(outcome(case_id, version, &state, &events, &ids))
    }

    /// Tells the holders of the step a case was returned to why (退回): a notification with
    /// the returning step and the reason, written with the action.
    async fn notify_returned(
        &self,
        tx: &mut AreaTx<'_, '_>,
        def: &ProcessDef,
        case_id: i64,
        events: &[FlowEvent],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some((from, to, reason)) = events.iter().find_map(|e| match e {
            FlowEvent::Returned {
                from_step,
                to_step,
                opinion,
                ..
            } => Some((from_step, to_step, opinion)),
            _ => None,
        }) else {
            return Ok(());
        };
        let name = |id: &str| {
            def.step(id)
                .map_or_else(|| id.to_owned(), |s| s.name.clone())
        };
        let rest = if reason.trim().is_empty() {
            format!(
                "在「{}」被退回到「{}」，请修改后重新提交",
                name(from),
                name(to)
            )
        } else {
            format!(
                "在「{}」被退回到「{}」：{}",
                name(from),
                name(to),
                reason.trim()
            )
        };
        let mut told = Vec::new();
        for e in events {
            if let FlowEvent::Assigned { step, posts, .. } = e
                && step == to
            {
                for p in posts {
                    if !told.contains(p) {
                        told.push(*p);
                        tx.write(xn_store::notifications::notify_on_case(
                            *p,
                            "flow.returned",
                            case_id,
                            &rest,
                            ms(now),
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Who may take case-level actions: pausing and resuming (the starter or a flow
    /// administrator), adding and removing signers (a holder in that run, or the starter),
    /// deciding an extension (the step's approver, by default the starter).
    async fn authorize_action(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        case: &CaseCtx,
        state: &CaseState,
        def: &ProcessDef,
        action: &Action,
    ) -> Result<()> {
        let starter = actor.post_id == case.starter;
        let holds_in_run = |run: u32| {
            state
                .tasks
                .iter()
                .any(|t| t.run == run && t.post == actor.post_id && t.state.is_pending())
        };
        match action {
            Action::Pause { .. } | Action::Resume if !(starter || actor.flow_admin) => Err(
                ServiceError::Forbidden("只有发起人可以挂起或恢复事项".into()),
            ),
            Action::AddSigner { run, .. } if !(starter || holds_in_run(*run)) => Err(
                ServiceError::Forbidden("只有发起人或本环节办理人可以加签".into()),
            ),
            Action::RemoveSigner { task } => {
                let run = state.task(*task).map(|t| t.run).unwrap_or(0);
                if starter || holds_in_run(run) {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden(
                        "只有发起人或本环节办理人可以减签".into(),
                    ))
                }
            }
            Action::DecideExtension { run, .. } => {
                let step = state.run(*run).and_then(|r| def.step(&r.step));
                let approvers = match step.and_then(|s| s.extension_approver.clone()) {
                    Some(rule) => {
                        self.resolve_rule(&mut w.committed().await?, &rule, case)
                            .await?
                    }
                    None => vec![case.starter],
                };
                if approvers.contains(&actor.post_id) || actor.flow_admin {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden("您不是该环节延期的审批人".into()))
                }
            }
            _ => Ok(()),
        }
    }
}

/// The task an action is about, if it names one.
fn action_task(action: &Action) -> Option<u32> {
    match action {
        Action::Complete { task, .. }
        | Action::Return { task, .. }
        | Action::Transfer { task, .. }
        | Action::Delegate { task, .. }
        | Action::RequestExtension { task, .. }
        | Action::Withdraw { task } => Some(*task),
        _ => None,
    }
}

/// The step of the task an action is about, if it names one (the area registry decides by it
/// whether the action may be written with a batch).
pub(crate) fn acted_step<'s>(state: &'s CaseState, action: &Action) -> Option<&'s str> {
    action_task(action)
        .and_then(|n| state.task(n))
        .and_then(|t| state.run(t.run))
        .map(|r| r.step.as_str())
}
