//! SQL of 政务信息 (migration 0032): items, where they go, their receipt at each office, the
//! section's edits, adoptions, periodicals with their gapless 期号, the points table, each
//! office's duty post and the points given. Who may do what is the service's rule, not here.

use crate::{Db, Result, Tx};

// ---------------------------------------------------------------------------------------------
// Sections and posts

/// Marks units as information sections (信息科 / 信息股) by name, for the demo.
pub async fn flag_sections(tx: &mut Tx, names: &[&str]) -> Result<()> {
    for name in names {
        with_tx!(tx, c => sqlx::query(
            "update units set information_section = 1 where kind = 'section' and name = $1")
            .bind(*name).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Whether a unit is an information section.
pub async fn is_section(db: &Db, unit_id: i64) -> Result<bool> {
    let v: Option<i64> = with_db!(db, c => sqlx::query_scalar(
        "select cast(information_section as bigint) from units where id = $1")
        .bind(unit_id).fetch_optional(c).await)?;
    Ok(v.unwrap_or(0) != 0)
}

/// The active posts of the information sections directly under an office that do business
/// work (an administrator's post sitting in the section does none).
pub async fn section_posts(tx: &mut Tx, office: i64) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select p.id from posts p join units u on u.id = p.unit_id
          where u.parent_id = $1 and u.information_section = 1 and p.active = 1
            and exists (select 1 from post_roles pr join role_permissions rp
                          on rp.role_id = pr.role_id
                         where pr.post_id = p.id and rp.permission = 'flow.work')
          order by p.id")
        .bind(office).fetch_all(c).await)?)
}

/// The active posts of a position in a unit.
pub async fn posts_of_position(tx: &mut Tx, unit: i64, position: &str) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select p.id from posts p join positions o on o.id = p.position_id
          where p.unit_id = $1 and o.code = $2 and p.active = 1 order by p.id")
        .bind(unit).bind(position).fetch_all(c).await)?)
}

/// The posts of a unit and its children who may sign an item off (leaders, directors and
/// section chiefs, with their deputies), most senior first: (post, "name（position）").
pub async fn signers(db: &Db, units: &[i64]) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for unit in units {
        let rows: Vec<(i64, String)> = with_db!(db, c => sqlx::query_as(
            "select p.id, pe.name || '（' || u.short_name || coalesce(p.title, o.name) || '）'
               from posts p join positions o on o.id = p.position_id
               join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
              where p.unit_id = $1 and p.active = 1
                and o.code in ('leader', 'director', 'deputy_director', 'section_chief',
                               'deputy_section_chief')
              order by o.rank, p.id")
            .bind(*unit).fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Items

/// A new item.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// The submitting unit.
    pub unit_id: i64,
    /// The author's post.
    pub author_post_id: i64,
    /// The author.
    pub author_person_id: i64,
    /// Who signs it off.
    pub signer_post_id: i64,
    /// 标题.
    pub title: &'a str,
    /// 正文.
    pub body: &'a str,
    /// Kind code.
    pub kind: &'a str,
    /// 密级 code.
    pub classification: &'a str,
    /// The event's time (urgent), epoch ms.
    pub event_at: Option<i64>,
    /// Report kind code.
    pub report_kind: &'a str,
    /// The 快报 this report follows.
    pub first_item_id: Option<i64>,
}

/// An item's row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    /// Id.
    pub id: i64,
    /// The unit's case.
    pub case_id: Option<i64>,
    /// The submitting unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The author's post.
    pub author_post_id: i64,
    /// The author's name.
    pub author_name: String,
    /// The signer's post.
    pub signer_post_id: i64,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// Kind code.
    pub kind: String,
    /// 密级 code.
    pub classification: String,
    /// The event's time.
    pub event_at: Option<i64>,
    /// Report kind code.
    pub report_kind: String,
    /// The 快报 this follows.
    pub first_item_id: Option<i64>,
    /// The event is closed (on a 快报).
    pub event_closed: i64,
    /// signing, revising, sent.
    pub state: String,
    /// Late (urgent).
    pub late: i64,
    /// Minutes late.
    pub late_minutes: i64,
    /// When it left the unit.
    pub sent_at: Option<i64>,
    /// Created.
    pub created_at: i64,
}

const ITEM_SELECT: &str = "select i.id, i.case_id, i.unit_id, u.name as unit_name,
    i.author_post_id, pe.name as author_name, i.signer_post_id, i.title, i.body, i.kind,
    i.classification, i.event_at, i.report_kind, i.first_item_id,
    cast(i.event_closed as bigint) as event_closed, i.state, cast(i.late as bigint) as late,
    i.late_minutes, i.sent_at, i.created_at
    from information_items i join units u on u.id = i.unit_id
    join persons pe on pe.id = i.author_person_id";

/// Writes a new item (state 签发中).
pub async fn insert_item(tx: &mut Tx, n: &NewItem<'_>, at: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_items (unit_id, author_post_id, author_person_id, signer_post_id,
            title, body, kind, classification, event_at, report_kind, first_item_id, state,
            created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'signing', $12, $12) returning id")
        .bind(n.unit_id).bind(n.author_post_id).bind(n.author_person_id).bind(n.signer_post_id)
        .bind(n.title).bind(n.body).bind(n.kind).bind(n.classification).bind(n.event_at)
        .bind(n.report_kind).bind(n.first_item_id).bind(at).fetch_one(c).await)?)
}

