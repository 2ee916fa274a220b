//! The report: drafted by the lead post, reviewed in the office (the lead's section chief or
//! an office leader), submitted to the leaders; the leaders' 批示, each of which the office's
//! supervising section may turn into a 督办 item in one step; and the outcome the topic closes
//! with (转化为文件, 转化为决策, 未转化).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::research::{Outcome, ReportState, TopicState, check_instruction, check_report};
use xn_domain::supervision::{Importance, ReportCycle, SourceKind};
use xn_store::research::{self as store, OutcomeRow, ReportRow};

use super::topics::{changed, state_of};
use super::{Research, beijing, into_invalid, manages, subject};
use crate::flow::ActorRef;
use crate::supervision::NewItemInput;
use crate::{Actor, Result, ServiceError, ms};

/// The report's text.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReportInput {
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Send it for review now.
    #[serde(default)]
    pub submit: bool,
}

/// A review of the report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReviewInput {
    /// true: submit it to the leaders; false: return it to the lead.
    pub approve: bool,
    /// The reviewer's note (a return needs one).
    #[serde(default)]
    pub note: String,
}

/// The office leader's decision on a proposed topic.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = research::DecisionInput)]
pub struct DecisionInput {
    /// true: 列入计划; false: 不列入.
    pub approve: bool,
    /// Note (a decline needs one).
    #[serde(default)]
    pub note: String,
}

/// Turning a 批示 into a 督办 item.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SuperviseInput {
    /// The 批示.
    pub instruction_id: i64,
    /// The lead post of the item (default: the topic's lead).
    #[serde(default)]
    pub lead_post: Option<i64>,
    /// Working days to do it (default 20).
    #[serde(default)]
    pub deadline_days: Option<u32>,
}

/// The outcome a topic closes with.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OutcomeInput {
    /// `document` (转化为文件), `decision` (转化为决策) or `none` (未转化).
    pub outcome: String,
    /// For 转化为文件: the outgoing document.
    #[serde(default)]
    pub document_id: Option<i64>,
    /// For 转化为决策: the meeting's 议定事项.
    #[serde(default)]
    pub decision_id: Option<i64>,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// The report as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = research::ReportView)]
pub struct ReportView {
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// State code.
    pub state: String,
    /// Its name.
    pub state_label: String,
    /// The reviewer's note.
    pub review_note: String,
    /// When it went to the leaders.
    pub submitted_at: Option<String>,
}

impl ReportView {
    pub(crate) fn of(r: &ReportRow) -> ReportView {
        ReportView {
            title: r.title.clone(),
            body: r.body.clone(),
            state: r.state.clone(),
            state_label: ReportState::from_code(&r.state)
                .map_or("", ReportState::label)
                .to_owned(),
            review_note: r.review_note.clone(),
            submitted_at: r.submitted_at.map(beijing),
        }
    }
}

/// A leader's 批示 as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstructionLine {
    /// Id.
    pub id: i64,
    /// 「姓名 职务」.
    pub leader: String,
    /// The words.
    pub text: String,
    /// When.
    pub given_at: String,
    /// The 督办 item it became.
    pub supervision_item_id: Option<i64>,
}

