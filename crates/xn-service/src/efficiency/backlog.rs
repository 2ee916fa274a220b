//! One backlog across every queue (积压): every open step of every area's items, with its
//! holder, its age in working days, its deadline and the ladder's verdict, the latest first.
//!
//! Ages and lateness are counted on the working-day calendar from the Beijing day a step reached
//! its holder: a step that arrived on the Friday before the 国庆 week is 1 working day old on
//! the first working day after it. A step of a paused item is not in the backlog (its clock
//! stands still); an item's steps waiting behind another holder (依次) are not open yet.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::calendar::{Calendar, business_date};
use xn_render::xlsx::{Sheet, workbook};
use xn_store::efficiency::{self as store, BacklogFilter, BacklogRow};

use super::{Efficiency, MonitorScope};
use crate::areas::{Area, label_of_code};
use crate::files::AttachmentFile;
use crate::flow::{Urgency, urgency};
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// Rows on a page of the backlog.
pub const PAGE_SIZE: i64 = 50;

/// The most rows an export carries.
const EXPORT_LIMIT: i64 = 10_000;

/// What a backlog holds (every field optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct BacklogQuery {
    /// An area's code (`flow`, `documents`, `supervision` …, or `meetings` for the 会议回执
    /// owed).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub area: Option<String>,
    /// A unit within the viewer's scope: its whole subtree.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub unit: Option<i64>,
    /// `task` (待办), `read` (待阅) or `reply` (待回执: the 会议回执 owed).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub kind: Option<String>,
    /// `yellow` (黄牌 or worse) or `red` (红牌).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub card: Option<String>,
    /// Only steps at least this many working days old.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub min_age: Option<i64>,
    /// Only steps past their deadline.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub overdue: Option<bool>,
    /// `oldest`: the steps that have waited longest first (by default the latest deadline
    /// passed first).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub order: Option<String>,
    /// Page, from 1.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub page: Option<i64>,
}

/// A query value left blank in a form (`unit=`) is absent; any other is parsed.
fn blank_as_none<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// One open step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogItem {
    /// Where the item opens: its case (`/cases/{id}`), or for a 会议回执 its meeting
    /// (`/meetings/{id}`).
    pub link: String,
    /// The task (for a 会议回执: the reply row).
    pub task_id: i64,
    /// The item's case (`/cases/{id}`).
    pub case_id: i64,
    /// The item's title, or 「（涉密事项）」 for a viewer not cleared for its 密级.
    pub title: String,
    /// Whether the title is withheld.
    pub withheld: bool,
    /// The area (办文, 督查 …).
    pub area: String,
    /// The kind of item (发文, 收文, 督办事项 …).
    pub item_kind: String,
    /// The step.
    pub step: String,
    /// 待办 or 待阅.
    pub queue: String,
    /// The holder, "姓名（职务）".
    pub holder: String,
    /// The holder's unit.
    pub unit: String,
    /// When the step reached the holder.
    #[schema(value_type = String, format = DateTime)]
    pub reached_at: DateTime<Utc>,
    /// Working days since then.
    pub age_days: i64,
    /// The step's deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Working days past the deadline (0 when not past).
    pub late_days: i64,
    /// 正常, 临期, 超期 or 无时限.
    pub state: String,
    /// `none`, `due_soon`, `overdue` or `normal`, for styling.
    pub state_code: String,
    /// 黄牌 or 红牌, if the ladder gave one on this step.
    pub card: Option<String>,
    /// Times urged.
    pub urge_count: i64,
}

/// A page of the backlog, with what the viewer may narrow it by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Backlog {
    /// What the viewer's monitor covers, in words.
    pub scope: String,
    /// The rows.
    pub rows: Vec<BacklogItem>,
    /// Rows in all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Pages.
    pub pages: i64,
    /// Units the viewer may narrow to: (id, name indented by depth).
    pub units: Vec<(i64, String)>,
    /// Areas: (code, name).
    pub areas: Vec<(String, String)>,
}

