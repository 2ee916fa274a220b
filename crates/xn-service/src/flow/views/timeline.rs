//! A case's history as its page shows it: the event rows of the case, each action with what
//! followed from it, as lines in Chinese.
//!
//! Holds the reading of stored events only; the rows are written by `persist.rs`, in the shape
//! `persist::event_row` gives them. Used by the case page and by areas that show a case's
//! history on their own pages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::flow::ProcessDef;

use crate::{Result, Services, from_ms};

impl Services {
    pub(crate) async fn timeline(
        &self,
        case_id: i64,
        names: &HashMap<i64, String>,
        def: &ProcessDef,
    ) -> Result<Vec<TimelineEntry>> {
        let rows =
            xn_store::events::list(self.db(), "flow.", &format!("case:{case_id}"), 0, 1000).await?;
        let mut out = Vec::new();
        for e in rows.into_iter().rev() {
            let mut detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            // An action's row carries what followed from it under `then` (rows written before
            // that hold one event each): one line for the action, one for each consequence.
            let then = match detail.as_object_mut().and_then(|o| o.remove("then")) {
                Some(serde_json::Value::Array(then)) => then,
                _ => Vec::new(),
            };
            let who = e.actor_name.unwrap_or_else(|| "系统".into());
            let as_post = e.actor_post_id.and_then(|p| names.get(&p).cloned());
            let consequences = then.iter().map(|d| {
                let kind = d.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
                (format!("flow.{kind}"), d)
            });
            for (kind, d) in std::iter::once((e.kind, &detail)).chain(consequences) {
                let Some(text) = describe(&kind, d, names, def) else {
                    continue;
                };
                out.push(TimelineEntry {
                    seq: e.id,
                    at: from_ms(e.at),
                    who: who.clone(),
                    as_post: as_post.clone(),
                    decision: d
                        .get("decision")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .filter(|_| kind == "flow.task_completed"),
                    opinion: self.event_opinion(case_id, d),
                    step: d
                        .get("step")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .filter(|_| kind == "flow.task_completed"),
                    kind,
                    text,
                });
            }
        }
        Ok(out)
    }
}

/// A timeline line in Chinese, or `None` for bookkeeping events not worth showing.
fn describe(
    kind: &str,
    d: &serde_json::Value,
    names: &HashMap<i64, String>,
    def: &ProcessDef,
) -> Option<String> {
    let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    // Steps are recorded by id; people read their names.
    let step = |k: &str| {
        let id = s(k);
        def.step(&id).map_or(id, |st| st.name.clone())
    };
    let n = |k: &str| d.get(k).and_then(serde_json::Value::as_i64);
    let who = |k: &str| {
        n(k).and_then(|p| names.get(&p).cloned())
            .unwrap_or_default()
    };
    let date = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let for_holder = || {
        if n("acted_by").is_some() {
            format!("代 {} ", who("post"))
        } else {
            String::new()
        }
    };
    Some(match kind {
        "flow.case_started" => format!(
            "发起{}",
            date("due")
                .map(|x| format!("，办理时限 {x}"))
                .unwrap_or_default()
        ),
        "flow.step_entered" => format!(
            "进入「{}」{}",
            step("step"),
            date("due")
                .map(|x| format!("，时限 {x}"))
                .unwrap_or_default()
        ),
        "flow.assigned" => {
            let list: Vec<String> = d
                .get("posts")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_i64())
                        .filter_map(|p| names.get(&p).cloned())
                        .collect()
                })
                .unwrap_or_default();
            format!("交由 {} 办理", list.join("、"))
        }
        // The line's head names who acted; the text names the holder only when someone else
        // acted for them (代办).
        "flow.task_completed" => format!(
            "{}办理「{}」：{}",
            for_holder(),
            step("step"),
            s("decision")
        ),
        "flow.returned" => format!(
            "{}将事项从「{}」退回「{}」",
            for_holder(),
            step("from_step"),
            step("to_step")
        ),
        "flow.withdrawn" => format!("撤回「{}」的办理", step("step")),
        "flow.transferred" => format!("{} 转办给 {}", who("from"), who("to")),
        "flow.delegated" => format!("{} 委派给 {}", who("from"), who("to")),
        "flow.delegation_returned" => "委派办理完毕，交还原办理人".to_owned(),
        "flow.signer_added" => format!("加签：{}", who("post")),
        "flow.signer_removed" => format!("减签：{}", who("post")),
        "flow.paused" => format!("挂起：{}", s("reason")),
        "flow.resumed" => format!(
            "恢复办理，时限顺延 {} 个工作日",
            n("working_days").unwrap_or(0)
        ),
        "flow.extension_requested" => format!(
            "申请延期 {} 个工作日：{}",
            n("days").unwrap_or(0),
            s("reason")
        ),
        "flow.extension_decided" => {
            if d.get("approved")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
            {
                format!("批准延期，时限由 {} 改为 {}", s("before"), s("after"))
            } else {
                "不批准延期".to_owned()
            }
        }
        "flow.handed_over" => format!("工作交接：{} → {}", who("from"), who("to")),
        "flow.child_linked" => format!("分送至单位 {}", n("unit_id").unwrap_or(0)),
        "flow.child_reported" => format!("分送单位回报：{}", s("outcome")),
        "flow.case_closed" => "办结".to_owned(),
        "flow.revised" => match (
            d.get("title").and_then(serde_json::Value::as_bool),
            d.get("body").and_then(serde_json::Value::as_bool),
        ) {
            (Some(true), Some(true)) => "修改了标题和正文".to_owned(),
            (Some(true), _) => "修改了标题".to_owned(),
            _ => "修改了正文".to_owned(),
        },
        "flow.urged" => format!("催办 {}：{}", who("post"), s("message")),
        "flow.due_soon" => "临期提醒".to_owned(),
        "flow.yellow_card" => format!("超期，亮黄牌（时限 {}）", s("due_date")),
        "flow.red_card" => format!("严重超期，亮红牌（时限 {}）", s("due_date")),
        _ => return None,
    })
}

/// A line of the case's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    /// The event's id: the order of entries at the same instant.
    #[serde(skip)]
    pub seq: i64,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// Who (a person, or 系统 for timers).
    pub who: String,
    /// As which post.
    pub as_post: Option<String>,
    /// Event kind.
    pub kind: String,
    /// The step acted on (completions), by id.
    pub step: Option<String>,
    /// What happened.
    pub text: String,
    /// The decision, for completions.
    pub decision: Option<String>,
    /// The opinion.
    pub opinion: Option<String>,
}
