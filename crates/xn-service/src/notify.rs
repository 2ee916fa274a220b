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

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::notify::{
    Messenger, QuietHours, Shown, Topic, Topics, clock_time, compose, next_digest, retry_after,
    subject_path,
};
use xn_domain::org::{Clearance, Permission, UnitKind};
use xn_store::notify::{DeliveryRow, NewDelivery, NewsRow, Outcome, PrefsRow, RobotRow};

use crate::events::record;
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

/// News older than this when first read is not sent (a server that was down for days, history
/// made by an import).
const STALE: TimeDelta = TimeDelta::hours(24);

/// Source rows read per query.
const PAGE: i64 = 500;

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

/// A person's delivery choices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrefsView {
    /// Mail address.
    pub email: Option<String>,
    /// Phone (named in robot messages; changed by the system administrator).
    pub phone: Option<String>,
    /// Send mail.
    pub mail: bool,
    /// Be named in the unit's group robot messages.
    pub robot: bool,
    /// Every topic and whether it is chosen.
    pub topics: Vec<TopicChoice>,
    /// Quiet hours start, `HH:MM`.
    pub quiet_from: Option<String>,
    /// Quiet hours end, `HH:MM`.
    pub quiet_to: Option<String>,
    /// Daily digest hour, `HH:MM` (mail only).
    pub digest_at: Option<String>,
}

/// A person's delivery choices to save.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefsInput {
    /// Mail address; empty to remove.
    #[serde(default)]
    pub email: Option<String>,
    /// Send mail.
    #[serde(default)]
    pub mail: bool,
    /// Be named in robot messages.
    #[serde(default)]
    pub robot: bool,
    /// Topic codes wanted.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Quiet hours start, `HH:MM`; both ends or neither.
    #[serde(default)]
    pub quiet_from: Option<String>,
    /// Quiet hours end, `HH:MM`.
    #[serde(default)]
    pub quiet_to: Option<String>,
    /// Daily digest hour, `HH:MM`; empty for one mail per message.
    #[serde(default)]
    pub digest_at: Option<String>,
}

/// A unit's group robot as shown: its address only in part (it carries the robot's key).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RobotView {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// `wecom` or `dingtalk`.
    pub kind: String,
    /// 企业微信 or 钉钉.
    pub kind_label: String,
    /// The webhook's host and the first characters of its key.
    pub url_hint: String,
    /// Whether messages are signed (钉钉 加签).
    pub signed: bool,
    /// Every topic and whether the robot posts it.
    pub topics: Vec<TopicChoice>,
    /// Quiet hours start.
    pub quiet_from: Option<String>,
    /// Quiet hours end.
    pub quiet_to: Option<String>,
    /// In use.
    pub active: bool,
}

/// A unit's group robot to save.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RobotInput {
    /// `wecom` or `dingtalk`.
    pub kind: String,
    /// The webhook address the messenger gave; blank keeps the one stored.
    #[serde(default)]
    pub url: String,
    /// 钉钉's signing secret (加签), if the robot uses one; blank keeps the one stored.
    #[serde(default)]
    pub secret: Option<String>,
    /// Take the stored signing secret away.
    #[serde(default)]
    pub remove_secret: bool,
    /// Topic codes posted.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Quiet hours start.
    #[serde(default)]
    pub quiet_from: Option<String>,
    /// Quiet hours end.
    #[serde(default)]
    pub quiet_to: Option<String>,
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

/// Where a claimed message goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A mail address.
    Mail(String),
    /// A group robot.
    Robot {
        /// Which messenger.
        messenger: Messenger,
        /// Its webhook address.
        url: String,
        /// 钉钉's signing secret.
        secret: Option<String>,
        /// A phone number to name.
        mention: Option<String>,
    },
}

/// One line of a message: what happened and where to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Link.
    pub link: String,
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Delivery id.
    pub id: i64,
    /// Where.
    pub to: Destination,
    /// The subject line.
    pub title: String,
    /// What it tells, one line per item: one for a message, several for a daily digest.
    pub lines: Vec<Line>,
    version: i64,
    attempts: i64,
    companions: Vec<(i64, i64)>,
    /// The recipient's quiet hours: a retry falling in them waits for their end.
    quiet: Option<QuietHours>,
}

/// What a dispatcher round queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Source rows read.
    pub read: usize,
    /// Messages queued.
    pub queued: usize,
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

