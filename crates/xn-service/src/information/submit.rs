//! 报送: the author writes an item, names its signer and where it goes; the unit's case starts
//! at 签发. The form's choices (signers, receiving offices, outside bodies) come from
//! [`Information::options`], and the service refuses any other.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::{Fields, Value};
use xn_domain::information::{self as domain, InfoKind, ReportKind};
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;
use xn_store::information as store;

use super::{Information, acting, office_of_government};
use crate::flow::{ActorRef, NewFile, StartCase};
use crate::{Actor, Result, ServiceError, ms, require};

/// A new information item (报送信息).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewInformation {
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// 信息类别: news, practice, suggestion, public_opinion, urgent.
    #[serde(default)]
    pub kind: String,
    /// 密级: public, secret, confidential, top_secret (empty: public).
    #[serde(default)]
    pub classification: String,
    /// For an urgent event: its time, Beijing `2026-12-01 09:30` or RFC 3339.
    #[serde(default)]
    pub event_at: Option<String>,
    /// For an urgent event: flash (快报), written (书面报告), followup (续报).
    #[serde(default)]
    pub report_kind: String,
    /// For a 书面报告 or 续报: the 快报 it follows.
    #[serde(default)]
    pub first_item: Option<i64>,
    /// 签发人: a leader of the submitting unit.
    pub signer_post: i64,
    /// 报送单位: receiving offices.
    #[serde(default)]
    pub offices: Vec<i64>,
    /// 报送单位: outside bodies (a province's information office).
    #[serde(default)]
    pub outside: Vec<i64>,
    /// The 约稿 it answers (one asking the submitting unit, still open); its office is added
    /// to the receiving offices.
    #[serde(default)]
    pub commission: Option<i64>,
}

/// A place an item may go.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetOption {
    /// The office's unit id, or the outside body's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// An outside body (recorded, not worked in this system).
    pub outside: bool,
}

/// What the 报送 form offers the acting post.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmitOptions {
    /// The submitting unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Who may sign off: (post, label).
    pub signers: Vec<(i64, String)>,
    /// Where items may go.
    pub targets: Vec<TargetOption>,
}

