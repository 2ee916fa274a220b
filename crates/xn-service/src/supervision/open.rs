//! 立项: the supervising section opens an item for a lead unit, with what the form starts from
//! (the office's usual choices, or a leader's instruction on a case) and the posts an item may
//! be given to. Checking a new item and writing it (case, row, assists, deadline ladder) is
//! shared with 分解, whose sub-items are items of the same process.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::flow::{Fields, Value};
use xn_domain::org::{Clearance, Permission};
use xn_domain::supervision::{self as domain, Importance, ReportCycle, SourceKind};
use xn_store::Tx;
use xn_store::flow::CaseRow;
use xn_store::supervision as store;

use super::{NewItemInput, SectionCap, Supervision, domain_invalid, subject};
use crate::events::Audit;
use crate::flow::{ActorRef, StartCase};
use crate::{Actor, Result, ServiceError, ms, require};

/// A new item's checked deadline and report day.
pub(super) struct Checked {
    day: u32,
    deadline: NaiveDate,
}

/// An item drafted from an instruction on a case.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct InstructionDraft {
    /// The case.
    pub case_id: i64,
    /// Its title.
    pub case_title: String,
    /// The leader's post.
    pub leader_post: Option<i64>,
    /// The leader's name.
    pub leader_name: String,
    /// The instruction's text.
    pub text: String,
}

/// A post an item may be given to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssigneeOption {
    /// Post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The unit's name.
    pub unit: String,
    /// "unit · position person".
    pub label: String,
}

