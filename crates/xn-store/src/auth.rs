//! SQL of sign-in: server-side sessions and API tokens. Only hashes of secrets are stored.

use crate::{Db, Result, Tx};

/// A session as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// SM3 hash of the cookie value.
    pub token_hash: String,
    /// Who signed in.
    pub person_id: i64,
    /// The post acted in; `None` until one is chosen.
    pub post_id: Option<i64>,
    /// The synchronizer token every form of this session carries.
    pub csrf_token: String,
    /// When it began (epoch ms).
    pub created_at: i64,
    /// The last request (epoch ms).
    pub last_seen_at: i64,
    /// When it ended, if it did.
    pub ended_at: Option<i64>,
    /// 1 while the second factor is still to be given: the session then acts for no one.
    pub factor_pending: i16,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
}

/// A session to insert.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SM3 hash of the cookie value.
    pub token_hash: &'a str,
    /// Who signed in.
    pub person_id: i64,
    /// The post, when the person holds exactly one.
    pub post_id: Option<i64>,
    /// The CSRF token.
    pub csrf_token: &'a str,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// Whether the second factor is still to be given.
    pub factor_pending: bool,
}

/// Inserts a session.
pub async fn insert_session(tx: &mut Tx, s: &NewSession<'_>, now_ms: i64) -> Result<()> {
    let sql = "insert into sessions (token_hash, person_id, post_id, csrf_token, created_at, last_seen_at, ip, user_agent, factor_pending)
               values ($1, $2, $3, $4, $5, $5, $6, $7, $8)";
    with_tx!(tx, c => sqlx::query(sql)
        .bind(s.token_hash).bind(s.person_id).bind(s.post_id).bind(s.csrf_token)
        .bind(now_ms).bind(s.ip).bind(s.user_agent).bind(i16::from(s.factor_pending))
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

const SESSION_COLUMNS: &str = "token_hash, person_id, post_id, csrf_token, created_at, last_seen_at, ended_at, factor_pending, ip, user_agent";

/// A live (not ended) session by its token hash.
pub async fn find_session(db: &Db, token_hash: &str) -> Result<Option<SessionRow>> {
    let sql = format!(
        "select {SESSION_COLUMNS} from sessions where token_hash = $1 and ended_at is null"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).fetch_optional(c).await)?,
    )
}

/// The live sessions of a person (the second factor given), oldest first.
pub async fn live_sessions_of_person(tx: &mut Tx, person_id: i64) -> Result<Vec<SessionRow>> {
    let sql = format!(
        "select {SESSION_COLUMNS} from sessions
         where person_id = $1 and ended_at is null and factor_pending = 0
         order by created_at, token_hash"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_all(c).await)?,
    )
}

