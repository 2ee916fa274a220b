//! 日安排 pages: one's day (`/plans/today`, `?date=` for another day) with what is due pulled
//! from the other areas and one's own entries (added, moved up and down, marked done,
//! removed), and a chief's view of the section's day (`/plans/section`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::management::{DayPlan, EntryInput, MarkInput, Move, SectionDay};

use super::today;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

/// Where the menu marks these pages.
const ACTIVE: &str = "/management";

#[derive(Debug, Default, Deserialize)]
struct DayParams {
    #[serde(default)]
    date: Option<NaiveDate>,
    #[serde(default)]
    ok: Option<String>,
}

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "added" => "已加入今日安排。",
        "moved" => "顺序已调整。",
        "done" => "已标记完成。",
        "undone" => "已改为未完成。",
        "deleted" => "已删除。",
        _ => return None,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "plans_today.html")]
struct TodayPage {
    l: Layout,
    p: DayPlan,
    prev: NaiveDate,
    next: NaiveDate,
    is_today: bool,
    chief: bool,
    /// The form's text and time (kept on an error).
    text: String,
    time: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn today_page(
    state: &AppState,
    actor: &Actor,
    date: NaiveDate,
    form: (String, String),
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TodayPage, PageError> {
    let m = state.services.management();
    let p = m.day_plan(actor, date, state.clock.now()).await?;
    let chief = !matches!(
        m.scope(actor).await?,
        xn_service::management::ManagementScope::Own { .. }
    );
    Ok(TodayPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        p,
        prev: date - Duration::days(1),
        next: date + Duration::days(1),
        is_today: date == today(state),
        chief,
        text: form.0,
        time: form.1,
        notice,
        error,
    })
}

async fn show_today(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<DayParams>,
) -> Result<Response, PageError> {
    let date = q.date.unwrap_or_else(|| today(&state));
    let notice = q.ok.as_deref().and_then(notice);
    Ok(today_page(
        &state,
        &actor,
        date,
        (String::new(), String::new()),
        notice,
        None,
    )
    .await?
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "plans_section.html")]
struct SectionPage {
    l: Layout,
    s: SectionDay,
    prev: NaiveDate,
    next: NaiveDate,
}

async fn show_section(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<DayParams>,
) -> Result<Response, PageError> {
    let date = q.date.unwrap_or_else(|| today(&state));
    let s = state
        .services
        .management()
        .section_day(&actor, date, state.clock.now())
        .await?;
    Ok(SectionPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        s,
        prev: date - Duration::days(1),
        next: date + Duration::days(1),
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    time: String,
}

fn date_or_today(state: &AppState, s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(state))
}

async fn add(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<EntryForm>,
) -> Result<Response, PageError> {
    let date = date_or_today(&state, &f.date);
    let result = state
        .services
        .management()
        .add_entry(
            &actor,
            &EntryInput {
                date: date.to_string(),
                text: f.text.clone(),
                time: f.time.clone(),
            },
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |_| format!("/plans/today?date={date}&ok=added#own"),
        |msg| {
            today_page(
                &state,
                &actor,
                date,
                (f.text.clone(), f.time.clone()),
                None,
                Some(msg),
            )
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct MoveForm {
    #[serde(default)]
    direction: String,
}

async fn move_entry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    let to = if f.direction == "up" {
        Move::Up
    } else {
        Move::Down
    };
    let result = state
        .services
        .management()
        .move_entry(&actor, id, to, state.clock.now())
        .await;
    let date = today(&state);
    respond(
        result,
        |day| format!("/plans/today?date={day}&ok=moved#own"),
        |msg| {
            today_page(
                &state,
                &actor,
                date,
                (String::new(), String::new()),
                None,
                Some(msg),
            )
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct DoneForm {
    #[serde(default)]
    done: String,
}

async fn entry_done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DoneForm>,
) -> Result<Response, PageError> {
    let done = f.done == "1";
    let day = state
        .services
        .management()
        .entry_done(&actor, id, done, state.clock.now())
        .await?;
    Ok(axum::response::Redirect::to(&format!(
        "/plans/today?date={day}&ok={}#own",
        if done { "done" } else { "undone" }
    ))
    .into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    let day = state.services.management().delete_entry(&actor, id).await?;
    Ok(
        axum::response::Redirect::to(&format!("/plans/today?date={day}&ok=deleted#own"))
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct MarkForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    done: String,
}

async fn mark(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<MarkForm>,
) -> Result<Response, PageError> {
    let date = date_or_today(&state, &f.date);
    let done = f.done == "1";
    let result = state
        .services
        .management()
        .mark_line(
            &actor,
            &MarkInput {
                date: date.to_string(),
                source: f.source.clone(),
                done,
            },
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |()| {
            format!(
                "/plans/today?date={date}&ok={}",
                if done { "done" } else { "undone" }
            )
        },
        |msg| {
            today_page(
                &state,
                &actor,
                date,
                (String::new(), String::new()),
                None,
                Some(msg),
            )
        },
    )
    .await
}

/// The day plan pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans/today", get(show_today))
        .route("/plans/section", get(show_section))
        .route("/plans/entries", post(add))
        .route("/plans/entries/{id}/move", post(move_entry))
        .route("/plans/entries/{id}/done", post(entry_done))
        .route("/plans/entries/{id}/delete", post(delete))
        .route("/plans/marks", post(mark))
}
