//! 刊物: an office's information periodicals (《东川政务信息》), their issues numbered 第N期 per
//! year without gaps (the counter row taken in the issue's own transaction, as the 文号 ledger
//! takes its numbers), composed from adopted items in order, published (印发: the authors and
//! the office's leaders told) and rendered as a 简报-format PDF.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::org::{Clearance, Permission};
use xn_render::gbt9704::{Bulletin, BulletinItem};
use xn_store::information::{self as store, IssueRow};
use xn_store::information_commissions as commission_store;

use super::{InfoSectionCap, Information, beijing_text};
use crate::{Actor, Result, ServiceError, from_ms, ms, require};

/// A new periodical.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewPeriodical {
    /// Its name, e.g. 东川政务信息 (without 《》).
    pub name: String,
    /// 编印单位 (empty: the office's name).
    #[serde(default)]
    pub publisher: String,
    /// 报.
    #[serde(default)]
    pub report_to: String,
    /// 送.
    #[serde(default)]
    pub send_to: String,
    /// 发.
    #[serde(default)]
    pub issue_to: String,
}

/// A periodical.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodicalView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 编印单位.
    pub publisher: String,
    /// 报.
    pub report_to: String,
    /// 送.
    pub send_to: String,
    /// 发.
    pub issue_to: String,
}

/// An issue and its items in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueView {
    /// Id.
    pub id: i64,
    /// The periodical.
    pub periodical_id: i64,
    /// Its name.
    pub periodical: String,
    /// Year.
    pub year: i64,
    /// 第N期.
    pub number: i64,
    /// 「2026年第3期」.
    pub label: String,
    /// 草稿 / 已印发.
    pub state: String,
    /// Published.
    pub published: bool,
    /// Created, Beijing time.
    pub created: String,
    /// Items, in order (empty in lists).
    pub items: Vec<IssueItemView>,
    /// How many items.
    pub item_count: i64,
    /// The units it was issued to (发) and their 签收: all of them for the publishing office,
    /// the reader's own for a unit it was issued to (empty in lists).
    pub recipients: Vec<IssueRecipientView>,
    /// Whether the reader's unit was issued it and has not signed for it yet.
    pub may_receive: bool,
}

/// A unit an issue was issued to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueRecipientView {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// When it signed for the issue (Beijing time), if it has.
    pub received: Option<String>,
}

/// 印发 and to whom.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PublishInput {
    /// The units of the system the issue is issued to (发), each told and signing for it: of
    /// the units the office may ask (`GET /api/v1/information/commissions/units`). Absent: all
    /// of them; empty: none (报 and 送 outside the system stay the periodical's text).
    #[serde(default)]
    pub units: Option<Vec<i64>>,
}

/// An issue issued to the reader's unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivedIssueView {
    /// The issue.
    pub issue_id: i64,
    /// 「《东川政务信息》2026年第3期」.
    pub label: String,
    /// The unit it was issued to.
    pub unit: String,
    /// Published, Beijing time.
    pub published: String,
    /// When the unit signed for it, if it has.
    pub received: Option<String>,
}

/// An item of an issue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueItemView {
    /// Its place.
    pub position: i64,
    /// The receipt.
    pub receipt_id: i64,
    /// Title (the section's latest edit).
    pub title: String,
    /// Text (the section's latest edit).
    pub body: String,
    /// The submitting unit.
    pub unit: String,
}

fn issue_view(r: &IssueRow) -> IssueView {
    IssueView {
        id: r.id,
        periodical_id: r.periodical_id,
        periodical: r.periodical.clone(),
        year: r.year,
        number: r.number,
        label: format!("{}年第{}期", r.year, r.number),
        state: if r.state == "published" {
            "已印发".into()
        } else {
            "草稿".into()
        },
        published: r.state == "published",
        created: beijing_text(from_ms(r.created_at)),
        items: Vec::new(),
        item_count: r.item_count,
        recipients: Vec::new(),
        may_receive: false,
    }
}

