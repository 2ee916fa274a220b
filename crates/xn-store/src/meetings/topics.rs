//! SQL of 议题 and 会议申请 (migration 0042): topics with their 会签 units, per-topic 列席,
//! materials and who read them, a meeting's approved agenda, the carry-overs counted by month,
//! and meeting requests. Who may submit, screen, approve or read, and whether an agenda fits its
//! meeting, are the service's rules, not here.

use crate::{Db, Result, Tx};

/// A topic as stored, with the names its pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicRow {
    /// Id.
    pub id: i64,
    /// The office that screens it.
    pub office_id: i64,
    /// The kind of meeting it is for (the next one of that kind), if so.
    pub kind_id: Option<i64>,
    /// The kind's name, or empty.
    pub kind_name: String,
    /// The meeting it is for or on, if any.
    pub meeting_id: Option<i64>,
    /// That meeting's title, or empty.
    pub meeting_title: String,
    /// 议题名称.
    pub title: String,
    /// 汇报单位.
    pub unit_id: i64,
    /// Its short name.
    pub unit_name: String,
    /// 汇报人.
    pub reporter: String,
    /// 请求事项: the decision asked for.
    pub request: String,
    /// Minutes asked for.
    pub minutes: i64,
    /// 密级 code.
    pub classification: String,
    /// Status code.
    pub status: String,
    /// Why it was returned.
    pub return_reason: String,
    /// Its place on the agenda (1-based), once scheduled.
    pub agenda_order: Option<i64>,
    /// Its slot on the agenda, epoch ms.
    pub slot_start: Option<i64>,
    /// Its slot's end, epoch ms.
    pub slot_end: Option<i64>,
    /// How many times it was carried over.
    pub carried_over: i64,
    /// Who submitted it.
    pub submitted_by_post_id: i64,
    /// The submitter as a line.
    pub submitted_by: String,
    /// When, epoch ms.
    pub submitted_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

const TOPIC_SELECT: &str = "select t.id, t.office_id, t.kind_id, coalesce(k.name, '') as kind_name,
    t.meeting_id, coalesce(m.title, '') as meeting_title, t.title, t.unit_id,
    u.short_name as unit_name, t.reporter, t.request, t.minutes, t.classification, t.status,
    t.return_reason, t.agenda_order, t.slot_start, t.slot_end, t.carried_over,
    t.submitted_by_post_id,
    pe.name || '（' || pu.short_name || coalesce(p.title, q.name, '') || '）' as submitted_by,
    t.submitted_at, t.updated_at
    from meeting_topics t
    join units u on u.id = t.unit_id
    left join meeting_kinds k on k.id = t.kind_id
    left join meetings m on m.id = t.meeting_id
    join posts p on p.id = t.submitted_by_post_id
    join persons pe on pe.id = p.person_id
    join units pu on pu.id = p.unit_id
    left join positions q on q.id = p.position_id";

/// A topic to store (已提交).
#[derive(Debug, Clone)]
pub struct NewTopic<'a> {
    /// The office that screens it.
    pub office_id: i64,
    /// For the next meeting of this kind.
    pub kind_id: Option<i64>,
    /// For this meeting.
    pub meeting_id: Option<i64>,
    /// 议题名称.
    pub title: &'a str,
    /// 汇报单位.
    pub unit_id: i64,
    /// 汇报人.
    pub reporter: &'a str,
    /// 请求事项.
    pub request: &'a str,
    /// Minutes asked for.
    pub minutes: i64,
    /// 密级 code.
    pub classification: &'a str,
    /// The submitting post.
    pub submitted_by_post_id: i64,
}

/// Stores a new topic.
pub async fn insert_topic(tx: &mut Tx, t: &NewTopic<'_>, now_ms: i64) -> Result<i64> {
    let sql =
        "insert into meeting_topics (office_id, kind_id, meeting_id, title, unit_id, reporter,
               request, minutes, classification, status, submitted_by_post_id, submitted_at,
               updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $11, $11)
               returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(t.office_id).bind(t.kind_id)
        .bind(t.meeting_id).bind(t.title).bind(t.unit_id).bind(t.reporter).bind(t.request)
        .bind(t.minutes).bind(t.classification).bind(t.submitted_by_post_id).bind(now_ms)
        .fetch_one(c).await)?,
    )
}

