//! Pages of the working-day calendar (工作日历): the list of years with a deadline calculator,
//! a year as twelve month grids, loading a year from a pasted notice, and the TOML editor.
//!
//! Viewing is open to everyone signed in; pasting and editing need 维护工作日历. Every rule
//! (parsing, validation, what a save recomputes) is in `xn_service::calendar`; this module only
//! lays days out in grids and renders.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xn_domain::calendar::{Calendar, DayKind, weekday_zh};
use xn_domain::org::Permission;
use xn_service::calendar::{
    DayChange, DeadlineChange, DeadlineView, NoticePreview, RegisteredDeadline, YearSummary,
    day_label, fmt_date_zh, parse_date, parse_working_days,
};
use xn_service::{Actor, ServiceError, require};

use super::{Layout, beijing_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};

/// One day of a month grid.
struct Cell {
    /// Day of the month; 0 for the blanks before the 1st and after the last day.
    day: u32,
    /// CSS class: cal-workday, cal-weekend, cal-holiday, cal-makeup.
    class: &'static str,
    /// What is written under the number: the holiday's name, or 班 on a make-up day.
    mark: String,
    /// The tooltip: date, weekday and kind.
    title: String,
}

/// One month, Monday to Sunday.
struct MonthGrid {
    title: String,
    weeks: Vec<Vec<Cell>>,
}

fn month_grid(cal: &Calendar, year: i32, month: u32) -> Option<MonthGrid> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let mut weeks: Vec<Vec<Cell>> = Vec::new();
    let mut week: Vec<Cell> = Vec::with_capacity(7);
    for _ in 0..first.weekday().num_days_from_monday() {
        week.push(blank());
    }
    for date in first.iter_days().take_while(|d| d.month() == month) {
        let info = cal.day(date);
        let (class, mark) = match &info.kind {
            DayKind::Workday => ("cal-workday", String::new()),
            DayKind::Weekend => ("cal-weekend", String::new()),
            DayKind::Holiday { name } => ("cal-holiday", name.clone()),
            DayKind::MakeUpWorkday { .. } => ("cal-makeup", "班".to_owned()),
        };
        let mut title = format!("{date} {} · {}", weekday_zh(date), day_label(&info.kind));
        if info.provisional {
            title.push_str("（暂定）");
        }
        week.push(Cell {
            day: date.day(),
            class,
            mark,
            title,
        });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(blank());
        }
        weeks.push(week);
    }
    Some(MonthGrid {
        title: format!("{month}月"),
        weeks,
    })
}

fn blank() -> Cell {
    Cell {
        day: 0,
        class: "cal-blank",
        mark: String::new(),
        title: String::new(),
    }
}

fn year_grids(cal: &Calendar, year: i32) -> Vec<MonthGrid> {
    (1..=12).filter_map(|m| month_grid(cal, year, m)).collect()
}

/// A deadline line of a table: its dates in Chinese and its explanation for the tooltip.
struct DeadlineLine {
    subject: String,
    holder: String,
    start: String,
    working_days: u32,
    due: String,
    provisional: bool,
    explanation: String,
}

fn deadline_line(d: &RegisteredDeadline) -> DeadlineLine {
    DeadlineLine {
        subject: d.subject.clone(),
        holder: d.holder.clone().unwrap_or_default(),
        start: d.start_date.to_string(),
        working_days: d.working_days,
        due: fmt_date_zh(d.due_date),
        provisional: d.provisional,
        explanation: d.explanation.clone(),
    }
}

/// A moved deadline, for the preview.
struct MoveLine {
    subject: String,
    old: String,
    new: String,
    explanation: String,
}

fn move_line(c: &DeadlineChange) -> MoveLine {
    MoveLine {
        subject: c.subject.clone(),
        old: fmt_date_zh(c.old_date),
        new: fmt_date_zh(c.new_date),
        explanation: c.explanation.clone(),
    }
}

