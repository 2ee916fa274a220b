//! Responses built the same way by every area: the end of a page's post/redirect/get, a
//! stored file as a download, an xlsx export, and the percent-encoding their names need.
//!
//! Pages and the API both answer through this module, so it must not import any area module
//! (`pages::*`, `api::*`): that is what keeps the areas from importing one another.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use xn_service::ServiceError;

use crate::error::{PageError, status_of};

/// The message of an error the person can fix on the form they were on (the page shows it
/// there); `None` for errors that get the error page.
pub(crate) fn fixable(e: &ServiceError) -> Option<String> {
    match e {
        ServiceError::Invalid { .. }
        | ServiceError::Conflict { .. }
        | ServiceError::Constraint { .. }
        | ServiceError::Forbidden(_)
        | ServiceError::Nonconforming(_) => Some(e.to_string()),
        _ => None,
    }
}

/// The end of a page action (post/redirect/get). Done: a redirect to `ok_url` of the result,
/// where a notice says so. An error the person can fix ([`fixable`]): the page they were on,
/// built again by `rerender` with the message, under the error's status, so that nothing they
/// typed is lost. Any other error: the error page.
pub(crate) async fn respond<T, P, Fut>(
    result: Result<T, ServiceError>,
    ok_url: impl FnOnce(T) -> String,
    rerender: impl FnOnce(String) -> Fut,
) -> Result<Response, PageError>
where
    Fut: Future<Output = Result<P, PageError>>,
    P: IntoResponse,
{
    match result {
        Ok(done) => Ok(Redirect::to(&ok_url(done)).into_response()),
        Err(e) => match fixable(&e) {
            Some(message) => {
                let page = rerender(message).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

/// Percent-encodes a value for a URL query or a `filename*` header (UTF-8 bytes; letters,
/// digits and `-._` kept).
pub(crate) fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A stored file as a download.
pub(crate) fn file_response(f: xn_service::documents::AttachmentFile) -> Response {
    let encoded = percent(&f.name);
    (
        [
            (header::CONTENT_TYPE, f.mime),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        f.bytes,
    )
        .into_response()
}

/// A PDF shown inside a page of this site (the 办理 page's 印制 preview, a received scan): served
/// `inline`, framable by our own pages only, with no other content allowed. Anything that is not
/// a PDF (by the type its content was recognised as) is served as a download.
pub(crate) fn inline_pdf_response(f: xn_service::documents::AttachmentFile) -> Response {
    if f.mime != "application/pdf" {
        return file_response(f);
    }
    let encoded = percent(&f.name);
    (
        [
            (header::CONTENT_TYPE, f.mime),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; frame-ancestors 'self'".to_owned(),
            ),
        ],
        f.bytes,
    )
        .into_response()
}

/// Sheets as an xlsx workbook, downloaded under `filename`.
pub(crate) fn xlsx_response(
    filename: &str,
    sheets: &[xn_render::xlsx::Sheet],
) -> Result<Response, PageError> {
    let bytes = xn_render::xlsx::workbook(sheets)
        .map_err(|e| PageError(ServiceError::Internal(e.into())))?;
    let disposition = format!(
        "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
        percent(filename)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
