//! The calendar built from the loaded years: day classification and working-day deadlines.
//!
//! "N working days" (N个工作日) follows the rule of the design: the day of receipt (受理日) does
//! not count; the deadline is the end of the Nth working day after it. A day is a working day
//! when it is a weekday that no holiday covers, or a weekend day that a notice made a make-up
//! working day. A year without published data is provisional: only its weekends are off, and
//! every deadline that counts one of its days carries `provisional = true` and says so.
//!
//! This module holds no I/O; the data comes from [`super::data`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::data::{YearData, shipped_years};
use super::{CalendarError, is_weekend};

/// What kind of day a date is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DayKind {
    /// A weekday the office works.
    Workday,
    /// A Saturday or Sunday with no make-up work.
    Weekend,
    /// A day off of a statutory holiday block (weekend days inside the block included).
    Holiday {
        /// The holiday's name (春节, 国庆节、中秋节 …).
        name: String,
    },
    /// A weekend day the notice made a working day (调休上班).
    MakeUpWorkday {
        /// The holiday it pays for.
        name: String,
    },
}

impl DayKind {
    /// The holiday's name for holidays and make-up days.
    pub fn holiday_name(&self) -> Option<&str> {
        match self {
            DayKind::Holiday { name } | DayKind::MakeUpWorkday { name } => Some(name),
            DayKind::Workday | DayKind::Weekend => None,
        }
    }
}

/// One date and what the calendar knows about it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DayInfo {
    /// The date (Asia/Shanghai business date).
    pub date: NaiveDate,
    /// Its kind.
    pub kind: DayKind,
    /// True when no published data covers the date's year: only weekends are known.
    pub provisional: bool,
}

impl DayInfo {
    /// Whether the office works on this day.
    pub fn is_working(&self) -> bool {
        matches!(self.kind, DayKind::Workday | DayKind::MakeUpWorkday { .. })
    }
}

/// A deadline counted in working days.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The last day: the deadline is the end of this day.
    pub date: NaiveDate,
    /// True when any day counted lies in a provisional year; the date may move when that
    /// year's notice is loaded.
    pub provisional: bool,
    /// How the date was reached, in Chinese, for a tooltip.
    pub explanation: String,
}

/// A loaded mark on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mark {
    Holiday(String),
    MakeUp(String),
}

/// The working-day calendar: weekends, holidays and make-up days of the loaded years.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearData>,
    marks: BTreeMap<NaiveDate, Mark>,
    published: BTreeSet<i32>,
}

impl Calendar {
    /// Builds a calendar from years of data.
    ///
    /// A later entry for the same year replaces an earlier one (an administrator's update
    /// replaces the shipped year). Where two years mark the same date differently, the later
    /// year wins, because its notice is the one that arranged the turn of the year; within a
    /// year a make-up day wins over a holiday (validated data never has both).
    pub fn new(years: impl IntoIterator<Item = YearData>) -> Calendar {
        let mut by_year = BTreeMap::new();
        for data in years {
            by_year.insert(data.year, data);
        }
        let mut marks = BTreeMap::new();
        let mut published = BTreeSet::new();
        for data in by_year.values() {
            if !data.provisional {
                published.insert(data.year);
            }
            for span in &data.holidays {
                for day in span.days() {
                    marks.insert(day, Mark::Holiday(span.name.clone()));
                }
            }
            for day in &data.workdays {
                marks.insert(day.date, Mark::MakeUp(day.name.clone()));
            }
        }
        Calendar {
            years: by_year,
            marks,
            published,
        }
    }

    /// The calendar of the years shipped with xiaoneng.
    pub fn shipped() -> Calendar {
        Calendar::new(shipped_years())
    }

    /// The data loaded for year `y`, if any.
    pub fn year(&self, y: i32) -> Option<&YearData> {
        self.years.get(&y)
    }

