//! Applying an action ([`Action`]) to a case: the state checks every action shares, then one
//! arm per action. Completing a task and settling its run (countersign, sequence, ratio) are
//! here too; returns and withdrawals have their own modules.

use std::collections::BTreeMap;

use super::due::shift_due;
use super::{
    Acting, Action, CaseState, CaseStatus, Ctx, Extension, FlowEvent, RunState, Task, TaskKind,
    TaskState, acted_by, business_date, step_of,
};
use crate::flow::def::{DISSENT, Mode, ProcessDef, READ_DECISION, StepKind};
use crate::flow::{FlowError, PostId};

impl CaseState {
    /// Applies an action. On error the state is unchanged.
    pub fn apply(
        &mut self,
        ctx: &Ctx<'_>,
        who: &Acting,
        action: &Action,
    ) -> Result<Vec<FlowEvent>, FlowError> {
        let mut next = self.clone();
        let ev = next.apply_inner(ctx, who, action)?;
        *self = next;
        Ok(ev)
    }

    fn apply_inner(
        &mut self,
        ctx: &Ctx<'_>,
        who: &Acting,
        action: &Action,
    ) -> Result<Vec<FlowEvent>, FlowError> {
        let mut ev = Vec::new();
        match self.status {
            CaseStatus::Closed if !matches!(action, Action::Complete { .. }) => {
                return Err(FlowError::state("事项已办结"));
            }
            CaseStatus::Paused if !matches!(action, Action::Resume | Action::Handover { .. }) => {
                return Err(FlowError::state("事项已挂起，恢复后才能办理"));
            }
            CaseStatus::Running if matches!(action, Action::Resume) => {
                return Err(FlowError::state("事项未挂起"));
            }
            _ => {}
        }
        match action {
            Action::Complete {
                task,
                decision,
                opinion,
                choices,
            } => {
                self.complete(ctx, who, *task, decision, opinion, choices, &mut ev)?;
            }
            Action::Return {
                task,
                target,
                opinion,
                jump_back,
            } => {
                self.return_to(ctx, who, *task, target, opinion, *jump_back, &mut ev)?;
            }
            Action::Withdraw { task } => self.withdraw(ctx, who, *task, &mut ev)?,
            Action::Transfer { task, to, opinion } => {
                let t = self.own_open_task(who, *task)?.clone();
                if t.delegate_of.is_some() {
                    return Err(FlowError::state("委派来的待办不能转办"));
                }
                self.check_not_holding(t.run, *to)?;
                let new = self.push_task(ctx, t.run, *to, t.kind, TaskState::Open, t.seq);
                let old = self.task_mut(*task)?;
                old.state = TaskState::Transferred;
                old.acted_at = Some(ctx.now);
                old.opinion = Some(opinion.clone());
                old.acted_by = acted_by(who, t.post);
                ev.push(FlowEvent::Transferred {
                    task: *task,
                    new_task: new,
                    from: t.post,
                    to: *to,
                    opinion: opinion.clone(),
                });
            }
            Action::Delegate { task, to, opinion } => {
                let t = self.own_open_task(who, *task)?.clone();
                if t.kind == TaskKind::Read {
                    return Err(FlowError::state("待阅不能委派"));
                }
                if t.delegate_of.is_some() {
                    return Err(FlowError::state("委派来的待办不能再委派"));
                }
                if *to == t.post {
                    return Err(FlowError::invalid("不能委派给自己"));
                }
                let new = self.push_task(ctx, t.run, *to, t.kind, TaskState::Open, t.seq);
                if let Some(n) = self.tasks.iter_mut().find(|x| x.no == new) {
                    n.delegate_of = Some(*task);
                }
                let old = self.task_mut(*task)?;
                old.state = TaskState::Delegated;
                old.opinion = Some(opinion.clone());
                ev.push(FlowEvent::Delegated {
                    task: *task,
                    new_task: new,
                    from: t.post,
                    to: *to,
                    opinion: opinion.clone(),
                });
            }
            Action::AddSigner { run, post } => {
                let r = self
                    .run(*run)
                    .ok_or_else(|| FlowError::invalid("没有这个环节"))?
                    .clone();
                let step = step_of(ctx.def, &r.step)?;
                if r.state != RunState::Active || step.kind != StepKind::Task {
                    return Err(FlowError::state("只能给正在办理的环节加签"));
                }
                if !matches!(step.mode, Mode::All | Mode::Sequence | Mode::Ratio) {
                    return Err(FlowError::state(format!(
                        "「{}」不是会签或依次审批环节，不能加签",
                        step.name
                    )));
                }
                self.check_not_holding(*run, *post)?;
                let seq = self
                    .tasks
                    .iter()
                    .filter(|t| t.run == *run)
                    .map(|t| t.seq + 1)
                    .max()
                    .unwrap_or(0);
                let state = if step.mode == Mode::Sequence {
                    TaskState::Waiting
                } else {
                    TaskState::Open
                };
                let no = self.push_task(ctx, *run, *post, TaskKind::Task, state, seq);
                ev.push(FlowEvent::SignerAdded {
                    run: *run,
                    task: no,
                    post: *post,
                });
            }
            Action::RemoveSigner { task } => {
                let t = self
                    .task(*task)
                    .ok_or_else(|| FlowError::invalid("没有这个待办"))?
                    .clone();
                let r = self
                    .run(t.run)
                    .ok_or_else(|| FlowError::invalid("没有这个环节"))?
                    .clone();
                let step = step_of(ctx.def, &r.step)?;
                if r.state != RunState::Active
                    || !matches!(step.mode, Mode::All | Mode::Sequence | Mode::Ratio)
                {
                    return Err(FlowError::state("只能从正在办理的会签或依次审批环节减签"));
                }
                if !matches!(t.state, TaskState::Open | TaskState::Waiting)
                    || t.delegate_of.is_some()
                {
                    return Err(FlowError::state("该办理人已办理，不能减签"));
                }
                let signers = self
                    .signers(t.run)
                    .filter(|x| x.state != TaskState::Removed)
                    .count();
                if signers <= 1 {
                    return Err(FlowError::state("至少保留一名办理人"));
                }
                self.task_mut(*task)?.state = TaskState::Removed;
                ev.push(FlowEvent::SignerRemoved {
                    task: *task,
                    post: t.post,
                });
                self.settle(ctx, t.run, *task, &BTreeMap::new(), &mut ev)?;
            }
            Action::Pause { reason } => {
                if reason.trim().is_empty() {
                    return Err(FlowError::invalid("请填写挂起原因"));
                }
                self.status = CaseStatus::Paused;
                self.paused_at = Some(ctx.now);
                ev.push(FlowEvent::Paused {
                    reason: reason.clone(),
                });
            }
            Action::Resume => {
                let since = self
                    .paused_at
                    .map(business_date)
                    .unwrap_or_else(|| business_date(ctx.now));
                let shift = ctx
                    .cal
                    .working_days_between(since, business_date(ctx.now))
                    .max(0);
                let shift_u = u32::try_from(shift).unwrap_or(u32::MAX);
                if shift_u > 0 {
                    for r in self.runs.iter_mut().filter(|r| r.state == RunState::Active) {
                        if let Some(d) = r.due.as_mut() {
                            shift_due(ctx.cal, d, shift_u);
                        }
                    }
                    if let Some(d) = self.due.as_mut() {
                        shift_due(ctx.cal, d, shift_u);
                    }
                }
                self.status = CaseStatus::Running;
                self.paused_at = None;
                ev.push(FlowEvent::Resumed {
                    working_days: shift,
                });
            }
            Action::RequestExtension { task, days, reason } => {
                let t = self.own_open_task(who, *task)?.clone();
                if *days == 0 || *days > 250 {
                    return Err(FlowError::invalid("延期天数须在 1 到 250 个工作日之间"));
                }
                if reason.trim().is_empty() {
                    return Err(FlowError::invalid("请填写延期理由"));
                }
                let run = self.run_mut(t.run)?;
                if run.due.is_none() {
                    return Err(FlowError::state("该环节没有办理时限"));
                }
                if run.extension.is_some() {
                    return Err(FlowError::state("已有待审批的延期申请"));
                }
                run.extension = Some(Extension {
                    days: *days,
                    reason: reason.clone(),
                    by: who.post,
                    at: ctx.now,
                });
                ev.push(FlowEvent::ExtensionRequested {
                    run: t.run,
                    days: *days,
                    reason: reason.clone(),
                });
            }
            Action::DecideExtension {
                run,
                approve,
                opinion,
            } => {
                let r = self.run_mut(*run)?;
                if r.state != RunState::Active {
                    return Err(FlowError::state("该环节已结束"));
                }
                let ext = r
                    .extension
                    .take()
                    .ok_or_else(|| FlowError::state("没有待审批的延期申请"))?;
                let before = r.due.as_ref().map(|d| d.date);
                if *approve && let Some(d) = r.due.as_mut() {
                    shift_due(ctx.cal, d, ext.days);
                }
                let after = r.due.as_ref().map(|d| d.date);
                ev.push(FlowEvent::ExtensionDecided {
                    run: *run,
                    approved: *approve,
                    before,
                    after,
                    opinion: opinion.clone(),
                });
            }
            Action::Handover { from, to } => {
                if from == to {
                    return Err(FlowError::invalid("交接双方不能是同一岗位"));
                }
                for t in self
                    .tasks
                    .iter_mut()
                    .filter(|t| t.post == *from && t.state.is_pending())
                {
                    t.post = *to;
                    ev.push(FlowEvent::HandedOver {
                        task: t.no,
                        from: *from,
                        to: *to,
                    });
                }
            }
            Action::ChildClosed {
                run,
                case_id,
                outcome,
            } => {
                let r = self.run_mut(*run)?;
                if r.state != RunState::Active {
                    return Err(FlowError::state("分送环节已结束"));
                }
                let child = r
                    .children
                    .iter_mut()
                    .find(|c| c.case_id == *case_id)
                    .ok_or_else(|| FlowError::invalid("不是该分送环节的子事项"))?;
                if child.outcome.is_some() {
                    return Err(FlowError::state("该子事项已回报"));
                }
                child.outcome = Some(outcome.clone());
                ev.push(FlowEvent::ChildReported {
                    run: *run,
                    case_id: *case_id,
                    outcome: outcome.clone(),
                });
                let all = r.children.iter().all(|c| c.outcome.is_some()) && r.need.is_none();
                if all {
                    self.finish_run(
                        ctx,
                        *run,
                        None,
                        Some("已回报".into()),
                        &BTreeMap::new(),
                        &mut ev,
                    )?;
                }
            }
        }
        Ok(ev)
    }

