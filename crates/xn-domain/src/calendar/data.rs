//! One year's holiday arrangement as data, its TOML form, and the years shipped with xiaoneng.
//!
//! Each year is one file under `data/calendar/YYYY.toml`, written from that year's notice of the
//! State Council's general office (国务院办公厅关于YYYY年部分节假日安排的通知) and embedded in the
//! binary. An administrator can export a year ([`YearData::to_toml`]), edit it, and load it back
//! ([`YearData::from_toml`]); both directions use the same shape, so an exported shipped year is
//! byte for byte the shipped file.
//!
//! A holiday span lists every day off of one holiday block, weekend days inside the block
//! included (a 与周末连休 block runs from the Saturday to the holiday), because a tooltip should
//! say "端午节 5月31日–6月2日", not only the statutory day. Working-day arithmetic is the same
//! either way: a weekend day is off whether or not a span covers it.
//!
//! This module holds no calendar arithmetic; see [`super::arithmetic`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use super::{CalendarError, is_weekend, weekday_zh};

/// The notice a year's arrangement comes from (通知).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The notice's title, e.g. 国务院办公厅关于2026年部分节假日安排的通知.
    pub title: String,
    /// The notice's document number (文号), e.g. 国办发明电〔2025〕7号; empty when unknown.
    pub number: String,
    /// The date the notice bears (成文日期), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<NaiveDate>,
}

/// One holiday block: every day off from `from` to `to`, both included.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpan {
    /// The holiday's name as the notice gives it: 春节, 劳动节, 国庆节、中秋节 …
    pub name: String,
    /// First day off.
    pub from: NaiveDate,
    /// Last day off.
    pub to: NaiveDate,
}

impl HolidaySpan {
    /// Every day of the span, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }

    /// Number of days in the span (0 if it is reversed).
    pub fn len_days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Whether `date` lies in the span.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A weekend day that the notice makes a working day (调休上班), and the holiday it pays for.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MakeupDay {
    /// The Saturday or Sunday worked.
    pub date: NaiveDate,
    /// The holiday it belongs to.
    pub name: String,
}

/// One year's arrangement: the holidays and make-up days of that year's notice.
///
/// Dates may fall in the adjacent years: the notice for 2019 puts 2018-12-29 to 2018-12-31 into
/// 2019's 元旦.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct YearData {
    /// The year the notice is for.
    pub year: i32,
    /// True for data entered before the notice is published (a guess, shown as provisional).
    #[serde(default)]
    pub provisional: bool,
    /// The notice.
    pub source: Source,
    /// Later notices that changed the arrangement (2015's 抗战胜利纪念日, 2019's 劳动节,
    /// 2020's 春节 extension). Their changes are already applied to `holidays` and `workdays`.
    #[serde(default, rename = "amendment", skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<Source>,
    /// Holiday blocks, in date order.
    #[serde(default, rename = "holiday")]
    pub holidays: Vec<HolidaySpan>,
    /// Make-up working days, in date order.
    #[serde(default, rename = "workday")]
    pub workdays: Vec<MakeupDay>,
}

impl YearData {
    /// Reads and validates a year from its TOML form.
    ///
    /// # Errors
    /// [`CalendarError::Format`] when the text is not TOML of the expected shape, and the
    /// validation errors of [`YearData::validate`].
    pub fn from_toml(text: &str) -> Result<YearData, CalendarError> {
        let data: YearData =
            toml::from_str(text).map_err(|e| CalendarError::Format(e.to_string()))?;
        data.validate()?;
        Ok(data)
    }

