//! Taking back a completed task (撤回): allowed while what it led to is untouched, and undone
//! by entering its step again for the same holder.

use super::{
    Acting, CaseState, CaseStatus, Ctx, FlowEvent, RunState, TaskKind, TaskState, step_of,
};
use crate::flow::FlowError;
use crate::flow::def::StepKind;

impl CaseState {
    pub(super) fn withdraw(
        &mut self,
        ctx: &Ctx<'_>,
        who: &Acting,
        task_no: u32,
        ev: &mut Vec<FlowEvent>,
    ) -> Result<(), FlowError> {
        let t = self
            .task(task_no)
            .ok_or_else(|| FlowError::invalid("没有这个待办"))?
            .clone();
        let acted_by_me = t.acted_by == Some(who.post) || (t.acted_by.is_none() && who.holds(&t));
        if !acted_by_me {
            return Err(FlowError::NotHolder("只有办理人本人可以撤回".into()));
        }
        if t.state != TaskState::Done || t.kind == TaskKind::Read {
            return Err(FlowError::state("只能撤回已办理的待办"));
        }
        if self.status == CaseStatus::Closed {
            return Err(FlowError::state("事项已办结，不能撤回"));
        }
        let run = self
            .run(t.run)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))?
            .clone();
        if run.state != RunState::Done || run.completed_by != Some(task_no) {
            return Err(FlowError::state("本环节尚未流转，无需撤回"));
        }
        // The runs the completion led to, through automatic steps.
        let mut next: Vec<u32> = Vec::new();
        let mut frontier = vec![run.no];
        while let Some(cur) = frontier.pop() {
            for r in self.runs.iter().filter(|r| r.from == Some(cur)) {
                let s = step_of(ctx.def, &r.step)?;
                if s.kind == StepKind::Join {
                    return Err(FlowError::state("各分支已汇聚，不能撤回"));
                }
                next.push(r.no);
                if matches!(
                    s.kind,
                    StepKind::Exclusive | StepKind::Split | StepKind::Read
                ) {
                    frontier.push(r.no);
                }
            }
        }
        // A run that led nowhere arrived at a join. Once that join fired (or the arrival was
        // dropped by a return), the branch is no longer waiting there and cannot be taken back:
        // doing it again would bring an extra arrival to the join.
        let spent_arrival = std::iter::once(run.no)
            .chain(next.iter().copied())
            .any(|no| {
                self.run(no).is_some_and(|r| {
                    r.state == RunState::Done
                        && step_of(ctx.def, &r.step).is_ok_and(|s| s.kind != StepKind::End)
                        && !self.runs.iter().any(|x| x.from == Some(no))
                        && !self.joins.values().any(|a| a.contains(&no))
                })
            });
        if spent_arrival {
            return Err(FlowError::state("各分支已汇聚，不能撤回"));
        }
        let touched = self.tasks.iter().any(|x| {
            next.contains(&x.run)
                && x.kind == TaskKind::Task
                && (x.state.is_acted() || x.state == TaskState::Removed)
        });
        if touched
            || self.runs.iter().any(|r| {
                next.contains(&r.no)
                    && r.state != RunState::Active
                    && step_of(ctx.def, &r.step)
                        .is_ok_and(|s| matches!(s.kind, StepKind::Task | StepKind::Fanout))
            })
        {
            return Err(FlowError::state("下一环节已办理，不能撤回"));
        }
        if self
            .runs
            .iter()
            .any(|r| next.contains(&r.no) && !r.children.is_empty())
        {
            return Err(FlowError::state("已分送，不能撤回"));
        }
        for no in &next {
            let is_read = self
                .run(*no)
                .and_then(|r| ctx.def.step(&r.step))
                .is_some_and(|s| s.kind == StepKind::Read);
            if is_read {
                // Read tasks already sent stay: reading does not block, and a notice once read
                // cannot be unread. Unread ones are taken back.
                for x in self
                    .tasks
                    .iter_mut()
                    .filter(|x| x.run == *no && x.state.is_pending())
                {
                    x.state = TaskState::Cancelled;
                }
                if let Ok(r) = self.run_mut(*no) {
                    r.state = RunState::Withdrawn;
                    r.left_at = Some(ctx.now);
                }
            } else {
                self.cancel_run(ctx, *no, RunState::Withdrawn, ev);
            }
        }
        for arrivals in self.joins.values_mut() {
            arrivals.retain(|a| *a != run.no && !next.contains(a));
        }
        let step = step_of(ctx.def, &run.step)?.clone();
        let new_run = self.push_run(ctx, &step, run.from, run.resume_to.clone());
        ev.push(FlowEvent::Withdrawn {
            task: task_no,
            step: step.id.clone(),
            runs: next,
        });
        ev.push(FlowEvent::StepEntered {
            run: new_run,
            step: step.id.clone(),
            due: self
                .run(new_run)
                .and_then(|r| r.due.as_ref().map(|d| d.date)),
            resume_to: run.resume_to.clone(),
        });
        ev.extend(self.assign(ctx, new_run, &[t.post])?);
        Ok(())
    }
}
