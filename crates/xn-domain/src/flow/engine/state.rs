//! The state of a case as a value: [`CaseState`], the runs of the steps it entered, the tasks
//! of those runs, and their states. Besides the types it holds only lookups on a state; every
//! transition is in the sibling modules.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Acting, Due};
use crate::flow::def::{AssigneeRule, ProcessDef, StepKind};
use crate::flow::{FlowError, PostId};

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
    #[serde(with = "crate::flow::millis")]
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
    #[serde(with = "crate::flow::millis")]
    pub entered_at: DateTime<Utc>,
    /// Left at.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::flow::millis::option"
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
        with = "crate::flow::millis::option"
    )]
    pub acted_at: Option<DateTime<Utc>>,
    /// The post that acted, when a proxy acted for the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acted_by: Option<PostId>,
    /// This task is a delegation (委派) of that task, which comes back when this is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_of: Option<u32>,
    /// Created at.
    #[serde(with = "crate::flow::millis")]
    pub created_at: DateTime<Utc>,
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
        with = "crate::flow::millis::option"
    )]
    pub paused_at: Option<DateTime<Utc>>,
    /// The last decision taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

impl CaseState {
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

    pub(super) fn own_open_task(&self, who: &Acting, no: u32) -> Result<&Task, FlowError> {
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

    pub(super) fn check_not_holding(&self, run: u32, post: PostId) -> Result<(), FlowError> {
        if self
            .tasks
            .iter()
            .any(|t| t.run == run && t.post == post && t.state.is_pending())
        {
            return Err(FlowError::invalid("该岗位在本环节已有待办"));
        }
        Ok(())
    }

    pub(super) fn task_mut(&mut self, no: u32) -> Result<&mut Task, FlowError> {
        self.tasks
            .iter_mut()
            .find(|t| t.no == no)
            .ok_or_else(|| FlowError::invalid("没有这个待办"))
    }

    pub(super) fn run_mut(&mut self, no: u32) -> Result<&mut Run, FlowError> {
        self.runs
            .iter_mut()
            .find(|r| r.no == no)
            .ok_or_else(|| FlowError::invalid("没有这个环节"))
    }
}
