//! API of 领导日程 (`/api/v1/schedule`): a leader's week of meetings and own engagements with
//! clashes flagged, writing, changing and cancelling an engagement (the leader or a keeper),
//! and naming the keepers (the leader or the office's 主任). The service decides who reads and
//! writes what.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::meetings::{KeeperOptions, KeepersInput, ScheduleInput, ScheduleWeek};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// Whose week, and which.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ScheduleQuery {
    /// The leader's post (default: the caller's own if a leader, else the first one kept).
    pub leader: Option<i64>,
    /// Any date of the week, `YYYY-MM-DD`; default this week (Beijing).
    #[param(value_type = Option<String>, format = Date)]
    pub week: Option<NaiveDate>,
}

/// Whose keepers.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct LeaderQuery {
    /// The leader's post (default: the caller's own).
    pub leader: Option<i64>,
}

/// A leader's week: meetings chaired or attended and own engagements, each day by start,
/// clashes named; a private engagement is a busy block for those who do not keep it.
#[utoipa::path(get, path = "/api/v1/schedule", tag = "meetings", params(ScheduleQuery),
    responses((status = 200, body = ScheduleWeek), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn week(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ScheduleQuery>,
) -> Result<Json<ScheduleWeek>, ApiError> {
    let date = q
        .week
        .unwrap_or_else(|| xn_domain::calendar::business_date(state.clock.now()));
    Ok(Json(
        state
            .services
            .meetings()
            .schedule_week(&actor, q.leader, date)
            .await?,
    ))
}

/// Adds an engagement to a leader's schedule.
#[utoipa::path(post, path = "/api/v1/schedule/entries", tag = "meetings", request_body = ScheduleInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn add(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<ScheduleInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .meetings()
        .add_schedule(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Changes an engagement (its leader stays); its calendar SEQUENCE goes up.
#[utoipa::path(put, path = "/api/v1/schedule/entries/{id}", tag = "meetings",
    params(("id" = i64, Path)), request_body = ScheduleInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn change(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ScheduleInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .change_schedule(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cancels an engagement.
#[utoipa::path(post, path = "/api/v1/schedule/entries/{id}/cancel", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn cancel(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .cancel_schedule(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A leader's keepers and the office's posts they are chosen from.
#[utoipa::path(get, path = "/api/v1/schedule/keepers", tag = "meetings", params(LeaderQuery),
    responses((status = 200, body = KeeperOptions), (status = 403, body = crate::error::Problem)))]
async fn keepers(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<LeaderQuery>,
) -> Result<Json<KeeperOptions>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .keeper_options(&actor, q.leader)
            .await?,
    ))
}

/// Names a leader's keepers (replacing the earlier ones).
#[utoipa::path(put, path = "/api/v1/schedule/keepers", tag = "meetings", request_body = KeepersInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn set_keepers(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<KeepersInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .set_keepers(&actor, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The 领导日程 API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(week))
        .routes(routes!(add))
        .routes(routes!(change))
        .routes(routes!(cancel))
        .routes(routes!(keepers, set_keepers))
}
