//! SQL of 调研 (migration 0051): research topics with their team, field work (with the people
//! who went, their schedule entries and pictures), the report, the leaders' 批示 and the
//! figures per month and lead unit. Who may see or change what is the service's rule, not here.

use crate::management::ids;
use crate::{Db, Result, Tx};

/// A topic, with the names a page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicRow {
    /// Id.
    pub id: i64,
    /// The office whose plan it is in.
    pub office_unit_id: i64,
    /// The plan's year.
    pub plan_year: i64,
    /// Title.
    pub title: String,
    /// The questions it asks.
    pub questions: String,
    /// `own` or `assigned`.
    pub origin: String,
    /// The leader who assigned it.
    pub assigned_by_post_id: Option<i64>,
    /// Their name and title.
    pub assigned_by: Option<String>,
    /// `before` or `after`.
    pub timing: String,
    /// The lead post.
    pub lead_post_id: i64,
    /// 「姓名（单位 职务）」 of the lead.
    pub lead: String,
    /// The lead's unit.
    pub lead_unit_id: i64,
    /// Its short name.
    pub lead_unit: String,
    /// Start, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Planned end.
    pub due_on: String,
    /// State code.
    pub state: String,
    /// Who took it into the plan or declined it.
    pub decided_by_post_id: Option<i64>,
    /// When.
    pub decided_at: Option<i64>,
    /// Why.
    pub decision_note: String,
    /// Outcome code.
    pub outcome: Option<String>,
    /// The outgoing document it became.
    pub outcome_document_id: Option<i64>,
    /// The meeting decision it became.
    pub outcome_decision_id: Option<i64>,
    /// A note on the outcome.
    pub outcome_note: String,
    /// The day it closed.
    pub closed_on: Option<String>,
    /// Who proposed it.
    pub created_by_post_id: i64,
    /// When.
    pub created_at: i64,
}

const LABEL: &str = "pe.name || '（' || u.short_name || ' ' || coalesce(p.title, q.name) || '）'";

fn topic_select() -> String {
    format!(
        "select t.id, t.office_unit_id, t.plan_year, t.title, t.questions, t.origin,
         t.assigned_by_post_id,
         (select ape.name || ' ' || coalesce(ap.title, aq.name) from posts ap
            join persons ape on ape.id = ap.person_id join positions aq on aq.id = ap.position_id
            where ap.id = t.assigned_by_post_id) as assigned_by,
         t.timing, t.lead_post_id, {LABEL} as lead, t.lead_unit_id, lu.short_name as lead_unit,
         t.starts_on, t.due_on, t.state, t.decided_by_post_id, t.decided_at, t.decision_note,
         t.outcome, t.outcome_document_id, t.outcome_decision_id, t.outcome_note, t.closed_on,
         t.created_by_post_id, t.created_at
         from research_topics t join posts p on p.id = t.lead_post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id join units lu on lu.id = t.lead_unit_id"
    )
}

/// A topic to add.
#[derive(Debug, Clone)]
pub struct NewTopic<'a> {
    /// The office.
    pub office: i64,
    /// Plan year.
    pub year: i64,
    /// Title.
    pub title: &'a str,
    /// Questions.
    pub questions: &'a str,
    /// `own` or `assigned`.
    pub origin: &'a str,
    /// The assigning leader.
    pub assigned_by: Option<i64>,
    /// `before` or `after`.
    pub timing: &'a str,
    /// Lead post.
    pub lead_post: i64,
    /// Its unit.
    pub lead_unit: i64,
    /// Start.
    pub starts_on: &'a str,
    /// Planned end.
    pub due_on: &'a str,
    /// Who proposes it.
    pub by: i64,
}

