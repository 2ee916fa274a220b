//! The exchange of documents between units: delivery, receipt, 退文, reply.

use crate::{Db, Result, Tx};

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
    /// 退文 reasons, sealed.
    pub return_reason: Option<crate::Sealed>,
    /// Epoch ms.
    pub handled_at: Option<i64>,
    /// 答复, sealed.
    pub reply: Option<crate::Sealed>,
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
    text: Option<&crate::Sealed>,
    at: i64,
) -> Result<()> {
    let text = text.map_or("", |t| t.0.as_str());
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
