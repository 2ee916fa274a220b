//! Pages of the flow engine (流程): the workbench queues and their live update, starting an
//! internal request, the case page with its actions and timeline, proxies (委托) and handover
//! (工作交接).
//!
//! Every rule is in `xn_service::flow`. This module reads form fields into an
//! `xn_domain::flow::Action` once, at the edge, and lays the answers out. An action the service
//! refuses (a stale version, a task already done, a missing opinion) is shown on the case page
//! itself with what the person typed kept; only faults that are not the person's to fix become
//! an error page.
//!
//! - this file: the router, the workbench queues and the live-update stream;
//! - `case`: starting an item, the case page and its actions, urging;
//! - `proxies`: proxies and handover.

mod case;
mod opinions;
mod proxies;

use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use xn_domain::org::Permission;
use xn_service::flow::{
    CaseItem, IdempotencyKey, QueueCounts, QueueName, QueueQuery, TaskItem, Urgency,
    item_kind_label,
};
use xn_service::{Actor, ServiceError};

use super::beijing_time;
use crate::AppState;
use crate::error::PageError;
use crate::extract::CurrentUser;

/// Rows on a page of a queue.
const PER_PAGE: i64 = 20;

/// How many of one's own cases the 我发起的 tab searches when filtered or sorted.
const STARTED_SEARCH_LIMIT: i64 = 200;

/// How often the live update looks at the queues.
const POLL: Duration = Duration::from_secs(3);

/// How many looks one event stream makes before it ends (ten minutes). The browser opens a
/// new one on the person's next interaction: a workbench left alone must not keep the session
/// alive past its idle limit.
const STREAM_TICKS: u32 = 200;

/// The flow pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workbench/events", get(workbench_events))
        .route("/cases", get(case::list_cases).post(case::start_case))
        .route("/cases/new", get(case::new_case))
        .route("/cases/{id}", get(case::show_case))
        .route("/cases/{id}/act", post(case::act))
        .route("/cases/{id}/revise", post(case::revise))
        .route(
            "/cases/{id}/attachments/{attachment}",
            get(case::download_attachment),
        )
        .route("/tasks/{id}/urge", post(case::urge))
        .route(
            "/opinions",
            get(opinions::show_opinions).post(opinions::save_opinions),
        )
        .route("/opinions/add", post(case::save_opinion))
        .route(
            "/proxies",
            get(proxies::list_proxies).post(proxies::give_proxy),
        )
        .route("/proxies/{id}/revoke", post(proxies::revoke_proxy))
        .route(
            "/admin/handover",
            get(proxies::handover_form).post(proxies::handover),
        )
}

// ---------------------------------------------------------------------------------------------
// Shared by the flow pages

/// An instant in Beijing time.
fn at(t: DateTime<Utc>) -> String {
    beijing_time(xn_service::ms(t))
}

/// A date as tables show it.
fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The CSS class and the short label of an urgency (nothing for a deadline in good time).
fn urgency_marks(u: Urgency) -> (&'static str, &'static str) {
    match u {
        Urgency::None | Urgency::Normal => ("", ""),
        Urgency::DueSoon => ("due-soon", "临期"),
        Urgency::Overdue => ("overdue", "超期"),
    }
}

/// What a successful action says on the next page, by the code in `?ok=`. Only these fixed
/// texts are ever shown: the query cannot put words on the page.
fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "started" => "事项已发起，已送下一环节办理。",
        "complete" => "已办理，事项已转入下一环节。",
        "read" => "已阅。",
        "return" => "已退回。",
        "withdraw" => "已撤回，可以重新办理。",
        "transfer" => "已转办。",
        "delegate" => "已委派，对方办理后会交还给您。",
        "extend" => "延期申请已提交，等待审批。",
        "extension_approved" => "已批准延期，办理时限已更新。",
        "extension_refused" => "已不批准延期。",
        "add_signer" => "已加签。",
        "pause" => "事项已挂起，办理时限暂停计算。",
        "resume" => "事项已恢复办理。",
        "urge" => "已催办，对方会在工作台收到提醒。",
        "revised" => "已保存修改。确认无误后请提交，事项将回到退回人。",
        "reported" => "进展已报送。",
        "reported_late" => "进展已补报（已逾期）。",
        "proxy" => "委托已设置。",
        "revoked" => "委托已撤销。",
        _ => return None,
    })
}

