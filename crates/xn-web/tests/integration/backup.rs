//! Backup and restore (`xiaoneng backup`, `xiaoneng restore`): a backup taken while requests
//! are being acknowledged holds every one acknowledged before it began and no half-written
//! item; a backup of a quiet installation restores every table row for row; a damaged,
//! partial or foreign file is refused before anything is written.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::StatusCode;
use serde_json::json;
use xn_service::backup::{self, Target};
use xn_store::Db;

use crate::on_both_engines;
use crate::support::TestApp;

/// A fresh, empty target of the app's engine: a data directory (SQLite: the database goes in
/// it) and, on PostgreSQL, a new schema.
struct Empty {
    dir: tempfile::TempDir,
    pg: Option<Db>,
}

impl Empty {
    async fn new(app: &TestApp) -> Empty {
        let dir = tempfile::tempdir().unwrap();
        let pg = match app.postgres_url() {
            Some(url) => {
                let schema = format!(
                    "r_{}",
                    xn_service::password::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                Some(Db::open_postgres(&url, Some(&schema)).await.unwrap())
            }
            None => None,
        };
        Empty { dir, pg }
    }

    fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn target(&self) -> Target<'_> {
        match &self.pg {
            Some(db) => Target::Postgres {
                db,
                data_dir: self.dir.path(),
            },
            None => Target::Sqlite {
                data_dir: self.dir.path(),
            },
        }
    }

    /// The restored database, opened and migrated as `serve` would.
    async fn open(&self) -> Db {
        let db = match &self.pg {
            Some(db) => db.clone(),
            None => Db::open_sqlite(&self.dir.path().join(backup::DATABASE_FILE))
                .await
                .unwrap(),
        };
        db.migrate().await.unwrap();
        db
    }

    /// Whether nothing was written: no database file, no table.
    async fn untouched(&self) -> bool {
        let no_file = !self.dir.path().join(backup::DATABASE_FILE).exists()
            && !self.dir.path().join("seal.key").exists();
        match &self.pg {
            Some(db) => no_file && !db.has_tables().await.unwrap(),
            None => no_file,
        }
    }
}

