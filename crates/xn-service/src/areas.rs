//! The area registry: the one place where the business areas plug into the shared flow core.
//!
//! The flow core (`flow/`) knows cases, tasks and timers, never documents or supervision items.
//! Everything an area adds to it is answered here by an exhaustive `match` on the closed sets
//! [`ItemKind`] and [`TimerKind`]: which area a kind belongs to, its Chinese label, the process
//! definitions it ships, the steps its rules rely on (the step contract, checked on every
//! definition stored), whether its cases may be started from the generic door, the hook that
//! runs inside every action on its cases, the handler of its timers, who besides the
//! participants may open its cases, and the area's part of the 办理 page (what the step decides
//! on, shown beside its form: [`CasePart`]). A new variant does not build until each of these is
//! answered, which is the list of what a new area must provide (docs/ARCHITECTURE.md, "Adding
//! an area"). No other code compares kind codes.

use chrono::{DateTime, Utc};
use xn_domain::flow::{FlowEvent, ItemKind, StepContract, TimerKind};
use xn_domain::org::Clearance;
use xn_store::flow::JobRow;

use crate::complaints::ComplaintDesk;
use crate::documents::DocumentDesk;
use crate::flow::{ActorRef, AreaTx, CaseCtx, CaseDetail, CommittedRead, Fired};
use crate::service::ServiceDesk;
use crate::supervision::SupervisionDesk;
use crate::{Actor, Result, ServiceError, Services};

/// A business area: a set of item kinds with rules of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum Area {
    /// The generic flow: 内部事项 and the units' own processes. No rules beyond the engine's.
    Flow,
    /// 办文: outgoing and incoming documents.
    Documents,
    /// 督查: supervision items.
    Supervision,
    /// 办事与服务: service requests.
    Service,
    /// 信息: information items.
    Information,
    /// 效能投诉: complaints about how an item was handled.
    Complaints,
}

impl Area {
    /// The area's name, as the efficiency monitor groups by it.
    pub fn label(self) -> &'static str {
        match self {
            Area::Flow => "内部事项",
            Area::Documents => "办文",
            Area::Supervision => "督查",
            Area::Service => "办事与服务",
            Area::Information => "信息",
            Area::Complaints => "效能投诉",
        }
    }

    /// A stable code, for filters and the API.
    pub fn code(self) -> &'static str {
        match self {
            Area::Flow => "flow",
            Area::Documents => "documents",
            Area::Supervision => "supervision",
            Area::Service => "service",
            Area::Information => "information",
            Area::Complaints => "complaints",
        }
    }

    /// The area of a code.
    pub fn from_code(code: &str) -> Option<Area> {
        <Area as strum::IntoEnumIterator>::iter().find(|a| a.code() == code)
    }

    /// Every area.
    pub fn all() -> impl Iterator<Item = Area> {
        <Area as strum::IntoEnumIterator>::iter()
    }

    /// The kinds of item the area holds.
    pub fn kinds(self) -> Vec<ItemKind> {
        ItemKind::all().filter(|k| area_of(*k) == self).collect()
    }
}

/// The area a kind of item belongs to.
pub fn area_of(kind: ItemKind) -> Area {
    match kind {
        ItemKind::Internal | ItemKind::Bench => Area::Flow,
        ItemKind::DocumentOut | ItemKind::DocumentIn => Area::Documents,
        ItemKind::Supervision => Area::Supervision,
        ItemKind::Service => Area::Service,
        ItemKind::Information => Area::Information,
        ItemKind::Complaint => Area::Complaints,
    }
}

/// The Chinese name of a kind of item, as lists and the case page show it.
pub fn label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Internal => "内部事项",
        ItemKind::Bench => "基准测试",
        ItemKind::DocumentOut => "发文",
        ItemKind::DocumentIn => "收文",
        ItemKind::Supervision => "督办事项",
        ItemKind::Service => "服务事项",
        ItemKind::Information => "政务信息",
        ItemKind::Complaint => "效能投诉",
    }
}

/// The label of a stored kind code (a code no build knows is shown as it is).
pub fn label_of_code(code: &str) -> String {
    ItemKind::from_code(code).map_or_else(|| code.to_owned(), |k| label(k).to_owned())
}

