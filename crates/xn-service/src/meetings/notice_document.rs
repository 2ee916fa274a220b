//! 会议通知 as a 通知 document. A meeting that summons another government (a county's leaders
//! or offices) is told by an official 通知, not by a line on the meeting: the organising office
//! drafts the notice as a 通知 of the office through the documents area, its text composed from
//! the meeting (name, time in Beijing time, place, chair, attendees, the approved agenda, the
//! reply deadline and a contact), addressed to every unit the meeting summons. It then goes
//! through 核稿, 签发, numbering, 印制 and 核发 like any 发文 (the drafter may edit the text as a
//! draft); the documents hook calls [`Services::meeting_notice_dispatched`] at 核发, inside the
//! action's transaction, and the notice goes out then — reply rows, notifications, 筹备中 →
//! 已通知 — through the same delivery as the plain notice (`Meetings::deliver_notice`), so the
//! 回执 are collected as today. A meeting of the office's own government keeps the plain notice,
//! and either form may be used for any meeting: the page offers the document first where the
//! meeting summons outside. One notice per meeting either way: once a 通知 document is drafted
//! the plain send is refused, and a plain notice already out refuses the drafting.

use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::documents::Recipient;
use xn_domain::meetings::{AttendRole, MeetingStatus, PlaceKind};
use xn_store::Tx;
use xn_store::meetings::notices::{self as nstore, NoticeDocumentRow};
use xn_store::meetings::topics as tstore;
use xn_store::meetings::{self as store, MeetingRow};

use super::book::{audit, parse_time};
use super::notice::{Delivery, NoticeDocumentView, moment_text, the_text};
use super::{Meetings, beijing, status_of};
use crate::documents::DraftInput;
use crate::flow::ActorRef;
use crate::{Actor, Result, ServiceError, Services, from_ms, ms};

/// What the office gives when drafting the 通知 document; the rest comes from the meeting.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NoticeDocumentInput {
    /// 回执截止: Beijing wall-clock (`2026-11-30 17:00`) or RFC 3339; after now and not after
    /// the start.
    #[serde(default)]
    pub reply_by: String,
    /// 联系人及电话, printed at the end of the 通知.
    #[serde(default)]
    pub contact: String,
    /// Further requirements (有关要求), optional.
    #[serde(default)]
    pub requirements: String,
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// `2026年12月1日（星期二）09:00—11:00`, Beijing time.
fn long_span(starts: i64, ends: i64) -> String {
    let s = beijing(from_ms(starts));
    let e = beijing(from_ms(ends));
    let wd = WEEKDAYS
        .get(s.weekday().num_days_from_monday() as usize)
        .copied()
        .unwrap_or_default();
    let end = if s.date() == e.date() {
        e.format("%H:%M").to_string()
    } else {
        format!("{}月{}日 {}", e.month(), e.day(), e.format("%H:%M"))
    };
    format!(
        "{}年{}月{}日（星期{wd}）{}—{end}",
        s.year(),
        s.month(),
        s.day(),
        s.format("%H:%M")
    )
}

