//! SQL of 效能投诉 (migration 0036): complaints, their finding, and the count of upheld
//! complaints against a unit or a post for a period. Who may see or do what is the service's
//! rule, not here.

use crate::{Db, Result, Tx};

/// A complaint, with the names its pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ComplaintRow {
    /// Id.
    pub id: i64,
    /// 查询码.
    pub code: String,
    /// The investigating case.
    pub case_id: Option<i64>,
    /// The government concerned.
    pub government_id: i64,
    /// The office whose supervising section investigates.
    pub office_id: i64,
    /// That office's name.
    pub office_name: String,
    /// `staff` or `public`.
    pub channel: String,
    /// Kind code.
    pub kind: String,
    /// The staff complainant.
    pub complainant_person_id: Option<i64>,
    /// The staff complainant's post.
    pub complainant_post_id: Option<i64>,
    /// The staff complainant's unit.
    pub complainant_unit_id: Option<i64>,
    /// The staff complainant's unit's name.
    pub complainant_unit: String,
    /// The complainant's name (the person's, for staff).
    pub name: String,
    /// The public complainant's phone.
    pub phone: String,
    /// The case complained about.
    pub subject_case_id: Option<i64>,
    /// Its title.
    pub subject_title: String,
    /// The service request's number given by a public complainant.
    pub service_code: String,
    /// The unit complained about.
    pub respondent_unit_id: Option<i64>,
    /// Its name.
    pub respondent_unit: String,
    /// The post complained about.
    pub respondent_post_id: Option<i64>,
    /// Its holder and position.
    pub respondent_post: String,
    /// What happened.
    pub description: String,
    /// State code.
    pub state: String,
    /// 核查: the facts found.
    pub facts: String,
    /// Finding code (empty before 认定).
    pub finding: String,
    /// The finding's reasons.
    pub finding_reason: String,
    /// The responsible unit named by an upheld finding.
    pub responsible_unit_id: Option<i64>,
    /// Its name.
    pub responsible_unit: String,
    /// The responsible post named by an upheld finding.
    pub responsible_post_id: Option<i64>,
    /// Its holder and position.
    pub responsible_post: String,
    /// The Beijing day of the finding.
    pub found_on: Option<String>,
    /// 整改: what was corrected.
    pub rectification: String,
    /// 反馈: the answer to the complainant.
    pub answer: String,
    /// The step an area form is completing.
    pub pending_step: String,
    /// Created.
    pub created_at: i64,
    /// Closed.
    pub closed_at: Option<i64>,
}

const SELECT: &str = "select c.id, c.code, c.case_id, c.government_id, c.office_id,
    o.name as office_name, c.channel, c.kind, c.complainant_person_id, c.complainant_post_id,
    c.complainant_unit_id, coalesce(case when cu.kind = 'section' then cup.name || cu.name
        else cu.name end, '') as complainant_unit, c.name, c.phone,
    c.subject_case_id, coalesce(sc.title, '') as subject_title, c.service_code,
    c.respondent_unit_id, coalesce(case when ru.kind = 'section' then rup.name || ru.name
        else ru.name end, '') as respondent_unit, c.respondent_post_id,
    coalesce(rpe.name || '（' || coalesce(rp.title, rq.name) || '）', '') as respondent_post,
    c.description, c.state, c.facts, c.finding, c.finding_reason,
    c.responsible_unit_id, coalesce(case when su.kind = 'section' then sup.name || su.name
        else su.name end, '') as responsible_unit, c.responsible_post_id,
    coalesce(spe.name || '（' || coalesce(sp.title, sq.name) || '）', '') as responsible_post,
    c.found_on, c.rectification, c.answer, c.pending_step, c.created_at, c.closed_at
  from efficiency_complaints c
  join units o on o.id = c.office_id
  left join units cu on cu.id = c.complainant_unit_id
  left join units cup on cup.id = cu.parent_id
  left join cases sc on sc.id = c.subject_case_id
  left join units ru on ru.id = c.respondent_unit_id
  left join units rup on rup.id = ru.parent_id
  left join posts rp on rp.id = c.respondent_post_id
  left join persons rpe on rpe.id = rp.person_id
  left join positions rq on rq.id = rp.position_id
  left join units su on su.id = c.responsible_unit_id
  left join units sup on sup.id = su.parent_id
  left join posts sp on sp.id = c.responsible_post_id
  left join persons spe on spe.id = sp.person_id
  left join positions sq on sq.id = sp.position_id";

