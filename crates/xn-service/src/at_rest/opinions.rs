//! Opinions at rest (finding 11): the opinion written on a task (意见, 批示, 拟办意见, 退回理由)
//! is sealed where the action computes it, before anything stores it, so each place that keeps
//! it keeps it sealed: the task's row, the case's engine state and the action's event row. The
//! place is the task (`case:<id>:task:<no>:opinion`; the decision on an extension request, which
//! belongs to a run, `case:<id>:run:<no>:extension`), so an opinion moved to another task or
//! another case does not verify. The documents area's copies are sealed at their rows: a
//! document's 签发意见 and a 收文's 答复, an exchange's 答复 (as the sender reads it) and its 退文
//! reasons ([`column_label`]).
//!
//! An opinion that fails its check is not served: the place that shows it shows
//! [`REFUSED_OPINION`] instead and the log names the place, and the rest of the page is served
//! (a page of opinions is not lost to one changed row). Event rows written before migration
//! 0056 keep their opinions as written: the audit chain forbids rewriting them and detects any
//! change to them, so the history shows such an opinion as it stands.
//!
//! The area hooks see the plain opinion of the action they act on (a 签发's opinion is checked
//! by the 发文 rules); what they copy into their own rows is theirs to seal, as the documents
//! area does.

use std::borrow::Cow;

use xn_domain::flow::{CaseState, FlowEvent};
use xn_store::Sealed;
use xn_store::sealing::SealedColumn;

use super::{AtRest, LEGACY_BATCH, LegacySealed, TEXT_PREFIX};
use crate::{Result, Services};

/// What is shown in place of an opinion that failed its integrity check.
pub const REFUSED_OPINION: &str = "（此意见未通过完整性校验，未予显示）";

/// The place label of the opinion written on a task.
pub fn opinion_label(case_id: i64, task_no: i64) -> String {
    format!("case:{case_id}:task:{task_no}:opinion")
}

/// The place label of the opinion deciding a run's extension request (延期).
pub fn extension_label(case_id: i64, run_no: i64) -> String {
    format!("case:{case_id}:run:{run_no}:extension")
}

/// The place label of a document's 签发意见.
pub fn signed_off_label(document_id: i64) -> String {
    format!("document:{document_id}:signed_off_opinion")
}

/// The place label of a value kept in a sealed column whose place is its row
/// (`document:<id>:signed_off_opinion`, `document:<id>:reply`, `exchange:<id>:reply`,
/// `exchange:<id>:return_reason`).
pub fn column_label(column: SealedColumn, id: i64) -> String {
    match column {
        SealedColumn::SignedOffOpinion => signed_off_label(id),
        SealedColumn::DocumentReply => format!("document:{id}:reply"),
        SealedColumn::ExchangeReply => format!("exchange:{id}:reply"),
        SealedColumn::ExchangeReturnReason => format!("exchange:{id}:return_reason"),
    }
}

/// Whether an event carries an opinion.
fn carries_opinion(e: &FlowEvent) -> bool {
    matches!(e,
        FlowEvent::TaskCompleted { opinion, .. }
        | FlowEvent::Returned { opinion, .. }
        | FlowEvent::Transferred { opinion, .. }
        | FlowEvent::Delegated { opinion, .. }
        | FlowEvent::ExtensionDecided { opinion, .. } if !opinion.is_empty())
}

/// The place and the opinion of an event that carries one.
fn opinion_of(case_id: i64, e: &mut FlowEvent) -> Option<(String, &mut String)> {
    match e {
        FlowEvent::TaskCompleted { task, opinion, .. }
        | FlowEvent::Returned { task, opinion, .. }
        | FlowEvent::Transferred { task, opinion, .. }
        | FlowEvent::Delegated { task, opinion, .. } => {
            Some((opinion_label(case_id, i64::from(*task)), opinion))
        }
        FlowEvent::ExtensionDecided { run, opinion, .. } => {
            Some((extension_label(case_id, i64::from(*run)), opinion))
        }
        _ => None,
    }
    .filter(|(_, o)| !o.is_empty())
}

