//! 年总结: the year of a person, a section or an office — its targets against their results,
//! the twelve months' evaluations (each month as the monthly evaluation computes or froze it),
//! the on-time rate and the cards by month counted from the same facts the evaluation reads,
//! and the steps handled per area; charts drawn as SVG on the server; and the subject's own
//! summary text, written by the person (the section's chief, the office's 主任/副主任 for a
//! unit), editable until submitted, then read by those above. Who sees whose year is the
//! monthly evaluation's scope (`Management::person`, the units a roll-up reads). The office's
//! annual summary document and the PDF and xlsx files are in `summary_files`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ItemKind;
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::management as rules;
use xn_render::chart::{LineChart, Point, bars, line};
use xn_store::management::{self as store, StaffRow, SummaryRow, SummaryWrite};

use super::factors::MonthSpan;
use super::{Management, ManagementScope, Viewer, beijing_time};
use crate::{Actor, Result, ServiceError, ms};

/// Whose year to show.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct YearSubject {
    /// Year; default this year (Beijing).
    #[serde(default)]
    pub year: Option<i64>,
    /// A person's post.
    #[serde(default)]
    pub post: Option<i64>,
    /// A section or office.
    #[serde(default)]
    pub unit: Option<i64>,
}

/// A target of the year with its result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearTarget {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The responsible unit.
    pub unit: String,
    /// The owner, if a post.
    pub owner: Option<String>,
    /// The value aimed at.
    pub target: String,
    /// The result ('' when none recorded).
    pub result: String,
    /// `active`, `achieved`, `missed`.
    pub status: String,
    /// Its name.
    pub status_label: String,
    /// Percent of the parent.
    pub weight: i64,
}

/// One month of the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// 1月 …
    pub label: String,
    /// The evaluation's total (a unit's: the mean of its people's), two decimals.
    pub total: Option<f64>,
    /// People evaluated.
    pub people: i64,
    /// Of them, locked.
    pub locked: i64,
    /// Whether the month is still running.
    pub running: bool,
    /// Steps due (done or past their deadline).
    pub due: i64,
    /// Of them, done by the deadline.
    pub on_time: i64,
    /// on_time ÷ due, percent, one decimal; none when nothing was due.
    pub rate: Option<f64>,
    /// Yellow cards.
    pub yellow: i64,
    /// Red cards.
    pub red: i64,
    /// The month's evaluation page.
    pub href: String,
}

/// The steps handled in an area.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaWork {
    /// Area code.
    pub area: String,
    /// Its name.
    pub label: String,
    /// Steps handled.
    pub steps: i64,
    /// Distinct items.
    pub items: i64,
}

/// A person of a unit's year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearPerson {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post's label.
    pub post_label: String,
    /// Unit.
    pub unit: String,
    /// Each month's total, January first (none: not reached).
    pub totals: Vec<Option<f64>>,
    /// The mean of the ended months.
    pub average: Option<f64>,
    /// Their own summary: 未填写, 草稿, 已提交.
    pub summary: String,
}

/// A subject's own summary text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryText {
    /// The text ('' when none, or when the viewer may not read a draft).
    pub body: String,
    /// `none`, `draft`, `submitted`.
    pub status: String,
    /// Its name.
    pub status_label: String,
    /// When submitted (Beijing).
    pub submitted_at: Option<String>,
    /// The viewer writes it (and it is not submitted).
    pub may_edit: bool,
    /// The viewer is its writer (submitted or not).
    pub writer: bool,
}

