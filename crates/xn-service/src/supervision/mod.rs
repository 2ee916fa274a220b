//! 督查督办: supervision items followed until they are struck off.
//!
//! An item is a flow case of `processes/supervision.toml` plus a row of `supervision_items`
//! written in the same transaction. The flow engine moves it (签收, 办理, 办结审核) and calls
//! its hooks inside each action; this area adds what the engine does not know: the item's
//! own deadline and its ladder of cards, progress reports on a cycle, decomposition into
//! sub-items, requests to change the lead unit or the deadline, and intake from a leader's
//! instruction on any case.
//!
//! The area's front door is [`Supervision`] (`services.supervision()`), one file per use case:
//! `open` (立项, the form's proposal, who an item may go to), `decompose` (分解), `reports`
//! (报送进展, 催办), `close` (签收, 申请办结, 办结审核), `change` (申请调整 and its decision),
//! `views` (the lists), `item` (an item's page) and `figures` (the bulletin and the scores). What the
//! supervising section alone may do takes a [`SectionCap`], what the board's members may do a
//! [`BoardCap`]; the door makes both, and nothing else does. This file holds the door, the
//! inputs, and the organisation helpers the hooks and the area registry share.

mod change;
mod close;
mod decompose;
mod demo;
mod desk;
mod figures;
pub(crate) mod hooks;
mod item;
mod open;
mod reports;
pub(crate) mod timers;
mod views;

use chrono::NaiveDate;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use xn_domain::flow::TimerKind;
use xn_domain::org::Permission;
use xn_domain::supervision::{self as domain, Importance, ReportCycle, SourceKind};
use xn_store::Tx;
use xn_store::supervision::{self as store, ItemRow};

use crate::{Actor, Result, ServiceError, Services, require};

pub use desk::SupervisionDesk;
pub use figures::{BulletinView, ScoreView};
pub use item::{CardLine, ChangeView, ItemDetail, ReportView, SubItemView};
pub use open::{AssigneeOption, InstructionDraft};
pub use views::{CardFilter, ItemList, ItemListRow, ItemQuery, ItemSort, StateCount, Tab};

/// The area's timers in the jobs table: the item's own deadline ladder, and its report due days.
pub(crate) const DEADLINE_TIMER: TimerKind = TimerKind::SupervisionDeadline;
pub(crate) const REPORT_TIMER: TimerKind = TimerKind::SupervisionReport;

/// 督查督办's front door: `services.supervision()`. Its methods are the area's use cases; it
/// borrows the services and is as cheap to make as a reference.
#[derive(Clone, Copy)]
pub struct Supervision<'a> {
    svc: &'a Services,
}

impl Services {
    /// The supervision area (督查督办).
    pub fn supervision(&self) -> Supervision<'_> {
        Supervision { svc: self }
    }
}

/// The supervising section's right (督查科 / 督查股): to open items, to turn a leader's
/// instruction on a case into one, and to be offered the 立项 form's proposal. Made only by
/// [`Supervision::as_section`] for an actor whose acting post sits in a supervising section
/// and may do flow work; it holds that actor, the post, the section and its office, so the
/// operations that take it check nothing again.
#[derive(Debug)]
pub struct SectionCap<'a> {
    actor: &'a Actor,
    post: i64,
    unit: i64,
    office: i64,
}

impl SectionCap<'_> {
    /// The acting post, in the supervising section.
    pub fn post(&self) -> i64 {
        self.post
    }

    /// The office the section belongs to: the office that supervises the items it opens.
    pub fn office(&self) -> i64 {
        self.office
    }
}

/// A seat at the 督查台账 (the supervising section, the office's directors, the government's
/// leaders): the right to compute the month's bulletin and scores over the board's offices.
/// Made only by [`Supervision::as_board`].
#[derive(Debug)]
pub struct BoardCap<'a> {
    actor: &'a Actor,
    offices: Vec<i64>,
}

impl BoardCap<'_> {
    /// The offices whose board the actor sits at.
    pub fn offices(&self) -> &[i64] {
        &self.offices
    }
}

impl Supervision<'_> {
    /// The supervising section's right, for an actor acting in a supervising section; refused
    /// to anyone else.
    pub async fn as_section<'b>(&self, actor: &'b Actor) -> Result<SectionCap<'b>> {
        require(actor, Permission::FlowWork)?;
        acting(actor)?;
        self.section(actor)
            .await?
            .ok_or_else(|| ServiceError::Forbidden("只有督查科（股）的人员可以立项督办".into()))
    }

    /// The supervising section's right if the actor has it (for what a page offers).
    pub(crate) async fn section<'b>(&self, actor: &'b Actor) -> Result<Option<SectionCap<'b>>> {
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
        Ok(Some(SectionCap {
            actor,
            post: post.id,
            unit: post.unit_id,
            office,
        }))
    }

    /// A seat at the board of the offices the actor sees (see `Services::board_offices`);
    /// refused to an actor who sees none.
    pub async fn as_board<'b>(&self, actor: &'b Actor) -> Result<BoardCap<'b>> {
        require(actor, Permission::FlowWork)?;
        let offices = self.svc.board_offices(actor).await?;
        if offices.is_empty() {
            return Err(ServiceError::Forbidden(
                "只有督查部门可以生成督查通报".into(),
            ));
        }
        Ok(BoardCap { actor, offices })
    }
}

