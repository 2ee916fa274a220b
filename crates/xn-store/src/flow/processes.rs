//! Process definitions: each stored text a new version of its key, for a unit or shipped.
//!
//! Holds the rows only; parsing and validating a definition is the domain's
//! (`xn_domain::flow::ProcessDef`), choosing the version a unit uses is the service's.

use crate::{Db, Result, Tx};

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

/// The latest version of a key for each of some units, and the shipped default (unit `None`),
/// read inside a transaction: (unit, row), newest version per unit.
pub async fn latest_processes_tx(
    tx: &mut Tx,
    key: &str,
    units: &[i64],
) -> Result<Vec<(Option<i64>, ProcessRow)>> {
    let mut out = Vec::new();
    for unit in units.iter().map(|u| Some(*u)).chain([None]) {
        let sql = format!(
            "select {PROCESS_COLUMNS} from processes where key = $1 and coalesce(unit_id, 0) = $2
             order by version desc limit 1"
        );
        let row: Option<ProcessRow> = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(key).bind(unit.unwrap_or(0)).fetch_optional(c).await)?;
        if let Some(r) = row {
            out.push((unit, r));
        }
    }
    Ok(out)
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
