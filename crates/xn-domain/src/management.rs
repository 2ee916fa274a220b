//! 管理: the office's own management cycle — targets (目标责任制) cascaded from the office to
//! sections, county offices and posts; the week's report (周报告); the month's evaluation
//! (月考评) computed from stored facts.
//!
//! This module holds the pure rules: the kinds of measure, the cascade's weight rule, the
//! evaluation's factors with their default weights and scoring curves, the leader's bounded
//! rating, the total, and the week and month arithmetic. No I/O, no clock.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A rule broken by input, in Chinese, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The form field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Targets

/// How a target's result is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A number with a unit (办结率 95 %, 信息 120 条).
    Number,
    /// Done by a date.
    Date,
    /// Done or not (是/否).
    YesNo,
}

impl MeasureKind {
    /// Every kind, in form order.
    pub const ALL: [MeasureKind; 3] = [MeasureKind::Number, MeasureKind::Date, MeasureKind::YesNo];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            MeasureKind::Number => "number",
            MeasureKind::Date => "date",
            MeasureKind::YesNo => "yes_no",
        }
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            MeasureKind::Number => "数值",
            MeasureKind::Date => "完成日期",
            MeasureKind::YesNo => "是否完成",
        }
    }

    /// The kind stored under a code.
    pub fn from_code(code: &str) -> Option<MeasureKind> {
        MeasureKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Checks a target value (or a recorded result) against the kind: a number, a
    /// `YYYY-MM-DD` date, or `yes`/`no`. Answers the value as stored.
    pub fn parse_value(self, field: &'static str, value: &str) -> Result<String, Invalid> {
        let v = value.trim();
        match self {
            MeasureKind::Number => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|_| v.to_owned())
                .ok_or_else(|| invalid(field, "目标值应为数字")),
            MeasureKind::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.to_string())
                .map_err(|_| invalid(field, "目标值应为日期（YYYY-MM-DD）")),
            MeasureKind::YesNo => match v {
                "yes" | "是" => Ok("yes".to_owned()),
                "no" | "否" => Ok("no".to_owned()),
                _ => Err(invalid(field, "目标值应为“是”或“否”")),
            },
        }
    }

    /// A stored value as shown, with the unit for numbers.
    pub fn show(self, value: &str, unit: &str) -> String {
        match self {
            MeasureKind::Number => format!("{value}{unit}"),
            MeasureKind::Date => format!("{value} 前完成"),
            MeasureKind::YesNo => if value == "yes" {
                "完成"
            } else {
                "未完成"
            }
            .to_owned(),
        }
    }
}

/// Checks a weight (percent of the parent's weight, or of the office's whole year): 1–100.
pub fn check_weight(weight: i64) -> Result<i64, Invalid> {
    if (1..=100).contains(&weight) {
        Ok(weight)
    } else {
        Err(invalid(
            "weight",
            "权重应为 1 至 100 之间的整数（占上级目标的百分比）",
        ))
    }
}

/// The cascade's rule: children may together take at most 100 % of their parent's weight.
/// `assigned` is what the parent's other children already hold.
pub fn check_cascade(parent: &str, assigned: i64, weight: i64) -> Result<(), Invalid> {
    if assigned + weight > 100 {
        Err(invalid(
            "weight",
            format!(
                "分解超出上级目标“{parent}”的权重：已分解 {assigned}%，本项 {weight}%，合计 {}%，不得超过 100%",
                assigned + weight
            ),
        ))
    } else {
        Ok(())
    }
}

