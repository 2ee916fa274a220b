//! A person's own choices: mail address, kinds, quiet hours, digest; and their messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::notify::{QuietHours, Topics, clock_time};
use xn_domain::org::Permission;
use xn_store::notify::PrefsRow;

use super::{Choice, DeliveryView, Notify, TopicChoice, choices, delivery_view, given, invalid};
use crate::events::record;
use crate::{Actor, Result, ServiceError, ms};

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
}
