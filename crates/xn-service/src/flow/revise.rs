//! Correcting a returned internal request (修改后重新提交).
//!
//! An internal request returned to its 拟稿 step comes back to its drafter with the returner's
//! reason; the drafter corrects the title, body and 附件 there and submits it again. Not an engine
//! action: the case's flow state and version stay, the new text is what every later holder
//! reads, and the change is on the record (`flow.revised`). An area's cases are corrected
//! through their area (a 公文's 正文 is a new 稿次), never here.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::files::NewFile;
use crate::{Actor, Result, Services};

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
    /// Files to take off (ids from the case's `attachments`); files are added with
    /// `POST /api/v1/cases/{id}/attachments`.
    #[serde(default)]
    pub remove_attachments: Vec<i64>,
}

impl Services {
    /// Rewrites the title and body of an internal request that sits at its 拟稿 step with the
    /// acting post (returned to its drafter), adds `files` and takes off the files the
    /// revision names, in one transaction. Out of reach answers like a missing case; any other
    /// case, step or holder is refused with the reason, and nothing is written.
    pub async fn revise_case(
        &self,
        actor: &Actor,
        case_id: i64,
        r: &Revision,
        files: &[NewFile<'_>],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.correct_case(
            actor,
            case_id,
            r.version,
            Some((&r.title, &r.body)),
            files,
            &r.remove_attachments,
            now,
        )
        .await
        .map(drop)
    }
}
