//! The evaluation's sources: each [`Factor`] is one arm here, reading its facts for every post
//! of a month in one statement (`xn_store::management::facts`) and turning each post's facts
//! into a score of 0–100, a line of figures and the items behind them (the drill-down). A
//! later area (service satisfaction, information points, research, study hours) adds one
//! variant to `Factor` and one arm to [`compute`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::management::{self as rules, Factor};
use xn_domain::org::Clearance;
use xn_store::management::{self as store, StaffRow};

use super::evaluations::SourceItem;
use crate::clearance::WITHHELD;
use crate::meetings::clearance_of;
use crate::{Result, Services, ms};

/// What a factor found for one post.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    /// Score, 0–100.
    pub score: f64,
    /// The figures, in words (到期 5 件，按期 4 件).
    pub figures: String,
    /// The items behind them.
    pub items: Vec<SourceItem>,
}

/// A month to compute: its bounds and the instant it is read at.
pub(crate) struct MonthSpan {
    pub month: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub from: i64,
    pub to: i64,
    pub asof: i64,
    pub today: NaiveDate,
}

impl MonthSpan {
    pub(crate) fn new(month: &str, now: DateTime<Utc>) -> Result<MonthSpan> {
        let (first, last) = rules::month_bounds(month).map_err(super::into_invalid)?;
        let today = xn_domain::calendar::business_date(now);
        Ok(MonthSpan {
            month: rules::month_of(first),
            first,
            last,
            from: ms(start_of(first)),
            to: ms(end_of(last)),
            asof: ms(now).min(ms(end_of(last))),
            today,
        })
    }
}

fn item(
    title: &str,
    classification: &str,
    reader: Clearance,
    href: String,
    note: String,
) -> SourceItem {
    let withheld = !reader.may_see(clearance_of(classification));
    SourceItem {
        title: if withheld {
            WITHHELD.to_owned()
        } else {
            title.to_owned()
        },
        href: if withheld { None } else { Some(href) },
        note,
        withheld,
    }
}

fn beijing(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(crate::from_ms(at))
        .format("%m-%d %H:%M")
        .to_string()
}

/// How much a computation finds: the items behind each figure (one person's page, the frozen
/// record at locking) or the counts alone (a month's table of everyone, where no item is
/// shown: the database counts the same rows instead of sending each with its title and 密级).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Scores, figures and the items behind them.
    Items,
    /// Scores and figures; no items.
    Counts,
}

/// Every factor's findings for every post of `staff`: factor → post → found. Posts with no
/// facts for a factor get its score for "nothing owed" (100). Both details give the same
/// scores and figures (test `management::the_month_table_counts_what_each_page_lists`).
pub(crate) async fn compute(
    svc: &Services,
    staff: &[StaffRow],
    span: &MonthSpan,
    reader: Clearance,
    weekdays: &BTreeMap<i64, u32>,
    detail: Detail,
) -> Result<BTreeMap<Factor, HashMap<i64, Found>>> {
    let posts: Vec<i64> = staff.iter().map(|s| s.post_id).collect();
    let mut out = BTreeMap::new();
    for f in Factor::ALL {
        let found = match (f, detail) {
            (Factor::OnTime, Detail::Items) => on_time(svc, &posts, span, reader).await?,
            (Factor::OnTime, Detail::Counts) => {
                let rows = store::tasks_due_counts(svc.db(), &posts, span.from, span.to, span.asof)
                    .await?;
                counted(rows, |due, ok| on_time_found(due, ok, Vec::new()))
            }
            (Factor::Cards, Detail::Items) => cards(svc, &posts, span, reader).await?,
            (Factor::Cards, Detail::Counts) => {
                let rows = store::cards_counts(svc.db(), &posts, span.from, span.to).await?;
                counted(rows, |n, red| cards_found(n - red, red, Vec::new()))
            }
            (Factor::Supervision, _) => supervision(svc, staff, span).await?,
            (Factor::Meetings, Detail::Items) => meetings(svc, &posts, span, reader).await?,
            (Factor::Meetings, Detail::Counts) => {
                let rows =
                    store::meeting_replies_counts(svc.db(), &posts, span.from, span.asof).await?;
                counted(rows, |n, ok| meetings_found(n, ok, Vec::new()))
            }
            (Factor::WeeklyReports, _) => weekly(svc, staff, span, weekdays).await?,
            (Factor::StudyHours, _) => study_hours(svc, &posts, span, reader, detail).await?,
            (Factor::Satisfaction, _) => {
                crate::satisfaction::factor_findings(svc, &posts, &span.month)
                    .await?
                    .into_iter()
                    .map(|(post, (score, figures))| {
                        (
                            post,
                            Found {
                                score,
                                figures,
                                items: Vec::new(),
                            },
                        )
                    })
                    .collect()
            }
        };
        out.insert(f, found);
    }
    Ok(out)
}

fn counted(rows: Vec<store::FactCount>, found: impl Fn(i64, i64) -> Found) -> HashMap<i64, Found> {
    rows.into_iter()
        .map(|r| (r.post_id, found(r.n, r.ok)))
        .collect()
}

