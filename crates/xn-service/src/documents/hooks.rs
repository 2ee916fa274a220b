//! What happens to a document when its case moves: called by the flow engine inside the
//! action's transaction, so that it happens with the action or not at all.
//!
//! The rules act on the steps and decisions named below; the two contracts declare them, and
//! a unit's own version of either process is refused when it drops one (`crate::areas`). The
//! document is found from the case (the row the documents service linked it to), never from
//! the case's fields.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use xn_domain::documents::numbering::ledger_year;
use xn_domain::documents::rules;
use xn_domain::flow::engine::business_date;
use xn_domain::flow::{ContractStep, FlowEvent, StepContract, Value};
use xn_store::Tx;
use xn_store::documents::{self as store, DocumentRow};
use xn_store::sealing::SealedColumn;

use crate::at_rest::column_label;
use crate::flow::{ActorRef, AreaTx, CaseCtx, StartCase};
use crate::{Result, ServiceError, Services, ms};

use super::{Documents, LedgerKeeperCap, Recipient, parse_list};

/// The steps of `processes/outgoing_document.toml` the rules below act on.
pub(crate) mod outgoing {
    pub(crate) const CHECK: &str = "check";
    pub(crate) const DRAFT: &str = "draft";
    pub(crate) const DRAFT_AGAIN: &str = "draft_again";
    pub(crate) const SIGNOFF: &str = "signoff";
    pub(crate) const RECHECK: &str = "recheck";
    pub(crate) const REGISTER: &str = "register";
    pub(crate) const PRINT: &str = "print";
    pub(crate) const DISPATCH: &str = "dispatch";
}

/// Whether an action at a step of the outgoing process may be written with a batch of the flow
/// writer: every step but 印制 (it lays the document out and checks it, some 20 ms) and 核发 (it
/// starts the recipients' cases), whose work needs the transaction at once.
pub(crate) fn outgoing_batched(step: &str) -> bool {
    step != outgoing::PRINT && step != outgoing::DISPATCH
}

/// The steps of `processes/incoming_document.toml` the rules below act on.
pub(crate) mod incoming {
    pub(crate) const SIGNFOR: &str = "signfor";
    pub(crate) const REGISTER: &str = "register";
    pub(crate) const SCREEN: &str = "screen";
    /// 拟办: the office's proposal, shown above the leader's 批办 on the 办理 page.
    pub(crate) const PROPOSE: &str = "propose";
    pub(crate) const INSTRUCT: &str = "instruct";
    pub(crate) const HANDLE: &str = "handle";
    /// The screening decision that sends a document back (退文).
    pub(crate) const RETURN: &str = "退文";
}

const fn step(id: &'static str, name: &'static str) -> ContractStep {
    ContractStep {
        id,
        name,
        human: true,
        decisions: &[],
    }
}

/// What the 发文 rules need of a process: 签发 (with 同意, whose opinion and the document's
/// rules are checked, and 不同意, which sends the draft back with the signer's reasons), 复核,
/// 登记 (the 文号), 印制 (the checked PDF) and 核发 (delivery).
pub(crate) const OUTGOING_CONTRACT: StepContract = StepContract {
    steps: &[
        ContractStep {
            id: outgoing::SIGNOFF,
            name: "签发",
            human: true,
            decisions: &[rules::SIGNOFF_AGREE, rules::SIGNOFF_DISAGREE],
        },
        step(outgoing::RECHECK, "复核"),
        step(outgoing::REGISTER, "登记"),
        step(outgoing::PRINT, "印制"),
        step(outgoing::DISPATCH, "核发"),
    ],
};

/// What the 收文 rules need of a process: 签收, 登记 (the 收文号), 初审 with 退文, 批办 and
/// 承办 (the reply).
pub(crate) const INCOMING_CONTRACT: StepContract = StepContract {
    steps: &[
        step(incoming::SIGNFOR, "签收"),
        step(incoming::REGISTER, "登记"),
        ContractStep {
            id: incoming::SCREEN,
            name: "初审",
            human: true,
            decisions: &[incoming::RETURN],
        },
        step(incoming::INSTRUCT, "批办"),
        step(incoming::HANDLE, "承办"),
    ],
};

