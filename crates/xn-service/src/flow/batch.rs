//! A batch of flow actions computed in memory and written with one statement per table.
//!
//! The writer (`writer.rs`) hands a batch of queued actions to [`run`]. Each action is
//! computed against the states the batch holds (a case acted on twice in one batch sees its
//! first change), and what it would write is buffered: the case's new state, its changed
//! tasks, its timers, its events. A refused action leaves nothing behind: its buffered writes
//! are dropped and the states it touched restored, so no savepoint is needed. When every action
//! is computed, the batch writes each table once (cases with a version check per row, tasks,
//! timers, events, idempotency keys), commits, and only then answers.
//!
//! Hot case states are kept in memory ([`CaseCache`]) under the version they were stored at,
//! so that loading a case becomes a version check, done by the write itself: a case's row is
//! updated only if it still holds the version the state was computed from. If any row moved
//! (another server, or an action outside the writer), the batch is rolled back, the cached
//! entries are dropped, and the actions run again on the direct path (`mod.rs`), which locks and
//! reads every case. A refusal computed from a cached state that the batch does not also write
//! is confirmed against the stored version before it is answered, or sent to the direct path.
//!
//! What the batch cannot buffer (a fan-out that starts child cases, a second use of one
//! idempotency key in the same batch) is handed to the direct path as well.
//!
//! On SQLite the batch is written and committed by the writer thread (`xn_store::writer`) in one
//! job, and the actions read what the cache does not hold through a read-only transaction of the
//! pool; a batch whose cases are all cached reads nothing. Starts go to the direct path there
//! (they insert their row to learn their id). On PostgreSQL the batch opens its write
//! transaction on first use and writes each table with one statement.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use xn_domain::flow::{CaseState, CaseStatus, Fields, ProcessDef};
use xn_store::flow::{CaseRow, CaseUpdate, EventWrite, IdempotentWrite, JobArm, TaskWrite};
use xn_store::writer::SqliteWriter;
use xn_store::{Db, Tx};

use super::persist::task_row;
use super::{ActionOutcome, JobOp, Op};
use crate::{Result, ServiceError, Services, ms};

/// What never changes in a case once started (read with its row).
#[derive(Debug)]
pub(crate) struct CaseInfo {
    pub(crate) process_id: i64,
    pub(crate) unit_id: i64,
    pub(crate) starter: i64,
    pub(crate) parent_case_id: Option<i64>,
    pub(crate) fields: Arc<Fields>,
}

impl CaseInfo {
    fn of(row: &CaseRow) -> CaseInfo {
        CaseInfo {
            process_id: row.process_id,
            unit_id: row.unit_id,
            starter: row.starter_post_id,
            parent_case_id: row.parent_case_id,
            fields: Arc::new(serde_json::from_str(&row.fields).unwrap_or_default()),
        }
    }
}

/// A case as an action sees it.
#[derive(Clone)]
pub(crate) struct Loaded {
    pub(crate) version: i64,
    pub(crate) info: Arc<CaseInfo>,
    pub(crate) state: Arc<CaseState>,
    /// The row ids of its tasks, as (number, id), where this server has learnt them (the
    /// batches it wrote); empty for a case just read. The writer thread finds a task's row by
    /// its id when it has it, else by (case, number).
    pub(crate) task_ids: Arc<Vec<(u32, i64)>>,
}

impl Loaded {
    /// The row id of a task, where known.
    fn task_id(&self, no: u32) -> Option<i64> {
        self.task_ids
            .iter()
            .find(|(n, _)| *n == no)
            .map(|(_, id)| *id)
    }

    /// Adds learnt ids of its tasks, as (number, id), to those it knows.
    fn learn(&mut self, ids: &[(i64, i64)]) {
        let mut known: Vec<(u32, i64)> = (*self.task_ids).clone();
        let before = known.len();
        for (no, id) in ids {
            let Ok(no) = u32::try_from(*no) else { continue };
            if !known.iter().any(|(n, _)| *n == no) {
                known.push((no, *id));
            }
        }
        if known.len() != before {
            self.task_ids = Arc::new(known);
        }
    }
}

impl Loaded {
    pub(crate) fn of(row: &CaseRow) -> Result<Loaded> {
        let state: CaseState = super::stored::decode(&row.state)?;
        Ok(Loaded {
            version: row.version,
            info: Arc::new(CaseInfo::of(row)),
            state: Arc::new(state),
            task_ids: Arc::default(),
        })
    }
}

/// The most case states kept in memory (about 2–4 KB each).
const CACHE_CAPACITY: usize = 4096;

/// Case states as last written by this server, under their version. An entry is a guess:
/// whatever uses it is checked against the row's version in the same transaction.
#[derive(Default)]
pub(crate) struct CaseCache {
    map: HashMap<i64, Loaded>,
}

