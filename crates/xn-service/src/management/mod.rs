//! 管理: the office's own management cycle — targets cascaded to every post (目标责任制), the
//! week's report (周报告) drafted from the person's events, and the month's evaluation (月考评)
//! computed from stored facts, signed off and locked. These are records of their own, not flow
//! cases (no item kind), like meetings.
//!
//! The front door is [`Management`] (`services.management()`). Who sees what is
//! [`ManagementScope`], from the acting post: a person sees their own; a section's chief and
//! deputy chief the section's people; an office's 主任 and 副主任 the office's people and, for
//! a city office, the county offices' figures (read only). Who acts on a person's report or
//! evaluation (comments, urges, rates, decides an objection) is someone who sees them and
//! ranks above them in their own office or section (`Management::oversees`); locking a
//! month belongs to the office's 主任 and 副主任.
//!
//! One file per use case: `targets` (the cascade and its evidence), `reports` (周报告),
//! `evaluations` (月考评 and its decisions), `factors` (the evaluation's sources, one arm
//! each), `sheet` (the xlsx export), `summaries` (年总结: the year of a person, section or
//! office, and their own summary texts), `summary_files` (the year as PDF and xlsx, and the
//! office's annual summary drafted as a document); this file holds the door, the scope and the settings.

mod demo;
mod demo_rules;
mod evaluations;
mod factors;
mod plans;
mod regulations;
mod reports;
mod rollups;
mod sheet;
mod summaries;
mod summary_files;
mod targets;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::management::{self as rules, Factor};
use xn_domain::org::{BUILTIN_POSITIONS, Permission};
use xn_store::management::{self as store, StaffRow};

use crate::{Actor, Result, ServiceError, Services, ms, require};

pub use evaluations::{
    DecisionInput, EvaluationView, FactorLabel, FactorView, MonthRow, MonthView, ObjectionInput,
    RatingInput, SourceItem, UnitRollup,
};
pub use plans::{DayPlan, EntryInput, MarkInput, Move, PlanLine, SectionDay};
pub use regulations::{
    AckLine, AckSummary, RuleInput, RuleLine, RuleVersionInput, RuleVersionView, RuleView,
    RulesView,
};
pub use reports::{
    DraftLine, UrgeOutcome, WeekRow, WeekTable, WeeklyDraft, WeeklyInput, WeeklyView,
};
pub use rollups::{RollupFigures, RollupInput, RollupPart, RollupView};
pub use summaries::{
    AreaWork, SummaryInput, SummaryText, UnitChoice, YearMonth, YearPerson, YearSubject,
    YearTarget, YearView,
};
pub use targets::{
    CascadeChoices, LinkInput, LinkView, ResultInput, TargetInput, TargetView, TargetsView,
};

/// 管理's front door: `services.management()`.
#[derive(Clone, Copy)]
pub struct Management<'a> {
    svc: &'a Services,
}

impl Services {
    /// The management area (管理: 目标责任制, 周报告, 月考评).
    pub fn management(&self) -> Management<'_> {
        Management { svc: self }
    }
}

/// Whose records a viewer's management pages cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagementScope {
    /// An office's 主任 or 副主任: the office's people; `counties`, the county offices below a
    /// city, are read only.
    Office {
        /// The office led.
        office: i64,
        /// The county offices whose figures the city reads.
        counties: Vec<i64>,
    },
    /// A section's chief or deputy chief: the section's people.
    Section {
        /// The office above.
        office: i64,
        /// The section.
        section: i64,
    },
    /// Anyone else: their own post.
    Own {
        /// The office the post belongs to, if any.
        office: Option<i64>,
    },
}

impl ManagementScope {
    /// The office the viewer belongs to.
    pub fn office(&self) -> Option<i64> {
        match self {
            ManagementScope::Office { office, .. } | ManagementScope::Section { office, .. } => {
                Some(*office)
            }
            ManagementScope::Own { office } => *office,
        }
    }

