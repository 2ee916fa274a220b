//! The management area's own rows: targets and their links, weekly reports, evaluations and
//! their frozen factors.

use super::ids;
use crate::{Db, Result, Tx};

// ---------------------------------------------------------------------------------------------
// Targets

/// A target as stored, with the names its pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetRow {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// The office whose targets these are.
    pub office_unit_id: i64,
    /// The target it was cascaded from.
    pub parent_id: Option<i64>,
    /// The responsible unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit_name: String,
    /// The owner post, if given to a post.
    pub owner_post_id: Option<i64>,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// Title.
    pub title: String,
    /// `number`, `date` or `yes_no`.
    pub measure_kind: String,
    /// The unit of a number.
    pub measure_unit: String,
    /// The value aimed at.
    pub target_value: String,
    /// Percent of the parent's weight.
    pub weight: i64,
    /// Four quarterly milestones, one per line.
    pub milestones: String,
    /// The result recorded.
    pub result_value: String,
    /// Evidence, as written.
    pub evidence: String,
    /// `active`, `achieved`, `missed`.
    pub status: String,
    /// Who made it.
    pub created_by_post_id: i64,
    /// When (epoch ms).
    pub created_at: i64,
}

const TARGET_SELECT: &str = "select t.id, t.year, t.office_unit_id, t.parent_id, t.unit_id,
    u.short_name as unit_name, t.owner_post_id, pe.name as owner_name, t.title, t.measure_kind,
    t.measure_unit, t.target_value, t.weight, t.milestones, t.result_value, t.evidence, t.status,
    t.created_by_post_id, t.created_at
    from targets t join units u on u.id = t.unit_id
    left join posts p on p.id = t.owner_post_id left join persons pe on pe.id = p.person_id";

/// A target to add.
#[derive(Debug, Clone)]
pub struct NewTarget<'a> {
    /// Year.
    pub year: i64,
    /// Office.
    pub office_unit_id: i64,
    /// Parent.
    pub parent_id: Option<i64>,
    /// Responsible unit.
    pub unit_id: i64,
    /// Owner post.
    pub owner_post_id: Option<i64>,
    /// Title.
    pub title: &'a str,
    /// Measure kind code.
    pub measure_kind: &'a str,
    /// Measure unit.
    pub measure_unit: &'a str,
    /// Target value.
    pub target_value: &'a str,
    /// Weight.
    pub weight: i64,
    /// Milestones.
    pub milestones: &'a str,
    /// The maker.
    pub created_by_post_id: i64,
}