impl Notify<'_> {
    fn person(actor: &Actor) -> Result<i64> {
        if actor.post.is_none() {
            return Err(ServiceError::Forbidden("请先选择岗位".to_owned()));
        }
        Ok(actor.person_id)
    }

    /// The acting person's choices (defaults until they save some).
    pub async fn my_prefs(&self, actor: &Actor) -> Result<PrefsView> {
        let person = Self::person(actor)?;
        let db = self.svc.db();
        let (email, phone) = xn_store::notify::contact(db, person)
            .await?
            .ok_or(ServiceError::NotFound("人员"))?;
        let row = xn_store::notify::prefs(db, person).await?;
        let c = Choice::of(row.as_ref());
        Ok(PrefsView {
            email,
            phone,
            mail: c.mail,
            robot: c.robot,
            topics: choices(&c.topics),
            quiet_from: c.quiet.map(|q| q.from.format("%H:%M").to_string()),
            quiet_to: c.quiet.map(|q| q.to.format("%H:%M").to_string()),
            digest_at: c.digest.map(|d| d.format("%H:%M").to_string()),
        })
    }

    /// Saves the acting person's address and choices.
    pub async fn save_my_prefs(
        &self,
        actor: &Actor,
        input: &PrefsInput,
        now: DateTime<Utc>,
    ) -> Result<PrefsView> {
        let person = Self::person(actor)?;
        // Where a person's work news goes is theirs to change: signed in, or through a token
        // that may act on their account (token.own), never a read-only integration's.
        if actor.session.is_none() && !actor.has(Permission::TokenOwn) {
            return Err(ServiceError::Forbidden(
                "该接口令牌无权更改消息推送设置（需要 token.own 范围）".to_owned(),
            ));
        }
        let email = given(&input.email)
            .map(xn_domain::notify::email)
            .transpose()
            .map_err(invalid("email"))?;
        let topics = Topics::from_codes(input.topics.iter().map(String::as_str))
            .map_err(invalid("topics"))?;
        let quiet = QuietHours::parse(input.quiet_from.as_deref(), input.quiet_to.as_deref())
            .map_err(invalid("quiet_from"))?;
        let digest = given(&input.digest_at)
            .map(clock_time)
            .transpose()
            .map_err(invalid("digest_at"))?;
        if input.mail && email.is_none() {
            return Err(ServiceError::invalid("email", "要接收邮件，请填写邮箱地址"));
        }
        let row = PrefsRow {
            mail: i16::from(input.mail),
            robot: i16::from(input.robot),
            topics: topics.stored(),
            quiet_from: quiet.map(|q| q.from.format("%H:%M").to_string()),
            quiet_to: quiet.map(|q| q.to.format("%H:%M").to_string()),
            digest_at: digest.map(|d| d.format("%H:%M").to_string()),
        };
        let mut tx = self.svc.db().begin().await?;
        xn_store::notify::save_prefs(&mut tx, person, email.as_deref(), &row, ms(now)).await?;
        record(
            &mut tx,
            &actor.audit(),
            "notify.prefs_saved",
            Some(format!("person:{person}")),
            json!({"mail": input.mail, "robot": input.robot, "topics": row.topics,
                   "quiet": [row.quiet_from, row.quiet_to], "digest_at": row.digest_at,
                   "email_given": email.is_some()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.my_prefs(actor).await
    }

    /// The acting person's latest messages.
    pub async fn my_deliveries(&self, actor: &Actor, limit: i64) -> Result<Vec<DeliveryView>> {
        let person = Self::person(actor)?;
        let rows =
            xn_store::notify::deliveries_of_person(self.svc.db(), person, limit.clamp(1, 100))
                .await?;
        Ok(rows.iter().map(delivery_view).collect())
    }

    async fn unit_exists(&self, unit_id: i64) -> Result<()> {
        xn_store::org::find_unit(self.svc.db(), unit_id)
            .await
            .map_err(ServiceError::missing("单位"))?;
        Ok(())
    }

    fn robot_view(&self, r: &RobotRow) -> Result<RobotView> {
        let url = self
            .svc
            .open_text(&robot_label(r.unit_id, &r.kind, "url"), &r.url)?;
        Ok(RobotView {
            id: r.id,
            unit_id: r.unit_id,
            kind: r.kind.clone(),
            kind_label: Messenger::from_code(&r.kind)
                .map_or("其他", Messenger::label)
                .to_owned(),
            url_hint: url_hint(&url),
            signed: r.secret.is_some(),
            topics: choices(&Topics::from_stored(&r.topics)),
            quiet_from: r.quiet_from.clone(),
            quiet_to: r.quiet_to.clone(),
            active: r.active != 0,
        })
    }

    /// A unit's group robots (系统管理员).
    pub async fn robots(&self, actor: &Actor, unit_id: i64) -> Result<Vec<RobotView>> {
        require(actor, Permission::OrgAdmin)?;
        self.unit_exists(unit_id).await?;
        xn_store::notify::robots_of_unit(self.svc.db(), unit_id)
            .await?
            .iter()
            .map(|r| self.robot_view(r))
            .collect()
    }

    /// Sets a unit's group robot of a messenger, replacing the one it had (系统管理员).
    pub async fn save_robot(
        &self,
        actor: &Actor,
        unit_id: i64,
        input: &RobotInput,
        now: DateTime<Utc>,
    ) -> Result<RobotView> {
        require(actor, Permission::OrgAdmin)?;
        self.unit_exists(unit_id).await?;
        let messenger = Messenger::from_code(input.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "机器人类型应为企业微信或钉钉"))?;
        let kind = messenger.code();
        // A blank address or secret keeps the one stored (the page never shows them again);
        // `remove_secret` takes the secret away.
        let stored = xn_store::notify::robots_of_unit(self.svc.db(), unit_id)
            .await?
            .into_iter()
            .find(|r| r.kind == kind);
        let keep = |part: &str, v: &Option<xn_store::Sealed>| -> Result<Option<String>> {
            match v {
                Some(v) => Ok(Some(
                    self.svc.open_text(&robot_label(unit_id, kind, part), v)?,
                )),
                None => Ok(None),
            }
        };
        let url = match (input.url.trim(), &stored) {
            ("", Some(r)) => keep("url", &Some(r.url.clone()))?.unwrap_or_default(),
            (given, _) => messenger.webhook(given).map_err(invalid("url"))?,
        };
        let kept_secret = match (&stored, input.remove_secret) {
            (Some(r), false) => keep("secret", &r.secret)?,
            _ => None,
        };
        let secret = given(&input.secret).or(kept_secret.as_deref());
        if let Some(s) = secret
            && (s.len() > 200 || s.chars().any(char::is_control))
        {
            return Err(ServiceError::invalid(
                "secret",
                "加签密钥不能超过 200 个字符",
            ));
        }
        if secret.is_some() && messenger != Messenger::Dingtalk {
            return Err(ServiceError::invalid(
                "secret",
                "只有钉钉机器人使用加签密钥",
            ));
        }
        let topics = Topics::from_codes(input.topics.iter().map(String::as_str))
            .map_err(invalid("topics"))?;
        let quiet = QuietHours::parse(input.quiet_from.as_deref(), input.quiet_to.as_deref())
            .map_err(invalid("quiet_from"))?;
        let keys = self.svc.at_rest()?;
        let row = RobotRow {
            id: 0,
            unit_id,
            kind: kind.to_owned(),
            url: keys.seal_text(&robot_label(unit_id, kind, "url"), &url),
            secret: secret.map(|s| keys.seal_text(&robot_label(unit_id, kind, "secret"), s)),
            topics: topics.stored(),
            quiet_from: quiet.map(|q| q.from.format("%H:%M").to_string()),
            quiet_to: quiet.map(|q| q.to.format("%H:%M").to_string()),
            active: 1,
        };
        let mut tx = self.svc.db().begin().await?;
        let id = xn_store::notify::save_robot(&mut tx, &row, ms(now)).await?;
        // The address and the secret are the robot's credentials: the event keeps neither.
        record(
            &mut tx,
            &actor.audit(),
            "notify.robot_saved",
            Some(format!("unit:{unit_id}")),
            json!({"robot": id, "kind": kind, "signed": secret.is_some(), "topics": row.topics}),
            now,
        )
        .await?;
        tx.commit().await?;
        let saved = xn_store::notify::robot(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("机器人"))?;
        self.robot_view(&saved)
    }

    /// Takes a unit's robot of a messenger out of use (系统管理员).
    pub async fn retire_robot(
        &self,
        actor: &Actor,
        unit_id: i64,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::OrgAdmin)?;
        self.unit_exists(unit_id).await?;
        let messenger = Messenger::from_code(kind).ok_or(ServiceError::NotFound("机器人"))?;
        let mut tx = self.svc.db().begin().await?;
        if !xn_store::notify::retire_robot(&mut tx, unit_id, messenger.code(), ms(now)).await? {
            return Err(ServiceError::NotFound("机器人"));
        }
        record(
            &mut tx,
            &actor.audit(),
            "notify.robot_retired",
            Some(format!("unit:{unit_id}")),
            json!({"kind": messenger.code()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test message to a unit's robot of a messenger, sent at once whatever its quiet
    /// hours (系统管理员).
    pub async fn test_robot(
        &self,
        actor: &Actor,
        unit_id: i64,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::OrgAdmin)?;
        self.unit_exists(unit_id).await?;
        let robot = xn_store::notify::robots_of_unit(self.svc.db(), unit_id)
            .await?
            .into_iter()
            .find(|r| r.kind == kind && r.active != 0)
            .ok_or(ServiceError::NotFound("机器人"))?;
        let source = format!("test:{}:{}", robot.id, ms(now));
        let address = format!("robot:{}", robot.id);
        let link = absolute(&self.svc.settings().outbound.public_url, "/workbench");
        let mut tx = self.svc.db().begin().await?;
        xn_store::notify::insert_delivery(
            &mut tx,
            &NewDelivery {
                source: &source,
                topic: Topic::Other.code(),
                channel: &robot.kind,
                address: &address,
                person_id: None,
                robot_id: Some(robot.id),
                mention: None,
                title: "【效能】测试消息",
                body: &format!(
                    "这是一条测试消息，由{}发出。收到即说明机器人设置正确。",
                    actor.person_name
                ),
                link: &link,
                digest: false,
                due_at: ms(now),
            },
            ms(now),
        )
        .await?;
        tx.commit().await?;
        Ok(robot.id)
    }

    /// A robot's latest messages (系统管理员).
    pub async fn robot_deliveries(
        &self,
        actor: &Actor,
        unit_id: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryView>> {
        require(actor, Permission::OrgAdmin)?;
        let mut out = Vec::new();
        for r in xn_store::notify::robots_of_unit(self.svc.db(), unit_id).await? {
            let rows =
                xn_store::notify::deliveries_of_robot(self.svc.db(), r.id, limit.clamp(1, 100))
                    .await?;
            out.extend(rows.iter().map(delivery_view));
        }
        out.sort_by_key(|d| std::cmp::Reverse(d.id));
        out.truncate(usize::try_from(limit.clamp(1, 100)).unwrap_or(100));
        Ok(out)
    }

    /// Reads the tasks and notifications committed since the last round and queues the messages
    /// they call for. Several servers may run it at once: each message is queued once.
    pub async fn dispatch(&self, now: DateTime<Utc>) -> Result<Dispatched> {
        let db = self.svc.db();
        let out = &self.svc.settings().outbound;
        let channels = out.mail || xn_store::notify::any_robot(db).await?;
        let mut total = Dispatched::default();
        let mut d = Dispatcher {
            notify: *self,
            out,
            now,
            people: HashMap::new(),
            robots: HashMap::new(),
        };
        for source in ["task", "notification"] {
            let mut after = xn_store::notify::cursor(db, source).await?;
            // The cursor moves only past rows older than the late window (see
            // xn_store::notify::LATE_WINDOW_MS); rows inside it are read again next round.
            let settled = ms(now) - xn_store::notify::LATE_WINDOW_MS;
            let mut advance_to = None;
            let mut blocked = false;
            loop {
                let rows = match source {
                    "task" => xn_store::notify::tasks_after(db, after, PAGE).await?,
                    _ => xn_store::notify::notifications_after(db, after, PAGE).await?,
                };
                let Some(last) = rows.last().map(|r| r.id) else {
                    break;
                };
                total.read += rows.len();
                let mut queue = Vec::new();
                for row in &rows {
                    if channels {
                        d.queue(&mut queue, source, row).await?;
                    }
                    if row.created_at < settled && !blocked {
                        advance_to = Some(row.id);
                    } else {
                        blocked = true;
                    }
                }
                // What was read is decided outside the transaction; it only writes.
                let mut tx = db.begin().await?;
                for q in &queue {
                    total.queued += usize::from(
                        xn_store::notify::insert_delivery(&mut tx, &q.as_new(), ms(now)).await?,
                    );
                }
                if let Some(to) = advance_to {
                    xn_store::notify::advance_cursor(&mut tx, source, to).await?;
                }
                tx.commit().await?;
                after = last;
            }
        }
        Ok(total)
    }

    /// Claims up to `limit` due messages for `owner`, with what sending them needs, and then
    /// up to `limit` people's daily digests. A message that cannot be sent at all (its robot
    /// retired or gone, its stored address unreadable) is marked failed with the reason and
    /// left out; it never holds up the others.
    pub async fn claim(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: i64,
    ) -> Result<Vec<Outgoing>> {
        let db = self.svc.db();
        let until = ms(now + lease);
        let rows = xn_store::notify::claim_deliveries(db, owner, ms(now), until, limit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let line = Line {
                title: row.title.clone(),
                body: row.body.clone(),
                link: row.link.clone(),
            };
            let mut o = Outgoing {
                id: row.id,
                to: Destination::Mail(row.address.clone()),
                title: row.title.clone(),
                lines: vec![line],
                version: row.version,
                attempts: row.attempts,
                companions: Vec::new(),
                quiet: None,
            };
            let ready = if row.channel == "mail" {
                self.person_quiet(row.person_id).await.map(|q| o.quiet = q)
            } else {
                self.robot_destination(&row).await.map(|(to, quiet)| {
                    o.to = to;
                    o.quiet = quiet;
                })
            };
            match ready {
                Ok(()) => out.push(o),
                Err(why) => {
                    tracing::warn!(delivery = row.id, reason = %why, "message cannot be sent");
                    xn_store::notify::finish_delivery(
                        db,
                        row.id,
                        owner,
                        row.version,
                        &Outcome::Failed { error: &why },
                        ms(now),
                    )
                    .await?;
                }
            }
        }
        // Daily digests: all of one person's due lines in one mail.
        for _ in 0..limit.max(1) {
            let rows = xn_store::notify::claim_digest(db, owner, ms(now), until).await?;
            let Some(first) = rows.first() else {
                break;
            };
            out.push(Outgoing {
                id: first.id,
                to: Destination::Mail(first.address.clone()),
                title: format!("【效能】每日汇总：{} 条待您处理的消息", rows.len()),
                lines: rows
                    .iter()
                    .map(|m| Line {
                        title: m.title.clone(),
                        body: m.body.clone(),
                        link: m.link.clone(),
                    })
                    .collect(),
                version: first.version,
                attempts: first.attempts,
                companions: rows[1..].iter().map(|m| (m.id, m.version)).collect(),
                quiet: self.person_quiet(first.person_id).await.unwrap_or(None),
            });
        }
        Ok(out)
    }

    /// A person's quiet hours, as they chose.
    async fn person_quiet(
        &self,
        person: Option<i64>,
    ) -> std::result::Result<Option<QuietHours>, String> {
        let Some(person) = person else {
            return Ok(None);
        };
        let row = xn_store::notify::prefs(self.svc.db(), person)
            .await
            .map_err(|e| format!("读取推送设置失败：{e}"))?;
        Ok(Choice::of(row.as_ref()).quiet)
    }

    /// Where a robot message goes, or why it cannot.
    async fn robot_destination(
        &self,
        row: &DeliveryRow,
    ) -> std::result::Result<(Destination, Option<QuietHours>), String> {
        let robot = match row.robot_id {
            Some(id) => xn_store::notify::robot(self.svc.db(), id)
                .await
                .map_err(|e| format!("读取机器人失败：{e}"))?,
            None => None,
        };
        let Some(robot) = robot else {
            return Err("机器人已不存在".to_owned());
        };
        if robot.active == 0 {
            return Err("机器人已停用".to_owned());
        }
        let messenger = Messenger::from_code(&robot.kind)
            .ok_or_else(|| format!("未知的机器人类型 {}", robot.kind))?;
        let open = |part: &str, v: &xn_store::Sealed| {
            self.svc
                .open_text(&robot_label(robot.unit_id, &robot.kind, part), v)
                .map_err(|_| "机器人地址无法解密（各服务器的 seal_key 是否一致？）".to_owned())
        };
        let url = open("url", &robot.url)?;
        let secret = match &robot.secret {
            Some(s) => Some(open("secret", s)?),
            None => None,
        };
        let quiet = QuietHours::parse(robot.quiet_from.as_deref(), robot.quiet_to.as_deref())
            .ok()
            .flatten();
        Ok((
            Destination::Robot {
                messenger,
                url,
                secret,
                mention: row.mention.clone(),
            },
            quiet,
        ))
    }

    /// Records how sending a claimed message went: sent, tried again later (after its pause,
    /// and after the recipient's quiet hours), or failed for good after its last try. A
    /// digest's lines share its fate. False when the claim was lost meanwhile (another server
    /// has it now).
    pub async fn finish(
        &self,
        o: &Outgoing,
        owner: &str,
        result: std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let db = self.svc.db();
        let error: String;
        let outcome = match &result {
            Ok(()) => Outcome::Sent,
            Err(e) => {
                error = e.chars().take(500).collect();
                match retry_after(o.attempts) {
                    Some(pause) => {
                        let at = now + pause;
                        let at = o.quiet.map_or(at, |q| q.release(at));
                        Outcome::Retry {
                            error: &error,
                            retry_at: ms(at),
                        }
                    }
                    None => Outcome::Failed { error: &error },
                }
            }
        };
        let held = xn_store::notify::finish_delivery(db, o.id, owner, o.version, &outcome, ms(now))
            .await?;
        for (id, version) in &o.companions {
            xn_store::notify::finish_delivery(db, *id, owner, *version, &outcome, ms(now)).await?;
        }
        match &result {
            Ok(()) => tracing::info!(delivery = o.id, lines = o.lines.len(), "message sent"),
            Err(e) => {
                tracing::warn!(delivery = o.id, attempts = o.attempts, error = %e, "message not sent")
            }
        }
        Ok(held)
    }

    /// Gives back the messages `owner` still holds (a stopping server's).
    pub async fn release(&self, owner: &str) -> Result<u64> {
        Ok(xn_store::notify::release_deliveries(self.svc.db(), owner).await?)
    }
}

/// `https://oa.example.gov.cn` + `/cases/7`.
fn absolute(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// The host of a webhook and the first four characters of its key, enough to tell two apart.
fn url_hint(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let key = url
        .split_once('?')
        .and_then(|(_, q)| {
            q.split('&')
                .find_map(|kv| kv.split_once('=').map(|(_, v)| v))
        })
        .unwrap_or_default();
    let shown: String = key.chars().take(4).collect();
    if shown.is_empty() {
        host.to_owned()
    } else {
        format!("{host} …{shown}…")
    }
}

/// One round's reading: the choices and robots it has looked up so far.
struct Dispatcher<'a, 'b> {
    notify: Notify<'a>,
    out: &'b Outbound,
    now: DateTime<Utc>,
    people: HashMap<i64, Choice>,
    robots: HashMap<i64, Vec<RobotRow>>,
}

impl Dispatcher<'_, '_> {
    async fn choice(&mut self, person: i64) -> Result<Choice> {
        if let Some(c) = self.people.get(&person) {
            return Ok(c.clone());
        }
        let row = xn_store::notify::prefs(self.notify.svc.db(), person).await?;
        let c = Choice::of(row.as_ref());
        self.people.insert(person, c.clone());
        Ok(c)
    }

    /// The robots that post for a unit: of each messenger, the nearest in use on the way up
    /// to its government (a county's news never reaches the city's group).
    async fn robots_for(&mut self, unit: i64) -> Result<Vec<RobotRow>> {
        if let Some(r) = self.robots.get(&unit) {
            return Ok(r.clone());
        }
        let db = self.notify.svc.db();
        let mut tx = db.begin_read().await?;
        let chain = xn_store::org::unit_chain(&mut tx, unit).await?;
        tx.commit().await?;
        let mut ids = Vec::new();
        for u in &chain {
            ids.push(u.id);
            if u.kind == UnitKind::Government.code() {
                break;
            }
        }
        let all = xn_store::notify::active_robots(db, &ids).await?;
        let mut found = Vec::new();
        for m in Messenger::all() {
            let nearest = ids
                .iter()
                .find_map(|id| all.iter().find(|r| r.unit_id == *id && r.kind == m.code()));
            if let Some(r) = nearest {
                found.push(r.clone());
            }
        }
        self.robots.insert(unit, found.clone());
        Ok(found)
    }

    /// Adds to `queue` the messages one source row calls for.
    async fn queue(&mut self, queue: &mut Vec<Queued>, source: &str, row: &NewsRow) -> Result<()> {
        let now = self.now;
        if !row.live || !row.open || row.created_at < ms(now - STALE) {
            return Ok(());
        }
        let topic = match source {
            "task" if row.kind == "read" => Topic::NewRead,
            "task" if row.again => Topic::Returned,
            "task" => Topic::NewTask,
            _ => Topic::of_notification(&row.kind),
        };
        let choice = self.choice(row.person_id).await?;
        let robots = self.robots_for(row.unit_id).await?;
        let mail_to = row
            .email
            .as_deref()
            .filter(|_| self.out.mail && choice.mail && choice.topics.has(topic));
        let robots: Vec<_> = robots
            .into_iter()
            .filter(|r| Topics::from_stored(&r.topics).has(topic))
            .collect();
        if mail_to.is_none() && robots.is_empty() {
            return Ok(());
        }
        // Outside the system an item above 非密 is never named.
        let subject = row.subject.as_deref();
        // Fail closed: the text goes out only of an item known to be 非密.
        let level = match subject {
            Some(s) => self
                .notify
                .svc
                .subject_levels(std::iter::once(s))
                .await?
                .get(s)
                .copied(),
            None => None,
        };
        let shown = match level {
            Some(Clearance::Public) => Shown::Text(row.text.as_str()),
            Some(_) => Shown::Classified,
            None => Shown::Unnamed,
        };
        let path = subject
            .and_then(subject_path)
            .unwrap_or_else(|| "/workbench".to_owned());
        let message = compose(topic, shown, &absolute(&self.out.public_url, &path));
        let source_key = format!("{source}:{}", row.id);
        if let Some(to) = mail_to {
            let due = match (choice.digest, choice.quiet) {
                (Some(at), _) => next_digest(at, now),
                (None, Some(q)) => q.release(now),
                (None, None) => now,
            };
            queue.push(Queued {
                source: source_key.clone(),
                topic,
                channel: "mail",
                address: to.to_owned(),
                person_id: row.person_id,
                robot_id: None,
                mention: None,
                message: message.clone(),
                digest: choice.digest.is_some(),
                due_at: ms(due),
            });
        }
        for r in &robots {
            let quiet = QuietHours::parse(r.quiet_from.as_deref(), r.quiet_to.as_deref())
                .ok()
                .flatten();
            let due = quiet.map_or(now, |q| q.release(now));
            let mention = row
                .phone
                .clone()
                .filter(|_| choice.robot && choice.topics.has(topic));
            let channel = Messenger::from_code(&r.kind).map_or("wecom", Messenger::code);
            queue.push(Queued {
                source: source_key.clone(),
                topic,
                channel,
                address: format!("robot:{}", r.id),
                person_id: row.person_id,
                robot_id: Some(r.id),
                mention,
                message: message.clone(),
                digest: false,
                due_at: ms(due),
            });
        }
        Ok(())
    }
}

/// A message decided on, to be queued.
struct Queued {
    source: String,
    topic: Topic,
    channel: &'static str,
    address: String,
    person_id: i64,
    robot_id: Option<i64>,
    mention: Option<String>,
    message: xn_domain::notify::Message,
    digest: bool,
    due_at: i64,
}

impl Queued {
    fn as_new(&self) -> NewDelivery<'_> {
        NewDelivery {
            source: &self.source,
            topic: self.topic.code(),
            channel: self.channel,
            address: &self.address,
            person_id: Some(self.person_id),
            robot_id: self.robot_id,
            mention: self.mention.as_deref(),
            title: &self.message.title,
            body: &self.message.body,
            link: &self.message.link,
            digest: self.digest,
            due_at: self.due_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_shown_by_its_host_and_a_little_of_its_key() {
        assert_eq!(
            url_hint("https://oapi.dingtalk.com/robot/send?access_token=abcdef123"),
            "oapi.dingtalk.com …abcd…"
        );
        assert_eq!(url_hint("http://127.0.0.1:9/hook"), "127.0.0.1:9");
    }
}
