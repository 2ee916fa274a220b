//! 消息推送 pages: one's own choices (账户 › 消息推送) and a unit's group robots (系统管理员).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::notify::Messenger;
use xn_service::notify::{DeliveryView, PrefsInput, RobotInput, TopicChoice};
use xn_service::{Actor, ServiceError};

use super::{Layout, beijing_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};

/// A message as listed.
struct DeliveryLine {
    at: String,
    channel: String,
    topic: String,
    title: String,
    status: String,
    error: Option<String>,
}

fn line(d: DeliveryView) -> DeliveryLine {
    let at = d.sent_at.unwrap_or(d.created_at);
    let status = match (d.status_code.as_str(), d.due_at) {
        ("pending", Some(due)) if d.digest => {
            format!(
                "待发送（每日汇总，{}）",
                beijing_time(due.timestamp_millis())
            )
        }
        ("pending", Some(due)) if d.last_error.is_some() => format!(
            "第 {} 次发送失败，{} 重试",
            d.attempts,
            beijing_time(due.timestamp_millis())
        ),
        ("pending", Some(due)) => format!("待发送（{}）", beijing_time(due.timestamp_millis())),
        _ => d.status,
    };
    DeliveryLine {
        at: beijing_time(at.timestamp_millis()),
        channel: d.channel,
        topic: d.topic,
        title: d.title,
        status,
        error: if d.status_code == "sent" {
            None
        } else {
            d.last_error
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account_notify.html")]
struct PrefsPage {
    l: Layout,
    message: Option<String>,
    error: Option<String>,
    mail_configured: bool,
    email: String,
    phone: Option<String>,
    mail: bool,
    robot: bool,
    topics: Vec<TopicChoice>,
    quiet_from: String,
    quiet_to: String,
    digest_at: String,
    deliveries: Vec<DeliveryLine>,
}

/// The choices form as a browser posts it (unchecked boxes are absent).
#[derive(Debug, Default, Deserialize)]
struct PrefsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    mail: bool,
    #[serde(default)]
    robot: bool,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_to: String,
    #[serde(default)]
    digest_at: String,
}

impl PrefsForm {
    fn input(&self) -> PrefsInput {
        PrefsInput {
            email: Some(self.email.clone()),
            mail: self.mail,
            robot: self.robot,
            topics: self.topics.clone(),
            quiet_from: Some(self.quiet_from.clone()),
            quiet_to: Some(self.quiet_to.clone()),
            digest_at: Some(self.digest_at.clone()),
        }
    }
}

async fn prefs_page(
    state: &AppState,
    actor: &Actor,
    message: Option<String>,
    refused: Option<(String, &PrefsForm)>,
) -> Result<Response, PageError> {
    let l = Layout::new(state, actor, "/account").await?;
    let notify = state.services.notify();
    let saved = notify.my_prefs(actor).await?;
    let deliveries = notify
        .my_deliveries(actor, 20)
        .await?
        .into_iter()
        .map(line)
        .collect();
    let mut page = PrefsPage {
        l,
        message,
        error: None,
        mail_configured: state.services.settings().outbound.mail,
        email: saved.email.unwrap_or_default(),
        phone: saved.phone,
        mail: saved.mail,
        robot: saved.robot,
        topics: saved.topics,
        quiet_from: saved.quiet_from.unwrap_or_default(),
        quiet_to: saved.quiet_to.unwrap_or_default(),
        digest_at: saved.digest_at.unwrap_or_default(),
        deliveries,
    };
    let mut status = StatusCode::OK;
    // A refused form is shown again as it was filled in, with the reason.
    if let Some((error, form)) = refused {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        page.error = Some(error);
        page.email = form.email.clone();
        page.mail = form.mail;
        page.robot = form.robot;
        for t in &mut page.topics {
            t.on = form.topics.contains(&t.code);
        }
        page.quiet_from = form.quiet_from.clone();
        page.quiet_to = form.quiet_to.clone();
        page.digest_at = form.digest_at.clone();
    }
    Ok((status, page).into_response())
}

/// `GET /account/notify`.
async fn show_prefs(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    prefs_page(&state, &actor, None, None).await
}

/// `POST /account/notify`.
async fn save_prefs(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<PrefsForm>,
) -> Result<Response, PageError> {
    match state
        .services
        .notify()
        .save_my_prefs(&actor, &form.input(), state.clock.now())
        .await
    {
        Ok(_) => prefs_page(&state, &actor, Some("已保存。".to_owned()), None).await,
        Err(ServiceError::Invalid { message, .. }) => {
            prefs_page(&state, &actor, None, Some((message, &form))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One messenger's card.
struct RobotCard {
    kind: &'static str,
    label: &'static str,
    placeholder: &'static str,
    url_hint: Option<String>,
    signed: bool,
    active: bool,
    topics: Vec<TopicChoice>,
    quiet_from: String,
    quiet_to: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "unit_robots.html")]
struct RobotsPage {
    l: Layout,
    message: Option<String>,
    error: Option<String>,
    unit_id: i64,
    unit_name: String,
    robots: Vec<RobotCard>,
    deliveries: Vec<DeliveryLine>,
}

async fn robots_page(
    state: &AppState,
    actor: &Actor,
    unit_id: i64,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let notify = state.services.notify();
    let saved = notify.robots(actor, unit_id).await?;
    let l = Layout::new(state, actor, "/org").await?;
    let (unit, ..) = state.services.unit_detail(actor, unit_id).await?;
    let robots = Messenger::all()
        .map(|m| {
            let r = saved.iter().find(|r| r.kind == m.code());
            let defaults = || {
                xn_domain::notify::Topic::all()
                    .map(|t| TopicChoice {
                        code: t.code().to_owned(),
                        label: t.label().to_owned(),
                        on: t.wanted_by_default(),
                    })
                    .collect()
            };
            RobotCard {
                kind: m.code(),
                label: m.label(),
                placeholder: match m {
                    Messenger::Wecom => "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
                    Messenger::Dingtalk => "https://oapi.dingtalk.com/robot/send?access_token=…",
                },
                url_hint: r.map(|r| r.url_hint.clone()),
                signed: r.is_some_and(|r| r.signed),
                active: r.is_some_and(|r| r.active),
                topics: r.map_or_else(defaults, |r| r.topics.clone()),
                quiet_from: r.and_then(|r| r.quiet_from.clone()).unwrap_or_default(),
                quiet_to: r.and_then(|r| r.quiet_to.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let deliveries = notify
        .robot_deliveries(actor, unit_id, 20)
        .await?
        .into_iter()
        .map(line)
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        RobotsPage {
            l,
            message,
            error,
            unit_id,
            unit_name: unit.name,
            robots,
            deliveries,
        },
    )
        .into_response())
}

/// `GET /org/units/{id}/robots`.
async fn show_robots(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    robots_page(&state, &actor, id, None, None).await
}

/// The robot form as posted.
#[derive(Debug, Default, Deserialize)]
struct RobotForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_to: String,
    #[serde(default)]
    remove_secret: bool,
}

/// `POST /org/units/{id}/robots`.
async fn save_robot(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, form): PageForm<RobotForm>,
) -> Result<Response, PageError> {
    let input = RobotInput {
        kind: form.kind,
        url: form.url,
        secret: Some(form.secret),
        topics: form.topics,
        quiet_from: Some(form.quiet_from),
        quiet_to: Some(form.quiet_to),
        remove_secret: form.remove_secret,
    };
    match state
        .services
        .notify()
        .save_robot(&actor, id, &input, state.clock.now())
        .await
    {
        Ok(r) => {
            robots_page(
                &state,
                &actor,
                id,
                Some(format!("{}机器人已保存。", r.kind_label)),
                None,
            )
            .await
        }
        Err(ServiceError::Invalid { message, .. }) => {
            robots_page(&state, &actor, id, None, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /org/units/{id}/robots/{kind}/retire`.
async fn retire_robot(
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state
        .services
        .notify()
        .retire_robot(&actor, id, &kind, state.clock.now())
        .await?;
    robots_page(&state, &actor, id, Some("机器人已停用。".to_owned()), None).await
}

/// `POST /org/units/{id}/robots/{kind}/test`.
async fn test_robot(
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
    PageForm(actor, _): PageForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    state
        .services
        .notify()
        .test_robot(&actor, id, &kind, state.clock.now())
        .await?;
    robots_page(
        &state,
        &actor,
        id,
        Some("测试消息已排队，几秒内发出；结果见下方“最近推送”。".to_owned()),
        None,
    )
    .await
}

/// The 消息推送 pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/notify", get(show_prefs).post(save_prefs))
        .route("/org/units/{id}/robots", get(show_robots).post(save_robot))
        .route("/org/units/{id}/robots/{kind}/retire", post(retire_robot))
        .route("/org/units/{id}/robots/{kind}/test", post(test_robot))
}
