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

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_store::efficiency_alerts::{self as store, AlertFilter, AlertRow};

use super::{Efficiency, MonitorScope};
use crate::events::Audit;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// Alerts on a page.
pub const ALERT_PAGE_SIZE: i64 = 50;

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

    /// What the rule's number means, in words for the settings page.
    pub fn meaning(self) -> &'static str {
        match self {
            Rule::Returned => "同一事项退回达到此次数时预警",
            Rule::ManyHolders => "同一事项经手岗位超过此数时预警",
            Rule::SlowStep => {
                "同类环节近 90 天已办样本至少此数时，在办超过其第 90 百分位用时即预警"
            }
            Rule::UnsignedInformation => "信息超过此工作日数未签收时预警",
            Rule::BacklogDoubled => "单位在办环节至少此数、且比五个工作日前翻倍时预警",
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
    /// Whether the viewer may set the rules (`/efficiency/alerts/settings`).
    pub may_configure: bool,
}

/// One alert rule as a government has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertSetting {
    /// Rule code.
    pub rule: String,
    /// Rule name.
    pub label: String,
    /// The rule's number (times returned, posts, samples, working days, open steps).
    pub threshold: i64,
    /// Whether the rule runs.
    pub enabled: bool,
    /// The shipped default of the number.
    pub default_threshold: i64,
    /// What the number means.
    pub meaning: String,
}

/// A change to one alert rule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AlertSettingInput {
    /// Rule code.
    pub rule: String,
    /// The rule's number, 1–1000.
    pub threshold: i64,
    /// Whether the rule runs.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Alerts of a unit in a period: raised, acknowledged, open at its end.
pub use store::AlertCount;

impl Efficiency<'_> {
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
        let may_configure = self.governed(actor).await.is_ok();
        Ok(AlertList {
            may_configure,
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

    /// The government whose alert rules the viewer may read and set: the root of a scope that
    /// sees a government's whole tree (its leaders, its office's 主任 and 副主任, its 督查科).
    /// The alerts of a query as a workbook (every page, at most 10,000 rows).
    pub async fn alerts_xlsx(
        &self,
        actor: &Actor,
        q: &AlertQuery,
        now: DateTime<Utc>,
    ) -> Result<crate::files::AttachmentFile> {
        let mut rows = Vec::new();
        let mut page = 1;
        loop {
            let list = self
                .alerts(
                    actor,
                    &AlertQuery {
                        page: Some(page),
                        ..q.clone()
                    },
                    now,
                )
                .await?;
            rows.extend(list.rows);
            if page >= list.pages || rows.len() >= 10_000 {
                break;
            }
            page += 1;
        }
        let time = |t: DateTime<Utc>| {
            xn_domain::calendar::hours::to_shanghai_local(t)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let header = [
            "规则",
            "事项",
            "责任岗位",
            "责任单位",
            "情况",
            "预警时间",
            "消除时间",
            "状态",
            "确认人",
            "确认时间",
            "说明",
        ];
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                vec![
                    r.rule_label,
                    r.title,
                    r.holder,
                    r.unit,
                    r.facts,
                    time(r.raised_at),
                    r.cleared_at.map(time).unwrap_or_default(),
                    r.state,
                    r.acknowledged_by.unwrap_or_default(),
                    r.acknowledged_at.map(time).unwrap_or_default(),
                    r.note.unwrap_or_default(),
                ]
            })
            .collect();
        let bytes = xn_render::xlsx::workbook(&[xn_render::xlsx::Sheet {
            name: "预警纠错".into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(crate::files::AttachmentFile {
            name: format!("预警纠错-{}.xlsx", xn_domain::calendar::business_date(now)),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }

    async fn governed(&self, actor: &Actor) -> Result<i64> {
        if let MonitorScope::Tree { root } = self.scope(actor).await? {
            let kind = xn_store::efficiency_alerts::unit_kind(self.svc.db(), root).await?;
            if kind == "government" {
                return Ok(root);
            }
        }
        Err(ServiceError::Forbidden(
            "只有本级政府领导、政府办公室主任、副主任和督查科可以查看和设置预警规则".into(),
        ))
    }

    /// The alert rules of the viewer's government: each rule's number, whether it runs, and
    /// the shipped default.
    pub async fn alert_settings(&self, actor: &Actor) -> Result<Vec<AlertSetting>> {
        let gov = self.governed(actor).await?;
        let own = store::settings(self.svc.db()).await?;
        Ok(Rule::ALL
            .iter()
            .map(|r| {
                let set = own
                    .iter()
                    .find(|s| s.government_id == gov && s.rule == r.code());
                AlertSetting {
                    rule: r.code().to_owned(),
                    label: r.label().to_owned(),
                    threshold: set.map_or(r.default_threshold(), |s| s.threshold),
                    enabled: set.is_none_or(|s| s.enabled != 0),
                    default_threshold: r.default_threshold(),
                    meaning: r.meaning().to_owned(),
                }
            })
            .collect())
    }

    /// Sets some of the alert rules of the viewer's government, all or none; the next scan
    /// applies them.
    pub async fn put_alert_settings(
        &self,
        actor: &Actor,
        changes: &[AlertSettingInput],
        now: DateTime<Utc>,
    ) -> Result<Vec<AlertSetting>> {
        let gov = self.governed(actor).await?;
        let mut parsed = Vec::with_capacity(changes.len());
        for c in changes {
            let rule = Rule::from_code(c.rule.trim()).ok_or_else(|| {
                ServiceError::invalid("rule", format!("没有预警规则「{}」", c.rule))
            })?;
            if !(1..=1000).contains(&c.threshold) {
                return Err(ServiceError::invalid(
                    "threshold",
                    "阈值应在 1 到 1000 之间",
                ));
            }
            parsed.push((rule, c.threshold, c.enabled));
        }
        let mut tx = self.svc.db().begin().await?;
        for (rule, threshold, enabled) in &parsed {
            store::put_setting(&mut tx, gov, rule.code(), *threshold, *enabled, ms(now)).await?;
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "efficiency.alert_rule_set",
                Some(format!("unit:{gov}")),
                serde_json::json!({"rule": rule.code(), "threshold": threshold, "enabled": enabled}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.alert_settings(actor).await
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
    fn every_rule_reads_back_from_its_code() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
        }
    }
}
