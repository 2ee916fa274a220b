//! SQL of 办事与服务 (migration 0031): the category catalogue, service requests with their
//! files, assisting units, 退单, 延期 and 回访 rows, the requester's progress log, and the public
//! form's challenges. Who may see or do what is the service's rule, not here.

use crate::{Db, Result, Tx};

/// A category of the catalogue (事项类别).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    /// Id.
    pub id: i64,
    /// 咨询, 求助 …
    pub name: String,
    /// The limit in working days.
    pub limit_days: i64,
    /// `visit` or `none`.
    pub visit_rule: String,
    /// The limit in working hours, when it is given in hours (then `limit_days` is the working
    /// days it reaches into).
    pub limit_hours: Option<i64>,
    /// `public` (the public's catalogue) or `internal` (the office's own 办事).
    pub scope: String,
}

/// The catalogue in the office's order.
pub async fn categories(db: &Db) -> Result<Vec<CategoryRow>> {
    let sql = "select id, name, limit_days, visit_rule, limit_hours, scope from service_categories
               order by sort_order, id";
    Ok(with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// One category, in a transaction.
pub async fn category_tx(tx: &mut Tx, id: i64) -> Result<CategoryRow> {
    let sql = "select id, name, limit_days, visit_rule, limit_hours, scope from service_categories
               where id = $1";
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_one(c).await)?)
}

/// Adds a category at the end of the catalogue, or changes the limit and rule of one of that
/// name.
pub async fn upsert_category(tx: &mut Tx, name: &str, limit_days: i64, visit: &str) -> Result<i64> {
    let sql = "insert into service_categories (name, limit_days, visit_rule, sort_order)
               values ($1, $2, $3, (select coalesce(max(sort_order), 0) + 1 from service_categories))
               on conflict (name) do update set limit_days = excluded.limit_days,
                   visit_rule = excluded.visit_rule
               returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(name).bind(limit_days).bind(visit)
        .fetch_one(c).await)?,
    )
}

/// A service request with the names it is shown with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    /// Id.
    pub id: i64,
    /// The public tracking code.
    pub code: String,
    /// The government it was addressed to.
    pub government_id: i64,
    /// Its name.
    pub government_name: String,
    /// Channel code.
    pub channel: String,
    /// Category.
    pub category_id: i64,
    /// Its name.
    pub category_name: String,
    /// Its 回访 rule.
    pub visit_rule: String,
    /// Its limit.
    pub limit_days: i64,
    /// Its limit in working hours, when given in hours.
    pub limit_hours: Option<i64>,
    /// 1: anonymous.
    pub anonymous: i16,
    /// Name as given.
    pub requester_name: String,
    /// Phone (digits; empty for an anonymous requester).
    pub phone: String,
    /// SM3 of the phone's digits.
    pub phone_hash: String,
    /// 地点.
    pub location: String,
    /// 诉求内容.
    pub description: String,
    /// Urgency code.
    pub urgency: String,
    /// State code.
    pub state: String,
    /// Outcome code ('' while open).
    pub outcome: String,
    /// The case, from 受理 on.
    pub case_id: Option<i64>,
    /// The open request it was merged into.
    pub merged_into: Option<i64>,
    /// Why it was declined.
    pub decline_reason: String,
    /// 承办单位.
    pub lead_unit_id: Option<i64>,
    /// Its name.
    pub lead_unit_name: Option<String>,
    /// 承办岗位.
    pub lead_post_id: Option<i64>,
    /// Day received (Beijing).
    pub received_on: String,
    /// 办理时限 (Beijing day), from 受理 on.
    pub deadline: Option<String>,
    /// How many times it went back for 重办.
    pub reworks: i64,
    /// The lead post's latest answer.
    pub answer: String,
    /// The answer the dispatchers approved: what the requester reads.
    pub answer_public: String,
    /// The day the latest approved answer reached the requester.
    pub answered_on: Option<String>,
    /// Day closed.
    pub closed_on: Option<String>,
    /// The step the area is completing itself (see the hooks).
    pub pending_step: String,
    /// Who registered it (none: the public form).
    pub registered_by_post_id: Option<i64>,
    /// The staff post that asked (an internal request).
    pub requester_post_id: Option<i64>,
    /// The instant the limit ends (epoch ms), from 受理 on.
    pub deadline_at: Option<i64>,
    /// The instant the latest approved answer went out (epoch ms).
    pub answered_at: Option<i64>,
    /// Created (epoch ms).
    pub created_at: i64,
}

