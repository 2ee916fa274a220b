//! Copying an SQLite installation into an empty PostgreSQL database (`xiaoneng
//! move-to-postgres`), table by table, and proving the copy.
//!
//! Rows are read from SQLite by the type each value has there and written to PostgreSQL with
//! `COPY … FROM STDIN` (text format) in the types the PostgreSQL schema declares, all tables in
//! one transaction in an order that satisfies their foreign keys. Before that transaction
//! commits, every table is read back with `COPY … TO STDOUT` and compared with what was sent:
//! the same number of rows and the same digest of them (a sum of each row's SM3, so the order
//! rows come back in does not matter). The search index is the one thing not copied: the two
//! engines index differently (FTS5 tables against tsvectors), so the caller rebuilds it.

use futures_util::{StreamExt, TryStreamExt};
use sm3::Digest;
use sqlx::{Row, TypeInfo, ValueRef};

use crate::backup::{quoted, quoted_list};
use crate::{Db, Result, StoreError};

/// SQLite's tables of the search index (FTS5 and its shadow tables): rebuilt, not copied.
const SQLITE_INDEX_PREFIX: &str = "document_fts";

/// PostgreSQL's table of the search index: left empty by the copy, rebuilt by the caller.
const POSTGRES_INDEX_TABLE: &str = "document_search";

/// Rows sent to PostgreSQL per `COPY` chunk, in bytes.
const CHUNK: usize = 1 << 20;

/// One table moved: its rows and their digest, the same on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The table.
    pub table: String,
    /// Rows copied (and found again).
    pub rows: u64,
    /// The rows' digest: the sum of each row's SM3 (its first 16 bytes), in hex.
    pub digest: String,
}

/// What a column holds on PostgreSQL, as far as the copy must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Bytes,
    /// Text and anything else written in its text form.
    Text,
}

impl Kind {
    fn of(pg_type: &str) -> Kind {
        match pg_type {
            "int2" | "int4" | "int8" => Kind::Int,
            "float4" | "float8" | "numeric" => Kind::Float,
            "bool" => Kind::Bool,
            "bytea" => Kind::Bytes,
            _ => Kind::Text,
        }
    }
}

/// An order-free digest of a table's rows: their number and the sum of their hashes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct RowSum {
    rows: u64,
    sum: u128,
}

impl RowSum {
    fn add(&mut self, line: &[u8]) {
        let h = sm3::Sm3::digest(line);
        let mut first = [0u8; 16];
        first.copy_from_slice(&h[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
    }
}

fn refused(message: String) -> StoreError {
    StoreError::Conflict(message)
}

/// Appends a value in COPY's text format: backslash, tab, line ends and the other escapes
/// PostgreSQL writes itself, so a value read back is byte for byte what was sent.
fn push_text(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.push(b),
        }
    }
}

/// A float as PostgreSQL reads it (and, compared by value, as it writes it back).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        format!("{f:?}")
    }
}

/// One SQLite value as COPY text for a PostgreSQL column of `kind`; `None` for NULL.
fn field(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    kind: Kind,
) -> std::result::Result<Option<String>, String> {
    let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(None);
    }
    let stored = raw.type_info().name().to_owned();
    let text = match (stored.as_str(), kind) {
        ("INTEGER", Kind::Bool) => {
            let v: i64 = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            if v != 0 { "t" } else { "f" }.to_owned()
        }
        ("INTEGER", _) => {
            let v: i64 = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            if kind == Kind::Bytes {
                return Err(format!("整数（{v}）不能存入字节列"));
            }
            v.to_string()
        }
        ("REAL", _) => {
            let v: f64 = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            match kind {
                Kind::Int if v.fract() == 0.0 && v.abs() < 9.0e18 => format!("{v:.0}"),
                Kind::Int | Kind::Bool | Kind::Bytes => {
                    return Err(format!("小数（{v}）不能存入整数列"));
                }
                Kind::Float | Kind::Text => float_text(v),
            }
        }
        ("BLOB", Kind::Bytes) => {
            let v: Vec<u8> = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            let mut hex = String::with_capacity(2 + v.len() * 2);
            hex.push_str("\\x");
            for b in v {
                hex.push_str(&format!("{b:02x}"));
            }
            hex
        }
        ("BLOB", _) => {
            let v: Vec<u8> = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            let text = String::from_utf8(v)
                .map_err(|_| "不是 UTF-8 文本的字节不能存入文本列".to_owned())?;
            if text.contains('\0') {
                return Err("文本含 NUL 字符，PostgreSQL 不能存储".into());
            }
            text
        }
        (_, Kind::Bytes) => {
            let v: String = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            let mut hex = String::from("\\x");
            for b in v.bytes() {
                hex.push_str(&format!("{b:02x}"));
            }
            hex
        }
        (_, Kind::Int) => {
            let v: String = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("文本（{v:?}）不能存入整数列"))?
                .to_string()
        }
        (_, Kind::Float) => {
            let v: String = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            float_text(
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("文本（{v:?}）不能存入数值列"))?,
            )
        }
        (_, Kind::Bool) => {
            let v: String = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            match v.trim() {
                "1" | "t" | "true" => "t",
                "0" | "f" | "false" => "f",
                _ => return Err(format!("文本（{v:?}）不能存入是否列")),
            }
            .to_owned()
        }
        (_, Kind::Text) => {
            let v: String = row.try_get_unchecked(i).map_err(|e| e.to_string())?;
            if v.contains('\0') {
                return Err("文本含 NUL 字符，PostgreSQL 不能存储".into());
            }
            v
        }
    };
    Ok(Some(text))
}

