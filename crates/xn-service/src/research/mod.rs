//! 调研: an office's research topics (调研课题), from 提出 to 已结题.
//!
//! A topic is proposed by a section of the office (主动) or assigned by a leader (交办), and
//! the office's 主任 or 副主任 takes it into the year's plan (列入计划) or declines it; it has
//! the questions it asks, a lead post in the office, a team that may reach across units of the
//! same government, a schedule (start, planned end) and whether it precedes a decision (事前)
//! or reviews one (事后). The team logs its field work (走访, 座谈会, 问卷) with pictures; each
//! visit goes on the schedule of everyone who went (`schedule_entries`, kind 调研), so a leader
//! who went finds it in the 领导日程. The lead post drafts the report; the lead's section chief
//! or an office leader reviews it and submits it to the leaders; a leader's 批示 on it may
//! become a 督办 item in one step, opened by the office's supervising section through the
//! supervision area (source 领导批示) and linked both ways. The topic closes with its outcome:
//! 转化为文件 (an outgoing document), 转化为决策 (a meeting's 议定事项) or 未转化.
//!
//! The front door is [`Research`] (`services.research()`): `topics` (propose, decide, start,
//! the lists and a topic's page), `field` (field work and its files), `report` (the report,
//! its review, 批示, 督办, the outcome) and `figures` (per month and lead unit, stored in
//! `research_figures` in the transaction of every write that changes them).
//!
//! Who sees a topic: the people of its office, its team, and the leaders of the office's
//! government; anyone else is told it does not exist.

mod demo;
mod field;
mod figures;
mod report;
mod topics;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use xn_domain::management::Invalid;
use xn_domain::org::{Clearance, Permission};
use xn_store::Tx;
use xn_store::research::{self as store, TopicRow};

use crate::management::ManagementScope;
use crate::{Actor, Result, ServiceError, Services, from_ms, require};

pub use field::{FileLine, VisitInput, VisitLine};
pub use figures::{FigureLine, FiguresView};
pub use report::{
    DecisionInput, InstructionLine, OutcomeInput, ReportInput, ReportView, ReviewInput,
    SuperviseInput,
};
pub use topics::{PersonOption, TopicInput, TopicLine, TopicOptions, TopicView, TopicsView};

/// 调研's front door: `services.research()`.
#[derive(Clone, Copy)]
pub struct Research<'a> {
    svc: &'a Services,
}

impl Services {
    /// The research area (调研: topics, field work, reports, 批示, outcomes, figures).
    pub fn research(&self) -> Research<'_> {
        Research { svc: self }
    }
}

/// The acting post as the research area sees it.
#[derive(Debug, Clone)]
pub(crate) struct Desk {
    pub(crate) post: i64,
    pub(crate) clearance: Clearance,
    /// The office the post works in, or whose government it leads.
    pub(crate) office: Option<i64>,
    /// 主任 or 副主任 of `office`.
    pub(crate) office_leader: bool,
    /// The section whose chief or deputy chief the post is.
    pub(crate) chief_of: Option<i64>,
    /// A leader of the government above `office` (or an office leader).
    pub(crate) leader: bool,
}

impl Desk {
    /// The post's office, or a refusal for a post outside any office.
    pub(crate) fn office(&self) -> Result<i64> {
        self.office.ok_or_else(|| {
            ServiceError::Forbidden("当前身份不属于政府办公室（厅），不能提出调研课题".into())
        })
    }
}

