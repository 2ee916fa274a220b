//! API of the flow engine: `/api/v1/processes`, `/api/v1/cases`, `/api/v1/tasks`,
//! `/api/v1/proxies` and `/api/v1/handover`.
//!
//! Every action accepts an `Idempotency-Key` header: the same key with the same request
//! answers the first outcome again without acting twice; the same key with another request is a
//! 409 `idempotency.mismatch`. Actions may carry the case `version` the client saw: a case that
//! moved since is a 409 `flow.stale`; a task already done is a 409 `flow.state`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_domain::flow::{Action, ReturnTarget};
use xn_service::ServiceError;
use xn_service::flow::admin::{ProcessSummary, ProxyView};
use xn_service::flow::{
    ActionOutcome, CaseDetail, CaseItem, IdempotencyKey, NewFile, QueueCounts, QueueName,
    QueueQuery, Revision, StartCase, TaskItem,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

fn idem(headers: &HeaderMap, method_path: &str, body: &impl Serialize) -> Option<IdempotencyKey> {
    let key = headers.get("idempotency-key")?.to_str().ok()?;
    let body = serde_json::to_string(body).unwrap_or_default();
    Some(IdempotencyKey::new(key, &format!("{method_path}\n{body}")))
}

/// An action addressed by task id: the idempotency key, the task's case and number, then the
/// action the handler builds from the number.
#[expect(clippy::too_many_arguments, reason = "what every task action carries")]
async fn on_task(
    state: &AppState,
    actor: &xn_service::Actor,
    headers: &HeaderMap,
    id: i64,
    verb: &str,
    body: &impl Serialize,
    version: Option<i64>,
    action: impl FnOnce(u32) -> Action,
) -> Result<Json<ActionOutcome>, ApiError> {
    let key = idem(headers, &format!("POST /api/v1/tasks/{id}/{verb}"), body);
    let (case_id, task) = state.services.task_ref(id).await?;
    let out = state
        .services
        .act(
            actor,
            case_id,
            version,
            action(task),
            key,
            state.clock.now(),
        )
        .await?;
    Ok(Json(out))
}

/// Every stored process definition (shipped defaults and units' own versions).
#[utoipa::path(get, path = "/api/v1/processes", tag = "flow",
    responses((status = 200, body = Vec<ProcessSummary>)))]
async fn list_processes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<ProcessSummary>>, ApiError> {
    Ok(Json(state.services.list_processes(&actor).await?))
}

/// A unit's own version of a process.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitProcessBody {
    /// The unit (its version applies to it and every unit under it).
    pub unit_id: i64,
    /// The definition as TOML; its `key` must name an existing process.
    pub source: String,
}

/// The version stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredProcess {
    /// Id.
    pub id: i64,
    /// Version within (key, unit).
    pub version: i64,
}

/// Stores a unit's own version of a process (流程管理). Running cases keep their version; a
/// definition that does not validate is a 422 naming the step and the problem.
#[utoipa::path(post, path = "/api/v1/processes", tag = "flow", request_body = UnitProcessBody,
    responses((status = 201, body = StoredProcess), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_unit_process(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<UnitProcessBody>,
) -> Result<(StatusCode, Json<StoredProcess>), ApiError> {
    let (id, version) = state
        .services
        .save_unit_process(&actor, body.unit_id, &body.source, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(StoredProcess { id, version })))
}

/// Starts a case of a process for the acting post.
#[utoipa::path(post, path = "/api/v1/cases", tag = "flow", request_body = StartCaseBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    responses((status = 201, body = ActionOutcome), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn start_case(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartCaseBody>,
) -> Result<(StatusCode, Json<ActionOutcome>), ApiError> {
    let key = idem(&headers, "POST /api/v1/cases", &body);
    let decoded = decoded_files("attachments", &body.attachments)?;
    let files: Vec<NewFile<'_>> = body
        .attachments
        .iter()
        .zip(&decoded)
        .map(|(f, bytes)| NewFile {
            name: &f.name,
            bytes,
        })
        .collect();
    let input = StartCase {
        process: body.process.clone(),
        title: body.title.clone(),
        body: body.body.clone(),
        fields: body.fields.clone(),
        choices: body.choices.clone(),
        attachments: Vec::new(),
    };
    let out = state
        .services
        .start_case_with_files(&actor, input, &files, key, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// The contents of files sent in a JSON body, in order; one that is not Base64 is refused,
/// named, before anything is written.
pub(crate) fn decoded_files(
    field: &'static str,
    files: &[FileBody],
) -> Result<Vec<Vec<u8>>, ServiceError> {
    files
        .iter()
        .map(|f| {
            BASE64.decode(f.content.as_bytes()).map_err(|_| {
                ServiceError::invalid(field, format!("附件「{}」的内容不是有效的 Base64", f.name))
            })
        })
        .collect()
}

/// A file sent in a JSON body (a new case's, a request's).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FileBody {
    /// File name, e.g. `预算表.xlsx`.
    pub name: String,
    /// The content, Base64 (RFC 4648, with padding).
    pub content: String,
}

/// A new case.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct StartCaseBody {
    /// Process key, e.g. `internal_request`.
    pub process: String,
    /// Title.
    pub title: String,
    /// Body text.
    #[serde(default)]
    pub body: String,
    /// Item fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: xn_domain::flow::Fields,
    /// Holders picked for `chosen` steps: step id → post ids.
    #[serde(default)]
    pub choices: std::collections::BTreeMap<String, Vec<i64>>,
    /// 附件 of an internal request (at most 20, each at most 20 MB; the request body at most
    /// 32 MB), written with the case or not at all.
    #[serde(default)]
    pub attachments: Vec<FileBody>,
}

