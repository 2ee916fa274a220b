//! Rankings and comparison (排名): the units of a monitor's tree ranked within their level on a
//! composite whose weights each government sets and every page shows, with the change from
//! the period before and from the same period a year before; one unit's figures with the
//! items behind them ("how this was counted").

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::calendar::business_date;
use xn_domain::efficiency::{self as rules, Factor, Figures, Period};
use xn_render::xlsx::{Sheet, workbook};
use xn_store::efficiency_figures::{self as store, TreeUnit};

use super::figures::figures_of;
use super::{Efficiency, MonitorScope};
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError};

/// Which period a view shows.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `2026-10` (a month, the default being the present one), `2026-W41`, `2026-10-08` or `2026`.
    #[serde(default)]
    pub period: Option<String>,
}

impl PeriodQuery {
    /// The period asked for, the present month by default.
    pub fn period(&self, now: DateTime<Utc>) -> Result<Period> {
        match self
            .period
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(Period::month_of(business_date(now))),
            Some(s) => {
                let p =
                    Period::parse(s).map_err(|e| ServiceError::invalid("period", e.to_string()))?;
                if p.first_day() > business_date(now) {
                    return Err(ServiceError::invalid("period", "该期间尚未开始"));
                }
                Ok(p)
            }
        }
    }
}

/// A factor's weight and rule, as pages show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeightView {
    /// Its code.
    pub code: String,
    /// Its name.
    pub label: String,
    /// Its weight.
    pub weight: i64,
    /// How its score is made.
    pub rule: String,
}

/// One ranked unit (or post, in a section's view).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankRow {
    /// The unit (or post).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Whether `id` is a unit (its page and backlog may be opened).
    pub is_unit: bool,
    /// Rank within its group, from 1 (equal composites share a rank).
    pub rank: usize,
    /// The composite.
    pub composite: f64,
    /// Each factor's score, in the order of the weights.
    pub scores: Vec<f64>,
    /// The figures.
    pub figures: FiguresView,
    /// The composite's change from the period before, when that is known.
    pub change: Option<f64>,
    /// Its change from the same period a year before, when that is known.
    pub change_year: Option<f64>,
}

/// Figures with their rates, as pages and the API show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = efficiency::FiguresView)]
pub struct FiguresView {
    /// The counts.
    #[schema(value_type = Object)]
    pub counts: Figures,
    /// 办理及时率 (percent).
    pub step_rate: Option<f64>,
    /// 按时办结率 (percent).
    pub case_rate: Option<f64>,
    /// Average working days per step done.
    pub step_days_avg: Option<f64>,
    /// 满意率 (percent).
    pub satisfaction: Option<f64>,
}

impl FiguresView {
    pub(crate) fn of(f: Figures) -> FiguresView {
        FiguresView {
            step_rate: f.step_rate(),
            case_rate: f.case_rate(),
            step_days_avg: f.step_days_avg(),
            satisfaction: f.satisfaction(),
            counts: f,
        }
    }
}

/// Units of one level ranked together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankGroup {
    /// The level: 各县（市、区）, 政府工作部门, 办公室各科室, 科室人员.
    pub label: String,
    /// Its rows, best first.
    pub rows: Vec<RankRow>,
}

/// The rankings of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = efficiency::Ranking)]
pub struct Ranking {
    /// The period's code.
    pub period: String,
    /// In words.
    pub period_label: String,
    /// Whether it has ended and its figures are the stored ones (else computed now).
    pub stored: bool,
    /// What the viewer's monitor covers.
    pub scope: String,
    /// The root of the viewer's tree.
    pub root: Option<i64>,
    /// The composite's weights.
    pub weights: Vec<WeightView>,
    /// Whether the viewer may change the weights.
    pub may_weigh: bool,
    /// Whether the viewer may draft this period's 效能通报 (an ended month, the office's
    /// 主任, 副主任 or 督查科).
    pub may_draft_bulletin: bool,
    /// The levels.
    pub groups: Vec<RankGroup>,
}

/// How a unit's step counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountedStep {
    /// The case (`/cases/{id}`).
    pub case_id: i64,
    /// Its title (or withheld).
    pub title: String,
    /// Whether withheld.
    pub withheld: bool,
    /// The kind of item.
    pub item_kind: String,
    /// The step.
    pub step: String,
    /// Its holder.
    pub holder: String,
    /// 已办 (on time or late) or 期末在办 (overdue or not).
    pub status: String,
    /// Working days taken or waited.
    pub days: i64,
    /// Whether it counts as late.
    pub late: bool,
}