/// Checks a target's title: 1–200 characters.
pub fn check_title(title: &str) -> Result<String, Invalid> {
    let t = title.trim();
    if t.is_empty() {
        return Err(invalid("title", "请填写目标名称"));
    }
    if t.chars().count() > 200 {
        return Err(invalid("title", "目标名称不超过 200 字"));
    }
    Ok(t.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The monthly evaluation's factors

/// A source of the monthly evaluation: one fact the office stores, turned into a score of
/// 0–100. A later area adds one variant and its arm in each match (and its query in the
/// store); the weights table needs no migration, since factors are stored by code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// 办理及时率: flow tasks completed by their deadline (working days, the flow calendar).
    OnTime,
    /// 黄牌红牌: the flow ladder's cards received.
    Cards,
    /// 督查得分: the supervision area's monthly scores of the post.
    Supervision,
    /// 参会: meeting replies (参加, 委托, 准假 count; no reply or refused leave does not).
    Meetings,
    /// 周报告按时报送.
    WeeklyReports,
    /// 学习时长: the study area's stored hours of the month (`xn_domain::study`).
    StudyHours,
    /// 服务满意度: the post's four satisfactions of the month (`xn_domain::satisfaction`).
    Satisfaction,
}

impl Factor {
    /// Every factor in use, in the sheet's order.
    pub const ALL: [Factor; 7] = [
        Factor::OnTime,
        Factor::Cards,
        Factor::Supervision,
        Factor::Meetings,
        Factor::WeeklyReports,
        Factor::StudyHours,
        Factor::Satisfaction,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Factor::OnTime => "on_time",
            Factor::Cards => "cards",
            Factor::Supervision => "supervision",
            Factor::Meetings => "meetings",
            Factor::WeeklyReports => "weekly_reports",
            Factor::StudyHours => "study_hours",
            Factor::Satisfaction => "satisfaction",
        }
    }

    /// The factor stored under a code.
    pub fn from_code(code: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Factor::OnTime => "办理及时率",
            Factor::Cards => "黄牌红牌",
            Factor::Supervision => "督查督办",
            Factor::Meetings => "会议出勤",
            Factor::WeeklyReports => "周报告按时报送",
            Factor::StudyHours => "学习时长",
            Factor::Satisfaction => "服务满意度",
        }
    }

    /// How the score is made, as the page explains it.
    pub fn rule(self) -> &'static str {
        match self {
            Factor::OnTime => "按期办结的待办 ÷ 本月到期的待办 × 100；无到期待办计 100",
            Factor::Cards => "100 − 黄牌 × 10 − 红牌 × 25，最低 0",
            Factor::Supervision => "督办事项按期办结率 − 漏报进展 × 10，最低 0；本月无事项计 100",
            Factor::Meetings => "参加（含委托、准假）÷ 应回执会议 × 100；无会议计 100",
            Factor::WeeklyReports => "按时报送 ÷ 应报周数 × 100；本月无应报计 100",
            Factor::StudyHours => "本月学习分钟数 ÷ 480（8 小时）× 100，最高 100",
            Factor::Satisfaction => {
                "本人承办事项当月群众、基层、领导满意及上级满意中有评价各项的平均；无评价计 100"
            }
        }
    }

    /// The default weight (percent) for every position: they sum to 100. 学习时长 and
    /// 服务满意度 arrived after offices had set their weights and default to 0, so no office's
    /// totals change until it gives them a weight.
    pub fn default_weight(self) -> i64 {
        match self {
            Factor::OnTime => 40,
            Factor::Cards => 15,
            Factor::Supervision => 15,
            Factor::Meetings => 15,
            Factor::WeeklyReports => 15,
            Factor::StudyHours => 0,
            Factor::Satisfaction => 0,
        }
    }
}

/// The evaluation's sources not built yet, named on the page as 未启用 so that nobody reads
/// their absence as a zero: each becomes a [`Factor`] when its area lands.
pub const NOT_ENABLED: [&str; 2] = ["信息得分", "调研成果"];

/// Points a yellow card takes off the cards factor.
pub const YELLOW_PENALTY: i64 = 10;
/// Points a red card takes off the cards factor.
pub const RED_PENALTY: i64 = 25;
/// Points each missed supervision progress report takes off the supervision factor.
pub const MISSED_REPORT_PENALTY: i64 = 10;

/// The leader's rating is an adjustment of the total within ±this many points.
pub const RATING_BOUND: i64 = 10;

/// Checks a set of weights (percent per factor): each 0–100, all together 100.
pub fn check_weights(weights: &[(Factor, i64)]) -> Result<(), Invalid> {
    if weights.iter().any(|(_, w)| !(0..=100).contains(w)) {
        return Err(invalid("weights", "每项权重应在 0 至 100 之间"));
    }
    let sum: i64 = weights.iter().map(|(_, w)| w).sum();
    if sum != 100 {
        return Err(invalid(
            "weights",
            format!("各项权重合计应为 100，现为 {sum}"),
        ));
    }
    Ok(())
}

/// Checks the leader's rating: an integer within ±[`RATING_BOUND`].
pub fn check_rating(rating: i64) -> Result<i64, Invalid> {
    if (-RATING_BOUND..=RATING_BOUND).contains(&rating) {
        Ok(rating)
    } else {
        Err(invalid(
            "rating",
            format!("领导评价应在 −{RATING_BOUND} 至 +{RATING_BOUND} 分之间"),
        ))
    }
}

/// A share as a score: `part / whole × 100`, or 100 when nothing was owed.
pub fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        100.0
    } else {
        #[expect(clippy::cast_precision_loss, reason = "counts are small")]
        let r = part as f64 * 100.0 / whole as f64;
        r
    }
}

