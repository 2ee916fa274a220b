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
    /// For `instruction`: the leader who gave it, one of [`Information::instruction_leaders`]
    /// (the supervising section drafts a 督办 item from it with that leader as its source).
    #[serde(default)]
    pub leader_post: Option<i64>,
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
        let leader = match (level, input.leader_post) {
            (Level::Instruction, Some(p)) => {
                let leaders = self.instruction_leaders(section).await?;
                let name = leaders
                    .into_iter()
                    .find(|(id, _)| *id == p)
                    .map(|(_, n)| n)
                    .ok_or_else(|| {
                        ServiceError::invalid("leader_post", "批示领导应为本级政府或本办的领导")
                    })?;
                Some((p, name))
            }
            _ => None,
        };
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
        let adoption = store::insert_adoption(
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
        if level == Level::Instruction {
            if let Some((p, _)) = &leader {
                xn_store::information_commissions::set_adoption_leader(&mut tx, adoption, *p)
                    .await?;
            }
            self.offer_supervision(&mut tx, section.office, &r, leader.as_ref(), now)
                .await?;
        }
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

    /// Who may have given a 批示 on the office's information: the leaders of the government it
    /// serves and the office's own directors, most senior first: (post, "name（position）").
    pub async fn instruction_leaders(
        &self,
        section: &InfoSectionCap<'_>,
    ) -> Result<Vec<(i64, String)>> {
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, section.office).await?;
        drop(tx);
        let mut units: Vec<i64> = chain.above().first().map(|g| g.id).into_iter().collect();
        units.push(section.office);
        Ok(xn_store::information_commissions::leaders(self.svc.db(), &units).await?)
    }

    /// Tells the office's supervising section of a 批示 on a received item, with the 立项 form
    /// drafted from it one click away (the notification's subject is the receipt's case).
    async fn offer_supervision(
        &self,
        tx: &mut xn_store::Tx,
        office: i64,
        r: &store::ReceiptRow,
        leader: Option<&(i64, String)>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(case) = r.case_id else {
            return Ok(());
        };
        let who = leader.map_or_else(|| "领导".to_owned(), |(_, n)| n.clone());
        let message = format!("信息「{}」有{who}批示，请研究是否转为督办事项", r.title);
        let subject = format!("instruction:{case}");
        for p in xn_store::complaints::section_posts(tx, office).await? {
            xn_store::notifications::insert_notification(
                tx,
                &xn_store::notifications::NewNotification {
                    post_id: p,
                    kind: "information.instruction",
                    subject: Some(&subject),
                    message: &message,
                },
                ms(now),
            )
            .await?;
        }
        Ok(())
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
