//! API of 办会: `/api/v1/meetings` — the week's meetings, booking (a clash answers 409 naming
//! the other meeting), a meeting with its attendance, its `.ics`, moving, advancing and
//! cancelling; its notice and replies (会议通知 and 回执: send, reply, decide a 请假, urge, and
//! the caller's replies still owed); rooms and a room's week; kinds; and the caller's private
//! calendar feed.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::meetings::{
    AwaitingView, IcsFile, KindView, LeaveDecision, MeetingDetail, MeetingInput, MoveInput,
    NoticeDocumentInput, NoticeInput, NoticePart, ReplyInput, ReplyTable, RoomInput, RoomView,
    RoomWeek, SendOutcome, UrgeInput, WeekScope, WeekView, beijing_date,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};

/// Which week, and whose meetings.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WeekQuery {
    /// Any date of the week (Beijing), `YYYY-MM-DD`; default this week.
    #[param(value_type = Option<String>, format = Date)]
    pub week: Option<NaiveDate>,
    /// `all` (every meeting the caller sees, default) or `mine` (我的会议).
    pub scope: Option<WeekScope>,
}

impl WeekQuery {
    fn date(&self, state: &AppState) -> NaiveDate {
        self.week.unwrap_or_else(|| beijing_date(state.clock.now()))
    }
}

/// The meetings of a week the caller sees, day by day.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", params(WeekQuery),
    responses((status = 200, body = WeekView)))]
async fn list_meetings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<WeekQuery>,
) -> Result<Json<WeekView>, ApiError> {
    let date = q.date(&state);
    Ok(Json(
        state
            .services
            .meetings()
            .week(&actor, date, q.scope.unwrap_or_default())
            .await?,
    ))
}

/// Books a meeting for the caller's office. A room or a leader already taken at that time
/// answers 409 (`meetings.room_taken`, `meetings.leader_busy`) naming the other meeting.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = MeetingInput,
    responses((status = 201, body = Created), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn create_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<MeetingInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let m = state.services.meetings();
    let cap = m.as_office(&actor).await?;
    let id = m.book(&cap, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A meeting with its attendance.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404, body = crate::error::Problem)))]
async fn get_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<MeetingDetail>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .read_at(&actor, id, state.clock.now())
            .await?,
    ))
}

pub(crate) fn ics_response(f: IcsFile) -> Response {
    let encoded = crate::respond::percent(&f.name);
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        f.text,
    )
        .into_response()
}

/// The meeting as iCalendar (RFC 5545): `METHOD:PUBLISH`, or `METHOD:CANCEL` once cancelled.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/ics", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/calendar", body = String),
        (status = 404, body = crate::error::Problem)))]
async fn meeting_ics(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(ics_response(
        state.services.meetings().ics(&actor, id).await?,
    ))
}

/// Moves a meeting that has not begun (the clash rule applies); its SEQUENCE rises.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/move", tag = "meetings", params(("id" = i64, Path)),
    request_body = MoveInput, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn move_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MoveInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .move_to(&actor, id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The status a meeting reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct Advanced {
    /// Its status code.
    pub status: String,
    /// In Chinese.
    pub status_label: String,
}

/// Advances a meeting to its next status (筹备中 → 已通知 → 进行中 → 已结束).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/advance", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = Advanced), (status = 409, body = crate::error::Problem)))]
async fn advance_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Advanced>, ApiError> {
    let s = state
        .services
        .meetings()
        .advance(&actor, id, state.clock.now())
        .await?;
    Ok(Json(Advanced {
        status: s.code().to_owned(),
        status_label: s.label().to_owned(),
    }))
}

/// Why a meeting is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelBody {
    /// 取消原因.
    #[serde(default)]
    pub reason: String,
}

