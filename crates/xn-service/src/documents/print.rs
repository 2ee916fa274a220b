//! 印制 output: the document laid out by GB/T 9704-2012 (`xn_render::gbt9704`), and the
//! processing sheet (发文稿纸 / 收文处理笺) with every step's opinion, name and date.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use xn_domain::flow::engine::business_date;
use xn_render::gbt9704::{
    DocSpec, FontSet, Format, IncomingSheet, OutgoingSheet, RenderOptions, SheetStep,
};

use super::{AttachmentFile, DocumentView, Recipient};
use crate::{Actor, Result, ServiceError, Services, from_ms};

/// The fonts, found once per process (reading them costs about a tenth of a second).
fn fonts() -> Result<Arc<FontSet>> {
    static FONTS: OnceLock<std::result::Result<Arc<FontSet>, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            FontSet::discover(&[])
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| ServiceError::Conflict {
            code: "documents.fonts",
            message: format!("服务器上没有可用的中文字体，无法生成版式文件：{e}"),
        })
}

fn names(r: &[Recipient]) -> Vec<String> {
    r.iter().map(|x| x.name.clone()).collect()
}

fn spec_of(d: &DocumentView, today: NaiveDate) -> DocSpec {
    DocSpec {
        format: match d.format.as_str() {
            "letter" => Format::Letter,
            "order" => Format::Order,
            "minutes" => Format::Minutes,
            _ => Format::File,
        },
        kind: d.kind_label.clone(),
        issuer: d
            .issuers
            .first()
            .map_or_else(|| d.signature.clone(), |i| i.name.clone()),
        mark: None,
        number: d.doc_number.clone(),
        copy_no: None,
        classification: (d.classification != "public").then(|| d.classification_label.clone()),
        secrecy_term: d.secrecy_term.clone(),
        urgency: d.urgency_label.clone(),
        signers: d.signers.clone(),
        title: d.title.clone(),
        main_recipients: names(&d.main_recipients),
        body: d
            .blocks
            .iter()
            .map(|b| b.text.clone())
            .collect::<Vec<_>>()
            .join("\n\n"),
        attachments: d.attachment_names.clone(),
        signature: Some(d.signature.clone()).filter(|s| !s.is_empty()),
        date: d
            .written_on
            .as_deref()
            .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
            .unwrap_or(today),
        note: d.note.clone(),
        cc: names(&d.copy_recipients),
        printer: d.printer.clone(),
        print_date: Some(today),
        seal: d.seal,
        attendees: Vec::new(),
        absentees: Vec::new(),
        observers: Vec::new(),
    }
}

impl Services {
    /// The document laid out by GB/T 9704-2012, as a PDF download.
    pub async fn document_pdf(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let d = self.document_view(actor, id).await?;
        let spec = spec_of(&d, business_date(now));
        let fonts = fonts()?;
        let rendered = tokio::task::spawn_blocking(move || {
            xn_render::gbt9704::render(&spec, &fonts, &RenderOptions::default())
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?
        .map_err(|e| ServiceError::invalid("document", e.to_string()))?;
        let name = d.doc_number.clone().unwrap_or_else(|| d.title.clone());
        Ok(AttachmentFile {
            name: format!("{name}.pdf"),
            mime: "application/pdf".into(),
            bytes: rendered.pdf,
        })
    }

    /// The processing sheet: 发文稿纸 for an outgoing document, 收文处理笺 for an incoming one,
    /// with every step done so far (opinion, name, date).
    pub async fn processing_sheet(&self, actor: &Actor, id: i64) -> Result<AttachmentFile> {
        let d = self.document_view(actor, id).await?;
        let mut steps = Vec::new();
        if let Some(case) = d.case_id {
            let tasks = xn_store::flow::tasks_of_case(self.db(), case).await?;
            let posts: Vec<i64> = tasks.iter().map(|t| t.post_id).collect();
            let who = self.post_names(&posts).await?;
            for t in tasks.iter().filter(|t| t.acted_at.is_some()) {
                let person = who
                    .get(&t.post_id)
                    .map(|n| n.split('（').next().unwrap_or(n).to_owned())
                    .unwrap_or_default();
                let opinion = match (&t.opinion, &t.decision) {
                    (Some(o), _) if !o.trim().is_empty() => o.clone(),
                    (_, Some(dec)) => dec.clone(),
                    _ => String::new(),
                };
                steps.push(SheetStep {
                    step: t.step_name.clone(),
                    opinion,
                    person,
                    date: business_date(from_ms(t.acted_at.unwrap_or(t.created_at))),
                });
            }
        }
        let office = d
            .issuers
            .first()
            .map_or_else(|| d.signature.clone(), |i| i.name.clone());
        let fonts = fonts()?;
        let outgoing = d.direction == "outgoing";
        let (name, sheet_out, sheet_in) = if outgoing {
            (
                "发文稿纸",
                Some(OutgoingSheet {
                    office,
                    title: d.title.clone(),
                    number: d.doc_number.clone(),
                    classification: (d.classification != "public")
                        .then(|| d.classification_label.clone()),
                    urgency: d.urgency_label.clone(),
                    drafting_unit: None,
                    main_recipients: names(&d.main_recipients),
                    cc: names(&d.copy_recipients),
                    attachments: d.attachment_names.clone(),
                    copies: d.copies.and_then(|c| u32::try_from(c).ok()),
                    steps,
                }),
                None,
            )
        } else {
            (
                "收文处理笺",
                None,
                Some(IncomingSheet {
                    office: String::new(),
                    title: d.title.clone(),
                    sender: d.sender_name.clone().unwrap_or_default(),
                    number: d.sender_number.clone(),
                    serial: d.received_no.clone(),
                    received: d.received_at.map(business_date),
                    classification: (d.classification != "public")
                        .then(|| d.classification_label.clone()),
                    urgency: d.urgency_label.clone(),
                    deadline: None,
                    steps,
                }),
            )
        };
        let bytes = tokio::task::spawn_blocking(move || match (sheet_out, sheet_in) {
            (Some(s), _) => xn_render::gbt9704::outgoing_sheet(&s, &fonts),
            (_, Some(s)) => xn_render::gbt9704::incoming_sheet(&s, &fonts),
            _ => Err(xn_render::gbt9704::RenderError::Pdf("无处理笺".into())),
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?
        .map_err(|e| ServiceError::invalid("document", e.to_string()))?;
        Ok(AttachmentFile {
            name: format!("{name}-{}.pdf", d.title),
            mime: "application/pdf".into(),
            bytes,
        })
    }
}
