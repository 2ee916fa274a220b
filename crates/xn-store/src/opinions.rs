//! SQL of 常用意见 (migration 0024): a person's own list of opinions, in the order they keep it.
//! What the list may hold (length, count, the default set) is the service's rule, not here.

use crate::{Db, Result, Tx};

/// A person's 常用意见 in their order; empty when they never saved a list.
pub async fn common_opinions(db: &Db, person_id: i64) -> Result<Vec<String>> {
    let sql = "select text from common_opinions where person_id = $1 order by seq";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(person_id).fetch_all(c).await)?)
}

/// Replaces a person's 常用意见 with `texts`, in that order.
pub async fn replace_common_opinions(tx: &mut Tx, person_id: i64, texts: &[String]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from common_opinions where person_id = $1")
        .bind(person_id).execute(c).await.map(|_| ()))?;
    for (seq, text) in (1_i64..).zip(texts) {
        let sql = "insert into common_opinions (person_id, seq, text) values ($1, $2, $3)";
        with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(seq).bind(text.as_str())
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}
