//! SQL of 办文: documents, their text versions, the number ledger (文号台账), files stored by
//! content, attachments, and the exchange of documents between units.
//!
//! Numbers are allocated by one upsert on `number_counters` inside the caller's transaction: on
//! SQLite the transaction holds the database's write lock (`BEGIN IMMEDIATE`), on PostgreSQL the
//! upsert locks the counter's row until commit, so two allocations never see the same value and
//! a rolled-back allocation gives its number back. Gapless and unique by construction.

use crate::{Db, Result, StoreError, Tx};

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
    pub body: String,
    /// The newest version's number.
    pub body_version: i64,
    /// 签发人's post.
    pub signed_off_post_id: Option<i64>,
    /// 签发人's name.
    pub signed_off_name: Option<String>,
    /// When signed off.
    pub signed_off_at: Option<i64>,
    /// 签发意见.
    pub signed_off_opinion: Option<String>,
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
    pub reply: Option<String>,
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
    /// The body (becomes version 1 when not empty).
    pub body: &'a str,
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
            $19, $20, $21, $22, $23, $24, 0, $25, $26, $26, $27)
         returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(d.direction).bind(d.unit_id).bind(e.kind).bind(e.format).bind(e.title)
        .bind(e.issuer_code).bind(e.copies).bind(e.classification).bind(e.secrecy_term)
        .bind(e.urgency).bind(e.issuers).bind(e.main_recipients).bind(e.copy_recipients)
        .bind(e.attachment_names).bind(e.signature).bind(e.note).bind(e.printer)
        .bind(i16::from(e.seal)).bind(d.status).bind(d.source_document_id).bind(d.sender_name)
        .bind(d.sender_number).bind(d.written_on).bind(d.body).bind(d.post_id).bind(at)
        .bind(e.signers).fetch_one(c).await)?)
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

const SET_STATUS: &str = "update documents set status = $2, updated_at = $3 where id = $1";

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
        opinion: &str,
        version: i64,
        written_on: &str,
        at: i64,
    ) -> AreaWrite {
        AreaWrite::exec(
            super::RECORD_SIGNOFF,
            vec![
                id.into(),
                post_id.into(),
                name.into(),
                opinion.into(),
                version.into(),
                at.into(),
                written_on.into(),
            ],
        )
    }

    /// The 文号 at 登记 (see [`AreaWrite::Number`]).
    pub fn number(document_id: i64, code: &str, year: i64, post_id: i64, at: i64) -> AreaWrite {
        AreaWrite::Number {
            document_id,
            code: code.to_owned(),
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
    limit: i64,
    offset: i64,
) -> Result<(Vec<DocumentRow>, i64)> {
    if units.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let list = units
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let filter = format!(
        "from documents where unit_id in ({list}) and direction = $1
         and ($2 = '' or status = $2)"
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

// ---------------------------------------------------------------------------------------------
// Versions

/// A saved version of the text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    /// Document.
    pub document_id: i64,
    /// Version number, from 1.
    pub no: i64,
    /// Title then.
    pub title: String,
    /// Body then.
    pub body: String,
    /// Author's post.
    pub author_post_id: i64,
    /// Author.
    pub author_person_id: i64,
    /// A note.
    pub note: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
}

/// Saves the next version of a document's text and makes it current; returns its number.
#[expect(clippy::too_many_arguments, reason = "one version row")]
pub async fn save_version(
    tx: &mut Tx,
    id: i64,
    title: &str,
    body: &str,
    post_id: i64,
    person_id: i64,
    note: Option<&str>,
    at: i64,
) -> Result<i64> {
    let no: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "update documents set body_version = body_version + 1, body = $2, title = $3,
            updated_at = $4 where id = $1 returning body_version")
        .bind(id).bind(body).bind(title).bind(at).fetch_one(c).await)?;
    with_tx!(tx, c => sqlx::query(
        "insert into document_versions (document_id, no, title, body, author_post_id,
            author_person_id, note, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id).bind(no).bind(title).bind(body).bind(post_id).bind(person_id).bind(note)
        .bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(no)
}

/// Every version of a document, oldest first.
pub async fn versions(db: &Db, id: i64) -> Result<Vec<VersionRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, no, title, body, author_post_id, author_person_id, note, created_at
         from document_versions where document_id = $1 order by no")
        .bind(id).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Sign-off, numbers, incoming registration

/// Records a sign-off (签发).
#[expect(clippy::too_many_arguments, reason = "one record of a sign-off")]
pub async fn record_signoff(
    tx: &mut Tx,
    id: i64,
    post_id: i64,
    name: &str,
    opinion: &str,
    version: i64,
    written_on: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(RECORD_SIGNOFF)
        .bind(id).bind(post_id).bind(name).bind(opinion).bind(version).bind(at)
        .bind(written_on).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

const RECORD_SIGNOFF: &str = "update documents set signed_off_post_id = $2, signed_off_name = $3,
     signed_off_opinion = $4, signed_off_version = $5, signed_off_at = $6,
     written_on = $7, status = 'signed', updated_at = $6 where id = $1";

/// Takes the next number of a counter (gapless; see the module's note).
pub async fn next_seq(tx: &mut Tx, code: &str, year: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into number_counters (issuer_code, year, last_seq) values ($1, $2, 1)
         on conflict (issuer_code, year) do update set last_seq = number_counters.last_seq + 1
         returning last_seq")
        .bind(code).bind(year).fetch_one(c).await)?)
}

/// A row of the number ledger.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerRow {
    /// 机关代字.
    pub issuer_code: String,
    /// Year.
    pub year: i64,
    /// Serial.
    pub seq: i64,
    /// `allocated`, `reserved` or `voided`.
    pub state: String,
    /// The document holding it.
    pub document_id: Option<i64>,
    /// The document's title.
    pub title: Option<String>,
    /// Why reserved or voided.
    pub reason: Option<String>,
    /// Who.
    pub post_id: i64,
    /// Epoch ms.
    pub at: i64,
}