    #[expect(clippy::too_many_arguments, reason = "an action's fields")]
    fn complete(
        &mut self,
        ctx: &Ctx<'_>,
        who: &Acting,
        task_no: u32,
        decision: &str,
        opinion: &str,
        choices: &BTreeMap<String, Vec<PostId>>,
        ev: &mut Vec<FlowEvent>,
    ) -> Result<(), FlowError> {
        let t = self
            .task(task_no)
            .ok_or_else(|| FlowError::invalid("没有这个待办"))?
            .clone();
        if !who.holds(&t) {
            return Err(FlowError::NotHolder("这不是您的待办".into()));
        }
        if t.state != TaskState::Open {
            return Err(FlowError::state(match t.state {
                TaskState::Waiting => "还没有轮到您办理".to_owned(),
                s => format!("该待办{}，不能再办理", s.label()),
            }));
        }
        if self.status == CaseStatus::Closed && t.kind != TaskKind::Read {
            return Err(FlowError::state("事项已办结"));
        }
        let run = self
            .run(t.run)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))?
            .clone();
        let step = step_of(ctx.def, &run.step)?;
        let allowed = ProcessDef::decisions(step);
        let decision = if decision.trim().is_empty() {
            allowed
                .first()
                .cloned()
                .unwrap_or_else(|| READ_DECISION.to_owned())
        } else {
            decision.trim().to_owned()
        };
        if !allowed.contains(&decision) {
            return Err(FlowError::invalid(format!(
                "「{decision}」不是本环节可选的决定（可选：{}）",
                allowed.join("、")
            )));
        }
        let opinion = opinion.trim().to_owned();
        if opinion.chars().count() > 2000 {
            return Err(FlowError::invalid("意见不能超过 2000 字"));
        }
        {
            let m = self.task_mut(task_no)?;
            m.state = TaskState::Done;
            m.decision = Some(decision.clone());
            m.opinion = Some(opinion.clone());
            m.acted_at = Some(ctx.now);
            m.acted_by = acted_by(who, t.post);
        }
        ev.push(FlowEvent::TaskCompleted {
            task: task_no,
            step: step.id.clone(),
            post: t.post,
            acted_by: acted_by(who, t.post),
            decision: decision.clone(),
            opinion,
        });
        if t.kind == TaskKind::Read {
            let all_read = self
                .tasks
                .iter()
                .filter(|x| x.run == t.run)
                .all(|x| !x.state.is_pending());
            if all_read && let Ok(r) = self.run_mut(t.run) {
                r.state = RunState::Done;
                r.left_at = Some(ctx.now);
            }
            return Ok(());
        }
        if let Some(owner) = t.delegate_of {
            let o = self.task_mut(owner)?;
            o.state = TaskState::Open;
            ev.push(FlowEvent::DelegationReturned {
                task: owner,
                delegate_task: task_no,
            });
            return Ok(());
        }
        self.settle(ctx, t.run, task_no, choices, ev)
    }

    /// Signers of a run: its tasks other than delegations and transferred-away ones.
    fn signers(&self, run: u32) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(move |t| {
            t.run == run && t.delegate_of.is_none() && t.state != TaskState::Transferred
        })
    }

    /// After a task of a run was done or removed: opens the next in a sequence, or finishes the
    /// run when its mode is satisfied.
    fn settle(
        &mut self,
        ctx: &Ctx<'_>,
        run_no: u32,
        last: u32,
        choices: &BTreeMap<String, Vec<PostId>>,
        ev: &mut Vec<FlowEvent>,
    ) -> Result<(), FlowError> {
        let run = self
            .run(run_no)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))?
            .clone();
        let step = step_of(ctx.def, &run.step)?.clone();
        let live: Vec<Task> = self
            .signers(run_no)
            .filter(|t| t.state != TaskState::Removed)
            .cloned()
            .collect();
        let done = live.iter().filter(|t| t.state == TaskState::Done).count();
        let pending = live.iter().filter(|t| t.state.is_pending()).count();
        let finished = match step.mode {
            Mode::Single | Mode::Any => done >= 1,
            Mode::All => pending == 0 && done >= 1,
            Mode::Sequence => {
                if pending > 0
                    && !live
                        .iter()
                        .any(|t| t.state == TaskState::Open || t.state == TaskState::Delegated)
                    && let Some(next) = live
                        .iter()
                        .filter(|t| t.state == TaskState::Waiting)
                        .min_by_key(|t| (t.seq, t.no))
                {
                    let n = next.no;
                    self.task_mut(n)?.state = TaskState::Open;
                }
                pending == 0 && done >= 1
            }
            Mode::Ratio => {
                let ratio = step.ratio.unwrap_or(1.0);
                let need = ((ratio * live.len() as f64) - 1e-9).ceil().max(1.0) as usize;
                done >= need
            }
        };
        if !finished {
            return Ok(());
        }
        let decisions: Vec<&str> = live
            .iter()
            .filter(|t| t.state == TaskState::Done)
            .filter_map(|t| t.decision.as_deref())
            .collect();
        let last_decision = self.task(last).and_then(|t| t.decision.clone());
        let decision = decisions
            .iter()
            .find(|d| DISSENT.contains(d))
            .map(|d| (*d).to_owned())
            .or(last_decision)
            .or_else(|| decisions.last().map(|d| (*d).to_owned()));
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
        self.finish_run(ctx, run_no, Some(last), decision, choices, ev)
    }
}