    /// The offices whose people the scope reads (the own office first).
    pub fn offices(&self) -> Vec<i64> {
        match self {
            ManagementScope::Office { office, counties } => std::iter::once(*office)
                .chain(counties.iter().copied())
                .collect(),
            _ => self.office().into_iter().collect(),
        }
    }

    /// Whether the viewer leads an office (主任, 副主任).
    pub fn leads_office(&self) -> bool {
        matches!(self, ManagementScope::Office { .. })
    }
}

/// The acting post with its scope.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub(crate) post: i64,
    pub(crate) rank: i64,
    pub(crate) scope: ManagementScope,
}

/// The rank of a position code (smaller is more senior); unknown codes rank last.
pub(crate) fn rank_of(position: &str) -> i64 {
    BUILTIN_POSITIONS
        .iter()
        .find(|(code, _, _)| *code == position)
        .map_or(i64::MAX, |(_, _, rank)| *rank)
}

/// An office's settings as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SettingsView {
    /// The office.
    pub office_id: i64,
    /// The weekly report's day, 1 Monday … 7 Sunday.
    pub report_weekday: i64,
    /// Working days after the month's end within which a person may object.
    pub objection_days: i64,
    /// The weights per position: one row per built-in position below the 主任.
    pub weights: Vec<WeightRow>,
    /// Whether the viewer may change them.
    pub may_edit: bool,
}

/// One position's weights.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeightRow {
    /// Position code.
    pub position: String,
    /// Its name.
    pub position_name: String,
    /// Percent per factor code, in the sheet's order.
    pub weights: BTreeMap<String, i64>,
    /// Whether these are the built-in defaults (the office set none).
    pub default: bool,
}

/// A change of an office's settings.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SettingsInput {
    /// The weekly report's day, 1–7.
    pub report_weekday: i64,
    /// Working days to object, 1–30.
    pub objection_days: i64,
}

/// A position's new weights.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct WeightsInput {
    /// Position code (`secretary` …).
    pub position: String,
    /// Percent per factor code; the factors in use must sum to 100 (missing ones count 0).
    pub weights: BTreeMap<String, i64>,
}