/// A topic.
pub async fn find_topic(db: &Db, id: i64) -> Result<TopicRow> {
    let sql = format!("{TOPIC_SELECT} where t.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// A topic, inside a transaction.
pub async fn find_topic_tx(tx: &mut Tx, id: i64) -> Result<TopicRow> {
    let sql = format!("{TOPIC_SELECT} where t.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// The topics screened by an office, newest first.
pub async fn topics_of_office(db: &Db, office: i64) -> Result<Vec<TopicRow>> {
    let sql =
        format!("{TOPIC_SELECT} where t.office_id = $1 order by t.submitted_at desc, t.id desc");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .fetch_all(c).await)?,
    )
}

/// The topics submitted by a unit, newest first.
pub async fn topics_of_unit(db: &Db, unit: i64) -> Result<Vec<TopicRow>> {
    let sql =
        format!("{TOPIC_SELECT} where t.unit_id = $1 order by t.submitted_at desc, t.id desc");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(unit)
        .fetch_all(c).await)?,
    )
}

/// The topics on a meeting or asked for it, in agenda order (then as submitted).
pub async fn topics_of_meeting(db: &Db, meeting: i64) -> Result<Vec<TopicRow>> {
    let sql = format!(
        "{TOPIC_SELECT} where t.meeting_id = $1
         order by t.agenda_order is null, t.agenda_order, t.submitted_at, t.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// Moves a topic from one status to another (screening, returning, resubmitting), with the
/// reason and the post that did it; false when it was no longer in `from`.
pub async fn set_topic_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    reason: &str,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update meeting_topics set status = $3, return_reason = $4,
               screened_by_post_id = $5, screened_at = $6, updated_at = $6
               where id = $1 and status = $2";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(from).bind(to).bind(reason)
        .bind(post).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Puts a screened or carried-over topic on a meeting's agenda at its place and time; false
/// when it could no longer be scheduled.
#[expect(
    clippy::too_many_arguments,
    reason = "one agenda line, its fields spelled out"
)]
pub async fn schedule_topic(
    tx: &mut Tx,
    id: i64,
    meeting: i64,
    order: i64,
    start: i64,
    end: i64,
    now_ms: i64,
    from: &str,
) -> Result<bool> {
    let sql = "update meeting_topics set status = 'scheduled', meeting_id = $2, agenda_order = $3,
               slot_start = $4, slot_end = $5, updated_at = $6
               where id = $1 and status = $7";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(meeting).bind(order).bind(start)
        .bind(end).bind(now_ms).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Carries a topic over (暂缓): off its agenda slot, counted once more; false when it was
/// neither scheduled nor screened.
pub async fn defer_topic(tx: &mut Tx, id: i64, now_ms: i64) -> Result<bool> {
    let sql = "update meeting_topics set status = 'deferred', agenda_order = null,
               slot_start = null, slot_end = null, carried_over = carried_over + 1,
               updated_at = $2
               where id = $1 and status in ('scheduled', 'screened')";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records one carry-over of a topic (for the monthly figures).
pub async fn insert_carry(
    tx: &mut Tx,
    topic: i64,
    meeting: Option<i64>,
    office: i64,
    reason: &str,
    post: i64,
    now_ms: i64,
) -> Result<()> {
    let sql = "insert into meeting_topic_carries (topic_id, meeting_id, office_id, reason,
               carried_by_post_id, carried_at) values ($1, $2, $3, $4, $5, $6)";
    with_tx!(tx, c => sqlx::query(sql).bind(topic).bind(meeting).bind(office).bind(reason)
        .bind(post).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// How many times an office's topics were carried over in `[from, to)`.
pub async fn count_carries(db: &Db, office: i64, from: i64, to: i64) -> Result<i64> {
    let sql = "select count(*) from meeting_topic_carries
               where office_id = $1 and carried_at >= $2 and carried_at < $3";
    Ok(
        with_db!(db, c => sqlx::query_scalar(sql).bind(office).bind(from).bind(to)
        .fetch_one(c).await)?,
    )
}

/// A 会签 unit of a topic and its answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CosignRow {
    /// The topic.
    pub topic_id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit_name: String,
    /// 1 agreed, 0 disagreed, none yet.
    pub agreed: Option<i16>,
    /// Its opinion.
    pub opinion: String,
    /// Who answered, as a line, or empty.
    pub signed_by: String,
    /// When, epoch ms.
    pub signed_at: Option<i64>,
}

/// Names a unit that must 会签 a topic.
pub async fn insert_cosign(tx: &mut Tx, topic: i64, unit: i64) -> Result<()> {
    let sql = "insert into meeting_topic_cosigns (topic_id, unit_id) values ($1, $2)";
    with_tx!(tx, c => sqlx::query(sql).bind(topic).bind(unit).execute(c).await.map(|_| ()))?;
    Ok(())
}

const COSIGN_SELECT: &str = "select s.topic_id, s.unit_id, u.short_name as unit_name, s.agreed,
    s.opinion, coalesce(pe.name || '（' || coalesce(p.title, q.name, '') || '）', '') as signed_by,
    s.signed_at
    from meeting_topic_cosigns s join units u on u.id = s.unit_id
    left join posts p on p.id = s.signed_by_post_id
    left join persons pe on pe.id = p.person_id
    left join positions q on q.id = p.position_id
    where s.topic_id = $1 order by u.sort_order, u.id";

/// A topic's 会签 units with their answers.
pub async fn cosigns_of(db: &Db, topic: i64) -> Result<Vec<CosignRow>> {
    Ok(with_db!(db, c => sqlx::query_as(COSIGN_SELECT).bind(topic).fetch_all(c).await)?)
}

/// The same, inside a transaction.
pub async fn cosigns_of_tx(tx: &mut Tx, topic: i64) -> Result<Vec<CosignRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(COSIGN_SELECT).bind(topic).fetch_all(c).await)?)
}

