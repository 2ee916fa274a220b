//! 归档 by DA/T 22-2015 《归档文件整理规则》: a dispatched outgoing document (its case ended at
//! 核发) becomes an archive item (件) when the registry clerk files it and chooses its
//! 保管期限; the item gets its 档号 and the metadata block of the 归档文件目录, and can be
//! exported as a package (zip) an archive system ingests.
//!
//! - 档号 = 全宗号-年度-保管期限代码-件号 (DA/T 22-2015 6.2), e.g. `X001-2026-Y-0001`: the
//!   全宗号 is set per unit (default `X` + the unit's id in three digits), the 年度 is the year
//!   of the 成文日期, the 保管期限 is 永久 (Y), 定期30年 (D30) or 定期10年 (D10), and the 件号
//!   is four digits, gapless per 全宗, year and 保管期限: one upsert on `archive_counters` in the
//!   filing transaction, like the number ledger.
//! - The package holds `正式文件.pdf` (the sealed PDF 核发 dispatched), `签发稿.pdf` (the
//!   version signed at 签发, laid out without number or seal), `发文稿纸.pdf` (发文稿纸
//!   with every opinion), the attachments under `附件/`, and `归档清单.json` with the
//!   metadata block and each file's SM3 and size. Everything sits in a folder named by the 档号.

use std::io::Write;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::org::Permission;
use xn_render::gbt9704::RenderOptions;
use xn_store::documents::{self as store, ArchiveRow};

use super::{AttachmentFile, Documents, LedgerKeeperCap, audit, parse_list};
use crate::{Actor, Result, ServiceError, events, from_ms, ms, require};

/// 保管期限 (DA/T 22-2015 5.2): code, name.
pub const RETENTIONS: [(&str, &str); 3] = [("Y", "永久"), ("D30", "定期30年"), ("D10", "定期10年")];

fn retention_of(s: &str) -> Option<&'static str> {
    RETENTIONS
        .iter()
        .find(|(c, n)| c.eq_ignore_ascii_case(s.trim()) || *n == s.trim())
        .map(|(c, _)| *c)
}

/// The 保管期限 name of a code.
pub fn retention_label(code: &str) -> &'static str {
    RETENTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, n)| n)
}

/// The default 全宗号 of a unit that has none set.
fn default_fonds(unit_id: i64) -> String {
    format!("X{unit_id:03}")
}

/// A 全宗号: 1–10 capital letters or digits, as archives assign them.
fn valid_fonds(code: &str) -> bool {
    (1..=10).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// An archive item (件) with its metadata block.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArchiveItemView {
    /// Id.
    pub id: i64,
    /// The document.
    pub document_id: i64,
    /// 档号.
    pub archive_no: String,
    /// 全宗号.
    pub fonds_code: String,
    /// 年度.
    pub year: i64,
    /// 保管期限 code (Y, D30, D10).
    pub retention: String,
    /// 保管期限.
    pub retention_label: String,
    /// 件号.
    pub item_no: i64,
    /// 题名.
    pub title: String,
    /// 责任者.
    pub author: String,
    /// 文号.
    pub doc_number: Option<String>,
    /// 日期 (YYYY-MM-DD).
    pub written_on: Option<String>,
    /// 密级 code.
    pub classification: String,
    /// 页数 (of the final document).
    pub pages: i64,
    /// When filed.
    #[schema(value_type = String, format = DateTime)]
    pub filed_at: DateTime<Utc>,
}

fn item_view(a: ArchiveRow) -> ArchiveItemView {
    ArchiveItemView {
        id: a.id,
        document_id: a.document_id,
        archive_no: a.archive_no,
        fonds_code: a.fonds_code,
        year: a.year,
        retention_label: retention_label(&a.retention).into(),
        retention: a.retention,
        item_no: a.item_no,
        title: a.title,
        author: a.author,
        doc_number: a.doc_number,
        written_on: a.written_on,
        classification: a.classification,
        pages: a.pages,
        filed_at: from_ms(a.created_at),
    }
}

/// One file of a package, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
struct ManifestFile {
    path: String,
    role: &'static str,
    size: usize,
    sm3: String,
}

/// One file of an item's package: its path inside the item's folder, its role, its bytes.
type PackageFile = (String, &'static str, Vec<u8>);

fn zip_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("归档包写入失败：{e}"))
}