impl Efficiency<'_> {
    /// A page of the backlog the viewer's scope covers, the latest first.
    pub async fn backlog(
        &self,
        actor: &Actor,
        q: &BacklogQuery,
        now: DateTime<Utc>,
    ) -> Result<Backlog> {
        let scope = self.scope(actor).await?;
        let units = self.scope_units(&scope).await?;
        let cal = self.svc.flow_calendar().await?;
        let filter = self.filter(actor, &scope, &units, q, &cal, now).await?;
        let paging = crate::paging::Paging::new(q.page.unwrap_or(1), PAGE_SIZE, PAGE_SIZE)?;
        let page = paging.page;
        let total = store::backlog_count(self.svc.db(), &filter).await?;
        let rows = store::backlog(self.svc.db(), &filter, PAGE_SIZE, paging.offset()).await?;
        Ok(Backlog {
            scope: self.scope_label(&scope, &units),
            rows: rows
                .into_iter()
                .map(|r| item(r, &cal, actor, now))
                .collect::<Result<_>>()?,
            total,
            page,
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
            units,
            areas: Area::all()
                .map(|a| (a.code().to_owned(), a.label().to_owned()))
                .chain([(MEETINGS.to_owned(), "办会".to_owned())])
                .collect(),
        })
    }

    /// The `limit` steps of the viewer's scope that have waited longest.
    pub(crate) async fn backlog_oldest(
        &self,
        actor: &Actor,
        q: &BacklogQuery,
        limit: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<BacklogItem>> {
        let scope = self.scope(actor).await?;
        let units = self.scope_units(&scope).await?;
        let cal = self.svc.flow_calendar().await?;
        let mut filter = self.filter(actor, &scope, &units, q, &cal, now).await?;
        filter.oldest_first = true;
        store::backlog(self.svc.db(), &filter, limit, 0)
            .await?
            .into_iter()
            .map(|r| item(r, &cal, actor, now))
            .collect()
    }

    /// The backlog as a workbook (at most 10,000 rows, the latest first).
    pub async fn backlog_xlsx(
        &self,
        actor: &Actor,
        q: &BacklogQuery,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let scope = self.scope(actor).await?;
        let units = self.scope_units(&scope).await?;
        let cal = self.svc.flow_calendar().await?;
        let filter = self.filter(actor, &scope, &units, q, &cal, now).await?;
        let rows = store::backlog(self.svc.db(), &filter, EXPORT_LIMIT, 0).await?;
        let header = [
            "事项",
            "类别",
            "环节",
            "待办/待阅",
            "办理人",
            "单位",
            "收到时间",
            "已用工作日",
            "办理时限",
            "超期工作日",
            "状态",
            "黄红牌",
            "催办次数",
        ];
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                let i = item(r, &cal, actor, now)?;
                Ok(vec![
                    i.title,
                    i.item_kind,
                    i.step,
                    i.queue,
                    i.holder,
                    i.unit,
                    crate::meetings::beijing(i.reached_at)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    i.age_days.to_string(),
                    i.due_date.map(|d| d.to_string()).unwrap_or_default(),
                    i.late_days.to_string(),
                    i.state,
                    i.card.unwrap_or_default(),
                    i.urge_count.to_string(),
                ])
            })
            .collect::<Result<_>>()?;
        let bytes = workbook(&[Sheet {
            name: "积压事项".into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(AttachmentFile {
            name: format!("积压事项-{}.xlsx", business_date(now)),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }

    pub(super) fn scope_label(&self, scope: &MonitorScope, units: &[(i64, String)]) -> String {
        let top = units
            .first()
            .map_or("", |(_, n)| n.trim_start_matches('　'));
        match scope {
            MonitorScope::Tree { .. } => format!("{top}及所属单位"),
            MonitorScope::Section { .. } => format!("{top}全体人员"),
            MonitorScope::Own => "本人".to_owned(),
        }
    }

    /// The store's filter for a query within a scope; a unit outside the scope, an unknown
    /// area or a bad value is refused with the reason.
    async fn filter(
        &self,
        actor: &Actor,
        scope: &MonitorScope,
        units: &[(i64, String)],
        q: &BacklogQuery,
        cal: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<BacklogFilter> {
        let mut f = BacklogFilter::default();
        match scope {
            MonitorScope::Own => {
                if q.unit.is_some() {
                    return Err(ServiceError::invalid("unit", "您只能查看本人的积压事项"));
                }
                f.post_ids = Some(self.svc.working_posts(actor, now).await?);
            }
            _ => match q.unit {
                Some(u) if units.iter().any(|(id, _)| *id == u) => {
                    f.unit_ids = store::subtree_units(self.svc.db(), u)
                        .await?
                        .into_iter()
                        .map(|r| r.0)
                        .collect();
                }
                Some(_) => {
                    return Err(ServiceError::invalid("unit", "该单位不在您的查看范围内"));
                }
                None => f.unit_ids = units.iter().map(|(id, _)| *id).collect(),
            },
        }
        // The 会议回执 owed (meetings are not flow items) join every backlog but an area's
        // other than 办会's.
        f.replies_at = Some(ms(now));
        match q.area.as_deref().filter(|c| !c.is_empty()) {
            None => {}
            Some(MEETINGS) => f.replies_only = true,
            Some(code) => {
                let area = Area::from_code(code).ok_or_else(|| {
                    ServiceError::invalid("area", format!("没有业务类别「{code}」"))
                })?;
                f.item_kinds = area.kinds().iter().map(|k| k.code().to_owned()).collect();
                f.replies_at = None;
            }
        }
        f.kind = match q.kind.as_deref() {
            None | Some("") => None,
            Some(k @ ("task" | "read")) => Some(k.to_owned()),
            Some("reply") => {
                f.replies_only = true;
                None
            }
            Some(_) => return Err(ServiceError::invalid("kind", "请选择待办、待阅或待回执")),
        };
        f.min_card = match q.card.as_deref() {
            None | Some("") => None,
            Some("yellow") => Some(1),
            Some("red") => Some(2),
            Some(_) => return Err(ServiceError::invalid("card", "请选择黄牌或红牌")),
        };
        if let Some(n) = q.min_age.filter(|n| *n > 0) {
            if n > 3650 {
                return Err(ServiceError::invalid("min_age", "工作日数不能超过 3650"));
            }
            f.reached_before = Some(reached_by(cal, business_date(now), n));
        }
        if q.overdue == Some(true) {
            f.overdue_at = Some(ms(now));
        }
        f.oldest_first = match q.order.as_deref() {
            None | Some("") => false,
            Some("oldest") => true,
            Some(_) => {
                return Err(ServiceError::invalid(
                    "order",
                    "排序方式只能是 oldest（等待最久在前）",
                ));
            }
        };
        Ok(f)
    }
}

/// The last instant a step may have reached its holder to be at least `n` working days old
/// on `today`: the end of the latest Beijing day `d` with `n` working days in `(d, today]`.
fn reached_by(cal: &Calendar, today: NaiveDate, n: i64) -> i64 {
    let mut d = today;
    while cal.working_days_between(d, today) < n {
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    let next = d.succ_opt().unwrap_or(d);
    ms(crate::meetings::from_beijing(next.and_time(NaiveTime::MIN))) - 1
}

/// The backlog's code for 办会's obligations (the 会议回执 owed), beside the flow's areas.
const MEETINGS: &str = "meetings";

fn item(r: BacklogRow, cal: &Calendar, actor: &Actor, now: DateTime<Utc>) -> Result<BacklogItem> {
    let today = business_date(now);
    let reached_at = from_ms(r.created_at);
    let reply = r.source == "reply";
    // A reply's deadline is an instant (回执截止); its day is the Beijing day it falls on.
    let due_date = if reply {
        r.due_at.map(|at| business_date(from_ms(at)))
    } else {
        r.due_date.as_deref().and_then(|d| d.parse().ok())
    };
    let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
    let u = urgency(due_date, r.due_at, now);
    let late_days = match due_date {
        Some(d) if u == Urgency::Overdue => cal.working_days_between(d, today).max(0),
        _ => 0,
    };
    Ok(BacklogItem {
        link: if reply {
            format!("/meetings/{}", r.case_id)
        } else {
            format!("/cases/{}", r.case_id)
        },
        task_id: r.task_id,
        case_id: r.case_id,
        title: if withheld {
            crate::clearance::WITHHELD.to_owned()
        } else {
            r.title
        },
        withheld,
        area: if reply {
            "办会".to_owned()
        } else {
            xn_domain::flow::ItemKind::from_code(&r.item_kind)
                .map_or_else(String::new, |k| crate::areas::area_of(k).label().to_owned())
        },
        item_kind: if reply {
            "会议".to_owned()
        } else {
            label_of_code(&r.item_kind)
        },
        step: r.step_name,
        queue: match r.kind.as_str() {
            "read" => "待阅",
            "reply" => "待回执",
            _ => "待办",
        }
        .to_owned(),
        holder: if r.person_name.is_empty() {
            format!("{}（单位回执）", r.unit_name)
        } else {
            format!("{}（{}）", r.person_name, r.position_name)
        },
        unit: r.unit_name,
        reached_at,
        age_days: cal
            .working_days_between(business_date(reached_at), today)
            .max(0),
        due_date,
        late_days,
        state: u.label().to_owned(),
        state_code: match u {
            Urgency::None => "none",
            Urgency::Normal => "normal",
            Urgency::DueSoon => "due_soon",
            Urgency::Overdue => "overdue",
        }
        .to_owned(),
        card: match r.card {
            2 => Some("红牌".to_owned()),
            1 => Some("黄牌".to_owned()),
            _ => None,
        },
        urge_count: r.urge_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_cut_off_counts_working_days_back_across_a_holiday() {
        let cal = Calendar::shipped();
        // 2026-10-08 (Thursday) is the first working day after the 国庆 holiday (10-01 to
        // 10-07); 2026-09-30 the last before it. A step that reached its holder on 09-30 is 1
        // working day old on 10-08, and so is one that reached it during the holiday.
        let today: NaiveDate = "2026-10-08".parse().unwrap();
        assert_eq!(
            cal.working_days_between("2026-09-30".parse().unwrap(), today),
            1
        );
        let cut = reached_by(&cal, today, 1);
        assert_eq!(business_date(from_ms(cut)).to_string(), "2026-10-07");
        assert_eq!(business_date(from_ms(cut + 1)).to_string(), "2026-10-08");
        // Two working days back: what reached its holder by the end of 09-29.
        let cut = reached_by(&cal, today, 2);
        assert_eq!(business_date(from_ms(cut)).to_string(), "2026-09-29");
    }
}
