//! 预警纠错: rules that raise an alert beyond the flow's ladder (which already gives 临期, 黄牌
//! and 红牌), delivered to the responsible post and the government's supervising section (督查科),
//! acknowledged (确认) with a note, and counted per unit.
//!
//! The scan ([`Efficiency::scan_alerts`]) reads the task projection and compares what holds now
//! with the alerts already raised: one live alert per (rule, subject); a rerun raises nothing
//! new; an alert whose condition stopped holding is marked 已消除 with the time and stays until
//! acknowledged (its condition holding again makes it live again). The server runs the scan
//! every few minutes; tests call it directly with their clock.
//!
//! Each government may set its own numbers (`efficiency_alert_settings`); a rule it has not
//! set runs with the shipped default of [`Rule::default_threshold`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::calendar::{Calendar, OfficeHours, business_date};
use xn_store::efficiency_alerts::{self as store, AlertFilter, AlertRow, NewAlert, UnitRow};
use xn_store::notifications::{NewNotification, insert_notification};

use super::{Efficiency, MonitorScope};
use crate::events::Audit;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// Alerts on a page.
pub const ALERT_PAGE_SIZE: i64 = 50;

/// How far back finished steps count as samples of their kind (days).
const SAMPLE_WINDOW_DAYS: i64 = 90;

/// The percentile a step is compared with.
const PERCENTILE: usize = 90;

/// Working days back the backlog rule compares with.
const BACKLOG_WINDOW: i64 = 5;

/// A rule of 预警纠错.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An item returned (退回) this many times or more.
    Returned,
    /// An item passed between more than this many distinct holder posts.
    ManyHolders,
    /// An open step held longer than the 90th percentile of its kind (same process and step,
    /// steps done in the last 90 days, at least this many samples).
    SlowStep,
    /// An information item's 签收 unsigned for more than this many working days.
    UnsignedInformation,
    /// A unit whose open backlog doubled within five working days (at least this many open).
    BacklogDoubled,
}

impl Rule {
    /// Every rule, in the order pages list them.
    pub const ALL: [Rule; 5] = [
        Rule::Returned,
        Rule::ManyHolders,
        Rule::SlowStep,
        Rule::UnsignedInformation,
        Rule::BacklogDoubled,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Returned => "returned",
            Rule::ManyHolders => "many_holders",
            Rule::SlowStep => "slow_step",
            Rule::UnsignedInformation => "unsigned_information",
            Rule::BacklogDoubled => "backlog_doubled",
        }
    }

    /// The rule by its code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Rule::Returned => "多次退回",
            Rule::ManyHolders => "多岗流转",
            Rule::SlowStep => "环节滞留",
            Rule::UnsignedInformation => "信息未签收",
            Rule::BacklogDoubled => "积压倍增",
        }
    }

    /// The shipped default of the rule's number.
    pub fn default_threshold(self) -> i64 {
        match self {
            Rule::Returned => 3,
            Rule::ManyHolders => 8,
            Rule::SlowStep => 20,
            Rule::UnsignedInformation => 1,
            Rule::BacklogDoubled => 5,
        }
    }
}

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

/// What an alerts page holds (every field optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// A rule's code (`returned`, `many_holders`, `slow_step`, `unsigned_information`,
    /// `backlog_doubled`).
    #[serde(default)]
    pub rule: Option<String>,
    /// `open` (未确认, the default), `acknowledged` (已确认) or `all`.
    #[serde(default)]
    pub state: Option<String>,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// One alert as a viewer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: i64,
    /// Rule code.
    pub rule: String,
    /// Rule name (多次退回 …).
    pub rule_label: String,
    /// `case:12`, `step:12:3` or `unit:7`.
    pub subject: String,
    /// The item (`/cases/{id}`), if the alert is about one.
    pub case_id: Option<i64>,
    /// The item's title, 「（涉密事项）」 above the viewer's clearance, the unit's name for a
    /// unit's alert.
    pub title: String,
    /// Whether the title is withheld.
    pub withheld: bool,
    /// The responsible unit.
    pub unit: String,
    /// The responsible post, "姓名（职务）".
    pub holder: String,
    /// What raised it.
    pub facts: String,
    /// When raised.
    #[schema(value_type = String, format = DateTime)]
    pub raised_at: DateTime<Utc>,
    /// When its condition stopped holding (已消除).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cleared_at: Option<DateTime<Utc>>,
    /// When acknowledged.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged, "姓名（职务）".
    pub acknowledged_by: Option<String>,
    /// The note (说明/纠错措施).
    pub note: Option<String>,
    /// 待确认, 已消除待确认 or 已确认.
    pub state: String,
    /// Whether the viewer may acknowledge it.
    pub may_acknowledge: bool,
}

