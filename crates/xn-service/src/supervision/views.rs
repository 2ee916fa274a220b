//! What the supervision pages and API show: the board, a unit's items, a leader's items, an
//! item with its reports, cards and timeline, and the draft of an item from an instruction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::org::Permission;
use xn_domain::supervision::{Importance, ItemState, ReportCycle, SourceKind};
use xn_store::supervision::{self as store, ItemFilter, ItemRow, Scope};

use super::{NewItemInput, parse_date};
use crate::flow::TimelineEntry;
use crate::{Actor, Result, ServiceError, Services, from_ms, require};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// 督查台账: every item of the supervising office.
    #[default]
    Board,
    /// 本单位事项: items the actor's unit or post leads or assists.
    Unit,
    /// 我批示的事项: items from the actor's instructions.
    Leader,
}

impl Tab {
    /// Parses a query value.
    pub fn parse(s: &str) -> Tab {
        match s {
            "unit" => Tab::Unit,
            "leader" => Tab::Leader,
            _ => Tab::Board,
        }
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Tab::Board => "board",
            Tab::Unit => "unit",
            Tab::Leader => "leader",
        }
    }
}

/// A list's filters, sort and page.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    /// Which list.
    pub tab: Tab,
    /// State code.
    pub state: Option<String>,
    /// Lead unit.
    pub lead_unit: Option<i64>,
    /// `red`, `yellow`, `any`, `none`.
    pub card: Option<String>,
    /// Source kind code.
    pub source_kind: Option<String>,
    /// Words.
    pub q: Option<String>,
    /// Only overdue open items.
    pub overdue: bool,
    /// `deadline`, `created`, `card`, `unit`.
    pub sort: String,
    /// Descending.
    pub desc: bool,
    /// Page, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

/// An item in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemListRow {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Source label.
    pub source_label: String,
    /// The leader.
    pub source_leader: String,
    /// Lead unit.
    pub lead_unit: String,
    /// Responsible person.
    pub lead_person: String,
    /// Deadline.
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// State code.
    pub state: String,
    /// State label.
    pub state_label: String,
    /// `red`, `yellow` or none.
    pub card: Option<String>,
    /// Working days left (negative: overdue), for open items.
    pub days_left: Option<i64>,
    /// Importance label.
    pub importance_label: String,
    /// Whether it is a sub-item.
    pub is_sub: bool,
    /// The next progress report owed.
    pub next_report: Option<String>,
    /// Reports missed and not yet filed.
    pub missed_reports: i64,
}

/// A count by state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateCount {
    /// State code.
    pub state: String,
    /// Label.
    pub label: String,
    /// Count.
    pub count: i64,
}

/// A page of items.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemList {
    /// Rows.
    pub rows: Vec<ItemListRow>,
    /// Total matching.
    pub total: i64,
    /// Page.
    pub page: i64,
    /// Pages.
    pub pages: i64,
    /// Counts by state over the whole list.
    pub counts: Vec<StateCount>,
    /// Whether the actor may open items here.
    pub can_open: bool,
    /// Why the list is empty by design (not in a supervising office…), if so.
    pub note: Option<String>,
}

/// A progress report as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

/// An item drafted from an instruction on a case.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct InstructionDraft {
    /// The case.
    pub case_id: i64,
    /// Its title.
    pub case_title: String,
    /// The leader's post.
    pub leader_post: Option<i64>,
    /// The leader's name.
    pub leader_name: String,
    /// The instruction's text.
    pub text: String,
}

