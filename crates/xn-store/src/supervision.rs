//! SQL of 督查督办: supervision items, assisting units, progress reports, change requests, the
//! item's timers (kinds `sv_deadline` and `sv_report` in `jobs`) and the monthly scores.

use crate::{Db, Result, Tx};

/// The columns of an item, in [`ItemRow`]'s order.
const ITEM_COLUMNS: &str = "i.id, i.case_id, i.parent_id, i.office_unit_id, i.source_kind, \
    i.source_case_id, i.source_text, i.source_leader, i.source_leader_post_id, i.title, i.content, \
    i.requirements, i.lead_unit_id, i.lead_post_id, i.deadline, i.report_cycle, i.report_day, \
    i.importance, i.state, i.created_post_id, i.created_at, i.signed_at, i.applied_at, i.closed_at, \
    i.closed_on, i.sent_back, i.updated_at, u.short_name as lead_unit_name, \
    coalesce(pe.name, '') as lead_person_name, \
    (select min(c.color) from cards c where c.case_id = i.case_id) as card, \
    (select min(r.due_date) from supervision_reports r where r.item_id = i.id and r.status = 'due') \
        as next_report, \
    (select count(*) from supervision_reports r where r.item_id = i.id and r.status = 'missed') \
        as missed_reports, \
    coalesce((select d.classification from documents d where d.case_id = i.source_case_id), \
        'public') as classification";

const ITEM_FROM: &str = "from supervision_items i join units u on u.id = i.lead_unit_id \
    left join posts p on p.id = i.lead_post_id left join persons pe on pe.id = p.person_id";

/// A supervision item as stored, with the names lists show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    /// Id.
    pub id: i64,
    /// Its flow case.
    pub case_id: i64,
    /// The item it was split from.
    pub parent_id: Option<i64>,
    /// The supervising office's unit (the opener's).
    pub office_unit_id: i64,
    /// Source kind code.
    pub source_kind: String,
    /// The case the instruction was given on.
    pub source_case_id: Option<i64>,
    /// The instruction's text.
    pub source_text: String,
    /// The leader's name.
    pub source_leader: String,
    /// The leader's post.
    pub source_leader_post_id: Option<i64>,
    /// 事项名称.
    pub title: String,
    /// 督办内容.
    pub content: String,
    /// 办理要求.
    pub requirements: String,
    /// 牵头单位.
    pub lead_unit_id: i64,
    /// Its responsible post.
    pub lead_post_id: i64,
    /// 办理时限, `YYYY-MM-DD`.
    pub deadline: String,
    /// Report cycle code.
    pub report_cycle: String,
    /// Report day (weekday or day of month).
    pub report_day: i64,
    /// Importance code.
    pub importance: String,
    /// State code.
    pub state: String,
    /// The opener's post.
    pub created_post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
    /// Signed for at.
    pub signed_at: Option<i64>,
    /// Closing applied for at.
    pub applied_at: Option<i64>,
    /// Struck off at.
    pub closed_at: Option<i64>,
    /// Struck off on (business date).
    pub closed_on: Option<String>,
    /// Times sent back at review.
    pub sent_back: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// The lead unit's short name (a county's section reads 清河县秘书股).
    pub lead_unit_name: String,
    /// The responsible person's name.
    pub lead_person_name: String,
    /// The strongest card on its case: `red`, `yellow` or none (`red` sorts before `yellow`).
    pub card: Option<String>,
    /// The next report owed, `YYYY-MM-DD`.
    pub next_report: Option<String>,
    /// Reports missed and not yet filed.
    pub missed_reports: i64,
    /// The item's 密级 code: its source document's (an item drafted from a classified
    /// instruction carries its words), `public` without one.
    pub classification: String,
}

/// A new item.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// Its flow case.
    pub case_id: i64,
    /// The item it is split from.
    pub parent_id: Option<i64>,
    /// The supervising office's unit.
    pub office_unit_id: i64,
    /// Source kind code.
    pub source_kind: &'a str,
    /// Source case.
    pub source_case_id: Option<i64>,
    /// Instruction text.
    pub source_text: &'a str,
    /// Leader's name.
    pub source_leader: &'a str,
    /// Leader's post.
    pub source_leader_post_id: Option<i64>,
    /// Title.
    pub title: &'a str,
    /// Content.
    pub content: &'a str,
    /// Requirements.
    pub requirements: &'a str,
    /// Lead unit.
    pub lead_unit_id: i64,
    /// Lead post.
    pub lead_post_id: i64,
    /// Deadline.
    pub deadline: &'a str,
    /// Cycle code.
    pub report_cycle: &'a str,
    /// Report day.
    pub report_day: i64,
    /// Importance code.
    pub importance: &'a str,
    /// Opener.
    pub created_post_id: i64,
}

