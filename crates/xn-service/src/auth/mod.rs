//! Sign-in, sessions, the acting post, and API tokens.
//!
//! A person signs in; the session then acts as one of the person's posts (work is addressed
//! to posts). Permissions come from the roles of that post only: switching from one's 科长 post
//! to one's 系统管理员 post changes what one may do. An API token acts as one post with a subset
//! of its permissions (its scopes).
//!
//! - `sign_in`: the password check, the lock from wrong passwords and the shared throttle.
//! - `tokens`: API tokens (scopes, expiry).
//! - `reset`: password resets through a one-time link only the owner sees.
//! - `factor`: the second factor (TOTP today; the interface admits an SM2 key later).
//! - `sessions`: one's own sessions, and the limit on how many an account holds.

pub mod factor;
mod reset;
mod sessions;
mod sign_in;
mod tokens;

pub use factor::{Enrolment, FACTOR_PENDING, FactorStatus, PendingFactor};
pub use reset::{LinkState, ResetLink, ResetRequested};
pub use sessions::SessionLine;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::{Clearance, Permission};
use xn_domain::security::SessionEnd;

use crate::events::{Audit, record};
use crate::password::sm3_hex;
use crate::{Result, ServiceError, Services, from_ms, ms, require};

/// The post a person acts in, with what a page needs to show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActingPost {
    /// Post id.
    pub id: i64,
    /// Unit id.
    pub unit_id: i64,
    /// Unit's full name.
    pub unit_name: String,
    /// Unit's short name.
    pub unit_short_name: String,
    /// Position name (主任, 秘书 …).
    pub position_name: String,
    /// Title, when the post has one.
    pub title: Option<String>,
    /// Clearance.
    pub clearance: Clearance,
}

impl ActingPost {
    /// "东川市人民政府办公室 · 秘书" as shown in the header.
    pub fn label(&self) -> String {
        format!(
            "{} · {}",
            self.unit_short_name,
            self.title.as_deref().unwrap_or(&self.position_name)
        )
    }
}

/// Who is acting: the capability every use case is handed after authentication.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Person id.
    pub person_id: i64,
    /// Person's name.
    pub person_name: String,
    /// Login.
    pub login: String,
    /// The post acted in; `None` until one is chosen.
    pub post: Option<ActingPost>,
    /// Permissions of that post (narrowed by a token's scopes).
    pub permissions: BTreeSet<Permission>,
    /// The session's CSRF token (empty for API tokens, which need none).
    pub csrf_token: String,
    /// Set when the person must change the password before anything else.
    pub must_change_password: bool,
    /// Set when the person must enrol a second factor first (an administrator without one):
    /// the actor then holds no permission.
    pub must_enrol_factor: bool,
    /// An administrator's post used from outside the designated networks (`[admin_access]`):
    /// its duties are withheld, and a refusal says why.
    pub admin_elsewhere: bool,
    /// How many active posts the person holds (the header offers switching when > 1).
    pub post_count: usize,
    /// The session's token hash, or `None` for an API token.
    pub session: Option<String>,
    /// Client address, for events.
    pub ip: Option<String>,
}

impl Actor {
    /// Whether the acting post holds a permission.
    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// The acting post's id.
    pub fn post_id(&self) -> Option<i64> {
        self.post.as_ref().map(|p| p.id)
    }

    pub(crate) fn audit(&self) -> Audit<'_> {
        Audit {
            person_id: Some(self.person_id),
            post_id: self.post_id(),
            ip: self.ip.as_deref(),
        }
    }
}

/// A fresh session: the cookie value to set, and where to go next.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The secret for the session cookie (only its hash is stored).
    pub token: String,
    /// Whether the person must first choose among several posts.
    pub must_choose_post: bool,
    /// Whether the person must first change the password.
    pub must_change_password: bool,
    /// Whether the session waits for the second factor (`/login/factor`) before it acts.
    pub must_give_factor: bool,
}

/// Where a request comes from, for the event log.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Address.
    pub ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
}

