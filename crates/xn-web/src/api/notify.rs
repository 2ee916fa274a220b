//! API of 消息推送: one's own delivery choices and messages, and a unit's group robots
//! (系统管理员).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::notify::{DeliveryView, PrefsInput, PrefsView, RobotInput, RobotView};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The caller's delivery choices: mail address, topics, quiet hours, daily digest.
#[utoipa::path(get, path = "/api/v1/account/notify", tag = "account",
    responses((status = 200, body = PrefsView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
async fn my_prefs(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<PrefsView>, ApiError> {
    Ok(Json(state.services.notify().my_prefs(&actor).await?))
}

/// Saves the caller's delivery choices.
#[utoipa::path(put, path = "/api/v1/account/notify", tag = "account", request_body = PrefsInput,
    responses((status = 200, body = PrefsView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_my_prefs(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<PrefsInput>,
) -> Result<Json<PrefsView>, ApiError> {
    Ok(Json(
        state
            .services
            .notify()
            .save_my_prefs(&actor, &input, state.clock.now())
            .await?,
    ))
}

/// The caller's latest messages by mail and messenger, with their outcome.
#[utoipa::path(get, path = "/api/v1/account/notify/deliveries", tag = "account",
    responses((status = 200, body = Vec<DeliveryView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
async fn my_deliveries(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(
        state.services.notify().my_deliveries(&actor, 50).await?,
    ))
}

/// A unit's group robots (系统管理员); addresses shown only in part.
#[utoipa::path(get, path = "/api/v1/org/units/{id}/robots", tag = "org", params(("id" = i64, Path, description = "unit id")),
    responses((status = 200, body = Vec<RobotView>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn robots(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RobotView>>, ApiError> {
    Ok(Json(state.services.notify().robots(&actor, id).await?))
}

/// Sets a unit's 企业微信 or 钉钉 group robot, replacing the one of that messenger
/// (系统管理员).
#[utoipa::path(put, path = "/api/v1/org/units/{id}/robots", tag = "org", params(("id" = i64, Path, description = "unit id")), request_body = RobotInput,
    responses((status = 200, body = RobotView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_robot(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RobotInput>,
) -> Result<Json<RobotView>, ApiError> {
    Ok(Json(
        state
            .services
            .notify()
            .save_robot(&actor, id, &input, state.clock.now())
            .await?,
    ))
}

/// Takes a unit's robot of a messenger (`wecom`, `dingtalk`) out of use (系统管理员).
#[utoipa::path(delete, path = "/api/v1/org/units/{id}/robots/{kind}", tag = "org",
    params(("id" = i64, Path, description = "unit id"), ("kind" = String, Path, description = "wecom or dingtalk")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn retire_robot(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, kind)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .notify()
        .retire_robot(&actor, id, &kind, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a test message to a unit's robot of a messenger (系统管理员); it goes within a few
/// seconds, whatever the robot's quiet hours.
#[utoipa::path(post, path = "/api/v1/org/units/{id}/robots/{kind}/test", tag = "org",
    params(("id" = i64, Path, description = "unit id"), ("kind" = String, Path, description = "wecom or dingtalk")),
    responses((status = 202), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn test_robot(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, kind)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .notify()
        .test_robot(&actor, id, &kind, state.clock.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// The routes of 消息推送.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_prefs, save_my_prefs))
        .routes(routes!(my_deliveries))
        .routes(routes!(robots, save_robot))
        .routes(routes!(retire_robot))
        .routes(routes!(test_robot))
}