impl CaseCache {
    pub(crate) fn get_entry(&self, id: i64) -> Option<Loaded> {
        self.map.get(&id).cloned()
    }

    pub(crate) fn put_entry(&mut self, id: i64, entry: Loaded) {
        if entry.state.status == CaseStatus::Closed {
            // Closed cases are rarely acted on again.
            self.map.remove(&id);
            return;
        }
        if let Some(old) = self.map.get(&id)
            && old.version > entry.version
        {
            return;
        }
        if self.map.len() >= CACHE_CAPACITY
            && !self.map.contains_key(&id)
            && let Some(victim) = self.map.keys().next().copied()
        {
            self.map.remove(&victim);
        }
        self.map.insert(id, entry);
    }

    pub(crate) fn forget(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.map.remove(&id);
        }
    }
}

/// A case held by the batch.
#[derive(Clone)]
struct Held {
    loaded: Loaded,
    /// The version of the row the state was computed from (what the write checks).
    base: i64,
    /// Read from the database in this transaction (else from the cache).
    from_db: bool,
    /// Changes by earlier actions of this batch.
    rounds: u32,
    /// The instant of the last change.
    now: DateTime<Utc>,
    /// The highest task number of the state the batch started from: tasks numbered above it
    /// are new rows.
    base_tasks: u32,
    /// The status of the state the batch started from, as its row holds it.
    base_status: CaseStatus,
}

impl Held {
    /// A case as the batch first holds it.
    fn first(loaded: Loaded, from_db: bool) -> Held {
        Held {
            base: loaded.version,
            base_tasks: loaded.state.tasks.iter().map(|t| t.no).max().unwrap_or(0),
            base_status: loaded.state.status,
            loaded,
            from_db,
            rounds: 0,
            now: DateTime::<Utc>::MIN_UTC,
        }
    }
}

/// A changed task to write: the state holding it and its index there.
struct TaskRef {
    /// Not yet a row (numbered above the batch's starting state).
    new: bool,
    case_id: i64,
    def: Arc<ProcessDef>,
    state: Arc<CaseState>,
    index: usize,
}

struct EventRef {
    at: i64,
    kind: &'static str,
    person: i64,
    post: i64,
    subject: String,
    detail: String,
    ip: Option<String>,
}

/// Where an action's writes go: straight into the transaction (the direct path), or into the
/// batch's buffer.
pub(crate) struct Work<'t> {
    tx: Slot<'t>,
    buf: Option<Buffer>,
}

/// The transaction an action reads (and on the direct path, writes) through.
enum Slot<'t> {
    /// The caller's.
    Borrowed(&'t mut Tx),
    /// The batch's own, opened on first use: a write transaction, or, when the batch is written
    /// by the SQLite writer thread, a read-only one.
    Lazy {
        tx: Option<Tx>,
        db: Db,
        read_only: bool,
    },
}

#[derive(Default)]
struct Buffer {
    held: HashMap<i64, Held>,
    /// (case, previous entry) for the action being computed.
    undo: Vec<(i64, Option<Held>)>,
    /// Cases the action being computed read.
    read: Vec<i64>,
    tasks: Vec<TaskRef>,
    jobs: Vec<(i64, u32, JobOp)>,
    events: Vec<EventRef>,
    /// Idempotency keys claimed in this batch: (person, key, fingerprint, epoch ms).
    keys: Vec<(i64, String, String, i64)>,
}

struct Mark {
    tasks: usize,
    jobs: usize,
    events: usize,
    keys: usize,
}

/// An action that must run on the direct path.
#[derive(Debug, thiserror::Error)]
#[error("action needs the direct path")]
pub(crate) struct NeedsDirect;

pub(crate) fn needs_direct() -> ServiceError {
    ServiceError::Internal(anyhow::Error::new(NeedsDirect))
}

fn is_needs_direct(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Internal(a) if a.is::<NeedsDirect>())
}

/// A refusal by a rule (the action is wrong for the case), as opposed to a failure of the
/// database, after which the transaction cannot go on.
fn is_refusal(e: &ServiceError) -> bool {
    match e {
        ServiceError::Internal(_) | ServiceError::Constraint { .. } => false,
        ServiceError::Invalid { .. }
        | ServiceError::BadRows(_)
        | ServiceError::Unauthenticated(_)
        | ServiceError::Forbidden(_)
        | ServiceError::NotFound(_)
        | ServiceError::Conflict { .. }
        | ServiceError::Nonconforming(_)
        | ServiceError::Locked(_) => true,
    }
}

