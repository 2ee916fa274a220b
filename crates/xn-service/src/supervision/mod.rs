//! 督查督办: supervision items followed until they are struck off.
//!
//! An item is a flow case of `processes/supervision.toml` plus a row of `supervision_items`
//! written in the same transaction. The flow engine moves it (签收, 办理, 办结审核) and calls
//! its hooks inside each action; this module adds what the engine does not know: the item's
//! own deadline and its ladder of cards, progress reports on a cycle, decomposition into
//! sub-items, requests to change the lead unit or the deadline, and intake from a leader's
//! instruction on any case.

mod demo;
mod figures;
pub(crate) mod hooks;
pub(crate) mod timers;
mod views;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::engine::{Due, business_date};
use xn_domain::flow::ladder::{Rung, rungs};
use xn_domain::flow::{Action, Fields, TimerKind, Value};
use xn_domain::org::Permission;
use xn_domain::supervision::{self as domain, Importance, ItemState, ReportCycle, SourceKind};
use xn_store::Tx;
use xn_store::supervision::{self as store, ItemRow};

use crate::events::Audit;
use crate::flow::{ActorRef, StartCase};
use crate::{Actor, Result, ServiceError, Services, ms, require};
use hooks::steps;

pub use figures::{BulletinView, ScoreView};
pub use views::{
    AssigneeOption, ChangeView, InstructionDraft, ItemDetail, ItemList, ItemListRow, ItemQuery,
    ReportView, StateCount, SubItemView, Tab,
};

/// The area's timers in the jobs table: the item's own deadline ladder, and its report due days.
pub(crate) const DEADLINE_TIMER: TimerKind = TimerKind::SupervisionDeadline;
pub(crate) const REPORT_TIMER: TimerKind = TimerKind::SupervisionReport;

/// A new supervision item (立项), or a sub-item (分解).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewItemInput {
    /// Source kind code: instruction, meeting, work_report, higher, citizen, other.
    #[serde(default)]
    pub source_kind: String,
    /// The case the instruction was given on (linked both ways).
    #[serde(default)]
    pub source_case_id: Option<i64>,
    /// The instruction's text (批示原文) or the decision's wording.
    #[serde(default)]
    pub source_text: String,
    /// The leader's name.
    #[serde(default)]
    pub source_leader: String,
    /// The leader's post, when known.
    #[serde(default)]
    pub source_leader_post: Option<i64>,
    /// 事项名称.
    pub title: String,
    /// 督办内容.
    pub content: String,
    /// 办理要求.
    #[serde(default)]
    pub requirements: String,
    /// 牵头单位.
    pub lead_unit: i64,
    /// Its responsible post.
    pub lead_post: i64,
    /// 配合单位 with their responsible posts.
    #[serde(default)]
    pub assists: Vec<AssistInput>,
    /// The deadline as a date…
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
    /// …or in working days from today.
    #[serde(default)]
    pub deadline_days: Option<u32>,
    /// Report cycle code: none, weekly, biweekly, monthly.
    #[serde(default)]
    pub report_cycle: String,
    /// Weekday 1–5 (weekly, biweekly) or day of the month 1–28 (monthly).
    #[serde(default)]
    pub report_day: u32,
    /// Importance code: normal, important, critical.
    #[serde(default)]
    pub importance: String,
}

/// An assisting unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistInput {
    /// The unit.
    pub unit: i64,
    /// Its responsible post, if named.
    #[serde(default)]
    pub post: Option<i64>,
}

/// A request to change the lead unit or the deadline.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ChangeInput {
    /// Why (required).
    pub reason: String,
    /// The proposed lead unit…
    #[serde(default)]
    pub lead_unit: Option<i64>,
    /// …and its responsible post.
    #[serde(default)]
    pub lead_post: Option<i64>,
    /// The proposed deadline.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<NaiveDate>,
}

fn acting(actor: &Actor) -> Result<(i64, i64)> {
    let post = actor
        .post
        .as_ref()
        .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
    Ok((post.id, post.unit_id))
}

