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
//! entries are dropped, and the actions run again on the direct path ([`Work::direct`]), which
//! locks and reads every case. A refusal computed from a cached state that the batch does not
//! also write is confirmed against the stored version before it is answered, or sent to the
//! direct path.
//!
//! What the batch cannot buffer (a fan-out that starts child cases, a second use of one
//! idempotency key in the same batch) is handed to the direct path as well.
//!
//! On SQLite the batch is written and committed by the writer thread (`xn_store::writer`) in one
//! job, and the actions read what the cache does not hold through a read-only transaction of the
//! pool; a batch whose cases are all cached reads nothing. Starts go to the direct path there
//! (they insert their row to learn their id). On PostgreSQL the batch opens its write
//! transaction on first use and writes each table with one statement.
//!
//! This file holds the case states a batch works on ([`Loaded`]) and their cache. The parts:
//! `work.rs`, where an action's writes go (the transaction, or the batch's buffer);
//! `prepare.rs`, computing a batch in memory and answering it once written; `plan.rs`, what a
//! buffer writes; `pool.rs`, writing through a transaction of the pool; `on_writer.rs`, the
//! hand-off to the SQLite writer thread.

use std::collections::HashMap;
use std::sync::Arc;

use xn_domain::flow::{CaseState, CaseStatus, Fields};
use xn_store::flow::CaseRow;

use crate::Result;

mod on_writer;
mod plan;
mod pool;
mod prepare;
mod work;

pub(crate) use on_writer::{Submitted, submit};
pub(crate) use pool::run;
pub(crate) use work::{CommittedRead, Work, needs_direct};

/// What never changes in a case once started (read with its row).
#[derive(Debug)]
pub(crate) struct CaseInfo {
    pub(crate) process_id: i64,
    pub(crate) unit_id: i64,
    pub(crate) starter: i64,
    pub(crate) parent_case_id: Option<i64>,
    pub(crate) fields: Arc<Fields>,
    /// The area's row the case belongs to.
    pub(crate) link: Option<i64>,
}

impl CaseInfo {
    fn of(row: &CaseRow) -> CaseInfo {
        CaseInfo {
            process_id: row.process_id,
            unit_id: row.unit_id,
            starter: row.starter_post_id,
            parent_case_id: row.parent_case_id,
            fields: Arc::new(serde_json::from_str(&row.fields).unwrap_or_default()),
            link: row.link_id,
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