impl Research<'_> {
    /// The lead writes the report (a topic in the field moves to 报告); with `submit`, it goes
    /// for review.
    pub async fn save_report(
        &self,
        actor: &Actor,
        topic: i64,
        input: &ReportInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, topic).await?;
        if t.lead_post_id != d.post {
            return Err(ServiceError::Forbidden(
                "只有课题牵头人可以起草调研报告".into(),
            ));
        }
        check_report(&input.title, &input.body).map_err(into_invalid)?;
        let state = state_of(&t)?;
        match state {
            TopicState::Active => {
                if !store::set_state(&mut tx, topic, "active", "reporting").await? {
                    return Err(changed());
                }
            }
            TopicState::Reporting => {}
            _ => {
                return Err(ServiceError::invalid(
                    "state",
                    format!("课题当前为「{}」，不能起草报告", state.label()),
                ));
            }
        }
        if let Some(r) = store::report_of_tx(&mut tx, topic).await?
            && r.state != ReportState::Draft.code()
        {
            return Err(ServiceError::invalid(
                "state",
                "报告已送审或已报送领导，不能修改",
            ));
        }
        let to = if input.submit {
            ReportState::Review
        } else {
            ReportState::Draft
        };
        store::save_report(
            &mut tx,
            topic,
            input.title.trim(),
            input.body.trim(),
            to.code(),
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            if input.submit {
                "research.report_sent"
            } else {
                "research.report_saved"
            },
            subject(topic),
            json!({"title": input.title.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The lead's section chief or an office leader reviews the report: submits it to the
    /// leaders (who are told), or returns it with a reason.
    pub async fn review(
        &self,
        actor: &Actor,
        topic: i64,
        input: &ReviewInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, topic).await?;
        let in_office = d.office == Some(t.office_unit_id);
        if !(in_office && (d.office_leader || d.chief_of == Some(t.lead_unit_id))) {
            return Err(ServiceError::Forbidden(
                "只有牵头科室负责人或办公室领导可以审核调研报告".into(),
            ));
        }
        if !input.approve && input.note.trim().is_empty() {
            return Err(ServiceError::invalid("note", "退回修改请说明理由"));
        }
        let to = if input.approve {
            ReportState::Submitted
        } else {
            ReportState::Draft
        };
        if !store::review_report(
            &mut tx,
            topic,
            ReportState::Review.code(),
            to.code(),
            Some(d.post),
            input.note.trim(),
            ms(now),
        )
        .await?
        {
            return Err(ServiceError::invalid("state", "报告不在审核中"));
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            if input.approve {
                "research.report_submitted"
            } else {
                "research.report_returned"
            },
            subject(topic),
            json!({"note": input.note.trim()}),
            now,
        )
        .await?;
        if input.approve {
            for l in self.leaders(t.office_unit_id).await? {
                if l.unit_id != t.office_unit_id {
                    self.tell(
                        &mut tx,
                        l.post_id,
                        topic,
                        &format!("调研报告「{}」已报送，请阅示", t.title),
                        now,
                    )
                    .await?;
                }
            }
            self.recount(&mut tx, t.office_unit_id, topic, now).await?;
        } else {
            self.tell(
                &mut tx,
                t.lead_post_id,
                topic,
                &format!("调研报告「{}」被退回修改：{}", t.title, input.note.trim()),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A leader's 批示 on a submitted report. Answers its id.
    pub async fn instruct(
        &self,
        actor: &Actor,
        topic: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, topic).await?;
        if !(d.leader && d.office == Some(t.office_unit_id)) {
            return Err(ServiceError::Forbidden(
                "只有本级领导可以批示调研报告".into(),
            ));
        }
        check_instruction(text).map_err(into_invalid)?;
        let submitted = store::report_of_tx(&mut tx, topic)
            .await?
            .is_some_and(|r| r.state == ReportState::Submitted.code());
        if !submitted || state_of(&t)? != TopicState::Reporting {
            return Err(ServiceError::invalid("state", "调研报告尚未报送领导"));
        }
        let id = store::insert_instruction(&mut tx, topic, d.post, text.trim(), ms(now)).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.instructed",
            subject(topic),
            json!({"instruction": id}),
            now,
        )
        .await?;
        self.tell(
            &mut tx,
            t.lead_post_id,
            topic,
            &format!("领导对调研报告「{}」作出批示：{}", t.title, text.trim()),
            now,
        )
        .await?;
        self.recount(&mut tx, t.office_unit_id, topic, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// 批示 → 督办 in one step: the office's supervising section opens a 督办 item (source
    /// 领导批示) from a 批示 on the report, led by the topic's lead unless another post of
    /// the office's government is named; the 批示 and the item link to each other. Answers
    /// the item's id.
    pub async fn supervise(
        &self,
        actor: &Actor,
        topic: i64,
        input: &SuperviseInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.desk(actor).await?;
        let t = self.readable(&d, topic).await?;
        let section = self.svc.supervision().as_section(actor).await?;
        if section.office() != t.office_unit_id {
            return Err(ServiceError::Forbidden(
                "只有本办公室（厅）的督查科可以把批示转为督办事项".into(),
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let i = store::find_instruction_tx(&mut tx, input.instruction_id)
            .await?
            .filter(|i| i.topic_id == topic)
            .ok_or(ServiceError::NotFound("批示"))?;
        if i.supervision_item_id.is_some() {
            return Err(ServiceError::Conflict {
                code: "research.supervised",
                message: "该批示已转为督办事项".into(),
            });
        }
        let report_title = store::report_of_tx(&mut tx, topic)
            .await?
            .map_or_else(|| t.title.clone(), |r| r.title);
        let lead_post = input.lead_post.unwrap_or(t.lead_post_id);
        let (_, lead_unit) = store::post_label(&mut tx, lead_post)
            .await?
            .ok_or_else(|| ServiceError::invalid("lead_post", "牵头责任人不存在或已停用"))?;
        let title: String = format!("落实{}批示", report_title.trim_start_matches("关于"))
            .chars()
            .take(100)
            .collect();
        let item_input = NewItemInput {
            source_kind: SourceKind::Instruction,
            source_case_id: None,
            source_text: format!(
                "{}在调研报告《{}》上批示：{}",
                i.leader, report_title, i.text
            ),
            source_leader: String::new(),
            source_leader_post: Some(i.leader_post_id),
            title,
            content: i.text.clone(),
            requirements: String::new(),
            lead_unit,
            lead_post,
            assists: Vec::new(),
            deadline: None,
            deadline_days: Some(input.deadline_days.unwrap_or(20)),
            report_cycle: ReportCycle::default(),
            report_day: 0,
            importance: Importance::default(),
        };
        let me = ActorRef::of(actor)?;
        let item = self
            .svc
            .supervision()
            .open_for_meeting(&mut tx, &me, None, t.office_unit_id, &item_input, now)
            .await?;
        if !store::link_item(&mut tx, i.id, item).await? {
            return Err(changed());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.supervised",
            subject(topic),
            json!({"instruction": i.id, "item": item}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    /// 结题: the lead or an office leader closes a topic whose report went to the leaders,
    /// with its outcome: an outgoing document of the office (转化为文件), a decision of one of
    /// the office's meetings (转化为决策) or none.
    pub async fn close(
        &self,
        actor: &Actor,
        topic: i64,
        input: &OutcomeInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let d = self.desk(actor).await?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, topic).await?;
        if !manages(&d, &t) {
            return Err(ServiceError::Forbidden(
                "只有课题牵头人或办公室领导可以结题".into(),
            ));
        }
        let outcome = Outcome::from_code(input.outcome.trim())
            .ok_or_else(|| ServiceError::invalid("outcome", "请选择成果转化情况"))?;
        if input.note.chars().count() > 1000 {
            return Err(ServiceError::invalid("note", "说明不超过 1000 字"));
        }
        let submitted = store::report_of_tx(&mut tx, topic)
            .await?
            .is_some_and(|r| r.state == ReportState::Submitted.code());
        if !submitted || state_of(&t)? != TopicState::Reporting {
            return Err(ServiceError::invalid("state", "调研报告报送领导后才能结题"));
        }
        let (document, decision) = match outcome {
            Outcome::Document => {
                let id = input.document_id.ok_or_else(|| {
                    ServiceError::invalid("document_id", "转化为文件请填写发文编号")
                })?;
                let refused =
                    || ServiceError::invalid("document_id", "发文不存在或不属于本办公室（厅）");
                let (unit, _, level, _) = store::outgoing_document(&mut tx, id)
                    .await?
                    .ok_or_else(refused)?;
                let chain = self.svc.unit_chain(&mut tx, unit).await?;
                let gov = chain.government().map(|g| g.id);
                let ours = chain.contains(t.office_unit_id)
                    || (gov.is_some()
                        && gov == store::government_of(self.svc.db(), t.office_unit_id).await?);
                if !ours || !d.clearance.may_see(crate::meetings::clearance_of(&level)) {
                    return Err(refused());
                }
                (Some(id), None)
            }
            Outcome::Decision => {
                let id = input.decision_id.ok_or_else(|| {
                    ServiceError::invalid("decision_id", "转化为决策请选择会议议定事项")
                })?;
                match store::meeting_decision(&mut tx, id).await? {
                    Some((office, _, _)) if office == t.office_unit_id => (None, Some(id)),
                    _ => {
                        return Err(ServiceError::invalid(
                            "decision_id",
                            "议定事项不存在或不属于本级会议",
                        ));
                    }
                }
            }
            Outcome::None => (None, None),
        };
        let today = business_date(now).to_string();
        if !store::close(
            &mut tx,
            topic,
            &OutcomeRow {
                outcome: outcome.code(),
                document,
                decision,
                note: input.note.trim(),
                closed_on: &today,
            },
        )
        .await?
        {
            return Err(changed());
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.closed",
            subject(topic),
            json!({"outcome": outcome.code(), "document": document, "decision": decision}),
            now,
        )
        .await?;
        self.recount(&mut tx, t.office_unit_id, topic, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The 批示 on a topic's report.
    pub(crate) async fn instruction_lines(&self, topic: i64) -> Result<Vec<InstructionLine>> {
        Ok(store::instructions_of(self.svc.db(), topic)
            .await?
            .into_iter()
            .map(|i| InstructionLine {
                id: i.id,
                leader: i.leader,
                text: i.text,
                given_at: beijing(i.given_at),
                supervision_item_id: i.supervision_item_id,
            })
            .collect())
    }
}
