//! The hand-off of a batch to the SQLite writer thread (`xn_store::writer`): computed here,
//! written and committed there in one job, answered when the thread answers.
//!
//! Holds the hand-off and the job the thread runs; the batch is computed in `prepare.rs` and
//! laid out in `plan.rs`. The next batch is computed while this one is written.

use tokio::sync::oneshot;
use xn_store::writer::SqliteWriter;

use super::plan::{Written, case_states, key_rows, moved_of, plan, settle, wanting_ids};
use super::prepare::{Ended, Prepared, conclude, prepare};
use super::work::Buffer;
use crate::flow::{ActionOutcome, Op};
use crate::{Result, Services};

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
    if ended.iter().all(|e| matches!(e, Ended::Direct)) {
        // Nothing for the writer thread: every action was routed to the direct path.
        return Err(all());
    }
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
        // The areas' writes, after the rows they refer to (a document's case).
        for aw in &buf.area {
            xn_store::area_writes::apply_on_writer(&tx, aw)?;
        }
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
