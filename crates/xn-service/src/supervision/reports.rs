//! Progress: the lead post's reports on the item's cycle (报送进展), and the urging of the
//! supervising side (催办). A report answers the earliest one still owed, on time or late; the
//! timers mark the ones never filed (`timers`).

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::engine::business_date;
use xn_domain::supervision::ItemState;
use xn_store::supervision as store;

use super::{REPORT_TIMER, Supervision, acting, subject};
use crate::{Actor, Result, ServiceError, ms};

impl Supervision<'_> {
    /// 报送进展: the lead post files a progress report. It answers the earliest report still
    /// owed (on time when on or before its due day, late otherwise); with none owed it is an
    /// extra report.
    pub async fn report(
        &self,
        actor: &Actor,
        item_id: i64,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        self.reachable_item(actor, item_id).await?;
        let (post, _) = acting(actor)?;
        let content = content.trim();
        if content.chars().count() < 4 {
            return Err(ServiceError::invalid(
                "content",
                "请填写办理进展（至少 4 个字）",
            ));
        }
        if content.chars().count() > 5000 {
            return Err(ServiceError::invalid("content", "进展不能超过 5000 字"));
        }
        let today = business_date(now);
        let mut tx = self.svc.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以报送进展".into(),
            ));
        }
        match ItemState::parse(&item.state) {
            Some(ItemState::Handling) => {}
            Some(ItemState::Assigned) => {
                return Err(ServiceError::Conflict {
                    code: "supervision.state",
                    message: "请先签收该事项".into(),
                });
            }
            _ => {
                return Err(ServiceError::Conflict {
                    code: "supervision.state",
                    message: "该事项已申请办结或已销号，无需再报送进展".into(),
                });
            }
        }
        let reports = store::reports_of_tx(&mut tx, item.id).await?;
        let owed = reports
            .iter()
            .find(|r| r.status == "due" || r.status == "missed");
        let today_s = today.to_string();
        let (seq, status) = match owed {
            Some(r) => {
                let status = if r.status == "due" && today_s <= r.due_date {
                    "filed"
                } else {
                    "late"
                };
                store::file_report(
                    &mut tx,
                    r.id,
                    status,
                    content,
                    post,
                    actor.person_id,
                    ms(now),
                    None,
                )
                .await?;
                store::cancel_timers(&mut tx, REPORT_TIMER, item.case_id, Some(r.seq)).await?;
                (r.seq, status)
            }
            None => {
                let seq = reports.last().map_or(1, |r| r.seq + 1);
                let ids =
                    store::insert_reports(&mut tx, item.id, &[(seq, today_s.clone())]).await?;
                if let Some(id) = ids.first() {
                    store::file_report(
                        &mut tx,
                        *id,
                        "filed",
                        content,
                        post,
                        actor.person_id,
                        ms(now),
                        None,
                    )
                    .await?;
                }
                (seq, "filed")
            }
        };
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: item.created_post_id,
                kind: "supervision.report",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!("督办事项「{}」报送了第 {seq} 次进展", item.title),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "supervision.report_filed",
            subject(item.case_id),
            json!({"item": item.id, "seq": seq, "status": status, "opinion": content}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(status.to_owned())
    }

    /// 催办: the supervising section (or the opener) urges the lead post, with a message.
    pub async fn urge(
        &self,
        actor: &Actor,
        item_id: i64,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.reachable_item(actor, item_id).await?;
        let (post, _) = acting(actor)?;
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "请填写催办内容"));
        }
        if message.chars().count() > 500 {
            return Err(ServiceError::invalid("message", "催办内容不能超过 500 字"));
        }
        let item = store::find_item(self.svc.db(), item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        if item.created_post_id != post && !self.svc.is_board_member(actor, &item).await? {
            return Err(ServiceError::Forbidden(
                "只有督查部门或立项人可以催办".into(),
            ));
        }
        if item.state == ItemState::Closed.code() {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "该事项已销号，无需催办".into(),
            });
        }
        let open: Vec<(i64, i64)> = xn_store::flow::tasks_of_case(self.svc.db(), item.case_id)
            .await?
            .into_iter()
            .filter(|t| t.state == "open")
            .map(|t| (t.id, t.post_id))
            .collect();
        let mut tx = self.svc.db().begin().await?;
        for (task_id, holder) in open {
            xn_store::flow::mark_urged(&mut tx, task_id, ms(now)).await?;
            xn_store::notifications::insert_notification(
                &mut tx,
                &xn_store::notifications::NewNotification {
                    post_id: holder,
                    kind: "supervision.urged",
                    subject: Some(&format!("supervision:{}", item.id)),
                    message: &format!("督办事项「{}」被催办：{message}", item.title),
                },
                ms(now),
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "supervision.urged",
            subject(item.case_id),
            json!({"item": item.id, "message": message, "post": item.lead_post_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
