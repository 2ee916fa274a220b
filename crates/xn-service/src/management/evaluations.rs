//! 月考评: each post's month computed from the facts (`factors`), with its weights, the
//! leader's rating (±10) and comment, the person's objection (申诉) within the office's window
//! and the chief's decision, and the lock that freezes the figures (`management.locked`).
//! Until locked the figures are recomputed at each reading, so a weight changed before the
//! lock changes the total; after it the frozen figures are shown and nothing changes them.
//! Sections and county offices are rolled up from their people.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ladder::end_of;
use xn_domain::management::{self as rules, Factor, NOT_ENABLED};
use xn_store::management::{self as store, EvaluationRow, FrozenFactor, StaffRow};

use super::beijing_time;
use super::factors::{self, Detail, Found, MonthSpan};
use super::{Management, Viewer, into_invalid};
use crate::{Actor, Result, ServiceError, ms};

/// An item behind a figure (the drill-down).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SourceItem {
    /// Its title (「（涉密事项）」 above the reader's clearance).
    pub title: String,
    /// Its page.
    pub href: Option<String>,
    /// What it counted as.
    pub note: String,
    /// Whether its words are withheld.
    pub withheld: bool,
}

/// One factor of a post's month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FactorView {
    /// Code (`on_time` …).
    pub code: String,
    /// Name.
    pub label: String,
    /// How the score is made.
    pub rule: String,
    /// Weight, percent.
    pub weight: i64,
    /// Score, 0–100, two decimals.
    pub score: f64,
    /// weight × score ÷ 100, two decimals.
    pub points: f64,
    /// The figures, in words.
    pub figures: String,
    /// The items behind them.
    pub items: Vec<SourceItem>,
}

/// A person's evaluation of a month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    /// `YYYY-MM`.
    pub month: String,
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post's label.
    pub post_label: String,
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// Every factor in use.
    pub factors: Vec<FactorView>,
    /// Sources not built yet (未启用).
    pub not_enabled: Vec<String>,
    /// The leader's rating, ±10.
    pub rating: i64,
    /// The leader's comment.
    pub rating_comment: String,
    /// Σ points + rating.
    pub total: f64,
    /// Whether locked.
    pub locked: bool,
    /// When (Beijing).
    pub locked_at: Option<String>,
    /// The objection, if any.
    pub objection: Option<String>,
    /// `pending`, `upheld`, `rejected`.
    pub objection_status: Option<String>,
    /// The decision's reason.
    pub decision: String,
    /// The last day to object (Beijing), once the month is over.
    pub objection_until: Option<String>,
    /// The viewer may rate and decide.
    pub may_rate: bool,
    /// The viewer may object (their own, in the window, unlocked, none filed).
    pub may_object: bool,
    /// The viewer may lock.
    pub may_lock: bool,
}

/// One person's line in a month's table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post's label.
    pub post_label: String,
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// The office.
    pub office_id: i64,
    /// Weights, in the factors' order.
    pub weights: Vec<i64>,
    /// Scores, in the factors' order.
    pub scores: Vec<f64>,
    /// The leader's rating.
    pub rating: i64,
    /// The total.
    pub total: f64,
    /// Locked.
    pub locked: bool,
    /// An objection's state.
    pub objection_status: Option<String>,
}

/// A unit rolled up from its people: the mean of each score and of the totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRollup {
    /// Unit (a section, the office itself, or a county office as a whole).
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// People counted.
    pub people: i64,
    /// Mean scores, in the factors' order.
    pub scores: Vec<f64>,
    /// Mean total.
    pub total: f64,
    /// People locked.
    pub locked: i64,
    /// Whether the viewer may lock the unit's month.
    pub may_lock: bool,
}

/// A factor's code and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactorLabel {
    /// Code.
    pub code: String,
    /// Name.
    pub label: String,
}

/// A month's table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    /// The factors, in the columns' order.
    pub factors: Vec<FactorLabel>,
    /// Sources not built yet.
    pub not_enabled: Vec<String>,
    /// People.
    pub rows: Vec<MonthRow>,
    /// Units.
    pub units: Vec<UnitRollup>,
}

