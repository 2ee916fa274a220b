//! How runs come into being: starting a case, moving on from a finished run, and entering a
//! step (gateways, splits, joins, fan-outs and the end pass on at once); giving a run its
//! holders or its child cases; and the bookkeeping of runs and tasks these share with the other
//! transitions.

use std::collections::BTreeMap;

use super::due::due_after;
use super::{
    CaseState, CaseStatus, Child, Ctx, FlowEvent, Need, Run, RunState, Task, TaskKind, TaskState,
    step_of,
};
use crate::flow::def::{AssigneeRule, Mode, SUBMIT_DECISION, StepDef, StepKind};
use crate::flow::{FlowError, PostId, holds};

/// How many automatic steps one action may pass through (a guard against gateway loops).
const AUTO_STEP_BUDGET: u32 = 500;

impl CaseState {
    /// Starts a case: the start step is the starter's own and counts as done at once, so the
    /// case moves to the step after it.
    pub fn start(
        ctx: &Ctx<'_>,
        starter: PostId,
        choices: &BTreeMap<String, Vec<PostId>>,
    ) -> Result<(CaseState, Vec<FlowEvent>), FlowError> {
        let start = ctx
            .def
            .start()
            .ok_or_else(|| FlowError::Definition("流程没有开始环节".into()))?;
        let due = due_after(ctx.cal, ctx.hours, ctx.now, ctx.def.deadline_days, None);
        let mut st = CaseState {
            status: CaseStatus::Running,
            starter,
            runs: Vec::new(),
            tasks: Vec::new(),
            joins: BTreeMap::new(),
            due: due.clone(),
            paused_at: None,
            decision: None,
        };
        let mut ev = vec![FlowEvent::CaseStarted {
            post: starter,
            due: due.map(|d| d.date),
        }];
        let run = st.push_run(ctx, start, None, None);
        let task = st.push_task(ctx, run, starter, TaskKind::Task, TaskState::Done, 0);
        if let Some(t) = st.tasks.last_mut() {
            t.decision = Some(SUBMIT_DECISION.into());
            t.acted_at = Some(ctx.now);
        }
        st.finish_run(
            ctx,
            run,
            Some(task),
            Some(SUBMIT_DECISION.into()),
            choices,
            &mut ev,
        )?;
        Ok((st, ev))
    }

