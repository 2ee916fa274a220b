#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed step stops the test"
)]

//! The integration suite: the whole application through its HTTP layer, on SQLite and on
//! PostgreSQL. One test binary (see docs/ARCHITECTURE.md).

mod support;

mod api;
mod areas;
mod at_rest;
mod audit;
mod auth;
mod authz_matrix;
mod backup;
mod calendar;
mod case_files;
mod clearance;
mod complaints;
mod crash;
mod desk;
mod display;
mod documents;
mod efficiency;
mod efficiency_alerts;
mod efficiency_figures;
mod factor;
mod flow;
mod fuzz;
mod information;
mod information_commissions;
mod information_issues;
mod management;
mod meetings;
mod meetings_figures;
mod meetings_minutes;
mod meetings_notice_document;
mod meetings_notices;
mod meetings_topics;
mod moving;
mod multi_server;
mod notify;
mod operations;
mod opinions;
mod org;
mod plans;
mod printing;
mod registers;
mod reports_rollup;
mod research;
mod robustness;
mod satisfaction;
mod schedule;
mod security;
mod security_scope;
mod service;
mod service_files;
mod service_hot;
mod service_internal;
mod stopping;
mod study;
mod summaries;
mod supervision;
mod workbench;
