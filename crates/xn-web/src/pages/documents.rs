//! 办文 pages: 发文 and 收文 lists, the draft form, the document page (text, versions,
//! attachments, recipients), version comparison, 收文 registered by hand, and the number
//! ledger. Steps are acted on from the case page (`/cases/{id}`), like every item.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::documents::text::{DiffLine, Piece};
use xn_domain::documents::{DocKind, Format, Recipient};
use xn_service::documents::{
    ArchiveItemView, DocumentListItem, DocumentView, DraftInput, INCOMING_STATUSES, LedgerEntry,
    ManualIncoming, OUTGOING_STATUSES, PostChoice, RETENTIONS, SealStatus, SubmitInput,
};
use xn_service::{Actor, ServiceError};

use super::{Layout, beijing_time, fixable};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm, csrf_rejected};

const PER_PAGE: i64 = 30;

/// A unit offered as a recipient.
struct UnitOption {
    id: i64,
    name: String,
    depth: usize,
}

async fn recipient_units(state: &AppState, actor: &Actor) -> Result<Vec<UnitOption>, PageError> {
    Ok(state
        .services
        .unit_tree(actor)
        .await?
        .into_iter()
        .filter(|u| {
            u.issuer_code.as_deref().is_some_and(|c| !c.is_empty())
                && matches!(u.kind.as_str(), "government" | "office" | "bureau")
        })
        .map(|u| UnitOption {
            id: u.id,
            name: u.name,
            depth: u.depth,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Template, WebTemplate)]
#[template(path = "documents.html")]
struct ListPage {
    l: Layout,
    incoming: bool,
    items: Vec<DocumentListItem>,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    page: i64,
    pages: i64,
    total: i64,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "已保存。",
        "submitted" => "已提交，公文已送核稿。",
        "registered" => "收文已登记，已送初审。",
        "uploaded" => "附件已上传。",
        "reserved" => "已预留文号。",
        "voided" => "文号已作废，该号不会再被使用。",
        "resent" => "已重新分送。",
        "archived" => "已归档，档号已编定，可下载归档包。",
        _ => return None,
    })
}

