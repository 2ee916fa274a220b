//! 信息 pages: the items the unit sent and the office received with the backlog (`/information`),
//! 报送 with attachments and pictures (`/information/new`), an item's page with the receiving
//! section's 签收, 筛选, 编辑 and 采用 (`/information/{id}`), the periodicals and their issues
//! (`/information/periodicals`, an issue with 印发 and its PDF), and the ranking
//! (`/information/ranking`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::information::{InfoKind, Level};
use xn_service::flow::NewFile;
use xn_service::information::{
    AdoptInput, BacklogView, InformationView, IssueView, ItemLine, NewInformation, NewPeriodical,
    PeriodicalView, PublishInput, Ranking, ReceivedIssueView, SubmitOptions,
};
use xn_service::{Actor, ServiceError};

use super::Layout;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm, PageFormFiles, UploadedFile};
use crate::respond::{file_response, fixable};

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "submitted" => "信息已提交，等待本单位领导签发。",
        "signed" => "已签收，请及时筛选。",
        "screened" => "筛选结果已保存。",
        "edited" => "修改已保存为新版本，原稿保留。",
        "adopted" => "采用层级已记录并计分。",
        "periodical" => "刊物已添加。",
        "issue" => "已新建一期。",
        "published" => "本期已印发，已发送至所选单位。",
        "issue_received" => "已签收本期刊物。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Template, WebTemplate)]
#[template(path = "information.html")]
struct ListPage {
    l: Layout,
    sent: Vec<ItemLine>,
    received: Vec<ItemLine>,
    backlog: Option<BacklogView>,
    may_submit: bool,
    issues: Vec<ReceivedIssueView>,
    notice: Option<&'static str>,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let (sent, may_submit) = match i.sent(&actor).await {
        Ok(s) => (s, true),
        Err(ServiceError::Forbidden(_)) => (Vec::new(), false),
        Err(e) => return Err(e.into()),
    };
    let backlog = match i.overseen_office(&actor).await? {
        Some(_) => Some(i.backlog(&actor, state.clock.now()).await?),
        None => None,
    };
    Ok(ListPage {
        l: Layout::new(&state, &actor, "/information").await?,
        sent,
        received: i.received(&actor).await?,
        backlog,
        may_submit,
        issues: i.received_issues(&actor).await?,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// 报送

#[derive(Debug, Default, Deserialize)]
struct SubmitForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    event_at: String,
    #[serde(default)]
    report_kind: String,
    #[serde(default)]
    first_item: String,
    #[serde(default)]
    signer_post: String,
    #[serde(default)]
    office: Vec<i64>,
    #[serde(default)]
    outside: Vec<i64>,
    /// The 约稿 answered (its id, or empty).
    #[serde(default)]
    commission: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "information_form.html")]
struct FormPage {
    l: Layout,
    o: SubmitOptions,
    f: SubmitForm,
    kinds: Vec<(&'static str, &'static str)>,
    /// The open 约稿 asking the unit: (id, label).
    commissions: Vec<(i64, String)>,
    error: Option<String>,
}

