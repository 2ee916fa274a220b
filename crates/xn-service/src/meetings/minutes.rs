//! 纪要 and 议定事项: once a meeting has been held (已结束), its organising office drafts the
//! minutes from it — an outgoing document of the 纪要 kind and format (GB/T 9704 10.3: its own
//! mark, no seal) with the 出席, 请假 and 列席 lists filled from the sign-ins and replies —
//! and the decisions (议定事项) it records, each with its lead unit, assisting units and
//! deadline (a date, or a number of working days). The minutes then go through the documents
//! process like any 发文. When their 核发 completes (印发), each decision becomes a supervision
//! item in the same transaction, through the supervision service's 立项 (source: this meeting,
//! linked both ways through `meeting_decisions.supervision_item_id`), and the meeting becomes
//! 纪要已印发.
//!
//! **Once only.** The minutes row is marked issued by a conditional update and each decision is
//! linked by another (`… where supervision_item_id is null`): a second 核发, 重发 or 补发 opens
//! nothing more.
//!
//! **Whose items.** The items belong to the office's supervising section (its most senior post
//! starts the item's case, and so reviews the closing), as if the section had opened them; the
//! record names the one who issued the minutes.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::{AttendRole, MeetingStatus, SigninStatus};
use xn_domain::supervision::{Importance, ItemState, ReportCycle, SourceKind};
use xn_store::Tx;
use xn_store::meetings::minutes::{self as mstore, DecisionRow, NewDecision, NewMinutes};
use xn_store::meetings::{self as store, MeetingRow};

use super::book::audit;
use super::{Meetings, beijing, beijing_date, status_of};
use crate::documents::DraftInput;
use crate::flow::ActorRef;
use crate::supervision::{AssistInput, NewItemInput};
use crate::{Actor, Result, ServiceError, Services, from_ms, ms};

/// At most this many decisions on one meeting.
const MAX_DECISIONS: usize = 30;

/// A decision (议定事项) as the office enters it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(as = meetings::DecisionInput)]
pub struct DecisionInput {
    /// What was decided.
    pub text: String,
    /// 牵头单位.
    pub lead_unit: i64,
    /// The post answerable for it; default: the unit's most senior post.
    #[serde(default)]
    pub lead_post: Option<i64>,
    /// 配合单位.
    #[serde(default)]
    pub assist_units: Vec<i64>,
    /// The deadline as a date (`2026-10-15`)…
    #[serde(default)]
    pub deadline: Option<String>,
    /// …or in working days from the day the minutes are issued.
    #[serde(default)]
    pub deadline_days: Option<u32>,
}

/// The minutes to draft.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MinutesInput {
    /// The text; default: drafted from the meeting and its decisions.
    #[serde(default)]
    pub body: String,
    /// The decisions.
    #[serde(default)]
    pub decisions: Vec<DecisionInput>,
}

/// The decisions, replaced as a whole (until the minutes are issued).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DecisionsInput {
    /// The decisions, in order.
    #[serde(default)]
    pub decisions: Vec<DecisionInput>,
}

/// The supervision item a decision became, as the meeting page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionItem {
    /// The item.
    pub id: i64,
    /// Its case.
    pub case_id: i64,
    /// State code.
    pub state: String,
    /// 待签收 / 办理中 / 办结审核中 / 已销号.
    pub state_label: String,
    /// Its deadline.
    pub deadline: String,
    /// `red`, `yellow` or none.
    pub card: Option<String>,
    /// 红牌 / 黄牌 / empty.
    pub card_label: String,
    /// Progress reports filed.
    pub reports_filed: usize,
    /// The latest progress report's text.
    pub latest_report: String,
    /// Closed on (销号日期).
    pub closed_on: Option<String>,
}

