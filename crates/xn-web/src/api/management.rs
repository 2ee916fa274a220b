//! API of 管理: `/api/v1/targets` (目标责任制: the year's cascade, adding and cascading a
//! target, its result and evidence links), `/api/v1/reports` (周报告: a week's report drafted
//! from the person's events, saving and submitting, the chief's comment, the week's table and
//! urging; `/api/v1/reports/rollup`, a section's or office's roll-up), `/api/v1/evaluations` (月考评: the month's table, one person's month with its
//! derivation, the rating, the objection and its decision, locking, the xlsx sheet, and the
//! office's settings and weights). Every answer is scoped by the service to what the caller
//! may see.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::management::{
    DecisionInput, EvaluationView, LinkInput, MonthView, ObjectionInput, RatingInput, ResultInput,
    RollupInput, RollupView, SettingsInput, SettingsView, TargetInput, TargetView, TargetsView,
    UrgeOutcome, WeekTable, WeeklyInput, WeeklyView, WeightsInput,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Which year.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct YearQuery {
    /// Year; default this year (Beijing).
    pub year: Option<i64>,
}

/// Which week, and whose.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WeekQuery {
    /// Any date of the week, `YYYY-MM-DD`; default this week.
    #[param(value_type = Option<String>, format = Date)]
    pub week: Option<NaiveDate>,
    /// A person's post (default the caller's own).
    pub post: Option<i64>,
}

/// Which month.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`; default this month.
    pub month: Option<String>,
}

fn today(state: &AppState) -> NaiveDate {
    xn_domain::calendar::business_date(state.clock.now())
}

impl MonthQuery {
    fn month(&self, state: &AppState) -> String {
        self.month
            .clone()
            .unwrap_or_else(|| xn_domain::management::month_of(today(state)))
    }
}

/// The year's targets the caller reads, in cascade order.
#[utoipa::path(get, path = "/api/v1/targets", tag = "management", params(YearQuery),
    responses((status = 200, body = TargetsView)))]
async fn list_targets(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<YearQuery>,
) -> Result<Json<TargetsView>, ApiError> {
    let year = q.year.unwrap_or_else(|| i64::from(today(&state).year()));
    Ok(Json(
        state.services.management().targets(&actor, year).await?,
    ))
}

/// Adds a target (top-level by the office's 主任/副主任) or cascades one from a parent. A
/// cascade taking the parent's children past 100 % answers 422 naming the parent.
#[utoipa::path(post, path = "/api/v1/targets", tag = "management", request_body = TargetInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
async fn create_target(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<TargetInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .create_target(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One target with its links.
#[utoipa::path(get, path = "/api/v1/targets/{id}", tag = "management", params(("id" = i64, Path)),
    responses((status = 200, body = TargetView), (status = 404, body = crate::error::Problem)))]
async fn get_target(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<TargetView>, ApiError> {
    Ok(Json(state.services.management().target(&actor, id).await?))
}

/// Records a target's result and evidence.
#[utoipa::path(post, path = "/api/v1/targets/{id}/result", tag = "management", params(("id" = i64, Path)),
    request_body = ResultInput, responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn record_result(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ResultInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .record_result(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links a 督办事项, a document or a meeting as evidence.
#[utoipa::path(post, path = "/api/v1/targets/{id}/links", tag = "management", params(("id" = i64, Path)),
    request_body = LinkInput, responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn link_target(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<LinkInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .link(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The week's reports of the people the caller oversees.
#[utoipa::path(get, path = "/api/v1/reports", tag = "management", params(WeekQuery),
    responses((status = 200, body = WeekTable)))]
async fn list_reports(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<WeekQuery>,
) -> Result<Json<WeekTable>, ApiError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    Ok(Json(
        state
            .services
            .management()
            .week_table(&actor, week, state.clock.now())
            .await?,
    ))
}

/// A person's report of a week (the caller's own by default), drafted from their events
/// while nothing is saved.
#[utoipa::path(get, path = "/api/v1/reports/week", tag = "management", params(WeekQuery),
    responses((status = 200, body = WeeklyView), (status = 404, body = crate::error::Problem)))]
