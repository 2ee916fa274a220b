//! 领导日程 (issue 19, item 8): the 主任 names the 秘书 who keeps the 市长's schedule; she writes
//! a 调研 and a private engagement that clashes with it and with a meeting the 市长 chairs, and
//! the week flags each clash; the office's staff read the public entries and only a busy block
//! of the private one; a county reads nothing of it; a change raises the entry's SEQUENCE in the
//! 市长's feed and a cancellation marks it CANCELLED there.

use axum::http::StatusCode;
use icalendar::Component;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

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

/// The items of one day of a week.
fn day<'a>(w: &'a Value, date: &str) -> &'a Vec<Value> {
    w["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("no {date} in {w}"))["items"]
        .as_array()
        .unwrap()
}

fn item<'a>(items: &'a [Value], title: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains(title))
        .unwrap_or_else(|| panic!("no {title} in {items:?}"))
}

on_both_engines!(
    a_leaders_week_is_kept_by_the_named_secretary_with_clashes_flagged_and_private_entries_hidden,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let mayor_token = app.token_for("shizhang", &SCOPES).await;
        let mayor = app
            .scalar("select id from posts where title = '市长' order by id limit 1")
            .await;
        let mishu_post = app.post_of("mishu").await;

        // The office's staff read the government's leaders; nobody writes before being named.
        let w = ok(
            &app,
            "GET",
            &format!("/api/v1/schedule?leader={mayor}&week=2026-11-30"),
            &mishu,
            None,
        )
        .await;
        assert_eq!(w["monday"], "2026-11-30");
        assert_eq!(w["may_edit"], false);
        assert!(
            w["leaders"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["post_id"] == mayor),
            "{w}"
        );
        let engagement = |title: &str, starts: &str, ends: &str, public: bool| {
            json!({"leader_post_id": mayor, "kind": "research", "title": title, "place": "清河县",
                "starts_at": starts, "ends_at": ends, "public": public})
        };
        let res = app
            .api(
                "POST",
                "/api/v1/schedule/entries",
                &mishu,
                Some(engagement(
                    "赴清河县调研冬季供暖保障",
                    "2026-11-30T09:00",
                    "2026-11-30T12:00",
                    true,
                )),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "PUT",
                "/api/v1/schedule/keepers",
                &kezhang,
                Some(json!({"leader_post_id": mayor, "keepers": [mishu_post]})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "only the leader or the 主任 names keepers: {}",
            res.body
        );
        let county_post = app.post_of("qinghe.mishu").await;
        let res = app
            .api(
                "PUT",
                "/api/v1/schedule/keepers",
                &zhuren,
                Some(json!({"leader_post_id": mayor, "keepers": [county_post]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        ok(
            &app,
            "PUT",
            "/api/v1/schedule/keepers",
            &zhuren,
            Some(json!({"leader_post_id": mayor, "keepers": [mishu_post]})),
        )
        .await;
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {mishu_post} and kind = 'schedule.keeper_named'")).await, 1);

        // Bad input: a clear refusal, nothing written.
        let res = app
            .api(
                "POST",
                "/api/v1/schedule/entries",
                &mishu,
                Some(engagement(
                    "倒挂的日程",
                    "2026-11-30T12:00",
                    "2026-11-30T09:00",
                    true,
                )),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("结束时间应晚于开始时间"), "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/schedule/entries",
                &mishu,
                Some(
                    json!({"leader_post_id": mayor, "kind": "meeting", "title": "x",
                "starts_at": "2026-11-30T09:00", "ends_at": "2026-11-30T10:00"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("schedule_entries").await, 0);

        // The 秘书 writes a 调研, a private engagement inside it; the 秘书 books a meeting the
        // 市长 chairs the same morning.
        let research = ok(
            &app,
            "POST",
            "/api/v1/schedule/entries",
            &mishu,
            Some(engagement(
                "赴清河县调研冬季供暖保障",
                "2026-11-30T09:00",
                "2026-11-30T12:00",
                true,
            )),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let private = ok(
            &app,
            "POST",
            "/api/v1/schedule/entries",
            &mishu,
            Some(
                json!({"leader_post_id": mayor, "kind": "event", "title": "会见客商代表",
                "starts_at": "2026-11-30T10:00", "ends_at": "2026-11-30T11:00", "public": false}),
            ),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {mayor} and kind = 'schedule.entry_added'")).await, 2);
        let office = app.unit_id("东川市人民政府办公室").await;
        let kinds = ok(&app, "GET", "/api/v1/meetings/kinds", &mishu, None).await;
        let kind = kinds
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "市长办公会议")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        ok(
            &app,
            "POST",
            "/api/v1/meetings",
            &mishu,
            Some(json!({
            "kind_id": kind, "title": "市长办公会议（第14次）", "organiser_unit_id": office,
            "chair_post_id": mayor, "starts_at": "2026-11-30 11:30", "ends_at": "2026-11-30 12:30",
            "place_kind": "venue", "venue": "市民中心", "attend_posts": []})),
        )
        .await;

        // The keeper reads all three, each clash named.
        let w = ok(
            &app,
            "GET",
            &format!("/api/v1/schedule?leader={mayor}&week=2026-11-30"),
            &mishu,
            None,
        )
        .await;
        assert_eq!(w["may_edit"], true);
        let monday = day(&w, "2026-11-30");
        assert_eq!(monday.len(), 3, "{w}");
        let r = item(monday, "赴清河县调研");
        assert_eq!(
            r["clashes"].as_array().unwrap().len(),
            2,
            "inside it: the engagement and the meeting: {r}"
        );
        let p = item(monday, "会见客商代表");
        assert_eq!(p["hidden"], false);
        assert_eq!(p["public"], false);
        let m = item(monday, "市长办公会议（第14次）");
        assert_eq!(m["source"], "meeting");
        assert_eq!(m["kind_label"], "主持会议");
        assert_eq!(m["clashes"].as_array().unwrap().len(), 1, "{m}");
        assert_eq!(w["clashes"], 3);

        // Another of the office's staff: the public ones whole, the private one a busy block.
        let w = ok(
            &app,
            "GET",
            &format!("/api/v1/schedule?leader={mayor}&week=2026-11-30"),
            &kezhang,
            None,
        )
        .await;
        assert_eq!(w["may_edit"], false);
        let monday = day(&w, "2026-11-30");
        let busy = item(monday, "不公开的安排");
        assert_eq!(busy["hidden"], true);
        assert_eq!(busy["id"], Value::Null);
        assert!(!w.to_string().contains("会见客商代表"), "{w}");
        assert!(
            item(monday, "赴清河县调研")["clashes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().starts_with("不公开的安排")),
            "{w}"
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/schedule/entries/{private}/cancel"),
                &kezhang,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // A county reads none of it, and learns nothing of an entry's existence.
        let county = app.token_for("qinghe.wenshu", &SCOPES).await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/schedule?leader={mayor}"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/schedule/entries/{research}/cancel"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // The 市长's own feed: both entries (the private one too); a change raises SEQUENCE,
        // a cancellation marks it CANCELLED.
        let res = app
            .api("POST", "/api/v1/meetings/feed", &mayor_token, None)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let path = res.json()["path"].as_str().unwrap().to_owned();
        ok(
            &app,
            "PUT",
            &format!("/api/v1/schedule/entries/{research}"),
            &mishu,
            Some(engagement(
                "赴清河县调研冬季供暖保障",
                "2026-11-30T08:30",
                "2026-11-30T12:00",
                true,
            )),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/schedule/entries/{private}/cancel"),
            &mishu,
            None,
        )
        .await;
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/schedule/entries/{private}"),
                &mishu,
                Some(engagement(
                    "改已取消的",
                    "2026-11-30T10:00",
                    "2026-11-30T11:00",
                    false,
                )),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        app.forget_cookies();
        let feed = app.get(&path).await;
        assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
        let cal: icalendar::Calendar = feed
            .body
            .parse()
            .unwrap_or_else(|e| panic!("{e}: {}", feed.body));
        let r = cal
            .events()
            .find(|e| e.get_uid() == Some(&format!("schedule-{research}@xiaoneng")))
            .unwrap();
        assert_eq!(r.get_sequence(), Some(1));
        assert_eq!(r.get_summary(), Some("调研：赴清河县调研冬季供暖保障"));
        let p = cal
            .events()
            .find(|e| e.get_uid() == Some(&format!("schedule-{private}@xiaoneng")))
            .unwrap();
        assert_eq!(p.get_status(), Some(icalendar::EventStatus::Cancelled));
        assert_eq!(p.get_sequence(), Some(1));
        assert_eq!(app.events_of("schedule.entry_cancelled").await, 1);

        // The page: the keeper's week with the clash flagged and the form; in Chinese.
        app.login_as("mishu").await;
        let page = app
            .get(&format!("/schedule?leader={mayor}&week=2026-11-30"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("时间冲突"), "{}", page.body);
        assert!(page.body.contains("添加日程"));
    }
);

on_both_engines!(
    the_demo_keeps_ten_weeks_of_the_mayors_schedule_with_this_weeks_clash_flagged,
    |app: TestApp| async move {
        let now = app.clock.now();
        app.services().load_demo_meetings(now).await.unwrap();
        let n = app.services().load_demo_schedule(now).await.unwrap();
        assert!(n >= 30, "{n}");
        let mishu = app.token_for("mishu", &SCOPES).await;
        // The 秘书 keeps the 市长's schedule: her default week is his, with the clash.
        let w = ok(&app, "GET", "/api/v1/schedule", &mishu, None).await;
        assert_eq!(w["may_edit"], true, "{w}");
        assert!(w["leader"].as_str().unwrap().ends_with("市长"), "{w}");
        assert!(w["clashes"].as_i64().unwrap() >= 2, "{w}");
        // Another of the office's staff sees the private engagements only as busy blocks.
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mayor = w["leader_post_id"].as_i64().unwrap();
        let other = ok(
            &app,
            "GET",
            &format!("/api/v1/schedule?leader={mayor}"),
            &kezhang,
            None,
        )
        .await;
        assert!(!other.to_string().contains("个人事务"), "{other}");
    }
);
