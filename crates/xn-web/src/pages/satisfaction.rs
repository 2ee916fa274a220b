//! 效能 · 四个满意 (`/satisfaction`): the four per unit for a month in the viewer's scope, their
//! trend over twelve months, the ratings behind each figure, the closed items the viewer may
//! rate (with the rating form) and, for an office's 主任 or 副主任, the form that enters the
//! higher office's evaluation.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::satisfaction::{HigherInput, RateInput, SatisfactionQuery, SatisfactionView};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "satisfaction.html")]
struct SatisfactionPage {
    l: Layout,
    v: SatisfactionView,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    month: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SatisfactionPage, PageError> {
    let v = state
        .services
        .satisfaction()
        .view(actor, &SatisfactionQuery { month }, state.clock.now())
        .await?;
    Ok(SatisfactionPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        v,
        notice,
        error,
    })
}

/// `GET /satisfaction`: the four for a month.
async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let notice = match p.ok.as_deref() {
        Some("rated") => Some("已评价。".to_owned()),
        Some("higher") => Some("已录入上级评价。".to_owned()),
        _ => None,
    };
    Ok(page(&state, &actor, p.month, notice, None)
        .await?
        .into_response())
}

/// `GET /satisfaction.xlsx`: the month as a workbook.
async fn xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let file = state
        .services
        .satisfaction()
        .xlsx(
            &actor,
            &SatisfactionQuery { month: p.month },
            state.clock.now(),
        )
        .await?;
    Ok(crate::respond::file_response(file))
}

/// `POST /satisfaction/rate`: a rating of a closed item.
async fn rate(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<RateInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .satisfaction()
        .rate(&actor, &f, state.clock.now())
        .await;
    crate::respond::respond(
        result,
        |_| "/satisfaction?ok=rated".to_owned(),
        |msg| page(&state, &actor, None, None, Some(msg)),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct HigherForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

/// `POST /satisfaction/higher`: the higher office's evaluation of a month.
async fn higher(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<HigherForm>,
) -> Result<Response, PageError> {
    let month = f.month.clone();
    let input = HigherInput {
        month: f.month,
        score: f.score.trim().parse().ok(),
        comment: f.comment,
    };
    let result = state
        .services
        .satisfaction()
        .enter_higher(&actor, &input, state.clock.now())
        .await;
    crate::respond::respond(
        result,
        |_| {
            format!(
                "/satisfaction?month={}&ok=higher",
                crate::respond::percent(&month)
            )
        },
        |msg| page(&state, &actor, None, None, Some(msg)),
    )
    .await
}

/// The satisfaction page's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/satisfaction", get(show))
        .route("/satisfaction.xlsx", get(xlsx))
        .route("/satisfaction/rate", post(rate))
        .route("/satisfaction/higher", post(higher))
}
