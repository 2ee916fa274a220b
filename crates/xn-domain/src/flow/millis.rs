//! Instants in a stored case state, as epoch milliseconds.
//!
//! A case's state is rewritten whole on every action, and holds an instant for every run and
//! task. As RFC 3339 text with nanoseconds they were half of its bytes and most of the time
//! spent writing and reading it; as integers they are a third of the size and cheap both ways.
//! States stored before in RFC 3339 text are still read.

use chrono::{DateTime, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

struct Instant;

impl Visitor<'_> for Instant {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("epoch milliseconds or an RFC 3339 instant")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Utc.timestamp_millis_opt(v)
            .single()
            .ok_or_else(|| E::custom(format!("instant out of range: {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let v = i64::try_from(v).map_err(|_| E::custom(format!("instant out of range: {v}")))?;
        self.visit_i64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(E::custom)
    }
}

/// `#[serde(with = "millis")]` for `DateTime<Utc>`.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(t.timestamp_millis())
}

/// See [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_any(Instant)
}

/// `#[serde(with = "millis::option")]` for `Option<DateTime<Utc>>`.
pub mod option {
    use super::*;

    /// Serializes `Some` as epoch milliseconds, `None` as null.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_i64(t.timestamp_millis()),
            None => s.serialize_none(),
        }
    }

    /// See [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super")] DateTime<Utc>);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        #[serde(with = "super")]
        at: DateTime<Utc>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option"
        )]
        left: Option<DateTime<Utc>>,
    }

    #[test]
    fn instants_are_written_as_milliseconds_and_old_text_is_read() -> Result<(), serde_json::Error>
    {
        let at = Utc
            .with_ymd_and_hms(2026, 10, 9, 8, 30, 0)
            .single()
            .unwrap_or_default();
        let s = S { at, left: None };
        let text = serde_json::to_string(&s)?;
        assert_eq!(text, format!("{{\"at\":{}}}", at.timestamp_millis()));
        assert_eq!(serde_json::from_str::<S>(&text)?, s);
        let old: S = serde_json::from_str(
            r#"{"at":"2026-10-09T08:30:00.123456789Z","left":"2026-10-09T09:00:00Z"}"#,
        )?;
        assert_eq!(old.at.timestamp_millis(), at.timestamp_millis() + 123);
        assert_eq!(old.left.map(|t| t.timestamp()), Some(at.timestamp() + 1800));
        assert!(serde_json::from_str::<S>(r#"{"at":"yesterday"}"#).is_err());
        Ok(())
    }
}
