//! 采用: the section gives an item that passed its screening one or more levels — 单位内部,
//! 本级刊物采用 (into a draft issue of one of the office's periodicals, at the next place),
//! 专报, 上报上级, 上级采用 (entered when the higher office says so), 领导批示 (with its words)
//! — each once, each scored from the office's points table, all in one transaction.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::information::{Level, ReceiptState};
use xn_store::information as store;

use super::{InfoSectionCap, Information, month_of};
use crate::{Result, ServiceError, ms};

/// An adoption.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AdoptInput {
    /// internal, periodical, special, forwarded, higher, instruction.
    pub level: String,
    /// For `periodical`: the draft issue it goes into.
    #[serde(default)]
    pub issue: Option<i64>,
    /// For `instruction`: the leader's words; for `higher`: which office adopted it.
    #[serde(default)]
    pub note: String,
}

impl Information<'_> {
    /// 采用 at a level (see the module's note). Returns the item's place in the issue for
    /// 本级刊物采用.
    pub async fn adopt(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
        input: &AdoptInput,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let level = Level::from_code(input.level.trim())
            .ok_or_else(|| ServiceError::invalid("level", "请选择采用层级"))?;
        let note = input.note.trim();
        if level == Level::Instruction && note.is_empty() {
            return Err(ServiceError::invalid("note", "请填写领导批示的内容"));
        }
        let r = self.section_receipt_for_adoption(section, receipt).await?;
        let mut tx = self.svc.db().begin().await?;
        if store::has_level(&mut tx, receipt, level.code()).await? {
            return Err(ServiceError::Conflict {
                code: "information.adopted",
                message: format!("该信息已记为「{}」", level.label()),
            });
        }
        let issue = if level == Level::Periodical {
            let issue_id = input
                .issue
                .ok_or_else(|| ServiceError::invalid("issue", "请选择刊物期号"))?;
            let row = store::find_issue_tx(&mut tx, issue_id)
                .await
                .map_err(ServiceError::missing_input("issue", "刊物期号不存在"))?;
            if row.office_unit_id != section.office {
                return Err(ServiceError::invalid("issue", "刊物期号不存在"));
            }
            let position = store::take_position(&mut tx, issue_id)
                .await?
                .ok_or_else(|| ServiceError::Conflict {
                    code: "information.issue_published",
                    message: format!("{}第{}期已印发，不能再编入", row.periodical, row.number),
                })?;
            Some((issue_id, position))
        } else {
            None
        };
        store::insert_adoption(
            &mut tx,
            receipt,
            r.item_id,
            section.office,
            level.code(),
            issue,
            note,
            section.post,
            ms(now),
        )
        .await?;
        let points = self
            .svc
            .points_of(&mut tx, section.office, level.code())
            .await?;
        if points != 0 {
            store::insert_score(
                &mut tx,
                &store::NewScore {
                    office: section.office,
                    month: &month_of(now),
                    unit: r.unit_id,
                    author_post: r.author_post_id,
                    item: r.item_id,
                    receipt,
                    code: level.code(),
                    points,
                },
                ms(now),
            )
            .await?;
        }
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: r.author_post_id,
                kind: "information.adopted",
                subject: None,
                message: &format!(
                    "信息「{}」被{}记为「{}」{}",
                    r.title,
                    r.office_name,
                    level.label(),
                    if points != 0 {
                        format!("，计 {points} 分")
                    } else {
                        String::new()
                    }
                ),
            },
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
            "information.adopted",
            r.case_id.map(|c| format!("case:{c}")),
            json!({"receipt": receipt, "item": r.item_id, "level": level.code(),
                   "issue": issue.map(|i| i.0), "position": issue.map(|i| i.1), "points": points}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(issue.map(|i| i.1))
    }

    /// A receipt of the section's office that passed its screening.
    async fn section_receipt_for_adoption(
        &self,
        section: &InfoSectionCap<'_>,
        receipt: i64,
    ) -> Result<store::ReceiptRow> {
        let r = store::find_receipt(self.svc.db(), receipt)
            .await
            .map_err(ServiceError::missing("信息"))?;
        if r.office_unit_id != Some(section.office)
            || !section
                .actor
                .may_see(crate::clearance::level(&r.classification)?)
        {
            return Err(ServiceError::NotFound("信息"));
        }
        if r.state != ReceiptState::Adopted.code() {
            return Err(ServiceError::Conflict {
                code: "information.state",
                message: "请先签收并筛选采用，再记采用层级".into(),
            });
        }
        Ok(r)
    }
}
