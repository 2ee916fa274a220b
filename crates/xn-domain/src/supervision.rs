//! 督查督办: supervision items, their report schedule, and the 督查通报.
//!
//! A supervision item (督办事项) follows an instruction, a decision or a target until it is done:
//! a lead unit (牵头单位) with assisting units (配合单位) works it by a deadline, files progress
//! reports on a cycle, and is warned with yellow and red cards when late. This module holds the
//! vocabulary, the validation of a new item, the dates its reports fall due on the working-day
//! calendar, and the text of the periodic bulletin. The process itself is
//! `processes/supervision.toml`, run by the flow engine.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

/// Where an item comes from (督办来源). Its serde name is its stored code; an item given no
/// source is `Other`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// 领导批示.
    Instruction,
    /// 会议议定事项.
    Meeting,
    /// 政府工作报告目标任务.
    WorkReport,
    /// 上级交办.
    Higher,
    /// 群众诉求.
    Citizen,
    /// 其他.
    #[default]
    Other,
}

impl SourceKind {
    /// Every kind, in display order.
    pub const ALL: [SourceKind; 6] = [
        SourceKind::Instruction,
        SourceKind::Meeting,
        SourceKind::WorkReport,
        SourceKind::Higher,
        SourceKind::Citizen,
        SourceKind::Other,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SourceKind::Instruction => "instruction",
            SourceKind::Meeting => "meeting",
            SourceKind::WorkReport => "work_report",
            SourceKind::Higher => "higher",
            SourceKind::Citizen => "citizen",
            SourceKind::Other => "other",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Instruction => "领导批示",
            SourceKind::Meeting => "会议议定事项",
            SourceKind::WorkReport => "政府工作报告目标任务",
            SourceKind::Higher => "上级交办",
            SourceKind::Citizen => "群众诉求",
            SourceKind::Other => "其他",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// How often progress reports are due (报送周期). Its serde name is its stored code; an item
/// given no cycle has `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportCycle {
    /// No periodic report: only the closing application.
    #[default]
    None,
    /// Every week, on a weekday.
    Weekly,
    /// Every second week, on a weekday.
    Biweekly,
    /// Every month, on a day of the month.
    Monthly,
}

impl ReportCycle {
    /// Every cycle, in display order.
    pub const ALL: [ReportCycle; 4] = [
        ReportCycle::None,
        ReportCycle::Weekly,
        ReportCycle::Biweekly,
        ReportCycle::Monthly,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ReportCycle::None => "none",
            ReportCycle::Weekly => "weekly",
            ReportCycle::Biweekly => "biweekly",
            ReportCycle::Monthly => "monthly",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ReportCycle::None => "不定期",
            ReportCycle::Weekly => "每周",
            ReportCycle::Biweekly => "每两周",
            ReportCycle::Monthly => "每月",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<ReportCycle> {
        ReportCycle::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The report day in words, e.g. 每周五 or 每月 25 日.
    pub fn describe(self, day: u32) -> String {
        match self {
            ReportCycle::None => "不定期报送".to_owned(),
            ReportCycle::Weekly | ReportCycle::Biweekly => {
                format!("{}{}报送", self.label(), weekday_name(day))
            }
            ReportCycle::Monthly => format!("每月 {day} 日报送"),
        }
    }
}

fn weekday_name(day: u32) -> &'static str {
    match day {
        1 => "周一",
        2 => "周二",
        3 => "周三",
        4 => "周四",
        _ => "周五",
    }
}

/// How important an item is (重要程度). Its serde name is its stored code; an item given no
/// importance is `Normal`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// 一般.
    #[default]
    Normal,
    /// 重要.
    Important,
    /// 重大紧急.
    Critical,
}

impl Importance {
    /// Every level, in display order.
    pub const ALL: [Importance; 3] = [
        Importance::Normal,
        Importance::Important,
        Importance::Critical,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Importance::Normal => "normal",
            Importance::Important => "important",
            Importance::Critical => "critical",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Importance::Normal => "一般",
            Importance::Important => "重要",
            Importance::Critical => "重大紧急",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<Importance> {
        Importance::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 交办: waiting for the lead unit to sign for it.
    Assigned,
    /// 办理中.
    Handling,
    /// 办结审核: the closing application is with the supervising section.
    Reviewing,
    /// 已销号.
    Closed,
}

impl ItemState {
    /// Every state, in order.
    pub const ALL: [ItemState; 4] = [
        ItemState::Assigned,
        ItemState::Handling,
        ItemState::Reviewing,
        ItemState::Closed,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ItemState::Assigned => "assigned",
            ItemState::Handling => "handling",
            ItemState::Reviewing => "reviewing",
            ItemState::Closed => "closed",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Assigned => "待签收",
            ItemState::Handling => "办理中",
            ItemState::Reviewing => "办结审核中",
            ItemState::Closed => "已销号",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<ItemState> {
        ItemState::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether the lead unit still owes work (the deadline's cards apply).
    pub fn owes_work(self) -> bool {
        matches!(self, ItemState::Assigned | ItemState::Handling)
    }
}

/// A problem with an item as entered, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field.
    pub field: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// The free-text parts of a new item, checked.
pub fn check_texts(title: &str, content: &str, requirements: &str) -> Result<(), Invalid> {
    let title = title.trim();
    if title.is_empty() {
        return Err(invalid("title", "请填写督办事项名称"));
    }
    if title.chars().count() > 100 {
        return Err(invalid("title", "事项名称不能超过 100 字"));
    }
    if content.trim().is_empty() {
        return Err(invalid("content", "请填写督办内容"));
    }
    if content.chars().count() > 5000 {
        return Err(invalid("content", "督办内容不能超过 5000 字"));
    }
    if requirements.chars().count() > 2000 {
        return Err(invalid("requirements", "办理要求不能超过 2000 字"));
    }
    Ok(())
}

/// The report day, checked against its cycle: a weekday 1–5 for weekly and biweekly reports, a
/// day of the month 1–28 for monthly ones.
pub fn check_report_day(cycle: ReportCycle, day: u32) -> Result<u32, Invalid> {
    match cycle {
        ReportCycle::None => Ok(0),
        ReportCycle::Weekly | ReportCycle::Biweekly if (1..=5).contains(&day) => Ok(day),
        ReportCycle::Weekly | ReportCycle::Biweekly => {
            Err(invalid("report_day", "每周报送日应为周一至周五（1–5）"))
        }
        ReportCycle::Monthly if (1..=28).contains(&day) => Ok(day),
        ReportCycle::Monthly => Err(invalid("report_day", "每月报送日应为 1–28 日")),
    }
}

/// The deadline of an item: after `today`, and no later than its parent's.
pub fn check_deadline(
    deadline: NaiveDate,
    today: NaiveDate,
    parent: Option<NaiveDate>,
) -> Result<NaiveDate, Invalid> {
    if deadline < today {
        return Err(invalid(
            "deadline",
            format!("办理时限 {deadline} 早于今天 {today}"),
        ));
    }
    if let Some(p) = parent
        && deadline > p
    {
        return Err(invalid(
            "deadline",
            format!("分解事项的时限 {deadline} 不能晚于上级事项的时限 {p}"),
        ));
    }
    Ok(deadline)
}

/// The dates progress reports fall due, from the day after `from` to `until` inclusive.
///
/// The nominal day is the cycle's weekday (weekly: every week; biweekly: every second week
/// counted from the first) or day of the month; when it is not a working day the report is due on
/// the next working day (遇节假日顺延). Two nominal days moved onto the same working day give one
/// report.
pub fn report_due_dates(
    cal: &Calendar,
    cycle: ReportCycle,
    day: u32,
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<NaiveDate> {
    let mut nominal = Vec::new();
    match cycle {
        ReportCycle::None => return Vec::new(),
        ReportCycle::Weekly | ReportCycle::Biweekly => {
            let target = match day {
                1 => Weekday::Mon,
                2 => Weekday::Tue,
                3 => Weekday::Wed,
                4 => Weekday::Thu,
                _ => Weekday::Fri,
            };
            let step = if cycle == ReportCycle::Weekly { 7 } else { 14 };
            let mut d = from.succ_opt().unwrap_or(from);
            while d.weekday() != target {
                d = d.succ_opt().unwrap_or(d);
            }
            while d <= until {
                nominal.push(d);
                d += chrono::TimeDelta::days(step);
            }
        }
        ReportCycle::Monthly => {
            let (mut y, mut m) = (from.year(), from.month());
            while let Some(d) = NaiveDate::from_ymd_opt(y, m, day) {
                if d > until {
                    break;
                }
                if d > from {
                    nominal.push(d);
                }
                if m == 12 {
                    y += 1;
                    m = 1;
                } else {
                    m += 1;
                }
            }
        }
    }
    let mut out: Vec<NaiveDate> = Vec::new();
    for d in nominal {
        let due = cal.next_working_day(d);
        if due > until {
            break;
        }
        if out.last() != Some(&due) {
            out.push(due);
        }
    }
    out
}

/// One unit's line in the bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    /// The unit's name.
    pub unit: String,
    /// Items it leads that fell due in the period or are still open.
    pub items: i64,
    /// Struck off within their deadline.
    pub on_time: i64,
    /// Struck off after their deadline.
    pub late: i64,
    /// Open and past their deadline.
    pub overdue: i64,
    /// Yellow cards in the period.
    pub yellow: i64,
    /// Red cards in the period.
    pub red: i64,
    /// Progress reports missed in the period.
    pub missed_reports: i64,
}

impl UnitLine {
    /// The on-time rate in percent (items with nothing due count as fully on time).
    pub fn on_time_rate(&self) -> f64 {
        let due = self.on_time + self.late + self.overdue;
        if due == 0 {
            100.0
        } else {
            #[expect(clippy::cast_precision_loss, reason = "counts are small")]
            let r = self.on_time as f64 * 100.0 / due as f64;
            r
        }
    }

    /// Whether the unit is named as late in the bulletin.
    pub fn is_late(&self) -> bool {
        self.late + self.overdue + self.yellow + self.red + self.missed_reports > 0
    }
}

/// An overdue item named in the bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateItem {
    /// The item's title.
    pub title: String,
    /// The lead unit.
    pub unit: String,
    /// The deadline.
    pub deadline: NaiveDate,
    /// Working days past it (as of the end of the period, or its closing).
    pub days_late: i64,
    /// The strongest card: 红牌, 黄牌 or none.
    pub card: Option<&'static str>,
    /// Whether it has been struck off since.
    pub closed: bool,
}

/// The bulletin's figures for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulletin {
    /// The period in words, e.g. 2026年11月.
    pub period: String,
    /// The issuing office's name.
    pub office: String,
    /// Every unit with items, in order.
    pub units: Vec<UnitLine>,
    /// The late items.
    pub late: Vec<LateItem>,
}

/// The heading of the section naming late units: what readers (and tests) look for.
pub const LATE_SECTION: &str = "三、超期事项及亮牌情况";

impl Bulletin {
    /// The title of the 通报.
    pub fn title(&self) -> String {
        format!("关于{}督查督办事项办理情况的通报", self.period)
    }

    /// The body of the 通报, structured with the headings of GB/T 9704 (一、（一）1.).
    pub fn body(&self) -> String {
        let total: i64 = self.units.iter().map(|u| u.items).sum();
        let on_time: i64 = self.units.iter().map(|u| u.on_time).sum();
        let late: i64 = self.units.iter().map(|u| u.late).sum();
        let overdue: i64 = self.units.iter().map(|u| u.overdue).sum();
        let yellow: i64 = self.units.iter().map(|u| u.yellow).sum();
        let red: i64 = self.units.iter().map(|u| u.red).sum();
        let missed: i64 = self.units.iter().map(|u| u.missed_reports).sum();
        let mut p: Vec<String> = Vec::new();
        p.push(format!(
            "为推动各项决策部署落到实处，{}对{}督查督办事项的办理情况进行了跟踪督查。现将有关情况通报如下：",
            self.office, self.period
        ));
        p.push("一、总体情况".to_owned());
        p.push(format!(
            "本期共跟踪督办事项 {total} 项，按期办结 {on_time} 项，逾期办结 {late} 项，超期未办结 {overdue} 项；亮黄牌 {yellow} 张、红牌 {red} 张，未按期报送进展 {missed} 次。"
        ));
        p.push("二、各单位办理情况".to_owned());
        for (i, u) in self.units.iter().enumerate() {
            p.push(format!(
                "（{}）{}：牵头办理 {} 项，按期办结 {} 项，逾期办结 {} 项，超期未办结 {} 项，按期办结率 {:.1}%。",
                chinese_number(i + 1),
                u.unit,
                u.items,
                u.on_time,
                u.late,
                u.overdue,
                u.on_time_rate()
            ));
        }
        p.push(LATE_SECTION.to_owned());
        let late_units: Vec<&UnitLine> = self.units.iter().filter(|u| u.is_late()).collect();
        if late_units.is_empty() {
            p.push("本期各单位均按期办理，未出现超期事项。".to_owned());
        } else {
            let names: Vec<&str> = late_units.iter().map(|u| u.unit.as_str()).collect();
            p.push(format!("本期存在超期情况的单位：{}。", names.join("、")));
            for (i, it) in self.late.iter().enumerate() {
                let card = it.card.map(|c| format!("，亮{c}")).unwrap_or_default();
                let state = if it.closed {
                    "已逾期办结"
                } else {
                    "尚未办结"
                };
                p.push(format!(
                    "{}.「{}」（牵头单位：{}），办理时限 {}，超期 {} 个工作日，{state}{card}。",
                    i + 1,
                    it.title,
                    it.unit,
                    it.deadline.format("%Y年%-m月%-d日"),
                    it.days_late
                ));
            }
            for u in &late_units {
                if u.missed_reports > 0 {
                    p.push(format!(
                        "{}未按期报送进展 {} 次。",
                        u.unit, u.missed_reports
                    ));
                }
            }
        }
        p.push("四、工作要求".to_owned());
        p.push("各单位要对照督办事项逐项抓好落实，按时报送办理进展。被通报单位要认真分析原因，限期整改，并将整改情况报督查部门。".to_owned());
        p.join("\n\n")
    }
}

/// 一, 二, … 九十九 for the numbering of （一） headings.
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn the_choices_read_and_write_as_their_stored_codes() {
        let json = |v: serde_json::Value| v.as_str().map(str::to_owned);
        for k in SourceKind::ALL {
            assert_eq!(json(serde_json::json!(k)).as_deref(), Some(k.code()));
        }
        for c in ReportCycle::ALL {
            assert_eq!(json(serde_json::json!(c)).as_deref(), Some(c.code()));
        }
        for i in Importance::ALL {
            assert_eq!(json(serde_json::json!(i)).as_deref(), Some(i.code()));
        }
        let parsed: Option<ReportCycle> = serde_json::from_str("\"biweekly\"").ok();
        assert_eq!(parsed, Some(ReportCycle::Biweekly));
        assert_eq!(
            (
                SourceKind::default(),
                ReportCycle::default(),
                Importance::default()
            ),
            (SourceKind::Other, ReportCycle::None, Importance::Normal)
        );
    }

    #[test]
    fn weekly_reports_skip_to_the_next_working_day_over_national_day() {
        let cal = Calendar::shipped();
        // 2026: 09-25 (Friday) is 中秋; 10-01..10-07 off (国庆).
        let dates = report_due_dates(
            &cal,
            ReportCycle::Weekly,
            5,
            d("2026-09-21"),
            d("2026-10-20"),
        );
        // Fridays 09-25 (→ Monday 09-28), 10-02 (→ the first working day after 国庆, 10-08),
        // 10-09, 10-16.
        assert_eq!(
            dates,
            vec![
                d("2026-09-28"),
                d("2026-10-08"),
                d("2026-10-09"),
                d("2026-10-16")
            ]
        );
    }

    #[test]
    fn biweekly_and_monthly() {
        let cal = Calendar::shipped();
        let dates = report_due_dates(
            &cal,
            ReportCycle::Biweekly,
            3,
            d("2026-11-02"),
            d("2026-12-31"),
        );
        assert_eq!(
            dates,
            vec![
                d("2026-11-04"),
                d("2026-11-18"),
                d("2026-12-02"),
                d("2026-12-16"),
                d("2026-12-30")
            ]
        );
        let dates = report_due_dates(
            &cal,
            ReportCycle::Monthly,
            25,
            d("2026-09-01"),
            d("2026-12-31"),
        );
        // 2026-10-25 is a Sunday → Monday the 26th.
        // 09-25 is 中秋 → 09-28.
        assert_eq!(
            dates,
            vec![
                d("2026-09-28"),
                d("2026-10-26"),
                d("2026-11-25"),
                d("2026-12-25")
            ]
        );
        assert!(
            report_due_dates(&cal, ReportCycle::None, 0, d("2026-01-01"), d("2026-12-31"))
                .is_empty()
        );
    }

    #[test]
    fn checks() {
        assert!(check_report_day(ReportCycle::Weekly, 6).is_err());
        assert!(check_report_day(ReportCycle::Monthly, 31).is_err());
        assert_eq!(check_report_day(ReportCycle::Monthly, 28), Ok(28));
        assert!(check_deadline(d("2026-11-30"), d("2026-12-01"), None).is_err());
        assert!(check_deadline(d("2026-12-30"), d("2026-12-01"), Some(d("2026-12-20"))).is_err());
        assert!(check_deadline(d("2026-12-20"), d("2026-12-01"), Some(d("2026-12-20"))).is_ok());
        assert!(check_texts("", "x", "").is_err());
        assert!(check_texts("标题", " ", "").is_err());
    }

    #[test]
    fn the_bulletin_names_only_late_units() {
        let b = Bulletin {
            period: "2026年11月".into(),
            office: "东川市人民政府办公室".into(),
            units: vec![
                UnitLine {
                    unit: "秘书股".into(),
                    items: 1,
                    on_time: 1,
                    late: 0,
                    overdue: 0,
                    yellow: 0,
                    red: 0,
                    missed_reports: 0,
                },
                UnitLine {
                    unit: "综合股".into(),
                    items: 1,
                    on_time: 0,
                    late: 0,
                    overdue: 1,
                    yellow: 1,
                    red: 1,
                    missed_reports: 1,
                },
            ],
            late: vec![LateItem {
                title: "道路整治".into(),
                unit: "综合股".into(),
                deadline: d("2026-11-20"),
                days_late: 4,
                card: Some("红牌"),
                closed: false,
            }],
        };
        let body = b.body();
        let late = body.split(LATE_SECTION).nth(1).unwrap_or_default();
        let late = late.split("四、").next().unwrap_or_default();
        assert!(late.contains("综合股"));
        assert!(!late.contains("秘书股"));
        assert!(body.contains("按期办结率 100.0%"));
        assert!(body.contains("按期办结率 0.0%"));
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
    }
}
