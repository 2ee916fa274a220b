//! 效能: the rules of the efficiency figures, without a database. A period (day, ISO week,
//! month, year in Beijing time), the facts of one period (steps, cases, cards, urges, pauses,
//! the service area's answers), the figures computed from them on the working-day calendar,
//! and the composite that ranks units.
//!
//! **What counts** (the "how this was counted" view repeats it in words):
//! - A *step* is a flow task of kind 待办 held by a post (待阅 are not work owed; the starter's
//!   own first submission, done as the case starts, is not a step either). It is *received*
//!   when it reaches its holder, *done* when its holder completes or returns it; a step taken
//!   away (转办, 委派, 减签) or made unnecessary (another signer decided, a withdrawal) was not
//!   the holder's work and is neither done nor open.
//! - A step is *on time* when done by its deadline instant (the flow's, moved by a pause or an
//!   approved extension); a step without a deadline is on time. Its *working days* are those
//!   from the Beijing day it arrived to the day it was done (the day of arrival not counted),
//!   less the working days its case stood paused meanwhile.
//! - A step is *open at the end* of a period when it had arrived and was not yet done at the
//!   period's last instant and its case was not paused then; its age is counted the same way.
//! - A *case* counts for the unit it belongs to: received when started, closed when it ended;
//!   closed on time when it ended on or before its own deadline day. A step that overran its
//!   limit inside a case that ended on time is a late step and not a late case.
//! - Cards, urges and returns count for the post that got (or, for a return, made) them, at
//!   the instant they happened; the service area's answers for the lead unit, on the day the
//!   request was closed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, NaiveTime, Utc};

use crate::calendar::{Calendar, business_date};

/// The version of these rules stored beside every figure, so a later change of rule shows in
/// `recompute` as a rule change and not as tampering.
pub const RULES: &str = "v1";

/// A period of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// One Beijing day.
    Day(NaiveDate),
    /// An ISO week (Monday to Sunday).
    Week(i32, u32),
    /// A calendar month.
    Month(i32, u32),
    /// A calendar year.
    Year(i32),
}

/// Why a period's text is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPeriod(pub String);

impl std::fmt::Display for BadPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "期间「{}」无效：应为 2026-10（月）、2026-W41（周）、2026-10-08（日）或 2026（年）",
            self.0
        )
    }
}

impl Period {
    /// Reads `2026-10-08`, `2026-W41`, `2026-10` or `2026`.
    pub fn parse(s: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod(s.to_owned());
        let s = s.trim();
        let p = if let Some((y, w)) = s.split_once("-W") {
            let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
            NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?;
            Period::Week(y, w)
        } else {
            match s.len() {
                4 => Period::Year(s.parse().map_err(|_| bad())?),
                7 => {
                    let d = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
                        .map_err(|_| bad())?;
                    Period::Month(d.year(), d.month())
                }
                10 => Period::Day(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?),
                _ => return Err(bad()),
            }
        };
        if !(2000..=2100).contains(&p.first_day().year()) {
            return Err(bad());
        }
        Ok(p)
    }

    /// The month a day falls in.
    pub fn month_of(d: NaiveDate) -> Period {
        Period::Month(d.year(), d.month())
    }

    /// The ISO week a day falls in.
    pub fn week_of(d: NaiveDate) -> Period {
        let w: IsoWeek = d.iso_week();
        Period::Week(w.year(), w.week())
    }

    /// The stored text.
    pub fn code(&self) -> String {
        match self {
            Period::Day(d) => d.format("%Y-%m-%d").to_string(),
            Period::Week(y, w) => format!("{y}-W{w:02}"),
            Period::Month(y, m) => format!("{y}-{m:02}"),
            Period::Year(y) => format!("{y}"),
        }
    }

