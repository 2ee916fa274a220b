//! The task projection: one row per task of a case, rewritten with the case's state, and the
//! queues read from it (待办, 待阅, 已办, 被催办).
//!
//! Holds the direct path's writes and every read of `tasks`; the batch's writes are in
//! `batch.rs` and `on_writer.rs`. The state in `cases.state` stays the truth: nothing here is
//! read back into it.

use crate::{Db, Result, Tx};

/// A task row as queues show it, with its case's title and kind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Number within the case.
    pub task_no: i64,
    /// Run.
    pub run_no: i64,
    /// Step id.
    pub step_id: String,
    /// Step name.
    pub step_name: String,
    /// task / read.
    pub kind: String,
    /// Holder.
    pub post_id: i64,
    /// State code.
    pub state: String,
    /// Deadline.
    pub due_date: Option<String>,
    /// Instant it passes.
    pub due_at: Option<i64>,
    /// Decision.
    pub decision: Option<String>,
    /// Opinion, sealed at its task's place.
    pub opinion: Option<crate::Sealed>,
    /// Proxy who acted.
    pub acted_by_post_id: Option<i64>,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub acted_at: Option<i64>,
    /// Times urged.
    pub urge_count: i64,
    /// Last urged.
    pub last_urged_at: Option<i64>,
    /// The case's title.
    pub title: String,
    /// The case's item kind.
    pub item_kind: String,
    /// The case's version.
    pub case_version: i64,
    /// The case's status.
    pub case_status: String,
    /// The case's starter post.
    pub starter_post_id: i64,
    /// The case's process definition.
    pub process_id: i64,
    /// When the task was made by a return (退回): the returner's reason (empty when none was
    /// given). The action that made a task is the last one done (or returned) in its case at
    /// the instant the task was made.
    pub returned_reason: Option<crate::Sealed>,
    /// The returner's task number (the place its reason is sealed at).
    pub returned_by_task: Option<i64>,
    /// The case's 密级 code (`super::case_classification_sql`).
    pub classification: String,
}

fn task_select() -> String {
    format!(
        "{TASK_COLUMNS}, {} as classification {TASK_FROM}",
        super::case_classification_sql("t.case_id")
    )
}

const TASK_FROM: &str = "from tasks t join cases c on c.id = t.case_id";

const TASK_COLUMNS: &str =
    "select t.id, t.case_id, t.task_no, t.run_no, t.step_id, t.step_name, t.kind,
        t.post_id, t.state, t.due_date, t.due_at, t.decision, t.opinion, t.acted_by_post_id,
        t.created_at, t.acted_at, t.urge_count, t.last_urged_at, c.title, c.item_kind,
        c.version as case_version, c.status as case_status, c.starter_post_id, c.process_id,
        (select case when r.state = 'returned' then coalesce(r.opinion, '') end from tasks r
          where r.case_id = t.case_id and r.state in ('done', 'returned')
          and r.acted_at = t.created_at and r.task_no < t.task_no
          order by r.task_no desc limit 1) as returned_reason,
        (select case when r.state = 'returned' then r.task_no end from tasks r
          where r.case_id = t.case_id and r.state in ('done', 'returned')
          and r.acted_at = t.created_at and r.task_no < t.task_no
          order by r.task_no desc limit 1) as returned_by_task";

/// A task projection row to write.
#[derive(Debug, Clone)]
pub struct TaskWrite<'a> {
    /// Case.
    pub case_id: i64,
    /// Number.
    pub task_no: i64,
    /// Run.
    pub run_no: i64,
    /// Step id.
    pub step_id: &'a str,
    /// Step name.
    pub step_name: &'a str,
    /// task / read.
    pub kind: &'a str,
    /// Holder.
    pub post_id: i64,
    /// State.
    pub state: &'a str,
    /// Deadline.
    pub due_date: Option<String>,
    /// Instant.
    pub due_at: Option<i64>,
    /// Decision.
    pub decision: Option<&'a str>,
    /// Opinion.
    pub opinion: Option<&'a str>,
    /// Proxy.
    pub acted_by_post_id: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Acted.
    pub acted_at: Option<i64>,
    /// The row's id, where the caller knows it: the writer thread then finds the row by it
    /// instead of by (case, number).
    pub id: Option<i64>,
}

