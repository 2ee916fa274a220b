//! SQL of 办文: documents, their text versions, the number ledger (文号台账), files stored by
//! content, attachments, and the exchange of documents between units.
//!
//! Numbers are allocated by one upsert on `number_counters` inside the caller's transaction: on
//! SQLite the transaction holds the database's write lock (`BEGIN IMMEDIATE`), on PostgreSQL the
//! upsert locks the counter's row until commit, so two allocations never see the same value and
//! a rolled-back allocation gives its number back. Gapless and unique by construction.

use crate::{Db, Result, StoreError, Tx};

mod desk;
mod exchange;
mod files;
mod finals;
mod numbers;
mod versions;

pub use desk::*;
pub use exchange::*;
pub use files::*;
pub use finals::*;
pub use numbers::*;
pub use versions::*;
// The organisation's helpers the documents area reads through, now in `crate::org`.
pub use crate::org::{
    child_units, flag_registries, post_person_name, posts_in, registry_of, set_registry,
};

/// The columns of a document, in [`DocumentRow`]'s order.
const DOC_COLUMNS: &str = "id, direction, case_id, unit_id, kind, format, title, issuer_code, \
    number_year, number_seq, doc_number, copies, classification, secrecy_term, urgency, issuers, \
    signers, main_recipients, copy_recipients, attachment_names, signature, written_on, note, printer, \
    print_date, seal, body, body_version, signed_off_post_id, signed_off_name, signed_off_at, \
    signed_off_opinion, signed_off_version, status, source_document_id, exchange_id, sender_name, \
    sender_number, received_year, received_seq, received_no, received_at, lead_post_id, reply, \
    created_post_id, created_at, updated_at";

/// A document as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// `outgoing` or `incoming`.
    pub direction: String,
    /// Its flow case, once submitted (or received).
    pub case_id: Option<i64>,
    /// The issuing unit (outgoing) or the receiving unit (incoming).
    pub unit_id: i64,
    /// 文种 code.
    pub kind: String,
    /// Layout format code.
    pub format: String,
    /// 标题.
    pub title: String,
    /// 机关代字 the number is (or will be) allocated under.
    pub issuer_code: Option<String>,
    /// Number year.
    pub number_year: Option<i64>,
    /// Number serial.
    pub number_seq: Option<i64>,
    /// 发文字号 as printed.
    pub doc_number: Option<String>,
    /// 份数.
    pub copies: Option<i64>,
    /// 密级 code.
    pub classification: String,
    /// 保密期限.
    pub secrecy_term: Option<String>,
    /// 紧急程度 code.
    pub urgency: Option<String>,
    /// Issuing units (JSON list of recipients), the lead first.
    pub issuers: String,
    /// 签发人 names as printed (JSON list).
    pub signers: String,
    /// 主送机关 (JSON).
    pub main_recipients: String,
    /// 抄送机关 (JSON).
    pub copy_recipients: String,
    /// 附件说明: attachment names (JSON list).
    pub attachment_names: String,
    /// 发文机关署名.
    pub signature: String,
    /// 成文日期.
    pub written_on: Option<String>,
    /// 附注.
    pub note: Option<String>,
    /// 印发机关.
    pub printer: Option<String>,
    /// 印发日期.
    pub print_date: Option<String>,
    /// Whether it carries a seal.
    pub seal: i16,
    /// 正文 (the newest version).
    pub body: crate::Sealed,
    /// The newest version's number.
    pub body_version: i64,
    /// 签发人's post.
    pub signed_off_post_id: Option<i64>,
    /// 签发人's name.
    pub signed_off_name: Option<String>,
    /// When signed off.
    pub signed_off_at: Option<i64>,
    /// 签发意见.
    pub signed_off_opinion: Option<crate::Sealed>,
    /// The body version signed off.
    pub signed_off_version: Option<i64>,
    /// Status code.
    pub status: String,
    /// Incoming: the outgoing document it came from (inside xiaoneng).
    pub source_document_id: Option<i64>,
    /// Incoming: its exchange row.
    pub exchange_id: Option<i64>,
    /// Incoming: 来文单位.
    pub sender_name: Option<String>,
    /// Incoming: the sender's 发文字号.
    pub sender_number: Option<String>,
    /// Incoming: 收文号 year.
    pub received_year: Option<i64>,
    /// Incoming: 收文号 serial.
    pub received_seq: Option<i64>,
    /// Incoming: 收文号 as written.
    pub received_no: Option<String>,
    /// Incoming: when signed for.
    pub received_at: Option<i64>,
    /// Incoming: the 主办 post.
    pub lead_post_id: Option<i64>,
    /// Incoming: the reply (答复).
    pub reply: Option<crate::Sealed>,
    /// Who created it.
    pub created_post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
}

