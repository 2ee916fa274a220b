//! 办事 pages: the lists (`/affairs`: 待受理, 待派单, 本单位, 超期, 退单, 重办) and their export,
//! 热点分析 (`/affairs/hot`, and as xlsx),
//! the office's registration (`/affairs/new`), a request's page with the step the viewer may
//! take (`/affairs/{id}`), and, without sign-in, the public form and tracking page
//! (`/public/service`, `/public/service/track`).

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State,
};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xn_domain::service::{Channel, Urgency, VisitResult};
use xn_service::service::{
    DispatchInput, ExtensionInput, HotView, ListView, PublicInput, RegisterInput, RequestDetail,
    Tracking,
};
use xn_service::{Actor, ServiceError};

use super::Layout;
use super::session::pre_csrf;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{
    CurrentUser, PRE_CSRF_COOKIE, PageForm, PageFormFiles, UploadedFile, csrf_rejected,
    read_multipart,
};
use crate::respond::{file_response, fixable, xlsx_response};

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "registered" => "诉求已登记，请受理或合并。",
        "accepted" => "已受理，请派单。",
        "merged" => "已合并办理，两位诉求人都将看到办理结果。",
        "declined" => "已不予受理，理由已告知诉求人。",
        "dispatched" => "已派单。",
        "signed" => "已签收，请按时办理。",
        "returned" => "已退单，退回派单人员重新派单。",
        "answered" => "答复已提交，待审核后告知诉求人。",
        "reviewed" => "审核意见已记录。",
        "visited" => "回访结果已记录。",
        "asked" => "延期申请已提交，待审批。",
        "decided" => "延期审批已记录。",
        "applied" => "申请已提交，办公室受理后将派给内务或后勤办理。",
        "rated" => "评价已记录，谢谢。",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Template, WebTemplate)]
#[template(path = "affairs.html")]
struct ListPage {
    l: Layout,
    v: ListView,
    state: String,
}

