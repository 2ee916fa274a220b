//! Outgrowing one machine (`xiaoneng move-to-postgres`), as docs/OPERATIONS.md tells it: an
//! SQLite installation with cases, documents, opinions and its audit trail moves into an empty
//! PostgreSQL database; afterwards every table holds the same rows, the same people see the
//! same work and find the same documents, new ids continue where the old ones ended, and the
//! audit chain verifies. A move that fails leaves the target empty, one cut short is finished by
//! running it again, and a target that holds an installation is refused.

use axum::http::StatusCode;
use serde_json::json;
use xn_service::Services;
use xn_store::Db;

use crate::support::{Engine, TEST_SEAL_KEY, TestApp, postgres_server_url};

/// Runs `xiaoneng move-to-postgres`; answers (exit code, stdout, stderr).
fn move_to_postgres(data_dir: &std::path::Path, url: &str) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .args([
            "move-to-postgres",
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--database-url",
            url,
        ])
        .env_remove("XIAONENG_DATABASE_URL")
        .env_remove("XIAONENG_DATA_DIR")
        .env_remove("XIAONENG_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A new, empty PostgreSQL database on the test server: its URL and a handle to drop it.
async fn empty_database(server: &str) -> (String, String) {
    let name = format!(
        "xn_move_{}",
        xn_service::password::random_token(9)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let admin = sqlx::PgPool::connect(server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let mut u = url::Url::parse(server).unwrap();
    u.set_path(&format!("/{name}"));
    (u.to_string(), name)
}

async fn drop_database(server: &str, name: &str) {
    let admin = sqlx::PgPool::connect(server).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {name} with (force)"
    )))
    .execute(&admin)
    .await;
    admin.close().await;
}

