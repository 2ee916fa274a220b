//! The flow engine through the API and the service layer: an internal request end to end,
//! concurrency (one completion out of a hundred, a countersign finishing at once), deadlines
//! re-armed after a return, timers with leases (in process, and two real servers on one
//! PostgreSQL database, one killed mid-run), idempotency keys.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::json;

use crate::on_both_engines;
use crate::support::{TestApp, free_port};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn start_request(app: &TestApp, token: &str, title: &str) -> serde_json::Value {
    let res = app
        .api(
            "POST",
            "/api/v1/cases",
            token,
            Some(json!({"process": "internal_request", "title": title, "body": "申请购置档案柜两组。"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

fn open_task(outcome: &serde_json::Value) -> i64 {
    outcome["open_tasks"][0]["id"].as_i64().unwrap()
}

on_both_engines!(internal_request_round_trip, |app: TestApp| async move {
    let mishu = app.token_for("mishu", &SCOPES).await;
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let started = start_request(&app, &mishu, "关于购置档案柜的请示").await;
    let case_id = started["case_id"].as_i64().unwrap();
    assert_eq!(started["status"], "running");
    assert_eq!(started["open_tasks"][0]["step"], "check");
    assert_eq!(
        started["open_tasks"][0]["post_id"].as_i64().unwrap(),
        app.post_of("kezhang").await
    );

    // The 科长 finds it in 待办 and returns it with an opinion.
    let todo = app
        .api("GET", "/api/v1/tasks?queue=todo", &kezhang, None)
        .await
        .json();
    let task = todo
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["case_id"] == case_id)
        .unwrap()
        .clone();
    assert_eq!(task["step_name"], "科长审核");
    assert!(task["due_date"].is_string());
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/return", task["id"]),
            &kezhang,
            Some(json!({"to": "previous", "opinion": "请补充经费预算"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let back = res.json();
    assert_eq!(back["open_tasks"][0]["step"], "draft");

    // The 秘书 resubmits; it jumps straight back to the 科长, who agrees; the 主任 approves.
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", open_task(&back)),
            &mishu,
            Some(json!({"decision": "提交", "opinion": "已补充预算 1.2 万元"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let again = res.json();
    assert_eq!(again["open_tasks"][0]["step"], "check");
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", open_task(&again)),
            &kezhang,
            Some(json!({"decision": "同意", "opinion": "同意，报主任"})),
        )
        .await;
    let to_director = res.json();
    assert_eq!(
        to_director["open_tasks"][0]["step"], "approve",
        "{}",
        res.body
    );
    assert_eq!(
        to_director["open_tasks"][0]["post_id"].as_i64().unwrap(),
        app.post_of("zhuren").await
    );
    // The row as the actions left it: still running (their updates leave the status out).
    let running = format!(
        "select count(*) from cases where id = {case_id} and status = 'running' and closed_at is null"
    );
    assert_eq!(app.scalar(&running).await, 1);
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", open_task(&to_director)),
            &zhuren,
            Some(json!({"decision": "同意", "opinion": "同意购置"})),
        )
        .await;
    assert_eq!(res.json()["status"], "closed", "{}", res.body);
    let closed = format!(
        "select count(*) from cases where id = {case_id} and status = 'closed' and closed_at is not null"
    );
    assert_eq!(app.scalar(&closed).await, 1);
    let open = format!("select count(*) from tasks where case_id = {case_id} and state = 'open'");
    assert_eq!(app.scalar(&open).await, 0);

    // The case page: closed, every opinion in the timeline, in order.
    let case = app
        .api("GET", &format!("/api/v1/cases/{case_id}"), &mishu, None)
        .await
        .json();
    assert_eq!(case["status_label"], "已办结");
    let opinions: Vec<&str> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["opinion"].as_str())
        .collect();
    assert_eq!(
        opinions,
        [
            "请补充经费预算",
            "已补充预算 1.2 万元",
            "同意，报主任",
            "同意购置"
        ]
    );
    // Queues: 已办 of the 科长 holds both actions; 我发起的 of the 秘书 holds the case.
    let done = app
        .api("GET", "/api/v1/tasks?queue=done", &kezhang, None)
        .await
        .json();
    assert_eq!(
        done.as_array()
            .unwrap()
            .iter()
            .filter(|t| t["case_id"] == case_id)
            .count(),
        2
    );
    let mine = app.api("GET", "/api/v1/cases", &mishu, None).await.json();
    assert_eq!(mine[0]["id"], case_id);
    // Someone who took no part cannot read it: it answers as if it did not exist.
    let outsider = app.token_for("qinghe.mishu", &SCOPES).await;
    let res = app
        .api("GET", &format!("/api/v1/cases/{case_id}"), &outsider, None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.flow_events("flow.case_closed").await.len(), 1);
    // One row per action (started, returned, completed): what followed from each (steps
    // entered, holders assigned, the closing) is in its row, and on the timeline in order.
    let rows = app
        .scalar(&format!(
            "select count(*) from events where subject = 'case:{case_id}' and kind like 'flow.%'
               and kind not in ('flow.case_started', 'flow.returned', 'flow.task_completed')"
        ))
        .await;
    assert_eq!(rows, 0);
    // Beside them, the outsider's refused read, recorded for the auditor.
    assert_eq!(
        app.scalar(&format!(
            "select count(*) from events where subject = 'case:{case_id}' and kind = 'cases.read_refused'"
        ))
        .await,
        1
    );
    let kinds: Vec<&str> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"flow.case_started"));
    assert_eq!(kinds.last(), Some(&"flow.case_closed"));
    assert!(
        kinds.contains(&"flow.step_entered") && kinds.contains(&"flow.assigned"),
        "{kinds:?}"
    );
});

on_both_engines!(
    two_servers_take_turns_on_one_case_and_neither_acts_on_an_old_state,
    |app: TestApp| async move {
        let other = app.second_server();
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        // Server A starts the case and keeps its state (version 1).
        let started = start_request(&app, &mishu, "两台服务器轮流办理").await;
        let case_id = started["case_id"].as_i64().unwrap();
        let check = open_task(&started);
        // Server B completes the check: the case moves to version 2 behind A's back.
        let res = other
            .api(
                "POST",
                &format!("/api/v1/tasks/{check}/complete"),
                &kezhang,
                Some(json!({"decision": "同意", "opinion": "B 办理"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let approve = open_task(&res.json());
        // On A, the check is done (not done again from A's old state), version 1 is stale.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{check}/complete"),
                &kezhang,
                Some(json!({"decision": "同意", "opinion": "A 重复办理"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "flow.state", "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{approve}/complete"),
                &zhuren,
                Some(json!({"decision": "同意", "version": 1})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "flow.stale", "{}", res.body);
        // A completes the approval on the current state: the case closes once, at version 3.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{approve}/complete"),
                &zhuren,
                Some(json!({"decision": "同意"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["status"], "closed", "{}", res.body);
        assert_eq!(res.json()["version"], 3, "{}", res.body);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from events where kind = 'flow.task_completed' and subject = 'case:{case_id}'"
            ))
            .await,
            2
        );
        assert_eq!(
            app.scalar(&format!("select version from cases where id = {case_id}"))
                .await,
            3
        );
    }
);

on_both_engines!(
    hundred_concurrent_completions_one_wins,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let started = start_request(&app, &mishu, "并发办理测试").await;
        let task = open_task(&started);
        let version = app
            .api(
                "GET",
                &format!("/api/v1/cases/{}", started["case_id"]),
                &kezhang,
                None,
            )
            .await
            .json()["version"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/tasks/{task}/complete");
        let calls = (0..100).map(|i| {
            let body = if i % 2 == 0 {
                json!({"decision": "同意", "opinion": format!("第 {i} 次"), "version": version})
            } else {
                json!({"decision": "同意", "opinion": format!("第 {i} 次")})
            };
            app.api("POST", &path, &kezhang, Some(body))
        });
        let results = futures::future::join_all(calls).await;
        let ok = results
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        let conflicts = results
            .iter()
            .filter(|r| r.status == StatusCode::CONFLICT)
            .count();
        assert_eq!(
            (ok, conflicts),
            (1, 99),
            "{:?}",
            results
                .iter()
                .map(|r| (r.status, r.body.clone()))
                .take(3)
                .collect::<Vec<_>>()
        );
        assert!(
            results
                .iter()
                .filter(|r| r.status == StatusCode::CONFLICT)
                .all(|r| r.content_type().starts_with("application/problem+json"))
        );
        assert_eq!(app.events_of("flow.task_completed").await, 1);
        assert_eq!(
            app.scalar("select count(*) from tasks where step_id = 'approve'")
                .await,
            1
        );
    }
);

const COUNTERSIGN: &str = r#"
key = "countersign_test"
name = "会签测试"
item_kind = "internal"

[[steps]]
id = "draft"
name = "拟稿"
kind = "start"
next = "sign"

[[steps]]
id = "sign"
name = "会签"
kind = "task"
mode = "all"
assignee = { rule = "field", field = "signers" }
next = "after"

[[steps]]
id = "after"
name = "汇总"
kind = "task"
assignee = { rule = "starter" }
next = "end"

[[steps]]
id = "end"
name = "结束"
kind = "end"
"#;

on_both_engines!(
    ten_signers_at_once_advance_once,
    |app: TestApp| async move {
        app.services()
            .install_process(
                "countersign_test.toml",
                COUNTERSIGN,
                crate::support::start_time(),
            )
            .await
            .unwrap();
        // Ten people of the office's sections, each with a token.
        let logins: Vec<String> = {
            let mut v = Vec::new();
            for i in 0..10 {
                v.push(app.text(&format!(
                "select pe.login from persons pe join posts p on p.person_id = pe.id
                 where pe.login not in ('mishu','kezhang','zhuren','sysadmin','secadmin','auditor','shizhang')
                 order by pe.id limit 1 offset {i}"
            )).await);
            }
            v
        };
        let mut tokens = Vec::new();
        let mut posts = Vec::new();
        for l in &logins {
            tokens.push(app.token_for(l, &SCOPES).await);
            posts.push(app.post_of(l).await);
        }
        let mishu = app.token_for("mishu", &SCOPES).await;
        let res = app
        .api("POST", "/api/v1/cases", &mishu, Some(json!({"process": "countersign_test", "title": "会签", "fields": {"signers": posts}})))
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let started = res.json();
        let open = started["open_tasks"].as_array().unwrap().clone();
        assert_eq!(open.len(), 10);
        let app_ref = &app;
        let calls = open.iter().map(|t| {
            let i = posts
                .iter()
                .position(|p| *p == t["post_id"].as_i64().unwrap())
                .unwrap();
            let path = format!("/api/v1/tasks/{}/complete", t["id"]);
            let token = tokens[i].clone();
            async move {
                app_ref
                    .api("POST", &path, &token, Some(json!({"decision": "同意"})))
                    .await
            }
        });
        let results = futures::future::join_all(calls).await;
        assert!(
            results.iter().all(|r| r.status == StatusCode::OK),
            "{:?}",
            results.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
        );
        assert_eq!(app.events_of("flow.task_completed").await, 10);
        // Each answer lists the tasks still open, those it left alone too, by their ids.
        let mut ids: std::collections::HashMap<i64, i64> = open
            .iter()
            .map(|t| (t["no"].as_i64().unwrap(), t["id"].as_i64().unwrap()))
            .collect();
        ids.insert(
            app.scalar("select task_no from tasks where step_id = 'after'")
                .await,
            app.scalar("select id from tasks where step_id = 'after'")
                .await,
        );
        let mut listed = 0;
        for r in &results {
            for t in r.json()["open_tasks"].as_array().unwrap() {
                let no = t["no"].as_i64().unwrap();
                assert_eq!(t["id"].as_i64(), ids.get(&no).copied(), "{}", r.body);
                listed += 1;
            }
        }
        assert!(listed > 0);
        let done: Vec<_> = app.flow_events("flow.step_done").await;
        assert_eq!(
            done.iter().filter(|e| e["step"] == "sign").count(),
            1,
            "{done:?}"
        );
        assert_eq!(
            app.scalar("select count(*) from tasks where step_id = 'after'")
                .await,
            1
        );
    }
);

on_both_engines!(return_reentry_rearms_deadline, |app: TestApp| async move {
    let mishu = app.token_for("mishu", &SCOPES).await;
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let started = start_request(&app, &mishu, "时限重算").await;
    let case_id = started["case_id"].as_i64().unwrap();
    let first_due = app
        .text(&format!(
            "select due_date from tasks where case_id = {case_id} and step_id = 'check'"
        ))
        .await;
    // 2026-11-26 (Thursday) + 2 working days = 2026-11-30.
    assert_eq!(first_due, "2026-11-30");
    let pending = |run: i64| {
        format!(
            "select count(*) from jobs where case_id = {case_id} and run_no = {run} and status = 'pending'"
        )
    };
    // One row holds the step's ladder: its first rung (each rung arms the next as it falls).
    assert_eq!(app.scalar(&pending(2)).await, 1);
    // A week later the 科长 returns it; the 秘书 resubmits the same day.
    app.clock.advance(TimeDelta::days(7));
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/return", open_task(&started)),
            &kezhang,
            Some(json!({"opinion": "请修改"})),
        )
        .await;
    let back = res.json();
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", open_task(&back)),
            &mishu,
            Some(json!({"opinion": "已修改"})),
        )
        .await;
    let again = res.json();
    let new_due = app
        .text(&format!(
            "select due_date from tasks where id = {}",
            open_task(&again)
        ))
        .await;
    // 2026-12-03 (Thursday) + 2 working days = 2026-12-07: counted from the re-entry.
    assert_eq!(new_due, "2026-12-07");
    assert_eq!(
        app.scalar(&pending(2)).await,
        0,
        "the old run's timers are cancelled"
    );
    let new_run = app
        .scalar(&format!(
            "select run_no from tasks where id = {}",
            open_task(&again)
        ))
        .await;
    assert_eq!(
        app.scalar(&pending(new_run)).await,
        1,
        "the new run's timers are armed"
    );
});

on_both_engines!(
    timers_give_cards_once_and_leases_are_taken_over,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let started = start_request(&app, &mishu, "超期测试").await;
        let case_id = started["case_id"].as_i64().unwrap();
        let services = app.services().clone();
        // Past the step's deadline (2026-11-30) and its red-card day (+3 working days).
        app.clock.advance(TimeDelta::days(10));
        let now = app.clock.now();
        let lease = TimeDelta::seconds(60);
        // Server A claims everything due and dies before giving any effect.
        let claimed = xn_store::flow::claim_jobs(
            services.db(),
            "server-a",
            xn_service::ms(now),
            xn_service::ms(now + lease),
            100,
        )
        .await
        .unwrap();
        // The step's first rung and the case's (each arms the next as it falls).
        assert!(claimed.len() >= 2, "{claimed:?}");
        // Server B finds nothing to do while A's leases hold…
        let sweep = services
            .run_due_timers("server-b", now, lease, 100)
            .await
            .unwrap();
        assert_eq!(sweep.claimed, 0);
        // …and takes every timer over once they expired; two sweeps at once give one effect each.
        let later = now + TimeDelta::seconds(61);
        let (b, c) = tokio::join!(
            services.run_due_timers("server-b", later, lease, 100),
            services.run_due_timers("server-c", later, lease, 100)
        );
        let (b, c) = (b.unwrap(), c.unwrap());
        // Every timer A held, and the rungs they armed that were due as well.
        assert!(b.claimed + c.claimed > claimed.len(), "{b:?} {c:?}");
        let held: Vec<String> = claimed.iter().map(|j| j.id.to_string()).collect();
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from jobs where status = 'done' and id in ({})",
                held.join(",")
            ))
            .await,
            i64::try_from(claimed.len()).unwrap()
        );
        // A comes back and tries to finish a timer it had claimed: refused, its lease is gone.
        let mut tx = services.db().begin().await.unwrap();
        let job = &claimed[0];
        assert!(
            !xn_store::flow::finish_job(
                &mut tx,
                job.id,
                "server-a",
                job.version,
                "done",
                xn_service::ms(later)
            )
            .await
            .unwrap()
        );
        drop(tx);
        assert_eq!(
            app.events_of("flow.yellow_card").await,
            2,
            "the step's and the case's"
        );
        assert_eq!(
            app.events_of("flow.red_card").await,
            1,
            "the step's (the case's red day is later)"
        );
        let kezhang_post = app.post_of("kezhang").await;
        assert_eq!(app.scalar(&format!("select count(*) from cards where case_id = {case_id} and post_id = {kezhang_post} and color = 'yellow'")).await, 2);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from jobs where status = 'pending' and due_at <= {}",
                xn_service::ms(later)
            ))
            .await,
            0
        );
        // The holder was told.
        assert!(app.scalar(&format!("select count(*) from notifications where post_id = {kezhang_post} and kind = 'flow.red_card'")).await == 1);
        // The case page shows the cards.
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let case = app
            .api("GET", &format!("/api/v1/cases/{case_id}"), &kezhang, None)
            .await
            .json();
        assert_eq!(case["cards"].as_array().unwrap().len(), 3);
        assert_eq!(case["steps"][1]["urgency"], "overdue");
    }
);

on_both_engines!(
    a_ladder_armed_whole_by_an_earlier_build_gives_each_rung_once,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let started = start_request(&app, &mishu, "旧定时").await;
        let case_id = started["case_id"].as_i64().unwrap();
        let task = open_task(&started);
        let run = app
            .scalar(&format!("select run_no from tasks where id = {task}"))
            .await;
        let due = app
            .scalar(&format!("select due_at from tasks where id = {task}"))
            .await;
        // An earlier build armed every rung of a step at once: the step's yellow and red rows
        // as it left them, beside the first rung this build armed.
        for (rung, at) in [("yellow", due), ("red", due + 3 * 86_400_000)] {
            app.exec(&format!(
                "insert into jobs (kind, case_id, run_no, rung, due_at)
                 values ('rung', {case_id}, {run}, '{rung}', {at})"
            ))
            .await;
        }
        app.clock.advance(TimeDelta::days(10));
        let now = app.clock.now();
        app.services()
            .run_due_timers("server-a", now, TimeDelta::seconds(60), 100)
            .await
            .unwrap();
        let cards = |color: &str| {
            format!(
                "select count(*) from events where kind = 'flow.{color}_card'
                 and subject = 'case:{case_id}'"
            )
        };
        // The step's yellow and red and the case's yellow, each once.
        assert_eq!(app.scalar(&cards("yellow")).await, 2);
        assert_eq!(app.scalar(&cards("red")).await, 1);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from jobs where case_id = {case_id} and run_no = {run}
                 and rung = 'red'"
            ))
            .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from jobs where status = 'pending' and due_at <= {}",
                xn_service::ms(now)
            ))
            .await,
            0
        );
        // Another sweep finds nothing more to give.
        let again = app
            .services()
            .run_due_timers("server-a", now, TimeDelta::seconds(60), 100)
            .await
            .unwrap();
        assert_eq!(again.claimed, 0);
    }
);

