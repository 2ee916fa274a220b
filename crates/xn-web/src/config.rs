//! Configuration: defaults → a TOML file → `XIAONENG_*` environment variables → command-line
//! flags, each overriding the one before.
//!
//! Nested keys use a double underscore in the environment:
//! `XIAONENG_SIGN_IN__MAX_FAILED_ATTEMPTS=3`, `XIAONENG_PASSWORD__MIN_LENGTH=10`.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use xn_domain::security::{AdminAccess, PasswordPolicy, SecondFactorPolicy, SignInPolicy};

/// Everything an installation can set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub addr: String,
    /// Folder of the embedded SQLite database (and, later, attachments).
    pub data_dir: PathBuf,
    /// `postgres://…` to use a shared PostgreSQL database instead of the embedded file.
    pub database_url: Option<String>,
    /// Mark cookies `Secure` and send HSTS on every answer. Without it both are still done for
    /// a request that arrives over TLS (a proxy's `X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// Password policy.
    pub password: PasswordPolicy,
    /// Lockout and session timeouts.
    pub sign_in: SignInPolicy,
    /// argon2id memory in KiB (default 19456, OWASP's recommendation).
    pub hash_memory_kib: u32,
    /// argon2id passes (default 2).
    pub hash_iterations: u32,
    /// How long a server holds a claimed timer before another may take it over (seconds).
    pub timer_lease_secs: u32,
    /// How often a server looks for due timers (milliseconds).
    pub timer_poll_ms: u64,
    /// The SM4 key seal images are encrypted under, 32 hex digits. Unset: the key file
    /// `seal.key` in `data_dir`, created on first start. Servers sharing a PostgreSQL database
    /// must all be given the same key (`XIAONENG_SEAL_KEY`).
    pub seal_key: Option<String>,
    /// Who must give a second factor (the three administrators always must).
    pub second_factor: SecondFactorPolicy,
    /// Where administrators may work from: `[admin_access] networks = ["10.1.2.0/24"]`
    /// (empty: anywhere). Behind a reverse proxy the address is the proxy's.
    pub admin_access: AdminAccess,
    /// The daily backup: `[backup] dir = "/var/backups/xiaoneng"`, `keep = 7`, `at = "02:30"`.
    pub backup: crate::scheduled_backup::BackupSchedule,
    /// How often the public service form may be used: `[service_public]
    /// per_address_per_minute = 5`, `per_phone_per_day = 10`.
    pub service_public: xn_domain::service::PublicLimits,
    /// How the four satisfactions are figured: `[satisfaction] satisfied = 100`,
    /// `basically = 80`, `unsatisfied = 0`, `adoption_points = 2`, `cap = 100`.
    pub satisfaction: xn_domain::satisfaction::Rules,
    /// How long the figures of a running period (this month on the leader's page and the
    /// rankings) are reused before they are computed again, in seconds (0: at every reading).
    pub efficiency_refresh_secs: u64,
    /// What the auditor's page calls a mass download: `[audit] mass_downloads_per_day = 50`,
    /// `look_back_days = 30`.
    pub audit: xn_domain::security::AuditRules,
    /// Mail and messengers: `[notify] public_url = "https://oa.example.gov.cn"` and
    /// `[notify.mail] host = "smtp.example.gov.cn"`, `port = 587`, `security = "starttls"`,
    /// `username`, `password`, `from = "东川市政府办公室 <oa@example.gov.cn>"`.
    pub notify: crate::outbound::NotifyConfig,
    /// The token a Prometheus scrape of `/metrics` sends as `Authorization: Bearer …`; unset,
    /// `/metrics` is off (`XIAONENG_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let cost = xn_service::password::HashCost::default();
        Config {
            addr: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("xiaoneng-data"),
            database_url: None,
            secure_cookies: false,
            password: PasswordPolicy::default(),
            sign_in: SignInPolicy::default(),
            hash_memory_kib: cost.memory_kib,
            hash_iterations: cost.iterations,
            timer_lease_secs: 60,
            timer_poll_ms: 5000,
            seal_key: None,
            second_factor: SecondFactorPolicy::default(),
            admin_access: AdminAccess::default(),
            backup: crate::scheduled_backup::BackupSchedule::default(),
            service_public: xn_domain::service::PublicLimits::default(),
            satisfaction: xn_domain::satisfaction::Rules::default(),
            audit: xn_domain::security::AuditRules::default(),
            efficiency_refresh_secs: 60,
            notify: crate::outbound::NotifyConfig::default(),
            metrics_token: None,
        }
    }
}

impl Config {
    /// Loads the configuration: `file` if given (it must exist), else `xiaoneng.toml` in the
    /// working directory if present; then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) if !f.exists() => anyhow::bail!("配置文件不存在：{}", f.display()),
            Some(f) => fig = fig.merge(Toml::file(f)),
            None if Path::new("xiaoneng.toml").exists() => {
                fig = fig.merge(Toml::file("xiaoneng.toml"))
            }
            None => {}
        }
        fig = fig.merge(Env::prefixed("XIAONENG_").split("__"));
        let c: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
        c.satisfaction
            .check()
            .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
        Ok(c)
    }

    /// The service settings this configuration implies.
    pub fn settings(&self) -> xn_service::Settings {
        xn_service::Settings {
            password_policy: self.password.clone(),
            sign_in_policy: self.sign_in.clone(),
            hashing: xn_service::password::HashCost {
                memory_kib: self.hash_memory_kib,
                iterations: self.hash_iterations,
            },
            seal_key: None,
            second_factor: self.second_factor.clone(),
            admin_access: self.admin_access.clone(),
            service_public: self.service_public,
            satisfaction: self.satisfaction,
            running_figures_max_age: std::time::Duration::from_secs(self.efficiency_refresh_secs),
            audit: self.audit,
            outbound: xn_service::notify::Outbound {
                public_url: if self.notify.public_url.trim().is_empty() {
                    format!("http://{}", self.addr)
                } else {
                    self.notify.public_url.trim().to_owned()
                },
                mail: self.notify.mail.configured(),
            },
            metrics_token: self.metrics_token.clone(),
        }
    }
}
