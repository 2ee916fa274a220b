//! Cases: the row of each case with its engine state, inserted at version 1 and written only at
//! the version its new state was computed from.
//!
//! Holds the direct path's statements on `cases`; the batch's (several cases in one statement)
//! are in `batch.rs`, the writer thread's in `on_writer.rs`.

use crate::{Db, Engine, Result, StoreError, Tx};

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
    /// The area's row the case belongs to (a document, a supervision item), if any.
    pub link_id: Option<i64>,
}

pub(super) const CASE_COLUMNS: &str =
    "id, process_id, item_kind, title, body, fields, unit_id, starter_post_id,
    parent_case_id, parent_run, status, version, state, due_date, created_at, updated_at, closed_at,
    link_id";

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
    /// The area's row the case belongs to, when the area started it for one.
    pub link_id: Option<i64>,
}

/// Inserts a case at version 1.
pub async fn insert_case(tx: &mut Tx, c: &NewCase<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into cases (process_id, item_kind, title, body, fields, unit_id, starter_post_id,
                   parent_case_id, parent_run, status, version, state, due_date, created_at, updated_at,
                   link_id)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $13, $14) returning id";
    Ok(with_tx!(tx, conn => sqlx::query_scalar(sql)
        .bind(c.process_id).bind(c.item_kind).bind(c.title).bind(c.body).bind(c.fields)
        .bind(c.unit_id).bind(c.starter_post_id).bind(c.parent_case_id).bind(c.parent_run)
        .bind(c.status).bind(c.state).bind(&c.due_date).bind(now_ms).bind(c.link_id)
        .fetch_one(conn).await)?)
}

/// Names the area's row a case belongs to, when the row is written after the case (a
/// supervision item).
pub async fn set_case_link(tx: &mut Tx, case_id: i64, link_id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update cases set link_id = $2 where id = $1")
        .bind(case_id).bind(link_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
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

/// Rewrites a case's title and body (a returned internal request corrected by its drafter),
/// provided its version is still `version`; the flow state and version stay.
pub async fn revise_case(
    tx: &mut Tx,
    id: i64,
    version: i64,
    title: &str,
    body: &str,
    now_ms: i64,
) -> Result<()> {
    let sql = "update cases set title = $1, body = $2, updated_at = $3
               where id = $4 and version = $5 and status = 'running'";
    let n = with_tx!(tx, c => sqlx::query(sql)
        .bind(title).bind(body).bind(now_ms).bind(id).bind(version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::Conflict("cases.version".into()));
    }
    Ok(())
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

/// The SQL expression of a case's 密级 code (`public` … `top_secret`), for the case whose id is
/// the SQL expression `case_id`: the 密级 of the document it moves, or, for a supervision item,
/// of the document of the case it came from (an item drafted from a classified instruction
/// carries its source's title and words); for an information item's case, or a receiving
/// office's case of it, the item's, and for a supervision item drafted from a 批示 on received
/// information, that information's; `public` for anything else. Read through the unique
/// indexes on `documents(case_id)`, `supervision_items(case_id)`,
/// `information_items(case_id)` and `information_receipts(case_id)`, so the 密级 has one home
/// and nothing copied can drift from it.
pub fn case_classification_sql(case_id: &str) -> String {
    format!(
        "coalesce((select cd.classification from documents cd where cd.case_id = {case_id}),
          (select sd.classification from supervision_items si
             join documents sd on sd.case_id = si.source_case_id where si.case_id = {case_id}),
          (select ii.classification from information_items ii where ii.case_id = {case_id}),
          (select ri.classification from information_receipts ir
             join information_items ri on ri.id = ir.item_id where ir.case_id = {case_id}),
          (select si2i.classification from supervision_items si2
             join information_receipts si2r on si2r.case_id = si2.source_case_id
             join information_items si2i on si2i.id = si2r.item_id
            where si2.case_id = {case_id}),
          'public')"
    )
}

/// The 密级 code of one case (see [`case_classification_sql`]): `public` for a case that moves
/// nothing classified, or none at all.
pub async fn case_classification(tx: &mut Tx, case_id: i64) -> Result<String> {
    let sql = format!("select {}", case_classification_sql("$1"));
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(case_id).fetch_one(c).await)?,
    )
}

/// The 密级 code of each of some cases (see [`case_classification_sql`]); ids that name no
/// case are left out.
pub async fn case_classifications(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select c.id, {} from cases c where c.id in ({})",
        case_classification_sql("c.id"),
        list.join(", ")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// The 密级 code of each of some rows of a table that has `id` and `classification` columns
/// (`documents`, `meetings`), or of supervision items (by their source, as their cases).
pub async fn classifications_of(
    db: &Db,
    table: ClassifiedTable,
    ids: &[i64],
) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let list = list.join(", ");
    let sql = match table {
        ClassifiedTable::Documents => {
            format!("select id, classification from documents where id in ({list})")
        }
        ClassifiedTable::Meetings => {
            format!("select id, classification from meetings where id in ({list})")
        }
        ClassifiedTable::SupervisionItems => format!(
            "select i.id, {} from supervision_items i where i.id in ({list})",
            case_classification_sql("i.case_id")
        ),
    };
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// The tables whose rows carry a 密级 ([`classifications_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassifiedTable {
    /// `documents`.
    Documents,
    /// `meetings`.
    Meetings,
    /// `supervision_items`, by their source.
    SupervisionItems,
}

/// A case's stored engine state, as it is (for sealing what an earlier build kept in plain).
pub async fn stored_state(tx: &mut Tx, id: i64) -> Result<Vec<u8>> {
    Ok(
        with_tx!(tx, c => sqlx::query_scalar("select state from cases where id = $1")
        .bind(id).fetch_one(c).await)?,
    )
}

/// Rewrites a case's stored engine state in place, its version unchanged: the same state in
/// another stored form (opinions an earlier build kept in plain, sealed).
pub async fn restore_state(tx: &mut Tx, id: i64, state: &[u8]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update cases set state = $2 where id = $1")
        .bind(id).bind(state).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
