//! The JSON API under `/api/v1`, described by the OpenAPI document generated from this code
//! at `/api/v1/openapi.json` (docs/API.md states the rules: problem+json errors with stable
//! codes, cursor pagination, bearer tokens).

use axum::Json;
use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;

pub mod account;
pub mod calendar;
pub mod complaints;
pub mod documents;
pub mod efficiency;
pub mod efficiency_alerts;
pub mod flow;
pub mod information;
pub mod management;
pub mod meetings;
pub mod meetings_minutes;
pub mod meetings_topics;
pub mod notify;
pub mod org;
pub mod plans;
pub mod research;
pub mod satisfaction;
pub mod schedule;
pub mod service;
pub mod study;
pub mod summaries;
pub mod supervision;

#[derive(OpenApi)]
#[openapi(
    info(title = "效能 xiaoneng API", version = "1", description = "政府办公业务系统接口。错误以 application/problem+json 返回，含稳定的 code。"),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("xn_…")
                    .build(),
            ),
        );
    }
}

/// A page of a list with an opaque cursor to the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Paging parameters of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Free-text filter where the list supports one.
    pub q: Option<String>,
}

impl PageQuery {
    /// The id after which the page starts.
    pub fn after(&self) -> Result<i64, ApiError> {
        let Some(c) = &self.cursor else { return Ok(0) };
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("id:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| ApiError(xn_service::ServiceError::invalid("cursor", "cursor 无效")))
    }

    /// The page size.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
}

/// Cuts a fetched `limit + 1` rows down to a page with its next cursor.
pub fn page<T>(mut items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(50);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{}", id(t)))
        })
    } else {
        None
    };
    Page { items, next_cursor }
}

/// The id of something created (201).
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The new record.
    pub id: i64,
}

fn openapi_doc() -> utoipa::openapi::OpenApi {
    let (_, mut api) = api_router().split_for_parts();
    describe_errors(&mut api);
    api
}

/// Every operation's error answers as the server gives them: `application/problem+json` with
/// the `Problem` schema; 400 (a request that cannot be read), 401 (no valid token) and 403 (not
/// permitted) on every operation that needs a token, 404 on every operation, 409
/// on every change, 422 where the request carries input the service checks. An operation's own
/// documented errors keep their descriptions.
fn describe_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    const PROBLEM: &str = "application/problem+json";
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for item in api.paths.paths.values_mut() {
        for (changes, op) in [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ] {
            let Some(op) = op else { continue };
            for r in op.responses.responses.iter_mut().filter_map(|(status, r)| {
                (status.starts_with('4') || status.starts_with('5')).then_some(r)
            }) {
                if let RefOr::T(r) = r {
                    match r.content.shift_remove("application/json") {
                        Some(content) => {
                            r.content.insert(PROBLEM.to_owned(), content);
                        }
                        None if r.content.is_empty() => {
                            r.content.insert(
                                PROBLEM.to_owned(),
                                RefOr::T(
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Problem")))
                                        .build(),
                                ),
                            );
                        }
                        None => {}
                    }
                }
            }
            let public = op.security.as_ref().is_some_and(|s| {
                s.iter()
                    .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
            });
            let has_input =
                op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            };
            add("400", "请求无法读取（格式错误的 JSON、参数或路径）");
            if !public {
                add("401", "未提供有效的令牌，或令牌已过期");
                add("403", "无权进行此操作");
            }
            // Not only a path's object: an id in the query or the body, or the caller's own
            // office or post, may be missing or out of sight.
            add("404", "对象不存在，或不在调用者的可见范围内");
            if changes {
                add(
                    "409",
                    "与当前状态冲突（已被他人处理、版本过期、重复提交等）",
                );
            }
            if has_input {
                add("422", "输入不符合规则（字段与原因见 field 与 detail）");
            }
        }
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(account::router())
        .merge(notify::router())
        .merge(org::router())
        .merge(calendar::router())
        .merge(flow::router())
        .merge(documents::router())
        .merge(supervision::router())
        .merge(meetings::router())
        .merge(meetings_minutes::router())
        .merge(schedule::router())
        .merge(meetings_topics::router())
        .merge(service::router())
        .merge(information::router())
        .merge(efficiency::router())
        .merge(efficiency_alerts::router())
        .merge(complaints::router())
        .merge(management::router())
        .merge(plans::router())
        .merge(research::router())
        .merge(study::router())
        .merge(summaries::router())
        .merge(satisfaction::router())
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi_doc())
}

/// A plain page listing every operation (no third-party viewer is bundled).
async fn docs() -> Html<String> {
    let api = openapi_doc();
    let mut rows = String::new();
    for (path, item) in api.paths.paths.iter() {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                let summary = op
                    .summary
                    .clone()
                    .or_else(|| op.description.clone())
                    .unwrap_or_default();
                rows.push_str(&format!(
                    "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    html_escape(path),
                    html_escape(&summary)
                ));
            }
        }
    }
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>接口文档 · 效能</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main><h1>接口文档</h1><p>完整的 OpenAPI 描述：<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>。调用时在请求头加 <code>Authorization: Bearer 令牌</code>（在“账号”页面创建）。规则见 docs/API.md。</p><table class=\"list\"><thead><tr><th>方法</th><th>路径</th><th>说明</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn api_not_found() -> axum::response::Response {
    ApiError(xn_service::ServiceError::NotFound("接口")).into_response()
}

/// The API routes, the OpenAPI document and the docs page.
pub fn router() -> Router<AppState> {
    let (router, _) = api_router().split_for_parts();
    router
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(docs))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
}
