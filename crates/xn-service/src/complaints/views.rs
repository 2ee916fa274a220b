//! What the pages show: the list in the viewer's scope with the upheld count per unit, a
//! complaint's page with its case's history, the 办理 page's part, and the public status.
//!
//! Who sees a complaint: the supervising section and the office's and government's leaders
//! whose monitor covers the government concerned (the city's see the counties'), the person
//! who filed it, and the chiefs of the unit it is against or that the finding names. Only the
//! first two see who complained; the respondent reads 「（投诉人信息已保护）」.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::to_shanghai_local;
use xn_domain::complaints::{Channel, ComplaintKind, ComplaintState, finding_label};
use xn_domain::service::mask_phone;
use xn_store::complaints::{self as store, ComplaintRow, ListScope};

use super::{Complaints, steps};
use crate::efficiency::MonitorScope;
use crate::{Actor, Result, ServiceError};

/// What the respondent reads in place of the complainant.
pub const PROTECTED: &str = "（投诉人信息已保护）";

/// A complaint in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintLine {
    /// Id.
    pub id: i64,
    /// 查询码.
    pub code: String,
    /// 投诉类别.
    pub kind: String,
    /// 来源.
    pub channel: String,
    /// State code.
    pub state: String,
    /// 办理状态.
    pub state_label: String,
    /// 认定结果 (empty before 认定).
    pub finding: String,
    /// 被投诉单位.
    pub respondent_unit: String,
    /// 投诉人 (or 「（投诉人信息已保护）」).
    pub complainant: String,
    /// 受理单位 (the office whose section investigates).
    pub office: String,
    /// 投诉时间 (Beijing).
    pub created: String,
    /// The investigating case.
    pub case_id: Option<i64>,
}

/// Upheld complaints against a unit this year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitCount {
    /// Unit id.
    pub unit_id: i64,
    /// Unit.
    pub unit: String,
    /// 成立 and 部分成立.
    pub upheld: i64,
}

/// The list page.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = complaints::ListView)]
pub struct ListView {
    /// Complaints, newest first.
    pub lines: Vec<ComplaintLine>,
    /// Upheld complaints per unit in the viewer's scope this year.
    pub counts: Vec<UnitCount>,
    /// The year counted.
    pub year: String,
}

/// A step of the investigation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryLine {
    /// 环节.
    pub step: String,
    /// 办理单位.
    pub unit: String,
    /// 办理人.
    pub holder: String,
    /// 办理结果 (empty while open).
    pub decision: String,
    /// 意见.
    pub opinion: String,
    /// When it reached the holder, or was done (Beijing).
    pub at: String,
    /// 办理期限.
    pub due: String,
    /// Still open.
    pub open: bool,
}

/// A post the finding may name.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = complaints::PostChoice)]
pub struct PostChoice {
    /// Post id.
    pub post_id: i64,
    /// Its unit.
    pub unit: String,
    /// Holder and position.
    pub label: String,
}

/// A complaint's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintView {
    /// The line.
    pub line: ComplaintLine,
    /// 投诉内容.
    pub description: String,
    /// The complainant's unit (staff), or empty.
    pub complainant_unit: String,
    /// The public complainant's phone (the section only), masked.
    pub phone: String,
    /// The item complained about.
    pub subject_case_id: Option<i64>,
    /// Its title.
    pub subject_title: String,
    /// 服务事项查询码.
    pub service_code: String,
    /// 被投诉岗位.
    pub respondent_post: String,
    /// 核查情况.
    pub facts: String,
    /// 认定理由.
    pub finding_reason: String,
    /// 责任单位.
    pub responsible_unit: String,
    /// 责任岗位.
    pub responsible_post: String,
    /// 整改情况.
    pub rectification: String,
    /// 反馈.
    pub answer: String,
    /// The investigation, step by step.
    pub history: Vec<HistoryLine>,
    /// Whether the viewer holds 认定.
    pub can_find: bool,
    /// The posts 认定 may name (when the viewer holds it).
    pub finding_posts: Vec<PostChoice>,
}

/// The 办理 page's part for a complaint's case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintDesk {
    /// The complaint as the viewer may see it.
    pub view: ComplaintView,
}

/// What the public query shows: no personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStatus {
    /// 查询码.
    pub code: String,
    /// 投诉类别.
    pub kind: String,
    /// 办理状态.
    pub state: String,
    /// 投诉时间 (Beijing).
    pub created: String,
    /// 认定结果, once found.
    pub finding: String,
    /// 反馈, once answered.
    pub answer: String,
    /// Closed.
    pub closed: bool,
}

fn when(ms: i64) -> String {
    to_shanghai_local(crate::from_ms(ms))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// How a viewer stands to a complaint.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Seen {
    monitor: bool,
    complainant: bool,
    respondent: bool,
}