/// Which cases to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesQuery {
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// Cases the acting post started, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "flow", params(CasesQuery),
    responses((status = 200, body = Vec<CaseItem>)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<CasesQuery>,
) -> Result<Json<Vec<CaseItem>>, ApiError> {
    Ok(Json(
        state
            .services
            .started_cases(&actor, q.page.unwrap_or(1), q.limit.unwrap_or(50))
            .await?,
    ))
}

/// A case: fields, steps and holders, the actions open to the caller, the timeline.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "flow", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn get_case(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    Ok(Json(
        state
            .services
            .read_case(&actor, id, state.clock.now())
            .await?,
    ))
}

/// What the case's step decides on, built by its area (the 办理 page's part): a document's
/// text and elements, a supervision item's deadline and reports; `withheld` with the reason
/// when the area's own rule keeps its record from the caller.
#[utoipa::path(get, path = "/api/v1/cases/{id}/desk", tag = "flow", params(("id" = i64, Path)),
    responses((status = 200, body = xn_service::areas::CasePart), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn get_case_desk(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<xn_service::areas::CasePart>, ApiError> {
    let now = state.clock.now();
    let case = state.services.case_detail(&actor, id, now).await?;
    Ok(Json(state.services.case_part(&actor, &case, now).await?))
}

/// An action on a case, with the version the client saw.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CaseActionBody {
    /// The case version the client saw (optional; without it the action applies to the
    /// current state).
    pub version: Option<i64>,
    /// The action: `{"action": "complete", "task": 3, "decision": "同意", "opinion": "…"}`,
    /// `return`, `withdraw`, `transfer`, `delegate`, `add_signer`, `remove_signer`, `pause`,
    /// `resume`, `request_extension`, `decide_extension`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub action: Action,
}

/// Applies any action to a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = CaseActionBody,
    responses((status = 200, body = ActionOutcome), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn case_action(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CaseActionBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    let key = idem(&headers, &format!("POST /api/v1/cases/{id}/actions"), &body);
    Ok(Json(
        state
            .services
            .act(
                &actor,
                id,
                body.version,
                body.action,
                key,
                state.clock.now(),
            )
            .await?,
    ))
}

/// A queue.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TasksQuery {
    /// `todo` (待办, default), `read` (待阅), `done` (已办), `urged` (被催办).
    pub queue: Option<String>,
    /// `due` (default), `newest`, `oldest`.
    pub sort: Option<String>,
    /// Item kind filter.
    pub kind: Option<String>,
    /// Title contains.
    pub q: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The caller's tasks (and those of posts it is proxy for).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "flow", params(TasksQuery),
    responses((status = 200, body = Vec<TaskItem>), (status = 422, body = crate::error::Problem)))]
async fn list_tasks(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<TasksQuery>,
) -> Result<Json<Vec<TaskItem>>, ApiError> {
    let queue = QueueName::parse(q.queue.as_deref().unwrap_or(""))
        .filter(|n| *n != QueueName::Started)
        .ok_or_else(|| {
            ApiError(xn_service::ServiceError::invalid(
                "queue",
                "queue 须为 todo、read、done 或 urged",
            ))
        })?;
    let query = QueueQuery {
        queue,
        item_kind: q.kind.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
        page: q.page.unwrap_or(1),
        per_page: q.limit.unwrap_or(50),
    };
    Ok(Json(
        state
            .services
            .task_queue(&actor, &query, state.clock.now())
            .await?,
    ))
}

/// Counts of open tasks and reads, and the newest task id.
#[utoipa::path(get, path = "/api/v1/tasks/counts", tag = "flow",
    responses((status = 200, body = QueueCounts)))]
