//! The flow engine's use cases: start a case, act on it, urge, and the timers behind the
//! escalation ladder.
//!
//! Every action reads the same way: authorize, lock the case, check its version, let the pure
//! engine (`xn_domain::flow`) compute the new state, find the holders of newly entered steps,
//! then write the state, the task projection, the timers and the events in the same
//! transaction. Actions go through a group-commit writer (`writer.rs`): durable before
//! acknowledged, several per commit under load. The writer computes a batch in memory and
//! writes each table once (`batch/`); what a batch cannot carry runs on the direct path, where
//! every write goes straight into the transaction.
//!
//! This file holds what the parts share: the caches (process definitions, the calendar, case
//! states), the operations the writer runs, and the engine's errors as the service answers
//! them. Each use case has its own file: `start.rs`, `act.rs`, `assign.rs` (holders),
//! `persist.rs` (the writes), `urge.rs` (催办, 工作交接) and `idempotency.rs`; none lives here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use xn_domain::calendar::Calendar;
use xn_domain::flow::{Action, FlowError, ProcessDef};

use crate::areas::StartedBy;
use crate::{Result, ServiceError, Services};

mod act;
pub mod admin;
mod assign;
mod batch;
mod ctx;
mod files;
mod handover;
mod idempotency;
pub mod opinions;
mod persist;
mod revise;
mod start;
pub mod stored;
pub mod timers;
mod urge;
pub mod views;
mod writer;

pub(crate) use batch::CommittedRead;
use batch::{Loaded, Work};
pub use ctx::{ActionOutcome, OpenTask, StartCase};
pub(crate) use ctx::{ActorRef, AreaTx, CaseCtx};
pub use files::{CaseAttachment, MAX_CASE_FILES, NewFile};
pub use idempotency::IdempotencyKey;
pub use revise::Revision;
pub(crate) use timers::Fired;

pub use views::*;

/// Caches and the writer of the flow engine, held by the services.
#[derive(Default)]
pub(crate) struct FlowState {
    defs: RwLock<HashMap<i64, Arc<ProcessDef>>>,
    calendar: RwLock<Option<(Instant, Arc<Calendar>)>>,
    writer: OnceLock<writer::Writer>,
    cases: Mutex<batch::CaseCache>,
}

/// How long the calendar read for deadlines is reused before it is read again (a change saved
/// on this server clears it at once).
const CALENDAR_TTL: Duration = Duration::from_secs(10);

/// A change to a case's timers, as an action makes it.
#[derive(Debug, Clone)]
pub(crate) enum JobOp {
    /// Cancel the pending timers of a run (`None`: of every run).
    Cancel { run: Option<i64> },
    /// Arm (or move) a rung of a run (0: the case's own deadline).
    Arm {
        run: i64,
        rung: &'static str,
        at: i64,
    },
}

/// What the writer runs.
#[derive(Clone)]
pub(crate) enum Op {
    Start {
        actor: ActorRef,
        input: StartCase,
        by: StartedBy,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    },
    Act {
        actor: ActorRef,
        case_id: i64,
        expected_version: Option<i64>,
        action: Action,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    },
}

fn flow_error(e: FlowError) -> ServiceError {
    match e {
        FlowError::State(m) => ServiceError::Conflict {
            code: "flow.state",
            message: m,
        },
        FlowError::NotHolder(m) => ServiceError::Forbidden(m),
        FlowError::Invalid(m) => ServiceError::Invalid {
            field: None,
            message: m,
        },
        FlowError::Definition(m) => ServiceError::Conflict {
            code: "flow.definition",
            message: m,
        },
    }
}

fn stale(current: i64, expected: i64) -> ServiceError {
    ServiceError::Conflict {
        code: "flow.stale",
        message: format!(
            "该事项已被他人更新（您看到的是第 {expected} 版，现在是第 {current} 版），请刷新后再办理"
        ),
    }
}

impl Services {
    pub(crate) fn flow_writer(&self) -> &writer::Writer {
        self.inner
            .flow
            .writer
            .get_or_init(|| writer::Writer::start(Arc::downgrade(&self.inner), self.db()))
    }

