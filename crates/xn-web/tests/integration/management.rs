//! 管理 (issue 22): targets cascaded with the 100 % rule (under concurrency too), the week's
//! report drafted from exactly the week's events, submitted, commented and urged, and the
//! month's evaluation equal to a hand computation from the test's facts and weights — changed
//! by a weight before locking and never after — with an objection decided and the xlsx sheet
//! whose formulas recompute to the page's totals.

use std::io::Read;

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["title"].as_str().unwrap().to_owned())
        .collect()
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

fn target(title: &str, weight: i64, parent: Option<i64>, unit: Option<i64>) -> Value {
    json!({"title": title, "measure_kind": "number", "measure_unit": "条", "target_value": "120",
        "weight": weight, "parent_id": parent, "unit_id": unit, "year": 2026,
        "milestones": ["30 条", "60 条", "90 条", "120 条"]})
}

on_both_engines!(
    a_cascade_over_a_hundred_percent_is_refused_naming_the_parent,
    |app: TestApp| async move {
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let section = app.unit_id("秘书一科").await;
        let mishu_post = app.post_of("mishu").await;

        let top = ok(
            &app,
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(target("政务信息报送", 60, None, None)),
        )
        .await;
        let top = top["id"].as_i64().unwrap();
        // The office's own year: 60 % taken, 50 % more is refused.
        let res = app
            .api(
                "POST",
                "/api/v1/targets",
                &zhuren,
                Some(target("办文提速", 50, None, None)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("本单位年度目标"), "{}", res.body);
        // A 秘书 sets no office target.
        let res = app
            .api(
                "POST",
                "/api/v1/targets",
                &mishu,
                Some(target("自定目标", 10, None, None)),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // Cascaded to 秘书一科 at 70 %, then 40 % more is refused naming the parent.
        let child = ok(
            &app,
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(target("秘书一科信息报送", 70, Some(top), Some(section))),
        )
        .await;
        let child = child["id"].as_i64().unwrap();
        let res = app
            .api(
                "POST",
                "/api/v1/targets",
                &zhuren,
                Some(target("再分一项", 40, Some(top), Some(section))),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("政务信息报送"), "{}", res.body);
        assert!(res.body.contains("110%"), "{}", res.body);
        // The section's chief gives the section's target to a post; the 秘书 sees it with its
        // chain, and is told.
        let mut to_post = target("王晓东报送信息", 100, Some(child), Some(section));
        to_post["owner_post_id"] = mishu_post.into();
        ok(&app, "POST", "/api/v1/targets", &kezhang, Some(to_post)).await;
        let mine = ok(&app, "GET", "/api/v1/targets?year=2026", &mishu, None).await;
        let shown = titles(&mine["targets"]);
        assert_eq!(
            shown,
            ["政务信息报送", "秘书一科信息报送", "王晓东报送信息"],
            "{mine}"
        );
        assert!(
            (mine["targets"][2]["share"].as_f64().unwrap() - 42.0).abs() < 1e-9,
            "{mine}"
        );
        assert_eq!(
            app.scalar(&format!("select count(*) from notifications where post_id = {mishu_post} and kind = 'management.target_assigned'")).await,
            1
        );

        // Two children of 60 % fired at once, through two servers: one is stored, the other
        // refused; the parent never holds more than 100 %.
        let other = ok(
            &app,
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(target("会议服务", 40, None, None)),
        )
        .await;
        let other = other["id"].as_i64().unwrap();
        let second = app.second_server();
        let (a, b) = tokio::join!(
            app.api(
                "POST",
                "/api/v1/targets",
                &zhuren,
                Some(target("会务甲", 60, Some(other), Some(section)))
            ),
            second.api(
                "POST",
                "/api/v1/targets",
                &zhuren,
                Some(target("会务乙", 60, Some(other), Some(section)))
            ),
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 422], "{} / {}", a.body, b.body);
        assert_eq!(
            app.scalar(&format!(
                "select cast(sum(weight) as bigint) from targets where parent_id = {other}"
            ))
            .await,
            60
        );
        assert!(app.events_of("management.target_created").await >= 5);
    }
);

on_both_engines!(
    a_weekly_report_lists_exactly_the_weeks_events_and_is_submitted_commented_and_urged,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        // The week of 2026-11-23: the 科长 approves a request and checks a notice.
        let request = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        app.complete_ok(&kezhang, request, "同意", "同意购置", json!({}))
            .await;
        app.notice_at_the_director("关于做好冬季安全生产工作的通知", None)
            .await;

        let w = ok(
            &app,
            "GET",
            "/api/v1/reports/week?week=2026-11-26",
            &kezhang,
            None,
        )
        .await;
        assert_eq!(w["week_start"], "2026-11-23");
        assert_eq!(
            w["due_date"], "2026-11-27",
            "the office's default day is Friday"
        );
        assert_eq!(
            titles(&w["draft"]["documents"]),
            ["关于做好冬季安全生产工作的通知"],
            "{w}"
        );
        assert_eq!(
            titles(&w["draft"]["tasks"]),
            ["关于购置档案柜的请示"],
            "{w}"
        );
        for empty in ["meetings", "reports", "slipped"] {
            assert_eq!(w["draft"][empty], json!([]), "{empty}: {w}");
        }
        assert_eq!(w["drafted"], true);
        let body = w["body"].as_str().unwrap();
        assert!(body.contains("办理公文环节 1 件"), "{body}");
        assert!(body.contains("关于购置档案柜的请示"), "{body}");

        // Submitted on its day: on time; the office's 主任 is told, comments; the 科长 is told.
        let saved = ok(&app, "POST", "/api/v1/reports", &kezhang,
            Some(json!({"week": "2026-11-26", "body": format!("{body}下周：完善档案管理。"), "submit": true}))).await;
        let id = saved["id"].as_i64().unwrap();
        let zhuren_post = app.post_of("zhuren").await;
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {zhuren_post} and kind = 'management.report_submitted'")).await, 1);
        let res = app
            .api(
                "POST",
                "/api/v1/reports",
                &kezhang,
                Some(json!({"week": "2026-11-26", "body": "改", "submit": true})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a submitted report no longer changes: {}",
            res.body
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/reports/{id}/comment"),
                &mishu,
                Some(json!({"comment": "好"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "a 秘书 reads no chief's report: {}",
            res.body
        );
        ok(
            &app,
            "POST",
            &format!("/api/v1/reports/{id}/comment"),
            &zhuren,
            Some(json!({"comment": "档案柜尽快落实。"})),
        )
        .await;
        let kezhang_post = app.post_of("kezhang").await;
        let w = ok(
            &app,
            "GET",
            &format!("/api/v1/reports/week?week=2026-11-23&post={kezhang_post}"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(w["status"], "submitted");
        assert_eq!(w["late"], false);
        assert_eq!(w["comment"], "档案柜尽快落实。");
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {kezhang_post} and kind = 'management.report_commented'")).await, 1);

        // The next week the 秘书 files nothing: before Friday nobody may be urged; after it the
        // 科长 urges, the urge is counted and the week is counted missing in the evaluation.
        app.clock.advance(Duration::days(5)); // Tue 2026-12-01
        let res = app
            .api(
                "POST",
                "/api/v1/reports/urge",
                &kezhang,
                Some(json!({"week": "2026-12-01"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        app.clock.advance(Duration::days(6)); // Mon 2026-12-07
        let table = ok(
            &app,
            "GET",
            "/api/v1/reports?week=2026-12-01",
            &kezhang,
            None,
        )
        .await;
        let mishu_post = app.post_of("mishu").await;
        let row = table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["post_id"] == mishu_post)
            .unwrap()
            .clone();
        assert_eq!(row["status"], "missing", "{table}");
        let res = app
            .api(
                "POST",
                "/api/v1/reports/urge",
                &mishu,
                Some(json!({"week": "2026-12-01"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let urged = ok(
            &app,
            "POST",
            "/api/v1/reports/urge",
            &kezhang,
            Some(json!({"week": "2026-12-01"})),
        )
        .await;
        assert!(
            titles_of(&urged["urged"]).contains(&"王晓东".to_owned()),
            "{urged}"
        );
        assert_eq!(app.scalar(&format!("select urge_count from weekly_reports where post_id = {mishu_post} and week_start = '2026-11-30'")).await, 1);
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {mishu_post} and kind = 'management.report_urged'")).await, 1);
        let e = ok(
            &app,
            "GET",
            &format!("/api/v1/evaluations/{mishu_post}?month=2026-12"),
            &kezhang,
            None,
        )
        .await;
        let weekly = e["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "weekly_reports")
            .unwrap()
            .clone();
        assert_eq!(weekly["score"].as_f64().unwrap(), 0.0, "{weekly}");
        assert!(
            weekly["figures"]
                .as_str()
                .unwrap()
                .contains("未报 1（催报 1 次）"),
            "{weekly}"
        );
        // Filed late now: it counts as late, not on time.
        ok(
            &app,
            "POST",
            "/api/v1/reports",
            &mishu,
            Some(json!({"week": "2026-12-01", "body": "本周补报。", "submit": true})),
        )
        .await;
        let w = ok(
            &app,
            "GET",
            "/api/v1/reports/week?week=2026-12-01",
            &mishu,
            None,
        )
        .await;
        assert_eq!(w["late"], true);
    }
);

fn titles_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// The numbers and formulas of the first sheet of a workbook, by cell reference.
fn sheet_cells(bytes: &[u8]) -> std::collections::BTreeMap<String, (Option<f64>, Option<String>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for cell in xml.split("<c ").skip(1) {
        let end = cell.find("</c>").unwrap_or(cell.len());
        let cell = &cell[..end];
        let r = cell
            .split("r=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let shared = cell.contains("t=\"s\"");
        let value = cell
            .split("<v>")
            .nth(1)
            .map(|v| v.split("</v>").next().unwrap().to_owned());
        let formula = cell
            .split("<f>")
            .nth(1)
            .map(|f| f.split("</f>").next().unwrap().to_owned());
        let number = if shared {
            None
        } else {
            value.and_then(|v| v.parse().ok())
        };
        out.insert(r, (number, formula));
    }
    out
}

fn score_of(e: &Value, code: &str) -> f64 {
    e["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap()["score"]
        .as_f64()
        .unwrap()
}

on_both_engines!(
    a_months_evaluation_is_computed_from_the_facts_changes_with_weights_until_locked,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang_post = app.post_of("kezhang").await;
        // December 2026. Tue 12-01: two requests reach the 科长 (科长审核 within 2 working
        // days: by Thu 12-03). One is done the next day, the other the Monday after, past its
        // deadline; the sweep on Friday gives its card.
        app.clock.advance(Duration::days(5));
        let a = app
            .internal_request(&mishu, "关于申领办公用品的请示", "申领。")
            .await;
        let b = app
            .internal_request(&mishu, "关于维修空调的请示", "维修。")
            .await;
        app.clock.advance(Duration::days(1));
        app.complete_ok(&kezhang, a, "同意", "同意", json!({}))
            .await;
        // The 科长's week of 11-30, submitted on Friday 12-04: on time.
        app.clock.advance(Duration::days(2)); // Fri 12-04 10:00
        ok(
            &app,
            "POST",
            "/api/v1/reports",
            &kezhang,
            Some(json!({"week": "2026-12-04", "body": "本周工作。", "submit": true})),
        )
        .await;
        app.services()
            .run_due_timers("test", app.clock.now(), Duration::seconds(60), 100)
            .await
            .unwrap();
        app.clock.advance(Duration::days(3)); // Mon 12-07
        app.complete_ok(&kezhang, b, "同意", "同意", json!({}))
            .await;
        // The week of 12-07, submitted the Monday after its Friday: late.
        app.clock.advance(Duration::days(7)); // Mon 12-14
        ok(
            &app,
            "POST",
            "/api/v1/reports",
            &kezhang,
            Some(json!({"week": "2026-12-07", "body": "上周工作。", "submit": true})),
        )
        .await;
        // Monday 2027-01-04: the month is over.
        app.clock.advance(Duration::days(21));

        // The facts, read straight from the tables.
        let from = "1796054400000"; // 2026-12-01 00:00 Beijing
        let to = "1798732800000"; // 2027-01-01 00:00 Beijing
        let yellow = app.scalar(&format!("select count(*) from cards where post_id = {kezhang_post} and color = 'yellow' and issued_at >= {from} and issued_at < {to}")).await;
        let red = app.scalar(&format!("select count(*) from cards where post_id = {kezhang_post} and color = 'red' and issued_at >= {from} and issued_at < {to}")).await;
        assert!(yellow >= 1, "the late step was carded");
        let on_time = 50.0; // one of two tasks due in December done by its deadline
        let cards = (100 - 10 * yellow - 25 * red).max(0) as f64;
        let weekly = 25.0; // four Fridays owed, one report on time
        let hand = |w: [f64; 5], rating: f64| -> f64 {
            let s = [on_time, cards, 100.0, 100.0, weekly];
            let sum: f64 = w.iter().zip(s).map(|(w, s)| w * s / 100.0).sum();
            ((sum + rating) * 100.0).round() / 100.0
        };
        let path = format!("/api/v1/evaluations/{kezhang_post}?month=2026-12");
        let e = ok(&app, "GET", &path, &zhuren, None).await;
        assert_eq!(score_of(&e, "on_time"), on_time, "{e}");
        assert_eq!(score_of(&e, "cards"), cards, "{e}");
        assert_eq!(score_of(&e, "weekly_reports"), weekly, "{e}");
        assert_eq!(
            e["total"].as_f64().unwrap(),
            hand([40.0, 15.0, 15.0, 15.0, 15.0], 0.0),
            "{e}"
        );
        // 信息得分 and 调研成果 are not factors yet (服务满意度 is, with weight 0 by default).
        assert_eq!(e["not_enabled"].as_array().unwrap().len(), 2);
        // The drill-down names the late task.
        let items = &e["factors"][0]["items"];
        assert!(
            titles(items).contains(&"关于维修空调的请示".to_owned()),
            "{items}"
        );

        // The 主任 rates +3; a weight changed before locking changes the total.
        ok(
            &app,
            "POST",
            &format!("/api/v1/evaluations/{kezhang_post}/rating"),
            &zhuren,
            Some(json!({"month": "2026-12", "rating": 3, "comment": "工作扎实"})),
        )
        .await;
        let res = app.api("POST", "/api/v1/evaluations/weights", &zhuren,
            Some(json!({"position": "section_chief", "weights": {"on_time": 60, "cards": 10, "supervision": 10, "meetings": 10, "weekly_reports": 20}}))).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "weights must sum to 100: {}",
            res.body
        );
        ok(&app, "POST", "/api/v1/evaluations/weights", &zhuren,
            Some(json!({"position": "section_chief", "weights": {"on_time": 60, "cards": 10, "supervision": 10, "meetings": 10, "weekly_reports": 10}}))).await;
        let e = ok(&app, "GET", &path, &zhuren, None).await;
        let before_lock = hand([60.0, 10.0, 10.0, 10.0, 10.0], 3.0);
        assert_eq!(e["total"].as_f64().unwrap(), before_lock, "{e}");

        // The 科长 objects within the window; locking waits for the decision.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/evaluations/{kezhang_post}/objection"),
                &zhuren,
                Some(json!({"month": "2026-12", "reason": "代他申诉"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        ok(&app, "POST", &format!("/api/v1/evaluations/{kezhang_post}/objection"), &kezhang,
            Some(json!({"month": "2026-12", "reason": "维修空调的请示因供应商报价延误，非本人原因。"}))).await;
        let res = app
            .api(
                "POST",
                "/api/v1/evaluations/lock",
                &zhuren,
                Some(json!({"month": "2026-12", "posts": [kezhang_post]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("林海燕"), "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/evaluations/{kezhang_post}/decision"),
                &kezhang,
                Some(json!({"month": "2026-12", "uphold": true, "reason": "自己批准"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "nobody decides their own objection: {}",
            res.body
        );
        ok(&app, "POST", &format!("/api/v1/evaluations/{kezhang_post}/decision"), &zhuren,
            Some(json!({"month": "2026-12", "uphold": true, "reason": "情况属实，调整评价。", "rating": 5}))).await;
        assert_eq!(app.scalar(&format!("select count(*) from notifications where post_id = {kezhang_post} and kind = 'management.objection_decided'")).await, 1);
        let e = ok(&app, "GET", &path, &kezhang, None).await;
        assert_eq!(e["objection_status"], "upheld");
        let final_total = hand([60.0, 10.0, 10.0, 10.0, 10.0], 5.0);
        assert_eq!(e["total"].as_f64().unwrap(), final_total, "{e}");

        // Locked: an event, and nothing changes it afterwards.
        let locked = ok(
            &app,
            "POST",
            "/api/v1/evaluations/lock",
            &zhuren,
            Some(json!({"month": "2026-12", "posts": [kezhang_post]})),
        )
        .await;
        assert_eq!(locked["locked"], 1);
        assert_eq!(app.events_of("management.locked").await, 1);
        ok(&app, "POST", "/api/v1/evaluations/weights", &zhuren,
            Some(json!({"position": "section_chief", "weights": {"on_time": 20, "cards": 20, "supervision": 20, "meetings": 20, "weekly_reports": 20}}))).await;
        // A fact changed afterwards changes nothing either.
        app.exec(&format!(
            "update weekly_reports set late = 0 where post_id = {kezhang_post}"
        ))
        .await;
        let e = ok(&app, "GET", &path, &zhuren, None).await;
        assert_eq!(e["total"].as_f64().unwrap(), final_total, "{e}");
        assert_eq!(e["locked"], true);
        assert_eq!(score_of(&e, "weekly_reports"), weekly, "{e}");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/evaluations/{kezhang_post}/rating"),
                &zhuren,
                Some(json!({"month": "2026-12", "rating": 0})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // The 秘书 is still unlocked: the new weights apply to her.
        let mishu_post = app.post_of("mishu").await;
        let mine = ok(
            &app,
            "GET",
            &format!("/api/v1/evaluations/{mishu_post}?month=2026-12"),
            &mishu,
            None,
        )
        .await;
        assert_eq!(mine["locked"], false);
        let res = app.api("GET", &path, &mishu, None).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "a 秘书 reads only her own: {}",
            res.body
        );

        // The sheet: each total is a live formula; recomputed from the weight and score cells
        // it equals the page's total for every person.
        let month = ok(
            &app,
            "GET",
            "/api/v1/evaluations?month=2026-12",
            &zhuren,
            None,
        )
        .await;
        let rows = month["rows"].as_array().unwrap();
        assert!(rows.len() > 5, "{month}");
        let bytes = app
            .api_raw("/api/v1/evaluations/xlsx?month=2026-12", &zhuren)
            .await;
        let cells = sheet_cells(&bytes);
        for (i, row) in rows.iter().enumerate() {
            let n = i + 2;
            let num = |col: &str| {
                cells
                    .get(&format!("{col}{n}"))
                    .and_then(|c| c.0)
                    .unwrap_or_else(|| panic!("{col}{n}"))
            };
            // Seven factors (服务满意度 the seventh), then 领导评价 in R and 合计 in S.
            let weights = ["D", "F", "H", "J", "L", "N", "P"];
            let scores = ["E", "G", "I", "K", "M", "O", "Q"];
            let sum: f64 = weights
                .iter()
                .zip(scores)
                .map(|(w, s)| num(w) * num(s))
                .sum();
            let recomputed = ((sum / 100.0 + num("R")) * 100.0).round() / 100.0;
            let total = cells.get(&format!("S{n}")).unwrap();
            assert!(
                total.1.as_deref().is_some_and(|f| f.starts_with("ROUND(")),
                "S{n}: {total:?}"
            );
            assert_eq!(recomputed, row["total"].as_f64().unwrap(), "row {n}: {row}");
        }
        let kz = rows
            .iter()
            .position(|r| r["post_id"] == kezhang_post)
            .unwrap();
        assert_eq!(rows[kz]["total"].as_f64().unwrap(), final_total);
    }
);

on_both_engines!(
    the_demo_cascades_targets_files_weekly_reports_and_locks_the_month_before_last,
    |app: TestApp| async move {
        let now = app.clock.now() + Duration::days(70);
        let (targets, reports) = app.services().load_demo_management(now).await.unwrap();
        assert!(targets > 20, "{targets}");
        assert!(reports > 100, "{reports}");
        assert!(app.count("weekly_reports where late = 1").await > 0);
        // Four weeks of roll-ups: every section's and the office's, one section's late.
        assert!(
            app.count("weekly_rollups where status = 'submitted'").await >= 4 * 4,
            "roll-ups"
        );
        assert_eq!(app.count("weekly_rollups where late = 1").await, 1);
        assert!(app.events_of("management.locked").await > 20);
        // A few people's own year summaries: two submitted, one a draft.
        assert_eq!(
            app.count("year_summaries where status = 'submitted'").await,
            2
        );
        assert_eq!(app.count("year_summaries where status = 'draft'").await, 1);
        app.clock.advance(Duration::days(70));
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        // The 秘书 sees her own target with its chain; the 主任 the whole cascade.
        let mine = ok(&app, "GET", "/api/v1/targets?year=2027", &mishu, None).await;
        assert!(
            titles(&mine["targets"])
                .iter()
                .any(|t| t.starts_with("王晓东：")),
            "{mine}"
        );
        let all = ok(&app, "GET", "/api/v1/targets?year=2027", &zhuren, None).await;
        assert!(all["targets"].as_array().unwrap().len() >= targets, "{all}");
        // The month before last is locked for everyone; its reports are counted.
        let month = ok(
            &app,
            "GET",
            "/api/v1/evaluations?month=2026-12",
            &zhuren,
            None,
        )
        .await;
        let rows = month["rows"].as_array().unwrap();
        let city = app.unit_id("东川市人民政府办公室").await;
        assert_eq!(
            app.count(&format!("weekly_rollups where unit_id = {city}"))
                .await,
            4,
            "the office's own roll-up each week"
        );
        let (own, counties): (Vec<&Value>, Vec<&Value>) =
            rows.iter().partition(|r| r["office_id"] == city);
        assert!(
            own.len() > 30 && own.iter().all(|r| r["locked"] == true),
            "{month}"
        );
        // The county offices' figures are read, not locked, by the city.
        assert!(!counties.is_empty() && counties.iter().all(|r| r["locked"] == false));
        // Twelve months evaluated: eleven locked (2026-02 to 2026-12), the last still open.
        assert_eq!(
            app.scalar("select count(distinct month) from evaluations where locked_at is not null")
                .await,
            11
        );
        assert_eq!(
            app.text("select min(month) from evaluations where locked_at is not null")
                .await,
            "2026-02"
        );
        assert_eq!(
            app.count("evaluations where month = '2027-01' and locked_at is not null")
                .await,
            0,
            "last month is still open"
        );
        assert!(month["units"].as_array().unwrap().len() >= 9, "{month}");
    }
);

on_both_engines!(
    the_month_table_counts_what_each_page_lists,
    |app: TestApp| async move {
        // The table of everyone is counted by the database; each person's page lists the
        // items. Over months with a meeting (a reply missing, a leave undecided), a year of
        // study, tasks done on time and late and a card, the two agree on every factor of
        // every person.
        let now = app.clock.now();
        app.services().load_demo_study(now).await.unwrap();
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        // A meeting of the office's own people tomorrow evening: the 秘书 asks for leave (never
        // decided), the 科长 never replies.
        let room = ok(
            &app,
            "POST",
            "/api/v1/meetings/rooms",
            &mishu,
            Some(json!({"name": "五楼小会议室", "capacity": 12})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let kind = app
            .scalar("select id from meeting_kinds where name = '工作会议'")
            .await;
        let (mishu_post, kezhang_post) = (app.post_of("mishu").await, app.post_of("kezhang").await);
        let meeting = ok(&app, "POST", "/api/v1/meetings", &mishu, Some(json!({
            "kind_id": kind, "title": "年终总结部署会", "organiser_unit_id": app.unit_id("东川市人民政府办公室").await,
            "chair_post_id": app.post_of("zhuren").await,
            "starts_at": "2026-11-27 19:00", "ends_at": "2026-11-27 20:00", "room_id": room,
            "attend_posts": [mishu_post, kezhang_post], "observe_posts": [], "observe_units": [],
            "classification": "public"}))).await["id"].as_i64().unwrap();
        ok(&app, "POST", &format!("/api/v1/meetings/{meeting}/notice"), &mishu,
            Some(json!({"body": "定于11月27日晚7时召开年终总结部署会。", "reply_by": "2026-11-26 17:00"}))).await;
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{meeting}/replies"),
            &mishu,
            Some(json!({"answer": "leave", "reason": "当晚值班"})),
        )
        .await;
        let a = app
            .internal_request(&mishu, "关于申领打印纸的请示", "申领。")
            .await;
        app.internal_request(&mishu, "关于更换门禁的请示", "更换。")
            .await;
        app.clock.advance(Duration::days(1));
        app.complete_ok(&kezhang, a, "同意", "同意", json!({}))
            .await;
        app.clock.advance(Duration::days(5));
        app.services()
            .run_due_timers("test", app.clock.now(), Duration::seconds(60), 100)
            .await
            .unwrap();
        let city = app.unit_id("东川市人民政府办公室").await;
        let (mut below_100, mut compared) = (std::collections::BTreeSet::new(), 0);
        for month in ["2026-10", "2026-11", "2026-12"] {
            let table = ok(
                &app,
                "GET",
                &format!("/api/v1/evaluations?month={month}"),
                &zhuren,
                None,
            )
            .await;
            let codes: Vec<String> = table["factors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect();
            // The city office's people (the counties' are counted by the same statements).
            for row in table["rows"].as_array().unwrap() {
                if row["office_id"] != city {
                    continue;
                }
                let post = row["post_id"].as_i64().unwrap();
                let page = ok(
                    &app,
                    "GET",
                    &format!("/api/v1/evaluations/{post}?month={month}"),
                    &zhuren,
                    None,
                )
                .await;
                assert_eq!(row["total"], page["total"], "{month} {post}: {row} {page}");
                for (i, code) in codes.iter().enumerate() {
                    let shown = row["scores"][i].as_f64().unwrap();
                    if page["factors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["code"] == code.as_str())
                    {
                        assert_eq!(shown, score_of(&page, code), "{month} {post} {code}");
                        if shown < 100.0 {
                            below_100.insert(code.clone());
                        }
                    }
                }
                compared += 1;
            }
        }
        assert!(compared > 30, "{compared}");
        // The comparison meant something: each counted factor found facts below full marks.
        for code in [
            "on_time",
            "cards",
            "meetings",
            "weekly_reports",
            "study_hours",
        ] {
            assert!(below_100.contains(code), "{code}: {below_100:?}");
        }
    }
);