on_both_engines!(idempotency_key_acts_once, |app: TestApp| async move {
    let mishu = app.token_for("mishu", &SCOPES).await;
    let send = |title: &'static str| {
        let req = axum::http::Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {mishu}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "req-0001")
            .body(axum::body::Body::from(
                json!({"process": "internal_request", "title": title}).to_string(),
            ))
            .unwrap();
        app.send(req)
    };
    let (a, b) = tokio::join!(send("幂等"), send("幂等"));
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    assert_eq!(a.json()["case_id"], b.json()["case_id"]);
    assert_eq!(app.count("cases").await, 1);
    let c = send("另一个请求").await;
    assert_eq!(c.status, StatusCode::CONFLICT);
    assert_eq!(c.json()["code"], "idempotency.mismatch");
});

on_both_engines!(
    stale_version_and_bad_actions_are_refused,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let started = start_request(&app, &mishu, "版本").await;
        let case_id = started["case_id"].as_i64().unwrap();
        let task = open_task(&started);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/complete"),
                &kezhang,
                Some(json!({"decision": "同意", "version": 99})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert_eq!(res.json()["code"], "flow.stale");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/complete"),
                &kezhang,
                Some(json!({"decision": "批准"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.json()["detail"]
                .as_str()
                .unwrap()
                .contains("不是本环节可选的决定")
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/complete"),
                &mishu,
                Some(json!({"decision": "同意"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/return"),
                &kezhang,
                Some(json!({"opinion": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Nothing was written by the refusals.
        assert_eq!(
            app.scalar(&format!("select version from cases where id = {case_id}"))
                .await,
            1
        );
        assert_eq!(app.events_of("flow.task_completed").await, 0);
        // Withdraw by the sender while the 科长 has not acted: it comes back to the 秘书.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/cases/{case_id}/actions"),
                &mishu,
                Some(json!({"action": "withdraw", "task": 1})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["open_tasks"][0]["step"], "draft");
        // Urging a finished task is refused; urging an open one reaches the holder.
        let again = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{}/complete", open_task(&res.json())),
                &mishu,
                Some(json!({})),
            )
            .await
            .json();
        let open = open_task(&again);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{open}/urge"),
                &mishu,
                Some(json!({"message": "请今天办理"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let urged = app
            .api("GET", "/api/v1/tasks?queue=urged", &kezhang, None)
            .await
            .json();
        assert_eq!(urged.as_array().unwrap().len(), 1);
        // The holder does not urge itself, through the API either (the page offers no button).
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{open}/urge"),
                &kezhang,
                Some(json!({"message": "提醒自己"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/urge"),
                &mishu,
                Some(json!({"message": "x"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
    }
);

on_both_engines!(
    proxy_acts_for_the_principal_and_handover_moves_work,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let started = start_request(&app, &mishu, "委托").await;
        let task = open_task(&started);
        // The 科长 is away: the 主任's post may act for it this week.
        let zhuren_post = app.post_of("zhuren").await;
        let now = app.clock.now();
        let res = app
        .api("POST", "/api/v1/proxies", &kezhang, Some(json!({"proxy_post_id": zhuren_post, "starts_at": now - TimeDelta::hours(1), "ends_at": now + TimeDelta::days(7), "reason": "出差"})))
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let todo = app
            .api("GET", "/api/v1/tasks?queue=todo", &zhuren, None)
            .await
            .json();
        assert!(
            todo.as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == task && t["on_behalf_of"].is_string())
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/complete"),
                &zhuren,
                Some(json!({"decision": "同意", "opinion": "代科长审核"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let acted_by = app
            .scalar(&format!(
                "select acted_by_post_id from tasks where id = {task}"
            ))
            .await;
        assert_eq!(acted_by, zhuren_post);
        // Handover: all pending work of the 主任's post goes to another post of the office.
        let other = app.scalar(&format!("select id from posts where unit_id = (select unit_id from posts where id = {zhuren_post}) and id <> {zhuren_post} order by id limit 1")).await;
        // Administrators act signed in (no token carries an administrator's scope).
        app.login_as("sysadmin").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/handover",
                Some(json!({"from": zhuren_post, "to": other})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["moved"], 1);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from tasks where post_id = {other} and state = 'open'"
            ))
            .await,
            1
        );
        assert_eq!(app.events_of("flow.handover").await, 1);
        // Staff may not hand over.
        let res = app
            .api(
                "POST",
                "/api/v1/handover",
                &mishu,
                Some(json!({"from": other, "to": zhuren_post})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

/// Two real servers on one PostgreSQL database with 40 timers due: the first is killed while it
/// works; every timer has its effect exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_one_effect_per_timer() {
    let Some(app) = TestApp::spawn(crate::support::Engine::Postgres).await else {
        return;
    };
    let url = app.postgres_url().unwrap();
    let mishu = app.token_for("mishu", &SCOPES).await;
    for i in 0..10 {
        start_request(&app, &mishu, &format!("双机定时 {i}")).await;
    }
    // Make every timer due now (the servers run on the real clock).
    app.scalar("with u as (update jobs set due_at = 0 returning 1) select count(*) from u")
        .await;
    let due = app
        .scalar("select count(*) from jobs where status = 'pending'")
        .await;
    // Each step's and each case's first rung; the others are armed as these fall.
    assert!(due >= 20, "{due}");
    let bin = env!("CARGO_BIN_EXE_xiaoneng");
    let server = |port: u16| {
        std::process::Command::new(bin)
            .args([
                "serve",
                "--database-url",
                &url,
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .env("XIAONENG_SEAL_KEY", "00112233445566778899aabbccddeeff")
            .env("XIAONENG_TIMER_LEASE_SECS", "2")
            .env("XIAONENG_TIMER_POLL_MS", "50")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut a = server(free_port());
    // Kill A as soon as it has given some effects (or after 20 s at most).
    for _ in 0..400 {
        if app
            .scalar("select count(*) from jobs where status <> 'pending'")
            .await
            > 0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    a.kill().unwrap();
    a.wait().unwrap();
    let mut b = server(free_port());
    let mut c = server(free_port());
    // The rungs armed as others fell fall at their own instants on the real clock: wait for
    // every timer due by now.
    let due_now = "select count(*) from jobs where status = 'pending'
                   and due_at <= (extract(epoch from clock_timestamp()) * 1000)::bigint";
    for _ in 0..600 {
        if app.scalar(due_now).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    b.kill().unwrap();
    c.kill().unwrap();
    let _ = (b.wait(), c.wait());
    assert_eq!(app.scalar(due_now).await, 0);
    // One event per timer that had an effect, none twice.
    let effects = app.scalar("select count(*) from events where kind in ('flow.due_soon', 'flow.yellow_card', 'flow.red_card')").await;
    let done = app
        .scalar("select count(*) from jobs where status = 'done'")
        .await;
    assert_eq!(effects, done);
    assert_eq!(app.scalar("select count(*) from (select job_id, post_id from cards group by job_id, post_id having count(*) > 1) d").await, 0);
}

const FANOUT: &str = r#"
key = "fanout_test"
name = "分送测试"
item_kind = "internal"

[[steps]]
id = "draft"
name = "拟稿"
kind = "start"
next = "send"

[[steps]]
id = "send"
name = "分送各县"
kind = "fanout"
child_process = "fanout_child_test"
recipients_field = "units"
next = "end"

[[steps]]
id = "end"
name = "结束"
kind = "end"
"#;

const FANOUT_CHILD: &str = r#"
key = "fanout_child_test"
name = "收文办理（测试）"
item_kind = "internal"

[[steps]]
id = "receive"
name = "登记"
kind = "start"
next = "handle"

[[steps]]
id = "handle"
name = "办理"
kind = "task"
assignee = { rule = "position", position = "secretary", unit = { from = "case" } }
deadline_days = 3
next = "end"

[[steps]]
id = "end"
name = "结束"
kind = "end"
"#;

on_both_engines!(
    fanout_spawns_one_child_per_unit_and_hears_back,
    |app: TestApp| async move {
        let now = crate::support::start_time();
        app.services()
            .install_process("fanout_child_test.toml", FANOUT_CHILD, now)
            .await
            .unwrap();
        app.services()
            .install_process("fanout_test.toml", FANOUT, now)
            .await
            .unwrap();
        let qinghe_unit = app.scalar("select p.unit_id from posts p join persons pe on pe.id = p.person_id where pe.login = 'qinghe.mishu'").await;
        let other_unit = app
            .scalar(&format!(
                "select p.unit_id from posts p join positions pos on pos.id = p.position_id
         where pos.code = 'secretary' and p.unit_id <> {qinghe_unit} order by p.id desc limit 1"
            ))
            .await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let res = app
        .api("POST", "/api/v1/cases", &mishu, Some(json!({"process": "fanout_test", "title": "关于报送材料的通知", "fields": {"units": [qinghe_unit, other_unit]}})))
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let parent = res.json()["case_id"].as_i64().unwrap();
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cases where parent_case_id = {parent}"
            ))
            .await,
            2
        );
        // The county's secretary finds the child in 待办 and handles it.
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let todo = app
            .api("GET", "/api/v1/tasks?queue=todo", &qinghe, None)
            .await
            .json();
        let child_task = todo
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"].as_str().unwrap().contains("关于报送材料的通知"))
            .unwrap()
            .clone();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{}/complete", child_task["id"]),
                &qinghe,
                Some(json!({"decision": "同意", "opinion": "已按要求报送"})),
            )
            .await;
        assert_eq!(res.json()["status"], "closed", "{}", res.body);
        assert_eq!(app.scalar(&format!("select count(*) from events where kind = 'flow.child_reported' and subject = 'case:{parent}'")).await, 1);
        assert_eq!(
            app.text(&format!("select status from cases where id = {parent}"))
                .await,
            "running"
        );
        // The other county answers too: the parent closes.
        let other_child = app
            .scalar(&format!(
                "select id from cases where parent_case_id = {parent} and unit_id = {other_unit}"
            ))
            .await;
        let other_task = app
            .scalar(&format!(
                "select id from tasks where case_id = {other_child} and state = 'open'"
            ))
            .await;
        let holder = app.text(&format!("select pe.login from tasks t join posts p on p.id = t.post_id join persons pe on pe.id = p.person_id where t.id = {other_task}")).await;
        let token = app.token_for(&holder, &SCOPES).await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{other_task}/complete"),
                &token,
                Some(json!({})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            app.text(&format!("select status from cases where id = {parent}"))
                .await,
            "closed"
        );
    }
);

on_both_engines!(
    a_unit_overrides_a_process_and_running_cases_keep_theirs,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let before = start_request(&app, &mishu, "旧版本").await["case_id"]
            .as_i64()
            .unwrap();
        let office = app.scalar("select u.parent_id from posts p join persons pe on pe.id = p.person_id join units u on u.id = p.unit_id where pe.login = 'mishu'").await;
        let admin = app.token_for("sysadmin", &["org.read", "flow.admin"]).await;
        let source = include_str!("../../../../processes/internal_request.toml")
            .replace("name = \"科长审核\"", "name = \"科长初审\"");
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": source})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let after = start_request(&app, &mishu, "新版本").await["case_id"]
            .as_i64()
            .unwrap();
        assert_eq!(
            app.text(&format!(
                "select step_name from tasks where case_id = {before} and step_id = 'check'"
            ))
            .await,
            "科长审核"
        );
        assert_eq!(
            app.text(&format!(
                "select step_name from tasks where case_id = {after} and step_id = 'check'"
            ))
            .await,
            "科长初审"
        );
        // A definition that does not validate names the step and the problem.
        let bad = source.replace("next = \"route\"", "next = \"nowhere\"");
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": bad})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let detail = res.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.contains("check") && detail.contains("nowhere"),
            "{detail}"
        );
        // Staff may not.
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &mishu,
                Some(json!({"unit_id": office, "source": source})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);