    /// In words: 2026年10月8日, 2026年第41周, 2026年10月, 2026年.
    pub fn label(&self) -> String {
        match self {
            Period::Day(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            Period::Week(y, w) => format!("{y}年第{w}周"),
            Period::Month(y, m) => format!("{y}年{m}月"),
            Period::Year(y) => format!("{y}年"),
        }
    }

    /// Its first day.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Period::Day(d) => d,
            Period::Week(y, w) => {
                NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).unwrap_or(NaiveDate::MIN)
            }
            Period::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN),
            Period::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN),
        }
    }

    /// Its last day.
    pub fn last_day(&self) -> NaiveDate {
        match *self {
            Period::Day(d) => d,
            Period::Week(..) => self.first_day() + Duration::days(6),
            Period::Month(..) => {
                let f = self.first_day();
                let next = if f.month() == 12 {
                    NaiveDate::from_ymd_opt(f.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(f.year(), f.month() + 1, 1)
                };
                next.map_or(f, |n| n - Duration::days(1))
            }
            Period::Year(y) => NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }

    /// Its instants, `[start, end)` in epoch milliseconds: Beijing midnight to midnight.
    pub fn bounds_ms(&self) -> (i64, i64) {
        (
            beijing_midnight(self.first_day()),
            beijing_midnight(self.last_day() + Duration::days(1)),
        )
    }

    /// Whether it has ended by the Beijing day `today` (its last day is before it).
    pub fn ended_by(&self, today: NaiveDate) -> bool {
        self.last_day() < today
    }

    /// The one before it, of the same kind.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Day(d) => Period::Day(d - Duration::days(1)),
            Period::Week(..) => Period::week_of(self.first_day() - Duration::days(7)),
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The same period a year before (a month: the same month; a week: the same week number).
    pub fn year_before(&self) -> Period {
        match *self {
            Period::Day(d) => {
                Period::Day(d.with_year(d.year() - 1).unwrap_or(d - Duration::days(365)))
            }
            Period::Week(y, w) => {
                if NaiveDate::from_isoywd_opt(y - 1, w, chrono::Weekday::Mon).is_some() {
                    Period::Week(y - 1, w)
                } else {
                    Period::Week(y - 1, 52)
                }
            }
            Period::Month(y, m) => Period::Month(y - 1, m),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The periods that end with the day `d`: the day itself, its week on a Sunday, its month
    /// on its last day, its year on 31 December.
    pub fn ending_on(d: NaiveDate) -> Vec<Period> {
        let mut out = vec![Period::Day(d)];
        let week = Period::week_of(d);
        if week.last_day() == d {
            out.push(week);
        }
        let month = Period::month_of(d);
        if month.last_day() == d {
            out.push(month);
        }
        if d.month() == 12 && d.day() == 31 {
            out.push(Period::Year(d.year()));
        }
        out
    }
}

/// The instant a Beijing day begins, in epoch milliseconds.
pub fn beijing_midnight(d: NaiveDate) -> i64 {
    crate::calendar::hours::from_shanghai_local(d.and_time(NaiveTime::MIN)).timestamp_millis()
}

fn day_of(ms: i64) -> NaiveDate {
    business_date(DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default())
}

/// One step (a 待办 task) that lived during the period.
#[derive(Debug, Clone)]
pub struct StepFact {
    /// The case.
    pub case_id: i64,
    /// The holder.
    pub post_id: i64,
    /// The holder's unit.
    pub unit_id: i64,
    /// The task's state code (`open`, `done`, `returned` …).
    pub state: String,
    /// The process's key.
    pub process_key: String,
    /// The step's id.
    pub step_id: String,
    /// The step's name.
    pub step_name: String,
    /// When it reached its holder (ms).
    pub created_at: i64,
    /// When its holder acted on it (ms).
    pub acted_at: Option<i64>,
    /// The deadline instant (ms).
    pub due_at: Option<i64>,
}

impl StepFact {
    /// Whether its holder did it (completed or returned).
    pub fn worked(&self) -> bool {
        matches!(self.state.as_str(), "done" | "returned")
    }

    /// Whether it was still the holder's to do: open now, or done later.
    fn live(&self) -> bool {
        self.state == "open" || self.worked()
    }
}

/// One case of a unit.
#[derive(Debug, Clone)]
pub struct CaseFact {
    /// The case.
    pub case_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// Started (ms).
    pub created_at: i64,
    /// Ended (ms).
    pub closed_at: Option<i64>,
    /// Its own deadline day.
    pub due_date: Option<NaiveDate>,
}

/// Something that happened to a post at an instant: a card, an urge.
#[derive(Debug, Clone, Copy)]
pub struct PostMark {
    /// The post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// What: yellow, red, urge.
    pub mark: Mark,
}

/// Kinds of [`PostMark`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// 黄牌.
    Yellow,
    /// 红牌.
    Red,
    /// 催办.
    Urge,
    /// A service request returned (退单) by the post.
    ServiceReturn,
    /// A 效能投诉 found upheld (成立, 部分成立) against the post (or, with post 0, the unit).
    ComplaintUpheld,
    /// A 预警纠错 alert raised for the post (or, with post 0, the unit).
    Alert,
}

/// One service request closed in the period, for its lead unit.
#[derive(Debug, Clone)]
pub struct ServiceFact {
    /// The lead unit.
    pub unit_id: i64,
    /// `satisfied`, `basically`, `unsatisfied` or `unrated`.
    pub outcome: String,
    /// Times redone (重办).
    pub reworks: i64,
}

/// Everything a period's figures are computed from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Steps alive during the period.
    pub steps: Vec<StepFact>,
    /// Cases started or ended during it.
    pub cases: Vec<CaseFact>,
    /// Cards, urges, 退单 in the period.
    pub marks: Vec<PostMark>,
    /// Service requests closed in it.
    pub service: Vec<ServiceFact>,
    /// Pauses of cases: (case, paused at, resumed at or none) in ms.
    pub pauses: Vec<(i64, i64, Option<i64>)>,
    /// Each unit's parent.
    pub parents: HashMap<i64, Option<i64>>,
}

/// The figures of one unit (its subtree) or one post in one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[expect(
    missing_docs,
    reason = "each field is named for its figure; the module says what counts"
)]
pub struct Figures {
    pub steps_received: i64,
    pub steps_done: i64,
    pub steps_on_time: i64,
    pub step_days_sum: i64,
    pub step_days_p90: i64,
    pub cases_received: i64,
    pub cases_closed: i64,
    pub cases_due: i64,
    pub cases_on_time: i64,
    pub open_end: i64,
    pub open_overdue: i64,
    pub age_0_2: i64,
    pub age_3_5: i64,
    pub age_6_10: i64,
    pub age_over_10: i64,
    pub yellow: i64,
    pub red: i64,
    pub returned: i64,
    pub urged: i64,
    pub service_rated: i64,
    pub service_satisfied: i64,
    pub service_reworks: i64,
    pub service_returns: i64,
    pub complaints_upheld: i64,
    pub alerts_raised: i64,
}