/// Marks a session's second factor as given; answers whether it was waiting for it.
pub async fn complete_factor(tx: &mut Tx, token_hash: &str, now_ms: i64) -> Result<bool> {
    let sql = "update sessions set factor_pending = 0, created_at = $2, last_seen_at = $2
               where token_hash = $1 and ended_at is null and factor_pending = 1";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(token_hash).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Records activity. Written at most once a minute per session by the caller, so that reads
/// do not turn into writes on every request.
pub async fn touch_session(db: &Db, token_hash: &str, now_ms: i64) -> Result<()> {
    let sql = "update sessions set last_seen_at = $1 where token_hash = $2 and ended_at is null";
    with_db!(db, c => sqlx::query(sql).bind(now_ms).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends a session; answers whether it was live.
pub async fn end_session(tx: &mut Tx, token_hash: &str, now_ms: i64) -> Result<bool> {
    let sql = "update sessions set ended_at = $1 where token_hash = $2 and ended_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Ends every live session of a person (after a lock or a password reset).
pub async fn end_sessions_of_person(tx: &mut Tx, person_id: i64, now_ms: i64) -> Result<u64> {
    let sql = "update sessions set ended_at = $1 where person_id = $2 and ended_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

/// Sets the post a session acts in.
pub async fn set_session_post(tx: &mut Tx, token_hash: &str, post_id: i64) -> Result<()> {
    let sql = "update sessions set post_id = $1 where token_hash = $2 and ended_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(post_id).bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// An API token as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub person_id: i64,
    /// The post the token acts as.
    pub post_id: i64,
    /// A name the owner gave it.
    pub name: String,
    /// The first characters of the secret, to recognise it in a list.
    pub prefix: String,
    /// Permission codes, comma-separated.
    pub scopes: String,
    /// Created (epoch ms).
    pub created_at: i64,
    /// Last used (epoch ms).
    pub last_used_at: Option<i64>,
    /// Revoked (epoch ms).
    pub revoked_at: Option<i64>,
    /// Expires (epoch ms).
    pub expires_at: i64,
}

/// A token to insert.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// Owner.
    pub person_id: i64,
    /// Acting post.
    pub post_id: i64,
    /// Name.
    pub name: &'a str,
    /// SM3 hash of the secret.
    pub token_hash: &'a str,
    /// Visible prefix.
    pub prefix: &'a str,
    /// Permission codes, comma-separated.
    pub scopes: &'a str,
    /// When it expires (epoch ms).
    pub expires_at: i64,
}

const TOKEN_COLUMNS: &str = "id, person_id, post_id, name, prefix, scopes, created_at, last_used_at, revoked_at, expires_at";

/// Inserts a token and returns its id.
pub async fn insert_token(tx: &mut Tx, t: &NewToken<'_>, now_ms: i64) -> Result<i64> {
    let sql =
        "insert into api_tokens (person_id, post_id, name, token_hash, prefix, scopes, created_at, expires_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(t.person_id).bind(t.post_id).bind(t.name).bind(t.token_hash)
        .bind(t.prefix).bind(t.scopes).bind(now_ms).bind(t.expires_at).fetch_one(c).await)?)
}

/// A live token (neither revoked nor expired at `now_ms`) by the hash of its secret.
pub async fn find_token(db: &Db, token_hash: &str, now_ms: i64) -> Result<Option<TokenRow>> {
    let sql = format!(
        "select {TOKEN_COLUMNS} from api_tokens
         where token_hash = $1 and revoked_at is null and expires_at > $2"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).bind(now_ms).fetch_optional(c).await)?,
    )
}

/// Records use of a token.
pub async fn touch_token(db: &Db, id: i64, now_ms: i64) -> Result<()> {
    let sql = "update api_tokens set last_used_at = $1 where id = $2";
    with_db!(db, c => sqlx::query(sql).bind(now_ms).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tokens a person created, newest first.
pub async fn list_tokens_of_person(db: &Db, person_id: i64) -> Result<Vec<TokenRow>> {
    let sql =
        format!("select {TOKEN_COLUMNS} from api_tokens where person_id = $1 order by id desc");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_all(c).await)?,
    )
}

/// Revokes a token of a person; answers whether one was live.
pub async fn revoke_token(tx: &mut Tx, id: i64, person_id: i64, now_ms: i64) -> Result<bool> {
    let sql = "update api_tokens set revoked_at = $1 where id = $2 and person_id = $3 and revoked_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(now_ms).bind(id).bind(person_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Ends every live session of a person but one (after a password change: the other devices
/// must sign in again with the new password).
pub async fn end_other_sessions(
    tx: &mut Tx,
    person_id: i64,
    keep_hash: &str,
    now_ms: i64,
) -> Result<u64> {
    let sql = "update sessions set ended_at = $1
               where person_id = $2 and token_hash <> $3 and ended_at is null";
    Ok(
        with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(person_id).bind(keep_hash)
        .execute(c).await.map(|r| r.rows_affected()))?,
    )
}

/// Revokes every live token of a person (after a password reset: a token made by whoever knew
/// the old password must not survive it).
pub async fn revoke_tokens_of_person(tx: &mut Tx, person_id: i64, now_ms: i64) -> Result<u64> {
    let sql = "update api_tokens set revoked_at = $1 where person_id = $2 and revoked_at is null";
    Ok(
        with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(person_id)
        .execute(c).await.map(|r| r.rows_affected()))?,
    )
}

// ---------------------------------------------------------------------------------------------
// The sign-in throttle

/// The latest instant (epoch ms) before which any of `keys` must not try again; 0 when none.
pub async fn throttled_until(db: &Db, login_key: &str, address_key: &str) -> Result<i64> {
    let sql = "select coalesce(max(blocked_until), 0) from sign_in_throttle where key in ($1, $2)";
    Ok(
        with_db!(db, c => sqlx::query_scalar(sql).bind(login_key).bind(address_key).fetch_one(c).await)?,
    )
}

/// Counts one more failure of `key` and returns the count within the window: a key whose last
/// failure is older than `window_start` starts over. One statement, atomic on both engines.
pub async fn count_throttle_failure(
    tx: &mut Tx,
    key: &str,
    now_ms: i64,
    window_start: i64,
) -> Result<i64> {
    let sql = "insert into sign_in_throttle (key, failures, last_failure_at, blocked_until)
               values ($1, 1, $2, 0)
               on conflict (key) do update set
                   failures = case when sign_in_throttle.last_failure_at < $3 then 1
                                   else sign_in_throttle.failures + 1 end,
                   last_failure_at = $2
               returning failures";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(key).bind(now_ms).bind(window_start).fetch_one(c).await)?,
    )
}

