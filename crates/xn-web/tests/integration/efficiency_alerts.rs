//! 预警纠错 (issue 23, item 5), on both engines: each rule raises exactly when its condition
//! holds and not below its number (an item returned three times, passed between more posts
//! than a government allows, a step held past the 90th percentile of its kind, an information
//! item unsigned for more than a working day, a unit whose backlog doubled in a week); a rerun
//! raises nothing new; an alert whose condition stopped holding is marked cleared and stays
//! until acknowledged; acknowledging needs a note and the right post; a county sees only its
//! own.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};
use xn_service::efficiency::{AlertRule, ScanReport};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn scan(app: &TestApp) -> ScanReport {
    app.services()
        .efficiency()
        .scan_alerts(app.clock.now())
        .await
        .unwrap()
}

async fn alerts(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .api(
            "GET",
            &format!("/api/v1/efficiency/alerts{query}"),
            token,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// The live (not cleared) alerts of a rule.
async fn live(app: &TestApp, rule: &str) -> i64 {
    app.scalar(&format!(
        "select count(*) from efficiency_alerts where rule = '{rule}' and cleared_at is null"
    ))
    .await
}

async fn return_to_drafter(app: &TestApp, kezhang: &str, case: i64, why: &str) {
    let task = app.task_of(kezhang, case).await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{task}/return"),
            kezhang,
            Some(json!({"to": "previous", "opinion": why})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

on_both_engines!(
    an_item_returned_three_times_alerts_its_holder_and_the_supervising_section_once,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        // Returned twice: below the rule's three.
        for why in ["请补充报价单", "报价单不全"] {
            return_to_drafter(&app, &kezhang, case, why).await;
            app.complete_ok(&mishu, case, "提交", "已补充", json!({}))
                .await;
        }
        scan(&app).await;
        assert_eq!(live(&app, "returned").await, 0);
        // The third time raises one alert, at the drafter who holds the item now.
        return_to_drafter(&app, &kezhang, case, "请附三家比价").await;
        let report = scan(&app).await;
        assert_eq!(report.raised, 1, "{report:?}");
        assert_eq!(live(&app, "returned").await, 1);
        let drafter = app.post_of("mishu").await;
        assert_eq!(
            app.scalar("select post_id from efficiency_alerts where rule = 'returned'")
                .await,
            drafter
        );
        assert_eq!(
            app.text("select facts from efficiency_alerts where rule = 'returned'")
                .await,
            "退回 3 次：科长审核（请补充报价单）、科长审核（报价单不全）、科长审核（请附三家比价）"
        );
        // Told: the drafter and every post of the city's 督查科.
        let told = app
            .scalar(&format!(
                "select count(*) from notifications where kind = 'efficiency.alert' and post_id = {drafter}"
            ))
            .await;
        assert_eq!(told, 1);
        let section = app
            .scalar(
                "select count(*) from notifications n join posts p on p.id = n.post_id
                 join units s on s.id = p.unit_id join units o on o.id = s.parent_id
                 where n.kind = 'efficiency.alert' and s.name = '督查科'
                   and o.name = '东川市人民政府办公室'",
            )
            .await;
        let members = app
            .scalar(
                "select count(*) from posts p join units s on s.id = p.unit_id
                 join units o on o.id = s.parent_id
                 where s.name = '督查科' and o.name = '东川市人民政府办公室' and p.active = 1",
            )
            .await;
        assert!(members > 0);
        assert_eq!(section, members);
        // A rerun raises nothing new and tells nobody again.
        assert_eq!(scan(&app).await, ScanReport::default());
        assert_eq!(app.count("efficiency_alerts").await, 1);
        assert_eq!(app.events_of("efficiency.alert_raised").await, 1);

        // Scope: the drafter and the city's 主任 see it; the county's 主任 does not, and may
        // not acknowledge it.
        let mine = alerts(&app, &mishu, "").await;
        assert_eq!(mine["total"], 1, "{mine}");
        let row = &mine["rows"][0];
        assert_eq!(row["rule_label"], "多次退回");
        assert_eq!(row["title"], "关于购置档案柜的请示");
        assert_eq!(row["case_id"], case);
        assert_eq!(row["state"], "待确认");
        assert_eq!(row["may_acknowledge"], true);
        let id = row["id"].as_i64().unwrap();
        assert_eq!(alerts(&app, &zhuren, "").await["total"], 1);
        assert_eq!(
            alerts(&app, &zhuren, "?rule=many_holders").await["total"],
            0
        );
        assert_eq!(alerts(&app, &county, "").await["total"], 0);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/efficiency/alerts/{id}/acknowledge"),
                &county,
                Some(json!({"note": "已核查"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // A bad filter is refused with the reason.
        let res = app
            .api("GET", "/api/v1/efficiency/alerts?rule=late", &zhuren, None)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        // Acknowledging needs a note.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/efficiency/alerts/{id}/acknowledge"),
                &mishu,
                Some(json!({"note": "  "})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请填写说明或纠错措施"), "{}", res.body);

        // Corrected and approved, the item closes: the alert is cleared but stays to be
        // acknowledged.
        app.complete_ok(&mishu, case, "提交", "已附比价", json!({}))
            .await;
        app.complete_ok(&kezhang, case, "同意", "", json!({})).await;
        app.clock.advance(Duration::hours(1));
        app.complete_ok(&zhuren, case, "同意", "", json!({})).await;
        let report = scan(&app).await;
        assert_eq!(report.cleared, 1, "{report:?}");
        let row = &alerts(&app, &mishu, "").await["rows"][0];
        assert_eq!(row["state"], "已消除，待确认", "{row}");
        assert!(row["cleared_at"].is_string(), "{row}");

        // On the page the card links to the item and carries the form; acknowledged there, it
        // moves to 已确认 with its note.
        app.login_as("mishu").await;
        let page = app.get("/efficiency/alerts").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!("href=\"/cases/{case}\"")),
            "{}",
            page.body
        );
        assert!(page.body.contains("已消除"), "{}", page.body);
        let res = app
            .post_form(
                &format!("/efficiency/alerts/{id}/acknowledge"),
                &[("note", "")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("请填写说明或纠错措施"), "{}", res.body);
        let res = app
            .post_form(
                &format!("/efficiency/alerts/{id}/acknowledge"),
                &[("note", "已与科长核对要求，一次补齐材料")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let done = alerts(&app, &mishu, "?state=acknowledged").await;
        assert_eq!(done["total"], 1, "{done}");
        assert_eq!(done["rows"][0]["note"], "已与科长核对要求，一次补齐材料");
        assert_eq!(done["rows"][0]["state"], "已确认");
        assert_eq!(alerts(&app, &mishu, "").await["total"], 0);
        assert_eq!(app.events_of("efficiency.alert_acknowledged").await, 1);
        // Counted: raised 1, acknowledged 1, none open in the period.
        let unit = app
            .scalar(&format!("select unit_id from posts where id = {drafter}"))
            .await;
        let counts = app
            .services()
            .efficiency()
            .alert_counts(
                &[unit],
                app.clock.now() - Duration::days(1),
                app.clock.now() + Duration::hours(1),
            )
            .await
            .unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(
            (counts[0].raised, counts[0].acknowledged, counts[0].open),
            (1, 1, 0)
        );
        // A second acknowledgement is a conflict.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/efficiency/alerts/{id}/acknowledge"),
                &mishu,
                Some(json!({"note": "再次确认"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        // The list as a workbook: the alert with its note, acknowledged.
        let book = app
            .api_raw("/api/v1/efficiency/alerts.xlsx?state=all", &zhuren)
            .await;
        let strings = shared_strings(&book);
        for text in ["多次退回", "关于购置档案柜的请示", "已确认"] {
            assert!(strings.contains(text), "{text} in {strings}");
        }
        // A county's 主任 exports the county's alerts: none of the city's.
        let book = app
            .api_raw("/api/v1/efficiency/alerts.xlsx?state=all", &county)
            .await;
        assert!(!shared_strings(&book).contains("关于购置档案柜的请示"));
    }
);

/// The shared strings of an xlsx workbook (every text cell).
fn shared_strings(book: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    let mut xml = String::new();
    if let Ok(mut f) = zip.by_name("xl/sharedStrings.xml") {
        f.read_to_string(&mut xml).unwrap();
    }
    xml
}

on_both_engines!(
    the_supervising_side_sets_the_rules_on_a_page_and_a_bad_number_is_refused_in_chinese,
    |app: TestApp| async move {
        app.login_as("zhuren").await;
        let res = app.get("/efficiency/alerts").await;
        assert!(
            res.body.contains("/efficiency/alerts/settings"),
            "the way to the rules"
        );
        let res = app.get("/efficiency/alerts/settings").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        for text in [
            "多次退回",
            "多岗流转",
            "环节滞留",
            "信息未签收",
            "积压倍增",
            "默认 3",
        ] {
            assert!(res.body.contains(text), "{text}");
        }
        let form = |returned: &'static str| {
            vec![
                ("threshold_returned", returned),
                ("enabled_returned", "1"),
                ("threshold_many_holders", "6"),
                ("threshold_slow_step", "20"),
                ("enabled_slow_step", "1"),
                ("threshold_unsigned_information", "2"),
                ("enabled_unsigned_information", "1"),
                ("threshold_backlog_doubled", "5"),
                ("enabled_backlog_doubled", "1"),
            ]
        };
        // Not a number, and a number out of range: the page again with the reason, nothing set.
        let res = app
            .post_form("/efficiency/alerts/settings", &form("三"))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body
                .contains("「多次退回」的阈值应为 1 到 1000 之间的整数"),
            "{}",
            res.body
        );
        let res = app
            .post_form("/efficiency/alerts/settings", &form("0"))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("阈值应在 1 到 1000 之间"), "{}", res.body);
        assert_eq!(app.count("efficiency_alert_settings").await, 0);
        // Saved: 多岗流转 at 6 and switched off (its box unticked), 信息未签收 at 2.
        let res = app
            .post_form("/efficiency/alerts/settings", &form("4"))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/efficiency/alerts/settings?ok=saved");
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let res = app
            .api("GET", "/api/v1/efficiency/alerts/settings", &zhuren, None)
            .await;
        let rules = res.json();
        let rule = |code: &str| {
            rules
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule"] == code)
                .unwrap()
                .clone()
        };
        assert_eq!(
            (
                rule("returned")["threshold"].clone(),
                rule("returned")["enabled"].clone()
            ),
            (json!(4), json!(true))
        );
        assert_eq!(rule("many_holders")["enabled"], false);
        assert_eq!(rule("many_holders")["threshold"], 6);
        assert_eq!(rule("unsigned_information")["threshold"], 2);
        // A section's clerk sees no way to the rules and is refused them.
        app.login_as("mishu").await;
        let res = app.get("/efficiency/alerts").await;
        assert!(!res.body.contains("/efficiency/alerts/settings"));
        let res = app.get("/efficiency/alerts/settings").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

on_both_engines!(
    a_governments_own_number_of_holders_decides_and_switching_the_rule_off_clears_it,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于调整值班安排的请示", "拟调整元旦值班。")
            .await;
        app.complete_ok(&kezhang, case, "同意", "", json!({})).await;
        // 秘书, 科长, 主任: three posts, within the default of eight and within three.
        let city = app.unit_id("东川市人民政府").await;
        let eff = app.services().efficiency();
        scan(&app).await;
        assert_eq!(live(&app, "many_holders").await, 0);
        eff.set_alert_rule(city, AlertRule::ManyHolders, 3, true, app.clock.now())
            .await
            .unwrap();
        scan(&app).await;
        assert_eq!(
            live(&app, "many_holders").await,
            0,
            "three is not more than three"
        );
        // Set through the API by the city's 主任 (a bad number changes nothing); a county's
        // 主任 sets only the county's.
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let res = app
            .api(
                "PUT",
                "/api/v1/efficiency/alerts/settings",
                &zhuren,
                Some(json!([{"rule": "returned", "threshold": 2},
                    {"rule": "many_holders", "threshold": 0}])),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "PUT",
                "/api/v1/efficiency/alerts/settings",
                &zhuren,
                Some(json!([{"rule": "many_holders", "threshold": 2}])),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let set = res.json();
        assert_eq!(set[0]["rule"], "returned");
        assert_eq!(set[0]["threshold"], 3, "unchanged: {set}");
        assert_eq!(set[1]["threshold"], 2, "{set}");
        assert_eq!(set[1]["default_threshold"], 8, "{set}");
        let mishu_settings = app
            .api("GET", "/api/v1/efficiency/alerts/settings", &mishu, None)
            .await;
        assert_eq!(mishu_settings.status, StatusCode::FORBIDDEN);
        assert_eq!(scan(&app).await.raised, 1);
        assert_eq!(
            app.text("select facts from efficiency_alerts where rule = 'many_holders'")
                .await,
            "先后经 3 个岗位办理（超过 2 个）"
        );
        // The 主任 holds it now and answers for it.
        assert_eq!(
            app.scalar("select post_id from efficiency_alerts where rule = 'many_holders'")
                .await,
            app.post_of("zhuren").await
        );
        // A county's setting is its own: the city's alert stays.
        let qinghe = app.unit_id("清河县人民政府").await;
        eff.set_alert_rule(qinghe, AlertRule::ManyHolders, 20, true, app.clock.now())
            .await
            .unwrap();
        assert_eq!(scan(&app).await, ScanReport::default());
        // Switched off for the city, the alert is cleared.
        eff.set_alert_rule(city, AlertRule::ManyHolders, 2, false, app.clock.now())
            .await
            .unwrap();
        assert_eq!(scan(&app).await.cleared, 1);
        assert_eq!(live(&app, "many_holders").await, 0);
        assert_eq!(app.count("efficiency_alerts").await, 1);
        // Switched on again, the same unacknowledged alert comes back rather than a second.
        eff.set_alert_rule(city, AlertRule::ManyHolders, 2, true, app.clock.now())
            .await
            .unwrap();
        assert_eq!(scan(&app).await.reopened, 1);
        assert_eq!(app.count("efficiency_alerts").await, 1);
        assert_eq!(live(&app, "many_holders").await, 1);
    }
);

on_both_engines!(
    a_step_held_past_the_90th_percentile_of_its_kind_and_a_doubled_backlog_raise_alerts,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        // Thursday 2026-11-26: 21 requests; the 科长 checks 19 the same day (0 working days).
        let mut cases = Vec::new();
        for i in 0..21 {
            cases.push(
                app.internal_request(&mishu, &format!("关于第{i}批办公用品的请示"), "申请。")
                    .await,
            );
        }
        for c in &cases[..19] {
            app.complete_ok(&kezhang, *c, "同意", "", json!({})).await;
        }
        // Friday: two checks wait 1 working day, but 19 samples are below the rule's 20.
        app.clock.advance(Duration::days(1));
        scan(&app).await;
        assert_eq!(live(&app, "slow_step").await, 0);
        // The 20th sample (1 working day): the 90th percentile is 0, and the one left waiting
        // 1 working day is past it.
        app.complete_ok(&kezhang, cases[19], "同意", "", json!({}))
            .await;
        scan(&app).await;
        assert_eq!(live(&app, "slow_step").await, 1);
        assert_eq!(
            app.scalar("select case_id from efficiency_alerts where rule = 'slow_step'")
                .await,
            cases[20]
        );
        let facts = app
            .text("select facts from efficiency_alerts where rule = 'slow_step'")
            .await;
        assert_eq!(
            facts,
            "「科长审核」已停留 1 个工作日，超过同类环节 90% 的用时（0 个工作日，近 90 天 20 例）"
        );
        // The 主任's office holds 20 approvals now and held none five working days ago: its
        // backlog doubled; the 科长's section holds one (below five) and raises nothing.
        let office = app.unit_id("东川市人民政府办公室").await;
        let unit_alerts = app
            .text("select subject from efficiency_alerts where rule = 'backlog_doubled'")
            .await;
        assert_eq!(unit_alerts, format!("unit:{office}"));
        assert_eq!(
            app.scalar("select post_id from efficiency_alerts where rule = 'backlog_doubled'")
                .await,
            app.post_of("zhuren").await,
            "the office's 主任 answers for its backlog"
        );
        // A week later nothing more arrived: the backlog no longer doubled (cleared), and the
        // step still waits (its alert stays live).
        app.clock.advance(Duration::days(7));
        let report = scan(&app).await;
        assert_eq!(report.cleared, 1, "{report:?}");
        assert_eq!(live(&app, "backlog_doubled").await, 0);
        assert_eq!(live(&app, "slow_step").await, 1);
    }
);

on_both_engines!(
    an_information_item_unsigned_for_more_than_a_working_day_alerts_the_receiving_section,
    |app: TestApp| async move {
        let mishu = app.token_for("qinghe.mishu", &SCOPES).await;
        let zhuren = app.token_for("qinghe.zhuren", &SCOPES).await;
        let city_zhuren = app.token_for("zhuren", &SCOPES).await;
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let office = app.unit_id("东川市人民政府办公室").await;
        let signer = app.post_of("qinghe.zhuren").await;
        // Thursday 10:00 Beijing: the county's item reaches the city's 签收.
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &mishu,
                Some(json!({"title": "清河县推进秋冬季农田水利建设",
                    "body": "本县认真落实有关部署，取得阶段性成效，现将情况报告如下。",
                    "kind": "news", "signer_post": signer, "offices": [office]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json()["id"].as_i64().unwrap();
        let case = app
            .scalar(&format!(
                "select case_id from information_items where id = {item}"
            ))
            .await;
        app.complete_ok(&zhuren, case, "同意", "同意报送", json!({}))
            .await;
        let receipt = app
            .scalar(&format!(
                "select id from information_receipts where item_id = {item}"
            ))
            .await;
        // Friday 10:00: exactly one working day (seven office hours): not more than one.
        app.clock.advance(Duration::days(1));
        scan(&app).await;
        assert_eq!(live(&app, "unsigned_information").await, 0);
        // Friday 10:30: more than one.
        app.clock.advance(Duration::minutes(30));
        scan(&app).await;
        assert_eq!(live(&app, "unsigned_information").await, 1);
        let section = app
            .text(
                "select u.name from efficiency_alerts a join units u on u.id = a.unit_id
                 where a.rule = 'unsigned_information'",
            )
            .await;
        assert_eq!(section, "信息科");
        // The city's 主任 sees it; another county does not.
        let seen = alerts(&app, &city_zhuren, "?rule=unsigned_information").await;
        assert_eq!(seen["total"], 1, "{seen}");
        assert_eq!(
            alerts(&app, &liulin, "?rule=unsigned_information").await["total"],
            0
        );
        // Signed, the alert is cleared.
        let login = app.login_of_position("信息科", "section_chief").await;
        let section = app.token_for(&login, &SCOPES).await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/information/receipts/{receipt}/sign"),
                &section,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        scan(&app).await;
        assert_eq!(live(&app, "unsigned_information").await, 0);
        assert_eq!(
            app.count("efficiency_alerts where rule = 'unsigned_information'")
                .await,
            1
        );
        // The city's 主任, watching the whole city, acknowledges it for the section.
        let id = seen["rows"][0]["id"].as_i64().unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/efficiency/alerts/{id}/acknowledge"),
                &city_zhuren,
                Some(json!({"note": "已提醒信息科每日上午、下午各查看一次待签收信息"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["state"], "已确认");
    }
);
