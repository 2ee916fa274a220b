//! API of 学习: `/api/v1/study` — the materials library with required readers and the
//! reading record, 学习会 and 分析会 with sign-in by code or by the staff, notes and 心得, field
//! learning, training for the county offices with registration and attendance, and the study
//! minutes per person and month. Every answer is scoped by the service.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::study::{
    AttendanceInput, CheckinInput, CodeScreen, HoursView, MaterialInput, MaterialView,
    MaterialsView, NotesInput, RecordView, ReflectionInput, RegisterInput, SessionInput,
    SessionLine, SessionView, TrainingInput, TrainingLine, TrainingView, VisitInput, VisitLine,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// Which month.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`; default this month (Beijing).
    pub month: Option<String>,
}

impl MonthQuery {
    fn month(&self, state: &AppState) -> String {
        self.month.clone().unwrap_or_else(|| {
            xn_domain::management::month_of(xn_domain::calendar::business_date(state.clock.now()))
        })
    }
}

/// A file's name.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FileQuery {
    /// The file name.
    pub name: String,
}

/// The minutes a reading counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadOutcome {
    /// Minutes.
    pub minutes: i64,
}

/// The library as the caller finds it: its office's materials, those its city office shares with the counties, and those it is required to read (within its clearance).
#[utoipa::path(get, path = "/api/v1/study/materials", tag = "study", responses((status = 200, body = MaterialsView)))]
async fn list_materials(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<MaterialsView>, ApiError> {
    Ok(Json(state.services.study().materials(&actor).await?))
}

/// Adds a material to the caller's office library (主任, 副主任, 科长), naming its required readers, who are told.
#[utoipa::path(post, path = "/api/v1/study/materials", tag = "study", request_body = MaterialInput, responses((status = 201, body = Created)))]
async fn create_material(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MaterialInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .study()
        .create_material(&actor, &body, None, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Opens a material: the first opening is recorded (reading time counts from it). Whoever added it and the office's leaders also get every required reader's reading.
#[utoipa::path(get, path = "/api/v1/study/materials/{id}", tag = "study", params(("id" = i64, Path)), responses((status = 200, body = MaterialView)))]
async fn get_material(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<MaterialView>, ApiError> {
    let now = state.clock.now();
    Ok(Json(
        state
            .services
            .study()
            .open_material(&actor, id, now)
            .await?,
    ))
}

/// The caller marks a material read: the minutes from its first opening count, at least one, at most the declared reading time.
#[utoipa::path(post, path = "/api/v1/study/materials/{id}/read", tag = "study", params(("id" = i64, Path)), responses((status = 200, body = ReadOutcome)))]
async fn read_material(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ReadOutcome>, ApiError> {
    let now = state.clock.now();
    let minutes = state.services.study().mark_read(&actor, id, now).await?;
    Ok(Json(ReadOutcome { minutes }))
}

/// Attaches the material's file: the request body is the file (whoever added it, the office's leaders).
#[utoipa::path(post, path = "/api/v1/study/materials/{id}/file", tag = "study", params(("id" = i64, Path), FileQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 204)))]
async fn upload_material_file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .attach_material_file(&actor, id, &q.name, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Downloads the material's file.
#[utoipa::path(get, path = "/api/v1/study/materials/{id}/file", tag = "study", params(("id" = i64, Path)), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
async fn download_material_file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state.services.study().material_file(&actor, id).await?,
    ))
}

/// The caller's office's 学习会 and 分析会, newest first.
#[utoipa::path(get, path = "/api/v1/study/sessions", tag = "study", responses((status = 200, body = Vec<SessionLine>)))]
async fn list_sessions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<SessionLine>>, ApiError> {
    Ok(Json(state.services.study().sessions(&actor).await?))
}

/// Schedules a 学习会 (on 精品材料) or 分析会 (on 一般材料) of the caller's office (主任, 副主任, 科长); the attendees are told.
#[utoipa::path(post, path = "/api/v1/study/sessions", tag = "study", request_body = SessionInput, responses((status = 201, body = Created)))]
async fn create_session(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .study()
        .create_session(&actor, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A session with its materials, attendees, sign-ins and 心得.
#[utoipa::path(get, path = "/api/v1/study/sessions/{id}", tag = "study", params(("id" = i64, Path)), responses((status = 200, body = SessionView)))]
async fn get_session(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SessionView>, ApiError> {
    let now = state.clock.now();
    Ok(Json(state.services.study().session(&actor, id, now).await?))
}

/// The organiser's screen: the current sign-in code, while sign-in is open.
#[utoipa::path(get, path = "/api/v1/study/sessions/{id}/code", tag = "study", params(("id" = i64, Path)), responses((status = 200, body = CodeScreen)))]
async fn get_session_code(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CodeScreen>, ApiError> {
    let now = state.clock.now();
    Ok(Json(
        state.services.study().code_screen(&actor, id, now).await?,
    ))
}

/// The caller signs in with the code on the screen; an expired code is refused (409 `study.code_expired`).
#[utoipa::path(post, path = "/api/v1/study/sessions/{id}/checkin", tag = "study", params(("id" = i64, Path)), request_body = CheckinInput, responses((status = 204)))]
async fn check_in(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CheckinInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .check_in(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organiser signs an attendee in by hand.
#[utoipa::path(post, path = "/api/v1/study/sessions/{id}/attendance", tag = "study", params(("id" = i64, Path)), request_body = AttendanceInput, responses((status = 204)))]
async fn sign_in_by_staff(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AttendanceInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .check_in_by_staff(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organiser writes the session's notes.
#[utoipa::path(post, path = "/api/v1/study/sessions/{id}/notes", tag = "study", params(("id" = i64, Path)), request_body = NotesInput, responses((status = 204)))]
async fn save_notes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NotesInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .save_notes(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A signed-in attendee writes their 心得 (1–500 characters).
#[utoipa::path(post, path = "/api/v1/study/sessions/{id}/reflection", tag = "study", params(("id" = i64, Path)), request_body = ReflectionInput, responses((status = 204)))]
async fn reflect(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReflectionInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .reflect(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's office's field learning (向基层学习), newest first.
#[utoipa::path(get, path = "/api/v1/study/visits", tag = "study", responses((status = 200, body = Vec<VisitLine>)))]
async fn list_visits(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<VisitLine>>, ApiError> {
    Ok(Json(state.services.study().visits(&actor).await?))
}

/// Records a field visit: where, when, who went, what was learnt, how long.
#[utoipa::path(post, path = "/api/v1/study/visits", tag = "study", request_body = VisitInput, responses((status = 201, body = Created)))]
async fn record_visit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .study()
        .record_visit(&actor, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Trainings organised by the caller's office, or by its city office for the counties.
#[utoipa::path(get, path = "/api/v1/study/trainings", tag = "study", responses((status = 200, body = Vec<TrainingLine>)))]
async fn list_trainings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<TrainingLine>>, ApiError> {
    Ok(Json(state.services.study().trainings(&actor).await?))
}

/// Organises a training for the county offices (a city office's 主任, 副主任).
#[utoipa::path(post, path = "/api/v1/study/trainings", tag = "study", request_body = TrainingInput, responses((status = 201, body = Created)))]
async fn create_training(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<TrainingInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let now = state.clock.now();
    let id = state
        .services
        .study()
        .create_training(&actor, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A training with its registrations (a county sees its own office's).
#[utoipa::path(get, path = "/api/v1/study/trainings/{id}", tag = "study", params(("id" = i64, Path)), responses((status = 200, body = TrainingView)))]
async fn get_training(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<TrainingView>, ApiError> {
    let now = state.clock.now();
    Ok(Json(
        state.services.study().training(&actor, id, now).await?,
    ))
}

/// A county office's post registers itself, or its office's 主任, 副主任 one of its people.
#[utoipa::path(post, path = "/api/v1/study/trainings/{id}/registrations", tag = "study", params(("id" = i64, Path)), request_body = RegisterInput, responses((status = 204)))]
async fn register(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RegisterInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .register(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organiser records a registered post's attendance.
#[utoipa::path(post, path = "/api/v1/study/trainings/{id}/attendance", tag = "study", params(("id" = i64, Path)), request_body = RegisterInput, responses((status = 204)))]
async fn attend_training(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RegisterInput>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .services
        .study()
        .attend_training(&actor, id, &body, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The month's study minutes of everyone the caller reads (one's own; a chief's section; an office leader's office).
#[utoipa::path(get, path = "/api/v1/study/hours", tag = "study", params(MonthQuery), responses((status = 200, body = HoursView)))]
async fn list_hours(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<MonthQuery>,
) -> Result<Json<HoursView>, ApiError> {
    let month = q.month(&state);
    Ok(Json(state.services.study().hours(&actor, &month).await?))
}

/// One person's study record of a month with the items behind it (one's own, or someone the caller reads).
#[utoipa::path(get, path = "/api/v1/study/hours/{post}", tag = "study", params(("post" = i64, Path), MonthQuery), responses((status = 200, body = RecordView)))]
async fn get_record(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(post): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<RecordView>, ApiError> {
    let month = q.month(&state);
    Ok(Json(
        state
            .services
            .study()
            .record(&actor, Some(post), &month)
            .await?,
    ))
}

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_materials, create_material))
        .routes(routes!(get_material))
        .routes(routes!(read_material))
        .routes(routes!(upload_material_file, download_material_file))
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(get_session))
        .routes(routes!(get_session_code))
        .routes(routes!(check_in))
        .routes(routes!(sign_in_by_staff))
        .routes(routes!(save_notes))
        .routes(routes!(reflect))
        .routes(routes!(list_visits, record_visit))
        .routes(routes!(list_trainings, create_training))
        .routes(routes!(get_training))
        .routes(routes!(register))
        .routes(routes!(attend_training))
        .routes(routes!(list_hours))
        .routes(routes!(get_record))
}
