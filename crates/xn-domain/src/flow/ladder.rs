//! The escalation ladder (电子监察): when a deadline's warnings and cards fall.
//!
//! For a deadline whose last day is D (the deadline is the end of D, Beijing time):
//! - due soon (临期提醒): at the start of the working day `due_soon_days` working days before D
//!   (none when that moment is not after the step was entered);
//! - yellow card (黄牌): at the end of D, when the work is overdue;
//! - red card (红牌): at the end of the `red_after_days`-th working day after D.
//!
//! A deadline in working hours falls at an instant rather than the end of a day: the yellow
//! card falls at that instant, the red card at the end of the `red_after_days`-th working day
//! after its date. Its due-soon warning falls `due_soon_hours` working hours before it when
//! the ladder sets them (0: the day rule).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::def::Ladder;
use super::engine::Due;
use crate::calendar::Calendar;
use crate::calendar::hours::{OfficeHours, from_shanghai_local, to_shanghai_local};

/// One rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    /// 临期提醒.
    DueSoon,
    /// 黄牌: overdue.
    Yellow,
    /// 红牌: overdue past the further limit.
    Red,
}

impl Rung {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Rung::DueSoon => "due_soon",
            Rung::Yellow => "yellow",
            Rung::Red => "red",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Rung> {
        match code {
            "due_soon" => Some(Rung::DueSoon),
            "yellow" => Some(Rung::Yellow),
            "red" => Some(Rung::Red),
            _ => None,
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Rung::DueSoon => "临期提醒",
            Rung::Yellow => "黄牌",
            Rung::Red => "红牌",
        }
    }
}

/// The start of a business day (00:00 Beijing) as an instant.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    from_shanghai_local(date.and_time(chrono::NaiveTime::MIN))
}

/// The end of a business day (24:00 Beijing) as an instant.
pub fn end_of(date: NaiveDate) -> DateTime<Utc> {
    start_of(date) + TimeDelta::days(1)
}

/// The rungs of a deadline and when each falls, in order.
pub fn rungs(
    due: &Due,
    ladder: &Ladder,
    cal: &Calendar,
    entered: DateTime<Utc>,
) -> Vec<(Rung, DateTime<Utc>)> {
    let mut out = Vec::with_capacity(3);
    let by_hours = due
        .working_hours
        .filter(|h| ladder.due_soon_hours > 0 && ladder.due_soon_hours < *h);
    if let Some(limit) = by_hours {
        // The warning falls when all but `due_soon_hours` of the limit's working hours have
        // passed since the step was entered (the office hours the engine counts in).
        let local = to_shanghai_local(entered);
        let minutes = (limit - ladder.due_soon_hours) * 60;
        let at =
            from_shanghai_local(cal.add_working_hours(local, minutes, &OfficeHours::default()));
        if at < due.at && at > entered {
            out.push((Rung::DueSoon, at));
        }
    } else if ladder.due_soon_days > 0 {
        let mut day = due.date;
        let mut back = 0;
        while back < ladder.due_soon_days {
            match day.pred_opt() {
                Some(d) => day = d,
                None => break,
            }
            if cal.is_working_day(day) {
                back += 1;
            }
        }
        let at = start_of(day).max(entered);
        if at < due.at && at > entered {
            out.push((Rung::DueSoon, at));
        }
    }
    out.push((Rung::Yellow, due.at));
    let red_day = cal
        .add_working_days(due.date, ladder.red_after_days.max(1))
        .date;
    out.push((Rung::Red, end_of(red_day).max(due.at)));
    out
}
