//! An item's page, as the pages and the API show it: the item with its reports, cards, change
//! requests, sub-items and timeline (the flow's events and the area's), what the viewer may do
//! on it, and the items opened from a case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::org::Permission;
use xn_domain::supervision::{Importance, ItemState, ReportCycle, SourceKind};
use xn_store::supervision as store;

use super::{Supervision, parse_date};
use crate::flow::TimelineEntry;
use crate::{Actor, Result, ServiceError, from_ms, require};

/// A progress report as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = supervision::ReportView)]
pub struct ReportView {
    /// Number.
    pub seq: i64,
    /// Due.
    pub due_date: String,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Text.
    pub content: Option<String>,
    /// Filed at.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub filed_at: Option<DateTime<Utc>>,
    /// Filer.
    pub filed_by: Option<String>,
}

/// A change request as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    /// Id.
    pub id: i64,
    /// Reason.
    pub reason: String,
    /// Proposed lead (name).
    pub new_lead: Option<String>,
    /// Proposed deadline.
    pub new_deadline: Option<String>,
    /// Status label.
    pub status_label: String,
    /// Whether still pending.
    pub pending: bool,
    /// Opinion.
    pub opinion: Option<String>,
    /// Requested at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// A sub-item as shown on its parent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubItemView {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Lead unit.
    pub lead_unit: String,
    /// Person.
    pub lead_person: String,
    /// Deadline.
    pub deadline: String,
    /// State label.
    pub state_label: String,
    /// Card.
    pub card: Option<String>,
}

/// A card as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardLine {
    /// `yellow` / `red`.
    pub color: String,
    /// Label.
    pub label: String,
    /// Against whom.
    pub against: String,
    /// The deadline missed.
    pub due_date: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: DateTime<Utc>,
}

