//! Booking a meeting and changing it: the clash rule (a room, or a leader, in two meetings at
//! once), moves, the status, cancellation; and the rooms and kinds the office keeps.
//!
//! **The clash rule holds under concurrency.** Every booking or move takes, inside its write
//! transaction and before it looks for clashes, the lock rows of its room and of each leader's
//! post (`meeting_locks`, in sorted order, so two bookings never wait on each other crosswise).
//! On PostgreSQL the upsert holds the row's lock until commit, so a second booking of the same
//! room or leader waits, then (read committed: each statement sees what committed before it)
//! finds the first and is refused. SQLite's write transactions are serial (`BEGIN IMMEDIATE`).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::{MAX_HOURS, MeetingStatus, PlaceKind};
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;
use xn_store::meetings::{self as store, MeetingRow};

use super::notice::Renotice;
use super::{Meetings, OfficeCap, clearance_of, from_beijing, span_text, status_of};
use crate::events::Audit;
use crate::{Actor, Result, ServiceError, ms, require};

/// A meeting to book. Times are Beijing wall-clock (`2026-12-01T09:00` or `2026-12-01 09:00`)
/// or RFC 3339 instants with an offset.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MeetingInput {
    /// 会议类型.
    pub kind_id: i64,
    /// 会议名称.
    pub title: String,
    /// 承办单位: the office or one of its sections.
    pub organiser_unit_id: i64,
    /// 主持: the chair's post.
    pub chair_post_id: i64,
    /// Start.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// `room` (default), `venue` or `video`.
    #[serde(default)]
    pub place_kind: String,
    /// The room, for `room`.
    #[serde(default)]
    pub room_id: Option<i64>,
    /// The outside venue, or the video link.
    #[serde(default)]
    pub venue: String,
    /// 出席 posts.
    #[serde(default)]
    pub attend_posts: Vec<i64>,
    /// 列席 posts.
    #[serde(default)]
    pub observe_posts: Vec<i64>,
    /// 列席 units.
    #[serde(default)]
    pub observe_units: Vec<i64>,
    /// 工作人员 posts.
    #[serde(default)]
    pub staff_posts: Vec<i64>,
    /// 密级: public (default), secret, confidential, top_secret.
    #[serde(default)]
    pub classification: String,
    /// 备注.
    #[serde(default)]
    pub notes: String,
}

/// A move: new times, and for a meeting in a room, perhaps another room of the office.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = meetings::MoveInput)]
pub struct MoveInput {
    /// New start (as for booking).
    pub starts_at: String,
    /// New end.
    pub ends_at: String,
    /// Another room; none keeps the room.
    #[serde(default)]
    pub room_id: Option<i64>,
}

/// A room to add to the office.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RoomInput {
    /// Name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
    /// Equipment.
    #[serde(default)]
    pub equipment: String,
}

/// Reads a time as the pages and the API give it.
pub(crate) fn parse_time(field: &'static str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(from_beijing(t));
        }
    }
    Err(ServiceError::invalid(
        field,
        if s.is_empty() {
            "请填写会议时间".to_owned()
        } else {
            format!("时间“{s}”无法识别，请按“2026-12-01 09:00”填写")
        },
    ))
}

fn check_span(starts: DateTime<Utc>, ends: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if ends <= starts {
        return Err(ServiceError::invalid("ends_at", "结束时间应晚于开始时间"));
    }
    if ends - starts > Duration::hours(MAX_HOURS) {
        return Err(ServiceError::invalid(
            "ends_at",
            format!("一次会议不超过 {MAX_HOURS} 小时"),
        ));
    }
    if starts < now - Duration::hours(1) {
        return Err(ServiceError::invalid(
            "starts_at",
            "不能把会议安排在已经过去的时间",
        ));
    }
    Ok(())
}

fn dedup(v: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(*x);
        }
    }
    out
}

pub(super) fn audit(actor: &Actor) -> Audit<'_> {
    Audit {
        person_id: Some(actor.person_id),
        post_id: actor.post_id(),
        ip: actor.ip.as_deref(),
    }
}

