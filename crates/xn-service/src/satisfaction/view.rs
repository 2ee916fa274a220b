//! The satisfaction page (`/satisfaction`) and its API: the four per unit for a month in the
//! viewer's scope, their trend over twelve months, the ratings behind each figure, the items
//! the viewer may rate, and the workbook.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::calendar::business_date;
use xn_domain::satisfaction::{Kind, Rating, shown};
use xn_render::chart::{LineChart, Point, line};
use xn_store::satisfaction::{self as store, FigureRow};

use super::{Satisfaction, month_before, month_of, parse_month};
use crate::efficiency::MonitorScope;
use crate::{Actor, Result, ServiceError};

/// What the page asks for.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct SatisfactionQuery {
    /// `YYYY-MM`; the present month when absent.
    #[serde(default)]
    pub month: Option<String>,
}

/// One of the four for a unit and month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureCell {
    /// `public`, `grassroots`, `leader`, `higher`.
    pub kind: String,
    /// The figure (0–100, two decimals), if anything was rated.
    pub value: Option<f64>,
    /// As shown: 93.33, or 「—」.
    pub shown: String,
    /// The ratings behind it (上级满意: 1 when the higher office's score was entered).
    pub ratings: i64,
    /// 上级满意: information items adopted upward.
    pub adoptions: i64,
}

/// A unit's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SatisfactionUnit {
    /// The unit (0: the scope's total, or the viewer's own post).
    pub unit_id: i64,
    /// Its short name.
    pub name: String,
    /// 群众满意, 基层满意, 领导满意, 上级满意.
    pub cells: Vec<FigureCell>,
}

/// A rating (or an adoption upward, or the higher office's score) behind a figure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SatisfactionItem {
    /// `public`, `grassroots`, `leader`, `higher`.
    pub kind: String,
    /// 群众满意 …
    pub kind_label: String,
    /// The unit it counts for.
    pub unit: String,
    /// The item's title (「（涉密事项）」 above the viewer's clearance).
    pub title: String,
    /// Its page, unless withheld.
    pub href: Option<String>,
    /// 满意, 基本满意, 不满意; 「采用」 for an adoption; the score for the higher office's.
    pub result: String,
    /// The comment or reason.
    pub comment: String,
    /// Who rated.
    pub rater: String,
    /// When (Beijing).
    pub at: String,
}

/// A closed item the viewer may rate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingRating {
    /// `supervision` or `document`.
    pub item_kind: String,
    /// The item.
    pub item_id: i64,
    /// 领导满意 or 基层满意.
    pub source_label: String,
    /// Title.
    pub title: String,
    /// Its page.
    pub href: String,
    /// The unit that handled it.
    pub unit: String,
}

/// A trend over twelve months.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendChart {
    /// 群众满意 …
    pub label: String,
    /// The chart (SVG).
    pub svg: String,
}

/// The page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SatisfactionView {
    /// The month shown.
    pub month: String,
    /// The month before and after, for moving.
    pub prev: String,
    /// The month after (none after the present one).
    pub next: Option<String>,
    /// Whether its figures were read from the stored rows (an ended month).
    pub stored: bool,
    /// Who is shown.
    pub scope: String,
    /// The rules in words.
    pub rule: String,
    /// The scope's total (all ratings of its units together; 上级满意 the mean of its units').
    pub total: SatisfactionUnit,
    /// Each unit with a figure.
    pub units: Vec<SatisfactionUnit>,
    /// The four over twelve months for the scope.
    #[serde(skip)]
    pub trends: Vec<TrendChart>,
    /// The ratings behind the figures.
    pub items: Vec<SatisfactionItem>,
    /// What the viewer may rate.
    pub pending: Vec<PendingRating>,
    /// Whether the viewer enters the higher office's evaluation (an office's 主任 or 副主任).
    pub may_enter_higher: bool,
}

/// Whom the page covers.
enum Seen {
    Units(Vec<(i64, String)>),
    Post(i64, String),
}

impl Seen {
    fn unit_ids(&self) -> BTreeSet<i64> {
        match self {
            Seen::Units(u) => u.iter().map(|(id, _)| *id).collect(),
            Seen::Post(..) => BTreeSet::new(),
        }
    }
}

