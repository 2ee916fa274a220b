//! SQL of 约稿 (migration 0050): an office's commissions, the units each asks, the items that
//! answer them, the 批示 leader an adoption records, and the month's counts the 信息工作通报
//! states. Who may do what is the service's rule.

use crate::{Db, Result, Tx};

/// A commission.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommissionRow {
    /// Id.
    pub id: i64,
    /// The asking office.
    pub office_unit_id: i64,
    /// Its name.
    pub office_name: String,
    /// 主题.
    pub topic: String,
    /// 要求.
    pub description: String,
    /// 截止日期, Beijing `YYYY-MM-DD`.
    pub due_on: String,
    /// Who asked.
    pub created_post_id: i64,
    /// When.
    pub created_at: i64,
    /// When it was closed (no more answers expected).
    pub closed_at: Option<i64>,
    /// Units asked.
    pub asked: i64,
    /// Units that answered (an item of theirs naming it has left the unit).
    pub answered: i64,
}

const COMMISSION_SELECT: &str = "
    select c.id, c.office_unit_id, o.name as office_name, c.topic, c.description, c.due_on,
           c.created_post_id, c.created_at, c.closed_at,
           (select count(*) from information_commission_units cu where cu.commission_id = c.id)
             as asked,
           (select count(*) from information_commission_units cu
             where cu.commission_id = c.id and exists (
               select 1 from information_items i
                where i.commission_id = c.id and i.unit_id = cu.unit_id and i.state = 'sent'))
             as answered
      from information_commissions c join units o on o.id = c.office_unit_id";

/// A commission to write.
#[derive(Debug)]
pub struct NewCommission<'a> {
    /// The asking office.
    pub office: i64,
    /// 主题.
    pub topic: &'a str,
    /// 要求.
    pub description: &'a str,
    /// 截止日期.
    pub due_on: &'a str,
    /// Who asks.
    pub post: i64,
    /// The units asked.
    pub units: &'a [i64],
}

/// Writes a commission and the units it asks; returns its id.
pub async fn insert_commission(tx: &mut Tx, n: &NewCommission<'_>, at: i64) -> Result<i64> {
    let id: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "insert into information_commissions
            (office_unit_id, topic, description, due_on, created_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id")
        .bind(n.office).bind(n.topic).bind(n.description).bind(n.due_on).bind(n.post).bind(at)
        .fetch_one(c).await)?;
    for u in n.units {
        with_tx!(tx, c => sqlx::query(
            "insert into information_commission_units (commission_id, unit_id) values ($1, $2)")
            .bind(id).bind(*u).execute(c).await.map(|_| ()))?;
    }
    Ok(id)
}

/// One commission.
pub async fn find_commission(db: &Db, id: i64) -> Result<Option<CommissionRow>> {
    let sql = format!("{COMMISSION_SELECT} where c.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// An office's commissions, newest first.
pub async fn commissions_of_office(db: &Db, office: i64, limit: i64) -> Result<Vec<CommissionRow>> {
    let sql =
        format!("{COMMISSION_SELECT} where c.office_unit_id = $1 order by c.id desc limit $2");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).bind(limit).fetch_all(c).await)?,
    )
}

/// The commissions that ask a unit, newest first.
pub async fn commissions_asking(db: &Db, unit: i64, limit: i64) -> Result<Vec<CommissionRow>> {
    let sql = format!(
        "{COMMISSION_SELECT} where exists (select 1 from information_commission_units cu
                                           where cu.commission_id = c.id and cu.unit_id = $1)
          order by c.id desc limit $2"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit).bind(limit).fetch_all(c).await)?,
    )
}

/// Whether a commission asks a unit.
pub async fn asks(tx: &mut Tx, commission: i64, unit: i64) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from information_commission_units
          where commission_id = $1 and unit_id = $2")
        .bind(commission).bind(unit).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A unit asked by a commission, with what it has answered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AskedUnitRow {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Times urged.
    pub urge_count: i64,
    /// Last urged.
    pub urged_at: Option<i64>,
    /// Its items that left the unit naming the commission.
    pub sent: i64,
    /// Its items naming the commission still in the unit (拟稿, 签发, 修改).
    pub drafting: i64,
    /// When its first answer left the unit.
    pub first_sent_at: Option<i64>,
}

