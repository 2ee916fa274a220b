//! Text versions of a document (拟稿, 修改, 复审) and their comparison.

use crate::{Db, Result, Sealed, Tx};

/// A saved version of the text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    /// Document.
    pub document_id: i64,
    /// Version number, from 1.
    pub no: i64,
    /// Title then.
    pub title: String,
    /// Body then, sealed.
    pub body: crate::Sealed,
    /// Author's post.
    pub author_post_id: i64,
    /// Author.
    pub author_person_id: i64,
    /// A note.
    pub note: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
}

/// Saves the next version of a document's text and makes it current; returns its number.
/// `sealed` gives, for the version's number, the current body and the version's body as the
/// service sealed them (each is bound to its place).
#[expect(clippy::too_many_arguments, reason = "one version row")]
pub async fn save_version(
    tx: &mut Tx,
    id: i64,
    title: &str,
    sealed: impl FnOnce(i64) -> (Sealed, Sealed),
    post_id: i64,
    person_id: i64,
    note: Option<&str>,
    at: i64,
) -> Result<i64> {
    let no: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "update documents set body_version = body_version + 1, title = $2,
            updated_at = $3 where id = $1 returning body_version")
        .bind(id).bind(title).bind(at).fetch_one(c).await)?;
    let (current, version) = sealed(no);
    with_tx!(tx, c => sqlx::query("update documents set body = $2 where id = $1")
        .bind(id).bind(&current).execute(c).await.map(|r| r.rows_affected()))?;
    with_tx!(tx, c => sqlx::query(
        "insert into document_versions (document_id, no, title, body, author_post_id,
            author_person_id, note, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id).bind(no).bind(title).bind(&version).bind(post_id).bind(person_id).bind(note)
        .bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(no)
}

/// Up to `limit` versions after (`document`, `no`) whose body an earlier build stored in plain.
pub async fn plain_versions(
    tx: &mut Tx,
    after: (i64, i64),
    limit: i64,
) -> Result<Vec<(i64, i64, String)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select document_id, no, body from document_versions
         where (document_id > $1 or (document_id = $1 and no > $2))
           and body <> '' and body not like 'sm4:%'
         order by document_id, no limit $3")
        .bind(after.0).bind(after.1).bind(limit).fetch_all(c).await)?)
}

/// Replaces a version's plain body by its sealed form.
pub async fn set_version_body(tx: &mut Tx, id: i64, no: i64, body: &Sealed) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update document_versions set body = $3 where document_id = $1 and no = $2")
        .bind(id).bind(no).bind(body).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every version of a document, oldest first.
pub async fn versions(db: &Db, id: i64) -> Result<Vec<VersionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, no, title, body, author_post_id, author_person_id, note, created_at
         from document_versions where document_id = $1 order by no")
        .bind(id).fetch_all(c).await)?)
}

/// A version of a document's text by number.
pub async fn version(db: &Db, id: i64, no: i64) -> Result<VersionRow> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, no, title, body, author_post_id, author_person_id, note, created_at
         from document_versions where document_id = $1 and no = $2")
        .bind(id).bind(no).fetch_one(c).await)?)
}