/// Cancels a meeting that has not begun.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/cancel", tag = "meetings", params(("id" = i64, Path)),
    request_body = CancelBody, responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn cancel_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .cancel(&actor, id, &body.reason, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The meeting's notice as the caller sees it: its text once sent, whether the caller may send
/// it, and the replies the caller gives (as the invited post, for a post it acts for, or for
/// an invited unit) with the posts each may name for 委托.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/notice", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = NoticePart), (status = 404, body = crate::error::Problem)))]
async fn get_notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<NoticePart>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .notice(&actor, id, state.clock.now())
            .await?,
    ))
}

/// Sends the meeting's notice with its reply deadline (the organising office, once, while
/// 筹备中; the meeting becomes 已通知). A second send answers 409 `meetings.notice_sent`.
/// Recipients not cleared for the meeting's 密级 are not sent it and are named in `skipped`.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/notice", tag = "meetings", params(("id" = i64, Path)),
    request_body = NoticeInput, responses((status = 201, body = SendOutcome),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn send_notice(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NoticeInput>,
) -> Result<(StatusCode, Json<SendOutcome>), ApiError> {
    let out = state
        .services
        .meetings()
        .send_notice(&actor, id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Drafts the meeting's notice as a 通知 document of the office, composed from the meeting and
/// addressed to the units it summons (the organising office, while 筹备中 and no notice is out).
/// It goes through 核稿, 签发, numbering and 核发 in the documents area; at its 核发 the notice
/// goes out with this reply deadline and the 回执 are collected as for a plain notice.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/notice/document", tag = "meetings",
    params(("id" = i64, Path)), request_body = NoticeDocumentInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn draft_notice_document(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NoticeDocumentInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let doc = state
        .services
        .meetings()
        .draft_notice_document(&actor, id, &body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: doc })))
}

/// The reply table (the organising office): each recipient's reply, who has not replied, the
/// late ones, and the counts.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/replies", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = ReplyTable), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
async fn list_replies(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ReplyTable>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .replies(&actor, id, state.clock.now())
            .await?,
    ))
}

/// The reply row answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replied {
    /// The reply row.
    pub reply_id: i64,
}

/// Replies 参加, 请假 (with a reason) or 委托 (naming a post of the recipient's unit). Only
/// the invited post, a post acting for it, or a post of an invited unit may reply (403 to
/// anyone else, nothing written); a reply after the deadline is taken and marked late.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/replies", tag = "meetings", params(("id" = i64, Path)),
    request_body = ReplyInput, responses((status = 200, body = Replied),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn create_reply(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReplyInput>,
) -> Result<Json<Replied>, ApiError> {
    let reply_id = state
        .services
        .meetings()
        .reply(&actor, id, &body, state.clock.now())
        .await?;
    Ok(Json(Replied { reply_id }))
}

/// Approves or refuses a 请假 (the organising office); the one who asked is told.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/replies/{reply_id}/leave", tag = "meetings",
    params(("id" = i64, Path), ("reply_id" = i64, Path)), request_body = LeaveDecision,
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn decide_leave(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, reply_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<LeaveDecision>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .decide_leave(&actor, id, reply_id, &body, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many recipients were urged.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = meetings::Urged)]
pub struct Urged {
    /// Recipients urged.
    pub urged: usize,
}

/// Urges (催办) every recipient who has not replied, with a message (the organising office).
/// 409 `meetings.all_replied` when everyone has.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/urge", tag = "meetings", params(("id" = i64, Path)),
    request_body = UrgeInput, responses((status = 200, body = Urged),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn urge_replies(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UrgeInput>,
) -> Result<Json<Urged>, ApiError> {
    let urged = state
        .services
        .meetings()
        .urge(&actor, id, &body, state.clock.now())
        .await?;
    Ok(Json(Urged { urged }))
}

/// The replies the caller still owes (meetings notified and not begun): the workbench's
/// 待回执 list.
#[utoipa::path(get, path = "/api/v1/meetings/awaiting-reply", tag = "meetings",
    responses((status = 200, body = [AwaitingView])))]