impl Documents<'_> {
    /// Files a dispatched outgoing document as an archive item with the 保管期限 chosen by
    /// the registry clerk (Y / D30 / D10, or 永久 / 定期30年 / 定期10年).
    pub async fn archive(
        &self,
        keeper: &LedgerKeeperCap<'_>,
        id: i64,
        retention: &str,
        now: DateTime<Utc>,
    ) -> Result<ArchiveItemView> {
        let actor = keeper.actor;
        let doc = store::find_document(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        self.get(actor, id).await?;
        if doc.unit_id != keeper.office {
            return Err(ServiceError::Forbidden("只能归档本机关的发文".into()));
        }
        let retention = retention_of(retention).ok_or_else(|| {
            ServiceError::invalid("retention", "请选择保管期限：永久、定期30年或定期10年")
        })?;
        if doc.direction != "outgoing" || doc.status != "dispatched" {
            return Err(ServiceError::Conflict {
                code: "archive.not_closed",
                message: "只有已核发办结的发文可以归档".into(),
            });
        }
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        if store::archive_item_of_tx(&mut tx, id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "archive.filed",
                message: "该公文已归档".into(),
            });
        }
        let fin =
            store::find_final_tx(&mut tx, id)
                .await?
                .ok_or_else(|| ServiceError::Conflict {
                    code: "archive.no_final",
                    message: "该公文没有印制时保存的正式版式文件，不能归档".into(),
                })?;
        let fonds = store::fonds_of(&mut tx, doc.unit_id)
            .await?
            .unwrap_or_else(|| default_fonds(doc.unit_id));
        let year = doc
            .written_on
            .as_deref()
            .and_then(|w| w.get(..4))
            .and_then(|y| y.parse::<i64>().ok())
            .or(doc.number_year)
            .unwrap_or_else(|| i64::from(business_date(now).year()));
        let item_no = store::next_item_no(&mut tx, &fonds, year, retention).await?;
        let archive_no = format!("{fonds}-{year}-{retention}-{item_no:04}");
        let issuers: Vec<super::Recipient> = parse_list(&doc.issuers);
        let author = if issuers.is_empty() {
            doc.signature.clone()
        } else {
            issuers
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
                .join("、")
        };
        let metadata = serde_json::json!({
            "档号": archive_no,
            "全宗号": fonds,
            "年度": year,
            "保管期限": retention_label(retention),
            "件号": item_no,
            "题名": doc.title,
            "责任者": author,
            "文号": doc.doc_number,
            "日期": doc.written_on.as_deref().map(|w| w.replace('-', "")),
            "密级": super::views::classification_label(&doc.classification),
            "页数": fin.pages,
            "文种": xn_domain::documents::DocKind::from_code(&doc.kind)
                .map_or("", xn_domain::documents::DocKind::label),
            "签发人": doc.signed_off_name,
        });
        let row = ArchiveRow {
            id: 0,
            document_id: id,
            unit_id: doc.unit_id,
            fonds_code: fonds,
            year,
            retention: retention.to_owned(),
            item_no,
            archive_no,
            title: doc.title.clone(),
            author,
            doc_number: doc.doc_number.clone(),
            written_on: doc.written_on.clone(),
            classification: doc.classification.clone(),
            pages: fin.pages,
            metadata: metadata.to_string(),
            post_id: post.id,
            created_at: ms(now),
        };
        let new_id = store::insert_archive_item(&mut tx, &row).await?;
        events::record(
            &mut tx,
            &audit(actor),
            "documents.archived",
            Some(format!("document:{id}")),
            serde_json::json!({ "archive_no": row.archive_no, "retention": retention }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item_view(ArchiveRow { id: new_id, ..row }))
    }

    /// The archive item of a document, if it was filed (for a viewer of the document).
    pub async fn archive_item(&self, actor: &Actor, id: i64) -> Result<Option<ArchiveItemView>> {
        self.get(actor, id).await?;
        Ok(store::archive_item_of(self.svc.db(), id)
            .await?
            .map(item_view))
    }

    /// Sets the 全宗号 of the actor's office (system administrator, or the office's registry).
    pub async fn set_fonds_code(
        &self,
        actor: &Actor,
        unit_id: i64,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::OrgAdmin)?;
        let code = code.trim().to_ascii_uppercase();
        if !valid_fonds(&code) {
            return Err(ServiceError::invalid(
                "fonds_code",
                "全宗号应为 1–10 位大写字母或数字，以档案馆给定的为准",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        xn_store::org::unit_brief(&mut tx, unit_id)
            .await
            .map_err(ServiceError::missing("单位"))?;
        store::set_fonds(&mut tx, unit_id, &code, ms(now)).await?;
        events::record(
            &mut tx,
            &audit(actor),
            "documents.fonds_set",
            Some(format!("unit:{unit_id}")),
            serde_json::json!({ "fonds_code": code }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The archive package of a filed document: a zip with the final PDF, the signed draft,
    /// the processing sheet, the attachments and a manifest with SM3 checksums.
    pub async fn archive_package(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let item = self
            .archive_item(actor, id)
            .await?
            .ok_or_else(|| ServiceError::Conflict {
                code: "archive.not_filed",
                message: "该公文尚未归档".into(),
            })?;
        let files = self.package_files(actor, id, now).await?;
        let name = format!("{}.zip", item.archive_no);
        let bytes = write_zip(&[(item, files)])?;
        Ok(AttachmentFile {
            name,
            mime: "application/zip".into(),
            bytes,
        })
    }

    /// Every item the actor's office filed in a year, one folder per 档号 in one zip (for the
    /// transfer to the archive); for the registry (文电) that filed them.
    pub async fn archive_year_package(
        &self,
        keeper: &LedgerKeeperCap<'_>,
        year: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let (actor, unit) = (keeper.actor, keeper.office);
        let rows = store::archive_items_of_year(self.svc.db(), unit, year).await?;
        if rows.is_empty() {
            return Err(ServiceError::Conflict {
                code: "archive.empty",
                message: format!("{year} 年度没有已归档的文件"),
            });
        }
        if rows.len() > 2000 {
            return Err(ServiceError::invalid(
                "year",
                "一个年度超过 2000 件，请分保管期限导出",
            ));
        }
        let mut items = Vec::new();
        for r in rows {
            let doc = r.document_id;
            let files = self.package_files(actor, doc, now).await?;
            items.push((item_view(r), files));
        }
        Ok(AttachmentFile {
            name: format!("归档-{year}.zip"),
            mime: "application/zip".into(),
            bytes: write_zip(&items)?,
        })
    }

    /// The files of one item: (path inside its folder, role, bytes).
    async fn package_files(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<PackageFile>> {
        let d = self.get(actor, id).await?;
        let fin = store::find_final(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("正式版式文件"))?;
        let mut files = vec![(
            "正式文件.pdf".to_owned(),
            "正式文件",
            self.svc.file_bytes(&fin.hash).await?,
        )];
        // The signed draft: the text of the version signed at 签发, without number or seal.
        let row = store::find_document(self.svc.db(), id).await?;
        if let Some(no) = row.signed_off_version {
            let v = store::version(self.svc.db(), id, no).await?;
            let mut spec = super::print::spec_of(&d, business_date(now));
            super::print::with_minutes_lists(
                &mut spec,
                xn_store::meetings::minutes::minutes_of_document(self.svc.db(), id).await?,
            );
            let body = self.svc.version_body(&v)?;
            spec.title = v.title;
            spec.body = xn_domain::documents::text::blocks(&body)
                .iter()
                .map(|b| b.text.clone())
                .collect::<Vec<_>>()
                .join("\n\n");
            spec.number = None;
            spec.seal = false;
            spec.print_date = None;
            let fonts = super::print::fonts()?;
            let pdf = tokio::task::spawn_blocking(move || {
                xn_render::gbt9704::render(&spec, &fonts, &RenderOptions::default())
            })
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?
            .map_err(|e| ServiceError::invalid("document", e.to_string()))?;
            files.push(("签发稿.pdf".to_owned(), "签发稿", pdf.pdf));
        }
        files.push((
            "发文稿纸.pdf".to_owned(),
            "发文稿纸",
            self.processing_sheet(actor, id).await?.bytes,
        ));
        for (n, a) in store::attachments(self.svc.db(), id)
            .await?
            .into_iter()
            .enumerate()
        {
            let bytes = self.svc.file_bytes(&a.hash).await?;
            let name = a.name.replace(['/', '\\'], "_");
            files.push((format!("附件/{:02}-{name}", n + 1), "附件", bytes));
        }
        Ok(files)
    }
}

/// The name of an item's manifest (its metadata and every file's SM3) inside the package.
const MANIFEST: &str = "归档清单.json";

/// Writes items (one folder each, named by 档号) with their manifests into one zip.
fn write_zip(items: &[(ArchiveItemView, Vec<PackageFile>)]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (item, files) in items {
        let mut listed = Vec::new();
        for (path, role, bytes) in files {
            zip.start_file(format!("{}/{path}", item.archive_no), opts)
                .map_err(zip_error)?;
            zip.write_all(bytes).map_err(zip_error)?;
            listed.push(ManifestFile {
                path: path.clone(),
                role,
                size: bytes.len(),
                sm3: hex::encode(sm3::Sm3::digest(bytes)),
            });
        }
        let manifest = serde_json::json!({
            "standard": "DA/T 22-2015",
            "checksum_algorithm": "SM3",
            "档号": item.archive_no,
            "metadata": {
                "全宗号": item.fonds_code,
                "年度": item.year,
                "保管期限": item.retention_label,
                "保管期限代码": item.retention,
                "件号": item.item_no,
                "题名": item.title,
                "责任者": item.author,
                "文号": item.doc_number,
                "日期": item.written_on.as_deref().map(|w| w.replace('-', "")),
                "密级": super::views::classification_label(&item.classification),
                "页数": item.pages,
            },
            "files": listed,
        });
        zip.start_file(format!("{}/{MANIFEST}", item.archive_no), opts)
            .map_err(zip_error)?;
        let text = serde_json::to_vec_pretty(&manifest).map_err(zip_error)?;
        zip.write_all(&text).map_err(zip_error)?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::{default_fonds, retention_of, valid_fonds};

    #[test]
    fn retention_is_read_by_code_or_name() {
        assert_eq!(retention_of("永久"), Some("Y"));
        assert_eq!(retention_of("d30"), Some("D30"));
        assert_eq!(retention_of("定期10年"), Some("D10"));
        assert_eq!(
            retention_of("长期"),
            None,
            "长期 was dropped by DA/T 22-2015"
        );
    }

    #[test]
    fn a_unit_without_a_fonds_code_gets_a_valid_default() {
        assert_eq!(default_fonds(7), "X007");
        assert!(valid_fonds(&default_fonds(12345)));
        assert!(!valid_fonds("z-1"));
    }
}
