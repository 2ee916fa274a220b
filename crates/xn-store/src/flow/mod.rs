//! SQL of the flow engine: process definitions, cases, the task projection, cards, proxies and
//! idempotency keys; the timers (jobs with leases) are in [`crate::jobs`] and re-exported here.
//!
//! A case's engine state is stored whole in `cases.state` (bytes the service encodes); `tasks`
//! is its projection, rewritten in the same transaction, so that queues are plain indexed
//! queries. Every update of a case checks its version.
//!
//! One file per table or concern: `processes`, `cases`, `attachments`, `tasks` (the projection and the
//! queues), `cards`, `proxies`, `idempotency`, `assignees` (the organisation as assignee rules
//! read it), `batch` (the group commit's statements, one per table) and [`on_writer`] (the
//! same writes on the SQLite writer thread). This file holds no statement: it gathers them
//! under one path, `xn_store::flow`.

mod assignees;
mod attachments;
mod batch;
mod cards;
mod cases;
mod idempotency;
pub mod on_writer;
mod processes;
mod proxies;
mod tasks;

pub use assignees::*;
pub use attachments::*;
pub use batch::*;
pub use cards::*;
pub use cases::*;
pub use idempotency::*;
pub use processes::*;
pub use proxies::*;
pub use tasks::*;

pub use crate::jobs::{
    JobRow, arm_job, arm_next_job, cancel_jobs, claim_jobs, finish_job, jobs_of_case, next_job_due,
    release_jobs,
};
