//! API of 办事与服务: `/api/v1/service` — the lists and a request, the office's registration and
//! each step of the loop (受理, 合并, 不予受理, 派单, 签收, 退单, 答复, 答复审核, 回访, 延期申请 and
//! its decision); and, without sign-in, the public form (its challenge, submitting, tracking by
//! code and phone, rating the answer), limited per address and per phone.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_domain::service::VisitResult;
use xn_service::service::{
    Challenge, DispatchInput, ExtensionInput, HotView, InternalInput, ListView, PublicInput,
    RegisterInput, RequestDetail, Submitted, Tracking,
};

use super::flow::{FileBody, decoded_files};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Which list.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// accept (待受理), dispatch (待派单), mine (my unit's), overdue (超期), returned (退单),
    /// reworked (重办), all.
    pub tab: Option<String>,
    /// With `mine`: one state (signing, handling …).
    pub state: Option<String>,
}

/// Requests the caller handles, by list.
#[utoipa::path(get, path = "/api/v1/service/requests", tag = "service", params(ListQuery),
    responses((status = 200, body = ListView)))]
async fn list_requests(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<ListView>, ApiError> {
    let tab = q.tab.as_deref().unwrap_or("");
    Ok(Json(
        state
            .services
            .service()
            .list(&actor, tab, q.state.as_deref(), state.clock.now())
            .await?,
    ))
}

/// Which month.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct HotQuery {
    /// `YYYY-MM` (default: this month, Beijing time).
    pub month: Option<String>,
}

/// 热点分析: a month's requests the caller may see, by category, by place and by category ×
/// place, beside the month before.
#[utoipa::path(get, path = "/api/v1/service/hot", tag = "service", params(HotQuery),
    responses((status = 200, body = HotView)))]
async fn hot_topics(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<HotQuery>,
) -> Result<Json<HotView>, ApiError> {
    Ok(Json(
        state
            .services
            .service()
            .hot(&actor, q.month.as_deref(), state.clock.now())
            .await?,
    ))
}

/// A registered request: its id and tracking code.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The request.
    pub id: i64,
    /// 查询码.
    pub code: String,
}

/// A request the office registers, with its files.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// The request.
    #[serde(flatten)]
    pub request: RegisterInput,
    /// 来信、照片等材料 (at most 5, each of a type offices exchange, found from its content).
    #[serde(default)]
    pub files: Vec<FileBody>,
}

/// A staff member's 内部办事申请, with its files.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InternalBody {
    /// The request.
    #[serde(flatten)]
    pub request: InternalInput,
    /// 照片、签发稿等 (at most 5).
    #[serde(default)]
    pub files: Vec<FileBody>,
}

/// (name, bytes) of files decoded from a body.
fn named<'a>(files: &'a [FileBody], decoded: &'a [Vec<u8>]) -> Vec<(&'a str, &'a [u8])> {
    files
        .iter()
        .zip(decoded)
        .map(|(f, b)| (f.name.as_str(), b.as_slice()))
        .collect()
}

/// The largest body a request with its files may send (Base64 makes five scans larger).
const REQUEST_BODY_LIMIT: usize = 48 * 1024 * 1024;

/// 登记: a dispatcher registers a request that came by phone, letter or visit, or from above
/// or below.
#[utoipa::path(post, path = "/api/v1/service/requests", tag = "service",
    request_body = RegisterBody,
    responses((status = 201, body = Registered), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn register_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    let decoded = decoded_files("files", &body.files)?;
    let files = named(&body.files, &decoded);
    let out = s
        .register(&cap, &body.request, &files, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id: out.id,
            code: out.code,
        }),
    ))
}

/// A request, for those handling it (the requester in full).
#[utoipa::path(get, path = "/api/v1/service/requests/{id}", tag = "service",
    params(("id" = i64, Path)),
    responses((status = 200, body = RequestDetail), (status = 404, body = crate::error::Problem)))]
async fn get_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RequestDetail>, ApiError> {
    Ok(Json(
        state
            .services
            .service()
            .get(&actor, id, state.clock.now())
            .await?,
    ))
}

/// A file given with a request (a photo, a scanned letter), for those who may open it.
#[utoipa::path(get, path = "/api/v1/service/requests/{id}/files/{seq}", tag = "service",
    params(("id" = i64, Path), ("seq" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = crate::error::Problem)))]
async fn request_file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, seq)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state.services.service().file(&actor, id, seq).await?,
    ))
}