/// Adds a proposed topic; answers its id.
pub async fn insert_topic(tx: &mut Tx, t: &NewTopic<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into research_topics (office_unit_id, plan_year, title, questions, origin,
             assigned_by_post_id, timing, lead_post_id, lead_unit_id, starts_on, due_on, state,
             created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'proposed', $12, $13) returning id")
        .bind(t.office).bind(t.year).bind(t.title).bind(t.questions).bind(t.origin)
        .bind(t.assigned_by).bind(t.timing).bind(t.lead_post).bind(t.lead_unit)
        .bind(t.starts_on).bind(t.due_on).bind(t.by).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Puts a post on a topic's team (once).
pub async fn insert_member(tx: &mut Tx, topic: i64, post: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into research_members (topic_id, post_id) values ($1, $2)
         on conflict (topic_id, post_id) do nothing")
        .bind(topic).bind(post).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// One topic, if it exists.
pub async fn find_topic(db: &Db, id: i64) -> Result<Option<TopicRow>> {
    let sql = format!("{} where t.id = $1", topic_select());
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// One topic read in a write's transaction, if it exists.
pub async fn find_topic_tx(tx: &mut Tx, id: i64) -> Result<Option<TopicRow>> {
    let sql = format!("{} where t.id = $1", topic_select());
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// The topics of some offices, and those `post` leads or is on the team of, newest first.
pub async fn topics_for(db: &Db, offices: &[i64], post: i64) -> Result<Vec<TopicRow>> {
    let sql = format!(
        "{} where t.office_unit_id in ({}) or t.lead_post_id = $1
           or exists (select 1 from research_members m where m.topic_id = t.id and m.post_id = $1)
         order by t.plan_year desc, t.id desc",
        topic_select(),
        ids(offices)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).fetch_all(c).await)?,
    )
}

/// Moves a topic from one state to another; answers whether it was in `from`.
pub async fn set_state(tx: &mut Tx, id: i64, from: &str, to: &str) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update research_topics set state = $3 where id = $1 and state = $2")
        .bind(id).bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the office leader's decision on a proposed topic; answers whether it was proposed.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    to: &str,
    by: i64,
    note: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update research_topics set state = $2, decided_by_post_id = $3, decision_note = $4,
             decided_at = $5 where id = $1 and state = 'proposed'")
        .bind(id).bind(to).bind(by).bind(note).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An outcome to record as the topic closes.
#[derive(Debug, Clone)]
pub struct OutcomeRow<'a> {
    /// Outcome code.
    pub outcome: &'a str,
    /// The document.
    pub document: Option<i64>,
    /// The meeting decision.
    pub decision: Option<i64>,
    /// A note.
    pub note: &'a str,
    /// The day.
    pub closed_on: &'a str,
}

/// Closes a topic in 报告 with its outcome; answers whether it was in 报告.
pub async fn close(tx: &mut Tx, id: i64, o: &OutcomeRow<'_>) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update research_topics set state = 'closed', outcome = $2, outcome_document_id = $3,
             outcome_decision_id = $4, outcome_note = $5, closed_on = $6
         where id = $1 and state = 'reporting'")
        .bind(id).bind(o.outcome).bind(o.document).bind(o.decision).bind(o.note)
        .bind(o.closed_on).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The team of a topic: (post, 「姓名（单位 职务）」, unit), the lead first.
pub async fn members_of(db: &Db, topic: i64) -> Result<Vec<(i64, String, i64)>> {
    let sql = format!(
        "select p.id, {LABEL}, p.unit_id from research_members m join posts p on p.id = m.post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id join research_topics t on t.id = m.topic_id
         where m.topic_id = $1 order by case when p.id = t.lead_post_id then 0 else 1 end, p.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(topic).fetch_all(c).await)?,
    )
}

/// Whether a post is on a topic's team (the lead included).
pub async fn is_member(tx: &mut Tx, topic: i64, post: i64) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from research_members where topic_id = $1 and post_id = $2")
        .bind(topic).bind(post).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A post's label 「姓名（单位 职务）」 and unit, if the post is active.
pub async fn post_label(tx: &mut Tx, post: i64) -> Result<Option<(String, i64)>> {
    let sql = format!(
        "select {LABEL}, p.unit_id from posts p join persons pe on pe.id = p.person_id
         join positions q on q.id = p.position_id join units u on u.id = p.unit_id
         where p.id = $1 and p.active = 1"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(post).fetch_optional(c).await)?,
    )
}

/// A piece of field work.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitRow {
    /// Id.
    pub id: i64,
    /// The topic.
    pub topic_id: i64,
    /// Kind code.
    pub kind: String,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// Where.
    pub place: String,
    /// Whom the team met.
    pub people_met: String,
    /// Notes.
    pub notes: String,
    /// Who logged it.
    pub created_by_post_id: i64,
    /// Their name.
    pub created_by: String,
}

/// Field work to log.
#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    /// Topic.
    pub topic: i64,
    /// Kind code.
    pub kind: &'a str,
    /// Start.
    pub starts_at: i64,
    /// End.
    pub ends_at: i64,
    /// Place.
    pub place: &'a str,
    /// People met.
    pub people_met: &'a str,
    /// Notes.
    pub notes: &'a str,
    /// Who logs it.
    pub by: i64,
}

