//! 密级 on what is shown: the one rule every list, page, export, notification and audit view
//! applies to a classified item before it leaves the service.
//!
//! An item's 密级 is its document's (a 发文 or 收文 case, its tasks, its notifications and
//! events), or, for a 督办事项, the 密级 of the document its source case moves (an item drafted
//! from a classified instruction carries that instruction's title and words); a meeting has its
//! own. A post whose clearance is below it sees no title, opinion or body of it: a page or API
//! that opens one item answers as if it did not exist (404), and a list that must still account
//! for the item (a task waiting in one's queue, a case one started, a line of a ledger) shows
//! it as [`WITHHELD`] with its text left out. Which places do which is written in
//! docs/SECURITY.md. This module holds the rule and the lookups; it must not hold any page's
//! wording beyond [`WITHHELD`].

use std::collections::HashMap;

use serde_json::Value;
use xn_domain::org::Clearance;
use xn_store::flow::ClassifiedTable;

use crate::{Actor, Result, ServiceError, Services};

/// What a list shows instead of the title of an item classified above the reader.
pub const WITHHELD: &str = "（涉密事项）";

/// The keys of an event's details that carry an item's words (its title, an opinion, a body,
/// a reason …): withheld from an auditor cleared below the item. Ids, step names, decisions
/// and instants stay, so the trail still reads as who did what when.
const CONTENT_KEYS: [&str; 11] = [
    "title",
    "opinion",
    "body",
    "reason",
    "reasons",
    "message",
    "text",
    "content",
    "requirements",
    "source_text",
    "note",
];

impl Actor {
    /// The clearance of the acting post (非密 without one). A proxy reads with its own post's
    /// clearance, never with the principal's.
    pub fn clearance(&self) -> Clearance {
        self.post
            .as_ref()
            .map_or(Clearance::Public, |p| p.clearance)
    }

    /// Whether the actor may see the title, opinions and body of matter at `level`.
    pub fn may_see(&self, level: Clearance) -> bool {
        self.clearance().may_see(level)
    }

    /// The 密级 codes the actor may read, for the store's filters on titles.
    pub fn readable_levels(&self) -> Vec<&'static str> {
        Clearance::ALL
            .iter()
            .filter(|l| self.may_see(**l))
            .map(|l| l.code())
            .collect()
    }
}

/// A stored 密级 code as the scale's value: an unknown code on a record is an internal error,
/// never a plausible level.
pub(crate) fn level(code: &str) -> Result<Clearance> {
    code.parse()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stored classification {code:?}: {e}")))
}

impl Services {
    /// The 密级 of some cases (see the module's rule); a case not found reads as 非密.
    pub(crate) async fn case_levels(&self, ids: &[i64]) -> Result<HashMap<i64, Clearance>> {
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        xn_store::flow::case_classifications(self.db(), &unique)
            .await?
            .into_iter()
            .map(|(id, code)| Ok((id, level(&code)?)))
            .collect()
    }

    /// The 密级 of one case.
    pub(crate) async fn case_level(&self, id: i64) -> Result<Clearance> {
        Ok(self
            .case_levels(&[id])
            .await?
            .get(&id)
            .copied()
            .unwrap_or(Clearance::Public))
    }

    /// The 密级 of the subjects of notifications and events (`case:12`, `document:3`,
    /// `supervision:4`, `meeting:5`); other subjects carry none and are left out.
    pub(crate) async fn subject_levels<'a>(
        &self,
        subjects: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, Clearance>> {
        let mut by_kind: HashMap<&'static str, Vec<i64>> = HashMap::new();
        for s in subjects {
            let Some((kind, id)) = s.split_once(':') else {
                continue;
            };
            let Ok(id) = id.parse::<i64>() else {
                continue;
            };
            let kind = match kind {
                "case" => "case",
                // A 批示 on received information offered for 督办: its receipt's case.
                "instruction" => "instruction",
                "document" => "document",
                "supervision" => "supervision",
                "meeting" => "meeting",
                _ => continue,
            };
            by_kind.entry(kind).or_default().push(id);
        }
        let mut out = HashMap::new();
        for (kind, mut ids) in by_kind {
            ids.sort_unstable();
            ids.dedup();
            let rows = match kind {
                "case" | "instruction" => {
                    xn_store::flow::case_classifications(self.db(), &ids).await?
                }
                "document" => {
                    xn_store::flow::classifications_of(self.db(), ClassifiedTable::Documents, &ids)
                        .await?
                }
                "meeting" => {
                    xn_store::flow::classifications_of(self.db(), ClassifiedTable::Meetings, &ids)
                        .await?
                }
                _ => {
                    xn_store::flow::classifications_of(
                        self.db(),
                        ClassifiedTable::SupervisionItems,
                        &ids,
                    )
                    .await?
                }
            };
            for (id, code) in rows {
                out.insert(format!("{kind}:{id}"), level(&code)?);
            }
        }
        Ok(out)
    }
}

/// An event's details with the words of a classified item withheld: every value under one of
/// [`CONTENT_KEYS`], at any depth (the consequences under `then` too), becomes [`WITHHELD`].
/// Details that are not JSON are withheld whole.
pub(crate) fn withhold_detail(detail: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if CONTENT_KEYS.contains(&k.as_str()) && !matches!(val, Value::Bool(_)) {
                        *val = Value::String(WITHHELD.to_owned());
                    } else {
                        walk(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(detail) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => Value::String(WITHHELD.to_owned()).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_events_words_are_withheld_at_any_depth_and_its_ids_kept() {
        let d = r#"{"task":3,"opinion":"同意《绝密》","then":[{"kind":"x","title":"机密标题"}],"body":true}"#;
        let out: Value = serde_json::from_str(&withhold_detail(d)).unwrap();
        assert_eq!(out["task"], 3);
        assert_eq!(out["opinion"], WITHHELD);
        assert_eq!(out["then"][0]["title"], WITHHELD);
        assert_eq!(out["then"][0]["kind"], "x");
        assert_eq!(out["body"], true);
    }
}