    /// All loaded years, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearData> {
        self.years.values()
    }

    /// Whether dates of `d`'s year are provisional (no published data for that year).
    pub fn is_provisional(&self, d: NaiveDate) -> bool {
        !self.published.contains(&d.year())
    }

    /// What kind of day `d` is.
    pub fn day(&self, d: NaiveDate) -> DayInfo {
        let kind = match self.marks.get(&d) {
            Some(Mark::Holiday(name)) => DayKind::Holiday { name: name.clone() },
            Some(Mark::MakeUp(name)) => DayKind::MakeUpWorkday { name: name.clone() },
            None if is_weekend(d) => DayKind::Weekend,
            None => DayKind::Workday,
        };
        DayInfo {
            date: d,
            kind,
            provisional: self.is_provisional(d),
        }
    }

    /// Whether the office works on `d`.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.marks.get(&d) {
            Some(Mark::Holiday(_)) => false,
            Some(Mark::MakeUp(_)) => true,
            None => !is_weekend(d),
        }
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        self.add_working_days(d, 0).date
    }

    /// The deadline `n` working days after `from` (the day of receipt).
    ///
    /// The day of receipt does not count: the deadline is the end of the `n`th working day
    /// after `from`. `n = 0` means `from` itself when it is a working day, else the next
    /// working day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Deadline {
        let mut examined = Vec::new();
        let mut provisional = false;
        let mut date = from;
        if n == 0 {
            loop {
                let info = self.day(date);
                provisional |= info.provisional;
                let working = info.is_working();
                examined.push(info);
                if working {
                    break;
                }
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => break,
                }
            }
        } else {
            let mut counted = 0;
            while counted < n {
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => break,
                }
                let info = self.day(date);
                provisional |= info.provisional;
                if info.is_working() {
                    counted += 1;
                }
                examined.push(info);
            }
        }
        let explanation = explain(from, n, date, &examined, provisional);
        Deadline {
            date,
            provisional,
            explanation,
        }
    }

    /// The number of working days `d` with `from < d <= to`; negative when `to < from`.
    ///
    /// For `n >= 1`, `working_days_between(from, add_working_days(from, n).date) == n`.
    ///
    /// Counted without walking the days: the weekdays of the span (five in every whole week,
    /// then the few days left), less the holidays on weekdays and plus the make-up days on
    /// weekends marked within it. The figures of the efficiency monitor ask it for every step of
    /// every period, some of them open for months; walking day by day made a five-year
    /// catch-up spend most of its time here.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        use std::ops::Bound::{Excluded, Included};
        if to < from {
            return -self.working_days_between(to, from);
        }
        let span = (to - from).num_days();
        let mut weekdays = span / 7 * 5;
        let mut d = from + chrono::Duration::days(span / 7 * 7);
        while d < to {
            d = d.succ_opt().unwrap_or(d);
            if !is_weekend(d) {
                weekdays += 1;
            }
        }
        let marked: i64 = self
            .marks
            .range((Excluded(from), Included(to)))
            .map(|(d, mark)| match mark {
                Mark::Holiday(_) if !is_weekend(*d) => -1,
                Mark::MakeUp(_) if is_weekend(*d) => 1,
                _ => 0,
            })
            .sum();
        weekdays + marked
    }

    /// The holiday days that fall in calendar year `year`, with their names, in date order.
    ///
    /// This is by the date's own year: 2018-12-30 (2019's 元旦) is listed for 2018.
    pub fn holidays_in(&self, year: i32) -> Vec<(NaiveDate, String)> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Vec::new();
        };
        self.marks
            .range(first..=last)
            .filter_map(|(date, mark)| match mark {
                Mark::Holiday(name) => Some((*date, name.clone())),
                Mark::MakeUp(_) => None,
            })
            .collect()
    }

    /// Every day from `from` to `to`, both included.
    ///
    /// # Errors
    /// [`CalendarError::RangeReversed`] when `to` is before `from`.
    pub fn days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<impl Iterator<Item = DayInfo> + '_, CalendarError> {
        if to < from {
            return Err(CalendarError::RangeReversed { from, to });
        }
        Ok(from
            .iter_days()
            .take_while(move |d| *d <= to)
            .map(|d| self.day(d)))
    }
}

