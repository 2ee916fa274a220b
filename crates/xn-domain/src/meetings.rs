//! 办会: the rules of a meeting that need no database — its status and the order it moves in,
//! where it is held, who attends in which role, and when two bookings clash.
//!
//! Whether a meeting clashes with another (a room, or a leader, taken twice) is decided from
//! stored rows by the service; [`overlaps`] is the one test of time it applies.

use serde::{Deserialize, Serialize};

pub mod figures;
pub mod topics;

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

    /// The status the office may advance the meeting to next. 已通知 is reached by sending the
    /// notice (会议通知) and 纪要已印发 through the minutes (not built yet), so a meeting in
    /// preparation or ended advances no further here.
    pub fn next(self) -> Option<MeetingStatus> {
        match self {
            MeetingStatus::Notified => Some(MeetingStatus::InProgress),
            MeetingStatus::InProgress => Some(MeetingStatus::Ended),
            MeetingStatus::Preparing
            | MeetingStatus::Ended
            | MeetingStatus::Minuted
            | MeetingStatus::Cancelled => None,
        }
    }

    /// Whether the notice may be sent: only once, while the meeting is being prepared.
    pub fn may_send_notice(self) -> bool {
        self == MeetingStatus::Preparing
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

/// An attendee's reply to a meeting's notice (回执).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RsvpAnswer {
    /// 参加.
    Attend,
    /// 请假: with a reason, approved or refused by the organising office.
    Leave,
    /// 委托: another named post attends in the attendee's place.
    Proxy,
}

