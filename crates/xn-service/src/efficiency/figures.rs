//! The figures of every unit and post per period (day, week, month, year), computed from the
//! recorded facts on the working-day calendar by `xn_domain::efficiency`, and stored once a
//! period has ended so that history does not move when rules, weights or the organisation
//! change. A period still running is computed at each reading, cut at the present instant.
//! `recompute` computes stored periods again and names every difference.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

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

/// A running period's figures as computed at one instant.
pub(crate) struct RunningFigures {
    pub figures: PeriodFigures,
    pub as_of: DateTime<Utc>,
}

/// The figures of running periods kept between readings, by period code.
#[derive(Default)]
pub(crate) struct RunningCache(HashMap<String, KeptFigures>);

impl std::ops::Deref for RunningCache {
    type Target = HashMap<String, KeptFigures>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for RunningCache {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// One kept period: its figures and whether a recount is under way.
pub(crate) struct KeptFigures {
    figures: Arc<RunningFigures>,
    refreshing: bool,
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

impl<'a> Efficiency<'a> {
    /// The facts of `[start, end)`.
    pub(crate) async fn facts(&self, start: i64, end: i64) -> Result<Facts> {
        let db = self.svc.db();
        let steps = store::steps(db, start, end).await?;
        let pauses = self.pauses(end).await?;
        let parents = store::parents(db).await?.into_iter().collect();
        self.facts_with(steps, (start, end), pauses, parents).await
    }

    /// Each pause of a case recorded before `end`: (case, 挂起 at, the next 恢复 or none while
    /// it still stood at `end`).
    async fn pauses(&self, end: i64) -> Result<Vec<(i64, i64, Option<i64>)>> {
        let mut pauses = Vec::new();
        let mut open: HashMap<i64, i64> = HashMap::new();
        for (subject, at, _) in
            store::flow_events(self.svc.db(), &["flow.paused", "flow.resumed"], None, end).await?
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
        Ok(pauses)
    }

    /// The facts of `[start, end)` around its steps: cases, cards and other marks, urges,
    /// service requests, and the pauses as they stood at `end`.
    async fn facts_with(
        &self,
        steps: Vec<store::StepRow>,
        (start, end): (i64, i64),
        pauses: Vec<(i64, i64, Option<i64>)>,
        parents: HashMap<i64, Option<i64>>,
    ) -> Result<Facts> {
        let db = self.svc.db();
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
            pauses: pauses
                .into_iter()
                .filter(|(_, since, _)| *since < end)
                .map(|(case, since, until)| (case, since, until.filter(|at| *at < end)))
                .collect(),
            parents,
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
    /// computed (see [`Efficiency::running_figures`]). Also says whether they were stored.
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
        let figures = self.running_figures(p, now).await?;
        Ok((
            units
                .iter()
                .filter_map(|u| Some((*u, figures.figures.units.get(u)?.clone())))
                .collect(),
            false,
        ))
    }

    /// A period's figures computed from the facts, cut at `now` if it is still running.
    ///
    /// Computing a running month reads every step of the month (on a large city some hundred
    /// thousand); the leader's page and the rankings ask for it at each reading. So the figures
    /// of a period are kept for `Settings::running_figures_max_age` (the installation's
    /// `efficiency_refresh_secs`, a minute by default) and handed out as of when they were
    /// computed: a reading after that gets the kept figures at once and starts one computation
    /// in the background for the readers after it (never two at a time for one period), so no
    /// reader waits for a recount except the first after a start. A max age of zero computes at
    /// every reading, as the tests do.
    pub(crate) async fn running_figures(
        &self,
        p: &Period,
        now: DateTime<Utc>,
    ) -> Result<Arc<RunningFigures>> {
        let max_age = self.svc.settings().running_figures_max_age;
        if max_age.is_zero() {
            return Ok(Arc::new(RunningFigures {
                figures: self.compute(p, now).await?.figures,
                as_of: now,
            }));
        }
        let code = p.code();
        let kept = {
            let mut cache = self
                .svc
                .inner
                .running_figures
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match cache.get_mut(&code) {
                Some(kept) => {
                    let age = (now - kept.figures.as_of).to_std().unwrap_or_default();
                    let stale = age >= max_age || now < kept.figures.as_of;
                    let refresh = stale && !kept.refreshing;
                    if refresh {
                        kept.refreshing = true;
                    }
                    Some((kept.figures.clone(), refresh))
                }
                None => None,
            }
        };
        match kept {
            Some((figures, refresh)) => {
                if refresh {
                    let svc = self.svc.clone();
                    let p = *p;
                    tokio::spawn(async move {
                        let eff = svc.efficiency();
                        let computed = eff.compute(&p, now).await;
                        let mut cache = svc
                            .inner
                            .running_figures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner());
                        match computed {
                            Ok(c) => {
                                cache.insert(
                                    p.code(),
                                    KeptFigures {
                                        figures: Arc::new(RunningFigures {
                                            figures: c.figures,
                                            as_of: now,
                                        }),
                                        refreshing: false,
                                    },
                                );
                            }
                            Err(e) => {
                                tracing::warn!(period = %p.code(), error = %e, "running figures not recomputed");
                                if let Some(kept) = cache.get_mut(&p.code()) {
                                    kept.refreshing = false;
                                }
                            }
                        }
                    });
                }
                Ok(figures)
            }
            None => {
                let figures = Arc::new(RunningFigures {
                    figures: self.compute(p, now).await?.figures,
                    as_of: now,
                });
                let mut cache = self
                    .svc
                    .inner
                    .running_figures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                // Periods that have ended are stored; drop what no reader will ask for again.
                let today = business_date(now);
                cache.retain(|code, _| Period::parse(code).is_ok_and(|p| !p.ended_by(today)));
                cache.insert(
                    code,
                    KeptFigures {
                        figures: figures.clone(),
                        refreshing: false,
                    },
                );
                Ok(figures)
            }
        }
    }

    /// Stores every ended period since the first recorded step that is not stored yet (each
    /// day, and each week, month and year on its last day), and the meetings area's ended
    /// months (`Meetings::close_figure_months`) and the four satisfactions' ended months
    /// (`Satisfaction::close_months`). Answers how many were stored.
    /// Idempotent; several servers may run it at once (the later one writes the same rows).
    pub async fn close_periods(&self, now: DateTime<Utc>) -> Result<usize> {
        // The meetings area's monthly figures (会议效能) close with the same timer and command.
        let meeting_months = self.svc.meetings().close_figure_months(now).await?
            + self.svc.satisfaction().close_months(now).await?;
        let db = self.svc.db();
        let Some(first) = store::first_fact(db).await? else {
            return Ok(meeting_months);
        };
        let today = business_date(now);
        let stored: BTreeSet<String> = store::periods_stored(db).await?.into_iter().collect();
        let mut day = business_date(crate::from_ms(first));
        let mut due = Vec::new();
        while day < today {
            due.extend(
                Period::ending_on(day)
                    .into_iter()
                    .filter(|p| !stored.contains(&p.code())),
            );
            day += Duration::days(1);
        }
        let n = due.len();
        let mut sweep = self.sweep(due, now).await?;
        while let Some((p, c)) = sweep.next().await? {
            let (rows, kinds) = rows_of(&c.figures);
            let mut tx = db.begin().await?;
            store::store(&mut tx, &p.code(), &rows, &kinds, rules::RULES, ms(now)).await?;
            tx.commit().await?;
        }
        Ok(n + meeting_months)
    }

    /// Computes ended periods in one pass backwards over the task projection, from the present
    /// to the first day of the oldest: [`Sweep::next`] hands out each period as soon as its
    /// facts are whole (the newest first).
    ///
    /// A period's steps are those acted on within it and those still open at its end
    /// (`store::steps` of its window). Going back a day from a boundary `b` to the day's start
    /// `a`, the steps open at `a` are those open at `b` or acted on in `[a, b)` that had reached
    /// their holder before `a`: so one read of each day's acted steps (an index range) and the
    /// steps open now carry the open set through every day, and a week, month or year takes
    /// the open set at its end and the acted steps of its days. Reading each period's window
    /// on its own instead reads, for every past day, every step acted on since that day: a
    /// catch-up over years grows with the square of the history.
    pub(crate) async fn sweep<'e>(
        &'e self,
        periods: Vec<Period>,
        now: DateTime<Utc>,
    ) -> Result<Sweep<'e, 'a>> {
        let (Some(lo), Some(hi)) = (
            periods.iter().map(Period::first_day).min(),
            periods.iter().map(Period::last_day).max(),
        ) else {
            return Ok(Sweep::empty(self));
        };
        let db = self.svc.db();
        let now_ms = ms(now);
        // The steps open at the end of the newest day.
        let boundary = Period::Day(hi).bounds_ms().1.min(now_ms);
        let mut open = store::steps_open(db, now_ms).await?;
        open.extend(store::steps_acted(db, boundary, now_ms).await?);
        open.retain(|s| s.created_at < boundary);
        Ok(Sweep {
            eff: self,
            cal: Some(self.svc.flow_calendar().await?),
            parents: store::parents(db).await?.into_iter().collect(),
            pauses: self.pauses(now_ms).await?,
            periods,
            lo,
            day: Some(hi),
            boundary,
            open,
            acted_since: VecDeque::new(),
            open_at_end: HashMap::new(),
            ready: VecDeque::new(),
        })
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
        let periods: Vec<Period> = store::periods_stored(db)
            .await?
            .iter()
            .filter_map(|code| Period::parse(code).ok())
            .filter(|p| p.first_day() >= from && p.last_day() <= to)
            .collect();
        let mut sweep = self.sweep(periods, now).await?;
        while let Some((p, c)) = sweep.next().await? {
            let code = p.code();
            out.periods += 1;
            let stored = store::read(db, std::slice::from_ref(&code), None).await?;
            if stored.iter().any(|s| s.rules != rules::RULES) {
                out.other_rules.push(code.clone());
            }
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
        out.differences.sort_by(|a, b| a.period.cmp(&b.period));
        out.other_rules.sort();
        Ok(out)
    }
}

/// The pass of [`Efficiency::sweep`]: where it stands, walking back a day at a time.
pub(crate) struct Sweep<'e, 'a> {
    eff: &'e Efficiency<'a>,
    cal: Option<Arc<xn_domain::calendar::Calendar>>,
    parents: HashMap<i64, Option<i64>>,
    pauses: Vec<(i64, i64, Option<i64>)>,
    periods: Vec<Period>,
    lo: NaiveDate,
    /// The next day to walk back over, none when done.
    day: Option<NaiveDate>,
    /// The end of that day (or the present): `open` holds the steps open at this instant.
    boundary: i64,
    open: Vec<store::StepRow>,
    /// The acted steps of the days walked, the latest first, kept while a period whose end
    /// has been passed still needs them.
    acted_since: VecDeque<store::StepRow>,
    open_at_end: HashMap<Period, Vec<store::StepRow>>,
    ready: VecDeque<(Period, Computed)>,
}

impl Sweep<'_, '_> {
    fn empty<'e, 'a>(eff: &'e Efficiency<'a>) -> Sweep<'e, 'a> {
        Sweep {
            eff,
            cal: None,
            parents: HashMap::new(),
            pauses: Vec::new(),
            periods: Vec::new(),
            lo: NaiveDate::MIN,
            day: None,
            boundary: 0,
            open: Vec::new(),
            acted_since: VecDeque::new(),
            open_at_end: HashMap::new(),
            ready: VecDeque::new(),
        }
    }

    /// The next period computed, none when every one has been.
    pub(crate) async fn next(&mut self) -> Result<Option<(Period, Computed)>> {
        loop {
            if let Some(done) = self.ready.pop_front() {
                return Ok(Some(done));
            }
            let (Some(day), Some(cal)) = (self.day, self.cal.as_ref()) else {
                return Ok(None);
            };
            let db = self.eff.svc.db();
            let (start, _) = Period::Day(day).bounds_ms();
            for p in self.periods.iter().filter(|p| p.last_day() == day) {
                self.open_at_end.insert(*p, self.open.clone());
            }
            let mut acted = store::steps_acted(db, start, self.boundary).await?;
            acted.sort_by_key(|s| std::cmp::Reverse((s.acted_at, s.task_id)));
            self.open.retain(|s| s.created_at < start);
            self.open
                .extend(acted.iter().filter(|s| s.created_at < start).cloned());
            self.acted_since.extend(acted);
            self.boundary = start;
            for p in self.periods.iter().filter(|p| p.first_day() == day) {
                let window = p.bounds_ms();
                let mut steps = self.open_at_end.remove(p).unwrap_or_default();
                let from = self
                    .acted_since
                    .partition_point(|s| acted_at_or_min(s) >= window.1);
                let to = self
                    .acted_since
                    .partition_point(|s| acted_at_or_min(s) >= window.0);
                steps.extend(self.acted_since.range(from..to).cloned());
                steps.sort_by_key(|s| s.task_id);
                let facts = self
                    .eff
                    .facts_with(steps, window, self.pauses.clone(), self.parents.clone())
                    .await?;
                let figures = rules::compute(cal, window, &facts);
                self.ready.push_back((
                    *p,
                    Computed {
                        facts,
                        figures,
                        window,
                    },
                ));
            }
            // Keep only what the periods begun but not yet reached need.
            match self.open_at_end.keys().map(|p| p.bounds_ms().1).max() {
                None => self.acted_since.clear(),
                Some(end) => {
                    while self
                        .acted_since
                        .front()
                        .is_some_and(|s| acted_at_or_min(s) >= end)
                    {
                        self.acted_since.pop_front();
                    }
                }
            }
            self.day = if day <= self.lo { None } else { day.pred_opt() };
        }
    }
}

/// When a step was acted on, for ordering (never-acted steps last).
fn acted_at_or_min(s: &store::StepRow) -> i64 {
    s.acted_at.unwrap_or(i64::MIN)
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
