//! SQL of 预警纠错, the efficiency monitor's alerts (migration 0035): what the rules read (the
//! task projection, its cases and their processes), the alerts themselves and each
//! government's settings of the rules. The rules' arithmetic (percentiles, working days) is the
//! service's; this module only reads and writes rows.

use crate::{Db, Result, Tx};

/// A unit as the scan lays out the organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    /// Id.
    pub id: i64,
    /// Parent.
    pub parent_id: Option<i64>,
    /// Kind code (`government`, `office`, `section` …).
    pub kind: String,
    /// Short name.
    pub short_name: String,
    /// Whether it is a supervising section (督查科).
    pub supervision_section: i64,
}

/// Every unit.
pub async fn units(db: &Db) -> Result<Vec<UnitRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, parent_id, kind, short_name,
             cast(coalesce(supervision_section, 0) as bigint) as supervision_section
         from units order by id")
        .fetch_all(c).await)?)
}

/// A unit's kind code.
pub async fn unit_kind(db: &Db, unit_id: i64) -> Result<String> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select kind from units where id = $1")
        .bind(unit_id).fetch_one(c).await)?,
    )
}

/// A government's own setting of a rule.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SettingRow {
    /// The government.
    pub government_id: i64,
    /// The rule's code.
    pub rule: String,
    /// The rule's number.
    pub threshold: i64,
    /// 1 when the rule runs.
    pub enabled: i64,
}

/// Every government's settings.
pub async fn settings(db: &Db) -> Result<Vec<SettingRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select government_id, rule, threshold, cast(enabled as bigint) as enabled
         from efficiency_alert_settings order by government_id, rule")
        .fetch_all(c).await)?)
}

/// Sets a government's setting of a rule.
pub async fn put_setting(
    tx: &mut Tx,
    government_id: i64,
    rule: &str,
    threshold: i64,
    enabled: bool,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into efficiency_alert_settings (government_id, rule, threshold, enabled, updated_at)
         values ($1, $2, $3, $4, $5)
         on conflict (government_id, rule) do update
         set threshold = excluded.threshold, enabled = excluded.enabled,
             updated_at = excluded.updated_at")
        .bind(government_id).bind(rule).bind(threshold).bind(i16::from(enabled)).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Running cases returned (退回) at least `min` times: (case, times).
pub async fn returned_counts(db: &Db, min: i64) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select t.case_id, count(*) as n from tasks t join cases c on c.id = t.case_id
         where c.status = 'running' and t.state = 'returned'
         group by t.case_id having count(*) >= $1 order by t.case_id")
        .bind(min).fetch_all(c).await)?)
}

/// The steps a case was returned from, in order: (task number, step name, reason sealed at
/// the task's place).
pub async fn returns_of(
    db: &Db,
    case_id: i64,
) -> Result<Vec<(i64, String, Option<crate::Sealed>)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select task_no, step_name, opinion from tasks where case_id = $1 and state = 'returned'
         order by task_no")
        .bind(case_id).fetch_all(c).await)?)
}

/// Running cases whose 待办 steps were held by more than `min` distinct posts: (case, posts).
/// A post counts once it held the step in earnest (open, done, returned, handed on); the
/// other holders of a 或签 step, cancelled when one signed, and those still waiting their turn
/// do not.
pub async fn holder_counts(db: &Db, more_than: i64) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select t.case_id, count(distinct t.post_id) as n from tasks t join cases c on c.id = t.case_id
         where c.status = 'running' and t.kind = 'task'
           and t.state in ('open', 'done', 'returned', 'transferred', 'delegated')
         group by t.case_id having count(distinct t.post_id) > $1 order by t.case_id")
        .bind(more_than).fetch_all(c).await)?)
}

/// An item as an alert names it: its title and who answers for it now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseHead {
    /// Case.
    pub case_id: i64,
    /// Who answers for it: the holder of its oldest open 待办 step, else its starter.
    pub post_id: i64,
    /// That post's unit.
    pub unit_id: i64,
}

/// Who answers for a running case now.
pub async fn case_head(db: &Db, case_id: i64) -> Result<CaseHead> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select c.id as case_id, p.id as post_id, p.unit_id
         from cases c join posts p on p.id = coalesce(
             (select t.post_id from tasks t where t.case_id = c.id and t.state = 'open'
                and t.kind = 'task' order by t.id limit 1), c.starter_post_id)
         where c.id = $1")
        .bind(case_id).fetch_one(c).await)?)
}

/// A finished 待办 step, as a sample of how long its kind takes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepSample {
    /// The process's key.
    pub process_key: String,
    /// The step's id.
    pub step_id: String,
    /// When it reached its holder (epoch ms).
    pub created_at: i64,
    /// When the holder acted (epoch ms).
    pub acted_at: i64,
}

/// 待办 steps done (or returned) since an instant, with their process's key.
pub async fn step_samples(db: &Db, since_ms: i64) -> Result<Vec<StepSample>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select pr.key as process_key, t.step_id, t.created_at, t.acted_at
         from tasks t join cases c on c.id = t.case_id join processes pr on pr.id = c.process_id
         where t.kind = 'task' and t.state in ('done', 'returned') and t.acted_at is not null
           and t.acted_at >= $1")
        .bind(since_ms).fetch_all(c).await)?)
}

