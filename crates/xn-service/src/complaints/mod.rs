//! 效能投诉: complaints about slowness or misconduct in handling an item, investigated on the
//! flow engine by the supervising section (督查科 / 督查股) of the office of the government
//! concerned, whose finding counts against a unit and a post.
//!
//! A complaint is a row of `efficiency_complaints` (migration 0036) and a case of
//! `processes/efficiency_complaint.toml` (kind `complaint`), started together when it is
//! filed: by a signed-in person about an item they can see or about a unit (and post), by a
//! county office against a city section the same way, or by the public on `/public/complaint`
//! (the service form's challenge and a limit per address). The case belongs to the section: its
//! first post is the case's owner and all its posts hold 核查, 认定 and 反馈 (或签); 整改 is
//! held by the chiefs of the unit an upheld finding names. 认定 names that unit and post, which
//! a decision cannot carry, so it is done on the complaint's own form (also shown on the 办理
//! page), which writes the finding and completes the step in one transaction; the hook
//! (`hooks.rs`) refuses 认定 done any other way and keeps the row in step with the case.
//!
//! The front door is [`Complaints`] (`services.complaints()`); `views.rs` holds the list, a
//! complaint's page, the 办理 page's part and the public status; `demo.rs` the demo's
//! complaints.

mod demo;
pub(crate) mod hooks;
mod views;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::complaints::{Channel, ComplaintKind, Finding};
use xn_domain::flow::{Action, Fields, Value};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::complaints::{self as store, Against, NewComplaint as NewRow};

use crate::events::Audit;
use crate::flow::{ActorRef, StartCase};
use crate::service::bounded;
use crate::{Actor, Result, ServiceError, Services, ms, require};

pub use views::{
    ComplaintDesk, ComplaintLine, ComplaintView, HistoryLine, ListView, PostChoice, PublicStatus,
    UnitCount,
};

/// 效能投诉's front door: `services.complaints()`.
#[derive(Clone, Copy)]
pub struct Complaints<'a> {
    svc: &'a Services,
}

impl Services {
    /// The complaints area (效能投诉).
    pub fn complaints(&self) -> Complaints<'_> {
        Complaints { svc: self }
    }
}

/// A complaint filed by a signed-in person.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewComplaint {
    /// 投诉类别: `delay` (办事拖延), `buck_passing` (推诿扯皮), `attitude` (态度生硬),
    /// `irregular` (违规办理), `other`.
    pub kind: String,
    /// The item (case) complained about, one the complainant can see.
    #[serde(default)]
    pub case_id: Option<i64>,
    /// The unit complained about (when no item is named).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The post complained about (optional; a post of that unit).
    #[serde(default)]
    pub post_id: Option<i64>,
    /// What happened (10–2000 characters).
    pub description: String,
}

/// A complaint from the public form.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PublicComplaint {
    /// 投诉类别 code.
    pub kind: String,
    /// 姓名.
    pub name: String,
    /// 联系电话.
    pub phone: String,
    /// The 服务事项 查询码 the service form gave (optional).
    #[serde(default)]
    pub service_code: String,
    /// What happened (10–2000 characters).
    pub description: String,
    /// The challenge's token (`GET /api/v1/service/public/challenge`)…
    pub challenge: String,
    /// …and its answer.
    pub answer: String,
}

/// What filing answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = complaints::Filed)]
pub struct Filed {
    /// The complaint's id.
    pub id: i64,
    /// 查询码: the public follows the complaint with it.
    pub code: String,
    /// The investigating case.
    pub case_id: i64,
}

/// 认定: the finding, its reasons and, when upheld, the responsible post (its unit is the
/// responsible unit).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FindingInput {
    /// `upheld` (成立), `partly` (部分成立) or `rejected` (不成立); the Chinese names are
    /// accepted too.
    pub finding: String,
    /// The reasons (at least 4 characters).
    pub reason: String,
    /// The responsible post (needed unless 不成立).
    #[serde(default)]
    pub post_id: Option<i64>,
}

/// The steps of `processes/efficiency_complaint.toml`.
pub(crate) use hooks::steps;

fn digest(v: &str) -> String {
    hex::encode(sm3::Sm3::digest(
        format!("xiaoneng-complaint:{v}").as_bytes(),
    ))
}

fn new_code() -> String {
    let bytes: [u8; xn_domain::service::CODE_LEN] = rand::rng().random();
    format!("TS{}", xn_domain::service::tracking_code(&bytes))
}

fn kind_of(code: &str) -> Result<ComplaintKind> {
    ComplaintKind::from_code(code.trim())
        .ok_or_else(|| ServiceError::invalid("kind", "请选择投诉类别"))
}

fn conflict(message: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "complaints.state",
        message: message.into(),
    }
}

