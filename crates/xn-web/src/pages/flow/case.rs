//! Starting an internal request (内部事项) and the case page: the header, what the step decides
//! on (the area's part, from the area registry: a document's text, a supervision item's
//! reports) beside a small form for each action open to the viewer, all posting to
//! `POST /cases/{id}/act` with the version the viewer saw, then the timeline of opinions and
//! the steps with their holders.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xn_domain::flow::{Action, ReturnTarget};
use xn_domain::org::Permission;
use xn_service::areas::CasePart;
use xn_service::flow::{CaseDetail, NewFile, Revision, StartCase};
use xn_service::{Actor, ServiceError, require};

use super::{
    at, chosen_post, date, done_message, form_key, page_key, plain_text, refusal, unit_posts,
    urgency_marks,
};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm, PageFormFiles, UploadedFile};
use crate::pages::{Layout, filters};

/// The process an internal request follows.
const INTERNAL_REQUEST: &str = "internal_request";

// ---------------------------------------------------------------------------------------------
// Starting an internal request

#[derive(Template, WebTemplate)]
#[template(path = "flow_new.html")]
struct NewCasePage {
    l: Layout,
    title: String,
    body: String,
    key: String,
    error: Option<String>,
}

/// `GET /cases`: the cases one started are a tab of the workbench.
pub(super) async fn list_cases() -> Redirect {
    Redirect::to("/?queue=started")
}