/// Inserts an item.
pub async fn insert_item(tx: &mut Tx, n: &NewItem<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into supervision_items (case_id, parent_id, office_unit_id, source_kind,
                   source_case_id, source_text, source_leader, source_leader_post_id, title, content,
                   requirements, lead_unit_id, lead_post_id, deadline, report_cycle, report_day,
                   importance, state, created_post_id, created_at, updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   'assigned', $18, $19, $19) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.case_id).bind(n.parent_id).bind(n.office_unit_id).bind(n.source_kind)
        .bind(n.source_case_id).bind(n.source_text).bind(n.source_leader).bind(n.source_leader_post_id)
        .bind(n.title).bind(n.content).bind(n.requirements).bind(n.lead_unit_id).bind(n.lead_post_id)
        .bind(n.deadline).bind(n.report_cycle).bind(n.report_day).bind(n.importance)
        .bind(n.created_post_id).bind(now_ms).fetch_one(c).await)?)
}

/// Adds an assisting unit (配合单位) with its responsible post.
pub async fn insert_assist(
    tx: &mut Tx,
    item_id: i64,
    unit_id: i64,
    post_id: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into supervision_assists (item_id, unit_id, post_id) values ($1, $2, $3)
         on conflict (item_id, unit_id) do update set post_id = excluded.post_id")
        .bind(item_id).bind(unit_id).bind(post_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The assisting units of an item: (unit id, unit name, post id, person's name).
pub async fn assists_of(
    db: &Db,
    item_id: i64,
) -> Result<Vec<(i64, String, Option<i64>, Option<String>)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select a.unit_id, u.short_name, a.post_id, pe.name from supervision_assists a
         join units u on u.id = a.unit_id left join posts p on p.id = a.post_id
         left join persons pe on pe.id = p.person_id where a.item_id = $1 order by u.sort_order, u.id")
        .bind(item_id).fetch_all(c).await)?)
}

/// An item by id.
pub async fn find_item(db: &Db, id: i64) -> Result<ItemRow> {
    let sql = format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// An item by id, inside a transaction.
pub async fn find_item_tx(tx: &mut Tx, id: i64) -> Result<ItemRow> {
    let sql = format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The item a flow case moves, if it is one.
pub async fn item_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<ItemRow>> {
    let sql = format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.case_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id).fetch_optional(c).await)?,
    )
}

/// The id of the item a flow case moves, if it is one (a read outside any transaction, for
/// the 办理 page).
pub async fn item_id_of_case(db: &Db, case_id: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select id from supervision_items where case_id = $1")
        .bind(case_id).fetch_optional(c).await)?)
}

/// The items opened from a case's instruction.
pub async fn items_from_case(db: &Db, case_id: i64) -> Result<Vec<ItemRow>> {
    let sql =
        format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.source_case_id = $1 order by i.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id).fetch_all(c).await)?,
    )
}

/// The sub-items of an item.
pub async fn children(db: &Db, parent: i64) -> Result<Vec<ItemRow>> {
    let sql = format!("select {ITEM_COLUMNS} {ITEM_FROM} where i.parent_id = $1 order by i.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(parent).fetch_all(c).await)?,
    )
}

/// How many sub-items of an item are not yet struck off.
pub async fn open_children(tx: &mut Tx, parent: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from supervision_items where parent_id = $1 and state <> 'closed'")
        .bind(parent).fetch_one(c).await)?)
}

