//! SQL of 签到, 纪要 and 议定事项 (migration 0038): a meeting's sign-in key and sign-in rows,
//! its minutes (the outgoing document drafted from it, with the attendance lists printed on
//! it) and its decisions, each linked to the supervision item it became. Who may sign in, what
//! is late, and when decisions become items are the service's rules, not here.

use crate::{Db, Result, Tx};

// ---------------------------------------------------------------------------------------------
// 签到

/// A meeting's sign-in secret, if made.
pub async fn checkin_secret(tx: &mut Tx, meeting: i64) -> Result<Option<String>> {
    let sql = "select secret from meeting_checkin_keys where meeting_id = $1";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).fetch_optional(c).await)?)
}

/// Stores a meeting's sign-in secret unless one exists; returns the one in force.
pub async fn ensure_checkin_secret(
    tx: &mut Tx,
    meeting: i64,
    secret: &str,
    now_ms: i64,
) -> Result<String> {
    let sql = "insert into meeting_checkin_keys (meeting_id, secret, created_at)
               values ($1, $2, $3) on conflict (meeting_id) do nothing";
    with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(secret).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    let sql = "select secret from meeting_checkin_keys where meeting_id = $1";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).fetch_one(c).await)?)
}

/// A sign-in row with the post as a line.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigninRow {
    /// Id.
    pub id: i64,
    /// The post.
    pub post_id: i64,
    /// `陈立新（东川市政府市长）`.
    pub who: String,
    /// The holder's name alone.
    pub person_name: String,
    /// The post's unit.
    pub unit_id: i64,
    /// `present`, `late`, `absent`, `leave`.
    pub status: String,
    /// `code` or `staff`; none for absent and leave.
    pub method: Option<String>,
    /// When signed in, epoch ms.
    pub signed_at: Option<i64>,
    /// Who signed them in (the post itself, or the staff).
    pub by_post_id: Option<i64>,
}

const SIGNIN_SELECT: &str = "select s.id, s.post_id,
    pe.name || '（' || u.short_name || coalesce(p.title, q.name, '') || '）' as who,
    pe.name as person_name, p.unit_id, s.status, s.method, s.signed_at, s.by_post_id
    from meeting_signins s join posts p on p.id = s.post_id
    join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
    left join positions q on q.id = p.position_id";

/// A meeting's sign-in rows, in the order they were recorded.
pub async fn signins_of(db: &Db, meeting: i64) -> Result<Vec<SigninRow>> {
    let sql = format!("{SIGNIN_SELECT} where s.meeting_id = $1 order by s.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn signins_of_tx(tx: &mut Tx, meeting: i64) -> Result<Vec<SigninRow>> {
    let sql = format!("{SIGNIN_SELECT} where s.meeting_id = $1 order by s.id");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// A sign-in to record.
#[derive(Debug, Clone)]
pub struct NewSignin<'a> {
    /// The meeting.
    pub meeting_id: i64,
    /// The post.
    pub post_id: i64,
    /// `present`, `late`, `absent`, `leave`.
    pub status: &'a str,
    /// `code` or `staff` (none for absent and leave).
    pub method: Option<&'a str>,
    /// When signed in.
    pub signed_at: Option<i64>,
    /// Who signed them in.
    pub by_post_id: Option<i64>,
}

/// Records a sign-in; a post already recorded for the meeting is left as it is (false).
pub async fn insert_signin(tx: &mut Tx, s: &NewSignin<'_>, now_ms: i64) -> Result<bool> {
    let sql = "insert into meeting_signins
               (meeting_id, post_id, status, method, signed_at, by_post_id, recorded_at)
               values ($1, $2, $3, $4, $5, $6, $7) on conflict (meeting_id, post_id) do nothing";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(s.meeting_id).bind(s.post_id).bind(s.status)
        .bind(s.method).bind(s.signed_at).bind(s.by_post_id).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// 纪要

/// A meeting's minutes as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MinutesRow {
    /// The meeting.
    pub meeting_id: i64,
    /// The outgoing document.
    pub document_id: i64,
    /// 出席, JSON list of lines.
    pub attend_list: String,
    /// 请假, JSON list of lines.
    pub leave_list: String,
    /// 列席, JSON list of lines.
    pub observe_list: String,
    /// Who drafted it.
    pub drafted_by_post_id: i64,
    /// When, epoch ms.
    pub drafted_at: i64,
    /// When its 核发 opened the decisions' items, epoch ms.
    pub issued_at: Option<i64>,
}

const MINUTES_SELECT: &str = "select meeting_id, document_id, attend_list, leave_list,
    observe_list, drafted_by_post_id, drafted_at, issued_at from meeting_minutes";

/// A minutes row to store.
#[derive(Debug, Clone)]
pub struct NewMinutes<'a> {
    /// The meeting.
    pub meeting_id: i64,
    /// The document.
    pub document_id: i64,
    /// 出席 (JSON).
    pub attend_list: &'a str,
    /// 请假 (JSON).
    pub leave_list: &'a str,
    /// 列席 (JSON).
    pub observe_list: &'a str,
    /// The drafter.
    pub drafted_by_post_id: i64,
}

