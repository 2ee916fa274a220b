//! Reads of classified material, recorded for the auditor (GB/T 22239-2019 8.1.4.3, finding
//! 8): a page or API read of a document, case, 督办事项 or meeting classified above 非密 is
//! recorded (`<area>.read_classified`, with its 密级), and so is a refused read
//! (`<area>.read_refused`, with the reason: missing or out of reach, or forbidden). Neither
//! event carries the title or any other content, so the trail itself is no channel for it.
//!
//! The reads recorded are those of the item's page and of its API read. The lists that show an
//! item's line (withheld there above the reader's clearance), a print, and the rules that read
//! an item are not reads of it.

use chrono::{DateTime, Utc};
use xn_domain::org::Clearance;

use crate::{Actor, Result, ServiceError, Services};

/// What was read: the kind of material, and so its events' kinds and subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOf {
    /// A document (公文).
    Document,
    /// A case (办理 page).
    Case,
    /// A 督办事项.
    SupervisionItem,
    /// A meeting.
    Meeting,
}

impl ReadOf {
    /// The event kinds of a classified read and of a refused one.
    pub fn kinds(self) -> (&'static str, &'static str) {
        match self {
            ReadOf::Document => ("documents.read_classified", "documents.read_refused"),
            ReadOf::Case => ("cases.read_classified", "cases.read_refused"),
            ReadOf::SupervisionItem => ("supervision.read_classified", "supervision.read_refused"),
            ReadOf::Meeting => ("meetings.read_classified", "meetings.read_refused"),
        }
    }

    /// The subject of the item's events.
    fn subject(self, id: i64) -> String {
        match self {
            ReadOf::Document => format!("document:{id}"),
            ReadOf::Case => format!("case:{id}"),
            ReadOf::SupervisionItem => format!("supervision:{id}"),
            ReadOf::Meeting => format!("meeting:{id}"),
        }
    }
}

impl Services {
    /// Records the read `got` of item `id` (see the module's note) and answers it unchanged. A
    /// successful read of a 非密 item records nothing; nor does an error other than a refusal.
    pub(crate) async fn record_read<T>(
        &self,
        actor: &Actor,
        what: ReadOf,
        id: i64,
        got: Result<T>,
        now: DateTime<Utc>,
    ) -> Result<T> {
        let (classified, refused) = what.kinds();
        let subject = what.subject(id);
        let (kind, detail) = match &got {
            Ok(_) => {
                let level = self
                    .subject_levels(std::iter::once(subject.as_str()))
                    .await?
                    .get(&subject)
                    .copied()
                    .unwrap_or(Clearance::Public);
                if level == Clearance::Public {
                    return got;
                }
                (
                    classified,
                    serde_json::json!({ "classification": level.code() }),
                )
            }
            Err(ServiceError::NotFound(_)) => (
                refused,
                serde_json::json!({ "reason": "not_found_or_out_of_reach" }),
            ),
            Err(ServiceError::Forbidden(_)) => {
                (refused, serde_json::json!({ "reason": "forbidden" }))
            }
            Err(_) => return got,
        };
        let mut tx = self.db().begin().await?;
        crate::events::record(&mut tx, &actor.audit(), kind, Some(subject), detail, now).await?;
        tx.commit().await?;
        got
    }
}