impl RsvpAnswer {
    /// Every answer, in the order the form offers them.
    pub const ALL: [RsvpAnswer; 3] = [RsvpAnswer::Attend, RsvpAnswer::Leave, RsvpAnswer::Proxy];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RsvpAnswer::Attend => "attend",
            RsvpAnswer::Leave => "leave",
            RsvpAnswer::Proxy => "proxy",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            RsvpAnswer::Attend => "参加",
            RsvpAnswer::Leave => "请假",
            RsvpAnswer::Proxy => "委托",
        }
    }

    /// The answer of a stored code.
    pub fn from_code(code: &str) -> Option<RsvpAnswer> {
        RsvpAnswer::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Where a 请假 stands: asked, then approved or refused by the organising office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveStatus {
    /// 待审批.
    Pending,
    /// 已准假.
    Approved,
    /// 不准假: the attendee is expected to attend.
    Refused,
}

impl LeaveStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "pending",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Refused => "refused",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "待审批",
            LeaveStatus::Approved => "已准假",
            LeaveStatus::Refused => "不准假",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<LeaveStatus> {
        [
            LeaveStatus::Pending,
            LeaveStatus::Approved,
            LeaveStatus::Refused,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// Whether a reply given at `replied_ms` is late for a notice due at `reply_by_ms`: a reply at
/// the deadline itself is on time. A late reply is still taken, and marked.
pub fn reply_is_late(reply_by_ms: i64, replied_ms: i64) -> bool {
    replied_ms > reply_by_ms
}

/// Whether two half-open spans of time `[a_start, a_end)` and `[b_start, b_end)` share a
/// moment: a meeting ending at 10:00 and one starting at 10:00 do not clash.
pub fn overlaps(a_start: i64, a_end: i64, b_start: i64, b_end: i64) -> bool {
    a_start < b_end && b_start < a_end
}

/// The longest a meeting may last: a day's meeting, not a booking of a room for a week.
pub const MAX_HOURS: i64 = 12;

/// Where a post stands in a meeting's attendance (签到): signed in by the start, signed in
/// after it, not signed in when the meeting ended, or away on an approved 请假.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigninStatus {
    /// 已签到.
    Present,
    /// 迟到: signed in after the start.
    Late,
    /// 缺席: not signed in when the meeting ended.
    Absent,
    /// 请假: leave approved, recorded when the meeting ended.
    Leave,
}

impl SigninStatus {
    /// Every status.
    pub const ALL: [SigninStatus; 4] = [
        SigninStatus::Present,
        SigninStatus::Late,
        SigninStatus::Absent,
        SigninStatus::Leave,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SigninStatus::Present => "present",
            SigninStatus::Late => "late",
            SigninStatus::Absent => "absent",
            SigninStatus::Leave => "leave",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            SigninStatus::Present => "已签到",
            SigninStatus::Late => "迟到",
            SigninStatus::Absent => "缺席",
            SigninStatus::Leave => "请假",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<SigninStatus> {
        SigninStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// A sign-in at `at_ms` for a meeting starting at `starts_ms`: late after the start.
    pub fn of_signin(starts_ms: i64, at_ms: i64) -> SigninStatus {
        if at_ms > starts_ms {
            SigninStatus::Late
        } else {
            SigninStatus::Present
        }
    }

    /// Whether the post was there (on time or late).
    pub fn attended(self) -> bool {
        matches!(self, SigninStatus::Present | SigninStatus::Late)
    }
}

/// A sign-in code lives for one window of this many seconds; the screen shows the current one
/// and refreshes each window.
pub const CHECKIN_WINDOW_SECS: i64 = 60;

/// How early before its start a meeting's sign-in opens, in minutes.
pub const CHECKIN_OPENS_MINUTES: i64 = 60;

/// The sign-in window an instant falls in.
pub fn checkin_window(at_ms: i64) -> i64 {
    at_ms.div_euclid(CHECKIN_WINDOW_SECS * 1000)
}

/// Whether a code of `code_window` is still taken at `now_window`: the window shown and the
/// one before it (a code typed as the screen refreshes is not lost), so a code lives at most
/// two windows.
pub fn checkin_code_fresh(code_window: i64, now_window: i64) -> bool {
    code_window == now_window || code_window + 1 == now_window
}

/// Whether sign-in is open at `now_ms` for a meeting of `[starts_ms, ends_ms)`: from an hour
/// before its start until its end.
pub fn checkin_open(starts_ms: i64, ends_ms: i64, now_ms: i64) -> bool {
    now_ms >= starts_ms - CHECKIN_OPENS_MINUTES * 60_000 && now_ms < ends_ms
}

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
        assert_eq!(
            MeetingStatus::Preparing.next(),
            None,
            "the notice makes it 已通知"
        );
        assert!(MeetingStatus::Preparing.may_send_notice());
        assert!(!MeetingStatus::Notified.may_send_notice());
        let mut s = MeetingStatus::Notified;
        let mut seen = vec![s.label()];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s.label());
        }
        assert_eq!(seen, ["已通知", "进行中", "已结束"]);
        assert!(!MeetingStatus::InProgress.is_open());
        assert!(MeetingStatus::Notified.is_open());
    }

    #[test]
    fn a_reply_at_the_deadline_is_on_time_and_one_a_moment_after_is_late() {
        assert!(!reply_is_late(1_000, 999));
        assert!(!reply_is_late(1_000, 1_000));
        assert!(reply_is_late(1_000, 1_001));
    }

    #[test]
    fn answers_and_leave_statuses_read_back_from_their_codes() {
        for a in RsvpAnswer::ALL {
            assert_eq!(RsvpAnswer::from_code(a.code()), Some(a));
        }
        assert_eq!(
            LeaveStatus::from_code("refused"),
            Some(LeaveStatus::Refused)
        );
        assert_eq!(RsvpAnswer::from_code("maybe"), None);
    }

    #[test]
    fn a_sign_in_after_the_start_is_late_and_one_at_the_start_is_not() {
        assert_eq!(SigninStatus::of_signin(1_000, 1_000), SigninStatus::Present);
        assert_eq!(SigninStatus::of_signin(1_000, 1_001), SigninStatus::Late);
        assert!(SigninStatus::Late.attended());
        assert!(!SigninStatus::Leave.attended());
    }

    #[test]
    fn a_code_lives_for_the_window_shown_and_the_next_only() {
        let w = checkin_window(120_000);
        assert_eq!(w, 2);
        assert!(checkin_code_fresh(w, w));
        assert!(checkin_code_fresh(w, w + 1));
        assert!(!checkin_code_fresh(w, w + 2));
        assert!(!checkin_code_fresh(w + 1, w));
    }

    #[test]
    fn sign_in_opens_an_hour_before_the_start_and_closes_at_the_end() {
        let start = 10 * 3_600_000;
        let end = start + 3_600_000;
        assert!(!checkin_open(start, end, start - 3_600_001));
        assert!(checkin_open(start, end, start - 3_600_000));
        assert!(checkin_open(start, end, end - 1));
        assert!(!checkin_open(start, end, end));
    }
}
