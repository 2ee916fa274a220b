//! What the workbench and the case page show: queues, a case with its steps, holders,
//! timeline of opinions, and the actions open to the viewer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::{
    CaseState, CaseStatus, Mode, ProcessDef, RunState, StepKind, TaskKind, TaskState,
};
use xn_domain::org::Permission;
use xn_store::flow::{Queue, TaskFilter, TaskRow, TaskSort};

use crate::calendar::business_date;
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

/// How urgent a task is, for colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// No deadline.
    None,
    /// In time.
    Normal,
    /// Due today or tomorrow (临期).
    DueSoon,
    /// Past its deadline (黄牌 territory).
    Overdue,
}

impl Urgency {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::None => "无时限",
            Urgency::Normal => "正常",
            Urgency::DueSoon => "临期",
            Urgency::Overdue => "超期",
        }
    }
}

/// A task in a queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskItem {
    /// Task id.
    pub id: i64,
    /// Case id.
    pub case_id: i64,
    /// The case's title.
    pub title: String,
    /// The item kind code.
    pub item_kind: String,
    /// Its Chinese name.
    pub item_kind_label: String,
    /// Step name.
    pub step_name: String,
    /// task / read.
    pub kind: String,
    /// State code.
    pub state: String,
    /// State label.
    pub state_label: String,
    /// Holder post id.
    pub post_id: i64,
    /// Held for someone else (proxy): the holder's name.
    pub on_behalf_of: Option<String>,
    /// Deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Urgency.
    pub urgency: Urgency,
    /// Arrived at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// Acted at.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acted_at: Option<DateTime<Utc>>,
    /// Decision given.
    pub decision: Option<String>,
    /// Opinion written.
    pub opinion: Option<String>,
    /// Times urged.
    pub urge_count: i64,
    /// The case's version (for acting from the list).
    pub case_version: i64,
    /// The case's status label.
    pub case_status_label: String,
}

/// A case I started.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseItem {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Kind label.
    pub item_kind_label: String,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Case deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Where it is now: step names with holders.
    pub current: String,
    /// Started at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// The Chinese name of a stored item kind (the area registry names them).
pub fn item_kind_label(kind: &str) -> String {
    crate::areas::label_of_code(kind)
}

fn task_state_label(code: &str) -> &'static str {
    match code {
        "open" => "待办",
        "waiting" => "待轮到",
        "done" => "已办",
        "returned" => "已退回",
        "delegated" => "已委派",
        "transferred" => "已转办",
        "removed" => "已减签",
        _ => "已取消",
    }
}

fn case_status_label(code: &str) -> &'static str {
    match code {
        "running" => "办理中",
        "paused" => "已挂起",
        _ => "已办结",
    }
}

fn parse_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The urgency of a deadline seen at `now`.
pub fn urgency(due: Option<NaiveDate>, due_at: Option<i64>, now: DateTime<Utc>) -> Urgency {
    let Some(date) = due else {
        return Urgency::None;
    };
    if due_at.is_some_and(|at| at <= ms(now)) {
        return Urgency::Overdue;
    }
    let today = business_date(now);
    if (date - today).num_days() <= 1 {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

/// Which queue, as the pages and API name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueName {
    /// 待办.
    Todo,
    /// 待阅.
    ToRead,
    /// 已办.
    Done,
    /// 被催办.
    Urged,
    /// 我发起的.
    Started,
}

impl QueueName {
    /// Parses `todo`, `read`, `done`, `urged`, `started`.
    pub fn parse(s: &str) -> Option<QueueName> {
        Some(match s {
            "" | "todo" => QueueName::Todo,
            "read" => QueueName::ToRead,
            "done" => QueueName::Done,
            "urged" => QueueName::Urged,
            "started" => QueueName::Started,
            _ => return None,
        })
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            QueueName::Todo => "todo",
            QueueName::ToRead => "read",
            QueueName::Done => "done",
            QueueName::Urged => "urged",
            QueueName::Started => "started",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            QueueName::Todo => "待办",
            QueueName::ToRead => "待阅",
            QueueName::Done => "已办",
            QueueName::Urged => "被催办",
            QueueName::Started => "我发起的",
        }
    }

    /// All, in tab order.
    pub const ALL: [QueueName; 5] = [
        QueueName::Todo,
        QueueName::ToRead,
        QueueName::Done,
        QueueName::Urged,
        QueueName::Started,
    ];
}

