//! API of the working-day calendar under `/api/v1/calendar`: days in a range, a deadline N
//! working days away, the years and their data, and replacing a year (维护工作日历).
//!
//! Dates are `YYYY-MM-DD` Asia/Shanghai business dates. A malformed date is a 422
//! problem+json naming the parameter; a range over 3660 days likewise.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::calendar::{
    DayView, DeadlineView, SaveReport, YearDataView, YearSummary, check_year, parse_date,
    parse_working_days,
};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The range of `GET /api/v1/calendar/days`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DaysQuery {
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`; at most 3660 days after `from`.
    #[serde(default)]
    pub to: String,
}

/// The question of `GET /api/v1/calendar/add`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AddQuery {
    /// The day of receipt, `YYYY-MM-DD` (it does not count).
    #[serde(default)]
    pub from: String,
    /// N working days, 0–1000.
    #[serde(default)]
    pub days: String,
}

/// Every day from `from` to `to`: working or not, and why.
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar", params(DaysQuery),
    responses((status = 200, body = Vec<DayView>), (status = 422, body = crate::error::Problem)))]
async fn list_days(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DaysQuery>,
) -> Result<Json<Vec<DayView>>, ApiError> {
    let from = parse_date("from", "开始日期 from", &q.from)?;
    let to = parse_date("to", "结束日期 to", &q.to)?;
    Ok(Json(state.services.calendar_days(&actor, from, to).await?))
}

/// The deadline `days` working days after `from`, with how it was reached.
#[utoipa::path(get, path = "/api/v1/calendar/add", tag = "calendar", params(AddQuery),
    responses((status = 200, body = DeadlineView), (status = 422, body = crate::error::Problem)))]
async fn add_working_days(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<AddQuery>,
) -> Result<Json<DeadlineView>, ApiError> {
    let from = parse_date("from", "受理日 from", &q.from)?;
    let n = parse_working_days("days", &q.days)?;
    Ok(Json(state.services.calendar_add(&actor, from, n).await?))
}

/// The years from 2004 to next year: source notice, counts, provisional or not.
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar",
    responses((status = 200, body = Vec<YearSummary>)))]
async fn list_years(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<YearSummary>>, ApiError> {
    Ok(Json(
        state
            .services
            .calendar_years(&actor, state.clock.now())
            .await?,
    ))
}

/// One year's data, in the shape of its TOML file.
#[utoipa::path(get, path = "/api/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path)),
    responses((status = 200, body = YearDataView), (status = 404, body = crate::error::Problem)))]
async fn find_year(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(year): Path<i32>,
) -> Result<Json<YearDataView>, ApiError> {
    let data = state.services.calendar_year_data(&actor, year).await?;
    Ok(Json(YearDataView::from(&data)))
}

/// Replaces a year's data (维护工作日历); every open deadline it moves is recomputed, its
/// holder notified, and the change recorded.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", params(("year" = i32, Path)),
    request_body = YearDataView,
    responses((status = 200, body = SaveReport), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn replace_year(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<YearDataView>,
) -> Result<Json<SaveReport>, ApiError> {
    check_year(year)?;
    Ok(Json(
        state
            .services
            .save_calendar_year(&actor, year, body.into(), state.clock.now())
            .await?,
    ))
}

/// The calendar's API routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_days))
        .routes(routes!(add_working_days))
        .routes(routes!(list_years))
        .routes(routes!(find_year, replace_year))
}
