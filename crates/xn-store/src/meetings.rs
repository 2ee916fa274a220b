//! SQL of 办会 (migration 0025): meeting kinds, rooms, meetings and their attendance, the
//! booking lock rows, and each person's private calendar feed. Who may book, what clashes and
//! what a person may see are the service's rules, not here.

use crate::{Db, Result, Tx};

pub mod figures;
pub mod minutes;
pub mod notices;
pub mod schedule;
pub mod topics;

/// A meeting kind (会议类型).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KindRow {
    /// Id.
    pub id: i64,
    /// Its name, e.g. 常务会议.
    pub name: String,
}

/// Every meeting kind in the office's order.
pub async fn list_kinds(db: &Db) -> Result<Vec<KindRow>> {
    let sql = "select id, name from meeting_kinds order by sort_order, id";
    Ok(with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// Adds a kind at the end of the list.
pub async fn insert_kind(tx: &mut Tx, name: &str) -> Result<i64> {
    let sql = "insert into meeting_kinds (name, sort_order)
               values ($1, (select coalesce(max(sort_order), 0) + 1 from meeting_kinds))
               returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(name).fetch_one(c).await)?)
}

/// A room (会议室).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomRow {
    /// Id.
    pub id: i64,
    /// The office that owns and books it.
    pub office_id: i64,
    /// The office's short name.
    pub office_name: String,
    /// Its name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
    /// Equipment, as written.
    pub equipment: String,
}

const ROOM_SELECT: &str = "select r.id, r.office_id, u.short_name as office_name, r.name,
    r.capacity, r.equipment from meeting_rooms r join units u on u.id = r.office_id";