fn audit(actor: &Actor) -> Audit<'_> {
    Audit {
        person_id: Some(actor.person_id),
        post_id: actor.post_id(),
        ip: actor.ip.as_deref(),
    }
}

fn subject(case_id: i64) -> Option<String> {
    Some(format!("case:{case_id}"))
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("bad stored date {s}")))
}

fn domain_invalid(e: domain::Invalid) -> ServiceError {
    ServiceError::Invalid {
        field: Some(e.field),
        message: e.message,
    }
}

/// The checked form of a new item's choices.
struct Checked {
    source: SourceKind,
    cycle: ReportCycle,
    day: u32,
    importance: Importance,
    deadline: NaiveDate,
}

impl Services {
    /// The office a unit belongs to: the nearest unit of kind office or government at or above
    /// it (the supervising office of an item is its opener's).
    pub(crate) async fn office_of_unit(&self, tx: &mut Tx, unit: i64) -> Result<i64> {
        let chain = self.unit_chain(tx, unit).await?;
        Ok(chain.office().map_or(unit, |o| o.id))
    }

    /// The unit every lead unit (and assisting unit) of an item must lie in: for an item the
    /// supervising office opens, the government above that office (its sections, bureaus and
    /// the counties below); for a sub-item, the parent item's lead unit. The 立项 form lists the
    /// posts under it; the service refuses any other.
    pub(crate) async fn supervision_scope(
        &self,
        tx: &mut Tx,
        opener_unit: i64,
        parent: Option<&ItemRow>,
    ) -> Result<i64> {
        if let Some(p) = parent {
            return Ok(p.lead_unit_id);
        }
        let chain = self.unit_chain(tx, opener_unit).await?;
        let Some(office) = chain.office() else {
            return Ok(opener_unit);
        };
        let above = chain
            .0
            .iter()
            .skip_while(|u| u.id != office.id)
            .nth(1)
            .map(|u| u.id);
        Ok(above.unwrap_or(office.id))
    }

    /// Refuses a lead or assisting unit outside the scope (see [`Services::supervision_scope`]).
    async fn check_scope(
        &self,
        tx: &mut Tx,
        unit: i64,
        scope: i64,
        field: &'static str,
    ) -> Result<()> {
        if self.is_within(tx, unit, scope).await? {
            Ok(())
        } else {
            Err(ServiceError::invalid(
                field,
                "只能交办给本级政府所属的单位（本办各科室、政府部门及所辖县区）",
            ))
        }
    }

    /// Whether `unit` is `ancestor` or below it.
    pub(crate) async fn is_within(&self, tx: &mut Tx, unit: i64, ancestor: i64) -> Result<bool> {
        Ok(self.unit_chain(tx, unit).await?.contains(ancestor))
    }