impl<'t> Work<'t> {
    /// Writes go straight into `tx`.
    pub(crate) fn direct(tx: &'t mut Tx) -> Work<'t> {
        Work {
            tx: Slot::Borrowed(tx),
            buf: None,
        }
    }

    /// The transaction to read (and on the direct path, write) through; the batch opens its own
    /// on first use.
    pub(crate) async fn tx(&mut self) -> Result<&mut Tx> {
        match &mut self.tx {
            Slot::Borrowed(t) => Ok(&mut **t),
            Slot::Lazy { tx, db, read_only } => {
                if tx.is_none() {
                    *tx = Some(if *read_only {
                        db.begin_read().await?
                    } else {
                        db.begin().await?
                    });
                }
                tx.as_mut()
                    .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("no transaction")))
            }
        }
    }

    /// Whether writes are buffered.
    pub(crate) fn buffered(&self) -> bool {
        self.buf.is_some()
    }

    /// Loads a case for an action. The direct path locks and reads the row; the batch uses
    /// what it holds, else the cache, else reads the row.
    pub(crate) async fn load(
        &mut self,
        services: &Services,
        case_id: i64,
        expected: Option<i64>,
    ) -> Result<Loaded> {
        let not_found = |e| match e {
            xn_store::StoreError::NotFound => ServiceError::NotFound("事项"),
            other => other.into(),
        };
        if self.buf.is_none() {
            let row = xn_store::flow::lock_case(self.tx().await?, case_id)
                .await
                .map_err(not_found)?;
            return Loaded::of(&row);
        }
        let Some(buf) = self.buf.as_mut() else {
            return Err(needs_direct());
        };
        buf.read.push(case_id);
        if let Some(h) = buf.held.get(&case_id) {
            // A client that saw a newer version than a cached guess: read the row.
            let ahead = expected.is_some_and(|v| v > h.loaded.version);
            if !ahead || h.from_db {
                return Ok(h.loaded.clone());
            }
            if h.rounds > 0 {
                return Err(needs_direct());
            }
        } else if let Some(c) = services.flow_cache_get(case_id)
            && expected.is_none_or(|v| v <= c.version)
        {
            buf.held.insert(case_id, Held::first(c.clone(), false));
            return Ok(c);
        }
        let row = xn_store::flow::load_cases(self.tx().await?, &[case_id])
            .await?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound("事项"))?;
        let loaded = Loaded::of(&row)?;
        let Some(buf) = self.buf.as_mut() else {
            return Err(needs_direct());
        };
        buf.held.insert(case_id, Held::first(loaded.clone(), true));
        Ok(loaded)
    }

    /// Records a case just inserted with its state (a start on the batch path).
    pub(crate) fn started(&mut self, case_id: i64, loaded: Loaded, now: DateTime<Utc>) {
        if let Some(buf) = self.buf.as_mut() {
            buf.undo.push((case_id, None));
            buf.held.insert(
                case_id,
                Held {
                    base: loaded.version,
                    base_status: loaded.state.status,
                    loaded,
                    from_db: true,
                    rounds: 0,
                    now,
                    // Every task of a case just started is a new row.
                    base_tasks: 0,
                },
            );
        }
    }

    /// Buffers what an action changed in one case. Answers false on the direct path (the
    /// caller writes then).
    #[expect(
        clippy::too_many_arguments,
        reason = "one write of everything an action changed"
    )]
    pub(crate) fn buffer(
        &mut self,
        case_id: i64,
        new_version: i64,
        def: &Arc<ProcessDef>,
        after: &Arc<CaseState>,
        tasks: Vec<usize>,
        jobs: Vec<JobOp>,
        event: Option<(&'static str, String)>,
        actor: (i64, i64, Option<&str>),
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(buf) = self.buf.as_mut() else {
            return Ok(false);
        };
        // Every action loads its case through the batch first.
        let Some(prev) = buf.held.get(&case_id).cloned() else {
            return Err(needs_direct());
        };
        let rounds = prev.rounds;
        let base_tasks = prev.base_tasks;
        let mut held = prev.clone();
        buf.undo.push((case_id, Some(prev)));
        held.loaded.version = new_version;
        held.loaded.state = Arc::clone(after);
        held.rounds = rounds + 1;
        held.now = now;
        buf.held.insert(case_id, held);
        for index in tasks {
            buf.tasks.push(TaskRef {
                new: after.tasks.get(index).is_some_and(|t| t.no > base_tasks),
                case_id,
                def: Arc::clone(def),
                state: Arc::clone(after),
                index,
            });
        }
        for op in jobs {
            buf.jobs.push((case_id, rounds, op));
        }
        if let Some((kind, detail)) = event {
            buf.events.push(EventRef {
                at: ms(now),
                kind,
                person: actor.0,
                post: actor.1,
                subject: format!("case:{case_id}"),
                detail,
                ip: actor.2.map(str::to_owned),
            });
        }
        Ok(true)
    }

    /// On the batch path: the stored answer of a key used before, `None` for a new key (kept
    /// to be written with the batch). `Err(NeedsDirect)` when the batch already claimed it.
    pub(crate) async fn find_key(
        &mut self,
        person: i64,
        key: &str,
        fingerprint: &str,
        now_ms: i64,
    ) -> Result<Option<(String, String)>> {
        let found = xn_store::flow::find_idempotency_key(self.tx().await?, person, key).await?;
        if found.is_some() {
            return Ok(found);
        }
        if let Some(buf) = self.buf.as_mut() {
            if buf.keys.iter().any(|(p, k, _, _)| *p == person && k == key) {
                return Err(needs_direct());
            }
            buf.keys
                .push((person, key.to_owned(), fingerprint.to_owned(), now_ms));
        }
        Ok(None)
    }
}

