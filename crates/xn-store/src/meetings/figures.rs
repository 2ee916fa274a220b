//! SQL of 会议效能 (migration 0047): the facts a month's meeting figures are counted from — the
//! meetings held with their attendance, 请假 by unit, the topics carried over, the 议定事项 due —
//! and the stored figures of ended months. How they are counted is the domain's
//! (`xn_domain::meetings::figures`); who may read them is the service's.

use crate::{Db, Result, Tx};

/// A meeting held (已结束 or 纪要已印发) with its attendance counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldRow {
    /// Id.
    pub id: i64,
    /// The organising office.
    pub office_id: i64,
    /// Title.
    pub title: String,
    /// Its kind's name.
    pub kind_name: String,
    /// 密级 code.
    pub classification: String,
    /// Planned start, epoch ms.
    pub starts_at: i64,
    /// Planned end, epoch ms.
    pub ends_at: i64,
    /// Marked 进行中, epoch ms.
    pub began_at: Option<i64>,
    /// Marked 已结束, epoch ms.
    pub ended_at: Option<i64>,
    /// Posts on its attendance.
    pub expected: i64,
    /// Of those signed in (on time or late).
    pub signed_in: i64,
    /// Of those on leave.
    pub on_leave: i64,
}

/// The meetings held with a planned start in `[from, to)`, every office's, by start.
pub async fn held(db: &Db, from: i64, to: i64) -> Result<Vec<HeldRow>> {
    let sql = "select m.id, m.office_id, m.title, k.name as kind_name, m.classification,
               m.starts_at, m.ends_at, m.began_at, m.ended_at,
               (select count(*) from meeting_signins s where s.meeting_id = m.id) as expected,
               (select count(*) from meeting_signins s where s.meeting_id = m.id
                and s.status in ('present', 'late')) as signed_in,
               (select count(*) from meeting_signins s where s.meeting_id = m.id
                and s.status = 'leave') as on_leave
               from meetings m join meeting_kinds k on k.id = m.kind_id
               where m.status in ('ended', 'minuted') and m.starts_at >= $1 and m.starts_at < $2
               order by m.starts_at, m.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(from).bind(to).fetch_all(c).await)?)
}

/// 请假 by attending unit within an office's held meetings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeaveRow {
    /// The organising office.
    pub office_id: i64,
    /// The unit of the expected posts.
    pub unit_id: i64,
    /// Its short name.
    pub unit_name: String,
    /// Posts of the unit expected.
    pub expected: i64,
    /// Of those on leave.
    pub on_leave: i64,
}

/// 请假 by unit over the meetings held with a planned start in `[from, to)`.
pub async fn leave_by_unit(db: &Db, from: i64, to: i64) -> Result<Vec<LeaveRow>> {
    let sql = "select m.office_id, p.unit_id, u.short_name as unit_name, count(*) as expected,
               sum(case when s.status = 'leave' then 1 else 0 end) as on_leave
               from meeting_signins s join meetings m on m.id = s.meeting_id
               join posts p on p.id = s.post_id join units u on u.id = p.unit_id
               where m.status in ('ended', 'minuted') and m.starts_at >= $1 and m.starts_at < $2
               group by m.office_id, p.unit_id, u.short_name
               order by m.office_id, p.unit_id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(from).bind(to).fetch_all(c).await)?)
}

/// A topic carried over (暂缓).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CarryRow {
    /// The office that carried it.
    pub office_id: i64,
    /// The topic.
    pub topic_id: i64,
    /// Its title.
    pub topic_title: String,
    /// Its 密级 code.
    pub classification: String,
    /// The meeting it was carried from, if any.
    pub meeting_id: Option<i64>,
    /// That meeting's title, or empty.
    pub meeting_title: String,
    /// Why.
    pub reason: String,
    /// When, epoch ms.
    pub carried_at: i64,
}

/// The carry-overs made in `[from, to)`, every office's.
pub async fn carries(db: &Db, from: i64, to: i64) -> Result<Vec<CarryRow>> {
    let sql = "select c.office_id, c.topic_id, t.title as topic_title, t.classification,
               c.meeting_id, coalesce(m.title, '') as meeting_title, c.reason, c.carried_at
               from meeting_topic_carries c join meeting_topics t on t.id = c.topic_id
               left join meetings m on m.id = c.meeting_id
               where c.carried_at >= $1 and c.carried_at < $2
               order by c.carried_at, c.topic_id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(from).bind(to).fetch_all(c).await)?)
}

/// A 议定事项 followed as a supervision item, with its item's deadline and closing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    /// The organising office of its meeting.
    pub office_id: i64,
    /// The decision.
    pub decision_id: i64,
    /// Its meeting.
    pub meeting_id: i64,
    /// The meeting's title.
    pub meeting_title: String,
    /// The meeting's 密级 code.
    pub classification: String,
    /// The decision's words.
    pub text: String,
    /// Its lead unit's short name.
    pub lead_unit: String,
    /// Its supervision item.
    pub item_id: i64,
    /// The item's deadline as it stands, `YYYY-MM-DD`.
    pub deadline: String,
    /// The day it was closed, if it was.
    pub closed_on: Option<String>,
    /// The item's state code.
    pub state: String,
}

