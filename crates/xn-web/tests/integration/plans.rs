//! 日安排 and 规章制度 (issue 22, items 2 and 3): a day plan pulls exactly the post's open tasks
//! with a deadline, its meetings, the replies and the weekly report it owes and its targets'
//! milestones, beside its own entries in its own order; any line is marked done for the plan
//! only; a section's chief sees the section's day and anyone else is refused. A rule's new
//! version asks every post of the office to acknowledge it and the counts follow; a post of
//! another unit neither sees nor acknowledges it.

use axum::http::StatusCode;
use chrono::Duration;
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

fn sources(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["source"].as_str().unwrap().to_owned())
        .collect()
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["title"].as_str().unwrap().to_owned())
        .collect()
}

fn line<'a>(list: &'a Value, source: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["source"] == source)
        .unwrap_or_else(|| panic!("no line {source}: {list}"))
}

/// The open task of a case (its id).
async fn open_task(app: &TestApp, case: i64) -> i64 {
    app.scalar(&format!(
        "select id from tasks where case_id = {case} and state = 'open' and kind = 'task'"
    ))
    .await
}

/// Books a meeting of the city office chaired by `chair`, with `attend` asked to attend.
async fn meeting(
    app: &TestApp,
    mishu: &str,
    title: &str,
    chair: i64,
    attend: &[i64],
    starts: &str,
    ends: &str,
) -> i64 {
    let office = app.unit_id("东川市人民政府办公室").await;
    let kind = app
        .scalar("select id from meeting_kinds where name = '专题会议'")
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/meetings",
            mishu,
            Some(json!({
                "kind_id": kind, "title": title, "organiser_unit_id": office,
                "chair_post_id": chair, "starts_at": starts, "ends_at": ends,
                "place_kind": "venue", "venue": "市政府小会议室",
                "attend_posts": attend,
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

on_both_engines!(
    the_day_plan_pulls_exactly_the_posts_tasks_meetings_and_reports_beside_its_own_entries,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let kezhang_post = app.post_of("kezhang").await;
        let mishu_post = app.post_of("mishu").await;
        let zhuren_post = app.post_of("zhuren").await;

        // Thursday 2026-11-26: a request reaches the 科长 (due in two working days: Monday).
        let early = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        let early_task = open_task(&app, early).await;
        // Monday 2026-11-30 09:00: another (due Wednesday).
        app.clock.advance(Duration::hours(95));
        let later = app
            .internal_request(&mishu, "关于维修打印机的请示", "打印机需维修。")
            .await;
        let later_task = open_task(&app, later).await;
        // A task of someone else is not the 科长's: the 主任's on a notice.
        app.notice_at_the_director("关于做好冬季安全生产工作的通知", None)
            .await;
        // Meetings: the 科长 chairs one today; is asked to attend one on Thursday (noticed,
        // reply owed); chairs one next week (not this week's); a meeting without him.
        let today_meeting = meeting(
            &app,
            &mishu,
            "科室周例会",
            kezhang_post,
            &[mishu_post],
            "2026-11-30 15:00",
            "2026-11-30 16:00",
        )
        .await;
        let thursday = meeting(
            &app,
            &mishu,
            "档案工作推进会",
            zhuren_post,
            &[kezhang_post],
            "2026-12-03 09:00",
            "2026-12-03 10:00",
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{thursday}/notice"),
            &mishu,
            Some(json!({"body": "请准时参加。", "reply_by": "2026-12-02 17:00"})),
        )
        .await;
        meeting(
            &app,
            &mishu,
            "下周例会",
            kezhang_post,
            &[],
            "2026-12-07 15:00",
            "2026-12-07 16:00",
        )
        .await;
        meeting(
            &app,
            &mishu,
            "与科长无关的会",
            zhuren_post,
            &[mishu_post],
            "2026-11-30 10:00",
            "2026-11-30 11:00",
        )
        .await;
        let reply = app
            .scalar(&format!(
                "select id from meeting_replies where meeting_id = {thursday} and post_id = {kezhang_post}"
            ))
            .await;

        let p = ok(&app, "GET", "/api/v1/plans?date=2026-11-30", &kezhang, None).await;
        assert_eq!(p["date"], "2026-11-30");
        assert_eq!(p["weekday"], "周一");
        let mut today = sources(&p["today"]);
        today.sort();
        let mut expected = vec![
            format!("task:{early_task}"),
            format!("meeting:{today_meeting}"),
            "weekly:2026-11-23".to_owned(),
        ];
        expected.sort();
        assert_eq!(today, expected, "{p}");
        let mut week = sources(&p["week"]);
        week.sort();
        let mut expected = vec![
            format!("task:{later_task}"),
            format!("meeting:{thursday}"),
            format!("reply:{reply}"),
            "weekly:2026-11-30".to_owned(),
        ];
        expected.sort();
        assert_eq!(week, expected, "{p}");
        assert_eq!(
            line(&p["today"], &format!("task:{early_task}"))["title"],
            "关于购置档案柜的请示"
        );
        assert_eq!(
            line(&p["today"], "weekly:2026-11-23")["overdue"],
            true,
            "last week's report is missing"
        );
        assert_eq!(
            line(&p["week"], &format!("reply:{reply}"))["due"],
            "2026-12-02"
        );
        assert_eq!(p["own"], json!([]));

        // The week's report once submitted is no longer owed.
        ok(
            &app,
            "POST",
            "/api/v1/reports",
            &kezhang,
            Some(json!({"week": "2026-11-23", "body": "上周工作。", "submit": true})),
        )
        .await;
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-11-30", &kezhang, None).await;
        assert!(
            !sources(&p["today"]).contains(&"weekly:2026-11-23".to_owned()),
            "{p}"
        );

        // A pulled line marked done for the plan: the task stays open.
        ok(
            &app,
            "POST",
            "/api/v1/plans/marks",
            &kezhang,
            Some(
                json!({"date": "2026-11-30", "source": format!("task:{early_task}"), "done": true}),
            ),
        )
        .await;
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-11-30", &kezhang, None).await;
        assert_eq!(
            line(&p["today"], &format!("task:{early_task}"))["done"],
            true
        );
        assert_eq!(p["done_count"], 1);
        assert_eq!(
            app.text(&format!("select state from tasks where id = {early_task}"))
                .await,
            "open"
        );
        // A line not on the plan cannot be marked; another's task neither.
        let res = app
            .api(
                "POST",
                "/api/v1/plans/marks",
                &kezhang,
                Some(json!({"date": "2026-11-30", "source": "task:999999", "done": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app.api("POST", "/api/v1/plans/marks", &mishu,
            Some(json!({"date": "2026-11-30", "source": format!("task:{early_task}"), "done": true}))).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        // The mark is the day's: the same task on Tuesday is not done (and now overdue).
        app.clock.advance(Duration::days(1));
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-01", &kezhang, None).await;
        let t = line(&p["today"], &format!("task:{early_task}"));
        assert_eq!(t["done"], false);
        assert_eq!(t["overdue"], true);

        // The 秘书's own entries: added, ordered, done, removed.
        let a = ok(
            &app,
            "POST",
            "/api/v1/plans/entries",
            &mishu,
            Some(json!({"date": "2026-12-01", "text": "校对会议纪要"})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let b = ok(
            &app,
            "POST",
            "/api/v1/plans/entries",
            &mishu,
            Some(json!({"date": "2026-12-01", "text": "整理档案", "time": "9:30"})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let c = ok(
            &app,
            "POST",
            "/api/v1/plans/entries",
            &mishu,
            Some(json!({"date": "2026-12-01", "text": "送文件到市委办"})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                "/api/v1/plans/entries",
                &mishu,
                Some(json!({"date": "2026-12-01", "text": "x", "time": "25:00"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/plans/entries",
                &mishu,
                Some(json!({"date": "2026-12-01", "text": "  "})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        ok(
            &app,
            "POST",
            &format!("/api/v1/plans/entries/{c}/move"),
            &mishu,
            Some(json!({"direction": "up"})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/plans/entries/{c}/move"),
            &mishu,
            Some(json!({"direction": "up"})),
        )
        .await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/plans/entries/{c}/move"),
                &mishu,
                Some(json!({"direction": "up"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "already first: {}",
            res.body
        );
        ok(
            &app,
            "POST",
            &format!("/api/v1/plans/entries/{b}/done"),
            &mishu,
            Some(json!({"done": true})),
        )
        .await;
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-01", &mishu, None).await;
        assert_eq!(
            titles(&p["own"]),
            ["送文件到市委办", "校对会议纪要", "整理档案"],
            "{p}"
        );
        assert_eq!(p["own"][2]["time"], "09:30");
        assert_eq!(p["own"][2]["done"], true);
        assert_eq!(p["own"][0]["done"], false);
        // Someone else's entry reads as missing.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/plans/entries/{a}/done"),
                &kezhang,
                Some(json!({"done": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "DELETE",
                &format!("/api/v1/plans/entries/{a}"),
                &kezhang,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        ok(
            &app,
            "DELETE",
            &format!("/api/v1/plans/entries/{a}"),
            &mishu,
            None,
        )
        .await;
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-01", &mishu, None).await;
        assert_eq!(titles(&p["own"]), ["送文件到市委办", "整理档案"], "{p}");
        // Another day's plan has none of them.
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-02", &mishu, None).await;
        assert_eq!(p["own"], json!([]));

        // The chief sees the section's day: the 秘书's entries and his own lines.
        let s = ok(
            &app,
            "GET",
            "/api/v1/plans/section?date=2026-12-01",
            &kezhang,
            None,
        )
        .await;
        let people = s["people"].as_array().unwrap();
        let me = people
            .iter()
            .find(|x| x["post_id"] == kezhang_post)
            .unwrap();
        assert!(
            sources(&me["today"]).contains(&format!("task:{early_task}")),
            "{s}"
        );
        assert_eq!(
            me["week"],
            json!([]),
            "the section's day leaves the week out"
        );
        let her = people.iter().find(|x| x["post_id"] == mishu_post).unwrap();
        assert_eq!(titles(&her["own"]), ["送文件到市委办", "整理档案"], "{s}");
        assert_eq!(her["done_count"], 1);
        // The 秘书 and a county's 文书 are refused.
        let res = app
            .api("GET", "/api/v1/plans/section?date=2026-12-01", &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let county = app.token_for("qinghe.wenshu", &SCOPES).await;
        let res = app.api("GET", "/api/v1/plans/section", &county, None).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // The pages: the 秘书's day on a phone-sized page, the chief's section page.
        app.login_as("mishu").await;
        let page = app.get("/plans/today?date=2026-12-01").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("送文件到市委办") && page.body.contains("09:30"),
            "{}",
            page.body
        );
        let page = app.get("/plans/section").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        app.forget_cookies();
        app.login_as("kezhang").await;
        let page = app.get("/plans/section?date=2026-12-01").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("整理档案"), "{}", page.body);
    }
);

on_both_engines!(
    a_targets_milestone_is_on_the_owners_plan_in_the_week_its_quarter_ends,
    |app: TestApp| async move {
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let section = app.unit_id("秘书一科").await;
        let mishu_post = app.post_of("mishu").await;
        let t = |title: &str, weight: i64, parent: Option<i64>| {
            json!({"title": title, "measure_kind": "number", "measure_unit": "条",
                "target_value": "120", "weight": weight, "parent_id": parent,
                "unit_id": parent.map(|_| section), "year": 2026,
                "milestones": ["30 条", "60 条", "90 条", "120 条"]})
        };
        let top = ok(
            &app,
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(t("政务信息报送", 60, None)),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let sec = ok(
            &app,
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(t("秘书一科信息报送", 70, Some(top))),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let mut mine = t("王晓东报送信息", 100, Some(sec));
        mine["owner_post_id"] = mishu_post.into();
        let own = ok(&app, "POST", "/api/v1/targets", &kezhang, Some(mine)).await["id"]
            .as_i64()
            .unwrap();

        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-28", &mishu, None).await;
        let m = line(&p["week"], &format!("milestone:{own}:4"));
        assert!(m["title"].as_str().unwrap().contains("120 条"), "{m}");
        assert_eq!(m["due"], "2026-12-31");
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-31", &mishu, None).await;
        assert!(
            sources(&p["today"]).contains(&format!("milestone:{own}:4")),
            "{p}"
        );
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-21", &mishu, None).await;
        assert!(
            !sources(&p["today"])
                .iter()
                .chain(sources(&p["week"]).iter())
                .any(|s| s.starts_with("milestone:")),
            "{p}"
        );
        // The 科长 owns no target: nothing of it on his plan.
        let p = ok(&app, "GET", "/api/v1/plans?date=2026-12-31", &kezhang, None).await;
        assert!(
            !sources(&p["today"])
                .iter()
                .any(|s| s.starts_with("milestone:")),
            "{p}"
        );
    }
);

on_both_engines!(
    a_new_rule_version_asks_every_post_of_the_office_and_another_unit_cannot_see_it,
    |app: TestApp| async move {
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let county = app.token_for("qinghe.wenshu", &SCOPES).await;
        let kezhang_post = app.post_of("kezhang").await;
        let mishu_post = app.post_of("mishu").await;
        let county_post = app.post_of("qinghe.wenshu").await;

        // Only the office's leaders make a rule.
        let res = app
            .api(
                "POST",
                "/api/v1/rules",
                &mishu,
                Some(json!({
            "title": "值班制度", "body": "第一条 ……", "effective_on": "2026-12-01"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/rules",
                &zhuren,
                Some(json!({
            "title": "公文处理细则", "body": "第一条 ……", "effective_on": "2026-12-01",
            "owner_post_id": county_post})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an owner outside the office: {}",
            res.body
        );
        let id = ok(
            &app,
            "POST",
            "/api/v1/rules",
            &zhuren,
            Some(json!({
            "title": "公文处理细则", "body": "第一条 为规范公文处理工作，制定本细则。",
            "effective_on": "2026-12-01", "owner_post_id": kezhang_post})),
        )
        .await["id"]
            .as_i64()
            .unwrap();

        // Every post of the office is asked, none outside it.
        let asked = app
            .scalar(&format!(
                "select count(*) from office_rule_acks where rule_id = {id} and version = 1"
            ))
            .await;
        assert!(asked >= 3, "{asked}");
        assert_eq!(app.scalar(&format!(
            "select count(*) from office_rule_acks where rule_id = {id} and post_id = {county_post}")).await, 0);
        assert_eq!(app.scalar(&format!(
            "select count(*) from notifications where post_id = {mishu_post} and kind = 'management.rule_published'")).await, 1);
        let r = ok(&app, "GET", &format!("/api/v1/rules/{id}"), &kezhang, None).await;
        assert_eq!(r["acks"]["asked"], asked);
        assert_eq!(r["acks"]["acknowledged"], 0);
        assert_eq!(r["may_publish"], true, "the owner publishes");

        // The 秘书: asked, sees it on her plan and workbench, acknowledges once.
        let r = ok(&app, "GET", &format!("/api/v1/rules/{id}"), &mishu, None).await;
        assert_eq!(r["my_status"], "pending");
        assert_eq!(r["acks"], Value::Null, "the counts are the owner's");
        assert_eq!(r["may_publish"], false);
        let p = ok(&app, "GET", "/api/v1/plans", &mishu, None).await;
        assert!(
            sources(&p["today"]).contains(&format!("rule:{id}:1")),
            "{p}"
        );
        app.login_as("mishu").await;
        let bench = app.get("/").await;
        assert!(
            bench.body.contains("待阅知") && bench.body.contains("公文处理细则"),
            "{}",
            bench.body
        );
        app.forget_cookies();
        ok(
            &app,
            "POST",
            &format!("/api/v1/rules/{id}/acknowledge"),
            &mishu,
            None,
        )
        .await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/rules/{id}/acknowledge"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let p = ok(&app, "GET", "/api/v1/plans", &mishu, None).await;
        assert!(
            !sources(&p["today"]).contains(&format!("rule:{id}:1")),
            "{p}"
        );
        let list = ok(&app, "GET", "/api/v1/rules", &kezhang, None).await;
        assert_eq!(list["rules"][0]["acknowledged"], 1, "{list}");
        assert_eq!(list["rules"][0]["asked"], asked, "{list}");
        let list = ok(&app, "GET", "/api/v1/rules", &mishu, None).await;
        assert_eq!(list["rules"][0]["my_status"], "acknowledged");
        assert_eq!(list["rules"][0]["acknowledged"], Value::Null);

        // Another unit: neither listed, nor readable, nor acknowledged, nor published.
        let list = ok(&app, "GET", "/api/v1/rules", &county, None).await;
        assert_eq!(list["rules"], json!([]));
        for (method, path) in [
            ("GET", format!("/api/v1/rules/{id}")),
            ("POST", format!("/api/v1/rules/{id}/acknowledge")),
        ] {
            let res = app.api(method, &path, &county, None).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
        }
        let res = app
            .api(
                "POST",
                &format!("/api/v1/rules/{id}/versions"),
                &county,
                Some(json!({"body": "改", "effective_on": "2027-01-01"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/rules/{id}/versions"),
                &mishu,
                Some(json!({"body": "改", "effective_on": "2027-01-01"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // A new version asks everyone again; the first stays readable.
        let v = ok(&app, "POST", &format!("/api/v1/rules/{id}/versions"), &kezhang,
            Some(json!({"body": "第一条 为规范公文处理工作，制定本细则。\n第二条 （新增）电子公文与纸质公文同等效力。",
                "effective_on": "2027-01-01", "note": "增加第二条"}))).await;
        assert_eq!(v["version"], 2);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from office_rule_acks where rule_id = {id} and version = 2"
            ))
            .await,
            asked
        );
        let r = ok(&app, "GET", &format!("/api/v1/rules/{id}"), &zhuren, None).await;
        assert_eq!(r["current_version"], 2);
        assert_eq!(r["acks"]["acknowledged"], 0);
        assert_eq!(r["acks"]["asked"], asked);
        assert_eq!(r["versions"].as_array().unwrap().len(), 2);
        assert!(r["shown"]["body"].as_str().unwrap().contains("第二条"));
        let r = ok(
            &app,
            "GET",
            &format!("/api/v1/rules/{id}?version=1"),
            &mishu,
            None,
        )
        .await;
        assert!(!r["shown"]["body"].as_str().unwrap().contains("第二条"));
        assert_eq!(r["my_status"], "pending", "asked again for version 2");
        let p = ok(&app, "GET", "/api/v1/plans", &mishu, None).await;
        assert!(
            sources(&p["today"]).contains(&format!("rule:{id}:2")),
            "{p}"
        );
        ok(
            &app,
            "POST",
            &format!("/api/v1/rules/{id}/acknowledge"),
            &mishu,
            None,
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/rules/{id}/acknowledge"),
            &zhuren,
            None,
        )
        .await;
        let r = ok(&app, "GET", &format!("/api/v1/rules/{id}"), &zhuren, None).await;
        assert_eq!(r["acks"]["acknowledged"], 2);
        let done: Vec<i64> = r["acks"]["posts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| !a["acknowledged_at"].is_null())
            .map(|a| a["post_id"].as_i64().unwrap())
            .collect();
        assert!(done.contains(&mishu_post), "{r}");
        assert!(app.events_of("management.rule_published").await >= 2);
        assert!(app.events_of("management.rule_acknowledged").await >= 3);

        // The pages.
        app.login_as("kezhang").await;
        let page = app.get(&format!("/rules/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("已阅知 2 / 应阅知"), "{}", page.body);
        app.forget_cookies();
        app.login_as("qinghe.wenshu").await;
        let page = app.get(&format!("/rules/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
);
