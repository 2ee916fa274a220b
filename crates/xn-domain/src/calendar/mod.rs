//! The working-day calendar (工作日日历): which days the office works, and deadline arithmetic.
//!
//! Every 办理时限 in xiaoneng is counted in working days: weekdays, minus the statutory holidays
//! (法定节假日) of the State Council's annual notice, plus the make-up working days (调休上班)
//! that notice turns weekend days into. This module holds:
//!
//! - [`data`]: one year's arrangement as data ([`YearData`]), its TOML form (the files under
//!   `data/calendar/`, shipped inside the binary) and its validation;
//! - [`arithmetic`]: the [`Calendar`] built from those years, day classification and
//!   "N working days" deadlines with a Chinese explanation for the user;
//! - [`hours`]: office hours and arithmetic in working minutes;
//! - [`notice`]: a parser for the pasted text of a notice, so an administrator can load a new
//!   year without typing dates by hand.
//!
//! It holds no I/O and never reads the clock: the caller passes every date. A year whose notice
//! is not loaded is *provisional*: only weekends are off, and every answer that touches it says so.
//!
//! All dates are business dates in Asia/Shanghai: [`business_date`] gives an instant's (see
//! [`hours`] for converting timestamps).

pub mod arithmetic;
pub mod data;
pub mod hours;
pub mod notice;

pub use arithmetic::{Calendar, DayInfo, DayKind, Deadline};
pub use data::{HolidaySpan, MakeupDay, SHIPPED_TOML, Source, YearData, shipped_years};
pub use hours::OfficeHours;
pub use notice::{ParsedNotice, parse_notice};

use chrono::{DateTime, NaiveDate, Utc};

/// What can go wrong when reading calendar data or asking the calendar a question.
///
/// The messages are shown to administrators as they are, so they are in Chinese and name the
/// offending date or holiday.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not valid TOML, or does not have the shape of a year's data.
    #[error("日历数据格式错误：{0}")]
    Format(String),
    /// A holiday span ends before it starts.
    #[error("节假日「{name}」的结束日期 {to} 早于开始日期 {from}")]
    SpanReversed {
        /// The holiday's name.
        name: String,
        /// First day of the span.
        from: NaiveDate,
        /// Last day of the span.
        to: NaiveDate,
    },
    /// A holiday or make-up day has no name.
    #[error("{date} 的节假日名称为空")]
    MissingName {
        /// The day without a name (the first day for a span).
        date: NaiveDate,
    },
    /// A make-up working day that is not a Saturday or Sunday: it would change nothing.
    #[error("调休上班日 {date}（{name}）是{weekday}，调休上班日只能是周六或周日")]
    MakeupNotWeekend {
        /// The day.
        date: NaiveDate,
        /// The holiday it belongs to.
        name: String,
        /// The day's weekday, in Chinese (星期三).
        weekday: String,
    },
    /// A date too far from the year of the file (a notice only reaches into the adjacent years).
    #[error("{date} 不在 {year} 年数据允许的范围内（{first}年至{last}年）")]
    OutOfRange {
        /// The offending date.
        date: NaiveDate,
        /// The year of the data.
        year: i32,
        /// First allowed year.
        first: i32,
        /// Last allowed year.
        last: i32,
    },
    /// A date that is both a holiday and a make-up working day.
    #[error("{date} 既是放假日（{holiday}）又是调休上班日（{workday}）")]
    Conflict {
        /// The day.
        date: NaiveDate,
        /// The holiday that covers it.
        holiday: String,
        /// The make-up day entry naming it.
        workday: String,
    },
    /// The same make-up day is listed twice.
    #[error("调休上班日 {date} 重复列出")]
    DuplicateWorkday {
        /// The day.
        date: NaiveDate,
    },
    /// A date range whose end lies before its start.
    #[error("查询区间无效：结束日期 {to} 早于开始日期 {from}")]
    RangeReversed {
        /// Start of the range.
        from: NaiveDate,
        /// End of the range.
        to: NaiveDate,
    },
    /// Office hours that are empty, reversed or overlapping.
    #[error("办公时间设置无效：{0}")]
    OfficeHours(String),
}

/// The weekday of `date` in Chinese, as notices and tooltips write it (星期六).
pub fn weekday_zh(date: NaiveDate) -> &'static str {
    use chrono::{Datelike, Weekday};
    match date.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Whether `date` is a Saturday or a Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    use chrono::{Datelike, Weekday};
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The business date (Asia/Shanghai) of an instant.
pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    hours::to_shanghai_local(now).date()
}
