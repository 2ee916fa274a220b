//! The second factor (双因子): what a person proves besides the password.
//!
//! A factor is a [`SecondFactor`]: today the one kind is TOTP (RFC 6238, six digits, 30 s
//! steps, one step of skew either side), the code of an authenticator app. The interface takes
//! a proof and answers the time step (or counter) it used, so a later SM2 certificate or USB
//! key can be another kind behind the same sign-in step: a challenge signed by the key, checked
//! against its certificate, with its own replay counter.
//!
//! The secret is stored encrypted with SM4-CBC under a key derived from the installation key
//! (the 印章 key file or `seal_key`, under its own label), with a random IV, as the seals are.
//! A code is accepted only for a time step later than the last one accepted (a replayed code
//! is refused, also by a second server: one `update … where last_step < $step`). Ten one-time
//! recovery codes are shown once at enrolment; only their SM3 is kept.
//!
//! A password alone opens a session that acts for no one (`sessions.factor_pending`) until
//! the factor is given at `/login/factor`; failures there are throttled like passwords.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::json;
use sm3::Digest;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use xn_domain::org::Permission;
use xn_store::factor::{self as store, NewFactor};

use super::{Actor, Client, SignedIn};
use crate::documents::seals::{decrypt, encrypt, key_check};
use crate::events::{Audit, record};
use crate::password::sm3_hex;
use crate::{Result, ServiceError, Services, ms, require};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// How long a session may wait for its second factor after the password.
const PENDING_MINUTES: i64 = 5;

/// The kinds of second factor. Stored as `second_factors.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    /// A time-based one-time code (RFC 6238).
    Totp,
}

impl FactorKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FactorKind::Totp => "totp",
        }
    }

    fn from_code(code: &str) -> Option<FactorKind> {
        match code {
            "totp" => Some(FactorKind::Totp),
            _ => None,
        }
    }
}

/// Something a person holds and proves at sign-in besides the password.
pub trait SecondFactor {
    /// The kind.
    fn kind(&self) -> FactorKind;
    /// Checks a proof at `now`; answers the step (or counter) it proves, which must be later
    /// than the last one accepted, or `None` when it proves nothing.
    fn verify(&self, proof: &str, now: DateTime<Utc>) -> Option<i64>;
}

/// A TOTP factor over its secret.
pub struct TotpFactor(Totp);

impl TotpFactor {
    /// The factor of a raw secret (at least 16 bytes).
    pub fn new(secret: Vec<u8>, account: &str) -> Result<TotpFactor> {
        let totp = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(Secret::from(secret))
            .with_issuer(Some("效能"))
            .with_account_name(account.replace(':', "_"))
            .build()
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("TOTP: {e}")))?;
        Ok(TotpFactor(totp))
    }

    /// The secret in base32, as typed into an authenticator app.
    pub fn secret_base32(&self) -> String {
        self.0.secret().to_base32()
    }

    /// The `otpauth://` URI an authenticator app reads.
    pub fn uri(&self) -> Result<String> {
        self.0
            .to_url()
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("TOTP URI: {e}")))
    }
}

impl SecondFactor for TotpFactor {
    fn kind(&self) -> FactorKind {
        FactorKind::Totp
    }

    fn verify(&self, proof: &str, now: DateTime<Utc>) -> Option<i64> {
        let code: String = proof.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let secs = u64::try_from(now.timestamp()).ok()?;
        self.0
            .check(&code, secs)
            .and_then(|s| i64::try_from(s).ok())
    }
}

/// The SM4 key second-factor secrets are stored under, derived from the installation key.
fn factor_key(installation_key: &[u8; 16]) -> [u8; 16] {
    let mut h = sm3::Sm3::new();
    h.update(b"xiaoneng second factor v1\0");
    h.update(installation_key);
    let digest = h.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// A recovery code: ten letters and digits, easy to read out (no 0/O, 1/I/L).
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    rand::rng().fill_bytes(&mut buf);
    let s: String = buf
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// The form a recovery code is hashed in: upper case, without spaces or dashes.
fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    sm3_hex(&format!("recovery:{norm}"))
}

/// An enrolment in progress, as the account page shows it to its owner.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32.
    pub secret: String,
    /// The `otpauth://` URI.
    pub uri: String,
}

/// The account page's view of one's own second factor.
#[derive(Debug, Clone)]
pub struct FactorStatus {
    /// Whether a factor is enrolled and confirmed.
    pub enrolled: bool,
    /// When it was confirmed (epoch ms).
    pub enrolled_at: Option<i64>,
    /// The enrolment waiting for its first code, if any.
    pub pending: Option<Enrolment>,
    /// Unused recovery codes.
    pub recovery_left: i64,
    /// Whether this account must have one.
    pub required: bool,
}

