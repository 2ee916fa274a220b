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
    /// A new password may not be any of the last `history` ones (the current one included;
    /// 0: no history kept).
    pub history: u32,
    /// Days after which a password must be changed before anything else (0: never).
    pub max_age_days: u32,
}

impl Default for PasswordPolicy {
    /// 等保 level 3 reviewers expect at least 8 characters from 3 classes.
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            min_classes: 3,
            history: 5,
            max_age_days: 0,
        }
    }
}

impl PasswordPolicy {
    /// Whether a password set at `changed_at` has passed its maximum age at `now`.
    pub fn expired(&self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.max_age_days > 0 && now - changed_at > Duration::days(i64::from(self.max_age_days))
    }

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

/// Lockout, throttling, session and token limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInPolicy {
    /// Wrong passwords in a row that lock the account.
    pub max_failed_attempts: u32,
    /// Minutes after which a lock from wrong passwords lifts by itself (a lock an administrator
    /// set holds until unlocked).
    pub lock_minutes: u32,
    /// Failures of one login (known or not) within the window before each further try must
    /// wait: 1 s after the next failure, doubling up to `max_backoff_seconds`.
    pub login_free_failures: u32,
    /// The same for one client address (offices share addresses behind NAT: higher).
    pub address_free_failures: u32,
    /// The longest wait the back-off imposes.
    pub max_backoff_seconds: u32,
    /// Minutes without a failure after which a login's or an address's count starts over.
    pub failure_window_minutes: u32,
    /// Minutes without a request after which a session ends.
    pub idle_timeout_minutes: u32,
    /// Hours after which a session ends however active it is.
    pub absolute_timeout_hours: u32,
    /// Days an API token lives.
    pub api_token_days: u32,
    /// Sessions one account may hold at once; signing in beyond it ends the oldest (0: no
    /// limit).
    pub max_sessions: u32,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            max_failed_attempts: 5,
            lock_minutes: 30,
            login_free_failures: 5,
            address_free_failures: 20,
            max_backoff_seconds: 900,
            failure_window_minutes: 15,
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            api_token_days: 90,
            max_sessions: 5,
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

    /// How long the next try must wait after the `failures`-th failure within the window, when
    /// `free` failures pass without waiting: nothing up to `free`, then 1 s, 2 s, 4 s … capped.
    pub fn backoff(&self, failures: u32, free: u32) -> Duration {
        let Some(over) = failures.checked_sub(free).filter(|n| *n > 0) else {
            return Duration::zero();
        };
        let cap = i64::from(self.max_backoff_seconds);
        let secs = 1_i64
            .checked_shl(over - 1)
            .filter(|s| *s > 0)
            .map_or(cap, |s| s.min(cap));
        Duration::seconds(secs)
    }

    /// Whether a lock set at `locked_at` still holds at `now`: an administrator's always, one
    /// from wrong passwords for `lock_minutes` (0: until unlocked).
    pub fn lock_holds(&self, locked_at: DateTime<Utc>, by_admin: bool, now: DateTime<Utc>) -> bool {
        by_admin
            || self.lock_minutes == 0
            || now - locked_at < Duration::minutes(i64::from(self.lock_minutes))
    }

    /// When a token made at `now` expires.
    pub fn token_expiry(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::days(i64::from(self.api_token_days))
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
    fn the_back_off_starts_after_the_free_failures_and_doubles_up_to_its_cap() {
        let p = SignInPolicy::default();
        assert_eq!(p.backoff(5, 5), Duration::zero());
        assert_eq!(p.backoff(6, 5), Duration::seconds(1));
        assert_eq!(p.backoff(8, 5), Duration::seconds(4));
        assert_eq!(p.backoff(40, 5), Duration::seconds(900));
        assert_eq!(p.backoff(u32::MAX, 5), Duration::seconds(900));
    }

    #[test]
    fn a_lock_from_wrong_passwords_lifts_after_its_time_but_an_administrators_holds() {
        let p = SignInPolicy::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(p.lock_holds(t0, false, t0 + Duration::minutes(29)));
        assert!(!p.lock_holds(t0, false, t0 + Duration::minutes(30)));
        assert!(p.lock_holds(t0, true, t0 + Duration::days(300)));
    }

    #[test]
    fn administration_is_allowed_only_from_the_named_networks() {
        let open = AdminAccess::default();
        assert!(open.allows(None) && open.allows(Some("203.0.113.9")));
        let office = AdminAccess {
            networks: vec!["10.1.2.0/24".parse().unwrap(), "::1/128".parse().unwrap()],
        };
        assert!(office.allows(Some("10.1.2.77")));
        assert!(office.allows(Some("::1")));
        assert!(!office.allows(Some("10.1.3.1")));
        assert!(!office.allows(Some("not an address")));
        assert!(!office.allows(None));
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

/// Where administrators may work from (`[admin_access]` of the configuration): GB/T 22239
/// level 3 asks that administration be reached only from designated addresses. Empty (the
/// default, for a demo or a single machine): from anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminAccess {
    /// The networks administrators work from, in CIDR form (`10.1.2.0/24`, `127.0.0.1/32`).
    pub networks: Vec<ipnet::IpNet>,
}

impl AdminAccess {
    /// Whether administration may be done from `ip` (an unknown address only when no network
    /// is named).
    pub fn allows(&self, ip: Option<&str>) -> bool {
        if self.networks.is_empty() {
            return true;
        }
        let Some(ip) = ip.and_then(|s| s.parse::<std::net::IpAddr>().ok()) else {
            return false;
        };
        self.networks.iter().any(|n| n.contains(&ip))
    }
}

/// Who must give a second factor (`[second_factor]` of the configuration). The three
/// administrators (三员) always must; `required_for_all` extends it to every account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecondFactorPolicy {
    /// Every account must enrol a second factor, not only the administrators.
    pub required_for_all: bool,
}

impl SecondFactorPolicy {
    /// Whether a person must have a second factor, given whether they act in an
    /// administrator's post.
    pub fn required(&self, administrator: bool) -> bool {
        administrator || self.required_for_all
    }
}

/// What the auditor's page counts as a mass download (`[audit]` of the configuration): a
/// person who downloads or exports at least `mass_downloads_per_day` files in one Beijing day,
/// within the last `look_back_days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditRules {
    /// Downloads and exports in one day that make a mass download.
    pub mass_downloads_per_day: u32,
    /// How many days back the page looks.
    pub look_back_days: u32,
}

impl Default for AuditRules {
    fn default() -> AuditRules {
        AuditRules {
            mass_downloads_per_day: 50,
            look_back_days: 30,
        }
    }
}
