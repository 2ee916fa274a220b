//! 议程: the office's leader (主任 or 副主任 of the office that organises the meeting) 审定 the
//! agenda once — the screened or carried-over topics in order, each with its start and minutes,
//! checked to fit inside the meeting (a topic running past the end, before the start, or into
//! the one before it is refused, naming it). On approval each topic's 列席 posts and units are
//! invited to the meeting for that topic only (and, when the notice is already out, get their
//! own 回执 row and a notice naming the topic and its time), the topics' materials are
//! distributed to the attendees, and every reading is recorded. Materials of a 涉密 meeting are
//! withdrawn from the attendees once it has ended. A topic not reached is carried over (暂缓)
//! by the office, counted, and may be put on a later meeting's agenda.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::MeetingStatus;
use xn_domain::meetings::topics::{AgendaClash, MAX_TOPIC_MINUTES, TopicStatus, check_agenda};
use xn_domain::org::Clearance;
use xn_store::meetings::notices as nstore;
use xn_store::meetings::topics::{self as tstore, TopicRow};
use xn_store::meetings::{self as store, MeetingRow};

use super::book::{audit, parse_time};
use super::notice::the_text;
use super::topics::{TopicView, slot_text, status_of_topic, topic_view};
use super::{
    Meetings, OfficeCap, Viewer, beijing, clearance_of, from_beijing, span_text, status_of, tell,
};
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// One line of the agenda to approve.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AgendaItemInput {
    /// The topic.
    pub topic_id: i64,
    /// Its start: `10:00` on the meeting's day, or a full Beijing time or RFC 3339 instant.
    pub starts_at: String,
    /// Its minutes; default those the topic asked for.
    #[serde(default)]
    pub minutes: Option<i64>,
}

/// The agenda to approve, in order.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AgendaInput {
    /// The topics in agenda order.
    pub items: Vec<AgendaItemInput>,
}

/// Carrying a topic over (暂缓).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DeferInput {
    /// Why (未来得及研究, 材料需补充 …).
    pub reason: String,
}

/// A line the approval form suggests: the topic, a start and its minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaSuggestion {
    /// The topic.
    pub topic: TopicView,
    /// Suggested start, `HH:MM` (Beijing).
    pub start: String,
    /// Suggested minutes.
    pub minutes: i64,
}

/// A meeting's agenda as the viewer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaView {
    /// The meeting.
    pub meeting_id: i64,
    /// Whether it was approved (审定).
    pub approved: bool,
    /// By whom.
    pub approved_by: String,
    /// When.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub approved_at: Option<DateTime<Utc>>,
    /// The agenda's topics in order with their times (once approved).
    pub items: Vec<TopicView>,
    /// For the office: topics asked for this meeting not yet on it (any status).
    pub asked: Vec<TopicView>,
    /// For the leader before approval: the topics that may go on it, with suggested times.
    pub candidates: Vec<AgendaSuggestion>,
    /// Whether the viewer may approve it.
    pub may_approve: bool,
}

fn hm(t_ms: i64) -> String {
    beijing(from_ms(t_ms)).format("%H:%M").to_string()
}

/// Whether a topic may go on a meeting's agenda: of its office, screened or carried over, for
/// this meeting or for the next of its kind (or carried over from any), and not above its 密级.
fn fits(t: &TopicRow, m: &MeetingRow) -> bool {
    let Some(status) = TopicStatus::from_code(&t.status) else {
        return false;
    };
    t.office_id == m.office_id
        && status.may_schedule()
        && (t.meeting_id == Some(m.id)
            || (t.meeting_id.is_none() && t.kind_id == Some(m.kind_id))
            || status == TopicStatus::Deferred)
        && clearance_of(&m.classification).may_see(clearance_of(&t.classification))
}