impl Research<'_> {
    /// The acting post with its office and standing.
    pub(crate) async fn desk(&self, actor: &Actor) -> Result<Desk> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let v = self.svc.management().viewer(actor).await?;
        let (mut office, office_leader, chief_of) = match v.scope {
            ManagementScope::Office { office, .. } => (Some(office), true, None),
            ManagementScope::Section { office, section } => (Some(office), false, Some(section)),
            ManagementScope::Own { office } => (office, false, None),
        };
        let mut leader = office_leader;
        if office.is_none() {
            let mut tx = self.svc.db().begin_read().await?;
            let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
            drop(tx);
            if let Some(u) = chain
                .unit()
                .filter(|u| u.kind == xn_domain::org::UnitKind::Government)
            {
                let o =
                    xn_store::meetings::schedule::office_of_government(self.svc.db(), u.id).await?;
                if let Some(o) = o {
                    leader = xn_store::meetings::schedule::leaders_of(self.svc.db(), u.id, o)
                        .await?
                        .iter()
                        .any(|l| l.post_id == post.id);
                    if leader {
                        office = Some(o);
                    }
                }
            }
        }
        Ok(Desk {
            post: post.id,
            clearance: post.clearance,
            office,
            office_leader,
            chief_of,
            leader,
        })
    }

    /// A topic the post may read: of its office, or one it leads or is on the team of; any
    /// other answers as missing.
    pub(crate) async fn readable(&self, d: &Desk, id: i64) -> Result<TopicRow> {
        let t = store::find_topic(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("调研课题"))?;
        if d.office == Some(t.office_unit_id) || t.lead_post_id == d.post {
            return Ok(t);
        }
        let mut tx = self.svc.db().begin_read().await?;
        let member = store::is_member(&mut tx, id, d.post).await?;
        drop(tx);
        if member {
            Ok(t)
        } else {
            Err(ServiceError::NotFound("调研课题"))
        }
    }

    /// The same, read in a write's transaction.
    pub(crate) async fn readable_tx(&self, tx: &mut Tx, d: &Desk, id: i64) -> Result<TopicRow> {
        let t = store::find_topic_tx(tx, id)
            .await?
            .ok_or(ServiceError::NotFound("调研课题"))?;
        if d.office == Some(t.office_unit_id)
            || t.lead_post_id == d.post
            || store::is_member(tx, id, d.post).await?
        {
            Ok(t)
        } else {
            Err(ServiceError::NotFound("调研课题"))
        }
    }

    /// The leaders of the government above an office (and the office's 主任, 副主任).
    pub(crate) async fn leaders(
        &self,
        office: i64,
    ) -> Result<Vec<xn_store::meetings::schedule::LeaderRow>> {
        let db = self.svc.db();
        let gov: Option<i64> = store::government_of(db, office).await?;
        match gov {
            Some(g) => Ok(xn_store::meetings::schedule::leaders_of(db, g, office).await?),
            None => Ok(Vec::new()),
        }
    }
}

/// Whether the post may manage a topic: its lead, or a leader of its office.
pub(crate) fn manages(d: &Desk, t: &TopicRow) -> bool {
    t.lead_post_id == d.post || (d.office_leader && d.office == Some(t.office_unit_id))
}

/// A domain rule's refusal as a form error.
pub(crate) fn into_invalid(e: Invalid) -> ServiceError {
    ServiceError::invalid(e.field, e.message)
}

/// The subject of a topic's events.
pub(crate) fn subject(topic: i64) -> Option<String> {
    Some(format!("research:{topic}"))
}

/// A time typed as RFC 3339 or `YYYY-MM-DD HH:MM` (Beijing).
pub(crate) fn parse_time(field: &'static str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(crate::meetings::from_beijing(t));
        }
    }
    Err(ServiceError::invalid(
        field,
        format!("时间“{s}”无法识别，请按“2026-12-01 09:00”填写"),
    ))
}

/// A day typed as `YYYY-MM-DD`.
pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid(field, "日期格式应为 YYYY-MM-DD"))
}

/// An instant as shown (Beijing).
pub(crate) fn beijing(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(from_ms(at))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The Beijing month of an instant.
pub(crate) fn month_of(at: i64) -> String {
    xn_domain::calendar::business_date(from_ms(at))
        .format("%Y-%m")
        .to_string()
}