/// An open step of a running case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenStep {
    /// Task.
    pub task_id: i64,
    /// Case.
    pub case_id: i64,
    /// Run of the step.
    pub run_no: i64,
    /// `task` (待办) or `read` (待阅).
    pub kind: String,
    /// The process's key.
    pub process_key: String,
    /// The case's item kind code.
    pub item_kind: String,
    /// Step id.
    pub step_id: String,
    /// Step name.
    pub step_name: String,
    /// Holder.
    pub post_id: i64,
    /// Holder's unit.
    pub unit_id: i64,
    /// When it reached the holder (epoch ms).
    pub created_at: i64,
}

/// Every open step of every running case, oldest first.
pub async fn open_steps(db: &Db) -> Result<Vec<OpenStep>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select t.id as task_id, t.case_id, t.run_no, t.kind, pr.key as process_key, c.item_kind,
             t.step_id, t.step_name, t.post_id, p.unit_id, t.created_at
         from tasks t join cases c on c.id = t.case_id join processes pr on pr.id = c.process_id
         join posts p on p.id = t.post_id
         where t.state = 'open' and c.status = 'running' order by t.id")
        .fetch_all(c).await)?)
}

/// How many steps each unit's posts held open at an instant: (unit, steps). Read back from the
/// projection: a step counts when it had reached its holder by then and was acted on only
/// after (or is open still).
pub async fn open_counts_at(db: &Db, at_ms: i64) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select p.unit_id, count(*) as n from tasks t join posts p on p.id = t.post_id
         where t.created_at <= $1 and t.state <> 'waiting'
           and (t.state = 'open' or (t.acted_at is not null and t.acted_at > $1))
         group by p.unit_id order by p.unit_id")
        .bind(at_ms).fetch_all(c).await)?)
}

/// The post at the head of a unit: its highest active position (科长 of a section, 主任 of an
/// office).
pub async fn chief_of(db: &Db, unit_id: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select p.id from posts p join positions q on q.id = p.position_id
         where p.unit_id = $1 and p.active = 1 and q.code <> 'staff'
         order by q.rank, p.id limit 1")
        .bind(unit_id).fetch_optional(c).await)?)
}

/// The active posts of a unit.
pub async fn posts_of_unit(db: &Db, unit_id: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select id from posts where unit_id = $1 and active = 1 order by id")
        .bind(unit_id).fetch_all(c).await)?)
}

/// An alert as stored, with what the page shows beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    /// Id.
    pub id: i64,
    /// Rule code.
    pub rule: String,
    /// `case:12`, `step:12:3` or `unit:7`.
    pub subject: String,
    /// The item, if the alert is about one.
    pub case_id: Option<i64>,
    /// The responsible unit.
    pub unit_id: i64,
    /// The responsible post.
    pub post_id: Option<i64>,
    /// The government whose settings raised it.
    pub government_id: Option<i64>,
    /// What raised it, in words.
    pub facts: String,
    /// Epoch ms.
    pub raised_at: i64,
    /// When its condition stopped holding (已消除).
    pub cleared_at: Option<i64>,
    /// When acknowledged (确认).
    pub acknowledged_at: Option<i64>,
    /// By which post.
    pub acknowledged_by_post_id: Option<i64>,
    /// The note (说明/纠错措施).
    pub note: Option<String>,
    /// The item's title (empty for a unit's alert).
    pub title: String,
    /// The item's 密级 code (`public` for a unit's alert).
    pub classification: String,
    /// The responsible unit's short name.
    pub unit_name: String,
    /// The responsible post, "姓名（职务）" (empty if none).
    pub holder: String,
    /// Who acknowledged, "姓名（职务）" (empty if not yet).
    pub acknowledged_by: String,
}

fn select_alerts() -> String {
    format!(
        "select a.id, a.rule, a.subject, a.case_id, a.unit_id, a.post_id, a.government_id, a.facts,
             a.raised_at, a.cleared_at, a.acknowledged_at, a.acknowledged_by_post_id, a.note,
             coalesce(c.title, '') as title,
             case when a.case_id is null then 'public' else {classification} end as classification,
             u.short_name as unit_name,
             coalesce((select pe.name || '（' || coalesce(p.title, q.name) || '）' from posts p
                 join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
                 where p.id = a.post_id), '') as holder,
             coalesce((select pe.name || '（' || coalesce(p.title, q.name) || '）' from posts p
                 join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
                 where p.id = a.acknowledged_by_post_id), '') as acknowledged_by
         from efficiency_alerts a join units u on u.id = a.unit_id
         left join cases c on c.id = a.case_id",
        classification = crate::flow::case_classification_sql("c.id"),
    )
}

