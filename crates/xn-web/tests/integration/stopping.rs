//! Stopping a server (SIGTERM): it stops taking requests, answers those in flight, lets its
//! timer sweep finish, gives back its leases and exits; nothing acknowledged is lost and no
//! lease is left held.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::on_both_engines;
use crate::support::{TestApp, free_port, http_call as call, serve};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

on_both_engines!(
    a_stopped_server_keeps_every_acknowledged_write_and_holds_no_lease,
    |app: TestApp| async move {
        let token = app.token_for("mishu", &SCOPES).await;
        let since = xn_web::Clock::System.now().timestamp_millis();
        let port = free_port();
        let mut server = serve(&app, port);
        let mut up = false;
        for _ in 0..600 {
            if let Some((200, _)) = call(port, "GET", "/healthz", &token, "").await {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "the server did not start");

        // Four clients start items until the server stops answering.
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let token = token.clone();
                tokio::spawn(async move {
                    let mut acknowledged = Vec::new();
                    for i in 0.. {
                        let body = json!({
                            "process": "internal_request",
                            "title": format!("停机测试 {c}-{i}"),
                            "body": "申请购置档案柜两组。",
                        })
                        .to_string();
                        match call(port, "POST", "/api/v1/cases", &token, &body).await {
                            Some((201, body)) => {
                                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                                acknowledged.push(v["case_id"].as_i64().unwrap());
                            }
                            Some((status, body)) if status < 500 => {
                                panic!("{status}: {body}")
                            }
                            // A 503 while stopping, or no answer: not acknowledged.
                            _ => break,
                        }
                    }
                    acknowledged
                })
            })
            .collect();

        // Every timer of the items started so far due now: the server sweeps without pause.
        let started = "select count(*) from cases where title like '停机测试%'";
        for _ in 0..400 {
            if app.scalar(started).await >= 100 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        app.exec("update jobs set due_at = 0 where status = 'pending'")
            .await;
        // Stop it while both the writes and the timer sweeps are under way.
        // Timers this server gave their effect (done) or closed (cancelled): done on the real
        // clock, after anything of the demo's history.
        let busy =
            &format!("select count(*) from jobs where status <> 'pending' and done_at >= {since}");
        for _ in 0..400 {
            if app.scalar(busy).await > 0
                && app
                    .scalar("select count(*) from cases where title like '停机测试%'")
                    .await
                    >= 20
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let term = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let mut exited = None;
        for _ in 0..1200 {
            if let Some(status) = server.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let Some(status) = exited else {
            server.kill().unwrap();
            panic!("the server did not stop within a minute of SIGTERM");
        };
        assert!(status.success(), "{status}");
        let mut out = String::new();
        if let Some(mut stdout) = server.stdout.take() {
            std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
        }
        assert!(out.contains("效能已停止"), "{out}");

        let mut acknowledged = Vec::new();
        for c in clients {
            acknowledged.extend(c.await.unwrap());
        }
        assert!(acknowledged.len() >= 20, "{}", acknowledged.len());
        // Every acknowledged item is there, with its first task.
        let ids: Vec<String> = acknowledged.iter().map(i64::to_string).collect();
        let found = app
            .scalar(&format!(
                "select count(*) from cases c where c.id in ({}) and exists
                 (select 1 from tasks t where t.case_id = c.id)",
                ids.join(", ")
            ))
            .await;
        assert_eq!(found, acknowledged.len() as i64);
        // The sweep under way was finished and nothing is left leased.
        assert!(app.scalar(busy).await > 0);
        assert_eq!(
            app.scalar(
                "select count(*) from jobs where status = 'pending' and lease_until is not null"
            )
            .await,
            0
        );
    }
);
