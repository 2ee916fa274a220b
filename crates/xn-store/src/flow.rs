//! SQL of the flow engine: process definitions, cases, the task projection, timers (jobs with
//! leases), cards, proxies and idempotency keys.
//!
//! A case's engine state is stored whole in `cases.state` (bytes the service encodes); `tasks` is its projection,
//! rewritten in the same transaction, so that queues are plain indexed queries. Every update of
//! a case checks its version.

use crate::{Db, Engine, Result, StoreError, Tx};

// ---------------------------------------------------------------------------------------------
// Process definitions

/// A stored process definition.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProcessRow {
    /// Id.
    pub id: i64,
    /// Key.
    pub key: String,
    /// The unit it is overridden for; `None` for the shipped default.
    pub unit_id: Option<i64>,
    /// Version within (key, unit).
    pub version: i64,
    /// Name.
    pub name: String,
    /// Item kind.
    pub item_kind: String,
    /// The TOML.
    pub source: String,
    /// `shipped` or `unit`.
    pub origin: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Who stored it.
    pub created_by: Option<i64>,
}

const PROCESS_COLUMNS: &str =
    "id, key, unit_id, version, name, item_kind, source, origin, created_at, created_by";

/// A process definition to store.
#[derive(Debug, Clone)]
pub struct NewProcess<'a> {
    /// Key.
    pub key: &'a str,
    /// Unit, or `None` for shipped.
    pub unit_id: Option<i64>,
    /// Name.
    pub name: &'a str,
    /// Item kind.
    pub item_kind: &'a str,
    /// TOML.
    pub source: &'a str,
    /// `shipped` or `unit`.
    pub origin: &'a str,
    /// Who.
    pub created_by: Option<i64>,
}

/// The newest version of `key` stored for exactly `unit_id` (`None`: the shipped default).
pub async fn latest_process(
    db: &Db,
    key: &str,
    unit_id: Option<i64>,
) -> Result<Option<ProcessRow>> {
    let sql = format!(
        "select {PROCESS_COLUMNS} from processes where key = $1 and coalesce(unit_id, 0) = $2
         order by version desc limit 1"
    );
    let unit = unit_id.unwrap_or(0);
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(key).bind(unit).fetch_optional(c).await)?,
    )
}

