//! 办文 pages: 发文 and 收文 lists, the draft form, the document page (text, versions,
//! attachments, recipients), version comparison, 收文 registered by hand, the number ledger,
//! 综合查询 and 归档. Steps are acted on from the case page (`/cases/{id}`), like every item.
//!
//! One file per group of pages. This one holds the router and the few things several of them
//! share (the units offered as recipients, the notices shown after an action); handlers live in
//! the files beside it, never here. The seals pages are administration and live in
//! `pages/admin.rs`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use xn_service::Actor;

use crate::AppState;
use crate::error::PageError;

mod archive;
mod compare;
mod draft;
mod incoming;
mod ledger;
mod list;
mod page;
mod search;

/// A unit offered as a recipient.
struct UnitOption {
    id: i64,
    name: String,
    depth: usize,
}

/// The units a document can be addressed to, as the recipient pickers offer them.
async fn recipient_units(state: &AppState, actor: &Actor) -> Result<Vec<UnitOption>, PageError> {
    Ok(state
        .services
        .recipient_units(actor)
        .await?
        .into_iter()
        .map(|u| UnitOption {
            id: u.id,
            name: u.name,
            depth: u.depth,
        })
        .collect())
}

/// The notice for an `ok=` code in the URL an action redirected to.
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

/// A text field read as optional: blank means absent.
fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The 办文 pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents", get(list::outgoing).post(draft::create_draft))
        .route(
            "/documents/incoming",
            get(list::incoming)
                .post(incoming::register_incoming)
                .layer(DefaultBodyLimit::max(incoming::MAX_FORM_BYTES)),
        )
        .route("/documents/incoming/new", get(incoming::new_incoming))
        .route("/documents/new", get(draft::new_draft))
        .route("/documents/search", get(search::search))
        .route("/documents/search/count", get(search::count))
        .route("/documents/ledger", get(ledger::ledger))
        .route("/documents/ledger.xlsx", get(ledger::ledger_xlsx))
        .route("/documents/ledger/reserve", post(ledger::reserve))
        .route("/documents/ledger/void", post(ledger::void))
        .route("/documents/{id}", get(page::show).post(draft::save_draft))
        .route("/documents/{id}/edit", get(draft::edit_draft))
        .route("/documents/{id}/submit", post(page::submit))
        .route("/documents/{id}/compare", get(compare::compare))
        .route("/documents/{id}/pdf", get(page::pdf))
        .route("/documents/{id}/sheet", get(page::sheet))
        .route("/documents/{id}/archive", post(archive::archive))
        .route(
            "/documents/{id}/archive/package",
            get(archive::archive_package),
        )
        .route(
            "/documents/archive/{year}/package",
            get(archive::archive_year_package),
        )
        .route("/documents/{id}/resend", post(page::resend))
        .route(
            "/documents/{id}/attachments",
            post(page::upload).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_ATTACHMENT_BYTES + 1024 * 1024,
            )),
        )
        .route(
            "/documents/{id}/attachments/{attachment}",
            get(page::download),
        )
}
