//! 议题 and 会议申请 pages: the list of topics (本单位 / 待筛选 / 全部), the submit form, a
//! topic's page (its 会签 and their answers, its 列席, its materials with who read them, and
//! the upload, 会签, screening, resubmitting and 暂缓 forms offered to whom they belong), the
//! agenda's approval posted from the meeting's page, and the meeting requests with their
//! form and the leader's decision. Every rule is the service's; a form only offers.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::meetings::{
    AgendaInput, AgendaItemInput, CosignInput, DeferInput, RequestDecision, RequestInput,
    RequestList, ScreenInput, TopicDetail, TopicFormOptions, TopicInput, TopicList, TopicScope,
};
use xn_service::{Actor, ServiceError};

use super::meetings::after;
use super::{Layout, filters};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm, Upload};
use crate::respond::{file_response, fixable};

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "submitted" => "议题已提交，请上传会议材料；办公厅（室）筛选后列入议程。",
        "uploaded" => "材料已上传。",
        "cosigned" => "会签意见已提交。",
        "screened" => "筛选结果已记录，已告知汇报单位。",
        "resubmitted" => "议题已重新提交。",
        "deferred" => "议题已暂缓，可列入以后会议的议程。",
        "requested" => "会议申请已提交，待办公厅（室）领导审批。",
        "decided" => "会议申请审批已记录。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default)]
    scope: Option<TopicScope>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_topics.html")]
