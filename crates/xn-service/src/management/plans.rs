//! 日安排: a post's day. What is due that day and in the rest of its week is pulled from the
//! other areas as it stands at each reading — open tasks with a deadline (the flow engine),
//! meetings the post chairs or attends, meeting replies it owes, its weekly report owed, its
//! targets' quarterly milestones and the rules it is asked to acknowledge — beside its own
//! entries (a text, an optional time) in its own order. Any line may be marked done for the
//! plan: a pulled line's mark is the plan's only, the task or the reply stays as it is. A
//! section's chief (and an office's 主任, 副主任) sees the day of everyone they oversee.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::management as rules;
use xn_domain::org::Clearance;
use xn_store::management::{self as store, StaffRow};
use xn_store::meetings::notices as nstore;

use super::{Management, ManagementScope, Viewer, into_invalid};
use crate::clearance::WITHHELD;
use crate::meetings::clearance_of;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// One line of a day plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanLine {
    /// The line's key: `entry:{id}` for an own entry, else what it was pulled from
    /// (`task:{id}`, `meeting:{id}`, `reply:{id}`, `weekly:{monday}`, `milestone:{target}:{q}`,
    /// `rule:{rule}:{version}`).
    pub source: String,
    /// `own`, `task`, `meeting`, `reply`, `weekly`, `milestone`, `rule`.
    pub kind: String,
    /// The kind in Chinese (自列, 待办, 会议, 回执, 周报告, 目标节点, 制度阅知).
    pub kind_label: String,
    /// What to do.
    pub title: String,
    /// A time (`09:30`) or a deadline (`12月3日 17:00`), if any.
    pub time: String,
    /// A note (the step, the chair …).
    pub note: String,
    /// Where it is done.
    pub href: Option<String>,
    /// The day it is due, `YYYY-MM-DD`, if it has one.
    pub due: Option<String>,
    /// Past its deadline and not done.
    pub overdue: bool,
    /// Marked done for the plan (an own entry: done).
    pub done: bool,
    /// The title is above the reader's clearance.
    pub withheld: bool,
    /// An own entry's id.
    pub entry_id: Option<i64>,
}

/// A post's day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayPlan {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post's label.
    pub post_label: String,
    /// Its unit.
    pub unit: String,
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// Its weekday (周一 …).
    pub weekday: String,
    /// Due that day or overdue, meetings of the day, rules to read: pulled.
    pub today: Vec<PlanLine>,
    /// The post's own entries, in its order.
    pub own: Vec<PlanLine>,
    /// Due later in the week (to Sunday): pulled.
    pub week: Vec<PlanLine>,
    /// Lines of the day done (pulled and own).
    pub done_count: i64,
    /// Lines of the day (pulled and own).
    pub line_count: i64,
    /// Lines overdue.
    pub overdue_count: i64,
    /// The viewer may change it (their own).
    pub may_edit: bool,
}

/// The day of the people a chief oversees.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SectionDay {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// Each person's day (their week's lines left out), in unit and rank order.
    pub people: Vec<DayPlan>,
}

/// An own entry to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EntryInput {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// What to do (1–200 characters).
    pub text: String,
    /// An optional time, `HH:MM`.
    #[serde(default)]
    pub time: String,
}

/// Moving an own entry one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// One place earlier.
    Up,
    /// One place later.
    Down,
}

/// Marking a pulled line done for a day's plan, or not.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MarkInput {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The line's `source` as the plan shows it.
    pub source: String,
    /// Done (true) or not.
    pub done: bool,
}

fn when(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(from_ms(at))
        .format("%m月%d日 %H:%M")
        .to_string()
}

fn clock(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(from_ms(at))
        .format("%H:%M")
        .to_string()
}

