//! 消息推送: the news of the workbench (a new task, due soon, a yellow or red card, an urge, a
//! return …) sent out by mail and to the 企业微信 and 钉钉 group robots of a person's unit.
//!
//! Nothing here runs inside the action that made the news: the dispatcher reads new tasks and
//! notifications after they are committed (a cursor per source, xn_store::notify), decides from
//! each person's and unit's choices what goes where and when (quiet hours, the daily digest),
//! and queues one delivery row per message. The server's loop claims due deliveries with a
//! lease, sends them and records the outcome; a failure is tried again later, up to
//! [`xn_domain::notify::MAX_ATTEMPTS`] times. A message about an item classified above 非密
//! never names it.

mod dispatch;
mod prefs;
mod robots;
mod sending;

use chrono::{DateTime, NaiveTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::notify::{Messenger, QuietHours, Topic, Topics, clock_time};
use xn_store::notify::{DeliveryRow, PrefsRow};

use crate::{ServiceError, Services, from_ms};

pub use dispatch::Dispatched;
pub use prefs::{PrefsInput, PrefsView};
pub use robots::{RobotInput, RobotView};
pub use sending::{Destination, Line, Outgoing};

/// The front door of 消息推送.
#[derive(Clone, Copy)]
pub struct Notify<'a> {
    svc: &'a Services,
}

impl Services {
    /// 消息推送: a person's choices, a unit's robots, and the outbox.
    pub fn notify(&self) -> Notify<'_> {
        Notify { svc: self }
    }
}

/// What the installation can send by, from its configuration.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    /// The address people open the system at (`https://oa.example.gov.cn`): messages link
    /// there.
    pub public_url: String,
    /// Whether a mail server is configured.
    pub mail: bool,
}

/// A topic and whether it is chosen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicChoice {
    /// Code (`new_task`, `red_card` …).
    pub code: String,
    /// Name.
    pub label: String,
    /// Chosen.
    pub on: bool,
}

fn choices(t: &Topics) -> Vec<TopicChoice> {
    Topic::all()
        .map(|x| TopicChoice {
            code: x.code().to_owned(),
            label: x.label().to_owned(),
            on: t.has(x),
        })
        .collect()
}

/// A sent or queued message as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: i64,
    /// Topic name.
    pub topic: String,
    /// 邮件, 企业微信 or 钉钉.
    pub channel: String,
    /// Title.
    pub title: String,
    /// 待发送, 已发送 or 发送失败.
    pub status: String,
    /// Status code.
    pub status_code: String,
    /// Tries.
    pub attempts: i64,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Queued, Beijing time.
    pub created_at: DateTime<Utc>,
    /// Sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Next try (pending only).
    pub due_at: Option<DateTime<Utc>>,
    /// Held for the daily digest.
    pub digest: bool,
}

fn channel_label(code: &str) -> &'static str {
    match code {
        "mail" => "邮件",
        other => Messenger::from_code(other).map_or("其他", Messenger::label),
    }
}

fn delivery_view(d: &DeliveryRow) -> DeliveryView {
    DeliveryView {
        id: d.id,
        topic: Topic::from_code(&d.topic)
            .map_or("其他动态", Topic::label)
            .to_owned(),
        channel: channel_label(&d.channel).to_owned(),
        title: d.title.clone(),
        status: match d.status.as_str() {
            "sent" => "已发送",
            "failed" => "发送失败",
            _ => "待发送",
        }
        .to_owned(),
        status_code: d.status.clone(),
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        created_at: from_ms(d.created_at),
        sent_at: d.sent_at.map(from_ms),
        due_at: (d.status == "pending").then(|| from_ms(d.due_at)),
        digest: d.digest != 0,
    }
}

/// A person's choices in force.
#[derive(Debug, Clone)]
struct Choice {
    mail: bool,
    robot: bool,
    topics: Topics,
    quiet: Option<QuietHours>,
    digest: Option<NaiveTime>,
}

impl Choice {
    fn of(row: Option<&PrefsRow>) -> Choice {
        match row {
            None => Choice {
                mail: true,
                robot: true,
                topics: Topics::defaults(),
                quiet: None,
                digest: None,
            },
            Some(p) => Choice {
                mail: p.mail != 0,
                robot: p.robot != 0,
                topics: Topics::from_stored(&p.topics),
                quiet: QuietHours::parse(p.quiet_from.as_deref(), p.quiet_to.as_deref())
                    .ok()
                    .flatten(),
                digest: p.digest_at.as_deref().and_then(|d| clock_time(d).ok()),
            },
        }
    }
}

fn robot_label(unit_id: i64, kind: &str, part: &str) -> String {
    format!("robot:{unit_id}:{kind}:{part}")
}

fn invalid(field: &'static str) -> impl FnOnce(xn_domain::notify::NotifyError) -> ServiceError {
    move |e| ServiceError::invalid(field, e.to_string())
}

/// A trimmed optional text; empty is none.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `https://oa.example.gov.cn` + `/cases/7`.
fn absolute(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}
