//! 收文 registered by hand: a paper document received at the office, entered from its cover.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_domain::documents::DocKind;
use xn_service::Actor;
use xn_service::documents::ManualIncoming;

use super::opt;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
pub(super) struct IncomingForm {
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

async fn incoming_page(
    state: &AppState,
    actor: &Actor,
    f: IncomingForm,
    error: Option<String>,
) -> Result<IncomingPage, PageError> {
    Ok(IncomingPage {
        l: Layout::new(state, actor, "/documents").await?,
        f,
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        error,
    })
}

pub(super) async fn new_incoming(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let f = IncomingForm {
        kind: "notice".into(),
        ..IncomingForm::default()
    };
    Ok(incoming_page(&state, &actor, f, None)
        .await?
        .into_response())
}

pub(super) async fn register_incoming(
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
    let registered = state
        .services
        .documents()
        .register_incoming(&actor, &input, state.clock.now())
        .await;
    respond(
        registered,
        |id| format!("/documents/{id}?ok=registered"),
        |m| incoming_page(&state, &actor, f, Some(m)),
    )
    .await
}
