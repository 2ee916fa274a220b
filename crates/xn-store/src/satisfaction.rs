//! SQL of 四个满意 (migration 0052): the ratings given by the grassroots and by leaders, the
//! higher office's monthly evaluation, the facts of a month read from their sources (the 回访
//! of service requests, the ratings, the adoptions of information upward) and the monthly
//! figures stored when a month has ended. Who may rate or see what is the service's rule.

use crate::flow::case_classification_sql;
use crate::management::ids;
use crate::{Db, Result, Tx};

/// One rating of a month, whatever its source: what the figures are computed from and what
/// the page lists behind each figure.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactRow {
    /// `public`, `grassroots` or `leader`.
    pub kind: String,
    /// The unit rated.
    pub unit_id: i64,
    /// The post rated, when known.
    pub post_id: Option<i64>,
    /// `satisfied`, `basically` or `unsatisfied`.
    pub result: String,
    /// The comment or reason given.
    pub comment: String,
    /// `service`, `document` or `supervision`.
    pub item_kind: String,
    /// The item's id (request, document, supervision item).
    pub item_id: i64,
    /// The item's title (a request: its category and 查询码, never the requester).
    pub title: String,
    /// The item's 密级 code.
    pub classification: String,
    /// Who rated: 「回访（电话）」, or the rater's unit and name.
    pub rater: String,
    /// When (epoch ms).
    pub created_at: i64,
}

const FACTS: &str = "
    select 'public' as kind, v.lead_unit_id as unit_id, r.lead_post_id as post_id, v.result,
        v.reason as comment, 'service' as item_kind, r.id as item_id,
        sc.name || ' ' || r.code as title, 'public' as classification,
        case v.via when 'requester' then '群众（查询页）' else '回访（电话）' end as rater,
        v.created_at as created_at
    from service_visits v join service_requests r on r.id = v.request_id
    join service_categories sc on sc.id = r.category_id
    where v.month = $1 and v.lead_unit_id is not null and r.channel <> 'internal'
    union all
    select s.source as kind, s.rated_unit_id as unit_id, s.rated_post_id as post_id, s.result,
        s.comment, s.item_kind, s.item_id,
        coalesce(d.title, si.title, '') as title,
        CLASSIFICATION as classification,
        ru.short_name || ' ' || pe.name as rater, s.created_at as created_at
    from satisfaction_ratings s
    left join documents d on s.item_kind = 'document' and d.id = s.item_id
    left join supervision_items si on s.item_kind = 'supervision' and si.id = s.item_id
    join units ru on ru.id = s.rater_unit_id
    join posts rp on rp.id = s.rater_post_id join persons pe on pe.id = rp.person_id
    where s.month = $1";

/// Every rating of a month (回访 of service requests, the grassroots' and leaders' ratings),
/// oldest first.
pub async fn facts(db: &Db, month: &str) -> Result<Vec<FactRow>> {
    let sql = format!(
        "{} order by created_at, item_id",
        FACTS.replace(
            "CLASSIFICATION",
            &case_classification_sql("coalesce(d.case_id, si.case_id, 0)")
        )
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// An information item adopted upward in a period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdoptionRow {
    /// The item.
    pub item_id: i64,
    /// The submitting unit.
    pub unit_id: i64,
    /// The author.
    pub post_id: i64,
    /// Its case at the submitting unit.
    pub case_id: Option<i64>,
    /// Its title.
    pub title: String,
    /// Its 密级 code.
    pub classification: String,
    /// When the adoption was recorded (epoch ms).
    pub created_at: i64,
}

/// The information items adopted at level `higher` between two instants (the adoptions
/// recorded by the receiving offices; one item counts once).
pub async fn adoptions_upward(db: &Db, from: i64, to: i64) -> Result<Vec<AdoptionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select i.id as item_id, i.unit_id, i.author_post_id as post_id, i.case_id,
             i.title, i.classification, min(a.created_at) as created_at
         from information_adoptions a join information_items i on i.id = a.item_id
         where a.level = 'higher' and a.created_at >= $1 and a.created_at < $2
         group by i.id, i.unit_id, i.author_post_id, i.case_id, i.title, i.classification
         order by min(a.created_at), i.id")
        .bind(from).bind(to).fetch_all(c).await)?)
}

/// The higher office's evaluation of an office for a month.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HigherRow {
    /// Id.
    pub id: i64,
    /// The office.
    pub office_unit_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// 0–100.
    pub score: i64,
    /// Comment.
    pub comment: String,
    /// Who entered it: unit and name.
    pub entered_by: String,
    /// When (epoch ms).
    pub created_at: i64,
}

const HIGHER_SELECT: &str = "select h.id, h.office_unit_id, h.month, h.score, h.comment,
    u.short_name || ' ' || pe.name as entered_by, h.created_at
    from satisfaction_higher h join posts p on p.id = h.entered_by_post_id
    join units u on u.id = p.unit_id join persons pe on pe.id = p.person_id";

