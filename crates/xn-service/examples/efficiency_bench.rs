//! The efficiency monitor at the scale of a large city (`bench/efficiency.sh`; figures in
//! bench/README.md): years of history for some 2,000 posts, then the leader's picture and a
//! unit's backlog as their pages ask for them, side by side with the same numbers computed by
//! plain SQL over the recorded facts.
//!
//! 1. **The city**: the demo city (`load_demo_city`, the real services), grown to `--posts`
//!    posts by adding people to its offices, sections and bureaus (each county's and the city's).
//! 2. **History** (`--years`, `--items`): items of the real processes started on working days
//!    in office hours, each passed along three to five posts of one government (a county or the
//!    city), every step with a three-working-day limit; most done within a day, a tail late
//!    (yellow and red cards issued as the ladder would), a few returned, one in 700 stuck for
//!    months; the last weeks' items partly still open. Written as the flow writes them: the
//!    case row, one task row per step, the events (`flow.case_started`, one
//!    `flow.task_completed` per step acted on), the timers and cards of late steps. Written in
//!    bulk (multi-row inserts), not through the engine: the engine's own throughput is
//!    bench/flow.sh's subject, and years of it would take hours.
//! 3. **Catch-up**: `close_periods` stores every day, week, month and year of the history
//!    (what a server does at its first start on such a database).
//! 4. **Readings**, each `--runs` times after one warm-up: the leader's picture of the city's
//!    主任 (`Efficiency::leader`, on an installation's default of keeping the running month a
//!    minute; its first reading counts the month and is printed apart), a county office's
//!    backlog page (`Efficiency::backlog`, first page and its count); and `--baseline-runs`
//!    times the baseline: the leader's numbers (open steps, overdue, red and yellow per unit;
//!    the ten oldest; twelve months of on-time rate and month-end backlog per unit) by plain
//!    aggregate SQL over the task projection and the cards, with no stored figures.
//!
//! `--evaluation` grows the city in its offices and sections only and, after the readings above,
//! times last month's evaluation of every person as the city office's 主任 opens it (issue 22's
//! 2,000-post figure).
//!
//! `--existing` reuses a database loaded by an earlier run (`--data-dir` or `--database-url`):
//! its stored figures are deleted and the catch-up and readings run again.
//!
//! Prints `key=value` lines.

#[expect(
    dead_code,
    reason = "the flow benchmarks' phase figures are not printed here"
)]
mod bench_support;

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use xn_service::efficiency::BacklogQuery;
use xn_service::{Actor, Services};
use xn_store::{Db, TxInner};