const SELECT: &str = "select r.id, r.code, r.government_id, g.name as government_name, r.channel,
    r.category_id, k.name as category_name, k.visit_rule, k.limit_days, k.limit_hours, r.anonymous,
    r.requester_name, r.phone, r.phone_hash, r.location, r.description, r.urgency, r.state,
    r.outcome, r.case_id, r.merged_into, r.decline_reason, r.lead_unit_id,
    l.short_name as lead_unit_name, r.lead_post_id, r.received_on, r.deadline, r.reworks,
    r.answer, r.answer_public, r.answered_on, r.closed_on, r.pending_step, r.registered_by_post_id,
    r.requester_post_id, r.deadline_at, r.answered_at, r.created_at
    from service_requests r join units g on g.id = r.government_id
    join service_categories k on k.id = r.category_id
    left join units l on l.id = r.lead_unit_id";

/// A new request.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// Tracking code.
    pub code: &'a str,
    /// Government addressed.
    pub government_id: i64,
    /// Channel code.
    pub channel: &'a str,
    /// Category.
    pub category_id: i64,
    /// Anonymous?
    pub anonymous: bool,
    /// Name.
    pub requester_name: &'a str,
    /// Phone digits.
    pub phone: &'a str,
    /// Its hash.
    pub phone_hash: &'a str,
    /// Place.
    pub location: &'a str,
    /// Content.
    pub description: &'a str,
    /// Urgency code.
    pub urgency: &'a str,
    /// Day received.
    pub received_on: &'a str,
    /// Address hash.
    pub source_hash: &'a str,
    /// Registering post.
    pub registered_by: Option<i64>,
    /// The staff post asking (an internal request).
    pub requester_post: Option<i64>,
}

/// Stores a new request (state 待受理).
pub async fn insert_request(tx: &mut Tx, r: &NewRequest<'_>, at: i64) -> Result<i64> {
    let sql = "insert into service_requests (code, government_id, channel, category_id, anonymous,
                   requester_name, phone, phone_hash, location, description, urgency, state,
                   received_on, source_hash, registered_by_post_id, requester_post_id, created_at,
                   updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13, $14,
                       $15, $16, $16)
               returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(r.code).bind(r.government_id).bind(r.channel).bind(r.category_id)
        .bind(i16::from(r.anonymous)).bind(r.requester_name).bind(r.phone).bind(r.phone_hash)
        .bind(r.location).bind(r.description).bind(r.urgency).bind(r.received_on)
        .bind(r.source_hash).bind(r.registered_by).bind(r.requester_post).bind(at)
        .fetch_one(c).await)?)
}

/// One request.
pub async fn find(db: &Db, id: i64) -> Result<RequestRow> {
    let sql = format!("{SELECT} where r.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// One request, in a transaction.
pub async fn find_tx(tx: &mut Tx, id: i64) -> Result<RequestRow> {
    let sql = format!("{SELECT} where r.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The request of a case, if the case is one.
pub async fn of_case(tx: &mut Tx, case_id: i64) -> Result<Option<RequestRow>> {
    let sql = format!("{SELECT} where r.case_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id)
        .fetch_optional(c).await)?,
    )
}

/// The request of a case, outside a transaction.
pub async fn of_case_db(db: &Db, case_id: i64) -> Result<Option<RequestRow>> {
    let sql = format!("{SELECT} where r.case_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id)
        .fetch_optional(c).await)?,
    )
}

/// A request by its tracking code.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<RequestRow>> {
    let sql = format!("{SELECT} where r.code = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code)
        .fetch_optional(c).await)?,
    )
}