/// A decision (议定事项).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    /// Id.
    pub id: i64,
    /// Its order.
    pub seq: i64,
    /// What was decided.
    pub text: String,
    /// 牵头单位.
    pub lead_unit_id: i64,
    /// Its name.
    pub lead_unit: String,
    /// The post answerable.
    pub lead_post_id: i64,
    /// 配合单位.
    pub assist_unit_ids: Vec<i64>,
    /// Their names.
    pub assist_units: Vec<String>,
    /// The deadline as a date…
    pub deadline: Option<String>,
    /// …or in working days.
    pub deadline_days: Option<i64>,
    /// `2026年10月15日前` or `10个工作日内`.
    pub deadline_text: String,
    /// The supervision item, once the minutes are issued.
    pub item: Option<DecisionItem>,
}

/// A meeting's minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesView {
    /// The document.
    pub document_id: i64,
    /// Its title.
    pub document_title: String,
    /// Its status in Chinese.
    pub document_status: String,
    /// Its number, once registered.
    pub document_number: Option<String>,
    /// 出席.
    pub attend: Vec<String>,
    /// 请假.
    pub leave: Vec<String>,
    /// 列席.
    pub observe: Vec<String>,
    /// When issued (印发), if yet.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub issued_at: Option<DateTime<Utc>>,
}

/// The minutes part of a meeting's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesPart {
    /// The minutes, once drafted.
    pub minutes: Option<MinutesView>,
    /// The decisions.
    pub decisions: Vec<DecisionView>,
    /// Whether the viewer may draft the minutes now (the office, the meeting held, none yet).
    pub may_draft: bool,
    /// Whether the viewer may change the decisions (the office, not yet issued).
    pub may_edit: bool,
    /// Units offered as lead and assisting units: (id, name).
    pub units: Vec<(i64, String)>,
}

fn deadline_text(deadline: Option<&str>, days: Option<i64>) -> String {
    match (deadline, days) {
        (Some(d), _) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_or_else(
            |_| d.to_owned(),
            |d| d.format("%Y年%-m月%-d日前").to_string(),
        ),
        (None, Some(n)) => format!("{n}个工作日内"),
        (None, None) => String::new(),
    }
}

fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// A decision checked against the organisation, ready to store.
struct CheckedDecision {
    text: String,
    lead_unit: i64,
    lead_post: i64,
    assists: String,
    deadline: Option<String>,
    days: Option<i64>,
}