struct Args {
    engine: String,
    data_dir: Option<String>,
    database_url: Option<String>,
    posts: usize,
    items: usize,
    years: i64,
    runs: usize,
    baseline_runs: usize,
    existing: bool,
    evaluation: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        engine: "sqlite".into(),
        data_dir: None,
        database_url: None,
        posts: 2000,
        items: 2_000_000,
        years: 5,
        runs: 30,
        baseline_runs: 3,
        existing: false,
        evaluation: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--engine" => a.engine = value()?,
            "--data-dir" => a.data_dir = Some(value()?),
            "--database-url" => a.database_url = Some(value()?),
            "--posts" => a.posts = value()?.parse()?,
            "--items" => a.items = value()?.parse()?,
            "--years" => a.years = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--baseline-runs" => a.baseline_runs = value()?.parse()?,
            "--existing" => a.existing = true,
            "--evaluation" => a.evaluation = true,
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    xn_service::runtime(bench_support::engine(&a.engine))?.block_on(bench(a))
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn err(e: xn_service::ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

async fn bench(a: Args) -> anyhow::Result<()> {
    let db = match (
        a.engine.as_str(),
        a.database_url.as_deref(),
        a.data_dir.as_deref(),
    ) {
        ("postgres", Some(url), _) => Db::open_postgres(url, None).await?,
        ("sqlite", _, Some(dir)) => {
            std::fs::create_dir_all(dir)?;
            Db::open_sqlite(&std::path::Path::new(dir).join("bench.db")).await?
        }
        _ => bail!("use --engine sqlite --data-dir DIR or --engine postgres --database-url URL"),
    };
    db.migrate().await?;
    // The demo city's people sign in with a second factor (its key needs an installation
    // key); their passwords are hashed cheaply, as nobody signs in here.
    let services = Services::new(
        db,
        xn_service::Settings {
            seal_key: Some(*b"bench seal key16"),
            hashing: xn_service::password::HashCost {
                memory_kib: 256,
                iterations: 1,
            },
            // The installation's default: the running month kept a minute.
            running_figures_max_age: std::time::Duration::from_secs(60),
            ..xn_service::Settings::default()
        },
    )
    .map_err(err)?;
    let now = bench_support::now();
    if a.existing {
        // A database this benchmark loaded before: its history kept, its stored figures
        // dropped so that the catch-up runs in full again.
        for table in [
            "efficiency_step_figures",
            "efficiency_figures",
            "efficiency_periods",
        ] {
            exec(services.db(), &format!("delete from {table}")).await?;
        }
        println!(
            "history reused items={} steps={} events={}",
            count(services.db(), "cases").await?,
            count(services.db(), "tasks").await?,
            count(services.db(), "events").await?
        );
    } else {
        let t0 = Instant::now();
        services.ensure_builtins().await.map_err(err)?;
        services.load_demo_city(now).await.map_err(err)?;
        services.ensure_processes(now).await.map_err(err)?;
        let city = grow_city(&services, a.posts, a.evaluation, now).await?;
        println!(
            "city_posts={} governments={} setup_s={:.1}",
            city.posts,
            city.groups.len(),
            t0.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let written = write_history(&services, &city, &a, now).await?;
        println!(
            "history items={} steps={} events={} cards={} open_steps={} load_s={:.1}",
            written.items,
            written.steps,
            written.events,
            written.cards,
            written.open,
            t.elapsed().as_secs_f64()
        );
        analyze(services.db()).await?;
    }

    let (cpu, t) = (bench_support::cpu_ms(), Instant::now());
    let stored = services
        .efficiency()
        .close_periods(now)
        .await
        .map_err(err)?;
    println!(
        "catch_up periods={stored} wall_s={:.1} cpu_s={:.1} peak_rss_mb={}",
        t.elapsed().as_secs_f64(),
        (bench_support::cpu_ms() - cpu) as f64 / 1000.0,
        bench_support::peak_rss_mb()
    );

    // The city office's 主任 and a county office's 主任.
    let zhuren = actor_of(services.db(), "zhuren").await?;
    let county = actor_of(services.db(), "qinghe.zhuren").await?;
    let eff = services.efficiency();
    // The first reading after a start counts the running month (later readings within the
    // minute take it kept, and a recount runs in the background once a minute).
    let t = Instant::now();
    let leader = eff.leader(&zhuren, now).await.map_err(err)?;
    println!(
        "leader_first_reading_ms={:.1} (counts the running month)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    eff.leader(&zhuren, now).await.map_err(err)?;
    println!(
        "leader_second_reading_ms={:.1}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "leader_check open={} overdue={} red={} yellow={} tiles={} oldest={}",
        leader.open,
        leader.overdue,
        leader.red,
        leader.yellow,
        leader.tiles.len(),
        leader.oldest.len()
    );
    let base = baseline(services.db(), now).await?;
    println!(
        "baseline_check open={} overdue={} red={} yellow={} months={}",
        base.open, base.overdue, base.red, base.yellow, base.months
    );
    if (base.open, base.overdue, base.red, base.yellow)
        != (leader.open, leader.overdue, leader.red, leader.yellow)
    {
        println!("check=DIFFERENT (the baseline's counts differ from the leader's page)");
    } else {
        println!("check=same");
    }

    let q = BacklogQuery::default();
    let mut leader_ms = Vec::new();
    let mut backlog_ms = Vec::new();
    let mut baseline_ms = Vec::new();
    for _ in 0..a.runs {
        let t = Instant::now();
        eff.leader(&zhuren, now).await.map_err(err)?;
        leader_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        eff.backlog(&county, &q, now).await.map_err(err)?;
        backlog_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for _ in 0..a.baseline_runs {
        let t = Instant::now();
        baseline(services.db(), now).await?;
        baseline_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("leader_page", &mut leader_ms);
    report("unit_backlog", &mut backlog_ms);
    report("baseline_sql", &mut baseline_ms);
    if a.evaluation {
        evaluation(&services, &zhuren, &a, now).await?;
    }
    println!("peak_rss_mb={}", bench_support::peak_rss_mb());
    Ok(())
}

/// The monthly evaluation (管理's 月考评) of last month as the city office's 主任 opens it:
/// every person of the city office and the county offices, each factor computed from the
/// stored facts, `--runs` times after a first reading.
async fn evaluation(
    services: &Services,
    zhuren: &Actor,
    a: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = xn_domain::calendar::business_date(now);
    let first = today.with_day(1).context("a first day")?;
    let month = xn_domain::management::month_of(first - Duration::days(1));
    let m = services.management();
    let t = Instant::now();
    let view = m.month(zhuren, &month, now).await.map_err(err)?;
    println!(
        "evaluation_first_ms={:.1} month={month} people={} units={}",
        t.elapsed().as_secs_f64() * 1000.0,
        view.rows.len(),
        view.units.len()
    );
    let mut took = Vec::new();
    for _ in 0..a.runs {
        let t = Instant::now();
        m.month(zhuren, &month, now).await.map_err(err)?;
        took.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("evaluation_month", &mut took);
    Ok(())
}

/// The actor of a demo person's first active post.
async fn actor_of(db: &Db, login: &str) -> anyhow::Result<Actor> {
    let sql = "select p.id, p.unit_id, pe.id from posts p join persons pe on pe.id = p.person_id
               where pe.login = $1 and p.active = 1 order by p.id limit 1";
    let row: (i64, i64, i64) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).bind(login).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_as(sql).bind(login).fetch_one(pool).await?,
    };
    Ok(bench_support::actor(row.2, row.0, row.1, "主任"))
}

async fn exec(db: &Db, sql: &str) -> anyhow::Result<()> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ())?,
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ())?,
    }
    Ok(())
}

async fn count(db: &Db, table: &str) -> anyhow::Result<i64> {
    let sql = sqlx::AssertSqlSafe(format!("select count(*) from {table}"));
    Ok(match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
    })
}

