//! The loop: 受理 (or 合并 / 不予受理), 派单, 签收 or 退单, 承办 and 答复, 答复审核, 回访 and 重办,
//! 延期申请 and its decision. Each step of the flow is completed by name through the flow
//! engine (the hooks keep the row); what the engine cannot be told in a decision (the lead
//! post chosen at 派单, whether a 不满意 sends the request back) the area writes in the same
//! transaction just before the action, and the hook refuses the step done any other way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::{from_shanghai_local, to_shanghai_local};
use xn_domain::flow::{Action, Fields, Value};
use xn_domain::service::{Channel, RequestState, VisitResult};
use xn_store::Tx;
use xn_store::service::{self as store, RequestRow};

use super::hooks::steps;
use super::{DispatcherCap, Role, Service, bounded, digest, lead_unit_of, parse_day, state_of};
use crate::flow::{ActorRef, StartCase};
use crate::{Actor, Result, ServiceError, ms};

/// 派单: the lead post (its unit, under the government, is the lead unit) and assisting units.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DispatchInput {
    /// The lead unit's responsible post.
    pub lead_post: i64,
    /// 协办单位 (units under the same government).
    #[serde(default)]
    pub assists: Vec<i64>,
    /// 派单意见.
    #[serde(default)]
    pub note: String,
}

/// 延期申请.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ExtensionInput {
    /// Working days more (1–30).
    pub days: u32,
    /// Why.
    pub reason: String,
}

fn conflict(message: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "service.state",
        message: message.into(),
    }
}

