//! 办事与服务 end to end, on both engines: a 投诉 received the day before 国庆 is due on the 13th
//! working day after it; only an approved 延期 moves the deadline; a 退单 returns the request
//! to the dispatchers and counts against the unit; a first 不满意 sends it back for 重办 and a
//! second closes it as 不满意; two duplicates merged keep both requesters informed; the public
//! tracking shows no staff names and no other requester's data; the public form is throttled
//! per address with nothing of the throttled stored, and script in its fields is stored and
//! shown escaped.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Res, TestApp};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// A public API request from an address.
async fn public(app: &TestApp, method: &str, path: &str, from: &str, body: Option<Value>) -> Res {
    let mut b = Request::builder().method(method).uri(path);
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut req = b.body(body).unwrap();
    let addr: SocketAddr = format!("{from}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    app.send(req).await
}

/// A challenge and its answer, as a person reads it.
async fn challenge(app: &TestApp, from: &str) -> (String, String) {
    let res = public(app, "GET", "/api/v1/service/public/challenge", from, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c = res.json();
    let q = c["question"].as_str().unwrap().to_owned();
    let (a, rest) = q.split_once(" + ").unwrap();
    let b = rest.trim_end_matches(" = ?");
    let sum: i64 = a.parse::<i64>().unwrap() + b.parse::<i64>().unwrap();
    (c["token"].as_str().unwrap().to_owned(), sum.to_string())
}

async fn category(app: &TestApp, name: &str) -> i64 {
    app.scalar(&format!(
        "select id from service_categories where name = '{name}'"
    ))
    .await
}

/// Submits on the public form: the answer (201 with the code, or the refusal).
async fn submit(app: &TestApp, from: &str, cat: &str, name: &str, phone: &str, text: &str) -> Res {
    let (token, answer) = challenge(app, from).await;
    let cat = category(app, cat).await;
    public(
        app,
        "POST",
        "/api/v1/service/public/requests",
        from,
        Some(json!({"category": cat, "name": name, "phone": phone,
                    "location": "清河县城关镇人民路", "description": text,
                    "challenge": token, "answer": answer})),
    )
    .await
}

async fn id_of(app: &TestApp, code: &str) -> i64 {
    app.scalar(&format!(
        "select id from service_requests where code = '{code}'"
    ))
    .await
}

async fn ok(res: Res) -> Res {
    assert!(
        res.status == StatusCode::NO_CONTENT || res.status == StatusCode::OK,
        "{} {}",
        res.status,
        res.body
    );
    res
}

async fn state_of(app: &TestApp, id: i64) -> String {
    app.text(&format!(
        "select state from service_requests where id = {id}"
    ))
    .await
}

async fn deadline_of(app: &TestApp, id: i64) -> String {
    app.text(&format!(
        "select deadline from service_requests where id = {id}"
    ))
    .await
}

/// Accepted by the city office's 秘书 and dispatched to 清河县's office 秘书 (who signs).
async fn to_qinghe(app: &TestApp, mishu: &str, qinghe: &str, id: i64) {
    ok(app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/accept"),
            mishu,
            None,
        )
        .await)
    .await;
    let lead = app.post_of("qinghe.mishu").await;
    ok(app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/dispatch"),
            mishu,
            Some(json!({"lead_post": lead, "note": "请清河县办理"})),
        )
        .await)
    .await;
    assert_eq!(state_of(app, id).await, "signing");
    ok(app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/sign"),
            qinghe,
            None,
        )
        .await)
    .await;
    assert_eq!(state_of(app, id).await, "handling");
}

/// The county answers and the city office approves the answer.
async fn answered(app: &TestApp, mishu: &str, qinghe: &str, id: i64, text: &str) {
    ok(app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/answer"),
            qinghe,
            Some(json!({"answer": text})),
        )
        .await)
    .await;
    assert_eq!(state_of(app, id).await, "reviewing");
    ok(app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/review"),
            mishu,
            Some(json!({"approve": true})),
        )
        .await)
    .await;
}

