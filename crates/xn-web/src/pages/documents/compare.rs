//! Two versions of a document's text side by side, changes marked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_domain::documents::text::{DiffLine, Piece};

use crate::AppState;
use crate::error::PageError;
use crate::extract::CurrentUser;
use crate::pages::Layout;

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
pub(super) struct CompareQuery {
    from: i64,
    to: i64,
}

pub(super) async fn compare(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let d = state.services.documents().get(&actor, id).await?;
    let lines = state
        .services
        .documents()
        .compare(&actor, id, q.from, q.to)
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
