//! 会议通知 and 回执: the organising office sends a meeting's notice once, with a reply deadline
//! (回执截止); every invited 出席 and 列席 post and 列席 unit cleared for the meeting gets it on
//! its workbench and replies 参加, 请假 (with a reason, which the office approves or refuses) or
//! 委托 (a named post of the same unit attends in its place); the office sees who replied what
//! and urges (催办) those who have not. A reply after the deadline is taken and marked late. A
//! meeting moved or cancelled after its notice tells every recipient again.
//!
//! **Who may do what** is decided here, not by the pages: sending, urging and deciding a 请假
//! need the organising office's right over the meeting (`Meetings::managed`); a reply is taken
//! only from the post invited, a post acting for it through a 委托 window of the flow engine
//! (`proxies`), or, for an invited unit, a post of that unit — each cleared for the meeting.
//!
//! **A second send is refused** (409 `meetings.notice_sent`): the notice carries its deadline
//! and the recipients were told once; a change of time or place reaches them through the move,
//! which notifies them again. The notice is a plain one written on the meeting, or goes out by
//! the 核发 of a 通知 document drafted through the documents area (`notice_document`); both
//! deliver through [`Meetings::deliver_notice`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::{AttendRole, LeaveStatus, MeetingStatus, RsvpAnswer};
use xn_domain::org::Clearance;
use xn_store::Tx;
use xn_store::meetings::notices::{self as nstore, NoticeRow, ReplyRow};
use xn_store::meetings::{self as store, MeetingRow};

use super::book::{audit, parse_time};
use super::{Meetings, PostChoice, Viewer, beijing, clearance_of, span_text, status_of, tell};
use crate::events::Audit;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// The notice to send.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NoticeInput {
    /// 通知内容.
    #[serde(default)]
    pub body: String,
    /// 回执截止: Beijing wall-clock (`2026-11-30 17:00`) or RFC 3339.
    #[serde(default)]
    pub reply_by: String,
}

/// A notice to deliver: its text, reply deadline (epoch ms), sender and, when it goes out by
/// the 核发 of a 通知 document, that document.
pub(super) struct Delivery<'a> {
    pub(super) body: &'a str,
    pub(super) reply_by: i64,
    pub(super) sender: i64,
    pub(super) document: Option<i64>,
}

/// A reply (回执).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReplyInput {
    /// The reply row answered; may be left out when the caller answers exactly one.
    #[serde(default)]
    pub reply_id: Option<i64>,
    /// `attend` (参加), `leave` (请假) or `proxy` (委托).
    #[serde(default)]
    pub answer: String,
    /// The reason (required for 请假).
    #[serde(default)]
    pub reason: String,
    /// For 委托: the post (of the recipient's unit) that attends instead.
    #[serde(default)]
    pub proxy_post_id: Option<i64>,
}

/// The organising office's decision on a 请假.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LeaveDecision {
    /// `approve` (准假) or `refuse` (不准假).
    #[serde(default)]
    pub decision: String,
    /// A note (required to refuse).
    #[serde(default)]
    pub note: String,
}

/// An urge (催办) of those who have not replied.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = meetings::UrgeInput)]
pub struct UrgeInput {
    /// The message; a plain reminder when empty.
    #[serde(default)]
    pub message: String,
}

/// What a send did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendOutcome {
    /// How many recipients (posts and units) the notice reached.
    pub delivered: usize,
    /// Those it did not reach, each with the reason (not cleared for the meeting, or no
    /// active post).
    pub skipped: Vec<String>,
}

/// A sent notice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    /// `plain` (written on the meeting) or `document` (sent by the 核发 of a 通知 document).
    pub form: String,
    /// The 通知 document, for the form `document`.
    pub document_id: Option<i64>,
    /// Its text.
    pub body: String,
    /// 回执截止.
    #[schema(value_type = String, format = DateTime)]
    pub reply_by: DateTime<Utc>,
    /// Whether the deadline has passed.
    pub past_deadline: bool,
    /// Sent by.
    pub sent_by: String,
    /// Sent at.
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: DateTime<Utc>,
}

