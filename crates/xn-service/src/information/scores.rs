//! 计分与排名: the office's points table (its own rows over the shipped defaults), and the
//! ranking of the units it receives from, by month ('2026-12') or year ('2026'), with the items
//! behind every point and each author's total. Every point is a row of `information_scores`
//! written with what earned it (an adoption, an urgent report's timeliness), by month: what the
//! evaluation reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::information::{self as domain, Level};
use xn_domain::org::Permission;
use xn_store::information as store;

use super::{InfoSectionCap, Information};
use crate::{Actor, Result, ServiceError, require};

/// A row of the points table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PointsLine {
    /// Code: a level, `urgent_on_time` or `urgent_late`.
    pub code: String,
    /// Its name.
    #[serde(default)]
    pub label: String,
    /// Points (negative: a deduction).
    pub points: i64,
}

/// A point and what earned it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreLine {
    /// 'YYYY-MM'.
    pub month: String,
    /// The item.
    pub item_id: i64,
    /// Its title.
    pub title: String,
    /// Its author.
    pub author: String,
    /// What earned it.
    pub reason: String,
    /// Points.
    pub points: i64,
}

/// A unit's place in the ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankLine {
    /// 名次 (equal totals share a place).
    pub rank: usize,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// Total points.
    pub points: i64,
    /// Items adopted (any level).
    pub adopted: usize,
    /// Each author's total: (name, points).
    pub authors: Vec<(String, i64)>,
    /// The lines behind the total.
    pub lines: Vec<ScoreLine>,
}

/// The ranking of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = information::Ranking)]
pub struct Ranking {
    /// The office that scores.
    pub office_id: i64,
    /// '2026-12' or '2026'.
    pub period: String,
    /// Units, best first.
    pub lines: Vec<RankLine>,
}

/// The reason a late urgent report's deduction is shown with.
pub(super) const URGENT_LATE_REASON: &str = "突发事件迟报";

fn reason_of(code: &str) -> String {
    Level::from_code(code).map_or_else(
        || match code {
            domain::URGENT_ON_TIME => "突发事件按时报送".to_owned(),
            domain::URGENT_LATE => URGENT_LATE_REASON.to_owned(),
            other => other.to_owned(),
        },
        |l| l.label().to_owned(),
    )
}

fn check_period(period: &str) -> Result<()> {
    let ok = match period.len() {
        4 => period.chars().all(|c| c.is_ascii_digit()),
        7 => chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").is_ok(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "period",
            "统计期间应为 2026-12（月）或 2026（年）",
        ))
    }
}

impl Information<'_> {
    /// The office's points table, every code with its points in force.
    pub async fn points_table(&self, section: &InfoSectionCap<'_>) -> Result<Vec<PointsLine>> {
        let own: BTreeMap<String, i64> = store::points_of(self.svc.db(), section.office)
            .await?
            .into_iter()
            .collect();
        Ok(domain::points_codes()
            .into_iter()
            .map(|(code, label)| PointsLine {
                code: code.to_owned(),
                label: label.to_owned(),
                points: own
                    .get(code)
                    .copied()
                    .unwrap_or_else(|| domain::default_points(code)),
            })
            .collect())
    }

    /// Sets rows of the office's points table (points already given stay as they were).
    pub async fn set_points(
        &self,
        section: &InfoSectionCap<'_>,
        lines: &[PointsLine],
    ) -> Result<()> {
        let codes = domain::points_codes();
        let mut tx = self.svc.db().begin().await?;
        for l in lines {
            if !codes.iter().any(|(c, _)| *c == l.code) {
                return Err(ServiceError::invalid(
                    "code",
                    format!("没有计分项「{}」", l.code),
                ));
            }
            if !(-100..=100).contains(&l.points) {
                return Err(ServiceError::invalid("points", "分值应在 -100 到 100 之间"));
            }
            store::set_points(&mut tx, section.office, &l.code, l.points).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The ranking of a period by the office the actor oversees, or — for anyone else — by the
    /// office above the actor's unit that scores it (a county sees the city's ranking, its own
    /// lines and every unit's totals).
    pub async fn ranking(&self, actor: &Actor, period: &str) -> Result<Ranking> {
        require(actor, Permission::FlowWork)?;
        check_period(period)?;
        let office = match self.overseen_office(actor).await? {
            Some(o) => o,
            None => {
                let opts = self.options(actor).await?;
                opts.targets
                    .iter()
                    .find(|t| !t.outside)
                    .map(|t| t.id)
                    .ok_or_else(|| ServiceError::Forbidden("您的单位没有上级信息部门".into()))?
            }
        };
        let overseer = self.overseen_office(actor).await? == Some(office);
        let own_unit = if overseer {
            None
        } else {
            Some(self.options(actor).await?.unit_id)
        };
        let rows = store::scores(self.svc.db(), office, period).await?;
        let mut by_unit: BTreeMap<i64, RankLine> = BTreeMap::new();
        for r in rows {
            let line = by_unit.entry(r.unit_id).or_insert_with(|| RankLine {
                rank: 0,
                unit_id: r.unit_id,
                unit: r.unit_name.clone(),
                points: 0,
                adopted: 0,
                authors: Vec::new(),
                lines: Vec::new(),
            });
            line.points += r.points;
            match line.authors.iter_mut().find(|(n, _)| *n == r.author_name) {
                Some((_, p)) => *p += r.points,
                None => line.authors.push((r.author_name.clone(), r.points)),
            }
            // Another office's reader sees every unit's total, and the items of its own.
            if own_unit.is_none_or(|u| u == r.unit_id) {
                line.lines.push(ScoreLine {
                    month: r.month,
                    item_id: r.item_id,
                    title: r.title,
                    author: r.author_name,
                    reason: reason_of(&r.code),
                    points: r.points,
                });
            }
            if Level::from_code(&r.code).is_some() {
                line.adopted += 1;
            }
        }
        let mut lines: Vec<RankLine> = by_unit.into_values().collect();
        for l in &mut lines {
            if own_unit.is_some_and(|u| u != l.unit_id) {
                l.authors.clear();
            }
        }
        lines.sort_by(|a, b| b.points.cmp(&a.points).then(a.unit.cmp(&b.unit)));
        let mut rank = 0;
        let mut last = None;
        for (i, l) in lines.iter_mut().enumerate() {
            if last != Some(l.points) {
                rank = i + 1;
                last = Some(l.points);
            }
            l.rank = rank;
        }
        Ok(Ranking {
            office_id: office,
            period: period.to_owned(),
            lines,
        })
    }
}