/// A process definition by id.
pub async fn find_process(db: &Db, id: i64) -> Result<ProcessRow> {
    let sql = format!("select {PROCESS_COLUMNS} from processes where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// Every stored definition, newest first within each key.
pub async fn list_processes(db: &Db) -> Result<Vec<ProcessRow>> {
    let sql = format!(
        "select {PROCESS_COLUMNS} from processes order by key, coalesce(unit_id, 0), version desc"
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Stores a new version of a definition: one more than the newest for (key, unit).
pub async fn insert_process(tx: &mut Tx, p: &NewProcess<'_>, now_ms: i64) -> Result<(i64, i64)> {
    let unit = p.unit_id.unwrap_or(0);
    let version: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select coalesce(max(version), 0) + 1 from processes where key = $1 and coalesce(unit_id, 0) = $2")
        .bind(p.key).bind(unit).fetch_one(c).await)?;
    let sql = "insert into processes (key, unit_id, version, name, item_kind, source, origin, created_at, created_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id";
    let id: i64 = with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(p.key).bind(p.unit_id).bind(version).bind(p.name).bind(p.item_kind).bind(p.source)
        .bind(p.origin).bind(now_ms).bind(p.created_by).fetch_one(c).await)?;
    Ok((id, version))
}

/// The newest shipped source of `key`, read in a transaction (to store a new version only when
/// the shipped file changed).
pub async fn latest_shipped_source(tx: &mut Tx, key: &str) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select source from processes where key = $1 and unit_id is null order by version desc limit 1")
        .bind(key).fetch_optional(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Cases

/// A case as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    /// Id.
    pub id: i64,
    /// Its process definition (version).
    pub process_id: i64,
    /// Item kind.
    pub item_kind: String,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Item fields (JSON object).
    pub fields: String,
    /// The unit it belongs to.
    pub unit_id: i64,
    /// The starter's post.
    pub starter_post_id: i64,
    /// Parent case (分送).
    pub parent_case_id: Option<i64>,
    /// The parent's fan-out run.
    pub parent_run: Option<i64>,
    /// running / paused / closed.
    pub status: String,
    /// Version, incremented by every action.
    pub version: i64,
    /// Engine state, as the service stored it.
    pub state: Vec<u8>,
    /// Case deadline.
    pub due_date: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// Epoch ms.
    pub closed_at: Option<i64>,
}

const CASE_COLUMNS: &str = "id, process_id, item_kind, title, body, fields, unit_id, starter_post_id,
    parent_case_id, parent_run, status, version, state, due_date, created_at, updated_at, closed_at";

/// A case to insert.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    /// Process definition id.
    pub process_id: i64,
    /// Item kind.
    pub item_kind: &'a str,
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a str,
    /// Fields JSON.
    pub fields: &'a str,
    /// Unit.
    pub unit_id: i64,
    /// Starter.
    pub starter_post_id: i64,
    /// Parent.
    pub parent_case_id: Option<i64>,
    /// Parent run.
    pub parent_run: Option<i64>,
    /// Status code.
    pub status: &'a str,
    /// Engine state, encoded.
    pub state: &'a [u8],
    /// Case deadline.
    pub due_date: Option<String>,
}

/// Inserts a case at version 1.
pub async fn insert_case(tx: &mut Tx, c: &NewCase<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into cases (process_id, item_kind, title, body, fields, unit_id, starter_post_id,
                   parent_case_id, parent_run, status, version, state, due_date, created_at, updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $13) returning id";
    Ok(with_tx!(tx, conn => sqlx::query_scalar(sql)
        .bind(c.process_id).bind(c.item_kind).bind(c.title).bind(c.body).bind(c.fields)
        .bind(c.unit_id).bind(c.starter_post_id).bind(c.parent_case_id).bind(c.parent_run)
        .bind(c.status).bind(c.state).bind(&c.due_date).bind(now_ms).fetch_one(conn).await)?)
}

/// Loads a case inside a write transaction, locking its row on PostgreSQL (SQLite's write
/// transaction already excludes every other writer).
pub async fn lock_case(tx: &mut Tx, id: i64) -> Result<CaseRow> {
    // Engine difference: SQLite has no `for update`; BEGIN IMMEDIATE holds the database lock.
    let sql = match tx.engine() {
        Engine::Sqlite => format!("select {CASE_COLUMNS} from cases where id = $1"),
        Engine::Postgres => format!("select {CASE_COLUMNS} from cases where id = $1 for update"),
    };
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// A case, read outside a transaction.
pub async fn find_case(db: &Db, id: i64) -> Result<CaseRow> {
    let sql = format!("select {CASE_COLUMNS} from cases where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The children of a case (分送).
pub async fn child_cases(db: &Db, parent: i64) -> Result<Vec<CaseRow>> {
    let sql = format!("select {CASE_COLUMNS} from cases where parent_case_id = $1 order by id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(parent).fetch_all(c).await)?,
    )
}

/// Writes a case's new state if it is still at `version`; a conflict otherwise.
pub async fn update_case(
    tx: &mut Tx,
    id: i64,
    version: i64,
    state: &[u8],
    status: &str,
    due_date: Option<String>,
    now_ms: i64,
) -> Result<i64> {
    let sql = "update cases set state = $1, status = $2, due_date = $3, version = version + 1,
                   updated_at = $4,
                   closed_at = case when $2 = 'closed' then coalesce(closed_at, $4) else null end
               where id = $5 and version = $6";
    let n = with_tx!(tx, c => sqlx::query(sql)
        .bind(state).bind(status).bind(due_date).bind(now_ms).bind(id).bind(version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::Conflict("cases.version".into()));
    }
    Ok(version + 1)
}

/// Writes the state of a case just inserted (version 1 stays: starting is its first version).
pub async fn write_initial_state(
    tx: &mut Tx,
    id: i64,
    state: &[u8],
    status: &str,
    due_date: Option<String>,
) -> Result<()> {
    let sql = "update cases set state = $1, status = $2, due_date = $3,
                   closed_at = case when $2 = 'closed' then created_at else null end
               where id = $4 and version = 1";
    with_tx!(tx, c => sqlx::query(sql).bind(state).bind(status).bind(due_date).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Cases started by a post, newest first.
pub async fn cases_started_by(
    db: &Db,
    post_id: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "select {CASE_COLUMNS} from cases where starter_post_id = $1 and ($2 = 0 or id < $2)
         order by id desc limit $3"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post_id).bind(before).bind(limit).fetch_all(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// Tasks

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
    /// Opinion.
    pub opinion: Option<String>,
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
}

const TASK_SELECT: &str =
    "select t.id, t.case_id, t.task_no, t.run_no, t.step_id, t.step_name, t.kind,
        t.post_id, t.state, t.due_date, t.due_at, t.decision, t.opinion, t.acted_by_post_id,
        t.created_at, t.acted_at, t.urge_count, t.last_urged_at, c.title, c.item_kind,
        c.version as case_version, c.status as case_status, c.starter_post_id
    from tasks t join cases c on c.id = t.case_id";

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
    let sql = format!("{TASK_SELECT} where t.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The tasks of a case, in order.
pub async fn tasks_of_case(db: &Db, case_id: i64) -> Result<Vec<TaskRow>> {
    let sql = format!("{TASK_SELECT} where t.case_id = $1 order by t.task_no");
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
    let sql = format!(
        "{TASK_SELECT} where {cond} and ($1 = '' or c.item_kind = $1)
         and ($2 = '' or c.title like $2 escape '\\') order by {order} limit $3 offset $4"
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

// ---------------------------------------------------------------------------------------------
// Jobs (timers) with leases

/// A timer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// Kind (`rung`).
    pub kind: String,
    /// Case.
    pub case_id: i64,
    /// Run (0: the case's own deadline).
    pub run_no: i64,
    /// due_soon / yellow / red.
    pub rung: String,
    /// Epoch ms.
    pub due_at: i64,
    /// pending / done / cancelled.
    pub status: String,
    /// Lease holder.
    pub lease_owner: Option<String>,
    /// Lease expiry.
    pub lease_until: Option<i64>,
    /// Claims so far.
    pub attempts: i64,
    /// Version, incremented by every claim.
    pub version: i64,
}

const JOB_COLUMNS: &str =
    "id, kind, case_id, run_no, rung, due_at, status, lease_owner, lease_until, attempts, version";

/// Arms one flow timer (`$1` case, `$2` run, `$3` rung, `$4` due, `$5` kind); shared by the
/// sqlx and the writer-thread statements. The kind is bound, never written here: the store
/// knows no timer kind (`TimerKind` names them).
const ARM_JOB: &str =
    "insert into jobs (case_id, run_no, rung, due_at, kind) values ($1, $2, $3, $4, $5)
     on conflict (kind, case_id, run_no, rung) do update set due_at = excluded.due_at,
         status = 'pending', lease_owner = null, lease_until = null
     where jobs.status <> 'done'";

/// Cancels the pending flow timers (`$3` kind) of a case's run (`$2` < 0: every run); shared as
/// above.
const CANCEL_JOBS: &str = "update jobs set status = 'cancelled' where case_id = $1
     and status = 'pending' and ($2 < 0 or run_no = $2) and kind = $3";

/// The kind of the flow's own timers, bound into the statements above.
fn flow_timer() -> &'static str {
    xn_domain::flow::TimerKind::Rung.code()
}

/// Arms a timer, moves a pending one, or re-arms a cancelled one (after a pause); a timer that
/// already fired stays fired.
pub async fn arm_job(
    tx: &mut Tx,
    case_id: i64,
    run_no: i64,
    rung: &str,
    due_at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(ARM_JOB).bind(case_id).bind(run_no).bind(rung).bind(due_at).bind(flow_timer())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Cancels the pending timers of a run (`run_no` 0: the case's own), or of every run when
/// `run_no` is `None`. Only the flow's own timers (kind `rung`): other areas keep theirs.
pub async fn cancel_jobs(tx: &mut Tx, case_id: i64, run_no: Option<i64>) -> Result<u64> {
    Ok(
        with_tx!(tx, c => sqlx::query(CANCEL_JOBS).bind(case_id).bind(run_no.unwrap_or(-1)).bind(flow_timer())
        .execute(c).await.map(|r| r.rows_affected()))?,
    )
}

/// Claims up to `limit` due timers for `owner` until `lease_until`: pending ones whose lease is
/// free or expired (a crashed server's). Each claim increments the version, so a holder whose
/// lease was taken over cannot complete.
pub async fn claim_jobs(
    db: &Db,
    owner: &str,
    now_ms: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<JobRow>> {
    // Engine difference: PostgreSQL skips rows another server is claiming at this instant;
    // SQLite has one writer at a time.
    let lock = match db.engine() {
        Engine::Sqlite => "",
        Engine::Postgres => "for update skip locked",
    };
    let sql = format!(
        "update jobs set lease_owner = $1, lease_until = $2, attempts = attempts + 1,
             version = version + 1
         where id in (select id from jobs where status = 'pending' and due_at <= $3
                      and (lease_until is null or lease_until < $3)
                      order by due_at, id limit $4 {lock})
         returning {JOB_COLUMNS}"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner).bind(lease_until).bind(now_ms).bind(limit).fetch_all(c).await)?,
    )
}

/// Marks a claimed timer done, if `owner` still holds it at `version`: false when the lease was
/// lost (the caller must then roll back the effect it wrote).
pub async fn finish_job(
    tx: &mut Tx,
    id: i64,
    owner: &str,
    version: i64,
    status: &str,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update jobs set status = $1, done_at = $2, done_by = $3, lease_until = null
               where id = $4 and lease_owner = $3 and version = $5 and status = 'pending'";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(status).bind(now_ms).bind(owner).bind(id).bind(version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The timers of a case.
pub async fn jobs_of_case(db: &Db, case_id: i64) -> Result<Vec<JobRow>> {
    let sql = format!("select {JOB_COLUMNS} from jobs where case_id = $1 order by due_at, id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id).fetch_all(c).await)?,
    )
}

/// The earliest pending timer's due instant.
pub async fn next_job_due(db: &Db) -> Result<Option<i64>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select min(due_at) from jobs where status = 'pending'")
        .fetch_one(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// Cards

/// A yellow or red card to record.
#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    /// The timer that gave it.
    pub job_id: i64,
    /// Case.
    pub case_id: i64,
    /// Run (0: the case).
    pub run_no: i64,
    /// yellow / red.
    pub color: &'a str,
    /// The post responsible.
    pub post_id: Option<i64>,
    /// Its unit.
    pub unit_id: Option<i64>,
    /// The deadline missed.
    pub due_date: &'a str,
}

/// Records a card.
pub async fn insert_card(tx: &mut Tx, c: &NewCard<'_>, now_ms: i64) -> Result<()> {
    let sql =
        "insert into cards (job_id, case_id, run_no, color, post_id, unit_id, due_date, issued_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8)";
    with_tx!(tx, conn => sqlx::query(sql).bind(c.job_id).bind(c.case_id).bind(c.run_no).bind(c.color)
        .bind(c.post_id).bind(c.unit_id).bind(c.due_date).bind(now_ms)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A card as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Run.
    pub run_no: i64,
    /// Colour.
    pub color: String,
    /// Post.
    pub post_id: Option<i64>,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Deadline missed.
    pub due_date: String,
    /// Epoch ms.
    pub issued_at: i64,
}

/// The cards of a case.
pub async fn cards_of_case(db: &Db, case_id: i64) -> Result<Vec<CardRow>> {
    let sql = "select id, case_id, run_no, color, post_id, unit_id, due_date, issued_at
               from cards where case_id = $1 order by id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(case_id).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Proxies (委托)

/// A proxy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProxyRow {
    /// Id.
    pub id: i64,
    /// The post acted for.
    pub principal_post_id: i64,
    /// The post acting.
    pub proxy_post_id: i64,
    /// From (epoch ms).
    pub starts_at: i64,
    /// Until (epoch ms).
    pub ends_at: i64,
    /// Why.
    pub reason: String,
    /// Revoked at.
    pub revoked_at: Option<i64>,
}

const PROXY_COLUMNS: &str =
    "id, principal_post_id, proxy_post_id, starts_at, ends_at, reason, revoked_at";

/// Records a proxy.
#[expect(clippy::too_many_arguments, reason = "one column each")]
pub async fn insert_proxy(
    tx: &mut Tx,
    principal: i64,
    proxy: i64,
    starts_at: i64,
    ends_at: i64,
    reason: &str,
    by: i64,
    now_ms: i64,
) -> Result<i64> {
    let sql = "insert into proxies (principal_post_id, proxy_post_id, starts_at, ends_at, reason, created_by, created_at)
               values ($1, $2, $3, $4, $5, $6, $7) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(principal).bind(proxy).bind(starts_at)
        .bind(ends_at).bind(reason).bind(by).bind(now_ms).fetch_one(c).await)?,
    )
}

/// The posts a post may act for at `now`.
pub async fn principals_of(db: &Db, proxy_post: i64, now_ms: i64) -> Result<Vec<i64>> {
    let sql = "select distinct principal_post_id from proxies where proxy_post_id = $1
               and revoked_at is null and starts_at <= $2 and ends_at > $2";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(proxy_post).bind(now_ms).fetch_all(c).await)?)
}

/// The same, inside a transaction.
pub async fn principals_of_tx(tx: &mut Tx, proxy_post: i64, now_ms: i64) -> Result<Vec<i64>> {
    let sql = "select distinct principal_post_id from proxies where proxy_post_id = $1
               and revoked_at is null and starts_at <= $2 and ends_at > $2";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(proxy_post).bind(now_ms).fetch_all(c).await)?)
}

/// Proxies given by or to a post, newest first.
pub async fn proxies_of_post(db: &Db, post: i64) -> Result<Vec<ProxyRow>> {
    let sql = format!(
        "select {PROXY_COLUMNS} from proxies where principal_post_id = $1 or proxy_post_id = $1 order by id desc"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(post).fetch_all(c).await)?,
    )
}

/// Revokes a proxy given by `principal`.
pub async fn revoke_proxy(tx: &mut Tx, id: i64, principal: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query("update proxies set revoked_at = $1 where id = $2 and principal_post_id = $3 and revoked_at is null")
        .bind(now_ms).bind(id).bind(principal).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Handover

/// The cases where a post holds pending tasks.
pub async fn cases_with_pending_tasks_of(tx: &mut Tx, post: i64) -> Result<Vec<i64>> {
    let sql = "select distinct case_id from tasks where post_id = $1
               and state in ('open', 'waiting', 'delegated') order by case_id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(post).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Idempotency keys

/// Claims an idempotency key for a request; returns the stored (hash, response) when the key
/// was used before (the caller then answers with it, or refuses a different request).
pub async fn claim_idempotency_key(
    tx: &mut Tx,
    person: i64,
    key: &str,
    hash: &str,
    now_ms: i64,
) -> Result<Option<(String, String)>> {
    let sql = "insert into idempotency_keys (person_id, key, request_hash, response, created_at)
               values ($1, $2, $3, '', $4) on conflict (person_id, key) do nothing";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(person).bind(key).bind(hash).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 1 {
        return Ok(None);
    }
    let row: (String, String) = with_tx!(tx, c => sqlx::query_as(
        "select request_hash, response from idempotency_keys where person_id = $1 and key = $2")
        .bind(person).bind(key).fetch_one(c).await)?;
    Ok(Some(row))
}

/// Stores the response of a claimed key (same transaction as the action).
pub async fn store_idempotent_response(
    tx: &mut Tx,
    person: i64,
    key: &str,
    response: &str,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update idempotency_keys set response = $1 where person_id = $2 and key = $3")
        .bind(response).bind(person).bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Assignee resolution

/// Active posts of a position code in a unit.
pub async fn posts_with_position(tx: &mut Tx, unit_id: i64, position: &str) -> Result<Vec<i64>> {
    let sql = "select p.id from posts p join positions pos on pos.id = p.position_id
               join persons pe on pe.id = p.person_id
               where p.unit_id = $1 and pos.code = $2 and p.active = 1 and pe.disabled = 0
               order by p.id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(unit_id).bind(position).fetch_all(c).await)?)
}

/// A unit's parent.
pub async fn parent_unit(tx: &mut Tx, unit_id: i64) -> Result<Option<i64>> {
    Ok(
        with_tx!(tx, c => sqlx::query_scalar("select parent_id from units where id = $1")
        .bind(unit_id).fetch_one(c).await)?,
    )
}

/// The first child unit of a kind.
pub async fn child_unit_of_kind(tx: &mut Tx, unit_id: i64, kind: &str) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 and kind = $2 order by sort_order, id limit 1")
        .bind(unit_id).bind(kind).fetch_optional(c).await)?)
}

/// The unit of a post, and whether it is active.
pub async fn post_unit(tx: &mut Tx, post_id: i64) -> Result<Option<(i64, i16)>> {
    Ok(
        with_tx!(tx, c => sqlx::query_as("select unit_id, active from posts where id = $1")
        .bind(post_id).fetch_optional(c).await)?,
    )
}

/// A post's position code.
pub async fn post_position(tx: &mut Tx, post_id: i64) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select q.code from posts p join positions q on q.id = p.position_id where p.id = $1")
        .bind(post_id).fetch_optional(c).await)?)
}

/// Posts as people read them: (id, person's name, "unit · position").
pub async fn post_labels(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select p.id, pe.name, u.short_name || ' · ' || coalesce(p.title, pos.name)
         from posts p join persons pe on pe.id = p.person_id
         join units u on u.id = p.unit_id join positions pos on pos.id = p.position_id
         where p.id in ({})",
        list.join(", ")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Whether a post holds or held any task of a case.
pub async fn post_in_case(tx: &mut Tx, case_id: i64, post_id: i64) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from tasks where case_id = $1 and (post_id = $2 or acted_by_post_id = $2)")
        .bind(case_id).bind(post_id).fetch_one(c).await)?;
    Ok(n > 0)
}

// ---------------------------------------------------------------------------------------------
// Batched writes (group commit)
//
// The flow writer computes a whole batch of actions in memory and then writes it with one
// statement per table. Each statement is padded to a power-of-two number of rows (the padding
// rows are NULL and filtered out), so that a handful of SQL texts serve every batch size and
// both drivers reuse their prepared statements.

/// The padded row count for `n` rows (at least 1).
fn padded(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

/// `($1, …, $cols), (…), …` for `rows` rows.
///
/// Engine difference: on SQLite the placeholders are anonymous (`?`, bound in order). sqlx
/// finds the argument of a numbered placeholder by asking SQLite for its name, a lookup that
/// walks every parameter, so a statement of a few thousand `$N` spends most of its time binding.
/// The placeholder of the `n`th parameter written after a [`values_list`] (SQLite numbers its
/// anonymous placeholders in order; PostgreSQL's are numbered).
fn param_after(engine: Engine, n: usize) -> String {
    match engine {
        Engine::Sqlite => "?".to_owned(),
        Engine::Postgres => format!("${n}"),
    }
}

fn values_list(engine: Engine, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match engine {
                Engine::Sqlite => s.push('?'),
                Engine::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
            }
        }
        s.push(')');
    }
    s
}

/// `$1, …, $n` (or `?, …` on SQLite, see [`values_list`]).
fn param_list(engine: Engine, n: usize) -> String {
    let list = values_list(engine, 1, n);
    list.trim_start_matches('(')
        .trim_end_matches(')')
        .to_owned()
}

/// The most rows one batched statement carries (a power of two).
const CHUNK: usize = 128;

/// The tasks of one case, by number (the writer thread runs it once per case).
const TASK_IDS_ONE: &str = "select task_no, id from tasks where case_id = ?1";

/// The tasks of cases, as (case_id, task_no, id): the ids an action's outcome lists with its
/// open tasks, read after the writes. Every task of the case, not only those open now: an
/// outcome lists the tasks open after its own action, and a later action of the same batch may
/// have completed some.
pub async fn task_ids(tx: &mut Tx, case_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
    select_in(
        tx,
        "select case_id, task_no, id from tasks where case_id",
        case_ids,
    )
    .await
}

/// Cases by id, read inside a write transaction without locking rows: every write of a case
/// checks its version, so a row that moved in between is found out when the batch writes.
pub async fn load_cases(tx: &mut Tx, ids: &[i64]) -> Result<Vec<CaseRow>> {
    select_in(
        tx,
        &format!("select {CASE_COLUMNS} from cases where id"),
        ids,
    )
    .await
}

/// The versions of some cases, as stored now.
pub async fn case_versions(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    select_in(tx, "select id, version from cases where id", ids).await
}

/// The rows of `{select} in (…)` for many ids: one statement per chunk, its id list padded to a
/// power of two (repeating the first id) so that a few SQL texts serve every size.
async fn select_in<T>(tx: &mut Tx, select: &str, ids: &[i64]) -> Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!("{select} in ({})", param_list(tx.engine(), n));
        let first = chunk.first().copied().unwrap_or(0);
        let rows: Vec<T> = with_tx!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                q = q.bind(chunk.get(i).copied().unwrap_or(first));
            }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Inserts a case with its computed state at version 1 (a start whose holders are already
/// resolved: one statement instead of insert-then-update).
pub async fn insert_case_with_state(tx: &mut Tx, c: &NewCase<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into cases (process_id, item_kind, title, body, fields, unit_id, starter_post_id,
                   parent_case_id, parent_run, status, version, state, due_date, created_at, updated_at,
                   closed_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $13,
                   case when $10 = 'closed' then $13 else null end) returning id";
    Ok(with_tx!(tx, conn => sqlx::query_scalar(sql)
        .bind(c.process_id).bind(c.item_kind).bind(c.title).bind(c.body).bind(c.fields)
        .bind(c.unit_id).bind(c.starter_post_id).bind(c.parent_case_id).bind(c.parent_run)
        .bind(c.status).bind(c.state).bind(&c.due_date).bind(now_ms).fetch_one(conn).await)?)
}

/// A case's new state, written only if the row is still at `version`.
#[derive(Debug, Clone)]
pub struct CaseUpdate<'a> {
    /// Case.
    pub id: i64,
    /// The version the state was computed from.
    pub version: i64,
    /// The version to store.
    pub new_version: i64,
    /// Engine state, encoded.
    pub state: &'a [u8],
    /// Status code.
    pub status: &'a str,
    /// Whether the status differs from the one the row holds now. Writing an unchanged status
    /// costs SQLite an index update all the same (`cases_status`), so the writer thread leaves
    /// it out.
    pub status_changed: bool,
    /// Case deadline.
    pub due_date: Option<String>,
    /// Epoch ms of the change.
    pub now_ms: i64,
}

