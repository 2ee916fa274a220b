//! Where an action's writes go: straight into the transaction (the direct path), or into the
//! batch's buffer, with what the batch holds of each case it touched.
//!
//! Holds the buffer and the loading of cases for an action, and how a refused action's writes
//! are taken back; not the computing of a batch (`prepare.rs`) nor its write (`plan.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use xn_domain::flow::{CaseState, CaseStatus, ProcessDef};
use xn_store::area_writes::AreaWrite;
use xn_store::writer::SqliteWriter;
use xn_store::{Db, Tx};

use super::Loaded;
use crate::flow::JobOp;
use crate::{Result, ServiceError, Services, ms};

/// A case held by the batch.
#[derive(Clone)]
pub(super) struct Held {
    pub(super) loaded: Loaded,
    /// The version of the row the state was computed from (what the write checks).
    pub(super) base: i64,
    /// Read from the database in this transaction (else from the cache).
    pub(super) from_db: bool,
    /// Changes by earlier actions of this batch.
    pub(super) rounds: u32,
    /// The instant of the last change.
    pub(super) now: DateTime<Utc>,
    /// The highest task number of the state the batch started from: tasks numbered above it
    /// are new rows.
    base_tasks: u32,
    /// The status of the state the batch started from, as its row holds it.
    pub(super) base_status: CaseStatus,
}

impl Held {
    /// A case as the batch first holds it.
    pub(super) fn first(loaded: Loaded, from_db: bool) -> Held {
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
pub(super) struct TaskRef {
    /// Not yet a row (numbered above the batch's starting state).
    pub(super) new: bool,
    pub(super) case_id: i64,
    pub(super) def: Arc<ProcessDef>,
    pub(super) state: Arc<CaseState>,
    pub(super) index: usize,
}

pub(super) struct EventRef {
    pub(super) at: i64,
    pub(super) kind: &'static str,
    pub(super) person: i64,
    pub(super) post: i64,
    pub(super) subject: String,
    pub(super) detail: String,
    pub(super) ip: Option<String>,
}

/// Where an action's writes go: straight into the transaction (the direct path), or into the
/// batch's buffer.
pub(crate) struct Work<'t> {
    pub(super) tx: Slot<'t>,
    pub(super) buf: Option<Buffer>,
    /// On SQLite, the writer thread, whose read-only connection answers the organisation's
    /// reads of assignee rules without a round trip to a pool worker.
    pub(super) reader: Option<SqliteWriter>,
}

/// Where an action reads rows that flow actions do not change (the organisation for assignee
/// rules; a document's text and elements for the 签发 rules): the action's transaction, or, for
/// a batch on SQLite, the writer thread's read-only connection, which answers without a round
/// trip to a pool worker. Committed rows are what such a read must see.
pub(crate) enum CommittedRead<'a> {
    /// Through the transaction.
    Tx(&'a mut Tx),
    /// Through the writer's read-only connection.
    Writer(&'a SqliteWriter),
}

impl CommittedRead<'_> {
    /// Active posts of a position in a unit.
    pub(crate) async fn posts_with_position(
        &mut self,
        unit: i64,
        position: &str,
    ) -> Result<Vec<i64>> {
        Ok(match self {
            CommittedRead::Tx(tx) => {
                xn_store::flow::posts_with_position(tx, unit, position).await?
            }
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::posts_with_position(r, unit, position))?
            }
        })
    }

    /// A unit's parent.
    pub(crate) async fn parent_unit(&mut self, unit: i64) -> Result<Option<i64>> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::flow::parent_unit(tx, unit).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::parent_unit(r, unit))?
            }
        })
    }

    /// The first child unit of a kind.
    pub(crate) async fn child_unit_of_kind(
        &mut self,
        unit: i64,
        kind: &str,
    ) -> Result<Option<i64>> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::flow::child_unit_of_kind(tx, unit, kind).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::child_unit_of_kind(r, unit, kind))?
            }
        })
    }

    /// A unit and every unit above it, nearest first.
    pub(crate) async fn unit_chain(&mut self, unit: i64) -> Result<Vec<xn_store::org::ChainRow>> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::org::unit_chain(tx, unit).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::unit_chain(r, unit))?
            }
        })
    }

    /// A unit's parent, kind, name and 机关代字.
    pub(crate) async fn unit_brief(
        &mut self,
        unit: i64,
    ) -> Result<(Option<i64>, String, String, Option<String>)> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::org::unit_brief(tx, unit).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::unit_brief(r, unit))?
            }
        })
    }

    /// The name of the person holding a post.
    pub(crate) async fn post_person_name(&mut self, post: i64) -> Result<String> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::org::post_person_name(tx, post).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::post_person_name(r, post))?
            }
        })
    }

    /// The name of a post's holder and the post's 密级 clearance code.
    pub(crate) async fn post_clearance(&mut self, post: i64) -> Result<(String, String)> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::org::post_clearance(tx, post).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::post_clearance(r, post))?
            }
        })
    }

    /// A document's 密级 code (changed by editing the draft, never by a flow action).
    pub(crate) async fn document_classification(&mut self, document: i64) -> Result<String> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::documents::classification(tx, document).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::documents::on_writer::classification(r, document))?
            }
        })
    }

    /// A 督办事项's 密级 code (its source document's).
    pub(crate) async fn supervision_classification(&mut self, item: i64) -> Result<String> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::supervision::item_classification(tx, item).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::supervision::on_writer::item_classification(r, item))?
            }
        })
    }

    /// An information case's 密级 code (its item's): `receipt` when the link is a receipt.
    /// Information cases are never batched, so this is read on the direct path only.
    pub(crate) async fn information_classification(
        &mut self,
        link: i64,
        receipt: bool,
    ) -> Result<String> {
        match self {
            CommittedRead::Tx(tx) => {
                Ok(xn_store::information::classification(tx, link, receipt).await?)
            }
            CommittedRead::Writer(_) => Err(needs_direct()),
        }
    }

    /// What the 签发 rules read of a document.
    pub(crate) async fn rule_source(
        &mut self,
        document: i64,
    ) -> Result<xn_store::documents::RuleSource> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::documents::rule_source(tx, document).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::documents::on_writer::rule_source(r, document))?
            }
        })
    }

    /// A post's unit and whether it is active.
    pub(crate) async fn post_unit(&mut self, post: i64) -> Result<Option<(i64, i16)>> {
        Ok(match self {
            CommittedRead::Tx(tx) => xn_store::flow::post_unit(tx, post).await?,
            CommittedRead::Writer(w) => {
                w.read(|r| xn_store::flow::on_writer::org::post_unit(r, post))?
            }
        })
    }
}

