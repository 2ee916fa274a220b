//! 议题: a unit submits a topic for a meeting (or for the next meeting of a kind) with its
//! 汇报单位, 汇报人, the decision it asks for (请求事项), the minutes it needs, the units that must
//! 会签 and the posts or units to sit in (列席) for it; uploads its materials; each 会签 unit
//! answers; the office screens it (材料齐全 and every 会签 agreed) or returns it with a reason,
//! and the unit may correct and resubmit it. The agenda and the materials' distribution are in
//! `agenda`.
//!
//! **Who may do what**, decided here and nowhere else: a topic is submitted only for the
//! acting post's own unit, to the office of its own government (or the office of the meeting
//! named, which must be of the same government); materials are added and a returned topic
//! resubmitted by the submitting unit; a 会签 unit answers through any of its posts; screening
//! needs the right over that office's meetings (`Meetings::office_cap`), so a county office
//! cannot screen the city's topics. A topic is seen by its unit, its office, its 会签 units,
//! and — once on an approved agenda — the meeting's attendees; never above the reader's
//! clearance.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::MeetingStatus;
use xn_domain::meetings::topics::{MAX_TOPIC_MINUTES, TopicStatus};
use xn_domain::org::{Clearance, Permission, UnitKind};
use xn_store::Tx;
use xn_store::meetings::topics::{self as tstore, TopicRow};
use xn_store::meetings::{self as store};

use super::book::audit;
use super::notice::the_text;
use super::{Meetings, Viewer, clearance_of, span_text, status_of, tell};
use crate::files::check_file;
use crate::{Actor, Result, ServiceError, from_ms, ms, require};

/// A topic to submit.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = meetings::TopicInput)]
pub struct TopicInput {
    /// The meeting it is for; or none, with `kind_id`, for the next meeting of that kind.
    #[serde(default)]
    pub meeting_id: Option<i64>,
    /// The kind of meeting (e.g. 常务会议) whose next meeting it is for.
    #[serde(default)]
    pub kind_id: Option<i64>,
    /// 议题名称.
    pub title: String,
    /// 汇报人 (name and post).
    pub reporter: String,
    /// 请求事项: the decision asked of the meeting.
    pub request: String,
    /// Minutes needed.
    pub minutes: i64,
    /// Units that must 会签 before it is screened.
    #[serde(default)]
    pub cosign_units: Vec<i64>,
    /// Posts to sit in (列席) for this topic only.
    #[serde(default)]
    pub observe_posts: Vec<i64>,
    /// Units to sit in for this topic only.
    #[serde(default)]
    pub observe_units: Vec<i64>,
    /// 密级: public (default) … top_secret.
    #[serde(default)]
    pub classification: String,
}

/// The office's screening: `accept` (材料齐全, 会签 done) or `return` with a reason.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = meetings::ScreenInput)]
pub struct ScreenInput {
    /// `accept` or `return`.
    pub decision: String,
    /// Why it is returned (required then).
    #[serde(default)]
    pub reason: String,
}

/// A 会签 unit's answer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CosignInput {
    /// The unit answering (one of the viewer's units); default the first the viewer may answer.
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// Whether it agrees.
    pub agreed: bool,
    /// Its opinion (required when it does not agree).
    #[serde(default)]
    pub opinion: String,
}

/// A topic in a list or on its page.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = meetings::TopicView)]
pub struct TopicView {
    /// Id.
    pub id: i64,
    /// 议题名称.
    pub title: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_label: String,
    /// 汇报单位.
    pub unit_id: i64,
    /// Its short name.
    pub unit: String,
    /// 汇报人.
    pub reporter: String,
    /// 请求事项.
    pub request: String,
    /// Minutes asked for.
    pub minutes: i64,
    /// 密级 code.
    pub classification: String,
    /// 密级 in Chinese.
    pub classification_label: String,
    /// What it is for: the meeting's title, or `下一次常务会议`.
    pub target: String,
    /// The meeting it is for or on.
    pub meeting_id: Option<i64>,
    /// Why it was returned.
    pub return_reason: String,
    /// Its place on the agenda.
    pub agenda_order: Option<i64>,
    /// Its time on the agenda (`10:00—10:30`), or empty.
    pub slot: String,
    /// Its slot's start.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub slot_start: Option<DateTime<Utc>>,
    /// Its slot's end.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub slot_end: Option<DateTime<Utc>>,
    /// How many times it was carried over (暂缓).
    pub carried_over: i64,
    /// Who submitted it.
    pub submitted_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: DateTime<Utc>,
}

