//! 收文 registered by hand: a paper document received at the office, entered from its cover.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xn_domain::documents::DocKind;
use xn_service::documents::ManualIncoming;

use super::opt;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::pages::{Layout, fixable};

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

pub(super) async fn new_incoming(
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
