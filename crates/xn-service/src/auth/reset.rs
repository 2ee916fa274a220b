//! Password resets through a one-time link whose secret only the account's owner sees.
//!
//! The owner asks at the sign-in page (忘记口令) and is shown a link and a six-digit check code.
//! The link works only once the security administrator approves the request, which she does by
//! typing the check code the owner reads out to her in person: she never sees the link, the
//! new password or anything that opens the account. Accounts of the three administrators (三员)
//! are never reset this way: their links come from the server's console
//! (`xiaoneng user reset-password <登录名>`), which whoever runs it already holds the database
//! behind. A used link, or one past its time, opens nothing; setting the new password ends the
//! account's sessions and revokes its API tokens.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use xn_domain::org::Permission;
use xn_store::auth::NewReset;

use super::{Actor, Client};
use crate::events::{Audit, record};
use crate::password::{random_token, sm3_hex};
use crate::{Result, ServiceError, Services, from_ms, ms, require};

/// How long a request waits for approval, and an approved or console link stays usable.
const LINK_HOURS: i64 = 24;

/// What the owner is shown after asking for a reset: nobody else ever sees either.
#[derive(Debug, Clone)]
pub struct ResetRequested {
    /// The one-time link's path, `/password-reset/<secret>`.
    pub path: String,
    /// The code the owner reads out to the security administrator.
    pub check_code: String,
}

/// A one-time link printed by the console.
#[derive(Debug, Clone)]
pub struct ResetLink {
    /// The link's path, `/password-reset/<secret>`.
    pub path: String,
    /// Until when it may be used.
    pub expires_at: DateTime<Utc>,
}

/// Where a link stands, for the page it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Approved and unused: the owner may set a new password.
    Ready,
    /// Still waiting for the security administrator's approval.
    Waiting,
    /// Used, replaced, expired or unknown.
    Dead,
}

fn path_of(secret: &str) -> String {
    format!("/password-reset/{secret}")
}

impl Services {
    /// Whether a person's account is one only the console changes (三员): what the person page
    /// offers the security administrator. Asked by her only.
    pub async fn account_is_console_only(&self, actor: &Actor, person_id: i64) -> Result<bool> {
        require(actor, Permission::SecurityAdmin)?;
        self.is_three_admin(person_id).await
    }

