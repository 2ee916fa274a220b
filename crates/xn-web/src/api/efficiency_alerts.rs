//! API of 预警纠错 (the efficiency monitor's alerts): `/api/v1/efficiency/alerts`, scoped as the
//! backlog is (a government's leaders and supervising section its whole tree, a section's chief
//! the section, anyone else the alerts their own posts answer for).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::efficiency::{AlertList, AlertQuery, AlertSetting, AlertSettingInput, AlertView};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The alerts in the caller's scope, open first, a page of 50.
#[utoipa::path(get, path = "/api/v1/efficiency/alerts", tag = "efficiency", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 422, body = crate::error::Problem)))]
async fn list_alerts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<AlertQuery>,
) -> Result<Json<AlertList>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .alerts(&actor, &q, state.clock.now())
            .await?,
    ))
}

/// The alerts of the same query as an xlsx workbook (every page, at most 10,000 rows).
#[utoipa::path(get, path = "/api/v1/efficiency/alerts.xlsx", tag = "efficiency", params(AlertQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 422, body = crate::error::Problem)))]
async fn alerts_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<AlertQuery>,
) -> Result<axum::response::Response, ApiError> {
    let f = state
        .services
        .efficiency()
        .alerts_xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

/// An acknowledgement (确认).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcknowledgeInput {
    /// What was found and done (说明/纠错措施); required.
    #[serde(default)]
    pub note: String,
}

/// 确认: the responsible post or the monitoring side acknowledges an alert with a note.
#[utoipa::path(post, path = "/api/v1/efficiency/alerts/{id}/acknowledge", tag = "efficiency",
    params(("id" = i64, Path)), request_body = AcknowledgeInput,
    responses((status = 200, body = AlertView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn acknowledge_alert(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AcknowledgeInput>,
) -> Result<Json<AlertView>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .acknowledge_alert(&actor, id, &body.note, state.clock.now())
            .await?,
    ))
}

/// The alert rules of the caller's government (its leaders, its office's 主任 and 副主任, its
/// 督查科): each rule's number, whether it runs, and the shipped default.
#[utoipa::path(get, path = "/api/v1/efficiency/alerts/settings", tag = "efficiency",
    responses((status = 200, body = Vec<AlertSetting>), (status = 403, body = crate::error::Problem)))]
async fn alert_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<AlertSetting>>, ApiError> {
    Ok(Json(
        state.services.efficiency().alert_settings(&actor).await?,
    ))
}

/// Sets some alert rules of the caller's government, all or none; the next scan applies them.
#[utoipa::path(put, path = "/api/v1/efficiency/alerts/settings", tag = "efficiency",
    request_body = Vec<AlertSettingInput>,
    responses((status = 200, body = Vec<AlertSetting>), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn put_alert_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<Vec<AlertSettingInput>>,
) -> Result<Json<Vec<AlertSetting>>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .put_alert_settings(&actor, &body, state.clock.now())
            .await?,
    ))
}

/// The alert routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(alerts_xlsx))
        .routes(routes!(acknowledge_alert))
        .routes(routes!(alert_settings, put_alert_settings))
}