/// The process definitions an area ships: (file, TOML), stored at every start.
pub fn shipped_processes(area: Area) -> &'static [(&'static str, &'static str)] {
    match area {
        Area::Flow => &[(
            "processes/internal_request.toml",
            include_str!("../../../processes/internal_request.toml"),
        )],
        Area::Documents => &[
            (
                "processes/outgoing_document.toml",
                include_str!("../../../processes/outgoing_document.toml"),
            ),
            (
                "processes/incoming_document.toml",
                include_str!("../../../processes/incoming_document.toml"),
            ),
        ],
        Area::Supervision => &[(
            "processes/supervision.toml",
            include_str!("../../../processes/supervision.toml"),
        )],
        Area::Service => &[(
            "processes/service_request.toml",
            include_str!("../../../processes/service_request.toml"),
        )],
        Area::Information => &[(
            "processes/information.toml",
            include_str!("../../../processes/information.toml"),
        )],
        Area::Complaints => &[(
            "processes/efficiency_complaint.toml",
            include_str!("../../../processes/efficiency_complaint.toml"),
        )],
    }
}

/// Every shipped process definition of every area.
pub fn all_shipped_processes() -> impl Iterator<Item = (&'static str, &'static str)> {
    <Area as strum::IntoEnumIterator>::iter().flat_map(|a| shipped_processes(a).iter().copied())
}

/// The steps and decisions the area's rules act on, for a process of this kind.
pub fn contract(kind: ItemKind) -> &'static StepContract {
    match kind {
        ItemKind::Internal | ItemKind::Bench => &StepContract::NONE,
        ItemKind::DocumentOut => &crate::documents::hooks::OUTGOING_CONTRACT,
        ItemKind::DocumentIn => &crate::documents::hooks::INCOMING_CONTRACT,
        ItemKind::Supervision => &crate::supervision::hooks::CONTRACT,
        ItemKind::Service => &crate::service::hooks::CONTRACT,
        ItemKind::Information => &crate::information::hooks::CONTRACT,
        ItemKind::Complaint => &crate::complaints::hooks::CONTRACT,
    }
}

/// Whether a case of this kind may be started through the generic door (`start_case`, `POST
/// /api/v1/cases`). An area's cases are started only by the area's own service, which writes
/// the area's row with the case and decides who may start it and with what links.
pub fn generic_start(kind: ItemKind) -> bool {
    match area_of(kind) {
        Area::Flow => true,
        Area::Documents
        | Area::Supervision
        | Area::Service
        | Area::Information
        | Area::Complaints => false,
    }
}

/// Whether an action on a case of this kind, at this step (`None`: a start, or an action that
/// names no task), may be written with a batch of the flow writer: its area's writes then go
/// with the batch, in its transaction (`flow::AreaTx`). The others are routed to the direct
/// path before the batch computes them: 发文's 印制 and 核发 (a PDF laid out and checked, the
/// recipients' cases started), 收文 and supervision items, whose rules read back what they write.
pub fn batched(kind: ItemKind, step: Option<&str>) -> bool {
    match kind {
        ItemKind::Internal | ItemKind::Bench => true,
        ItemKind::DocumentOut => step.is_none_or(crate::documents::hooks::outgoing_batched),
        ItemKind::DocumentIn
        | ItemKind::Supervision
        | ItemKind::Service
        | ItemKind::Information
        | ItemKind::Complaint => false,
    }
}

/// Who starts an area's case: the generic door, or the area's own service with the id of the
/// area's row the case belongs to (a document; none for a supervision item, whose row is
/// written with the case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartedBy {
    /// `start_case`: only generic kinds.
    Generic,
    /// The area's service.
    Area {
        /// The area's row (a document's id), when it exists before the case.
        link: Option<i64>,
    },
}

/// The area's part of a case's 办理 page: what the step decides on, shown beside its form.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "area", content = "part", rename_all = "snake_case")]
pub enum CasePart {
    /// A generic item: its text is the case's own body.
    Generic,
    /// 办文: the document (its text as it will print, its files and elements).
    Document(Box<DocumentDesk>),
    /// 督查: the item (requirements, deadline, reports owed and filed).
    Supervision(Box<SupervisionDesk>),
    /// 办事与服务: the request (requester, content, deadline, answer).
    Service(Box<ServiceDesk>),
    /// 效能投诉: the complaint (what happened, the facts and the finding so far).
    Complaint(Box<ComplaintDesk>),
    /// The area's record exists but this viewer may not read it (密级, unit): the reason.
    Withheld(String),
}

