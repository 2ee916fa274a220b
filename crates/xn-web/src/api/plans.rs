//! API of 日安排 and 规章制度: `/api/v1/plans` (the caller's day: what is due pulled from the
//! other areas beside their own entries; the section's day for a chief; adding, ordering,
//! marking done and removing own entries; marking a pulled line done for the plan) and
//! `/api/v1/rules` (the office's rules with their versions, publishing a version, and the
//! reading acknowledgements). Every answer is scoped by the service.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::management::{
    DayPlan, EntryInput, MarkInput, Move, RuleInput, RuleVersionInput, RuleView, RulesView,
    SectionDay,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// Which day.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DateQuery {
    /// `YYYY-MM-DD`; default today (Beijing).
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
}

fn day(state: &AppState, q: &DateQuery) -> NaiveDate {
    q.date
        .unwrap_or_else(|| xn_domain::calendar::business_date(state.clock.now()))
}

/// The caller's day: pulled lines due that day (or overdue) and later in its week, and their
/// own entries in their order.
#[utoipa::path(get, path = "/api/v1/plans", tag = "management", params(DateQuery),
    responses((status = 200, body = DayPlan)))]
async fn get_plan(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DateQuery>,
) -> Result<Json<DayPlan>, ApiError> {
    let date = day(&state, &q);
    Ok(Json(
        state
            .services
            .management()
            .day_plan(&actor, date, state.clock.now())
            .await?,
    ))
}

/// The day of everyone a section's chief (or an office's 主任, 副主任) oversees; 403 for
/// anyone else.
#[utoipa::path(get, path = "/api/v1/plans/section", tag = "management", params(DateQuery),
    responses((status = 200, body = SectionDay), (status = 403, body = crate::error::Problem)))]
async fn get_section(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DateQuery>,
) -> Result<Json<SectionDay>, ApiError> {
    let date = day(&state, &q);
    Ok(Json(
        state
            .services
            .management()
            .section_day(&actor, date, state.clock.now())
            .await?,
    ))
}

/// Adds an own entry to the caller's day, last in their order.
#[utoipa::path(post, path = "/api/v1/plans/entries", tag = "management", request_body = EntryInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn add_entry(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<EntryInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .add_entry(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Moving an own entry.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = plans::MoveInput)]
pub struct MoveInput {
    /// `up` or `down`.
    pub direction: Move,
}

/// Moves an own entry one place up or down.
#[utoipa::path(post, path = "/api/v1/plans/entries/{id}/move", tag = "management",
    params(("id" = i64, Path)), request_body = MoveInput,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn move_entry(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MoveInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .move_entry(&actor, id, body.direction, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Done or not.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DoneInput {
    /// Done (true) or not.
    pub done: bool,
}

/// Marks an own entry done or not.
#[utoipa::path(post, path = "/api/v1/plans/entries/{id}/done", tag = "management",
    params(("id" = i64, Path)), request_body = DoneInput,
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn entry_done(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DoneInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .entry_done(&actor, id, body.done, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an own entry.
#[utoipa::path(delete, path = "/api/v1/plans/entries/{id}", tag = "management",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn delete_entry(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.management().delete_entry(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks a pulled line done for the day's plan (the item itself is not touched), or takes
/// the mark away.
#[utoipa::path(post, path = "/api/v1/plans/marks", tag = "management", request_body = MarkInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn mark_line(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MarkInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .mark_line(&actor, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rules of the caller's office, with the caller's answer to each current version.
#[utoipa::path(get, path = "/api/v1/rules", tag = "management",
    responses((status = 200, body = RulesView)))]
async fn list_rules(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<RulesView>, ApiError> {
    Ok(Json(state.services.management().rules(&actor).await?))
}

/// Adds a rule of the caller's office (its 主任, 副主任) and asks every post of the office to
/// acknowledge its first version.
#[utoipa::path(post, path = "/api/v1/rules", tag = "management", request_body = RuleInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn create_rule(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .create_rule(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Which version.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct VersionQuery {
    /// A version number; default the current one.
    pub version: Option<i64>,
}

/// A rule with its current (or the given) version, every version, and — for its owner and
/// the office's leaders — who has and has not acknowledged the current one.
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "management",
    params(("id" = i64, Path), VersionQuery),
    responses((status = 200, body = RuleView), (status = 404, body = crate::error::Problem)))]
async fn get_rule(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(
        state
            .services
            .management()
            .rule(&actor, id, q.version)
            .await?,
    ))
}

/// A version published.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// Its number.
    pub version: i64,
}

/// Publishes a new version of a rule (its owner, the office's 主任, 副主任); every post of the
/// office is asked to acknowledge it.
#[utoipa::path(post, path = "/api/v1/rules/{id}/versions", tag = "management",
    params(("id" = i64, Path)), request_body = RuleVersionInput,
    responses((status = 201, body = Published), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn publish_rule(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RuleVersionInput>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let version = state
        .services
        .management()
        .publish_rule(&actor, id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Published { version })))
}

/// The caller acknowledges reading a rule's current version.
#[utoipa::path(post, path = "/api/v1/rules/{id}/acknowledge", tag = "management",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn acknowledge_rule(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .management()
        .acknowledge_rule(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_plan))
        .routes(routes!(get_section))
        .routes(routes!(add_entry))
        .routes(routes!(move_entry))
        .routes(routes!(entry_done))
        .routes(routes!(delete_entry))
        .routes(routes!(mark_line))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule))
        .routes(routes!(publish_rule))
        .routes(routes!(acknowledge_rule))
}
