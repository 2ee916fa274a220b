//! The figures of a month: the 督查通报 (drafted as a 通报 document and dispatched like any
//! other) and the scores kept per unit and post for the monthly evaluation. Computing them
//! takes a seat at the board ([`BoardCap`]); reading the stored scores does not.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::documents::Recipient;
use xn_domain::flow::engine::business_date;
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::org::Permission;
use xn_domain::supervision::{Bulletin, LateItem, UnitLine};
use xn_store::supervision::{self as store, ItemRow, ScoreRow};

use super::{BoardCap, Supervision, parse_date};
use crate::documents::DraftInput;
use crate::{Actor, Result, ServiceError, ms, require};

/// A month's bulletin, as previewed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulletinView {
    /// `YYYY-MM`.
    pub month: String,
    /// Title of the 通报.
    pub title: String,
    /// Its body.
    pub body: String,
    /// Units named late.
    pub late_units: Vec<String>,
}

/// One unit's or post's scores of a month, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreView {
    /// `YYYY-MM`.
    pub month: String,
    /// Unit.
    pub unit_id: i64,
    /// Unit name.
    pub unit: String,
    /// Post (0: the unit as a whole).
    pub post_id: i64,
    /// The post's holder, for post rows.
    pub person: Option<String>,
    /// Items counted.
    pub items_due: i64,
    /// Closed on time.
    pub closed_on_time: i64,
    /// Closed late.
    pub closed_late: i64,
    /// Open past due.
    pub open_overdue: i64,
    /// On-time rate, percent.
    pub on_time_rate: f64,
    /// Average working days to close (closed items).
    pub avg_days_to_close: Option<f64>,
    /// Yellow cards.
    pub yellow_cards: i64,
    /// Red cards.
    pub red_cards: i64,
    /// Reports due.
    pub reports_due: i64,
    /// Reports missed.
    pub reports_missed: i64,
}

/// A month's bounds: (first day, last day).
pub(crate) fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid("month", "月份格式应为 YYYY-MM"))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| ServiceError::invalid("month", "月份不正确"))?;
    Ok((first, last))
}

/// One row's counts before names.
#[derive(Debug, Clone, Default)]
struct Tally {
    items: i64,
    on_time: i64,
    late: i64,
    overdue: i64,
    days_to_close: i64,
    closed: i64,
    yellow: i64,
    red: i64,
    reports_due: i64,
    missed: i64,
}

/// The month's figures over a set of offices.
struct Month {
    by_unit: BTreeMap<i64, Tally>,
    by_post: BTreeMap<(i64, i64), Tally>,
    late: Vec<(ItemRow, i64, bool)>,
}

