//! Topics: proposing one (主动 or 交办), the office leader's decision on the year's plan,
//! starting the field work, the list by year and state, and a topic's page.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::research::{Origin, Outcome, ReportState, Timing, TopicState, check_topic};
use xn_store::research::{self as store, NewTopic, TopicRow};

use super::field::{FileLine, VisitLine};
use super::report::{InstructionLine, ReportView};
use super::{Research, into_invalid, manages, parse_day, subject};
use crate::{Actor, Result, ServiceError, ms};

/// A topic as proposed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = research::TopicInput)]
pub struct TopicInput {
    /// 课题名称.
    pub title: String,
    /// The questions it asks.
    pub questions: String,
    /// `own` (主动) or `assigned` (交办).
    pub origin: String,
    /// For 交办: the leader who assigned it.
    #[serde(default)]
    pub assigned_by: Option<i64>,
    /// `before` (事前) or `after` (事后).
    pub timing: String,
    /// The lead post (default: the proposer's own, when in the office).
    #[serde(default)]
    pub lead_post: Option<i64>,
    /// The team's other posts (any unit of the same government).
    #[serde(default)]
    pub members: Vec<i64>,
    /// Start, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Planned end, `YYYY-MM-DD`.
    pub due_on: String,
}

/// A topic in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicLine {
    /// Id.
    pub id: i64,
    /// Plan year.
    pub year: i64,
    /// Title.
    pub title: String,
    /// State code.
    pub state: String,
    /// Its name.
    pub state_label: String,
    /// 主动 / 交办.
    pub origin_label: String,
    /// 事前 / 事后.
    pub timing_label: String,
    /// The lead.
    pub lead: String,
    /// The lead's unit.
    pub lead_unit: String,
    /// Start — planned end.
    pub schedule: String,
    /// Outcome's name, once closed.
    pub outcome_label: Option<String>,
}

/// The topics the caller reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicsView {
    /// The year shown (None: every year).
    pub year: Option<i64>,
    /// The state shown.
    pub state: Option<String>,
    /// The years there are topics of, newest first.
    pub years: Vec<i64>,
    /// The states with how many topics of the year are in each: (code, name, count).
    pub states: Vec<(String, String, i64)>,
    /// The topics.
    pub topics: Vec<TopicLine>,
    /// The caller may propose a topic.
    pub may_propose: bool,
}

/// A post a form offers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonOption {
    /// Post.
    pub post_id: i64,
    /// 「姓名（单位 职务）」.
    pub label: String,
}

/// What the form for a new topic offers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicOptions {
    /// The leaders a topic may be assigned by.
    pub leaders: Vec<PersonOption>,
    /// The posts of the office (lead and team).
    pub posts: Vec<PersonOption>,
    /// The caller's own post.
    pub own_post: i64,
}

/// A topic's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = research::TopicView)]
pub struct TopicView {
    /// The topic as listed.
    pub topic: TopicLine,
    /// The questions.
    pub questions: String,
    /// Who assigned it (交办).
    pub assigned_by: Option<String>,
    /// The lead post.
    pub lead_post_id: i64,
    /// The decision's note.
    pub decision_note: String,
    /// The team, the lead first.
    pub members: Vec<PersonOption>,
    /// Field work, by date.
    pub visits: Vec<VisitLine>,
    /// The report, once drafted.
    pub report: Option<ReportView>,
    /// The leaders' 批示.
    pub instructions: Vec<InstructionLine>,
    /// The outcome's note.
    pub outcome_note: String,
    /// The outgoing document it became: (id, 「标题（文号）」).
    pub outcome_document: Option<(i64, String)>,
    /// The meeting decision it became: (meeting, text).
    pub outcome_decision: Option<(i64, String)>,
    /// The day it closed.
    pub closed_on: Option<String>,
    /// Whether it closed by its planned end.
    pub on_time: Option<bool>,
    /// The caller may take it into the plan or decline it.
    pub may_decide: bool,
    /// The caller may start the field work.
    pub may_start: bool,
    /// The caller may log field work.
    pub may_log: bool,
    /// The caller may write the report.
    pub may_write: bool,
    /// The caller may review the report.
    pub may_review: bool,
    /// The caller may give a 批示.
    pub may_instruct: bool,
    /// The caller may turn a 批示 into a 督办 item (the office's supervising section).
    pub may_supervise: bool,
    /// The caller may close the topic with its outcome.
    pub may_close: bool,
    /// The files of the field work.
    pub files: Vec<FileLine>,
    /// The leaders a visit may be logged with (when the caller may log one).
    pub leaders: Vec<PersonOption>,
}