impl Information<'_> {
    /// Adds a periodical of the section's office.
    pub async fn create_periodical(
        &self,
        section: &InfoSectionCap<'_>,
        input: &NewPeriodical,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let name = input
            .name
            .trim()
            .trim_start_matches('《')
            .trim_end_matches('》');
        if name.is_empty() || name.chars().count() > 40 {
            return Err(ServiceError::invalid(
                "name",
                "请填写刊物名称（不超过 40 字）",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let publisher = if input.publisher.trim().is_empty() {
            xn_store::org::unit_chain(&mut tx, section.office)
                .await?
                .first()
                .map(|u| u.name.clone())
                .unwrap_or_default()
        } else {
            input.publisher.trim().to_owned()
        };
        let id = store::insert_periodical(
            &mut tx,
            &store::PeriodicalRow {
                id: 0,
                office_unit_id: section.office,
                name: name.to_owned(),
                publisher,
                report_to: input.report_to.trim().to_owned(),
                send_to: input.send_to.trim().to_owned(),
                issue_to: input.issue_to.trim().to_owned(),
            },
            ms(now),
        )
        .await
        .map_err(|e| match e {
            xn_store::StoreError::Conflict(_) => ServiceError::invalid("name", "本办已有同名刊物"),
            e => e.into(),
        })?;
        tx.commit().await?;
        Ok(id)
    }

    /// The periodicals of the office the actor oversees.
    pub async fn periodicals(&self, actor: &Actor) -> Result<Vec<PeriodicalView>> {
        let Some(office) = self.overseen_office(actor).await? else {
            return Ok(Vec::new());
        };
        Ok(store::periodicals_of(self.svc.db(), office)
            .await?
            .into_iter()
            .map(|p| PeriodicalView {
                id: p.id,
                name: p.name,
                publisher: p.publisher,
                report_to: p.report_to,
                send_to: p.send_to,
                issue_to: p.issue_to,
            })
            .collect())
    }

    /// 新建一期: the periodical's next 期号 of the year, taken with the issue in one
    /// transaction (never skipped, never taken twice).
    pub async fn new_issue(
        &self,
        section: &InfoSectionCap<'_>,
        periodical: i64,
        now: DateTime<Utc>,
    ) -> Result<IssueView> {
        let year = i64::from(xn_domain::flow::engine::business_date(now).year());
        let mut tx = self.svc.db().begin().await?;
        let p = store::find_periodical(&mut tx, periodical)
            .await
            .map_err(ServiceError::missing_input("periodical", "刊物不存在"))?;
        if p.office_unit_id != section.office {
            return Err(ServiceError::invalid("periodical", "刊物不存在"));
        }
        let number = store::next_number(&mut tx, periodical, year).await?;
        let id =
            store::insert_issue(&mut tx, periodical, year, number, section.post, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(section.actor.person_id),
                post_id: Some(section.post),
                ip: section.actor.ip.as_deref(),
            },
            "information.issue_opened",
            None,
            json!({"issue": id, "periodical": periodical, "year": year, "number": number}),
            now,
        )
        .await?;
        let row = store::find_issue_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(issue_view(&row))
    }

    /// The issues of the office the actor oversees, or — published ones — of the office above
    /// the actor's unit that publishes to it; the latest first.
    pub async fn issues(&self, actor: &Actor) -> Result<Vec<IssueView>> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        if let Some(office) = self.overseen_office(actor).await? {
            return Ok(store::issues_of_office(db, office, 200)
                .await?
                .iter()
                .map(issue_view)
                .collect());
        }
        let mut out = Vec::new();
        for office in self.reader_offices(actor).await? {
            out.extend(
                store::issues_of_office(db, office, 200)
                    .await?
                    .iter()
                    .filter(|r| r.state == "published")
                    .map(issue_view),
            );
        }
        Ok(out)
    }

    /// The offices whose published issues reach the actor: the offices of the governments at or
    /// above the actor's unit.
    async fn reader_offices(&self, actor: &Actor) -> Result<Vec<i64>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(Vec::new());
        };
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        let mut out = Vec::new();
        for u in &chain.0 {
            if u.kind == xn_domain::org::UnitKind::Government
                && let Some(o) = super::office_of_government(&mut tx, u.id).await?
            {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// An issue with its items, for whoever may read it (its office's section and leaders; once
    /// published, the units it is issued to), cleared for every item in it.
    pub async fn issue(&self, actor: &Actor, id: i64) -> Result<IssueView> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let row = store::find_issue(db, id)
            .await
            .map_err(ServiceError::missing("刊物"))?;
        let overseen = self.overseen_office(actor).await? == Some(row.office_unit_id);
        let recipients = commission_store::issue_recipients(db, id).await?;
        let mine = self.recipient_unit(actor, &recipients).await?;
        let reads = overseen
            || (row.state == "published"
                && (mine.is_some()
                    || self
                        .reader_offices(actor)
                        .await?
                        .contains(&row.office_unit_id)));
        if !reads {
            return Err(ServiceError::NotFound("刊物"));
        }
        let mut view = issue_view(&row);
        view.may_receive = mine.as_ref().is_some_and(|r| r.received_at.is_none());
        view.recipients = recipients
            .into_iter()
            .filter(|r| overseen || mine.as_ref().is_some_and(|m| m.unit_id == r.unit_id))
            .map(|r| IssueRecipientView {
                unit_id: r.unit_id,
                unit: r.unit_name,
                received: r.received_at.map(|at| beijing_text(from_ms(at))),
            })
            .collect();
        for it in store::issue_items(db, id).await? {
            let level: Clearance = crate::clearance::level(&it.classification)?;
            if !actor.may_see(level) {
                return Err(ServiceError::Forbidden(
                    "该期刊物含有超出您涉密等级的信息".into(),
                ));
            }
            let (title, body) = match store::versions(db, it.receipt_id).await?.pop() {
                Some(v) => (v.title, v.body),
                None => (it.title, it.body),
            };
            view.items.push(IssueItemView {
                position: it.position,
                receipt_id: it.receipt_id,
                title,
                body,
                unit: it.unit_name,
            });
        }
        Ok(view)
    }

    /// 印发: publishes a draft issue with at least one item and issues it to the units chosen
    /// (each told, to sign for it); the authors of its items and the office's 主任 are told.
    pub async fn publish(
        &self,
        section: &InfoSectionCap<'_>,
        id: i64,
        input: &PublishInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let db = self.svc.db();
        let row = store::find_issue(db, id)
            .await
            .map_err(ServiceError::missing("刊物"))?;
        if row.office_unit_id != section.office {
            return Err(ServiceError::NotFound("刊物"));
        }
        if row.item_count == 0 {
            return Err(ServiceError::Conflict {
                code: "information.issue_empty",
                message: "本期还没有编入信息，不能印发".into(),
            });
        }
        let allowed = self.commission_units(section).await?;
        let units: Vec<i64> = match &input.units {
            None => allowed.iter().map(|(u, _)| *u).collect(),
            Some(chosen) => {
                let mut units = chosen.clone();
                units.sort_unstable();
                units.dedup();
                if let Some(u) = units.iter().find(|u| !allowed.iter().any(|(a, _)| a == *u)) {
                    return Err(ServiceError::invalid(
                        "units",
                        format!("单位 {u} 不在本办可发送刊物的单位之中"),
                    ));
                }
                units
            }
        };
        let items = store::issue_items(db, id).await?;
        let mut tx = db.begin().await?;
        if !store::publish_issue(&mut tx, id, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "information.issue_published",
                message: "本期已印发".into(),
            });
        }
        let mut told: Vec<i64> = Vec::new();
        for it in &items {
            let r = store::find_receipt_tx(&mut tx, it.receipt_id).await?;
            told.push(r.author_post_id);
        }
        told.extend(store::posts_of_position(&mut tx, section.office, "director").await?);
        told.sort_unstable();
        told.dedup();
        let label = format!("《{}》{}年第{}期", row.periodical, row.year, row.number);
        let subject = format!("information_issue:{id}");
        for u in &units {
            commission_store::insert_issue_recipient(&mut tx, id, *u).await?;
            self.tell_unit(
                &mut tx,
                *u,
                &subject,
                "information.issue_issued",
                &format!("{label}已印发至本单位，请阅知并签收"),
                now,
            )
            .await?;
        }
        for p in told {
            xn_store::notifications::insert_notification(
                &mut tx,
                &xn_store::notifications::NewNotification {
                    post_id: p,
                    kind: "information.issue_published",
                    subject: None,
                    message: &format!("{label}已印发，共 {} 条信息", items.len()),
                },
                ms(now),
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(section.actor.person_id),
                post_id: Some(section.post),
                ip: section.actor.ip.as_deref(),
            },
            "information.issue_published",
            None,
            json!({"issue": id, "items": items.len(), "units": units}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The recipient of an issue that the actor's unit is, or is within (the nearest).
    async fn recipient_unit(
        &self,
        actor: &Actor,
        recipients: &[commission_store::IssueRecipientRow],
    ) -> Result<Option<commission_store::IssueRecipientRow>> {
        if recipients.is_empty() {
            return Ok(None);
        }
        let chain = self.actor_units(actor).await?;
        Ok(chain
            .iter()
            .find_map(|u| recipients.iter().find(|r| r.unit_id == *u))
            .cloned())
    }

    /// The actor's unit and the units above it, nearest first (none without a post).
    async fn actor_units(&self, actor: &Actor) -> Result<Vec<i64>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(Vec::new());
        };
        let mut tx = self.svc.db().begin_read().await?;
        Ok(xn_store::org::unit_chain(&mut tx, post.unit_id)
            .await?
            .iter()
            .map(|u| u.id)
            .collect())
    }

    /// 签收: the actor's unit, which the issue was issued to, signs for it (once).
    pub async fn receive_issue(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let row = store::find_issue(db, id)
            .await
            .map_err(ServiceError::missing("刊物"))?;
        let recipients = commission_store::issue_recipients(db, id).await?;
        let Some(mine) = self.recipient_unit(actor, &recipients).await? else {
            return Err(ServiceError::NotFound("刊物"));
        };
        if row.state != "published" {
            return Err(ServiceError::NotFound("刊物"));
        }
        let post = actor.post_id().ok_or(ServiceError::NotFound("刊物"))?;
        let mut tx = db.begin().await?;
        if !commission_store::receive_issue(&mut tx, id, mine.unit_id, post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "information.issue_received",
                message: format!("{}已签收本期刊物", mine.unit_name),
            });
        }
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(actor.person_id),
                post_id: Some(post),
                ip: actor.ip.as_deref(),
            },
            "information.issue_received",
            Some(format!("information_issue:{id}")),
            json!({"issue": id, "unit": mine.unit_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The issues issued to the actor's unit or a unit above it, the latest first.
    pub async fn received_issues(&self, actor: &Actor) -> Result<Vec<ReceivedIssueView>> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let units = self.actor_units(actor).await?;
        Ok(commission_store::issues_received(db, &units, 50)
            .await?
            .into_iter()
            .map(|r| ReceivedIssueView {
                issue_id: r.issue_id,
                label: format!("《{}》{}年第{}期", r.periodical, r.year, r.number),
                unit: r.unit_name,
                published: r
                    .published_at
                    .map(|at| beijing_text(from_ms(at)))
                    .unwrap_or_default(),
                received: r.received_at.map(|at| beijing_text(from_ms(at))),
            })
            .collect())
    }

    /// The issue as a 简报-format PDF, for whoever may read it.
    pub async fn issue_pdf(&self, actor: &Actor, id: i64) -> Result<(String, Vec<u8>)> {
        let view = self.issue(actor, id).await?;
        let db = self.svc.db();
        let row = store::find_issue(db, id).await?;
        // 发: the periodical's own wording (「各县（区）人民政府办公室」), else the units of the
        // system it was issued to, by name.
        let recipients: Vec<String> = commission_store::issue_recipients(db, id)
            .await?
            .into_iter()
            .map(|r| r.unit_name)
            .collect();
        let mut tx = db.begin_read().await?;
        let p = store::find_periodical(&mut tx, row.periodical_id).await?;
        drop(tx);
        let mut top = Clearance::Public;
        for it in store::issue_items(db, id).await? {
            let l = crate::clearance::level(&it.classification)?;
            if l > top {
                top = l;
            }
        }
        let date = xn_domain::flow::engine::business_date(from_ms(
            row.published_at.unwrap_or(row.created_at),
        ));
        let b = Bulletin {
            name: p.name.clone(),
            number: format!("{}年第{}期", row.year, row.number),
            publisher: p.publisher,
            date,
            classification: (top != Clearance::Public).then(|| top.label().to_owned()),
            items: view
                .items
                .iter()
                .map(|i| BulletinItem {
                    title: i.title.clone(),
                    source: i.unit.clone(),
                    body: i.body.clone(),
                })
                .collect(),
            report_to: p.report_to,
            send_to: p.send_to,
            issue_to: if p.issue_to.is_empty() {
                recipients.join("、")
            } else {
                p.issue_to
            },
        };
        let fonts = crate::documents::print::fonts()?;
        let pdf = xn_render::gbt9704::bulletin(&b, &fonts).map_err(|e| ServiceError::Conflict {
            code: "information.render",
            message: format!("刊物排版失败：{e}"),
        })?;
        Ok((format!("{}{}.pdf", p.name, view.label), pdf))
    }
}
