//! The command line of the `xiaoneng` binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 效能 xiaoneng — the working system of a government general office.
///
/// Run `xiaoneng serve --demo` to try it on a fictional city, `xiaoneng serve` for real use.
#[derive(Debug, Parser)]
#[command(name = "xiaoneng", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML). Default: ./xiaoneng.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data lives.
#[derive(Debug, Clone, Args, Default)]
pub struct DbArgs {
    /// Folder for the embedded SQLite database. Default: ./xiaoneng-data
    #[arg(long, global = true, value_name = "DIR", env = "XIAONENG_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use a shared PostgreSQL database instead, e.g. postgres://user@host/xiaoneng
    #[arg(long, global = true, value_name = "URL", env = "XIAONENG_DATABASE_URL")]
    pub database_url: Option<String>,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on. Default: 127.0.0.1:8080
    #[arg(long, value_name = "HOST:PORT", env = "XIAONENG_ADDR")]
    pub addr: Option<String>,
    /// Load the demo city (东川市) into an empty database and print its logins.
    #[arg(long)]
    pub demo: bool,
    /// Where the data lives.
    #[command(flatten)]
    pub db: DbArgs,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (pages and API). Migrates the database first.
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(DbArgs),
    /// Check the configuration, database, installation key, fonts, disk, clock and mail
    /// server, and explain each problem (in Chinese and English). Changes nothing; exits
    /// non-zero when something would not work.
    Doctor(DbArgs),
    /// Encrypt the document bodies, files and opinions an earlier build stored in plain. The
    /// server does it by itself at the start that upgrades the database; run it by hand only
    /// when that start was cut short (until then those values are not served).
    SealLegacy(DbArgs),
    /// PostgreSQL: let ROLE run the server without owning the tables. It may read and write
    /// them all but only read and append to the audit trail's events and seals, and not
    /// migrate. Run as the tables' owner; then serve with ROLE in --database-url.
    GrantRuntime {
        /// The role the servers connect as (created beforehand: `create role xiaoneng_app login`).
        #[arg(long)]
        role: String,
        /// Where the data lives (as the owner).
        #[command(flatten)]
        db: DbArgs,
    },
    /// Start the web server on the demo city (same as `serve --demo`).
    Demo(ServeArgs),
    /// Manage accounts from the server's console (for the first administrator, and for
    /// unlocking when no administrator can sign in).
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserCommand,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print a case's engine state as JSON (it is stored compressed), for inspection.
    CaseState {
        /// The case id.
        id: i64,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// The audit trail's chain: seal events not yet sealed, or verify the whole chain.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditCommand,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// The efficiency figures (效能): store the ended periods not stored yet, or compute stored
    /// periods again from the recorded facts and report every difference.
    Efficiency {
        /// What to do.
        #[command(subcommand)]
        action: EfficiencyCommand,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Take a consistent backup while the server runs: the database as of one moment, the
    /// seal key and a manifest of SM3 checksums, in one file readable by its owner only.
    Backup {
        /// The backup file to write (must not exist), e.g. xiaoneng-2026-12-06.zip
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Restore a backup into an empty data directory (SQLite) or an empty PostgreSQL database
    /// (--database-url); every file is checked against the manifest before anything is written.
    Restore {
        /// The backup file.
        #[arg(value_name = "FILE")]
        from: PathBuf,
        /// Where the data goes.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Move an SQLite installation (--data-dir) into an empty PostgreSQL database
    /// (--database-url) when the office outgrows one machine: every table is copied, counted
    /// and checked by digest before the copy commits, and the search index is built again.
    /// Stop the server first; the SQLite file is left as it was.
    MoveToPostgres {
        /// The SQLite installation (--data-dir) and the empty PostgreSQL database
        /// (--database-url).
        #[command(flatten)]
        db: DbArgs,
    },
    /// The working-day calendar: days, deadlines, export and import of a year.
    Calendar {
        /// What to do.
        #[command(subcommand)]
        action: crate::calendar_cli::CalendarCommand,
    },
    /// Lay out an official document (DOC.toml) as a GB/T 9704-2012 PDF; no database needed.
    Render(crate::render_cli::RenderArgs),
    /// Check a PDF against GB/T 9704-2012 and list every violation; no database needed.
    Check(crate::render_cli::CheckArgs),
}

/// Audit chain commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the chain from its start; report the first link that does not hold (exit
    /// status 1) and the events not sealed yet.
    Verify,
    /// Seal the events committed and not sealed yet (the server does it every few seconds).
    Seal,
}

/// Efficiency commands.
#[derive(Debug, Subcommand)]
pub enum EfficiencyCommand {
    /// Compute the stored periods (days, weeks, months, years) lying from --from to --to again
    /// from the facts and name every figure that differs (exit status 1 when any does).
    Recompute {
        /// First day, e.g. 2026-10-01 (Beijing time).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, e.g. 2026-10-31.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Store the computed figures in place of the stored ones (recorded as an event).
        #[arg(long)]
        apply: bool,
    },
    /// Store every ended period not stored yet (the server does it after each midnight).
    Close,
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a person with one post; prints the initial password when none is given.
    Create {
        /// Login name (letters, digits, . _ -).
        #[arg(long)]
        login: String,
        /// Full name, e.g. 张三.
        #[arg(long)]
        name: String,
        /// Unit of the post, by full or short name. On an empty database a top-level unit of
        /// this name is created.
        #[arg(long)]
        unit: String,
        /// Position name, e.g. 科员, 秘书, 主任.
        #[arg(long, default_value = "科员")]
        position: String,
        /// Role code: staff, system_admin, security_admin, auditor.
        #[arg(long, default_value = "staff")]
        role: String,
        /// Initial password (must meet the policy); generated when absent.
        #[arg(long)]
        password: Option<String>,
    },
    /// Print a one-time link (valid 24 hours) with which the person sets a password of their
    /// own; the only way to reset an administrator. The password is unchanged until it is used.
    ResetPassword {
        /// Login name.
        #[arg(long)]
        login: String,
    },
    /// Remove a person's second factor (the only way for an administrator's); they enrol
    /// again at their next sign-in.
    ResetFactor {
        /// Login name.
        #[arg(long)]
        login: String,
    },
    /// Lock an account and end its sessions.
    Lock {
        /// Login name.
        #[arg(long)]
        login: String,
    },
    /// Unlock an account and clear its failure count.
    Unlock {
        /// Login name.
        #[arg(long)]
        login: String,
    },
}