/// The cards factor's score.
pub fn cards_score(yellow: i64, red: i64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts are small")]
    let s = (100 - yellow * YELLOW_PENALTY - red * RED_PENALTY).max(0) as f64;
    s
}

/// The supervision factor's score from the month's stored scores.
pub fn supervision_score(on_time: i64, late: i64, overdue: i64, missed: i64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts are small")]
    let penalty = (missed * MISSED_REPORT_PENALTY) as f64;
    (rate(on_time, on_time + late + overdue) - penalty).max(0.0)
}

/// A score rounded to two decimals, as shown and as written to the sheet.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The total: (Σ weight × score) ÷ 100 plus the leader's rating, rounded to two decimals;
/// each score is rounded to two decimals first, as the sheet shows it, and the sum is taken
/// in the sheet formula's order (`ROUND((D2*E2+…)/100+N2,2)`), so both give the same number.
pub fn total(parts: &[(i64, f64)], rating: i64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "weights are small")]
    let sum: f64 = parts.iter().map(|(w, s)| *w as f64 * round2(*s)).sum();
    #[expect(clippy::cast_precision_loss, reason = "the rating is small")]
    let r = rating as f64;
    round2(sum / 100.0 + r)
}

// ---------------------------------------------------------------------------------------------
// Weeks and months

/// The Monday of the week holding `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The day a week's report is owed: the week's `weekday` (1 Monday … 7 Sunday).
pub fn report_due(week: NaiveDate, weekday: u32) -> NaiveDate {
    week_start(week) + Duration::days(i64::from(weekday.clamp(1, 7)) - 1)
}

/// Checks the report day (1 Monday … 7 Sunday).
pub fn check_weekday(day: i64) -> Result<u32, Invalid> {
    u32::try_from(day)
        .ok()
        .filter(|d| (1..=7).contains(d))
        .ok_or_else(|| invalid("report_weekday", "报送日应为周一至周日"))
}

/// The Chinese name of a weekday number (1 Monday … 7 Sunday).
pub fn weekday_label(day: u32) -> &'static str {
    match day {
        1 => "周一",
        2 => "周二",
        3 => "周三",
        4 => "周四",
        5 => "周五",
        6 => "周六",
        _ => "周日",
    }
}

/// A month `YYYY-MM` as its first and last day.
pub fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| invalid("month", "月份格式应为 YYYY-MM"))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| invalid("month", "月份不正确"))?;
    Ok((first, last))
}

/// The Mondays of the weeks whose report falls due within `[first, last]`.
pub fn weeks_due_in(first: NaiveDate, last: NaiveDate, weekday: u32) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut monday = week_start(first);
    while monday <= last {
        let due = report_due(monday, weekday);
        if due >= first && due <= last {
            out.push(monday);
        }
        monday += Duration::days(7);
    }
    out
}

/// The month `YYYY-MM` of a date.
pub fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Whether a date is a Monday.
pub fn is_monday(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Mon
}

// ---------------------------------------------------------------------------------------------
// 日安排 and 规章制度

/// Checks an own entry of the day plan: 1–200 characters.
pub fn check_plan_text(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid("text", "请填写安排内容"));
    }
    if t.chars().count() > 200 {
        return Err(invalid("text", "安排内容不超过 200 字"));
    }
    Ok(t.to_owned())
}

/// Checks an entry's optional time, `HH:MM` (24 hours); '' when none.
pub fn check_plan_time(time: &str) -> Result<String, Invalid> {
    let t = time.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    chrono::NaiveTime::parse_from_str(t, "%H:%M")
        .map(|x| x.format("%H:%M").to_string())
        .map_err(|_| invalid("time", "时间格式应为 HH:MM，如 09:30"))
}

/// The last day of a quarter (1–4) of a year: a target's milestone falls due then.
pub fn quarter_end(year: i32, quarter: u32) -> Option<NaiveDate> {
    let next = match quarter {
        1 => NaiveDate::from_ymd_opt(year, 4, 1),
        2 => NaiveDate::from_ymd_opt(year, 7, 1),
        3 => NaiveDate::from_ymd_opt(year, 10, 1),
        4 => NaiveDate::from_ymd_opt(year + 1, 1, 1),
        _ => None,
    };
    next.and_then(|d| d.pred_opt())
}