impl ListPage {
    fn tab_is(&self, t: &str) -> bool {
        self.v.tab == t
    }
    fn state_is(&self, s: &str) -> bool {
        self.state == s
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    state: String,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let v = state
        .services
        .service()
        .list(
            &actor,
            &q.tab,
            Some(&q.state).filter(|s| !s.is_empty()).map(String::as_str),
            state.clock.now(),
        )
        .await?;
    Ok(ListPage {
        l: Layout::new(&state, &actor, "/affairs").await?,
        v,
        state: q.state,
    }
    .into_response())
}

async fn export(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let v = state
        .services
        .service()
        .list(
            &actor,
            &q.tab,
            Some(&q.state).filter(|s| !s.is_empty()).map(String::as_str),
            state.clock.now(),
        )
        .await?;
    let header = [
        "查询码",
        "类别",
        "来源",
        "诉求人",
        "电话",
        "地点",
        "内容",
        "紧急程度",
        "状态",
        "承办单位",
        "受理日期",
        "办理时限",
        "时限状态",
        "重办",
        "结果",
    ];
    let rows = v
        .lines
        .iter()
        .map(|r| {
            vec![
                r.code.clone(),
                r.category.clone(),
                r.channel.clone(),
                r.requester.clone(),
                r.phone.clone(),
                r.location.clone(),
                r.summary.clone(),
                r.urgency.clone(),
                r.state_label.clone(),
                r.lead_unit.clone(),
                r.received_on.clone(),
                r.deadline.clone(),
                r.standing.clone(),
                r.reworks.to_string(),
                r.outcome.clone(),
            ]
        })
        .collect();
    xlsx_response(
        "服务事项.xlsx",
        &[xn_render::xlsx::Sheet {
            name: "服务事项".into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }],
    )
}

// ---------------------------------------------------------------------------------------------
// 热点分析

#[derive(Template, WebTemplate)]
#[template(path = "affairs_hot.html")]
struct HotPage {
    l: Layout,
    v: HotView,
}

#[derive(Debug, Default, Deserialize)]
struct MonthParams {
    #[serde(default)]
    month: String,
}

async fn hot_view(state: &AppState, actor: &Actor, month: &str) -> Result<HotView, PageError> {
    Ok(state
        .services
        .service()
        .hot(
            actor,
            Some(month).filter(|m| !m.is_empty()),
            state.clock.now(),
        )
        .await?)
}

async fn hot(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MonthParams>,
) -> Result<Response, PageError> {
    let v = hot_view(&state, &actor, &q.month).await?;
    Ok(HotPage {
        l: Layout::new(&state, &actor, "/affairs").await?,
        v,
    }
    .into_response())
}

async fn hot_export(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MonthParams>,
) -> Result<Response, PageError> {
    let v = hot_view(&state, &actor, &q.month).await?;
    let sheet =
        |name: &str, first: &str, lines: &[xn_service::service::HotLine]| xn_render::xlsx::Sheet {
            name: name.into(),
            header: vec![
                first.to_owned(),
                format!("{} 件数", v.month),
                format!("{} 件数", v.previous_month),
                "增减".to_owned(),
                "占比".to_owned(),
            ],
            rows: lines
                .iter()
                .map(|l| {
                    vec![
                        l.name.clone(),
                        l.count.to_string(),
                        l.previous.to_string(),
                        l.change.clone(),
                        l.share.clone(),
                    ]
                })
                .collect(),
        };
    let cells = xn_render::xlsx::Sheet {
        name: "热点".into(),
        header: vec![
            "类别".to_owned(),
            "地点".to_owned(),
            format!("{} 件数", v.month),
            format!("{} 件数", v.previous_month),
            "增减".to_owned(),
        ],
        rows: v
            .hottest
            .iter()
            .map(|c| {
                vec![
                    c.category.clone(),
                    c.place.clone(),
                    c.count.to_string(),
                    c.previous.to_string(),
                    c.change.clone(),
                ]
            })
            .collect(),
    };
    xlsx_response(
        &format!("热点分析-{}.xlsx", v.month),
        &[
            sheet("按类别", "类别", &v.categories),
            sheet("按地点", "地点", &v.places),
            cells,
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Registration

#[derive(Template, WebTemplate)]
#[template(path = "affairs_form.html")]
struct RegisterPage {
    l: Layout,
    f: RegisterForm,
    categories: Vec<(i64, String, i64, String)>,
    channels: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

impl RegisterPage {
    fn category_is(&self, id: &i64) -> bool {
        self.f.category == id.to_string()
    }
    fn channel_is(&self, c: &str) -> bool {
        self.f.channel == c
    }
}

#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    urgency: String,
}

async fn register_page(
    state: &AppState,
    actor: &Actor,
    f: RegisterForm,
    error: Option<String>,
) -> Result<RegisterPage, PageError> {
    Ok(RegisterPage {
        l: Layout::new(state, actor, "/affairs").await?,
        f,
        categories: state.services.service().categories().await?,
        channels: Channel::all()
            .filter(|c| *c != Channel::Web)
            .map(|c| (c.code(), c.label()))
            .collect(),
        error,
    })
}

async fn new_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    state.services.service().as_dispatcher(&actor).await?;
    let f = RegisterForm {
        channel: "phone".into(),
        ..RegisterForm::default()
    };
    Ok(register_page(&state, &actor, f, None)
        .await?
        .into_response())
}

async fn register(
    State(state): State<AppState>,
    PageFormFiles(actor, f, files): PageFormFiles<RegisterForm>,
) -> Result<Response, PageError> {
    let s = state.services.service();
    let result = async {
        let cap = s.as_dispatcher(&actor).await?;
        let input = RegisterInput {
            channel: Channel::from_code(f.channel.trim())
                .ok_or_else(|| ServiceError::invalid("channel", "请选择来源渠道"))?,
            category: f
                .category
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("category", "请选择诉求类别"))?,
            name: f.name.clone(),
            anonymous: f.anonymous.is_some(),
            phone: f.phone.clone(),
            location: f.location.clone(),
            description: f.description.clone(),
            urgency: Urgency::from_code(f.urgency.trim()).unwrap_or_default(),
        };
        s.register(&cap, &input, &request_files(&files), state.clock.now())
            .await
    }
    .await;
    match result {
        Ok(out) => Ok(Redirect::to(&format!("/affairs/{}?ok=registered", out.id)).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = register_page(&state, &actor, f, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// A request

#[derive(Template, WebTemplate)]
#[template(path = "affairs_request.html")]
struct RequestPage {
    l: Layout,
    d: RequestDetail,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

async fn request_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RequestPage, PageError> {
    let d = state
        .services
        .service()
        .get(actor, id, state.clock.now())
        .await?;
    Ok(RequestPage {
        l: Layout::new(state, actor, "/affairs").await?,
        d,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(request_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

async fn after(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/affairs/{id}?ok={ok}")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = request_page(state, actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

/// Every field a request's forms send.
#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    into: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    lead_post: String,
    #[serde(default)]
    assists: Vec<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    days: String,
}

async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    PageForm(actor, f): PageForm<ActForm>,
) -> Result<Response, PageError> {
    let s = state.services.service();
    let now = state.clock.now();
    let approve = f.decision == "approve";
    let result: Result<&str, ServiceError> = async {
        match action.as_str() {
            "accept" => {
                let cap = s.as_dispatcher(&actor).await?;
                s.accept(&cap, id, now).await.map(|()| "accepted")
            }
            "merge" => {
                let cap = s.as_dispatcher(&actor).await?;
                let into = f
                    .into
                    .trim()
                    .parse()
                    .map_err(|_| ServiceError::invalid("into", "请选择要并入的诉求"))?;
                s.merge(&cap, id, into, now).await.map(|()| "merged")
            }
            "decline" => {
                let cap = s.as_dispatcher(&actor).await?;
                s.decline(&cap, id, &f.reason, now)
                    .await
                    .map(|()| "declined")
            }
            "dispatch" => {
                let cap = s.as_dispatcher(&actor).await?;
                let input = DispatchInput {
                    lead_post: f
                        .lead_post
                        .trim()
                        .parse()
                        .map_err(|_| ServiceError::invalid("lead_post", "请选择承办岗位"))?,
                    assists: f
                        .assists
                        .iter()
                        .filter_map(|a| a.trim().parse().ok())
                        .collect(),
                    note: f.note.clone(),
                };
                s.dispatch(&cap, id, &input, now)
                    .await
                    .map(|()| "dispatched")
            }
            "sign" => s.sign(&actor, id, now).await.map(|()| "signed"),
            "return" => s
                .send_back(&actor, id, &f.reason, now)
                .await
                .map(|()| "returned"),
            "answer" => s
                .answer(&actor, id, &f.answer, now)
                .await
                .map(|()| "answered"),
            "review" => {
                let cap = s.as_dispatcher(&actor).await?;
                s.review(&cap, id, approve, &f.note, now)
                    .await
                    .map(|()| "reviewed")
            }
            "visit" => {
                let cap = s.as_dispatcher(&actor).await?;
                let result = VisitResult::from_code(f.result.trim())
                    .ok_or_else(|| ServiceError::invalid("result", "请选择回访结果"))?;
                s.visit(&cap, id, result, &f.reason, now)
                    .await
                    .map(|()| "visited")
            }
            "extension" => {
                let input = ExtensionInput {
                    days: f.days.trim().parse().unwrap_or(0),
                    reason: f.reason.clone(),
                };
                s.ask_extension(&actor, id, &input, now)
                    .await
                    .map(|()| "asked")
            }
            "rate" => {
                let result = VisitResult::from_code(f.result.trim())
                    .ok_or_else(|| ServiceError::invalid("result", "请选择评价结果"))?;
                s.rate_own(&actor, id, result, &f.reason, now)
                    .await
                    .map(|()| "rated")
            }
            "extension-decision" => {
                let cap = s.as_dispatcher(&actor).await?;
                s.decide_extension(&cap, id, approve, &f.note, now)
                    .await
                    .map(|()| "decided")
            }
            _ => Err(ServiceError::NotFound("操作")),
        }
    }
    .await;
    match result {
        Ok(ok) => after(&state, &actor, id, Ok(()), ok).await,
        Err(e) => after(&state, &actor, id, Err(e), "").await,
    }
}

// ---------------------------------------------------------------------------------------------
// The public side (no sign-in)

#[derive(Template, WebTemplate)]
#[template(path = "public_service.html")]
struct PublicPage {
    csrf: String,
    f: PublicForm,
    governments: Vec<(i64, String)>,
    categories: Vec<(i64, String, i64, String)>,
    token: String,
    question: String,
    error: Option<String>,
}

impl PublicPage {
    fn category_is(&self, id: &i64) -> bool {
        self.f.category == id.to_string()
    }
    fn government_is(&self, id: &i64) -> bool {
        self.f.government == id.to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
struct PublicForm {
    #[serde(default)]
    government: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    _csrf: String,
}

async fn public_page(
    state: &AppState,
    jar: CookieJar,
    f: PublicForm,
    error: Option<String>,
) -> Result<(CookieJar, PublicPage), PageError> {
    let (csrf, jar) = pre_csrf(state, jar);
    let s = state.services.service();
    let c = s.challenge(state.clock.now()).await?;
    Ok((
        jar,
        PublicPage {
            csrf,
            f,
            governments: s.governments().await?,
            categories: s.categories().await?,
            token: c.token,
            question: c.question,
            error,
        },
    ))
}

async fn public_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, PageError> {
    Ok(public_page(&state, jar, PublicForm::default(), None)
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public_submitted.html")]
struct SubmittedPage {
    code: String,
}

/// The largest request form: its files (five at most, each checked by the service) and text.
pub(super) const REQUEST_FORM_LIMIT: usize = 32 * 1024 * 1024;

/// Reads a signed-out form: its body (at most 64 KiB) checked against the double-submit cookie.
pub(super) async fn signed_out_form<T: serde::de::DeserializeOwned + Default>(
    req: Request,
) -> Result<(CookieJar, Option<SocketAddr>, T, String), Response> {
    let (parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let addr = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Err(csrf_rejected());
    };
    #[derive(Deserialize, Default)]
    struct Csrf {
        #[serde(default)]
        _csrf: String,
    }
    let token: Csrf = serde_html_form::from_bytes(&bytes).unwrap_or_default();
    if !pre_csrf_matches(&jar, &token._csrf) {
        return Err(csrf_rejected());
    }
    let form: T = serde_html_form::from_bytes(&bytes).unwrap_or_default();
    Ok((jar, addr, form, token._csrf))
}

/// A signed-out form that may carry files: `multipart/form-data` (its `_csrf` a text field of
/// it) or an urlencoded form without files, checked against the double-submit cookie as
/// [`signed_out_form`] checks it.
async fn signed_out_form_files<T: serde::de::DeserializeOwned + Default>(
    req: Request,
) -> Result<SignedOut<T>, Response> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let (jar, addr, form, _) = signed_out_form::<T>(req).await?;
        return Ok((jar, addr, form, Vec::new()));
    }
    let jar = CookieJar::from_headers(req.headers());
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let multipart = Multipart::from_request(req, &())
        .await
        .map_err(IntoResponse::into_response)?;
    let body = read_multipart(multipart)
        .await
        .map_err(|e| PageError(e).into_response())?;
    if !pre_csrf_matches(&jar, body.text("_csrf")) {
        return Err(csrf_rejected());
    }
    let encoded = serde_html_form::to_string(&body.fields).unwrap_or_default();
    let form: T = serde_html_form::from_str(&encoded).unwrap_or_default();
    Ok((jar, addr, form, body.files))
}

/// Whether a signed-out form's `_csrf` is the double-submit cookie's token.
fn pre_csrf_matches(jar: &CookieJar, given: &str) -> bool {
    jar.get(PRE_CSRF_COOKIE)
        .is_some_and(|c| !c.value().is_empty() && c.value() == given)
}

/// What [`signed_out_form_files`] reads: the cookies, the client's address, the form, its files.
type SignedOut<T> = (
    CookieJar,
    Option<SocketAddr>,
    T,
    Vec<(String, UploadedFile)>,
);

/// The files of a request form's `files` field, as the service takes them.
pub(super) fn request_files(files: &[(String, UploadedFile)]) -> Vec<(&str, &[u8])> {
    files
        .iter()
        .filter(|(field, u)| field == "files" && !u.bytes.is_empty())
        .map(|(_, u)| (u.name.as_deref().unwrap_or("附件"), u.bytes.as_ref()))
        .collect()
}

/// A file given with a request, for those who may open the request.
async fn download(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, seq)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    Ok(file_response(
        state.services.service().file(&actor, id, seq).await?,
    ))
}

async fn public_submit(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let (jar, addr, f, files) = match signed_out_form_files::<PublicForm>(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let input = PublicInput {
        government: f.government.trim().parse().ok(),
        category: f.category.trim().parse().unwrap_or(0),
        name: f.name.clone(),
        anonymous: f.anonymous.is_some(),
        phone: f.phone.clone(),
        location: f.location.clone(),
        description: f.description.clone(),
        challenge: f.challenge.clone(),
        answer: f.answer.clone(),
    };
    let address = addr.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    match state
        .services
        .service()
        .submit(&input, &request_files(&files), &address, state.clock.now())
        .await
    {
        Ok(out) => Ok((jar, SubmittedPage { code: out.code }).into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::TooFrequent(_))) => {
            let status = status_of(&e);
            let page = public_page(&state, jar, f, Some(e.to_string())).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public_track.html")]
struct TrackPage {
    csrf: String,
    code: String,
    phone: String,
    t: Option<Tracking>,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct TrackParams {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    ok: Option<String>,
}

async fn track_page(
    state: &AppState,
    jar: CookieJar,
    code: String,
    phone: String,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (csrf, jar) = pre_csrf(state, jar);
    let (t, error, status) = if code.trim().is_empty() {
        (None, error, axum::http::StatusCode::OK)
    } else {
        match state.services.service().track(&code, &phone).await {
            Ok(t) => (Some(t), error, axum::http::StatusCode::OK),
            Err(ServiceError::NotFound(_)) => (
                None,
                Some("没有找到该诉求：请核对查询码和提交时填写的联系电话".to_owned()),
                axum::http::StatusCode::NOT_FOUND,
            ),
            Err(e) => return Err(e.into()),
        }
    };
    Ok((
        status,
        jar,
        TrackPage {
            csrf,
            code,
            phone,
            t,
            notice,
            error,
        },
    )
        .into_response())
}

async fn track(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<TrackParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().map(|_| "感谢您的评价。");
    track_page(&state, jar, q.code, q.phone, notice, None).await
}

#[derive(Debug, Default, Deserialize)]
struct RateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    reason: String,
}

async fn rate(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let (jar, _, f, _) = match signed_out_form::<RateForm>(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let result = match VisitResult::from_code(f.result.trim()) {
        Some(r) => {
            state
                .services
                .service()
                .rate_public(&f.code, &f.phone, r, &f.reason, state.clock.now())
                .await
        }
        None => Err(ServiceError::invalid("result", "请选择评价")),
    };
    match result {
        Ok(()) => {
            // The phone stays out of the address bar: the page is shown again, not redirected.
            track_page(&state, jar, f.code, f.phone, Some("感谢您的评价。"), None).await
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            track_page(&state, jar, f.code, f.phone, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn track_post(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let (jar, _, f, _) = match signed_out_form::<TrackParams>(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    track_page(&state, jar, f.code, f.phone, None, None).await
}

/// The 办事 pages and the public form.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/affairs", get(list))
        .route("/affairs/export.xlsx", get(export))
        .route("/affairs/hot", get(hot))
        .route("/affairs/hot.xlsx", get(hot_export))
        .route(
            "/affairs/new",
            get(new_form)
                .post(register)
                .layer(DefaultBodyLimit::max(REQUEST_FORM_LIMIT)),
        )
        .route("/affairs/{id}", get(show))
        .route("/affairs/{id}/files/{seq}", get(download))
        .route("/affairs/{id}/{action}", post(act))
        .route(
            "/public/service",
            get(public_form)
                .post(public_submit)
                .layer(DefaultBodyLimit::max(REQUEST_FORM_LIMIT)),
        )
        .route("/public/service/track", get(track).post(track_post))
        .route("/public/service/rate", post(rate))
        .merge(super::service_internal::router())
}
