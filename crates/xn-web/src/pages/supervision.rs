//! 督查 pages: the board (督查台账), a unit's and a leader's items, opening an item (also from
//! a leader's instruction on a case), the item page with its actions, the monthly 督查通报 and
//! the scores kept for assessment.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use xn_domain::supervision::{Importance, ItemState, ReportCycle, SourceKind};
use xn_service::supervision::{
    AssigneeOption, BulletinView, ChangeInput, InstructionDraft, ItemDetail, ItemList, ItemQuery,
    NewItemInput, ScoreView,
};
use xn_service::{Actor, ServiceError};

use super::{Layout, filters};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::respond::fixable;

const PER_PAGE: i64 = 30;

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "opened" => "已立项，事项已交牵头单位签收。",
        "signed" => "已签收，请按报送周期报送进展。",
        "reported" => "进展已报送。",
        "reported_late" => "进展已补报（已逾期）。",
        "decomposed" => "已分解，子事项已交办。",
        "applied" => "已申请办结，等待审核。",
        "accepted" => "审核通过，事项已销号。",
        "sent_back" => "已退回重办。",
        "change_requested" => "调整申请已提交，等待立项人审批。",
        "change_decided" => "调整申请已审批。",
        "urged" => "已催办。",
        "scores" => "本月分值已计算并保存。",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Template, WebTemplate)]
#[template(path = "supervision.html")]
struct ListPage {
    l: Layout,
    list: ItemList,
    tab: &'static str,
    f: ItemQuery,
    states: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    query: String,
    notice: Option<&'static str>,
}

fn none_if_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The filters as a query string (for paging and export links).
fn encoded(q: &ItemQuery) -> String {
    q.params()
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::respond::percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl ListPage {
    fn card_label(&self, c: &Option<String>) -> &'static str {
        match c.as_deref() {
            Some("red") => "红牌",
            Some("yellow") => "黄牌",
            _ => "",
        }
    }
    fn state_is(&self, code: &str) -> bool {
        self.f.state.is_some_and(|s| s.code() == code)
    }
    fn card_is(&self, code: &str) -> bool {
        self.f.card.is_some_and(|c| c.code() == code)
    }
    fn source_is(&self, code: &str) -> bool {
        self.f.source_kind.is_some_and(|s| s.code() == code)
    }
    fn sort_is(&self, code: &str) -> bool {
        self.f.sort.code() == code
    }
    fn words(&self) -> &str {
        self.f.q.as_deref().unwrap_or_default()
    }
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(mut q): Query<ItemQuery>,
    Query(ok): Query<OkQuery>,
) -> Result<Response, PageError> {
    q.per_page = PER_PAGE;
    let list = state
        .services
        .supervision()
        .list(&actor, &q, state.clock.now())
        .await?;
    Ok(ListPage {
        l: Layout::new(&state, &actor, "/supervision").await?,
        list,
        tab: q.tab.code(),
        query: encoded(&q),
        notice: ok.ok.as_deref().and_then(done),
        f: q,
        states: ItemState::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        sources: SourceKind::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
    }
    .into_response())
}

async fn list_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ItemQuery>,
) -> Result<Response, PageError> {
    let sheet = state
        .services
        .supervision()
        .sheet(&actor, &q, state.clock.now())
        .await?;
    crate::respond::xlsx_response("督办事项.xlsx", &[sheet])
}

// ---------------------------------------------------------------------------------------------
// Opening an item

#[derive(Template, WebTemplate)]
#[template(path = "supervision_form.html")]
struct FormPage {
    l: Layout,
    draft: InstructionDraft,
    f: ItemForm,
    assignees: Vec<AssigneeOption>,
    units: Vec<(i64, String)>,
    sources: Vec<(&'static str, &'static str)>,
    cycles: Vec<(&'static str, &'static str)>,
    importances: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct ItemForm {
    #[serde(default)]
    source_kind: String,
    #[serde(default)]
    source_case_id: Option<i64>,
    #[serde(default)]
    source_text: String,
    #[serde(default)]
    source_leader: String,
    #[serde(default)]
    source_leader_post: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    lead_post: String,
    #[serde(default)]
    assists: Vec<i64>,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    report_cycle: String,
    #[serde(default)]
    report_day: String,
    #[serde(default)]
    importance: String,
}

impl ItemForm {
    fn input(&self, assignees: &[AssigneeOption]) -> Result<NewItemInput, ServiceError> {
        let lead_post: i64 = self
            .lead_post
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("lead_post", "请选择牵头单位责任人"))?;
        let lead = assignees
            .iter()
            .find(|a| a.post_id == lead_post)
            .ok_or_else(|| ServiceError::invalid("lead_post", "请从列表中选择牵头单位责任人"))?;
        let deadline = NaiveDate::parse_from_str(self.deadline.trim(), "%Y-%m-%d")
            .map_err(|_| ServiceError::invalid("deadline", "请填写办理时限（日期）"))?;
        let report_day = if self.report_day.trim().is_empty() {
            0
        } else {
            self.report_day
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("report_day", "报送日应为数字"))?
        };
        Ok(NewItemInput {
            source_kind: choice(
                &self.source_kind,
                SourceKind::parse,
                "source_kind",
                "督办来源不正确",
            )?,
            source_case_id: self.source_case_id,
            source_text: self.source_text.clone(),
            source_leader: self.source_leader.clone(),
            source_leader_post: self.source_leader_post,
            title: self.title.clone(),
            content: self.content.clone(),
            requirements: self.requirements.clone(),
            lead_unit: lead.unit_id,
            lead_post,
            assists: self
                .assists
                .iter()
                .map(|u| xn_service::supervision::AssistInput {
                    unit: *u,
                    post: None,
                })
                .collect(),
            deadline: Some(deadline),
            deadline_days: None,
            report_cycle: choice(
                &self.report_cycle,
                ReportCycle::parse,
                "report_cycle",
                "报送周期不正确",
            )?,
            report_day,
            importance: choice(
                &self.importance,
                Importance::parse,
                "importance",
                "重要程度不正确",
            )?,
        })
    }
}

