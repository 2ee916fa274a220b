//! Several servers on one PostgreSQL behind nginx (Debian's package), as docs/OPERATIONS.md sets
//! them up: a workload through nginx while one server is killed outright; no acknowledged write
//! is lost, each timer has its effect once, and a live workbench (SSE) keeps updating through
//! the server that is left.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::{Engine, TestApp, free_port, http_call as call, serve_with};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// The nginx configuration of docs/OPERATIONS.md ("Several servers"), with this test's ports
/// and folders.
fn nginx_conf(dir: &std::path::Path, listen: u16, servers: &[u16]) -> String {
    let upstream: String = servers
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    let d = dir.display();
    format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n    access_log off;\n    client_body_temp_path {d}/tmp;\n    proxy_temp_path {d}/tmp;\n\
         fastcgi_temp_path {d}/tmp;\n    uwsgi_temp_path {d}/tmp;\n    scgi_temp_path {d}/tmp;\n\
         upstream xiaoneng {{\n{upstream}        keepalive 16;\n    }}\n\
         server {{\n        listen 127.0.0.1:{listen};\n        client_max_body_size 32m;\n\
         location / {{\n            proxy_pass http://xiaoneng;\n            proxy_http_version 1.1;\n\
         proxy_set_header Connection \"\";\n            proxy_set_header Host $host;\n\
         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
         proxy_set_header X-Forwarded-Proto $scheme;\n            proxy_set_header X-Request-Id $request_id;\n\
         proxy_buffering off;\n            proxy_read_timeout 1h;\n\
         proxy_next_upstream error timeout;\n        }}\n    }}\n}}\n"
    )
}

fn nginx() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

