//! Attachments (附件) and scanned originals: checked by their content, stored once by their
//! SM3 hash, always served as downloads.

use chrono::{DateTime, Utc};
use sm3::Digest;
use xn_domain::org::Permission;
use xn_store::documents as store;

use super::{Documents, audit, json_list, parse_list};
use crate::events;
use crate::{Actor, Result, ServiceError, ms, require};

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

fn clean_name(name: &str) -> Result<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().count() > 120 || base.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "file",
            "文件名不能为空，且不超过 120 字",
        ));
    }
    Ok(base.to_owned())
}

impl Documents<'_> {
    /// Adds an attachment (role `attachment`) or a scanned original (`scan`) to a document the
    /// actor may edit; returns its id.
    pub async fn attach(
        &self,
        actor: &Actor,
        document_id: i64,
        role: &str,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if !matches!(role, "attachment" | "scan") {
            return Err(ServiceError::invalid("role", "附件类别无效"));
        }
        let name = clean_name(name)?;
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", "文件是空的"));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(ServiceError::invalid("file", "文件不能超过 20 MB"));
        }
        let mime = sniff(bytes).ok_or_else(|| {
            ServiceError::invalid(
                "file",
                "不支持该文件类型：请上传 PDF、OFD、Word、Excel、WPS、图片、压缩包或文本文件",
            )
        })?;
        let hash = hex::encode(sm3::Sm3::digest(bytes));
        let mut tx = self.svc.db().begin().await?;
        let doc = store::find_document_tx(&mut tx, document_id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        let editors = self.document_editors(&mut tx, &doc).await?;
        if !editors.contains(&post.id) {
            return Err(ServiceError::Forbidden(
                "只有拟稿人或正在办理该公文的人员可以上传附件".into(),
            ));
        }
        if doc.status == "dispatched" {
            return Err(ServiceError::Conflict {
                code: "documents.dispatched",
                message: "公文已核发，不能再添加附件".into(),
            });
        }
        store::put_blob(&mut tx, &hash, bytes, ms(now)).await?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let id = store::add_attachment(
            &mut tx,
            document_id,
            role,
            &name,
            &hash,
            size,
            mime,
            post.id,
            ms(now),
        )
        .await?;
        if role == "attachment" {
            let mut names: Vec<String> = parse_list(&doc.attachment_names);
            let shown = name
                .rsplit_once('.')
                .map_or(name.as_str(), |(stem, _)| stem)
                .to_owned();
            names.push(shown);
            store::set_attachment_names(&mut tx, document_id, &json_list(&names), ms(now)).await?;
        }
        events::record(
            &mut tx,
            &audit(actor),
            "documents.attachment_added",
            Some(format!("document:{document_id}")),
            serde_json::json!({ "name": name, "hash": hash, "size": size, "mime": mime }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An attachment's bytes, for a viewer who may see the document.
    pub async fn attachment(
        &self,
        actor: &Actor,
        document_id: i64,
        attachment_id: i64,
    ) -> Result<AttachmentFile> {
        self.get(actor, document_id).await?;
        let att = store::attachments(self.svc.db(), document_id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(ServiceError::NotFound("附件"))?;
        let bytes = store::get_blob(self.svc.db(), &att.hash).await?;
        Ok(AttachmentFile {
            name: att.name,
            mime: att.mime,
            bytes,
        })
    }
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
