//! 申请调整: the lead post asks to change the lead unit or the deadline, with reasons, and the
//! opener decides. An approved change rewrites the case's `lead_post` field and hands the open
//! work over (the engine's 工作交接) in the same transaction; a new deadline re-arms the ladder
//! and reschedules the reports still to come.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::engine::business_date;
use xn_domain::flow::{Action, Fields, Value};
use xn_domain::supervision::{self as domain, ItemState};
use xn_store::supervision as store;

use super::{
    ChangeInput, DEADLINE_TIMER, REPORT_TIMER, Supervision, acting, domain_invalid, parse_date,
    subject,
};
use crate::flow::ActorRef;
use crate::{Actor, Result, ServiceError, ms};

impl Supervision<'_> {
    /// 申请调整: the lead post asks to change the lead unit or the deadline, with reasons.
    pub async fn request_change(
        &self,
        actor: &Actor,
        item_id: i64,
        input: &ChangeInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.reachable_item(actor, item_id).await?;
        let (post, _) = acting(actor)?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请说明调整理由"));
        }
        let lead = match (input.lead_unit, input.lead_post) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "调整牵头单位须同时选择新的责任人",
                ));
            }
        };
        if lead.is_none() && input.deadline.is_none() {
            return Err(ServiceError::invalid(
                "deadline",
                "请填写新的牵头单位或新的办理时限",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以申请调整".into(),
            ));
        }
        if !ItemState::parse(&item.state).is_some_and(ItemState::owes_work) {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "事项已申请办结或已销号，不能再申请调整".into(),
            });
        }
        if store::pending_change(&mut tx, item.id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "supervision.change_pending",
                message: "已有一项调整申请等待审批".into(),
            });
        }
        if let Some((u, p)) = lead {
            if u == item.lead_unit_id && p == item.lead_post_id {
                return Err(ServiceError::invalid("lead_unit", "新的牵头单位与原来相同"));
            }
            // The new lead stays within what the opener may supervise.
            let parent = match item.parent_id {
                Some(p) => Some(store::find_item_tx(&mut tx, p).await?),
                None => None,
            };
            let opener_unit = match xn_store::flow::post_unit(&mut tx, item.created_post_id).await?
            {
                Some((u, _)) => u,
                None => item.office_unit_id,
            };
            let scope = self
                .svc
                .supervision_scope(&mut tx, opener_unit, parent.as_ref())
                .await?;
            self.svc.check_scope(&mut tx, u, scope, "lead_unit").await?;
            match xn_store::flow::post_unit(&mut tx, p).await? {
                Some((pu, active)) if pu == u && active != 0 => {}
                _ => {
                    return Err(ServiceError::invalid(
                        "lead_post",
                        "新的责任人应为新牵头单位的在岗人员",
                    ));
                }
            }
            self.check_cleared(&mut tx, item.source_case_id, &[("lead_post", p)])
                .await?;
        }
        if let Some(d) = input.deadline {
            let parent_deadline = match item.parent_id {
                Some(p) => Some(parse_date(
                    &store::find_item_tx(&mut tx, p).await?.deadline,
                )?),
                None => None,
            };
            domain::check_deadline(d, business_date(now), parent_deadline)
                .map_err(domain_invalid)?;
        }
        let deadline = input.deadline.map(|d| d.to_string());
        let id = store::insert_change(
            &mut tx,
            item.id,
            post,
            reason,
            lead,
            deadline.as_deref(),
            ms(now),
        )
        .await?;
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: item.created_post_id,
                kind: "supervision.change",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!("督办事项「{}」申请调整：{reason}", item.title),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "supervision.change_requested",
            subject(item.case_id),
            json!({"item": item.id, "change": id, "reason": reason, "lead_unit": lead.map(|l| l.0),
                   "lead_post": lead.map(|l| l.1), "deadline": deadline}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Decides the pending change request: the opener approves (the lead's open work moves to
    /// the new post, the deadline and reports are rescheduled) or refuses, with an opinion.
    pub async fn decide_change(
        &self,
        actor: &Actor,
        item_id: i64,
        approve: bool,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.reachable_item(actor, item_id).await?;
        let (post, _) = acting(actor)?;
        let opinion = opinion.trim();
        if !approve && opinion.is_empty() {
            return Err(ServiceError::invalid("opinion", "不同意调整须说明理由"));
        }
        let mut tx = self.svc.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        let case = xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.created_post_id != post {
            return Err(ServiceError::Forbidden("只有立项人可以审批调整申请".into()));
        }
        let change = store::pending_change(&mut tx, item.id)
            .await?
            .ok_or_else(|| ServiceError::Conflict {
                code: "supervision.state",
                message: "没有待审批的调整申请".into(),
            })?;
        if !store::decide_change(&mut tx, change.id, approve, post, opinion, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "该调整申请已被审批".into(),
            });
        }
        if approve {
            let (unit, lead) = match (change.new_lead_unit_id, change.new_lead_post_id) {
                (Some(u), Some(p)) => (u, p),
                _ => (item.lead_unit_id, item.lead_post_id),
            };
            let deadline = change.new_deadline.clone().unwrap_or(item.deadline.clone());
            store::set_lead_and_deadline(&mut tx, item.id, unit, lead, &deadline, ms(now)).await?;
            if lead != item.lead_post_id {
                let mut fields: Fields = serde_json::from_str(&case.fields).unwrap_or_default();
                fields.insert("lead_post".into(), Value::List(vec![Value::Int(lead)]));
                fields.insert("lead_unit".into(), Value::Int(unit));
                let text =
                    serde_json::to_string(&fields).map_err(|e| ServiceError::Internal(e.into()))?;
                store::set_case_fields(&mut tx, item.case_id, &text).await?;
                let system = ActorRef {
                    flow_admin: true,
                    ..ActorRef::of(actor)?
                };
                self.svc
                    .act_in_tx(
                        &mut tx,
                        &system,
                        item.case_id,
                        &Action::Handover {
                            from: item.lead_post_id,
                            to: lead,
                        },
                        now,
                    )
                    .await?;
            }
            if change.new_deadline.is_some() {
                let new = parse_date(&deadline)?;
                store::cancel_timers(&mut tx, DEADLINE_TIMER, item.case_id, None).await?;
                self.svc
                    .arm_deadline(&mut tx, item.case_id, new, now, true)
                    .await?;
                if item.state == ItemState::Handling.code() {
                    let today = business_date(now);
                    let cancelled =
                        store::cancel_due_reports(&mut tx, item.id, &today.to_string()).await?;
                    for seq in cancelled {
                        store::cancel_timers(&mut tx, REPORT_TIMER, item.case_id, Some(seq))
                            .await?;
                    }
                    let last = store::reports_of_tx(&mut tx, item.id)
                        .await?
                        .last()
                        .map_or(0, |r| r.seq);
                    let fresh = store::find_item_tx(&mut tx, item.id).await?;
                    self.svc
                        .schedule_reports(&mut tx, &fresh, today, new, last)
                        .await?;
                }
            }
        }
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: change.requested_post_id,
                kind: "supervision.change",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!(
                    "督办事项「{}」的调整申请{}",
                    item.title,
                    if approve { "已同意" } else { "未同意" }
                ),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "supervision.change_decided",
            subject(item.case_id),
            json!({"item": item.id, "change": change.id, "approved": approve, "opinion": opinion,
                   "lead_post": change.new_lead_post_id, "deadline": change.new_deadline}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.svc.flow_cache_forget([item.case_id]);
        Ok(())
    }
}