on_both_engines!(
    a_complaint_before_national_day_is_due_on_the_13th_working_day_and_only_an_approved_extension_moves_it,
    |app: TestApp| async move {
        // 2026-09-30 10:00 Beijing, the day before 国庆.
        app.clock.advance(Duration::days(-57));
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let res = submit(&app, "10.0.0.1", "投诉", "张三丰", "13812345678",
            "小区门口的排水沟堵塞多日，雨天积水严重，请尽快疏通。").await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = id_of(&app, res.json()["code"].as_str().unwrap()).await;
        assert_eq!(app.text(&format!("select received_on from service_requests where id = {id}")).await, "2026-09-30");
        to_qinghe(&app, &mishu, &qinghe, id).await;
        // 国庆 2026-10-01…07 are holidays and Saturday 2026-10-10 a working day: the 13 working
        // days after 09-30 are 10-08, 09, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23.
        assert_eq!(deadline_of(&app, id).await, "2026-10-23");

        // Only the lead post asks; the dispatcher's refusal leaves the deadline alone.
        let other = app.token_for("qinghe.wenshu", &SCOPES).await;
        let ask = json!({"days": 5, "reason": "需协调供水部门现场勘查"});
        let res = app.api("POST", &format!("/api/v1/service/requests/{id}/extensions"), &other, Some(ask.clone())).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        ok(app.api("POST", &format!("/api/v1/service/requests/{id}/extensions"), &qinghe, Some(ask.clone())).await).await;
        let res = app.api("POST", &format!("/api/v1/service/requests/{id}/extensions"), &qinghe, Some(ask.clone())).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "one pending at a time: {}", res.body);
        ok(app.api("POST", &format!("/api/v1/service/requests/{id}/extensions/decision"), &mishu,
            Some(json!({"approve": false, "note": "时限内可以完成"}))).await).await;
        assert_eq!(deadline_of(&app, id).await, "2026-10-23", "a refused 延期 does not move it");
        // The county cannot approve its own.
        ok(app.api("POST", &format!("/api/v1/service/requests/{id}/extensions"), &qinghe, Some(ask)).await).await;
        let res = app.api("POST", &format!("/api/v1/service/requests/{id}/extensions/decision"), &qinghe,
            Some(json!({"approve": true}))).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(deadline_of(&app, id).await, "2026-10-23", "an unapproved 延期 does not move it");
        ok(app.api("POST", &format!("/api/v1/service/requests/{id}/extensions/decision"), &mishu,
            Some(json!({"approve": true}))).await).await;
        // Five working days after 10-23: 10-26 … 10-30.
        assert_eq!(deadline_of(&app, id).await, "2026-10-30");
        let d = app.api("GET", &format!("/api/v1/service/requests/{id}"), &mishu, None).await.json();
        assert_eq!(d["line"]["deadline"], "2026-10-30");
        assert_eq!(d["extensions"].as_array().unwrap().len(), 2);

        // Past the deadline the ladder shows on the list: 2026-11-05 is 4 working days late.
        app.clock.advance(Duration::days(36));
        let list = app.api("GET", "/api/v1/service/requests?tab=overdue", &mishu, None).await.json();
        let line = list["lines"].as_array().unwrap().iter().find(|l| l["id"] == id).unwrap().clone();
        assert_eq!(line["standing"], "红牌");
        assert_eq!(line["requester"], "张**");
        assert_eq!(line["phone"], "138****5678");
    }
);