/// A unit the viewer may open.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitChoice {
    /// Unit.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// The year of a person, section or office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearView {
    /// Year.
    pub year: i64,
    /// Whether the year is still running.
    pub running: bool,
    /// The date the figures are read at (Beijing).
    pub as_of: String,
    /// Whether the year has any data (targets, due steps, cards, work, locked months).
    pub has_data: bool,
    /// `post` or `unit`.
    pub subject: String,
    /// The post or unit.
    pub subject_id: i64,
    /// 个人, 科室, 办公室.
    pub kind_label: String,
    /// Whose: 「秘书一科 王晓东（秘书）」, 「东川市人民政府办公室」.
    pub name: String,
    /// The office's name.
    pub office: String,
    /// The targets of the year and their results.
    pub targets: Vec<YearTarget>,
    /// The months (the running year: up to this month).
    pub months: Vec<YearMonth>,
    /// Months ended.
    pub months_ended: i64,
    /// The mean total of the ended months.
    pub average: Option<f64>,
    /// Steps due in the year.
    pub due: i64,
    /// Of them on time.
    pub on_time: i64,
    /// The year's on-time rate.
    pub rate: Option<f64>,
    /// Yellow cards.
    pub yellow: i64,
    /// Red cards.
    pub red: i64,
    /// Steps handled per area.
    pub areas: Vec<AreaWork>,
    /// The on-time rate by month (SVG).
    pub rate_chart: String,
    /// Cards by month (SVG).
    pub cards_chart: String,
    /// The evaluation's total by month (SVG).
    pub total_chart: String,
    /// Steps handled per area (SVG).
    pub work_chart: String,
    /// A unit's people.
    pub people: Vec<YearPerson>,
    /// The subject's own summary.
    pub summary: SummaryText,
    /// The viewer may draft the office's annual summary document.
    pub may_draft: bool,
    /// The annual summary document drafted, if any.
    pub document_id: Option<i64>,
    /// Whom the leader may make its 拟稿人: (post, 「科室 姓名（岗位）」).
    pub drafters: Vec<(i64, String)>,
    /// The units the viewer may open (the office and its sections; county offices).
    pub units: Vec<UnitChoice>,
}

/// A summary text to save.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SummaryInput {
    /// Year.
    pub year: i64,
    /// A unit the viewer leads (default: the viewer's own summary).
    #[serde(default)]
    pub unit: Option<i64>,
    /// The text.
    pub body: String,
    /// Submit it (no longer editable).
    #[serde(default)]
    pub submit: bool,
}

/// The resolved subject of a year.
pub(super) struct Subject {
    pub(super) kind: &'static str,
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) office: i64,
    /// People evaluated (the monthly evaluation's).
    pub(super) evaluated: Vec<StaffRow>,
    /// Posts whose facts count (a unit's everyone, its leaders too).
    pub(super) posts: Vec<i64>,
    /// The viewer writes its text.
    pub(super) writer: bool,
    /// A person's own row, for the chief's reading.
    pub(super) person: Option<StaffRow>,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "submitted" => "已提交",
        "draft" => "草稿",
        _ => "未填写",
    }
}

fn target_status(s: &str) -> &'static str {
    match s {
        "achieved" => "已完成",
        "missed" => "未完成",
        _ => "进行中",
    }
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    #[expect(clippy::cast_precision_loss, reason = "counts of steps")]
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn mean(xs: &[f64]) -> Option<f64> {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a dozen months or a few dozen people"
    )]
    (!xs.is_empty()).then(|| rules::round2(xs.iter().sum::<f64>() / xs.len() as f64))
}

/// The month (`YYYY-MM`) of an instant, Beijing time.
fn month_at(at: i64) -> String {
    rules::month_of(xn_domain::calendar::hours::to_shanghai_local(crate::from_ms(at)).date())
}

/// The label of an item kind's area.
fn area_of_code(kind: &str) -> (&'static str, &'static str) {
    ItemKind::from_code(kind).map_or(("other", "其他"), |k| {
        let a = crate::areas::area_of(k);
        (a.code(), a.label())
    })
}

