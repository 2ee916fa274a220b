//! 回执: an attendee's reply (参加, 请假 with a reason, 委托 naming a post of the same unit),
//! the organising office's decision on a 请假, its urge (催办) of those who have not replied, and
//! the replies a post still owes, which its workbench lists. The notice itself, the reply
//! table and the rules of who receives what are in `notice`.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::meetings::{LeaveStatus, MeetingStatus, RsvpAnswer, reply_is_late};
use xn_store::meetings as store;
use xn_store::meetings::notices::{self as nstore, ReplyRow};

use super::book::audit;
use super::notice::{answers, invited_posts, moment_text, not_taking_replies, the_text};
use super::{Meetings, clearance_of, span_text, status_of, tell};
use crate::{Actor, Result, ServiceError, from_ms, ms};

use super::notice::{AwaitingView, LeaveDecision, ReplyInput, UrgeInput};

impl Meetings<'_> {
    /// Records the viewer's reply on a row they answer for; replying again replaces the reply
    /// (and any decision on a 请假). Refused, with nothing written, to anyone the notice was not
    /// addressed to.
    pub async fn reply(
        &self,
        actor: &Actor,
        id: i64,
        input: &ReplyInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = self.seen(&viewer, id).await?;
        let answer = RsvpAnswer::from_code(input.answer.trim())
            .ok_or_else(|| ServiceError::invalid("answer", "请选择参加、请假或委托"))?;
        let reason = the_text("reason", "说明", &input.reason, 200)?;
        if answer == RsvpAnswer::Leave && reason.is_empty() {
            return Err(ServiceError::invalid("reason", "请假请填写理由"));
        }
        let level = clearance_of(&m.classification);
        let mut tx = self.svc.db().begin().await?;
        let current = store::find_meeting_tx(&mut tx, id).await?;
        let status = status_of(&current)?;
        let Some(notice) = nstore::find_notice_tx(&mut tx, id).await? else {
            return Err(not_taking_replies(&current, status));
        };
        let rows = nstore::replies_of_tx(&mut tx, id).await?;
        let mine: Vec<&ReplyRow> = rows.iter().filter(|r| answers(&viewer, r)).collect();
        let row = match (input.reply_id, mine.as_slice()) {
            (_, []) => {
                return Err(ServiceError::Forbidden(
                    "会议通知没有发给您（或您代理的身份），不能回执".into(),
                ));
            }
            (Some(rid), _) => mine
                .iter()
                .find(|r| r.id == rid)
                .copied()
                .ok_or_else(|| ServiceError::Forbidden("这条回执不由您填写".into()))?,
            (None, [one]) => *one,
            (None, _) => {
                return Err(ServiceError::invalid(
                    "reply_id",
                    "您收到了此会议的多份通知，请指明为哪一份回执",
                ));
            }
        };
        if status != MeetingStatus::Notified || ms(now) >= current.starts_at {
            return Err(not_taking_replies(&current, status));
        }
        let proxy = if answer == RsvpAnswer::Proxy {
            let Some(p) = input.proxy_post_id else {
                return Err(ServiceError::invalid(
                    "proxy_post_id",
                    "请选择代为参会的人员",
                ));
            };
            let invited = invited_posts(&current, &rows, row.id);
            let ok = match store::active_post(&mut tx, p).await? {
                Some((unit, c)) => {
                    unit == row.recipient_unit_id
                        && clearance_of(&c).may_see(level)
                        && !invited.contains(&p)
                }
                None => false,
            };
            if !ok {
                return Err(ServiceError::invalid(
                    "proxy_post_id",
                    "只能委托本单位在职、涉密等级符合会议密级且不在参会名单中的人员",
                ));
            }
            Some(p)
        } else {
            None
        };
        let late = reply_is_late(notice.reply_by, ms(now));
        nstore::set_reply(
            &mut tx,
            &nstore::NewReply {
                id: row.id,
                answer: answer.code(),
                reason: &reason,
                proxy_post_id: proxy,
                replied_by_post_id: viewer.post,
                late,
                leave_status: (answer == RsvpAnswer::Leave).then_some(LeaveStatus::Pending.code()),
            },
            ms(now),
        )
        .await?;
        let subject = format!("meeting:{id}");
        let who = store::post_label(&mut tx, viewer.post).await?;
        if answer == RsvpAnswer::Leave {
            let message = format!(
                "《{}》：{}请假（{}），待审批{}",
                current.title,
                row.recipient,
                reason,
                if late { "；回执已逾期" } else { "" }
            );
            tell(
                &mut tx,
                &[notice.sent_by_post_id],
                "meeting.leave_asked",
                &subject,
                &message,
                now,
            )
            .await?;
        }
        if let Some(p) = proxy {
            let message = format!(
                "{}委托您代为参加《{}》（{}）",
                row.recipient,
                current.title,
                span_text(current.starts_at, current.ends_at)
            );
            tell(&mut tx, &[p], "meeting.proxy", &subject, &message, now).await?;
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.replied",
            Some(subject),
            json!({"meeting": id, "reply": row.id, "answer": answer.code(), "reason": reason,
                   "proxy": proxy, "late": late, "by": who, "for_post": row.post_id,
                   "for_unit": row.unit_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(row.id)
    }

    /// The organising office approves or refuses a 请假 still waiting for its decision; the one
    /// who asked is told.
    pub async fn decide_leave(
        &self,
        actor: &Actor,
        id: i64,
        reply: i64,
        input: &LeaveDecision,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (cap, m) = self.managed(actor, id).await?;
        let note = the_text("note", "审批意见", &input.note, 200)?;
        let status = match input.decision.trim() {
            "approve" => LeaveStatus::Approved,
            "refuse" => LeaveStatus::Refused,
            _ => return Err(ServiceError::invalid("decision", "请选择准假或不准假")),
        };
        if status == LeaveStatus::Refused && note.is_empty() {
            return Err(ServiceError::invalid("note", "不准假请填写理由"));
        }
        let mut tx = self.svc.db().begin().await?;
        let row = nstore::find_reply_tx(&mut tx, reply)
            .await
            .map_err(ServiceError::missing("回执"))?;
        if row.meeting_id != id {
            return Err(ServiceError::NotFound("回执"));
        }
        if !nstore::decide_leave(&mut tx, reply, status.code(), &note, cap.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "meetings.leave_state",
                message: "这条回执不是待审批的请假（可能已审批或已改为其他回执）".into(),
            });
        }
        let to = row.replied_by_post_id.or(row.post_id);
        if let Some(post) = to {
            let message = format!(
                "《{}》：您的请假{}{}",
                m.title,
                status.label(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!("（{note}）")
                }
            );
            tell(
                &mut tx,
                &[post],
                "meeting.leave_decided",
                &format!("meeting:{id}"),
                &message,
                now,
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.leave_decided",
            Some(format!("meeting:{id}")),
            json!({"meeting": id, "reply": reply, "decision": status.code(), "note": note}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Urges (催办) every recipient who has not replied, with a message; answers how many
    /// recipients were urged.
    pub async fn urge(
        &self,
        actor: &Actor,
        id: i64,
        input: &UrgeInput,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let (_, m) = self.managed(actor, id).await?;
        let text = the_text("message", "催办内容", &input.message, 200)?;
        let mut tx = self.svc.db().begin().await?;
        let current = store::find_meeting_tx(&mut tx, id).await?;
        let status = status_of(&current)?;
        let Some(notice) = nstore::find_notice_tx(&mut tx, id).await? else {
            return Err(not_taking_replies(&current, status));
        };
        if status != MeetingStatus::Notified || ms(now) >= current.starts_at {
            return Err(not_taking_replies(&current, status));
        }
        let urged = nstore::urge_unanswered(&mut tx, id, ms(now)).await?;
        if urged.is_empty() {
            return Err(ServiceError::Conflict {
                code: "meetings.all_replied",
                message: "参会人员均已回执，无需催办".into(),
            });
        }
        let rows = nstore::replies_of_tx(&mut tx, id).await?;
        let level = clearance_of(&m.classification);
        let message = format!(
            "催办回执：《{}》（{}），回执截止{}。{}",
            m.title,
            span_text(m.starts_at, m.ends_at),
            moment_text(notice.reply_by),
            if text.is_empty() {
                "请尽快回执。"
            } else {
                text.as_str()
            }
        );
        let subject = format!("meeting:{id}");
        let mut told: Vec<i64> = Vec::new();
        for r in rows.iter().filter(|r| urged.contains(&r.id)) {
            for p in self.targets(&mut tx, r, level).await? {
                if !told.contains(&p) {
                    told.push(p);
                }
            }
        }
        tell(&mut tx, &told, "meeting.urge", &subject, &message, now).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "meeting.urged",
            Some(subject),
            json!({"meeting": id, "replies": urged, "posts_told": told, "message": text}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(urged.len())
    }

    /// The replies the acting post owes (as the invited post, for a post it acts for through a
    /// 委托 window, or for its unit), for meetings notified and not yet begun: its workbench's
    /// 待回执 list.
    pub async fn awaiting_reply(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<AwaitingView>> {
        let viewer = self.viewer_at(actor, now).await?;
        let mut posts = vec![viewer.post];
        posts.extend(viewer.principals.iter().copied());
        let units: Vec<i64> = viewer.chain.0.iter().map(|u| u.id).collect();
        let rows = nstore::awaiting(self.svc.db(), &posts, &units, ms(now)).await?;
        let mut out = Vec::new();
        for r in rows {
            if !viewer.clearance.may_see(clearance_of(&r.classification)) {
                continue;
            }
            let on_behalf_of = match (r.post_id, r.unit_id) {
                (Some(p), _) if p != viewer.post => {
                    let mut tx = self.svc.db().begin_read().await?;
                    let label = store::post_label(&mut tx, p).await?;
                    drop(tx);
                    Some(label)
                }
                (None, Some(u)) => viewer
                    .chain
                    .0
                    .iter()
                    .find(|c| c.id == u)
                    .map(|c| c.name.clone()),
                _ => None,
            };
            out.push(AwaitingView {
                meeting_id: r.meeting_id,
                reply_id: r.reply_id,
                title: r.title,
                when: span_text(r.starts_at, r.ends_at),
                reply_by: from_ms(r.reply_by),
                past_deadline: ms(now) > r.reply_by,
                urge_count: r.urge_count,
                on_behalf_of,
            });
        }
        Ok(out)
    }
}
