//! Office hours and arithmetic in working minutes (for limits given in hours, such as 24小时内).
//!
//! Times here are local Asia/Shanghai wall-clock times ([`NaiveDateTime`]). China has kept
//! UTC+08:00 all year since 1991 (no daylight saving), so converting a stored UTC timestamp is
//! a fixed shift: use [`to_shanghai_local`] and [`from_shanghai_local`], never a time-zone
//! database.
//!
//! Only minutes inside office periods on working days count. "1 working day" is therefore never
//! 24 working hours: with the default hours it is 7 hours (09:00–12:00 and 13:30–17:30).

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::arithmetic::Calendar;

/// Offset of Asia/Shanghai from UTC, in seconds: +08:00 all year.
pub const SHANGHAI_UTC_OFFSET_SECONDS: i64 = 8 * 3600;

/// The Asia/Shanghai wall-clock time of a UTC instant.
pub fn to_shanghai_local(utc: DateTime<Utc>) -> NaiveDateTime {
    utc.naive_utc()
        .checked_add_signed(TimeDelta::seconds(SHANGHAI_UTC_OFFSET_SECONDS))
        .unwrap_or(NaiveDateTime::MAX)
}

/// The UTC instant of an Asia/Shanghai wall-clock time.
pub fn from_shanghai_local(local: NaiveDateTime) -> DateTime<Utc> {
    let utc = local
        .checked_sub_signed(TimeDelta::seconds(SHANGHAI_UTC_OFFSET_SECONDS))
        .unwrap_or(NaiveDateTime::MIN);
    DateTime::from_naive_utc_and_offset(utc, Utc)
}

/// The periods of a working day during which the office works, in local time.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OfficeHours {
    /// (start, end) of each period; the end is exclusive. Arithmetic sorts and merges them, so
    /// an unsorted list still works; [`OfficeHours::new`] refuses one that is not clean.
    pub periods: Vec<(NaiveTime, NaiveTime)>,
}

const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => NaiveTime::MIN,
    }
}

impl Default for OfficeHours {
    /// 09:00–12:00 and 13:30–17:30: the usual hours of a government office.
    fn default() -> Self {
        OfficeHours {
            periods: vec![(hm(9, 0), hm(12, 0)), (hm(13, 30), hm(17, 30))],
        }
    }
}

impl OfficeHours {
    /// Office hours from periods, which must be non-empty, run forwards and not overlap.
    ///
    /// # Errors
    /// [`CalendarError::OfficeHours`] naming the problem.
    pub fn new(mut periods: Vec<(NaiveTime, NaiveTime)>) -> Result<OfficeHours, CalendarError> {
        if periods.is_empty() {
            return Err(CalendarError::OfficeHours("至少需要一个办公时段".into()));
        }
        periods.sort();
        for (start, end) in &periods {
            if end <= start {
                return Err(CalendarError::OfficeHours(format!(
                    "时段 {}–{} 的结束时间不晚于开始时间",
                    start.format("%H:%M"),
                    end.format("%H:%M")
                )));
            }
        }
        for pair in periods.windows(2) {
            if let [(a_start, a_end), (b_start, b_end)] = pair
                && b_start < a_end
            {
                return Err(CalendarError::OfficeHours(format!(
                    "时段 {}–{} 与 {}–{} 重叠",
                    a_start.format("%H:%M"),
                    a_end.format("%H:%M"),
                    b_start.format("%H:%M"),
                    b_end.format("%H:%M")
                )));
            }
        }
        Ok(OfficeHours { periods })
    }

    /// Working minutes in one working day.
    pub fn minutes_per_day(&self) -> i64 {
        self.clean()
            .iter()
            .map(|(s, e)| (*e - *s).num_minutes())
            .sum()
    }

