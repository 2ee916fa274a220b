//! 年总结 (issue 22, item 6): a year's figures equal the twelve months' stored evaluations and
//! a hand count of the test's facts; a person's own summary is saved, submitted and then read
//! by the chief, not by another office or a county; the charts name each month's value; the
//! PDF renders with the text; the year's table as xlsx; the office's annual summary is drafted
//! as a document that goes into the documents flow.

use std::io::Read;

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
    res.json()
}

fn pdf_text(pdf: &[u8]) -> String {
    let pages = xn_render::gbt9704::measure(pdf).unwrap();
    pages
        .iter()
        .flat_map(|pg| pg.lines.iter().map(|l| l.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

on_both_engines!(
    a_years_figures_are_its_twelve_months_and_the_facts_counted_by_hand,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang_post = app.post_of("kezhang").await;
        // December 2026: two requests reach the 科长 on Tue 12-01 (科长审核 by Thu 12-03); one
        // is done the next day, the other the Monday after, carded on the Friday's sweep.
        app.clock.advance(Duration::days(5));
        let a = app
            .internal_request(&mishu, "年总结 申领办公用品的请示", "申领。")
            .await;
        let b = app
            .internal_request(&mishu, "年总结 维修空调的请示", "维修。")
            .await;
        app.clock.advance(Duration::days(1));
        app.complete_ok(&kezhang, a, "同意", "同意", json!({}))
            .await;
        app.clock.advance(Duration::days(2));
        app.services()
            .run_due_timers("test", app.clock.now(), Duration::seconds(60), 100)
            .await
            .unwrap();
        app.clock.advance(Duration::days(3)); // Mon 12-07
        app.complete_ok(&kezhang, b, "同意", "同意", json!({}))
            .await;

        // While 2026 runs: marked running, months up to December, December still running.
        let path = format!("/api/v1/summaries?year=2026&post={kezhang_post}");
        let y = ok(&app, "GET", &path, &zhuren, None).await;
        assert_eq!(y["running"], true, "{y}");
        assert_eq!(y["months"].as_array().unwrap().len(), 12);
        assert_eq!(y["months"][11]["running"], true);

        // Monday 2027-01-04: the year is over; the 主任 locks all twelve months of the 科长.
        app.clock.advance(Duration::days(28));
        for m in 1..=12 {
            ok(
                &app,
                "POST",
                "/api/v1/evaluations/lock",
                &zhuren,
                Some(json!({"month": format!("2026-{m:02}"), "posts": [kezhang_post]})),
            )
            .await;
        }
        let y = ok(&app, "GET", &path, &zhuren, None).await;
        assert_eq!(y["running"], false, "{y}");
        assert_eq!(y["has_data"], true);
        let months = y["months"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        // Each month's total is the stored evaluation's; the year's mean is theirs.
        let mut stored = Vec::new();
        for (i, m) in months.iter().enumerate() {
            let month = format!("2026-{:02}", i + 1);
            let centi = app
                .scalar(&format!(
                    "select total_centi from evaluations where month = '{month}' and post_id = {kezhang_post} and locked_at is not null"
                ))
                .await;
            let total = centi as f64 / 100.0;
            assert_eq!(m["total"].as_f64().unwrap(), total, "{month}: {m}");
            assert_eq!(m["locked"], 1, "{m}");
            assert!(
                m["href"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("?month={month}")),
                "{m}"
            );
            stored.push(total);
            let e = ok(
                &app,
                "GET",
                &format!("/api/v1/evaluations/{kezhang_post}?month={month}"),
                &zhuren,
                None,
            )
            .await;
            assert_eq!(e["total"].as_f64().unwrap(), total, "{month}");
        }
        let mean = ((stored.iter().sum::<f64>() / 12.0) * 100.0).round() / 100.0;
        assert_eq!(y["average"].as_f64().unwrap(), mean, "{y}");
        assert_eq!(y["months_ended"], 12);
        // December by hand: two steps due, one on time; its cards as the table holds them.
        let dec = &months[11];
        assert_eq!(dec["due"], 2, "{dec}");
        assert_eq!(dec["on_time"], 1, "{dec}");
        assert_eq!(dec["rate"].as_f64().unwrap(), 50.0);
        let from = "1796054400000"; // 2026-12-01 00:00 Beijing
        let to = "1798732800000"; // 2027-01-01 00:00 Beijing
        let yellow = app
            .scalar(&format!(
                "select count(*) from cards where post_id = {kezhang_post} and color = 'yellow' and issued_at >= {from} and issued_at < {to}"
            ))
            .await;
        assert!(yellow >= 1, "the late step was carded");
        assert_eq!(dec["yellow"].as_i64().unwrap(), yellow);
        // The year's due steps and cards: the months' sums, and the table's counts.
        let sum = |k: &str| months.iter().map(|m| m[k].as_i64().unwrap()).sum::<i64>();
        assert_eq!(y["due"].as_i64().unwrap(), sum("due"));
        assert_eq!(y["yellow"].as_i64().unwrap(), sum("yellow"));
        let year_from = "1767196800000"; // 2026-01-01 00:00 Beijing
        let cards_in_year = app
            .scalar(&format!(
                "select count(*) from cards where post_id = {kezhang_post} and issued_at >= {year_from} and issued_at < {to}"
            ))
            .await;
        assert_eq!(sum("yellow") + sum("red"), cards_in_year);
        // Work by area: the two requests are 内部事项 steps the 科长 handled.
        let areas = y["areas"].as_array().unwrap();
        let flow = areas.iter().find(|a| a["area"] == "flow").unwrap();
        let handled = app
            .scalar(&format!(
                "select count(*) from tasks t join cases c on c.id = t.case_id where c.item_kind = 'internal' and t.state in ('done', 'returned') and coalesce(t.acted_by_post_id, t.post_id) = {kezhang_post} and t.acted_at >= {year_from} and t.acted_at < {to}"
            ))
            .await;
        assert!(handled >= 2);
        assert_eq!(flow["steps"].as_i64().unwrap(), handled, "{flow}");
        // The charts name each month's value in their description.
        let rate_chart = y["rate_chart"].as_str().unwrap();
        assert!(rate_chart.contains("<desc>"), "{rate_chart}");
        assert!(rate_chart.contains("12月：50%"), "{rate_chart}");
        for m in months {
            let label = m["label"].as_str().unwrap();
            assert!(rate_chart.contains(&format!("{label}：")), "{label}");
            let total = m["total"].as_f64().unwrap();
            let shown = if (total - total.round()).abs() < 1e-9 {
                format!("{label}：{total:.0}分")
            } else {
                format!("{label}：{total:.1}分")
            };
            assert!(
                y["total_chart"].as_str().unwrap().contains(&shown),
                "{shown}"
            );
        }
        assert!(y["cards_chart"].as_str().unwrap().contains(&format!(
            "12月：{}张",
            yellow + dec["red"].as_i64().unwrap()
        )));
        assert!(
            y["work_chart"]
                .as_str()
                .unwrap()
                .contains(&format!("内部事项：{handled}个"))
        );
        // The PDF: a PDF, with the subject, the months and the charts' values in its text.
        let pdf = app
            .api_raw(
                &format!("/api/v1/summaries/pdf?year=2026&post={kezhang_post}"),
                &zhuren,
            )
            .await;
        assert!(pdf.starts_with(b"%PDF"));
        let text = pdf_text(&pdf);
        for want in [
            "2026年度工作总结",
            "林海燕",
            "按期办结率（按月）",
            "12月",
            "50%",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        // A year with no data says so; a year to come is refused.
        let empty = ok(
            &app,
            "GET",
            &format!("/api/v1/summaries?year=2001&post={kezhang_post}"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(empty["has_data"], false, "{empty}");
        assert!(empty["months"].as_array().unwrap().is_empty());
        let res = app
            .api("GET", "/api/v1/summaries?year=2030", &zhuren, None)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
);

on_both_engines!(
    a_secretary_writes_and_submits_her_summary_and_the_office_drafts_its_annual_report,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let mishu_post = app.post_of("mishu").await;
        let kezhang_post = app.post_of("kezhang").await;
        let county = app
            .login_in("清河县人民政府办公室", "秘书股", "section_chief")
            .await;
        let county = app.token_for(&county, &SCOPES).await;
        let section = app.unit_id("秘书一科").await;
        let city = app.unit_id("东川市人民政府办公室").await;

        // Her own year by default; a draft saved, read only by her.
        let mine = ok(&app, "GET", "/api/v1/summaries", &mishu, None).await;
        assert_eq!(mine["subject"], "post");
        assert_eq!(mine["subject_id"], mishu_post);
        assert_eq!(mine["summary"]["may_edit"], true);
        ok(
            &app,
            "POST",
            "/api/v1/summaries",
            &mishu,
            Some(json!({"year": 2026, "body": "全年办文二百余件。", "submit": false})),
        )
        .await;
        let path = format!("/api/v1/summaries?year=2026&post={mishu_post}");
        let seen = ok(&app, "GET", &path, &kezhang, None).await;
        assert_eq!(seen["summary"]["status"], "draft");
        assert_eq!(seen["summary"]["body"], "", "a draft is hers alone: {seen}");
        // Submitting an empty text is refused; then submitted, no longer editable.
        let res = app
            .api(
                "POST",
                "/api/v1/summaries",
                &mishu,
                Some(json!({"year": 2026, "body": " ", "submit": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        ok(&app, "POST", "/api/v1/summaries", &mishu,
            Some(json!({"year": 2026, "body": "全年办文二百余件，按期办结。\n明年加强学习。", "submit": true}))).await;
        let res = app
            .api(
                "POST",
                "/api/v1/summaries",
                &mishu,
                Some(json!({"year": 2026, "body": "改一下", "submit": false})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(app.events_of("management.summary_submitted").await, 1);
        assert_eq!(
            app.scalar(&format!("select count(*) from notifications where post_id = {kezhang_post} and kind = 'management.summary_submitted'")).await,
            1
        );
        // The chief reads it; the 主任 too; the section's year lists her as submitted.
        let seen = ok(&app, "GET", &path, &kezhang, None).await;
        assert_eq!(seen["summary"]["status"], "submitted");
        assert!(
            seen["summary"]["body"]
                .as_str()
                .unwrap()
                .contains("按期办结")
        );
        assert_eq!(seen["summary"]["may_edit"], false);
        ok(&app, "GET", &path, &zhuren, None).await;
        let sec = ok(&app, "GET", "/api/v1/summaries?year=2026", &kezhang, None).await;
        assert_eq!(sec["subject"], "unit");
        assert_eq!(sec["subject_id"], section);
        let her = sec["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["post_id"] == mishu_post)
            .unwrap()
            .clone();
        assert_eq!(her["summary"], "已提交", "{her}");
        // Someone else's year: not another 秘书's nor a county's business.
        let res = app.api("GET", &path, &county, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "GET",
                &format!("/api/v1/summaries?year=2026&post={kezhang_post}"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .api(
                "GET",
                &format!("/api/v1/summaries?year=2026&unit={city}"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // The county's own office year is its own.
        let own = ok(&app, "GET", "/api/v1/summaries?year=2026", &county, None).await;
        assert_ne!(own["subject_id"], city);

        // The office's year: the 主任 writes the office's text, then drafts the annual summary.
        let office = ok(&app, "GET", "/api/v1/summaries?year=2026", &zhuren, None).await;
        assert_eq!(office["subject_id"], city, "{office}");
        assert_eq!(office["may_draft"], true);
        let res = app
            .api(
                "POST",
                "/api/v1/summaries/document",
                &kezhang,
                Some(json!({"year": 2026})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        ok(&app, "POST", "/api/v1/summaries", &zhuren,
            Some(json!({"year": 2026, "unit": city, "body": "坚持日安排、周报告、月考评、年总结。", "submit": false}))).await;
        // A 拟稿人 outside the office's sections is refused.
        let res = app
            .api(
                "POST",
                "/api/v1/summaries/document",
                &zhuren,
                Some(json!({"year": 2026, "drafter_post": app.post_of("zhuren").await})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        // Drafted and handed to the 秘书 as its 拟稿人.
        let doc = ok(
            &app,
            "POST",
            "/api/v1/summaries/document",
            &zhuren,
            Some(json!({"year": 2026, "drafter_post": mishu_post})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let d = ok(
            &app,
            "GET",
            &format!("/api/v1/documents/{doc}"),
            &zhuren,
            None,
        )
        .await;
        assert_eq!(d["title"], "关于2026年度工作情况的报告", "{d}");
        assert_eq!(d["kind"], "report");
        let body = d["body"].as_str().unwrap();
        for want in [
            "一、年度目标完成情况",
            "二、办文办事情况",
            "三、月度考评情况",
            "坚持日安排、周报告、月考评、年总结。",
        ] {
            assert!(body.contains(want), "{want}\n{body}");
        }
        assert_eq!(app.events_of("management.year_document_drafted").await, 1);
        // Once a year; the year's page links it.
        let res = app
            .api(
                "POST",
                "/api/v1/summaries/document",
                &zhuren,
                Some(json!({"year": 2026})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let office = ok(&app, "GET", "/api/v1/summaries?year=2026", &zhuren, None).await;
        assert_eq!(office["document_id"], doc);
        assert_eq!(
            app.scalar(&format!("select count(*) from notifications where post_id = {mishu_post} and kind = 'management.year_document_drafted'")).await,
            1
        );
        // Into the documents flow: the 秘书 submits it, the 科长 核稿, like any document.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/submit"),
                &mishu,
                Some(json!({"signoff_post": app.post_of("zhuren").await})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        app.complete_ok(&kezhang, case, "同意", "核稿无误", json!({}))
            .await;
        assert!(
            app.scalar(&format!(
                "select count(*) from tasks where case_id = {case} and state = 'open' and post_id = {}",
                app.post_of("zhuren").await
            ))
            .await
                == 1,
            "waiting at the 主任's 签发"
        );

        // The year's table: each person's months as numbers, the mean a live formula.
        let bytes = app
            .api_raw("/api/v1/summaries/xlsx?year=2026", &kezhang)
            .await;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        // An independent reading: each mean recomputed from the month cells equals the page's.
        let sec = ok(&app, "GET", "/api/v1/summaries?year=2026", &kezhang, None).await;
        let ended = sec["months_ended"].as_u64().unwrap() as usize;
        let people = sec["people"].as_array().unwrap();
        let rows: Vec<&str> = xml.split("<row ").skip(2).collect();
        assert_eq!(rows.len(), people.len(), "{xml}");
        for (row, p) in rows.iter().zip(people) {
            let values: Vec<f64> = row
                .split("<c ")
                .skip(4) // the row's attributes, then 单位, 姓名, 岗位
                .take(ended)
                .map(|c| {
                    c.split("<v>")
                        .nth(1)
                        .unwrap()
                        .split("</v>")
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap()
                })
                .collect();
            let mean = ((values.iter().sum::<f64>() / ended as f64) * 100.0).round() / 100.0;
            assert_eq!(mean, p["average"].as_f64().unwrap(), "{p}");
            assert!(row.contains("<f>ROUND(AVERAGE(D"), "{row}");
        }

        // The pages: the 秘书's own, the 主任's office with its charts.
        app.login_as("mishu").await;
        let page = app.get("/management/summary").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("已提交"), "{}", page.body);
        app.login_as("zhuren").await;
        let page = app.get("/management/summary?year=2026").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<svg"), "{}", page.body);
        assert!(page.body.contains("year-document-link"));
        let res = app.get("/management/summary.pdf?year=2026").await;
        assert_eq!(res.status, StatusCode::OK);
    }
);
