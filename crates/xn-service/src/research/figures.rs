//! Figures per month and lead unit: topics opened (taken into the plan) with the share 主动
//! and 事前, topics closed and closed by their planned end, reports submitted to the leaders,
//! those with a 批示 and those converted into a document or a decision. Stored in
//! `research_figures` in the transaction of every write that changes them, so the evaluation
//! reads a stored table.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::research::{TopicFacts, month_figures, share};
use xn_store::Tx;
use xn_store::research::{self as store, FigureRow};

use super::{Research, month_of};
use crate::{Actor, Result, ServiceError, ms};

/// One unit's figures of a month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureLine {
    /// `YYYY-MM`.
    pub month: String,
    /// The lead unit.
    pub unit: String,
    /// Topics taken into the plan.
    pub opened: i64,
    /// Share 主动 of them.
    pub own_share: String,
    /// Share 事前 of them.
    pub before_share: String,
    /// Topics closed.
    pub closed: i64,
    /// Of these, by their planned end.
    pub closed_on_time: i64,
    /// Reports submitted to the leaders.
    pub reports: i64,
    /// Of these, with a 批示.
    pub reports_instructed: i64,
    /// Of these, converted into a document or a decision.
    pub converted: i64,
}

/// An office's figures of a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = research::FiguresView)]
pub struct FiguresView {
    /// The year.
    pub year: i64,
    /// Per month and unit.
    pub lines: Vec<FigureLine>,
    /// The year's totals.
    pub total: FigureLine,
}

fn line(month: &str, unit: &str, r: &FigureRow) -> FigureLine {
    FigureLine {
        month: month.to_owned(),
        unit: unit.to_owned(),
        opened: r.opened,
        own_share: share(r.own_origin, r.opened),
        before_share: share(r.timed_before, r.opened),
        closed: r.closed,
        closed_on_time: r.closed_on_time,
        reports: r.reports,
        reports_instructed: r.reports_instructed,
        converted: r.converted,
    }
}

impl Research<'_> {
    /// Recounts the stored figures of the months a topic is counted in, in the write's
    /// transaction (a write changes only its own topic's facts, so only those months move).
    pub(crate) async fn recount(
        &self,
        tx: &mut Tx,
        office: i64,
        topic: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let rows = store::facts_of(tx, office).await?;
        let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
        let facts: Vec<TopicFacts> = rows
            .into_iter()
            .map(|f| TopicFacts {
                unit: f.lead_unit_id,
                own: f.origin == "own",
                before: f.timing == "before",
                opened_month: f
                    .decided_at
                    .filter(|_| f.state != "declined" && f.state != "proposed")
                    .map(month_of),
                due_on: NaiveDate::parse_from_str(&f.due_on, "%Y-%m-%d").unwrap_or(NaiveDate::MAX),
                closed_on: f
                    .closed_on
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                submitted_month: f.submitted_at.map(month_of),
                instructed: f.instructions > 0,
                converted: matches!(f.outcome.as_deref(), Some("document" | "decision")),
            })
            .collect();
        let mut months: BTreeSet<String> = BTreeSet::new();
        for (f, _) in facts.iter().zip(&ids).filter(|(_, id)| **id == topic) {
            months.extend(f.opened_month.clone());
            months.extend(f.submitted_month.clone());
            months.extend(f.closed_on.map(|d| d.format("%Y-%m").to_string()));
        }
        for m in &months {
            let rows: Vec<FigureRow> = month_figures(&facts, m)
                .into_iter()
                .map(|(unit_id, f)| FigureRow {
                    month: m.clone(),
                    unit_id,
                    unit: String::new(),
                    opened: f.opened,
                    own_origin: f.own,
                    timed_before: f.before,
                    closed: f.closed,
                    closed_on_time: f.closed_on_time,
                    reports: f.reports,
                    reports_instructed: f.reports_instructed,
                    converted: f.converted,
                })
                .collect();
            store::replace_figures(tx, office, m, &rows, ms(now)).await?;
        }
        Ok(())
    }

    /// The caller's office's figures of a year, per month and lead unit, with the totals.
    pub async fn figures(&self, actor: &Actor, year: i64) -> Result<FiguresView> {
        let d = self.desk(actor).await?;
        let office = d.office.ok_or_else(|| {
            ServiceError::Forbidden("当前身份不属于政府办公室（厅），没有调研统计".into())
        })?;
        if !(1900..=9999).contains(&year) {
            return Err(ServiceError::invalid("year", "年份应为四位数"));
        }
        let rows = store::figures_of(self.svc.db(), office, &year.to_string()).await?;
        let mut total = FigureRow::default();
        for r in &rows {
            total.opened += r.opened;
            total.own_origin += r.own_origin;
            total.timed_before += r.timed_before;
            total.closed += r.closed;
            total.closed_on_time += r.closed_on_time;
            total.reports += r.reports;
            total.reports_instructed += r.reports_instructed;
            total.converted += r.converted;
        }
        Ok(FiguresView {
            year,
            lines: rows.iter().map(|r| line(&r.month, &r.unit, r)).collect(),
            total: line(&year.to_string(), "合计", &total),
        })
    }
}
