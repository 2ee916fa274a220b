//! API of 调研: `/api/v1/research` — the research topics the caller reads (by year and state),
//! proposing one, the office leader's decision on the year's plan, starting it, field work and
//! its pictures, the report (draft, review, submission), the leaders' 批示, 批示 → 督办 in one
//! step, closing with the outcome, and the figures per month and lead unit. Every answer is
//! scoped by the service: a topic of another office answers 404.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::research::{
    DecisionInput, FiguresView, OutcomeInput, ReportInput, ReviewInput, SuperviseInput, TopicInput,
    TopicOptions, TopicView, TopicsView, VisitInput,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Which topics.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Plan year (default: every year).
    pub year: Option<i64>,
    /// State code: proposed, planned, declined, active, reporting, closed.
    pub state: Option<String>,
}

/// Which year.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct YearQuery {
    /// `YYYY` (default: this year, Beijing).
    pub year: Option<i64>,
}

/// A file's name.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FileQuery {
    /// The file name.
    pub name: String,
}

/// A leader's 批示.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InstructionInput {
    /// The words.
    pub text: String,
}

/// Lists the research topics the caller reads: its office's, and those it leads or is on the team of.
#[utoipa::path(get, path = "/api/v1/research", tag = "research", params(ListQuery), responses((status = 200, body = TopicsView)))]
async fn list_topics(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<TopicsView>, ApiError> {
    Ok(Json(
        state
            .services
            .research()
            .topics(&actor, q.year, q.state.as_deref())
            .await?,
    ))
}

/// Proposes a topic (主动, or 交办 naming the leader); the office's 主任 and 副主任 are told.
#[utoipa::path(post, path = "/api/v1/research", tag = "research", request_body = TopicInput, responses((status = 201, body = Created)))]
async fn propose(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<TopicInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .research()
        .propose(&actor, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// What the form for a new topic offers: the leaders and the office's posts.
#[utoipa::path(get, path = "/api/v1/research/options", tag = "research", responses((status = 200, body = TopicOptions)))]
async fn options(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<TopicOptions>, ApiError> {
    Ok(Json(state.services.research().options(&actor).await?))
}

/// The caller's office's figures of a year per month and lead unit.
#[utoipa::path(get, path = "/api/v1/research/figures", tag = "research", params(YearQuery), responses((status = 200, body = FiguresView)))]
async fn figures(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<YearQuery>,
) -> Result<Json<FiguresView>, ApiError> {
    let year = q.year.unwrap_or_else(|| {
        i64::from(chrono::Datelike::year(&xn_domain::calendar::business_date(
            state.clock.now(),
        )))
    });
    Ok(Json(state.services.research().figures(&actor, year).await?))
}

/// A topic with its team, field work, report, 批示 and outcome, and what the caller may do.
#[utoipa::path(get, path = "/api/v1/research/{id}", tag = "research", params(("id" = i64, Path)), responses((status = 200, body = TopicView)))]
async fn get_topic(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<TopicView>, ApiError> {
    Ok(Json(state.services.research().topic(&actor, id).await?))
}

/// The office's 主任 or 副主任 takes a proposed topic into the year's plan or declines it.
#[utoipa::path(post, path = "/api/v1/research/{id}/decision", tag = "research", params(("id" = i64, Path)), request_body = DecisionInput, responses((status = 204)))]
async fn decide(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .research()
        .decide(&actor, id, body.approve, &body.note, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The lead starts the field work of a planned topic.
#[utoipa::path(post, path = "/api/v1/research/{id}/start", tag = "research", params(("id" = i64, Path)), responses((status = 204)))]
async fn start(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state.services.research().start(&actor, id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A team member logs a visit, 座谈会 or questionnaire; it goes on the schedule of everyone who went.
#[utoipa::path(post, path = "/api/v1/research/{id}/visits", tag = "research", params(("id" = i64, Path)), request_body = VisitInput, responses((status = 201, body = Created)))]
async fn log_visit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .research()
        .log_visit(&actor, id, &body, &[], now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Attaches a picture or file to a visit: the request body is the file.
#[utoipa::path(post, path = "/api/v1/research/visits/{id}/files", tag = "research", params(("id" = i64, Path), FileQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, body = Created)))]
async fn attach_file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .research()
        .attach_file(&actor, id, &q.name, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Downloads a picture or file of the field work.
#[utoipa::path(get, path = "/api/v1/research/files/{id}", tag = "research", params(("id" = i64, Path)), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
async fn download_file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state.services.research().file(&actor, id).await?,
    ))
}

/// The lead writes the report; with `submit` it goes for review.
#[utoipa::path(post, path = "/api/v1/research/{id}/report", tag = "research", params(("id" = i64, Path)), request_body = ReportInput, responses((status = 204)))]
async fn save_report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReportInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .research()
        .save_report(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The lead's section chief or an office leader submits the report to the leaders or returns it.
#[utoipa::path(post, path = "/api/v1/research/{id}/review", tag = "research", params(("id" = i64, Path)), request_body = ReviewInput, responses((status = 204)))]
async fn review(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReviewInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .research()
        .review(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A leader gives a 批示 on the submitted report.
#[utoipa::path(post, path = "/api/v1/research/{id}/instructions", tag = "research", params(("id" = i64, Path)), request_body = InstructionInput, responses((status = 201, body = Created)))]
async fn instruct(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<InstructionInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .research()
        .instruct(&actor, id, &body.text, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The office's supervising section turns a 批示 on the report into a 督办 item (linked both ways); answers the item's id.
#[utoipa::path(post, path = "/api/v1/research/{id}/supervise", tag = "research", params(("id" = i64, Path)), request_body = SuperviseInput, responses((status = 201, body = Created)))]
async fn supervise(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SuperviseInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .research()
        .supervise(&actor, id, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The lead or an office leader closes the topic with its outcome (转化为文件, 转化为决策, 未转化).
#[utoipa::path(post, path = "/api/v1/research/{id}/close", tag = "research", params(("id" = i64, Path)), request_body = OutcomeInput, responses((status = 204)))]
async fn close(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<OutcomeInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .research()
        .close(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_topics, propose))
        .routes(routes!(options))
        .routes(routes!(figures))
        .routes(routes!(get_topic))
        .routes(routes!(decide))
        .routes(routes!(start))
        .routes(routes!(log_visit))
        .routes(routes!(attach_file))
        .routes(routes!(download_file))
        .routes(routes!(save_report))
        .routes(routes!(review))
        .routes(routes!(instruct))
        .routes(routes!(supervise))
        .routes(routes!(close))
}