/// Writes several cases' new states in one statement per chunk, each checked against its
/// version; answers how many rows were written (fewer than asked: some case moved meanwhile).
pub async fn update_cases(tx: &mut Tx, rows: &[CaseUpdate<'_>]) -> Result<u64> {
    let mut written = 0;
    for chunk in rows.chunks(CHUNK / 2) {
        let n = padded(chunk.len());
        let sql = format!(
            "update cases set state = v.column3, status = v.column4, due_date = v.column5,
                 version = v.column6, updated_at = v.column7,
                 closed_at = case when v.column4 = 'closed' then coalesce(cases.closed_at, v.column7)
                                  else null end
             from (values {}) as v
             where cases.id = v.column1 and cases.version = v.column2",
            values_list(tx.engine(), n, 7)
        );
        written += with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                match chunk.get(i) {
                    Some(u) => {
                        q = q.bind(Some(u.id)).bind(Some(u.version)).bind(Some(u.state))
                            .bind(Some(u.status)).bind(u.due_date.as_deref())
                            .bind(Some(u.new_version)).bind(Some(u.now_ms));
                    }
                    None => {
                        q = q.bind(None::<i64>).bind(None::<i64>).bind(None::<&[u8]>)
                            .bind(None::<&str>).bind(None::<&str>).bind(None::<i64>)
                            .bind(None::<i64>);
                    }
                }
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(written)
}

/// Inserts or rewrites task projections of several cases; answers (case_id, task_no, id) of
/// each. A (case, task) appears at most once.
pub async fn upsert_tasks(tx: &mut Tx, rows: &[TaskWrite<'_>]) -> Result<Vec<(i64, i64, i64)>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "insert into tasks (case_id, task_no, run_no, step_id, step_name, kind, post_id, state,
                 due_date, due_at, decision, opinion, acted_by_post_id, created_at, acted_at)
             select column1, column2, column3, column4, column5, column6, column7, column8,
                 column9, column10, column11, column12, column13, column14, column15
             from (values {}) as v where column1 is not null
             on conflict (case_id, task_no) do update set post_id = excluded.post_id,
                 state = excluded.state, due_date = excluded.due_date, due_at = excluded.due_at,
                 decision = excluded.decision, opinion = excluded.opinion,
                 acted_by_post_id = excluded.acted_by_post_id, acted_at = excluded.acted_at
             returning case_id, task_no, id",
            values_list(tx.engine(), n, 15)
        );
        let got: Vec<(i64, i64, i64)> = with_tx!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                match chunk.get(i) {
                    Some(t) => {
                        q = q.bind(Some(t.case_id)).bind(Some(t.task_no)).bind(Some(t.run_no))
                            .bind(Some(t.step_id)).bind(Some(t.step_name)).bind(Some(t.kind))
                            .bind(Some(t.post_id)).bind(Some(t.state)).bind(t.due_date.as_deref())
                            .bind(t.due_at).bind(t.decision).bind(t.opinion)
                            .bind(t.acted_by_post_id).bind(Some(t.created_at)).bind(t.acted_at);
                    }
                    None => {
                        q = q.bind(None::<i64>).bind(None::<i64>).bind(None::<i64>)
                            .bind(None::<&str>).bind(None::<&str>).bind(None::<&str>)
                            .bind(None::<i64>).bind(None::<&str>).bind(None::<&str>)
                            .bind(None::<i64>).bind(None::<&str>).bind(None::<&str>)
                            .bind(None::<i64>).bind(None::<i64>).bind(None::<i64>);
                    }
                }
            }
            q.fetch_all(c).await
        })?;
        out.extend(got);
    }
    Ok(out)
}

