//! Use cases of xiaoneng.
//!
//! Every operation a page or an API call can trigger is a function here, and reads the same
//! way: authorize the actor (the one place access is decided), parse and check input with the
//! domain's rules, write through `xn-store` in one transaction together with the event that
//! records it, commit. Handlers in `xn-web` call these and render; they decide nothing.
//!
//! Time is a parameter: functions take `now` and never read the clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use xn_domain::org::Permission;
use xn_domain::security::{PasswordPolicy, SignInPolicy};
use xn_store::{Db, StoreError};

pub mod areas;
pub mod at_rest;
pub mod audit_chain;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod clearance;
pub mod complaints;
pub mod console;
pub mod demo;
pub mod documents;
pub mod efficiency;
pub mod events;
pub mod files;
pub mod flow;
pub mod import;
pub mod information;
pub mod management;
pub mod meetings;
pub mod moving;
pub mod notifications;
pub mod notify;
pub mod operations;
pub mod org;
pub mod paging;
pub mod password;
pub mod reads;
pub mod research;
pub mod satisfaction;
pub mod service;
pub mod study;
pub mod supervision;

pub use auth::Actor;

/// A failure of a use case, with a stable machine code and a message for the person.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule; `field` names the form field when there is one.
    #[error("{message}")]
    Invalid {
        /// The form field, if one is to blame.
        field: Option<&'static str>,
        /// What is wrong, in Chinese.
        message: String,
    },
    /// An import sheet with bad rows: nothing was written.
    #[error("导入文件有 {} 处错误，未导入任何数据", .0.len())]
    BadRows(Vec<import::RowError>),
    /// Not signed in, or the session ended.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Signed in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to the actor).
    #[error("{0}不存在")]
    NotFound(&'static str),
    /// A uniqueness rule or a concurrent change.
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `person.login_taken`.
        code: &'static str,
        /// What clashed, in Chinese.
        message: String,
    },
    /// The database refused a write by one of its own rules (a duplicate, a reference to a row
    /// that is gone): the transaction it happened in cannot go on. Shown like a conflict.
    #[error("{message}")]
    Constraint {
        /// Stable code: `conflict` or `conflict.reference`.
        code: &'static str,
        /// What clashed, in Chinese.
        message: String,
    },
    /// The document laid out for 印制 breaks GB/T 9704-2012 (found by the conformance checker):
    /// the action is refused and nothing is written. Each violation names element and rule.
    #[error("印制前版式检查未通过（GB/T 9704-2012），未印制，请退回修改：{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Nonconforming(Vec<documents::LayoutViolation>),
    /// The account is locked (said only to someone who typed its password); the message says
    /// by whom and until when.
    #[error("{0}")]
    Locked(String),
    /// Too many failed sign-ins from this login or address: the next try must wait.
    #[error("登录尝试过于频繁，请 {0} 秒后再试")]
    Throttled(u32),
    /// Too many submissions from one address or phone: nothing was stored.
    #[error("{0}")]
    TooFrequent(String),
    /// Anything that is the system's fault, not the person's.
    #[error("系统内部错误")]
    Internal(#[source] anyhow::Error),
}

impl ServiceError {
    /// The stable machine code of the error, used in problem+json bodies.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid { .. } => "validation.invalid",
            ServiceError::BadRows(_) => "import.bad_rows",
            ServiceError::Unauthenticated(_) => "auth.unauthenticated",
            ServiceError::Forbidden(_) => "auth.forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Conflict { code, .. } | ServiceError::Constraint { code, .. } => code,
            ServiceError::Nonconforming(_) => "documents.nonconforming",
            ServiceError::Locked(_) => "auth.locked",
            ServiceError::Throttled(_) => "auth.throttled",
            ServiceError::TooFrequent(_) => "rate_limited",
            ServiceError::Internal(_) => "internal",
        }
    }

    /// Reads a store error as "the thing asked for does not exist" when, and only when, the
    /// store found no row; any other store error (the database failing) stays a system error,
    /// logged and answered as such, never shown as "不存在".
    pub(crate) fn missing(what: &'static str) -> impl FnOnce(StoreError) -> ServiceError {
        move |e| match e {
            StoreError::NotFound => ServiceError::NotFound(what),
            other => other.into(),
        }
    }

    /// As [`ServiceError::missing`], for a row the person named in a form field.
    pub(crate) fn missing_input(
        field: &'static str,
        message: impl Into<String>,
    ) -> impl FnOnce(StoreError) -> ServiceError {
        move |e| match e {
            StoreError::NotFound => ServiceError::invalid(field, message),
            other => other.into(),
        }
    }

    /// An input error on a field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound("记录"),
            StoreError::Conflict(what) => {
                // The constraint's name is for the log, not for the person.
                tracing::warn!(constraint = %what, "uniqueness conflict");
                ServiceError::Constraint {
                    code: "conflict",
                    message: "与已有记录重复，请检查后重试".to_owned(),
                }
            }
            StoreError::Reference(_) => ServiceError::Constraint {
                code: "conflict.reference",
                message: "引用的记录不存在或仍被使用".to_owned(),
            },
            other => ServiceError::Internal(other.into()),
        }
    }
}

