//! 政务信息: information reported upward, never stuck, adopted, published and scored.
//!
//! An item is a row of `information_items` moved by flow cases of `processes/information.toml`
//! (kind `information`): the unit's case (拟稿 → 签发, phase `unit`) and, once the unit's leader
//! signs it off, one case per receiving office (签收 → 筛选, phase `receipt`) beside a row of
//! `information_receipts`. The flow engine keeps the limits in working hours and the ladder of
//! cards; the hooks (`hooks.rs`) keep the rows in step, record how late an urgent report left
//! its unit, and tell the receiving office's duty post and leader of an urgent event at once.
//!
//! The front door is [`Information`] (`services.information()`), one file per use case:
//! `submit` (报送, the form's choices, 修改), `receive` (签收, 筛选, 退回, 编辑, the backlog),
//! `adopt` (采用 at a level, into a periodical's issue; a 批示 offered to the supervising
//! section as a 督办 item), `commissions` (约稿: asking units for information on a topic, who
//! has answered, 催报), `periodicals` (刊物, 期号, the 简报
//! PDF), `scores` (the points table, the ranking), `bulletin` (the month's 信息工作通报 drafted
//! as a document) and `views` (lists and an item's page). What
//! only the receiving office's information section may do takes an [`InfoSectionCap`], made by
//! [`Information::as_section`] and nothing else.

mod adopt;
mod bulletin;
mod commissions;
mod demo;
pub(crate) mod hooks;
mod periodicals;
mod receive;
mod scores;
mod submit;
mod views;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::org::{Permission, UnitKind};
use xn_store::Tx;
use xn_store::information as store;

use crate::{Actor, Result, ServiceError, Services, require};

pub use adopt::AdoptInput;
pub use bulletin::InfoBulletin;
pub use commissions::{
    AnswerLine, AskedUnit, CommissionLine, CommissionList, CommissionView, NewCommission,
};
pub use periodicals::{
    IssueRecipientView, IssueView, NewPeriodical, PeriodicalView, PublishInput, ReceivedIssueView,
};
pub use receive::{BacklogLine, BacklogView};
pub use scores::{PointsLine, RankLine, Ranking, ScoreLine};
pub use submit::{NewInformation, SubmitOptions, TargetOption};
pub use views::{AdoptionView, FileLine, InformationView, ItemLine, ReceiptView, VersionView};

/// 政务信息's front door: `services.information()`.
#[derive(Clone, Copy)]
pub struct Information<'a> {
    svc: &'a Services,
}

impl Services {
    /// The information area (政务信息).
    pub fn information(&self) -> Information<'_> {
        Information { svc: self }
    }
}

/// The right of an office's information section (信息科 / 信息股): to sign for and screen what
/// reaches the office, edit it, adopt it, compose periodical issues, set the points table and
/// the duty post. Made only by [`Information::as_section`].
#[derive(Debug)]
pub struct InfoSectionCap<'a> {
    actor: &'a Actor,
    post: i64,
    office: i64,
}

impl InfoSectionCap<'_> {
    /// The acting post.
    pub fn post(&self) -> i64 {
        self.post
    }

    /// The office whose section it is.
    pub fn office(&self) -> i64 {
        self.office
    }
}

/// The duty post and the leader an office's urgent events go to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DutySettings {
    /// 值班 post (none: the information section's posts).
    #[serde(default)]
    pub duty_post: Option<i64>,
    /// The leader told (none: the office's 主任).
    #[serde(default)]
    pub leader_post: Option<i64>,
}

