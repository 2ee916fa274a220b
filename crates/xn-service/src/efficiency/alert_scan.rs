//! The scan of 预警纠错: every rule run once over the task projection, compared with the
//! alerts already raised. One live alert per (rule, subject); a rerun raises nothing new; an
//! alert whose condition stopped holding is marked 已消除 with the time (it stays until
//! acknowledged, and comes back to life if its condition holds again). Each new alert is told
//! to its responsible post and to every post of its government's supervising section (督查科),
//! and recorded as an event, in the scan's one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::{Calendar, OfficeHours, business_date};
use xn_store::efficiency_alerts::{self as store, AlertRow, NewAlert, UnitRow};
use xn_store::notifications::{NewNotification, insert_notification};

use super::Efficiency;
use super::alerts::Rule;
use crate::events::Audit;
use crate::{Result, from_ms, ms};

/// How far back finished steps count as samples of their kind (days).
const SAMPLE_WINDOW_DAYS: i64 = 90;

/// The percentile a step is compared with.
const PERCENTILE: usize = 90;

/// Working days back the backlog rule compares with.
const BACKLOG_WINDOW: i64 = 5;

/// The nearest-rank percentile `p` of some values (sorted here); `None` when there are none.
fn percentile(values: &mut [i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() * p).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// What one scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScanReport {
    /// Alerts raised.
    pub raised: usize,
    /// Alerts whose condition stopped holding (已消除).
    pub cleared: usize,
    /// Cleared, unacknowledged alerts whose condition holds again.
    pub reopened: usize,
}

/// A condition that holds now.
#[derive(Debug, Clone)]
struct Hit {
    rule: Rule,
    subject: String,
    case_id: Option<i64>,
    unit_id: i64,
    post_id: Option<i64>,
    government_id: Option<i64>,
    facts: String,
}

/// The organisation as the scan reads it.
struct Org {
    units: HashMap<i64, UnitRow>,
    settings: HashMap<(i64, String), (i64, bool)>,
}

impl Org {
    /// The government a unit belongs to: itself or its nearest government ancestor.
    fn government_of(&self, unit: i64) -> Option<i64> {
        let mut at = Some(unit);
        let mut hops = 0;
        while let Some(id) = at {
            let u = self.units.get(&id)?;
            if u.kind == "government" {
                return Some(id);
            }
            at = u.parent_id;
            hops += 1;
            if hops > 32 {
                return None;
            }
        }
        None
    }

    /// The rule's number for a unit's government, or `None` when the government switched the
    /// rule off.
    fn threshold(&self, rule: Rule, unit: i64) -> Option<i64> {
        let gov = self.government_of(unit);
        match gov.and_then(|g| self.settings.get(&(g, rule.code().to_owned()))) {
            Some((_, false)) => None,
            Some((n, true)) => Some(*n),
            None => Some(rule.default_threshold()),
        }
    }

    /// The smallest number any government uses for a rule (to narrow the store's query).
    fn least(&self, rule: Rule) -> i64 {
        self.settings
            .iter()
            .filter(|((_, r), (_, on))| r == rule.code() && *on)
            .map(|(_, (n, _))| *n)
            .chain(std::iter::once(rule.default_threshold()))
            .min()
            .unwrap_or_else(|| rule.default_threshold())
    }

    /// The supervising sections (督查科) of a government's office.
    fn supervision_sections(&self, gov: i64) -> Vec<i64> {
        self.units
            .values()
            .filter(|u| u.kind == "section" && u.supervision_section != 0)
            .filter(|u| {
                u.parent_id
                    .and_then(|p| self.units.get(&p))
                    .is_some_and(|o| o.kind == "office" && o.parent_id == Some(gov))
            })
            .map(|u| u.id)
            .collect()
    }

    fn unit_name(&self, unit: i64) -> &str {
        self.units.get(&unit).map_or("", |u| u.short_name.as_str())
    }
}