/// Counts shown on the workbench tabs.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct QueueCounts {
    /// 待办.
    pub todo: i64,
    /// 待阅.
    pub to_read: i64,
    /// The newest open task id (a change means new work arrived).
    pub latest: i64,
}

/// A queue request.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    /// Which.
    pub queue: QueueName,
    /// Item kind filter ('' = all).
    pub item_kind: String,
    /// Title search.
    pub q: String,
    /// `due`, `newest`, `oldest`.
    pub sort: String,
    /// Page (from 1).
    pub page: i64,
    /// Per page.
    pub per_page: i64,
}

impl Services {
    /// The posts whose work the actor sees: its own and those it is proxy for now.
    pub async fn working_posts(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let Some(post) = actor.post_id() else {
            return Ok(Vec::new());
        };
        let mut posts = vec![post];
        for p in xn_store::flow::principals_of(self.db(), post, ms(now)).await? {
            if !posts.contains(&p) {
                posts.push(p);
            }
        }
        Ok(posts)
    }

    /// Counts for the workbench tabs and the live update.
    pub async fn queue_counts(&self, actor: &Actor, now: DateTime<Utc>) -> Result<QueueCounts> {
        let posts = self.working_posts(actor, now).await?;
        let (todo, to_read, latest) = xn_store::flow::queue_counts(self.db(), &posts).await?;
        Ok(QueueCounts {
            todo,
            to_read,
            latest,
        })
    }

