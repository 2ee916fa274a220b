//! The case state machine: runs of steps, tasks of posts, and the actions on them.
//!
//! A case's state is a value ([`CaseState`]): the runs of the steps it entered (a step entered
//! again after a return is a new run, with its own deadline), the tasks of each run, the
//! arrivals waiting at each join, and the case's own status and deadline. [`CaseState::apply`]
//! takes an action and returns the events it caused; on error the state is left as it was.
//!
//! Who holds a step depends on the organisation tree, which this crate cannot read. Entering a
//! step whose holders are given by a rule therefore leaves a [`Need`] on its run; the service
//! resolves it and calls [`CaseState::assign`] in the same transaction. A run without tasks is
//! never left behind: the service refuses to commit one.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::def::{AfterReturn, AssigneeRule, Fields, Mode, ProcessDef, StepDef, StepKind};
use super::def::{DISSENT, READ_DECISION, SUBMIT_DECISION};
use super::{FlowError, PostId, holds};
use crate::calendar::hours::{from_shanghai_local, to_shanghai_local};
use crate::calendar::{Calendar, OfficeHours};

/// What an action is computed against.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The case's process definition (the version it started with).
    pub def: &'a ProcessDef,
    /// The working-day calendar.
    pub cal: &'a Calendar,
    /// Office hours, for limits in working hours.
    pub hours: &'a OfficeHours,
    /// The item's fields, for gateways and field rules.
    pub fields: &'a Fields,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Who acts: the post, and the posts it may act for (proxies, 委托).
#[derive(Debug, Clone, Default)]
pub struct Acting {
    /// The acting post.
    pub post: PostId,
    /// Posts whose tasks it may act on now, by proxy.
    pub proxy_for: Vec<PostId>,
}

impl Acting {
    /// A post acting for itself only.
    pub fn post(post: PostId) -> Acting {
        Acting {
            post,
            proxy_for: Vec::new(),
        }
    }

    fn holds(&self, task: &Task) -> bool {
        task.post == self.post || self.proxy_for.contains(&task.post)
    }
}

/// The case as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Moving.
    Running,
    /// 挂起: the clock stops; only resuming is possible.
    Paused,
    /// 办结.
    Closed,
}

impl CaseStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Running => "running",
            CaseStatus::Paused => "paused",
            CaseStatus::Closed => "closed",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Running => "办理中",
            CaseStatus::Paused => "已挂起",
            CaseStatus::Closed => "已办结",
        }
    }
}

/// A run of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Waiting for its tasks (or, for a read step, being read without blocking).
    Active,
    /// Done; the case moved on.
    Done,
    /// Left by a return (退回).
    Returned,
    /// Taken back by the sender (撤回).
    Withdrawn,
    /// Ended because the case was returned elsewhere or closed.
    Cancelled,
}

/// A task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// 待办: the holder should act.
    Open,
    /// Waiting its turn in a sequence (依次).
    Waiting,
    /// 已办.
    Done,
    /// Returned the case (退回).
    Returned,
    /// Handed to a delegate (委派); it comes back.
    Delegated,
    /// Handed to another post for good (转办).
    Transferred,
    /// Removed from a countersign (减签).
    Removed,
    /// No longer needed (another signer decided, the case moved elsewhere, a withdrawal).
    Cancelled,
}

impl TaskState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Waiting => "waiting",
            TaskState::Done => "done",
            TaskState::Returned => "returned",
            TaskState::Delegated => "delegated",
            TaskState::Transferred => "transferred",
            TaskState::Removed => "removed",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            TaskState::Open => "待办",
            TaskState::Waiting => "待轮到",
            TaskState::Done => "已办",
            TaskState::Returned => "已退回",
            TaskState::Delegated => "已委派",
            TaskState::Transferred => "已转办",
            TaskState::Removed => "已减签",
            TaskState::Cancelled => "已取消",
        }
    }

    /// Whether the holder still owes something.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            TaskState::Open | TaskState::Waiting | TaskState::Delegated
        )
    }

    /// Whether the holder acted (the task is in someone's 已办).
    pub fn is_acted(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Returned | TaskState::Delegated | TaskState::Transferred
        )
    }
}

/// A blocking task or a read task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 待办.
    Task,
    /// 待阅.
    Read,
}

impl TaskKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Read => "read",
        }
    }
}

