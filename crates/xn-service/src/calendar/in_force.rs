//! The calendar in force: the shipped years overlaid with the stored ones, built from the
//! database on every call and memoised on the stored text; and storing the shipped years a
//! database lacks at start.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::calendar::{Calendar, YearData, shipped_years};
use xn_store::calendar::{CalendarYearRow, NewCalendarYear};

use super::CONSOLE;
use super::deadlines::recompute_deadlines;
use super::years::{reach, reason_of};
use crate::events::record;
use crate::{Result, Services};

/// The shipped years, parsed once per process.
fn shipped() -> &'static [YearData] {
    static SHIPPED: OnceLock<Vec<YearData>> = OnceLock::new();
    SHIPPED.get_or_init(shipped_years)
}

type Memo = Option<(Vec<(i64, String)>, Arc<Calendar>)>;

/// Builds the calendar in force from stored rows (year, TOML): shipped years overlaid with them.
///
/// Memoised on the rows' text: the same rows always give the same calendar, so the memo can
/// never be stale, whichever process changed the database.
pub(super) fn build_calendar(rows: &[(i64, String)]) -> Arc<Calendar> {
    static MEMO: Mutex<Memo> = Mutex::new(None);
    if let Some((key, cal)) = MEMO.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
        && key.as_slice() == rows
    {
        return Arc::clone(cal);
    }
    let mut years: Vec<YearData> = shipped().to_vec();
    for (year, text) in rows {
        match YearData::from_toml(text) {
            Ok(data) => years.push(data),
            // A row is only written after validation; one that no longer loads was edited by
            // hand in the database. The shipped data (or weekends) stand in for it.
            Err(e) => tracing::error!(year, error = %e, "stored calendar year does not load"),
        }
    }
    let cal = Arc::new(Calendar::new(years));
    *MEMO.lock().unwrap_or_else(PoisonError::into_inner) = Some((rows.to_vec(), Arc::clone(&cal)));
    cal
}

pub(super) fn row_texts(rows: &[CalendarYearRow]) -> Vec<(i64, String)> {
    rows.iter().map(|r| (r.year, r.data.clone())).collect()
}

impl Services {
    /// The calendar in force: the shipped years overlaid with the stored ones.
    pub async fn calendar(&self) -> Result<Arc<Calendar>> {
        let rows = xn_store::calendar::list_years(self.db()).await?;
        Ok(build_calendar(&row_texts(&rows)))
    }

    /// Stores the shipped years the database lacks, and replaces stored shipped years (never an
    /// administrator's) whose data a newer release corrected; then recomputes the open deadlines
    /// those years touch. Run at every start; answers the years written.
    pub async fn ensure_calendar(&self, now: DateTime<Utc>) -> Result<Vec<i32>> {
        let mut tx = self.db().begin().await?;
        xn_store::calendar::lock_years_exclusive(&mut tx).await?;
        let mut written = Vec::new();
        for data in shipped() {
            let text = data.to_toml();
            let stored = xn_store::calendar::store_shipped_year(
                &mut tx,
                &NewCalendarYear {
                    year: i64::from(data.year),
                    provisional: data.provisional,
                    data: &text,
                    source_title: &data.source.title,
                    updated_at: None,
                    updated_by: None,
                },
            )
            .await?;
            if stored {
                written.push(data.year);
            }
        }
        if let (Some(first), Some(last)) = (written.first(), written.last()) {
            let rows = xn_store::calendar::list_years_tx(&mut tx).await?;
            let cal = build_calendar(&row_texts(&rows));
            let range = (reach(*first).0, reach(*last).1);
            let reason = if written.len() == 1 {
                shipped()
                    .iter()
                    .find(|d| d.year == *first)
                    .map(reason_of)
                    .unwrap_or_default()
            } else {
                format!("随版本载入{first}–{last}年日历")
            };
            let moved = recompute_deadlines(&mut tx, &cal, range, &reason, &CONSOLE, now).await?;
            record(
                &mut tx,
                &CONSOLE,
                "calendar.shipped_loaded",
                Some("calendar".to_owned()),
                json!({"years": written, "recomputed": moved.len()}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.forget_flow_calendar();
        Ok(written)
    }
}
