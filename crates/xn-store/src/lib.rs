//! Every SQL statement of xiaoneng, on SQLite and PostgreSQL.
//!
//! One SQL text per query, written in the portable subset (`$1` placeholders, `returning`,
//! `on conflict`): the [`with_db!`] and [`with_tx!`] macros expand the same text against
//! whichever concrete pool the installation runs on, so each query is written once and checked
//! on both engines by the test suite. Where the engines truly differ (connection set-up, the
//! write-lock at `begin`) the branch is here and marked as such.
//!
//! Schema conventions: ids BIGINT, instants BIGINT epoch milliseconds UTC, flags SMALLINT,
//! business dates TEXT `YYYY-MM-DD`, enumerations TEXT with CHECK. This module holds no rules:
//! it stores what the service layer decided.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Runs `$body` with `$c` bound to the concrete pool of `$db` (`&SqlitePool` or `&PgPool`).
/// The body is compiled once per engine: keep it to one SQL text.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => $body,
            $crate::Db::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the open transaction's connection.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.0 {
            $crate::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub mod area_writes;
pub mod audit_chain;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod complaints;
pub mod documents;
pub mod efficiency;
pub mod efficiency_alerts;
pub mod efficiency_figures;
pub mod events;
pub mod factor;
pub mod flow;
pub mod information;
pub mod information_commissions;
pub mod jobs;
pub mod management;
pub mod meetings;
pub mod moving;
pub mod notifications;
pub mod notify;
pub mod opinions;
pub mod org;
pub mod research;
pub mod satisfaction;
pub mod sealing;
pub mod search;
pub mod service;
pub mod service_urges;
pub mod study;
pub mod supervision;
pub mod writer;

/// A failure of the store, classified so that callers can answer precisely.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or version check failed; the text names the constraint when known.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row refers to one that does not exist (or is still referred to).
    #[error("reference: {0}")]
    Reference(String),
    /// Anything else the database said.
    #[error("database: {0}")]
    Db(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The SQLite writer thread ([`writer::SqliteWriter`]) failed.
    #[error("sqlite writer: {0}")]
    Writer(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(d.constraint().unwrap_or(d.message()).to_owned())
            }
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::Reference(d.constraint().unwrap_or(d.message()).to_owned())
            }
            _ => StoreError::Db(e),
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Text kept encrypted at rest (`sm4:` and Base64, or empty): a document's body and its saved
/// versions. The store moves it and never reads it; only the service seals and opens it
/// (`xn_service::at_rest`), so every place that shows such text must go through the service.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct Sealed(pub String);

impl rusqlite::types::FromSql for Sealed {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        String::column_result(v).map(Sealed)
    }
}

impl rusqlite::types::ToSql for Sealed {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

/// The database of an installation: an embedded SQLite file or a shared PostgreSQL server.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded default.
    Sqlite(SqlitePool),
    /// Several servers sharing one database.
    Postgres(PgPool),
}

/// Which engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Engine {
    /// The engine a configured database URL names; no URL is the embedded SQLite file.
    pub fn of_url(url: Option<&str>) -> Engine {
        match url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Engine::Postgres
            }
            _ => Engine::Sqlite,
        }
    }

    /// How many worker threads the async runtime should have on this engine, out of `cores`.
    ///
    /// On SQLite every flow action is written by the writer thread ([`writer`]), which works
    /// beside the runtime and under load keeps a core busy: the runtime gets the other cores,
    /// at least one, so that its threads and the writer do not take turns on the same core
    /// (on two cores, two runtime threads beside the writer made 64 concurrent actors about
    /// 20 % slower, and one actor about 10 %: bench/README.md). Heavy work (rendering,
    /// password hashing) runs on the blocking pool, not on these threads. On PostgreSQL the
    /// database works in processes of its own and the runtime gets every core.
    pub fn runtime_threads(self, cores: usize) -> usize {
        match self {
            Engine::Sqlite => cores.saturating_sub(1).max(1),
            Engine::Postgres => cores.max(1),
        }
    }
}

/// An open write transaction. Dropping it without [`Tx::commit`] rolls it back, so an error
/// half-way leaves nothing half-written.
pub struct Tx(pub TxInner);