impl Figures {
    /// The figures as (code, value) pairs in stored column order.
    pub fn pairs(&self) -> [(&'static str, i64); 25] {
        [
            ("steps_received", self.steps_received),
            ("steps_done", self.steps_done),
            ("steps_on_time", self.steps_on_time),
            ("step_days_sum", self.step_days_sum),
            ("step_days_p90", self.step_days_p90),
            ("cases_received", self.cases_received),
            ("cases_closed", self.cases_closed),
            ("cases_due", self.cases_due),
            ("cases_on_time", self.cases_on_time),
            ("open_end", self.open_end),
            ("open_overdue", self.open_overdue),
            ("age_0_2", self.age_0_2),
            ("age_3_5", self.age_3_5),
            ("age_6_10", self.age_6_10),
            ("age_over_10", self.age_over_10),
            ("yellow", self.yellow),
            ("red", self.red),
            ("returned", self.returned),
            ("urged", self.urged),
            ("service_rated", self.service_rated),
            ("service_satisfied", self.service_satisfied),
            ("service_reworks", self.service_reworks),
            ("service_returns", self.service_returns),
            ("complaints_upheld", self.complaints_upheld),
            ("alerts_raised", self.alerts_raised),
        ]
    }

    /// Whether nothing at all was counted.
    pub fn is_empty(&self) -> bool {
        self.pairs().iter().all(|(_, v)| *v == 0)
    }

    /// 办理及时率 (steps done on time over steps done), percent; none when nothing was done.
    pub fn step_rate(&self) -> Option<f64> {
        ratio(self.steps_on_time, self.steps_done)
    }

    /// 按时办结率 (cases with a deadline ended by it over those ended), percent.
    pub fn case_rate(&self) -> Option<f64> {
        ratio(self.cases_on_time, self.cases_due)
    }

    /// Average working days per step done.
    pub fn step_days_avg(&self) -> Option<f64> {
        (self.steps_done > 0).then(|| round2(self.step_days_sum as f64 / self.steps_done as f64))
    }

    /// 满意率 (满意 and 基本满意 over rated), percent.
    pub fn satisfaction(&self) -> Option<f64> {
        ratio(self.service_satisfied, self.service_rated)
    }
}

pub(crate) fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round2(100.0 * part as f64 / whole as f64))
}