on_both_engines!(
    a_backup_under_load_restores_every_acknowledged_write,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &["org.read", "flow.work"]).await;
        let source_dir = tempfile::tempdir().unwrap();
        std::fs::write(
            source_dir.path().join("seal.key"),
            "00112233445566778899aabbccddeeff\n",
        )
        .unwrap();
        let app = Arc::new(app);
        // Writers: internal requests started one after another by four clients, each id kept
        // with whether it was acknowledged before the backup began.
        let began = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (app, mishu, began, stop) = (
                Arc::clone(&app),
                mishu.clone(),
                Arc::clone(&began),
                Arc::clone(&stop),
            );
            writers.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let res = app
                        .api(
                            "POST",
                            "/api/v1/cases",
                            &mishu,
                            Some(json!({"process": "internal_request",
                                        "title": format!("备份中请示{w}-{i}"), "body": "请审批。"})),
                        )
                        .await;
                    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
                    let id = res.json()["case_id"].as_i64().unwrap();
                    acked.push((id, !began.load(Ordering::SeqCst)));
                }
                acked
            }));
        }
        while app.count("cases").await < 40 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let file = source_dir.path().join("under-load.zip");
        began.store(true, Ordering::SeqCst);
        let manifest = backup::take(
            app.services().db(),
            source_dir.path(),
            &file,
            app.clock.now(),
        )
        .await
        .unwrap();
        stop.store(true, Ordering::SeqCst);
        let mut acked = Vec::new();
        for w in writers {
            acked.extend(w.await.unwrap());
        }
        assert!(
            acked.iter().any(|(_, before)| !before),
            "no write ran during the backup"
        );
        assert!(manifest.members.iter().any(|m| m.name == "seal.key"));

        let target = Empty::new(&app).await;
        backup::restore(&file, target.target()).await.unwrap();
        let restored = target.open().await;
        for (id, before) in &acked {
            let found: i64 = sqlx_count(
                &restored,
                &format!("select count(*) from cases where id = {id}"),
            )
            .await;
            if *before {
                assert_eq!(
                    found, 1,
                    "case {id} was acknowledged before the backup began"
                );
            }
            // Whatever is there is whole: the case with its tasks and its events.
            if found == 1 {
                assert!(
                    sqlx_count(
                        &restored,
                        &format!(
                            "select count(*) from tasks where case_id = {id} and state = 'open'"
                        )
                    )
                    .await
                        >= 1,
                    "case {id} without its open task"
                );
                assert!(
                    sqlx_count(
                        &restored,
                        &format!("select count(*) from events where subject = 'case:{id}'")
                    )
                    .await
                        >= 1,
                    "case {id} without its events"
                );
            }
        }
        assert_eq!(
            std::fs::read_to_string(target.data_dir().join("seal.key")).unwrap(),
            "00112233445566778899aabbccddeeff\n"
        );
        // Each table of the restore has the rows the manifest counted (PostgreSQL's members).
        for m in manifest.members.iter().filter(|m| m.rows.is_some()) {
            let table = m.name.trim_end_matches(".copy").split_once('-').unwrap().1;
            assert_eq!(
                restored.rows_as_text(table).await.unwrap().len() as u64,
                m.rows.unwrap(),
                "{table}"
            );
        }

        // Quiet now: a second backup restores every table row for row.
        let quiet = source_dir.path().join("quiet.zip");
        backup::take(
            app.services().db(),
            source_dir.path(),
            &quiet,
            app.clock.now(),
        )
        .await
        .unwrap();
        let again = Empty::new(&app).await;
        backup::restore(&quiet, again.target()).await.unwrap();
        let copy = again.open().await;
        let tables = app.services().db().tables_in_order().await.unwrap();
        assert!(tables.len() > 40, "{tables:?}");
        for t in &tables {
            assert_eq!(
                copy.rows_as_text(t).await.unwrap(),
                app.services().db().rows_as_text(t).await.unwrap(),
                "table {t} differs after restore"
            );
        }
        // The restored installation serves: its ids go on past the restored ones.
        let svc = xn_service::Services::new(copy, app.services().settings().clone()).unwrap();
        let state = xn_web::AppState {
            services: svc,
            clock: app.clock.clone(),
            secure_cookies: false,
        };
        let served = app.with_state(state);
        let id = served
            .internal_request(&mishu, "恢复后请示", "请审批。")
            .await;
        assert!(acked.iter().all(|(a, _)| *a < id));
    }
);

async fn sqlx_count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

on_both_engines!(
    a_damaged_partial_or_foreign_backup_is_refused_and_nothing_is_written,
    |app: TestApp| async move {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.zip");
        backup::take(app.services().db(), dir.path(), &file, app.clock.now())
            .await
            .unwrap();
        let bytes = std::fs::read(&file).unwrap();
        // A backup is never written over.
        let err = backup::take(app.services().db(), dir.path(), &file, app.clock.now())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("已存在"), "{err}");

        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("partial", bytes[..bytes.len() / 2].to_vec(), "不完整"),
            (
                "flipped",
                {
                    // One byte in the middle of the largest member's stored data.
                    let mut zip =
                        zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
                    let (mut start, mut size) = (0, 0);
                    for i in 0..zip.len() {
                        let f = zip.by_index(i).unwrap();
                        if f.compressed_size() > size {
                            (start, size) = (f.data_start().unwrap(), f.compressed_size());
                        }
                    }
                    // A flip that deflate decodes to the same bytes (a bit it never reads) is
                    // no damage: the next byte is flipped instead, until the member changes.
                    let read_member = |b: &[u8]| -> Option<Vec<u8>> {
                        let mut z = zip::ZipArchive::new(std::io::Cursor::new(b)).ok()?;
                        let mut biggest = (0, 0);
                        for i in 0..z.len() {
                            let size = z.by_index(i).ok()?.compressed_size();
                            if size > biggest.1 {
                                biggest = (i, size);
                            }
                        }
                        let mut out = Vec::new();
                        std::io::Read::read_to_end(&mut z.by_index(biggest.0).ok()?, &mut out)
                            .ok()?;
                        Some(out)
                    };
                    let original = read_member(&bytes);
                    let mut at = usize::try_from(start + size / 2).unwrap();
                    loop {
                        let mut b = bytes.clone();
                        b[at] ^= 0x5a;
                        if read_member(&b) != original {
                            break b;
                        }
                        at += 1;
                    }
                },
                "损坏",
            ),
            ("not a backup", b"PK\x03\x04 not really".to_vec(), "不完整"),
        ];
        for (what, content, says) in cases {
            let bad = dir.path().join(format!("{}.zip", what.replace(' ', "-")));
            std::fs::write(&bad, content).unwrap();
            let target = Empty::new(&app).await;
            let err = backup::restore(&bad, target.target())
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{what}: {err}");
            assert!(err.contains("未恢复任何数据"), "{what}: {err}");
            assert!(target.untouched().await, "{what}: something was written");
        }

        // A zip with a manifest but a member missing.
        let short = dir.path().join("short.zip");
        {
            let mut src = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
            let mut out = zip::ZipWriter::new(std::fs::File::create(&short).unwrap());
            let manifest = src.by_name("manifest.json").unwrap();
            out.raw_copy_file(manifest).unwrap();
            out.finish().unwrap();
        }
        let target = Empty::new(&app).await;
        let err = backup::restore(&short, target.target())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("清单列出"), "{err}");
        assert!(target.untouched().await);

        // A good backup goes only into an empty target.
        let target = Empty::new(&app).await;
        backup::restore(&file, target.target()).await.unwrap();
        let err = backup::restore(&file, target.target())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("不会覆盖"), "{err}");
    }
);

