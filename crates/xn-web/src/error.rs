//! How errors reach people: a Chinese page for the browser, `application/problem+json` with a
//! stable `code` for the API. A 5xx says nothing internal; the log says everything, once.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use utoipa::ToSchema;
use xn_service::ServiceError;
use xn_service::documents::LayoutViolation;
use xn_service::import::RowError;

/// The HTTP status of a service error.
pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid { .. }
        | ServiceError::BadRows(_)
        | ServiceError::Nonconforming(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict { .. } | ServiceError::Constraint { .. } => StatusCode::CONFLICT,
        ServiceError::Locked(_) => StatusCode::LOCKED,
        ServiceError::Throttled(_) | ServiceError::TooFrequent(_) => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:xiaoneng:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short title.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong, in Chinese.
    pub detail: String,
    /// The stable machine code, e.g. `person.login_taken`.
    pub code: String,
    /// The field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For imports: every bad row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
    /// For a document refused at 印制: every GB/T 9704 violation (element, rule, page, message).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<LayoutViolation>,
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    /// A problem the request itself caused before any service ran (bad JSON, bad query).
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Response {
        problem(
            StatusCode::BAD_REQUEST,
            code,
            detail.into(),
            None,
            Vec::new(),
        )
    }

    /// A request body over the route's limit (413).
    pub fn too_large() -> Response {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "请求内容过大".to_owned(),
            None,
            Vec::new(),
        )
    }
}

fn problem(
    status: StatusCode,
    code: &str,
    detail: String,
    field: Option<String>,
    rows: Vec<RowError>,
) -> Response {
    let body = Problem {
        type_: format!("urn:xiaoneng:problem:{code}"),
        title: status.canonical_reason().unwrap_or("error").to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
        field,
        rows,
        violations: Vec::new(),
    };
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if let ServiceError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "internal error");
        }
        let field = match &self.0 {
            ServiceError::Invalid { field, .. } => field.map(str::to_owned),
            _ => None,
        };
        let rows = match &self.0 {
            ServiceError::BadRows(rows) => rows.clone(),
            _ => Vec::new(),
        };
        let mut res = problem(status, self.0.code(), self.0.to_string(), field, rows);
        if let ServiceError::Nonconforming(v) = &self.0 {
            let body = Problem {
                type_: format!("urn:xiaoneng:problem:{}", self.0.code()),
                title: status.canonical_reason().unwrap_or("error").to_owned(),
                status: status.as_u16(),
                detail: self.0.to_string(),
                code: self.0.code().to_owned(),
                field: None,
                rows: Vec::new(),
                violations: v.clone(),
            };
            res = (status, Json(body)).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/problem+json"),
            );
        }
        res
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
    rows: Vec<RowError>,
}

/// A page that says what went wrong, with the right status.
pub fn error_page(status: StatusCode, message: &str, rows: Vec<RowError>) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "找不到页面",
        StatusCode::FORBIDDEN => "没有权限",
        StatusCode::CONFLICT => "操作冲突",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "填写有误",
        StatusCode::INTERNAL_SERVER_ERROR => "系统出错",
        _ => "无法完成操作",
    };
    let page = ErrorPage {
        title: title.to_owned(),
        message: message.to_owned(),
        rows,
    };
    (status, page).into_response()
}

/// An error answered as a page.
#[derive(Debug)]
pub struct PageError(pub ServiceError);

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let ServiceError::Unauthenticated(_) = self.0 {
            return Redirect::to("/login").into_response();
        }
        if let ServiceError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "internal error");
        }
        let status = status_of(&self.0);
        error_page(
            status,
            &self.0.to_string(),
            match &self.0 {
                ServiceError::BadRows(rows) => rows.clone(),
                _ => Vec::new(),
            },
        )
    }
}

/// Turns the plain-text answers axum's extractors give to malformed requests (a path segment
/// that is not a number, a query that does not parse, a body over the limit) into our own
/// formats: problem+json under `/api/`, a Chinese page elsewhere. Handlers' own errors are
/// already in those formats and pass through untouched.
pub async fn explain_rejections(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return res;
    }
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("request.too_large", "请求内容过大".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("request.content_type", "请求内容的类型不受支持".to_owned())
        }
        StatusCode::METHOD_NOT_ALLOWED => ("request.method", "不支持此请求方法".to_owned()),
        _ => ("request.invalid", "请求的地址或参数格式不正确".to_owned()),
    };
    if is_api {
        problem(status, code, detail, None, Vec::new())
    } else {
        error_page(status, &detail, Vec::new())
    }
}
