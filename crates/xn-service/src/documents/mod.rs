//! 办文: outgoing and incoming official documents (《党政机关公文处理工作条例》, 2012).
//!
//! A document is an item moved by the flow engine: a 发文 by the `outgoing_document` process, a
//! 收文 by `incoming_document`. This area keeps what the engine does not know: the eighteen
//! elements, the text and its versions, attachments stored by content, the number ledger and
//! the exchange between units. The engine calls `Services::on_document_flow` inside the
//! transaction of every action on a document's case, so that what the regulation ties to a step
//! happens with it or not at all: the rules checked at 签发, the number allocated at 登记, the
//! delivery to every recipient at 核发, the receipt, the 退文 and the reply flowing back.
//!
//! The area's front door is [`Documents`] (`services.documents()`), one file per use case:
//! `draft` (拟稿, saving, submitting), `incoming` (收文 registered by hand), `files`, `ledger`,
//! `print`, `seals`, `search`, `views` and `archive`. What only the registry section (文电科 /
//! 秘书股) may do takes a [`LedgerKeeperCap`] (or, to register a paper 收文, a
//! [`RegistryClerkCap`]), which the door alone makes. This file holds the
//! door, the statuses, and the helpers the hooks share.

mod archive;
mod desk;
mod draft;
mod files;
pub(crate) mod hooks;
mod incoming;
mod ledger;
pub(crate) mod print;
pub(crate) mod seals;
mod search;
mod views;

pub use archive::{ArchiveItemView, RETENTIONS, retention_label};
pub use desk::{DeskOpinion, DocumentDesk};
pub use draft::{DraftInput, SubmitInput};
pub use files::{AttachmentFile, MAX_ATTACHMENT_BYTES};
pub use incoming::{ManualIncoming, RegistryClerkCap};
pub use ledger::LedgerEntry;
pub use print::LayoutViolation;
pub use seals::{MAX_SEAL_BYTES, SealStatus, load_or_create_seal_key};
pub use search::{DocumentSearch, SearchCount, SearchHit, SearchResults};
pub use views::{
    AttachmentView, DocumentListItem, DocumentView, ExchangeView, PostChoice, VersionView,
};

use serde::{Deserialize, Serialize};
use xn_domain::documents::rules::{self, RuleInput};
use xn_domain::documents::{DocKind, Recipient, Relation};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::documents::{self as store, DocumentRow, RuleSource};

use crate::events::Audit;
use crate::flow::CommittedRead;
use crate::{Actor, Result, ServiceError, Services, require};

/// 办文's front door: `services.documents()`. Its methods are the area's use cases; it borrows
/// the services and is as cheap to make as a reference.
#[derive(Clone, Copy)]
pub struct Documents<'a> {
    svc: &'a Services,
}

impl Services {
    /// The documents area (办文).
    pub fn documents(&self) -> Documents<'_> {
        Documents { svc: self }
    }
}

/// The right of the registry section (文电科 / 秘书股) and of the office itself over the
/// office's numbers and files: to reserve and void numbers in its ledger, to send a dispatched
/// document again, and to file documents in the archive and export them. Made only by
/// [`Documents::as_ledger_keeper`] or [`Documents::as_archivist`] (the same right; the refusal
/// names the work asked for); it holds the actor, the office and the office's 机关代字, so the
/// operations that take it check nothing again.
#[derive(Debug)]
pub struct LedgerKeeperCap<'a> {
    actor: &'a Actor,
    office: i64,
    codes: Vec<String>,
}

impl LedgerKeeperCap<'_> {
    /// The office whose ledger and archive the actor keeps.
    pub fn office(&self) -> i64 {
        self.office
    }

    /// The 机关代字 of the office's ledger.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Refuses a 机关代字 that is not the office's.
    fn check_code(&self, code: &str) -> Result<()> {
        if self.codes.iter().any(|c| c == code) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("只能管理本机关的文号".into()))
        }
    }
}

