//! Writing what an action changed: the case's row (version-checked), the changed tasks, the
//! timers, the event row; and what follows a close (a fan-out parent hears of its child).
//!
//! Holds the pure parts of the write as well (which tasks changed, which timers move, the event
//! row, the task row, the outcome) with their tests, so that the direct path here and the batch
//! (`batch/`) write the same rows. No rule of the engine lives here: it writes what the engine
//! computed.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use xn_domain::calendar::Calendar;
use xn_domain::flow::ladder::rungs;
use xn_domain::flow::{Action, CaseState, CaseStatus, FlowEvent, ProcessDef, RunState, Task};
use xn_store::flow::{EventWrite, TaskWrite};

use super::batch::Work;
use super::{ActionOutcome, ActorRef, CaseCtx, JobOp, OpenTask, stale, stored};
use crate::{Result, Services, ms};

impl Services {
    /// Writes a case's new state: the row (version-checked), the changed tasks, the timers of
    /// the changed runs, and the events. On the batch path they are buffered instead, and the
    /// task ids come with the batch's write.
    #[expect(
        clippy::too_many_arguments,
        reason = "one write of everything an action changed"
    )]
    pub(super) async fn persist(
        &self,
        w: &mut Work<'_>,
        def: &Arc<ProcessDef>,
        cal: &Calendar,
        case: &CaseCtx,
        version: i64,
        before: &CaseState,
        after: &Arc<CaseState>,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
        first: Option<&str>,
    ) -> Result<(i64, HashMap<i64, i64>)> {
        let tasks = changed_tasks(before, after);
        let jobs = job_ops(def, cal, before, after, now, first.is_some());
        let row = event_row(&self.sealed_events(case.id, events)?, first);
        if w.buffered() {
            let new_version = if first.is_some() { 1 } else { version + 1 };
            w.buffer(
                case.id,
                new_version,
                def,
                after,
                tasks,
                jobs,
                row,
                (actor.person_id, actor.post_id, actor.ip.as_deref()),
                now,
            )?;
            return Ok((new_version, HashMap::new()));
        }
        let state_bytes = stored::encode(after)?;
        let new_version = if first.is_some() {
            // Just inserted at version 1: write the resolved state.
            xn_store::flow::write_initial_state(
                w.tx().await?,
                case.id,
                &state_bytes,
                after.status.code(),
                after.due.as_ref().map(|d| d.date.to_string()),
            )
            .await?;
            1
        } else {
            xn_store::flow::update_case(
                w.tx().await?,
                case.id,
                version,
                &state_bytes,
                after.status.code(),
                after.due.as_ref().map(|d| d.date.to_string()),
                ms(now),
            )
            .await
            .map_err(|e| match e {
                xn_store::StoreError::Conflict(_) => stale(version + 1, version),
                other => other.into(),
            })?
        };
        let rows: Vec<TaskWrite<'_>> = tasks
            .iter()
            .filter_map(|&i| after.tasks.get(i))
            .map(|t| task_row(def, after, case.id, t))
            .collect();
        let mut ids: HashMap<i64, i64> = xn_store::flow::write_tasks(w.tx().await?, &rows)
            .await?
            .into_iter()
            .collect();
        // The outcome lists every open task with its id, those this action left alone too.
        if after.tasks.iter().any(|t| {
            t.state == xn_domain::flow::TaskState::Open && !ids.contains_key(&i64::from(t.no))
        }) {
            for (_, no, id) in xn_store::flow::task_ids(w.tx().await?, &[case.id]).await? {
                ids.insert(no, id);
            }
        }
        for op in jobs {
            match op {
                JobOp::Cancel { run } => {
                    xn_store::flow::cancel_jobs(w.tx().await?, case.id, run).await?;
                }
                JobOp::Arm { run, rung, at } => {
                    xn_store::flow::arm_job(w.tx().await?, case.id, run, rung, at).await?;
                }
            }
        }
        let subject = format!("case:{}", case.id);
        let rows: Vec<EventWrite<'_>> = row
            .iter()
            .map(|(kind, detail)| EventWrite {
                at: ms(now),
                kind,
                actor_person_id: Some(actor.person_id),
                actor_post_id: Some(actor.post_id),
                subject: &subject,
                detail,
                ip: actor.ip.as_deref(),
            })
            .collect();
        if !rows.is_empty() {
            xn_store::flow::insert_events(w.tx().await?, &rows).await?;
        }
        Ok((new_version, ids))
    }

    /// When a fan-out child closes, its parent hears of it in the same transaction.
    pub(super) async fn after_close(
        &self,
        w: &mut Work<'_>,
        case: &CaseCtx,
        state: &CaseState,
        actor: &ActorRef,
        now: DateTime<Utc>,
        parent: Option<i64>,
    ) -> Result<()> {
        if state.status != CaseStatus::Closed {
            return Ok(());
        }
        let Some(parent_id) = parent else {
            return Ok(());
        };
        let prow = w.load(self, parent_id, None).await?;
        let Some(run) = prow
            .state
            .runs
            .iter()
            .find(|r| r.children.iter().any(|c| c.case_id == case.id))
            .map(|r| r.no)
        else {
            return Ok(());
        };
        let outcome = state.decision.clone().unwrap_or_else(|| "已办结".into());
        let system = ActorRef {
            flow_admin: true,
            ..actor.clone()
        };
        Box::pin(self.act_in(
            w,
            &system,
            parent_id,
            None,
            &Action::ChildClosed {
                run,
                case_id: case.id,
                outcome,
            },
            now,
        ))
        .await?;
        Ok(())
    }
}

