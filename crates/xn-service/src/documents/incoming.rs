//! 收文登记 by hand: a paper or outside document registered as incoming at the office by its
//! registry clerk (文电科 / 秘书股), numbered at once (收文号), its 收文 process started at 初审;
//! and the fields every incoming case carries (the registry section, the leaders and handlers
//! it may go to), which the exchange at 核发 fills in too.
//!
//! Registration is one transaction: the document, its 收文号 and its case are written together
//! or not at all, so a refusal anywhere consumes no number.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::documents::{DocKind, Urgency, text};
use xn_domain::flow::engine::business_date;
use xn_domain::flow::{Fields, Value};
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;
use xn_store::documents::{self as store, Elements};

use super::Documents;
use crate::flow::{ActorRef, StartCase};
use crate::{Actor, Result, ServiceError, Services, ms, require};

/// The longest 来文单位, in characters.
pub const MAX_SENDER_CHARS: usize = 100;
/// The longest 来文文号, in characters.
pub const MAX_SENDER_NUMBER_CHARS: usize = 50;
/// The longest title, in characters (as for a draft).
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest summary or text, in characters (as for a draft).
pub const MAX_BODY_CHARS: usize = 100_000;
/// The most copies a register line records.
pub const MAX_COPIES: i64 = 9_999;

/// A paper (or outside) document registered by hand as incoming.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ManualIncoming {
    /// 来文单位 (at most 100 characters).
    pub sender_name: String,
    /// 来文文号 (e.g. 东交发〔2026〕31号).
    #[serde(default)]
    pub sender_number: Option<String>,
    /// 标题 (at most 200 characters).
    pub title: String,
    /// 文种 code.
    pub kind: String,
    /// 密级 code: `public`, `secret`, `confidential` or `top_secret`; absent means 非密.
    #[serde(default)]
    pub classification: Option<String>,
    /// 紧急程度 code.
    #[serde(default)]
    pub urgency: Option<String>,
    /// 份数 (1–9999).
    #[serde(default)]
    pub copies: Option<i64>,
    /// 成文日期 (YYYY-MM-DD), not after today.
    #[serde(default)]
    pub written_on: Option<String>,
    /// A summary or the text (at most 100,000 characters).
    #[serde(default)]
    pub body: String,
}

/// The registry clerk's right: to register a paper or outside document as incoming at the
/// office and take a 收文号 from its register. Made only by [`Documents::as_registry_clerk`],
/// for a post of the office's registry section (文电科 / 秘书股; the office itself when it has
/// no such section); it holds the actor, the office and the section.
#[derive(Debug)]
pub struct RegistryClerkCap<'a> {
    actor: &'a Actor,
    office: i64,
    registry: i64,
}

impl RegistryClerkCap<'_> {
    /// The office whose register the clerk keeps.
    pub fn office(&self) -> i64 {
        self.office
    }
}

/// A registration's fields, checked.
struct Checked<'i> {
    sender: &'i str,
    sender_number: Option<&'i str>,
    title: &'i str,
    kind: DocKind,
    classification: Clearance,
    urgency: Option<Urgency>,
    copies: Option<i64>,
    written_on: Option<NaiveDate>,
}

fn too_long(field: &'static str, what: &str, max: usize) -> ServiceError {
    ServiceError::invalid(field, format!("{what}不能超过 {max} 字"))
}

/// Checks every field of a registration, naming the first that is wrong; the clerk's own
/// clearance must reach the document's 密级 (the clerk enters its text).
fn check<'i>(
    input: &'i ManualIncoming,
    clearance: Clearance,
    today: NaiveDate,
) -> Result<Checked<'i>> {
    let sender = input.sender_name.trim();
    if sender.is_empty() {
        return Err(ServiceError::invalid("sender_name", "请填写来文单位"));
    }
    if sender.chars().count() > MAX_SENDER_CHARS {
        return Err(too_long("sender_name", "来文单位", MAX_SENDER_CHARS));
    }
    let sender_number = input
        .sender_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = sender_number {
        if n.chars().count() > MAX_SENDER_NUMBER_CHARS {
            return Err(too_long(
                "sender_number",
                "来文文号",
                MAX_SENDER_NUMBER_CHARS,
            ));
        }
        xn_domain::documents::numbering::DocNumber::parse(n)
            .map_err(|e| ServiceError::invalid("sender_number", e.to_string()))?;
    }
    let title = input.title.trim();
    if title.is_empty() {
        return Err(ServiceError::invalid("title", "请填写标题"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(too_long("title", "标题", MAX_TITLE_CHARS));
    }
    let kind = DocKind::from_code(input.kind.trim())
        .ok_or_else(|| ServiceError::invalid("kind", "请选择文种"))?;
    let classification = match input
        .classification
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => Clearance::Public,
        Some(code) => code.parse::<Clearance>().map_err(|_| {
            ServiceError::invalid("classification", "密级应为非密、秘密、机密或绝密")
        })?,
    };
    if !clearance.may_see(classification) {
        return Err(ServiceError::invalid(
            "classification",
            format!(
                "该公文密级为{}，超出您的知悉范围，请交有相应知悉范围的人员登记",
                classification.label()
            ),
        ));
    }
    let urgency = match input
        .urgency
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => None,
        Some(code) => Some(
            Urgency::from_code(code)
                .ok_or_else(|| ServiceError::invalid("urgency", "紧急程度应为特急、加急或不填"))?,
        ),
    };
    if let Some(c) = input.copies
        && !(1..=MAX_COPIES).contains(&c)
    {
        return Err(ServiceError::invalid(
            "copies",
            format!("份数应为 1 至 {MAX_COPIES} 的整数"),
        ));
    }
    let written_on = match input
        .written_on
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => {
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ServiceError::invalid("written_on", "成文日期格式应为 2026-11-26"))?;
            if date > today {
                return Err(ServiceError::invalid("written_on", "成文日期不能晚于今天"));
            }
            Some(date)
        }
    };
    if input.body.chars().count() > MAX_BODY_CHARS {
        return Err(ServiceError::invalid("body", "正文不能超过 10 万字"));
    }
    Ok(Checked {
        sender,
        sender_number,
        title,
        kind,
        classification,
        urgency,
        copies: input.copies,
        written_on,
    })
}

