//! API of 办文: `/api/v1/documents` (发文 drafts, their text, versions and attachments, 收文
//! registered by hand, re-sending) and `/api/v1/ledger` (the number ledger). Steps of a
//! document's process are acted on through `/api/v1/tasks`, like any case: what the
//! regulation ties to a step (the rules at 签发, the number at 登记, delivery at 核发) happens
//! inside that action.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::documents::{
    ArchiveItemView, DocumentListItem, DocumentSearch, DocumentView, DraftInput, LedgerEntry,
    ManualIncoming, PostChoice, SealStatus, SearchCount, SearchResults, SubmitInput,
};
use xn_service::flow::IdempotencyKey;

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// A list query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `outgoing` (发文, default) or `incoming` (收文).
    #[serde(default)]
    pub direction: Option<String>,
    /// A status code.
    #[serde(default)]
    pub status: Option<String>,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// Per page (≤ 200).
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A page of documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    /// The documents.
    pub items: Vec<DocumentListItem>,
    /// How many in all.
    pub total: i64,
}

/// Lists the acting office's documents.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(ListQuery),
    responses((status = 200, body = DocumentPage)))]
async fn list_documents(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<DocumentPage>, ApiError> {
    let (items, total) = state
        .services
        .documents()
        .list(
            &actor,
            q.direction.as_deref().unwrap_or("outgoing"),
            q.status.as_deref(),
            q.page.unwrap_or(1),
            q.per_page.unwrap_or(50),
        )
        .await?;
    Ok(Json(DocumentPage { items, total }))
}

/// Creates a draft 发文 (拟稿); the text becomes version 1.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", request_body = DraftInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<DraftInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .documents()
        .draft(&actor, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A document with its versions, attachments and recipients.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = crate::error::Problem)))]
async fn get_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        state
            .services
            .documents()
            .read(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The version a save made (none when the text did not change).
#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    /// The new version's number.
    pub version: Option<i64>,
}

/// Saves a document's elements and text (a new version when the text changed). After 签发 a
/// change of substance sends the document back to the signer (复审).
#[utoipa::path(put, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    request_body = DraftInput,
    responses((status = 200, body = Saved), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DraftInput>,
) -> Result<Json<Saved>, ApiError> {
    let version = state
        .services
        .documents()
        .save(&actor, id, &body, state.clock.now())
        .await?;
    Ok(Json(Saved { version }))
}

/// The case a submission started.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = documents::Submitted)]
pub struct Submitted {
    /// The 发文 case.
    pub case_id: i64,
}

/// Submits a draft into its 发文 process, naming the signer and any countersigners.
#[utoipa::path(post, path = "/api/v1/documents/{id}/submit", tag = "documents", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = SubmitInput,
    responses((status = 201, body = Submitted), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn submit_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SubmitInput>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|k| k.to_str().ok())
        .map(|k| {
            IdempotencyKey::new(
                k,
                &format!(
                    "POST /api/v1/documents/{id}/submit\n{}",
                    serde_json::to_string(&body).unwrap_or_default()
                ),
            )
        });
    let case_id = state
        .services
        .documents()
        .submit(&actor, id, &body, key, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Submitted { case_id })))
}

/// Two versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CompareQuery {
    /// The older version.
    pub from: i64,
    /// The newer version.
    pub to: i64,
}

/// Compares two versions: paragraphs, and characters within changed paragraphs.
#[utoipa::path(get, path = "/api/v1/documents/{id}/compare", tag = "documents",
    params(("id" = i64, Path), CompareQuery),
    responses((status = 200, body = Vec<Object>)))]
async fn compare_versions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Json<Vec<xn_domain::documents::text::DiffLine>>, ApiError> {
    Ok(Json(
        state
            .services
            .documents()
            .compare(&actor, id, q.from, q.to)
            .await?,
    ))
}

/// An upload's name and role.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file name.
    pub name: String,
    /// `attachment` (附件, default) or `scan` (原件扫描).
    #[serde(default)]
    pub role: Option<String>,
}

/// Uploads an attachment: the request body is the file. Its type is found from its content;
/// files are stored once by their SM3 hash.
#[utoipa::path(post, path = "/api/v1/documents/{id}/attachments", tag = "documents",
    params(("id" = i64, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn upload_attachment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let aid = state
        .services
        .documents()
        .attach(
            &actor,
            id,
            q.role.as_deref().unwrap_or("attachment"),
            &q.name,
            &body,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Downloads an attachment (always as a download, never shown inline).
#[utoipa::path(get, path = "/api/v1/documents/{id}/attachments/{attachment}", tag = "documents",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
async fn download_attachment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .documents()
        .attachment(&actor, id, attachment)
        .await?;
    Ok(file_response(f))
}

/// The document laid out by GB/T 9704-2012 (PDF, as a download).
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn document_pdf(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .documents()
        .pdf(&actor, id, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// The processing sheet (发文稿纸 / 收文处理笺) with every step's opinion, name and date.
#[utoipa::path(get, path = "/api/v1/documents/{id}/sheet", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn processing_sheet(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state
            .services
            .documents()
            .processing_sheet(&actor, id)
            .await?,
    ))
}

/// 综合查询: documents of the acting office by words (title, number, body, opinions — one- and
/// two-character words included) and filters, ranked with title matches first.
#[utoipa::path(get, path = "/api/v1/documents/search", tag = "documents", params(DocumentSearch),
    responses((status = 200, body = SearchResults), (status = 422, body = crate::error::Problem)))]