/// Links an item to its unit's case.
pub async fn set_item_case(tx: &mut Tx, id: i64, case_id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update information_items set case_id = $2 where id = $1")
        .bind(id).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One item.
pub async fn find_item(db: &Db, id: i64) -> Result<ItemRow> {
    let sql = format!("{ITEM_SELECT} where i.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// One item, inside a transaction.
pub async fn find_item_tx(tx: &mut Tx, id: i64) -> Result<ItemRow> {
    let sql = format!("{ITEM_SELECT} where i.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// The item whose unit case this is.
pub async fn item_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<ItemRow>> {
    let sql = format!("{ITEM_SELECT} where i.case_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id)
        .fetch_optional(c).await)?,
    )
}

/// Sets an item's state.
pub async fn set_item_state(tx: &mut Tx, id: i64, state: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_items set state = $2, updated_at = $3 where id = $1")
        .bind(id).bind(state).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records that an item left its unit, and how late it was.
pub async fn mark_sent(tx: &mut Tx, id: i64, at: i64, late_minutes: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_items set state = 'sent', sent_at = $2, updated_at = $2,
                late = $3, late_minutes = $4 where id = $1")
        .bind(id).bind(at).bind(i16::from(late_minutes > 0)).bind(late_minutes)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Rewrites an item's words (the author's revision after 不同意).
pub async fn set_item_text(tx: &mut Tx, id: i64, title: &str, body: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_items set title = $2, body = $3, updated_at = $4 where id = $1")
        .bind(id).bind(title).bind(body).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Closes an urgent event (no more 续报 owed).
pub async fn close_event(tx: &mut Tx, first: i64, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_items set event_closed = 1, updated_at = $2 where id = $1")
        .bind(first).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The items submitted by these units, the latest first.
pub async fn items_of_units(db: &Db, units: &[i64], limit: i64) -> Result<Vec<ItemRow>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let list = units
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "{ITEM_SELECT} where i.unit_id in ({list}) order by i.created_at desc, i.id desc limit $1"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit)
        .fetch_all(c).await)?,
    )
}

/// The reports that follow a 快报 (书面报告, 续报), in order.
pub async fn followups(db: &Db, first: i64) -> Result<Vec<ItemRow>> {
    let sql = format!("{ITEM_SELECT} where i.first_item_id = $1 order by i.created_at, i.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(first)
        .fetch_all(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// Targets and outside bodies

/// Records a receiving office or outside body of an item.
pub async fn insert_target(
    tx: &mut Tx,
    item: i64,
    office: Option<i64>,
    outside: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_targets (item_id, office_unit_id, outside_id) values ($1, $2, $3)")
        .bind(item).bind(office).bind(outside).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An item's targets: (office, outside body).
pub async fn targets(tx: &mut Tx, item: i64) -> Result<Vec<(Option<i64>, Option<i64>)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select office_unit_id, outside_id from information_targets where item_id = $1")
        .bind(item).fetch_all(c).await)?)
}

/// Adds an outside body an office reports to; returns its id (an existing one of the name).
pub async fn ensure_outside(tx: &mut Tx, office: i64, name: &str) -> Result<i64> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_outside (office_unit_id, name) values ($1, $2)
         on conflict (office_unit_id, name) do nothing")
        .bind(office).bind(name).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from information_outside where office_unit_id = $1 and name = $2")
        .bind(office).bind(name).fetch_one(c).await)?)
}

/// The outside bodies of an office: (id, name).
pub async fn outside_of(db: &Db, office: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, name from information_outside where office_unit_id = $1 order by id")
        .bind(office).fetch_all(c).await)?)
}

