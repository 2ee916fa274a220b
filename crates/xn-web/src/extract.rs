//! Extractors written once: who is acting (session cookie or API token), CSRF-checked forms,
//! single-file uploads, and JSON bodies whose rejections answer in problem+json.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{
    ConnectInfo, FromRef, FromRequest, FromRequestParts, Multipart, Query, Request,
};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use xn_service::auth::Client;
use xn_service::{Actor, ServiceError};

use crate::AppState;
use crate::error::{ApiError, PageError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "xn_session";
/// The cookie holding the CSRF token of the signed-out forms (double-submit).
pub const PRE_CSRF_COOKIE: &str = "xn_csrf";

/// The client's address and user agent, for the event log.
pub fn client_of(parts: &Parts) -> Client {
    Client {
        ip: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect()),
    }
}

/// A cookie with the flags every cookie of ours carries.
pub fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .build()
}

/// The signed-in actor of a page request. Without a live session the request is redirected
/// to the sign-in page; a person who must change the password or choose a post is sent there
/// first.
pub struct CurrentUser(pub Actor);

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Redirect::to("/login").into_response());
        };
        let now = state.clock.now();
        let actor = match state
            .services
            .authenticate_session(&token, &client_of(parts), now)
            .await
        {
            Ok(a) => a,
            Err(ServiceError::Unauthenticated(xn_service::auth::FACTOR_PENDING)) => {
                return Err(Redirect::to("/login/factor").into_response());
            }
            Err(ServiceError::Unauthenticated(msg)) => {
                let to = if msg.contains("超时") {
                    "/login?expired=1"
                } else {
                    "/login"
                };
                return Err(Redirect::to(to).into_response());
            }
            Err(e) => return Err(PageError(e).into_response()),
        };
        let path = parts.uri.path();
        let exempt = path == "/logout" || path.starts_with("/static/");
        if actor.must_change_password && path != "/account/password" && !exempt {
            return Err(Redirect::to("/account/password").into_response());
        }
        // An administrator without a second factor enrols one before anything else.
        let enrolling = matches!(path, "/account/factor" | "/account/factor/confirm");
        if actor.must_enrol_factor && !actor.must_change_password && !enrolling && !exempt {
            return Err(Redirect::to("/account/factor").into_response());
        }
        if actor.post.is_none()
            && actor.post_count > 0
            && !actor.must_change_password
            && path != "/choose-post"
            && path != "/session/post"
            && !exempt
        {
            return Err(Redirect::to("/choose-post").into_response());
        }
        crate::downloads::note_actor(&parts.extensions, &actor);
        Ok(CurrentUser(actor))
    }
}

/// A form posted by a signed-in person, its CSRF token checked against the session's.
pub struct PageForm<T>(pub Actor, pub T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let CurrentUser(actor) = CurrentUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
            .await
            .map_err(|_| bad_form("表单内容过大"))?;
        if !form_csrf_matches(&bytes, &actor.csrf_token) {
            return Err(csrf_rejected());
        }
        let value = serde_html_form::from_bytes(&bytes).map_err(|e| {
            tracing::debug!(error = %e, "unreadable form");
            bad_form("表单内容有误：请检查填写的数字和选项后重试")
        })?;
        Ok(PageForm(actor, value))
    }
}

/// A page's form that may carry files: `multipart/form-data` (its text fields read as
/// [`PageForm`] reads an urlencoded body, its files beside them), or an urlencoded form
/// without files. The CSRF token is the form's `_csrf` field (or, in a multipart body, the
/// action URL's `?_csrf=`); the body limit is the route's (`DefaultBodyLimit`).
pub struct PageFormFiles<T>(pub Actor, pub T, pub Vec<(String, UploadedFile)>);

