//! Reading documents: the document page, lists, versions and their comparison, recipients.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::documents::text::{self, Block, DiffLine};
use xn_domain::documents::{DocKind, Format, Urgency};
use xn_domain::org::{Clearance, Permission, UnitKind};
use xn_store::documents::{self as store, DocumentRow};

use super::{Documents, Recipient, parse_list, status_label};
use xn_store::Tx;
use xn_store::sealing::SealedColumn;

use crate::at_rest::column_label;
use crate::{Actor, Result, ServiceError, Services, from_ms, require};

/// A post offered in a picker.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = documents::PostChoice)]
pub struct PostChoice {
    /// Post id.
    pub post_id: i64,
    /// "姓名（单位 · 职务）".
    pub label: String,
}

/// A saved version of the text.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = documents::VersionView)]
pub struct VersionView {
    /// Number, from 1.
    pub no: i64,
    /// Who saved it.
    pub author: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// The note given.
    pub note: Option<String>,
    /// Characters of the body.
    pub chars: usize,
}

/// An attachment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Id.
    pub id: i64,
    /// 附件 or 原件扫描.
    pub role: String,
    /// Name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Media type.
    pub mime: String,
    /// SM3 of the content.
    pub hash: String,
}

/// A recipient of a dispatched document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExchangeView {
    /// Exchange id.
    pub id: i64,
    /// Recipient unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// 主送 / 抄送.
    pub role: String,
    /// 1, then 2… for re-sends.
    pub round: i64,
    /// `delivered`, `signed`, `returned` or `handled`.
    pub state: String,
    /// 已送达 / 已签收 / 已退文 / 已办结.
    pub state_label: String,
    /// When sent.
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: DateTime<Utc>,
    /// When signed for.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_at: Option<DateTime<Utc>>,
    /// 退文 reasons.
    pub return_reason: Option<String>,
    /// 答复.
    pub reply: Option<String>,
    /// The incoming document there.
    pub incoming_document_id: Option<i64>,
}

/// A document as its page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: i64,
    /// `outgoing` / `incoming`.
    pub direction: String,
    /// Its case.
    pub case_id: Option<i64>,
    /// Unit id.
    pub unit_id: i64,
    /// 文种 code.
    pub kind: String,
    /// 文种.
    pub kind_label: String,
    /// Format code.
    pub format: String,
    /// 版式.
    pub format_label: String,
    /// 标题.
    pub title: String,
    /// 机关代字.
    pub issuer_code: Option<String>,
    /// 发文字号.
    pub doc_number: Option<String>,
    /// 份数.
    pub copies: Option<i64>,
    /// 密级 code.
    pub classification: String,
    /// 密级.
    pub classification_label: String,
    /// 保密期限.
    pub secrecy_term: Option<String>,
    /// 紧急程度 code.
    pub urgency: Option<String>,
    /// 紧急程度.
    pub urgency_label: Option<String>,
    /// 发文机关.
    #[schema(value_type = Vec<Object>)]
    pub issuers: Vec<Recipient>,
    /// 签发人 as printed.
    pub signers: Vec<String>,
    /// 主送机关.
    #[schema(value_type = Vec<Object>)]
    pub main_recipients: Vec<Recipient>,
    /// 抄送机关.
    #[schema(value_type = Vec<Object>)]
    pub copy_recipients: Vec<Recipient>,
    /// 附件说明.
    pub attachment_names: Vec<String>,
    /// 发文机关署名.
    pub signature: String,
    /// 成文日期.
    pub written_on: Option<String>,
    /// 附注.
    pub note: Option<String>,
    /// 印发机关.
    pub printer: Option<String>,
    /// Sealed.
    pub seal: bool,
    /// 正文.
    pub body: String,
    /// 正文 in blocks (heading levels).
    #[schema(value_type = Vec<Object>)]
    pub blocks: Vec<Block>,
    /// The current version.
    pub body_version: i64,
    /// Who signed off, and how.
    pub signed_off_name: Option<String>,
    /// When.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_off_at: Option<DateTime<Utc>>,
    /// 签发意见.
    pub signed_off_opinion: Option<String>,
    /// Status code.
    pub status: String,
    /// Status.
    pub status_label: String,
    /// Incoming: 来文单位.
    pub sender_name: Option<String>,
    /// Incoming: 来文文号.
    pub sender_number: Option<String>,
    /// Incoming: 收文号.
    pub received_no: Option<String>,
    /// Incoming: when signed for.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<Utc>>,
    /// Incoming: the reply.
    pub reply: Option<String>,
    /// Incoming: the outgoing original (when the viewer may open it).
    pub source_document_id: Option<i64>,
    /// Versions, newest first.
    pub versions: Vec<VersionView>,
    /// Attachments.
    pub attachments: Vec<AttachmentView>,
    /// Outgoing: its recipients in xiaoneng.
    pub exchanges: Vec<ExchangeView>,
    /// Whether the viewer may edit it now.
    pub can_edit: bool,
    /// Whether the viewer may submit it (the drafter, before submission).
    pub can_submit: bool,
    /// Broken rules as of now (outgoing, before sign-off), for the drafter.
    pub problems: Vec<String>,
}

