//! What happens to a request when its case moves: called by the flow engine inside the
//! action's transaction, so that it happens with the action or not at all (a refusal here
//! refuses the action).

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::calendar::business_date;
use xn_domain::flow::{ContractStep, FlowEvent, StepContract};
use xn_domain::service::{RequestState, VisitResult};
use xn_store::service as store;

use crate::events::Audit;
use crate::flow::{ActorRef, AreaTx, CaseCtx};
use crate::{Result, ServiceError, Services, ms};

/// The steps of `processes/service_request.toml` the rules below act on.
pub(crate) mod steps {
    /// 派单.
    pub(crate) const DISPATCH: &str = "dispatch";
    /// 签收.
    pub(crate) const SIGN: &str = "sign";
    /// 承办.
    pub(crate) const HANDLE: &str = "handle";
    /// 答复审核.
    pub(crate) const REVIEW: &str = "review";
    /// 回访.
    pub(crate) const VISIT: &str = "visit";
    /// 派单's decision.
    pub(crate) const DISPATCHED: &str = "派单";
    /// 签收's decision.
    pub(crate) const SIGNED: &str = "签收";
    /// 退单: at 签收 or 承办.
    pub(crate) const RETURN: &str = "退单";
    /// 承办's answer.
    pub(crate) const ANSWERED: &str = "答复";
    /// The review passes the answer to the requester.
    pub(crate) const APPROVE: &str = "审核通过";
    /// The review sends the answer back.
    pub(crate) const REDO: &str = "退回修改";
}

/// What the service rules need of a process: 派单, 签收 (签收 / 退单), 承办 (答复 / 退单),
/// 答复审核 and 回访 with the three ratings.
pub(crate) const CONTRACT: StepContract = StepContract {
    steps: &[
        ContractStep {
            id: steps::DISPATCH,
            name: "派单",
            human: true,
            decisions: &[steps::DISPATCHED],
        },
        ContractStep {
            id: steps::SIGN,
            name: "签收",
            human: true,
            decisions: &[steps::SIGNED, steps::RETURN],
        },
        ContractStep {
            id: steps::HANDLE,
            name: "承办",
            human: true,
            decisions: &[steps::ANSWERED, steps::RETURN],
        },
        ContractStep {
            id: steps::REVIEW,
            name: "答复审核",
            human: true,
            decisions: &[steps::APPROVE, steps::REDO],
        },
        ContractStep {
            id: steps::VISIT,
            name: "回访",
            human: true,
            decisions: &["满意", "基本满意", "不满意"],
        },
    ],
};

