//! The registry of working-day deadlines (办理时限): registering one on the calendar in force,
//! inside a use case's transaction or in one of its own, and recomputing the open ones when a
//! year of the calendar changes (recorded, and told to their holders). Counting a deadline
//! without registering it is here too.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::Calendar;
use xn_store::Tx;
use xn_store::calendar::{DeadlineRow, NewDeadline};

use super::in_force::{build_calendar, row_texts};
use super::{MAX_WORKING_DAYS, fmt_date_zh};
use crate::events::{Audit, record};
use crate::{Actor, Result, ServiceError, Services, ms};

/// A deadline counted in working days, as computed (not registered).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    /// The last day: the deadline is the end of it.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// True when a counted day lies in a year without published data.
    pub provisional: bool,
    /// How the date was reached, in Chinese.
    pub explanation: String,
}

/// A registered deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisteredDeadline {
    /// Id.
    pub id: i64,
    /// What it is the deadline of, e.g. `case:12`.
    pub subject: String,
    /// The post that must act.
    pub holder_post_id: Option<i64>,
    /// The holder's name, in lists.
    pub holder: Option<String>,
    /// The day of receipt.
    #[schema(value_type = String, format = Date)]
    pub start_date: NaiveDate,
    /// N working days.
    pub working_days: u32,
    /// The last day.
    #[schema(value_type = String, format = Date)]
    pub due_date: NaiveDate,
    /// Provisional.
    pub provisional: bool,
    /// Explanation, in Chinese.
    pub explanation: String,
}

/// A deadline to register.
#[derive(Debug, Clone)]
pub struct DeadlineInput {
    /// What it is the deadline of, e.g. `case:12`.
    pub subject: String,
    /// The post that must act by then (it is notified when the date moves).
    pub holder_post_id: Option<i64>,
    /// The day of receipt (it does not count).
    pub start_date: NaiveDate,
    /// N working days.
    pub working_days: u32,
}

/// A deadline whose date (or provisional flag) a calendar change moved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineChange {
    /// The deadline's id.
    pub id: i64,
    /// Its subject.
    pub subject: String,
    /// Its holder.
    pub holder_post_id: Option<i64>,
    /// The due date before.
    #[schema(value_type = String, format = Date)]
    pub old_date: NaiveDate,
    /// The due date after.
    #[schema(value_type = String, format = Date)]
    pub new_date: NaiveDate,
    /// Provisional before.
    pub old_provisional: bool,
    /// Provisional after.
    pub new_provisional: bool,
    /// The new explanation.
    pub explanation: String,
}

/// A stored deadline recomputed on `cal`, or `None` when nothing about it changes.
pub(super) fn recompute(cal: &Calendar, row: &DeadlineRow) -> Option<DeadlineChange> {
    let (Ok(start), Ok(old_date)) = (
        NaiveDate::parse_from_str(&row.start_date, "%Y-%m-%d"),
        NaiveDate::parse_from_str(&row.due_date, "%Y-%m-%d"),
    ) else {
        tracing::error!(deadline = row.id, "stored deadline has an unreadable date");
        return None;
    };
    let n = u32::try_from(row.working_days).unwrap_or(0);
    let new = cal.add_working_days(start, n);
    let old_provisional = row.provisional != 0;
    if new.date == old_date
        && new.provisional == old_provisional
        && new.explanation == row.explanation
    {
        return None;
    }
    Some(DeadlineChange {
        id: row.id,
        subject: row.subject.clone(),
        holder_post_id: row.holder_post_id,
        old_date,
        new_date: new.date,
        old_provisional,
        new_provisional: new.provisional,
        explanation: new.explanation,
    })
}

/// Registers a deadline inside the caller's transaction, counted on the calendar in force.
///
/// For use cases that create work with a working-day limit (the flow engine, supervision):
/// they call this in their own transaction, after authorizing their actor. The calendar rows
/// are read under a shared lock, so a concurrent calendar save either sees this deadline or
/// is seen by it.
pub async fn register_deadline_in(
    tx: &mut Tx,
    input: &DeadlineInput,
    now: DateTime<Utc>,
) -> Result<RegisteredDeadline> {
    let subject = input.subject.trim();
    if subject.is_empty() {
        return Err(ServiceError::invalid("subject", "期限须注明所属事项"));
    }
    if input.working_days > MAX_WORKING_DAYS {
        return Err(ServiceError::invalid(
            "working_days",
            format!("工作日数不能超过 {MAX_WORKING_DAYS}"),
        ));
    }
    xn_store::calendar::lock_years_shared(tx).await?;
    let rows = xn_store::calendar::list_years_tx(tx).await?;
    let cal = build_calendar(&row_texts(&rows));
    let deadline = cal.add_working_days(input.start_date, input.working_days);
    let start = input.start_date.to_string();
    let due = deadline.date.to_string();
    let id = xn_store::calendar::insert_deadline(
        tx,
        &NewDeadline {
            subject,
            holder_post_id: input.holder_post_id,
            start_date: &start,
            working_days: i64::from(input.working_days),
            due_date: &due,
            provisional: deadline.provisional,
            explanation: &deadline.explanation,
        },
        ms(now),
    )
    .await?;
    Ok(RegisteredDeadline {
        id,
        subject: subject.to_owned(),
        holder_post_id: input.holder_post_id,
        holder: None,
        start_date: input.start_date,
        working_days: input.working_days,
        due_date: deadline.date,
        provisional: deadline.provisional,
        explanation: deadline.explanation,
    })
}

