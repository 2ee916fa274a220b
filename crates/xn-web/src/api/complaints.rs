//! API of 效能投诉: `/api/v1/complaints` — filing a complaint, the list in the caller's scope
//! with the upheld count per unit, a complaint with its investigation, 认定, and the upheld
//! count against a unit or a post for a period; and, without sign-in, the public form (the
//! service form's challenge, `GET /api/v1/service/public/challenge`) and the status by code.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::ServiceError;
use xn_service::complaints::{
    ComplaintView, Filed, FindingInput, ListView, NewComplaint, PublicComplaint, PublicStatus,
};
use xn_store::complaints::Against;

use super::service::ClientAddr;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The complaints in the caller's scope (the supervising section and the leaders: their
/// government's tree; a complainant: their own; a unit's chief: those against the unit), with
/// the upheld count per unit this year.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints",
    responses((status = 200, body = ListView)))]
async fn list_complaints(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<ListView>, ApiError> {
    Ok(Json(
        state
            .services
            .complaints()
            .list(&actor, state.clock.now())
            .await?,
    ))
}

/// The same list as an xlsx workbook, with the upheld count per unit this year.
#[utoipa::path(get, path = "/api/v1/complaints.xlsx", tag = "complaints",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn complaints_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<axum::response::Response, ApiError> {
    let f = state
        .services
        .complaints()
        .list_xlsx(&actor, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

/// 投诉: about an item the caller can see (`case_id`) or a unit (`unit_id`, and `post_id`);
/// it goes to the supervising section of the government above that unit.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints",
    request_body = NewComplaint,
    responses((status = 201, body = Filed), (status = 422, body = crate::error::Problem)))]
async fn file_complaint(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewComplaint>,
) -> Result<(StatusCode, Json<Filed>), ApiError> {
    let out = state
        .services
        .complaints()
        .file(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// A complaint and its investigation; the respondent unit reads no complainant.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints",
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = crate::error::Problem)))]
async fn get_complaint(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ComplaintView>, ApiError> {
    Ok(Json(state.services.complaints().view(&actor, id).await?))
}

/// 认定, by a holder of the step: 成立 and 部分成立 name the responsible post.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/finding", tag = "complaints",
    params(("id" = i64, Path)), request_body = FindingInput,
    responses((status = 204), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn find_complaint(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FindingInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .complaints()
        .find(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whom and when to count.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct UpheldQuery {
    /// A unit…
    pub unit: Option<i64>,
    /// …or a post.
    pub post: Option<i64>,
    /// First Beijing day (YYYY-MM-DD).
    pub from: String,
    /// Last Beijing day (YYYY-MM-DD), inclusive.
    pub to: String,
}

/// The upheld count.
#[derive(Debug, Serialize, ToSchema)]
pub struct Upheld {
    /// Complaints found 成立 or 部分成立 in the period.
    pub upheld: i64,
}

fn day(field: &'static str, v: &str) -> Result<String, ServiceError> {
    chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| ServiceError::invalid(field, "日期格式应为 YYYY-MM-DD"))
}

/// Complaints upheld against a unit or a post in a period, for a caller whose monitor covers
/// the unit (or the post's unit).
#[utoipa::path(get, path = "/api/v1/complaints/upheld", tag = "complaints", params(UpheldQuery),
    responses((status = 200, body = Upheld), (status = 422, body = crate::error::Problem)))]
async fn upheld(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<UpheldQuery>,
) -> Result<Json<Upheld>, ApiError> {
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    let against = match (q.unit, q.post) {
        (Some(u), None) => Against::Unit(u),
        (None, Some(p)) => Against::Post(p),
        _ => return Err(ServiceError::invalid("unit", "请指定 unit 或 post 之一").into()),
    };
    let upheld = state
        .services
        .complaints()
        .upheld_for(&actor, against, &from, &to)
        .await?;
    Ok(Json(Upheld { upheld }))
}

/// 网上投诉 (no sign-in): answers the query code. Over the limit per address: 429, nothing
/// stored.
#[utoipa::path(post, path = "/api/v1/complaints/public", tag = "complaints",
    request_body = PublicComplaint, security(()),
    responses((status = 201, body = Filed), (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
async fn public_file(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(body): ApiJson<PublicComplaint>,
) -> Result<(StatusCode, Json<PublicStatus>), ApiError> {
    let c = state.services.complaints();
    let out = c.file_public(&body, &address, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(c.status(&out.code).await?)))
}

/// 查询 (no sign-in): where a public complaint stands and, once closed, the finding and the
/// answer; nothing personal.
#[utoipa::path(get, path = "/api/v1/complaints/public/{code}", tag = "complaints",
    params(("code" = String, Path)), security(()),
    responses((status = 200, body = PublicStatus), (status = 404, body = crate::error::Problem)))]
async fn public_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<PublicStatus>, ApiError> {
    Ok(Json(state.services.complaints().status(&code).await?))
}

/// The complaints API.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_complaints, file_complaint))
        .routes(routes!(upheld))
        .routes(routes!(complaints_xlsx))
        .routes(routes!(get_complaint))
        .routes(routes!(find_complaint))
        .routes(routes!(public_file))
        .routes(routes!(public_status))
}