/// The message of an error the person can act on (shown on the page they were on), or `None`
/// for errors that are not theirs to fix (shown as an error page).
fn refusal(e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Conflict {
            code: "idempotency.mismatch",
            ..
        } => Some("此页面上的表单已提交过，内容已过期，请刷新页面后再办理".to_owned()),
        ServiceError::Conflict {
            code: "idempotency.pending",
            ..
        } => Some("该操作正在办理中，请稍候刷新页面查看结果".to_owned()),
        ServiceError::Invalid { .. }
        | ServiceError::Forbidden(_)
        | ServiceError::Conflict { .. }
        | ServiceError::Constraint { .. }
        | ServiceError::Nonconforming(_) => Some(e.to_string()),
        _ => None,
    }
}

/// A fresh key for the forms of a page: a double-clicked button acts once.
fn form_key() -> String {
    xn_service::password::random_token(16)
}

/// The idempotency key of a page form, with a fingerprint of what it asks.
fn page_key(key: &str, request: &impl Hash) -> Option<IdempotencyKey> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return None;
    }
    let mut h = DefaultHasher::new();
    request.hash(&mut h);
    Some(IdempotencyKey {
        key: format!("page:{key}"),
        fingerprint: format!("page:{:016x}", h.finish()),
    })
}

/// Text from a textarea, with the browser's CRLF line ends made plain.
fn plain_text(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// A post chosen in a form: the typed id when one was typed, else the selected one.
fn chosen_post(field: &'static str, selected: &str, typed: &str) -> Result<i64, ServiceError> {
    let raw = if typed.trim().is_empty() {
        selected.trim()
    } else {
        typed.trim()
    };
    if raw.is_empty() {
        return Err(ServiceError::invalid(field, "请选择或填写岗位"));
    }
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ServiceError::invalid(field, "岗位编号须为正整数"))
}

/// Posts of the actor's unit other than its own, for choosing a colleague: (id, "姓名 · 职务").
async fn unit_posts(state: &AppState, actor: &Actor) -> Result<Vec<(i64, String)>, PageError> {
    let Some(own) = &actor.post else {
        return Ok(Vec::new());
    };
    if !actor.has(Permission::OrgRead) {
        return Ok(Vec::new());
    }
    let (_, _, _, posts) = state.services.unit_detail(actor, own.unit_id).await?;
    let mut posts: Vec<(i64, String)> = posts
        .into_iter()
        .filter(|p| p.id != own.id)
        .map(|p| {
            let position = p.title.unwrap_or(p.position_name);
            (
                p.id,
                format!("{} · {position}（岗位 {}）", p.person_name, p.id),
            )
        })
        .collect();
    posts.sort_by_key(|(id, _)| *id);
    Ok(posts)
}

// ---------------------------------------------------------------------------------------------
// The workbench queues

/// What the workbench's address asks for: `?queue=&sort=&kind=&q=&page=&ok=`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct WorkbenchQuery {
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

/// A tab of the workbench.
pub(super) struct QueueTab {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) count: Option<i64>,
    pub(super) current: bool,
}

/// A task in a queue table.
pub(super) struct TaskLine {
    pub(super) case_id: i64,
    pub(super) title: String,
    pub(super) kind_label: String,
    pub(super) step: String,
    pub(super) read: bool,
    pub(super) due: String,
    pub(super) due_class: &'static str,
    pub(super) due_label: &'static str,
    pub(super) arrived: String,
    pub(super) acted: String,
    pub(super) decision: String,
    pub(super) opinion: String,
    pub(super) state_label: String,
    pub(super) case_status: String,
    pub(super) on_behalf_of: Option<String>,
    pub(super) urge_count: i64,
    /// Made by a return (退回): the reason.
    pub(super) returned: Option<String>,
    /// Classified above the reader: shown without a link (its case does not open).
    pub(super) withheld: bool,
}