/// Rows of a table, counted.
async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("select count(*) from \"{table}\"");
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// Ids in a JSON list answer, in order.
fn ids(v: &serde_json::Value, list: &str) -> Vec<i64> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {v}"))
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_sqlite_installation_moves_to_postgres_whole() {
    let Some(server) = postgres_server_url() else {
        return;
    };
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let data_dir = app.sqlite_data_dir().unwrap().to_path_buf();
    // Without the installation's key the sealed texts could not be read on PostgreSQL: refused
    // before anything is written.
    let (url, name) = empty_database(&server).await;
    let (code, _, err) = move_to_postgres(&data_dir, &url);
    assert_eq!(code, 1);
    assert!(err.contains("没有印章密钥"), "{err}");
    drop_database(&server, &name).await;
    std::fs::write(
        data_dir.join("seal.key"),
        format!("{}\n", hex::encode(TEST_SEAL_KEY)),
    )
    .unwrap();
    let scopes = ["org.read", "flow.work"];
    let mishu = app.token_for("mishu", &scopes).await;
    let zhuren = app.token_for("zhuren", &scopes).await;
    // Work in every state: requests waiting, a notice at 签发 with its opinions (sealed at
    // rest), one signed and waiting for its 文号.
    let mut cases = Vec::new();
    for i in 0..3 {
        cases.push(
            app.internal_request(&mishu, &format!("迁移前的请示{i}"), "请审批。\n第二行")
                .await,
        );
    }
    let waiting = app.notice_at_the_director("关于防汛抗旱的通知", None).await;
    let signed = app
        .notice_at_the_director("关于安全生产检查的通知", None)
        .await;
    app.complete_ok(&zhuren, signed, "同意", "同意印发", json!({}))
        .await;
    let before_tasks = app.api("GET", "/api/v1/tasks", &zhuren, None).await;
    assert_eq!(before_tasks.status, StatusCode::OK, "{}", before_tasks.body);
    let search = "/api/v1/documents/search?q=%E9%98%B2%E6%B1%9B";
    let before_search = app.api("GET", search, &mishu, None).await;
    assert_eq!(
        before_search.status,
        StatusCode::OK,
        "{}",
        before_search.body
    );
    assert_eq!(ids(&before_search.json(), "hits").len(), 1);
    let source = app.services().db().clone();
    // The audit trail's chain, sealed as the server seals it.
    assert!(app.services().seal_events().await.unwrap() > 0);

    let (url, name) = empty_database(&server).await;
    // A value PostgreSQL cannot store (a NUL in a text): the move stops at that table and the
    // target is left as empty as it was.
    app.exec("update cases set title = '断' || char(0) || '开' where title = '迁移前的请示1'")
        .await;
    let (code, out, err) = move_to_postgres(&data_dir, &url);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("NUL") && err.contains("cases"), "{err}");
    let target = Db::open_postgres(&url, None).await.unwrap();
    assert!(
        !target.has_tables().await.unwrap(),
        "a failed move left tables behind"
    );
    app.exec("update cases set title = '迁移前的请示1' where title like '断%'")
        .await;
    // A move cut short after its migrations (killed, the connection lost) leaves the schema and
    // no installation: running it again finishes it.
    target.migrate().await.unwrap();
    assert!(target.has_tables().await.unwrap());

    let (code, out, err) = move_to_postgres(&data_dir, &url);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("已迁移") && out.contains("无误"), "{out}");
    assert!(
        data_dir.join("xiaoneng.db").is_file(),
        "the SQLite file stays"
    );

    // Every table holds the same number of rows; the search index is built anew.
    for table in target.tables_in_order().await.unwrap() {
        if table == "document_search" {
            assert_eq!(
                count(&target, &table).await,
                count(&source, "documents").await,
                "every document indexed"
            );
            continue;
        }
        assert_eq!(
            count(&target, &table).await,
            count(&source, &table).await,
            "rows of {table}"
        );
    }
    let moved = app.with_state(xn_web::AppState {
        services: Services::new(target.clone(), app.services().settings().clone()).unwrap(),
        clock: app.clock.clone(),
        secure_cookies: false,
    });
    // The same person sees the same work and finds the same documents, sealed texts opened.
    let after_tasks = moved.api("GET", "/api/v1/tasks", &zhuren, None).await;
    assert_eq!(after_tasks.status, StatusCode::OK, "{}", after_tasks.body);
    assert_eq!(after_tasks.json(), before_tasks.json());
    let after_search = moved.api("GET", search, &mishu, None).await;
    assert_eq!(after_search.json(), before_search.json());
    for case in [cases[0], waiting] {
        let path = format!("/api/v1/cases/{case}");
        let before = app.api("GET", &path, &mishu, None).await;
        let after = moved.api("GET", &path, &mishu, None).await;
        assert_eq!(after.status, StatusCode::OK, "{}", after.body);
        assert_eq!(after.json(), before.json(), "{path}");
    }
    // New rows continue after the old ids; the chain of the audit trail holds.
    let next = moved
        .internal_request(&mishu, "迁移后的第一件请示", "请审批。")
        .await;
    let newest_before = app.scalar("select max(id) from cases").await;
    assert!(next > newest_before, "{next}");
    moved
        .complete_ok(&zhuren, waiting, "同意", "迁移后签发", json!({}))
        .await;
    let sealed_before = count(&source, "event_seals").await;
    assert!(moved.services().seal_events().await.unwrap() > 0);
    let chain = moved.services().verify_audit_chain().await.unwrap();
    assert!(chain.broken.is_none(), "{chain:?}");
    assert!(chain.checked > sealed_before, "{chain:?}");

    // Again into the same database: refused, nothing changed.
    let events = count(&target, "events").await;
    let (code, _, err) = move_to_postgres(&data_dir, &url);
    assert_eq!(code, 1);
    assert!(err.contains("不会覆盖"), "{err}");
    assert_eq!(count(&target, "events").await, events);
    target.close().await;
    drop_database(&server, &name).await;

    // A data directory without a database: said plainly.
    let empty = tempfile::tempdir().unwrap();
    let (url, name) = empty_database(&server).await;
    let (code, _, err) = move_to_postgres(empty.path(), &url);
    assert_eq!(code, 1);
    assert!(err.contains("没有 SQLite 数据库"), "{err}");
    drop_database(&server, &name).await;
}
