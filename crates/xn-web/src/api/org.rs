//! API of the organisation: units, persons, posts, positions, roles, import, events.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::ServiceError;
use xn_service::import::ImportReport;
use xn_service::org::{
    PersonInput, PersonView, PositionView, PostInput, PostView, RoleView, UnitInput, UnitView,
};

use super::{Page, PageQuery, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser, Upload};

/// The unit tree, depth-first (each unit carries its depth).
#[utoipa::path(get, path = "/api/v1/units", tag = "org", responses((status = 200, body = Vec<UnitView>)))]
async fn list_units(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<UnitView>>, ApiError> {
    Ok(Json(state.services.unit_tree(&actor).await?))
}

/// Creates a unit (系统管理员).
#[utoipa::path(post, path = "/api/v1/units", tag = "org", request_body = UnitInput,
    responses((status = 201, body = UnitView), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<(StatusCode, Json<UnitView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .services
                .create_unit(&actor, &input, state.clock.now())
                .await?,
        ),
    ))
}

/// A unit with its ancestors, children and posts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    /// The unit.
    pub unit: UnitView,
    /// From the top of the tree down to the parent.
    pub ancestors: Vec<UnitView>,
    /// Direct children.
    pub children: Vec<UnitView>,
    /// Active posts at the unit.
    pub posts: Vec<PostView>,
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = UnitDetail), (status = 404, body = crate::error::Problem)))]
async fn find_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<UnitDetail>, ApiError> {
    let (unit, ancestors, children, posts) = state.services.unit_detail(&actor, id).await?;
    Ok(Json(UnitDetail {
        unit,
        ancestors,
        children,
        posts,
    }))
}

/// Replaces a unit's values (系统管理员).
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "org", params(("id" = i64, Path)), request_body = UnitInput,
    responses((status = 200, body = UnitView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<Json<UnitView>, ApiError> {
    Ok(Json(
        state
            .services
            .update_unit(&actor, id, &input, state.clock.now())
            .await?,
    ))
}

/// Persons, paged by cursor, filtered by `q` (name or login).
#[utoipa::path(get, path = "/api/v1/persons", tag = "org", params(PageQuery), responses((status = 200, body = Page<PersonView>)))]
async fn list_persons(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<PersonView>>, ApiError> {
    let rows = state
        .services
        .list_persons(
            &actor,
            q.q.as_deref().unwrap_or(""),
            q.after()?,
            q.limit() + 1,
        )
        .await?;
    Ok(Json(page(rows, q.limit(), |p| p.id)))
}

/// A created person; `initial_password` is present when one was generated.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPerson {
    /// The person.
    pub person: PersonView,
    /// The generated initial password, shown once.
    pub initial_password: Option<String>,
}

/// Creates a person (系统管理员).
#[utoipa::path(post, path = "/api/v1/persons", tag = "org", request_body = PersonInput,
    responses((status = 201, body = CreatedPerson), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<(StatusCode, Json<CreatedPerson>), ApiError> {
    let (person, initial_password) = state
        .services
        .create_person(&actor, &input, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedPerson {
            person,
            initial_password,
        }),
    ))
}

/// A person with posts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetail {
    /// The person.
    pub person: PersonView,
    /// Active posts.
    pub posts: Vec<PostView>,
}

/// One person.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "org", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDetail), (status = 404, body = crate::error::Problem)))]
async fn find_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetail>, ApiError> {
    let (person, posts) = state.services.person_detail(&actor, id).await?;
    Ok(Json(PersonDetail { person, posts }))
}

/// Locks an account and ends its sessions (安全保密管理员).
#[utoipa::path(post, path = "/api/v1/persons/{id}/lock", tag = "org", params(("id" = i64, Path)), responses((status = 204)))]
async fn lock_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.lock(&actor, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unlocks an account (安全保密管理员).
#[utoipa::path(post, path = "/api/v1/persons/{id}/unlock", tag = "org", params(("id" = i64, Path)), responses((status = 204)))]
async fn unlock_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.services.unlock(&actor, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resets a person's second factor (安全保密管理员; never an administrator's: console only).
#[utoipa::path(post, path = "/api/v1/persons/{id}/second-factor/reset", tag = "org", params(("id" = i64, Path)), responses((status = 204), (status = 403), (status = 404), (status = 409)))]
async fn reset_second_factor(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .reset_factor(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The approval of an owner's password reset request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetApproval {
    /// The six-digit check code the owner reads out from the request page.
    pub check_code: String,
}

/// Approves the owner's password reset request (安全保密管理员), against the check code the
/// owner reads out. No password or link is returned: only the owner holds the one-time link.
/// A 三员 account is refused (403): its password is reset only from the server's console.
#[utoipa::path(post, path = "/api/v1/persons/{id}/reset-password", tag = "org", params(("id" = i64, Path)),
    request_body = ResetApproval,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ResetApproval>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .approve_password_reset(&actor, id, &body.check_code, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a post (系统管理员); it starts with the 工作人员 role.
#[utoipa::path(post, path = "/api/v1/posts", tag = "org", request_body = PostInput,
    responses((status = 201, body = PostView), (status = 422, body = crate::error::Problem)))]
async fn create_post(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<PostInput>,
) -> Result<(StatusCode, Json<PostView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .services
                .create_post(&actor, &input, state.clock.now())
                .await?,
        ),
    ))
}