on_both_engines!(
    a_return_goes_back_to_the_dispatcher_and_counts_against_the_unit,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let cat = category(&app, "求助").await;
        let res = app
            .api(
                "POST",
                "/api/v1/service/requests",
                &mishu,
                Some(json!({
            "channel": "phone", "category": cat, "name": "李四", "phone": "0571-88123456",
            "location": "清河县", "description": "家中老人独居行动不便，申请社区上门帮扶。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        // The county's 秘书 is no dispatcher of the city's requests.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/accept"),
                &qinghe,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/accept"),
                &mishu,
                None,
            )
            .await)
        .await;
        let lead = app.post_of("qinghe.mishu").await;
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/dispatch"),
                &mishu,
                Some(json!({"lead_post": lead})),
            )
            .await)
        .await;
        let qinghe_gov = app.unit_id("清河县人民政府").await;
        assert_eq!(
            app.scalar(&format!(
                "select lead_unit_id from service_requests where id = {id}"
            ))
            .await,
            qinghe_gov
        );
        // A return needs its reason: refused, nothing written.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/return"),
                &qinghe,
                Some(json!({"reason": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("service_returns").await, 0);
        assert_eq!(state_of(&app, id).await, "signing");
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/return"),
                &qinghe,
                Some(json!({"reason": "属民政部门职责，不属县政府办"})),
            )
            .await)
        .await;
        assert_eq!(state_of(&app, id).await, "dispatching");
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from service_returns where unit_id = {qinghe_gov}"
            ))
            .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from service_requests where id = {id} and lead_unit_id is null"
            ))
            .await,
            1
        );
        // Back at the dispatcher, who sees the count against the county when dispatching.
        let d = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{id}"),
                &mishu,
                None,
            )
            .await
            .json();
        assert_eq!(d["can_dispatch"], true);
        let load = d["loads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["unit_id"] == qinghe_gov)
            .unwrap()
            .clone();
        assert_eq!(load["returns"], 1);
        let listed = app
            .api("GET", "/api/v1/service/requests?tab=returned", &mishu, None)
            .await
            .json();
        assert!(
            listed["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == id)
        );
        // The county no longer reads it.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{id}"),
                &qinghe,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        // 派单 through the generic case door is refused: the lead post is chosen on the area's form.
        let case = app
            .scalar(&format!(
                "select case_id from service_requests where id = {id}"
            ))
            .await;
        let res = app.complete(&mishu, case, "派单", "", json!({})).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(state_of(&app, id).await, "dispatching");
    }
);

on_both_engines!(
    unsatisfied_once_sends_it_back_and_twice_closes_it_unsatisfied,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let res = submit(
            &app,
            "10.0.0.2",
            "建议",
            "王五",
            "13900001111",
            "建议在清河县城关镇增设公交站台，方便群众出行。",
        )
        .await;
        let id = id_of(&app, res.json()["code"].as_str().unwrap()).await;
        to_qinghe(&app, &mishu, &qinghe, id).await;
        // The open step is on the efficiency backlog through the area registry alone.
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let backlog = app
            .api(
                "GET",
                "/api/v1/efficiency/backlog?area=service",
                &zhuren,
                None,
            )
            .await;
        assert_eq!(backlog.status, StatusCode::OK, "{}", backlog.body);
        assert!(
            backlog.body.contains("服务事项") && backlog.body.contains("承办"),
            "{}",
            backlog.body
        );
        answered(
            &app,
            &mishu,
            &qinghe,
            id,
            "已与公交公司对接，拟于下月增设站台。",
        )
        .await;
        assert_eq!(state_of(&app, id).await, "visiting");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/visit"),
                &mishu,
                Some(json!({"result": "unsatisfied"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is needed: {}",
            res.body
        );
        assert_eq!(app.count("service_visits").await, 0);
        app.clock.advance(Duration::days(1));
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/visit"),
                &mishu,
                Some(json!({"result": "unsatisfied", "reason": "只是拟增设，没有时间表"})),
            )
            .await)
        .await;
        assert_eq!(state_of(&app, id).await, "handling", "重办");
        assert_eq!(
            app.scalar(&format!(
                "select reworks from service_requests where id = {id}"
            ))
            .await,
            1
        );
        // The new limit: 13 working days from 2026-11-27.
        assert_eq!(deadline_of(&app, id).await, "2026-12-16");
        let listed = app
            .api(
                "GET",
                "/api/v1/service/requests?tab=reworked",
                &qinghe,
                None,
            )
            .await
            .json();
        assert!(
            listed["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == id)
        );
        answered(
            &app,
            &mishu,
            &qinghe,
            id,
            "站台已列入十二月施工计划，12 月 20 日前完工。",
        )
        .await;
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/visit"),
                &mishu,
                Some(json!({"result": "unsatisfied", "reason": "仍不满意"})),
            )
            .await)
        .await;
        assert_eq!(state_of(&app, id).await, "closed");
        assert_eq!(
            app.text(&format!(
                "select outcome from service_requests where id = {id}"
            ))
            .await,
            "unsatisfied"
        );
        assert_eq!(app.scalar(&format!(
            "select count(*) from service_visits where request_id = {id} and result = 'unsatisfied'")).await, 2);
        assert_eq!(
            app.scalar(&format!(
                "select reworks from service_requests where id = {id}"
            ))
            .await,
            1
        );
    }
);

