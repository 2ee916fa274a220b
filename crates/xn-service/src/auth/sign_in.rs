//! Signing in: the password check, the account's lock from wrong passwords, and the throttle.
//!
//! Two counters guard the door. The account's own (`persons.failed_attempts`) locks it after
//! the configured number of wrong passwords in a row; that lock lifts by itself after
//! `lock_minutes`, while a lock an administrator set holds until unlocked. The throttle
//! (`sign_in_throttle`, one row per login typed and per client address, known logins or not)
//! makes every try after the free failures wait 1 s, 2 s, 4 s … up to a cap. Both live in the
//! database, so several servers sharing PostgreSQL count the same failures.
//!
//! Nothing said before the password is verified depends on whether the login exists: a
//! throttled login reads the same whether it exists or not, and a locked or disabled account
//! says so only to someone who typed its password.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use xn_store::auth::NewSession;

use super::{Client, SignedIn};
use crate::events::{Audit, record};
use crate::password::{random_token, sm3_hex};
use crate::{Result, ServiceError, Services, from_ms, ms};

/// The answer to a wrong password, an unknown login, and a wrong password on a locked account.
const WRONG: &str = "登录名或口令错误";

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
    /// Signs a person in. Every outcome is recorded as an event; see the module's note for the
    /// lock and the throttle.
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
        let login_key = format!("login:{login}");
        let address_key = ip.map(|a| format!("address:{a}"));
        let until = xn_store::auth::throttled_until(
            self.db(),
            &login_key,
            address_key.as_deref().unwrap_or(&login_key),
        )
        .await?;
        if until > ms(now) {
            let wait = u32::try_from((until - ms(now) + 999) / 1000).unwrap_or(u32::MAX);
            let mut tx = self.db().begin().await?;
            record(
                &mut tx,
                &anon,
                "auth.sign_in_throttled",
                Some(format!("login:{login}")),
                json!({"login": login, "wait_seconds": wait}),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(ServiceError::Throttled(wait));
        }
        // A lock from wrong passwords set at or before this instant has lifted.
        let lifted_before = match policy.lock_minutes {
            0 => i64::MIN,
            m => ms(now - Duration::minutes(i64::from(m))),
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
            self.count_failure(&mut tx, &login_key, address_key.as_deref(), now)
                .await?;
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
            return Err(ServiceError::Unauthenticated(WRONG));
        };
        let who = Audit {
            person_id: Some(person.id),
            post_id: None,
            ip,
        };
        let subject = Some(format!("person:{}", person.id));
        if !ok {
            self.count_failure(&mut tx, &login_key, address_key.as_deref(), now)
                .await?;
            // Counted atomically: parallel guesses each count, and none counts once locked.
            let Some(failures) =
                xn_store::org::record_failed_attempt(&mut tx, person.id, lifted_before).await?
            else {
                return refuse(
                    tx,
                    &who,
                    subject,
                    "locked",
                    ServiceError::Unauthenticated(WRONG),
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
            if policy.locks_after(u32::try_from(failures).unwrap_or(u32::MAX)) {
                xn_store::org::set_locked(&mut tx, person.id, Some(ms(now)), false).await?;
                // A lock ends what the account had open: its sessions and its tokens.
                xn_store::auth::end_sessions_of_person(&mut tx, person.id, ms(now)).await?;
                xn_store::auth::revoke_tokens_of_person(&mut tx, person.id, ms(now)).await?;
                record(
                    &mut tx,
                    &who,
                    "auth.locked",
                    subject,
                    json!({"failures": failures, "minutes": policy.lock_minutes}),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated(WRONG));
        }
        // The password is right: only now may the answer say what is wrong with the account.
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
        // The row was read before the hash: a lock committed meanwhile (by parallel guesses or
        // an administrator) still refuses this sign-in.
        if !xn_store::org::clear_failed_attempts(&mut tx, person.id, lifted_before).await? {
            let fresh = xn_store::org::find_person_by_login(&mut tx, &login).await?;
            let message = match fresh.as_ref().and_then(|p| p.locked_at.map(|at| (p, at))) {
                Some((p, _)) if p.locked_by_admin != 0 => {
                    "账号已被管理员锁定，请联系安全保密管理员解锁。".to_owned()
                }
                Some((_, at)) => {
                    let lifts = from_ms(at) + Duration::minutes(i64::from(policy.lock_minutes));
                    let left = (lifts - now).num_minutes() + 1;
                    format!(
                        "账号因连续 {} 次口令错误已临时锁定，请 {left} 分钟后再试，或联系安全保密管理员解锁。",
                        policy.max_failed_attempts
                    )
                }
                None => "账号已锁定，请联系安全保密管理员。".to_owned(),
            };
            return refuse(
                tx,
                &who,
                subject,
                "locked",
                ServiceError::Locked(message),
                now,
            )
            .await;
        }
        xn_store::auth::clear_throttle_key(&mut tx, &login_key).await?;
        // With a second factor the session waits for it and acts for no one meanwhile.
        let factor_pending = xn_store::factor::has_confirmed_factor(self.db(), person.id).await?;
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
                factor_pending,
            },
            ms(now),
        )
        .await?;
        let who = Audit { post_id, ..who };
        if factor_pending {
            record(
                &mut tx,
                &who,
                "auth.sign_in_password_ok",
                subject,
                json!({"login": login}),
                now,
            )
            .await?;
        } else {
            self.limit_sessions(&mut tx, &who, person.id, &token_hash, now)
                .await?;
            record(
                &mut tx,
                &who,
                "auth.sign_in",
                subject,
                json!({"login": login}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(SignedIn {
            token,
            must_choose_post: posts.len() > 1,
            must_change_password: person.must_change_password != 0,
            must_give_factor: factor_pending,
        })
    }

    /// Counts a failure against the login typed and the client's address, and sets the wait
    /// before each may try again.
    pub(super) async fn count_failure(
        &self,
        tx: &mut xn_store::Tx,
        login_key: &str,
        address_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let policy = &self.settings().sign_in_policy;
        let window_start = ms(now - Duration::minutes(i64::from(policy.failure_window_minutes)));
        let keys = [
            (Some(login_key), policy.login_free_failures),
            (address_key, policy.address_free_failures),
        ];
        for (key, free) in keys {
            let Some(key) = key else { continue };
            let n = xn_store::auth::count_throttle_failure(tx, key, ms(now), window_start).await?;
            let wait = policy.backoff(u32::try_from(n).unwrap_or(u32::MAX), free);
            if wait > Duration::zero() {
                xn_store::auth::block_throttle_key(tx, key, ms(now + wait)).await?;
            }
        }
        Ok(())
    }
}
