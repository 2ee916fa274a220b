//! 月考评: the month's table (people and units rolled up, the xlsx sheet, locking a unit) and
//! one person's month with each figure, its weight, its source items and the total, with the
//! rating, the objection, the decision and the lock.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::management::{
    DecisionInput, EvaluationView, Management, MonthView, ObjectionInput, RatingInput,
};
use xn_service::{Actor, ServiceError};

use super::{ACTIVE, done, next_month, previous_month, this_month};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
struct MonthParams {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "management_evaluations.html")]
struct MonthPage {
    l: Layout,
    m: MonthView,
    prev: String,
    next: String,
    over: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn month_page(
    state: &AppState,
    actor: &Actor,
    month: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<MonthPage, PageError> {
    let m = state
        .services
        .management()
        .month(actor, month, state.clock.now())
        .await?;
    Ok(MonthPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        prev: previous_month(&m.month),
        next: next_month(&m.month),
        over: Management::month_over(&m.month, state.clock.now()),
        m,
        notice,
        error,
    })
}

async fn month(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MonthParams>,
) -> Result<Response, PageError> {
    let month = q.month.clone().unwrap_or_else(|| this_month(&state));
    let notice = q.ok.as_deref().and_then(done);
    Ok(month_page(&state, &actor, &month, notice, None)
        .await?
        .into_response())
}

async fn month_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MonthParams>,
) -> Result<Response, PageError> {
    let month = q.month.clone().unwrap_or_else(|| this_month(&state));
    let f = state
        .services
        .management()
        .month_xlsx(&actor, &month, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

#[derive(Template, WebTemplate)]
#[template(path = "management_evaluation.html")]
struct EvaluationPage {
    l: Layout,
    e: EvaluationView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn evaluation_page(
    state: &AppState,
    actor: &Actor,
    post: i64,
    month: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<EvaluationPage, PageError> {
    Ok(EvaluationPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        e: state
            .services
            .management()
            .evaluation(actor, post, month, state.clock.now())
            .await?,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(post): Path<i64>,
    Query(q): Query<MonthParams>,
) -> Result<Response, PageError> {
    let month = q.month.clone().unwrap_or_else(|| this_month(&state));
    let notice = q.ok.as_deref().and_then(done);
    Ok(evaluation_page(&state, &actor, post, &month, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
    /// `uphold` or `reject`.
    #[serde(default)]
    decision: String,
}

fn rating_of(s: &str) -> Result<Option<i64>, ServiceError> {
    let s = s.trim().replace(['＋', '+'], "").replace('−', "-");
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| ServiceError::invalid("rating", "领导评价应为 −10 至 +10 的整数"))
}

/// The end of an action on a person's month.
async fn after(
    state: &AppState,
    actor: &Actor,
    post: i64,
    month: &str,
    result: Result<(), ServiceError>,
    ok: &'static str,
) -> Result<Response, PageError> {
    respond(
        result,
        |()| format!("/management/evaluations/{post}?month={month}&ok={ok}"),
        |msg| evaluation_page(state, actor, post, month, None, Some(msg)),
    )
    .await
}

async fn rate(
    State(state): State<AppState>,
    Path(post): Path<i64>,
    PageForm(actor, f): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let result = async {
        let rating = rating_of(&f.rating)?.unwrap_or(0);
        state
            .services
            .management()
            .rate(
                &actor,
                post,
                &RatingInput {
                    month: f.month.clone(),
                    rating,
                    comment: f.comment.clone(),
                },
                state.clock.now(),
            )
            .await
    }
    .await;
    after(&state, &actor, post, &f.month, result, "rated").await
}

async fn object(
    State(state): State<AppState>,
    Path(post): Path<i64>,
    PageForm(actor, f): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .object(
            &actor,
            post,
            &ObjectionInput {
                month: f.month.clone(),
                reason: f.reason.clone(),
            },
            state.clock.now(),
        )
        .await;
    after(&state, &actor, post, &f.month, result, "objected").await
}

async fn decide(
    State(state): State<AppState>,
    Path(post): Path<i64>,
    PageForm(actor, f): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let result = async {
        let rating = rating_of(&f.rating)?;
        state
            .services
            .management()
            .decide(
                &actor,
                post,
                &DecisionInput {
                    month: f.month.clone(),
                    uphold: f.decision == "uphold",
                    reason: f.reason.clone(),
                    rating,
                },
                state.clock.now(),
            )
            .await
    }
    .await;
    after(&state, &actor, post, &f.month, result, "decided").await
}

#[derive(Debug, Default, Deserialize)]
struct LockForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    post: Option<i64>,
}

async fn lock(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<LockForm>,
) -> Result<Response, PageError> {
    let posts = f.post.map(|p| vec![p]);
    let result = state
        .services
        .management()
        .lock(
            &actor,
            &f.month,
            posts.as_deref(),
            f.unit,
            state.clock.now(),
        )
        .await;
    let month = f.month.clone();
    match f.post {
        Some(post) => after(&state, &actor, post, &month, result.map(|_| ()), "locked").await,
        None => {
            respond(
                result,
                |_| format!("/management/evaluations?month={month}&ok=locked"),
                |msg| month_page(&state, &actor, &month, None, Some(msg)),
            )
            .await
        }
    }
}

/// The evaluation pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management/evaluations", get(month))
        .route("/management/evaluations.xlsx", get(month_xlsx))
        .route("/management/evaluations/lock", post(lock))
        .route("/management/evaluations/{post}", get(show))
        .route("/management/evaluations/{post}/rating", post(rate))
        .route("/management/evaluations/{post}/objection", post(object))
        .route("/management/evaluations/{post}/decision", post(decide))
}