/// The elements of a document as written (everything a drafter edits).
#[derive(Debug, Clone, Default)]
pub struct Elements<'a> {
    /// 文种 code.
    pub kind: &'a str,
    /// Format code.
    pub format: &'a str,
    /// 标题.
    pub title: &'a str,
    /// 机关代字.
    pub issuer_code: Option<&'a str>,
    /// 份数.
    pub copies: Option<i64>,
    /// 密级 code.
    pub classification: &'a str,
    /// 保密期限.
    pub secrecy_term: Option<&'a str>,
    /// 紧急程度 code.
    pub urgency: Option<&'a str>,
    /// JSON.
    pub issuers: &'a str,
    /// JSON.
    pub signers: &'a str,
    /// JSON.
    pub main_recipients: &'a str,
    /// JSON.
    pub copy_recipients: &'a str,
    /// JSON.
    pub attachment_names: &'a str,
    /// 发文机关署名.
    pub signature: &'a str,
    /// 附注.
    pub note: Option<&'a str>,
    /// 印发机关.
    pub printer: Option<&'a str>,
    /// Seal.
    pub seal: bool,
}

/// A new document.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    /// `outgoing` or `incoming`.
    pub direction: &'a str,
    /// Unit.
    pub unit_id: i64,
    /// Elements.
    pub elements: Elements<'a>,
    /// Status.
    pub status: &'a str,
    /// Creator.
    pub post_id: i64,
    /// Incoming: where it came from.
    pub source_document_id: Option<i64>,
    /// Incoming: 来文单位.
    pub sender_name: Option<&'a str>,
    /// Incoming: the sender's number.
    pub sender_number: Option<&'a str>,
    /// Incoming: the sender's 成文日期.
    pub written_on: Option<&'a str>,
}

/// Inserts a document; returns its id.
pub async fn insert_document(tx: &mut Tx, d: &NewDocument<'_>, at: i64) -> Result<i64> {
    let e = &d.elements;
    let sql = "insert into documents (direction, unit_id, kind, format, title, issuer_code, copies,
            classification, secrecy_term, urgency, issuers, main_recipients, copy_recipients,
            attachment_names, signature, note, printer, seal, status, source_document_id,
            sender_name, sender_number, written_on, body, body_version, created_post_id,
            created_at, updated_at, signers)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, '', 0, $24, $25, $25, $26)
         returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(d.direction).bind(d.unit_id).bind(e.kind).bind(e.format).bind(e.title)
        .bind(e.issuer_code).bind(e.copies).bind(e.classification).bind(e.secrecy_term)
        .bind(e.urgency).bind(e.issuers).bind(e.main_recipients).bind(e.copy_recipients)
        .bind(e.attachment_names).bind(e.signature).bind(e.note).bind(e.printer)
        .bind(i16::from(e.seal)).bind(d.status).bind(d.source_document_id).bind(d.sender_name)
        .bind(d.sender_number).bind(d.written_on).bind(d.post_id).bind(at)
        .bind(e.signers).fetch_one(c).await)?)
}

/// Sets the body of a document that keeps no versions (a 收文's text as registered or
/// received), sealed by the service.
pub async fn set_body(tx: &mut Tx, id: i64, body: &crate::Sealed) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update documents set body = $2 where id = $1")
        .bind(id).bind(body).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Up to `limit` documents after `after` whose body an earlier build stored in plain.
pub async fn plain_bodies(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select id, body from documents where id > $1 and body <> '' and body not like 'sm4:%'
         order by id limit $2")
        .bind(after).bind(limit).fetch_all(c).await)?)
}