impl Buffer {
    fn mark(&mut self) -> Mark {
        self.undo.clear();
        self.read.clear();
        Mark {
            tasks: self.tasks.len(),
            jobs: self.jobs.len(),
            events: self.events.len(),
            keys: self.keys.len(),
        }
    }

    /// Forgets everything the current action did.
    fn undo(&mut self, mark: &Mark) {
        while let Some((id, prev)) = self.undo.pop() {
            match prev {
                Some(h) => {
                    self.held.insert(id, h);
                }
                None => {
                    self.held.remove(&id);
                }
            }
        }
        self.tasks.truncate(mark.tasks);
        self.jobs.truncate(mark.jobs);
        self.events.truncate(mark.events);
        self.keys.truncate(mark.keys);
    }
}

/// How an action of the batch ended.
enum Ended {
    Done {
        out: ActionOutcome,
        key: Option<usize>,
    },
    Refused {
        err: ServiceError,
        read: Vec<i64>,
    },
    Direct,
}

/// A batch computed in memory, not yet written.
struct Prepared {
    buf: Buffer,
    ended: Vec<Ended>,
    /// Cases read for refusals, with the version the refusal was computed from.
    unsure: Vec<(i64, i64)>,
    /// Every case the batch holds.
    held: Vec<i64>,
    /// The transaction the actions read through, if any was opened.
    tx: Option<Tx>,
}

/// Computes every action of a batch in memory. `None` when the database failed: then every
/// action goes to the direct path. With the SQLite writer (`writer`), the cases not in the
/// cache are read through its read-only connection, else through the batch's transaction.
async fn prepare(
    services: &Services,
    ops: &[&Op],
    writer: Option<&SqliteWriter>,
) -> Option<Prepared> {
    let on_writer = writer.is_some();
    let mut work = Work {
        tx: Slot::Lazy {
            tx: None,
            db: services.db().clone(),
            read_only: on_writer,
        },
        buf: Some(Buffer::default()),
    };
    // Cases not in the cache are read in one statement.
    let mut missing: Vec<i64> = Vec::new();
    for op in ops {
        if let Op::Act { case_id, .. } = op
            && services.flow_cache_get(*case_id).is_none()
            && !missing.contains(case_id)
        {
            missing.push(*case_id);
        }
    }
    if !missing.is_empty() {
        let rows = match writer {
            Some(wr) => wr
                .read(|r| xn_store::flow::on_writer::load_cases(r, &missing))
                .inspect_err(|e| tracing::warn!(error = %e, "flow cases not read; the batch goes to the direct path"))
                .ok()?,
            None => xn_store::flow::load_cases(work.tx().await.ok()?, &missing)
                .await
                .ok()?,
        };
        let buf = work.buf.as_mut()?;
        for row in rows {
            let Ok(loaded) = Loaded::of(&row) else {
                continue;
            };
            buf.held.insert(row.id, Held::first(loaded, true));
        }
    }
    let mut ended = Vec::with_capacity(ops.len());
    for op in ops {
        if on_writer && matches!(op, Op::Start { .. }) {
            // A start inserts its row to learn its id: the direct path.
            ended.push(Ended::Direct);
            continue;
        }
        let mark = work.buf.as_mut()?.mark();
        let r = services.run_op(&mut work, op).await;
        let buf = work.buf.as_mut()?;
        ended.push(match r {
            Ok(out) => {
                let key = (buf.keys.len() > mark.keys).then(|| buf.keys.len() - 1);
                Ended::Done { out, key }
            }
            Err(e) if is_needs_direct(&e) => {
                buf.undo(&mark);
                Ended::Direct
            }
            Err(e) if is_refusal(&e) => {
                buf.undo(&mark);
                Ended::Refused {
                    err: e,
                    read: std::mem::take(&mut buf.read),
                }
            }
            // The database failed: this transaction cannot go on.
            Err(_) => return None,
        });
    }
    let buf = work.buf.take()?;
    let tx = match work.tx {
        Slot::Lazy { tx, .. } => tx,
        Slot::Borrowed(_) => None,
    };
    // A refusal computed from a cached state that this batch does not write is answered only
    // if the row still holds that version.
    let unsure: Vec<(i64, i64)> = ended
        .iter()
        .filter_map(|e| match e {
            Ended::Refused { read, .. } => Some(read),
            _ => None,
        })
        .flatten()
        .copied()
        .collect::<HashSet<i64>>()
        .into_iter()
        .filter_map(|id| {
            buf.held
                .get(&id)
                .filter(|h| !h.from_db && h.rounds == 0)
                .map(|h| (id, h.base))
        })
        .collect();
    let held: Vec<i64> = buf.held.keys().copied().collect();
    Some(Prepared {
        buf,
        ended,
        unsure,
        held,
        tx,
    })
}

