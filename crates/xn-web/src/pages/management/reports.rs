//! 周报告: a person's week (their own: drafted from their events, edited, saved or submitted;
//! someone else's: read and commented), and the week's table of the people a chief oversees
//! with the urge.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::management::{ManagementScope, WeekTable, WeeklyInput, WeeklyView};

use super::{ACTIVE, done, today};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
struct WeekParams {
    #[serde(default)]
    week: Option<NaiveDate>,
    #[serde(default)]
    post: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "management_reports.html")]
struct ReportsPage {
    l: Layout,
    w: Option<WeeklyView>,
    table: Option<WeekTable>,
    prev: NaiveDate,
    next: NaiveDate,
    /// The text in the form (kept on an error).
    body: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ReportsPage {
    fn status_label(&self, code: &str) -> &'static str {
        match code {
            "submitted" => "已报送",
            "late" => "迟报",
            "draft" => "草稿未报",
            "missing" => "未报送",
            _ => "未到报送日",
        }
    }
}

async fn reports_page(
    state: &AppState,
    actor: &Actor,
    week: NaiveDate,
    post: Option<i64>,
    body: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ReportsPage, PageError> {
    let m = state.services.management();
    let now = state.clock.now();
    let w = match m.week(actor, post, week, now).await {
        Ok(w) => Some(w),
        // An office's 主任 reports to no one: the page shows the section's table only.
        Err(xn_service::ServiceError::Invalid { .. }) if post.is_none() => None,
        Err(e) => return Err(e.into()),
    };
    let scope = m.scope(actor).await?;
    let table = if post.is_none() && !matches!(scope, ManagementScope::Own { .. }) {
        Some(m.week_table(actor, week, now).await?)
    } else {
        None
    };
    let monday = xn_domain::management::week_start(week);
    Ok(ReportsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        body: body.unwrap_or_else(|| w.as_ref().map(|w| w.body.clone()).unwrap_or_default()),
        w,
        table,
        prev: monday - Duration::days(7),
        next: monday + Duration::days(7),
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<WeekParams>,
) -> Result<Response, PageError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    let notice = q.ok.as_deref().and_then(done);
    Ok(
        reports_page(&state, &actor, week, q.post, None, notice, None)
            .await?
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct ReportForm {
    #[serde(default)]
    week: String,
    #[serde(default)]
    body: String,
    /// `save` or `submit`.
    #[serde(default)]
    action: String,
}

async fn save(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<ReportForm>,
) -> Result<Response, PageError> {
    let submit = f.action == "submit";
    let result = state
        .services
        .management()
        .save_week(
            &actor,
            &WeeklyInput {
                week: f.week.clone(),
                body: f.body.clone(),
                submit,
            },
            state.clock.now(),
        )
        .await;
    let week =
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(&state));
    respond(
        result,
        |_| {
            format!(
                "/management/reports?week={week}&ok={}",
                if submit { "submitted" } else { "saved" }
            )
        },
        |msg| {
            reports_page(
                &state,
                &actor,
                week,
                None,
                Some(f.body.clone()),
                None,
                Some(msg),
            )
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct CommentForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    post: String,
}

async fn comment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CommentForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .comment(&actor, id, &f.comment, state.clock.now())
        .await;
    let week =
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(&state));
    let post: Option<i64> = f.post.trim().parse().ok();
    respond(
        result,
        |()| {
            format!(
                "/management/reports?week={week}&post={}&ok=commented",
                post.unwrap_or_default()
            )
        },
        |msg| reports_page(&state, &actor, week, post, None, None, Some(msg)),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct UrgeForm {
    #[serde(default)]
    week: String,
}

async fn urge(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<UrgeForm>,
) -> Result<Response, PageError> {
    let week =
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(&state));
    let result = state
        .services
        .management()
        .urge(&actor, week, state.clock.now())
        .await;
    respond(
        result,
        |_| format!("/management/reports?week={week}&ok=urged"),
        |msg| reports_page(&state, &actor, week, None, None, None, Some(msg)),
    )
    .await
}

/// The weekly report pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management/reports", get(show).post(save))
        .route("/management/reports/{id}/comment", post(comment))
        .route("/management/reports/urge", post(urge))
}