/// The events of a start: `CaseStarted` first, and once.
pub(super) fn start_events(
    state: &CaseState,
    events: Vec<FlowEvent>,
    starter: i64,
) -> Vec<FlowEvent> {
    let mut first = events;
    first.insert(
        0,
        FlowEvent::CaseStarted {
            post: starter,
            due: state.due.as_ref().map(|d| d.date),
        },
    );
    let mut seen = false;
    first.retain(|e| {
        if matches!(e, FlowEvent::CaseStarted { .. }) {
            if seen {
                return false;
            }
            seen = true;
        }
        true
    });
    first
}

/// The tasks whose projection an action rewrites (indices into `after.tasks`): new and changed
/// tasks, and tasks of runs whose deadline moved. An open task the action left alone is not
/// rewritten: the outcome learns its id from the cache or a read (a rewrite cost an update of
/// `tasks(post_id, state)` as well).
fn changed_tasks(before: &CaseState, after: &CaseState) -> Vec<usize> {
    let moved: Vec<u32> = after
        .runs
        .iter()
        .filter(|r| before.run(r.no).is_some_and(|o| o.due != r.due))
        .map(|r| r.no)
        .collect();
    after
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| before.task(t.no) != Some(*t) || moved.contains(&t.run))
        .map(|(i, _)| i)
        .collect()
}

/// The timer changes of an action. Closing or pausing cancels every timer (resuming re-arms
/// them); otherwise a run entered or moved arms its rungs, a run left cancels its own.
///
/// A run entered for the first time (and the case's own deadline at the start) has fired
/// nothing yet: only its first rung is armed, and each rung arms the next when it fires
/// (`timers::fire_rung`), so a step costs one timer row instead of one per rung. A run moved,
/// re-activated or resumed may have fired some: every rung is armed again, and those already
/// fired stay fired.
fn job_ops(
    def: &ProcessDef,
    cal: &Calendar,
    before: &CaseState,
    after: &CaseState,
    now: DateTime<Utc>,
    first: bool,
) -> Vec<JobOp> {
    let mut ops = Vec::new();
    let stopped = (after.status == CaseStatus::Closed && before.status != CaseStatus::Closed)
        || (after.status == CaseStatus::Paused && before.status != CaseStatus::Paused);
    if stopped {
        ops.push(JobOp::Cancel { run: None });
    } else if after.status == CaseStatus::Running {
        let resumed = before.status == CaseStatus::Paused;
        for run in &after.runs {
            let old = before.run(run.no);
            let changed = old.is_none_or(|o| o.state != run.state || o.due != run.due);
            if !(changed || resumed) {
                continue;
            }
            if run.state == RunState::Active {
                if let Some(due) = &run.due {
                    let ladder = rungs(due, &def.ladder, cal, run.entered_at);
                    let take = if old.is_none() { 1 } else { ladder.len() };
                    for (rung, at) in ladder.into_iter().take(take) {
                        ops.push(JobOp::Arm {
                            run: i64::from(run.no),
                            rung: rung.code(),
                            at: ms(at),
                        });
                    }
                }
            } else if old.is_some_and(|o| o.state == RunState::Active) {
                ops.push(JobOp::Cancel {
                    run: Some(i64::from(run.no)),
                });
            }
        }
        if (before.due != after.due || resumed || first)
            && let Some(due) = &after.due
        {
            let entered = after.runs.first().map_or(now, |r| r.entered_at);
            let ladder = rungs(due, &def.ladder, cal, entered);
            let take = if first { 1 } else { ladder.len() };
            for (rung, at) in ladder.into_iter().take(take) {
                ops.push(JobOp::Arm {
                    run: 0,
                    rung: rung.code(),
                    at: ms(at),
                });
            }
        }
    }
    ops
}

