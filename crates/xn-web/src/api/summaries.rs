//! API of 年总结: `/api/v1/summaries` — the year of a person, section or office (targets
//! against results, the twelve months' evaluations, the on-time rate and cards by month, the
//! work per area, the charts as SVG), its PDF and the year's summary table as xlsx; saving and
//! submitting one's own summary text; and the office's annual summary drafted as a document.
//! A resource of its own rather than under `/api/v1/evaluations`: a summary is a record with
//! its own text and life (draft, submitted, drafted into a document), and
//! `/api/v1/evaluations/{post}` already takes the next path segment as a post.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::management::{SummaryInput, YearSubject, YearView};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Whose year.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SubjectQuery {
    /// Year; default this year (Beijing).
    pub year: Option<i64>,
    /// A person's post (default: the caller's own, or the unit the caller leads).
    pub post: Option<i64>,
    /// A section or office.
    pub unit: Option<i64>,
}

impl SubjectQuery {
    fn subject(&self) -> YearSubject {
        YearSubject {
            year: self.year,
            post: self.post,
            unit: self.unit,
        }
    }
}

/// The year of a person, section or office.
#[utoipa::path(get, path = "/api/v1/summaries", tag = "management", params(SubjectQuery),
    responses((status = 200, body = YearView), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn get_year(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<SubjectQuery>,
) -> Result<Json<YearView>, ApiError> {
    Ok(Json(
        state
            .services
            .management()
            .year(&actor, &q.subject(), state.clock.now())
            .await?,
    ))
}

/// Saves (or submits) the caller's own year summary, or that of the unit the caller leads.
#[utoipa::path(post, path = "/api/v1/summaries", tag = "management", request_body = SummaryInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn save_summary(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<SummaryInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .save_summary(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The year as a PDF with its charts.
#[utoipa::path(get, path = "/api/v1/summaries/pdf", tag = "management", params(SubjectQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn year_pdf(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<SubjectQuery>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .management()
        .year_pdf(&actor, &q.subject(), state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// The year's summary table: each person's months as numbers, the year's mean as a formula.
#[utoipa::path(get, path = "/api/v1/summaries/xlsx", tag = "management", params(SubjectQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn year_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<SubjectQuery>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .management()
        .year_xlsx(&actor, &q.subject(), state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// Which year's annual summary to draft.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DocumentInput {
    /// Year.
    pub year: i64,
    /// A person of one of the office's sections made the document's 拟稿人 (default: the
    /// caller).
    #[serde(default)]
    pub drafter_post: Option<i64>,
}

/// Drafts the office's annual summary (年度工作总结) as a document (its 主任, 副主任).
#[utoipa::path(post, path = "/api/v1/summaries/document", tag = "management", request_body = DocumentInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn draft_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<DocumentInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .management()
        .draft_year_document(&actor, body.year, body.drafter_post, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The year summary routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_year, save_summary))
        .routes(routes!(year_pdf))
        .routes(routes!(year_xlsx))
        .routes(routes!(draft_document))
}