/// Rounded to two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The 90th percentile by nearest rank (the smallest value with at least 90 % of the values at
/// or below it); 0 for none.
pub fn p90(values: &mut [i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = (values.len() * 9).div_ceil(10).max(1);
    values[rank - 1]
}

/// Figures per kind of step within a unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StepKindFigures {
    /// The step's name.
    pub step_name: String,
    /// Done.
    pub done: i64,
    /// Done on time.
    pub on_time: i64,
    /// Working days, summed.
    pub days_sum: i64,
    /// Working days, 90th percentile.
    pub days_p90: i64,
}

/// A period's figures: per unit (its subtree), per post, and per unit and kind of step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodFigures {
    /// Unit → figures of its subtree.
    pub units: BTreeMap<i64, Figures>,
    /// (unit, post) → figures of the post.
    pub posts: BTreeMap<(i64, i64), Figures>,
    /// (unit, process key, step id) → figures of that kind of step in the unit's subtree.
    pub steps: BTreeMap<(i64, String, String), StepKindFigures>,
}

/// How one step counted in a period: what the "how this was counted" view lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCount {
    /// Reached its holder in the period.
    pub received: bool,
    /// Done in the period.
    pub done: bool,
    /// Done on time (when done).
    pub on_time: bool,
    /// Working days taken (when done) or waited (when open at the end).
    pub days: i64,
    /// Open at the period's end.
    pub open_end: bool,
    /// Open at the end and past its deadline.
    pub overdue_end: bool,
    /// Returned by its holder in the period.
    pub returned: bool,
}

/// Working days between two instants' Beijing days, less the working days the case stood
/// paused within them.
fn working_days(cal: &Calendar, from: i64, to: i64, pauses: &[(i64, Option<i64>)]) -> i64 {
    let whole = cal.working_days_between(day_of(from), day_of(to)).max(0);
    let paused: i64 = pauses
        .iter()
        .map(|&(p, r)| {
            let (a, b) = (p.max(from), r.unwrap_or(to).min(to));
            if a >= b {
                0
            } else {
                cal.working_days_between(day_of(a), day_of(b)).max(0)
            }
        })
        .sum();
    (whole - paused).max(0)
}

/// How one step counts in the period `[start, end)`.
pub fn count_step(
    cal: &Calendar,
    s: &StepFact,
    start: i64,
    end: i64,
    pauses: &[(i64, Option<i64>)],
) -> StepCount {
    let received = s.live() && (start..end).contains(&s.created_at);
    let done_at = s.acted_at.filter(|_| s.worked());
    let done = done_at.is_some_and(|a| (start..end).contains(&a));
    let on_time = match (done_at, s.due_at) {
        (Some(a), Some(due)) => a <= due,
        _ => true,
    };
    let paused_at_end = pauses
        .iter()
        .any(|&(p, r)| p < end && r.is_none_or(|r| r >= end));
    let open_end =
        s.live() && s.created_at < end && done_at.is_none_or(|a| a >= end) && !paused_at_end;
    let overdue_end = open_end && s.due_at.is_some_and(|d| d < end);
    let days = if done {
        working_days(cal, s.created_at, done_at.unwrap_or(end), pauses)
    } else if open_end {
        working_days(cal, s.created_at, end - 1, pauses)
    } else {
        0
    };
    StepCount {
        received,
        done,
        on_time: done && on_time,
        days,
        open_end,
        overdue_end,
        returned: done && s.state == "returned",
    }
}

/// The units a unit counts for: itself and every unit above it.
pub fn lineage(parents: &HashMap<i64, Option<i64>>, unit: i64) -> Vec<i64> {
    let mut out = vec![unit];
    let mut at = unit;
    while let Some(Some(p)) = parents.get(&at) {
        if out.contains(p) {
            break;
        }
        out.push(*p);
        at = *p;
    }
    out
}

impl Facts {
    /// Each case's pauses: (paused at, resumed at or none).
    fn pauses_by_case(&self) -> HashMap<i64, Vec<(i64, Option<i64>)>> {
        let mut out: HashMap<i64, Vec<(i64, Option<i64>)>> = HashMap::new();
        for &(case, at, until) in &self.pauses {
            out.entry(case).or_default().push((at, until));
        }
        out
    }

    /// How each step held in `unit`'s subtree counts in `[start, end)`: the steps behind a
    /// unit's figures, for the "how this was counted" view and the 通报's late steps.
    pub fn steps_of(
        &self,
        cal: &Calendar,
        (start, end): (i64, i64),
        unit: i64,
    ) -> Vec<(&StepFact, StepCount)> {
        let pauses = self.pauses_by_case();
        self.steps
            .iter()
            .filter(|s| lineage(&self.parents, s.unit_id).contains(&unit))
            .map(|s| {
                let k = count_step(
                    cal,
                    s,
                    start,
                    end,
                    pauses.get(&s.case_id).map_or(&[], Vec::as_slice),
                );
                (s, k)
            })
            .collect()
    }
}

