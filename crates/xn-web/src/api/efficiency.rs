//! API of the efficiency monitor (效能): `/api/v1/efficiency`, each answer scoped to what the
//! caller may see (a government's leaders and supervising section its whole tree, a section's
//! chief the section, anyone else their own posts).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::efficiency::{Backlog, BacklogQuery, Leader, PeriodQuery, Ranking, UnitFigures};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// The backlog across every area's open steps, the latest first, a page of 50.
#[utoipa::path(get, path = "/api/v1/efficiency/backlog", tag = "efficiency", params(BacklogQuery),
    responses((status = 200, body = Backlog), (status = 422, body = crate::error::Problem)))]
async fn backlog(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Json<Backlog>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .backlog(&actor, &q, state.clock.now())
            .await?,
    ))
}

/// The same backlog as an xlsx workbook (at most 10,000 rows).
#[utoipa::path(get, path = "/api/v1/efficiency/backlog.xlsx", tag = "efficiency", params(BacklogQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn backlog_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .efficiency()
        .backlog_xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// The leader's picture: today's cards, the ten oldest steps, the level below in small
/// multiples (SVG) and the trend by month. For a government's leaders, its office's 主任 and
/// 副主任 and its supervising section.
#[utoipa::path(get, path = "/api/v1/efficiency/leader", tag = "efficiency",
    responses((status = 200, body = Leader), (status = 403, body = crate::error::Problem)))]
async fn leader(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Leader>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .leader(&actor, state.clock.now())
            .await?,
    ))
}

/// The units of the caller's monitor ranked within their level for a period (the present
/// month by default), with the weights, each unit's figures and the changes.
#[utoipa::path(get, path = "/api/v1/efficiency/units", tag = "efficiency", params(PeriodQuery),
    responses((status = 200, body = Ranking), (status = 422, body = crate::error::Problem)))]
async fn units(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Ranking>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .ranking(&actor, &q, state.clock.now())
            .await?,
    ))
}

/// The same rankings as an xlsx workbook, one sheet per level.
#[utoipa::path(get, path = "/api/v1/efficiency/units.xlsx", tag = "efficiency", params(PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn units_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .efficiency()
        .ranking_xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// One unit's figures for a period, counted again from the facts beside the stored ones, with
/// the steps behind them and the rules in words.
#[utoipa::path(get, path = "/api/v1/efficiency/units/{id}", tag = "efficiency",
    params(("id" = i64, Path, description = "The unit"), PeriodQuery),
    responses((status = 200, body = UnitFigures), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<UnitFigures>, ApiError> {
    Ok(Json(
        state
            .services
            .efficiency()
            .unit(&actor, id, &q, state.clock.now())
            .await?,
    ))
}

/// The composite's weights, by factor code.
#[derive(Debug, Deserialize, ToSchema)]
struct WeightsInput {
    /// `steps_on_time`, `cases_on_time`, `backlog`, `cards`, `satisfaction`: each 0–100, summing
    /// to 100 (a factor left out weighs 0).
    weights: BTreeMap<String, i64>,
}

/// Sets the composite's weights of the caller's government (its office's 主任 or 副主任).
#[utoipa::path(put, path = "/api/v1/efficiency/weights", tag = "efficiency", request_body = WeightsInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn weights(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<WeightsInput>,
) -> Result<StatusCode, ApiError> {
    let w: Vec<(String, i64)> = body.weights.into_iter().collect();
    state
        .services
        .efficiency()
        .save_weights(&actor, &w, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The month to draft the 效能通报 of.
#[derive(Debug, Deserialize, ToSchema)]
struct BulletinInput {
    /// An ended month, `2026-11`.
    period: String,
}

/// The drafted 通报.
#[derive(Debug, serde::Serialize, ToSchema)]
struct BulletinDrafted {
    /// The draft document (`/api/v1/documents/{id}`).
    document_id: i64,
}

/// Drafts an ended month's 效能通报 (totals, rankings, late items and units named) as a 通报
/// document of the caller's office, to go through 签发 like any document: the office's 主任
/// or 副主任, or its 督查科.
#[utoipa::path(post, path = "/api/v1/efficiency/bulletin", tag = "efficiency", request_body = BulletinInput,
    responses((status = 201, body = BulletinDrafted), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn bulletin(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<BulletinInput>,
) -> Result<(StatusCode, Json<BulletinDrafted>), ApiError> {
    let document_id = state
        .services
        .efficiency()
        .draft_bulletin(&actor, body.period.trim(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(BulletinDrafted { document_id })))
}

/// The efficiency routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(backlog))
        .routes(routes!(backlog_xlsx))
        .routes(routes!(leader))
        .routes(routes!(units))
        .routes(routes!(units_xlsx))
        .routes(routes!(unit))
        .routes(routes!(weights))
        .routes(routes!(bulletin))
}
