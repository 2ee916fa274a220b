//! SQL of 办事与服务's 催办通知书 and 通报 (migration 0054): the texts issued, and what the
//! timers that issue them need to know. Who may see them is the service's rule.

use crate::{Db, Result, Tx};

/// A 催办通知书 or 通报 as issued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UrgeRow {
    /// Id.
    pub id: i64,
    /// The request.
    pub request_id: i64,
    /// Its tracking code.
    pub code: String,
    /// `notice` (催办通知书) or `bulletin` (通报).
    pub kind: String,
    /// The round of handling (the request's 重办 count when it fell).
    pub round: i64,
    /// The unit it was issued to.
    pub lead_unit_id: Option<i64>,
    /// Its name.
    pub lead_unit_name: Option<String>,
    /// The deadline missed.
    pub deadline: String,
    /// Working days past it.
    pub overdue_days: i64,
    /// The text as issued.
    pub body: String,
    /// Issued (epoch ms).
    pub created_at: i64,
}

/// A new 催办通知书 or 通报.
#[derive(Debug, Clone)]
pub struct NewUrge<'a> {
    /// The request.
    pub request_id: i64,
    /// `notice` or `bulletin`.
    pub kind: &'a str,
    /// The round of handling.
    pub round: i64,
    /// The unit it goes to.
    pub lead_unit_id: Option<i64>,
    /// Its post.
    pub lead_post_id: Option<i64>,
    /// The deadline missed.
    pub deadline: &'a str,
    /// Working days past it.
    pub overdue_days: i64,
    /// The text.
    pub body: &'a str,
}

/// The open requests owing an answer whose case has no 催办 timer (accepted before migration
/// 0054): (id, case, 重办 count, deadline day).
pub async fn unarmed_open(db: &Db) -> Result<Vec<(i64, i64, i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select r.id, r.case_id, r.reworks, r.deadline from service_requests r
         where r.state in ('dispatching', 'signing', 'handling', 'reviewing')
           and r.case_id is not null and r.deadline is not null
           and not exists (select 1 from jobs j where j.kind = 'service_deadline'
                           and j.case_id = r.case_id)
         order by r.id")
        .fetch_all(c).await)?)
}

/// How many 延期 of a request were approved.
pub async fn approved_extensions(tx: &mut Tx, request: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from service_extensions where request_id = $1 and state = 'approved'")
        .bind(request).fetch_one(c).await)?)
}

/// Issues a 催办通知书 or 通报: false when this round already has one of the kind.
pub async fn insert_urge(tx: &mut Tx, u: &NewUrge<'_>, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "insert into service_urges (request_id, kind, round, lead_unit_id, lead_post_id, deadline,
             overdue_days, body, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (request_id, kind, round) do nothing")
        .bind(u.request_id).bind(u.kind).bind(u.round).bind(u.lead_unit_id).bind(u.lead_post_id)
        .bind(u.deadline).bind(u.overdue_days).bind(u.body).bind(at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const URGES: &str = "select x.id, x.request_id, r.code, x.kind, x.round, x.lead_unit_id,
    u.short_name as lead_unit_name, x.deadline, x.overdue_days, x.body, x.created_at
    from service_urges x join service_requests r on r.id = x.request_id
    left join units u on u.id = x.lead_unit_id";

/// The 催办通知书 and 通报 of a request, in the order issued.
pub async fn urges_of(db: &Db, request: i64) -> Result<Vec<UrgeRow>> {
    let sql = format!("{URGES} where x.request_id = $1 order by x.created_at, x.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(request)
        .fetch_all(c).await)?,
    )
}
