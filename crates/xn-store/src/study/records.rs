//! 学习会 and 分析会, field visits, training for the counties, and the study minutes per post
//! per month.

use crate::management::ids;
use crate::{Db, Result, Tx};

/// A session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Id.
    pub id: i64,
    /// The office holding it.
    pub office_unit_id: i64,
    /// `study` or `analysis`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Where.
    pub place: String,
    /// Start (epoch ms).
    pub starts_at: i64,
    /// End (epoch ms).
    pub ends_at: i64,
    /// The speaker's post.
    pub speaker_post_id: i64,
    /// The speaker's name and post.
    pub speaker: String,
    /// Notes (纪要).
    pub notes: String,
    /// Who scheduled it.
    pub created_by_post_id: i64,
}

const SESSION_SELECT: &str = "select s.id, s.office_unit_id, s.kind, s.title, s.place,
    s.starts_at, s.ends_at, s.speaker_post_id,
    pe.name || '（' || coalesce(p.title, q.name) || '）' as speaker, s.notes, s.created_by_post_id
    from study_sessions s join posts p on p.id = s.speaker_post_id
    join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id";

/// A session to schedule.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// The office.
    pub office: i64,
    /// `study` or `analysis`.
    pub kind: &'a str,
    /// Title.
    pub title: &'a str,
    /// Where.
    pub place: &'a str,
    /// Start.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// The speaker.
    pub speaker: i64,
    /// Who schedules it.
    pub by: i64,
}

/// Schedules a session with its materials and attendees; answers its id.
pub async fn insert_session(
    tx: &mut Tx,
    s: &NewSession<'_>,
    materials: &[i64],
    attendees: &[i64],
    now_ms: i64,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "insert into study_sessions (office_unit_id, kind, title, place, starts_at, ends_at,
             speaker_post_id, created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id")
        .bind(s.office).bind(s.kind).bind(s.title).bind(s.place).bind(s.starts_at)
        .bind(s.ends_at).bind(s.speaker).bind(s.by).bind(now_ms).fetch_one(c).await)?;
    for m in materials {
        with_tx!(tx, c => sqlx::query(
            "insert into study_session_materials (session_id, material_id) values ($1, $2)")
            .bind(id).bind(*m).execute(c).await.map(|_| ()))?;
    }
    for p in attendees {
        with_tx!(tx, c => sqlx::query(
            "insert into study_attendees (session_id, post_id) values ($1, $2)")
            .bind(id).bind(*p).execute(c).await.map(|_| ()))?;
    }
    Ok(id)
}

/// The sessions of an office, newest first.
pub async fn sessions_of_office(db: &Db, office: i64) -> Result<Vec<SessionRow>> {
    let sql = format!(
        "{SESSION_SELECT} where s.office_unit_id = $1 order by s.starts_at desc, s.id desc"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).fetch_all(c).await)?,
    )
}

/// One session, if it exists.
pub async fn find_session(db: &Db, id: i64) -> Result<Option<SessionRow>> {
    let sql = format!("{SESSION_SELECT} where s.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// A session's materials: (id, title, grade, 密级).
pub async fn session_materials(db: &Db, id: i64) -> Result<Vec<(i64, String, String, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select m.id, m.title, m.grade, m.classification from study_session_materials sm
         join study_materials m on m.id = sm.material_id where sm.session_id = $1 order by m.id")
        .bind(id).fetch_all(c).await)?)
}

/// An attendee of a session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendeeRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person_name: String,
    /// The post's label.
    pub post_label: String,
    /// Its unit.
    pub unit_name: String,
    /// Signed in (epoch ms), if so.
    pub signed_in_at: Option<i64>,
    /// `code` or `staff`.
    pub signin_method: Option<String>,
    /// The 心得.
    pub reflection: Option<String>,
    /// When written.
    pub reflected_at: Option<i64>,
}

/// A session's attendees in unit and rank order.
pub async fn attendees_of(db: &Db, id: i64) -> Result<Vec<AttendeeRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select a.post_id, pe.name as person_name, coalesce(p.title, q.name) as post_label,
             u.short_name as unit_name, a.signed_in_at, a.signin_method, a.reflection,
             a.reflected_at
         from study_attendees a join posts p on p.id = a.post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id
         where a.session_id = $1 order by u.sort_order, u.id, q.rank, p.id")
        .bind(id).fetch_all(c).await)?)
}

