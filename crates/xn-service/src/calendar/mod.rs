//! The working-day calendar's use cases: the calendar in force, loading and editing a year,
//! the registry of working-day deadlines, and recomputing those deadlines when a year changes.
//!
//! The calendar in force is the shipped years (`xn_domain::calendar::shipped_years`) overlaid
//! with the rows of `calendar_years`: a stored year replaces the shipped one. It is built from
//! the database on every call, so several servers on one PostgreSQL database always agree;
//! building is memoised on the stored text itself (not on a timestamp or a process-local
//! "changed" flag), which makes the memo correct whichever server saved the change.
//!
//! Saving a year (page, API or console) runs in one transaction: store the year, recompute every
//! open deadline whose days could be touched by it, record `deadline.recomputed` for each one
//! that moved and notify its holder, and record `calendar.year_saved`. This module holds no
//! calendar arithmetic (that is `xn_domain::calendar`) and no SQL (that is `xn_store::calendar`).
//!
//! - `in_force`: the calendar in force, memoised, and the shipped years stored at start;
//! - `years`: the years as listed and shown, their JSON form, editing a year and importing a
//!   notice;
//! - `deadlines`: the registry of working-day deadlines and their recomputation, shared by every
//!   use case that counts a limit.

mod deadlines;
mod in_force;
mod years;

pub use deadlines::{
    DeadlineChange, DeadlineInput, DeadlineView, RegisteredDeadline, register_deadline_in,
};
pub use years::{
    DayChange, DayView, HolidayView, MakeupView, NoticePreview, SaveReport, SourceView,
    YearDataView, YearDetail, YearOrigin, YearSummary,
};
// The service's calendar answers with the domain's business date: the same rule everywhere.
pub use xn_domain::calendar::business_date;

use chrono::{Datelike, NaiveDate};
use xn_domain::calendar::{DayKind, weekday_zh};

use crate::events::Audit;
use crate::{Result, ServiceError};

/// The first and last year the calendar pages and the API accept.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1990..=2100;

/// The longest range `calendar_days` answers, in days (ten years).
pub const MAX_DAYS: i64 = 3660;

/// The most working days a deadline may count.
pub const MAX_WORKING_DAYS: u32 = 1000;

const CONSOLE: Audit<'static> = Audit {
    person_id: None,
    post_id: None,
    ip: None,
};

/// Parses a business date typed by a person (`YYYY-MM-DD`), naming the field when it is not one.
pub fn parse_date(field: &'static str, label: &str, text: &str) -> Result<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        ServiceError::invalid(
            field,
            if shown.is_empty() {
                format!("请填写{label}（格式 YYYY-MM-DD，如 2026-10-01）")
            } else {
                format!("{label}「{shown}」不是有效日期，应为 YYYY-MM-DD，如 2026-10-01")
            },
        )
    })
}

/// Parses a number of working days typed by a person.
pub fn parse_working_days(field: &'static str, text: &str) -> Result<u32> {
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(n) if n <= MAX_WORKING_DAYS => Ok(n),
        _ => Err(ServiceError::invalid(
            field,
            format!("工作日数应为 0 至 {MAX_WORKING_DAYS} 之间的整数（收到「{text}」）"),
        )),
    }
}

/// Refuses a year outside [`YEAR_RANGE`].
pub fn check_year(year: i32) -> Result<()> {
    if YEAR_RANGE.contains(&year) {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "year",
            format!(
                "年份 {year} 超出范围（{}–{}）",
                YEAR_RANGE.start(),
                YEAR_RANGE.end()
            ),
        ))
    }
}

/// "2026年10月13日（星期二）", as messages write a date.
pub fn fmt_date_zh(d: NaiveDate) -> String {
    format!(
        "{}年{}月{}日（{}）",
        d.year(),
        d.month(),
        d.day(),
        weekday_zh(d)
    )
}

/// The kind of a day in Chinese, for tooltips and change lists.
pub fn day_label(kind: &DayKind) -> String {
    match kind {
        DayKind::Workday => "工作日".to_owned(),
        DayKind::Weekend => "周末".to_owned(),
        DayKind::Holiday { name } => format!("{name}放假"),
        DayKind::MakeUpWorkday { name } => format!("{name}调休上班"),
    }
}
