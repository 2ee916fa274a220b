//! Sign-off, the number ledger (文号台账) and the 收文号 register.

use crate::{Db, Result, StoreError, Tx};

/// Records a sign-off (签发).
#[expect(clippy::too_many_arguments, reason = "one record of a sign-off")]
pub async fn record_signoff(
    tx: &mut Tx,
    id: i64,
    post_id: i64,
    name: &str,
    opinion: &crate::Sealed,
    version: i64,
    written_on: &str,
    at: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(RECORD_SIGNOFF)
        .bind(id).bind(post_id).bind(name).bind(opinion).bind(version).bind(at)
        .bind(written_on).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub(super) const RECORD_SIGNOFF: &str =
    "update documents set signed_off_post_id = $2, signed_off_name = $3,
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
    /// The document's 密级 code (`public` for a number no document holds).
    pub classification: String,
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
            n.post_id, n.at, coalesce(d.classification, 'public') as classification
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
                n.post_id, n.at, coalesce(d.classification, 'public') as classification
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
pub async fn set_reply(
    tx: &mut Tx,
    id: i64,
    reply: &crate::Sealed,
    status: &str,
    at: i64,
) -> Result<()> {
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