/// The figures of the instants `[start, end)` (a period's bounds, or a period still running
/// cut at the present instant) from their facts.
pub fn compute(cal: &Calendar, (start, end): (i64, i64), facts: &Facts) -> PeriodFigures {
    let mut out = PeriodFigures::default();
    let pauses = facts.pauses_by_case();
    let mut lineages: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut lineage_of = |unit: i64| {
        lineages
            .entry(unit)
            .or_insert_with(|| lineage(&facts.parents, unit))
            .clone()
    };
    let mut unit_days: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut post_days: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
    let mut kind_days: HashMap<(i64, String, String), Vec<i64>> = HashMap::new();
    for s in &facts.steps {
        let c = count_step(
            cal,
            s,
            start,
            end,
            pauses.get(&s.case_id).map_or(&[], Vec::as_slice),
        );
        if !(c.received || c.done || c.open_end) {
            continue;
        }
        let add = |f: &mut Figures| {
            f.steps_received += i64::from(c.received);
            if c.done {
                f.steps_done += 1;
                f.steps_on_time += i64::from(c.on_time);
                f.step_days_sum += c.days;
                f.returned += i64::from(c.returned);
            }
            if c.open_end {
                f.open_end += 1;
                f.open_overdue += i64::from(c.overdue_end);
                match c.days {
                    0..=2 => f.age_0_2 += 1,
                    3..=5 => f.age_3_5 += 1,
                    6..=10 => f.age_6_10 += 1,
                    _ => f.age_over_10 += 1,
                }
            }
        };
        add(out.posts.entry((s.unit_id, s.post_id)).or_default());
        if c.done {
            post_days
                .entry((s.unit_id, s.post_id))
                .or_default()
                .push(c.days);
        }
        for u in lineage_of(s.unit_id) {
            add(out.units.entry(u).or_default());
            if c.done {
                unit_days.entry(u).or_default().push(c.days);
                let key = (u, s.process_key.clone(), s.step_id.clone());
                kind_days.entry(key.clone()).or_default().push(c.days);
                let k = out.steps.entry(key).or_default();
                k.step_name.clone_from(&s.step_name);
                k.done += 1;
                k.on_time += i64::from(c.on_time);
                k.days_sum += c.days;
            }
        }
    }
    for c in &facts.cases {
        let received = (start..end).contains(&c.created_at);
        let closed = c.closed_at.is_some_and(|a| (start..end).contains(&a));
        if !received && !closed {
            continue;
        }
        let on_time = match (c.closed_at, c.due_date) {
            (Some(a), Some(due)) => day_of(a) <= due,
            _ => false,
        };
        for u in lineage_of(c.unit_id) {
            let f = out.units.entry(u).or_default();
            f.cases_received += i64::from(received);
            if closed {
                f.cases_closed += 1;
                if c.due_date.is_some() {
                    f.cases_due += 1;
                    f.cases_on_time += i64::from(on_time);
                }
            }
        }
    }
    for m in &facts.marks {
        let add = |f: &mut Figures| match m.mark {
            Mark::Yellow => f.yellow += 1,
            Mark::Red => f.red += 1,
            Mark::Urge => f.urged += 1,
            Mark::ServiceReturn => f.service_returns += 1,
            Mark::ComplaintUpheld => f.complaints_upheld += 1,
            Mark::Alert => f.alerts_raised += 1,
        };
        if m.post_id != 0 {
            add(out.posts.entry((m.unit_id, m.post_id)).or_default());
        }
        for u in lineage_of(m.unit_id) {
            add(out.units.entry(u).or_default());
        }
    }
    for s in &facts.service {
        let rated = matches!(
            s.outcome.as_str(),
            "satisfied" | "basically" | "unsatisfied"
        );
        let satisfied = matches!(s.outcome.as_str(), "satisfied" | "basically");
        for u in lineage_of(s.unit_id) {
            let f = out.units.entry(u).or_default();
            f.service_rated += i64::from(rated);
            f.service_satisfied += i64::from(satisfied);
            f.service_reworks += s.reworks;
        }
    }
    for (k, mut v) in unit_days {
        if let Some(f) = out.units.get_mut(&k) {
            f.step_days_p90 = p90(&mut v);
        }
    }
    for (k, mut v) in post_days {
        if let Some(f) = out.posts.get_mut(&k) {
            f.step_days_p90 = p90(&mut v);
        }
    }
    for (k, mut v) in kind_days {
        if let Some(f) = out.steps.get_mut(&k) {
            f.days_p90 = p90(&mut v);
        }
    }
    out
}

