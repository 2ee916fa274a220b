//! 议题 and 会议申请: a topic's status and the order it moves in, a meeting request's status,
//! and whether an agenda's times fit inside its meeting.

use serde::{Deserialize, Serialize};

/// Where a 议题 stands: 已提交 → 已筛选 (or 退回 with a reason) → 已列入议程, or 暂缓 (carried
/// over to a later meeting, from where it may be put on another agenda).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicStatus {
    /// 已提交: waiting for the office to screen it.
    Submitted,
    /// 退回: the office sent it back with a reason.
    Returned,
    /// 已筛选: complete (材料齐全, 会签 done), waiting for an agenda.
    Screened,
    /// 已列入议程: on an approved agenda with its time.
    Scheduled,
    /// 暂缓: not reached or held back; carried over to a later meeting.
    Deferred,
}

impl TopicStatus {
    /// Every status, in the order a topic goes through them.
    pub const ALL: [TopicStatus; 5] = [
        TopicStatus::Submitted,
        TopicStatus::Returned,
        TopicStatus::Screened,
        TopicStatus::Scheduled,
        TopicStatus::Deferred,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            TopicStatus::Submitted => "submitted",
            TopicStatus::Returned => "returned",
            TopicStatus::Screened => "screened",
            TopicStatus::Scheduled => "scheduled",
            TopicStatus::Deferred => "deferred",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            TopicStatus::Submitted => "已提交",
            TopicStatus::Returned => "退回",
            TopicStatus::Screened => "已筛选",
            TopicStatus::Scheduled => "已列入议程",
            TopicStatus::Deferred => "暂缓",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<TopicStatus> {
        TopicStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the office may screen it now (only once submitted).
    pub fn may_screen(self) -> bool {
        self == TopicStatus::Submitted
    }

    /// Whether the submitting unit may still add materials and the 会签 units answer: before
    /// the office has screened it.
    pub fn is_draft(self) -> bool {
        matches!(self, TopicStatus::Submitted | TopicStatus::Returned)
    }

    /// Whether it may be put on an agenda: screened, or carried over from an earlier meeting.
    pub fn may_schedule(self) -> bool {
        matches!(self, TopicStatus::Screened | TopicStatus::Deferred)
    }
}

/// Where a 会议申请 stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// 待审批.
    Pending,
    /// 已批准: the meeting was booked from it.
    Approved,
    /// 未批准, with a reason.
    Declined,
}

impl RequestStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Declined => "declined",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "待审批",
            RequestStatus::Approved => "已批准",
            RequestStatus::Declined => "未批准",
        }
    }

    /// The status of a stored code.
    pub fn from_code(code: &str) -> Option<RequestStatus> {
        [
            RequestStatus::Pending,
            RequestStatus::Approved,
            RequestStatus::Declined,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// The longest a topic may ask for, in minutes.
pub const MAX_TOPIC_MINUTES: i64 = 240;

/// Why an agenda does not fit its meeting: the index (in agenda order) of the topic at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaClash {
    /// The topic starts before the meeting does.
    BeforeStart(usize),
    /// The topic ends after the meeting does.
    AfterEnd(usize),
    /// The topic starts before the one before it (the second index) has ended.
    Overlaps(usize, usize),
}

/// Checks an agenda's slots (`[start, end)` in agenda order) against its meeting's
/// `[starts, ends)`: each inside the meeting, each after the one before it. The first fault
/// found is answered.
pub fn check_agenda(starts: i64, ends: i64, slots: &[(i64, i64)]) -> Result<(), AgendaClash> {
    for (i, (s, e)) in slots.iter().enumerate() {
        if *s < starts {
            return Err(AgendaClash::BeforeStart(i));
        }
        if *e > ends {
            return Err(AgendaClash::AfterEnd(i));
        }
        if i > 0
            && let Some((_, prev_end)) = slots.get(i - 1)
            && *s < *prev_end
        {
            return Err(AgendaClash::Overlaps(i, i - 1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agenda_inside_its_meeting_in_order_fits() {
        assert_eq!(
            check_agenda(0, 100, &[(0, 30), (30, 60), (70, 100)]),
            Ok(())
        );
    }

    #[test]
    fn a_topic_running_past_the_end_or_into_the_one_before_is_named() {
        assert_eq!(
            check_agenda(0, 100, &[(0, 60), (60, 110)]),
            Err(AgendaClash::AfterEnd(1))
        );
        assert_eq!(
            check_agenda(10, 100, &[(0, 60)]),
            Err(AgendaClash::BeforeStart(0))
        );
        assert_eq!(
            check_agenda(0, 100, &[(0, 60), (50, 80)]),
            Err(AgendaClash::Overlaps(1, 0))
        );
    }

    #[test]
    fn statuses_read_back_and_only_screened_or_carried_topics_are_scheduled() {
        for s in TopicStatus::ALL {
            assert_eq!(TopicStatus::from_code(s.code()), Some(s));
        }
        assert!(TopicStatus::Deferred.may_schedule());
        assert!(!TopicStatus::Submitted.may_schedule());
        assert!(TopicStatus::Submitted.may_screen());
        assert!(!TopicStatus::Returned.may_screen());
    }
}