/// Runs a batch through a transaction of the pool (PostgreSQL; SQLite when its writer thread
/// could not start): answers each action it could settle through `reply` and gives back the
/// indices of those that must run on the direct path.
pub(crate) async fn run(
    services: &Services,
    ops: &[&Op],
    reply: impl FnMut(usize, Result<ActionOutcome>),
) -> Vec<usize> {
    let all = || (0..ops.len()).collect::<Vec<_>>();
    let Some(Prepared {
        buf,
        mut ended,
        unsure,
        held,
        tx,
    }) = prepare(services, ops, None).await
    else {
        return all();
    };
    let tx = match tx {
        Some(tx) => Ok(tx),
        None => services.db().begin().await.map_err(ServiceError::from),
    };
    let Ok(mut tx) = tx else {
        return all();
    };
    let written = match write_in(&mut tx, &buf, &mut ended, &unsure).await {
        Written::Committed { moved, ids } => match tx.commit().await {
            Ok(()) => Written::Committed { moved, ids },
            Err(e) => Written::CommitFailed(e.to_string()),
        },
        other => other,
    };
    conclude(services, &buf, ended, written, held, reply)
}

/// How long [`Submitted::ready`] keeps checking before it waits to be woken.
const SPIN: std::time::Duration = std::time::Duration::from_micros(400);

/// What the writer thread gives back for a batch.
type Answer = xn_store::Result<(Buffer, Vec<Ended>, Written)>;

/// A batch handed to the SQLite writer thread, not yet answered.
pub(crate) struct Submitted {
    answer: oneshot::Receiver<Answer>,
    got: Option<std::result::Result<Answer, oneshot::error::RecvError>>,
    held: Vec<i64>,
    len: usize,
}

impl Submitted {
    /// Waits until the writer has answered. Cancel-safe: an answer, once received, is kept.
    ///
    /// For the length of a typical commit it keeps checking, yielding to other tasks between
    /// checks, instead of letting the runtime's thread sleep: a sleeping thread woken by the
    /// writer thread takes longer to run again than the commit's last part takes (a lone
    /// caller's action would pay for it every time).
    pub(crate) async fn ready(&mut self) {
        let start = std::time::Instant::now();
        while self.got.is_none() {
            match self.answer.try_recv() {
                Ok(answer) => self.got = Some(Ok(answer)),
                Err(oneshot::error::TryRecvError::Empty) if start.elapsed() < SPIN => {
                    tokio::task::yield_now().await;
                }
                Err(_) => {
                    let got = (&mut self.answer).await;
                    self.got = Some(got);
                }
            }
        }
    }

    /// Waits for the writer's answer, then answers each action it settled through `reply` and
    /// gives back the indices of those that must run on the direct path.
    pub(crate) async fn conclude(
        mut self,
        services: &Services,
        reply: impl FnMut(usize, Result<ActionOutcome>),
    ) -> Vec<usize> {
        self.ready().await;
        match self.got.take() {
            Some(Ok(Ok((buf, ended, written)))) => {
                conclude(services, &buf, ended, written, self.held, reply)
            }
            _ => {
                services.flow_cache_forget(self.held);
                (0..self.len).collect()
            }
        }
    }
}

