//! 热点分析: what the public and the grassroots asked about in a month, by category and by
//! place, beside the month before — read by the dispatchers of a government (all its requests)
//! and by a unit (the requests it leads or assists), from the same rows as the lists.
//!
//! The place is the unit the 地点 names (清河县 in 「清河县城关镇…」, the same reading the 派单
//! suggestion makes), else the unit the request was dispatched to, else 未注明地点.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_store::service::{self as store, ReceivedGroup};

use super::Service;
use crate::{Actor, Result, ServiceError};

/// How many category × place pairs the page lists.
const HOTTEST: usize = 10;

/// One row of a breakdown: a name, this month's count, last month's, and its share.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HotLine {
    /// Category or place.
    pub name: String,
    /// This month.
    pub count: i64,
    /// The month before.
    pub previous: i64,
    /// Change against the month before, as shown (+3, −2, 持平, 新增).
    pub change: String,
    /// Share of the month's requests, percent (one decimal).
    pub share: String,
}

/// One category in one place.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HotCell {
    /// Category.
    pub category: String,
    /// Place.
    pub place: String,
    /// This month.
    pub count: i64,
    /// The month before.
    pub previous: i64,
    /// Change, as shown.
    pub change: String,
}

/// A month's 热点分析.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HotView {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The month before.
    pub previous_month: String,
    /// Requests received this month.
    pub total: i64,
    /// And the month before.
    pub previous_total: i64,
    /// Every category of the catalogue, the most asked first.
    pub categories: Vec<HotLine>,
    /// Every place with a request in either month, the most first.
    pub places: Vec<HotLine>,
    /// The category × place pairs with the most requests this month (at most ten).
    pub hottest: Vec<HotCell>,
}

fn change(now: i64, before: i64) -> String {
    match (now, before) {
        (n, 0) if n > 0 => "新增".to_owned(),
        (n, b) if n == b => "持平".to_owned(),
        (n, b) if n > b => format!("+{}", n - b),
        (n, b) => format!("−{}", b - n),
    }
}

fn share(n: i64, total: i64) -> String {
    if total == 0 {
        return "0.0%".to_owned();
    }
    let tenths = (n * 1000 + total / 2) / total;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn lines(now: &BTreeMap<String, i64>, before: &BTreeMap<String, i64>, total: i64) -> Vec<HotLine> {
    let mut names: Vec<&String> = now.keys().chain(before.keys()).collect();
    names.sort();
    names.dedup();
    let mut out: Vec<HotLine> = names
        .into_iter()
        .map(|name| {
            let count = now.get(name).copied().unwrap_or(0);
            let previous = before.get(name).copied().unwrap_or(0);
            HotLine {
                name: name.clone(),
                count,
                previous,
                change: change(count, previous),
                share: share(count, total),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.previous.cmp(&a.previous)));
    out
}

/// The first day of `month` (`YYYY-MM`) and of the months before and after it.
fn bounds(month: &str) -> Result<(NaiveDate, NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid("month", "月份格式应为 YYYY-MM"))?;
    let before = (first - chrono::Duration::days(1))
        .with_day(1)
        .unwrap_or(first);
    let after = (first + chrono::Duration::days(31))
        .with_day(1)
        .unwrap_or(first);
    Ok((before, first, after))
}

impl Service<'_> {
    /// A month's 热点分析 for the viewer (default: this month).
    pub async fn hot(
        &self,
        actor: &Actor,
        month: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<HotView> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let this_month = business_date(now).format("%Y-%m").to_string();
        let month = month
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(&this_month);
        let (before, first, after) = bounds(month)?;
        let cap = self.dispatcher(actor).await?;
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        let governments: Vec<i64> = cap.iter().map(|c| c.government).collect();
        let units: Vec<i64> = chain.0.iter().map(|u| u.id).collect();
        let db = self.svc.db();
        let groups = store::received_groups(
            db,
            &governments,
            &units,
            &before.to_string(),
            &after.to_string(),
        )
        .await?;
        // The places a government's requests may name: the units under it.
        let mut under: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
        for g in &groups {
            if let std::collections::btree_map::Entry::Vacant(e) = under.entry(g.government_id) {
                e.insert(store::units_under(db, g.government_id).await?);
            }
        }
        let place = |g: &ReceivedGroup| -> String {
            let units = under
                .get(&g.government_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            super::views::unit_named_in(units, &g.location)
                .or_else(|| units.iter().find(|(u, _)| Some(*u) == g.lead_unit_id))
                .map_or_else(|| "未注明地点".to_owned(), |(_, name)| name.clone())
        };
        let (mut cats, mut cats_before) = (BTreeMap::new(), BTreeMap::new());
        let (mut places, mut places_before) = (BTreeMap::new(), BTreeMap::new());
        let (mut cells, mut cells_before) = (BTreeMap::new(), BTreeMap::new());
        let (mut total, mut previous_total) = (0, 0);
        let month = first.format("%Y-%m").to_string();
        for g in &groups {
            let p = place(g);
            // The statement read this month and the one before only.
            let (c, pl, ce, t) = if g.month == month {
                (&mut cats, &mut places, &mut cells, &mut total)
            } else {
                (
                    &mut cats_before,
                    &mut places_before,
                    &mut cells_before,
                    &mut previous_total,
                )
            };
            *c.entry(g.category_name.clone()).or_insert(0) += g.n;
            *pl.entry(p.clone()).or_insert(0) += g.n;
            *ce.entry((g.category_name.clone(), p)).or_insert(0) += g.n;
            *t += g.n;
        }
        // Every category of the catalogue is listed, asked about or not.
        for c in store::categories(db).await? {
            if c.scope == "public" {
                cats.entry(c.name).or_insert(0);
            }
        }
        let mut hottest: Vec<HotCell> = cells
            .iter()
            .map(|((category, place), n)| {
                let previous = cells_before
                    .get(&(category.clone(), place.clone()))
                    .copied()
                    .unwrap_or(0);
                HotCell {
                    category: category.clone(),
                    place: place.clone(),
                    count: *n,
                    previous,
                    change: change(*n, previous),
                }
            })
            .collect();
        hottest.sort_by(|a, b| b.count.cmp(&a.count).then(b.previous.cmp(&a.previous)));
        hottest.truncate(HOTTEST);
        Ok(HotView {
            month,
            previous_month: before.format("%Y-%m").to_string(),
            total,
            previous_total,
            categories: lines(&cats, &cats_before, total),
            places: lines(&places, &places_before, total),
            hottest,
        })
    }
}
