//! Password hashing (argon2id) and secret tokens (random, stored as SM3 hashes).
//!
//! Hashing is deliberately slow, so it runs on tokio's blocking pool and never inside an open
//! write transaction (which on SQLite would hold the write lock for the whole hash).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use rand::RngCore;
use sm3::{Digest, Sm3};

use crate::{Result, ServiceError};

/// The cost of argon2id. The default follows OWASP's recommendation (19 MiB, 2 passes).
#[derive(Debug, Clone)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost {
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

/// Hashes and verifies passwords with one set of parameters.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    /// Bounds the hashes running at once: each takes `memory_kib` of memory, and a flood of
    /// sign-in attempts must queue, not exhaust the machine.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// A hash of nothing anyone knows, verified against when a login does not exist so that
    /// the answer takes as long as for a real account.
    dummy: String,
}

impl Hasher {
    /// Builds a hasher for the cost.
    pub fn new(cost: &HashCost) -> Result<Hasher> {
        let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("argon2 params: {e}")))?;
        let mut h = Hasher {
            params,
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(4)),
            dummy: String::new(),
        };
        h.dummy = h.hash_now(&random_token(16))?;
        Ok(h)
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on the current thread (for start-up and the blocking pool).
    pub fn hash_now(&self, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let hash: PasswordHash = self
            .argon()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("argon2: {e}")))?;
        Ok(hash.to_string())
    }

    /// Hashes on the blocking pool.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let me = self.clone();
        let pw = password.to_owned();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || me.hash_now(&pw))
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?
    }

    /// Verifies on the blocking pool; `None` checks against the dummy hash and answers false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let me = self.clone();
        let pw = password.to_owned();
        let real = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy).to_owned();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| me.argon().verify_password(pw.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(ok && real)
    }
}

/// A uniformly random number below `below`, for short codes people read out.
pub fn random_number(below: u32) -> u32 {
    use rand::Rng;
    rand::rng().random_range(0..below.max(1))
}

/// A random secret of `bytes` bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The SM3 hash (GB/T 32905) of a secret, hex: what the database keeps instead of the secret.
pub fn sm3_hex(secret: &str) -> String {
    hex::encode(Sm3::digest(secret.as_bytes()))
}

/// A readable initial password that meets the default policy: shown once to an administrator.
pub fn initial_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut buf = [0u8; 10];
    rand::rng().fill_bytes(&mut buf);
    let mut s: String = buf[..8]
        .iter()
        .map(|b| char::from(LETTERS[usize::from(*b) % LETTERS.len()]))
        .collect();
    s.push_str(&format!("#{}", u16::from(buf[8]) % 90 + 10));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Hasher {
        Hasher::new(&HashCost {
            memory_kib: 64,
            iterations: 1,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let h = cheap();
        let hash = h.hash("Gongwen#2026").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(h.verify("Gongwen#2026", Some(&hash)).await.unwrap());
        assert!(!h.verify("gongwen#2026", Some(&hash)).await.unwrap());
        assert!(!h.verify("Gongwen#2026", None).await.unwrap());
    }

    #[test]
    fn sm3_matches_the_standard_vector() {
        // GB/T 32905-2016 appendix A.1: SM3("abc").
        assert_eq!(
            sm3_hex("abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn initial_passwords_meet_the_default_policy() {
        for _ in 0..50 {
            let p = initial_password();
            assert!(
                xn_domain::security::PasswordPolicy::default()
                    .check(&p, "someone")
                    .is_ok(),
                "{p}"
            );
        }
    }
}