/// 受理: the request's case starts, with its deadline.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/accept", tag = "service",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn accept_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.accept(&cap, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 合并 into another open request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeInput {
    /// The open request it duplicates.
    pub into: i64,
}

/// 合并: a duplicate is followed through an open request; both requesters read its outcome.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/merge", tag = "service",
    params(("id" = i64, Path)), request_body = MergeInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn merge_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MergeInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.merge(&cap, id, body.into, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReasonInput {
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// 不予受理, with the reason the requester reads.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/decline", tag = "service",
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn decline_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.decline(&cap, id, &body.reason, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 派单: to a lead post (its unit leads), with assisting units.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/dispatch", tag = "service",
    params(("id" = i64, Path)), request_body = DispatchInput,
    responses((status = 204), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn dispatch_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DispatchInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.dispatch(&cap, id, &body, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 签收 by the lead post.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/sign", tag = "service",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn sign_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .sign(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 退单: not this unit's, with the reason; back to the dispatchers, counted against the unit.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/return", tag = "service",
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn return_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReasonInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .send_back(&actor, id, &body.reason, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerInput {
    /// 答复内容 (10–2000 characters).
    pub answer: String,
}

/// 答复 by the lead post (reviewed before the requester reads it).
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/answer", tag = "service",
    params(("id" = i64, Path)), request_body = AnswerInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn answer_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AnswerInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .answer(&actor, id, &body.answer, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A decision with a note.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = service::DecisionInput)]
pub struct DecisionInput {
    /// Approve (审核通过, 批准) or not (退回修改, 不批准).
    pub approve: bool,
    /// The note (needed when not approving).
    #[serde(default)]
    pub note: String,
}

/// 答复审核: the answer goes to the requester, or back to the lead post.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/review", tag = "service",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn review_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.review(&cap, id, body.approve, &body.note, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A 回访 result.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = service::VisitInput)]
pub struct VisitInput {
    /// satisfied, basically, unsatisfied.
    #[schema(value_type = String, example = "satisfied")]
    pub result: VisitResult,
    /// The reason (needed for unsatisfied).
    #[serde(default)]
    pub reason: String,
}

/// 回访 by phone: a first 不满意 sends it back for 重办, a second closes it as 不满意.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/visit", tag = "service",
    params(("id" = i64, Path)), request_body = VisitInput,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn visit_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VisitInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.visit(&cap, id, body.result, &body.reason, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 延期申请 by the lead post.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/extensions", tag = "service",
    params(("id" = i64, Path)), request_body = ExtensionInput,
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn ask_extension(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ExtensionInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .ask_extension(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 延期审批: only an approved 延期 moves the deadline.
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/extensions/decision", tag = "service",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn decide_extension(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<StatusCode, ApiError> {
    let s = state.services.service();
    let cap = s.as_dispatcher(&actor).await?;
    s.decide_extension(&cap, id, body.approve, &body.note, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The address a public request comes from (the proxy's, behind one; `unknown` when the
/// server was not told).
pub(crate) struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The public form's challenge (no sign-in).
#[utoipa::path(get, path = "/api/v1/service/public/challenge", tag = "service",
    responses((status = 200, body = Challenge)))]
async fn public_challenge(State(state): State<AppState>) -> Result<Json<Challenge>, ApiError> {
    Ok(Json(
        state
            .services
            .service()
            .challenge(state.clock.now())
            .await?,
    ))
}

/// 网上提交 (no sign-in): answers the tracking `code`. Over the limits per address or per
/// phone: 429, nothing stored.
#[utoipa::path(post, path = "/api/v1/service/public/requests", tag = "service",
    request_body = PublicInput,
    responses((status = 201, body = Submitted), (status = 422, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
async fn public_submit(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(body): ApiJson<PublicInput>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let out = state
        .services
        .service()
        .submit(&body, &[], &address, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// The phone given with a request.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
pub struct PhoneQuery {
    /// 联系电话.
    #[serde(default)]
    pub phone: String,
}

/// 查询 (no sign-in): a request's progress and answer by its code and phone; no staff names.
#[utoipa::path(get, path = "/api/v1/service/public/requests/{code}", tag = "service",
    params(("code" = String, Path), PhoneQuery),
    responses((status = 200, body = Tracking), (status = 404, body = crate::error::Problem)))]
async fn public_track(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PhoneQuery>,
) -> Result<Json<Tracking>, ApiError> {
    Ok(Json(state.services.service().track(&code, &q.phone).await?))
}

/// The requester's rating.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = service::RatingInput)]
pub struct RatingInput {
    /// 联系电话 given with the request.
    pub phone: String,
    /// satisfied, basically, unsatisfied.
    #[schema(value_type = String, example = "satisfied")]
    pub result: VisitResult,
    /// The reason (needed for unsatisfied).
    #[serde(default)]
    pub reason: String,
}

/// 评价 (no sign-in): the requester rates the answer on the tracking page.
#[utoipa::path(post, path = "/api/v1/service/public/requests/{code}/rating", tag = "service",
    params(("code" = String, Path)), request_body = RatingInput,
    responses((status = 204), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn public_rate(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RatingInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .rate_public(
            &code,
            &body.phone,
            body.result,
            &body.reason,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Limit in working days.
    pub limit_days: i64,
    /// `visit` or `none`.
    pub visit_rule: String,
}

/// The category catalogue (no sign-in: the public form needs it).
#[utoipa::path(get, path = "/api/v1/service/categories", tag = "service",
    responses((status = 200, body = Vec<CategoryView>)))]
async fn list_categories(
    State(state): State<AppState>,
) -> Result<Json<Vec<CategoryView>>, ApiError> {
    Ok(Json(
        state
            .services
            .service()
            .categories()
            .await?
            .into_iter()
            .map(|(id, name, limit_days, visit_rule)| CategoryView {
                id,
                name,
                limit_days,
                visit_rule,
            })
            .collect(),
    ))
}

/// 内部办事申请: a leader or a member of the office's staff asks its 内务 and 后勤 (用车,
/// 维修 …); the category is one of the internal catalogue.
#[utoipa::path(post, path = "/api/v1/service/internal", tag = "service",
    request_body = InternalBody,
    responses((status = 201, body = Registered), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn apply_internal(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<InternalBody>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let decoded = decoded_files("files", &body.files)?;
    let files = named(&body.files, &decoded);
    let out = state
        .services
        .service()
        .apply(&actor, &body.request, &files, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id: out.id,
            code: out.code,
        }),
    ))
}

/// A category of the internal catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct InternalCategoryView {
    /// Id.
    pub id: i64,
    /// 用车, 维修 …
    pub name: String,
    /// The limit in working days (for a limit in hours: the days it reaches into).
    pub limit_days: i64,
    /// The limit in working hours, when given in hours.
    pub limit_hours: Option<i64>,
}

/// The internal catalogue, for those who may ask.
#[utoipa::path(get, path = "/api/v1/service/internal/categories", tag = "service",
    responses((status = 200, body = Vec<InternalCategoryView>),
        (status = 403, body = crate::error::Problem)))]
async fn internal_categories(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<InternalCategoryView>>, ApiError> {
    let s = state.services.service();
    s.internal_government(&actor).await?;
    Ok(Json(
        s.internal_categories()
            .await?
            .into_iter()
            .map(|c| InternalCategoryView {
                id: c.id,
                name: c.name,
                limit_days: c.limit_days,
                limit_hours: c.limit_hours,
            })
            .collect(),
    ))
}

/// 评价 by the one who asked (an internal request at 回访).
#[utoipa::path(post, path = "/api/v1/service/requests/{id}/rating", tag = "service",
    params(("id" = i64, Path)), request_body = VisitInput,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn rate_request(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VisitInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .service()
        .rate_own(&actor, id, body.result, &body.reason, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The service-request operations.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes({
            let (schemas, paths, method) = routes!(list_requests, register_request);
            (
                schemas,
                paths,
                method.layer(DefaultBodyLimit::max(REQUEST_BODY_LIMIT)),
            )
        })
        .routes(routes!(get_request))
        .routes(routes!(request_file))
        .routes(routes!(accept_request))
        .routes(routes!(merge_request))
        .routes(routes!(decline_request))
        .routes(routes!(dispatch_request))
        .routes(routes!(sign_request))
        .routes(routes!(return_request))
        .routes(routes!(answer_request))
        .routes(routes!(review_request))
        .routes(routes!(visit_request))
        .routes(routes!(ask_extension))
        .routes(routes!(decide_extension))
        .routes(routes!(list_categories))
        .routes({
            let (schemas, paths, method) = routes!(apply_internal);
            (
                schemas,
                paths,
                method.layer(DefaultBodyLimit::max(REQUEST_BODY_LIMIT)),
            )
        })
        .routes(routes!(internal_categories))
        .routes(routes!(rate_request))
        .routes(routes!(hot_topics))
        .routes(routes!(public_challenge))
        .routes(routes!(public_submit))
        .routes(routes!(public_track))
        .routes(routes!(public_rate))
}
