//! Sign-in rules that need no storage: the password policy, the lockout rule and the idle
//! timeout. Hashing itself (argon2id) lives in the service layer, which owns the CPU cost;
//! this module only decides.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The password policy (口令策略), configurable per installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    /// Minimum length in characters.
    pub min_length: usize,
    /// How many of the four classes (lower, upper, digit, symbol) must appear.
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    /// 等保 level 3 reviewers expect at least 8 characters from 3 classes.
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            min_classes: 3,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password, saying in Chinese what is missing.
    pub fn check(&self, password: &str, login: &str) -> Result<(), String> {
        let len = password.chars().count();
        if len < self.min_length {
            return Err(format!("口令至少需要 {} 个字符", self.min_length));
        }
        if len > 128 {
            return Err("口令不能超过 128 个字符".to_owned());
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if classes < self.min_classes {
            return Err(format!(
                "口令需包含小写字母、大写字母、数字、符号中的至少 {} 类",
                self.min_classes
            ));
        }
        if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
            return Err("口令不能包含登录名".to_owned());
        }
        Ok(())
    }
}

/// Lockout and session limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInPolicy {
    /// Failed attempts in a row that lock the account until an administrator unlocks it.
    pub max_failed_attempts: u32,
    /// Minutes without a request after which a session ends.
    pub idle_timeout_minutes: u32,
    /// Hours after which a session ends however active it is.
    pub absolute_timeout_hours: u32,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            max_failed_attempts: 5,
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
        }
    }
}

/// Why a session is no longer valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// No request for longer than the idle timeout.
    Idle,
    /// Older than the absolute limit.
    Absolute,
}

impl SignInPolicy {
    /// Whether this failure (the `failures`-th in a row) locks the account.
    pub fn locks_after(&self, failures: u32) -> bool {
        self.max_failed_attempts > 0 && failures >= self.max_failed_attempts
    }

    /// Decides whether a session created at `created` and last used at `last_seen` still holds
    /// at `now`.
    pub fn session_state(
        &self,
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SessionEnd> {
        if now - last_seen > Duration::minutes(i64::from(self.idle_timeout_minutes)) {
            return Err(SessionEnd::Idle);
        }
        if now - created > Duration::hours(i64::from(self.absolute_timeout_hours)) {
            return Err(SessionEnd::Absolute);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_password_is_refused_with_the_minimum_named() {
        let err = PasswordPolicy::default().check("Ab1!", "wang").unwrap_err();
        assert!(err.contains("8"));
    }

    #[test]
    fn a_password_needs_three_classes_by_default() {
        let p = PasswordPolicy::default();
        assert!(p.check("abcdefgh1", "wang").is_err());
        assert!(p.check("abcdefg1!", "wang").is_ok());
    }

    #[test]
    fn a_password_may_not_contain_the_login() {
        assert!(
            PasswordPolicy::default()
                .check("Wangfang#2026", "wangfang")
                .is_err()
        );
    }

    #[test]
    fn the_fifth_failure_locks_by_default() {
        let p = SignInPolicy::default();
        assert!(!p.locks_after(4));
        assert!(p.locks_after(5));
    }

    #[test]
    fn a_session_idle_for_31_minutes_has_ended() {
        let p = SignInPolicy::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(p.session_state(t0, t0, t0 + Duration::minutes(30)), Ok(()));
        assert_eq!(
            p.session_state(t0, t0, t0 + Duration::minutes(31)),
            Err(SessionEnd::Idle)
        );
    }
}