async fn search_documents(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DocumentSearch>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(state.services.documents().search(&actor, &q).await?))
}

/// 综合查询's exact count: every document the same search finds, counted without a cap (the
/// search's own total stops at 10,000 or is an estimate, marked as such).
#[utoipa::path(get, path = "/api/v1/documents/search/count", tag = "documents", params(DocumentSearch),
    responses((status = 200, body = SearchCount), (status = 422, body = crate::error::Problem)))]
async fn count_search_results(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<DocumentSearch>,
) -> Result<Json<SearchCount>, ApiError> {
    Ok(Json(state.services.documents().count(&actor, &q).await?))
}

/// Who may sign off the acting office's documents.
#[utoipa::path(get, path = "/api/v1/documents/signoff-candidates", tag = "documents",
    responses((status = 200, body = Vec<PostChoice>)))]
async fn signoff_candidates(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<PostChoice>>, ApiError> {
    Ok(Json(
        state
            .services
            .documents()
            .signoff_candidates(&actor)
            .await?,
    ))
}

/// Registers a paper or outside document as incoming (收文登记), by the registry clerk of the
/// office (文电科 / 秘书股); its 收文 process starts at 初审. The body is at most 1 MiB.
#[utoipa::path(post, path = "/api/v1/documents/incoming", tag = "documents", request_body = ManualIncoming,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn register_incoming(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<ManualIncoming>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let docs = state.services.documents();
    let clerk = docs.as_registry_clerk(&actor).await?;
    let id = docs
        .register_incoming(&clerk, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Units to send a dispatched document to again.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ResendBody {
    /// Recipient units: a unit it went to (重发) or a new one (补发).
    pub units: Vec<i64>,
}

/// Sends a dispatched document again (重发) or to further units (补发).
#[utoipa::path(post, path = "/api/v1/documents/{id}/resend", tag = "documents", params(("id" = i64, Path)),
    request_body = ResendBody,
    responses((status = 200, body = DocumentView), (status = 409, body = crate::error::Problem)))]
async fn resend(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ResendBody>,
) -> Result<Json<DocumentView>, ApiError> {
    let docs = state.services.documents();
    let keeper = docs.as_ledger_keeper(&actor).await?;
    docs.resend(&keeper, id, &body.units, state.clock.now())
        .await?;
    Ok(Json(docs.get(&actor, id).await?))
}

/// A ledger query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// 机关代字, e.g. 东政办发.
    pub code: String,
    /// Year (default: this year in Beijing time).
    #[serde(default)]
    pub year: Option<i64>,
}

/// The number ledger of a 机关代字 and year: every number allocated, reserved or voided.
#[utoipa::path(get, path = "/api/v1/ledger", tag = "documents", params(LedgerQuery),
    responses((status = 200, body = Vec<LedgerEntry>)))]
async fn ledger(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Json<Vec<LedgerEntry>>, ApiError> {
    let year = q.year.unwrap_or_else(|| {
        i64::from(xn_domain::documents::numbering::ledger_year(
            state.clock.now(),
        ))
    });
    Ok(Json(
        state
            .services
            .documents()
            .ledger(&actor, &q.code, year)
            .await?,
    ))
}

/// A reservation.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReserveBody {
    /// 机关代字.
    pub code: String,
    /// Why.
    pub reason: String,
}

/// The number reserved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reserved {
    /// As printed.
    pub number: String,
}

/// Reserves the next number of a code (预留).
#[utoipa::path(post, path = "/api/v1/ledger/reserve", tag = "documents", request_body = ReserveBody,
    responses((status = 201, body = Reserved), (status = 403, body = crate::error::Problem)))]
async fn reserve(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<ReserveBody>,
) -> Result<(StatusCode, Json<Reserved>), ApiError> {
    let docs = state.services.documents();
    let keeper = docs.as_ledger_keeper(&actor).await?;
    let number = docs
        .reserve(&keeper, &body.code, &body.reason, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Reserved { number })))
}

/// A number to void.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct VoidBody {
    /// 机关代字.
    pub code: String,
    /// Year.
    pub year: i64,
    /// Serial.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// Voids a number (作废): it stays in the ledger and is never given again.
