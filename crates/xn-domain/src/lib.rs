//! Pure rules and types of xiaoneng.
//!
//! This crate holds what the office's work *is*: the organisation model, the working-day
//! calendar, password policy, the flow engine and the rules of official documents. It holds no I/O
//! and never reads the clock: every function that needs the time takes `now` as a parameter.
//! CI checks that it depends on neither sqlx, axum nor tokio.

pub mod calendar;
pub mod complaints;
pub mod documents;
pub mod efficiency;
pub mod flow;
pub mod information;
pub mod management;
pub mod meetings;
pub mod notify;
pub mod org;
pub mod research;
pub mod satisfaction;
pub mod schedule;
pub mod security;
pub mod service;
pub mod study;
pub mod supervision;
