//! The figures of every unit and post per period (day, week, month, year), computed from the
//! recorded facts on the working-day calendar by `xn_domain::efficiency`, and stored once a
//! period has ended so that history does not move when rules, weights or the organisation
//! change. A period still running is computed at each reading, cut at the present instant.
//! `recompute` computes stored periods again and names every difference.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::efficiency::{
    self as rules, CaseFact, Facts, Figures, Mark, Period, PeriodFigures, PostMark, ServiceFact,
    StepFact,
};
use xn_store::efficiency_figures::{self as store, FIGURE_COLUMNS, StepKindRow, Stored};

use super::Efficiency;
use crate::{Result, ServiceError, ms};

/// The facts and figures of one window of time.
pub(crate) struct Computed {
    pub facts: Facts,
    pub figures: PeriodFigures,
    pub window: (i64, i64),
}

/// One stored period that `recompute` found different.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Difference {
    /// The period.
    pub period: String,
    /// The unit.
    pub unit_id: i64,
    /// The post, or 0 for the unit's whole subtree.
    pub post_id: i64,
    /// The figure (a column name), or `row` when the row is only on one side.
    pub figure: String,
    /// Stored.
    pub stored: i64,
    /// Computed now.
    pub computed: i64,
}

/// What `recompute` did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Recomputed {
    /// Periods compared.
    pub periods: usize,
    /// Rows compared.
    pub rows: usize,
    /// What differs.
    pub differences: Vec<Difference>,
    /// Periods stored under other rules (their differences may be the rules' change).
    pub other_rules: Vec<String>,
    /// Whether the computed figures replaced the stored.
    pub applied: bool,
}

pub(crate) fn figures_of(values: &[i64]) -> Figures {
    let v = |i: usize| values.get(i).copied().unwrap_or(0);
    Figures {
        steps_received: v(0),
        steps_done: v(1),
        steps_on_time: v(2),
        step_days_sum: v(3),
        step_days_p90: v(4),
        cases_received: v(5),
        cases_closed: v(6),
        cases_due: v(7),
        cases_on_time: v(8),
        open_end: v(9),
        open_overdue: v(10),
        age_0_2: v(11),
        age_3_5: v(12),
        age_6_10: v(13),
        age_over_10: v(14),
        yellow: v(15),
        red: v(16),
        returned: v(17),
        urged: v(18),
        service_rated: v(19),
        service_satisfied: v(20),
        service_reworks: v(21),
        service_returns: v(22),
        complaints_upheld: v(23),
        alerts_raised: v(24),
    }
}

fn values_of(f: &Figures) -> Vec<i64> {
    f.pairs().iter().map(|(_, v)| *v).collect()
}

/// The case id of an event's subject `case:{id}`.
fn case_of(subject: &str) -> Option<i64> {
    subject.strip_prefix("case:")?.parse().ok()
}

