//! 学习会 and 分析会 (`/study/sessions`, one with sign-in, notes and 心得, the organiser's code
//! screen), field learning (`/study/visits`) and training for the counties
//! (`/study/trainings`, one with its registrations and attendance).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::study::{
    AttendanceInput, CheckinInput, CodeScreen, MaterialLine, NotesInput, OfficePerson,
    ReflectionInput, RegisterInput, SessionInput, SessionLine, SessionView, TrainingInput,
    TrainingLine, TrainingView, VisitInput, VisitLine,
};

use super::{ACTIVE, OkParams, notice};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize, Clone)]
struct SessionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    speaker_post_id: String,
    #[serde(default)]
    material_ids: Vec<i64>,
    #[serde(default)]
    attendee_posts: Vec<i64>,
}

impl SessionForm {
    fn speaker_is(&self, post: &i64) -> bool {
        self.speaker_post_id.trim() == post.to_string()
    }
    fn attends(&self, post: &i64) -> bool {
        self.attendee_posts.contains(post)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "study_sessions.html")]
struct SessionsPage {
    l: Layout,
    tab: &'static str,
    sessions: Vec<SessionLine>,
    materials: Vec<MaterialLine>,
    may_create: bool,
    people: Vec<OfficePerson>,
    f: SessionForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn sessions_page(
    state: &AppState,
    actor: &Actor,
    f: SessionForm,
    error: Option<String>,
) -> Result<SessionsPage, PageError> {
    let lib = state.services.study().materials(actor).await?;
    Ok(SessionsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        tab: "sessions",
        sessions: state.services.study().sessions(actor).await?,
        may_create: lib.may_create,
        people: if lib.may_create {
            state.services.study().office_people(actor).await?
        } else {
            Vec::new()
        },
        materials: lib.materials,
        f,
        notice: None,
        error,
    })
}

async fn sessions(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let mut p = sessions_page(&state, &actor, SessionForm::default(), None).await?;
    p.notice = q.ok.as_deref().and_then(notice);
    Ok(p.into_response())
}

async fn create_session(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<SessionForm>,
) -> Result<Response, PageError> {
    let input = SessionInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        place: f.place.clone(),
        starts_at: f.starts_at.clone(),
        ends_at: f.ends_at.clone(),
        speaker_post_id: f
            .speaker_post_id
            .trim()
            .parse()
            .unwrap_or_else(|_| actor.post_id().unwrap_or_default()),
        material_ids: f.material_ids.clone(),
        attendee_posts: f.attendee_posts.clone(),
    };
    let result = state
        .services
        .study()
        .create_session(&actor, &input, state.clock.now())
        .await;
    respond(
        result,
        |id| format!("/study/sessions/{id}?ok=scheduled"),
        |msg| sessions_page(&state, &actor, f.clone(), Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "study_session.html")]
struct SessionPage {
    l: Layout,
    s: SessionView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn session_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<SessionPage, PageError> {
    Ok(SessionPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        s: state
            .services
            .study()
            .session(actor, id, state.clock.now())
            .await?,
        notice,
        error,
    })
}

async fn session(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let n = q.ok.as_deref().and_then(notice);
    Ok(session_page(&state, &actor, id, n, None)
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "study_code.html")]
struct CodePage {
    c: CodeScreen,
}

async fn code(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(CodePage {
        c: state
            .services
            .study()
            .code_screen(&actor, id, state.clock.now())
            .await?,
    }
    .into_response())
}

