//! The signed-out pages of a password reset: asking for one (忘记口令), and setting a new
//! password through the one-time link. The rules are in `xn_service::auth` (module `reset`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use xn_service::ServiceError;
use xn_service::auth::LinkState;

use super::session::pre_csrf;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{PRE_CSRF_COOKIE, client_of, csrf_rejected};

#[derive(Template, WebTemplate)]
#[template(path = "password_reset.html")]
struct ResetPage {
    csrf: String,
    /// `ask`, `asked`, `set` or `closed`.
    stage: &'static str,
    login: String,
    /// The link and check code shown once to the one who asked.
    link: String,
    check_code: String,
    message: Option<String>,
    error: Option<String>,
}

impl ResetPage {
    fn new(stage: &'static str) -> ResetPage {
        ResetPage {
            csrf: String::new(),
            stage,
            login: String::new(),
            link: String::new(),
            check_code: String::new(),
            message: None,
            error: None,
        }
    }
}

fn respond(state: &AppState, jar: CookieJar, status: StatusCode, mut page: ResetPage) -> Response {
    let (csrf, jar) = pre_csrf(state, jar);
    page.csrf = csrf;
    (status, jar, page).into_response()
}

#[derive(Deserialize)]
struct Form {
    #[serde(default)]
    login: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    _csrf: String,
}

/// Reads a signed-out form and checks its double-submit token.
async fn read_form(req: Request) -> Result<(CookieJar, xn_service::auth::Client, Form), Response> {
    let (parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let client = client_of(&parts);
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| csrf_rejected())?;
    let form: Form = serde_html_form::from_bytes(&bytes).map_err(|_| csrf_rejected())?;
    let expected = jar
        .get(PRE_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || form._csrf != expected {
        return Err(csrf_rejected());
    }
    Ok((jar, client, form))
}

/// `GET /password-reset`: the request form.
async fn ask(State(state): State<AppState>, jar: CookieJar) -> Response {
    respond(&state, jar, StatusCode::OK, ResetPage::new("ask"))
}

/// `POST /password-reset`: shows the one who asked the link and the check code, once.
async fn asked(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let (jar, client, form) = match read_form(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    if form.login.trim().is_empty() {
        let mut page = ResetPage::new("ask");
        page.error = Some("请填写登录名".to_owned());
        return Ok(respond(&state, jar, StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    let r = state
        .services
        .request_password_reset(&form.login, &client, state.clock.now())
        .await?;
    let mut page = ResetPage::new("asked");
    page.login = form.login.trim().to_owned();
    page.link = r.path;
    page.check_code = r.check_code;
    Ok(respond(&state, jar, StatusCode::OK, page))
}

/// `GET /password-reset/{secret}`: the new-password form, or where the link stands.
async fn open_link(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let page = match state
        .services
        .password_reset_state(&secret, state.clock.now())
        .await?
    {
        LinkState::Ready => ResetPage::new("set"),
        LinkState::Waiting => {
            let mut p = ResetPage::new("closed");
            p.message = Some(
                "申请尚未获批准：请当面向安全保密管理员出示核对码，获批后再打开本链接。".to_owned(),
            );
            p
        }
        LinkState::Dead => {
            let mut p = ResetPage::new("closed");
            p.error = Some("链接无效、已使用或已过期，请重新申请。".to_owned());
            p
        }
    };
    Ok(respond(&state, jar, StatusCode::OK, page))
}

/// `POST /password-reset/{secret}`: sets the new password, then to the sign-in page.
async fn set_password(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let (jar, client, form) = match read_form(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    match state
        .services
        .complete_password_reset(&secret, &form.new_password, &client, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(e @ ServiceError::Invalid { .. }) => {
            let stage = if matches!(
                &e,
                ServiceError::Invalid {
                    field: Some("new_password"),
                    ..
                }
            ) {
                "set"
            } else {
                "closed"
            };
            let mut page = ResetPage::new(stage);
            page.error = Some(e.to_string());
            Ok(respond(&state, jar, status_of(&e), page))
        }
        Err(e) => Err(e.into()),
    }
}

/// The signed-out reset pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/password-reset", get(ask).post(asked))
        .route(
            "/password-reset/{secret}",
            get(open_link).post(set_password),
        )
}
