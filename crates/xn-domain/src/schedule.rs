//! 领导日程: what a leader's own engagements are (beside the meetings they chair or attend),
//! and when two engagements clash.

use serde::{Deserialize, Serialize};

/// The kind of an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// 调研: a visit to learn how things stand.
    Research,
    /// 外出: away (a meeting elsewhere, a trip).
    Trip,
    /// 活动: an event, a reception, a ceremony.
    Event,
    /// 其他.
    Other,
}

impl ScheduleKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [ScheduleKind; 4] = [
        ScheduleKind::Research,
        ScheduleKind::Trip,
        ScheduleKind::Event,
        ScheduleKind::Other,
    ];

    /// Its stored code.
    pub fn code(self) -> &'static str {
        match self {
            ScheduleKind::Research => "research",
            ScheduleKind::Trip => "trip",
            ScheduleKind::Event => "event",
            ScheduleKind::Other => "other",
        }
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            ScheduleKind::Research => "调研",
            ScheduleKind::Trip => "外出",
            ScheduleKind::Event => "活动",
            ScheduleKind::Other => "其他",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<ScheduleKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The longest engagement, in days (a trip of two weeks).
pub const MAX_DAYS: i64 = 14;

/// Whether two spans [a0, a1) and [b0, b1) overlap (touching ends do not).
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_that_only_touch_do_not_clash() {
        assert!(overlaps((0, 10), (5, 15)));
        assert!(overlaps((0, 10), (2, 3)));
        assert!(!overlaps((0, 10), (10, 20)));
        assert!(!overlaps((10, 20), (0, 10)));
    }

    #[test]
    fn every_kind_reads_back_from_its_code() {
        for k in ScheduleKind::ALL {
            assert_eq!(ScheduleKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ScheduleKind::from_code("meeting"), None);
    }
}