async fn task_counts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<QueueCounts>, ApiError> {
    Ok(Json(
        state
            .services
            .queue_counts(&actor, state.clock.now())
            .await?,
    ))
}

/// Completing a task.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CompleteBody {
    /// One of the step's decisions (default: the first, e.g. 同意; 阅 for a read task).
    #[serde(default)]
    pub decision: String,
    /// The opinion.
    #[serde(default)]
    pub opinion: String,
    /// Holders picked for next steps whose rule is `chosen`.
    #[serde(default)]
    pub choices: std::collections::BTreeMap<String, Vec<i64>>,
    /// The case version seen.
    pub version: Option<i64>,
}

/// Completes a task with a decision and an opinion (办理 / 阅).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = CompleteBody,
    responses((status = 200, body = ActionOutcome), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn complete_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CompleteBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "complete",
        &body,
        body.version,
        |task| Action::Complete {
            task,
            decision: body.decision.clone(),
            opinion: body.opinion.clone(),
            choices: body.choices.clone(),
        },
    )
    .await
}

/// Returning a task.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReturnBody {
    /// `previous` (default) or a step id.
    #[serde(default)]
    pub to: String,
    /// Why (required).
    pub opinion: String,
    /// Where the step lets the returner choose: jump straight back here once redone.
    #[serde(default)]
    pub jump_back: bool,
    /// The case version seen.
    pub version: Option<i64>,
}

/// Returns the case from this task to an earlier step (退回).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/return", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = ReturnBody,
    responses((status = 200, body = ActionOutcome), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn return_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReturnBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    let target = match body.to.trim() {
        "" | "previous" => ReturnTarget::Previous,
        step => ReturnTarget::Step {
            step: step.to_owned(),
        },
    };
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "return",
        &body,
        body.version,
        |task| Action::Return {
            task,
            target,
            opinion: body.opinion.clone(),
            jump_back: body.jump_back,
        },
    )
    .await
}

/// An action with only a version.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct VersionBody {
    /// The case version seen.
    pub version: Option<i64>,
}

/// Takes back one's completed task while the next step is untouched (撤回).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/withdraw", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = VersionBody,
    responses((status = 200, body = ActionOutcome), (status = 409, body = crate::error::Problem)))]
async fn withdraw_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "withdraw",
        &body,
        body.version,
        |task| Action::Withdraw { task },
    )
    .await
}

/// Handing a task to another post.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct HandBody {
    /// The post.
    pub to: i64,
    /// Why / what to do.
    #[serde(default)]
    pub opinion: String,
    /// The case version seen.
    pub version: Option<i64>,
}

/// Transfers a task to another post for good (转办).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/transfer", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = HandBody,
    responses((status = 200, body = ActionOutcome), (status = 409, body = crate::error::Problem)))]
async fn transfer_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<HandBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "transfer",
        &body,
        body.version,
        |task| Action::Transfer {
            task,
            to: body.to,
            opinion: body.opinion.clone(),
        },
    )
    .await
}

/// Delegates a task; it comes back to the holder when the delegate is done (委派).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/delegate", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = HandBody,
    responses((status = 200, body = ActionOutcome), (status = 409, body = crate::error::Problem)))]
async fn delegate_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<HandBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "delegate",
        &body,
        body.version,
        |task| Action::Delegate {
            task,
            to: body.to,
            opinion: body.opinion.clone(),
        },
    )
    .await
}

/// Asking for more time.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ExtensionBody {
    /// Working days, 1–250.
    pub days: u32,
    /// Why.
    pub reason: String,
    /// The case version seen.
    pub version: Option<i64>,
}

