//! 签到, 纪要 and 议定事项 end to end, around the 2026 中秋 and 国庆 holidays: the city office's
//! 秘书 books a meeting for Thursday 24 September and sends its notice; the 秘书长 asks leave
//! and is granted it; on the day the office shows the code, the 常务副市长 signs in with it
//! before the start, the 市长 types a code three minutes old and is refused (expired) and then
//! signs in late with the current one, someone not on the meeting is refused, the staff sign a
//! bureau's head in for the 列席 bureau, and the county 主任 never comes (absent when the meeting
//! ends); the attendance downloads as a workbook. The 秘书 then drafts the 纪要 with three
//! 议定事项 — the 出席, 请假 and 列席 lists filled from the sign-ins — and it goes through 核稿,
//! 签发, 复核, 登记, 印制 and 核发 (印发) on Monday 28 September; its three decisions become
//! three supervision items in one step, their deadlines counted in working days across the
//! 国庆 holiday, linked both ways, found by the ledger's meeting filter; a 补发 of the minutes
//! opens nothing more.

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

/// Moves the test clock to a Beijing wall-clock time.
fn set_clock(app: &TestApp, beijing: &str) {
    let target: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{beijing}:00+08:00"))
        .unwrap()
        .with_timezone(&Utc);
    let now = app.state.clock.now();
    app.clock.advance(target - now);
}

/// The first city bureau with an active post, and its most senior post.
async fn bureau(app: &TestApp) -> (i64, i64) {
    let unit = app
        .scalar(
            "select u.id from units u where u.kind = 'bureau' and exists
             (select 1 from posts p where p.unit_id = u.id and p.active = 1) order by u.id limit 1",
        )
        .await;
    let post = app
        .scalar(&format!(
            "select p.id from posts p join positions q on q.id = p.position_id
             where p.unit_id = {unit} and p.active = 1 order by q.rank, p.id limit 1"
        ))
        .await;
    (unit, post)
}

