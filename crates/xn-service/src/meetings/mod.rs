//! 办会: meetings booked by an office, in its rooms or elsewhere, with their attendance, their
//! status, the week's list, each room's week, and calendars (`.ics` and private feeds).
//!
//! The area's front door is [`Meetings`] (`services.meetings()`). Booking, moving, advancing and
//! cancelling belong to the staff of the organising office: an actor whose acting post may do
//! flow work and sits in an office (办公厅/办公室) or one of its sections gets an [`OfficeCap`]
//! for that office ([`Meetings::as_office`]), and only meetings of that office are theirs to
//! manage. Everyone else reads the meetings they take part in (chair, 出席, 列席, 工作人员, or
//! a 列席 unit they belong to). Nobody sees a meeting classified above their post's clearance.
//!
//! One file per use case: `book` (booking and the clash rule, moves, status, cancel, rooms and
//! kinds), `notice` (会议通知 and 回执: sending, replies, 请假 decisions, 催办), `notice_document`
//! (the 会议通知 drafted as a 通知 document, sent at its 核发), `calendar` (the
//! `.ics` of a meeting and each person's feed), `checkin` (签到: the code on the screen, signing
//! in, late and absent, the attendance list), `minutes` (纪要 and 议定事项, and the decisions
//! becoming supervision items when the minutes are issued), `schedule` (领导日程: each leader's
//! week of meetings and own engagements, kept by the leader's 秘书), `topics` (议题: submitting,
//! materials, 会签, screening), `agenda` (议程 审定 by the office's leader, per-topic 列席, the
//! materials' distribution and withdrawal, 暂缓), `requests` (会议申请 and its approval), `figures` (会议效能: the monthly figures per
//! organising office, stored when a month ends); this file
//! holds the door, the views and who sees what.

mod agenda;
mod book;
mod calendar;
mod checkin;
mod demo;
mod demo_decisions;
mod figures;
mod minutes;
mod notice;
mod notice_document;
mod replies;
mod requests;
mod schedule;
mod schedule_demo;
mod topics;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::meetings::{AttendRole, MeetingStatus, PlaceKind};
use xn_domain::org::{Clearance, Permission, UnitChain};
use xn_store::meetings::{self as store, AttendeeRow, MeetingRow};

use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

pub use agenda::{AgendaInput, AgendaItemInput, AgendaSuggestion, AgendaView, DeferInput};
pub use book::{MeetingInput, MoveInput, RoomInput};
pub use calendar::IcsFile;
pub use checkin::{
    AttendanceLine, AttendanceView, CheckinInput, CheckinOutcome, CheckinScreen, StaffCheckinInput,
};
pub use figures::{
    CarryLine, DueLine, FigureSummary, HeldLine, MeetingFigures, UnitLeave, parse_month,
};
pub use minutes::{
    DecisionInput, DecisionItem, DecisionView, DecisionsInput, MinutesInput, MinutesPart,
    MinutesView,
};
pub use notice::{
    AwaitingView, LeaveDecision, MyReply, NoticeDocumentView, NoticeInput, NoticePart, NoticeView,
    ReplyInput, ReplyTable, ReplyView, SendOutcome, UrgeInput,
};
pub use notice_document::NoticeDocumentInput;
pub use requests::{RequestDecision, RequestInput, RequestList, RequestView};
pub use schedule::{
    KeeperOptions, KeepersInput, LeaderOption, ScheduleDay, ScheduleInput, ScheduleItem,
    ScheduleWeek,
};
pub use topics::{
    CosignInput, CosignView, MaterialView, ScreenInput, TopicDetail, TopicFormOptions, TopicInput,
    TopicList, TopicScope, TopicView,
};

/// 办会's front door: `services.meetings()`.
#[derive(Clone, Copy)]
pub struct Meetings<'a> {
    svc: &'a Services,
}

impl Services {
    /// The meetings area (办会).
    pub fn meetings(&self) -> Meetings<'_> {
        Meetings { svc: self }
    }
}

