//! Urging (催办) and handing over a post's work (工作交接).
//!
//! Neither is an action a holder takes on a task: an urge changes no case (its version stays),
//! and a handover is an administrator's action, run case by case on the direct path in one
//! transaction of its own. Kept apart from `act.rs`, whose actions go through the writer.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::Action;
use xn_domain::org::Permission;

use super::ActorRef;
use super::batch::Work;
use crate::{Actor, Result, ServiceError, Services, ms, require};

impl Services {
    /// Urges the holder of a task (催办): recorded, counted on the task, delivered to the
    /// holder's notifications. Does not change the case (its version stays). One does not urge
    /// one's own task.
    pub async fn urge(
        &self,
        actor: &Actor,
        task_id: i64,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let me = ActorRef::of(actor)?;
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "请填写催办内容"));
        }
        if message.chars().count() > 500 {
            return Err(ServiceError::invalid("message", "催办内容不能超过 500 字"));
        }
        let task = xn_store::flow::find_task(self.db(), task_id)
            .await
            .map_err(ServiceError::missing("待办"))?;
        if !matches!(task.state.as_str(), "open" | "waiting" | "delegated") {
            return Err(ServiceError::Conflict {
                code: "flow.state",
                message: "该待办已办理，无需催办".into(),
            });
        }
        if task.post_id == me.post_id {
            return Err(ServiceError::invalid("task", "不能催办自己的待办"));
        }
        if task.starter_post_id != me.post_id
            && !self.participated(me.post_id, task.case_id).await?
        {
            return Err(ServiceError::Forbidden("只有发起人或经办人可以催办".into()));
        }
        let mut tx = self.db().begin().await?;
        xn_store::flow::mark_urged(&mut tx, task_id, ms(now)).await?;
        let text = format!(
            "「{}」的「{}」被催办：{message}",
            task.title, task.step_name
        );
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: task.post_id,
                kind: "flow.urged",
                subject: Some(&format!("case:{}", task.case_id)),
                message: &text,
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &crate::events::Audit { person_id: Some(me.person_id), post_id: Some(me.post_id), ip: me.ip.as_deref() },
            "flow.urged",
            Some(format!("case:{}", task.case_id)),
            json!({"task": task.task_no, "step": task.step_id, "post": task.post_id, "message": message}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn participated(&self, post: i64, case_id: i64) -> Result<bool> {
        let tasks = xn_store::flow::tasks_of_case(self.db(), case_id).await?;
        Ok(tasks
            .iter()
            .any(|t| t.post_id == post || t.acted_by_post_id == Some(post)))
    }

    /// Moves all pending work of one post to another in one recorded action (工作交接).
    pub async fn handover(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        require(actor, Permission::FlowAdmin)?;
        let me = ActorRef::of(actor)?;
        if from == to {
            return Err(ServiceError::invalid("to", "交接双方不能是同一岗位"));
        }
        let mut tx = self.db().begin().await?;
        match xn_store::flow::post_unit(&mut tx, to).await? {
            Some((_, active)) if active != 0 => {}
            _ => return Err(ServiceError::invalid("to", "接手岗位不存在或已停用")),
        }
        if xn_store::flow::post_unit(&mut tx, from).await?.is_none() {
            return Err(ServiceError::invalid("from", "交出岗位不存在"));
        }
        let cases = xn_store::flow::cases_with_pending_tasks_of(&mut tx, from).await?;
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
            &crate::events::Audit {
                person_id: Some(me.person_id),
                post_id: Some(me.post_id),
                ip: me.ip.as_deref(),
            },
            "flow.handover",
            Some(format!("post:{from}")),
            json!({"from": from, "to": to, "cases": cases, "tasks": moved}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}
