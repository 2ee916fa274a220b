//! 会议效能: an organising office's meeting figures per Beijing month — meetings held, their
//! average actual length against the planned, the attendance rate, 请假 by unit, topics carried
//! over and 议定事项 done on time — with the meetings, topics and decisions behind each figure.
//!
//! The rules of counting are `xn_domain::meetings::figures` (one place, shown on the page in
//! words). An ended month is stored once (`close_months`, run with the efficiency area's
//! closing: at server start, after each Beijing midnight and by `xiaoneng efficiency close`), so
//! its figures do not move when the facts do; the running month is counted from the facts at
//! each reading. Reading a stored month also counts it again and says when the two differ (a
//! deadline extended after the month, an attendance corrected).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::efficiency::Period;
use xn_domain::meetings::figures::{self as rules, HeldFacts, Totals};
use xn_store::meetings::figures::{self as store, MonthFigures};

use super::{Meetings, beijing, beijing_date, clearance_of};
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// An office's figures of a month, with what they were counted from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// 2026年9月.
    pub month_label: String,
    /// The organising office.
    pub office_id: i64,
    /// Its name.
    pub office: String,
    /// The month has not ended: counted from the facts now.
    pub running: bool,
    /// When an ended month's figures were stored (Beijing time), if they are.
    pub stored_at: Option<String>,
    /// The figures: the stored ones for a stored month, else counted now.
    pub figures: FigureSummary,
    /// Counted again from today's facts, when that differs from the stored figures.
    pub recount: Option<FigureSummary>,
    /// The meetings held (behind 召开会议数, 时长, 出席率 and 请假率).
    pub held: Vec<HeldLine>,
    /// The carry-overs (behind 议题结转).
    pub carried: Vec<CarryLine>,
    /// The 议定事项 due in the month (behind 按期办结).
    pub decisions: Vec<DueLine>,
    /// The rules in words.
    pub rules: Vec<String>,
    /// The month before, `YYYY-MM`.
    pub previous: String,
    /// The month after, unless it has not begun.
    pub next: Option<String>,
}

/// The figures of an office's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FigureSummary {
    /// 召开会议数.
    pub meetings_held: i64,
    /// Of those with both marks (进行中, 已结束): the ones timed.
    pub meetings_timed: i64,
    /// Planned minutes of the timed meetings.
    pub planned_minutes: i64,
    /// Actual minutes of the timed meetings.
    pub actual_minutes: i64,
    /// Average planned minutes.
    pub avg_planned_minutes: Option<i64>,
    /// Average actual minutes.
    pub avg_actual_minutes: Option<i64>,
    /// 应到.
    pub expected: i64,
    /// 实到 (on time or late).
    pub signed_in: i64,
    /// 请假.
    pub on_leave: i64,
    /// 出席率, `93.3%` or 「—」.
    pub attendance_rate: String,
    /// 请假率.
    pub leave_rate: String,
    /// 议题结转.
    pub topics_carried: i64,
    /// 议定事项 due in the month.
    pub decisions_due: i64,
    /// Of those closed by their deadline.
    pub decisions_on_time: i64,
    /// 按期办结率.
    pub on_time_rate: String,
    /// 请假 by unit.
    pub leave_by_unit: Vec<UnitLeave>,
}

/// 请假 of one attending unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitLeave {
    /// The unit.
    pub unit_id: i64,
    /// Its short name.
    pub unit: String,
    /// Its posts expected.
    pub expected: i64,
    /// Of those on leave.
    pub on_leave: i64,
    /// 请假率.
    pub rate: String,
}

/// A held meeting and what it adds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldLine {
    /// Its id, unless above the reader's clearance.
    pub meeting_id: Option<i64>,
    /// Title, or 「（涉密会议）」.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Planned time (Beijing).
    pub planned: String,
    /// The actual span (Beijing), or why it is not timed.
    pub actual: String,
    /// Planned minutes.
    pub planned_minutes: i64,
    /// Actual minutes, when timed.
    pub actual_minutes: Option<i64>,
    /// 应到.
    pub expected: i64,
    /// 实到.
    pub signed_in: i64,
    /// 请假.
    pub on_leave: i64,
    /// 出席率.
    pub attendance_rate: String,
}

