//! Files people upload (附件, scanned originals): checked by their content, never by their
//! name, and stored once by their SM3 hash. Every area that takes files checks them here.

use sm3::Digest;

use crate::{Result, ServiceError};

/// The largest file accepted (20 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// A file to hand out.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// Name as uploaded.
    pub name: String,
    /// Media type found from the content.
    pub mime: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The media type of a file by its content, if it is one offices exchange: PDF and OFD, Word,
/// Excel, WPS and other office files, images, archives, plain text.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(t) = infer::get(bytes) {
        let mime = t.mime_type();
        return match mime {
            "application/pdf"
            | "image/png"
            | "image/jpeg"
            | "image/tiff"
            | "image/gif"
            | "application/zip"
            | "application/x-rar-compressed"
            | "application/x-7z-compressed"
            | "application/msword"
            | "application/vnd.ms-excel"
            | "application/vnd.ms-powerpoint"
            | "application/x-ole-storage"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Some(mime)
            }
            _ => None,
        };
    }
    // No signature: accept UTF-8 text without control characters (a .txt note).
    let text = std::str::from_utf8(bytes).ok()?;
    if text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    {
        Some("text/plain")
    } else {
        None
    }
}

pub(crate) fn clean_name(name: &str) -> Result<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().count() > 120 || base.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "file",
            "文件名不能为空，且不超过 120 字",
        ));
    }
    Ok(base.to_owned())
}

/// A file that passed the checks: its cleaned name, its media type and its SM3.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The name without any folder, as uploaded.
    pub name: String,
    /// The media type found from the content.
    pub mime: &'static str,
    /// SM3 of the bytes, hex.
    pub hash: String,
    /// Bytes.
    pub size: i64,
}

/// Checks an uploaded file: a name (no folder, at most 120 characters), not empty, at most
/// [`MAX_ATTACHMENT_BYTES`], of a type offices exchange (found from the content).
pub fn check_file(name: &str, bytes: &[u8]) -> Result<CheckedFile> {
    let name = clean_name(name)?;
    if bytes.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            format!("文件「{name}」是空的"),
        ));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(ServiceError::invalid(
            "file",
            format!("文件「{name}」超过 20 MB"),
        ));
    }
    let mime = sniff(bytes).ok_or_else(|| {
        ServiceError::invalid(
            "file",
            format!(
                "不支持文件「{name}」的类型：请上传 PDF、OFD、Word、Excel、WPS、图片、压缩包或文本文件"
            ),
        )
    })?;
    Ok(CheckedFile {
        name,
        mime,
        hash: hex::encode(sm3::Sm3::digest(bytes)),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_found_by_content_not_by_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff("会议通知\n请准时参加".as_bytes()), Some("text/plain"));
        // An executable is refused whatever it is called.
        assert_eq!(
            sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
            None
        );
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
            None
        );
    }
}
