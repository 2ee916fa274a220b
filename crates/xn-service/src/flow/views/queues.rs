//! The workbench's lists: the task queues (待办, 待阅, 已办, 被催办), their counts, and the
//! cases the actor started.
//!
//! Holds the rows of a list only; what a case's own page shows is in `case.rs`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::{CaseState, CaseStatus, RunState, StepKind, TaskKind, TaskState};
use xn_domain::org::Permission;
use xn_store::flow::{Queue, TaskFilter, TaskRow, TaskSort};

use super::{Urgency, case_status_label, item_kind_label, parse_date, task_state_label, urgency};
use crate::clearance::WITHHELD;
use crate::{Actor, Result, ServiceError, Services, from_ms, require};

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
    /// Made by a return (退回): the returner's reason (empty when none was given).
    pub returned: Option<String>,
    /// The step asks for a leader's decision (批示, 签发): listed in the 领导批示 block.
    pub instruction: bool,
    /// Classified above the reader's clearance (a principal's task seen by a proxy cleared
    /// below it, a post whose clearance was lowered): listed as「（涉密事项）」with its title,
    /// opinion, decision and reasons left out, and its case does not open.
    pub withheld: bool,
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
    /// Classified above the reader's clearance: listed as「（涉密事项）」, where it stands left
    /// out, and its case does not open.
    pub withheld: bool,
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
        let paging = crate::paging::Paging::new(q.page, q.per_page, 200)?;
        let rows = xn_store::flow::queue(
            self.db(),
            &posts,
            queue,
            &TaskFilter {
                item_kind: q.item_kind.clone(),
                q: q.q.clone(),
                title_levels: actor.readable_levels(),
            },
            sort,
            paging.offset(),
            paging.per_page,
        )
        .await?;
        let others: Vec<i64> = rows
            .iter()
            .map(|r| r.post_id)
            .filter(|p| *p != own)
            .collect();
        let names = self.post_names(&others).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let def = self.process_def(r.process_id).await?;
            let instruction = def.step(&r.step_id).is_some_and(|d| d.instruction);
            let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
            let item = TaskItem {
                instruction,
                ..task_item(self, r, own, &names, now, withheld)
            };
            out.push(if withheld { withhold_task(item) } else { item });
        }
        Ok(out)
    }

    /// The open tasks waiting for the actor's 批示 or 签发 (steps marked `instruction` in their
    /// process), soonest deadline first: the workbench's 领导批示 block.
    pub async fn awaiting_instruction(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaskItem>> {
        let q = QueueQuery {
            queue: QueueName::Todo,
            item_kind: String::new(),
            q: String::new(),
            sort: "due".into(),
            page: 1,
            per_page: 200,
        };
        let mut tasks = self.task_queue(actor, &q, now).await?;
        tasks.retain(|t| t.instruction);
        Ok(tasks)
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
        let paging = crate::paging::Paging::new(page, per_page, 200)?;
        // Cursor-free paging over a small list: fetch up to the page's end.
        let rows =
            xn_store::flow::cases_started_by(self.db(), post, 0, paging.offset() + paging.per_page)
                .await?;
        let skip = usize::try_from(paging.offset()).unwrap_or(usize::MAX);
        let rows: Vec<_> = rows.into_iter().skip(skip).collect();
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let levels = self.case_levels(&ids).await?;
        let mut out = Vec::new();
        for c in rows {
            if levels.get(&c.id).is_some_and(|l| !actor.may_see(*l)) {
                out.push(CaseItem {
                    id: c.id,
                    title: WITHHELD.to_owned(),
                    item_kind_label: item_kind_label(&c.item_kind),
                    status_label: case_status_label(&c.status).to_owned(),
                    status: c.status,
                    due_date: parse_date(c.due_date.as_deref()),
                    current: String::new(),
                    created_at: from_ms(c.created_at),
                    withheld: true,
                });
                continue;
            }
            let state: Option<CaseState> = crate::flow::stored::decode(&c.state).ok();
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
                withheld: false,
            });
        }
        Ok(out)
    }
}

/// A queue's line for a task. The opinions are opened only for a reader who may see them.
fn task_item(
    svc: &Services,
    r: TaskRow,
    own: i64,
    names: &HashMap<i64, String>,
    now: DateTime<Utc>,
    withheld: bool,
) -> TaskItem {
    let due = parse_date(r.due_date.as_deref());
    let returned = match (&r.returned_reason, r.returned_by_task) {
        (Some(reason), Some(by)) if r.state == "open" => Some(if withheld {
            String::new()
        } else {
            svc.task_opinion(r.case_id, by, Some(reason))
                .unwrap_or_default()
        }),
        _ => None,
    };
    let opinion = if withheld {
        None
    } else {
        svc.task_opinion(r.case_id, r.task_no, r.opinion.as_ref())
    };
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
        opinion,
        urge_count: r.urge_count,
        case_version: r.case_version,
        case_status_label: case_status_label(&r.case_status).to_owned(),
        returned,
        instruction: false,
        withheld: false,
    }
}

/// A task of a case classified above the reader: its place in the queue (step, deadline,
/// state) stays, its words go.
fn withhold_task(t: TaskItem) -> TaskItem {
    TaskItem {
        title: WITHHELD.to_owned(),
        decision: None,
        opinion: None,
        returned: t.returned.as_ref().map(|_| String::new()),
        withheld: true,
        ..t
    }
}