/// A 会签 unit's answer; false when the unit is not one of the topic's.
pub async fn sign_cosign(
    tx: &mut Tx,
    topic: i64,
    unit: i64,
    agreed: bool,
    opinion: &str,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update meeting_topic_cosigns set agreed = $3, opinion = $4, signed_by_post_id = $5,
               signed_at = $6 where topic_id = $1 and unit_id = $2";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(topic).bind(unit).bind(i16::from(agreed))
        .bind(opinion).bind(post).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A post or unit invited to sit in (列席) for one topic.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObserverRow {
    /// The topic.
    pub topic_id: i64,
    /// The post, when a post.
    pub post_id: Option<i64>,
    /// The unit, when a unit.
    pub unit_id: Option<i64>,
    /// `姓名（单位职务）` or the unit's short name.
    pub label: String,
}

/// Invites a post or a unit to sit in for a topic.
pub async fn insert_observer(
    tx: &mut Tx,
    topic: i64,
    post: Option<i64>,
    unit: Option<i64>,
) -> Result<()> {
    let sql =
        "insert into meeting_topic_observers (topic_id, post_id, unit_id) values ($1, $2, $3)";
    with_tx!(tx, c => sqlx::query(sql).bind(topic).bind(post).bind(unit).execute(c).await
        .map(|_| ()))?;
    Ok(())
}

const OBSERVER_SELECT: &str = "select o.topic_id, o.post_id, o.unit_id,
    case when o.post_id is null then ou.short_name
         else pe.name || '（' || pu.short_name || coalesce(p.title, q.name, '') || '）' end as label
    from meeting_topic_observers o
    left join units ou on ou.id = o.unit_id
    left join posts p on p.id = o.post_id
    left join persons pe on pe.id = p.person_id
    left join units pu on pu.id = p.unit_id
    left join positions q on q.id = p.position_id
    where o.topic_id = $1 order by o.post_id is null, o.post_id, o.unit_id";

/// A topic's 列席 posts and units.
pub async fn observers_of(db: &Db, topic: i64) -> Result<Vec<ObserverRow>> {
    Ok(with_db!(db, c => sqlx::query_as(OBSERVER_SELECT).bind(topic).fetch_all(c).await)?)
}

/// The same, inside a transaction.
pub async fn observers_of_tx(tx: &mut Tx, topic: i64) -> Result<Vec<ObserverRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(OBSERVER_SELECT).bind(topic).fetch_all(c).await)?)
}

/// Adds a 列席 attendee to a meeting for one topic.
pub async fn insert_topic_attendee(
    tx: &mut Tx,
    meeting: i64,
    post: Option<i64>,
    unit: Option<i64>,
    topic: i64,
) -> Result<()> {
    let sql = "insert into meeting_attendees (meeting_id, role, post_id, unit_id, topic_id)
               values ($1, 'observe', $2, $3, $4)";
    with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(post).bind(unit).bind(topic)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Whether a post or unit is already an attendee of a meeting (for the whole meeting or a
/// topic).
pub async fn is_attendee(
    tx: &mut Tx,
    meeting: i64,
    post: Option<i64>,
    unit: Option<i64>,
) -> Result<bool> {
    let sql = "select count(*) from meeting_attendees where meeting_id = $1
               and ((post_id is not null and post_id = $2) or (unit_id is not null and unit_id = $3))";
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).bind(post).bind(unit)
        .fetch_one(c).await)?;
    Ok(n > 0)
}

