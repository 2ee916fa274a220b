//! The number ledger (文号台账) and the 收文号 register.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::documents::numbering::ledger_year;
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::documents as store;

use super::{Documents, LedgerKeeperCap, audit};
use crate::events;
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

/// A line of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntry {
    /// 机关代字.
    pub issuer_code: String,
    /// Year.
    pub year: i64,
    /// Serial.
    pub seq: i64,
    /// The number as printed.
    pub number: String,
    /// `allocated`, `reserved` or `voided`.
    pub state: String,
    /// 已使用 / 预留 / 作废.
    pub state_label: String,
    /// The document.
    pub document_id: Option<i64>,
    /// Its title.
    pub title: Option<String>,
    /// Why reserved or voided.
    pub reason: Option<String>,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Its document is classified above the reader: the title reads「（涉密事项）」and the
    /// document does not open.
    pub withheld: bool,
}

fn state_label(s: &str) -> &'static str {
    match s {
        "allocated" => "已使用",
        "reserved" => "预留",
        "voided" => "作废",
        _ => "未知",
    }
}

impl Services {
    /// Gives an incoming document its 收文号 (per receiving unit and year).
    pub(crate) async fn allocate_received_number(
        &self,
        tx: &mut Tx,
        doc_id: i64,
        unit_id: i64,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let year = i64::from(ledger_year(now));
        let seq = store::next_seq(tx, &format!("recv:{unit_id}"), year).await?;
        let text = format!("收〔{year}〕{seq}号");
        store::register_incoming(tx, doc_id, year, seq, &text, ms(now)).await?;
        Ok(text)
    }
}

impl Documents<'_> {
    /// The 机关代字 an actor keeps the ledger of: those of the actor's office (its own code
    /// with 发 and 函, and any code already used by its documents).
    pub async fn ledger_codes(&self, actor: &Actor) -> Result<Vec<String>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        let (unit, _, code) = self.svc.issuing_unit(&mut tx, post.id).await?;
        tx.commit().await?;
        self.codes_of(unit, &code).await
    }

    /// The 机关代字 of an office's ledger: its own code with 发 and 函, and any code already
    /// used by its documents.
    pub(super) async fn codes_of(&self, office: i64, code: &str) -> Result<Vec<String>> {
        let mut codes = vec![format!("{code}发"), format!("{code}函")];
        for c in store::codes_of_unit(self.svc.db(), office).await? {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        Ok(codes)
    }

    /// The ledger of a code and year.
    pub async fn ledger(&self, actor: &Actor, code: &str, year: i64) -> Result<Vec<LedgerEntry>> {
        let codes = self.ledger_codes(actor).await?;
        if !codes.iter().any(|c| c == code) {
            return Err(ServiceError::Forbidden("只能查看本机关的文号台账".into()));
        }
        // Every number stays listed (the ledger is gapless by construction); a document
        // classified above the reader is listed as「（涉密事项）」without its title.
        store::ledger(self.svc.db(), &[code.to_owned()], year)
            .await?
            .into_iter()
            .map(|r| {
                let withheld = !actor.may_see(crate::clearance::level(&r.classification)?);
                Ok(LedgerEntry {
                    number: format!("{}〔{}〕{}号", r.issuer_code, r.year, r.seq),
                    state_label: state_label(&r.state).into(),
                    issuer_code: r.issuer_code,
                    year: r.year,
                    seq: r.seq,
                    state: r.state,
                    document_id: r.document_id,
                    title: if withheld {
                        Some(crate::clearance::WITHHELD.to_owned())
                    } else {
                        r.title
                    },
                    reason: r.reason,
                    at: from_ms(r.at),
                    withheld,
                })
            })
            .collect()
    }

    /// Reserves the next number of a code in the current year (e.g. for a document signed on
    /// paper); returns it.
    pub async fn reserve(
        &self,
        keeper: &LedgerKeeperCap<'_>,
        code: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        keeper.check_code(code)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请写明预留原因"));
        }
        let actor = keeper.actor;
        let post = actor.post.as_ref().map_or(0, |p| p.id);
        let year = i64::from(ledger_year(now));
        let mut tx = self.svc.db().begin().await?;
        let seq = store::next_seq(&mut tx, code, year).await?;
        store::insert_ledger(
            &mut tx,
            code,
            year,
            seq,
            "reserved",
            None,
            Some(reason),
            post,
            ms(now),
        )
        .await?;
        let number = format!("{code}〔{year}〕{seq}号");
        events::record(
            &mut tx,
            &audit(actor),
            "documents.number_reserved",
            Some(format!("number:{number}")),
            serde_json::json!({ "number": number, "reason": reason }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Voids a number (作废): it stays in the ledger with its reason and is never given again.
    /// A document holding it loses it and is numbered anew at its next 登记.
    pub async fn void(
        &self,
        keeper: &LedgerKeeperCap<'_>,
        code: &str,
        year: i64,
        seq: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        keeper.check_code(code)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请写明作废原因"));
        }
        let actor = keeper.actor;
        let post = actor.post.as_ref().map_or(0, |p| p.id);
        let mut tx = self.svc.db().begin().await?;
        let row = store::ledger_row(&mut tx, code, year, seq)
            .await
            .map_err(ServiceError::missing("文号"))?;
        if row.state == "voided" {
            return Err(ServiceError::Conflict {
                code: "documents.number_voided",
                message: "该文号已作废".into(),
            });
        }
        if let Some(doc) = row.document_id {
            let d = store::find_document_tx(&mut tx, doc).await?;
            if d.status == "dispatched" {
                return Err(ServiceError::Conflict {
                    code: "documents.dispatched",
                    message: "该文号的公文已核发，不能作废".into(),
                });
            }
            store::clear_number(&mut tx, doc, ms(now)).await?;
        }
        store::set_ledger_state(
            &mut tx,
            code,
            year,
            seq,
            "voided",
            None,
            Some(reason),
            post,
            ms(now),
        )
        .await?;
        events::record(
            &mut tx,
            &audit(actor),
            "documents.number_voided",
            Some(format!("number:{code}〔{year}〕{seq}号")),
            serde_json::json!({ "reason": reason, "document_id": row.document_id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