/// A session's sign-in secret, made the first time it is asked for.
pub async fn ensure_secret(tx: &mut Tx, id: i64, fresh: &str) -> Result<String> {
    with_tx!(tx, c => sqlx::query(
        "update study_sessions set checkin_secret = $2 where id = $1 and checkin_secret is null")
        .bind(id).bind(fresh).execute(c).await.map(|_| ()))?;
    secret(tx, id).await?.ok_or(crate::StoreError::NotFound)
}

/// A session's sign-in secret, if made.
pub async fn secret(tx: &mut Tx, id: i64) -> Result<Option<String>> {
    let s: Option<Option<String>> = with_tx!(tx, c => sqlx::query_scalar(
        "select checkin_secret from study_sessions where id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(s.flatten())
}

/// Signs an attendee in; false when not an attendee or already signed in.
pub async fn sign_in(tx: &mut Tx, id: i64, post: i64, method: &str, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update study_attendees set signed_in_at = $3, signin_method = $4
         where session_id = $1 and post_id = $2 and signed_in_at is null")
        .bind(id).bind(post).bind(now_ms).bind(method).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Writes a signed-in attendee's 心得; false when the post did not sign in.
pub async fn set_reflection(
    tx: &mut Tx,
    id: i64,
    post: i64,
    text: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update study_attendees set reflection = $3, reflected_at = $4
         where session_id = $1 and post_id = $2 and signed_in_at is not null")
        .bind(id).bind(post).bind(text).bind(now_ms).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Sets a session's notes.
pub async fn set_notes(tx: &mut Tx, id: i64, notes: &str) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update study_sessions set notes = $2 where id = $1")
        .bind(id).bind(notes).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A field visit (向基层学习).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitRow {
    /// Id.
    pub id: i64,
    /// The office.
    pub office_unit_id: i64,
    /// Where.
    pub place: String,
    /// When, `YYYY-MM-DD`.
    pub visited_on: String,
    /// Minutes.
    pub minutes: i64,
    /// What was learnt.
    pub learnt: String,
    /// Who recorded it.
    pub created_by_post_id: i64,
}

/// Records a visit with the posts who went; answers its id.
#[expect(clippy::too_many_arguments, reason = "one visit row and its people")]
pub async fn insert_visit(
    tx: &mut Tx,
    office: i64,
    place: &str,
    visited_on: &str,
    minutes: i64,
    learnt: &str,
    people: &[i64],
    by: i64,
    now_ms: i64,
) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "insert into study_visits (office_unit_id, place, visited_on, minutes, learnt,
             created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(office).bind(place).bind(visited_on).bind(minutes).bind(learnt).bind(by)
        .bind(now_ms).fetch_one(c).await)?;
    for p in people {
        with_tx!(tx, c => sqlx::query(
            "insert into study_visit_people (visit_id, post_id) values ($1, $2)")
            .bind(id).bind(*p).execute(c).await.map(|_| ()))?;
    }
    Ok(id)
}

/// The visits of an office, newest first.
pub async fn visits_of_office(db: &Db, office: i64) -> Result<Vec<VisitRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, office_unit_id, place, visited_on, minutes, learnt, created_by_post_id
         from study_visits where office_unit_id = $1 order by visited_on desc, id desc")
        .bind(office).fetch_all(c).await)?)
}

/// The people of some visits: (visit, post, name).
pub async fn visit_people(db: &Db, visits: &[i64]) -> Result<Vec<(i64, i64, String)>> {
    let sql = format!(
        "select vp.visit_id, vp.post_id, pe.name from study_visit_people vp
         join posts p on p.id = vp.post_id join persons pe on pe.id = p.person_id
         where vp.visit_id in ({}) order by vp.visit_id, p.id",
        ids(visits)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// A training for the county offices.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrainingRow {
    /// Id.
    pub id: i64,
    /// The organising (city) office.
    pub office_unit_id: i64,
    /// Title.
    pub title: String,
    /// Where.
    pub place: String,
    /// What it covers.
    pub description: String,
    /// Start (epoch ms).
    pub starts_at: i64,
    /// End (epoch ms).
    pub ends_at: i64,
    /// The last day to register, `YYYY-MM-DD`.
    pub register_by: String,
    /// Who organised it.
    pub created_by_post_id: i64,
}

/// A training to organise.
#[derive(Debug, Clone)]
pub struct NewTraining<'a> {
    /// The city office.
    pub office: i64,
    /// Title.
    pub title: &'a str,
    /// Where.
    pub place: &'a str,
    /// What it covers.
    pub description: &'a str,
    /// Start.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// Last day to register.
    pub register_by: &'a str,
    /// Who.
    pub by: i64,
}