/// A line of a document list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentListItem {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 文种.
    pub kind_label: String,
    /// 发文字号 (outgoing) or 收文号 (incoming).
    pub number: Option<String>,
    /// 来文单位 (incoming).
    pub sender_name: Option<String>,
    /// Status code.
    pub status: String,
    /// Status.
    pub status_label: String,
    /// 紧急程度.
    pub urgency_label: Option<String>,
    /// Its case.
    pub case_id: Option<i64>,
    /// Last change.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

fn exchange_label(s: &str) -> &'static str {
    match s {
        "delivered" => "已送达",
        "signed" => "已签收",
        "returned" => "已退文",
        "handled" => "已办结",
        _ => "未知",
    }
}

fn clearance_of(code: &str) -> Clearance {
    Clearance::ALL
        .into_iter()
        .find(|c| c.code() == code)
        .unwrap_or(Clearance::TopSecret)
}

impl Documents<'_> {
    /// A document as its page and the API show it: [`Documents::get`], with the read of a
    /// classified document recorded (`documents.read_classified`, with its 密级) and a refused
    /// read recorded (`documents.read_refused`, with the reason), for the auditor. Neither
    /// event carries the title or any other content.
    pub async fn read(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<DocumentView> {
        let got = self.get(actor, id).await;
        self.svc
            .record_read(actor, crate::reads::ReadOf::Document, id, got, now)
            .await
    }

    /// A document, for a viewer of its unit (or one who holds or held a step of its case),
    /// whose clearance reaches its classification.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let doc = store::find_document(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        let mut tx = self.svc.db().begin_read().await?;
        let (office, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let kept = doc.direction == "incoming"
            && self
                .registers(&mut tx, post.id)
                .await?
                .contains(&doc.unit_id);
        let involved = match doc.case_id {
            Some(c) => xn_store::flow::post_in_case(&mut tx, c, post.id).await?,
            None => doc.created_post_id == post.id,
        };
        let editors = self.document_editors(&mut tx, &doc).await?;
        let problems = if doc.direction == "outgoing" && doc.signed_off_at.is_none() {
            self.svc
                .document_rules(&mut tx, &doc)
                .await?
                .into_iter()
                .map(|v| format!("【{}】{}", v.element, v.message))
                .collect()
        } else {
            Vec::new()
        };
        tx.commit().await?;
        if !(doc.unit_id == office || kept || involved) {
            return Err(ServiceError::NotFound("公文"));
        }
        // Above the reader's clearance the document is not there for them: answered like a
        // missing one, so the answer tells no 密级 (finding 12).
        if !post.clearance.may_see(clearance_of(&doc.classification)) {
            return Err(ServiceError::NotFound("公文"));
        }
        let versions = store::versions(self.svc.db(), id).await?;
        let version_chars = versions
            .iter()
            .map(|v| Ok((v.no, self.svc.version_body(v)?.chars().count())))
            .collect::<Result<std::collections::HashMap<i64, usize>>>()?;
        let authors: Vec<i64> = versions.iter().map(|v| v.author_post_id).collect();
        let labels = xn_store::flow::post_labels(self.svc.db(), &authors).await?;
        let name_of = |p: i64| {
            labels
                .iter()
                .find(|l| l.0 == p)
                .map(|l| l.1.clone())
                .unwrap_or_default()
        };
        let exchanges = if doc.direction == "outgoing" {
            store::exchanges(self.svc.db(), id).await?
        } else {
            Vec::new()
        };
        let attachments = store::attachments(self.svc.db(), id).await?;
        let body = self.svc.document_body(doc.id, &doc.body)?;
        Ok(DocumentView {
            can_edit: editors.contains(&post.id)
                && doc.status != "dispatched"
                && doc.direction == "outgoing",
            can_submit: doc.case_id.is_none() && doc.created_post_id == post.id,
            problems,
            versions: versions
                .iter()
                .rev()
                .map(|v| VersionView {
                    no: v.no,
                    author: name_of(v.author_post_id),
                    at: from_ms(v.created_at),
                    note: v.note.clone(),
                    chars: version_chars.get(&v.no).copied().unwrap_or(0),
                })
                .collect(),
            attachments: attachments
                .into_iter()
                .map(|a| AttachmentView {
                    id: a.id,
                    role: if a.role == "scan" {
                        "原件扫描"
                    } else {
                        "附件"
                    }
                    .into(),
                    name: a.name,
                    size: a.size,
                    mime: a.mime,
                    hash: a.hash,
                })
                .collect(),
            exchanges: exchanges
                .into_iter()
                .map(|x| ExchangeView {
                    id: x.id,
                    unit_id: x.recipient_unit_id,
                    unit_name: x.recipient_name,
                    role: if x.role == "main" { "主送" } else { "抄送" }.into(),
                    round: x.round,
                    state_label: exchange_label(&x.state).into(),
                    state: x.state,
                    sent_at: from_ms(x.sent_at),
                    signed_at: x.signed_at.map(from_ms),
                    return_reason: x.return_reason.as_ref().map(|r| {
                        self.svc.opinion_text(
                            &column_label(SealedColumn::ExchangeReturnReason, x.id),
                            r,
                        )
                    }),
                    reply: x.reply.as_ref().map(|r| {
                        self.svc
                            .opinion_text(&column_label(SealedColumn::ExchangeReply, x.id), r)
                    }),
                    incoming_document_id: x.incoming_document_id,
                })
                .collect(),
            ..view(self.svc, doc, body)
        })
    }

    /// The actor's office's documents of one direction, newest first.
    pub async fn list(
        &self,
        actor: &Actor,
        direction: &str,
        status: Option<&str>,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<DocumentListItem>, i64)> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if !matches!(direction, "outgoing" | "incoming") {
            return Err(ServiceError::invalid("direction", "只能是发文或收文"));
        }
        let mut tx = self.svc.db().begin_read().await?;
        let units = if direction == "incoming" {
            self.registers(&mut tx, post.id).await?
        } else {
            vec![self.svc.issuing_unit(&mut tx, post.id).await?.0]
        };
        tx.commit().await?;
        let levels: Vec<&'static str> = Clearance::ALL
            .into_iter()
            .filter(|c| post.clearance.may_see(*c))
            .map(Clearance::code)
            .collect();
        let paging = crate::paging::Paging::new(page, per_page, 200)?;
        let (rows, total) = store::list_documents(
            self.svc.db(),
            &units,
            direction,
            status.filter(|s| !s.is_empty()),
            &levels,
            paging.per_page,
            paging.offset(),
        )
        .await?;
        Ok((
            rows.into_iter()
                .map(|d| DocumentListItem {
                    id: d.id,
                    kind_label: DocKind::from_code(&d.kind)
                        .map_or("", DocKind::label)
                        .into(),
                    number: if d.direction == "incoming" {
                        d.received_no.clone()
                    } else {
                        d.doc_number.clone()
                    },
                    sender_name: d.sender_name.clone(),
                    status_label: status_label(&d.status).into(),
                    urgency_label: d
                        .urgency
                        .as_deref()
                        .and_then(Urgency::from_code)
                        .map(|u| u.label().to_owned()),
                    status: d.status,
                    title: d.title,
                    case_id: d.case_id,
                    updated_at: from_ms(d.updated_at),
                })
                .collect(),
            total,
        ))
    }

    /// The 收文 registers a post keeps (收文登记簿): the units whose incoming documents it lists
    /// and reads, within its clearance. Every post keeps its own organ's (the office that issues
    /// in its name). A general office (办公室) receives, registers and handles what is addressed
    /// to the government above it as well, so the keepers of its register — the clerks and the
    /// chief of its registry section (文电科 / 秘书股) and the office's directors — keep the
    /// government's too. Leaders of the government keep the government's as their own organ's.
    pub(crate) async fn registers(&self, tx: &mut Tx, post_id: i64) -> Result<Vec<i64>> {
        let (office, _, _) = self.svc.issuing_unit(tx, post_id).await?;
        let mut units = vec![office];
        let chain = self.svc.unit_chain(tx, office).await?;
        let general_office = chain.office().is_some_and(|u| u.kind == UnitKind::Office);
        let Some(government) = chain
            .above()
            .first()
            .filter(|u| general_office && u.kind == UnitKind::Government)
        else {
            return Ok(units);
        };
        let (own, _) = xn_store::flow::post_unit(tx, post_id)
            .await?
            .ok_or(ServiceError::NotFound("身份"))?;
        let position = xn_store::flow::post_position(tx, post_id).await?;
        let keeper = match position.as_deref() {
            Some("clerk" | "section_chief" | "deputy_section_chief") => {
                own == xn_store::org::registry_of(tx, office).await?
            }
            Some("director" | "deputy_director") => own == office,
            _ => false,
        };
        if keeper {
            units.push(government.id);
        }
        Ok(units)
    }

    /// The most recently changed documents the actor may list, both directions, newest first:
    /// the workbench's 最近公文 block. A post in no organ that issues documents has none.
    pub async fn recent(&self, actor: &Actor, limit: i64) -> Result<Vec<DocumentListItem>> {
        let mut all = Vec::new();
        for direction in ["incoming", "outgoing"] {
            match self.list(actor, direction, None, 1, limit).await {
                Ok((rows, _)) => all.extend(rows),
                Err(ServiceError::Invalid {
                    field: Some("issuer"),
                    ..
                }) => return Ok(Vec::new()),
                Err(e) => return Err(e),
            }
        }
        all.sort_by_key(|d| std::cmp::Reverse((d.updated_at, d.id)));
        all.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(all)
    }

    /// Compares two versions of a document's text.
    pub async fn compare(
        &self,
        actor: &Actor,
        id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<DiffLine>> {
        self.get(actor, id).await?;
        let versions = store::versions(self.svc.db(), id).await?;
        let find = |n: i64| {
            versions
                .iter()
                .find(|v| v.no == n)
                .ok_or_else(|| ServiceError::invalid("version", format!("没有第 {n} 稿")))
        };
        let (a, b) = (find(from)?, find(to)?);
        let mut lines = Vec::new();
        if a.title != b.title {
            lines.extend(text::diff(
                &format!("标题：{}", a.title),
                &format!("标题：{}", b.title),
            ));
        }
        lines.extend(text::diff(
            &self.svc.version_body(a)?,
            &self.svc.version_body(b)?,
        ));
        Ok(lines)
    }
}

