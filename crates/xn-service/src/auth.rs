//! Sign-in, sessions, the acting post, and API tokens.
//!
//! A person signs in; the session then acts as one of the person's posts (work is addressed
//! to posts). Permissions come from the roles of that post only: switching from one's 科长 post
//! to one's 系统管理员 post changes what one may do. An API token acts as one post with a subset
//! of its permissions (its scopes).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::{Clearance, Permission};
use xn_domain::security::SessionEnd;
use xn_store::auth::{NewSession, NewToken};

use crate::events::{Audit, record};
use crate::password::{random_token, sm3_hex};
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
}

/// Where a request comes from, for the event log.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Address.
    pub ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
}

/// Records a refused sign-in, commits, and answers `err`.
async fn refuse(
    mut tx: xn_store::Tx,
    who: &Audit<'_>,
    subject: Option<String>,
    reason: &str,
    err: ServiceError,
    now: DateTime<Utc>,
) -> Result<SignedIn> {
    record(
        &mut tx,
        who,
        "auth.sign_in_refused",
        subject,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;
    Err(err)
}

impl Services {
    /// Signs a person in. Wrong passwords are counted; the configured number in a row locks the
    /// account until an administrator unlocks it. Every outcome is recorded as an event.
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<SignedIn> {
        let login = login.trim().to_ascii_lowercase();
        let policy = &self.settings().sign_in_policy;
        let ip = client.ip.as_deref();
        let anon = Audit {
            person_id: None,
            post_id: None,
            ip,
        };
        // Read first and hash outside any transaction (see password.rs).
        let mut tx = self.db().begin().await?;
        let person = xn_store::org::find_person_by_login(&mut tx, &login).await?;
        drop(tx);
        let ok = self
            .hasher()
            .verify(password, person.as_ref().map(|p| p.password_hash.as_str()))
            .await?;
        let mut tx = self.db().begin().await?;
        let Some(person) = person else {
            record(
                &mut tx,
                &anon,
                "auth.sign_in_failed",
                Some(format!("login:{login}")),
                json!({"login": login, "reason": "unknown_login"}),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated("登录名或口令错误"));
        };
        let who = Audit {
            person_id: Some(person.id),
            post_id: None,
            ip,
        };
        let subject = Some(format!("person:{}", person.id));
        if person.disabled != 0 {
            return refuse(
                tx,
                &who,
                subject,
                "disabled",
                ServiceError::Unauthenticated("账号已停用"),
                now,
            )
            .await;
        }
        if person.locked_at.is_some() {
            return refuse(
                tx,
                &who,
                subject,
                "locked",
                ServiceError::Locked(policy.max_failed_attempts),
                now,
            )
            .await;
        }
        if !ok {
            // Counted atomically: parallel guesses each count, and none counts once locked.
            let Some(failures) = xn_store::org::record_failed_attempt(&mut tx, person.id).await?
            else {
                return refuse(
                    tx,
                    &who,
                    subject,
                    "locked",
                    ServiceError::Locked(policy.max_failed_attempts),
                    now,
                )
                .await;
            };
            record(
                &mut tx,
                &who,
                "auth.sign_in_failed",
                subject.clone(),
                json!({"login": login, "reason": "wrong_password", "failures": failures}),
                now,
            )
            .await?;
            let locks = policy.locks_after(u32::try_from(failures).unwrap_or(u32::MAX));
            if locks {
                xn_store::org::set_locked(&mut tx, person.id, Some(ms(now))).await?;
                record(
                    &mut tx,
                    &who,
                    "auth.locked",
                    subject,
                    json!({"failures": failures}),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            return Err(if locks {
                ServiceError::Locked(policy.max_failed_attempts)
            } else {
                ServiceError::Unauthenticated("登录名或口令错误")
            });
        }
        // The row was read before the hash: a lock committed meanwhile (by parallel guesses or
        // an administrator) still refuses this sign-in.
        if !xn_store::org::clear_failed_attempts(&mut tx, person.id).await? {
            return refuse(
                tx,
                &who,
                subject,
                "locked",
                ServiceError::Locked(policy.max_failed_attempts),
                now,
            )
            .await;
        }
        let posts = xn_store::org::list_posts_of_person(self.db(), person.id).await?;
        let token = random_token(32);
        let csrf = random_token(24);
        let token_hash = sm3_hex(&token);
        let post_id = (posts.len() == 1).then(|| posts[0].id);
        xn_store::auth::insert_session(
            &mut tx,
            &NewSession {
                token_hash: &token_hash,
                person_id: person.id,
                post_id,
                csrf_token: &csrf,
                ip,
                user_agent: client.user_agent.as_deref(),
            },
            ms(now),
        )
        .await?;
        let who = Audit { post_id, ..who };
        record(
            &mut tx,
            &who,
            "auth.sign_in",
            subject,
            json!({"login": login}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(SignedIn {
            token,
            must_choose_post: posts.len() > 1,
            must_change_password: person.must_change_password != 0,
        })
    }

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
        let mut actor = self.actor_for(s.person_id, s.post_id, None, client).await?;
        actor.csrf_token = s.csrf_token;
        actor.session = Some(token_hash);
        Ok(actor)
    }

    /// Resolves an API token (`Authorization: Bearer xn_…`) into an actor.
    pub async fn authenticate_token(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        let Some(t) = xn_store::auth::find_token(self.db(), &sm3_hex(token)).await? else {
            return Err(ServiceError::Unauthenticated("接口令牌无效或已撤销"));
        };
        // As for sessions, at most one write a minute: an API read stays a read.
        if t.last_used_at.is_none_or(|at| ms(now) - at > 60_000) {
            xn_store::auth::touch_token(self.db(), t.id, ms(now)).await?;
        }
        let scopes: BTreeSet<Permission> = t
            .scopes
            .split(',')
            .filter_map(Permission::from_code)
            .collect();
        self.actor_for(t.person_id, Some(t.post_id), Some(&scopes), client)
            .await
    }

    pub(crate) async fn actor_for(
        &self,
        person_id: i64,
        post_id: Option<i64>,
        scopes: Option<&BTreeSet<Permission>>,
        client: &Client,
    ) -> Result<Actor> {
        let person = xn_store::org::find_person(self.db(), person_id).await?;
        if person.disabled != 0 || person.locked_at.is_some() {
            return Err(ServiceError::Unauthenticated("账号已锁定或停用"));
        }
        let posts = xn_store::org::list_posts_of_person(self.db(), person_id).await?;
        let post = post_id.and_then(|id| posts.iter().find(|p| p.id == id));
        let mut permissions = BTreeSet::new();
        if let Some(p) = post {
            permissions = xn_store::org::list_post_permissions(self.db(), p.id)
                .await?
                .iter()
                .filter_map(|c| Permission::from_code(c))
                .collect();
        }
        if let Some(scopes) = scopes {
            permissions.retain(|p| scopes.contains(p));
        }
        Ok(Actor {
            person_id,
            person_name: person.name,
            login: person.login,
            post: post.map(crate::org::acting_post),
            permissions,
            csrf_token: String::new(),
            must_change_password: person.must_change_password != 0,
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
        let hash = self.hasher().hash(new).await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_password(&mut tx, person.id, &hash, false).await?;
        // Other devices signed in with the old password must sign in again.
        if let Some(keep) = &actor.session {
            xn_store::auth::end_other_sessions(&mut tx, person.id, keep, ms(now)).await?;
        }
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

    /// Unlocks an account (安全保密管理员).
    pub async fn unlock(&self, actor: &Actor, person_id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_locked(&mut tx, person_id, None).await?;
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

    /// Locks an account at once and ends its sessions (安全保密管理员).
    pub async fn lock(&self, actor: &Actor, person_id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        if person_id == actor.person_id {
            return Err(ServiceError::invalid("person", "不能锁定自己的账号"));
        }
        let mut tx = self.db().begin().await?;
        xn_store::org::set_locked(&mut tx, person_id, Some(ms(now))).await?;
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

    /// Resets a password to a new initial one, returned once; the person must change it at
    /// the next sign-in (安全保密管理员).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        person_id: i64,
        now: DateTime<Utc>,
    ) -> Result<String> {
        require(actor, Permission::SecurityAdmin)?;
        let initial = crate::password::initial_password();
        let hash = self.hasher().hash(&initial).await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_password(&mut tx, person_id, &hash, true).await?;
        xn_store::auth::end_sessions_of_person(&mut tx, person_id, ms(now)).await?;
        xn_store::auth::revoke_tokens_of_person(&mut tx, person_id, ms(now)).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.password_reset",
            Some(format!("person:{person_id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(initial)
    }

    /// Creates an API token acting as the actor's post with the given scopes (each must be
    /// held by the post). The secret is returned once; only its hash is kept.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Permission],
        now: DateTime<Utc>,
    ) -> Result<(i64, String)> {
        require(actor, Permission::TokenOwn)?;
        if actor.session.is_none() {
            return Err(ServiceError::Forbidden(
                "接口令牌只能在登录后的网页或会话中创建".to_owned(),
            ));
        }
        let Some(post_id) = actor.post_id() else {
            return Err(ServiceError::invalid("post", "请先选择身份"));
        };
        let name = xn_domain::org::parse_name("令牌名称", name, 40)
            .map_err(|e| ServiceError::invalid("name", e.to_string()))?;
        if scopes.is_empty() {
            return Err(ServiceError::invalid("scopes", "请至少选择一项权限范围"));
        }
        if let Some(p) = scopes.iter().find(|p| !actor.has(**p)) {
            return Err(ServiceError::invalid(
                "scopes",
                format!("当前身份没有“{}”权限，不能授予令牌", p.label()),
            ));
        }
        let secret = format!("xn_{}", random_token(32));
        let hash = sm3_hex(&secret);
        let codes: Vec<&str> = scopes.iter().map(|p| p.code()).collect();
        let mut tx = self.db().begin().await?;
        let id = xn_store::auth::insert_token(
            &mut tx,
            &NewToken {
                person_id: actor.person_id,
                post_id,
                name: &name,
                token_hash: &hash,
                prefix: &secret[..9],
                scopes: &codes.join(","),
            },
            ms(now),
        )
        .await?;
        record(
            &mut tx,
            &actor.audit(),
            "token.created",
            Some(format!("token:{id}")),
            json!({"name": name, "scopes": codes}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The actor's tokens.
    pub async fn my_tokens(&self, actor: &Actor) -> Result<Vec<xn_store::auth::TokenRow>> {
        Ok(xn_store::auth::list_tokens_of_person(self.db(), actor.person_id).await?)
    }

    /// Revokes one of the actor's tokens.
    pub async fn revoke_token(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        if actor.session.is_none() {
            return Err(ServiceError::Forbidden(
                "接口令牌只能在登录后的网页或会话中撤销".to_owned(),
            ));
        }
        let mut tx = self.db().begin().await?;
        if !xn_store::auth::revoke_token(&mut tx, id, actor.person_id, ms(now)).await? {
            return Err(ServiceError::NotFound("接口令牌"));
        }
        record(
            &mut tx,
            &actor.audit(),
            "token.revoked",
            Some(format!("token:{id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
