//! SQL of notifications: messages to a post (a moved deadline, later an urge or a new task),
//! shown on its workbench until read.

use crate::{Db, Result, Tx};

/// A notification as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    /// Id.
    pub id: i64,
    /// The post told.
    pub post_id: i64,
    /// A dotted kind such as `deadline.moved`.
    pub kind: String,
    /// What it concerns, e.g. `case:12`.
    pub subject: Option<String>,
    /// The message, in Chinese.
    pub message: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms of reading; `None` while unread.
    pub read_at: Option<i64>,
}

/// A notification to store.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// The post told.
    pub post_id: i64,
    /// Kind.
    pub kind: &'a str,
    /// Subject.
    pub subject: Option<&'a str>,
    /// Message.
    pub message: &'a str,
}

/// Stores a notification and returns its id.
pub async fn insert_notification(tx: &mut Tx, n: &NewNotification<'_>, now_ms: i64) -> Result<i64> {
    let sql = "insert into notifications (post_id, kind, subject, message, created_at)
               values ($1, $2, $3, $4, $5) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.post_id).bind(n.kind).bind(n.subject).bind(n.message).bind(now_ms)
        .fetch_one(c).await)?)
}

/// A post's notifications, newest first.
pub async fn list_notifications(db: &Db, post_id: i64, limit: i64) -> Result<Vec<NotificationRow>> {
    let sql = "select id, post_id, kind, subject, message, created_at, read_at
               from notifications where post_id = $1 order by id desc limit $2";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(post_id).bind(limit).fetch_all(c).await)?)
}

/// Marks one of a post's notifications read; answers whether it was unread.
pub async fn mark_notification_read(
    tx: &mut Tx,
    id: i64,
    post_id: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql =
        "update notifications set read_at = $1 where id = $2 and post_id = $3 and read_at is null";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(id).bind(post_id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Marks every unread notification of a post read; answers how many.
pub async fn mark_all_read(tx: &mut Tx, post_id: i64, now_ms: i64) -> Result<u64> {
    let sql = "update notifications set read_at = $1 where post_id = $2 and read_at is null";
    Ok(
        with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(post_id)
        .execute(c).await.map(|r| r.rows_affected()))?,
    )
}

/// How many notifications of a post are unread.
pub async fn unread_count(db: &Db, post_id: i64) -> Result<i64> {
    let sql = "select count(*) from notifications where post_id = $1 and read_at is null";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(post_id).fetch_one(c).await)?)
}

/// A notification written with a flow action, as a value (`area_writes`): made in the action's
/// transaction on the direct path, in the batch's transaction on the batched one. The message is
/// the case's title in 《》 followed by `rest`, so the writer need not read the title first.
pub fn notify_on_case(
    post_id: i64,
    kind: &str,
    case_id: i64,
    rest: &str,
    now_ms: i64,
) -> crate::area_writes::AreaWrite {
    const SQL: &str = "insert into notifications (post_id, kind, subject, message, created_at)
        select $1, $2, $3, '《' || title || '》' || $4, $5 from cases where id = $6";
    crate::area_writes::AreaWrite::exec_one(
        SQL,
        vec![
            post_id.into(),
            kind.into(),
            format!("case:{case_id}").into(),
            rest.into(),
            now_ms.into(),
            case_id.into(),
        ],
    )
}
