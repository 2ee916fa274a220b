//! API of 督查督办: `/api/v1/supervision` — items (立项, 分解, 签收, 报送进展, 申请办结,
//! 办结审核, 申请调整, 催办), the lists (board, unit, leader), an item drafted from a case's
//! instruction, the monthly 督查通报 and the scores kept for assessment.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::supervision::{
    BulletinView, ChangeInput, InstructionDraft, ItemDetail, ItemList, ItemQuery, NewItemInput,
    ScoreView,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// Lists items.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "supervision", params(ItemQuery),
    responses((status = 200, body = ItemList)))]
async fn list_items(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ItemQuery>,
) -> Result<Json<ItemList>, ApiError> {
    Ok(Json(
        state
            .services
            .supervision()
            .list(&actor, &q, state.clock.now())
            .await?,
    ))
}

/// Opens an item (立项) for a lead unit; the caller sits in a supervising section.
#[utoipa::path(post, path = "/api/v1/supervision", tag = "supervision", request_body = NewItemInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewItemInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let sv = state.services.supervision();
    let section = sv.as_section(&actor).await?;
    let id = sv.open(&section, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An item with its reports, cards, sub-items and timeline.
#[utoipa::path(get, path = "/api/v1/supervision/{id}", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, body = ItemDetail), (status = 404, body = crate::error::Problem)))]
async fn get_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ItemDetail>, ApiError> {
    Ok(Json(
        state
            .services
            .supervision()
            .read_item(&actor, id, state.clock.now())
            .await?,
    ))
}

/// A text (opinion, report, evidence, message).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TextBody {
    /// The text.
    #[serde(default)]
    pub text: String,
}

/// 签收: the lead post signs for the item.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/sign", tag = "supervision", params(("id" = i64, Path)),
    request_body = TextBody, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn sign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .supervision()
        .sign(&actor, id, &body.text, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How a report was taken.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = supervision::Filed)]
pub struct Filed {
    /// `filed` (on time) or `late`.
    pub status: String,
}

/// 报送进展: the lead post files a progress report.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/reports", tag = "supervision", params(("id" = i64, Path)),
    request_body = TextBody, responses((status = 200, body = Filed), (status = 409, body = crate::error::Problem)))]
async fn file_report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<Json<Filed>, ApiError> {
    let status = state
        .services
        .supervision()
        .report(&actor, id, &body.text, state.clock.now())
        .await?;
    Ok(Json(Filed { status }))
}

/// Sub-items to open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecomposeBody {
    /// Each sub-item (source fields are taken from the parent).
    pub subs: Vec<NewItemInput>,
}

/// The ids made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ids {
    /// Ids.
    pub ids: Vec<i64>,
}

/// 分解: the lead post splits the item into sub-items.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/decompose", tag = "supervision", params(("id" = i64, Path)),
    request_body = DecomposeBody, responses((status = 201, body = Ids), (status = 422, body = crate::error::Problem)))]
async fn decompose(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecomposeBody>,
) -> Result<(StatusCode, Json<Ids>), ApiError> {
    let ids = state
        .services
        .supervision()
        .decompose(&actor, id, &body.subs, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Ids { ids })))
}

