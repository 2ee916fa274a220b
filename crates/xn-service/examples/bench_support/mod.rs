//! What the flow benchmarks share (`flow_bench`, `documents_bench`; see bench/README.md): the
//! database and services they run on, the clock, and the figures they measure and print. The
//! processes they drive and who acts stay in each example.

use anyhow::{anyhow, bail};
use chrono::{DateTime, Utc};
use xn_service::{Services, Settings};
use xn_store::Db;

/// The engine named on the command line (`sqlite`, anything else is taken as `postgres`).
pub fn engine(name: &str) -> xn_store::Engine {
    match name {
        "postgres" => xn_store::Engine::Postgres,
        _ => xn_store::Engine::Sqlite,
    }
}

/// A migrated database with the default settings' services on it: SQLite in `data_dir`, or
/// PostgreSQL at `database_url`.
pub async fn open_services(
    engine: &str,
    data_dir: Option<&str>,
    database_url: Option<&str>,
) -> anyhow::Result<Services> {
    let db = match (engine, database_url, data_dir) {
        ("postgres", Some(url), _) => Db::open_postgres(url, None).await?,
        ("sqlite", _, Some(dir)) => {
            std::fs::create_dir_all(dir)?;
            Db::open_sqlite(&std::path::Path::new(dir).join("bench.db")).await?
        }
        _ => bail!("use --engine sqlite --data-dir DIR or --engine postgres --database-url URL"),
    };
    db.migrate().await?;
    // Bodies and files are kept encrypted (`at_rest`): the benchmark pays for it as a
    // server does, under a key of its own.
    let settings = Settings {
        seal_key: Some(*b"bench seal key16"),
        ..Settings::default()
    };
    Services::new(db, settings).map_err(|e| anyhow!("{e}"))
}

/// An actor of a post with the right to work on the flow (the benchmarks make their own posts
/// and act as their holders without signing in).
pub fn actor(person_id: i64, post_id: i64, unit_id: i64, position: &str) -> xn_service::Actor {
    xn_service::Actor {
        person_id,
        person_name: format!("基准{person_id}"),
        login: format!("bench{person_id}"),
        post: Some(xn_service::auth::ActingPost {
            id: post_id,
            unit_id,
            unit_name: "基准单位".into(),
            unit_short_name: "基准".into(),
            position_name: position.into(),
            title: None,
            clearance: xn_domain::org::Clearance::Public,
        }),
        permissions: [xn_domain::org::Permission::FlowWork].into_iter().collect(),
        csrf_token: String::new(),
        must_change_password: false,
        must_enrol_factor: false,
        admin_elsewhere: false,
        post_count: 1,
        session: None,
        ip: None,
    }
}

/// The real clock: a benchmark runs in real time.
pub fn now() -> DateTime<Utc> {
    #[expect(
        clippy::disallowed_methods,
        reason = "a benchmark runs on the real clock"
    )]
    Utc::now()
}

/// CPU time of this process so far (user + system), in milliseconds, from /proc/self/stat.
pub fn cpu_ms() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces) start after the last ')'.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = f.get(11)?.parse().ok()?;
            let stime: u64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) * 10)
        })
        .unwrap_or(0)
}

/// Peak resident set of this process in MiB (VmHWM); bench/flow.sh replaces it with the figure
/// of /usr/bin/time when it has one.
pub fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

/// What phase 2 measured.
pub struct Phase2 {
    /// The engine's name in the summary (`xiaoneng-sqlite-64`).
    pub name: String,
    /// What phase 1 opened, e.g. "2000 cases".
    pub items: String,
    /// Task completions.
    pub done: usize,
    /// Wall time, in seconds.
    pub secs: f64,
    /// CPU time of the process, in milliseconds.
    pub cpu_ms: u64,
}

impl Phase2 {
    /// Prints a comment line with the details, then the line bench/flow.sh reads:
    /// `engine=<name> completions_per_s=<x> peak_rss_mb=<y>`.
    #[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
    pub fn print(&self) {
        let Phase2 {
            name,
            items,
            done,
            secs,
            cpu_ms,
        } = self;
        println!(
            "# {name}: {items}, {done} completions in {secs:.2} s, {cpu_ms} ms of CPU ({:.0} µs per completion)",
            *cpu_ms as f64 * 1000.0 / (*done).max(1) as f64
        );
        println!(
            "engine={name} completions_per_s={:.1} peak_rss_mb={}",
            *done as f64 / secs,
            peak_rss_mb()
        );
    }
}
