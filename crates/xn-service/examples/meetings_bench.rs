//! 办会 at the scale of a busy office (`bench/meetings.sh`; figures in bench/README.md): a year
//! of `--meetings` meetings (default 10,000) booked through the booking service, then the two
//! readings the issue names, each timed `--runs` times after a warm-up, side by side with a
//! naive baseline in the same run.
//!
//! 1. **The city**: the demo city (`load_demo_city`, the real services); the city office's
//!    秘书 books.
//! 2. **A year of meetings**: `--rooms` rooms of the office (default 8); on every weekday of
//!    the coming year, five slots a room (08:30, 10:00, 14:00, 15:30, 17:00, 80 minutes), until
//!    `--meetings` are booked. Each meeting's chair and one 出席 post are taken in turn from the
//!    city's active posts, so that no leader is in two rooms at one time. Every booking goes
//!    through `Meetings::book`: the lock rows, the clash check, the inserts, one transaction.
//! 3. **Conflict checks**: a booking of a random existing meeting's room and time with a new
//!    chair (refused: the room is taken), and one of a free room at a random existing meeting's
//!    time with that meeting's chair (refused: the leader is busy), each through
//!    `Meetings::book` (the check and the rollback: what a clashing request costs). The
//!    baseline answers the same questions the naive way: every meeting of the room, and every
//!    meeting the leader chairs or attends, read whole and scanned for an overlap.
//! 4. **The week**: the office's week page (`Meetings::week`, what `/meetings` renders) of a
//!    random week of the year; the baseline reads every meeting of the year whole (the store's
//!    own meeting rows, not bounded by the week) and keeps the week's.
//!
//! Prints `key=value` lines.

#[expect(
    dead_code,
    reason = "the flow benchmarks' phase figures are not printed here"
)]
mod bench_support;

use std::time::Instant;

use anyhow::{anyhow, bail};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use xn_service::meetings::{MeetingInput, RoomInput, WeekScope};
use xn_service::{Actor, Services};
use xn_store::Db;

struct Args {
    engine: String,
    data_dir: Option<String>,
    database_url: Option<String>,
    meetings: usize,
    rooms: usize,
    runs: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        engine: "sqlite".into(),
        data_dir: None,
        database_url: None,
        meetings: 10_000,
        rooms: 8,
        runs: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| anyhow!("{k} needs a value"))?;
        match k.as_str() {
            "--engine" => a.engine = v,
            "--data-dir" => a.data_dir = Some(v),
            "--database-url" => a.database_url = Some(v),
            "--meetings" => a.meetings = v.parse()?,
            "--rooms" => a.rooms = v.parse()?,
            "--runs" => a.runs = v.parse()?,
            _ => bail!("unknown argument {k}"),
        }
    }
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(a))
}

fn err(e: xn_service::ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

/// p50, p95 and max of timings in milliseconds (nearest rank).
fn summary(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    };
    (at(0.50), at(0.95), v[v.len() - 1])
}

fn print(name: &str, v: Vec<f64>) {
    let n = v.len();
    let (p50, p95, max) = summary(v);
    println!("{name} runs={n} p50_ms={p50:.2} p95_ms={p95:.2} max_ms={max:.2}");
}

/// A Beijing wall-clock time as the forms give it.
fn wall(d: NaiveDate, t: NaiveTime) -> String {
    d.and_time(t).format("%Y-%m-%d %H:%M").to_string()
}

async fn rows(db: &Db, sql: &str, bind: i64) -> anyhow::Result<Vec<(i64, i64, i64)>> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    Ok(match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).bind(bind).fetch_all(pool).await?,
        Db::Postgres(pool) => sqlx::query_as(sql).bind(bind).fetch_all(pool).await?,
    })
}