impl Meetings<'_> {
    /// Books a meeting (筹备中) for the cap's office: every field checked, the room and the
    /// leaders free at that time; nothing is written on a refusal.
    pub async fn book(
        &self,
        cap: &OfficeCap<'_>,
        input: &MeetingInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.svc.db().begin().await?;
        let id = self.book_in(&mut tx, cap, input, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The same inside the caller's transaction (a 会议申请 approved books its meeting and
    /// decides the request in one).
    pub(super) async fn book_in(
        &self,
        tx: &mut Tx,
        cap: &OfficeCap<'_>,
        input: &MeetingInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let title = input.title.trim();
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写会议名称"));
        }
        if title.chars().count() > 100 {
            return Err(ServiceError::invalid("title", "会议名称不超过 100 字"));
        }
        if input.notes.chars().count() > 2000 {
            return Err(ServiceError::invalid("notes", "备注不超过 2000 字"));
        }
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        check_span(starts, ends, now)?;
        let classification = if input.classification.trim().is_empty() {
            Clearance::Public
        } else {
            input
                .classification
                .parse::<Clearance>()
                .map_err(|_| ServiceError::invalid("classification", "密级无法识别"))?
        };
        if !cap.clearance.may_see(classification) {
            return Err(ServiceError::invalid(
                "classification",
                format!(
                    "会议密级（{}）高于您的涉密等级（{}）",
                    classification.label(),
                    cap.clearance.label()
                ),
            ));
        }
        let place = if input.place_kind.trim().is_empty() {
            PlaceKind::Room
        } else {
            PlaceKind::from_code(input.place_kind.trim())
                .ok_or_else(|| ServiceError::invalid("place_kind", "会议地点类型无法识别"))?
        };
        let venue = input.venue.trim();
        if venue.chars().count() > 200 {
            return Err(ServiceError::invalid("venue", "地点或链接不超过 200 字"));
        }
        match place {
            PlaceKind::Room if input.room_id.is_none() => {
                return Err(ServiceError::invalid("room_id", "请选择会议室"));
            }
            PlaceKind::Venue if venue.is_empty() => {
                return Err(ServiceError::invalid("venue", "请填写会议地点"));
            }
            PlaceKind::Video
                if !(venue.starts_with("https://") || venue.starts_with("http://")) =>
            {
                return Err(ServiceError::invalid(
                    "venue",
                    "请填写视频会议链接（以 https:// 开头）",
                ));
            }
            _ => {}
        }
        let room = if place == PlaceKind::Room {
            input.room_id
        } else {
            None
        };
        let attend = dedup(&input.attend_posts);
        let observe = dedup(&input.observe_posts);
        let units = dedup(&input.observe_units);
        let staff = dedup(&input.staff_posts);

        let kinds = store::list_kinds(self.svc.db()).await?;
        if !kinds.iter().any(|k| k.id == input.kind_id) {
            return Err(ServiceError::invalid("kind_id", "请选择会议类型"));
        }
        if !self
            .svc
            .is_within(tx, input.organiser_unit_id, cap.office)
            .await
            .or_else(|e| match e {
                ServiceError::NotFound(_) => Ok(false),
                other => Err(other),
            })?
        {
            return Err(ServiceError::invalid(
                "organiser_unit_id",
                "承办单位应是本办或本办的科室",
            ));
        }
        if let Some(r) = room {
            self.check_room(tx, cap, r).await?;
        }
        // Every post named must be active and cleared for the meeting.
        let mut named = vec![("chair_post_id", "主持人", input.chair_post_id)];
        named.extend(attend.iter().map(|p| ("attend_posts", "出席人员", *p)));
        named.extend(observe.iter().map(|p| ("observe_posts", "列席人员", *p)));
        named.extend(staff.iter().map(|p| ("staff_posts", "工作人员", *p)));
        for (field, what, post) in &named {
            self.check_post(tx, field, what, *post, classification)
                .await?;
        }
        for u in &units {
            if !store::unit_exists(tx, *u).await? {
                return Err(ServiceError::invalid("observe_units", "列席单位不存在"));
            }
        }
        let mut leaders = vec![input.chair_post_id];
        leaders.extend(attend.iter().copied());
        let leaders = dedup(&leaders);
        self.check_clashes(tx, cap, 0, ms(starts), ms(ends), room, &leaders)
            .await?;
        let id = store::insert_meeting(
            tx,
            &store::NewMeeting {
                kind_id: input.kind_id,
                title,
                office_id: cap.office,
                organiser_unit_id: input.organiser_unit_id,
                chair_post_id: input.chair_post_id,
                starts_at: ms(starts),
                ends_at: ms(ends),
                place_kind: place.code(),
                room_id: room,
                venue,
                classification: classification.code(),
                notes: input.notes.trim(),
                created_by_post_id: cap.post,
            },
            ms(now),
        )
        .await?;
        for p in &attend {
            store::insert_attendee(tx, id, "attend", Some(*p), None).await?;
        }
        for p in &observe {
            store::insert_attendee(tx, id, "observe", Some(*p), None).await?;
        }
        for u in &units {
            store::insert_attendee(tx, id, "observe", None, Some(*u)).await?;
        }
        for p in &staff {
            store::insert_attendee(tx, id, "staff", Some(*p), None).await?;
        }
        crate::events::record(
            tx,
            &audit(cap.actor),
            "meeting.booked",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "starts_at": ms(starts), "ends_at": ms(ends), "room": room,
                   "chair": input.chair_post_id, "attend": attend}),
            now,
        )
        .await?;
        Ok(id)
    }

    async fn check_room(&self, tx: &mut Tx, cap: &OfficeCap<'_>, room: i64) -> Result<()> {
        let r = store::find_room_tx(tx, room)
            .await
            .map_err(ServiceError::missing_input("room_id", "会议室不存在"))?;
        if r.office_id != cap.office {
            return Err(ServiceError::invalid(
                "room_id",
                format!("“{}”属于{}，本办不能预订", r.name, r.office_name),
            ));
        }
        Ok(())
    }

    async fn check_post(
        &self,
        tx: &mut Tx,
        field: &'static str,
        what: &str,
        post: i64,
        classification: Clearance,
    ) -> Result<()> {
        let Some((_, clearance)) = store::active_post(tx, post).await? else {
            return Err(ServiceError::invalid(
                field,
                format!("{what}的身份不存在或已停用"),
            ));
        };
        if !clearance_of(&clearance).may_see(classification) {
            let label = store::post_label(tx, post).await?;
            return Err(ServiceError::invalid(
                field,
                format!(
                    "{what}{label}的涉密等级为{}，低于会议密级{}，不能参加此会议；本次未保存",
                    clearance_of(&clearance).label(),
                    classification.label()
                ),
            ));
        }
        Ok(())
    }

    /// Takes the lock rows of the room and the leaders, then refuses the first clash found,
    /// naming it (its title only to a booker who may see it) and its time.
    #[expect(
        clippy::too_many_arguments,
        reason = "one clash check, its inputs spelled out"
    )]
    async fn check_clashes(
        &self,
        tx: &mut Tx,
        cap: &OfficeCap<'_>,
        except: i64,
        starts: i64,
        ends: i64,
        room: Option<i64>,
        leaders: &[i64],
    ) -> Result<()> {
        let mut subjects: Vec<String> = leaders.iter().map(|p| format!("post:{p}")).collect();
        if let Some(r) = room {
            subjects.push(format!("room:{r}"));
        }
        subjects.sort();
        subjects.dedup();
        store::lock_subjects(tx, &subjects).await?;
        let name = |m: &MeetingRow| {
            let visible =
                m.office_id == cap.office && cap.clearance.may_see(clearance_of(&m.classification));
            if visible {
                format!("《{}》（{}）", m.title, span_text(m.starts_at, m.ends_at))
            } else {
                format!("另一会议（{}）", span_text(m.starts_at, m.ends_at))
            }
        };
        if let Some(r) = room {
            let clashes = store::room_clashes(tx, r, starts, ends, except).await?;
            if let Some(m) = clashes.first() {
                let room_name = m.room_name.clone().unwrap_or_default();
                return Err(ServiceError::Conflict {
                    code: "meetings.room_taken",
                    message: format!(
                        "会议室“{room_name}”在该时段已有安排：{}；请换一个时间或会议室，本次未保存",
                        name(m)
                    ),
                });
            }
        }
        for p in leaders {
            let clashes = store::leader_clashes(tx, *p, starts, ends, except).await?;
            if let Some(m) = clashes.first() {
                let who = store::post_label(tx, *p).await?;
                return Err(ServiceError::Conflict {
                    code: "meetings.leader_busy",
                    message: format!(
                        "{who}在该时段已有会议：{}；同一领导不能同时出席两个会议，本次未保存",
                        name(m)
                    ),
                });
            }
        }
        Ok(())
    }

    /// The meeting, for a manager: of the cap's office, within its clearance.
    pub(super) async fn managed<'b>(
        &self,
        actor: &'b Actor,
        id: i64,
    ) -> Result<(OfficeCap<'b>, MeetingRow)> {
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let cap = match self.office_cap(actor).await? {
            Some(c) if c.office == m.office_id => c,
            _ => {
                // Whether the actor may read it decides between "not yours" and "missing".
                self.get(actor, id).await?;
                return Err(ServiceError::Forbidden(
                    "只有承办会议的办公厅（室）可以调整此会议".into(),
                ));
            }
        };
        if !cap.clearance.may_see(clearance_of(&m.classification)) {
            return Err(ServiceError::NotFound("会议"));
        }
        Ok((cap, m))
    }

    /// Moves a meeting that has not begun (and perhaps to another room of the office); the
    /// clash rule applies as at booking, and its SEQUENCE rises so calendars replace it.
    pub async fn move_to(
        &self,
        actor: &Actor,
        id: i64,
        input: &MoveInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (cap, m) = self.managed(actor, id).await?;
        if !status_of(&m)?.is_open() {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: format!("会议{}，不能再调整时间", status_of(&m)?.label()),
            });
        }
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        check_span(starts, ends, now)?;
        let mut tx = self.svc.db().begin().await?;
        let room = if m.place_kind == PlaceKind::Room.code() {
            match input.room_id {
                Some(r) => {
                    self.check_room(&mut tx, &cap, r).await?;
                    Some(r)
                }
                None => m.room_id,
            }
        } else {
            None
        };
        let leaders = store::leader_posts(&mut tx, id).await?;
        self.check_clashes(&mut tx, &cap, id, ms(starts), ms(ends), room, &leaders)
            .await?;
        // Read again under the locks: a concurrent cancel or start wins.
        let current = store::find_meeting_tx(&mut tx, id).await?;
        if !status_of(&current)?.is_open() {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: format!("会议{}，不能再调整时间", status_of(&current)?.label()),
            });
        }
        let sequence =
            store::move_meeting(&mut tx, id, ms(starts), ms(ends), room, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.moved",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "from": [m.starts_at, m.ends_at], "to": [ms(starts), ms(ends)],
                   "room": room, "sequence": sequence}),
            now,
        )
        .await?;
        self.renotify(&mut tx, actor, id, Renotice::Moved, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Advances a meeting to its next status (筹备中 → 已通知 → 进行中 → 已结束).
    pub async fn advance(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<MeetingStatus> {
        let (_, m) = self.managed(actor, id).await?;
        let from = status_of(&m)?;
        let Some(to) = from.next() else {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: if from == MeetingStatus::Preparing {
                    "会议发出通知后即为“已通知”，请先发送会议通知".to_owned()
                } else {
                    format!("会议{}，没有下一步", from.label())
                },
            });
        };
        // Ending it records who never signed in (absent, or on an approved leave).
        let expected = if to == MeetingStatus::Ended {
            self.expected(&m).await?
        } else {
            Vec::new()
        };
        let mut tx = self.svc.db().begin().await?;
        if !store::set_status(&mut tx, id, from.code(), to.code(), "", ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "meetings.stale",
                message: "会议状态已被他人更改，请刷新后再试".into(),
            });
        }
        self.record_absences(&mut tx, &m, &expected, now).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.advanced",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "from": from.code(), "to": to.code()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Cancels a meeting that has not begun, with a reason; its room and leaders are free again.
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (_, m) = self.managed(actor, id).await?;
        let from = status_of(&m)?;
        if !from.is_open() {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: format!("会议{}，不能取消", from.label()),
            });
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请填写取消原因"));
        }
        if reason.chars().count() > 200 {
            return Err(ServiceError::invalid("reason", "取消原因不超过 200 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        if !store::set_status(
            &mut tx,
            id,
            from.code(),
            MeetingStatus::Cancelled.code(),
            reason,
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::Conflict {
                code: "meetings.stale",
                message: "会议状态已被他人更改，请刷新后再试".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.cancelled",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "reason": reason}),
            now,
        )
        .await?;
        self.renotify(&mut tx, actor, id, Renotice::Cancelled(reason), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a room to the cap's office.
    pub async fn add_room(
        &self,
        cap: &OfficeCap<'_>,
        input: &RoomInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(ServiceError::invalid(
                "name",
                "请填写会议室名称（不超过 40 字）",
            ));
        }
        if !(1..=2000).contains(&input.capacity) {
            return Err(ServiceError::invalid(
                "capacity",
                "座位数应在 1 到 2000 之间",
            ));
        }
        if input.equipment.chars().count() > 200 {
            return Err(ServiceError::invalid("equipment", "设备说明不超过 200 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_room(
            &mut tx,
            &store::NewRoom {
                office_id: cap.office,
                name,
                capacity: input.capacity,
                equipment: input.equipment.trim(),
            },
        )
        .await
        .map_err(|e| match e {
            xn_store::StoreError::Conflict(_) => {
                ServiceError::invalid("name", format!("本办已有名为“{name}”的会议室"))
            }
            other => other.into(),
        })?;
        crate::events::record(
            &mut tx,
            &audit(cap.actor),
            "meeting.room_added",
            Some(format!("room:{id}")),
            json!({"room": id, "office": cap.office, "name": name}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a meeting kind (the system administrator keeps the list).
    pub async fn add_kind(&self, actor: &Actor, name: &str, now: DateTime<Utc>) -> Result<i64> {
        require(actor, Permission::OrgAdmin)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 20 {
            return Err(ServiceError::invalid(
                "name",
                "请填写会议类型名称（不超过 20 字）",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_kind(&mut tx, name)
            .await
            .map_err(|e| match e {
                xn_store::StoreError::Conflict(_) => {
                    ServiceError::invalid("name", format!("已有会议类型“{name}”"))
                }
                other => other.into(),
            })?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.kind_added",
            None,
            json!({"kind": id, "name": name}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
