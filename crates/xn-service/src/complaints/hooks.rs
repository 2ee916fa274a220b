//! What happens to a complaint when its case moves: called by the flow engine inside the
//! action's transaction, so that it happens with the action or not at all (a refusal here
//! refuses the action).

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::complaints::ComplaintState;
use xn_domain::flow::{ContractStep, FlowEvent, StepContract};
use xn_store::complaints as store;

use crate::flow::{ActorRef, AreaTx, CaseCtx};
use crate::{Result, ServiceError, Services, ms};

/// The steps of `processes/efficiency_complaint.toml` the rules below act on.
pub(crate) mod steps {
    /// 核查.
    pub(crate) const CHECK: &str = "check";
    /// 认定.
    pub(crate) const FIND: &str = "find";
    /// 整改.
    pub(crate) const RECTIFY: &str = "rectify";
    /// 反馈.
    pub(crate) const FEEDBACK: &str = "feedback";
}

/// What the complaint rules need of a process: 核查, 认定 (成立 / 部分成立 / 不成立), 整改 and
/// 反馈.
pub(crate) const CONTRACT: StepContract = StepContract {
    steps: &[
        ContractStep {
            id: steps::CHECK,
            name: "核查",
            human: true,
            decisions: &["核查完毕"],
        },
        ContractStep {
            id: steps::FIND,
            name: "认定",
            human: true,
            decisions: &["成立", "部分成立", "不成立"],
        },
        ContractStep {
            id: steps::RECTIFY,
            name: "整改",
            human: true,
            decisions: &["整改完毕"],
        },
        ContractStep {
            id: steps::FEEDBACK,
            name: "反馈",
            human: true,
            decisions: &["反馈"],
        },
    ],
};

fn written(opinion: &str, what: &str) -> Result<String> {
    let t = opinion.trim();
    if t.chars().count() < 4 {
        return Err(ServiceError::invalid(
            "opinion",
            format!("请写明{what}（至少 4 个字）"),
        ));
    }
    Ok(t.to_owned())
}

impl Services {
    /// The complaints area's part of a flow action (see the module's note).
    pub(crate) async fn on_complaint_flow(
        &self,
        at: &mut AreaTx<'_, '_>,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = at.direct()?;
        let row = match case.link {
            Some(id) => Some(store::find_tx(tx, id).await?),
            None => store::of_case(tx, case.id).await?,
        };
        let Some(r) = row else {
            return Ok(());
        };
        let t = ms(now);
        for e in events {
            match e {
                FlowEvent::TaskCompleted { step, opinion, .. } if step == steps::CHECK => {
                    store::set_facts(tx, r.id, &written(opinion, "核查情况")?).await?;
                }
                FlowEvent::TaskCompleted { step, .. } if step == steps::FIND => {
                    // 认定 names the responsible unit and post: only through the complaint's
                    // own form, which records the finding and marks the step just before.
                    if r.pending_step != steps::FIND {
                        return Err(ServiceError::Conflict {
                            code: "complaints.use_area_form",
                            message: "请在「认定」表单中认定，投诉成立时须指明责任岗位".into(),
                        });
                    }
                    store::set_pending(tx, r.id, "").await?;
                }
                FlowEvent::TaskCompleted { step, opinion, .. } if step == steps::RECTIFY => {
                    store::set_rectification(tx, r.id, &written(opinion, "整改情况")?).await?;
                }
                FlowEvent::TaskCompleted { step, opinion, .. } if step == steps::FEEDBACK => {
                    store::set_answer(tx, r.id, &written(opinion, "反馈意见")?).await?;
                }
                FlowEvent::StepEntered { step, .. } => {
                    let state = match step.as_str() {
                        steps::CHECK => Some(ComplaintState::Checking),
                        steps::FIND => Some(ComplaintState::Finding),
                        steps::RECTIFY => Some(ComplaintState::Rectifying),
                        steps::FEEDBACK => Some(ComplaintState::Answering),
                        _ => None,
                    };
                    if let Some(s) = state {
                        store::set_state(tx, r.id, s.code(), t).await?;
                    }
                }
                FlowEvent::CaseClosed { .. } => {
                    store::set_state(tx, r.id, ComplaintState::Closed.code(), t).await?;
                    crate::events::record(
                        tx,
                        &actor.audit(),
                        "complaints.closed",
                        Some(format!("complaint:{}", r.id)),
                        json!({"finding": r.finding, "unit": r.responsible_unit_id,
                               "post": r.responsible_post_id}),
                        now,
                    )
                    .await?;
                    if let Some(p) = r.complainant_post_id {
                        crate::meetings::tell(
                            tx,
                            &[p],
                            "complaints.answered",
                            &format!("complaint:{}", r.id),
                            &format!("您的效能投诉 {} 已办结，请查看反馈", r.code),
                            now,
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
