//! The supervision area's part of the 办理 page (the case page of a 督办事项), and the rule that
//! a closing is applied for only after the progress owed was reported.
//!
//! The page shows what the step decides on: the item's requirements, its deadline, the report
//! schedule with how many reports were owed so far (应报) and filed (已报), and, to the lead post
//! at 办理, the 报送进展 form. [`closing_refusal`] is the one rule behind both the page's warning
//! and the refusal of 申请办结 in the flow hook, so the page never offers what the service refuses.
//! Who may see the item is [`Supervision::item`]'s rule; the part is withheld from anyone else.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_store::supervision::{self as store, ReportRow};

use super::{ItemDetail, Supervision};
use crate::{Actor, Result, ServiceError};

/// A 督办事项 as the 办理 page shows it beside the step's form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionDesk {
    /// The item (requirements, deadline, reports, cards …), as its own page shows it.
    pub item: ItemDetail,
    /// 应报: scheduled reports whose day has come.
    pub reports_owed: usize,
    /// 已报: reports filed (on time or late).
    pub reports_filed: usize,
    /// The next report's due day, if one is still to come.
    pub next_report: Option<String>,
    /// Whether the viewer files the item's reports now (its lead post, at 办理).
    pub may_report: bool,
    /// Why 申请办结 would be refused now, said before the holder tries.
    pub closing_refusal: Option<String>,
}

/// Why the lead may not apply to close yet, as a stable code and a message: a report past its
/// day and not filed, or not a single report filed. `None` when the closing may be applied for.
pub(crate) fn closing_refusal(
    reports: &[ReportRow],
    today: NaiveDate,
) -> Option<(&'static str, String)> {
    let today = today.to_string();
    if let Some(r) = reports
        .iter()
        .find(|r| r.status == "missed" || (r.status == "due" && r.due_date < today))
    {
        return Some((
            "supervision.report_overdue",
            format!(
                "第 {} 次进展应于 {} 报送，至今未报：请先报送进展，再申请办结",
                r.seq, r.due_date
            ),
        ));
    }
    if !reports
        .iter()
        .any(|r| r.status == "filed" || r.status == "late")
    {
        return Some((
            "supervision.no_report",
            "尚未报送任何办理进展：请先报送进展，再申请办结".to_owned(),
        ));
    }
    None
}

impl Supervision<'_> {
    /// The item of a case as the 办理 page shows it, or `None` when the case has no item (yet).
    /// Refused (`Forbidden`) to a viewer who may not see the item.
    pub async fn desk(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<SupervisionDesk>> {
        let Some(id) = store::item_id_of_case(self.svc.db(), case_id).await? else {
            return Ok(None);
        };
        let item = self.item(actor, id, now).await?;
        let today = business_date(now);
        let reports = store::reports_of(self.svc.db(), id).await?;
        let today_s = today.to_string();
        let live = || reports.iter().filter(|r| r.status != "cancelled");
        let may_report = item.can_handle;
        let refusal = if may_report {
            closing_refusal(&reports, today).map(|(_, m)| m)
        } else {
            None
        };
        Ok(Some(SupervisionDesk {
            reports_owed: live().filter(|r| r.due_date <= today_s).count(),
            reports_filed: live()
                .filter(|r| r.status == "filed" || r.status == "late")
                .count(),
            next_report: live()
                .filter(|r| r.status == "due" && r.due_date >= today_s)
                .map(|r| r.due_date.clone())
                .next(),
            may_report,
            closing_refusal: refusal,
            item,
        }))
    }
}

/// The refusal of a closing applied for too early, as the hook answers it.
pub(crate) fn refuse_closing(reports: &[ReportRow], today: NaiveDate) -> Result<()> {
    match closing_refusal(reports, today) {
        Some((code, message)) => Err(ServiceError::Conflict { code, message }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(seq: i64, due: &str, status: &str) -> ReportRow {
        ReportRow {
            id: seq,
            item_id: 1,
            seq,
            due_date: due.into(),
            status: status.into(),
            content: None,
            filed_at: None,
            filed_post_id: None,
            filed_by: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_closing_waits_for_a_first_report() {
        let reports = [report(1, "2026-12-04", "due")];
        let (code, _) = closing_refusal(&reports, day("2026-12-01")).unwrap();
        assert_eq!(code, "supervision.no_report");
    }

    #[test]
    fn a_report_past_its_day_refuses_the_closing_until_filed() {
        let mut reports = [
            report(1, "2026-11-27", "filed"),
            report(2, "2026-12-04", "due"),
        ];
        let (code, message) = closing_refusal(&reports, day("2026-12-07")).unwrap();
        assert_eq!(code, "supervision.report_overdue");
        assert!(
            message.contains("第 2 次进展应于 2026-12-04 报送"),
            "{message}"
        );
        reports[1].status = "late".into();
        assert!(closing_refusal(&reports, day("2026-12-07")).is_none());
    }

    #[test]
    fn a_report_due_today_is_not_yet_overdue() {
        let reports = [
            report(1, "2026-11-27", "filed"),
            report(2, "2026-12-04", "due"),
        ];
        assert!(closing_refusal(&reports, day("2026-12-04")).is_none());
    }
}
