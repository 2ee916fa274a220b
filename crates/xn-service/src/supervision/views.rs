//! The lists of items the pages and the API show: the board (督查台账), a unit's items and a
//! leader's items, one filter ([`ItemQuery`]) that the list page and the API both read their
//! query into, the worksheet export, and who sits at which board.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::flow::engine::business_date;
use xn_domain::org::Permission;
use xn_domain::supervision::{Importance, ItemState, SourceKind};
use xn_store::Tx;
use xn_store::supervision::{self as store, ItemFilter, ItemRow, Scope};

use super::{Supervision, parse_date};
use crate::{Actor, Result, ServiceError, Services, require};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
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
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Tab::Board => "board",
            Tab::Unit => "unit",
            Tab::Leader => "leader",
        }
    }
}

/// Items by their cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardFilter {
    /// Shown a red card.
    Red,
    /// Shown a yellow card and no red one.
    Yellow,
    /// Shown any card.
    Any,
    /// Shown none.
    #[serde(rename = "none")]
    Without,
}

impl CardFilter {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            CardFilter::Red => "red",
            CardFilter::Yellow => "yellow",
            CardFilter::Any => "any",
            CardFilter::Without => "none",
        }
    }
}

/// A list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemSort {
    /// By deadline.
    #[default]
    Deadline,
    /// By the day opened.
    Created,
    /// Red cards first, then yellow.
    Card,
    /// By lead unit.
    Unit,
}

impl ItemSort {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            ItemSort::Deadline => "deadline",
            ItemSort::Created => "created",
            ItemSort::Card => "card",
            ItemSort::Unit => "unit",
        }
    }
}

/// A list's filters, sort and page: what the list page's query string and the API's query
/// parameters both read into. A value that names nothing (empty, or an unknown state, source,
/// card, tab or order) filters nothing, as a form's 全部 does.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// `board` (督查台账, default), `unit` (本单位事项) or `leader` (我批示的事项).
    #[serde(default, deserialize_with = "known_or_default")]
    pub tab: Tab,
    /// State: assigned, handling, reviewing, closed.
    #[serde(default, deserialize_with = "known")]
    #[param(value_type = Option<String>)]
    pub state: Option<ItemState>,
    /// Lead unit id.
    #[serde(default)]
    pub lead_unit: Option<i64>,
    /// Card: red, yellow, any, none.
    #[serde(default, deserialize_with = "known")]
    pub card: Option<CardFilter>,
    /// Source kind: instruction, meeting, work_report, higher, citizen, other.
    #[serde(default, rename = "source", deserialize_with = "known")]
    #[param(value_type = Option<String>)]
    pub source_kind: Option<SourceKind>,
    /// Words in the title or content.
    #[serde(default)]
    pub q: Option<String>,
    /// Only open items past their deadline.
    #[serde(default, deserialize_with = "flag")]
    pub overdue: bool,
    /// Only the items a meeting's decisions (议定事项) became.
    #[serde(default)]
    pub meeting: Option<i64>,
    /// deadline (default), created, card, unit.
    #[serde(default, deserialize_with = "known_or_default")]
    pub sort: ItemSort,
    /// Descending.
    #[serde(default, deserialize_with = "flag")]
    pub desc: bool,
    /// Page, from 1.
    #[serde(default = "first_page")]
    pub page: i64,
    /// Per page (≤ 500, default 50).
    #[serde(default = "default_per_page")]
    pub per_page: i64,
}

fn first_page() -> i64 {
    1
}

fn default_per_page() -> i64 {
    50
}

impl Default for ItemQuery {
    fn default() -> Self {
        ItemQuery {
            tab: Tab::default(),
            state: None,
            lead_unit: None,
            card: None,
            source_kind: None,
            q: None,
            overdue: false,
            meeting: None,
            sort: ItemSort::default(),
            desc: false,
            page: first_page(),
            per_page: default_per_page(),
        }
    }
}

impl ItemQuery {
    /// The filters and order as query parameters (the page's paging and export links): the tab
    /// always, the rest when set.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("tab", self.tab.code().to_owned())];
        if let Some(s) = self.state {
            out.push(("state", s.code().to_owned()));
        }
        if let Some(u) = self.lead_unit {
            out.push(("lead_unit", u.to_string()));
        }
        if let Some(c) = self.card {
            out.push(("card", c.code().to_owned()));
        }
        if let Some(s) = self.source_kind {
            out.push(("source", s.code().to_owned()));
        }
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            out.push(("q", q.to_owned()));
        }
        if self.overdue {
            out.push(("overdue", "1".to_owned()));
        }
        if let Some(m) = self.meeting {
            out.push(("meeting", m.to_string()));
        }
        if self.sort != ItemSort::default() {
            out.push(("sort", self.sort.code().to_owned()));
        }
        if self.desc {
            out.push(("desc", "1".to_owned()));
        }
        out
    }
}