impl Documents<'_> {
    /// The registry clerk's right, for a post of the office's registry section (文电科 /
    /// 秘书股); refused to anyone else, the office's other sections and its leaders included.
    pub async fn as_registry_clerk<'b>(&self, actor: &'b Actor) -> Result<RegistryClerkCap<'b>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin_read().await?;
        let (office, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let registry = store::registry_of(&mut tx, office).await?;
        let (own, _) = xn_store::flow::post_unit(&mut tx, post.id)
            .await?
            .ok_or(ServiceError::NotFound("身份"))?;
        drop(tx);
        if own != registry {
            return Err(ServiceError::Forbidden(
                "收文登记由本机关文电（秘书）部门办理".into(),
            ));
        }
        Ok(RegistryClerkCap {
            actor,
            office,
            registry,
        })
    }

    /// Registers a paper or outside document as incoming at the clerk's office (收文登记 by
    /// hand): numbered at once, and its 收文 process starts at 初审, in one transaction.
    pub async fn register_incoming(
        &self,
        clerk: &RegistryClerkCap<'_>,
        input: &ManualIncoming,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let post = clerk
            .actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let c = check(input, post.clearance, business_date(now))?;
        let me = ActorRef::of(clerk.actor)?;
        let written_on = c.written_on.map(|d| d.to_string());
        let unit = clerk.office;
        let mut tx = self.svc.db().begin().await?;
        let doc = store::insert_document(
            &mut tx,
            &store::NewDocument {
                direction: "incoming",
                unit_id: unit,
                elements: Elements {
                    kind: c.kind.code(),
                    format: c.kind.default_format().code(),
                    title: c.title,
                    issuer_code: None,
                    copies: c.copies,
                    classification: c.classification.code(),
                    secrecy_term: None,
                    urgency: c.urgency.map(Urgency::code),
                    issuers: "[]",
                    signers: "[]",
                    main_recipients: "[]",
                    copy_recipients: "[]",
                    attachment_names: "[]",
                    signature: c.sender,
                    note: None,
                    printer: None,
                    seal: true,
                },
                status: "registered",
                post_id: post.id,
                source_document_id: None,
                sender_name: Some(c.sender),
                sender_number: c.sender_number,
                written_on: written_on.as_deref(),
            },
            ms(now),
        )
        .await?;
        self.svc
            .set_document_body(&mut tx, doc, &text::normalize(&input.body))
            .await?;
        self.svc
            .allocate_received_number(&mut tx, doc, unit, now)
            .await?;
        store::mark_received(&mut tx, doc, ms(now)).await?;
        store::set_status(&mut tx, doc, "registered", ms(now)).await?;
        self.svc.index_document(&mut tx, doc).await?;
        let fields = self
            .svc
            .incoming_fields_tx(&mut tx, doc, clerk.registry, "manual")
            .await?;
        self.svc
            .start_in_tx(
                &mut tx,
                &me,
                None,
                &StartCase {
                    process: "incoming_document".into(),
                    title: c.title.to_owned(),
                    body: String::new(),
                    fields,
                    choices: BTreeMap::new(),
                    attachments: Vec::new(),
                },
                Some(doc),
                None,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(doc)
    }
}

impl Services {
    /// The fields of an incoming case: where it came from, the registry section, and the
    /// leaders and handlers that may be chosen.
    pub(crate) async fn incoming_fields_tx(
        &self,
        tx: &mut Tx,
        doc: i64,
        registry: i64,
        source: &str,
    ) -> Result<Fields> {
        // The office above the registry section, and the government above that.
        let (office, _, _, _) = xn_store::org::unit_brief(tx, registry).await?;
        let office = office.unwrap_or(registry);
        let (gov, _, _, _) = xn_store::org::unit_brief(tx, office).await?;
        let mut leaders = store::posts_in(tx, office, &["director", "deputy_director"]).await?;
        if let Some(g) = gov {
            leaders.extend(store::posts_in(tx, g, &["leader"]).await?);
        }
        let mut handlers = Vec::new();
        let sections: Vec<i64> = store::child_units(tx, office).await?;
        for s in sections {
            handlers
                .extend(store::posts_in(tx, s, &["section_chief", "deputy_section_chief"]).await?);
        }
        handlers.extend(store::posts_in(tx, office, &["deputy_director"]).await?);
        let ints = |v: &[i64]| Value::List(v.iter().map(|p| Value::Int(*p)).collect());
        let mut f = Fields::new();
        f.insert("document_id".into(), Value::Int(doc));
        f.insert("source".into(), Value::Text(source.into()));
        f.insert("registry_unit".into(), Value::Int(registry));
        f.insert("leader_candidates".into(), ints(&leaders));
        f.insert("handler_candidates".into(), ints(&handlers));
        Ok(f)
    }
}
