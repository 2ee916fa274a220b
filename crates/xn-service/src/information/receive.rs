//! At the receiving office: 签收 and 筛选 (completed by name through the flow, whose hooks keep
//! the receipt), the section's edits kept as versions beside the original, and the backlog —
//! every item not yet signed for or screened, oldest first, with its age in working hours and
//! the ladder's verdict.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::OfficeHours;
use xn_domain::calendar::hours::to_shanghai_local;
use xn_domain::flow::Action;
use xn_domain::information::{InfoKind, ReceiptState, ReportKind};
use xn_store::information::{self as store, ReceiptRow};

use super::hooks::steps;
use super::{InfoSectionCap, Information};
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// A line of the backlog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogLine {
    /// The receipt.
    pub receipt_id: i64,
    /// Its case (open it to act).
    pub case_id: Option<i64>,
    /// Title (「（涉密事项）」 above the reader's clearance).
    pub title: String,
    /// Withheld for 密级.
    pub withheld: bool,
    /// The submitting unit.
    pub unit: String,
    /// 信息类别.
    pub kind: String,
    /// 快报 / 书面报告 / 续报.
    pub report: String,
    /// 待签收 / 待筛选.
    pub state: String,
    /// Received, Beijing time.
    pub received: String,
    /// Working minutes since it arrived.
    pub age_minutes: i64,
    /// 正常 / 临期 / 超期 against the step's limit.
    pub verdict: String,
}

/// The backlog of an office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogView {
    /// The office.
    pub office_id: i64,
    /// Lines, oldest first.
    pub lines: Vec<BacklogLine>,
}

