//! 会议申请: a unit asks the office of its government for a meeting (kind, subject, wished
//! time, who should attend, why); the office's leader (主任 or 副主任 of that office) approves
//! it — the meeting is booked from it (筹备中) through the booking rules, clash check and all,
//! in the same transaction that marks the request approved — or declines it with a reason. The
//! asking unit is told either way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::topics::RequestStatus;
use xn_domain::org::Permission;
use xn_store::meetings::topics::{self as tstore, RequestRow};
use xn_store::meetings::{self as store};

use super::book::{MeetingInput, audit, parse_time};
use super::notice::the_text;
use super::{Meetings, Viewer, span_text, tell};
use crate::{Actor, Result, ServiceError, from_ms, ms, require};

/// A meeting to ask for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RequestInput {
    /// 会议类型.
    pub kind_id: i64,
    /// 会议名称 (the subject).
    pub title: String,
    /// Wished start (Beijing `2026-12-01 09:00` or RFC 3339).
    pub wished_start: String,
    /// Wished end.
    pub wished_end: String,
    /// Posts asked to attend (出席).
    #[serde(default)]
    pub attend_posts: Vec<i64>,
    /// Why the meeting is needed.
    #[serde(default)]
    pub reason: String,
}

/// The leader's decision on a request. Approving books the meeting: the chair (default the
/// first post asked to attend), and where (a room of the office, an outside venue or a video
/// link, as for booking).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RequestDecision {
    /// `approve` or `decline`.
    pub decision: String,
    /// Why it is declined (required then).
    #[serde(default)]
    pub reason: String,
    /// 主持.
    #[serde(default)]
    pub chair_post_id: Option<i64>,
    /// `room` (default), `venue` or `video`.
    #[serde(default)]
    pub place_kind: String,
    /// The room.
    #[serde(default)]
    pub room_id: Option<i64>,
    /// The venue or video link.
    #[serde(default)]
    pub venue: String,
}

/// A request as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    /// Id.
    pub id: i64,
    /// The asking unit.
    pub unit: String,
    /// 会议类型.
    pub kind: String,
    /// 会议名称.
    pub title: String,
    /// The wished time as a line.
    pub wished: String,
    /// Wished start.
    #[schema(value_type = String, format = DateTime)]
    pub wished_start: DateTime<Utc>,
    /// Wished end.
    #[schema(value_type = String, format = DateTime)]
    pub wished_end: DateTime<Utc>,
    /// Those asked to attend.
    pub attend: Vec<String>,
    /// 出席 posts asked for.
    pub attend_posts: Vec<i64>,
    /// Why.
    pub reason: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: String,
    /// Why it was declined.
    pub decline_reason: String,
    /// The meeting booked from it.
    pub meeting_id: Option<i64>,
    /// Who asked.
    pub requested_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: DateTime<Utc>,
    /// Whether the viewer may decide it.
    pub may_decide: bool,
}

/// The requests the viewer sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestList {
    /// Newest first.
    pub requests: Vec<RequestView>,
    /// Whether the viewer decides requests (a leader of an office).
    pub may_decide: bool,
}

fn posts_of(r: &RequestRow) -> Vec<i64> {
    serde_json::from_str(&r.attend_posts).unwrap_or_default()
}

