//! 办会 pages: the week's meetings (全部 / 我的会议), booking a meeting (a clash is shown on the
//! form in Chinese, naming the other meeting), a meeting's page with its move, advance and
//! cancel, its notice and replies (会议通知 and 回执: the office sends the notice, sees the reply
//! table, decides each 请假 and urges those who have not replied; an attendee replies on the same
//! page), the rooms with each room's week, the `.ics` download and the person's calendar feed
//! (whose address opens with its token alone).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use xn_service::meetings::{
    AgendaView, AttendanceView, FormOptions, LeaveDecision, MeetingDetail, MeetingInput,
    MinutesPart, MoveInput, NoticeDocumentInput, NoticeInput, NoticePart, ReplyInput, ReplyTable,
    RoomInput, RoomView, RoomWeek, UrgeInput, WeekScope, WeekView, beijing_date,
};
use xn_service::{Actor, ServiceError};

use super::{Layout, beijing_time, filters};
use crate::AppState;
use crate::api::meetings::ics_response;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::respond::fixable;

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "booked" => "会议已安排。",
        "moved" => "会议时间已调整，日历中的会议将随之更新。",
        "advanced" => "会议状态已更新。",
        "cancelled" => "会议已取消。",
        "room" => "会议室已添加。",
        "revoked" => "订阅地址已停用。",
        "notified" => "会议通知已发出，会议状态为“已通知”。",
        "notified_partly" => {
            "会议通知已发出；有人员或单位因涉密等级不符或身份停用未发送，已记入留痕。"
        }
        "replied" => "回执已提交。",
        "leave" => "请假审批已记录，已告知本人。",
        "urged" => "已向未回执人员发出催办。",
        "signed_in" => "已代为签到。",
        "decisions" => "议定事项已更新；请相应修改纪要正文。",
        "agenda" => "议程已审定，议题材料已分发给参会人员。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct WeekParams {
    #[serde(default)]
    week: Option<NaiveDate>,
    #[serde(default)]
    scope: Option<WeekScope>,
    #[serde(default)]
    ok: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The week

#[derive(Template, WebTemplate)]
#[template(path = "meetings.html")]
struct WeekPage {
    l: Layout,
    w: WeekView,
    mine: bool,
    prev: NaiveDate,
    next: NaiveDate,
    today: NaiveDate,
    notice: Option<&'static str>,
}

impl WeekPage {
    fn time_of(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        hour_minute(t)
    }
}

/// `09:00` of an instant, Beijing time (through the one helper).
fn hour_minute(t: &chrono::DateTime<chrono::Utc>) -> String {
    let s = beijing_time(xn_service::ms(*t));
    s.split(' ').nth(1).unwrap_or_default().to_owned()
}