/// A topic carried over.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarryLine {
    /// The topic, unless above the reader's clearance.
    pub topic_id: Option<i64>,
    /// Its title, or 「（涉密议题）」.
    pub topic: String,
    /// The meeting it was carried from, or empty.
    pub meeting: String,
    /// Why.
    pub reason: String,
    /// When (Beijing).
    pub carried_at: String,
}

/// A 议定事项 due in the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueLine {
    /// Its supervision item, unless above the reader's clearance.
    pub item_id: Option<i64>,
    /// Its meeting, unless above the reader's clearance.
    pub meeting_id: Option<i64>,
    /// The meeting's title.
    pub meeting: String,
    /// The decision's words, or 「（涉密事项）」.
    pub text: String,
    /// 牵头单位.
    pub lead_unit: String,
    /// The deadline as it stands.
    pub deadline: String,
    /// The day it was closed, or empty.
    pub closed_on: String,
    /// Closed by the deadline.
    pub on_time: bool,
    /// 按期办结 / 逾期办结 / 逾期未办结 / 办理中.
    pub status_label: String,
}

/// 请假 of one attending unit: (unit, short name, expected, on leave).
type LeaveCounts = (i64, String, i64, i64);

/// One month's facts for every office, read once.
struct MonthFacts {
    held: Vec<store::HeldRow>,
    leave: Vec<store::LeaveRow>,
    carries: Vec<store::CarryRow>,
    due: Vec<store::DueRow>,
}

impl MonthFacts {
    /// The offices with anything to count.
    fn offices(&self) -> BTreeSet<i64> {
        self.held
            .iter()
            .map(|h| h.office_id)
            .chain(self.carries.iter().map(|c| c.office_id))
            .chain(self.due.iter().map(|d| d.office_id))
            .collect()
    }

    /// An office's counts and 请假 by unit (unit, name, expected, on leave).
    fn totals(&self, office: i64) -> Result<(Totals, Vec<LeaveCounts>)> {
        let mut t = Totals::default();
        for h in self.held.iter().filter(|h| h.office_id == office) {
            t.add_held(&facts_of(h));
        }
        t.topics_carried = self
            .carries
            .iter()
            .filter(|c| c.office_id == office)
            .count()
            .try_into()
            .unwrap_or(i64::MAX);
        for d in self.due.iter().filter(|d| d.office_id == office) {
            let (deadline, closed_on) = due_dates(d)?;
            t.add_decision(deadline, closed_on);
        }
        let leave = self
            .leave
            .iter()
            .filter(|l| l.office_id == office)
            .map(|l| (l.unit_id, l.unit_name.clone(), l.expected, l.on_leave))
            .collect();
        Ok((t, leave))
    }
}

fn facts_of(h: &store::HeldRow) -> HeldFacts {
    HeldFacts {
        starts_at: h.starts_at,
        ends_at: h.ends_at,
        began_at: h.began_at,
        ended_at: h.ended_at,
        expected: h.expected,
        signed_in: h.signed_in,
        on_leave: h.on_leave,
    }
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("bad stored date {s}")))
}

/// A due decision's deadline and closing day; an unreadable stored date is an internal error.
fn due_dates(d: &store::DueRow) -> Result<(NaiveDate, Option<NaiveDate>)> {
    let deadline = parse_date(&d.deadline)?;
    let closed_on = match d.closed_on.as_deref() {
        Some(c) if !c.is_empty() => Some(parse_date(c)?),
        _ => None,
    };
    Ok((deadline, closed_on))
}

fn summary(t: &Totals, leave: &[LeaveCounts]) -> FigureSummary {
    FigureSummary {
        meetings_held: t.meetings_held,
        meetings_timed: t.meetings_timed,
        planned_minutes: t.planned_minutes,
        actual_minutes: t.actual_minutes,
        avg_planned_minutes: t.avg_planned(),
        avg_actual_minutes: t.avg_actual(),
        expected: t.expected,
        signed_in: t.signed_in,
        on_leave: t.on_leave,
        attendance_rate: rules::percent(t.signed_in, t.expected),
        leave_rate: rules::percent(t.on_leave, t.expected),
        topics_carried: t.topics_carried,
        decisions_due: t.decisions_due,
        decisions_on_time: t.decisions_on_time,
        on_time_rate: rules::percent(t.decisions_on_time, t.decisions_due),
        leave_by_unit: leave
            .iter()
            .map(|(unit_id, unit, expected, on_leave)| UnitLeave {
                unit_id: *unit_id,
                unit: unit.clone(),
                expected: *expected,
                on_leave: *on_leave,
                rate: rules::percent(*on_leave, *expected),
            })
            .collect(),
    }
}