/// One unit's figures for a period and what they were counted from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitFigures {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// The period's code.
    pub period: String,
    /// In words.
    pub period_label: String,
    /// Whether these are the stored figures of an ended period.
    pub stored: bool,
    /// The figures shown.
    pub figures: FiguresView,
    /// The same counted again from the facts now.
    pub recounted: FiguresView,
    /// Whether the two differ (a stored period whose facts or rules changed since).
    pub differs: bool,
    /// Per kind of step: (name, done, on time, average days, 90th percentile days).
    pub kinds: Vec<(String, i64, i64, Option<f64>, i64)>,
    /// The steps counted (the first 300).
    pub steps: Vec<CountedStep>,
    /// Steps in all.
    pub steps_total: usize,
    /// The rules in words.
    pub rules: Vec<String>,
}

const COUNTED_LIMIT: usize = 300;

fn default_weights() -> Vec<(Factor, i64)> {
    Factor::ALL
        .iter()
        .map(|f| (*f, f.default_weight()))
        .collect()
}

impl Efficiency<'_> {
    /// The composite's weights of a government (its own, else the defaults).
    pub(crate) async fn weights(&self, root: i64) -> Result<Vec<(Factor, i64)>> {
        let stored = store::weights(self.svc.db(), root).await?;
        if stored.is_empty() {
            return Ok(default_weights());
        }
        Ok(Factor::ALL
            .iter()
            .map(|f| {
                let w = stored
                    .iter()
                    .find(|(c, _)| c == f.code())
                    .map_or(0, |(_, w)| *w);
                (*f, w)
            })
            .collect())
    }

    /// Whether the viewer leads the office of the government `root` (sets its weights).
    async fn leads_office(&self, actor: &Actor, root: i64) -> Result<bool> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(false);
        };
        let s = xn_store::efficiency::standing(self.svc.db(), post.id).await?;
        Ok(s.unit_kind == "office"
            && s.parent_id == Some(root)
            && matches!(s.position.as_str(), "director" | "deputy_director"))
    }

    /// Sets the composite's weights of the viewer's government: its office's 主任 or 副主任.
    pub async fn save_weights(
        &self,
        actor: &Actor,
        weights: &[(String, i64)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let scope = self.scope(actor).await?;
        let root = match scope {
            MonitorScope::Tree { root } if self.leads_office(actor, root).await? => root,
            _ => {
                return Err(ServiceError::Forbidden(
                    "只有本级政府办公室主任、副主任可以设置效能排名权重".into(),
                ));
            }
        };
        let mut w = Vec::new();
        for (code, v) in weights {
            let f = Factor::from_code(code)
                .ok_or_else(|| ServiceError::invalid("factor", format!("没有考评项「{code}」")))?;
            w.push((f, *v));
        }
        for f in Factor::ALL {
            if !w.iter().any(|(g, _)| *g == f) {
                w.push((f, 0));
            }
        }
        rules::check_weights(&w).map_err(|e| ServiceError::invalid("weights", e.0))?;
        let pairs: Vec<(&str, i64)> = w.iter().map(|(f, v)| (f.code(), *v)).collect();
        let mut tx = self.svc.db().begin().await?;
        store::save_weights(&mut tx, root, &pairs).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "efficiency.weights",
            Some(format!("unit:{root}")),
            serde_json::json!(
                pairs
                    .iter()
                    .map(|(f, v)| (f.to_string(), *v))
                    .collect::<HashMap<_, _>>()
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The levels a tree ranks: its governments (counties), its bureaus, its office's sections.
    pub(super) fn levels(tree: &[TreeUnit], root: i64) -> Vec<(String, Vec<&TreeUnit>)> {
        let children: Vec<&TreeUnit> = tree.iter().filter(|u| u.parent_id == Some(root)).collect();
        let of = |kind: &str| -> Vec<&TreeUnit> {
            children
                .iter()
                .copied()
                .filter(|u| u.kind == kind)
                .collect()
        };
        let sections: Vec<&TreeUnit> = tree
            .iter()
            .filter(|u| {
                u.kind == "section"
                    && children
                        .iter()
                        .any(|o| o.kind == "office" && u.parent_id == Some(o.id))
            })
            .collect();
        [
            ("各县（市、区）".to_owned(), of("government")),
            ("政府工作部门".to_owned(), of("bureau")),
            ("办公室各科室".to_owned(), sections),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// The rankings of a period within the viewer's scope.
    pub async fn ranking(
        &self,
        actor: &Actor,
        q: &PeriodQuery,
        now: DateTime<Utc>,
    ) -> Result<Ranking> {
        let p = q.period(now)?;
        let scope = self.scope(actor).await?;
        let units = self.scope_units(&scope).await?;
        let root = scope.root();
        let weights = match root {
            Some(r) => self.weights(r).await?,
            None => default_weights(),
        };
        let mut groups = Vec::new();
        let mut stored = false;
        match &scope {
            MonitorScope::Tree { root } => {
                let tree = store::tree(self.svc.db(), *root).await?;
                let levels = Self::levels(&tree, *root);
                let ids: Vec<i64> = levels
                    .iter()
                    .flat_map(|(_, v)| v.iter().map(|u| u.id))
                    .collect();
                let (now_f, s) = self.unit_figures(&p, &ids, now).await?;
                stored = s;
                let (prev, _) = self.unit_figures(&p.previous(), &ids, now).await?;
                let (year, _) = self.unit_figures(&p.year_before(), &ids, now).await?;
                for (label, members) in levels {
                    let rows = members
                        .iter()
                        .map(|u| row(u.id, u.name.clone(), true, &weights, &now_f, &prev, &year))
                        .collect();
                    groups.push(RankGroup {
                        label,
                        rows: ranked(rows),
                    });
                }
            }
            MonitorScope::Section { unit } => {
                let (cur, s) = self.post_figures(&p, *unit, now).await?;
                stored = s;
                let (prev, _) = self.post_figures(&p.previous(), *unit, now).await?;
                let (year, _) = self.post_figures(&p.year_before(), *unit, now).await?;
                let rows = store::unit_posts(self.svc.db(), *unit)
                    .await?
                    .into_iter()
                    .map(|(post, name)| row(post, name, false, &weights, &cur, &prev, &year))
                    .collect();
                groups.push(RankGroup {
                    label: "科室人员".into(),
                    rows: ranked(rows),
                });
            }
            MonitorScope::Own => {}
        }
        Ok(Ranking {
            period: p.code(),
            period_label: p.label(),
            stored,
            scope: self.scope_label(&scope, &units),
            root,
            may_weigh: match root {
                Some(r) => self.leads_office(actor, r).await?,
                None => false,
            },
            may_draft_bulletin: matches!(p, Period::Month(..))
                && p.ended_by(business_date(now))
                && self.bulletin_office(actor).await.is_ok(),
            weights: weights
                .iter()
                .map(|(f, w)| WeightView {
                    code: f.code().to_owned(),
                    label: f.label().to_owned(),
                    weight: *w,
                    rule: f.rule().to_owned(),
                })
                .collect(),
            groups,
        })
    }

    /// A period's figures of each post of a unit.
    async fn post_figures(
        &self,
        p: &Period,
        unit: i64,
        now: DateTime<Utc>,
    ) -> Result<(HashMap<i64, Figures>, bool)> {
        if p.ended_by(business_date(now)) && store::stored(self.svc.db(), &p.code()).await? {
            let rows = store::read_posts(self.svc.db(), &p.code(), unit).await?;
            return Ok((
                rows.into_iter()
                    .map(|r| (r.post_id, figures_of(&r.values)))
                    .collect(),
                true,
            ));
        }
        let c = self.compute(p, now).await?;
        Ok((
            c.figures
                .posts
                .into_iter()
                .filter(|((u, _), _)| *u == unit)
                .map(|((_, post), f)| (post, f))
                .collect(),
            false,
        ))
    }

    /// The rankings as a workbook: one sheet per level.
    pub async fn ranking_xlsx(
        &self,
        actor: &Actor,
        q: &PeriodQuery,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let r = self.ranking(actor, q, now).await?;
        let mut header: Vec<String> = ["名次", "单位", "综合得分"].map(str::to_owned).to_vec();
        header.extend(
            r.weights
                .iter()
                .map(|w| format!("{}（权重{}）", w.label, w.weight)),
        );
        header.extend(
            [
                "办理环节",
                "按时办理",
                "办理及时率%",
                "平均工作日",
                "90%分位工作日",
                "办结事项",
                "按期办结",
                "期末在办",
                "期末超期",
                "黄牌",
                "红牌",
                "退回",
                "催办",
                "满意率%",
                "较上期",
                "较上年同期",
            ]
            .map(str::to_owned),
        );
        let opt = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_default();
        let sheets: Vec<Sheet> = r
            .groups
            .iter()
            .map(|g| Sheet {
                name: g.label.clone(),
                header: header.clone(),
                rows: g
                    .rows
                    .iter()
                    .map(|row| {
                        let f = &row.figures;
                        let c = &f.counts;
                        let mut v = vec![
                            row.rank.to_string(),
                            row.name.clone(),
                            format!("{:.2}", row.composite),
                        ];
                        v.extend(row.scores.iter().map(|s| format!("{s:.2}")));
                        v.extend([
                            c.steps_done.to_string(),
                            c.steps_on_time.to_string(),
                            opt(f.step_rate),
                            opt(f.step_days_avg),
                            c.step_days_p90.to_string(),
                            c.cases_closed.to_string(),
                            c.cases_on_time.to_string(),
                            c.open_end.to_string(),
                            c.open_overdue.to_string(),
                            c.yellow.to_string(),
                            c.red.to_string(),
                            c.returned.to_string(),
                            c.urged.to_string(),
                            opt(f.satisfaction),
                            opt(row.change),
                            opt(row.change_year),
                        ]);
                        v
                    })
                    .collect(),
            })
            .collect();
        let bytes = workbook(&sheets).map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(AttachmentFile {
            name: format!("效能排名-{}.xlsx", r.period),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }

    /// One unit's figures for a period, counted again from the facts beside the stored ones,
    /// with the steps behind them. The unit must be in the viewer's monitor.
    pub async fn unit(
        &self,
        actor: &Actor,
        unit: i64,
        q: &PeriodQuery,
        now: DateTime<Utc>,
    ) -> Result<UnitFigures> {
        let p = q.period(now)?;
        if !self.covers(actor, unit).await? {
            return Err(ServiceError::Forbidden("该单位不在您的查看范围内".into()));
        }
        let name = store::tree(self.svc.db(), unit)
            .await?
            .into_iter()
            .find(|u| u.id == unit)
            .map(|u| u.name)
            .ok_or(ServiceError::NotFound("单位"))?;
        // Counted now in any case (the steps behind the figures are listed): a running
        // period's figures are these, not the ones kept for the leader's page.
        let c = self.compute(&p, now).await?;
        let recounted = c.figures.units.get(&unit).cloned().unwrap_or_default();
        let stored_rows = if p.ended_by(business_date(now)) {
            match self.unit_figures(&p, &[unit], now).await? {
                (shown, true) => Some(shown.get(&unit).cloned().unwrap_or_default()),
                (_, false) => None,
            }
        } else {
            None
        };
        let stored = stored_rows.is_some();
        let shown = stored_rows.unwrap_or_else(|| recounted.clone());
        let kinds = if stored {
            store::read_kinds(self.svc.db(), &p.code(), unit)
                .await?
                .into_iter()
                .map(|k| {
                    let avg =
                        (k.done > 0).then(|| rules::round2(k.days_sum as f64 / k.done as f64));
                    (k.step_name, k.done, k.on_time, avg, k.days_p90)
                })
                .collect()
        } else {
            let mut v: Vec<_> = c
                .figures
                .steps
                .iter()
                .filter(|((u, _, _), _)| *u == unit)
                .map(|(_, k)| {
                    let avg =
                        (k.done > 0).then(|| rules::round2(k.days_sum as f64 / k.done as f64));
                    (k.step_name.clone(), k.done, k.on_time, avg, k.days_p90)
                })
                .collect();
            v.sort_by_key(|b| std::cmp::Reverse(b.1));
            v
        };
        let steps = self.counted_steps(actor, &c, unit).await?;
        Ok(UnitFigures {
            unit_id: unit,
            unit: name,
            period: p.code(),
            period_label: p.label(),
            stored,
            differs: shown != recounted,
            figures: FiguresView::of(shown),
            recounted: FiguresView::of(recounted),
            kinds,
            steps_total: steps.1,
            steps: steps.0,
            rules: rules_in_words(),
        })
    }

    async fn counted_steps(
        &self,
        actor: &Actor,
        c: &super::figures::Computed,
        unit: i64,
    ) -> Result<(Vec<CountedStep>, usize)> {
        let cal = self.svc.flow_calendar().await?;
        let mut counted: Vec<_> = c
            .facts
            .steps_of(&cal, c.window, unit)
            .into_iter()
            .filter(|(_, k)| k.done || k.open_end)
            .collect();
        let total = counted.len();
        counted.truncate(COUNTED_LIMIT);
        let mut cases: Vec<i64> = counted.iter().map(|(s, _)| s.case_id).collect();
        cases.sort_unstable();
        cases.dedup();
        let titles: HashMap<i64, (String, String, String)> =
            store::case_titles(self.svc.db(), &cases)
                .await?
                .into_iter()
                .map(|(id, t, k, cl)| (id, (t, k, cl)))
                .collect();
        let mut posts: Vec<i64> = counted.iter().map(|(s, _)| s.post_id).collect();
        posts.sort_unstable();
        posts.dedup();
        let names: HashMap<i64, String> = store::post_names(self.svc.db(), &posts)
            .await?
            .into_iter()
            .map(|(id, n, u)| (id, format!("{n} · {u}")))
            .collect();
        let mut out = Vec::with_capacity(counted.len());
        for (s, k) in counted {
            let (title, kind, class) = titles.get(&s.case_id).cloned().unwrap_or_default();
            let withheld = !actor.may_see(crate::clearance::level(&class)?);
            out.push(CountedStep {
                case_id: s.case_id,
                title: if withheld {
                    crate::clearance::WITHHELD.to_owned()
                } else {
                    title
                },
                withheld,
                item_kind: crate::areas::label_of_code(&kind),
                step: s.step_name.clone(),
                holder: names.get(&s.post_id).cloned().unwrap_or_default(),
                status: match (k.done, k.on_time, k.overdue_end) {
                    (true, true, _) => "按时办理",
                    (true, false, _) => "超时办理",
                    (false, _, true) => "期末在办（已超期）",
                    (false, _, false) => "期末在办",
                }
                .to_owned(),
                days: k.days,
                late: (k.done && !k.on_time) || k.overdue_end,
            });
        }
        Ok((out, total))
    }
}

/// The rules of counting, in words (the module documentation of `xn_domain::efficiency`).
pub fn rules_in_words() -> Vec<String> {
    [
        "环节：流程中由岗位办理的待办（待阅不计；发起人发起时的提交不计）。到达办理人时计「收到」，办理人办结或退回时计「办理」；被转办、委派、减签或因他人已办、撤回而取消的，不计为该办理人的办理或在办。",
        "按时：在办理时限（含挂起顺延、批准延期）之前办理；无时限的视为按时。用时：自到达之日（不含当日）至办理之日的工作日数，扣除其间事项挂起的工作日。",
        "期末在办：期末时已到达、尚未办理且事项未挂起的环节；其已等待的工作日按同样方法计算，超过时限的计「期末超期」。",
        "事项：按所属单位计；期内发起计「收到」，期内结束计「办结」；在自身办结期限之日或之前结束的计「按期办结」。环节超时而事项按期办结的，计超时环节，不计超期事项。",
        "黄牌、红牌、催办计入收到的岗位，退回计入退回的岗位，退单计入退单的岗位；服务事项的评价与重办按办结之日计入主办单位；效能投诉按认定之日计入认定成立（含部分成立）的责任单位和责任岗位；效能预警按发出之时计入责任单位和责任岗位。",
        "已结束的期间，其数据在期末计算并保存，此后规则、权重或机构调整不改变历史；本页同时按现有事实重新计算，两者不一致时标出。",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn row(
    id: i64,
    name: String,
    is_unit: bool,
    weights: &[(Factor, i64)],
    now: &HashMap<i64, Figures>,
    prev: &HashMap<i64, Figures>,
    year: &HashMap<i64, Figures>,
) -> RankRow {
    let f = now.get(&id).cloned().unwrap_or_default();
    let composite = rules::composite(weights, &f);
    // A change is known when the earlier period counted anything for the unit.
    let change = |m: &HashMap<i64, Figures>| {
        m.get(&id)
            .filter(|g| !g.is_empty())
            .map(|g| rules::round2(composite - rules::composite(weights, g)))
    };
    RankRow {
        id,
        name,
        is_unit,
        rank: 0,
        composite,
        scores: weights.iter().map(|(k, _)| k.score(&f)).collect(),
        change: change(prev),
        change_year: change(year),
        figures: FiguresView::of(f),
    }
}

/// Best first; equal composites share a rank (1, 2, 2, 4).
fn ranked(mut rows: Vec<RankRow>) -> Vec<RankRow> {
    rows.sort_by(|a, b| b.composite.total_cmp(&a.composite).then(a.id.cmp(&b.id)));
    let mut last: Option<(f64, usize)> = None;
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = match last {
            Some((c, rank)) if c == r.composite => rank,
            _ => i + 1,
        };
        last = Some((r.composite, r.rank));
    }
    rows
}
