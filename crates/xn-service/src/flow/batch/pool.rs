//! Writing a batch through a transaction of the pool: PostgreSQL, and SQLite when its writer
//! thread could not start. Each table is written with one statement.
//!
//! Holds the write and the commit only; the batch is computed in `prepare.rs`.

use xn_store::Tx;

use super::plan::{Written, case_states, key_rows, moved_of, plan, settle, wanting_ids};
use super::prepare::{Ended, Prepared, conclude, prepare};
use super::work::Buffer;
use crate::flow::{ActionOutcome, Op};
use crate::{Result, ServiceError, Services};

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
    if ended.iter().all(|e| matches!(e, Ended::Direct)) {
        // Nothing to write in a batch: every action was routed to the direct path.
        return all();
    }
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
        // The areas' writes, after the rows they refer to (a document's case).
        for w in &buf.area {
            xn_store::area_writes::apply(tx, w).await?;
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