    async fn check_new(
        &self,
        tx: &mut Tx,
        input: &NewItemInput,
        today: NaiveDate,
        parent_deadline: Option<NaiveDate>,
    ) -> Result<Checked> {
        domain::check_texts(&input.title, &input.content, &input.requirements)
            .map_err(domain_invalid)?;
        let source = if input.source_kind.is_empty() {
            SourceKind::Other
        } else {
            SourceKind::parse(&input.source_kind)
                .ok_or_else(|| ServiceError::invalid("source_kind", "督办来源不正确"))?
        };
        if source == SourceKind::Instruction
            && input.source_leader.trim().is_empty()
            && input.source_leader_post.is_none()
        {
            return Err(ServiceError::invalid(
                "source_leader",
                "领导批示事项请填写批示领导",
            ));
        }
        let cycle = if input.report_cycle.is_empty() {
            ReportCycle::None
        } else {
            ReportCycle::parse(&input.report_cycle)
                .ok_or_else(|| ServiceError::invalid("report_cycle", "报送周期不正确"))?
        };
        let day = domain::check_report_day(cycle, input.report_day).map_err(domain_invalid)?;
        let importance = if input.importance.is_empty() {
            Importance::Normal
        } else {
            Importance::parse(&input.importance)
                .ok_or_else(|| ServiceError::invalid("importance", "重要程度不正确"))?
        };
        let deadline = match (input.deadline, input.deadline_days) {
            (Some(d), _) => d,
            (None, Some(n)) if (1..=730).contains(&n) => {
                self.flow_calendar().await?.add_working_days(today, n).date
            }
            (None, Some(_)) => {
                return Err(ServiceError::invalid(
                    "deadline_days",
                    "办理时限应为 1–730 个工作日",
                ));
            }
            (None, None) => return Err(ServiceError::invalid("deadline", "请填写办理时限")),
        };
        domain::check_deadline(deadline, today, parent_deadline).map_err(domain_invalid)?;
        match xn_store::flow::post_unit(tx, input.lead_post).await? {
            Some((u, active)) if u == input.lead_unit && active != 0 => {}
            Some((_, active)) if active != 0 => {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "牵头单位责任人应为该单位的在岗人员",
                ));
            }
            _ => {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "牵头单位责任人不存在或已停用",
                ));
            }
        }
        for a in &input.assists {
            if a.unit == input.lead_unit {
                return Err(ServiceError::invalid(
                    "assists",
                    "配合单位不能与牵头单位相同",
                ));
            }
            if let Some(p) = a.post {
                match xn_store::flow::post_unit(tx, p).await? {
                    Some((u, active)) if u == a.unit && active != 0 => {}
                    _ => {
                        return Err(ServiceError::invalid(
                            "assists",
                            "配合单位责任人应为该单位的在岗人员",
                        ));
                    }
                }
            }
        }
        Ok(Checked {
            source,
            cycle,
            day,
            importance,
            deadline,
        })
    }

    /// Whether a post sits in a supervising section (督查科 / 督查股).
    pub async fn in_supervision_section(&self, actor: &Actor) -> Result<bool> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(false);
        };
        Ok(store::is_section(self.db(), post.unit_id).await?)
    }

    /// 立项: the supervising section opens an item for a lead unit. Returns the item's id.
    pub async fn create_item(
        &self,
        actor: &Actor,
        input: &NewItemInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let (_, unit) = acting(actor)?;
        if !self.in_supervision_section(actor).await? {
            return Err(ServiceError::Forbidden(
                "只有督查科（股）的人员可以立项督办".into(),
            ));
        }
        let today = business_date(now);
        let mut tx = self.db().begin().await?;
        let checked = self.check_new(&mut tx, input, today, None).await?;
        let scope = self.supervision_scope(&mut tx, unit, None).await?;
        self.check_scope(&mut tx, input.lead_unit, scope, "lead_unit")
            .await?;
        for a in &input.assists {
            self.check_scope(&mut tx, a.unit, scope, "assists").await?;
        }
        if let Some(case) = input.source_case_id {
            xn_store::flow::lock_case(&mut tx, case)
                .await
                .map_err(ServiceError::missing_input(
                    "source_case_id",
                    "来源事项不存在",
                ))?;
        }
        let office = self.office_of_unit(&mut tx, unit).await?;
        let me = ActorRef::of(actor)?;
        let id = self
            .open_item(&mut tx, &me, input, &checked, office, None, now)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Starts the item's case and writes its row, assists and deadline timers.
    #[expect(clippy::too_many_arguments, reason = "one item's parts")]
    async fn open_item(
        &self,
        tx: &mut Tx,
        me: &ActorRef,
        input: &NewItemInput,
        c: &Checked,
        office: i64,
        parent: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut fields = Fields::new();
        fields.insert(
            "lead_post".into(),
            Value::List(vec![Value::Int(input.lead_post)]),
        );
        fields.insert("lead_unit".into(), Value::Int(input.lead_unit));
        let out = self
            .start_in_tx(
                tx,
                me,
                None,
                &StartCase {
                    process: "supervision".into(),
                    title: input.title.trim().to_owned(),
                    body: input.content.trim().to_owned(),
                    fields,
                    choices: BTreeMap::new(),
                },
                None,
                None,
                now,
            )
            .await?;
        let leader = if input.source_leader.trim().is_empty() {
            match input.source_leader_post {
                Some(p) => xn_store::documents::post_person_name(tx, p)
                    .await
                    .unwrap_or_default(),
                None => String::new(),
            }
        } else {
            input.source_leader.trim().to_owned()
        };
        let deadline = c.deadline.to_string();
        let id = store::insert_item(
            tx,
            &store::NewItem {
                case_id: out.case_id,
                parent_id: parent,
                office_unit_id: office,
                source_kind: c.source.code(),
                source_case_id: input.source_case_id,
                source_text: input.source_text.trim(),
                source_leader: &leader,
                source_leader_post_id: input.source_leader_post,
                title: input.title.trim(),
                content: input.content.trim(),
                requirements: input.requirements.trim(),
                lead_unit_id: input.lead_unit,
                lead_post_id: input.lead_post,
                deadline: &deadline,
                report_cycle: c.cycle.code(),
                report_day: i64::from(c.day),
                importance: c.importance.code(),
                created_post_id: me.post_id,
            },
            ms(now),
        )
        .await?;
        xn_store::flow::set_case_link(tx, out.case_id, id).await?;
        for a in &input.assists {
            store::insert_assist(tx, id, a.unit, a.post).await?;
        }
        self.arm_deadline(tx, out.case_id, c.deadline, now, false)
            .await?;
        crate::events::record(
            tx,
            &Audit {
                person_id: Some(me.person_id),
                post_id: Some(me.post_id),
                ip: me.ip.as_deref(),
            },
            "supervision.opened",
            subject(out.case_id),
            json!({"item": id, "parent": parent, "lead_unit": input.lead_unit,
                   "lead_post": input.lead_post, "deadline": deadline,
                   "source_case": input.source_case_id, "source_kind": c.source.code()}),
            now,
        )
        .await?;
        xn_store::notifications::insert_notification(
            tx,
            &xn_store::notifications::NewNotification {
                post_id: input.lead_post,
                kind: "supervision.assigned",
                subject: Some(&format!("supervision:{id}")),
                message: &format!(
                    "督办事项「{}」交由您牵头办理，办理时限 {deadline}，请及时签收",
                    input.title.trim()
                ),
            },
            ms(now),
        )
        .await?;
        Ok(id)
    }

    /// Arms the ladder of an item's deadline (临期提醒, 黄牌, 红牌). With `catch_up`, rungs
    /// whose time has passed fall at once (an item sent back after its deadline).
    pub(crate) async fn arm_deadline(
        &self,
        tx: &mut Tx,
        case_id: i64,
        deadline: NaiveDate,
        now: DateTime<Utc>,
        catch_up: bool,
    ) -> Result<()> {
        let case = xn_store::flow::lock_case(tx, case_id).await?;
        let def = self.process_def(case.process_id).await?;
        let cal = self.flow_calendar().await?;
        let due = Due {
            at: xn_domain::flow::ladder::end_of(deadline),
            date: deadline,
            provisional: cal.is_provisional(deadline),
            explanation: String::new(),
            working_days: None,
            working_hours: None,
        };
        for (rung, at) in rungs(&due, &def.ladder, &cal, crate::from_ms(case.created_at)) {
            let at = if catch_up {
                if rung == Rung::DueSoon && at < now {
                    continue;
                }
                at.max(now)
            } else {
                at
            };
            store::arm_timer(tx, DEADLINE_TIMER, case_id, 0, rung.code(), ms(at)).await?;
        }
        Ok(())
    }

    /// Schedules the progress reports from `from` to the deadline, numbering after `after_seq`.
    pub(crate) async fn schedule_reports(
        &self,
        tx: &mut Tx,
        item: &ItemRow,
        from: NaiveDate,
        deadline: NaiveDate,
        after_seq: i64,
    ) -> Result<usize> {
        let Some(cycle) = ReportCycle::parse(&item.report_cycle) else {
            return Ok(0);
        };
        let cal = self.flow_calendar().await?;
        let day = crate::exact("the item's report day", item.report_day)?;
        let dates = domain::report_due_dates(&cal, cycle, day, from, deadline);
        let rows: Vec<(i64, String)> = dates
            .iter()
            .enumerate()
            .map(|(i, d)| (after_seq + 1 + i64::try_from(i).unwrap_or(0), d.to_string()))
            .collect();
        store::insert_reports(tx, item.id, &rows).await?;
        for ((seq, _), d) in rows.iter().zip(&dates) {
            let at = xn_domain::flow::ladder::end_of(*d);
            store::arm_timer(tx, REPORT_TIMER, item.case_id, *seq, "missed", ms(at)).await?;
        }
        Ok(rows.len())
    }

    /// 分解: the lead post splits its item into sub-items for units below it and named posts,
    /// each no later than the item. Returns the sub-items' ids.
    pub async fn decompose_item(
        &self,
        actor: &Actor,
        parent_id: i64,
        subs: &[NewItemInput],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        if subs.is_empty() {
            return Err(ServiceError::invalid("subs", "请至少填写一项分解事项"));
        }
        let today = business_date(now);
        let mut tx = self.db().begin().await?;
        let parent = store::find_item_tx(&mut tx, parent_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        if parent.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以分解该事项".into(),
            ));
        }
        if parent.state != ItemState::Handling.code() {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "事项签收后、申请办结前才能分解".into(),
            });
        }
        let parent_deadline = parse_date(&parent.deadline)?;
        let me = ActorRef::of(actor)?;
        let mut ids = Vec::new();
        for sub in subs {
            if !self
                .is_within(&mut tx, sub.lead_unit, parent.lead_unit_id)
                .await?
            {
                return Err(ServiceError::invalid(
                    "lead_unit",
                    "分解事项只能交给本单位或下属单位",
                ));
            }
            if sub.lead_post == post {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "分解事项的责任人不能是您本人",
                ));
            }
            let mut input = sub.clone();
            input.source_kind = parent.source_kind.clone();
            input.source_case_id = parent.source_case_id;
            input.source_text = parent.source_text.clone();
            input.source_leader = parent.source_leader.clone();
            input.source_leader_post = parent.source_leader_post_id;
            let checked = self
                .check_new(&mut tx, &input, today, Some(parent_deadline))
                .await?;
            let id = self
                .open_item(
                    &mut tx,
                    &me,
                    &input,
                    &checked,
                    parent.office_unit_id,
                    Some(parent.id),
                    now,
                )
                .await?;
            ids.push(id);
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "supervision.decomposed",
            subject(parent.case_id),
            json!({"item": parent.id, "subs": ids}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// 报送进展: the lead post files a progress report. It answers the earliest report still
    /// owed (on time when on or before its due day, late otherwise); with none owed it is an
    /// extra report.
    pub async fn file_progress(
        &self,
        actor: &Actor,
        item_id: i64,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        let content = content.trim();
        if content.chars().count() < 4 {
            return Err(ServiceError::invalid(
                "content",
                "请填写办理进展（至少 4 个字）",
            ));
        }
        if content.chars().count() > 5000 {
            return Err(ServiceError::invalid("content", "进展不能超过 5000 字"));
        }
        let today = business_date(now);
        let mut tx = self.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以报送进展".into(),
            ));
        }
        match ItemState::parse(&item.state) {
            Some(ItemState::Handling) => {}
            Some(ItemState::Assigned) => {
                return Err(ServiceError::Conflict {
                    code: "supervision.state",
                    message: "请先签收该事项".into(),
                });
            }
            _ => {
                return Err(ServiceError::Conflict {
                    code: "supervision.state",
                    message: "该事项已申请办结或已销号，无需再报送进展".into(),
                });
            }
        }
        let reports = store::reports_of_tx(&mut tx, item.id).await?;
        let owed = reports
            .iter()
            .find(|r| r.status == "due" || r.status == "missed");
        let today_s = today.to_string();
        let (seq, status) = match owed {
            Some(r) => {
                let status = if r.status == "due" && today_s <= r.due_date {
                    "filed"
                } else {
                    "late"
                };
                store::file_report(
                    &mut tx,
                    r.id,
                    status,
                    content,
                    post,
                    actor.person_id,
                    ms(now),
                    None,
                )
                .await?;
                store::cancel_timers(&mut tx, REPORT_TIMER, item.case_id, Some(r.seq)).await?;
                (r.seq, status)
            }
            None => {
                let seq = reports.last().map_or(1, |r| r.seq + 1);
                let ids =
                    store::insert_reports(&mut tx, item.id, &[(seq, today_s.clone())]).await?;
                if let Some(id) = ids.first() {
                    store::file_report(
                        &mut tx,
                        *id,
                        "filed",
                        content,
                        post,
                        actor.person_id,
                        ms(now),
                        None,
                    )
                    .await?;
                }
                (seq, "filed")
            }
        };
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: item.created_post_id,
                kind: "supervision.report",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!("督办事项「{}」报送了第 {seq} 次进展", item.title),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "supervision.report_filed",
            subject(item.case_id),
            json!({"item": item.id, "seq": seq, "status": status, "opinion": content}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(status.to_owned())
    }

    /// The actor's open task of a step of an item's case: (case, task number).
    async fn my_task(&self, actor: &Actor, item: &ItemRow, step: &str) -> Result<u32> {
        let (post, _) = acting(actor)?;
        let tasks = xn_store::flow::tasks_of_case(self.db(), item.case_id).await?;
        tasks
            .iter()
            .find(|t| t.step_id == step && t.state == "open" && t.post_id == post)
            .map(|t| crate::exact("a task's number", t.task_no))
            .transpose()?
            .ok_or_else(|| ServiceError::Conflict {
                code: "supervision.state",
                message: if step == steps::SIGN {
                    "该事项不在待您签收的环节".into()
                } else if step == steps::HANDLE {
                    "该事项不在由您办理的环节".into()
                } else {
                    "该事项不在待您审核的环节".into()
                },
            })
    }

    async fn complete_step(
        &self,
        actor: &Actor,
        item_id: i64,
        step: &str,
        decision: &str,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let item = store::find_item(self.db(), item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        let task = self.my_task(actor, &item, step).await?;
        self.act(
            actor,
            item.case_id,
            None,
            Action::Complete {
                task,
                decision: decision.into(),
                opinion: opinion.trim().into(),
                choices: BTreeMap::new(),
            },
            None,
            now,
        )
        .await?;
        Ok(())
    }

    /// 签收: the lead post signs for the item.
    pub async fn sign_item(
        &self,
        actor: &Actor,
        item_id: i64,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.complete_step(actor, item_id, steps::SIGN, steps::SIGNED, opinion, now)
            .await
    }

    /// 办结申请: the lead post applies for closing, with the evidence described.
    pub async fn apply_close(
        &self,
        actor: &Actor,
        item_id: i64,
        evidence: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.complete_step(actor, item_id, steps::HANDLE, steps::APPLY, evidence, now)
            .await
    }

    /// 办结审核: the opener accepts the closing (销号) or sends it back with reasons.
    pub async fn review_item(
        &self,
        actor: &Actor,
        item_id: i64,
        accept: bool,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let decision = if accept {
            steps::ACCEPT
        } else {
            steps::SEND_BACK
        };
        self.complete_step(actor, item_id, steps::REVIEW, decision, opinion, now)
            .await
    }

    /// 申请调整: the lead post asks to change the lead unit or the deadline, with reasons.
    pub async fn request_change(
        &self,
        actor: &Actor,
        item_id: i64,
        input: &ChangeInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请说明调整理由"));
        }
        let lead = match (input.lead_unit, input.lead_post) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => {
                return Err(ServiceError::invalid(
                    "lead_post",
                    "调整牵头单位须同时选择新的责任人",
                ));
            }
        };
        if lead.is_none() && input.deadline.is_none() {
            return Err(ServiceError::invalid(
                "deadline",
                "请填写新的牵头单位或新的办理时限",
            ));
        }
        let mut tx = self.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.lead_post_id != post {
            return Err(ServiceError::Forbidden(
                "只有牵头单位责任人可以申请调整".into(),
            ));
        }
        if !ItemState::parse(&item.state).is_some_and(ItemState::owes_work) {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "事项已申请办结或已销号，不能再申请调整".into(),
            });
        }
        if store::pending_change(&mut tx, item.id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "supervision.change_pending",
                message: "已有一项调整申请等待审批".into(),
            });
        }
        if let Some((u, p)) = lead {
            if u == item.lead_unit_id && p == item.lead_post_id {
                return Err(ServiceError::invalid("lead_unit", "新的牵头单位与原来相同"));
            }
            // The new lead stays within what the opener may supervise.
            let parent = match item.parent_id {
                Some(p) => Some(store::find_item_tx(&mut tx, p).await?),
                None => None,
            };
            let opener_unit = match xn_store::flow::post_unit(&mut tx, item.created_post_id).await?
            {
                Some((u, _)) => u,
                None => item.office_unit_id,
            };
            let scope = self
                .supervision_scope(&mut tx, opener_unit, parent.as_ref())
                .await?;
            self.check_scope(&mut tx, u, scope, "lead_unit").await?;
            match xn_store::flow::post_unit(&mut tx, p).await? {
                Some((pu, active)) if pu == u && active != 0 => {}
                _ => {
                    return Err(ServiceError::invalid(
                        "lead_post",
                        "新的责任人应为新牵头单位的在岗人员",
                    ));
                }
            }
        }
        if let Some(d) = input.deadline {
            let parent_deadline = match item.parent_id {
                Some(p) => Some(parse_date(
                    &store::find_item_tx(&mut tx, p).await?.deadline,
                )?),
                None => None,
            };
            domain::check_deadline(d, business_date(now), parent_deadline)
                .map_err(domain_invalid)?;
        }
        let deadline = input.deadline.map(|d| d.to_string());
        let id = store::insert_change(
            &mut tx,
            item.id,
            post,
            reason,
            lead,
            deadline.as_deref(),
            ms(now),
        )
        .await?;
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: item.created_post_id,
                kind: "supervision.change",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!("督办事项「{}」申请调整：{reason}", item.title),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "supervision.change_requested",
            subject(item.case_id),
            json!({"item": item.id, "change": id, "reason": reason, "lead_unit": lead.map(|l| l.0),
                   "lead_post": lead.map(|l| l.1), "deadline": deadline}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Decides the pending change request: the opener approves (the lead's open work moves to
    /// the new post, the deadline and reports are rescheduled) or refuses, with an opinion.
    pub async fn decide_change(
        &self,
        actor: &Actor,
        item_id: i64,
        approve: bool,
        opinion: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        let opinion = opinion.trim();
        if !approve && opinion.is_empty() {
            return Err(ServiceError::invalid("opinion", "不同意调整须说明理由"));
        }
        let mut tx = self.db().begin().await?;
        let item = store::find_item_tx(&mut tx, item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        let case = xn_store::flow::lock_case(&mut tx, item.case_id).await?;
        if item.created_post_id != post {
            return Err(ServiceError::Forbidden("只有立项人可以审批调整申请".into()));
        }
        let change = store::pending_change(&mut tx, item.id)
            .await?
            .ok_or_else(|| ServiceError::Conflict {
                code: "supervision.state",
                message: "没有待审批的调整申请".into(),
            })?;
        if !store::decide_change(&mut tx, change.id, approve, post, opinion, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "该调整申请已被审批".into(),
            });
        }
        if approve {
            let (unit, lead) = match (change.new_lead_unit_id, change.new_lead_post_id) {
                (Some(u), Some(p)) => (u, p),
                _ => (item.lead_unit_id, item.lead_post_id),
            };
            let deadline = change.new_deadline.clone().unwrap_or(item.deadline.clone());
            store::set_lead_and_deadline(&mut tx, item.id, unit, lead, &deadline, ms(now)).await?;
            if lead != item.lead_post_id {
                let mut fields: Fields = serde_json::from_str(&case.fields).unwrap_or_default();
                fields.insert("lead_post".into(), Value::List(vec![Value::Int(lead)]));
                fields.insert("lead_unit".into(), Value::Int(unit));
                let text =
                    serde_json::to_string(&fields).map_err(|e| ServiceError::Internal(e.into()))?;
                store::set_case_fields(&mut tx, item.case_id, &text).await?;
                let system = ActorRef {
                    flow_admin: true,
                    ..ActorRef::of(actor)?
                };
                self.act_in_tx(
                    &mut tx,
                    &system,
                    item.case_id,
                    &Action::Handover {
                        from: item.lead_post_id,
                        to: lead,
                    },
                    now,
                )
                .await?;
            }
            if change.new_deadline.is_some() {
                let new = parse_date(&deadline)?;
                store::cancel_timers(&mut tx, DEADLINE_TIMER, item.case_id, None).await?;
                self.arm_deadline(&mut tx, item.case_id, new, now, true)
                    .await?;
                if item.state == ItemState::Handling.code() {
                    let today = business_date(now);
                    let cancelled =
                        store::cancel_due_reports(&mut tx, item.id, &today.to_string()).await?;
                    for seq in cancelled {
                        store::cancel_timers(&mut tx, REPORT_TIMER, item.case_id, Some(seq))
                            .await?;
                    }
                    let last = store::reports_of_tx(&mut tx, item.id)
                        .await?
                        .last()
                        .map_or(0, |r| r.seq);
                    let fresh = store::find_item_tx(&mut tx, item.id).await?;
                    self.schedule_reports(&mut tx, &fresh, today, new, last)
                        .await?;
                }
            }
        }
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: change.requested_post_id,
                kind: "supervision.change",
                subject: Some(&format!("supervision:{}", item.id)),
                message: &format!(
                    "督办事项「{}」的调整申请{}",
                    item.title,
                    if approve { "已同意" } else { "未同意" }
                ),
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "supervision.change_decided",
            subject(item.case_id),
            json!({"item": item.id, "change": change.id, "approved": approve, "opinion": opinion,
                   "lead_post": change.new_lead_post_id, "deadline": change.new_deadline}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.flow_cache_forget([item.case_id]);
        Ok(())
    }

    /// 催办: the supervising section (or the opener) urges the lead post, with a message.
    pub async fn urge_item(
        &self,
        actor: &Actor,
        item_id: i64,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "请填写催办内容"));
        }
        if message.chars().count() > 500 {
            return Err(ServiceError::invalid("message", "催办内容不能超过 500 字"));
        }
        let item = store::find_item(self.db(), item_id)
            .await
            .map_err(ServiceError::missing("督办事项"))?;
        if item.created_post_id != post && !self.is_board_member(actor, &item).await? {
            return Err(ServiceError::Forbidden(
                "只有督查部门或立项人可以催办".into(),
            ));
        }
        if item.state == ItemState::Closed.code() {
            return Err(ServiceError::Conflict {
                code: "supervision.state",
                message: "该事项已销号，无需催办".into(),
            });
        }
        let open: Vec<(i64, i64)> = xn_store::flow::tasks_of_case(self.db(), item.case_id)
            .await?
            .into_iter()
            .filter(|t| t.state == "open")
            .map(|t| (t.id, t.post_id))
            .collect();
        let mut tx = self.db().begin().await?;
        for (task_id, holder) in open {
            xn_store::flow::mark_urged(&mut tx, task_id, ms(now)).await?;
            xn_store::notifications::insert_notification(
                &mut tx,
                &xn_store::notifications::NewNotification {
                    post_id: holder,
                    kind: "supervision.urged",
                    subject: Some(&format!("supervision:{}", item.id)),
                    message: &format!("督办事项「{}」被催办：{message}", item.title),
                },
                ms(now),
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "supervision.urged",
            subject(item.case_id),
            json!({"item": item.id, "message": message, "post": item.lead_post_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
