//! Sending: due messages claimed with a lease, what each needs to go, and its outcome.

use chrono::{DateTime, TimeDelta, Utc};
use xn_domain::notify::{Messenger, QuietHours, retry_after};
use xn_store::notify::{DeliveryRow, Outcome};

use super::{Choice, Notify, robot_label};
use crate::{Result, ms};

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

impl Notify<'_> {
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
