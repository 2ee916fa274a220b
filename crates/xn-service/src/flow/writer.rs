//! Group commit for flow actions.
//!
//! Every action must be durable (committed and synced) before it is acknowledged. One fsync per
//! action caps a server at the disk's commit rate (a few hundred per second on SQLite), so
//! actions that arrive together share one transaction: a writer takes what is queued (up to
//! [`BATCH`]), computes them in memory and writes each table once (`batch/`; a refused action
//! is answered with its error and writes nothing), commits once, and only then answers every
//! caller. What the batch cannot settle runs afterwards on the direct path, each action in its
//! own savepoint. A lone action is committed at once: batching adds no waiting.
//!
//! SQLite has one writer at a time, so it gets one lane, and its batches are written by the
//! writer thread (`xn_store::writer`): the lane computes the next batch while the thread writes
//! and syncs the last. PostgreSQL gets several lanes, each on its own connection, and its row
//! locks order actions on the same case.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use tokio::sync::{Mutex, mpsc, oneshot};
use xn_store::writer::SqliteWriter;
use xn_store::{Db, Engine, Tx};

use super::batch::{self, Work};
use super::{ActionOutcome, Op};
use crate::{Inner, Result, ServiceError, Services};

/// The most actions one commit carries.
pub const BATCH: usize = 64;

type Reply = oneshot::Sender<Result<ActionOutcome>>;

struct Queued {
    op: Op,
    reply: Reply,
}

/// The sending side, held by the services.
pub(crate) struct Writer {
    queue: mpsc::Sender<Queued>,
    keys: KeysInFlight,
}

/// The idempotency keys of requests this server is running, one lock per (person, key).
///
/// A client that retries before it saw the first answer sends the same key while the first
/// request is still in a batch: its lookup finds no stored answer (the batch has not committed)
/// and it would run the action again, to be refused as a conflict with what it did itself. A
/// request with a key therefore waits here until an earlier one with the same key has been
/// answered; its own lookup then finds the stored answer (or, if the first failed and stored
/// nothing, it acts as a retry after a failure does). Across servers on PostgreSQL the stored
/// key itself, claimed in the action's transaction, decides.
#[derive(Default)]
struct KeysInFlight(std::sync::Mutex<HashMap<PersonKey, Weak<Mutex<()>>>>);

/// A person and one of their idempotency keys.
type PersonKey = (i64, String);

impl KeysInFlight {
    /// The lock of a key, shared by every request holding it now.
    fn lock_of(&self, person: i64, key: &str) -> Arc<Mutex<()>> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lock) = map.get(&(person, key.to_owned())).and_then(Weak::upgrade) {
            return lock;
        }
        if map.len() >= 1024 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let lock = Arc::new(Mutex::new(()));
        map.insert((person, key.to_owned()), Arc::downgrade(&lock));
        lock
    }
}

impl Writer {
    /// Starts the writer lanes (inside a tokio runtime). They stop when the services are
    /// dropped.
    pub(crate) fn start(inner: Weak<Inner>, db: &Db) -> Writer {
        let (queue, rx) = mpsc::channel::<Queued>(4096);
        // Without the writer thread (it could not open the file), SQLite batches are written
        // through the pool as on PostgreSQL: slower, and just as correct.
        let sqlite = db
            .sqlite_path()
            .and_then(|path| match SqliteWriter::open(&path) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::error!(error = %e, "SQLite writer not started; flow batches go through the pool");
                    None
                }
            });
        if let Some(writer) = sqlite {
            tokio::spawn(async move { pipelined_lane(inner, rx, writer).await });
            return Writer {
                queue,
                keys: KeysInFlight::default(),
            };
        }
        let rx = Arc::new(Mutex::new(rx));
        let lanes = match db.engine() {
            Engine::Sqlite => 1,
            Engine::Postgres => 4,
        };
        for _ in 0..lanes {
            let rx = Arc::clone(&rx);
            let inner = inner.clone();
            tokio::spawn(async move { lane(inner, rx).await });
        }
        Writer {
            queue,
            keys: KeysInFlight::default(),
        }
    }

    /// Queues an action and waits until it is committed (or refused).
    pub(crate) async fn run(&self, op: Op) -> Result<ActionOutcome> {
        let keyed = match &op {
            Op::Start { actor, idem, .. } | Op::Act { actor, idem, .. } => idem
                .as_ref()
                .map(|k| self.keys.lock_of(actor.person_id, &k.key)),
        };
        let _turn = match &keyed {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Queued { op, reply })
            .await
            .map_err(|_| ServiceError::Internal(anyhow::anyhow!("flow writer stopped")))?;
        answer
            .await
            .map_err(|_| ServiceError::Internal(anyhow::anyhow!("flow writer dropped an action")))?
    }
}