async fn awaiting_reply(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<AwaitingView>>, ApiError> {
    Ok(Json(
        state
            .services
            .meetings()
            .awaiting_reply(&actor, state.clock.now())
            .await?,
    ))
}

/// Every room; `bookable` marks the caller's office's.
#[utoipa::path(get, path = "/api/v1/meetings/rooms", tag = "meetings",
    responses((status = 200, body = [RoomView])))]
async fn list_rooms(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<RoomView>>, ApiError> {
    Ok(Json(state.services.meetings().rooms(&actor).await?))
}

/// Adds a room to the caller's office.
#[utoipa::path(post, path = "/api/v1/meetings/rooms", tag = "meetings", request_body = RoomInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_room(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<RoomInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let m = state.services.meetings();
    let cap = m.as_office(&actor).await?;
    let id = m.add_room(&cap, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A room's week: meetings the caller sees by name, the others as 已预订.
#[utoipa::path(get, path = "/api/v1/meetings/rooms/{id}/week", tag = "meetings",
    params(("id" = i64, Path), WeekQuery), responses((status = 200, body = RoomWeek),
        (status = 404, body = crate::error::Problem)))]
async fn room_week(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<WeekQuery>,
) -> Result<Json<RoomWeek>, ApiError> {
    let date = q.date(&state);
    Ok(Json(
        state
            .services
            .meetings()
            .room_week(&actor, id, date)
            .await?,
    ))
}

/// The meeting kinds.
#[utoipa::path(get, path = "/api/v1/meetings/kinds", tag = "meetings",
    responses((status = 200, body = [KindView])))]
async fn list_kinds(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<KindView>>, ApiError> {
    Ok(Json(state.services.meetings().kinds(&actor).await?))
}

/// A new kind's name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct KindBody {
    /// 会议类型名称.
    #[serde(default)]
    pub name: String,
}

/// Adds a meeting kind (系统管理员).
#[utoipa::path(post, path = "/api/v1/meetings/kinds", tag = "meetings", request_body = KindBody,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_kind(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<KindBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .meetings()
        .add_kind(&actor, &body.name, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The caller's feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedView {
    /// Whether the caller has a feed.
    pub active: bool,
    /// The feed's path (with its token), only in the answer that made it.
    pub path: Option<String>,
}

/// Whether the caller has a private calendar feed.
#[utoipa::path(get, path = "/api/v1/meetings/feed", tag = "meetings",
    responses((status = 200, body = FeedView)))]
async fn get_feed(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<FeedView>, ApiError> {
    Ok(Json(FeedView {
        active: state.services.meetings().has_feed(&actor).await?,
        path: None,
    }))
}

/// Makes the caller a new feed (the old address stops working); the path is shown only here.
#[utoipa::path(post, path = "/api/v1/meetings/feed", tag = "meetings",
    responses((status = 201, body = FeedView)))]
async fn create_feed(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<(StatusCode, Json<FeedView>), ApiError> {
    let token = state
        .services
        .meetings()
        .new_feed(&actor, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FeedView {
            active: true,
            path: Some(format!("/meetings/feed/{token}.ics")),
        }),
    ))
}

/// Revokes the caller's feed.
#[utoipa::path(delete, path = "/api/v1/meetings/feed", tag = "meetings",
    responses((status = 204)))]
async fn revoke_feed(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .meetings()
        .revoke_feed(&actor, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The meetings routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_meetings, create_meeting))
        .routes(routes!(list_rooms, create_room))
        .routes(routes!(room_week))
        .routes(routes!(list_kinds, create_kind))
        .routes(routes!(get_feed, create_feed, revoke_feed))
        .routes(routes!(get_meeting))
        .routes(routes!(meeting_ics))
        .routes(routes!(move_meeting))
        .routes(routes!(advance_meeting))
        .routes(routes!(cancel_meeting))
        .routes(routes!(get_notice, send_notice))
        .routes(routes!(draft_notice_document))
        .routes(routes!(list_replies, create_reply))
        .routes(routes!(decide_leave))
        .routes(routes!(urge_replies))
        .routes(routes!(awaiting_reply))
}
