//! The SQLite writer: one connection on a thread of its own, for the flow engine's batches.
//!
//! sqlx runs every SQLite connection on a worker thread and hands each statement to it through
//! a channel, so every statement costs two thread wake-ups (about 30–40 µs on a small server),
//! more than SQLite's own work for a small write. The flow engine commits every action before it
//! answers, and an action writes five tables; through sqlx that is seven round trips (`BEGIN`,
//! five statements, `COMMIT`) around one fsync. Here the whole transaction is one job: the
//! caller sends a closure, the writer thread runs `BEGIN IMMEDIATE`, the statements and the
//! commit without a hop between them, and answers once. The statements are the same SQL texts
//! as the sqlx ones (`flow::on_writer`), prepared once and cached on the connection.
//!
//! The writer is a second connection to the same file, next to sqlx's pool. SQLite serialises
//! writers with its file lock; both sides wait for it (busy timeout), so a transaction of the
//! pool and one of the writer never interleave.

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::{Result, StoreError};

type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// What the writer threads of this process have done, for the operators' figures
/// (`/metrics`): jobs waiting, jobs run, and the time spent running them (each a write
/// transaction with its commit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Jobs queued and not yet started.
    pub queued: u64,
    /// Jobs run.
    pub jobs: u64,
    /// Time spent in them, in microseconds.
    pub busy_micros: u64,
}

static QUEUED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static JOBS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static BUSY_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The writer threads' figures so far.
pub fn stats() -> WriterStats {
    use std::sync::atomic::Ordering::Relaxed;
    WriterStats {
        queued: QUEUED.load(Relaxed),
        jobs: JOBS.load(Relaxed),
        busy_micros: BUSY_MICROS.load(Relaxed),
    }
}

/// The sending side of the writer thread. The thread stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
    reader: Arc<Mutex<rusqlite::Connection>>,
}

/// A read on the writer's own read-only connection (see [`SqliteWriter::read`]).
pub struct ReadConn<'c>(pub(crate) &'c rusqlite::Connection);

/// The writer's open transaction (`BEGIN IMMEDIATE`). Dropping it without [`WriteTx::commit`]
/// rolls it back.
pub struct WriteTx<'c>(pub(crate) rusqlite::Transaction<'c>);

impl WriteTx<'_> {
    /// Makes the transaction durable (`synchronous=FULL`: the WAL is synced before this returns).
    pub fn commit(self) -> Result<()> {
        self.0.commit()?;
        Ok(())
    }
}

