//! API of 签到, 纪要 and 议定事项 under `/api/v1/meetings/{id}`: the code the screen in the
//! room shows, signing in with it (an expired code answers 409
//! `meetings.checkin_code_expired`), the staff signing someone in, the attendance list (and as
//! a workbook), the minutes drafted from the meeting with its decisions, and the decisions
//! replaced until the minutes are issued. Issuing the minutes (印发) is the documents area's
//! 核发 of the 纪要; its decisions then become supervision items. Also the office's monthly
//! meeting figures (会议效能, `GET /api/v1/meetings/figures?month=`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::meetings::{
    AttendanceView, CheckinInput, CheckinOutcome, CheckinScreen, DecisionsInput, MeetingFigures,
    MinutesInput, MinutesPart, StaffCheckinInput,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// The sign-in code the screen in the room shows now (the organising office, while sign-in is
/// open: from an hour before the start until the end).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/checkin/code", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = CheckinScreen), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn checkin_code(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CheckinScreen>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .checkin_screen(&actor, id, state.clock.now())
            .await?,
    ))
}

/// Signs the caller in with the code on the screen. An expired code answers 409
/// (`meetings.checkin_code_expired`), a wrong one 422; someone not on the meeting 403.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/checkin", tag = "meetings",
    params(("id" = i64, Path)), request_body = CheckinInput,
    responses((status = 200, body = CheckinOutcome), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn check_in(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CheckinInput>,
) -> Result<Json<CheckinOutcome>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .check_in(&actor, id, &body, state.clock.now())
            .await?,
    ))
}

/// The organising office signs someone on the meeting in by hand.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/checkin/staff", tag = "meetings",
    params(("id" = i64, Path)), request_body = StaffCheckinInput,
    responses((status = 200, body = CheckinOutcome), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn check_in_by_staff(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StaffCheckinInput>,
) -> Result<Json<CheckinOutcome>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .check_in_by_staff(&actor, id, &body, state.clock.now())
            .await?,
    ))
}

/// The meeting's attendance: every expected post with its sign-in (on time, late, absent, on
/// leave, or not yet).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/attendance", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = AttendanceView), (status = 404, body = crate::error::Problem)))]
async fn attendance(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AttendanceView>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .attendance(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The attendance list as a workbook (签到表, xlsx), for the organising office.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/attendance/xlsx", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::Problem)))]
async fn attendance_xlsx(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(
        state
            .services
            .meetings()
            .attendance_xlsx(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The meeting's minutes and decisions, each decision with its supervision item's progress
/// and card once issued.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/minutes", tag = "meetings",
    params(("id" = i64, Path)),
    responses((status = 200, body = MinutesPart), (status = 404, body = crate::error::Problem)))]
async fn get_minutes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<MinutesPart>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .minutes(&actor, id, state.clock.now())
            .await?,
    ))
}

/// Drafts the minutes of a held meeting (the organising office, once): a 纪要 document with
/// the attendance lists, and the decisions. Answers the document's id; it then goes through
/// the documents process (`/api/v1/documents/{id}/submit`).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/minutes", tag = "meetings",
    params(("id" = i64, Path)), request_body = MinutesInput,
    responses((status = 201, body = Created), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn draft_minutes(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MinutesInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let doc = state
        .services
        .meetings()
        .draft_minutes(&actor, id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: doc })))
}

/// Replaces the meeting's decisions, until its minutes are issued.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/decisions", tag = "meetings",
    params(("id" = i64, Path)), request_body = DecisionsInput,
    responses((status = 204), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn set_decisions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionsInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .set_decisions(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which month's figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FiguresQuery {
    /// `YYYY-MM` (Beijing); the running month when absent.
    pub month: Option<String>,
}

/// The caller's office's meeting figures of a month (会议效能): meetings held, average actual
/// length against the planned, attendance and 请假 rates (by unit), topics carried over and
/// 议定事项 closed by their deadline, with the meetings, topics and decisions behind them. An
/// ended month answers its stored figures (and `recount` when today's facts differ); the
/// running month is counted now. For the office's staff (403 otherwise).
#[utoipa::path(get, path = "/api/v1/meetings/figures", tag = "meetings", params(FiguresQuery),
    responses((status = 200, body = MeetingFigures), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn meeting_figures(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<FiguresQuery>,
) -> Result<Json<MeetingFigures>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .figures(&actor, q.month.as_deref(), state.clock.now())
            .await?,
    ))
}

/// The routes of 签到, 纪要 and 议定事项, and the monthly figures.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(meeting_figures))
        .routes(routes!(checkin_code))
        .routes(routes!(check_in))
        .routes(routes!(check_in_by_staff))
        .routes(routes!(attendance))
        .routes(routes!(attendance_xlsx))
        .routes(routes!(get_minutes, draft_minutes))
        .routes(routes!(set_decisions))
}