/// Runs the `xiaoneng` binary; answers (exit code, stdout, stderr).
fn xiaoneng(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .args(args)
        .env_remove("XIAONENG_DATABASE_URL")
        .env_remove("XIAONENG_DATA_DIR")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

on_both_engines!(
    the_console_backs_up_and_restores_an_installation,
    |app: TestApp| async move {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("seal.key"), "00112233445566778899aabbccddeeff\n").unwrap();
        let file = dir.path().join("b.zip");
        let source = match app.postgres_url() {
            Some(url) => url,
            None => format!(
                "sqlite://{}",
                app.services().db().sqlite_path().unwrap().display()
            ),
        };
        let (code, out, err) = xiaoneng(&[
            "backup",
            "--to",
            file.to_str().unwrap(),
            "--database-url",
            &source,
            "--data-dir",
            data.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("已备份到"), "{out}");
        let (code, _, err) = xiaoneng(&[
            "backup",
            "--to",
            file.to_str().unwrap(),
            "--database-url",
            &source,
        ]);
        assert_eq!(code, 1);
        assert!(err.contains("已存在"), "{err}");

        let target = Empty::new(&app).await;
        let restored_dir = target.data_dir().join("restored");
        let mut args = vec![
            "restore".to_owned(),
            file.to_str().unwrap().to_owned(),
            "--data-dir".to_owned(),
            restored_dir.to_str().unwrap().to_owned(),
        ];
        if let Some(Db::Postgres(_)) = &target.pg {
            let url = app.postgres_url().unwrap();
            let (base, _) = url.split_once("options=").unwrap();
            let schema: String =
                sqlx_text(target.pg.as_ref().unwrap(), "select current_schema()::text").await;
            args.push("--database-url".to_owned());
            args.push(format!("{base}options=-csearch_path%3D{schema}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = xiaoneng(&args);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("已从"), "{out}");
        assert_eq!(
            std::fs::read_to_string(restored_dir.join("seal.key")).unwrap(),
            "00112233445566778899aabbccddeeff\n"
        );
        let restored = match &target.pg {
            Some(db) => db.clone(),
            None => Db::open_sqlite(&restored_dir.join(backup::DATABASE_FILE))
                .await
                .unwrap(),
        };
        assert_eq!(
            restored.rows_as_text("persons").await.unwrap(),
            app.services().db().rows_as_text("persons").await.unwrap()
        );
        // Again into the same place: refused, nothing changed.
        let (code, _, err) = xiaoneng(&args);
        assert_eq!(code, 1);
        assert!(err.contains("不会覆盖"), "{err}");
    }
);

async fn sqlx_text(db: &Db, sql: &str) -> String {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}