/// The units a commission asks, in the tree's order.
pub async fn asked_units(db: &Db, commission: i64) -> Result<Vec<AskedUnitRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select cu.unit_id, u.name as unit_name, cu.urge_count, cu.urged_at,
                (select count(*) from information_items i
                  where i.commission_id = cu.commission_id and i.unit_id = cu.unit_id
                    and i.state = 'sent') as sent,
                (select count(*) from information_items i
                  where i.commission_id = cu.commission_id and i.unit_id = cu.unit_id
                    and i.state <> 'sent') as drafting,
                (select min(i.sent_at) from information_items i
                  where i.commission_id = cu.commission_id and i.unit_id = cu.unit_id
                    and i.state = 'sent') as first_sent_at
           from information_commission_units cu join units u on u.id = cu.unit_id
          where cu.commission_id = $1
          order by u.sort_order, u.id")
        .bind(commission).fetch_all(c).await)?)
}

/// An item answering a commission.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerRow {
    /// The item.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// 密级 code.
    pub classification: String,
    /// State code.
    pub state: String,
    /// When it left the unit.
    pub sent_at: Option<i64>,
}

/// The items naming a commission.
pub async fn answers(db: &Db, commission: i64) -> Result<Vec<AnswerRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, unit_id, title, classification, state, sent_at from information_items
          where commission_id = $1 order by id")
        .bind(commission).fetch_all(c).await)?)
}

/// Counts an urging of the units; answers how many rows changed.
pub async fn mark_urged(tx: &mut Tx, commission: i64, units: &[i64], at: i64) -> Result<u64> {
    let mut n = 0;
    for u in units {
        n += with_tx!(tx, c => sqlx::query(
            "update information_commission_units set urge_count = urge_count + 1, urged_at = $3
              where commission_id = $1 and unit_id = $2")
            .bind(commission).bind(*u).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// Closes a commission; false if it was closed already.
pub async fn close_commission(tx: &mut Tx, commission: i64, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update information_commissions set closed_at = $2 where id = $1 and closed_at is null")
        .bind(commission).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Names the commission an item answers.
pub async fn set_item_commission(tx: &mut Tx, item: i64, commission: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update information_items set commission_id = $2 where id = $1")
        .bind(item).bind(commission).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The commission an item answers: (id, topic).
pub async fn commission_of_item(db: &Db, item: i64) -> Result<Option<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select c.id, c.topic from information_items i
           join information_commissions c on c.id = i.commission_id where i.id = $1")
        .bind(item).fetch_optional(c).await)?)
}

/// The organs one level below a government that report information to its office: its
/// bureaus, and the office of each government directly under it. (id, name), in the tree's
/// order.
pub async fn reporting_units(db: &Db, government: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, name from (
            select b.id, b.name, 0 as grp, b.sort_order as s1, 0 as s2 from units b
             where b.parent_id = $1 and b.kind = 'bureau'
            union all
            select o.id, o.name, 1 as grp, g.sort_order as s1, o.sort_order as s2
              from units g join units o on o.parent_id = g.id and o.kind = 'office'
             where g.parent_id = $1 and g.kind = 'government'
         ) t order by grp, s1, s2, id")
        .bind(government).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// 批示 on an adoption

/// The leaders, directors and their deputies of some units, most senior first:
/// (post, "name（unit position）").
pub async fn leaders(db: &Db, units: &[i64]) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for unit in units {
        let rows: Vec<(i64, String)> = with_db!(db, c => sqlx::query_as(
            "select p.id, pe.name || '（' || u.short_name || coalesce(p.title, o.name) || '）'
               from posts p join positions o on o.id = p.position_id
               join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
              where p.unit_id = $1 and p.active = 1
                and o.code in ('leader', 'director', 'deputy_director')
              order by o.rank, p.id")
            .bind(*unit).fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Records the leader whose 批示 an adoption holds.
pub async fn set_adoption_leader(tx: &mut Tx, adoption: i64, leader_post: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update information_adoptions set leader_post_id = $2 where id = $1")
        .bind(adoption).bind(leader_post).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A 批示 recorded on a receipt, found by the receipt's case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstructionRow {
    /// The receipt.
    pub receipt_id: i64,
    /// The item.
    pub item_id: i64,
    /// The receiving office.
    pub office_unit_id: i64,
    /// The item's title.
    pub title: String,
    /// The 批示's words.
    pub note: String,
    /// The leader's post, where recorded.
    pub leader_post_id: Option<i64>,
}

/// The 批示 recorded on the receipt whose case this is, if any.
pub async fn instruction_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<InstructionRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select r.id as receipt_id, r.item_id, a.office_unit_id, i.title, a.note, a.leader_post_id
           from information_receipts r
           join information_adoptions a on a.receipt_id = r.id and a.level = 'instruction'
           join information_items i on i.id = r.item_id
          where r.case_id = $1")
        .bind(case_id).fetch_optional(c).await)?)
}

/// The information item whose receipt's case this is: (item, receipt).
pub async fn item_of_receipt_case(db: &Db, case_id: i64) -> Result<Option<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select item_id, id from information_receipts where case_id = $1")
        .bind(case_id).fetch_optional(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// The month's counts for the 信息工作通报

/// Items an office received in `[from, to)` (epoch ms), by submitting unit: (unit, count).
pub async fn received_by_unit(db: &Db, office: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select i.unit_id, count(*) from information_receipts r
           join information_items i on i.id = r.item_id
          where r.office_unit_id = $1 and r.received_at >= $2 and r.received_at < $3
          group by i.unit_id")
        .bind(office).bind(from).bind(to).fetch_all(c).await)?)
}

/// Adoptions an office recorded in `[from, to)`, by level: (level, count).
pub async fn adoptions_by_level(
    db: &Db,
    office: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select level, count(*) from information_adoptions
          where office_unit_id = $1 and created_at >= $2 and created_at < $3
          group by level")
        .bind(office).bind(from).bind(to).fetch_all(c).await)?)
}

/// Adoptions an office recorded in `[from, to)`, by submitting unit: (unit, count).
pub async fn adoptions_by_unit(
    db: &Db,
    office: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select i.unit_id, count(*) from information_adoptions a
           join information_items i on i.id = a.item_id
          where a.office_unit_id = $1 and a.created_at >= $2 and a.created_at < $3
          group by i.unit_id")
        .bind(office).bind(from).bind(to).fetch_all(c).await)?)
}

