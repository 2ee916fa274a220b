//! 拟稿: a 发文 drafted by a post of an office, saved (a new version when its text changed; a
//! change of substance after 签发 goes back to the signer), and submitted to its process with
//! the signer and countersigners chosen from those offered.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::documents::{DocKind, Format, Recipient, Urgency, text};
use xn_domain::flow::{Fields, Value};
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;
use xn_store::documents::{self as store, DocumentRow, Elements};

use super::{Documents, PostChoice, audit, json_list};
use crate::events;
use crate::flow::{IdempotencyKey, StartCase};
use crate::{Actor, Result, ServiceError, ms, require};

/// What a drafter writes: every element a person enters (the rest — number, dates of
/// sign-off, the seal — the process gives).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DraftInput {
    /// 文种 code (`notice`, `request`, …).
    pub kind: String,
    /// Layout format code (`file`, `letter`, `order`, `minutes`); default by kind.
    #[serde(default)]
    pub format: Option<String>,
    /// 标题.
    pub title: String,
    /// 机关代字 (e.g. 东政办发); default: the issuing unit's code + 发 (函 for letters).
    #[serde(default)]
    pub issuer_code: Option<String>,
    /// 份数.
    #[serde(default)]
    pub copies: Option<i64>,
    /// 密级 code (`public`, `secret`, `confidential`, `top_secret`).
    #[serde(default)]
    pub classification: Option<String>,
    /// 保密期限, e.g. 10年.
    #[serde(default)]
    pub secrecy_term: Option<String>,
    /// 紧急程度 code (`urgent` 加急, `very_urgent` 特急).
    #[serde(default)]
    pub urgency: Option<String>,
    /// Further issuing units of a joint document (联合行文), after the drafter's own.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub joint_issuers: Vec<Recipient>,
    /// 签发人 as printed (required on upward documents).
    #[serde(default)]
    pub signers: Vec<String>,
    /// 主送机关.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub main_recipients: Vec<Recipient>,
    /// 抄送机关.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub copy_recipients: Vec<Recipient>,
    /// 发文机关署名; default: the issuers' names.
    #[serde(default)]
    pub signature: Option<String>,
    /// 附注.
    #[serde(default)]
    pub note: Option<String>,
    /// 印发机关; default: the issuing office.
    #[serde(default)]
    pub printer: Option<String>,
    /// Whether it is sealed (纪要: never).
    #[serde(default = "yes")]
    pub seal: bool,
    /// 正文.
    #[serde(default)]
    pub body: String,
    /// A note on this version (修改说明).
    #[serde(default)]
    pub version_note: Option<String>,
}

fn yes() -> bool {
    true
}

/// What the drafter chooses when submitting: who signs off and who countersigns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SubmitInput {
    /// The proposed signer (签发人), one of [`Documents::signoff_candidates`].
    pub signoff_post: i64,
    /// Posts of other units that countersign (会签), if any.
    #[serde(default)]
    pub countersign_posts: Vec<i64>,
}

/// The elements after checking the input, ready to store.
struct Checked {
    kind: DocKind,
    format: Format,
    title: String,
    issuer_code: String,
    copies: Option<i64>,
    classification: Clearance,
    secrecy_term: Option<String>,
    urgency: Option<Urgency>,
    issuers: Vec<Recipient>,
    signers: Vec<String>,
    main: Vec<Recipient>,
    copy: Vec<Recipient>,
    signature: String,
    note: Option<String>,
    printer: String,
    seal: bool,
    body: String,
}

fn clean(s: Option<&String>) -> Option<String> {
    s.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty())
}