async fn get_week(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<WeekQuery>,
) -> Result<Json<WeeklyView>, ApiError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    Ok(Json(
        state
            .services
            .management()
            .week(&actor, q.post, week, state.clock.now())
            .await?,
    ))
}

/// Saves or submits the caller's own report of a week.
#[utoipa::path(post, path = "/api/v1/reports", tag = "management", request_body = WeeklyInput,
    responses((status = 201, body = Created), (status = 409, body = crate::error::Problem)))]
async fn save_week(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<WeeklyInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .save_week(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A comment on a submitted report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentInput {
    /// The comment.
    pub comment: String,
}

/// The chief's comment on a submitted report.
#[utoipa::path(post, path = "/api/v1/reports/{id}/comment", tag = "management", params(("id" = i64, Path)),
    request_body = CommentInput, responses((status = 204), (status = 403, body = crate::error::Problem)))]
async fn comment_report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CommentInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .comment(&actor, id, &body.comment, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which week to urge.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = management::UrgeInput)]
pub struct UrgeInput {
    /// Any date of the week, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub week: NaiveDate,
}

/// Urges everyone the caller oversees whose report of the week is owed past its day.
#[utoipa::path(post, path = "/api/v1/reports/urge", tag = "management", request_body = UrgeInput,
    responses((status = 200, body = UrgeOutcome), (status = 422, body = crate::error::Problem)))]
async fn urge_reports(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<UrgeInput>,
) -> Result<Json<UrgeOutcome>, ApiError> {
    Ok(Json(
        state
            .services
            .management()
            .urge(&actor, body.week, state.clock.now())
            .await?,
    ))
}

/// Which unit's roll-up, and which week.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RollupQuery {
    /// Any date of the week, `YYYY-MM-DD`; default this week.
    #[param(value_type = Option<String>, format = Date)]
    pub week: Option<NaiveDate>,
    /// The section or office (default the one the caller leads).
    pub unit: Option<i64>,
}

