//! The input of a transition: what an action is computed against ([`Ctx`]), who acts
//! ([`Acting`]), and the actions on a case ([`Action`]). It holds no transition: those are in the
//! sibling modules that apply them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Task;
use crate::calendar::{Calendar, OfficeHours};
use crate::flow::PostId;
use crate::flow::def::{Fields, ProcessDef};

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

    pub(super) fn holds(&self, task: &Task) -> bool {
        task.post == self.post || self.proxy_for.contains(&task.post)
    }
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
