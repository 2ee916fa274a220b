//! SQL of the second factor: each person's factor (its secret encrypted by the service, never
//! here in the clear), the last time step accepted, and the hashed one-time recovery codes.

use crate::{Db, Result, Tx};

/// A person's second factor as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactorRow {
    /// Whose factor.
    pub person_id: i64,
    /// The kind (`totp`).
    pub kind: String,
    /// The IV of the encrypted secret, hex.
    pub secret_iv: String,
    /// The encrypted secret, hex.
    pub secret_cipher: String,
    /// Four bytes of the key's SM3, hex: a secret stored under another key says so.
    pub key_check: String,
    /// The last time step accepted (a code of that step or an earlier one is refused).
    pub last_step: i64,
    /// When enrolment was confirmed with a code; `None` while enrolling.
    pub confirmed_at: Option<i64>,
    /// When enrolment began (epoch ms).
    pub created_at: i64,
}

/// A factor to store (a new enrolment replaces one not yet confirmed).
#[derive(Debug, Clone)]
pub struct NewFactor<'a> {
    /// Whose factor.
    pub person_id: i64,
    /// The kind.
    pub kind: &'a str,
    /// IV, hex.
    pub secret_iv: &'a str,
    /// Ciphertext, hex.
    pub secret_cipher: &'a str,
    /// Key check, hex.
    pub key_check: &'a str,
    /// Confirmed at once (the demo's accounts), epoch ms.
    pub confirmed_at: Option<i64>,
}

const COLUMNS: &str =
    "person_id, kind, secret_iv, secret_cipher, key_check, last_step, confirmed_at, created_at";

/// A person's factor, confirmed or not.
pub async fn find_factor(db: &Db, person_id: i64) -> Result<Option<FactorRow>> {
    let sql = format!("select {COLUMNS} from second_factors where person_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_optional(c).await)?,
    )
}

/// Whether a person has a confirmed factor.
pub async fn has_confirmed_factor(db: &Db, person_id: i64) -> Result<bool> {
    let sql =
        "select count(*) from second_factors where person_id = $1 and confirmed_at is not null";
    let n: i64 = with_db!(db, c => sqlx::query_scalar(sql).bind(person_id).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Stores a new enrolment, replacing one not yet confirmed; answers false (nothing written)
/// when the person already has a confirmed factor.
pub async fn begin_factor(tx: &mut Tx, f: &NewFactor<'_>, now_ms: i64) -> Result<bool> {
    let sql = "insert into second_factors
                   (person_id, kind, secret_iv, secret_cipher, key_check, last_step, confirmed_at, created_at)
               values ($1, $2, $3, $4, $5, 0, $6, $7)
               on conflict (person_id) do update set
                   kind = excluded.kind, secret_iv = excluded.secret_iv,
                   secret_cipher = excluded.secret_cipher, key_check = excluded.key_check,
                   last_step = 0, confirmed_at = excluded.confirmed_at,
                   created_at = excluded.created_at
               where second_factors.confirmed_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(f.person_id).bind(f.kind).bind(f.secret_iv).bind(f.secret_cipher)
        .bind(f.key_check).bind(f.confirmed_at).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Accepts time step `step` of a person's factor: answers false when that step or a later one
/// was accepted already (a replayed code). One statement, so two servers cannot both accept it.
pub async fn accept_step(tx: &mut Tx, person_id: i64, step: i64) -> Result<bool> {
    let sql = "update second_factors set last_step = $2 where person_id = $1 and last_step < $2";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(step).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Confirms an enrolment; answers whether it was waiting.
pub async fn confirm_factor(tx: &mut Tx, person_id: i64, now_ms: i64) -> Result<bool> {
    let sql = "update second_factors set confirmed_at = $2
               where person_id = $1 and confirmed_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Removes a person's factor and recovery codes; answers whether there was a factor.
pub async fn delete_factor(tx: &mut Tx, person_id: i64) -> Result<bool> {
    let codes = "delete from recovery_codes where person_id = $1";
    with_tx!(tx, c => sqlx::query(codes).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    let sql = "delete from second_factors where person_id = $1";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Replaces a person's recovery codes with new ones (their hashes).
pub async fn replace_recovery_codes(tx: &mut Tx, person_id: i64, hashes: &[String]) -> Result<()> {
    let clear = "delete from recovery_codes where person_id = $1";
    with_tx!(tx, c => sqlx::query(clear).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    let sql = "insert into recovery_codes (person_id, code_hash) values ($1, $2)";
    for h in hashes {
        with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(h.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Uses a recovery code; answers false when it is not one of the person's unused codes.
pub async fn use_recovery_code(
    tx: &mut Tx,
    person_id: i64,
    code_hash: &str,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update recovery_codes set used_at = $3
               where person_id = $1 and code_hash = $2 and used_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(code_hash).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// How many unused recovery codes a person has left.
pub async fn recovery_codes_left(db: &Db, person_id: i64) -> Result<i64> {
    let sql = "select count(*) from recovery_codes where person_id = $1 and used_at is null";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(person_id).fetch_one(c).await)?)
}
