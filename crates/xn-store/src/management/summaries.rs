//! 年总结 (migration 0048): the year's own summary texts of people, sections and offices, and
//! the year's workload by kind of item. Who may write or read them is the service's rule.

use super::ids;
use crate::{Db, Result, Tx};

/// A summary text as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// `post` or `unit`.
    pub subject: String,
    /// The post or unit.
    pub subject_id: i64,
    /// The text.
    pub body: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// Who wrote it.
    pub author_post_id: i64,
    /// When submitted (epoch ms).
    pub submitted_at: Option<i64>,
    /// The annual summary document drafted from it (an office's).
    pub document_id: Option<i64>,
    /// Last saved (epoch ms).
    pub updated_at: i64,
}

const SUMMARY_SELECT: &str = "select id, year, subject, subject_id, body, status, author_post_id,
    submitted_at, document_id, updated_at from year_summaries";

/// The summaries of a year of some subjects of one kind (`post` or `unit`).
pub async fn summaries(
    db: &Db,
    year: i64,
    subject: &str,
    subject_ids: &[i64],
) -> Result<Vec<SummaryRow>> {
    let sql = format!(
        "{SUMMARY_SELECT} where year = $1 and subject = $2 and subject_id in ({})
         order by subject_id",
        ids(subject_ids)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(year).bind(subject).fetch_all(c).await)?,
    )
}

/// One subject's summary of a year, inside a transaction.
pub async fn summary_tx(
    tx: &mut Tx,
    year: i64,
    subject: &str,
    subject_id: i64,
) -> Result<Option<SummaryRow>> {
    let sql = format!("{SUMMARY_SELECT} where year = $1 and subject = $2 and subject_id = $3");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(year).bind(subject).bind(subject_id).fetch_optional(c).await)?,
    )
}

/// What a save writes.
#[derive(Debug, Clone)]
pub struct SummaryWrite<'a> {
    /// Year.
    pub year: i64,
    /// `post` or `unit`.
    pub subject: &'a str,
    /// The post or unit.
    pub subject_id: i64,
    /// The text.
    pub body: &'a str,
    /// Submit it now.
    pub submit: bool,
    /// The writer.
    pub author_post_id: i64,
}

/// Saves a summary's text (made on first save), submitting it when asked. Only a draft
/// changes: answers whether it did.
pub async fn save_summary(tx: &mut Tx, w: &SummaryWrite<'_>, now_ms: i64) -> Result<bool> {
    with_tx!(tx, c => sqlx::query(
        "insert into year_summaries (year, subject, subject_id, author_post_id, created_at,
             updated_at) values ($1, $2, $3, $4, $5, $5)
         on conflict (year, subject, subject_id) do nothing")
        .bind(w.year).bind(w.subject).bind(w.subject_id).bind(w.author_post_id).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    let n = with_tx!(tx, c => sqlx::query(
        "update year_summaries set body = $4, author_post_id = $5,
             status = case when $6 = 1 then 'submitted' else 'draft' end,
             submitted_at = case when $6 = 1 then $7 else null end, updated_at = $7
         where year = $1 and subject = $2 and subject_id = $3 and status = 'draft'")
        .bind(w.year).bind(w.subject).bind(w.subject_id).bind(w.body).bind(w.author_post_id)
        .bind(i64::from(w.submit)).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the annual summary document drafted from a summary.
pub async fn set_summary_document(tx: &mut Tx, id: i64, document: i64, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update year_summaries set document_id = $2, updated_at = $3 where id = $1")
        .bind(id).bind(document).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The steps some posts handled in `[from, to)` (their own, or done by them for another),
/// per kind of item: (item kind, steps, distinct items).
pub async fn work_by_kind(
    db: &Db,
    posts: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64, i64)>> {
    let list = ids(posts);
    let sql = format!(
        "select c.item_kind, count(*), count(distinct t.case_id)
         from tasks t join cases c on c.id = t.case_id
         where (t.acted_by_post_id in ({list})
                or (t.post_id in ({list}) and t.acted_by_post_id is null))
           and t.state in ('done', 'returned') and t.acted_at >= $1 and t.acted_at < $2
         group by c.item_kind order by c.item_kind"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// How many evaluations of some posts are locked in months starting with `prefix` (`2026-`).
pub async fn evaluations_locked_in_year(db: &Db, prefix: &str, posts: &[i64]) -> Result<i64> {
    let sql = format!(
        "select count(*) from evaluations where month like $1 and locked_at is not null
           and post_id in ({})",
        ids(posts)
    );
    let pattern = format!("{prefix}%");
    Ok(
        with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(pattern).fetch_one(c).await)?,
    )
}
