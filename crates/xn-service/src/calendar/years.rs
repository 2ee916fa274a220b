//! The years of the calendar: as listed and as one year's page shows them, their data in JSON,
//! and changing them: editing a year's TOML, reading a pasted notice, importing a year file from
//! the console. Every save recomputes the deadlines it moves in the same transaction.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::{
    Calendar, DayKind, HolidaySpan, MakeupDay, Source, YearData, parse_notice,
};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::calendar::{CalendarYearRow, NewCalendarYear};

use super::deadlines::{recompute, recompute_deadlines, to_registered};
use super::in_force::{build_calendar, row_texts};
use super::{
    CONSOLE, DeadlineChange, MAX_DAYS, RegisteredDeadline, YEAR_RANGE, business_date, check_year,
    day_label,
};
use crate::events::{Audit, record};
use crate::{Actor, Result, ServiceError, Services, ms, require};

/// Where a year's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum YearOrigin {
    /// Shipped with xiaoneng.
    Shipped,
    /// Saved by an administrator on a page or through the API.
    Admin,
    /// Imported from the server's console.
    Console,
    /// No data: only weekends are known.
    None,
}

impl YearOrigin {
    /// In Chinese, for pages.
    pub fn label(self) -> &'static str {
        match self {
            YearOrigin::Shipped => "随版本发布",
            YearOrigin::Admin => "管理员更新",
            YearOrigin::Console => "控制台导入",
            YearOrigin::None => "无数据",
        }
    }
}

/// One year of the calendar as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearSummary {
    /// The year.
    pub year: i32,
    /// True when no published notice is loaded for the year (no data, or data marked
    /// provisional): its deadlines may still move.
    pub provisional: bool,
    /// Whether any data is loaded (without data only weekends are off).
    pub loaded: bool,
    /// The notice's title.
    pub title: String,
    /// The notice's 文号.
    pub number: String,
    /// The date the notice bears.
    #[schema(value_type = Option<String>, format = Date)]
    pub published: Option<NaiveDate>,
    /// Titles of later notices that changed the arrangement.
    pub amendments: Vec<String>,
    /// Number of holiday blocks.
    pub holidays: usize,
    /// Number of days off in those blocks.
    pub holiday_days: i64,
    /// Number of make-up working days (调休上班).
    pub workdays: usize,
    /// Where the data comes from.
    pub origin: YearOrigin,
    /// Epoch ms of the last save, when saved after shipping.
    pub updated_at: Option<i64>,
    /// Who saved it last.
    pub updated_by: Option<String>,
}

impl YearSummary {
    /// The state in Chinese: 已发布, 暂定, 未发布.
    pub fn state_label(&self) -> &'static str {
        match (self.loaded, self.provisional) {
            (false, _) => "未发布（仅按周末计算）",
            (true, true) => "暂定",
            (true, false) => "已发布",
        }
    }
}

/// One day as the API gives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = calendar::DayView)]
pub struct DayView {
    /// The date.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Whether the office works.
    pub workday: bool,
    /// `workday`, `weekend`, `holiday` or `make_up_workday`.
    pub kind: String,
    /// The holiday's name on holidays and make-up days.
    pub name: Option<String>,
    /// True when the date's year has no published data.
    pub provisional: bool,
}

impl DayView {
    fn of(info: &xn_domain::calendar::DayInfo) -> DayView {
        let kind = match info.kind {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday { .. } => "holiday",
            DayKind::MakeUpWorkday { .. } => "make_up_workday",
        };
        DayView {
            date: info.date,
            workday: info.is_working(),
            kind: kind.to_owned(),
            name: info.kind.holiday_name().map(str::to_owned),
            provisional: info.provisional,
        }
    }
}

/// One date whose kind a change of data alters.
#[derive(Debug, Clone, Serialize)]
pub struct DayChange {
    /// The date.
    pub date: NaiveDate,
    /// What it was, in Chinese.
    pub before: String,
    /// What it becomes, in Chinese.
    pub after: String,
}

/// What saving a year did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SaveReport {
    /// The year saved.
    pub year: i32,
    /// The deadlines it moved.
    pub recomputed: Vec<DeadlineChange>,
}

