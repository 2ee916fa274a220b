//! SQL of the efficiency figures (效能): the facts of a period read from the flow's task
//! projection, cases, cards and events and the service area's requests; the stored figures of
//! ended periods; the composite's weights.

use crate::{Db, Result, Tx};

/// A 待办 step that lived during a period.
#[derive(Debug, Clone, sqlx::FromRow)]
#[expect(
    missing_docs,
    reason = "the columns of xn_domain::efficiency::StepFact"
)]
pub struct StepRow {
    pub task_id: i64,
    pub case_id: i64,
    pub post_id: i64,
    pub unit_id: i64,
    pub state: String,
    pub process_key: String,
    pub step_id: String,
    pub step_name: String,
    pub created_at: i64,
    pub acted_at: Option<i64>,
    pub due_at: Option<i64>,
}

const STEPS: &str = "select t.id as task_id, t.case_id, t.post_id, p.unit_id, t.state,
        pr.key as process_key, t.step_id, t.step_name, t.created_at, t.acted_at, t.due_at
     from tasks t join posts p on p.id = t.post_id join cases c on c.id = t.case_id
     join processes pr on pr.id = c.process_id
     where t.kind = 'task' and t.state in ('open', 'done', 'returned')
       and not (coalesce(t.decision, '') = '提交' and coalesce(t.acted_at, 0) = t.created_at)";

/// The steps that reached their holder before `end` and were not done before `start`: those
/// acted on since `start` and those still open (two index ranges, `tasks_acted_at` and the
/// partial `tasks_open`, rather than every step that ever arrived before `end`).
pub async fn steps(db: &Db, start: i64, end: i64) -> Result<Vec<StepRow>> {
    let sql = format!(
        "{STEPS} and t.acted_at >= $2 and t.created_at < $1
         union all
         {STEPS} and t.state = 'open' and t.acted_at is null and t.created_at < $1
         order by 1"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(end).bind(start).fetch_all(c).await)?,
    )
}

/// The steps acted on in `[start, end)` (the `tasks_acted_at` range).
pub async fn steps_acted(db: &Db, start: i64, end: i64) -> Result<Vec<StepRow>> {
    let sql = format!("{STEPS} and t.acted_at >= $1 and t.acted_at < $2 order by 1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(start).bind(end).fetch_all(c).await)?,
    )
}

/// The steps open now that reached their holder before `end` (the partial `tasks_open`).
pub async fn steps_open(db: &Db, end: i64) -> Result<Vec<StepRow>> {
    let sql = format!(
        "{STEPS} and t.state = 'open' and t.acted_at is null and t.created_at < $1 order by 1"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(end).fetch_all(c).await)?,
    )
}

/// A case started or ended in a period.
#[derive(Debug, Clone, sqlx::FromRow)]
#[expect(
    missing_docs,
    reason = "the columns of xn_domain::efficiency::CaseFact"
)]
pub struct CaseRow {
    pub case_id: i64,
    pub unit_id: i64,
    pub title: String,
    pub item_kind: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub due_date: Option<String>,
}

/// The cases started or ended in `[start, end)`.
pub async fn cases(db: &Db, start: i64, end: i64) -> Result<Vec<CaseRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id as case_id, unit_id, title, item_kind, created_at, closed_at, due_date
         from cases where created_at >= $1 and created_at < $2
         union
         select id, unit_id, title, item_kind, created_at, closed_at, due_date
         from cases where closed_at >= $1 and closed_at < $2 and status = 'closed'
         order by 1")
        .bind(start).bind(end).fetch_all(c).await)?)
}

/// A card, an urge or a 退单 given to a post: (post, its unit, what, case or request).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkRow {
    /// The post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// `yellow`, `red`, `urge` or `service_return`.
    pub mark: String,
    /// The case (cards) or the request (退单).
    pub subject: i64,
    /// When.
    pub at: i64,
}

