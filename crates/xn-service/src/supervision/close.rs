//! The item's steps, completed by name: 签收 by the lead post, 申请办结 with the evidence, and
//! 办结审核 by the opener, which strikes the item off (销号) or sends it back (退回重办). The
//! flow engine moves the case; the hooks keep the item's row and refuse what the rules forbid.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use xn_domain::flow::Action;
use xn_store::supervision::ItemRow;

use super::hooks::steps;
use super::{Supervision, acting};
use crate::{Actor, Result, ServiceError};

impl Supervision<'_> {
    /// The actor's open task of a step of an item's case: (case, task number).
    async fn my_task(&self, actor: &Actor, item: &ItemRow, step: &str) -> Result<u32> {
        let (post, _) = acting(actor)?;
        let tasks = xn_store::flow::tasks_of_case(self.svc.db(), item.case_id).await?;
        tasks
            .iter()
            .find(|t| t.step_id == step && t.state == "open" && t.post_id == post)
            .map(|t| crate::exact("a task's number", t.task_no))
            .transpose()?
            .ok_or_else(|| ServiceError::Conflict {
                code: "supervision.state",
                message: if step == steps::SIGN {
                    "该事项不在待您签收的环节".into()
                } else if step == steps::HANDLE {
                    "该事项不在由您办理的环节".into()
                } else {
                    "该事项不在待您审核的环节".into()
                },
            })
    }

    async fn complete_step(
        &self,
        actor: &Actor,
        item_id: i64,
        step: &str,
        decision: &str,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (item, _) = self.reachable_item(actor, item_id).await?;
        let task = self.my_task(actor, &item, step).await?;
        self.svc
            .act(
                actor,
                item.case_id,
                None,
                Action::Complete {
                    task,
                    decision: decision.into(),
                    opinion: opinion.trim().into(),
                    choices: BTreeMap::new(),
                },
                None,
                now,
            )
            .await?;
        Ok(())
    }

    /// 签收: the lead post signs for the item.
    pub async fn sign(
        &self,
        actor: &Actor,
        item_id: i64,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.complete_step(actor, item_id, steps::SIGN, steps::SIGNED, opinion, now)
            .await
    }

    /// 办结申请: the lead post applies for closing, with the evidence described.
    pub async fn apply_close(
        &self,
        actor: &Actor,
        item_id: i64,
        evidence: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.complete_step(actor, item_id, steps::HANDLE, steps::APPLY, evidence, now)
            .await
    }

    /// 办结审核: the opener accepts the closing (销号) or sends it back with reasons.
    pub async fn review(
        &self,
        actor: &Actor,
        item_id: i64,
        accept: bool,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let decision = if accept {
            steps::ACCEPT
        } else {
            steps::SEND_BACK
        };
        self.complete_step(actor, item_id, steps::REVIEW, decision, opinion, now)
            .await
    }
}