/// A new supervision item (立项), or a sub-item (分解).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewItemInput {
    /// 督办来源: instruction, meeting, work_report, higher, citizen, other (empty or missing:
    /// other).
    #[serde(default, deserialize_with = "code_or_default")]
    #[schema(value_type = String, example = "meeting")]
    pub source_kind: SourceKind,
    /// The case the instruction was given on (linked both ways).
    #[serde(default)]
    pub source_case_id: Option<i64>,
    /// The instruction's text (批示原文) or the decision's wording.
    #[serde(default)]
    pub source_text: String,
    /// The leader's name.
    #[serde(default)]
    pub source_leader: String,
    /// The leader's post, when known.
    #[serde(default)]
    pub source_leader_post: Option<i64>,
    /// 事项名称.
    pub title: String,
    /// 督办内容.
    pub content: String,
    /// 办理要求.
    #[serde(default)]
    pub requirements: String,
    /// 牵头单位.
    pub lead_unit: i64,
    /// Its responsible post.
    pub lead_post: i64,
    /// 配合单位 with their responsible posts.
    #[serde(default)]
    pub assists: Vec<AssistInput>,
    /// The deadline as a date…
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
    /// …or in working days from today.
    #[serde(default)]
    pub deadline_days: Option<u32>,
    /// 报送周期: none, weekly, biweekly, monthly (empty or missing: none).
    #[serde(default, deserialize_with = "code_or_default")]
    #[schema(value_type = String, example = "weekly")]
    pub report_cycle: ReportCycle,
    /// Weekday 1–5 (weekly, biweekly) or day of the month 1–28 (monthly).
    #[serde(default)]
    pub report_day: u32,
    /// 重要程度: normal, important, critical (empty or missing: normal).
    #[serde(default, deserialize_with = "code_or_default")]
    #[schema(value_type = String, example = "normal")]
    pub importance: Importance,
}

/// Reads a choice by its code; an empty string or `null` is the choice's default, as a form
/// left blank.
fn code_or_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => T::deserialize(s.trim().into_deserializer()),
        _ => Ok(T::default()),
    }
}

/// An assisting unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistInput {
    /// The unit.
    pub unit: i64,
    /// Its responsible post, if named.
    #[serde(default)]
    pub post: Option<i64>,
}

/// A request to change the lead unit or the deadline.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ChangeInput {
    /// Why (required).
    pub reason: String,
    /// The proposed lead unit…
    #[serde(default)]
    pub lead_unit: Option<i64>,
    /// …and its responsible post.
    #[serde(default)]
    pub lead_post: Option<i64>,
    /// The proposed deadline.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
}

/// The acting post and its unit.
fn acting(actor: &Actor) -> Result<(i64, i64)> {
    let post = actor
        .post
        .as_ref()
        .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
    Ok((post.id, post.unit_id))
}

fn subject(case_id: i64) -> Option<String> {
    Some(format!("case:{case_id}"))
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("bad stored date {s}")))
}

fn domain_invalid(e: domain::Invalid) -> ServiceError {
    ServiceError::Invalid {
        field: Some(e.field),
        message: e.message,
    }
}

impl Services {
    /// The office a unit belongs to: the nearest unit of kind office or government at or above
    /// it (the supervising office of an item is its opener's).
    pub(crate) async fn office_of_unit(&self, tx: &mut Tx, unit: i64) -> Result<i64> {
        let chain = self.unit_chain(tx, unit).await?;
        Ok(chain.office().map_or(unit, |o| o.id))
    }

    /// The unit every lead unit (and assisting unit) of an item must lie in: for an item the
    /// supervising office opens, the government above that office (its sections, bureaus and
    /// the counties below); for a sub-item, the parent item's lead unit. The 立项 form lists the
    /// posts under it; the service refuses any other.
    pub(crate) async fn supervision_scope(
        &self,
        tx: &mut Tx,
        opener_unit: i64,
        parent: Option<&ItemRow>,
    ) -> Result<i64> {
        if let Some(p) = parent {
            return Ok(p.lead_unit_id);
        }
        let chain = self.unit_chain(tx, opener_unit).await?;
        let Some(office) = chain.office() else {
            return Ok(opener_unit);
        };
        let above = chain
            .0
            .iter()
            .skip_while(|u| u.id != office.id)
            .nth(1)
            .map(|u| u.id);
        Ok(above.unwrap_or(office.id))
    }

    /// Refuses a lead or assisting unit outside the scope (see [`Services::supervision_scope`]).
    pub(crate) async fn check_scope(
        &self,
        tx: &mut Tx,
        unit: i64,
        scope: i64,
        field: &'static str,
    ) -> Result<()> {
        if self.is_within(tx, unit, scope).await? {
            Ok(())
        } else {
            Err(ServiceError::invalid(
                field,
                "只能交办给本级政府所属的单位（本办各科室、政府部门及所辖县区）",
            ))
        }
    }

    /// Whether `unit` is `ancestor` or below it.
    pub(crate) async fn is_within(&self, tx: &mut Tx, unit: i64, ancestor: i64) -> Result<bool> {
        Ok(self.unit_chain(tx, unit).await?.contains(ancestor))
    }
}