impl Service<'_> {
    /// A request of the dispatcher's government, in a transaction, locked with its case.
    async fn dispatcher_row(
        &self,
        tx: &mut Tx,
        cap: &DispatcherCap<'_>,
        id: i64,
    ) -> Result<RequestRow> {
        let r = store::find_tx(tx, id)
            .await
            .map_err(ServiceError::missing("服务事项"))?;
        if r.government_id != cap.government {
            return Err(ServiceError::NotFound("服务事项"));
        }
        if let Some(case) = r.case_id {
            xn_store::flow::lock_case(tx, case).await?;
        }
        Ok(r)
    }

    /// 受理: the request's case starts; its deadline is the category's limit in working days
    /// after the day it was received.
    pub async fn accept(&self, cap: &DispatcherCap<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        if state_of(&r)? != RequestState::Received || !store::claim(&mut tx, r.id, ms(now)).await? {
            return Err(conflict("该诉求已处理过受理"));
        }
        let cal = self.svc.flow_calendar().await?;
        let (deadline, deadline_at) = super::limit_end(
            &cal,
            r.limit_days,
            r.limit_hours,
            crate::from_ms(r.created_at),
        );
        let dispatchers = self
            .svc
            .service_dispatchers(&mut tx, r.government_id)
            .await?;
        let mut fields = Fields::new();
        fields.insert(
            "dispatchers".into(),
            Value::List(dispatchers.iter().map(|p| Value::Int(*p)).collect()),
        );
        fields.insert("visit".into(), Value::Text(r.visit_rule.clone()));
        fields.insert("rework".into(), Value::Text("no".into()));
        let summary: String = r.description.chars().take(30).collect();
        let me = ActorRef::of(cap.actor)?;
        let out = self
            .svc
            .start_in_tx(
                &mut tx,
                &me,
                None,
                &StartCase {
                    process: "service_request".into(),
                    title: format!("{}：{summary}", r.category_name),
                    body: r.description.clone(),
                    fields,
                    choices: BTreeMap::new(),
                    attachments: Vec::new(),
                },
                Some(r.id),
                None,
                now,
            )
            .await?;
        let day = deadline.to_string();
        let limit = store::Limit {
            day: &day,
            at: ms(deadline_at),
        };
        store::accept(&mut tx, r.id, out.case_id, limit, ms(now)).await?;
        self.svc
            .arm_service_urges(&mut tx, r.id, out.case_id, 0, deadline)
            .await?;
        store::progress(
            &mut tx,
            r.id,
            "已受理",
            &format!(
                "您的{}已受理，将于 {} 前答复",
                if r.channel == Channel::Internal.code() {
                    "申请"
                } else {
                    "诉求"
                },
                super::limit_words(r.limit_hours, deadline_at)
            ),
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &cap.actor.audit(),
            "service.accepted",
            Some(format!("service:{}", r.id)),
            json!({"case": out.case_id, "deadline": deadline.to_string()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 合并: a duplicate of an open request of the same government is followed through it; its
    /// requester reads that request's progress and answer.
    pub async fn merge(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        into: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if id == into {
            return Err(ServiceError::invalid("into", "不能与自身合并"));
        }
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let target = self
            .dispatcher_row(&mut tx, cap, into)
            .await
            .map_err(|_| ServiceError::invalid("into", "请选择本级政府的一件在办诉求"))?;
        if state_of(&r)? != RequestState::Received {
            return Err(conflict("该诉求已处理过受理"));
        }
        // A staff member's request and the public's are never one: the tracking page of the
        // one would show the other's answer.
        if (r.channel == Channel::Internal.code()) != (target.channel == Channel::Internal.code()) {
            return Err(ServiceError::invalid(
                "into",
                "内部办事申请与群众诉求不能合并办理",
            ));
        }
        let ts = state_of(&target)?;
        if !ts.is_open() || ts == RequestState::Received {
            return Err(ServiceError::invalid(
                "into",
                "只能并入已受理且尚未办结的诉求",
            ));
        }
        if !store::claim(&mut tx, r.id, ms(now)).await? {
            return Err(conflict("该诉求已处理过受理"));
        }
        let today = business_date(now).to_string();
        store::close_unaccepted(
            &mut tx,
            r.id,
            RequestState::Merged.code(),
            Some(target.id),
            "",
            &today,
            ms(now),
        )
        .await?;
        store::progress(
            &mut tx,
            r.id,
            "已合并办理",
            "您反映的问题与另一件在办诉求相同，已合并办理，办理进展和答复将一并告知您",
            ms(now),
        )
        .await?;
        store::progress(
            &mut tx,
            target.id,
            "合并办理",
            "另有群众反映了相同问题，已合并办理",
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &cap.actor.audit(),
            "service.merged",
            Some(format!("service:{}", r.id)),
            json!({"into": target.id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 不予受理, with the reason the requester reads.
    pub async fn decline(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let reason = bounded("reason", "不予受理的理由", reason, 4, 500)?;
        if state_of(&r)? != RequestState::Received {
            return Err(conflict("该诉求已处理过受理"));
        }
        if !store::claim(&mut tx, r.id, ms(now)).await? {
            return Err(conflict("该诉求已处理过受理"));
        }
        let today = business_date(now).to_string();
        store::close_unaccepted(
            &mut tx,
            r.id,
            RequestState::Declined.code(),
            None,
            &reason,
            &today,
            ms(now),
        )
        .await?;
        store::progress(&mut tx, r.id, "不予受理", &reason, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &cap.actor.audit(),
            "service.declined",
            Some(format!("service:{}", r.id)),
            json!({"reason": reason}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor's open task at a step of a request's case.
    async fn task(
        &self,
        tx: &mut Tx,
        r: &RequestRow,
        step: &str,
        post: i64,
        msg: &str,
    ) -> Result<u32> {
        let case = r.case_id.ok_or_else(|| conflict(msg))?;
        let task = store::open_task(tx, case, step, post)
            .await?
            .ok_or_else(|| conflict(msg))?;
        crate::exact("a task's number", task)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the step's task and its decision"
    )]
    async fn complete(
        &self,
        tx: &mut Tx,
        actor: &ActorRef,
        r: &RequestRow,
        task: u32,
        decision: &str,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let case = r.case_id.ok_or_else(|| conflict("该诉求尚未受理"))?;
        self.svc
            .act_in_tx(
                tx,
                actor,
                case,
                &Action::Complete {
                    task,
                    decision: decision.into(),
                    opinion: opinion.trim().into(),
                    choices: BTreeMap::new(),
                },
                now,
            )
            .await?;
        Ok(())
    }

    async fn set_fields(&self, tx: &mut Tx, case: i64, set: &[(&str, Value)]) -> Result<()> {
        let row = xn_store::flow::lock_case(tx, case).await?;
        let mut fields: Fields = serde_json::from_str(&row.fields).unwrap_or_default();
        for (k, v) in set {
            fields.insert((*k).into(), v.clone());
        }
        let text = serde_json::to_string(&fields).map_err(|e| ServiceError::Internal(e.into()))?;
        xn_store::supervision::set_case_fields(tx, case, &text).await?;
        Ok(())
    }

    /// 派单: to a post of a unit under the government (the lead unit), with assisting units.
    pub async fn dispatch(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        input: &DispatchInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let note = bounded("note", "派单意见", &input.note, 0, 500)?;
        let task = self
            .task(
                &mut tx,
                &r,
                steps::DISPATCH,
                cap.post,
                "该诉求不在待派单环节",
            )
            .await?;
        let (_, post_unit) = store::active_post(&mut tx, input.lead_post)
            .await?
            .ok_or_else(|| ServiceError::invalid("lead_post", "请选择承办岗位"))?;
        let chain = self.svc.unit_chain(&mut tx, post_unit).await?;
        let lead_unit = lead_unit_of(&chain, r.government_id).ok_or_else(|| {
            ServiceError::invalid(
                "lead_post",
                "只能派给本级政府所属的单位（部门、县区、本办科室）",
            )
        })?;
        if r.channel == Channel::Internal.code() && !chain.contains(cap.office) {
            return Err(ServiceError::invalid(
                "lead_post",
                "内部办事应派给本办的内务、后勤岗位",
            ));
        }
        if r.channel == Channel::Internal.code() && !input.assists.is_empty() {
            return Err(ServiceError::invalid(
                "assists",
                "内部办事由本办承办，不设协办单位",
            ));
        }
        let mut assists = Vec::new();
        for u in &input.assists {
            let c = self.svc.unit_chain(&mut tx, *u).await?;
            if lead_unit_of(&c, r.government_id) != Some(*u) {
                return Err(ServiceError::invalid(
                    "assists",
                    "协办单位应为本级政府所属的单位",
                ));
            }
            if *u != lead_unit && !assists.contains(u) {
                assists.push(*u);
            }
        }
        let case = r.case_id.ok_or_else(|| conflict("该诉求尚未受理"))?;
        self.set_fields(
            &mut tx,
            case,
            &[
                ("lead_post", Value::List(vec![Value::Int(input.lead_post)])),
                ("lead_unit", Value::Int(lead_unit)),
            ],
        )
        .await?;
        store::set_lead(
            &mut tx,
            r.id,
            Some(lead_unit),
            Some(input.lead_post),
            ms(now),
        )
        .await?;
        store::set_assists(&mut tx, r.id, &assists).await?;
        store::set_pending(&mut tx, r.id, steps::DISPATCH).await?;
        let me = ActorRef::of(cap.actor)?;
        self.complete(&mut tx, &me, &r, task, steps::DISPATCHED, &note, now)
            .await?;
        let unit_name = chain
            .0
            .iter()
            .find(|u| u.id == lead_unit)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        store::progress(
            &mut tx,
            r.id,
            "已派单",
            &format!("已转{unit_name}办理"),
            ms(now),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The lead post's own step: 签收, 退单 or 答复.
    async fn lead_step(
        &self,
        actor: &Actor,
        id: i64,
        step: &str,
        decision: &str,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (r, role) = self.reachable(actor, id).await?;
        if role != Role::Lead {
            return Err(ServiceError::Forbidden("只有承办岗位可以办理该诉求".into()));
        }
        let mut tx = self.svc.db().begin().await?;
        if let Some(case) = r.case_id {
            xn_store::flow::lock_case(&mut tx, case).await?;
        }
        let r = store::find_tx(&mut tx, r.id).await?;
        let post = actor.post_id().unwrap_or_default();
        let msg = if step == steps::SIGN {
            "该诉求不在待您签收的环节"
        } else {
            "该诉求不在由您承办的环节"
        };
        let task = self.task(&mut tx, &r, step, post, msg).await?;
        let me = ActorRef::of(actor)?;
        self.complete(&mut tx, &me, &r, task, decision, opinion, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 签收.
    pub async fn sign(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.lead_step(actor, id, steps::SIGN, steps::SIGNED, "", now)
            .await
    }

    /// 退单: not this unit's, with the reason; back to the dispatchers.
    pub async fn send_back(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (r, role) = self.reachable(actor, id).await?;
        if role != Role::Lead {
            return Err(ServiceError::Forbidden("只有承办岗位可以办理该诉求".into()));
        }
        let reason = bounded("reason", "退单理由", reason, 4, 500)?;
        let step = if r.state == RequestState::Signing.code() {
            steps::SIGN
        } else {
            steps::HANDLE
        };
        self.lead_step(actor, id, step, steps::RETURN, &reason, now)
            .await
    }

    /// 答复: the answer to the requester, reviewed by the dispatchers before it is shown.
    pub async fn answer(
        &self,
        actor: &Actor,
        id: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (_, role) = self.reachable(actor, id).await?;
        if role != Role::Lead {
            return Err(ServiceError::Forbidden("只有承办岗位可以办理该诉求".into()));
        }
        let text = bounded("answer", "答复内容", text, 10, 2000)?;
        self.lead_step(actor, id, steps::HANDLE, steps::ANSWERED, &text, now)
            .await
    }

    /// 答复审核: the answer goes to the requester, or back to the lead post with the reason.
    pub async fn review(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        approve: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let note = bounded("note", "审核意见", note, 0, 500)?;
        let task = self
            .task(
                &mut tx,
                &r,
                steps::REVIEW,
                cap.post,
                "该诉求不在答复审核环节",
            )
            .await?;
        let me = ActorRef::of(cap.actor)?;
        let decision = if approve { steps::APPROVE } else { steps::REDO };
        self.complete(&mut tx, &me, &r, task, decision, &note, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 回访 by phone: the dispatcher records the requester's rating.
    pub async fn visit(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        result: VisitResult,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let task = self
            .task(&mut tx, &r, steps::VISIT, cap.post, "该诉求不在待回访环节")
            .await?;
        let me = ActorRef::of(cap.actor)?;
        self.rate(&mut tx, &me, &r, task, result, reason, "phone", now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 评价 on the tracking page: the requester (code and phone) rates the answer. The 回访 task
    /// is completed in the name of the dispatcher post holding it, the opinion saying the
    /// requester gave it.
    pub async fn rate_public(
        &self,
        code: &str,
        phone: &str,
        result: VisitResult,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let r = self.tracked(code, phone).await?;
        let case = r
            .case_id
            .ok_or_else(|| conflict("该诉求尚未答复，暂不能评价"))?;
        self.rate_by_requester(r.id, case, result, reason, "该诉求当前不在评价环节", now)
            .await
    }

    /// A rating the requester gave (on the tracking page, or an internal request's asker on
    /// its page): the request is read again under its case's lock and, at 回访, the step is
    /// completed in the name of the dispatcher post holding it; `not_now` otherwise.
    pub(super) async fn rate_by_requester(
        &self,
        id: i64,
        case: i64,
        result: VisitResult,
        reason: &str,
        not_now: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        xn_store::flow::lock_case(&mut tx, case).await?;
        let r = store::find_tx(&mut tx, id).await?;
        if r.state != RequestState::Visiting.code() {
            return Err(conflict(not_now));
        }
        let holders = store::open_holders(&mut tx, case, steps::VISIT).await?;
        let (post, person) = holders.first().copied().ok_or_else(|| conflict(not_now))?;
        let task = store::open_task(&mut tx, case, steps::VISIT, post)
            .await?
            .ok_or_else(|| conflict(not_now))?;
        let task = crate::exact("a task's number", task)?;
        let holder = ActorRef {
            person_id: person,
            post_id: post,
            ip: None,
            flow_admin: false,
        };
        self.rate(&mut tx, &holder, &r, task, result, reason, "requester", now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a 回访 and completes the step: a first 不满意 sends it back for 重办 (with a new
    /// limit: the category's, from today), a second closes it as 不满意.
    #[expect(
        clippy::too_many_arguments,
        reason = "the rating and where it came from"
    )]
    pub(super) async fn rate(
        &self,
        tx: &mut Tx,
        actor: &ActorRef,
        r: &RequestRow,
        task: u32,
        result: VisitResult,
        reason: &str,
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let min = if result == VisitResult::Unsatisfied {
            4
        } else {
            0
        };
        let reason = bounded("reason", "不满意的原因", reason, min, 500)?;
        let case = r.case_id.ok_or_else(|| conflict("该诉求尚未受理"))?;
        let rework = result == VisitResult::Unsatisfied && r.reworks == 0;
        let today = business_date(now);
        store::insert_visit(
            tx,
            r.id,
            r.reworks + 1,
            r.lead_unit_id,
            result.code(),
            &reason,
            via,
            &xn_domain::service::month_of(today),
            ms(now),
        )
        .await?;
        if rework {
            let cal = self.svc.flow_calendar().await?;
            let (deadline, deadline_at) = super::limit_end(&cal, r.limit_days, r.limit_hours, now);
            let day = deadline.to_string();
            let limit = store::Limit {
                day: &day,
                at: ms(deadline_at),
            };
            store::rework(tx, r.id, limit, ms(now)).await?;
            self.svc
                .arm_service_urges(tx, r.id, case, r.reworks + 1, deadline)
                .await?;
            store::progress(
                tx,
                r.id,
                "重新办理",
                &format!(
                    "您对答复不满意，已交承办单位重新办理，将于 {} 前再次答复",
                    super::limit_words(r.limit_hours, deadline_at)
                ),
                ms(now),
            )
            .await?;
        }
        self.set_fields(
            tx,
            case,
            &[(
                "rework",
                Value::Text(if rework { "yes" } else { "no" }.into()),
            )],
        )
        .await?;
        store::set_pending(tx, r.id, steps::VISIT).await?;
        let opinion = if via == "requester" && r.channel == Channel::Internal.code() {
            format!("申请人评价：{}。{reason}", result.label())
        } else if via == "requester" {
            format!("群众在查询页评价：{}。{reason}", result.label())
        } else {
            format!("电话回访：{}。{reason}", result.label())
        };
        self.complete(tx, actor, r, task, result.label(), &opinion, now)
            .await?;
        Ok(())
    }

    /// 延期申请 by the lead post while it signs or works the request (one pending at a time).
    pub async fn ask_extension(
        &self,
        actor: &Actor,
        id: i64,
        input: &ExtensionInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (r, role) = self.reachable(actor, id).await?;
        if role != Role::Lead {
            return Err(ServiceError::Forbidden("只有承办岗位可以申请延期".into()));
        }
        let reason = bounded("reason", "延期理由", &input.reason, 4, 500)?;
        if !(1..=30).contains(&input.days) {
            return Err(ServiceError::invalid("days", "延期天数应为 1–30 个工作日"));
        }
        let mut tx = self.svc.db().begin().await?;
        let r = store::find_tx(&mut tx, r.id).await?;
        let state = state_of(&r)?;
        if !matches!(state, RequestState::Signing | RequestState::Handling) {
            return Err(conflict("只有在签收和承办环节可以申请延期"));
        }
        if store::pending_extension(&mut tx, r.id).await?.is_some() {
            return Err(conflict("已有一份延期申请待审批"));
        }
        let (post, unit) = match (actor.post_id(), r.lead_unit_id) {
            (Some(p), Some(u)) => (p, u),
            _ => return Err(conflict("该诉求尚未派单")),
        };
        let old = r.deadline.clone().unwrap_or_default();
        store::insert_extension(
            &mut tx,
            r.id,
            unit,
            post,
            i64::from(input.days),
            &reason,
            &old,
            ms(now),
        )
        .await?;
        let dispatchers = self
            .svc
            .service_dispatchers(&mut tx, r.government_id)
            .await?;
        crate::meetings::tell(
            &mut tx,
            &dispatchers,
            "service.extension_asked",
            &format!("service:{}", r.id),
            &format!(
                "服务事项 {} 的承办单位申请延期 {} 个工作日",
                r.code, input.days
            ),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "service.extension_asked",
            Some(format!("service:{}", r.id)),
            json!({"days": input.days}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// 延期审批: only an approved 延期 moves the deadline (by the days asked, in working days
    /// from the current deadline).
    pub async fn decide_extension(
        &self,
        cap: &DispatcherCap<'_>,
        id: i64,
        approve: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        let r = self.dispatcher_row(&mut tx, cap, id).await?;
        let note = bounded("note", "审批意见", note, if approve { 0 } else { 2 }, 500)?;
        let ext = store::pending_extension(&mut tx, r.id)
            .await?
            .ok_or_else(|| conflict("没有待审批的延期申请"))?;
        let mut new = String::new();
        let mut new_at = None;
        if approve {
            let from = parse_day(r.deadline.as_deref().unwrap_or(&r.received_on))?;
            let days = u32::try_from(ext.days).unwrap_or(1);
            let day = self
                .svc
                .flow_calendar()
                .await?
                .add_working_days(from, days)
                .date;
            // A limit in hours keeps its time of day; one in days ends with the day.
            let at = match (r.limit_hours, r.deadline_at) {
                (Some(_), Some(old_at)) => {
                    let time = to_shanghai_local(crate::from_ms(old_at)).time();
                    from_shanghai_local(day.and_time(time))
                }
                _ => xn_domain::flow::ladder::end_of(day),
            };
            new = day.to_string();
            new_at = Some((day, at));
        }
        if !store::decide_extension(&mut tx, ext.id, approve, &new, cap.post, &note, ms(now))
            .await?
        {
            return Err(conflict("该延期申请已被审批"));
        }
        if let Some((day, at)) = new_at {
            let limit = store::Limit {
                day: &new,
                at: ms(at),
            };
            store::set_deadline(&mut tx, r.id, limit, ms(now)).await?;
            if let Some(case) = r.case_id {
                self.svc
                    .arm_service_urges(&mut tx, r.id, case, r.reworks, day)
                    .await?;
            }
            store::progress(
                &mut tx,
                r.id,
                "延期办理",
                &format!("办理时限延至 {}", super::limit_words(r.limit_hours, at)),
                ms(now),
            )
            .await?;
        }
        if let Some(lead) = r.lead_post_id {
            crate::meetings::tell(
                &mut tx,
                &[lead],
                "service.extension_decided",
                &format!("service:{}", r.id),
                &if approve {
                    format!("服务事项 {} 的延期申请已批准，时限延至 {new}", r.code)
                } else {
                    format!("服务事项 {} 的延期申请未批准：{note}", r.code)
                },
                now,
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &cap.actor.audit(),
            "service.extension_decided",
            Some(format!("service:{}", r.id)),
            json!({"approved": approve, "deadline": new}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A request by its tracking code and the phone given with it (anyone else: not found).
    pub(super) async fn tracked(&self, code: &str, phone: &str) -> Result<RequestRow> {
        let code =
            xn_domain::service::normalize_code(code).ok_or(ServiceError::NotFound("诉求"))?;
        let phone =
            xn_domain::service::normalize_phone(phone).ok_or(ServiceError::NotFound("诉求"))?;
        let r = store::by_code(self.svc.db(), &code)
            .await?
            .ok_or(ServiceError::NotFound("诉求"))?;
        if r.phone_hash.is_empty() || r.phone_hash != digest(&phone) {
            return Err(ServiceError::NotFound("诉求"));
        }
        Ok(r)
    }
}