impl Management<'_> {
    /// The year asked for: default this year; not after this year.
    pub(super) fn year_of(year: Option<i64>, now: DateTime<Utc>) -> Result<i64> {
        let this = i64::from(xn_domain::calendar::business_date(now).year());
        let y = year.unwrap_or(this);
        if !(2000..=this).contains(&y) {
            return Err(ServiceError::invalid(
                "year",
                format!("年度应在 2000 至 {this} 之间"),
            ));
        }
        Ok(y)
    }

    /// Resolves whose year: a person the viewer sees, a unit the viewer reads, or by default
    /// the viewer's own (a chief's section, an office leader's office, anyone else themselves).
    pub(super) async fn year_subject(&self, v: &Viewer, q: &YearSubject) -> Result<Subject> {
        let unit = match (q.post, q.unit, &v.scope) {
            (Some(_), Some(_), _) => {
                return Err(ServiceError::invalid("unit", "人员和单位只能选一个"));
            }
            (Some(_), None, _) | (None, None, ManagementScope::Own { .. }) => None,
            (None, Some(u), _) => Some(u),
            (None, None, ManagementScope::Office { office, .. }) => Some(*office),
            (None, None, ManagementScope::Section { section, .. }) => Some(*section),
        };
        let Some(unit) = unit else {
            let s = self.person(v, q.post.unwrap_or(v.post)).await?;
            let name = format!("{} {}（{}）", s.unit_name, s.person_name, s.post_label);
            return Ok(Subject {
                kind: "post",
                id: s.post_id,
                name,
                office: s.office_id,
                evaluated: vec![s.clone()]
                    .into_iter()
                    .filter(super::evaluated)
                    .collect(),
                posts: vec![s.post_id],
                writer: s.post_id == v.post,
                person: Some(s),
            });
        };
        let units = self.rollup_units(v).await?;
        let (id, name, office) = units
            .into_iter()
            .find(|(u, _, _)| *u == unit)
            .ok_or(ServiceError::NotFound("年度总结"))?;
        let staff = store::staff_of_offices(self.svc.db(), &[office]).await?;
        let members: Vec<StaffRow> = staff
            .into_iter()
            .filter(|s| if id == office { true } else { s.unit_id == id })
            .collect();
        let writer = match &v.scope {
            ManagementScope::Office { office: led, .. } => id == *led,
            ManagementScope::Section { section, .. } => id == *section,
            ManagementScope::Own { .. } => false,
        };
        let full = if id == office {
            xn_store::org::find_unit(self.svc.db(), id).await?.name
        } else {
            name
        };
        Ok(Subject {
            kind: "unit",
            id,
            name: full,
            office,
            posts: members.iter().map(|s| s.post_id).collect(),
            evaluated: members.into_iter().filter(super::evaluated).collect(),
            writer,
            person: None,
        })
    }

    /// The year of a person, section or office (see the module's note).
    pub async fn year(
        &self,
        actor: &Actor,
        q: &YearSubject,
        now: DateTime<Utc>,
    ) -> Result<YearView> {
        let v = self.viewer(actor).await?;
        let year = Self::year_of(q.year, now)?;
        let s = self.year_subject(&v, q).await?;
        let today = xn_domain::calendar::business_date(now);
        let this_year = i64::from(today.year());
        let running = year == this_year;
        let first = NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(2000), 1, 1)
            .ok_or_else(|| ServiceError::invalid("year", "年度不正确"))?;
        let last = NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(2000), 12, 31)
            .ok_or_else(|| ServiceError::invalid("year", "年度不正确"))?;
        let (from, to) = (ms(start_of(first)), ms(end_of(last)));
        let asof = ms(now).min(to);

        // The facts of the year, bucketed by month.
        let due = store::tasks_due(self.svc.db(), &s.posts, from, to, asof).await?;
        let cards = store::cards(self.svc.db(), &s.posts, from, to).await?;
        let work = store::work_by_kind(self.svc.db(), &s.posts, from, to.min(asof + 1)).await?;
        let mut per_month: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
        for t in &due {
            let Some(d) = t.due_at else { continue };
            let e = per_month.entry(month_at(d)).or_default();
            e.0 += 1;
            if t.acted_at.is_some_and(|a| a <= d) {
                e.1 += 1;
            }
        }
        for c in &cards {
            let e = per_month.entry(month_at(c.issued_at)).or_default();
            if c.color == "red" {
                e.3 += 1;
            } else {
                e.2 += 1;
            }
        }
        let mut areas: Vec<AreaWork> = Vec::new();
        for (kind, steps, items) in work {
            let (code, label) = area_of_code(&kind);
            match areas.iter_mut().find(|a| a.area == code) {
                Some(a) => {
                    a.steps += steps;
                    a.items += items;
                }
                None => areas.push(AreaWork {
                    area: code.to_owned(),
                    label: label.to_owned(),
                    steps,
                    items,
                }),
            }
        }
        let targets = self.year_targets(actor, &s, year).await?;
        let locked_any = store::evaluations_locked_in_year(
            self.svc.db(),
            &format!("{year}-"),
            &s.evaluated.iter().map(|p| p.post_id).collect::<Vec<_>>(),
        )
        .await?;
        let has_data = !targets.is_empty()
            || !due.is_empty()
            || !cards.is_empty()
            || !areas.is_empty()
            || locked_any > 0;

        // The months: each as the monthly evaluation computes (or froze) it.
        let last_month = if running { today.month() } else { 12 };
        let mut months = Vec::new();
        let mut person_totals: BTreeMap<i64, Vec<Option<f64>>> = BTreeMap::new();
        let mut ended_totals = Vec::new();
        if has_data {
            for m in 1..=last_month {
                let month = format!("{year}-{m:02}");
                let span = MonthSpan::new(&month, now)?;
                let month_running = today <= span.last;
                let computed = self.compute(actor, s.evaluated.clone(), &span).await?;
                let totals: Vec<f64> = computed.iter().map(|c| c.total).collect();
                for c in &computed {
                    let slots = person_totals
                        .entry(c.staff.post_id)
                        .or_insert_with(|| vec![None; 12]);
                    if let Some(slot) = slots.get_mut(usize::try_from(m - 1).unwrap_or(0)) {
                        *slot = Some(c.total);
                    }
                }
                let total = mean(&totals);
                if !month_running && let Some(t) = total {
                    ended_totals.push(t);
                }
                let (d, o, y, r) = per_month.get(&month).copied().unwrap_or_default();
                months.push(YearMonth {
                    label: format!("{m}月"),
                    total,
                    people: i64::try_from(computed.len()).unwrap_or(0),
                    locked: i64::try_from(
                        computed
                            .iter()
                            .filter(|c| c.row.as_ref().is_some_and(|r| r.locked_at.is_some()))
                            .count(),
                    )
                    .unwrap_or(0),
                    running: month_running,
                    due: d,
                    on_time: o,
                    rate: percent(o, d),
                    yellow: y,
                    red: r,
                    href: match s.kind {
                        "post" => format!("/management/evaluations/{}?month={month}", s.id),
                        _ => format!("/management/evaluations?month={month}"),
                    },
                    month,
                });
            }
        }
        let (due_n, on_n, yellow, red) = per_month.values().fold((0, 0, 0, 0), |a, m| {
            (a.0 + m.0, a.1 + m.1, a.2 + m.2, a.3 + m.3)
        });
        let charts = charts(&s.name, &months, &areas);
        let people = if s.kind == "unit" {
            self.year_people(&s, year, &person_totals, &months).await?
        } else {
            Vec::new()
        };
        let row = store::summaries(self.svc.db(), year, s.kind, &[s.id])
            .await?
            .pop();
        let summary = summary_text(row.as_ref(), s.writer);
        let office = xn_store::org::find_unit(self.svc.db(), s.office)
            .await?
            .name;
        let may_draft = s.kind == "unit" && s.id == s.office && s.writer && v.scope.leads_office();
        let drafters = if may_draft {
            store::staff_of_offices(self.svc.db(), &[s.office])
                .await?
                .into_iter()
                .filter(|p| p.unit_id != s.office && Self::oversees(&v, p))
                .map(|p| {
                    (
                        p.post_id,
                        format!("{} {}（{}）", p.unit_name, p.person_name, p.post_label),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let units = self
            .rollup_units(&v)
            .await?
            .into_iter()
            .map(|(id, name, _)| UnitChoice { id, name })
            .collect();
        Ok(YearView {
            year,
            running,
            as_of: today.min(last).to_string(),
            has_data,
            subject: s.kind.to_owned(),
            subject_id: s.id,
            kind_label: match (s.kind, s.id == s.office) {
                ("post", _) => "个人",
                (_, true) => "办公室",
                _ => "科室",
            }
            .to_owned(),
            name: s.name.clone(),
            office,
            targets,
            months_ended: i64::try_from(ended_totals.len()).unwrap_or(0),
            average: mean(&ended_totals),
            months,
            due: due_n,
            on_time: on_n,
            rate: percent(on_n, due_n),
            yellow,
            red,
            areas,
            rate_chart: charts.0,
            cards_chart: charts.1,
            total_chart: charts.2,
            work_chart: charts.3,
            people,
            summary,
            may_draft,
            document_id: row.and_then(|r| r.document_id),
            drafters,
            units,
        })
    }

    /// The year's targets of a subject: a person's own (owned by the post), a unit's (given to
    /// the unit, not to one of its posts).
    async fn year_targets(&self, actor: &Actor, s: &Subject, year: i64) -> Result<Vec<YearTarget>> {
        let all = self.targets(actor, year).await?;
        Ok(all
            .targets
            .into_iter()
            .filter(|t| match s.kind {
                "post" => t.owner_post_id == Some(s.id),
                _ => t.unit_id == s.id && t.owner_post_id.is_none(),
            })
            .map(|t| YearTarget {
                id: t.id,
                status_label: target_status(&t.status).to_owned(),
                title: t.title,
                unit: t.unit,
                owner: t.owner,
                target: t.target,
                result: t.result,
                status: t.status,
                weight: t.weight,
            })
            .collect())
    }

    /// A unit's people with their months and their own summaries' state.
    async fn year_people(
        &self,
        s: &Subject,
        year: i64,
        totals: &BTreeMap<i64, Vec<Option<f64>>>,
        months: &[YearMonth],
    ) -> Result<Vec<YearPerson>> {
        let posts: Vec<i64> = s.evaluated.iter().map(|p| p.post_id).collect();
        let texts = store::summaries(self.svc.db(), year, "post", &posts).await?;
        Ok(s.evaluated
            .iter()
            .map(|p| {
                let t = totals
                    .get(&p.post_id)
                    .cloned()
                    .unwrap_or_else(|| vec![None; 12]);
                let ended: Vec<f64> = t
                    .iter()
                    .zip(months)
                    .filter(|(_, m)| !m.running)
                    .filter_map(|(x, _)| *x)
                    .collect();
                let status = texts
                    .iter()
                    .find(|r| r.subject_id == p.post_id)
                    .map_or("none", |r| r.status.as_str());
                YearPerson {
                    post_id: p.post_id,
                    person: p.person_name.clone(),
                    post_label: p.post_label.clone(),
                    unit: p.unit_name.clone(),
                    totals: t,
                    average: mean(&ended),
                    summary: status_label(status).to_owned(),
                }
            })
            .collect())
    }

    /// Saves the viewer's own year summary, or that of the unit they lead; submitting it
    /// makes it final and tells those above.
    pub async fn save_summary(
        &self,
        actor: &Actor,
        input: &SummaryInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let year = Self::year_of(Some(input.year), now)?;
        let q = YearSubject {
            year: Some(year),
            post: input.unit.is_none().then_some(v.post),
            unit: input.unit,
        };
        let s = self.year_subject(&v, &q).await?;
        if !s.writer {
            return Err(ServiceError::Forbidden(
                "年度总结由本人填写；科室的由科室负责人、办公室的由主任、副主任填写".into(),
            ));
        }
        let body = input.body.trim();
        if input.submit && body.is_empty() {
            return Err(ServiceError::invalid("body", "请填写年度总结后再提交"));
        }
        if body.chars().count() > 20_000 {
            return Err(ServiceError::invalid("body", "年度总结不超过 20000 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        let w = SummaryWrite {
            year,
            subject: s.kind,
            subject_id: s.id,
            body,
            submit: input.submit,
            author_post_id: v.post,
        };
        if !store::save_summary(&mut tx, &w, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.summary_submitted",
                message: "年度总结已提交，不能再修改".into(),
            });
        }
        let row = store::summary_tx(&mut tx, year, s.kind, s.id)
            .await?
            .ok_or(ServiceError::NotFound("年度总结"))?;
        if input.submit {
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "management.summary_submitted",
                Some(format!("year_summary:{}", row.id)),
                json!({"year": year, "subject": s.kind, "subject_id": s.id}),
                now,
            )
            .await?;
            let readers = self.summary_readers(&s).await?;
            crate::meetings::tell(
                &mut tx,
                &readers,
                "management.summary_submitted",
                &format!("year_summary:{}", row.id),
                &format!("{} 提交了 {year} 年度总结", s.name),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(row.id)
    }

    /// Who reads a submitted summary from above, ranking above its writer: a person's section
    /// chiefs (a 科长's, and an office's own people's: the office's 主任, 副主任); a section's,
    /// its office's 主任, 副主任.
    async fn summary_readers(&self, s: &Subject) -> Result<Vec<i64>> {
        let staff = store::staff_of_offices(self.svc.db(), &[s.office]).await?;
        let above = match &s.person {
            Some(p) => super::rank_of(&p.position),
            None => i64::MAX,
        };
        let leaders = |u: i64, positions: &[&str]| -> Vec<i64> {
            staff
                .iter()
                .filter(|c| {
                    c.unit_id == u
                        && positions.contains(&c.position.as_str())
                        && super::rank_of(&c.position) < above
                })
                .map(|c| c.post_id)
                .collect()
        };
        let office_leaders = || leaders(s.office, &["director", "deputy_director"]);
        Ok(match &s.person {
            Some(p) if p.unit_id != p.office_id => {
                let chiefs = leaders(p.unit_id, &["section_chief", "deputy_section_chief"]);
                if chiefs.is_empty() {
                    office_leaders()
                } else {
                    chiefs
                }
            }
            Some(_) => office_leaders(),
            None if s.id != s.office => office_leaders(),
            None => Vec::new(),
        })
    }
}

/// The subject's text as the viewer may read it: the writer always, others once submitted.
fn summary_text(row: Option<&SummaryRow>, writer: bool) -> SummaryText {
    let status = row.map_or("none", |r| r.status.as_str()).to_owned();
    let readable = writer || status == "submitted";
    SummaryText {
        body: row
            .filter(|_| readable)
            .map(|r| r.body.clone())
            .unwrap_or_default(),
        status_label: if !writer && status == "draft" {
            "未提交".to_owned()
        } else {
            status_label(&status).to_owned()
        },
        submitted_at: row.and_then(|r| r.submitted_at).map(beijing_time),
        may_edit: writer && status != "submitted",
        writer,
        status,
    }
}

/// One chart as SVG.
fn svg(bar: bool, title: &str, max: Option<f64>, suffix: &str, points: &[Point]) -> String {
    let c = LineChart {
        title,
        size: (360, 140),
        max,
        suffix,
        axis_labels: true,
    };
    if bar {
        bars(&c, points)
    } else {
        line(&c, points)
    }
}

/// The points of the four charts: on-time rate by month, cards by month, the evaluation's
/// total by month, steps per area (the page's SVG and the PDF draw the same).
pub(super) fn chart_points(months: &[YearMonth], areas: &[AreaWork]) -> [Vec<Point>; 4] {
    let by_month = |f: &dyn Fn(&YearMonth) -> Option<f64>| -> Vec<Point> {
        months
            .iter()
            .map(|m| Point {
                label: m.label.clone(),
                value: f(m),
            })
            .collect()
    };
    #[expect(clippy::cast_precision_loss, reason = "counts of cards and steps")]
    let cards = by_month(&|m| Some((m.yellow + m.red) as f64));
    #[expect(clippy::cast_precision_loss, reason = "counts of steps")]
    let work = areas
        .iter()
        .map(|a| Point {
            label: a.label.clone(),
            value: Some(a.steps as f64),
        })
        .collect();
    [by_month(&|m| m.rate), cards, by_month(&|m| m.total), work]
}

/// The charts' titles, suffixes and scales, in [`chart_points`]' order: (title, suffix, max,
/// bars).
pub(super) const CHARTS: [(&str, &str, Option<f64>, bool); 4] = [
    ("按期办结率（按月）", "%", Some(100.0), false),
    ("黄牌、红牌（按月）", "张", None, true),
    ("月度考评得分", "分", None, false),
    ("各领域办理环节（全年）", "个", None, true),
];

fn charts(
    name: &str,
    months: &[YearMonth],
    areas: &[AreaWork],
) -> (String, String, String, String) {
    let [a, b, c, d] = chart_points(months, areas);
    let draw = |i: usize, pts: &[Point]| {
        let (title, suffix, max, bar) = CHARTS[i];
        svg(bar, &format!("{name} {title}"), max, suffix, pts)
    };
    (draw(0, &a), draw(1, &b), draw(2, &c), draw(3, &d))
}