async fn lane(inner: Weak<Inner>, rx: Arc<Mutex<mpsc::Receiver<Queued>>>) {
    loop {
        let mut batch = Vec::new();
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            batch.push(first);
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(q) => batch.push(q),
                    Err(_) => break,
                }
            }
        }
        let Some(inner) = inner.upgrade() else { return };
        let services = Services { inner };
        commit_batch(&services, batch).await;
    }
}

/// The lane of SQLite with its writer thread. It computes a batch and hands it to the writer,
/// and while the writer writes and syncs it, computes the next one from what is queued
/// meanwhile; a batch is answered once the writer has committed it. At most two batches are in
/// hand: the one being written and the one being computed.
async fn pipelined_lane(inner: Weak<Inner>, mut rx: mpsc::Receiver<Queued>, writer: SqliteWriter) {
    let mut in_flight: Option<InFlight> = None;
    loop {
        let next = match in_flight.as_mut() {
            None => rx
                .recv()
                .await
                .map_or(Next::Closed, |q| Next::Op(Box::new(q))),
            Some(f) => tokio::select! {
                biased;
                () = f.submitted.ready() => Next::Answered,
                q = rx.recv() => q.map_or(Next::Closed, |q| Next::Op(Box::new(q))),
            },
        };
        let Some(inner) = inner.upgrade() else { return };
        let services = Services { inner };
        let first = match next {
            Next::Op(q) => *q,
            Next::Answered => {
                if let Some(f) = in_flight.take() {
                    f.finish(&services).await;
                }
                continue;
            }
            Next::Closed => {
                if let Some(f) = in_flight.take() {
                    f.finish(&services).await;
                }
                return;
            }
        };
        // Callers just answered are about to queue their next actions: let them run before the
        // batch is taken, or the lane, woken by the first of them, would take that one alone.
        tokio::task::yield_now().await;
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(q) => batch.push(q),
                Err(_) => break,
            }
        }
        let (ops, replies): (Vec<Op>, Vec<Option<Reply>>) =
            batch.into_iter().map(|q| (q.op, Some(q.reply))).unzip();
        let refs: Vec<&Op> = ops.iter().collect();
        let submitted = batch::submit(&services, &writer, &refs).await;
        // The batch before was queued to the writer first: it is answered first.
        if let Some(f) = in_flight.take() {
            f.finish(&services).await;
        }
        match submitted {
            Ok(submitted) => {
                in_flight = Some(InFlight {
                    ops,
                    replies,
                    submitted,
                })
            }
            Err(all) => run_direct(&services, &ops, replies, all).await,
        }
    }
}

enum Next {
    Op(Box<Queued>),
    Answered,
    Closed,
}

/// A batch the writer thread has, with the callers waiting for it.
struct InFlight {
    ops: Vec<Op>,
    replies: Vec<Option<Reply>>,
    submitted: batch::Submitted,
}

impl InFlight {
    /// Answers the batch once committed; what it could not settle runs on the direct path.
    async fn finish(self, services: &Services) {
        let InFlight {
            ops,
            mut replies,
            submitted,
        } = self;
        let direct = submitted
            .conclude(services, |i, r| {
                if let Some(reply) = replies.get_mut(i).and_then(Option::take) {
                    let _ = reply.send(r);
                }
            })
            .await;
        run_direct(services, &ops, replies, direct).await;
    }
}

async fn commit_batch(services: &Services, batch: Vec<Queued>) {
    // The batch path first: every action computed in memory, each table written once.
    let (ops, mut replies): (Vec<Op>, Vec<Option<Reply>>) =
        batch.into_iter().map(|q| (q.op, Some(q.reply))).unzip();
    let refs: Vec<&Op> = ops.iter().collect();
    let direct = batch::run(services, &refs, |i, r| {
        if let Some(reply) = replies.get_mut(i).and_then(Option::take) {
            let _ = reply.send(r);
        }
    })
    .await;
    run_direct(services, &ops, replies, direct).await;
}