impl Meetings<'_> {
    /// Whether the meeting summons a post or unit outside the office's own government.
    pub(super) async fn summons_outside(&self, m: &MeetingRow) -> Result<bool> {
        let mut tx = self.svc.db().begin_read().await?;
        let government = |chain: &xn_domain::org::UnitChain| chain.government().map(|g| g.id);
        let own = government(&self.svc.unit_chain(&mut tx, m.office_id).await?);
        for a in store::attendees_of(self.svc.db(), &[m.id]).await? {
            if a.role == AttendRole::Staff.code() {
                continue;
            }
            if government(&self.svc.unit_chain(&mut tx, a.unit_id).await?) != own {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(super) async fn notice_document_view(
        &self,
        d: &NoticeDocumentRow,
    ) -> Result<NoticeDocumentView> {
        let doc = xn_store::documents::find_document(self.svc.db(), d.document_id).await?;
        Ok(NoticeDocumentView {
            document_id: d.document_id,
            title: doc.title,
            status_label: crate::documents::status_label(&doc.status).to_owned(),
            reply_by: from_ms(d.reply_by),
        })
    }

    /// The 通知's text, composed from the meeting.
    async fn notice_text(
        &self,
        m: &MeetingRow,
        reply_by: i64,
        contact: &str,
        requirements: &str,
    ) -> Result<String> {
        let db = self.svc.db();
        let place = match PlaceKind::from_code(&m.place_kind).unwrap_or_default() {
            PlaceKind::Room => m.room_name.clone().unwrap_or_default(),
            PlaceKind::Venue => m.venue.clone(),
            PlaceKind::Video => "视频会议（各分会场按会议链接接入）".to_owned(),
        };
        let chair = store::post_labels(db, &[m.chair_post_id])
            .await?
            .into_iter()
            .next()
            .map(|(_, l)| l)
            .unwrap_or_default();
        let attendees = store::attendees_of(db, &[m.id]).await?;
        let names = |role: AttendRole, topic_only: bool| -> Vec<String> {
            attendees
                .iter()
                .filter(|a| {
                    a.role == role.code()
                        && a.proxy_for.is_empty()
                        && a.topic_id.is_some() == topic_only
                })
                .map(|a| match a.post_id {
                    Some(_) => format!("{}{}", a.unit_name, a.post_title),
                    None => a.unit_name.clone(),
                })
                .collect()
        };
        let attend = names(AttendRole::Attend, false);
        let observe = names(AttendRole::Observe, false);
        let mut agenda = Vec::new();
        if tstore::find_agenda(db, m.id).await?.is_some() {
            let mut topics: Vec<_> = tstore::topics_of_meeting(db, m.id)
                .await?
                .into_iter()
                .filter(|t| t.agenda_order.is_some())
                .collect();
            topics.sort_by_key(|t| t.agenda_order);
            for (i, t) in topics.iter().enumerate() {
                let slot = match (t.slot_start, t.slot_end) {
                    (Some(a), Some(b)) => format!(
                        "（{}—{}）",
                        beijing(from_ms(a)).format("%H:%M"),
                        beijing(from_ms(b)).format("%H:%M")
                    ),
                    _ => String::new(),
                };
                agenda.push(format!("{}. {}，{}汇报{slot}", i + 1, t.title, t.unit_name));
            }
        }
        let mut body = format!(
            "经研究，定于{}召开{}。现将有关事项通知如下：\n一、会议时间：{}（北京时间）\n二、会议地点：{place}\n三、主持人：{chair}\n四、参会人员：{}",
            long_span(m.starts_at, m.ends_at),
            m.title,
            long_span(m.starts_at, m.ends_at),
            if attend.is_empty() {
                "见附件名单".to_owned()
            } else {
                attend.join("、")
            }
        );
        if !observe.is_empty() {
            body.push_str(&format!("；列席：{}", observe.join("、")));
        }
        body.push_str("\n五、会议议程：");
        if agenda.is_empty() {
            body.push_str("另行通知");
        } else {
            for line in &agenda {
                body.push('\n');
                body.push_str(line);
            }
        }
        body.push_str(&format!(
            "\n六、有关要求：请于{}前在系统中回执（参加、请假或委托他人参加），请假须说明理由。",
            moment_text(reply_by)
        ));
        if !requirements.is_empty() {
            body.push_str(requirements);
        }
        body.push_str(&format!("\n联系人及电话：{contact}"));
        Ok(body)
    }

    /// Drafts the meeting's notice as a 通知 document of the office (the organising office,
    /// while the meeting is 筹备中 and no notice is out): answers the document's id. Its 核发
    /// sends the notice with this reply deadline.
    pub async fn draft_notice_document(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoticeDocumentInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (cap, m) = self.managed(actor, id).await?;
        let contact = the_text("contact", "联系人及电话", &input.contact, 100)?;
        if contact.is_empty() {
            return Err(ServiceError::invalid("contact", "请填写联系人及电话"));
        }
        let requirements = the_text("requirements", "有关要求", &input.requirements, 1000)?;
        if input.reply_by.trim().is_empty() {
            return Err(ServiceError::invalid("reply_by", "请填写回执截止时间"));
        }
        let reply_by = parse_time("reply_by", &input.reply_by)?;
        if reply_by <= now {
            return Err(ServiceError::invalid("reply_by", "回执截止时间应晚于现在"));
        }
        if ms(reply_by) > m.starts_at {
            return Err(ServiceError::invalid(
                "reply_by",
                "回执截止时间不能晚于会议开始时间",
            ));
        }
        if !status_of(&m)?.may_send_notice() {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_sent",
                message: "会议通知已经发出或会议已取消，不能再起草通知公文".into(),
            });
        }
        let body = self
            .notice_text(&m, ms(reply_by), &contact, &requirements)
            .await?;
        // Addressed (主送) to the other governments the meeting summons, which receive it as a
        // 收文 across the exchange; the office's own government's leaders, bureaus and sections
        // are told on their workbench like everyone.
        let mut recipients: Vec<Recipient> = Vec::new();
        {
            let mut tx = self.svc.db().begin_read().await?;
            let own = self.svc.unit_chain(&mut tx, cap.office()).await?;
            let own = own.government().map(|g| g.id);
            for a in store::attendees_of(self.svc.db(), &[id]).await? {
                if a.role == AttendRole::Staff.code() {
                    continue;
                }
                let chain = self.svc.unit_chain(&mut tx, a.unit_id).await?;
                if let Some(g) = chain.government()
                    && Some(g.id) != own
                    && !recipients.iter().any(|r| r.unit_id == Some(g.id))
                {
                    recipients.push(Recipient {
                        unit_id: Some(g.id),
                        name: g.name.clone(),
                    });
                }
            }
        }
        let mut tx = self.svc.db().begin().await?;
        if nstore::find_notice_tx(&mut tx, id).await?.is_some() {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_sent",
                message: "会议通知已经发出，不再起草通知公文".into(),
            });
        }
        if let Some(d) = nstore::notice_document_of_tx(&mut tx, id).await? {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_document",
                message: format!(
                    "会议通知公文已经起草（公文 {}），请在公文中修改",
                    d.document_id
                ),
            });
        }
        let doc = self
            .svc
            .documents()
            .draft_in(
                &mut tx,
                actor,
                &DraftInput {
                    kind: "notice".into(),
                    title: format!("关于召开{}的通知", m.title),
                    classification: Some(m.classification.clone()),
                    main_recipients: recipients,
                    seal: true,
                    body,
                    version_note: Some("据会议起草".into()),
                    ..DraftInput::default()
                },
                now,
            )
            .await?;
        nstore::insert_notice_document(
            &mut tx,
            &NoticeDocumentRow {
                meeting_id: id,
                document_id: doc,
                reply_by: ms(reply_by),
                drafted_by_post_id: cap.post,
                drafted_at: ms(now),
            },
        )
        .await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.notice_drafted",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "document": doc, "reply_by": ms(reply_by)}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }
}

