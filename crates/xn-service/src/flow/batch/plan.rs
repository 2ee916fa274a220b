//! What a batch writes, laid out from its buffer: the last state of each changed case, the last
//! write of each task, the timers in rounds, the events in order; and what the write gives back
//! to the outcomes (task ids, stored answers of idempotency keys, cases that moved).
//!
//! Holds no statement: `pool.rs` and `on_writer.rs` write the plan, each through its own
//! connection.

use std::collections::{HashMap, HashSet};

use xn_store::flow::{CaseUpdate, EventWrite, IdempotentWrite, JobArm, TaskWrite};

use super::prepare::Ended;
use super::work::Buffer;
use crate::flow::JobOp;
use crate::flow::persist::task_row;
use crate::{Result, ServiceError, ms};

/// How writing a batch ended.
pub(super) enum Written {
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
pub(super) struct Plan<'b> {
    pub(super) cases: Vec<CaseUpdate<'b>>,
    pub(super) tasks: Vec<TaskWrite<'b>>,
    /// For each of `tasks`: not yet a row.
    pub(super) new_tasks: Vec<bool>,
    pub(super) rounds: Vec<Round<'b>>,
    pub(super) events: Vec<EventWrite<'b>>,
}

/// The timers of one round of changes: the n-th change of each case is written after its
/// (n-1)-th. Within one change, cancellations and armings concern different runs.
pub(super) struct Round<'b> {
    /// (case, run; -1: every run).
    pub(super) cancels: Vec<(i64, i64)>,
    pub(super) arms: Vec<JobArm<'b>>,
}

/// The states of the changed cases, encoded for storage.
pub(super) fn case_states(buf: &Buffer) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut out = Vec::new();
    for (id, h) in &buf.held {
        if h.loaded.version != h.base {
            out.push((*id, crate::flow::stored::encode(&h.loaded.state)?));
        }
    }
    Ok(out)
}

pub(super) fn plan<'b>(buf: &'b Buffer, states: &'b [(i64, Vec<u8>)]) -> Plan<'b> {
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
pub(super) fn wanting_ids(ended: &[Ended], known: &[(i64, i64, i64)]) -> Vec<i64> {
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
pub(super) fn settle(ended: &mut [Ended], ids: &[(i64, i64, i64)]) -> Result<Vec<(usize, String)>> {
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

pub(super) fn key_rows<'b>(
    buf: &'b Buffer,
    responses: &'b [(usize, String)],
) -> Vec<IdempotentWrite<'b>> {
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
pub(super) fn moved_of(unsure: &[(i64, i64)], stored: Vec<(i64, i64)>) -> HashSet<i64> {
    let stored: HashMap<i64, i64> = stored.into_iter().collect();
    unsure
        .iter()
        .filter(|(id, base)| stored.get(id) != Some(base))
        .map(|(id, _)| *id)
        .collect()
}
