//! 调研 pages: the topics by year and state (`/research`), proposing one (`/research/new`),
//! a topic's page with its team, field work (logged from a phone, pictures attached), report,
//! 批示, 督办 items and outcome, each action a plain form (`/research/{id}`), and the figures
//! per month and lead unit (`/research/figures`). Every rule is the service's; the page offers
//! only what it allows.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use xn_service::Actor;
use xn_service::research::{
    FiguresView, OutcomeInput, ReportInput, ReviewInput, SuperviseInput, TopicInput, TopicOptions,
    TopicView, TopicsView, VisitInput,
};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm, PageFormFiles};
use crate::pages::Layout;
use crate::respond::{file_response, respond};

const ACTIVE: &str = "/research";

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "proposed" => "课题已提出，已请办公室领导审定。",
        "decided" => "已审定。",
        "started" => "调研已启动。",
        "visit" => "调研活动已记录，已列入参加人员的日程。",
        "report" => "调研报告已保存。",
        "reviewed" => "审核意见已提交。",
        "instructed" => "批示已保存，已告知课题牵头人。",
        "supervised" => "已转为督办事项。",
        "closed" => "课题已结题。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "research.html")]
struct ListPage {
    l: Layout,
    v: TopicsView,
    notice: Option<&'static str>,
}

impl ListPage {
    fn year_is(&self, y: &i64) -> bool {
        self.v.year == Some(*y)
    }

    fn state_is(&self, s: &str) -> bool {
        self.v.state.as_deref() == Some(s)
    }

    /// The list's query for a state link, keeping the year.
    fn year_query(&self) -> String {
        self.v
            .year
            .map_or_else(String::new, |y| format!("year={y}&"))
    }
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListParams>,
) -> Result<Response, PageError> {
    let year = q.year.as_deref().and_then(|y| y.trim().parse().ok());
    let v = state
        .services
        .research()
        .topics(&actor, year, q.state.as_deref().filter(|s| !s.is_empty()))
        .await?;
    Ok(ListPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        v,
        notice: q.ok.as_deref().and_then(notice),
    }
    .into_response())
}

/// The new-topic form, kept on an error.
#[derive(Debug, Default, Deserialize, Clone)]
struct TopicForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    assigned_by: String,
    #[serde(default)]
    timing: String,
    #[serde(default)]
    lead_post: String,
    #[serde(default)]
    members: Vec<i64>,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    due_on: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "research_new.html")]
struct NewPage {
    l: Layout,
    o: TopicOptions,
    f: TopicForm,
    error: Option<String>,
}

impl NewPage {
    fn is_member(&self, post: &i64) -> bool {
        self.f.members.contains(post)
    }

    fn is_lead(&self, post: &i64) -> bool {
        match self.f.lead_post.trim().parse::<i64>() {
            Ok(p) => p == *post,
            Err(_) => *post == self.o.own_post,
        }
    }
}

async fn new_page(
    state: &AppState,
    actor: &Actor,
    f: TopicForm,
    error: Option<String>,
) -> Result<NewPage, PageError> {
    Ok(NewPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        o: state.services.research().options(actor).await?,
        f,
        error,
    })
}

async fn new_topic(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let today = xn_domain::calendar::business_date(state.clock.now());
    let f = TopicForm {
        origin: "own".into(),
        timing: "before".into(),
        starts_on: today.to_string(),
        due_on: (today + chrono::Duration::days(60)).to_string(),
        ..TopicForm::default()
    };
    Ok(new_page(&state, &actor, f, None).await?.into_response())
}

async fn propose(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<TopicForm>,
) -> Result<Response, PageError> {
    let input = TopicInput {
        title: f.title.clone(),
        questions: f.questions.clone(),
        origin: f.origin.clone(),
        assigned_by: f.assigned_by.trim().parse().ok(),
        timing: f.timing.clone(),
        lead_post: f.lead_post.trim().parse().ok(),
        members: f.members.clone(),
        starts_on: f.starts_on.clone(),
        due_on: f.due_on.clone(),
    };
    let result = state
        .services
        .research()
        .propose(&actor, &input, state.clock.now())
        .await;
    respond(
        result,
        |id| format!("/research/{id}?ok=proposed"),
        |msg| new_page(&state, &actor, f.clone(), Some(msg)),
    )
    .await
}

/// The forms of a topic's page, kept on an error.
#[derive(Debug, Default, Deserialize, Clone)]
struct ActionForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    people_met: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    people: Vec<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    submit: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    instruction_id: String,
    #[serde(default)]
    deadline_days: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    document_id: String,
    #[serde(default)]
    decision_id: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "research_topic.html")]
