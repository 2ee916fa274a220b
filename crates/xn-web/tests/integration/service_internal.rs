//! 内部办事 and the 催办通知书 and 通报, on both engines: a car asked for at 10:00 on a working
//! Thursday is due at 15:30 (four working hours of 09:00–12:00 and 13:30–17:30); it goes round
//! the same loop to the office's 后勤, never to a bureau, and the one who asked rates it; an
//! answer after 15:30 is late; a bureau's staff cannot ask, nor a public category be asked for
//! internally, nor an internal one publicly. A request unanswered past its limit draws a
//! 催办通知书 at 09:00 of the next working day and a 通报 five working days later; one answered
//! in time draws none; an approved 延期 moves both.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Res, TestApp, bj, set_clock};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn category(app: &TestApp, name: &str) -> i64 {
    app.scalar(&format!(
        "select id from service_categories where name = '{name}'"
    ))
    .await
}

fn ok(res: &Res) {
    assert!(
        res.status == StatusCode::NO_CONTENT || res.status == StatusCode::OK,
        "{} {}",
        res.status,
        res.body
    );
}

async fn apply(app: &TestApp, token: &str, cat: &str, text: &str) -> Res {
    let cat = category(app, cat).await;
    app.api(
        "POST",
        "/api/v1/service/internal",
        token,
        Some(json!({"category": cat, "location": "市政府大院东门", "description": text})),
    )
    .await
}

async fn step(app: &TestApp, token: &str, id: i64, action: &str, body: Option<Value>) {
    let res = app
        .api(
            "POST",
            &format!("/api/v1/service/requests/{id}/{action}"),
            token,
            body,
        )
        .await;
    ok(&res);
}

async fn state_of(app: &TestApp, id: i64) -> String {
    app.text(&format!(
        "select state from service_requests where id = {id}"
    ))
    .await
}

/// Accepted by the city office's 秘书 and dispatched to `lead`, who signs.
async fn dispatched(app: &TestApp, mishu: &str, id: i64, lead_login: &str, lead: &str) {
    step(app, mishu, id, "accept", None).await;
    let post = app.post_of(lead_login).await;
    step(
        app,
        mishu,
        id,
        "dispatch",
        Some(json!({"lead_post": post, "note": "请办理"})),
    )
    .await;
    step(app, lead, id, "sign", None).await;
}

/// The detail of the latest `service.closed` event.
async fn closed_detail(app: &TestApp) -> Value {
    let detail = app
        .text("select detail from events where kind = 'service.closed' order by id desc limit 1")
        .await;
    serde_json::from_str(&detail).unwrap()
}

async fn answered(app: &TestApp, mishu: &str, lead: &str, id: i64, text: &str) {
    step(app, lead, id, "answer", Some(json!({"answer": text}))).await;
    step(app, mishu, id, "review", Some(json!({"approve": true}))).await;
}

