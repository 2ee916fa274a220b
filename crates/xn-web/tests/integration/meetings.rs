//! 办会 end to end: the city office's 秘书 books meetings in its rooms; a room or a leader taken
//! twice is refused with the other meeting named (409 problem+json on the API, a Chinese message
//! on the form), also when two bookings arrive at once; a meeting moved raises its SEQUENCE and
//! its `.ics` and the leader's feed parse with a standard iCalendar parser and carry Beijing
//! times; a cancelled one says CANCEL; a post cleared below a meeting's 密级 does not see it.

use axum::http::StatusCode;
use chrono::Duration;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn room(app: &TestApp, token: &str, name: &str) -> i64 {
    let res = app
        .api(
            "POST",
            "/api/v1/meetings/rooms",
            token,
            Some(json!({"name": name, "capacity": 40, "equipment": "投影、话筒"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

async fn kind(app: &TestApp, token: &str, name: &str) -> i64 {
    let res = app.api("GET", "/api/v1/meetings/kinds", token, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// A leader's post of the city by title (市长, 常务副市长 …).
async fn leader(app: &TestApp, title: &str) -> i64 {
    app.scalar(&format!(
        "select id from posts where title = '{title}' order by id limit 1"
    ))
    .await
}

struct Booking {
    title: &'static str,
    starts: &'static str,
    ends: &'static str,
    room: Option<i64>,
    chair: i64,
    attend: Vec<i64>,
}

fn body(app_office: i64, kind: i64, b: &Booking) -> Value {
    json!({
        "kind_id": kind, "title": b.title, "organiser_unit_id": app_office,
        "chair_post_id": b.chair, "starts_at": b.starts, "ends_at": b.ends,
        "place_kind": if b.room.is_some() { "room" } else { "venue" },
        "room_id": b.room, "venue": if b.room.is_some() { "" } else { "市民中心" },
        "attend_posts": b.attend,
    })
}

/// The city office, the 秘书's token, a room and the kind 市长办公会议.
async fn setting(app: &TestApp) -> (i64, String, i64, i64) {
    let office = app.unit_id("东川市人民政府办公室").await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let r = room(app, &mishu, "第一会议室").await;
    let k = kind(app, &mishu, "市长办公会议").await;
    (office, mishu, r, k)
}

on_both_engines!(
    a_room_or_a_leader_taken_twice_is_refused_with_the_clash_named,
    |app: TestApp| async move {
        let (office, mishu, room1, k) = setting(&app).await;
        let room2 = room(&app, &mishu, "第二会议室").await;
        let mayor = leader(&app, "市长").await;
        let deputy = leader(&app, "常务副市长").await;
        let first = Booking {
            title: "市长办公会议（第12次）",
            starts: "2026-12-01 09:00",
            ends: "2026-12-01 11:00",
            room: Some(room1),
            chair: mayor,
            attend: vec![],
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &first)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first_id = res.json()["id"].as_i64().unwrap();

        // The same room, overlapping: refused, naming the meeting and its time.
        let clash = Booking {
            title: "专题会议",
            starts: "2026-12-01 10:00",
            ends: "2026-12-01 12:00",
            room: Some(room1),
            chair: deputy,
            attend: vec![],
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &clash)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.content_type(), "application/problem+json");
        let p = res.json();
        assert_eq!(p["code"], "meetings.room_taken");
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("第一会议室"), "{detail}");
        assert!(detail.contains("《市长办公会议（第12次）》"), "{detail}");
        assert!(detail.contains("12月1日 09:00—11:00"), "{detail}");

        // The mayor in another room at an overlapping time, as an attendee: refused by name.
        let busy = Booking {
            title: "全市安全生产专题会议",
            starts: "2026-12-01 10:30",
            ends: "2026-12-01 11:30",
            room: Some(room2),
            chair: deputy,
            attend: vec![mayor],
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &busy)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let p = res.json();
        assert_eq!(p["code"], "meetings.leader_busy");
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("陈立新"), "{detail}");
        assert!(detail.contains("《市长办公会议（第12次）》"), "{detail}");
        // An outside venue does not free the leader either.
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &Booking { room: None, ..busy })),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // Meetings that only touch do not clash.
        let after = Booking {
            title: "城市更新工作会议",
            starts: "2026-12-01 11:00",
            ends: "2026-12-01 12:00",
            room: Some(room1),
            chair: mayor,
            attend: vec![],
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &after)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(app.count("meetings").await, 2);

        // The form shows the clash in Chinese, keeps what was typed, and stores nothing.
        app.login_as("mishu").await;
        let form = app.get("/meetings/new").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let res = app
            .post_form(
                "/meetings",
                &[
                    ("kind_id", &k.to_string()),
                    ("title", "财政预算专题会议"),
                    ("organiser_unit_id", &office.to_string()),
                    ("chair_post_id", &deputy.to_string()),
                    ("date", "2026-12-01"),
                    ("start", "09:30"),
                    ("end", "10:30"),
                    ("place_kind", "room"),
                    ("room_id", &room1.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("在该时段已有安排"), "{}", res.body);
        assert!(res.body.contains("市长办公会议（第12次）"), "{}", res.body);
        assert!(res.body.contains("财政预算专题会议"), "the title is kept");
        assert_eq!(app.count("meetings").await, 2);

        // The week lists both; the room's week shows them; a cancelled meeting frees the room.
        let week = app
            .api("GET", "/api/v1/meetings?week=2026-12-03", &mishu, None)
            .await
            .json();
        assert_eq!(week["monday"], "2026-11-30");
        assert_eq!(week["count"], 2);
        assert_eq!(
            week["days"][1]["meetings"][0]["title"],
            "市长办公会议（第12次）"
        );
        let rw = app
            .api(
                "GET",
                &format!("/api/v1/meetings/rooms/{room1}/week?week=2026-12-01"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(rw.status, StatusCode::OK, "{}", rw.body);
        assert_eq!(
            rw.json()["week"]["days"][1]["meetings"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{first_id}/cancel"),
                &mishu,
                Some(json!({"reason": "市长赴省里开会"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let freed = Booking {
            starts: "2026-12-01 09:00",
            ends: "2026-12-01 11:00",
            ..clash
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &freed)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
);

on_both_engines!(
    of_two_overlapping_bookings_made_at_once_exactly_one_is_stored,
    |app: TestApp| async move {
        let (office, mishu, room1, k) = setting(&app).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mayor = leader(&app, "市长").await;
        let deputy = leader(&app, "常务副市长").await;
        let vice = leader(&app, "秘书长").await;
        let room2 = room(&app, &mishu, "第二会议室").await;
        // Round one: one room. Round two: one leader in two rooms.
        let rounds = [
            (
                Booking {
                    title: "甲会议",
                    starts: "2026-12-02 09:00",
                    ends: "2026-12-02 10:00",
                    room: Some(room1),
                    chair: mayor,
                    attend: vec![],
                },
                Booking {
                    title: "乙会议",
                    starts: "2026-12-02 09:30",
                    ends: "2026-12-02 10:30",
                    room: Some(room1),
                    chair: deputy,
                    attend: vec![],
                },
            ),
            (
                Booking {
                    title: "丙会议",
                    starts: "2026-12-03 14:00",
                    ends: "2026-12-03 15:00",
                    room: Some(room1),
                    chair: deputy,
                    attend: vec![vice],
                },
                Booking {
                    title: "丁会议",
                    starts: "2026-12-03 14:30",
                    ends: "2026-12-03 16:00",
                    room: Some(room2),
                    chair: mayor,
                    attend: vec![vice],
                },
            ),
        ];
        for (n, (a, b)) in rounds.iter().enumerate() {
            let (ra, rb) = tokio::join!(
                app.api("POST", "/api/v1/meetings", &mishu, Some(body(office, k, a))),
                app.api(
                    "POST",
                    "/api/v1/meetings",
                    &kezhang,
                    Some(body(office, k, b))
                ),
            );
            let mut statuses = [ra.status, rb.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::CREATED, StatusCode::CONFLICT],
                "round {n}: {} / {}",
                ra.body,
                rb.body
            );
            assert_eq!(app.count("meetings").await, i64::try_from(n).unwrap() + 1);
        }
    }
);

fn parse(text: &str) -> icalendar::Calendar {
    text.parse::<icalendar::Calendar>()
        .unwrap_or_else(|e| panic!("not iCalendar ({e}): {text}"))
}

fn beijing(d: Option<DatePerhapsTime>) -> String {
    match d {
        // Written in UTC (RFC 5545 form #2): Beijing is UTC+8 all year.
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(utc))) => (utc + Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        other => panic!("not a date-time: {other:?}"),
    }
}

on_both_engines!(
    a_meetings_ics_and_a_leaders_feed_carry_beijing_times_and_a_move_raises_the_sequence,
    |app: TestApp| async move {
        let (office, mishu, room1, k) = setting(&app).await;
        let mayor = leader(&app, "市长").await;
        let b = Booking {
            title: "市长办公会议（第13次）",
            starts: "2026-12-01 09:00",
            ends: "2026-12-01 11:30",
            room: Some(room1),
            chair: mayor,
            attend: vec![],
        };
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mishu,
                Some(body(office, k, &b)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();

        let ics = app
            .api("GET", &format!("/api/v1/meetings/{id}/ics"), &mishu, None)
            .await;
        assert_eq!(ics.status, StatusCode::OK, "{}", ics.body);
        assert!(ics.content_type().starts_with("text/calendar"));
        let cal = parse(&ics.body);
        assert_eq!(cal.property_value("METHOD"), Some("PUBLISH"));
        let e = cal.events().next().unwrap();
        assert_eq!(beijing(e.get_start()), "2026-12-01 09:00");
        assert_eq!(beijing(e.get_end()), "2026-12-01 11:30");
        assert_eq!(e.get_sequence(), Some(0));
        assert_eq!(e.get_location(), Some("第一会议室"));
        let uid = e.get_uid().unwrap().to_owned();

        // The mayor subscribes; the feed opens with its token alone.
        let mayor_token = app.token_for("shizhang", &SCOPES).await;
        let res = app
            .api("POST", "/api/v1/meetings/feed", &mayor_token, None)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let path = res.json()["path"].as_str().unwrap().to_owned();
        app.forget_cookies();
        let feed = app.get(&path).await;
        assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
        let cal = parse(&feed.body);
        let e = cal.events().find(|e| e.get_uid() == Some(&uid)).unwrap();
        assert_eq!(beijing(e.get_start()), "2026-12-01 09:00");
        assert_eq!(
            app.scalar("select count(*) from meeting_feeds where token_hash like 'xn_%' or length(token_hash) <> 64")
                .await,
            0,
            "only the token's SM3 hash is stored"
        );

        // Moved to the afternoon: new times, SEQUENCE 1, the same UID.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/move"),
                &mishu,
                Some(json!({"starts_at": "2026-12-01T14:30", "ends_at": "2026-12-01T16:00"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let cal = parse(&app.get(&path).await.body);
        let e = cal.events().find(|e| e.get_uid() == Some(&uid)).unwrap();
        assert_eq!(beijing(e.get_start()), "2026-12-01 14:30");
        assert_eq!(beijing(e.get_end()), "2026-12-01 16:00");
        assert_eq!(e.get_sequence(), Some(1));

        // Cancelled: METHOD:CANCEL and STATUS:CANCELLED, a higher SEQUENCE; the feed says so too.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/cancel"),
                &mishu,
                Some(json!({"reason": "改期另行通知"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let ics = app
            .api("GET", &format!("/api/v1/meetings/{id}/ics"), &mishu, None)
            .await;
        let cal = parse(&ics.body);
        assert_eq!(cal.property_value("METHOD"), Some("CANCEL"));
        let e = cal.events().next().unwrap();
        assert_eq!(e.property_value("STATUS"), Some("CANCELLED"));
        assert_eq!(e.get_sequence(), Some(2));
        let cal = parse(&app.get(&path).await.body);
        let e = cal.events().find(|e| e.get_uid() == Some(&uid)).unwrap();
        assert_eq!(e.property_value("STATUS"), Some("CANCELLED"));

        // A new address revokes the old one; revoking ends the feed.
        let res = app
            .api("POST", "/api/v1/meetings/feed", &mayor_token, None)
            .await;
        let path2 = res.json()["path"].as_str().unwrap().to_owned();
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&path2).await.status, StatusCode::OK);
        let res = app
            .api("DELETE", "/api/v1/meetings/feed", &mayor_token, None)
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(app.get(&path2).await.status, StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    a_post_below_a_meetings_classification_does_not_see_it_and_only_office_staff_book,
    |app: TestApp| async move {
        let (office, mishu, room1, k) = setting(&app).await;
        let mayor = leader(&app, "市长").await;
        let mut secret = body(
            office,
            k,
            &Booking {
                title: "涉密专题会议",
                starts: "2026-12-01 09:00",
                ends: "2026-12-01 10:00",
                room: Some(room1),
                chair: mayor,
                attend: vec![],
            },
        );
        secret["classification"] = json!("secret");
        // A 非密 post of the office named as staff: refused, nothing written.
        let below = app
            .text(
                "select pe.login from persons pe join posts p on p.person_id = pe.id
                 join units s on s.id = p.unit_id join units o on o.id = s.parent_id
                 where o.name = '东川市人民政府办公室' and p.clearance = 'public'
                   and (select count(*) from posts q where q.person_id = pe.id) = 1
                 order by p.id limit 1",
            )
            .await;
        let below_post = app.post_of(&below).await;
        secret["staff_posts"] = json!([below_post]);
        let res = app
            .api("POST", "/api/v1/meetings", &mishu, Some(secret.clone()))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.json()["detail"]
                .as_str()
                .unwrap()
                .contains("低于会议密级秘密")
        );
        assert_eq!(app.count("meetings").await, 0);
        secret["staff_posts"] = json!([]);
        let res = app
            .api("POST", "/api/v1/meetings", &mishu, Some(secret))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();

        // The 非密 post of the same office: not in its week, not found, the room only 已预订.
        let low = app.token_for(&below, &SCOPES).await;
        let week = app
            .api("GET", "/api/v1/meetings?week=2026-12-01", &low, None)
            .await
            .json();
        assert_eq!(week["count"], 0);
        let refused = app.events_of("meetings.read_refused").await;
        let res = app
            .api("GET", &format!("/api/v1/meetings/{id}"), &low, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(app.events_of("meetings.read_refused").await, refused + 1);
        // Its office reads it: the read of a 秘密 meeting is recorded, with no title.
        let reads = app.events_of("meetings.read_classified").await;
        let res = app
            .api("GET", &format!("/api/v1/meetings/{id}"), &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(app.events_of("meetings.read_classified").await, reads + 1);
        let rw = app
            .api(
                "GET",
                &format!("/api/v1/meetings/rooms/{room1}/week?week=2026-12-01"),
                &low,
                None,
            )
            .await
            .json();
        let m = &rw["week"]["days"][1]["meetings"][0];
        assert_eq!(m["title"], "已预订");
        assert_eq!(m["hidden"], true);
        assert!(!rw.to_string().contains("涉密专题会议"));

        // The chair sees it in 我的会议; a county post sees nothing of it.
        let mayor_token = app.token_for("shizhang", &SCOPES).await;
        let mine = app
            .api(
                "GET",
                "/api/v1/meetings?week=2026-12-01&scope=mine",
                &mayor_token,
                None,
            )
            .await
            .json();
        assert_eq!(mine["count"], 1);
        assert_eq!(mine["days"][1]["meetings"][0]["mine"], true);
        let county = app.token_for("qinghe.mishu", &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/meetings/{id}"), &county, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // Only office staff book: the mayor (a government's leader) is refused; and the county
        // office cannot book the city's room.
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &mayor_token,
                Some(
                    json!({"kind_id": k, "title": "x", "organiser_unit_id": office,
                        "chair_post_id": mayor, "starts_at": "2026-12-04 09:00",
                        "ends_at": "2026-12-04 10:00", "room_id": room1}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let county_office = app.unit_id("清河县人民政府办公室").await;
        let res = app
            .api(
                "POST",
                "/api/v1/meetings",
                &county,
                Some(json!({"kind_id": k, "title": "县长办公会议", "organiser_unit_id": county_office,
                        "chair_post_id": mayor, "starts_at": "2026-12-04 09:00",
                        "ends_at": "2026-12-04 10:00", "room_id": room1})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["field"], "room_id");
        assert_eq!(app.count("meetings").await, 1);

        // The page of the meeting: its office's 秘书 sends its notice (advancing is refused
        // until then), and it is 已通知.
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("2026-12-01 09:00"), "Beijing time");
        let res = app.post_form(&format!("/meetings/{id}/advance"), &[]).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("请先发送会议通知"));
        let res = app
            .post_form(
                &format!("/meetings/{id}/notice"),
                &[
                    ("body", "请准时参加。"),
                    ("reply_date", "2026-11-30"),
                    ("reply_time", "17:00"),
                ],
            )
            .await;
        assert_eq!(res.location(), format!("/meetings/{id}?ok=notified"));
        assert_eq!(
            app.text(&format!("select status from meetings where id = {id}"))
                .await,
            "notified"
        );
    }
);

on_both_engines!(
    the_demo_books_weeks_of_meetings_on_working_days_without_a_clash,
    |app: TestApp| async move {
        let booked = app
            .services()
            .load_demo_meetings(crate::support::start_time())
            .await
            .unwrap();
        assert!(booked >= 30, "{booked} meetings");
        assert_eq!(app.count("meetings").await, i64::try_from(booked).unwrap());
        // No room holds two live meetings at once, and no leader chairs or attends two.
        let room_clashes = app
            .scalar(
                "select count(*) from meetings a join meetings b on a.id < b.id
                 and a.room_id = b.room_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
                 where a.status <> 'cancelled' and b.status <> 'cancelled'",
            )
            .await;
        assert_eq!(room_clashes, 0);
        let leader_clashes = app
            .scalar(
                "with l as (select id as meeting_id, chair_post_id as post_id from meetings
                   union select meeting_id, post_id from meeting_attendees
                   where role = 'attend' and post_id is not null)
                 select count(*) from l x join l y on x.post_id = y.post_id
                 and x.meeting_id < y.meeting_id
                 join meetings a on a.id = x.meeting_id join meetings b on b.id = y.meeting_id
                 where a.starts_at < b.ends_at and b.starts_at < a.ends_at",
            )
            .await;
        assert_eq!(leader_clashes, 0);
        // Every meeting past 筹备中 had its notice sent, and its recipients replied through the
        // services: some 请假 approved by the office, some late, none by anyone not invited.
        let notified = app
            .scalar("select count(*) from meetings where status not in ('preparing', 'cancelled')")
            .await;
        assert!(notified > 0);
        assert_eq!(app.count("meeting_notices").await, notified);
        for (what, sql) in [
            (
                "replies",
                "select count(*) from meeting_replies where answer = 'attend'",
            ),
            (
                "approved leave",
                "select count(*) from meeting_replies where answer = 'leave' and leave_status = 'approved'",
            ),
            (
                "by proxy",
                "select count(*) from meeting_replies where answer = 'proxy'",
            ),
            (
                "late",
                "select count(*) from meeting_replies where late = 1",
            ),
        ] {
            assert!(app.scalar(sql).await > 0, "{what}");
        }
        assert_eq!(
            app.scalar("select count(*) from events where kind = 'meeting.replied'")
                .await,
            app.scalar("select count(*) from meeting_replies where answer is not null")
                .await
        );
        // Every meeting on a working day (Beijing), the past ones ended.
        let mishu = app.token_for("mishu", &SCOPES).await;
        let cal = app.services().calendar().await.unwrap();
        // A year of 市长办公会议 and 常务会议 before the recent ten weeks.
        let mut monday = chrono::NaiveDate::from_ymd_opt(2025, 10, 13).unwrap();
        let mut seen = 0;
        while seen < booked {
            let week = app
                .api(
                    "GET",
                    &format!("/api/v1/meetings?week={monday}"),
                    &mishu,
                    None,
                )
                .await
                .json();
            for day in week["days"].as_array().unwrap() {
                let date: chrono::NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
                for m in day["meetings"].as_array().unwrap() {
                    seen += 1;
                    assert!(cal.is_working_day(date), "{date}: {m}");
                    let ends: chrono::DateTime<chrono::Utc> =
                        m["ends_at"].as_str().unwrap().parse().unwrap();
                    if ends < crate::support::start_time() {
                        assert!(m["status"] == "ended" || m["status"] == "minuted", "{m}");
                    }
                }
            }
            monday += Duration::weeks(1);
            assert!(
                monday < chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
                "found {seen} of {booked}"
            );
        }
        // Held meetings were signed in (by code, by the staff, some late, some absent); the
        // older 市长办公会议 and 常务会议 have their minutes issued and their decisions followed
        // as supervision items, signed for by the lead units.
        for (what, sql) in [
            (
                "by code",
                "select count(*) from meeting_signins where method = 'code'",
            ),
            (
                "by the staff",
                "select count(*) from meeting_signins where method = 'staff'",
            ),
            (
                "late",
                "select count(*) from meeting_signins where status = 'late'",
            ),
            (
                "absent",
                "select count(*) from meeting_signins where status = 'absent'",
            ),
            (
                "minuted",
                "select count(*) from meetings where status = 'minuted'",
            ),
        ] {
            assert!(app.scalar(sql).await > 0, "{what}");
        }
        let items = app
            .scalar("select count(*) from meeting_decisions where supervision_item_id is not null")
            .await;
        assert!(items > 0);
        assert_eq!(
            app.scalar(
                "select count(*) from meeting_decisions d join supervision_items i
                 on i.id = d.supervision_item_id where i.source_kind = 'meeting'
                 and i.state in ('handling', 'closed')"
            )
            .await,
            items
        );
        // Followed through with realistic lateness: most closed by their deadline, some late,
        // a few still open past it.
        let today = (crate::support::start_time() + Duration::hours(8))
            .format("%Y-%m-%d")
            .to_string();
        let count = |cond: &str| {
            let app = &app;
            let sql = format!(
                "select count(*) from meeting_decisions d join supervision_items i
                 on i.id = d.supervision_item_id where {cond}"
            );
            async move { app.scalar(&sql).await }
        };
        let on_time = count("i.state = 'closed' and i.closed_on <= i.deadline").await;
        let late = count("i.state = 'closed' and i.closed_on > i.deadline").await;
        let open_late = count(&format!("i.state <> 'closed' and i.deadline < '{today}'")).await;
        assert!(on_time > late && late > 0, "{on_time} on time, {late} late");
        assert!(
            open_late > 0 && open_late < late,
            "{open_late} open past the deadline"
        );
        assert_eq!(
            app.scalar("select count(*) from meeting_minutes where issued_at is null")
                .await,
            0
        );
    }
);