/// Cards, 退单, upheld 效能投诉 (by the day of their finding, `first` to `last`) and 预警纠错
/// alerts in `[start, end)`. A complaint or an alert without a post has post 0.
pub async fn marks(db: &Db, start: i64, end: i64, first: &str, last: &str) -> Result<Vec<MarkRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select k.post_id, p.unit_id, k.color as mark, k.case_id as subject, k.issued_at as at
         from cards k join posts p on p.id = k.post_id
         where k.issued_at >= $1 and k.issued_at < $2
         union all
         select r.post_id, p.unit_id, 'service_return', r.request_id, r.created_at
         from service_returns r join posts p on p.id = r.post_id
         where r.created_at >= $1 and r.created_at < $2
         union all
         select coalesce(x.responsible_post_id, 0), x.responsible_unit_id, 'complaint', x.id, 0
         from efficiency_complaints x
         where x.finding in ('upheld', 'partly') and x.responsible_unit_id is not null
           and x.found_on >= $3 and x.found_on <= $4
         union all
         select coalesce(a.post_id, 0), a.unit_id, 'alert', a.id, a.raised_at
         from efficiency_alerts a where a.raised_at >= $1 and a.raised_at < $2
         order by 5")
        .bind(start).bind(end).bind(first).bind(last).fetch_all(c).await)?)
}

/// The kinds of event the monitor reads by kind and time, as the partial index
/// `events_monitored` (migration 0037) holds them; its queries repeat the list word for word so
/// that SQLite sees the index applies.
const MONITORED: &str = "kind in ('flow.urged', 'flow.paused', 'flow.resumed')";

/// Flow events of `kinds` before `end` (from `start`, when given): (subject, at, detail). Only
/// the kinds the index holds are found (`flow.urged`, `flow.paused`, `flow.resumed`).
pub async fn flow_events(
    db: &Db,
    kinds: &[&str],
    start: Option<i64>,
    end: i64,
) -> Result<Vec<(String, i64, String)>> {
    let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "select coalesce(subject, ''), at, detail from events
         where {MONITORED} and kind in ({}) and at >= $1 and at < $2 order by at, id",
        marks.join(",")
    );
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(start.unwrap_or(i64::MIN))
            .bind(end);
        for k in kinds {
            q = q.bind(*k);
        }
        q.fetch_all(c).await
    })?)
}

/// The posts' units: (post, unit) of every post in `ids`.
pub async fn post_units(db: &Db, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select id, unit_id from posts where id in ({})",
        list.join(",")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// A service request closed in a period, for its lead unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    /// The request.
    pub request_id: i64,
    /// Its lead unit.
    pub unit_id: i64,
    /// Its outcome code.
    pub outcome: String,
    /// Times redone.
    pub reworks: i64,
}

/// The service requests closed from `first` to `last` (Beijing days, inclusive).
pub async fn service(db: &Db, first: &str, last: &str) -> Result<Vec<ServiceRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id as request_id, lead_unit_id as unit_id, outcome, reworks
         from service_requests
         where state = 'closed' and lead_unit_id is not null
           and closed_on >= $1 and closed_on <= $2
         order by id")
        .bind(first).bind(last).fetch_all(c).await)?)
}

/// Every unit's parent.
pub async fn parents(db: &Db) -> Result<Vec<(i64, Option<i64>)>> {
    Ok(
        with_db!(db, c => sqlx::query_as("select id, parent_id from units")
        .fetch_all(c).await)?,
    )
}

/// The columns of a stored row's figures, in order.
pub const FIGURE_COLUMNS: [&str; 25] = [
    "steps_received",
    "steps_done",
    "steps_on_time",
    "step_days_sum",
    "step_days_p90",
    "cases_received",
    "cases_closed",
    "cases_due",
    "cases_on_time",
    "open_end",
    "open_overdue",
    "age_0_2",
    "age_3_5",
    "age_6_10",
    "age_over_10",
    "yellow",
    "red",
    "returned",
    "urged",
    "service_rated",
    "service_satisfied",
    "service_reworks",
    "service_returns",
    "complaints_upheld",
    "alerts_raised",
];

/// One stored row: (unit, post or 0, figures in [`FIGURE_COLUMNS`] order).
pub type FigureRow = (i64, i64, Vec<i64>);

/// One stored row of a kind of step.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
#[expect(missing_docs, reason = "the columns of efficiency_step_figures")]
pub struct StepKindRow {
    pub unit_id: i64,
    pub process_key: String,
    pub step_id: String,
    pub step_name: String,
    pub done: i64,
    pub on_time: i64,
    pub days_sum: i64,
    pub days_p90: i64,
}