/// A pasted notice, read and checked, for the administrator to review before saving.
#[derive(Debug, Clone)]
pub struct NoticePreview {
    /// The year as the notice gives it.
    pub data: YearData,
    /// Its TOML form (what the confirm button saves).
    pub toml: String,
    /// Sentences with dates the parser did not understand.
    pub unparsed: Vec<String>,
    /// Why the data cannot be saved as it is, when it cannot.
    pub problem: Option<String>,
    /// Parts of the notice not found (通知标题, 文号).
    pub missing: Vec<&'static str>,
    /// Dates that change against the calendar in force.
    pub changes: Vec<DayChange>,
    /// Open deadlines that saving would move.
    pub moving: Vec<DeadlineChange>,
    /// The calendar with the parsed year in place, for the month grids.
    pub calendar: Arc<Calendar>,
}

/// A year with what its page shows.
#[derive(Debug, Clone)]
pub struct YearDetail {
    /// The year's summary.
    pub summary: YearSummary,
    /// The calendar in force (for the month grids).
    pub calendar: Arc<Calendar>,
    /// Open deadlines that count days of the year, soonest first (at most 200).
    pub deadlines: Vec<RegisteredDeadline>,
}

/// A year's data as JSON: the same fields as its TOML file (`holiday`, `workday`, `amendment`
/// are lists).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearDataView {
    /// The year.
    pub year: i32,
    /// True for data entered before the notice is published.
    #[serde(default)]
    pub provisional: bool,
    /// The notice.
    pub source: SourceView,
    /// Later notices that changed the arrangement.
    #[serde(default, rename = "amendment")]
    pub amendments: Vec<SourceView>,
    /// Holiday blocks: every day off from `from` to `to`.
    #[serde(default, rename = "holiday")]
    pub holidays: Vec<HolidayView>,
    /// Make-up working days.
    #[serde(default, rename = "workday")]
    pub workdays: Vec<MakeupView>,
}

/// A notice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceView {
    /// Title.
    pub title: String,
    /// 文号 (may be empty).
    #[serde(default)]
    pub number: String,
    /// The date it bears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub published: Option<NaiveDate>,
}

/// A holiday block.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayView {
    /// Name, e.g. 国庆节.
    pub name: String,
    /// First day off.
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Last day off.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

/// A make-up working day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeupView {
    /// The Saturday or Sunday worked.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// The holiday it belongs to.
    pub name: String,
}

fn source_view(s: &Source) -> SourceView {
    SourceView {
        title: s.title.clone(),
        number: s.number.clone(),
        published: s.published,
    }
}

fn source_of(s: SourceView) -> Source {
    Source {
        title: s.title,
        number: s.number,
        published: s.published,
    }
}

impl From<&YearData> for YearDataView {
    fn from(d: &YearData) -> Self {
        YearDataView {
            year: d.year,
            provisional: d.provisional,
            source: source_view(&d.source),
            amendments: d.amendments.iter().map(source_view).collect(),
            holidays: d
                .holidays
                .iter()
                .map(|h| HolidayView {
                    name: h.name.clone(),
                    from: h.from,
                    to: h.to,
                })
                .collect(),
            workdays: d
                .workdays
                .iter()
                .map(|w| MakeupView {
                    date: w.date,
                    name: w.name.clone(),
                })
                .collect(),
        }
    }
}

impl From<YearDataView> for YearData {
    fn from(v: YearDataView) -> Self {
        YearData {
            year: v.year,
            provisional: v.provisional,
            source: source_of(v.source),
            amendments: v.amendments.into_iter().map(source_of).collect(),
            holidays: v
                .holidays
                .into_iter()
                .map(|h| HolidaySpan {
                    name: h.name,
                    from: h.from,
                    to: h.to,
                })
                .collect(),
            workdays: v
                .workdays
                .into_iter()
                .map(|w| MakeupDay {
                    date: w.date,
                    name: w.name,
                })
                .collect(),
        }
    }
}