#[utoipa::path(post, path = "/api/v1/ledger/void", tag = "documents", request_body = VoidBody,
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn void(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<VoidBody>,
) -> Result<StatusCode, ApiError> {
    let docs = state.services.documents();
    let keeper = docs.as_ledger_keeper(&actor).await?;
    docs.void(
        &keeper,
        &body.code,
        body.year,
        body.seq,
        &body.reason,
        state.clock.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The largest body of a 收文 registration: its longest text, with room for the other fields.
const MAX_INCOMING_BODY: usize = 1024 * 1024;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents, create_document))
        .routes(routes!(signoff_candidates))
        .routes(routes!(search_documents))
        .routes(routes!(count_search_results))
        .routes({
            let (schemas, paths, method) = routes!(register_incoming);
            (
                schemas,
                paths,
                method.layer(DefaultBodyLimit::max(MAX_INCOMING_BODY)),
            )
        })
        .routes(routes!(get_document, save_document))
        .routes(routes!(submit_document))
        .routes(routes!(compare_versions))
        .routes(routes!(document_pdf))
        .routes(routes!(processing_sheet))
        .routes(routes!(upload_attachment))
        .routes(routes!(download_attachment))
        .routes(routes!(resend))
        .routes(routes!(ledger))
        .routes(routes!(reserve))
        .routes(routes!(void))
        .routes(routes!(list_seals))
        .routes(routes!(upload_seal))
        .routes(routes!(seal_preview))
        .routes(routes!(archive_document, archive_item))
        .routes(routes!(archive_package))
        .routes(routes!(archive_year_package))
        .routes(routes!(set_fonds))
}

/// Issuing units and their seals (security administrator; the image is never served).
#[utoipa::path(get, path = "/api/v1/seals", tag = "documents",
    responses((status = 200, body = Vec<SealStatus>), (status = 403, body = crate::error::Problem)))]
async fn list_seals(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<SealStatus>>, ApiError> {
    Ok(Json(state.services.documents().seals(&actor).await?))
}

/// Uploads (or replaces) the seal image of an issuing unit: the request body is the PNG. It is
/// checked by content and stored SM4-encrypted (security administrator).
#[utoipa::path(post, path = "/api/v1/seals/{unit_id}", tag = "documents",
    params(("unit_id" = i64, Path)), request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
async fn upload_seal(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(unit_id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .documents()
        .upload_seal(&actor, unit_id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A sample page with the unit's seal placed by GB/T 9704 7.3.5.1 (PDF).
#[utoipa::path(get, path = "/api/v1/seals/{unit_id}/preview", tag = "documents",
    params(("unit_id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn seal_preview(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(unit_id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state
            .services
            .documents()
            .seal_preview(&actor, unit_id, state.clock.now())
            .await?,
    ))
}

/// What 归档 needs: the 保管期限.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArchiveBody {
    /// `Y` (永久), `D30` (定期30年) or `D10` (定期10年).
    pub retention: String,
}

/// Files a dispatched document as an archive item (件) with its 档号 (registry clerk).
#[utoipa::path(post, path = "/api/v1/documents/{id}/archive", tag = "documents",
    params(("id" = i64, Path)), request_body = ArchiveBody,
    responses((status = 201, body = ArchiveItemView), (status = 409, body = crate::error::Problem)))]
async fn archive_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ArchiveBody>,
) -> Result<(StatusCode, Json<ArchiveItemView>), ApiError> {
    let docs = state.services.documents();
    let keeper = docs.as_archivist(&actor).await?;
    let item = docs
        .archive(&keeper, id, &body.retention, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// The archive item of a document (404 when not filed).
#[utoipa::path(get, path = "/api/v1/documents/{id}/archive", tag = "documents",
    params(("id" = i64, Path)), responses((status = 200, body = ArchiveItemView)))]
async fn archive_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ArchiveItemView>, ApiError> {
    Ok(Json(
        state
            .services
            .documents()
            .archive_item(&actor, id)
            .await?
            .ok_or(xn_service::ServiceError::NotFound("归档文件"))?,
    ))
}

/// The archive package of a filed document: a zip with 正式文件.pdf, 签发稿.pdf,
/// processing-sheet.pdf, attachments/ and manifest.json (metadata and SM3 of every file).
#[utoipa::path(get, path = "/api/v1/documents/{id}/archive/package", tag = "documents",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>)))]
async fn archive_package(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state
            .services
            .documents()
            .archive_package(&actor, id, state.clock.now())
            .await?,
    ))
}

/// Every item the acting office filed in a year, one folder per 档号, in one zip.
#[utoipa::path(get, path = "/api/v1/archive/{year}/package", tag = "documents",
    params(("year" = i64, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>)))]
async fn archive_year_package(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(year): Path<i64>,
) -> Result<Response, ApiError> {
    let docs = state.services.documents();
    let keeper = docs.as_archivist(&actor).await?;
    Ok(file_response(
        docs.archive_year_package(&keeper, year, state.clock.now())
            .await?,
    ))
}

/// A unit's 全宗号.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FondsBody {
    /// 1–10 capital letters or digits, as the archive assigned it.
    pub fonds_code: String,
}

/// Sets a unit's 全宗号 (system administrator); 档号 filed afterwards use it.
#[utoipa::path(put, path = "/api/v1/units/{id}/fonds", tag = "documents",
    params(("id" = i64, Path)), request_body = FondsBody,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn set_fonds(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FondsBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .documents()
        .set_fonds_code(&actor, id, &body.fonds_code, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
