//! `case_attachments`: the files of a generic case (an internal request's 附件), stored once
//! by their SM3 in `blobs` (see [`crate::documents::put_blob`]).

use crate::{Db, Result, StoreError, Tx};

/// A file of a case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseAttachmentRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// File name as uploaded.
    pub name: String,
    /// SM3 of the bytes.
    pub hash: String,
    /// Bytes.
    pub size: i64,
    /// Media type found from the content.
    pub mime: String,
    /// The post that added it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

/// A file to add to a case (its bytes already in `blobs`).
#[derive(Debug, Clone, Copy)]
pub struct NewCaseAttachment<'a> {
    /// File name.
    pub name: &'a str,
    /// SM3 of the bytes.
    pub hash: &'a str,
    /// Bytes.
    pub size: i64,
    /// Media type.
    pub mime: &'a str,
}

/// Adds a file to a case; returns its id.
pub async fn add_case_attachment(
    tx: &mut Tx,
    case_id: i64,
    file: NewCaseAttachment<'_>,
    post_id: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into case_attachments (case_id, name, hash, size, mime, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(case_id).bind(file.name).bind(file.hash).bind(file.size).bind(file.mime)
        .bind(post_id).bind(at).fetch_one(c).await)?)
}

/// Takes a file off a case (its row stays, marked removed). A file already removed, or of
/// another case, is a conflict.
pub async fn remove_case_attachment(
    tx: &mut Tx,
    case_id: i64,
    id: i64,
    post_id: i64,
    at: i64,
) -> Result<()> {
    let n = with_tx!(tx, c => sqlx::query(
        "update case_attachments set removed_at = $1, removed_by = $2
         where id = $3 and case_id = $4 and removed_at is null")
        .bind(at).bind(post_id).bind(id).bind(case_id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::Conflict("case_attachments.removed".into()));
    }
    Ok(())
}

/// A case's files, in the order they were added (removed ones left out).
pub async fn case_attachments(db: &Db, case_id: i64) -> Result<Vec<CaseAttachmentRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, case_id, name, hash, size, mime, post_id, created_at
         from case_attachments where case_id = $1 and removed_at is null order by id")
        .bind(case_id).fetch_all(c).await)?)
}

/// A case's files inside a transaction.
pub async fn case_attachments_tx(tx: &mut Tx, case_id: i64) -> Result<Vec<CaseAttachmentRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select id, case_id, name, hash, size, mime, post_id, created_at
         from case_attachments where case_id = $1 and removed_at is null order by id")
        .bind(case_id).fetch_all(c).await)?)
}