    /// Writes the year in its canonical TOML form (the shape of the shipped files).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail, so the results of writeln! are ignored.
        let _ = writeln!(out, "year = {}", self.year);
        let _ = writeln!(out, "provisional = {}", self.provisional);
        out.push_str("\n[source]\n");
        write_source(&mut out, &self.source);
        for amendment in &self.amendments {
            out.push_str("\n[[amendment]]\n");
            write_source(&mut out, amendment);
        }
        for span in &self.holidays {
            out.push_str("\n[[holiday]]\n");
            let _ = writeln!(out, "name = {}", toml_string(&span.name));
            let _ = writeln!(out, "from = \"{}\"", span.from);
            let _ = writeln!(out, "to = \"{}\"", span.to);
        }
        for day in &self.workdays {
            out.push_str("\n[[workday]]\n");
            let _ = writeln!(out, "date = \"{}\"", day.date);
            let _ = writeln!(out, "name = {}", toml_string(&day.name));
        }
        out
    }

    /// Checks the rules every year's data must keep.
    ///
    /// Spans run forwards; every date lies within a year of `year` (a notice reaches into the
    /// adjacent years only around 元旦); make-up days are Saturdays or Sundays, listed once, and
    /// never inside a holiday; every entry has a name.
    ///
    /// # Errors
    /// The first rule broken, as a [`CalendarError`] naming the date.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let first = self.year.saturating_sub(1);
        let last = self.year.saturating_add(1);
        let in_range = |date: NaiveDate| {
            if (first..=last).contains(&date.year()) {
                Ok(())
            } else {
                Err(CalendarError::OutOfRange {
                    date,
                    year: self.year,
                    first,
                    last,
                })
            }
        };
        for span in &self.holidays {
            if span.name.trim().is_empty() {
                return Err(CalendarError::MissingName { date: span.from });
            }
            if span.to < span.from {
                return Err(CalendarError::SpanReversed {
                    name: span.name.clone(),
                    from: span.from,
                    to: span.to,
                });
            }
            in_range(span.from)?;
            in_range(span.to)?;
        }
        let mut seen: Vec<NaiveDate> = Vec::with_capacity(self.workdays.len());
        for day in &self.workdays {
            if day.name.trim().is_empty() {
                return Err(CalendarError::MissingName { date: day.date });
            }
            in_range(day.date)?;
            if !is_weekend(day.date) {
                return Err(CalendarError::MakeupNotWeekend {
                    date: day.date,
                    name: day.name.clone(),
                    weekday: weekday_zh(day.date).to_owned(),
                });
            }
            if seen.contains(&day.date) {
                return Err(CalendarError::DuplicateWorkday { date: day.date });
            }
            seen.push(day.date);
            if let Some(span) = self.holidays.iter().find(|s| s.contains(day.date)) {
                return Err(CalendarError::Conflict {
                    date: day.date,
                    holiday: span.name.clone(),
                    workday: day.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Total number of days covered by the holiday spans.
    pub fn holiday_day_count(&self) -> i64 {
        self.holidays.iter().map(HolidaySpan::len_days).sum()
    }
}

fn write_source(out: &mut String, source: &Source) {
    let _ = writeln!(out, "title = {}", toml_string(&source.title));
    let _ = writeln!(out, "number = {}", toml_string(&source.number));
    if let Some(published) = source.published {
        let _ = writeln!(out, "published = \"{published}\"");
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped, the rest verbatim
/// so Chinese stays readable in the file.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The shipped years as (year, TOML text), embedded from `data/calendar/`.
///
/// A test checks that every entry parses, so [`shipped_years`] never silently loses one.
pub const SHIPPED_TOML: &[(i32, &str)] = &[
    (2004, include_str!("../../../../data/calendar/2004.toml")),
    (2005, include_str!("../../../../data/calendar/2005.toml")),
    (2006, include_str!("../../../../data/calendar/2006.toml")),
    (2007, include_str!("../../../../data/calendar/2007.toml")),
    (2008, include_str!("../../../../data/calendar/2008.toml")),
    (2009, include_str!("../../../../data/calendar/2009.toml")),
    (2010, include_str!("../../../../data/calendar/2010.toml")),
    (2011, include_str!("../../../../data/calendar/2011.toml")),
    (2012, include_str!("../../../../data/calendar/2012.toml")),
    (2013, include_str!("../../../../data/calendar/2013.toml")),
    (2014, include_str!("../../../../data/calendar/2014.toml")),
    (2015, include_str!("../../../../data/calendar/2015.toml")),
    (2016, include_str!("../../../../data/calendar/2016.toml")),
    (2017, include_str!("../../../../data/calendar/2017.toml")),
    (2018, include_str!("../../../../data/calendar/2018.toml")),
    (2019, include_str!("../../../../data/calendar/2019.toml")),
    (2020, include_str!("../../../../data/calendar/2020.toml")),
    (2021, include_str!("../../../../data/calendar/2021.toml")),
    (2022, include_str!("../../../../data/calendar/2022.toml")),
    (2023, include_str!("../../../../data/calendar/2023.toml")),
    (2024, include_str!("../../../../data/calendar/2024.toml")),
    (2025, include_str!("../../../../data/calendar/2025.toml")),
    (2026, include_str!("../../../../data/calendar/2026.toml")),
];

/// The years shipped with xiaoneng (2004 to the latest published notice), parsed.
pub fn shipped_years() -> Vec<YearData> {
    // Entries that fail to parse are skipped rather than panicking; the test
    // `every_shipped_file_parses_and_covers_2004_to_2026` makes sure there are none.
    SHIPPED_TOML
        .iter()
        .filter_map(|(_, text)| YearData::from_toml(text).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn sample() -> YearData {
        YearData {
            year: 2026,
            provisional: false,
            source: Source {
                title: "国务院办公厅关于2026年部分节假日安排的通知".into(),
                number: "国办发明电〔2025〕7号".into(),
                published: Some(date(2025, 11, 4)),
            },
            amendments: vec![],
            holidays: vec![HolidaySpan {
                name: "元旦".into(),
                from: date(2026, 1, 1),
                to: date(2026, 1, 3),
            }],
            workdays: vec![MakeupDay {
                date: date(2026, 1, 4),
                name: "元旦".into(),
            }],
        }
    }

    #[test]
    fn every_shipped_file_parses_and_covers_2004_to_2026() {
        for (year, text) in SHIPPED_TOML {
            let data = YearData::from_toml(text)
                .unwrap_or_else(|e| panic!("{year}.toml does not load: {e}"));
            assert_eq!(data.year, *year, "{year}.toml declares another year");
            assert!(!data.provisional, "{year} is published, not provisional");
            assert!(!data.source.number.is_empty(), "{year} has no 文号");
            assert_eq!(
                data.source.title,
                format!("国务院办公厅关于{year}年部分节假日安排的通知")
            );
        }
        let years: Vec<i32> = shipped_years().iter().map(|y| y.year).collect();
        assert_eq!(years, (2004..=2026).collect::<Vec<_>>());
    }

    #[test]
    fn shipped_files_are_in_the_canonical_export_form() {
        for (year, text) in SHIPPED_TOML {
            let data = YearData::from_toml(text).expect("parses");
            assert_eq!(&data.to_toml(), text, "{year}.toml differs from its export");
        }
    }

    #[test]
    fn a_year_survives_export_and_import() {
        let mut data = sample();
        data.source.title = "带\"引号\"和\\反斜杠\n的标题".into();
        let back = YearData::from_toml(&data.to_toml()).expect("round trip");
        assert_eq!(back, data);
    }

    #[test]
    fn the_documented_shape_loads() {
        let text = r#"
year = 2026
provisional = false

[source]
title = "国务院办公厅关于2026年部分节假日安排的通知"
number = "国办发明电〔2025〕7号"   # the notice's 文号
published = "2025-11-04"

[[holiday]]
name = "元旦"
from = "2026-01-01"
to = "2026-01-03"

[[workday]]
date = "2026-01-04"
name = "元旦"
"#;
        assert_eq!(YearData::from_toml(text).expect("loads"), sample());
    }

    #[test]
    fn a_reversed_span_is_refused_with_its_name() {
        let mut data = sample();
        data.holidays[0].to = date(2025, 12, 31);
        let err = YearData::from_toml(&data.to_toml()).expect_err("reversed");
        assert!(matches!(err, CalendarError::SpanReversed { .. }));
        assert!(err.to_string().contains("元旦"), "{err}");
    }

    #[test]
    fn a_weekday_make_up_day_is_refused() {
        let mut data = sample();
        data.workdays[0].date = date(2026, 1, 5);
        let err = data.validate().expect_err("Monday");
        assert_eq!(
            err.to_string(),
            "调休上班日 2026-01-05（元旦）是星期一，调休上班日只能是周六或周日"
        );
    }

    #[test]
    fn a_date_two_years_away_is_refused() {
        let mut data = sample();
        data.holidays[0].from = date(2024, 12, 31);
        assert!(matches!(
            data.validate(),
            Err(CalendarError::OutOfRange { first: 2025, .. })
        ));
    }

    #[test]
    fn a_day_cannot_be_both_off_and_worked() {
        let mut data = sample();
        data.holidays[0].to = date(2026, 1, 4);
        let err = data.validate().expect_err("conflict");
        assert!(matches!(err, CalendarError::Conflict { .. }));
        assert!(err.to_string().contains("既是放假日"), "{err}");
    }

    #[test]
    fn a_make_up_day_listed_twice_is_refused() {
        let mut data = sample();
        data.workdays.push(data.workdays[0].clone());
        assert!(matches!(
            data.validate(),
            Err(CalendarError::DuplicateWorkday { .. })
        ));
    }

    #[test]
    fn an_unnamed_holiday_is_refused() {
        let mut data = sample();
        data.holidays[0].name = " ".into();
        assert!(matches!(
            data.validate(),
            Err(CalendarError::MissingName { .. })
        ));
    }

    #[test]
    fn a_misspelt_table_is_a_format_error_in_chinese() {
        let text = sample().to_toml().replace("[[holiday]]", "[[holidays]]");
        let err = YearData::from_toml(&text).expect_err("unknown table");
        assert!(err.to_string().starts_with("日历数据格式错误"), "{err}");
    }
}