/// The decisions whose item's deadline lies from `first` to `last` (dates, inclusive).
pub async fn decisions_due(db: &Db, first: &str, last: &str) -> Result<Vec<DueRow>> {
    let sql = "select m.office_id, d.id as decision_id, d.meeting_id, m.title as meeting_title,
               m.classification, d.text, u.short_name as lead_unit, i.id as item_id,
               i.deadline, i.closed_on, i.state
               from meeting_decisions d join meetings m on m.id = d.meeting_id
               join supervision_items i on i.id = d.supervision_item_id
               join units u on u.id = d.lead_unit_id
               where i.deadline >= $1 and i.deadline <= $2
               order by i.deadline, d.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(first).bind(last).fetch_all(c).await)?)
}

/// The earliest instant a meeting figure can count: the first meeting's planned start or the
/// first carry-over, if any.
pub async fn first_fact(db: &Db) -> Result<Option<i64>> {
    let meetings: Option<i64> = with_db!(db, c => sqlx::query_scalar("select min(starts_at) from meetings")
            .fetch_one(c).await)?;
    let carries: Option<i64> = with_db!(db, c => sqlx::query_scalar(
        "select min(carried_at) from meeting_topic_carries").fetch_one(c).await)?;
    Ok(match (meetings, carries) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The months stored, oldest first.
pub async fn months_stored(db: &Db) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select month from meeting_figure_months order by month").fetch_all(c).await)?)
}

/// A stored month's rules version and when it was stored.
pub async fn stored_month(db: &Db, month: &str) -> Result<Option<(String, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select rules, computed_at from meeting_figure_months where month = $1")
        .bind(month).fetch_optional(c).await)?)
}

/// An office's stored figures of a month, in the domain's order
/// (`xn_domain::meetings::figures::Totals::to_array`).
pub async fn stored_figures(db: &Db, month: &str, office: i64) -> Result<Option<[i64; 10]>> {
    let sql = "select meetings_held, meetings_timed, planned_minutes, actual_minutes, expected,
               signed_in, on_leave, topics_carried, decisions_due, decisions_on_time
               from meeting_figures where month = $1 and office_id = $2";
    type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let row: Option<Row> = with_db!(db, c => sqlx::query_as(sql).bind(month).bind(office)
        .fetch_optional(c).await)?;
    Ok(row.map(|r| [r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9]))
}

/// An office's stored 请假 by unit of a month: (unit, short name, expected, on leave).
pub async fn stored_leave(
    db: &Db,
    month: &str,
    office: i64,
) -> Result<Vec<(i64, String, i64, i64)>> {
    let sql = "select f.unit_id, u.short_name, f.expected, f.on_leave
               from meeting_leave_figures f join units u on u.id = f.unit_id
               where f.month = $1 and f.office_id = $2 order by f.unit_id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(month).bind(office).fetch_all(c).await)?)
}

/// What a month stores: each office's counts and its 请假 by unit.
#[derive(Debug, Clone, Default)]
pub struct MonthFigures {
    /// (office, counts in the domain's order).
    pub offices: Vec<(i64, [i64; 10])>,
    /// (office, unit, expected, on leave).
    pub leave: Vec<(i64, i64, i64, i64)>,
}

/// Replaces a month's stored figures (several servers may close the same month: the later
/// writes the same rows).
pub async fn store_month(
    tx: &mut Tx,
    month: &str,
    figures: &MonthFigures,
    rules: &str,
    now_ms: i64,
) -> Result<()> {
    for table in [
        "meeting_figures",
        "meeting_leave_figures",
        "meeting_figure_months",
    ] {
        let sql = format!("delete from {table} where month = $1");
        with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(month)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    with_tx!(tx, c => sqlx::query(
        "insert into meeting_figure_months (month, rules, computed_at) values ($1, $2, $3)")
        .bind(month).bind(rules).bind(now_ms).execute(&mut *c).await.map(|_| ()))?;
    let sql = "insert into meeting_figures (month, office_id, meetings_held, meetings_timed,
               planned_minutes, actual_minutes, expected, signed_in, on_leave, topics_carried,
               decisions_due, decisions_on_time, rules, computed_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    for (office, v) in &figures.offices {
        with_tx!(tx, c => sqlx::query(sql).bind(month).bind(office).bind(v[0]).bind(v[1])
            .bind(v[2]).bind(v[3]).bind(v[4]).bind(v[5]).bind(v[6]).bind(v[7]).bind(v[8])
            .bind(v[9]).bind(rules).bind(now_ms).execute(&mut *c).await.map(|_| ()))?;
    }
    let sql = "insert into meeting_leave_figures (month, office_id, unit_id, expected, on_leave)
               values ($1, $2, $3, $4, $5)";
    for (office, unit, expected, on_leave) in &figures.leave {
        with_tx!(tx, c => sqlx::query(sql).bind(month).bind(office).bind(unit).bind(expected)
            .bind(on_leave).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}