on_both_engines!(
    merged_duplicates_keep_both_requesters_informed_and_tracking_names_no_staff,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let a = submit(
            &app,
            "10.0.0.3",
            "求助",
            "赵甲",
            "13700000001",
            "人民路路灯损坏多日，夜间出行不安全。",
        )
        .await
        .json()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let b = submit(
            &app,
            "10.0.0.4",
            "求助",
            "钱乙",
            "13700000002",
            "人民路南段路灯不亮，请修复。",
        )
        .await
        .json()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let (ia, ib) = (id_of(&app, &a).await, id_of(&app, &b).await);
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{ia}/accept"),
                &mishu,
                None,
            )
            .await)
        .await;
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{ib}/merge"),
                &mishu,
                Some(json!({"into": ia})),
            )
            .await)
        .await;
        assert_eq!(state_of(&app, ib).await, "merged");
        let lead = app.post_of("qinghe.mishu").await;
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{ia}/dispatch"),
                &mishu,
                Some(json!({"lead_post": lead})),
            )
            .await)
        .await;
        ok(app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{ia}/sign"),
                &qinghe,
                None,
            )
            .await)
        .await;
        answered(
            &app,
            &mishu,
            &qinghe,
            ia,
            "路灯已于今日修复，感谢您的反映。",
        )
        .await;

        let track = |code: String, phone: &'static str| {
            let app = &app;
            async move {
                public(
                    app,
                    "GET",
                    &format!("/api/v1/service/public/requests/{code}?phone={phone}"),
                    "10.0.0.9",
                    None,
                )
                .await
            }
        };
        let ta = track(a.clone(), "13700000001").await;
        let tb = track(b.clone(), "13700000002").await;
        assert_eq!(ta.status, StatusCode::OK, "{}", ta.body);
        assert_eq!(tb.status, StatusCode::OK, "{}", tb.body);
        assert_eq!(ta.json()["answer"], "路灯已于今日修复，感谢您的反映。");
        assert_eq!(tb.json()["answer"], "路灯已于今日修复，感谢您的反映。");
        assert_eq!(tb.json()["merged"], true);
        // No staff names, nobody else's data.
        let staff: Vec<String> = vec![
            app.text("select pe.name from persons pe where pe.login = 'mishu'")
                .await,
            app.text("select pe.name from persons pe where pe.login = 'qinghe.mishu'")
                .await,
        ];
        for t in [&ta.body, &tb.body] {
            for s in &staff {
                assert!(!t.contains(s.as_str()), "{s} in {t}");
            }
        }
        assert!(
            !tb.body.contains("赵甲") && !tb.body.contains("13700000001"),
            "{}",
            tb.body
        );
        assert!(
            !ta.body.contains("钱乙") && !ta.body.contains("13700000002"),
            "{}",
            ta.body
        );
        // The code with another phone, or a made-up code: not found.
        let res = track(b.clone(), "13700000001").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = track("ABCDE-FGHJK".into(), "13700000001").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        // The tracking page, too.
        let page = app
            .get(&format!("/public/service/track?code={a}&phone=13700000001"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        for s in &staff {
            assert!(!page.body.contains(s.as_str()));
        }
        assert!(page.body.contains("路灯已于今日修复"));
        // The first requester rates it: closed, and the second reads it closed too.
        let res = public(
            &app,
            "POST",
            &format!("/api/v1/service/public/requests/{a}/rating"),
            "10.0.0.3",
            Some(json!({"phone": "13700000001", "result": "satisfied"})),
        )
        .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(state_of(&app, ia).await, "closed");
        assert_eq!(
            app.text(&format!(
                "select outcome from service_requests where id = {ia}"
            ))
            .await,
            "satisfied"
        );
        let tb = track(b, "13700000002").await.json();
        assert_eq!(tb["state"], "已办结");
        assert!(
            tb["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["step"] == "已办结")
        );
    }
);

on_both_engines!(
    the_public_form_is_throttled_per_address_and_script_is_stored_and_shown_escaped,
    |app: TestApp| async move {
        let limit = app
            .services()
            .settings()
            .service_public
            .per_address_per_minute;
        let mut created = 0;
        let mut throttled = 0;
        for i in 0..100 {
            let res = submit(
                &app,
                "10.1.1.1",
                "咨询",
                "孙丙",
                &format!("1380000{i:04}"),
                "请问办理居住证需要哪些材料？",
            )
            .await;
            match res.status {
                StatusCode::CREATED => created += 1,
                StatusCode::TOO_MANY_REQUESTS => throttled += 1,
                s => panic!("{s} {}", res.body),
            }
        }
        assert_eq!(created, limit);
        assert_eq!(throttled, 100 - limit);
        assert_eq!(
            app.count("service_requests").await,
            i64::from(limit),
            "none of the throttled is stored"
        );
        // A wrong answer to the challenge stores nothing either.
        let (token, _) = challenge(&app, "10.1.1.2").await;
        let cat = category(&app, "咨询").await;
        let res = public(
            &app,
            "POST",
            "/api/v1/service/public/requests",
            "10.1.1.2",
            Some(json!({
            "category": cat, "name": "周丁", "phone": "13611112222",
            "description": "请问办理居住证需要哪些材料？", "challenge": token, "answer": "999"})),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("service_requests").await, i64::from(limit));

        // Script in every field: the phone is refused as not a number; elsewhere it is stored
        // as written and shown escaped.
        let script = "<script>alert(1)</script>";
        let res = submit(
            &app,
            "10.1.1.3",
            "咨询",
            "<script>x</script>",
            script,
            script,
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let (token, answer) = challenge(&app, "10.1.1.3").await;
        let res = public(&app, "POST", "/api/v1/service/public/requests", "10.1.1.3", Some(json!({
            "category": cat, "name": "<script>x</script>", "phone": "13611113333", "location": script,
            "description": format!("{script}{script}"), "challenge": token, "answer": answer}))).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = id_of(&app, res.json()["code"].as_str().unwrap()).await;
        assert_eq!(
            app.text(&format!(
                "select location from service_requests where id = {id}"
            ))
            .await,
            script
        );
        app.login_as("mishu").await;
        for path in [format!("/affairs/{id}"), "/affairs?tab=accept".to_owned()] {
            let page = app.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(!page.body.contains("<script>alert"), "{path}");
            assert!(
                page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                    || page.body.contains("&#60;script&#62;"),
                "{path}"
            );
        }
    }
);

on_both_engines!(
    the_demo_makes_a_year_of_requests_and_the_office_s_own_through_the_services,
    |app: TestApp| async move {
        let made = app
            .services()
            .load_demo_service(crate::support::start_time())
            .await
            .unwrap();
        assert!(made >= 40, "{made}");
        assert_eq!(
            app.count("service_requests").await,
            i64::try_from(made).unwrap()
        );
        assert!(
            app.scalar("select count(distinct category_id) from service_requests")
                .await
                >= 5
        );
        for (what, sql) in [
            (
                "closed",
                "select count(*) from service_requests where state = 'closed'",
            ),
            (
                "open",
                "select count(*) from service_requests where state in ('signing', 'handling', 'reviewing', 'visiting')",
            ),
            (
                "late",
                "select count(*) from service_requests where answered_on > deadline",
            ),
            ("returned", "select count(*) from service_returns"),
            (
                "reworked",
                "select count(*) from service_requests where reworks > 0",
            ),
            (
                "extended",
                "select count(*) from service_extensions where state = 'approved'",
            ),
            (
                "rated by the requester",
                "select count(*) from service_visits where via = 'requester'",
            ),
            (
                "a year ago",
                "select count(*) from service_requests where received_on < '2026-01-31'",
            ),
            (
                "internal and closed",
                "select count(*) from service_requests where channel = 'internal' and state = 'closed'",
            ),
            (
                "internal and late",
                "select count(*) from service_requests where channel = 'internal' and answered_at > deadline_at",
            ),
            (
                "satisfied",
                "select count(*) from service_visits where result = 'satisfied'",
            ),
        ] {
            assert!(app.scalar(sql).await > 0, "no {what} request in the demo");
        }
    }
);