fn report(name: &str, v: &mut [f64]) {
    if v.is_empty() {
        return;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    };
    println!(
        "{name} runs={} p50_ms={:.1} p95_ms={:.1} max_ms={:.1}",
        v.len(),
        at(0.5),
        at(0.95),
        v[v.len() - 1]
    );
}

/// The posts of one government (the city's own units, or one county's), the chains run among.
struct Group {
    posts: Vec<(i64, i64)>,
}

/// A process row, its item kind and its steps (id, name).
type Process = (i64, &'static str, Vec<(&'static str, &'static str)>);

struct City {
    posts: usize,
    groups: Vec<Group>,
    processes: Vec<Process>,
}

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅文斌宇浩凯鹏";

/// Grows the demo city to `posts` active posts: people added to its offices, sections and
/// bureaus in turn (one post each, a clerk's position doing the office's work: the role that
/// holds `flow.work`); with `offices_only`, to the offices
/// and their sections alone (the people the monthly evaluation covers).
async fn grow_city(
    services: &Services,
    posts: usize,
    offices_only: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<City> {
    let db = services.db();
    let units = xn_store::org::list_units(db).await?;
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let kind: HashMap<i64, String> = units.iter().map(|u| (u.id, u.kind.clone())).collect();
    let root = units
        .iter()
        .find(|u| u.parent_id.is_none() && u.kind == "government")
        .map(|u| u.id)
        .context("no city government")?;
    // A unit's government: the nearest government at or above it below the city, or the city.
    let government_of = |mut u: i64| -> i64 {
        loop {
            if u == root {
                return root;
            }
            match parent.get(&u).copied().flatten() {
                Some(p) if p == root && kind.get(&u).is_some_and(|k| k == "government") => {
                    return u;
                }
                Some(p) => u = p,
                None => return root,
            }
        }
    };
    let positions = xn_store::org::list_positions(db).await?;
    let clerk = positions
        .iter()
        .find(|p| p.code == "clerk" || p.name == "科员")
        .or_else(|| positions.last())
        .map(|p| p.id)
        .context("no positions")?;
    let existing: Vec<(i64, i64, i64)> = match db {
        Db::Sqlite(pool) => {
            sqlx::query_as("select id, unit_id, person_id from posts where active = 1")
                .fetch_all(pool)
                .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as("select id, unit_id, person_id from posts where active = 1")
                .fetch_all(pool)
                .await?
        }
    };
    let hosts: Vec<i64> = units
        .iter()
        .filter(|u| match u.kind.as_str() {
            "office" | "section" => true,
            "bureau" => !offices_only,
            _ => false,
        })
        .map(|u| u.id)
        .collect();
    // The role that does the office's work (flow.work): the evaluation counts only its posts.
    let roles = xn_store::org::list_roles(db).await?;
    let granted = xn_store::org::list_role_permissions(db).await?;
    // Of the roles holding it, the plainest (fewest permissions): a clerk's.
    let worker = roles
        .iter()
        .filter(|r| {
            granted
                .iter()
                .any(|(id, p)| *id == r.id && p == "flow.work")
        })
        .min_by_key(|r| granted.iter().filter(|(id, _)| *id == r.id).count())
        .map(|r| r.id)
        .context("no role holds flow.work")?;
    let mut all: Vec<(i64, i64)> = existing.iter().map(|(p, u, _)| (*p, *u)).collect();
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut tx = db.begin().await?;
    let t = ms(now);
    let mut i = 0usize;
    while all.len() < posts {
        let unit = hosts[i % hosts.len()];
        let name = format!(
            "{}{}{}",
            surnames[rng.random_range(0..surnames.len())],
            given[rng.random_range(0..given.len())],
            given[rng.random_range(0..given.len())]
        );
        let person = xn_store::org::insert_person(
            &mut tx,
            &xn_store::org::NewPerson {
                login: format!("bench.{i}"),
                name,
                phone: None,
                password_hash: "!".into(),
                must_change_password: false,
            },
            t,
        )
        .await?;
        let post = xn_store::org::insert_post(
            &mut tx,
            &xn_store::org::NewPost {
                person_id: person,
                unit_id: unit,
                position_id: clerk,
                title: None,
                clearance: "public".into(),
            },
            t,
        )
        .await?;
        xn_store::org::set_post_roles(&mut tx, post, &[worker]).await?;
        all.push((post, unit));
        i += 1;
    }
    tx.commit().await?;
    let mut groups: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for (post, unit) in &all {
        groups
            .entry(government_of(*unit))
            .or_default()
            .push((*post, *unit));
    }
    let groups: Vec<Group> = groups
        .into_iter()
        .filter(|(_, p)| p.len() >= 5)
        .map(|(_, posts)| Group { posts })
        .collect();
    let procs: Vec<(i64, String)> = match db {
        Db::Sqlite(pool) => {
            sqlx::query_as("select id, key from processes")
                .fetch_all(pool)
                .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as("select id, key from processes")
                .fetch_all(pool)
                .await?
        }
    };
    let find = |key: &str| procs.iter().find(|(_, k)| k == key).map(|(id, _)| *id);
    let mut processes = Vec::new();
    for (key, item_kind, steps) in [
        (
            "outgoing_document",
            "document_out",
            vec![
                ("draft", "拟稿"),
                ("review", "核稿"),
                ("check", "审核"),
                ("sign", "签发"),
            ],
        ),
        (
            "incoming_document",
            "document_in",
            vec![
                ("register", "登记"),
                ("propose", "拟办"),
                ("instruct", "批办"),
                ("handle", "承办"),
            ],
        ),
        (
            "supervision",
            "supervision",
            vec![
                ("assign", "交办"),
                ("handle", "承办"),
                ("report", "报送"),
                ("verify", "审核"),
            ],
        ),
        (
            "internal",
            "internal",
            vec![
                ("submit", "提交"),
                ("approve", "审批"),
                ("handle", "办理"),
                ("confirm", "确认"),
            ],
        ),
    ] {
        if let Some(id) = find(key) {
            processes.push((id, item_kind, steps));
        }
    }
    if processes.is_empty() {
        bail!("no processes");
    }
    Ok(City {
        posts: all.len(),
        groups,
        processes,
    })
}

/// Rows of one table written in multi-row inserts.
struct Sink {
    table: &'static str,
    columns: &'static str,
    rows: Vec<String>,
}

impl Sink {
    fn new(table: &'static str, columns: &'static str) -> Sink {
        Sink {
            table,
            columns,
            rows: Vec::new(),
        }
    }

    async fn flush(&mut self, tx: &mut xn_store::Tx) -> anyhow::Result<()> {
        for chunk in self.rows.chunks(500) {
            let sql = format!(
                "insert into {} ({}) values {}",
                self.table,
                self.columns,
                chunk.join(",")
            );
            match &mut tx.0 {
                TxInner::Sqlite(t) => {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut **t)
                        .await?;
                }
                TxInner::Postgres(t) => {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut **t)
                        .await?;
                }
            }
        }
        self.rows.clear();
        Ok(())
    }
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "null".to_owned(), |v| v.to_string())
}