/// Rewrites a document's elements.
pub async fn update_elements(tx: &mut Tx, id: i64, e: &Elements<'_>, at: i64) -> Result<()> {
    let sql = "update documents set kind = $2, format = $3, title = $4, issuer_code = $5,
            copies = $6, classification = $7, secrecy_term = $8, urgency = $9, issuers = $10,
            main_recipients = $11, copy_recipients = $12, attachment_names = $13,
            signature = $14, note = $15, printer = $16, seal = $17, updated_at = $18,
            signers = $19
         where id = $1";
    let n = with_tx!(tx, c => sqlx::query(sql)
        .bind(id).bind(e.kind).bind(e.format).bind(e.title).bind(e.issuer_code).bind(e.copies)
        .bind(e.classification).bind(e.secrecy_term).bind(e.urgency).bind(e.issuers)
        .bind(e.main_recipients).bind(e.copy_recipients).bind(e.attachment_names)
        .bind(e.signature).bind(e.note).bind(e.printer).bind(i16::from(e.seal)).bind(at)
        .bind(e.signers).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A document by id.
pub async fn find_document(db: &Db, id: i64) -> Result<DocumentRow> {
    let sql = format!("select {DOC_COLUMNS} from documents where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// A document by id, inside a transaction.
pub async fn find_document_tx(tx: &mut Tx, id: i64) -> Result<DocumentRow> {
    let sql = format!("select {DOC_COLUMNS} from documents where id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_one(c).await)?,
    )
}

/// What the 签发 rules read of a document (`xn_domain::documents::rules::check`), and the
/// version of its text that is signed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleSource {
    /// The document.
    pub id: i64,
    /// Drafting unit.
    pub unit_id: i64,
    /// Kind code.
    pub kind: String,
    /// 标题.
    pub title: String,
    /// 机关代字.
    pub issuer_code: Option<String>,
    /// 发文机关 (JSON list).
    pub issuers: String,
    /// 签发人 (JSON list).
    pub signers: String,
    /// 主送 (JSON list).
    pub main_recipients: String,
    /// 抄送 (JSON list).
    pub copy_recipients: String,
    /// 发文机关署名.
    pub signature: String,
    /// Sealed.
    pub seal: i16,
    /// 正文.
    pub body: crate::Sealed,
    /// The text's version.
    pub body_version: i64,
}

impl From<&DocumentRow> for RuleSource {
    fn from(d: &DocumentRow) -> RuleSource {
        RuleSource {
            id: d.id,
            unit_id: d.unit_id,
            kind: d.kind.clone(),
            title: d.title.clone(),
            issuer_code: d.issuer_code.clone(),
            issuers: d.issuers.clone(),
            signers: d.signers.clone(),
            main_recipients: d.main_recipients.clone(),
            copy_recipients: d.copy_recipients.clone(),
            signature: d.signature.clone(),
            seal: d.seal,
            body: d.body.clone(),
            body_version: d.body_version,
        }
    }
}

const RULE_SOURCE: &str = "select id, unit_id, kind, title, issuer_code, issuers, signers,
     main_recipients, copy_recipients, signature, seal, body, body_version
     from documents where id = $1";

/// What the 签发 rules read of a document, inside a transaction.
pub async fn rule_source(tx: &mut Tx, id: i64) -> Result<RuleSource> {
    Ok(with_tx!(tx, c => sqlx::query_as(RULE_SOURCE).bind(id).fetch_one(c).await)?)
}

const CLASSIFICATION: &str = "select classification from documents where id = $1";

/// A document's 密级 code, inside a transaction.
pub async fn classification(tx: &mut Tx, id: i64) -> Result<String> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(CLASSIFICATION).bind(id).fetch_one(c).await)?)
}

/// Reads on the SQLite writer thread's read-only connection (`crate::writer`), for a batch's
/// lane: the same statements as above.
pub mod on_writer {
    use crate::Result;
    use crate::writer::ReadConn;

    use super::{CLASSIFICATION, RULE_SOURCE, RuleSource};

    /// A document's 密级 code.
    pub fn classification(r: &ReadConn<'_>, id: i64) -> Result<String> {
        let mut st = r.0.prepare_cached(CLASSIFICATION)?;
        Ok(st.query_row([id], |row| row.get(0))?)
    }

    /// What the 签发 rules read of a document.
    pub fn rule_source(r: &ReadConn<'_>, id: i64) -> Result<RuleSource> {
        let mut st = r.0.prepare_cached(RULE_SOURCE)?;
        Ok(st.query_row([id], |row| {
            Ok(RuleSource {
                id: row.get(0)?,
                unit_id: row.get(1)?,
                kind: row.get(2)?,
                title: row.get(3)?,
                issuer_code: row.get(4)?,
                issuers: row.get(5)?,
                signers: row.get(6)?,
                main_recipients: row.get(7)?,
                copy_recipients: row.get(8)?,
                signature: row.get(9)?,
                seal: row.get(10)?,
                body: row.get(11)?,
                body_version: row.get(12)?,
            })
        })?)
    }
}

/// The document a case moves, inside a transaction.
pub async fn document_of_case(tx: &mut Tx, case_id: i64) -> Result<Option<DocumentRow>> {
    let sql = format!("select {DOC_COLUMNS} from documents where case_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(case_id).fetch_optional(c).await)?,
    )
}

/// The document a case moves.
pub async fn document_of_case_db(db: &Db, case_id: i64) -> Result<Option<DocumentRow>> {
    let sql = format!("select {DOC_COLUMNS} from documents where case_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(case_id).fetch_optional(c).await)?,
    )
}

