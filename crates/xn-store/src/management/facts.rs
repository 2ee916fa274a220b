//! The facts the monthly evaluation and the weekly draft read from other areas' tables: one
//! statement per kind of fact over a whole set of posts and a span of time. Nothing here
//! writes.

use super::ids;
use crate::flow::case_classification_sql;
use crate::{Db, Result};

/// A flow task with a deadline, as the on-time factor and the weekly draft count it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskFact {
    /// The holder's post.
    pub post_id: i64,
    /// Task id.
    pub task_id: i64,
    /// Case.
    pub case_id: i64,
    /// The case's title.
    pub title: String,
    /// The case's item kind code.
    pub item_kind: String,
    /// The item's 密级 code.
    pub classification: String,
    /// Step name.
    pub step_name: String,
    /// The deadline's instant, if the step has one.
    pub due_at: Option<i64>,
    /// When it was done (epoch ms), if done.
    pub acted_at: Option<i64>,
}

const TASK_SELECT: &str = "select t.post_id, t.id as task_id, t.case_id, c.title, c.item_kind,
    {classification} as classification, t.step_name, t.due_at, t.acted_at
    from tasks t join cases c on c.id = t.case_id";

fn task_select() -> String {
    TASK_SELECT.replace("{classification}", &case_classification_sql("c.id"))
}

/// Which tasks the on-time factor counts (binds `$1`, `$2`: the month; `$3`: the instant read).
const TASKS_DUE: &str = "t.kind = 'task' and t.state in ('open', 'done', 'returned')
    and t.due_at is not null and t.due_at >= $1 and t.due_at < $2
    and (t.acted_at is not null or t.due_at <= $3)";

/// The tasks (待办, not 待阅) of some posts whose deadline falls in `[from, to)` and that are
/// done, or whose deadline has passed by `asof`: the on-time factor's facts. A task taken
/// away from its holder (transferred, delegated, removed, cancelled) is not the holder's.
pub async fn tasks_due(
    db: &Db,
    posts: &[i64],
    from: i64,
    to: i64,
    asof: i64,
) -> Result<Vec<TaskFact>> {
    let sql = format!(
        "{} where t.post_id in ({}) and {TASKS_DUE} order by t.post_id, t.due_at, t.id",
        task_select(),
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).bind(asof).fetch_all(c).await)?,
    )
}

