//! What happens to a supervision item when its case moves: called by the flow engine inside the
//! action's transaction, so that it happens with the action or not at all (a refusal here
//! refuses the action).

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::engine::business_date;
use xn_domain::flow::{ContractStep, FlowEvent, StepContract};
use xn_domain::supervision::ItemState;
use xn_store::supervision as store;

use super::{DEADLINE_TIMER, REPORT_TIMER, parse_date};
use crate::events::Audit;
use crate::flow::{ActorRef, AreaTx, CaseCtx};
use crate::{Result, ServiceError, Services, ms};

/// The steps of `processes/supervision.toml` the rules below act on.
pub(crate) mod steps {
    /// 交办签收.
    pub(crate) const SIGN: &str = "sign";
    /// 办理 (its completion is the closing application).
    pub(crate) const HANDLE: &str = "handle";
    /// 办结审核.
    pub(crate) const REVIEW: &str = "review";
    /// The signing decision.
    pub(crate) const SIGNED: &str = "签收";
    /// The handling decision: the closing application.
    pub(crate) const APPLY: &str = "申请办结";
    /// The review's decision that strikes the item off.
    pub(crate) const ACCEPT: &str = "审核通过";
    /// The review's decision that sends the item back to its lead unit.
    pub(crate) const SEND_BACK: &str = "退回重办";
}

/// What the supervision rules need of a process: 交办签收, 办理 (申请办结) and 办结审核 with both
/// its decisions, which the supervision service completes by name.
pub(crate) const CONTRACT: StepContract = StepContract {
    steps: &[
        ContractStep {
            id: steps::SIGN,
            name: "交办签收",
            human: true,
            decisions: &[steps::SIGNED],
        },
        ContractStep {
            id: steps::HANDLE,
            name: "办理",
            human: true,
            decisions: &[steps::APPLY],
        },
        ContractStep {
            id: steps::REVIEW,
            name: "办结审核",
            human: true,
            decisions: &[steps::ACCEPT, steps::SEND_BACK],
        },
    ],
};

impl Services {
    /// The supervision area's part of a flow action (see the module's note).
    pub(crate) async fn on_supervision_flow(
        &self,
        at: &mut AreaTx<'_, '_>,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // The item's rules read what they write (its state, its reports): the direct path.
        let tx = at.direct()?;
        // The item's row is written right after its case starts: nothing to do before.
        let Some(mut item) = store::item_of_case(tx, case.id).await? else {
            return Ok(());
        };
        let at = ms(now);
        let today = business_date(now);
        let who = Audit {
            person_id: Some(actor.person_id),
            post_id: Some(actor.post_id),
            ip: actor.ip.as_deref(),
        };
        for e in events {
            match e {
                FlowEvent::TaskCompleted { step, opinion, .. } if step == steps::HANDLE => {
                    if opinion.trim().chars().count() < 4 {
                        return Err(ServiceError::invalid(
                            "opinion",
                            "申请办结须写明办理结果和佐证材料（至少 4 个字）",
                        ));
                    }
                    let open = store::open_children(tx, item.id).await?;
                    if open > 0 {
                        return Err(ServiceError::Conflict {
                            code: "supervision.children_open",
                            message: format!("还有 {open} 项分解事项未销号，不能申请办结"),
                        });
                    }
                    // The progress owed comes before the closing.
                    let reports = store::reports_of_tx(tx, item.id).await?;
                    super::desk::refuse_closing(&reports, today)?;
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    ..
                } if step == steps::REVIEW
                    && decision == steps::SEND_BACK
                    && opinion.trim().is_empty() =>
                {
                    return Err(ServiceError::invalid("opinion", "退回重办须说明理由"));
                }
                FlowEvent::StepEntered { step, .. } if step == steps::SIGN => {
                    store::set_state(tx, item.id, ItemState::Assigned.code(), at, "").await?;
                    item.state = ItemState::Assigned.code().into();
                }
                FlowEvent::StepEntered { step, .. } if step == steps::HANDLE => {
                    let first = item.signed_at.is_none();
                    let sent_back = item.state == ItemState::Reviewing.code();
                    store::set_state(tx, item.id, ItemState::Handling.code(), at, "").await?;
                    let deadline = parse_date(&item.deadline)?;
                    if first {
                        let n = self.schedule_reports(tx, &item, today, deadline, 0).await?;
                        crate::events::record(
                            tx,
                            &who,
                            "supervision.signed",
                            Some(format!("case:{}", case.id)),
                            json!({"item": item.id, "reports": n}),
                            now,
                        )
                        .await?;
                        item.signed_at = Some(at);
                    }
                    if sent_back {
                        store::count_send_back(tx, item.id).await?;
                        // Cards dropped while the closing was under review fall again if the
                        // deadline has passed meanwhile.
                        self.arm_deadline(tx, case.id, deadline, now, true).await?;
                        xn_store::notifications::insert_notification(
                            tx,
                            &xn_store::notifications::NewNotification {
                                post_id: item.lead_post_id,
                                kind: "supervision.sent_back",
                                subject: Some(&format!("supervision:{}", item.id)),
                                message: &format!(
                                    "督办事项「{}」的办结申请被退回，请继续办理",
                                    item.title
                                ),
                            },
                            at,
                        )
                        .await?;
                    }
                    item.state = ItemState::Handling.code().into();
                }
                FlowEvent::StepEntered { step, .. } if step == steps::REVIEW => {
                    store::set_state(tx, item.id, ItemState::Reviewing.code(), at, "").await?;
                    item.state = ItemState::Reviewing.code().into();
                }
                FlowEvent::CaseClosed { .. } => {
                    store::set_state(
                        tx,
                        item.id,
                        ItemState::Closed.code(),
                        at,
                        &today.to_string(),
                    )
                    .await?;
                    item.state = ItemState::Closed.code().into();
                    store::cancel_timers(tx, DEADLINE_TIMER, case.id, None).await?;
                    store::cancel_timers(tx, REPORT_TIMER, case.id, None).await?;
                    store::cancel_due_reports(tx, item.id, "").await?;
                    xn_store::notifications::insert_notification(
                        tx,
                        &xn_store::notifications::NewNotification {
                            post_id: item.lead_post_id,
                            kind: "supervision.closed",
                            subject: Some(&format!("supervision:{}", item.id)),
                            message: &format!("督办事项「{}」已审核销号", item.title),
                        },
                        at,
                    )
                    .await?;
                    crate::events::record(
                        tx,
                        &who,
                        "supervision.closed",
                        Some(format!("case:{}", case.id)),
                        json!({"item": item.id, "deadline": item.deadline, "on": today.to_string(),
                               "late": today.to_string() > item.deadline}),
                        now,
                    )
                    .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