#[derive(Default)]
struct Written {
    items: usize,
    steps: usize,
    events: usize,
    cards: usize,
    open: usize,
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn beijing_date(at: i64) -> NaiveDate {
    (Utc.timestamp_millis_opt(at).single().unwrap_or_default() + Duration::hours(8)).date_naive()
}

/// How long a step stays with its holder: most within the day, a tail over the limit.
fn step_duration(rng: &mut StdRng) -> i64 {
    let x: f64 = rng.random();
    if x < 0.70 {
        rng.random_range(HOUR / 4..8 * HOUR)
    } else if x < 0.93 {
        rng.random_range(DAY..3 * DAY)
    } else if x < 0.985 {
        rng.random_range(3 * DAY..8 * DAY)
    } else {
        rng.random_range(8 * DAY..25 * DAY)
    }
}

async fn write_history(
    services: &Services,
    city: &City,
    a: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<Written> {
    let db = services.db();
    let postgres = matches!(db, Db::Postgres(_));
    let empty_state = if postgres { "'\\x'::bytea" } else { "x''" };
    let max_id = |table: &'static str| async move {
        let sql = format!("select coalesce(max(id), 0) from {table}");
        let v: i64 = match db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok::<i64, anyhow::Error>(v)
    };
    let (mut case_id, mut task_id, mut job_id) = (
        max_id("cases").await?,
        max_id("tasks").await?,
        max_id("jobs").await?,
    );
    let mut cases = Sink::new(
        "cases",
        "id, process_id, item_kind, title, body, fields, unit_id, starter_post_id, status, version, state, due_date, created_at, updated_at, closed_at",
    );
    let mut tasks = Sink::new(
        "tasks",
        "id, case_id, task_no, run_no, step_id, step_name, kind, post_id, state, due_date, due_at, decision, acted_by_post_id, created_at, acted_at",
    );
    let mut events = Sink::new("events", "at, kind, actor_post_id, subject, detail");
    let mut jobs = Sink::new(
        "jobs",
        "id, kind, case_id, run_no, rung, due_at, status, done_at, done_by",
    );
    let mut cards = Sink::new(
        "cards",
        "job_id, case_id, run_no, color, post_id, unit_id, due_date, issued_at",
    );
    let mut rng = StdRng::seed_from_u64(9704);
    let now_ms = ms(now);
    let first = now - Duration::days(365 * a.years);
    let mut working_days = Vec::new();
    let mut d = first.date_naive();
    while d < now.date_naive() {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            working_days.push(d);
        }
        d += Duration::days(1);
    }
    let per_day = a.items as f64 / working_days.len().max(1) as f64;
    let mut w = Written::default();
    let titles = [
        "关于加强安全生产工作的通知",
        "关于报送年度工作总结的函",
        "关于做好防汛准备工作的通知",
        "关于开展营商环境专项督查的通知",
        "关于申请办公设备购置经费的请示",
        "关于进一步规范公文办理的意见",
        "关于召开全市经济运行分析会的通知",
        "关于落实民生实事项目的报告",
    ];
    let mut carry = 0.0;
    for day in &working_days {
        carry += per_day;
        let n = carry.floor() as usize;
        carry -= n as f64;
        // 08:30 Beijing is 00:30 UTC.
        let day_start = ms(Utc.from_utc_datetime(&day.and_hms_opt(0, 30, 0).unwrap_or_default()));
        for _ in 0..n {
            case_id += 1;
            let group = &city.groups[rng.random_range(0..city.groups.len())];
            let (process, item_kind, steps) =
                &city.processes[rng.random_range(0..city.processes.len())];
            let n_steps = rng.random_range(3..=steps.len().max(3));
            let created = day_start + rng.random_range(0..9 * HOUR);
            let starter = group.posts[rng.random_range(0..group.posts.len())];
            let stuck = rng.random_range(0..700) == 0;
            let mut at = created;
            let mut open_step = false;
            let mut case_events = 1;
            events.rows.push(format!(
                "({created}, 'flow.case_started', {}, 'case:{case_id}', '{{\"post\":{},\"title\":\"基准事项\"}}')",
                starter.0, starter.0
            ));
            let mut holder = starter;
            for (no, (step_id, step_name)) in steps.iter().take(n_steps).enumerate() {
                task_id += 1;
                let due = at + 3 * DAY;
                let mut took = step_duration(&mut rng);
                if stuck && no == 1 {
                    took = rng.random_range(40 * DAY..200 * DAY);
                }
                let returned = no > 0 && rng.random_range(0..40) == 0;
                let acted = at + took;
                let done = acted <= now_ms;
                let state = match (done, returned) {
                    (false, _) => "open",
                    (true, true) => "returned",
                    (true, false) => "done",
                };
                tasks.rows.push(format!(
                    "({task_id}, {case_id}, {}, 1, '{step_id}', '{step_name}', 'task', {}, '{state}', '{}', {due}, {}, {}, {at}, {})",
                    no + 1,
                    holder.0,
                    beijing_date(due),
                    if done { if returned { "'退回'" } else { "'同意'" } } else { "null" },
                    if done { holder.0.to_string() } else { "null".into() },
                    opt(done.then_some(acted)),
                ));
                w.steps += 1;
                // The ladder: a yellow card when the limit passes, a red one a limit later.
                let end = if done { acted } else { now_ms };
                for (rung, at_card) in [("yellow", due), ("red", due + 3 * DAY)] {
                    if end > at_card {
                        job_id += 1;
                        jobs.rows.push(format!(
                            "({job_id}, 'rung', {case_id}, 1, '{rung}-{task_id}', {at_card}, 'done', {at_card}, 'bench')"
                        ));
                        cards.rows.push(format!(
                            "({job_id}, {case_id}, 1, '{rung}', {}, {}, '{}', {at_card})",
                            holder.0,
                            holder.1,
                            beijing_date(due)
                        ));
                        w.cards += 1;
                    }
                }
                if !done {
                    open_step = true;
                    w.open += 1;
                    break;
                }
                events.rows.push(format!(
                    "({acted}, 'flow.task_completed', {}, 'case:{case_id}', '{{\"task\":{},\"step\":\"{step_id}\",\"post\":{}}}')",
                    holder.0,
                    no + 1,
                    holder.0
                ));
                case_events += 1;
                at = acted;
                holder = group.posts[rng.random_range(0..group.posts.len())];
            }
            let closed = (!open_step).then_some(at);
            cases.rows.push(format!(
                "({case_id}, {process}, '{item_kind}', '{}', '', '{{}}', {}, {}, '{}', {}, {empty_state}, '{}', {created}, {}, {})",
                titles[rng.random_range(0..titles.len())],
                starter.1,
                starter.0,
                if open_step { "running" } else { "closed" },
                case_events,
                beijing_date(created + 15 * DAY),
                closed.unwrap_or(created),
                opt(closed),
            ));
            w.items += 1;
            w.events += case_events;
        }
        if cases.rows.len() >= 20_000 {
            flush(
                db,
                &mut [&mut cases, &mut tasks, &mut events, &mut jobs, &mut cards],
            )
            .await?;
        }
    }
    flush(
        db,
        &mut [&mut cases, &mut tasks, &mut events, &mut jobs, &mut cards],
    )
    .await?;
    if let Db::Postgres(pool) = db {
        // The ids were given: move the identity sequences past them.
        for table in ["cases", "tasks", "jobs"] {
            let sql = format!(
                "select setval(pg_get_serial_sequence('{table}', 'id'), (select max(id) from {table}))"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
    }
    Ok(w)
}

async fn flush(db: &Db, sinks: &mut [&mut Sink]) -> anyhow::Result<()> {
    // One transaction per batch, the parents before the children.
    let mut tx = db.begin().await?;
    for s in sinks.iter_mut() {
        s.flush(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn analyze(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("analyze").execute(pool).await?;
        }
        Db::Postgres(pool) => {
            sqlx::query("vacuum analyze").execute(pool).await?;
        }
    }
    Ok(())
}

/// Open steps of a unit: (unit, open, overdue, red, yellow).
type OpenRow = (i64, i64, Option<i64>, Option<i64>, Option<i64>);

struct Baseline {
    open: i64,
    overdue: i64,
    red: i64,
    yellow: i64,
    months: usize,
}

/// The leader's numbers by plain SQL over the task projection and the cards, every time from
/// the start: open steps, overdue, red and yellow (the worst card of each open step) per unit;
/// the ten oldest open steps; for each of twelve months and each unit, steps done, done on
/// time, and open at the month's end.
async fn baseline(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Baseline> {
    let now_ms = ms(now);
    let open_sql = "select p.unit_id, count(*),
            sum(case when t.due_at is not null and t.due_at <= $1 then 1 else 0 end),
            sum(case when k.worst = 2 then 1 else 0 end),
            sum(case when k.worst = 1 then 1 else 0 end)
        from tasks t join cases c on c.id = t.case_id join posts p on p.id = t.post_id
        left join (select case_id, run_no, post_id,
                          max(case when color = 'red' then 2 else 1 end) as worst
                   from cards group by case_id, run_no, post_id) k
          on k.case_id = t.case_id and k.run_no = t.run_no and k.post_id = t.post_id
        where t.state = 'open' and c.status = 'running'
        group by p.unit_id";
    let oldest_sql = "select t.id from tasks t join cases c on c.id = t.case_id
        where t.state = 'open' and c.status = 'running' order by t.created_at limit 10";
    let months_sql = "select p.unit_id, count(*),
            sum(case when t.acted_at <= t.due_at then 1 else 0 end)
        from tasks t join posts p on p.id = t.post_id
        where t.kind = 'task' and t.acted_at >= $1 and t.acted_at < $2
        group by p.unit_id";
    let backlog_sql = "select p.unit_id, count(*)
        from tasks t join posts p on p.id = t.post_id
        where t.kind = 'task' and t.created_at < $1 and (t.acted_at is null or t.acted_at >= $1)
        group by p.unit_id";
    let mut bounds = Vec::new();
    let mut start = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or_default();
    for _ in 0..12 {
        let end = start + chrono::Months::new(1);
        bounds.push((
            xn_domain::efficiency::beijing_midnight(start),
            xn_domain::efficiency::beijing_midnight(end).min(now_ms),
        ));
        start = start - chrono::Months::new(1);
    }
    type Open = Vec<OpenRow>;
    let (open, months): (Open, usize) = match db {
        Db::Sqlite(pool) => {
            let open: Open = sqlx::query_as(open_sql)
                .bind(now_ms)
                .fetch_all(pool)
                .await?;
            let _: Vec<i64> = sqlx::query_scalar(oldest_sql).fetch_all(pool).await?;
            let mut n = 0;
            for (s, e) in &bounds {
                let _: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(months_sql)
                    .bind(s)
                    .bind(e)
                    .fetch_all(pool)
                    .await?;
                let _: Vec<(i64, i64)> =
                    sqlx::query_as(backlog_sql).bind(e).fetch_all(pool).await?;
                n += 1;
            }
            (open, n)
        }
        Db::Postgres(pool) => {
            let open: Open = sqlx::query_as(open_sql)
                .bind(now_ms)
                .fetch_all(pool)
                .await?;
            let _: Vec<i64> = sqlx::query_scalar(oldest_sql).fetch_all(pool).await?;
            let mut n = 0;
            for (s, e) in &bounds {
                let _: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(months_sql)
                    .bind(s)
                    .bind(e)
                    .fetch_all(pool)
                    .await?;
                let _: Vec<(i64, i64)> =
                    sqlx::query_as(backlog_sql).bind(e).fetch_all(pool).await?;
                n += 1;
            }
            (open, n)
        }
    };
    let sum = |f: &dyn Fn(&OpenRow) -> i64| open.iter().map(f).sum::<i64>();
    Ok(Baseline {
        open: sum(&|r| r.1),
        overdue: sum(&|r| r.2.unwrap_or(0)),
        red: sum(&|r| r.3.unwrap_or(0)),
        yellow: sum(&|r| r.4.unwrap_or(0)),
        months,
    })
}