impl Services {
    /// Resolves a session cookie into an actor, ending the session if it idled out.
    pub async fn authenticate_session(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        let token_hash = sm3_hex(token);
        let Some(s) = xn_store::auth::find_session(self.db(), &token_hash).await? else {
            return Err(ServiceError::Unauthenticated("请先登录"));
        };
        // A password alone signs no one in.
        if s.factor_pending != 0 {
            return Err(ServiceError::Unauthenticated(FACTOR_PENDING));
        }
        let state = self.settings().sign_in_policy.session_state(
            from_ms(s.created_at),
            from_ms(s.last_seen_at),
            now,
        );
        if let Err(end) = state {
            let mut tx = self.db().begin().await?;
            if xn_store::auth::end_session(&mut tx, &token_hash, ms(now)).await? {
                let who = Audit {
                    person_id: Some(s.person_id),
                    post_id: s.post_id,
                    ip: client.ip.as_deref(),
                };
                let reason = match end {
                    SessionEnd::Idle => "idle",
                    SessionEnd::Absolute => "absolute",
                };
                record(
                    &mut tx,
                    &who,
                    "auth.session_expired",
                    Some(format!("person:{}", s.person_id)),
                    json!({"reason": reason}),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated("登录已超时，请重新登录"));
        }
        // One write a minute at most keeps reads from becoming writes.
        if ms(now) - s.last_seen_at > 60_000 {
            xn_store::auth::touch_session(self.db(), &token_hash, ms(now)).await?;
        }
        let mut actor = self
            .actor_for(s.person_id, s.post_id, None, client, now)
            .await?;
        actor.csrf_token = s.csrf_token;
        actor.session = Some(token_hash);
        Ok(actor)
    }

    /// Whether a person's account is locked at `now` (a lock from wrong passwords lifts after
    /// the configured time; an administrator's holds).
    pub(crate) fn lock_holds(&self, person: &xn_store::org::PersonRow, now: DateTime<Utc>) -> bool {
        person.locked_at.is_some_and(|at| {
            self.settings()
                .sign_in_policy
                .lock_holds(from_ms(at), person.locked_by_admin != 0, now)
        })
    }

    pub(crate) async fn actor_for(
        &self,
        person_id: i64,
        post_id: Option<i64>,
        scopes: Option<&BTreeSet<Permission>>,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        let person = xn_store::org::find_person(self.db(), person_id).await?;
        if person.disabled != 0 || self.lock_holds(&person, now) {
            return Err(ServiceError::Unauthenticated("账号已锁定或停用"));
        }
        let posts = xn_store::org::list_posts_of_person(self.db(), person_id).await?;
        let post = post_id.and_then(|id| posts.iter().find(|p| p.id == id));
        let mut permissions = BTreeSet::new();
        if let Some(p) = post {
            permissions = xn_domain::org::effective_permissions(
                xn_store::org::list_post_permissions(self.db(), p.id)
                    .await?
                    .iter()
                    .filter_map(|c| Permission::from_code(c)),
            )
            .into_iter()
            .collect();
        }
        if let Some(scopes) = scopes {
            permissions.retain(|p| scopes.contains(p));
        }
        // An administrator (or, when so configured, anyone) without a second factor does
        // nothing until one is enrolled.
        let administrator = permissions.iter().any(|p| p.is_admin());
        let must_enrol_factor = self.factor_missing(person_id, administrator).await?;
        if must_enrol_factor {
            permissions.clear();
        }
        // Administration only from the designated networks (`[admin_access]`): elsewhere an
        // administrator's post keeps no duty, and a refusal says why.
        let admin_elsewhere =
            administrator && !self.settings().admin_access.allows(client.ip.as_deref());
        if admin_elsewhere {
            permissions.retain(|p| !p.is_admin());
        }
        Ok(Actor {
            person_id,
            person_name: person.name,
            login: person.login,
            post: post.map(crate::org::acting_post),
            permissions,
            csrf_token: String::new(),
            must_change_password: person.must_change_password != 0
                || self.settings().password_policy.expired(
                    from_ms(person.password_changed_at.unwrap_or(person.created_at)),
                    now,
                ),
            must_enrol_factor,
            admin_elsewhere,
            post_count: posts.len(),
            session: None,
            ip: client.ip.clone(),
        })
    }

    /// Ends the actor's session.
    pub async fn sign_out(&self, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
        let Some(hash) = &actor.session else {
            return Ok(());
        };
        let mut tx = self.db().begin().await?;
        if xn_store::auth::end_session(&mut tx, hash, ms(now)).await? {
            record(
                &mut tx,
                &actor.audit(),
                "auth.sign_out",
                Some(format!("person:{}", actor.person_id)),
                json!({}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Makes the session act in another of the person's posts.
    pub async fn switch_post(&self, actor: &Actor, post_id: i64, now: DateTime<Utc>) -> Result<()> {
        let Some(hash) = &actor.session else {
            return Err(ServiceError::Forbidden("接口令牌不能切换身份".to_owned()));
        };
        let posts = xn_store::org::list_posts_of_person(self.db(), actor.person_id).await?;
        let Some(post) = posts.iter().find(|p| p.id == post_id) else {
            return Err(ServiceError::Forbidden(
                "只能切换到本人担任的身份".to_owned(),
            ));
        };
        let mut tx = self.db().begin().await?;
        xn_store::auth::set_session_post(&mut tx, hash, post_id).await?;
        record(&mut tx, &actor.audit(), "auth.post_switched",
            Some(format!("post:{post_id}")),
            json!({"from": actor.post_id(), "to": post_id, "unit": post.unit_name, "position": post.position_name}),
            now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The posts the actor's person may act in.
    pub async fn my_posts(&self, actor: &Actor) -> Result<Vec<ActingPost>> {
        let posts = xn_store::org::list_posts_of_person(self.db(), actor.person_id).await?;
        Ok(posts.iter().map(crate::org::acting_post).collect())
    }

    /// Changes one's own password, checking the old one and the policy.
    pub async fn change_password(
        &self,
        actor: &Actor,
        old: &str,
        new: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let person = xn_store::org::find_person(self.db(), actor.person_id).await?;
        if !self
            .hasher()
            .verify(old, Some(&person.password_hash))
            .await?
        {
            return Err(ServiceError::invalid("old_password", "原口令不正确"));
        }
        if old == new {
            return Err(ServiceError::invalid(
                "new_password",
                "新口令不能与原口令相同",
            ));
        }
        self.settings()
            .password_policy
            .check(new, &person.login)
            .map_err(|m| ServiceError::invalid("new_password", m))?;
        self.check_password_history(&person, new).await?;
        let hash = self.hasher().hash(new).await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_password(&mut tx, person.id, &hash, false).await?;
        xn_store::org::record_password_change(&mut tx, person.id, &person.password_hash, ms(now))
            .await?;
        // Other devices signed in with the old password must sign in again, and no token made
        // by whoever knew it survives it.
        if let Some(keep) = &actor.session {
            xn_store::auth::end_other_sessions(&mut tx, person.id, keep, ms(now)).await?;
        }
        xn_store::auth::revoke_tokens_of_person(&mut tx, person.id, ms(now)).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.password_changed",
            Some(format!("person:{}", person.id)),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses a new password that is the current one or one of the last used
    /// (`[password] history`). Verified outside any transaction (see password.rs).
    pub(crate) async fn check_password_history(
        &self,
        person: &xn_store::org::PersonRow,
        new: &str,
    ) -> Result<()> {
        let n = self.settings().password_policy.history;
        if n == 0 {
            return Ok(());
        }
        let mut hashes = vec![person.password_hash.clone()];
        hashes.extend(
            xn_store::org::recent_password_hashes(self.db(), person.id, i64::from(n) - 1).await?,
        );
        for h in &hashes {
            if self.hasher().verify(new, Some(h)).await? {
                return Err(ServiceError::invalid(
                    "new_password",
                    format!("新口令不能与最近 {n} 次使用过的口令相同"),
                ));
            }
        }
        Ok(())
    }

    /// Refuses a change an administrator would make alone to another administrator's account
    /// (三员 accounts are locked and unlocked at the server's console, as their passwords and
    /// second factors are reset there).
    async fn not_an_administrators_account(&self, person_id: i64, what: &str) -> Result<()> {
        xn_store::org::find_person(self.db(), person_id)
            .await
            .map_err(ServiceError::missing("人员"))?;
        if self.is_three_admin(person_id).await? {
            return Err(ServiceError::Forbidden(format!(
                "三员（系统管理员、安全保密管理员、安全审计员）账号只能在服务器控制台{what}：xiaoneng user {} --login <登录名>",
                if what == "锁定" { "lock" } else { "unlock" }
            )));
        }
        Ok(())
    }

    /// Unlocks an account (安全保密管理员); an administrator's only at the console.
    pub async fn unlock(&self, actor: &Actor, person_id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        self.not_an_administrators_account(person_id, "解锁")
            .await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_locked(&mut tx, person_id, None, false).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.unlocked",
            Some(format!("person:{person_id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Locks an account at once and ends its sessions (安全保密管理员); an administrator's
    /// only at the console.
    pub async fn lock(&self, actor: &Actor, person_id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        if person_id == actor.person_id {
            return Err(ServiceError::invalid("person", "不能锁定自己的账号"));
        }
        self.not_an_administrators_account(person_id, "锁定")
            .await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_locked(&mut tx, person_id, Some(ms(now)), true).await?;
        xn_store::auth::end_sessions_of_person(&mut tx, person_id, ms(now)).await?;
        xn_store::auth::revoke_tokens_of_person(&mut tx, person_id, ms(now)).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.locked_by_admin",
            Some(format!("person:{person_id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