/// The office an outside body belongs to.
pub async fn outside_office(tx: &mut Tx, id: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select office_unit_id from information_outside where id = $1")
        .bind(id).fetch_optional(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Receipts

/// A receipt: an item at one receiving office (or outside body).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceiptRow {
    /// Id.
    pub id: i64,
    /// The item.
    pub item_id: i64,
    /// The receiving office.
    pub office_unit_id: Option<i64>,
    /// Or the outside body.
    pub outside_id: Option<i64>,
    /// Where it goes: the office's or the body's name.
    pub office_name: String,
    /// The office's case.
    pub case_id: Option<i64>,
    /// State code.
    pub state: String,
    /// Received.
    pub received_at: i64,
    /// Signed for.
    pub signed_at: Option<i64>,
    /// Screened.
    pub screened_at: Option<i64>,
    /// The reason of a return or a decline.
    pub reason: String,
    /// The item's title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Its report kind.
    pub report_kind: String,
    /// Its 密级.
    pub classification: String,
    /// The submitting unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The author's post.
    pub author_post_id: i64,
    /// Late (urgent).
    pub late: i64,
}

const RECEIPT_SELECT: &str = "select r.id, r.item_id, r.office_unit_id, r.outside_id,
    coalesce(ou.name, ob.name, '') as office_name, r.case_id, r.state, r.received_at,
    r.signed_at, r.screened_at, r.reason, i.title, i.kind, i.report_kind, i.classification,
    i.unit_id, u.name as unit_name, i.author_post_id, cast(i.late as bigint) as late
    from information_receipts r join information_items i on i.id = r.item_id
    join units u on u.id = i.unit_id
    left join units ou on ou.id = r.office_unit_id
    left join information_outside ob on ob.id = r.outside_id";

/// Writes a receipt.
pub async fn insert_receipt(
    tx: &mut Tx,
    item: i64,
    office: Option<i64>,
    outside: Option<i64>,
    state: &str,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_receipts (item_id, office_unit_id, outside_id, state, received_at)
         values ($1, $2, $3, $4, $5) returning id")
        .bind(item).bind(office).bind(outside).bind(state).bind(at).fetch_one(c).await)?)
}

/// Links a receipt to its office's case.
pub async fn set_receipt_case(tx: &mut Tx, id: i64, case_id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update information_receipts set case_id = $2 where id = $1")
        .bind(id).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The receipt whose case this is.
pub async fn receipt_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<ReceiptRow>> {
    let sql = format!("{RECEIPT_SELECT} where r.case_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(case_id)
        .fetch_optional(c).await)?,
    )
}