    /// One page of a task queue.
    pub async fn task_queue(
        &self,
        actor: &Actor,
        q: &QueueQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaskItem>> {
        require(actor, Permission::FlowWork)?;
        let posts = self.working_posts(actor, now).await?;
        let own = actor.post_id().unwrap_or(0);
        let queue = match q.queue {
            QueueName::Todo => Queue::Todo,
            QueueName::ToRead => Queue::ToRead,
            QueueName::Done => Queue::Done,
            QueueName::Urged => Queue::Urged,
            QueueName::Started => {
                return Err(ServiceError::invalid("queue", "请使用我发起的事项列表"));
            }
        };
        let sort = match q.sort.as_str() {
            "newest" => TaskSort::Newest,
            "oldest" => TaskSort::Oldest,
            _ => TaskSort::Due,
        };
        let per = q.per_page.clamp(1, 200);
        let rows = xn_store::flow::queue(
            self.db(),
            &posts,
            queue,
            &TaskFilter {
                item_kind: q.item_kind.clone(),
                q: q.q.clone(),
            },
            sort,
            (q.page.max(1) - 1) * per,
            per,
        )
        .await?;
        let others: Vec<i64> = rows
            .iter()
            .map(|r| r.post_id)
            .filter(|p| *p != own)
            .collect();
        let names = self.post_names(&others).await?;
        Ok(rows
            .into_iter()
            .map(|r| task_item(r, own, &names, now))
            .collect())
    }

    /// Cases the acting post started, newest first.
    pub async fn started_cases(
        &self,
        actor: &Actor,
        page: i64,
        per_page: i64,
    ) -> Result<Vec<CaseItem>> {
        require(actor, Permission::FlowWork)?;
        let Some(post) = actor.post_id() else {
            return Ok(Vec::new());
        };
        let per = per_page.clamp(1, 200);
        // Cursor-free paging over a small list: fetch up to the page's end.
        let rows = xn_store::flow::cases_started_by(self.db(), post, 0, per * page.max(1)).await?;
        let skip = usize::try_from((page.max(1) - 1) * per).unwrap_or(0);
        let mut out = Vec::new();
        for c in rows.into_iter().skip(skip) {
            let state: Option<CaseState> = super::stored::decode(&c.state).ok();
            let current = match &state {
                Some(s) if s.status != CaseStatus::Closed => {
                    let def = self.process_def(c.process_id).await?;
                    let holders: Vec<i64> = s
                        .tasks
                        .iter()
                        .filter(|t| t.state == TaskState::Open && t.kind == TaskKind::Task)
                        .map(|t| t.post)
                        .collect();
                    let names = self.post_names(&holders).await?;
                    s.runs
                        .iter()
                        .filter(|r| {
                            r.state == RunState::Active
                                && def.step(&r.step).is_some_and(|d| d.kind != StepKind::Read)
                        })
                        .map(|r| {
                            let who: Vec<String> = s
                                .tasks
                                .iter()
                                .filter(|t| t.run == r.no && t.state == TaskState::Open)
                                .filter_map(|t| names.get(&t.post).cloned())
                                .collect();
                            let name = def
                                .step(&r.step)
                                .map(|d| d.name.clone())
                                .unwrap_or_default();
                            if who.is_empty() {
                                name
                            } else {
                                format!("{name}（{}）", who.join("、"))
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("；")
                }
                _ => String::new(),
            };
            out.push(CaseItem {
                id: c.id,
                title: c.title,
                item_kind_label: item_kind_label(&c.item_kind),
                status_label: case_status_label(&c.status).to_owned(),
                status: c.status,
                due_date: parse_date(c.due_date.as_deref()),
                current,
                created_at: from_ms(c.created_at),
            });
        }
        Ok(out)
    }

    /// "姓名（单位 · 职务）" of posts.
    pub async fn post_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut unique: Vec<i64> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        Ok(xn_store::flow::post_labels(self.db(), &unique)
            .await?
            .into_iter()
            .map(|(id, name, unit)| (id, format!("{name}（{unit}）")))
            .collect())
    }

    /// A case as its page shows it, if the actor may see it: the starter, anyone who held a
    /// task in it (or is proxy for one who did), or a flow administrator.
    pub async fn case_detail(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<CaseDetail> {
        require(actor, Permission::FlowWork)?;
        let row = xn_store::flow::find_case(self.db(), case_id)
            .await
            .map_err(ServiceError::missing("事项"))?;
        let posts = self.working_posts(actor, now).await?;
        let tasks = xn_store::flow::tasks_of_case(self.db(), case_id).await?;
        let involved = posts.contains(&row.starter_post_id)
            || tasks.iter().any(|t| {
                posts.contains(&t.post_id) || t.acted_by_post_id.is_some_and(|p| posts.contains(&p))
            });
        if !involved
            && !actor.has(Permission::FlowAdmin)
            && !self.area_grants_view(actor, row.unit_id).await?
        {
            return Err(ServiceError::Forbidden("您没有参与该事项，不能查看".into()));
        }
        let def = self.process_def(row.process_id).await?;
        let state: CaseState = super::stored::decode(&row.state)?;
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
                    opinion: t.opinion.clone().filter(|o| !o.is_empty()),
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

        // What the viewer can do.
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
            let return_targets =
                if sd.returnable && t.kind == TaskKind::Task && t.delegate_of.is_none() {
                    return_targets(&state, &def, run.no)
                } else {
                    Vec::new()
                };
            let mut next_choices = next_chosen_steps(&def, &run.step);
            for c in &mut next_choices {
                if let Some(xn_domain::flow::AssigneeRule::Chosen { from }) =
                    def.step(&c.step).and_then(|s| s.assignee.as_ref())
                {
                    let case = super::CaseCtx {
                        id: row.id,
                        unit_id: row.unit_id,
                        starter: row.starter_post_id,
                        fields: serde_json::from_str(&row.fields).unwrap_or_default(),
                        link: None,
                    };
                    let mut tx = self.db().begin().await?;
                    let ids = self.resolve_rule(&mut tx, from, &case).await?;
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
            my_tasks.push(MyTask {
                task_id: id,
                task_no: t.no,
                run: run.no,
                step_name: sd.name.clone(),
                read: t.kind == TaskKind::Read,
                decisions: ProcessDef::decisions(sd),
                on_behalf_of: (t.post != me).then(|| name_of(t.post)),
                delegated_to_me: t.delegate_of.is_some(),
                can_return: !return_targets.is_empty(),
                return_targets,
                choose_jump_back: sd.after_return == xn_domain::flow::AfterReturn::Choose,
                can_transfer: t.kind == TaskKind::Task && t.delegate_of.is_none(),
                can_delegate: t.kind == TaskKind::Task && t.delegate_of.is_none(),
                can_extend: run.due.is_some()
                    && run.extension.is_none()
                    && t.kind == TaskKind::Task,
                can_add_signer: matches!(sd.mode, Mode::All | Mode::Sequence | Mode::Ratio)
                    && t.kind == TaskKind::Task,
                next_choices,
            });
        }
        let withdrawable: Vec<WithdrawView> = state
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
                    def: &def,
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
            .collect();
        let pending_extensions: Vec<ExtensionView> =
            if posts.contains(&row.starter_post_id) || actor.has(Permission::FlowAdmin) {
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
            } else {
                Vec::new()
            };
        let own_task_ids: Vec<i64> = tasks
            .iter()
            .filter(|t| posts.contains(&t.post_id))
            .map(|t| t.id)
            .collect();
        let urgeable: Vec<HolderView> = steps
            .iter()
            .filter(|s| s.active)
            .flat_map(|s| s.holders.iter().filter(|h| h.open).cloned())
            .filter(|h| !own_task_ids.contains(&h.task_id))
            .collect();
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
        let can_supervise = self.may_supervise_case(actor, def.item_kind).await?;
        Ok(CaseDetail {
            id: row.id,
            title: row.title,
            body: row.body,
            fields,
            item_kind_label: item_kind_label(&row.item_kind),
            can_supervise,
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

    pub(crate) async fn timeline(
        &self,
        case_id: i64,
        names: &HashMap<i64, String>,
        def: &ProcessDef,
    ) -> Result<Vec<TimelineEntry>> {
        let rows =
            xn_store::events::list(self.db(), "flow.", &format!("case:{case_id}"), 0, 1000).await?;
        let mut out = Vec::new();
        for e in rows.into_iter().rev() {
            let mut detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            // An action's row carries what followed from it under `then` (rows written before
            // that hold one event each): one line for the action, one for each consequence.
            let then = match detail.as_object_mut().and_then(|o| o.remove("then")) {
                Some(serde_json::Value::Array(then)) => then,
                _ => Vec::new(),
            };
            let who = e.actor_name.unwrap_or_else(|| "系统".into());
            let as_post = e.actor_post_id.and_then(|p| names.get(&p).cloned());
            let consequences = then.iter().map(|d| {
                let kind = d.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
                (format!("flow.{kind}"), d)
            });
            for (kind, d) in std::iter::once((e.kind, &detail)).chain(consequences) {
                let Some(text) = describe(&kind, d, names, def) else {
                    continue;
                };
                out.push(TimelineEntry {
                    seq: e.id,
                    at: from_ms(e.at),
                    who: who.clone(),
                    as_post: as_post.clone(),
                    decision: d
                        .get("decision")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .filter(|_| kind == "flow.task_completed"),
                    opinion: d
                        .get("opinion")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .filter(|o| !o.is_empty()),
                    kind,
                    text,
                });
            }
        }
        Ok(out)
    }
}

/// Whether one of the posts held or acted on a task of the case (participants may urge).
fn participant(tasks: &[TaskRow], posts: &[i64]) -> bool {
    tasks.iter().any(|t| {
        posts.contains(&t.post_id) || t.acted_by_post_id.is_some_and(|p| posts.contains(&p))
    })
}

fn task_item(r: TaskRow, own: i64, names: &HashMap<i64, String>, now: DateTime<Utc>) -> TaskItem {
    let due = parse_date(r.due_date.as_deref());
    TaskItem {
        id: r.id,
        case_id: r.case_id,
        item_kind_label: item_kind_label(&r.item_kind),
        item_kind: r.item_kind,
        title: r.title,
        step_name: r.step_name,
        kind: r.kind,
        state_label: task_state_label(&r.state).to_owned(),
        urgency: if r.state == "open" {
            urgency(due, r.due_at, now)
        } else {
            Urgency::None
        },
        state: r.state,
        on_behalf_of: (r.post_id != own)
            .then(|| names.get(&r.post_id).cloned().unwrap_or_default()),
        post_id: r.post_id,
        due_date: due,
        created_at: from_ms(r.created_at),
        acted_at: r.acted_at.map(from_ms),
        decision: r.decision,
        opinion: r.opinion,
        urge_count: r.urge_count,
        case_version: r.case_version,
        case_status_label: case_status_label(&r.case_status).to_owned(),
    }
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

/// A timeline line in Chinese, or `None` for bookkeeping events not worth showing.
fn describe(
    kind: &str,
    d: &serde_json::Value,
    names: &HashMap<i64, String>,
    def: &ProcessDef,
) -> Option<String> {
    let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    // Steps are recorded by id; people read their names.
    let step = |k: &str| {
        let id = s(k);
        def.step(&id).map_or(id, |st| st.name.clone())
    };
    let n = |k: &str| d.get(k).and_then(serde_json::Value::as_i64);
    let who = |k: &str| {
        n(k).and_then(|p| names.get(&p).cloned())
            .unwrap_or_default()
    };
    let date = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Some(match kind {
        "flow.case_started" => format!(
            "发起{}",
            date("due")
                .map(|x| format!("，办理时限 {x}"))
                .unwrap_or_default()
        ),
        "flow.step_entered" => format!(
            "进入「{}」{}",
            step("step"),
            date("due")
                .map(|x| format!("，时限 {x}"))
                .unwrap_or_default()
        ),
        "flow.assigned" => {
            let list: Vec<String> = d
                .get("posts")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_i64())
                        .filter_map(|p| names.get(&p).cloned())
                        .collect()
                })
                .unwrap_or_default();
            format!("交由 {} 办理", list.join("、"))
        }
        "flow.task_completed" => {
            let by = n("acted_by")
                .and_then(|p| names.get(&p).cloned())
                .map(|p| format!("（{p} 代办）"))
                .unwrap_or_default();
            format!(
                "{} 办理「{}」：{}{by}",
                who("post"),
                step("step"),
                s("decision")
            )
        }
        "flow.returned" => format!(
            "{} 将事项从「{}」退回「{}」",
            who("post"),
            step("from_step"),
            step("to_step")
        ),
        "flow.withdrawn" => format!("撤回「{}」的办理", step("step")),
        "flow.transferred" => format!("{} 转办给 {}", who("from"), who("to")),
        "flow.delegated" => format!("{} 委派给 {}", who("from"), who("to")),
        "flow.delegation_returned" => "委派办理完毕，交还原办理人".to_owned(),
        "flow.signer_added" => format!("加签：{}", who("post")),
        "flow.signer_removed" => format!("减签：{}", who("post")),
        "flow.paused" => format!("挂起：{}", s("reason")),
        "flow.resumed" => format!(
            "恢复办理，时限顺延 {} 个工作日",
            n("working_days").unwrap_or(0)
        ),
        "flow.extension_requested" => format!(
            "申请延期 {} 个工作日：{}",
            n("days").unwrap_or(0),
            s("reason")
        ),
        "flow.extension_decided" => {
            if d.get("approved")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
            {
                format!("批准延期，时限由 {} 改为 {}", s("before"), s("after"))
            } else {
                "不批准延期".to_owned()
            }
        }
        "flow.handed_over" => format!("工作交接：{} → {}", who("from"), who("to")),
        "flow.child_linked" => format!("分送至单位 {}", n("unit_id").unwrap_or(0)),
        "flow.child_reported" => format!("分送单位回报：{}", s("outcome")),
        "flow.case_closed" => "办结".to_owned(),
        "flow.urged" => format!("催办 {}：{}", who("post"), s("message")),
        "flow.due_soon" => "临期提醒".to_owned(),
        "flow.yellow_card" => format!("超期，亮黄牌（时限 {}）", s("due_date")),
        "flow.red_card" => format!("严重超期，亮红牌（时限 {}）", s("due_date")),
        _ => return None,
    })
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
    /// Step name.
    pub step_name: String,
    /// A read task (待阅).
    pub read: bool,
    /// Decisions offered.
    pub decisions: Vec<String>,
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

/// A line of the case's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// The event's id: the order of entries at the same instant.
    #[serde(skip)]
    pub seq: i64,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Who (a person, or 系统 for timers).
    pub who: String,
    /// As which post.
    pub as_post: Option<String>,
    /// Event kind.
    pub kind: String,
    /// What happened.
    pub text: String,
    /// The decision, for completions.
    pub decision: Option<String>,
    /// The opinion.
    pub opinion: Option<String>,
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
    /// Fields.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Kind label.
    pub item_kind_label: String,
    /// Whether the viewer may open a supervision item from this case (a supervising section,
    /// on a case that is not a supervision item itself).
    pub can_supervise: bool,
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
