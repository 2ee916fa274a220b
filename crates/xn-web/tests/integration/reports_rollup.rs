//! 周报告汇总 (issue 22, item 4): a section's week rolls up from its people's — its figures are
//! the sum of each person's own week, its draft carries what each submitted — and an office's
//! from its sections' roll-ups and its own people's; the chief submits the section's, the
//! office's leader comments on it; a county office's goes up to the city's leaders. Nobody
//! else edits one, and nobody reads another office's.

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

const FIGURES: [&str; 11] = [
    "people",
    "submitted",
    "late",
    "missing",
    "documents",
    "documents_with_deadline",
    "documents_on_time",
    "tasks",
    "meetings",
    "reports",
    "slipped",
];

fn part<'a>(r: &'a Value, kind: &str, id: i64) -> &'a Value {
    r["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind && p["id"] == id)
        .unwrap_or_else(|| panic!("no {kind} {id} in {r}"))
}

fn figure(v: &Value, name: &str) -> i64 {
    v[name].as_i64().unwrap()
}

on_both_engines!(
    a_sections_week_rolls_up_from_its_people_and_an_offices_from_its_sections,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        // The week of 2026-11-23: the 秘书 asks, the 科长 approves; a notice passes the 科长.
        let request = app
            .internal_request(&mishu, "关于增配复印机的请示", "申请增配复印机一台。")
            .await;
        app.complete_ok(&kezhang, request, "同意", "同意", json!({}))
            .await;
        app.notice_at_the_director("关于做好岁末年初值班工作的通知", None)
            .await;
        ok(&app, "POST", "/api/v1/reports", &mishu,
            Some(json!({"week": "2026-11-26", "body": "起草请示一件，整理会议材料。", "submit": true}))).await;

        // The section's roll-up: its figures are each person's own week summed.
        let r = ok(
            &app,
            "GET",
            "/api/v1/reports/rollup?week=2026-11-26",
            &kezhang,
            None,
        )
        .await;
        assert_eq!(r["level"], "section", "{r}");
        assert_eq!(r["week_start"], "2026-11-23");
        assert_eq!(
            r["due_date"], "2026-11-30",
            "a working day after the people's Friday"
        );
        assert_eq!(r["status"], "owed");
        assert_eq!(r["may_edit"], true);
        let section = r["unit_id"].as_i64().unwrap();
        let parts = r["parts"].as_array().unwrap();
        assert!(parts.len() >= 2, "{r}");
        let mut sum = [0_i64; 11];
        for p in parts {
            assert_eq!(p["kind"], "person");
            let post = p["id"].as_i64().unwrap();
            let w = ok(
                &app,
                "GET",
                &format!("/api/v1/reports/week?week=2026-11-26&post={post}"),
                &kezhang,
                None,
            )
            .await;
            let own = [
                1,
                i64::from(w["status"] == "submitted"),
                i64::from(w["late"] == true),
                i64::from(w["status"] != "submitted"),
                i64::try_from(w["draft"]["documents"].as_array().unwrap().len()).unwrap(),
                w["draft"]["documents_with_deadline"].as_i64().unwrap(),
                w["draft"]["documents_on_time"].as_i64().unwrap(),
                i64::try_from(w["draft"]["tasks"].as_array().unwrap().len()).unwrap(),
                i64::try_from(w["draft"]["meetings"].as_array().unwrap().len()).unwrap(),
                i64::try_from(w["draft"]["reports"].as_array().unwrap().len()).unwrap(),
                i64::try_from(w["draft"]["slipped"].as_array().unwrap().len()).unwrap(),
            ];
            for (i, name) in FIGURES.iter().enumerate() {
                assert_eq!(figure(&p["figures"], name), own[i], "{name} of {p}");
                sum[i] += own[i];
            }
        }
        for (i, name) in FIGURES.iter().enumerate() {
            assert_eq!(figure(&r["totals"], name), sum[i], "total {name}: {r}");
        }
        let kezhang_post = app.post_of("kezhang").await;
        let mishu_post = app.post_of("mishu").await;
        assert_eq!(
            figure(&part(&r, "person", kezhang_post)["figures"], "tasks"),
            1,
            "{r}"
        );
        assert_eq!(
            figure(&part(&r, "person", kezhang_post)["figures"], "documents"),
            1,
            "{r}"
        );
        assert_eq!(part(&r, "person", mishu_post)["status"], "submitted");
        assert_eq!(figure(&r["totals"], "submitted"), 1);
        let body = r["body"].as_str().unwrap();
        assert_eq!(r["drafted"], true);
        assert!(body.contains("起草请示一件，整理会议材料。"), "{body}");
        assert!(body.contains("（一）"), "{body}");
        assert!(body.contains("未报送周报告。"), "{body}");
        assert!(
            body.contains(&format!("应报送周报告 {} 人，已报送 1 人", parts.len())),
            "{body}"
        );

        // The 秘书 neither reads nor writes a roll-up; the 科长 reads no other section's.
        let res = app.api("GET", "/api/v1/reports/rollup", &mishu, None).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/reports/rollup",
                &mishu,
                Some(json!({"week": "2026-11-26", "body": "汇总", "submit": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let office = ok(
            &app,
            "GET",
            "/api/v1/reports/rollup?week=2026-11-26",
            &zhuren,
            None,
        )
        .await;
        assert_eq!(office["level"], "office", "{office}");
        assert_eq!(office["due_date"], "2026-12-01");
        let other = office["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "section" && p["id"] != section)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "GET",
                &format!("/api/v1/reports/rollup?unit={other}"),
                &kezhang,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // The 科长 submits; an empty text is refused; the office's leaders are told.
        let res = app
            .api(
                "POST",
                "/api/v1/reports/rollup",
                &kezhang,
                Some(json!({"week": "2026-11-26", "body": "  ", "submit": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("weekly_rollups").await, 0, "nothing half-written");
        let text = format!("{body}三、存在的问题：无。");
        // Before the people's Friday only a draft; then, with people still owing, only when
        // that is confirmed.
        let res = app.api("POST", "/api/v1/reports/rollup", &kezhang,
            Some(json!({"week": "2026-11-26", "body": text, "submit": true, "confirm_missing": true}))).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("起才能报送汇总"), "{}", res.body);
        app.clock.advance(Duration::days(1)); // Fri 2026-11-27
        let res = app
            .api(
                "POST",
                "/api/v1/reports/rollup",
                &kezhang,
                Some(json!({"week": "2026-11-26", "body": text, "submit": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("仍然报送"), "{}", res.body);
        assert_eq!(
            app.count("weekly_rollups where status = 'submitted'").await,
            0
        );
        let saved = ok(
            &app,
            "POST",
            "/api/v1/reports/rollup",
            &kezhang,
            Some(json!({"week": "2026-11-26", "body": text, "submit": true, "confirm_missing": true})),
        )
        .await;
        let id = saved["id"].as_i64().unwrap();
        let zhuren_post = app.post_of("zhuren").await;
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {zhuren_post} and kind = 'management.rollup_submitted'")).await, 1);
        let res = app
            .api(
                "POST",
                "/api/v1/reports/rollup",
                &kezhang,
                Some(json!({"week": "2026-11-26", "body": "改", "submit": false})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a submitted roll-up no longer changes: {}",
            res.body
        );

        // The office's roll-up carries the section's as one part, figures and text.
        let office = ok(
            &app,
            "GET",
            "/api/v1/reports/rollup?week=2026-11-26",
            &zhuren,
            None,
        )
        .await;
        let s = part(&office, "section", section);
        assert_eq!(s["status"], "submitted", "{s}");
        assert_eq!(s["body"], text.trim());
        for name in FIGURES {
            assert_eq!(
                figure(&s["figures"], name),
                sum[FIGURES.iter().position(|n| *n == name).unwrap()],
                "{name}"
            );
        }
        let office_body = office["body"].as_str().unwrap();
        assert!(
            office_body.contains("各科室及人员工作情况"),
            "{office_body}"
        );
        assert!(
            office_body.contains("未报送汇总。"),
            "another section has not: {office_body}"
        );
        let mut office_people = 0;
        for p in office["parts"].as_array().unwrap() {
            office_people += figure(&p["figures"], "people");
        }
        assert_eq!(figure(&office["totals"], "people"), office_people);

        // The 主任 comments on the section's; the 科长 is told; the 科长 cannot comment on it.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/reports/rollup/{id}/comment"),
                &kezhang,
                Some(json!({"comment": "好"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        ok(
            &app,
            "POST",
            &format!("/api/v1/reports/rollup/{id}/comment"),
            &zhuren,
            Some(json!({"comment": "复印机年底前到位。"})),
        )
        .await;
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {kezhang_post} and kind = 'management.rollup_commented'")).await, 1);
        let r = ok(
            &app,
            "GET",
            &format!("/api/v1/reports/rollup?unit={section}&week=2026-11-23"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(r["comment"], "复印机年底前到位。");
        assert_eq!(r["may_edit"], false);
        assert_eq!(r["late"], false);

        // A county office's roll-up: its leader submits it (late, after its day) and the
        // city's leaders are told and may comment; the county reads nothing of the city's.
        let qinghe = app.token_for("qinghe.zhuren", &SCOPES).await;
        let county = ok(
            &app,
            "GET",
            "/api/v1/reports/rollup?week=2026-11-26",
            &qinghe,
            None,
        )
        .await;
        assert_eq!(county["level"], "office");
        let county_office = county["unit_id"].as_i64().unwrap();
        let city_office = office["unit_id"].as_i64().unwrap();
        let res = app
            .api(
                "GET",
                &format!("/api/v1/reports/rollup?unit={city_office}"),
                &qinghe,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "GET",
                &format!("/api/v1/reports/rollup?unit={section}"),
                &qinghe,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let seen = ok(
            &app,
            "GET",
            &format!("/api/v1/reports/rollup?unit={county_office}&week=2026-11-26"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(
            seen["may_edit"], false,
            "the city reads a county's roll-up, not writes it"
        );
        let res = app.api("POST", "/api/v1/reports/rollup", &zhuren,
            Some(json!({"unit": county_office, "week": "2026-11-26", "body": "代为汇总", "submit": true}))).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        app.clock.advance(Duration::days(5)); // Wed 2026-12-02, past the county's Tuesday
        let saved = ok(
            &app,
            "POST",
            "/api/v1/reports/rollup",
            &qinghe,
            Some(
                json!({"week": "2026-11-26", "body": "县政府办公室本周工作汇总。", "submit": true,
                    "confirm_missing": true}),
            ),
        )
        .await;
        let county_id = saved["id"].as_i64().unwrap();
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {zhuren_post} and kind = 'management.rollup_submitted'")).await, 2);
        let seen = ok(
            &app,
            "GET",
            &format!("/api/v1/reports/rollup?unit={county_office}&week=2026-11-26"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(seen["status"], "submitted");
        assert_eq!(seen["late"], true, "{seen}");
        assert_eq!(seen["may_comment"], true);
        ok(
            &app,
            "POST",
            &format!("/api/v1/reports/rollup/{county_id}/comment"),
            &zhuren,
            Some(json!({"comment": "请按时报送。"})),
        )
        .await;
        assert_eq!(app.events_of("management.rollup_submitted").await, 2);
        assert_eq!(app.events_of("management.rollup_commented").await, 2);

        // The page shows the section's roll-up to its chief, in Chinese.
        app.login_as("kezhang").await;
        let page = app
            .get(&format!(
                "/management/reports/rollup?unit={section}&week=2026-11-23"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("周报告汇总"), "{}", page.body);
        assert!(page.body.contains("复印机年底前到位。"));
    }
);
