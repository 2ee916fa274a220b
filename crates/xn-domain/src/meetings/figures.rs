//! 会议效能: the rules that turn a month's meeting facts into an office's figures, without a
//! database. The service reads the facts and stores what these rules make of them; the page
//! shows the same rules in words ([`RULES_TEXT`]).
//!
//! - A meeting is **held** in the Beijing month of its planned start when it reached 已结束 (or
//!   纪要已印发). Cancelled meetings and those not yet ended are not held.
//! - Its **actual length** runs from its actual start — the later of the planned start and the
//!   moment the office marked it 进行中 — to the moment it was marked 已结束, never below zero.
//!   Sign-ins are not the start: people sign in up to an hour before. A meeting marked begun
//!   early did not begin before its time; one marked late began late. A meeting lacking either
//!   mark is held but not **timed**, and left out of both averages.
//! - **Attendance**: expected are the posts on the meeting's attendance once it ended (signed
//!   in on time or late, 请假, 缺席); the rate is those signed in ÷ expected. The **请假 rate**
//!   is those on leave ÷ expected, for the office and by the unit of each expected post.
//! - **Topics carried over**: each 暂缓 in the month, counted for the office that carried it
//!   (a topic carried twice counts twice).
//! - **议定事项 on time**: the decisions of the office's meetings whose supervision item's
//!   deadline (as it stands, extensions included) falls in the month; on time when the item was
//!   closed on or before that day. Counting by deadline, not by meeting, fixes a month's figure
//!   when it ends: every decision due in it is then closed in time or not.

use chrono::NaiveDate;

/// The version of these rules stored beside every figure.
pub const RULES: &str = "m1";

/// The rules in words, for the page.
pub const RULES_TEXT: [&str; 5] = [
    "召开会议数：本月计划开始、已结束（含纪要已印发）的会议；已取消和未结束的不计。",
    "实际时长：自“进行中”标记与计划开始时间中较晚者起，至“已结束”标记止；签到不作为开始（可提前一小时签到）。缺少任一标记的会议计入召开数，不计入平均时长。",
    "出席率：已签到（含迟到）÷ 应到（会议结束时考勤表上的全部人员：已签到、请假、缺席）；请假率：请假 ÷ 应到，按应到人员所在单位分列。",
    "议题结转：本月暂缓（结转以后会议）的议题次数，同一议题结转两次计两次。",
    "议定事项按期办结：督办期限（含批准延期后的期限）在本月的议定事项中，于期限当日或之前办结销号的件数。",
];

/// One held meeting's facts, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldFacts {
    /// Planned start.
    pub starts_at: i64,
    /// Planned end.
    pub ends_at: i64,
    /// When it was marked 进行中, if it was.
    pub began_at: Option<i64>,
    /// When it was marked 已结束, if it was.
    pub ended_at: Option<i64>,
    /// Posts expected (on the attendance once it ended).
    pub expected: i64,
    /// Of those, signed in (on time or late).
    pub signed_in: i64,
    /// Of those, on an approved 请假.
    pub on_leave: i64,
}

impl HeldFacts {
    /// Planned minutes.
    pub fn planned_minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).max(0) / 60_000
    }

    /// Actual minutes, when both marks were made.
    pub fn actual_minutes(&self) -> Option<i64> {
        let began = self.began_at?.max(self.starts_at);
        let ended = self.ended_at?;
        Some((ended - began).max(0) / 60_000)
    }
}

/// Whether a decision due on `deadline` was closed in time.
pub fn on_time(deadline: NaiveDate, closed_on: Option<NaiveDate>) -> bool {
    closed_on.is_some_and(|c| c <= deadline)
}

/// An office's figures for a month: counts only, every rate and average derived from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Meetings held.
    pub meetings_held: i64,
    /// Of those, with both marks.
    pub meetings_timed: i64,
    /// Planned minutes of the timed meetings.
    pub planned_minutes: i64,
    /// Actual minutes of the timed meetings.
    pub actual_minutes: i64,
    /// Posts expected.
    pub expected: i64,
    /// Signed in.
    pub signed_in: i64,
    /// On leave.
    pub on_leave: i64,
    /// Topics carried over.
    pub topics_carried: i64,
    /// Decisions due in the month.
    pub decisions_due: i64,
    /// Of those, closed by their deadline.
    pub decisions_on_time: i64,
}

