//! Correcting a returned internal request (修改后重新提交).
//!
//! An internal request returned to its 拟稿 step comes back to its drafter with the returner's
//! reason; the drafter corrects the title and body there and submits it again. Not an engine
//! action: the case's flow state and version stay, the new text is what every later holder
//! reads, and the change is on the record (`flow.revised`). An area's cases are corrected
//! through their area (a 公文's 正文 is a new 稿次), never here.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ActorRef;
use super::start::checked_content;
use crate::{Actor, Result, ServiceError, Services, ms};

/// A drafter's correction of a returned internal request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Revision {
    /// The case's version the drafter read (a later action makes the correction stale).
    pub version: i64,
    /// 标题.
    pub title: String,
    /// 正文.
    #[serde(default)]
    pub body: String,
}

impl Services {
    /// Rewrites the title and body of an internal request that sits at its 拟稿 step with the
    /// acting post (returned to its drafter). Out of reach answers like a missing case; any
    /// other case, step or holder is refused with the reason, and nothing is written.
    pub async fn revise_case(
        &self,
        actor: &Actor,
        case_id: i64,
        r: &Revision,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let me = ActorRef::of(actor)?;
        let c = self.case_detail(actor, case_id, now).await?;
        if !c.can_revise {
            return Err(ServiceError::Conflict {
                code: "flow.revise",
                message: "只有退回到拟稿环节、由拟稿人办理时，才能修改事项的标题和正文".into(),
            });
        }
        let title = checked_content(&r.title, &r.body)?;
        if r.version != c.version {
            return Err(ServiceError::Conflict {
                code: "flow.version",
                message: "事项已有新的办理，请刷新页面后再修改".into(),
            });
        }
        let title_changed = title != c.title;
        let body_changed = r.body != c.body;
        if !title_changed && !body_changed {
            return Ok(());
        }
        let mut tx = self.db().begin().await?;
        xn_store::flow::revise_case(&mut tx, case_id, r.version, title, &r.body, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(me.person_id),
                post_id: Some(me.post_id),
                ip: me.ip.as_deref(),
            },
            "flow.revised",
            Some(format!("case:{case_id}")),
            json!({"title": title_changed, "body": body_changed}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
