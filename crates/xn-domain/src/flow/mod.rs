//! The flow engine (流程引擎): every item moves through steps held by posts.
//!
//! Documents, supervision items, service requests, information reports are all *items* (事项)
//! whose *case* (流程实例) moves through the *steps* (环节) of a *process definition* (流程定义).
//! This module is pure: a case's state plus an action gives a new state plus events, computed
//! against the working-day calendar and a `now` passed in. The service layer loads the state,
//! resolves who holds a step (assignee rules need the organisation tree), and writes the new
//! state, the events and the timers in one transaction.
//!
//! - [`def`]: process definitions as TOML, and their validation;
//! - [`engine`]: the case state machine: steps, tasks, actions;
//! - [`ladder`]: when due-soon warnings, yellow cards and red cards fall;
//! - [`kinds`]: the closed sets of item kinds and timer kinds the areas plug in through;
//! - [`contract`]: the steps and decisions an area's rules rely on, checked on every definition.

pub mod contract;
pub mod def;
pub mod engine;
pub mod kinds;
pub mod ladder;
pub mod millis;

pub use contract::{ContractStep, StepContract};
pub use def::{
    AfterReturn, AssigneeRule, DefError, Fields, Ladder, Mode, ProcessDef, StepDef, StepKind,
};
pub use engine::{
    Acting, Action, CaseState, CaseStatus, Ctx, Due, FlowEvent, Need, ReturnTarget, Run, RunState,
    Task, TaskKind, TaskState,
};
pub use kinds::{ItemKind, TimerKind};

use serde::{Deserialize, Serialize};

/// A post's id: work is held by posts, never by persons.
pub type PostId = i64;

/// A value of an item field, as conditions compare it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// true / false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// Text.
    Text(String),
    /// A list (e.g. unit ids).
    List(Vec<Value>),
}

impl Value {
    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }

    /// The integers of the value: itself, or those of a list.
    pub fn ints(&self) -> Vec<i64> {
        match self {
            Value::Int(i) => vec![*i],
            Value::Text(t) => t.trim().parse().ok().into_iter().collect(),
            Value::List(items) => items.iter().flat_map(Value::ints).collect(),
            _ => Vec::new(),
        }
    }

    fn loosely_eq(&self, other: &Value) -> bool {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) if !matches!((self, other), (Value::Text(_), Value::Text(_))) => {
                a == b
            }
            _ => self == other,
        }
    }
}

/// Why an action was refused. Messages are Chinese: they are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The action does not fit the case's state (e.g. the task is already done).
    #[error("{0}")]
    State(String),
    /// The actor does not hold the task.
    #[error("{0}")]
    NotHolder(String),
    /// The input is wrong (an unknown decision, an unknown step).
    #[error("{0}")]
    Invalid(String),
    /// The definition cannot carry the case on (no route matched, an automatic loop).
    #[error("{0}")]
    Definition(String),
}

impl FlowError {
    fn state(msg: impl Into<String>) -> FlowError {
        FlowError::State(msg.into())
    }
    fn invalid(msg: impl Into<String>) -> FlowError {
        FlowError::Invalid(msg.into())
    }
}

/// Evaluates a gateway condition on the fields (and `decision`).
pub fn holds(cond: &def::Condition, fields: &Fields, decision: Option<&str>) -> bool {
    let field = if cond.field == "decision" {
        decision.map(|d| Value::Text(d.to_owned()))
    } else {
        fields.get(&cond.field).cloned()
    };
    let Some(field) = field else { return false };
    let ord = || match (field.as_f64(), cond.value.as_f64()) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => None,
    };
    use def::Op;
    match cond.op {
        Op::Eq => field.loosely_eq(&cond.value),
        Op::Ne => !field.loosely_eq(&cond.value),
        Op::Gt => ord().is_some_and(|o| o.is_gt()),
        Op::Ge => ord().is_some_and(|o| o.is_ge()),
        Op::Lt => ord().is_some_and(|o| o.is_lt()),
        Op::Le => ord().is_some_and(|o| o.is_le()),
        Op::In => match (&field, &cond.value) {
            (Value::List(items), v) => items.iter().any(|i| i.loosely_eq(v)),
            (f, Value::List(items)) => items.iter().any(|i| i.loosely_eq(f)),
            _ => false,
        },
    }
}
