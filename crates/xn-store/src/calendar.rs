//! SQL of the working-day calendar: the stored years, the registry of working-day deadlines,
//! and the notifications a recomputed deadline sends to its holder.
//!
//! A year is stored as the TOML text of `xn_domain::calendar::YearData`, exactly as validated by
//! the service layer; `provisional` and `source_title` repeat two of its fields so that lists need
//! no parsing. A row with `updated_at` null is the year as shipped with xiaoneng. Business dates
//! are TEXT `YYYY-MM-DD`, so comparing them as text compares them as dates. This module holds no
//! rules: which deadlines to recompute and how is decided in `xn-service`.

use crate::{Db, Result, Tx, TxInner};

/// A stored year, with the name of whoever saved it last.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarYearRow {
    /// The year.
    pub year: i64,
    /// 1 when the data is a guess entered before the notice was published.
    pub provisional: i16,
    /// The year's data as TOML.
    pub data: String,
    /// The title of the notice the data comes from.
    pub source_title: Option<String>,
    /// Epoch ms of the last save; `None` for a year as shipped.
    pub updated_at: Option<i64>,
    /// Who saved it last; `None` for a shipped year or a console import.
    pub updated_by: Option<i64>,
    /// That person's name.
    pub updated_by_name: Option<String>,
}

/// A year to store.
#[derive(Debug, Clone)]
pub struct NewCalendarYear<'a> {
    /// The year.
    pub year: i64,
    /// Whether the data is provisional.
    pub provisional: bool,
    /// The validated TOML.
    pub data: &'a str,
    /// The notice's title.
    pub source_title: &'a str,
    /// Epoch ms of the save; `None` for a shipped year.
    pub updated_at: Option<i64>,
    /// Who saves it.
    pub updated_by: Option<i64>,
}

const YEAR_SELECT: &str = "select y.year, y.provisional, y.data, y.source_title, y.updated_at,
                                  y.updated_by, p.name as updated_by_name
                           from calendar_years y left join persons p on p.id = y.updated_by";

