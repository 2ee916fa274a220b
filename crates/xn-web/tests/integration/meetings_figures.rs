//! 会议效能 by hand: in September 2026 the city office holds two meetings — a 专题会议 planned
//! 09:00–11:00, opened at 09:10 and closed at 11:30 (140 minutes), with the 市长 late, the
//! 常务副市长 on time, the 秘书长 on leave and the county 主任 absent; and a 工作会议 planned
//! 14:00–15:00, opened early at 13:55 (counted from 14:00) and closed at 14:45 (45 minutes),
//! both its posts signed in — and a third is cancelled. A topic is carried over. So September
//! reads: 2 held, 93 against 90 minutes on average, 4 of 6 signed in (66.7%), 1 of 6 on leave
//! (16.7%; the city government 1 of 5, the county office 0 of 1), 1 topic carried over. The
//! 专题会议's 纪要 gives two 议定事项 due in October: one closed on its deadline day, one still
//! open after its deadline — October reads 1 of 2 on time. The months are stored when they end
//! (by the efficiency area's closing); September stored does not move when its facts change,
//! and the page says the recount differs. The page and the API show the meetings behind it.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::documents::tokens;
use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn leader(app: &TestApp, title: &str) -> i64 {
    app.scalar(&format!(
        "select id from posts where title = '{title}' order by id limit 1"
    ))
    .await
}

async fn login_of(app: &TestApp, post: i64) -> String {
    app.text(&format!(
        "select pe.login from posts p join persons pe on pe.id = p.person_id where p.id = {post}"
    ))
    .await
}