/// Recomputes the open deadlines that could count days in `[from, to]`, inside the saving
/// transaction: updates each changed one, records `deadline.recomputed` for each whose date or
/// provisional flag moved, and notifies the holder of each whose date moved.
pub(super) async fn recompute_deadlines(
    tx: &mut Tx,
    cal: &Calendar,
    (from, to): (NaiveDate, NaiveDate),
    reason: &str,
    who: &Audit<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<DeadlineChange>> {
    let rows =
        xn_store::calendar::open_deadlines_touching_tx(tx, &from.to_string(), &to.to_string())
            .await?;
    let mut moved = Vec::new();
    for row in &rows {
        let Some(change) = recompute(cal, row) else {
            continue;
        };
        xn_store::calendar::update_deadline_due(
            tx,
            change.id,
            &change.new_date.to_string(),
            change.new_provisional,
            &change.explanation,
        )
        .await?;
        let date_moved = change.old_date != change.new_date;
        if !date_moved && change.old_provisional == change.new_provisional {
            // Only the wording of the explanation changed (a holiday renamed): nothing to tell.
            continue;
        }
        record(
            tx,
            who,
            "deadline.recomputed",
            Some(change.subject.clone()),
            json!({
                "deadline_id": change.id,
                "old": change.old_date.to_string(),
                "new": change.new_date.to_string(),
                "old_provisional": change.old_provisional,
                "new_provisional": change.new_provisional,
                "reason": reason,
                "explanation": change.explanation,
            }),
            now,
        )
        .await?;
        if date_moved && let Some(post_id) = change.holder_post_id {
            let message = format!(
                "{}的办理期限由{}调整为{}。原因：{}。",
                change.subject,
                fmt_date_zh(change.old_date),
                fmt_date_zh(change.new_date),
                reason
            );
            xn_store::notifications::insert_notification(
                tx,
                &xn_store::notifications::NewNotification {
                    post_id,
                    kind: "deadline.moved",
                    subject: Some(&change.subject),
                    message: &message,
                },
                ms(now),
            )
            .await?;
        }
        moved.push(change);
    }
    Ok(moved)
}

pub(super) fn to_registered(r: xn_store::calendar::DeadlineListRow) -> Option<RegisteredDeadline> {
    let d = r.deadline;
    Some(RegisteredDeadline {
        id: d.id,
        subject: d.subject,
        holder_post_id: d.holder_post_id,
        holder: match (r.holder_unit, r.holder_name) {
            (Some(u), Some(n)) => Some(format!("{u} {n}")),
            (_, n) => n,
        },
        start_date: NaiveDate::parse_from_str(&d.start_date, "%Y-%m-%d").ok()?,
        working_days: u32::try_from(d.working_days).ok()?,
        due_date: NaiveDate::parse_from_str(&d.due_date, "%Y-%m-%d").ok()?,
        provisional: d.provisional != 0,
        explanation: d.explanation,
    })
}

impl Services {
    /// Registers a working-day deadline in a transaction of its own (see
    /// [`register_deadline_in`] to register inside a use case's transaction).
    pub async fn register_deadline(
        &self,
        input: &DeadlineInput,
        now: DateTime<Utc>,
    ) -> Result<RegisteredDeadline> {
        let mut tx = self.db().begin().await?;
        let d = register_deadline_in(&mut tx, input, now).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// The deadline `n` working days after `from` (the day of receipt does not count).
    pub async fn calendar_add(
        &self,
        _actor: &Actor,
        from: NaiveDate,
        n: u32,
    ) -> Result<DeadlineView> {
        if n > MAX_WORKING_DAYS {
            return Err(ServiceError::invalid(
                "days",
                format!("工作日数不能超过 {MAX_WORKING_DAYS}"),
            ));
        }
        let d = self.calendar().await?.add_working_days(from, n);
        Ok(DeadlineView {
            date: d.date,
            provisional: d.provisional,
            explanation: d.explanation,
        })
    }
}
