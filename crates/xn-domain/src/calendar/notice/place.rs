//! Placing the dates of a notice in the calendar.
//!
//! Notices mostly write dates without a year ("12月29日（星期六）上班" in the notice for 2019
//! means 2018-12-29) and ranges as "1月29日—2月4日" or "至3日". A date is placed near the date
//! written before it, narrowed by its weekday note when there is one; with nothing before it, in
//! the notice's year, except that a range is placed to end in that year.

use chrono::{Datelike, NaiveDate, Weekday};

use super::text::{Clause, Piece, RawDate};

/// A date or span of the text, placed in the calendar.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placed {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    /// Written after 调至: the day a weekend rest was moved to.
    pub(super) moved_to: bool,
}

impl Placed {
    pub(super) fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }
}

/// Candidate dates for month/day in the years around `year`, narrowed by the weekday note.
pub(super) fn candidates(
    year: i32,
    month: u32,
    day: u32,
    weekday: Option<Weekday>,
) -> Vec<NaiveDate> {
    let all: Vec<NaiveDate> = (year - 1..=year + 1)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .collect();
    match weekday {
        Some(w) if all.iter().any(|d| d.weekday() == w) => {
            all.into_iter().filter(|d| d.weekday() == w).collect()
        }
        _ => all,
    }
}

pub(super) fn closest(options: &[NaiveDate], to: NaiveDate) -> Option<NaiveDate> {
    options
        .iter()
        .copied()
        .min_by_key(|d| (*d - to).num_days().abs())
}

/// Places a single date: explicit, near the previous date, or in the notice's year.
pub(super) fn place(raw: RawDate, year: i32, last: Option<NaiveDate>) -> Option<NaiveDate> {
    match (raw.year, raw.month, last) {
        (Some(y), Some(m), _) => NaiveDate::from_ymd_opt(y, m, raw.day),
        (None, Some(m), Some(anchor)) => {
            closest(&candidates(anchor.year(), m, raw.day, raw.weekday), anchor)
        }
        (None, Some(m), None) => {
            let options = candidates(year, m, raw.day, raw.weekday);
            options
                .iter()
                .copied()
                .find(|d| d.year() == year)
                .or(options.first().copied())
        }
        (None, None, Some(anchor)) => {
            // "3日" continues a month written before it: usually the anchor's, but after
            // "1月29日—2月4日" the "29日、30日、31日" of the same sentence are January's.
            let mut options: Vec<NaiveDate> = [-1, 0, 1]
                .iter()
                .filter_map(|shift| {
                    let months = anchor.year() * 12 + i32::try_from(anchor.month0()).ok()? + shift;
                    let month = u32::try_from(months.rem_euclid(12)).ok()? + 1;
                    NaiveDate::from_ymd_opt(months.div_euclid(12), month, raw.day)
                })
                .collect();
            if let Some(w) = raw.weekday
                && options.iter().any(|d| d.weekday() == w)
            {
                options.retain(|d| d.weekday() == w);
            }
            closest(&options, anchor)
        }
        _ => None,
    }
}

/// Places the end of a range given its start: "至3日" continues the start's month.
pub(super) fn place_end(raw: RawDate, start: NaiveDate) -> Option<NaiveDate> {
    let end = match (raw.year, raw.month) {
        (Some(y), Some(m)) => NaiveDate::from_ymd_opt(y, m, raw.day)?,
        (None, Some(m)) => candidates(start.year() + 1, m, raw.day, None)
            .into_iter()
            .filter(|d| *d >= start)
            .min()?,
        _ => {
            let same = NaiveDate::from_ymd_opt(start.year(), start.month(), raw.day);
            match same {
                Some(d) if d >= start => d,
                _ => {
                    let (y, m) = if start.month() == 12 {
                        (start.year() + 1, 1)
                    } else {
                        (start.year(), start.month() + 1)
                    };
                    NaiveDate::from_ymd_opt(y, m, raw.day)?
                }
            }
        }
    };
    (end >= start && (end - start).num_days() <= 31).then_some(end)
}

/// Places a range. With nothing to lean on, the end goes in the notice's year and the start
/// before it: a notice for year Y has blocks that end in Y and may start in December of Y-1.
pub(super) fn place_range(
    a: RawDate,
    b: RawDate,
    year: i32,
    last: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    if a.year.is_some() || last.is_some() {
        let start = place(a, year, last)?;
        return Some((start, place_end(b, start)?));
    }
    let month = a.month?;
    let end = match (b.year, b.month) {
        (Some(_), Some(_)) => place(b, year, None)?,
        (None, Some(_)) => place(b, year, None)?,
        _ => {
            let end_month = if b.day < a.day { month % 12 + 1 } else { month };
            place(
                RawDate {
                    month: Some(end_month),
                    ..b
                },
                year,
                None,
            )?
        }
    };
    let options: Vec<NaiveDate> = candidates(end.year(), month, a.day, a.weekday)
        .into_iter()
        .filter(|d| *d <= end)
        .collect();
    let start = options.iter().copied().max()?;
    ((end - start).num_days() <= 31).then_some((start, end))
}

/// Places every date of a clause; `None` when one cannot be placed.
pub(super) fn place_clause(
    clause: &Clause,
    year: i32,
    last: &mut Option<NaiveDate>,
) -> Option<Vec<Placed>> {
    let mut placed = Vec::new();
    let mut words = String::new();
    let mut k = 0;
    while k < clause.pieces.len() {
        match &clause.pieces[k] {
            Piece::Text(t) => words.push_str(t),
            Piece::Range => words.push('至'),
            Piece::Date(a) => {
                let moved_to = words.contains("调至") || words.contains("调到");
                if let (Some(Piece::Range), Some(Piece::Date(b))) =
                    (clause.pieces.get(k + 1), clause.pieces.get(k + 2))
                {
                    let (from, to) = place_range(*a, *b, year, *last)?;
                    placed.push(Placed { from, to, moved_to });
                    *last = Some(to);
                    k += 3;
                    continue;
                }
                let day = place(*a, year, *last)?;
                placed.push(Placed {
                    from: day,
                    to: day,
                    moved_to,
                });
                *last = Some(day);
            }
        }
        k += 1;
    }
    Some(placed)
}