/// A page of alerts in the viewer's scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertList {
    /// What the viewer's monitor covers, in words.
    pub scope: String,
    /// The alerts, open first.
    pub rows: Vec<AlertView>,
    /// Alerts in all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Pages.
    pub pages: i64,
    /// Rules: (code, name).
    pub rules: Vec<(String, String)>,
}

/// Alerts of a unit in a period: raised, acknowledged, open at its end.
pub use store::AlertCount;

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

    /// A page of the alerts in the viewer's scope (the backlog's scope: a government's leaders,
    /// its office's leaders and 督查科 its tree, a section chief the section, anyone else the
    /// alerts their own posts answer for), open first.
    pub async fn alerts(
        &self,
        actor: &Actor,
        q: &AlertQuery,
        now: DateTime<Utc>,
    ) -> Result<AlertList> {
        let scope = self.scope(actor).await?;
        let units = self.scope_units(&scope).await?;
        let mut f = AlertFilter::default();
        match scope {
            MonitorScope::Own => f.post_ids = Some(self.svc.working_posts(actor, now).await?),
            _ => f.unit_ids = units.iter().map(|(id, _)| *id).collect(),
        }
        f.rule = match q.rule.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(
                Rule::from_code(code)
                    .ok_or_else(|| ServiceError::invalid("rule", "没有这条预警规则"))?
                    .code()
                    .to_owned(),
            ),
        };
        f.state = match q.state.as_deref().map(str::trim) {
            None | Some("") | Some("open") => Some("open".to_owned()),
            Some("acknowledged") => Some("acknowledged".to_owned()),
            Some("all") => None,
            Some(_) => return Err(ServiceError::invalid("state", "请选择未确认、已确认或全部")),
        };
        let paging =
            crate::paging::Paging::new(q.page.unwrap_or(1), ALERT_PAGE_SIZE, ALERT_PAGE_SIZE)?;
        let db = self.svc.db();
        let total = store::count(db, &f).await?;
        let rows = store::list(db, &f, ALERT_PAGE_SIZE, paging.offset()).await?;
        let mine = self.svc.working_posts(actor, now).await?;
        let covered: BTreeSet<i64> = match scope {
            MonitorScope::Tree { .. } => units.iter().map(|(id, _)| *id).collect(),
            _ => BTreeSet::new(),
        };
        Ok(AlertList {
            scope: scope_label(&scope, &units),
            rows: rows
                .into_iter()
                .map(|a| {
                    let may = may_acknowledge(&a, &mine, &covered);
                    view(a, actor, may)
                })
                .collect::<Result<_>>()?,
            total,
            page: paging.page,
            pages: ((total + ALERT_PAGE_SIZE - 1) / ALERT_PAGE_SIZE).max(1),
            rules: Rule::ALL
                .iter()
                .map(|r| (r.code().to_owned(), r.label().to_owned()))
                .collect(),
        })
    }

    /// Acknowledges an alert (确认) with a note saying what was done (说明/纠错措施). The
    /// responsible post may, and so may the government's monitoring side (its leaders, its
    /// office's 主任 and 副主任, its 督查科: the scope that sees its whole tree); an alert
    /// outside the viewer's scope is answered as missing.
    pub async fn acknowledge_alert(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<AlertView> {
        let scope = self.scope(actor).await?;
        let db = self.svc.db();
        let a = store::find(db, id)
            .await
            .map_err(ServiceError::missing("预警"))?;
        let mine = self.svc.working_posts(actor, now).await?;
        let covered: BTreeSet<i64> = match scope.root() {
            Some(root) => xn_store::efficiency::subtree_units(db, root)
                .await?
                .into_iter()
                .map(|u| u.0)
                .collect(),
            None => BTreeSet::new(),
        };
        let own = a.post_id.is_some_and(|p| mine.contains(&p));
        if !own && !covered.contains(&a.unit_id) {
            return Err(ServiceError::NotFound("预警"));
        }
        if a.acknowledged_at.is_some() {
            return Err(acknowledged_already());
        }
        let tree: BTreeSet<i64> = if matches!(scope, MonitorScope::Tree { .. }) {
            covered
        } else {
            BTreeSet::new()
        };
        if !may_acknowledge(&a, &mine, &tree) {
            return Err(ServiceError::Forbidden(
                "只有责任岗位、本级政府办公室领导或督查科可以确认该预警".into(),
            ));
        }
        if a.case_id.is_some() && !actor.may_see(crate::clearance::level(&a.classification)?) {
            return Err(ServiceError::Forbidden(
                "该事项的密级高于您的权限，不能确认其预警".into(),
            ));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(ServiceError::invalid("note", "请填写说明或纠错措施"));
        }
        if note.chars().count() > 500 {
            return Err(ServiceError::invalid("note", "说明不能超过 500 字"));
        }
        let post = actor
            .post_id()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = db.begin().await?;
        if !store::acknowledge(&mut tx, id, post, actor.person_id, note, ms(now)).await? {
            return Err(acknowledged_already());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "efficiency.alert_acknowledged",
            Some(format!("efficiency_alert:{id}")),
            serde_json::json!({"rule": a.rule, "subject": a.subject, "note": note}),
            now,
        )
        .await?;
        tx.commit().await?;
        let a = store::find(db, id).await?;
        view(a, actor, false)
    }

    /// Alerts raised, acknowledged and open per responsible unit over `[from, to)`, for the
    /// units given (the figures read it per period).
    pub async fn alert_counts(
        &self,
        units: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AlertCount>> {
        Ok(store::counts(self.svc.db(), units, ms(from), ms(to)).await?)
    }

    /// Sets a government's own number for a rule, or switches the rule off for it (the
    /// console's and the tests' door; the shipped defaults apply until then).
    pub async fn set_alert_rule(
        &self,
        government: i64,
        rule: Rule,
        threshold: i64,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !(1..=1000).contains(&threshold) {
            return Err(ServiceError::invalid(
                "threshold",
                "阈值应在 1 到 1000 之间",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::put_setting(
            &mut tx,
            government,
            rule.code(),
            threshold,
            enabled,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &Audit::CONSOLE,
            "efficiency.alert_rule_set",
            Some(format!("unit:{government}")),
            serde_json::json!({"rule": rule.code(), "threshold": threshold, "enabled": enabled}),
            now,
        )
        .await?;
        tx.commit().await?;
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

/// The scope in words, as the backlog says it.
fn scope_label(scope: &MonitorScope, units: &[(i64, String)]) -> String {
    let top = units
        .first()
        .map_or("", |(_, n)| n.trim_start_matches('　'));
    match scope {
        MonitorScope::Tree { .. } => format!("{top}及所属单位"),
        MonitorScope::Section { .. } => format!("{top}全体人员"),
        MonitorScope::Own => "本人".to_owned(),
    }
}

fn clip(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn acknowledged_already() -> ServiceError {
    ServiceError::Conflict {
        code: "efficiency.alert_acknowledged",
        message: "该预警已经确认".into(),
    }
}

/// Whether a viewer may acknowledge: the responsible post (or its proxy), or the monitoring
/// side whose tree covers the alert's unit.
fn may_acknowledge(a: &AlertRow, mine: &[i64], tree: &BTreeSet<i64>) -> bool {
    a.acknowledged_at.is_none()
        && (a.post_id.is_some_and(|p| mine.contains(&p)) || tree.contains(&a.unit_id))
}

fn view(a: AlertRow, actor: &Actor, may: bool) -> Result<AlertView> {
    let withheld =
        a.case_id.is_some() && !actor.may_see(crate::clearance::level(&a.classification)?);
    let title = if a.case_id.is_none() {
        a.unit_name.clone()
    } else if withheld {
        crate::clearance::WITHHELD.to_owned()
    } else {
        a.title.clone()
    };
    let rule = Rule::from_code(&a.rule);
    Ok(AlertView {
        id: a.id,
        rule_label: rule.map_or("", Rule::label).to_owned(),
        rule: a.rule,
        subject: a.subject,
        case_id: a.case_id,
        title,
        withheld,
        unit: a.unit_name,
        holder: a.holder,
        // A withheld item's facts may quote its steps' reasons: they stay out as its title does.
        facts: if withheld {
            "内容按密级不予显示".to_owned()
        } else {
            a.facts
        },
        raised_at: from_ms(a.raised_at),
        cleared_at: a.cleared_at.map(from_ms),
        acknowledged_at: a.acknowledged_at.map(from_ms),
        acknowledged_by: (!a.acknowledged_by.is_empty()).then_some(a.acknowledged_by),
        note: a.note,
        state: match (a.acknowledged_at, a.cleared_at) {
            (Some(_), _) => "已确认",
            (None, Some(_)) => "已消除，待确认",
            (None, None) => "待确认",
        }
        .to_owned(),
        may_acknowledge: may && !withheld,
    })
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

    #[test]
    fn every_rule_reads_back_from_its_code() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
        }
    }
}