/// A session waiting for its second factor, as `/login/factor` shows it.
#[derive(Debug, Clone)]
pub struct PendingFactor {
    /// Whose session.
    pub person_name: String,
    /// The session's CSRF token (the factor form carries it).
    pub csrf_token: String,
}

/// The answer a session waiting for its factor gives to every other request.
pub const FACTOR_PENDING: &str = "请先输入动态口令完成登录";

impl Services {
    fn factor_cipher_key(&self) -> Result<[u8; 16]> {
        self.settings()
            .seal_key
            .as_ref()
            .map(factor_key)
            .ok_or_else(|| ServiceError::Conflict {
                code: "factor.no_key",
                message: "服务器未配置安装密钥（seal_key），不能启用动态口令".into(),
            })
    }

    /// The factor of a stored row, decrypted.
    fn open_factor(&self, row: &store::FactorRow, account: &str) -> Result<TotpFactor> {
        let key = self.factor_cipher_key()?;
        let broken = |what: &str| {
            ServiceError::Internal(anyhow::anyhow!(
                "second factor of person {}: {what}",
                row.person_id
            ))
        };
        if row.key_check != key_check(&key) {
            return Err(broken("stored under another installation key"));
        }
        match FactorKind::from_code(&row.kind) {
            Some(FactorKind::Totp) => {}
            None => return Err(broken("unknown kind")),
        }
        let iv = hex::decode(&row.secret_iv).map_err(|_| broken("IV"))?;
        let cipher = hex::decode(&row.secret_cipher).map_err(|_| broken("ciphertext"))?;
        let secret = decrypt(&key, &iv, &cipher).ok_or_else(|| broken("undecryptable"))?;
        TotpFactor::new(secret, account)
    }

    /// Stores `secret` as `person_id`'s factor (confirmed at once when `confirmed`).
    async fn store_factor(
        &self,
        tx: &mut xn_store::Tx,
        person_id: i64,
        secret: &[u8],
        confirmed: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let key = self.factor_cipher_key()?;
        let (iv, cipher) = encrypt(&key, secret);
        Ok(store::begin_factor(
            tx,
            &NewFactor {
                person_id,
                kind: FactorKind::Totp.code(),
                secret_iv: &hex::encode(iv),
                secret_cipher: &hex::encode(cipher),
                key_check: &key_check(&key),
                confirmed_at: confirmed.map(ms),
            },
            ms(now),
        )
        .await?)
    }

    /// Whether the person must enrol a factor and has none: then the session acts with no
    /// permission until they do.
    pub(crate) async fn factor_missing(&self, person_id: i64, administrator: bool) -> Result<bool> {
        if !self.settings().second_factor.required(administrator) {
            return Ok(false);
        }
        Ok(!store::has_confirmed_factor(self.db(), person_id).await?)
    }

    /// One's own second factor, for the account page.
    pub async fn my_factor(&self, actor: &Actor) -> Result<FactorStatus> {
        let row = store::find_factor(self.db(), actor.person_id).await?;
        let pending = match &row {
            Some(r) if r.confirmed_at.is_none() => {
                let f = self.open_factor(r, &actor.login)?;
                Some(Enrolment {
                    secret: f.secret_base32(),
                    uri: f.uri()?,
                })
            }
            _ => None,
        };
        let administrator = actor.must_enrol_factor || self.is_three_admin(actor.person_id).await?;
        Ok(FactorStatus {
            enrolled: row.as_ref().is_some_and(|r| r.confirmed_at.is_some()),
            enrolled_at: row.as_ref().and_then(|r| r.confirmed_at),
            pending,
            recovery_left: store::recovery_codes_left(self.db(), actor.person_id).await?,
            required: self.settings().second_factor.required(administrator),
        })
    }