impl Information<'_> {
    /// The information section's right, for an actor acting in an information section; refused
    /// to anyone else.
    pub async fn as_section<'b>(&self, actor: &'b Actor) -> Result<InfoSectionCap<'b>> {
        require(actor, Permission::FlowWork)?;
        self.section(actor).await?.ok_or_else(|| {
            ServiceError::Forbidden("只有办公室信息科（股）的人员可以办理此项".into())
        })
    }

    /// The section's right if the actor has it (for what a page offers).
    pub async fn section<'b>(&self, actor: &'b Actor) -> Result<Option<InfoSectionCap<'b>>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(None);
        };
        if !actor.has(Permission::FlowWork)
            || !store::is_section(self.svc.db(), post.unit_id).await?
        {
            return Ok(None);
        }
        let mut tx = self.svc.db().begin_read().await?;
        let office = self.svc.office_of_unit(&mut tx, post.unit_id).await?;
        drop(tx);
        Ok(Some(InfoSectionCap {
            actor,
            post: post.id,
            office,
        }))
    }

    /// The office whose received information the actor oversees: its information section, its
    /// 主任 and 副主任, and the leader set for urgent events. None for anyone else.
    pub async fn overseen_office(&self, actor: &Actor) -> Result<Option<i64>> {
        if let Some(s) = self.section(actor).await? {
            return Ok(Some(s.office));
        }
        let Some(post) = actor.post.as_ref() else {
            return Ok(None);
        };
        if !actor.has(Permission::FlowWork) {
            return Ok(None);
        }
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        let Some(unit) = chain.unit() else {
            return Ok(None);
        };
        if unit.kind == UnitKind::Office {
            let directors = [
                store::posts_of_position(&mut tx, unit.id, "director").await?,
                store::posts_of_position(&mut tx, unit.id, "deputy_director").await?,
            ]
            .concat();
            if directors.contains(&post.id) {
                return Ok(Some(unit.id));
            }
        }
        if let Some(office) = chain.office().map(|o| o.id) {
            let (_, leader) = store::settings(&mut tx, office).await?;
            if leader == Some(post.id) {
                return Ok(Some(office));
            }
        }
        Ok(None)
    }

    /// Sets the office's duty post and leader for urgent events (each an active post of the
    /// office or below it).
    pub async fn set_duty(&self, section: &InfoSectionCap<'_>, input: &DutySettings) -> Result<()> {
        let mut tx = self.svc.db().begin().await?;
        for (field, post) in [
            ("duty_post", input.duty_post),
            ("leader_post", input.leader_post),
        ] {
            if let Some(p) = post {
                let unit = match xn_store::flow::post_unit(&mut tx, p).await? {
                    Some((u, active)) if active != 0 => u,
                    _ => return Err(ServiceError::invalid(field, "所选人员不存在或已停用")),
                };
                if !self.svc.is_within(&mut tx, unit, section.office).await? {
                    let chain = self.svc.unit_chain(&mut tx, section.office).await?;
                    // The office's leader may sit in the government above it.
                    let gov = chain.above().first().map(|u| u.id);
                    if gov != Some(unit) {
                        return Err(ServiceError::invalid(field, "只能选择本办或本级政府的人员"));
                    }
                }
            }
        }
        store::set_settings(&mut tx, section.office, input.duty_post, input.leader_post).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office's duty post and leader as set.
    pub async fn duty(&self, section: &InfoSectionCap<'_>) -> Result<DutySettings> {
        let mut tx = self.svc.db().begin_read().await?;
        let (duty_post, leader_post) = store::settings(&mut tx, section.office).await?;
        Ok(DutySettings {
            duty_post,
            leader_post,
        })
    }
}

/// The acting post and its unit.
fn acting(actor: &Actor) -> Result<(i64, i64)> {
    let post = actor
        .post
        .as_ref()
        .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
    Ok((post.id, post.unit_id))
}

/// The office of a government: its child unit of kind office.
async fn office_of_government(tx: &mut Tx, government: i64) -> Result<Option<i64>> {
    Ok(store::office_of_government(tx, government).await?)
}

/// The Beijing month of an instant, 'YYYY-MM'.
fn month_of(now: chrono::DateTime<chrono::Utc>) -> String {
    xn_domain::flow::engine::business_date(now)
        .format("%Y-%m")
        .to_string()
}

/// An instant as Beijing wall-clock text, `2026-12-01 09:30`.
fn beijing_text(t: chrono::DateTime<chrono::Utc>) -> String {
    xn_domain::calendar::hours::to_shanghai_local(t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