on_both_engines!(
    a_car_asked_for_at_ten_is_due_at_half_past_three_and_goes_round_the_same_loop,
    |app: TestApp| async move {
        // Thursday 2026-11-26 10:00.
        set_clock(&app, "2026-11-26 10:00");
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let houqin = app.token_for("houqin", &SCOPES).await;
        let res = apply(
            &app,
            &kezhang,
            "用车",
            "明天上午陪同市长到清河县调研，需小车一辆。",
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.text(&format!(
                "select channel from service_requests where id = {id}"
            ))
            .await,
            "internal"
        );
        // The dispatchers were told.
        let told = app
            .scalar(&format!(
                "select count(*) from notifications where kind = 'service.applied' and subject = 'service:{id}'"
            ))
            .await;
        assert!(told >= 1, "{told}");

        step(&app, &mishu, id, "accept", None).await;
        // 10:00–12:00 and 13:30–15:30: four working hours.
        assert_eq!(
            app.text(&format!(
                "select deadline from service_requests where id = {id}"
            ))
            .await,
            "2026-11-26"
        );
        assert_eq!(
            app.scalar(&format!(
                "select deadline_at from service_requests where id = {id}"
            ))
            .await,
            bj("2026-11-26 15:30").timestamp_millis()
        );
        let d = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{id}"),
                &mishu,
                None,
            )
            .await
            .json();
        assert_eq!(d["line"]["deadline"], "2026-11-26 15:30");
        assert_eq!(d["line"]["channel"], "内部办事");
        assert_eq!(d["internal"], true);
        // The dispatch options are the office's own posts, 后勤 suggested.
        let options = d["dispatch_options"].as_array().unwrap();
        assert!(!options.is_empty());
        assert!(options[0]["suggested"].as_bool().unwrap(), "{options:?}");
        assert!(
            options[0]["label"].as_str().unwrap().contains("后勤"),
            "{options:?}"
        );
        assert!(
            options
                .iter()
                .all(|o| !o["label"].as_str().unwrap().contains("县")),
            "no county post: {options:?}"
        );
        // Not with an assisting unit, and not to a county's post.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/dispatch"),
                &mishu,
                Some(json!({"lead_post": app.post_of("houqin").await,
                            "assists": [app.unit_id("清河县人民政府").await]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let county = app.post_of("qinghe.mishu").await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/dispatch"),
                &mishu,
                Some(json!({"lead_post": county})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("内务、后勤"), "{}", res.body);
        let houqin_post = app.post_of("houqin").await;
        step(
            &app,
            &mishu,
            id,
            "dispatch",
            Some(json!({"lead_post": houqin_post})),
        )
        .await;
        // The one who asked reads it; nobody else in the office does.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{id}"),
                &kezhang,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let wenshu = app.token_for("wenshu", &SCOPES).await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{id}"),
                &wenshu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // Colleagues do not find it in their lists either.
        let listed = app
            .api("GET", "/api/v1/service/requests?tab=all", &wenshu, None)
            .await
            .json();
        assert!(
            listed["lines"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["id"] != id),
            "{listed}"
        );
        step(&app, &houqin, id, "sign", None).await;
        set_clock(&app, "2026-11-26 14:00");
        answered(
            &app,
            &mishu,
            &houqin,
            id,
            "已安排车辆，明早 7:50 在大院东门等候。",
        )
        .await;
        assert_eq!(state_of(&app, id).await, "visiting");
        // Only the one who asked rates it.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{id}/rating"),
                &houqin,
                Some(json!({"result": "satisfied"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        step(
            &app,
            &kezhang,
            id,
            "rating",
            Some(json!({"result": "satisfied"})),
        )
        .await;
        assert_eq!(state_of(&app, id).await, "closed");
        assert_eq!(
            app.text(&format!(
                "select outcome from service_requests where id = {id}"
            ))
            .await,
            "satisfied"
        );
        assert_eq!(
            app.text(&format!(
                "select via from service_visits where request_id = {id}"
            ))
            .await,
            "requester"
        );
        // In time; not counted as the public's satisfaction.
        let last = closed_detail(&app).await;
        assert_eq!(last["late"], false, "{last}");
        let mine = app
            .api(
                "GET",
                "/api/v1/service/requests?tab=applied",
                &kezhang,
                None,
            )
            .await
            .json();
        assert_eq!(mine["lines"].as_array().unwrap().len(), 1);

        // A second car answered at 15:31 is late by the instant, though on the same day.
        set_clock(&app, "2026-11-26 10:00");
        let res = apply(&app, &kezhang, "用车", "下午送文件到市委大院，需小车一辆。").await;
        let late = res.json()["id"].as_i64().unwrap();
        dispatched(&app, &mishu, late, "houqin", &houqin).await;
        set_clock(&app, "2026-11-26 15:31");
        answered(
            &app,
            &mishu,
            &houqin,
            late,
            "已安排车辆，现已出发送达文件。",
        )
        .await;
        step(
            &app,
            &kezhang,
            late,
            "rating",
            Some(json!({"result": "basically"})),
        )
        .await;
        let last = closed_detail(&app).await;
        assert_eq!(last["late"], true, "{last}");

        // A bureau's staff has an office of its own: refused, nothing stored.
        let before = app.count("service_requests").await;
        let bureau = app
            .text(
                "select pe.login from persons pe join posts p on p.person_id = pe.id
                 join units s on s.id = p.unit_id join units b on b.id = s.parent_id
                 where b.kind = 'bureau' order by p.id limit 1",
            )
            .await;
        let bureau = app.token_for(&bureau, &SCOPES).await;
        let res = apply(&app, &bureau, "维修", "办公室空调不制冷，请派人检修。").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        // A public category is not asked for internally…
        let res = apply(&app, &kezhang, "投诉", "小区门口的排水沟堵塞多日。").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("service_requests").await, before);
        // …nor an internal one on the public form or by registration.
        let cat = category(&app, "用车").await;
        let res = app
            .api(
                "POST",
                "/api/v1/service/requests",
                &mishu,
                Some(json!({"channel": "phone", "category": cat, "name": "张三",
                            "description": "需要一辆车去开会，请安排。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/service/requests",
                &mishu,
                Some(
                    json!({"channel": "internal", "category": category(&app, "咨询").await,
                            "name": "张三", "description": "需要一辆车去开会，请安排。"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("service_requests").await, before);
        let public = app.get("/api/v1/service/categories").await.json();
        assert!(
            public
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["name"] != "用车"),
            "{public}"
        );

        // A staff member's request and the public's are never merged, either way.
        let res = app
            .api(
                "POST",
                "/api/v1/service/requests",
                &mishu,
                Some(
                    json!({"channel": "phone", "category": category(&app, "咨询").await,
                            "name": "张三", "description": "请问居住证在哪里办理？谢谢。"}),
                ),
            )
            .await;
        let public = res.json()["id"].as_i64().unwrap();
        let res = apply(&app, &kezhang, "用车", "周五下午到市委开会，需小车一辆。").await;
        let car = res.json()["id"].as_i64().unwrap();
        step(&app, &mishu, car, "accept", None).await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{public}/merge"),
                &mishu,
                Some(json!({"into": car})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let d = app
            .api(
                "GET",
                &format!("/api/v1/service/requests/{public}"),
                &mishu,
                None,
            )
            .await
            .json();
        assert!(
            d["merge_targets"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t[0] != car),
            "{d}"
        );

        // A county's office asks its own office.
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let res = apply(&app, &qinghe, "维修", "秘书股打印机卡纸，请派人维修。").await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.scalar(&format!(
                "select government_id from service_requests where id = {id}"
            ))
            .await,
            app.unit_id("清河县人民政府").await
        );
    }
);

/// Runs the timers that are due at a Beijing time.
async fn timers_at(app: &TestApp, s: &str) {
    set_clock(app, s);
    app.services()
        .run_due_timers("test", bj(s), TimeDelta::seconds(30), 500)
        .await
        .unwrap();
}

async fn urges(app: &TestApp, id: i64) -> Vec<String> {
    app.texts(&format!(
        "select kind from service_urges where request_id = {id} order by id"
    ))
    .await
}

/// A public request, submitted at the clock's time.
async fn public_request(app: &TestApp, from: &str, text: &str) -> i64 {
    let mut req = Request::builder()
        .method("GET")
        .uri("/api/v1/service/public/challenge")
        .body(Body::empty())
        .unwrap();
    let addr: SocketAddr = format!("{from}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let c = app.send(req).await.json();
    let q = c["question"].as_str().unwrap().to_owned();
    let (a, rest) = q.split_once(" + ").unwrap();
    let sum: i64 =
        a.parse::<i64>().unwrap() + rest.trim_end_matches(" = ?").parse::<i64>().unwrap();
    let cat = category(app, "咨询").await;
    let body = json!({"category": cat, "name": "李四", "phone": "13912345678",
        "location": "清河县城关镇", "description": text, "challenge": c["token"],
        "answer": sum.to_string()});
    let mut req = Request::builder()
        .method("POST")
        .uri("/api/v1/service/public/requests")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let code = res.json()["code"].as_str().unwrap().to_owned();
    app.scalar(&format!(
        "select id from service_requests where code = '{code}'"
    ))
    .await
}

on_both_engines!(
    a_late_request_draws_a_notice_the_next_working_day_and_a_bulletin_five_days_later,
    |app: TestApp| async move {
        set_clock(&app, "2026-11-26 10:00");
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        // Three 咨询 received Thursday 11-26: due Tuesday 12-01 (11-27, 11-30, 12-01).
        let late = public_request(&app, "10.1.0.1", "请问办理居住证需要哪些材料？").await;
        let prompt = public_request(&app, "10.1.0.2", "请问孩子上小学的报名时间？").await;
        let extended = public_request(&app, "10.1.0.3", "请问老年卡在哪里办理？").await;
        for id in [late, prompt, extended] {
            dispatched(&app, &mishu, id, "qinghe.mishu", &qinghe).await;
            assert_eq!(
                app.text(&format!(
                    "select deadline from service_requests where id = {id}"
                ))
                .await,
                "2026-12-01"
            );
        }
        // A request accepted before the 催办 timers existed (as after an upgrade) is given them
        // at the next start, once.
        app.exec(&format!(
            "delete from jobs where kind = 'service_deadline'
             and case_id = (select case_id from service_requests where id = {late})"
        ))
        .await;
        assert_eq!(app.services().arm_missing_service_urges().await.unwrap(), 1);
        assert_eq!(app.services().arm_missing_service_urges().await.unwrap(), 0);
        set_clock(&app, "2026-11-30 10:00");
        answered(
            &app,
            &mishu,
            &qinghe,
            prompt,
            "居住证可在户籍所在地派出所办理。",
        )
        .await;
        step(
            &app,
            &qinghe,
            extended,
            "extensions",
            Some(json!({"days": 2, "reason": "需到社保中心核实"})),
        )
        .await;
        step(
            &app,
            &mishu,
            extended,
            "extensions/decision",
            Some(json!({"approve": true})),
        )
        .await;
        assert_eq!(
            app.text(&format!(
                "select deadline from service_requests where id = {extended}"
            ))
            .await,
            "2026-12-03"
        );

        // The day after the deadline, before the office opens: nothing yet.
        timers_at(&app, "2026-12-02 08:59").await;
        assert!(urges(&app, late).await.is_empty());
        timers_at(&app, "2026-12-02 09:00").await;
        assert_eq!(urges(&app, late).await, ["notice"]);
        assert!(urges(&app, prompt).await.is_empty(), "answered in time");
        assert!(urges(&app, extended).await.is_empty(), "its limit moved");
        let body = app
            .text(&format!(
                "select body from service_urges where request_id = {late}"
            ))
            .await;
        assert!(body.starts_with("催办通知书"), "{body}");
        assert!(
            body.contains("清河县") && body.contains("2026-12-01"),
            "{body}"
        );
        assert!(body.contains("已超期1个工作日"), "{body}");
        let told = app
            .scalar(&format!(
                "select count(*) from notifications where kind = 'service.urge_notice'
                 and subject = 'service:{late}' and post_id = {}",
                app.post_of("qinghe.mishu").await
            ))
            .await;
        assert_eq!(told, 1);
        // Running again changes nothing.
        timers_at(&app, "2026-12-02 09:05").await;
        assert_eq!(urges(&app, late).await, ["notice"]);

        // The extended one falls due after its own limit (12-03): notice on 12-04.
        timers_at(&app, "2026-12-04 09:00").await;
        assert_eq!(urges(&app, extended).await, ["notice"]);
        // A second 延期 approved after that notice: its new limit (12-07) draws a notice of its
        // own when it passes too, and the 通报 of the old limit does not fall.
        set_clock(&app, "2026-12-04 10:00");
        step(
            &app,
            &qinghe,
            extended,
            "extensions",
            Some(json!({"days": 2, "reason": "社保中心系统升级"})),
        )
        .await;
        step(
            &app,
            &mishu,
            extended,
            "extensions/decision",
            Some(json!({"approve": true})),
        )
        .await;
        assert_eq!(
            app.text(&format!(
                "select deadline from service_requests where id = {extended}"
            ))
            .await,
            "2026-12-07"
        );

        // Five working days after 12-02 (12-03, 04, 07, 08, 09): the 通报.
        timers_at(&app, "2026-12-08 17:00").await;
        assert_eq!(urges(&app, late).await, ["notice"]);
        assert_eq!(urges(&app, extended).await, ["notice", "notice"]);
        timers_at(&app, "2026-12-09 09:00").await;
        assert_eq!(urges(&app, late).await, ["notice", "bulletin"]);
        let body = app
            .text(&format!(
                "select body from service_urges where request_id = {late} and kind = 'bulletin'"
            ))
            .await;
        assert!(body.contains("通报"), "{body}");
        assert!(body.contains("2026-12-02已发出催办通知书"), "{body}");
        assert!(body.contains("已超期6个工作日"), "{body}");

        // The 通报 shows on the request's page and the 催办通报 list; the answer ends it.
        app.login_as("mishu").await;
        let page = app.get(&format!("/affairs/{late}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("催办通知书与通报"), "{}", page.body);
        let list = app
            .api("GET", "/api/v1/service/requests?tab=urged", &mishu, None)
            .await
            .json();
        let ids: Vec<i64> = list["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        assert!(
            ids.contains(&late) && ids.contains(&extended) && !ids.contains(&prompt),
            "{ids:?}"
        );
        answered(
            &app,
            &mishu,
            &qinghe,
            extended,
            "老年卡可在社保中心窗口办理。",
        )
        .await;
        timers_at(&app, "2026-12-14 09:00").await;
        assert_eq!(
            urges(&app, extended).await,
            ["notice", "notice"],
            "answered before its 通报"
        );
    }
);