impl FormPage {
    fn office_checked(&self, id: &i64) -> bool {
        self.f.office.contains(id) || (self.f.office.is_empty() && self.o.targets.len() == 1)
    }
    fn outside_checked(&self, id: &i64) -> bool {
        self.f.outside.contains(id)
    }
    fn signer_is(&self, id: &i64) -> bool {
        self.f.signer_post == id.to_string()
    }
    fn commission_is(&self, id: &i64) -> bool {
        self.f.commission == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    f: SubmitForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    let i = state.services.information();
    Ok(FormPage {
        l: Layout::new(state, actor, "/information").await?,
        o: i.options(actor).await?,
        commissions: i.answerable(actor, state.clock.now()).await?,
        f,
        kinds: InfoKind::all().map(|k| (k.code(), k.label())).collect(),
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewItemQuery {
    /// The 约稿 being answered (from its page).
    #[serde(default)]
    commission: Option<i64>,
}

async fn new_item(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NewItemQuery>,
) -> Result<Response, PageError> {
    let f = SubmitForm {
        commission: q.commission.map(|c| c.to_string()).unwrap_or_default(),
        ..SubmitForm::default()
    };
    Ok(form_page(&state, &actor, f, None).await?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    PageFormFiles(actor, f, files): PageFormFiles<SubmitForm>,
) -> Result<Response, PageError> {
    let files: Vec<NewFile<'_>> = files
        .iter()
        .filter(|(field, _)| field == "file")
        .map(|(_, u): &(String, UploadedFile)| NewFile {
            name: u.name.as_deref().unwrap_or("附件"),
            bytes: &u.bytes,
        })
        .collect();
    let result = async {
        let signer_post = f
            .signer_post
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("signer_post", "请选择签发人"))?;
        let first_item = match f.first_item.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|_| ServiceError::invalid("first_item", "所续快报的编号应为数字"))?,
            ),
        };
        let commission = match f.commission.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|_| ServiceError::invalid("commission", "所选约稿不存在"))?,
            ),
        };
        let input = NewInformation {
            title: f.title.clone(),
            body: f.body.replace("\r\n", "\n"),
            kind: f.kind.clone(),
            classification: f.classification.clone(),
            event_at: Some(f.event_at.clone()),
            report_kind: f.report_kind.clone(),
            first_item,
            signer_post,
            offices: f.office.clone(),
            outside: f.outside.clone(),
            commission,
        };
        state
            .services
            .information()
            .submit(&actor, &input, &files, state.clock.now())
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/information/{id}?ok=submitted")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let msg = if files.is_empty() {
                    msg
                } else {
                    format!("{msg}（所选附件需要重新选择）")
                };
                let page = form_page(&state, &actor, f, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// An item

#[derive(Template, WebTemplate)]
#[template(path = "information_item.html")]
struct ItemPage {
    l: Layout,
    d: InformationView,
    section: bool,
    issues: Vec<IssueView>,
    levels: Vec<(&'static str, &'static str)>,
    /// Who may have given a 批示 (the adoption form's choice): (post, label).
    leaders: Vec<(i64, String)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ItemPage {
    /// The receipt the reader's section acts on, with its state code.
    fn mine(&self) -> Option<&xn_service::information::ReceiptView> {
        self.d
            .my_receipt
            .and_then(|id| self.d.receipts.iter().find(|r| r.id == id))
    }
    fn my_state(&self) -> &str {
        self.mine().map_or("", |r| r.state_code.as_str())
    }
    fn latest(&self) -> (String, String) {
        self.mine().and_then(|r| r.versions.last()).map_or_else(
            || (self.d.title.clone(), self.d.body.clone()),
            |v| (v.title.clone(), v.body.clone()),
        )
    }
}

async fn item_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ItemPage, PageError> {
    let i = state.services.information();
    let d = i.item(actor, id).await?;
    let cap = i.section(actor).await?;
    let section = cap.is_some() && d.my_receipt.is_some();
    let (issues, leaders) = match cap.filter(|_| section) {
        Some(cap) => (
            i.issues(actor)
                .await?
                .into_iter()
                .filter(|s| !s.published)
                .collect(),
            i.instruction_leaders(&cap).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok(ItemPage {
        l: Layout::new(state, actor, "/information").await?,
        d,
        section,
        issues,
        levels: Level::all().map(|l| (l.code(), l.label())).collect(),
        leaders,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    Ok(
        item_page(&state, &actor, id, q.ok.as_deref().and_then(done), None)
            .await?
            .into_response(),
    )
}

/// The item a receipt belongs to, for the redirect after an action.
async fn item_of_receipt(state: &AppState, actor: &Actor, receipt: i64) -> Result<i64, PageError> {
    Ok(state
        .services
        .information()
        .receipt_item(actor, receipt)
        .await?)
}

async fn after(
    state: &AppState,
    actor: &Actor,
    receipt: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    let item = item_of_receipt(state, actor, receipt).await?;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/information/{item}?ok={ok}")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = item_page(state, actor, item, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

/// `GET /information/by-receipt/{id}`: the item a receipt belongs to (the backlog's links).
async fn by_receipt(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(receipt): Path<i64>,
) -> Result<Response, PageError> {
    let item = item_of_receipt(&state, &actor, receipt).await?;
    Ok(Redirect::to(&format!("/information/{item}")).into_response())
}

async fn sign(
    State(state): State<AppState>,
    Path(receipt): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.sign(&cap, receipt, state.clock.now()).await
    }
    .await;
    after(&state, &actor, receipt, result, "signed").await
}

#[derive(Debug, Default, Deserialize)]
struct ScreenForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn screen(
    State(state): State<AppState>,
    Path(receipt): Path<i64>,
    PageForm(actor, f): PageForm<ScreenForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.screen(&cap, receipt, &f.decision, &f.reason, state.clock.now())
            .await
    }
    .await;
    after(&state, &actor, receipt, result, "screened").await
}

#[derive(Debug, Default, Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn edit(
    State(state): State<AppState>,
    Path(receipt): Path<i64>,
    PageForm(actor, f): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.edit(
            &cap,
            receipt,
            &f.title,
            &f.body.replace("\r\n", "\n"),
            state.clock.now(),
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&state, &actor, receipt, result, "edited").await
}

#[derive(Debug, Default, Deserialize)]
struct AdoptForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    issue: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    leader_post: String,
}

async fn adopt(
    State(state): State<AppState>,
    Path(receipt): Path<i64>,
    PageForm(actor, f): PageForm<AdoptForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        let input = AdoptInput {
            level: f.level.clone(),
            issue: f.issue.trim().parse().ok(),
            note: f.note.clone(),
            leader_post: f.leader_post.trim().parse().ok(),
        };
        i.adopt(&cap, receipt, &input, state.clock.now())
            .await
            .map(|_| ())
    }
    .await;
    after(&state, &actor, receipt, result, "adopted").await
}

// ---------------------------------------------------------------------------------------------
// Periodicals

#[derive(Template, WebTemplate)]
#[template(path = "information_periodicals.html")]
struct PeriodicalsPage {
    l: Layout,
    periodicals: Vec<PeriodicalView>,
    issues: Vec<IssueView>,
    section: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn periodicals_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<PeriodicalsPage, PageError> {
    let i = state.services.information();
    Ok(PeriodicalsPage {
        l: Layout::new(state, actor, "/information").await?,
        periodicals: i.periodicals(actor).await?,
        issues: i.issues(actor).await?,
        section: i.section(actor).await?.is_some(),
        notice,
        error,
    })
}

async fn periodicals(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    Ok(
        periodicals_page(&state, &actor, q.ok.as_deref().and_then(done), None)
            .await?
            .into_response(),
    )
}

async fn periodicals_after(
    state: &AppState,
    actor: &Actor,
    result: Result<String, ServiceError>,
) -> Result<Response, PageError> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = periodicals_page(state, actor, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct PeriodicalForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    report_to: String,
    #[serde(default)]
    send_to: String,
    #[serde(default)]
    issue_to: String,
}

async fn add_periodical(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<PeriodicalForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        let input = NewPeriodical {
            name: f.name,
            publisher: f.publisher,
            report_to: f.report_to,
            send_to: f.send_to,
            issue_to: f.issue_to,
        };
        i.create_periodical(&cap, &input, state.clock.now())
            .await
            .map(|_| "/information/periodicals?ok=periodical".to_owned())
    }
    .await;
    periodicals_after(&state, &actor, result).await
}

#[derive(Debug, Default, Deserialize)]
struct IssueForm {
    #[serde(default)]
    periodical: i64,
}

async fn add_issue(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<IssueForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.new_issue(&cap, f.periodical, state.clock.now())
            .await
            .map(|v| format!("/information/periodicals/{}?ok=issue", v.id))
    }
    .await;
    periodicals_after(&state, &actor, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "information_issue.html")]
struct IssuePage {
    l: Layout,
    v: IssueView,
    section: bool,
    /// The units it may be issued to (while a draft, for the section).
    units: Vec<(i64, String)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn issue_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<IssuePage, PageError> {
    let i = state.services.information();
    let v = i.issue(actor, id).await?;
    let section = i.section(actor).await?;
    let units = match &section {
        Some(cap) if !v.published => i.commission_units(cap).await?,
        _ => Vec::new(),
    };
    Ok(IssuePage {
        l: Layout::new(state, actor, "/information").await?,
        v,
        section: section.is_some(),
        units,
        notice,
        error,
    })
}

async fn issue(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    Ok(
        issue_page(&state, &actor, id, q.ok.as_deref().and_then(done), None)
            .await?
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct PublishForm {
    /// The units ticked: the issue goes to them (发).
    #[serde(default)]
    units: Vec<i64>,
}

async fn publish(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<PublishForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        let input = PublishInput {
            units: Some(f.units),
        };
        i.publish(&cap, id, &input, state.clock.now()).await
    }
    .await;
    issue_done(&state, &actor, id, result, "published").await
}

/// 签收 of an issue by the reader's unit.
async fn receive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .information()
        .receive_issue(&actor, id, state.clock.now())
        .await;
    issue_done(&state, &actor, id, result, "issue_received").await
}

/// After an action on an issue: back to it with what was done, or the page with why not.
async fn issue_done(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/information/periodicals/{id}?ok={ok}")).into_response())
        }
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = issue_page(state, actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn issue_pdf(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = state.services.information().issue_pdf(&actor, id).await?;
    Ok(file_response(xn_service::files::AttachmentFile {
        name,
        mime: "application/pdf".into(),
        bytes,
    }))
}

// ---------------------------------------------------------------------------------------------
// Ranking

#[derive(Debug, Default, Deserialize)]
struct RankingParams {
    #[serde(default)]
    period: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "information_ranking.html")]
struct RankingPage {
    l: Layout,
    r: Option<Ranking>,
    period: String,
    /// The reader is the office's information section (起草信息工作通报).
    section: bool,
    error: Option<String>,
}

async fn ranking(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RankingParams>,
) -> Result<Response, PageError> {
    let period = q
        .period
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| {
            xn_domain::flow::engine::business_date(state.clock.now())
                .format("%Y-%m")
                .to_string()
        });
    ranking_page(&state, &actor, period, None).await
}

async fn ranking_page(
    state: &AppState,
    actor: &Actor,
    period: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let l = Layout::new(state, actor, "/information").await?;
    let section = i.section(actor).await?.is_some();
    match i.ranking(actor, period.trim()).await {
        Ok(r) => {
            let status = if error.is_some() {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            } else {
                axum::http::StatusCode::OK
            };
            Ok((
                status,
                RankingPage {
                    l,
                    r: Some(r),
                    period,
                    section,
                    error,
                },
            )
                .into_response())
        }
        Err(e @ ServiceError::Invalid { .. }) => Ok((
            status_of(&e),
            RankingPage {
                l,
                r: None,
                period,
                section,
                error: fixable(&e),
            },
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct BulletinForm {
    #[serde(default)]
    month: String,
}

/// `POST /information/bulletin`: drafts the month's 信息工作通报 and opens the draft.
async fn draft_bulletin(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<BulletinForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.draft_bulletin(&cap, f.month.trim(), state.clock.now())
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/documents/{id}")).into_response()),
        Err(e @ ServiceError::Invalid { .. }) => {
            ranking_page(&state, &actor, f.month.clone(), fixable(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The information routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/information",
            get(list).post(submit).layer(DefaultBodyLimit::max(
                xn_service::flow::MAX_CASE_FILES * xn_service::files::MAX_ATTACHMENT_BYTES + 65_536,
            )),
        )
        .route("/information/new", get(new_item))
        .route("/information/ranking", get(ranking))
        .route("/information/bulletin", post(draft_bulletin))
        .route(
            "/information/periodicals",
            get(periodicals).post(add_periodical),
        )
        .route("/information/issues", post(add_issue))
        .route("/information/periodicals/{id}", get(issue))
        .route("/information/periodicals/{id}/publish", post(publish))
        .route("/information/periodicals/{id}/receive", post(receive))
        .route("/information/periodicals/{id}/pdf", get(issue_pdf))
        .route("/information/receipts/{id}/sign", post(sign))
        .route("/information/receipts/{id}/screen", post(screen))
        .route("/information/receipts/{id}/edit", post(edit))
        .route("/information/receipts/{id}/adopt", post(adopt))
        .route("/information/by-receipt/{id}", get(by_receipt))
        .route("/information/{id}", get(show))
}
