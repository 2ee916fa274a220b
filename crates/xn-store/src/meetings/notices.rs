//! SQL of 会议通知 and 回执 (migration 0030): a meeting's notice and one reply row per invited
//! 出席 or 列席 post or 列席 unit. Who may send, reply, decide a 请假 or urge, and what is late,
//! are the service's rules, not here.

use crate::{Db, Result, Tx};

/// A meeting's notice as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    /// The meeting.
    pub meeting_id: i64,
    /// `plain`: written on the meeting; `document`: sent by the 核发 of a 通知 document.
    pub form: String,
    /// The 通知 document, for the form `document`.
    pub document_id: Option<i64>,
    /// The notice's text.
    pub body: String,
    /// 回执截止, epoch ms.
    pub reply_by: i64,
    /// Who sent it.
    pub sent_by_post_id: i64,
    /// The sender as a line.
    pub sent_by: String,
    /// When, epoch ms.
    pub sent_at: i64,
}

/// A notice to store.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    /// The meeting.
    pub meeting_id: i64,
    /// Its text.
    pub body: &'a str,
    /// 回执截止, epoch ms.
    pub reply_by: i64,
    /// The sender's post.
    pub sent_by_post_id: i64,
    /// The 通知 document it went out as, if it did (form `document`; else `plain`).
    pub document_id: Option<i64>,
}