/// Every room, by office and name.
pub async fn list_rooms(db: &Db) -> Result<Vec<RoomRow>> {
    let sql = format!("{ROOM_SELECT} order by r.office_id, r.name");
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// One room.
pub async fn find_room(db: &Db, id: i64) -> Result<RoomRow> {
    let sql = format!("{ROOM_SELECT} where r.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// One room, inside a transaction.
pub async fn find_room_tx(tx: &mut Tx, id: i64) -> Result<RoomRow> {
    let sql = format!("{ROOM_SELECT} where r.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// A room to add.
#[derive(Debug, Clone)]
pub struct NewRoom<'a> {
    /// The owning office.
    pub office_id: i64,
    /// Name.
    pub name: &'a str,
    /// Seats.
    pub capacity: i64,
    /// Equipment.
    pub equipment: &'a str,
}

/// Adds a room.
pub async fn insert_room(tx: &mut Tx, r: &NewRoom<'_>) -> Result<i64> {
    let sql = "insert into meeting_rooms (office_id, name, capacity, equipment)
               values ($1, $2, $3, $4) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(r.office_id).bind(r.name)
        .bind(r.capacity).bind(r.equipment).fetch_one(c).await)?,
    )
}

/// A meeting as stored, with the names its pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind_id: i64,
    /// The kind's name.
    pub kind_name: String,
    /// Title.
    pub title: String,
    /// The office that books and manages it.
    pub office_id: i64,
    /// The organising unit.
    pub organiser_unit_id: i64,
    /// Its short name.
    pub organiser_name: String,
    /// The chair's post.
    pub chair_post_id: i64,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End, epoch ms.
    pub ends_at: i64,
    /// `room`, `venue` or `video`.
    pub place_kind: String,
    /// The room, for `room`.
    pub room_id: Option<i64>,
    /// The room's name.
    pub room_name: Option<String>,
    /// The outside venue or the video link.
    pub venue: String,
    /// 密级 code.
    pub classification: String,
    /// Status code.
    pub status: String,
    /// RFC 5545 SEQUENCE.
    pub sequence: i64,
    /// Notes.
    pub notes: String,
    /// Why it was cancelled.
    pub cancel_reason: String,
    /// Who booked it.
    pub created_by_post_id: i64,
    /// When it was booked.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const MEETING_SELECT: &str = "select m.id, m.kind_id, k.name as kind_name, m.title, m.office_id,
    m.organiser_unit_id, u.short_name as organiser_name, m.chair_post_id, m.starts_at, m.ends_at,
    m.place_kind, m.room_id, r.name as room_name, m.venue, m.classification, m.status, m.sequence,
    m.notes, m.cancel_reason, m.created_by_post_id, m.created_at, m.updated_at
    from meetings m join meeting_kinds k on k.id = m.kind_id
    join units u on u.id = m.organiser_unit_id
    left join meeting_rooms r on r.id = m.room_id";

/// One meeting.
pub async fn find_meeting(db: &Db, id: i64) -> Result<MeetingRow> {
    let sql = format!("{MEETING_SELECT} where m.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// One meeting, inside a transaction.
pub async fn find_meeting_tx(tx: &mut Tx, id: i64) -> Result<MeetingRow> {
    let sql = format!("{MEETING_SELECT} where m.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// Meetings overlapping `[from, to)`, by start (cancelled ones included). A meeting lasts at
/// most `MAX_HOURS` (booking and moving refuse longer), so one overlapping the span started at
/// most that long before it: the start index is read over that range only, not over every
/// meeting that started before `to` (a year of them, for a week's page).
pub async fn meetings_between(db: &Db, from: i64, to: i64) -> Result<Vec<MeetingRow>> {
    let longest = xn_domain::meetings::MAX_HOURS * 3_600_000;
    let sql = format!(
        "{MEETING_SELECT} where m.starts_at < $2 and m.starts_at > $3 and m.ends_at > $1
         order by m.starts_at, m.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from).bind(to).bind(from.saturating_sub(longest)).fetch_all(c).await)?,
    )
}

/// A room's meetings overlapping `[from, to)`, by start (cancelled ones included).
pub async fn room_meetings_between(
    db: &Db,
    room: i64,
    from: i64,
    to: i64,
) -> Result<Vec<MeetingRow>> {
    let sql = format!(
        "{MEETING_SELECT} where m.room_id = $1 and m.starts_at < $3 and m.ends_at > $2
         order by m.starts_at, m.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(room).bind(from).bind(to).fetch_all(c).await)?,
    )
}

/// The meetings a set of posts take part in (chair, any attendance, or attending in another's
/// place by a 委托 reply), ending after `from`.
pub async fn meetings_of_posts(db: &Db, posts: &[i64], from: i64) -> Result<Vec<MeetingRow>> {
    let mut out = Vec::new();
    for post in posts {
        let sql = format!(
            "{MEETING_SELECT} where m.ends_at > $2 and (m.chair_post_id = $1 or exists
             (select 1 from meeting_attendees a where a.meeting_id = m.id and a.post_id = $1)
             or exists (select 1 from meeting_replies r where r.meeting_id = m.id
             and r.answer = 'proxy' and r.proxy_post_id = $1))
             order by m.starts_at, m.id"
        );
        let rows: Vec<MeetingRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(post).bind(from).fetch_all(c).await)?;
        for r in rows {
            if !out.iter().any(|m: &MeetingRow| m.id == r.id) {
                out.push(r);
            }
        }
    }
    out.sort_by_key(|m| (m.starts_at, m.id));
    Ok(out)
}

/// A meeting to insert.
#[derive(Debug, Clone)]
pub struct NewMeeting<'a> {
    /// Kind.
    pub kind_id: i64,
    /// Title.
    pub title: &'a str,
    /// Managing office.
    pub office_id: i64,
    /// Organising unit.
    pub organiser_unit_id: i64,
    /// Chair.
    pub chair_post_id: i64,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End, epoch ms.
    pub ends_at: i64,
    /// `room`, `venue`, `video`.
    pub place_kind: &'a str,
    /// Room.
    pub room_id: Option<i64>,
    /// Venue or link.
    pub venue: &'a str,
    /// 密级 code.
    pub classification: &'a str,
    /// Notes.
    pub notes: &'a str,
    /// Who books it.
    pub created_by_post_id: i64,
}

