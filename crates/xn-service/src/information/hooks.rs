//! What happens to an item when one of its cases moves: called by the flow engine inside the
//! action's transaction, so that it happens with the action or not at all (a refusal here
//! refuses the action). On the unit's case: 不同意 needs its reasons and sends the item back
//! to its author; the case's end is the item leaving the unit, when an urgent report's lateness
//! is recorded and a receipt (with its case, at 签收) is opened at every receiving office. On a
//! receipt's case: 签收, and 筛选's 采用, 退回修改 (with the reason, told to the author) or 不予采用.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::flow::{ContractStep, Fields, FlowEvent, StepContract, Value};
use xn_domain::information::{self as domain, ReceiptState, ReportKind};
use xn_store::Tx;
use xn_store::information::{self as store, ItemRow};
use xn_store::notifications::{NewNotification, insert_notification};

use super::month_of;
use crate::flow::{ActorRef, AreaTx, CaseCtx, StartCase};
use crate::{Result, ServiceError, Services, from_ms, ms};

/// The steps of `processes/information.toml` the rules below act on.
pub(crate) mod steps {
    /// 签发 (the unit's case).
    pub(crate) const SIGNOFF: &str = "signoff";
    /// 签收 (a receipt's case).
    pub(crate) const SIGN: &str = "sign";
    /// 筛选 (a receipt's case).
    pub(crate) const SCREEN: &str = "screen";
    /// 签发's agreement.
    pub(crate) const AGREE: &str = "同意";
    /// 签发's refusal: back to the author.
    pub(crate) const DISAGREE: &str = "不同意";
    /// 签收.
    pub(crate) const SIGNED: &str = "签收";
    /// 采用 (passes the screening; the level is given after).
    pub(crate) const ADOPT: &str = "采用";
    /// 退回修改.
    pub(crate) const RETURN: &str = "退回修改";
    /// 不予采用.
    pub(crate) const DECLINE: &str = "不予采用";
    /// The item field telling the unit's case (`unit`) from a receipt's (`receipt`).
    pub(crate) const PHASE: &str = "phase";
}

/// What the information rules need of a process: 签发 with both its decisions, 签收 with its
/// return, and 筛选 with its three outcomes.
pub(crate) const CONTRACT: StepContract = StepContract {
    steps: &[
        ContractStep {
            id: steps::SIGNOFF,
            name: "签发",
            human: true,
            decisions: &[steps::AGREE, steps::DISAGREE],
        },
        ContractStep {
            id: steps::SIGN,
            name: "签收",
            human: true,
            decisions: &[steps::SIGNED, steps::RETURN],
        },
        ContractStep {
            id: steps::SCREEN,
            name: "筛选",
            human: true,
            decisions: &[steps::ADOPT, steps::RETURN, steps::DECLINE],
        },
    ],
};

/// Whether a case's fields make it a receipt's case.
pub(crate) fn is_receipt(fields: &Fields) -> bool {
    matches!(fields.get(steps::PHASE), Some(Value::Text(p)) if p == "receipt")
}

impl Services {
    /// The information area's part of a flow action (see the module's note).
    pub(crate) async fn on_information_flow(
        &self,
        at: &mut AreaTx<'_, '_>,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = at.direct()?;
        let Some(link) = case.link else {
            return Ok(());
        };
        if is_receipt(&case.fields) {
            self.on_receipt_flow(tx, link, events, actor, now).await
        } else {
            self.on_item_flow(tx, link, case.id, events, actor, now)
                .await
        }
    }