/// A document in the workbench's 最近公文 block.
pub(super) struct RecentDocLine {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) number: String,
    pub(super) status_label: String,
    pub(super) updated: String,
}

fn task_line(t: TaskItem) -> TaskLine {
    let (due_class, due_label) = urgency_marks(t.urgency);
    TaskLine {
        case_id: t.case_id,
        title: t.title,
        kind_label: t.item_kind_label,
        step: t.step_name,
        read: t.kind == "read",
        due: date(t.due_date),
        due_class,
        due_label,
        arrived: at(t.created_at),
        acted: t.acted_at.map(at).unwrap_or_default(),
        decision: t.decision.unwrap_or_default(),
        opinion: t.opinion.unwrap_or_default(),
        state_label: t.state_label,
        case_status: t.case_status_label,
        on_behalf_of: t.on_behalf_of.filter(|n| !n.is_empty()),
        urge_count: t.urge_count,
        returned: t.returned,
        withheld: t.withheld,
    }
}

/// A case in the 我发起的 table.
pub(super) struct StartedLine {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) kind_label: String,
    pub(super) status_label: String,
    pub(super) current: String,
    pub(super) due: String,
    pub(super) due_class: &'static str,
    pub(super) due_label: &'static str,
    pub(super) started: String,
    /// Classified above the reader: shown without a link (its case does not open).
    pub(super) withheld: bool,
}

fn started_line(c: CaseItem, now: DateTime<Utc>) -> StartedLine {
    let urgency = if c.status == "closed" {
        Urgency::None
    } else if c
        .due_date
        .is_some_and(|d| d < xn_service::calendar::business_date(now))
    {
        Urgency::Overdue
    } else {
        xn_service::flow::urgency(c.due_date, None, now)
    };
    let (due_class, due_label) = urgency_marks(urgency);
    StartedLine {
        id: c.id,
        title: c.title,
        kind_label: c.item_kind_label,
        status_label: c.status_label,
        current: c.current,
        due: date(c.due_date),
        due_class,
        due_label,
        started: at(c.created_at),
        withheld: c.withheld,
    }
}

/// Everything the workbench shows of the queues.
pub(super) struct Queues {
    /// Whether the acting post does flow work at all.
    pub(super) can_work: bool,
    pub(super) tabs: Vec<QueueTab>,
    /// The current tab's code and label.
    pub(super) queue: &'static str,
    pub(super) label: &'static str,
    pub(super) tasks: Vec<TaskLine>,
    pub(super) started: Vec<StartedLine>,
    /// Item kinds for the filter: (code, label).
    pub(super) kinds: Vec<(String, String)>,
    pub(super) kind: String,
    pub(super) q: String,
    pub(super) sort: String,
    pub(super) page: i64,
    pub(super) prev: Option<String>,
    pub(super) next: Option<String>,
    /// Whether a filter is applied (the empty message says so).
    pub(super) filtered: bool,
    /// The success notice of the action just taken.
    pub(super) notice: Option<&'static str>,
    /// The address of the live update, with the counts the page shows.
    pub(super) events: String,
    /// This page again without the notice (the live banner's link).
    pub(super) refresh: String,
    /// The 领导批示 block: items waiting for the actor's 批示 or 签发.
    pub(super) instructions: Vec<TaskLine>,
    /// The 最近公文 block.
    pub(super) recent_docs: Vec<RecentDocLine>,
}