fn on_time_found(due: i64, ok: i64, items: Vec<SourceItem>) -> Found {
    Found {
        score: rules::rate(ok, due),
        figures: format!("本月到期待办 {due} 件，按期办结 {ok} 件"),
        items,
    }
}

fn cards_found(yellow: i64, red: i64, items: Vec<SourceItem>) -> Found {
    Found {
        score: rules::cards_score(yellow, red),
        figures: format!("黄牌 {yellow} 张，红牌 {red} 张"),
        items,
    }
}

fn meetings_found(n: i64, ok: i64, items: Vec<SourceItem>) -> Found {
    Found {
        score: rules::rate(ok, n),
        figures: format!("应回执会议 {n} 次，参加（含委托、准假）{ok} 次"),
        items,
    }
}

async fn on_time(
    svc: &Services,
    posts: &[i64],
    span: &MonthSpan,
    reader: Clearance,
) -> Result<HashMap<i64, Found>> {
    let rows = store::tasks_due(svc.db(), posts, span.from, span.to, span.asof).await?;
    let mut tally: HashMap<i64, (i64, i64, Vec<SourceItem>)> = HashMap::new();
    for r in rows {
        let Some(due) = r.due_at else { continue };
        let e = tally.entry(r.post_id).or_default();
        e.0 += 1;
        let on_time = r.acted_at.is_some_and(|a| a <= due);
        if on_time {
            e.1 += 1;
        }
        let note = match r.acted_at {
            Some(a) if a <= due => format!("{} · 按期办结（时限 {}）", r.step_name, beijing(due)),
            Some(a) => format!(
                "{} · 逾期办结 {}（时限 {}）",
                r.step_name,
                beijing(a),
                beijing(due)
            ),
            None => format!("{} · 超期未办（时限 {}）", r.step_name, beijing(due)),
        };
        e.2.push(item(
            &r.title,
            &r.classification,
            reader,
            format!("/cases/{}", r.case_id),
            note,
        ));
    }
    Ok(tally
        .into_iter()
        .map(|(post, (due, ok, items))| (post, on_time_found(due, ok, items)))
        .collect())
}

async fn cards(
    svc: &Services,
    posts: &[i64],
    span: &MonthSpan,
    reader: Clearance,
) -> Result<HashMap<i64, Found>> {
    let rows = store::cards(svc.db(), posts, span.from, span.to).await?;
    let mut tally: HashMap<i64, (i64, i64, Vec<SourceItem>)> = HashMap::new();
    for r in rows {
        let e = tally.entry(r.post_id).or_default();
        let label = if r.color == "red" {
            e.1 += 1;
            "红牌"
        } else {
            e.0 += 1;
            "黄牌"
        };
        e.2.push(item(
            &r.title,
            &r.classification,
            reader,
            format!("/cases/{}", r.case_id),
            format!("{label} · {}", beijing(r.issued_at)),
        ));
    }
    Ok(tally
        .into_iter()
        .map(|(post, (y, r, items))| (post, cards_found(y, r, items)))
        .collect())
}

async fn supervision(
    svc: &Services,
    staff: &[StaffRow],
    span: &MonthSpan,
) -> Result<HashMap<i64, Found>> {
    let posts: Vec<i64> = staff.iter().map(|s| s.post_id).collect();
    let units: Vec<i64> = staff.iter().map(|s| s.unit_id).collect();
    let rows = store::supervision(svc.db(), &posts, &span.month).await?;
    let computed = store::supervision_computed(svc.db(), &units, &span.month).await?;
    let mut out: HashMap<i64, Found> = HashMap::new();
    if !computed {
        for p in posts {
            out.insert(
                p,
                Found {
                    score: 100.0,
                    figures: "督查科尚未计算本月督查得分（按无事项计）".to_owned(),
                    items: Vec::new(),
                },
            );
        }
        return Ok(out);
    }
    for r in rows {
        out.insert(
            r.post_id,
            Found {
                score: rules::supervision_score(
                    r.closed_on_time,
                    r.closed_late,
                    r.open_overdue,
                    r.reports_missed,
                ),
                figures: format!(
                    "督办事项 {} 件：按期办结 {}，逾期办结 {}，超期未结 {}；应报进展 {} 次，漏报 {} 次",
                    r.items_due,
                    r.closed_on_time,
                    r.closed_late,
                    r.open_overdue,
                    r.reports_due,
                    r.reports_missed
                ),
                items: vec![SourceItem {
                    title: format!("{} 督查得分", span.month),
                    href: Some(format!("/supervision/bulletin?month={}", span.month)),
                    note: "督查科按月计算的得分".to_owned(),
                    withheld: false,
                }],
            },
        );
    }
    Ok(out)
}