/// A new complaint.
#[derive(Debug, Clone)]
pub struct NewComplaint<'a> {
    /// 查询码.
    pub code: &'a str,
    /// The government concerned.
    pub government_id: i64,
    /// Its office.
    pub office_id: i64,
    /// `staff` or `public`.
    pub channel: &'a str,
    /// Kind code.
    pub kind: &'a str,
    /// Staff complainant: person, post, unit.
    pub complainant: Option<(i64, i64, i64)>,
    /// Name.
    pub name: &'a str,
    /// Phone (public).
    pub phone: &'a str,
    /// SM3 of the address (public).
    pub source_hash: &'a str,
    /// The case complained about.
    pub subject_case_id: Option<i64>,
    /// A service request's number.
    pub service_code: &'a str,
    /// The unit complained about.
    pub respondent_unit_id: Option<i64>,
    /// The post complained about.
    pub respondent_post_id: Option<i64>,
    /// What happened.
    pub description: &'a str,
}

/// Stores a complaint (state 核查中): its id.
pub async fn insert(tx: &mut Tx, c: &NewComplaint<'_>, now_ms: i64) -> Result<i64> {
    let (person, post, unit) = match c.complainant {
        Some((a, b, u)) => (Some(a), Some(b), Some(u)),
        None => (None, None, None),
    };
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "insert into efficiency_complaints (code, government_id, office_id, channel, kind,
             complainant_person_id, complainant_post_id, complainant_unit_id, name, phone,
             source_hash, subject_case_id, service_code, respondent_unit_id, respondent_post_id,
             description, state, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 'checking', $17, $17) returning id")
        .bind(c.code).bind(c.government_id).bind(c.office_id).bind(c.channel).bind(c.kind)
        .bind(person).bind(post).bind(unit).bind(c.name).bind(c.phone).bind(c.source_hash)
        .bind(c.subject_case_id).bind(c.service_code).bind(c.respondent_unit_id)
        .bind(c.respondent_post_id).bind(c.description).bind(now_ms)
        .fetch_one(t).await)?)
}

/// Links a complaint to its case.
pub async fn set_case(tx: &mut Tx, id: i64, case_id: i64) -> Result<()> {
    with_tx!(tx, t => sqlx::query("update efficiency_complaints set case_id = $2 where id = $1")
        .bind(id).bind(case_id).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A complaint by id.
pub async fn find(db: &Db, id: i64) -> Result<ComplaintRow> {
    let sql = format!("{SELECT} where c.id = $1");
    Ok(
        with_db!(db, t => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(t).await)?,
    )
}

/// A complaint by id, in a transaction.
pub async fn find_tx(tx: &mut Tx, id: i64) -> Result<ComplaintRow> {
    let sql = format!("{SELECT} where c.id = $1");
    Ok(
        with_tx!(tx, t => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(t).await)?,
    )
}

/// The complaint a case investigates, if any.
pub async fn of_case(tx: &mut Tx, case_id: i64) -> Result<Option<ComplaintRow>> {
    let sql = format!("{SELECT} where c.case_id = $1");
    Ok(
        with_tx!(tx, t => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id).fetch_optional(t).await)?,
    )
}

/// The id of the complaint a case investigates (outside any transaction, for the 办理 page).
pub async fn id_of_case(db: &Db, case_id: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, t => sqlx::query_scalar(
        "select id from efficiency_complaints where case_id = $1")
        .bind(case_id).fetch_optional(t).await)?)
}

/// A complaint by its 查询码.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<ComplaintRow>> {
    let sql = format!("{SELECT} where c.code = $1");
    Ok(
        with_db!(db, t => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(code).fetch_optional(t).await)?,
    )
}

/// Who sees which complaints: any of these.
#[derive(Debug, Clone, Default)]
pub struct ListScope {
    /// Complaints about these governments (the monitoring section's and the office
    /// leaders' tree).
    pub governments: Vec<i64>,
    /// Complaints filed by this person.
    pub complainant: Option<i64>,
    /// Complaints against these units (filed against, or named responsible).
    pub respondent_units: Vec<i64>,
}

fn ids(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The complaints a scope covers, newest first (at most `limit`).
pub async fn list(db: &Db, scope: &ListScope, limit: i64) -> Result<Vec<ComplaintRow>> {
    let mut conds = Vec::new();
    if !scope.governments.is_empty() {
        conds.push(format!("c.government_id in ({})", ids(&scope.governments)));
    }
    if let Some(p) = scope.complainant {
        conds.push(format!("c.complainant_person_id = {p}"));
    }
    if !scope.respondent_units.is_empty() {
        let u = ids(&scope.respondent_units);
        conds.push(format!(
            "(c.respondent_unit_id in ({u}) or c.responsible_unit_id in ({u}))"
        ));
    }
    if conds.is_empty() {
        return Ok(Vec::new());
    }
    // Only integers are formatted into the text.
    let sql = format!(
        "{SELECT} where {} order by c.created_at desc, c.id desc limit $1",
        conds.join(" or ")
    );
    Ok(
        with_db!(db, t => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).fetch_all(t).await)?,
    )
}