impl CasePart {
    /// What the timeline adds to a completion of `step` (the number 登记 gave).
    pub fn timeline_note(&self, step: &str) -> Option<String> {
        match self {
            CasePart::Document(d) => d.timeline_note(step),
            CasePart::Generic
            | CasePart::Supervision(_)
            | CasePart::Service(_)
            | CasePart::Complaint(_)
            | CasePart::Withheld(_) => None,
        }
    }

    /// Whether the step is done on the area's own form shown in this part (a complaint's 认定,
    /// which names the responsible post), so the 办理 page offers no generic form for it.
    pub fn own_form(&self, step: &str) -> bool {
        matches!(self, CasePart::Complaint(c) if c.view.can_find)
            && step == crate::complaints::steps::FIND
    }

    /// Whether the case is a complaint's (the page offers no complaint about it).
    pub fn is_complaint(&self) -> bool {
        matches!(self, CasePart::Complaint(_))
    }

    /// The item's own deadline, when the case's steps carry none (a 督办事项 counts its
    /// deadline on the item, not on the case).
    pub fn deadline(&self) -> Option<&str> {
        match self {
            CasePart::Supervision(s) => Some(&s.item.deadline),
            CasePart::Service(s) => s.detail.case_id.map(|_| s.detail.line.deadline.as_str()),
            CasePart::Generic
            | CasePart::Document(_)
            | CasePart::Complaint(_)
            | CasePart::Withheld(_) => None,
        }
    }
}

impl Services {
    /// The area's part of a case's 办理 page, for a viewer who may see the case (`case` is what
    /// [`Services::case_detail`] gave them). What the area's own rules withhold from the viewer
    /// is answered as [`CasePart::Withheld`], not as an error: the case page stays open to them.
    pub async fn case_part(
        &self,
        actor: &Actor,
        case: &CaseDetail,
        now: DateTime<Utc>,
    ) -> Result<CasePart> {
        let Some(kind) = ItemKind::from_code(&case.item_kind) else {
            return Ok(CasePart::Generic);
        };
        let part = match area_of(kind) {
            Area::Flow | Area::Information => return Ok(CasePart::Generic),
            Area::Documents => {
                let steps: Vec<String> = case.my_tasks.iter().map(|t| t.step.clone()).collect();
                self.documents()
                    .desk(actor, case.id, &steps, now)
                    .await
                    .map(|d| d.map(|d| CasePart::Document(Box::new(d))))
            }
            Area::Supervision => self
                .supervision()
                .desk(actor, case.id, now)
                .await
                .map(|d| d.map(|d| CasePart::Supervision(Box::new(d)))),
            Area::Service => self
                .service()
                .desk(actor, case.id, now)
                .await
                .map(|d| d.map(|d| CasePart::Service(Box::new(d)))),
            Area::Complaints => self
                .complaints()
                .desk(actor, case.id)
                .await
                .map(|d| d.map(|d| CasePart::Complaint(Box::new(d)))),
        };
        match part {
            Ok(part) => Ok(part.unwrap_or(CasePart::Generic)),
            Err(ServiceError::Forbidden(reason)) => Ok(CasePart::Withheld(reason)),
            Err(ServiceError::NotFound(what)) => Ok(CasePart::Withheld(format!(
                "该{what}不属于您的单位，您仅可查看办理过程"
            ))),
            Err(e) => Err(e),
        }
    }

    /// The area's part of a flow action: called once per action, inside its transaction, with
    /// the events the engine produced; a refusal here refuses the action.
    pub(crate) async fn on_area_flow(
        &self,
        tx: &mut AreaTx<'_, '_>,
        kind: ItemKind,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match kind {
            ItemKind::Internal | ItemKind::Bench => Ok(()),
            ItemKind::DocumentOut => {
                Box::pin(self.on_document_flow(tx, true, case, events, actor, now)).await
            }
            ItemKind::DocumentIn => {
                Box::pin(self.on_document_flow(tx, false, case, events, actor, now)).await
            }
            ItemKind::Supervision => {
                Box::pin(self.on_supervision_flow(tx, case, events, actor, now)).await
            }
            ItemKind::Service => Box::pin(self.on_service_flow(tx, case, events, actor, now)).await,
            ItemKind::Information => {
                Box::pin(self.on_information_flow(tx, case, events, actor, now)).await
            }
            ItemKind::Complaint => {
                Box::pin(self.on_complaint_flow(tx, case, events, actor, now)).await
            }
        }
    }