/// Computes a batch and hands it to the SQLite writer thread without waiting for it, so that
/// the next batch can be computed while this one is written. The states it computed are cached
/// at once: a later batch built on them writes only if this one committed (its version checks
/// would fail otherwise). `Err` gives the indices of every action for the direct path.
pub(crate) async fn submit(
    services: &Services,
    writer: &SqliteWriter,
    ops: &[&Op],
) -> std::result::Result<Submitted, Vec<usize>> {
    let all = || (0..ops.len()).collect::<Vec<_>>();
    let Some(Prepared {
        buf,
        ended,
        unsure,
        held,
        tx,
    }) = prepare(services, ops, Some(writer)).await
    else {
        return Err(all());
    };
    // The read transaction ends before the writer takes the write lock.
    drop(tx);
    services.flow_cache_put(
        buf.held
            .iter()
            .filter(|(_, h)| h.rounds > 0)
            .map(|(id, h)| (*id, h.loaded.clone())),
    );
    // The states are serialized here, beside the writer thread's work on the batch before.
    let Ok(states) = case_states(&buf) else {
        services.flow_cache_forget(held);
        return Err(all());
    };
    let answer = writer.submit(move |tx| {
        let mut ended = ended;
        let written = write_job(tx, &buf, &states, &mut ended, &unsure);
        Ok((buf, ended, written))
    });
    match answer {
        Ok(answer) => Ok(Submitted {
            answer,
            got: None,
            held,
            len: ops.len(),
        }),
        Err(_) => {
            services.flow_cache_forget(held);
            Err(all())
        }
    }
}

/// Answers a written batch and updates the cache; gives back the indices for the direct path.
fn conclude(
    services: &Services,
    buf: &Buffer,
    mut ended: Vec<Ended>,
    written: Written,
    held: Vec<i64>,
    mut reply: impl FnMut(usize, Result<ActionOutcome>),
) -> Vec<usize> {
    let mut direct = Vec::new();
    match written {
        Written::Committed { moved, ids } => {
            let mut learnt: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
            for (case, no, id) in ids {
                learnt.entry(case).or_default().push((no, id));
            }
            services.flow_cache_put(buf.held.iter().filter_map(|(id, h)| {
                if moved.contains(id) {
                    None
                } else {
                    let mut loaded = h.loaded.clone();
                    if let Some(ids) = learnt.get(id) {
                        loaded.learn(ids);
                    }
                    Some((*id, loaded))
                }
            }));
            services.flow_cache_forget(moved.iter().copied());
            for (i, e) in ended.drain(..).enumerate() {
                match e {
                    Ended::Done { out, .. } => reply(i, Ok(out)),
                    Ended::Refused { read, .. } if read.iter().any(|id| moved.contains(id)) => {
                        direct.push(i);
                    }
                    Ended::Refused { err, .. } => reply(i, Err(err)),
                    Ended::Direct => direct.push(i),
                }
            }
        }
        Written::Stale | Written::Failed => {
            // A case moved since it was cached, or the database failed: nothing of this batch
            // is kept, and every action runs again on the direct path.
            services.flow_cache_forget(held);
            return (0..ended.len()).collect();
        }
        Written::CommitFailed(msg) => {
            tracing::error!(error = %msg, "flow commit failed");
            services.flow_cache_forget(held);
            for (i, e) in ended.drain(..).enumerate() {
                match e {
                    Ended::Done { .. } => reply(
                        i,
                        Err(ServiceError::Internal(anyhow::anyhow!("提交失败：{msg}"))),
                    ),
                    Ended::Refused { .. } | Ended::Direct => direct.push(i),
                }
            }
        }
    }
    direct
}

/// How writing a batch ended.
enum Written {
    /// Written (and on the writer thread, committed); `moved`: cases read for a refusal whose
    /// row no longer holds the version the refusal was computed from; `ids`: the task ids
    /// learnt, as (case, number, id).
    Committed {
        moved: HashSet<i64>,
        ids: Vec<(i64, i64, i64)>,
    },
    /// A case row no longer holds the version its new state was computed from.
    Stale,
    /// The database failed before the commit.
    Failed,
    /// The commit itself failed.
    CommitFailed(String),
}

/// Everything a batch writes, borrowed from its buffer: the last state of each changed case
/// (checked against the version the batch started from), the last write of each task, the
/// timers in rounds, the events in order.
struct Plan<'b> {
    cases: Vec<CaseUpdate<'b>>,
    tasks: Vec<TaskWrite<'b>>,
    /// For each of `tasks`: not yet a row.
    new_tasks: Vec<bool>,
    rounds: Vec<Round<'b>>,
    events: Vec<EventWrite<'b>>,
}

/// The timers of one round of changes: the n-th change of each case is written after its
/// (n-1)-th. Within one change, cancellations and armings concern different runs.
struct Round<'b> {
    /// (case, run; -1: every run).
    cancels: Vec<(i64, i64)>,
    arms: Vec<JobArm<'b>>,
}

/// The states of the changed cases, encoded for storage.
fn case_states(buf: &Buffer) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut out = Vec::new();
    for (id, h) in &buf.held {
        if h.loaded.version != h.base {
            out.push((*id, super::stored::encode(&h.loaded.state)?));
        }
    }
    Ok(out)
}