/// A timer to arm (see [`arm_job`]).
#[derive(Debug, Clone)]
pub struct JobArm<'a> {
    /// Case.
    pub case_id: i64,
    /// Run (0: the case's own deadline).
    pub run_no: i64,
    /// Rung code.
    pub rung: &'a str,
    /// Epoch ms.
    pub due_at: i64,
}

/// Arms several timers in one statement per chunk, as [`arm_job`] does one. A timer appears at
/// most once.
pub async fn arm_jobs(tx: &mut Tx, rows: &[JobArm<'_>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "insert into jobs (case_id, run_no, rung, due_at, kind)
             select column1, column2, column3, column4, k.kind
             from (values {}) as v, (select {} as kind) as k
             where column1 is not null
             on conflict (kind, case_id, run_no, rung) do update set due_at = excluded.due_at,
                 status = 'pending', lease_owner = null, lease_until = null
             where jobs.status <> 'done'",
            values_list(tx.engine(), n, 4),
            param_after(tx.engine(), 4 * n + 1)
        );
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                let j = chunk.get(i);
                q = q.bind(j.map(|j| j.case_id)).bind(j.map(|j| j.run_no))
                    .bind(j.map(|j| j.rung)).bind(j.map(|j| j.due_at));
            }
            q.bind(flow_timer()).execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Cancels pending timers of several (case, run) pairs in one statement per chunk, as
