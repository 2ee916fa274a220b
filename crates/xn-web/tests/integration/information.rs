//! 政务信息 end to end, on both engines: a county's item signed off by its office's 主任 reaches
//! the city office's information section at 签收 with four working hours, whose ladder gives
//! a due-soon warning and then a yellow card across a weekend, and the backlog shows it late;
//! an urgent event's 快报 leaving 31 minutes after the event is recorded late (the duty post
//! and the 主任 told at once, the deduction scored); 50 adoptions fired at once into one issue
//! take places 1–50 and five issues opened at once take 第1–5期; the month's ranking equals a
//! table computed by hand; the issue's 简报 PDF carries its 期号, its items in order and the
//! 报/送/发 foot.

use axum::http::StatusCode;
use chrono::Duration;
use futures::future::join_all;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// The people of the journey and their tokens.
pub(crate) struct People {
    pub(crate) mishu: String,
    pub(crate) zhuren: String,
    pub(crate) section: String,
    pub(crate) city_office: i64,
}

pub(crate) async fn people(app: &TestApp, county: &str) -> People {
    let section_login = app.login_of_position("信息科", "section_chief").await;
    People {
        mishu: app.token_for(&format!("{county}.mishu"), &SCOPES).await,
        zhuren: app.token_for(&format!("{county}.zhuren"), &SCOPES).await,
        section: app.token_for(&section_login, &SCOPES).await,
        city_office: app.unit_id("东川市人民政府办公室").await,
    }
}