/// A 会签 unit and its answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CosignView {
    /// The unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit: String,
    /// 待会签, 同意 or 不同意.
    pub state_label: String,
    /// Whether it agreed.
    pub agreed: bool,
    /// Its opinion.
    pub opinion: String,
    /// Who answered.
    pub signed_by: String,
}

/// A material of a topic.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = meetings::MaterialView)]
pub struct MaterialView {
    /// Id (open at `/api/v1/meetings/topics/{topic}/materials/{id}`).
    pub id: i64,
    /// File name.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Who opened it (`姓名（单位职务） 2次`), for the office and the submitting unit.
    pub readers: Vec<String>,
}

/// A topic with its 会签, 列席, materials, and what the viewer may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicDetail {
    /// The topic.
    pub topic: TopicView,
    /// Its 会签 units.
    pub cosigns: Vec<CosignView>,
    /// Its 列席 posts and units (for this topic only).
    pub observers: Vec<String>,
    /// Its materials (none listed once withdrawn from the viewer).
    pub materials: Vec<MaterialView>,
    /// Why the materials are not open to the viewer, if so (涉密 materials withdrawn).
    pub materials_note: String,
    /// Whether the viewer may add materials (the submitting unit, before screening).
    pub may_add_material: bool,
    /// The 会签 units the viewer may answer for: (id, name).
    pub may_cosign: Vec<(i64, String)>,
    /// Whether the viewer may screen it (the office, while submitted).
    pub may_screen: bool,
    /// Whether the viewer may resubmit it (the submitting unit, once returned).
    pub may_resubmit: bool,
    /// Whether the viewer may carry it over (the office, while screened or scheduled).
    pub may_defer: bool,
}

/// Which topics a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicScope {
    /// 本单位的议题.
    #[default]
    Mine,
    /// 待筛选: the office's topics waiting to be screened.
    Screen,
    /// Every topic of the viewer's office.
    Office,
}

/// A list of topics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicList {
    /// The scope shown.
    pub scope: String,
    /// The topics.
    pub topics: Vec<TopicView>,
    /// Whether the viewer screens topics (works in an office).
    pub may_screen: bool,
}

/// What the submit form offers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicFormOptions {
    /// The viewer's unit, which submits.
    pub unit: String,
    /// Meetings of the office still being prepared: (id, `12月1日 09:00 常务会议`).
    pub meetings: Vec<(i64, String)>,
    /// Kinds, for "the next meeting of a kind".
    pub kinds: Vec<(i64, String)>,
    /// Units that may 会签 or sit in.
    pub units: Vec<(i64, String)>,
    /// The 密级 the submitter may give.
    pub classifications: Vec<(String, String)>,
}

pub(super) fn status_of_topic(t: &TopicRow) -> Result<TopicStatus> {
    TopicStatus::from_code(&t.status).ok_or_else(|| {
        ServiceError::Internal(anyhow::anyhow!(
            "topic {} has an unknown status {}",
            t.id,
            t.status
        ))
    })
}

/// `10:00—10:30` of a slot.
pub(super) fn slot_text(start: Option<i64>, end: Option<i64>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => span_text(s, e),
        _ => String::new(),
    }
}