async fn api_ok(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
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

on_both_engines!(
    a_held_meeting_is_signed_in_by_code_minuted_and_its_decisions_followed_in_supervision,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        set_clock(&app, "2026-09-21T10:00");
        let office = app.unit_id("东川市人民政府办公室").await;
        let qinghe = app.unit_id("清河县人民政府").await;
        let (bureau_unit, bureau_head) = bureau(&app).await;
        let mayor = leader(&app, "市长").await;
        let executive = leader(&app, "常务副市长").await;
        let secretary_general = leader(&app, "秘书长").await;
        let county = app.post_of("qinghe.zhuren").await;
        let mayor_t = app.token_for(&login_of(&app, mayor).await, &SCOPES).await;
        let executive_t = app
            .token_for(&login_of(&app, executive).await, &SCOPES)
            .await;
        let sg_t = app
            .token_for(&login_of(&app, secretary_general).await, &SCOPES)
            .await;
        let outsider_t = app
            .token_for(&login_of(&app, leader(&app, "副市长").await).await, &SCOPES)
            .await;

        // Booked and notified.
        let room = api_ok(
            &app,
            "POST",
            "/api/v1/meetings/rooms",
            &t.mishu,
            Some(json!({"name": "第一会议室", "capacity": 40})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let kind = app
            .scalar("select id from meeting_kinds where name = '专题会议'")
            .await;
        let id = api_ok(
            &app,
            "POST",
            "/api/v1/meetings",
            &t.mishu,
            Some(json!({
                "kind_id": kind, "title": "防汛抗旱专题会议", "organiser_unit_id": office,
                "chair_post_id": mayor,
                "starts_at": "2026-09-24 09:00", "ends_at": "2026-09-24 11:00", "room_id": room,
                "attend_posts": [executive, secretary_general],
                "observe_posts": [county],
                "observe_units": [bureau_unit],
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/notice"),
            &t.mishu,
            Some(json!({"body": "定于9月24日上午9时召开防汛抗旱专题会议。",
                        "reply_by": "2026-09-23 17:00"})),
        )
        .await;
        // The 秘书长 asks leave; the 秘书 grants it.
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/replies"),
            &sg_t,
            Some(json!({"answer": "leave", "reason": "赴省里参加会议"})),
        )
        .await;
        let table = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/replies"),
            &t.mishu,
            None,
        )
        .await;
        let leave_row = table["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["post_id"] == secretary_general)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/replies/{leave_row}/leave"),
            &t.mishu,
            Some(json!({"decision": "approve"})),
        )
        .await;

        // Too early: sign-in opens an hour before the start.
        set_clock(&app, "2026-09-24T07:30");
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/checkin/code"),
                &t.mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("会前一小时"), "{}", res.body);

        // On the day: the screen's code; only the office may show it.
        set_clock(&app, "2026-09-24T08:40");
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/checkin/code"),
                &executive_t,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let screen = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/checkin/code"),
            &t.mishu,
            None,
        )
        .await;
        let code = screen["code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 6);
        assert_eq!(screen["expected"], 3, "on leave is not expected: {screen}");
        let page = app.get(&format!("/meetings/{id}/checkin/screen")).await;
        // (no session: the page asks to sign in)
        assert_ne!(page.status, StatusCode::OK);

        // The screen in the room shows it large and reloads itself every minute.
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}/checkin/screen")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&code), "{}", page.body);
        assert!(
            page.body.contains("http-equiv=\"refresh\""),
            "{}",
            page.body
        );
        // The 常务副市长 signs in on a phone, before the start.
        app.login_as(&login_of(&app, executive).await).await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(page.body.contains("id=\"checkin-link\""), "{}", page.body);
        let form = app.get(&format!("/meetings/{id}/checkin")).await;
        assert!(form.body.contains("checkin-code-input"), "{}", form.body);
        let res = app
            .post_form(
                &format!("/meetings/{id}/checkin"),
                &[("code", code.as_str())],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("签到成功"), "{}", res.body);
        let att = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/attendance"),
            &executive_t,
            None,
        )
        .await;
        assert_eq!(att["mine"]["status"], "present", "{att}");

        // The staff sign the bureau's head in for the 列席 bureau.
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/checkin/staff"),
            &t.mishu,
            Some(json!({"post_id": bureau_head})),
        )
        .await;

        // Someone not on the meeting is refused, with nothing written.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/checkin"),
                &outsider_t,
                Some(json!({"code": code})),
            )
            .await;
        assert!(
            res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND,
            "{}",
            res.body
        );

        // Three minutes later the code is expired: refused in words; a wrong one is wrong.
        set_clock(&app, "2026-09-24T09:03");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/checkin"),
                &mayor_t,
                Some(json!({"code": code})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.checkin_code_expired");
        assert!(res.body.contains("签到码已过期"), "{}", res.body);
        let wrong = if code == "000000" { "000001" } else { "000000" };
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/checkin"),
                &mayor_t,
                Some(json!({"code": wrong})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("签到码不正确"), "{}", res.body);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from meeting_signins where meeting_id = {id}"
            ))
            .await,
            2
        );
        // With the current code the 市长 signs in, after the start: late.
        let fresh = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/checkin/code"),
            &t.mishu,
            None,
        )
        .await;
        let out = api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/checkin"),
            &mayor_t,
            Some(json!({"code": fresh["code"]})),
        )
        .await;
        assert_eq!(out["status"], "late", "{out}");
        assert!(out["message"].as_str().unwrap().contains("迟到"));

        // The meeting is held and ended: the county 主任 never came.
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/advance"),
            &t.mishu,
            None,
        )
        .await;
        set_clock(&app, "2026-09-24T11:05");
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/advance"),
            &t.mishu,
            None,
        )
        .await;
        let att = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/attendance"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(
            (
                &att["present"],
                &att["late"],
                &att["absent"],
                &att["leave"],
                &att["waiting"]
            ),
            (&json!(2), &json!(1), &json!(1), &json!(1), &json!(0)),
            "{att}"
        );
        let absent = att["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["post_id"] == county)
            .unwrap();
        assert_eq!(absent["status_label"], "缺席");
        // Sign-in is closed once it ended.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/checkin/staff"),
                &t.mishu,
                Some(json!({"post_id": county})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let xlsx = app
            .api_raw(&format!("/api/v1/meetings/{id}/attendance/xlsx"), &t.mishu)
            .await;
        assert!(xlsx.starts_with(b"PK"), "a workbook is a zip");

        // The 纪要 with three decisions.
        set_clock(&app, "2026-09-24T15:00");
        let minutes_doc = api_ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/minutes"),
            &t.mishu,
            Some(json!({"decisions": [
                {"text": "修订城区防汛应急预案", "lead_unit": bureau_unit,
                 "assist_units": [qinghe], "deadline_days": 5},
                {"text": "完成清河县水库除险加固", "lead_unit": qinghe, "deadline_days": 10},
                {"text": "开展汛后检查并报送总结", "lead_unit": bureau_unit,
                 "deadline": "2026-10-30"},
            ]})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/minutes"),
                &t.mishu,
                Some(json!({})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "drafted once: {}",
            res.body
        );
        let part = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/minutes"),
            &t.mishu,
            None,
        )
        .await;
        let m = &part["minutes"];
        let joined = |k: &str| {
            m[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("、")
        };
        let name = |post: i64| {
            let app = &app;
            async move {
                app.text(&format!(
                    "select pe.name from posts p join persons pe on pe.id = p.person_id where p.id = {post}"
                ))
                .await
            }
        };
        assert!(joined("attend").contains(&name(mayor).await), "{m}");
        assert!(joined("attend").contains(&name(executive).await), "{m}");
        assert!(
            joined("leave").contains(&name(secretary_general).await),
            "{m}"
        );
        assert!(joined("observe").contains(&name(bureau_head).await), "{m}");
        assert!(
            !joined("observe").contains(&name(county).await),
            "absent: {m}"
        );
        let doc = api_ok(
            &app,
            "GET",
            &format!("/api/v1/documents/{minutes_doc}"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(doc["kind"], "minutes", "{doc}");
        assert_eq!(doc["format"], "minutes");
        assert_eq!(doc["seal"], false);
        assert!(doc["title"].as_str().unwrap().ends_with("纪要"));
        let body = doc.to_string();
        assert!(body.contains("修订城区防汛应急预案"), "{body}");
        assert!(body.contains("牵头单位"), "{body}");
        assert_eq!(part["decisions"].as_array().unwrap().len(), 3);
        assert!(part["decisions"][0]["item"].is_null());

        // Through the documents process; 印发 (核发) on Monday 28 September.
        let signer = app.post_of("zhuren").await;
        let case = api_ok(
            &app,
            "POST",
            &format!("/api/v1/documents/{minutes_doc}/submit"),
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
        assert_eq!(
            app.scalar("select count(*) from supervision_items where source_kind = 'meeting'")
                .await,
            0,
            "nothing before 印发"
        );
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;

        // Three items, deadlines in working days across 国庆 (1–7 October, 10 October worked).
        let part = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/minutes"),
            &t.mishu,
            None,
        )
        .await;
        let deadlines: Vec<&str> = part["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["item"]["deadline"].as_str().unwrap())
            .collect();
        assert_eq!(
            deadlines,
            ["2026-10-10", "2026-10-16", "2026-10-30"],
            "{part}"
        );
        assert_eq!(part["decisions"][0]["item"]["state_label"], "待签收");
        assert_eq!(
            app.scalar("select count(*) from supervision_items where source_kind = 'meeting'")
                .await,
            3
        );
        let meeting = api_ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(meeting["meeting"]["status_label"], "纪要已印发");
        // Linked both ways: the item names the meeting; the ledger filters by it.
        let item_id = part["decisions"][1]["item"]["id"].as_i64().unwrap();
        let item = api_ok(
            &app,
            "GET",
            &format!("/api/v1/supervision/{item_id}"),
            &t.zhuren,
            None,
        )
        .await;
        assert_eq!(item["source_meeting"][0], id, "{item}");
        assert_eq!(item["source_label"], "会议议定事项");
        assert_eq!(item["lead_unit"].as_str().unwrap(), "清河县政府");
        let ledger = api_ok(
            &app,
            "GET",
            &format!("/api/v1/supervision?meeting={id}"),
            &t.zhuren,
            None,
        )
        .await;
        assert_eq!(ledger["total"], 3, "{ledger}");
        let other = api_ok(
            &app,
            "GET",
            &format!("/api/v1/supervision?meeting={}", id + 1000),
            &t.zhuren,
            None,
        )
        .await;
        assert_eq!(other["total"], 0);

        // A second 印发 opens nothing: the 核发 task is done (none left in the 待办), and a 补发
        // of the minutes to another unit adds no item.
        assert!(app.task_of(&t.wenshu, case).await.is_none());
        let liulin = app.unit_id("柳林县人民政府").await;
        api_ok(
            &app,
            "POST",
            &format!("/api/v1/documents/{minutes_doc}/resend"),
            &t.wenshu,
            Some(json!({"units": [liulin]})),
        )
        .await;
        assert_eq!(
            app.scalar("select count(*) from supervision_items where source_kind = 'meeting'")
                .await,
            3
        );
        assert_eq!(app.events_of("meeting.minutes_issued").await, 1);
        // The decisions no longer change once issued.
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/meetings/{id}/decisions"),
                &t.mishu,
                Some(json!({"decisions": []})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        // The meeting's page shows each decision's item; the item's page names the meeting.
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("decision-item-link"), "{}", page.body);
        assert!(page.body.contains(&format!("/supervision?meeting={id}")));
        app.login_as("zhuren").await;
        let page = app.get(&format!("/supervision/{item_id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"source-meeting\""), "{}", page.body);
        let ledger = app.get(&format!("/supervision?meeting={id}")).await;
        assert_eq!(ledger.status, StatusCode::OK);
        assert!(
            ledger.body.contains("完成清河县水库除险加固"),
            "{}",
            ledger.body
        );
    }
);