/// The alerts that are live (not cleared) or not yet acknowledged: those a scan compares with
/// what holds now.
pub async fn pending(db: &Db) -> Result<Vec<AlertRow>> {
    let sql = format!(
        "{} where a.cleared_at is null or a.acknowledged_at is null order by a.id",
        select_alerts()
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// One alert.
pub async fn find(db: &Db, id: i64) -> Result<AlertRow> {
    let sql = format!("{} where a.id = $1", select_alerts());
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// Which alerts a list holds.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Responsible units (the viewer's scope).
    pub unit_ids: Vec<i64>,
    /// Or exactly these responsible posts (a viewer who sees only their own).
    pub post_ids: Option<Vec<i64>>,
    /// A rule's code.
    pub rule: Option<String>,
    /// `open` (not acknowledged), `acknowledged`; none: both.
    pub state: Option<String>,
}

fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "null".to_owned();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn alert_clause(f: &AlertFilter) -> String {
    let mut sql = match &f.post_ids {
        Some(posts) => format!("a.post_id in ({})", id_list(posts)),
        None => format!("a.unit_id in ({})", id_list(&f.unit_ids)),
    };
    if f.rule.is_some() {
        sql.push_str(" and a.rule = $1");
    }
    match f.state.as_deref() {
        Some("open") => sql.push_str(" and a.acknowledged_at is null"),
        Some("acknowledged") => sql.push_str(" and a.acknowledged_at is not null"),
        _ => {}
    }
    sql
}

/// A page of alerts, open first, the newest first within each.
pub async fn list(db: &Db, f: &AlertFilter, limit: i64, offset: i64) -> Result<Vec<AlertRow>> {
    let n = usize::from(f.rule.is_some());
    let sql = format!(
        "{} where {} order by case when a.acknowledged_at is null then 0 else 1 end,
             a.raised_at desc, a.id desc limit ${} offset ${}",
        select_alerts(),
        alert_clause(f),
        n + 1,
        n + 2
    );
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        if let Some(r) = &f.rule {
            q = q.bind(r);
        }
        q.bind(limit).bind(offset).fetch_all(c).await
    })?)
}

/// How many alerts a filter holds.
pub async fn count(db: &Db, f: &AlertFilter) -> Result<i64> {
    let sql = format!(
        "select count(*) from efficiency_alerts a where {}",
        alert_clause(f)
    );
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        if let Some(r) = &f.rule {
            q = q.bind(r);
        }
        q.fetch_one(c).await
    })?)
}

/// An alert to raise.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// Rule code.
    pub rule: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// The item, if any.
    pub case_id: Option<i64>,
    /// Responsible unit.
    pub unit_id: i64,
    /// Responsible post.
    pub post_id: Option<i64>,
    /// Government whose settings applied.
    pub government_id: Option<i64>,
    /// Facts, in words.
    pub facts: &'a str,
}

/// Raises an alert; answers its id.
pub async fn insert(tx: &mut Tx, a: &NewAlert<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into efficiency_alerts (rule, subject, case_id, unit_id, post_id, government_id,
             facts, raised_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id")
        .bind(a.rule).bind(a.subject).bind(a.case_id).bind(a.unit_id).bind(a.post_id)
        .bind(a.government_id).bind(a.facts).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Marks a live alert cleared (已消除); answers whether it was live.
pub async fn clear(tx: &mut Tx, id: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update efficiency_alerts set cleared_at = $1 where id = $2 and cleared_at is null")
        .bind(now_ms).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Makes a cleared, unacknowledged alert live again (its condition holds anew), with the
/// facts of now; answers whether it was such an alert.
pub async fn reopen(tx: &mut Tx, id: i64, facts: &str) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update efficiency_alerts set cleared_at = null, facts = $1
         where id = $2 and cleared_at is not null and acknowledged_at is null")
        .bind(facts).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Acknowledges an alert (确认) with a note; answers whether it was open.
pub async fn acknowledge(
    tx: &mut Tx,
    id: i64,
    post_id: i64,
    person_id: i64,
    note: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update efficiency_alerts set acknowledged_at = $1, acknowledged_by_post_id = $2,
             acknowledged_by_person_id = $3, note = $4
         where id = $5 and acknowledged_at is null")
        .bind(now_ms).bind(post_id).bind(person_id).bind(note).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Alerts of one unit in a period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertCount {
    /// The responsible unit.
    pub unit_id: i64,
    /// Raised in the period.
    pub raised: i64,
    /// Acknowledged in the period.
    pub acknowledged: i64,
    /// Raised before the period's end and not acknowledged by then.
    pub open: i64,
}

/// Alerts raised, acknowledged and open per responsible unit over `[from, to)` (epoch ms),
/// for the units given; units without any are left out.
pub async fn counts(
    db: &Db,
    unit_ids: &[i64],
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<AlertCount>> {
    let sql = format!(
        "select unit_id,
             sum(case when raised_at >= $1 and raised_at < $2 then 1 else 0 end) as raised,
             sum(case when acknowledged_at >= $1 and acknowledged_at < $2 then 1 else 0 end)
                 as acknowledged,
             sum(case when raised_at < $2 and (acknowledged_at is null or acknowledged_at >= $2)
                 then 1 else 0 end) as open
         from efficiency_alerts where unit_id in ({}) and raised_at < $2
         group by unit_id order by unit_id",
        id_list(unit_ids)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from_ms).bind(to_ms).fetch_all(c).await)?,
    )
}