/// Inserts or rewrites tasks' projections in one statement; answers (task_no, id) of each.
pub async fn write_tasks(tx: &mut Tx, rows: &[TaskWrite<'_>]) -> Result<Vec<(i64, i64)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from(
        "insert into tasks (case_id, task_no, run_no, step_id, step_name, kind, post_id, state,
             due_date, due_at, decision, opinion, acted_by_post_id, created_at, acted_at) values ",
    );
    for i in 0..rows.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        let b = i * 15;
        let params: Vec<String> = (1..=15).map(|k| format!("${}", b + k)).collect();
        sql.push('(');
        sql.push_str(&params.join(", "));
        sql.push(')');
    }
    sql.push_str(
        " on conflict (case_id, task_no) do update set post_id = excluded.post_id,
             state = excluded.state, due_date = excluded.due_date, due_at = excluded.due_at,
             decision = excluded.decision, opinion = excluded.opinion,
             acted_by_post_id = excluded.acted_by_post_id, acted_at = excluded.acted_at
         returning task_no, id",
    );
    Ok(with_tx!(tx, c => {
        let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql.as_str()));
        for t in rows {
            q = q.bind(t.case_id).bind(t.task_no).bind(t.run_no).bind(t.step_id).bind(t.step_name)
                .bind(t.kind).bind(t.post_id).bind(t.state).bind(&t.due_date).bind(t.due_at)
                .bind(t.decision).bind(t.opinion).bind(t.acted_by_post_id).bind(t.created_at)
                .bind(t.acted_at);
        }
        q.fetch_all(c).await
    })?)
}

/// A task by id.
pub async fn find_task(db: &Db, id: i64) -> Result<TaskRow> {
    let sql = format!("{} where t.id = $1", task_select());
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The tasks of a case, in order.
pub async fn tasks_of_case(db: &Db, case_id: i64) -> Result<Vec<TaskRow>> {
    let sql = format!("{} where t.case_id = $1 order by t.task_no", task_select());
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id).fetch_all(c).await)?,
    )
}

/// Which queue of the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// 待办: open blocking tasks.
    Todo,
    /// 待阅: open read tasks.
    ToRead,
    /// 已办: tasks acted on.
    Done,
    /// 被催办: open tasks that were urged.
    Urged,
}

/// Sort order of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSort {
    /// Earliest deadline first (no deadline last).
    Due,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// A filter of a queue.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only this item kind ('' = all).
    pub item_kind: String,
    /// Title contains ('' = all).
    pub q: String,
    /// The 密级 codes whose titles `q` may match (the reader's clearance and below): a title
    /// withheld from the reader is not searched either, or the words would reveal it. Empty
    /// reads as `public` only.
    pub title_levels: Vec<&'static str>,
}