/// The view of a document whose body the caller has opened.
pub(super) fn view(svc: &Services, d: DocumentRow, body: String) -> DocumentView {
    let signed_off_opinion = d
        .signed_off_opinion
        .as_ref()
        .map(|o| svc.opinion_text(&crate::at_rest::signed_off_label(d.id), o));
    let reply = d
        .reply
        .as_ref()
        .map(|r| svc.opinion_text(&column_label(SealedColumn::DocumentReply, d.id), r));
    let kind = DocKind::from_code(&d.kind);
    DocumentView {
        id: d.id,
        direction: d.direction,
        case_id: d.case_id,
        unit_id: d.unit_id,
        kind_label: kind.map_or("", DocKind::label).into(),
        kind: d.kind,
        format_label: Format::from_code(&d.format)
            .map_or("", Format::label)
            .into(),
        format: d.format,
        title: d.title,
        issuer_code: d.issuer_code,
        doc_number: d.doc_number,
        copies: d.copies,
        classification_label: clearance_of(&d.classification).label().into(),
        classification: d.classification,
        secrecy_term: d.secrecy_term,
        urgency_label: d
            .urgency
            .as_deref()
            .and_then(Urgency::from_code)
            .map(|u| u.label().to_owned()),
        urgency: d.urgency,
        issuers: parse_list(&d.issuers),
        signers: parse_list(&d.signers),
        main_recipients: parse_list(&d.main_recipients),
        copy_recipients: parse_list(&d.copy_recipients),
        attachment_names: parse_list(&d.attachment_names),
        signature: d.signature,
        written_on: d.written_on,
        note: d.note,
        printer: d.printer,
        seal: d.seal != 0,
        blocks: text::blocks(&body),
        body,
        body_version: d.body_version,
        signed_off_name: d.signed_off_name,
        signed_off_at: d.signed_off_at.map(from_ms),
        signed_off_opinion,
        status_label: status_label(&d.status).into(),
        status: d.status,
        sender_name: d.sender_name,
        sender_number: d.sender_number,
        received_no: d.received_no,
        received_at: d.received_at.map(from_ms),
        reply,
        source_document_id: d.source_document_id,
        versions: Vec::new(),
        attachments: Vec::new(),
        exchanges: Vec::new(),
        can_edit: false,
        can_submit: false,
        problems: Vec::new(),
    }
}

/// The Chinese name of a 密级 code (公开 for `public`).
pub(super) fn classification_label(code: &str) -> String {
    clearance_of(code).label().to_owned()
}