/// Writes a ledger row.
#[expect(clippy::too_many_arguments, reason = "one ledger row")]
pub async fn insert_ledger(
    tx: &mut Tx,
    code: &str,
    year: i64,
    seq: i64,
    state: &str,
    document_id: Option<i64>,
    reason: Option<&str>,
    post_id: i64,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_numbers (issuer_code, year, seq, state, document_id, reason,
            post_id, at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(code).bind(year).bind(seq).bind(state).bind(document_id).bind(reason)
        .bind(post_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A reserved number of a code and year, oldest first, if any.
pub async fn first_reserved(tx: &mut Tx, code: &str, year: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select seq from document_numbers where issuer_code = $1 and year = $2
            and state = 'reserved' order by seq limit 1")
        .bind(code).bind(year).fetch_optional(c).await)?)
}

/// Changes a ledger row's state (reserved → allocated, anything → voided).
#[expect(clippy::too_many_arguments, reason = "one ledger row")]
pub async fn set_ledger_state(
    tx: &mut Tx,
    code: &str,
    year: i64,
    seq: i64,
    state: &str,
    document_id: Option<i64>,
    reason: Option<&str>,
    post_id: i64,
    at: i64,
) -> Result<()> {
    let n = with_tx!(tx, c => sqlx::query(
        "update document_numbers set state = $4, document_id = coalesce($5, document_id),
            reason = coalesce($6, reason), post_id = $7, at = $8
         where issuer_code = $1 and year = $2 and seq = $3")
        .bind(code).bind(year).bind(seq).bind(state).bind(document_id).bind(reason)
        .bind(post_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A ledger row, inside a transaction.
pub async fn ledger_row(tx: &mut Tx, code: &str, year: i64, seq: i64) -> Result<LedgerRow> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select n.issuer_code, n.year, n.seq, n.state, n.document_id, d.title, n.reason,
            n.post_id, n.at
         from document_numbers n left join documents d on d.id = n.document_id
         where n.issuer_code = $1 and n.year = $2 and n.seq = $3")
        .bind(code).bind(year).bind(seq).fetch_one(c).await)?)
}

/// The ledger of some codes in a year, by code and serial.
pub async fn ledger(db: &Db, codes: &[String], year: i64) -> Result<Vec<LedgerRow>> {
    let mut out = Vec::new();
    for code in codes {
        let rows: Vec<LedgerRow> = with_db!(db, c => sqlx::query_as(
            "select n.issuer_code, n.year, n.seq, n.state, n.document_id, d.title, n.reason,
                n.post_id, n.at
             from document_numbers n left join documents d on d.id = n.document_id
             where n.issuer_code = $1 and n.year = $2 order by n.seq")
            .bind(code).bind(year).fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Gives a document its number.
pub async fn set_number(
    tx: &mut Tx,
    id: i64,
    code: &str,
    year: i64,
    seq: i64,
    text: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set issuer_code = $2, number_year = $3, number_seq = $4,
            doc_number = $5, status = 'numbered', updated_at = $6 where id = $1")
        .bind(id).bind(code).bind(year).bind(seq).bind(text).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a document's number away (its number was voided).
pub async fn clear_number(tx: &mut Tx, id: i64, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set number_year = null, number_seq = null, doc_number = null,
            updated_at = $2 where id = $1")
        .bind(id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records an incoming document's registration (收文登记).
pub async fn register_incoming(
    tx: &mut Tx,
    id: i64,
    year: i64,
    seq: i64,
    text: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set received_year = $2, received_seq = $3, received_no = $4,
            status = 'registered', updated_at = $5 where id = $1")
        .bind(id).bind(year).bind(seq).bind(text).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records when an incoming document was signed for.
pub async fn mark_received(tx: &mut Tx, id: i64, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set received_at = $2, status = 'signed_for', updated_at = $2
         where id = $1")
        .bind(id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records an incoming document's lead post (主办).
pub async fn set_lead(tx: &mut Tx, id: i64, post_id: i64, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set lead_post_id = $2, status = 'handling', updated_at = $3
         where id = $1")
        .bind(id).bind(post_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records an incoming document's reply and closes it.
pub async fn set_reply(tx: &mut Tx, id: i64, reply: &str, status: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set reply = $2, status = $3, updated_at = $4 where id = $1")
        .bind(id).bind(reply).bind(status).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Links an incoming document to its exchange row and case.
pub async fn link_incoming(tx: &mut Tx, id: i64, exchange_id: i64, case_id: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update documents set exchange_id = $2, case_id = $3 where id = $1")
        .bind(id).bind(exchange_id).bind(case_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Files and attachments

/// Stores bytes under their hash (once).
pub async fn put_blob(tx: &mut Tx, hash: &str, content: &[u8], at: i64) -> Result<()> {
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    with_tx!(tx, c => sqlx::query(
        "insert into blobs (hash, size, content, created_at) values ($1, $2, $3, $4)
         on conflict (hash) do nothing")
        .bind(hash).bind(size).bind(content).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The bytes stored under a hash.
pub async fn get_blob(db: &Db, hash: &str) -> Result<Vec<u8>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select content from blobs where hash = $1")
        .bind(hash).fetch_one(c).await)?,
    )
}

/// An attachment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    /// Id.
    pub id: i64,
    /// Document.
    pub document_id: i64,
    /// `attachment` (附件) or `scan` (the scanned original of an incoming paper document).
    pub role: String,
    /// File name as uploaded.
    pub name: String,
    /// SM3 of the bytes.
    pub hash: String,
    /// Bytes.
    pub size: i64,
    /// Media type found from the content.
    pub mime: String,
    /// Order.
    pub sort_order: i64,
    /// Who.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Adds an attachment; returns its id.
#[expect(clippy::too_many_arguments, reason = "one attachment row")]
pub async fn add_attachment(
    tx: &mut Tx,
    document_id: i64,
    role: &str,
    name: &str,
    hash: &str,
    size: i64,
    mime: &str,
    post_id: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into document_attachments (document_id, role, name, hash, size, mime,
            sort_order, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6,
            (select coalesce(max(sort_order), 0) + 1 from document_attachments
             where document_id = $1), $7, $8)
         returning id")
        .bind(document_id).bind(role).bind(name).bind(hash).bind(size).bind(mime)
        .bind(post_id).bind(at).fetch_one(c).await)?)
}

/// A document's attachments in order.
pub async fn attachments(db: &Db, document_id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, document_id, role, name, hash, size, mime, sort_order, post_id, created_at
         from document_attachments where document_id = $1 order by sort_order, id")
        .bind(document_id).fetch_all(c).await)?)
}

/// Copies a document's attachments to another (an incoming copy shares the stored files).
pub async fn copy_attachments(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_attachments (document_id, role, name, hash, size, mime,
            sort_order, post_id, created_at)
         select $2, role, name, hash, size, mime, sort_order, post_id, created_at
         from document_attachments where document_id = $1")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Exchange

/// An exchange row: one recipient of a dispatched document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExchangeRow {
    /// Id.
    pub id: i64,
    /// The outgoing document.
    pub document_id: i64,
    /// The recipient unit.
    pub recipient_unit_id: i64,
    /// Its name.
    pub recipient_name: String,
    /// `main` or `copy`.
    pub role: String,
    /// 1 for the first dispatch, 2… for re-sends.
    pub round: i64,
    /// The incoming document at the recipient.
    pub incoming_document_id: Option<i64>,
    /// `delivered`, `signed`, `returned` or `handled`.
    pub state: String,
    /// Epoch ms.
    pub sent_at: i64,
    /// Epoch ms.
    pub signed_at: Option<i64>,
    /// Epoch ms.
    pub returned_at: Option<i64>,
    /// 退文 reasons.
    pub return_reason: Option<String>,
    /// Epoch ms.
    pub handled_at: Option<i64>,
    /// 答复.
    pub reply: Option<String>,
}

const EXCHANGE_COLUMNS: &str = "x.id, x.document_id, x.recipient_unit_id, u.name as recipient_name, \
    x.role, x.round, x.incoming_document_id, x.state, x.sent_at, x.signed_at, x.returned_at, \
    x.return_reason, x.handled_at, x.reply";

/// Records a delivery; returns the row's id.
pub async fn insert_exchange(
    tx: &mut Tx,
    document_id: i64,
    unit_id: i64,
    role: &str,
    round: i64,
    post_id: i64,
    at: i64,
) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into exchanges (document_id, recipient_unit_id, role, round, state, sent_at,
            sent_post_id) values ($1, $2, $3, $4, 'delivered', $5, $6) returning id")
        .bind(document_id).bind(unit_id).bind(role).bind(round).bind(at).bind(post_id)
        .fetch_one(c).await)?)
}

/// Links an exchange to the incoming document it created.
pub async fn set_exchange_incoming(tx: &mut Tx, id: i64, incoming: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update exchanges set incoming_document_id = $2 where id = $1")
        .bind(id).bind(incoming).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Moves an exchange on: `signed`, `returned` (with reasons) or `handled` (with the reply).
pub async fn set_exchange_state(
    tx: &mut Tx,
    id: i64,
    state: &str,
    text: Option<&str>,
    at: i64,
) -> Result<()> {
    let text = text.unwrap_or("");
    match state {
        "signed" => with_tx!(tx, c => sqlx::query(
            "update exchanges set state = 'signed', signed_at = $2 where id = $1")
            .bind(id).bind(at).execute(c).await.map(|r| r.rows_affected()))?,
        "returned" => with_tx!(tx, c => sqlx::query(
            "update exchanges set state = 'returned', returned_at = $2, return_reason = $3
             where id = $1")
            .bind(id).bind(at).bind(text).execute(c).await.map(|r| r.rows_affected()))?,
        _ => with_tx!(tx, c => sqlx::query(
            "update exchanges set state = 'handled', handled_at = $2, reply = $3 where id = $1")
            .bind(id).bind(at).bind(text).execute(c).await.map(|r| r.rows_affected()))?,
    };
    Ok(())
}

/// The recipients of a dispatched document, by round and unit.
pub async fn exchanges(db: &Db, document_id: i64) -> Result<Vec<ExchangeRow>> {
    let sql = format!(
        "select {EXCHANGE_COLUMNS} from exchanges x join units u on u.id = x.recipient_unit_id
         where x.document_id = $1 order by x.round, x.role desc, u.sort_order, x.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_all(c).await)?,
    )
}

/// The exchanges of a document, inside a transaction.
pub async fn exchanges_tx(tx: &mut Tx, document_id: i64) -> Result<Vec<ExchangeRow>> {
    let sql = format!(
        "select {EXCHANGE_COLUMNS} from exchanges x join units u on u.id = x.recipient_unit_id
         where x.document_id = $1 order by x.round, x.id"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_all(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// The unit tree, as documents need it

/// The section of a unit's subtree that handles documents (文电科 / 秘书股): the unit itself
/// when flagged, else the nearest flagged unit below it, else the unit.
pub async fn registry_of(tx: &mut Tx, unit_id: i64) -> Result<i64> {
    // Breadth-first over at most three levels: unit, its children, their children.
    let mut level = vec![unit_id];
    for _ in 0..3 {
        for u in &level {
            let flagged: Option<i16> = with_tx!(tx, c => sqlx::query_scalar(
                "select document_registry from units where id = $1")
                .bind(*u).fetch_optional(c).await)?;
            if flagged == Some(1) {
                return Ok(*u);
            }
        }
        let mut next = Vec::new();
        for u in &level {
            let kids: Vec<i64> = with_tx!(tx, c => sqlx::query_scalar(
                "select id from units where parent_id = $1 order by sort_order, id")
                .bind(*u).fetch_all(c).await)?;
            next.extend(kids);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    Ok(unit_id)
}

/// Marks a unit as the one handling documents for its office.
pub async fn set_registry(tx: &mut Tx, unit_id: i64, on: bool) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update units set document_registry = $2 where id = $1")
        .bind(unit_id).bind(i16::from(on)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The posts holding any of `positions` in a unit (active posts only), by position rank.
pub async fn posts_in(tx: &mut Tx, unit_id: i64, positions: &[&str]) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for p in positions {
        let ids: Vec<i64> = with_tx!(tx, c => sqlx::query_scalar(
            "select p.id from posts p join positions q on q.id = p.position_id
             where p.unit_id = $1 and q.code = $2 and p.active = 1 order by p.id")
            .bind(unit_id).bind(*p).fetch_all(c).await)?;
        out.extend(ids);
    }
    Ok(out)
}

/// A person's name by post.
pub async fn post_person_name(tx: &mut Tx, post_id: i64) -> Result<String> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select r.name from posts p join persons r on r.id = p.person_id where p.id = $1")
        .bind(post_id).fetch_one(c).await)?)
}

/// The children of a unit, in order.
pub async fn child_units(tx: &mut Tx, unit_id: i64) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 order by sort_order, id")
        .bind(unit_id).fetch_all(c).await)?)
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

/// Marks the sections of these names as handling their office's documents.
pub async fn flag_registries(tx: &mut Tx, names: &[&str]) -> Result<()> {
    for name in names {
        with_tx!(tx, c => sqlx::query(
            "update units set document_registry = 1 where kind = 'section' and name = $1")
            .bind(*name).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Every opinion written on a case's tasks, oldest first.
pub async fn case_opinions(tx: &mut Tx, case_id: i64) -> Result<Vec<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select opinion from tasks where case_id = $1 and opinion is not null and opinion <> ''
         order by id")
        .bind(case_id).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// 印制: the final PDF; seals; 归档

/// The final PDF of a document (rendered, checked and sealed at 印制).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FinalRow {
    /// Document.
    pub document_id: i64,
    /// SM3 of the PDF (its blob).
    pub hash: String,
    /// Bytes.
    pub size: i64,
    /// Pages.
    pub pages: i64,
    /// The seal placed on it, if any.
    pub seal_id: Option<i64>,
    /// Who printed it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Records (or replaces, after a 复审 and a second 印制) a document's final PDF.
pub async fn put_final(tx: &mut Tx, f: &FinalRow) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_finals (document_id, hash, size, pages, seal_id, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (document_id) do update set hash = excluded.hash, size = excluded.size,
            pages = excluded.pages, seal_id = excluded.seal_id, post_id = excluded.post_id,
            created_at = excluded.created_at")
        .bind(f.document_id).bind(&f.hash).bind(f.size).bind(f.pages).bind(f.seal_id)
        .bind(f.post_id).bind(f.created_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A document's final PDF, if it was printed.
pub async fn find_final(db: &Db, document_id: i64) -> Result<Option<FinalRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(document_id).fetch_optional(c).await)?)
}

/// A document's final PDF, inside a transaction.
pub async fn find_final_tx(tx: &mut Tx, document_id: i64) -> Result<Option<FinalRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select document_id, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(document_id).fetch_optional(c).await)?)
}

/// Gives an incoming copy the final PDF of its original.
pub async fn copy_final(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_finals (document_id, hash, size, pages, seal_id, post_id, created_at)
         select $2, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A version of a document's text by number.
pub async fn version(db: &Db, id: i64, no: i64) -> Result<VersionRow> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, no, title, body, author_post_id, author_person_id, note, created_at
         from document_versions where document_id = $1 and no = $2")
        .bind(id).bind(no).fetch_one(c).await)?)
}

/// A blob inside a transaction.
pub async fn get_blob_tx(tx: &mut Tx, hash: &str) -> Result<Vec<u8>> {
    Ok(
        with_tx!(tx, c => sqlx::query_scalar("select content from blobs where hash = $1")
        .bind(hash).fetch_one(c).await)?,
    )
}

/// A stored seal image (encrypted).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealRow {
    /// Id.
    pub id: i64,
    /// The issuing unit.
    pub unit_id: i64,
    /// SM4-CBC ciphertext of the PNG.
    pub ciphertext: Vec<u8>,
    /// The IV, hex.
    pub iv: String,
    /// Which key encrypted it (the first bytes of the key's SM3, hex).
    pub key_check: String,
    /// SM3 of the PNG.
    pub plain_sm3: String,
    /// Bytes of the PNG.
    pub plain_size: i64,
    /// Pixels.
    pub width: i64,
    /// Pixels.
    pub height: i64,
    /// Who uploaded it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

const SEAL_COLUMNS: &str = "id, unit_id, ciphertext, iv, key_check, plain_sm3, plain_size, width, \
    height, post_id, created_at";

/// Stores a new seal image of a unit (the newest is the unit's seal); returns its id.
pub async fn insert_seal(tx: &mut Tx, s: &SealRow) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into seals (unit_id, ciphertext, iv, key_check, plain_sm3, plain_size, width,
            height, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id")
        .bind(s.unit_id).bind(&s.ciphertext).bind(&s.iv).bind(&s.key_check).bind(&s.plain_sm3)
        .bind(s.plain_size).bind(s.width).bind(s.height).bind(s.post_id).bind(s.created_at)
        .fetch_one(c).await)?)
}

/// The current seal of a unit, inside a transaction.
pub async fn current_seal_tx(tx: &mut Tx, unit_id: i64) -> Result<Option<SealRow>> {
    let sql =
        format!("select {SEAL_COLUMNS} from seals where unit_id = $1 order by id desc limit 1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).fetch_optional(c).await)?,
    )
}

/// The current seal of a unit.
pub async fn current_seal(db: &Db, unit_id: i64) -> Result<Option<SealRow>> {
    let sql =
        format!("select {SEAL_COLUMNS} from seals where unit_id = $1 order by id desc limit 1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).fetch_optional(c).await)?,
    )
}

/// Units that may issue documents (they have a 机关代字), with their current seal's id, size,
/// uploader's post and time, and how many images were stored over time.
pub async fn seal_overview(
    db: &Db,
) -> Result<
    Vec<(
        i64,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
    )>,
> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select u.id, u.name, coalesce(u.issuer_code, ''), s.id, s.plain_size, s.created_at,
            (select count(*) from seals a where a.unit_id = u.id)
         from units u
         left join seals s on s.id = (select max(id) from seals b where b.unit_id = u.id)
         where u.issuer_code is not null and u.issuer_code <> ''
         order by u.sort_order, u.id")
        .fetch_all(c).await)?)
}

/// The 全宗号 set for a unit, if any.
pub async fn fonds_of(tx: &mut Tx, unit_id: i64) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select fonds_code from archive_fonds where unit_id = $1")
        .bind(unit_id).fetch_optional(c).await)?)
}

