//! Attachments (附件) and scanned originals: checked by their content, stored once by their
//! SM3 hash, always served as downloads.

use chrono::{DateTime, Utc};
use xn_domain::org::Permission;
use xn_store::documents as store;

use super::{Documents, audit, json_list, parse_list};
use crate::events;
use crate::files::check_file;
pub use crate::files::{AttachmentFile, MAX_ATTACHMENT_BYTES};
use crate::{Actor, Result, ServiceError, ms, require};

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
        let file = check_file(name, bytes)?;
        let (name, mime, hash, size) = (file.name, file.mime, file.hash, file.size);
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
        self.svc.put_file(&mut tx, &hash, bytes, ms(now)).await?;
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
        let bytes = self.svc.file_bytes(&att.hash).await?;
        Ok(AttachmentFile {
            name: att.name,
            mime: att.mime,
            bytes,
        })
    }
}