/// Builds the tooltip: the day of receipt, each holiday run skipped, each make-up day counted,
/// and the result. Plain weekends are left implicit: everyone knows them.
fn explain(
    from: NaiveDate,
    n: u32,
    date: NaiveDate,
    examined: &[DayInfo],
    provisional: bool,
) -> String {
    let base = from.year();
    let mut parts = vec![format!("受理日 {}", fmt_day(from, base))];
    // A holiday run continues across plain weekend days, so a block written with its weekend
    // left out (清明节 4月5日 and 4月7日) still reads as one run.
    let mut run: Option<(String, NaiveDate, NaiveDate)> = None;
    let mut makeups: Vec<NaiveDate> = Vec::new();
    let flush_run = |run: &mut Option<(String, NaiveDate, NaiveDate)>, parts: &mut Vec<String>| {
        if let Some((name, start, end)) = run.take() {
            parts.push(format!("{name} {} 不计", fmt_span(start, end, base)));
        }
    };
    let flush_makeups = |makeups: &mut Vec<NaiveDate>, parts: &mut Vec<String>| {
        if !makeups.is_empty() {
            let days: Vec<String> = makeups.iter().map(|d| fmt_day(*d, base)).collect();
            parts.push(format!("{} 调休上班 计入", days.join("、")));
            makeups.clear();
        }
    };
    for info in examined {
        match &info.kind {
            DayKind::Holiday { name } => {
                flush_makeups(&mut makeups, &mut parts);
                match &mut run {
                    Some((current, _, end)) if current == name => *end = info.date,
                    _ => {
                        flush_run(&mut run, &mut parts);
                        run = Some((name.clone(), info.date, info.date));
                    }
                }
            }
            DayKind::Weekend => {}
            DayKind::MakeUpWorkday { .. } => {
                flush_run(&mut run, &mut parts);
                makeups.push(info.date);
            }
            DayKind::Workday => {
                flush_run(&mut run, &mut parts);
                flush_makeups(&mut makeups, &mut parts);
            }
        }
    }
    flush_run(&mut run, &mut parts);
    flush_makeups(&mut makeups, &mut parts);
    let mut last = if n == 0 {
        if date == from {
            "期限为受理日当日".to_owned()
        } else {
            format!("期限顺延至 {}", fmt_day(date, base))
        }
    } else {
        format!("第{n}个工作日 {}", fmt_day(date, base))
    };
    if provisional {
        last.push_str("（含暂定年份，按周末推算）");
    }
    parts.push(last);
    parts.join("；")
}

/// 9月30日, or 2027年1月11日 when the year differs from the day of receipt's.
fn fmt_day(d: NaiveDate, base_year: i32) -> String {
    if d.year() == base_year {
        format!("{}月{}日", d.month(), d.day())
    } else {
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    }
}