async fn wait_up(port: u16, token: &str) {
    for _ in 0..600 {
        if let Some((200, _)) = call(port, "GET", "/healthz", token, "").await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing answers on {port}");
}

/// Reads a workbench's event stream through `port` as the session `cookie`, reconnecting as a
/// browser's EventSource does when the stream ends; answers the instants `queues` events came.
async fn watch(port: u16, cookie: String, until: Instant) -> Vec<Instant> {
    let mut seen = Vec::new();
    while Instant::now() < until {
        let Ok(mut conn) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let req = format!(
            "GET /workbench/events?todo=0&read=0&latest=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Cookie: xn_session={cookie}\r\nAccept: text/event-stream\r\n\r\n"
        );
        if conn.write_all(req.as_bytes()).await.is_err() {
            continue;
        }
        let mut lines = BufReader::new(conn).lines();
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, lines.next_line()).await {
                Ok(Ok(Some(line))) if line.trim_end() == "event: queues" => {
                    seen.push(Instant::now())
                }
                Ok(Ok(Some(_))) => {}
                // The stream ended (its server died): reconnect after a moment, as EventSource.
                Ok(_) => break,
                Err(_) => return seen,
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
async fn two_servers_behind_nginx_lose_nothing_when_one_is_killed() {
    let Some(nginx) = nginx() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI installs nginx (.ci/run)"
        );
        eprintln!(
            "nginx is not installed (apt-get install nginx-light): the two-server test did not run"
        );
        return;
    };
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    // The servers run on the real clock: the session is made on it too.
    if let xn_web::Clock::Manual(t) = &app.clock {
        *t.lock().unwrap() = xn_web::Clock::System.now();
    }
    let mishu = app.token_for("mishu", &SCOPES).await;
    let kezhang = app.session_of("kezhang").await;
    let cookie = kezhang.split(':').nth(1).unwrap().to_owned();

    // Two servers, timers leased for two seconds (a dead server's are taken over quickly).
    let env = [
        ("XIAONENG_TIMER_LEASE_SECS", "2"),
        ("XIAONENG_TIMER_POLL_MS", "100"),
    ];
    let (pa, pb) = (free_port(), free_port());
    let mut a: Child = serve_with(&app, pa, &env);
    let mut b: Child = serve_with(&app, pb, &env);
    wait_up(pa, &mishu).await;
    wait_up(pb, &mishu).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tmp")).unwrap();
    let front = free_port();
    std::fs::write(
        dir.path().join("nginx.conf"),
        nginx_conf(dir.path(), front, &[pa, pb]),
    )
    .unwrap();
    let mut proxy = Command::new(nginx)
        .args([
            "-p",
            dir.path().to_str().unwrap(),
            "-c",
            dir.path().join("nginx.conf").to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_up(front, &mishu).await;

    // The 科长's workbench is watched through nginx for the whole run.
    let until = Instant::now() + Duration::from_secs(14);
    let watcher = tokio::spawn(watch(front, cookie, until));

    // Four clients start items through nginx for eight seconds.
    let stop_at = Instant::now() + Duration::from_secs(8);
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let token = mishu.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut i = 0;
                while Instant::now() < stop_at {
                    i += 1;
                    let body =
                        json!({"process": "internal_request", "title": format!("双机测试 {c}-{i}"),
                                      "body": "申请购置档案柜两组。"})
                        .to_string();
                    match call(front, "POST", "/api/v1/cases", &token, &body).await {
                        Some((201, b)) => {
                            let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                            acknowledged.push(v["case_id"].as_i64().unwrap());
                        }
                        Some((s, b)) if s < 500 => panic!("{s}: {b}"),
                        // A 502 while nginx finds the dead server out: not acknowledged.
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                acknowledged
            })
        })
        .collect();

    // After two seconds every timer is due at once, so both servers sweep; then one dies.
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.exec("update jobs set due_at = 0 where status = 'pending'")
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    a.kill().unwrap();
    a.wait().unwrap();
    let killed_at = Instant::now();
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(c.await.unwrap());
    }
    // What was due is swept by the server left (leases of the dead one expire in 2 s).
    app.exec("update jobs set due_at = 0 where status = 'pending'")
        .await;
    let mut left = i64::MAX;
    for _ in 0..100 {
        left = app
            .scalar("select count(*) from jobs where status = 'pending' and due_at = 0")
            .await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = watcher.await.unwrap();
    b.kill().unwrap();
    b.wait().unwrap();
    // nginx stops its workers on SIGTERM (SIGKILL would leave them behind).
    Command::new("kill")
        .args(["-TERM", &proxy.id().to_string()])
        .status()
        .unwrap();
    proxy.wait().unwrap();

    assert!(
        acknowledged.len() > 20,
        "too little went through: {}",
        acknowledged.len()
    );
    for case in &acknowledged {
        assert!(
            app.scalar(&format!(
                "select count(*) from tasks where case_id = {case}"
            ))
            .await
                >= 1,
            "acknowledged item {case} lost"
        );
    }
    let doubled = app
        .scalar(
            "select count(*) from (select case_id, run_no, step_id, post_id from tasks
              where state = 'open' group by case_id, run_no, step_id, post_id having count(*) > 1) d",
        )
        .await;
    assert_eq!(doubled, 0, "a task open twice");
    assert_eq!(left, 0, "due timers left unswept");
    let twice = app
        .scalar(
            "select count(*) from (select job_id, post_id from cards group by job_id, post_id
             having count(*) > 1) d",
        )
        .await;
    assert_eq!(twice, 0, "a timer had its effect twice");
    let swept = app
        .scalar("select count(*) from jobs where status = 'done'")
        .await;
    assert!(swept > 0, "no timer fired");
    let owners = app
        .texts("select distinct done_by from jobs where status = 'done'")
        .await;
    assert!(
        owners.len() >= 2 || swept < 2,
        "both servers swept: {owners:?}"
    );
    assert!(
        seen.iter().any(|t| *t < killed_at),
        "the workbench updated before the kill: {} updates",
        seen.len()
    );
    assert!(
        seen.iter().any(|t| *t > killed_at),
        "the workbench kept updating after the kill: {} updates",
        seen.len()
    );
    println!(
        "two servers: {} items acknowledged, {swept} timers fired by {} servers, {} workbench updates",
        acknowledged.len(),
        owners.len(),
        seen.len()
    );
}