/// The requests merged into one.
pub async fn merged_into(db: &Db, id: i64) -> Result<Vec<RequestRow>> {
    let sql = format!("{SELECT} where r.merged_into = $1 order by r.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_all(c).await)?,
    )
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Requests addressed to these governments (the dispatchers' view)…
    pub governments: Vec<i64>,
    /// …or led or assisted by these units (a unit's view). Both empty: nothing.
    pub units: Vec<i64>,
    /// Only these states (empty: all).
    pub states: Vec<String>,
    /// Only open ones whose deadline is before this day (超期)…
    pub overdue_before: Option<String>,
    /// …or whose limit ended before this instant (epoch ms).
    pub overdue_at: i64,
    /// Only ones returned at least once (退单).
    pub returned: bool,
    /// Only ones sent back for 重办.
    pub reworked: bool,
    /// Only ones that drew a 催办通知书.
    pub urged: bool,
    /// Only the internal requests of this post (我的申请; governments and units are then
    /// ignored).
    pub requester_post: Option<i64>,
    /// The viewer's post: an internal request is listed by its units only to its lead post
    /// (its dispatchers list it through `governments`).
    pub viewer_post: i64,
    /// At most this many.
    pub limit: i64,
}

fn ids(v: &[i64]) -> String {
    if v.is_empty() {
        "0".into()
    } else {
        v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

/// Requests by the filter, newest first.
pub async fn list(db: &Db, f: &ListFilter) -> Result<Vec<RequestRow>> {
    let mut binds: Vec<String> = Vec::new();
    let mut sql = match f.requester_post {
        Some(post) => format!("{SELECT} where r.requester_post_id = {post}"),
        None => format!(
            "{SELECT} where (r.government_id in ({g}) or r.lead_unit_id in ({u})
                or r.id in (select request_id from service_assists where unit_id in ({u})))
              and (r.channel <> 'internal' or r.government_id in ({g})
                or r.lead_post_id = {p})",
            g = ids(&f.governments),
            u = ids(&f.units),
            p = f.viewer_post
        ),
    };
    if !f.states.is_empty() {
        let mut marks = Vec::new();
        for s in &f.states {
            binds.push(s.clone());
            marks.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" and r.state in ({})", marks.join(",")));
    }
    if let Some(day) = &f.overdue_before {
        binds.push(day.clone());
        // A limit in hours is past at its instant, before its day ends.
        sql.push_str(&format!(
            " and (r.deadline < ${} or r.deadline_at < {})
              and r.state in ('dispatching', 'signing', 'handling', 'reviewing')",
            binds.len(),
            f.overdue_at
        ));
    }
    if f.returned {
        sql.push_str(" and exists (select 1 from service_returns x where x.request_id = r.id)");
    }
    if f.reworked {
        sql.push_str(" and r.reworks > 0");
    }
    if f.urged {
        sql.push_str(" and exists (select 1 from service_urges x where x.request_id = r.id)");
    }
    sql.push_str(&format!(
        " order by r.created_at desc, r.id desc limit {}",
        f.limit.clamp(1, 5000)
    ));
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(c).await
    })?)
}

