//! Batched writes (group commit).
//!
//! The flow writer computes a whole batch of actions in memory and then writes it with one
//! statement per table. Each statement is padded to a power-of-two number of rows (the padding
//! rows are NULL and filtered out), so that a handful of SQL texts serve every batch size and
//! both drivers reuse their prepared statements.
//!
//! Holds the sqlx statements of the batch, for a transaction of the pool; the writer thread's
//! are in `on_writer.rs`, the direct path's beside each table.

use super::cases::CASE_COLUMNS;
use super::{CaseRow, NewCase, TaskWrite};
use crate::jobs::flow_timer;
use crate::{Engine, Result, Tx};

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
pub(super) const TASK_IDS_ONE: &str = "select task_no, id from tasks where case_id = ?1";

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
                   closed_at, link_id)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $13,
                   case when $10 = 'closed' then $13 else null end, $14) returning id";
    Ok(with_tx!(tx, conn => sqlx::query_scalar(sql)
        .bind(c.process_id).bind(c.item_kind).bind(c.title).bind(c.body).bind(c.fields)
        .bind(c.unit_id).bind(c.starter_post_id).bind(c.parent_case_id).bind(c.parent_run)
        .bind(c.status).bind(c.state).bind(&c.due_date).bind(now_ms).bind(c.link_id)
        .fetch_one(conn).await)?)
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

/// A timer to arm (see [`arm_job`](crate::jobs::arm_job)).
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

/// Arms several timers in one statement per chunk, as [`arm_job`](crate::jobs::arm_job) does
/// one. A timer appears at most once.
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
/// [`cancel_jobs`](crate::jobs::cancel_jobs) does one; a run of -1 stands for every run of the
/// case.
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
