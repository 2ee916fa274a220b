//! Sending what 消息推送 queued (xn_service::notify): mail over SMTP (STARTTLS by default) and
//! messages to 企业微信 and 钉钉 group robots (钉钉's signed variant included), and the loop
//! every server runs that reads new news, claims due messages with a lease, sends them and
//! records each outcome. Sending never happens inside the action that made the news.

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use xn_domain::notify::Messenger;
use xn_service::Services;
use xn_service::notify::{Destination, Outgoing};

use crate::Clock;
use crate::stopping::Stopping;

/// How a server sends: `[notify]` in the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyConfig {
    /// The address people open the system at; messages link there
    /// (`public_url = "https://oa.example.gov.cn"`). Unset: `http://` and the listening
    /// address, right only when people reach the server directly.
    pub public_url: String,
    /// The mail server; without `host` no mail is sent.
    pub mail: MailConfig,
}

/// `[notify.mail]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailConfig {
    /// The SMTP server's host name.
    pub host: Option<String>,
    /// Its port (587 for STARTTLS, 465 for TLS).
    pub port: u16,
    /// `starttls` (default), `tls`, or `none` (a relay on this machine only).
    pub security: MailSecurity,
    /// Sign-in name, if the server asks for one.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// The sender, e.g. `东川市政府办公室 <oa@dongchuan.gov.cn>`.
    pub from: String,
    /// How long one message may take, in seconds.
    pub timeout_secs: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            host: None,
            port: 587,
            security: MailSecurity::Starttls,
            username: None,
            password: None,
            from: "效能 <xiaoneng@localhost>".to_owned(),
            timeout_secs: 20,
        }
    }
}

impl MailConfig {
    /// Whether a mail server is set.
    pub fn configured(&self) -> bool {
        self.host.as_deref().is_some_and(|h| !h.trim().is_empty())
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS; refused if the server cannot.
    Starttls,
    /// TLS from the start (SMTPS).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// The means to send, built once from the configuration.
#[derive(Clone)]
pub struct Transports {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transports")
            .field("mail", &self.mail.is_some())
            .finish()
    }
}

impl Transports {
    /// Builds the mail transport and the HTTP client; a bad mail setting is refused here, at
    /// start, not at the first message.
    pub fn new(cfg: &NotifyConfig) -> anyhow::Result<Transports> {
        // One TLS provider for the process (reqwest and lettre both use rustls): ring, which
        // builds without a C toolchain beyond cc; its lack of post-quantum key exchange is
        // rustls' reason for the deprecation, and no concern for a mail relay or a webhook.
        #[expect(deprecated, reason = "ring is chosen over aws-lc-rs for its build")]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
        let timeout = Duration::from_secs(cfg.mail.timeout_secs.clamp(1, 300));
        let mail = match cfg
            .mail
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            None => None,
            Some(host) => {
                let builder = match cfg.mail.security {
                    MailSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .map_err(|e| anyhow::anyhow!("邮件服务器设置有误（{host}）：{e}"))?
                    }
                    MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| anyhow::anyhow!("邮件服务器设置有误（{host}）：{e}"))?,
                    MailSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                };
                let mut builder = builder.port(cfg.mail.port).timeout(Some(timeout));
                if let Some(user) = cfg.mail.username.as_deref().filter(|u| !u.is_empty()) {
                    builder = builder.credentials(Credentials::new(
                        user.to_owned(),
                        cfg.mail.password.clone().unwrap_or_default(),
                    ));
                }
                let from: Mailbox = cfg
                    .mail
                    .from
                    .parse()
                    .map_err(|e| anyhow::anyhow!("发件人地址有误（{}）：{e}", cfg.mail.from))?;
                Some((builder.build(), from))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("xiaoneng/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("无法建立消息推送的网络客户端：{e}"))?;
        Ok(Transports { mail, http })
    }

