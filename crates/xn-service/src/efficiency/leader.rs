//! The leader's picture (领导视图): for the 主任 and the 市长, today's red and yellow cards, the
//! ten oldest stuck steps, each county's (or each unit of the level below) on-time rate and
//! backlog as small multiples over six months, and the tree's trend by month over a year.
//! Every number links to the items behind it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::efficiency::Period;
use xn_render::chart::{LineChart, Point, line};
use xn_store::efficiency as backlog_store;
use xn_store::efficiency_figures as store;

use super::{BacklogItem, BacklogQuery, Efficiency, MonitorScope};
use crate::{Actor, Result, ServiceError, ms};

/// One unit of the level below, drawn small.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitTile {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Open steps now.
    pub open: i64,
    /// Open steps with a red card now.
    pub red: i64,
    /// Open steps with a yellow card (and no red) now.
    pub yellow: i64,
    /// 办理及时率 this month so far.
    pub step_rate: Option<f64>,
    /// Its on-time rate over six months (SVG).
    pub rate_chart: String,
    /// Its backlog at each month's end over six months (SVG).
    pub backlog_chart: String,
}

/// The leader's picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Leader {
    /// What it covers.
    pub scope: String,
    /// The tree's root.
    pub root: i64,
    /// The present month in words.
    pub month: String,
    /// When the present month's figures were counted (Beijing time, `HH:MM`); the open steps
    /// and cards are read at each request.
    pub as_of: String,
    /// Open steps now.
    pub open: i64,
    /// Open steps past their deadline now.
    pub overdue: i64,
    /// Open steps with a red card now.
    pub red: i64,
    /// With a yellow card (and no red) now.
    pub yellow: i64,
    /// The ten steps that have waited longest.
    pub oldest: Vec<BacklogItem>,
    /// The level below, drawn small.
    pub level: String,
    /// Its units.
    pub tiles: Vec<UnitTile>,
    /// The tree's on-time rate by month over a year (SVG).
    pub rate_trend: String,
    /// The tree's backlog at each month's end over a year (SVG).
    pub backlog_trend: String,
    /// The months of the trend with the tree's figures: (month, rate, backlog at the end).
    pub trend: Vec<(String, Option<f64>, i64)>,
}

fn month_short(p: &Period) -> String {
    match p {
        Period::Month(_, m) => format!("{m}月"),
        other => other.label(),
    }
}