impl Efficiency<'_> {
    /// The facts of `[start, end)`.
    pub(crate) async fn facts(&self, start: i64, end: i64) -> Result<Facts> {
        let db = self.svc.db();
        let steps = store::steps(db, start, end).await?;
        let cases = store::cases(db, start, end).await?;
        let first = business_date(crate::from_ms(start));
        let last = business_date(crate::from_ms(end - 1));
        let mut marks: Vec<PostMark> =
            store::marks(db, start, end, &first.to_string(), &last.to_string())
                .await?
                .into_iter()
                .filter_map(|m| {
                    let mark = match m.mark.as_str() {
                        "yellow" => Mark::Yellow,
                        "red" => Mark::Red,
                        "service_return" => Mark::ServiceReturn,
                        "complaint" => Mark::ComplaintUpheld,
                        "alert" => Mark::Alert,
                        _ => return None,
                    };
                    Some(PostMark {
                        post_id: m.post_id,
                        unit_id: m.unit_id,
                        mark,
                    })
                })
                .collect();
        // Urges name the urged post in the event's detail.
        let urged: Vec<i64> = store::flow_events(db, &["flow.urged"], Some(start), end)
            .await?
            .iter()
            .filter_map(|(_, _, d)| {
                serde_json::from_str::<serde_json::Value>(d)
                    .ok()?
                    .get("post")?
                    .as_i64()
            })
            .collect();
        let mut ids = urged.clone();
        ids.sort_unstable();
        ids.dedup();
        let units: HashMap<i64, i64> = store::post_units(db, &ids).await?.into_iter().collect();
        marks.extend(urged.iter().filter_map(|p| {
            Some(PostMark {
                post_id: *p,
                unit_id: *units.get(p)?,
                mark: Mark::Urge,
            })
        }));
        // Pauses: each 挂起 until the next 恢复 of its case (or still standing at `end`).
        let mut pauses = Vec::new();
        let mut open: HashMap<i64, i64> = HashMap::new();
        for (subject, at, _) in
            store::flow_events(db, &["flow.paused", "flow.resumed"], None, end).await?
        {
            let Some(case) = case_of(&subject) else {
                continue;
            };
            match open.remove(&case) {
                Some(since) => pauses.push((case, since, Some(at))),
                None => {
                    open.insert(case, at);
                }
            }
        }
        pauses.extend(open.into_iter().map(|(case, since)| (case, since, None)));
        let service = store::service(db, &first.to_string(), &last.to_string())
            .await?
            .into_iter()
            .map(|s| ServiceFact {
                unit_id: s.unit_id,
                outcome: s.outcome,
                reworks: s.reworks,
            })
            .collect();
        Ok(Facts {
            steps: steps
                .into_iter()
                .map(|s| StepFact {
                    case_id: s.case_id,
                    post_id: s.post_id,
                    unit_id: s.unit_id,
                    state: s.state,
                    process_key: s.process_key,
                    step_id: s.step_id,
                    step_name: s.step_name,
                    created_at: s.created_at,
                    acted_at: s.acted_at,
                    due_at: s.due_at,
                })
                .collect(),
            cases: cases
                .into_iter()
                .map(|c| CaseFact {
                    case_id: c.case_id,
                    unit_id: c.unit_id,
                    created_at: c.created_at,
                    closed_at: c.closed_at,
                    due_date: c.due_date.as_deref().and_then(|d| d.parse().ok()),
                })
                .collect(),
            marks,
            service,
            pauses,
            parents: store::parents(db).await?.into_iter().collect(),
        })
    }

    /// The window of a period as far as it has run at `now`.
    pub(crate) fn window(p: &Period, now: DateTime<Utc>) -> (i64, i64) {
        let (start, end) = p.bounds_ms();
        (start, end.min(ms(now)))
    }

    /// A period's facts and figures computed now (cut at `now` if it is still running).
    pub(crate) async fn compute(&self, p: &Period, now: DateTime<Utc>) -> Result<Computed> {
        let window = Self::window(p, now);
        let cal = self.svc.flow_calendar().await?;
        let facts = if window.0 < window.1 {
            self.facts(window.0, window.1).await?
        } else {
            Facts::default()
        };
        let figures = rules::compute(&cal, window, &facts);
        Ok(Computed {
            facts,
            figures,
            window,
        })
    }

    /// A period's figures per unit (subtree rows): the stored ones of an ended period, else
    /// computed now. Also says whether they were stored.
    pub(crate) async fn unit_figures(
        &self,
        p: &Period,
        units: &[i64],
        now: DateTime<Utc>,
    ) -> Result<(HashMap<i64, Figures>, bool)> {
        if p.ended_by(business_date(now)) && store::stored(self.svc.db(), &p.code()).await? {
            let rows = store::read(self.svc.db(), &[p.code()], Some(units)).await?;
            return Ok((
                rows.into_iter()
                    .map(|r| (r.unit_id, figures_of(&r.values)))
                    .collect(),
                true,
            ));
        }
        let c = self.compute(p, now).await?;
        Ok((
            units
                .iter()
                .filter_map(|u| Some((*u, c.figures.units.get(u)?.clone())))
                .collect(),
            false,
        ))
    }

    /// Stores every ended period since the first recorded step that is not stored yet (each
    /// day, and each week, month and year on its last day). Answers how many were stored.
    /// Idempotent; several servers may run it at once (the later one writes the same rows).
    pub async fn close_periods(&self, now: DateTime<Utc>) -> Result<usize> {
        let db = self.svc.db();
        let Some(first) = store::first_fact(db).await? else {
            return Ok(0);
        };
        let today = business_date(now);
        let stored: BTreeSet<String> = store::periods_stored(db).await?.into_iter().collect();
        let mut day = business_date(crate::from_ms(first));
        let mut n = 0;
        while day < today {
            for p in Period::ending_on(day) {
                if !stored.contains(&p.code()) {
                    self.store_period(&p, now).await?;
                    n += 1;
                }
            }
            day += Duration::days(1);
        }
        Ok(n)
    }

    async fn store_period(&self, p: &Period, now: DateTime<Utc>) -> Result<()> {
        let c = self.compute(p, now).await?;
        let (rows, kinds) = rows_of(&c.figures);
        let mut tx = self.svc.db().begin().await?;
        store::store(&mut tx, &p.code(), &rows, &kinds, rules::RULES, ms(now)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Computes the stored periods whose days fall from `from` to `to` again from the facts,
    /// and names every figure that differs; with `apply`, stores the computed ones instead
    /// (recorded as an event).
    pub async fn recompute(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        apply: bool,
        now: DateTime<Utc>,
    ) -> Result<Recomputed> {
        if to < from {
            return Err(ServiceError::invalid("to", "结束日期不能早于开始日期"));
        }
        let db = self.svc.db();
        let mut out = Recomputed {
            applied: apply,
            ..Recomputed::default()
        };
        for code in store::periods_stored(db).await? {
            let Ok(p) = Period::parse(&code) else {
                continue;
            };
            if p.first_day() < from || p.last_day() > to {
                continue;
            }
            out.periods += 1;
            let stored = store::read(db, std::slice::from_ref(&code), None).await?;
            if stored.iter().any(|s| s.rules != rules::RULES) {
                out.other_rules.push(code.clone());
            }
            let c = self.compute(&p, now).await?;
            let (rows, kinds) = rows_of(&c.figures);
            out.rows += rows.len().max(stored.len());
            diff(&code, &stored, &rows, &mut out.differences);
            if apply {
                let mut tx = db.begin().await?;
                store::store(&mut tx, &code, &rows, &kinds, rules::RULES, ms(now)).await?;
                let differences = out.differences.iter().filter(|d| d.period == code).count();
                crate::events::record(
                    &mut tx,
                    &crate::events::Audit::CONSOLE,
                    "efficiency.recomputed",
                    Some(format!("period:{code}")),
                    serde_json::json!({ "differences": differences }),
                    now,
                )
                .await?;
                tx.commit().await?;
            }
        }
        Ok(out)
    }
}

/// The rows to store of a period's figures.
fn rows_of(f: &PeriodFigures) -> (Vec<store::FigureRow>, Vec<StepKindRow>) {
    let mut rows: Vec<store::FigureRow> = f
        .units
        .iter()
        .filter(|(_, x)| !x.is_empty())
        .map(|(u, x)| (*u, 0, values_of(x)))
        .collect();
    rows.extend(
        f.posts
            .iter()
            .filter(|(_, x)| !x.is_empty())
            .map(|((u, p), x)| (*u, *p, values_of(x))),
    );
    let kinds = f
        .steps
        .iter()
        .map(|((u, key, step), k)| StepKindRow {
            unit_id: *u,
            process_key: key.clone(),
            step_id: step.clone(),
            step_name: k.step_name.clone(),
            done: k.done,
            on_time: k.on_time,
            days_sum: k.days_sum,
            days_p90: k.days_p90,
        })
        .collect();
    (rows, kinds)
}

fn diff(period: &str, stored: &[Stored], computed: &[store::FigureRow], out: &mut Vec<Difference>) {
    let was: HashMap<(i64, i64), &Vec<i64>> = stored
        .iter()
        .map(|s| ((s.unit_id, s.post_id), &s.values))
        .collect();
    let now: HashMap<(i64, i64), &Vec<i64>> =
        computed.iter().map(|(u, p, v)| ((*u, *p), v)).collect();
    let mut keys: Vec<(i64, i64)> = was.keys().chain(now.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let zero = vec![0; FIGURE_COLUMNS.len()];
    for k in keys {
        let a = was.get(&k).copied().unwrap_or(&zero);
        let b = now.get(&k).copied().unwrap_or(&zero);
        for (i, col) in FIGURE_COLUMNS.iter().enumerate() {
            let (x, y) = (
                a.get(i).copied().unwrap_or(0),
                b.get(i).copied().unwrap_or(0),
            );
            if x != y {
                out.push(Difference {
                    period: period.to_owned(),
                    unit_id: k.0,
                    post_id: k.1,
                    figure: (*col).to_owned(),
                    stored: x,
                    computed: y,
                });
            }
        }
    }
}