/// Sets a unit's 全宗号.
pub async fn set_fonds(tx: &mut Tx, unit_id: i64, code: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into archive_fonds (unit_id, fonds_code, updated_at) values ($1, $2, $3)
         on conflict (unit_id) do update set fonds_code = excluded.fonds_code,
            updated_at = excluded.updated_at")
        .bind(unit_id).bind(code).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes the next 件号 of a 全宗, year and 保管期限 (gapless like the number counters).
pub async fn next_item_no(tx: &mut Tx, fonds: &str, year: i64, retention: &str) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into archive_counters (fonds_code, year, retention, last_seq)
         values ($1, $2, $3, 1)
         on conflict (fonds_code, year, retention)
         do update set last_seq = archive_counters.last_seq + 1
         returning last_seq")
        .bind(fonds).bind(year).bind(retention).fetch_one(c).await)?)
}

/// An archive item (件).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArchiveRow {
    /// Id.
    pub id: i64,
    /// The document.
    pub document_id: i64,
    /// The unit (全宗).
    pub unit_id: i64,
    /// 全宗号.
    pub fonds_code: String,
    /// 年度.
    pub year: i64,
    /// 保管期限 code: Y, D30, D10.
    pub retention: String,
    /// 件号.
    pub item_no: i64,
    /// 档号.
    pub archive_no: String,
    /// 题名.
    pub title: String,
    /// 责任者.
    pub author: String,
    /// 文号.
    pub doc_number: Option<String>,
    /// 日期 (YYYY-MM-DD).
    pub written_on: Option<String>,
    /// 密级 code.
    pub classification: String,
    /// 页数.
    pub pages: i64,
    /// The metadata block as JSON.
    pub metadata: String,
    /// Who filed it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