async fn check_in(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CheckinInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .check_in(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/sessions/{id}?ok=signed"),
        |msg| session_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

async fn attendance(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<AttendanceInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .check_in_by_staff(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/sessions/{id}?ok=signed"),
        |msg| session_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

async fn reflect(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ReflectionInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .reflect(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/sessions/{id}?ok=reflected"),
        |msg| session_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

async fn notes(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<NotesInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .save_notes(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/sessions/{id}?ok=notes"),
        |msg| session_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

#[derive(Debug, Default, Deserialize, Clone)]
struct VisitForm {
    #[serde(default)]
    place: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    learnt: String,
    #[serde(default)]
    people: Vec<i64>,
}

impl VisitForm {
    fn went(&self, post: &i64) -> bool {
        self.people.contains(post)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "study_visits.html")]
struct VisitsPage {
    l: Layout,
    tab: &'static str,
    visits: Vec<VisitLine>,
    people: Vec<OfficePerson>,
    f: VisitForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn visits_page(
    state: &AppState,
    actor: &Actor,
    f: VisitForm,
    error: Option<String>,
) -> Result<VisitsPage, PageError> {
    Ok(VisitsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        tab: "visits",
        visits: state.services.study().visits(actor).await?,
        people: state.services.study().office_people(actor).await?,
        f,
        notice: None,
        error,
    })
}

async fn visits(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let mut p = visits_page(&state, &actor, VisitForm::default(), None).await?;
    p.notice = q.ok.as_deref().and_then(notice);
    Ok(p.into_response())
}

async fn record_visit(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<VisitForm>,
) -> Result<Response, PageError> {
    let input = VisitInput {
        place: f.place.clone(),
        visited_on: f.visited_on.clone(),
        minutes: f.minutes.trim().parse().unwrap_or(0),
        learnt: f.learnt.clone(),
        people: f.people.clone(),
    };
    let result = state
        .services
        .study()
        .record_visit(&actor, &input, state.clock.now())
        .await;
    respond(
        result,
        |_| "/study/visits?ok=visit".to_owned(),
        |msg| visits_page(&state, &actor, f.clone(), Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "study_trainings.html")]
struct TrainingsPage {
    l: Layout,
    tab: &'static str,
    trainings: Vec<TrainingLine>,
    f: TrainingInput,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn trainings_page(
    state: &AppState,
    actor: &Actor,
    f: TrainingInput,
    error: Option<String>,
) -> Result<TrainingsPage, PageError> {
    Ok(TrainingsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        tab: "trainings",
        trainings: state.services.study().trainings(actor).await?,
        f,
        notice: None,
        error,
    })
}

async fn trainings(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let mut p = trainings_page(&state, &actor, TrainingInput::default(), None).await?;
    p.notice = q.ok.as_deref().and_then(notice);
    Ok(p.into_response())
}

async fn create_training(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<TrainingInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .create_training(&actor, &f, state.clock.now())
        .await;
    respond(
        result,
        |id| format!("/study/trainings/{id}?ok=training"),
        |msg| trainings_page(&state, &actor, f.clone(), Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "study_training.html")]
struct TrainingPage {
    l: Layout,
    t: TrainingView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn training_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TrainingPage, PageError> {
    Ok(TrainingPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        t: state
            .services
            .study()
            .training(actor, id, state.clock.now())
            .await?,
        notice,
        error,
    })
}

async fn training(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let n = q.ok.as_deref().and_then(notice);
    Ok(training_page(&state, &actor, id, n, None)
        .await?
        .into_response())
}

async fn register(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<RegisterInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .register(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/trainings/{id}?ok=registered"),
        |msg| training_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

async fn attend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<RegisterInput>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .study()
        .attend_training(&actor, id, &f, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/study/trainings/{id}?ok=attended"),
        |msg| training_page(&state, &actor, id, None, Some(msg)),
    )
    .await
}

/// The routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/study/sessions", get(sessions).post(create_session))
        .route("/study/sessions/{id}", get(session))
        .route("/study/sessions/{id}/code", get(code))
        .route("/study/sessions/{id}/checkin", post(check_in))
        .route("/study/sessions/{id}/attendance", post(attendance))
        .route("/study/sessions/{id}/reflection", post(reflect))
        .route("/study/sessions/{id}/notes", post(notes))
        .route("/study/visits", get(visits).post(record_visit))
        .route("/study/trainings", get(trainings).post(create_training))
        .route("/study/trainings/{id}", get(training))
        .route("/study/trainings/{id}/registrations", post(register))
        .route("/study/trainings/{id}/attendance", post(attend))
}