impl Services {
    /// The documents area's part of a flow action (see the module's note).
    pub(crate) async fn on_document_flow(
        &self,
        at: &mut AreaTx<'_, '_>,
        outgoing: bool,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // The start names the document it was made for; later actions find it by the case.
        let doc_id = match case.link {
            Some(id) => id,
            None => match store::document_of_case(at.read().await?, case.id).await? {
                Some(doc) => doc.id,
                None => {
                    return Err(ServiceError::Internal(anyhow::anyhow!(
                        "case {} of a document process has no document",
                        case.id
                    )));
                }
            },
        };
        if outgoing {
            self.on_outgoing(at, doc_id, case, events, actor, now)
                .await?;
        } else {
            self.on_incoming(at.direct()?, doc_id, case, events, now)
                .await?;
        }
        // Opinions and numbers are searchable from the next search on (it indexes the queue
        // first).
        at.write(store::writes::reindex(doc_id, ms(now))).await
    }

    async fn on_outgoing(
        &self,
        tx: &mut AreaTx<'_, '_>,
        doc_id: i64,
        case: &CaseCtx,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let at = ms(now);
        for e in events {
            match e {
                FlowEvent::CaseStarted { .. } => {
                    if tx.batched() {
                        // A document with a case already fails the batch's write; the action
                        // is then answered on the direct path, as below.
                        tx.write(store::writes::link_case(doc_id, case.id, "in_review", at))
                            .await?;
                    } else {
                        link_case(tx.read().await?, doc_id, case.id, "in_review", at).await?;
                    }
                }
                FlowEvent::StepEntered { step, .. } if step == outgoing::DRAFT_AGAIN => {
                    tx.write(store::writes::set_status(doc_id, "returned_to_drafter", at))
                        .await?;
                }
                FlowEvent::Returned { to_step, .. }
                    if to_step == outgoing::DRAFT_AGAIN || to_step == outgoing::DRAFT =>
                {
                    tx.write(store::writes::set_status(doc_id, "returned_to_drafter", at))
                        .await?;
                }
                FlowEvent::StepEntered { step, .. }
                    if step == outgoing::CHECK || step == outgoing::SIGNOFF =>
                {
                    tx.write(store::writes::set_status(doc_id, "in_review", at))
                        .await?;
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    post,
                    ..
                } if step == outgoing::SIGNOFF => {
                    rules::check_signoff(decision, opinion).map_err(|v| ServiceError::Invalid {
                        field: Some("opinion"),
                        message: v.message,
                    })?;
                    if decision == rules::SIGNOFF_DISAGREE {
                        // Not signed: the process takes the draft back to its drafter.
                        continue;
                    }
                    // The text and elements do not change while the document is in review,
                    // and the organisation not with flow actions: committed rows serve.
                    let mut read = tx.committed().await?;
                    let doc = read.rule_source(doc_id).await?;
                    let broken = self.rules_of(&mut read, &doc).await?;
                    if !broken.is_empty() {
                        return Err(ServiceError::Conflict {
                            code: "documents.rules",
                            message: format!(
                                "签发前检查未通过，请退回拟稿人修改：{}",
                                broken
                                    .iter()
                                    .map(|v| format!(
                                        "【{}】{}（{}）",
                                        v.element, v.message, v.code
                                    ))
                                    .collect::<Vec<_>>()
                                    .join("；")
                            ),
                        });
                    }
                    let name = read.post_person_name(*post).await?;
                    let opinion = if opinion.trim().is_empty() {
                        "圈阅".to_owned()
                    } else {
                        opinion.trim().to_owned()
                    };
                    let opinion =
                        self.seal_text(&crate::at_rest::signed_off_label(doc_id), &opinion)?;
                    tx.write(store::writes::record_signoff(
                        doc_id,
                        *post,
                        &name,
                        &opinion,
                        doc.body_version,
                        &business_date(now).to_string(),
                        at,
                    ))
                    .await?;
                }
                FlowEvent::TaskCompleted { step, .. } if step == outgoing::RECHECK => {
                    tx.write(store::writes::set_status(doc_id, "rechecked", at))
                        .await?;
                }
                FlowEvent::TaskCompleted { step, post, .. } if step == outgoing::REGISTER => {
                    if !tx.batched() {
                        // Said plainly here; in a batch the write itself refuses it.
                        let doc = store::find_document_tx(tx.read().await?, doc_id).await?;
                        if doc.issuer_code.as_deref().is_none_or(str::is_empty) {
                            return Err(ServiceError::invalid(
                                "issuer_code",
                                "公文没有机关代字，无法编号",
                            ));
                        }
                    }
                    let year = i64::from(ledger_year(now));
                    tx.write(store::writes::number(doc_id, year, *post, at))
                        .await?;
                }
                FlowEvent::TaskCompleted { step, .. } if step == outgoing::PRINT => {
                    let tx = tx.direct()?;
                    self.print_final(tx, doc_id, actor, now).await?;
                    store::set_status(tx, doc_id, "printed", at).await?;
                }
                FlowEvent::TaskCompleted { step, .. } if step == outgoing::DISPATCH => {
                    let tx = tx.direct()?;
                    let doc = store::find_document_tx(tx, doc_id).await?;
                    if doc.doc_number.is_none() {
                        return Err(ServiceError::Conflict {
                            code: "documents.unnumbered",
                            message: "公文尚未编号，不能核发".into(),
                        });
                    }
                    // Only the PDF checked and sealed at 印制 is dispatched.
                    if store::find_final_tx(tx, doc_id).await?.is_none() {
                        return Err(ServiceError::Conflict {
                            code: "documents.unprinted",
                            message: "公文尚未印制（没有经检查的正式版式文件），不能核发".into(),
                        });
                    }
                    for (list, role) in [
                        (&doc.main_recipients, "main"),
                        (&doc.copy_recipients, "copy"),
                    ] {
                        for r in parse_list::<Recipient>(list) {
                            if let Some(unit) = r.unit_id {
                                self.deliver(tx, &doc, unit, role, 1, actor, now).await?;
                            }
                        }
                    }
                    store::set_status(tx, doc_id, "dispatched", at).await?;
                    // A meeting's 纪要 issued: its decisions become supervision items.
                    self.minutes_issued(tx, doc_id, actor, now).await?;
                    // A meeting's 通知 issued: its notice goes out.
                    self.meeting_notice_dispatched(tx, doc_id, actor, now)
                        .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Delivers a dispatched document to one unit: an exchange row, an incoming document at
    /// the unit sharing the stored files, and its 收文 case.
    #[expect(clippy::too_many_arguments, reason = "one delivery")]
    pub(crate) async fn deliver(
        &self,
        tx: &mut Tx,
        doc: &DocumentRow,
        unit: i64,
        role: &str,
        round: i64,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let at = ms(now);
        let xid = store::insert_exchange(tx, doc.id, unit, role, round, actor.post_id, at).await?;
        let issuers: Vec<Recipient> = parse_list(&doc.issuers);
        let sender = issuers
            .first()
            .map_or_else(|| doc.signature.clone(), |i| i.name.clone());
        let incoming = store::insert_document(
            tx,
            &store::NewDocument {
                direction: "incoming",
                unit_id: unit,
                elements: store::Elements {
                    kind: &doc.kind,
                    format: &doc.format,
                    title: &doc.title,
                    issuer_code: None,
                    copies: doc.copies,
                    classification: &doc.classification,
                    secrecy_term: doc.secrecy_term.as_deref(),
                    urgency: doc.urgency.as_deref(),
                    issuers: &doc.issuers,
                    signers: &doc.signers,
                    main_recipients: &doc.main_recipients,
                    copy_recipients: &doc.copy_recipients,
                    attachment_names: &doc.attachment_names,
                    signature: &doc.signature,
                    note: doc.note.as_deref(),
                    printer: doc.printer.as_deref(),
                    seal: doc.seal != 0,
                },
                status: "delivered",
                post_id: actor.post_id,
                source_document_id: Some(doc.id),
                sender_name: Some(&sender),
                sender_number: doc.doc_number.as_deref(),
                written_on: doc.written_on.as_deref(),
            },
            at,
        )
        .await?;
        // The copy's text is sealed at its own place.
        let body = self.document_body(doc.id, &doc.body)?;
        self.set_document_body(tx, incoming, &body).await?;
        store::copy_attachments(tx, doc.id, incoming).await?;
        store::copy_final(tx, doc.id, incoming).await?;
        store::set_exchange_incoming(tx, xid, incoming).await?;
        let registry = store::registry_of(tx, unit).await?;
        let mut fields = self
            .incoming_fields_tx(tx, incoming, registry, "exchange")
            .await?;
        fields.insert("exchange_id".into(), Value::Int(xid));
        // The receiving side owns its 收文: the case's starter is the registry's clerk (the
        // events still name the sender's clerk, who dispatched it).
        let owner = store::posts_in(tx, registry, &["clerk"])
            .await?
            .first()
            .copied();
        let out = Box::pin(self.start_in_tx(
            tx,
            actor,
            owner,
            &StartCase {
                process: "incoming_document".into(),
                title: doc.title.clone(),
                body: String::new(),
                fields,
                choices: BTreeMap::new(),
                attachments: Vec::new(),
            },
            Some(incoming),
            doc.case_id.map(|c| (c, 0, unit)),
            now,
        ))
        .await?;
        store::link_incoming(tx, incoming, xid, out.case_id).await?;
        self.index_document(tx, incoming).await?;
        Ok(xid)
    }

    async fn on_incoming(
        &self,
        tx: &mut Tx,
        doc_id: i64,
        case: &CaseCtx,
        events: &[FlowEvent],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let at = ms(now);
        // The exchange it came by (none for a paper document registered by hand). At the start
        // the delivery links it right after the case exists.
        let exchange = match store::find_document_tx(tx, doc_id).await?.exchange_id {
            Some(x) => Some(x),
            None => store::exchange_of_incoming(tx, doc_id).await?,
        };
        for e in events {
            match e {
                FlowEvent::CaseStarted { .. } => {
                    let status = if exchange.is_some() {
                        "delivered"
                    } else {
                        "registered"
                    };
                    link_case(tx, doc_id, case.id, status, at).await?;
                }
                FlowEvent::TaskCompleted { step, .. } if step == incoming::SIGNFOR => {
                    store::mark_received(tx, doc_id, at).await?;
                    if let Some(x) = exchange {
                        store::set_exchange_state(tx, x, "signed", None, at).await?;
                    }
                }
                FlowEvent::TaskCompleted { step, .. } if step == incoming::REGISTER => {
                    let doc = store::find_document_tx(tx, doc_id).await?;
                    self.allocate_received_number(tx, doc_id, doc.unit_id, now)
                        .await?;
                }
                FlowEvent::TaskCompleted {
                    step,
                    decision,
                    opinion,
                    ..
                } if step == incoming::SCREEN => {
                    if decision == incoming::RETURN {
                        if opinion.trim().is_empty() {
                            return Err(ServiceError::invalid(
                                "opinion",
                                "退文须写明理由（如：不属于本机关职权范围、不符合行文规则）",
                            ));
                        }
                        store::set_status(tx, doc_id, "returned", at).await?;
                        if let Some(x) = exchange {
                            let reasons = self.seal_text(
                                &column_label(SealedColumn::ExchangeReturnReason, x),
                                opinion.trim(),
                            )?;
                            store::set_exchange_state(tx, x, "returned", Some(&reasons), at)
                                .await?;
                        }
                    } else {
                        store::set_status(tx, doc_id, "screened", at).await?;
                    }
                }
                FlowEvent::TaskCompleted { step, .. } if step == incoming::INSTRUCT => {
                    store::set_status(tx, doc_id, "instructed", at).await?;
                }
                FlowEvent::Assigned { step, posts, .. } if step == incoming::HANDLE => {
                    if let Some(lead) = posts.first() {
                        store::set_lead(tx, doc_id, *lead, at).await?;
                    }
                }
                FlowEvent::TaskCompleted {
                    step,
                    post,
                    opinion,
                    ..
                } if step == incoming::HANDLE => {
                    let doc = store::find_document_tx(tx, doc_id).await?;
                    if doc.lead_post_id == Some(*post) {
                        if opinion.trim().is_empty() {
                            return Err(ServiceError::invalid(
                                "opinion",
                                "主办人办结时须写明办理结果，它将作为答复送来文单位",
                            ));
                        }
                        let reply = self.seal_text(
                            &column_label(SealedColumn::DocumentReply, doc_id),
                            opinion.trim(),
                        )?;
                        store::set_reply(tx, doc_id, &reply, "handling", at).await?;
                    }
                }
                FlowEvent::CaseClosed { .. } => {
                    let doc = store::find_document_tx(tx, doc_id).await?;
                    if doc.status != "returned" {
                        let reply = doc.reply.clone().unwrap_or_default();
                        store::set_reply(tx, doc_id, &reply, "closed", at).await?;
                        if let Some(x) = exchange {
                            // The sender's copy, sealed at the exchange's place.
                            let text = self.open_text(
                                &column_label(SealedColumn::DocumentReply, doc_id),
                                &reply,
                            )?;
                            let copy = self
                                .seal_text(&column_label(SealedColumn::ExchangeReply, x), &text)?;
                            store::set_exchange_state(tx, x, "handled", Some(&copy), at).await?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Links a document to the case just started for it; a document that has a case already (a
/// second submission racing the first) refuses the start.
async fn link_case(tx: &mut Tx, doc_id: i64, case_id: i64, status: &str, at: i64) -> Result<()> {
    if store::set_case(tx, doc_id, case_id, status, at).await? {
        Ok(())
    } else {
        Err(ServiceError::Conflict {
            code: "documents.submitted",
            message: "该公文已提交，请在办理页面继续办理".into(),
        })
    }
}

impl Documents<'_> {
    /// Sends a dispatched document again to units it went to (重发, e.g. after a 退文 was
    /// answered) or to further units (补发). The registry section (文电) does this, for a
    /// document of its office's ledger.
    pub async fn resend(
        &self,
        keeper: &LedgerKeeperCap<'_>,
        id: i64,
        units: &[i64],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let actor = keeper.actor;
        let doc = store::find_document(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        // Another office's document answers like a missing one, before its state is told.
        if doc.unit_id != keeper.office() {
            return Err(ServiceError::NotFound("公文"));
        }
        if doc.direction != "outgoing" || doc.status != "dispatched" {
            return Err(ServiceError::Conflict {
                code: "documents.not_dispatched",
                message: "只有已核发的发文可以重发或补发".into(),
            });
        }
        keeper.check_code(doc.issuer_code.as_deref().unwrap_or(""))?;
        if units.is_empty() || units.len() > 500 {
            return Err(ServiceError::invalid("units", "请选择要重发或补发的单位"));
        }
        let aref = ActorRef::of(actor)?;
        let main: Vec<Recipient> = parse_list(&doc.main_recipients);
        let mut tx = self.svc.db().begin().await?;
        let existing = store::exchanges_tx(&mut tx, id).await?;
        for u in units {
            xn_store::org::unit_brief(&mut tx, *u)
                .await
                .map_err(ServiceError::missing_input(
                    "units",
                    format!("单位 {u} 不存在"),
                ))?;
            let before: Vec<&store::ExchangeRow> = existing
                .iter()
                .filter(|x| x.recipient_unit_id == *u)
                .collect();
            let round = before.iter().map(|x| x.round).max().map_or(1, |r| r + 1);
            let role = before.first().map_or_else(
                || {
                    if main.iter().any(|m| m.unit_id == Some(*u)) {
                        "main".to_owned()
                    } else {
                        "copy".to_owned()
                    }
                },
                |x| x.role.clone(),
            );
            self.svc
                .deliver(&mut tx, &doc, *u, &role, round, &aref, now)
                .await?;
        }
        crate::events::record(
            &mut tx,
            &super::audit(actor),
            "documents.resent",
            Some(format!("document:{id}")),
            serde_json::json!({ "units": units }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
