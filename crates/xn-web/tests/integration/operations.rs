//! Seeing a server run: `/metrics` (off unless a token is configured, then only for that
//! token) with request counts by route, the pool, the writer, timer lag and messages; a
//! request id on every answer; `xiaoneng doctor`.

use std::process::Command;

use axum::body::Body;
use axum::http::Request;

use crate::on_both_engines;
use crate::support::TestApp;

const TOKEN: &str = "scrape-secret-2026";

fn scrape(token: Option<&str>) -> Request<Body> {
    let mut b = Request::get("/metrics");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

on_both_engines!(
    metrics_are_off_by_default_and_answer_only_their_token,
    |app: TestApp| async move {
        assert_eq!(
            app.send(scrape(Some(TOKEN))).await.status,
            404,
            "off without a token"
        );
        let services = xn_service::Services::new(
            app.services().db().clone(),
            xn_service::Settings {
                metrics_token: Some(TOKEN.to_owned()),
                ..app.services().settings().clone()
            },
        )
        .unwrap();
        let server = app.with_state(xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        assert_eq!(server.send(scrape(None)).await.status, 401);
        assert_eq!(server.send(scrape(Some("guess"))).await.status, 401);

        server.login_as("mishu").await;
        let res = server.get("/").await;
        assert_eq!(res.status, 200);
        // Every answer carries its request id; a proxy's plain id is kept, anything else
        // replaced.
        assert_eq!(
            res.header("x-request-id").len(),
            16,
            "{}",
            res.header("x-request-id")
        );
        let given = Request::get("/healthz")
            .header("x-request-id", "nginx-7f3a9c")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            server.send(given).await.header("x-request-id"),
            "nginx-7f3a9c"
        );
        let odd = Request::get("/healthz")
            .header("x-request-id", "a b\"c")
            .body(Body::empty())
            .unwrap();
        assert_ne!(server.send(odd).await.header("x-request-id"), "a b\"c");

        let res = server.send(scrape(Some(TOKEN))).await;
        assert_eq!(res.status, 200);
        assert!(
            res.content_type()
                .starts_with("application/openmetrics-text"),
            "{}",
            res.content_type()
        );
        let text = res.body;
        for wanted in [
            "xiaoneng_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}",
            "xiaoneng_http_request_duration_seconds_bucket{",
            "xiaoneng_db_connections{state=\"idle\"}",
            "xiaoneng_writer_queue_depth",
            "xiaoneng_writer_transactions_total",
            "xiaoneng_timer_lag_seconds{kind=\"rung\"}",
            "xiaoneng_message_lag_seconds",
        ] {
            assert!(text.contains(wanted), "{wanted} missing from:\n{text}");
        }
        // Routes are counted by their template, never by the path itself.
        assert!(!text.contains("route=\"/cases/1\""));
        // A due timer shows as lag.
        app.exec("update jobs set due_at = 0 where id = (select min(id) from jobs where status = 'pending')").await;
        let text = server.send(scrape(Some(TOKEN))).await.body;
        let any_lag = text.lines().any(|l| {
            l.starts_with("xiaoneng_timer_lag_seconds{")
                && l.rsplit(' ')
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .is_some_and(|v| v > 0.0)
        });
        let pending = app
            .scalar("select count(*) from jobs where status = 'pending'")
            .await;
        assert!(any_lag || pending == 0, "{text}");
    }
);

fn doctor(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .arg("doctor")
        .args(args)
        .env_remove("XIAONENG_DATABASE_URL")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn doctor_explains_each_finding_in_chinese_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A fresh installation: nothing is wrong, two things are still to come.
    let (ok, text) = doctor(&["--data-dir", data.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(
        text.contains("[注意 WARN] 数据库：") && text.contains("does not exist yet"),
        "{text}"
    );
    assert!(
        text.contains("[通过 OK  ] 字体：") && text.contains("fonts official documents"),
        "{text}"
    );
    assert!(text.contains("磁盘") && text.contains("GiB"), "{text}");
    // A configuration that cannot be read fails, and says why.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "timer_lease_secs = \"soon\"\n").unwrap();
    let (ok, text) = doctor(&[
        "--config",
        bad.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("[错误 FAIL] 配置：") && text.contains("cannot be read"),
        "{text}"
    );
    // A mail server that is not there fails.
    let mail = dir.path().join("mail.toml");
    let port = crate::support::free_port();
    std::fs::write(
        &mail,
        format!("[notify.mail]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n"),
    )
    .unwrap();
    let (ok, text) = doctor(&[
        "--config",
        mail.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("[错误 FAIL] 邮件：") && text.contains("cannot reach the mail server"),
        "{text}"
    );
}

on_both_engines!(
    doctor_finds_a_current_database_current,
    |app: TestApp| async move {
        let (ok, text) = match (app.sqlite_data_dir(), app.postgres_url()) {
            (Some(dir), _) => doctor(&["--data-dir", dir.to_str().unwrap()]),
            (None, Some(url)) => doctor(&["--database-url", &url]),
            _ => unreachable!(),
        };
        assert!(ok, "{text}");
        assert!(text.contains("schema current"), "{text}");
        assert!(
            text.contains("[通过 OK  ] 时钟") || text.contains("[注意 WARN] 时钟"),
            "{text}"
        );
    }
);

/// Runs the `xiaoneng` binary with `args` in `dir` (where a `xiaoneng.toml` is found); answers
/// whether it succeeded and what it printed.
fn console(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .args(args)
        .current_dir(dir)
        .env_remove("XIAONENG_DATABASE_URL")
        .env_remove("XIAONENG_DATA_DIR")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// docs/OPERATIONS.md, "Install" and "Configure": a configuration file, the schema, the first
/// administrator and a first member of staff, the check, and a server that answers.
#[tokio::test]
async fn a_new_installation_is_set_up_with_the_documented_commands() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::free_port();
    std::fs::write(
        dir.path().join("xiaoneng.toml"),
        format!(
            "addr = \"127.0.0.1:{port}\"\ndata_dir = \"data\"\n\n[password]\nmin_length = 10\n"
        ),
    )
    .unwrap();
    let (ok, text) = console(dir.path(), &["migrate"]);
    assert!(ok && text.contains("数据库已是最新结构"), "{text}");
    let (ok, text) = console(
        dir.path(),
        &[
            "user",
            "create",
            "--login",
            "admin",
            "--name",
            "张三",
            "--unit",
            "东川市人民政府办公室",
            "--role",
            "system_admin",
        ],
    );
    assert!(ok && text.contains("已创建 admin。初始口令："), "{text}");
    // The password policy of the file holds for the console too.
    let (ok, text) = console(
        dir.path(),
        &[
            "user",
            "create",
            "--login",
            "lisi",
            "--name",
            "李四",
            "--unit",
            "东川市人民政府办公室",
            "--position",
            "秘书",
            "--password",
            "Short@1",
        ],
    );
    assert!(!ok, "a password below the configured length: {text}");
    let (ok, text) = console(
        dir.path(),
        &[
            "user",
            "create",
            "--login",
            "lisi",
            "--name",
            "李四",
            "--unit",
            "东川市人民政府办公室",
            "--position",
            "秘书",
            "--password",
            "Dongchuan@2026",
        ],
    );
    assert!(ok && text.contains("已创建 lisi。"), "{text}");
    let (ok, text) = console(dir.path(), &["doctor"]);
    assert!(ok && text.contains("schema current"), "{text}");
    assert!(dir.path().join("data/xiaoneng.db").is_file());
    assert!(dir.path().join("data/seal.key").is_file());

    let mut server = Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("XIAONENG_DATABASE_URL")
        .env_remove("XIAONENG_DATA_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut login = None;
    for _ in 0..300 {
        // The answer must be this server's, not another that took the port.
        assert!(
            server.try_wait().unwrap().is_none(),
            "the server stopped on its own"
        );
        login = crate::support::http_call(port, "GET", "/login", "", "").await;
        if login.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server stopped on its own"
    );
    let _ = server.kill();
    let _ = server.wait();
    let (status, body) = login.expect("the server answers on the configured address");
    assert_eq!(status, 200);
    assert!(body.contains("登录"), "{body}");
}
