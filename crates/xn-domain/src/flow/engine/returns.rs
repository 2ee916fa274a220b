//! Returning a case to an earlier step (退回): where it may go, which branches are done again,
//! and the join arrivals that must be dropped or given back.

use super::{
    Acting, CaseState, Ctx, FlowEvent, Need, ReturnTarget, Run, RunState, TaskKind, TaskState,
    acted_by, step_of,
};
use crate::flow::def::{AfterReturn, AssigneeRule, ProcessDef, StepKind};
use crate::flow::{FlowError, PostId};

impl CaseState {
    #[expect(clippy::too_many_arguments, reason = "an action's fields")]
    pub(super) fn return_to(
        &mut self,
        ctx: &Ctx<'_>,
        who: &Acting,
        task_no: u32,
        target: &ReturnTarget,
        opinion: &str,
        jump_back: bool,
        ev: &mut Vec<FlowEvent>,
    ) -> Result<(), FlowError> {
        let t = self.own_open_task(who, task_no)?.clone();
        if t.kind == TaskKind::Read {
            return Err(FlowError::state("待阅不能退回"));
        }
        if t.delegate_of.is_some() {
            return Err(FlowError::state("委派来的待办不能退回，请办理后交还"));
        }
        if opinion.trim().is_empty() {
            return Err(FlowError::invalid("退回须填写理由"));
        }
        let run = self
            .run(t.run)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))?
            .clone();
        let step = step_of(ctx.def, &run.step)?.clone();
        if !step.returnable {
            return Err(FlowError::state(format!("「{}」不允许退回", step.name)));
        }
        // The run to return to.
        let target_run = match target {
            ReturnTarget::Previous => {
                let mut cur = run.from;
                let mut found = None;
                while let Some(no) = cur {
                    let r = self
                        .run(no)
                        .ok_or_else(|| FlowError::invalid("环节记录不完整"))?;
                    let s = step_of(ctx.def, &r.step)?;
                    if matches!(s.kind, StepKind::Start | StepKind::Task)
                        && r.state == RunState::Done
                    {
                        found = Some(r.clone());
                        break;
                    }
                    cur = r.from;
                }
                found.ok_or_else(|| FlowError::state("没有可退回的上一环节"))?
            }
            ReturnTarget::Step { step: id } => {
                let s = ctx
                    .def
                    .step(id)
                    .ok_or_else(|| FlowError::invalid(format!("没有环节「{id}」")))?;
                if !matches!(s.kind, StepKind::Start | StepKind::Task) {
                    return Err(FlowError::invalid(format!(
                        "「{}」不是办理环节，不能退回到这里",
                        s.name
                    )));
                }
                if *id == run.step {
                    return Err(FlowError::invalid("不能退回到本环节"));
                }
                self.runs
                    .iter()
                    .rev()
                    .find(|r| r.step == *id && r.state == RunState::Done && r.no < run.no)
                    .cloned()
                    .ok_or_else(|| {
                        FlowError::state(format!("「{}」尚未办理过，不能退回到这里", s.name))
                    })?
            }
        };
        // A return goes upstream: never into a parallel sibling branch, whose redoing would not
        // bring this branch back.
        if !ctx
            .def
            .reachable_from(&target_run.step)
            .contains(run.step.as_str())
        {
            return Err(FlowError::state(format!(
                "「{}」不在本环节之前，不能退回到这里",
                step_of(ctx.def, &target_run.step)?.name
            )));
        }
        let jump = match step.after_return {
            AfterReturn::FlowOn => false,
            AfterReturn::BackToReturner => true,
            AfterReturn::Choose => jump_back,
        };
        // Local when the path back crosses no split or join: only this branch goes back.
        let local = {
            let mut cur = run.from;
            let mut ok = false;
            while let Some(no) = cur {
                if no == target_run.no {
                    ok = true;
                    break;
                }
                let Some(r) = self.run(no) else { break };
                if step_of(ctx.def, &r.step)
                    .is_ok_and(|s| matches!(s.kind, StepKind::Split | StepKind::Join))
                {
                    break;
                }
                cur = r.from;
            }
            ok
        };
        {
            let m = self.task_mut(task_no)?;
            m.state = TaskState::Returned;
            m.decision = Some("退回".into());
            m.opinion = Some(opinion.trim().to_owned());
            m.acted_at = Some(ctx.now);
            m.acted_by = acted_by(who, t.post);
        }
        ev.push(FlowEvent::Returned {
            task: task_no,
            from_step: step.id.clone(),
            to_step: target_run.step.clone(),
            post: t.post,
            acted_by: acted_by(who, t.post),
            opinion: opinion.trim().to_owned(),
            jump_back: jump,
        });
        self.cancel_run(ctx, run.no, RunState::Returned, ev);
        // When jumping back, only the target and then this step are done again: other branches
        // and their arrivals at joins stand. Otherwise everything the target leads to is done
        // again: what runs there is cancelled and its arrivals dropped, while branches the
        // target does not lead to keep going, or keep their arrival at a join that must fire
        // again (a return from after a join into one of its branches).
        if !local && !jump {
            self.rearm_from(ctx, &target_run);
            let def = ctx.def;
            let redo = def.reachable_from(&target_run.step);
            let others: Vec<u32> = self
                .blocking_runs(def)
                .filter(|r| redo.contains(r.step.as_str()))
                .map(|r| r.no)
                .collect();
            for no in others {
                self.cancel_run(ctx, no, RunState::Cancelled, ev);
            }
        }
        self.decision = Some("退回".into());
        // The returned-to step goes back to those who did it.
        let holders: Vec<PostId> = self
            .tasks
            .iter()
            .filter(|x| {
                x.run == target_run.no && x.state == TaskState::Done && x.delegate_of.is_none()
            })
            .map(|x| x.post)
            .collect();
        let tstep = step_of(ctx.def, &target_run.step)?.clone();
        let resume = jump.then(|| step.id.clone());
        let new_run = self.push_run(ctx, &tstep, target_run.from, resume.clone());
        ev.push(FlowEvent::StepEntered {
            run: new_run,
            step: tstep.id.clone(),
            due: self
                .run(new_run)
                .and_then(|r| r.due.as_ref().map(|d| d.date)),
            resume_to: resume,
        });
        if holders.is_empty() {
            if let Some(r) = self.runs.last_mut() {
                r.need = Some(Need::Rule {
                    rule: tstep.assignee.clone().unwrap_or(AssigneeRule::Starter),
                });
            }
        } else {
            ev.extend(self.assign(ctx, new_run, &holders)?);
        }
        Ok(())
    }

    /// Before a case goes back to `target` (not jumping back): the join arrivals of the branches
    /// done again are dropped, and a join the target leads to that fired since the target ran
    /// gets back the arrivals of its other branches, which are not done again.
    fn rearm_from(&mut self, ctx: &Ctx<'_>, target: &Run) {
        let def = ctx.def;
        let redo = def.reachable_from(&target.step);
        let step_of_run = |runs: &[Run], no: u32| {
            runs.iter()
                .find(|r| r.no == no)
                .map(|r| r.step.clone())
                .unwrap_or_default()
        };
        let runs = self.runs.clone();
        for arrivals in self.joins.values_mut() {
            arrivals.retain(|a| !redo.contains(step_of_run(&runs, *a).as_str()));
        }
        for join in def
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Join && redo.contains(s.id.as_str()))
        {
            let Some(fired) = runs
                .iter()
                .rev()
                .find(|r| r.step == join.id && r.no > target.no)
            else {
                continue;
            };
            for pred in def.steps.iter().filter(|p| {
                !redo.contains(p.id.as_str())
                    && ProcessDef::successors(p).contains(&join.id.as_str())
            }) {
                let arrival = runs
                    .iter()
                    .rev()
                    .find(|r| r.step == pred.id && r.no < fired.no)
                    .filter(|r| r.state == RunState::Done)
                    .map(|r| r.no);
                if let Some(no) = arrival {
                    let list = self.joins.entry(join.id.clone()).or_default();
                    if !list.contains(&no) {
                        list.push(no);
                    }
                }
            }
        }
        self.joins.retain(|_, arrivals| !arrivals.is_empty());
    }
}
