//! Handing over a post's open work to another post (工作交接), e.g. when its holder leaves.
//!
//! The rule (docs/ARCHITECTURE.md, "Handover"): work moves between two posts of the same unit;
//! the one who moves it holds 流程管理与工作交接 (`FlowAdmin`) in a post of that unit's office
//! (the nearest government, office or bureau at or above it), so a unit's work is handed over
//! by its own office and nobody else's; the receiving post is active, may do the work
//! (`FlowWork`), is not held by the one moving it, and its clearance covers the classification
//! of every item that moves — otherwise nothing moves and the refusal names the items. The
//! move is one recorded action (`flow.handover`) and both posts are notified.
//!
//! Run case by case on the direct path in one transaction of its own, not through the writer.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::Action;
use xn_domain::org::{Clearance, Permission};

use super::ActorRef;
use super::batch::Work;
use crate::{Actor, Result, ServiceError, Services, ms, require};

impl Services {
    /// Moves all pending work of post `from` to post `to` in one recorded action (工作交接);
    /// answers how many tasks moved. See the module's note for who may move what to whom.
    pub async fn handover(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        require(actor, Permission::FlowAdmin)?;
        let me = ActorRef::of(actor)?;
        let Some(mine) = &actor.post else {
            return Err(ServiceError::invalid("post", "请先选择身份"));
        };
        if from == to {
            return Err(ServiceError::invalid("to", "交接双方不能是同一岗位"));
        }
        let giver = xn_store::org::find_post(self.db(), from)
            .await
            .map_err(ServiceError::missing_input("from", "交出岗位不存在"))?;
        let taker = xn_store::org::find_post(self.db(), to)
            .await
            .map_err(ServiceError::missing_input("to", "接手岗位不存在"))?;
        if taker.active == 0 {
            return Err(ServiceError::invalid("to", "接手岗位已停用"));
        }
        if taker.unit_id != giver.unit_id {
            return Err(ServiceError::invalid(
                "to",
                format!(
                    "工作交接只能在同一单位的岗位之间进行：{}的工作不能交给{}的岗位",
                    giver.unit_name, taker.unit_name
                ),
            ));
        }
        let mut tx = self.db().begin().await?;
        let unit_office = self.unit_chain(&mut tx, giver.unit_id).await?;
        let my_office = self.unit_chain(&mut tx, mine.unit_id).await?;
        let entitled = match (unit_office.office(), my_office.office()) {
            (Some(a), Some(b)) => a.id == b.id,
            _ => false,
        };
        if !entitled {
            let office = unit_office
                .office()
                .map_or("本单位所属机关", |o| o.name.as_str());
            return Err(ServiceError::Forbidden(format!(
                "{}的工作交接只能由{office}的流程管理岗位办理",
                giver.unit_name
            )));
        }
        if taker.person_id == actor.person_id {
            return Err(ServiceError::Forbidden(
                "不能把工作交接给自己担任的岗位".to_owned(),
            ));
        }
        let may_work = xn_domain::org::effective_permissions(
            xn_store::org::list_post_permissions(self.db(), to)
                .await?
                .iter()
                .filter_map(|c| Permission::from_code(c)),
        )
        .contains(&Permission::FlowWork);
        if !may_work {
            return Err(ServiceError::invalid(
                "to",
                format!(
                    "接手岗位没有“{}”权限，不能接手工作",
                    Permission::FlowWork.label()
                ),
            ));
        }
        let clearance = Clearance::from_str(&taker.clearance)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("post {to}: {e}")))?;
        let cases = xn_store::flow::cases_with_pending_tasks_of(&mut tx, from).await?;
        let mut too_secret = Vec::new();
        for case_id in &cases {
            if let Some((title, code)) =
                xn_store::flow::case_document_classification(&mut tx, *case_id).await?
            {
                let level = Clearance::from_str(&code)
                    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("case {case_id}: {e}")))?;
                if !clearance.may_see(level) {
                    // Named by title only to one cleared for it; otherwise by its number.
                    too_secret.push(if actor.may_see(level) {
                        format!("《{title}》（{}）", level.label())
                    } else {
                        format!(
                            "事项{case_id}{}（{}）",
                            crate::clearance::WITHHELD,
                            level.label()
                        )
                    });
                }
            }
        }
        if !too_secret.is_empty() {
            return Err(ServiceError::invalid(
                "to",
                format!(
                    "接手岗位的涉密等级为{}，以下事项密级更高，不能移交，本次未作任何交接：{}",
                    clearance.label(),
                    too_secret.join("、")
                ),
            ));
        }
        let system = ActorRef {
            flow_admin: true,
            ..me.clone()
        };
        let mut moved = 0;
        let mut w = Work::direct(&mut tx);
        for case_id in &cases {
            let out = self
                .act_in(
                    &mut w,
                    &system,
                    *case_id,
                    None,
                    &Action::Handover { from, to },
                    now,
                )
                .await?;
            moved += out
                .events
                .iter()
                .filter(|e| e.as_str() == "flow.handed_over")
                .count();
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "flow.handover",
            Some(format!("post:{from}")),
            json!({"from": from, "to": to, "unit": giver.unit_id, "cases": cases, "tasks": moved}),
            now,
        )
        .await?;
        let giver_name = format!(
            "{}（{}）",
            giver.person_name,
            giver.title.as_deref().unwrap_or(&giver.position_name)
        );
        let taker_name = format!(
            "{}（{}）",
            taker.person_name,
            taker.title.as_deref().unwrap_or(&taker.position_name)
        );
        for (post, message) in [
            (
                from,
                format!("工作交接：本岗位的 {moved} 项待办已交给{taker_name}"),
            ),
            (
                to,
                format!("工作交接：{giver_name}的 {moved} 项待办已交给本岗位办理"),
            ),
        ] {
            xn_store::notifications::insert_notification(
                &mut tx,
                &xn_store::notifications::NewNotification {
                    post_id: post,
                    kind: "flow.handover",
                    subject: Some(&format!("post:{from}")),
                    message: &message,
                },
                ms(now),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(moved)
    }
}
