//! SQL of the audit chain (migration 0021): seals appended to events, and the rows a
//! verification walks. The hashing is the service's (`xn_service::audit_chain`); here are only
//! the rows. Like events, seals are never updated or deleted.

use crate::{Result, Tx, TxInner};

/// An event's content as the chain covers it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainEvent {
    /// Id.
    pub id: i64,
    /// Epoch ms.
    pub at: i64,
    /// Kind.
    pub kind: String,
    /// Actor.
    pub actor_person_id: Option<i64>,
    /// Acting post.
    pub actor_post_id: Option<i64>,
    /// Subject.
    pub subject: Option<String>,
    /// JSON details.
    pub detail: String,
    /// Client address.
    pub ip: Option<String>,
}

/// A seal with the event it seals (`None` when that event is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRow {
    /// The place in the chain, from 1.
    pub seq: i64,
    /// The event sealed.
    pub event_id: i64,
    /// The stored hash.
    pub hash: Vec<u8>,
    /// The event as it is now.
    pub event: Option<ChainEvent>,
}

/// How far back from the newest sealed event the sealer looks for events committed late (on
/// PostgreSQL an event's id is taken when it is written, and its transaction may commit after
/// events with higher ids were sealed). An event older than that and still unsealed is reported
/// by the verification, never dropped silently.
pub const LATE_WINDOW: i64 = 10_000;

/// The advisory lock sealers take on PostgreSQL.
const SEALER_LOCK: i64 = 7_243_017;

/// Takes the sealer's lock for the transaction: one sealer at a time across every server (on
/// SQLite the write transaction is that lock already). On PostgreSQL an advisory lock held to
/// the end of the transaction: only sealers write seals, so it serializes the same writers a
/// table lock would, without the right to lock the table in that mode, which PostgreSQL gives
/// only with the right to update or delete its rows (the server's role has neither on seals).
pub async fn lock(tx: &mut Tx) -> Result<()> {
    if let TxInner::Postgres(t) = &mut tx.0 {
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// The last seal: (seq, event id, hash).
pub async fn last_seal(tx: &mut Tx) -> Result<Option<(i64, i64, Vec<u8>)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select seq, event_id, hash from event_seals order by seq desc limit 1")
        .fetch_optional(c).await)?)
}

const EVENT_COLUMNS: &str =
    "e.id, e.at, e.kind, e.actor_person_id, e.actor_post_id, e.subject, e.detail, e.ip";

/// Committed events not yet sealed, in id order, from `from_id` on.
pub async fn unsealed(tx: &mut Tx, from_id: i64, limit: i64) -> Result<Vec<ChainEvent>> {
    let sql = format!(
        "select {EVENT_COLUMNS} from events e where e.id >= $1
           and not exists (select 1 from event_seals s where s.event_id = e.id)
         order by e.id limit $2"
    );
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(from_id).bind(limit).fetch_all(c).await)?,
    )
}

/// Appends seals: (seq, event id, hash).
pub async fn append(tx: &mut Tx, seals: &[(i64, i64, Vec<u8>)]) -> Result<()> {
    for (seq, event, hash) in seals {
        with_tx!(tx, c => sqlx::query("insert into event_seals (seq, event_id, hash) values ($1, $2, $3)")
            .bind(seq).bind(event).bind(hash.as_slice()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SealJoin {
    seq: i64,
    event_id: i64,
    hash: Vec<u8>,
    id: Option<i64>,
    at: Option<i64>,
    kind: Option<String>,
    actor_person_id: Option<i64>,
    actor_post_id: Option<i64>,
    subject: Option<String>,
    detail: Option<String>,
    ip: Option<String>,
}

/// Seals from `after_seq` on (exclusive), in chain order, each with its event as stored now.
pub async fn sealed_rows(tx: &mut Tx, after_seq: i64, limit: i64) -> Result<Vec<SealedRow>> {
    let sql = format!(
        "select s.seq, s.event_id, s.hash, {EVENT_COLUMNS} from event_seals s
           left join events e on e.id = s.event_id
         where s.seq > $1 order by s.seq limit $2"
    );
    let rows: Vec<SealJoin> = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(after_seq).bind(limit).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| SealedRow {
            seq: r.seq,
            event_id: r.event_id,
            hash: r.hash,
            event: match (r.id, r.at, r.kind, r.detail) {
                (Some(id), Some(at), Some(kind), Some(detail)) => Some(ChainEvent {
                    id,
                    at,
                    kind,
                    actor_person_id: r.actor_person_id,
                    actor_post_id: r.actor_post_id,
                    subject: r.subject,
                    detail,
                    ip: r.ip,
                }),
                _ => None,
            },
        })
        .collect())
}

/// Events not sealed: how many, and the oldest few ids.
pub async fn unsealed_count(tx: &mut Tx) -> Result<(i64, Vec<i64>)> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from events e where not exists
           (select 1 from event_seals s where s.event_id = e.id)")
        .fetch_one(c).await)?;
    let ids: Vec<i64> = with_tx!(tx, c => sqlx::query_scalar(
        "select e.id from events e where not exists
           (select 1 from event_seals s where s.event_id = e.id) order by e.id limit 5")
        .fetch_all(c).await)?;
    Ok((n, ids))
}
