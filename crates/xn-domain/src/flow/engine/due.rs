//! Deadlines of runs and of cases ([`Due`]): counted from `now` in working days or working
//! hours, and moved later when the clock stopped or an extension was granted.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::hours::{from_shanghai_local, to_shanghai_local};
use crate::calendar::{Calendar, OfficeHours, business_date};

/// A deadline of a run or of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The last business day.
    pub date: NaiveDate,
    /// The instant it passes (end of `date`, or the hour for limits in hours).
    #[serde(with = "crate::flow::millis")]
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
            at: crate::flow::ladder::end_of(d.date),
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

/// Moves a deadline later by `days` working days.
pub(super) fn shift_due(cal: &Calendar, due: &mut Due, days: u32) {
    let moved = cal.add_working_days(due.date, days);
    let delta = moved.date.signed_duration_since(due.date);
    due.at += TimeDelta::days(delta.num_days());
    due.date = moved.date;
    due.provisional |= moved.provisional;
    due.explanation = format!("{}；顺延 {days} 个工作日至 {}", due.explanation, moved.date);
}