/// The right to book and manage the meetings of one office: made only by
/// [`Meetings::as_office`] for an actor acting in that office or one of its sections.
#[derive(Debug)]
pub struct OfficeCap<'a> {
    actor: &'a Actor,
    post: i64,
    office: i64,
    clearance: Clearance,
}

impl OfficeCap<'_> {
    /// The office whose meetings the actor books.
    pub fn office(&self) -> i64 {
        self.office
    }
}

/// Who is reading: the acting post, its clearance, the units it belongs to (its unit and
/// every unit above it), and — where the time is known — the posts it acts for through a
/// 委托 window of the flow engine (so a leader's stand-in sees and replies to the leader's
/// meeting notices).
struct Viewer {
    post: i64,
    clearance: Clearance,
    chain: UnitChain,
    principals: Vec<i64>,
}

impl Viewer {
    /// Whether the viewer sees a meeting: cleared for its 密级, and of its office, or taking
    /// part in it (as a post, or through a 列席 unit).
    fn sees(&self, m: &MeetingRow, attendees: &[AttendeeRow]) -> bool {
        self.clearance.may_see(clearance_of(&m.classification))
            && (self.chain.contains(m.office_id) || self.takes_part(m, attendees))
    }

    /// Whether the viewer takes part in a meeting (我的会议).
    fn takes_part(&self, m: &MeetingRow, attendees: &[AttendeeRow]) -> bool {
        self.is(m.chair_post_id)
            || attendees.iter().any(|a| {
                a.meeting_id == m.id
                    && match a.post_id {
                        Some(p) => self.is(p),
                        None => self.chain.contains(a.unit_id),
                    }
            })
    }

    /// Whether a post is the viewer's own or one it acts for.
    fn is(&self, post: i64) -> bool {
        post == self.post || self.principals.contains(&post)
    }

    /// Whether the viewer manages a meeting: of its office and cleared for it.
    fn manages(&self, m: &MeetingRow) -> bool {
        self.chain.contains(m.office_id) && self.clearance.may_see(clearance_of(&m.classification))
    }
}

/// The Clearance of a stored 密级 code; an unknown code is treated as the highest, so it is
/// never shown to too many.
pub(crate) fn clearance_of(code: &str) -> Clearance {
    Clearance::ALL
        .into_iter()
        .find(|c| c.code() == code)
        .unwrap_or(Clearance::TopSecret)
}

fn status_of(m: &MeetingRow) -> Result<MeetingStatus> {
    MeetingStatus::from_code(&m.status).ok_or_else(|| {
        ServiceError::Internal(anyhow::anyhow!(
            "meeting {} has an unknown status {}",
            m.id,
            m.status
        ))
    })
}

/// Tells posts something about a meeting: one notification each, of `kind`, about
/// `subject` (`meeting:{id}`), in the caller's transaction.
pub(crate) async fn tell(
    tx: &mut xn_store::Tx,
    posts: &[i64],
    kind: &str,
    subject: &str,
    message: &str,
    now: DateTime<Utc>,
) -> crate::Result<()> {
    for p in posts {
        xn_store::notifications::insert_notification(
            tx,
            &xn_store::notifications::NewNotification {
                post_id: *p,
                kind,
                subject: Some(subject),
                message,
            },
            crate::ms(now),
        )
        .await?;
    }
    Ok(())
}

/// Beijing time is UTC+8 all year (no daylight saving since 1991).
const BEIJING_HOURS: i64 = 8;

/// An instant as Beijing wall-clock time.
pub(crate) fn beijing(t: DateTime<Utc>) -> NaiveDateTime {
    (t + Duration::hours(BEIJING_HOURS)).naive_utc()
}

/// A Beijing wall-clock time as an instant.
pub(crate) fn from_beijing(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t) - Duration::hours(BEIJING_HOURS)
}

/// A meeting's time for a message: `12月1日 09:00—11:00` (Beijing time).
pub(crate) fn span_text(starts_ms: i64, ends_ms: i64) -> String {
    let s = beijing(from_ms(starts_ms));
    let e = beijing(from_ms(ends_ms));
    let end = if s.date() == e.date() {
        e.format("%H:%M").to_string()
    } else {
        format!("{}月{}日 {}", e.month(), e.day(), e.format("%H:%M"))
    };
    format!("{}月{}日 {}—{}", s.month(), s.day(), s.format("%H:%M"), end)
}

