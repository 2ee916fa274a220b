//! 学习 pages: the materials library (`/study`, with the form to add one for an office's
//! organisers), a material with the viewer's reading and — for whoever added it and the
//! office's leaders — every required reader's (`/study/materials/{id}`), my study record and
//! the section's study hours (`/study/record`, `/study/hours`); sessions, field learning and
//! training are in `sessions`.

mod sessions;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::study::{HoursView, MaterialInput, MaterialView, MaterialsView, RecordView};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm, PageFormFiles};
use crate::pages::Layout;
use crate::respond::{file_response, respond};

const ACTIVE: &str = "/study";

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "学习材料已添加，已通知应读人员。",
        "read" => "已标记为已读，阅读时长已计入本月学习记录。",
        "scheduled" => "学习会已安排，已通知参加人员。",
        "signed" => "签到成功。",
        "reflected" => "心得已保存。",
        "notes" => "学习记录已保存。",
        "visit" => "向基层学习已记录。",
        "training" => "培训已发布，各县（区）可报名。",
        "registered" => "报名成功。",
        "attended" => "出勤已登记。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

fn this_month(state: &AppState) -> String {
    xn_domain::management::month_of(xn_domain::calendar::business_date(state.clock.now()))
}

/// The add-a-material form, kept on an error.
#[derive(Debug, Default, Deserialize, Clone)]
struct MaterialForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reading_minutes: String,
    #[serde(default)]
    reader_units: Vec<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "study.html")]
struct LibraryPage {
    l: Layout,
    tab: &'static str,
    v: MaterialsView,
    f: MaterialForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl LibraryPage {
    fn unit_checked(&self, unit: &i64) -> bool {
        self.f.reader_units.contains(unit)
    }
}

async fn library_page(
    state: &AppState,
    actor: &Actor,
    f: MaterialForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<LibraryPage, PageError> {
    Ok(LibraryPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        tab: "materials",
        v: state.services.study().materials(actor).await?,
        f,
        notice,
        error,
    })
}

async fn library(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let n = q.ok.as_deref().and_then(notice);
    Ok(
        library_page(&state, &actor, MaterialForm::default(), n, None)
            .await?
            .into_response(),
    )
}

async fn create_material(
    State(state): State<AppState>,
    PageFormFiles(actor, f, files): PageFormFiles<MaterialForm>,
) -> Result<Response, PageError> {
    let input = MaterialInput {
        title: f.title.clone(),
        topic: f.topic.clone(),
        grade: f.grade.clone(),
        audience: f.audience.clone(),
        classification: f.classification.clone(),
        body: f.body.clone(),
        reading_minutes: f.reading_minutes.trim().parse().unwrap_or(0),
        reader_posts: Vec::new(),
        reader_units: f.reader_units.clone(),
    };
    let file = files
        .iter()
        .find(|(field, _)| field == "file")
        .map(|(_, u)| (u.name.as_deref().unwrap_or("材料"), u.bytes.as_ref()));
    let result = state
        .services
        .study()
        .create_material(&actor, &input, file, state.clock.now())
        .await;
    respond(
        result,
        |id| format!("/study/materials/{id}?ok=created"),
        |msg| library_page(&state, &actor, f.clone(), None, Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "study_material.html")]
struct MaterialPage {
    l: Layout,
    m: MaterialView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn material_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<MaterialPage, PageError> {
    Ok(MaterialPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        m: state
            .services
            .study()
            .open_material(actor, id, state.clock.now())
            .await?,
        notice,
        error,
    })
}

async fn material(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let n = q.ok.as_deref().and_then(notice);
    Ok(material_page(&state, &actor, id, n, None)
        .await?
        .into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn read(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .mark_read(&actor, id, state.clock.now())
        .await;
    respond(
        result,
        |_| format!("/study/materials/{id}?ok=read"),
        |msg| material_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

async fn download(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(file_response(
        state.services.study().material_file(&actor, id).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
struct RecordParams {
    #[serde(default)]
    post: Option<i64>,
    #[serde(default)]
    month: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "study_record.html")]
struct RecordPage {
    l: Layout,
    tab: &'static str,
    r: RecordView,
    target: i64,
}

async fn record(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RecordParams>,
) -> Result<Response, PageError> {
    let month = q.month.unwrap_or_else(|| this_month(&state));
    let r = state
        .services
        .study()
        .record(&actor, q.post, &month)
        .await?;
    Ok(RecordPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        tab: "record",
        target: r.hours.post_id,
        r,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "study_hours.html")]
struct HoursPage {
    l: Layout,
    tab: &'static str,
    h: HoursView,
}

async fn hours(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RecordParams>,
) -> Result<Response, PageError> {
    let month = q.month.unwrap_or_else(|| this_month(&state));
    Ok(HoursPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        tab: "hours",
        h: state.services.study().hours(&actor, &month).await?,
    }
    .into_response())
}

/// The study pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/study", get(library))
        .route(
            "/study/materials",
            post(create_material).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/study/materials/{id}", get(material))
        .route("/study/materials/{id}/read", post(read))
        .route("/study/materials/{id}/file", get(download))
        .route("/study/record", get(record))
        .route("/study/hours", get(hours))
        .merge(sessions::router())
}
