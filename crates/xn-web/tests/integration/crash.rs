//! Crash safety: a real server is killed with SIGKILL at random moments and started again while
//! three clients write through it — items started (内部事项), tasks completed (科长审核), and
//! documents registered with their 文号 (登记). At the end every acknowledged write is present,
//! the 文号 are gapless and unique, and no case is half-advanced. Bounded in time:
//! `XN_CRASH_SECS` (default 20) per engine; bench/README.md has a longer run's figures.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{TestApp, free_port, http_call as call, serve};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// Documents made ready for 登记 before the run: one for every two seconds of it, 12 to 100.
fn documents() -> usize {
    usize::try_from(budget().as_secs() / 2)
        .unwrap_or(12)
        .clamp(12, 100)
}

fn budget() -> Duration {
    let secs = std::env::var("XN_CRASH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// A tiny deterministic generator for the kill moments (seeded per engine and run).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo)
    }
}

async fn wait_up(port: u16, token: &str) -> bool {
    for _ in 0..600 {
        if let Some((200, _)) = call(port, "GET", "/healthz", token, "").await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// What the clients were told was done.
#[derive(Debug, Default)]
struct Acknowledged {
    started: Vec<i64>,
    completed: Vec<(i64, i64)>,
    registered: Vec<i64>,
    refused: usize,
}

on_both_engines!(
    every_acknowledged_write_survives_sigkill_and_no_number_is_lost_or_doubled,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let t = crate::documents::tokens(&app).await;
        let county = app.unit_id("清河县人民政府").await;
        let mut waiting = Vec::new();
        for _ in 0..documents() {
            waiting
                .push(crate::documents::to_register(&app, &t, &[(county, "清河县人民政府")]).await);
        }
        let wenshu = t.wenshu.clone();

        let port = free_port();
        let mut server = serve(&app, port);
        assert!(wait_up(port, &mishu).await, "the server did not start");
        let stop = Arc::new(AtomicBool::new(false));

        // Client 1 starts items; client 2 completes the 科长's 审核 of them; client 3 registers
        // the documents waiting at 登记. A write is acknowledged by its 2xx answer only; no
        // answer (the server died) is not an acknowledgement, and the client goes on.
        let starter = {
            let (stop, token) = (stop.clone(), mishu.clone());
            tokio::spawn(async move {
                let mut ack = Acknowledged::default();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let body =
                        json!({"process": "internal_request", "title": format!("断电测试 {i}"),
                                      "body": "申请购置档案柜两组。"})
                        .to_string();
                    match call(port, "POST", "/api/v1/cases", &token, &body).await {
                        Some((201, b)) => {
                            let v: Value = serde_json::from_str(&b).unwrap();
                            ack.started.push(v["case_id"].as_i64().unwrap());
                        }
                        Some((s, b)) if s < 500 && s != 503 => panic!("start: {s} {b}"),
                        _ => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
                ack
            })
        };
        let completer = {
            let (stop, token) = (stop.clone(), kezhang.clone());
            tokio::spawn(async move {
                let mut ack = Acknowledged::default();
                while !stop.load(Ordering::Relaxed) {
                    let Some((200, list)) =
                        call(port, "GET", "/api/v1/tasks?queue=todo&limit=20", &token, "").await
                    else {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    };
                    let list: Value = serde_json::from_str(&list).unwrap();
                    let mine: Vec<_> = list
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|t| {
                            t["title"]
                                .as_str()
                                .is_some_and(|s| s.starts_with("断电测试"))
                        })
                        .map(|t| (t["id"].as_i64().unwrap(), t["case_id"].as_i64().unwrap()))
                        .collect();
                    if mine.is_empty() {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    for (task, case) in mine {
                        let body = json!({"decision": "同意", "opinion": "同意", "choices": {}})
                            .to_string();
                        match call(
                            port,
                            "POST",
                            &format!("/api/v1/tasks/{task}/complete"),
                            &token,
                            &body,
                        )
                        .await
                        {
                            Some((200 | 201, _)) => ack.completed.push((task, case)),
                            // Done already (the answer was lost in a crash and it is asked again).
                            Some((409, _)) => ack.refused += 1,
                            Some((s, b)) if s < 500 && s != 503 => panic!("complete: {s} {b}"),
                            _ => break,
                        }
                    }
                }
                ack
            })
        };
        let registrar = {
            let (stop, token, cases) = (stop.clone(), wenshu.clone(), waiting.clone());
            tokio::spawn(async move {
                let mut ack = Acknowledged::default();
                let mut left: Vec<_> = cases.iter().map(|(_, c)| *c).collect();
                while !stop.load(Ordering::Relaxed) && !left.is_empty() {
                    let Some((200, list)) = call(
                        port,
                        "GET",
                        "/api/v1/tasks?queue=todo&limit=200",
                        &token,
                        "",
                    )
                    .await
                    else {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    };
                    let list: Value = serde_json::from_str(&list).unwrap();
                    let Some(task) = list.as_array().unwrap().iter().find(|t| {
                        left.contains(&t["case_id"].as_i64().unwrap_or(0))
                            && t["step_name"] == "登记"
                    }) else {
                        // Registered in a call whose answer was lost: no longer waiting.
                        left.clear();
                        break;
                    };
                    let (id, case) = (
                        task["id"].as_i64().unwrap(),
                        task["case_id"].as_i64().unwrap(),
                    );
                    let body =
                        json!({"decision": "登记编号", "opinion": "", "choices": {}}).to_string();
                    match call(
                        port,
                        "POST",
                        &format!("/api/v1/tasks/{id}/complete"),
                        &token,
                        &body,
                    )
                    .await
                    {
                        Some((200 | 201, _)) => {
                            ack.registered.push(case);
                            left.retain(|c| *c != case);
                        }
                        Some((409, _)) => ack.refused += 1,
                        Some((s, b)) if s < 500 && s != 503 => panic!("register: {s} {b}"),
                        _ => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                    // Spread the registrations over most of the run.
                    tokio::time::sleep(budget() * 3 / 4 / u32::try_from(documents()).unwrap_or(12))
                        .await;
                }
                ack
            })
        };

        // The killer: SIGKILL at a random moment, start again, again until the time is up.
        let seed = match app.postgres_url() {
            Some(_) => 0x9e37_79b9_7f4a_7c15,
            None => 0x2545_f491_4f6c_dd1d,
        };
        let mut moments = Moments(seed);
        let deadline = Instant::now() + budget();
        let mut kills = 0;
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(moments.next_ms(150, 1200))).await;
            server.kill().unwrap();
            server.wait().unwrap();
            kills += 1;
            server = serve(&app, port);
            assert!(
                wait_up(port, &mishu).await,
                "the server did not start again after kill {kills}"
            );
        }
        stop.store(true, Ordering::Relaxed);
        let started = starter.await.unwrap();
        let completed = completer.await.unwrap();
        let registered = registrar.await.unwrap();
        server.kill().unwrap();
        server.wait().unwrap();

        // Every acknowledged item is there, with its first task.
        for case in &started.started {
            assert_eq!(
                app.scalar(&format!("select count(*) from cases where id = {case}"))
                    .await,
                1,
                "acknowledged item {case} lost"
            );
            assert!(
                app.scalar(&format!(
                    "select count(*) from tasks where case_id = {case}"
                ))
                .await
                    >= 1,
                "item {case} has no task"
            );
        }
        // Every acknowledged completion is done, and its case moved on past it.
        for (task, case) in &completed.completed {
            assert_eq!(
                app.text(&format!("select state from tasks where id = {task}"))
                    .await,
                "done",
                "acknowledged completion of task {task} lost"
            );
            let after = app
                .scalar(&format!(
                    "select count(*) from tasks where case_id = {case} and id > {task}"
                ))
                .await;
            let closed = app
                .scalar(&format!(
                    "select count(*) from cases where id = {case} and status = 'closed'"
                ))
                .await;
            assert!(
                after > 0 || closed == 1,
                "case {case} did not move on after task {task}"
            );
        }
        // Every acknowledged registration has its number; the numbers run 1..n without a gap
        // or a double.
        for case in &registered.registered {
            let doc = waiting.iter().find(|(_, c)| c == case).unwrap().0;
            assert!(
                app.scalar(&format!(
                    "select count(*) from documents where id = {doc} and number_seq is not null"
                ))
                .await
                    == 1,
                "acknowledged 登记 of document {doc} lost"
            );
        }
        let mut seqs: Vec<i64> = app
            .texts("select cast(number_seq as text) from documents where number_seq is not null")
            .await
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        seqs.sort_unstable();
        let expected: Vec<i64> = (1..=i64::try_from(seqs.len()).unwrap()).collect();
        assert_eq!(seqs, expected, "文号 gapless and unique");
        assert!(seqs.len() >= registered.registered.len());
        // No case half-advanced: a running case has work open, a closed one none, and no task
        // is open twice at one step of one run.
        let stuck = app
            .scalar(
                "select count(*) from cases c where c.status = 'running' and c.title like '断电测试%'
                 and not exists (select 1 from tasks t where t.case_id = c.id and t.state in ('open', 'waiting'))",
            )
            .await;
        assert_eq!(stuck, 0, "a running case without open work");
        let dangling = app
            .scalar(
                "select count(*) from tasks t join cases c on c.id = t.case_id
                 where c.status = 'closed' and t.state in ('open', 'waiting')",
            )
            .await;
        assert_eq!(dangling, 0, "a closed case with open work");
        let doubled = app
            .scalar(
                "select count(*) from (select case_id, run_no, step_id, post_id from tasks
                  where state = 'open' group by case_id, run_no, step_id, post_id having count(*) > 1) d",
            )
            .await;
        assert_eq!(doubled, 0, "a task open twice");
        let distinct: BTreeSet<_> = started.started.iter().collect();
        assert_eq!(distinct.len(), started.started.len());
        println!(
            "crash: {kills} kills; acknowledged {} starts, {} completions, {} registrations; lost 0",
            started.started.len(),
            completed.completed.len(),
            registered.registered.len()
        );
        assert!(
            kills >= 3 && !started.started.is_empty(),
            "the run did too little to prove anything"
        );
    }
);