/// Stores a meeting's notice; a second one for the same meeting is a `Conflict`.
pub async fn insert_notice(tx: &mut Tx, n: &NewNotice<'_>, now_ms: i64) -> Result<()> {
    let sql = "insert into meeting_notices
               (meeting_id, form, document_id, body, reply_by, sent_by_post_id, sent_at)
               values ($1, case when $2 is null then 'plain' else 'document' end, $2, $3, $4,
               $5, $6)";
    with_tx!(tx, c => sqlx::query(sql).bind(n.meeting_id).bind(n.document_id).bind(n.body)
        .bind(n.reply_by).bind(n.sent_by_post_id).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A meeting's 通知 document while it is being drafted and issued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeDocumentRow {
    /// The meeting.
    pub meeting_id: i64,
    /// The document.
    pub document_id: i64,
    /// The reply deadline its 核发 sends, epoch ms.
    pub reply_by: i64,
    /// Who drafted it.
    pub drafted_by_post_id: i64,
    /// When, epoch ms.
    pub drafted_at: i64,
}

/// Records a meeting's 通知 document; a second one for the same meeting is a `Conflict`.
pub async fn insert_notice_document(tx: &mut Tx, n: &NoticeDocumentRow) -> Result<()> {
    let sql = "insert into meeting_notice_documents
               (meeting_id, document_id, reply_by, drafted_by_post_id, drafted_at)
               values ($1, $2, $3, $4, $5)";
    with_tx!(tx, c => sqlx::query(sql).bind(n.meeting_id).bind(n.document_id).bind(n.reply_by)
        .bind(n.drafted_by_post_id).bind(n.drafted_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

const NOTICE_DOCUMENT_SELECT: &str = "select meeting_id, document_id, reply_by,
    drafted_by_post_id, drafted_at from meeting_notice_documents";

/// A meeting's 通知 document, if one was drafted.
pub async fn notice_document_of(db: &Db, meeting: i64) -> Result<Option<NoticeDocumentRow>> {
    let sql = format!("{NOTICE_DOCUMENT_SELECT} where meeting_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn notice_document_of_tx(tx: &mut Tx, meeting: i64) -> Result<Option<NoticeDocumentRow>> {
    let sql = format!("{NOTICE_DOCUMENT_SELECT} where meeting_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// The meeting whose 通知 a document is, if it is one (inside a transaction).
pub async fn notice_document_by_document_tx(
    tx: &mut Tx,
    document: i64,
) -> Result<Option<NoticeDocumentRow>> {
    let sql = format!("{NOTICE_DOCUMENT_SELECT} where document_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(document)
        .fetch_optional(c).await)?,
    )
}

const NOTICE_SELECT: &str = "select n.meeting_id, n.form, n.document_id, n.body, n.reply_by,
    n.sent_by_post_id,
    pe.name || '（' || u.short_name || coalesce(p.title, q.name, '') || '）' as sent_by, n.sent_at
    from meeting_notices n join posts p on p.id = n.sent_by_post_id
    join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id
    left join positions q on q.id = p.position_id";

/// A meeting's notice, if sent.
pub async fn find_notice(db: &Db, meeting: i64) -> Result<Option<NoticeRow>> {
    let sql = format!("{NOTICE_SELECT} where n.meeting_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn find_notice_tx(tx: &mut Tx, meeting: i64) -> Result<Option<NoticeRow>> {
    let sql = format!("{NOTICE_SELECT} where n.meeting_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_optional(c).await)?,
    )
}

/// Adds a recipient's reply row (not yet replied): a post, or a 列席 unit.
pub async fn insert_reply_row(
    tx: &mut Tx,
    meeting: i64,
    role: &str,
    post: Option<i64>,
    unit: Option<i64>,
) -> Result<i64> {
    let sql = "insert into meeting_replies (meeting_id, role, post_id, unit_id)
               values ($1, $2, $3, $4) returning id";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).bind(role).bind(post).bind(unit)
        .fetch_one(c).await)?,
    )
}

/// A reply row with the names the table shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReplyRow {
    /// Id.
    pub id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// `attend` (出席) or `observe` (列席).
    pub role: String,
    /// The invited post, for a post.
    pub post_id: Option<i64>,
    /// The invited unit, for a 列席 unit.
    pub unit_id: Option<i64>,
    /// The recipient's unit (the post's, or the invited unit).
    pub recipient_unit_id: i64,
    /// `陈立新（东川市政府市长）`, or the unit's short name.
    pub recipient: String,
    /// `attend`, `leave`, `proxy`; none until replied.
    pub answer: Option<String>,
    /// The reason given (请假) or a note.
    pub reason: String,
    /// The post attending in the recipient's place (委托).
    pub proxy_post_id: Option<i64>,
    /// That post as a line.
    pub proxy: Option<String>,
    /// Who replied (the recipient, a post acting for it, or a post of the invited unit).
    pub replied_by_post_id: Option<i64>,
    /// That post as a line.
    pub replied_by: Option<String>,
    /// When, epoch ms.
    pub replied_at: Option<i64>,
    /// 1 when replied after the deadline.
    pub late: i16,
    /// `pending`, `approved`, `refused` for a 请假.
    pub leave_status: Option<String>,
    /// The office's note on its decision.
    pub leave_note: String,
    /// Who decided the 请假.
    pub leave_decided_by_post_id: Option<i64>,
    /// When, epoch ms.
    pub leave_decided_at: Option<i64>,
    /// How many times urged.
    pub urge_count: i64,
    /// Last urged, epoch ms.
    pub last_urged_at: Option<i64>,
}

const REPLY_SELECT: &str = "select r.id, r.meeting_id, r.role, r.post_id, r.unit_id,
    coalesce(r.unit_id, p.unit_id) as recipient_unit_id,
    case when r.post_id is null then ru.short_name
         else pe.name || '（' || pu.short_name || coalesce(p.title, q.name, '') || '）' end as recipient,
    r.answer, r.reason, r.proxy_post_id,
    case when r.proxy_post_id is null then null
         else xpe.name || '（' || xu.short_name || coalesce(xp.title, xq.name, '') || '）' end as proxy,
    r.replied_by_post_id,
    case when r.replied_by_post_id is null then null
         else bpe.name || '（' || bu.short_name || coalesce(bp.title, bq.name, '') || '）' end as replied_by,
    r.replied_at, r.late, r.leave_status, r.leave_note, r.leave_decided_by_post_id,
    r.leave_decided_at, r.urge_count, r.last_urged_at
    from meeting_replies r
    left join units ru on ru.id = r.unit_id
    left join posts p on p.id = r.post_id
    left join persons pe on pe.id = p.person_id
    left join units pu on pu.id = p.unit_id
    left join positions q on q.id = p.position_id
    left join posts xp on xp.id = r.proxy_post_id
    left join persons xpe on xpe.id = xp.person_id
    left join units xu on xu.id = xp.unit_id
    left join positions xq on xq.id = xp.position_id
    left join posts bp on bp.id = r.replied_by_post_id
    left join persons bpe on bpe.id = bp.person_id
    left join units bu on bu.id = bp.unit_id
    left join positions bq on bq.id = bp.position_id";

/// A meeting's reply rows: 出席 before 列席, then in the order they were made.
pub async fn replies_of(db: &Db, meeting: i64) -> Result<Vec<ReplyRow>> {
    let sql = format!("{REPLY_SELECT} where r.meeting_id = $1 order by r.role, r.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// The same, inside a transaction.
pub async fn replies_of_tx(tx: &mut Tx, meeting: i64) -> Result<Vec<ReplyRow>> {
    let sql = format!("{REPLY_SELECT} where r.meeting_id = $1 order by r.role, r.id");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting)
        .fetch_all(c).await)?,
    )
}

/// One reply row, inside a transaction.
pub async fn find_reply_tx(tx: &mut Tx, id: i64) -> Result<ReplyRow> {
    let sql = format!("{REPLY_SELECT} where r.id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id)
        .fetch_one(c).await)?,
    )
}

/// A reply to record.
#[derive(Debug, Clone)]
pub struct NewReply<'a> {
    /// The row.
    pub id: i64,
    /// `attend`, `leave`, `proxy`.
    pub answer: &'a str,
    /// Reason or note.
    pub reason: &'a str,
    /// The 委托 post.
    pub proxy_post_id: Option<i64>,
    /// Who replies.
    pub replied_by_post_id: i64,
    /// Replied after the deadline.
    pub late: bool,
    /// `pending` for a 请假, none otherwise.
    pub leave_status: Option<&'a str>,
}

/// Records a reply on its row (a new reply replaces the one before, and any decision on it).
pub async fn set_reply(tx: &mut Tx, r: &NewReply<'_>, now_ms: i64) -> Result<()> {
    let sql = "update meeting_replies set answer = $2, reason = $3, proxy_post_id = $4,
               replied_by_post_id = $5, replied_at = $6, late = $7, leave_status = $8,
               leave_note = '', leave_decided_by_post_id = null, leave_decided_at = null
               where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(r.id).bind(r.answer).bind(r.reason)
        .bind(r.proxy_post_id).bind(r.replied_by_post_id).bind(now_ms).bind(i16::from(r.late))
        .bind(r.leave_status).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Decides a pending 请假 (`approved` or `refused`); false when it is no longer pending.
pub async fn decide_leave(
    tx: &mut Tx,
    id: i64,
    status: &str,
    note: &str,
    by_post: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql = "update meeting_replies set leave_status = $2, leave_note = $3,
               leave_decided_by_post_id = $4, leave_decided_at = $5
               where id = $1 and answer = 'leave' and leave_status = 'pending'";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(note).bind(by_post)
        .bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Counts an urge on every row of a meeting not yet replied; answers those rows' ids.
pub async fn urge_unanswered(tx: &mut Tx, meeting: i64, now_ms: i64) -> Result<Vec<i64>> {
    let sql = "update meeting_replies set urge_count = urge_count + 1, last_urged_at = $2
               where meeting_id = $1 and answer is null returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql).bind(meeting).bind(now_ms).fetch_all(c).await)?)
}