impl Queues {
    /// Whether the current tab lists tasks waiting for the viewer (deadline columns).
    pub(super) fn pending(&self) -> bool {
        matches!(self.queue, "todo" | "read" | "urged")
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    match serde_html_form::to_string(&kept) {
        Ok(s) if !s.is_empty() => format!("/?{s}"),
        _ => "/".to_owned(),
    }
}

/// Builds the workbench's queues for the request's tab, filter, sort and page.
pub(super) async fn workbench_queues(
    state: &AppState,
    actor: &Actor,
    wq: WorkbenchQuery,
) -> Result<Queues, PageError> {
    let now = state.clock.now();
    let queue = QueueName::parse(wq.queue.as_deref().unwrap_or("")).unwrap_or(QueueName::Todo);
    let sort = match wq.sort.as_deref() {
        Some(s @ ("newest" | "oldest")) => s.to_owned(),
        _ => "due".to_owned(),
    };
    let kind = wq.kind.unwrap_or_default().trim().to_owned();
    let q: String = wq.q.unwrap_or_default().trim().chars().take(100).collect();
    let page = wq
        .page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let notice = wq.ok.as_deref().and_then(done_message);
    let can_work = actor.has(Permission::FlowWork);
    let counts = if can_work {
        state.services.queue_counts(actor, now).await?
    } else {
        QueueCounts::default()
    };
    let tabs = QueueName::ALL
        .iter()
        .map(|n| QueueTab {
            code: n.code(),
            label: n.label(),
            count: match n {
                QueueName::Todo => Some(counts.todo),
                QueueName::ToRead => Some(counts.to_read),
                _ => None,
            },
            current: *n == queue,
        })
        .collect();

    let mut kinds: Vec<(String, String)> = Vec::new();
    let (mut tasks, mut started, mut more) = (Vec::new(), Vec::new(), false);
    if can_work {
        for p in state.services.list_processes(actor).await? {
            if !kinds.iter().any(|(k, _)| *k == p.item_kind) {
                kinds.push((p.item_kind.clone(), item_kind_label(&p.item_kind)));
            }
        }
        if queue == QueueName::Started {
            let filtering = !kind.is_empty() || !q.is_empty() || sort != "due";
            if filtering {
                // The service lists one's cases newest first without filters: search the most
                // recent ones here.
                let wanted = item_kind_label(&kind);
                let mut all: Vec<CaseItem> = state
                    .services
                    .started_cases(actor, 1, STARTED_SEARCH_LIMIT)
                    .await?
                    .into_iter()
                    .filter(|c| kind.is_empty() || c.item_kind_label == wanted)
                    .filter(|c| q.is_empty() || c.title.contains(q.as_str()))
                    .collect();
                match sort.as_str() {
                    "oldest" => all.sort_by_key(|c| (c.created_at, c.id)),
                    "newest" => all.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id))),
                    _ => all.sort_by_key(|c| (c.due_date.is_none(), c.due_date, c.id)),
                }
                let skip = usize::try_from((page - 1) * PER_PAGE).unwrap_or(usize::MAX);
                let per = usize::try_from(PER_PAGE).unwrap_or(20);
                more = all.len() > skip.saturating_add(per);
                started = all
                    .into_iter()
                    .skip(skip)
                    .take(per)
                    .map(|c| started_line(c, now))
                    .collect();
            } else {
                started = state
                    .services
                    .started_cases(actor, page, PER_PAGE)
                    .await?
                    .into_iter()
                    .map(|c| started_line(c, now))
                    .collect();
                // The first case of the next page, if there is one.
                more = i64::try_from(started.len()).unwrap_or(0) == PER_PAGE
                    && !state
                        .services
                        .started_cases(actor, page * PER_PAGE + 1, 1)
                        .await?
                        .is_empty();
            }
        } else {
            let ask = |page: i64, per_page: i64| QueueQuery {
                queue,
                item_kind: kind.clone(),
                q: q.clone(),
                sort: sort.clone(),
                page,
                per_page,
            };
            tasks = state
                .services
                .task_queue(actor, &ask(page, PER_PAGE), now)
                .await?
                .into_iter()
                .map(task_line)
                .collect();
            more = i64::try_from(tasks.len()).unwrap_or(0) == PER_PAGE
                && !state
                    .services
                    .task_queue(actor, &ask(page * PER_PAGE + 1, 1), now)
                    .await?
                    .is_empty();
        }
    }

    let (mut instructions, mut recent_docs) = (Vec::new(), Vec::new());
    if can_work {
        instructions = state
            .services
            .awaiting_instruction(actor, now)
            .await?
            .into_iter()
            .take(RECENT)
            .map(task_line)
            .collect();
        recent_docs = state
            .services
            .documents()
            .recent(actor, i64::try_from(RECENT).unwrap_or(5))
            .await?
            .into_iter()
            .map(|d| RecentDocLine {
                id: d.id,
                title: d.title,
                number: d.number.unwrap_or_default(),
                status_label: d.status_label,
                updated: at(d.updated_at),
            })
            .collect();
    }
    let link = |page: i64| {
        query_string(&[
            ("queue", queue.code().to_owned()),
            ("kind", kind.clone()),
            ("q", q.clone()),
            (
                "sort",
                if sort == "due" {
                    String::new()
                } else {
                    sort.clone()
                },
            ),
            (
                "page",
                if page > 1 {
                    page.to_string()
                } else {
                    String::new()
                },
            ),
        ])
    };
    Ok(Queues {
        can_work,
        tabs,
        queue: queue.code(),
        label: queue.label(),
        tasks,
        started,
        kinds,
        filtered: !kind.is_empty() || !q.is_empty(),
        prev: (page > 1).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        refresh: link(page),
        events: format!(
            "/workbench/events?todo={}&read={}&latest={}",
            counts.todo, counts.to_read, counts.latest
        ),
        kind,
        q,
        sort,
        page,
        notice,
        instructions,
        recent_docs,
    })
}