/// The tasks a post did in `[from, to)` (its own, or done by it for another): the weekly
/// draft's work done.
pub async fn tasks_done(db: &Db, post: i64, from: i64, to: i64) -> Result<Vec<TaskFact>> {
    let sql = format!(
        "{} where (t.acted_by_post_id = $1 or (t.post_id = $1 and t.acted_by_post_id is null))
           and t.state in ('done', 'returned') and t.acted_at >= $2 and t.acted_at < $3
         order by t.acted_at, t.id",
        task_select()
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// A card as the evaluation counts it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardFact {
    /// The post carded.
    pub post_id: i64,
    /// Case.
    pub case_id: i64,
    /// The case's title.
    pub title: String,
    /// The item's 密级 code.
    pub classification: String,
    /// `yellow` or `red`.
    pub color: String,
    /// When (epoch ms).
    pub issued_at: i64,
}

/// Which cards count (binds `$1`, `$2`: the month).
const CARDS_IN: &str = "k.issued_at >= $1 and k.issued_at < $2";

/// The cards given to some posts in `[from, to)`.
pub async fn cards(db: &Db, posts: &[i64], from: i64, to: i64) -> Result<Vec<CardFact>> {
    let sql = format!(
        "select k.post_id, k.case_id, c.title, {} as classification, k.color, k.issued_at
         from cards k join cases c on c.id = k.case_id
         where k.post_id in ({}) and {CARDS_IN} order by k.post_id, k.issued_at, k.id",
        case_classification_sql("c.id"),
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// A post's supervision scores of a month, summed over its units.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupervisionFact {
    /// Post.
    pub post_id: i64,
    /// Items counted.
    pub items_due: i64,
    /// Closed on time.
    pub closed_on_time: i64,
    /// Closed late.
    pub closed_late: i64,
    /// Open past due.
    pub open_overdue: i64,
    /// Reports due.
    pub reports_due: i64,
    /// Reports missed.
    pub reports_missed: i64,
}

/// The stored supervision scores of some posts for a month (posts without a row: none).
pub async fn supervision(db: &Db, posts: &[i64], month: &str) -> Result<Vec<SupervisionFact>> {
    let sql = format!(
        "select post_id, cast(sum(items_due) as bigint) as items_due,
             cast(sum(closed_on_time) as bigint) as closed_on_time,
             cast(sum(closed_late) as bigint) as closed_late,
             cast(sum(open_overdue) as bigint) as open_overdue,
             cast(sum(reports_due) as bigint) as reports_due,
             cast(sum(reports_missed) as bigint) as reports_missed
         from supervision_scores where month = $1 and post_id in ({})
         group by post_id order by post_id",
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// Whether a month's supervision scores were computed for any of some units.
pub async fn supervision_computed(db: &Db, units: &[i64], month: &str) -> Result<bool> {
    let sql = format!(
        "select count(*) from supervision_scores where month = $1 and unit_id in ({})",
        ids(units)
    );
    let n: i64 = with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A meeting a post was asked to reply to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingFact {
    /// The invited post.
    pub post_id: i64,
    /// Meeting.
    pub meeting_id: i64,
    /// Its title.
    pub title: String,
    /// Its 密级 code.
    pub classification: String,
    /// Start (epoch ms).
    pub starts_at: i64,
    /// `attend`, `leave`, `proxy`, or none.
    pub answer: Option<String>,
    /// A 请假's decision.
    pub leave_status: Option<String>,
}

/// Which replies are owed (binds `$1`, `$2`: the span).
const REPLIES_OWED: &str = "m.status <> 'cancelled' and m.starts_at >= $1 and m.starts_at < $2";

/// The replies owed by some posts for meetings (not cancelled) that began in `[from, to)`.
pub async fn meeting_replies(
    db: &Db,
    posts: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<MeetingFact>> {
    let sql = format!(
        "select r.post_id, m.id as meeting_id, m.title, m.classification, m.starts_at, r.answer,
             r.leave_status
         from meeting_replies r join meetings m on m.id = r.meeting_id
         where r.post_id in ({}) and {REPLIES_OWED} order by r.post_id, m.starts_at, m.id",
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// The meetings a post took part in during `[from, to)`: chaired, or replied 参加 or 委托 to
/// (a post attending in another's place counts for itself).
pub async fn meetings_attended(db: &Db, post: i64, from: i64, to: i64) -> Result<Vec<MeetingFact>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select $1 as post_id, m.id as meeting_id, m.title, m.classification, m.starts_at,
             cast(null as text) as answer, cast(null as text) as leave_status
         from meetings m
         where m.status <> 'cancelled' and m.starts_at >= $2 and m.starts_at < $3
           and (m.chair_post_id = $1
             or exists (select 1 from meeting_replies r where r.meeting_id = m.id
                 and ((r.post_id = $1 and r.answer = 'attend') or r.proxy_post_id = $1)))
         order by m.starts_at, m.id")
        .bind(post).bind(from).bind(to).fetch_all(c).await)?)
}

/// A supervision progress report a post filed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportFiled {
    /// Supervision item.
    pub item_id: i64,
    /// Its title.
    pub title: String,
    /// Its 密级 code (its source document's).
    pub classification: String,
    /// The report's number on the item.
    pub seq: i64,
    /// `filed` or `late`.
    pub status: String,
    /// When (epoch ms).
    pub filed_at: i64,
}

/// The supervision progress reports a post filed in `[from, to)`.
pub async fn reports_filed(db: &Db, post: i64, from: i64, to: i64) -> Result<Vec<ReportFiled>> {
    let sql = format!(
        "select r.item_id, i.title, {} as classification, r.seq, r.status, r.filed_at
         from supervision_reports r join supervision_items i on i.id = r.item_id
         where r.filed_post_id = $1 and r.filed_at >= $2 and r.filed_at < $3
         order by r.filed_at, r.id",
        case_classification_sql("i.case_id")
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// One post's counts for a factor, for a month's table where no item is shown: the same rows
/// as the facts above, counted by the database (`n`: all, `ok`: the good ones — tasks done by
/// their deadline, red cards, replies that count as attending).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct FactCount {
    /// The post.
    pub post_id: i64,
    /// Rows counted.
    pub n: i64,
    /// Of which the good ones (see the function).
    pub ok: i64,
}

async fn counted(db: &Db, sql: &str, binds: &[i64]) -> Result<Vec<FactCount>> {
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(c).await
    })?)
}

/// [`tasks_due`] counted per post: `ok` is the tasks done by their deadline.
pub async fn tasks_due_counts(
    db: &Db,
    posts: &[i64],
    from: i64,
    to: i64,
    asof: i64,
) -> Result<Vec<FactCount>> {
    let sql = format!(
        "select t.post_id, count(*) as n,
             cast(sum(case when t.acted_at is not null and t.acted_at <= t.due_at
                 then 1 else 0 end) as bigint) as ok
         from tasks t where t.post_id in ({}) and {TASKS_DUE} group by t.post_id",
        ids(posts)
    );
    counted(db, &sql, &[from, to, asof]).await
}

/// [`cards`] counted per post: `ok` is the red ones.
pub async fn cards_counts(db: &Db, posts: &[i64], from: i64, to: i64) -> Result<Vec<FactCount>> {
    let sql = format!(
        "select k.post_id, count(*) as n,
             cast(sum(case when k.color = 'red' then 1 else 0 end) as bigint) as ok
         from cards k where k.post_id in ({}) and {CARDS_IN} group by k.post_id",
        ids(posts)
    );
    counted(db, &sql, &[from, to]).await
}

/// [`meeting_replies`] counted per post: `ok` is those answered 参加, 委托 or 请假 approved.
pub async fn meeting_replies_counts(
    db: &Db,
    posts: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<FactCount>> {
    let sql = format!(
        "select r.post_id, count(*) as n,
             cast(sum(case when r.answer in ('attend', 'proxy')
                 or (r.answer = 'leave' and r.leave_status = 'approved') then 1 else 0 end)
                 as bigint) as ok
         from meeting_replies r join meetings m on m.id = r.meeting_id
         where r.post_id in ({}) and {REPLIES_OWED} group by r.post_id",
        ids(posts)
    );
    counted(db, &sql, &[from, to]).await
}
