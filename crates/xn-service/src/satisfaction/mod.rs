//! 四个满意: the four satisfactions of each unit and post per month, each from a real source
//! (see [`xn_domain::satisfaction`] for the rules):
//!
//! - 群众满意 from the 回访 of service requests (`service_visits`, each round a rating, counted
//!   for the lead unit of the time and the request's lead post);
//! - 基层满意 from the ratings a county or bureau gives a 收文 the office handled for it to the
//!   end (the sending document's drafter or signer rates; counted for the receiving unit and
//!   the 收文's lead post);
//! - 领导满意 from the instructing leader's rating of a 督办件 once struck off (counted for its
//!   lead unit and post);
//! - 上级满意 from the higher office's evaluation of the month, entered by the office's 主任 or
//!   副主任, plus the unit's information adopted upward (`information_adoptions` at level
//!   `higher`, read, never changed).
//!
//! A running month is computed from the facts at each reading; an ended month is stored
//! (`satisfaction_figures`) by [`Satisfaction::close_months`], which the efficiency area's
//! closing runs, and read from the stored rows afterwards. Who sees what is the efficiency
//! monitor's scope ([`crate::efficiency::MonitorScope`]).

mod demo;
mod rate;
mod view;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use xn_domain::calendar::business_date;
use xn_domain::satisfaction::{Kind, RULES, Rating, Rules};
use xn_store::satisfaction::{self as store, AdoptionRow, FactRow, FigureRow, HigherRow};

use crate::{Result, ServiceError, Services, ms};

pub use rate::{HigherInput, RateInput, Rated};
pub use view::{
    FigureCell, PendingRating, SatisfactionItem, SatisfactionQuery, SatisfactionUnit,
    SatisfactionView, TrendChart,
};

/// 四个满意's front door: `services.satisfaction()`.
#[derive(Clone, Copy)]
pub struct Satisfaction<'a> {
    svc: &'a Services,
}

impl Services {
    /// The four satisfactions (四个满意).
    pub fn satisfaction(&self) -> Satisfaction<'_> {
        Satisfaction { svc: self }
    }
}

/// A month `YYYY-MM`, checked.
pub(crate) fn parse_month(s: &str) -> Result<(String, NaiveDate, NaiveDate)> {
    let bad = || ServiceError::invalid("month", "月份格式应为 YYYY-MM，如 2026-10");
    let s = s.trim();
    if s.len() != 7 {
        return Err(bad());
    }
    let first = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    Ok((s.to_owned(), first, next - Duration::days(1)))
}

/// The month a day falls in.
pub(crate) fn month_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// The month before a month.
pub(crate) fn month_before(m: &str) -> Result<String> {
    let (_, first, _) = parse_month(m)?;
    Ok(month_of(first - Duration::days(1)))
}

/// What a month's figures are computed from.
pub(crate) struct MonthFacts {
    pub(crate) ratings: Vec<FactRow>,
    pub(crate) adoptions: Vec<AdoptionRow>,
    pub(crate) higher: Vec<HigherRow>,
}

