//! The case page: a case with its steps and holders, the actions open to the viewer, its cards,
//! and who may see it at all.
//!
//! Holds what the page reads, computed from the stored state; it changes nothing (a withdrawal
//! is tried on a copy of the state to know whether to offer it). The history is read by
//! `timeline.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::{
    CaseState, CaseStatus, Mode, ProcessDef, RunState, StepKind, TaskKind, TaskState,
};
use xn_domain::org::Permission;
use xn_store::flow::{CaseRow, TaskRow};

use super::{
    TimelineEntry, Urgency, case_status_label, item_kind_label, task_state_label, urgency,
};
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

impl Services {
    /// A case with its tasks and the actor's working posts, if the actor may see it: the
    /// starter, anyone who held a task in it (or is proxy for one who did), a supervising
    /// section that oversees it, or a viewer whose efficiency monitor covers its unit (a
    /// government's leaders drill from a figure down to the stuck item). Out of reach answers
    /// like a missing case.
    pub(crate) async fn case_in_reach(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(CaseRow, Vec<TaskRow>, Vec<i64>)> {
        require(actor, Permission::FlowWork)?;
        let row = xn_store::flow::find_case(self.db(), case_id)
            .await
            .map_err(ServiceError::missing("事项"))?;
        // Above the viewer's clearance the case is not there for them, whatever their part in
        // it (a proxy cleared below its principal's task, a post whose clearance was lowered,
        // a supervising section): answered like a missing case.
        if !actor.may_see(self.case_level(case_id).await?) {
            return Err(ServiceError::NotFound("事项"));
        }
        let posts = self.working_posts(actor, now).await?;
        let tasks = xn_store::flow::tasks_of_case(self.db(), case_id).await?;
        let involved = posts.contains(&row.starter_post_id)
            || tasks.iter().any(|t| {
                posts.contains(&t.post_id) || t.acted_by_post_id.is_some_and(|p| posts.contains(&p))
            });
        // Flow administration opens no case: it is an administrator's duty, and administrators'
        // posts do no business work (三员分立).
        if !involved
            && !self.area_grants_view(actor, row.unit_id).await?
            && !self.efficiency().covers(actor, row.unit_id).await?
        {
            // Answered like a missing case: the refusal tells nothing of what exists.
            return Err(ServiceError::NotFound("事项"));
        }
        Ok((row, tasks, posts))
    }

    /// [`Services::case_detail`] as the case's page and the API read it: a read of a classified
    /// case and a refused read are recorded for the auditor (`crate::reads`).
    pub async fn read_case(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<CaseDetail> {
        let got = self.case_detail(actor, case_id, now).await;
        self.record_read(actor, crate::reads::ReadOf::Case, case_id, got, now)
            .await
    }

    /// A case as its page shows it, if the actor may see it: the starter, anyone who held a
    /// task in it (or is proxy for one who did), or a supervising section that oversees it.
    pub async fn case_detail(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<CaseDetail> {
        let (row, tasks, posts) = self.case_in_reach(actor, case_id, now).await?;
        let def = self.process_def(row.process_id).await?;
        let state: CaseState = crate::flow::stored::decode(&row.state)?;
        let mut ids: Vec<i64> = tasks.iter().map(|t| t.post_id).collect();
        ids.extend(tasks.iter().filter_map(|t| t.acted_by_post_id));
        ids.push(row.starter_post_id);
        let names = self.post_names(&ids).await?;
        let name_of = |p: i64| {
            names
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("岗位 {p}"))
        };
        let me = actor.post_id().unwrap_or(0);

        let opinion_of = |t: &TaskRow| self.task_opinion(t.case_id, t.task_no, t.opinion.as_ref());
        let steps = step_views(&state, &def, &tasks, &name_of, &opinion_of, now);

        // What the viewer can do.
        let mut my_tasks = open_to_me(&state, &def, &tasks, &posts, me, &name_of);
        for t in &mut my_tasks {
            self.choice_candidates(&row, &def, &mut t.next_choices)
                .await?;
        }
        let withdrawable = withdrawable_tasks(&state, &def, me, now);
        let pending_extensions: Vec<ExtensionView> =
            if posts.contains(&row.starter_post_id) || actor.has(Permission::FlowAdmin) {
                extensions_to_decide(&state, &def, &name_of)
            } else {
                Vec::new()
            };
        let urgeable = urgeable_holders(&steps, &tasks, &posts);
        let is_starter = posts.contains(&row.starter_post_id);
        let timeline = self.timeline(case_id, &names, &def).await?;
        let cards = xn_store::flow::cards_of_case(self.db(), case_id)
            .await?
            .into_iter()
            .map(|c| CardView {
                color: c.color.clone(),
                label: if c.color == "red" {
                    "红牌".into()
                } else {
                    "黄牌".into()
                },
                holder: c.post_id.map(name_of).unwrap_or_default(),
                due_date: c.due_date,
                issued_at: from_ms(c.issued_at),
            })
            .collect();
        let fields: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&row.fields).unwrap_or_default();
        let attachments = if crate::areas::generic_start(def.item_kind) {
            self.case_files(case_id).await?
        } else {
            Vec::new()
        };
        let can_supervise = self.may_supervise_case(actor, def.item_kind).await?;
        // A generic request back at its 拟稿 step with its drafter may be corrected there
        // before it is submitted again; an area's cases are corrected through their area.
        let start = def.start().map(|s| s.id.as_str());
        let can_revise = crate::areas::generic_start(def.item_kind)
            && state.status == CaseStatus::Running
            && is_starter
            && my_tasks
                .iter()
                .any(|t| !t.read && Some(t.step.as_str()) == start);
        Ok(CaseDetail {
            id: row.id,
            title: row.title,
            body: row.body,
            attachments,
            fields,
            item_kind_label: item_kind_label(&row.item_kind),
            item_kind: row.item_kind.clone(),
            can_supervise,
            can_revise,
            process_name: def.name.clone(),
            status: row.status.clone(),
            status_label: case_status_label(&row.status).to_owned(),
            version: row.version,
            starter: name_of(row.starter_post_id),
            created_at: from_ms(row.created_at),
            closed_at: row.closed_at.map(from_ms),
            due_date: state.due.as_ref().map(|d| d.date),
            due_explanation: state.due.as_ref().map(|d| d.explanation.clone()),
            urgency: if state.status == CaseStatus::Closed {
                Urgency::None
            } else {
                urgency(
                    state.due.as_ref().map(|d| d.date),
                    state.due.as_ref().map(|d| ms(d.at)),
                    now,
                )
            },
            steps,
            my_tasks,
            withdrawable,
            pending_extensions,
            can_pause: (is_starter || actor.has(Permission::FlowAdmin))
                && state.status == CaseStatus::Running,
            can_resume: (is_starter || actor.has(Permission::FlowAdmin))
                && state.status == CaseStatus::Paused,
            urgeable: if is_starter || participant(&tasks, &posts) {
                urgeable
            } else {
                Vec::new()
            },
            timeline,
            cards,
        })
    }

    /// Fills in the posts the viewer may pick for the next steps whose holders it chooses.
    async fn choice_candidates(
        &self,
        row: &CaseRow,
        def: &ProcessDef,
        next_choices: &mut [ChoiceView],
    ) -> Result<()> {
        for c in next_choices {
            if let Some(xn_domain::flow::AssigneeRule::Chosen { from }) =
                def.step(&c.step).and_then(|s| s.assignee.as_ref())
            {
                let case = crate::flow::CaseCtx {
                    id: row.id,
                    unit_id: row.unit_id,
                    starter: row.starter_post_id,
                    fields: serde_json::from_str(&row.fields).unwrap_or_default(),
                    link: None,
                };
                let mut tx = self.db().begin_read().await?;
                let ids = self
                    .resolve_rule(&mut crate::flow::CommittedRead::Tx(&mut tx), from, &case)
                    .await?;
                tx.commit().await?;
                let names = self.post_names(&ids).await?;
                c.candidates = ids
                    .iter()
                    .map(|p| ChoiceCandidate {
                        post_id: *p,
                        label: names.get(p).cloned().unwrap_or_else(|| format!("岗位 {p}")),
                    })
                    .collect();
            }
        }
        Ok(())
    }
}

/// The steps (runs) the page lists, those of people and fan-outs, each with its holders.
fn step_views(
    state: &CaseState,
    def: &ProcessDef,
    tasks: &[TaskRow],
    name_of: &impl Fn(i64) -> String,
    opinion_of: &impl Fn(&TaskRow) -> Option<String>,
    now: DateTime<Utc>,
) -> Vec<StepView> {
    let mut steps = Vec::new();
    for r in &state.runs {
        let Some(sd) = def.step(&r.step) else {
            continue;
        };
        if !sd.kind.is_human() && sd.kind != StepKind::Fanout {
            continue;
        }
        let holders = tasks
            .iter()
            .filter(|t| t.run_no == i64::from(r.no))
            .map(|t| HolderView {
                task_id: t.id,
                holder: name_of(t.post_id),
                acted_by: t.acted_by_post_id.map(name_of),
                state_label: task_state_label(&t.state).to_owned(),
                decision: t.decision.clone(),
                opinion: opinion_of(t).filter(|o| !o.is_empty()),
                acted_at: t.acted_at.map(from_ms),
                urge_count: t.urge_count,
                open: matches!(t.state.as_str(), "open" | "waiting" | "delegated"),
            })
            .collect();
        steps.push(StepView {
            run: r.no,
            name: sd.name.clone(),
            mode_label: if sd.kind == StepKind::Read {
                "传阅".to_owned()
            } else {
                sd.mode.label().to_owned()
            },
            state_label: match r.state {
                RunState::Active if sd.kind == StepKind::Read => "传阅中",
                RunState::Active => "办理中",
                RunState::Done => "已完成",
                RunState::Returned => "已退回",
                RunState::Withdrawn => "已撤回",
                RunState::Cancelled => "已取消",
            }
            .to_owned(),
            active: r.state == RunState::Active,
            entered_at: r.entered_at,
            due_date: r.due.as_ref().map(|d| d.date),
            due_explanation: r.due.as_ref().map(|d| d.explanation.clone()),
            urgency: if r.state == RunState::Active {
                urgency(
                    r.due.as_ref().map(|d| d.date),
                    r.due.as_ref().map(|d| ms(d.at)),
                    now,
                )
            } else {
                Urgency::None
            },
            extension: r
                .extension
                .as_ref()
                .map(|e| format!("申请延期 {} 个工作日：{}", e.days, e.reason)),
            holders,
        });
    }
    steps
}

/// The open tasks the viewer holds or is proxy for, with what it may do on each; the
/// candidates of the next steps it picks holders for are filled in afterwards
/// (`choice_candidates`), since they are read from the organisation.
fn open_to_me(
    state: &CaseState,
    def: &ProcessDef,
    tasks: &[TaskRow],
    posts: &[i64],
    me: i64,
    name_of: &impl Fn(i64) -> String,
) -> Vec<MyTask> {
    let mut my_tasks = Vec::new();
    for t in &state.tasks {
        if t.state != TaskState::Open || !posts.contains(&t.post) {
            continue;
        }
        let Some(run) = state.run(t.run) else {
            continue;
        };
        let Some(sd) = def.step(&run.step) else {
            continue;
        };
        let id = tasks
            .iter()
            .find(|x| x.task_no == i64::from(t.no))
            .map_or(0, |x| x.id);
        let return_targets = if sd.returnable && t.kind == TaskKind::Task && t.delegate_of.is_none()
        {
            return_targets(state, def, run.no)
        } else {
            Vec::new()
        };
        let next_choices = next_chosen_steps(def, &run.step);
        my_tasks.push(MyTask {
            task_id: id,
            step: run.step.clone(),
            task_no: t.no,
            run: run.no,
            step_name: sd.name.clone(),
            read: t.kind == TaskKind::Read,
            decisions: ProcessDef::decisions(sd),
            opinion_label: opinion_label(sd),
            on_behalf_of: (t.post != me).then(|| name_of(t.post)),
            delegated_to_me: t.delegate_of.is_some(),
            can_return: !return_targets.is_empty(),
            return_targets,
            choose_jump_back: sd.after_return == xn_domain::flow::AfterReturn::Choose,
            can_transfer: t.kind == TaskKind::Task && t.delegate_of.is_none(),
            can_delegate: t.kind == TaskKind::Task && t.delegate_of.is_none(),
            can_extend: run.due.is_some() && run.extension.is_none() && t.kind == TaskKind::Task,
            can_add_signer: matches!(sd.mode, Mode::All | Mode::Sequence | Mode::Ratio)
                && t.kind == TaskKind::Task,
            next_choices,
        });
    }
    my_tasks
}

/// The label of a step's opinion box.
fn opinion_label(sd: &xn_domain::flow::StepDef) -> String {
    match &sd.opinion {
        Some(l) if !l.trim().is_empty() => l.clone(),
        _ if ProcessDef::decisions(sd).len() == 1 => "说明（可不填）".to_owned(),
        _ => "办理意见".to_owned(),
    }
}

/// The completions the viewer may take back.
fn withdrawable_tasks(
    state: &CaseState,
    def: &ProcessDef,
    me: i64,
    now: DateTime<Utc>,
) -> Vec<WithdrawView> {
    state
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Done && t.kind == TaskKind::Task)
        .filter(|t| t.acted_by == Some(me) || (t.acted_by.is_none() && t.post == me))
        .filter(|t| {
            state
                .run(t.run)
                .is_some_and(|r| r.completed_by == Some(t.no) && r.state == RunState::Done)
        })
        .filter(|t| {
            // Only the latest completion can be taken back, and only while it is untouched;
            // the engine decides for sure when asked.
            let mut probe = state.clone();
            let cal = xn_domain::calendar::Calendar::default();
            let hours = xn_domain::calendar::OfficeHours::default();
            let fields = BTreeMap::new();
            let ctx = xn_domain::flow::Ctx {
                def,
                cal: &cal,
                hours: &hours,
                fields: &fields,
                now,
            };
            probe
                .apply(
                    &ctx,
                    &xn_domain::flow::Acting::post(me),
                    &xn_domain::flow::Action::Withdraw { task: t.no },
                )
                .is_ok()
        })
        .map(|t| WithdrawView {
            task_no: t.no,
            step_name: state
                .run(t.run)
                .and_then(|r| def.step(&r.step))
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// The extension requests waiting on active steps, for the starter or an administrator.
fn extensions_to_decide(
    state: &CaseState,
    def: &ProcessDef,
    name_of: &impl Fn(i64) -> String,
) -> Vec<ExtensionView> {
    state
        .runs
        .iter()
        .filter(|r| r.state == RunState::Active)
        .filter_map(|r| {
            r.extension.as_ref().map(|e| ExtensionView {
                run: r.no,
                step_name: def
                    .step(&r.step)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                days: e.days,
                reason: e.reason.clone(),
                by: name_of(e.by),
            })
        })
        .collect()
}

/// The open holders of active steps the viewer may urge: all but its own tasks.
fn urgeable_holders(steps: &[StepView], tasks: &[TaskRow], posts: &[i64]) -> Vec<HolderView> {
    let own_task_ids: Vec<i64> = tasks
        .iter()
        .filter(|t| posts.contains(&t.post_id))
        .map(|t| t.id)
        .collect();
    steps
        .iter()
        .filter(|s| s.active)
        .flat_map(|s| s.holders.iter().filter(|h| h.open).cloned())
        .filter(|h| !own_task_ids.contains(&h.task_id))
        .collect()
}

/// Whether one of the posts held or acted on a task of the case (participants may urge).
fn participant(tasks: &[TaskRow], posts: &[i64]) -> bool {
    tasks.iter().any(|t| {
        posts.contains(&t.post_id) || t.acted_by_post_id.is_some_and(|p| posts.contains(&p))
    })
}

/// The earlier steps a run may be returned to: done runs of human steps before it, latest
/// first, each step once.
fn return_targets(state: &CaseState, def: &ProcessDef, run: u32) -> Vec<ReturnTargetView> {
    let mut out: Vec<ReturnTargetView> = Vec::new();
    let current = state.run(run).map(|r| r.step.clone()).unwrap_or_default();
    for r in state
        .runs
        .iter()
        .rev()
        .filter(|r| r.no < run && r.state == RunState::Done)
    {
        let Some(sd) = def.step(&r.step) else {
            continue;
        };
        if !matches!(sd.kind, StepKind::Start | StepKind::Task) || sd.id == current {
            continue;
        }
        if out.iter().any(|t| t.step == sd.id) {
            continue;
        }
        out.push(ReturnTargetView {
            step: sd.id.clone(),
            name: sd.name.clone(),
        });
    }
    out
}

/// Steps after this one whose holders the actor picks: those right after it, and those behind
/// the gateways right after it (conditional: taken on some routes only).
fn next_chosen_steps(def: &ProcessDef, step: &str) -> Vec<ChoiceView> {
    let Some(sd) = def.step(step) else {
        return Vec::new();
    };
    let mut out: Vec<ChoiceView> = Vec::new();
    let mut frontier: Vec<(&str, bool)> = ProcessDef::successors(sd)
        .into_iter()
        .map(|id| (id, false))
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    while let Some((id, conditional)) = frontier.pop() {
        if seen.contains(&id) || seen.len() > 64 {
            continue;
        }
        seen.push(id);
        let Some(s) = def.step(id) else { continue };
        match s.kind {
            StepKind::Exclusive | StepKind::Split | StepKind::Join => {
                let gate = conditional || s.kind == StepKind::Exclusive;
                frontier.extend(ProcessDef::successors(s).into_iter().map(|n| (n, gate)));
            }
            _ => {
                if let Some(xn_domain::flow::AssigneeRule::Chosen { .. }) = s.assignee {
                    out.push(ChoiceView {
                        step: s.id.clone(),
                        name: s.name.clone(),
                        candidates: Vec::new(),
                        multiple: s.kind == StepKind::Read
                            || matches!(s.mode, Mode::All | Mode::Sequence | Mode::Ratio),
                        conditional,
                    });
                }
            }
        }
    }
    out.sort_by_key(|c| c.conditional);
    out
}

/// One step (run) on the case page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    /// Run number.
    pub run: u32,
    /// Step name.
    pub name: String,
    /// Mode label.
    pub mode_label: String,
    /// State label.
    pub state_label: String,
    /// Still active.
    pub active: bool,
    /// Entered at.
    #[schema(value_type = String, format = DateTime)]
    pub entered_at: DateTime<Utc>,
    /// Deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// How the deadline was counted.
    pub due_explanation: Option<String>,
    /// Urgency.
    pub urgency: Urgency,
    /// A pending extension request.
    pub extension: Option<String>,
    /// Its holders.
    pub holders: Vec<HolderView>,
}

/// A holder of a step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    /// Task id.
    pub task_id: i64,
    /// Holder "姓名（单位）".
    pub holder: String,
    /// Proxy who acted.
    pub acted_by: Option<String>,
    /// State label.
    pub state_label: String,
    /// Decision.
    pub decision: Option<String>,
    /// Opinion.
    pub opinion: Option<String>,
    /// Acted at.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acted_at: Option<DateTime<Utc>>,
    /// Times urged.
    pub urge_count: i64,
    /// Still pending.
    pub open: bool,
}

/// A task the viewer may act on now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTask {
    /// Task id.
    pub task_id: i64,
    /// Number within the case.
    pub task_no: u32,
    /// Run.
    pub run: u32,
    /// Step id (what the area's part of the page reads to show what this step decides on).
    pub step: String,
    /// Step name.
    pub step_name: String,
    /// A read task (待阅).
    pub read: bool,
    /// Decisions offered.
    pub decisions: Vec<String>,
    /// What the opinion box asks for: the step's own word (拟办意见, 批示, 承办结果 …), else
    /// 办理意见 where a decision is chosen and 说明（可不填） where there is one.
    pub opinion_label: String,
    /// Held for someone else (proxy).
    pub on_behalf_of: Option<String>,
    /// Delegated to the viewer.
    pub delegated_to_me: bool,
    /// May return.
    pub can_return: bool,
    /// Where to.
    pub return_targets: Vec<ReturnTargetView>,
    /// The returner chooses whether to jump back.
    pub choose_jump_back: bool,
    /// May transfer.
    pub can_transfer: bool,
    /// May delegate.
    pub can_delegate: bool,
    /// May ask for an extension.
    pub can_extend: bool,
    /// May add signers.
    pub can_add_signer: bool,
    /// Next steps whose holders the viewer picks.
    pub next_choices: Vec<ChoiceView>,
}