fn first_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn last_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The dates a year's data may touch: a notice reaches into the adjacent years only.
pub(super) fn reach(year: i32) -> (NaiveDate, NaiveDate) {
    (
        first_day(year.saturating_sub(1)),
        last_day(year.saturating_add(1)),
    )
}

fn summary(year: i32, cal: &Calendar, row: Option<&CalendarYearRow>) -> YearSummary {
    let data = cal.year(year);
    let origin = match (data, row) {
        (None, _) => YearOrigin::None,
        (Some(_), None) => YearOrigin::Shipped,
        (Some(_), Some(r)) if r.updated_at.is_none() => YearOrigin::Shipped,
        (Some(_), Some(r)) if r.updated_by.is_none() => YearOrigin::Console,
        (Some(_), Some(_)) => YearOrigin::Admin,
    };
    let (updated_at, updated_by) = match (origin, row) {
        (YearOrigin::Admin | YearOrigin::Console, Some(r)) => {
            (r.updated_at, r.updated_by_name.clone())
        }
        _ => (None, None),
    };
    YearSummary {
        year,
        provisional: cal.is_provisional(first_day(year)),
        loaded: data.is_some(),
        title: data.map(|d| d.source.title.clone()).unwrap_or_default(),
        number: data.map(|d| d.source.number.clone()).unwrap_or_default(),
        published: data.and_then(|d| d.source.published),
        amendments: data
            .map(|d| {
                d.amendments
                    .iter()
                    .map(|a| {
                        if a.number.is_empty() {
                            a.title.clone()
                        } else {
                            format!("{}（{}）", a.title, a.number)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        holidays: data.map_or(0, |d| d.holidays.len()),
        holiday_days: data.map_or(0, YearData::holiday_day_count),
        workdays: data.map_or(0, |d| d.workdays.len()),
        origin,
        updated_at,
        updated_by,
    }
}

/// Dates in `[from, to]` whose kind differs between two calendars.
fn day_changes(old: &Calendar, new: &Calendar, from: NaiveDate, to: NaiveDate) -> Vec<DayChange> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter_map(|d| {
            let (a, b) = (old.day(d), new.day(d));
            (a.kind != b.kind).then(|| DayChange {
                date: d,
                before: day_label(&a.kind),
                after: day_label(&b.kind),
            })
        })
        .collect()
}

pub(super) fn reason_of(data: &YearData) -> String {
    if data.source.title.trim().is_empty() {
        format!("{}年日历更新", data.year)
    } else {
        format!("{}年日历更新：{}", data.year, data.source.title)
    }
}

fn counts(data: Option<&YearData>) -> serde_json::Value {
    json!({
        "holidays": data.map_or(0, |d| d.holidays.len()),
        "holiday_days": data.map_or(0, YearData::holiday_day_count),
        "workdays": data.map_or(0, |d| d.workdays.len()),
    })
}

impl Services {
    /// Every year from 2004 (or the first stored) to next year (or the last stored).
    pub async fn calendar_years(
        &self,
        _actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<YearSummary>> {
        let rows = xn_store::calendar::list_years(self.db()).await?;
        let cal = build_calendar(&row_texts(&rows));
        let this_year = business_date(now).year();
        let first = cal.years().map(|y| y.year).min().unwrap_or(this_year);
        let last = cal
            .years()
            .map(|y| y.year)
            .max()
            .unwrap_or(this_year)
            .max(this_year.saturating_add(1));
        Ok(
            (first.max(*YEAR_RANGE.start())..=last.min(*YEAR_RANGE.end()))
                .map(|y| {
                    let row = rows.iter().find(|r| r.year == i64::from(y));
                    summary(y, &cal, row)
                })
                .collect(),
        )
    }

    /// One year: its summary, the calendar for its month grids, and its open deadlines.
    pub async fn calendar_year(&self, actor: &Actor, year: i32) -> Result<YearDetail> {
        check_year(year).map_err(|_| ServiceError::NotFound("年份"))?;
        let rows = xn_store::calendar::list_years(self.db()).await?;
        let cal = build_calendar(&row_texts(&rows));
        let row = rows.iter().find(|r| r.year == i64::from(year));
        // The calendar is for everyone; the open deadlines counted on it name matters and
        // holders, so only the calendar's administrator sees them here.
        if !actor.has(Permission::CalendarAdmin) {
            return Ok(YearDetail {
                summary: summary(year, &cal, row),
                calendar: cal,
                deadlines: Vec::new(),
            });
        }
        let deadlines = xn_store::calendar::list_open_deadlines_touching(
            self.db(),
            &first_day(year).to_string(),
            &last_day(year).to_string(),
            200,
        )
        .await?
        .into_iter()
        .filter_map(to_registered)
        .collect();
        Ok(YearDetail {
            summary: summary(year, &cal, row),
            calendar: cal,
            deadlines,
        })
    }

    /// A year's data, as loaded (404 for a year without data).
    pub async fn calendar_year_data(&self, _actor: &Actor, year: i32) -> Result<YearData> {
        let cal = self.calendar().await?;
        cal.year(year)
            .cloned()
            .ok_or(ServiceError::NotFound("该年度的日历数据"))
    }

    /// The TOML an administrator starts editing from: the year's data, or for a year without
    /// data a provisional skeleton to fill in.
    pub async fn calendar_year_toml(&self, actor: &Actor, year: i32) -> Result<String> {
        require(actor, Permission::CalendarAdmin)?;
        check_year(year)?;
        let cal = self.calendar().await?;
        Ok(match cal.year(year) {
            Some(d) => d.to_toml(),
            None => YearData {
                year,
                provisional: true,
                source: Source {
                    title: format!("国务院办公厅关于{year}年部分节假日安排的通知"),
                    number: String::new(),
                    published: None,
                },
                amendments: Vec::new(),
                holidays: Vec::new(),
                workdays: Vec::new(),
            }
            .to_toml(),
        })
    }

    /// Every day from `from` to `to` (at most [`MAX_DAYS`] days).
    pub async fn calendar_days(
        &self,
        _actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DayView>> {
        if to < from {
            return Err(ServiceError::invalid(
                "to",
                format!("结束日期 {to} 早于开始日期 {from}"),
            ));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(ServiceError::invalid(
                "to",
                format!("查询区间最长 {MAX_DAYS} 天，请缩短区间"),
            ));
        }
        let cal = self.calendar().await?;
        let days = cal
            .days(from, to)
            .map_err(|e| ServiceError::invalid("to", e.to_string()))?;
        Ok(days.map(|d| DayView::of(&d)).collect())
    }

    /// Reads a pasted notice for `year` and shows what saving it would change (维护工作日历).
    pub async fn preview_notice(
        &self,
        actor: &Actor,
        year: i32,
        text: &str,
    ) -> Result<NoticePreview> {
        require(actor, Permission::CalendarAdmin)?;
        check_year(year)?;
        if text.trim().is_empty() {
            return Err(ServiceError::invalid("notice", "请粘贴通知全文"));
        }
        let parsed = parse_notice(year, text);
        let unparsed = parsed.unparsed.clone();
        let mut missing = Vec::new();
        if parsed.title.is_none() {
            missing.push("通知标题");
        }
        if parsed.number.is_none() {
            missing.push("文号");
        }
        let mut data = parsed.into_year(year);
        if data.source.title.is_empty() {
            data.source.title = format!("国务院办公厅关于{year}年部分节假日安排的通知");
        }
        let mut problem = data.validate().err().map(|e| e.to_string());
        if problem.is_none() && data.holidays.is_empty() && data.workdays.is_empty() {
            problem = Some("没有从粘贴的文字中读出任何放假或调休日期".to_owned());
        }
        let rows = xn_store::calendar::list_years(self.db()).await?;
        let current = build_calendar(&row_texts(&rows));
        let toml = data.to_toml();
        let mut candidate: Vec<YearData> = current.years().cloned().collect();
        candidate.push(data.clone());
        let calendar = Arc::new(Calendar::new(candidate));
        let (from, to) = reach(year);
        let changes = day_changes(&current, &calendar, from, to);
        let moving = xn_store::calendar::list_open_deadlines_touching(
            self.db(),
            &from.to_string(),
            &to.to_string(),
            i64::MAX,
        )
        .await?
        .iter()
        .filter_map(|r| recompute(&calendar, &r.deadline))
        .filter(|c| c.old_date != c.new_date || c.old_provisional != c.new_provisional)
        .collect();
        Ok(NoticePreview {
            data,
            toml,
            unparsed,
            problem,
            missing,
            changes,
            moving,
            calendar,
        })
    }

    /// Saves a year from its TOML text, as edited on the page (维护工作日历).
    pub async fn save_calendar_toml(
        &self,
        actor: &Actor,
        year: i32,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<SaveReport> {
        require(actor, Permission::CalendarAdmin)?;
        let data =
            YearData::from_toml(text).map_err(|e| ServiceError::invalid("toml", e.to_string()))?;
        self.save_calendar_year(actor, year, data, now).await
    }

    /// Saves a year's data (维护工作日历) and recomputes the deadlines it moves.
    pub async fn save_calendar_year(
        &self,
        actor: &Actor,
        year: i32,
        data: YearData,
        now: DateTime<Utc>,
    ) -> Result<SaveReport> {
        require(actor, Permission::CalendarAdmin)?;
        check_year(year)?;
        if data.year != year {
            return Err(ServiceError::invalid(
                "toml",
                format!("数据中的年份 {} 与所编辑的 {year} 年不符", data.year),
            ));
        }
        data.validate()
            .map_err(|e| ServiceError::invalid("toml", e.to_string()))?;
        let mut tx = self.db().begin().await?;
        let report = save_in(
            &mut tx,
            &actor.audit(),
            Some(actor.person_id),
            &data,
            false,
            now,
        )
        .await?;
        tx.commit().await?;
        self.forget_flow_calendar();
        Ok(report)
    }

    /// Saves a year file from the server's console (`xiaoneng calendar import`): the same
    /// checks and the same recomputation as the page, recorded with `via: console`.
    pub async fn console_import_calendar(
        &self,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<SaveReport> {
        let data =
            YearData::from_toml(text).map_err(|e| ServiceError::invalid("toml", e.to_string()))?;
        check_year(data.year)?;
        let mut tx = self.db().begin().await?;
        let report = save_in(&mut tx, &CONSOLE, None, &data, true, now).await?;
        tx.commit().await?;
        self.forget_flow_calendar();
        Ok(report)
    }
}

/// Stores a validated year and recomputes what it moves, in the caller's transaction.
async fn save_in(
    tx: &mut Tx,
    who: &Audit<'_>,
    person_id: Option<i64>,
    data: &YearData,
    via_console: bool,
    now: DateTime<Utc>,
) -> Result<SaveReport> {
    xn_store::calendar::lock_years_exclusive(tx).await?;
    let rows = xn_store::calendar::list_years_tx(tx).await?;
    let before = build_calendar(&row_texts(&rows));
    let old_counts = counts(before.year(data.year));
    let text = data.to_toml();
    xn_store::calendar::upsert_year(
        tx,
        &NewCalendarYear {
            year: i64::from(data.year),
            provisional: data.provisional,
            data: &text,
            source_title: &data.source.title,
            updated_at: Some(ms(now)),
            updated_by: person_id,
        },
    )
    .await?;
    let mut texts = row_texts(&rows);
    texts.retain(|(y, _)| *y != i64::from(data.year));
    texts.push((i64::from(data.year), text));
    texts.sort();
    let after = build_calendar(&texts);
    let reason = reason_of(data);
    let moved = recompute_deadlines(tx, &after, reach(data.year), &reason, who, now).await?;
    let mut detail = json!({
        "year": data.year,
        "title": data.source.title,
        "number": data.source.number,
        "provisional": data.provisional,
        "old": old_counts,
        "new": counts(Some(data)),
        "recomputed": moved.len(),
    });
    if via_console {
        detail["via"] = json!("console");
    }
    record(
        tx,
        who,
        "calendar.year_saved",
        Some(format!("calendar:{}", data.year)),
        detail,
        now,
    )
    .await?;
    Ok(SaveReport {
        year: data.year,
        recomputed: moved,
    })
}