/// How many lines the 领导批示 and 最近公文 blocks show.
const RECENT: usize = 5;

// ---------------------------------------------------------------------------------------------
// Live update of the workbench (server-sent events)

/// The counts the page was drawn with.
#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    todo: Option<i64>,
    #[serde(default)]
    read: Option<i64>,
    #[serde(default)]
    latest: Option<i64>,
}

/// Ends an event stream when the server is asked to stop: a graceful shutdown waits for open
/// responses, and a stream of events would otherwise hold it up for minutes.
struct Stop {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    fn new() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Stop {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            let Stop { term, int } = self;
            let term = async {
                match term {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! { () = term => {}, () = int => {} }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }
}

/// One open stream: whom it reports to and what it last reported.
struct Watch {
    state: AppState,
    actor: Actor,
    seen: QueueCounts,
    ticks: u32,
    ended: bool,
    stop: Stop,
}

async fn next_event(mut w: Watch) -> Option<(Result<Event, Infallible>, Watch)> {
    if w.ended {
        return None;
    }
    loop {
        if w.ticks > 0 {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = w.stop.wait() => return None,
            }
        }
        w.ticks += 1;
        if w.ticks > STREAM_TICKS {
            w.ended = true;
            return Some((Ok(Event::default().event("end").data("idle")), w));
        }
        let now = w.state.clock.now();
        let counts = match w.state.services.queue_counts(&w.actor, now).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "workbench events: could not count the queues");
                return None;
            }
        };
        let seen = w.seen;
        if (counts.todo, counts.to_read, counts.latest) != (seen.todo, seen.to_read, seen.latest) {
            let data = serde_json::json!({
                "todo": counts.todo,
                "read": counts.to_read,
                "latest": counts.latest,
                "new": counts.latest > seen.latest,
            });
            w.seen = counts;
            return Some((
                Ok(Event::default().event("queues").data(data.to_string())),
                w,
            ));
        }
    }
}

/// `GET /workbench/events`: an event `queues` whenever the viewer's 待办 or 待阅 change
/// (counted every 3 s against the counts the page was drawn with), `end` after ten minutes.
async fn workbench_events(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<EventsQuery>,
) -> Result<Response, PageError> {
    let current = state
        .services
        .queue_counts(&actor, state.clock.now())
        .await?;
    let seen = QueueCounts {
        todo: q.todo.unwrap_or(current.todo),
        to_read: q.read.unwrap_or(current.to_read),
        latest: q.latest.unwrap_or(current.latest),
    };
    let watch = Watch {
        state,
        actor,
        seen,
        ticks: 0,
        ended: false,
        stop: Stop::new(),
    };
    let stream = futures_util::stream::unfold(watch, next_event);
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Proxies must pass events on as they come.
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
