//! The two closed sets the flow core shares with the business areas: what kind of item a case
//! is ([`ItemKind`]) and what kind of timer a job is ([`TimerKind`]).
//!
//! Both are stored as TEXT (checked by the database) and named here once. The service's area
//! registry (`xn_service::areas`) matches on them exhaustively, so a new variant does not build
//! until every area seam — its hooks, timers, label, processes, visibility and step contract —
//! is filled in. Nothing else compares their codes.

use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

/// The kind of item a case belongs to (事项类型), named by its process definition.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ItemKind {
    /// 内部事项: the generic approval anyone may start, and any unit's own processes.
    Internal,
    /// Cases of the flow benchmark: generic, like `Internal`.
    Bench,
    /// 发文: an outgoing document's case.
    DocumentOut,
    /// 收文: an incoming document's case.
    DocumentIn,
    /// 督办事项: a supervision item's case.
    Supervision,
    /// 服务事项: a request from the public or the grassroots, from 受理 to 办结.
    Service,
    /// 政务信息: an information item's case, at the submitting unit or at a receiving office.
    Information,
    /// 效能投诉: a complaint about how an item was handled, investigated by the supervising
    /// section.
    Complaint,
}

impl ItemKind {
    /// The stored code, e.g. `document_out`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The kind stored under a code, if any.
    pub fn from_code(code: &str) -> Option<ItemKind> {
        code.parse().ok()
    }

    /// Every kind.
    pub fn all() -> impl Iterator<Item = ItemKind> {
        ItemKind::iter()
    }
}

/// The kind of a timer in the jobs table: the flow's own ladder, or an area's.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    EnumString,
    IntoStaticStr,
    Serialize,
    Deserialize,
)]
pub enum TimerKind {
    /// A rung of a step's or a case's escalation ladder (临期提醒, 黄牌, 红牌).
    #[strum(serialize = "rung")]
    #[serde(rename = "rung")]
    Rung,
    /// A rung of a supervision item's own deadline.
    #[strum(serialize = "sv_deadline")]
    #[serde(rename = "sv_deadline")]
    SupervisionDeadline,
    /// A supervision item's progress report falling due.
    #[strum(serialize = "sv_report")]
    #[serde(rename = "sv_report")]
    SupervisionReport,
    /// A service request's deadline passed unanswered: the 催办通知书, then the 通报.
    #[strum(serialize = "service_deadline")]
    #[serde(rename = "service_deadline")]
    ServiceDeadline,
}

impl TimerKind {
    /// The stored code, e.g. `rung`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The kind stored under a code, if any.
    pub fn from_code(code: &str) -> Option<TimerKind> {
        code.parse().ok()
    }

    /// Every kind.
    pub fn all() -> impl Iterator<Item = TimerKind> {
        TimerKind::iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_kind() {
        for k in ItemKind::all() {
            assert_eq!(ItemKind::from_code(k.code()), Some(k));
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.code()));
        }
        for k in TimerKind::all() {
            assert_eq!(TimerKind::from_code(k.code()), Some(k));
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.code()));
        }
        assert_eq!(ItemKind::DocumentOut.code(), "document_out");
        assert_eq!(TimerKind::SupervisionDeadline.code(), "sv_deadline");
        assert_eq!(ItemKind::from_code("document"), None);
    }
}