/// Logs field work; answers its id.
pub async fn insert_visit(tx: &mut Tx, v: &NewVisit<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into research_visits (topic_id, kind, starts_at, ends_at, place, people_met,
             notes, created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id")
        .bind(v.topic).bind(v.kind).bind(v.starts_at).bind(v.ends_at).bind(v.place)
        .bind(v.people_met).bind(v.notes).bind(v.by).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Records who went on a visit and their schedule entry.
pub async fn insert_visit_person(
    tx: &mut Tx,
    visit: i64,
    post: i64,
    entry: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into research_visit_people (visit_id, post_id, schedule_entry_id)
         values ($1, $2, $3) on conflict (visit_id, post_id) do nothing")
        .bind(visit).bind(post).bind(entry).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The field work of a topic, by start.
pub async fn visits_of(db: &Db, topic: i64) -> Result<Vec<VisitRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select v.id, v.topic_id, v.kind, v.starts_at, v.ends_at, v.place, v.people_met, v.notes,
             v.created_by_post_id, pe.name as created_by
         from research_visits v join posts p on p.id = v.created_by_post_id
         join persons pe on pe.id = p.person_id where v.topic_id = $1
         order by v.starts_at, v.id")
        .bind(topic).fetch_all(c).await)?)
}

/// One visit's topic, if the visit exists.
pub async fn topic_of_visit(tx: &mut Tx, visit: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select topic_id from research_visits where id = $1")
        .bind(visit).fetch_optional(c).await)?)
}

/// Who went on a topic's visits: (visit, person's name).
pub async fn visit_people_of(db: &Db, topic: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select vp.visit_id, pe.name from research_visit_people vp
         join research_visits v on v.id = vp.visit_id join posts p on p.id = vp.post_id
         join persons pe on pe.id = p.person_id where v.topic_id = $1 order by vp.visit_id, p.id")
        .bind(topic).fetch_all(c).await)?)
}

/// A picture or file of a visit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitFileRow {
    /// Id.
    pub id: i64,
    /// The visit.
    pub visit_id: i64,
    /// Name.
    pub name: String,
    /// SM3 of the bytes.
    pub hash: String,
    /// Media type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
}

/// Attaches a file (stored in `blobs` by the caller) to a visit; answers its id.
#[expect(clippy::too_many_arguments, reason = "one file's parts")]
pub async fn insert_visit_file(
    tx: &mut Tx,
    visit: i64,
    name: &str,
    hash: &str,
    mime: &str,
    size: i64,
    by: i64,
    now_ms: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into research_visit_files (visit_id, name, hash, mime, size, created_by_post_id,
             created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(visit).bind(name).bind(hash).bind(mime).bind(size).bind(by).bind(now_ms)
        .fetch_one(c).await)?)
}

/// The files of a topic's visits.
pub async fn files_of(db: &Db, topic: i64) -> Result<Vec<VisitFileRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select f.id, f.visit_id, f.name, f.hash, f.mime, f.size from research_visit_files f
         join research_visits v on v.id = f.visit_id where v.topic_id = $1 order by f.id")
        .bind(topic).fetch_all(c).await)?)
}

/// One file with its topic.
pub async fn find_file(db: &Db, id: i64) -> Result<Option<(VisitFileRow, i64)>> {
    let row: Option<(i64, i64, String, String, String, i64, i64)> = with_db!(db, c => sqlx::query_as(
        "select f.id, f.visit_id, f.name, f.hash, f.mime, f.size, v.topic_id
         from research_visit_files f join research_visits v on v.id = f.visit_id where f.id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(|(id, visit_id, name, hash, mime, size, topic)| {
        (
            VisitFileRow {
                id,
                visit_id,
                name,
                hash,
                mime,
                size,
            },
            topic,
        )
    }))
}

/// A topic's report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    /// The topic.
    pub topic_id: i64,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// State code.
    pub state: String,
    /// The reviewer's last note (a return's reason).
    pub review_note: String,
    /// Who reviewed it.
    pub reviewed_by_post_id: Option<i64>,
    /// When it went to the leaders.
    pub submitted_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
}

/// A topic's report, if drafted.
pub async fn report_of(db: &Db, topic: i64) -> Result<Option<ReportRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select topic_id, title, body, state, review_note, reviewed_by_post_id, submitted_at,
             updated_at from research_reports where topic_id = $1")
        .bind(topic).fetch_optional(c).await)?)
}

/// A topic's report in a write's transaction.
pub async fn report_of_tx(tx: &mut Tx, topic: i64) -> Result<Option<ReportRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select topic_id, title, body, state, review_note, reviewed_by_post_id, submitted_at,
             updated_at from research_reports where topic_id = $1")
        .bind(topic).fetch_optional(c).await)?)
}

