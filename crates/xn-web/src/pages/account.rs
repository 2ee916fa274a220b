//! The person's own account: password, API tokens, the second factor and one's sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::org::Permission;
use xn_service::{Actor, ServiceError};

use super::{Layout, beijing_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};

struct TokenLine {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    last_used: String,
    expires: String,
    revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    message: Option<String>,
    error: Option<String>,
    new_secret: Option<String>,
    policy: String,
    can_token: bool,
    scopes: Vec<(&'static str, &'static str)>,
    tokens: Vec<TokenLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
struct ForcedPasswordPage {
    person_name: String,
    csrf: String,
    error: Option<String>,
    policy: String,
}

fn policy_text(state: &AppState) -> String {
    let p = &state.services.settings().password_policy;
    format!(
        "至少 {} 个字符，包含小写字母、大写字母、数字、符号中的至少 {} 类，不能包含登录名。",
        p.min_length, p.min_classes
    )
}

async fn account_page(
    state: &AppState,
    actor: &Actor,
    message: Option<String>,
    error: Option<String>,
    new_secret: Option<String>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/account").await?;
    let tokens = state
        .services
        .my_tokens(actor)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t
                .scopes
                .split(',')
                .filter_map(Permission::from_code)
                .map(Permission::label)
                .collect::<Vec<_>>()
                .join("、"),
            last_used: t
                .last_used_at
                .map(beijing_time)
                .unwrap_or_else(|| "从未".to_owned()),
            expires: beijing_time(t.expires_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let scopes = Permission::ALL
        .into_iter()
        .filter(|p| actor.has(*p) && p.grantable_to_tokens())
        .map(|p| (p.code(), p.label()))
        .collect();
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        AccountPage {
            l,
            message,
            error,
            new_secret,
            policy: policy_text(state),
            can_token: actor.has(Permission::TokenOwn),
            scopes,
            tokens,
        },
    )
        .into_response())
}

async fn show_account(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    account_page(&state, &actor, None, None, None).await
}

async fn show_password(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    if !actor.must_change_password {
        return Ok(Redirect::to("/account").into_response());
    }
    Ok(ForcedPasswordPage {
        person_name: actor.person_name.clone(),
        csrf: actor.csrf_token.clone(),
        error: None,
        policy: policy_text(&state),
    }
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    old_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .change_password(
            &actor,
            &form.old_password,
            &form.new_password,
            state.clock.now(),
        )
        .await
    {
        Ok(()) if actor.must_change_password => Ok(Redirect::to("/").into_response()),
        Ok(()) => account_page(&state, &actor, Some("口令已修改。".to_owned()), None, None).await,
        Err(ServiceError::Invalid { message, .. }) if actor.must_change_password => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ForcedPasswordPage {
                person_name: actor.person_name.clone(),
                csrf: actor.csrf_token.clone(),
                error: Some(message),
                policy: policy_text(&state),
            },
        )
            .into_response()),
        Err(ServiceError::Invalid { message, .. }) => {
            account_page(&state, &actor, None, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
}

async fn create_token(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    let scopes: Vec<Permission> = form
        .scopes
        .iter()
        .filter_map(|s| Permission::from_code(s))
        .collect();
    match state
        .services
        .create_token(&actor, &form.name, &scopes, state.clock.now())
        .await
    {
        Ok((_, secret)) => {
            account_page(
                &state,
                &actor,
                Some("令牌已创建。它只显示这一次，请立即复制保存。".to_owned()),
                None,
                Some(secret),
            )
            .await
        }
        Err(ServiceError::Invalid { message, .. }) => {
            account_page(&state, &actor, None, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state
        .services
        .revoke_token(&actor, id, state.clock.now())
        .await?;
    account_page(&state, &actor, Some("令牌已撤销。".to_owned()), None, None).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account_factor.html")]
struct FactorPage {
    l: Layout,
    message: Option<String>,
    error: Option<String>,
    status: xn_service::auth::FactorStatus,
    enrolled_at: String,
    /// The recovery codes, on the page that confirms the enrolment only.
    recovery_codes: Vec<String>,
    must_enrol: bool,
}

async fn factor_page(
    state: &AppState,
    actor: &Actor,
    message: Option<String>,
    error: Option<String>,
    recovery_codes: Vec<String>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/account").await?;
    let status = state.services.my_factor(actor).await?;
    let code = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        code,
        FactorPage {
            l,
            message,
            error,
            enrolled_at: status.enrolled_at.map(beijing_time).unwrap_or_default(),
            status,
            recovery_codes,
            must_enrol: actor.must_enrol_factor,
        },
    )
        .into_response())
}

/// `GET /account/factor`: one's own second factor; the enrolment's secret while it waits for
/// its first code.
async fn show_factor(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    factor_page(&state, &actor, None, None, Vec::new()).await
}

/// `POST /account/factor`: begins an enrolment (a fresh secret).
async fn begin_factor(
    State(state): State<AppState>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    match state
        .services
        .begin_factor_enrolment(&actor, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/factor").into_response()),
        Err(ServiceError::Conflict { message, .. }) => {
            factor_page(&state, &actor, None, Some(message), Vec::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/factor/confirm`: the first code from the app; shows the recovery codes once.
async fn confirm_factor(
    State(state): State<AppState>,
    PageForm(mut actor, form): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .confirm_factor(&actor, &form.code, state.clock.now())
        .await
    {
        Ok(codes) => {
            actor.must_enrol_factor = false;
            factor_page(
                &state,
                &actor,
                Some(
                    "动态口令已启用。以后登录时，输入口令后还须输入验证器应用显示的动态口令。"
                        .to_owned(),
                ),
                None,
                codes,
            )
            .await
        }
        Err(ServiceError::Invalid { message, .. } | ServiceError::Conflict { message, .. }) => {
            factor_page(&state, &actor, None, Some(message), Vec::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

struct SessionRow {
    created: String,
    last_seen: String,
    ip: String,
    user_agent: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_sessions.html")]
struct SessionsPage {
    l: Layout,
    message: Option<String>,
    sessions: Vec<SessionRow>,
    max_sessions: u32,
}

async fn sessions_page(
    state: &AppState,
    actor: &Actor,
    message: Option<String>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/account").await?;
    let sessions = state
        .services
        .my_sessions(actor)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            created: beijing_time(s.created_at),
            last_seen: beijing_time(s.last_seen_at),
            ip: s.ip.unwrap_or_else(|| "未知".to_owned()),
            user_agent: s.user_agent.unwrap_or_else(|| "未知".to_owned()),
            current: s.current,
        })
        .collect();
    Ok(SessionsPage {
        l,
        message,
        sessions,
        max_sessions: state.services.settings().sign_in_policy.max_sessions,
    }
    .into_response())
}

/// `GET /account/sessions`: 我的会话.
async fn show_sessions(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    sessions_page(&state, &actor, None).await
}

/// `POST /account/sessions/end-others`: 结束其他会话.
async fn end_other_sessions(
    State(state): State<AppState>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let n = state
        .services
        .end_other_sessions(&actor, state.clock.now())
        .await?;
    sessions_page(&state, &actor, Some(format!("已结束其他 {n} 个会话。"))).await
}

/// The account pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show_account))
        .route(
            "/account/password",
            get(show_password).post(change_password),
        )
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/factor", get(show_factor).post(begin_factor))
        .route("/account/factor/confirm", post(confirm_factor))
        .route("/account/sessions", get(show_sessions))
        .route("/account/sessions/end-others", post(end_other_sessions))
}