impl<S, T> FromRequest<S> for PageFormFiles<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let PageForm(actor, value) = PageForm::<T>::from_request(req, state).await?;
            return Ok(PageFormFiles(actor, value, Vec::new()));
        }
        let (mut parts, body) = req.into_parts();
        let CurrentUser(actor) = CurrentUser::from_request_parts(&mut parts, state).await?;
        let Query(q) = Query::<CsrfQuery>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let body = read_multipart(multipart)
            .await
            .map_err(|e| PageError(e).into_response())?;
        let given = if q._csrf.is_empty() {
            body.text("_csrf")
        } else {
            q._csrf.as_str()
        };
        if actor.csrf_token.is_empty() || given != actor.csrf_token {
            return Err(csrf_rejected());
        }
        let encoded = serde_html_form::to_string(&body.fields)
            .map_err(|_| bad_form("表单内容有误：请检查填写的内容后重试"))?;
        let value = serde_html_form::from_str(&encoded).map_err(|e| {
            tracing::debug!(error = %e, "unreadable form");
            bad_form("表单内容有误：请检查填写的数字和选项后重试")
        })?;
        Ok(PageFormFiles(actor, value, body.files))
    }
}

fn bad_form(msg: &str) -> Response {
    PageError(ServiceError::Invalid {
        field: None,
        message: msg.to_owned(),
    })
    .into_response()
}

/// Whether the `_csrf` field of an urlencoded body matches the expected token.
pub fn form_csrf_matches(body: &[u8], expected: &str) -> bool {
    let fields: Vec<(String, String)> = serde_html_form::from_bytes(body).unwrap_or_default();
    let given = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    !expected.is_empty() && given == Some(expected)
}

/// The answer to a request whose CSRF token is missing or wrong.
pub fn csrf_rejected() -> Response {
    PageError(ServiceError::Forbidden(
        "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试".to_owned(),
    ))
    .into_response()
}

/// A file of an upload form.
pub struct UploadedFile {
    /// The file name the client gave, if it gave one.
    pub name: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

/// A `multipart/form-data` body: its text fields and its files (every field with a file name;
/// an empty file input, which browsers send as a nameless empty part, is left out).
#[derive(Default)]
pub struct MultipartBody {
    /// Text fields in order, by name.
    pub fields: Vec<(String, String)>,
    /// Files in order, with the name of their field.
    pub files: Vec<(String, UploadedFile)>,
}

impl MultipartBody {
    /// The last value of a text field, or "".
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a text field (checkboxes of one name).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The files of a field.
    pub fn files(&self, name: &str) -> Vec<&UploadedFile> {
        self.files
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f)
            .collect()
    }
}

/// A `multipart/form-data` body with who sent it.
///
/// `Multiparted<CurrentUser>` is a page's form with files. Its body is not urlencoded, so the
/// form carries the session's CSRF token in its action URL (`?_csrf=…`); a missing or wrong
/// token is refused before the body is read, and errors are Chinese pages.
/// `Multiparted<ApiUser>` is the API's: the actor and its CSRF header are checked as for any
/// API request, and errors are problem+json. The body limit is the route's
/// (`DefaultBodyLimit`).
pub struct Multiparted<U>(pub U, pub MultipartBody);

/// A `multipart/form-data` body carrying one file in the field `file`, with who sent it (as
/// [`Multiparted`]).
///
/// The file is `None` when the body has no field `file`; what that means is the handler's to
/// say. Other fields are skipped; of several `file` fields the last one counts.
pub struct Upload<U>(pub U, pub Option<UploadedFile>);

#[derive(Deserialize)]
struct CsrfQuery {
    #[serde(default)]
    _csrf: String,
}

impl<S> FromRequest<S> for Multiparted<CurrentUser>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let CurrentUser(actor) = CurrentUser::from_request_parts(&mut parts, state).await?;
        let Query(q) = Query::<CsrfQuery>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if actor.csrf_token.is_empty() || q._csrf != actor.csrf_token {
            return Err(csrf_rejected());
        }
        let body = read_multipart(multipart)
            .await
            .map_err(|e| PageError(e).into_response())?;
        Ok(Multiparted(CurrentUser(actor), body))
    }
}

impl<S> FromRequest<S> for Multiparted<ApiUser>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = ApiUser::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let body = read_multipart(multipart)
            .await
            .map_err(|e| ApiError(e).into_response())?;
        Ok(Multiparted(user, body))
    }
}

impl<S, U> FromRequest<S> for Upload<U>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    Multiparted<U>: FromRequest<S, Rejection = Response>,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Multiparted(user, mut body) = Multiparted::<U>::from_request(req, state).await?;
        let file = body
            .files
            .drain(..)
            .rfind(|(n, _)| n == "file")
            .map(|(_, f)| f);
        Ok(Upload(user, file))
    }
}