/// The Monday of the Beijing week a date falls in.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The Beijing date of an instant.
pub fn beijing_date(t: DateTime<Utc>) -> NaiveDate {
    beijing(t).date()
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// A meeting in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    /// Id.
    pub id: i64,
    /// 会议类型.
    pub kind: String,
    /// Title (for a meeting the viewer may not see, in a room's week: 已预订).
    pub title: String,
    /// Whether the viewer sees only that the time is taken.
    pub hidden: bool,
    /// 承办单位.
    pub organiser: String,
    /// The chair's post.
    pub chair_post_id: i64,
    /// The chair as a line.
    pub chair: String,
    /// Start.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    /// End.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    /// `room`, `venue` or `video`.
    pub place_kind: String,
    /// The room, when in a room.
    pub room_id: Option<i64>,
    /// Where, as a line (room name, venue, or 视频会议).
    pub place: String,
    /// The outside venue or the video link.
    pub venue: String,
    /// 密级 code.
    pub classification: String,
    /// 密级 in Chinese.
    pub classification_label: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: String,
    /// RFC 5545 SEQUENCE: how many times it was moved or cancelled.
    pub sequence: i64,
    /// Whether the viewer takes part in it.
    pub mine: bool,
}

/// One attendee line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendeeView {
    /// The post, or none for a 列席 unit.
    pub post_id: Option<i64>,
    /// The unit.
    pub unit_id: i64,
    /// `陈立新（东川市政府市长）`, or the unit's name.
    pub label: String,
}

/// A meeting with its attendance and what the viewer may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingDetail {
    /// The meeting.
    pub meeting: MeetingView,
    /// 出席.
    pub attend: Vec<AttendeeView>,
    /// 列席 (posts and units).
    pub observe: Vec<AttendeeView>,
    /// 工作人员.
    pub staff: Vec<AttendeeView>,
    /// Notes.
    pub notes: String,
    /// Why it was cancelled.
    pub cancel_reason: String,
    /// Whether the viewer may move, advance and cancel it.
    pub may_manage: bool,
    /// The status it advances to next, if any: (code, label).
    pub next_status: Option<(String, String)>,
    /// Whether it may still be moved or cancelled.
    pub open: bool,
}

/// One day of a week.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = meetings::DayView)]
pub struct DayView {
    /// The date (Beijing).
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// 周一 … 周日.
    pub weekday: String,
    /// Its meetings by start.
    pub meetings: Vec<MeetingView>,
}

/// A week of meetings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekView {
    /// The week's Monday.
    #[schema(value_type = String, format = Date)]
    pub monday: NaiveDate,
    /// Monday to Sunday.
    pub days: Vec<DayView>,
    /// How many meetings the week shows.
    pub count: usize,
    /// Whether the viewer may book meetings (works in an office).
    pub may_book: bool,
}

/// A room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomView {
    /// Id.
    pub id: i64,
    /// The owning office.
    pub office_id: i64,
    /// Its short name.
    pub office: String,
    /// Name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
    /// Equipment.
    pub equipment: String,
    /// Whether the viewer's office books it.
    pub bookable: bool,
}

/// A room's week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomWeek {
    /// The room.
    pub room: RoomView,
    /// The week.
    pub week: WeekView,
}

/// A meeting kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A post offered on the booking form.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = meetings::PostChoice)]
pub struct PostChoice {
    /// The post.
    pub id: i64,
    /// `陈立新（东川市政府市长）`.
    pub label: String,
}

/// What the booking form offers an office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormOptions {
    /// Kinds.
    pub kinds: Vec<KindView>,
    /// The office's rooms.
    pub rooms: Vec<RoomView>,
    /// The organising units: the office and its sections.
    pub organisers: Vec<PostChoice>,
    /// Chairs and 出席/列席 posts: the leaders.
    pub leaders: Vec<PostChoice>,
    /// 工作人员: the office's posts.
    pub staff: Vec<PostChoice>,
    /// 列席 units.
    pub units: Vec<PostChoice>,
    /// The 密级 the booker may give (up to their clearance): (code, label).
    pub classifications: Vec<(String, String)>,
}