impl Documents<'_> {
    /// The ledger keeper's right, for a post of the office's registry section or of the office
    /// itself; refused to anyone else.
    pub async fn as_ledger_keeper<'b>(&self, actor: &'b Actor) -> Result<LedgerKeeperCap<'b>> {
        self.keeper(actor, "预留和作废文号由文电（秘书）部门办理")
            .await
    }

    /// The same right, asked for to file documents in the archive.
    pub async fn as_archivist<'b>(&self, actor: &'b Actor) -> Result<LedgerKeeperCap<'b>> {
        self.keeper(actor, "归档由文电（秘书）部门办理").await
    }

    async fn keeper<'b>(
        &self,
        actor: &'b Actor,
        refusal: &'static str,
    ) -> Result<LedgerKeeperCap<'b>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        let (office, _, code) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let registry = store::registry_of(&mut tx, office).await?;
        let (own, _) = xn_store::flow::post_unit(&mut tx, post.id)
            .await?
            .ok_or(ServiceError::NotFound("身份"))?;
        tx.commit().await?;
        if own != registry && own != office {
            return Err(ServiceError::Forbidden(refusal.into()));
        }
        Ok(LedgerKeeperCap {
            actor,
            office,
            codes: self.codes_of(office, &code).await?,
        })
    }
}

/// Statuses of an outgoing document, with their Chinese names.
pub const OUTGOING_STATUSES: [(&str, &str); 8] = [
    ("drafting", "拟稿中"),
    ("in_review", "审核中"),
    ("returned_to_drafter", "退回修改"),
    ("signed", "已签发"),
    ("rechecked", "已复核"),
    ("numbered", "已编号"),
    ("printed", "已印制"),
    ("dispatched", "已核发"),
];

/// Statuses of an incoming document, with their Chinese names.
pub const INCOMING_STATUSES: [(&str, &str); 8] = [
    ("delivered", "待签收"),
    ("signed_for", "已签收"),
    ("registered", "已登记"),
    ("screened", "已初审"),
    ("instructed", "已批办"),
    ("handling", "承办中"),
    ("returned", "已退文"),
    ("closed", "已办结"),
];

/// The Chinese name of a status.
pub fn status_label(code: &str) -> &'static str {
    OUTGOING_STATUSES
        .iter()
        .chain(INCOMING_STATUSES.iter())
        .find(|(c, _)| *c == code)
        .map_or("未知", |(_, l)| l)
}

pub(crate) fn json_list<T: Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn parse_list<T: for<'de> Deserialize<'de>>(s: &str) -> Vec<T> {
    serde_json::from_str(s).unwrap_or_default()
}

impl Services {
    /// The office an acting post drafts for: the nearest unit of kind office or government
    /// above (or at) its unit, with its name and 机关代字.
    async fn issuing_unit(&self, tx: &mut Tx, post_id: i64) -> Result<(i64, String, String)> {
        let (unit, _) = xn_store::flow::post_unit(tx, post_id)
            .await?
            .ok_or(ServiceError::NotFound("身份"))?;
        let chain = self.unit_chain(tx, unit).await?;
        if let Some(office) = chain.issuing_office() {
            return Ok((
                office.id,
                office.name.clone(),
                office.issuer_code.clone().unwrap_or_default(),
            ));
        }
        Err(ServiceError::invalid(
            "issuer",
            "您所在单位及上级单位都没有设置机关代字，无法发文。请系统管理员在单位信息中填写机关代字",
        ))
    }

    /// Names of posts for pickers.
    pub(crate) async fn post_choices(&self, posts: &[i64]) -> Result<Vec<PostChoice>> {
        let labels = xn_store::flow::post_labels(self.db(), posts).await?;
        Ok(posts
            .iter()
            .filter_map(|p| {
                labels
                    .iter()
                    .find(|l| l.0 == *p)
                    .map(|(id, name, place)| PostChoice {
                        post_id: *id,
                        label: format!("{name}（{place}）"),
                    })
            })
            .collect())
    }