/// Makes `key` wait until `until` (epoch ms), never shortening a wait already set.
pub async fn block_throttle_key(tx: &mut Tx, key: &str, until: i64) -> Result<()> {
    let sql =
        "update sign_in_throttle set blocked_until = $2 where key = $1 and blocked_until < $2";
    with_tx!(tx, c => sqlx::query(sql).bind(key).bind(until).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets a key's failures (a login after a successful sign-in).
pub async fn clear_throttle_key(tx: &mut Tx, key: &str) -> Result<()> {
    let sql = "delete from sign_in_throttle where key = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Password resets

/// A password reset as stored. Only the hashes of its secret and its check code are kept.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResetRow {
    /// Id.
    pub id: i64,
    /// Whose password.
    pub person_id: i64,
    /// SM3 of the check code the owner reads out (`None` for a console reset).
    pub check_hash: Option<String>,
    /// `request` (from the sign-in page) or `console`.
    pub via: String,
    /// Requested (epoch ms).
    pub requested_at: i64,
    /// Approved (epoch ms); a console reset is approved when made.
    pub approved_at: Option<i64>,
    /// Until when the link may be used (epoch ms).
    pub expires_at: i64,
    /// When it was used or replaced (epoch ms).
    pub used_at: Option<i64>,
}

/// A reset to insert.
#[derive(Debug, Clone)]
pub struct NewReset<'a> {
    /// Whose password.
    pub person_id: i64,
    /// SM3 of the link's secret.
    pub token_hash: &'a str,
    /// SM3 of the check code, for a request.
    pub check_hash: Option<&'a str>,
    /// `request` or `console`.
    pub via: &'a str,
    /// Approved at once (console), epoch ms.
    pub approved_at: Option<i64>,
    /// Until when it may be used, epoch ms.
    pub expires_at: i64,
}

const RESET_COLUMNS: &str =
    "id, person_id, check_hash, via, requested_at, approved_at, expires_at, used_at";

/// Inserts a reset, closing the person's earlier ones that were not used (one link at a time).
pub async fn insert_reset(tx: &mut Tx, r: &NewReset<'_>, now_ms: i64) -> Result<i64> {
    let close = "update password_resets set used_at = $2 where person_id = $1 and used_at is null";
    with_tx!(tx, c => sqlx::query(close).bind(r.person_id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    let sql = "insert into password_resets
                   (person_id, token_hash, check_hash, via, requested_at, approved_at, expires_at)
               values ($1, $2, $3, $4, $5, $6, $7) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(r.person_id).bind(r.token_hash).bind(r.check_hash).bind(r.via).bind(now_ms)
        .bind(r.approved_at).bind(r.expires_at).fetch_one(c).await)?)
}

/// The person's request waiting for approval at `now_ms`, if any.
pub async fn pending_reset(db: &Db, person_id: i64, now_ms: i64) -> Result<Option<ResetRow>> {
    let sql = format!(
        "select {RESET_COLUMNS} from password_resets
         where person_id = $1 and via = 'request' and approved_at is null and used_at is null
           and expires_at > $2
         order by id desc limit 1"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).bind(now_ms).fetch_optional(c).await)?,
    )
}

/// Approves a waiting request; the link is then usable until `expires_at`. Answers whether a
/// request was still waiting.
pub async fn approve_reset(
    tx: &mut Tx,
    id: i64,
    by: i64,
    now_ms: i64,
    expires_at: i64,
) -> Result<bool> {
    let sql = "update password_resets set approved_at = $2, approved_by = $3, expires_at = $4
               where id = $1 and approved_at is null and used_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(now_ms).bind(by).bind(expires_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// A reset by the hash of its link's secret.
pub async fn find_reset(tx: &mut Tx, token_hash: &str) -> Result<Option<ResetRow>> {
    let sql = format!("select {RESET_COLUMNS} from password_resets where token_hash = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).fetch_optional(c).await)?,
    )
}

/// Marks a reset used; answers false when it was used (or replaced) meanwhile, so a link works
/// once even when two requests race.
pub async fn use_reset(tx: &mut Tx, id: i64, now_ms: i64) -> Result<bool> {
    let sql = "update password_resets set used_at = $2 where id = $1 and used_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}
