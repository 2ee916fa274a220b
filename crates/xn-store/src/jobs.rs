//! SQL of the timers (the `jobs` table): armed or moved with the action that changes a
//! deadline, cancelled when the case stops, claimed under a lease by any server once due, and
//! finished once.
//!
//! Holds the flow's own timers (the rungs of the escalation ladder) and the statements every
//! kind shares (claim, finish, the next due instant). The kind is always a bound value
//! (`flow_timer`): no timer kind is written in this SQL (`TimerKind` names them). The batched
//! forms the flow writer uses are in `flow/batch.rs` and [`crate::flow::on_writer`]. Re-exported
//! from [`crate::flow`], so its callers keep their paths.

use crate::{Db, Engine, Result, Tx};

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
pub(crate) const ARM_JOB: &str =
    "insert into jobs (case_id, run_no, rung, due_at, kind) values ($1, $2, $3, $4, $5)
     on conflict (kind, case_id, run_no, rung) do update set due_at = excluded.due_at,
         status = 'pending', lease_owner = null, lease_until = null
     where jobs.status <> 'done'";

/// Cancels the pending flow timers (`$3` kind) of a case's run (`$2` < 0: every run); shared as
/// above.
pub(crate) const CANCEL_JOBS: &str = "update jobs set status = 'cancelled' where case_id = $1
     and status = 'pending' and ($2 < 0 or run_no = $2) and kind = $3";

/// The kind of the flow's own timers, bound into the statements above.
pub(crate) fn flow_timer() -> &'static str {
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

/// Arms the next rung of a ladder when the one before it fires: a timer row for it that
/// already exists (armed by a build that armed every rung at once, or by a moved deadline)
/// is left as it is, whatever its state, so that a claim on it is never disturbed.
pub async fn arm_next_job(
    tx: &mut Tx,
    case_id: i64,
    run_no: i64,
    rung: &str,
    due_at: i64,
) -> Result<()> {
    let sql = "insert into jobs (case_id, run_no, rung, due_at, kind) values ($1, $2, $3, $4, $5)
               on conflict (kind, case_id, run_no, rung) do nothing";
    with_tx!(tx, c => sqlx::query(sql).bind(case_id).bind(run_no).bind(rung).bind(due_at).bind(flow_timer())
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

/// Gives back every claim `owner` still holds on a timer not done (a stopping server's), so that
/// another server takes it at its next sweep instead of after the lease; the version moves on,
/// so the owner could no longer finish it. Answers how many were given back.
pub async fn release_jobs(db: &Db, owner: &str) -> Result<u64> {
    let sql = "update jobs set lease_owner = null, lease_until = null, version = version + 1
               where lease_owner = $1 and status = 'pending' and lease_until is not null";
    Ok(with_db!(db, c => sqlx::query(sql).bind(owner).execute(c).await.map(|r| r.rows_affected()))?)
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

/// How late the oldest due timer of each kind is at `now_ms` (kinds with none due are left
/// out): what a server that falls behind shows first.
pub async fn lag_by_kind(db: &Db, now_ms: i64) -> Result<Vec<(String, i64)>> {
    let sql = "select kind, $1 - min(due_at) from jobs where status = 'pending' and due_at <= $1
               group by kind";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(now_ms).fetch_all(c).await)?)
}