/// Inserts a meeting at 筹备中.
pub async fn insert_meeting(tx: &mut Tx, m: &NewMeeting<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into meetings (kind_id, title, office_id, organiser_unit_id, chair_post_id,
               starts_at, ends_at, place_kind, room_id, venue, classification, status, notes,
               created_by_post_id, created_at, updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'preparing', $12, $13, $14, $14)
               returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(m.kind_id).bind(m.title).bind(m.office_id)
        .bind(m.organiser_unit_id).bind(m.chair_post_id).bind(m.starts_at).bind(m.ends_at)
        .bind(m.place_kind).bind(m.room_id).bind(m.venue).bind(m.classification).bind(m.notes)
        .bind(m.created_by_post_id).bind(now_ms).fetch_one(c).await)?,
    )
}

/// Adds one attendance row: a post, or (for 列席) a unit.
pub async fn insert_attendee(
    tx: &mut Tx,
    meeting: i64,
    role: &str,
    post: Option<i64>,
    unit: Option<i64>,
) -> Result<()> {
    let sql = "insert into meeting_attendees (meeting_id, role, post_id, unit_id)
               values ($1, $2, $3, $4)";
    with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(role).bind(post).bind(unit)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// One attendance row with the names a page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendeeRow {
    /// The meeting.
    pub meeting_id: i64,
    /// `attend`, `observe`, `staff`.
    pub role: String,
    /// The post, when a post.
    pub post_id: Option<i64>,
    /// The unit, when a unit (or the post's unit).
    pub unit_id: i64,
    /// The holder's name (empty for a unit).
    pub person_name: String,
    /// The unit's short name.
    pub unit_name: String,
    /// The post's title or position (empty for a unit).
    pub post_title: String,
    /// For a post attending in another's place (a 委托 reply): whom it stands in for (a name,
    /// or a unit's short name); empty otherwise.
    pub proxy_for: String,
    /// For a 列席 invited for one 议题 only: that topic.
    pub topic_id: Option<i64>,
}

/// The attendance of some meetings, meeting by meeting in the order given; within a meeting by
/// role, unit and name. A post named by a 委托 reply is listed in the role of the one it stands
/// in for, with `proxy_for` set. Read in one statement per 500 meetings (a week's page of a busy
/// office holds hundreds: one statement per meeting made it the page's main cost).
pub async fn attendees_of(db: &Db, meetings: &[i64]) -> Result<Vec<AttendeeRow>> {
    let mut out = Vec::new();
    for chunk in meetings.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "select a.meeting_id, a.role, a.post_id,
             coalesce(a.unit_id, p.unit_id) as unit_id,
             coalesce(pe.name, '') as person_name, u.short_name as unit_name,
             coalesce(p.title, q.name, '') as post_title, '' as proxy_for, a.topic_id
             from meeting_attendees a
             left join posts p on p.id = a.post_id
             left join persons pe on pe.id = p.person_id
             left join positions q on q.id = p.position_id
             join units u on u.id = coalesce(a.unit_id, p.unit_id)
             where a.meeting_id in ({list})
             union all
             select r.meeting_id, r.role, r.proxy_post_id as post_id, p.unit_id,
             pe.name as person_name, u.short_name as unit_name,
             coalesce(p.title, q.name, '') as post_title,
             coalesce(ope.name, ou.short_name, '') as proxy_for,
             cast(null as bigint) as topic_id
             from meeting_replies r
             join posts p on p.id = r.proxy_post_id
             join persons pe on pe.id = p.person_id
             left join positions q on q.id = p.position_id
             join units u on u.id = p.unit_id
             left join posts op on op.id = r.post_id
             left join persons ope on ope.id = op.person_id
             left join units ou on ou.id = r.unit_id
             where r.meeting_id in ({list}) and r.answer = 'proxy'
             order by 1, 2, 6, 5"
        );
        let rows: Vec<AttendeeRow> = with_db!(db, c => sqlx::query_as(
            sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?;
        out.extend(rows);
    }
    // Meeting by meeting in the order given (a stable sort keeps each meeting's own order).
    let at: std::collections::HashMap<i64, usize> =
        meetings.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    out.sort_by_key(|a| at.get(&a.meeting_id).copied().unwrap_or(usize::MAX));
    Ok(out)
}