impl Services {
    /// The service area's part of a flow action (see the module's note).
    pub(crate) async fn on_service_flow(
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
        let Some(mut r) = row else {
            return Ok(());
        };
        let t = ms(now);
        let today = business_date(now);
        let who = Audit {
            person_id: Some(actor.person_id),
            post_id: Some(actor.post_id),
            ip: actor.ip.as_deref(),
        };
        for e in events {
            match e {
                FlowEvent::TaskCompleted { step, .. }
                    if (step == steps::DISPATCH || step == steps::VISIT) =>
                {
                    // 派单 names the lead post, 回访 records the rating: both only through the
                    // service's own forms, which mark the step just before completing it.
                    if r.pending_step != *step {
                        return Err(ServiceError::Conflict {
                            code: "service.use_area_form",
                            message: if step == steps::DISPATCH {
                                "请在服务事项页面派单（选择承办单位）".into()
                            } else {
                                "请在服务事项页面登记回访结果".into()
                            },
                        });
                    }
                    store::set_pending(tx, r.id, "").await?;
                    r.pending_step.clear();
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    post,
                    ..
                } if decision == steps::RETURN
                    && (step == steps::SIGN || step == steps::HANDLE) =>
                {
                    if opinion.trim().chars().count() < 4 {
                        return Err(ServiceError::invalid(
                            "opinion",
                            "退单须写明理由（至少 4 个字）",
                        ));
                    }
                    let unit = r.lead_unit_id.ok_or_else(|| {
                        ServiceError::Internal(anyhow::anyhow!("request {} has no lead unit", r.id))
                    })?;
                    store::insert_return(tx, r.id, unit, *post, opinion.trim(), t).await?;
                    store::set_lead(tx, r.id, None, None, t).await?;
                    store::progress(tx, r.id, "重新派单", "正在重新确定承办单位", t).await?;
                    let dispatchers = self.service_dispatchers(tx, r.government_id).await?;
                    crate::meetings::tell(
                        tx,
                        &dispatchers,
                        "service.returned",
                        &format!("service:{}", r.id),
                        &format!("服务事项 {} 被退单：{}", r.code, opinion.trim()),
                        now,
                    )
                    .await?;
                    crate::events::record(
                        tx,
                        &who,
                        "service.returned",
                        Some(format!("service:{}", r.id)),
                        json!({"unit": unit, "reason": opinion.trim()}),
                        now,
                    )
                    .await?;
                    r.lead_unit_id = None;
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    ..
                } if step == steps::HANDLE && decision == steps::ANSWERED => {
                    if opinion.trim().chars().count() < 10 {
                        return Err(ServiceError::invalid("opinion", "答复内容至少 10 个字"));
                    }
                    store::set_answer(tx, r.id, opinion.trim(), t).await?;
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    ..
                } if step == steps::REVIEW => {
                    if decision == steps::REDO && opinion.trim().is_empty() {
                        return Err(ServiceError::invalid("opinion", "退回修改须说明理由"));
                    }
                    if decision == steps::APPROVE {
                        store::publish_answer(tx, r.id, &today.to_string(), t).await?;
                        r.answered_on = Some(today.to_string());
                        r.answered_at = Some(t);
                        store::progress(tx, r.id, "已答复", "承办单位已答复，请查看答复内容", t)
                            .await?;
                        // The staff member who asked is told where the answer is, to rate it.
                        if let Some(asker) = r.requester_post_id {
                            crate::meetings::tell(
                                tx,
                                &[asker],
                                "service.answered",
                                &format!("service:{}", r.id),
                                &format!("您的内部办事申请 {} 已答复，请查看并评价", r.code),
                                now,
                            )
                            .await?;
                        }
                    }
                }
                FlowEvent::StepEntered { step, .. } => {
                    let state = match step.as_str() {
                        steps::DISPATCH => Some(RequestState::Dispatching),
                        steps::SIGN => Some(RequestState::Signing),
                        steps::HANDLE => Some(RequestState::Handling),
                        steps::REVIEW => Some(RequestState::Reviewing),
                        steps::VISIT => Some(RequestState::Visiting),
                        _ => None,
                    };
                    if let Some(s) = state {
                        store::set_state(tx, r.id, s.code(), None, None, t).await?;
                        if s == RequestState::Handling && r.state == RequestState::Signing.code() {
                            store::progress(tx, r.id, "办理中", "承办单位已签收，正在办理", t)
                                .await?;
                        }
                        r.state = s.code().into();
                    }
                }
                FlowEvent::CaseClosed { .. } => {
                    let outcome = store::last_visit(tx, r.id)
                        .await?
                        .unwrap_or_else(|| "unrated".into());
                    let day = today.to_string();
                    store::set_state(
                        tx,
                        r.id,
                        RequestState::Closed.code(),
                        Some(&outcome),
                        Some(&day),
                        t,
                    )
                    .await?;
                    let note = match VisitResult::from_code(&outcome) {
                        Some(v) => format!("办理结束（评价：{}）", v.label()),
                        None => "办理结束".into(),
                    };
                    store::progress(tx, r.id, "已办结", &note, t).await?;
                    if let Some(lead) = r.lead_post_id {
                        crate::meetings::tell(
                            tx,
                            &[lead],
                            "service.closed",
                            &format!("service:{}", r.id),
                            &format!("服务事项 {} 已办结", r.code),
                            now,
                        )
                        .await?;
                    }
                    crate::events::record(
                        tx,
                        &who,
                        "service.closed",
                        Some(format!("service:{}", r.id)),
                        json!({"outcome": outcome, "deadline": r.deadline, "on": day,
                        "answered_on": r.answered_on,
                        "late": super::answered_late(&r)}),
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
