//! The documents area's part of the 办理 page (the case page of a 发文 or 收文): what the step
//! in hand decides on, beside its form.
//!
//! For a 发文: the current text as it will print (the same blocks as the document page), its
//! version and the comparison with the previous one, 附件, 主送/抄送, 密级 and 紧急程度; at 登记 the
//! 文号 it will take, after 登记 the 文号 (also against 登记 in the timeline); at 印制 the layout
//! that 印制 seals and stores. For a 收文: the received document with its PDF shown inline, and the
//! 拟办 and 批办 opinions so far. Who may read it is [`Documents::get`]'s rule (the unit, or a
//! part in the case, and the 密级 within the viewer's clearance); nothing here widens it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::documents::numbering::{DocNumber, ledger_year};
use xn_store::documents as store;

use super::hooks::{incoming, outgoing};
use super::{AttachmentView, DocumentView, Documents};
use crate::{Actor, Result, from_ms};

/// An opinion already given on a 收文 (拟办, 批办), shown above the step's form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskOpinion {
    /// The step's name (拟办, 批办).
    pub step_name: String,
    /// Who gave it.
    pub who: String,
    /// The decision taken.
    pub decision: Option<String>,
    /// The opinion.
    pub opinion: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
}

/// A document as the 办理 page shows it beside the step's form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentDesk {
    /// The document, as its own page shows it.
    pub doc: DocumentView,
    /// The version before the current one, to compare with.
    pub previous_version: Option<i64>,
    /// At 登记 (发文): the 文号 the document will take (the oldest reserved number, else the
    /// next of the counter; the allocation at 登记 decides).
    pub number_to_take: Option<String>,
    /// At 印制 (发文): the viewer holds the step; the page shows the layout preview.
    pub print_preview: bool,
    /// 收文: the received PDF shown inline (the scan if there is one, else the first PDF).
    pub inline_pdf: Option<AttachmentView>,
    /// 收文: the 拟办 opinions so far, oldest first.
    pub opinions: Vec<DeskOpinion>,
    /// 收文: the leaders' 批示 so far (批办), oldest first: their own block at the top.
    pub instructions: Vec<DeskOpinion>,
}

impl DocumentDesk {
    /// The note a completion of `step` carries in the case's timeline: the number it gave.
    pub fn timeline_note(&self, step: &str) -> Option<String> {
        if self.doc.direction == "incoming" {
            (step == incoming::REGISTER)
                .then_some(self.doc.received_no.as_ref())
                .flatten()
                .map(|n| format!("收文号：{n}"))
        } else {
            (step == outgoing::REGISTER)
                .then_some(self.doc.doc_number.as_ref())
                .flatten()
                .map(|n| format!("文号：{n}"))
        }
    }
}

impl Documents<'_> {
    /// The document of a case as the 办理 page shows it to a viewer holding the steps
    /// `my_steps` (ids); `None` when the case has no document. Refused as [`Documents::get`]
    /// refuses (`NotFound` outside the unit and the case, `Forbidden` beyond the clearance).
    pub async fn desk(
        &self,
        actor: &Actor,
        case_id: i64,
        my_steps: &[String],
        now: DateTime<Utc>,
    ) -> Result<Option<DocumentDesk>> {
        let Some(row) = store::document_of_case_db(self.svc.db(), case_id).await? else {
            return Ok(None);
        };
        let doc = self.get(actor, row.id).await?;
        let holds = |step: &str| my_steps.iter().any(|s| s == step);
        let outgoing = doc.direction == "outgoing";
        let previous_version = doc
            .versions
            .iter()
            .map(|v| v.no)
            .filter(|n| *n < doc.body_version)
            .max();
        let number_to_take = match (&doc.issuer_code, &doc.doc_number) {
            (Some(code), None) if outgoing && holds(outgoing::REGISTER) && !code.is_empty() => {
                let year = ledger_year(now);
                let seq = store::next_seq_preview(self.svc.db(), code, i64::from(year)).await?;
                Some(
                    DocNumber {
                        code: code.clone(),
                        year,
                        seq: crate::exact("the next serial", seq)?,
                    }
                    .to_string(),
                )
            }
            _ => None,
        };
        let print_preview = outgoing && holds(outgoing::PRINT);
        let inline_pdf = if outgoing {
            None
        } else {
            let pdfs = || {
                doc.attachments
                    .iter()
                    .filter(|a| a.mime == "application/pdf")
            };
            pdfs()
                .find(|a| a.role == "原件扫描")
                .or_else(|| pdfs().next())
                .cloned()
        };
        let (instructions, opinions): (Vec<DeskOpinion>, Vec<DeskOpinion>) = if outgoing {
            (Vec::new(), Vec::new())
        } else {
            let tasks = xn_store::flow::tasks_of_case(self.svc.db(), case_id).await?;
            let given: Vec<_> = tasks
                .into_iter()
                .filter(|t| t.step_id == incoming::PROPOSE || t.step_id == incoming::INSTRUCT)
                .filter(|t| t.acted_at.is_some())
                .filter_map(|t| {
                    let opinion = self
                        .svc
                        .task_opinion(case_id, t.task_no, t.opinion.as_ref())
                        .filter(|o| !o.trim().is_empty())?;
                    Some((t, opinion))
                })
                .collect();
            let posts: Vec<i64> = given.iter().map(|(t, _)| t.post_id).collect();
            let names = self.svc.post_names(&posts).await?;
            given
                .into_iter()
                .map(|(t, opinion)| {
                    let instruction = t.step_id == incoming::INSTRUCT;
                    let o = DeskOpinion {
                        step_name: t.step_name,
                        who: names.get(&t.post_id).cloned().unwrap_or_default(),
                        decision: t.decision,
                        opinion,
                        at: from_ms(t.acted_at.unwrap_or(t.created_at)),
                    };
                    (instruction, o)
                })
                .fold((Vec::new(), Vec::new()), |(mut i, mut p), (is, o)| {
                    if is {
                        i.push(o);
                    } else {
                        p.push(o);
                    }
                    (i, p)
                })
        };
        Ok(Some(DocumentDesk {
            doc,
            previous_version,
            number_to_take,
            print_preview,
            inline_pdf,
            opinions,
            instructions,
        }))
    }
}