mod bulletin;
mod composite;

pub use bulletin::{BULLETIN_LATE_SECTION, BulletinLine, EfficiencyBulletin, LateStep};
pub use composite::{BadWeights, Factor, check_weights, composite};

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn periods_read_write_and_bound_in_beijing_time() {
        let m = Period::parse("2026-10").unwrap();
        assert_eq!(m, Period::Month(2026, 10));
        assert_eq!(m.code(), "2026-10");
        assert_eq!(m.last_day().to_string(), "2026-10-31");
        let (a, b) = m.bounds_ms();
        assert_eq!(a, ms("2026-09-30T16:00:00Z"));
        assert_eq!(b, ms("2026-10-31T16:00:00Z"));
        let w = Period::parse("2026-W41").unwrap();
        assert_eq!(w.first_day().to_string(), "2026-10-05");
        assert_eq!(w.code(), "2026-W41");
        assert_eq!(
            Period::parse("2026-10-08").unwrap().label(),
            "2026年10月8日"
        );
        assert_eq!(Period::Month(2026, 1).previous(), Period::Month(2025, 12));
        assert_eq!(
            Period::Month(2026, 10).year_before(),
            Period::Month(2025, 10)
        );
        for bad in ["2026-13", "2026-W60", "26-10", "", "2026-1-1", "1900"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let d: NaiveDate = "2026-05-31".parse().unwrap();
        assert_eq!(
            Period::ending_on(d),
            vec![
                Period::Day(d),
                Period::Week(2026, 22),
                Period::Month(2026, 5)
            ]
        );
    }

    #[test]
    fn the_90th_percentile_is_by_nearest_rank() {
        assert_eq!(p90(&mut []), 0);
        assert_eq!(p90(&mut [3]), 3);
        assert_eq!(p90(&mut [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 9);
        assert_eq!(p90(&mut [5, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]), 10);
    }

    #[test]
    fn a_paused_step_does_not_age_while_its_case_stands_still() {
        let cal = Calendar::shipped();
        // Arrived Monday 2026-10-12, done Friday 10-16: 4 working days, less the 2 its case
        // was paused (Tuesday to Thursday).
        let s = StepFact {
            case_id: 1,
            post_id: 1,
            unit_id: 1,
            state: "done".into(),
            process_key: "p".into(),
            step_id: "s".into(),
            step_name: "审核".into(),
            created_at: ms("2026-10-12T02:00:00Z"),
            acted_at: Some(ms("2026-10-16T02:00:00Z")),
            due_at: None,
        };
        let (start, end) = Period::Month(2026, 10).bounds_ms();
        let pauses = [(ms("2026-10-13T02:00:00Z"), Some(ms("2026-10-15T02:00:00Z")))];
        let c = count_step(&cal, &s, start, end, &pauses);
        assert!(c.done && c.on_time && c.received);
        assert_eq!(c.days, 2);
        assert_eq!(count_step(&cal, &s, start, end, &[]).days, 4);
    }

    #[test]
    fn a_complaint_without_a_post_counts_for_its_unit_and_every_unit_above() {
        let facts = Facts {
            marks: vec![
                PostMark {
                    post_id: 0,
                    unit_id: 3,
                    mark: Mark::ComplaintUpheld,
                },
                PostMark {
                    post_id: 9,
                    unit_id: 3,
                    mark: Mark::Alert,
                },
            ],
            parents: HashMap::from([(3, Some(2)), (2, Some(1)), (1, None)]),
            ..Facts::default()
        };
        let f = compute(
            &Calendar::shipped(),
            Period::Month(2026, 10).bounds_ms(),
            &facts,
        );
        for u in [1, 2, 3] {
            assert_eq!(f.units[&u].complaints_upheld, 1);
            assert_eq!(f.units[&u].alerts_raised, 1);
        }
        // No row for "post 0": that key is the unit's own.
        assert_eq!(f.posts.keys().copied().collect::<Vec<_>>(), vec![(3, 9)]);
        assert_eq!(f.posts[&(3, 9)].alerts_raised, 1);
    }
}