pub(super) fn topic_view(t: &TopicRow) -> Result<TopicView> {
    let status = status_of_topic(t)?;
    let c = clearance_of(&t.classification);
    Ok(TopicView {
        id: t.id,
        title: t.title.clone(),
        status: status.code().to_owned(),
        status_label: status.label().to_owned(),
        unit_id: t.unit_id,
        unit: t.unit_name.clone(),
        reporter: t.reporter.clone(),
        request: t.request.clone(),
        minutes: t.minutes,
        classification: c.code().to_owned(),
        classification_label: c.label().to_owned(),
        target: if t.meeting_title.is_empty() {
            format!("下一次{}", t.kind_name)
        } else {
            format!("《{}》", t.meeting_title)
        },
        meeting_id: t.meeting_id,
        return_reason: t.return_reason.clone(),
        agenda_order: t.agenda_order,
        slot: slot_text(t.slot_start, t.slot_end),
        slot_start: t.slot_start.map(from_ms),
        slot_end: t.slot_end.map(from_ms),
        carried_over: t.carried_over,
        submitted_by: t.submitted_by.clone(),
        submitted_at: from_ms(t.submitted_at),
    })
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

impl Meetings<'_> {
    /// The office that screens a unit's topics and requests: the office (办公厅/办公室) of the
    /// unit's own government.
    pub(super) async fn office_for_unit(&self, tx: &mut Tx, unit: i64) -> Result<Option<i64>> {
        let chain = self.svc.unit_chain(tx, unit).await?;
        if let Some(o) = chain.0.iter().find(|u| u.kind == UnitKind::Office) {
            return Ok(Some(o.id));
        }
        let Some(gov) = chain.government() else {
            return Ok(None);
        };
        let units = xn_store::org::list_units_tx(tx).await?;
        Ok(units
            .iter()
            .filter(|u| u.parent_id == Some(gov.id) && u.kind == UnitKind::Office.code())
            .min_by_key(|u| (u.sort_order, u.id))
            .map(|u| u.id))
    }

    /// Whether the viewer may see a topic: cleared for it, and of its unit or office, one of
    /// its 会签 units, or taking part in the meeting whose approved agenda holds it.
    pub(super) async fn sees_topic(&self, viewer: &Viewer, t: &TopicRow) -> Result<bool> {
        if !viewer.clearance.may_see(clearance_of(&t.classification)) {
            return Ok(false);
        }
        if viewer.chain.unit().is_some_and(|u| u.id == t.unit_id)
            || viewer.chain.contains(t.office_id)
        {
            return Ok(true);
        }
        let cosigns = tstore::cosigns_of(self.svc.db(), t.id).await?;
        if cosigns.iter().any(|c| viewer.chain.contains(c.unit_id)) {
            return Ok(true);
        }
        self.attends_for(viewer, t).await
    }

    /// Whether the viewer takes part in the meeting whose approved agenda holds the topic.
    pub(super) async fn attends_for(&self, viewer: &Viewer, t: &TopicRow) -> Result<bool> {
        let (Some(meeting), TopicStatus::Scheduled) = (t.meeting_id, status_of_topic(t)?) else {
            return Ok(false);
        };
        if tstore::find_agenda(self.svc.db(), meeting).await?.is_none() {
            return Ok(false);
        }
        let m = store::find_meeting(self.svc.db(), meeting).await?;
        if !viewer.clearance.may_see(clearance_of(&m.classification)) {
            return Ok(false);
        }
        if viewer.is(m.chair_post_id) || viewer.chain.contains(m.office_id) {
            return Ok(true);
        }
        // One invited for another topic only does not read this one's materials.
        let attendees = store::attendees_of(self.svc.db(), &[meeting]).await?;
        Ok(attendees.iter().any(|a| {
            let me = match a.post_id {
                Some(p) => viewer.is(p),
                None => viewer.chain.contains(a.unit_id),
            };
            me && (a.topic_id.is_none() || a.topic_id == Some(t.id))
        }))
    }

    /// A topic the viewer sees; one they do not answers as missing.
    pub(super) async fn seen_topic(&self, viewer: &Viewer, id: i64) -> Result<TopicRow> {
        let t = tstore::find_topic(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("议题"))?;
        if !self.sees_topic(viewer, &t).await? {
            return Err(ServiceError::NotFound("议题"));
        }
        Ok(t)
    }

    /// The topic and the office's right over it; refused to a viewer who sees it but is not
    /// of its office.
    pub(super) async fn office_topic<'b>(
        &self,
        actor: &'b Actor,
        id: i64,
    ) -> Result<(super::OfficeCap<'b>, TopicRow)> {
        let viewer = self.viewer(actor).await?;
        let t = self.seen_topic(&viewer, id).await?;
        match self.office_cap(actor).await? {
            Some(c) if c.office == t.office_id => Ok((c, t)),
            _ => Err(ServiceError::Forbidden(
                "只有承办会议的办公厅（室）可以筛选、安排此议题".into(),
            )),
        }
    }

    /// What the submit form offers the viewer.
    pub async fn topic_form(&self, actor: &Actor, now: DateTime<Utc>) -> Result<TopicFormOptions> {
        let viewer = self.viewer(actor).await?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin_read().await?;
        let office = self.office_for_unit(&mut tx, post.unit_id).await?;
        drop(tx);
        let mut meetings = Vec::new();
        if let Some(office) = office {
            let rows =
                store::meetings_between(self.svc.db(), ms(now), ms(now) + 90 * 86_400_000).await?;
            for m in rows.iter().filter(|m| {
                m.office_id == office
                    && MeetingStatus::from_code(&m.status).is_some_and(MeetingStatus::is_open)
                    && viewer.clearance.may_see(clearance_of(&m.classification))
            }) {
                meetings.push((
                    m.id,
                    format!("{} {}", span_text(m.starts_at, m.ends_at), m.title),
                ));
            }
        }
        let units = xn_store::org::list_units(self.svc.db())
            .await?
            .into_iter()
            .filter(|u| matches!(u.kind.as_str(), "government" | "office" | "bureau"))
            .map(|u| (u.id, u.short_name))
            .collect();
        Ok(TopicFormOptions {
            unit: post.unit_short_name.clone(),
            meetings,
            kinds: store::list_kinds(self.svc.db())
                .await?
                .into_iter()
                .map(|k| (k.id, k.name))
                .collect(),
            units,
            classifications: Clearance::ALL
                .into_iter()
                .filter(|c| viewer.clearance.may_see(*c))
                .map(|c| (c.code().to_owned(), c.label().to_owned()))
                .collect(),
        })
    }

    /// Submits a topic (已提交) for the acting post's unit; the office that screens it is told.
    pub async fn submit_topic(
        &self,
        actor: &Actor,
        input: &TopicInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let title = the_text("title", "议题名称", &input.title, 100)?;
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写议题名称"));
        }
        let reporter = the_text("reporter", "汇报人", &input.reporter, 60)?;
        if reporter.is_empty() {
            return Err(ServiceError::invalid("reporter", "请填写汇报人"));
        }
        let request = the_text("request", "请求事项", &input.request, 2000)?;
        if request.is_empty() {
            return Err(ServiceError::invalid(
                "request",
                "请填写请求事项（提请会议研究决定的事项）",
            ));
        }
        if !(1..=MAX_TOPIC_MINUTES).contains(&input.minutes) {
            return Err(ServiceError::invalid(
                "minutes",
                format!("汇报时长应在 1 到 {MAX_TOPIC_MINUTES} 分钟之间"),
            ));
        }
        let classification = if input.classification.trim().is_empty() {
            Clearance::Public
        } else {
            input
                .classification
                .parse::<Clearance>()
                .map_err(|_| ServiceError::invalid("classification", "密级无法识别"))?
        };
        if !post.clearance.may_see(classification) {
            return Err(ServiceError::invalid(
                "classification",
                "议题密级不能高于您的涉密等级",
            ));
        }
        let cosigns = dedup(&input.cosign_units);
        let observe_posts = dedup(&input.observe_posts);
        let observe_units = dedup(&input.observe_units);
        let mut tx = self.svc.db().begin().await?;
        let own_office = self
            .office_for_unit(&mut tx, post.unit_id)
            .await?
            .ok_or_else(|| {
                ServiceError::Forbidden("本单位没有可以受理议题的办公厅（室）".into())
            })?;
        let (office, kind, meeting) = match (input.meeting_id, input.kind_id) {
            (Some(mid), _) => {
                let m = store::find_meeting_tx(&mut tx, mid)
                    .await
                    .map_err(ServiceError::missing_input("meeting_id", "会议不存在"))?;
                let theirs = self.svc.unit_chain(&mut tx, m.office_id).await?;
                let ours = self.svc.unit_chain(&mut tx, own_office).await?;
                let same_government =
                    theirs.government().map(|g| g.id) == ours.government().map(|g| g.id);
                if !same_government || !post.clearance.may_see(clearance_of(&m.classification)) {
                    return Err(ServiceError::invalid("meeting_id", "会议不存在"));
                }
                if !status_of(&m)?.is_open() {
                    return Err(ServiceError::invalid(
                        "meeting_id",
                        format!("《{}》{}，不再受理议题", m.title, status_of(&m)?.label()),
                    ));
                }
                if !clearance_of(&m.classification).may_see(classification) {
                    return Err(ServiceError::invalid(
                        "classification",
                        "议题密级不能高于会议密级",
                    ));
                }
                (m.office_id, Some(m.kind_id), Some(mid))
            }
            (None, Some(k)) => {
                if !store::list_kinds(self.svc.db())
                    .await?
                    .iter()
                    .any(|x| x.id == k)
                {
                    return Err(ServiceError::invalid("kind_id", "会议类型不存在"));
                }
                (own_office, Some(k), None)
            }
            (None, None) => {
                return Err(ServiceError::invalid(
                    "meeting_id",
                    "请选择提交的会议，或选择会议类型（提交下一次该类会议）",
                ));
            }
        };
        for u in cosigns.iter().chain(&observe_units) {
            if !store::unit_exists(&mut tx, *u).await? {
                return Err(ServiceError::invalid(
                    "cosign_units",
                    "会签或列席单位不存在",
                ));
            }
        }
        if cosigns.contains(&post.unit_id) {
            return Err(ServiceError::invalid(
                "cosign_units",
                "会签单位不应包括汇报单位本身",
            ));
        }
        for p in &observe_posts {
            if store::active_post(&mut tx, *p).await?.is_none() {
                return Err(ServiceError::invalid(
                    "observe_posts",
                    "列席人员的身份不存在或已停用",
                ));
            }
        }
        let id = tstore::insert_topic(
            &mut tx,
            &tstore::NewTopic {
                office_id: office,
                kind_id: kind,
                meeting_id: meeting,
                title: &title,
                unit_id: post.unit_id,
                reporter: &reporter,
                request: &request,
                minutes: input.minutes,
                classification: classification.code(),
                submitted_by_post_id: post.id,
            },
            ms(now),
        )
        .await?;
        for u in &cosigns {
            tstore::insert_cosign(&mut tx, id, *u).await?;
        }
        for p in &observe_posts {
            tstore::insert_observer(&mut tx, id, Some(*p), None).await?;
        }
        for u in &observe_units {
            tstore::insert_observer(&mut tx, id, None, Some(*u)).await?;
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_submitted",
            Some(format!("topic:{id}")),
            json!({"topic": id, "office": office, "meeting": meeting, "kind": kind,
                   "unit": post.unit_id, "cosign": cosigns}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a material to a topic (the submitting unit, before it is screened); the file is
    /// checked by its content and kept once by its SM3.
    pub async fn add_material(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let viewer = self.viewer(actor).await?;
        let t = self.seen_topic(&viewer, id).await?;
        if viewer.chain.unit().map(|u| u.id) != Some(t.unit_id) {
            return Err(ServiceError::Forbidden(
                "只有汇报单位可以上传议题材料".into(),
            ));
        }
        if !status_of_topic(&t)?.is_draft() {
            return Err(ServiceError::Conflict {
                code: "meetings.topic_state",
                message: format!("议题{}，不能再上传材料", status_of_topic(&t)?.label()),
            });
        }
        let f = check_file(name, bytes)?;
        let mut tx = self.svc.db().begin().await?;
        self.svc.put_file(&mut tx, &f.hash, bytes, ms(now)).await?;
        let mid = tstore::insert_material(
            &mut tx,
            id,
            &f.name,
            f.mime,
            f.size,
            &f.hash,
            viewer.post,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_material_added",
            Some(format!("topic:{id}")),
            json!({"topic": id, "material": mid, "name": f.name, "sm3": f.hash}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(mid)
    }

    /// A 会签 unit's answer, given by one of its posts before the topic is screened.
    pub async fn cosign_topic(
        &self,
        actor: &Actor,
        id: i64,
        input: &CosignInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let viewer = self.viewer(actor).await?;
        let t = self.seen_topic(&viewer, id).await?;
        let cosigns = tstore::cosigns_of(self.svc.db(), id).await?;
        let mine: Vec<i64> = cosigns
            .iter()
            .filter(|c| viewer.chain.contains(c.unit_id))
            .map(|c| c.unit_id)
            .collect();
        let unit = match input.unit_id {
            Some(u) if mine.contains(&u) => u,
            Some(_) => {
                return Err(ServiceError::Forbidden(
                    "只有列明的会签单位可以会签此议题".into(),
                ));
            }
            None => *mine.first().ok_or_else(|| {
                ServiceError::Forbidden("只有列明的会签单位可以会签此议题".into())
            })?,
        };
        if !status_of_topic(&t)?.is_draft() {
            return Err(ServiceError::Conflict {
                code: "meetings.topic_state",
                message: format!("议题{}，会签已结束", status_of_topic(&t)?.label()),
            });
        }
        let opinion = the_text("opinion", "会签意见", &input.opinion, 500)?;
        if !input.agreed && opinion.is_empty() {
            return Err(ServiceError::invalid("opinion", "不同意请填写会签意见"));
        }
        let mut tx = self.svc.db().begin().await?;
        tstore::sign_cosign(
            &mut tx,
            id,
            unit,
            input.agreed,
            &opinion,
            viewer.post,
            ms(now),
        )
        .await?;
        tell(
            &mut tx,
            &[t.submitted_by_post_id],
            "meeting.topic_cosigned",
            &format!("topic:{id}"),
            &format!(
                "议题《{}》：会签单位{}",
                t.title,
                if input.agreed { "同意" } else { "不同意" }
            ),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_cosigned",
            Some(format!("topic:{id}")),
            json!({"topic": id, "unit": unit, "agreed": input.agreed, "opinion": opinion}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office screens a submitted topic: `accept` needs at least one material and every
    /// 会签 unit's agreement (refused naming the units still missing); `return` needs a reason.
    /// The submitter is told.
    pub async fn screen_topic(
        &self,
        actor: &Actor,
        id: i64,
        input: &ScreenInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (cap, t) = self.office_topic(actor, id).await?;
        let reason = the_text("reason", "退回理由", &input.reason, 500)?;
        let to = match input.decision.trim() {
            "accept" => TopicStatus::Screened,
            "return" => TopicStatus::Returned,
            _ => return Err(ServiceError::invalid("decision", "请选择筛选通过或退回")),
        };
        if to == TopicStatus::Returned && reason.is_empty() {
            return Err(ServiceError::invalid("reason", "退回请填写理由"));
        }
        let mut tx = self.svc.db().begin().await?;
        if to == TopicStatus::Screened {
            if tstore::count_materials(&mut tx, id).await? == 0 {
                return Err(ServiceError::Conflict {
                    code: "meetings.materials_missing",
                    message: "材料不齐全：汇报单位尚未上传议题材料，不能筛选通过".into(),
                });
            }
            let missing: Vec<String> = tstore::cosigns_of_tx(&mut tx, id)
                .await?
                .into_iter()
                .filter(|c| c.agreed != Some(1))
                .map(|c| {
                    if c.agreed == Some(0) {
                        format!("{}（不同意）", c.unit_name)
                    } else {
                        format!("{}（未会签）", c.unit_name)
                    }
                })
                .collect();
            if !missing.is_empty() {
                return Err(ServiceError::Conflict {
                    code: "meetings.cosign_missing",
                    message: format!(
                        "会签未完成：{}；会签单位全部同意后才能作为材料齐全筛选通过",
                        missing.join("、")
                    ),
                });
            }
        }
        if !tstore::set_topic_status(
            &mut tx,
            id,
            TopicStatus::Submitted.code(),
            to.code(),
            &reason,
            cap.post,
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::Conflict {
                code: "meetings.topic_state",
                message: format!("议题{}，不在待筛选状态", status_of_topic(&t)?.label()),
            });
        }
        let message = if to == TopicStatus::Screened {
            format!("议题《{}》已筛选通过，待审定议程", t.title)
        } else {
            format!("议题《{}》被退回：{reason}", t.title)
        };
        tell(
            &mut tx,
            &[t.submitted_by_post_id],
            "meeting.topic_screened",
            &format!("topic:{id}"),
            &message,
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_screened",
            Some(format!("topic:{id}")),
            json!({"topic": id, "decision": to.code(), "reason": reason}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The submitting unit resubmits a returned topic (after correcting its materials or
    /// 会签); it waits for screening again.
    pub async fn resubmit_topic(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        let viewer = self.viewer(actor).await?;
        let t = self.seen_topic(&viewer, id).await?;
        if viewer.chain.unit().map(|u| u.id) != Some(t.unit_id) {
            return Err(ServiceError::Forbidden(
                "只有汇报单位可以重新提交议题".into(),
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        if !tstore::set_topic_status(
            &mut tx,
            id,
            TopicStatus::Returned.code(),
            TopicStatus::Submitted.code(),
            &t.return_reason,
            viewer.post,
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::Conflict {
                code: "meetings.topic_state",
                message: "只有被退回的议题可以重新提交".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.topic_resubmitted",
            Some(format!("topic:{id}")),
            json!({"topic": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A topic with what the viewer may do. A viewer who sees it only as an attendee sees its
    /// materials while they are distributed, not who read them.
    pub async fn topic(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<TopicDetail> {
        let viewer = self.viewer(actor).await?;
        let t = self.seen_topic(&viewer, id).await?;
        let status = status_of_topic(&t)?;
        let own_unit = viewer.chain.unit().map(|u| u.id) == Some(t.unit_id);
        let office = self
            .office_cap(actor)
            .await?
            .is_some_and(|c| c.office == t.office_id);
        let insider = office || own_unit;
        let cosign_rows = tstore::cosigns_of(self.svc.db(), id).await?;
        let (materials, materials_note) =
            match self.materials_closed(&viewer, &t, insider, now).await? {
                Some(note) => (Vec::new(), note),
                None => {
                    let reads = if insider {
                        tstore::reads_of(self.svc.db(), id).await?
                    } else {
                        Vec::new()
                    };
                    let list = tstore::materials_of(self.svc.db(), id)
                        .await?
                        .into_iter()
                        .map(|m| MaterialView {
                            readers: reads
                                .iter()
                                .filter(|r| r.material_id == m.id)
                                .map(|r| format!("{} {}次", r.reader, r.read_count))
                                .collect(),
                            id: m.id,
                            name: m.name,
                            size: m.size,
                        })
                        .collect();
                    (list, String::new())
                }
            };
        Ok(TopicDetail {
            topic: topic_view(&t)?,
            may_cosign: if status.is_draft() {
                cosign_rows
                    .iter()
                    .filter(|c| viewer.chain.contains(c.unit_id))
                    .map(|c| (c.unit_id, c.unit_name.clone()))
                    .collect()
            } else {
                Vec::new()
            },
            cosigns: cosign_rows
                .into_iter()
                .map(|c| CosignView {
                    unit_id: c.unit_id,
                    unit: c.unit_name,
                    state_label: match c.agreed {
                        Some(1) => "同意",
                        Some(_) => "不同意",
                        None => "待会签",
                    }
                    .to_owned(),
                    agreed: c.agreed == Some(1),
                    opinion: c.opinion,
                    signed_by: c.signed_by,
                })
                .collect(),
            observers: tstore::observers_of(self.svc.db(), id)
                .await?
                .into_iter()
                .map(|o| o.label)
                .collect(),
            materials,
            materials_note,
            may_add_material: own_unit && status.is_draft(),
            may_screen: office && status.may_screen(),
            may_resubmit: own_unit && status == TopicStatus::Returned,
            may_defer: office && matches!(status, TopicStatus::Screened | TopicStatus::Scheduled),
        })
    }

    /// Topics: the viewer's unit's, those waiting for the viewer's office to screen, or all of
    /// the office's.
    pub async fn topics(&self, actor: &Actor, scope: TopicScope) -> Result<TopicList> {
        let viewer = self.viewer(actor).await?;
        let cap = self.office_cap(actor).await?;
        let rows = match (scope, &cap) {
            (TopicScope::Mine, _) => match viewer.chain.unit() {
                Some(u) => tstore::topics_of_unit(self.svc.db(), u.id).await?,
                None => Vec::new(),
            },
            (TopicScope::Screen | TopicScope::Office, Some(c)) => {
                tstore::topics_of_office(self.svc.db(), c.office).await?
            }
            (_, None) => {
                return Err(ServiceError::Forbidden(
                    "只有办公厅（室）的工作人员可以筛选议题".into(),
                ));
            }
        };
        let topics = rows
            .iter()
            .filter(|t| viewer.clearance.may_see(clearance_of(&t.classification)))
            .filter(|t| scope != TopicScope::Screen || t.status == TopicStatus::Submitted.code())
            .map(topic_view)
            .collect::<Result<Vec<_>>>()?;
        Ok(TopicList {
            scope: match scope {
                TopicScope::Mine => "mine",
                TopicScope::Screen => "screen",
                TopicScope::Office => "office",
            }
            .to_owned(),
            topics,
            may_screen: cap.is_some(),
        })
    }

    /// How many times the office's topics were carried over (暂缓) in `[from, to)`: the
    /// figure the meetings' efficiency figures read.
    pub async fn carried_over_count(
        &self,
        office: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(tstore::count_carries(self.svc.db(), office, ms(from), ms(to)).await?)
    }
}