struct TopicPage {
    l: Layout,
    t: TopicView,
    f: ActionForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl TopicPage {
    fn report_title(&self) -> String {
        if !self.f.title.is_empty() {
            return self.f.title.clone();
        }
        self.t.report.as_ref().map_or_else(
            || format!("关于{}的调研报告", self.t.topic.title),
            |r| r.title.clone(),
        )
    }

    fn report_body(&self) -> String {
        if !self.f.body.is_empty() {
            return self.f.body.clone();
        }
        self.t
            .report
            .as_ref()
            .map_or_else(String::new, |r| r.body.clone())
    }
}

async fn topic_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    f: ActionForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TopicPage, PageError> {
    Ok(TopicPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        t: state.services.research().topic(actor, id).await?,
        f,
        notice,
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

async fn topic(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let n = q.ok.as_deref().and_then(notice);
    Ok(
        topic_page(&state, &actor, id, ActionForm::default(), n, None)
            .await?
            .into_response(),
    )
}

async fn done(
    state: &AppState,
    actor: &Actor,
    id: i64,
    f: ActionForm,
    result: Result<(), xn_service::ServiceError>,
    ok: &'static str,
) -> Result<Response, PageError> {
    respond(
        result,
        |()| format!("/research/{id}?ok={ok}"),
        |msg| topic_page(state, actor, id, f, None, Some(msg)),
    )
    .await
}

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .research()
        .decide(&actor, id, f.approve == "yes", &f.note, state.clock.now())
        .await;
    done(&state, &actor, id, f, r, "decided").await
}

async fn start(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .research()
        .start(&actor, id, state.clock.now())
        .await;
    done(&state, &actor, id, f, r, "started").await
}

async fn log_visit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageFormFiles(actor, f, files): PageFormFiles<ActionForm>,
) -> Result<Response, PageError> {
    let input = VisitInput {
        kind: f.kind.clone(),
        starts_at: f.starts_at.clone(),
        ends_at: f.ends_at.clone(),
        place: f.place.clone(),
        people_met: f.people_met.clone(),
        notes: f.notes.clone(),
        people: f.people.clone(),
    };
    let pictures: Vec<(&str, &[u8])> = files
        .iter()
        .filter(|(field, u)| field == "pictures" && !u.bytes.is_empty())
        .map(|(_, u)| (u.name.as_deref().unwrap_or("照片"), u.bytes.as_ref()))
        .collect();
    let r = state
        .services
        .research()
        .log_visit(&actor, id, &input, &pictures, state.clock.now())
        .await
        .map(|_| ());
    done(&state, &actor, id, f, r, "visit").await
}

async fn save_report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let input = ReportInput {
        title: f.title.clone(),
        body: f.body.clone(),
        submit: f.submit == "yes",
    };
    let r = state
        .services
        .research()
        .save_report(&actor, id, &input, state.clock.now())
        .await;
    done(&state, &actor, id, f, r, "report").await
}

async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let input = ReviewInput {
        approve: f.approve == "yes",
        note: f.note.clone(),
    };
    let r = state
        .services
        .research()
        .review(&actor, id, &input, state.clock.now())
        .await;
    done(&state, &actor, id, f, r, "reviewed").await
}

async fn instruct(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .research()
        .instruct(&actor, id, &f.text, state.clock.now())
        .await
        .map(|_| ());
    done(&state, &actor, id, f, r, "instructed").await
}

async fn supervise(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let input = SuperviseInput {
        instruction_id: f.instruction_id.trim().parse().unwrap_or(0),
        lead_post: None,
        deadline_days: f.deadline_days.trim().parse().ok(),
    };
    let r = state
        .services
        .research()
        .supervise(&actor, id, &input, state.clock.now())
        .await
        .map(|_| ());
    done(&state, &actor, id, f, r, "supervised").await
}

async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    let input = OutcomeInput {
        outcome: f.outcome.clone(),
        document_id: f.document_id.trim().parse().ok(),
        decision_id: f.decision_id.trim().parse().ok(),
        note: f.note.clone(),
    };
    let r = state
        .services
        .research()
        .close(&actor, id, &input, state.clock.now())
        .await;
    done(&state, &actor, id, f, r, "closed").await
}

async fn download(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(file_response(
        state.services.research().file(&actor, id).await?,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "research_figures.html")]
struct FiguresPage {
    l: Layout,
    v: FiguresView,
}

#[derive(Debug, Default, Deserialize)]
struct YearParams {
    #[serde(default)]
    year: Option<String>,
}

async fn figures(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<YearParams>,
) -> Result<Response, PageError> {
    let this = i64::from(xn_domain::calendar::business_date(state.clock.now()).year());
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .unwrap_or(this);
    Ok(FiguresPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        v: state.services.research().figures(&actor, year).await?,
    }
    .into_response())
}

/// The research pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/research", get(list).post(propose))
        .route("/research/new", get(new_topic))
        .route("/research/figures", get(figures))
        .route("/research/files/{id}", get(download))
        .route("/research/{id}", get(topic))
        .route("/research/{id}/decision", post(decide))
        .route("/research/{id}/start", post(start))
        .route(
            "/research/{id}/visits",
            post(log_visit).layer(DefaultBodyLimit::max(
                4 * xn_service::documents::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/research/{id}/report", post(save_report))
        .route("/research/{id}/review", post(review))
        .route("/research/{id}/instructions", post(instruct))
        .route("/research/{id}/supervise", post(supervise))
        .route("/research/{id}/close", post(close))
}