/// Every stored year, in order.
pub async fn list_years(db: &Db) -> Result<Vec<CalendarYearRow>> {
    let sql = format!("{YEAR_SELECT} order by y.year");
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Every stored year, read inside a transaction (after [`lock_years_shared`] or
/// [`lock_years_exclusive`], so that the rows read are the latest committed ones).
pub async fn list_years_tx(tx: &mut Tx) -> Result<Vec<CalendarYearRow>> {
    let sql = format!("{YEAR_SELECT} order by y.year");
    Ok(with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Makes a transaction that computes deadlines wait for any calendar save in progress, and a
/// save wait for it: a deadline is then never computed on a calendar that is being replaced.
pub async fn lock_years_shared(tx: &mut Tx) -> Result<()> {
    match &mut tx.0 {
        // Engine difference: SQLite's `BEGIN IMMEDIATE` already holds the one write lock.
        TxInner::Sqlite(_) => Ok(()),
        TxInner::Postgres(t) => {
            sqlx::query("select year from calendar_years for share")
                .fetch_all(&mut **t)
                .await?;
            Ok(())
        }
    }
}

/// Makes a calendar save wait for every transaction computing deadlines (and for other saves).
/// Statements after it see everything those transactions committed.
pub async fn lock_years_exclusive(tx: &mut Tx) -> Result<()> {
    match &mut tx.0 {
        // Engine difference: SQLite's `BEGIN IMMEDIATE` already holds the one write lock.
        TxInner::Sqlite(_) => Ok(()),
        TxInner::Postgres(t) => {
            sqlx::query("select year from calendar_years for update")
                .fetch_all(&mut **t)
                .await?;
            Ok(())
        }
    }
}

/// Inserts or replaces a year.
pub async fn upsert_year(tx: &mut Tx, y: &NewCalendarYear<'_>) -> Result<()> {
    let sql =
        "insert into calendar_years (year, provisional, data, source_title, updated_at, updated_by)
               values ($1, $2, $3, $4, $5, $6)
               on conflict (year) do update set provisional = excluded.provisional,
                   data = excluded.data, source_title = excluded.source_title,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    with_tx!(tx, c => sqlx::query(sql)
        .bind(y.year).bind(i16::from(y.provisional)).bind(y.data).bind(y.source_title)
        .bind(y.updated_at).bind(y.updated_by)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a shipped year: inserted when the year is missing, replaced when the stored row is
/// itself a shipped one (`updated_at` null) with other data; an administrator's row is never
/// touched. Answers whether anything was written.
pub async fn store_shipped_year(tx: &mut Tx, y: &NewCalendarYear<'_>) -> Result<bool> {
    let sql =
        "insert into calendar_years (year, provisional, data, source_title, updated_at, updated_by)
               values ($1, $2, $3, $4, null, null)
               on conflict (year) do update set provisional = excluded.provisional,
                   data = excluded.data, source_title = excluded.source_title
               where calendar_years.updated_at is null and calendar_years.data <> excluded.data";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(y.year).bind(i16::from(y.provisional)).bind(y.data).bind(y.source_title)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// A working-day deadline as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadlineRow {
    /// Id.
    pub id: i64,
    /// What it is the deadline of, e.g. `case:12`.
    pub subject: String,
    /// The post that must act by then.
    pub holder_post_id: Option<i64>,
    /// The day of receipt, `YYYY-MM-DD` (it does not count).
    pub start_date: String,
    /// N working days.
    pub working_days: i64,
    /// The last day, `YYYY-MM-DD`.
    pub due_date: String,
    /// 1 when a day counted lies in a provisional year.
    pub provisional: i16,
    /// How the date was reached, in Chinese.
    pub explanation: String,
    /// 1 while the deadline runs.
    pub open: i16,
    /// Epoch ms.
    pub created_at: i64,
}

/// A deadline with its holder's name and unit, for lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadlineListRow {
    /// The deadline.
    #[sqlx(flatten)]
    pub deadline: DeadlineRow,
    /// The holder's name.
    pub holder_name: Option<String>,
    /// The holder's unit (short name).
    pub holder_unit: Option<String>,
}

/// A deadline to register.
#[derive(Debug, Clone)]
pub struct NewDeadline<'a> {
    /// Subject.
    pub subject: &'a str,
    /// Holder.
    pub holder_post_id: Option<i64>,
    /// Day of receipt.
    pub start_date: &'a str,
    /// N.
    pub working_days: i64,
    /// Last day.
    pub due_date: &'a str,
    /// Provisional.
    pub provisional: bool,
    /// Explanation.
    pub explanation: &'a str,
}

const DEADLINE_COLUMNS: &str = "d.id, d.subject, d.holder_post_id, d.start_date, d.working_days,
                                d.due_date, d.provisional, d.explanation, d.open, d.created_at";

/// Registers a deadline and returns its id.
pub async fn insert_deadline(tx: &mut Tx, d: &NewDeadline<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into deadlines (subject, holder_post_id, start_date, working_days, due_date,
                                      provisional, explanation, open, created_at)
               values ($1, $2, $3, $4, $5, $6, $7, 1, $8) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(d.subject).bind(d.holder_post_id).bind(d.start_date).bind(d.working_days)
        .bind(d.due_date).bind(i16::from(d.provisional)).bind(d.explanation).bind(now_ms)
        .fetch_one(c).await)?)
}

/// One deadline.
pub async fn find_deadline(db: &Db, id: i64) -> Result<DeadlineRow> {
    let sql = format!("select {DEADLINE_COLUMNS} from deadlines d where d.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The deadlines of one subject, oldest first.
pub async fn list_deadlines_of_subject(db: &Db, subject: &str) -> Result<Vec<DeadlineRow>> {
    let sql =
        format!("select {DEADLINE_COLUMNS} from deadlines d where d.subject = $1 order by d.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(subject).fetch_all(c).await)?,
    )
}

/// Open deadlines whose days from receipt to due date touch `[from, to]` (dates as text),
/// read inside the transaction that will update them.
pub async fn open_deadlines_touching_tx(
    tx: &mut Tx,
    from: &str,
    to: &str,
) -> Result<Vec<DeadlineRow>> {
    let sql = format!(
        "select {DEADLINE_COLUMNS} from deadlines d
         where d.open = 1 and d.start_date <= $2 and d.due_date >= $1 order by d.id"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// Open deadlines touching `[from, to]`, soonest due first, with their holders, at most `limit`.
pub async fn list_open_deadlines_touching(
    db: &Db,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<DeadlineListRow>> {
    let sql = format!(
        "select {DEADLINE_COLUMNS}, pe.name as holder_name, u.short_name as holder_unit
         from deadlines d
         left join posts p on p.id = d.holder_post_id
         left join persons pe on pe.id = p.person_id
         left join units u on u.id = p.unit_id
         where d.open = 1 and d.start_date <= $2 and d.due_date >= $1
         order by d.due_date, d.id limit $3"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).bind(limit).fetch_all(c).await)?,
    )
}

/// Sets a deadline's recomputed date.
pub async fn update_deadline_due(
    tx: &mut Tx,
    id: i64,
    due_date: &str,
    provisional: bool,
    explanation: &str,
) -> Result<()> {
    let sql =
        "update deadlines set due_date = $1, provisional = $2, explanation = $3 where id = $4";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(due_date).bind(i16::from(provisional)).bind(explanation).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Closes (or reopens) a deadline; a closed one is never recomputed.
pub async fn set_deadline_open(tx: &mut Tx, id: i64, open: bool) -> Result<()> {
    let sql = "update deadlines set open = $1 where id = $2";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(i16::from(open)).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}