impl Efficiency<'_> {
    /// Runs every rule once and brings the alerts up to date with what holds at `now`.
    pub async fn scan_alerts(&self, now: DateTime<Utc>) -> Result<ScanReport> {
        let db = self.svc.db();
        let org = Org {
            units: store::units(db)
                .await?
                .into_iter()
                .map(|u| (u.id, u))
                .collect(),
            settings: store::settings(db)
                .await?
                .into_iter()
                .map(|s| ((s.government_id, s.rule), (s.threshold, s.enabled != 0)))
                .collect(),
        };
        let cal = self.svc.flow_calendar().await?;
        let mut hits = Vec::new();
        self.returned_hits(&org, &mut hits).await?;
        self.holder_hits(&org, &mut hits).await?;
        let open = store::open_steps(db).await?;
        self.slow_step_hits(&org, &cal, &open, now, &mut hits)
            .await?;
        unsigned_hits(&org, &cal, &open, now, &mut hits);
        self.backlog_hits(&org, &cal, &open, now, &mut hits).await?;

        let pending = store::pending(db).await?;
        let mut live: HashMap<(String, String), &AlertRow> = HashMap::new();
        let mut dormant: HashMap<(String, String), &AlertRow> = HashMap::new();
        for a in &pending {
            let key = (a.rule.clone(), a.subject.clone());
            if a.cleared_at.is_none() {
                live.insert(key, a);
            } else {
                dormant.insert(key, a);
            }
        }
        let holding: BTreeSet<(String, String)> = hits
            .iter()
            .map(|h| (h.rule.code().to_owned(), h.subject.clone()))
            .collect();
        let mut report = ScanReport::default();
        let mut tx = db.begin().await?;
        for h in &hits {
            let key = (h.rule.code().to_owned(), h.subject.clone());
            if live.contains_key(&key) {
                continue;
            }
            if let Some(a) = dormant.get(&key) {
                if store::reopen(&mut tx, a.id, &h.facts).await? {
                    report.reopened += 1;
                }
                continue;
            }
            let id = store::insert(
                &mut tx,
                &NewAlert {
                    rule: h.rule.code(),
                    subject: &h.subject,
                    case_id: h.case_id,
                    unit_id: h.unit_id,
                    post_id: h.post_id,
                    government_id: h.government_id,
                    facts: &h.facts,
                },
                ms(now),
            )
            .await?;
            // Told: the responsible post and every post of the government's 督查科.
            let mut told: BTreeSet<i64> = h.post_id.into_iter().collect();
            if let Some(gov) = h.government_id {
                for s in org.supervision_sections(gov) {
                    told.extend(store::posts_of_unit(db, s).await?);
                }
            }
            let what = match h.case_id {
                Some(c) => format!("case:{c}"),
                None => format!("efficiency_alert:{id}"),
            };
            let message = format!(
                "预警纠错（{}）：{}，请核查纠正并确认",
                h.rule.label(),
                h.facts
            );
            for post in &told {
                insert_notification(
                    &mut tx,
                    &NewNotification {
                        post_id: *post,
                        kind: "efficiency.alert",
                        subject: Some(&what),
                        message: &message,
                    },
                    ms(now),
                )
                .await?;
            }
            crate::events::record(
                &mut tx,
                &Audit::CONSOLE,
                "efficiency.alert_raised",
                Some(format!("efficiency_alert:{id}")),
                serde_json::json!({"rule": h.rule.code(), "subject": h.subject, "unit": h.unit_id,
                    "post": h.post_id, "facts": h.facts, "told": told}),
                now,
            )
            .await?;
            report.raised += 1;
        }
        for (key, a) in &live {
            if holding.contains(key) {
                continue;
            }
            if store::clear(&mut tx, a.id, ms(now)).await? {
                crate::events::record(
                    &mut tx,
                    &Audit::CONSOLE,
                    "efficiency.alert_cleared",
                    Some(format!("efficiency_alert:{}", a.id)),
                    serde_json::json!({"rule": a.rule, "subject": a.subject}),
                    now,
                )
                .await?;
                report.cleared += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn returned_hits(&self, org: &Org, hits: &mut Vec<Hit>) -> Result<()> {
        let db = self.svc.db();
        for (case_id, n) in store::returned_counts(db, org.least(Rule::Returned)).await? {
            let head = store::case_head(db, case_id).await?;
            let Some(min) = org.threshold(Rule::Returned, head.unit_id) else {
                continue;
            };
            if n < min {
                continue;
            }
            let steps: Vec<String> = store::returns_of(db, case_id)
                .await?
                .into_iter()
                .map(|(no, step, why)| {
                    let why = self.svc.task_opinion(case_id, no, why.as_ref());
                    (step, why)
                })
                .map(|(step, why)| match why.filter(|w| !w.trim().is_empty()) {
                    Some(w) => format!("{step}（{}）", clip(&w, 20)),
                    None => step,
                })
                .collect();
            hits.push(Hit {
                rule: Rule::Returned,
                subject: format!("case:{case_id}"),
                case_id: Some(case_id),
                unit_id: head.unit_id,
                post_id: Some(head.post_id),
                government_id: org.government_of(head.unit_id),
                facts: format!("退回 {n} 次：{}", steps.join("、")),
            });
        }
        Ok(())
    }

    async fn holder_hits(&self, org: &Org, hits: &mut Vec<Hit>) -> Result<()> {
        let db = self.svc.db();
        for (case_id, n) in store::holder_counts(db, org.least(Rule::ManyHolders)).await? {
            let head = store::case_head(db, case_id).await?;
            let Some(max) = org.threshold(Rule::ManyHolders, head.unit_id) else {
                continue;
            };
            if n <= max {
                continue;
            }
            hits.push(Hit {
                rule: Rule::ManyHolders,
                subject: format!("case:{case_id}"),
                case_id: Some(case_id),
                unit_id: head.unit_id,
                post_id: Some(head.post_id),
                government_id: org.government_of(head.unit_id),
                facts: format!("先后经 {n} 个岗位办理（超过 {max} 个）"),
            });
        }
        Ok(())
    }

    async fn slow_step_hits(
        &self,
        org: &Org,
        cal: &Calendar,
        open: &[store::OpenStep],
        now: DateTime<Utc>,
        hits: &mut Vec<Hit>,
    ) -> Result<()> {
        let since = now - Duration::days(SAMPLE_WINDOW_DAYS);
        let mut samples: HashMap<(String, String), Vec<i64>> = HashMap::new();
        for s in store::step_samples(self.svc.db(), ms(since)).await? {
            let days = cal
                .working_days_between(
                    business_date(from_ms(s.created_at)),
                    business_date(from_ms(s.acted_at)),
                )
                .max(0);
            samples
                .entry((s.process_key, s.step_id))
                .or_default()
                .push(days);
        }
        let mut p90: HashMap<(String, String), (i64, usize)> = HashMap::new();
        for (k, mut v) in samples {
            let n = v.len();
            if let Some(p) = percentile(&mut v, PERCENTILE) {
                p90.insert(k, (p, n));
            }
        }
        let today = business_date(now);
        // One alert per step (a run of a case), held by its first holder.
        let mut seen = BTreeSet::new();
        for s in open.iter().filter(|s| s.kind == "task") {
            let Some((p, n)) = p90.get(&(s.process_key.clone(), s.step_id.clone())) else {
                continue;
            };
            let Some(min) = org.threshold(Rule::SlowStep, s.unit_id) else {
                continue;
            };
            if i64::try_from(*n).unwrap_or(i64::MAX) < min {
                continue;
            }
            let age = cal
                .working_days_between(business_date(from_ms(s.created_at)), today)
                .max(0);
            if age <= *p || !seen.insert((s.case_id, s.run_no)) {
                continue;
            }
            hits.push(Hit {
                rule: Rule::SlowStep,
                subject: format!("step:{}:{}", s.case_id, s.run_no),
                case_id: Some(s.case_id),
                unit_id: s.unit_id,
                post_id: Some(s.post_id),
                government_id: org.government_of(s.unit_id),
                facts: format!(
                    "「{}」已停留 {age} 个工作日，超过同类环节 90% 的用时（{p} 个工作日，近 {SAMPLE_WINDOW_DAYS} 天 {n} 例）",
                    s.step_name
                ),
            });
        }
        Ok(())
    }

    async fn backlog_hits(
        &self,
        org: &Org,
        cal: &Calendar,
        open: &[store::OpenStep],
        now: DateTime<Utc>,
        hits: &mut Vec<Hit>,
    ) -> Result<()> {
        let today = business_date(now);
        let then_day = working_days_back(cal, today, BACKLOG_WINDOW);
        let then =
            crate::meetings::from_beijing(then_day.and_time(crate::meetings::beijing(now).time()));
        let before: HashMap<i64, i64> = store::open_counts_at(self.svc.db(), ms(then))
            .await?
            .into_iter()
            .collect();
        let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
        for s in open {
            *counts.entry(s.unit_id).or_default() += 1;
        }
        for (unit, n) in counts {
            let Some(min) = org.threshold(Rule::BacklogDoubled, unit) else {
                continue;
            };
            let was = before.get(&unit).copied().unwrap_or(0);
            if n < min || n < 2 * was {
                continue;
            }
            let chief = store::chief_of(self.svc.db(), unit).await?;
            hits.push(Hit {
                rule: Rule::BacklogDoubled,
                subject: format!("unit:{unit}"),
                case_id: None,
                unit_id: unit,
                post_id: chief,
                government_id: org.government_of(unit),
                facts: format!(
                    "{}未办环节 {n} 个，{BACKLOG_WINDOW} 个工作日前（{}）为 {was} 个",
                    org.unit_name(unit),
                    then_day.format("%-m月%-d日")
                ),
            });
        }
        Ok(())
    }
}

/// Information items' 签收 steps waiting more than the rule's working days (in working hours
/// on the flow calendar's office hours).
fn unsigned_hits(
    org: &Org,
    cal: &Calendar,
    open: &[store::OpenStep],
    now: DateTime<Utc>,
    hits: &mut Vec<Hit>,
) {
    let hours = OfficeHours::default();
    let per_day = hours.minutes_per_day();
    let at = crate::meetings::beijing(now);
    let mut seen = BTreeSet::new();
    for s in open
        .iter()
        .filter(|s| s.kind == "task" && s.item_kind == "information" && s.step_id == "sign")
    {
        let Some(days) = org.threshold(Rule::UnsignedInformation, s.unit_id) else {
            continue;
        };
        let waited = cal.working_minutes_between(
            crate::meetings::beijing(from_ms(s.created_at)),
            at,
            &hours,
        );
        if waited <= days * per_day || !seen.insert(s.case_id) {
            continue;
        }
        hits.push(Hit {
            rule: Rule::UnsignedInformation,
            subject: format!("case:{}", s.case_id),
            case_id: Some(s.case_id),
            unit_id: s.unit_id,
            post_id: Some(s.post_id),
            government_id: org.government_of(s.unit_id),
            facts: format!(
                "报送的信息已等待签收 {} 个工作小时（超过 {days} 个工作日）",
                waited / 60
            ),
        });
    }
}

/// The working day `n` working days before `today` (the day itself when it is one).
fn working_days_back(cal: &Calendar, today: NaiveDate, n: i64) -> NaiveDate {
    let mut d = today;
    for _ in 0..(n * 3 + 30) {
        if cal.working_days_between(d, today) >= n && cal.is_working_day(d) {
            return d;
        }
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    d
}

fn clip(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ninetieth_percentile_is_the_nearest_rank() {
        let mut v: Vec<i64> = (1..=20).collect();
        assert_eq!(percentile(&mut v, 90), Some(18));
        let mut v = vec![5, 1, 3];
        assert_eq!(percentile(&mut v, 90), Some(5));
        assert_eq!(percentile(&mut [], 90), None);
    }

    #[test]
    fn five_working_days_back_skips_the_weekend() {
        let cal = Calendar::shipped();
        // Thursday 2026-11-26 → Thursday 2026-11-19.
        let d = working_days_back(&cal, "2026-11-26".parse().unwrap(), 5);
        assert_eq!(d.to_string(), "2026-11-19");
    }
}
