//! iCalendar (RFC 5545) files of meetings: one meeting as a `.ics` download, and a person's
//! feed of all their meetings. Built with the `icalendar` crate from plain values.
//!
//! Times are written in UTC (`DTSTART:20261201T010000Z`): RFC 5545 allows it, every calendar
//! shows it in its own zone, and it needs no VTIMEZONE (China keeps no daylight saving time, so
//! 09:00 Beijing is always 01:00Z). `SEQUENCE` is the meeting's count of changes, so a calendar
//! that imported an earlier version replaces it; a cancelled meeting carries
//! `STATUS:CANCELLED`, and its single download `METHOD:CANCEL`.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

/// One meeting as a calendar event.
#[derive(Debug, Clone)]
pub struct MeetingEvent {
    /// A stable id, unique to the installation's meeting (`meeting-12@host`).
    pub uid: String,
    /// The meeting's title (with its kind).
    pub summary: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// The room, venue or video link.
    pub location: String,
    /// Further text: organiser, chair, attendance.
    pub description: String,
    /// The number of times it was moved (or cancelled).
    pub sequence: u32,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// When it was last changed (DTSTAMP / LAST-MODIFIED).
    pub updated_at: DateTime<Utc>,
}

fn event(m: &MeetingEvent) -> Event {
    let mut e = Event::new();
    e.uid(&m.uid)
        .timestamp(m.updated_at)
        .last_modified(m.updated_at)
        .summary(&m.summary)
        .starts(m.starts_at)
        .ends(m.ends_at)
        .sequence(m.sequence)
        .status(if m.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if !m.location.is_empty() {
        e.location(&m.location);
    }
    if !m.description.is_empty() {
        e.description(&m.description);
    }
    e.done()
}

fn calendar(name: &str) -> Calendar {
    let mut c = Calendar::new();
    c.append_property(("PRODID", "-//xiaoneng//meetings//ZH"));
    c.name(name);
    c.append_property(("X-WR-TIMEZONE", "Asia/Shanghai"));
    c
}

/// One meeting's `.ics`: `METHOD:PUBLISH`, or `METHOD:CANCEL` once it is cancelled.
pub fn meeting_ics(m: &MeetingEvent) -> String {
    let mut c = calendar(&m.summary);
    c.append_property(("METHOD", if m.cancelled { "CANCEL" } else { "PUBLISH" }));
    c.push(event(m));
    c.done().to_string()
}

/// A person's feed: every meeting, cancelled ones with `STATUS:CANCELLED` so that a
/// subscribed calendar removes them.
pub fn feed_ics(name: &str, meetings: &[MeetingEvent]) -> String {
    let mut c = calendar(name);
    c.append_property(("METHOD", "PUBLISH"));
    for m in meetings {
        c.push(event(m));
    }
    c.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_meeting_says_so_twice_and_keeps_its_uid() {
        let t = DateTime::<Utc>::from_timestamp(1_764_550_800, 0).unwrap_or_default();
        let m = MeetingEvent {
            uid: "meeting-1@test".into(),
            summary: "市长办公会议".into(),
            starts_at: t,
            ends_at: t + chrono::Duration::hours(2),
            location: "第一会议室".into(),
            description: String::new(),
            sequence: 2,
            cancelled: true,
            updated_at: t,
        };
        let s = meeting_ics(&m);
        assert!(s.contains("METHOD:CANCEL"), "{s}");
        assert!(s.contains("STATUS:CANCELLED"), "{s}");
        assert!(s.contains("SEQUENCE:2"), "{s}");
        assert!(s.contains("UID:meeting-1@test"), "{s}");
    }
}
