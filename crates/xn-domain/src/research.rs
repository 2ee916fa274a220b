//! 调研: the office's research topics (调研课题) — how a topic moves from 提出 to 已结题, what its
//! field work and outcome may be, the checks of what people type, and the monthly figures per
//! lead unit (topics opened, closed on time, the share 主动 and 事前, reports with 批示 and
//! reports converted into a document or a decision). No I/O, no clock.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::management::Invalid;

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v,)+
        }

        impl $name {
            /// Every value, in form order.
            pub const ALL: &[$name] = &[$($name::$v,)+];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$v => $code,)+
                }
            }

            /// Its Chinese name.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$v => $label,)+
                }
            }

            /// The value stored under a code.
            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.code() == code)
            }
        }
    };
}

coded! {
    /// Where a topic comes from.
    Origin {
        /// 主动: proposed by a section.
        Own = "own", "主动";
        /// 交办: assigned by a leader.
        Assigned = "assigned", "交办";
    }
}

coded! {
    /// Whether a topic precedes a decision or reviews one.
    Timing {
        /// 事前: to inform a decision still to be taken.
        Before = "before", "事前";
        /// 事后: to review one taken.
        After = "after", "事后";
    }
}

coded! {
    /// A topic's state.
    TopicState {
        /// 提出: awaiting the office leader's decision.
        Proposed = "proposed", "已提出";
        /// 列入计划: in the year's plan, not yet started.
        Planned = "planned", "列入计划";
        /// 不列入: declined.
        Declined = "declined", "不列入计划";
        /// 实施: the team is in the field.
        Active = "active", "调研中";
        /// 报告: the report is being written, reviewed or read by the leaders.
        Reporting = "reporting", "报告中";
        /// 已结题: closed with its outcome.
        Closed = "closed", "已结题";
    }
}

coded! {
    /// A piece of field work.
    VisitKind {
        /// 实地走访.
        Visit = "visit", "实地走访";
        /// 座谈会.
        Forum = "forum", "座谈会";
        /// 问卷调查.
        Survey = "survey", "问卷调查";
    }
}

coded! {
    /// Where the report stands.
    ReportState {
        /// 起草: the lead post writes it (also after a return).
        Draft = "draft", "起草中";
        /// 审核: with the lead's section chief or the office leader.
        Review = "review", "审核中";
        /// 报送: submitted to the leaders.
        Submitted = "submitted", "已报送领导";
    }
}

coded! {
    /// What the research became.
    Outcome {
        /// 转化为文件: an outgoing document.
        Document = "document", "转化为文件";
        /// 转化为决策: a meeting's decision.
        Decision = "decision", "转化为决策";
        /// 未转化.
        None = "none", "未转化";
    }
}

impl TopicState {
    /// The states a topic may move to from this one.
    pub fn next(self) -> &'static [TopicState] {
        match self {
            TopicState::Proposed => &[TopicState::Planned, TopicState::Declined],
            TopicState::Planned => &[TopicState::Active],
            TopicState::Active => &[TopicState::Reporting],
            TopicState::Reporting => &[TopicState::Closed],
            TopicState::Declined | TopicState::Closed => &[],
        }
    }

    /// Refuses a move the life of a topic does not have, naming both states.
    pub fn check_move(self, to: TopicState) -> Result<(), Invalid> {
        if self.next().contains(&to) {
            Ok(())
        } else {
            Err(invalid(
                "state",
                format!("课题当前为「{}」，不能改为「{}」", self.label(), to.label()),
            ))
        }
    }
}

fn check_len(field: &'static str, what: &str, s: &str, max: usize) -> Result<(), Invalid> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(invalid(field, format!("请填写{what}")));
    }
    if n > max {
        return Err(invalid(field, format!("{what}不超过 {max} 字")));
    }
    Ok(())
}

/// Checks a topic's title, questions and schedule.
pub fn check_topic(
    title: &str,
    questions: &str,
    starts_on: NaiveDate,
    due_on: NaiveDate,
) -> Result<(), Invalid> {
    check_len("title", "课题名称", title, 100)?;
    check_len("questions", "调研的问题", questions, 4000)?;
    if due_on < starts_on {
        return Err(invalid("due_on", "计划完成日期不能早于开始日期"));
    }
    if (due_on - starts_on).num_days() > 366 {
        return Err(invalid("due_on", "调研周期不超过一年"));
    }
    Ok(())
}

/// Checks a piece of field work's place, people and notes.
pub fn check_visit(place: &str, people_met: &str, notes: &str) -> Result<(), Invalid> {
    check_len("place", "地点", place, 100)?;
    if people_met.chars().count() > 500 {
        return Err(invalid("people_met", "座谈走访对象不超过 500 字"));
    }
    check_len("notes", "调研记录", notes, 10_000)
}