/// The transaction an action reads (and on the direct path, writes) through.
pub(super) enum Slot<'t> {
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
pub(super) struct Buffer {
    pub(super) held: HashMap<i64, Held>,
    /// (case, previous entry) for the action being computed.
    undo: Vec<(i64, Option<Held>)>,
    /// Cases the action being computed read.
    pub(super) read: Vec<i64>,
    pub(super) tasks: Vec<TaskRef>,
    pub(super) jobs: Vec<(i64, u32, JobOp)>,
    pub(super) events: Vec<EventRef>,
    /// Idempotency keys claimed in this batch: (person, key, fingerprint, epoch ms).
    pub(super) keys: Vec<(i64, String, String, i64)>,
    /// The areas' writes, in the order the actions made them; written after the flow's rows.
    pub(super) area: Vec<AreaWrite>,
}

pub(super) struct Mark {
    tasks: usize,
    jobs: usize,
    events: usize,
    pub(super) keys: usize,
    area: usize,
}

/// An action that must run on the direct path.
#[derive(Debug, thiserror::Error)]
#[error("action needs the direct path")]
pub(crate) struct NeedsDirect;

pub(crate) fn needs_direct() -> ServiceError {
    ServiceError::Internal(anyhow::Error::new(NeedsDirect))
}

pub(super) fn is_needs_direct(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Internal(a) if a.is::<NeedsDirect>())
}

/// A refusal by a rule (the action is wrong for the case), as opposed to a failure of the
/// database, after which the transaction cannot go on.
pub(super) fn is_refusal(e: &ServiceError) -> bool {
    match e {
        ServiceError::Internal(_) | ServiceError::Constraint { .. } => false,
        ServiceError::Invalid { .. }
        | ServiceError::BadRows(_)
        | ServiceError::Unauthenticated(_)
        | ServiceError::Forbidden(_)
        | ServiceError::NotFound(_)
        | ServiceError::Conflict { .. }
        | ServiceError::Nonconforming(_)
        | ServiceError::Locked(_)
        | ServiceError::Throttled(_)
        | ServiceError::TooFrequent(_) => true,
    }
}

impl Slot<'_> {
    /// The transaction, the batch's own opened on first use.
    async fn get(&mut self) -> Result<&mut Tx> {
        match self {
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
}

impl<'t> Work<'t> {
    /// Writes go straight into `tx`.
    pub(crate) fn direct(tx: &'t mut Tx) -> Work<'t> {
        Work {
            tx: Slot::Borrowed(tx),
            buf: None,
            reader: None,
        }
    }

    /// The transaction to read (and on the direct path, write) through; the batch opens its own
    /// on first use.
    pub(crate) async fn tx(&mut self) -> Result<&mut Tx> {
        self.tx.get().await
    }

    /// Where the action reads rows that flow actions do not change ([`CommittedRead`]).
    pub(crate) async fn committed(&mut self) -> Result<CommittedRead<'_>> {
        let Work { tx, buf, reader } = self;
        if buf.is_some()
            && let Some(w) = reader.as_ref()
        {
            return Ok(CommittedRead::Writer(w));
        }
        Ok(CommittedRead::Tx(tx.get().await?))
    }

    /// Whether writes are buffered.
    pub(crate) fn buffered(&self) -> bool {
        self.buf.is_some()
    }

    /// Carries an area's write with the batch (on the direct path there is no buffer: the
    /// caller writes at once, see `AreaTx::write`).
    pub(crate) fn push_area(&mut self, w: AreaWrite) {
        if let Some(buf) = self.buf.as_mut() {
            buf.area.push(w);
        }
    }

    /// The caller's transaction on the direct path; in a batch, the action must go there.
    pub(crate) fn direct_tx(&mut self) -> Result<&mut Tx> {
        match &mut self.tx {
            Slot::Borrowed(t) if self.buf.is_none() => Ok(&mut **t),
            _ => Err(needs_direct()),
        }
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
    pub(super) fn mark(&mut self) -> Mark {
        self.undo.clear();
        self.read.clear();
        Mark {
            tasks: self.tasks.len(),
            jobs: self.jobs.len(),
            events: self.events.len(),
            keys: self.keys.len(),
            area: self.area.len(),
        }
    }

    /// Forgets everything the current action did.
    pub(super) fn undo(&mut self, mark: &Mark) {
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
        self.area.truncate(mark.area);
    }
}
