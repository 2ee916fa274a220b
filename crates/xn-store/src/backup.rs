//! Consistent copies of a live database and their restoration (`xiaoneng backup`, `restore`).
//!
//! - **SQLite**: `VACUUM INTO` writes a copy of the database as of one read transaction while
//!   writers go on. A copy of the file itself is not a backup: `cp` of a live file lost
//!   acknowledged cases, and the `.backup` command restarts whenever a writer commits, so under
//!   load it never finishes.
//! - **PostgreSQL**: every table of the schema as `COPY … TO STDOUT` (text format) inside one
//!   repeatable-read, read-only transaction, so all tables are of one moment. Restored into an
//!   empty database migrated to the same schema version, tables in an order that satisfies
//!   their foreign keys, sequences moved past the restored ids.

use std::path::Path;

use futures_util::StreamExt;

use crate::{Db, Result, StoreError};

/// The table sqlx keeps the applied migrations in: restored by migrating, not copied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Receives a PostgreSQL dump table by table: its name, then its rows in chunks.
pub trait DumpSink {
    /// A table begins.
    fn table(&mut self, name: &str) -> std::io::Result<()>;
    /// Rows of the current table (COPY text format).
    fn chunk(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

/// A name from the catalog as an SQL identifier.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Names from the catalog as a comma-separated list of SQL identifiers.
pub(crate) fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quoted(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Writer(format!("backup: {e}"))
}

/// The newest migration this build carries for an engine.
pub fn newest_migration(engine: crate::Engine) -> i64 {
    let m = match engine {
        crate::Engine::Sqlite => &crate::SQLITE_MIGRATIONS,
        crate::Engine::Postgres => &crate::POSTGRES_MIGRATIONS,
    };
    m.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Db {
    /// The database server's clock (epoch ms) on PostgreSQL; `None` on SQLite, whose clock is
    /// this machine's.
    pub async fn server_clock_ms(&self) -> Result<Option<i64>> {
        match self {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(p) => Ok(Some(
                sqlx::query_scalar("select (extract(epoch from clock_timestamp()) * 1000)::bigint")
                    .fetch_one(p)
                    .await?,
            )),
        }
    }

    /// When the newest recorded event happened (epoch ms), if any: a clock behind it has gone
    /// backwards.
    pub async fn newest_event_ms(&self) -> Result<Option<i64>> {
        Ok(
            with_db!(self, c => sqlx::query_scalar("select max(at) from events")
            .fetch_one(c).await)?,
        )
    }

    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = with_db!(self, c => sqlx::query_scalar(
            "select max(version) from _sqlx_migrations where success")
            .fetch_one(c).await)?;
        v.ok_or_else(|| StoreError::Conflict("the database has no migrations applied".into()))
    }

    /// SQLite: a consistent copy of the database, as of one moment, written to `to` (which
    /// must not exist) while others go on writing.
    pub async fn snapshot_sqlite(&self, to: &Path) -> Result<()> {
        let Db::Sqlite(pool) = self else {
            return Err(StoreError::Conflict("not an SQLite database".into()));
        };
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::Conflict("the backup path is not UTF-8".into()))?;
        sqlx::query("vacuum into $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// The tables of this database in an order that satisfies foreign keys (a table after
    /// every table it references), without sqlx's migrations table.
    pub async fn tables_in_order(&self) -> Result<Vec<String>> {
        let (tables, refs): (Vec<String>, Vec<(String, String)>) = match self {
            Db::Sqlite(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "select name from sqlite_master where type = 'table'
                      and name not like 'sqlite_%' order by name",
                )
                .fetch_all(pool)
                .await?;
                let mut refs = Vec::new();
                for t in &tables {
                    let to: Vec<String> = sqlx::query_scalar(
                        "select distinct \"table\" from pragma_foreign_key_list($1)",
                    )
                    .bind(t)
                    .fetch_all(pool)
                    .await?;
                    refs.extend(to.into_iter().map(|r| (t.clone(), r)));
                }
                (tables, refs)
            }
            Db::Postgres(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "select c.relname::text from pg_class c
                      where c.relnamespace = current_schema()::regnamespace
                        and c.relkind in ('r', 'p') order by 1",
                )
                .fetch_all(pool)
                .await?;
                let refs: Vec<(String, String)> = sqlx::query_as(
                    "select c.conrelid::regclass::text, c.confrelid::regclass::text
                       from pg_constraint c
                      where c.contype = 'f'
                        and c.connamespace = current_schema()::regnamespace",
                )
                .fetch_all(pool)
                .await?;
                // regclass prints a name qualified when it is not on the search path.
                let bare = |s: String| s.rsplit('.').next().unwrap_or_default().replace('"', "");
                (
                    tables,
                    refs.into_iter().map(|(a, b)| (bare(a), bare(b))).collect(),
                )
            }
        };
        let mut left: Vec<String> = tables
            .into_iter()
            .filter(|t| t != MIGRATIONS_TABLE)
            .collect();
        let mut ordered: Vec<String> = Vec::with_capacity(left.len());
        while !left.is_empty() {
            let before = left.len();
            let mut i = 0;
            while i < left.len() {
                let t = &left[i];
                let waits = refs
                    .iter()
                    .any(|(from, to)| from == t && to != t && left.contains(to));
                if waits {
                    i += 1;
                } else {
                    ordered.push(left.remove(i));
                }
            }
            if left.len() == before {
                return Err(StoreError::Conflict(format!(
                    "foreign keys form a cycle among {}",
                    left.join(", ")
                )));
            }
        }
        Ok(ordered)
    }

    /// PostgreSQL: every table of the schema, as of one moment, into `sink`. Answers the rows
    /// written per table.
    pub async fn dump_postgres(
        &self,
        sink: &mut (dyn DumpSink + Send),
    ) -> Result<Vec<(String, u64)>> {
        let Db::Postgres(pool) = self else {
            return Err(StoreError::Conflict("not a PostgreSQL database".into()));
        };
        let tables = self.tables_in_order().await?;
        let mut tx = pool
            .begin_with("begin isolation level repeatable read read only")
            .await?;
        let mut counts = Vec::new();
        for t in &tables {
            sink.table(t).map_err(io)?;
            let mut rows = 0u64;
            {
                let mut stream = tx
                    .copy_out_raw(&format!("copy {} to stdout", quoted(t)))
                    .await?;
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
                    sink.chunk(&chunk).map_err(io)?;
                }
            }
            counts.push((t.clone(), rows));
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Every row of a table as one canonical text, sorted: for comparing two databases of one
    /// engine table by table (PostgreSQL's row-to-text cast; SQLite's `quote` of each column).
    pub async fn rows_as_text(&self, table: &str) -> Result<Vec<String>> {
        let mut rows: Vec<String> = match self {
            Db::Sqlite(pool) => {
                let cols: Vec<String> =
                    sqlx::query_scalar("select name from pragma_table_info($1) order by cid")
                        .bind(table)
                        .fetch_all(pool)
                        .await?;
                let expr = cols
                    .iter()
                    .map(|c| format!("quote({})", quoted(c)))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                // Names from the catalog, quoted.
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "select {expr} from {}",
                    quoted(table)
                )))
                .fetch_all(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "select t::text from {} t",
                    quoted(table)
                )))
                .fetch_all(pool)
                .await?
            }
        };
        rows.sort_unstable();
        Ok(rows)
    }

    /// PostgreSQL: lets `role` do what the server does and no more. It reads and writes every
    /// table of the schema, but may only read and append to the events and their seals (no
    /// update, delete or truncate) and only read the migrations' record; tables later
    /// migrations add are granted to it alike (default privileges of the role running this).
    /// Run by the tables' owner (`xiaoneng grant-runtime --role NAME`); the server then
    /// connects as `role`, and only the owner migrates.
    pub async fn grant_runtime(&self, role: &str) -> Result<()> {
        let Db::Postgres(pool) = self else {
            return Err(StoreError::Conflict(
                "roles exist on PostgreSQL only: an SQLite file belongs to the server's account"
                    .into(),
            ));
        };
        let well_formed = role.len() <= 63
            && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(StoreError::Conflict(format!(
                "a role name is lower-case letters, digits and _ (not {role:?})"
            )));
        }
        let mut tx = pool.begin().await?;
        let schema: String = sqlx::query_scalar("select current_schema()::text")
            .fetch_one(&mut *tx)
            .await?;
        let schema = format!("\"{}\"", schema.replace('"', "\"\""));
        for sql in [
            format!("grant usage on schema {schema} to {role}"),
            format!(
                "grant select, insert, update, delete on all tables in schema {schema} to {role}"
            ),
            format!("grant usage, select on all sequences in schema {schema} to {role}"),
            format!("revoke update, delete, truncate on events, event_seals from {role}"),
            format!("revoke insert, update, delete, truncate on _sqlx_migrations from {role}"),
            format!(
                "alter default privileges in schema {schema} \
                 grant select, insert, update, delete on tables to {role}"
            ),
            format!(
                "alter default privileges in schema {schema} grant usage, select on sequences to {role}"
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether this database has any table at all: a restore goes only into a database that
    /// has none (it is then migrated to the backup's version).
    pub async fn has_tables(&self) -> Result<bool> {
        let n: i64 = match self {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(
                    "select count(*) from sqlite_master where type = 'table'
                      and name not like 'sqlite_%'",
                )
                .fetch_one(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "select count(*) from pg_class
                      where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p')",
                )
                .fetch_one(pool)
                .await?
            }
        };
        Ok(n > 0)
    }

    /// PostgreSQL: restores tables dumped by [`Db::dump_postgres`] into this database, just
    /// migrated to the dump's schema version (what the migrations seeded is replaced). `next`
    /// gives each table in the dump's order with a reader of its rows. Every table and the
    /// sequences are written in one transaction: a restore that fails leaves nothing behind.
    pub async fn restore_postgres(
        &self,
        mut next: impl FnMut() -> std::io::Result<Option<(String, Box<dyn std::io::Read + Send>)>>,
    ) -> Result<Vec<(String, u64)>> {
        let Db::Postgres(pool) = self else {
            return Err(StoreError::Conflict("not a PostgreSQL database".into()));
        };
        let known = self.tables_in_order().await?;
        let mut tx = pool.begin().await?;
        let all = quoted_list(&known);
        // Names from the catalog, quoted.
        sqlx::query(sqlx::AssertSqlSafe(format!("truncate {all}")))
            .execute(&mut *tx)
            .await?;
        let mut counts = Vec::new();
        while let Some((table, mut reader)) = next().map_err(io)? {
            if !known.contains(&table) {
                return Err(StoreError::Conflict(format!(
                    "the backup holds a table this schema does not have: {table}"
                )));
            }
            let mut copy = tx
                .copy_in_raw(&format!("copy {} from stdin", quoted(&table)))
                .await?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = reader.read(&mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                copy.send(&buf[..n]).await?;
            }
            counts.push((table, copy.finish().await?));
        }
        advance_sequences(&mut tx).await?;
        tx.commit().await?;
        Ok(counts)
    }
}

/// PostgreSQL: moves the sequences of serial and identity columns past the ids a copy wrote.
pub(crate) async fn advance_sequences(tx: &mut sqlx::PgConnection) -> Result<()> {
    let owned: Vec<(String, String, String)> = sqlx::query_as(
        "select s.relname::text, t.relname::text, a.attname::text
           from pg_class s
           join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass
            and d.refclassid = 'pg_class'::regclass
           join pg_class t on t.oid = d.refobjid
           join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
          where s.relkind = 'S' and s.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (seq, table, column) in owned {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select setval($1, coalesce((select max({}) from {}), 0) + 1, false)",
            quoted(&column),
            quoted(&table)
        )))
        .bind(quoted(&seq))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