    /// The periods sorted, empty ones dropped, overlapping ones merged.
    fn clean(&self) -> Vec<(NaiveTime, NaiveTime)> {
        let mut sorted: Vec<(NaiveTime, NaiveTime)> = self
            .periods
            .iter()
            .copied()
            .filter(|(s, e)| s < e)
            .collect();
        sorted.sort();
        let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(sorted.len());
        for (start, end) in sorted {
            match merged.last_mut() {
                Some((_, last_end)) if start <= *last_end => {
                    if end > *last_end {
                        *last_end = end;
                    }
                }
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

impl Calendar {
    /// The local time at which `minutes` working minutes after `start` have passed.
    ///
    /// Only minutes inside office periods on working days count. The result is the end of the
    /// last minute: 60 minutes from 11:00 is 12:00, not 13:30. Zero minutes, or office hours
    /// with no period, return `start` unchanged.
    pub fn add_working_hours(
        &self,
        start: NaiveDateTime,
        minutes: u32,
        hours: &OfficeHours,
    ) -> NaiveDateTime {
        let periods = hours.clean();
        if minutes == 0 || periods.is_empty() {
            return start;
        }
        let mut remaining = i64::from(minutes) * 60;
        let mut day = start.date();
        loop {
            if self.is_working_day(day) {
                for (period_start, period_end) in &periods {
                    let from = if day == start.date() {
                        (*period_start).max(start.time())
                    } else {
                        *period_start
                    };
                    if from >= *period_end {
                        continue;
                    }
                    let available = (*period_end - from).num_seconds();
                    if remaining <= available {
                        let begin = day.and_time(from);
                        return begin
                            .checked_add_signed(TimeDelta::seconds(remaining))
                            .unwrap_or_else(|| day.and_time(*period_end));
                    }
                    remaining -= available;
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => return NaiveDateTime::MAX,
            }
        }
    }

    /// Working minutes between two local times: office minutes on working days in
    /// `[from, to)`, negative when `to < from`. Partial minutes are dropped.
    pub fn working_minutes_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        hours: &OfficeHours,
    ) -> i64 {
        if to < from {
            return -self.working_minutes_between(to, from, hours);
        }
        let periods = hours.clean();
        let mut seconds = 0;
        for day in from.date().iter_days().take_while(|d| *d <= to.date()) {
            if !self.is_working_day(day) {
                continue;
            }
            for (period_start, period_end) in &periods {
                let start = day.and_time(*period_start).max(from);
                let end = day.and_time(*period_end).min(to);
                if end > start {
                    seconds += (end - start).num_seconds();
                }
            }
        }
        seconds / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("valid test time")
    }

    #[test]
    fn one_working_day_is_seven_office_hours_not_twenty_four() {
        let cal = Calendar::shipped();
        let hours = OfficeHours::default();
        assert_eq!(hours.minutes_per_day(), 420);
        // Monday 2026-03-02 09:00 + 1 working day = end of Monday.
        assert_eq!(
            cal.add_working_hours(at(2026, 3, 2, 9, 0), 420, &hours),
            at(2026, 3, 2, 17, 30)
        );
        // 24 working hours stretch to Thursday, while 1 working day ends on Tuesday.
        let day_after = cal.add_working_days(at(2026, 3, 2, 9, 0).date(), 1).date;
        let twenty_four = cal.add_working_hours(at(2026, 3, 2, 9, 0), 24 * 60, &hours);
        assert_eq!(
            day_after,
            NaiveDate::from_ymd_opt(2026, 3, 3).expect("date")
        );
        assert_eq!(twenty_four, at(2026, 3, 5, 12, 0));
        assert_ne!(twenty_four.date(), day_after);
    }

    #[test]
    fn the_lunch_break_and_the_night_do_not_count() {
        let cal = Calendar::shipped();
        let hours = OfficeHours::default();
        assert_eq!(
            cal.add_working_hours(at(2026, 3, 2, 11, 0), 60, &hours),
            at(2026, 3, 2, 12, 0)
        );
        assert_eq!(
            cal.add_working_hours(at(2026, 3, 2, 11, 0), 61, &hours),
            at(2026, 3, 2, 13, 31)
        );
        assert_eq!(
            cal.add_working_hours(at(2026, 3, 2, 17, 0), 60, &hours),
            at(2026, 3, 3, 9, 30)
        );
        assert_eq!(
            cal.add_working_hours(at(2026, 3, 2, 20, 0), 30, &hours),
            at(2026, 3, 3, 9, 30)
        );
    }

    #[test]
    fn holidays_and_make_up_days_apply_to_hours_too() {
        let cal = Calendar::shipped();
        let hours = OfficeHours::default();
        // Friday 2026-02-13 17:00 + 60 minutes: Saturday 2026-02-14 is a make-up working day.
        assert_eq!(
            cal.add_working_hours(at(2026, 2, 13, 17, 0), 60, &hours),
            at(2026, 2, 14, 9, 30)
        );
        // Saturday 17:00 + 60 minutes: the 春节 block runs to Monday 2026-02-23.
        assert_eq!(
            cal.add_working_hours(at(2026, 2, 14, 17, 0), 60, &hours),
            at(2026, 2, 24, 9, 30)
        );
    }

    #[test]
    fn minutes_between_count_only_office_time() {
        let cal = Calendar::shipped();
        let hours = OfficeHours::default();
        assert_eq!(
            cal.working_minutes_between(at(2026, 3, 2, 8, 0), at(2026, 3, 3, 8, 0), &hours),
            420
        );
        assert_eq!(
            cal.working_minutes_between(at(2026, 3, 3, 8, 0), at(2026, 3, 2, 8, 0), &hours),
            -420
        );
        assert_eq!(
            cal.working_minutes_between(at(2026, 10, 1, 9, 0), at(2026, 10, 7, 18, 0), &hours),
            0
        );
    }

    #[test]
    fn zero_minutes_or_no_periods_leave_the_time_alone() {
        let cal = Calendar::shipped();
        let start = at(2026, 3, 2, 20, 0);
        assert_eq!(
            cal.add_working_hours(start, 0, &OfficeHours::default()),
            start
        );
        assert_eq!(
            cal.add_working_hours(start, 30, &OfficeHours { periods: vec![] }),
            start
        );
    }

    #[test]
    fn office_hours_that_overlap_or_run_backwards_are_refused() {
        let err = OfficeHours::new(vec![(hm(9, 0), hm(12, 0)), (hm(11, 0), hm(14, 0))])
            .expect_err("overlap");
        assert_eq!(
            err.to_string(),
            "办公时间设置无效：时段 09:00–12:00 与 11:00–14:00 重叠"
        );
        assert!(OfficeHours::new(vec![(hm(12, 0), hm(9, 0))]).is_err());
        assert!(OfficeHours::new(vec![]).is_err());
        let ok =
            OfficeHours::new(vec![(hm(13, 30), hm(17, 30)), (hm(9, 0), hm(12, 0))]).expect("ok");
        assert_eq!(ok, OfficeHours::default());
    }

    mod properties {
        use super::*;
        use chrono::Days;
        use proptest::prelude::*;
        use std::sync::LazyLock;

        static CALENDAR: LazyLock<Calendar> = LazyLock::new(Calendar::shipped);

        fn any_time() -> impl Strategy<Value = NaiveDateTime> {
            let first = at(2004, 1, 1, 0, 0);
            (0u64..24 * 366, 0u32..86_400).prop_map(move |(day, second)| {
                let date = first
                    .date()
                    .checked_add_days(Days::new(day))
                    .expect("in range");
                let time = NaiveTime::from_num_seconds_from_midnight_opt(second, 0).expect("time");
                date.and_time(time)
            })
        }

        proptest! {
            #[test]
            fn counting_the_minutes_added_gives_them_back(start in any_time(), minutes in 1u32..5_000) {
                let hours = OfficeHours::default();
                let end = CALENDAR.add_working_hours(start, minutes, &hours);
                prop_assert!(end > start);
                prop_assert_eq!(CALENDAR.working_minutes_between(start, end, &hours), i64::from(minutes));
            }

            #[test]
            fn an_added_time_ends_inside_office_hours_on_a_working_day(start in any_time(), minutes in 1u32..5_000) {
                let hours = OfficeHours::default();
                let end = CALENDAR.add_working_hours(start, minutes, &hours);
                prop_assert!(CALENDAR.is_working_day(end.date()));
                prop_assert!(hours.periods.iter().any(|(s, e)| *s < end.time() && end.time() <= *e));
            }
        }
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_of_utc_all_year() {
        let local = at(2026, 7, 1, 9, 0);
        let utc = from_shanghai_local(local);
        assert_eq!(utc.naive_utc(), at(2026, 7, 1, 1, 0));
        assert_eq!(to_shanghai_local(utc), local);
    }
}
