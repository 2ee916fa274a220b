//! 议题, 议程 and 会议申请 end to end. The city office's 秘书 books a 秘密 常务会议 for Thursday
//! 3 December 2026; the 市教育局's 局长 submits a topic for it (会签 by a second bureau, a third
//! bureau's 局长 to sit in for it only) and another for "the next 常务会议", each with its
//! material. A county office cannot screen them; the city's 秘书 cannot pass the first as
//! 材料齐全 while its 会签 is missing, and can once the second bureau agrees. The 秘书 may not
//! approve the agenda; the office's 主任 is refused one whose second topic runs past the end
//! (the topic and the end named), and approves one that fits. The topic's 列席 is invited for
//! that topic only: the notice names it and its time, and that 局长 opens that topic's material
//! but not the other's; the 常务副市长 (出席) opens it and the reading is recorded. The meeting
//! is held; the second topic is carried over (counted) and goes on a later meeting's agenda;
//! the first one's material is withdrawn from the attendees (the office still reads it); the
//! 纪要 drafted from the agenda names each topic with its 汇报单位 and 请求事项. Then 会议申请:
//! a bureau asks for a meeting; the 秘书 and a county cannot decide it; the 主任 approves it and
//! the meeting is booked (筹备中); another is declined, with its reason.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::documents::tokens;
use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn login_of(app: &TestApp, post: i64) -> String {
    app.text(&format!(
        "select pe.login from posts p join persons pe on pe.id = p.person_id where p.id = {post}"
    ))
    .await
}

async fn leader(app: &TestApp, title: &str) -> i64 {
    app.scalar(&format!(
        "select id from posts where title = '{title}' order by id limit 1"
    ))
    .await
}

fn set_clock(app: &TestApp, beijing: &str) {
    let target: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{beijing}:00+08:00"))
        .unwrap()
        .with_timezone(&Utc);
    let now = app.state.clock.now();
    app.clock.advance(target - now);
}