/// A deadline of a run or of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The last business day.
    pub date: NaiveDate,
    /// The instant it passes (end of `date`, or the hour for limits in hours).
    #[serde(with = "super::millis")]
    pub at: DateTime<Utc>,
    /// Counted on a provisional year.
    pub provisional: bool,
    /// How it was counted, in Chinese.
    pub explanation: String,
    /// The limit: working days…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    /// …or working hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<u32>,
}

/// Who must be found to hold a newly entered run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "need", rename_all = "snake_case")]
pub enum Need {
    /// Resolve a rule.
    Rule {
        /// The rule.
        rule: AssigneeRule,
    },
    /// The previous actor picked these; check them against the allowed rule.
    Chosen {
        /// The allowed set.
        allowed: AssigneeRule,
        /// The picked posts.
        picked: Vec<PostId>,
    },
    /// Spawn one child case per unit (分送).
    Children {
        /// The child process key.
        process: String,
        /// The recipient units.
        units: Vec<i64>,
    },
}

/// A child case of a fan-out run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// The child case's id.
    pub case_id: i64,
    /// The recipient unit.
    pub unit_id: i64,
    /// Its result once closed.
    pub outcome: Option<String>,
}

/// A requested extension (延期) awaiting approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Working days asked for.
    pub days: u32,
    /// Why.
    pub reason: String,
    /// Asked by.
    pub by: PostId,
    /// When.
    #[serde(with = "super::millis")]
    pub at: DateTime<Utc>,
}

/// One entry of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Number within the case, from 1.
    pub no: u32,
    /// The step.
    pub step: String,
    /// Its state.
    pub state: RunState,
    /// The run that led here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u32>,
    /// Entered at.
    #[serde(with = "super::millis")]
    pub entered_at: DateTime<Utc>,
    /// Left at.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::millis::option"
    )]
    pub left_at: Option<DateTime<Utc>>,
    /// Its deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
    /// The aggregated decision once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// When done, jump straight to this step (the one that returned here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_to: Option<String>,
    /// Holders still to be found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<Need>,
    /// A fan-out's children.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Child>,
    /// A pending extension request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// The task whose completion finished the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<u32>,
}

/// A task of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Number within the case, from 1.
    pub no: u32,
    /// Its run.
    pub run: u32,
    /// The holder.
    pub post: PostId,
    /// Blocking or read.
    pub kind: TaskKind,
    /// Its state.
    pub state: TaskState,
    /// Order within a sequence.
    pub seq: u32,
    /// The decision given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The opinion written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
    /// When it was acted on.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::millis::option"
    )]
    pub acted_at: Option<DateTime<Utc>>,
    /// The post that acted, when a proxy acted for the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acted_by: Option<PostId>,
    /// This task is a delegation (委派) of that task, which comes back when this is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_of: Option<u32>,
    /// Created at.
    #[serde(with = "super::millis")]
    pub created_at: DateTime<Utc>,
}

/// Where a return goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ReturnTarget {
    /// The step before this one.
    Previous,
    /// A named earlier step.
    Step {
        /// Its id.
        step: String,
    },
}

/// An action on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Complete a task with a decision and an opinion (办理 / 阅).
    Complete {
        /// The task.
        task: u32,
        /// The decision (one of the step's).
        decision: String,
        /// The opinion (意见).
        opinion: String,
        /// Holders picked for the next steps whose rule is `chosen`.
        #[serde(default)]
        choices: BTreeMap<String, Vec<PostId>>,
    },
    /// Return the case to an earlier step (退回).
    Return {
        /// The task returning.
        task: u32,
        /// Where to.
        target: ReturnTarget,
        /// Why.
        opinion: String,
        /// When the step allows choosing: jump straight back here once done again.
        #[serde(default)]
        jump_back: bool,
    },
    /// Take back one's completed task while the next step is untouched (撤回).
    Withdraw {
        /// The actor's done task.
        task: u32,
    },
    /// Hand the task to another post for good (转办).
    Transfer {
        /// The task.
        task: u32,
        /// The new holder.
        to: PostId,
        /// Why.
        opinion: String,
    },
    /// Hand the task to another post; it comes back (委派).
    Delegate {
        /// The task.
        task: u32,
        /// The delegate.
        to: PostId,
        /// What to do.
        opinion: String,
    },
    /// Add a signer to a running countersign or sequence (加签).
    AddSigner {
        /// The run.
        run: u32,
        /// The new signer.
        post: PostId,
    },
    /// Remove a signer who has not acted (减签).
    RemoveSigner {
        /// The task to remove.
        task: u32,
    },
    /// Stop the clock (挂起).
    Pause {
        /// Why.
        reason: String,
    },
    /// Start the clock again.
    Resume,
    /// Ask for more time on a run (延期申请).
    RequestExtension {
        /// The holder's task.
        task: u32,
        /// Working days asked for.
        days: u32,
        /// Why.
        reason: String,
    },
    /// Approve or refuse a requested extension.
    DecideExtension {
        /// The run.
        run: u32,
        /// Approve?
        approve: bool,
        /// Opinion.
        opinion: String,
    },
    /// Move all pending work of a post to another (工作交接).
    Handover {
        /// From.
        from: PostId,
        /// To.
        to: PostId,
    },
    /// A fan-out child case closed.
    ChildClosed {
        /// The fan-out run.
        run: u32,
        /// The child case.
        case_id: i64,
        /// Its result.
        outcome: String,
    },
}