/// Runs the actions at `direct` on the direct path, after their batch.
async fn run_direct(
    services: &Services,
    ops: &[Op],
    mut replies: Vec<Option<Reply>>,
    direct: Vec<usize>,
) {
    if direct.is_empty() {
        return;
    }
    // What the batch could not settle runs on the direct path, after it.
    let mut rest = Vec::with_capacity(direct.len());
    for i in direct {
        if let (Some(op), Some(reply)) = (ops.get(i), replies.get_mut(i).and_then(Option::take)) {
            rest.push(Queued {
                op: op.clone(),
                reply,
            });
        }
    }
    let cases: Vec<i64> = rest
        .iter()
        .filter_map(|q| match &q.op {
            Op::Act { case_id, .. } => Some(*case_id),
            Op::Start { .. } => None,
        })
        .collect();
    commit_direct(services, rest).await;
    // The direct path does not keep the states it wrote.
    services.flow_cache_forget(cases);
}

/// The direct path: every write goes straight into the transaction.
async fn commit_direct(services: &Services, batch: Vec<Queued>) {
    // Optimistic first: the whole batch in one transaction without savepoints (two statements
    // fewer per action). If any action is refused, nothing of it is kept and the batch is run
    // again, each action in its own savepoint.
    let batch = if batch.len() > 1 {
        let ops: Vec<&Op> = batch.iter().map(|q| &q.op).collect();
        match all_or_nothing(services, &ops).await {
            Some(outs) => {
                for (q, out) in batch.into_iter().zip(outs) {
                    let _ = q.reply.send(Ok(out));
                }
                return;
            }
            None => batch,
        }
    } else {
        batch
    };
    let mut tx = match services.db().begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let msg = e.to_string();
            for q in batch {
                let _ = q
                    .reply
                    .send(Err(ServiceError::Internal(anyhow::anyhow!("{msg}"))));
            }
            return;
        }
    };
    let mut results: Vec<(
        oneshot::Sender<Result<ActionOutcome>>,
        Result<ActionOutcome>,
    )> = Vec::with_capacity(batch.len());
    if batch.len() == 1 {
        // Alone: no savepoint needed, a refusal rolls the whole transaction back.
        for q in batch {
            match services.run_op(&mut Work::direct(&mut tx), &q.op).await {
                Ok(out) => results.push((q.reply, Ok(out))),
                Err(e) => {
                    drop(tx);
                    let _ = q.reply.send(Err(e));
                    return;
                }
            }
        }
    } else {
        for q in batch {
            let r = run_one(services, &mut tx, &q.op).await;
            results.push((q.reply, r));
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, r) in results {
                let _ = reply.send(r);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            tracing::error!(error = %msg, "flow commit failed");
            for (reply, r) in results {
                let _ = reply.send(match r {
                    Ok(_) => Err(ServiceError::Internal(anyhow::anyhow!("提交失败：{msg}"))),
                    Err(e) => Err(e),
                });
            }
        }
    }
}

/// Runs every action in one transaction and commits; `None` as soon as one is refused (or the
/// commit fails), with nothing written.
async fn all_or_nothing(services: &Services, ops: &[&Op]) -> Option<Vec<ActionOutcome>> {
    let mut tx = services.db().begin().await.ok()?;
    let mut outs = Vec::with_capacity(ops.len());
    for op in ops {
        outs.push(services.run_op(&mut Work::direct(&mut tx), op).await.ok()?);
    }
    tx.commit().await.ok()?;
    Some(outs)
}

/// Runs one action inside the batch's transaction, in its own savepoint: a refused action
/// leaves nothing behind, whatever it wrote before failing.
async fn run_one(services: &Services, tx: &mut Tx, op: &Op) -> Result<ActionOutcome> {
    tx.savepoint().await?;
    match services.run_op(&mut Work::direct(tx), op).await {
        Ok(out) => {
            tx.release_savepoint().await?;
            Ok(out)
        }
        Err(e) => {
            tx.rollback_to_savepoint().await?;
            Err(e)
        }
    }
}