/// Whom an upheld complaint counts against.
#[derive(Debug, Clone, Copy)]
pub enum Against {
    /// A unit.
    Unit(i64),
    /// A post.
    Post(i64),
}

/// How many complaints found 成立 or 部分成立 count against a unit or a post, found between
/// two Beijing days (inclusive, `YYYY-MM-DD`): what the efficiency figures and the management
/// evaluation read.
pub async fn complaints_upheld(db: &Db, against: Against, from: &str, to: &str) -> Result<i64> {
    let (col, id) = match against {
        Against::Unit(u) => ("responsible_unit_id", u),
        Against::Post(p) => ("responsible_post_id", p),
    };
    let sql = format!(
        "select count(*) from efficiency_complaints
          where {col} = $1 and finding in ('upheld', 'partly')
            and found_on >= $2 and found_on <= $3"
    );
    Ok(
        with_db!(db, t => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).bind(from).bind(to).fetch_one(t).await)?,
    )
}

/// Upheld complaints per responsible unit between two Beijing days: (unit, name, count).
pub async fn upheld_by_unit(db: &Db, from: &str, to: &str) -> Result<Vec<(i64, String, i64)>> {
    Ok(with_db!(db, t => sqlx::query_as(
        "select c.responsible_unit_id,
                case when u.kind = 'section' then coalesce(pu.name, '') || u.name else u.name end,
                count(*)
           from efficiency_complaints c join units u on u.id = c.responsible_unit_id
           left join units pu on pu.id = u.parent_id
          where c.finding in ('upheld', 'partly') and c.found_on >= $1 and c.found_on <= $2
          group by c.responsible_unit_id, u.kind, pu.name, u.name
          order by count(*) desc, c.responsible_unit_id")
        .bind(from).bind(to).fetch_all(t).await)?)
}

/// Moves a complaint to a state (closing stamps the instant).
pub async fn set_state(tx: &mut Tx, id: i64, state: &str, now_ms: i64) -> Result<()> {
    with_tx!(tx, t => sqlx::query(
        "update efficiency_complaints set state = $2, updated_at = $3,
             closed_at = case when $2 = 'closed' then $3 else closed_at end where id = $1")
        .bind(id).bind(state).bind(now_ms).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records 核查's facts.
pub async fn set_facts(tx: &mut Tx, id: i64, facts: &str) -> Result<()> {
    with_tx!(tx, t => sqlx::query("update efficiency_complaints set facts = $2 where id = $1")
        .bind(id).bind(facts).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records 认定: the finding, its reasons, whom it names and the day.
pub async fn set_finding(
    tx: &mut Tx,
    id: i64,
    finding: &str,
    reason: &str,
    responsible: Option<(i64, i64)>,
    found_on: &str,
) -> Result<()> {
    let (unit, post) = match responsible {
        Some((u, p)) => (Some(u), Some(p)),
        None => (None, None),
    };
    with_tx!(tx, t => sqlx::query(
        "update efficiency_complaints set finding = $2, finding_reason = $3,
             responsible_unit_id = $4, responsible_post_id = $5, found_on = $6 where id = $1")
        .bind(id).bind(finding).bind(reason).bind(unit).bind(post).bind(found_on)
        .execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records 整改.
pub async fn set_rectification(tx: &mut Tx, id: i64, text: &str) -> Result<()> {
    with_tx!(tx, t => sqlx::query(
        "update efficiency_complaints set rectification = $2 where id = $1")
        .bind(id).bind(text).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records 反馈.
pub async fn set_answer(tx: &mut Tx, id: i64, text: &str) -> Result<()> {
    with_tx!(tx, t => sqlx::query("update efficiency_complaints set answer = $2 where id = $1")
        .bind(id).bind(text).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks the step an area form is completing (cleared by the hook).
pub async fn set_pending(tx: &mut Tx, id: i64, step: &str) -> Result<()> {
    with_tx!(tx, t => sqlx::query(
        "update efficiency_complaints set pending_step = $2 where id = $1")
        .bind(id).bind(step).execute(t).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many public complaints came from an address since an instant.
pub async fn submitted_since(tx: &mut Tx, source_hash: &str, since: i64) -> Result<i64> {
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "select count(*) from efficiency_complaints where source_hash = $1 and created_at >= $2")
        .bind(source_hash).bind(since).fetch_one(t).await)?)
}

/// The active posts of the supervising sections directly under an office that do business
/// work.
pub async fn section_posts(tx: &mut Tx, office: i64) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "select p.id from posts p join units u on u.id = p.unit_id
          where u.parent_id = $1 and u.supervision_section = 1 and p.active = 1
            and exists (select 1 from post_roles pr join role_permissions rp
                          on rp.role_id = pr.role_id
                         where pr.post_id = p.id and rp.permission = 'flow.work')
          order by p.id")
        .bind(office).fetch_all(t).await)?)
}

/// The office directly under a government.
pub async fn office_of_government(tx: &mut Tx, government: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "select id from units where parent_id = $1 and kind = 'office' order by sort_order, id limit 1")
        .bind(government).fetch_optional(t).await)?)
}

/// The active posts of a unit's chiefs (leaders, directors and section chiefs, with their
/// deputies), most senior first.
pub async fn chief_posts(tx: &mut Tx, unit: i64) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "select p.id from posts p join positions q on q.id = p.position_id
          where p.unit_id = $1 and p.active = 1
            and q.code in ('leader', 'director', 'deputy_director', 'section_chief',
                           'deputy_section_chief')
          order by q.rank, p.id")
        .bind(unit).fetch_all(t).await)?)
}

/// The units whose chief a post is (its own unit when its position leads it).
pub async fn chief_of(db: &Db, post: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, t => sqlx::query_scalar(
        "select p.unit_id from posts p join positions q on q.id = p.position_id
          where p.id = $1 and p.active = 1
            and q.code in ('leader', 'director', 'deputy_director', 'section_chief',
                           'deputy_section_chief')")
        .bind(post).fetch_optional(t).await)?)
}

/// A case's unit and title, and the post of its most recent task (whom it was with).
pub async fn case_brief(tx: &mut Tx, case_id: i64) -> Result<Option<(i64, String, Option<i64>)>> {
    let row: Option<(i64, String)> = with_tx!(tx, t => sqlx::query_as(
        "select unit_id, title from cases where id = $1")
        .bind(case_id).fetch_optional(t).await)?;
    let Some((unit, title)) = row else {
        return Ok(None);
    };
    let post: Option<i64> = with_tx!(tx, t => sqlx::query_scalar(
        "select post_id from tasks where case_id = $1 order by id desc limit 1")
        .bind(case_id).fetch_optional(t).await)?;
    Ok(Some((unit, title, post)))
}

/// The person holding a post.
pub async fn post_person(tx: &mut Tx, post: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, t => sqlx::query_scalar(
        "select person_id from posts where id = $1 and active = 1")
        .bind(post).fetch_optional(t).await)?)
}