/// `GET /cases/new`: the form of a new internal request.
pub(super) async fn new_case(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    require(&actor, Permission::FlowWork)?;
    let l = Layout::new(&state, &actor, "/").await?;
    Ok(NewCasePage {
        l,
        title: String::new(),
        body: String::new(),
        key: form_key(),
        error: None,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct NewCaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    key: String,
}

/// `POST /cases`: starts the request and opens it; a refusal comes back in the form, with
/// what was typed.
pub(super) async fn start_case(
    State(state): State<AppState>,
    PageFormFiles(actor, form, files): PageFormFiles<NewCaseForm>,
) -> Result<Response, PageError> {
    let body = plain_text(&form.body);
    let input = StartCase {
        process: INTERNAL_REQUEST.to_owned(),
        title: form.title.trim().to_owned(),
        body: body.clone(),
        fields: BTreeMap::new(),
        choices: BTreeMap::new(),
        attachments: Vec::new(),
    };
    let files = new_files(&files);
    let key = page_key(&form.key, &("start", &input.title, &body));
    match state
        .services
        .start_case_with_files(&actor, input, &files, key, state.clock.now())
        .await
    {
        Ok(out) => Ok(Redirect::to(&format!("/cases/{}?ok=started", out.case_id)).into_response()),
        Err(e) => match refusal(&e) {
            Some(message) => {
                let l = Layout::new(&state, &actor, "/").await?;
                Ok((
                    status_of(&e),
                    NewCasePage {
                        l,
                        title: form.title,
                        body,
                        key: form.key,
                        error: Some(with_files_note(message, &files)),
                    },
                )
                    .into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The case page

/// A holder of a step, as the steps table shows it.
struct HolderLine {
    holder: String,
    acted_by: Option<String>,
    state: String,
    decision: Option<String>,
    opinion: Option<String>,
    at: String,
    urge_count: i64,
    open: bool,
}

/// A step (run) of the case.
struct StepLine {
    name: String,
    mode: String,
    state: String,
    active: bool,
    entered: String,
    due: String,
    due_title: String,
    due_class: &'static str,
    due_label: &'static str,
    extension: Option<String>,
    holders: Vec<HolderLine>,
}

/// A line of the timeline.
struct TimelineLine {
    at: String,
    who: String,
    as_post: Option<String>,
    text: String,
    decision: Option<String>,
    opinion: Option<String>,
    /// What the area adds (the 文号 登记 gave).
    note: Option<String>,
    class: &'static str,
}

/// A yellow or red card.
struct CardLine {
    class: &'static str,
    label: String,
    holder: String,
    due: String,
    at: String,
}

/// What was typed into a refused form, so that it is not lost.
#[derive(Debug, Default)]
struct Kept {
    kind: String,
    key: String,
    decision: String,
    opinion: String,
    reason: String,
    days: String,
    message: String,
    /// The title and body typed into a refused correction.
    title: String,
    body: String,
    /// A refused correction carried files, which the browser cannot keep.
    files_dropped: bool,
}

impl Kept {
    fn matches(&self, kind: &str, key: &str) -> bool {
        self.kind == kind && self.key == key
    }

    /// The title in the correction form: what was typed into a refused one, else the case's.
    fn revised_title<'a>(&'a self, current: &'a str) -> &'a str {
        if self.kind == "revise" {
            &self.title
        } else {
            current
        }
    }

    /// The body in the correction form: what was typed into a refused one, else the case's.
    fn revised_body<'a>(&'a self, current: &'a str) -> &'a str {
        if self.kind == "revise" {
            &self.body
        } else {
            current
        }
    }

    /// Whether `decision` was the one chosen in the completion of task `key`.
    fn chose(&self, decision: &str, key: &u32) -> bool {
        self.matches("complete", &key.to_string()) && self.decision == decision
    }

    /// The opinion typed into form `kind` of task or run `key`.
    fn opinion_for(&self, kind: &str, key: &u32) -> &str {
        if self.matches(kind, &key.to_string()) {
            &self.opinion
        } else {
            ""
        }
    }

    /// The reason typed into the extension request of task `key`.
    fn reason_for(&self, kind: &str, key: &u32) -> &str {
        if self.matches(kind, &key.to_string()) {
            &self.reason
        } else {
            ""
        }
    }

    /// The reason typed into the pause form.
    fn pause_reason(&self) -> &str {
        if self.kind == "pause" {
            &self.reason
        } else {
            ""
        }
    }

    fn days_for(&self, key: &u32) -> &str {
        if self.matches("extend", &key.to_string()) {
            &self.days
        } else {
            ""
        }
    }

    fn message_for(&self, task_id: &i64) -> &str {
        if self.matches("urge", &task_id.to_string()) {
            &self.message
        } else {
            ""
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "flow_case.html")]
struct CasePage {
    l: Layout,
    c: CaseDetail,
    created: String,
    closed: String,
    due: String,
    due_title: String,
    due_class: &'static str,
    due_label: &'static str,
    steps: Vec<StepLine>,
    timeline: Vec<TimelineLine>,
    cards: Vec<CardLine>,
    /// Colleagues to transfer, delegate or add as signer: (post id, label).
    posts: Vec<(i64, String)>,
    /// Whether the viewer has anything to do here.
    has_actions: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    kept: Kept,
    key: String,
    /// Supervision items opened from this case: (id, title, state).
    supervised: Vec<(i64, String, String)>,
    /// Whether the viewer may open one (a supervising section overseeing the case).
    can_supervise: bool,
    /// What the step decides on: the area's part of the page.
    part: CasePart,
    /// The viewer's 常用意见, offered beside each opinion box.
    common: Vec<String>,
}

impl CasePage {
    /// Names of recipients, as the document page lists them.
    fn names(&self, r: &[xn_domain::documents::Recipient]) -> String {
        r.iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join("，")
    }
}

fn timeline_class(kind: &str) -> &'static str {
    match kind {
        "flow.task_completed" => "tl-done",
        "flow.returned" => "tl-return",
        "flow.yellow_card" | "flow.due_soon" => "tl-warn",
        "flow.red_card" => "tl-bad",
        "flow.case_closed" => "tl-closed",
        "flow.urged" => "tl-urge",
        "flow.step_entered" | "flow.assigned" => "tl-minor",
        _ => "",
    }
}

fn unit_of(who: &str, post: Option<&str>) -> Option<String> {
    let post = post?;
    let rest = post.strip_prefix(who).unwrap_or(post);
    let rest = rest
        .strip_prefix('（')
        .and_then(|r| r.strip_suffix('）'))
        .unwrap_or(rest);
    (!rest.is_empty()).then(|| rest.to_owned())
}

async fn case_page(
    state: &AppState,
    actor: &Actor,
    mut c: CaseDetail,
    notice: Option<&'static str>,
    error: Option<String>,
    kept: Kept,
) -> Result<CasePage, PageError> {
    let l = Layout::new(state, actor, "/").await?;
    let needs_colleagues = !c.my_tasks.is_empty()
        && c.my_tasks.iter().any(|t| {
            t.can_transfer || t.can_delegate || t.can_add_signer || !t.next_choices.is_empty()
        });
    let posts = if needs_colleagues {
        unit_posts(state, actor).await?
    } else {
        Vec::new()
    };
    let steps = c
        .steps
        .iter()
        .map(|s| {
            let (due_class, due_label) = urgency_marks(s.urgency);
            StepLine {
                name: s.name.clone(),
                mode: s.mode_label.clone(),
                state: s.state_label.clone(),
                active: s.active,
                entered: at(s.entered_at),
                due: date(s.due_date),
                due_title: s.due_explanation.clone().unwrap_or_default(),
                due_class,
                due_label,
                extension: s.extension.clone(),
                holders: s
                    .holders
                    .iter()
                    .map(|h| HolderLine {
                        holder: h.holder.clone(),
                        acted_by: h.acted_by.clone().filter(|a| *a != h.holder),
                        state: h.state_label.clone(),
                        decision: h.decision.clone(),
                        opinion: h.opinion.clone(),
                        at: h.acted_at.map(at).unwrap_or_default(),
                        urge_count: h.urge_count,
                        open: h.open,
                    })
                    .collect(),
            }
        })
        .collect();
    let part = state
        .services
        .case_part(actor, &c, state.clock.now())
        .await?;
    let timeline = c
        .timeline
        .iter()
        .map(|e| TimelineLine {
            note: e.step.as_deref().and_then(|s| part.timeline_note(s)),
            at: at(e.at),
            who: e.who.clone(),
            as_post: unit_of(&e.who, e.as_post.as_deref()),
            text: e.text.clone(),
            decision: e.decision.clone(),
            opinion: e.opinion.clone(),
            class: timeline_class(&e.kind),
        })
        .collect();
    let cards = c
        .cards
        .iter()
        .map(|k| CardLine {
            class: if k.color == "red" {
                "card-red"
            } else {
                "card-yellow"
            },
            label: k.label.clone(),
            holder: k.holder.clone(),
            due: k.due_date.clone(),
            at: at(k.issued_at),
        })
        .collect();
    // One does not urge oneself.
    c.urgeable
        .retain(|h| !c.my_tasks.iter().any(|t| t.task_id == h.task_id));
    let (due_class, due_label) = urgency_marks(c.urgency);
    // A 督办事项 counts its deadline on the item, not on the case's steps.
    let due = match (c.due_date, part.deadline()) {
        (None, Some(d)) => d.to_owned(),
        (d, _) => date(d),
    };
    let has_actions = !c.my_tasks.is_empty()
        || !c.withdrawable.is_empty()
        || !c.pending_extensions.is_empty()
        || c.can_pause
        || c.can_resume
        || !c.urgeable.is_empty();
    let common = if c.my_tasks.iter().any(|t| !t.read) {
        state.services.common_opinions(actor).await?
    } else {
        Vec::new()
    };
    let supervised = state.services.supervision().items_from_case(c.id).await?;
    let can_supervise = c.can_supervise;
    Ok(CasePage {
        supervised,
        can_supervise,
        l,
        created: at(c.created_at),
        closed: c.closed_at.map(at).unwrap_or_default(),
        due,
        due_title: c.due_explanation.clone().unwrap_or_default(),
        due_class,
        due_label,
        steps,
        timeline,
        cards,
        posts,
        has_actions,
        notice,
        error,
        kept,
        key: form_key(),
        part,
        common,
        c,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CaseQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /cases/{id}`.
pub(super) async fn show_case(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let c = state
        .services
        .read_case(&actor, id, state.clock.now())
        .await?;
    let notice = q.ok.as_deref().and_then(done_message);
    Ok(case_page(&state, &actor, c, notice, None, Kept::default())
        .await?
        .into_response())
}

/// The case page again after a refused action: the service's message in a banner, the
/// current state (and version) of the case, and what was typed.
async fn refused(
    state: &AppState,
    actor: &Actor,
    id: i64,
    e: ServiceError,
    kept: Kept,
) -> Result<Response, PageError> {
    let Some(message) = refusal(&e) else {
        return Err(e.into());
    };
    let c = state
        .services
        .case_detail(actor, id, state.clock.now())
        .await?;
    let page = case_page(state, actor, c, None, Some(message), kept).await?;
    Ok((status_of(&e), page).into_response())
}

/// The fields of every action form; each form sends those its action needs.
#[derive(Debug, Default, Deserialize, Hash)]
pub(super) struct ActForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    run: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    jump_back: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    to_other: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approve: String,
    /// Holders picked for next steps, each `step:post`.
    #[serde(default)]
    choices: Vec<String>,
    #[serde(default)]
    key: String,
}

fn number<T: std::str::FromStr>(
    field: &'static str,
    raw: &str,
    what: &str,
) -> Result<T, ServiceError> {
    raw.trim()
        .parse()
        .map_err(|_| ServiceError::invalid(field, format!("{what}有误，请刷新页面后重试")))
}

/// Reads an action form into the version seen and the action.
fn parse_action(f: &ActForm) -> Result<(i64, Action), ServiceError> {
    let version: i64 = number("version", &f.version, "事项版本")?;
    let task = || number::<u32>("task", &f.task, "待办编号");
    let run = || number::<u32>("run", &f.run, "环节编号");
    let opinion = plain_text(f.opinion.trim());
    let action =
        match f.kind.as_str() {
            "complete" => {
                if f.decision.trim().is_empty() {
                    return Err(ServiceError::invalid("decision", "请选择办理结果"));
                }
                let mut choices: BTreeMap<String, Vec<i64>> = BTreeMap::new();
                for c in f.choices.iter().filter(|c| !c.is_empty()) {
                    let (step, post) = c
                        .split_once(':')
                        .and_then(|(s, p)| Some((s.to_owned(), p.parse::<i64>().ok()?)))
                        .ok_or_else(|| ServiceError::invalid("choices", "所选办理人有误"))?;
                    choices.entry(step).or_default().push(post);
                }
                Action::Complete {
                    task: task()?,
                    decision: f.decision.trim().to_owned(),
                    opinion,
                    choices,
                }
            }
            "return" => Action::Return {
                task: task()?,
                target: match f.target.trim() {
                    "" | "previous" => ReturnTarget::Previous,
                    step => ReturnTarget::Step {
                        step: step.to_owned(),
                    },
                },
                opinion,
                jump_back: f.jump_back.is_some(),
            },
            "withdraw" => Action::Withdraw { task: task()? },
            "transfer" => Action::Transfer {
                task: task()?,
                to: chosen_post("to", &f.to, &f.to_other)?,
                opinion,
            },
            "delegate" => Action::Delegate {
                task: task()?,
                to: chosen_post("to", &f.to, &f.to_other)?,
                opinion,
            },
            "extend" => Action::RequestExtension {
                task: task()?,
                days: f.days.trim().parse().map_err(|_| {
                    ServiceError::invalid("days", "延期天数须为 1 到 250 之间的整数")
                })?,
                reason: plain_text(f.reason.trim()),
            },
            "decide_extension" => Action::DecideExtension {
                run: run()?,
                approve: f.approve == "yes",
                opinion,
            },
            "add_signer" => Action::AddSigner {
                run: run()?,
                post: chosen_post("to", &f.to, &f.to_other)?,
            },
            "pause" => Action::Pause {
                reason: plain_text(f.reason.trim()),
            },
            "resume" => Action::Resume,
            _ => {
                return Err(ServiceError::invalid(
                    "kind",
                    "未知的操作，请刷新页面后重试",
                ));
            }
        };
    Ok((version, action))
}

/// The notice code of a done action.
fn done_code(f: &ActForm, action: &Action) -> &'static str {
    match action {
        Action::Complete { decision, .. } if decision == "阅" => "read",
        Action::Complete { .. } => "complete",
        Action::Return { .. } => "return",
        Action::Withdraw { .. } => "withdraw",
        Action::Transfer { .. } => "transfer",
        Action::Delegate { .. } => "delegate",
        Action::RequestExtension { .. } => "extend",
        Action::DecideExtension { .. } if f.approve == "yes" => "extension_approved",
        Action::DecideExtension { .. } => "extension_refused",
        Action::AddSigner { .. } => "add_signer",
        Action::Pause { .. } => "pause",
        Action::Resume => "resume",
        _ => "complete",
    }
}

/// `POST /cases/{id}/act`: one action with the version seen. Done: back to the case, or to
/// the workbench when the viewer has nothing left to do in it. Refused: the case page with
/// the reason (409 for a stale version or a task already done) and what was typed.
pub(super) async fn act(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, form): PageForm<ActForm>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let kept = Kept {
        kind: form.kind.clone(),
        key: match form.kind.as_str() {
            "decide_extension" | "add_signer" => form.run.trim().to_owned(),
            _ => form.task.trim().to_owned(),
        },
        decision: form.decision.trim().to_owned(),
        opinion: plain_text(&form.opinion),
        reason: plain_text(&form.reason),
        days: form.days.clone(),
        ..Kept::default()
    };
    let (version, action) = match parse_action(&form) {
        Ok(parsed) => parsed,
        Err(e) => return refused(&state, &actor, id, e, kept).await,
    };
    let code = done_code(&form, &action);
    let hands_on = matches!(
        action,
        Action::Complete { .. }
            | Action::Return { .. }
            | Action::Transfer { .. }
            | Action::Delegate { .. }
    );
    let key = page_key(&form.key, &(id, &form));
    match state
        .services
        .act(&actor, id, Some(version), action, key, now)
        .await
    {
        Ok(out) => {
            let mine = state.services.working_posts(&actor, now).await?;
            let left = out.open_tasks.iter().any(|t| mine.contains(&t.post_id));
            let to = if hands_on && !left {
                format!("/?ok={code}")
            } else {
                format!("/cases/{id}?ok={code}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => refused(&state, &actor, id, e, kept).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct UrgeForm {
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    message: String,
}

/// `POST /tasks/{id}/urge`: urges the holder of an open task of a case.
pub(super) async fn urge(
    State(state): State<AppState>,
    Path(task_id): Path<i64>,
    PageForm(actor, form): PageForm<UrgeForm>,
) -> Result<Response, PageError> {
    let case_id: i64 = number("case_id", &form.case_id, "事项编号")?;
    match state
        .services
        .urge(&actor, task_id, &form.message, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case_id}?ok=urge")).into_response()),
        Err(e) => {
            let kept = Kept {
                kind: "urge".to_owned(),
                key: task_id.to_string(),
                message: form.message,
                ..Kept::default()
            };
            refused(&state, &actor, case_id, e, kept).await
        }
    }
}

/// `GET /cases/{id}/attachments/{attachment}`: a file of a case, as a download, for anyone who
/// may open the case.
pub(super) async fn download_attachment(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .case_attachment(&actor, id, attachment, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

/// The drafter's correction of a returned request.
#[derive(Debug, Deserialize)]
pub(super) struct ReviseForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// Files ticked 删除.
    #[serde(default)]
    remove: Vec<i64>,
}

/// The files of a page's form (field `file`), as the service takes them.
fn new_files(files: &[(String, UploadedFile)]) -> Vec<NewFile<'_>> {
    files
        .iter()
        .filter(|(field, _)| field == "file")
        .map(|(_, f)| NewFile {
            name: f.name.as_deref().unwrap_or("附件"),
            bytes: &f.bytes,
        })
        .collect()
}

/// A refusal of a form that carried files: a browser cannot keep chosen files, so say so.
fn with_files_note(message: String, files: &[NewFile<'_>]) -> String {
    if files.is_empty() {
        message
    } else {
        format!("{message}（已选的附件需要重新选择）")
    }
}

/// `POST /cases/{id}/revise`: the drafter corrects the title and body of a request returned
/// to its 拟稿 step; a refusal shows the case again with what was typed.
pub(super) async fn revise(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageFormFiles(actor, form, files): PageFormFiles<ReviseForm>,
) -> Result<Response, PageError> {
    let version: i64 = number("version", &form.version, "事项版本")?;
    let revision = Revision {
        version,
        title: form.title.clone(),
        body: plain_text(&form.body),
        remove_attachments: form.remove,
    };
    let files = new_files(&files);
    match state
        .services
        .revise_case(&actor, id, &revision, &files, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?ok=revised")).into_response()),
        Err(e) => {
            let kept = Kept {
                kind: "revise".to_owned(),
                title: form.title,
                body: form.body,
                files_dropped: !files.is_empty(),
                ..Kept::default()
            };
            refused(&state, &actor, id, e, kept).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str) -> ActForm {
        ActForm {
            version: "3".into(),
            kind: kind.into(),
            task: "2".into(),
            ..ActForm::default()
        }
    }

    #[test]
    fn a_return_to_a_named_step_keeps_its_opinion() {
        let mut f = form("return");
        f.target = "draft".into();
        f.opinion = "请补充经费预算\r\n谢谢".into();
        let (version, action) = parse_action(&f).unwrap();
        assert_eq!(version, 3);
        assert_eq!(
            action,
            Action::Return {
                task: 2,
                target: ReturnTarget::Step {
                    step: "draft".into()
                },
                opinion: "请补充经费预算\n谢谢".into(),
                jump_back: false,
            }
        );
    }

    #[test]
    fn a_completion_needs_a_decision() {
        let err = parse_action(&form("complete")).unwrap_err();
        assert_eq!(err.to_string(), "请选择办理结果");
    }

    #[test]
    fn a_typed_post_id_wins_over_the_selected_colleague() {
        let mut f = form("transfer");
        f.to = "7".into();
        f.to_other = " 12 ".into();
        let (_, action) = parse_action(&f).unwrap();
        assert!(matches!(action, Action::Transfer { to: 12, .. }));
    }

    #[test]
    fn a_page_without_its_version_is_refused_in_chinese() {
        let mut f = form("resume");
        f.version = String::new();
        assert!(
            parse_action(&f)
                .unwrap_err()
                .to_string()
                .contains("事项版本")
        );
    }
}

/// What the opinion box sends to 存为常用意见: the box's text, the case to go back to and the
/// task whose form it was (the rest of the action form is ignored).
#[derive(Debug, Deserialize)]
pub(super) struct SaveOpinionForm {
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    decision: String,
}

/// `POST /opinions/add`: adds the opinion box's text to the actor's 常用意见 and shows the case
/// again with what was typed still in the box.
pub(super) async fn save_opinion(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<SaveOpinionForm>,
) -> Result<Response, PageError> {
    // Who may keep 常用意见 is decided before the input is read.
    require(&actor, Permission::FlowWork)?;
    let case_id: i64 = number("back", &form.back, "事项编号")?;
    let saved = state
        .services
        .add_common_opinion(&actor, &plain_text(&form.opinion))
        .await;
    let kept = Kept {
        kind: "complete".into(),
        key: form.task.trim().to_owned(),
        decision: form.decision,
        opinion: form.opinion,
        ..Kept::default()
    };
    let c = state
        .services
        .case_detail(&actor, case_id, state.clock.now())
        .await?;
    match saved {
        Ok(_) => Ok(
            case_page(&state, &actor, c, Some("已存为常用意见。"), None, kept)
                .await?
                .into_response(),
        ),
        Err(e) => {
            let Some(message) = refusal(&e) else {
                return Err(e.into());
            };
            let page = case_page(&state, &actor, c, None, Some(message), kept).await?;
            Ok((status_of(&e), page).into_response())
        }
    }
}
