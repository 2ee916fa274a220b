//! 印制 output: the document laid out by GB/T 9704-2012 (`xn_render::gbt9704`), and the
//! processing sheet (发文稿纸 / 收文处理笺) with every step's opinion, name and date.
//!
//! When the 印制 step is completed, [`Services::print_final`] (called by the flow hook inside
//! the action's transaction) lays the document out with its issuer's seal, runs the
//! conformance checker on the PDF and refuses the action on any violation; otherwise the PDF is
//! stored by its SM3 hash as the document's final file, the one 核发 dispatches and every
//! download serves from then on. Rendering and checking take about 20 ms and run on the
//! blocking pool.

use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_render::gbt9704::{
    DocSpec, FontSet, Format, IncomingSheet, OutgoingSheet, RenderOptions, SheetStep, Violation,
};
use xn_store::Tx;
use xn_store::documents::{self as store, FinalRow};

use super::{AttachmentFile, DocumentView, Documents, Recipient};
use crate::flow::ActorRef;
use crate::{Actor, Result, ServiceError, Services, events, from_ms, ms};

/// One GB/T 9704 violation found by the checker at 印制.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LayoutViolation {
    /// The element, in Chinese (发文机关标志, 正文 …).
    pub element: String,
    /// The stable rule code (`margin.right`, `grid.chars` …).
    pub rule: String,
    /// Page, from 1; 0 for the document as a whole.
    pub page: usize,
    /// What is wrong, with the figure measured and the clause.
    pub message: String,
}

impl From<Violation> for LayoutViolation {
    fn from(v: Violation) -> Self {
        LayoutViolation {
            element: v.element.to_owned(),
            rule: v.rule.to_owned(),
            page: v.page,
            message: v.message,
        }
    }
}

impl fmt::Display for LayoutViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.page > 0 {
            write!(f, "第{}页【{}】", self.page, self.element)?;
        } else {
            write!(f, "【{}】", self.element)?;
        }
        write!(f, "{}（规则 {}）", self.message, self.rule)
    }
}