/// Takes the booking lock rows of `subjects` (sorted by the caller, so two bookings never wait
/// on each other crosswise): each is created or its version raised, which on PostgreSQL holds
/// its row lock until the transaction ends.
pub async fn lock_subjects(tx: &mut Tx, subjects: &[String]) -> Result<()> {
    for s in subjects {
        let sql = "insert into meeting_locks (subject, version) values ($1, 1)
                   on conflict (subject) do update set version = meeting_locks.version + 1";
        with_tx!(tx, c => sqlx::query(sql).bind(s.as_str()).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// The live (not cancelled) meetings in `room` overlapping `[from, to)`, other than `except`.
pub async fn room_clashes(
    tx: &mut Tx,
    room: i64,
    from: i64,
    to: i64,
    except: i64,
) -> Result<Vec<MeetingRow>> {
    let sql = format!(
        "{MEETING_SELECT} where m.room_id = $1 and m.starts_at < $3 and m.ends_at > $2
         and m.id <> $4 and m.status <> 'cancelled' order by m.starts_at, m.id"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(room).bind(from).bind(to).bind(except).fetch_all(c).await)?,
    )
}

/// The live meetings overlapping `[from, to)` (other than `except`) in which `post` is the chair
/// or an 出席 attendee.
pub async fn leader_clashes(
    tx: &mut Tx,
    post: i64,
    from: i64,
    to: i64,
    except: i64,
) -> Result<Vec<MeetingRow>> {
    let sql = format!(
        "{MEETING_SELECT} where m.starts_at < $3 and m.ends_at > $2 and m.id <> $4
         and m.status <> 'cancelled' and (m.chair_post_id = $1 or exists
         (select 1 from meeting_attendees a where a.meeting_id = m.id and a.role = 'attend'
          and a.post_id = $1))
         order by m.starts_at, m.id"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).bind(from).bind(to).bind(except).fetch_all(c).await)?,
    )
}

/// The posts that lead a meeting: its chair and its 出席 posts.
pub async fn leader_posts(tx: &mut Tx, meeting: i64) -> Result<Vec<i64>> {
    let sql = "select chair_post_id from meetings where id = $1
               union select post_id from meeting_attendees
               where meeting_id = $1 and role = 'attend' and post_id is not null";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).fetch_all(c).await)?)
}

/// Moves a meeting (and its room), raising its SEQUENCE.
pub async fn move_meeting(
    tx: &mut Tx,
    id: i64,
    starts_at: i64,
    ends_at: i64,
    room: Option<i64>,
    now_ms: i64,
) -> Result<i64> {
    let sql = "update meetings set starts_at = $2, ends_at = $3,
               room_id = case when place_kind = 'room' then $4 else room_id end,
               sequence = sequence + 1, updated_at = $5 where id = $1 returning sequence";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(id).bind(starts_at).bind(ends_at)
        .bind(room).bind(now_ms).fetch_one(c).await)?,
    )
}

/// Sets a meeting's status, if it still is `from` (a concurrent change leaves it alone: false);
/// marking it 进行中 or 已结束 records the instant (`began_at`, `ended_at`).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    reason: &str,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update meetings set status = $3, updated_at = $5,
               sequence = case when $3 = 'cancelled' then sequence + 1 else sequence end,
               cancel_reason = case when $3 = 'cancelled' then $4 else cancel_reason end,
               began_at = case when $3 = 'in_progress' then $5 else began_at end,
               ended_at = case when $3 = 'ended' then $5 else ended_at end
               where id = $1 and status = $2";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(from).bind(to).bind(reason)
        .bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether a person has a feed.
pub async fn has_feed(db: &Db, person: i64) -> Result<bool> {
    let sql = "select count(*) from meeting_feeds where person_id = $1";
    let n: i64 = with_db!(db, c => sqlx::query_scalar(sql).bind(person).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Replaces a person's feed token (the old one stops working).
pub async fn set_feed(tx: &mut Tx, person: i64, token_hash: &str, now_ms: i64) -> Result<()> {
    let sql = "insert into meeting_feeds (person_id, token_hash, created_at) values ($1, $2, $3)
               on conflict (person_id) do update set token_hash = excluded.token_hash,
               created_at = excluded.created_at";
    with_tx!(tx, c => sqlx::query(sql).bind(person).bind(token_hash).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Revokes a person's feed; whether there was one.
pub async fn delete_feed(tx: &mut Tx, person: i64) -> Result<bool> {
    let sql = "delete from meeting_feeds where person_id = $1";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(person).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The person a feed token's hash belongs to.
pub async fn feed_person(db: &Db, token_hash: &str) -> Result<Option<i64>> {
    let sql = "select person_id from meeting_feeds where token_hash = $1";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(token_hash).fetch_optional(c).await)?)
}

/// A post's unit and clearance code, if the post is active.
pub async fn active_post(tx: &mut Tx, post: i64) -> Result<Option<(i64, String)>> {
    let sql = "select unit_id, clearance from posts where id = $1 and active = 1";
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(post).fetch_optional(c).await)?)
}

/// The active posts of a person with their clearance codes.
pub async fn posts_of_person(db: &Db, person: i64) -> Result<Vec<(i64, i64, String)>> {
    let sql = "select id, unit_id, clearance from posts where person_id = $1 and active = 1";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(person).fetch_all(c).await)?)
}

