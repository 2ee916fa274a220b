//! The notifications of the acting post: listed on the workbench, marked read one by one or
//! all at once.

use chrono::{DateTime, Utc};
use xn_store::notifications::NotificationRow;

use crate::clearance::WITHHELD;
use crate::{Actor, Result, ServiceError, Services, ms};

impl Services {
    /// The acting post's newest notifications (unread first is the page's choice). One about
    /// an item classified above the post's clearance (its clearance lowered since, an item
    /// whose document was reclassified) says only that it concerns「（涉密事项）」: its title and
    /// words stay out.
    pub async fn my_notifications(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        let Some(post_id) = actor.post_id() else {
            return Ok(Vec::new());
        };
        let mut rows =
            xn_store::notifications::list_notifications(self.db(), post_id, limit.clamp(1, 100))
                .await?;
        let levels = self
            .subject_levels(rows.iter().filter_map(|n| n.subject.as_deref()))
            .await?;
        for n in &mut rows {
            let above = n
                .subject
                .as_deref()
                .and_then(|s| levels.get(s))
                .is_some_and(|l| !actor.may_see(*l));
            if above {
                n.message = format!("{WITHHELD}有新的动态，内容按密级不予显示");
            }
        }
        Ok(rows)
    }

    /// Marks a notification of the acting post read.
    pub async fn mark_notification_read(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(post_id) = actor.post_id() else {
            return Err(ServiceError::NotFound("通知"));
        };
        let mut tx = self.db().begin().await?;
        if !xn_store::notifications::mark_notification_read(&mut tx, id, post_id, ms(now)).await? {
            return Err(ServiceError::NotFound("未读通知"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many notifications of the acting post are unread.
    pub async fn my_unread_count(&self, actor: &Actor) -> Result<i64> {
        let Some(post_id) = actor.post_id() else {
            return Ok(0);
        };
        Ok(xn_store::notifications::unread_count(self.db(), post_id).await?)
    }

    /// Marks every notification of the acting post read (全部标为已读); answers how many.
    pub async fn mark_all_notifications_read(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let Some(post_id) = actor.post_id() else {
            return Err(ServiceError::NotFound("通知"));
        };
        let mut tx = self.db().begin().await?;
        let n = xn_store::notifications::mark_all_read(&mut tx, post_id, ms(now)).await?;
        tx.commit().await?;
        Ok(n)
    }
}