/// The active posts of a unit's tree, grouped by unit in tree order: (post, unit, unit's
/// name, "name（position）").
pub async fn posts_under(db: &Db, root: i64) -> Result<Vec<(i64, i64, String, String)>> {
    Ok(with_db!(db, t => sqlx::query_as(
        "with recursive tr (id) as (
             select id from units where id = $1
             union all
             select u.id from units u join tr on u.parent_id = tr.id)
         select p.id, u.id,
                case when u.kind = 'section' then coalesce(pu.name, '') || u.name else u.name end,
                pe.name || '（' || coalesce(p.title, q.name) || '）'
           from posts p join tr on tr.id = p.unit_id join units u on u.id = p.unit_id
           left join units pu on pu.id = u.parent_id
           join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
          where p.active = 1
          order by u.sort_order, u.id, q.rank, p.id")
        .bind(root).fetch_all(t).await)?)
}

/// A step of a complaint's case as its history shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    /// Step id.
    pub step_id: String,
    /// Step name.
    pub step_name: String,
    /// Task state.
    pub state: String,
    /// The holder's unit.
    pub unit: String,
    /// The holder.
    pub holder: String,
    /// Decision.
    pub decision: Option<String>,
    /// The task's number (the place its opinion is sealed at).
    pub task_no: i64,
    /// Opinion, sealed.
    pub opinion: Option<crate::Sealed>,
    /// Reached the holder.
    pub created_at: i64,
    /// Done.
    pub acted_at: Option<i64>,
    /// Due (Beijing day).
    pub due_date: Option<String>,
}

/// The steps of a case done or open (a step several posts held shows once it is done, by
/// the one who did it), in order.
pub async fn history(db: &Db, case_id: i64) -> Result<Vec<HistoryRow>> {
    Ok(with_db!(db, t => sqlx::query_as(
        "select t.step_id, t.step_name, t.state, u.name as unit,
                pe.name || '（' || coalesce(p.title, q.name) || '）' as holder,
                t.decision, t.task_no, t.opinion, t.created_at, t.acted_at, t.due_date
           from tasks t join posts p on p.id = coalesce(t.acted_by_post_id, t.post_id)
           join units u on u.id = p.unit_id join persons pe on pe.id = p.person_id
           join positions q on q.id = p.position_id
          where t.case_id = $1 and t.step_id <> 'file'
            and (t.state = 'open' or t.acted_at is not null)
            and (t.state = 'open' or t.decision is not null)
          order by t.created_at, t.task_no")
        .bind(case_id).fetch_all(t).await)?)
}