/// A line PostgreSQL wrote for the table, in the form the digest compares: floats by value.
fn canonical_line(line: &[u8], kinds: &[Kind]) -> Vec<u8> {
    if !kinds.contains(&Kind::Float) {
        return line.to_vec();
    }
    let mut out = Vec::with_capacity(line.len());
    for (i, f) in line.split(|b| *b == b'\t').enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        let float = kinds.get(i) == Some(&Kind::Float) && f != b"\\N";
        match std::str::from_utf8(f)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
        {
            Some(v) if float => out.extend_from_slice(float_text(v).as_bytes()),
            _ => out.extend_from_slice(f),
        }
    }
    out
}

impl Db {
    /// PostgreSQL, freshly migrated to the schema version of `source` (an SQLite database at
    /// that same version): replaces every table's rows with the rows of `source`, advances the
    /// sequences past the ids copied, and reads every table back to prove the copy before it
    /// commits. One transaction: a move that fails leaves the target as it was. `progress` is
    /// told each table as it is done. The search index (`document_search`) is left empty for
    /// the caller to rebuild.
    pub async fn copy_from_sqlite(
        &self,
        source: &Db,
        progress: &mut (dyn FnMut(&Moved) + Send),
    ) -> Result<Vec<Moved>> {
        let Db::Postgres(pool) = self else {
            return Err(refused("the target is not a PostgreSQL database".into()));
        };
        let Db::Sqlite(sqlite) = source else {
            return Err(refused("the source is not an SQLite database".into()));
        };
        let ordered = self.tables_in_order().await?;
        let sqlite_tables: Vec<String> = sqlx::query_scalar(
            "select name from sqlite_master where type = 'table'
              and name not like 'sqlite_%' and name <> '_sqlx_migrations' order by name",
        )
        .fetch_all(sqlite)
        .await?;
        if let Some(t) = sqlite_tables
            .iter()
            .find(|t| !t.starts_with(SQLITE_INDEX_PREFIX) && !ordered.contains(t))
        {
            return Err(refused(format!(
                "SQLite 数据库的表 {t} 在 PostgreSQL 上没有对应的表"
            )));
        }
        // Truncated and not filled, a table only PostgreSQL has would lose what the migrations
        // put in it: only the search index, which is rebuilt, may be such a table.
        if let Some(t) = ordered
            .iter()
            .find(|t| *t != POSTGRES_INDEX_TABLE && !sqlite_tables.contains(t))
        {
            return Err(refused(format!(
                "PostgreSQL 上的表 {t} 在 SQLite 数据库中没有对应的表"
            )));
        }
        let copied: Vec<&String> = ordered
            .iter()
            .filter(|t| sqlite_tables.contains(t))
            .collect();
        let mut tx = pool.begin().await?;
        // Bytes read back as the copy wrote them, whatever the server's default output.
        sqlx::query("set local bytea_output = 'hex'")
            .execute(&mut *tx)
            .await?;
        let all = quoted_list(&ordered);
        // What the migrations seeded is replaced by what the installation holds. Names from
        // the catalog, quoted.
        sqlx::query(sqlx::AssertSqlSafe(format!("truncate {all}")))
            .execute(&mut *tx)
            .await?;
        let mut moved = Vec::new();
        for table in copied {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "select a.attname::text, t.typname::text
                   from pg_attribute a join pg_type t on t.oid = a.atttypid
                  where a.attrelid = $1::regclass and a.attnum > 0
                    and not a.attisdropped and a.attgenerated = ''
                  order by a.attnum",
            )
            .bind(quoted(table))
            .fetch_all(&mut *tx)
            .await?;
            let mut on_sqlite: Vec<String> =
                sqlx::query_scalar("select name from pragma_table_info($1)")
                    .bind(table)
                    .fetch_all(sqlite)
                    .await?;
            let mut on_pg: Vec<String> = columns.iter().map(|(c, _)| c.clone()).collect();
            on_sqlite.sort();
            on_pg.sort();
            if on_sqlite != on_pg {
                return Err(refused(format!(
                    "表 {table} 的列在 SQLite 上为（{}），在 PostgreSQL 上为（{}）",
                    on_sqlite.join("、"),
                    on_pg.join("、")
                )));
            }
            let list = columns
                .iter()
                .map(|(c, _)| quoted(c))
                .collect::<Vec<_>>()
                .join(", ");
            let kinds: Vec<Kind> = columns.iter().map(|(_, t)| Kind::of(t)).collect();
            let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            let sent = copy_table(sqlite, &mut tx, table, &list, &names, &kinds).await?;
            let found = read_back(&mut tx, table, &list, &kinds).await?;
            if sent != found {
                return Err(refused(format!(
                    "表 {table} 写入 {} 行，读回 {} 行，校验值不符",
                    sent.rows, found.rows
                )));
            }
            let m = Moved {
                table: table.clone(),
                rows: sent.rows,
                digest: format!("{:032x}", sent.sum),
            };
            progress(&m);
            moved.push(m);
        }
        crate::backup::advance_sequences(&mut tx).await?;
        tx.commit().await?;
        Ok(moved)
    }
}