/// Writes the report's draft (a new one, or the draft again).
pub async fn save_report(
    tx: &mut Tx,
    topic: i64,
    title: &str,
    body: &str,
    state: &str,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into research_reports (topic_id, title, body, state, updated_at)
         values ($1, $2, $3, $4, $5)
         on conflict (topic_id) do update set title = excluded.title, body = excluded.body,
             state = excluded.state, updated_at = excluded.updated_at")
        .bind(topic).bind(title).bind(body).bind(state).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Moves the report from one state to another with the reviewer's note; answers whether it
/// was in `from`.
pub async fn review_report(
    tx: &mut Tx,
    topic: i64,
    from: &str,
    to: &str,
    by: Option<i64>,
    note: &str,
    now_ms: i64,
) -> Result<bool> {
    let submitted = (to == "submitted").then_some(now_ms);
    let n = with_tx!(tx, c => sqlx::query(
        "update research_reports set state = $3, reviewed_by_post_id = coalesce($4, reviewed_by_post_id),
             review_note = $5, submitted_at = coalesce($6, submitted_at), updated_at = $7
         where topic_id = $1 and state = $2")
        .bind(topic).bind(from).bind(to).bind(by).bind(note).bind(submitted).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A leader's 批示 on a report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstructionRow {
    /// Id.
    pub id: i64,
    /// The topic.
    pub topic_id: i64,
    /// The leader's post.
    pub leader_post_id: i64,
    /// 「姓名 职务」.
    pub leader: String,
    /// The words.
    pub text: String,
    /// When.
    pub given_at: i64,
    /// The 督办 item it became.
    pub supervision_item_id: Option<i64>,
}

const INSTRUCTION_SELECT: &str = "select i.id, i.topic_id, i.leader_post_id,
    pe.name || ' ' || coalesce(p.title, q.name) as leader, i.text, i.given_at, i.supervision_item_id
    from research_instructions i join posts p on p.id = i.leader_post_id
    join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id";

/// Records a 批示; answers its id.
pub async fn insert_instruction(
    tx: &mut Tx,
    topic: i64,
    leader: i64,
    text: &str,
    now_ms: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into research_instructions (topic_id, leader_post_id, text, given_at)
         values ($1, $2, $3, $4) returning id")
        .bind(topic).bind(leader).bind(text).bind(now_ms).fetch_one(c).await)?)
}

/// The 批示 on a topic's report, oldest first.
pub async fn instructions_of(db: &Db, topic: i64) -> Result<Vec<InstructionRow>> {
    let sql = format!("{INSTRUCTION_SELECT} where i.topic_id = $1 order by i.given_at, i.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(topic).fetch_all(c).await)?,
    )
}

/// One 批示 in a write's transaction.
pub async fn find_instruction_tx(tx: &mut Tx, id: i64) -> Result<Option<InstructionRow>> {
    let sql = format!("{INSTRUCTION_SELECT} where i.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// Links a 批示 to the 督办 item it became; answers whether it had none.
pub async fn link_item(tx: &mut Tx, instruction: i64, item: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update research_instructions set supervision_item_id = $2
         where id = $1 and supervision_item_id is null")
        .bind(instruction).bind(item).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The research topic a 督办 item came from: (topic, title).
pub async fn topic_of_item(db: &Db, item: i64) -> Result<Option<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select t.id, t.title from research_instructions i
         join research_topics t on t.id = i.topic_id where i.supervision_item_id = $1")
        .bind(item).fetch_optional(c).await)?)
}

/// What the figures read of one topic, raw.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactRow {
    /// The topic.
    pub id: i64,
    /// Lead unit.
    pub lead_unit_id: i64,
    /// Origin code.
    pub origin: String,
    /// Timing code.
    pub timing: String,
    /// State code.
    pub state: String,
    /// When decided.
    pub decided_at: Option<i64>,
    /// Planned end.
    pub due_on: String,
    /// Closed on.
    pub closed_on: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Report submitted at.
    pub submitted_at: Option<i64>,
    /// Number of 批示.
    pub instructions: i64,
}

/// The facts of an office's topics, for the figures.
pub async fn facts_of(tx: &mut Tx, office: i64) -> Result<Vec<FactRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select t.id, t.lead_unit_id, t.origin, t.timing, t.state, t.decided_at, t.due_on, t.closed_on,
             t.outcome, r.submitted_at,
             (select count(*) from research_instructions i where i.topic_id = t.id) as instructions
         from research_topics t left join research_reports r on r.topic_id = t.id
         where t.office_unit_id = $1")
        .bind(office).fetch_all(c).await)?)
}

