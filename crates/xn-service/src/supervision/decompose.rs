//! 分解: the lead post of an item splits it into sub-items for its own unit or the units below,
//! each an item of the same process opened by that post (who therefore reviews it), no later
//! than the parent and from the parent's source. The parent cannot apply for closing while a
//! sub-item is open (the hooks refuse it).

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::engine::business_date;
use xn_domain::supervision::{ItemState, SourceKind};
use xn_store::supervision as store;

use super::{NewItemInput, Supervision, acting, parse_date, subject};
use crate::flow::ActorRef;
use crate::{Actor, Result, ServiceError};

impl Supervision<'_> {
    /// 分解: the lead post splits its item into sub-items for units below it and named posts,
    /// each no later than the item. Returns the sub-items' ids.
    pub async fn decompose(
        &self,
        actor: &Actor,
        parent_id: i64,
        subs: &[NewItemInput],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        self.reachable_item(actor, parent_id).await?;
        let (post, _) = acting(actor)?;
        if subs.is_empty() {
            return Err(ServiceError::invalid("subs", "请至少填写一项分解事项"));
        }
        let today = business_date(now);
        let mut tx = self.svc.db().begin().await?;
        let parent = store::find_item_tx(&mut tx, parent_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        if parent.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以分解该事项".into(),
            ));
        }
        if parent.state != ItemState::Handling.code() {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "事项签收后、申请办结前才能分解".into(),
            });
        }
        let parent_deadline = parse_date(&parent.deadline)?;
        let source = SourceKind::parse(&parent.source_kind).ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!(
                "supervision item {} has an unknown source kind {}",
                parent.id,
                parent.source_kind
            ))
        })?;
        let me = ActorRef::of(actor)?;
        let mut ids = Vec::new();
        for sub in subs {
            if !self
                .svc
                .is_within(&mut tx, sub.lead_unit, parent.lead_unit_id)
                .await?
            {
                return Err(ServiceError::invalid(
                    "lead_unit",
                    "分解事项只能交给本单位或下属单位",
                ));
            }
            if sub.lead_post == post {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "分解事项的责任人不能是您本人",
                ));
            }
            let mut input = sub.clone();
            input.source_kind = source;
            input.source_case_id = parent.source_case_id;
            input.source_text = parent.source_text.clone();
            input.source_leader = parent.source_leader.clone();
            input.source_leader_post = parent.source_leader_post_id;
            let checked = self
                .check_new(&mut tx, &input, today, Some(parent_deadline))
                .await?;
            let id = self
                .open_item(
                    &mut tx,
                    &me,
                    &input,
                    &checked,
                    parent.office_unit_id,
                    Some(parent.id),
                    None,
                    now,
                )
                .await?;
            ids.push(id);
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "supervision.decomposed",
            subject(parent.case_id),
            json!({"item": parent.id, "subs": ids}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }
}