/// A deadline as read: one at 24:00 (the flow engine's end of a working day) is shown as that
/// day's 24:00, not the next day's 00:00.
fn deadline_text(at: i64) -> String {
    let local = xn_domain::calendar::hours::to_shanghai_local(from_ms(at));
    if local.time() == chrono::NaiveTime::MIN {
        format!(
            "{} 24:00",
            (local.date() - Duration::days(1)).format("%m月%d日")
        )
    } else {
        local.format("%m月%d日 %H:%M").to_string()
    }
}

/// The day a deadline falls on (a deadline at 24:00 is its day's).
fn deadline_day(at: i64) -> NaiveDate {
    day_of(at - 1)
}

fn day_of(at: i64) -> NaiveDate {
    xn_domain::calendar::business_date(from_ms(at))
}

/// The weekday's Chinese name.
fn weekday_name(d: NaiveDate) -> &'static str {
    rules::weekday_label(d.weekday().number_from_monday())
}

struct Pulled<'a> {
    kind: &'static str,
    label: &'static str,
    source: String,
    title: &'a str,
    classification: &'a str,
    href: String,
}

fn pulled(
    p: Pulled<'_>,
    reader: Clearance,
    time: String,
    note: String,
    due: Option<NaiveDate>,
    overdue: bool,
) -> PlanLine {
    let withheld = !reader.may_see(clearance_of(p.classification));
    PlanLine {
        source: p.source,
        kind: p.kind.to_owned(),
        kind_label: p.label.to_owned(),
        title: if withheld {
            WITHHELD.to_owned()
        } else {
            p.title.to_owned()
        },
        time,
        note,
        href: (!withheld).then_some(p.href),
        due: due.map(|d| d.to_string()),
        overdue,
        done: false,
        withheld,
        entry_id: None,
    }
}