/// Sets the state (and the outcome, and the closing day, when given).
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    state: &str,
    outcome: Option<&str>,
    closed_on: Option<&str>,
    at: i64,
) -> Result<()> {
    let sql = "update service_requests set state = $2, outcome = coalesce($3, outcome),
                   closed_on = coalesce($4, closed_on), updated_at = $5 where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(id).bind(state).bind(outcome).bind(closed_on).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a request out of 待受理 for its 受理, 合并 or 不予受理: false when another dispatcher
/// did first (the row stays locked until the transaction ends).
pub async fn claim(tx: &mut Tx, id: i64, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update service_requests set state = 'dispatching', updated_at = $2
         where id = $1 and state = 'received'")
        .bind(id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A request's limit: the Beijing day it falls on and the instant it ends (epoch ms).
#[derive(Debug, Clone, Copy)]
pub struct Limit<'a> {
    /// The day (YYYY-MM-DD).
    pub day: &'a str,
    /// The instant.
    pub at: i64,
}

/// 受理: links the case and sets the deadline (after [`claim`]).
pub async fn accept(tx: &mut Tx, id: i64, case_id: i64, limit: Limit<'_>, at: i64) -> Result<()> {
    let sql = "update service_requests set case_id = $2, deadline = $3, deadline_at = $4,
                   updated_at = $5
               where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(id).bind(case_id).bind(limit.day).bind(limit.at)
        .bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// 合并 or 不予受理: closes a request that never started a case.
pub async fn close_unaccepted(
    tx: &mut Tx,
    id: i64,
    state: &str,
    merged_into: Option<i64>,
    reason: &str,
    day: &str,
    at: i64,
) -> Result<u64> {
    let sql = "update service_requests set state = $2, outcome = $2, merged_into = $3,
                   decline_reason = $4, closed_on = $5, updated_at = $6
               where id = $1 and state in ('received', 'dispatching') and case_id is null";
    Ok(
        with_tx!(tx, c => sqlx::query(sql).bind(id).bind(state).bind(merged_into).bind(reason)
        .bind(day).bind(at).execute(c).await.map(|r| r.rows_affected()))?,
    )
}

/// Sets (or clears) the lead unit and post.
pub async fn set_lead(
    tx: &mut Tx,
    id: i64,
    unit: Option<i64>,
    post: Option<i64>,
    at: i64,
) -> Result<()> {
    let sql = "update service_requests set lead_unit_id = $2, lead_post_id = $3, updated_at = $4
               where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(id).bind(unit).bind(post).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Replaces the assisting units.
pub async fn set_assists(tx: &mut Tx, id: i64, units: &[i64]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from service_assists where request_id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    for u in units {
        with_tx!(tx, c => sqlx::query(
            "insert into service_assists (request_id, unit_id) values ($1, $2)")
            .bind(id).bind(*u).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The assisting units: (id, short name).
pub async fn assists(db: &Db, id: i64) -> Result<Vec<(i64, String)>> {
    let sql = "select u.id, u.short_name from service_assists a join units u on u.id = a.unit_id
               where a.request_id = $1 order by u.sort_order, u.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)?)
}

/// The step the area is about to complete itself (or '' once done).
pub async fn set_pending(tx: &mut Tx, id: i64, step: &str) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update service_requests set pending_step = $2 where id = $1")
        .bind(id).bind(step).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sets the deadline.
pub async fn set_deadline(tx: &mut Tx, id: i64, limit: Limit<'_>, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update service_requests set deadline = $2, deadline_at = $3, updated_at = $4
         where id = $1")
        .bind(id).bind(limit.day).bind(limit.at).bind(at).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The lead post's answer (not yet shown to the requester).
pub async fn set_answer(tx: &mut Tx, id: i64, answer: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update service_requests set answer = $2, updated_at = $3 where id = $1")
        .bind(id).bind(answer).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The approved answer: what the requester now reads, and the day it reached them.
pub async fn publish_answer(tx: &mut Tx, id: i64, day: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update service_requests set answer_public = answer, answered_on = $2, answered_at = $3,
             updated_at = $3
         where id = $1")
        .bind(id).bind(day).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// 重办: one more round, with its new deadline.
pub async fn rework(tx: &mut Tx, id: i64, limit: Limit<'_>, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update service_requests set reworks = reworks + 1, deadline = $2, deadline_at = $3,
             updated_at = $4
         where id = $1")
        .bind(id).bind(limit.day).bind(limit.at).bind(at).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many requests came from an address hash, or a phone hash, since an instant.
pub async fn submitted_since(
    tx: &mut Tx,
    column_is_phone: bool,
    hash: &str,
    since: i64,
) -> Result<i64> {
    let sql = if column_is_phone {
        "select count(*) from service_requests where phone_hash = $1 and created_at >= $2
            and registered_by_post_id is null"
    } else {
        "select count(*) from service_requests where source_hash = $1 and created_at >= $2
            and registered_by_post_id is null"
    };
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(hash).bind(since).fetch_one(c).await)?)
}

/// Stores a challenge.
pub async fn insert_challenge(tx: &mut Tx, token: &str, answer: i64, expires: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into service_challenges (token, answer, expires_at) values ($1, $2, $3)")
        .bind(token).bind(answer).bind(expires).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a challenge (it is used once): its answer, if it exists and has not expired. Expired
/// challenges are swept at the same time.
pub async fn take_challenge(tx: &mut Tx, token: &str, now: i64) -> Result<Option<i64>> {
    let answer: Option<i64> = with_tx!(tx, c => sqlx::query_scalar(
        "select answer from service_challenges where token = $1 and expires_at > $2")
        .bind(token).bind(now).fetch_optional(c).await)?;
    with_tx!(tx, c => sqlx::query(
        "delete from service_challenges where token = $1 or expires_at <= $2")
        .bind(token).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(answer)
}

/// A line of the requester's progress log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgressRow {
    /// Which request.
    pub request_id: i64,
    /// The step, in words.
    pub step: String,
    /// What the requester is told.
    pub note: String,
    /// When (epoch ms).
    pub created_at: i64,
}

/// Adds a line to the progress log.
pub async fn progress(tx: &mut Tx, id: i64, step: &str, note: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into service_progress (request_id, step, note, created_at) values ($1, $2, $3, $4)")
        .bind(id).bind(step).bind(note).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The progress log of requests, in order.
pub async fn progress_of(db: &Db, ids_: &[i64]) -> Result<Vec<ProgressRow>> {
    let sql = format!(
        "select request_id, step, note, created_at from service_progress
         where request_id in ({}) order by created_at, id",
        ids(ids_)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Records a 退单.
pub async fn insert_return(
    tx: &mut Tx,
    id: i64,
    unit: i64,
    post: i64,
    reason: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into service_returns (request_id, unit_id, post_id, reason, created_at)
         values ($1, $2, $3, $4, $5)")
        .bind(id).bind(unit).bind(post).bind(reason).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A 退单: (unit's name, reason, when).
pub async fn returns_of(db: &Db, id: i64) -> Result<Vec<(String, String, i64)>> {
    let sql = "select u.short_name, x.reason, x.created_at from service_returns x
               join units u on u.id = x.unit_id where x.request_id = $1 order by x.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)?)
}

/// A unit's figures for dispatching.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitLoad {
    /// The unit.
    pub unit_id: i64,
    /// Open requests it leads.
    pub open: i64,
    /// Requests it closed.
    pub closed: i64,
    /// Of which answered on or before their deadline.
    pub on_time: i64,
    /// 退单 it made.
    pub returns: i64,
}

/// Each unit's load, closings on time and 退单 (units with none are absent).
pub async fn unit_loads(db: &Db, units: &[i64]) -> Result<Vec<UnitLoad>> {
    let list = ids(units);
    let sql = format!(
        "select u.id as unit_id,
            (select count(*) from service_requests r where r.lead_unit_id = u.id
               and r.state in ('signing', 'handling', 'reviewing', 'visiting')) as open,
            (select count(*) from service_requests r where r.lead_unit_id = u.id
               and r.state = 'closed') as closed,
            (select count(*) from service_requests r where r.lead_unit_id = u.id
               and r.state = 'closed' and (case when r.answered_at is not null
                   and r.deadline_at is not null then r.answered_at <= r.deadline_at
                   else r.answered_on <= r.deadline end)) as on_time,
            (select count(*) from service_returns x where x.unit_id = u.id) as returns
         from units u where u.id in ({list})"
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// How many 退单 a unit has made.
pub async fn return_count(db: &Db, unit: i64) -> Result<i64> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select count(*) from service_returns where unit_id = $1").bind(unit).fetch_one(c).await)?)
}

/// A 延期申请.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExtensionRow {
    /// Id.
    pub id: i64,
    /// Request.
    pub request_id: i64,
    /// Asking unit's name.
    pub unit_name: String,
    /// Working days asked for.
    pub days: i64,
    /// Why.
    pub reason: String,
    /// pending / approved / refused.
    pub state: String,
    /// The deadline when asked.
    pub old_deadline: String,
    /// The deadline approved.
    pub new_deadline: String,
    /// The decision's note.
    pub decision_note: String,
    /// When asked.
    pub created_at: i64,
}

/// Stores a 延期申请.
#[expect(clippy::too_many_arguments, reason = "one row's columns")]
pub async fn insert_extension(
    tx: &mut Tx,
    id: i64,
    unit: i64,
    post: i64,
    days: i64,
    reason: &str,
    old: &str,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into service_extensions (request_id, unit_id, post_id, days, reason, state,
             old_deadline, created_at) values ($1, $2, $3, $4, $5, 'pending', $6, $7) returning id")
        .bind(id).bind(unit).bind(post).bind(days).bind(reason).bind(old).bind(at)
        .fetch_one(c).await)?)
}

/// The 延期申请 of a request.
pub async fn extensions_of(db: &Db, id: i64) -> Result<Vec<ExtensionRow>> {
    let sql = "select e.id, e.request_id, u.short_name as unit_name, e.days, e.reason, e.state,
                   e.old_deadline, e.new_deadline, e.decision_note, e.created_at
               from service_extensions e join units u on u.id = e.unit_id
               where e.request_id = $1 order by e.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)?)
}

/// The pending 延期申请 of a request, if any.
pub async fn pending_extension(tx: &mut Tx, id: i64) -> Result<Option<ExtensionRow>> {
    let sql = "select e.id, e.request_id, u.short_name as unit_name, e.days, e.reason, e.state,
                   e.old_deadline, e.new_deadline, e.decision_note, e.created_at
               from service_extensions e join units u on u.id = e.unit_id
               where e.request_id = $1 and e.state = 'pending'";
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Decides a pending 延期申请; false if it was decided meanwhile.
pub async fn decide_extension(
    tx: &mut Tx,
    ext: i64,
    approve: bool,
    new_deadline: &str,
    post: i64,
    note: &str,
    at: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update service_extensions set state = $2, new_deadline = $3, decided_by_post_id = $4,
             decision_note = $5, decided_at = $6 where id = $1 and state = 'pending'")
        .bind(ext).bind(if approve { "approved" } else { "refused" }).bind(new_deadline)
        .bind(post).bind(note).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a 回访.
#[expect(clippy::too_many_arguments, reason = "one row's columns")]
pub async fn insert_visit(
    tx: &mut Tx,
    id: i64,
    round: i64,
    unit: Option<i64>,
    result: &str,
    reason: &str,
    via: &str,
    month: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into service_visits (request_id, round, lead_unit_id, result, reason, via, month,
             created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id).bind(round).bind(unit).bind(result).bind(reason).bind(via).bind(month).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The 回访 of a request: (round, result, reason, via, when).
pub async fn visits_of(db: &Db, id: i64) -> Result<Vec<(i64, String, String, String, i64)>> {
    let sql = "select round, result, reason, via, created_at from service_visits
               where request_id = $1 order by round";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)?)
}

/// Adds a file to a request.
pub async fn insert_file(
    tx: &mut Tx,
    id: i64,
    seq: i64,
    name: &str,
    media_type: &str,
    size: i64,
    hash: &str,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into service_request_files (request_id, seq, name, media_type, size, hash)
         values ($1, $2, $3, $4, $5, $6)")
        .bind(id).bind(seq).bind(name).bind(media_type).bind(size).bind(hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A request's files: (seq, name, media type, size, hash).
pub async fn files_of(db: &Db, id: i64) -> Result<Vec<(i64, String, String, i64, String)>> {
    let sql = "select seq, name, media_type, size, hash from service_request_files
               where request_id = $1 order by seq";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(id).fetch_all(c).await)?)
}

/// The active posts of an office and the units below it whose position is one of `positions`
/// (position codes): the dispatchers of a government's requests.
pub async fn posts_in_office(tx: &mut Tx, office: i64, positions: &[&str]) -> Result<Vec<i64>> {
    let codes = positions
        .iter()
        .map(|p| format!("'{}'", p.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "with recursive tree(id, depth) as (
             select id, 0 from units where id = $1
             union all
             select u.id, t.depth + 1 from units u join tree t on u.parent_id = t.id
             where t.depth < 8)
         select p.id from tree t join posts p on p.unit_id = t.id
         join positions q on q.id = p.position_id
         where p.active = 1 and q.code in ({codes}) order by q.rank, p.id"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .fetch_all(c).await)?,
    )
}

/// The office (unit of kind office) directly under a government, if it has one.
pub async fn office_of_government(tx: &mut Tx, government: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 and kind = 'office' order by sort_order, id
         limit 1").bind(government).fetch_optional(c).await)?)
}

/// The governments requests may be addressed to: (id, name), the top one first.
pub async fn governments(db: &Db) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select u.id, u.name from units u where u.kind = 'government'
         order by case when u.parent_id is null then 0 else 1 end, u.sort_order, u.id")
        .fetch_all(c).await)?)
}

/// The units directly under a government (its office, bureaus, the counties): (id, short name).
pub async fn units_under(db: &Db, government: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, short_name from units where parent_id = $1 order by sort_order, id")
        .bind(government).fetch_all(c).await)?)
}

/// A post's position code and its unit, if the post is active.
pub async fn active_post(tx: &mut Tx, post: i64) -> Result<Option<(String, i64)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select q.code, p.unit_id from posts p join positions q on q.id = p.position_id
         where p.id = $1 and p.active = 1").bind(post).fetch_optional(c).await)?)
}

/// The open task of a step of a case held by a post: its number.
pub async fn open_task(tx: &mut Tx, case_id: i64, step: &str, post: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select task_no from tasks where case_id = $1 and step_id = $2 and post_id = $3
            and state = 'open' order by task_no limit 1")
        .bind(case_id).bind(step).bind(post).fetch_optional(c).await)?)
}

/// The holders of a step's open tasks (with the person of each post).
pub async fn open_holders(tx: &mut Tx, case_id: i64, step: &str) -> Result<Vec<(i64, i64)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select t.post_id, p.person_id from tasks t join posts p on p.id = t.post_id
         where t.case_id = $1 and t.step_id = $2 and t.state = 'open' order by t.task_no")
        .bind(case_id).bind(step).fetch_all(c).await)?)
}