    /// Connects to the mail server and says hello (`xiaoneng doctor`).
    pub async fn test_mail(&self) -> Result<(), String> {
        let Some((transport, _)) = &self.mail else {
            return Err("未设置邮件服务器".to_owned());
        };
        match transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("服务器未应答".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Sends one claimed message; the error is the reason to record.
    pub async fn send(&self, o: &Outgoing, now: DateTime<Utc>) -> Result<(), String> {
        match &o.to {
            Destination::Mail(to) => self.send_mail(to, o).await,
            Destination::Robot {
                messenger,
                url,
                secret,
                mention,
            } => {
                self.send_robot(
                    *messenger,
                    url,
                    secret.as_deref(),
                    mention.as_deref(),
                    o,
                    now,
                )
                .await
            }
        }
    }

    async fn send_mail(&self, to: &str, o: &Outgoing) -> Result<(), String> {
        let Some((transport, from)) = &self.mail else {
            return Err("未设置邮件服务器".to_owned());
        };
        let to: Mailbox = to.parse().map_err(|e| format!("收件人地址有误：{e}"))?;
        let message = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(o.title.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail_text(o))
            .map_err(|e| format!("邮件无法生成：{e}"))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("邮件服务器：{e}"))
    }

    async fn send_robot(
        &self,
        messenger: Messenger,
        url: &str,
        secret: Option<&str>,
        mention: Option<&str>,
        o: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let body = robot_body(messenger, o, mention);
        let mut request = self.http.post(url).json(&body);
        if let (Messenger::Dingtalk, Some(secret)) = (messenger, secret) {
            let timestamp = now.timestamp_millis();
            request = request.query(&[
                ("timestamp", timestamp.to_string()),
                ("sign", dingtalk_sign(secret, timestamp)),
            ]);
        }
        let response = request
            .send()
            .await
            // Without its address: the address carries the robot's key, and the reason is kept
            // and shown.
            .map_err(|e| format!("{}机器人无法连接：{}", messenger.label(), e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "{}机器人回答 HTTP {}",
                messenger.label(),
                status.as_u16()
            ));
        }
        let answer: Value = response.json().await.map_err(|e| {
            format!(
                "{}机器人的回答无法读取：{}",
                messenger.label(),
                e.without_url()
            )
        })?;
        match answer.get("errcode").and_then(Value::as_i64) {
            Some(0) => Ok(()),
            code => Err(format!(
                "{}机器人拒收：errcode {}，{}",
                messenger.label(),
                code.map_or_else(|| "（无）".to_owned(), |c| c.to_string()),
                answer
                    .get("errmsg")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )),
        }
    }
}

/// The text of a mail: each line's title, text and link, then where the choices are made.
fn mail_text(o: &Outgoing) -> String {
    let mut text = String::new();
    for l in &o.lines {
        if o.lines.len() > 1 {
            text.push_str(&l.title);
            text.push('\n');
        }
        text.push_str(&l.body);
        text.push_str("\n打开办理：");
        text.push_str(&l.link);
        text.push_str("\n\n");
    }
    text.push_str("——\n此邮件由效能系统自动发送，请勿直接回复。接收哪些消息、免打扰时段和每日汇总，可在「账户 › 消息推送」中设置。\n");
    text
}

/// A robot message's JSON: 钉钉 markdown naming the person by phone; 企业微信 text with the
/// phone in `mentioned_mobile_list` (its markdown cannot name by phone).
pub fn robot_body(messenger: Messenger, o: &Outgoing, mention: Option<&str>) -> Value {
    let line = o.lines.first();
    let body = line.map_or("", |l| l.body.as_str());
    let link = line.map_or("", |l| l.link.as_str());
    match messenger {
        Messenger::Dingtalk => {
            // Text from the workbench (a case's title) plants no link or heading of its own.
            let plain = |t: &str| {
                t.replace('[', "［")
                    .replace(']', "］")
                    .replace('#', "＃")
                    .replace('\n', " ")
            };
            let title = plain(&o.title);
            let body = plain(body);
            let at = mention.map(|m| format!("\n\n@{m}")).unwrap_or_default();
            json!({
                "msgtype": "markdown",
                "markdown": {
                    "title": title,
                    "text": format!("#### {title}\n\n{body}\n\n[打开办理]({link}){at}"),
                },
                "at": {"atMobiles": mention.into_iter().collect::<Vec<_>>(), "isAtAll": false},
            })
        }
        Messenger::Wecom => json!({
            "msgtype": "text",
            "text": {
                "content": format!("{}\n{body}\n打开办理：{link}", o.title),
                "mentioned_mobile_list": mention.into_iter().collect::<Vec<_>>(),
            },
        }),
    }
}

/// 钉钉's 加签: base64 of HMAC-SHA256 over `"{timestamp}\n{secret}"` keyed by the secret.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages queued from new news.
    pub queued: usize,
    /// Messages sent.
    pub sent: usize,
    /// Tries that failed (tried again later, or failed for good).
    pub failed: usize,
}

/// One round: queue what new news calls for, then send every message due, eight at a time,
/// while `go_on()` holds (a stopping server stops between batches). Each batch is claimed at the
/// time it starts (`now` plus the time the round has taken), so its lease runs from then; one
/// batch takes at most the transports' timeouts, well inside a lease. A dispatch that fails is
/// logged and the sending goes on.
///
/// Delivery is at least once: a server that dies after a message went out and before its
/// outcome was recorded leaves it to be sent again when its lease ends.
pub async fn round(
    services: &Services,
    transports: &Transports,
    owner: &str,
    now: DateTime<Utc>,
    lease: TimeDelta,
    go_on: impl Fn() -> bool,
) -> xn_service::Result<Round> {
    let notify = services.notify();
    let started = std::time::Instant::now();
    let at = || now + TimeDelta::from_std(started.elapsed()).unwrap_or_default();
    let mut r = Round::default();
    match notify.dispatch(now).await {
        Ok(d) => r.queued = d.queued,
        Err(e) => tracing::warn!(error = %e, "reading new news for messages failed"),
    }
    while go_on() {
        let claimed = notify.claim(owner, at(), lease, PARALLEL_I64).await?;
        if claimed.is_empty() {
            break;
        }
        let sent_at = at();
        let results =
            futures_util::future::join_all(claimed.iter().map(|o| transports.send(o, sent_at)))
                .await;
        for (o, result) in claimed.iter().zip(results) {
            if result.is_ok() {
                r.sent += 1;
            } else {
                r.failed += 1;
            }
            notify.finish(o, owner, result, at()).await?;
        }
    }
    Ok(r)
}

const PARALLEL_I64: i64 = 8;

/// The loop: a round every `poll` until told to stop (the round under way is finished).
pub async fn run(
    services: Services,
    transports: Transports,
    clock: Clock,
    lease: TimeDelta,
    poll: Duration,
    owner: String,
    mut stopping: Stopping,
) {
    loop {
        let go_on = || !stopping.is_set();
        match round(&services, &transports, &owner, clock.now(), lease, go_on).await {
            Ok(r) if r.queued + r.sent + r.failed > 0 => {
                tracing::info!(
                    queued = r.queued,
                    sent = r.sent,
                    failed = r.failed,
                    "messages"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sending messages failed"),
        }
        if stopping.sleep(poll).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_matches_its_documented_recipe() {
        // Computed independently: printf '1700000000000\nSECabc' | openssl dgst -sha256
        // -hmac SECabc -binary | base64
        assert_eq!(
            dingtalk_sign("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
    }
}
