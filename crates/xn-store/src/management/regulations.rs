//! 规章制度: an office's rules, their versions and the reading acknowledgements each version
//! asks of the office's posts. Who may read, publish or acknowledge is the service's rule.

use super::ids;
use crate::{Db, Result, Tx};

/// A rule with its current version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    /// Id.
    pub id: i64,
    /// The office whose rule it is.
    pub office_unit_id: i64,
    /// The current version's title.
    pub title: String,
    /// The owner post.
    pub owner_post_id: i64,
    /// The owner's name.
    pub owner_name: String,
    /// The owner's post label.
    pub owner_label: String,
    /// The current version's number.
    pub current_version: i64,
    /// The current version's effective date.
    pub effective_on: String,
    /// When the current version was published (epoch ms).
    pub published_at: i64,
}

const RULE_SELECT: &str = "select r.id, r.office_unit_id, v.title, r.owner_post_id,
    pe.name as owner_name, coalesce(p.title, q.name) as owner_label, r.current_version,
    v.effective_on, v.published_at
    from office_rules r
    join office_rule_versions v on v.rule_id = r.id and v.version = r.current_version
    join posts p on p.id = r.owner_post_id join persons pe on pe.id = p.person_id
    join positions q on q.id = p.position_id";

/// The rules of an office, by title.
pub async fn rules_of_office(db: &Db, office: i64) -> Result<Vec<RuleRow>> {
    let sql = format!("{RULE_SELECT} where r.office_unit_id = $1 order by r.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).fetch_all(c).await)?,
    )
}

/// One rule, if it exists.
pub async fn find_rule(db: &Db, id: i64) -> Result<Option<RuleRow>> {
    let sql = format!("{RULE_SELECT} where r.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// One version of a rule.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleVersionRow {
    /// Number.
    pub version: i64,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// `YYYY-MM-DD`.
    pub effective_on: String,
    /// What changed.
    pub note: String,
    /// Who published it: name.
    pub published_by: String,
    /// When (epoch ms).
    pub published_at: i64,
}

/// A rule's versions, newest first.
pub async fn rule_versions(db: &Db, rule: i64) -> Result<Vec<RuleVersionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select v.version, v.title, v.body, v.effective_on, v.note, pe.name as published_by,
             v.published_at
         from office_rule_versions v join posts p on p.id = v.published_by_post_id
         join persons pe on pe.id = p.person_id
         where v.rule_id = $1 order by v.version desc")
        .bind(rule).fetch_all(c).await)?)
}

/// Adds a rule (its version 1 is added with [`insert_version`]).
pub async fn insert_rule(
    tx: &mut Tx,
    office: i64,
    title: &str,
    owner: i64,
    by: i64,
    now_ms: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into office_rules (office_unit_id, title, owner_post_id, current_version,
             created_by_post_id, created_at, updated_at)
         values ($1, $2, $3, 1, $4, $5, $5) returning id")
        .bind(office).bind(title).bind(owner).bind(by).bind(now_ms).fetch_one(c).await)?)
}

/// Takes the rule's row for a new version and answers its current number: on PostgreSQL the
/// row stays locked until the transaction ends, so two publishers number one after the other.
pub async fn lock_rule(tx: &mut Tx, rule: i64, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "update office_rules set updated_at = $2 where id = $1 returning current_version")
        .bind(rule).bind(now_ms).fetch_one(c).await)?)
}

/// A version to publish.
#[derive(Debug, Clone)]
pub struct NewRuleVersion<'a> {
    /// Rule.
    pub rule_id: i64,
    /// Its number.
    pub version: i64,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// `YYYY-MM-DD`.
    pub effective_on: &'a str,
    /// What changed.
    pub note: &'a str,
    /// The publisher.
    pub by: i64,
}

