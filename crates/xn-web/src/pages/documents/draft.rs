//! The draft form: a new 发文 and the editing of a draft, with its recipients chosen from the
//! unit tree or written by name.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_domain::documents::{DocKind, Format, Recipient};
use xn_service::documents::{DocumentView, DraftInput};
use xn_service::{Actor, ServiceError};

use super::{UnitOption, opt, recipient_units};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
pub(super) struct DraftForm {
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

pub(super) async fn new_draft(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    state.services.documents().check_may_draft(&actor)?;
    let f = DraftForm {
        kind: "notice".into(),
        seal: Some("on".into()),
        ..DraftForm::default()
    };
    Ok(form_page(&state, &actor, None, f, None)
        .await?
        .into_response())
}

pub(super) async fn create_draft(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let made = match f.input() {
        Ok(input) => {
            state
                .services
                .documents()
                .draft(&actor, &input, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    respond(
        made,
        |id| format!("/documents/{id}?ok=saved"),
        |m| form_page(&state, &actor, None, f, Some(m)),
    )
    .await
}

pub(super) async fn edit_draft(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = state.services.documents().get(&actor, id).await?;
    Ok(form_page(&state, &actor, Some(id), DraftForm::of(&d), None)
        .await?
        .into_response())
}

pub(super) async fn save_draft(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let saved = match f.input() {
        Ok(input) => {
            state
                .services
                .documents()
                .save(&actor, id, &input, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    respond(
        saved,
        |_| format!("/documents/{id}?ok=saved"),
        |m| form_page(&state, &actor, Some(id), f, Some(m)),
    )
    .await
}