impl Action {
    /// The action's Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            Action::Complete { .. } => "办理",
            Action::Return { .. } => "退回",
            Action::Withdraw { .. } => "撤回",
            Action::Transfer { .. } => "转办",
            Action::Delegate { .. } => "委派",
            Action::AddSigner { .. } => "加签",
            Action::RemoveSigner { .. } => "减签",
            Action::Pause { .. } => "挂起",
            Action::Resume => "恢复",
            Action::RequestExtension { .. } => "申请延期",
            Action::DecideExtension { .. } => "审批延期",
            Action::Handover { .. } => "工作交接",
            Action::ChildClosed { .. } => "分送回报",
        }
    }
}

/// What happened, as recorded in the event log (留痕).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FlowEvent {
    /// The case began.
    CaseStarted {
        /// The starter's post.
        post: PostId,
        /// The case deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<NaiveDate>,
    },
    /// A step was entered.
    StepEntered {
        /// Run.
        run: u32,
        /// Step.
        step: String,
        /// Its deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<NaiveDate>,
        /// Entered because of a return, jumping back to this step when done.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_to: Option<String>,
    },
    /// Holders were found for a run.
    Assigned {
        /// Run.
        run: u32,
        /// Step.
        step: String,
        /// The posts.
        posts: Vec<PostId>,
    },
    /// A task was completed.
    TaskCompleted {
        /// Task.
        task: u32,
        /// Step.
        step: String,
        /// Holder.
        post: PostId,
        /// The proxy who acted, if not the holder.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acted_by: Option<PostId>,
        /// Decision.
        decision: String,
        /// Opinion.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        opinion: String,
    },
    /// A run was done and the case moved on.
    StepDone {
        /// Run.
        run: u32,
        /// Step.
        step: String,
        /// Aggregated decision.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<String>,
    },
    /// A gateway chose a route.
    Routed {
        /// Gateway step.
        step: String,
        /// The step chosen.
        to: String,
    },
    /// A branch arrived at a join.
    JoinArrived {
        /// Join step.
        step: String,
        /// Arrived so far.
        arrived: u32,
        /// Needed.
        needed: u32,
    },
    /// A task was cancelled because the run no longer needs it.
    TaskCancelled {
        /// Task.
        task: u32,
        /// Holder.
        post: PostId,
    },
    /// The case was returned.
    Returned {
        /// The returning task.
        task: u32,
        /// From step.
        from_step: String,
        /// To step.
        to_step: String,
        /// Holder.
        post: PostId,
        /// Proxy who acted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acted_by: Option<PostId>,
        /// Why.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        opinion: String,
        /// Jump back to the returner once done.
        jump_back: bool,
    },
    /// A completed task was taken back.
    Withdrawn {
        /// The task.
        task: u32,
        /// The step.
        step: String,
        /// The runs taken back.
        runs: Vec<u32>,
    },
    /// A task changed hands.
    Transferred {
        /// The old task.
        task: u32,
        /// The new task.
        new_task: u32,
        /// Before.
        from: PostId,
        /// After.
        to: PostId,
        /// Why.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        opinion: String,
    },
    /// A task was delegated.
    Delegated {
        /// The owner's task.
        task: u32,
        /// The delegate's task.
        new_task: u32,
        /// Owner.
        from: PostId,
        /// Delegate.
        to: PostId,
        /// What to do.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        opinion: String,
    },
    /// A delegated task came back to its owner.
    DelegationReturned {
        /// The owner's task.
        task: u32,
        /// The delegate's task.
        delegate_task: u32,
    },
    /// A signer was added.
    SignerAdded {
        /// Run.
        run: u32,
        /// New task.
        task: u32,
        /// Post.
        post: PostId,
    },
    /// A signer was removed.
    SignerRemoved {
        /// Task.
        task: u32,
        /// Post.
        post: PostId,
    },
    /// The clock stopped.
    Paused {
        /// Why.
        reason: String,
    },
    /// The clock started again; deadlines moved by the working days paused.
    Resumed {
        /// Working days the case was paused.
        working_days: i64,
    },
    /// An extension was requested.
    ExtensionRequested {
        /// Run.
        run: u32,
        /// Days.
        days: u32,
        /// Why.
        reason: String,
    },
    /// An extension was decided.
    ExtensionDecided {
        /// Run.
        run: u32,
        /// Approved.
        approved: bool,
        /// Deadline before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<NaiveDate>,
        /// Deadline after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<NaiveDate>,
        /// Opinion.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        opinion: String,
    },
    /// A task moved in a handover.
    HandedOver {
        /// Task.
        task: u32,
        /// From.
        from: PostId,
        /// To.
        to: PostId,
    },
    /// A fan-out child was linked.
    ChildLinked {
        /// Run.
        run: u32,
        /// Child case.
        case_id: i64,
        /// Recipient unit.
        unit_id: i64,
    },
    /// A fan-out child reported back.
    ChildReported {
        /// Run.
        run: u32,
        /// Child case.
        case_id: i64,
        /// Result.
        outcome: String,
    },
    /// The case closed.
    CaseClosed {
        /// The last decision.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<String>,
    },
}