fn plan<'b>(buf: &'b Buffer, states: &'b [(i64, Vec<u8>)]) -> Plan<'b> {
    let cases = states
        .iter()
        .filter_map(|(id, json)| {
            let h = buf.held.get(id)?;
            Some(CaseUpdate {
                id: *id,
                version: h.base,
                new_version: h.loaded.version,
                state: json,
                status: h.loaded.state.status.code(),
                status_changed: h.loaded.state.status != h.base_status,
                due_date: h.loaded.state.due.as_ref().map(|d| d.date.to_string()),
                now_ms: ms(h.now),
            })
        })
        .collect();
    // Tasks: the last write of each (case, task) wins.
    let mut last: HashMap<(i64, u32), usize> = HashMap::new();
    for (i, t) in buf.tasks.iter().enumerate() {
        if let Some(task) = t.state.tasks.get(t.index) {
            last.insert((t.case_id, task.no), i);
        }
    }
    let mut order: Vec<usize> = last.into_values().collect();
    order.sort_unstable();
    let (tasks, new_tasks) = order
        .iter()
        .filter_map(|&i| {
            let t = buf.tasks.get(i)?;
            let task = t.state.tasks.get(t.index)?;
            let mut row = task_row(&t.def, &t.state, t.case_id, task);
            row.id = buf
                .held
                .get(&t.case_id)
                .and_then(|h| h.loaded.task_id(task.no));
            Some((row, t.new))
        })
        .unzip();
    let n = buf.jobs.iter().map(|(_, r, _)| *r + 1).max().unwrap_or(0);
    let mut rounds = Vec::new();
    for round in 0..n {
        let cancels: Vec<(i64, i64)> = buf
            .jobs
            .iter()
            .filter(|(_, r, _)| *r == round)
            .filter_map(|(case, _, op)| match op {
                JobOp::Cancel { run } => Some((*case, run.unwrap_or(-1))),
                JobOp::Arm { .. } => None,
            })
            .collect();
        let mut arms: Vec<JobArm<'_>> = Vec::new();
        for (case, r, op) in &buf.jobs {
            if let (true, JobOp::Arm { run, rung, at }) = (*r == round, op) {
                let arm = JobArm {
                    case_id: *case,
                    run_no: *run,
                    rung,
                    due_at: *at,
                };
                match arms
                    .iter_mut()
                    .find(|a| a.case_id == *case && a.run_no == *run && a.rung == *rung)
                {
                    Some(a) => *a = arm,
                    None => arms.push(arm),
                }
            }
        }
        rounds.push(Round { cancels, arms });
    }
    let events = buf
        .events
        .iter()
        .map(|e| EventWrite {
            at: e.at,
            kind: e.kind,
            actor_person_id: Some(e.person),
            actor_post_id: Some(e.post),
            subject: &e.subject,
            detail: &e.detail,
            ip: e.ip.as_deref(),
        })
        .collect();
    Plan {
        cases,
        tasks,
        new_tasks,
        rounds,
        events,
    }
}

/// The cases whose outcomes list open tasks of which `known` has no id.
fn wanting_ids(ended: &[Ended], known: &[(i64, i64, i64)]) -> Vec<i64> {
    let known: HashSet<(i64, i64)> = known.iter().map(|(c, no, _)| (*c, *no)).collect();
    let mut out: Vec<i64> = Vec::new();
    for e in ended {
        if let Ended::Done { out: o, .. } = e
            && o.open_tasks
                .iter()
                .any(|t| !known.contains(&(o.case_id, i64::from(t.no))))
            && !out.contains(&o.case_id)
        {
            out.push(o.case_id);
        }
    }
    out
}

/// The outcomes learn their task ids; answers the responses to store under new idempotency
/// keys, as (index into the buffer's keys, response).
fn settle(ended: &mut [Ended], ids: &[(i64, i64, i64)]) -> Result<Vec<(usize, String)>> {
    let ids: HashMap<(i64, i64), i64> = ids
        .iter()
        .map(|(case, no, id)| ((*case, *no), *id))
        .collect();
    let mut responses = Vec::new();
    for e in ended.iter_mut() {
        if let Ended::Done { out, key } = e {
            for t in &mut out.open_tasks {
                if let Some(id) = ids.get(&(out.case_id, i64::from(t.no))) {
                    t.id = *id;
                }
            }
            if let Some(k) = key {
                let text =
                    serde_json::to_string(out).map_err(|e| ServiceError::Internal(e.into()))?;
                responses.push((*k, text));
            }
        }
    }
    Ok(responses)
}