/// An invitation for one topic: who (a post or a unit), the topic and its slot.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicInviteRow {
    /// The post, when a post.
    pub post_id: Option<i64>,
    /// The unit, when a unit.
    pub unit_id: Option<i64>,
    /// The topic.
    pub topic_id: i64,
    /// Its title.
    pub title: String,
    /// Its slot, epoch ms.
    pub slot_start: Option<i64>,
    /// Its slot's end.
    pub slot_end: Option<i64>,
}

/// The attendees of a meeting invited for one topic only, with the topic and its time.
pub async fn topic_invites(db: &Db, meeting: i64) -> Result<Vec<TopicInviteRow>> {
    let sql = "select a.post_id, a.unit_id, t.id as topic_id, t.title, t.slot_start, t.slot_end
               from meeting_attendees a join meeting_topics t on t.id = a.topic_id
               where a.meeting_id = $1 order by t.agenda_order";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(meeting).fetch_all(c).await)?)
}

/// A topic's material.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRow {
    /// Id.
    pub id: i64,
    /// The topic.
    pub topic_id: i64,
    /// File name.
    pub name: String,
    /// Media type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
    /// SM3 of the bytes (the blob's key).
    pub hash: String,
    /// When, epoch ms.
    pub created_at: i64,
}

/// Adds a material to a topic.
#[expect(
    clippy::too_many_arguments,
    reason = "one file row, its fields spelled out"
)]
pub async fn insert_material(
    tx: &mut Tx,
    topic: i64,
    name: &str,
    mime: &str,
    size: i64,
    hash: &str,
    post: i64,
    now_ms: i64,
) -> Result<i64> {
    let sql = "insert into meeting_topic_materials (topic_id, name, mime, size, hash,
               added_by_post_id, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(topic).bind(name).bind(mime).bind(size)
        .bind(hash).bind(post).bind(now_ms).fetch_one(c).await)?,
    )
}

const MATERIAL_SELECT: &str =
    "select id, topic_id, name, mime, size, hash, created_at from meeting_topic_materials";

/// A topic's materials, as added.
pub async fn materials_of(db: &Db, topic: i64) -> Result<Vec<MaterialRow>> {
    let sql = format!("{MATERIAL_SELECT} where topic_id = $1 order by id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(topic)
        .fetch_all(c).await)?,
    )
}

/// How many materials a topic has, inside a transaction.
pub async fn count_materials(tx: &mut Tx, topic: i64) -> Result<i64> {
    let sql = "select count(*) from meeting_topic_materials where topic_id = $1";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(topic).fetch_one(c).await)?)
}

/// Records that a post opened a material (first time, or once more).
pub async fn record_read(tx: &mut Tx, material: i64, post: i64, now_ms: i64) -> Result<()> {
    let sql = "insert into meeting_material_reads (material_id, post_id, first_read_at,
               last_read_at, read_count) values ($1, $2, $3, $3, 1)
               on conflict (material_id, post_id) do update set
               last_read_at = excluded.last_read_at,
               read_count = meeting_material_reads.read_count + 1";
    with_tx!(tx, c => sqlx::query(sql).bind(material).bind(post).bind(now_ms).execute(c).await
        .map(|_| ()))?;
    Ok(())
}

/// Who opened a material.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReadRow {
    /// The material.
    pub material_id: i64,
    /// The reader's post.
    pub post_id: i64,
    /// The reader as a line.
    pub reader: String,
    /// First opened, epoch ms.
    pub first_read_at: i64,
    /// How many times.
    pub read_count: i64,
}

/// Who opened a topic's materials.
pub async fn reads_of(db: &Db, topic: i64) -> Result<Vec<ReadRow>> {
    let sql = "select r.material_id, r.post_id,
               pe.name || '（' || u.short_name || coalesce(p.title, q.name, '') || '）' as reader,
               r.first_read_at, r.read_count
               from meeting_material_reads r
               join meeting_topic_materials mt on mt.id = r.material_id
               join posts p on p.id = r.post_id join persons pe on pe.id = p.person_id
               join units u on u.id = p.unit_id left join positions q on q.id = p.position_id
               where mt.topic_id = $1 order by r.material_id, r.first_read_at";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(topic).fetch_all(c).await)?)
}

/// A meeting's approved agenda.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgendaRow {
    /// The meeting.
    pub meeting_id: i64,
    /// The approving leader as a line.
    pub approved_by: String,
    /// When, epoch ms.
    pub approved_at: i64,
}

