//! 归档 of a dispatched 发文, and the archive packages of one document or of a whole year.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::page::doc_page;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::respond::{file_response, respond};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ArchiveForm {
    #[serde(default)]
    retention: String,
}

pub(super) async fn archive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ArchiveForm>,
) -> Result<Response, PageError> {
    let docs = state.services.documents();
    let archived = async {
        let keeper = docs.as_archivist(&actor).await?;
        docs.archive(&keeper, id, &f.retention, state.clock.now())
            .await
    }
    .await;
    respond(
        archived,
        |_| format!("/documents/{id}?ok=archived"),
        |m| doc_page(&state, &actor, id, None, Some(m)),
    )
    .await
}

pub(super) async fn archive_package(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .documents()
        .archive_package(&actor, id, state.clock.now())
        .await?;
    Ok(file_response(f))
}

pub(super) async fn archive_year_package(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(year): Path<i64>,
) -> Result<Response, PageError> {
    let docs = state.services.documents();
    let keeper = docs.as_archivist(&actor).await?;
    let f = docs
        .archive_year_package(&keeper, year, state.clock.now())
        .await?;
    Ok(file_response(f))
}