/// 办结申请 with the evidence described.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/apply", tag = "supervision", params(("id" = i64, Path)),
    request_body = TextBody, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn apply(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .supervision()
        .apply_close(&actor, id, &body.text, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A review's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// Accept (销号) or send back (退回重办).
    pub accept: bool,
    /// The opinion (required when sending back).
    #[serde(default)]
    pub opinion: String,
}

/// 办结审核 by the opener.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/review", tag = "supervision", params(("id" = i64, Path)),
    request_body = ReviewBody, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn review(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .supervision()
        .review(&actor, id, body.accept, &body.opinion, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 申请调整 the lead unit or the deadline.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/change", tag = "supervision", params(("id" = i64, Path)),
    request_body = ChangeInput, responses((status = 201, body = Created), (status = 409, body = crate::error::Problem)))]
async fn request_change(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ChangeInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .supervision()
        .request_change(&actor, id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A decision on a change request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecideBody {
    /// Approve?
    pub approve: bool,
    /// Opinion (required when refusing).
    #[serde(default)]
    pub opinion: String,
}

/// Decides the pending change request (the opener).
#[utoipa::path(post, path = "/api/v1/supervision/{id}/change/decide", tag = "supervision", params(("id" = i64, Path)),
    request_body = DecideBody, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn decide_change(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecideBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .supervision()
        .decide_change(&actor, id, body.approve, &body.opinion, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 催办.
#[utoipa::path(post, path = "/api/v1/supervision/{id}/urge", tag = "supervision", params(("id" = i64, Path)),
    request_body = TextBody, responses((status = 204), (status = 403, body = crate::error::Problem)))]
async fn urge(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TextBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .supervision()
        .urge(&actor, id, &body.text, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An item drafted from the latest leader's instruction on a case.
#[utoipa::path(get, path = "/api/v1/supervision/instruction/{case_id}", tag = "supervision",
    params(("case_id" = i64, Path)), responses((status = 200, body = InstructionDraft)))]
async fn instruction(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(case_id): Path<i64>,
) -> Result<Json<InstructionDraft>, ApiError> {
    let sv = state.services.supervision();
    let section = sv.as_section(&actor).await?;
    Ok(Json(sv.instruction_draft(&section, case_id).await?))
}

/// The case a new item is drafted from, if any.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DraftQuery {
    /// The case whose latest instruction the item follows.
    #[serde(default)]
    pub case: Option<i64>,
}

/// What a new item starts from: the same proposal the 立项 form shows (due in 20 working days,
/// weekly reports on Fridays, normal importance; from a case, its leader's instruction).
#[utoipa::path(get, path = "/api/v1/supervision/draft", tag = "supervision", params(DraftQuery),
    responses((status = 200, body = NewItemInput)))]
async fn draft_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DraftQuery>,
) -> Result<Json<NewItemInput>, ApiError> {
    let sv = state.services.supervision();
    let section = sv.as_section(&actor).await?;
    let (input, _) = sv.defaults(&section, q.case, state.clock.now()).await?;
    Ok(Json(input))
}

/// A month.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
}

/// The month's 督查通报, previewed.
#[utoipa::path(get, path = "/api/v1/supervision/bulletin", tag = "supervision", params(MonthQuery),
    responses((status = 200, body = BulletinView)))]
async fn bulletin(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<BulletinView>, ApiError> {
    let sv = state.services.supervision();
    let board = sv.as_board(&actor).await?;
    Ok(Json(
        sv.bulletin(&board, &q.month, state.clock.now()).await?,
    ))
}

/// The document drafted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Drafted {
    /// The 通报 document, to be submitted like any draft.
    pub document_id: i64,
}

/// Drafts the month's 督查通报 as a 通报 document of the caller's office.
#[utoipa::path(post, path = "/api/v1/supervision/bulletin", tag = "supervision", request_body = MonthQuery,
    responses((status = 201, body = Drafted)))]
async fn draft_bulletin(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MonthQuery>,
) -> Result<(StatusCode, Json<Drafted>), ApiError> {
    let sv = state.services.supervision();
    let board = sv.as_board(&actor).await?;
    let document_id = sv
        .draft_bulletin(&board, &body.month, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Drafted { document_id })))
}

/// The month's stored scores.
#[utoipa::path(get, path = "/api/v1/supervision/scores", tag = "supervision", params(MonthQuery),
    responses((status = 200, body = Vec<ScoreView>)))]
async fn scores(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<Vec<ScoreView>>, ApiError> {
    Ok(Json(
        state
            .services
            .supervision()
            .scores(&actor, &q.month)
            .await?,
    ))
}

/// Computes and stores the month's scores per unit and post.
#[utoipa::path(post, path = "/api/v1/supervision/scores", tag = "supervision", request_body = MonthQuery,
    responses((status = 200, body = Vec<ScoreView>)))]
async fn store_scores(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MonthQuery>,
) -> Result<Json<Vec<ScoreView>>, ApiError> {
    let sv = state.services.supervision();
    let board = sv.as_board(&actor).await?;
    Ok(Json(
        sv.store_scores(&board, &body.month, state.clock.now())
            .await?,
    ))
}

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items, create_item))
        .routes(routes!(bulletin, draft_bulletin))
        .routes(routes!(scores, store_scores))
        .routes(routes!(instruction))
        .routes(routes!(draft_item))
        .routes(routes!(get_item))
        .routes(routes!(sign))
        .routes(routes!(file_report))
        .routes(routes!(decompose))
        .routes(routes!(apply))
        .routes(routes!(review))
        .routes(routes!(request_change))
        .routes(routes!(decide_change))
        .routes(routes!(urge))
}
