//! Urging (催办).
//!
//! Not an action a holder takes on a task: an urge changes no case (its version stays). Kept
//! apart from `act.rs`, whose actions go through the writer; handing over a post's work is in
//! `handover.rs`.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::Permission;

use super::ActorRef;
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
        let task = xn_store::flow::find_task(self.db(), task_id)
            .await
            .map_err(ServiceError::missing("待办"))?;
        // A task of a case one took no part in answers like a missing one, before its state or
        // the message is looked at: the answer tells an outsider nothing.
        if task.starter_post_id != me.post_id
            && !self.participated(me.post_id, task.case_id).await?
        {
            return Err(ServiceError::NotFound("待办"));
        }
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "请填写催办内容"));
        }
        if message.chars().count() > 500 {
            return Err(ServiceError::invalid("message", "催办内容不能超过 500 字"));
        }
        if !matches!(task.state.as_str(), "open" | "waiting" | "delegated") {
            return Err(ServiceError::Conflict {
                code: "flow.state",
                message: "该待办已办理，无需催办".into(),
            });
        }
        if task.post_id == me.post_id {
            return Err(ServiceError::invalid("task", "不能催办自己的待办"));
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
            &me.audit(),
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
}
