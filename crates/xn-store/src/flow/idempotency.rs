//! Idempotency keys on the direct path: claimed before an action, given its answer after, in
//! the action's transaction.
//!
//! The batch finds and inserts keys with its own statements (`batch.rs`, `on_writer.rs`), once
//! its answers are known.

use crate::{Result, Tx};

/// Claims an idempotency key for a request; returns the stored (hash, response) when the key
/// was used before (the caller then answers with it, or refuses a different request).
pub async fn claim_idempotency_key(
    tx: &mut Tx,
    person: i64,
    key: &str,
    hash: &str,
    now_ms: i64,
) -> Result<Option<(String, String)>> {
    let sql = "insert into idempotency_keys (person_id, key, request_hash, response, created_at)
               values ($1, $2, $3, '', $4) on conflict (person_id, key) do nothing";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(person).bind(key).bind(hash).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 1 {
        return Ok(None);
    }
    let row: (String, String) = with_tx!(tx, c => sqlx::query_as(
        "select request_hash, response from idempotency_keys where person_id = $1 and key = $2")
        .bind(person).bind(key).fetch_one(c).await)?;
    Ok(Some(row))
}

/// Stores the response of a claimed key (same transaction as the action).
pub async fn store_idempotent_response(
    tx: &mut Tx,
    person: i64,
    key: &str,
    response: &str,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update idempotency_keys set response = $1 where person_id = $2 and key = $3")
        .bind(response).bind(person).bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