/// An item's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemDetail {
    /// Id.
    pub id: i64,
    /// Its case.
    pub case_id: i64,
    /// Title.
    pub title: String,
    /// Content.
    pub content: String,
    /// Requirements.
    pub requirements: String,
    /// Source label.
    pub source_label: String,
    /// Source case (linked).
    pub source_case_id: Option<i64>,
    /// Source case title.
    pub source_case_title: Option<String>,
    /// The information item whose 批示 it came from (its page is where it is read).
    pub source_information: Option<i64>,
    /// The meeting whose decision (议定事项) it is: (meeting id, its title, the decision's
    /// order in the minutes).
    pub source_meeting: Option<(i64, String, i64)>,
    /// The research topic on whose report the instruction was given: (topic id, its title).
    pub source_research: Option<(i64, String)>,
    /// Instruction text.
    pub source_text: String,
    /// Leader.
    pub source_leader: String,
    /// Parent item (id, title).
    pub parent: Option<(i64, String)>,
    /// Lead unit.
    pub lead_unit: String,
    /// Lead person.
    pub lead_person: String,
    /// Assisting units (unit, person).
    pub assists: Vec<(String, String)>,
    /// Deadline.
    pub deadline: String,
    /// Working days left (negative: overdue) while open.
    pub days_left: Option<i64>,
    /// The report schedule in words.
    pub report_schedule: String,
    /// Importance label.
    pub importance_label: String,
    /// State code.
    pub state: String,
    /// State label.
    pub state_label: String,
    /// Opened by.
    pub opened_by: String,
    /// Opened at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// Times sent back at review.
    pub sent_back: i64,
    /// Strongest card.
    pub card: Option<String>,
    /// Cards.
    pub cards: Vec<CardLine>,
    /// Reports.
    pub reports: Vec<ReportView>,
    /// Change requests.
    pub changes: Vec<ChangeView>,
    /// Sub-items.
    pub subs: Vec<SubItemView>,
    /// History: the flow's and the area's events.
    pub timeline: Vec<TimelineEntry>,
    /// The viewer may sign for it.
    pub can_sign: bool,
    /// … file a report, decompose, apply for closing, request a change.
    pub can_handle: bool,
    /// … review the closing.
    pub can_review: bool,
    /// … decide the pending change.
    pub can_decide_change: bool,
    /// … urge.
    pub can_urge: bool,
}
fn report_label(s: &str) -> &'static str {
    match s {
        "due" => "待报送",
        "filed" => "按期报送",
        "late" => "逾期补报",
        "missed" => "逾期未报",
        _ => "已取消",
    }
}
impl Supervision<'_> {
    /// An item the actor may see (its lead, opener, instructing leader, lead or assisting unit,
    /// a post that held one of its steps, or a supervising section overseeing it), with its
    /// case's tasks. An item out of the actor's reach answers like a missing one (404), before
    /// anything about it (its state, the fields asked for) is checked: the answer tells nothing
    /// of what exists. Every action on an item asks this first.
    pub(crate) async fn reachable_item(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(store::ItemRow, Vec<xn_store::flow::TaskRow>)> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let item = store::find_item(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        let assists = store::assists_of(self.svc.db(), id).await?;
        let tasks = xn_store::flow::tasks_of_case(self.svc.db(), item.case_id).await?;
        let mine = [item.lead_post_id, item.created_post_id].contains(&post.id)
            || item.source_leader_post_id == Some(post.id)
            || item.lead_unit_id == post.unit_id
            || assists
                .iter()
                .any(|(u, _, p, _)| *u == post.unit_id || *p == Some(post.id))
            || tasks.iter().any(|t| t.post_id == post.id);
        if !mine && !self.svc.is_board_member(actor, &item).await? {
            return Err(ServiceError::NotFound("督办事项"));
        }
        // An item carries its source's 密级: above the actor's clearance it is not there.
        if !actor.may_see(crate::clearance::level(&item.classification)?) {
            return Err(ServiceError::NotFound("督办事项"));
        }
        Ok((item, tasks))
    }

    /// [`Supervision::item`] as the item's page and the API read it: a read of a classified
    /// item and a refused read are recorded for the auditor (`crate::reads`).
    pub async fn read_item(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<ItemDetail> {
        let got = self.item(actor, id, now).await;
        self.svc
            .record_read(actor, crate::reads::ReadOf::SupervisionItem, id, got, now)
            .await
    }

    /// An item as its page shows it, if the actor may see it.
    pub async fn item(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<ItemDetail> {
        let (item, tasks) = self.reachable_item(actor, id).await?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let assists = store::assists_of(self.svc.db(), id).await?;
        let board = self.svc.is_board_member(actor, &item).await?;
        let today = business_date(now);
        let cal = self.svc.flow_calendar().await?;
        let state = ItemState::parse(&item.state);
        let deadline = parse_date(&item.deadline)?;
        let source_case_title = match item.source_case_id {
            Some(c) => xn_store::flow::find_case(self.svc.db(), c)
                .await
                .ok()
                .map(|r| r.title),
            None => None,
        };
        let source_information = match item.source_case_id {
            Some(c) => xn_store::information_commissions::item_of_receipt_case(self.svc.db(), c)
                .await?
                .map(|(item, _)| item),
            None => None,
        };
        let parent = match item.parent_id {
            Some(p) => store::find_item(self.svc.db(), p)
                .await
                .ok()
                .map(|r| (r.id, r.title)),
            None => None,
        };
        let cards_rows = xn_store::flow::cards_of_case(self.svc.db(), item.case_id).await?;
        let changes = store::changes_of(self.svc.db(), id).await?;
        let mut ids: Vec<i64> = tasks.iter().map(|t| t.post_id).collect();
        ids.extend(cards_rows.iter().filter_map(|c| c.post_id));
        ids.extend(changes.iter().filter_map(|c| c.new_lead_post_id));
        ids.push(item.created_post_id);
        ids.push(item.lead_post_id);
        let names = self.svc.post_names(&ids).await?;
        let name = |p: i64| {
            names
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("岗位 {p}"))
        };
        let case = xn_store::flow::find_case(self.svc.db(), item.case_id).await?;
        let def = self.svc.process_def(case.process_id).await?;
        let mut timeline = self.svc.timeline(item.case_id, &names, &def).await?;
        timeline.extend(self.area_timeline(item.case_id, &names).await?);
        timeline.sort_by_key(|e| (e.at, e.seq));
        // "name（unit · position）" after the name reads as the post alone.
        for e in &mut timeline {
            if let Some(p) = e.as_post.take() {
                let inner = p
                    .strip_prefix(e.who.as_str())
                    .and_then(|r| r.strip_prefix('（'))
                    .and_then(|r| r.strip_suffix('）'))
                    .map(str::to_owned);
                e.as_post = Some(inner.unwrap_or(p));
            }
        }
        let open_step = |step: &str| {
            tasks
                .iter()
                .any(|t| t.step_id == step && t.state == "open" && t.post_id == post.id)
        };
        let pending_change = changes.iter().any(|c| c.status == "pending");
        Ok(ItemDetail {
            id: item.id,
            case_id: item.case_id,
            title: item.title.clone(),
            content: item.content.clone(),
            requirements: item.requirements.clone(),
            source_label: SourceKind::parse(&item.source_kind)
                .map(|k| k.label().to_owned())
                .unwrap_or_default(),
            source_case_id: item.source_case_id,
            source_case_title,
            source_information,
            source_meeting: xn_store::meetings::minutes::meeting_of_item(self.svc.db(), item.id)
                .await?,
            source_research: xn_store::research::topic_of_item(self.svc.db(), item.id).await?,
            source_text: item.source_text.clone(),
            source_leader: item.source_leader.clone(),
            parent,
            lead_unit: item.lead_unit_name.clone(),
            lead_person: item.lead_person_name.clone(),
            assists: assists
                .into_iter()
                .map(|(_, u, _, p)| (u, p.unwrap_or_default()))
                .collect(),
            deadline: item.deadline.clone(),
            days_left: (state != Some(ItemState::Closed))
                .then(|| cal.working_days_between(today, deadline)),
            report_schedule: match ReportCycle::parse(&item.report_cycle) {
                Some(c) => c.describe(crate::exact("the item's report day", item.report_day)?),
                None => String::new(),
            },
            importance_label: Importance::parse(&item.importance)
                .map(|i| i.label().to_owned())
                .unwrap_or_default(),
            state: item.state.clone(),
            state_label: state.map(|s| s.label().to_owned()).unwrap_or_default(),
            opened_by: name(item.created_post_id),
            created_at: from_ms(item.created_at),
            sent_back: item.sent_back,
            card: item.card.clone(),
            cards: cards_rows
                .iter()
                .map(|c| CardLine {
                    color: c.color.clone(),
                    label: if c.color == "red" { "红牌" } else { "黄牌" }.into(),
                    against: c.post_id.map(name).unwrap_or_default(),
                    due_date: c.due_date.clone(),
                    issued_at: from_ms(c.issued_at),
                })
                .collect(),
            reports: store::reports_of(self.svc.db(), id)
                .await?
                .into_iter()
                .filter(|r| r.status != "cancelled")
                .map(|r| ReportView {
                    seq: r.seq,
                    status_label: report_label(&r.status).into(),
                    due_date: r.due_date,
                    status: r.status,
                    content: r.content,
                    filed_at: r.filed_at.map(from_ms),
                    filed_by: r.filed_by,
                })
                .collect(),
            changes: changes
                .iter()
                .map(|c| ChangeView {
                    id: c.id,
                    reason: c.reason.clone(),
                    new_lead: c.new_lead_post_id.map(name),
                    new_deadline: c.new_deadline.clone(),
                    status_label: match c.status.as_str() {
                        "pending" => "待审批",
                        "approved" => "已同意",
                        _ => "未同意",
                    }
                    .into(),
                    pending: c.status == "pending",
                    opinion: c.opinion.clone(),
                    created_at: from_ms(c.created_at),
                })
                .collect(),
            subs: store::children(self.svc.db(), id)
                .await?
                .into_iter()
                .map(|s| SubItemView {
                    id: s.id,
                    title: s.title,
                    lead_unit: s.lead_unit_name,
                    lead_person: s.lead_person_name,
                    deadline: s.deadline,
                    state_label: ItemState::parse(&s.state)
                        .map(|x| x.label().to_owned())
                        .unwrap_or_default(),
                    card: s.card,
                })
                .collect(),
            timeline,
            can_sign: open_step("sign"),
            can_handle: open_step("handle"),
            can_review: open_step("review"),
            can_decide_change: pending_change && item.created_post_id == post.id,
            can_urge: state != Some(ItemState::Closed)
                && (board || item.created_post_id == post.id),
        })
    }

    /// The area's own events on an item's case, as timeline lines.
    async fn area_timeline(
        &self,
        case_id: i64,
        names: &HashMap<i64, String>,
    ) -> Result<Vec<TimelineEntry>> {
        let rows = xn_store::events::list(
            self.svc.db(),
            "supervision.",
            &format!("case:{case_id}"),
            0,
            1000,
        )
        .await?;
        let mut out = Vec::new();
        for e in rows {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
            let n = |k: &str| d.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
            let text = match e.kind.as_str() {
                "supervision.opened" => format!("立项，办理时限 {}", s("deadline")),
                "supervision.signed" => format!("签收，应报送进展 {} 次", n("reports")),
                "supervision.decomposed" => format!(
                    "分解为 {} 项子事项",
                    d.get("subs").and_then(|v| v.as_array()).map_or(0, Vec::len)
                ),
                "supervision.report_filed" => format!(
                    "报送第 {} 次进展（{}）",
                    n("seq"),
                    report_label(&s("status"))
                ),
                "supervision.report_missed" => format!("第 {} 次进展逾期未报", n("seq")),
                "supervision.due_soon" => format!("临期提醒（时限 {}）", s("due_date")),
                "supervision.yellow_card" => format!("超期，亮黄牌（时限 {}）", s("due_date")),
                "supervision.red_card" => format!("严重超期，亮红牌（时限 {}）", s("due_date")),
                "supervision.change_requested" => "申请调整牵头单位或办理时限".to_owned(),
                "supervision.change_decided" => {
                    if d.get("approved").and_then(serde_json::Value::as_bool) == Some(true) {
                        "同意调整".to_owned()
                    } else {
                        "不同意调整".to_owned()
                    }
                }
                "supervision.urged" => "督查催办".to_owned(),
                "supervision.closed" => "审核通过，销号".to_owned(),
                _ => continue,
            };
            let opinion = ["opinion", "reason", "message"]
                .iter()
                .map(|k| s(k))
                .find(|v| !v.is_empty());
            out.push(TimelineEntry {
                seq: e.id,
                at: from_ms(e.at),
                who: e.actor_name.unwrap_or_else(|| "系统".into()),
                as_post: e.actor_post_id.and_then(|p| names.get(&p).cloned()),
                kind: e.kind,
                step: None,
                text,
                decision: None,
                opinion,
            });
        }
        Ok(out)
    }

    /// The items opened from a case's instructions: (id, title, state label).
    pub async fn items_from_case(&self, case_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(store::items_from_case(self.svc.db(), case_id)
            .await?
            .into_iter()
            .map(|r| {
                let label = ItemState::parse(&r.state)
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default();
                (r.id, r.title, label)
            })
            .collect())
    }
}