    /// A case state this server wrote last, under its version (a guess to be checked).
    pub(crate) fn flow_cache_get(&self, id: i64) -> Option<Loaded> {
        self.inner.flow.cases.lock().ok()?.get_entry(id)
    }

    /// Remembers case states just committed.
    pub(crate) fn flow_cache_put(&self, entries: impl IntoIterator<Item = (i64, Loaded)>) {
        if let Ok(mut cache) = self.inner.flow.cases.lock() {
            for (id, loaded) in entries {
                cache.put_entry(id, loaded);
            }
        }
    }

    /// Forgets case states that may be stale.
    pub(crate) fn flow_cache_forget(&self, ids: impl IntoIterator<Item = i64>) {
        if let Ok(mut cache) = self.inner.flow.cases.lock() {
            cache.forget(ids);
        }
    }

    /// The calendar for counting deadlines (cached briefly).
    pub(crate) async fn flow_calendar(&self) -> Result<Arc<Calendar>> {
        if let Ok(guard) = self.inner.flow.calendar.read()
            && let Some((at, cal)) = guard.as_ref()
            && at.elapsed() < CALENDAR_TTL
        {
            return Ok(Arc::clone(cal));
        }
        let cal = self.calendar().await?;
        if let Ok(mut guard) = self.inner.flow.calendar.write() {
            *guard = Some((Instant::now(), Arc::clone(&cal)));
        }
        Ok(cal)
    }

    /// Forgets the cached calendar (after a save).
    pub(crate) fn forget_flow_calendar(&self) {
        if let Ok(mut guard) = self.inner.flow.calendar.write() {
            *guard = None;
        }
    }

    /// A stored definition, parsed once per process (versions never change).
    pub(crate) async fn process_def(&self, id: i64) -> Result<Arc<ProcessDef>> {
        if let Ok(guard) = self.inner.flow.defs.read()
            && let Some(def) = guard.get(&id)
        {
            return Ok(Arc::clone(def));
        }
        let row = xn_store::flow::find_process(self.db(), id).await?;
        let def = ProcessDef::parse(
            &format!("{}（第 {} 版）", row.key, row.version),
            &row.source,
        )
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
        let def = Arc::new(def);
        if let Ok(mut guard) = self.inner.flow.defs.write() {
            guard.insert(id, Arc::clone(&def));
        }
        Ok(def)
    }

    /// A case's stored engine state as indented JSON, for inspection from the console (it is
    /// stored compressed).
    pub async fn case_state_json(&self, case_id: i64) -> Result<String> {
        let row = xn_store::flow::find_case(self.db(), case_id)
            .await
            .map_err(|e| match e {
                xn_store::StoreError::NotFound => ServiceError::NotFound("事项"),
                other => other.into(),
            })?;
        let value: serde_json::Value = serde_json::from_slice(&stored::json_of(&row.state)?)
            .map_err(|e| ServiceError::Internal(e.into()))?;
        serde_json::to_string_pretty(&value).map_err(|e| ServiceError::Internal(e.into()))
    }

    /// Runs one queued operation inside the writer's transaction.
    pub(crate) async fn run_op(&self, w: &mut Work<'_>, op: &Op) -> Result<ActionOutcome> {
        match op {
            Op::Start {
                actor,
                input,
                by,
                idem,
                now,
            } => {
                let now = *now;
                if let Some(stored) = self.claim_idem(w, actor, idem.as_ref(), now).await? {
                    return Ok(stored);
                }
                let out = self.start_in(w, actor, None, input, *by, None, now).await?;
                self.store_idem(w, actor, idem.as_ref(), &out).await?;
                Ok(out)
            }
            Op::Act {
                actor,
                case_id,
                expected_version,
                action,
                idem,
                now,
            } => {
                let now = *now;
                if let Some(stored) = self.claim_idem(w, actor, idem.as_ref(), now).await? {
                    return Ok(stored);
                }
                let out = self
                    .act_in(w, actor, *case_id, *expected_version, action, now)
                    .await?;
                self.store_idem(w, actor, idem.as_ref(), &out).await?;
                Ok(out)
            }
        }
    }
}