/// One receipt.
pub async fn find_receipt(db: &Db, id: i64) -> Result<ReceiptRow> {
    let sql = format!("{RECEIPT_SELECT} where r.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// One receipt, locked for the transaction's write (PostgreSQL; SQLite writes one at a time).
pub async fn find_receipt_tx(tx: &mut Tx, id: i64) -> Result<ReceiptRow> {
    let sql = format!("{RECEIPT_SELECT} where r.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// Sets a receipt's state; `signed` and `screened` stamp the step done now.
pub async fn set_receipt_state(
    tx: &mut Tx,
    id: i64,
    state: &str,
    reason: &str,
    at: i64,
    signed: bool,
    screened: bool,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_receipts set state = $2, reason = $3,
                signed_at = case when $5 = 1 then $4 else signed_at end,
                screened_at = case when $6 = 1 then $4 else screened_at end
          where id = $1")
        .bind(id).bind(state).bind(reason).bind(at).bind(i64::from(signed))
        .bind(i64::from(screened)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An item's receipts.
pub async fn receipts_of_item(db: &Db, item: i64) -> Result<Vec<ReceiptRow>> {
    let sql = format!("{RECEIPT_SELECT} where r.item_id = $1 order by r.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(item)
        .fetch_all(c).await)?,
    )
}

/// An office's receipts, the latest first; `open` keeps those not yet signed for or screened
/// (the backlog), oldest first.
pub async fn receipts_of_office(
    db: &Db,
    office: i64,
    open: bool,
    limit: i64,
) -> Result<Vec<ReceiptRow>> {
    let sql = if open {
        format!(
            "{RECEIPT_SELECT} where r.office_unit_id = $1 and r.state in ('signing', 'screening')
              order by r.received_at, r.id limit $2"
        )
    } else {
        format!(
            "{RECEIPT_SELECT} where r.office_unit_id = $1
              order by r.received_at desc, r.id desc limit $2"
        )
    };
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .bind(limit).fetch_all(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// Versions

/// A version of an item at a receiving office.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    /// Version number (1: as sent).
    pub version: i64,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// Who wrote it.
    pub editor: String,
    /// When.
    pub created_at: i64,
}

/// Writes the next version of a receipt's text; returns its number.
pub async fn insert_version(
    tx: &mut Tx,
    receipt: i64,
    title: &str,
    body: &str,
    post: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_versions (receipt_id, version, title, body, post_id, created_at)
         values ($1, (select coalesce(max(version), 0) + 1 from information_versions
                       where receipt_id = $1), $2, $3, $4, $5)
         returning version")
        .bind(receipt).bind(title).bind(body).bind(post).bind(at).fetch_one(c).await)?)
}

/// A receipt's versions, the first first.
pub async fn versions(db: &Db, receipt: i64) -> Result<Vec<VersionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select v.version, v.title, v.body, pe.name as editor, v.created_at
           from information_versions v join posts p on p.id = v.post_id
           join persons pe on pe.id = p.person_id
          where v.receipt_id = $1 order by v.version")
        .bind(receipt).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Periodicals and issues

/// A periodical.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PeriodicalRow {
    /// Id.
    pub id: i64,
    /// The office that publishes it.
    pub office_unit_id: i64,
    /// 《…》's name.
    pub name: String,
    /// 编印单位.
    pub publisher: String,
    /// 报.
    pub report_to: String,
    /// 送.
    pub send_to: String,
    /// 发.
    pub issue_to: String,
}

const PERIODICAL_SELECT: &str = "select id, office_unit_id, name, publisher, report_to, send_to,
    issue_to from information_periodicals";

/// Adds a periodical; returns its id.
pub async fn insert_periodical(tx: &mut Tx, p: &PeriodicalRow, at: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_periodicals
            (office_unit_id, name, publisher, report_to, send_to, issue_to, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id")
        .bind(p.office_unit_id).bind(&p.name).bind(&p.publisher).bind(&p.report_to)
        .bind(&p.send_to).bind(&p.issue_to).bind(at).fetch_one(c).await)?)
}

/// An office's periodicals.
pub async fn periodicals_of(db: &Db, office: i64) -> Result<Vec<PeriodicalRow>> {
    let sql = format!("{PERIODICAL_SELECT} where office_unit_id = $1 order by id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .fetch_all(c).await)?,
    )
}

/// One periodical.
pub async fn find_periodical(tx: &mut Tx, id: i64) -> Result<PeriodicalRow> {
    let sql = format!("{PERIODICAL_SELECT} where id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// Takes the next 期号 of a periodical's year, inside the issue's transaction: one upsert, so
/// on PostgreSQL a second taker waits on the counter's row until the first commits or rolls
/// back (SQLite writes one transaction at a time). Numbers are never skipped.
pub async fn next_number(tx: &mut Tx, periodical: i64, year: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_issue_counters (periodical_id, year, last) values ($1, $2, 1)
         on conflict (periodical_id, year)
         do update set last = information_issue_counters.last + 1
         returning last")
        .bind(periodical).bind(year).fetch_one(c).await)?)
}

/// An issue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRow {
    /// Id.
    pub id: i64,
    /// The periodical.
    pub periodical_id: i64,
    /// Its name.
    pub periodical: String,
    /// The office.
    pub office_unit_id: i64,
    /// Year.
    pub year: i64,
    /// 第N期.
    pub number: i64,
    /// Items in it.
    pub item_count: i64,
    /// draft, published.
    pub state: String,
    /// Created.
    pub created_at: i64,
    /// Published.
    pub published_at: Option<i64>,
}

const ISSUE_SELECT: &str = "select s.id, s.periodical_id, p.name as periodical,
    p.office_unit_id, s.year, s.number, s.item_count, s.state, s.created_at, s.published_at
    from information_issues s join information_periodicals p on p.id = s.periodical_id";

/// Writes an issue with its number.
pub async fn insert_issue(
    tx: &mut Tx,
    periodical: i64,
    year: i64,
    number: i64,
    post: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_issues (periodical_id, year, number, created_post_id, created_at)
         values ($1, $2, $3, $4, $5) returning id")
        .bind(periodical).bind(year).bind(number).bind(post).bind(at).fetch_one(c).await)?)
}

