//! 效能投诉: complaints about slowness or misconduct in handling an item, and the finding that
//! counts against a unit and a post. Rules without a database.

use serde::{Deserialize, Serialize};
use strum::{EnumIter, IntoEnumIterator};

/// What a complaint is about (投诉类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintKind {
    /// 办事拖延.
    #[default]
    Delay,
    /// 推诿扯皮.
    BuckPassing,
    /// 态度生硬.
    Attitude,
    /// 违规办理.
    Irregular,
    /// 其他.
    Other,
}

impl ComplaintKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ComplaintKind::Delay => "delay",
            ComplaintKind::BuckPassing => "buck_passing",
            ComplaintKind::Attitude => "attitude",
            ComplaintKind::Irregular => "irregular",
            ComplaintKind::Other => "other",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ComplaintKind::Delay => "办事拖延",
            ComplaintKind::BuckPassing => "推诿扯皮",
            ComplaintKind::Attitude => "态度生硬",
            ComplaintKind::Irregular => "违规办理",
            ComplaintKind::Other => "其他",
        }
    }

    /// The kind stored under a code.
    pub fn from_code(code: &str) -> Option<ComplaintKind> {
        ComplaintKind::iter().find(|k| k.code() == code)
    }

    /// Every kind, in the form's order.
    pub fn all() -> impl Iterator<Item = ComplaintKind> {
        ComplaintKind::iter()
    }
}

/// Where a complaint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A signed-in person (a section, a county office).
    Staff,
    /// The public form.
    Public,
}

impl Channel {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Staff => "staff",
            Channel::Public => "public",
        }
    }

    /// The channel of a code.
    pub fn from_code(code: &str) -> Option<Channel> {
        match code {
            "staff" => Some(Channel::Staff),
            "public" => Some(Channel::Public),
            _ => None,
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Staff => "机关内部",
            Channel::Public => "群众（公众页面）",
        }
    }
}

/// 认定: what the monitoring section found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 成立.
    Upheld,
    /// 部分成立.
    Partly,
    /// 不成立.
    Rejected,
}

impl Finding {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Finding::Upheld => "upheld",
            Finding::Partly => "partly",
            Finding::Rejected => "rejected",
        }
    }

    /// The decision of the 认定 step, as the process names it.
    pub fn decision(self) -> &'static str {
        match self {
            Finding::Upheld => "成立",
            Finding::Partly => "部分成立",
            Finding::Rejected => "不成立",
        }
    }

    /// The finding of a code or of a decision.
    pub fn parse(s: &str) -> Option<Finding> {
        Finding::iter().find(|f| f.code() == s || f.decision() == s)
    }

    /// Whether it counts against the unit and the post named (成立 and 部分成立).
    pub fn counts(self) -> bool {
        !matches!(self, Finding::Rejected)
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    /// 核查中.
    Checking,
    /// 待认定.
    Finding,
    /// 整改中.
    Rectifying,
    /// 待反馈.
    Answering,
    /// 已办结.
    Closed,
}

impl ComplaintState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ComplaintState::Checking => "checking",
            ComplaintState::Finding => "finding",
            ComplaintState::Rectifying => "rectifying",
            ComplaintState::Answering => "answering",
            ComplaintState::Closed => "closed",
        }
    }

    /// The state of a code.
    pub fn from_code(code: &str) -> Option<ComplaintState> {
        ComplaintState::iter().find(|s| s.code() == code)
    }

    /// The Chinese name, as the complainant reads it.
    pub fn label(self) -> &'static str {
        match self {
            ComplaintState::Checking => "核查中",
            ComplaintState::Finding => "认定中",
            ComplaintState::Rectifying => "整改中",
            ComplaintState::Answering => "待反馈",
            ComplaintState::Closed => "已办结",
        }
    }
}

/// The label of a finding code (empty: not found yet).
pub fn finding_label(code: &str) -> &'static str {
    Finding::parse(code).map_or("", Finding::decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for k in ComplaintKind::all() {
            assert_eq!(ComplaintKind::from_code(k.code()), Some(k));
        }
        for f in Finding::iter() {
            assert_eq!(Finding::parse(f.code()), Some(f));
            assert_eq!(Finding::parse(f.decision()), Some(f));
        }
        for s in ComplaintState::iter() {
            assert_eq!(ComplaintState::from_code(s.code()), Some(s));
        }
        assert!(Finding::Partly.counts());
        assert!(!Finding::Rejected.counts());
    }
}