impl Meetings<'_> {
    /// Asks the office of the unit's government for a meeting; its leaders are told.
    pub async fn request_meeting(
        &self,
        actor: &Actor,
        input: &RequestInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let title = the_text("title", "会议名称", &input.title, 100)?;
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写会议名称"));
        }
        let reason = the_text("reason", "申请理由", &input.reason, 1000)?;
        let starts = parse_time("wished_start", &input.wished_start)?;
        let ends = parse_time("wished_end", &input.wished_end)?;
        if ends <= starts {
            return Err(ServiceError::invalid(
                "wished_end",
                "结束时间应晚于开始时间",
            ));
        }
        if starts < now {
            return Err(ServiceError::invalid(
                "wished_start",
                "希望召开的时间不能早于现在",
            ));
        }
        if !store::list_kinds(self.svc.db())
            .await?
            .iter()
            .any(|k| k.id == input.kind_id)
        {
            return Err(ServiceError::invalid("kind_id", "请选择会议类型"));
        }
        let mut attend: Vec<i64> = Vec::new();
        for p in &input.attend_posts {
            if !attend.contains(p) {
                attend.push(*p);
            }
        }
        let mut tx = self.svc.db().begin().await?;
        for p in &attend {
            if store::active_post(&mut tx, *p).await?.is_none() {
                return Err(ServiceError::invalid(
                    "attend_posts",
                    "出席人员的身份不存在或已停用",
                ));
            }
        }
        let office = self
            .office_for_unit(&mut tx, post.unit_id)
            .await?
            .ok_or_else(|| {
                ServiceError::Forbidden("本单位没有可以受理会议申请的办公厅（室）".into())
            })?;
        let list = serde_json::to_string(&attend).map_err(|e| ServiceError::Internal(e.into()))?;
        let id = tstore::insert_request(
            &mut tx,
            &tstore::NewRequest {
                office_id: office,
                unit_id: post.unit_id,
                kind_id: input.kind_id,
                title: &title,
                wished_start: ms(starts),
                wished_end: ms(ends),
                attend_posts: &list,
                reason: &reason,
                requested_by_post_id: post.id,
            },
            ms(now),
        )
        .await?;
        let leaders =
            xn_store::org::posts_in(&mut tx, office, &["director", "deputy_director"]).await?;
        tell(
            &mut tx,
            &leaders,
            "meeting.requested",
            &format!("meeting_request:{id}"),
            &format!("{}申请召开《{title}》，请审批", post.unit_short_name),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.requested",
            Some(format!("meeting_request:{id}")),
            json!({"request": id, "office": office, "unit": post.unit_id, "kind": input.kind_id,
                   "wished_start": ms(starts), "wished_end": ms(ends)}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    fn sees_request(viewer: &Viewer, office: Option<i64>, r: &RequestRow) -> bool {
        viewer.chain.contains(r.unit_id) || office == Some(r.office_id)
    }

    async fn request_view(&self, r: RequestRow, may_decide: bool) -> Result<RequestView> {
        let posts = posts_of(&r);
        let attend = store::post_labels(self.svc.db(), &posts)
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        let status = RequestStatus::from_code(&r.status).ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!("request {} has status {}", r.id, r.status))
        })?;
        Ok(RequestView {
            id: r.id,
            unit: r.unit_name,
            kind: r.kind_name,
            title: r.title,
            wished: span_text(r.wished_start, r.wished_end),
            wished_start: from_ms(r.wished_start),
            wished_end: from_ms(r.wished_end),
            attend,
            attend_posts: posts,
            reason: r.reason,
            status: status.code().to_owned(),
            status_label: status.label().to_owned(),
            decline_reason: r.decline_reason,
            meeting_id: r.meeting_id,
            requested_by: r.requested_by,
            requested_at: from_ms(r.requested_at),
            may_decide: may_decide && status == RequestStatus::Pending,
        })
    }

    /// The requests of the viewer's unit, and those its office was asked.
    pub async fn requests(&self, actor: &Actor) -> Result<RequestList> {
        let viewer = self.viewer(actor).await?;
        let office = self.office_cap(actor).await?.map(|c| c.office());
        let leader = self.leader_cap(actor).await?.map(|c| c.office());
        let unit = viewer.chain.unit().map_or(0, |u| u.id);
        let mut out = Vec::new();
        for r in tstore::requests_for(self.svc.db(), office.unwrap_or(0), unit).await? {
            if Self::sees_request(&viewer, office, &r) {
                let may = leader == Some(r.office_id);
                out.push(self.request_view(r, may).await?);
            }
        }
        Ok(RequestList {
            requests: out,
            may_decide: leader.is_some(),
        })
    }

    /// One request, for a viewer who sees it.
    pub async fn request(&self, actor: &Actor, id: i64) -> Result<RequestView> {
        let viewer = self.viewer(actor).await?;
        let office = self.office_cap(actor).await?.map(|c| c.office());
        let r = tstore::find_request(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议申请"))?;
        if !Self::sees_request(&viewer, office, &r) {
            return Err(ServiceError::NotFound("会议申请"));
        }
        let leader = self.leader_cap(actor).await?.map(|c| c.office());
        let may = leader == Some(r.office_id);
        self.request_view(r, may).await
    }

    /// The office's leader decides a pending request: approving books the meeting from it
    /// (answering its id); declining needs a reason.
    pub async fn decide_request(
        &self,
        actor: &Actor,
        id: i64,
        input: &RequestDecision,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let seen = self.request(actor, id).await?;
        let r = tstore::find_request(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议申请"))?;
        let cap = match self.leader_cap(actor).await? {
            Some(c) if c.office() == r.office_id => c,
            _ => {
                return Err(ServiceError::Forbidden(
                    "只有受理申请的办公厅（室）主任、副主任可以审批会议申请".into(),
                ));
            }
        };
        let approve = match input.decision.trim() {
            "approve" => true,
            "decline" => false,
            _ => return Err(ServiceError::invalid("decision", "请选择批准或不批准")),
        };
        let reason = the_text("reason", "不批准理由", &input.reason, 500)?;
        if !approve && reason.is_empty() {
            return Err(ServiceError::invalid("reason", "不批准请填写理由"));
        }
        let mut tx = self.svc.db().begin().await?;
        let meeting = if approve {
            let posts = posts_of(&r);
            let chair = input
                .chair_post_id
                .or_else(|| posts.first().copied())
                .ok_or_else(|| ServiceError::invalid("chair_post_id", "请选择主持人"))?;
            let booking = MeetingInput {
                kind_id: r.kind_id,
                title: r.title.clone(),
                organiser_unit_id: r.office_id,
                chair_post_id: chair,
                starts_at: from_ms(r.wished_start).to_rfc3339(),
                ends_at: from_ms(r.wished_end).to_rfc3339(),
                place_kind: input.place_kind.clone(),
                room_id: input.room_id,
                venue: input.venue.clone(),
                attend_posts: posts.into_iter().filter(|p| *p != chair).collect(),
                notes: format!("据{}会议申请安排", r.unit_name),
                ..MeetingInput::default()
            };
            Some(self.book_in(&mut tx, &cap, &booking, now).await?)
        } else {
            None
        };
        let status = if approve {
            RequestStatus::Approved
        } else {
            RequestStatus::Declined
        };
        if !tstore::decide_request(
            &mut tx,
            id,
            status.code(),
            &reason,
            meeting,
            cap.post,
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::Conflict {
                code: "meetings.request_decided",
                message: format!("会议申请已{}", seen.status_label),
            });
        }
        tell(
            &mut tx,
            &[r.requested_by_post_id],
            "meeting.request_decided",
            &format!("meeting_request:{id}"),
            &if approve {
                format!("会议申请《{}》已批准，会议已安排（筹备中）", r.title)
            } else {
                format!("会议申请《{}》未批准：{reason}", r.title)
            },
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.request_decided",
            Some(format!("meeting_request:{id}")),
            json!({"request": id, "decision": status.code(), "meeting": meeting,
                   "reason": reason}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(meeting)
    }
}