impl Documents<'_> {
    async fn check_draft(
        &self,
        tx: &mut Tx,
        actor_post: i64,
        input: &DraftInput,
    ) -> Result<(i64, Checked)> {
        let kind = DocKind::from_code(input.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "请选择文种"))?;
        let format = match input
            .format
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(f) => Format::from_code(f).ok_or_else(|| {
                ServiceError::invalid("format", "版式只能是文件、信函、命令或纪要")
            })?,
            None => kind.default_format(),
        };
        let title = input.title.trim().to_owned();
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写标题"));
        }
        if title.chars().count() > 200 {
            return Err(ServiceError::invalid("title", "标题不能超过 200 字"));
        }
        if input.body.chars().count() > 100_000 {
            return Err(ServiceError::invalid("body", "正文不能超过 10 万字"));
        }
        let classification = match input.classification.as_deref().map(str::trim) {
            None | Some("") => Clearance::Public,
            Some(c) => Clearance::ALL
                .into_iter()
                .find(|x| x.code() == c)
                .ok_or_else(|| ServiceError::invalid("classification", "密级无效"))?,
        };
        let secrecy_term = clean(input.secrecy_term.as_ref());
        if classification == Clearance::Public && secrecy_term.is_some() {
            return Err(ServiceError::invalid(
                "secrecy_term",
                "非密文件不标保密期限",
            ));
        }
        let urgency = match input.urgency.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) => Some(
                Urgency::from_code(u)
                    .ok_or_else(|| ServiceError::invalid("urgency", "紧急程度无效"))?,
            ),
        };
        if let Some(c) = input.copies
            && !(1..=999_999).contains(&c)
        {
            return Err(ServiceError::invalid("copies", "份数应在 1 至 999999 之间"));
        }
        let (unit, unit_name, unit_code) = self.svc.issuing_unit(tx, actor_post).await?;
        let issuer_code = match clean(input.issuer_code.as_ref()) {
            Some(c) => {
                xn_domain::documents::numbering::check_code(&c)
                    .map_err(|m| ServiceError::invalid("issuer_code", m))?;
                c
            }
            None => format!(
                "{unit_code}{}",
                if kind == DocKind::Letter {
                    "函"
                } else {
                    "发"
                }
            ),
        };
        let mut issuers = vec![Recipient {
            unit_id: Some(unit),
            name: unit_name.clone(),
        }];
        for r in &input.joint_issuers {
            issuers.push(self.check_recipient(tx, r).await?);
        }
        let mut main = Vec::new();
        for r in &input.main_recipients {
            main.push(self.check_recipient(tx, r).await?);
        }
        let mut copy = Vec::new();
        for r in &input.copy_recipients {
            copy.push(self.check_recipient(tx, r).await?);
        }
        let signature = clean(input.signature.as_ref()).unwrap_or_else(|| {
            issuers
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
                .join("　")
        });
        let signers: Vec<String> = input
            .signers
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        Ok((
            unit,
            Checked {
                kind,
                format,
                title,
                issuer_code,
                copies: input.copies,
                classification,
                secrecy_term,
                urgency,
                issuers,
                signers,
                main,
                copy,
                signature,
                note: clean(input.note.as_ref()),
                printer: clean(input.printer.as_ref()).unwrap_or(unit_name),
                seal: input.seal && kind != DocKind::Minutes,
                body: text::normalize(&input.body),
            },
        ))
    }

    /// A recipient as entered: a unit of xiaoneng (its name taken from the unit) or a name.
    async fn check_recipient(&self, tx: &mut Tx, r: &Recipient) -> Result<Recipient> {
        match r.unit_id {
            Some(u) => {
                let (_, kind, name, code) =
                    xn_store::org::unit_brief(tx, u)
                        .await
                        .map_err(ServiceError::missing_input(
                            "recipients",
                            format!("单位 {u} 不存在"),
                        ))?;
                let organ = kind
                    .parse()
                    .is_ok_and(|k| xn_domain::org::issues_documents(k, code.as_deref()));
                if !organ {
                    return Err(ServiceError::invalid(
                        "recipients",
                        format!(
                            "「{name}」不是设有机关代字的政府、办公厅（室）或部门，不能作为收文单位"
                        ),
                    ));
                }
                Ok(Recipient {
                    unit_id: Some(u),
                    name,
                })
            }
            None => {
                let name = r.name.trim();
                if name.is_empty() || name.chars().count() > 100 {
                    return Err(ServiceError::invalid(
                        "recipients",
                        "收文单位名称不能为空，且不超过 100 字",
                    ));
                }
                Ok(Recipient {
                    unit_id: None,
                    name: name.to_owned(),
                })
            }
        }
    }

    /// Creates a draft 发文 of the acting post's office; returns its id.
    pub async fn draft(
        &self,
        actor: &Actor,
        input: &DraftInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.svc.db().begin().await?;
        let id = self.draft_in(&mut tx, actor, input, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The same inside the caller's transaction (a meeting's 纪要 is drafted with its own
    /// rows, or not at all).
    pub(crate) async fn draft_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        input: &DraftInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let (unit, c) = self.check_draft(tx, post.id, input).await?;
        let (issuers, signers, main, copy) = (
            json_list(&c.issuers),
            json_list(&c.signers),
            json_list(&c.main),
            json_list(&c.copy),
        );
        let id = store::insert_document(
            tx,
            &store::NewDocument {
                direction: "outgoing",
                unit_id: unit,
                elements: elements(&c, &issuers, &signers, &main, &copy, "[]"),
                status: "drafting",
                post_id: post.id,
                source_document_id: None,
                sender_name: None,
                sender_number: None,
                written_on: None,
            },
            ms(now),
        )
        .await?;
        self.svc
            .save_version(
                tx,
                id,
                &c.title,
                &c.body,
                post.id,
                actor.person_id,
                input.version_note.as_deref(),
                ms(now),
            )
            .await?;
        self.svc.index_document(tx, id).await?;
        events::record(
            tx,
            &audit(actor),
            "documents.drafted",
            Some(format!("document:{id}")),
            serde_json::json!({ "title": c.title, "kind": c.kind.code() }),
            now,
        )
        .await?;
        Ok(id)
    }

    /// Saves a draft: the elements, and the text as a new version when it changed. After
    /// 签发, a change of substance sends the document back to its signer (复审).
    pub async fn save(
        &self,
        actor: &Actor,
        id: i64,
        input: &DraftInput,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        let doc = store::find_document_tx(&mut tx, id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        if doc.direction != "outgoing" {
            return Err(ServiceError::invalid("id", "收文不能修改"));
        }
        if doc.status == "dispatched" {
            return Err(ServiceError::Conflict {
                code: "documents.dispatched",
                message: "公文已核发，不能再修改；如需更正请另行发文".into(),
            });
        }
        let holders = self.document_editors(&mut tx, &doc).await?;
        if !holders.contains(&post.id) {
            return Err(ServiceError::Forbidden(
                "只有拟稿人或正在办理该公文的人员可以修改".into(),
            ));
        }
        let (_, c) = self
            .check_draft(&mut tx, doc.created_post_id, input)
            .await?;
        if doc.doc_number.is_some() && c.issuer_code != doc.issuer_code.clone().unwrap_or_default()
        {
            return Err(ServiceError::invalid(
                "issuer_code",
                "已编号的公文不能更改机关代字；如需更改请先作废文号",
            ));
        }
        let (issuers, signers, main, copy) = (
            json_list(&c.issuers),
            json_list(&c.signers),
            json_list(&c.main),
            json_list(&c.copy),
        );
        store::update_elements(
            &mut tx,
            id,
            &elements(&c, &issuers, &signers, &main, &copy, &doc.attachment_names),
            ms(now),
        )
        .await?;
        let changed =
            text::differs(&self.svc.document_body(id, &doc.body)?, &c.body) || doc.title != c.title;
        let mut version = None;
        if changed {
            version = Some(
                self.svc
                    .save_version(
                        &mut tx,
                        id,
                        &c.title,
                        &c.body,
                        post.id,
                        actor.person_id,
                        input.version_note.as_deref(),
                        ms(now),
                    )
                    .await?,
            );
        }
        self.svc.index_document(&mut tx, id).await?;
        tx.commit().await?;
        // A substantive change after sign-off goes back to the signer (复审), as one recorded
        // return of the current step.
        if changed
            && doc.signed_off_at.is_some()
            && let Some(case_id) = doc.case_id
        {
            self.send_back_to_signer(actor, case_id, now).await?;
        }
        Ok(version)
    }

    /// Returns the case to 签发 from the step the actor holds (复审).
    async fn send_back_to_signer(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let detail = self.svc.case_detail(actor, case_id, now).await?;
        let Some(task) = detail.my_tasks.first().map(|t| t.task_no) else {
            return Ok(());
        };
        self.svc
            .act(
                actor,
                case_id,
                None,
                xn_domain::flow::Action::Return {
                    task,
                    target: xn_domain::flow::ReturnTarget::Step {
                        step: "signoff".into(),
                    },
                    opinion: "签发后正文有实质性修改，退回签发人复审".into(),
                    jump_back: false,
                },
                None,
                now,
            )
            .await?;
        Ok(())
    }

    /// Who may edit a document now: the drafter before submission or when it is back with
    /// them; otherwise whoever holds an open step of its case.
    pub(super) async fn document_editors(
        &self,
        tx: &mut Tx,
        doc: &DocumentRow,
    ) -> Result<Vec<i64>> {
        let Some(case_id) = doc.case_id else {
            return Ok(vec![doc.created_post_id]);
        };
        let case = xn_store::flow::lock_case(tx, case_id).await?;
        let state: xn_domain::flow::CaseState = crate::flow::stored::decode(&case.state)?;
        let mut out: Vec<i64> = state
            .tasks
            .iter()
            .filter(|t| t.state.is_pending())
            .map(|t| t.post)
            .collect();
        if case.status == "closed" {
            out.clear();
        }
        Ok(out)
    }

    /// Refuses a signer or countersigner whose post is cleared below the document's 密级: the
    /// task would go to someone who cannot open the document (issue 17, finding 4). The error
    /// names the step and the holder; it comes before anything is written.
    async fn check_holders_cleared(&self, doc: &DocumentRow, input: &SubmitInput) -> Result<()> {
        let level: Clearance = doc
            .classification
            .parse()
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("document {}: {e}", doc.id)))?;
        let named = std::iter::once(("签发", "signoff_post", input.signoff_post)).chain(
            input
                .countersign_posts
                .iter()
                .map(|p| ("会签", "countersign_posts", *p)),
        );
        for (step, field, p) in named {
            let holder = xn_store::org::find_post(self.svc.db(), p).await.map_err(
                ServiceError::missing_input(field, format!("岗位 {p} 不存在")),
            )?;
            let cleared: Clearance = holder
                .clearance
                .parse()
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("post {p}: {e}")))?;
            if !cleared.may_see(level) {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "「{step}」的办理人{}（{}）涉密等级为{}，低于公文密级{}，不能办理此文；本次未提交",
                        holder.person_name,
                        holder.position_name,
                        cleared.label(),
                        level.label()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuses the draft form to a post that may not draft (an administrator's: 三员 do no
    /// business work), as [`Documents::draft`] refuses the draft itself.
    pub fn check_may_draft(&self, actor: &Actor) -> Result<()> {
        require(actor, Permission::FlowWork)
    }

    /// Submits a draft: starts its 发文 process with the chosen signer and countersigners.
    pub async fn submit(
        &self,
        actor: &Actor,
        id: i64,
        input: &SubmitInput,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let doc = store::find_document(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("公文"))?;
        if doc.created_post_id != post.id {
            return Err(ServiceError::Forbidden("只有拟稿人可以提交".into()));
        }
        if let Some(done) = self.svc.answered(actor, idem.as_ref()).await? {
            return Ok(done.case_id);
        }
        if doc.case_id.is_some() {
            return Err(ServiceError::Conflict {
                code: "documents.submitted",
                message: "该公文已提交，请在办理页面继续办理".into(),
            });
        }
        let candidates = self.signoff_candidates(actor).await?;
        if !candidates.iter().any(|c| c.post_id == input.signoff_post) {
            return Err(ServiceError::invalid(
                "signoff_post",
                "请从本机关及上级政府的领导中选择签发人",
            ));
        }
        if input.countersign_posts.contains(&post.id) {
            return Err(ServiceError::invalid(
                "countersign_posts",
                "会签人不能是拟稿人本人",
            ));
        }
        self.check_holders_cleared(&doc, input).await?;
        let mut tx = self.svc.db().begin().await?;
        for p in &input.countersign_posts {
            if xn_store::flow::post_unit(&mut tx, *p).await?.is_none() {
                return Err(ServiceError::invalid(
                    "countersign_posts",
                    format!("会签岗位 {p} 不存在"),
                ));
            }
        }
        let registry = store::registry_of(&mut tx, doc.unit_id).await?;
        tx.commit().await?;
        let mut fields = Fields::new();
        fields.insert("document_id".into(), Value::Int(id));
        fields.insert(
            "has_countersign".into(),
            Value::Bool(!input.countersign_posts.is_empty()),
        );
        fields.insert(
            "countersign_posts".into(),
            Value::List(
                input
                    .countersign_posts
                    .iter()
                    .map(|p| Value::Int(*p))
                    .collect(),
            ),
        );
        fields.insert(
            "signoff_post".into(),
            Value::List(vec![Value::Int(input.signoff_post)]),
        );
        fields.insert("registry_unit".into(), Value::Int(registry));
        let out = self
            .svc
            .start_area_case(
                actor,
                StartCase {
                    process: "outgoing_document".into(),
                    title: doc.title.clone(),
                    body: String::new(),
                    fields,
                    choices: BTreeMap::new(),
                    attachments: Vec::new(),
                },
                Some(id),
                idem,
                now,
            )
            .await?;
        Ok(out.case_id)
    }

    /// The posts that may sign off a document of the actor's office: the office's director and
    /// deputies, and the leaders of the government above it.
    pub async fn signoff_candidates(&self, actor: &Actor) -> Result<Vec<PostChoice>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        let (unit, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let mut posts =
            store::posts_in(&mut tx, unit, &["leader", "director", "deputy_director"]).await?;
        let (parent, _, _, _) = xn_store::org::unit_brief(&mut tx, unit).await?;
        if let Some(p) = parent {
            let (_, kind, _, _) = xn_store::org::unit_brief(&mut tx, p).await?;
            if kind == "government" {
                posts.extend(store::posts_in(&mut tx, p, &["leader"]).await?);
            }
        }
        tx.commit().await?;
        self.svc.post_choices(&posts).await
    }

    /// The posts that may countersign (会签) a document of the actor's office: the chiefs of
    /// the office's other sections, and the heads of the offices of the bureaus beside it.
    pub async fn countersign_candidates(&self, actor: &Actor) -> Result<Vec<PostChoice>> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin().await?;
        let (office, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        let mut posts = Vec::new();
        for s in store::child_units(&mut tx, office).await? {
            if s != post.unit_id {
                posts.extend(store::posts_in(&mut tx, s, &["section_chief"]).await?);
            }
        }
        let (parent, _, _, _) = xn_store::org::unit_brief(&mut tx, office).await?;
        if let Some(gov) = parent {
            for b in store::child_units(&mut tx, gov).await? {
                let (_, kind, _, _) = xn_store::org::unit_brief(&mut tx, b).await?;
                if kind == "bureau" {
                    for s in store::child_units(&mut tx, b).await? {
                        posts.extend(store::posts_in(&mut tx, s, &["director"]).await?);
                    }
                }
            }
        }
        tx.commit().await?;
        self.svc.post_choices(&posts).await
    }
}

fn elements<'a>(
    c: &'a Checked,
    issuers: &'a str,
    signers: &'a str,
    main: &'a str,
    copy: &'a str,
    attachments: &'a str,
) -> Elements<'a> {
    Elements {
        kind: c.kind.code(),
        format: c.format.code(),
        title: &c.title,
        issuer_code: Some(&c.issuer_code),
        copies: c.copies,
        classification: c.classification.code(),
        secrecy_term: c.secrecy_term.as_deref(),
        urgency: c.urgency.map(Urgency::code),
        issuers,
        signers,
        main_recipients: main,
        copy_recipients: copy,
        attachment_names: attachments,
        signature: &c.signature,
        note: c.note.as_deref(),
        printer: Some(&c.printer),
        seal: c.seal,
    }
}