/// Takes the lock row of a cascade (`target:{parent}` or `office:{unit}:{year}`): on
/// PostgreSQL the upsert holds the row until the transaction ends, so a second cascade onto
/// the same parent waits and then sees the first one's child.
pub async fn lock_cascade(tx: &mut Tx, key: &str, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into target_locks (lock_key, taken_at) values ($1, $2)
         on conflict (lock_key) do update set taken_at = $2")
        .bind(key).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The weight already given to a parent's children, or to an office's top-level targets of
/// a year.
pub async fn weight_assigned(
    tx: &mut Tx,
    parent: Option<i64>,
    office: i64,
    year: i64,
) -> Result<i64> {
    let n: i64 = match parent {
        Some(p) => with_tx!(tx, c => sqlx::query_scalar(
            "select cast(coalesce(sum(weight), 0) as bigint) from targets where parent_id = $1")
            .bind(p).fetch_one(c).await)?,
        None => with_tx!(tx, c => sqlx::query_scalar(
            "select cast(coalesce(sum(weight), 0) as bigint) from targets
             where parent_id is null and office_unit_id = $1 and year = $2")
            .bind(office).bind(year).fetch_one(c).await)?,
    };
    Ok(n)
}

/// Adds a target.
pub async fn insert_target(tx: &mut Tx, t: &NewTarget<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into targets (year, office_unit_id, parent_id, unit_id, owner_post_id, title,
             measure_kind, measure_unit, target_value, weight, milestones, created_by_post_id,
             created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id")
        .bind(t.year).bind(t.office_unit_id).bind(t.parent_id).bind(t.unit_id)
        .bind(t.owner_post_id).bind(t.title).bind(t.measure_kind).bind(t.measure_unit)
        .bind(t.target_value).bind(t.weight).bind(t.milestones).bind(t.created_by_post_id)
        .bind(now_ms).fetch_one(c).await)?)
}

/// One target.
pub async fn find_target(db: &Db, id: i64) -> Result<TargetRow> {
    let sql = format!("{TARGET_SELECT} where t.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// One target, inside a transaction.
pub async fn find_target_tx(tx: &mut Tx, id: i64) -> Result<TargetRow> {
    let sql = format!("{TARGET_SELECT} where t.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// Every target of some offices for a year, parents before children (by id).
pub async fn targets_of_offices(db: &Db, offices: &[i64], year: i64) -> Result<Vec<TargetRow>> {
    let sql = format!(
        "{TARGET_SELECT} where t.office_unit_id in ({}) and t.year = $1 order by t.id",
        ids(offices)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(year).fetch_all(c).await)?,
    )
}

/// Records a target's result.
pub async fn record_result(
    tx: &mut Tx,
    id: i64,
    result: &str,
    evidence: &str,
    status: &str,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update targets set result_value = $2, evidence = $3, status = $4, updated_at = $5
         where id = $1")
        .bind(id).bind(result).bind(evidence).bind(status).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A link from a target to an item, with what the item is now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    /// Target.
    pub target_id: i64,
    /// `supervision`, `document` or `meeting`.
    pub kind: String,
    /// The item's id in its area.
    pub ref_id: i64,
    /// Its title.
    pub title: String,
    /// Its 密级 code.
    pub classification: String,
    /// 1 when the item is complete (a 督办事项 struck off, a document's case closed, a
    /// meeting held).
    pub done: i64,
}

/// The links of some targets.
pub async fn links_of(db: &Db, targets: &[i64]) -> Result<Vec<LinkRow>> {
    let sql = format!(
        "select l.target_id, l.kind, l.ref_id,
             coalesce(case l.kind
                 when 'supervision' then (select i.title from supervision_items i where i.id = l.ref_id)
                 when 'document' then (select d.title from documents d where d.id = l.ref_id)
                 else (select m.title from meetings m where m.id = l.ref_id) end, '') as title,
             coalesce(case l.kind
                 when 'supervision' then (select {sv} from supervision_items i where i.id = l.ref_id)
                 when 'document' then (select d.classification from documents d where d.id = l.ref_id)
                 else (select m.classification from meetings m where m.id = l.ref_id) end,
                 'top_secret') as classification,
             cast(coalesce(case l.kind
                 when 'supervision' then (select case when i.state = 'closed' then 1 else 0 end
                     from supervision_items i where i.id = l.ref_id)
                 when 'document' then (select case when c.status = 'closed' then 1 else 0 end
                     from documents d join cases c on c.id = d.case_id where d.id = l.ref_id)
                 else (select case when m.status in ('ended', 'minuted') then 1 else 0 end
                     from meetings m where m.id = l.ref_id) end, 0) as bigint) as done
         from target_links l where l.target_id in ({}) order by l.target_id, l.created_at",
        ids(targets),
        sv = crate::flow::case_classification_sql("i.case_id"),
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Links a target to an item (again: nothing changes).
pub async fn insert_link(
    tx: &mut Tx,
    target: i64,
    kind: &str,
    ref_id: i64,
    post: i64,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into target_links (target_id, kind, ref_id, created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5) on conflict (target_id, kind, ref_id) do nothing")
        .bind(target).bind(kind).bind(ref_id).bind(post).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Weekly reports

/// A weekly report as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WeeklyRow {
    /// Id.
    pub id: i64,
    /// The reporting post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// Monday of the week.
    pub week_start: String,
    /// The day it is owed by.
    pub due_date: String,
    /// The text ('' until saved).
    pub body: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<i64>,
    /// Submitted after its day.
    pub late: i64,
    /// The chief's comment.
    pub comment: String,
    /// Who commented.
    pub commented_by_post_id: Option<i64>,
    /// When.
    pub commented_at: Option<i64>,
    /// Times urged.
    pub urge_count: i64,
}

const WEEKLY_SELECT: &str = "select id, post_id, unit_id, week_start, due_date, body, status,
    submitted_at, cast(late as bigint) as late, comment, commented_by_post_id, commented_at,
    urge_count
    from weekly_reports";

/// A post's report of a week, if one was saved or urged.
pub async fn find_weekly(db: &Db, post: i64, week: &str) -> Result<Option<WeeklyRow>> {
    let sql = format!("{WEEKLY_SELECT} where post_id = $1 and week_start = $2");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(week).fetch_optional(c).await)?,
    )
}

/// A post's report of a week, inside a transaction.
pub async fn find_weekly_tx(tx: &mut Tx, post: i64, week: &str) -> Result<Option<WeeklyRow>> {
    let sql = format!("{WEEKLY_SELECT} where post_id = $1 and week_start = $2");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(week).fetch_optional(c).await)?,
    )
}

/// One report by id.
pub async fn weekly_by_id(db: &Db, id: i64) -> Result<WeeklyRow> {
    let sql = format!("{WEEKLY_SELECT} where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// The reports of some posts for some weeks.
pub async fn weeklies(db: &Db, posts: &[i64], weeks: &[String]) -> Result<Vec<WeeklyRow>> {
    if weeks.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=weeks.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{WEEKLY_SELECT} where post_id in ({}) and week_start in ({}) order by post_id, week_start",
        ids(posts),
        marks.join(",")
    );
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for w in weeks {
            q = q.bind(w);
        }
        q.fetch_all(c).await
    })?)
}