/// A code, or nothing when the value is empty or names no choice.
fn known<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<String>::deserialize(d)?.and_then(|s| {
        let s = s.trim();
        (!s.is_empty())
            .then(|| {
                let value: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                    s.into_deserializer();
                T::deserialize(value).ok()
            })
            .flatten()
    }))
}

/// A code, or the default when the value is empty or names no choice.
fn known_or_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(known(d)?.unwrap_or_default())
}

/// A checkbox (`1`, `on`) or a boolean (`true`); absent, empty, `false`, `0` and `off` are off.
fn flag<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        None => false,
        Some(Flag::Bool(b)) => b,
        Some(Flag::Text(s)) => !matches!(s.trim(), "" | "false" | "0" | "off"),
    })
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
    /// Classified above the reader by its source: listed as「（涉密事项）」, its leader left
    /// out, and the item does not open.
    pub withheld: bool,
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
fn row_view(
    r: &ItemRow,
    today: NaiveDate,
    cal: &xn_domain::calendar::Calendar,
    actor: &Actor,
) -> Result<ItemListRow> {
    let deadline = parse_date(&r.deadline).unwrap_or(today);
    let state = ItemState::parse(&r.state);
    // A board lists every item of its office; one classified above the reader by its source
    // keeps its line (its unit, deadline, state and cards count) without its title or leader.
    let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
    Ok(ItemListRow {
        id: r.id,
        title: if withheld {
            crate::clearance::WITHHELD.to_owned()
        } else {
            r.title.clone()
        },
        source_label: SourceKind::parse(&r.source_kind)
            .map(|k| k.label().to_owned())
            .unwrap_or_default(),
        source_leader: if withheld {
            String::new()
        } else {
            r.source_leader.clone()
        },
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
        withheld,
    })
}
impl Services {
    /// The offices whose board the actor sees: a supervising section's office; an office's own
    /// directors; a government's leaders see its office.
    pub(crate) async fn board_offices(&self, actor: &Actor) -> Result<Vec<i64>> {
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
        drop(tx);
        self.oversees(office, unit).await
    }

    /// Whether a supervising office oversees the cases of `unit`: the office's own cases, and
    /// those of the units it oversees below its government (a county office under the city),
    /// that is when the office's government is an ancestor of both offices.
    pub(crate) async fn oversees(&self, office: i64, unit: i64) -> Result<bool> {
        let mut tx = self.db().begin_read().await?;
        let within = self.oversees_tx(&mut tx, office, unit).await?;
        drop(tx);
        Ok(within)
    }

    /// [`Services::oversees`], read through a transaction the caller holds.
    pub(crate) async fn oversees_tx(&self, tx: &mut Tx, office: i64, unit: i64) -> Result<bool> {
        let case_office = self.office_of_unit(tx, unit).await?;
        let (gov, _, _, _) = xn_store::org::unit_brief(tx, office).await?;
        Ok(match gov {
            Some(g) => self.is_within(tx, case_office, g).await?,
            None => case_office == office,
        })
    }
}

impl Supervision<'_> {
    /// A list of items.
    pub async fn list(&self, actor: &Actor, q: &ItemQuery, now: DateTime<Utc>) -> Result<ItemList> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let today = business_date(now);
        let mut note = None;
        let scope = match q.tab {
            Tab::Board => {
                let offices = self.svc.board_offices(actor).await?;
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
        let paging = crate::paging::Paging::new(q.page, q.per_page, 500)?;
        let (page, per_page) = (paging.page, paging.per_page);
        let filter = ItemFilter {
            state: q.state.map(|s| s.code().to_owned()),
            lead_unit: q.lead_unit,
            card: q.card.map(|c| c.code().to_owned()),
            source_kind: q.source_kind.map(|s| s.code().to_owned()),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
            overdue: q.overdue,
            today: today.to_string(),
            sort: q.sort.code().to_owned(),
            desc: q.desc,
            top_only: false,
            meeting: q.meeting,
            title_levels: actor.readable_levels(),
        };
        let (rows, total) =
            store::list_items(self.svc.db(), &scope, &filter, paging.offset(), per_page).await?;
        let counts = store::count_by_state(self.svc.db(), &scope).await?;
        let cal = self.svc.flow_calendar().await?;
        Ok(ItemList {
            rows: rows
                .iter()
                .map(|r| row_view(r, today, &cal, actor))
                .collect::<Result<_>>()?,
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
            can_open: self.section(actor).await?.is_some(),
            note,
        })
    }

    /// A list as a worksheet (every matching row, not just the page).
    pub async fn sheet(
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
            let list = self.list(actor, &all, now).await?;
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
}