/// [`cancel_jobs`] does one; a run of -1 stands for every run of the case.
pub async fn cancel_jobs_many(tx: &mut Tx, pairs: &[(i64, i64)]) -> Result<()> {
    for chunk in pairs.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "update jobs set status = 'cancelled' from (values {}) as v
             where jobs.case_id = v.column1 and jobs.status = 'pending'
               and (v.column2 < 0 or jobs.run_no = v.column2) and jobs.kind = {}",
            values_list(tx.engine(), n, 2),
            param_after(tx.engine(), 2 * n + 1)
        );
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                let p = chunk.get(i);
                q = q.bind(p.map(|p| p.0)).bind(p.map(|p| p.1));
            }
            q.bind(flow_timer()).execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// An event of the flow engine to append, its details already serialized.
#[derive(Debug, Clone)]
pub struct EventWrite<'a> {
    /// Epoch ms.
    pub at: i64,
    /// Kind.
    pub kind: &'a str,
    /// Who acted.
    pub actor_person_id: Option<i64>,
    /// As which post.
    pub actor_post_id: Option<i64>,
    /// `case:<id>`.
    pub subject: &'a str,
    /// JSON object.
    pub detail: &'a str,
    /// Client address.
    pub ip: Option<&'a str>,
}

/// Appends events in order, one statement per chunk.
pub async fn insert_events(tx: &mut Tx, rows: &[EventWrite<'_>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "insert into events (at, kind, actor_person_id, actor_post_id, subject, detail, ip)
             select column1, column2, column3, column4, column5, column6, column7
             from (values {}) as v where column2 is not null",
            values_list(tx.engine(), n, 7)
        );
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                let e = chunk.get(i);
                q = q.bind(e.map(|e| e.at)).bind(e.map(|e| e.kind))
                    .bind(e.and_then(|e| e.actor_person_id)).bind(e.and_then(|e| e.actor_post_id))
                    .bind(e.map(|e| e.subject)).bind(e.map(|e| e.detail))
                    .bind(e.and_then(|e| e.ip));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// A stored idempotency key: (request hash, response).
pub async fn find_idempotency_key(
    tx: &mut Tx,
    person: i64,
    key: &str,
) -> Result<Option<(String, String)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select request_hash, response from idempotency_keys where person_id = $1 and key = $2")
        .bind(person).bind(key).fetch_optional(c).await)?)
}