/// Links a document to its case, if it has none yet (or has this one); false if it has another.
pub async fn set_case(tx: &mut Tx, id: i64, case_id: i64, status: &str, at: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query(
        "update documents set case_id = $2, status = $3, updated_at = $4
         where id = $1 and (case_id is null or case_id = $2)")
        .bind(id).bind(case_id).bind(status).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The exchange that delivered an incoming document, if any.
pub async fn exchange_of_incoming(tx: &mut Tx, incoming: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from exchanges where incoming_document_id = $1 order by id desc limit 1")
        .bind(incoming).fetch_optional(c).await)?)
}

/// A status already held is not written again (a row rewritten for nothing, at 签发 entered
/// after 核稿 say).
const SET_STATUS: &str =
    "update documents set status = $2, updated_at = $3 where id = $1 and status <> $2";

/// Sets a document's status.
pub async fn set_status(tx: &mut Tx, id: i64, status: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(SET_STATUS)
        .bind(id).bind(status).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The writes the documents area makes inside flow actions, as values (see
/// [`crate::area_writes`]): the same statements as the functions of this module.
pub mod writes {
    use crate::area_writes::{AreaWrite, Arg};

    /// Links a document to the case just started for it; the row must still have no other
    /// case.
    pub fn link_case(id: i64, case_id: i64, status: &str, at: i64) -> AreaWrite {
        AreaWrite::exec_one(
            "update documents set case_id = $2, status = $3, updated_at = $4
             where id = $1 and (case_id is null or case_id = $2)",
            vec![id.into(), case_id.into(), status.into(), at.into()],
        )
    }

    /// Sets a document's status.
    pub fn set_status(id: i64, status: &str, at: i64) -> AreaWrite {
        AreaWrite::exec(super::SET_STATUS, vec![id.into(), status.into(), at.into()])
    }

    /// Records the sign-off (签发): who, the opinion, the version signed, the 成文日期.
    pub fn record_signoff(
        id: i64,
        post_id: i64,
        name: &str,
        opinion: &crate::Sealed,
        version: i64,
        written_on: &str,
        at: i64,
    ) -> AreaWrite {
        AreaWrite::exec(
            super::numbers::RECORD_SIGNOFF,
            vec![
                id.into(),
                post_id.into(),
                name.into(),
                opinion.0.as_str().into(),
                version.into(),
                at.into(),
                written_on.into(),
            ],
        )
    }

    /// The 文号 at 登记 (see [`AreaWrite::Number`]).
    pub fn number(document_id: i64, year: i64, post_id: i64, at: i64) -> AreaWrite {
        AreaWrite::Number {
            document_id,
            year,
            post_id,
            at,
        }
    }

    /// Queues the document to be indexed again (its opinions or number changed).
    pub fn reindex(id: i64, at: i64) -> AreaWrite {
        AreaWrite::exec(crate::search::ENQUEUE, vec![Arg::Int(id), Arg::Int(at)])
    }
}

/// Documents of some units, newest first, for lists (filters applied by the caller's scope).
pub async fn list_documents(
    db: &Db,
    units: &[i64],
    direction: &str,
    status: Option<&str>,
    classifications: &[&'static str],
    limit: i64,
    offset: i64,
) -> Result<(Vec<DocumentRow>, i64)> {
    if units.is_empty() || classifications.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let list = units
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // Codes are the domain's own constants (`Clearance::code`), never input.
    let levels = classifications
        .iter()
        .map(|c| format!("'{}'", c.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",");
    let filter = format!(
        "from documents where unit_id in ({list}) and direction = $1
         and ($2 = '' or status = $2) and classification in ({levels})"
    );
    let sql = format!(
        "select {DOC_COLUMNS} {filter} order by updated_at desc, id desc limit $3 offset $4"
    );
    let count = format!("select count(*) {filter}");
    let status = status.unwrap_or("");
    let rows = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(direction).bind(status).bind(limit).bind(offset).fetch_all(c).await)?;
    let total: i64 = with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
        .bind(direction).bind(status).fetch_one(c).await)?;
    Ok((rows, total))
}

/// The 机关代字 used by a unit's documents.
pub async fn codes_of_unit(db: &Db, unit_id: i64) -> Result<Vec<String>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select distinct issuer_code from documents where unit_id = $1 and issuer_code is not null
         order by issuer_code")
        .bind(unit_id).fetch_all(c).await)?)
}

/// Rewrites a document's 附件说明 names.
pub async fn set_attachment_names(tx: &mut Tx, id: i64, names: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set attachment_names = $2, updated_at = $3 where id = $1")
        .bind(id).bind(names).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every opinion written on a case's tasks, oldest first: (task number, the opinion sealed at
/// the task's place).
pub async fn case_opinions(tx: &mut Tx, case_id: i64) -> Result<Vec<(i64, crate::Sealed)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select task_no, opinion from tasks where case_id = $1 and opinion is not null and opinion <> ''
         order by id")
        .bind(case_id).fetch_all(c).await)?)
}