/// One recipient's line of the reply table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyView {
    /// The reply row.
    pub id: i64,
    /// `attend` or `observe`.
    pub role: String,
    /// 出席 / 列席.
    pub role_label: String,
    /// The recipient as a line (a post, or a unit).
    pub recipient: String,
    /// The invited post.
    pub post_id: Option<i64>,
    /// The invited unit.
    pub unit_id: Option<i64>,
    /// `attend`, `leave`, `proxy`; none until replied.
    pub answer: Option<String>,
    /// 参加 / 请假 / 委托 / 未回执.
    pub answer_label: String,
    /// The reason or note given.
    pub reason: String,
    /// 委托: the post attending instead.
    pub proxy_post_id: Option<i64>,
    /// That post as a line.
    pub proxy: Option<String>,
    /// Who replied, when not the invited post itself.
    pub replied_by: Option<String>,
    /// When.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub replied_at: Option<DateTime<Utc>>,
    /// Replied after the deadline.
    pub late: bool,
    /// For 请假: `pending`, `approved`, `refused`.
    pub leave_status: Option<String>,
    /// 待审批 / 已准假 / 不准假.
    pub leave_label: String,
    /// The office's note on its decision.
    pub leave_note: String,
    /// Times urged.
    pub urge_count: i64,
    /// For one invited to sit in for a 议题 only: which, and when.
    pub for_topics: Vec<String>,
}

/// The organiser's reply table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyTable {
    /// The notice.
    pub notice: NoticeView,
    /// Every recipient, 出席 first.
    pub replies: Vec<ReplyView>,
    /// How many replied 参加.
    pub attending: usize,
    /// 请假.
    pub on_leave: usize,
    /// 委托.
    pub by_proxy: usize,
    /// Not replied.
    pub missing: usize,
    /// Replied late.
    pub late: usize,
    /// Whether an urge may be sent now (someone has not replied and the meeting has not begun).
    pub may_urge: bool,
}

/// A reply row the viewer may answer, with the posts it may name for 委托.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyReply {
    /// The row, as replied so far.
    pub reply: ReplyView,
    /// Posts of the recipient's unit that may attend in its place.
    pub proxy_choices: Vec<PostChoice>,
    /// For one invited to sit in for a 议题 only: which, and when (`列席议题《…》（…）`).
    pub for_topics: Vec<String>,
}

/// The notice as the viewer sees it, with what they may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticePart {
    /// The notice, once sent.
    pub notice: Option<NoticeView>,
    /// Whether the viewer may send it (the organising office, while 筹备中 and no 通知 document
    /// was drafted); the same right drafts the 通知 document instead.
    pub may_send: bool,
    /// The meeting's 通知 document being drafted and issued, if the notice goes out that way.
    pub document: Option<NoticeDocumentView>,
    /// Whether the meeting summons anyone outside the office's own government (another
    /// government's posts or units): its notice is then best sent as a 通知 document.
    pub summons_outside: bool,
    /// A suggested text for the notice (for the form).
    pub suggested_body: String,
    /// A suggested deadline, Beijing `YYYY-MM-DD HH:MM`: 17:00 the day before the meeting.
    pub suggested_reply_by: String,
    /// The rows the viewer answers (as the invited post, for it, or for an invited unit).
    pub mine: Vec<MyReply>,
    /// Whether replies are still taken (notified, not begun).
    pub may_reply: bool,
}

/// A meeting's 通知 document while it is being drafted, signed off and issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeDocumentView {
    /// The document.
    pub document_id: i64,
    /// Its title.
    pub title: String,
    /// Its status in words (草稿, 审核中 …).
    pub status_label: String,
    /// The reply deadline its 核发 will send.
    #[schema(value_type = String, format = DateTime)]
    pub reply_by: DateTime<Utc>,
}

/// A reply the acting post owes, on its workbench.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwaitingView {
    /// The meeting.
    pub meeting_id: i64,
    /// The reply row.
    pub reply_id: i64,
    /// The meeting's title.
    pub title: String,
    /// `12月1日 09:00—11:00` (Beijing).
    pub when: String,
    /// 回执截止.
    #[schema(value_type = String, format = DateTime)]
    pub reply_by: DateTime<Utc>,
    /// Whether the deadline has passed.
    pub past_deadline: bool,
    /// Times urged.
    pub urge_count: i64,
    /// Whom the viewer answers for, when not their own post: a unit, or a post they act for.
    pub on_behalf_of: Option<String>,
}

