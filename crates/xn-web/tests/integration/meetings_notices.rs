//! 会议通知 and 回执 end to end: the city office's 秘书 sends a meeting's notice (the meeting
//! becomes 已通知; a second send is refused); it reaches every 出席 and 列席 post and the 列席
//! bureau, each on its workbench; the county 主任 asks 请假 and the 秘书 approves it, the 常务副市长
//! sends a 副市长 in his place (委托), who then appears as attending, the bureau replies after the
//! deadline (marked late), the 秘书长 does not reply until urged; someone not invited is
//! refused with nothing written; a moved meeting tells everyone again; a 秘密 meeting's notice
//! does not reach a post cleared below it.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn leader(app: &TestApp, title: &str) -> i64 {
    app.scalar(&format!(
        "select id from posts where title = '{title}' order by id limit 1"
    ))
    .await
}

/// The login of a post's holder.
async fn login_of(app: &TestApp, post: i64) -> String {
    app.text(&format!(
        "select pe.login from posts p join persons pe on pe.id = p.person_id where p.id = {post}"
    ))
    .await
}

/// The first city bureau and the login of its most senior post.
async fn bureau(app: &TestApp) -> (i64, String) {
    let unit = app
        .scalar(
            "select u.id from units u where u.kind = 'bureau' and exists
             (select 1 from posts p where p.unit_id = u.id and p.active = 1) order by u.id limit 1",
        )
        .await;
    let login = app
        .text(&format!(
            "select pe.login from posts p join persons pe on pe.id = p.person_id
             join positions q on q.id = p.position_id
             where p.unit_id = {unit} and p.active = 1 order by q.rank, p.id limit 1"
        ))
        .await;
    (unit, login)
}