/// Who a complaint is against and who investigates it, before it is stored.
struct Target {
    government: i64,
    office: i64,
    section: Vec<i64>,
    unit: Option<i64>,
    post: Option<i64>,
}

impl Complaints<'_> {
    /// The supervising section of the government above `unit` (or of `government` itself).
    async fn target(
        &self,
        tx: &mut Tx,
        government: Option<i64>,
        unit: Option<i64>,
        post: Option<i64>,
    ) -> Result<Target> {
        let government = match (government, unit) {
            (Some(g), _) => g,
            (None, Some(u)) => self
                .svc
                .unit_chain(tx, u)
                .await?
                .government()
                .map(|g| g.id)
                .ok_or_else(|| ServiceError::invalid("unit_id", "该单位不属于任何一级政府"))?,
            (None, None) => return Err(ServiceError::invalid("unit_id", "请选择被投诉单位")),
        };
        let office = store::office_of_government(tx, government)
            .await?
            .ok_or(ServiceError::NotFound("政府办公室"))?;
        let section = store::section_posts(tx, office).await?;
        if section.is_empty() {
            return Err(ServiceError::Conflict {
                code: "complaints.no_section",
                message: "该级政府办公室没有督查科（股）人员，暂不能受理效能投诉".into(),
            });
        }
        Ok(Target {
            government,
            office,
            section,
            unit,
            post,
        })
    }

    /// 投诉: a signed-in person files a complaint about an item they can see, or about a unit
    /// (and one of its posts). It goes to the supervising section of the government above the
    /// unit complained about; the complainant's unit is recorded.
    pub async fn file(
        &self,
        actor: &Actor,
        input: &NewComplaint,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        require(actor, Permission::FlowWork)?;
        let me = ActorRef::of(actor)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let kind = kind_of(&input.kind)?;
        let description = bounded("description", "投诉内容", &input.description, 10, 2000)?;
        if let Some(case) = input.case_id
            && self.svc.case_in_reach(actor, case, now).await.is_err()
        {
            return Err(ServiceError::invalid(
                "case_id",
                "没有找到该事项，或您无权查看该事项",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let (unit, respondent_post, subject) = match input.case_id {
            Some(case) => {
                let (case_unit, _, last_post) = store::case_brief(&mut tx, case)
                    .await?
                    .ok_or_else(|| ServiceError::invalid("case_id", "没有找到该事项"))?;
                // The post the item was last with, and its unit, unless the complainant names
                // another.
                let (unit, p) = match (input.unit_id, input.post_id, last_post) {
                    (Some(u), p, _) => (u, p),
                    (None, _, Some(p)) => {
                        let u = xn_store::service::active_post(&mut tx, p)
                            .await?
                            .map_or(case_unit, |(_, u)| u);
                        (u, Some(p))
                    }
                    (None, _, None) => (case_unit, None),
                };
                (unit, p, Some(case))
            }
            None => {
                let unit = input.unit_id.ok_or_else(|| {
                    ServiceError::invalid("unit_id", "请选择被投诉单位，或填写所投诉事项的编号")
                })?;
                (unit, input.post_id, None)
            }
        };
        if xn_store::org::unit_brief(&mut tx, unit).await.is_err() {
            return Err(ServiceError::invalid("unit_id", "请选择被投诉单位"));
        }
        if let Some(p) = respondent_post {
            let at = xn_store::service::active_post(&mut tx, p).await?;
            if at.map(|(_, u)| u) != Some(unit) {
                return Err(ServiceError::invalid(
                    "post_id",
                    "被投诉岗位应为被投诉单位的在岗人员",
                ));
            }
        }
        let target = self
            .target(&mut tx, None, Some(unit), respondent_post)
            .await?;
        let code = new_code();
        let name = actor.person_name.clone();
        let row = NewRow {
            code: &code,
            government_id: target.government,
            office_id: target.office,
            channel: Channel::Staff.code(),
            kind: kind.code(),
            complainant: Some((actor.person_id, post.id, post.unit_id)),
            name: &name,
            phone: "",
            source_hash: "",
            subject_case_id: subject,
            service_code: "",
            respondent_unit_id: target.unit,
            respondent_post_id: target.post,
            description: &description,
        };
        let out = self.open(&mut tx, &row, &target, &me, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// 网上投诉: a complaint from the public form. Refused, with nothing stored, when the
    /// challenge is wrong or used, or the address is over its limit (the service form's
    /// `per_address_per_minute`). It goes to the supervising section of the first government
    /// (the city's); the unit of the 服务事项 named, if any, is the unit complained about.
    pub async fn file_public(
        &self,
        input: &PublicComplaint,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let kind = kind_of(&input.kind)?;
        let name = bounded("name", "姓名", &input.name, 1, 20)?;
        let phone = if input.phone.trim().is_empty() {
            return Err(ServiceError::invalid("phone", "请填写联系电话"));
        } else {
            xn_domain::service::normalize_phone(&input.phone).ok_or_else(|| {
                ServiceError::invalid("phone", "联系电话应为 5–20 位数字（可含空格和短横）")
            })?
        };
        let description = bounded("description", "投诉内容", &input.description, 10, 2000)?;
        let service_code = bounded("service_code", "服务事项查询码", &input.service_code, 0, 32)?;
        let request = if service_code.is_empty() {
            None
        } else {
            Some(
                xn_store::service::by_code(self.svc.db(), &service_code)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::invalid("service_code", "没有找到该服务事项，请核对查询码")
                    })?,
            )
        };
        let government = xn_store::service::governments(self.svc.db())
            .await?
            .first()
            .map(|g| g.0)
            .ok_or(ServiceError::NotFound("受理机关"))?;
        let mut tx = self.svc.db().begin().await?;
        let answer =
            xn_store::service::take_challenge(&mut tx, input.challenge.trim(), ms(now)).await?;
        // The challenge is used whatever the answer.
        tx.commit().await?;
        let given: Option<i64> = input.answer.trim().parse().ok();
        if answer.is_none() || answer != given {
            return Err(ServiceError::invalid(
                "answer",
                "验证题答案不正确或已过期，请重新作答",
            ));
        }
        let source = digest(address);
        let mut tx = self.svc.db().begin().await?;
        let limit = self.svc.settings().service_public.per_address_per_minute;
        let recent =
            store::submitted_since(&mut tx, &source, ms(now - Duration::minutes(1))).await?;
        if recent >= i64::from(limit) {
            return Err(ServiceError::TooFrequent(
                "提交过于频繁，请一分钟后再试".into(),
            ));
        }
        let unit = request.as_ref().and_then(|r| r.lead_unit_id);
        let post = request.as_ref().and_then(|r| r.lead_post_id);
        let target = self.target(&mut tx, Some(government), unit, post).await?;
        let owner = target.section.first().copied().unwrap_or_default();
        // Nobody is signed in: the case is started in the name of the section's post that
        // owns it, as a case delivered to a unit belongs to its clerk.
        let person = store::post_person(&mut tx, owner)
            .await?
            .ok_or(ServiceError::NotFound("督查科人员"))?;
        let me = ActorRef {
            person_id: person,
            post_id: owner,
            ip: Some(address.to_owned()),
            flow_admin: false,
        };
        let code = new_code();
        let row = NewRow {
            code: &code,
            government_id: target.government,
            office_id: target.office,
            channel: Channel::Public.code(),
            kind: kind.code(),
            complainant: None,
            name: &name,
            phone: &phone,
            source_hash: &source,
            subject_case_id: None,
            service_code: &service_code,
            respondent_unit_id: target.unit,
            respondent_post_id: target.post,
            description: &description,
        };
        let out = self.open(&mut tx, &row, &target, &me, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Stores the row and starts its case in the section.
    async fn open(
        &self,
        tx: &mut Tx,
        row: &NewRow<'_>,
        target: &Target,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let id = store::insert(tx, row, ms(now)).await?;
        let posts: Vec<Value> = target.section.iter().map(|p| Value::Int(*p)).collect();
        let mut fields = Fields::new();
        fields.insert("section_posts".into(), Value::List(posts.clone()));
        // Until 认定 names the responsible unit, 整改 would fall to the section itself; the
        // finding's form replaces it before the step is completed.
        fields.insert("rectifiers".into(), Value::List(posts));
        let kind = ComplaintKind::from_code(row.kind).unwrap_or_default();
        let about = match target.unit {
            Some(u) => xn_store::org::unit_brief(tx, u)
                .await
                .map(|b| format!("（{}）", b.2))
                .unwrap_or_default(),
            None => String::new(),
        };
        let out = Box::pin(self.svc.start_in_tx(
            tx,
            actor,
            target.section.first().copied(),
            &StartCase {
                process: "efficiency_complaint".into(),
                title: format!("效能投诉：{}{about}", kind.label()),
                body: row.description.to_owned(),
                fields,
                choices: BTreeMap::new(),
                attachments: Vec::new(),
            },
            Some(id),
            None,
            now,
        ))
        .await?;
        store::set_case(tx, id, out.case_id).await?;
        crate::events::record(
            tx,
            &Audit {
                person_id: row.complainant.map(|c| c.0),
                post_id: row.complainant.map(|c| c.1),
                ip: None,
            },
            "complaints.filed",
            Some(format!("complaint:{id}")),
            json!({"channel": row.channel, "kind": row.kind, "case": out.case_id,
                   "office": target.office, "unit": target.unit}),
            now,
        )
        .await?;
        Ok(Filed {
            id,
            code: row.code.to_owned(),
            case_id: out.case_id,
        })
    }

    /// 认定: by a holder of the step, the finding with its reasons and, when upheld, the
    /// responsible post (within the government's tree); 整改 then falls to the chiefs of the
    /// post's unit (the post itself when the unit has none).
    pub async fn find(
        &self,
        actor: &Actor,
        id: i64,
        input: &FindingInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let me = ActorRef::of(actor)?;
        // Whoever may not see the complaint is told it does not exist; whoever sees it but
        // does not hold 认定 is refused; only then is the input read.
        let seen = store::find(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("效能投诉"))?;
        if !self.seen(actor, &seen).await?.any() {
            return Err(ServiceError::NotFound("效能投诉"));
        }
        let mut tx = self.svc.db().begin().await?;
        let r = store::find_tx(&mut tx, id)
            .await
            .map_err(ServiceError::missing("效能投诉"))?;
        let case = r.case_id.ok_or_else(|| conflict("该投诉尚未立案"))?;
        xn_store::flow::lock_case(&mut tx, case).await?;
        let task = xn_store::service::open_task(&mut tx, case, steps::FIND, me.post_id)
            .await?
            .ok_or_else(|| ServiceError::Forbidden("该投诉不在认定环节，或您不是认定人".into()))?;
        let finding = Finding::parse(input.finding.trim())
            .ok_or_else(|| ServiceError::invalid("finding", "请选择认定结果"))?;
        let reason = bounded("reason", "认定理由", &input.reason, 4, 2000)?;
        let responsible = if finding.counts() {
            let post = input
                .post_id
                .ok_or_else(|| ServiceError::invalid("post_id", "投诉成立时须指明责任岗位"))?;
            let (_, unit) = xn_store::service::active_post(&mut tx, post)
                .await?
                .ok_or_else(|| ServiceError::invalid("post_id", "请选择在岗的责任岗位"))?;
            if !self
                .svc
                .unit_chain(&mut tx, unit)
                .await?
                .contains(r.government_id)
            {
                return Err(ServiceError::invalid(
                    "post_id",
                    "责任岗位应属于本级政府所辖单位",
                ));
            }
            let mut rectifiers = store::chief_posts(&mut tx, unit).await?;
            if rectifiers.is_empty() {
                rectifiers.push(post);
            }
            let row = xn_store::flow::lock_case(&mut tx, case).await?;
            let mut fields: Fields = serde_json::from_str(&row.fields).unwrap_or_default();
            fields.insert(
                "rectifiers".into(),
                Value::List(rectifiers.iter().map(|p| Value::Int(*p)).collect()),
            );
            let text =
                serde_json::to_string(&fields).map_err(|e| ServiceError::Internal(e.into()))?;
            xn_store::supervision::set_case_fields(&mut tx, case, &text).await?;
            Some((unit, post))
        } else {
            None
        };
        let today = business_date(now).to_string();
        store::set_finding(&mut tx, r.id, finding.code(), &reason, responsible, &today).await?;
        store::set_pending(&mut tx, r.id, steps::FIND).await?;
        self.svc
            .act_in_tx(
                &mut tx,
                &me,
                case,
                &Action::Complete {
                    task: crate::exact("a task's number", task)?,
                    decision: finding.decision().into(),
                    opinion: reason.clone(),
                    choices: BTreeMap::new(),
                },
                now,
            )
            .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "complaints.found",
            Some(format!("complaint:{}", r.id)),
            json!({"finding": finding.code(), "unit": responsible.map(|x| x.0),
                   "post": responsible.map(|x| x.1), "on": today}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many complaints found 成立 or 部分成立 count against a unit or a post between two
    /// Beijing days (inclusive): what the efficiency figures and the evaluation read.
    pub async fn upheld(&self, against: Against, from: &str, to: &str) -> Result<i64> {
        Ok(store::complaints_upheld(self.svc.db(), against, from, to).await?)
    }

    /// [`Complaints::upheld`] for a viewer whose monitor covers the unit (or the post's unit).
    pub async fn upheld_for(
        &self,
        actor: &Actor,
        against: Against,
        from: &str,
        to: &str,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let unit = match against {
            Against::Unit(u) => u,
            Against::Post(p) => {
                let mut tx = self.svc.db().begin_read().await?;
                let at = xn_store::service::active_post(&mut tx, p).await?;
                drop(tx);
                at.map(|(_, u)| u).ok_or(ServiceError::NotFound("岗位"))?
            }
        };
        if !self.svc.efficiency().covers(actor, unit).await? {
            return Err(ServiceError::NotFound("单位"));
        }
        self.upheld(against, from, to).await
    }
}