impl Seen {
    pub(super) fn any(self) -> bool {
        self.monitor || self.complainant || self.respondent
    }
    fn identity(self) -> bool {
        self.monitor || self.complainant
    }
}

fn line(r: &ComplaintRow, seen: Seen) -> ComplaintLine {
    let state = ComplaintState::from_code(&r.state);
    ComplaintLine {
        id: r.id,
        code: r.code.clone(),
        kind: ComplaintKind::from_code(&r.kind)
            .map(ComplaintKind::label)
            .unwrap_or_default()
            .to_owned(),
        channel: Channel::from_code(&r.channel)
            .map(Channel::label)
            .unwrap_or_default()
            .to_owned(),
        state: r.state.clone(),
        state_label: state
            .map(ComplaintState::label)
            .unwrap_or_default()
            .to_owned(),
        finding: finding_label(&r.finding).to_owned(),
        respondent_unit: if r.respondent_unit.is_empty() {
            "（待核查确定）".to_owned()
        } else {
            r.respondent_unit.clone()
        },
        complainant: if seen.identity() {
            if r.complainant_unit.is_empty() {
                r.name.clone()
            } else {
                format!("{}（{}）", r.name, r.complainant_unit)
            }
        } else {
            PROTECTED.to_owned()
        },
        office: r.office_name.clone(),
        created: when(r.created_at),
        case_id: r.case_id,
    }
}

