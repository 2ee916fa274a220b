//! Finding what an earlier build kept in plain in the columns that now hold sealed text (`sm4:`
//! and Base64, see [`crate::Sealed`]), and putting the sealed form in its place. The service
//! seals; this only reads the plain rows and writes what it is given.

use crate::{Result, Sealed, Tx};

/// A text column kept sealed whose place is its row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    /// A document's 签发意见.
    SignedOffOpinion,
    /// An incoming document's 答复.
    DocumentReply,
    /// An exchange's 答复, as the sender reads it.
    ExchangeReply,
    /// An exchange's 退文 reasons.
    ExchangeReturnReason,
}

impl SealedColumn {
    /// Every such column.
    pub const ALL: [SealedColumn; 4] = [
        SealedColumn::SignedOffOpinion,
        SealedColumn::DocumentReply,
        SealedColumn::ExchangeReply,
        SealedColumn::ExchangeReturnReason,
    ];

    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            SealedColumn::SignedOffOpinion => ("documents", "signed_off_opinion"),
            SealedColumn::DocumentReply => ("documents", "reply"),
            SealedColumn::ExchangeReply => ("exchanges", "reply"),
            SealedColumn::ExchangeReturnReason => ("exchanges", "return_reason"),
        }
    }
}

/// Up to `limit` rows after the id `after` whose `column` holds plain text: (id, text).
pub async fn plain_values(
    tx: &mut Tx,
    column: SealedColumn,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let (table, col) = column.table_and_column();
    let sql = format!(
        "select id, {col} from {table} where id > $1 and {col} <> '' and {col} not like 'sm4:%'
         order by id limit $2"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(after).bind(limit).fetch_all(c).await)?,
    )
}

/// Puts the sealed form of a row's `column` in its place.
pub async fn set_sealed(tx: &mut Tx, column: SealedColumn, id: i64, value: &Sealed) -> Result<()> {
    let (table, col) = column.table_and_column();
    let sql = format!("update {table} set {col} = $2 where id = $1");
    with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).bind(value).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