/// Ends a post (系统管理员).
#[utoipa::path(post, path = "/api/v1/posts/{id}/end", tag = "org", params(("id" = i64, Path)), responses((status = 204)))]
async fn end_post(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .end_post(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Roles and clearance of a post.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccessInput {
    /// Role ids.
    pub role_ids: Vec<i64>,
    /// Clearance code: public, secret, confidential, top_secret.
    pub clearance: String,
}

/// Sets a post's roles and clearance (安全保密管理员); refuses mixing the three administrators' duties.
#[utoipa::path(put, path = "/api/v1/posts/{id}/access", tag = "org", params(("id" = i64, Path)), request_body = AccessInput,
    responses((status = 200, body = PostView), (status = 422, body = crate::error::Problem)))]
async fn set_access(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AccessInput>,
) -> Result<Json<PostView>, ApiError> {
    Ok(Json(
        state
            .services
            .set_post_access(
                &actor,
                id,
                &input.role_ids,
                &input.clearance,
                state.clock.now(),
            )
            .await?,
    ))
}

/// Every position.
#[utoipa::path(get, path = "/api/v1/positions", tag = "org", responses((status = 200, body = Vec<PositionView>)))]
async fn list_positions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<PositionView>>, ApiError> {
    Ok(Json(state.services.list_positions(&actor).await?))
}

/// Every role with its permissions.
#[utoipa::path(get, path = "/api/v1/roles", tag = "org", responses((status = 200, body = Vec<RoleView>)))]
async fn list_roles(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<RoleView>>, ApiError> {
    Ok(Json(state.services.list_roles(&actor).await?))
}

/// Imports units and persons from an xlsx or CSV file (multipart field `file`), all or nothing;
/// bad rows are listed in the problem's `rows`.
#[utoipa::path(post, path = "/api/v1/org/import", tag = "org",
    responses((status = 200, body = ImportReport), (status = 422, body = crate::error::Problem)))]
async fn import(
    State(state): State<AppState>,
    Upload(ApiUser(actor), file): Upload<ApiUser>,
) -> Result<Json<ImportReport>, ApiError> {
    let Some(file) = file else {
        return Err(ApiError(ServiceError::invalid(
            "file",
            "缺少 multipart 字段 file",
        )));
    };
    let name = file.name.as_deref().unwrap_or("upload");
    Ok(Json(
        state
            .services
            .import_sheet(&actor, name, &file.bytes, state.clock.now())
            .await?,
    ))
}

/// An event as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Id.
    pub id: i64,
    /// Epoch ms.
    pub at: i64,
    /// Kind, e.g. `auth.sign_in`.
    pub kind: String,
    /// Actor.
    pub actor_person_id: Option<i64>,
    /// Actor's name.
    pub actor_name: Option<String>,
    /// Acting post.
    pub actor_post_id: Option<i64>,
    /// Subject.
    pub subject: Option<String>,
    /// Details.
    pub detail: serde_json::Value,
}

/// Event filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventQuery {
    /// Kind prefix, e.g. `auth.`.
    pub kind: Option<String>,
    /// Exact subject, e.g. `person:12`.
    pub subject: Option<String>,
    /// Return events older than this id.
    pub before: Option<i64>,
    /// 1–200.
    pub limit: Option<i64>,
}

/// The audit trail, newest first (安全审计员).
#[utoipa::path(get, path = "/api/v1/events", tag = "audit", params(EventQuery), responses((status = 200, body = Vec<EventView>)))]
async fn list_events(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<EventQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    let rows = state
        .services
        .list_events(
            &actor,
            q.kind.as_deref().unwrap_or(""),
            q.subject.as_deref().unwrap_or(""),
            q.before.unwrap_or(0),
            q.limit.unwrap_or(50),
        )
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| EventView {
                id: e.id,
                at: e.at,
                kind: e.kind,
                actor_person_id: e.actor_person_id,
                actor_name: e.actor_name,
                actor_post_id: e.actor_post_id,
                subject: e.subject,
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    ))
}

/// The organisation routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(find_unit, update_unit))
        .routes(routes!(list_persons, create_person))
        .routes(routes!(find_person))
        .routes(routes!(lock_person))
        .routes(routes!(unlock_person))
        .routes(routes!(reset_second_factor))
        .routes(routes!(reset_password))
        .routes(routes!(create_post))
        .routes(routes!(end_post))
        .routes(routes!(set_access))
        .routes(routes!(list_positions))
        .routes(routes!(list_roles))
        .routes(routes!(import))
        .routes(routes!(list_events))
}