impl Totals {
    /// Adds a held meeting.
    pub fn add_held(&mut self, h: &HeldFacts) {
        self.meetings_held += 1;
        if let Some(actual) = h.actual_minutes() {
            self.meetings_timed += 1;
            self.planned_minutes += h.planned_minutes();
            self.actual_minutes += actual;
        }
        self.expected += h.expected;
        self.signed_in += h.signed_in;
        self.on_leave += h.on_leave;
    }

    /// Adds a decision due in the month.
    pub fn add_decision(&mut self, deadline: NaiveDate, closed_on: Option<NaiveDate>) {
        self.decisions_due += 1;
        if on_time(deadline, closed_on) {
            self.decisions_on_time += 1;
        }
    }

    /// Average planned minutes of the timed meetings.
    pub fn avg_planned(&self) -> Option<i64> {
        average(self.planned_minutes, self.meetings_timed)
    }

    /// Average actual minutes of the timed meetings.
    pub fn avg_actual(&self) -> Option<i64> {
        average(self.actual_minutes, self.meetings_timed)
    }

    /// The counts in the stored order (see the store's columns).
    pub fn to_array(&self) -> [i64; 10] {
        [
            self.meetings_held,
            self.meetings_timed,
            self.planned_minutes,
            self.actual_minutes,
            self.expected,
            self.signed_in,
            self.on_leave,
            self.topics_carried,
            self.decisions_due,
            self.decisions_on_time,
        ]
    }

    /// From the stored order.
    pub fn from_array(a: [i64; 10]) -> Totals {
        Totals {
            meetings_held: a[0],
            meetings_timed: a[1],
            planned_minutes: a[2],
            actual_minutes: a[3],
            expected: a[4],
            signed_in: a[5],
            on_leave: a[6],
            topics_carried: a[7],
            decisions_due: a[8],
            decisions_on_time: a[9],
        }
    }
}

/// `sum ÷ n` rounded to the nearest whole, none when `n` is 0.
fn average(sum: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| (sum + n / 2) / n)
}

/// `n ÷ d` as a percentage with one decimal (`93.3%`), or 「—」 when nothing was counted.
pub fn percent(n: i64, d: i64) -> String {
    if d <= 0 {
        return "—".to_owned();
    }
    let tenths = (n * 1000 + d / 2) / d;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn held(began: Option<i64>, ended: Option<i64>) -> HeldFacts {
        HeldFacts {
            starts_at: 100 * MIN,
            ends_at: 220 * MIN,
            began_at: began,
            ended_at: ended,
            expected: 5,
            signed_in: 4,
            on_leave: 1,
        }
    }

    #[test]
    fn a_meeting_marked_begun_early_starts_at_its_planned_time() {
        assert_eq!(
            held(Some(90 * MIN), Some(250 * MIN)).actual_minutes(),
            Some(150)
        );
    }

    #[test]
    fn a_meeting_marked_begun_late_starts_when_marked() {
        assert_eq!(
            held(Some(110 * MIN), Some(250 * MIN)).actual_minutes(),
            Some(140)
        );
    }

    #[test]
    fn a_meeting_without_both_marks_is_held_but_not_timed() {
        let mut t = Totals::default();
        t.add_held(&held(None, Some(250 * MIN)));
        t.add_held(&held(Some(100 * MIN), Some(200 * MIN)));
        assert_eq!((t.meetings_held, t.meetings_timed), (2, 1));
        assert_eq!((t.avg_planned(), t.avg_actual()), (Some(120), Some(100)));
        assert_eq!((t.expected, t.signed_in, t.on_leave), (10, 8, 2));
    }

    #[test]
    fn a_decision_closed_on_its_deadline_day_is_on_time_and_one_open_is_not() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
        let mut t = Totals::default();
        t.add_decision(d, Some(d));
        t.add_decision(d, d.succ_opt());
        t.add_decision(d, None);
        assert_eq!((t.decisions_due, t.decisions_on_time), (3, 1));
    }

    #[test]
    fn rates_read_with_one_decimal_and_nothing_counted_reads_as_a_dash() {
        assert_eq!(percent(14, 15), "93.3%");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(2, 2), "100.0%");
    }

    #[test]
    fn the_stored_order_reads_back_the_same() {
        let mut t = Totals::default();
        t.add_held(&held(Some(100 * MIN), Some(200 * MIN)));
        t.topics_carried = 3;
        assert_eq!(Totals::from_array(t.to_array()), t);
    }
}