impl Meetings<'_> {
    /// The leader's right over an office's agendas: an office cap held by a 主任 or 副主任
    /// sitting in the office itself (not a section).
    pub(super) async fn leader_cap<'b>(&self, actor: &'b Actor) -> Result<Option<OfficeCap<'b>>> {
        let Some(cap) = self.office_cap(actor).await? else {
            return Ok(None);
        };
        let s = xn_store::efficiency::standing(self.svc.db(), cap.post).await?;
        let leads = s.unit_id == cap.office
            && matches!(s.position.as_str(), "director" | "deputy_director");
        Ok(leads.then_some(cap))
    }

    /// Why the topic's materials are closed to the viewer, if they are: to an attendee they
    /// open once the agenda is approved and, for a 涉密 meeting, close when it has ended; its
    /// unit, its office and (before screening) its 会签 units always read them.
    pub(super) async fn materials_closed(
        &self,
        viewer: &Viewer,
        t: &TopicRow,
        insider: bool,
        _now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        if insider {
            return Ok(None);
        }
        if status_of_topic(t)?.is_draft() {
            let cosigns = tstore::cosigns_of(self.svc.db(), t.id).await?;
            if cosigns.iter().any(|c| viewer.chain.contains(c.unit_id)) {
                return Ok(None);
            }
        }
        if !self.attends_for(viewer, t).await? {
            return Ok(Some("议程审定后向参会人员分发会议材料".into()));
        }
        let Some(mid) = t.meeting_id else {
            return Ok(Some("议程审定后向参会人员分发会议材料".into()));
        };
        let m = store::find_meeting(self.svc.db(), mid).await?;
        let held = matches!(
            status_of(&m)?,
            MeetingStatus::Ended | MeetingStatus::Minuted | MeetingStatus::Cancelled
        );
        if held && clearance_of(&m.classification) != Clearance::Public {
            return Ok(Some(format!(
                "《{}》为{}会议，会议结束后会议材料已收回，不再分发阅读",
                m.title,
                clearance_of(&m.classification).label()
            )));
        }
        Ok(None)
    }

    /// A meeting's agenda: its approved topics in order, and for the office the topics asked
    /// for it, and for the leader before approval the candidates with suggested times.
    pub async fn agenda(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<AgendaView> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = self.seen(&viewer, id).await?;
        let agenda = tstore::find_agenda(self.svc.db(), id).await?;
        let office = self
            .office_cap(actor)
            .await?
            .is_some_and(|c| c.office == m.office_id);
        let rows = tstore::topics_of_meeting(self.svc.db(), id).await?;
        let seen = |t: &&TopicRow| viewer.clearance.may_see(clearance_of(&t.classification));
        let items = if agenda.is_some() || office {
            rows.iter()
                .filter(seen)
                .filter(|t| t.status == TopicStatus::Scheduled.code())
                .map(topic_view)
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let asked = if office {
            rows.iter()
                .filter(seen)
                .filter(|t| t.status != TopicStatus::Scheduled.code())
                .map(topic_view)
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let may_approve = agenda.is_none()
            && status_of(&m)?.is_open()
            && self
                .leader_cap(actor)
                .await?
                .is_some_and(|c| c.office == m.office_id);
        let mut candidates = Vec::new();
        if may_approve {
            let mut at = m.starts_at;
            let all = tstore::topics_of_office(self.svc.db(), m.office_id).await?;
            let mut fitting: Vec<&TopicRow> = all.iter().filter(|t| fits(t, &m)).collect();
            // Those asked for this meeting first, then carried over, each as submitted.
            fitting.sort_by_key(|t| (t.meeting_id != Some(m.id), t.submitted_at, t.id));
            for t in fitting {
                candidates.push(AgendaSuggestion {
                    topic: topic_view(t)?,
                    start: hm(at),
                    minutes: t.minutes,
                });
                at += t.minutes * 60_000;
            }
        }
        Ok(AgendaView {
            meeting_id: id,
            approved: agenda.is_some(),
            approved_by: agenda
                .as_ref()
                .map(|a| a.approved_by.clone())
                .unwrap_or_default(),
            approved_at: agenda.as_ref().map(|a| from_ms(a.approved_at)),
            items,
            asked,
            candidates,
            may_approve,
        })
    }

    /// The leader approves (审定) the meeting's agenda, once: see the module's note. Nothing is
    /// written on a refusal.
    pub async fn approve_agenda(
        &self,
        actor: &Actor,
        id: i64,
        input: &AgendaInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = self.seen(&viewer, id).await?;
        let cap = match self.leader_cap(actor).await? {
            Some(c) if c.office == m.office_id => c,
            _ => {
                return Err(ServiceError::Forbidden(
                    "只有承办会议的办公厅（室）主任、副主任可以审定议程".into(),
                ));
            }
        };
        let status = status_of(&m)?;
        if !status.is_open() {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: format!("会议{}，不能再审定议程", status.label()),
            });
        }
        if input.items.is_empty() {
            return Err(ServiceError::invalid("items", "请至少选择一个议题列入议程"));
        }
        let day = beijing(from_ms(m.starts_at)).date();
        let mut lines: Vec<(TopicRow, i64, i64)> = Vec::new();
        for item in &input.items {
            if lines.iter().any(|(t, _, _)| t.id == item.topic_id) {
                return Err(ServiceError::invalid("items", "同一议题只能列入一次"));
            }
            let t = tstore::find_topic(self.svc.db(), item.topic_id)
                .await
                .map_err(ServiceError::missing_input("items", "议题不存在"))?;
            if t.office_id != m.office_id
                || !viewer.clearance.may_see(clearance_of(&t.classification))
            {
                return Err(ServiceError::invalid("items", "议题不存在"));
            }
            if !fits(&t, &m) {
                return Err(ServiceError::invalid(
                    "items",
                    format!(
                        "议题《{}》{}，不能列入本次会议议程",
                        t.title,
                        if status_of_topic(&t)?.may_schedule() {
                            format!("是为{}提交的", topic_view(&t)?.target)
                        } else {
                            status_of_topic(&t)?.label().to_owned()
                        }
                    ),
                ));
            }
            let s = item.starts_at.trim();
            let start = match NaiveTime::parse_from_str(s, "%H:%M") {
                Ok(time) => from_beijing(day.and_time(time)),
                Err(_) => parse_time("starts_at", s)?,
            };
            let minutes = item.minutes.unwrap_or(t.minutes);
            if !(1..=MAX_TOPIC_MINUTES).contains(&minutes) {
                return Err(ServiceError::invalid(
                    "items",
                    format!(
                        "议题《{}》的时长应在 1 到 {MAX_TOPIC_MINUTES} 分钟之间",
                        t.title
                    ),
                ));
            }
            let start = ms(start);
            lines.push((t, start, start + minutes * 60_000));
        }
        let slots: Vec<(i64, i64)> = lines.iter().map(|(_, s, e)| (*s, *e)).collect();
        if let Err(clash) = check_agenda(m.starts_at, m.ends_at, &slots) {
            let name = |i: usize| {
                lines
                    .get(i)
                    .map(|(t, s, e)| format!("议题《{}》（{}）", t.title, span_text(*s, *e)))
                    .unwrap_or_default()
            };
            let message = match clash {
                AgendaClash::AfterEnd(i) => format!(
                    "{}超出会议结束时间 {}；请调整时间或将议题暂缓，本次未保存",
                    name(i),
                    hm(m.ends_at)
                ),
                AgendaClash::BeforeStart(i) => format!(
                    "{}早于会议开始时间 {}，本次未保存",
                    name(i),
                    hm(m.starts_at)
                ),
                AgendaClash::Overlaps(i, j) => {
                    format!("{}与上一议题{}时间重叠，本次未保存", name(i), name(j))
                }
            };
            return Err(ServiceError::Conflict {
                code: "meetings.agenda_clash",
                message,
            });
        }
        let level = clearance_of(&m.classification);
        let place = m.room_name.clone().unwrap_or_else(|| m.venue.clone());
        let mut tx = self.svc.db().begin().await?;
        if !tstore::insert_agenda(&mut tx, id, cap.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "meetings.agenda_approved",
                message: "本次会议的议程已经审定".into(),
            });
        }
        let notice_out = nstore::find_notice_tx(&mut tx, id).await?.is_some();
        let subject = format!("meeting:{id}");
        for (order, (t, start, end)) in (1_i64..).zip(&lines) {
            if !tstore::schedule_topic(&mut tx, t.id, id, order, *start, *end, ms(now), &t.status)
                .await?
            {
                return Err(ServiceError::Conflict {
                    code: "meetings.stale",
                    message: format!("议题《{}》已被他人处理，请刷新后再试", t.title),
                });
            }
            let when = span_text(*start, *end);
            tell(
                &mut tx,
                &[t.submitted_by_post_id],
                "meeting.topic_scheduled",
                &format!("topic:{}", t.id),
                &format!("议题《{}》已列入《{}》议程，{when}", t.title, m.title),
                now,
            )
            .await?;
            let invite = format!(
                "列席通知：请于{when}在{place}列席《{}》议题《{}》（仅列席该议题）。",
                m.title, t.title
            );
            for o in tstore::observers_of_tx(&mut tx, t.id).await? {
                if tstore::is_attendee(&mut tx, id, o.post_id, o.unit_id).await? {
                    continue;
                }
                tstore::insert_topic_attendee(&mut tx, id, o.post_id, o.unit_id, t.id).await?;
                if !notice_out {
                    // The notice, when sent, names the topic and its time.
                    continue;
                }
                let posts = match (o.post_id, o.unit_id) {
                    (Some(p), _) => match store::active_post(&mut tx, p).await? {
                        Some((_, c)) if clearance_of(&c).may_see(level) => vec![p],
                        _ => continue,
                    },
                    (None, Some(u)) => self.unit_heads(&mut tx, u, level).await?,
                    (None, None) => continue,
                };
                if posts.is_empty() {
                    continue;
                }
                nstore::insert_reply_row(
                    &mut tx,
                    id,
                    "observe",
                    o.post_id,
                    if o.post_id.is_some() { None } else { o.unit_id },
                )
                .await?;
                tell(&mut tx, &posts, "meeting.notice", &subject, &invite, now).await?;
            }
        }
        // The materials are distributed: every post taking part is told.
        let mut posts = vec![m.chair_post_id];
        for a in store::attendees_of(self.svc.db(), &[id]).await? {
            if let Some(p) = a.post_id
                && !posts.contains(&p)
            {
                posts.push(p);
            }
        }
        tell(
            &mut tx,
            &posts,
            "meeting.materials",
            &subject,
            &format!(
                "《{}》议程已审定（{} 个议题），会议材料已分发，请会前阅读",
                m.title,
                lines.len()
            ),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.agenda_approved",
            Some(subject.clone()),
            json!({"meeting": id, "topics": lines.iter().map(|(t, s, e)|
                json!({"topic": t.id, "start": s, "end": e})).collect::<Vec<_>>()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office carries a topic over (暂缓): screened, or on an agenda and not reached. It
    /// is counted, its unit told, and it may go on a later meeting's agenda.
    pub async fn defer_topic(
        &self,
        actor: &Actor,
        id: i64,
        input: &DeferInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (cap, t) = self.office_topic(actor, id).await?;
        let reason = the_text("reason", "暂缓理由", &input.reason, 500)?;
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请填写暂缓理由"));
        }
        let mut tx = self.svc.db().begin().await?;
        if !tstore::defer_topic(&mut tx, id, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "meetings.topic_state",
                message: format!(
                    "议题{}，只有已筛选或已列入议程的议题可以暂缓",
                    status_of_topic(&t)?.label()
                ),
            });
        }
        tstore::insert_carry(
            &mut tx,
            id,
            t.meeting_id,
            cap.office(),
            &reason,
            cap.post,
            ms(now),
        )
        .await?;
        tell(
            &mut tx,
            &[t.submitted_by_post_id],
            "meeting.topic_deferred",
            &format!("topic:{id}"),
            &format!("议题《{}》暂缓，待以后会议研究：{reason}", t.title),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_deferred",
            Some(format!("topic:{id}")),
            json!({"topic": id, "meeting": t.meeting_id, "reason": reason}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a topic's material for a viewer it is distributed to (recording the reading);
    /// refused once withdrawn.
    pub async fn material(
        &self,
        actor: &Actor,
        topic: i64,
        material: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let viewer = self.viewer_at(actor, now).await?;
        let t = self.seen_topic(&viewer, topic).await?;
        let insider = viewer.chain.unit().is_some_and(|u| u.id == t.unit_id)
            || self
                .office_cap(actor)
                .await?
                .is_some_and(|c| c.office == t.office_id);
        if let Some(note) = self.materials_closed(&viewer, &t, insider, now).await? {
            return Err(ServiceError::Forbidden(note));
        }
        let m = tstore::materials_of(self.svc.db(), topic)
            .await?
            .into_iter()
            .find(|x| x.id == material)
            .ok_or(ServiceError::NotFound("材料"))?;
        let bytes = self.svc.file_bytes(&m.hash).await?;
        let mut tx = self.svc.db().begin().await?;
        tstore::record_read(&mut tx, material, viewer.post, ms(now)).await?;
        tx.commit().await?;
        Ok(AttachmentFile {
            name: m.name,
            mime: m.mime,
            bytes,
        })
    }

    /// The lines naming the topics a post or unit is invited to sit in for (empty when it is
    /// invited to the whole meeting): `列席议题《…》（12月1日 10:00—10:30）`.
    pub(super) async fn topic_lines(
        &self,
        meeting: i64,
        post: Option<i64>,
        unit: Option<i64>,
    ) -> Result<Vec<String>> {
        Ok(tstore::topic_invites(self.svc.db(), meeting)
            .await?
            .into_iter()
            .filter(|i| {
                (post.is_some() && i.post_id == post) || (unit.is_some() && i.unit_id == unit)
            })
            .map(|i| {
                let when = slot_text(i.slot_start, i.slot_end);
                if when.is_empty() {
                    format!("列席议题《{}》", i.title)
                } else {
                    format!("列席议题《{}》（{when}）", i.title)
                }
            })
            .collect())
    }
}
