//! API of 议题, 议程 and 会议申请 under `/api/v1/meetings`: topics (list, submit, one topic, its
//! materials uploaded and opened, 会签, screening, resubmitting, 暂缓), a meeting's agenda (read,
//! and 审定 by the office's leader: a topic overrunning the meeting answers 409
//! `meetings.agenda_clash` naming it), and meeting requests (ask, list, read, decide).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::meetings::{
    AgendaInput, AgendaView, CosignInput, DeferInput, RequestDecision, RequestInput, RequestList,
    RequestView, ScreenInput, TopicDetail, TopicInput, TopicList, TopicScope,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Which topics.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TopicQuery {
    /// `mine` (本单位, default), `screen` (待筛选, the office) or `office` (all of the office's).
    pub scope: Option<TopicScope>,
}

/// Topics: the caller's unit's, those waiting for the caller's office to screen, or all of the
/// office's.
#[utoipa::path(get, path = "/api/v1/meetings/topics", tag = "meetings", params(TopicQuery),
    responses((status = 200, body = TopicList), (status = 403, body = crate::error::Problem)))]
async fn list_topics(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<TopicQuery>,
) -> Result<Json<TopicList>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .topics(&actor, q.scope.unwrap_or_default())
            .await?,
    ))
}

/// Submits a 议题 for the caller's unit (已提交).
#[utoipa::path(post, path = "/api/v1/meetings/topics", tag = "meetings", request_body = TopicInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn submit_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<TopicInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .meetings()
        .submit_topic(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A topic with its 会签, 列席, materials (and, for its unit and office, who read them).
#[utoipa::path(get, path = "/api/v1/meetings/topics/{id}", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = TopicDetail), (status = 404, body = crate::error::Problem)))]
async fn get_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<TopicDetail>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .topic(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The material's file name.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MaterialQuery {
    /// File name.
    pub name: String,
}

/// Uploads a material of the topic (the submitting unit, before screening): the body is the
/// file, its type found from its content.
#[utoipa::path(post, path = "/api/v1/meetings/topics/{id}/materials", tag = "meetings",
    params(("id" = i64, Path), MaterialQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn upload_material(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<MaterialQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mid = state
        .services
        .meetings()
        .add_material(&actor, id, &q.name, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: mid })))
}

/// Opens a material (recorded as read); 403 once a 涉密 meeting's materials are withdrawn.
#[utoipa::path(get, path = "/api/v1/meetings/topics/{id}/materials/{material}", tag = "meetings",
    params(("id" = i64, Path), ("material" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn open_material(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, material)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .meetings()
        .material(&actor, id, material, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// A 会签 unit's answer.
#[utoipa::path(post, path = "/api/v1/meetings/topics/{id}/cosign", tag = "meetings",
    params(("id" = i64, Path)), request_body = CosignInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn cosign_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CosignInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .cosign_topic(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office screens a topic: `accept` (材料齐全; 409 `meetings.cosign_missing` naming the
/// units whose 会签 is missing) or `return` with a reason.
#[utoipa::path(post, path = "/api/v1/meetings/topics/{id}/screen", tag = "meetings",
    params(("id" = i64, Path)), request_body = ScreenInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn screen_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ScreenInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .screen_topic(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The submitting unit resubmits a returned topic.
#[utoipa::path(post, path = "/api/v1/meetings/topics/{id}/resubmit", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn resubmit_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .resubmit_topic(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office carries a topic over (暂缓) with a reason.
#[utoipa::path(post, path = "/api/v1/meetings/topics/{id}/defer", tag = "meetings",
    params(("id" = i64, Path)), request_body = DeferInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn defer_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DeferInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .defer_topic(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The meeting's agenda (议程).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/agenda", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = AgendaView), (status = 404, body = crate::error::Problem)))]
async fn get_agenda(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AgendaView>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .agenda(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The office's leader approves (审定) the agenda: topics in order with their times, which
/// must fit inside the meeting (409 `meetings.agenda_clash` naming the topic otherwise).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/agenda", tag = "meetings",
    params(("id" = i64, Path)), request_body = AgendaInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn approve_agenda(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AgendaInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .approve_agenda(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Meeting requests: the caller's unit's and those its office was asked.
#[utoipa::path(get, path = "/api/v1/meetings/requests", tag = "meetings",
    responses((status = 200, body = RequestList)))]
async fn list_requests(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<RequestList>, ApiError> {
    Ok(Json(state.services.meetings().requests(&actor).await?))
}

/// Asks the office for a meeting (会议申请).
#[utoipa::path(post, path = "/api/v1/meetings/requests", tag = "meetings",
    request_body = RequestInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RequestInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .meetings()
        .request_meeting(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One meeting request.
#[utoipa::path(get, path = "/api/v1/meetings/requests/{id}", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 404, body = crate::error::Problem)))]
async fn get_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.services.meetings().request(&actor, id).await?))
}

/// What a decision made.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOutcome {
    /// The meeting booked (筹备中) when approved.
    pub meeting_id: Option<i64>,
}

/// The office's leader approves a request (the meeting is booked from it; a clash answers 409
/// naming the other meeting) or declines it with a reason.
#[utoipa::path(post, path = "/api/v1/meetings/requests/{id}/decision", tag = "meetings",
    params(("id" = i64, Path)), request_body = RequestDecision,
    responses((status = 200, body = DecisionOutcome), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn decide_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RequestDecision>,
) -> Result<Json<DecisionOutcome>, ApiError> {
    let meeting_id = state
        .services
        .meetings()
        .decide_request(&actor, id, &body, state.clock.now())
        .await?;
    Ok(Json(DecisionOutcome { meeting_id }))
}

/// The routes of 议题, 议程 and 会议申请.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_topics, submit_topic))
        .routes(routes!(get_topic))
        .routes({
            let (schemas, paths, method) = routes!(upload_material);
            (
                schemas,
                paths,
                method.layer(DefaultBodyLimit::max(
                    xn_service::documents::MAX_ATTACHMENT_BYTES + 1024 * 1024,
                )),
            )
        })
        .routes(routes!(open_material))
        .routes(routes!(cosign_topic))
        .routes(routes!(screen_topic))
        .routes(routes!(resubmit_topic))
        .routes(routes!(defer_topic))
        .routes(routes!(get_agenda, approve_agenda))
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(decide_request))
}