    /// Puts a document's searchable text (title, numbers, body and every opinion on it) into
    /// the search index, in the caller's transaction.
    pub(crate) async fn index_document(&self, tx: &mut Tx, id: i64) -> Result<()> {
        let d = store::find_document_tx(tx, id).await?;
        let numbers = [&d.doc_number, &d.received_no, &d.sender_number]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let mut opinions: Vec<String> = match d.case_id {
            Some(c) => store::case_opinions(tx, c)
                .await?
                .into_iter()
                .map(|(no, o)| self.opinion_text(&crate::at_rest::opinion_label(c, no), &o))
                .collect(),
            None => Vec::new(),
        };
        opinions.extend(
            d.signed_off_opinion
                .as_ref()
                .map(|o| self.opinion_text(&crate::at_rest::signed_off_label(id), o)),
        );
        // What failed its check is not made searchable.
        opinions.retain(|o| o != crate::at_rest::REFUSED_OPINION);
        opinions.extend(d.reply.as_ref().map(|r| {
            self.opinion_text(
                &crate::at_rest::column_label(xn_store::sealing::SealedColumn::DocumentReply, id),
                r,
            )
        }));
        xn_store::search::index_document(
            tx,
            id,
            &xn_store::search::SearchText {
                title: &d.title,
                number: &numbers,
                body: &self.document_body(id, &d.body)?,
                opinions: &opinions.join("\n"),
            },
        )
        .await?;
        Ok(())
    }

    /// The rules of a document, checked (none broken: it may be signed off).
    pub(crate) async fn document_rules(
        &self,
        tx: &mut Tx,
        doc: &DocumentRow,
    ) -> Result<Vec<rules::Violation>> {
        self.rules_of(&mut CommittedRead::Tx(tx), &RuleSource::from(doc))
            .await
    }

    /// The rules of a document as `read` sees it (in a batch on SQLite, through the writer
    /// thread's read-only connection: the hook of 签发).
    pub(crate) async fn rules_of(
        &self,
        read: &mut CommittedRead<'_>,
        doc: &RuleSource,
    ) -> Result<Vec<rules::Violation>> {
        let issuers: Vec<Recipient> = parse_list(&doc.issuers);
        let lead_unit = issuers
            .first()
            .and_then(|i| i.unit_id)
            .unwrap_or(doc.unit_id);
        let (_, _, _, lead_code) = read.unit_brief(lead_unit).await?;
        let mut main = Vec::new();
        for r in parse_list::<Recipient>(&doc.main_recipients) {
            let rel = relation(read, doc.unit_id, r.unit_id).await?;
            main.push((r, rel));
        }
        let mut copy = Vec::new();
        for r in parse_list::<Recipient>(&doc.copy_recipients) {
            let rel = relation(read, doc.unit_id, r.unit_id).await?;
            copy.push((r, rel));
        }
        Ok(rules::check(&RuleInput {
            kind: DocKind::from_code(&doc.kind),
            title: doc.title.clone(),
            body: self.document_body(doc.id, &doc.body)?,
            issuers,
            issuer_code: doc.issuer_code.clone(),
            lead_code,
            signers: parse_list(&doc.signers),
            main_recipients: main,
            copy_recipients: copy,
            signature: doc.signature.clone(),
            seal: doc.seal != 0,
        }))
    }
}

/// How a recipient unit stands to an issuer (`xn_domain::org::relation`).
async fn relation(
    read: &mut CommittedRead<'_>,
    issuer: i64,
    recipient: Option<i64>,
) -> Result<Relation> {
    let Some(r) = recipient else {
        return Ok(Relation::Other);
    };
    let issuer = crate::org::chain_of(read.unit_chain(issuer).await?)?;
    let recipient = crate::org::chain_of(read.unit_chain(r).await?)?;
    Ok(xn_domain::org::relation(&issuer, &recipient))
}

pub(crate) fn audit(actor: &Actor) -> Audit<'_> {
    Audit {
        person_id: Some(actor.person_id),
        post_id: actor.post.as_ref().map(|p| p.id),
        ip: actor.ip.as_deref(),
    }
}