/// Submits an item from a county 秘书 to the city office and has the county's 主任 sign it off;
/// answers (item, receipt, receipt's case).
pub(crate) async fn send(
    app: &TestApp,
    p: &People,
    county: &str,
    title: &str,
    extra: Value,
) -> (i64, i64, i64) {
    let signer = app.post_of(&format!("{county}.zhuren")).await;
    let mut body = json!({
        "title": title,
        "body": format!("{title}。本县认真落实有关部署，取得阶段性成效，现将情况报告如下。"),
        "kind": "news",
        "signer_post": signer,
        "offices": [p.city_office],
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let res = app
        .api("POST", "/api/v1/information", &p.mishu, Some(body))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let item = res.json()["id"].as_i64().unwrap();
    let case = app
        .scalar(&format!(
            "select case_id from information_items where id = {item}"
        ))
        .await;
    app.complete_ok(&p.zhuren, case, "同意", "同意报送", json!({}))
        .await;
    let receipt = app
        .scalar(&format!(
            "select id from information_receipts where item_id = {item}"
        ))
        .await;
    let rcase = app
        .scalar(&format!(
            "select case_id from information_receipts where id = {receipt}"
        ))
        .await;
    (item, receipt, rcase)
}

/// 签收 and 筛选 采用 by the city's section.
pub(crate) async fn accept(app: &TestApp, p: &People, receipt: i64) {
    let res = app
        .api(
            "POST",
            &format!("/api/v1/information/receipts/{receipt}/sign"),
            &p.section,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = app
        .api(
            "POST",
            &format!("/api/v1/information/receipts/{receipt}/screen"),
            &p.section,
            Some(json!({"decision": "采用"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
}

pub(crate) async fn adopt(app: &TestApp, p: &People, receipt: i64, body: Value) -> StatusCode {
    let res = app
        .api(
            "POST",
            &format!("/api/v1/information/receipts/{receipt}/adopt"),
            &p.section,
            Some(body),
        )
        .await;
    res.status
}

/// The periodical 《东川政务信息》 of the city office.
pub(crate) async fn periodical(app: &TestApp, p: &People) -> i64 {
    let res = app
        .api(
            "POST",
            "/api/v1/information/periodicals",
            &p.section,
            Some(json!({"name": "东川政务信息", "report_to": "省政府办公厅",
                        "send_to": "市委办公室", "issue_to": "各县（区）人民政府办公室"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

pub(crate) async fn new_issue(app: &TestApp, p: &People, periodical: i64) -> Value {
    let res = app
        .api(
            "POST",
            "/api/v1/information/issues",
            &p.section,
            Some(json!({"periodical": periodical})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

on_both_engines!(
    an_item_left_unsigned_gets_a_due_soon_warning_then_a_yellow_card_across_a_weekend,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        // Friday 2026-11-27 15:00 Beijing: 2.5 working hours remain that day.
        app.clock.advance(Duration::hours(29));
        let (item, receipt, rcase) = send(
            &app,
            &p,
            "qinghe",
            "清河县推进秋冬季农田水利建设",
            json!({}),
        )
        .await;
        assert_eq!(
            app.text(&format!(
                "select state from information_items where id = {item}"
            ))
            .await,
            "sent"
        );
        // 签收 is due four working hours later: Monday 10:30, warned at 09:30.
        let due = app
            .scalar(&format!(
                "select due_at from tasks where case_id = {rcase} and state = 'open'"
            ))
            .await;
        let monday_1030 = chrono::DateTime::parse_from_rfc3339("2026-11-30T02:30:00Z").unwrap();
        assert_eq!(due, monday_1030.timestamp_millis());
        let services = app.services().clone();
        let lease = Duration::seconds(60);
        let warned_sql = format!(
            "select count(*) from events where kind = 'flow.due_soon' and subject = 'case:{rcase}'"
        );
        // Friday evening and over the weekend: nothing falls.
        app.clock.advance(Duration::hours(2));
        services
            .run_due_timers("t", app.clock.now(), lease, 100)
            .await
            .unwrap();
        app.clock.advance(Duration::days(2));
        services
            .run_due_timers("t", app.clock.now(), lease, 100)
            .await
            .unwrap();
        assert_eq!(app.scalar(&warned_sql).await, 0);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cards where case_id = {rcase}"
            ))
            .await,
            0
        );
        // Monday 09:45: the warning.
        app.clock
            .advance(Duration::hours(16) + Duration::minutes(45));
        services
            .run_due_timers("t", app.clock.now(), lease, 100)
            .await
            .unwrap();
        assert_eq!(
            app.scalar(&warned_sql).await,
            1,
            "the due-soon warning at 09:30"
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cards where case_id = {rcase}"
            ))
            .await,
            0
        );
        // Monday 10:45: the yellow card, on the section's posts holding the step.
        app.clock.advance(Duration::hours(1));
        services
            .run_due_timers("t", app.clock.now(), lease, 100)
            .await
            .unwrap();
        assert!(
            app.scalar(&format!(
                "select count(*) from cards where case_id = {rcase} and color = 'yellow'"
            ))
            .await
                >= 1
        );
        // The backlog shows it, late, to the section and to the office's 主任.
        for token in [&p.section, &app.token_for("zhuren", &SCOPES).await] {
            let b = app
                .api("GET", "/api/v1/information/backlog", token, None)
                .await;
            assert_eq!(b.status, StatusCode::OK, "{}", b.body);
            let line = b.json()["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["receipt_id"] == receipt)
                .cloned()
                .unwrap();
            assert_eq!(line["state"], "待签收");
            assert_eq!(line["verdict"], "超期");
            assert_eq!(line["age_minutes"], 4 * 60 + 15);
        }
        // The county's 秘书 is no reader of the city's backlog.
        let b = app
            .api("GET", "/api/v1/information/backlog", &p.mishu, None)
            .await;
        assert_eq!(b.status, StatusCode::FORBIDDEN);
        // The efficiency monitor lists the step by the registry alone.
        let e = app
            .api(
                "GET",
                "/api/v1/efficiency/backlog?area=information",
                &app.token_for("zhuren", &SCOPES).await,
                None,
            )
            .await;
        assert_eq!(e.status, StatusCode::OK, "{}", e.body);
        assert!(e.body.contains("签收"), "{}", e.body);
        // 签收 then 退回修改 without a reason is refused; with one the author is told.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{receipt}/sign"),
                &p.section,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{receipt}/screen"),
                &p.section,
                Some(json!({"decision": "退回修改"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{receipt}/screen"),
                &p.section,
                Some(json!({"decision": "退回修改", "reason": "请补充具体数据"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(
            app.text(&format!(
                "select state || ':' || reason from information_receipts where id = {receipt}"
            ))
            .await,
            "returned:请补充具体数据"
        );
        let author = app.post_of("qinghe.mishu").await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {author} and kind = 'information.returned'"
            ))
            .await,
            1
        );
    }
);

on_both_engines!(
    an_urgent_flash_report_31_minutes_after_the_event_is_recorded_late_and_told_at_once,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        // The event at 09:49; the 快报 is written at 10:00 and signed off at 10:20: 31 minutes.
        let signer = app.post_of("qinghe.zhuren").await;
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &p.mishu,
                Some(json!({
                    "title": "清河县境内发生一起道路交通事故",
                    "body": "今日9时49分，清河县境内省道发生一起两车相撞事故，已组织救援，伤员已送医。",
                    "kind": "urgent", "report_kind": "flash", "event_at": "2026-11-26 09:49",
                    "signer_post": signer, "offices": [p.city_office],
                })),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json()["id"].as_i64().unwrap();
        let case = app
            .scalar(&format!(
                "select case_id from information_items where id = {item}"
            ))
            .await;
        app.clock.advance(Duration::minutes(20));
        app.complete_ok(&p.zhuren, case, "同意", "", json!({}))
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select late_minutes from information_items where id = {item}"
            ))
            .await,
            1
        );
        assert_eq!(app.events_of("information.late_report").await, 1);
        // The city's duty (its information section, no duty post being set) and its 主任 are
        // told at once.
        let zhuren = app.post_of("zhuren").await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {zhuren} and kind = 'information.urgent'"
            ))
            .await,
            1
        );
        let section_post = app
            .post_of(&app.login_of_position("信息科", "section_chief").await)
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {section_post} and kind = 'information.urgent'"
            ))
            .await,
            1
        );
        // The late 快报 is scored as a deduction for the county.
        assert_eq!(
            app.text(&format!(
                "select code || ':' || cast(points as text) from information_scores where item_id = {item}"
            ))
            .await,
            "urgent_late:-2"
        );
        // A written report within the hour of the same event is on time; a duty post once set
        // is told instead of the section.
        let duty = app
            .post_of(&app.login_of_position("信息科", "staff").await)
            .await;
        let res = app
            .api(
                "PUT",
                "/api/v1/information/duty",
                &p.section,
                Some(json!({"duty_post": duty})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &p.mishu,
                Some(json!({
                    "title": "清河县道路交通事故情况报告",
                    "body": "事故共造成3人受伤，均无生命危险，事故原因正在调查中，现场已清理完毕。",
                    "kind": "urgent", "report_kind": "written", "first_item": item,
                    "signer_post": signer, "offices": [p.city_office],
                })),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let written = res.json()["id"].as_i64().unwrap();
        let wcase = app
            .scalar(&format!(
                "select case_id from information_items where id = {written}"
            ))
            .await;
        app.complete_ok(&p.zhuren, wcase, "同意", "", json!({}))
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select late_minutes from information_items where id = {written}"
            ))
            .await,
            0
        );
        // The duty post, a member of the section, was told of both reports; the section's
        // chief, no longer the duty, of the first alone.
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {duty} and kind = 'information.urgent'"
            ))
            .await,
            2
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {section_post} and kind = 'information.urgent'"
            ))
            .await,
            1
        );
        let view = app
            .api(
                "GET",
                &format!("/api/v1/information/{item}"),
                &p.mishu,
                None,
            )
            .await
            .json();
        assert_eq!(view["followups"][0]["item_id"], written);
        assert_eq!(view["late_minutes"], 1);
    }
);