fn row_view(r: &ItemRow, today: NaiveDate, cal: &xn_domain::calendar::Calendar) -> ItemListRow {
    let deadline = parse_date(&r.deadline).unwrap_or(today);
    let state = ItemState::parse(&r.state);
    ItemListRow {
        id: r.id,
        title: r.title.clone(),
        source_label: SourceKind::parse(&r.source_kind)
            .map(|k| k.label().to_owned())
            .unwrap_or_default(),
        source_leader: r.source_leader.clone(),
        lead_unit: r.lead_unit_name.clone(),
        lead_person: r.lead_person_name.clone(),
        deadline,
        state: r.state.clone(),
        state_label: state.map(|s| s.label().to_owned()).unwrap_or_default(),
        card: r.card.clone(),
        days_left: (state != Some(ItemState::Closed))
            .then(|| cal.working_days_between(today, deadline)),
        importance_label: Importance::parse(&r.importance)
            .map(|i| i.label().to_owned())
            .unwrap_or_default(),
        is_sub: r.parent_id.is_some(),
        next_report: r.next_report.clone(),
        missed_reports: r.missed_reports,
    }
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

impl Services {
    /// The offices whose board the actor sees: a supervising section's office; an office's own
    /// directors; a government's leaders see its office.
    pub async fn board_offices(&self, actor: &Actor) -> Result<Vec<i64>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(Vec::new());
        };
        let mut tx = self.db().begin_read().await?;
        let (parent, kind, _, _) = xn_store::org::unit_brief(&mut tx, post.unit_id).await?;
        let out = if store::is_section(self.db(), post.unit_id).await? {
            vec![self.office_of_unit(&mut tx, post.unit_id).await?]
        } else if kind == "office" {
            vec![post.unit_id]
        } else if kind == "government" {
            let mut v = Vec::new();
            for id in xn_store::documents::child_units(&mut tx, post.unit_id).await? {
                if xn_store::org::unit_brief(&mut tx, id).await?.1 == "office" {
                    v.push(id);
                }
            }
            v
        } else {
            let _ = parent;
            Vec::new()
        };
        drop(tx);
        Ok(out)
    }

    /// Whether the actor sees the board the item is on.
    pub(crate) async fn is_board_member(&self, actor: &Actor, item: &ItemRow) -> Result<bool> {
        Ok(self
            .board_offices(actor)
            .await?
            .contains(&item.office_unit_id))
    }

    /// Whether the actor's supervising section oversees a case of `unit` (it may see the case
    /// and open an item from an instruction on it).
    pub(crate) async fn oversees_case(&self, actor: &Actor, unit: i64) -> Result<bool> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(false);
        };
        if !store::is_section(self.db(), post.unit_id).await? {
            return Ok(false);
        }
        let mut tx = self.db().begin_read().await?;
        let office = self.office_of_unit(&mut tx, post.unit_id).await?;
        let case_office = self.office_of_unit(&mut tx, unit).await?;
        // The office's own cases, and those of the units it oversees below its government
        // (a county office under the city): the office's government is an ancestor of both.
        let (gov, _, _, _) = xn_store::org::unit_brief(&mut tx, office).await?;
        let within = match gov {
            Some(g) => self.is_within(&mut tx, case_office, g).await?,
            None => case_office == office,
        };
        drop(tx);
        Ok(within)
    }

    /// A list of items.
    pub async fn supervision_list(
        &self,
        actor: &Actor,
        q: &ItemQuery,
        now: DateTime<Utc>,
    ) -> Result<ItemList> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let today = business_date(now);
        let mut note = None;
        let scope = match q.tab {
            Tab::Board => {
                let offices = self.board_offices(actor).await?;
                if offices.is_empty() {
                    note = Some(
                        "督查台账供督查科（股）及办公室负责同志使用；您可在「本单位事项」中查看交由本单位办理的事项。"
                            .to_owned(),
                    );
                }
                Scope::Office(offices)
            }
            Tab::Unit => Scope::Unit {
                units: vec![post.unit_id],
                posts: vec![post.id],
            },
            Tab::Leader => Scope::Leader(vec![post.id]),
        };
        let per_page = q.per_page.clamp(1, 500);
        let page = q.page.max(1);
        let filter = ItemFilter {
            state: q.state.clone().filter(|s| ItemState::parse(s).is_some()),
            lead_unit: q.lead_unit,
            card: q.card.clone(),
            source_kind: q
                .source_kind
                .clone()
                .filter(|s| SourceKind::parse(s).is_some()),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
            overdue: q.overdue,
            today: today.to_string(),
            sort: q.sort.clone(),
            desc: q.desc,
            top_only: false,
        };
        let (rows, total) =
            store::list_items(self.db(), &scope, &filter, (page - 1) * per_page, per_page).await?;
        let counts = store::count_by_state(self.db(), &scope).await?;
        let cal = self.flow_calendar().await?;
        Ok(ItemList {
            rows: rows.iter().map(|r| row_view(r, today, &cal)).collect(),
            total,
            page,
            pages: (total + per_page - 1) / per_page,
            counts: ItemState::ALL
                .iter()
                .map(|s| StateCount {
                    state: s.code().into(),
                    label: s.label().into(),
                    count: counts
                        .iter()
                        .find(|(c, _)| c == s.code())
                        .map_or(0, |(_, n)| *n),
                })
                .collect(),
            can_open: self.in_supervision_section(actor).await?,
            note,
        })
    }

    /// A list as a worksheet (every matching row, not just the page).
    pub async fn supervision_sheet(
        &self,
        actor: &Actor,
        q: &ItemQuery,
        now: DateTime<Utc>,
    ) -> Result<xn_render::xlsx::Sheet> {
        let mut all = q.clone();
        all.page = 1;
        all.per_page = 500;
        let mut rows = Vec::new();
        loop {
            let list = self.supervision_list(actor, &all, now).await?;
            let n = list.rows.len();
            rows.extend(list.rows);
            if all.page >= list.pages || n == 0 || rows.len() >= 20_000 {
                break;
            }
            all.page += 1;
        }
        let sheet = xn_render::xlsx::Sheet {
            name: "督办事项".into(),
            header: [
                "编号",
                "事项名称",
                "来源",
                "批示领导",
                "牵头单位",
                "责任人",
                "办理时限",
                "状态",
                "剩余工作日",
                "亮牌",
                "重要程度",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            rows: rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.title,
                        r.source_label,
                        r.source_leader,
                        r.lead_unit,
                        r.lead_person,
                        r.deadline.to_string(),
                        r.state_label,
                        r.days_left.map(|d| d.to_string()).unwrap_or_default(),
                        match r.card.as_deref() {
                            Some("red") => "红牌".into(),
                            Some("yellow") => "黄牌".into(),
                            _ => String::new(),
                        },
                        r.importance_label,
                    ]
                })
                .collect(),
        };
        Ok(sheet)
    }

    /// An item as its page shows it, if the actor may see it.
    pub async fn supervision_item(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<ItemDetail> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let item = store::find_item(self.db(), id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        let assists = store::assists_of(self.db(), id).await?;
        let tasks = xn_store::flow::tasks_of_case(self.db(), item.case_id).await?;
        let board = self.is_board_member(actor, &item).await?;
        let mine = [item.lead_post_id, item.created_post_id].contains(&post.id)
            || item.source_leader_post_id == Some(post.id)
            || item.lead_unit_id == post.unit_id
            || assists
                .iter()
                .any(|(u, _, p, _)| *u == post.unit_id || *p == Some(post.id))
            || tasks.iter().any(|t| t.post_id == post.id);
        if !board && !mine && !actor.has(Permission::FlowAdmin) {
            return Err(ServiceError::Forbidden("您不能查看该督办事项".into()));
        }
        let today = business_date(now);
        let cal = self.flow_calendar().await?;
        let state = ItemState::parse(&item.state);
        let deadline = parse_date(&item.deadline)?;
        let source_case_title = match item.source_case_id {
            Some(c) => xn_store::flow::find_case(self.db(), c)
                .await
                .ok()
                .map(|r| r.title),
            None => None,
        };
        let parent = match item.parent_id {
            Some(p) => store::find_item(self.db(), p)
                .await
                .ok()
                .map(|r| (r.id, r.title)),
            None => None,
        };
        let cards_rows = xn_store::flow::cards_of_case(self.db(), item.case_id).await?;
        let changes = store::changes_of(self.db(), id).await?;
        let mut ids: Vec<i64> = tasks.iter().map(|t| t.post_id).collect();
        ids.extend(cards_rows.iter().filter_map(|c| c.post_id));
        ids.extend(changes.iter().filter_map(|c| c.new_lead_post_id));
        ids.push(item.created_post_id);
        ids.push(item.lead_post_id);
        let names = self.post_names(&ids).await?;
        let name = |p: i64| {
            names
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("岗位 {p}"))
        };
        let case = xn_store::flow::find_case(self.db(), item.case_id).await?;
        let def = self.process_def(case.process_id).await?;
        let mut timeline = self.timeline(item.case_id, &names, &def).await?;
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
            reports: store::reports_of(self.db(), id)
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
            subs: store::children(self.db(), id)
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
            self.db(),
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
                text,
                decision: None,
                opinion,
            });
        }
        Ok(out)
    }

    /// The items opened from a case's instructions: (id, title, state label).
    pub async fn items_from_case(&self, case_id: i64) -> Result<Vec<(i64, String, String)>> {
        Ok(store::items_from_case(self.db(), case_id)
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

    /// What the 立项 form starts from (the office's usual choices, proposed, never imposed):
    /// due in 20 working days, reported weekly on Fridays, of normal importance; from a case, the
    /// leader's latest instruction on it as source and content and 落实… as title; otherwise a
    /// meeting's decision. The API offers the same draft (`GET /api/v1/supervision/draft`).
    pub async fn item_defaults(
        &self,
        actor: &Actor,
        case: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(NewItemInput, InstructionDraft)> {
        require(actor, Permission::FlowWork)?;
        if !self.in_supervision_section(actor).await? {
            return Err(ServiceError::Forbidden(
                "只有督查科（股）的人员可以立项督办。请在页面右上角切换到督查科的身份。".into(),
            ));
        }
        let today = business_date(now);
        let deadline = self.flow_calendar().await?.add_working_days(today, 20).date;
        let mut input = NewItemInput {
            report_cycle: ReportCycle::Weekly.code().into(),
            report_day: 5,
            importance: Importance::Normal.code().into(),
            deadline: Some(deadline),
            ..NewItemInput::default()
        };
        let draft = match case {
            Some(case) => {
                let d = self.instruction_draft(actor, case).await?;
                input.source_kind = SourceKind::Instruction.code().into();
                input.source_case_id = Some(case);
                input.source_text = d.text.clone();
                input.source_leader_post = d.leader_post;
                input.source_leader = d.leader_name.clone();
                input.title = format!("落实{}", d.case_title.trim_start_matches("关于"));
                input.content = d.text.clone();
                d
            }
            None => {
                input.source_kind = SourceKind::Meeting.code().into();
                InstructionDraft::default()
            }
        };
        Ok((input, draft))
    }

    /// An item drafted from the latest leader's opinion on a case (领导批示 → 督办事项): the
    /// latest non-empty opinion of a leader or an office director, else the latest of anyone.
    pub async fn instruction_draft(&self, actor: &Actor, case_id: i64) -> Result<InstructionDraft> {
        require(actor, Permission::FlowWork)?;
        let case = xn_store::flow::find_case(self.db(), case_id)
            .await
            .map_err(ServiceError::missing("事项"))?;
        if !self.oversees_case(actor, case.unit_id).await? {
            return Err(ServiceError::Forbidden(
                "只有督查科（股）可以把批示转为督办事项".into(),
            ));
        }
        let tasks = xn_store::flow::tasks_of_case(self.db(), case_id).await?;
        let mut with_opinion: Vec<_> = tasks
            .iter()
            .filter(|t| t.opinion.as_deref().is_some_and(|o| !o.trim().is_empty()))
            .filter(|t| t.acted_at.is_some())
            .collect();
        with_opinion.sort_by_key(|t| t.acted_at);
        let mut leaderish = Vec::new();
        let mut tx = self.db().begin_read().await?;
        for t in &with_opinion {
            let positions = xn_store::flow::post_position(&mut tx, t.post_id).await?;
            if matches!(
                positions.as_deref(),
                Some("leader" | "director" | "deputy_director")
            ) {
                leaderish.push(*t);
            }
        }
        drop(tx);
        let pick = leaderish.last().or(with_opinion.last());
        let (leader_post, text) = match pick {
            Some(t) => (Some(t.post_id), t.opinion.clone().unwrap_or_default()),
            None => (None, String::new()),
        };
        let leader_name = match leader_post {
            Some(p) => {
                let mut tx = self.db().begin_read().await?;
                let n = xn_store::documents::post_person_name(&mut tx, p).await?;
                drop(tx);
                n
            }
            None => String::new(),
        };
        Ok(InstructionDraft {
            case_id,
            case_title: case.title,
            leader_post,
            leader_name,
            text,
        })
    }
}

/// A post an item may be given to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssigneeOption {
    /// Post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The unit's name.
    pub unit: String,
    /// "unit · position person".
    pub label: String,
}

impl Services {
    /// Who an item may be given to: for a new item, every post under the government above the
    /// actor's office (its sections, bureaus and the counties); for a sub-item, every post under
    /// the parent's lead unit.
    pub async fn supervision_assignees(
        &self,
        actor: &Actor,
        parent: Option<i64>,
    ) -> Result<Vec<AssigneeOption>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let parent = match parent {
            Some(p) => Some(
                store::find_item(self.db(), p)
                    .await
                    .map_err(ServiceError::missing("督办事项"))?,
            ),
            None => None,
        };
        let mut tx = self.db().begin_read().await?;
        let root = self
            .supervision_scope(&mut tx, post.unit_id, parent.as_ref())
            .await?;
        drop(tx);
        Ok(store::posts_under(self.db(), root)
            .await?
            .into_iter()
            .map(
                |(post_id, unit_id, unit, position, person)| AssigneeOption {
                    post_id,
                    unit_id,
                    label: format!("{unit} · {position} {person}"),
                    unit,
                },
            )
            .collect())
    }
}
