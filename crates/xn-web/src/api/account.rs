//! API of the signed-in actor: who am I, and API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_domain::org::Permission;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// The acting person and post.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// Login.
    pub login: String,
    /// Acting post id.
    pub post_id: Option<i64>,
    /// Acting post as one line.
    pub post: Option<String>,
    /// Permission codes of the acting post.
    pub permissions: Vec<String>,
}

/// Who is calling.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = MeView), (status = 401, body = crate::error::Problem)))]
async fn me(ApiUser(actor): ApiUser) -> Json<MeView> {
    Json(MeView {
        person_id: actor.person_id,
        name: actor.person_name.clone(),
        login: actor.login.clone(),
        post_id: actor.post_id(),
        post: actor.post.as_ref().map(|p| p.label()),
        permissions: actor
            .permissions
            .iter()
            .map(|p| p.code().to_owned())
            .collect(),
    })
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// First characters of the secret.
    pub prefix: String,
    /// Permission codes.
    pub scopes: Vec<String>,
    /// Created, epoch ms.
    pub created_at: i64,
    /// Last used, epoch ms.
    pub last_used_at: Option<i64>,
    /// Revoked, epoch ms.
    pub revoked_at: Option<i64>,
    /// When it expires (epoch ms).
    pub expires_at: i64,
}

/// The caller's tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "account", responses((status = 200, body = Vec<TokenView>)))]
async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let rows = state.services.my_tokens(&actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                scopes: t.scopes.split(',').map(str::to_owned).collect(),
                created_at: t.created_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
                expires_at: t.expires_at,
            })
            .collect(),
    ))
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenInput {
    /// A name to recognise it by.
    pub name: String,
    /// Permission codes, each held by the acting post (e.g. `org.read`).
    pub scopes: Vec<String>,
}

/// A created token: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// Id.
    pub id: i64,
    /// The secret, for `Authorization: Bearer`.
    pub token: String,
}

/// Creates a token acting as the caller's post.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "account", request_body = NewTokenInput,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::Problem)))]
async fn create_token(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<NewTokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let mut scopes = Vec::new();
    for s in &input.scopes {
        scopes.push(Permission::from_code(s).ok_or_else(|| {
            ApiError(xn_service::ServiceError::invalid(
                "scopes",
                format!("未知的权限范围“{s}”"),
            ))
        })?);
    }
    let (id, token) = state
        .services
        .create_token(&actor, &input.name, &scopes, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "account", params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .revoke_token(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}