on_both_engines!(
    fifty_adoptions_at_once_take_places_without_gaps_and_issues_take_numbers_without_gaps,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        let per = periodical(&app, &p).await;
        let mut receipts = Vec::new();
        for n in 0..50 {
            let (_, receipt, _) = send(
                &app,
                &p,
                "qinghe",
                &format!("清河县第{n}项工作动态"),
                json!({}),
            )
            .await;
            accept(&app, &p, receipt).await;
            receipts.push(receipt);
        }
        // Five issues opened at once: 第1–5期.
        let issues = join_all((0..5).map(|_| new_issue(&app, &p, per))).await;
        let mut numbers: Vec<i64> = issues
            .iter()
            .map(|i| i["number"].as_i64().unwrap())
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
        let issue = issues
            .iter()
            .find(|i| i["number"] == 1)
            .map(|i| i["id"].as_i64().unwrap())
            .unwrap();
        // Fifty adoptions into 第1期 at once: places 1–50, each once.
        let statuses = join_all(
            receipts
                .iter()
                .map(|r| adopt(&app, &p, *r, json!({"level": "periodical", "issue": issue}))),
        )
        .await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
        let view = app
            .api(
                "GET",
                &format!("/api/v1/information/periodicals/{issue}"),
                &p.section,
                None,
            )
            .await
            .json();
        let places: Vec<i64> = view["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["position"].as_i64().unwrap())
            .collect();
        assert_eq!(places, (1..=50).collect::<Vec<_>>());
        assert_eq!(view["item_count"], 50);
        // The same level twice is refused, and nothing is written.
        assert_eq!(
            adopt(
                &app,
                &p,
                receipts[0],
                json!({"level": "periodical", "issue": issue})
            )
            .await,
            StatusCode::CONFLICT
        );
        assert_eq!(app.count("information_adoptions").await, 50);
        assert_eq!(
            app.scalar(&format!(
                "select item_count from information_issues where id = {issue}"
            ))
            .await,
            50
        );
    }
);