pub(crate) fn line(t: &TopicRow) -> TopicLine {
    TopicLine {
        id: t.id,
        year: t.plan_year,
        title: t.title.clone(),
        state: t.state.clone(),
        state_label: TopicState::from_code(&t.state)
            .map_or("", TopicState::label)
            .to_owned(),
        origin_label: Origin::from_code(&t.origin)
            .map_or("", Origin::label)
            .to_owned(),
        timing_label: Timing::from_code(&t.timing)
            .map_or("", Timing::label)
            .to_owned(),
        lead: t.lead.clone(),
        lead_unit: t.lead_unit.clone(),
        schedule: format!("{} 至 {}", t.starts_on, t.due_on),
        outcome_label: t
            .outcome
            .as_deref()
            .and_then(Outcome::from_code)
            .map(|o| o.label().to_owned()),
    }
}

impl Research<'_> {
    /// 提出: a post of the office proposes a topic (主动, or 交办 naming the leader), or a
    /// leader assigns one; it waits for the office leader's decision. Answers its id.
    pub async fn propose(
        &self,
        actor: &Actor,
        input: &TopicInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.desk(actor).await?;
        let office = d.office()?;
        let origin = Origin::from_code(input.origin.trim())
            .ok_or_else(|| ServiceError::invalid("origin", "请选择课题来源：主动或交办"))?;
        let timing = Timing::from_code(input.timing.trim())
            .ok_or_else(|| ServiceError::invalid("timing", "请选择事前调研或事后调研"))?;
        let starts = parse_day("starts_on", &input.starts_on)?;
        let due = parse_day("due_on", &input.due_on)?;
        check_topic(&input.title, &input.questions, starts, due).map_err(into_invalid)?;
        let leaders = self.leaders(office).await?;
        let assigned_by = match origin {
            Origin::Own => None,
            Origin::Assigned => {
                let by = input.assigned_by.or(d.leader.then_some(d.post));
                match by {
                    Some(p) if leaders.iter().any(|l| l.post_id == p) => Some(p),
                    _ => {
                        return Err(ServiceError::invalid(
                            "assigned_by",
                            "交办课题请选择交办的领导",
                        ));
                    }
                }
            }
        };
        let lead_post = match input.lead_post {
            Some(p) => p,
            None if !d.leader || d.office_leader => d.post,
            None => {
                return Err(ServiceError::invalid("lead_post", "请选择牵头人"));
            }
        };
        let mut tx = self.svc.db().begin().await?;
        let lead_unit = self.in_office(&mut tx, lead_post, office).await?;
        let gov = store::government_of(self.svc.db(), office).await?;
        let mut team = vec![lead_post];
        for m in &input.members {
            if team.contains(m) {
                continue;
            }
            let Some((name, unit)) = store::post_label(&mut tx, *m).await? else {
                return Err(ServiceError::invalid("members", "调研组成员不存在或已停用"));
            };
            let chain = self.svc.unit_chain(&mut tx, unit).await?;
            if gov.is_none() || chain.government().map(|g| g.id) != gov {
                return Err(ServiceError::invalid(
                    "members",
                    format!("{name}不属于本级政府的单位，不能加入调研组"),
                ));
            }
            team.push(*m);
        }
        let id = store::insert_topic(
            &mut tx,
            &NewTopic {
                office,
                year: i64::from(starts.year()),
                title: input.title.trim(),
                questions: input.questions.trim(),
                origin: origin.code(),
                assigned_by,
                timing: timing.code(),
                lead_post,
                lead_unit,
                starts_on: &starts.to_string(),
                due_on: &due.to_string(),
                by: d.post,
            },
            ms(now),
        )
        .await?;
        for p in &team {
            store::insert_member(&mut tx, id, *p).await?;
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.proposed",
            subject(id),
            json!({"office": office, "origin": origin.code(), "timing": timing.code(),
                   "lead_post": lead_post, "team": team}),
            now,
        )
        .await?;
        for l in leaders.iter().filter(|l| l.unit_id == office) {
            self.tell(
                &mut tx,
                l.post_id,
                id,
                &format!(
                    "调研课题「{}」已提出，请审定是否列入年度调研计划",
                    input.title.trim()
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The unit of an active post of the office (the office itself or one of its sections),
    /// or a refusal naming the lead field.
    async fn in_office(&self, tx: &mut xn_store::Tx, post: i64, office: i64) -> Result<i64> {
        let refused = || ServiceError::invalid("lead_post", "牵头人应为本办公室（厅）的在岗人员");
        let (_, unit) = store::post_label(tx, post).await?.ok_or_else(refused)?;
        let chain = self.svc.unit_chain(tx, unit).await?;
        if chain.contains(office) {
            Ok(unit)
        } else {
            Err(refused())
        }
    }

    /// A notification about a topic.
    pub(crate) async fn tell(
        &self,
        tx: &mut xn_store::Tx,
        post: i64,
        topic: i64,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        xn_store::notifications::insert_notification(
            tx,
            &xn_store::notifications::NewNotification {
                post_id: post,
                kind: "research",
                subject: Some(&format!("research:{topic}")),
                message,
            },
            ms(now),
        )
        .await?;
        Ok(())
    }

    /// 列入计划 or 不列入: the office's 主任 or 副主任 decides on a proposed topic (a decline
    /// needs its reason).
    pub async fn decide(
        &self,
        actor: &Actor,
        id: i64,
        approve: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, id).await?;
        if !(d.office_leader && d.office == Some(t.office_unit_id)) {
            return Err(ServiceError::Forbidden(
                "只有本办公室（厅）的主任、副主任可以审定调研计划".into(),
            ));
        }
        let to = if approve {
            TopicState::Planned
        } else {
            TopicState::Declined
        };
        state_of(&t)?.check_move(to).map_err(into_invalid)?;
        if !approve && note.trim().is_empty() {
            return Err(ServiceError::invalid("note", "不列入计划请说明理由"));
        }
        if note.chars().count() > 500 {
            return Err(ServiceError::invalid("note", "意见不超过 500 字"));
        }
        if !store::decide(&mut tx, id, to.code(), d.post, note.trim(), ms(now)).await? {
            return Err(changed());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            if approve {
                "research.planned"
            } else {
                "research.declined"
            },
            subject(id),
            json!({"note": note.trim()}),
            now,
        )
        .await?;
        self.tell(
            &mut tx,
            t.lead_post_id,
            id,
            &format!("调研课题「{}」{}", t.title, to.label()),
            now,
        )
        .await?;
        self.recount(&mut tx, t.office_unit_id, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// 实施: the lead (or an office leader) starts the field work of a planned topic.
    pub async fn start(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, id).await?;
        if !manages(&d, &t) {
            return Err(ServiceError::Forbidden(
                "只有课题牵头人或办公室领导可以启动调研".into(),
            ));
        }
        state_of(&t)?
            .check_move(TopicState::Active)
            .map_err(into_invalid)?;
        if !store::set_state(&mut tx, id, &t.state, TopicState::Active.code()).await? {
            return Err(changed());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.started",
            subject(id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The topics the caller reads, of a year (None: all) and a state.
    pub async fn topics(
        &self,
        actor: &Actor,
        year: Option<i64>,
        state: Option<&str>,
    ) -> Result<TopicsView> {
        let d = self.desk(actor).await?;
        let offices: Vec<i64> = d.office.into_iter().collect();
        let all = store::topics_for(self.svc.db(), &offices, d.post).await?;
        let mut years: Vec<i64> = all.iter().map(|t| t.plan_year).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        let of_year: Vec<&TopicRow> = all
            .iter()
            .filter(|t| year.is_none_or(|y| t.plan_year == y))
            .collect();
        let states = TopicState::ALL
            .iter()
            .map(|s| {
                let n = of_year.iter().filter(|t| t.state == s.code()).count();
                (
                    s.code().to_owned(),
                    s.label().to_owned(),
                    i64::try_from(n).unwrap_or(0),
                )
            })
            .collect();
        let state = state.filter(|s| TopicState::from_code(s).is_some());
        Ok(TopicsView {
            year,
            state: state.map(str::to_owned),
            years,
            states,
            topics: of_year
                .into_iter()
                .filter(|t| state.is_none_or(|s| t.state == s))
                .map(line)
                .collect(),
            may_propose: d.office.is_some(),
        })
    }

    /// What the form for a new topic offers: the leaders and the office's posts.
    pub async fn options(&self, actor: &Actor) -> Result<TopicOptions> {
        let d = self.desk(actor).await?;
        let office = d.office()?;
        let leaders = self
            .leaders(office)
            .await?
            .into_iter()
            .map(|l| PersonOption {
                post_id: l.post_id,
                label: format!("{} {}", l.person_name, l.title),
            })
            .collect();
        let posts = xn_store::meetings::schedule::office_posts(self.svc.db(), office)
            .await?
            .into_iter()
            .map(|(post_id, label)| PersonOption { post_id, label })
            .collect();
        Ok(TopicOptions {
            leaders,
            posts,
            own_post: d.post,
        })
    }

    /// A topic's page: its team, field work, report, 批示 and outcome, with what the caller
    /// may do next.
    pub async fn topic(&self, actor: &Actor, id: i64) -> Result<TopicView> {
        let d = self.desk(actor).await?;
        let t = self.readable(&d, id).await?;
        let db = self.svc.db();
        let members: Vec<PersonOption> = store::members_of(db, id)
            .await?
            .into_iter()
            .map(|(post_id, label, _)| PersonOption { post_id, label })
            .collect();
        let member = members.iter().any(|m| m.post_id == d.post);
        let (visits, files) = self.visits(id).await?;
        let report = store::report_of(db, id).await?;
        let instructions = self.instruction_lines(id).await?;
        let (doc, dec) =
            store::outcome_labels(db, t.outcome_document_id, t.outcome_decision_id).await?;
        let state = state_of(&t)?;
        let in_office = d.office == Some(t.office_unit_id);
        let leader = in_office && d.leader;
        let report_state = report
            .as_ref()
            .and_then(|r| ReportState::from_code(&r.state));
        let may_review = report_state == Some(ReportState::Review)
            && in_office
            && (d.office_leader || d.chief_of == Some(t.lead_unit_id));
        let submitted = report_state == Some(ReportState::Submitted);
        let may_supervise = submitted
            && instructions.iter().any(|i| i.supervision_item_id.is_none())
            && match self.svc.supervision().section(actor).await? {
                Some(s) => s.office() == t.office_unit_id,
                None => false,
            };
        let on_time = t
            .closed_on
            .as_ref()
            .map(|c| c.as_str() <= t.due_on.as_str());
        let may_log = matches!(state, TopicState::Active | TopicState::Reporting) && member;
        let leaders = if may_log {
            self.leaders(t.office_unit_id)
                .await?
                .into_iter()
                .map(|l| PersonOption {
                    post_id: l.post_id,
                    label: format!("{} {}", l.person_name, l.title),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(TopicView {
            questions: t.questions.clone(),
            assigned_by: t.assigned_by.clone(),
            lead_post_id: t.lead_post_id,
            decision_note: t.decision_note.clone(),
            members,
            visits,
            files,
            report: report.map(|r| ReportView::of(&r)),
            instructions,
            outcome_note: t.outcome_note.clone(),
            outcome_document: t.outcome_document_id.zip(doc),
            outcome_decision: dec,
            closed_on: t.closed_on.clone(),
            on_time,
            may_decide: state == TopicState::Proposed && d.office_leader && in_office,
            may_start: state == TopicState::Planned && manages(&d, &t),
            may_log,
            leaders,
            may_write: matches!(state, TopicState::Active | TopicState::Reporting)
                && t.lead_post_id == d.post
                && report_state.is_none_or(|s| s == ReportState::Draft),
            may_review,
            may_instruct: submitted && leader && state == TopicState::Reporting,
            may_supervise,
            may_close: submitted && state == TopicState::Reporting && manages(&d, &t),
            topic: line(&t),
        })
    }
}

/// A topic's stored state.
pub(crate) fn state_of(t: &TopicRow) -> Result<TopicState> {
    TopicState::from_code(&t.state).ok_or(ServiceError::NotFound("调研课题"))
}

/// A write that lost to another one.
pub(crate) fn changed() -> ServiceError {
    ServiceError::Conflict {
        code: "research.changed",
        message: "课题已被他人处理，请刷新后重试".into(),
    }
}