/// One page of a queue for some posts (the acting post and those it is proxy for).
pub async fn queue(
    db: &Db,
    posts: &[i64],
    queue: Queue,
    filter: &TaskFilter,
    sort: TaskSort,
    offset: i64,
    limit: i64,
) -> Result<Vec<TaskRow>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = posts.iter().map(i64::to_string).collect();
    let ids = list.join(", ");
    let cond = match queue {
        Queue::Todo => format!("t.post_id in ({ids}) and t.kind = 'task' and t.state = 'open'"),
        Queue::ToRead => format!("t.post_id in ({ids}) and t.kind = 'read' and t.state = 'open'"),
        Queue::Urged => format!(
            "t.post_id in ({ids}) and t.state in ('open', 'waiting', 'delegated') and t.urge_count > 0"
        ),
        Queue::Done => format!(
            "((t.post_id in ({ids}) and t.acted_by_post_id is null) or t.acted_by_post_id in ({ids}))
             and t.state in ('done', 'returned', 'transferred', 'delegated') and t.acted_at is not null"
        ),
    };
    let order = match (queue, sort) {
        (Queue::Done, _) | (_, TaskSort::Newest) => "t.id desc",
        (_, TaskSort::Oldest) => "t.id asc",
        (_, TaskSort::Due) => "t.due_at asc nulls last, t.id asc",
    };
    let order = if queue == Queue::Done {
        "t.acted_at desc, t.id desc"
    } else {
        order
    };
    let levels = if filter.title_levels.is_empty() {
        "'public'".to_owned()
    } else {
        filter
            .title_levels
            .iter()
            .map(|l| format!("'{}'", l.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!(
        "{} where {cond} and ($1 = '' or c.item_kind = $1)
         and ($2 = '' or (c.title like $2 escape '\\' and {} in ({levels})))
         order by {order} limit $3 offset $4",
        task_select(),
        super::case_classification_sql("t.case_id")
    );
    let like = if filter.q.trim().is_empty() {
        String::new()
    } else {
        format!("%{}%", crate::org::like_escape(filter.q.trim()))
    };
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&filter.item_kind).bind(&like).bind(limit).bind(offset).fetch_all(c).await)?,
    )
}

/// How many open tasks and reads some posts hold, and the newest task id (for live updates).
pub async fn queue_counts(db: &Db, posts: &[i64]) -> Result<(i64, i64, i64)> {
    if posts.is_empty() {
        return Ok((0, 0, 0));
    }
    let ids: Vec<String> = posts.iter().map(i64::to_string).collect();
    let sql = format!(
        "select coalesce(sum(case when kind = 'task' then 1 else 0 end), 0),
                coalesce(sum(case when kind = 'read' then 1 else 0 end), 0),
                coalesce(max(id), 0)
         from tasks where post_id in ({}) and state = 'open'",
        ids.join(", ")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(c).await)?)
}

/// Records an urge on a task.
pub async fn mark_urged(tx: &mut Tx, task_id: i64, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update tasks set urge_count = urge_count + 1, last_urged_at = $1 where id = $2")
        .bind(now_ms).bind(task_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The id of a case's task by number.
pub async fn task_id(tx: &mut Tx, case_id: i64, task_no: i64) -> Result<i64> {
    Ok(
        with_tx!(tx, c => sqlx::query_scalar("select id from tasks where case_id = $1 and task_no = $2")
        .bind(case_id).bind(task_no).fetch_one(c).await)?,
    )
}

/// The cases where a post holds pending tasks.
pub async fn cases_with_pending_tasks_of(tx: &mut Tx, post: i64) -> Result<Vec<i64>> {
    let sql = "select distinct case_id from tasks where post_id = $1
               and state in ('open', 'waiting', 'delegated') order by case_id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(post).fetch_all(c).await)?)
}

/// The title and classification code (`public` … `top_secret`) of the document a case moves,
/// or `None` for a case that moves no document.
pub async fn case_document_classification(
    tx: &mut Tx,
    case_id: i64,
) -> Result<Option<(String, String)>> {
    let sql = "select title, classification from documents where case_id = $1";
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(case_id).fetch_optional(c).await)?)
}

/// Up to `limit` tasks after the id `after` whose opinion an earlier build stored in plain:
/// (id, case, task number, opinion).
pub async fn plain_opinions(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, String)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select id, case_id, task_no, opinion from tasks where id > $1 and opinion <> ''
         and opinion not like 'sm4:%' order by id limit $2")
        .bind(after).bind(limit).fetch_all(c).await)?)
}

/// Replaces a task's opinion by its sealed form.
pub async fn set_opinion(tx: &mut Tx, id: i64, opinion: &crate::Sealed) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update tasks set opinion = $2 where id = $1")
        .bind(id).bind(opinion).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
