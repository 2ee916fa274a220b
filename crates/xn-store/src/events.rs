//! SQL of the event log (留痕): immutable rows, appended in the same transaction as the change
//! they record. There is no update or delete statement here, by design.

use crate::{Db, Result, Tx};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// A dotted kind such as `auth.sign_in`.
    pub kind: &'a str,
    /// Who acted, if anyone (timers act for nobody).
    pub actor_person_id: Option<i64>,
    /// As which post.
    pub actor_post_id: Option<i64>,
    /// What it concerns, e.g. `person:12`.
    pub subject: Option<String>,
    /// Details as a JSON object.
    pub detail: serde_json::Value,
    /// Client address.
    pub ip: Option<&'a str>,
}

/// An event as stored, with the actor's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// Id, increasing.
    pub id: i64,
    /// Epoch ms.
    pub at: i64,
    /// Kind.
    pub kind: String,
    /// Actor.
    pub actor_person_id: Option<i64>,
    /// Actor's name.
    pub actor_name: Option<String>,
    /// Acting post.
    pub actor_post_id: Option<i64>,
    /// Subject.
    pub subject: Option<String>,
    /// JSON details.
    pub detail: String,
    /// Client address.
    pub ip: Option<String>,
}

/// Appends an event.
pub async fn append(tx: &mut Tx, e: &NewEvent<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into events (at, kind, actor_person_id, actor_post_id, subject, detail, ip)
               values ($1, $2, $3, $4, $5, $6, $7) returning id";
    let detail = e.detail.to_string();
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(now_ms).bind(e.kind).bind(e.actor_person_id).bind(e.actor_post_id)
        .bind(&e.subject).bind(&detail).bind(e.ip).fetch_one(c).await)?)
}

/// A page of events, newest first, before the id `before` (0 = from the newest), optionally
/// of one kind prefix (`auth.`) or one subject.
pub async fn list(
    db: &Db,
    kind_prefix: &str,
    subject: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let sql = "select e.id, e.at, e.kind, e.actor_person_id, p.name as actor_name, e.actor_post_id,
                      e.subject, e.detail, e.ip
               from events e left join persons p on p.id = e.actor_person_id
               where ($1 = 0 or e.id < $1) and e.kind like $2 and ($3 = '' or e.subject = $3)
               order by e.id desc limit $4";
    let pattern = format!("{}%", kind_prefix.replace('%', ""));
    Ok(with_db!(db, c => sqlx::query_as(sql)
        .bind(before).bind(&pattern).bind(subject).bind(limit).fetch_all(c).await)?)
}

/// The newest events matching the auditor's filter: a kind prefix, a person (who acted or whom
/// it concerns; 0 for anyone) and a time range `[from_ms, to_ms)`.
pub async fn search(
    db: &Db,
    kind_prefix: &str,
    person_id: i64,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let sql = "select e.id, e.at, e.kind, e.actor_person_id, p.name as actor_name, e.actor_post_id,
                      e.subject, e.detail, e.ip
               from events e left join persons p on p.id = e.actor_person_id
               where e.kind like $1
                 and ($2 = 0 or e.actor_person_id = $2 or e.subject = $3)
                 and e.at >= $4 and e.at < $5
               order by e.id desc limit $6";
    let pattern = format!("{}%", kind_prefix.replace('%', ""));
    Ok(with_db!(db, c => sqlx::query_as(sql)
        .bind(&pattern).bind(person_id).bind(format!("person:{person_id}"))
        .bind(from_ms).bind(to_ms).bind(limit).fetch_all(c).await)?)
}

/// The newest events of any of `kinds`, for the auditor's list of sign-in failures and locks.
pub async fn latest_of_kinds(db: &Db, kinds: &[&str], limit: i64) -> Result<Vec<EventRow>> {
    let mut out = Vec::new();
    for kind in kinds {
        let sql =
            "select e.id, e.at, e.kind, e.actor_person_id, p.name as actor_name, e.actor_post_id,
                          e.subject, e.detail, e.ip
                   from events e left join persons p on p.id = e.actor_person_id
                   where e.kind = $1 order by e.id desc limit $2";
        let rows: Vec<EventRow> =
            with_db!(db, c => sqlx::query_as(sql).bind(*kind).bind(limit).fetch_all(c).await)?;
        out.extend(rows);
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.id));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// A person's downloads and exports in one Beijing day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DownloadDay {
    /// Who.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// The Beijing day, as days since 1970-01-01.
    pub day: i64,
    /// Files downloaded.
    pub downloads: i64,
    /// Lists exported.
    pub exports: i64,
    /// The last of them, epoch ms.
    pub last_at: i64,
}

/// The (person, Beijing day) pairs since `since_ms` with at least `at_least` downloads and
/// exports together, the latest days first.
pub async fn mass_downloads(db: &Db, since_ms: i64, at_least: i64) -> Result<Vec<DownloadDay>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select e.actor_person_id as person_id, coalesce(max(p.name), '') as name,
                (e.at + 28800000) / 86400000 as day,
                cast(sum(case when e.kind = 'files.downloaded' then 1 else 0 end) as bigint)
                    as downloads,
                cast(sum(case when e.kind = 'files.exported' then 1 else 0 end) as bigint)
                    as exports,
                max(e.at) as last_at
         from events e left join persons p on p.id = e.actor_person_id
         where e.kind in ('files.downloaded', 'files.exported') and e.at >= $1
           and e.actor_person_id is not null
         group by e.actor_person_id, (e.at + 28800000) / 86400000
         having count(*) >= $2
         order by day desc, count(*) desc
         limit 100")
        .bind(since_ms).bind(at_least).fetch_all(c).await)?)
}

/// The newest events of some kinds (prefix) about one person (`subject = person:<id>`), for
/// their own account page: what happened to the account, whoever did it.
pub async fn list_for_person(
    db: &Db,
    person_id: i64,
    kind_prefix: &str,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let sql = "select e.id, e.at, e.kind, e.actor_person_id, p.name as actor_name, e.actor_post_id,
                      e.subject, e.detail, e.ip
               from events e left join persons p on p.id = e.actor_person_id
               where e.subject = $1 and e.kind like $2
               order by e.id desc limit $3";
    let pattern = format!("{}%", kind_prefix.replace('%', ""));
    let subject = format!("person:{person_id}");
    Ok(with_db!(db, c => sqlx::query_as(sql)
        .bind(&subject).bind(&pattern).bind(limit).fetch_all(c).await)?)
}

/// Appends several events in one statement (an action usually causes a handful).
pub async fn append_many(tx: &mut Tx, events: &[NewEvent<'_>], now_ms: i64) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "insert into events (at, kind, actor_person_id, actor_post_id, subject, detail, ip) values ",
    );
    for i in 0..events.len() {
        let b = i * 7;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7
        ));
    }
    let details: Vec<String> = events.iter().map(|e| e.detail.to_string()).collect();
    with_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for (e, d) in events.iter().zip(&details) {
            q = q.bind(now_ms).bind(e.kind).bind(e.actor_person_id).bind(e.actor_post_id)
                .bind(&e.subject).bind(d).bind(e.ip);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}