/// The latest 回访 result of a request, in a transaction.
pub async fn last_visit(tx: &mut Tx, id: i64) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select result from service_visits where request_id = $1 order by round desc limit 1")
        .bind(id).fetch_optional(c).await)?)
}

/// The unit given a category's requests most often by a government (for 派单's suggestion).
pub async fn usual_unit(db: &Db, government: i64, category: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select lead_unit_id from service_requests
         where government_id = $1 and category_id = $2 and lead_unit_id is not null
         group by lead_unit_id order by count(*) desc, lead_unit_id limit 1")
        .bind(government).bind(category).fetch_optional(c).await)?)
}

/// Open requests of a government that a duplicate may be merged into: (id, code, summary).
pub async fn merge_targets(
    db: &Db,
    government: i64,
    category: i64,
    except: i64,
) -> Result<Vec<(i64, String, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, code, description from service_requests
         where government_id = $1 and id <> $3 and state in ('dispatching', 'signing',
             'handling', 'reviewing', 'visiting')
           and (channel = 'internal') = ((select channel from service_requests where id = $3)
                                         = 'internal')
         order by case when category_id = $2 then 0 else 1 end, created_at desc limit 50")
        .bind(government).bind(category).bind(except).fetch_all(c).await)?)
}

/// The name of a post's holder.
pub async fn holder_name(db: &Db, post: i64) -> Result<String> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select pe.name from posts p join persons pe on pe.id = p.person_id where p.id = $1")
        .bind(post).fetch_one(c).await)?)
}