/// The city bureaus' 局长 posts, in the bureaus' order: (unit, post, short name).
async fn bureau_heads(app: &TestApp) -> Vec<(i64, i64, String)> {
    let mut out = Vec::new();
    for name in ["市教育局", "市财政局", "市住房城乡建设局"] {
        let unit = app
            .scalar(&format!("select id from units where short_name = '{name}'"))
            .await;
        let post = app
            .scalar(&format!(
                "select id from posts where unit_id = {unit} and active = 1 order by id limit 1"
            ))
            .await;
        out.push((unit, post, name.to_owned()));
    }
    out
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

async fn topic_status(app: &TestApp, topic: i64) -> String {
    app.text(&format!(
        "select status from meeting_topics where id = {topic}"
    ))
    .await
}

on_both_engines!(
    a_topic_is_submitted_screened_and_approved_onto_an_agenda_and_its_materials_follow_the_meeting,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        set_clock(&app, "2026-11-30T10:00");
        let office = app.unit_id("东川市人民政府办公室").await;
        let heads = bureau_heads(&app).await;
        let (edu_unit, edu_head, _) = heads[0].clone();
        let (fin_unit, fin_head, fin_name) = heads[1].clone();
        let (_, build_head, _) = heads[2].clone();
        let edu = app
            .token_for(&login_of(&app, edu_head).await, &SCOPES)
            .await;
        let fin = app
            .token_for(&login_of(&app, fin_head).await, &SCOPES)
            .await;
        let build = app
            .token_for(&login_of(&app, build_head).await, &SCOPES)
            .await;
        let mayor = leader(&app, "市长").await;
        let executive = leader(&app, "常务副市长").await;
        let executive_t = app
            .token_for(&login_of(&app, executive).await, &SCOPES)
            .await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;

        let room = ok(
            &app,
            "POST",
            "/api/v1/meetings/rooms",
            &t.mishu,
            Some(json!({"name": "常务会议室", "capacity": 80})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let standing = app
            .scalar("select id from meeting_kinds where name = '常务会议'")
            .await;
        let meeting = ok(&app, "POST", "/api/v1/meetings", &t.mishu, Some(json!({
            "kind_id": standing, "title": "市政府第12次常务会议", "organiser_unit_id": office,
            "chair_post_id": mayor, "starts_at": "2026-12-03 09:00", "ends_at": "2026-12-03 11:00",
            "room_id": room, "attend_posts": [executive], "classification": "secret",
        }))).await["id"].as_i64().unwrap();

        // Submitted by the 教育局 for its own unit, with a material each.
        let t1 = ok(
            &app,
            "POST",
            "/api/v1/meetings/topics",
            &edu,
            Some(json!({
                "meeting_id": meeting, "title": "关于城区中小学校舍改造的议题",
                "reporter": "市教育局局长", "request": "审议校舍改造三年计划及资金安排",
                "minutes": 40, "cosign_units": [fin_unit], "observe_posts": [build_head],
                "classification": "secret",
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let t2 = ok(
            &app,
            "POST",
            "/api/v1/meetings/topics",
            &edu,
            Some(json!({
                "kind_id": standing, "title": "关于学前教育普惠发展的议题",
                "reporter": "市教育局局长", "request": "研究普惠性幼儿园补助标准", "minutes": 30,
            })),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(topic_status(&app, t1).await, "submitted");
        let mut materials = Vec::new();
        for topic in [t1, t2] {
            let res = app
                .api_bytes(
                    "POST",
                    &format!(
                        "/api/v1/meetings/topics/{topic}/materials?name=%E6%B1%87%E6%8A%A5.txt"
                    ),
                    &edu,
                    "汇报材料正文".as_bytes().to_vec(),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
            materials.push(res.json()["id"].as_i64().unwrap());
        }
        let (m1, m2) = (materials[0], materials[1]);
        let mine = ok(
            &app,
            "GET",
            "/api/v1/meetings/topics?scope=mine",
            &edu,
            None,
        )
        .await;
        assert_eq!(mine["topics"].as_array().unwrap().len(), 2);

        // A county office cannot screen the city's topics.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/topics/{t1}/screen"),
                &county,
                Some(json!({"decision": "accept"})),
            )
            .await;
        assert!(
            matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{} {}",
            res.status,
            res.body
        );
        assert_eq!(topic_status(&app, t1).await, "submitted");

        // 会签 missing: not 材料齐全.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/topics/{t1}/screen"),
                &t.mishu,
                Some(json!({"decision": "accept"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.cosign_missing");
        assert!(res.body.contains(&fin_name), "{}", res.body);
        assert_eq!(topic_status(&app, t1).await, "submitted");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/topics/{t1}/cosign"),
            &fin,
            Some(json!({"agreed": true, "opinion": "同意，资金由财政统筹"})),
        )
        .await;
        for topic in [t1, t2] {
            ok(
                &app,
                "POST",
                &format!("/api/v1/meetings/topics/{topic}/screen"),
                &t.mishu,
                Some(json!({"decision": "accept"})),
            )
            .await;
            assert_eq!(topic_status(&app, topic).await, "screened");
        }
        let screen = ok(
            &app,
            "GET",
            "/api/v1/meetings/topics?scope=screen",
            &t.mishu,
            None,
        )
        .await;
        assert!(screen["topics"].as_array().unwrap().is_empty());

        // The 主任 审定: the 秘书 may not; an overrunning agenda is refused naming the topic.
        let agenda = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}/agenda"),
            &t.zhuren,
            None,
        )
        .await;
        assert_eq!(agenda["may_approve"], true);
        assert_eq!(agenda["candidates"].as_array().unwrap().len(), 2);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{meeting}/agenda"),
                &t.mishu,
                Some(json!({"items": [{"topic_id": t1, "starts_at": "09:00"}]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{meeting}/agenda"),
                &t.zhuren,
                Some(json!({"items": [
                    {"topic_id": t1, "starts_at": "09:00"},
                    {"topic_id": t2, "starts_at": "10:40", "minutes": 30}]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.agenda_clash");
        assert!(
            res.body.contains("关于学前教育普惠发展的议题"),
            "{}",
            res.body
        );
        assert!(res.body.contains("11:00"), "{}", res.body);
        assert_eq!(topic_status(&app, t1).await, "screened");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/agenda"),
            &t.zhuren,
            Some(json!({"items": [
                {"topic_id": t1, "starts_at": "09:00"},
                {"topic_id": t2, "starts_at": "09:40"}]})),
        )
        .await;
        let agenda = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}/agenda"),
            &executive_t,
            None,
        )
        .await;
        assert_eq!(agenda["approved"], true);
        let items = agenda["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], t1);
        assert!(
            items[0]["slot"].as_str().unwrap().contains("09:00—09:40"),
            "{}",
            items[0]
        );
        assert!(
            items[1]["slot"].as_str().unwrap().contains("09:40—10:10"),
            "{}",
            items[1]
        );
        assert_eq!(topic_status(&app, t1).await, "scheduled");

        // 列席 for the topic only: invited, told which topic and when.
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from meeting_attendees where meeting_id = {meeting}
                 and post_id = {build_head} and topic_id = {t1}"
            ))
            .await,
            1
        );
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/notice"),
            &t.mishu,
            Some(json!({"body": "请准时参加。", "reply_by": "2026-12-02 17:00"})),
        )
        .await;
        let notice = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}/notice"),
            &build,
            None,
        )
        .await;
        let lines = notice["mine"][0]["for_topics"].as_array().unwrap();
        assert_eq!(lines.len(), 1, "{notice}");
        assert!(
            lines[0]
                .as_str()
                .unwrap()
                .contains("关于城区中小学校舍改造的议题")
        );
        assert!(lines[0].as_str().unwrap().contains("09:00—09:40"));
        let notice = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}/notice"),
            &executive_t,
            None,
        )
        .await;
        assert!(
            notice["mine"][0]["for_topics"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // The office's reply table says so too.
        let table = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}/replies"),
            &t.mishu,
            None,
        )
        .await;
        let row = table["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["post_id"] == build_head)
            .unwrap()
            .clone();
        assert!(
            row["for_topics"][0]
                .as_str()
                .unwrap()
                .contains("09:00—09:40"),
            "{row}"
        );
        let told = app
            .text(&format!(
                "select message from notifications where post_id = {build_head}
                 and kind = 'meeting.notice' order by id desc limit 1"
            ))
            .await;
        assert!(
            told.contains("列席议题《关于城区中小学校舍改造的议题》"),
            "{told}"
        );

        // Materials distributed: read and recorded; the topic-only 列席 reads only its topic's.
        let read = |token: &str, topic: i64, material: i64| {
            let path = format!("/api/v1/meetings/topics/{topic}/materials/{material}");
            let token = token.to_owned();
            let app = &app;
            async move { app.api("GET", &path, &token, None).await.status }
        };
        assert_eq!(read(&executive_t, t1, m1).await, StatusCode::OK);
        assert_eq!(read(&build, t1, m1).await, StatusCode::OK);
        assert!(matches!(
            read(&build, t2, m2).await,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ));
        let detail = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/topics/{t1}"),
            &t.mishu,
            None,
        )
        .await;
        let readers = detail["materials"][0]["readers"].to_string();
        let exec_name = app
            .text(&format!(
                "select pe.name from posts p join persons pe on pe.id = p.person_id where p.id = {executive}"
            ))
            .await;
        assert!(readers.contains(&exec_name), "{readers}");

        // Held; the second topic not reached is carried over, counted.
        set_clock(&app, "2026-12-03T08:55");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/advance"),
            &t.mishu,
            None,
        )
        .await;
        set_clock(&app, "2026-12-03T11:00");
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/advance"),
            &t.mishu,
            None,
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/topics/{t2}/defer"),
            &t.mishu,
            Some(json!({"reason": "会议时间所限，未及研究"})),
        )
        .await;
        assert_eq!(topic_status(&app, t2).await, "deferred");
        let now = app.state.clock.now();
        let carried = app
            .services()
            .meetings()
            .carried_over_count(office, now - Duration::days(30), now + Duration::days(1))
            .await
            .unwrap();
        assert_eq!(carried, 1);

        // 涉密: withdrawn from the attendees once held; the office still reads it.
        assert_eq!(read(&executive_t, t1, m1).await, StatusCode::FORBIDDEN);
        assert_eq!(read(&build, t1, m1).await, StatusCode::FORBIDDEN);
        assert_eq!(read(&t.mishu, t1, m1).await, StatusCode::OK);

        // The carried-over topic goes on a later meeting's agenda.
        let mayors = app
            .scalar("select id from meeting_kinds where name = '市长办公会议'")
            .await;
        let later = ok(&app, "POST", "/api/v1/meetings", &t.mishu, Some(json!({
            "kind_id": mayors, "title": "市长办公会议", "organiser_unit_id": office,
            "chair_post_id": mayor, "starts_at": "2026-12-10 09:00", "ends_at": "2026-12-10 10:00",
            "room_id": room,
        }))).await["id"].as_i64().unwrap();
        let agenda = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{later}/agenda"),
            &t.zhuren,
            None,
        )
        .await;
        assert!(
            agenda["candidates"]
                .to_string()
                .contains("关于学前教育普惠发展的议题")
        );
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{later}/agenda"),
            &t.zhuren,
            Some(json!({"items": [{"topic_id": t2, "starts_at": "09:00"}]})),
        )
        .await;
        assert_eq!(topic_status(&app, t2).await, "scheduled");
        assert_eq!(
            app.scalar(&format!(
                "select meeting_id from meeting_topics where id = {t2}"
            ))
            .await,
            later
        );

        // The 纪要 drafted from the agenda names the topic, its 汇报单位 and 请求事项.
        let doc = ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/minutes"),
            &t.mishu,
            Some(json!({})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let page = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await;
        assert!(
            page.body.contains("关于城区中小学校舍改造的议题"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("会议听取了市教育局的汇报"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("审议校舍改造三年计划及资金安排"),
            "{}",
            page.body
        );
        let _ = edu_unit;
    }
);

on_both_engines!(
    a_meeting_request_approved_by_the_offices_leader_books_the_meeting_and_one_declined_says_why,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        set_clock(&app, "2026-11-30T10:00");
        let office = app.unit_id("东川市人民政府办公室").await;
        let heads = bureau_heads(&app).await;
        let (edu_unit, edu_head, _) = heads[0].clone();
        let edu = app
            .token_for(&login_of(&app, edu_head).await, &SCOPES)
            .await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let executive = leader(&app, "常务副市长").await;
        let kind = app
            .scalar("select id from meeting_kinds where name = '专题会议'")
            .await;
        let room = ok(
            &app,
            "POST",
            "/api/v1/meetings/rooms",
            &t.mishu,
            Some(json!({"name": "第二会议室", "capacity": 30})),
        )
        .await["id"]
            .as_i64()
            .unwrap();

        let ask = |title: &'static str| {
            let app = &app;
            let edu = edu.clone();
            async move {
                ok(
                    app,
                    "POST",
                    "/api/v1/meetings/requests",
                    &edu,
                    Some(json!({
                        "kind_id": kind, "title": title, "wished_start": "2026-12-04 14:00",
                        "wished_end": "2026-12-04 15:30", "attend_posts": [executive],
                        "reason": "研究秋季学期校园安全工作",
                    })),
                )
                .await["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        let first = ask("校园安全工作专题会议").await;
        let asked = ok(&app, "GET", "/api/v1/meetings/requests", &t.zhuren, None).await;
        assert_eq!(asked["requests"][0]["status"], "pending");
        assert_eq!(asked["requests"][0]["may_decide"], true);

        let approve = json!({"decision": "approve", "room_id": room});
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/requests/{first}/decision"),
                &t.mishu,
                Some(approve.clone()),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/requests/{first}/decision"),
                &county,
                Some(approve.clone()),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let out = ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/requests/{first}/decision"),
            &t.zhuren,
            Some(approve),
        )
        .await;
        let meeting = out["meeting_id"].as_i64().unwrap();
        let m = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{meeting}"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(m["meeting"]["status"], "preparing");
        assert_eq!(m["meeting"]["title"], "校园安全工作专题会议");
        assert_eq!(m["meeting"]["chair_post_id"], executive);
        assert_eq!(
            app.scalar(&format!(
                "select office_id from meetings where id = {meeting}"
            ))
            .await,
            office
        );
        let r = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/requests/{first}"),
            &edu,
            None,
        )
        .await;
        assert_eq!(r["status"], "approved");
        assert_eq!(r["meeting_id"], meeting);

        let second = ask("校园食品安全专题会议").await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/requests/{second}/decision"),
                &t.zhuren,
                Some(json!({"decision": "decline"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let out = ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/requests/{second}/decision"),
            &t.zhuren,
            Some(json!({"decision": "decline", "reason": "并入校园安全专题会议研究"})),
        )
        .await;
        assert!(out["meeting_id"].is_null());
        let r = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/requests/{second}"),
            &edu,
            None,
        )
        .await;
        assert_eq!(r["status"], "declined");
        assert_eq!(r["decline_reason"], "并入校园安全专题会议研究");
        assert_eq!(
            app.scalar("select count(*) from meetings where title = '校园食品安全专题会议'")
                .await,
            0
        );
        let _ = edu_unit;
    }
);

on_both_engines!(
    the_demo_citys_standing_meetings_have_topics_screened_onto_agendas_and_some_carried_over,
    |app: TestApp| async move {
        app.services()
            .load_demo_meetings(crate::support::start_time())
            .await
            .unwrap();
        let by = |status: &'static str| {
            let app = &app;
            async move {
                app.scalar(&format!(
                    "select count(*) from meeting_topics where status = '{status}'"
                ))
                .await
            }
        };
        assert!(by("scheduled").await >= 6, "topics on agendas");
        assert!(by("submitted").await >= 3, "topics waiting to be screened");
        assert!(
            app.count("meeting_topic_carries").await >= 1,
            "carried over"
        );
        assert!(app.count("meeting_agendas").await >= 4);
        // Every topic came from a bureau, with its material.
        assert_eq!(
            app.scalar(
                "select count(*) from meeting_topics t join units u on u.id = t.unit_id
                 where u.kind <> 'bureau' or not exists
                 (select 1 from meeting_topic_materials m where m.topic_id = t.id)"
            )
            .await,
            0
        );
    }
);
