//! A unit's group robots (系统管理员): set, retired, tested, and their messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::notify::{Messenger, QuietHours, Topic, Topics};
use xn_domain::org::Permission;
use xn_store::notify::{NewDelivery, RobotRow};

use super::{
    DeliveryView, Notify, TopicChoice, absolute, choices, delivery_view, given, invalid,
    robot_label,
};
use crate::events::record;
use crate::{Actor, Result, ServiceError, ms, require};

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

impl Notify<'_> {
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