/// Why recipients are told again.
pub(super) enum Renotice<'a> {
    /// Moved to a new time (and perhaps room).
    Moved,
    /// Cancelled, with the reason.
    Cancelled(&'a str),
}

/// `12月1日 17:00`, Beijing.
pub(super) fn moment_text(t_ms: i64) -> String {
    beijing(from_ms(t_ms))
        .format("%-m月%-d日 %H:%M")
        .to_string()
}

fn notice_view(n: &NoticeRow, now: DateTime<Utc>) -> NoticeView {
    NoticeView {
        form: n.form.clone(),
        document_id: n.document_id,
        body: n.body.clone(),
        reply_by: from_ms(n.reply_by),
        past_deadline: ms(now) > n.reply_by,
        sent_by: n.sent_by.clone(),
        sent_at: from_ms(n.sent_at),
    }
}

pub(super) fn reply_view(r: &ReplyRow) -> ReplyView {
    let role = AttendRole::from_code(&r.role).unwrap_or(AttendRole::Observe);
    let answer = r.answer.as_deref().and_then(RsvpAnswer::from_code);
    let leave = r.leave_status.as_deref().and_then(LeaveStatus::from_code);
    ReplyView {
        id: r.id,
        role: role.code().to_owned(),
        role_label: role.label().to_owned(),
        recipient: r.recipient.clone(),
        post_id: r.post_id,
        unit_id: r.unit_id,
        answer: answer.map(|a| a.code().to_owned()),
        answer_label: answer.map_or("未回执", RsvpAnswer::label).to_owned(),
        reason: r.reason.clone(),
        proxy_post_id: r.proxy_post_id,
        proxy: r.proxy.clone(),
        replied_by: r
            .replied_by
            .clone()
            .filter(|_| r.replied_by_post_id.is_some() && r.replied_by_post_id != r.post_id),
        replied_at: r.replied_at.map(from_ms),
        late: r.late != 0,
        leave_status: leave.map(|l| l.code().to_owned()),
        leave_label: leave.map(LeaveStatus::label).unwrap_or_default().to_owned(),
        leave_note: r.leave_note.clone(),
        urge_count: r.urge_count,
        for_topics: Vec::new(),
    }
}

pub(super) fn the_text(field: &'static str, what: &str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(ServiceError::invalid(
            field,
            format!("{what}不超过 {max} 字"),
        ));
    }
    Ok(s.to_owned())
}

pub(super) fn not_taking_replies(m: &MeetingRow, status: MeetingStatus) -> ServiceError {
    ServiceError::Conflict {
        code: "meetings.state",
        message: if status == MeetingStatus::Preparing {
            "会议通知尚未发出".to_owned()
        } else {
            format!("《{}》{}，不再受理回执", m.title, status.label())
        },
    }
}