/// One unit's stored figures of a month.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct FigureRow {
    /// Month.
    pub month: String,
    /// Lead unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit: String,
    /// Opened.
    pub opened: i64,
    /// Of these 主动.
    pub own_origin: i64,
    /// Of these 事前.
    pub timed_before: i64,
    /// Closed.
    pub closed: i64,
    /// Closed on time.
    pub closed_on_time: i64,
    /// Reports submitted.
    pub reports: i64,
    /// With 批示.
    pub reports_instructed: i64,
    /// Converted.
    pub converted: i64,
}

/// Replaces an office's figures of a month.
pub async fn replace_figures(
    tx: &mut Tx,
    office: i64,
    month: &str,
    rows: &[FigureRow],
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "delete from research_figures where office_unit_id = $1 and month = $2")
        .bind(office).bind(month).execute(c).await.map(|_| ()))?;
    for r in rows {
        with_tx!(tx, c => sqlx::query(
            "insert into research_figures (office_unit_id, month, unit_id, opened, own_origin,
                 timed_before, closed, closed_on_time, reports, reports_instructed, converted,
                 computed_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(office).bind(month).bind(r.unit_id).bind(r.opened).bind(r.own_origin)
            .bind(r.timed_before).bind(r.closed).bind(r.closed_on_time).bind(r.reports)
            .bind(r.reports_instructed).bind(r.converted).bind(now_ms)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// An office's stored figures of a year (`YYYY`), by month and unit.
pub async fn figures_of(db: &Db, office: i64, year: &str) -> Result<Vec<FigureRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select f.month, f.unit_id, u.short_name as unit, f.opened, f.own_origin, f.timed_before,
             f.closed, f.closed_on_time, f.reports, f.reports_instructed, f.converted
         from research_figures f join units u on u.id = f.unit_id
         where f.office_unit_id = $1 and f.month like $2 order by f.month, u.sort_order, u.id")
        .bind(office).bind(format!("{year}-%")).fetch_all(c).await)?)
}

/// An outgoing document's unit, title and 密级, if it is one.
pub async fn outgoing_document(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(i64, String, String, Option<String>)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select unit_id, title, classification, doc_number from documents
         where id = $1 and direction = 'outgoing'")
        .bind(id).fetch_optional(c).await)?)
}

/// A meeting decision's office, meeting and text, if it exists.
pub async fn meeting_decision(tx: &mut Tx, id: i64) -> Result<Option<(i64, i64, String)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select m.office_id, d.meeting_id, d.text from meeting_decisions d
         join meetings m on m.id = d.meeting_id where d.id = $1")
        .bind(id).fetch_optional(c).await)?)
}

/// A document's title and number, a meeting decision's meeting title and text (for a page).
pub async fn outcome_labels(
    db: &Db,
    document: Option<i64>,
    decision: Option<i64>,
) -> Result<(Option<String>, Option<(i64, String)>)> {
    let doc = match document {
        Some(d) => with_db!(db, c => sqlx::query_scalar(
            "select title || coalesce('（' || doc_number || '）', '') from documents where id = $1")
            .bind(d).fetch_optional(c).await)?,
        None => None,
    };
    let dec = match decision {
        Some(d) => with_db!(db, c => sqlx::query_as(
            "select m.id, m.title || ' 议定事项第' || d.seq || '项：' || d.text
             from meeting_decisions d join meetings m on m.id = d.meeting_id where d.id = $1")
            .bind(d).fetch_optional(c).await)?,
        None => None,
    };
    Ok((doc, dec))
}

/// The government an office sits directly below.
pub async fn government_of(db: &Db, office: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select g.id from units o join units g on g.id = o.parent_id
         where o.id = $1 and g.kind = 'government'")
        .bind(office).fetch_optional(c).await)?)
}

/// The person holding a post.
pub async fn person_of_post(db: &Db, post: i64) -> Result<i64> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select person_id from posts where id = $1")
        .bind(post).fetch_one(c).await)?,
    )
}

/// Some public outgoing documents of an office and its sections, numbered ones first (the
/// demo's conversions).
pub async fn office_documents(db: &Db, office: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select d.id from documents d join units u on u.id = d.unit_id
         where d.direction = 'outgoing' and d.classification = 'public'
           and (u.id = $1 or u.parent_id = $1)
         order by case when d.doc_number is null then 1 else 0 end, d.id limit $2")
        .bind(office).bind(limit).fetch_all(c).await)?)
}

/// Some decisions of an office's meetings (the demo's conversions).
pub async fn office_decisions(db: &Db, office: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select d.id from meeting_decisions d join meetings m on m.id = d.meeting_id
         where m.office_id = $1 order by d.id limit $2")
        .bind(office).bind(limit).fetch_all(c).await)?)
}