impl Information<'_> {
    /// The receipt, for an actor of its office's section.
    async fn section_receipt(&self, section: &InfoSectionCap<'_>, id: i64) -> Result<ReceiptRow> {
        let r = store::find_receipt(self.svc.db(), id)
            .await
            .map_err(crate::ServiceError::missing("信息"))?;
        if r.office_unit_id != Some(section.office)
            || !section
                .actor
                .may_see(crate::clearance::level(&r.classification)?)
        {
            return Err(ServiceError::NotFound("信息"));
        }
        Ok(r)
    }

    /// Completes the section's open task at a step of a receipt's case.
    async fn complete(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
        step: &str,
        decision: &str,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let r = self.section_receipt(section, receipt).await?;
        let case = r.case_id.ok_or(ServiceError::NotFound("信息"))?;
        let tasks = xn_store::flow::tasks_of_case(self.svc.db(), case).await?;
        let task = tasks
            .iter()
            .find(|t| t.step_id == step && t.state == "open" && t.post_id == section.post)
            .map(|t| crate::exact("a task's number", t.task_no))
            .transpose()?
            .ok_or_else(|| ServiceError::Conflict {
                code: "information.state",
                message: format!(
                    "该信息当前为「{}」，不在待您{}的环节",
                    ReceiptState::from_code(&r.state).map_or("", ReceiptState::label),
                    if step == steps::SIGN {
                        "签收"
                    } else {
                        "筛选"
                    }
                ),
            })?;
        self.svc
            .act(
                section.actor,
                case,
                None,
                Action::Complete {
                    task,
                    decision: decision.into(),
                    opinion: opinion.trim().into(),
                    choices: BTreeMap::new(),
                },
                None,
                now,
            )
            .await?;
        Ok(())
    }

    /// 签收.
    pub async fn sign(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.complete(section, receipt, steps::SIGN, steps::SIGNED, "", now)
            .await
    }

    /// 筛选: `adopt` passes it (levels are given after), else 退回修改 (`decline` false) or
    /// 不予采用 (`decline` true), each with its reason. A return before signing is allowed too.
    pub async fn screen(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
        decision: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let r = self.section_receipt(section, receipt).await?;
        let step = if r.state == ReceiptState::Signing.code() {
            if decision != steps::RETURN {
                return Err(ServiceError::Conflict {
                    code: "information.state",
                    message: "请先签收，再筛选".into(),
                });
            }
            steps::SIGN
        } else {
            steps::SCREEN
        };
        if ![steps::ADOPT, steps::RETURN, steps::DECLINE].contains(&decision) {
            return Err(ServiceError::invalid(
                "decision",
                "请选择采用、退回修改或不予采用",
            ));
        }
        self.complete(section, receipt, step, decision, reason, now)
            .await
    }

    /// 编辑: the section's edit of an item it received, kept as the next version beside the
    /// original; returns the version's number.
    pub async fn edit(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
        title: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        xn_domain::information::check_texts(title, body).map_err(|e| ServiceError::Invalid {
            field: Some(e.field),
            message: e.message,
        })?;
        let r = self.section_receipt(section, receipt).await?;
        if matches!(r.state.as_str(), "returned" | "declined") {
            return Err(ServiceError::Conflict {
                code: "information.state",
                message: "已退回或不予采用的信息不再编辑".into(),
            });
        }
        let mut tx = self.svc.db().begin().await?;
        let v = store::insert_version(
            &mut tx,
            receipt,
            title.trim(),
            body.trim(),
            section.post,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(section.actor.person_id),
                post_id: Some(section.post),
                ip: section.actor.ip.as_deref(),
            },
            "information.edited",
            r.case_id.map(|c| format!("case:{c}")),
            json!({"receipt": receipt, "version": v}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The backlog of the office the actor oversees (its information section, its 主任 and
    /// 副主任, the leader set for urgent events): every item not signed for or not screened,
    /// oldest first.
    pub async fn backlog(&self, actor: &Actor, now: DateTime<Utc>) -> Result<BacklogView> {
        let office = self.overseen_office(actor).await?.ok_or_else(|| {
            ServiceError::Forbidden("只有信息科（股）和办公室负责人可以查看信息积压".into())
        })?;
        let rows = store::receipts_of_office(self.svc.db(), office, true, 500).await?;
        let cal = self.svc.flow_calendar().await?;
        let hours = OfficeHours::default();
        let mut lines = Vec::with_capacity(rows.len());
        for r in rows {
            let level = crate::clearance::level(&r.classification)?;
            let withheld = !actor.may_see(level);
            let since = match r.signed_at {
                Some(s) if r.state == ReceiptState::Screening.code() => s,
                _ => r.received_at,
            };
            let age = cal.working_minutes_between(
                to_shanghai_local(from_ms(since)),
                to_shanghai_local(now),
                &hours,
            );
            // The verdict is the open step's own deadline, as the flow counted it.
            let due = match r.case_id {
                Some(case) => xn_store::flow::tasks_of_case(self.svc.db(), case)
                    .await?
                    .iter()
                    .filter(|t| t.state == "open")
                    .filter_map(|t| t.due_at)
                    .min(),
                None => None,
            };
            let verdict = match due {
                Some(d) if ms(now) > d => "超期",
                Some(d)
                    if cal.working_minutes_between(
                        to_shanghai_local(now),
                        to_shanghai_local(from_ms(d)),
                        &hours,
                    ) <= 60 =>
                {
                    "临期"
                }
                _ => "正常",
            };
            lines.push(BacklogLine {
                receipt_id: r.id,
                case_id: r.case_id,
                title: if withheld {
                    "（涉密事项）".into()
                } else {
                    r.title.clone()
                },
                withheld,
                unit: r.unit_name.clone(),
                kind: InfoKind::from_code(&r.kind)
                    .map_or("", InfoKind::label)
                    .into(),
                report: ReportKind::from_code(&r.report_kind)
                    .map_or("", ReportKind::label)
                    .into(),
                state: ReceiptState::from_code(&r.state)
                    .map_or("", ReceiptState::label)
                    .into(),
                received: super::beijing_text(from_ms(r.received_at)),
                age_minutes: age.max(0),
                verdict: verdict.into(),
            });
        }
        Ok(BacklogView {
            office_id: office,
            lines,
        })
    }
}

impl Information<'_> {
    /// The item a receipt belongs to, for a reader of the receipt's office (its section and
    /// leaders) or of the item's unit; anyone else is answered as for a missing one.
    pub async fn receipt_item(&self, actor: &Actor, receipt: i64) -> Result<i64> {
        let r = store::find_receipt(self.svc.db(), receipt)
            .await
            .map_err(ServiceError::missing("信息"))?;
        let office = self.overseen_office(actor).await?;
        let reads = (r.office_unit_id.is_some() && r.office_unit_id == office)
            || self
                .options(actor)
                .await
                .is_ok_and(|o| o.unit_id == r.unit_id);
        if reads {
            Ok(r.item_id)
        } else {
            Err(ServiceError::NotFound("信息"))
        }
    }
}
