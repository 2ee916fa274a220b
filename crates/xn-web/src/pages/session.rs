//! Signing in and out, choosing and switching the acting post, and the workbench.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use xn_service::ServiceError;
use xn_service::auth::ActingPost;

use super::flash::Flash;
use super::{Layout, filters};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{
    CurrentUser, PRE_CSRF_COOKIE, PageForm, SESSION_COOKIE, client_of, cookie, csrf_rejected,
};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    login: String,
    error: Option<String>,
    message: Option<&'static str>,
    max_failures: u32,
    lock_minutes: u32,
}

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    reset: Option<String>,
}

/// The double-submit token of a signed-out form, kept while its cookie exists, and the jar that
/// sets it.
pub(super) fn pre_csrf(state: &AppState, jar: CookieJar) -> (String, CookieJar) {
    let csrf = jar
        .get(PRE_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| xn_service::password::random_token(24));
    let jar = jar.add(cookie(state, PRE_CSRF_COOKIE, csrf.clone()));
    (csrf, jar)
}

fn login_page(
    state: &AppState,
    jar: CookieJar,
    login: String,
    error: Option<String>,
    message: Option<&'static str>,
) -> Response {
    // The double-submit token of the signed-out form. An existing one is kept: a second tab,
    // or a browser's background request that lands here, must not invalidate the first form.
    let (csrf, jar) = pre_csrf(state, jar);
    let status = if error.is_some() {
        axum::http::StatusCode::UNAUTHORIZED
    } else {
        axum::http::StatusCode::OK
    };
    let page = LoginPage {
        csrf,
        login,
        error,
        message,
        max_failures: state.services.settings().sign_in_policy.max_failed_attempts,
        lock_minutes: state.services.settings().sign_in_policy.lock_minutes,
    };
    (status, jar, page).into_response()
}

async fn show_login(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    let message = match (q.expired, q.reset) {
        (Some(_), _) => Some("登录已超时，请重新登录。"),
        (None, Some(_)) => Some("新口令已设置，请用新口令登录。"),
        (None, None) => None,
    };
    login_page(&state, jar, String::new(), None, message)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    _csrf: String,
}