/// Records a meeting's agenda as approved; false when it already was.
pub async fn insert_agenda(tx: &mut Tx, meeting: i64, post: i64, now_ms: i64) -> Result<bool> {
    let sql = "insert into meeting_agendas (meeting_id, approved_by_post_id, approved_at)
               values ($1, $2, $3) on conflict (meeting_id) do nothing";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(meeting).bind(post).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A meeting's agenda, if approved.
pub async fn find_agenda(db: &Db, meeting: i64) -> Result<Option<AgendaRow>> {
    let sql = "select a.meeting_id,
               pe.name || '（' || u.short_name || coalesce(p.title, q.name, '') || '）' as approved_by,
               a.approved_at
               from meeting_agendas a join posts p on p.id = a.approved_by_post_id
               join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
               left join positions q on q.id = p.position_id where a.meeting_id = $1";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(meeting).fetch_optional(c).await)?)
}

/// A 会议申请 as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    /// Id.
    pub id: i64,
    /// The office asked.
    pub office_id: i64,
    /// The asking unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit_name: String,
    /// The kind asked for.
    pub kind_id: i64,
    /// Its name.
    pub kind_name: String,
    /// 会议名称.
    pub title: String,
    /// The wished time, epoch ms.
    pub wished_start: i64,
    /// Its end.
    pub wished_end: i64,
    /// 出席 posts asked for, a JSON array of ids.
    pub attend_posts: String,
    /// Why the meeting is needed.
    pub reason: String,
    /// Status code.
    pub status: String,
    /// Why it was declined.
    pub decline_reason: String,
    /// The meeting booked from it.
    pub meeting_id: Option<i64>,
    /// Who asked, as a line.
    pub requested_by: String,
    /// Who asked (post).
    pub requested_by_post_id: i64,
    /// When, epoch ms.
    pub requested_at: i64,
}

const REQUEST_SELECT: &str = "select r.id, r.office_id, r.unit_id, u.short_name as unit_name,
    r.kind_id, k.name as kind_name, r.title, r.wished_start, r.wished_end, r.attend_posts,
    r.reason, r.status, r.decline_reason, r.meeting_id,
    pe.name || '（' || pu.short_name || coalesce(p.title, q.name, '') || '）' as requested_by,
    r.requested_by_post_id, r.requested_at
    from meeting_requests r join units u on u.id = r.unit_id
    join meeting_kinds k on k.id = r.kind_id
    join posts p on p.id = r.requested_by_post_id join persons pe on pe.id = p.person_id
    join units pu on pu.id = p.unit_id left join positions q on q.id = p.position_id";

/// A meeting request to store (待审批).
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// The office asked.
    pub office_id: i64,
    /// The asking unit.
    pub unit_id: i64,
    /// The kind.
    pub kind_id: i64,
    /// 会议名称.
    pub title: &'a str,
    /// Wished start, epoch ms.
    pub wished_start: i64,
    /// Wished end.
    pub wished_end: i64,
    /// 出席 posts, a JSON array.
    pub attend_posts: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Who asks.
    pub requested_by_post_id: i64,
}

/// Stores a meeting request.
pub async fn insert_request(tx: &mut Tx, r: &NewRequest<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into meeting_requests (office_id, unit_id, kind_id, title, wished_start,
               wished_end, attend_posts, reason, status, requested_by_post_id, requested_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(r.office_id).bind(r.unit_id)
        .bind(r.kind_id).bind(r.title).bind(r.wished_start).bind(r.wished_end)
        .bind(r.attend_posts).bind(r.reason).bind(r.requested_by_post_id).bind(now_ms)
        .fetch_one(c).await)?,
    )
}

/// A meeting request.
pub async fn find_request(db: &Db, id: i64) -> Result<RequestRow> {
    let sql = format!("{REQUEST_SELECT} where r.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// The requests an office was asked, or a unit asked, newest first.
pub async fn requests_for(db: &Db, office: i64, unit: i64) -> Result<Vec<RequestRow>> {
    let sql = format!(
        "{REQUEST_SELECT} where r.office_id = $1 or r.unit_id = $2
         order by r.requested_at desc, r.id desc"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .bind(unit).fetch_all(c).await)?,
    )
}

/// Decides a pending request; false when it was no longer pending.
pub async fn decide_request(
    tx: &mut Tx,
    id: i64,
    status: &str,
    reason: &str,
    meeting: Option<i64>,
    post: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update meeting_requests set status = $2, decline_reason = $3, meeting_id = $4,
               decided_by_post_id = $5, decided_at = $6 where id = $1 and status = 'pending'";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(reason).bind(meeting)
        .bind(post).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
