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
//!
//! The types and the transitions live apart:
//!
//! - `state`: the case's state ([`CaseState`]), its runs and tasks and their enums;
//! - `action`: what an action is computed against ([`Ctx`]), who acts ([`Acting`]) and the
//!   actions themselves ([`Action`]);
//! - `event`: what happened ([`FlowEvent`]), as the event log records it;
//! - `due`: deadlines of runs and cases ([`Due`]), counted from `now`;
//! - `enter`: starting a case and entering steps (gateways, joins, fan-outs, the end);
//! - `apply`: applying an action to a task or a run;
//! - `returns`: returning a case to an earlier step (退回);
//! - `withdraw`: taking back a completed task (撤回).

mod action;
mod apply;
mod due;
mod enter;
mod event;
mod returns;
mod state;
mod withdraw;

pub use action::{Acting, Action, Ctx, ReturnTarget};
pub use due::{Due, due_after};
pub use event::FlowEvent;
pub use state::{
    CaseState, CaseStatus, Child, Extension, Need, Run, RunState, Task, TaskKind, TaskState,
};

// The business date belongs to the calendar; this path stays for the callers that name it here.
pub use crate::calendar::business_date;

use super::def::{ProcessDef, StepDef};
use super::{FlowError, PostId};

fn acted_by(who: &Acting, holder: PostId) -> Option<PostId> {
    (who.post != holder).then_some(who.post)
}

fn step_of<'d>(def: &'d ProcessDef, id: &str) -> Result<&'d StepDef, FlowError> {
    def.step(id)
        .ok_or_else(|| FlowError::Definition(format!("流程定义中没有环节「{id}」")))
}