/// An instant as the management pages write it: `YYYY-MM-DD HH:MM`, Beijing time.
pub(crate) fn beijing_time(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(crate::from_ms(at))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Positions that are evaluated (the office's 主任 is not: nobody above him in the office).
pub(crate) fn evaluated(s: &StaffRow) -> bool {
    !matches!(s.position.as_str(), "director" | "leader")
}

impl Management<'_> {
    /// The acting post and its scope.
    pub(crate) async fn viewer(&self, actor: &Actor) -> Result<Viewer> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let s = xn_store::efficiency::standing(self.svc.db(), post.id).await?;
        let rank = rank_of(&s.position);
        let (office, government) = match (s.unit_kind.as_str(), s.parent_kind.as_deref()) {
            ("office", Some("government")) => (Some(s.unit_id), s.parent_id),
            ("office", _) => (Some(s.unit_id), None),
            ("section", Some("office")) => (s.parent_id, s.grandparent_id),
            _ => (None, None),
        };
        let scope = match (office, s.unit_kind.as_str(), s.position.as_str()) {
            (Some(office), "office", "director" | "deputy_director") => {
                let counties = match government {
                    Some(g) => store::offices_below(self.svc.db(), g)
                        .await?
                        .into_iter()
                        .map(|(id, _)| id)
                        .collect(),
                    None => Vec::new(),
                };
                ManagementScope::Office { office, counties }
            }
            (Some(office), "section", "section_chief" | "deputy_section_chief") => {
                ManagementScope::Section {
                    office,
                    section: s.unit_id,
                }
            }
            (office, _, _) => ManagementScope::Own { office },
        };
        Ok(Viewer {
            post: post.id,
            rank,
            scope,
        })
    }

    /// The viewer's scope (for pages that show or hide a chief's parts).
    pub async fn scope(&self, actor: &Actor) -> Result<ManagementScope> {
        Ok(self.viewer(actor).await?.scope)
    }

    /// The staff a viewer reads, in tree order.
    pub(crate) async fn staff_in_scope(&self, v: &Viewer) -> Result<Vec<StaffRow>> {
        let offices = v.scope.offices();
        let all = store::staff_of_offices(self.svc.db(), &offices).await?;
        Ok(all.into_iter().filter(|s| Self::sees(v, s)).collect())
    }

    /// Whether a viewer reads a person's records.
    pub(crate) fn sees(v: &Viewer, s: &StaffRow) -> bool {
        if s.post_id == v.post {
            return true;
        }
        match &v.scope {
            ManagementScope::Office { office, counties } => {
                s.office_id == *office || counties.contains(&s.office_id)
            }
            ManagementScope::Section { section, .. } => s.unit_id == *section,
            ManagementScope::Own { .. } => false,
        }
    }

    /// Whether a viewer acts on a person's report and evaluation: the person is in the
    /// viewer's own office (an office leader) or section (a chief), and ranks below.
    pub(crate) fn oversees(v: &Viewer, s: &StaffRow) -> bool {
        if s.post_id == v.post || rank_of(&s.position) <= v.rank {
            return false;
        }
        match &v.scope {
            ManagementScope::Office { office, .. } => s.office_id == *office,
            ManagementScope::Section { section, .. } => s.unit_id == *section,
            ManagementScope::Own { .. } => false,
        }
    }

    /// Whether a viewer locks a person's month: an office leader over them.
    pub(crate) fn locks(v: &Viewer, s: &StaffRow) -> bool {
        v.scope.leads_office() && Self::oversees(v, s)
    }

    /// One person the viewer reads, or 404.
    pub(crate) async fn person(&self, v: &Viewer, post: i64) -> Result<StaffRow> {
        let offices = v.scope.offices();
        let all = store::staff_of_offices(self.svc.db(), &offices).await?;
        all.into_iter()
            .find(|s| s.post_id == post && Self::sees(v, s))
            .ok_or(ServiceError::NotFound("人员"))
    }

    /// An office's (report weekday, objection days).
    pub(crate) async fn office_settings(&self, office: i64) -> Result<(u32, u32)> {
        let (day, days) = store::settings(self.svc.db(), office)
            .await?
            .unwrap_or((5, 5));
        Ok((
            crate::exact("report_weekday", day)?,
            crate::exact("objection_days", days)?,
        ))
    }

    /// The weights of a set of offices: (office, position id) → factor weights; a position
    /// the office set nothing for takes the defaults.
    pub(crate) async fn weights_of(&self, offices: &[i64]) -> Result<Weights> {
        let rows = store::weights(self.svc.db(), offices).await?;
        let mut set: BTreeMap<(i64, i64), Vec<(Factor, i64)>> = BTreeMap::new();
        for (office, position, code, w) in rows {
            if let Some(f) = Factor::from_code(&code) {
                set.entry((office, position)).or_default().push((f, w));
            }
        }
        Ok(Weights(set))
    }

    /// An office's settings and weights.
    pub async fn settings(&self, actor: &Actor) -> Result<SettingsView> {
        let v = self.viewer(actor).await?;
        let office = v.scope.office().ok_or_else(|| {
            ServiceError::Forbidden("当前身份不属于办公室（厅），没有管理设置".into())
        })?;
        let (day, days) = self.office_settings(office).await?;
        let weights = self.weights_of(&[office]).await?;
        let positions = store::positions(self.svc.db()).await?;
        let rows = positions
            .into_iter()
            .filter(|(_, code, _)| !matches!(code.as_str(), "director" | "leader"))
            .map(|(id, code, name)| {
                let (ws, default) = weights.of(office, id);
                WeightRow {
                    position: code,
                    position_name: name,
                    weights: ws.iter().map(|(f, w)| (f.code().to_owned(), *w)).collect(),
                    default,
                }
            })
            .collect();
        Ok(SettingsView {
            office_id: office,
            report_weekday: i64::from(day),
            objection_days: i64::from(days),
            weights: rows,
            may_edit: v.scope.leads_office(),
        })
    }

    pub(crate) fn office_led(v: &Viewer) -> Result<i64> {
        match &v.scope {
            ManagementScope::Office { office, .. } => Ok(*office),
            _ => Err(ServiceError::Forbidden(
                "只有办公室（厅）主任、副主任可以修改考评设置".into(),
            )),
        }
    }

    /// Changes an office's weekly report day and objection window (its 主任, 副主任).
    pub async fn save_settings(
        &self,
        actor: &Actor,
        input: &SettingsInput,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let office = Self::office_led(&v)?;
        let day = rules::check_weekday(input.report_weekday).map_err(into_invalid)?;
        if !(1..=30).contains(&input.objection_days) {
            return Err(ServiceError::invalid(
                "objection_days",
                "申诉期应为 1 至 30 个工作日",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::save_settings(
            &mut tx,
            office,
            i64::from(day),
            input.objection_days,
            v.post,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.settings_changed",
            Some(format!("unit:{office}")),
            serde_json::json!({"report_weekday": day, "objection_days": input.objection_days}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an office's weights for one position (its 主任, 副主任). Months not yet locked
    /// are computed with the new weights from now on; locked months keep theirs.
    pub async fn save_weights(
        &self,
        actor: &Actor,
        input: &WeightsInput,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let office = Self::office_led(&v)?;
        let positions = store::positions(self.svc.db()).await?;
        let Some((position, _, _)) = positions.iter().find(|(_, code, _)| {
            *code == input.position && !matches!(code.as_str(), "director" | "leader")
        }) else {
            return Err(ServiceError::invalid("position", "没有这个岗位"));
        };
        if let Some(bad) = input
            .weights
            .keys()
            .find(|k| Factor::from_code(k).is_none())
        {
            return Err(ServiceError::invalid(
                "weights",
                format!("没有考评项“{bad}”"),
            ));
        }
        let ws: Vec<(Factor, i64)> = Factor::ALL
            .iter()
            .map(|f| (*f, input.weights.get(f.code()).copied().unwrap_or(0)))
            .collect();
        rules::check_weights(&ws).map_err(into_invalid)?;
        let codes: Vec<(&str, i64)> = ws.iter().map(|(f, w)| (f.code(), *w)).collect();
        let mut tx = self.svc.db().begin().await?;
        store::replace_weights(&mut tx, office, *position, &codes, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.weights_changed",
            Some(format!("unit:{office}")),
            serde_json::json!({"position": input.position, "weights": input.weights}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The weights of some offices, per position.
pub(crate) struct Weights(BTreeMap<(i64, i64), Vec<(Factor, i64)>>);

impl Weights {
    /// A position's weights in an office, every factor in order, and whether they are the
    /// defaults.
    pub(crate) fn of(&self, office: i64, position: i64) -> (Vec<(Factor, i64)>, bool) {
        match self.0.get(&(office, position)) {
            Some(set) => (
                Factor::ALL
                    .iter()
                    .map(|f| (*f, set.iter().find(|(g, _)| g == f).map_or(0, |(_, w)| *w)))
                    .collect(),
                false,
            ),
            None => (
                Factor::ALL
                    .iter()
                    .map(|f| (*f, f.default_weight()))
                    .collect(),
                true,
            ),
        }
    }
}

/// A domain rule's refusal as a form error.
pub(crate) fn into_invalid(e: rules::Invalid) -> ServiceError {
    ServiceError::invalid(e.field, e.message)
}

/// A date typed as `YYYY-MM-DD`.
pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid(field, "日期格式应为 YYYY-MM-DD"))
}