impl SqliteWriter {
    /// Opens the writer's connection to an existing database file (created and migrated through
    /// the pool) with the pool's settings: WAL, `synchronous=FULL`, foreign keys, a busy timeout;
    /// and a page cache of 16 MB, since this connection writes every hot page.
    pub fn open(path: &Path) -> Result<SqliteWriter> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        let mode: String = conn.query_row("pragma journal_mode = wal", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Writer(format!(
                "the database is in journal mode {mode}, not WAL"
            )));
        }
        conn.execute_batch(
            "pragma synchronous = full; pragma foreign_keys = on; pragma cache_size = -16384;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        let checkpointer = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointer.busy_timeout(Duration::from_secs(30))?;
        checkpointer.execute_batch("pragma synchronous = full; pragma wal_autocheckpoint = 0;")?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let (alive, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("xn-sqlite-writer".into())
            .spawn(move || {
                let _alive = alive;
                let mut conn = conn;
                use std::sync::atomic::Ordering::Relaxed;
                while let Some(job) = next_job(&queue) {
                    QUEUED.fetch_sub(1, Relaxed);
                    let started = std::time::Instant::now();
                    job(&mut conn);
                    let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    JOBS.fetch_add(1, Relaxed);
                    BUSY_MICROS.fetch_add(took, Relaxed);
                }
            })
            .map_err(|e| StoreError::Writer(format!("cannot start the writer thread: {e}")))?;
        std::thread::Builder::new()
            .name("xn-sqlite-ckpt".into())
            .spawn(move || {
                // Until the writer thread ends and its end of the channel drops. When a pass
                // finds every page already copied, the next comes later.
                let mut wait = CHECKPOINT_EVERY;
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                    let pass = checkpointer.query_row("pragma wal_checkpoint(passive)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    wait = match pass {
                        Ok((in_wal, copied)) if in_wal > copied => CHECKPOINT_EVERY,
                        Ok(_) => CHECKPOINT_IDLE,
                        Err(e) => {
                            tracing::warn!(error = %e, "WAL checkpoint failed");
                            CHECKPOINT_IDLE
                        }
                    };
                }
            })
            .map_err(|e| StoreError::Writer(format!("cannot start the checkpoint thread: {e}")))?;
        let reader = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        reader.busy_timeout(Duration::from_secs(30))?;
        reader.set_prepared_statement_cache_capacity(16);
        Ok(SqliteWriter {
            jobs,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    /// Runs a read on the caller's thread through a read-only connection of the writer's own.
    /// The flow lane reads the cases it does not hold this way: a read through the pool costs
    /// three round trips to a pool connection's worker thread (`BEGIN`, the query, the end of
    /// the transaction), each a pair of thread wake-ups dearer than the read itself. The read
    /// sees the last commit (WAL: it never waits for the writer).
    pub fn read<R>(&self, f: impl FnOnce(&ReadConn<'_>) -> Result<R>) -> Result<R> {
        // A read that panicked left the connection as it was: take the lock back.
        let conn = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&ReadConn(&conn))
    }

    /// Runs `f` in one write transaction on the writer thread and answers what it returns. `f`
    /// commits with [`WriteTx::commit`]; if it returns without committing, nothing it wrote is
    /// kept.
    pub async fn run<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(WriteTx<'_>) -> Result<R> + Send + 'static,
    {
        self.submit(f)?
            .await
            .map_err(|_| StoreError::Writer("the writer thread dropped a job".into()))?
    }

    /// Queues `f` as [`SqliteWriter::run`] does and answers at once with where its result will
    /// come: jobs run in the order they were queued.
    pub fn submit<R, F>(&self, f: F) -> Result<tokio::sync::oneshot::Receiver<Result<R>>>
    where
        R: Send + 'static,
        F: FnOnce(WriteTx<'_>) -> Result<R> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let r = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::from)
                .and_then(|tx| f(WriteTx(tx)));
            let _ = reply.send(r);
        });
        QUEUED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.jobs.send(job).is_err() {
            QUEUED.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            return Err(StoreError::Writer("the writer thread has stopped".into()));
        }
        Ok(answer)
    }
}

/// How often the checkpoint thread copies pages from the WAL into the database file. The
/// writer's own checkpoint (every thousand WAL pages, SQLite's default) then finds most pages
/// already copied and only finishes the tail, which lets the WAL start over; without it the
/// committing thread copies every page itself.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(20);

/// How long the checkpoint thread waits after a pass that found nothing left to copy.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(500);

/// How long the writer keeps looking for the next job before it sleeps. A lone caller sends
/// its next batch a few tens of microseconds after the answer to the last; waking a sleeping
/// thread costs about as much again.
const SPIN: Duration = Duration::from_micros(200);

/// The next job, `None` once every sender is gone.
fn next_job(queue: &mpsc::Receiver<Job>) -> Option<Job> {
    let start = std::time::Instant::now();
    loop {
        match queue.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < SPIN => std::thread::yield_now(),
            Err(mpsc::TryRecvError::Empty) => return queue.recv().ok(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg) => match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::Conflict(msg.clone().unwrap_or_else(|| e.to_string()))
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                    StoreError::Reference(msg.clone().unwrap_or_else(|| e.to_string()))
                }
                _ => StoreError::Writer(e.to_string()),
            },
            _ => StoreError::Writer(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_commits_or_leaves_nothing() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("w.db");
        let db = crate::Db::open_sqlite(&path).await?;
        let crate::Db::Sqlite(pool) = &db else {
            anyhow::bail!("not sqlite")
        };
        sqlx::query("create table t (id integer primary key, v text not null unique)")
            .execute(pool)
            .await?;
        let w = SqliteWriter::open(&path)?;
        w.run(|tx| {
            tx.0.execute("insert into t (v) values ('a')", [])?;
            tx.commit()
        })
        .await?;
        // Not committed: rolled back.
        w.run(|tx| {
            tx.0.execute("insert into t (v) values ('b')", [])?;
            Ok(())
        })
        .await?;
        // A uniqueness failure is a conflict, and the job's other writes go with it.
        let dup = w
            .run(|tx| {
                tx.0.execute("insert into t (v) values ('c')", [])?;
                tx.0.execute("insert into t (v) values ('a')", [])?;
                tx.commit()
            })
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        let rows: Vec<(String,)> = sqlx::query_as("select v from t order by v")
            .fetch_all(pool)
            .await?;
        assert_eq!(rows, vec![("a".to_owned(),)]);
        // The writer's read-only connection sees what it committed, and cannot write.
        let seen: i64 = w.read(|r| {
            Ok(r.0.query_row("select count(*) from t", [], |row| row.get(0))?)
        })?;
        assert_eq!(seen, 1);
        let write = w.read(|r| Ok(r.0.execute("insert into t (v) values ('d')", [])?));
        assert!(write.is_err(), "{write:?}");
        Ok(())
    }
}