async fn week(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<WeekParams>,
) -> Result<Response, PageError> {
    let today = beijing_date(state.clock.now());
    let date = q.week.unwrap_or(today);
    let scope = q.scope.unwrap_or_default();
    let w = state.services.meetings().week(&actor, date, scope).await?;
    Ok(WeekPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        prev: w.monday - Duration::days(7),
        next: w.monday + Duration::days(7),
        w,
        mine: scope == WeekScope::Mine,
        today,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Booking

/// The booking form as posted: numbers as text, so an empty choice is not a parse error.
#[derive(Debug, Default, Deserialize)]
struct BookForm {
    #[serde(default)]
    kind_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    organiser_unit_id: String,
    #[serde(default)]
    chair_post_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place_kind: String,
    #[serde(default)]
    room_id: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    attend_posts: Vec<i64>,
    #[serde(default)]
    observe_posts: Vec<i64>,
    #[serde(default)]
    observe_units: Vec<i64>,
    #[serde(default)]
    staff_posts: Vec<i64>,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    notes: String,
}

fn number(field: &'static str, what: &str, s: &str) -> Result<i64, ServiceError> {
    s.trim()
        .parse()
        .map_err(|_| ServiceError::invalid(field, format!("请选择{what}")))
}

impl BookForm {
    fn input(&self) -> Result<MeetingInput, ServiceError> {
        let room_id = if self.place_kind.is_empty() || self.place_kind == "room" {
            Some(number("room_id", "会议室", &self.room_id)?)
        } else {
            None
        };
        if self.date.trim().is_empty() {
            return Err(ServiceError::invalid("date", "请填写会议日期"));
        }
        Ok(MeetingInput {
            kind_id: number("kind_id", "会议类型", &self.kind_id)?,
            title: self.title.clone(),
            organiser_unit_id: number("organiser_unit_id", "承办单位", &self.organiser_unit_id)?,
            chair_post_id: number("chair_post_id", "主持人", &self.chair_post_id)?,
            starts_at: format!("{} {}", self.date.trim(), self.start.trim()),
            ends_at: format!("{} {}", self.date.trim(), self.end.trim()),
            place_kind: self.place_kind.clone(),
            room_id,
            venue: self.venue.clone(),
            attend_posts: self.attend_posts.clone(),
            observe_posts: self.observe_posts.clone(),
            observe_units: self.observe_units.clone(),
            staff_posts: self.staff_posts.clone(),
            classification: self.classification.clone(),
            notes: self.notes.clone(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_form.html")]
struct FormPage {
    l: Layout,
    o: FormOptions,
    f: BookForm,
    error: Option<String>,
}

impl FormPage {
    fn is(&self, value: &str, id: &i64) -> bool {
        value.trim() == id.to_string()
    }
    fn chosen(&self, list: &[i64], id: &i64) -> bool {
        list.contains(id)
    }
    fn place_is(&self, code: &str) -> bool {
        self.f.place_kind == code || (self.f.place_kind.is_empty() && code == "room")
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewParams {
    #[serde(default)]
    date: Option<NaiveDate>,
    #[serde(default)]
    room: Option<i64>,
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    f: BookForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    let m = state.services.meetings();
    let cap = m.as_office(actor).await?;
    Ok(FormPage {
        l: Layout::new(state, actor, "/meetings").await?,
        o: m.form_options(&cap).await?,
        f,
        error,
    })
}

async fn new_meeting(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NewParams>,
) -> Result<Response, PageError> {
    let date = q
        .date
        .unwrap_or_else(|| beijing_date(state.clock.now()) + Duration::days(1));
    let f = BookForm {
        date: date.format("%Y-%m-%d").to_string(),
        start: "09:00".into(),
        end: "11:00".into(),
        room_id: q.room.map(|r| r.to_string()).unwrap_or_default(),
        ..BookForm::default()
    };
    Ok(form_page(&state, &actor, f, None).await?.into_response())
}

async fn create(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<BookForm>,
) -> Result<Response, PageError> {
    let m = state.services.meetings();
    let result = async {
        let cap = m.as_office(&actor).await?;
        let input = f.input()?;
        m.book(&cap, &input, state.clock.now()).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/meetings/{id}?ok=booked")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = form_page(&state, &actor, f, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// A meeting

#[derive(Template, WebTemplate)]
#[template(path = "meeting.html")]
struct MeetingPage {
    l: Layout,
    d: MeetingDetail,
    /// The notice as the viewer sees it and the replies they give.
    p: NoticePart,
    /// The reply table, for the organising office once the notice is out.
    t: Option<ReplyTable>,
    /// The attendance (签到), once the notice is out.
    att: Option<AttendanceView>,
    /// The minutes and decisions (纪要, 议定事项).
    mp: MinutesPart,
    /// The agenda (议程) and, for the leader, its approval form.
    ag: AgendaView,
    /// The suggested deadline's date and time, for the send form.
    reply_date: String,
    reply_time: String,
    rooms: Vec<RoomView>,
    date: String,
    start: String,
    end: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl MeetingPage {
    /// The numbers of the blank decision rows after those filled: three more.
    fn blank_rows(&self) -> std::ops::RangeInclusive<usize> {
        let n = self.mp.decisions.len();
        (n + 1)..=(n + 3)
    }

    fn has(&self, list: &[i64], id: &i64) -> bool {
        list.contains(id)
    }
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

async fn meeting_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<MeetingPage, PageError> {
    let m = state.services.meetings();
    let d = m.read_at(actor, id, state.clock.now()).await?;
    let rooms = if d.may_manage {
        m.rooms(actor)
            .await?
            .into_iter()
            .filter(|r| r.bookable)
            .collect()
    } else {
        Vec::new()
    };
    let starts = beijing_time(xn_service::ms(d.meeting.starts_at));
    let p = m.notice(actor, id, state.clock.now()).await?;
    let t = if d.may_manage && p.notice.is_some() {
        Some(m.replies(actor, id, state.clock.now()).await?)
    } else {
        None
    };
    let att = if matches!(
        d.meeting.status.as_str(),
        "notified" | "in_progress" | "ended" | "minuted"
    ) {
        Some(m.attendance(actor, id, state.clock.now()).await?)
    } else {
        None
    };
    let mp = m.minutes(actor, id, state.clock.now()).await?;
    let ag = m.agenda(actor, id, state.clock.now()).await?;
    let (reply_date, reply_time) = p
        .suggested_reply_by
        .split_once(' ')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap_or_default();
    Ok(MeetingPage {
        l: Layout::new(state, actor, "/meetings").await?,
        p,
        t,
        att,
        mp,
        ag,
        reply_date,
        reply_time,
        date: starts.split(' ').next().unwrap_or_default().to_owned(),
        start: hour_minute(&d.meeting.starts_at),
        end: hour_minute(&d.meeting.ends_at),
        d,
        rooms,
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
    Ok(meeting_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

/// The end of an action on the meeting page.
pub(super) async fn after(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/{id}?ok={ok}")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = meeting_page(state, actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct MoveForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    room_id: String,
}

async fn move_meeting(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    let input = MoveInput {
        starts_at: format!("{} {}", f.date.trim(), f.start.trim()),
        ends_at: format!("{} {}", f.date.trim(), f.end.trim()),
        room_id: f.room_id.trim().parse().ok(),
    };
    let r = state
        .services
        .meetings()
        .move_to(&actor, id, &input, state.clock.now())
        .await;
    after(&state, &actor, id, r, "moved").await
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

async fn advance(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .meetings()
        .advance(&actor, id, state.clock.now())
        .await
        .map(|_| ());
    after(&state, &actor, id, r, "advanced").await
}

#[derive(Debug, Default, Deserialize)]
struct CancelForm {
    #[serde(default)]
    reason: String,
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CancelForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .meetings()
        .cancel(&actor, id, &f.reason, state.clock.now())
        .await;
    after(&state, &actor, id, r, "cancelled").await
}

#[derive(Debug, Default, Deserialize)]
struct NoticeForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    reply_date: String,
    #[serde(default)]
    reply_time: String,
}

async fn send_notice(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<NoticeForm>,
) -> Result<Response, PageError> {
    let input = NoticeInput {
        body: f.body,
        reply_by: format!("{} {}", f.reply_date.trim(), f.reply_time.trim())
            .trim()
            .to_owned(),
    };
    let r = state
        .services
        .meetings()
        .send_notice(&actor, id, &input, state.clock.now())
        .await;
    let ok = match &r {
        Ok(out) if !out.skipped.is_empty() => "notified_partly",
        _ => "notified",
    };
    after(&state, &actor, id, r.map(|_| ()), ok).await
}

#[derive(Debug, Default, Deserialize)]
struct NoticeDocumentForm {
    #[serde(default)]
    reply_date: String,
    #[serde(default)]
    reply_time: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    requirements: String,
}

/// Drafts the notice as a 通知 document and opens it in the documents area.
async fn draft_notice_document(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<NoticeDocumentForm>,
) -> Result<Response, PageError> {
    let input = NoticeDocumentInput {
        reply_by: format!("{} {}", f.reply_date.trim(), f.reply_time.trim())
            .trim()
            .to_owned(),
        contact: f.contact,
        requirements: f.requirements,
    };
    match state
        .services
        .meetings()
        .draft_notice_document(&actor, id, &input, state.clock.now())
        .await
    {
        Ok(doc) => Ok(Redirect::to(&format!("/documents/{doc}")).into_response()),
        Err(e) => after(&state, &actor, id, Err(e), "").await,
    }
}

/// The reply form: numbers as text, so an empty choice is not a parse error.
#[derive(Debug, Default, Deserialize)]
struct ReplyForm {
    #[serde(default)]
    reply_id: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    proxy_post_id: String,
}

async fn reply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ReplyForm>,
) -> Result<Response, PageError> {
    let input = ReplyInput {
        reply_id: f.reply_id.trim().parse().ok(),
        answer: f.answer,
        reason: f.reason,
        proxy_post_id: f.proxy_post_id.trim().parse().ok(),
    };
    let r = state
        .services
        .meetings()
        .reply(&actor, id, &input, state.clock.now())
        .await
        .map(|_| ());
    after(&state, &actor, id, r, "replied").await
}

#[derive(Debug, Default, Deserialize)]
struct LeaveForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide_leave(
    State(state): State<AppState>,
    Path((id, reply_id)): Path<(i64, i64)>,
    PageForm(actor, f): PageForm<LeaveForm>,
) -> Result<Response, PageError> {
    let input = LeaveDecision {
        decision: f.decision,
        note: f.note,
    };
    let r = state
        .services
        .meetings()
        .decide_leave(&actor, id, reply_id, &input, state.clock.now())
        .await;
    after(&state, &actor, id, r, "leave").await
}

#[derive(Debug, Default, Deserialize)]
struct UrgeForm {
    #[serde(default)]
    message: String,
}

async fn urge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<UrgeForm>,
) -> Result<Response, PageError> {
    let input = UrgeInput { message: f.message };
    let r = state
        .services
        .meetings()
        .urge(&actor, id, &input, state.clock.now())
        .await
        .map(|_| ());
    after(&state, &actor, id, r, "urged").await
}

async fn ics(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(ics_response(
        state.services.meetings().ics(&actor, id).await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Rooms

#[derive(Template, WebTemplate)]
#[template(path = "meeting_rooms.html")]
struct RoomsPage {
    l: Layout,
    rooms: Vec<RoomView>,
    may_add: bool,
    f: RoomForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RoomForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    equipment: String,
}

async fn rooms_page(
    state: &AppState,
    actor: &Actor,
    f: RoomForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RoomsPage, PageError> {
    let m = state.services.meetings();
    let rooms = m.rooms(actor).await?;
    let may_add = m.as_office(actor).await.is_ok();
    Ok(RoomsPage {
        l: Layout::new(state, actor, "/meetings").await?,
        rooms,
        may_add,
        f,
        notice,
        error,
    })
}

async fn rooms(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(
        rooms_page(&state, &actor, RoomForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

async fn add_room(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<RoomForm>,
) -> Result<Response, PageError> {
    let m = state.services.meetings();
    let result = async {
        let cap = m.as_office(&actor).await?;
        let input = RoomInput {
            name: f.name.clone(),
            capacity: f
                .capacity
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("capacity", "请填写座位数"))?,
            equipment: f.equipment.clone(),
        };
        m.add_room(&cap, &input, state.clock.now()).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/meetings/rooms?ok=room").into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = rooms_page(&state, &actor, f, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_room.html")]
struct RoomPage {
    l: Layout,
    r: RoomWeek,
    prev: NaiveDate,
    next: NaiveDate,
}

impl RoomPage {
    fn time_of(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        hour_minute(t)
    }
}

async fn room(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<WeekParams>,
) -> Result<Response, PageError> {
    let date = q.week.unwrap_or_else(|| beijing_date(state.clock.now()));
    let r = state
        .services
        .meetings()
        .room_week(&actor, id, date)
        .await?;
    Ok(RoomPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        prev: r.week.monday - Duration::days(7),
        next: r.week.monday + Duration::days(7),
        r,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// The calendar feed

#[derive(Template, WebTemplate)]
#[template(path = "meeting_feed.html")]
struct FeedPage {
    l: Layout,
    active: bool,
    path: Option<String>,
    notice: Option<&'static str>,
}

async fn feed_page(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let active = state.services.meetings().has_feed(&actor).await?;
    Ok(FeedPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        active,
        path: None,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

async fn new_feed(
    State(state): State<AppState>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let token = state
        .services
        .meetings()
        .new_feed(&actor, state.clock.now())
        .await?;
    // The address is shown once, on this answer: only its hash is kept.
    Ok(FeedPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        active: true,
        path: Some(format!("/meetings/feed/{token}.ics")),
        notice: None,
    }
    .into_response())
}

async fn revoke_feed(
    State(state): State<AppState>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    state
        .services
        .meetings()
        .revoke_feed(&actor, state.clock.now())
        .await?;
    Ok(Redirect::to("/meetings/feed?ok=revoked").into_response())
}

/// The feed itself: opened by its token alone (a calendar application has no session).
async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state
        .services
        .meetings()
        .feed(&token, state.clock.now())
        .await
    {
        Ok(f) => ics_response(f),
        Err(e) => PageError(e).into_response(),
    }
}

/// The meetings routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(week).post(create))
        .route("/meetings/new", get(new_meeting))
        .route("/meetings/rooms", get(rooms).post(add_room))
        .route("/meetings/rooms/{id}", get(room))
        .route("/meetings/feed", get(feed_page).post(new_feed))
        .route("/meetings/feed/revoke", post(revoke_feed))
        .route("/meetings/feed/{token}", get(feed))
        .route("/meetings/{id}", get(show))
        .route("/meetings/{id}/ics", get(ics))
        .route("/meetings/{id}/move", post(move_meeting))
        .route("/meetings/{id}/advance", post(advance))
        .route("/meetings/{id}/cancel", post(cancel))
        .route("/meetings/{id}/notice", post(send_notice))
        .route(
            "/meetings/{id}/notice/document",
            post(draft_notice_document),
        )
        .route("/meetings/{id}/reply", post(reply))
        .route(
            "/meetings/{id}/replies/{reply_id}/leave",
            post(decide_leave),
        )
        .route("/meetings/{id}/urge", post(urge))
}