/// The higher office's evaluations of a month.
pub async fn higher_of_month(db: &Db, month: &str) -> Result<Vec<HigherRow>> {
    let sql = format!("{HIGHER_SELECT} where h.month = $1 order by h.office_unit_id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// Records an evaluation of the higher office, replacing the office's for that month.
pub async fn put_higher(
    tx: &mut Tx,
    office: i64,
    month: &str,
    score: i64,
    comment: &str,
    (post, now_ms): (i64, i64),
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into satisfaction_higher (office_unit_id, month, score, comment,
             entered_by_post_id, created_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (office_unit_id, month) do update set score = excluded.score,
             comment = excluded.comment, entered_by_post_id = excluded.entered_by_post_id,
             created_at = excluded.created_at
         returning id")
        .bind(office).bind(month).bind(score).bind(comment).bind(post).bind(now_ms)
        .fetch_one(c).await)?)
}

/// A rating to record.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    /// `grassroots` or `leader`.
    pub source: &'a str,
    /// `document` or `supervision`.
    pub item_kind: &'a str,
    /// The item.
    pub item_id: i64,
    /// Who rates.
    pub rater_post: i64,
    /// Their unit.
    pub rater_unit: i64,
    /// The unit rated.
    pub rated_unit: i64,
    /// The post rated.
    pub rated_post: Option<i64>,
    /// Result code.
    pub result: &'a str,
    /// Comment.
    pub comment: &'a str,
    /// `YYYY-MM` (Beijing) of the rating.
    pub month: &'a str,
}

/// Records a rating once: answers `None` when the item was rated already (the unique key
/// refuses the second, whoever gives it).
pub async fn insert_rating(tx: &mut Tx, r: &NewRating<'_>, now_ms: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into satisfaction_ratings (source, item_kind, item_id, rater_post_id,
             rater_unit_id, rated_unit_id, rated_post_id, result, comment, month, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (source, item_kind, item_id) do nothing returning id")
        .bind(r.source).bind(r.item_kind).bind(r.item_id).bind(r.rater_post)
        .bind(r.rater_unit).bind(r.rated_unit).bind(r.rated_post).bind(r.result)
        .bind(r.comment).bind(r.month).bind(now_ms)
        .fetch_optional(c).await)?)
}

/// An item someone may rate, with what decides who and whether.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RateableRow {
    /// `document` or `supervision`.
    pub item_kind: String,
    /// The item.
    pub item_id: i64,
    /// Its case.
    pub case_id: i64,
    /// Title.
    pub title: String,
    /// 密级 code.
    pub classification: String,
    /// Whether it has closed (a 督办件 struck off, a 收文 handled to the end).
    pub closed: bool,
    /// The Beijing day it closed, when known.
    pub closed_on: Option<String>,
    /// The posts that may rate it (the instructing leader; the sender's drafter and signer).
    pub rater_a: Option<i64>,
    /// A second post that may rate it.
    pub rater_b: Option<i64>,
    /// The unit that handled it.
    pub rated_unit: i64,
    /// Its name.
    pub rated_unit_name: String,
    /// The post that handled it.
    pub rated_post: Option<i64>,
    /// The sender's unit (a 收文's source); the leader's own unit for a 督办件.
    pub from_unit: i64,
    /// The result given, if rated.
    pub result: Option<String>,
    /// When it closed (epoch ms; a 收文's last change).
    pub closed_at: Option<i64>,
}

fn rateable_sql(filter: &str) -> String {
    format!(
        "select * from (
         select 'supervision' as item_kind, si.id as item_id, si.case_id, si.title,
             {sv_class} as classification,
             si.state = 'closed' as closed, si.closed_on,
             si.source_leader_post_id as rater_a, cast(null as bigint) as rater_b,
             si.lead_unit_id as rated_unit, lu.short_name as rated_unit_name,
             si.lead_post_id as rated_post, coalesce(lp.unit_id, 0) as from_unit,
             sr.result, si.closed_at
         from supervision_items si join units lu on lu.id = si.lead_unit_id
         left join posts lp on lp.id = si.source_leader_post_id
         left join satisfaction_ratings sr on sr.source = 'leader'
             and sr.item_kind = 'supervision' and sr.item_id = si.id
         where si.source_leader_post_id is not null and si.parent_id is null
         union all
         select 'document' as item_kind, d.id as item_id, d.case_id, d.title,
             d.classification, d.status = 'closed' as closed, cast(null as text) as closed_on,
             s.created_post_id as rater_a, s.signed_off_post_id as rater_b,
             d.unit_id as rated_unit, du.short_name as rated_unit_name,
             d.lead_post_id as rated_post, s.unit_id as from_unit, sr.result,
             d.updated_at as closed_at
         from documents d join documents s on s.id = d.source_document_id
         join units du on du.id = d.unit_id
         left join satisfaction_ratings sr on sr.source = 'grassroots'
             and sr.item_kind = 'document' and sr.item_id = d.id
         where d.direction = 'incoming' and d.case_id is not null and s.unit_id <> d.unit_id
         ) x where {filter}",
        sv_class = case_classification_sql("si.case_id"),
    )
}