impl Meetings<'_> {
    /// Checks decisions as entered: their texts, units (within the government the office's
    /// supervision covers, so that 印发 cannot fail on them), posts and deadlines.
    async fn check_decisions(
        &self,
        tx: &mut Tx,
        m: &MeetingRow,
        input: &[DecisionInput],
    ) -> Result<Vec<CheckedDecision>> {
        if input.len() > MAX_DECISIONS {
            return Err(ServiceError::invalid(
                "decisions",
                format!("议定事项不超过 {MAX_DECISIONS} 项"),
            ));
        }
        let scope = self.svc.supervision_scope(tx, m.office_id, None).await?;
        let held = beijing_date(from_ms(m.starts_at));
        let mut out = Vec::new();
        for (i, d) in input.iter().enumerate() {
            let n = i + 1;
            let text = d.text.trim();
            if text.is_empty() {
                return Err(ServiceError::invalid(
                    "decisions",
                    format!("请填写第{n}项议定事项的内容"),
                ));
            }
            if text.chars().count() > 500 {
                return Err(ServiceError::invalid(
                    "decisions",
                    format!("第{n}项议定事项不超过 500 字"),
                ));
            }
            if !store::unit_exists(tx, d.lead_unit).await? {
                return Err(ServiceError::invalid(
                    "decisions",
                    format!("第{n}项议定事项的牵头单位不存在"),
                ));
            }
            self.svc
                .check_scope(tx, d.lead_unit, scope, "decisions")
                .await?;
            let lead_post = match d.lead_post {
                Some(p) => match xn_store::flow::post_unit(tx, p).await? {
                    Some((u, active)) if u == d.lead_unit && active != 0 => p,
                    _ => {
                        return Err(ServiceError::invalid(
                            "decisions",
                            format!("第{n}项议定事项的责任人应为牵头单位的在岗人员"),
                        ));
                    }
                },
                None => mstore::head_post(tx, d.lead_unit).await?.ok_or_else(|| {
                    ServiceError::invalid(
                        "decisions",
                        format!("第{n}项议定事项的牵头单位没有在岗人员"),
                    )
                })?,
            };
            // The item carries the decision's words: its lead post must be cleared for them.
            let level = super::clearance_of(&m.classification);
            let (name, code) = xn_store::org::post_clearance(tx, lead_post).await?;
            let cleared = crate::clearance::level(&code)?;
            if !cleared.may_see(level) {
                return Err(ServiceError::invalid(
                    "decisions",
                    format!(
                        "第{n}项议定事项的责任人{name}的涉密等级为{}，低于会议密级{}",
                        cleared.label(),
                        level.label()
                    ),
                ));
            }
            let mut assists: Vec<i64> = Vec::new();
            for a in &d.assist_units {
                if *a == d.lead_unit {
                    return Err(ServiceError::invalid(
                        "decisions",
                        format!("第{n}项议定事项的配合单位不能与牵头单位相同"),
                    ));
                }
                if !store::unit_exists(tx, *a).await? {
                    return Err(ServiceError::invalid(
                        "decisions",
                        format!("第{n}项议定事项的配合单位不存在"),
                    ));
                }
                self.svc.check_scope(tx, *a, scope, "decisions").await?;
                if !assists.contains(a) {
                    assists.push(*a);
                }
            }
            let (deadline, days) = match (d.deadline.as_deref().map(str::trim), d.deadline_days) {
                (Some(s), _) if !s.is_empty() => {
                    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                        ServiceError::invalid(
                            "decisions",
                            format!("第{n}项议定事项的完成时限“{s}”无法识别，请按“2026-10-15”填写"),
                        )
                    })?;
                    if date <= held {
                        return Err(ServiceError::invalid(
                            "decisions",
                            format!("第{n}项议定事项的完成时限应晚于会议日期"),
                        ));
                    }
                    (Some(date.to_string()), None)
                }
                (_, Some(k)) if (1..=730).contains(&k) => (None, Some(i64::from(k))),
                (_, Some(_)) => {
                    return Err(ServiceError::invalid(
                        "decisions",
                        format!("第{n}项议定事项的时限应为 1–730 个工作日"),
                    ));
                }
                _ => {
                    return Err(ServiceError::invalid(
                        "decisions",
                        format!("请填写第{n}项议定事项的完成时限（日期或工作日数）"),
                    ));
                }
            };
            out.push(CheckedDecision {
                text: text.to_owned(),
                lead_unit: d.lead_unit,
                lead_post,
                assists: serde_json::to_string(&assists)
                    .map_err(|e| ServiceError::Internal(e.into()))?,
                deadline,
                days,
            });
        }
        Ok(out)
    }

    async fn store_decisions(&self, tx: &mut Tx, id: i64, list: &[CheckedDecision]) -> Result<()> {
        let rows: Vec<NewDecision<'_>> = list
            .iter()
            .zip(1..)
            .map(|(d, seq)| NewDecision {
                seq,
                text: &d.text,
                lead_unit_id: d.lead_unit,
                lead_post_id: d.lead_post,
                assist_units: &d.assists,
                deadline: d.deadline.as_deref(),
                deadline_days: d.days,
            })
            .collect();
        mstore::replace_decisions(tx, id, &rows).await?;
        Ok(())
    }

    /// The 出席, 请假 and 列席 lists of a held meeting: from its sign-ins when it had any
    /// (those who signed in, on time or late; those on leave), otherwise from the attendance
    /// as booked and replied (everyone expected but those on an approved leave); 列席 units by
    /// name.
    async fn attendance_lists(
        &self,
        m: &MeetingRow,
    ) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
        let expected = self.expected(m).await?;
        let signins = mstore::signins_of(self.svc.db(), m.id).await?;
        let signed = signins.iter().any(|s| s.method.is_some());
        let status = |post: i64| {
            signins
                .iter()
                .find(|s| s.post_id == post)
                .and_then(|s| SigninStatus::from_code(&s.status))
        };
        let was_there = |e: &super::checkin::Expected| {
            if signed {
                status(e.post).is_some_and(SigninStatus::attended)
            } else {
                !e.on_leave
            }
        };
        let attend = expected
            .iter()
            .filter(|e| e.role == AttendRole::Attend && was_there(e))
            .map(|e| e.who.clone())
            .collect();
        let leave = expected
            .iter()
            .filter(|e| e.on_leave || status(e.post) == Some(SigninStatus::Leave))
            .map(|e| e.who.clone())
            .collect();
        let mut observe: Vec<String> = expected
            .iter()
            .filter(|e| e.role == AttendRole::Observe && was_there(e))
            .map(|e| e.who.clone())
            .collect();
        // Posts of a 列席 unit who signed in for it.
        observe.extend(
            signins
                .iter()
                .filter(|s| {
                    !expected.iter().any(|e| e.post == s.post_id)
                        && SigninStatus::from_code(&s.status).is_some_and(SigninStatus::attended)
                })
                .map(|s| s.who.clone()),
        );
        for a in store::attendees_of(self.svc.db(), &[m.id]).await? {
            if a.post_id.is_none() && a.role == AttendRole::Observe.code() {
                observe.push(a.unit_name.clone());
            }
        }
        Ok((attend, leave, observe))
    }

    /// The text the minutes start from: when, where, who chaired, and each decision with its
    /// lead unit, assisting units and deadline marked.
    fn minutes_body(
        m: &MeetingRow,
        chair: &str,
        topics: &[xn_store::meetings::topics::TopicRow],
        decisions: &[CheckedDecision],
        names: &HashMap<i64, String>,
    ) -> String {
        let start = beijing(from_ms(m.starts_at));
        let place = m
            .room_name
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| m.venue.clone());
        let at = if place.is_empty() {
            String::new()
        } else {
            format!("在{place}")
        };
        const NUMS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        let mut out = format!(
            "{}，{chair}{at}主持召开{}。",
            start.format("%Y年%-m月%-d日"),
            m.title
        );
        if topics.is_empty() {
            out.push_str("会议研究了有关工作，议定事项纪要如下：");
        } else {
            // The agenda's topics in order, each with its 汇报单位 and 请求事项.
            out.push_str(&format!("会议按议程研究了{}个议题：", topics.len()));
            for (i, t) in topics.iter().enumerate() {
                let num = NUMS
                    .get(i)
                    .map_or_else(|| (i + 1).to_string(), |n| (*n).to_owned());
                out.push_str(&format!(
                    "\n\n（{num}）{}。会议听取了{}的汇报（汇报人：{}）。{}提请会议研究：{}",
                    t.title.trim_end_matches('。'),
                    t.unit_name,
                    t.reporter,
                    t.unit_name,
                    t.request.trim()
                ));
                if !t.request.trim().ends_with('。') {
                    out.push('。');
                }
            }
            out.push_str("\n\n议定事项纪要如下：");
        }
        for (i, d) in decisions.iter().enumerate() {
            let num = NUMS
                .get(i)
                .map_or_else(|| (i + 1).to_string(), |n| (*n).to_owned());
            let assists: Vec<i64> = serde_json::from_str(&d.assists).unwrap_or_default();
            let assist = if assists.is_empty() {
                String::new()
            } else {
                format!(
                    "；配合单位：{}",
                    assists
                        .iter()
                        .filter_map(|u| names.get(u).cloned())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            };
            out.push_str(&format!(
                "\n\n{num}、{}（牵头单位：{}{assist}；完成时限：{}）",
                d.text.trim_end_matches('。'),
                names.get(&d.lead_unit).cloned().unwrap_or_default(),
                deadline_text(d.deadline.as_deref(), d.days)
            ));
        }
        out
    }

    /// Drafts a held meeting's minutes (the organising office, once): the 纪要 document with
    /// the attendance lists and the decisions, in one transaction. Returns the document's id.
    pub async fn draft_minutes(
        &self,
        actor: &Actor,
        id: i64,
        input: &MinutesInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (_, m) = self.managed(actor, id).await?;
        let status = status_of(&m)?;
        if status != MeetingStatus::Ended {
            return Err(ServiceError::Conflict {
                code: "meetings.state",
                message: if status == MeetingStatus::Minuted {
                    "会议纪要已印发".to_owned()
                } else {
                    format!("会议{}，会议结束后才能起草纪要", status.label())
                },
            });
        }
        if mstore::find_minutes(self.svc.db(), id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "meetings.minutes_drafted",
                message: "本次会议的纪要已经起草，请在公文中修改".into(),
            });
        }
        let (attend, leave, observe) = self.attendance_lists(&m).await?;
        let names: HashMap<i64, String> = xn_store::org::list_units(self.svc.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let chair = store::post_labels(self.svc.db(), &[m.chair_post_id])
            .await?
            .first()
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let mut tx = self.svc.db().begin().await?;
        let decisions = self.check_decisions(&mut tx, &m, &input.decisions).await?;
        let body = if input.body.trim().is_empty() {
            let topics: Vec<_> = xn_store::meetings::topics::topics_of_meeting(self.svc.db(), id)
                .await?
                .into_iter()
                .filter(|t| t.status == xn_domain::meetings::topics::TopicStatus::Scheduled.code())
                .collect();
            Self::minutes_body(&m, &chair, &topics, &decisions, &names)
        } else {
            input.body.trim().to_owned()
        };
        let doc = self
            .svc
            .documents()
            .draft_in(
                &mut tx,
                actor,
                &DraftInput {
                    kind: "minutes".into(),
                    format: Some("minutes".into()),
                    title: format!("{}纪要", m.title),
                    classification: Some(m.classification.clone()),
                    seal: false,
                    body,
                    version_note: Some("据会议起草".into()),
                    ..DraftInput::default()
                },
                now,
            )
            .await?;
        let json = |v: &Vec<String>| {
            serde_json::to_string(v).map_err(|e| ServiceError::Internal(e.into()))
        };
        mstore::insert_minutes(
            &mut tx,
            &NewMinutes {
                meeting_id: id,
                document_id: doc,
                attend_list: &json(&attend)?,
                leave_list: &json(&leave)?,
                observe_list: &json(&observe)?,
                drafted_by_post_id: actor.post_id().unwrap_or_default(),
            },
            ms(now),
        )
        .await?;
        self.store_decisions(&mut tx, id, &decisions).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.minutes_drafted",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "document": doc, "decisions": decisions.len()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Replaces a meeting's decisions while its minutes are not yet issued (the organising
    /// office).
    pub async fn set_decisions(
        &self,
        actor: &Actor,
        id: i64,
        input: &DecisionsInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (_, m) = self.managed(actor, id).await?;
        let Some(minutes) = mstore::find_minutes(self.svc.db(), id).await? else {
            return Err(ServiceError::Conflict {
                code: "meetings.no_minutes",
                message: "请先起草会议纪要".into(),
            });
        };
        if minutes.issued_at.is_some() {
            return Err(ServiceError::Conflict {
                code: "meetings.minutes_issued",
                message: "纪要已印发，议定事项已转入督查督办，不能再修改".into(),
            });
        }
        let mut tx = self.svc.db().begin().await?;
        let decisions = self.check_decisions(&mut tx, &m, &input.decisions).await?;
        // Re-read inside the transaction: an issue that committed meanwhile wins.
        if mstore::find_minutes_tx(&mut tx, id)
            .await?
            .is_some_and(|x| x.issued_at.is_some())
        {
            return Err(ServiceError::Conflict {
                code: "meetings.minutes_issued",
                message: "纪要已印发，议定事项已转入督查督办，不能再修改".into(),
            });
        }
        self.store_decisions(&mut tx, id, &decisions).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.decisions_set",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "decisions": decisions.len()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The minutes and decisions of a meeting the viewer sees, each decision with its item's
    /// progress and card.
    pub async fn minutes(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<MinutesPart> {
        let detail = self.get_at(actor, id, now).await?;
        let db = self.svc.db();
        let minutes = mstore::find_minutes(db, id).await?;
        let names: HashMap<i64, String> = xn_store::org::list_units(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut decisions = Vec::new();
        for d in mstore::decisions_of(db, id).await? {
            decisions.push(self.decision_view(d, &names).await?);
        }
        let minutes_view = match &minutes {
            Some(x) => {
                let doc = xn_store::documents::find_document(db, x.document_id).await?;
                Some(MinutesView {
                    document_id: x.document_id,
                    document_title: doc.title.clone(),
                    document_status: crate::documents::status_label(&doc.status).to_owned(),
                    document_number: doc.doc_number.clone(),
                    attend: list(&x.attend_list),
                    leave: list(&x.leave_list),
                    observe: list(&x.observe_list),
                    issued_at: x.issued_at.map(from_ms),
                })
            }
            None => None,
        };
        let ended = detail.meeting.status == MeetingStatus::Ended.code();
        let issued = minutes.as_ref().is_some_and(|x| x.issued_at.is_some());
        let units = if detail.may_manage {
            let mut tx = db.begin_read().await?;
            let m = store::find_meeting(db, id).await?;
            let scope = self
                .svc
                .supervision_scope(&mut tx, m.office_id, None)
                .await?;
            let mut out = Vec::new();
            for u in xn_store::org::list_units(db).await? {
                if matches!(u.kind.as_str(), "government" | "office" | "bureau")
                    && self.svc.is_within(&mut tx, u.id, scope).await?
                {
                    out.push((u.id, u.name));
                }
            }
            out
        } else {
            Vec::new()
        };
        Ok(MinutesPart {
            may_draft: detail.may_manage && ended && minutes.is_none(),
            may_edit: detail.may_manage && minutes.is_some() && !issued,
            minutes: minutes_view,
            decisions,
            units,
        })
    }

    async fn decision_view(
        &self,
        d: DecisionRow,
        names: &HashMap<i64, String>,
    ) -> Result<DecisionView> {
        let assists: Vec<i64> = serde_json::from_str(&d.assist_units).unwrap_or_default();
        let item = match d.supervision_item_id {
            Some(item) => {
                let row = xn_store::supervision::find_item(self.svc.db(), item).await?;
                let reports = xn_store::supervision::reports_of(self.svc.db(), item).await?;
                let filed: Vec<_> = reports.iter().filter(|r| r.filed_at.is_some()).collect();
                Some(DecisionItem {
                    id: row.id,
                    case_id: row.case_id,
                    state_label: ItemState::parse(&row.state)
                        .map(|s| s.label().to_owned())
                        .unwrap_or_default(),
                    state: row.state,
                    deadline: row.deadline,
                    card_label: match row.card.as_deref() {
                        Some("red") => "红牌".to_owned(),
                        Some("yellow") => "黄牌".to_owned(),
                        _ => String::new(),
                    },
                    card: row.card,
                    reports_filed: filed.len(),
                    latest_report: filed
                        .iter()
                        .max_by_key(|r| r.filed_at)
                        .and_then(|r| r.content.clone())
                        .unwrap_or_default(),
                    closed_on: row.closed_on,
                })
            }
            None => None,
        };
        Ok(DecisionView {
            id: d.id,
            seq: d.seq,
            text: d.text,
            lead_unit_id: d.lead_unit_id,
            lead_unit: d.lead_unit,
            lead_post_id: d.lead_post_id,
            assist_units: assists
                .iter()
                .filter_map(|u| names.get(u).cloned())
                .collect(),
            assist_unit_ids: assists,
            deadline_text: deadline_text(d.deadline.as_deref(), d.deadline_days),
            deadline: d.deadline,
            deadline_days: d.deadline_days,
            item,
        })
    }
}

impl Services {
    /// The meetings area's part of a 核发 (called by the documents hook inside the action's
    /// transaction): when the document is a meeting's 纪要 not yet issued, every decision
    /// becomes a supervision item (see the module's note) and the meeting 纪要已印发.
    /// Anything else, or a second call, does nothing.
    pub(crate) async fn minutes_issued(
        &self,
        tx: &mut Tx,
        doc_id: i64,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(minutes) = mstore::minutes_of_document_tx(tx, doc_id).await? else {
            return Ok(());
        };
        let meeting = minutes.meeting_id;
        if !mstore::mark_issued(tx, meeting, ms(now)).await? {
            return Ok(());
        }
        let m = store::find_meeting_tx(tx, meeting).await?;
        let owner = match mstore::supervision_section_of(tx, m.office_id).await? {
            Some(section) => mstore::head_post(tx, section).await?,
            None => None,
        };
        let doc = xn_store::documents::find_document_tx(tx, doc_id).await?;
        let number = doc.doc_number.clone().unwrap_or_default();
        let mut opened = Vec::new();
        for d in mstore::decisions_of_tx(tx, meeting).await? {
            if d.supervision_item_id.is_some() {
                continue;
            }
            let assists: Vec<i64> = serde_json::from_str(&d.assist_units).unwrap_or_default();
            let title: String = d.text.chars().take(60).collect();
            let input = NewItemInput {
                source_kind: SourceKind::Meeting,
                source_case_id: None,
                source_text: format!(
                    "《{}》（{number}）议定事项第{}项：{}",
                    doc.title, d.seq, d.text
                ),
                source_leader: String::new(),
                source_leader_post: Some(m.chair_post_id),
                title,
                content: d.text.clone(),
                requirements: String::new(),
                lead_unit: d.lead_unit_id,
                lead_post: d.lead_post_id,
                assists: assists
                    .into_iter()
                    .map(|unit| AssistInput { unit, post: None })
                    .collect(),
                deadline: d
                    .deadline
                    .as_deref()
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                deadline_days: d.deadline_days.and_then(|n| u32::try_from(n).ok()),
                report_cycle: ReportCycle::default(),
                report_day: 0,
                importance: Importance::default(),
            };
            let item = self
                .supervision()
                .open_for_meeting(tx, actor, owner, m.office_id, &input, now)
                .await
                .map_err(|e| match e {
                    ServiceError::Invalid { field, message } => ServiceError::Invalid {
                        field,
                        message: format!("纪要第{}项议定事项无法转入督办：{message}", d.seq),
                    },
                    other => other,
                })?;
            if mstore::link_item(tx, d.id, item).await? {
                opened.push(item);
            }
        }
        store::set_status(
            tx,
            meeting,
            MeetingStatus::Ended.code(),
            MeetingStatus::Minuted.code(),
            "",
            ms(now),
        )
        .await?;
        crate::events::record(
            tx,
            &actor.audit(),
            "meeting.minutes_issued",
            Some(format!("meeting:{meeting}")),
            json!({"meeting": meeting, "document": doc_id, "items": opened}),
            now,
        )
        .await?;
        Ok(())
    }
}