fn key_rows<'b>(buf: &'b Buffer, responses: &'b [(usize, String)]) -> Vec<IdempotentWrite<'b>> {
    responses
        .iter()
        .filter_map(|(k, text)| {
            let (person, key, hash, at) = buf.keys.get(*k)?;
            Some(IdempotentWrite {
                person_id: *person,
                key,
                request_hash: hash,
                response: text,
                created_at: *at,
            })
        })
        .collect()
}

/// Which of the cases read for refusals moved, from their stored versions.
fn moved_of(unsure: &[(i64, i64)], stored: Vec<(i64, i64)>) -> HashSet<i64> {
    let stored: HashMap<i64, i64> = stored.into_iter().collect();
    unsure
        .iter()
        .filter(|(id, base)| stored.get(id) != Some(base))
        .map(|(id, _)| *id)
        .collect()
}

/// Writes the batch into a transaction of the pool (PostgreSQL, or SQLite without the writer
/// thread); the caller commits.
async fn write_in(
    tx: &mut Tx,
    buf: &Buffer,
    ended: &mut [Ended],
    unsure: &[(i64, i64)],
) -> Written {
    let r: Result<Written> = async {
        let states = case_states(buf)?;
        let plan = plan(buf, &states);
        if !plan.cases.is_empty() {
            let n = xn_store::flow::update_cases(tx, &plan.cases).await?;
            if n != plan.cases.len() as u64 {
                return Ok(Written::Stale);
            }
        }
        let mut ids = xn_store::flow::upsert_tasks(tx, &plan.tasks).await?;
        for round in &plan.rounds {
            if !round.cancels.is_empty() {
                xn_store::flow::cancel_jobs_many(tx, &round.cancels).await?;
            }
            if !round.arms.is_empty() {
                xn_store::flow::arm_jobs(tx, &round.arms).await?;
            }
        }
        if !plan.events.is_empty() {
            xn_store::flow::insert_events(tx, &plan.events).await?;
        }
        let wanting = wanting_ids(ended, &ids);
        if !wanting.is_empty() {
            ids.extend(xn_store::flow::task_ids(tx, &wanting).await?);
        }
        let responses = settle(ended, &ids)?;
        if !responses.is_empty() {
            xn_store::flow::insert_idempotency_keys(tx, &key_rows(buf, &responses)).await?;
        }
        let unsure_ids: Vec<i64> = unsure.iter().map(|(id, _)| *id).collect();
        let stored = if unsure_ids.is_empty() {
            Vec::new()
        } else {
            xn_store::flow::case_versions(tx, &unsure_ids).await?
        };
        Ok(Written::Committed {
            moved: moved_of(unsure, stored),
            ids,
        })
    }
    .await;
    r.unwrap_or(Written::Failed)
}

/// Writes and commits the batch on the SQLite writer thread, in one job: the statements run
/// there without a hop between them, and the states are serialized there too.
fn write_job(
    tx: xn_store::writer::WriteTx<'_>,
    buf: &Buffer,
    states: &[(i64, Vec<u8>)],
    ended: &mut [Ended],
    unsure: &[(i64, i64)],
) -> Written {
    use xn_store::flow::on_writer as w;
    let r: Result<Written> = (|| {
        let plan = plan(buf, states);
        if w::update_cases(&tx, &plan.cases)? != plan.cases.len() as u64 {
            return Ok(Written::Stale);
        }
        let mut ids = w::write_tasks(&tx, &plan.tasks, &plan.new_tasks)?;
        for round in &plan.rounds {
            w::cancel_jobs_many(&tx, &round.cancels)?;
            w::arm_jobs(&tx, &round.arms)?;
        }
        w::insert_events(&tx, &plan.events)?;
        // The ids the outcomes list: those just inserted, those the held cases knew, and a
        // read for the rest.
        for (case, h) in &buf.held {
            ids.extend(
                h.loaded
                    .task_ids
                    .iter()
                    .map(|(no, id)| (*case, i64::from(*no), *id)),
            );
        }
        let wanting = wanting_ids(ended, &ids);
        ids.extend(w::task_ids(&tx, &wanting)?);
        let responses = settle(ended, &ids)?;
        w::insert_idempotency_keys(&tx, &key_rows(buf, &responses))?;
        let unsure_ids: Vec<i64> = unsure.iter().map(|(id, _)| *id).collect();
        let moved = moved_of(unsure, w::case_versions(&tx, &unsure_ids)?);
        Ok(Written::Committed { moved, ids })
    })();
    match r {
        Ok(Written::Committed { moved, ids }) => match tx.commit() {
            Ok(()) => Written::Committed { moved, ids },
            Err(e) => Written::CommitFailed(e.to_string()),
        },
        Ok(other) => other,
        Err(_) => Written::Failed,
    }
}
