//! API of 四个满意: `GET /api/v1/satisfaction?month=` (the four per unit in the caller's
//! monitor scope, the ratings behind them and what the caller may rate), the workbook, a
//! rating (`POST /api/v1/satisfaction/ratings`) and the higher office's evaluation
//! (`POST /api/v1/satisfaction/higher`).

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::satisfaction::{
    HigherInput, RateInput, Rated, SatisfactionQuery, SatisfactionView,
};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The four satisfactions of a month (the present one when absent) per unit in the caller's
/// scope, with the ratings behind them.
#[utoipa::path(get, path = "/api/v1/satisfaction", tag = "satisfaction",
    params(SatisfactionQuery),
    responses((status = 200, body = SatisfactionView), (status = 422, body = crate::error::Problem)))]
async fn month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<SatisfactionQuery>,
) -> Result<Json<SatisfactionView>, ApiError> {
    Ok(Json(
        state
            .services
            .satisfaction()
            .view(&actor, &q, state.clock.now())
            .await?,
    ))
}

/// The same month as an xlsx workbook (the four per unit, and every rating behind them).
#[utoipa::path(get, path = "/api/v1/satisfaction.xlsx", tag = "satisfaction",
    params(SatisfactionQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 422, body = crate::error::Problem)))]
async fn month_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<SatisfactionQuery>,
) -> Result<axum::response::Response, ApiError> {
    let f = state
        .services
        .satisfaction()
        .xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

/// Rates a closed item once: a 督办件 by the leader it came from (领导满意), a 收文 by the
/// drafter or signer of the county's or bureau's document it came from (基层满意).
#[utoipa::path(post, path = "/api/v1/satisfaction/ratings", tag = "satisfaction",
    request_body = RateInput,
    responses((status = 201, body = Rated), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn rate(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RateInput>,
) -> Result<(axum::http::StatusCode, Json<Rated>), ApiError> {
    let r = state
        .services
        .satisfaction()
        .rate(&actor, &body, state.clock.now())
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(r)))
}

/// The id of what was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entered {
    /// Id.
    pub id: i64,
}

/// Enters the higher office's evaluation of the caller's office for a month (its 主任 or
/// 副主任); a second entry for the month replaces the first.
#[utoipa::path(post, path = "/api/v1/satisfaction/higher", tag = "satisfaction",
    request_body = HigherInput,
    responses((status = 200, body = Entered), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn higher(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<HigherInput>,
) -> Result<Json<Entered>, ApiError> {
    let id = state
        .services
        .satisfaction()
        .enter_higher(&actor, &body, state.clock.now())
        .await?;
    Ok(Json(Entered { id }))
}

/// The satisfaction routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(month))
        .routes(routes!(month_xlsx))
        .routes(routes!(rate))
        .routes(routes!(higher))
}