fn bj(beijing: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{beijing}:00+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn set_clock(app: &TestApp, beijing: &str) {
    let now = app.state.clock.now();
    app.clock.advance(bj(beijing) - now);
}

async fn ok(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let res = app.api(method, path, token, body).await;
    assert!(
        res.status.is_success(),
        "{method} {path}: {} {}",
        res.status,
        res.body
    );
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

/// The holder of a supervision item's open step takes it on the item's page, in the post that
/// holds it.
async fn item_step(app: &TestApp, item: i64, path: &str, text: &str) {
    let post = app
        .scalar(&format!(
            "select t.post_id from tasks t join supervision_items i on i.case_id = t.case_id
             where i.id = {item} and t.state = 'open' order by t.id limit 1"
        ))
        .await;
    app.login_as(&login_of(app, post).await).await;
    app.post_form("/session/post", &[("post_id", &post.to_string())])
        .await;
    let res = app
        .post_form(
            &format!("/supervision/{item}/{path}"),
            &[("text", text), ("decision", "accept")],
        )
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{path}: {} {}",
        res.status,
        res.body
    );
    app.forget_cookies();
}

on_both_engines!(
    an_offices_month_of_meetings_is_counted_by_hand_stored_when_it_ends_and_shown_with_its_meetings,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        set_clock(&app, "2026-09-21T10:00");
        let office = app.unit_id("东川市人民政府办公室").await;
        let qinghe = app.unit_id("清河县人民政府").await;
        let mayor = leader(&app, "市长").await;
        let executive = leader(&app, "常务副市长").await;
        let sg = leader(&app, "秘书长").await;
        let county = app.post_of("qinghe.zhuren").await;
        let token_of = |post: i64| {
            let app = &app;
            async move { app.token_for(&login_of(app, post).await, &SCOPES).await }
        };
        let mayor_t = token_of(mayor).await;
        let executive_t = token_of(executive).await;
        let sg_t = token_of(sg).await;
        let (bureau_unit, bureau_head) = {
            let unit = app
                .scalar(
                    "select u.id from units u where u.kind = 'bureau' and exists
                     (select 1 from posts p where p.unit_id = u.id and p.active = 1)
                     order by u.id limit 1",
                )
                .await;
            let post = app
                .scalar(&format!(
                    "select p.id from posts p join positions q on q.id = p.position_id
                     where p.unit_id = {unit} and p.active = 1 order by q.rank, p.id limit 1"
                ))
                .await;
            (unit, post)
        };
        let bureau_t = token_of(bureau_head).await;

        let room = ok(
            &app,
            "POST",
            "/api/v1/meetings/rooms",
            &t.mishu,
            Some(json!({"name": "效能测试会议室", "capacity": 40})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let kind = |name: &str| {
            let app = &app;
            let sql = format!("select id from meeting_kinds where name = '{name}'");
            async move { app.scalar(&sql).await }
        };
        let a = ok(&app, "POST", "/api/v1/meetings", &t.mishu, Some(json!({
            "kind_id": kind("专题会议").await, "title": "防汛抗旱专题会议", "organiser_unit_id": office,
            "chair_post_id": mayor, "starts_at": "2026-09-24 09:00", "ends_at": "2026-09-24 11:00",
            "room_id": room, "attend_posts": [executive, sg], "observe_posts": [county],
        }))).await["id"].as_i64().unwrap();
        let b = ok(
            &app,
            "POST",
            "/api/v1/meetings",
            &t.mishu,
            Some(json!({
                "kind_id": kind("工作会议").await, "title": "秋季安全生产工作会议",
                "organiser_unit_id": office, "chair_post_id": executive,
                "starts_at": "2026-09-25 14:00", "ends_at": "2026-09-25 15:00", "room_id": room,
                "attend_posts": [sg],
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let c = ok(
            &app,
            "POST",
            "/api/v1/meetings",
            &t.mishu,
            Some(json!({
                "kind_id": kind("工作会议").await, "title": "已取消的调度会议",
                "organiser_unit_id": office, "chair_post_id": executive,
                "starts_at": "2026-09-29 09:00", "ends_at": "2026-09-29 10:00", "room_id": room,
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{c}/cancel"),
            &t.mishu,
            Some(json!({"reason": "改期另行通知"})),
        )
        .await;
        for (id, by) in [(a, "2026-09-23 17:00"), (b, "2026-09-24 17:00")] {
            ok(
                &app,
                "POST",
                &format!("/api/v1/meetings/{id}/notice"),
                &t.mishu,
                Some(json!({"body": "请准时参加。", "reply_by": by})),
            )
            .await;
        }
        // The 秘书长 asks leave from the 专题会议 and is granted it.
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/replies"),
            &sg_t,
            Some(json!({"answer": "leave", "reason": "赴省里参加会议"})),
        )
        .await;
        let table = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{a}/replies"),
            &t.mishu,
            None,
        )
        .await;
        let row = table["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["post_id"] == sg)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/replies/{row}/leave"),
            &t.mishu,
            Some(json!({"decision": "approve"})),
        )
        .await;

        // A topic for the 工作会议, screened and then carried over.
        let topic = ok(
            &app,
            "POST",
            "/api/v1/meetings/topics",
            &bureau_t,
            Some(json!({
                "meeting_id": b, "title": "关于危化品仓储整治的议题", "reporter": "局长",
                "request": "审议整治方案", "minutes": 20,
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/meetings/topics/{topic}/materials?name=%E6%B1%87%E6%8A%A5.txt"),
                &bureau_t,
                "整治方案".as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/topics/{topic}/screen"),
            &t.mishu,
            Some(json!({"decision": "accept"})),
        )
        .await;

        // The 专题会议: the 常务副市长 on time, the 市长 late, opened 09:10, closed 11:30.
        set_clock(&app, "2026-09-24T08:40");
        let code = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{a}/checkin/code"),
            &t.mishu,
            None,
        )
        .await["code"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/checkin"),
            &executive_t,
            Some(json!({"code": code})),
        )
        .await;
        set_clock(&app, "2026-09-24T09:05");
        let code = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{a}/checkin/code"),
            &t.mishu,
            None,
        )
        .await["code"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/checkin"),
            &mayor_t,
            Some(json!({"code": code})),
        )
        .await;
        set_clock(&app, "2026-09-24T09:10");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/advance"),
            &t.mishu,
            None,
        )
        .await;
        set_clock(&app, "2026-09-24T11:30");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{a}/advance"),
            &t.mishu,
            None,
        )
        .await;

        // The 工作会议: both signed in by the staff; opened early, closed early.
        set_clock(&app, "2026-09-25T13:50");
        for post in [executive, sg] {
            ok(
                &app,
                "POST",
                &format!("/api/v1/meetings/{b}/checkin/staff"),
                &t.mishu,
                Some(json!({"post_id": post})),
            )
            .await;
        }
        set_clock(&app, "2026-09-25T13:55");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{b}/advance"),
            &t.mishu,
            None,
        )
        .await;
        set_clock(&app, "2026-09-25T14:45");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{b}/advance"),
            &t.mishu,
            None,
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/topics/{topic}/defer"),
            &t.mishu,
            Some(json!({"reason": "会议时间所限"})),
        )
        .await;

        // The running month is counted at each reading.
        let f = ok(&app, "GET", "/api/v1/meetings/figures", &t.mishu, None).await;
        assert_eq!(f["month"], "2026-09");
        assert_eq!(f["running"], true);
        let s = &f["figures"];
        assert_eq!(s["meetings_held"], 2, "{f}");
        assert_eq!(
            (&s["planned_minutes"], &s["actual_minutes"]),
            (&json!(180), &json!(185))
        );
        assert_eq!(
            (&s["avg_planned_minutes"], &s["avg_actual_minutes"]),
            (&json!(90), &json!(93))
        );
        assert_eq!(
            (&s["expected"], &s["signed_in"], &s["on_leave"]),
            (&json!(6), &json!(4), &json!(1))
        );
        assert_eq!(s["attendance_rate"], "66.7%");
        assert_eq!(s["leave_rate"], "16.7%");
        assert_eq!(s["topics_carried"], 1);
        assert_eq!(s["decisions_due"], 0);
        assert_eq!(s["on_time_rate"], "—");
        let units: Vec<(i64, i64)> = s["leave_by_unit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["expected"].as_i64().unwrap(),
                    u["on_leave"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(units.iter().map(|u| u.0).sum::<i64>(), 6, "{s}");
        assert!(
            units.contains(&(5, 1)) && units.contains(&(1, 0)),
            "{units:?}"
        );
        // The meetings behind it: the cancelled one is not among them.
        let held = f["held"].as_array().unwrap();
        assert_eq!(held.len(), 2);
        assert_eq!(held[0]["meeting_id"], a);
        assert_eq!(
            (&held[0]["actual_minutes"], &held[0]["planned_minutes"]),
            (&json!(140), &json!(120))
        );
        assert_eq!(held[0]["actual"], "09:10—11:30");
        assert_eq!(
            (&held[1]["actual_minutes"], &held[1]["actual"]),
            (&json!(45), &json!("14:00—14:45"))
        );
        assert_eq!(f["carried"][0]["topic_id"], topic);

        // The minutes of the 专题会议: two decisions due in October, issued on 28 September.
        set_clock(&app, "2026-09-25T16:00");
        let doc = ok(&app, "POST", &format!("/api/v1/meetings/{a}/minutes"), &t.mishu, Some(json!({
            "decisions": [
                {"text": "修订城区防汛应急预案", "lead_unit": bureau_unit, "deadline": "2026-10-16"},
                {"text": "完成清河县水库除险加固", "lead_unit": qinghe, "deadline": "2026-10-20"},
            ]}))).await["id"].as_i64().unwrap();
        let signer = app.post_of("zhuren").await;
        let case = ok(
            &app,
            "POST",
            &format!("/api/v1/documents/{doc}/submit"),
            &t.mishu,
            Some(json!({"signoff_post": signer})),
        )
        .await["case_id"]
            .as_i64()
            .unwrap();
        app.complete_ok(&t.kezhang, case, "同意", "核稿无误", json!({}))
            .await;
        app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        set_clock(&app, "2026-09-28T10:00");
        app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;
        let items: Vec<i64> = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{a}/minutes"),
            &t.mishu,
            None,
        )
        .await["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["item"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(items.len(), 2);

        // October: the first is signed for, done and closed on its deadline day.
        set_clock(&app, "2026-10-09T09:00");
        item_step(&app, items[0], "sign", "已签收").await;
        item_step(&app, items[1], "sign", "已签收").await;
        set_clock(&app, "2026-10-15T10:00");
        item_step(&app, items[0], "report", "预案修订稿已征求各方意见").await;
        set_clock(&app, "2026-10-16T10:00");
        item_step(&app, items[0], "apply", "预案已修订印发").await;
        set_clock(&app, "2026-10-16T16:00");
        item_step(&app, items[0], "review", "同意销号").await;
        assert_eq!(
            app.text(&format!(
                "select state from supervision_items where id = {}",
                items[0]
            ))
            .await,
            "closed"
        );

        // At the turn of the months the efficiency closing stores September, then October.
        assert_eq!(
            app.count("meeting_figure_months").await,
            0,
            "nothing closed yet"
        );
        set_clock(&app, "2026-11-02T09:00");
        app.services()
            .efficiency()
            .close_periods(bj("2026-11-02T09:00"))
            .await
            .unwrap();
        assert_eq!(
            app.texts("select month from meeting_figure_months order by month")
                .await,
            ["2026-09", "2026-10"]
        );
        assert_eq!(
            app.services()
                .meetings()
                .close_figure_months(bj("2026-11-02T09:00"))
                .await
                .unwrap(),
            0,
            "a second closing stores nothing"
        );
        let oct = ok(
            &app,
            "GET",
            "/api/v1/meetings/figures?month=2026-10",
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(oct["running"], false);
        assert!(oct["stored_at"].is_string(), "{oct}");
        assert_eq!(
            (
                &oct["figures"]["decisions_due"],
                &oct["figures"]["decisions_on_time"]
            ),
            (&json!(2), &json!(1))
        );
        assert_eq!(oct["figures"]["on_time_rate"], "50.0%");
        assert_eq!(oct["figures"]["meetings_held"], 0);
        let labels: Vec<&str> = oct["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status_label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["按期办结", "逾期未办结"]);
        let stored = app.scalar(&format!(
            "select signed_in from meeting_figures where month = '2026-09' and office_id = {office}")).await;
        assert_eq!(stored, 4);

        // History does not move: a sign-in changed afterwards leaves September as stored, and
        // the page says the recount differs.
        app.exec(&format!(
            "update meeting_signins set status = 'present', method = 'staff', signed_at = recorded_at
             where meeting_id = {a} and post_id = {county}")).await;
        let sep = ok(
            &app,
            "GET",
            "/api/v1/meetings/figures?month=2026-09",
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(sep["figures"]["signed_in"], 4);
        assert_eq!(sep["recount"]["signed_in"], 5, "{sep}");

        // The page, with its meetings, for the office; refused to a bureau.
        app.login_as("mishu").await;
        let hub = app.get("/meetings").await;
        assert!(hub.body.contains("id=\"figures-link\""), "{}", hub.body);
        let page = app.get("/meetings/figures?month=2026-09").await;
        assert_eq!(page.status, StatusCode::OK);
        for want in [
            "66.7%",
            "16.7%",
            "防汛抗旱专题会议",
            "09:10—11:30",
            "id=\"differs\"",
            "关于危化品仓储整治的议题",
            &format!("/meetings/{a}"),
        ] {
            assert!(page.body.contains(want), "{want}: {}", page.body);
        }
        assert!(!page.body.contains("已取消的调度会议"));
        let page = app.get("/meetings/figures?month=2026-10").await;
        assert!(
            page.body.contains("逾期未办结") && page.body.contains("50.0%"),
            "{}",
            page.body
        );
        let page = app.get("/meetings/figures?month=九月").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("月份"), "{}", page.body);
        let res = app
            .api(
                "GET",
                "/api/v1/meetings/figures?month=2026-13",
                &t.mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api("GET", "/api/v1/meetings/figures", &bureau_t, None)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
);