impl Complaints<'_> {
    /// The government tree the viewer's monitor covers, if any.
    async fn tree(&self, actor: &Actor) -> Result<Vec<i64>> {
        match self.svc.efficiency().scope(actor).await? {
            MonitorScope::Tree { root } => {
                Ok(xn_store::efficiency::subtree_units(self.svc.db(), root)
                    .await?
                    .into_iter()
                    .map(|u| u.0)
                    .collect())
            }
            MonitorScope::Section { .. } | MonitorScope::Own => Ok(Vec::new()),
        }
    }

    /// The unit whose chief the viewer's post is.
    async fn chief_unit(&self, actor: &Actor) -> Result<Option<i64>> {
        match actor.post.as_ref() {
            Some(p) => Ok(store::chief_of(self.svc.db(), p.id).await?),
            None => Ok(None),
        }
    }

    pub(super) async fn seen(&self, actor: &Actor, r: &ComplaintRow) -> Result<Seen> {
        let chief = self.chief_unit(actor).await?;
        Ok(Seen {
            monitor: self.tree(actor).await?.contains(&r.government_id),
            complainant: r.complainant_person_id == Some(actor.person_id),
            respondent: chief.is_some()
                && (chief == r.respondent_unit_id || chief == r.responsible_unit_id),
        })
    }

    /// The complaints in the viewer's scope, and the upheld count per unit this year.
    pub async fn list(&self, actor: &Actor, now: DateTime<Utc>) -> Result<ListView> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let tree = self.tree(actor).await?;
        let chief = self.chief_unit(actor).await?;
        let scope = ListScope {
            governments: tree.clone(),
            complainant: Some(actor.person_id),
            respondent_units: chief.into_iter().collect(),
        };
        let rows = store::list(self.svc.db(), &scope, 500).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for r in &rows {
            let seen = Seen {
                monitor: tree.contains(&r.government_id),
                complainant: r.complainant_person_id == Some(actor.person_id),
                respondent: true,
            };
            lines.push(line(r, seen));
        }
        let year = business_date(now).format("%Y").to_string();
        let counts = store::upheld_by_unit(
            self.svc.db(),
            &format!("{year}-01-01"),
            &format!("{year}-12-31"),
        )
        .await?
        .into_iter()
        .filter(|(u, _, _)| tree.contains(u) || Some(*u) == chief)
        .map(|(unit_id, unit, upheld)| UnitCount {
            unit_id,
            unit,
            upheld,
        })
        .collect();
        Ok(ListView {
            lines,
            counts,
            year,
        })
    }

    /// The complaints list as a workbook: the same rows (the complainant protected the same
    /// way) and the upheld count per unit this year on a second sheet.
    pub async fn list_xlsx(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<crate::files::AttachmentFile> {
        let v = self.list(actor, now).await?;
        let header = [
            "查询码",
            "投诉类别",
            "来源",
            "被投诉单位",
            "投诉人",
            "受理单位",
            "投诉时间",
            "办理状态",
            "认定结果",
        ];
        let rows = v
            .lines
            .into_iter()
            .map(|l| {
                vec![
                    l.code,
                    l.kind,
                    l.channel,
                    l.respondent_unit,
                    l.complainant,
                    l.office,
                    l.created,
                    l.state_label,
                    l.finding,
                ]
            })
            .collect();
        let counts = v
            .counts
            .into_iter()
            .map(|c| vec![c.unit, c.upheld.to_string()])
            .collect();
        let bytes = xn_render::xlsx::workbook(&[
            xn_render::xlsx::Sheet {
                name: "效能投诉".into(),
                header: header.iter().map(|h| (*h).to_owned()).collect(),
                rows,
            },
            xn_render::xlsx::Sheet {
                name: format!("{}年认定成立", v.year),
                header: vec!["单位".to_owned(), "认定成立件数".to_owned()],
                rows: counts,
            },
        ])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(crate::files::AttachmentFile {
            name: format!("效能投诉-{}.xlsx", business_date(now)),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }

    /// A complaint's page; anyone it is not shown to is told it does not exist.
    pub async fn view(&self, actor: &Actor, id: i64) -> Result<ComplaintView> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let r = store::find(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("效能投诉"))?;
        let seen = self.seen(actor, &r).await?;
        if !seen.any() {
            return Err(ServiceError::NotFound("效能投诉"));
        }
        let history = match r.case_id {
            Some(c) => store::history(self.svc.db(), c)
                .await?
                .into_iter()
                .map(|h| HistoryLine {
                    opinion: self
                        .svc
                        .task_opinion(c, h.task_no, h.opinion.as_ref())
                        .unwrap_or_default(),
                    step: h.step_name,
                    unit: h.unit,
                    holder: h.holder,
                    decision: h.decision.unwrap_or_default(),
                    at: when(h.acted_at.unwrap_or(h.created_at)),
                    due: h.due_date.unwrap_or_default(),
                    open: h.state == "open",
                })
                .collect(),
            None => Vec::new(),
        };
        let can_find = match (r.case_id, actor.post.as_ref()) {
            (Some(c), Some(p)) => {
                let mut tx = self.svc.db().begin_read().await?;
                let t = xn_store::service::open_task(&mut tx, c, steps::FIND, p.id).await?;
                drop(tx);
                t.is_some()
            }
            _ => false,
        };
        let finding_posts = if can_find {
            store::posts_under(self.svc.db(), r.government_id)
                .await?
                .into_iter()
                .map(|(post_id, _, unit, label)| PostChoice {
                    post_id,
                    unit,
                    label,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(ComplaintView {
            line: line(&r, seen),
            description: r.description.clone(),
            complainant_unit: if seen.identity() {
                r.complainant_unit.clone()
            } else {
                String::new()
            },
            phone: if seen.monitor && !r.phone.is_empty() {
                mask_phone(&r.phone)
            } else {
                String::new()
            },
            subject_case_id: r.subject_case_id,
            subject_title: r.subject_title.clone(),
            service_code: r.service_code.clone(),
            respondent_post: r.respondent_post.clone(),
            facts: r.facts.clone(),
            finding_reason: r.finding_reason.clone(),
            responsible_unit: r.responsible_unit.clone(),
            responsible_post: r.responsible_post.clone(),
            rectification: r.rectification.clone(),
            answer: r.answer.clone(),
            history,
            can_find,
            finding_posts,
        })
    }

    /// The area's part of a case's 办理 page (none when the case is not a complaint's).
    pub(crate) async fn desk(&self, actor: &Actor, case_id: i64) -> Result<Option<ComplaintDesk>> {
        let Some(id) = store::id_of_case(self.svc.db(), case_id).await? else {
            return Ok(None);
        };
        Ok(Some(ComplaintDesk {
            view: self.view(actor, id).await?,
        }))
    }

    /// The public query by 查询码: where the complaint stands and, once answered, the answer;
    /// nothing personal.
    pub async fn status(&self, code: &str) -> Result<PublicStatus> {
        let r = store::by_code(self.svc.db(), code.trim())
            .await?
            .filter(|r| r.channel == Channel::Public.code())
            .ok_or(ServiceError::NotFound("效能投诉"))?;
        let state = ComplaintState::from_code(&r.state);
        let closed = state == Some(ComplaintState::Closed);
        Ok(PublicStatus {
            code: r.code,
            kind: ComplaintKind::from_code(&r.kind)
                .map(ComplaintKind::label)
                .unwrap_or_default()
                .to_owned(),
            state: state
                .map(ComplaintState::label)
                .unwrap_or_default()
                .to_owned(),
            created: when(r.created_at),
            finding: if closed {
                finding_label(&r.finding).to_owned()
            } else {
                String::new()
            },
            answer: if closed { r.answer } else { String::new() },
            closed,
        })
    }

    /// The kinds of complaint, for the forms: (code, name).
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        ComplaintKind::all()
            .map(|k| (k.code(), k.label()))
            .collect()
    }

    /// The units a complaint may be filed against: the tree of the first government (the
    /// city, its counties and their sections), as (id, indented name).
    pub async fn units(&self, actor: &Actor) -> Result<Vec<(i64, String)>> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let Some((root, _)) = xn_store::service::governments(self.svc.db())
            .await?
            .into_iter()
            .next()
        else {
            return Ok(Vec::new());
        };
        self.svc
            .efficiency()
            .scope_units(&MonitorScope::Tree { root })
            .await
    }
}