fn hm(ms_at: i64) -> String {
    beijing(from_ms(ms_at)).format("%H:%M").to_string()
}

fn when(ms_at: i64) -> String {
    beijing(from_ms(ms_at)).format("%Y-%m-%d %H:%M").to_string()
}

/// Parses `YYYY-MM` into a month.
pub fn parse_month(s: &str) -> Result<Period> {
    match Period::parse(s) {
        Ok(p @ Period::Month(..)) => Ok(p),
        _ => Err(ServiceError::invalid(
            "month",
            format!("月份「{}」无效：应为 YYYY-MM，如 2026-09", s.trim()),
        )),
    }
}

impl Meetings<'_> {
    async fn month_facts(&self, p: &Period) -> Result<MonthFacts> {
        let db = self.svc.db();
        let (from, to) = p.bounds_ms();
        let first = p.first_day().format("%Y-%m-%d").to_string();
        let last = p.last_day().format("%Y-%m-%d").to_string();
        Ok(MonthFacts {
            held: store::held(db, from, to).await?,
            leave: store::leave_by_unit(db, from, to).await?,
            carries: store::carries(db, from, to).await?,
            due: store::decisions_due(db, &first, &last).await?,
        })
    }

    /// The figures of the actor's office for a month (the running one when `month` is none),
    /// for the office's staff.
    pub async fn figures(
        &self,
        actor: &Actor,
        month: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<MeetingFigures> {
        let cap = self.as_office(actor).await.map_err(|_| {
            ServiceError::Forbidden("只有办公厅（室）的工作人员可以查看会议效能".into())
        })?;
        let today = beijing_date(now);
        let p = match month.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => parse_month(m)?,
            None => Period::month_of(today),
        };
        if p.first_day() > today {
            return Err(ServiceError::invalid(
                "month",
                "该月尚未开始，没有会议效能数据",
            ));
        }
        let office = cap.office();
        let facts = self.month_facts(&p).await?;
        let (live, live_leave) = facts.totals(office)?;
        let live = summary(&live, &live_leave);
        let running = !p.ended_by(today);
        let db = self.svc.db();
        let stored = if running {
            None
        } else {
            match store::stored_month(db, &p.code()).await? {
                Some((_, at)) => {
                    let counts = store::stored_figures(db, &p.code(), office).await?;
                    let t = counts.map(Totals::from_array).unwrap_or_default();
                    let leave = store::stored_leave(db, &p.code(), office).await?;
                    Some((summary(&t, &leave), at))
                }
                None => None,
            }
        };
        let (figures, recount, stored_at) = match stored {
            Some((s, at)) => {
                let recount = (s != live).then_some(live);
                (s, recount, Some(when(at)))
            }
            None => (live, None, None),
        };
        let sees = |code: &str| cap.clearance.may_see(clearance_of(code));
        let held = facts
            .held
            .iter()
            .filter(|h| h.office_id == office)
            .map(|h| {
                let f = facts_of(h);
                let visible = sees(&h.classification);
                let actual = match (h.began_at, h.ended_at, f.actual_minutes()) {
                    (Some(b), Some(e), Some(_)) => format!("{}—{}", hm(b.max(h.starts_at)), hm(e)),
                    _ => "未标记开始或结束，不计时长".to_owned(),
                };
                HeldLine {
                    meeting_id: visible.then_some(h.id),
                    title: if visible {
                        h.title.clone()
                    } else {
                        "（涉密会议）".into()
                    },
                    kind: h.kind_name.clone(),
                    planned: super::span_text(h.starts_at, h.ends_at),
                    actual,
                    planned_minutes: f.planned_minutes(),
                    actual_minutes: f.actual_minutes(),
                    expected: h.expected,
                    signed_in: h.signed_in,
                    on_leave: h.on_leave,
                    attendance_rate: rules::percent(h.signed_in, h.expected),
                }
            })
            .collect();
        let carried = facts
            .carries
            .iter()
            .filter(|c| c.office_id == office)
            .map(|c| {
                let visible = sees(&c.classification);
                CarryLine {
                    topic_id: visible.then_some(c.topic_id),
                    topic: if visible {
                        c.topic_title.clone()
                    } else {
                        "（涉密议题）".into()
                    },
                    meeting: if visible {
                        c.meeting_title.clone()
                    } else {
                        String::new()
                    },
                    reason: if visible {
                        c.reason.clone()
                    } else {
                        String::new()
                    },
                    carried_at: when(c.carried_at),
                }
            })
            .collect();
        let mut decisions = Vec::new();
        for d in facts.due.iter().filter(|d| d.office_id == office) {
            let (deadline, closed_on) = due_dates(d)?;
            let on_time = rules::on_time(deadline, closed_on);
            let status_label = match closed_on {
                Some(_) if on_time => "按期办结",
                Some(_) => "逾期办结",
                None if deadline < today => "逾期未办结",
                None => "办理中",
            };
            let visible = sees(&d.classification);
            decisions.push(DueLine {
                item_id: visible.then_some(d.item_id),
                meeting_id: visible.then_some(d.meeting_id),
                meeting: if visible {
                    d.meeting_title.clone()
                } else {
                    "（涉密会议）".into()
                },
                text: if visible {
                    d.text.clone()
                } else {
                    "（涉密事项）".into()
                },
                lead_unit: d.lead_unit.clone(),
                deadline: d.deadline.clone(),
                closed_on: d.closed_on.clone().unwrap_or_default(),
                on_time,
                status_label: status_label.into(),
            });
        }
        let next = match p {
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
            other => other,
        };
        Ok(MeetingFigures {
            month: p.code(),
            month_label: p.label(),
            office_id: office,
            office: xn_store::org::find_unit(db, office).await?.name,
            running,
            stored_at,
            figures,
            recount,
            held,
            carried,
            decisions,
            rules: rules::RULES_TEXT.iter().map(|s| (*s).to_owned()).collect(),
            previous: p.previous().code(),
            next: (next.first_day() <= today).then(|| next.code()),
        })
    }

    /// Stores every ended month not stored yet, from the month of the first meeting or
    /// carry-over; answers how many were stored. Idempotent: a second run stores nothing, and
    /// several servers closing the same month write the same rows.
    pub async fn close_figure_months(&self, now: DateTime<Utc>) -> Result<usize> {
        let db = self.svc.db();
        let Some(first) = store::first_fact(db).await? else {
            return Ok(0);
        };
        let today = beijing_date(now);
        let stored: BTreeSet<String> = store::months_stored(db).await?.into_iter().collect();
        let mut p = Period::month_of(beijing_date(from_ms(first)));
        let mut n = 0;
        while p.ended_by(today) {
            if !stored.contains(&p.code()) {
                self.store_month(&p, now).await?;
                n += 1;
            }
            p = Period::month_of(p.last_day() + Duration::days(1));
        }
        Ok(n)
    }

    async fn store_month(&self, p: &Period, now: DateTime<Utc>) -> Result<()> {
        let facts = self.month_facts(p).await?;
        let mut figures = MonthFigures::default();
        for office in facts.offices() {
            let (t, leave) = facts.totals(office)?;
            figures.offices.push((office, t.to_array()));
            for (unit, _, expected, on_leave) in leave {
                figures.leave.push((office, unit, expected, on_leave));
            }
        }
        let mut tx = self.svc.db().begin().await?;
        store::store_month(&mut tx, &p.code(), &figures, rules::RULES, ms(now)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xn_domain::org::Clearance;

    #[test]
    fn a_month_is_read_as_yyyy_mm_and_nothing_else() {
        assert!(parse_month("2026-09").is_ok());
        assert!(parse_month("2026-W40").is_err());
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("九月").is_err());
    }

    #[test]
    fn a_clearance_above_the_reader_is_known() {
        assert!(!Clearance::Public.may_see(clearance_of("secret")));
    }
}