/// A choice of a form's list by its code; left blank, the choice's default.
fn choice<T: Default>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    field: &'static str,
    message: &'static str,
) -> Result<T, ServiceError> {
    match code.trim() {
        "" => Ok(T::default()),
        c => parse(c).ok_or_else(|| ServiceError::invalid(field, message)),
    }
}

impl FormPage {
    fn assisted(&self, unit: &i64) -> bool {
        self.f.assists.contains(unit)
    }
}

fn units_of(assignees: &[AssigneeOption]) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for a in assignees {
        if !out.iter().any(|(u, _)| *u == a.unit_id) {
            out.push((a.unit_id, a.unit.clone()));
        }
    }
    out
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    draft: InstructionDraft,
    f: ItemForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    let assignees = state.services.supervision().assignees(actor, None).await?;
    Ok(FormPage {
        l: Layout::new(state, actor, "/supervision").await?,
        draft,
        units: units_of(&assignees),
        assignees,
        f,
        sources: SourceKind::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        cycles: ReportCycle::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        importances: Importance::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    case: Option<i64>,
}

async fn new_item(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let sv = state.services.supervision();
    let section = sv.as_section(&actor).await.map_err(|e| match e {
        ServiceError::Forbidden(m) => {
            ServiceError::Forbidden(format!("{m}。请在页面右上角切换到督查科的身份。"))
        }
        e => e,
    })?;
    let (input, draft) = sv.defaults(&section, q.case, state.clock.now()).await?;
    let f = ItemForm {
        source_kind: input.source_kind.code().to_owned(),
        source_case_id: input.source_case_id,
        source_text: input.source_text,
        source_leader: input.source_leader,
        source_leader_post: input.source_leader_post,
        title: input.title,
        content: input.content,
        deadline: input.deadline.map(|d| d.to_string()).unwrap_or_default(),
        report_cycle: input.report_cycle.code().to_owned(),
        report_day: input.report_day.to_string(),
        importance: input.importance.code().to_owned(),
        ..ItemForm::default()
    };
    Ok(form_page(&state, &actor, draft, f, None)
        .await?
        .into_response())
}

async fn create(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<ItemForm>,
) -> Result<Response, PageError> {
    let sv = state.services.supervision();
    let assignees = sv.assignees(&actor, None).await?;
    let result = async {
        let section = sv.as_section(&actor).await?;
        let input = f.input(&assignees)?;
        sv.open(&section, &input, state.clock.now()).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/supervision/{id}?ok=opened")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let draft = match (f.source_case_id, sv.as_section(&actor).await) {
                    (Some(c), Ok(section)) => {
                        sv.instruction_draft(&section, c).await.unwrap_or_default()
                    }
                    _ => InstructionDraft::default(),
                };
                let page = form_page(&state, &actor, draft, f, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The item page

#[derive(Template, WebTemplate)]
#[template(path = "supervision_item.html")]
struct ItemPage {
    l: Layout,
    d: ItemDetail,
    subs_assignees: Vec<AssigneeOption>,
    change_assignees: Vec<AssigneeOption>,
    min_date: String,
    /// Whether the viewer is offered the rating of the closed item (领导满意).
    rate: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ItemPage {
    fn card_label(&self, c: &Option<String>) -> &'static str {
        match c.as_deref() {
            Some("red") => "红牌",
            Some("yellow") => "黄牌",
            _ => "",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

async fn item_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ItemPage, PageError> {
    let now = state.clock.now();
    let sv = state.services.supervision();
    let d = sv.read_item(actor, id, now).await?;
    let (subs_assignees, change_assignees) = if d.can_handle {
        (
            sv.assignees(actor, Some(id)).await?,
            sv.assignees(actor, None).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let rate = state
        .services
        .satisfaction()
        .may_rate(actor, "supervision", id)
        .await?;
    Ok(ItemPage {
        l: Layout::new(state, actor, "/supervision").await?,
        d,
        subs_assignees,
        change_assignees,
        min_date: xn_domain::flow::engine::business_date(now).to_string(),
        rate,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(item_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

/// Answers an action: back to the item with a notice, or the item with the error.
async fn after(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<&'static str, ServiceError>,
) -> Result<Response, PageError> {
    match result {
        Ok(code) => Ok(Redirect::to(&format!("/supervision/{id}?ok={code}")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = item_page(state, actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct TextForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    decision: String,
    /// Sent from the 办理 page (the item's case): back there when done.
    #[serde(default)]
    case: Option<i64>,
}

async fn sign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .supervision()
        .sign(&actor, id, &f.text, state.clock.now())
        .await
        .map(|()| "signed");
    after(&state, &actor, id, r).await
}

async fn report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .supervision()
        .report(&actor, id, &f.text, state.clock.now())
        .await
        .map(|s| {
            if s == "late" {
                "reported_late"
            } else {
                "reported"
            }
        });
    match (f.case, r) {
        (Some(case), Ok(code)) => {
            Ok(Redirect::to(&format!("/cases/{case}?ok={code}#desk-supervision")).into_response())
        }
        (_, r) => after(&state, &actor, id, r).await,
    }
}

async fn apply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .supervision()
        .apply_close(&actor, id, &f.text, state.clock.now())
        .await
        .map(|()| "applied");
    after(&state, &actor, id, r).await
}

async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let accept = f.decision == "accept";
    let r = state
        .services
        .supervision()
        .review(&actor, id, accept, &f.text, state.clock.now())
        .await
        .map(|()| if accept { "accepted" } else { "sent_back" });
    after(&state, &actor, id, r).await
}

async fn urge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .supervision()
        .urge(&actor, id, &f.text, state.clock.now())
        .await
        .map(|()| "urged");
    after(&state, &actor, id, r).await
}

#[derive(Debug, Default, Deserialize)]
struct ChangeForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    lead_post: String,
    #[serde(default)]
    deadline: String,
}

async fn change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ChangeForm>,
) -> Result<Response, PageError> {
    let input = async {
        let lead = match f.lead_post.trim() {
            "" => None,
            p => {
                let p: i64 = p
                    .parse()
                    .map_err(|_| ServiceError::invalid("lead_post", "请选择新的责任人"))?;
                let all = state.services.supervision().assignees(&actor, None).await?;
                let a = all.iter().find(|a| a.post_id == p).ok_or_else(|| {
                    ServiceError::invalid("lead_post", "请从列表中选择新的责任人")
                })?;
                Some((a.unit_id, p))
            }
        };
        let deadline = match f.deadline.trim() {
            "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| ServiceError::invalid("deadline", "新的办理时限格式不正确"))?,
            ),
        };
        Ok::<_, ServiceError>(ChangeInput {
            reason: f.reason.clone(),
            lead_unit: lead.map(|l| l.0),
            lead_post: lead.map(|l| l.1),
            deadline,
        })
    }
    .await;
    let r = match input {
        Ok(input) => state
            .services
            .supervision()
            .request_change(&actor, id, &input, state.clock.now())
            .await
            .map(|_| "change_requested"),
        Err(e) => Err(e),
    };
    after(&state, &actor, id, r).await
}

async fn decide_change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .supervision()
        .decide_change(
            &actor,
            id,
            f.decision == "approve",
            &f.text,
            state.clock.now(),
        )
        .await
        .map(|()| "change_decided");
    after(&state, &actor, id, r).await
}

#[derive(Debug, Default, Deserialize)]
struct DecomposeForm {
    #[serde(default)]
    title: Vec<String>,
    #[serde(default)]
    lead_post: Vec<String>,
    #[serde(default)]
    deadline: Vec<String>,
    #[serde(default)]
    content: Vec<String>,
    #[serde(default)]
    report_cycle: String,
    #[serde(default)]
    report_day: String,
}

async fn decompose(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DecomposeForm>,
) -> Result<Response, PageError> {
    let subs = async {
        let all = state
            .services
            .supervision()
            .assignees(&actor, Some(id))
            .await?;
        let mut subs = Vec::new();
        for (i, title) in f.title.iter().enumerate() {
            let post = f.lead_post.get(i).map(|s| s.trim()).unwrap_or("");
            if title.trim().is_empty() && post.is_empty() {
                continue;
            }
            let p: i64 = post
                .parse()
                .map_err(|_| ServiceError::invalid("lead_post", "请为每项分解事项选择责任人"))?;
            let a = all
                .iter()
                .find(|a| a.post_id == p)
                .ok_or_else(|| ServiceError::invalid("lead_post", "请从列表中选择责任人"))?;
            let deadline = NaiveDate::parse_from_str(
                f.deadline.get(i).map(|s| s.trim()).unwrap_or(""),
                "%Y-%m-%d",
            )
            .map_err(|_| ServiceError::invalid("deadline", "请为每项分解事项填写办理时限"))?;
            let content = f
                .content
                .get(i)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| title.trim().to_owned());
            subs.push(NewItemInput {
                title: title.clone(),
                content,
                lead_unit: a.unit_id,
                lead_post: p,
                deadline: Some(deadline),
                report_cycle: choice(
                    &f.report_cycle,
                    ReportCycle::parse,
                    "report_cycle",
                    "报送周期不正确",
                )?,
                report_day: match f.report_day.trim() {
                    "" => 0,
                    day => day
                        .parse()
                        .map_err(|_| ServiceError::invalid("report_day", "报送日应为数字"))?,
                },
                ..NewItemInput::default()
            });
        }
        Ok::<_, ServiceError>(subs)
    }
    .await;
    let r = match subs {
        Ok(subs) => state
            .services
            .supervision()
            .decompose(&actor, id, &subs, state.clock.now())
            .await
            .map(|_| "decomposed"),
        Err(e) => Err(e),
    };
    after(&state, &actor, id, r).await
}

// ---------------------------------------------------------------------------------------------
// The bulletin and the scores

#[derive(Template, WebTemplate)]
#[template(path = "supervision_bulletin.html")]
struct BulletinPage {
    l: Layout,
    month: String,
    b: Option<BulletinView>,
    paragraphs: Vec<String>,
    scores: Vec<ScoreView>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl BulletinPage {
    fn pct(&self, v: &f64) -> String {
        format!("{v:.1}%")
    }
    fn avg(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Default, Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    ok: Option<String>,
}

fn this_month(now: DateTime<Utc>) -> String {
    let d = xn_domain::flow::engine::business_date(now);
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn bulletin_page(
    state: &AppState,
    actor: &Actor,
    month: String,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<BulletinPage, PageError> {
    let now = state.clock.now();
    let sv = state.services.supervision();
    let board = sv.as_board(actor).await?;
    let b = sv.bulletin(&board, &month, now).await?;
    let scores = sv.scores(actor, &month).await?;
    Ok(BulletinPage {
        l: Layout::new(state, actor, "/supervision").await?,
        paragraphs: b.body.split("\n\n").map(str::to_owned).collect(),
        b: Some(b),
        month,
        scores,
        notice,
        error,
    })
}

async fn bulletin(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let month = none_if_empty(&q.month).unwrap_or_else(|| this_month(state.clock.now()));
    let notice = q.ok.as_deref().and_then(done);
    Ok(bulletin_page(&state, &actor, month, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct MonthForm {
    #[serde(default)]
    month: String,
}

async fn draft_bulletin(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<MonthForm>,
) -> Result<Response, PageError> {
    let sv = state.services.supervision();
    let board = sv.as_board(&actor).await?;
    match sv
        .draft_bulletin(&board, f.month.trim(), state.clock.now())
        .await
    {
        Ok(doc) => Ok(Redirect::to(&format!("/documents/{doc}?ok=saved")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = bulletin_page(&state, &actor, f.month, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn store_scores(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<MonthForm>,
) -> Result<Response, PageError> {
    let sv = state.services.supervision();
    let board = sv.as_board(&actor).await?;
    sv.store_scores(&board, f.month.trim(), state.clock.now())
        .await?;
    Ok(Redirect::to(&format!(
        "/supervision/bulletin?month={}&ok=scores",
        crate::respond::percent(f.month.trim())
    ))
    .into_response())
}

/// The supervision pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(list).post(create))
        .route("/supervision.xlsx", get(list_xlsx))
        .route("/supervision/new", get(new_item))
        .route("/supervision/bulletin", get(bulletin).post(draft_bulletin))
        .route("/supervision/scores", post(store_scores))
        .route("/supervision/{id}", get(show))
        .route("/supervision/{id}/sign", post(sign))
        .route("/supervision/{id}/report", post(report))
        .route("/supervision/{id}/decompose", post(decompose))
        .route("/supervision/{id}/apply", post(apply))
        .route("/supervision/{id}/review", post(review))
        .route("/supervision/{id}/change", post(change))
        .route("/supervision/{id}/change/decide", post(decide_change))
        .route("/supervision/{id}/urge", post(urge))
}
