//! What the workbench and the case page show: queues, a case with its steps, holders,
//! timeline of opinions, and the actions open to the viewer.
//!
//! This file holds what both show: how urgent a deadline is, the Chinese labels of kinds and
//! states, whose work the actor sees and how posts are named. The queues and lists are in
//! `queues.rs`, the case page in `case.rs` and its history in `timeline.rs`. Nothing here
//! changes a case.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::business_date;
use crate::{Actor, Result, Services, ms};

mod case;
mod queues;
mod timeline;

pub use case::*;
pub use queues::*;
pub use timeline::*;

/// How urgent a task is, for colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// No deadline.
    None,
    /// In time.
    Normal,
    /// Due today or tomorrow (临期).
    DueSoon,
    /// Past its deadline (黄牌 territory).
    Overdue,
}

impl Urgency {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::None => "无时限",
            Urgency::Normal => "正常",
            Urgency::DueSoon => "临期",
            Urgency::Overdue => "超期",
        }
    }
}

/// The Chinese name of a stored item kind (the area registry names them).
pub fn item_kind_label(kind: &str) -> String {
    crate::areas::label_of_code(kind)
}

fn task_state_label(code: &str) -> &'static str {
    match code {
        "open" => "待办",
        "waiting" => "待轮到",
        "done" => "已办",
        "returned" => "已退回",
        "delegated" => "已委派",
        "transferred" => "已转办",
        "removed" => "已减签",
        _ => "已取消",
    }
}

fn case_status_label(code: &str) -> &'static str {
    match code {
        "running" => "办理中",
        "paused" => "已挂起",
        _ => "已办结",
    }
}

fn parse_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The urgency of a deadline seen at `now`.
pub fn urgency(due: Option<NaiveDate>, due_at: Option<i64>, now: DateTime<Utc>) -> Urgency {
    let Some(date) = due else {
        return Urgency::None;
    };
    if due_at.is_some_and(|at| at <= ms(now)) {
        return Urgency::Overdue;
    }
    let today = business_date(now);
    if (date - today).num_days() <= 1 {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    }
}

impl Services {
    /// The posts whose work the actor sees: its own and those it is proxy for now.
    pub async fn working_posts(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let Some(post) = actor.post_id() else {
            return Ok(Vec::new());
        };
        let mut posts = vec![post];
        for p in xn_store::flow::principals_of(self.db(), post, ms(now)).await? {
            if !posts.contains(&p) {
                posts.push(p);
            }
        }
        Ok(posts)
    }

    /// "姓名（单位 · 职务）" of posts.
    pub async fn post_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut unique: Vec<i64> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        Ok(xn_store::flow::post_labels(self.db(), &unique)
            .await?
            .into_iter()
            .map(|(id, name, unit)| (id, format!("{name}（{unit}）")))
            .collect())
    }
}