/// Publishes a version: stores it, makes it the rule's current one, withdraws the unanswered
/// asks of older versions and asks each of `posts` to acknowledge it.
pub async fn insert_version(
    tx: &mut Tx,
    v: &NewRuleVersion<'_>,
    posts: &[i64],
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into office_rule_versions (rule_id, version, title, body, effective_on, note,
             published_by_post_id, published_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(v.rule_id).bind(v.version).bind(v.title).bind(v.body).bind(v.effective_on)
        .bind(v.note).bind(v.by).bind(now_ms).execute(c).await.map(|_| ()))?;
    with_tx!(tx, c => sqlx::query(
        "update office_rules set current_version = $2, title = $3, updated_at = $4 where id = $1")
        .bind(v.rule_id).bind(v.version).bind(v.title).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    with_tx!(tx, c => sqlx::query(
        "delete from office_rule_acks where rule_id = $1 and version < $2
           and acknowledged_at is null")
        .bind(v.rule_id).bind(v.version).execute(c).await.map(|_| ()))?;
    for post in posts {
        with_tx!(tx, c => sqlx::query(
            "insert into office_rule_acks (rule_id, version, post_id, asked_at)
             values ($1, $2, $3, $4)")
            .bind(v.rule_id).bind(v.version).bind(*post).bind(now_ms)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Records a post's acknowledgement of a version; false when it was not asked or already
/// acknowledged.
pub async fn acknowledge(
    tx: &mut Tx,
    rule: i64,
    version: i64,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update office_rule_acks set acknowledged_at = $4
         where rule_id = $1 and version = $2 and post_id = $3 and acknowledged_at is null")
        .bind(rule).bind(version).bind(post).bind(now_ms).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// One post's answer to a version's ask.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleAckRow {
    /// Post.
    pub post_id: i64,
    /// The holder's name.
    pub person_name: String,
    /// The post's label.
    pub post_label: String,
    /// Its unit's short name.
    pub unit_name: String,
    /// When acknowledged (epoch ms), if so.
    pub acknowledged_at: Option<i64>,
}

/// Every post asked to acknowledge a version, with its answer, in unit and rank order.
pub async fn rule_acks(db: &Db, rule: i64, version: i64) -> Result<Vec<RuleAckRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select a.post_id, pe.name as person_name, coalesce(p.title, q.name) as post_label,
             u.short_name as unit_name, a.acknowledged_at
         from office_rule_acks a join posts p on p.id = a.post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id
         where a.rule_id = $1 and a.version = $2
         order by u.sort_order, u.id, q.rank, p.id")
        .bind(rule).bind(version).fetch_all(c).await)?)
}

/// A post's own ask of a version: `None` when not asked, else when acknowledged.
pub async fn my_ack(db: &Db, rule: i64, version: i64, post: i64) -> Result<Option<Option<i64>>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select acknowledged_at from office_rule_acks
         where rule_id = $1 and version = $2 and post_id = $3")
        .bind(rule).bind(version).bind(post).fetch_optional(c).await)?)
}

/// A rule version a post is still asked to acknowledge.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingAckRow {
    /// Rule.
    pub rule_id: i64,
    /// Version.
    pub version: i64,
    /// Its title.
    pub title: String,
    /// Its effective date.
    pub effective_on: String,
    /// When asked (epoch ms).
    pub asked_at: i64,
}

/// The versions some posts are still asked to acknowledge (their current versions only),
/// oldest ask first.
pub async fn pending_acks(db: &Db, posts: &[i64]) -> Result<Vec<(i64, PendingAckRow)>> {
    let sql = format!(
        "select a.post_id, a.rule_id, a.version, v.title, v.effective_on, a.asked_at
         from office_rule_acks a join office_rules r on r.id = a.rule_id
         join office_rule_versions v on v.rule_id = a.rule_id and v.version = a.version
         where a.post_id in ({}) and a.acknowledged_at is null and a.version = r.current_version
         order by a.asked_at, a.rule_id",
        ids(posts)
    );
    let rows: Vec<(i64, i64, i64, String, String, i64)> =
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(post, rule_id, version, title, effective_on, asked_at)| {
            (
                post,
                PendingAckRow {
                    rule_id,
                    version,
                    title,
                    effective_on,
                    asked_at,
                },
            )
        })
        .collect())
}
