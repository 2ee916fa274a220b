//! What the 办理 page reads ahead of an action: the serial the next 登记 of a 机关代字 takes.
//! Reads only; the allocation itself is the `Number` write of `crate::area_writes`.

use crate::{Db, Result};

/// The serial the next allocation of a code and year takes: the oldest reserved number, else
/// one past the counter. A forecast for the 登记 step's page (another 登记 may come first);
/// the allocation decides.
pub async fn next_seq_preview(db: &Db, code: &str, year: i64) -> Result<i64> {
    let reserved: Option<i64> = with_db!(db, c => sqlx::query_scalar(
        "select seq from document_numbers where issuer_code = $1 and year = $2
            and state = 'reserved' order by seq limit 1")
        .bind(code).bind(year).fetch_optional(c).await)?;
    if let Some(seq) = reserved {
        return Ok(seq);
    }
    let last: Option<i64> = with_db!(db, c => sqlx::query_scalar(
        "select last_seq from number_counters where issuer_code = $1 and year = $2")
        .bind(code).bind(year).fetch_optional(c).await)?;
    Ok(last.unwrap_or(0) + 1)
}
