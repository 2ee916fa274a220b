//! Benchmark of the flow engine (see bench/README.md and bench/flow.sh).
//!
//! The document-approval process of `bench/document_approval.toml` (核稿 → 会签 by three units
//! in parallel → 签发 → 编号 → end, six tasks per case), run through the service layer exactly
//! as the API runs it: every completion is a use-case call that returns only once its
//! transaction is committed and synced (SQLite `synchronous=FULL`; PostgreSQL's default
//! `synchronous_commit=on`). Concurrent completions may share a commit (group commit).
//!
//! Phase 1 starts N cases and leaves them all open; phase 2 completes every task with K
//! concurrent actors, each taking the next case from a shared counter and completing its six
//! tasks in order. Prints `engine=<name> completions_per_s=<x> peak_rss_mb=<y>`.
//!
//! ```text
//! flow_bench --engine sqlite|postgres --actors K --cases N [--data-dir DIR] [--database-url URL]
//! ```

mod bench_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use bench_support::{Phase2, cpu_ms, now};
use xn_domain::flow::{Action, Value};
use xn_service::flow::{ActionOutcome, StartCase};
use xn_service::{Actor, Services};
use xn_store::org::{NewPerson, NewPost, NewUnit};

const PROCESS: &str = include_str!("../../../bench/document_approval.toml");
const ROLES: [&str; 7] = [
    "starter",
    "checker",
    "signer_a",
    "signer_b",
    "signer_c",
    "signer",
    "registrar",
];