/// One issue.
pub async fn find_issue(db: &Db, id: i64) -> Result<IssueRow> {
    let sql = format!("{ISSUE_SELECT} where s.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// One issue, inside a transaction.
pub async fn find_issue_tx(tx: &mut Tx, id: i64) -> Result<IssueRow> {
    let sql = format!("{ISSUE_SELECT} where s.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// The issues of an office's periodicals, the latest first.
pub async fn issues_of_office(db: &Db, office: i64, limit: i64) -> Result<Vec<IssueRow>> {
    let sql = format!(
        "{ISSUE_SELECT} where p.office_unit_id = $1
          order by s.year desc, s.periodical_id, s.number desc limit $2"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(office)
        .bind(limit).fetch_all(c).await)?,
    )
}

/// Takes the next place in a draft issue, inside the adoption's transaction (the issue's row
/// is the lock, as the counter's is for numbers); `None` when the issue is no longer a draft.
pub async fn take_position(tx: &mut Tx, issue: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "update information_issues set item_count = item_count + 1
          where id = $1 and state = 'draft' returning item_count")
        .bind(issue).fetch_optional(c).await)?)
}

/// Publishes a draft issue; false when it was not a draft.
pub async fn publish_issue(tx: &mut Tx, issue: i64, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update information_issues set state = 'published', published_at = $2
          where id = $1 and state = 'draft'")
        .bind(issue).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Adoptions

/// Records an adoption; returns its id.
#[expect(clippy::too_many_arguments, reason = "one adoption's columns")]
pub async fn insert_adoption(
    tx: &mut Tx,
    receipt: i64,
    item: i64,
    office: i64,
    level: &str,
    issue: Option<(i64, i64)>,
    note: &str,
    post: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_adoptions
            (receipt_id, item_id, office_unit_id, level, issue_id, position, note, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id")
        .bind(receipt).bind(item).bind(office).bind(level).bind(issue.map(|i| i.0))
        .bind(issue.map(|i| i.1)).bind(note).bind(post).bind(at).fetch_one(c).await)?)
}

/// Whether a receipt was adopted at a level already.
pub async fn has_level(tx: &mut Tx, receipt: i64, level: &str) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from information_adoptions where receipt_id = $1 and level = $2")
        .bind(receipt).bind(level).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Whether a receipt was adopted at a level, outside a transaction.
pub async fn has_level_db(db: &Db, receipt: i64, level: &str) -> Result<bool> {
    let n: i64 = with_db!(db, c => sqlx::query_scalar(
        "select count(*) from information_adoptions where receipt_id = $1 and level = $2")
        .bind(receipt).bind(level).fetch_one(c).await)?;
    Ok(n > 0)
}

/// An adoption.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdoptionRow {
    /// Level code.
    pub level: String,
    /// The issue.
    pub issue_id: Option<i64>,
    /// Its place in the issue.
    pub position: Option<i64>,
    /// The note (a 批示's words, the higher office's name).
    pub note: String,
    /// When.
    pub created_at: i64,
    /// The leader who gave a 批示 (empty when not recorded).
    pub leader: String,
}

