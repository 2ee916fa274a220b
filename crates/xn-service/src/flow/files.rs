//! 附件 of an internal request: files the drafter adds when starting it, and adds or takes off
//! when correcting it after a return. Read by whoever may open the case.
//!
//! A start's files are checked and their bytes stored before the start; their rows are written
//! in the start's own transaction (the direct path, `start.rs`), so a request never exists with
//! half its files. A correction writes its title, body and files in one transaction with the
//! version the drafter read. An area's cases carry their files in their area (a 公文's 附件).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::flow::NewCaseAttachment;

use super::idempotency::IdempotencyKey;
use super::{ActionOutcome, ActorRef, StartCase};
use crate::files::{AttachmentFile, CheckedFile, check_file};
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

/// The most files one request carries.
pub const MAX_CASE_FILES: usize = 20;

/// A file as it arrives: its name and bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    /// The name the client gave.
    pub name: &'a str,
    /// The content.
    pub bytes: &'a [u8],
}

/// A file of a case, as its page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseAttachment {
    /// Id (download at `/api/v1/cases/{case}/attachments/{id}`).
    pub id: i64,
    /// File name.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Media type found from the content.
    pub mime: String,
    /// Who added it, "姓名（单位 职务）".
    pub added_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub added_at: DateTime<Utc>,
}