/// The concrete transaction behind a [`Tx`].
pub enum TxInner {
    /// On SQLite.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// On PostgreSQL.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Makes everything written in this transaction durable.
    pub async fn commit(self) -> Result<()> {
        match self.0 {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Tx {
    /// Marks a point this transaction can roll back to without ending (for group commit: one
    /// failed action in a batch is undone alone).
    pub async fn savepoint(&mut self) -> Result<()> {
        with_tx!(self, c => sqlx::query("savepoint xn_action").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps what was written since [`Tx::savepoint`].
    pub async fn release_savepoint(&mut self) -> Result<()> {
        with_tx!(self, c => sqlx::query("release savepoint xn_action").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Undoes what was written since [`Tx::savepoint`].
    pub async fn rollback_to_savepoint(&mut self) -> Result<()> {
        with_tx!(self, c => sqlx::query("rollback to savepoint xn_action").execute(c).await.map(|r| r.rows_affected()))?;
        with_tx!(self, c => sqlx::query("release savepoint xn_action").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Which engine this transaction runs on.
    pub fn engine(&self) -> Engine {
        match self.0 {
            TxInner::Sqlite(_) => Engine::Sqlite,
            TxInner::Postgres(_) => Engine::Postgres,
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// The pool's connections: (open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        with_db!(self, p => (p.size(), p.num_idle()))
    }

    /// Opens (creating if needed) the SQLite file `path` with the settings official records
    /// need: WAL, `synchronous=FULL` (a committed action survives a power cut), foreign keys on,
    /// and a busy timeout so that writers queue instead of failing.
    pub async fn open_sqlite(path: &Path) -> Result<Db> {
        owner_only(path)?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        // A connection to a local file does not go stale: no ping before each use (it would
        // cost a round trip to the connection's worker thread every time).
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Connects to PostgreSQL. `search_path`, when given, confines this pool to one schema
    /// (the tests give each test its own).
    pub async fn open_postgres(url: &str, search_path: Option<&str>) -> Result<Db> {
        let mut opts = PgConnectOptions::from_str(url)?;
        if let Some(schema) = search_path {
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// Opens the database a URL names: `postgres://…` / `postgresql://…`, or `sqlite://PATH`.
    pub async fn open_url(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::open_postgres(url, None).await
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Db::open_sqlite(Path::new(path)).await
        } else {
            Err(StoreError::Db(sqlx::Error::Configuration(
                "database URL must start with postgres:// or sqlite://".into(),
            )))
        }
    }

    /// The file of an SQLite database (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match self {
            Db::Sqlite(p) => Some(p.connect_options().get_filename().to_path_buf()),
            Db::Postgres(_) => None,
        }
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to date. PostgreSQL's migrator takes an advisory lock, so several
    /// servers may start at once.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Brings the schema up to migration `version` and no further: for tests of what a later
    /// migration does to rows written before it.
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run_to(version, p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run_to(version, p).await?,
        }
        Ok(())
    }

    /// Opens a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a transaction that reads before it writes can never fail to upgrade.
    pub async fn begin(&self) -> Result<Tx> {
        // Engine difference: SQLite's deferred BEGIN would let two writers read the same
        // snapshot and then fail with SQLITE_BUSY_SNAPSHOT; PostgreSQL uses row locks instead.
        Ok(match self {
            Db::Sqlite(p) => Tx(TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?)),
            Db::Postgres(p) => Tx(TxInner::Postgres(p.begin().await?)),
        })
    }

    /// Opens a read-only transaction, for reads that walk several rows with the helpers that
    /// take a transaction. On SQLite it is deferred and takes no write lock; it must not write.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx(TxInner::Sqlite(p.begin().await?)),
            Db::Postgres(p) => Tx(TxInner::Postgres(p.begin().await?)),
        })
    }

    /// Answers whether the database takes a query (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        with_db!(self, c => sqlx::query("select 1").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        with_db!(self, c => c.close().await)
    }
}

/// Converts a flag stored as SMALLINT.
pub fn flag(v: i16) -> bool {
    v != 0
}

/// The database file is readable and writable by its owner only (mode 0600 on Unix): created
/// so when missing, narrowed so when found wider. SQLite gives the WAL and shared-memory files
/// the database file's mode. Elsewhere the platform's default stands.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Db(sqlx::Error::Io(e));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        let mode = file.metadata().map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = std::path::PathBuf::from(side);
            if let Ok(m) = std::fs::metadata(&side)
                && m.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> std::io::Result<u32> {
        Ok(std::fs::metadata(p)?.permissions().mode() & 0o777)
    }

    #[tokio::test]
    async fn the_database_files_are_the_owners_alone() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        // A new database, and its WAL once written.
        let path = dir.path().join("new.db");
        let db = super::Db::open_sqlite(&path).await?;
        let super::Db::Sqlite(pool) = &db else {
            anyhow::bail!("not sqlite")
        };
        sqlx::query("create table t (v integer)")
            .execute(pool)
            .await?;
        assert_eq!(mode(&path)?, 0o600);
        assert_eq!(mode(&dir.path().join("new.db-wal"))?, 0o600);
        db.close().await;
        // A database found readable by others is narrowed.
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"")?;
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644))?;
        let db = super::Db::open_sqlite(&old).await?;
        assert_eq!(mode(&old)?, 0o600);
        db.close().await;
        Ok(())
    }
}