/// The person holding a post.
pub async fn person_of_post(db: &Db, post: i64) -> Result<i64> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select person_id from posts where id = $1")
        .bind(post).fetch_one(c).await)?,
    )
}

/// Requests received in a span, grouped by what 热点分析 reads: government, category, place as
/// written and lead unit, with how many.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceivedGroup {
    /// The month received, `YYYY-MM`.
    pub month: String,
    /// The receiving government.
    pub government_id: i64,
    /// Category name.
    pub category_name: String,
    /// 地点 as written.
    pub location: String,
    /// 承办单位, once dispatched.
    pub lead_unit_id: Option<i64>,
    /// How many.
    pub n: i64,
}

/// The requests received on `[from, to)` (Beijing days) that a viewer may see (the same scope
/// as [`list`]: addressed to `governments`, or led or assisted by `units`), grouped.
pub async fn received_groups(
    db: &Db,
    governments: &[i64],
    units: &[i64],
    from: &str,
    to: &str,
) -> Result<Vec<ReceivedGroup>> {
    let sql = format!(
        "select substr(r.received_on, 1, 7) as month, r.government_id,
             k.name as category_name, r.location, r.lead_unit_id, count(*) as n
         from service_requests r join service_categories k on k.id = r.category_id
         where (r.government_id in ({g}) or r.lead_unit_id in ({u})
             or r.id in (select request_id from service_assists where unit_id in ({u})))
           and r.received_on >= $1 and r.received_on < $2 and r.channel <> 'internal'
         group by substr(r.received_on, 1, 7), r.government_id, k.name, r.location,
             r.lead_unit_id",
        g = ids(governments),
        u = ids(units)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}