/// A return target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnTargetView {
    /// Step id.
    pub step: String,
    /// Name.
    pub name: String,
}

/// A next step whose holders are picked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChoiceView {
    /// Step id.
    pub step: String,
    /// Name.
    pub name: String,
    /// The posts that may be picked (empty: any post may be typed).
    pub candidates: Vec<ChoiceCandidate>,
    /// Whether several may be picked (会签, 传阅 …); the first is the lead.
    pub multiple: bool,
    /// Whether it is taken only on some routes (behind a gateway).
    pub conditional: bool,
}

/// A post that may be picked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChoiceCandidate {
    /// Post id.
    pub post_id: i64,
    /// "姓名（单位 · 职务）".
    pub label: String,
}

/// A completion the viewer may withdraw.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithdrawView {
    /// Task number.
    pub task_no: u32,
    /// Step name.
    pub step_name: String,
}

/// A pending extension the viewer may decide.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = flow::ExtensionView)]
pub struct ExtensionView {
    /// Run.
    pub run: u32,
    /// Step name.
    pub step_name: String,
    /// Days asked.
    pub days: u32,
    /// Why.
    pub reason: String,
    /// Asked by.
    pub by: String,
}

/// A card given on the case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardView {
    /// yellow / red.
    pub color: String,
    /// 黄牌 / 红牌.
    pub label: String,
    /// Against whom.
    pub holder: String,
    /// The deadline missed.
    pub due_date: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: DateTime<Utc>,
}

