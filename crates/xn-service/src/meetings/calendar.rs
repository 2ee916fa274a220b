//! Calendars: one meeting as an `.ics` download, and each person's private feed of the
//! meetings their posts take part in, opened by a token alone (a calendar application has no
//! session). Only the SM3 hash of a feed's token is stored; making a new one revokes the old.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use xn_domain::meetings::MeetingStatus;
use xn_domain::org::Permission;
use xn_render::ical::{MeetingEvent, feed_ics, meeting_ics};
use xn_store::meetings::{self as store, MeetingRow};

use super::{Meetings, clearance_of};
use crate::events::Audit;
use crate::password::{random_token, sm3_hex};
use crate::{Actor, Result, ServiceError, exact, from_ms, ms, require};

/// An iCalendar file to download.
#[derive(Debug, Clone)]
pub struct IcsFile {
    /// File name.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// How far back a feed reaches: meetings that ended within this many days.
const FEED_DAYS_BACK: i64 = 90;

impl Meetings<'_> {
    fn event(&self, m: &MeetingRow, chair: &str) -> Result<MeetingEvent> {
        let place = match m.place_kind.as_str() {
            "room" => m.room_name.clone().unwrap_or_default(),
            "video" => format!("视频会议 {}", m.venue),
            _ => m.venue.clone(),
        };
        Ok(MeetingEvent {
            uid: format!("meeting-{}@xiaoneng", m.id),
            summary: format!("{}：{}", m.kind_name, m.title),
            starts_at: from_ms(m.starts_at),
            ends_at: from_ms(m.ends_at),
            location: place,
            description: format!("承办：{}\n主持：{}", m.organiser_name, chair),
            sequence: exact("meeting sequence", m.sequence)?,
            cancelled: m.status == MeetingStatus::Cancelled.code(),
            updated_at: from_ms(m.updated_at),
        })
    }

    /// One meeting's `.ics`, for a viewer who sees it.
    pub async fn ics(&self, actor: &Actor, id: i64) -> Result<IcsFile> {
        let d = self.get(actor, id).await?;
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let chair = d.meeting.chair.clone();
        Ok(IcsFile {
            name: format!("会议{id}.ics"),
            text: meeting_ics(&self.event(&m, &chair)?),
        })
    }

    /// Whether the actor's person has a feed.
    pub async fn has_feed(&self, actor: &Actor) -> Result<bool> {
        require(actor, Permission::FlowWork)?;
        Ok(store::has_feed(self.svc.db(), actor.person_id).await?)
    }

    /// Makes the person a new feed token (the old one stops working) and returns it: shown
    /// once, never stored.
    pub async fn new_feed(&self, actor: &Actor, now: DateTime<Utc>) -> Result<String> {
        require(actor, Permission::FlowWork)?;
        let token = random_token(24);
        let mut tx = self.svc.db().begin().await?;
        store::set_feed(&mut tx, actor.person_id, &sm3_hex(&token), ms(now)).await?;
        crate::events::record(
            &mut tx,
            &Audit {
                person_id: Some(actor.person_id),
                post_id: actor.post_id(),
                ip: actor.ip.as_deref(),
            },
            "meeting.feed_created",
            None,
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Revokes the person's feed.
    pub async fn revoke_feed(&self, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let mut tx = self.svc.db().begin().await?;
        if store::delete_feed(&mut tx, actor.person_id).await? {
            crate::events::record(
                &mut tx,
                &Audit {
                    person_id: Some(actor.person_id),
                    post_id: actor.post_id(),
                    ip: actor.ip.as_deref(),
                },
                "meeting.feed_revoked",
                None,
                json!({}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The feed a token opens: the meetings of its person's active posts, each within the
    /// clearance of the post that takes part, and the engagements of the leader's schedule
    /// of those posts. An unknown or revoked token is not found.
    pub async fn feed(&self, token: &str, now: DateTime<Utc>) -> Result<IcsFile> {
        let token = token.trim_end_matches(".ics");
        if token.is_empty() || token.len() > 100 {
            return Err(ServiceError::NotFound("日程订阅"));
        }
        let Some(person) = store::feed_person(self.svc.db(), &sm3_hex(token)).await? else {
            return Err(ServiceError::NotFound("日程订阅"));
        };
        let posts = store::posts_of_person(self.svc.db(), person).await?;
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let from = ms(now - Duration::days(FEED_DAYS_BACK));
        let rows = store::meetings_of_posts(self.svc.db(), &ids, from).await?;
        let meeting_ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let attendees = store::attendees_of(self.svc.db(), &meeting_ids).await?;
        let mut chairs: Vec<i64> = rows.iter().map(|m| m.chair_post_id).collect();
        chairs.sort_unstable();
        chairs.dedup();
        let labels = store::post_labels(self.svc.db(), &chairs).await?;
        let mut events = Vec::new();
        for m in &rows {
            // The clearance of the person's post that takes part in it.
            let cleared = posts.iter().any(|(post, _, clearance)| {
                let takes_part = m.chair_post_id == *post
                    || attendees
                        .iter()
                        .any(|a| a.meeting_id == m.id && a.post_id == Some(*post));
                takes_part && clearance_of(clearance).may_see(clearance_of(&m.classification))
            });
            if cleared {
                let chair = labels
                    .iter()
                    .find(|(id, _)| *id == m.chair_post_id)
                    .map(|(_, l)| l.as_str())
                    .unwrap_or_default();
                events.push(self.event(m, chair)?);
            }
        }
        // The person's own engagements as a leader (领导日程), private ones included: the
        // feed is theirs alone.
        for e in xn_store::meetings::schedule::entries_since(self.svc.db(), &ids, from).await? {
            let kind = xn_domain::schedule::ScheduleKind::from_code(&e.kind)
                .unwrap_or(xn_domain::schedule::ScheduleKind::Other);
            events.push(MeetingEvent {
                uid: format!("schedule-{}@xiaoneng", e.id),
                summary: format!("{}：{}", kind.label(), e.title),
                starts_at: from_ms(e.starts_at),
                ends_at: from_ms(e.ends_at),
                location: e.place.clone(),
                description: if e.public == 0 {
                    format!("（不公开）{}", e.note)
                } else {
                    e.note.clone()
                },
                sequence: exact("schedule sequence", e.sequence)?,
                cancelled: e.cancelled_at.is_some(),
                updated_at: from_ms(e.updated_at),
            });
        }
        Ok(IcsFile {
            name: "会议日程.ics".to_owned(),
            text: feed_ics("我的日程", &events),
        })
    }
}