/// Whether a period's figures are stored.
pub async fn stored(db: &Db, period: &str) -> Result<bool> {
    let n: i64 = with_db!(db, c => sqlx::query_scalar(
        "select count(*) from efficiency_periods where period = $1")
        .bind(period).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Stores a period's figures, replacing what was stored (a recompute applied). `period` is a
/// period's code (digits, `-` and `W`), checked by the caller.
pub async fn store(
    tx: &mut Tx,
    period: &str,
    rows: &[FigureRow],
    kinds: &[StepKindRow],
    rules: &str,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from efficiency_figures where period = $1")
        .bind(period).execute(&mut *c).await.map(|_| ()))?;
    with_tx!(tx, c => sqlx::query("delete from efficiency_step_figures where period = $1")
        .bind(period).execute(&mut *c).await.map(|_| ()))?;
    with_tx!(tx, c => sqlx::query("delete from efficiency_periods where period = $1")
        .bind(period).execute(&mut *c).await.map(|_| ()))?;
    with_tx!(tx, c => sqlx::query(
        "insert into efficiency_periods (period, rules, computed_at) values ($1, $2, $3)")
        .bind(period).bind(rules).bind(now_ms).execute(&mut *c).await.map(|_| ()))?;
    let safe = |s: &str| s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-');
    if !safe(period) || !safe(rules) {
        return Err(crate::StoreError::Conflict(format!("bad period {period}")));
    }
    for chunk in rows.chunks(200) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(unit, post, v)| {
                let nums: Vec<String> = v.iter().map(i64::to_string).collect();
                format!(
                    "('{period}',{unit},{post},{},'{rules}',{now_ms})",
                    nums.join(",")
                )
            })
            .collect();
        let sql = format!(
            "insert into efficiency_figures (period, unit_id, post_id, {}, rules, computed_at)
             values {}",
            FIGURE_COLUMNS.join(","),
            values.join(",")
        );
        with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).execute(&mut *c).await.map(|_| ()))?;
    }
    for k in kinds {
        with_tx!(tx, c => sqlx::query(
            "insert into efficiency_step_figures
                 (period, unit_id, process_key, step_id, step_name, done, on_time, days_sum, days_p90)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(period).bind(k.unit_id).bind(&k.process_key).bind(&k.step_id)
            .bind(&k.step_name).bind(k.done).bind(k.on_time).bind(k.days_sum).bind(k.days_p90)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

fn row_sql(cond: &str) -> String {
    format!(
        "select period, unit_id, post_id, {}, rules, computed_at from efficiency_figures where {cond}
         order by period, unit_id, post_id",
        FIGURE_COLUMNS.join(",")
    )
}

/// A stored row with its period and rules.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The period's code.
    pub period: String,
    /// The unit.
    pub unit_id: i64,
    /// The post, or 0 for the unit's subtree.
    pub post_id: i64,
    /// The figures in [`FIGURE_COLUMNS`] order.
    pub values: Vec<i64>,
    /// The rules' version.
    pub rules: String,
    /// When computed.
    pub computed_at: i64,
}

macro_rules! read_stored {
    ($rows:expr) => {{
        use sqlx::Row;
        $rows
            .iter()
            .map(|r| {
                let mut values = Vec::with_capacity(FIGURE_COLUMNS.len());
                for i in 0..FIGURE_COLUMNS.len() {
                    values.push(r.try_get::<i64, _>(i + 3)?);
                }
                Ok(Stored {
                    period: r.try_get(0)?,
                    unit_id: r.try_get(1)?,
                    post_id: r.try_get(2)?,
                    values,
                    rules: r.try_get(FIGURE_COLUMNS.len() + 3)?,
                    computed_at: r.try_get(FIGURE_COLUMNS.len() + 4)?,
                })
            })
            .collect::<std::result::Result<Vec<Stored>, sqlx::Error>>()
    }};
}

/// The stored rows of the periods `periods` (codes) for the units `units` (their subtree rows,
/// `post_id = 0`), or every row of those periods when `units` is none.
pub async fn read(db: &Db, periods: &[String], units: Option<&[i64]>) -> Result<Vec<Stored>> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=periods.len()).map(|i| format!("${i}")).collect();
    let mut cond = format!("period in ({})", marks.join(","));
    if let Some(u) = units {
        let ids: Vec<String> = u.iter().map(i64::to_string).collect();
        cond.push_str(&format!(
            " and post_id = 0 and unit_id in ({})",
            if ids.is_empty() {
                "null".to_owned()
            } else {
                ids.join(",")
            }
        ));
    }
    let sql = row_sql(&cond);
    Ok(with_db!(db, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for p in periods {
            q = q.bind(p);
        }
        let rows = q.fetch_all(c).await?;
        read_stored!(rows)
    })?)
}

