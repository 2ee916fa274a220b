//! API of the efficiency monitor (效能): `/api/v1/efficiency`, each answer scoped to what the
//! caller may see (a government's leaders and supervising section its whole tree, a section's
//! chief the section, anyone else their own posts).

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::efficiency::{Backlog, BacklogQuery};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiUser;
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

/// The efficiency routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(backlog))
        .routes(routes!(backlog_xlsx))
}