/// Reads a multipart body: text fields, and files (parts with a file name).
pub(crate) async fn read_multipart(
    mut multipart: Multipart,
) -> Result<MultipartBody, ServiceError> {
    let unreadable = |e: MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ServiceError::invalid(
                "file",
                "上传的文件合计过大：请分几次上传，每次合计不超过 32 MB",
            )
        } else {
            ServiceError::invalid("file", format!("上传内容无法读取：{e}"))
        }
    };
    let mut body = MultipartBody::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field
            .file_name()
            .map(|n| crate::input::strip_controls(n).into_owned())
        {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                // An empty file input: no file chosen.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                body.files.push((
                    name,
                    UploadedFile {
                        name: Some(file_name).filter(|n| !n.is_empty()),
                        bytes,
                    },
                ));
            }
            None => {
                let text = field.text().await.map_err(unreadable)?;
                body.fields
                    .push((name, crate::input::strip_controls(&text).into_owned()));
            }
        }
    }
    Ok(body)
}

/// The actor of an API request: `Authorization: Bearer xn_…` (an API token), or the session
/// cookie of a signed-in browser, in which case a state-changing request must carry the
/// session's CSRF token in `X-CSRF-Token`.
pub struct ApiUser(pub Actor);

impl<S> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let now = state.clock.now();
        let client = client_of(parts);
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|s| s.strip_prefix("Bearer "))
                .ok_or(ServiceError::Unauthenticated(
                    "Authorization 头须为 “Bearer 令牌”",
                ))?;
            let actor = state
                .services
                .authenticate_token(token.trim(), &client, now)
                .await?;
            crate::downloads::note_actor(&parts.extensions, &actor);
            return must_not_need_new_password(actor);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE) else {
            return Err(ServiceError::Unauthenticated("请提供接口令牌或先登录").into());
        };
        let actor = state
            .services
            .authenticate_session(token.value(), &client, now)
            .await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let given = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if given != Some(actor.csrf_token.as_str()) {
                return Err(ServiceError::Forbidden("缺少或错误的 X-CSRF-Token".to_owned()).into());
            }
        }
        crate::downloads::note_actor(&parts.extensions, &actor);
        must_not_need_new_password(actor)
    }
}

/// An account with an initial or reset password may do nothing through the API until its
/// holder has chosen a password of their own on the pages.
fn must_not_need_new_password(actor: xn_service::Actor) -> Result<ApiUser, ApiError> {
    if actor.must_change_password {
        return Err(ServiceError::Forbidden("请先在网页上修改初始口令".to_owned()).into());
    }
    if actor.must_enrol_factor {
        return Err(
            ServiceError::Forbidden("请先在网页上启用动态口令（第二因子）".to_owned()).into(),
        );
    }
    Ok(ApiUser(actor))
}

/// A JSON body; anything malformed is a 400 problem+json naming what is wrong, never a 500.
pub struct ApiJson<T>(pub T);

/// An optional JSON body: a request without a `Content-Type` sends none (`None`); one with it
/// is read as [`ApiJson`] reads it.
impl<S, T> axum::extract::OptionalFromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if !req.headers().contains_key(header::CONTENT_TYPE) {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(mut v)) => {
                crate::input::clean_json(&mut v);
                serde_path_to_error::deserialize(v)
                    .map(ApiJson)
                    .map_err(|e| {
                        ApiError::bad_request(
                            "request.invalid_fields",
                            format!("字段不符合要求：{e}"),
                        )
                    })
            }
            Err(rejection) => {
                use axum::extract::rejection::JsonRejection as J;
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(ApiError::too_large());
                }
                let (code, detail) = match &rejection {
                    J::MissingJsonContentType(_) => (
                        "request.content_type",
                        "请求须为 Content-Type: application/json".to_owned(),
                    ),
                    J::JsonSyntaxError(e) => (
                        "request.malformed_json",
                        format!("JSON 格式错误：{}", e.body_text()),
                    ),
                    J::JsonDataError(e) => (
                        "request.invalid_fields",
                        format!("字段不符合要求：{}", e.body_text()),
                    ),
                    _ => ("request.unreadable", "无法读取请求体".to_owned()),
                };
                Err(ApiError::bad_request(code, detail))
            }
        }
    }
}