/// An idempotency key with the response of its request.
#[derive(Debug, Clone)]
pub struct IdempotentWrite<'a> {
    /// Person.
    pub person_id: i64,
    /// Key.
    pub key: &'a str,
    /// Request hash.
    pub request_hash: &'a str,
    /// Response (JSON).
    pub response: &'a str,
    /// Epoch ms.
    pub created_at: i64,
}

/// Stores keys with their responses; a key stored meanwhile (by another server) is a
/// uniqueness conflict that fails the statement.
pub async fn insert_idempotency_keys(tx: &mut Tx, rows: &[IdempotentWrite<'_>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let n = padded(chunk.len());
        let sql = format!(
            "insert into idempotency_keys (person_id, key, request_hash, response, created_at)
             select column1, column2, column3, column4, column5 from (values {}) as v
             where column1 is not null",
            values_list(tx.engine(), n, 5)
        );
        with_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for i in 0..n {
                let k = chunk.get(i);
                q = q.bind(k.map(|k| k.person_id)).bind(k.map(|k| k.key))
                    .bind(k.map(|k| k.request_hash)).bind(k.map(|k| k.response))
                    .bind(k.map(|k| k.created_at));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// The flow batch's statements on the SQLite writer thread ([`crate::writer`]): the same writes
/// as the batched sqlx statements above, one prepared statement per row (no round trip to pay
/// for, so no values lists to build).
pub mod on_writer {
    use super::{CaseRow, CaseUpdate, EventWrite, IdempotentWrite, JobArm, TaskWrite};
    use crate::Result;
    use crate::writer::{ReadConn, WriteTx};

    /// Writes cases' new states, each only if its row still holds the version the state was
    /// computed from; answers how many were written.
    ///
    /// SQLite rewrites the entries of every index on a column the `set` list names, changed or
    /// not; most actions leave the status as it was, and their statement leaves out the status
    /// and `closed_at` (which follows it).
    pub fn update_cases(tx: &WriteTx<'_>, rows: &[CaseUpdate<'_>]) -> Result<u64> {
        let mut moved = tx.0.prepare_cached(
            "update cases set state = ?1, status = ?2, due_date = ?3, version = ?4,
                 updated_at = ?5,
                 closed_at = case when ?2 = 'closed' then coalesce(closed_at, ?5) else null end
             where id = ?6 and version = ?7",
        )?;
        let mut same = tx.0.prepare_cached(
            "update cases set state = ?1, due_date = ?2, version = ?3, updated_at = ?4
             where id = ?5 and version = ?6",
        )?;
        let mut n = 0;
        for u in rows {
            n += if u.status_changed {
                moved.execute(rusqlite::params![
                    u.state,
                    u.status,
                    u.due_date,
                    u.new_version,
                    u.now_ms,
                    u.id,
                    u.version
                ])?
            } else {
                same.execute(rusqlite::params![
                    u.state,
                    u.due_date,
                    u.new_version,
                    u.now_ms,
                    u.id,
                    u.version
                ])?
            } as u64;
        }
        Ok(n)
    }

    /// Writes task projections, inserting those marked new and updating the others (cheaper
    /// than an upsert of each), an update by the row's id where the row gives it. A task to
    /// update that has no row is inserted after all. Answers the ids of the rows it inserted,
    /// as (case_id, task_no, id); the ids of other tasks come from [`task_ids`] (an update
    /// `returning` its id costs SQLite a temporary table per statement, and most updated tasks
    /// are done with).
    pub fn write_tasks(
        tx: &WriteTx<'_>,
        rows: &[TaskWrite<'_>],
        new: &[bool],
    ) -> Result<Vec<(i64, i64, i64)>> {
        let mut insert = tx.0.prepare_cached(
            "insert into tasks (case_id, task_no, run_no, step_id, step_name, kind, post_id,
                 state, due_date, due_at, decision, opinion, acted_by_post_id, created_at,
                 acted_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        let mut update = tx.0.prepare_cached(
            "update tasks set post_id = ?1, state = ?2, due_date = ?3, due_at = ?4,
                 decision = ?5, opinion = ?6, acted_by_post_id = ?7, acted_at = ?8
             where case_id = ?9 and task_no = ?10",
        )?;
        let mut update_by_id = tx.0.prepare_cached(
            "update tasks set post_id = ?1, state = ?2, due_date = ?3, due_at = ?4,
                 decision = ?5, opinion = ?6, acted_by_post_id = ?7, acted_at = ?8
             where id = ?9 and case_id = ?10 and task_no = ?11",
        )?;
        let mut inserted = Vec::new();
        for (i, t) in rows.iter().enumerate() {
            if !new.get(i).copied().unwrap_or(true) {
                // The same new values (?1–?8) for both updates; only the row's key differs.
                let values: [&dyn rusqlite::ToSql; 8] = [
                    &t.post_id,
                    &t.state,
                    &t.due_date,
                    &t.due_at,
                    &t.decision,
                    &t.opinion,
                    &t.acted_by_post_id,
                    &t.acted_at,
                ];
                let key: [&dyn rusqlite::ToSql; 2] = [&t.case_id, &t.task_no];
                let by_id = match &t.id {
                    Some(id) => update_by_id.execute(rusqlite::params_from_iter(
                        values
                            .iter()
                            .chain([id as &dyn rusqlite::ToSql].iter())
                            .chain(key.iter()),
                    ))?,
                    None => 0,
                };
                let changed = if by_id > 0 {
                    by_id
                } else {
                    update.execute(rusqlite::params_from_iter(values.iter().chain(key.iter())))?
                };
                if changed > 0 {
                    continue;
                }
            }
            insert.execute(rusqlite::params![
                t.case_id,
                t.task_no,
                t.run_no,
                t.step_id,
                t.step_name,
                t.kind,
                t.post_id,
                t.state,
                t.due_date,
                t.due_at,
                t.decision,
                t.opinion,
                t.acted_by_post_id,
                t.created_at,
                t.acted_at
            ])?;
            inserted.push((t.case_id, t.task_no, tx.0.last_insert_rowid()));
        }
        Ok(inserted)
    }

    /// The tasks of cases, as (case_id, task_no, id) (see [`super::task_ids`]).
    pub fn task_ids(tx: &WriteTx<'_>, case_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
        let mut st = tx.0.prepare_cached(super::TASK_IDS_ONE)?;
        let mut out = Vec::new();
        for case in case_ids {
            let rows = st.query_map([case], |r| Ok((*case, r.get(0)?, r.get(1)?)))?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// Cases by id, through the writer's read-only connection (see
    /// [`crate::writer::SqliteWriter::read`]).
    pub fn load_cases(r: &ReadConn<'_>, ids: &[i64]) -> Result<Vec<CaseRow>> {
        let mut st = r.0.prepare_cached(&format!(
            "select {} from cases where id = ?1",
            super::CASE_COLUMNS
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = st.query_row([id], |r| {
                Ok(CaseRow {
                    id: r.get(0)?,
                    process_id: r.get(1)?,
                    item_kind: r.get(2)?,
                    title: r.get(3)?,
                    body: r.get(4)?,
                    fields: r.get(5)?,
                    unit_id: r.get(6)?,
                    starter_post_id: r.get(7)?,
                    parent_case_id: r.get(8)?,
                    parent_run: r.get(9)?,
                    status: r.get(10)?,
                    version: r.get(11)?,
                    state: r.get(12)?,
                    due_date: r.get(13)?,
                    created_at: r.get(14)?,
                    updated_at: r.get(15)?,
                    closed_at: r.get(16)?,
                })
            });
            match row {
                Ok(row) => out.push(row),
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    /// Cancels the pending flow timers of (case, run) pairs; a run of -1 stands for every run.
    pub fn cancel_jobs_many(tx: &WriteTx<'_>, pairs: &[(i64, i64)]) -> Result<()> {
        let mut st = tx.0.prepare_cached(super::CANCEL_JOBS)?;
        for (case, run) in pairs {
            st.execute(rusqlite::params![case, run, super::flow_timer()])?;
        }
        Ok(())
    }

    /// Arms timers (see [`super::arm_job`]).
    pub fn arm_jobs(tx: &WriteTx<'_>, rows: &[JobArm<'_>]) -> Result<()> {
        let mut st = tx.0.prepare_cached(super::ARM_JOB)?;
        for j in rows {
            st.execute(rusqlite::params![
                j.case_id,
                j.run_no,
                j.rung,
                j.due_at,
                super::flow_timer()
            ])?;
        }
        Ok(())
    }

    /// Appends events in order.
    pub fn insert_events(tx: &WriteTx<'_>, rows: &[EventWrite<'_>]) -> Result<()> {
        let mut st = tx.0.prepare_cached(
            "insert into events (at, kind, actor_person_id, actor_post_id, subject, detail, ip)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for e in rows {
            st.execute(rusqlite::params![
                e.at,
                e.kind,
                e.actor_person_id,
                e.actor_post_id,
                e.subject,
                e.detail,
                e.ip
            ])?;
        }
        Ok(())
    }

    /// Stores idempotency keys with their responses; a key stored meanwhile is a conflict.
    pub fn insert_idempotency_keys(tx: &WriteTx<'_>, rows: &[IdempotentWrite<'_>]) -> Result<()> {
        let mut st = tx.0.prepare_cached(
            "insert into idempotency_keys (person_id, key, request_hash, response, created_at)
             values (?1, ?2, ?3, ?4, ?5)",
        )?;
        for k in rows {
            st.execute(rusqlite::params![
                k.person_id,
                k.key,
                k.request_hash,
                k.response,
                k.created_at
            ])?;
        }
        Ok(())
    }

    /// The versions of some cases, as stored now (absent: no such case).
    pub fn case_versions(tx: &WriteTx<'_>, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut st =
            tx.0.prepare_cached("select version from cases where id = ?1")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match st.query_row([id], |r| r.get::<_, i64>(0)) {
                Ok(v) => out.push((*id, v)),
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}