impl Services {
    /// Starts an internal request with its files: every file is checked first (a refused one
    /// refuses the start and names the file), then the request and its files are written in
    /// one transaction. Durable when it returns; a retry with the same key answers the first
    /// start.
    pub async fn start_case_with_files(
        &self,
        actor: &Actor,
        mut input: StartCase,
        files: &[NewFile<'_>],
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        require(actor, Permission::FlowWork)?;
        input.attachments = self.store_files(files, 0, now).await?;
        self.start_case(actor, input, idem, now).await
    }

    /// Checks files and stores their bytes (once per content; bytes no row names yet are
    /// harmless, as with every upload). `held` is how many files the case carries already.
    pub(crate) async fn store_files(
        &self,
        files: &[NewFile<'_>],
        held: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<CheckedFile>> {
        if held + files.len() > MAX_CASE_FILES {
            return Err(ServiceError::invalid(
                "file",
                format!("一个事项最多带 {MAX_CASE_FILES} 个附件"),
            ));
        }
        let checked = files
            .iter()
            .map(|f| check_file(f.name, f.bytes))
            .collect::<Result<Vec<_>>>()?;
        if checked.is_empty() {
            return Ok(checked);
        }
        let mut tx = self.db().begin().await?;
        for (f, c) in files.iter().zip(&checked) {
            self.put_file(&mut tx, &c.hash, f.bytes, ms(now)).await?;
        }
        tx.commit().await?;
        Ok(checked)
    }

    /// Writes a new case's files (their bytes stored) and records them, in the start's
    /// transaction.
    pub(super) async fn add_start_files(
        &self,
        tx: &mut Tx,
        case_id: i64,
        files: &[CheckedFile],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        add_rows(tx, case_id, files, actor, now).await?;
        crate::events::record(
            tx,
            &actor.audit(),
            "flow.attachments_added",
            Some(format!("case:{case_id}")),
            json!({ "files": file_notes(files) }),
            now,
        )
        .await?;
        Ok(())
    }

    /// Corrects a returned internal request in one transaction: its title and body, files
    /// added, files taken off. Refused unless the request waits at its 拟稿 step with the
    /// acting post (`CaseDetail::can_revise`) and `version` is still the case's; returns the
    /// ids of the files added.
    #[expect(
        clippy::too_many_arguments,
        reason = "one correction, as the drafter sends it"
    )]
    pub(super) async fn correct_case(
        &self,
        actor: &Actor,
        case_id: i64,
        version: i64,
        text: Option<(&str, &str)>,
        add: &[NewFile<'_>],
        remove: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let me = ActorRef::of(actor)?;
        let c = self.case_detail(actor, case_id, now).await?;
        if !c.can_revise {
            return Err(ServiceError::Conflict {
                code: "flow.revise",
                message: "只有退回到拟稿环节、由拟稿人办理时，才能修改事项的标题、正文和附件"
                    .into(),
            });
        }
        let (title, body) = match text {
            Some((title, body)) => (super::start::checked_content(title, body)?, body),
            None => (c.title.as_str(), c.body.as_str()),
        };
        if version != c.version {
            return Err(stale());
        }
        // A file not on the case: taken off since the page was read (or never there).
        if remove
            .iter()
            .any(|id| !c.attachments.iter().any(|a| a.id == *id))
        {
            return Err(ServiceError::Conflict {
                code: "flow.attachment_gone",
                message: "要删除的附件已不在事项中，请刷新页面后再修改".into(),
            });
        }
        let removed: Vec<&CaseAttachment> = c
            .attachments
            .iter()
            .filter(|a| remove.contains(&a.id))
            .collect();
        let kept = c.attachments.len() - removed.len();
        let title_changed = title != c.title;
        let body_changed = body != c.body;
        if !title_changed && !body_changed && add.is_empty() && removed.is_empty() {
            return Ok(Vec::new());
        }
        let added = self.store_files(add, kept, now).await?;
        let mut tx = self.db().begin().await?;
        // The version is checked again under the write: an action since the page was read
        // makes the correction stale, and nothing is written.
        xn_store::flow::revise_case(&mut tx, case_id, version, title, body, ms(now))
            .await
            .map_err(|e| match e {
                xn_store::StoreError::Conflict(_) => stale(),
                other => other.into(),
            })?;
        for a in &removed {
            xn_store::flow::remove_case_attachment(&mut tx, case_id, a.id, me.post_id, ms(now))
                .await
                .map_err(|e| match e {
                    xn_store::StoreError::Conflict(_) => stale(),
                    other => other.into(),
                })?;
        }
        let ids = add_rows(&mut tx, case_id, &added, &me, now).await?;
        crate::events::record(
            &mut tx,
            &me.audit(),
            "flow.revised",
            Some(format!("case:{case_id}")),
            json!({
                "title": title_changed,
                "body": body_changed,
                "added": file_notes(&added),
                "removed": removed.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>(),
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Adds one file to a returned internal request (the API's upload; a page sends its files
    /// with the correction). Refused as [`Services::revise_case`] is.
    pub async fn add_case_file(
        &self,
        actor: &Actor,
        case_id: i64,
        version: i64,
        file: NewFile<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let ids = self
            .correct_case(actor, case_id, version, None, &[file], &[], now)
            .await?;
        ids.first()
            .copied()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("no file row written")))
    }

    /// A case's files, for its page.
    pub(super) async fn case_files(&self, case_id: i64) -> Result<Vec<CaseAttachment>> {
        let rows = xn_store::flow::case_attachments(self.db(), case_id).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.post_id).collect();
        let names = self.post_names(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| CaseAttachment {
                id: r.id,
                added_by: names
                    .get(&r.post_id)
                    .cloned()
                    .unwrap_or_else(|| format!("岗位 {}", r.post_id)),
                name: r.name,
                size: r.size,
                mime: r.mime,
                added_at: from_ms(r.created_at),
            })
            .collect())
    }

    /// A file of a case, for anyone who may open the case (out of reach answers like a
    /// missing case); served as a download.
    pub async fn case_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        attachment_id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        self.case_in_reach(actor, case_id, now).await?;
        let att = xn_store::flow::case_attachments(self.db(), case_id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(ServiceError::NotFound("附件"))?;
        let bytes = self.file_bytes(&att.hash).await?;
        Ok(AttachmentFile {
            name: att.name,
            mime: att.mime,
            bytes,
        })
    }
}

fn stale() -> ServiceError {
    ServiceError::Conflict {
        code: "flow.version",
        message: "事项已有新的办理，请刷新页面后再修改".into(),
    }
}

async fn add_rows(
    tx: &mut Tx,
    case_id: i64,
    files: &[CheckedFile],
    actor: &ActorRef,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(files.len());
    for f in files {
        ids.push(
            xn_store::flow::add_case_attachment(
                tx,
                case_id,
                NewCaseAttachment {
                    name: &f.name,
                    hash: &f.hash,
                    size: f.size,
                    mime: f.mime,
                },
                actor.post_id,
                ms(now),
            )
            .await?,
        );
    }
    Ok(ids)
}

/// What the record keeps of files: name, SM3, size and type.
fn file_notes(files: &[CheckedFile]) -> Vec<serde_json::Value> {
    files
        .iter()
        .map(|f| json!({"name": f.name, "hash": f.hash, "size": f.size, "mime": f.mime}))
        .collect()
}
