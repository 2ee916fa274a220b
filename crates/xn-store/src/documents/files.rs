//! Files stored once by their content (SM3), and attachments.

use crate::{Db, Result, Tx};

/// Stores bytes under their hash (once). `content` is what the service sealed (see
/// `xn_service::at_rest`); `size` is the plain file's.
pub async fn put_blob(tx: &mut Tx, hash: &str, content: &[u8], size: usize, at: i64) -> Result<()> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    with_tx!(tx, c => sqlx::query(
        "insert into blobs (hash, size, content, created_at, sealed) values ($1, $2, $3, $4, 1)
         on conflict (hash) do nothing")
        .bind(hash).bind(size).bind(content).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The sealed bytes stored under a hash. A row an earlier build stored in plain (`sealed = 0`)
/// is sealed at the next start ([`unsealed_blobs`]); until then it is not served.
pub async fn get_blob(db: &Db, hash: &str) -> Result<Vec<u8>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select content from blobs where hash = $1")
        .bind(hash).fetch_one(c).await)?,
    )
}

/// Up to `limit` files an earlier build stored in plain: (hash, bytes).
pub async fn unsealed_blobs(tx: &mut Tx, limit: i64) -> Result<Vec<(String, Vec<u8>)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select hash, content from blobs where sealed = 0 order by hash limit $1")
        .bind(limit).fetch_all(c).await)?)
}

/// Replaces a plain file's bytes by their sealed form.
pub async fn seal_blob(tx: &mut Tx, hash: &str, sealed: &[u8]) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update blobs set content = $2, sealed = 1 where hash = $1 and sealed = 0")
        .bind(hash).bind(sealed).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An attachment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    /// Id.
    pub id: i64,
    /// Document.
    pub document_id: i64,
    /// `attachment` (附件) or `scan` (the scanned original of an incoming paper document).
    pub role: String,
    /// File name as uploaded.
    pub name: String,
    /// SM3 of the bytes.
    pub hash: String,
    /// Bytes.
    pub size: i64,
    /// Media type found from the content.
    pub mime: String,
    /// Order.
    pub sort_order: i64,
    /// Who.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Adds an attachment; returns its id.
#[expect(clippy::too_many_arguments, reason = "one attachment row")]
pub async fn add_attachment(
    tx: &mut Tx,
    document_id: i64,
    role: &str,
    name: &str,
    hash: &str,
    size: i64,
    mime: &str,
    post_id: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into document_attachments (document_id, role, name, hash, size, mime,
            sort_order, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6,
            (select coalesce(max(sort_order), 0) + 1 from document_attachments
             where document_id = $1), $7, $8)
         returning id")
        .bind(document_id).bind(role).bind(name).bind(hash).bind(size).bind(mime)
        .bind(post_id).bind(at).fetch_one(c).await)?)
}

/// A document's attachments in order.
pub async fn attachments(db: &Db, document_id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, document_id, role, name, hash, size, mime, sort_order, post_id, created_at
         from document_attachments where document_id = $1 order by sort_order, id")
        .bind(document_id).fetch_all(c).await)?)
}

/// Copies a document's attachments to another (an incoming copy shares the stored files).
pub async fn copy_attachments(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_attachments (document_id, role, name, hash, size, mime,
            sort_order, post_id, created_at)
         select $2, role, name, hash, size, mime, sort_order, post_id, created_at
         from document_attachments where document_id = $1")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