    async fn on_item_flow(
        &self,
        tx: &mut Tx,
        item_id: i64,
        case_id: i64,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let item = store::find_item_tx(tx, item_id).await?;
        for e in events {
            match e {
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    ..
                } if step == steps::SIGNOFF
                    && decision == steps::DISAGREE
                    && opinion.trim().is_empty() =>
                {
                    return Err(ServiceError::invalid("opinion", "不同意签发须写明修改意见"));
                }
                FlowEvent::StepEntered { step, .. } if step == "revise" => {
                    store::set_item_state(tx, item.id, "revising", ms(now)).await?;
                    insert_notification(
                        tx,
                        &NewNotification {
                            post_id: item.author_post_id,
                            kind: "information.revise",
                            subject: Some(&format!("case:{case_id}")),
                            message: &format!("信息「{}」未获签发，请修改后重新提交", item.title),
                        },
                        ms(now),
                    )
                    .await?;
                }
                FlowEvent::StepEntered { step, .. } if step == steps::SIGNOFF => {
                    store::set_item_state(tx, item.id, "signing", ms(now)).await?;
                }
                FlowEvent::CaseClosed { .. } => {
                    Box::pin(self.send_item(tx, &item, case_id, actor, now)).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The item leaves its unit: its lateness recorded, a receipt opened at every target.
    async fn send_item(
        &self,
        tx: &mut Tx,
        item: &ItemRow,
        case_id: i64,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let report = ReportKind::from_code(&item.report_kind).unwrap_or_default();
        let late = match item.event_at {
            Some(event) => domain::minutes_late(report, from_ms(event), now),
            None => 0,
        };
        store::mark_sent(tx, item.id, ms(now), late).await?;
        if report.limit_minutes().is_some() {
            crate::events::record(
                tx,
                &actor.audit(),
                if late > 0 {
                    "information.late_report"
                } else {
                    "information.on_time_report"
                },
                Some(format!("case:{case_id}")),
                json!({"item": item.id, "report": report.code(), "late_minutes": late,
                       "event_at": item.event_at, "sent_at": ms(now)}),
                now,
            )
            .await?;
        }
        let files = xn_store::flow::case_attachments_tx(tx, case_id).await?;
        for (office, outside) in store::targets(tx, item.id).await? {
            match (office, outside) {
                (Some(office), _) => {
                    let receipt = store::insert_receipt(
                        tx,
                        item.id,
                        Some(office),
                        None,
                        ReceiptState::Signing.code(),
                        ms(now),
                    )
                    .await?;
                    let posts = store::section_posts(tx, office).await?;
                    let Some(owner) = posts.first().copied() else {
                        return Err(ServiceError::Conflict {
                            code: "information.no_section",
                            message: "报送单位没有信息科（股）人员，无法签收；本次未报送".into(),
                        });
                    };
                    let mut fields = Fields::new();
                    fields.insert(steps::PHASE.into(), Value::Text("receipt".into()));
                    fields.insert(
                        "section_posts".into(),
                        Value::List(posts.iter().map(|p| Value::Int(*p)).collect()),
                    );
                    let out = Box::pin(self.start_in_tx(
                        tx,
                        actor,
                        Some(owner),
                        &StartCase {
                            process: "information".into(),
                            title: format!("{}（{}）", item.title, item.unit_name),
                            body: item.body.clone(),
                            fields,
                            choices: BTreeMap::new(),
                            attachments: Vec::new(),
                        },
                        Some(receipt),
                        None,
                        now,
                    ))
                    .await?;
                    store::set_receipt_case(tx, receipt, out.case_id).await?;
                    for f in &files {
                        xn_store::flow::add_case_attachment(
                            tx,
                            out.case_id,
                            xn_store::flow::NewCaseAttachment {
                                name: &f.name,
                                hash: &f.hash,
                                size: f.size,
                                mime: &f.mime,
                            },
                            f.post_id,
                            ms(now),
                        )
                        .await?;
                    }
                    store::insert_version(
                        tx,
                        receipt,
                        &item.title,
                        &item.body,
                        item.author_post_id,
                        ms(now),
                    )
                    .await?;
                    if report != ReportKind::None {
                        self.urgent_arrived(
                            tx,
                            item,
                            office,
                            receipt,
                            out.case_id,
                            report,
                            late,
                            now,
                        )
                        .await?;
                    }
                }
                (None, Some(outside)) => {
                    let receipt = store::insert_receipt(
                        tx,
                        item.id,
                        None,
                        Some(outside),
                        ReceiptState::Reported.code(),
                        ms(now),
                    )
                    .await?;
                    store::insert_version(
                        tx,
                        receipt,
                        &item.title,
                        &item.body,
                        item.author_post_id,
                        ms(now),
                    )
                    .await?;
                }
                (None, None) => {}
            }
        }
        insert_notification(
            tx,
            &NewNotification {
                post_id: item.author_post_id,
                kind: "information.sent",
                subject: Some(&format!("case:{case_id}")),
                message: &format!("信息「{}」已签发报送", item.title),
            },
            ms(now),
        )
        .await?;
        Ok(())
    }

    /// An urgent report reached an office: its duty post and its leader are told at once, and
    /// the report's timeliness is scored.
    #[expect(clippy::too_many_arguments, reason = "one arrival's parts")]
    async fn urgent_arrived(
        &self,
        tx: &mut Tx,
        item: &ItemRow,
        office: i64,
        receipt: i64,
        case_id: i64,
        report: ReportKind,
        late: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (duty, leader) = store::settings(tx, office).await?;
        let mut told = match duty {
            Some(p) => vec![p],
            None => store::section_posts(tx, office).await?,
        };
        match leader {
            Some(p) => told.push(p),
            None => told.extend(store::posts_of_position(tx, office, "director").await?),
        }
        told.sort_unstable();
        told.dedup();
        let lateness = if late > 0 {
            format!("，迟报 {late} 分钟")
        } else {
            String::new()
        };
        let message = format!(
            "突发事件{}：{}（{}{}）",
            report.label(),
            item.title,
            item.unit_name,
            lateness
        );
        for p in told {
            insert_notification(
                tx,
                &NewNotification {
                    post_id: p,
                    kind: "information.urgent",
                    subject: Some(&format!("case:{case_id}")),
                    message: &message,
                },
                ms(now),
            )
            .await?;
        }
        if report.limit_minutes().is_some() {
            let code = if late > 0 {
                domain::URGENT_LATE
            } else {
                domain::URGENT_ON_TIME
            };
            let points = self.points_of(tx, office, code).await?;
            store::insert_score(
                tx,
                &store::NewScore {
                    office,
                    month: &month_of(now),
                    unit: item.unit_id,
                    author_post: item.author_post_id,
                    item: item.id,
                    receipt,
                    code,
                    points,
                },
                ms(now),
            )
            .await?;
        }
        Ok(())
    }

    /// The points of a code at an office: its own row, else the shipped table.
    pub(crate) async fn points_of(&self, tx: &mut Tx, office: i64, code: &str) -> Result<i64> {
        Ok(store::points_tx(tx, office, code)
            .await?
            .unwrap_or_else(|| domain::default_points(code)))
    }

    async fn on_receipt_flow(
        &self,
        tx: &mut Tx,
        receipt_id: i64,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let receipt = store::find_receipt_tx(tx, receipt_id).await?;
        for e in events {
            let FlowEvent::TaskCompleted {
                step,
                decision,
                opinion,
                ..
            } = e
            else {
                continue;
            };
            let reason = opinion.trim();
            let (state, signed, screened) = match (step.as_str(), decision.as_str()) {
                (steps::SIGN, steps::SIGNED) => (ReceiptState::Screening, true, false),
                (steps::SIGN | steps::SCREEN, steps::RETURN) => {
                    (ReceiptState::Returned, step == steps::SIGN, true)
                }
                (steps::SCREEN, steps::ADOPT) => (ReceiptState::Adopted, false, true),
                (steps::SCREEN, steps::DECLINE) => (ReceiptState::Declined, false, true),
                _ => continue,
            };
            if matches!(state, ReceiptState::Returned | ReceiptState::Declined) && reason.is_empty()
            {
                return Err(ServiceError::invalid(
                    "opinion",
                    if state == ReceiptState::Returned {
                        "退回修改须写明理由"
                    } else {
                        "不予采用须写明理由"
                    },
                ));
            }
            store::set_receipt_state(
                tx,
                receipt.id,
                state.code(),
                reason,
                ms(now),
                signed,
                screened,
            )
            .await?;
            if matches!(state, ReceiptState::Returned | ReceiptState::Declined) {
                insert_notification(
                    tx,
                    &NewNotification {
                        post_id: receipt.author_post_id,
                        kind: "information.returned",
                        subject: None,
                        message: &format!(
                            "信息「{}」被{}{}：{reason}",
                            receipt.title,
                            receipt.office_name,
                            state.label()
                        ),
                    },
                    ms(now),
                )
                .await?;
            }
            crate::events::record(
                tx,
                &actor.audit(),
                "information.screened",
                receipt.case_id.map(|c| format!("case:{c}")),
                json!({"receipt": receipt.id, "item": receipt.item_id, "state": state.code(),
                       "reason": reason}),
                now,
            )
            .await?;
        }
        Ok(())
    }
}
