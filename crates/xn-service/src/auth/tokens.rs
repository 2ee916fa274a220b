//! API tokens: an integration acts as one post with some of its permissions (the token's
//! scopes). A token expires (`api_token_days`, 90 by default), dies with its owner's password
//! change, reset or lock, and never carries an administrator's duty (三员 work is done by a
//! person signed in).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::Permission;
use xn_store::auth::NewToken;

use super::{Actor, Client};
use crate::events::record;
use crate::password::{random_token, sm3_hex};
use crate::{Result, ServiceError, Services, ms, require};

impl Services {
    /// Resolves an API token (`Authorization: Bearer xn_…`) into an actor.
    pub async fn authenticate_token(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        let Some(t) = xn_store::auth::find_token(self.db(), &sm3_hex(token), ms(now)).await? else {
            return Err(ServiceError::Unauthenticated(
                "接口令牌无效、已过期或已撤销",
            ));
        };
        // As for sessions, at most one write a minute: an API read stays a read.
        if t.last_used_at.is_none_or(|at| ms(now) - at > 60_000) {
            xn_store::auth::touch_token(self.db(), t.id, ms(now)).await?;
        }
        let scopes: BTreeSet<Permission> = t
            .scopes
            .split(',')
            .filter_map(Permission::from_code)
            // A token made before administrator scopes were refused carries none of them now.
            .filter(|p| p.grantable_to_tokens())
            .collect();
        self.actor_for(t.person_id, Some(t.post_id), Some(&scopes), client, now)
            .await
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
        if let Some(p) = scopes.iter().find(|p| !p.grantable_to_tokens()) {
            return Err(ServiceError::invalid(
                "scopes",
                format!(
                    "“{}”是管理员职责，只能登录后办理，不能授予接口令牌",
                    p.label()
                ),
            ));
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
                expires_at: ms(self.settings().sign_in_policy.token_expiry(now)),
            },
            ms(now),
        )
        .await?;
        record(
            &mut tx,
            &actor.audit(),
            "token.created",
            Some(format!("token:{id}")),
            json!({"name": name, "scopes": codes,
                   "days": self.settings().sign_in_policy.api_token_days}),
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