on_both_engines!(
    the_months_ranking_equals_the_table_computed_by_hand_and_the_county_sees_its_points,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        let q = People {
            mishu: app.token_for("liulin.mishu", &SCOPES).await,
            zhuren: app.token_for("liulin.zhuren", &SCOPES).await,
            section: p.section.clone(),
            city_office: p.city_office,
        };
        let per = periodical(&app, &p).await;
        let issue = new_issue(&app, &p, per).await["id"].as_i64().unwrap();
        // 专报 counts 4 at this office instead of the shipped 3.
        let res = app
            .api(
                "PUT",
                "/api/v1/information/points",
                &p.section,
                Some(json!([{"code": "special", "points": 4}])),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // 清河: A periodical + special; B periodical + higher + instruction; C declined.
        let (_, a, _) = send(&app, &p, "qinghe", "清河县甲信息", json!({})).await;
        let (_, b, _) = send(&app, &p, "qinghe", "清河县乙信息", json!({})).await;
        let (_, c, _) = send(&app, &p, "qinghe", "清河县丙信息", json!({})).await;
        // 柳林: D periodical + forwarded (0) + internal (0).
        let (_, d, _) = send(&app, &q, "liulin", "柳林县丁信息", json!({})).await;
        for r in [a, b, d] {
            accept(&app, &p, r).await;
        }
        for (r, level, note) in [
            (a, "periodical", ""),
            (a, "special", ""),
            (b, "periodical", ""),
            (b, "higher", "省政府办公厅"),
            (b, "instruction", "请市农业农村局总结推广。"),
            (d, "periodical", ""),
            (d, "forwarded", ""),
            (d, "internal", ""),
        ] {
            let s = adopt(
                &app,
                &p,
                r,
                json!({"level": level, "issue": issue, "note": note}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{level}");
        }
        // An instruction without its words is refused.
        assert_eq!(
            adopt(&app, &p, d, json!({"level": "instruction"})).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{c}/sign"),
                &p.section,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{c}/screen"),
                &p.section,
                Some(json!({"decision": "不予采用", "reason": "内容与前期重复"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // By hand: 清河 = (1 + 4) + (1 + 10 + 5) = 21; 柳林 = 1.
        let r = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026-11",
                &p.section,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        let table: Vec<(String, i64, i64)> = r["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["unit"].as_str().unwrap().to_owned(),
                    l["points"].as_i64().unwrap(),
                    l["rank"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            table,
            vec![
                ("清河县人民政府办公室".to_owned(), 21, 1),
                ("柳林县人民政府办公室".to_owned(), 1, 2),
            ]
        );
        let lines: i64 = r["lines"][0]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["points"].as_i64().unwrap())
            .sum();
        assert_eq!(lines, 21, "the items behind every point");
        // The year's ranking is the same; next month's is empty.
        let y = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026",
                &p.section,
                None,
            )
            .await
            .json();
        assert_eq!(y["lines"][0]["points"], 21);
        let next = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026-12",
                &p.section,
                None,
            )
            .await
            .json();
        assert_eq!(next["lines"].as_array().unwrap().len(), 0);
        // The county sees its own points with their items, and only the others' totals.
        let mine = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026-11",
                &q.mishu,
                None,
            )
            .await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let mine = mine.json();
        assert_eq!(mine["lines"][1]["points"], 1);
        assert_eq!(mine["lines"][1]["lines"].as_array().unwrap().len(), 1);
        assert_eq!(mine["lines"][0]["lines"].as_array().unwrap().len(), 0);
        // A bad period is refused.
        let bad = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026-13",
                &p.section,
                None,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both_engines!(
    the_issues_pdf_has_its_number_its_items_in_order_and_the_distribution_foot,
    |app: TestApp| async move {
        let p = people(&app, "qinghe").await;
        let per = periodical(&app, &p).await;
        let first = new_issue(&app, &p, per).await["id"].as_i64().unwrap();
        let second = new_issue(&app, &p, per).await;
        let issue = second["id"].as_i64().unwrap();
        assert_eq!(second["number"], 2);
        let _ = first;
        let titles = [
            "清河县推进高标准农田建设",
            "清河县优化营商环境见实效",
            "清河县开展冬季安全生产检查",
        ];
        for t in titles {
            let (_, r, _) = send(&app, &p, "qinghe", t, json!({})).await;
            accept(&app, &p, r).await;
            assert_eq!(
                adopt(&app, &p, r, json!({"level": "periodical", "issue": issue})).await,
                StatusCode::OK
            );
        }
        // The section edits the second item: the issue prints the edit, the original is kept.
        let r2 = app
            .scalar("select r.id from information_receipts r join information_items i on i.id = r.item_id where i.title = '清河县优化营商环境见实效'")
            .await;
        let res = app
            .api("POST", &format!("/api/v1/information/receipts/{r2}/edit"), &p.section,
                 Some(json!({"title": "清河县营商环境持续优化", "body": "清河县深化放管服改革，企业开办时间压缩至一个工作日以内。"})))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["id"], 2);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/periodicals/{issue}/publish"),
                &p.section,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // Published: the county reads it too.
        let pdf = app
            .api_raw(
                &format!("/api/v1/information/periodicals/{issue}/pdf"),
                &p.mishu,
            )
            .await;
        assert!(pdf.starts_with(b"%PDF"));
        let pages = xn_render::gbt9704::measure(&pdf).unwrap();
        let text: String = pages
            .iter()
            .flat_map(|pg| pg.lines.iter().map(|l| l.text.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(compact.contains("东川政务信息"), "{text}");
        assert!(compact.contains("2026年第2期"), "{text}");
        assert!(compact.contains("东川市人民政府办公室"), "{text}");
        let at = |s: &str| {
            compact
                .find(s)
                .unwrap_or_else(|| panic!("{s} not in {text}"))
        };
        assert!(at("清河县推进高标准农田建设") < at("清河县营商环境持续优化"));
        assert!(at("清河县营商环境持续优化") < at("清河县开展冬季安全生产检查"));
        assert!(
            !compact.contains("清河县优化营商环境见实效"),
            "the edit is printed"
        );
        assert!(compact.contains("报：省政府办公厅"), "{text}");
        assert!(compact.contains("送：市委办公室"), "{text}");
        assert!(compact.contains("发：各县（区）人民政府办公室"), "{text}");
        assert!(at("清河县开展冬季安全生产检查") < at("报：省政府办公厅"));
        // A draft issue is not the county's to read.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/information/periodicals/{first}/pdf"),
                &p.mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        // A published issue takes no more items.
        let (_, late, _) = send(&app, &p, "qinghe", "清河县补充信息一则", json!({})).await;
        accept(&app, &p, late).await;
        assert_eq!(
            adopt(
                &app,
                &p,
                late,
                json!({"level": "periodical", "issue": issue})
            )
            .await,
            StatusCode::CONFLICT
        );
    }
);

on_both_engines!(
    the_demos_information_is_made_through_the_services,
    |app: TestApp| async move {
        let made = app
            .services()
            .load_demo_information(app.clock.now())
            .await
            .unwrap();
        assert!(made > 20, "{made}");
        assert_eq!(
            app.count("information_items").await,
            i64::try_from(made).unwrap()
        );
        // Every county reported; issues were printed; urgent reports were scored, some late.
        assert_eq!(
            app.scalar("select count(distinct unit_id) from information_items")
                .await,
            8
        );
        assert!(
            app.scalar("select count(*) from information_issues where state = 'published'")
                .await
                >= 2
        );
        assert!(
            app.scalar("select count(*) from information_adoptions where level = 'periodical'")
                .await
                > 10
        );
        assert!(
            app.scalar("select count(*) from information_items where report_kind = 'flash'")
                .await
                >= 1
        );
        // Two 约稿: answered by most, one county urged and left overdue, the first closed.
        assert_eq!(app.count("information_commissions").await, 2);
        assert_eq!(
            app.scalar("select count(*) from information_commissions where closed_at is not null")
                .await,
            1
        );
        assert!(
            app.scalar("select count(*) from information_items where commission_id is not null")
                .await
                >= 3
        );
        assert!(
            app.scalar("select count(*) from information_commission_units where urge_count > 0")
                .await
                >= 1
        );
        // The 批示 names its leader, and the 督查科 was told.
        assert_eq!(
            app.scalar(
                "select count(*) from information_adoptions
                  where level = 'instruction' and leader_post_id is null"
            )
            .await,
            0
        );
        let section = app
            .token_for(
                &app.login_of_position("信息科", "section_chief").await,
                &SCOPES,
            )
            .await;
        let r = app
            .api(
                "GET",
                "/api/v1/information/ranking?period=2026",
                &section,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json()["lines"].as_array().unwrap().len() >= 5);
    }
);

on_both_engines!(
    the_page_reports_with_a_picture_keeps_a_refused_form_and_the_city_opens_the_picture,
    |app: TestApp| async move {
        let city_office = app.unit_id("东川市人民政府办公室").await;
        let signer = app.post_of("qinghe.zhuren").await.to_string();
        let office = city_office.to_string();
        let png =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/seal.png")).unwrap();
        app.login_as("qinghe.mishu").await;
        // No signer chosen: refused in Chinese, the form kept.
        let res = app
            .post_multipart(
                "/information",
                &[
                    ("title", "清河县春耕备耕有序推进"),
                    (
                        "body",
                        "清河县提早谋划春耕备耕，农资储备充足，农机检修到位。",
                    ),
                    ("kind", "news"),
                    ("office", &office),
                ],
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("请选择签发人"), "{}", res.body);
        assert!(res.body.contains("清河县春耕备耕有序推进"));
        assert_eq!(app.count("information_items").await, 0);
        let res = app
            .post_multipart(
                "/information",
                &[
                    ("title", "清河县春耕备耕有序推进"),
                    (
                        "body",
                        "清河县提早谋划春耕备耕，农资储备充足，农机检修到位。",
                    ),
                    ("kind", "news"),
                    ("signer_post", &signer),
                    ("office", &office),
                ],
                &[("file", "现场照片.png", &png)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let item = app.scalar("select id from information_items").await;
        let page = app.get(&format!("/information/{item}")).await;
        assert!(
            page.body.contains("现场照片.png") && page.body.contains("图片"),
            "{}",
            page.body
        );
        let case = app
            .scalar(&format!(
                "select case_id from information_items where id = {item}"
            ))
            .await;
        let zhuren = app.token_for("qinghe.zhuren", &SCOPES).await;
        app.complete_ok(&zhuren, case, "同意", "", json!({})).await;
        // The city's section reads the picture through its receipt's case.
        app.login_as(&app.login_of_position("信息科", "section_chief").await)
            .await;
        let page = app.get(&format!("/information/{item}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let rcase = app
            .scalar(&format!(
                "select case_id from information_receipts where item_id = {item}"
            ))
            .await;
        let file = app
            .scalar(&format!(
                "select id from case_attachments where case_id = {rcase}"
            ))
            .await;
        assert!(
            page.body
                .contains(&format!("/cases/{rcase}/attachments/{file}")),
            "{}",
            page.body
        );
        let got = app.get(&format!("/cases/{rcase}/attachments/{file}")).await;
        assert_eq!(got.status, StatusCode::OK);
        // Its 签收 from the page.
        let receipt = app
            .scalar(&format!(
                "select id from information_receipts where item_id = {item}"
            ))
            .await;
        let res = app
            .post_form(&format!("/information/receipts/{receipt}/sign"), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(
            app.text(&format!(
                "select state from information_receipts where id = {receipt}"
            ))
            .await,
            "screening"
        );
        // A decline without a reason is refused on the page, in Chinese.
        let res = app
            .post_form(
                &format!("/information/receipts/{receipt}/screen"),
                &[("decision", "不予采用")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("不予采用须写明理由"), "{}", res.body);
    }
);
