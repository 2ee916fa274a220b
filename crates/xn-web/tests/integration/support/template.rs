//! The demo city, migrated and loaded through the real services once per engine and test
//! run, at [`super::start_time`]; every test starts from a copy of it (an SQLite file copied, a
//! PostgreSQL database created from it as a template) instead of building the city again.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sm3::Digest;
use xn_service::Services;
use xn_store::Db;

/// Migrates `db`, loads the demo city and the shipped processes, and closes it.
async fn build_city(db: Db) {
    db.migrate().await.unwrap();
    let services = Services::new(db.clone(), super::test_settings()).unwrap();
    services.load_demo_city(super::start_time()).await.unwrap();
    services
        .ensure_processes(super::start_time())
        .await
        .unwrap();
    drop(services);
    db.close().await;
}

/// Runs `work` to the end on a runtime of its own (each test has its own runtime, and the
/// template outlives the test that first asks for it).
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .unwrap()
}

/// What tells this build's test binary from another's: a template made by an older build
/// (older migrations or demo) is never used.
fn build_key() -> String {
    let exe = std::env::current_exe().unwrap();
    let meta = std::fs::metadata(&exe).unwrap();
    let modified = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let digest = sm3::Sm3::digest(format!("{}:{}:{modified}", exe.display(), meta.len()));
    hex::encode(&digest[..6])
}

/// The SQLite file of the city (built on first use in this process).
pub fn sqlite() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xn-demo-city");
        std::fs::create_dir_all(&dir).unwrap();
        let key = build_key();
        let file = dir.join(format!("{key}.db"));
        if file.exists() {
            return file;
        }
        // Templates of earlier builds go; this one is built beside its final name and
        // moved there whole, so a test process running at the same time never reads half.
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        let work = dir.join(format!("{key}.{}.build", std::process::id()));
        let frozen = dir.join(format!("{key}.{}.frozen", std::process::id()));
        let (w, f) = (work.clone(), frozen.clone());
        on_own_runtime(async move {
            let db = Db::open_sqlite(&w).await.unwrap();
            build_city(db).await;
            // One file, no write-ahead log beside it: what a copy needs.
            let db = Db::open_sqlite(&w).await.unwrap();
            let Db::Sqlite(pool) = &db else {
                unreachable!()
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "vacuum into '{}'",
                f.display()
            )))
            .execute(pool)
            .await
            .unwrap();
            db.close().await;
        });
        std::fs::rename(&frozen, &file).unwrap();
        for side in ["", "-wal", "-shm"] {
            let mut p = work.as_os_str().to_owned();
            p.push(side);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        file
    })
}

/// The name of the PostgreSQL template database of the city on the server at `url`
/// (built on first use by the first test process of this build; kept for the next run of
/// the same build; an older build's template is dropped).
pub fn postgres(url: &str) -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let url = url.to_owned();
        on_own_runtime(async move {
            let name = format!("xn_city_{}", build_key());
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            let mut lock = admin.acquire().await.unwrap();
            // One builder at a time across processes of the same server.
            sqlx::query("select pg_advisory_lock(7243001)")
                .execute(&mut *lock)
                .await
                .unwrap();
            let ready: Option<String> = sqlx::query_scalar(
                "select shobj_description(oid, 'pg_database') from pg_database \
                 where datname = $1",
            )
            .bind(&name)
            .fetch_optional(&mut *lock)
            .await
            .unwrap()
            .flatten();
            if !ready.as_deref().is_some_and(|r| r.starts_with("ready ")) {
                // Under the lock nobody else builds: a template not ready is a builder's
                // that died, and one ready six hours ago is an earlier build's.
                let stale: Vec<String> = sqlx::query_scalar(
                    "select datname::text from (select datname, \
                     coalesce(shobj_description(oid, 'pg_database'), '') as note \
                     from pg_database where datname like 'xn\\_city\\_%') d \
                     where note not like 'ready %' \
                     or case when note like 'ready %' \
                        then split_part(note, ' ', 2)::bigint end \
                        < extract(epoch from now())::bigint - 6 * 3600",
                )
                .fetch_all(&mut *lock)
                .await
                .unwrap();
                for old in stale {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {old} with (force)"
                    )))
                    .execute(&mut *lock)
                    .await;
                }
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut *lock)
                    .await
                    .unwrap();
                let db = Db::open_postgres(&database_url(&url, &name), None)
                    .await
                    .unwrap();
                build_city(db).await;
                // The server's clock: the tests' own is a parameter, and this is the
                // server's bookkeeping.
                let epoch: i64 = sqlx::query_scalar("select extract(epoch from now())::bigint")
                    .fetch_one(&mut *lock)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "comment on database {name} is 'ready {epoch}'"
                )))
                .execute(&mut *lock)
                .await
                .unwrap();
            }
            sqlx::query("select pg_advisory_unlock(7243001)")
                .execute(&mut *lock)
                .await
                .unwrap();
            drop(lock);
            admin.close().await;
            name
        })
    })
}

/// `url` with its database replaced by `name`.
pub fn database_url(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_path(&format!("/{name}"));
    u.to_string()
}
