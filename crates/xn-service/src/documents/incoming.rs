//! 收文登记 by hand: a paper or outside document registered as incoming at the actor's unit,
//! numbered at once (收文号), its 收文 process started at 初审; and the fields every incoming
//! case carries (the registry section, the leaders and handlers it may go to), which the
//! exchange at 核发 fills in too.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::documents::{DocKind, Urgency, text};
use xn_domain::flow::{Fields, Value};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::documents::{self as store, Elements};

use super::Documents;
use crate::flow::StartCase;
use crate::{Actor, Result, ServiceError, Services, ms, require};

/// A paper (or outside) document registered by hand as incoming.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ManualIncoming {
    /// 来文单位.
    pub sender_name: String,
    /// 来文文号.
    #[serde(default)]
    pub sender_number: Option<String>,
    /// 标题.
    pub title: String,
    /// 文种 code.
    pub kind: String,
    /// 密级 code.
    #[serde(default)]
    pub classification: Option<String>,
    /// 紧急程度 code.
    #[serde(default)]
    pub urgency: Option<String>,
    /// 份数.
    #[serde(default)]
    pub copies: Option<i64>,
    /// 成文日期 (YYYY-MM-DD).
    #[serde(default)]
    pub written_on: Option<String>,
    /// A summary or the text.
    #[serde(default)]
    pub body: String,
}

impl Documents<'_> {
    /// Registers a paper or outside document as incoming at the actor's unit (收文登记 by
    /// hand): numbered at once, and its 收文 process starts at 初审.
    pub async fn register_incoming(
        &self,
        actor: &Actor,
        input: &ManualIncoming,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let sender = input.sender_name.trim();
        if sender.is_empty() {
            return Err(ServiceError::invalid("sender_name", "请填写来文单位"));
        }
        let title = input.title.trim();
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写标题"));
        }
        let kind = DocKind::from_code(input.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "请选择文种"))?;
        if let Some(n) = input
            .sender_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            xn_domain::documents::numbering::DocNumber::parse(n)
                .map_err(|e| ServiceError::invalid("sender_number", e.to_string()))?;
        }
        if let Some(d) = input.written_on.as_deref().filter(|d| !d.is_empty()) {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ServiceError::invalid("written_on", "成文日期格式应为 2026-11-26"))?;
        }
        let mut tx = self.svc.db().begin().await?;
        let (unit, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let registry = store::registry_of(&mut tx, unit).await?;
        let classification = input
            .classification
            .clone()
            .unwrap_or_else(|| "public".into());
        let doc = store::insert_document(
            &mut tx,
            &store::NewDocument {
                direction: "incoming",
                unit_id: unit,
                elements: Elements {
                    kind: kind.code(),
                    format: kind.default_format().code(),
                    title,
                    issuer_code: None,
                    copies: input.copies,
                    classification: &classification,
                    secrecy_term: None,
                    urgency: input
                        .urgency
                        .as_deref()
                        .filter(|u| Urgency::from_code(u).is_some()),
                    issuers: "[]",
                    signers: "[]",
                    main_recipients: "[]",
                    copy_recipients: "[]",
                    attachment_names: "[]",
                    signature: sender,
                    note: None,
                    printer: None,
                    seal: true,
                },
                status: "registered",
                post_id: post.id,
                source_document_id: None,
                sender_name: Some(sender),
                sender_number: input
                    .sender_number
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty()),
                written_on: input.written_on.as_deref().filter(|d| !d.is_empty()),
                body: &text::normalize(&input.body),
            },
            ms(now),
        )
        .await?;
        self.svc
            .allocate_received_number(&mut tx, doc, unit, now)
            .await?;
        store::mark_received(&mut tx, doc, ms(now)).await?;
        store::set_status(&mut tx, doc, "registered", ms(now)).await?;
        self.svc.index_document(&mut tx, doc).await?;
        tx.commit().await?;
        let fields = self.svc.incoming_fields(doc, registry, "manual").await?;
        self.svc
            .start_area_case(
                actor,
                StartCase {
                    process: "incoming_document".into(),
                    title: title.to_owned(),
                    body: String::new(),
                    fields,
                    choices: BTreeMap::new(),
                },
                Some(doc),
                None,
                now,
            )
            .await?;
        Ok(doc)
    }
}

impl Services {
    /// The fields of an incoming case: where it came from, the registry section, and the
    /// leaders and handlers that may be chosen.
    pub(crate) async fn incoming_fields(
        &self,
        doc: i64,
        registry: i64,
        source: &str,
    ) -> Result<Fields> {
        let mut tx = self.db().begin().await?;
        let fields = self
            .incoming_fields_tx(&mut tx, doc, registry, source)
            .await?;
        tx.commit().await?;
        Ok(fields)
    }

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