/// A reply still owed by a post, for its workbench.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AwaitingRow {
    /// The reply row.
    pub reply_id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// Its title.
    pub title: String,
    /// Its 密级 code.
    pub classification: String,
    /// Start, epoch ms.
    pub starts_at: i64,
    /// End, epoch ms.
    pub ends_at: i64,
    /// 回执截止, epoch ms.
    pub reply_by: i64,
    /// How many times urged.
    pub urge_count: i64,
    /// The invited post, for a post.
    pub post_id: Option<i64>,
    /// The invited unit, for a unit.
    pub unit_id: Option<i64>,
}

/// The unanswered reply rows of notified meetings not yet begun, addressed to any of `posts`
/// or `units`, by start.
pub async fn awaiting(
    db: &Db,
    posts: &[i64],
    units: &[i64],
    now_ms: i64,
) -> Result<Vec<AwaitingRow>> {
    const SELECT: &str = "select r.id as reply_id, m.id as meeting_id, m.title,
        m.classification, m.starts_at, m.ends_at, n.reply_by, r.urge_count, r.post_id, r.unit_id
        from meeting_replies r join meetings m on m.id = r.meeting_id
        join meeting_notices n on n.meeting_id = m.id
        where r.answer is null and m.status = 'notified' and m.starts_at > $2";
    let mut out: Vec<AwaitingRow> = Vec::new();
    for post in posts {
        let sql = format!("{SELECT} and r.post_id = $1");
        let rows: Vec<AwaitingRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(post).bind(now_ms).fetch_all(c).await)?;
        out.extend(rows);
    }
    for unit in units {
        let sql = format!("{SELECT} and r.unit_id = $1");
        let rows: Vec<AwaitingRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit).bind(now_ms).fetch_all(c).await)?;
        out.extend(rows);
    }
    out.sort_by_key(|r| (r.starts_at, r.reply_id));
    out.dedup_by_key(|r| r.reply_id);
    Ok(out)
}

/// The active posts of a unit itself (not its sections) with their clearance codes, the most
/// senior first (by the position's rank): who receives a notice addressed to the unit.
pub async fn unit_posts_by_rank(tx: &mut Tx, unit: i64) -> Result<Vec<(i64, String, i64)>> {
    let sql =
        "select p.id, p.clearance, q.rank from posts p join positions q on q.id = p.position_id
               where p.unit_id = $1 and p.active = 1 order by q.rank, p.id";
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(unit).fetch_all(c).await)?)
}

/// The active posts of one unit (not its sections), offered for a 委托.
pub async fn unit_post_options(db: &Db, unit: i64) -> Result<Vec<super::PostOption>> {
    let sql = format!(
        "{} where p.active = 1 and p.unit_id = $1 order by q.rank, p.id",
        super::POST_OPTION_SELECT
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit).fetch_all(c).await)?,
    )
}
