//! Computing a batch in memory, and answering its actions once it is written.
//!
//! Holds the run of each action against the states the batch holds, the sorting of how each
//! ended (done, refused, or for the direct path), and the answers with the cache's update; not
//! the write itself (`pool.rs`, `on_writer.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use xn_store::Tx;
use xn_store::writer::SqliteWriter;

use super::Loaded;
use super::plan::Written;
use super::work::{Buffer, Held, Slot, Work, is_needs_direct, is_refusal};
use crate::areas;
use crate::flow::act::acted_step;
use crate::flow::{ActionOutcome, Op};
use crate::{Result, ServiceError, Services};

/// How an action of the batch ended.
pub(super) enum Ended {
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
pub(super) struct Prepared {
    pub(super) buf: Buffer,
    pub(super) ended: Vec<Ended>,
    /// Cases read for refusals, with the version the refusal was computed from.
    pub(super) unsure: Vec<(i64, i64)>,
    /// Every case the batch holds.
    pub(super) held: Vec<i64>,
    /// The transaction the actions read through, if any was opened.
    pub(super) tx: Option<Tx>,
}

/// Computes every action of a batch in memory. `None` when the database failed: then every
/// action goes to the direct path. With the SQLite writer (`writer`), the cases not in the
/// cache are read through its read-only connection, else through the batch's transaction.
pub(super) async fn prepare(
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
        reader: writer.cloned(),
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
        if let Op::Act {
            case_id, action, ..
        } = op
            && let Some(h) = work.buf.as_ref()?.held.get(case_id)
        {
            // An action whose area needs the transaction itself goes to the direct path
            // before anything is computed for it.
            let (process, state) = (h.loaded.info.process_id, Arc::clone(&h.loaded.state));
            let def = services.process_def(process).await.ok()?;
            if !areas::batched(def.item_kind, acted_step(&state, action)) {
                ended.push(Ended::Direct);
                continue;
            }
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

/// Answers a written batch and updates the cache; gives back the indices for the direct path.
pub(super) fn conclude(
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