impl Services {
    /// Seals the opinions an action wrote into the case's new state: every task's opinion that
    /// differs from the state before (the others are sealed already). Asks for the keys only
    /// when there is an opinion to seal.
    pub(crate) fn seal_new_opinions(
        &self,
        case_id: i64,
        before: &CaseState,
        after: &mut CaseState,
    ) -> Result<()> {
        let mut keys: Option<&AtRest> = None;
        for t in &mut after.tasks {
            let Some(o) = t.opinion.as_mut().filter(|o| !o.is_empty()) else {
                continue;
            };
            if before.task(t.no).and_then(|b| b.opinion.as_ref()) == Some(o) {
                continue;
            }
            let k = match keys {
                Some(k) => k,
                None => *keys.insert(self.at_rest()?),
            };
            *o = k.seal_text(&opinion_label(case_id, i64::from(t.no)), o).0;
        }
        Ok(())
    }

    /// An action's events as its event row keeps them: each opinion sealed at its place. The
    /// events themselves (which the area hooks read) stay as they are.
    pub(crate) fn sealed_events<'e>(
        &self,
        case_id: i64,
        events: &'e [FlowEvent],
    ) -> Result<Cow<'e, [FlowEvent]>> {
        if !events.iter().any(carries_opinion) {
            return Ok(Cow::Borrowed(events));
        }
        let keys = self.at_rest()?;
        let mut all = events.to_vec();
        for e in &mut all {
            if let Some((label, o)) = opinion_of(case_id, e) {
                *o = keys.seal_text(&label, o).0;
            }
        }
        Ok(Cow::Owned(all))
    }

    /// An opinion as a page shows it: opened at its place, or [`REFUSED_OPINION`] (logged with
    /// the place and the reason) when it fails its check.
    pub(crate) fn opinion_text(&self, label: &str, stored: &Sealed) -> String {
        let opened = self.at_rest().and_then(|k| {
            k.open_text(label, stored)
                .map_err(|why| self.refused_at_rest(label, why))
        });
        opened.unwrap_or_else(|_| REFUSED_OPINION.to_owned())
    }

    /// A task's opinion, opened (see [`Services::opinion_text`]).
    pub(crate) fn task_opinion(
        &self,
        case_id: i64,
        task_no: i64,
        stored: Option<&Sealed>,
    ) -> Option<String> {
        stored.map(|s| self.opinion_text(&opinion_label(case_id, task_no), s))
    }

    /// The opinion in one object of a case's event details (the action's own, or one under
    /// `then`): a sealed one opened at the place its `task` (or, for an extension's decision,
    /// its `run`) names; one written before migration 0056 as it stands (see the module's note).
    pub(crate) fn event_opinion(&self, case_id: i64, d: &serde_json::Value) -> Option<String> {
        let o = d.get("opinion")?.as_str().filter(|o| !o.is_empty())?;
        if !o.starts_with(TEXT_PREFIX) {
            return Some(o.to_owned());
        }
        let number = |key: &str| d.get(key).and_then(serde_json::Value::as_i64);
        let label = match (number("task"), number("run")) {
            (Some(task), _) => opinion_label(case_id, task),
            (None, Some(run)) => extension_label(case_id, run),
            (None, None) => {
                tracing::error!(case_id, "a sealed opinion in an event names no task or run");
                return Some(REFUSED_OPINION.to_owned());
            }
        };
        Some(self.opinion_text(&label, &Sealed(o.to_owned())))
    }

    /// An event row's details with the opinions of a case's event opened, for the auditor's
    /// list; other rows as they are.
    pub(crate) fn opened_event_detail<'d>(
        &self,
        subject: Option<&str>,
        detail: &'d str,
    ) -> Cow<'d, str> {
        let case_id = subject
            .and_then(|s| s.strip_prefix("case:"))
            .and_then(|id| id.parse::<i64>().ok());
        let (Some(case_id), true) = (case_id, detail.contains("\"opinion\":\"sm4:")) else {
            return Cow::Borrowed(detail);
        };
        let Ok(mut d) = serde_json::from_str::<serde_json::Value>(detail) else {
            return Cow::Borrowed(detail);
        };
        let mut open = |v: &mut serde_json::Value| {
            if let Some(text) = self.event_opinion(case_id, v)
                && let Some(o) = v.get_mut("opinion")
            {
                *o = serde_json::Value::String(text);
            }
        };
        open(&mut d);
        if let Some(then) = d.get_mut("then").and_then(serde_json::Value::as_array_mut) {
            then.iter_mut().for_each(&mut open);
        }
        Cow::Owned(d.to_string())
    }

    /// Seals, in `tx`, the opinions an earlier build kept in plain: each task's (in its row and
    /// in its case's state), each document's 签发意见 and 答复, and each exchange's 答复 and 退文
    /// reasons.
    pub(super) async fn seal_legacy_opinions(
        &self,
        tx: &mut xn_store::Tx,
        keys: &AtRest,
        done: &mut LegacySealed,
    ) -> Result<()> {
        let mut cases = std::collections::BTreeSet::new();
        let mut after = 0;
        loop {
            let batch = xn_store::flow::plain_opinions(tx, after, LEGACY_BATCH).await?;
            let Some(last) = batch.last().map(|t| t.0) else {
                break;
            };
            for (id, case_id, no, opinion) in batch {
                let sealed = keys.seal_text(&opinion_label(case_id, no), &opinion);
                xn_store::flow::set_opinion(tx, id, &sealed).await?;
                cases.insert(case_id);
                done.opinions += 1;
            }
            after = last;
        }
        for case_id in cases {
            let stored = xn_store::flow::stored_state(tx, case_id).await?;
            let mut state = crate::flow::stored::decode(&stored)?;
            let mut changed = false;
            for t in &mut state.tasks {
                if let Some(o) = t
                    .opinion
                    .as_mut()
                    .filter(|o| !o.is_empty() && !o.starts_with(TEXT_PREFIX))
                {
                    *o = keys
                        .seal_text(&opinion_label(case_id, i64::from(t.no)), o)
                        .0;
                    changed = true;
                }
            }
            if changed {
                let bytes = crate::flow::stored::encode(&state)?;
                xn_store::flow::restore_state(tx, case_id, &bytes).await?;
                done.states += 1;
            }
        }
        for column in SealedColumn::ALL {
            let mut after = 0;
            loop {
                let batch =
                    xn_store::sealing::plain_values(tx, column, after, LEGACY_BATCH).await?;
                let Some(last) = batch.last().map(|d| d.0) else {
                    break;
                };
                for (id, text) in batch {
                    let sealed = keys.seal_text(&column_label(column, id), &text);
                    xn_store::sealing::set_sealed(tx, column, id, &sealed).await?;
                    done.opinions += 1;
                }
                after = last;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_with_an_opinion_has_a_place_and_the_others_none() {
        let mut done = FlowEvent::TaskCompleted {
            task: 3,
            step: "sign".into(),
            post: 1,
            acted_by: None,
            decision: "同意".into(),
            opinion: "同意印发".into(),
        };
        assert_eq!(
            opinion_of(7, &mut done).map(|(l, _)| l),
            Some("case:7:task:3:opinion".to_owned())
        );
        let mut decided = FlowEvent::ExtensionDecided {
            run: 2,
            approved: true,
            before: None,
            after: None,
            opinion: "同意延期".into(),
        };
        assert_eq!(
            opinion_of(7, &mut decided).map(|(l, _)| l),
            Some("case:7:run:2:extension".to_owned())
        );
        let mut silent = FlowEvent::TaskCompleted {
            task: 3,
            step: "sign".into(),
            post: 1,
            acted_by: None,
            decision: "同意".into(),
            opinion: String::new(),
        };
        assert!(opinion_of(7, &mut silent).is_none());
    }
}