impl Information<'_> {
    /// The submitting unit of an acting post (its organ: a county office, a bureau, the city
    /// office for its sections), who may sign its items off, and where they may go: the office
    /// of every government above it, and the outside bodies its office reports to.
    pub async fn options(&self, actor: &Actor) -> Result<SubmitOptions> {
        require(actor, Permission::FlowWork)?;
        let (_, unit) = acting(actor)?;
        let db = self.svc.db();
        let mut tx = db.begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, unit).await?;
        let organ = chain
            .office()
            .cloned()
            .ok_or_else(|| ServiceError::Forbidden("您的单位不能报送信息".into()))?;
        let mut targets = Vec::new();
        for u in chain.above() {
            if u.kind != xn_domain::org::UnitKind::Government {
                continue;
            }
            if let Some(office) = office_of_government(&mut tx, u.id).await?
                && office != organ.id
            {
                let name = xn_store::org::unit_chain(&mut tx, office)
                    .await?
                    .first()
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                targets.push(TargetOption {
                    id: office,
                    name,
                    outside: false,
                });
            }
        }
        drop(tx);
        for (id, name) in store::outside_of(db, organ.id).await? {
            targets.push(TargetOption {
                id,
                name,
                outside: true,
            });
        }
        let signers = store::signers(db, &[organ.id]).await?;
        Ok(SubmitOptions {
            unit_id: organ.id,
            unit_name: organ.name,
            signers,
            targets,
        })
    }

    /// 报送: writes the item and starts its unit's case at 签发, with its files, in one
    /// transaction. Returns the item's id.
    pub async fn submit(
        &self,
        actor: &Actor,
        input: &NewInformation,
        files: &[NewFile<'_>],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let (post, _) = acting(actor)?;
        domain::check_texts(&input.title, &input.body).map_err(|e| ServiceError::Invalid {
            field: Some(e.field),
            message: e.message,
        })?;
        let kind = if input.kind.trim().is_empty() {
            InfoKind::News
        } else {
            InfoKind::from_code(input.kind.trim())
                .ok_or_else(|| ServiceError::invalid("kind", "请选择信息类别"))?
        };
        let classification: Clearance = if input.classification.trim().is_empty() {
            Clearance::Public
        } else {
            input
                .classification
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("classification", "请选择密级"))?
        };
        if !actor.may_see(classification) {
            return Err(ServiceError::invalid(
                "classification",
                "密级不能高于您本人的涉密等级",
            ));
        }
        let (report, event_at) = self.check_urgent(kind, input)?;
        let options = self.options(actor).await?;
        if !options.signers.iter().any(|(p, _)| *p == input.signer_post) {
            return Err(ServiceError::invalid(
                "signer_post",
                "签发人应为本单位的领导",
            ));
        }
        let mut offices = input.offices.clone();
        let commission = match input.commission {
            Some(c) => {
                let row = self.answerable_commission(options.unit_id, c).await?;
                if !offices.contains(&row.office_unit_id) {
                    offices.push(row.office_unit_id);
                }
                Some(row.id)
            }
            None => None,
        };
        if offices.is_empty() && input.outside.is_empty() {
            return Err(ServiceError::invalid("offices", "请选择报送单位"));
        }
        for o in &offices {
            if !options.targets.iter().any(|t| !t.outside && t.id == *o) {
                return Err(ServiceError::invalid("offices", "只能报送上级政府办公室"));
            }
        }
        for o in &input.outside {
            if !options.targets.iter().any(|t| t.outside && t.id == *o) {
                return Err(ServiceError::invalid(
                    "outside",
                    "报送的外部单位不在本办的名单中",
                ));
            }
        }
        let attachments = self.svc.store_files(files, 0, now).await?;
        let me = ActorRef::of(actor)?;
        let mut tx = self.svc.db().begin().await?;
        let first = match (report, input.first_item) {
            (ReportKind::Written | ReportKind::Followup, Some(f)) => {
                Some(self.check_first(&mut tx, options.unit_id, f).await?)
            }
            (ReportKind::Written | ReportKind::Followup, None) => {
                return Err(ServiceError::invalid(
                    "first_item",
                    "书面报告和续报须选择所续的快报",
                ));
            }
            _ => None,
        };
        let event_at = match (first, event_at) {
            (Some((_, at)), _) => Some(at),
            (None, at) => at,
        };
        let id = store::insert_item(
            &mut tx,
            &store::NewItem {
                unit_id: options.unit_id,
                author_post_id: post,
                author_person_id: actor.person_id,
                signer_post_id: input.signer_post,
                title: input.title.trim(),
                body: input.body.trim(),
                kind: kind.code(),
                classification: classification.code(),
                event_at,
                report_kind: report.code(),
                first_item_id: first.map(|f| f.0),
            },
            ms(now),
        )
        .await?;
        for o in &offices {
            store::insert_target(&mut tx, id, Some(*o), None).await?;
        }
        if let Some(c) = commission {
            xn_store::information_commissions::set_item_commission(&mut tx, id, c).await?;
        }
        for o in &input.outside {
            store::insert_target(&mut tx, id, None, Some(*o)).await?;
        }
        let mut fields = Fields::new();
        fields.insert("phase".into(), Value::Text("unit".into()));
        fields.insert(
            "signer_post".into(),
            Value::List(vec![Value::Int(input.signer_post)]),
        );
        let out = self
            .svc
            .start_in_tx(
                &mut tx,
                &me,
                None,
                &StartCase {
                    process: "information".into(),
                    title: title_of(input.title.trim(), kind, report),
                    body: input.body.trim().to_owned(),
                    fields,
                    choices: BTreeMap::new(),
                    attachments,
                },
                Some(id),
                None,
                now,
            )
            .await?;
        store::set_item_case(&mut tx, id, out.case_id).await?;
        crate::events::record(
            &mut tx,
            &me.audit(),
            "information.submitted",
            Some(format!("case:{}", out.case_id)),
            json!({"item": id, "kind": kind.code(), "report": report.code(),
                   "offices": offices, "outside": input.outside, "commission": commission}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An urgent item's report kind and event time (none for other kinds).
    fn check_urgent(
        &self,
        kind: InfoKind,
        input: &NewInformation,
    ) -> Result<(ReportKind, Option<i64>)> {
        if kind != InfoKind::Urgent {
            return Ok((ReportKind::None, None));
        }
        let report = if input.report_kind.trim().is_empty() {
            ReportKind::Flash
        } else {
            ReportKind::from_code(input.report_kind.trim())
                .filter(|r| *r != ReportKind::None)
                .ok_or_else(|| ServiceError::invalid("report_kind", "请选择快报、书面报告或续报"))?
        };
        let event_at = match input.event_at.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Some(ms(parse_time(s).ok_or_else(|| {
                ServiceError::invalid("event_at", "事件发生时间的格式应为 2026-12-01 09:30")
            })?)),
            _ => None,
        };
        if report == ReportKind::Flash && event_at.is_none() {
            return Err(ServiceError::invalid(
                "event_at",
                "突发事件快报须填写事件发生时间",
            ));
        }
        Ok((report, event_at))
    }

    /// The 快报 a written report or a follow-up continues: one of the same unit, not closed.
    async fn check_first(&self, tx: &mut Tx, unit: i64, first: i64) -> Result<(i64, i64)> {
        let refused = || ServiceError::invalid("first_item", "所续的快报不存在或不属于本单位");
        let row = store::find_item_tx(tx, first)
            .await
            .map_err(|_| refused())?;
        if row.unit_id != unit || row.report_kind != ReportKind::Flash.code() {
            return Err(refused());
        }
        if row.event_closed != 0 {
            return Err(ServiceError::invalid(
                "first_item",
                "该突发事件已终报，不再续报",
            ));
        }
        Ok((row.id, row.event_at.unwrap_or(row.created_at)))
    }
}

/// The case's title: the item's, marked with its report for an urgent event.
fn title_of(title: &str, kind: InfoKind, report: ReportKind) -> String {
    if kind == InfoKind::Urgent {
        format!("【{}】{title}", report.label())
    } else {
        title.to_owned()
    }
}

/// A Beijing wall-clock time (`2026-12-01 09:30`) or an RFC 3339 instant.
pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(local) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(xn_domain::calendar::hours::from_shanghai_local(local));
        }
    }
    None
}