fn item_href(kind: &str, id: i64) -> String {
    match kind {
        "service" => format!("/affairs/{id}"),
        "document" => format!("/documents/{id}"),
        _ => format!("/supervision/{id}"),
    }
}

fn cell(kind: Kind, rows: &[&FigureRow]) -> FigureCell {
    let (n, sum, extra) = rows.iter().fold((0, 0, 0), |a, r| {
        (a.0 + r.n, a.1 + r.points_sum, a.2 + r.extra)
    });
    let centi = if kind == Kind::Higher {
        let known: Vec<i64> = rows.iter().filter_map(|r| r.score_centi).collect();
        (!known.is_empty()).then(|| {
            let k = i64::try_from(known.len()).unwrap_or(1);
            (known.iter().sum::<i64>() + k / 2) / k
        })
    } else if rows.len() == 1 {
        rows[0].score_centi
    } else {
        (n > 0).then(|| (sum * 100 + n / 2) / n)
    };
    FigureCell {
        kind: kind.code().to_owned(),
        value: centi.map(|c| c as f64 / 100.0),
        shown: shown(centi),
        ratings: n,
        adoptions: extra,
    }
}

fn unit_row(unit_id: i64, name: String, rows: &[FigureRow]) -> SatisfactionUnit {
    let cells = Kind::ALL
        .into_iter()
        .map(|k| {
            let of: Vec<&FigureRow> = rows.iter().filter(|r| r.kind == k.code()).collect();
            cell(k, &of)
        })
        .collect();
    SatisfactionUnit {
        unit_id,
        name,
        cells,
    }
}