impl Satisfaction<'_> {
    fn rules(&self) -> Rules {
        self.svc.settings().satisfaction
    }

    pub(crate) async fn facts(&self, month: &str) -> Result<MonthFacts> {
        let (_, first, last) = parse_month(month)?;
        let from = ms(xn_domain::flow::ladder::start_of(first));
        let to = ms(xn_domain::flow::ladder::end_of(last));
        let db = self.svc.db();
        Ok(MonthFacts {
            ratings: store::facts(db, month).await?,
            adoptions: store::adoptions_upward(db, from, to).await?,
            higher: store::higher_of_month(db, month).await?,
        })
    }

    /// The figures of a month from its facts: a row per kind and unit (post 0) and per kind,
    /// unit and post.
    pub(crate) fn figures(&self, month: &str, f: &MonthFacts) -> Vec<FigureRow> {
        let rules = self.rules();
        // (kind, unit, post) → (n, points)
        let mut acc: BTreeMap<(Kind, i64, i64), (i64, i64)> = BTreeMap::new();
        for r in &f.ratings {
            let (Some(kind), Some(rating)) =
                (Kind::from_code(&r.kind), Rating::from_code(&r.result))
            else {
                continue;
            };
            let p = rules.points(rating);
            let mut keys = vec![(kind, r.unit_id, 0)];
            if let Some(post) = r.post_id {
                keys.push((kind, r.unit_id, post));
            }
            for k in keys {
                let e = acc.entry(k).or_insert((0, 0));
                e.0 += 1;
                e.1 += p;
            }
        }
        let mut rows: Vec<FigureRow> = acc
            .into_iter()
            .map(|((kind, unit, post), (n, sum))| FigureRow {
                month: month.to_owned(),
                kind: kind.code().to_owned(),
                unit_id: unit,
                post_id: post,
                n,
                points_sum: sum,
                extra: 0,
                score_centi: rules.mean_centi(sum, n),
            })
            .collect();
        // 上级满意: the entered score per office, the adoptions per unit and author.
        let score: BTreeMap<i64, i64> = f
            .higher
            .iter()
            .map(|h| (h.office_unit_id, h.score))
            .collect();
        let mut adopted: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        for a in &f.adoptions {
            *adopted.entry((a.unit_id, 0)).or_insert(0) += 1;
            *adopted.entry((a.unit_id, a.post_id)).or_insert(0) += 1;
        }
        for u in score.keys() {
            adopted.entry((*u, 0)).or_insert(0);
        }
        for ((unit, post), n) in adopted {
            let s = score.get(&unit).copied();
            rows.push(FigureRow {
                month: month.to_owned(),
                kind: Kind::Higher.code().to_owned(),
                unit_id: unit,
                post_id: post,
                n: i64::from(post == 0 && s.is_some()),
                points_sum: if post == 0 { s.unwrap_or(0) } else { 0 },
                extra: n,
                score_centi: rules.higher_centi(s, n),
            });
        }
        rows
    }

    /// A month's figures per unit (post 0): stored for an ended month that was stored,
    /// computed from the facts otherwise.
    pub(crate) async fn unit_rows(&self, month: &str, stored: bool) -> Result<Vec<FigureRow>> {
        if stored {
            return Ok(store::unit_figures(self.svc.db(), month, month).await?);
        }
        let f = self.facts(month).await?;
        Ok(self
            .figures(month, &f)
            .into_iter()
            .filter(|r| r.post_id == 0)
            .collect())
    }

    /// Stores every ended month not stored yet, from the first month with a fact. Answers
    /// how many were stored. Idempotent; run by the efficiency area's closing.
    pub async fn close_months(&self, now: DateTime<Utc>) -> Result<usize> {
        let db = self.svc.db();
        let Some(first) = store::first_month(db).await? else {
            return Ok(0);
        };
        let current = month_of(business_date(now));
        let stored: std::collections::BTreeSet<String> =
            store::months_stored(db).await?.into_iter().collect();
        let mut m = first;
        let mut n = 0;
        while m < current {
            if !stored.contains(&m) {
                self.store_month(&m, now).await?;
                n += 1;
            }
            let (_, _, last) = parse_month(&m)?;
            m = month_of(last + Duration::days(1));
        }
        Ok(n)
    }

    /// Computes and stores one month (replacing what was stored for it).
    pub async fn store_month(&self, month: &str, now: DateTime<Utc>) -> Result<()> {
        let f = self.facts(month).await?;
        let rows = self.figures(month, &f);
        let mut tx = self.svc.db().begin().await?;
        store::store_month(&mut tx, month, &rows, RULES, ms(now)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored or computed figures of some posts for a month: (post, kind) → figure × 100,
    /// for the monthly evaluation and the API.
    pub async fn post_figures(
        &self,
        posts: &[i64],
        month: &str,
    ) -> Result<BTreeMap<(i64, Kind), FigureRow>> {
        let stored = store::months_stored(self.svc.db()).await?;
        let rows = if stored.iter().map(String::as_str).any(|m| m == month) {
            store::post_figures(self.svc.db(), month, posts).await?
        } else {
            let f = self.facts(month).await?;
            self.figures(month, &f)
                .into_iter()
                .filter(|r| r.post_id != 0 && posts.contains(&r.post_id))
                .collect()
        };
        Ok(rows
            .into_iter()
            .filter_map(|r| Kind::from_code(&r.kind).map(|k| ((r.post_id, k), r)))
            .collect())
    }
}

/// The 服务满意度 factor of some posts for a month: post → (score, figures), for the posts
/// with a figure (the others have nothing owed). The score is the mean of the post's figures
/// among the four that have one.
pub(crate) async fn factor_findings(
    svc: &Services,
    posts: &[i64],
    month: &str,
) -> Result<std::collections::HashMap<i64, (f64, String)>> {
    let figures = svc.satisfaction().post_figures(posts, month).await?;
    let mut by_post: BTreeMap<i64, Vec<(Kind, i64)>> = BTreeMap::new();
    for ((post, kind), row) in figures {
        if let Some(c) = row.score_centi {
            by_post.entry(post).or_default().push((kind, c));
        }
    }
    Ok(by_post
        .into_iter()
        .map(|(post, list)| {
            let n = i64::try_from(list.len()).unwrap_or(1).max(1);
            let mean = (list.iter().map(|(_, c)| c).sum::<i64>() + n / 2) / n;
            let words: Vec<String> = list
                .iter()
                .map(|(k, c)| format!("{} {}", k.label(), xn_domain::satisfaction::shown(Some(*c))))
                .collect();
            (post, (mean as f64 / 100.0, words.join("，")))
        })
        .collect())
}