/// One item as a rating sees it (`document` or `supervision`), if it can be rated at all.
pub async fn rateable(db: &Db, item_kind: &str, item_id: i64) -> Result<Option<RateableRow>> {
    let sql = rateable_sql("x.item_kind = $1 and x.item_id = $2");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(item_kind).bind(item_id).fetch_optional(c).await)?,
    )
}

/// The closed, unrated items some posts may rate, newest first (at most 50).
pub async fn pending_for(db: &Db, posts: &[i64]) -> Result<Vec<RateableRow>> {
    let list = ids(posts);
    let sql = rateable_sql(&format!(
        "x.closed and x.result is null and (x.rater_a in ({list}) or x.rater_b in ({list}))
         order by x.case_id desc limit 50"
    ));
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Every closed, unrated item that has a rater, oldest first (the demo rates them).
pub async fn closed_unrated(db: &Db) -> Result<Vec<RateableRow>> {
    let sql = rateable_sql(
        "x.closed and x.result is null and x.rater_a is not null order by x.closed_at, x.case_id",
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// The person holding a post.
pub async fn person_of_post(db: &Db, post: i64) -> Result<Option<i64>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select person_id from posts where id = $1")
        .bind(post).fetch_optional(c).await)?,
    )
}

/// A unit with its kind and parent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainUnit {
    /// Id.
    pub id: i64,
    /// `government`, `office`, `section`, `bureau`, `other`.
    pub kind: String,
}

/// A unit and every unit above it, nearest first, with their kinds.
pub async fn chain(db: &Db, unit: i64) -> Result<Vec<ChainUnit>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "with recursive up (id, parent_id, depth) as (
             select id, parent_id, 0 from units where id = $1
             union all
             select u.id, u.parent_id, up.depth + 1 from units u join up on u.id = up.parent_id
             where up.depth < 10)
         select u.id, u.kind from up join units u on u.id = up.id order by up.depth")
        .bind(unit).fetch_all(c).await)?)
}

/// A stored figure.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Kind code.
    pub kind: String,
    /// Unit.
    pub unit_id: i64,
    /// Post (0: the unit as a whole).
    pub post_id: i64,
    /// Ratings counted.
    pub n: i64,
    /// Their points.
    pub points_sum: i64,
    /// Adoptions upward (上级满意).
    pub extra: i64,
    /// The figure × 100.
    pub score_centi: Option<i64>,
}

/// Stores a month's figures, replacing what was stored for it.
pub async fn store_month(
    tx: &mut Tx,
    month: &str,
    rows: &[FigureRow],
    rule: &str,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from satisfaction_figures where month = $1")
        .bind(month).execute(c).await.map(|_| ()))?;
    for r in rows {
        with_tx!(tx, c => sqlx::query(
            "insert into satisfaction_figures (month, kind, unit_id, post_id, n, points_sum,
                 extra, score_centi) values ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(month).bind(&r.kind).bind(r.unit_id).bind(r.post_id).bind(r.n)
            .bind(r.points_sum).bind(r.extra).bind(r.score_centi)
            .execute(c).await.map(|_| ()))?;
    }
    with_tx!(tx, c => sqlx::query(
        "insert into satisfaction_months (month, rule, stored_at) values ($1, $2, $3)
         on conflict (month) do update set rule = excluded.rule, stored_at = excluded.stored_at")
        .bind(month).bind(rule).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The months stored.
pub async fn months_stored(db: &Db) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select month from satisfaction_months order by month").fetch_all(c).await)?)
}

/// The stored figures of some months for the whole units (post 0).
pub async fn unit_figures(db: &Db, from: &str, to: &str) -> Result<Vec<FigureRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select month, kind, unit_id, post_id, n, points_sum, extra, score_centi
         from satisfaction_figures where month >= $1 and month <= $2 and post_id = 0
         order by month, unit_id, kind")
        .bind(from).bind(to).fetch_all(c).await)?)
}

/// The stored figures of some posts for a month.
pub async fn post_figures(db: &Db, month: &str, posts: &[i64]) -> Result<Vec<FigureRow>> {
    let sql = format!(
        "select month, kind, unit_id, post_id, n, points_sum, extra, score_centi
         from satisfaction_figures where month = $1 and post_id in ({})",
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// The earliest month with a fact of any source, if any.
pub async fn first_month(db: &Db) -> Result<Option<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select min(m) from (
             select min(month) as m from service_visits
             union all select min(month) from satisfaction_ratings
             union all select min(month) from satisfaction_higher) x")
        .fetch_one(c).await)?)
}

/// A unit's name.
pub async fn unit_names(db: &Db, units: &[i64]) -> Result<Vec<(i64, String)>> {
    let sql = format!(
        "select id, short_name from units where id in ({}) order by sort_order, id",
        ids(units)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}
