//! The weekly roll-ups of sections and offices (周报告汇总): one row per unit and week, made
//! when the chief first saves it.

use crate::{Db, Result, Tx};

/// A unit's roll-up of a week as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RollupRow {
    /// Id.
    pub id: i64,
    /// The section or office.
    pub unit_id: i64,
    /// Monday of the week.
    pub week_start: String,
    /// The day it is owed by.
    pub due_date: String,
    /// The text ('' until saved).
    pub body: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<i64>,
    /// Who submitted it.
    pub submitted_by_post_id: Option<i64>,
    /// Submitted after its day.
    pub late: i64,
    /// The comment from above.
    pub comment: String,
    /// Who commented.
    pub commented_by_post_id: Option<i64>,
    /// When.
    pub commented_at: Option<i64>,
}

const ROLLUP_SELECT: &str = "select id, unit_id, week_start, due_date, body, status,
    submitted_at, submitted_by_post_id, cast(late as bigint) as late, comment,
    commented_by_post_id, commented_at
    from weekly_rollups";

/// A unit's roll-up of a week, if one was saved.
pub async fn find_rollup(db: &Db, unit: i64, week: &str) -> Result<Option<RollupRow>> {
    let sql = format!("{ROLLUP_SELECT} where unit_id = $1 and week_start = $2");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit).bind(week).fetch_optional(c).await)?,
    )
}

/// One roll-up by id.
pub async fn rollup_by_id(db: &Db, id: i64) -> Result<Option<RollupRow>> {
    let sql = format!("{ROLLUP_SELECT} where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// The roll-ups of some units for one week.
pub async fn rollups_of_week(db: &Db, units: &[i64], week: &str) -> Result<Vec<RollupRow>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{ROLLUP_SELECT} where week_start = $1 and unit_id in ({}) order by unit_id",
        super::ids(units)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(week).fetch_all(c).await)?,
    )
}

/// Makes the row of a unit's week if there is none; answers its id.
pub async fn ensure_rollup(
    tx: &mut Tx,
    unit: i64,
    week: &str,
    due: &str,
    now_ms: i64,
) -> Result<i64> {
    with_tx!(tx, c => sqlx::query(
        "insert into weekly_rollups (unit_id, week_start, due_date, created_at, updated_at)
         values ($1, $2, $3, $4, $4) on conflict (unit_id, week_start) do nothing")
        .bind(unit).bind(week).bind(due).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from weekly_rollups where unit_id = $1 and week_start = $2")
        .bind(unit).bind(week).fetch_one(c).await)?)
}

/// Saves a roll-up's text; submits it when `submit` (late when after its day). Only one not
/// yet submitted changes: answers whether it did.
pub async fn save_rollup(
    tx: &mut Tx,
    id: i64,
    body: &str,
    submit: Option<i64>,
    late: bool,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update weekly_rollups set body = $2,
             status = case when $3 is not null then 'submitted' else 'draft' end,
             submitted_at = case when $3 is not null then $5 else null end,
             submitted_by_post_id = $3, late = $4, updated_at = $5
         where id = $1 and status = 'draft'")
        .bind(id).bind(body).bind(submit).bind(i64::from(late && submit.is_some()))
        .bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The comment from above on a submitted roll-up.
pub async fn comment_rollup(
    tx: &mut Tx,
    id: i64,
    comment: &str,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update weekly_rollups set comment = $2, commented_by_post_id = $3, commented_at = $4,
             updated_at = $4 where id = $1 and status = 'submitted'")
        .bind(id).bind(comment).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