/// The stored rows of a kind of step for a period and unit.
pub async fn read_kinds(db: &Db, period: &str, unit: i64) -> Result<Vec<StepKindRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select unit_id, process_key, step_id, step_name, done, on_time, days_sum, days_p90
         from efficiency_step_figures where period = $1 and unit_id = $2
         order by done desc, process_key, step_id")
        .bind(period).bind(unit).fetch_all(c).await)?)
}

/// The stored periods' codes.
pub async fn periods_stored(db: &Db) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select period from efficiency_periods order by period")
        .fetch_all(c).await)?)
}

/// The first instant anything happened that figures count (the oldest case), if any.
pub async fn first_fact(db: &Db) -> Result<Option<i64>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select min(created_at) from cases")
        .fetch_one(c).await)?,
    )
}

/// A government's weights: (factor code, weight).
pub async fn weights(db: &Db, root: i64) -> Result<Vec<(String, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select factor, weight from efficiency_weights where root_unit_id = $1")
        .bind(root).fetch_all(c).await)?)
}

/// Replaces a government's weights.
pub async fn save_weights(tx: &mut Tx, root: i64, w: &[(&str, i64)]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from efficiency_weights where root_unit_id = $1")
        .bind(root).execute(&mut *c).await.map(|_| ()))?;
    for (f, v) in w {
        with_tx!(tx, c => sqlx::query(
            "insert into efficiency_weights (root_unit_id, factor, weight) values ($1, $2, $3)")
            .bind(root).bind(*f).bind(*v).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// A unit of a monitor's tree.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TreeUnit {
    /// The unit.
    pub id: i64,
    /// Its parent.
    pub parent_id: Option<i64>,
    /// Its short name.
    pub name: String,
    /// Its kind code.
    pub kind: String,
}

/// The units of the subtree of `root` with their kinds, in sort order.
pub async fn tree(db: &Db, root: i64) -> Result<Vec<TreeUnit>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "with recursive t (id) as (
             select id from units where id = $1
             union all
             select u.id from units u join t on u.parent_id = t.id)
         select u.id, u.parent_id, u.short_name as name, u.kind
         from units u join t on t.id = u.id order by u.sort_order, u.id")
        .bind(root).fetch_all(c).await)?)
}

/// Posts of a unit with their holder and position: (post, "姓名（职务）").
pub async fn unit_posts(db: &Db, unit: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select p.id, pe.name || '（' || coalesce(p.title, q.name) || '）'
         from posts p join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         where p.unit_id = $1 order by q.rank, p.id")
        .bind(unit).fetch_all(c).await)?)
}

/// Titles, kinds and 密级 of cases: (case, title, item kind code, classification code).
pub async fn case_titles(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select c.id, c.title, c.item_kind, {} from cases c where c.id in ({})",
        crate::flow::case_classification_sql("c.id"),
        list.join(",")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Holders of posts: (post, "姓名（职务）", unit short name).
pub async fn post_names(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select p.id, pe.name || '（' || coalesce(p.title, q.name) || '）', u.short_name
         from posts p join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id where p.id in ({})",
        list.join(",")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// The stored rows of one unit's posts for a period.
pub async fn read_posts(db: &Db, period: &str, unit: i64) -> Result<Vec<Stored>> {
    let sql = row_sql("period = $1 and unit_id = $2 and post_id <> 0");
    Ok(with_db!(db, c => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(period).bind(unit).fetch_all(c).await?;
        read_stored!(rows)
    })?)
}
