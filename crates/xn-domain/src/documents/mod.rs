//! 办文: official documents by 《党政机关公文处理工作条例》 (中办发〔2012〕14号).
//!
//! The fifteen kinds (article 8) and the eighteen elements (article 9) are types here; the rules
//! a document must satisfy before 签发 are in [`rules`], the 发文字号 and its ledger in
//! [`numbering`], the structure of the body and the comparison of versions in [`text`].

pub mod numbering;
pub mod rules;
pub mod search;
pub mod text;

use serde::{Deserialize, Serialize};

/// 文种: the fifteen kinds of article 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 决议.
    Resolution,
    /// 决定.
    Decision,
    /// 命令（令）.
    Order,
    /// 公报.
    Communique,
    /// 公告.
    Announcement,
    /// 通告.
    PublicNotice,
    /// 意见.
    Opinion,
    /// 通知.
    Notice,
    /// 通报.
    Circular,
    /// 报告.
    Report,
    /// 请示.
    Request,
    /// 批复.
    Reply,
    /// 议案.
    Motion,
    /// 函.
    Letter,
    /// 纪要.
    Minutes,
}

/// 行文方向.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 上行文: to a higher office.
    Upward,
    /// 下行文: to lower offices.
    Downward,
    /// 平行文: to offices of the same level or not in line.
    Level,
}

impl DocKind {
    /// Every kind, in the order of article 8.
    pub const ALL: [DocKind; 15] = [
        DocKind::Resolution,
        DocKind::Decision,
        DocKind::Order,
        DocKind::Communique,
        DocKind::Announcement,
        DocKind::PublicNotice,
        DocKind::Opinion,
        DocKind::Notice,
        DocKind::Circular,
        DocKind::Report,
        DocKind::Request,
        DocKind::Reply,
        DocKind::Motion,
        DocKind::Letter,
        DocKind::Minutes,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Resolution => "resolution",
            DocKind::Decision => "decision",
            DocKind::Order => "order",
            DocKind::Communique => "communique",
            DocKind::Announcement => "announcement",
            DocKind::PublicNotice => "public_notice",
            DocKind::Opinion => "opinion",
            DocKind::Notice => "notice",
            DocKind::Circular => "circular",
            DocKind::Report => "report",
            DocKind::Request => "request",
            DocKind::Reply => "reply",
            DocKind::Motion => "motion",
            DocKind::Letter => "letter",
            DocKind::Minutes => "minutes",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind named in Chinese (令 and 命令 both name [`DocKind::Order`]).
    pub fn from_label(label: &str) -> Option<DocKind> {
        let label = label.trim();
        if label == "令" || label == "命令（令）" {
            return Some(DocKind::Order);
        }
        DocKind::ALL.into_iter().find(|k| k.label() == label)
    }

    /// 文种 in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::Resolution => "决议",
            DocKind::Decision => "决定",
            DocKind::Order => "命令",
            DocKind::Communique => "公报",
            DocKind::Announcement => "公告",
            DocKind::PublicNotice => "通告",
            DocKind::Opinion => "意见",
            DocKind::Notice => "通知",
            DocKind::Circular => "通报",
            DocKind::Report => "报告",
            DocKind::Request => "请示",
            DocKind::Reply => "批复",
            DocKind::Motion => "议案",
            DocKind::Letter => "函",
            DocKind::Minutes => "纪要",
        }
    }

    /// The usual direction of the kind (意见 may go any way; its default is downward).
    pub fn direction(self) -> Direction {
        match self {
            DocKind::Report | DocKind::Request | DocKind::Motion => Direction::Upward,
            DocKind::Letter => Direction::Level,
            _ => Direction::Downward,
        }
    }

    /// Whether a document of this kind must name main recipients (公告, 通告, 公报 and 决议
    /// are published to all; 纪要 and 命令 may be distributed without them).
    pub fn needs_main_recipient(self) -> bool {
        !matches!(
            self,
            DocKind::Announcement
                | DocKind::PublicNotice
                | DocKind::Communique
                | DocKind::Resolution
                | DocKind::Minutes
                | DocKind::Order
        )
    }

    /// The layout format (GB/T 9704-2012 chapter 10) a document of this kind uses by default.
    pub fn default_format(self) -> Format {
        match self {
            DocKind::Order => Format::Order,
            DocKind::Minutes => Format::Minutes,
            DocKind::Letter => Format::Letter,
            _ => Format::File,
        }
    }
}

/// The layout format (GB/T 9704-2012: 文件 chapters 7–9, 信函 10.1, 命令 10.2, 纪要 10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// 文件格式.
    File,
    /// 信函格式.
    Letter,
    /// 命令（令）格式.
    Order,
    /// 纪要格式.
    Minutes,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::File, Format::Letter, Format::Order, Format::Minutes];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Format::File => "file",
            Format::Letter => "letter",
            Format::Order => "order",
            Format::Minutes => "minutes",
        }
    }

    /// The format of a stored code.
    pub fn from_code(code: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Format::File => "文件格式",
            Format::Letter => "信函格式",
            Format::Order => "命令格式",
            Format::Minutes => "纪要格式",
        }
    }
}

/// 紧急程度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 加急.
    Urgent,
    /// 特急.
    VeryUrgent,
}

impl Urgency {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::VeryUrgent => "very_urgent",
        }
    }

    /// The urgency of a stored code.
    pub fn from_code(code: &str) -> Option<Urgency> {
        match code {
            "urgent" => Some(Urgency::Urgent),
            "very_urgent" => Some(Urgency::VeryUrgent),
            _ => None,
        }
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Urgent => "加急",
            Urgency::VeryUrgent => "特急",
        }
    }
}

/// How a recipient stands to the issuing unit, for the rules on 行文关系 (articles 13–17).
pub use crate::org::Relation;

/// A main or copy recipient: a unit in xiaoneng, or a name typed in (units outside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The unit, when it is in xiaoneng.
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The name as printed.
    pub name: String,
}