impl Db {
    /// Queues every document to be indexed again (the re-index backlog the server's sweep
    /// works off): for a database whose rows were copied without their search index.
    pub async fn queue_whole_index(&self) -> Result<u64> {
        let sql = "insert into search_queue (document_id, queued_at)
                   select id, 0 from documents where true
                   on conflict (document_id) do nothing";
        Ok(with_db!(self, c => sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()))?)
    }

    /// Whether a database with tables holds no installation: nobody in it and nothing ever
    /// recorded. Only what a move that was cut short leaves (the schema, migrated, and what the
    /// migrations seed) looks like that; a database anyone used does not.
    pub async fn holds_no_installation(&self) -> Result<bool> {
        let n: i64 = with_db!(self, c => sqlx::query_scalar(
            "select (select count(*) from persons) + (select count(*) from events)")
            .fetch_one(c).await)?;
        Ok(n == 0)
    }

    /// PostgreSQL: removes what a move that failed left behind in a database that was empty
    /// when it began (its tables, sequences and the schema's own functions), so the move can
    /// be run again. Never called on a database that held tables before the move.
    pub async fn undo_failed_move(&self) -> Result<()> {
        let Db::Postgres(pool) = self else {
            return Err(refused("not a PostgreSQL database".into()));
        };
        let mut tx = pool.begin().await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "select c.relname::text from pg_class c
              where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')",
        )
        .fetch_all(&mut *tx)
        .await?;
        if !tables.is_empty() {
            let all = quoted_list(&tables);
            // Names from the catalog, quoted.
            sqlx::query(sqlx::AssertSqlSafe(format!("drop table {all} cascade")))
                .execute(&mut *tx)
                .await?;
        }
        let functions: Vec<String> = sqlx::query_scalar(
            "select p.oid::regprocedure::text from pg_proc p
              where p.pronamespace = current_schema()::regnamespace and p.proname like 'xn\\_%'",
        )
        .fetch_all(&mut *tx)
        .await?;
        for f in functions {
            // A signature from the catalog.
            sqlx::query(sqlx::AssertSqlSafe(format!("drop function {f} cascade")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Streams one table from SQLite into the open COPY of the same table on PostgreSQL.
async fn copy_table(
    sqlite: &sqlx::SqlitePool,
    tx: &mut sqlx::PgConnection,
    table: &str,
    list: &str,
    names: &[&str],
    kinds: &[Kind],
) -> Result<RowSum> {
    let id_column = names.iter().position(|n| *n == "id");
    // PostgreSQL's own refusals (a number out of range, a reference to a missing row) name
    // the table they happened in.
    let said = |e: sqlx::Error| refused(format!("表 {table}：PostgreSQL 拒绝写入：{e}"));
    let mut sum = RowSum::default();
    let mut copy = tx
        .copy_in_raw(&format!("copy {} ({list}) from stdin", quoted(table)))
        .await?;
    // Names from the catalog, quoted.
    let select = format!("select {list} from {}", quoted(table));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(sqlite);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut line: Vec<u8> = Vec::with_capacity(256);
    while let Some(row) = rows.try_next().await? {
        line.clear();
        for (i, kind) in kinds.iter().enumerate() {
            if i > 0 {
                line.push(b'\t');
            }
            match field(&row, i, *kind) {
                Ok(Some(text)) => push_text(&mut line, &text),
                Ok(None) => line.extend_from_slice(b"\\N"),
                Err(why) => {
                    let _ = copy.abort("refused").await;
                    let which = id_column
                        .and_then(|c| row.try_get::<i64, _>(c).ok())
                        .map_or_else(
                            || format!("第 {} 行", sum.rows + 1),
                            |id| format!("id 为 {id} 的行"),
                        );
                    return Err(refused(format!(
                        "表 {table} 中{which}，列 {}：{why}",
                        names.get(i).copied().unwrap_or("?")
                    )));
                }
            }
        }
        sum.add(&canonical_line(&line, kinds));
        line.push(b'\n');
        buf.extend_from_slice(&line);
        if buf.len() >= CHUNK {
            copy.send(buf.as_slice()).await.map_err(said)?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_slice()).await.map_err(said)?;
    }
    let n = copy.finish().await.map_err(said)?;
    if n != sum.rows {
        return Err(refused(format!(
            "表 {table} 写入 {} 行，PostgreSQL 收到 {n} 行",
            sum.rows
        )));
    }
    Ok(sum)
}

/// Reads a table back from PostgreSQL, in the same columns, as the digest of its rows.
async fn read_back(
    tx: &mut sqlx::PgConnection,
    table: &str,
    list: &str,
    kinds: &[Kind],
) -> Result<RowSum> {
    let mut sum = RowSum::default();
    let mut stream = tx
        .copy_out_raw(&format!("copy {} ({list}) to stdout", quoted(table)))
        .await?;
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        pending.extend_from_slice(&chunk?);
        let mut start = 0;
        while let Some(end) = pending[start..].iter().position(|b| *b == b'\n') {
            sum.add(&canonical_line(&pending[start..start + end], kinds));
            start += end + 1;
        }
        pending.drain(..start);
    }
    if !pending.is_empty() {
        return Err(refused(format!("表 {table} 读回时在一行中间结束")));
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_as_copy_writes_it() {
        let mut out = Vec::new();
        push_text(&mut out, "a\\b\tc\nd\re\u{8}f\u{b}g\u{c}h 中文");
        assert_eq!(
            out,
            b"a\\\\b\\tc\\nd\\re\\bf\\vg\\fh \xe4\xb8\xad\xe6\x96\x87"
        );
    }

    #[test]
    fn floats_compare_by_value() {
        let kinds = [Kind::Int, Kind::Float, Kind::Text];
        assert_eq!(
            canonical_line(b"1\t1e+20\t1e+20", &kinds),
            canonical_line(b"1\t100000000000000000000\t1e+20", &kinds)
        );
        assert_ne!(
            canonical_line(b"1\t2\t1e+20", &kinds),
            canonical_line(b"1\t2\t100000000000000000000", &kinds)
        );
        assert_eq!(canonical_line(b"1\t\\N\tx", &kinds), b"1\t\\N\tx".to_vec());
    }

    #[test]
    fn the_digest_ignores_order_and_counts_rows() {
        let mut a = RowSum::default();
        a.add(b"1\tx");
        a.add(b"2\ty");
        let mut b = RowSum::default();
        b.add(b"2\ty");
        b.add(b"1\tx");
        assert_eq!(a, b);
        b.add(b"2\ty");
        assert_ne!(a, b);
    }
}