/// The leader's rating.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = management::RatingInput)]
pub struct RatingInput {
    /// `YYYY-MM`.
    pub month: String,
    /// −10 … +10.
    pub rating: i64,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// An objection (申诉).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ObjectionInput {
    /// `YYYY-MM`.
    pub month: String,
    /// Why.
    pub reason: String,
}

/// The decision on an objection.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = management::DecisionInput)]
pub struct DecisionInput {
    /// `YYYY-MM`.
    pub month: String,
    /// Upheld (true) or rejected.
    pub uphold: bool,
    /// Why.
    pub reason: String,
    /// A new rating when upheld.
    #[serde(default)]
    pub rating: Option<i64>,
}

/// A person's computed (or frozen) month.
pub(crate) struct Computed {
    pub staff: StaffRow,
    pub row: Option<EvaluationRow>,
    pub factors: Vec<FactorView>,
    pub total: f64,
}

fn centi(x: f64) -> i64 {
    #[expect(clippy::cast_possible_truncation, reason = "scores are within ±200")]
    let c = (x * 100.0).round() as i64;
    c
}

fn uncenti(c: i64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "hundredths of small scores")]
    let x = c as f64 / 100.0;
    x
}

impl Management<'_> {
    /// Computes the month of some people (their stored rows frozen where locked), with the
    /// items behind each figure.
    pub(crate) async fn compute(
        &self,
        actor: &Actor,
        staff: Vec<StaffRow>,
        span: &MonthSpan,
    ) -> Result<Vec<Computed>> {
        self.compute_as(actor, staff, span, Detail::Items).await
    }

    /// [`Self::compute`], finding the items behind each figure or only the counts.
    async fn compute_as(
        &self,
        actor: &Actor,
        staff: Vec<StaffRow>,
        span: &MonthSpan,
        detail: Detail,
    ) -> Result<Vec<Computed>> {
        let staff: Vec<StaffRow> = staff.into_iter().filter(super::evaluated).collect();
        let posts: Vec<i64> = staff.iter().map(|s| s.post_id).collect();
        let mut offices: Vec<i64> = staff.iter().map(|s| s.office_id).collect();
        offices.sort_unstable();
        offices.dedup();
        let rows = store::evaluations(self.svc.db(), &span.month, &posts).await?;
        let rows: HashMap<i64, EvaluationRow> = rows.into_iter().map(|r| (r.post_id, r)).collect();
        let locked_ids: Vec<i64> = rows
            .values()
            .filter(|r| r.locked_at.is_some())
            .map(|r| r.id)
            .collect();
        let frozen = store::frozen_factors(self.svc.db(), &locked_ids).await?;
        let mut frozen_of: HashMap<i64, Vec<FrozenFactor>> = HashMap::new();
        for f in frozen {
            frozen_of.entry(f.evaluation_id).or_default().push(f);
        }
        let mut weekdays = BTreeMap::new();
        for o in &offices {
            weekdays.insert(*o, self.office_settings(*o).await?.0);
        }
        let live: Vec<StaffRow> = staff
            .iter()
            .filter(|s| rows.get(&s.post_id).is_none_or(|r| r.locked_at.is_none()))
            .cloned()
            .collect();
        let found = if live.is_empty() {
            BTreeMap::new()
        } else {
            factors::compute(self.svc, &live, span, actor.clearance(), &weekdays, detail).await?
        };
        let weights = self.weights_of(&offices).await?;
        let mut out = Vec::with_capacity(staff.len());
        for s in staff {
            let row = rows.get(&s.post_id).cloned();
            let (factor_views, total) = match row.as_ref().filter(|r| r.locked_at.is_some()) {
                Some(r) => {
                    let mut views: Vec<FactorView> = frozen_of
                        .get(&r.id)
                        .map(|fs| fs.iter().filter_map(thaw).collect())
                        .unwrap_or_default();
                    views.sort_by_key(|f| {
                        Factor::ALL
                            .iter()
                            .position(|g| g.code() == f.code)
                            .unwrap_or(usize::MAX)
                    });
                    (views, uncenti(r.total_centi.unwrap_or(0)))
                }
                None => {
                    let (ws, _) = weights.of(s.office_id, s.position_id);
                    let views: Vec<FactorView> = ws
                        .iter()
                        .map(|(f, w)| {
                            let got = found
                                .get(f)
                                .and_then(|m| m.get(&s.post_id))
                                .cloned()
                                .unwrap_or_else(|| factors::nothing(*f));
                            view(*f, *w, got)
                        })
                        .collect();
                    let parts: Vec<(i64, f64)> =
                        views.iter().map(|v| (v.weight, v.score)).collect();
                    let rating = row.as_ref().map_or(0, |r| r.rating);
                    let total = rules::total(&parts, rating);
                    (views, total)
                }
            };
            out.push(Computed {
                staff: s,
                row,
                factors: factor_views,
                total,
            });
        }
        Ok(out)
    }

    /// A month's table of everyone the viewer reads, with the units rolled up.
    pub async fn month(&self, actor: &Actor, month: &str, now: DateTime<Utc>) -> Result<MonthView> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(month, now)?;
        let staff = self.staff_in_scope(&v).await?;
        let units_of = unit_names(&staff);
        // The table shows scores and totals, never items: counted, not listed.
        let computed = self.compute_as(actor, staff, &span, Detail::Counts).await?;
        let rows: Vec<MonthRow> = computed.iter().map(month_row).collect();
        // Roll-ups: each unit of the viewer's own office (the office and its sections), and
        // each county office as a whole.
        let mut groups: Vec<(i64, String, Vec<&Computed>, bool)> = Vec::new();
        let own_office = v.scope.office();
        for (unit, office, name) in &units_of {
            let whole_county = Some(*office) != own_office;
            if whole_county && unit != office {
                continue;
            }
            let members: Vec<&Computed> = computed
                .iter()
                .filter(|c| {
                    if whole_county {
                        c.staff.office_id == *office
                    } else {
                        c.staff.unit_id == *unit
                    }
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            let may_lock = members.iter().any(|c| {
                Self::locks(&v, &c.staff) && c.row.as_ref().is_none_or(|r| r.locked_at.is_none())
            });
            groups.push((*unit, name.clone(), members, may_lock));
        }
        let units = groups
            .into_iter()
            .map(|(unit_id, name, members, may_lock)| rollup(unit_id, name, &members, may_lock))
            .collect();
        Ok(MonthView {
            month: span.month.clone(),
            factors: Factor::ALL
                .iter()
                .map(|f| FactorLabel {
                    code: f.code().to_owned(),
                    label: f.label().to_owned(),
                })
                .collect(),
            not_enabled: NOT_ENABLED.iter().map(|s| (*s).to_owned()).collect(),
            rows,
            units,
        })
    }

    /// One person's month with its derivation.
    pub async fn evaluation(
        &self,
        actor: &Actor,
        post: i64,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<EvaluationView> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(month, now)?;
        let s = self.person(&v, post).await?;
        if !super::evaluated(&s) {
            return Err(ServiceError::NotFound("考评"));
        }
        let until = self.objection_until(&s, &span).await?;
        let c = self
            .compute(actor, vec![s], &span)
            .await?
            .pop()
            .ok_or(ServiceError::NotFound("考评"))?;
        let locked = c.row.as_ref().is_some_and(|r| r.locked_at.is_some());
        let objected = c.row.as_ref().is_some_and(|r| r.objection_status.is_some());
        let in_window = span.today > span.last && span.today <= until;
        Ok(EvaluationView {
            month: span.month.clone(),
            post_id: c.staff.post_id,
            person: c.staff.person_name.clone(),
            post_label: c.staff.post_label.clone(),
            unit_id: c.staff.unit_id,
            unit: c.staff.unit_name.clone(),
            factors: c.factors.clone(),
            not_enabled: NOT_ENABLED.iter().map(|s| (*s).to_owned()).collect(),
            rating: c.row.as_ref().map_or(0, |r| r.rating),
            rating_comment: c
                .row
                .as_ref()
                .map(|r| r.rating_comment.clone())
                .unwrap_or_default(),
            total: c.total,
            locked,
            locked_at: c.row.as_ref().and_then(|r| r.locked_at).map(beijing_time),
            objection: c
                .row
                .as_ref()
                .filter(|r| r.objection_status.is_some())
                .map(|r| r.objection.clone()),
            objection_status: c.row.as_ref().and_then(|r| r.objection_status.clone()),
            decision: c
                .row
                .as_ref()
                .map(|r| r.decision.clone())
                .unwrap_or_default(),
            objection_until: (span.today > span.last).then(|| until.to_string()),
            may_rate: !locked && Self::oversees(&v, &c.staff),
            may_object: !locked && !objected && c.staff.post_id == v.post && in_window,
            may_lock: !locked && span.today > span.last && Self::locks(&v, &c.staff),
        })
    }

    /// The last day a person may object to a month: the office's window in working days
    /// after the month's last day.
    async fn objection_until(&self, s: &StaffRow, span: &MonthSpan) -> Result<chrono::NaiveDate> {
        let (_, days) = self.office_settings(s.office_id).await?;
        let cal = self.svc.flow_calendar().await?;
        Ok(cal.add_working_days(span.last, days).date)
    }

    /// The person overseen, for a decision on their month.
    async fn overseen(&self, v: &Viewer, post: i64) -> Result<StaffRow> {
        let s = self.person(v, post).await?;
        if !super::evaluated(&s) || !Self::oversees(v, &s) {
            return Err(ServiceError::Forbidden(
                "只有本科室负责人或办公室主任、副主任可以评价".into(),
            ));
        }
        Ok(s)
    }

    /// The leader's rating (±10) and comment, before the month is locked.
    pub async fn rate(
        &self,
        actor: &Actor,
        post: i64,
        input: &RatingInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(&input.month, now)?;
        let s = self.overseen(&v, post).await?;
        let rating = rules::check_rating(input.rating).map_err(into_invalid)?;
        let comment = input.comment.trim();
        if comment.chars().count() > 500 {
            return Err(ServiceError::invalid("comment", "评语不超过 500 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        store::ensure_evaluation(&mut tx, &span.month, post, s.unit_id, ms(now)).await?;
        let row = store::evaluation_tx(&mut tx, &span.month, post).await?;
        if !store::rate(&mut tx, row.id, rating, comment, v.post, ms(now)).await? {
            return Err(locked_error());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.rated",
            Some(format!("evaluation:{}", row.id)),
            json!({"month": span.month, "post": post, "rating": rating, "comment": comment}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person's objection (申诉) to their own month, within the window after it ends.
    pub async fn object(
        &self,
        actor: &Actor,
        post: i64,
        input: &ObjectionInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(&input.month, now)?;
        let s = self.person(&v, post).await?;
        if s.post_id != v.post {
            return Err(ServiceError::Forbidden("只能对本人的考评提出申诉".into()));
        }
        if !super::evaluated(&s) {
            return Err(ServiceError::NotFound("考评"));
        }
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请写明申诉理由"));
        }
        if reason.chars().count() > 1000 {
            return Err(ServiceError::invalid("reason", "申诉理由不超过 1000 字"));
        }
        if span.today <= span.last {
            return Err(ServiceError::invalid(
                "month",
                "本月尚未结束，月末后方可申诉",
            ));
        }
        let until = self.objection_until(&s, &span).await?;
        if span.today > until {
            return Err(ServiceError::invalid(
                "month",
                format!("申诉期已于 {until} 截止"),
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::ensure_evaluation(&mut tx, &span.month, post, s.unit_id, ms(now)).await?;
        let row = store::evaluation_tx(&mut tx, &span.month, post).await?;
        if !store::object(&mut tx, row.id, reason, ms(now)).await? {
            return Err(if row.locked_at.is_some() {
                locked_error()
            } else {
                ServiceError::Conflict {
                    code: "management.objected",
                    message: "本月考评已提出过申诉".into(),
                }
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.objected",
            Some(format!("evaluation:{}", row.id)),
            json!({"month": span.month, "post": post, "reason": reason}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The chief's decision on a pending objection: upheld (perhaps with a new rating) or
    /// rejected, with the reason; the person is told.
    pub async fn decide(
        &self,
        actor: &Actor,
        post: i64,
        input: &DecisionInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(&input.month, now)?;
        let s = self.overseen(&v, post).await?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请写明处理意见"));
        }
        let rating = match (input.uphold, input.rating) {
            (true, Some(r)) => Some(rules::check_rating(r).map_err(into_invalid)?),
            _ => None,
        };
        let mut tx = self.svc.db().begin().await?;
        store::ensure_evaluation(&mut tx, &span.month, post, s.unit_id, ms(now)).await?;
        let row = store::evaluation_tx(&mut tx, &span.month, post).await?;
        let status = if input.uphold { "upheld" } else { "rejected" };
        if !store::decide(&mut tx, row.id, status, reason, rating, v.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.no_objection",
                message: "没有待处理的申诉".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.objection_decided",
            Some(format!("evaluation:{}", row.id)),
            json!({"month": span.month, "post": post, "status": status, "reason": reason, "rating": rating}),
            now,
        )
        .await?;
        let message = format!(
            "您对 {} 月考评的申诉已{}：{reason}",
            span.month,
            if input.uphold {
                "受理并调整"
            } else {
                "驳回"
            }
        );
        crate::meetings::tell(
            &mut tx,
            &[post],
            "management.objection_decided",
            &format!("evaluation:{}", row.id),
            &message,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Locks the month of some people (one, or a whole unit's): their figures are frozen as
    /// they stand and recorded with `management.locked`. Refused while the month is not over
    /// or an objection is pending (naming the person); nothing is locked then.
    pub async fn lock(
        &self,
        actor: &Actor,
        month: &str,
        posts: Option<&[i64]>,
        unit: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let v = self.viewer(actor).await?;
        let span = MonthSpan::new(month, now)?;
        let staff = self.staff_in_scope(&v).await?;
        let chosen: Vec<StaffRow> = staff
            .into_iter()
            .filter(super::evaluated)
            .filter(|s| match (posts, unit) {
                (Some(p), _) => p.contains(&s.post_id),
                (None, Some(u)) => s.unit_id == u,
                (None, None) => false,
            })
            .collect();
        if chosen.is_empty() {
            return Err(ServiceError::NotFound("考评"));
        }
        if let Some(s) = chosen.iter().find(|s| !Self::locks(&v, s)) {
            return Err(ServiceError::Forbidden(format!(
                "只有办公室主任、副主任可以锁定考评（{}）",
                s.person_name
            )));
        }
        if span.today <= span.last {
            return Err(ServiceError::invalid(
                "month",
                "本月尚未结束，月末后方可锁定",
            ));
        }
        let computed = self.compute(actor, chosen, &span).await?;
        let mut tx = self.svc.db().begin().await?;
        let mut locked = 0;
        for c in &computed {
            if c.row.as_ref().is_some_and(|r| r.locked_at.is_some()) {
                continue;
            }
            store::ensure_evaluation(
                &mut tx,
                &span.month,
                c.staff.post_id,
                c.staff.unit_id,
                ms(now),
            )
            .await?;
            let row = store::evaluation_tx(&mut tx, &span.month, c.staff.post_id).await?;
            if row.objection_status.as_deref() == Some("pending") {
                return Err(ServiceError::Conflict {
                    code: "management.objection_pending",
                    message: format!("{} 的申诉尚未处理，不能锁定", c.staff.person_name),
                });
            }
            // The rating may have changed since the figures were read: recompute the total
            // from the frozen parts and the row's rating.
            let parts: Vec<(i64, f64)> = c.factors.iter().map(|f| (f.weight, f.score)).collect();
            let total = rules::total(&parts, row.rating);
            if !store::lock(&mut tx, row.id, centi(total), v.post, ms(now)).await? {
                continue;
            }
            for f in &c.factors {
                store::freeze_factor(
                    &mut tx,
                    &FrozenFactor {
                        evaluation_id: row.id,
                        factor: f.code.clone(),
                        weight: f.weight,
                        score_centi: centi(f.score),
                        figures: serde_json::to_string(f)
                            .map_err(|e| ServiceError::Internal(e.into()))?,
                    },
                )
                .await?;
            }
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "management.locked",
                Some(format!("evaluation:{}", row.id)),
                json!({"month": span.month, "post": c.staff.post_id, "total": total}),
                now,
            )
            .await?;
            locked += 1;
        }
        tx.commit().await?;
        Ok(locked)
    }

    /// Whether a month's end has come for `now` (the pages offer locking then).
    pub fn month_over(month: &str, now: DateTime<Utc>) -> bool {
        rules::month_bounds(month).is_ok_and(|(_, last)| ms(now) >= ms(end_of(last)))
    }
}

fn locked_error() -> ServiceError {
    ServiceError::Conflict {
        code: "management.locked",
        message: "本月考评已锁定，不能再修改".into(),
    }
}

fn view(f: Factor, weight: i64, got: Found) -> FactorView {
    let score = rules::round2(got.score);
    #[expect(clippy::cast_precision_loss, reason = "weights are small")]
    let points = rules::round2(weight as f64 * score / 100.0);
    FactorView {
        code: f.code().to_owned(),
        label: f.label().to_owned(),
        rule: f.rule().to_owned(),
        weight,
        score,
        points,
        figures: got.figures,
        items: got.items,
    }
}

/// A frozen factor as shown (its figures and items as they were at locking).
fn thaw(f: &FrozenFactor) -> Option<FactorView> {
    serde_json::from_str::<FactorView>(&f.figures)
        .ok()
        .map(|mut v| {
            v.weight = f.weight;
            v.score = uncenti(f.score_centi);
            v
        })
}

fn month_row(c: &Computed) -> MonthRow {
    // One column per factor in use, in the sheet's order: a month locked before a factor
    // existed has no frozen row for it and shows it as weight 0, score 0 (its total unchanged).
    let aligned: Vec<(i64, f64)> = Factor::ALL
        .iter()
        .map(|f| {
            c.factors
                .iter()
                .find(|v| v.code == f.code())
                .map_or((0, 0.0), |v| (v.weight, v.score))
        })
        .collect();
    MonthRow {
        post_id: c.staff.post_id,
        person: c.staff.person_name.clone(),
        post_label: c.staff.post_label.clone(),
        unit_id: c.staff.unit_id,
        unit: c.staff.unit_name.clone(),
        office_id: c.staff.office_id,
        weights: aligned.iter().map(|(w, _)| *w).collect(),
        scores: aligned.iter().map(|(_, s)| *s).collect(),
        rating: c.row.as_ref().map_or(0, |r| r.rating),
        total: c.total,
        locked: c.row.as_ref().is_some_and(|r| r.locked_at.is_some()),
        objection_status: c.row.as_ref().and_then(|r| r.objection_status.clone()),
    }
}

/// The units of some staff in order: (unit, office, name).
fn unit_names(staff: &[StaffRow]) -> Vec<(i64, i64, String)> {
    let mut out: Vec<(i64, i64, String)> = Vec::new();
    for s in staff {
        if !out.iter().any(|(u, _, _)| *u == s.unit_id) {
            out.push((s.unit_id, s.office_id, s.unit_name.clone()));
        }
    }
    out
}

fn rollup(unit_id: i64, name: String, members: &[&Computed], may_lock: bool) -> UnitRollup {
    #[expect(clippy::cast_precision_loss, reason = "head counts are small")]
    let n = members.len().max(1) as f64;
    let columns = Factor::ALL.len();
    let scores = (0..columns)
        .map(|i| {
            rules::round2(
                members
                    .iter()
                    .map(|c| c.factors.get(i).map_or(0.0, |f| f.score))
                    .sum::<f64>()
                    / n,
            )
        })
        .collect();
    UnitRollup {
        unit_id,
        name,
        people: i64::try_from(members.len()).unwrap_or(i64::MAX),
        scores,
        total: rules::round2(members.iter().map(|c| c.total).sum::<f64>() / n),
        locked: i64::try_from(
            members
                .iter()
                .filter(|c| c.row.as_ref().is_some_and(|r| r.locked_at.is_some()))
                .count(),
        )
        .unwrap_or(i64::MAX),
        may_lock,
    }
}