/// Asks for an extension of the task's step deadline (延期申请); the approver decides.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extension", tag = "flow", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request act once")),
    request_body = ExtensionBody,
    responses((status = 200, body = ActionOutcome), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn request_extension(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ExtensionBody>,
) -> Result<Json<ActionOutcome>, ApiError> {
    on_task(
        &state,
        &actor,
        &headers,
        id,
        "extension",
        &body,
        body.version,
        |task| Action::RequestExtension {
            task,
            days: body.days,
            reason: body.reason.clone(),
        },
    )
    .await
}

/// Corrects the title and body of an internal request returned to its drafter (the case
/// waits at its 拟稿 step with the acting post); the flow state and version stay. Any other
/// case, step or holder: 409 with the reason; out of reach: 404.
#[utoipa::path(post, path = "/api/v1/cases/{id}/revise", tag = "flow", params(("id" = i64, Path)),
    request_body = Revision,
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn revise_case(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Revision>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .revise_case(&actor, id, &body, &[], state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An upload to a returned internal request: its name and the case version the drafter read.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseUploadQuery {
    /// The file name.
    pub name: String,
    /// The case's version (a later action makes the upload stale: 409).
    pub version: i64,
}

/// Adds a file to an internal request returned to its drafter (as `revise`: refused with the
/// reason on any other case, step or holder). The request body is the file; its type is found
/// from its content.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "flow",
    params(("id" = i64, Path), CaseUploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Created), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn upload_case_attachment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<CaseUploadQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let aid = state
        .services
        .add_case_file(
            &actor,
            id,
            q.version,
            NewFile {
                name: &q.name,
                bytes: &body,
            },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Downloads a file of a case (always as a download), for anyone who may open the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{attachment}", tag = "flow",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = crate::error::Problem)))]
async fn download_case_attachment(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let f = state
        .services
        .case_attachment(&actor, id, attachment, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// An urge.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UrgeBody {
    /// The message delivered to the holder.
    pub message: String,
}

/// Urges the holder of an open task (催办): recorded and delivered; the case does not change.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/urge", tag = "flow", params(("id" = i64, Path)),
    request_body = UrgeBody,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn urge_task(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UrgeBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .urge(&actor, id, &body.message, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The proxies given by or to the acting post.
#[utoipa::path(get, path = "/api/v1/proxies", tag = "flow", responses((status = 200, body = Vec<ProxyView>)))]
async fn list_proxies(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<ProxyView>>, ApiError> {
    Ok(Json(
        state.services.my_proxies(&actor, state.clock.now()).await?,
    ))
}

/// A proxy to give.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProxyBody {
    /// The post that may act for the caller's post.
    pub proxy_post_id: i64,
    /// From (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    /// Until (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    /// Why (e.g. 出差).
    #[serde(default)]
    pub reason: String,
}

/// Gives a proxy (委托): the post may act for the caller's post during the window; both names
/// are recorded on every action.
#[utoipa::path(post, path = "/api/v1/proxies", tag = "flow", request_body = ProxyBody,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_proxy(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<ProxyBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .create_proxy(
            &actor,
            body.proxy_post_id,
            body.starts_at,
            body.ends_at,
            &body.reason,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Ends a proxy the caller's post gave.
#[utoipa::path(delete, path = "/api/v1/proxies/{id}", tag = "flow", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn revoke_proxy(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .revoke_proxy(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A handover.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoverBody {
    /// The post giving up its work.
    pub from: i64,
    /// The post taking it.
    pub to: i64,
}

/// What a handover moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverResult {
    /// Tasks moved.
    pub moved: usize,
}

/// Moves all pending work of a post to another in one recorded action (工作交接).
#[utoipa::path(post, path = "/api/v1/handover", tag = "flow", request_body = HandoverBody,
    responses((status = 200, body = HandoverResult), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn handover(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<HandoverBody>,
) -> Result<Json<HandoverResult>, ApiError> {
    let moved = state
        .services
        .handover(&actor, body.from, body.to, state.clock.now())
        .await?;
    Ok(Json(HandoverResult { moved }))
}

/// The caller's 常用意见, in their order (the default set until they save their own).
#[utoipa::path(get, path = "/api/v1/opinions", tag = "flow",
    responses((status = 200, body = Vec<String>), (status = 403, body = crate::error::Problem)))]
async fn list_opinions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(state.services.common_opinions(&actor).await?))
}

/// The caller's 常用意见 to keep.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpinionsBody {
    /// The opinions in order (at most 30, each up to 200 characters; blanks and repeats are
    /// dropped; an empty list goes back to the default set).
    pub opinions: Vec<String>,
}

/// Replaces the caller's 常用意见; answers the list now offered.
#[utoipa::path(put, path = "/api/v1/opinions", tag = "flow", request_body = OpinionsBody,
    responses((status = 200, body = Vec<String>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn save_opinions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<OpinionsBody>,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(
        state
            .services
            .save_common_opinions(&actor, &body.opinions)
            .await?,
    ))
}

/// The flow routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_processes, save_unit_process))
        .routes(routes!(start_case, list_cases))
        .routes(routes!(get_case))
        .routes(routes!(get_case_desk))
        .routes(routes!(case_action))
        .routes(routes!(revise_case))
        .routes(routes!(upload_case_attachment))
        .routes(routes!(download_case_attachment))
        .routes(routes!(list_tasks))
        .routes(routes!(task_counts))
        .routes(routes!(complete_task))
        .routes(routes!(return_task))
        .routes(routes!(withdraw_task))
        .routes(routes!(transfer_task))
        .routes(routes!(delegate_task))
        .routes(routes!(request_extension))
        .routes(routes!(urge_task))
        .routes(routes!(list_proxies, create_proxy))
        .routes(routes!(revoke_proxy))
        .routes(routes!(handover))
        .routes(routes!(list_opinions, save_opinions))
}