/// Whether a unit exists.
pub async fn unit_exists(tx: &mut Tx, unit: i64) -> Result<bool> {
    let sql = "select count(*) from units where id = $1";
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(sql).bind(unit).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A post offered on the booking form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostOption {
    /// The post.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The holder's name.
    pub person_name: String,
    /// The unit's short name.
    pub unit_name: String,
    /// Title or position.
    pub title: String,
    /// Clearance code.
    pub clearance: String,
}

const POST_OPTION_SELECT: &str = "select p.id, p.unit_id, pe.name as person_name,
    u.short_name as unit_name, coalesce(p.title, q.name) as title, p.clearance
    from posts p join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
    join positions q on q.id = p.position_id";

/// The active posts of leaders (positions ranked at or above `max_rank`: 领导, 主任, 副主任),
/// who chair and attend meetings.
pub async fn leader_options(db: &Db, max_rank: i64) -> Result<Vec<PostOption>> {
    let sql = format!(
        "{POST_OPTION_SELECT} where p.active = 1 and q.rank <= $1
         order by u.sort_order, u.id, q.rank, p.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(max_rank).fetch_all(c).await)?,
    )
}

/// The active posts of an office and of its sections (the meeting's 工作人员).
pub async fn office_post_options(db: &Db, office: i64) -> Result<Vec<PostOption>> {
    let sql = format!(
        "{POST_OPTION_SELECT} where p.active = 1 and (p.unit_id = $1 or u.parent_id = $1)
         order by u.sort_order, u.id, q.rank, p.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).fetch_all(c).await)?,
    )
}

/// A post's holder and title as one line (`陈立新（市长）`).
pub async fn post_label(tx: &mut Tx, post: i64) -> Result<String> {
    let sql = format!("{POST_OPTION_SELECT} where p.id = $1");
    let p: PostOption = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).fetch_one(c).await)?;
    Ok(format!("{}（{}{}）", p.person_name, p.unit_name, p.title))
}

/// Labels of several posts (`陈立新（东川市政府市长）`), by id.
pub async fn post_labels(db: &Db, posts: &[i64]) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for post in posts {
        let sql = format!("{POST_OPTION_SELECT} where p.id = $1");
        let p: Option<PostOption> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(post).fetch_optional(c).await)?;
        if let Some(p) = p {
            out.push((
                p.id,
                format!("{}（{}{}）", p.person_name, p.unit_name, p.title),
            ));
        }
    }
    Ok(out)
}