struct YearLine {
    s: YearSummary,
    updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_years.html")]
struct YearsPage {
    l: Layout,
    years: Vec<YearLine>,
    can_admin: bool,
    from: String,
    days: String,
    result: Option<DeadlineView>,
    result_date: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct CalcQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    days: Option<String>,
}

/// The years, and the calculator when `from` and `days` are given.
async fn list_years(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<CalcQuery>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let years = state
        .services
        .calendar_years(&actor, now)
        .await?
        .into_iter()
        .map(|s| YearLine {
            updated: s.updated_at.map(beijing_time).unwrap_or_default(),
            s,
        })
        .collect();
    let (mut result, mut error) = (None, None);
    if q.from.is_some() || q.days.is_some() {
        let from = q.from.as_deref().unwrap_or("");
        let days = q.days.as_deref().unwrap_or("");
        let asked = match (
            parse_date("from", "受理日", from),
            parse_working_days("days", days),
        ) {
            (Ok(f), Ok(n)) => state.services.calendar_add(&actor, f, n).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        match asked {
            Ok(d) => result = Some(d),
            Err(e @ ServiceError::Invalid { .. }) => error = Some(e.to_string()),
            Err(e) => return Err(e.into()),
        }
    }
    let today = xn_service::calendar::business_date(now).to_string();
    let l = Layout::new(&state, &actor, "/admin/calendar").await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        YearsPage {
            l,
            years,
            can_admin: actor.has(Permission::CalendarAdmin),
            from: q.from.unwrap_or(today),
            days: q.days.unwrap_or_else(|| "5".to_owned()),
            result_date: result
                .as_ref()
                .map(|d| fmt_date_zh(d.date))
                .unwrap_or_default(),
            result,
            error,
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_year.html")]
struct YearPage {
    l: Layout,
    s: YearSummary,
    updated: String,
    months: Vec<MonthGrid>,
    deadlines: Vec<DeadlineLine>,
    can_admin: bool,
    saved: Option<usize>,
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    #[serde(default)]
    moved: Option<usize>,
}

/// A year as twelve month grids, with its notice and its open deadlines.
async fn show_year(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(year): Path<i32>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let detail = state.services.calendar_year(&actor, year).await?;
    let l = Layout::new(&state, &actor, "/admin/calendar").await?;
    Ok(YearPage {
        l,
        updated: detail
            .summary
            .updated_at
            .map(beijing_time)
            .unwrap_or_default(),
        months: year_grids(&detail.calendar, year),
        s: detail.summary,
        deadlines: detail.deadlines.iter().map(deadline_line).collect(),
        can_admin: actor.has(Permission::CalendarAdmin),
        saved: q.moved,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_paste.html")]
struct PastePage {
    l: Layout,
    year: i32,
    notice: String,
    error: Option<String>,
}

/// The form to paste a notice into.
async fn paste_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response, PageError> {
    require(&actor, Permission::CalendarAdmin)?;
    xn_service::calendar::check_year(year)?;
    let l = Layout::new(&state, &actor, "/admin/calendar").await?;
    Ok(PastePage {
        l,
        year,
        notice: String::new(),
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
struct PasteForm {
    #[serde(default)]
    notice: String,
}

struct PreviewView {
    title: String,
    number: String,
    published: String,
    holidays: Vec<(String, String, String)>,
    workdays: Vec<(String, String)>,
    unparsed: Vec<String>,
    problem: Option<String>,
    missing: String,
    changes: Vec<DayChange>,
    moving: Vec<MoveLine>,
    toml: String,
}

fn preview_view(p: &NoticePreview) -> PreviewView {
    PreviewView {
        title: p.data.source.title.clone(),
        number: p.data.source.number.clone(),
        published: p.data.source.published.map(fmt_date_zh).unwrap_or_default(),
        holidays: p
            .data
            .holidays
            .iter()
            .map(|h| (h.name.clone(), fmt_date_zh(h.from), fmt_date_zh(h.to)))
            .collect(),
        workdays: p
            .data
            .workdays
            .iter()
            .map(|w| (fmt_date_zh(w.date), w.name.clone()))
            .collect(),
        unparsed: p.unparsed.clone(),
        problem: p.problem.clone(),
        missing: p.missing.join("、"),
        changes: p.changes.clone(),
        moving: p.moving.iter().map(move_line).collect(),
        toml: p.toml.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_preview.html")]
struct PreviewPage {
    l: Layout,
    year: i32,
    p: PreviewView,
    months: Vec<MonthGrid>,
}

/// Reads the pasted notice and shows the result for review; nothing is saved yet.
async fn paste_preview(
    State(state): State<AppState>,
    Path(year): Path<i32>,
    PageForm(actor, form): PageForm<PasteForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .preview_notice(&actor, year, &form.notice)
        .await
    {
        Ok(preview) => {
            let l = Layout::new(&state, &actor, "/admin/calendar").await?;
            Ok(PreviewPage {
                l,
                year,
                months: year_grids(&preview.calendar, year),
                p: preview_view(&preview),
            }
            .into_response())
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            let l = Layout::new(&state, &actor, "/admin/calendar").await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                PastePage {
                    l,
                    year,
                    notice: form.notice,
                    error: Some(e.to_string()),
                },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar_edit.html")]
struct EditPage {
    l: Layout,
    year: i32,
    toml: String,
    error: Option<String>,
}

async fn editor(
    state: &AppState,
    actor: &Actor,
    year: i32,
    toml: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/admin/calendar").await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        EditPage {
            l,
            year,
            toml,
            error,
        },
    )
        .into_response())
}

/// The TOML editor, filled with the year's data.
async fn edit_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response, PageError> {
    let toml = state.services.calendar_year_toml(&actor, year).await?;
    editor(&state, &actor, year, toml, None).await
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    toml: String,
    /// `review` opens the text in the editor instead of saving it (from the paste preview).
    #[serde(default)]
    action: String,
}

/// Saves the edited (or confirmed) TOML; errors come back in the editor, nothing saved.
async fn save_year(
    State(state): State<AppState>,
    Path(year): Path<i32>,
    PageForm(actor, form): PageForm<EditForm>,
) -> Result<Response, PageError> {
    if form.action == "review" {
        require(&actor, Permission::CalendarAdmin)?;
        return editor(&state, &actor, year, form.toml, None).await;
    }
    match state
        .services
        .save_calendar_toml(&actor, year, &form.toml, state.clock.now())
        .await
    {
        Ok(report) => Ok(Redirect::to(&format!(
            "/admin/calendar/{year}?moved={}",
            report.recomputed.len()
        ))
        .into_response()),
        Err(e @ ServiceError::Invalid { .. }) => {
            editor(&state, &actor, year, form.toml, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The calendar pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(list_years))
        .route("/admin/calendar/{year}", get(show_year))
        .route(
            "/admin/calendar/{year}/paste",
            get(paste_form).post(paste_preview),
        )
        .route(
            "/admin/calendar/{year}/edit",
            get(edit_form).post(save_year),
        )
}