async fn list(
    state: &AppState,
    actor: &Actor,
    incoming: bool,
    q: ListQuery,
) -> Result<Response, PageError> {
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = state
        .services
        .list_documents(
            actor,
            if incoming { "incoming" } else { "outgoing" },
            Some(q.status.as_str()),
            page,
            PER_PAGE,
        )
        .await?;
    Ok(ListPage {
        l: Layout::new(state, actor, "/documents").await?,
        incoming,
        items,
        statuses: if incoming {
            INCOMING_STATUSES.to_vec()
        } else {
            OUTGOING_STATUSES.to_vec()
        },
        status: q.status,
        page,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        total,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

async fn outgoing(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(&state, &actor, false, q).await
}

async fn incoming(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(&state, &actor, true, q).await
}

// ---------------------------------------------------------------------------------------------
// The draft form

#[derive(Debug, Default, Deserialize)]
struct DraftForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    issuer_code: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    secrecy_term: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    signers: String,
    #[serde(default)]
    main: Vec<i64>,
    #[serde(default)]
    main_other: String,
    #[serde(default)]
    copy: Vec<i64>,
    #[serde(default)]
    copy_other: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    printer: String,
    #[serde(default)]
    seal: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version_note: String,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn names(s: &str) -> Vec<Recipient> {
    s.lines()
        .flat_map(|l| l.split(['、', '，', ',']))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| Recipient {
            unit_id: None,
            name: n.to_owned(),
        })
        .collect()
}

impl DraftForm {
    fn input(&self) -> Result<DraftInput, ServiceError> {
        let copies = match self.copies.trim() {
            "" => None,
            c => Some(
                c.parse()
                    .map_err(|_| ServiceError::invalid("copies", "份数应为数字"))?,
            ),
        };
        let units = |ids: &[i64]| {
            ids.iter()
                .map(|id| Recipient {
                    unit_id: Some(*id),
                    name: String::new(),
                })
                .collect::<Vec<_>>()
        };
        let mut main = units(&self.main);
        main.extend(names(&self.main_other));
        let mut copy = units(&self.copy);
        copy.extend(names(&self.copy_other));
        Ok(DraftInput {
            kind: self.kind.clone(),
            format: opt(&self.format),
            title: self.title.clone(),
            issuer_code: opt(&self.issuer_code),
            copies,
            classification: opt(&self.classification),
            secrecy_term: opt(&self.secrecy_term),
            urgency: opt(&self.urgency),
            joint_issuers: Vec::new(),
            signers: self
                .signers
                .split(['、', '，', ',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            main_recipients: main,
            copy_recipients: copy,
            signature: opt(&self.signature),
            note: opt(&self.note),
            printer: opt(&self.printer),
            seal: self.seal.is_some(),
            body: self.body.clone(),
            version_note: opt(&self.version_note),
        })
    }

    fn of(d: &DocumentView) -> DraftForm {
        let ids = |r: &[Recipient]| r.iter().filter_map(|x| x.unit_id).collect::<Vec<_>>();
        let others = |r: &[Recipient]| {
            r.iter()
                .filter(|x| x.unit_id.is_none())
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        DraftForm {
            kind: d.kind.clone(),
            format: d.format.clone(),
            title: d.title.clone(),
            issuer_code: d.issuer_code.clone().unwrap_or_default(),
            copies: d.copies.map(|c| c.to_string()).unwrap_or_default(),
            classification: d.classification.clone(),
            secrecy_term: d.secrecy_term.clone().unwrap_or_default(),
            urgency: d.urgency.clone().unwrap_or_default(),
            signers: d.signers.join("、"),
            main: ids(&d.main_recipients),
            main_other: others(&d.main_recipients),
            copy: ids(&d.copy_recipients),
            copy_other: others(&d.copy_recipients),
            signature: d.signature.clone(),
            note: d.note.clone().unwrap_or_default(),
            printer: d.printer.clone().unwrap_or_default(),
            seal: d.seal.then(|| "on".to_owned()),
            body: d.body.clone(),
            version_note: String::new(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "document_form.html")]
struct FormPage {
    l: Layout,
    id: Option<i64>,
    f: DraftForm,
    kinds: Vec<(&'static str, &'static str)>,
    formats: Vec<(&'static str, &'static str)>,
    units: Vec<UnitOption>,
    error: Option<String>,
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    f: DraftForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    Ok(FormPage {
        l: Layout::new(state, actor, "/documents").await?,
        id,
        f,
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        formats: Format::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        units: recipient_units(state, actor).await?,
        error,
    })
}

async fn new_draft(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let f = DraftForm {
        kind: "notice".into(),
        seal: Some("on".into()),
        ..DraftForm::default()
    };
    Ok(form_page(&state, &actor, None, f, None)
        .await?
        .into_response())
}

async fn create_draft(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let made = match f.input() {
        Ok(input) => {
            state
                .services
                .create_draft(&actor, &input, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(id) => Ok(Redirect::to(&format!("/documents/{id}?ok=saved")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = form_page(&state, &actor, None, f, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn edit_draft(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = state.services.document_view(&actor, id).await?;
    Ok(form_page(&state, &actor, Some(id), DraftForm::of(&d), None)
        .await?
        .into_response())
}

async fn save_draft(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let saved = match f.input() {
        Ok(input) => {
            state
                .services
                .save_draft(&actor, id, &input, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}?ok=saved")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = form_page(&state, &actor, Some(id), f, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The document page

#[derive(Template, WebTemplate)]
#[template(path = "document.html")]
struct DocPage {
    l: Layout,
    d: DocumentView,
    signers: Vec<PostChoice>,
    countersigners: Vec<PostChoice>,
    units: Vec<UnitOption>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// Its archive item, once filed.
    archive: Option<ArchiveItemView>,
    /// 保管期限 choices (code, name).
    retentions: &'static [(&'static str, &'static str)],
}

impl DocPage {
    fn can_archive(&self) -> bool {
        self.archive.is_none() && self.d.direction == "outgoing" && self.d.status == "dispatched"
    }

    fn when(&self, ms: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_time(xn_service::ms(*ms))
    }
    fn when_opt(&self, t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map(|t| beijing_time(xn_service::ms(t)))
            .unwrap_or_default()
    }
    fn names(&self, r: &[Recipient]) -> String {
        r.iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join("，")
    }
    fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1_048_576.0)
        } else {
            format!("{:.0} KB", (*bytes as f64 / 1024.0).ceil())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

async fn doc_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DocPage, PageError> {
    let d = state.services.document_view(actor, id).await?;
    let (signers, countersigners) = if d.can_submit {
        (
            state.services.signoff_candidates(actor).await?,
            state.services.countersign_candidates(actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let units = if d.direction == "outgoing" && d.status == "dispatched" {
        recipient_units(state, actor).await?
    } else {
        Vec::new()
    };
    let archive = if d.direction == "outgoing" && d.status == "dispatched" {
        state.services.archive_item(actor, id).await?
    } else {
        None
    };
    Ok(DocPage {
        l: Layout::new(state, actor, "/documents").await?,
        d,
        signers,
        countersigners,
        units,
        notice,
        error,
        archive,
        retentions: &RETENTIONS,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(doc_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct SubmitForm {
    #[serde(default)]
    signoff_post: String,
    #[serde(default)]
    countersign: Vec<i64>,
    #[serde(default)]
    key: String,
}

async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<SubmitForm>,
) -> Result<Response, PageError> {
    let result = match f.signoff_post.trim().parse::<i64>() {
        Ok(signoff_post) => {
            let key = (!f.key.is_empty()).then(|| {
                xn_service::flow::IdempotencyKey::new(
                    &f.key,
                    &format!("submit {id} {signoff_post}"),
                )
            });
            state
                .services
                .submit_document(
                    &actor,
                    id,
                    &SubmitInput {
                        signoff_post,
                        countersign_posts: f.countersign.clone(),
                    },
                    key,
                    state.clock.now(),
                )
                .await
        }
        Err(_) => Err(ServiceError::invalid("signoff_post", "请选择签发人")),
    };
    match result {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{case}?ok=started")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = doc_page(&state, &actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct CsrfQuery {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    role: String,
}

async fn upload(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CsrfQuery>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    // Multipart bodies carry the CSRF token in the form's action URL.
    if actor.csrf_token.is_empty() || q._csrf != actor.csrf_token {
        return Ok(csrf_rejected());
    }
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        PageError(ServiceError::invalid(
            "file",
            format!("上传内容无法读取：{e}"),
        ))
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("附件").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let added = match file {
        Some((name, bytes)) => {
            let role = if q.role == "scan" {
                "scan"
            } else {
                "attachment"
            };
            state
                .services
                .add_attachment(&actor, id, role, &name, &bytes, state.clock.now())
                .await
        }
        None => Err(ServiceError::invalid("file", "请选择要上传的文件")),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}?ok=uploaded")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = doc_page(&state, &actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn download(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .attachment_file(&actor, id, attachment)
        .await?;
    Ok(crate::api::documents::file_response(f))
}

async fn pdf(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .document_pdf(&actor, id, state.clock.now())
        .await?;
    Ok(crate::api::documents::file_response(f))
}

async fn sheet(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let f = state.services.processing_sheet(&actor, id).await?;
    Ok(crate::api::documents::file_response(f))
}

#[derive(Debug, Default, Deserialize)]
struct ResendForm {
    #[serde(default)]
    units: Vec<i64>,
}

async fn resend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ResendForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .resend_document(&actor, id, &f.units, state.clock.now())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/documents/{id}?ok=resent")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = doc_page(&state, &actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing versions

#[derive(Template, WebTemplate)]
#[template(path = "document_compare.html")]
struct ComparePage {
    l: Layout,
    id: i64,
    title: String,
    from: i64,
    to: i64,
    lines: Vec<DiffLine>,
}

impl ComparePage {
    fn piece(&self, p: &Piece) -> (&'static str, String) {
        match p {
            Piece::Same(t) => ("", t.clone()),
            Piece::Added(t) => ("ins", t.clone()),
            Piece::Removed(t) => ("del", t.clone()),
        }
    }
}

#[derive(Debug, Deserialize)]
struct CompareQuery {
    from: i64,
    to: i64,
}

async fn compare(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let d = state.services.document_view(&actor, id).await?;
    let lines = state
        .services
        .compare_versions(&actor, id, q.from, q.to)
        .await?;
    Ok(ComparePage {
        l: Layout::new(&state, &actor, "/documents").await?,
        id,
        title: d.title,
        from: q.from,
        to: q.to,
        lines,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// 收文 registered by hand

#[derive(Debug, Default, Deserialize)]
struct IncomingForm {
    #[serde(default)]
    sender_name: String,
    #[serde(default)]
    sender_number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    written_on: String,
    #[serde(default)]
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "document_incoming.html")]
struct IncomingPage {
    l: Layout,
    f: IncomingForm,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn new_incoming(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    Ok(IncomingPage {
        l: Layout::new(&state, &actor, "/documents").await?,
        f: IncomingForm {
            kind: "notice".into(),
            ..IncomingForm::default()
        },
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        error: None,
    }
    .into_response())
}

async fn register_incoming(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<IncomingForm>,
) -> Result<Response, PageError> {
    let copies = f.copies.trim().parse::<i64>().ok();
    let input = ManualIncoming {
        sender_name: f.sender_name.clone(),
        sender_number: opt(&f.sender_number),
        title: f.title.clone(),
        kind: f.kind.clone(),
        classification: opt(&f.classification),
        urgency: opt(&f.urgency),
        copies,
        written_on: opt(&f.written_on),
        body: f.body.clone(),
    };
    match state
        .services
        .register_manual_incoming(&actor, &input, state.clock.now())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/documents/{id}?ok=registered")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = IncomingPage {
                    l: Layout::new(&state, &actor, "/documents").await?,
                    f,
                    kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
                    error: Some(m),
                };
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The number ledger

#[derive(Template, WebTemplate)]
#[template(path = "document_ledger.html")]
struct LedgerPage {
    l: Layout,
    codes: Vec<String>,
    code: String,
    year: i64,
    entries: Vec<LedgerEntry>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl LedgerPage {
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        beijing_time(xn_service::ms(*t))
    }
}

#[derive(Debug, Default, Deserialize)]
struct LedgerQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

async fn ledger_page(
    state: &AppState,
    actor: &Actor,
    code: &str,
    year: Option<i64>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<LedgerPage, PageError> {
    let codes = state.services.ledger_codes(actor).await?;
    let code = if code.is_empty() {
        codes.first().cloned().unwrap_or_default()
    } else {
        code.to_owned()
    };
    let year = year.unwrap_or_else(|| {
        i64::from(xn_domain::documents::numbering::ledger_year(
            state.clock.now(),
        ))
    });
    let entries = state.services.ledger(actor, &code, year).await?;
    Ok(LedgerPage {
        l: Layout::new(state, actor, "/documents").await?,
        codes,
        code,
        year,
        entries,
        notice,
        error,
    })
}

async fn ledger(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(ledger_page(&state, &actor, &q.code, q.year, notice, None)
        .await?
        .into_response())
}

async fn ledger_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let page = ledger_page(&state, &actor, &q.code, q.year, None, None).await?;
    let rows = page
        .entries
        .iter()
        .map(|e| {
            vec![
                e.number.clone(),
                e.state_label.clone(),
                e.title.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                page.when(&e.at),
            ]
        })
        .collect();
    let sheet = xn_render::xlsx::Sheet {
        name: format!("{}{}", page.code, page.year),
        header: ["发文字号", "状态", "公文标题", "预留或作废原因", "时间"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    };
    super::org::xlsx_response(
        &format!("文号台账-{}-{}.xlsx", page.code, page.year),
        &[sheet],
    )
}

#[derive(Debug, Default, Deserialize)]
struct NumberForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: i64,
    #[serde(default)]
    seq: i64,
    #[serde(default)]
    reason: String,
}

async fn reserve(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<NumberForm>,
) -> Result<Response, PageError> {
    number_action(&state, &actor, &f, false).await
}

async fn void(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<NumberForm>,
) -> Result<Response, PageError> {
    number_action(&state, &actor, &f, true).await
}

async fn number_action(
    state: &AppState,
    actor: &Actor,
    f: &NumberForm,
    void: bool,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let done = if void {
        state
            .services
            .void_number(actor, &f.code, f.year, f.seq, &f.reason, now)
            .await
    } else {
        state
            .services
            .reserve_number(actor, &f.code, &f.reason, now)
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) => {
            let code = super::percent(&f.code);
            Ok(Redirect::to(&format!(
                "/documents/ledger?code={code}&ok={}",
                if void { "voided" } else { "reserved" }
            ))
            .into_response())
        }
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = ledger_page(state, actor, &f.code, None, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// 综合查询

#[derive(Template, WebTemplate)]
#[template(path = "document_search.html")]
struct SearchPage {
    l: Layout,
    s: xn_service::documents::DocumentSearch,
    kinds: Vec<(&'static str, &'static str)>,
    results: Option<xn_service::documents::SearchResults>,
    error: Option<String>,
}

impl SearchPage {
    fn next_page(&self) -> String {
        self.page_link(self.results.as_ref().map_or(1, |r| r.page + 1))
    }
    fn prev_page(&self) -> String {
        self.page_link(self.results.as_ref().map_or(1, |r| (r.page - 1).max(1)))
    }
    fn page_link(&self, page: i64) -> String {
        let enc = super::percent;
        format!(
            "/documents/search?q={}&direction={}&kind={}&number={}&status={}&from={}&to={}&page={page}",
            enc(&self.s.q),
            enc(&self.s.direction),
            enc(&self.s.kind),
            enc(&self.s.number),
            enc(&self.s.status),
            enc(&self.s.from),
            enc(&self.s.to)
        )
    }
}

async fn search(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(s): Query<xn_service::documents::DocumentSearch>,
) -> Result<Response, PageError> {
    let asked = !(s.q.trim().is_empty()
        && s.kind.is_empty()
        && s.number.trim().is_empty()
        && s.direction.is_empty()
        && s.status.is_empty()
        && s.from.is_empty()
        && s.to.is_empty());
    let (results, error) = if asked {
        match state.services.search_documents(&actor, &s).await {
            Ok(r) => (Some(r), None),
            Err(e) => match fixable(&e) {
                Some(m) => (None, Some(m)),
                None => return Err(e.into()),
            },
        }
    } else {
        (None, None)
    };
    Ok(SearchPage {
        l: Layout::new(&state, &actor, "/documents").await?,
        s,
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        results,
        error,
    }
    .into_response())
}

/// The 办文 pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents", get(outgoing).post(create_draft))
        .route("/documents/incoming", get(incoming).post(register_incoming))
        .route("/documents/incoming/new", get(new_incoming))
        .route("/documents/new", get(new_draft))
        .route("/documents/search", get(search))
        .route("/documents/ledger", get(ledger))
        .route("/documents/ledger.xlsx", get(ledger_xlsx))
        .route("/documents/ledger/reserve", post(reserve))
        .route("/documents/ledger/void", post(void))
        .route("/documents/{id}", get(show).post(save_draft))
        .route("/documents/{id}/edit", get(edit_draft))
        .route("/documents/{id}/submit", post(submit))
        .route("/documents/{id}/compare", get(compare))
        .route("/documents/{id}/pdf", get(pdf))
        .route("/documents/{id}/sheet", get(sheet))
        .route("/documents/{id}/archive", post(archive))
        .route("/documents/{id}/archive/package", get(archive_package))
        .route(
            "/documents/archive/{year}/package",
            get(archive_year_package),
        )
        .route("/admin/seals", get(seals))
        .route(
            "/admin/seals/{unit}",
            post(upload_seal).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_SEAL_BYTES + 64 * 1024,
            )),
        )
        .route("/admin/seals/{unit}/preview", get(seal_preview))
        .route("/documents/{id}/resend", post(resend))
        .route(
            "/documents/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_ATTACHMENT_BYTES + 1024 * 1024,
            )),
        )
        .route("/documents/{id}/attachments/{attachment}", get(download))
}

#[derive(Debug, Default, Deserialize)]
struct ArchiveForm {
    #[serde(default)]
    retention: String,
}

async fn archive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ArchiveForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .archive_document(&actor, id, &f.retention, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}?ok=archived")).into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = doc_page(&state, &actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn archive_package(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .archive_package(&actor, id, state.clock.now())
        .await?;
    Ok(crate::api::documents::file_response(f))
}

async fn archive_year_package(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(year): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .archive_year_package(&actor, year, state.clock.now())
        .await?;
    Ok(crate::api::documents::file_response(f))
}

#[derive(Template, WebTemplate)]
#[template(path = "seals.html")]
struct SealsPage {
    l: Layout,
    seals: Vec<SealStatus>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SealsPage {
    fn when_opt(&self, t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map(|t| beijing_time(xn_service::ms(t)))
            .unwrap_or_default()
    }
}

async fn seals_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<SealsPage, PageError> {
    Ok(SealsPage {
        l: Layout::new(state, actor, "/admin").await?,
        seals: state.services.seal_statuses(actor).await?,
        notice,
        error,
    })
}

async fn seals(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let notice = (q.ok.as_deref() == Some("uploaded")).then_some("印章图像已加密保存。");
    Ok(seals_page(&state, &actor, notice, None)
        .await?
        .into_response())
}

async fn upload_seal(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(unit): Path<i64>,
    Query(q): Query<CsrfQuery>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    // Multipart bodies carry the CSRF token in the form's action URL.
    if actor.csrf_token.is_empty() || q._csrf != actor.csrf_token {
        return Ok(csrf_rejected());
    }
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        PageError(ServiceError::invalid(
            "file",
            format!("上传内容无法读取：{e}"),
        ))
    };
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(unreadable)?.to_vec());
        }
    }
    let done = state
        .services
        .upload_seal(
            &actor,
            unit,
            file.as_deref().unwrap_or_default(),
            state.clock.now(),
        )
        .await;
    match done {
        Ok(_) => Ok(Redirect::to("/admin/seals?ok=uploaded").into_response()),
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = seals_page(&state, &actor, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn seal_preview(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(unit): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .seal_preview(&actor, unit, state.clock.now())
        .await?;
    Ok(crate::api::documents::file_response(f))
}