    /// Whether any post of the person carries an administrator's duty (三员).
    pub(crate) async fn is_three_admin(&self, person_id: i64) -> Result<bool> {
        for post in xn_store::org::list_posts_of_person(self.db(), person_id).await? {
            let perms = xn_store::org::list_post_permissions(self.db(), post.id).await?;
            if perms
                .iter()
                .filter_map(|c| Permission::from_code(c))
                .any(Permission::is_admin)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Asks for a reset of `login`'s password (signed out, from the sign-in page). The answer
    /// is the same whatever the login: for an unknown login or a 三员 account nothing is stored,
    /// so the page tells no one which logins exist.
    pub async fn request_password_reset(
        &self,
        login: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<ResetRequested> {
        let login = login.trim().to_ascii_lowercase();
        let secret = random_token(32);
        let check_code = format!("{:06}", crate::password::random_number(1_000_000));
        let mut tx = self.db().begin().await?;
        let person = xn_store::org::find_person_by_login(&mut tx, &login).await?;
        drop(tx);
        let eligible = match &person {
            Some(p) if p.disabled == 0 => !self.is_three_admin(p.id).await?,
            _ => false,
        };
        let mut tx = self.db().begin().await?;
        let anon = Audit {
            person_id: None,
            post_id: None,
            ip: client.ip.as_deref(),
        };
        match person.filter(|_| eligible) {
            Some(p) => {
                xn_store::auth::insert_reset(
                    &mut tx,
                    &NewReset {
                        person_id: p.id,
                        token_hash: &sm3_hex(&secret),
                        check_hash: Some(&sm3_hex(&check_code)),
                        via: "request",
                        approved_at: None,
                        expires_at: ms(now + Duration::hours(LINK_HOURS)),
                    },
                    ms(now),
                )
                .await?;
                record(
                    &mut tx,
                    &Audit {
                        person_id: Some(p.id),
                        ..anon
                    },
                    "auth.password_reset_requested",
                    Some(format!("person:{}", p.id)),
                    json!({}),
                    now,
                )
                .await?;
            }
            None => {
                record(
                    &mut tx,
                    &anon,
                    "auth.password_reset_request_ignored",
                    Some(format!("login:{login}")),
                    json!({"login": login}),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(ResetRequested {
            path: path_of(&secret),
            check_code,
        })
    }

    /// Approves the owner's waiting request (安全保密管理员), against the check code the owner
    /// reads out. Never for one's own account, never for a 三员 account (the console resets
    /// those); the password is not changed here and nothing that opens the account is shown.
    pub async fn approve_password_reset(
        &self,
        actor: &Actor,
        person_id: i64,
        check_code: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        if person_id == actor.person_id {
            return Err(ServiceError::Forbidden("不能批准重置自己的口令".to_owned()));
        }
        xn_store::org::find_person(self.db(), person_id)
            .await
            .map_err(ServiceError::missing("人员"))?;
        if self.is_three_admin(person_id).await? {
            return Err(ServiceError::Forbidden(
                "三员（系统管理员、安全保密管理员、安全审计员）账号的口令只能在服务器控制台重置：xiaoneng user reset-password <登录名>".to_owned(),
            ));
        }
        let Some(pending) = xn_store::auth::pending_reset(self.db(), person_id, ms(now)).await?
        else {
            return Err(ServiceError::invalid(
                "check_code",
                "该账号没有待批准的口令重置申请：请本人在登录页点击“忘记口令”提出申请",
            ));
        };
        let code = check_code.trim();
        if pending.check_hash.as_deref() != Some(sm3_hex(code).as_str()) || code.is_empty() {
            return Err(ServiceError::invalid(
                "check_code",
                "核对码不符：请当面核对申请人页面上显示的六位核对码",
            ));
        }
        let mut tx = self.db().begin().await?;
        let expires = ms(now + Duration::hours(LINK_HOURS));
        if !xn_store::auth::approve_reset(&mut tx, pending.id, actor.person_id, ms(now), expires)
            .await?
        {
            return Err(ServiceError::Conflict {
                code: "auth.reset_gone",
                message: "该申请已被使用或替换，请本人重新申请".to_owned(),
            });
        }
        record(
            &mut tx,
            &actor.audit(),
            "auth.password_reset_approved",
            Some(format!("person:{person_id}")),
            json!({"requested_at": from_ms(pending.requested_at).to_rfc3339()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Where the link with `secret` stands at `now`.
    pub async fn password_reset_state(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkState> {
        let mut tx = self.db().begin().await?;
        let row = xn_store::auth::find_reset(&mut tx, &sm3_hex(secret)).await?;
        drop(tx);
        Ok(match row {
            Some(r) if r.used_at.is_none() && r.expires_at > ms(now) => {
                if r.approved_at.is_some() {
                    LinkState::Ready
                } else {
                    LinkState::Waiting
                }
            }
            _ => LinkState::Dead,
        })
    }

    /// Sets a new password through an approved one-time link. The link then opens nothing
    /// more; the account's sessions end and its tokens are revoked; a lock from wrong
    /// passwords is lifted (an administrator's lock is not).
    pub async fn complete_password_reset(
        &self,
        secret: &str,
        new_password: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let dead = || ServiceError::invalid("link", "链接无效、已使用或已过期，请重新申请");
        let mut tx = self.db().begin().await?;
        let row = xn_store::auth::find_reset(&mut tx, &sm3_hex(secret)).await?;
        drop(tx);
        let Some(r) = row.filter(|r| r.used_at.is_none() && r.expires_at > ms(now)) else {
            return Err(dead());
        };
        if r.approved_at.is_none() {
            return Err(ServiceError::invalid(
                "link",
                "申请尚未获安全保密管理员批准：请当面向其出示核对码",
            ));
        }
        let person = xn_store::org::find_person(self.db(), r.person_id).await?;
        self.settings()
            .password_policy
            .check(new_password, &person.login)
            .map_err(|m| ServiceError::invalid("new_password", m))?;
        self.check_password_history(&person, new_password).await?;
        let hash = self.hasher().hash(new_password).await?;
        let mut tx = self.db().begin().await?;
        if !xn_store::auth::use_reset(&mut tx, r.id, ms(now)).await? {
            return Err(dead());
        }
        xn_store::org::set_password(&mut tx, person.id, &hash, false).await?;
        xn_store::org::record_password_change(&mut tx, person.id, &person.password_hash, ms(now))
            .await?;
        xn_store::org::clear_failed_attempts(&mut tx, person.id, i64::MAX).await?;
        xn_store::auth::end_sessions_of_person(&mut tx, person.id, ms(now)).await?;
        xn_store::auth::revoke_tokens_of_person(&mut tx, person.id, ms(now)).await?;
        record(
            &mut tx,
            &Audit {
                person_id: Some(person.id),
                post_id: None,
                ip: client.ip.as_deref(),
            },
            "auth.password_reset",
            Some(format!("person:{}", person.id)),
            json!({"via": r.via}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes a one-time link from the console (any account, 三员 included), usable at once for
    /// 24 hours. The password is unchanged until the link is used.
    pub async fn console_reset_password(
        &self,
        login: &str,
        now: DateTime<Utc>,
    ) -> Result<ResetLink> {
        let id = self.person_id_by_login(login).await?;
        let secret = random_token(32);
        let expires_at = now + Duration::hours(LINK_HOURS);
        let mut tx = self.db().begin().await?;
        xn_store::auth::insert_reset(
            &mut tx,
            &NewReset {
                person_id: id,
                token_hash: &sm3_hex(&secret),
                check_hash: None,
                via: "console",
                approved_at: Some(ms(now)),
                expires_at: ms(expires_at),
            },
            ms(now),
        )
        .await?;
        record(
            &mut tx,
            &Audit::CONSOLE,
            "auth.password_reset_link",
            Some(format!("person:{id}")),
            json!({"via": "console"}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ResetLink {
            path: path_of(&secret),
            expires_at,
        })
    }
}