impl Satisfaction<'_> {
    async fn seen(&self, actor: &Actor) -> Result<(Seen, String)> {
        let eff = self.svc.efficiency();
        let scope = eff.scope(actor).await?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        Ok(match scope {
            MonitorScope::Own => (
                Seen::Post(post.id, post.label()),
                format!("本人（{}）", post.label()),
            ),
            s => {
                let units = eff.scope_units(&s).await?;
                let label = units
                    .first()
                    .map_or_else(String::new, |(_, n)| n.trim().to_owned());
                let units = units
                    .into_iter()
                    .map(|(id, n)| (id, n.trim().to_owned()))
                    .collect();
                (Seen::Units(units), format!("{label}及所属单位"))
            }
        })
    }

    /// A month's rows for whom the page covers (stored or computed).
    async fn rows_for(&self, seen: &Seen, month: &str, stored: bool) -> Result<Vec<FigureRow>> {
        Ok(match seen {
            Seen::Units(_) => {
                let ids = seen.unit_ids();
                self.unit_rows(month, stored)
                    .await?
                    .into_iter()
                    .filter(|r| ids.contains(&r.unit_id))
                    .collect()
            }
            Seen::Post(p, _) => self
                .post_figures(&[*p], month)
                .await?
                .into_values()
                .collect(),
        })
    }

    /// The four for a month in the viewer's scope, with trend, items and what to rate.
    pub async fn view(
        &self,
        actor: &Actor,
        q: &SatisfactionQuery,
        now: DateTime<Utc>,
    ) -> Result<SatisfactionView> {
        let (seen, scope) = self.seen(actor).await?;
        let current = month_of(business_date(now));
        let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => parse_month(m)?.0,
            None => current.clone(),
        };
        if month > current {
            return Err(ServiceError::invalid("month", "不能查看以后的月份"));
        }
        let stored: BTreeSet<String> = store::months_stored(self.svc.db())
            .await?
            .into_iter()
            .collect();
        let is_stored = stored.contains(&month);
        let rows = self.rows_for(&seen, &month, is_stored).await?;
        let mut units = Vec::new();
        let total = match &seen {
            Seen::Units(list) => {
                for (id, name) in list {
                    let of: Vec<FigureRow> =
                        rows.iter().filter(|r| r.unit_id == *id).cloned().collect();
                    if !of.is_empty() {
                        units.push(unit_row(*id, name.clone(), &of));
                    }
                }
                unit_row(0, "合计".into(), &rows)
            }
            Seen::Post(_, label) => unit_row(0, label.clone(), &rows),
        };
        // Twelve months back to the month shown.
        let mut months = vec![month.clone()];
        while months.len() < 12 {
            let before = month_before(months.last().map_or(&month, |m| m))?;
            months.push(before);
        }
        months.reverse();
        let mut per_kind: BTreeMap<Kind, Vec<Point>> = BTreeMap::new();
        for m in &months {
            let r = if *m == month {
                rows.clone()
            } else {
                self.rows_for(&seen, m, stored.contains(m)).await?
            };
            let t = unit_row(0, String::new(), &r);
            for (k, c) in Kind::ALL.into_iter().zip(t.cells) {
                per_kind.entry(k).or_default().push(Point {
                    label: format!("{}月", m[5..].trim_start_matches('0')),
                    value: c.value,
                });
            }
        }
        let trends = per_kind
            .into_iter()
            .map(|(k, points)| {
                let title = format!("{scope} 近十二个月{}", k.label());
                TrendChart {
                    label: k.label().to_owned(),
                    svg: line(
                        &LineChart {
                            title: &title,
                            size: (480, 140),
                            max: Some(100.0),
                            suffix: "分",
                            axis_labels: true,
                        },
                        &points,
                    ),
                }
            })
            .collect();
        let items = self.items(actor, &seen, &month).await?;
        let pending = self.pending(actor).await?;
        let may_enter_higher = match actor.post.as_ref() {
            Some(p) => {
                let s = xn_store::efficiency::standing(self.svc.db(), p.id).await?;
                s.unit_kind == "office"
                    && matches!(s.position.as_str(), "director" | "deputy_director")
            }
            None => false,
        };
        Ok(SatisfactionView {
            prev: month_before(&month)?,
            next: if month < current {
                let (_, _, last) = parse_month(&month)?;
                Some(month_of(last + chrono::Duration::days(1)))
            } else {
                None
            },
            month,
            stored: is_stored,
            scope,
            rule: self.rules().text(),
            total,
            units,
            trends,
            items,
            pending,
            may_enter_higher,
        })
    }

    async fn items(
        &self,
        actor: &Actor,
        seen: &Seen,
        month: &str,
    ) -> Result<Vec<SatisfactionItem>> {
        let reader = actor
            .post
            .as_ref()
            .map_or(xn_domain::org::Clearance::Public, |p| p.clearance);
        let f = self.facts(month).await?;
        let ids = seen.unit_ids();
        let mut names: BTreeMap<i64, String> = match seen {
            Seen::Units(u) => u.iter().cloned().collect(),
            Seen::Post(..) => BTreeMap::new(),
        };
        let ours = |unit: i64, post: Option<i64>| match seen {
            Seen::Units(_) => ids.contains(&unit),
            Seen::Post(p, _) => post == Some(*p),
        };
        if let Seen::Post(..) = seen {
            let units: Vec<i64> = f
                .ratings
                .iter()
                .map(|r| r.unit_id)
                .chain(f.adoptions.iter().map(|a| a.unit_id))
                .collect();
            names.extend(store::unit_names(self.svc.db(), &units).await?);
        }
        let withheld = |c: &str| !reader.may_see(crate::meetings::clearance_of(c));
        let at = |t: i64| crate::study::beijing(t);
        let mut out = Vec::new();
        for r in &f.ratings {
            if !ours(r.unit_id, r.post_id) {
                continue;
            }
            let kind = Kind::from_code(&r.kind).unwrap_or(Kind::Public);
            let hide = withheld(&r.classification);
            out.push(SatisfactionItem {
                kind: r.kind.clone(),
                kind_label: kind.label().to_owned(),
                unit: names.get(&r.unit_id).cloned().unwrap_or_default(),
                title: if hide {
                    crate::clearance::WITHHELD.to_owned()
                } else {
                    r.title.clone()
                },
                href: (!hide).then(|| item_href(&r.item_kind, r.item_id)),
                result: Rating::from_code(&r.result)
                    .map_or_else(|| r.result.clone(), |x| x.label().to_owned()),
                comment: r.comment.clone(),
                rater: r.rater.clone(),
                at: at(r.created_at),
            });
        }
        for h in &f.higher {
            if !ours(h.office_unit_id, None) {
                continue;
            }
            out.push(SatisfactionItem {
                kind: Kind::Higher.code().to_owned(),
                kind_label: Kind::Higher.label().to_owned(),
                unit: names.get(&h.office_unit_id).cloned().unwrap_or_default(),
                title: format!("{} 上级评价", h.month),
                href: None,
                result: format!("{} 分", h.score),
                comment: h.comment.clone(),
                rater: h.entered_by.clone(),
                at: at(h.created_at),
            });
        }
        for a in &f.adoptions {
            if !ours(a.unit_id, Some(a.post_id)) {
                continue;
            }
            let hide = withheld(&a.classification);
            out.push(SatisfactionItem {
                kind: Kind::Higher.code().to_owned(),
                kind_label: Kind::Higher.label().to_owned(),
                unit: names.get(&a.unit_id).cloned().unwrap_or_default(),
                title: if hide {
                    crate::clearance::WITHHELD.to_owned()
                } else {
                    a.title.clone()
                },
                href: a.case_id.filter(|_| !hide).map(|c| format!("/cases/{c}")),
                result: "信息被上级采用".into(),
                comment: String::new(),
                rater: String::new(),
                at: at(a.created_at),
            });
        }
        Ok(out)
    }

    /// The closed items the acting post may rate and has not.
    pub async fn pending(&self, actor: &Actor) -> Result<Vec<PendingRating>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(Vec::new());
        };
        let rows = store::pending_for(self.svc.db(), &[post.id]).await?;
        let mut out = Vec::new();
        for r in rows {
            if !post
                .clearance
                .may_see(crate::meetings::clearance_of(&r.classification))
            {
                continue;
            }
            if r.item_kind == "document" && !self.sent_by_grassroots(&r).await? {
                continue;
            }
            out.push(PendingRating {
                source_label: if r.item_kind == "document" {
                    Kind::Grassroots.label()
                } else {
                    Kind::Leader.label()
                }
                .to_owned(),
                href: item_href(&r.item_kind, r.item_id),
                item_kind: r.item_kind,
                item_id: r.item_id,
                title: r.title,
                unit: r.rated_unit_name,
            });
        }
        Ok(out)
    }

    /// The month's figures per unit as a workbook.
    pub async fn xlsx(
        &self,
        actor: &Actor,
        q: &SatisfactionQuery,
        now: DateTime<Utc>,
    ) -> Result<crate::files::AttachmentFile> {
        let v = self.view(actor, q, now).await?;
        let mut header = vec!["单位".to_owned()];
        for k in Kind::ALL {
            header.push(k.label().to_owned());
            header.push(format!("{}评价数", k.label()));
        }
        header.push("上级采用信息".to_owned());
        let row = |u: &SatisfactionUnit| {
            let mut r = vec![u.name.clone()];
            for c in &u.cells {
                r.push(c.shown.clone());
                r.push(c.ratings.to_string());
            }
            r.push(u.cells.last().map_or(0, |c| c.adoptions).to_string());
            r
        };
        let mut rows: Vec<Vec<String>> = v.units.iter().map(row).collect();
        rows.push(row(&v.total));
        let items = v
            .items
            .iter()
            .map(|i| {
                vec![
                    i.kind_label.clone(),
                    i.unit.clone(),
                    i.title.clone(),
                    i.result.clone(),
                    i.comment.clone(),
                    i.rater.clone(),
                    i.at.clone(),
                ]
            })
            .collect();
        let bytes = xn_render::xlsx::workbook(&[
            xn_render::xlsx::Sheet {
                name: format!("四个满意 {}", v.month),
                header,
                rows,
            },
            xn_render::xlsx::Sheet {
                name: "评价明细".into(),
                header: ["类别", "单位", "事项", "评价", "意见", "评价人", "时间"]
                    .iter()
                    .map(|h| (*h).to_owned())
                    .collect(),
                rows: items,
            },
        ])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(crate::files::AttachmentFile {
            name: format!("四个满意-{}.xlsx", v.month),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }
}