/// A post's reports, newest first.
pub async fn weeklies_of_post(db: &Db, post: i64, limit: i64) -> Result<Vec<WeeklyRow>> {
    let sql = format!("{WEEKLY_SELECT} where post_id = $1 order by week_start desc limit $2");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(limit).fetch_all(c).await)?,
    )
}

/// Makes the row of a post's week if there is none; answers its id.
pub async fn ensure_weekly(
    tx: &mut Tx,
    post: i64,
    unit: i64,
    week: &str,
    due: &str,
    now_ms: i64,
) -> Result<i64> {
    with_tx!(tx, c => sqlx::query(
        "insert into weekly_reports (post_id, unit_id, week_start, due_date, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5) on conflict (post_id, week_start) do nothing")
        .bind(post).bind(unit).bind(week).bind(due).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from weekly_reports where post_id = $1 and week_start = $2")
        .bind(post).bind(week).fetch_one(c).await)?)
}

/// Saves a report's text; submits it when `submit` (late when after its day). Only a report
/// not yet submitted changes: answers whether it did.
pub async fn save_weekly(
    tx: &mut Tx,
    id: i64,
    body: &str,
    submit: bool,
    late: bool,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update weekly_reports set body = $2,
             status = case when $3 = 1 then 'submitted' else 'draft' end,
             submitted_at = case when $3 = 1 then $5 else null end,
             late = $4, updated_at = $5
         where id = $1 and status = 'draft'")
        .bind(id).bind(body).bind(i64::from(submit)).bind(i64::from(late && submit))
        .bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The chief's comment on a submitted report.
pub async fn comment_weekly(
    tx: &mut Tx,
    id: i64,
    comment: &str,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update weekly_reports set comment = $2, commented_by_post_id = $3, commented_at = $4,
             updated_at = $4 where id = $1 and status = 'submitted'")
        .bind(id).bind(comment).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Counts an urge on a report still owed.
pub async fn urge_weekly(tx: &mut Tx, id: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update weekly_reports set urge_count = urge_count + 1, last_urged_at = $2,
             updated_at = $2 where id = $1 and status = 'draft'")
        .bind(id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Evaluations

/// A post's evaluation of a month.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    /// Id.
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// Post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The leader's rating (±10).
    pub rating: i64,
    /// The leader's comment.
    pub rating_comment: String,
    /// Who rated.
    pub rated_by_post_id: Option<i64>,
    /// The objection's reason.
    pub objection: String,
    /// When objected.
    pub objected_at: Option<i64>,
    /// `pending`, `upheld`, `rejected`.
    pub objection_status: Option<String>,
    /// The decision's reason.
    pub decision: String,
    /// Who decided.
    pub decided_by_post_id: Option<i64>,
    /// When locked.
    pub locked_at: Option<i64>,
    /// Who locked.
    pub locked_by_post_id: Option<i64>,
    /// The total at locking, in hundredths.
    pub total_centi: Option<i64>,
}

const EVAL_SELECT: &str = "select id, month, post_id, unit_id, rating, rating_comment,
    rated_by_post_id, objection, objected_at, objection_status, decision, decided_by_post_id,
    locked_at, locked_by_post_id, total_centi from evaluations";

/// The evaluations of some posts for a month.
pub async fn evaluations(db: &Db, month: &str, posts: &[i64]) -> Result<Vec<EvaluationRow>> {
    let sql = format!(
        "{EVAL_SELECT} where month = $1 and post_id in ({}) order by post_id",
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// One evaluation by month and post, inside a transaction (after [`ensure_evaluation`]).
pub async fn evaluation_tx(tx: &mut Tx, month: &str, post: i64) -> Result<EvaluationRow> {
    let sql = format!("{EVAL_SELECT} where month = $1 and post_id = $2");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).bind(post).fetch_one(c).await)?,
    )
}

/// Makes a post's evaluation row of a month if there is none.
pub async fn ensure_evaluation(
    tx: &mut Tx,
    month: &str,
    post: i64,
    unit: i64,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into evaluations (month, post_id, unit_id, created_at, updated_at)
         values ($1, $2, $3, $4, $4) on conflict (month, post_id) do nothing")
        .bind(month).bind(post).bind(unit).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Sets the leader's rating of an unlocked evaluation; answers whether it changed.
pub async fn rate(
    tx: &mut Tx,
    id: i64,
    rating: i64,
    comment: &str,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update evaluations set rating = $2, rating_comment = $3, rated_by_post_id = $4,
             rated_at = $5, updated_at = $5 where id = $1 and locked_at is null")
        .bind(id).bind(rating).bind(comment).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Files an objection on an unlocked evaluation with none pending or decided.
pub async fn object(tx: &mut Tx, id: i64, reason: &str, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update evaluations set objection = $2, objected_at = $3, objection_status = 'pending',
             updated_at = $3
         where id = $1 and locked_at is null and objection_status is null")
        .bind(id).bind(reason).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Decides a pending objection (`upheld` may come with a new rating).
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    status: &str,
    reason: &str,
    rating: Option<i64>,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update evaluations set objection_status = $2, decision = $3,
             rating = coalesce($4, rating), decided_by_post_id = $5, decided_at = $6,
             updated_at = $6
         where id = $1 and locked_at is null and objection_status = 'pending'")
        .bind(id).bind(status).bind(reason).bind(rating).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Locks an evaluation with its total; refused (false) if locked already or an objection is
/// pending.
pub async fn lock(tx: &mut Tx, id: i64, total_centi: i64, post: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update evaluations set locked_at = $4, locked_by_post_id = $3, total_centi = $2,
             updated_at = $4
         where id = $1 and locked_at is null
           and (objection_status is null or objection_status <> 'pending')")
        .bind(id).bind(total_centi).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A factor's figures frozen at locking.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FrozenFactor {
    /// Evaluation.
    pub evaluation_id: i64,
    /// Factor code.
    pub factor: String,
    /// Weight at locking.
    pub weight: i64,
    /// Score in hundredths.
    pub score_centi: i64,
    /// What the score was computed from (JSON of the view's figures and items).
    pub figures: String,
}

/// Freezes one factor of a locked evaluation.
pub async fn freeze_factor(tx: &mut Tx, f: &FrozenFactor) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into evaluation_factors (evaluation_id, factor, weight, score_centi, figures)
         values ($1, $2, $3, $4, $5)")
        .bind(f.evaluation_id).bind(f.factor.as_str()).bind(f.weight).bind(f.score_centi)
        .bind(f.figures.as_str()).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The frozen factors of some evaluations.
pub async fn frozen_factors(db: &Db, evaluations: &[i64]) -> Result<Vec<FrozenFactor>> {
    let sql = format!(
        "select evaluation_id, factor, weight, score_centi, figures from evaluation_factors
         where evaluation_id in ({}) order by evaluation_id, factor",
        ids(evaluations)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}