impl Supervision<'_> {
    /// Checks a new item or sub-item against the rules and the organisation: its texts, its
    /// source, its report cycle, its deadline (no later than the parent's) and that its lead
    /// and assisting posts are active posts of their units.
    pub(super) async fn check_new(
        &self,
        tx: &mut Tx,
        input: &NewItemInput,
        today: NaiveDate,
        parent_deadline: Option<NaiveDate>,
    ) -> Result<Checked> {
        domain::check_texts(&input.title, &input.content, &input.requirements)
            .map_err(domain_invalid)?;
        if input.source_kind == SourceKind::Instruction
            && input.source_leader.trim().is_empty()
            && input.source_leader_post.is_none()
        {
            return Err(ServiceError::invalid(
                "source_leader",
                "领导批示事项请填写批示领导",
            ));
        }
        let day = domain::check_report_day(input.report_cycle, input.report_day)
            .map_err(domain_invalid)?;
        let deadline = match (input.deadline, input.deadline_days) {
            (Some(d), _) => d,
            (None, Some(n)) if (1..=730).contains(&n) => {
                self.svc
                    .flow_calendar()
                    .await?
                    .add_working_days(today, n)
                    .date
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
        Ok(Checked { day, deadline })
    }

    /// 立项: the supervising section opens an item for a lead unit within its government.
    /// Returns the item's id.
    pub async fn open(
        &self,
        section: &SectionCap<'_>,
        input: &NewItemInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let today = business_date(now);
        let mut tx = self.svc.db().begin().await?;
        let checked = self.check_new(&mut tx, input, today, None).await?;
        let scope = self
            .svc
            .supervision_scope(&mut tx, section.unit, None)
            .await?;
        self.svc
            .check_scope(&mut tx, input.lead_unit, scope, "lead_unit")
            .await?;
        for a in &input.assists {
            self.svc
                .check_scope(&mut tx, a.unit, scope, "assists")
                .await?;
        }
        if let Some(case) = input.source_case_id {
            self.check_source(&mut tx, section, case).await?;
        }
        let me = ActorRef::of(section.actor)?;
        let id = self
            .open_item(
                &mut tx,
                &me,
                input,
                &checked,
                section.office,
                None,
                None,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// 立项 of a meeting's decision (议定事项) when its 纪要 is issued, inside the 核发's
    /// transaction: the same checks as a section's 立项 (texts, deadline — a number of working
    /// days counted on the calendar from today —, lead and assisting posts, the units within
    /// the office's government), the case owned by `owner` (the office's supervising section,
    /// which reviews the closing) and started by the one who issued the minutes.
    pub(crate) async fn open_for_meeting(
        &self,
        tx: &mut Tx,
        me: &ActorRef,
        owner: Option<i64>,
        office: i64,
        input: &NewItemInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let today = business_date(now);
        let checked = self.check_new(tx, input, today, None).await?;
        let scope = self.svc.supervision_scope(tx, office, None).await?;
        self.svc
            .check_scope(tx, input.lead_unit, scope, "lead_unit")
            .await?;
        for a in &input.assists {
            self.svc.check_scope(tx, a.unit, scope, "assists").await?;
        }
        self.open_item(tx, me, input, &checked, office, None, owner, now)
            .await
    }

    /// Refuses a source case the section may not read, alike whether it is missing, outside
    /// the units its office oversees (and not one the section's post took part in), or
    /// classified above the post's clearance: a county's section cannot link a city's case,
    /// nor learn that one exists.
    async fn check_source(&self, tx: &mut Tx, section: &SectionCap<'_>, case: i64) -> Result<()> {
        let refused = || ServiceError::invalid("source_case_id", "来源事项不存在或您无权查看");
        let Ok(row) = xn_store::flow::lock_case(tx, case).await else {
            return Err(refused());
        };
        if self.may_read_source(tx, section, &row).await? {
            Ok(())
        } else {
            Err(refused())
        }
    }

    /// Whether the section may read a case it would take as an item's source: one its post
    /// took part in or one of the units its office oversees, and classified no higher than
    /// the post's clearance.
    async fn may_read_source(
        &self,
        tx: &mut Tx,
        section: &SectionCap<'_>,
        row: &CaseRow,
    ) -> Result<bool> {
        let involved = row.starter_post_id == section.post
            || xn_store::flow::post_in_case(tx, row.id, section.post).await?;
        if !involved
            && !self
                .svc
                .oversees_tx(tx, section.office, row.unit_id)
                .await?
        {
            return Ok(false);
        }
        let clearance = section
            .actor
            .post
            .as_ref()
            .map_or(Clearance::Public, |p| p.clearance);
        let level = xn_store::flow::case_classification(tx, row.id).await?;
        Ok(clearance.may_see(level.parse().unwrap_or(Clearance::TopSecret)))
    }

    /// Refuses a post that would lead or assist an item while cleared below the 密级 of the
    /// item's source (the document or the information its source case moves): the item carries that source's
    /// title and words. The refusal names the field, the post's holder and both levels;
    /// nothing is written.
    pub(super) async fn check_cleared(
        &self,
        tx: &mut Tx,
        source_case: Option<i64>,
        posts: &[(&'static str, i64)],
    ) -> Result<()> {
        let Some(case) = source_case else {
            return Ok(());
        };
        let code = xn_store::flow::case_classification(tx, case).await?;
        let level = crate::clearance::level(&code)?;
        if level == Clearance::Public {
            return Ok(());
        }
        for (field, post) in posts {
            let (name, clearance) = xn_store::org::post_clearance(tx, *post)
                .await
                .map_err(ServiceError::missing_input(field, "人员不存在"))?;
            let clearance = crate::clearance::level(&clearance)?;
            if !clearance.may_see(level) {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "{name}的涉密等级为{}，低于来源事项的密级{}，不能承办此督办事项；本次未保存",
                        clearance.label(),
                        level.label()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Starts the item's case and writes its row, assists and deadline timers. `owner` is the
    /// post the case belongs to (who reviews the closing) when it is not the actor's own.
    #[expect(clippy::too_many_arguments, reason = "one item's parts")]
    pub(super) async fn open_item(
        &self,
        tx: &mut Tx,
        me: &ActorRef,
        input: &NewItemInput,
        c: &Checked,
        office: i64,
        parent: Option<i64>,
        owner: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut cleared = vec![("lead_post", input.lead_post)];
        cleared.extend(
            input
                .assists
                .iter()
                .filter_map(|a| a.post.map(|p| ("assists", p))),
        );
        self.check_cleared(tx, input.source_case_id, &cleared)
            .await?;
        let mut fields = Fields::new();
        fields.insert(
            "lead_post".into(),
            Value::List(vec![Value::Int(input.lead_post)]),
        );
        fields.insert("lead_unit".into(), Value::Int(input.lead_unit));
        let out = self
            .svc
            .start_in_tx(
                tx,
                me,
                owner,
                &StartCase {
                    process: "supervision".into(),
                    title: input.title.trim().to_owned(),
                    body: input.content.trim().to_owned(),
                    fields,
                    choices: BTreeMap::new(),
                    attachments: Vec::new(),
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
                source_kind: input.source_kind.code(),
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
                report_cycle: input.report_cycle.code(),
                report_day: i64::from(c.day),
                importance: input.importance.code(),
                created_post_id: me.post_id,
            },
            ms(now),
        )
        .await?;
        xn_store::flow::set_case_link(tx, out.case_id, id).await?;
        for a in &input.assists {
            store::insert_assist(tx, id, a.unit, a.post).await?;
        }
        self.svc
            .arm_deadline(tx, out.case_id, c.deadline, now, false)
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
                   "source_case": input.source_case_id, "source_kind": input.source_kind.code()}),
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

    /// What the 立项 form starts from (the office's usual choices, proposed, never imposed):
    /// due in 20 working days, reported weekly on Fridays, of normal importance; from a case, the
    /// leader's latest instruction on it as source and content and 落实… as title; otherwise a
    /// meeting's decision. The API offers the same draft (`GET /api/v1/supervision/draft`).
    pub async fn defaults(
        &self,
        section: &SectionCap<'_>,
        case: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(NewItemInput, InstructionDraft)> {
        let today = business_date(now);
        let deadline = self
            .svc
            .flow_calendar()
            .await?
            .add_working_days(today, 20)
            .date;
        let mut input = NewItemInput {
            report_cycle: ReportCycle::Weekly,
            report_day: 5,
            importance: Importance::Normal,
            deadline: Some(deadline),
            ..NewItemInput::default()
        };
        let draft = match case {
            Some(case) => {
                let d = self.instruction_draft(section, case).await?;
                input.source_kind = SourceKind::Instruction;
                input.source_case_id = Some(case);
                input.source_text = d.text.clone();
                input.source_leader_post = d.leader_post;
                input.source_leader = d.leader_name.clone();
                input.title = format!("落实{}", d.case_title.trim_start_matches("关于"));
                input.content = d.text.clone();
                d
            }
            None => {
                input.source_kind = SourceKind::Meeting;
                InstructionDraft::default()
            }
        };
        Ok((input, draft))
    }

    /// An item drafted from the latest leader's opinion on a case the section oversees
    /// (领导批示 → 督办事项): the latest non-empty opinion of a leader or an office director,
    /// else the latest of anyone; for a receiving office's case of information, the 批示 its
    /// information section recorded (its words and leader).
    pub async fn instruction_draft(
        &self,
        section: &SectionCap<'_>,
        case_id: i64,
    ) -> Result<InstructionDraft> {
        let db = self.svc.db();
        let case = xn_store::flow::find_case(db, case_id)
            .await
            .map_err(ServiceError::missing("事项"))?;
        if !self.svc.oversees(section.office, case.unit_id).await? {
            return Err(ServiceError::Forbidden(
                "只有督查科（股）可以把批示转为督办事项".into(),
            ));
        }
        let mut tx = db.begin_read().await?;
        let readable = self.may_read_source(&mut tx, section, &case).await?;
        drop(tx);
        if !readable {
            return Err(ServiceError::Forbidden("该事项超出您的知悉范围".into()));
        }
        // A 批示 recorded on received information (信息 采用 at 领导批示): its words and leader.
        let mut tx = db.begin_read().await?;
        let info = xn_store::information_commissions::instruction_of_case(&mut tx, case_id).await?;
        let info_leader = match info.as_ref().and_then(|i| i.leader_post_id) {
            Some(p) => xn_store::documents::post_person_name(&mut tx, p).await?,
            None => String::new(),
        };
        drop(tx);
        if let Some(i) = info {
            return Ok(InstructionDraft {
                case_id,
                case_title: i.title,
                leader_post: i.leader_post_id,
                leader_name: info_leader,
                text: i.note,
            });
        }
        let tasks = xn_store::flow::tasks_of_case(db, case_id).await?;
        let mut with_opinion: Vec<_> = tasks
            .iter()
            // The engine keeps an opinion trimmed, so a sealed one is empty only when it was.
            .filter(|t| t.opinion.as_ref().is_some_and(|o| !o.0.is_empty()))
            .filter(|t| t.acted_at.is_some())
            .collect();
        with_opinion.sort_by_key(|t| t.acted_at);
        let mut leaderish = Vec::new();
        let mut tx = db.begin_read().await?;
        for t in &with_opinion {
            let positions = xn_store::flow::post_position(&mut tx, t.post_id).await?;
            if matches!(
                positions.as_deref(),
                Some("leader" | "director" | "deputy_director")
            ) {
                leaderish.push(*t);
            }
        }
        drop(tx);
        let pick = leaderish.last().or(with_opinion.last());
        let (leader_post, text) = match pick {
            Some(t) => (
                Some(t.post_id),
                self.svc
                    .task_opinion(case_id, t.task_no, t.opinion.as_ref())
                    .unwrap_or_default(),
            ),
            None => (None, String::new()),
        };
        let leader_name = match leader_post {
            Some(p) => {
                let mut tx = db.begin_read().await?;
                let n = xn_store::documents::post_person_name(&mut tx, p).await?;
                drop(tx);
                n
            }
            None => String::new(),
        };
        Ok(InstructionDraft {
            case_id,
            case_title: case.title,
            leader_post,
            leader_name,
            text,
        })
    }

    /// Who an item may be given to: for a new item, every post under the government above the
    /// actor's office (its sections, bureaus and the counties); for a sub-item, every post under
    /// the parent's lead unit.
    pub async fn assignees(
        &self,
        actor: &Actor,
        parent: Option<i64>,
    ) -> Result<Vec<AssigneeOption>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let db = self.svc.db();
        let parent = match parent {
            Some(p) => Some(
                store::find_item(db, p)
                    .await
                    .map_err(ServiceError::missing("督办事项"))?,
            ),
            None => None,
        };
        let mut tx = db.begin_read().await?;
        let root = self
            .svc
            .supervision_scope(&mut tx, post.unit_id, parent.as_ref())
            .await?;
        drop(tx);
        Ok(store::posts_under(db, root)
            .await?
            .into_iter()
            .map(
                |(post_id, unit_id, unit, position, person)| AssigneeOption {
                    post_id,
                    unit_id,
                    label: format!("{unit} · {position} {person}"),
                    unit,
                },
            )
            .collect())
    }
}