/// The one event row of an action: the kind of its first event (the action itself: a start, a
/// completion, a return…) and that event's details, followed under `then` by what the engine
/// did in consequence (steps done and entered, holders assigned, the case closed…), in order.
/// A start's details carry the title. `None` when the action changed nothing worth recording.
fn event_row(events: &[FlowEvent], first: Option<&str>) -> Option<(&'static str, String)> {
    let (head, then) = events.split_first()?;
    // Straight to text: every event is a JSON object, and the row's object is the first one's
    // (less its kind, which the row's own column holds) with the others appended, without a
    // tree of values in between.
    let json = serde_json::to_string(head).unwrap_or_else(|_| "{}".to_owned());
    let tag = format!("{{\"kind\":\"{}\"", head.kind().trim_start_matches("flow."));
    let mut detail = match json.strip_prefix(&tag) {
        Some(rest) => format!("{{{}", rest.strip_prefix(',').unwrap_or(rest)),
        None => json,
    };
    if !detail.ends_with('}') {
        return None;
    }
    detail.pop();
    let opened = detail.len() > 1;
    let mut sep = if opened { "," } else { "" };
    if let (Some(title), FlowEvent::CaseStarted { .. }) = (first, head) {
        detail.push_str(sep);
        detail.push_str("\"title\":");
        detail.push_str(&serde_json::to_string(title).ok()?);
        sep = ",";
    }
    if !then.is_empty() {
        detail.push_str(sep);
        detail.push_str("\"then\":");
        detail.push_str(&serde_json::to_string(then).ok()?);
    }
    detail.push('}');
    Some((head.kind(), detail))
}

pub(super) fn task_row<'a>(
    def: &'a ProcessDef,
    state: &'a CaseState,
    case_id: i64,
    task: &'a Task,
) -> TaskWrite<'a> {
    let run = state.run(task.run);
    let step_id = run.map(|r| r.step.as_str()).unwrap_or_default();
    let step_name = def.step(step_id).map_or(step_id, |s| s.name.as_str());
    let due = run.and_then(|r| r.due.as_ref());
    TaskWrite {
        case_id,
        task_no: i64::from(task.no),
        run_no: i64::from(task.run),
        step_id,
        step_name,
        kind: task.kind.code(),
        post_id: task.post,
        state: task.state.code(),
        due_date: due.map(|d| d.date.to_string()),
        due_at: due.map(|d| ms(d.at)),
        decision: task.decision.as_deref(),
        opinion: task.opinion.as_deref(),
        acted_by_post_id: task.acted_by,
        created_at: ms(task.created_at),
        acted_at: task.acted_at.map(ms),
        id: None,
    }
}

pub(super) fn outcome(
    case_id: i64,
    version: i64,
    state: &CaseState,
    events: &[FlowEvent],
    ids: &HashMap<i64, i64>,
) -> ActionOutcome {
    let open_tasks = state
        .tasks
        .iter()
        .filter(|t| t.state == xn_domain::flow::TaskState::Open)
        .map(|t| OpenTask {
            id: ids.get(&i64::from(t.no)).copied().unwrap_or(0),
            no: t.no,
            step: state.run(t.run).map(|r| r.step.clone()).unwrap_or_default(),
            post_id: t.post,
        })
        .collect();
    ActionOutcome {
        case_id,
        version,
        status: state.status.code().to_owned(),
        events: events.iter().map(|e| e.kind().to_owned()).collect(),
        open_tasks,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(row: Option<(&'static str, String)>) -> (&'static str, serde_json::Value) {
        let (kind, detail) = row.unwrap_or(("", String::new()));
        (kind, serde_json::from_str(&detail).unwrap_or_default())
    }

    #[test]
    fn an_action_is_one_row_with_its_consequences_under_then() {
        let events = [
            FlowEvent::TaskCompleted {
                task: 2,
                step: "check".into(),
                post: 7,
                acted_by: None,
                decision: "同意".into(),
                opinion: String::new(),
            },
            FlowEvent::StepDone {
                run: 2,
                step: "check".into(),
                decision: Some("同意".into()),
            },
            FlowEvent::CaseClosed { decision: None },
        ];
        let (kind, d) = parsed(event_row(&events, None));
        assert_eq!(kind, "flow.task_completed");
        // The row's kind is its column; what is absent or empty is left out.
        assert_eq!(
            d,
            json!({"task": 2, "step": "check", "post": 7, "decision": "同意", "then": [
                {"kind": "step_done", "run": 2, "step": "check", "decision": "同意"},
                {"kind": "case_closed"},
            ]})
        );
        assert_eq!(event_row(&[], None), None);
    }

    #[test]
    fn a_start_carries_its_title_and_a_bare_event_stays_an_object() {
        let started = [FlowEvent::CaseStarted { post: 3, due: None }];
        let (kind, d) = parsed(event_row(&started, Some("购置打印机")));
        assert_eq!(kind, "flow.case_started");
        assert_eq!(d, json!({"post": 3, "title": "购置打印机"}));
        let closed = [FlowEvent::CaseClosed { decision: None }];
        assert_eq!(
            event_row(&closed, Some("标题")),
            Some(("flow.case_closed", "{}".to_owned()))
        );
        let (_, d) = parsed(event_row(
            &[
                FlowEvent::CaseClosed { decision: None },
                FlowEvent::CaseClosed { decision: None },
            ],
            None,
        ));
        assert_eq!(d, json!({"then": [{"kind": "case_closed"}]}));
    }
}
