//! Responses built the same way by every area: a stored file as a download, an xlsx export,
//! and the percent-encoding their file names need.
//!
//! Pages and the API both answer through this module, so it must not import any area module
//! (`pages::*`, `api::*`): that is what keeps the areas from importing one another.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use xn_service::ServiceError;

use crate::error::PageError;

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