/// The fonts, found once per process (reading them costs about a tenth of a second).
pub(crate) fn fonts() -> Result<Arc<FontSet>> {
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

pub(super) fn spec_of(d: &DocumentView, today: NaiveDate) -> DocSpec {
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

/// A meeting's 纪要 prints the attendance lists drafted from the meeting (出席, 请假, 列席).
pub(super) fn with_minutes_lists(
    spec: &mut DocSpec,
    m: Option<xn_store::meetings::minutes::MinutesRow>,
) {
    if let Some(m) = m {
        let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
        spec.attendees = list(&m.attend_list);
        spec.absentees = list(&m.leave_list);
        spec.observers = list(&m.observe_list);
    }
}

impl Documents<'_> {
    /// The document laid out by GB/T 9704-2012, as a PDF download: the final, sealed PDF once
    /// the document was printed (印制), a fresh rendering before that.
    pub async fn pdf(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<AttachmentFile> {
        let d = self.get(actor, id).await?;
        let name = d
            .doc_number
            .clone()
            .or_else(|| d.sender_number.clone())
            .unwrap_or_else(|| d.title.clone());
        if let Some(f) = store::find_final(self.svc.db(), id).await? {
            return Ok(AttachmentFile {
                name: format!("{name}.pdf"),
                mime: "application/pdf".into(),
                bytes: self.svc.file_bytes(&f.hash).await?,
            });
        }
        let mut spec = spec_of(&d, business_date(now));
        with_minutes_lists(
            &mut spec,
            xn_store::meetings::minutes::minutes_of_document(self.svc.db(), id).await?,
        );
        let fonts = fonts()?;
        let rendered = tokio::task::spawn_blocking(move || {
            xn_render::gbt9704::render(&spec, &fonts, &RenderOptions::default())
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?
        .map_err(|e| ServiceError::invalid("document", e.to_string()))?;
        Ok(AttachmentFile {
            name: format!("{name}.pdf"),
            mime: "application/pdf".into(),
            bytes: rendered.pdf,
        })
    }

    /// The processing sheet: 发文稿纸 for an outgoing document, 收文处理笺 for an incoming one,
    /// with every step done so far (opinion, name, date).
    pub async fn processing_sheet(&self, actor: &Actor, id: i64) -> Result<AttachmentFile> {
        let d = self.get(actor, id).await?;
        let mut steps = Vec::new();
        let mut deadline = None;
        if let Some(case) = d.case_id {
            let row = xn_store::flow::find_case(self.svc.db(), case).await?;
            deadline = row
                .due_date
                .as_deref()
                .and_then(|x| NaiveDate::parse_from_str(x, "%Y-%m-%d").ok());
            let def = self.svc.process_def(row.process_id).await?;
            let tasks = xn_store::flow::tasks_of_case(self.svc.db(), case).await?;
            let posts: Vec<i64> = tasks.iter().map(|t| t.post_id).collect();
            let who = self.svc.post_names(&posts).await?;
            for t in tasks.iter().filter(|t| t.acted_at.is_some()) {
                let person = who
                    .get(&t.post_id)
                    .map(|n| n.split('（').next().unwrap_or(n).to_owned())
                    .unwrap_or_default();
                steps.push(SheetStep {
                    step: t.step_name.clone(),
                    opinion: sheet_opinion(
                        def.step(&t.step_id),
                        t,
                        self.svc
                            .task_opinion(case, t.task_no, t.opinion.as_ref())
                            .as_deref(),
                    ),
                    person,
                    date: business_date(from_ms(t.acted_at.unwrap_or(t.created_at))),
                });
            }
        }
        let drafting_unit = xn_store::org::find_unit(self.svc.db(), d.unit_id)
            .await
            .ok()
            .map(|u| u.name);
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
                    classification: Some(d.classification_label.clone()),
                    urgency: d.urgency_label.clone(),
                    drafting_unit,
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
                    classification: Some(d.classification_label.clone()),
                    urgency: d.urgency_label.clone(),
                    deadline,
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

impl Services {
    /// 印制: lays the document out with its issuer's seal, checks the PDF against GB/T 9704 and
    /// stores it as the final file. Called inside the 印制 action's transaction; any refusal
    /// (no seal image for a sealed document, a violation) rolls the whole action back.
    pub(crate) async fn print_final(
        &self,
        tx: &mut Tx,
        doc_id: i64,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let row = store::find_document_tx(tx, doc_id).await?;
        let unit_id = row.unit_id;
        let body = self.document_body(row.id, &row.body)?;
        let d = super::views::view(self, row, body);
        let mut spec = spec_of(&d, business_date(now));
        with_minutes_lists(
            &mut spec,
            xn_store::meetings::minutes::minutes_of_document_tx(tx, doc_id).await?,
        );
        let issuer_unit = d.issuers.first().and_then(|i| i.unit_id).unwrap_or(unit_id);
        // A 纪要 is never sealed (GB/T 9704 10.3); neither is a document marked seal = false.
        let sealed = spec.seal && spec.format != Format::Minutes;
        let seal = if sealed {
            let found = self.seal_png_tx(tx, issuer_unit).await?;
            if found.is_none() {
                return Err(ServiceError::Conflict {
                    code: "documents.no_seal",
                    message: format!(
                        "发文机关“{}”尚未上传印章图像，不能印制加盖印章的公文：请安全保密管理员在“印章管理”中上传印章后再办理印制",
                        spec.issuer
                    ),
                });
            }
            found
        } else {
            None
        };
        let seal_id = seal.as_ref().map(|s| s.0);
        let opts = RenderOptions {
            seal_png: seal.map(|s| s.1),
            ..RenderOptions::default()
        };
        let fonts = fonts()?;
        let (rendered, violations) = tokio::task::spawn_blocking(move || {
            xn_render::gbt9704::render(&spec, &fonts, &opts).map(|r| {
                let v = xn_render::gbt9704::check(&r.pdf);
                (r, v)
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?
        .map_err(|e| ServiceError::invalid("document", format!("无法排版印制：{e}")))?;
        if !violations.is_empty() {
            return Err(ServiceError::Nonconforming(
                violations.into_iter().map(LayoutViolation::from).collect(),
            ));
        }
        let hash = hex::encode(sm3::Sm3::digest(&rendered.pdf));
        let at = ms(now);
        self.put_file(tx, &hash, &rendered.pdf, at).await?;
        let size = i64::try_from(rendered.pdf.len()).unwrap_or(i64::MAX);
        let pages: i64 = crate::exact("the page count", rendered.pages)?;
        store::put_final(
            tx,
            &FinalRow {
                document_id: doc_id,
                hash: hash.clone(),
                size,
                pages,
                seal_id,
                post_id: actor.post_id,
                created_at: at,
            },
        )
        .await?;
        events::record(
            tx,
            &events::Audit {
                person_id: Some(actor.person_id),
                post_id: Some(actor.post_id),
                ip: actor.ip.as_deref(),
            },
            "documents.printed",
            Some(format!("document:{doc_id}")),
            serde_json::json!({ "sm3": hash, "size": size, "pages": pages, "seal_id": seal_id }),
            now,
        )
        .await?;
        Ok(())
    }
}

/// What a processing sheet records of a step done: the opinion written, else the decision where
/// the step offers a choice (同意 / 不同意), 阅 for a 传阅 read (leaders circle it where they write
/// their 批示); a step whose only decision is its own verb (提交, 登记编号, 印制完成, 核发, 签收)
/// records none — the sheet keeps its name and date in its box, or leaves it off where it has
/// no box.
fn sheet_opinion(
    step: Option<&xn_domain::flow::StepDef>,
    t: &xn_store::flow::TaskRow,
    opinion: Option<&str>,
) -> String {
    let typed = opinion.map(str::trim).unwrap_or("");
    if !typed.is_empty() {
        return typed.to_owned();
    }
    match (&t.decision, step) {
        (Some(dec), Some(s)) if s.decisions.len() > 1 => dec.clone(),
        (_, Some(s)) if s.kind == xn_domain::flow::StepKind::Read => "阅".to_owned(),
        _ => String::new(),
    }
}