impl Efficiency<'_> {
    /// The leader's picture of the viewer's tree: a government's leaders, its office's 主任 and
    /// 副主任 and its supervising section.
    pub async fn leader(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Leader> {
        let scope = self.scope(actor).await?;
        let MonitorScope::Tree { root } = scope else {
            return Err(ServiceError::Forbidden(
                "领导视图供本级政府领导、办公室主任、副主任和督查科查看".into(),
            ));
        };
        let units = self.scope_units(&scope).await?;
        let all: Vec<i64> = units.iter().map(|(id, _)| *id).collect();
        // Open steps per unit now, in one read; each tile sums its subtree.
        let by_unit: HashMap<i64, (i64, i64, i64, i64)> =
            backlog_store::open_by_unit(self.svc.db(), &all, ms(now))
                .await?
                .into_iter()
                .map(|(u, open, overdue, red, carded)| (u, (open, overdue, red, carded)))
                .collect();
        let counts = |units: &[i64]| {
            let (mut open, mut overdue, mut red, mut carded) = (0, 0, 0, 0);
            for (o, d, r, c) in units.iter().filter_map(|u| by_unit.get(u)) {
                open += o;
                overdue += d;
                red += r;
                carded += c;
            }
            (open, overdue, red, carded - red)
        };
        let (open, overdue, red, yellow) = counts(&all);
        let oldest = self
            .backlog_oldest(actor, &BacklogQuery::default(), 10, now)
            .await?;
        let tree = store::tree(self.svc.db(), root).await?;
        let (level, members) = Self::levels(&tree, root)
            .into_iter()
            .next()
            .map(|(l, m)| (l, m.into_iter().cloned().collect::<Vec<_>>()))
            .unwrap_or_default();
        // A year of months, the present one last.
        let this = Period::month_of(business_date(now));
        let mut months = vec![this];
        for _ in 0..11 {
            let p = months[months.len() - 1].previous();
            months.push(p);
        }
        months.reverse();
        let mut ids: Vec<i64> = members.iter().map(|u| u.id).collect();
        ids.push(root);
        let mut per_month = Vec::with_capacity(months.len());
        for p in &months[..months.len() - 1] {
            per_month.push(self.unit_figures(p, &ids, now).await?.0);
        }
        // The present month, as last counted (see `running_figures`).
        let running = self.running_figures(&this, now).await?;
        per_month.push(
            ids.iter()
                .filter_map(|u| Some((*u, running.figures.units.get(u)?.clone())))
                .collect(),
        );
        let series =
            |id: i64, from: usize, f: &dyn Fn(&xn_domain::efficiency::Figures) -> Option<f64>| {
                months[from..]
                    .iter()
                    .zip(&per_month[from..])
                    .map(|(p, m)| Point {
                        label: month_short(p),
                        value: m.get(&id).and_then(f),
                    })
                    .collect::<Vec<_>>()
            };
        let rate = |f: &xn_domain::efficiency::Figures| f.step_rate();
        let backlog = |f: &xn_domain::efficiency::Figures| Some(f.open_end as f64);
        let mut tiles = Vec::with_capacity(members.len());
        for u in &members {
            let sub: Vec<i64> = tree_below(&tree, u.id);
            let (open, _, red, yellow) = counts(&sub);

            let rate_title = format!("{} 近六个月办理及时率", u.name);
            let backlog_title = format!("{} 近六个月月末在办环节", u.name);
            tiles.push(UnitTile {
                unit_id: u.id,
                name: u.name.clone(),
                open,
                red,
                yellow,
                step_rate: per_month
                    .last()
                    .and_then(|m| m.get(&u.id))
                    .and_then(|f| f.step_rate()),
                rate_chart: line(
                    &chart(false, &rate_title, Some(100.0), "%"),
                    &series(u.id, 6, &rate),
                ),
                backlog_chart: line(
                    &chart(false, &backlog_title, None, "件"),
                    &series(u.id, 6, &backlog),
                ),
            });
        }
        let root_name = units.first().map_or(String::new(), |(_, n)| n.clone());

        let rate_title = format!("{root_name} 近十二个月办理及时率");
        let backlog_title = format!("{root_name} 近十二个月月末在办环节");
        Ok(Leader {
            scope: self.scope_label(&scope, &units),
            root,
            month: this.label(),
            as_of: xn_domain::calendar::hours::to_shanghai_local(running.as_of)
                .format("%H:%M")
                .to_string(),
            open,
            overdue,
            red,
            yellow,
            oldest,
            level,
            tiles,
            rate_trend: line(
                &chart(true, &rate_title, Some(100.0), "%"),
                &series(root, 0, &rate),
            ),
            backlog_trend: line(
                &chart(true, &backlog_title, None, "件"),
                &series(root, 0, &backlog),
            ),
            trend: months
                .iter()
                .zip(&per_month)
                .map(|(p, m)| {
                    let f = m.get(&root);
                    (
                        p.label(),
                        f.and_then(|f| f.step_rate()),
                        f.map_or(0, |f| f.open_end),
                    )
                })
                .collect(),
        })
    }
}

fn chart<'a>(big: bool, title: &'a str, max: Option<f64>, suffix: &'a str) -> LineChart<'a> {
    LineChart {
        title,
        size: if big { (480, 140) } else { (150, 44) },
        max,
        suffix,
        axis_labels: big,
    }
}

fn tree_below(tree: &[store::TreeUnit], top: i64) -> Vec<i64> {
    let mut out = vec![top];
    let mut i = 0;
    while i < out.len() {
        let at = out[i];
        out.extend(
            tree.iter()
                .filter(|u| u.parent_id == Some(at))
                .map(|u| u.id),
        );
        i += 1;
    }
    out
}