    /// The 密级 of the matter a case of this kind is about, as its area keeps it: every holder
    /// the process finds for it must be cleared for it (issue 17, finding 4). Read where flow
    /// actions read (`CommittedRead`): an area's level changes with its own edits, never with a
    /// flow action.
    pub(crate) async fn area_classification(
        &self,
        read: &mut CommittedRead<'_>,
        kind: ItemKind,
        case: &CaseCtx,
    ) -> Result<Clearance> {
        match area_of(kind) {
            // Requests from the public are not classified, nor are complaints (非密).
            Area::Flow | Area::Service | Area::Complaints => Ok(Clearance::Public),
            // An item carries its source's 密级 (its row is linked once the start has written
            // it; the opening checks its lead and assisting posts itself).
            Area::Supervision => match case.link {
                Some(item) => {
                    crate::clearance::level(&read.supervision_classification(item).await?)
                }
                None => Ok(Clearance::Public),
            },
            // An item's cases carry its 密级: the unit's case links the item, a receipt's case
            // its receipt.
            Area::Information => match case.link {
                Some(link) => crate::clearance::level(
                    &read
                        .information_classification(
                            link,
                            crate::information::hooks::is_receipt(&case.fields),
                        )
                        .await?,
                ),
                None => Ok(Clearance::Public),
            },
            Area::Documents => match case.link {
                Some(doc) => {
                    let code = read.document_classification(doc).await?;
                    code.parse()
                        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document {doc}: {e}")))
                }
                None => Ok(Clearance::Public),
            },
        }
    }

    /// Runs a claimed timer by its kind.
    pub(crate) async fn fire_timer(
        &self,
        kind: TimerKind,
        owner: &str,
        job: &JobRow,
        now: DateTime<Utc>,
    ) -> Result<Fired> {
        match kind {
            TimerKind::Rung => self.fire_rung(owner, job, now).await,
            TimerKind::SupervisionDeadline | TimerKind::SupervisionReport => {
                self.fire_supervision(owner, kind, job, now).await
            }
            TimerKind::ServiceDeadline => self.fire_service_urge(owner, job, now).await,
        }
    }

    /// Whether an area lets the actor open a case it did not take part in (the supervising
    /// section opens the cases of the units its government covers, to turn an instruction on
    /// them into a supervision item).
    pub(crate) async fn area_grants_view(&self, actor: &Actor, case_unit: i64) -> Result<bool> {
        for area in <Area as strum::IntoEnumIterator>::iter() {
            let granted = match area {
                Area::Flow
                | Area::Documents
                | Area::Service
                | Area::Information
                | Area::Complaints => false,
                Area::Supervision => self.oversees_case(actor, case_unit).await?,
            };
            if granted {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the actor may turn this case into a supervision item from its page: a case that
    /// is not one already, seen by a supervising section.
    pub async fn may_supervise_case(&self, actor: &Actor, kind: ItemKind) -> Result<bool> {
        let eligible = match area_of(kind) {
            Area::Flow | Area::Documents | Area::Information => true,
            Area::Supervision | Area::Service | Area::Complaints => false,
        };
        Ok(eligible && self.supervision().section(actor).await?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use xn_domain::flow::ProcessDef;

    use super::*;

    #[test]
    fn every_shipped_process_parses_and_meets_its_areas_contract() {
        let mut kinds = Vec::new();
        for (file, text) in all_shipped_processes() {
            let def = ProcessDef::parse(file, text).unwrap_or_else(|e| unreachable!("{e}"));
            assert!(
                def.check_contract(file, contract(def.item_kind)).is_ok(),
                "{file}"
            );
            assert!(
                shipped_processes(area_of(def.item_kind))
                    .iter()
                    .any(|(f, _)| *f == file),
                "{file} is shipped by the area of its kind"
            );
            kinds.push(def.item_kind);
        }
        // Every area kind but the benchmark's has a shipped process.
        for k in ItemKind::all().filter(|k| *k != ItemKind::Bench) {
            assert!(kinds.contains(&k), "{k:?} has no shipped process");
        }
    }

    #[test]
    fn only_generic_kinds_start_through_the_generic_door() {
        assert!(generic_start(ItemKind::Internal));
        assert!(!generic_start(ItemKind::DocumentOut));
        assert!(!generic_start(ItemKind::DocumentIn));
        assert!(!generic_start(ItemKind::Supervision));
        assert!(!generic_start(ItemKind::Service));
        assert!(!generic_start(ItemKind::Information));
        assert!(!generic_start(ItemKind::Complaint));
    }
}