impl Management<'_> {
    /// The staff row of the viewer's own post, when it belongs to an office.
    async fn own_staff(&self, v: &Viewer) -> Result<Option<StaffRow>> {
        let Some(office) = v.scope.office() else {
            return Ok(None);
        };
        Ok(store::staff_of_offices(self.svc.db(), &[office])
            .await?
            .into_iter()
            .find(|s| s.post_id == v.post))
    }

    /// The day of one post, its lines read with `reader`'s clearance.
    async fn plan_of(
        &self,
        post: i64,
        staff: Option<&StaffRow>,
        date: NaiveDate,
        reader: Clearance,
        now: DateTime<Utc>,
    ) -> Result<(Vec<PlanLine>, Vec<PlanLine>, Vec<PlanLine>)> {
        let db = self.svc.db();
        let day_end = ms(end_of(date));
        let monday = rules::week_start(date);
        let sunday = monday + Duration::days(6);
        let week_end = ms(end_of(sunday));
        let now_ms = ms(now);
        let mut today = Vec::new();
        let mut week = Vec::new();

        // Open tasks with a deadline: due by the day's end (or overdue) today, else this week.
        for t in store::open_tasks_due(db, post, week_end).await? {
            let due = deadline_day(t.due_at);
            let line = pulled(
                Pulled {
                    kind: "task",
                    label: "待办",
                    source: format!("task:{}", t.task_id),
                    title: &t.title,
                    classification: &t.classification,
                    href: format!("/cases/{}", t.case_id),
                },
                reader,
                deadline_text(t.due_at),
                t.step_name.clone(),
                Some(due),
                t.due_at < now_ms,
            );
            if t.due_at <= day_end {
                today.push(line);
            } else {
                week.push(line);
            }
        }
        // Replies owed to meeting notices: the day the reply is due by, or before, today.
        for r in nstore::awaiting(db, &[post], &[], now_ms).await? {
            let due = deadline_day(r.reply_by);
            let line = pulled(
                Pulled {
                    kind: "reply",
                    label: "回执",
                    source: format!("reply:{}", r.reply_id),
                    title: &r.title,
                    classification: &r.classification,
                    href: format!("/meetings/{}#reply-{}", r.meeting_id, r.reply_id),
                },
                reader,
                deadline_text(r.reply_by),
                format!(
                    "会议 {}",
                    crate::meetings::span_text(r.starts_at, r.ends_at)
                ),
                Some(due),
                r.reply_by < now_ms,
            );
            if due <= date {
                today.push(line);
            } else {
                week.push(line);
            }
        }
        // Meetings chaired or attended: that day's, then the rest of the week's.
        for m in store::meetings_of(db, post, ms(start_of(date)), week_end).await? {
            let line = pulled(
                Pulled {
                    kind: "meeting",
                    label: "会议",
                    source: format!("meeting:{}", m.meeting_id),
                    title: &m.title,
                    classification: &m.classification,
                    href: format!("/meetings/{}", m.meeting_id),
                },
                reader,
                if m.starts_at < day_end {
                    clock(m.starts_at)
                } else {
                    when(m.starts_at)
                },
                if m.chairs == 1 {
                    "主持".to_owned()
                } else {
                    "参会".to_owned()
                },
                Some(day_of(m.starts_at)),
                false,
            );
            if m.starts_at < day_end {
                today.push(line);
            } else {
                week.push(line);
            }
        }
        // The weekly report: last week's if still not submitted, and this week's.
        if let Some(s) = staff.filter(|s| super::evaluated(s)) {
            let (weekday, _) = self.office_settings(s.office_id).await?;
            let this_day = xn_domain::calendar::business_date(now);
            for m in [monday - Duration::days(7), monday] {
                if m > this_day {
                    continue;
                }
                let due = rules::report_due(m, weekday);
                let row = store::find_weekly(db, post, &m.to_string()).await?;
                if row.as_ref().is_some_and(|r| r.status == "submitted") {
                    continue;
                }
                if m < monday && due >= date {
                    continue;
                }
                let line = pulled(
                    Pulled {
                        kind: "weekly",
                        label: "周报告",
                        source: format!("weekly:{m}"),
                        title: &format!("报送 {} 起一周的周报告", m.format("%m月%d日")),
                        classification: "public",
                        href: format!("/management/reports?week={m}"),
                    },
                    reader,
                    format!("{} 前", due.format("%m月%d日")),
                    String::new(),
                    Some(due),
                    due < this_day,
                );
                if due <= date {
                    today.push(line);
                } else {
                    week.push(line);
                }
            }
        }
        // Targets' milestones whose quarter ends this week.
        let year = date.year();
        for t in store::owned_targets(db, post, i64::from(year)).await? {
            for (q, due, text) in rules::milestones_due(&t.milestones, year, date, sunday) {
                let line = pulled(
                    Pulled {
                        kind: "milestone",
                        label: "目标节点",
                        source: format!("milestone:{}:{q}", t.id),
                        title: &format!(
                            "{}：第{}季度 {text}",
                            t.title,
                            ["一", "二", "三", "四"][(q as usize).saturating_sub(1).min(3)]
                        ),
                        classification: "public",
                        href: format!("/management/targets/{}", t.id),
                    },
                    reader,
                    format!("{} 前", due.format("%m月%d日")),
                    String::new(),
                    Some(due),
                    false,
                );
                if due == date {
                    today.push(line);
                } else {
                    week.push(line);
                }
            }
        }
        // Rules to read.
        for (_, a) in store::pending_acks(db, &[post]).await? {
            today.push(pulled(
                Pulled {
                    kind: "rule",
                    label: "制度阅知",
                    source: format!("rule:{}:{}", a.rule_id, a.version),
                    title: &format!("阅知《{}》（第 {} 版）", a.title, a.version),
                    classification: "public",
                    href: format!("/rules/{}", a.rule_id),
                },
                reader,
                String::new(),
                format!("{} 起施行", a.effective_on),
                None,
                false,
            ));
        }

        let marks = store::marks(db, post, &date.to_string()).await?;
        for l in today.iter_mut().chain(week.iter_mut()) {
            l.done = marks.contains(&l.source);
        }
        let own = store::entries(db, post, &date.to_string())
            .await?
            .into_iter()
            .map(|e| PlanLine {
                source: format!("entry:{}", e.id),
                kind: "own".to_owned(),
                kind_label: "自列".to_owned(),
                title: e.body,
                time: e.at_time,
                note: String::new(),
                href: None,
                due: Some(e.day),
                overdue: false,
                done: e.done_at.is_some(),
                withheld: false,
                entry_id: Some(e.id),
            })
            .collect();
        Ok((today, own, week))
    }

    fn assemble(
        s_post: i64,
        names: (String, String, String),
        date: NaiveDate,
        lines: (Vec<PlanLine>, Vec<PlanLine>, Vec<PlanLine>),
        may_edit: bool,
    ) -> DayPlan {
        let (today, own, week) = lines;
        let day: Vec<&PlanLine> = today.iter().chain(own.iter()).collect();
        DayPlan {
            post_id: s_post,
            person: names.0,
            post_label: names.1,
            unit: names.2,
            date: date.to_string(),
            weekday: weekday_name(date).to_owned(),
            done_count: i64::try_from(day.iter().filter(|l| l.done).count()).unwrap_or(i64::MAX),
            line_count: i64::try_from(day.len()).unwrap_or(i64::MAX),
            overdue_count: i64::try_from(day.iter().filter(|l| l.overdue && !l.done).count())
                .unwrap_or(i64::MAX),
            today,
            own,
            week,
            may_edit,
        }
    }

    /// The acting post's day.
    pub async fn day_plan(
        &self,
        actor: &Actor,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<DayPlan> {
        let v = self.viewer(actor).await?;
        let staff = self.own_staff(&v).await?;
        let lines = self
            .plan_of(v.post, staff.as_ref(), date, actor.clearance(), now)
            .await?;
        let names = match (&staff, actor.post.as_ref()) {
            (Some(s), _) => (
                s.person_name.clone(),
                s.post_label.clone(),
                s.unit_name.clone(),
            ),
            (None, Some(p)) => (
                actor.person_name.clone(),
                p.title.clone().unwrap_or_else(|| p.position_name.clone()),
                p.unit_short_name.clone(),
            ),
            (None, None) => (actor.person_name.clone(), String::new(), String::new()),
        };
        Ok(Self::assemble(v.post, names, date, lines, true))
    }

    /// The day of everyone the viewer oversees (a section's chief: the section; an office's
    /// 主任, 副主任: the office), and the viewer's own first. Anyone else is refused.
    pub async fn section_day(
        &self,
        actor: &Actor,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<SectionDay> {
        let v = self.viewer(actor).await?;
        if matches!(v.scope, ManagementScope::Own { .. }) {
            return Err(ServiceError::Forbidden(
                "只有科室负责人或办公室主任、副主任可以查看本科室日安排".into(),
            ));
        }
        let people: Vec<StaffRow> = self
            .staff_in_scope(&v)
            .await?
            .into_iter()
            .filter(|s| {
                s.post_id == v.post
                    || (Self::oversees(&v, s) && v.scope.office() == Some(s.office_id))
            })
            .collect();
        let mut out = Vec::new();
        for s in &people {
            let (today, own, _) = self
                .plan_of(s.post_id, Some(s), date, actor.clearance(), now)
                .await?;
            out.push(Self::assemble(
                s.post_id,
                (
                    s.person_name.clone(),
                    s.post_label.clone(),
                    s.unit_name.clone(),
                ),
                date,
                (today, own, Vec::new()),
                s.post_id == v.post,
            ));
        }
        Ok(SectionDay {
            date: date.to_string(),
            people: out,
        })
    }

    /// Adds an own entry to the acting post's day, last in its order.
    pub async fn add_entry(
        &self,
        actor: &Actor,
        input: &EntryInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let date = super::parse_day("date", &input.date)?;
        let text = rules::check_plan_text(&input.text).map_err(into_invalid)?;
        let time = rules::check_plan_time(&input.time).map_err(into_invalid)?;
        let mut tx = self.svc.db().begin().await?;
        let id =
            store::insert_entry(&mut tx, v.post, &date.to_string(), &text, &time, ms(now)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One of the acting post's own entries, or 404 (someone else's reads as missing).
    async fn my_entry(&self, v: &Viewer, id: i64) -> Result<store::PlanEntryRow> {
        store::find_entry(self.svc.db(), id)
            .await?
            .filter(|e| e.post_id == v.post)
            .ok_or(ServiceError::NotFound("日安排事项"))
    }

    /// Moves an own entry one place up or down among its day's entries; the day's date.
    pub async fn move_entry(
        &self,
        actor: &Actor,
        id: i64,
        to: Move,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let v = self.viewer(actor).await?;
        let e = self.my_entry(&v, id).await?;
        let mut tx = self.svc.db().begin().await?;
        let list = store::entries_tx(&mut tx, v.post, &e.day).await?;
        let Some(at) = list.iter().position(|x| x.id == id) else {
            return Err(ServiceError::NotFound("日安排事项"));
        };
        let other = match to {
            Move::Up => at.checked_sub(1),
            Move::Down => Some(at + 1).filter(|i| *i < list.len()),
        };
        let Some(other) = other else {
            return Err(ServiceError::invalid(
                "direction",
                if to == Move::Up {
                    "已在最前"
                } else {
                    "已在最后"
                },
            ));
        };
        // Renumber the day in its new order, so equal positions never tie.
        let mut order: Vec<i64> = list.iter().map(|x| x.id).collect();
        order.swap(at, other);
        for (i, eid) in order.iter().enumerate() {
            store::set_position(
                &mut tx,
                *eid,
                i64::try_from(i).unwrap_or(i64::MAX) + 1,
                ms(now),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(e.day)
    }

    /// Marks an own entry done or not; the day's date.
    pub async fn entry_done(
        &self,
        actor: &Actor,
        id: i64,
        done: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let v = self.viewer(actor).await?;
        let e = self.my_entry(&v, id).await?;
        let mut tx = self.svc.db().begin().await?;
        store::set_entry_done(&mut tx, id, done.then(|| ms(now)), ms(now)).await?;
        tx.commit().await?;
        Ok(e.day)
    }

    /// Removes an own entry; the day's date.
    pub async fn delete_entry(&self, actor: &Actor, id: i64) -> Result<String> {
        let v = self.viewer(actor).await?;
        let e = self.my_entry(&v, id).await?;
        let mut tx = self.svc.db().begin().await?;
        store::delete_entry(&mut tx, id).await?;
        tx.commit().await?;
        Ok(e.day)
    }

    /// Marks a pulled line of the acting post's day done for the plan, or takes the mark
    /// away. The line must be on that day's plan; the item itself is not touched.
    pub async fn mark_line(
        &self,
        actor: &Actor,
        input: &MarkInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let date = super::parse_day("date", &input.date)?;
        let staff = self.own_staff(&v).await?;
        let (today, _, week) = self
            .plan_of(v.post, staff.as_ref(), date, actor.clearance(), now)
            .await?;
        let on_plan = today
            .iter()
            .chain(week.iter())
            .any(|l| l.source == input.source);
        // A line marked done may have left the plan since (the task done, the reply sent):
        // its mark may still be taken away.
        let marked = store::marks(self.svc.db(), v.post, &date.to_string())
            .await?
            .contains(&input.source);
        let unmarking = marked && !input.done;
        if !(on_plan || unmarking) {
            return Err(ServiceError::invalid(
                "source",
                "这一天的日安排中没有这一项",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::set_mark(
            &mut tx,
            v.post,
            &date.to_string(),
            &input.source,
            input.done,
            ms(now),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