/// An office's commissions due in `[from, to]` (dates `YYYY-MM-DD`), with the units that had
/// not answered by their date: (topic, unit names).
pub async fn unanswered_due(
    db: &Db,
    office: i64,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select c.topic, u.name from information_commissions c
           join information_commission_units cu on cu.commission_id = c.id
           join units u on u.id = cu.unit_id
          where c.office_unit_id = $1 and c.due_on >= $2 and c.due_on <= $3
            and not exists (
              select 1 from information_items i
               where i.commission_id = c.id and i.unit_id = cu.unit_id and i.state = 'sent'
                 and i.sent_at is not null)
          order by c.id, u.sort_order, u.id")
        .bind(office).bind(from).bind(to).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// 刊物分发 (migration 0053): the units an issue is issued to, and their 签收.

/// A unit an issue was issued to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRecipientRow {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// When it signed for the issue.
    pub received_at: Option<i64>,
}

/// Issues an issue to a unit.
pub async fn insert_issue_recipient(tx: &mut Tx, issue: i64, unit: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into information_issue_recipients (issue_id, unit_id) values ($1, $2)")
        .bind(issue).bind(unit).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The units an issue was issued to, in the units' order.
pub async fn issue_recipients(db: &Db, issue: i64) -> Result<Vec<IssueRecipientRow>> {
    let sql = "select r.unit_id, u.name as unit_name, r.received_at
               from information_issue_recipients r join units u on u.id = r.unit_id
               where r.issue_id = $1 order by u.sort_order, u.id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(issue).fetch_all(c).await)?)
}

/// 签收: records that a unit signed for an issue; false when it had already.
pub async fn receive_issue(tx: &mut Tx, issue: i64, unit: i64, post: i64, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update information_issue_recipients set received_at = $3, received_post_id = $4
          where issue_id = $1 and unit_id = $2 and received_at is null")
        .bind(issue).bind(unit).bind(at).bind(post).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An issue issued to one of some units, as that unit lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceivedIssueRow {
    /// The issue.
    pub issue_id: i64,
    /// Its periodical's name.
    pub periodical: String,
    /// Year.
    pub year: i64,
    /// 第N期.
    pub number: i64,
    /// When it was published.
    pub published_at: Option<i64>,
    /// The unit it was issued to.
    pub unit_name: String,
    /// When the unit signed for it.
    pub received_at: Option<i64>,
}

/// The issues issued to any of `units`, the latest first (at most `limit`).
pub async fn issues_received(db: &Db, units: &[i64], limit: i64) -> Result<Vec<ReceivedIssueRow>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let list = units
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "select r.issue_id, p.name as periodical, s.year, s.number, s.published_at,
                u.name as unit_name, r.received_at
           from information_issue_recipients r
           join information_issues s on s.id = r.issue_id
           join information_periodicals p on p.id = s.periodical_id
           join units u on u.id = r.unit_id
          where r.unit_id in ({list}) order by s.published_at desc, r.issue_id desc limit $1"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit)
        .fetch_all(c).await)?,
    )
}
