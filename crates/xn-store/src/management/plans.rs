//! 日安排: a post's own entries of a day, the "done for the plan" marks on the lines pulled from
//! other areas, and the reads that pull them (open tasks with a deadline, meetings, targets'
//! milestones). Who may read or change whose plan is the service's rule.

use crate::flow::case_classification_sql;
use crate::{Db, Result, Tx};

/// A post's own entry of a day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanEntryRow {
    /// Id.
    pub id: i64,
    /// The post whose plan it is.
    pub post_id: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The text.
    pub body: String,
    /// `HH:MM`, or ''.
    pub at_time: String,
    /// Its place among the day's entries (ascending).
    pub position: i64,
    /// When marked done (epoch ms).
    pub done_at: Option<i64>,
}

const ENTRY_SELECT: &str =
    "select id, post_id, day, body, at_time, position, done_at from plan_entries";

/// A post's entries of a day, in its order.
pub async fn entries(db: &Db, post: i64, day: &str) -> Result<Vec<PlanEntryRow>> {
    let sql = format!("{ENTRY_SELECT} where post_id = $1 and day = $2 order by position, id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(day).fetch_all(c).await)?,
    )
}

/// A post's entries of a day inside a transaction, in its order.
pub async fn entries_tx(tx: &mut Tx, post: i64, day: &str) -> Result<Vec<PlanEntryRow>> {
    let sql = format!("{ENTRY_SELECT} where post_id = $1 and day = $2 order by position, id");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(day).fetch_all(c).await)?,
    )
}

/// One entry, if it exists.
pub async fn find_entry(db: &Db, id: i64) -> Result<Option<PlanEntryRow>> {
    let sql = format!("{ENTRY_SELECT} where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// Adds an entry at the end of the day's order.
pub async fn insert_entry(
    tx: &mut Tx,
    post: i64,
    day: &str,
    body: &str,
    at_time: &str,
    now_ms: i64,
) -> Result<i64> {
    let next: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select cast(coalesce(max(position), 0) + 1 as bigint) from plan_entries
         where post_id = $1 and day = $2")
        .bind(post).bind(day).fetch_one(c).await)?;
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into plan_entries (post_id, day, body, at_time, position, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) returning id")
        .bind(post).bind(day).bind(body).bind(at_time).bind(next).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Sets an entry's place.
pub async fn set_position(tx: &mut Tx, id: i64, position: i64, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update plan_entries set position = $2, updated_at = $3 where id = $1")
        .bind(id).bind(position).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Marks an entry done (`Some(instant)`) or not done.
pub async fn set_entry_done(tx: &mut Tx, id: i64, done_at: Option<i64>, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update plan_entries set done_at = $2, updated_at = $3 where id = $1")
        .bind(id).bind(done_at).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Removes an entry.
pub async fn delete_entry(tx: &mut Tx, id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from plan_entries where id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The pulled lines a post marked done on a day: their source keys.
pub async fn marks(db: &Db, post: i64, day: &str) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select source from plan_marks where post_id = $1 and day = $2 order by source")
        .bind(post).bind(day).fetch_all(c).await)?)
}

/// Marks a pulled line done for a day's plan, or takes the mark away.
pub async fn set_mark(
    tx: &mut Tx,
    post: i64,
    day: &str,
    source: &str,
    done: bool,
    now_ms: i64,
) -> Result<()> {
    if done {
        with_tx!(tx, c => sqlx::query(
            "insert into plan_marks (post_id, day, source, done_at) values ($1, $2, $3, $4)
             on conflict (post_id, day, source) do nothing")
            .bind(post).bind(day).bind(source).bind(now_ms).execute(c).await.map(|_| ()))?;
    } else {
        with_tx!(tx, c => sqlx::query(
            "delete from plan_marks where post_id = $1 and day = $2 and source = $3")
            .bind(post).bind(day).bind(source).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// An open task of a post with a deadline, as the plan pulls it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenTaskRow {
    /// Task.
    pub task_id: i64,
    /// Case.
    pub case_id: i64,
    /// The case's title.
    pub title: String,
    /// The item's 密级 code.
    pub classification: String,
    /// Step name.
    pub step_name: String,
    /// The deadline's instant.
    pub due_at: i64,
}

/// A post's open tasks (待办, not 待阅) whose deadline falls by `to`, overdue ones too,
/// earliest first.
pub async fn open_tasks_due(db: &Db, post: i64, to: i64) -> Result<Vec<OpenTaskRow>> {
    let sql = format!(
        "select t.id as task_id, t.case_id, c.title, {} as classification, t.step_name, t.due_at
         from tasks t join cases c on c.id = t.case_id
         where t.post_id = $1 and t.kind = 'task' and t.state = 'open'
           and t.due_at is not null and t.due_at <= $2
         order by t.due_at, t.id",
        case_classification_sql("c.id")
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(to).fetch_all(c).await)?,
    )
}

/// A meeting a post takes part in, as the plan pulls it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanMeetingRow {
    /// Meeting.
    pub meeting_id: i64,
    /// Title.
    pub title: String,
    /// 密级 code.
    pub classification: String,
    /// Start (epoch ms).
    pub starts_at: i64,
    /// End (epoch ms).
    pub ends_at: i64,
    /// 1 when the post chairs it.
    pub chairs: i64,
}

/// The meetings (not cancelled, notified or later unless chaired) starting in `[from, to)` that
/// a post chairs, is asked to attend and has not answered 请假 or 委托 to, or attends in
/// another's place.
pub async fn meetings_of(db: &Db, post: i64, from: i64, to: i64) -> Result<Vec<PlanMeetingRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select m.id as meeting_id, m.title, m.classification, m.starts_at, m.ends_at,
             cast(case when m.chair_post_id = $1 then 1 else 0 end as bigint) as chairs
         from meetings m
         where m.status <> 'cancelled' and m.starts_at >= $2 and m.starts_at < $3
           and (m.chair_post_id = $1
             or (m.status <> 'preparing' and exists (
                 select 1 from meeting_replies r where r.meeting_id = m.id
                   and ((r.post_id = $1 and r.role = 'attend'
                         and (r.answer is null or r.answer = 'attend'))
                     or r.proxy_post_id = $1))))
         order by m.starts_at, m.id")
        .bind(post).bind(from).bind(to).fetch_all(c).await)?)
}

/// A target a post owns, with its milestones.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnedTargetRow {
    /// Target.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Four lines, one per quarter.
    pub milestones: String,
}

/// The active targets a post owns in a year.
pub async fn owned_targets(db: &Db, post: i64, year: i64) -> Result<Vec<OwnedTargetRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, title, milestones from targets
         where owner_post_id = $1 and year = $2 and status = 'active' order by id")
        .bind(post).bind(year).fetch_all(c).await)?)
}
