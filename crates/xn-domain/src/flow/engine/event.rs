//! What a transition tells the event log (留痕): [`FlowEvent`], one variant per thing that
//! happened to a case, with its stored kind.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::flow::PostId;

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