/// A number read from a record, converted to the type the rules use. A value out of range is a
/// corrupt record: an internal error, never replaced by a plausible number (a 文号 of year 0).
pub(crate) fn exact<S, T>(what: &'static str, value: S) -> Result<T>
where
    S: Copy + std::fmt::Display,
    T: TryFrom<S>,
{
    T::try_from(value)
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("{what} out of range: {value}")))
}

/// Shorthand for service results.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The installation's security settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// What a password must look like.
    pub password_policy: PasswordPolicy,
    /// Lockout and timeouts.
    pub sign_in_policy: SignInPolicy,
    /// argon2id cost.
    pub hashing: password::HashCost,
    /// The SM4 key that seal images are stored under (`None`: seals cannot be uploaded or
    /// placed). See `documents::seals`.
    pub seal_key: Option<[u8; 16]>,
    /// Who must give a second factor.
    pub second_factor: xn_domain::security::SecondFactorPolicy,
    /// Where administrators may work from.
    pub admin_access: xn_domain::security::AdminAccess,
    /// How often the public service form may be used.
    pub service_public: xn_domain::service::PublicLimits,
    /// How the four satisfactions are figured (`[satisfaction]`).
    pub satisfaction: xn_domain::satisfaction::Rules,
    /// How long a running period's figures (this month's on the leader's page) are reused
    /// before they are computed again; zero computes at every reading.
    pub running_figures_max_age: std::time::Duration,
    /// What the auditor's page calls a mass download (`[audit]`).
    pub audit: xn_domain::security::AuditRules,
    /// What 消息推送 may send by and where its links point (`[notify]`).
    pub outbound: notify::Outbound,
    /// The token `/metrics` asks for; unset: `/metrics` is off.
    pub metrics_token: Option<String>,
}

/// Everything a use case needs: the database and the settings. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    db: Db,
    settings: Settings,
    hasher: password::Hasher,
    flow: flow::FlowState,
    running_figures: std::sync::Mutex<efficiency::RunningCache>,
    at_rest: Option<at_rest::AtRest>,
}

impl Services {
    /// Builds the services over an opened, migrated database.
    pub fn new(db: Db, settings: Settings) -> Result<Services> {
        let hasher = password::Hasher::new(&settings.hashing)?;
        let at_rest = settings.seal_key.as_ref().map(at_rest::AtRest::new);
        Ok(Services {
            inner: Arc::new(Inner {
                at_rest,
                db,
                settings,
                hasher,
                flow: flow::FlowState::default(),
                running_figures: std::sync::Mutex::default(),
            }),
        })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn hasher(&self) -> &password::Hasher {
        &self.inner.hasher
    }

    /// Makes sure the built-in positions and roles exist (run at every start; idempotent).
    pub async fn ensure_builtins(&self) -> Result<()> {
        let mut tx = self.db().begin().await?;
        for (code, name, rank) in xn_domain::org::BUILTIN_POSITIONS {
            xn_store::org::ensure_position(&mut tx, code, name, rank).await?;
        }
        for (code, name, perms) in xn_domain::org::BUILTIN_ROLES {
            let role_id = xn_store::org::ensure_role(&mut tx, code, name, true).await?;
            for p in perms {
                xn_store::org::grant_role_permission(&mut tx, role_id, p.code()).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> bool {
        self.db().ping().await.is_ok()
    }
}

/// The async runtime for an installation on `engine`: as many worker threads as
/// [`xn_store::Engine::runtime_threads`] gives for the machine's cores, unless
/// `TOKIO_WORKER_THREADS` names a number (tokio's own setting).
pub fn runtime(engine: xn_store::Engine) -> std::io::Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.enable_all();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        b.worker_threads(engine.runtime_threads(cores));
    }
    b.build()
}

/// Epoch milliseconds of an instant, the form instants are stored in.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant of stored epoch milliseconds.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// Refuses an actor without a permission; the single gate every use case passes through.
pub fn require(actor: &Actor, p: Permission) -> Result<()> {
    if actor.has(p) {
        Ok(())
    } else if actor.admin_elsewhere && p.is_admin() {
        Err(ServiceError::Forbidden(format!(
            "管理操作只能在指定的地址进行：本机地址{}不在允许的范围内",
            actor.ip.as_deref().unwrap_or("（未知）")
        )))
    } else {
        Err(ServiceError::Forbidden(format!(
            "当前身份没有“{}”权限",
            p.label()
        )))
    }
}