    /// Begins enrolling a TOTP factor: a fresh secret, shown to its owner until confirmed with
    /// a code. Refused when one is enrolled already (a lost one is reset by the security
    /// administrator, or for 三员 at the console).
    pub async fn begin_factor_enrolment(&self, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
        let Some(_) = &actor.session else {
            return Err(ServiceError::Forbidden(
                "动态口令只能在网页上启用".to_owned(),
            ));
        };
        let mut secret = vec![0u8; 20];
        rand::rng().fill_bytes(&mut secret);
        let mut tx = self.db().begin().await?;
        if !self
            .store_factor(&mut tx, actor.person_id, &secret, None, now)
            .await?
        {
            return Err(ServiceError::Conflict {
                code: "factor.enrolled",
                message: "已启用动态口令；如需更换，请联系安全保密管理员重置".to_owned(),
            });
        }
        record(
            &mut tx,
            &actor.audit(),
            "auth.factor_enrolment_begun",
            Some(format!("person:{}", actor.person_id)),
            json!({"kind": FactorKind::Totp.code()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirms the enrolment with a code from the app; answers the recovery codes, shown
    /// this once.
    pub async fn confirm_factor(
        &self,
        actor: &Actor,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let Some(row) = store::find_factor(self.db(), actor.person_id).await? else {
            return Err(ServiceError::invalid("code", "请先点击“开始启用”"));
        };
        if row.confirmed_at.is_some() {
            return Err(ServiceError::Conflict {
                code: "factor.enrolled",
                message: "已启用动态口令".to_owned(),
            });
        }
        let factor = self.open_factor(&row, &actor.login)?;
        let Some(step) = factor.verify(code, now) else {
            return Err(ServiceError::invalid(
                "code",
                "动态口令不正确：请输入验证器应用当前显示的 6 位数字",
            ));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        let mut tx = self.db().begin().await?;
        if !store::accept_step(&mut tx, actor.person_id, step).await?
            || !store::confirm_factor(&mut tx, actor.person_id, ms(now)).await?
        {
            return Err(ServiceError::Conflict {
                code: "factor.stale",
                message: "该动态口令已使用或启用已完成，请刷新页面".to_owned(),
            });
        }
        store::replace_recovery_codes(&mut tx, actor.person_id, &hashes).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.factor_enrolled",
            Some(format!("person:{}", actor.person_id)),
            json!({"kind": factor.kind().code(), "recovery_codes": RECOVERY_CODES}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Enrols a person with a given secret, confirmed at once (the demo's administrators, with
    /// the documented demo secret). No recovery codes.
    pub(crate) async fn enrol_factor_with_secret(
        &self,
        person_id: i64,
        secret: &[u8],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.db().begin().await?;
        self.store_factor(&mut tx, person_id, secret, Some(now), now)
            .await?;
        record(
            &mut tx,
            &Audit::CONSOLE,
            "auth.factor_enrolled",
            Some(format!("person:{person_id}")),
            json!({"kind": FactorKind::Totp.code(), "via": "demo"}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session waiting for its factor, for the `/login/factor` form.
    pub async fn pending_factor(&self, token: &str, now: DateTime<Utc>) -> Result<PendingFactor> {
        let (session, person) = self.pending_session(token, now).await?;
        Ok(PendingFactor {
            person_name: person.name,
            csrf_token: session.csrf_token,
        })
    }

    async fn pending_session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(xn_store::auth::SessionRow, xn_store::org::PersonRow)> {
        let hash = sm3_hex(token);
        let Some(s) = xn_store::auth::find_session(self.db(), &hash).await? else {
            return Err(ServiceError::Unauthenticated("请先登录"));
        };
        if s.factor_pending == 0 {
            return Err(ServiceError::Conflict {
                code: "factor.done",
                message: "已完成登录".to_owned(),
            });
        }
        if ms(now) - s.created_at > Duration::minutes(PENDING_MINUTES).num_milliseconds() {
            return Err(ServiceError::Unauthenticated("登录已超时，请重新登录"));
        }
        let person = xn_store::org::find_person(self.db(), s.person_id).await?;
        Ok((s, person))
    }

    /// Gives the second factor of a session waiting for it: a code of the app, or a recovery
    /// code. Failures are throttled per person and per address like passwords; a code is
    /// accepted once.
    pub async fn give_factor(
        &self,
        token: &str,
        proof: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<SignedIn> {
        let (session, person) = self.pending_session(token, now).await?;
        let ip = client.ip.as_deref();
        let who = Audit {
            person_id: Some(person.id),
            post_id: None,
            ip,
        };
        let subject = Some(format!("person:{}", person.id));
        let factor_key = format!("factor:{}", person.id);
        let address_key = ip.map(|a| format!("address:{a}"));
        let until = xn_store::auth::throttled_until(
            self.db(),
            &factor_key,
            address_key.as_deref().unwrap_or(&factor_key),
        )
        .await?;
        if until > ms(now) {
            let wait = u32::try_from((until - ms(now) + 999) / 1000).unwrap_or(u32::MAX);
            return Err(ServiceError::Throttled(wait));
        }
        if person.disabled != 0 || self.lock_holds(&person, now) {
            return Err(ServiceError::Unauthenticated("账号已锁定或停用"));
        }
        let Some(row) = store::find_factor(self.db(), person.id).await? else {
            return Err(ServiceError::Unauthenticated("请重新登录"));
        };
        let factor = self.open_factor(&row, &person.login)?;
        let mut tx = self.db().begin().await?;
        let proved = match factor.verify(proof, now) {
            Some(step) => store::accept_step(&mut tx, person.id, step)
                .await?
                .then_some("totp"),
            None if proof.trim().len() > 6 => {
                store::use_recovery_code(&mut tx, person.id, &recovery_hash(proof), ms(now))
                    .await?
                    .then_some("recovery_code")
            }
            None => None,
        };
        let Some(how) = proved else {
            self.count_failure(&mut tx, &factor_key, address_key.as_deref(), now)
                .await?;
            record(
                &mut tx,
                &who,
                "auth.factor_failed",
                subject,
                json!({"kind": factor.kind().code()}),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated(
                "动态口令错误或已使用过，请输入验证器应用显示的新口令",
            ));
        };
        if !xn_store::auth::complete_factor(&mut tx, &session.token_hash, ms(now)).await? {
            return Err(ServiceError::Unauthenticated("请重新登录"));
        }
        xn_store::auth::clear_throttle_key(&mut tx, &factor_key).await?;
        let who = Audit {
            post_id: session.post_id,
            ..who
        };
        if how == "recovery_code" {
            record(
                &mut tx,
                &who,
                "auth.recovery_code_used",
                subject.clone(),
                json!({}),
                now,
            )
            .await?;
        }
        self.limit_sessions(&mut tx, &who, person.id, &session.token_hash, now)
            .await?;
        record(
            &mut tx,
            &who,
            "auth.sign_in",
            subject,
            json!({"login": person.login, "factor": how}),
            now,
        )
        .await?;
        tx.commit().await?;
        let posts = xn_store::org::list_posts_of_person(self.db(), person.id).await?;
        Ok(SignedIn {
            token: token.to_owned(),
            must_choose_post: posts.len() > 1 && session.post_id.is_none(),
            must_change_password: person.must_change_password != 0,
            must_give_factor: false,
        })
    }

    /// Gives up a sign-in waiting for its factor: the session ends.
    pub async fn cancel_factor(
        &self,
        token: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let hash = sm3_hex(token);
        let Some(s) = xn_store::auth::find_session(self.db(), &hash).await? else {
            return Ok(());
        };
        if s.factor_pending == 0 {
            return Ok(());
        }
        let mut tx = self.db().begin().await?;
        if xn_store::auth::end_session(&mut tx, &hash, ms(now)).await? {
            record(
                &mut tx,
                &Audit {
                    person_id: Some(s.person_id),
                    post_id: None,
                    ip: client.ip.as_deref(),
                },
                "auth.factor_cancelled",
                Some(format!("person:{}", s.person_id)),
                json!({}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes a person's second factor (安全保密管理员), who then enrols again. Never an
    /// administrator's (三员): that is done at the server's console.
    pub async fn reset_factor(
        &self,
        actor: &Actor,
        person_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::SecurityAdmin)?;
        xn_store::org::find_person(self.db(), person_id)
            .await
            .map_err(ServiceError::missing("人员"))?;
        if self.is_three_admin(person_id).await? {
            return Err(ServiceError::Forbidden(
                "管理员（三员）的动态口令只能在服务器控制台重置".to_owned(),
            ));
        }
        let mut tx = self.db().begin().await?;
        if !store::delete_factor(&mut tx, person_id).await? {
            return Err(ServiceError::Conflict {
                code: "factor.none",
                message: "该人员未启用动态口令".to_owned(),
            });
        }
        record(
            &mut tx,
            &actor.audit(),
            "auth.factor_reset",
            Some(format!("person:{person_id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a person's second factor from the server's console (the only way for 三员).
    pub async fn console_reset_factor(&self, login: &str, now: DateTime<Utc>) -> Result<()> {
        let person_id = self.person_id_by_login(login).await?;
        let mut tx = self.db().begin().await?;
        if !store::delete_factor(&mut tx, person_id).await? {
            return Err(ServiceError::Conflict {
                code: "factor.none",
                message: "该人员未启用动态口令".to_owned(),
            });
        }
        record(
            &mut tx,
            &Audit::CONSOLE,
            "auth.factor_reset",
            Some(format!("person:{person_id}")),
            json!({"via": "console"}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_sha1_vector_verifies_once_per_step() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // six digits are its last six.
        let f = TotpFactor::new(b"12345678901234567890".to_vec(), "test").unwrap();
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(f.verify("287082", at), Some(1));
        assert_eq!(f.verify("287 082", at), Some(1));
        assert_eq!(f.verify("287083", at), None);
        assert_eq!(f.verify("abcdef", at), None);
    }

    #[test]
    fn a_recovery_code_is_read_without_regard_to_case_or_dashes() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            recovery_hash(&c),
            recovery_hash(&c.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn the_factor_key_is_not_the_seal_key() {
        let k = *b"0123456789abcdef";
        assert_ne!(factor_key(&k), k);
    }
}