/// A receipt's adoptions.
pub async fn adoptions_of(db: &Db, receipt: i64) -> Result<Vec<AdoptionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select a.level, a.issue_id, a.position, a.note, a.created_at,
                coalesce(pe.name, '') as leader
           from information_adoptions a left join posts p on p.id = a.leader_post_id
           left join persons pe on pe.id = p.person_id
          where a.receipt_id = $1 order by a.id")
        .bind(receipt).fetch_all(c).await)?)
}

/// An item of an issue, in its place.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueItemRow {
    /// Its place.
    pub position: i64,
    /// The receipt.
    pub receipt_id: i64,
    /// The item.
    pub item_id: i64,
    /// The submitting unit's name.
    pub unit_name: String,
    /// The item's 密级.
    pub classification: String,
    /// The title as sent.
    pub title: String,
    /// The body as sent.
    pub body: String,
}

/// The items of an issue in order (their words as sent; the service takes the latest edit).
pub async fn issue_items(db: &Db, issue: i64) -> Result<Vec<IssueItemRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select a.position, a.receipt_id, a.item_id, u.name as unit_name, i.classification,
                i.title, i.body
           from information_adoptions a join information_items i on i.id = a.item_id
           join units u on u.id = i.unit_id
          where a.issue_id = $1 order by a.position")
        .bind(issue).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Points, settings, scores

/// An office's own points rows: (code, points).
pub async fn points_of(db: &Db, office: i64) -> Result<Vec<(String, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select code, points from information_points where office_unit_id = $1")
        .bind(office).fetch_all(c).await)?)
}

/// The points of one code at an office, if the office set it.
pub async fn points_tx(tx: &mut Tx, office: i64, code: &str) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select points from information_points where office_unit_id = $1 and code = $2")
        .bind(office).bind(code).fetch_optional(c).await)?)
}