/// Organises a training; answers its id.
pub async fn insert_training(tx: &mut Tx, t: &NewTraining<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into study_trainings (office_unit_id, title, place, description, starts_at,
             ends_at, register_by, created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id")
        .bind(t.office).bind(t.title).bind(t.place).bind(t.description).bind(t.starts_at)
        .bind(t.ends_at).bind(t.register_by).bind(t.by).bind(now_ms).fetch_one(c).await)?)
}

const TRAINING_SELECT: &str = "select id, office_unit_id, title, place, description, starts_at,
    ends_at, register_by, created_by_post_id from study_trainings";

/// The trainings organised by an office, newest first.
pub async fn trainings_of(db: &Db, office: i64) -> Result<Vec<TrainingRow>> {
    let sql =
        format!("{TRAINING_SELECT} where office_unit_id = $1 order by starts_at desc, id desc");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).fetch_all(c).await)?,
    )
}

/// One training, if it exists.
pub async fn find_training(db: &Db, id: i64) -> Result<Option<TrainingRow>> {
    let sql = format!("{TRAINING_SELECT} where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// A registration for a training.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person_name: String,
    /// The post's label.
    pub post_label: String,
    /// The county office registering.
    pub office_unit_id: i64,
    /// Its short name.
    pub office_name: String,
    /// When (epoch ms).
    pub registered_at: i64,
    /// Attended (epoch ms), if so.
    pub attended_at: Option<i64>,
}

/// A training's registrations, by county office.
pub async fn registrations_of(db: &Db, id: i64) -> Result<Vec<RegistrationRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select g.post_id, pe.name as person_name, coalesce(p.title, q.name) as post_label,
             g.office_unit_id, o.short_name as office_name, g.registered_at, g.attended_at
         from study_registrations g join posts p on p.id = g.post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units o on o.id = g.office_unit_id
         where g.training_id = $1 order by o.sort_order, o.id, q.rank, p.id")
        .bind(id).fetch_all(c).await)?)
}

/// Registers a post; false when already registered.
pub async fn register(
    tx: &mut Tx,
    id: i64,
    post: i64,
    office: i64,
    by: i64,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "insert into study_registrations (training_id, post_id, office_unit_id,
             registered_by_post_id, registered_at)
         values ($1, $2, $3, $4, $5) on conflict (training_id, post_id) do nothing")
        .bind(id).bind(post).bind(office).bind(by).bind(now_ms).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Records a registered post's attendance; false when not registered or already recorded.
pub async fn attend_training(tx: &mut Tx, id: i64, post: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update study_registrations set attended_at = $3
         where training_id = $1 and post_id = $2 and attended_at is null")
        .bind(id).bind(post).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A post's study minutes of a month, by source.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct HoursRow {
    /// Post.
    pub post_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// Sessions signed in to.
    pub session_minutes: i64,
    /// Materials read.
    pub reading_minutes: i64,
    /// Field visits.
    pub field_minutes: i64,
    /// Trainings attended.
    pub training_minutes: i64,
    /// All of them.
    pub total_minutes: i64,
}

/// A month to count: `[from, to)` in epoch ms and its first and last day.
#[derive(Debug, Clone, Copy)]
pub struct MonthWindow<'a> {
    /// `YYYY-MM`.
    pub month: &'a str,
    /// Start of the month's first day (Beijing), epoch ms.
    pub from: i64,
    /// End of its last day.
    pub to: i64,
    /// `YYYY-MM-DD` of its first day.
    pub first: &'a str,
    /// `YYYY-MM-DD` of its last day.
    pub last: &'a str,
}