/// Moves an item to a state, stamping the state's instant.
pub async fn set_state(tx: &mut Tx, id: i64, state: &str, now_ms: i64, today: &str) -> Result<()> {
    let sql = "update supervision_items set state = $2, updated_at = $3,
                   signed_at = case when $2 = 'handling' and signed_at is null then $3 else signed_at end,
                   applied_at = case when $2 = 'reviewing' then $3 else applied_at end,
                   closed_at = case when $2 = 'closed' then $3 else closed_at end,
                   closed_on = case when $2 = 'closed' then $4 else closed_on end
               where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(id).bind(state).bind(now_ms).bind(today)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Counts a send-back at review.
pub async fn count_send_back(tx: &mut Tx, id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update supervision_items set sent_back = sent_back + 1 where id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Changes the lead unit and post, or the deadline, of an item.
pub async fn set_lead_and_deadline(
    tx: &mut Tx,
    id: i64,
    unit_id: i64,
    post_id: i64,
    deadline: &str,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update supervision_items set lead_unit_id = $2, lead_post_id = $3, deadline = $4,
             updated_at = $5 where id = $1")
        .bind(id).bind(unit_id).bind(post_id).bind(deadline).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Rewrites a case's item fields (a changed lead post must hold the steps still to come).
pub async fn set_case_fields(tx: &mut Tx, case_id: i64, fields: &str) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update cases set fields = $2 where id = $1")
        .bind(case_id).bind(fields).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a unit as a supervising section (督查科 / 督查股) by name, for the demo.
pub async fn flag_sections(tx: &mut Tx, names: &[&str]) -> Result<()> {
    for name in names {
        with_tx!(tx, c => sqlx::query(
            "update units set supervision_section = 1 where kind = 'section' and name = $1")
            .bind(*name).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Whether a unit is a supervising section.
pub async fn is_section(db: &Db, unit_id: i64) -> Result<bool> {
    let v: Option<i16> = with_db!(db, c => sqlx::query_scalar(
        "select supervision_section from units where id = $1")
        .bind(unit_id).fetch_optional(c).await)?;
    Ok(v.unwrap_or(0) != 0)
}

// ---------------------------------------------------------------------------------------------
// Lists

/// Which items a list holds.
#[derive(Debug, Clone)]
pub enum Scope {
    /// The supervising office's board: items opened in these offices.
    Office(Vec<i64>),
    /// A unit's: items led by these units or posts, or assisted by these units.
    Unit {
        /// Units.
        units: Vec<i64>,
        /// Posts.
        posts: Vec<i64>,
    },
    /// A leader's: items from their instructions.
    Leader(Vec<i64>),
}

/// A list's filter, sort and page.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// State code.
    pub state: Option<String>,
    /// Lead unit.
    pub lead_unit: Option<i64>,
    /// `red`, `yellow`, `none` or `any` card.
    pub card: Option<String>,
    /// Source kind code.
    pub source_kind: Option<String>,
    /// Words in the title or content.
    pub q: Option<String>,
    /// Only open items past their deadline (as of `today`).
    pub overdue: bool,
    /// Today, `YYYY-MM-DD`.
    pub today: String,
    /// `deadline`, `created`, `card`, `unit`.
    pub sort: String,
    /// Descending.
    pub desc: bool,
    /// Top-level items only.
    pub top_only: bool,
    /// Only the items a meeting's decisions became.
    pub meeting: Option<i64>,
    /// The 密级 codes whose items `q` may match (the reader's clearance and below): a title
    /// withheld from the reader is not searched either. Empty reads as `public` only.
    pub title_levels: Vec<&'static str>,
}

fn ids(list: &[i64]) -> String {
    if list.is_empty() {
        "0".to_owned()
    } else {
        list.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn levels(codes: &[&str]) -> String {
    if codes.is_empty() {
        "'public'".to_owned()
    } else {
        codes
            .iter()
            .map(|l| format!("'{}'", l.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn where_clause(scope: &Scope, f: &ItemFilter) -> String {
    // Every filter is written in, with its parameter ($1–$5) null or empty when unused, so that
    // the statement's parameters are the same whatever the filter.
    let mut w = vec![
        match scope {
            Scope::Office(units) => format!("i.office_unit_id in ({})", ids(units)),
            Scope::Unit { units, posts } => format!(
                "(i.lead_unit_id in ({u}) or i.lead_post_id in ({p}) or exists (select 1 from \
                 supervision_assists a where a.item_id = i.id and (a.unit_id in ({u}) or a.post_id in ({p}))))",
                u = ids(units),
                p = ids(posts)
            ),
            Scope::Leader(posts) => format!("i.source_leader_post_id in ({})", ids(posts)),
        },
        "($1 is null or i.state = $1)".to_owned(),
        "($2 is null or i.lead_unit_id = $2)".to_owned(),
        "($3 is null or i.source_kind = $3)".to_owned(),
        format!(
            "($4 is null or ((i.title like $4 or i.content like $4) and \
             coalesce((select d.classification from documents d where d.case_id = i.source_case_id), \
             'public') in ({})))",
            levels(&f.title_levels)
        ),
        "($5 = '' or (i.state <> 'closed' and i.deadline < $5))".to_owned(),
    ];
    let red = "exists (select 1 from cards c where c.case_id = i.case_id and c.color = 'red')";
    let yellow =
        "exists (select 1 from cards c where c.case_id = i.case_id and c.color = 'yellow')";
    let any = "exists (select 1 from cards c where c.case_id = i.case_id)";
    match f.card.as_deref() {
        Some("red") => w.push(red.to_owned()),
        Some("yellow") => w.push(format!("{yellow} and not {red}")),
        Some("any") => w.push(any.to_owned()),
        Some("none") => w.push(format!("not {any}")),
        _ => {}
    }
    if f.top_only {
        w.push("i.parent_id is null".into());
    }
    if let Some(m) = f.meeting {
        w.push(format!(
            "exists (select 1 from meeting_decisions md where md.supervision_item_id = i.id \
             and md.meeting_id = {m})"
        ));
    }
    w.join(" and ")
}

/// The filter's parameters $1–$5, in order.
fn params(
    f: &ItemFilter,
) -> (
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
) {
    (
        f.state.clone(),
        f.lead_unit,
        f.source_kind.clone(),
        f.q.as_ref()
            .map(|q| format!("%{}%", q.replace(['%', '_'], ""))),
        if f.overdue {
            f.today.clone()
        } else {
            String::new()
        },
    )
}

/// A page of items and the total.
pub async fn list_items(
    db: &Db,
    scope: &Scope,
    f: &ItemFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ItemRow>, i64)> {
    let w = where_clause(scope, f);
    let dir = if f.desc { "desc" } else { "asc" };
    let order = match f.sort.as_str() {
        "created" => format!("i.created_at {dir}, i.id {dir}"),
        "card" => format!("card {dir} nulls last, i.deadline, i.id"),
        "unit" => format!("u.name {dir}, i.deadline, i.id"),
        _ => format!("i.deadline {dir}, i.id {dir}"),
    };
    let sql =
        format!("select {ITEM_COLUMNS} {ITEM_FROM} where {w} order by {order} limit $6 offset $7");
    let count = format!("select count(*) {ITEM_FROM} where {w}");
    let (p1, p2, p3, p4, p5) = params(f);
    let rows: Vec<ItemRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(p1.clone()).bind(p2).bind(p3.clone()).bind(p4.clone()).bind(p5.clone())
        .bind(limit).bind(offset).fetch_all(c).await)?;
    let total: i64 = with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
        .bind(p1.clone()).bind(p2).bind(p3.clone()).bind(p4.clone()).bind(p5.clone())
        .fetch_one(c).await)?;
    Ok((rows, total))
}

/// Counts of a scope's items by state: (state, count).
pub async fn count_by_state(db: &Db, scope: &Scope) -> Result<Vec<(String, i64)>> {
    let f = ItemFilter::default();
    let w = where_clause(scope, &f);
    let sql = format!("select i.state, count(*) {ITEM_FROM} where {w} group by i.state");
    let (p1, p2, p3, p4, p5) = params(&f);
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(p1.clone()).bind(p2).bind(p3.clone()).bind(p4.clone()).bind(p5.clone())
        .fetch_all(c).await)?,
    )
}

/// Every item of offices (for the bulletin and the scores).
pub async fn items_of_offices(db: &Db, offices: &[i64]) -> Result<Vec<ItemRow>> {
    let sql = format!(
        "select {ITEM_COLUMNS} {ITEM_FROM} where i.office_unit_id in ({}) order by i.id",
        ids(offices)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Reports

/// A progress report (due, filed or missed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// Item.
    pub item_id: i64,
    /// Its number within the item.
    pub seq: i64,
    /// Due date.
    pub due_date: String,
    /// due / filed / late / missed / cancelled.
    pub status: String,
    /// What was reported.
    pub content: Option<String>,
    /// Filed at.
    pub filed_at: Option<i64>,
    /// Filed by post.
    pub filed_post_id: Option<i64>,
    /// Filer's name.
    pub filed_by: Option<String>,
}

const REPORT_COLUMNS: &str = "r.id, r.item_id, r.seq, r.due_date, r.status, r.content, r.filed_at, \
    r.filed_post_id, pe.name as filed_by";

/// Schedules reports: (seq, due date) each; returns their ids in order.
pub async fn insert_reports(tx: &mut Tx, item_id: i64, rows: &[(i64, String)]) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(rows.len());
    for (seq, due) in rows {
        let id: i64 = with_tx!(tx, c => sqlx::query_scalar(
            "insert into supervision_reports (item_id, seq, due_date) values ($1, $2, $3) returning id")
            .bind(item_id).bind(seq).bind(due).fetch_one(c).await)?;
        out.push(id);
    }
    Ok(out)
}

/// The reports of an item, in order.
pub async fn reports_of(db: &Db, item_id: i64) -> Result<Vec<ReportRow>> {
    let sql = format!(
        "select {REPORT_COLUMNS} from supervision_reports r left join persons pe on pe.id = r.filed_person_id
         where r.item_id = $1 order by r.seq"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(item_id).fetch_all(c).await)?,
    )
}

/// The reports of an item inside a transaction.
pub async fn reports_of_tx(tx: &mut Tx, item_id: i64) -> Result<Vec<ReportRow>> {
    let sql = format!(
        "select {REPORT_COLUMNS} from supervision_reports r left join persons pe on pe.id = r.filed_person_id
         where r.item_id = $1 order by r.seq"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(item_id).fetch_all(c).await)?,
    )
}

/// Records a filing on a report row (scheduled or new).
#[expect(clippy::too_many_arguments, reason = "one row's columns")]
pub async fn file_report(
    tx: &mut Tx,
    report_id: i64,
    status: &str,
    content: &str,
    post_id: i64,
    person_id: i64,
    now_ms: i64,
    due_date: Option<&str>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update supervision_reports set status = $2, content = $3, filed_post_id = $4,
             filed_person_id = $5, filed_at = $6, due_date = coalesce($7, due_date) where id = $1")
        .bind(report_id).bind(status).bind(content).bind(post_id).bind(person_id).bind(now_ms)
        .bind(due_date).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a due report missed; false when it was filed (or cancelled) meanwhile.
pub async fn mark_missed(tx: &mut Tx, item_id: i64, seq: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update supervision_reports set status = 'missed' where item_id = $1 and seq = $2 and status = 'due'")
        .bind(item_id).bind(seq).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Cancels the reports still due after `after` (all of them with `""`), returning their seqs.
pub async fn cancel_due_reports(tx: &mut Tx, item_id: i64, after: &str) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "update supervision_reports set status = 'cancelled'
         where item_id = $1 and status = 'due' and due_date > $2 returning seq")
        .bind(item_id).bind(after).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Timers

/// Arms (or moves, or re-arms a cancelled) timer of the area; a fired one stays fired.
pub async fn arm_timer(
    tx: &mut Tx,
    kind: xn_domain::flow::TimerKind,
    case_id: i64,
    run_no: i64,
    rung: &str,
    due_at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into jobs (kind, case_id, run_no, rung, due_at) values ($1, $2, $3, $4, $5)
         on conflict (kind, case_id, run_no, rung) do update set due_at = excluded.due_at,
             status = 'pending', lease_owner = null, lease_until = null
         where jobs.status <> 'done'")
        .bind(kind.code()).bind(case_id).bind(run_no).bind(rung).bind(due_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Cancels the area's pending timers of a kind on a case (one run, or all with `None`).
pub async fn cancel_timers(
    tx: &mut Tx,
    kind: xn_domain::flow::TimerKind,
    case_id: i64,
    run_no: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update jobs set status = 'cancelled' where kind = $1 and case_id = $2 and status = 'pending'
         and ($3 < 0 or run_no = $3)")
        .bind(kind.code()).bind(case_id).bind(run_no.unwrap_or(-1))
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Change requests

/// A request to change the lead unit or the deadline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    /// Id.
    pub id: i64,
    /// Item.
    pub item_id: i64,
    /// Requested by.
    pub requested_post_id: i64,
    /// Why.
    pub reason: String,
    /// Proposed lead unit.
    pub new_lead_unit_id: Option<i64>,
    /// Proposed lead post.
    pub new_lead_post_id: Option<i64>,
    /// Proposed deadline.
    pub new_deadline: Option<String>,
    /// pending / approved / refused.
    pub status: String,
    /// Decided by.
    pub decided_post_id: Option<i64>,
    /// Decided at.
    pub decided_at: Option<i64>,
    /// The decider's opinion.
    pub opinion: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
}

const CHANGE_COLUMNS: &str = "id, item_id, requested_post_id, reason, new_lead_unit_id, \
    new_lead_post_id, new_deadline, status, decided_post_id, decided_at, opinion, created_at";

/// Records a change request.
pub async fn insert_change(
    tx: &mut Tx,
    item_id: i64,
    post_id: i64,
    reason: &str,
    lead: Option<(i64, i64)>,
    deadline: Option<&str>,
    now_ms: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into supervision_changes (item_id, requested_post_id, reason, new_lead_unit_id,
             new_lead_post_id, new_deadline, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(item_id).bind(post_id).bind(reason).bind(lead.map(|l| l.0)).bind(lead.map(|l| l.1))
        .bind(deadline).bind(now_ms).fetch_one(c).await)?)
}

/// The pending change request of an item, if any.
pub async fn pending_change(tx: &mut Tx, item_id: i64) -> Result<Option<ChangeRow>> {
    let sql = format!(
        "select {CHANGE_COLUMNS} from supervision_changes where item_id = $1 and status = 'pending'
         order by id desc limit 1"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(item_id).fetch_optional(c).await)?,
    )
}

/// Every change request of an item.
pub async fn changes_of(db: &Db, item_id: i64) -> Result<Vec<ChangeRow>> {
    let sql =
        format!("select {CHANGE_COLUMNS} from supervision_changes where item_id = $1 order by id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(item_id).fetch_all(c).await)?,
    )
}

/// Decides a pending change request; false when it was decided meanwhile.
pub async fn decide_change(
    tx: &mut Tx,
    id: i64,
    approved: bool,
    post_id: i64,
    opinion: &str,
    now_ms: i64,
) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update supervision_changes set status = $2, decided_post_id = $3, opinion = $4, decided_at = $5
         where id = $1 and status = 'pending'")
        .bind(id).bind(if approved { "approved" } else { "refused" }).bind(post_id).bind(opinion)
        .bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Figures for the bulletin and the scores

/// A card as the figures need it: (case, colour, post, unit, issued at).
pub async fn cards_of_offices(
    db: &Db,
    offices: &[i64],
) -> Result<Vec<(i64, String, Option<i64>, Option<i64>, i64)>> {
    let sql = format!(
        "select c.case_id, c.color, c.post_id, c.unit_id, c.issued_at from cards c
         join supervision_items i on i.case_id = c.case_id where i.office_unit_id in ({})",
        ids(offices)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Reports as the figures need them: (item, due date, status).
pub async fn reports_of_offices(db: &Db, offices: &[i64]) -> Result<Vec<(i64, String, String)>> {
    let sql = format!(
        "select r.item_id, r.due_date, r.status from supervision_reports r
         join supervision_items i on i.id = r.item_id where i.office_unit_id in ({})",
        ids(offices)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// One unit's or post's scores for a month.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScoreRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Unit.
    pub unit_id: i64,
    /// Post (0: the unit as a whole).
    pub post_id: i64,
    /// Items due in the month or open past due.
    pub items_due: i64,
    /// Struck off within their deadline in the month.
    pub closed_on_time: i64,
    /// Struck off after their deadline in the month.
    pub closed_late: i64,
    /// Open past their deadline at the month's end.
    pub open_overdue: i64,
    /// Working days from opening to striking off, summed over `closed`.
    pub working_days_to_close: i64,
    /// Items struck off in the month.
    pub closed: i64,
    /// Yellow cards issued in the month.
    pub yellow_cards: i64,
    /// Red cards issued in the month.
    pub red_cards: i64,
    /// Reports due in the month.
    pub reports_due: i64,
    /// Reports missed in the month.
    pub reports_missed: i64,
    /// Epoch ms.
    pub computed_at: i64,
}

/// Replaces a month's scores for a set of units.
pub async fn store_scores(
    tx: &mut Tx,
    month: &str,
    units: &[i64],
    rows: &[ScoreRow],
) -> Result<()> {
    let sql = format!(
        "delete from supervision_scores where month = $1 and unit_id in ({})",
        ids(units)
    );
    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(month).execute(c).await.map(|r| r.rows_affected()))?;
    for r in rows {
        with_tx!(tx, c => sqlx::query(
            "insert into supervision_scores (month, unit_id, post_id, items_due, closed_on_time,
                 closed_late, open_overdue, working_days_to_close, closed, yellow_cards, red_cards,
                 reports_due, reports_missed, computed_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
            .bind(&r.month).bind(r.unit_id).bind(r.post_id).bind(r.items_due).bind(r.closed_on_time)
            .bind(r.closed_late).bind(r.open_overdue).bind(r.working_days_to_close).bind(r.closed)
            .bind(r.yellow_cards).bind(r.red_cards).bind(r.reports_due).bind(r.reports_missed)
            .bind(r.computed_at).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The stored scores of a month for a set of units.
pub async fn scores(db: &Db, month: &str, units: &[i64]) -> Result<Vec<ScoreRow>> {
    let sql = format!(
        "select month, unit_id, post_id, items_due, closed_on_time, closed_late, open_overdue,
             working_days_to_close, closed, yellow_cards, red_cards, reports_due, reports_missed,
             computed_at
         from supervision_scores where month = $1 and unit_id in ({}) order by unit_id, post_id",
        ids(units)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(month).fetch_all(c).await)?,
    )
}

/// A post that may be given an item: (post, unit, unit's name, post's label, person's name).
pub type PostOption = (i64, i64, String, String, String);

/// The active posts of a unit and every unit below it, in tree order.
pub async fn posts_under(db: &Db, root: i64) -> Result<Vec<PostOption>> {
    let sql = "with recursive tree(id, depth) as (
                   select id, 0 from units where id = $1
                   union all
                   select u.id, t.depth + 1 from units u join tree t on u.parent_id = t.id
                   where t.depth < 8)
               select p.id, u.id, u.short_name, coalesce(p.title, q.name), pe.name
               from tree t join units u on u.id = t.id join posts p on p.unit_id = u.id
               join positions q on q.id = p.position_id join persons pe on pe.id = p.person_id
               where p.active = 1
               order by t.depth, u.sort_order, u.id, q.rank, p.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(root).fetch_all(c).await)?)
}

/// The demo's supervising post: (person, post) of a login's post in a unit of that name.
pub async fn demo_post(db: &Db, login: &str, unit: &str) -> Result<Option<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select pe.id, p.id from persons pe join posts p on p.person_id = pe.id
         join units u on u.id = p.unit_id where pe.login = $1 and u.name = $2 and p.active = 1
         order by p.id limit 1")
        .bind(login).bind(unit).fetch_optional(c).await)?)
}

/// The demo's lead posts: each county office's director and each city section's chief,
/// (person, post), in a stable order.
pub async fn demo_leads(db: &Db) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select pe.id, p.id from posts p join persons pe on pe.id = p.person_id
         join units u on u.id = p.unit_id join positions q on q.id = p.position_id
         join units parent on parent.id = u.parent_id
         where p.active = 1 and ((u.kind = 'office' and parent.name <> '东川市人民政府' and q.code = 'director')
                or (u.kind = 'section' and parent.name = '东川市人民政府办公室' and q.code = 'section_chief'
                    and u.name <> '督查科'))
         order by p.id")
        .fetch_all(c).await)?)
}

/// An item's 密级 code: its source case's document's, `public` without one.
const ITEM_CLASSIFICATION: &str = "select coalesce((select d.classification from documents d
        where d.case_id = i.source_case_id),
        (select ii.classification from information_receipts ir
           join information_items ii on ii.id = ir.item_id where ir.case_id = i.source_case_id),
        'public') from supervision_items i where i.id = $1";

/// An item's 密级 code (its source document's or source information's, `public` without one).
pub async fn item_classification(tx: &mut Tx, item: i64) -> Result<String> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(ITEM_CLASSIFICATION).bind(item).fetch_one(c).await)?)
}

/// Reads on the SQLite writer thread's read-only connection (`crate::writer`): the same
/// statements as above.
pub mod on_writer {
    use super::ITEM_CLASSIFICATION;
    use crate::Result;
    use crate::writer::ReadConn;

    /// An item's 密级 code.
    pub fn item_classification(r: &ReadConn<'_>, item: i64) -> Result<String> {
        let mut st = r.0.prepare_cached(ITEM_CLASSIFICATION)?;
        Ok(st.query_row([item], |row| row.get(0))?)
    }
}
