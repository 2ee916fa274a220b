//! SQL of 领导日程 (migration 0046): a leader's own entries and the posts that keep them. Who
//! may read, write or name a keeper is the service's rule, not here.

use crate::{Db, Result, Tx};

/// An entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScheduleRow {
    /// Id.
    pub id: i64,
    /// The leader's post.
    pub leader_post_id: i64,
    /// `research`, `trip`, `event`, `other`.
    pub kind: String,
    /// What.
    pub title: String,
    /// Where.
    pub place: String,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End, epoch ms.
    pub ends_at: i64,
    /// 1 when the office's staff read it.
    pub public: i64,
    /// A note.
    pub note: String,
    /// Changes made (iCalendar SEQUENCE).
    pub sequence: i64,
    /// Who wrote it.
    pub created_by_post_id: i64,
    /// When last changed.
    pub updated_at: i64,
    /// When cancelled.
    pub cancelled_at: Option<i64>,
}

const SELECT: &str = "select id, leader_post_id, kind, title, place, starts_at, ends_at,
    cast(public as bigint) as public, note, sequence, created_by_post_id, updated_at, cancelled_at
    from schedule_entries";

/// An entry to store or its new values.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The leader's post.
    pub leader_post_id: i64,
    /// Kind code.
    pub kind: &'a str,
    /// What.
    pub title: &'a str,
    /// Where.
    pub place: &'a str,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End, epoch ms.
    pub ends_at: i64,
    /// Read by the office's staff.
    pub public: bool,
    /// A note.
    pub note: &'a str,
}

/// One entry.
pub async fn find_entry(db: &Db, id: i64) -> Result<Option<ScheduleRow>> {
    let sql = format!("{SELECT} where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// The entries of some leaders overlapping [from, to), cancelled ones included, by start.
pub async fn entries_between(
    db: &Db,
    leaders: &[i64],
    from: i64,
    to: i64,
) -> Result<Vec<ScheduleRow>> {
    if leaders.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} where leader_post_id in ({}) and starts_at < $2 and ends_at > $1
         order by starts_at, id",
        crate::management::ids(leaders)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// The entries of some leaders ending after `from` (a calendar feed), by start.
pub async fn entries_since(db: &Db, leaders: &[i64], from: i64) -> Result<Vec<ScheduleRow>> {
    entries_between(db, leaders, from, i64::MAX).await
}

/// Stores a new entry; answers its id.
pub async fn insert_entry(tx: &mut Tx, e: &NewEntry<'_>, by: i64, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into schedule_entries (leader_post_id, kind, title, place, starts_at, ends_at,
             public, note, created_by_post_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning id")
        .bind(e.leader_post_id).bind(e.kind).bind(e.title).bind(e.place).bind(e.starts_at)
        .bind(e.ends_at).bind(i64::from(e.public)).bind(e.note).bind(by).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Changes an entry not cancelled (its leader stays); its sequence goes up. Answers whether
/// it changed.
pub async fn update_entry(tx: &mut Tx, id: i64, e: &NewEntry<'_>, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update schedule_entries set kind = $2, title = $3, place = $4, starts_at = $5,
             ends_at = $6, public = $7, note = $8, sequence = sequence + 1, updated_at = $9
         where id = $1 and cancelled_at is null")
        .bind(id).bind(e.kind).bind(e.title).bind(e.place).bind(e.starts_at).bind(e.ends_at)
        .bind(i64::from(e.public)).bind(e.note).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Cancels an entry; answers whether it was still standing.
pub async fn cancel_entry(tx: &mut Tx, id: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update schedule_entries set cancelled_at = $2, sequence = sequence + 1, updated_at = $2
         where id = $1 and cancelled_at is null")
        .bind(id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The posts keeping a leader's schedule.
pub async fn keepers_of(db: &Db, leader: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select keeper_post_id from schedule_keepers where leader_post_id = $1
         order by keeper_post_id")
        .bind(leader).fetch_all(c).await)?)
}

/// The leaders a post keeps the schedule of.
pub async fn kept_by(db: &Db, keeper: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select leader_post_id from schedule_keepers where keeper_post_id = $1
         order by leader_post_id")
        .bind(keeper).fetch_all(c).await)?)
}

/// Replaces the keepers of a leader.
pub async fn set_keepers(
    tx: &mut Tx,
    leader: i64,
    keepers: &[i64],
    by: i64,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from schedule_keepers where leader_post_id = $1")
        .bind(leader).execute(c).await.map(|_| ()))?;
    for k in keepers {
        with_tx!(tx, c => sqlx::query(
            "insert into schedule_keepers (leader_post_id, keeper_post_id, created_by_post_id,
                 created_at) values ($1, $2, $3, $4)")
            .bind(leader).bind(k).bind(by).bind(now_ms).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// A leader as the schedule lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeaderRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person_name: String,
    /// The post's title or the position's name.
    pub title: String,
    /// The post's unit.
    pub unit_id: i64,
    /// Its position code (`director` …).
    pub position: String,
}

/// The leaders of a government: the active posts of the government itself (市长, 副市长 …)
/// and the 主任 and 副主任 of its office, in rank order.
pub async fn leaders_of(db: &Db, government: i64, office: i64) -> Result<Vec<LeaderRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select p.id as post_id, pe.name as person_name, coalesce(p.title, q.name) as title,
             p.unit_id, q.code as position
         from posts p join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         where p.active = 1 and (p.unit_id = $1
             or (p.unit_id = $2 and q.code in ('director', 'deputy_director')))
         order by case when p.unit_id = $1 then 0 else 1 end, q.rank, p.id")
        .bind(government).bind(office).fetch_all(c).await)?)
}

/// The office (办公厅/办公室) directly below a government.
pub async fn office_of_government(db: &Db, government: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 and kind = 'office'
         order by sort_order, id limit 1")
        .bind(government).fetch_optional(c).await)?)
}

/// The posts doing the work of an office and its sections (not the administrators), with their
/// labels, for naming keepers: (post, 「姓名（单位 职务）」).
pub async fn office_posts(db: &Db, office: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select p.id, pe.name || '（' || u.short_name || ' ' || coalesce(p.title, q.name) || '）'
         from posts p join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
         join positions q on q.id = p.position_id
         where p.active = 1 and (u.id = $1 or u.parent_id = $1)
           and exists (select 1 from post_roles pr join role_permissions rp on rp.role_id = pr.role_id
                       where pr.post_id = p.id and rp.permission = 'flow.work')
         order by case when u.id = $1 then 0 else 1 end, u.sort_order, u.id, q.rank, p.id")
        .bind(office).fetch_all(c).await)?)
}

/// The names of the governments directly below a government (a city's counties), in order.
pub async fn governments_below(db: &Db, government: i64) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select name from units where parent_id = $1 and kind = 'government'
         order by sort_order, id")
        .bind(government).fetch_all(c).await)?)
}

/// The government a post's unit is or sits in (the nearest at or above it).
pub async fn government_of_post(db: &Db, post: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "with recursive up (id, kind, parent_id, depth) as (
             select u.id, u.kind, u.parent_id, 0 from posts p join units u on u.id = p.unit_id
             where p.id = $1
             union all
             select u.id, u.kind, u.parent_id, up.depth + 1 from units u join up on u.id = up.parent_id
             where up.depth < 8)
         select id from up where kind = 'government' order by depth limit 1")
        .bind(post).fetch_optional(c).await)?)
}