/// The milestones (quarter 1–4 and its text) of a target whose quarter ends within
/// `[from, to]`; a quarter without text has no milestone.
pub fn milestones_due(
    milestones: &str,
    year: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(u32, NaiveDate, String)> {
    milestones
        .lines()
        .take(4)
        .zip(1u32..)
        .filter_map(|(text, q)| {
            let due = quarter_end(year, q)?;
            let text = text.trim();
            (!text.is_empty() && due >= from && due <= to).then(|| (q, due, text.to_owned()))
        })
        .collect()
}

/// Checks a rule's title: 1–100 characters.
pub fn check_rule_title(title: &str) -> Result<String, Invalid> {
    let t = title.trim();
    if t.is_empty() {
        return Err(invalid("title", "请填写制度名称"));
    }
    if t.chars().count() > 100 {
        return Err(invalid("title", "制度名称不超过 100 字"));
    }
    Ok(t.to_owned())
}

/// Checks a rule's text: 1–50,000 characters.
pub fn check_rule_body(body: &str) -> Result<String, Invalid> {
    let t = body.trim();
    if t.is_empty() {
        return Err(invalid("body", "请填写制度正文"));
    }
    if t.chars().count() > 50_000 {
        return Err(invalid("body", "制度正文不超过 50000 字"));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_cascade_past_a_hundred_percent_is_refused_naming_the_parent() {
        assert!(check_cascade("政务信息报送", 60, 40).is_ok());
        let e = check_cascade("政务信息报送", 60, 41).unwrap_err();
        assert!(e.message.contains("政务信息报送"), "{}", e.message);
        assert!(e.message.contains("101%"), "{}", e.message);
    }

    #[test]
    fn the_default_weights_sum_to_a_hundred() {
        let w: Vec<(Factor, i64)> = Factor::ALL
            .iter()
            .map(|f| (*f, f.default_weight()))
            .collect();
        assert!(check_weights(&w).is_ok());
        assert!(check_weights(&[(Factor::OnTime, 90)]).is_err());
    }

    #[test]
    fn the_total_is_weights_times_scores_plus_the_rating() {
        let t = total(&[(40, 50.0), (60, 100.0)], -3);
        assert!((t - 77.0).abs() < 1e-9);
        assert!((cards_score(1, 1) - 65.0).abs() < 1e-9);
        assert!((cards_score(5, 5) - 0.0).abs() < 1e-9);
        assert!((supervision_score(1, 1, 0, 1) - 40.0).abs() < 1e-9);
        assert!((rate(0, 0) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn weeks_are_counted_in_the_month_their_report_falls_due() {
        // December 2026: Fridays 4, 11, 18, 25.
        let (first, last) = month_bounds("2026-12").unwrap();
        let weeks = weeks_due_in(first, last, 5);
        assert_eq!(
            weeks,
            vec![
                d("2026-11-30"),
                d("2026-12-07"),
                d("2026-12-14"),
                d("2026-12-21")
            ]
        );
        assert_eq!(report_due(d("2026-12-02"), 5), d("2026-12-04"));
        assert!(month_bounds("2026-13").is_err());
    }

    #[test]
    fn measures_take_only_their_own_kind_of_value() {
        assert_eq!(
            MeasureKind::Number.parse_value("v", " 95.5 ").unwrap(),
            "95.5"
        );
        assert!(MeasureKind::Number.parse_value("v", "很多").is_err());
        assert_eq!(MeasureKind::YesNo.parse_value("v", "是").unwrap(), "yes");
        assert!(MeasureKind::Date.parse_value("v", "2027-02-30").is_err());
        assert!(check_rating(11).is_err());
        assert!(check_rating(-10).is_ok());
    }

    #[test]
    fn plan_entries_take_a_short_text_and_an_optional_time() {
        assert_eq!(check_plan_text("  校对文件 ").unwrap(), "校对文件");
        assert!(check_plan_text(" ").is_err());
        assert_eq!(check_plan_time("9:05").unwrap(), "09:05");
        assert_eq!(check_plan_time("").unwrap(), "");
        assert!(check_plan_time("25:00").is_err());
    }

    #[test]
    fn a_milestone_falls_due_at_its_quarters_end() {
        assert_eq!(quarter_end(2026, 4), Some(d("2026-12-31")));
        assert_eq!(quarter_end(2026, 1), Some(d("2026-03-31")));
        let due = milestones_due(
            "30 条\n60 条\n90 条\n120 条",
            2026,
            d("2026-12-28"),
            d("2027-01-03"),
        );
        assert_eq!(due, vec![(4, d("2026-12-31"), "120 条".to_owned())]);
        assert!(milestones_due("a\nb", 2026, d("2026-12-28"), d("2027-01-03")).is_empty());
    }
}