async fn sign_in(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let client = client_of(&parts);
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return csrf_rejected();
    };
    let form: LoginForm = match serde_html_form::from_bytes(&bytes) {
        Ok(f) => f,
        Err(_) => {
            return login_page(
                &state,
                jar,
                String::new(),
                Some("表单内容有误，请重新填写".to_owned()),
                None,
            );
        }
    };
    let expected = jar
        .get(PRE_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || form._csrf != expected {
        return csrf_rejected();
    }
    match state
        .services
        .sign_in(&form.login, &form.password, &client, state.clock.now())
        .await
    {
        Ok(signed) => {
            let jar = jar.remove(Cookie::from(PRE_CSRF_COOKIE)).add(cookie(
                &state,
                SESSION_COOKIE,
                signed.token,
            ));
            let to = if signed.must_give_factor {
                "/login/factor"
            } else if signed.must_change_password {
                "/account/password"
            } else if signed.must_choose_post {
                "/choose-post"
            } else {
                "/"
            };
            (jar, Redirect::to(to)).into_response()
        }
        Err(
            e @ (ServiceError::Unauthenticated(_)
            | ServiceError::Locked(_)
            | ServiceError::Throttled(_)),
        ) => login_page(&state, jar, form.login, Some(e.to_string()), None),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login_factor.html")]
struct FactorPage {
    csrf: String,
    person_name: String,
    error: Option<String>,
}

/// The session cookie's value, if any.
fn session_token(jar: &CookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// `GET /login/factor`: the second step of signing in, for a session whose password was right.
async fn show_factor(State(state): State<AppState>, jar: CookieJar) -> Response {
    let Some(token) = session_token(&jar) else {
        return Redirect::to("/login").into_response();
    };
    match state
        .services
        .pending_factor(&token, state.clock.now())
        .await
    {
        Ok(p) => FactorPage {
            csrf: p.csrf_token,
            person_name: p.person_name,
            error: None,
        }
        .into_response(),
        Err(ServiceError::Conflict { .. }) => Redirect::to("/").into_response(),
        Err(ServiceError::Unauthenticated(_)) => Redirect::to("/login").into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct FactorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    _csrf: String,
}

/// `POST /login/factor`: gives the code (or a recovery code); the session then signs in.
async fn give_factor(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let client = client_of(&parts);
    let Some(token) = session_token(&jar) else {
        return Redirect::to("/login").into_response();
    };
    let now = state.clock.now();
    let pending = match state.services.pending_factor(&token, now).await {
        Ok(p) => p,
        Err(ServiceError::Conflict { .. }) => return Redirect::to("/").into_response(),
        Err(ServiceError::Unauthenticated(_)) => return Redirect::to("/login").into_response(),
        Err(e) => return PageError(e).into_response(),
    };
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return csrf_rejected();
    };
    let form: FactorForm = serde_html_form::from_bytes(&bytes).unwrap_or(FactorForm {
        code: String::new(),
        _csrf: String::new(),
    });
    if form._csrf.is_empty() || form._csrf != pending.csrf_token {
        return csrf_rejected();
    }
    match state
        .services
        .give_factor(&token, &form.code, &client, now)
        .await
    {
        Ok(signed) => {
            let to = if signed.must_change_password {
                "/account/password"
            } else if signed.must_choose_post {
                "/choose-post"
            } else {
                "/"
            };
            Redirect::to(to).into_response()
        }
        Err(e @ (ServiceError::Unauthenticated(_) | ServiceError::Throttled(_))) => (
            axum::http::StatusCode::UNAUTHORIZED,
            FactorPage {
                csrf: pending.csrf_token,
                person_name: pending.person_name,
                error: Some(e.to_string()),
            },
        )
            .into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

/// `POST /login/factor/cancel`: gives up this sign-in; back to the sign-in form.
async fn cancel_factor(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let client = client_of(&parts);
    let Some(token) = session_token(&jar) else {
        return Redirect::to("/login").into_response();
    };
    let now = state.clock.now();
    let Ok(pending) = state.services.pending_factor(&token, now).await else {
        return Redirect::to("/login").into_response();
    };
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return csrf_rejected();
    };
    if !crate::extract::form_csrf_matches(&bytes, &pending.csrf_token) {
        return csrf_rejected();
    }
    if let Err(e) = state.services.cancel_factor(&token, &client, now).await {
        return PageError(e).into_response();
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/login")).into_response()
}

#[derive(Deserialize)]
struct Empty {}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    PageForm(actor, Empty {}): PageForm<Empty>,
) -> Result<Response, PageError> {
    state.services.sign_out(&actor, state.clock.now()).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "choose_post.html")]
struct ChoosePostPage {
    person_name: String,
    csrf: String,
    posts: Vec<ActingPost>,
}

async fn choose_post(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let posts = state.services.my_posts(&actor).await?;
    Ok(ChoosePostPage {
        person_name: actor.person_name.clone(),
        csrf: actor.csrf_token.clone(),
        posts,
    }
    .into_response())
}

#[derive(Deserialize)]
struct SwitchForm {
    post_id: i64,
}

/// `POST /session/post`: switches the acting post and stays on the page the person was on
/// (told by the browser's Referer) when the new post may see it, else goes to the workbench;
/// either way the next page says what changed.
async fn switch_post(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PageForm(actor, form): PageForm<SwitchForm>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    state
        .services
        .switch_post(&actor, form.post_id, now)
        .await?;
    let jar = CookieJar::from_headers(&headers);
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site_path)
        .filter(|p| p != "/" && !p.starts_with("/choose-post"));
    let (to, flash) = match (back, jar.get(SESSION_COOKIE)) {
        (Some(path), Some(session)) => {
            let client = xn_service::auth::Client {
                ip: actor.ip.clone(),
                user_agent: headers
                    .get(axum::http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(|s| s.chars().take(200).collect()),
            };
            let switched = state
                .services
                .authenticate_session(session.value(), &client, now)
                .await?;
            if super::may_show(&state, &switched, &path).await {
                (path, Flash::Switched)
            } else {
                ("/".to_owned(), Flash::SwitchedHome)
            }
        }
        _ => ("/".to_owned(), Flash::Switched),
    };
    Ok((jar.add(flash.cookie(&state)), Redirect::to(&to)).into_response())
}

/// The path (with its query) of a URL of this site, from a Referer: only a path that stays on
/// this site is taken (`/…`, never `//host`).
fn same_site_path(referer: &str) -> Option<String> {
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = &rest[rest.find('/')?..];
    (path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .then(|| path.to_owned())
}

/// A row of the "my posts" table.
struct PostLine {
    unit_name: String,
    position: String,
    clearance: &'static str,
    current: bool,
}

/// A notification line on the workbench.
struct NoticeLine {
    id: i64,
    at: String,
    message: String,
    unread: bool,
    /// The page of what it concerns (a case, a 督办事项, a document), when it has one.
    link: Option<String>,
}

/// The page a notification's subject (`case:12`, `supervision:3`, `document:7`) opens.
fn notice_link(subject: Option<&str>) -> Option<String> {
    xn_domain::notify::subject_path(subject?)
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    l: Layout,
    /// The queues of the flow engine (待办, 待阅, 已办, 被催办, 我发起的).
    w: super::flow::Queues,
    notices: Vec<NoticeLine>,
    /// 会议通知 waiting for this post's reply (回执), above the queues.
    awaiting: Vec<xn_service::meetings::AwaitingView>,
    /// Rules the post is asked to acknowledge: (rule, version, title).
    rules_pending: Vec<(i64, i64, String)>,
    /// Unread notifications of the post (all of them, not only those listed).
    unread: i64,
    posts: Vec<PostLine>,
    recent: Vec<(String, &'static str)>,
}

/// `GET /`: the workbench: the queues first (tab, filter, sort and page from the query), then
/// the notifications folded into one line, one's posts and recent sign-ins.
async fn workbench(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<super::flow::WorkbenchQuery>,
) -> Result<Response, PageError> {
    let l = Layout::new(&state, &actor, "/").await?;
    let w = super::flow::workbench_queues(&state, &actor, q).await?;
    let posts = state
        .services
        .my_posts(&actor)
        .await?
        .into_iter()
        .map(|p| PostLine {
            current: Some(p.id) == actor.post_id(),
            position: p.title.clone().unwrap_or(p.position_name.clone()),
            clearance: p.clearance.label(),
            unit_name: p.unit_name,
        })
        .collect();
    let recent = state
        .services
        .my_sign_in_history(&actor, 5)
        .await?
        .into_iter()
        .map(|e| {
            (
                super::beijing_time(e.at),
                xn_service::events::kind_label(&e.kind),
            )
        })
        .collect();
    let notices: Vec<NoticeLine> = state
        .services
        .my_notifications(&actor, 20)
        .await?
        .into_iter()
        .map(|n| NoticeLine {
            id: n.id,
            at: super::beijing_time(n.created_at),
            link: notice_link(n.subject.as_deref()),
            message: n.message,
            unread: n.read_at.is_none(),
        })
        .collect();
    let unread = state.services.my_unread_count(&actor).await?;
    // A post without 办理事项 (an administrator's) owes no replies: it is sent no notices.
    let awaiting = match state
        .services
        .meetings()
        .awaiting_reply(&actor, state.clock.now())
        .await
    {
        Ok(a) => a,
        Err(xn_service::ServiceError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let rules_pending = match state
        .services
        .management()
        .rules_to_acknowledge(&actor)
        .await
    {
        Ok(r) => r,
        Err(xn_service::ServiceError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(WorkbenchPage {
        l,
        w,
        notices,
        awaiting,
        rules_pending,
        unread,
        posts,
        recent,
    }
    .into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn mark_read(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    state
        .services
        .mark_notification_read(&actor, id, state.clock.now())
        .await?;
    Ok(Redirect::to("/").into_response())
}

/// `POST /notifications/read`: 全部标为已读.
async fn mark_all_read(
    State(state): State<AppState>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    state
        .services
        .mark_all_notifications_read(&actor, state.clock.now())
        .await?;
    Ok(Redirect::to("/").into_response())
}

/// Sign-in, sign-out, post choice and the workbench.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(workbench))
        .route("/login", get(show_login).post(sign_in))
        .route("/login/factor", get(show_factor).post(give_factor))
        .route("/login/factor/cancel", post(cancel_factor))
        .route("/logout", post(sign_out))
        .route("/choose-post", get(choose_post))
        .route("/session/post", post(switch_post))
        .route("/notifications/read", post(mark_all_read))
        .route("/notifications/{id}/read", post(mark_read))
}