/// Checks a report's title and text.
pub fn check_report(title: &str, body: &str) -> Result<(), Invalid> {
    check_len("title", "报告标题", title, 100)?;
    check_len("body", "报告正文", body, 50_000)
}

/// Checks a leader's 批示.
pub fn check_instruction(text: &str) -> Result<(), Invalid> {
    check_len("text", "批示内容", text, 2000)
}

/// What the figures read of one topic, its instants already turned into Beijing months/dates.
#[derive(Debug, Clone)]
pub struct TopicFacts {
    /// The lead unit.
    pub unit: i64,
    /// 主动.
    pub own: bool,
    /// 事前.
    pub before: bool,
    /// The month it was taken into the plan (not for a declined or undecided topic).
    pub opened_month: Option<String>,
    /// The planned end.
    pub due_on: NaiveDate,
    /// The day it closed.
    pub closed_on: Option<NaiveDate>,
    /// The month its report went to the leaders.
    pub submitted_month: Option<String>,
    /// A leader gave a 批示 on its report.
    pub instructed: bool,
    /// It became a document or a decision.
    pub converted: bool,
}

/// One unit's figures of a month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFigures {
    /// Topics taken into the plan in the month.
    pub opened: i64,
    /// Of these, 主动.
    pub own: i64,
    /// Of these, 事前.
    pub before: i64,
    /// Topics closed in the month.
    pub closed: i64,
    /// Of these, by their planned end.
    pub closed_on_time: i64,
    /// Reports submitted to the leaders in the month.
    pub reports: i64,
    /// Of these, with a leader's 批示.
    pub reports_instructed: i64,
    /// Of these, converted into a document or a decision.
    pub converted: i64,
}

impl UnitFigures {
    /// Whether there is nothing to count.
    pub fn is_empty(&self) -> bool {
        *self == UnitFigures::default()
    }
}

/// A month's figures per lead unit: topics are counted in the month they were opened, closed
/// or reported, each figure in its own month.
pub fn month_figures(topics: &[TopicFacts], month: &str) -> BTreeMap<i64, UnitFigures> {
    let mut out: BTreeMap<i64, UnitFigures> = BTreeMap::new();
    for t in topics {
        let opened = t.opened_month.as_deref() == Some(month);
        let closed = t
            .closed_on
            .is_some_and(|d| d.format("%Y-%m").to_string() == month);
        let reported = t.submitted_month.as_deref() == Some(month);
        if !(opened || closed || reported) {
            continue;
        }
        let f = out.entry(t.unit).or_default();
        if opened {
            f.opened += 1;
            f.own += i64::from(t.own);
            f.before += i64::from(t.before);
        }
        if let Some(d) = t.closed_on.filter(|_| closed) {
            f.closed += 1;
            f.closed_on_time += i64::from(d <= t.due_on);
        }
        if reported {
            f.reports += 1;
            f.reports_instructed += i64::from(t.instructed);
            f.converted += i64::from(t.converted);
        }
    }
    out
}

/// A share as a percentage text (「—」 of nothing).
pub fn share(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "—".to_owned()
    } else {
        format!("{}%", (part * 100 + whole / 2) / whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_topic_moves_only_along_its_life() {
        assert!(TopicState::Proposed.check_move(TopicState::Planned).is_ok());
        assert!(TopicState::Proposed.check_move(TopicState::Active).is_err());
        assert!(TopicState::Closed.check_move(TopicState::Active).is_err());
        assert!(TopicState::Reporting.check_move(TopicState::Closed).is_ok());
    }

    #[test]
    fn figures_count_each_thing_in_its_own_month() {
        let t = TopicFacts {
            unit: 7,
            own: true,
            before: false,
            opened_month: Some("2026-03".into()),
            due_on: day("2026-06-30"),
            closed_on: Some(day("2026-06-20")),
            submitted_month: Some("2026-06".into()),
            instructed: true,
            converted: true,
        };
        let march = month_figures(std::slice::from_ref(&t), "2026-03");
        assert_eq!(march[&7].opened, 1);
        assert_eq!(march[&7].own, 1);
        assert_eq!(march[&7].closed, 0);
        let june = month_figures(&[t], "2026-06");
        assert_eq!(june[&7].closed_on_time, 1);
        assert_eq!(june[&7].converted, 1);
        assert_eq!(june[&7].opened, 0);
        assert_eq!(share(1, 3), "33%");
        assert_eq!(share(0, 0), "—");
    }

    #[test]
    fn a_schedule_ending_before_it_starts_is_refused() {
        assert!(check_topic("题", "问", day("2026-05-01"), day("2026-04-01")).is_err());
        assert!(check_topic(" ", "问", day("2026-04-01"), day("2026-05-01")).is_err());
    }
}