/// Counts a post's study minutes of a month from the records and stores them.
pub async fn recompute_hours(
    tx: &mut Tx,
    post: i64,
    m: &MonthWindow<'_>,
    now_ms: i64,
) -> Result<HoursRow> {
    let (s, r, f, t): (i64, i64, i64, i64) = with_tx!(tx, c => sqlx::query_as(
        "select
           cast(coalesce((select sum((s.ends_at - s.starts_at) / 60000) from study_attendees a
             join study_sessions s on s.id = a.session_id
             where a.post_id = $1 and a.signed_in_at is not null
               and s.starts_at >= $2 and s.starts_at < $3), 0) as bigint),
           cast(coalesce((select sum(g.minutes) from study_readings g
             where g.post_id = $1 and g.read_at >= $2 and g.read_at < $3), 0) as bigint),
           cast(coalesce((select sum(v.minutes) from study_visit_people vp
             join study_visits v on v.id = vp.visit_id
             where vp.post_id = $1 and v.visited_on >= $4 and v.visited_on <= $5), 0) as bigint),
           cast(coalesce((select sum((t.ends_at - t.starts_at) / 60000) from study_registrations g
             join study_trainings t on t.id = g.training_id
             where g.post_id = $1 and g.attended_at is not null
               and t.starts_at >= $2 and t.starts_at < $3), 0) as bigint)")
        .bind(post).bind(m.from).bind(m.to).bind(m.first).bind(m.last).fetch_one(c).await)?;
    let total = s + r + f + t;
    with_tx!(tx, c => sqlx::query(
        "insert into study_hours (post_id, month, session_minutes, reading_minutes, field_minutes,
             training_minutes, total_minutes, computed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (post_id, month) do update set session_minutes = excluded.session_minutes,
             reading_minutes = excluded.reading_minutes, field_minutes = excluded.field_minutes,
             training_minutes = excluded.training_minutes, total_minutes = excluded.total_minutes,
             computed_at = excluded.computed_at")
        .bind(post).bind(m.month).bind(s).bind(r).bind(f).bind(t).bind(total).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(HoursRow {
        post_id: post,
        month: m.month.to_owned(),
        session_minutes: s,
        reading_minutes: r,
        field_minutes: f,
        training_minutes: t,
        total_minutes: total,
    })
}

/// The stored study minutes of some posts for a month (posts with none have no row).
pub async fn hours_of(db: &Db, posts: &[i64], month: &str) -> Result<Vec<HoursRow>> {
    let sql = format!(
        "select post_id, month, session_minutes, reading_minutes, field_minutes, training_minutes,
             total_minutes from study_hours where month = $1 and post_id in ({})",
        ids(posts)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(month).fetch_all(c).await)?,
    )
}

/// One item behind a post's study minutes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StudyItemRow {
    /// Post.
    pub post_id: i64,
    /// `session`, `reading`, `visit` or `training`.
    pub source: String,
    /// The record's id.
    pub ref_id: i64,
    /// Its title (a visit's place).
    pub title: String,
    /// A session's kind, a material's 密级, ''.
    pub detail: String,
    /// When, epoch ms (a visit: its day's start is not kept; 0).
    pub at: i64,
    /// A visit's day.
    pub day: String,
    /// Minutes counted.
    pub minutes: i64,
}

/// The items behind some posts' study minutes of a month, in one statement per source.
pub async fn study_items(db: &Db, posts: &[i64], m: &MonthWindow<'_>) -> Result<Vec<StudyItemRow>> {
    let list = ids(posts);
    let sqls = [
        format!(
            "select a.post_id, 'session' as source, s.id as ref_id, s.title, s.kind as detail,
                 s.starts_at as at, '' as day, (s.ends_at - s.starts_at) / 60000 as minutes
             from study_attendees a join study_sessions s on s.id = a.session_id
             where a.post_id in ({list}) and a.signed_in_at is not null
               and s.starts_at >= $1 and s.starts_at < $2 and $3 <> $4
             order by s.starts_at, s.id"
        ),
        format!(
            "select g.post_id, 'reading' as source, m.id as ref_id, m.title,
                 m.classification as detail, g.read_at as at, '' as day, g.minutes
             from study_readings g join study_materials m on m.id = g.material_id
             where g.post_id in ({list}) and g.read_at >= $1 and g.read_at < $2 and $3 <> $4
             order by g.read_at, m.id"
        ),
        format!(
            "select vp.post_id, 'visit' as source, v.id as ref_id, v.place as title, '' as detail,
                 cast(0 as bigint) as at, v.visited_on as day, v.minutes
             from study_visit_people vp join study_visits v on v.id = vp.visit_id
             where vp.post_id in ({list}) and v.visited_on >= $3 and v.visited_on <= $4
               and $1 <> $2
             order by v.visited_on, v.id"
        ),
        format!(
            "select g.post_id, 'training' as source, t.id as ref_id, t.title, '' as detail,
                 t.starts_at as at, '' as day, (t.ends_at - t.starts_at) / 60000 as minutes
             from study_registrations g join study_trainings t on t.id = g.training_id
             where g.post_id in ({list}) and g.attended_at is not null
               and t.starts_at >= $1 and t.starts_at < $2 and $3 <> $4
             order by t.starts_at, t.id"
        ),
    ];
    let mut out = Vec::new();
    for sql in &sqls {
        let rows: Vec<StudyItemRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(m.from).bind(m.to).bind(m.first).bind(m.last).fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}