struct Args {
    engine: String,
    actors: usize,
    cases: usize,
    data_dir: Option<String>,
    database_url: Option<String>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        engine: "sqlite".into(),
        actors: 1,
        cases: 1000,
        data_dir: None,
        database_url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--engine" => a.engine = value()?,
            "--actors" => a.actors = value()?.parse()?,
            "--cases" => a.cases = value()?.parse()?,
            "--data-dir" => a.data_dir = Some(value()?),
            "--database-url" => a.database_url = Some(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One unit and one post per role of the process.
async fn setup(
    services: &Services,
) -> anyhow::Result<(BTreeMap<&'static str, Actor>, BTreeMap<String, Value>)> {
    services
        .ensure_builtins()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let db = services.db();
    let mut tx = db.begin().await?;
    let t = xn_service::ms(now());
    let unit = xn_store::org::insert_unit(
        &mut tx,
        &NewUnit {
            parent_id: None,
            kind: "office".into(),
            name: format!("基准办公室{t}"),
            short_name: "基准".into(),
            issuer_code: None,
            sort_order: 0,
        },
        t,
    )
    .await?;
    let position: i64 = xn_store::org::list_positions(db)
        .await?
        .first()
        .map(|p| p.id)
        .context("no positions")?;
    let mut actors = BTreeMap::new();
    let mut fields = BTreeMap::new();
    for role in ROLES {
        let person = xn_store::org::insert_person(
            &mut tx,
            &NewPerson {
                login: format!("bench_{role}_{t}"),
                name: role.into(),
                phone: None,
                password_hash: "!".into(),
                must_change_password: false,
            },
            t,
        )
        .await?;
        let post = xn_store::org::insert_post(
            &mut tx,
            &NewPost {
                person_id: person,
                unit_id: unit,
                position_id: position,
                title: None,
                clearance: "public".into(),
            },
            t,
        )
        .await?;
        actors.insert(role, bench_support::actor(person, post, unit, "科员"));
        fields.insert(role.to_owned(), Value::Int(post));
    }
    tx.commit().await?;
    services
        .install_process("bench/document_approval.toml", PROCESS, now())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok((actors, fields))
}

async fn complete(
    services: &Services,
    actors: &BTreeMap<&'static str, Actor>,
    by_post: &BTreeMap<i64, &'static str>,
    out: &ActionOutcome,
) -> anyhow::Result<Vec<ActionOutcome>> {
    let mut next = Vec::new();
    for t in &out.open_tasks {
        let role = by_post.get(&t.post_id).context("unknown holder")?;
        let who = actors.get(role).context("unknown role")?;
        let action = Action::Complete {
            task: t.no,
            decision: "同意".into(),
            opinion: String::new(),
            choices: BTreeMap::new(),
        };
        next.push(
            services
                .act(who, out.case_id, None, action, None, now())
                .await
                .map_err(|e| anyhow!("{e}"))?,
        );
    }
    Ok(next)
}

/// The runtime is the server's (`xn_service::runtime`): on SQLite one core is left to the
/// writer thread.
fn main() -> anyhow::Result<()> {
    let a = args()?;
    xn_service::runtime(bench_support::engine(&a.engine))?.block_on(bench(a))
}

async fn bench(a: Args) -> anyhow::Result<()> {
    let services =
        bench_support::open_services(&a.engine, a.data_dir.as_deref(), a.database_url.as_deref())
            .await?;
    let (actors, fields) = setup(&services).await?;
    let actors = Arc::new(actors);
    let by_post: Arc<BTreeMap<i64, &'static str>> = Arc::new(
        actors
            .iter()
            .map(|(r, a)| (a.post_id().unwrap_or(0), *r))
            .collect(),
    );

    // Phase 1: N open cases.
    let started = Arc::new(std::sync::Mutex::new(Vec::with_capacity(a.cases)));
    let counter = Arc::new(AtomicUsize::new(0));
    let mut joins = Vec::new();
    for _ in 0..a.actors.max(1) {
        let (services, actors, fields, started, counter, n) = (
            services.clone(),
            Arc::clone(&actors),
            fields.clone(),
            Arc::clone(&started),
            Arc::clone(&counter),
            a.cases,
        );
        joins.push(tokio::spawn(async move {
            loop {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                let starter = actors.get("starter").context("starter")?;
                let input = StartCase {
                    process: "bench_document_approval".into(),
                    title: format!("基准公文 {i}"),
                    body: String::new(),
                    fields: fields.clone(),
                    choices: BTreeMap::new(),
                    attachments: Vec::new(),
                };
                let out = services
                    .start_case(starter, input, None, now())
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                started.lock().map_err(|_| anyhow!("poisoned"))?.push(out);
            }
        }));
    }
    for j in joins {
        j.await??;
    }
    let cases: Arc<Vec<ActionOutcome>> = Arc::new(std::mem::take(
        &mut *started.lock().map_err(|_| anyhow!("poisoned"))?,
    ));

    // Phase 2: every task completed by K concurrent actors.
    let counter = Arc::new(AtomicUsize::new(0));
    let completions = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let cpu0 = cpu_ms();
    let mut joins = Vec::new();
    for _ in 0..a.actors.max(1) {
        let (services, actors, by_post, cases, counter, completions) = (
            services.clone(),
            Arc::clone(&actors),
            Arc::clone(&by_post),
            Arc::clone(&cases),
            Arc::clone(&counter),
            Arc::clone(&completions),
        );
        joins.push(tokio::spawn(async move {
            loop {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else {
                    return Ok::<(), anyhow::Error>(());
                };
                let mut cur = case.clone();
                while cur.status != "closed" && !cur.open_tasks.is_empty() {
                    let next = complete(&services, &actors, &by_post, &cur).await?;
                    completions.fetch_add(next.len(), Ordering::Relaxed);
                    cur = next.into_iter().last().context("no outcome")?;
                }
            }
        }));
    }
    for j in joins {
        j.await??;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_ms().saturating_sub(cpu0);
    let done = completions.load(Ordering::Relaxed);
    let expected = a.cases * 6;
    if done != expected {
        bail!("completed {done} tasks, expected {expected}");
    }
    for case in cases.iter() {
        let row = xn_store::flow::find_case(services.db(), case.case_id).await?;
        if row.status != "closed" {
            bail!("case {} is {}", row.id, row.status);
        }
    }
    Phase2 {
        name: format!("xiaoneng-{}-{}", a.engine, a.actors),
        items: format!("{} cases", a.cases),
        done,
        secs,
        cpu_ms: cpu,
    }
    .print();
    Ok(())
}