/// The naive clash check: every meeting of the room and of the leader, read whole and scanned.
async fn naive_clash(
    db: &Db,
    room: i64,
    leader: i64,
    starts: i64,
    ends: i64,
) -> anyhow::Result<bool> {
    let by_room = rows(
        db,
        "select id, starts_at, ends_at from meetings where room_id = $1 and status <> 'cancelled'",
        room,
    )
    .await?;
    let by_leader = rows(
        db,
        "select m.id, m.starts_at, m.ends_at from meetings m where m.status <> 'cancelled'
         and (m.chair_post_id = $1 or exists (select 1 from meeting_attendees a
              where a.meeting_id = m.id and a.post_id = $1 and a.role = 'attend'))",
        leader,
    )
    .await?;
    Ok(by_room
        .iter()
        .chain(by_leader.iter())
        .any(|(_, s, e)| *s < ends && starts < *e))
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
            ..xn_service::Settings::default()
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    let now = bench_support::now();
    let t0 = Instant::now();
    services.load_demo_city(now).await.map_err(err)?;
    println!("city load_s={:.1}", t0.elapsed().as_secs_f64());
    let db = services.db().clone();
    let mishu = actor_of(&db, "mishu").await?;
    let m = services.meetings();
    let cap = m.as_office(&mishu).await.map_err(err)?;
    let office = cap.office();
    let mut rooms = Vec::new();
    for i in 0..a.rooms {
        let input = RoomInput {
            name: format!("基准会议室{}", i + 1),
            capacity: 40,
            equipment: String::new(),
        };
        rooms.push(m.add_room(&cap, &input, now).await.map_err(err)?);
    }
    let kind = rows(
        &db,
        "select id, cast(0 as bigint), cast(0 as bigint) from meeting_kinds where id >= $1 order by id limit 1",
        0,
    )
    .await?
    .first()
    .map(|r| r.0)
    .ok_or_else(|| anyhow!("no meeting kind"))?;
    // The city's active posts (not the office's clerks only): chairs and 出席 in turn.
    let posts: Vec<i64> = rows(
        &db,
        "select p.id, cast(0 as bigint), cast(0 as bigint) from posts p where p.active = 1 and p.id >= $1 order by p.id",
        0,
    )
    .await?
    .into_iter()
    .map(|r| r.0)
    .collect();
    let per_slot = 2 * a.rooms;
    if posts.len() < per_slot + 1 {
        bail!(
            "{} posts: at least {} are needed for {} rooms",
            posts.len(),
            per_slot + 1,
            a.rooms
        );
    }
    let slots = [(8, 30), (10, 0), (14, 0), (15, 30), (17, 0)];
    let mut day = (now + Duration::days(7)).date_naive();
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    let first_day = day;
    let mut booked: Vec<(i64, i64, i64, i64)> = Vec::new(); // (room, chair, starts, ends)
    let t0 = Instant::now();
    let mut turn = 0_usize;
    'days: loop {
        if day.weekday().num_days_from_monday() < 5 {
            for (h, mi) in slots {
                for (r, room) in rooms.iter().enumerate() {
                    if booked.len() >= a.meetings {
                        break 'days;
                    }
                    let start = NaiveTime::from_hms_opt(h, mi, 0).unwrap_or_default();
                    let end = start + Duration::minutes(80);
                    let chair = posts[(turn + 2 * r) % posts.len()];
                    let attend = posts[(turn + 2 * r + 1) % posts.len()];
                    let input = MeetingInput {
                        kind_id: kind,
                        title: format!("基准会议{}", booked.len() + 1),
                        organiser_unit_id: office,
                        chair_post_id: chair,
                        starts_at: wall(day, start),
                        ends_at: wall(day, end),
                        place_kind: "room".into(),
                        room_id: Some(*room),
                        venue: String::new(),
                        attend_posts: vec![attend],
                        observe_posts: Vec::new(),
                        observe_units: Vec::new(),
                        staff_posts: Vec::new(),
                        classification: String::new(),
                        notes: String::new(),
                    };
                    m.book(&cap, &input, now).await.map_err(err)?;
                    let s = beijing_ms(day, start);
                    booked.push((*room, chair, s, s + 80 * 60_000));
                }
                turn += per_slot;
            }
        }
        day += Duration::days(1);
        if day > first_day + Duration::days(400) {
            break;
        }
    }
    println!(
        "booked meetings={} rooms={} days={} book_s={:.1}",
        booked.len(),
        a.rooms,
        (day - first_day).num_days(),
        t0.elapsed().as_secs_f64()
    );

    let mut rng = StdRng::seed_from_u64(2026);
    let pick = |rng: &mut StdRng| booked[rng.random_range(0..booked.len())];
    let clash_input = |room: i64, chair: i64, s: i64| MeetingInput {
        kind_id: kind,
        title: "冲突检查".into(),
        organiser_unit_id: office,
        chair_post_id: chair,
        starts_at: wall_of(s),
        ends_at: wall_of(s + 60 * 60_000),
        place_kind: "room".into(),
        room_id: Some(room),
        venue: String::new(),
        attend_posts: Vec::new(),
        observe_posts: Vec::new(),
        observe_units: Vec::new(),
        staff_posts: Vec::new(),
        classification: String::new(),
        notes: String::new(),
    };
    // Room taken: the same room and time, a chair free then (a post not booked at that slot).
    let free_chair = |s: i64| {
        posts
            .iter()
            .copied()
            .find(|p| !booked.iter().any(|b| b.1 == *p && b.2 == s))
            .unwrap_or(posts[0])
    };
    let mut room_taken = Vec::new();
    let mut leader_busy = Vec::new();
    let mut naive_room = Vec::new();
    let mut naive_leader = Vec::new();
    for i in 0..=a.runs {
        let (room, _, s, _) = pick(&mut rng);
        let chair = free_chair(s);
        let input = clash_input(room, chair, s);
        let t = Instant::now();
        let r = m.book(&cap, &input, now).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !matches!(r, Err(xn_service::ServiceError::Conflict { .. })) {
            bail!("a taken room was not refused: {r:?}");
        }
        let t = Instant::now();
        let clash = naive_clash(&db, room, chair, s, s + 60 * 60_000).await?;
        let naive_ms = t.elapsed().as_secs_f64() * 1000.0;
        if !clash {
            bail!("the naive check missed a clash");
        }
        // Leader busy: another room at the same time, the meeting's own chair.
        let (room, chair, s, _) = pick(&mut rng);
        let other = rooms.iter().copied().find(|x| *x != room).unwrap_or(room);
        let busy: Vec<i64> = booked.iter().filter(|b| b.2 == s).map(|b| b.0).collect();
        let free_room = rooms
            .iter()
            .copied()
            .find(|x| !busy.contains(x))
            .unwrap_or(other);
        let input = clash_input(free_room, chair, s);
        let t = Instant::now();
        let r = m.book(&cap, &input, now).await;
        let busy_ms = t.elapsed().as_secs_f64() * 1000.0;
        if !matches!(r, Err(xn_service::ServiceError::Conflict { .. })) {
            bail!("a busy leader was not refused: {r:?}");
        }
        let t = Instant::now();
        let clash = naive_clash(&db, free_room, chair, s, s + 60 * 60_000).await?;
        let naive_busy_ms = t.elapsed().as_secs_f64() * 1000.0;
        if !clash {
            bail!("the naive check missed a busy leader");
        }
        if i > 0 {
            room_taken.push(ms);
            naive_room.push(naive_ms);
            leader_busy.push(busy_ms);
            naive_leader.push(naive_busy_ms);
        }
    }
    print("clash_room_taken xiaoneng", room_taken);
    print("clash_room_taken naive", naive_room);
    print("clash_leader_busy xiaoneng", leader_busy);
    print("clash_leader_busy naive", naive_leader);

    // The office's week page, and the baseline reading the whole year.
    let weeks = (booked.len() / (slots.len() * a.rooms * 5)).max(1);
    let mut week_ms = Vec::new();
    let mut naive_week = Vec::new();
    let mut shown = 0;
    for i in 0..=a.runs {
        let w = first_day + Duration::weeks(rng.random_range(0..weeks) as i64);
        let t = Instant::now();
        let v = m.week(&mishu, w, WeekScope::All).await.map_err(err)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let n: usize = v.days.iter().map(|d| d.meetings.len()).sum();
        let from = beijing_ms(w, NaiveTime::MIN);
        let to = from + 7 * 86_400_000;
        let t = Instant::now();
        let all = xn_store::meetings::meetings_between(&db, 0, i64::MAX).await?;
        let kept = all
            .iter()
            .filter(|r| r.office_id == office && r.starts_at >= from && r.starts_at < to)
            .count();
        let naive_ms = t.elapsed().as_secs_f64() * 1000.0;
        if kept != n {
            bail!("the week shows {n} meetings, the baseline counts {kept}");
        }
        if i > 0 {
            week_ms.push(ms);
            naive_week.push(naive_ms);
            shown += n;
        }
    }
    println!(
        "week meetings_per_week_avg={:.0}",
        shown as f64 / a.runs.max(1) as f64
    );
    print("week_page xiaoneng", week_ms);
    print("week_page naive", naive_week);
    Ok(())
}

fn beijing_ms(d: NaiveDate, t: NaiveTime) -> i64 {
    (Utc.from_utc_datetime(&d.and_time(t)) - Duration::hours(8)).timestamp_millis()
}

fn wall_of(ms: i64) -> String {
    let t = Utc.timestamp_millis_opt(ms).single().unwrap_or_default() + Duration::hours(8);
    t.format("%Y-%m-%d %H:%M").to_string()
}

async fn actor_of(db: &Db, login: &str) -> anyhow::Result<Actor> {
    let sql = "select p.id, p.unit_id, pe.id from posts p join persons pe on pe.id = p.person_id
               where pe.login = $1 and p.active = 1 order by p.id limit 1";
    let row: (i64, i64, i64) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).bind(login).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_as(sql).bind(login).fetch_one(pool).await?,
    };
    Ok(bench_support::actor(row.2, row.0, row.1, "秘书"))
}