/// 10月1日–8日, 9月29日–10月6日, 4月5日, 12月31日–2023年1月2日.
fn fmt_span(start: NaiveDate, end: NaiveDate, base_year: i32) -> String {
    if start == end {
        fmt_day(start, base_year)
    } else if start.year() == end.year() && start.month() == end.month() {
        format!("{}–{}日", fmt_day(start, base_year), end.day())
    } else {
        format!("{}–{}", fmt_day(start, base_year), fmt_day(end, base_year))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::data::{HolidaySpan, MakeupDay, Source};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn shipped() -> Calendar {
        Calendar::shipped()
    }

    #[test]
    fn the_day_of_receipt_does_not_count() {
        // 2026-03-02 is a Monday with nothing around it.
        let deadline = shipped().add_working_days(date(2026, 3, 2), 1);
        assert_eq!(deadline.date, date(2026, 3, 3));
        assert!(!deadline.provisional);
    }

    #[test]
    fn zero_working_days_is_the_day_itself_or_the_next_working_day() {
        let cal = shipped();
        assert_eq!(
            cal.add_working_days(date(2026, 3, 2), 0).date,
            date(2026, 3, 2)
        );
        assert_eq!(
            cal.add_working_days(date(2026, 10, 1), 0).date,
            date(2026, 10, 8)
        );
        let explanation = cal.add_working_days(date(2026, 10, 1), 0).explanation;
        assert_eq!(
            explanation,
            "受理日 10月1日；国庆节 10月1日–7日 不计；期限顺延至 10月8日"
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 2), 0).explanation,
            "受理日 3月2日；期限为受理日当日"
        );
    }

    #[test]
    fn weekends_are_skipped_silently() {
        // Friday 2026-03-06 + 1 working day is Monday 2026-03-09.
        let deadline = shipped().add_working_days(date(2026, 3, 6), 1);
        assert_eq!(deadline.date, date(2026, 3, 9));
        assert_eq!(deadline.explanation, "受理日 3月6日；第1个工作日 3月9日");
    }

    #[test]
    fn a_deadline_across_national_day_and_mid_autumn_names_both_and_the_make_up_saturday() {
        let deadline = shipped().add_working_days(date(2025, 9, 30), 3);
        assert_eq!(deadline.date, date(2025, 10, 11));
        assert_eq!(
            deadline.explanation,
            "受理日 9月30日；国庆节、中秋节 10月1日–8日 不计；10月11日 调休上班 计入；第3个工作日 10月11日"
        );
    }

    #[test]
    fn a_deadline_into_an_unpublished_year_is_provisional_and_says_so() {
        let deadline = shipped().add_working_days(date(2026, 12, 28), 10);
        assert_eq!(deadline.date, date(2027, 1, 11));
        assert!(deadline.provisional);
        assert!(
            deadline
                .explanation
                .ends_with("第10个工作日 2027年1月11日（含暂定年份，按周末推算）")
        );
    }

    #[test]
    fn a_day_in_an_unloaded_year_is_provisional_and_only_weekends_are_off() {
        let cal = shipped();
        let new_year = cal.day(date(2027, 1, 1));
        assert_eq!(new_year.kind, DayKind::Workday);
        assert!(new_year.provisional);
        assert!(!cal.day(date(2026, 1, 1)).provisional);
    }

    #[test]
    fn counting_back_gives_a_negative_number() {
        let cal = shipped();
        assert_eq!(
            cal.working_days_between(date(2026, 3, 9), date(2026, 3, 6)),
            -1
        );
        assert_eq!(
            cal.working_days_between(date(2026, 3, 6), date(2026, 3, 9)),
            1
        );
        assert_eq!(
            cal.working_days_between(date(2026, 3, 6), date(2026, 3, 6)),
            0
        );
    }

    #[test]
    fn a_reversed_range_of_days_is_refused_in_chinese() {
        let cal = shipped();
        let err = cal
            .days(date(2026, 3, 9), date(2026, 3, 6))
            .err()
            .expect("reversed");
        assert_eq!(
            err.to_string(),
            "查询区间无效：结束日期 2026-03-06 早于开始日期 2026-03-09"
        );
        let week: Vec<DayInfo> = cal
            .days(date(2026, 2, 14), date(2026, 2, 16))
            .expect("ok")
            .collect();
        assert_eq!(week.len(), 3);
        assert_eq!(
            week[0].kind,
            DayKind::MakeUpWorkday {
                name: "春节".into()
            }
        );
        assert_eq!(
            week[1].kind,
            DayKind::Holiday {
                name: "春节".into()
            }
        );
    }

    #[test]
    fn holidays_in_a_year_go_by_the_dates_own_year() {
        let cal = shipped();
        let end_of_2018 = cal.holidays_in(2018);
        assert_eq!(
            end_of_2018.last(),
            Some(&(date(2018, 12, 31), "元旦".to_owned()))
        );
        assert_eq!(cal.holidays_in(2026).len(), 33);
    }

    #[test]
    fn a_later_entry_for_a_year_replaces_the_shipped_one() {
        let mut years = shipped_years();
        let mut changed = years
            .iter()
            .find(|y| y.year == 2026)
            .cloned()
            .expect("2026");
        changed.holidays.retain(|h| h.name != "国庆节");
        changed.workdays.retain(|w| w.name != "国庆节");
        years.push(changed);
        let cal = Calendar::new(years);
        assert!(cal.is_working_day(date(2026, 10, 1)));
        assert!(!cal.is_working_day(date(2026, 9, 20)));
    }

    #[test]
    fn provisional_data_marks_its_days_provisional_but_still_applies() {
        let guess = YearData {
            year: 2027,
            provisional: true,
            source: Source {
                title: "暂定".into(),
                number: String::new(),
                published: None,
            },
            amendments: vec![],
            holidays: vec![HolidaySpan {
                name: "元旦".into(),
                from: date(2027, 1, 1),
                to: date(2027, 1, 3),
            }],
            workdays: vec![MakeupDay {
                date: date(2027, 1, 9),
                name: "元旦".into(),
            }],
        };
        let cal = Calendar::new(shipped_years().into_iter().chain([guess]));
        let day = cal.day(date(2027, 1, 1));
        assert!(day.provisional);
        assert!(!day.is_working());
        assert!(cal.is_working_day(date(2027, 1, 9)));
    }

    #[test]
    fn an_empty_calendar_knows_only_weekends() {
        let cal = Calendar::default();
        assert!(cal.is_working_day(date(2026, 10, 1)));
        assert!(!cal.is_working_day(date(2026, 10, 3)));
        assert!(cal.add_working_days(date(2026, 10, 1), 1).provisional);
    }

    mod properties {
        use super::*;
        use chrono::Days;
        use proptest::prelude::*;
        use std::sync::LazyLock;

        static CALENDAR: LazyLock<Calendar> = LazyLock::new(Calendar::shipped);

        /// Any date from 2004 to 2027: every shipped year and one provisional year.
        fn any_date() -> impl Strategy<Value = NaiveDate> {
            let first = date(2004, 1, 1);
            let span = u64::try_from((date(2027, 12, 31) - first).num_days()).expect("positive");
            (0..=span).prop_map(move |k| first.checked_add_days(Days::new(k)).expect("in range"))
        }

        proptest! {
            #[test]
            fn counting_equals_walking_the_days(from in any_date(), days in 0i64..800) {
                let to = from + chrono::Duration::days(days);
                let walked = i64::try_from(
                    from.iter_days()
                        .skip(1)
                        .take_while(|d| *d <= to)
                        .filter(|d| CALENDAR.is_working_day(*d))
                        .count(),
                )
                .expect("small");
                prop_assert_eq!(CALENDAR.working_days_between(from, to), walked);
                prop_assert_eq!(CALENDAR.working_days_between(to, from), -walked);
            }

            #[test]
            fn adding_then_counting_gives_back_n(from in any_date(), n in 1u32..120) {
                let deadline = CALENDAR.add_working_days(from, n);
                prop_assert_eq!(CALENDAR.working_days_between(from, deadline.date), i64::from(n));
                prop_assert_eq!(CALENDAR.working_days_between(deadline.date, from), -i64::from(n));
            }

            #[test]
            fn no_deadline_falls_on_a_non_working_day(from in any_date(), n in 0u32..120) {
                let deadline = CALENDAR.add_working_days(from, n);
                prop_assert!(CALENDAR.is_working_day(deadline.date), "{deadline:?}");
                prop_assert!(CALENDAR.day(deadline.date).is_working());
            }

            #[test]
            fn adding_is_monotonic_in_n(from in any_date(), n in 0u32..120) {
                let shorter = CALENDAR.add_working_days(from, n).date;
                let longer = CALENDAR.add_working_days(from, n + 1).date;
                prop_assert!(shorter <= longer);
                if n >= 1 {
                    prop_assert!(shorter < longer);
                }
            }

            #[test]
            fn a_deadline_is_provisional_exactly_when_it_reaches_2027(from in any_date(), n in 0u32..120) {
                let deadline = CALENDAR.add_working_days(from, n);
                prop_assert_eq!(deadline.provisional, deadline.date.year() >= 2027);
                prop_assert_eq!(
                    deadline.explanation.contains("含暂定年份"),
                    deadline.provisional
                );
            }
        }
    }

    #[test]
    fn spans_are_formatted_compactly() {
        assert_eq!(
            fmt_span(date(2023, 9, 29), date(2023, 10, 6), 2023),
            "9月29日–10月6日"
        );
        assert_eq!(
            fmt_span(date(2022, 12, 31), date(2023, 1, 2), 2022),
            "12月31日–2023年1月2日"
        );
        assert_eq!(fmt_span(date(2023, 4, 5), date(2023, 4, 5), 2023), "4月5日");
    }
}
