//! Proxies (委托): a post acting for another between two instants.
//!
//! Holds the rows and who may act for whom at an instant; what a proxy may do on a task is the
//! engine's.

use crate::{Db, Result, Tx};

/// A proxy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProxyRow {
    /// Id.
    pub id: i64,
    /// The post acted for.
    pub principal_post_id: i64,
    /// The post acting.
    pub proxy_post_id: i64,
    /// From (epoch ms).
    pub starts_at: i64,
    /// Until (epoch ms).
    pub ends_at: i64,
    /// Why.
    pub reason: String,
    /// Revoked at.
    pub revoked_at: Option<i64>,
}

const PROXY_COLUMNS: &str =
    "id, principal_post_id, proxy_post_id, starts_at, ends_at, reason, revoked_at";

/// Records a proxy.
#[expect(clippy::too_many_arguments, reason = "one column each")]
pub async fn insert_proxy(
    tx: &mut Tx,
    principal: i64,
    proxy: i64,
    starts_at: i64,
    ends_at: i64,
    reason: &str,
    by: i64,
    now_ms: i64,
) -> Result<i64> {
    let sql = "insert into proxies (principal_post_id, proxy_post_id, starts_at, ends_at, reason, created_by, created_at)
               values ($1, $2, $3, $4, $5, $6, $7) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(principal).bind(proxy).bind(starts_at)
        .bind(ends_at).bind(reason).bind(by).bind(now_ms).fetch_one(c).await)?,
    )
}

/// The posts a post may act for at `now`.
pub async fn principals_of(db: &Db, proxy_post: i64, now_ms: i64) -> Result<Vec<i64>> {
    let sql = "select distinct principal_post_id from proxies where proxy_post_id = $1
               and revoked_at is null and starts_at <= $2 and ends_at > $2";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(proxy_post).bind(now_ms).fetch_all(c).await)?)
}

/// The same, inside a transaction.
pub async fn principals_of_tx(tx: &mut Tx, proxy_post: i64, now_ms: i64) -> Result<Vec<i64>> {
    let sql = "select distinct principal_post_id from proxies where proxy_post_id = $1
               and revoked_at is null and starts_at <= $2 and ends_at > $2";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(proxy_post).bind(now_ms).fetch_all(c).await)?)
}

/// Proxies given by or to a post, newest first.
pub async fn proxies_of_post(db: &Db, post: i64) -> Result<Vec<ProxyRow>> {
    let sql = format!(
        "select {PROXY_COLUMNS} from proxies where principal_post_id = $1 or proxy_post_id = $1 order by id desc"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(post).fetch_all(c).await)?,
    )
}

/// Revokes a proxy given by `principal`.
pub async fn revoke_proxy(tx: &mut Tx, id: i64, principal: i64, now_ms: i64) -> Result<bool> {
    let n = with_tx!(tx, c => sqlx::query("update proxies set revoked_at = $1 where id = $2 and principal_post_id = $3 and revoked_at is null")
        .bind(now_ms).bind(id).bind(principal).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