/// A case page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// 附件 of an internal request (an area's files are in its part of the page).
    pub attachments: Vec<super::super::files::CaseAttachment>,
    /// Fields.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Kind label.
    pub item_kind_label: String,
    /// Kind of item (code): the area whose part of the page shows what is decided on.
    pub item_kind: String,
    /// Whether the viewer may open a supervision item from this case (a supervising section,
    /// on a case that is not a supervision item itself).
    pub can_supervise: bool,
    /// The acting post is the drafter and the case waits at its 拟稿 step (returned): its
    /// title and body may be corrected before it is submitted again (`revise_case`).
    pub can_revise: bool,
    /// Process name.
    pub process_name: String,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Version (send it back with an action).
    pub version: i64,
    /// Starter "姓名（单位）".
    pub starter: String,
    /// Started at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// Closed at.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Case deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// How it was counted.
    pub due_explanation: Option<String>,
    /// Urgency of the case deadline.
    pub urgency: Urgency,
    /// Steps, in order.
    pub steps: Vec<StepView>,
    /// The viewer's open tasks here.
    pub my_tasks: Vec<MyTask>,
    /// The viewer's completions that can be withdrawn.
    pub withdrawable: Vec<WithdrawView>,
    /// Extension requests the viewer may decide.
    pub pending_extensions: Vec<ExtensionView>,
    /// May pause.
    pub can_pause: bool,
    /// May resume.
    pub can_resume: bool,
    /// Open tasks the viewer may urge.
    pub urgeable: Vec<HolderView>,
    /// History.
    pub timeline: Vec<TimelineEntry>,
    /// Cards given.
    pub cards: Vec<CardView>,
}
