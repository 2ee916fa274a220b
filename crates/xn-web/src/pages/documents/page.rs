//! The document page (text, versions, attachments, recipients, its archive item) and what is
//! done from it: submitting a draft, uploading an attachment, downloading a file, the PDF, the
//! processing sheet, and re-sending to more units.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_domain::documents::Recipient;
use xn_service::documents::{ArchiveItemView, DocumentView, PostChoice, RETENTIONS, SubmitInput};
use xn_service::{Actor, ServiceError};

use super::{UnitOption, done, recipient_units};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm, Upload};
use crate::pages::{Layout, filters};
use crate::respond::{file_response, inline_pdf_response, respond};

#[derive(Template, WebTemplate)]
#[template(path = "document.html")]
pub(super) struct DocPage {
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
    /// The viewer keeps the office's records (the registry section or the office): 归档 is
    /// offered to them only, as the service allows it to them only.
    may_file: bool,
}

impl DocPage {
    fn can_archive(&self) -> bool {
        self.may_file
            && self.archive.is_none()
            && self.d.direction == "outgoing"
            && self.d.status == "dispatched"
    }

    fn names(&self, r: &[Recipient]) -> String {
        r.iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join("，")
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

pub(super) async fn doc_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DocPage, PageError> {
    let d = state
        .services
        .documents()
        .read(actor, id, state.clock.now())
        .await?;
    let (signers, countersigners) = if d.can_submit {
        (
            state.services.documents().signoff_candidates(actor).await?,
            state
                .services
                .documents()
                .countersign_candidates(actor)
                .await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let units = if d.direction == "outgoing" && d.status == "dispatched" {
        recipient_units(state, actor).await?
    } else {
        Vec::new()
    };
    let (archive, may_file) = if d.direction == "outgoing" && d.status == "dispatched" {
        let archive = state.services.documents().archive_item(actor, id).await?;
        let may_file = archive.is_none()
            && match state.services.documents().as_ledger_keeper(actor).await {
                Ok(_) => true,
                Err(ServiceError::Forbidden(_)) => false,
                Err(e) => return Err(e.into()),
            };
        (archive, may_file)
    } else {
        (None, false)
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
        may_file,
    })
}

pub(super) async fn show(
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
pub(super) struct SubmitForm {
    #[serde(default)]
    signoff_post: String,
    #[serde(default)]
    countersign: Vec<i64>,
    #[serde(default)]
    key: String,
}

pub(super) async fn submit(
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
                .documents()
                .submit(
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
    respond(
        result,
        |case| format!("/cases/{case}?ok=started"),
        |m| doc_page(&state, &actor, id, None, Some(m)),
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct UploadQuery {
    #[serde(default)]
    role: String,
}

pub(super) async fn upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    Upload(CurrentUser(actor), file): Upload<CurrentUser>,
) -> Result<Response, PageError> {
    let added = match file {
        Some(file) => {
            let role = if q.role == "scan" {
                "scan"
            } else {
                "attachment"
            };
            let name = file.name.as_deref().unwrap_or("附件");
            state
                .services
                .documents()
                .attach(&actor, id, role, name, &file.bytes, state.clock.now())
                .await
        }
        None => Err(ServiceError::invalid("file", "请选择要上传的文件")),
    };
    respond(
        added,
        |_| format!("/documents/{id}?ok=uploaded"),
        |m| doc_page(&state, &actor, id, None, Some(m)),
    )
    .await
}

/// `?inline=1`: a PDF shown inside the 办理 page instead of downloaded.
#[derive(Debug, Default, Deserialize)]
pub(super) struct InlineQuery {
    #[serde(default)]
    inline: Option<String>,
}

impl InlineQuery {
    fn respond(&self, f: xn_service::documents::AttachmentFile) -> Response {
        if self.inline.is_some() {
            inline_pdf_response(f)
        } else {
            file_response(f)
        }
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path((id, attachment)): Path<(i64, i64)>,
    Query(q): Query<InlineQuery>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .documents()
        .attachment(&actor, id, attachment)
        .await?;
    Ok(q.respond(f))
}

pub(super) async fn pdf(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<InlineQuery>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .documents()
        .pdf(&actor, id, state.clock.now())
        .await?;
    Ok(q.respond(f))
}

pub(super) async fn sheet(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .documents()
        .processing_sheet(&actor, id)
        .await?;
    Ok(file_response(f))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ResendForm {
    #[serde(default)]
    units: Vec<i64>,
}

pub(super) async fn resend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ResendForm>,
) -> Result<Response, PageError> {
    let docs = state.services.documents();
    let resent = async {
        let keeper = docs.as_ledger_keeper(&actor).await?;
        docs.resend(&keeper, id, &f.units, state.clock.now()).await
    }
    .await;
    respond(
        resent,
        |()| format!("/documents/{id}?ok=resent"),
        |m| doc_page(&state, &actor, id, None, Some(m)),
    )
    .await
}
