//! 办会: the rules of a meeting that need no database — its status and the order it moves in,
//! where it is held, who attends in which role, and when two bookings clash.
//!
//! Whether a meeting clashes with another (a room, or a leader, taken twice) is decided from
//! stored rows by the service; [`overlaps`] is the one test of time it applies.

use serde::{Deserialize, Serialize};

/// A meeting's status: 筹备中 → 已通知 → 进行中 → 已结束 → 纪要已印发, or 已取消 from any
/// status before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// 筹备中: booked, being prepared.
    Preparing,
    /// 已通知: the attendees have been told.
    Notified,
    /// 进行中: being held.
    InProgress,
    /// 已结束: held.
    Ended,
    /// 纪要已印发: its minutes issued.
    Minuted,
    /// 已取消.
    Cancelled,
}

impl MeetingStatus {
    /// Every status, in the order a meeting goes through them.
    pub const ALL: [MeetingStatus; 6] = [
        MeetingStatus::Preparing,
        MeetingStatus::Notified,
        MeetingStatus::InProgress,
        MeetingStatus::Ended,
        MeetingStatus::Minuted,
        MeetingStatus::Cancelled,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            MeetingStatus::Preparing => "preparing",
            MeetingStatus::Notified => "notified",
            MeetingStatus::InProgress => "in_progress",
            MeetingStatus::Ended => "ended",
            MeetingStatus::Minuted => "minuted",
            MeetingStatus::Cancelled => "cancelled",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            MeetingStatus::Preparing => "筹备中",
            MeetingStatus::Notified => "已通知",
            MeetingStatus::InProgress => "进行中",
            MeetingStatus::Ended => "已结束",
            MeetingStatus::Minuted => "纪要已印发",
            MeetingStatus::Cancelled => "已取消",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<MeetingStatus> {
        MeetingStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The status the office may advance the meeting to next. 纪要已印发 is reached through the
    /// minutes (not built yet), so an ended meeting advances no further here.
    pub fn next(self) -> Option<MeetingStatus> {
        match self {
            MeetingStatus::Preparing => Some(MeetingStatus::Notified),
            MeetingStatus::Notified => Some(MeetingStatus::InProgress),
            MeetingStatus::InProgress => Some(MeetingStatus::Ended),
            MeetingStatus::Ended | MeetingStatus::Minuted | MeetingStatus::Cancelled => None,
        }
    }

    /// Whether the meeting may still be moved or cancelled: it has not begun.
    pub fn is_open(self) -> bool {
        matches!(self, MeetingStatus::Preparing | MeetingStatus::Notified)
    }
}

/// Where a meeting is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A room of the office (booked, so it can clash).
    #[default]
    Room,
    /// An outside venue, named.
    Venue,
    /// A video meeting, by its link.
    Video,
}

impl PlaceKind {
    /// Every kind of place.
    pub const ALL: [PlaceKind; 3] = [PlaceKind::Room, PlaceKind::Venue, PlaceKind::Video];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            PlaceKind::Room => "room",
            PlaceKind::Venue => "venue",
            PlaceKind::Video => "video",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            PlaceKind::Room => "会议室",
            PlaceKind::Venue => "外部场所",
            PlaceKind::Video => "视频会议",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<PlaceKind> {
        PlaceKind::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How a post or unit takes part in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendRole {
    /// 出席: a member of the meeting; a leader who cannot be in two meetings at once.
    Attend,
    /// 列席: invited to sit in (a post or a whole unit).
    Observe,
    /// 工作人员: staff serving the meeting.
    Staff,
}

impl AttendRole {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AttendRole::Attend => "attend",
            AttendRole::Observe => "observe",
            AttendRole::Staff => "staff",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            AttendRole::Attend => "出席",
            AttendRole::Observe => "列席",
            AttendRole::Staff => "工作人员",
        }
    }

    /// The role of a stored code.
    pub fn from_code(code: &str) -> Option<AttendRole> {
        [AttendRole::Attend, AttendRole::Observe, AttendRole::Staff]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Whether two half-open spans of time `[a_start, a_end)` and `[b_start, b_end)` share a
/// moment: a meeting ending at 10:00 and one starting at 10:00 do not clash.
pub fn overlaps(a_start: i64, a_end: i64, b_start: i64, b_end: i64) -> bool {
    a_start < b_end && b_start < a_end
}

/// The longest a meeting may last: a day's meeting, not a booking of a room for a week.
pub const MAX_HOURS: i64 = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_that_touch_do_not_clash_and_ones_that_share_a_minute_do() {
        assert!(!overlaps(0, 10, 10, 20));
        assert!(overlaps(0, 11, 10, 20));
        assert!(overlaps(5, 6, 0, 20));
    }

    #[test]
    fn a_meeting_advances_in_order_and_not_past_its_end() {
        let mut s = MeetingStatus::Preparing;
        let mut seen = vec![s.label()];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s.label());
        }
        assert_eq!(seen, ["筹备中", "已通知", "进行中", "已结束"]);
        assert!(!MeetingStatus::InProgress.is_open());
        assert!(MeetingStatus::Notified.is_open());
    }
}