async fn meetings(
    svc: &Services,
    posts: &[i64],
    span: &MonthSpan,
    reader: Clearance,
) -> Result<HashMap<i64, Found>> {
    let rows = store::meeting_replies(svc.db(), posts, span.from, span.asof).await?;
    let mut tally: HashMap<i64, (i64, i64, Vec<SourceItem>)> = HashMap::new();
    for r in rows {
        let e = tally.entry(r.post_id).or_default();
        e.0 += 1;
        let (ok, note) = match (r.answer.as_deref(), r.leave_status.as_deref()) {
            (Some("attend"), _) => (true, "参加"),
            (Some("proxy"), _) => (true, "委托参加"),
            (Some("leave"), Some("approved")) => (true, "请假（已准假）"),
            (Some("leave"), Some("refused")) => (false, "请假未准"),
            (Some("leave"), _) => (false, "请假待批"),
            _ => (false, "未回执"),
        };
        if ok {
            e.1 += 1;
        }
        e.2.push(item(
            &r.title,
            &r.classification,
            reader,
            format!("/meetings/{}", r.meeting_id),
            format!("{} · {note}", beijing(r.starts_at)),
        ));
    }
    Ok(tally
        .into_iter()
        .map(|(post, (n, ok, items))| (post, meetings_found(n, ok, items)))
        .collect())
}

async fn weekly(
    svc: &Services,
    staff: &[StaffRow],
    span: &MonthSpan,
    weekdays: &BTreeMap<i64, u32>,
) -> Result<HashMap<i64, Found>> {
    // The weeks owed in the month, per office (each office has its own report day); only
    // those whose day has come.
    let mut weeks_of: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    for s in staff {
        let day = weekdays.get(&s.office_id).copied().unwrap_or(5);
        weeks_of.entry(s.office_id).or_insert_with(|| {
            rules::weeks_due_in(span.first, span.last, day)
                .into_iter()
                .filter(|w| rules::report_due(*w, day) < span.today)
                .collect()
        });
    }
    let mut all: Vec<String> = weeks_of
        .values()
        .flatten()
        .map(NaiveDate::to_string)
        .collect();
    all.sort();
    all.dedup();
    let posts: Vec<i64> = staff.iter().map(|s| s.post_id).collect();
    let rows = store::weeklies(svc.db(), &posts, &all).await?;
    let by_key: HashMap<(i64, String), &store::WeeklyRow> = rows
        .iter()
        .map(|r| ((r.post_id, r.week_start.clone()), r))
        .collect();
    let mut out = HashMap::new();
    for s in staff {
        if !super::evaluated(s) {
            continue;
        }
        let weeks = weeks_of.get(&s.office_id).cloned().unwrap_or_default();
        let (mut on_time, mut late, mut missing, mut urged) = (0, 0, 0, 0);
        let mut items = Vec::new();
        for w in &weeks {
            // A week whose day passed before the post began is not owed (unless filed).
            let day = weekdays.get(&s.office_id).copied().unwrap_or(5);
            let key = (s.post_id, w.to_string());
            let row = by_key.get(&key);
            if row.is_none() && ms(end_of(rules::report_due(*w, day))) <= s.created_at {
                continue;
            }
            let (state, note) = match row {
                Some(r) if r.status == "submitted" && r.late == 0 => {
                    on_time += 1;
                    ("按时报送", String::new())
                }
                Some(r) if r.status == "submitted" => {
                    late += 1;
                    ("迟报", String::new())
                }
                Some(r) => {
                    missing += 1;
                    urged += r.urge_count;
                    ("未报", format!("，催报 {} 次", r.urge_count))
                }
                None => {
                    missing += 1;
                    ("未报", String::new())
                }
            };
            items.push(SourceItem {
                title: format!("{w} 起一周的周报告"),
                href: Some(format!("/management/reports?post={}&week={w}", s.post_id)),
                note: format!("{state}{note}"),
                withheld: false,
            });
        }
        let owed = on_time + late + missing;
        out.insert(
            s.post_id,
            Found {
                score: rules::rate(on_time, owed),
                figures: format!(
                    "应报 {owed} 周：按时 {on_time}，迟报 {late}，未报 {missing}（催报 {urged} 次）"
                ),
                items,
            },
        );
    }
    Ok(out)
}

async fn study_hours(
    svc: &Services,
    posts: &[i64],
    span: &MonthSpan,
    reader: Clearance,
    detail: Detail,
) -> Result<HashMap<i64, Found>> {
    Ok(
        crate::study::factor_findings(svc, posts, &span.month, reader, detail == Detail::Items)
            .await?
            .into_iter()
            .map(|(post, (score, figures, items))| {
                (
                    post,
                    Found {
                        score,
                        figures,
                        items,
                    },
                )
            })
            .collect(),
    )
}

/// The findings for a post with no facts for a factor.
pub(crate) fn nothing(f: Factor) -> Found {
    Found {
        // Study is owed every month: none is 0 minutes, not "nothing owed".
        score: if f == Factor::StudyHours { 0.0 } else { 100.0 },
        figures: match f {
            Factor::OnTime => "本月无到期待办".to_owned(),
            Factor::Cards => "黄牌 0 张，红牌 0 张".to_owned(),
            Factor::Supervision => "本月无督办事项".to_owned(),
            Factor::Meetings => "本月无应回执会议".to_owned(),
            Factor::WeeklyReports => "本月无应报周报告".to_owned(),
            Factor::StudyHours => "本月无学习记录".to_owned(),
            Factor::Satisfaction => "本月无满意度评价".to_owned(),
        },
        items: Vec::new(),
    }
}