/// A section's or an office's roll-up of a week: the figures summed from its people's weeks
/// (and an office's sections'), each part's status and submitted text, and the roll-up's own
/// text (drafted from them while nothing is saved).
#[utoipa::path(get, path = "/api/v1/reports/rollup", tag = "management", params(RollupQuery),
    responses((status = 200, body = RollupView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn get_rollup(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<RollupQuery>,
) -> Result<Json<RollupView>, ApiError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    Ok(Json(
        state
            .services
            .management()
            .rollup(&actor, q.unit, week, state.clock.now())
            .await?,
    ))
}

/// Saves or submits the roll-up of the section or office the caller leads.
#[utoipa::path(post, path = "/api/v1/reports/rollup", tag = "management", request_body = RollupInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn save_rollup(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RollupInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .save_rollup(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The comment from above on a submitted roll-up.
#[utoipa::path(post, path = "/api/v1/reports/rollup/{id}/comment", tag = "management",
    params(("id" = i64, Path)), request_body = CommentInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn comment_rollup(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CommentInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .comment_rollup(&actor, id, &body.comment, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The month's evaluations of everyone the caller reads, with the units rolled up.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "management", params(MonthQuery),
    responses((status = 200, body = MonthView), (status = 422, body = crate::error::Problem)))]
async fn list_evaluations(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<MonthView>, ApiError> {
    let month = q.month(&state);
    Ok(Json(
        state
            .services
            .management()
            .month(&actor, &month, state.clock.now())
            .await?,
    ))
}

/// The month's evaluation sheet: weights and scores as numbers, totals as live formulas.
#[utoipa::path(get, path = "/api/v1/evaluations/xlsx", tag = "management", params(MonthQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn evaluations_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Response, ApiError> {
    let month = q.month(&state);
    let f = state
        .services
        .management()
        .month_xlsx(&actor, &month, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// One person's month: each figure, its weight, its source items and the total.
#[utoipa::path(get, path = "/api/v1/evaluations/{post}", tag = "management", params(("post" = i64, Path), MonthQuery),
    responses((status = 200, body = EvaluationView), (status = 404, body = crate::error::Problem)))]
async fn get_evaluation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(post): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<EvaluationView>, ApiError> {
    let month = q.month(&state);
    Ok(Json(
        state
            .services
            .management()
            .evaluation(&actor, post, &month, state.clock.now())
            .await?,
    ))
}

/// The leader's rating (±10) and comment.
#[utoipa::path(post, path = "/api/v1/evaluations/{post}/rating", tag = "management", params(("post" = i64, Path)),
    request_body = RatingInput, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn rate(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(post): Path<i64>,
    ApiJson(body): ApiJson<RatingInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .rate(&actor, post, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person's objection (申诉) to their own month.
#[utoipa::path(post, path = "/api/v1/evaluations/{post}/objection", tag = "management", params(("post" = i64, Path)),
    request_body = ObjectionInput, responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn object(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(post): Path<i64>,
    ApiJson(body): ApiJson<ObjectionInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .object(&actor, post, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The decision on a pending objection.
#[utoipa::path(post, path = "/api/v1/evaluations/{post}/decision", tag = "management", params(("post" = i64, Path)),
    request_body = DecisionInput, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn decide(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(post): Path<i64>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .decide(&actor, post, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose month to lock.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LockInput {
    /// `YYYY-MM`.
    pub month: String,
    /// These people's posts.
    #[serde(default)]
    pub posts: Option<Vec<i64>>,
    /// Or everyone of this unit.
    #[serde(default)]
    pub unit: Option<i64>,
}

/// How many were locked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Locked {
    /// Evaluations locked now.
    pub locked: usize,
}

/// Locks a month (of some people or a unit) after its end; its figures are frozen.
#[utoipa::path(post, path = "/api/v1/evaluations/lock", tag = "management", request_body = LockInput,
    responses((status = 200, body = Locked), (status = 409, body = crate::error::Problem)))]
async fn lock(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<LockInput>,
) -> Result<Json<Locked>, ApiError> {
    let locked = state
        .services
        .management()
        .lock(
            &actor,
            &body.month,
            body.posts.as_deref(),
            body.unit,
            state.clock.now(),
        )
        .await?;
    Ok(Json(Locked { locked }))
}

/// The caller's office's settings and weights.
#[utoipa::path(get, path = "/api/v1/evaluations/settings", tag = "management",
    responses((status = 200, body = SettingsView)))]
async fn get_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(state.services.management().settings(&actor).await?))
}

/// Changes the office's report day and objection window (its 主任, 副主任).
#[utoipa::path(post, path = "/api/v1/evaluations/settings", tag = "management", request_body = SettingsInput,
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
async fn save_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<SettingsInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .save_settings(&actor, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a position's weights (they sum to 100). Unlocked months change; locked ones do not.
#[utoipa::path(post, path = "/api/v1/evaluations/weights", tag = "management", request_body = WeightsInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn save_weights(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<WeightsInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .save_weights(&actor, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The management routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_targets, create_target))
        .routes(routes!(get_target))
        .routes(routes!(record_result))
        .routes(routes!(link_target))
        .routes(routes!(list_reports, save_week))
        .routes(routes!(get_week))
        .routes(routes!(comment_report))
        .routes(routes!(urge_reports))
        .routes(routes!(get_rollup, save_rollup))
        .routes(routes!(comment_rollup))
        .routes(routes!(list_evaluations))
        .routes(routes!(evaluations_xlsx))
        .routes(routes!(get_settings, save_settings))
        .routes(routes!(save_weights))
        .routes(routes!(lock))
        .routes(routes!(get_evaluation))
        .routes(routes!(rate))
        .routes(routes!(object))
        .routes(routes!(decide))
}
