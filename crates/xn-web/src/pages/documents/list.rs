//! The 发文 and 收文 lists, filtered by status and paged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::documents::{DocumentListItem, INCOMING_STATUSES, OUTGOING_STATUSES};

use super::done;
use crate::AppState;
use crate::error::PageError;
use crate::extract::CurrentUser;
use crate::pages::{Layout, filters};

const PER_PAGE: i64 = 30;

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
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
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
        .documents()
        .list(
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

pub(super) async fn outgoing(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(&state, &actor, false, q).await
}

pub(super) async fn incoming(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(&state, &actor, true, q).await
}