/// Which meetings a week lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeekScope {
    /// Every meeting the viewer sees.
    #[default]
    All,
    /// 我的会议: those the viewer takes part in.
    Mine,
}

impl Meetings<'_> {
    /// The office staff's right to book, for an actor acting in an office or one of its
    /// sections; refused to anyone else.
    pub async fn as_office<'b>(&self, actor: &'b Actor) -> Result<OfficeCap<'b>> {
        require(actor, Permission::FlowWork)?;
        self.office_cap(actor)
            .await?
            .ok_or_else(|| ServiceError::Forbidden("只有办公厅（室）的工作人员可以安排会议".into()))
    }

    /// The right if the actor has it (for what a page offers).
    pub(crate) async fn office_cap<'b>(&self, actor: &'b Actor) -> Result<Option<OfficeCap<'b>>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(None);
        };
        if !actor.has(Permission::FlowWork) {
            return Ok(None);
        }
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        // The nearest organ at or above the post must be an office (办公厅/办公室).
        let office = chain
            .office()
            .filter(|o| o.kind == xn_domain::org::UnitKind::Office);
        Ok(office.map(|o| OfficeCap {
            actor,
            post: post.id,
            office: o.id,
            clearance: post.clearance,
        }))
    }

    async fn viewer(&self, actor: &Actor) -> Result<Viewer> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        Ok(Viewer {
            post: post.id,
            clearance: post.clearance,
            chain,
            principals: Vec::new(),
        })
    }

    /// The viewer at `now`, with the posts it acts for through a 委托 window then.
    async fn viewer_at(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Viewer> {
        let mut viewer = self.viewer(actor).await?;
        viewer.principals =
            xn_store::flow::principals_of(self.svc.db(), viewer.post, ms(now)).await?;
        Ok(viewer)
    }

    async fn labels(&self, rows: &[MeetingRow]) -> Result<Vec<(i64, String)>> {
        let mut chairs: Vec<i64> = rows.iter().map(|m| m.chair_post_id).collect();
        chairs.sort_unstable();
        chairs.dedup();
        Ok(store::post_labels(self.svc.db(), &chairs).await?)
    }

    fn view(
        m: &MeetingRow,
        labels: &[(i64, String)],
        mine: bool,
        hidden: bool,
    ) -> Result<MeetingView> {
        let status = status_of(m)?;
        let place_kind = PlaceKind::from_code(&m.place_kind).unwrap_or_default();
        let place = match place_kind {
            PlaceKind::Room => m.room_name.clone().unwrap_or_default(),
            PlaceKind::Venue => m.venue.clone(),
            PlaceKind::Video => "视频会议".to_owned(),
        };
        let c = clearance_of(&m.classification);
        Ok(MeetingView {
            id: m.id,
            kind: if hidden {
                String::new()
            } else {
                m.kind_name.clone()
            },
            title: if hidden {
                "已预订".to_owned()
            } else {
                m.title.clone()
            },
            hidden,
            organiser: if hidden {
                String::new()
            } else {
                m.organiser_name.clone()
            },
            chair_post_id: m.chair_post_id,
            chair: if hidden {
                String::new()
            } else {
                labels
                    .iter()
                    .find(|(id, _)| *id == m.chair_post_id)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default()
            },
            starts_at: from_ms(m.starts_at),
            ends_at: from_ms(m.ends_at),
            place_kind: place_kind.code().to_owned(),
            room_id: m.room_id,
            place,
            venue: if hidden {
                String::new()
            } else {
                m.venue.clone()
            },
            classification: c.code().to_owned(),
            classification_label: c.label().to_owned(),
            status: status.code().to_owned(),
            status_label: status.label().to_owned(),
            sequence: m.sequence,
            mine,
        })
    }

    fn week_of(monday: NaiveDate, meetings: Vec<MeetingView>, may_book: bool) -> WeekView {
        let count = meetings.len();
        let days = (0..7)
            .map(|i| {
                let date = monday + Duration::days(i);
                DayView {
                    date,
                    weekday: WEEKDAYS
                        .get(usize::try_from(i).unwrap_or(0))
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    meetings: meetings
                        .iter()
                        .filter(|m| beijing_date(m.starts_at) == date)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        WeekView {
            monday,
            days,
            count,
            may_book,
        }
    }

    fn week_span(monday: NaiveDate) -> (i64, i64) {
        let start = from_beijing(monday.and_time(chrono::NaiveTime::MIN));
        (ms(start), ms(start + Duration::days(7)))
    }

    /// The week (of `date`, Beijing) of meetings the viewer sees, or only their own.
    pub async fn week(&self, actor: &Actor, date: NaiveDate, scope: WeekScope) -> Result<WeekView> {
        let viewer = self.viewer(actor).await?;
        let monday = monday_of(date);
        let (from, to) = Self::week_span(monday);
        let rows = store::meetings_between(self.svc.db(), from, to).await?;
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let attendees = store::attendees_of(self.svc.db(), &ids).await?;
        let rows: Vec<MeetingRow> = rows
            .into_iter()
            .filter(|m| viewer.sees(m, &attendees))
            .filter(|m| scope == WeekScope::All || viewer.takes_part(m, &attendees))
            .collect();
        let labels = self.labels(&rows).await?;
        let views = rows
            .iter()
            .map(|m| Self::view(m, &labels, viewer.takes_part(m, &attendees), false))
            .collect::<Result<Vec<_>>>()?;
        let may_book = self.office_cap(actor).await?.is_some();
        Ok(Self::week_of(monday, views, may_book))
    }

    /// A meeting, for a viewer who sees it; a meeting they do not see answers as missing.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<MeetingDetail> {
        let viewer = self.viewer(actor).await?;
        self.detail(actor, viewer, id).await
    }

    /// The same at `now`: a post acting for an attendee through a 委托 window sees it too.
    pub async fn get_at(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<MeetingDetail> {
        let viewer = self.viewer_at(actor, now).await?;
        self.detail(actor, viewer, id).await
    }

    /// [`Meetings::get_at`] as the meeting's page and the API read it: a read of a classified
    /// meeting and a refused read are recorded for the auditor (`crate::reads`).
    pub async fn read_at(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<MeetingDetail> {
        let got = self.get_at(actor, id, now).await;
        self.svc
            .record_read(actor, crate::reads::ReadOf::Meeting, id, got, now)
            .await
    }

    async fn detail(&self, actor: &Actor, viewer: Viewer, id: i64) -> Result<MeetingDetail> {
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
        if !viewer.sees(&m, &attendees) {
            return Err(ServiceError::NotFound("会议"));
        }
        let labels = self.labels(std::slice::from_ref(&m)).await?;
        let status = status_of(&m)?;
        let may_manage = viewer.manages(&m) && self.office_cap(actor).await?.is_some();
        let lines = |role: AttendRole| -> Vec<AttendeeView> {
            attendees
                .iter()
                .filter(|a| a.role == role.code())
                .map(|a| AttendeeView {
                    post_id: a.post_id,
                    unit_id: a.unit_id,
                    label: if a.post_id.is_some() && !a.proxy_for.is_empty() {
                        format!(
                            "{}（{}{}，代{}）",
                            a.person_name, a.unit_name, a.post_title, a.proxy_for
                        )
                    } else if a.post_id.is_some() {
                        format!("{}（{}{}）", a.person_name, a.unit_name, a.post_title)
                    } else {
                        a.unit_name.clone()
                    },
                })
                .collect()
        };
        Ok(MeetingDetail {
            meeting: Self::view(&m, &labels, viewer.takes_part(&m, &attendees), false)?,
            attend: lines(AttendRole::Attend),
            observe: lines(AttendRole::Observe),
            staff: lines(AttendRole::Staff),
            notes: m.notes.clone(),
            cancel_reason: m.cancel_reason.clone(),
            may_manage,
            next_status: status
                .next()
                .map(|s| (s.code().to_owned(), s.label().to_owned())),
            open: status.is_open(),
        })
    }

    /// Every room, marked bookable for the viewer's office.
    pub async fn rooms(&self, actor: &Actor) -> Result<Vec<RoomView>> {
        self.viewer(actor).await?;
        let office = self.office_cap(actor).await?.map(|c| c.office);
        Ok(store::list_rooms(self.svc.db())
            .await?
            .into_iter()
            .map(|r| room_view(r, office))
            .collect())
    }

    /// A room's week: the meetings the viewer sees by name, the others as 已预订 (the time is
    /// taken, nothing more is said).
    pub async fn room_week(&self, actor: &Actor, room: i64, date: NaiveDate) -> Result<RoomWeek> {
        let viewer = self.viewer(actor).await?;
        let office = self.office_cap(actor).await?.map(|c| c.office);
        let r = store::find_room(self.svc.db(), room)
            .await
            .map_err(ServiceError::missing("会议室"))?;
        let monday = monday_of(date);
        let (from, to) = Self::week_span(monday);
        let rows: Vec<MeetingRow> = store::room_meetings_between(self.svc.db(), room, from, to)
            .await?
            .into_iter()
            .filter(|m| m.status != MeetingStatus::Cancelled.code())
            .collect();
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let attendees = store::attendees_of(self.svc.db(), &ids).await?;
        let labels = self.labels(&rows).await?;
        let views = rows
            .iter()
            .map(|m| {
                let sees = viewer.sees(m, &attendees);
                Self::view(m, &labels, viewer.takes_part(m, &attendees), !sees)
            })
            .collect::<Result<Vec<_>>>()?;
        let may_book = office.is_some_and(|o| o == r.office_id);
        Ok(RoomWeek {
            room: room_view(r, office),
            week: Self::week_of(monday, views, may_book),
        })
    }

    /// Every meeting kind.
    pub async fn kinds(&self, actor: &Actor) -> Result<Vec<KindView>> {
        self.viewer(actor).await?;
        Ok(store::list_kinds(self.svc.db())
            .await?
            .into_iter()
            .map(|k| KindView {
                id: k.id,
                name: k.name,
            })
            .collect())
    }

    /// What the booking form offers the office.
    pub async fn form_options(&self, cap: &OfficeCap<'_>) -> Result<FormOptions> {
        let db = self.svc.db();
        let label = |p: &store::PostOption| PostChoice {
            id: p.id,
            label: format!("{}（{}{}）", p.person_name, p.unit_name, p.title),
        };
        let units = xn_store::org::list_units(db).await?;
        Ok(FormOptions {
            kinds: self.kinds(cap.actor).await?,
            rooms: store::list_rooms(db)
                .await?
                .into_iter()
                .filter(|r| r.office_id == cap.office)
                .map(|r| room_view(r, Some(cap.office)))
                .collect(),
            organisers: units
                .iter()
                .filter(|u| u.id == cap.office || u.parent_id == Some(cap.office))
                .map(|u| PostChoice {
                    id: u.id,
                    label: u.short_name.clone(),
                })
                .collect(),
            leaders: store::leader_options(db, LEADER_RANK)
                .await?
                .iter()
                .map(label)
                .collect(),
            staff: store::office_post_options(db, cap.office)
                .await?
                .iter()
                .map(label)
                .collect(),
            units: units
                .iter()
                .filter(|u| {
                    matches!(u.kind.as_str(), "government" | "office" | "bureau")
                        && u.id != cap.office
                })
                .map(|u| PostChoice {
                    id: u.id,
                    label: u.short_name.clone(),
                })
                .collect(),
            classifications: Clearance::ALL
                .into_iter()
                .filter(|c| cap.clearance.may_see(*c))
                .map(|c| (c.code().to_owned(), c.label().to_owned()))
                .collect(),
        })
    }
}

/// Positions ranked at or above this (领导 10, 主任 20, 副主任 30) chair and attend meetings.
const LEADER_RANK: i64 = 30;

fn room_view(r: store::RoomRow, office: Option<i64>) -> RoomView {
    RoomView {
        bookable: office == Some(r.office_id),
        id: r.id,
        office_id: r.office_id,
        office: r.office_name,
        name: r.name,
        capacity: r.capacity,
        equipment: r.equipment,
    }
}