impl FlowEvent {
    /// The event-log kind, e.g. `flow.task_completed`.
    pub fn kind(&self) -> &'static str {
        match self {
            FlowEvent::CaseStarted { .. } => "flow.case_started",
            FlowEvent::StepEntered { .. } => "flow.step_entered",
            FlowEvent::Assigned { .. } => "flow.assigned",
            FlowEvent::TaskCompleted { .. } => "flow.task_completed",
            FlowEvent::StepDone { .. } => "flow.step_done",
            FlowEvent::Routed { .. } => "flow.routed",
            FlowEvent::JoinArrived { .. } => "flow.join_arrived",
            FlowEvent::TaskCancelled { .. } => "flow.task_cancelled",
            FlowEvent::Returned { .. } => "flow.returned",
            FlowEvent::Withdrawn { .. } => "flow.withdrawn",
            FlowEvent::Transferred { .. } => "flow.transferred",
            FlowEvent::Delegated { .. } => "flow.delegated",
            FlowEvent::DelegationReturned { .. } => "flow.delegation_returned",
            FlowEvent::SignerAdded { .. } => "flow.signer_added",
            FlowEvent::SignerRemoved { .. } => "flow.signer_removed",
            FlowEvent::Paused { .. } => "flow.paused",
            FlowEvent::Resumed { .. } => "flow.resumed",
            FlowEvent::ExtensionRequested { .. } => "flow.extension_requested",
            FlowEvent::ExtensionDecided { .. } => "flow.extension_decided",
            FlowEvent::HandedOver { .. } => "flow.handed_over",
            FlowEvent::ChildLinked { .. } => "flow.child_linked",
            FlowEvent::ChildReported { .. } => "flow.child_reported",
            FlowEvent::CaseClosed { .. } => "flow.case_closed",
        }
    }
}

/// The state of a case. Stored as JSON with empty fields left out (an absent field reads as
/// empty), so that a case's row stays small: it is rewritten by every action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    /// Running, paused or closed.
    pub status: CaseStatus,
    /// The post that started it.
    pub starter: PostId,
    /// Every run, in order of entry.
    pub runs: Vec<Run>,
    /// Every task, in order of creation.
    pub tasks: Vec<Task>,
    /// Runs arrived at each join and not yet joined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub joins: BTreeMap<String, Vec<u32>>,
    /// The case's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
    /// When it was paused.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::millis::option"
    )]
    pub paused_at: Option<DateTime<Utc>>,
    /// The last decision taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

/// How many automatic steps one action may pass through (a guard against gateway loops).
const AUTO_STEP_BUDGET: u32 = 500;

/// The business date (Asia/Shanghai) of an instant.
pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    to_shanghai_local(now).date()
}