const ARCHIVE_COLUMNS: &str = "id, document_id, unit_id, fonds_code, year, retention, item_no, \
    archive_no, title, author, doc_number, written_on, classification, pages, metadata, post_id, \
    created_at";

/// Files an archive item; returns its id.
pub async fn insert_archive_item(tx: &mut Tx, a: &ArchiveRow) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into archive_items (document_id, unit_id, fonds_code, year, retention, item_no,
            archive_no, title, author, doc_number, written_on, classification, pages, metadata,
            post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id")
        .bind(a.document_id).bind(a.unit_id).bind(&a.fonds_code).bind(a.year).bind(&a.retention)
        .bind(a.item_no).bind(&a.archive_no).bind(&a.title).bind(&a.author).bind(&a.doc_number)
        .bind(&a.written_on).bind(&a.classification).bind(a.pages).bind(&a.metadata)
        .bind(a.post_id).bind(a.created_at).fetch_one(c).await)?)
}

/// The archive item of a document, if filed.
pub async fn archive_item_of(db: &Db, document_id: i64) -> Result<Option<ArchiveRow>> {
    let sql = format!("select {ARCHIVE_COLUMNS} from archive_items where document_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_optional(c).await)?,
    )
}

/// The archive item of a document, inside a transaction.
pub async fn archive_item_of_tx(tx: &mut Tx, document_id: i64) -> Result<Option<ArchiveRow>> {
    let sql = format!("select {ARCHIVE_COLUMNS} from archive_items where document_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_optional(c).await)?,
    )
}

/// A unit's archive items of a year, by 保管期限 and 件号.
pub async fn archive_items_of_year(db: &Db, unit_id: i64, year: i64) -> Result<Vec<ArchiveRow>> {
    let sql = format!(
        "select {ARCHIVE_COLUMNS} from archive_items where unit_id = $1 and year = $2
         order by retention, item_no"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).bind(year).fetch_all(c).await)?,
    )
}