impl Services {
    /// The meetings area's part of a 核发 (called by the documents hook inside the action's
    /// transaction): when the document is a meeting's 通知, the notice goes out now, as the plain
    /// send does, naming the document. Refused — and with it the 核发 — when the meeting was
    /// cancelled or its reply deadline has passed meanwhile (the office then cancels or drafts
    /// anew); anything else does nothing.
    pub(crate) async fn meeting_notice_dispatched(
        &self,
        tx: &mut Tx,
        doc_id: i64,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(d) = nstore::notice_document_by_document_tx(tx, doc_id).await? else {
            return Ok(());
        };
        if nstore::find_notice_tx(tx, d.meeting_id).await?.is_some() {
            return Ok(());
        }
        let m = store::find_meeting_tx(tx, d.meeting_id).await?;
        if status_of(&m)? != MeetingStatus::Preparing {
            return Err(ServiceError::Conflict {
                code: "meetings.notice_sent",
                message: format!(
                    "会议《{}》{}，不能核发其会议通知",
                    m.title,
                    status_of(&m)?.label()
                ),
            });
        }
        if d.reply_by <= ms(now) {
            return Err(ServiceError::Conflict {
                code: "meetings.reply_by_passed",
                message: format!(
                    "会议通知的回执截止时间（{}）已过，不能核发；请调整会议后重新起草通知",
                    moment_text(d.reply_by)
                ),
            });
        }
        let doc = xn_store::documents::find_document_tx(tx, doc_id).await?;
        let body = self.document_body(doc_id, &doc.body)?;
        self.meetings()
            .deliver_notice(
                tx,
                &m,
                &Delivery {
                    body: &body,
                    reply_by: d.reply_by,
                    sender: d.drafted_by_post_id,
                    document: Some(doc_id),
                },
                &actor.audit(),
                now,
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_reads_with_its_weekday_in_beijing_time() {
        // 2026-12-01 01:00 UTC is Tuesday 09:00 in Beijing.
        let s = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+08:00")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            long_span(s, s + 2 * 3_600_000),
            "2026年12月1日（星期二）09:00—11:00"
        );
    }
}