/// Counts a limit from `now`.
pub fn due_after(
    cal: &Calendar,
    hours: &OfficeHours,
    now: DateTime<Utc>,
    days: Option<u32>,
    working_hours: Option<u32>,
) -> Option<Due> {
    if let Some(n) = days {
        let d = cal.add_working_days(business_date(now), n);
        return Some(Due {
            at: super::ladder::end_of(d.date),
            date: d.date,
            provisional: d.provisional,
            explanation: d.explanation,
            working_days: Some(n),
            working_hours: None,
        });
    }
    let h = working_hours?;
    let local = cal.add_working_hours(to_shanghai_local(now), h.saturating_mul(60), hours);
    Some(Due {
        date: local.date(),
        at: from_shanghai_local(local),
        provisional: cal.is_provisional(local.date()),
        explanation: format!(
            "自 {} 起 {h} 个工作小时，至 {} 止",
            to_shanghai_local(now).format("%Y-%m-%d %H:%M"),
            local.format("%Y-%m-%d %H:%M")
        ),
        working_days: None,
        working_hours: Some(h),
    })
}

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

    /// The run with this number.
    pub fn run(&self, no: u32) -> Option<&Run> {
        self.runs.iter().find(|r| r.no == no)
    }

    /// The task with this number.
    pub fn task(&self, no: u32) -> Option<&Task> {
        self.tasks.iter().find(|t| t.no == no)
    }

    /// Runs that block the case: active runs of task steps and fan-outs.
    pub fn blocking_runs<'s>(&'s self, def: &'s ProcessDef) -> impl Iterator<Item = &'s Run> + 's {
        self.runs.iter().filter(move |r| {
            r.state == RunState::Active
                && def
                    .step(&r.step)
                    .is_some_and(|s| !matches!(s.kind, StepKind::Read))
        })
    }

    /// Runs whose holders the service must still find.
    pub fn needs(&self) -> Vec<(u32, Need)> {
        self.runs
            .iter()
            .filter(|r| r.state == RunState::Active)
            .filter_map(|r| r.need.clone().map(|n| (r.no, n)))
            .collect()
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

    /// Marks a run done and moves the case on from it.
    fn finish_run(
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
                    .map(super::Value::ints)
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

    #[expect(clippy::too_many_arguments, reason = "an action's fields")]
    fn return_to(
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

    fn withdraw(
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

    fn cancel_run(&mut self, ctx: &Ctx<'_>, run_no: u32, state: RunState, ev: &mut Vec<FlowEvent>) {
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

    fn push_run(
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

    fn push_task(
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

    fn own_open_task(&self, who: &Acting, no: u32) -> Result<&Task, FlowError> {
        let t = self
            .task(no)
            .ok_or_else(|| FlowError::invalid("没有这个待办"))?;
        if !who.holds(t) {
            return Err(FlowError::NotHolder("这不是您的待办".into()));
        }
        if t.state != TaskState::Open {
            return Err(FlowError::state(format!(
                "该待办{}，不能再办理",
                t.state.label()
            )));
        }
        Ok(t)
    }

    fn check_not_holding(&self, run: u32, post: PostId) -> Result<(), FlowError> {
        if self
            .tasks
            .iter()
            .any(|t| t.run == run && t.post == post && t.state.is_pending())
        {
            return Err(FlowError::invalid("该岗位在本环节已有待办"));
        }
        Ok(())
    }

    fn task_mut(&mut self, no: u32) -> Result<&mut Task, FlowError> {
        self.tasks
            .iter_mut()
            .find(|t| t.no == no)
            .ok_or_else(|| FlowError::invalid("没有这个待办"))
    }

    fn run_mut(&mut self, no: u32) -> Result<&mut Run, FlowError> {
        self.runs
            .iter_mut()
            .find(|r| r.no == no)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))
    }
}

fn acted_by(who: &Acting, holder: PostId) -> Option<PostId> {
    (who.post != holder).then_some(who.post)
}

fn step_of<'d>(def: &'d ProcessDef, id: &str) -> Result<&'d StepDef, FlowError> {
    def.step(id)
        .ok_or_else(|| FlowError::Definition(format!("流程定义中没有环节「{id}」")))
}

/// Moves a deadline later by `days` working days.
fn shift_due(cal: &Calendar, due: &mut Due, days: u32) {
    let moved = cal.add_working_days(due.date, days);
    let delta = moved.date.signed_duration_since(due.date);
    due.at += TimeDelta::days(delta.num_days());
    due.date = moved.date;
    due.provisional |= moved.provisional;
    due.explanation = format!("{}；顺延 {days} 个工作日至 {}", due.explanation, moved.date);
}
