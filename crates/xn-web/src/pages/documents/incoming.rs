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

/// The largest registration form: its longest text, percent-encoded, with room to spare.
pub(super) const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

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
    state.services.documents().as_registry_clerk(&actor).await?;
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
    // A count that is not a number is refused by the service as out of range.
    let copies = opt(&f.copies).map(|c| c.parse::<i64>().unwrap_or(0));
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
    let docs = state.services.documents();
    let clerk = docs.as_registry_clerk(&actor).await?;
    let registered = docs
        .register_incoming(&clerk, &input, state.clock.now())
        .await;
    respond(
        registered,
        |id| format!("/documents/{id}?ok=registered"),
        |m| incoming_page(&state, &actor, f, Some(m)),
    )
    .await
}