/// Stores a meeting's minutes; a second for the same meeting is a `Conflict`.
pub async fn insert_minutes(tx: &mut Tx, m: &NewMinutes<'_>, now_ms: i64) -> Result<()> {
    let sql = "insert into meeting_minutes (meeting_id, document_id, attend_list, leave_list,
               observe_list, drafted_by_post_id, drafted_at) values ($1, $2, $3, $4, $5, $6, $7)";
    with_tx!(tx, c => sqlx::query(sql).bind(m.meeting_id).bind(m.document_id)
        .bind(m.attend_list).bind(m.leave_list).bind(m.observe_list)
        .bind(m.drafted_by_post_id).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A meeting's minutes, if drafted.
pub async fn find_minutes(db: &Db, meeting: i64) -> Result<Option<MinutesRow>> {
    let sql = format!("{MINUTES_SELECT} where meeting_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn find_minutes_tx(tx: &mut Tx, meeting: i64) -> Result<Option<MinutesRow>> {
    let sql = format!("{MINUTES_SELECT} where meeting_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// The minutes a document is, if it is a meeting's.
pub async fn minutes_of_document_tx(tx: &mut Tx, document: i64) -> Result<Option<MinutesRow>> {
    let sql = format!("{MINUTES_SELECT} where document_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(document)
        .fetch_optional(c).await)?,
    )
}

/// The same, outside a transaction.
pub async fn minutes_of_document(db: &Db, document: i64) -> Result<Option<MinutesRow>> {
    let sql = format!("{MINUTES_SELECT} where document_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(document)
        .fetch_optional(c).await)?,
    )
}

/// Marks the minutes issued, once: false when they already were (a second 核发 or a retry).
pub async fn mark_issued(tx: &mut Tx, meeting: i64, now_ms: i64) -> Result<bool> {
    let sql =
        "update meeting_minutes set issued_at = $2 where meeting_id = $1 and issued_at is null";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// 议定事项

/// A decision with the names its page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    /// Id.
    pub id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// Its order in the minutes, from 1.
    pub seq: i64,
    /// What was decided.
    pub text: String,
    /// 牵头单位.
    pub lead_unit_id: i64,
    /// Its name.
    pub lead_unit: String,
    /// The post answerable for it.
    pub lead_post_id: i64,
    /// 配合单位, JSON list of unit ids.
    pub assist_units: String,
    /// The deadline as a date, `YYYY-MM-DD`…
    pub deadline: Option<String>,
    /// …or in working days from the day the minutes are issued.
    pub deadline_days: Option<i64>,
    /// The supervision item it became.
    pub supervision_item_id: Option<i64>,
}

const DECISION_SELECT: &str = "select d.id, d.meeting_id, d.seq, d.text, d.lead_unit_id,
    u.name as lead_unit, d.lead_post_id, d.assist_units, d.deadline, d.deadline_days,
    d.supervision_item_id from meeting_decisions d join units u on u.id = d.lead_unit_id";

/// A meeting's decisions, in order.
pub async fn decisions_of(db: &Db, meeting: i64) -> Result<Vec<DecisionRow>> {
    let sql = format!("{DECISION_SELECT} where d.meeting_id = $1 order by d.seq");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn decisions_of_tx(tx: &mut Tx, meeting: i64) -> Result<Vec<DecisionRow>> {
    let sql = format!("{DECISION_SELECT} where d.meeting_id = $1 order by d.seq");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// A decision to store.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    /// Its order.
    pub seq: i64,
    /// What was decided.
    pub text: &'a str,
    /// 牵头单位.
    pub lead_unit_id: i64,
    /// The post answerable.
    pub lead_post_id: i64,
    /// 配合单位 (JSON list of ids).
    pub assist_units: &'a str,
    /// Deadline date.
    pub deadline: Option<&'a str>,
    /// Or working days.
    pub deadline_days: Option<i64>,
}

/// Replaces a meeting's decisions (none of which may have become an item yet: the caller
/// checks).
pub async fn replace_decisions(tx: &mut Tx, meeting: i64, list: &[NewDecision<'_>]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from meeting_decisions where meeting_id = $1")
        .bind(meeting).execute(c).await.map(|_| ()))?;
    let sql = "insert into meeting_decisions (meeting_id, seq, text, lead_unit_id, lead_post_id,
               assist_units, deadline, deadline_days) values ($1, $2, $3, $4, $5, $6, $7, $8)";
    for d in list {
        with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(d.seq).bind(d.text)
            .bind(d.lead_unit_id).bind(d.lead_post_id).bind(d.assist_units).bind(d.deadline)
            .bind(d.deadline_days).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Links a decision to the item it became, once: false when it already has one.
pub async fn link_item(tx: &mut Tx, decision: i64, item: i64) -> Result<bool> {
    let sql = "update meeting_decisions set supervision_item_id = $2
               where id = $1 and supervision_item_id is null";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(decision).bind(item)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The meeting (id, title) and decision order an item came from, if it came from one.
pub async fn meeting_of_item(db: &Db, item: i64) -> Result<Option<(i64, String, i64)>> {
    let sql = "select m.id, m.title, d.seq from meeting_decisions d
               join meetings m on m.id = d.meeting_id where d.supervision_item_id = $1";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(item).fetch_optional(c).await)?)
}

/// The most senior active post of a unit itself (the one answerable for a decision it leads).
pub async fn head_post(tx: &mut Tx, unit: i64) -> Result<Option<i64>> {
    let sql = "select p.id from posts p join positions q on q.id = p.position_id
               where p.unit_id = $1 and p.active = 1 order by q.rank, p.id limit 1";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(unit).fetch_optional(c).await)?)
}

/// The unit flagged as the supervising section (督查科) under an office, if any.
pub async fn supervision_section_of(tx: &mut Tx, office: i64) -> Result<Option<i64>> {
    let sql = "select id from units where parent_id = $1 and supervision_section = 1
               order by id limit 1";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(office).fetch_optional(c).await)?)
}
