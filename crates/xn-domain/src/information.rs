//! 政务信息: the rules of an information item that need no database — its kinds, the reports
//! of an urgent event and their limits in minutes, the receiving office's states, the adoption
//! levels and the shipped points table.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

/// A kind of information (信息类别).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum InfoKind {
    /// 动态.
    #[default]
    News,
    /// 经验做法.
    Practice,
    /// 问题建议.
    Suggestion,
    /// 社情民意.
    PublicOpinion,
    /// 突发事件: reported within minutes.
    Urgent,
}

impl InfoKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<InfoKind> {
        code.parse().ok()
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            InfoKind::News => "动态",
            InfoKind::Practice => "经验做法",
            InfoKind::Suggestion => "问题建议",
            InfoKind::PublicOpinion => "社情民意",
            InfoKind::Urgent => "突发事件",
        }
    }

    /// Every kind.
    pub fn all() -> impl Iterator<Item = InfoKind> {
        InfoKind::iter()
    }
}

/// Which report of an urgent event an item is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReportKind {
    /// Not an urgent event.
    #[default]
    None,
    /// 快报: the first report, within 30 minutes of the event.
    Flash,
    /// 书面报告: the written report, within an hour of the event.
    Written,
    /// 续报: a follow-up, until the event is closed.
    Followup,
}

impl ReportKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The report kind of a code.
    pub fn from_code(code: &str) -> Option<ReportKind> {
        code.parse().ok()
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ReportKind::None => "",
            ReportKind::Flash => "快报",
            ReportKind::Written => "书面报告",
            ReportKind::Followup => "续报",
        }
    }

    /// The limit from the event's time, in minutes (none for a follow-up).
    pub fn limit_minutes(self) -> Option<i64> {
        match self {
            ReportKind::Flash => Some(FLASH_MINUTES),
            ReportKind::Written => Some(WRITTEN_MINUTES),
            ReportKind::None | ReportKind::Followup => None,
        }
    }
}

/// 快报 within 30 minutes of the event.
pub const FLASH_MINUTES: i64 = 30;
/// 书面报告 within an hour of the event.
pub const WRITTEN_MINUTES: i64 = 60;

/// How late a report of an urgent event is when it leaves its unit at `sent` (whole minutes
/// past its limit, 0 when on time or when it has no limit).
pub fn minutes_late(report: ReportKind, event_at: DateTime<Utc>, sent: DateTime<Utc>) -> i64 {
    match report.limit_minutes() {
        Some(limit) => {
            let due = event_at + TimeDelta::minutes(limit);
            if sent > due {
                let secs = (sent - due).num_seconds();
                (secs + 59) / 60
            } else {
                0
            }
        }
        None => 0,
    }
}

/// Where an item stands at one receiving office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumString, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReceiptState {
    /// 待签收.
    Signing,
    /// 待筛选.
    Screening,
    /// 已采用.
    Adopted,
    /// 退回修改.
    Returned,
    /// 不予采用.
    Declined,
    /// 已报送 (an outside body: recorded, not worked here).
    Reported,
}

impl ReceiptState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The state of a code.
    pub fn from_code(code: &str) -> Option<ReceiptState> {
        code.parse().ok()
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ReceiptState::Signing => "待签收",
            ReceiptState::Screening => "待筛选",
            ReceiptState::Adopted => "已采用",
            ReceiptState::Returned => "退回修改",
            ReceiptState::Declined => "不予采用",
            ReceiptState::Reported => "已报送",
        }
    }
}

/// An adoption level (采用层级).
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
pub enum Level {
    /// 单位内部: used within the receiving office.
    Internal,
    /// 本级刊物采用: into an issue of the office's periodical.
    Periodical,
    /// 专报: sent to the leaders on its own.
    Special,
    /// 上报上级: forwarded upward.
    Forwarded,
    /// 上级采用: the higher office adopted it (entered here when it says so).
    Higher,
    /// 领导批示: a leader's 批示 on it.
    Instruction,
}

impl Level {
    /// The stored code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The level of a code.
    pub fn from_code(code: &str) -> Option<Level> {
        code.parse().ok()
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Level::Internal => "单位内部",
            Level::Periodical => "本级刊物采用",
            Level::Special => "专报",
            Level::Forwarded => "上报上级",
            Level::Higher => "上级采用",
            Level::Instruction => "领导批示",
        }
    }

    /// Every level.
    pub fn all() -> impl Iterator<Item = Level> {
        Level::iter()
    }
}

/// The points code of an urgent report on time (a bonus).
pub const URGENT_ON_TIME: &str = "urgent_on_time";
/// The points code of a late urgent report (a deduction).
pub const URGENT_LATE: &str = "urgent_late";

/// The shipped points table (an office's own rows override it): 本级采用 1, 专报 3, 上级采用 10,
/// 领导批示 +5, an urgent report on time +2, a late one −2; 单位内部 and 上报上级 count nothing by
/// themselves.
pub fn default_points(code: &str) -> i64 {
    match code {
        "periodical" => 1,
        "special" => 3,
        "higher" => 10,
        "instruction" => 5,
        URGENT_ON_TIME => 2,
        URGENT_LATE => -2,
        _ => 0,
    }
}

/// Every code of the points table, with its Chinese name.
pub fn points_codes() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> =
        Level::all().map(|l| (l.code(), l.label())).collect();
    out.push((URGENT_ON_TIME, "突发事件按时报送（加分）"));
    out.push((URGENT_LATE, "突发事件迟报（扣分）"));
    out
}

/// A refused input: the field and the message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The form field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Checks an item's title and body.
pub fn check_texts(title: &str, body: &str) -> Result<(), Invalid> {
    let t = title.trim().chars().count();
    if t == 0 || t > 100 {
        return Err(Invalid {
            field: "title",
            message: "请填写标题（不超过 100 字）".into(),
        });
    }
    let b = body.trim().chars().count();
    if !(10..=20_000).contains(&b) {
        return Err(Invalid {
            field: "body",
            message: "正文应为 10–20000 字".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_report_31_minutes_after_the_event_is_a_minute_late() {
        let event = DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            minutes_late(ReportKind::Flash, event, event + TimeDelta::minutes(30)),
            0
        );
        assert_eq!(
            minutes_late(ReportKind::Flash, event, event + TimeDelta::minutes(31)),
            1
        );
        assert_eq!(
            minutes_late(ReportKind::Written, event, event + TimeDelta::minutes(31)),
            0
        );
        assert_eq!(
            minutes_late(ReportKind::Followup, event, event + TimeDelta::hours(9)),
            0
        );
    }

    #[test]
    fn codes_read_back() {
        for k in InfoKind::all() {
            assert_eq!(InfoKind::from_code(k.code()), Some(k));
        }
        for l in Level::all() {
            assert_eq!(Level::from_code(l.code()), Some(l));
        }
        assert_eq!(default_points("higher"), 10);
        assert_eq!(default_points(URGENT_LATE), -2);
    }
}
