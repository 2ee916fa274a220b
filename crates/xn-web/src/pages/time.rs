//! Instants as every page shows them: Beijing time, to the minute.
//!
//! This is the one place an instant becomes text for people. Rust code building a page string
//! calls [`beijing_time`]; a template writes `{{ t|beijing }}` through [`filters::beijing`],
//! which ends in the same function. China has kept no daylight saving time since 1991, so
//! UTC+8 is exact all year. A template must not format an instant itself (chrono's
//! `.format(…)` on a `DateTime<Utc>` prints the UTC date, so anything done between 00:00 and
//! 08:00 in Beijing would read as the day before); the integration test
//! `every_template_formats_instants_through_the_one_helper` reads every template and fails on
//! any other way of formatting one. Business dates (`NaiveDate` deadlines) are not instants and
//! are not formatted here.

use chrono::{DateTime, Utc};

/// Formats stored epoch milliseconds as Beijing time, `YYYY-MM-DD HH:MM`.
pub fn beijing_time(ms: i64) -> String {
    let t = xn_service::from_ms(ms) + chrono::Duration::hours(8);
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Something a page may show as a moment in time: an instant, or perhaps none.
pub trait Instant {
    /// The instant as epoch milliseconds, or `None` when there is nothing to show.
    fn epoch_ms(&self) -> Option<i64>;
}

impl Instant for DateTime<Utc> {
    fn epoch_ms(&self) -> Option<i64> {
        Some(xn_service::ms(*self))
    }
}

impl<T: Instant> Instant for Option<T> {
    fn epoch_ms(&self) -> Option<i64> {
        self.as_ref().and_then(Instant::epoch_ms)
    }
}

impl<T: Instant + ?Sized> Instant for &T {
    fn epoch_ms(&self) -> Option<i64> {
        (**self).epoch_ms()
    }
}

/// The template filters of every page module (`use crate::pages::filters;` beside a
/// template struct brings them into scope).
pub mod filters {
    #![expect(
        missing_docs,
        reason = "askama::filter_fn generates an undocumented builder per filter"
    )]

    use super::{Instant, beijing_time};

    /// `{{ t|beijing }}`: an instant in Beijing time; nothing for an absent one.
    #[askama::filter_fn]
    pub fn beijing<T: Instant>(value: T, _env: &dyn askama::Values) -> askama::Result<String> {
        Ok(value.epoch_ms().map(beijing_time).unwrap_or_default())
    }

    /// `{{ a.size|filesize }}`: a file's size as offices read it, "12 KB" or "3.4 MB".
    #[askama::filter_fn]
    pub fn filesize(bytes: &i64, _env: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::file_size(*bytes))
    }
}

/// A file's size: whole KB below one MB (rounded up, so a small file is never "0 KB"), else MB
/// with one decimal.
pub fn file_size(bytes: i64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let b = bytes as f64;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", b / 1_048_576.0)
    } else {
        format!("{:.0} KB", (b / 1024.0).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_offices_write_them() {
        assert_eq!(file_size(1), "1 KB");
        assert_eq!(file_size(2048), "2 KB");
        assert_eq!(file_size(3 * 1024 * 1024 + 400 * 1024), "3.4 MB");
    }

    #[test]
    fn an_instant_just_before_utc_midnight_reads_as_the_next_beijing_day() {
        let t: DateTime<Utc> = "2026-12-04T17:30:00Z".parse().unwrap();
        assert_eq!(beijing_time(xn_service::ms(t)), "2026-12-05 01:30");
    }

    #[test]
    fn an_absent_instant_shows_nothing_and_a_present_one_through_the_same_function() {
        let t: DateTime<Utc> = "2026-12-05T02:00:00Z".parse().unwrap();
        assert_eq!(
            Some(t).epoch_ms().map(beijing_time).as_deref(),
            Some("2026-12-05 10:00")
        );
        assert_eq!(None::<DateTime<Utc>>.epoch_ms(), None);
    }
}