struct ListPage {
    l: Layout,
    t: TopicList,
    notice: Option<&'static str>,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let t = state
        .services
        .meetings()
        .topics(&actor, q.scope.unwrap_or_default())
        .await?;
    Ok(ListPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        t,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

/// The submit form as posted: numbers as text, so an empty choice is not a parse error.
#[derive(Debug, Default, Deserialize)]
struct TopicForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    cosign_units: Vec<i64>,
    #[serde(default)]
    observe_units: Vec<i64>,
    #[serde(default)]
    classification: String,
}

impl TopicForm {
    fn input(&self) -> Result<TopicInput, ServiceError> {
        let (meeting_id, kind_id) = match self.target.split_once(':') {
            Some(("m", id)) => (id.parse().ok(), None),
            Some(("k", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        Ok(TopicInput {
            meeting_id,
            kind_id,
            title: self.title.clone(),
            reporter: self.reporter.clone(),
            request: self.request.clone(),
            minutes: self
                .minutes
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("minutes", "请填写汇报时长（分钟）"))?,
            cosign_units: self.cosign_units.clone(),
            observe_posts: Vec::new(),
            observe_units: self.observe_units.clone(),
            classification: self.classification.clone(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_topic_form.html")]
struct FormPage {
    l: Layout,
    o: TopicFormOptions,
    f: TopicForm,
    error: Option<String>,
}

impl FormPage {
    fn chosen(&self, list: &[i64], id: &i64) -> bool {
        list.contains(id)
    }
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    f: TopicForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    Ok(FormPage {
        l: Layout::new(state, actor, "/meetings").await?,
        o: state
            .services
            .meetings()
            .topic_form(actor, state.clock.now())
            .await?,
        f,
        error,
    })
}

async fn new_topic(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let f = TopicForm {
        minutes: "30".into(),
        ..TopicForm::default()
    };
    Ok(form_page(&state, &actor, f, None).await?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<TopicForm>,
) -> Result<Response, PageError> {
    let r = match f.input() {
        Ok(input) => {
            state
                .services
                .meetings()
                .submit_topic(&actor, &input, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/topics/{id}?ok=submitted")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = form_page(&state, &actor, f, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_topic.html")]
struct TopicPage {
    l: Layout,
    d: TopicDetail,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

async fn topic_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TopicPage, PageError> {
    Ok(TopicPage {
        l: Layout::new(state, actor, "/meetings").await?,
        d: state
            .services
            .meetings()
            .topic(actor, id, state.clock.now())
            .await?,
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
    Ok(topic_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

/// The end of an action on the topic's page.
async fn after_topic(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/topics/{id}?ok={ok}")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = topic_page(state, actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Upload(CurrentUser(actor), file): Upload<CurrentUser>,
) -> Result<Response, PageError> {
    let r = match file {
        Some(file) => state
            .services
            .meetings()
            .add_material(
                &actor,
                id,
                file.name.as_deref().unwrap_or("材料"),
                &file.bytes,
                state.clock.now(),
            )
            .await
            .map(|_| ()),
        None => Err(ServiceError::invalid("file", "请选择要上传的材料")),
    };
    after_topic(&state, &actor, id, r, "uploaded").await
}

async fn material(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, material)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .meetings()
        .material(&actor, id, material, state.clock.now())
        .await?;
    Ok(file_response(f))
}

#[derive(Debug, Default, Deserialize)]
struct CosignForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    agreed: String,
    #[serde(default)]
    opinion: String,
}

async fn cosign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CosignForm>,
) -> Result<Response, PageError> {
    let input = CosignInput {
        unit_id: f.unit_id.trim().parse().ok(),
        agreed: f.agreed == "yes",
        opinion: f.opinion,
    };
    let r = state
        .services
        .meetings()
        .cosign_topic(&actor, id, &input, state.clock.now())
        .await;
    after_topic(&state, &actor, id, r, "cosigned").await
}

#[derive(Debug, Default, Deserialize)]
struct ScreenForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn screen(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ScreenForm>,
) -> Result<Response, PageError> {
    let input = ScreenInput {
        decision: f.decision,
        reason: f.reason,
    };
    let r = state
        .services
        .meetings()
        .screen_topic(&actor, id, &input, state.clock.now())
        .await;
    after_topic(&state, &actor, id, r, "screened").await
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

async fn resubmit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .meetings()
        .resubmit_topic(&actor, id, state.clock.now())
        .await;
    after_topic(&state, &actor, id, r, "resubmitted").await
}

#[derive(Debug, Default, Deserialize)]
struct DeferForm {
    #[serde(default)]
    reason: String,
}

async fn defer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DeferForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .meetings()
        .defer_topic(
            &actor,
            id,
            &DeferInput { reason: f.reason },
            state.clock.now(),
        )
        .await;
    after_topic(&state, &actor, id, r, "deferred").await
}

/// The agenda form of the meeting's page: for each candidate topic `on_{id}` (ticked),
/// `start_{id}` (`HH:MM`) and `minutes_{id}`; the agenda is ordered by start.
async fn approve_agenda(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut items: Vec<AgendaItemInput> = f
        .keys()
        .filter_map(|k| k.strip_prefix("on_")?.parse::<i64>().ok())
        .map(|topic| AgendaItemInput {
            topic_id: topic,
            starts_at: f
                .get(&format!("start_{topic}"))
                .cloned()
                .unwrap_or_default(),
            minutes: f
                .get(&format!("minutes_{topic}"))
                .and_then(|m| m.trim().parse().ok()),
        })
        .collect();
    items.sort_by(|a, b| a.starts_at.trim().cmp(b.starts_at.trim()));
    let r = state
        .services
        .meetings()
        .approve_agenda(&actor, id, &AgendaInput { items }, state.clock.now())
        .await;
    after(&state, &actor, id, r, "agenda").await
}

// ---------------------------------------------------------------------------------------------
// 会议申请

#[derive(Debug, Default, Deserialize)]
struct RequestForm {
    #[serde(default)]
    kind_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_requests.html")]
struct RequestsPage {
    l: Layout,
    r: RequestList,
    kinds: Vec<(i64, String)>,
    rooms: Vec<(i64, String)>,
    f: RequestForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn requests_page(
    state: &AppState,
    actor: &Actor,
    f: RequestForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RequestsPage, PageError> {
    let m = state.services.meetings();
    let r = m.requests(actor).await?;
    let rooms = if r.may_decide {
        m.rooms(actor)
            .await?
            .into_iter()
            .filter(|x| x.bookable)
            .map(|x| (x.id, format!("{}（{} 座）", x.name, x.capacity)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(RequestsPage {
        l: Layout::new(state, actor, "/meetings").await?,
        kinds: m
            .kinds(actor)
            .await?
            .into_iter()
            .map(|k| (k.id, k.name))
            .collect(),
        r,
        rooms,
        f,
        notice,
        error,
    })
}

async fn requests(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(
        requests_page(&state, &actor, RequestForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

async fn create_request(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<RequestForm>,
) -> Result<Response, PageError> {
    let input = RequestInput {
        kind_id: f.kind_id.trim().parse().unwrap_or(0),
        title: f.title.clone(),
        wished_start: format!("{} {}", f.date.trim(), f.start.trim()),
        wished_end: format!("{} {}", f.date.trim(), f.end.trim()),
        attend_posts: Vec::new(),
        reason: f.reason.clone(),
    };
    match state
        .services
        .meetings()
        .request_meeting(&actor, &input, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/meetings/requests?ok=requested").into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = requests_page(&state, &actor, f, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    room_id: String,
}

async fn decide_request(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let input = RequestDecision {
        decision: f.decision,
        reason: f.reason,
        room_id: f.room_id.trim().parse().ok(),
        ..RequestDecision::default()
    };
    match state
        .services
        .meetings()
        .decide_request(&actor, id, &input, state.clock.now())
        .await
    {
        Ok(Some(meeting)) => {
            Ok(Redirect::to(&format!("/meetings/{meeting}?ok=booked")).into_response())
        }
        Ok(None) => Ok(Redirect::to("/meetings/requests?ok=decided").into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page =
                    requests_page(&state, &actor, RequestForm::default(), None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

/// The routes of 议题, 议程 and 会议申请.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings/topics", get(list).post(submit))
        .route("/meetings/topics/new", get(new_topic))
        .route("/meetings/topics/{id}", get(show))
        .route(
            "/meetings/topics/{id}/materials",
            post(upload).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_ATTACHMENT_BYTES + 1024 * 1024,
            )),
        )
        .route("/meetings/topics/{id}/materials/{material}", get(material))
        .route("/meetings/topics/{id}/cosign", post(cosign))
        .route("/meetings/topics/{id}/screen", post(screen))
        .route("/meetings/topics/{id}/resubmit", post(resubmit))
        .route("/meetings/topics/{id}/defer", post(defer))
        .route("/meetings/{id}/agenda", post(approve_agenda))
        .route("/meetings/requests", get(requests).post(create_request))
        .route("/meetings/requests/{id}/decision", post(decide_request))
}