/// Books the city office's meeting on 2026-12-03 09:00–11:00: the 市长 chairs, the 常务副市长 and
/// the 秘书长 attend, the county's 主任 and a bureau sit in (列席).
async fn book(app: &TestApp, mishu: &str, classification: &str) -> i64 {
    let office = app.unit_id("东川市人民政府办公室").await;
    let res = app
        .api(
            "POST",
            "/api/v1/meetings/rooms",
            mishu,
            Some(json!({"name": "第一会议室", "capacity": 40})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let room = res.json()["id"].as_i64().unwrap();
    let kind = app
        .scalar("select id from meeting_kinds where name = '专题会议'")
        .await;
    let (unit, _) = bureau(app).await;
    let res = app
        .api(
            "POST",
            "/api/v1/meetings",
            mishu,
            Some(json!({
                "kind_id": kind, "title": "冬季安全生产专题会议", "organiser_unit_id": office,
                "chair_post_id": leader(app, "市长").await,
                "starts_at": "2026-12-03 09:00", "ends_at": "2026-12-03 11:00", "room_id": room,
                "attend_posts": [leader(app, "常务副市长").await, leader(app, "秘书长").await],
                "observe_posts": [app.post_of("qinghe.zhuren").await],
                "observe_units": [unit],
                "classification": classification,
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

fn notice() -> Value {
    json!({"body": "定于12月3日上午9时召开冬季安全生产专题会议，请准时参加。",
           "reply_by": "2026-12-01 17:00"})
}

/// The reply row of a recipient in the organiser's table, by a part of its line.
fn row<'a>(table: &'a Value, who: &str) -> &'a Value {
    table["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"].as_str().unwrap().contains(who))
        .unwrap_or_else(|| panic!("no reply row for {who}: {table}"))
}

async fn notifications_to(app: &TestApp, post: i64, kind: &str) -> Vec<String> {
    let n = app
        .scalar(&format!(
            "select count(*) from notifications where post_id = {post} and kind = '{kind}'"
        ))
        .await;
    let mut out = Vec::new();
    for i in 0..n {
        out.push(
            app.text(&format!(
                "select message from notifications where post_id = {post} and kind = '{kind}'
                 order by id limit 1 offset {i}"
            ))
            .await,
        );
    }
    out
}

on_both_engines!(
    notices_go_out_replies_come_in_a_leave_is_approved_a_proxy_attends_and_the_missing_are_urged,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let id = book(&app, &mishu, "").await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let county_post = app.post_of("qinghe.zhuren").await;
        let deputy_post = leader(&app, "常务副市长").await;
        let deputy = app
            .token_for(&login_of(&app, deputy_post).await, &SCOPES)
            .await;
        let sg_post = leader(&app, "秘书长").await;
        let sg = app.token_for(&login_of(&app, sg_post).await, &SCOPES).await;
        let (_, bureau_login) = bureau(&app).await;
        let bureau_head = app.token_for(&bureau_login, &SCOPES).await;

        // Before the notice: nothing to reply to, and a reply is refused.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/notice"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["notice"], Value::Null);
        assert_eq!(res.json()["may_send"], false);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &county,
                Some(json!({"answer": "attend"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // Only the organising office sends: the county's 主任 (an invitee) and the 市长 may not.
        for token in [&county, &deputy] {
            let res = app
                .api(
                    "POST",
                    &format!("/api/v1/meetings/{id}/notice"),
                    token,
                    Some(notice()),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
            assert_eq!(res.content_type(), "application/problem+json");
        }
        assert_eq!(app.count("meeting_notices").await, 0);

        // The 秘书 sends it: four recipients (two 出席, one 列席 post, one 列席 bureau).
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice"),
                &mishu,
                Some(notice()),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["delivered"], 4);
        assert_eq!(res.json()["skipped"], json!([]));
        assert_eq!(
            app.text(&format!("select status from meetings where id = {id}"))
                .await,
            "notified"
        );
        // A second send is refused, and changes nothing.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice"),
                &mishu,
                Some(notice()),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.notice_sent");
        assert_eq!(app.count("meeting_notices").await, 1);
        assert_eq!(app.count("meeting_replies").await, 4);
        assert_eq!(app.events_of("meeting.notice_sent").await, 1);

        // Each recipient has it to reply to, on the workbench; the county 主任's says so in Chinese.
        for token in [&county, &deputy, &sg, &bureau_head] {
            let res = app
                .api("GET", "/api/v1/meetings/awaiting-reply", token, None)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let list = res.json();
            assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
            assert_eq!(list[0]["meeting_id"], id);
        }
        assert_eq!(
            notifications_to(&app, county_post, "meeting.notice")
                .await
                .len(),
            1
        );
        app.login_as("qinghe.zhuren").await;
        let bench = app.get("/").await;
        assert!(bench.body.contains("会议通知 · 待回执"), "{}", bench.body);
        assert!(bench.body.contains("冬季安全生产专题会议"));
        assert!(
            bench.body.contains("2026-12-01 17:00"),
            "the deadline in Beijing time"
        );

        // Someone not invited is refused with nothing written: a post of the organising office
        // (it sees the meeting: 403), a county post that does not (404).
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &kezhang,
                Some(json!({"answer": "attend"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let stranger = app.token_for("qinghe.mishu", &SCOPES).await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &stranger,
                Some(json!({"answer": "leave", "reason": "出差"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(
            app.scalar("select count(*) from meeting_replies where answer is not null")
                .await,
            0
        );
        assert_eq!(app.events_of("meeting.replied").await, 0);

        // The county 主任 asks 请假 on the page: a reason is required, then it waits for approval.
        app.login_as("qinghe.zhuren").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(
            page.body.contains("我的回执"),
            "{} {}",
            page.status,
            page.body
        );
        let reply_id = app
            .scalar(&format!(
                "select id from meeting_replies where meeting_id = {id} and post_id = {county_post}"
            ))
            .await;
        let res = app
            .post_form(
                &format!("/meetings/{id}/reply"),
                &[
                    ("reply_id", &reply_id.to_string()),
                    ("answer", "leave"),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请假请填写理由"));
        let res = app
            .post_form(
                &format!("/meetings/{id}/reply"),
                &[
                    ("reply_id", &reply_id.to_string()),
                    ("answer", "leave"),
                    ("reason", "同一时段参加省防汛视频会议"),
                ],
            )
            .await;
        assert_eq!(res.location(), format!("/meetings/{id}?ok=replied"));

        // The 常务副市长 sends a 副市长 in his place; someone of another unit is refused.
        let vice = leader(&app, "副市长").await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &deputy,
                Some(json!({"answer": "proxy", "proxy_post_id": county_post})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["field"], "proxy_post_id");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &deputy,
                Some(json!({"answer": "proxy", "proxy_post_id": vice, "reason": "赴省里汇报"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let detail = app
            .api("GET", &format!("/api/v1/meetings/{id}"), &mishu, None)
            .await
            .json();
        let attend: Vec<&str> = detail["attend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["label"].as_str().unwrap())
            .collect();
        assert!(
            attend.iter().any(|l| l.contains("副市长，代")),
            "the 副市长 attends in his place: {attend:?}"
        );
        let vice_token = app.token_for(&login_of(&app, vice).await, &SCOPES).await;
        let mine = app
            .api(
                "GET",
                "/api/v1/meetings?week=2026-12-03&scope=mine",
                &vice_token,
                None,
            )
            .await
            .json();
        assert_eq!(mine["count"], 1, "{mine}");
        assert_eq!(notifications_to(&app, vice, "meeting.proxy").await.len(), 1);

        // After the deadline the bureau replies: taken, and marked late.
        app.clock.advance(Duration::days(6));
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &bureau_head,
                Some(json!({"answer": "attend"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // The 秘书's table: who replied what, who has not.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/replies"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let table = res.json();
        assert_eq!(table["attending"], 1);
        assert_eq!(table["on_leave"], 1);
        assert_eq!(table["by_proxy"], 1);
        assert_eq!(table["missing"], 1);
        assert_eq!(table["late"], 1);
        let leave = row(&table, "清河县");
        assert_eq!(leave["answer"], "leave");
        assert_eq!(leave["leave_status"], "pending");
        assert_eq!(leave["late"], false);
        assert_eq!(row(&table, "常务副市长")["answer"], "proxy");
        assert_eq!(row(&table, "秘书长")["answer_label"], "未回执");
        // Only the organising office reads the table.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/replies"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // The 请假 is approved by the office, not by the one who asked; the 主任 is told.
        let leave_id = leave["id"].as_i64().unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies/{leave_id}/leave"),
                &county,
                Some(json!({"decision": "approve"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies/{leave_id}/leave"),
                &mishu,
                Some(json!({"decision": "approve", "note": "同意"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies/{leave_id}/leave"),
                &mishu,
                Some(json!({"decision": "refuse", "note": "改主意"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "decided once: {}",
            res.body
        );
        let told = notifications_to(&app, county_post, "meeting.leave_decided").await;
        assert!(told.iter().any(|m| m.contains("已准假")), "{told:?}");

        // The 秘书长 has not replied: urged with a message, by the office only.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/urge"),
                &deputy,
                Some(json!({"message": "请回执"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/urge"),
                &mishu,
                Some(json!({"message": "请今天下班前回执，以便安排座次"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["urged"], 1);
        let urged = notifications_to(&app, sg_post, "meeting.urge").await;
        assert_eq!(urged.len(), 1, "only the one who has not replied");
        assert!(urged[0].contains("请今天下班前回执"), "{urged:?}");
        assert!(
            notifications_to(&app, county_post, "meeting.urge")
                .await
                .is_empty()
        );
        let list = app
            .api("GET", "/api/v1/meetings/awaiting-reply", &sg, None)
            .await
            .json();
        assert_eq!(list[0]["urge_count"], 1);
        assert_eq!(list[0]["past_deadline"], true);

        // The 秘书长 is away and has a colleague act for him (a 委托 window of the flow engine):
        // the stand-in finds the notice on his own workbench, sees the meeting, and replies.
        let stand_in = app
            .scalar("select id from posts where title = '副市长' order by id limit 1 offset 1")
            .await;
        let res = app
            .api(
                "POST",
                "/api/v1/proxies",
                &sg,
                Some(
                    json!({"proxy_post_id": stand_in, "starts_at": "2026-12-02T01:00:00Z",
                            "ends_at": "2026-12-05T00:00:00Z", "reason": "出差"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let stand_in_token = app
            .token_for(&login_of(&app, stand_in).await, &SCOPES)
            .await;
        let list = app
            .api(
                "GET",
                "/api/v1/meetings/awaiting-reply",
                &stand_in_token,
                None,
            )
            .await
            .json();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        assert!(
            list[0]["on_behalf_of"].as_str().unwrap().contains("秘书长"),
            "{list}"
        );
        let res = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}"),
                &stand_in_token,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &stand_in_token,
                Some(json!({"answer": "attend"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let table = app
            .api(
                "GET",
                &format!("/api/v1/meetings/{id}/replies"),
                &mishu,
                None,
            )
            .await
            .json();
        let sg_row = row(&table, "秘书长");
        assert_eq!(sg_row["answer"], "attend");
        assert!(
            sg_row["replied_by"].as_str().unwrap().contains("副市长"),
            "{sg_row}"
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/urge"),
                &mishu,
                Some(json!({})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.all_replied");
        for (kind, n) in [
            ("meeting.replied", 4),
            ("meeting.leave_decided", 1),
            ("meeting.urged", 1),
        ] {
            assert_eq!(app.events_of(kind).await, n, "{kind}");
        }

        // The organiser's page shows the table; the county 主任's shows the approved leave.
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(page.body.contains("回执情况"), "{}", page.body);
        assert!(page.body.contains("已准假"));
        assert!(page.body.contains("逾期"));
        app.login_as("qinghe.zhuren").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(page.body.contains("已准假"), "{}", page.body);

        // Moved: every recipient (and the 副市长 attending in another's place) is told again.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/move"),
                &mishu,
                Some(json!({"starts_at": "2026-12-03 14:30", "ends_at": "2026-12-03 16:00"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        for post in [county_post, sg_post, vice] {
            let moved = notifications_to(&app, post, "meeting.moved").await;
            assert!(
                moved.iter().any(|m| m.contains("12月3日 14:30")),
                "{post}: {moved:?}"
            );
        }
        // Cancelled: told again, and nothing is left to reply to.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/cancel"),
                &mishu,
                Some(json!({"reason": "改期另行通知"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let cancelled = notifications_to(&app, county_post, "meeting.cancelled").await;
        assert!(cancelled[0].contains("改期另行通知"), "{cancelled:?}");
        assert_eq!(app.events_of("meeting.renotified").await, 2);
    }
);

on_both_engines!(
    a_classified_meetings_notice_reaches_only_cleared_posts_and_the_page_sends_it_once,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let county_post = app.post_of("qinghe.zhuren").await;
        app.exec(&format!(
            "update posts set clearance = 'secret' where id = {county_post}"
        ))
        .await;
        let id = book(&app, &mishu, "secret").await;
        // The county 主任's clearance is lowered after the booking: the notice passes him by
        // and says so.
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {county_post}"
        ))
        .await;
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(page.body.contains("发送会议通知"), "{}", page.body);
        let res = app
            .post_form(
                &format!("/meetings/{id}/notice"),
                &[
                    ("body", "请准时参加。"),
                    ("reply_date", "2026-12-01"),
                    ("reply_time", "17:00"),
                ],
            )
            .await;
        assert_eq!(
            res.location(),
            format!("/meetings/{id}?ok=notified_partly"),
            "{}",
            res.body
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from meeting_replies where post_id = {county_post}"
            ))
            .await,
            0
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {county_post}
                 and kind = 'meeting.notice'"
            ))
            .await,
            0
        );
        let page = app.get(&format!("/meetings/{id}?ok=notified_partly")).await;
        assert!(page.body.contains("回执情况"), "{}", page.body);
        assert!(
            !page.body.contains("id=\"send-notice\""),
            "sent once: no form"
        );
        let res = app
            .post_form(
                &format!("/meetings/{id}/notice"),
                &[
                    ("body", "再发一次"),
                    ("reply_date", "2026-12-01"),
                    ("reply_time", "17:00"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("会议通知已经发出"));
        assert_eq!(app.events_of("meeting.notice_sent").await, 1);
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let list = app
            .api("GET", "/api/v1/meetings/awaiting-reply", &county, None)
            .await
            .json();
        assert_eq!(list, json!([]));
    }
);

on_both_engines!(
    the_replies_owed_sit_in_the_efficiency_backlog_until_answered,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let id = book(&app, &mishu, "").await;
        let backlog = async |token: &str, query: &str| {
            let res = app
                .api(
                    "GET",
                    &format!("/api/v1/efficiency/backlog{query}"),
                    token,
                    None,
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            res.json()
        };
        let replies = |v: &Value| -> Vec<Value> {
            v["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["link"] == format!("/meetings/{id}"))
                .cloned()
                .collect()
        };
        // Booked, not yet notified: nothing owed.
        assert!(replies(&backlog(&zhuren, "").await).is_empty());
        let before = backlog(&zhuren, "").await["total"].as_i64().unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice"),
                &mishu,
                Some(notice()),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        // The city's 主任 sees the four owed across his tree, the bureau's as its unit's.
        let all = backlog(&zhuren, "?area=meetings").await;
        assert_eq!(all["total"], 4, "{all}");
        let rows = replies(&all);
        assert_eq!(rows.len(), 4);
        assert!(
            rows.iter()
                .all(|r| r["queue"] == "待回执" && r["area"] == "办会")
        );
        assert!(
            rows.iter()
                .all(|r| r["due_date"] == "2026-12-01" && r["card"].is_null())
        );
        assert_eq!(
            rows.iter()
                .filter(|r| r["holder"].as_str().unwrap().ends_with("（单位回执）"))
                .count(),
            1,
            "{rows:?}"
        );
        assert_eq!(backlog(&zhuren, "").await["total"], before + 4);
        assert_eq!(backlog(&zhuren, "?kind=reply").await["total"], 4);
        assert!(replies(&backlog(&zhuren, "?area=documents").await).is_empty());
        assert!(replies(&backlog(&zhuren, "?card=yellow").await).is_empty());
        // The county's 主任 sees the one his county owes, and the leader's picture counts it.
        let mine = backlog(&county, "?area=meetings").await;
        assert_eq!(mine["total"], 1, "{mine}");
        assert_eq!(replies(&mine)[0]["step"], "会议回执");
        let res = app
            .api("GET", "/api/v1/efficiency/leader", &zhuren, None)
            .await;
        let tiles = res.json()["tiles"].clone();
        let qinghe = tiles
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str().unwrap().contains("清河"))
            .unwrap()
            .clone();
        assert!(qinghe["open"].as_i64().unwrap() >= 1, "{qinghe}");
        // Past the deadline they are overdue; answered, the county's leaves the backlog.
        app.clock.advance(Duration::days(6));
        assert_eq!(
            backlog(&zhuren, "?area=meetings&overdue=true").await["total"],
            4
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/replies"),
                &county,
                Some(json!({"answer": "attend"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(backlog(&county, "?area=meetings").await["total"], 0);
        assert_eq!(backlog(&zhuren, "?area=meetings").await["total"], 3);
        // Once the meeting has begun nothing is owed any more.
        app.clock.advance(Duration::days(2));
        assert_eq!(backlog(&zhuren, "?area=meetings").await["total"], 0);
    }
);