impl Supervision<'_> {
    async fn month_figures(
        &self,
        offices: &[i64],
        first: NaiveDate,
        last: NaiveDate,
        today: NaiveDate,
    ) -> Result<Month> {
        let cal = self.svc.flow_calendar().await?;
        let asof = last.min(today);
        let items = store::items_of_offices(self.svc.db(), offices).await?;
        let cards = store::cards_of_offices(self.svc.db(), offices).await?;
        let reports = store::reports_of_offices(self.svc.db(), offices).await?;
        let mut m = Month {
            by_unit: BTreeMap::new(),
            by_post: BTreeMap::new(),
            late: Vec::new(),
        };
        let by_id: BTreeMap<i64, &ItemRow> = items.iter().map(|i| (i.id, i)).collect();
        for it in &items {
            let deadline = parse_date(&it.deadline)?;
            let closed = it.closed_on.as_deref().map(parse_date).transpose()?;
            let closed_in = closed.filter(|c| *c >= first && *c <= last);
            let open_at_asof = closed.is_none_or(|c| c > asof);
            let overdue = open_at_asof && deadline < asof && deadline <= last;
            if closed_in.is_none() && !overdue {
                continue;
            }
            let mut t = Tally {
                items: 1,
                ..Tally::default()
            };
            if let Some(c) = closed_in {
                t.closed = 1;
                let opened = business_date(crate::from_ms(it.created_at));
                t.days_to_close = cal.working_days_between(opened, c).max(0);
                if c <= deadline {
                    t.on_time = 1;
                } else {
                    t.late = 1;
                    m.late
                        .push((it.clone(), cal.working_days_between(deadline, c), true));
                }
            } else {
                t.overdue = 1;
                m.late
                    .push((it.clone(), cal.working_days_between(deadline, asof), false));
            }
            add(m.by_unit.entry(it.lead_unit_id).or_default(), &t);
            add(
                m.by_post
                    .entry((it.lead_unit_id, it.lead_post_id))
                    .or_default(),
                &t,
            );
        }
        let (from, to) = (ms(start_of(first)), ms(end_of(last)));
        for (_, color, post, unit, at) in cards {
            if at < from || at >= to {
                continue;
            }
            let Some(unit) = unit else { continue };
            let t = Tally {
                yellow: i64::from(color == "yellow"),
                red: i64::from(color == "red"),
                ..Tally::default()
            };
            add(m.by_unit.entry(unit).or_default(), &t);
            if let Some(p) = post {
                add(m.by_post.entry((unit, p)).or_default(), &t);
            }
        }
        let (first_s, last_s) = (first.to_string(), last.to_string());
        for (item, due, status) in reports {
            if due < first_s || due > last_s || status == "cancelled" {
                continue;
            }
            let Some(it) = by_id.get(&item) else { continue };
            let t = Tally {
                reports_due: 1,
                missed: i64::from(status == "missed" || status == "late"),
                ..Tally::default()
            };
            add(m.by_unit.entry(it.lead_unit_id).or_default(), &t);
            add(
                m.by_post
                    .entry((it.lead_unit_id, it.lead_post_id))
                    .or_default(),
                &t,
            );
        }
        Ok(m)
    }

    /// The month's bulletin over the board's offices, previewed.
    pub async fn bulletin(
        &self,
        board: &BoardCap<'_>,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<BulletinView> {
        let (bulletin, _) = self.compose(&board.offices, month, now).await?;
        Ok(BulletinView {
            month: month.to_owned(),
            title: bulletin.title(),
            body: bulletin.body(),
            late_units: bulletin
                .units
                .iter()
                .filter(|u| u.is_late())
                .map(|u| u.unit.clone())
                .collect(),
        })
    }

    /// The month's bulletin over a set of offices, and the units it names.
    async fn compose(
        &self,
        offices: &[i64],
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<(Bulletin, Vec<i64>)> {
        let (first, last) = month_bounds(month)?;
        let m = self
            .month_figures(offices, first, last, business_date(now))
            .await?;
        let mut tx = self.svc.db().begin_read().await?;
        // Units read as the lists show them (a county's section: 清河县信息股); the office by its
        // full name.
        let mut names = BTreeMap::new();
        for u in m.by_unit.keys().chain(offices.iter()) {
            let (_, _, name, _) = xn_store::org::unit_brief(&mut tx, *u).await?;
            names.insert(*u, name);
        }
        drop(tx);
        let office = offices
            .first()
            .and_then(|o| names.get(o).cloned())
            .unwrap_or_default();
        for it in &m.late {
            names.insert(it.0.lead_unit_id, it.0.lead_unit_name.clone());
        }
        for (u, short) in self.short_names(m.by_unit.keys().copied()).await? {
            names.insert(u, short);
        }
        let name = |u: i64| names.get(&u).cloned().unwrap_or_default();
        let units: Vec<UnitLine> = m
            .by_unit
            .iter()
            .map(|(u, t)| UnitLine {
                unit: name(*u),
                items: t.items,
                on_time: t.on_time,
                late: t.late,
                overdue: t.overdue,
                yellow: t.yellow,
                red: t.red,
                missed_reports: t.missed,
            })
            .collect();
        let late = m
            .late
            .iter()
            .map(|(it, days, closed)| LateItem {
                // The bulletin is drafted as a 通报 of the office, a 非密 document sent to the
                // units: an item classified by its source is named「（涉密事项）」there.
                title: if it.classification == "public" {
                    it.title.clone()
                } else {
                    crate::clearance::WITHHELD.to_owned()
                },
                unit: it.lead_unit_name.clone(),
                deadline: parse_date(&it.deadline).unwrap_or(first),
                days_late: *days,
                card: match it.card.as_deref() {
                    Some("red") => Some("红牌"),
                    Some("yellow") => Some("黄牌"),
                    _ => None,
                },
                closed: *closed,
            })
            .collect();
        let period = format!("{}年{}月", first.year(), first.month());
        Ok((
            Bulletin {
                period,
                office,
                units,
                late,
            },
            m.by_unit.keys().copied().collect(),
        ))
    }

    /// Drafts the month's bulletin as a 通报 document of the actor's office, to be signed off,
    /// numbered, printed and dispatched like any document. Returns the document's id.
    pub async fn draft_bulletin(
        &self,
        board: &BoardCap<'_>,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (bulletin, units) = self.compose(&board.offices, month, now).await?;
        let offices = &board.offices;
        let mut tx = self.svc.db().begin_read().await?;
        let mut recipients: BTreeSet<i64> = BTreeSet::new();
        for u in units {
            let o = self.svc.office_of_unit(&mut tx, u).await?;
            if !offices.contains(&o) {
                recipients.insert(o);
            }
        }
        let mut main = Vec::new();
        for r in recipients {
            let (_, _, name, _) = xn_store::org::unit_brief(&mut tx, r).await?;
            main.push(Recipient {
                unit_id: Some(r),
                name,
            });
        }
        drop(tx);
        if main.is_empty() {
            main.push(Recipient {
                unit_id: None,
                name: "各科室".into(),
            });
        }
        let input = DraftInput {
            kind: "circular".into(),
            title: bulletin.title(),
            main_recipients: main,
            signature: Some(bulletin.office.clone()),
            seal: true,
            body: bulletin.body(),
            version_note: Some(format!("由{}督查督办数据生成", bulletin.period)),
            ..DraftInput::default()
        };
        let id = self.svc.documents().draft(board.actor, &input, now).await?;
        let mut tx = self.svc.db().begin().await?;
        crate::events::record(
            &mut tx,
            &board.actor.audit(),
            "supervision.bulletin_drafted",
            Some(format!("document:{id}")),
            json!({"month": month, "document": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Computes and stores the month's scores for the units on the actor's board, per unit and
    /// per post; answers them.
    pub async fn store_scores(
        &self,
        board: &BoardCap<'_>,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScoreView>> {
        let (first, last) = month_bounds(month)?;
        let m = self
            .month_figures(&board.offices, first, last, business_date(now))
            .await?;
        let row = |unit: i64, post: i64, t: &Tally| ScoreRow {
            month: month.to_owned(),
            unit_id: unit,
            post_id: post,
            items_due: t.items,
            closed_on_time: t.on_time,
            closed_late: t.late,
            open_overdue: t.overdue,
            working_days_to_close: t.days_to_close,
            closed: t.closed,
            yellow_cards: t.yellow,
            red_cards: t.red,
            reports_due: t.reports_due,
            reports_missed: t.missed,
            computed_at: ms(now),
        };
        let mut rows: Vec<ScoreRow> = m.by_unit.iter().map(|(u, t)| row(*u, 0, t)).collect();
        rows.extend(m.by_post.iter().map(|((u, p), t)| row(*u, *p, t)));
        let units: Vec<i64> = m.by_unit.keys().copied().collect();
        let mut tx = self.svc.db().begin().await?;
        store::store_scores(&mut tx, month, &units, &rows).await?;
        crate::events::record(
            &mut tx,
            &board.actor.audit(),
            "supervision.scores_stored",
            None,
            json!({"month": month, "units": units.len(), "rows": rows.len()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.scores_of(&board.offices, month).await
    }

    /// The stored scores of a month for the units on the actor's board (none for an actor at
    /// no board).
    pub async fn scores(&self, actor: &Actor, month: &str) -> Result<Vec<ScoreView>> {
        require(actor, Permission::FlowWork)?;
        month_bounds(month)?;
        let offices = self.svc.board_offices(actor).await?;
        self.scores_of(&offices, month).await
    }

    /// The stored scores of a month for the units that lead the offices' items.
    async fn scores_of(&self, offices: &[i64], month: &str) -> Result<Vec<ScoreView>> {
        let items = store::items_of_offices(self.svc.db(), offices).await?;
        let mut units: Vec<i64> = items.iter().map(|i| i.lead_unit_id).collect();
        units.sort_unstable();
        units.dedup();
        let rows = store::scores(self.svc.db(), month, &units).await?;
        let posts: Vec<i64> = rows.iter().map(|r| r.post_id).filter(|p| *p > 0).collect();
        let names = self.svc.post_names(&posts).await?;
        let mut tx = self.svc.db().begin_read().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (_, _, unit, _) = xn_store::org::unit_brief(&mut tx, r.unit_id).await?;
            let due = r.closed_on_time + r.closed_late + r.open_overdue;
            #[expect(clippy::cast_precision_loss, reason = "counts are small")]
            let rate = if due == 0 {
                100.0
            } else {
                r.closed_on_time as f64 * 100.0 / due as f64
            };
            #[expect(clippy::cast_precision_loss, reason = "counts are small")]
            let avg = (r.closed > 0).then(|| r.working_days_to_close as f64 / r.closed as f64);
            out.push(ScoreView {
                month: r.month,
                unit_id: r.unit_id,
                unit,
                post_id: r.post_id,
                person: names.get(&r.post_id).cloned(),
                items_due: r.items_due,
                closed_on_time: r.closed_on_time,
                closed_late: r.closed_late,
                open_overdue: r.open_overdue,
                on_time_rate: rate,
                avg_days_to_close: avg,
                yellow_cards: r.yellow_cards,
                red_cards: r.red_cards,
                reports_due: r.reports_due,
                reports_missed: r.reports_missed,
            });
        }
        Ok(out)
    }

    /// Units' short names.
    async fn short_names(&self, units: impl Iterator<Item = i64>) -> Result<Vec<(i64, String)>> {
        let mut out = Vec::new();
        for u in units {
            let row = xn_store::org::find_unit(self.svc.db(), u).await?;
            out.push((u, row.short_name));
        }
        Ok(out)
    }
}

fn add(t: &mut Tally, d: &Tally) {
    t.items += d.items;
    t.on_time += d.on_time;
    t.late += d.late;
    t.overdue += d.overdue;
    t.days_to_close += d.days_to_close;
    t.closed += d.closed;
    t.yellow += d.yellow;
    t.red += d.red;
    t.reports_due += d.reports_due;
    t.missed += d.missed;
}