    /// Gives a run its holders (the service resolved its [`Need`]).
    pub fn assign(
        &mut self,
        ctx: &Ctx<'_>,
        run_no: u32,
        posts: &[PostId],
    ) -> Result<Vec<FlowEvent>, FlowError> {
        let run = self
            .runs
            .iter_mut()
            .find(|r| r.no == run_no)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))?;
        let step = ctx
            .def
            .step(&run.step)
            .ok_or_else(|| FlowError::Definition(format!("流程定义中没有环节「{}」", run.step)))?
            .clone();
        let mut unique: Vec<PostId> = Vec::new();
        for p in posts {
            if !unique.contains(p) {
                unique.push(*p);
            }
        }
        if unique.is_empty() {
            return Err(FlowError::Definition(format!(
                "环节「{}」找不到办理人",
                step.name
            )));
        }
        run.need = None;
        let kind = if step.kind == StepKind::Read {
            TaskKind::Read
        } else {
            TaskKind::Task
        };
        for (i, post) in unique.iter().enumerate() {
            let state = if step.mode == Mode::Sequence && i > 0 {
                TaskState::Waiting
            } else {
                TaskState::Open
            };
            let seq = u32::try_from(i).unwrap_or(u32::MAX);
            self.push_task(ctx, run_no, *post, kind, state, seq);
        }
        Ok(vec![FlowEvent::Assigned {
            run: run_no,
            step: step.id.clone(),
            posts: unique,
        }])
    }

    /// Links the child cases a fan-out spawned.
    pub fn link_children(
        &mut self,
        run_no: u32,
        children: &[(i64, i64)],
    ) -> Result<Vec<FlowEvent>, FlowError> {
        let run = self
            .runs
            .iter_mut()
            .find(|r| r.no == run_no && r.state == RunState::Active)
            .ok_or_else(|| FlowError::invalid("没有这个分送环节"))?;
        run.need = None;
        let mut ev = Vec::new();
        for (case_id, unit_id) in children {
            run.children.push(Child {
                case_id: *case_id,
                unit_id: *unit_id,
                outcome: None,
            });
            ev.push(FlowEvent::ChildLinked {
                run: run_no,
                case_id: *case_id,
                unit_id: *unit_id,
            });
        }
        Ok(ev)
    }

    /// Marks a run done and moves the case on from it.
    pub(super) fn finish_run(
        &mut self,
        ctx: &Ctx<'_>,
        run_no: u32,
        by: Option<u32>,
        decision: Option<String>,
        choices: &BTreeMap<String, Vec<PostId>>,
        ev: &mut Vec<FlowEvent>,
    ) -> Result<(), FlowError> {
        let (step_id, resume_to) = {
            let r = self.run_mut(run_no)?;
            r.state = RunState::Done;
            r.left_at = Some(ctx.now);
            r.decision = decision.clone();
            r.completed_by = by;
            r.extension = None;
            (r.step.clone(), r.resume_to.clone())
        };
        if decision.is_some() {
            self.decision = decision.clone();
        }
        ev.push(FlowEvent::StepDone {
            run: run_no,
            step: step_id.clone(),
            decision,
        });
        let step = step_of(ctx.def, &step_id)?;
        let target = match resume_to {
            Some(t) => t,
            None => step.next.clone().ok_or_else(|| {
                FlowError::Definition(format!("环节「{}」没有后续环节", step.name))
            })?,
        };
        let mut budget = AUTO_STEP_BUDGET;
        self.enter(ctx, &target, Some(run_no), choices, ev, &mut budget)
    }

    fn enter(
        &mut self,
        ctx: &Ctx<'_>,
        step_id: &str,
        from: Option<u32>,
        choices: &BTreeMap<String, Vec<PostId>>,
        ev: &mut Vec<FlowEvent>,
        budget: &mut u32,
    ) -> Result<(), FlowError> {
        if *budget == 0 {
            return Err(FlowError::Definition(
                "流程在自动环节之间循环，无法继续".into(),
            ));
        }
        *budget -= 1;
        let step = step_of(ctx.def, step_id)?.clone();
        match step.kind {
            StepKind::Start | StepKind::Task | StepKind::Read => {
                let run = self.push_run(ctx, &step, from, None);
                let need = match &step.assignee {
                    Some(AssigneeRule::Chosen { from: allowed }) => {
                        let picked = choices.get(&step.id).cloned().unwrap_or_default();
                        if picked.is_empty() {
                            return Err(FlowError::invalid(format!(
                                "请选择「{}」的办理人",
                                step.name
                            )));
                        }
                        Need::Chosen {
                            allowed: (**allowed).clone(),
                            picked,
                        }
                    }
                    Some(rule) => Need::Rule { rule: rule.clone() },
                    None => Need::Rule {
                        rule: AssigneeRule::Starter,
                    },
                };
                if let Some(r) = self.runs.last_mut() {
                    r.need = Some(need);
                }
                ev.push(FlowEvent::StepEntered {
                    run,
                    step: step.id.clone(),
                    due: self.run(run).and_then(|r| r.due.as_ref().map(|d| d.date)),
                    resume_to: None,
                });
                if step.kind == StepKind::Read {
                    let next = step.next.clone().ok_or_else(|| {
                        FlowError::Definition(format!("环节「{}」没有后续环节", step.name))
                    })?;
                    self.enter(ctx, &next, Some(run), choices, ev, budget)?;
                }
                Ok(())
            }
            StepKind::Exclusive => {
                let run = self.push_run(ctx, &step, from, None);
                let route = step
                    .routes
                    .iter()
                    .find(|r| {
                        r.when
                            .as_ref()
                            .is_none_or(|c| holds(c, ctx.fields, self.decision.as_deref()))
                    })
                    .ok_or_else(|| {
                        FlowError::Definition(format!("条件分支「{}」没有可走的路由", step.name))
                    })?
                    .to
                    .clone();
                self.close_auto(ctx, run);
                ev.push(FlowEvent::Routed {
                    step: step.id.clone(),
                    to: route.clone(),
                });
                self.enter(ctx, &route, Some(run), choices, ev, budget)
            }
            StepKind::Split => {
                let run = self.push_run(ctx, &step, from, None);
                self.close_auto(ctx, run);
                for b in &step.branches {
                    self.enter(ctx, b, Some(run), choices, ev, budget)?;
                }
                Ok(())
            }
            StepKind::Join => {
                let needed = u32::try_from(ctx.def.incoming(&step.id)).unwrap_or(u32::MAX);
                let arrived = {
                    let list = self.joins.entry(step.id.clone()).or_default();
                    if let Some(f) = from {
                        list.push(f);
                    }
                    u32::try_from(list.len()).unwrap_or(u32::MAX)
                };
                ev.push(FlowEvent::JoinArrived {
                    step: step.id.clone(),
                    arrived,
                    needed,
                });
                if arrived < needed {
                    return Ok(());
                }
                self.joins.remove(&step.id);
                let run = self.push_run(ctx, &step, from, None);
                self.close_auto(ctx, run);
                let next = step.next.clone().ok_or_else(|| {
                    FlowError::Definition(format!("环节「{}」没有后续环节", step.name))
                })?;
                self.enter(ctx, &next, Some(run), choices, ev, budget)
            }
            StepKind::Fanout => {
                let field = step.recipients_field.clone().unwrap_or_default();
                let units = ctx
                    .fields
                    .get(&field)
                    .map(crate::flow::Value::ints)
                    .unwrap_or_default();
                if units.is_empty() {
                    return Err(FlowError::invalid(format!("「{}」没有分送单位", step.name)));
                }
                let run = self.push_run(ctx, &step, from, None);
                if let Some(r) = self.runs.last_mut() {
                    r.need = Some(Need::Children {
                        process: step.child_process.clone().unwrap_or_default(),
                        units,
                    });
                }
                ev.push(FlowEvent::StepEntered {
                    run,
                    step: step.id.clone(),
                    due: self.run(run).and_then(|r| r.due.as_ref().map(|d| d.date)),
                    resume_to: None,
                });
                Ok(())
            }
            StepKind::End => {
                let run = self.push_run(ctx, &step, from, None);
                self.close_auto(ctx, run);
                let def = ctx.def;
                let blocking: Vec<u32> = self.blocking_runs(def).map(|r| r.no).collect();
                for no in blocking {
                    self.cancel_run(ctx, no, RunState::Cancelled, ev);
                }
                self.joins.clear();
                self.status = CaseStatus::Closed;
                ev.push(FlowEvent::CaseClosed {
                    decision: self.decision.clone(),
                });
                Ok(())
            }
        }
    }

    pub(super) fn cancel_run(
        &mut self,
        ctx: &Ctx<'_>,
        run_no: u32,
        state: RunState,
        ev: &mut Vec<FlowEvent>,
    ) {
        for t in self
            .tasks
            .iter_mut()
            .filter(|t| t.run == run_no && t.state.is_pending())
        {
            t.state = TaskState::Cancelled;
            ev.push(FlowEvent::TaskCancelled {
                task: t.no,
                post: t.post,
            });
        }
        if let Some(r) = self.runs.iter_mut().find(|r| r.no == run_no) {
            r.state = state;
            r.left_at = Some(ctx.now);
            r.need = None;
            r.extension = None;
        }
    }

    fn close_auto(&mut self, ctx: &Ctx<'_>, run_no: u32) {
        if let Some(r) = self.runs.iter_mut().find(|r| r.no == run_no) {
            r.state = RunState::Done;
            r.left_at = Some(ctx.now);
        }
    }

    pub(super) fn push_run(
        &mut self,
        ctx: &Ctx<'_>,
        step: &StepDef,
        from: Option<u32>,
        resume_to: Option<String>,
    ) -> u32 {
        let no = self.runs.last().map_or(1, |r| r.no + 1);
        let due = if step.kind.is_human() || step.kind == StepKind::Fanout {
            due_after(
                ctx.cal,
                ctx.hours,
                ctx.now,
                step.deadline_days,
                step.deadline_hours,
            )
        } else {
            None
        };
        self.runs.push(Run {
            no,
            step: step.id.clone(),
            state: RunState::Active,
            from,
            entered_at: ctx.now,
            left_at: None,
            due,
            decision: None,
            resume_to,
            need: None,
            children: Vec::new(),
            extension: None,
            completed_by: None,
        });
        no
    }

    pub(super) fn push_task(
        &mut self,
        ctx: &Ctx<'_>,
        run: u32,
        post: PostId,
        kind: TaskKind,
        state: TaskState,
        seq: u32,
    ) -> u32 {
        let no = self.tasks.last().map_or(1, |t| t.no + 1);
        self.tasks.push(Task {
            no,
            run,
            post,
            kind,
            state,
            seq,
            decision: None,
            opinion: None,
            acted_at: None,
            acted_by: None,
            delegate_of: None,
            created_at: ctx.now,
        });
        no
    }
}