impl Meetings<'_> {
    /// The posts a unit's notice goes to: its most senior active posts cleared for `level`
    /// (the head of the unit; several when they share the rank).
    pub(super) async fn unit_heads(
        &self,
        tx: &mut Tx,
        unit: i64,
        level: Clearance,
    ) -> Result<Vec<i64>> {
        let posts = nstore::unit_posts_by_rank(tx, unit).await?;
        let cleared: Vec<&(i64, String, i64)> = posts
            .iter()
            .filter(|(_, c, _)| clearance_of(c).may_see(level))
            .collect();
        let Some(top) = cleared.first().map(|p| p.2) else {
            return Ok(Vec::new());
        };
        Ok(cleared
            .into_iter()
            .filter(|p| p.2 == top)
            .map(|p| p.0)
            .collect())
    }

    /// Sends the meeting's notice (筹备中 → 已通知) to every invited 出席 and 列席 post and 列席
    /// unit cleared for it, with the reply deadline; a post not cleared (or no longer active),
    /// or a unit with no cleared post, is not sent it and is named in the answer.
    pub async fn send_notice(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoticeInput,
        now: DateTime<Utc>,
    ) -> Result<SendOutcome> {
        let (cap, m) = self.managed(actor, id).await?;
        let body = the_text("body", "通知内容", &input.body, 2000)?;
        if body.is_empty() {
            return Err(ServiceError::invalid("body", "请填写通知内容"));
        }
        if input.reply_by.trim().is_empty() {
            return Err(ServiceError::invalid("reply_by", "请填写回执截止时间"));
        }
        let reply_by = parse_time("reply_by", &input.reply_by)?;
        if reply_by <= now {
            return Err(ServiceError::invalid("reply_by", "回执截止时间应晚于现在"));
        }
        if ms(reply_by) > m.starts_at {
            return Err(ServiceError::invalid(
                "reply_by",
                "回执截止时间不能晚于会议开始时间",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        if nstore::notice_document_of_tx(&mut tx, id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_document",
                message: "会议通知已起草为通知公文，核发后即发出，不再另发普通通知".into(),
            });
        }
        let out = self
            .deliver_notice(
                &mut tx,
                &m,
                &Delivery {
                    body: &body,
                    reply_by: ms(reply_by),
                    sender: cap.post,
                    document: None,
                },
                &audit(actor),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sends a meeting's notice inside the caller's transaction: one reply row per cleared
    /// recipient, their notifications, the notice row, the meeting 筹备中 → 已通知 and the event.
    /// Refused when a notice is already out or the meeting no longer waits for one. Used by the
    /// plain send and by the 核发 of the meeting's 通知 document.
    pub(super) async fn deliver_notice(
        &self,
        tx: &mut Tx,
        m: &MeetingRow,
        d: &Delivery<'_>,
        who: &Audit<'_>,
        now: DateTime<Utc>,
    ) -> Result<SendOutcome> {
        let id = m.id;
        let reply_by = from_ms(d.reply_by);
        let level = clearance_of(&m.classification);
        let current = store::find_meeting_tx(tx, id).await?;
        let status = status_of(&current)?;
        if nstore::find_notice_tx(tx, id).await?.is_some() || !status.may_send_notice() {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_sent",
                message: if status == MeetingStatus::Cancelled {
                    "会议已取消，不能发送通知".to_owned()
                } else {
                    "会议通知已经发出，不再重复发送；调整时间或取消会议时会再次通知参会人员"
                        .to_owned()
                },
            });
        }
        let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
        let mut delivered = 0;
        let mut skipped = Vec::new();
        let mut told: Vec<i64> = Vec::new();
        let when = span_text(m.starts_at, m.ends_at);
        let message = format!(
            "会议通知：《{}》，{}，{}。请于{}前回执。",
            m.title,
            when,
            m.room_name.clone().unwrap_or_else(|| m.venue.clone()),
            moment_text(ms(reply_by))
        );
        for a in attendees.iter().filter(|a| a.proxy_for.is_empty()) {
            let Some(role) = AttendRole::from_code(&a.role) else {
                continue;
            };
            if role == AttendRole::Staff {
                continue;
            }
            let (posts, post, unit) = match a.post_id {
                Some(p) => match store::active_post(tx, p).await? {
                    Some((_, c)) if clearance_of(&c).may_see(level) => (vec![p], Some(p), None),
                    Some((_, c)) => {
                        skipped.push(format!(
                            "{}{}（涉密等级{}，低于会议密级{}）",
                            a.person_name,
                            a.post_title,
                            clearance_of(&c).label(),
                            level.label()
                        ));
                        continue;
                    }
                    None => {
                        skipped.push(format!("{}{}（身份已停用）", a.person_name, a.post_title));
                        continue;
                    }
                },
                None => {
                    let heads = self.unit_heads(tx, a.unit_id, level).await?;
                    if heads.is_empty() {
                        skipped.push(format!(
                            "{}（没有涉密等级不低于{}的在职人员）",
                            a.unit_name,
                            level.label()
                        ));
                        continue;
                    }
                    (heads, None, Some(a.unit_id))
                }
            };
            nstore::insert_reply_row(tx, id, role.code(), post, unit).await?;
            delivered += 1;
            let lines = self.topic_lines(id, post, unit).await?;
            if !lines.is_empty() {
                // Invited for a topic only: the notice says which and when.
                let text = format!(
                    "会议通知：《{}》，{}。您仅{}，请按时到会。请于{}前回执。",
                    m.title,
                    m.room_name.clone().unwrap_or_else(|| m.venue.clone()),
                    lines.join("、"),
                    moment_text(ms(reply_by))
                );
                tell(
                    tx,
                    &posts,
                    "meeting.notice",
                    &format!("meeting:{id}"),
                    &text,
                    now,
                )
                .await?;
                continue;
            }
            for p in posts {
                if !told.contains(&p) {
                    told.push(p);
                }
            }
        }
        nstore::insert_notice(
            tx,
            &nstore::NewNotice {
                meeting_id: id,
                body: d.body,
                reply_by: d.reply_by,
                sent_by_post_id: d.sender,
                document_id: d.document,
            },
            ms(now),
        )
        .await?;
        if !store::set_status(
            tx,
            id,
            MeetingStatus::Preparing.code(),
            MeetingStatus::Notified.code(),
            "",
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::Conflict {
                code: "meetings.stale",
                message: "会议状态已被他人更改，请刷新后再试".into(),
            });
        }
        let subject = format!("meeting:{id}");
        tell(tx, &told, "meeting.notice", &subject, &message, now).await?;
        crate::events::record(
            tx,
            who,
            "meeting.notice_sent",
            Some(subject.clone()),
            json!({"meeting": id, "reply_by": d.reply_by, "document": d.document,
                   "recipients": delivered,
                   "posts_told": told, "skipped": skipped}),
            now,
        )
        .await?;
        Ok(SendOutcome { delivered, skipped })
    }

    /// The notice as the viewer sees it: its text once sent, the rows the viewer answers, and
    /// whether the viewer may send it. A meeting the viewer does not see answers as missing.
    pub async fn notice(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<NoticePart> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = self.seen(&viewer, id).await?;
        let status = status_of(&m)?;
        let notice = nstore::find_notice(self.svc.db(), id).await?;
        let document = nstore::notice_document_of(self.svc.db(), id).await?;
        let may_send = notice.is_none()
            && document.is_none()
            && status.may_send_notice()
            && viewer.manages(&m)
            && self
                .office_cap(actor)
                .await?
                .is_some_and(|c| c.office == m.office_id);
        let mut mine = Vec::new();
        if notice.is_some() {
            let rows = nstore::replies_of(self.svc.db(), id).await?;
            for r in rows.iter().filter(|r| answers(&viewer, r)) {
                let invited = invited_posts(&m, &rows, r.id);
                let choices = nstore::unit_post_options(self.svc.db(), r.recipient_unit_id)
                    .await?
                    .into_iter()
                    .filter(|p| {
                        clearance_of(&p.clearance).may_see(clearance_of(&m.classification))
                            && !invited.contains(&p.id)
                    })
                    .map(|p| PostChoice {
                        id: p.id,
                        label: format!("{}（{}{}）", p.person_name, p.unit_name, p.title),
                    })
                    .collect();
                mine.push(MyReply {
                    reply: reply_view(r),
                    proxy_choices: choices,
                    for_topics: self.topic_lines(id, r.post_id, r.unit_id).await?,
                });
            }
        }
        let day_before = beijing(from_ms(m.starts_at)).date() - Duration::days(1);
        Ok(NoticePart {
            may_reply: notice.is_some()
                && status == MeetingStatus::Notified
                && ms(now) < m.starts_at,
            notice: notice.as_ref().map(|n| notice_view(n, now)),
            may_send,
            document: match (&document, &notice) {
                (Some(d), None) => Some(self.notice_document_view(d).await?),
                _ => None,
            },
            summons_outside: self.summons_outside(&m).await?,
            suggested_body: format!(
                "定于{}在{}召开《{}》，请准时参加。请于回执截止时间前在系统中回执（参加、请假或委托他人参加）。",
                span_text(m.starts_at, m.ends_at),
                m.room_name.clone().unwrap_or_else(|| m.venue.clone()),
                m.title
            ),
            suggested_reply_by: format!("{day_before} 17:00"),
            mine,
        })
    }

    /// The meeting, for a viewer who sees it; missing otherwise.
    pub(super) async fn seen(&self, viewer: &Viewer, id: i64) -> Result<MeetingRow> {
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
        if !viewer.sees(&m, &attendees) {
            return Err(ServiceError::NotFound("会议"));
        }
        Ok(m)
    }

    /// The reply table, for the organising office.
    pub async fn replies(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<ReplyTable> {
        let (_, m) = self.managed(actor, id).await?;
        let Some(notice) = nstore::find_notice(self.svc.db(), id).await? else {
            return Err(ServiceError::Conflict {
                code: "meetings.no_notice",
                message: "会议通知尚未发出".into(),
            });
        };
        let rows = nstore::replies_of(self.svc.db(), id).await?;
        let mut replies: Vec<ReplyView> = rows.iter().map(reply_view).collect();
        for r in &mut replies {
            r.for_topics = self.topic_lines(id, r.post_id, r.unit_id).await?;
        }
        let count = |a: RsvpAnswer| {
            replies
                .iter()
                .filter(|r| r.answer.as_deref() == Some(a.code()))
                .count()
        };
        let missing = replies.iter().filter(|r| r.answer.is_none()).count();
        Ok(ReplyTable {
            notice: notice_view(&notice, now),
            attending: count(RsvpAnswer::Attend),
            on_leave: count(RsvpAnswer::Leave),
            by_proxy: count(RsvpAnswer::Proxy),
            late: replies.iter().filter(|r| r.late).count(),
            may_urge: missing > 0
                && status_of(&m)? == MeetingStatus::Notified
                && ms(now) < m.starts_at,
            missing,
            replies,
        })
    }

    /// The posts a recipient's row reaches: the invited post, or for a unit the post that
    /// replied for it (else the unit's heads); and a 委托's post too.
    pub(super) async fn targets(
        &self,
        tx: &mut Tx,
        r: &ReplyRow,
        level: Clearance,
    ) -> Result<Vec<i64>> {
        let mut out = match (r.post_id, r.unit_id, r.replied_by_post_id) {
            (Some(p), _, _) => vec![p],
            (None, Some(_), Some(by)) => vec![by],
            (None, Some(u), None) => self.unit_heads(tx, u, level).await?,
            (None, None, _) => Vec::new(),
        };
        if let Some(p) = r.proxy_post_id {
            out.push(p);
        }
        Ok(out)
    }

    /// Tells every recipient of a sent notice that the meeting moved or was cancelled, inside
    /// the change's transaction; answers how many posts were told (none before a notice).
    pub(super) async fn renotify(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
        why: Renotice<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        if nstore::find_notice_tx(tx, id).await?.is_none() {
            return Ok(0);
        }
        let m = store::find_meeting_tx(tx, id).await?;
        let level = clearance_of(&m.classification);
        let rows = nstore::replies_of_tx(tx, id).await?;
        let mut told: Vec<i64> = Vec::new();
        for r in &rows {
            for p in self.targets(tx, r, level).await? {
                if !told.contains(&p) {
                    told.push(p);
                }
            }
        }
        let (kind, message) = match why {
            Renotice::Moved => (
                "meeting.moved",
                format!(
                    "会议调整：《{}》改为{}，{}。请以此为准，回执如有变化请重新填写。",
                    m.title,
                    span_text(m.starts_at, m.ends_at),
                    m.room_name.clone().unwrap_or_else(|| m.venue.clone()),
                ),
            ),
            Renotice::Cancelled(reason) => (
                "meeting.cancelled",
                format!(
                    "会议取消：原定{}召开的《{}》已取消。原因：{}",
                    span_text(m.starts_at, m.ends_at),
                    m.title,
                    reason
                ),
            ),
        };
        let subject = format!("meeting:{id}");
        tell(tx, &told, kind, &subject, &message, now).await?;
        crate::events::record(
            tx,
            &audit(actor),
            "meeting.renotified",
            Some(subject),
            json!({"meeting": id, "why": kind, "posts_told": told}),
            now,
        )
        .await?;
        Ok(told.len())
    }
}

/// Whether the viewer answers a row: the invited post, a post it acts for, or a post within the
/// invited unit.
pub(super) fn answers(viewer: &Viewer, r: &ReplyRow) -> bool {
    match (r.post_id, r.unit_id) {
        (Some(p), _) => viewer.is(p),
        (None, Some(u)) => viewer.chain.contains(u),
        (None, None) => false,
    }
}

/// The posts already on the meeting (chair, every invited post, and the 委托 posts of rows
/// other than `row`), who cannot be named to attend in another's place.
pub(super) fn invited_posts(m: &MeetingRow, rows: &[ReplyRow], row: i64) -> Vec<i64> {
    let mut out = vec![m.chair_post_id];
    for r in rows {
        out.extend(r.post_id);
        if r.id != row {
            out.extend(r.proxy_post_id);
        }
    }
    out
}