/// Sets an office's points for a code.
pub async fn set_points(tx: &mut Tx, office: i64, code: &str, points: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_points (office_unit_id, code, points) values ($1, $2, $3)
         on conflict (office_unit_id, code) do update set points = excluded.points")
        .bind(office).bind(code).bind(points).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An office's duty post and leader post, if set.
pub async fn settings(tx: &mut Tx, office: i64) -> Result<(Option<i64>, Option<i64>)> {
    let row: Option<(Option<i64>, Option<i64>)> = with_tx!(tx, c => sqlx::query_as(
        "select duty_post_id, leader_post_id from information_settings where office_unit_id = $1")
        .bind(office).fetch_optional(c).await)?;
    Ok(row.unwrap_or((None, None)))
}

/// Sets an office's duty post and leader post.
pub async fn set_settings(
    tx: &mut Tx,
    office: i64,
    duty: Option<i64>,
    leader: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_settings (office_unit_id, duty_post_id, leader_post_id)
         values ($1, $2, $3)
         on conflict (office_unit_id) do update
            set duty_post_id = excluded.duty_post_id, leader_post_id = excluded.leader_post_id")
        .bind(office).bind(duty).bind(leader).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A point given.
#[derive(Debug, Clone)]
pub struct NewScore<'a> {
    /// The office that gives it.
    pub office: i64,
    /// 'YYYY-MM'.
    pub month: &'a str,
    /// The unit.
    pub unit: i64,
    /// The author's post.
    pub author_post: i64,
    /// The item.
    pub item: i64,
    /// The receipt.
    pub receipt: i64,
    /// Points code.
    pub code: &'a str,
    /// Points.
    pub points: i64,
}

/// Records points given.
pub async fn insert_score(tx: &mut Tx, s: &NewScore<'_>, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_scores (office_unit_id, month, unit_id, author_post_id, item_id,
            receipt_id, code, points, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(s.office).bind(s.month).bind(s.unit).bind(s.author_post).bind(s.item)
        .bind(s.receipt).bind(s.code).bind(s.points).bind(at).execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A line of points, with what it is for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    /// 'YYYY-MM'.
    pub month: String,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The author's post.
    pub author_post_id: i64,
    /// The author's name.
    pub author_name: String,
    /// The item.
    pub item_id: i64,
    /// Its title.
    pub title: String,
    /// Points code.
    pub code: String,
    /// Points.
    pub points: i64,
}

/// The points an office gave in months starting with `period` ('2026-12' or '2026'), by unit.
pub async fn scores(db: &Db, office: i64, period: &str) -> Result<Vec<ScoreRow>> {
    let like = format!("{period}%");
    Ok(with_db!(db, c => sqlx::query_as(
        "select s.month, s.unit_id, u.name as unit_name, s.author_post_id,
                pe.name as author_name, s.item_id, i.title, s.code, s.points
           from information_scores s join units u on u.id = s.unit_id
           join posts p on p.id = s.author_post_id join persons pe on pe.id = p.person_id
           join information_items i on i.id = s.item_id
          where s.office_unit_id = $1 and s.month like $2
          order by s.unit_id, s.id")
        .bind(office).bind(like).fetch_all(c).await)?)
}

/// The offices that gave a unit points in months starting with `period`.
pub async fn scores_of_unit(db: &Db, unit: i64, period: &str) -> Result<Vec<ScoreRow>> {
    let like = format!("{period}%");
    Ok(with_db!(db, c => sqlx::query_as(
        "select s.month, s.unit_id, u.name as unit_name, s.author_post_id,
                pe.name as author_name, s.item_id, i.title, s.code, s.points
           from information_scores s join units u on u.id = s.unit_id
           join posts p on p.id = s.author_post_id join persons pe on pe.id = p.person_id
           join information_items i on i.id = s.item_id
          where s.unit_id = $1 and s.month like $2
          order by s.id")
        .bind(unit).bind(like).fetch_all(c).await)?)
}

/// The office of a government: its child unit of kind office.
pub async fn office_of_government(tx: &mut Tx, government: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 and kind = 'office' order by id limit 1")
        .bind(government).fetch_optional(c).await)?)
}

/// The 密级 code of an information case's matter: its item's (`receipt`: through the receipt).
pub async fn classification(tx: &mut Tx, link: i64, receipt: bool) -> Result<String> {
    let sql = if receipt {
        "select i.classification from information_receipts r
           join information_items i on i.id = r.item_id where r.id = $1"
    } else {
        "select classification from information_items where id = $1"
    };
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(link).fetch_one(c).await)?)
}

/// The demo's information section chief of the city office, by login.
pub async fn demo_section_login(db: &Db) -> Result<Option<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select pe.login from persons pe join posts p on p.person_id = pe.id
           join units u on u.id = p.unit_id join positions q on q.id = p.position_id
          where u.name = '信息科' and q.code = 'section_chief' and p.active = 1
          order by p.id limit 1")
        .fetch_optional(c).await)?)
}

/// A person's first active post, by login: (person, post).
pub async fn demo_post(db: &Db, login: &str) -> Result<Option<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select pe.id, p.id from persons pe join posts p on p.person_id = pe.id
          where pe.login = $1 and p.active = 1 order by p.id limit 1")
        .bind(login).fetch_optional(c).await)?)
}
