//! 督查督办 end to end through the API: a 县长's 批示 on a 收文 becomes a supervision item; its
//! lead splits it between two sections; one reports on time and closes on time, the other misses
//! a weekly report and then its deadline (counted across 中秋, 国庆 and the make-up Saturday)
//! and gets a yellow card, then a red card on the configured day; the closing review sends the
//! item back once, then accepts it; the month's bulletin names exactly the late section; every
//! step is on the item's timeline. Two servers on one database give each card once.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const OFFICE: &str = "清河县人民政府办公室";

async fn run_timers(app: &TestApp) -> usize {
    let now = app.clock.now();
    let sweep = app
        .services()
        .run_due_timers("test", now, TimeDelta::seconds(60), 1000)
        .await
        .unwrap();
    sweep.fired
}

/// The item's own cards (its deadline's; the steps' own limits give the flow's cards).
async fn cards(app: &TestApp, item: i64, color: &str) -> i64 {
    app.scalar(&format!(
        "select count(*) from cards c join supervision_items i on i.case_id = c.case_id
         join jobs j on j.id = c.job_id
         where i.id = {item} and c.color = '{color}' and j.kind = 'sv_deadline'"
    ))
    .await
}

async fn item(app: &TestApp, token: &str, id: i64) -> Value {
    let res = app
        .api("GET", &format!("/api/v1/supervision/{id}"), token, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn post_ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = app.api("POST", path, token, Some(body)).await;
    assert!(
        res.status.is_success(),
        "{path}: {} {}",
        res.status,
        res.body
    );
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

/// A paper 收文 registered at 清河, screened, proposed and instructed by the 县长: its case.
async fn instructed_incoming(app: &TestApp) -> i64 {
    let clerk = app
        .token_for(&app.login_in(OFFICE, "秘书股", "clerk").await, &SCOPES)
        .await;
    let created = post_ok(
        app,
        &clerk,
        "/api/v1/documents/incoming",
        json!({"sender_name": "东川市交通运输局", "sender_number": "东交发〔2026〕31号",
               "title": "关于加快推进农村公路提档升级的通知", "kind": "notice",
               "body": "请各县于10月底前完成农村公路提档升级任务。"}),
    )
    .await;
    let doc = created["id"].as_i64().unwrap();
    let case = app
        .scalar(&format!("select case_id from documents where id = {doc}"))
        .await;
    let chief = app
        .token_for(
            &app.login_in(OFFICE, "秘书股", "section_chief").await,
            &SCOPES,
        )
        .await;
    app.complete_ok(&chief, case, "通过", "请领导阅示", json!({}))
        .await;
    let director = app
        .token_for(&app.login_of_position(OFFICE, "director").await, &SCOPES)
        .await;
    let leader_login = app.login_of_position("清河县人民政府", "leader").await;
    let leader_post = app.post_of(&leader_login).await;
    app.complete_ok(
        &director,
        case,
        "拟办",
        "拟请县长阅示",
        json!({"instruct": [leader_post]}),
    )
    .await;
    let leader = app.token_for(&leader_login, &SCOPES).await;
    let handler = app
        .post_of(&app.login_in(OFFICE, "秘书股", "section_chief").await)
        .await;
    app.complete_ok(
        &leader,
        case,
        "批示",
        "请县政府办督查股跟踪督办，综合股、信息股分别落实，10月底前全部完成",
        json!({"handle": [handler]}),
    )
    .await;
    case
}

on_both_engines!(
    an_instruction_followed_until_struck_off,
    |app: TestApp| async move {
        // 2026-09-22 10:00 Beijing: before 中秋 (09-25) and 国庆 (10-01..07), with the make-up
        // working Saturday 10-10.
        app.clock.advance(TimeDelta::days(-65));
        let case = instructed_incoming(&app).await;
        let sup_login = app.login_in(OFFICE, "督查股", "section_chief").await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        let director_login = app.login_of_position(OFFICE, "director").await;
        let director = app.token_for(&director_login, &SCOPES).await;
        let director_post = app.post_of(&director_login).await;
        let office = app.unit_id(OFFICE).await;

        // The instruction, drafted from the case: the 县长's own words.
        let draft = app
            .api(
                "GET",
                &format!("/api/v1/supervision/instruction/{case}"),
                &sup,
                None,
            )
            .await
            .json();
        assert!(
            draft["text"].as_str().unwrap().contains("督查股跟踪督办"),
            "{draft}"
        );
        let leader_post = draft["leader_post"].as_i64().unwrap();
        // Someone outside a supervising section may not open items.
        let other = app
            .token_for(&app.login_in(OFFICE, "秘书股", "clerk").await, &SCOPES)
            .await;
        let body = json!({
            "source_kind": "instruction", "source_case_id": case, "source_text": draft["text"],
            "source_leader_post": leader_post,
            "title": "落实农村公路提档升级", "content": "按县长批示，10月底前完成农村公路提档升级。",
            "lead_unit": office, "lead_post": director_post, "deadline": "2026-10-30",
            "report_cycle": "weekly", "report_day": 5, "importance": "important"
        });
        let res = app
            .api("POST", "/api/v1/supervision", &other, Some(body.clone()))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        // A deadline in the past is refused with its field named.
        let mut bad = body.clone();
        bad["deadline"] = json!("2026-09-01");
        let res = app
            .api("POST", "/api/v1/supervision", &sup, Some(bad))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let parent = post_ok(&app, &sup, "/api/v1/supervision", body).await["id"]
            .as_i64()
            .unwrap();
        // Linked both ways: the case lists its item.
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from supervision_items where source_case_id = {case}"
            ))
            .await,
            1
        );

        // The director signs for it and splits it between 综合股 and 信息股.
        post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{parent}/sign"),
            json!({"text": "收到"}),
        )
        .await;
        let zonghe_login = app.login_in(OFFICE, "综合股", "staff").await;
        let xinxi_login = app.login_in(OFFICE, "信息股", "staff").await;
        let (zonghe_post, xinxi_post) = (
            app.post_of(&zonghe_login).await,
            app.post_of(&xinxi_login).await,
        );
        let (zonghe_unit, xinxi_unit) = (
            app.scalar(&format!(
                "select unit_id from posts where id = {zonghe_post}"
            ))
            .await,
            app.scalar(&format!(
                "select unit_id from posts where id = {xinxi_post}"
            ))
            .await,
        );
        // A sub-item may not outlast its parent.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{parent}/decompose"),
                &director,
                Some(
                    json!({"subs": [{"title": "太晚", "content": "x", "lead_unit": zonghe_unit,
                    "lead_post": zonghe_post, "deadline": "2026-11-30"}]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let subs = post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{parent}/decompose"),
            json!({"subs": [
                {"title": "乡道路面改造", "content": "完成乡道路面改造", "lead_unit": zonghe_unit,
                 "lead_post": zonghe_post, "deadline_days": 8, "report_cycle": "weekly", "report_day": 5},
                {"title": "公路信息采集", "content": "完成公路信息采集上报", "lead_unit": xinxi_unit,
                 "lead_post": xinxi_post, "deadline_days": 8, "report_cycle": "weekly", "report_day": 5}
            ]}),
        )
        .await;
        let (a, b) = (
            subs["ids"][0].as_i64().unwrap(),
            subs["ids"][1].as_i64().unwrap(),
        );
        // 8 working days from 09-22: 23, 24, (中秋 25), 28, 29, 30, (国庆 1–7), 8, 9 and the
        // make-up Saturday 10-10.
        let zonghe = app.token_for(&zonghe_login, &SCOPES).await;
        let xinxi = app.token_for(&xinxi_login, &SCOPES).await;
        assert_eq!(item(&app, &zonghe, a).await["deadline"], "2026-10-10");
        for (t, id) in [(&zonghe, a), (&xinxi, b)] {
            post_ok(
                &app,
                t,
                &format!("/api/v1/supervision/{id}/sign"),
                json!({"text": ""}),
            )
            .await;
        }
        // The first weekly report falls on Friday 09-25, 中秋: due Monday 09-28.
        let a_view = item(&app, &zonghe, a).await;
        assert_eq!(a_view["reports"][0]["due_date"], "2026-09-28", "{a_view}");
        // 综合股 reports on time (09-24); 信息股 does not.
        app.clock.advance(TimeDelta::days(2));
        let filed = post_ok(
            &app,
            &zonghe,
            &format!("/api/v1/supervision/{a}/reports"),
            json!({"text": "已完成 3 条乡道的路面改造"}),
        )
        .await;
        assert_eq!(filed["status"], "filed");
        // The director reports on the item as a whole too.
        let filed = post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{parent}/reports"),
            json!({"text": "已分解到综合股、信息股，正在推进"}),
        )
        .await;
        assert_eq!(filed["status"], "filed");
        // 09-29 10:00: the report due on 09-28 is missed.
        app.clock.advance(TimeDelta::days(5));
        run_timers(&app).await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from supervision_reports where item_id = {b} and status = 'missed'"
            ))
            .await,
            1
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from supervision_reports where item_id = {a} and status = 'missed'"
            ))
            .await,
            0
        );
        // The director files the item's reports due on 10-08 (Friday 10-02 moved past 国庆)
        // and 10-09 on their days.
        for text in ["国庆后复工推进中", "综合股已完成，信息股推进中"] {
            app.clock
                .advance(TimeDelta::days(if text.starts_with("国庆") {
                    9
                } else {
                    1
                }));
            let filed = post_ok(
                &app,
                &director,
                &format!("/api/v1/supervision/{parent}/reports"),
                json!({"text": text}),
            )
            .await;
            assert_eq!(filed["status"], "filed", "{text}");
            if text.starts_with("国庆") {
                // 综合股 files its own report due that day: a closing waits for the progress owed.
                let filed = post_ok(
                    &app,
                    &zonghe,
                    &format!("/api/v1/supervision/{a}/reports"),
                    json!({"text": "乡道路面改造进入收尾"}),
                )
                .await;
                assert_eq!(filed["status"], "filed");
            }
        }
        // 综合股 applies for closing on 10-09 with its evidence; the director accepts.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{a}/apply"),
                &zonghe,
                Some(json!({"text": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        post_ok(
            &app,
            &zonghe,
            &format!("/api/v1/supervision/{a}/apply"),
            json!({"text": "乡道路面改造全部完成，附验收单"}),
        )
        .await;
        post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{a}/review"),
            json!({"accept": true, "opinion": "同意销号"}),
        )
        .await;
        assert_eq!(item(&app, &zonghe, a).await["state"], "closed");
        // 10-10 12:00, the make-up Saturday, is still within the deadline: no card.
        app.clock.advance(TimeDelta::days(1) + TimeDelta::hours(2));
        run_timers(&app).await;
        assert_eq!(cards(&app, b, "yellow").await, 0);
        // After the end of 10-10: a yellow card against 信息股's post.
        app.clock.advance(TimeDelta::hours(13));
        run_timers(&app).await;
        assert_eq!(cards(&app, b, "yellow").await, 1);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cards c join supervision_items i on i.case_id = c.case_id
                 where i.id = {b} and c.post_id = {xinxi_post} and c.unit_id = {xinxi_unit}"
            ))
            .await,
            1
        );
        // Red after 3 further working days (12, 13, 14): not on 10-14, but just after it.
        app.clock.advance(TimeDelta::days(3) + TimeDelta::hours(10)); // 10-14 11:00
        run_timers(&app).await;
        assert_eq!(cards(&app, b, "red").await, 0);
        app.clock.advance(TimeDelta::hours(14)); // 10-15 01:00
        run_timers(&app).await;
        assert_eq!(cards(&app, b, "red").await, 1);
        // Running the timers again gives nothing twice.
        run_timers(&app).await;
        assert_eq!(
            cards(&app, b, "yellow").await + cards(&app, b, "red").await,
            2
        );
        assert_eq!(
            cards(&app, a, "yellow").await + cards(&app, a, "red").await,
            0
        );
        // The parent cannot be closed while a sub-item is open.
        app.clock.advance(TimeDelta::hours(9)); // 10-15 10:00
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{parent}/apply"),
                &director,
                Some(json!({"text": "两项均已完成"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        // 信息股 files late, applies, is accepted late.
        let filed = post_ok(
            &app,
            &xinxi,
            &format!("/api/v1/supervision/{b}/reports"),
            json!({"text": "信息采集已完成九成"}),
        )
        .await;
        assert_eq!(filed["status"], "late");
        // Its closing waits for the other reports owed (10-08, 10-09) too.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{b}/apply"),
                &xinxi,
                Some(json!({"text": "公路信息采集全部完成并上报"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("第 2 次进展应于 2026-10-08 报送"),
            "{}",
            res.body
        );
        for text in ["信息采集完成九成五", "信息采集全部完成"] {
            let filed = post_ok(
                &app,
                &xinxi,
                &format!("/api/v1/supervision/{b}/reports"),
                json!({"text": text}),
            )
            .await;
            assert_eq!(filed["status"], "late", "{text}");
        }
        post_ok(
            &app,
            &xinxi,
            &format!("/api/v1/supervision/{b}/apply"),
            json!({"text": "公路信息采集全部完成并上报"}),
        )
        .await;
        post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{b}/review"),
            json!({"accept": true, "opinion": "逾期完成，同意销号"}),
        )
        .await;
        // The parent's closing: sent back once with reasons (none is refused), then accepted.
        post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{parent}/apply"),
            json!({"text": "两项均已完成"}),
        )
        .await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{parent}/review"),
                &sup,
                Some(json!({"accept": false, "opinion": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        post_ok(
            &app,
            &sup,
            &format!("/api/v1/supervision/{parent}/review"),
            json!({"accept": false, "opinion": "请补充验收照片"}),
        )
        .await;
        let v = item(&app, &director, parent).await;
        assert_eq!(v["state"], "handling");
        assert_eq!(v["sent_back"], 1);
        post_ok(
            &app,
            &director,
            &format!("/api/v1/supervision/{parent}/apply"),
            json!({"text": "已补充验收照片"}),
        )
        .await;
        post_ok(
            &app,
            &sup,
            &format!("/api/v1/supervision/{parent}/review"),
            json!({"accept": true, "opinion": "同意销号"}),
        )
        .await;
        let v = item(&app, &sup, parent).await;
        assert_eq!(v["state"], "closed");
        assert_eq!(cards(&app, parent, "yellow").await, 0);

        // Every step on the late sub-item's timeline.
        let tb = item(&app, &sup, b).await;
        let texts: Vec<String> = tb["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["text"].as_str().unwrap().to_owned())
            .collect();
        for want in [
            "立项",
            "签收",
            "逾期未报",
            "亮黄牌",
            "亮红牌",
            "报送第",
            "申请办结",
            "销号",
        ] {
            assert!(
                texts.iter().any(|t| t.contains(want)),
                "{want} missing from {texts:?}"
            );
        }
        let tp = item(&app, &sup, parent).await;
        let opinions: Vec<String> = tp["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["opinion"].as_str().map(str::to_owned))
            .collect();
        assert!(
            opinions.iter().any(|o| o == "请补充验收照片"),
            "{opinions:?}"
        );

        // The bulletin for October names exactly the late section.
        let bulletin = app
            .api(
                "GET",
                "/api/v1/supervision/bulletin?month=2026-10",
                &sup,
                None,
            )
            .await
            .json();
        assert_eq!(
            bulletin["late_units"],
            json!(["清河县信息股"]),
            "{bulletin}"
        );
        let body = bulletin["body"].as_str().unwrap();
        let late = body
            .split(xn_domain::supervision::LATE_SECTION)
            .nth(1)
            .unwrap()
            .split("四、")
            .next()
            .unwrap();
        assert!(
            late.contains("信息股") && late.contains("公路信息采集"),
            "{late}"
        );
        assert!(!late.contains("综合股"), "{late}");
        // …and becomes a 通报 draft in the documents pipeline.
        let drafted = post_ok(
            &app,
            &sup,
            "/api/v1/supervision/bulletin",
            json!({"month": "2026-10"}),
        )
        .await;
        let doc = drafted["document_id"].as_i64().unwrap();
        assert_eq!(
            app.text(&format!("select kind from documents where id = {doc}"))
                .await,
            "circular"
        );

        // The month's scores, stored per unit and per post.
        let scores = post_ok(
            &app,
            &sup,
            "/api/v1/supervision/scores",
            json!({"month": "2026-10"}),
        )
        .await;
        let row = scores
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit_id"] == xinxi_unit && r["post_id"] == 0)
            .cloned()
            .unwrap();
        assert_eq!(row["closed_late"], 1, "{row}");
        assert_eq!(row["yellow_cards"], 1);
        assert_eq!(row["red_cards"], 1);
        assert!(row["reports_missed"].as_i64().unwrap() >= 1, "{row}");
        let good = scores
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit_id"] == zonghe_unit && r["post_id"] == 0)
            .cloned()
            .unwrap();
        assert_eq!(good["closed_on_time"], 1, "{good}");
        assert_eq!(good["on_time_rate"], 100.0);
        assert!(
            app.scalar(
                "select count(*) from supervision_scores where month = '2026-10' and post_id > 0"
            )
            .await
                >= 2
        );
        // The lists: the board sees all three, 信息股 sees its own, the 县长 those he instructed.
        let board = app
            .api("GET", "/api/v1/supervision?tab=board&card=red", &sup, None)
            .await
            .json();
        assert_eq!(board["total"], 1, "{board}");
        let mine = app
            .api("GET", "/api/v1/supervision?tab=unit", &xinxi, None)
            .await
            .json();
        assert_eq!(mine["total"], 1, "{mine}");
        let leader = app
            .token_for(
                &app.login_of_position("清河县人民政府", "leader").await,
                &SCOPES,
            )
            .await;
        let led = app
            .api("GET", "/api/v1/supervision?tab=leader", &leader, None)
            .await
            .json();
        assert_eq!(led["total"], 3, "{led}");
    }
);

on_both_engines!(a_change_of_lead_moves_the_work, |app: TestApp| async move {
    let case = instructed_incoming(&app).await;
    let sup = app
        .token_for(
            &app.login_in(OFFICE, "督查股", "section_chief").await,
            &SCOPES,
        )
        .await;
    let zonghe_login = app.login_in(OFFICE, "综合股", "staff").await;
    let xinxi_login = app.login_in(OFFICE, "信息股", "staff").await;
    let zonghe_post = app.post_of(&zonghe_login).await;
    let xinxi_post = app.post_of(&xinxi_login).await;
    let unit_of = |p: i64| format!("select unit_id from posts where id = {p}");
    let zonghe_unit = app.scalar(&unit_of(zonghe_post)).await;
    let xinxi_unit = app.scalar(&unit_of(xinxi_post)).await;
    let id = post_ok(
        &app,
        &sup,
        "/api/v1/supervision",
        json!({"source_kind": "instruction", "source_case_id": case, "source_leader": "县长",
                   "title": "调整测试", "content": "测试调整牵头单位", "lead_unit": zonghe_unit,
                   "lead_post": zonghe_post, "deadline_days": 10}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let zonghe = app.token_for(&zonghe_login, &SCOPES).await;
    post_ok(
        &app,
        &zonghe,
        &format!("/api/v1/supervision/{id}/change"),
        json!({"reason": "该事项属信息股职责", "lead_unit": xinxi_unit, "lead_post": xinxi_post}),
    )
    .await;
    post_ok(
        &app,
        &sup,
        &format!("/api/v1/supervision/{id}/change/decide"),
        json!({"approve": true, "opinion": "同意"}),
    )
    .await;
    let xinxi = app.token_for(&xinxi_login, &SCOPES).await;
    post_ok(
        &app,
        &xinxi,
        &format!("/api/v1/supervision/{id}/sign"),
        json!({"text": ""}),
    )
    .await;
    let v = item(&app, &xinxi, id).await;
    assert_eq!(v["state"], "handling");
    assert_eq!(v["lead_unit"], "清河县信息股");
    // The old lead has nothing left to do on it: its work moved, the item is out of his
    // reach and answers as a missing one, as its page does.
    let res = app
        .api(
            "POST",
            &format!("/api/v1/supervision/{id}/reports"),
            &zonghe,
            Some(json!({"text": "进展汇报"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .api("GET", &format!("/api/v1/supervision/{id}"), &zonghe, None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
});

/// Two servers on one PostgreSQL database sweep the same due cards at once: each card once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_give_each_card_once() {
    let Some(app) = TestApp::spawn(crate::support::Engine::Postgres).await else {
        return;
    };
    let sup = app
        .token_for(
            &app.login_in(OFFICE, "督查股", "section_chief").await,
            &SCOPES,
        )
        .await;
    let lead_login = app.login_in(OFFICE, "综合股", "staff").await;
    let lead_post = app.post_of(&lead_login).await;
    let lead_unit = app
        .scalar(&format!("select unit_id from posts where id = {lead_post}"))
        .await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let id = post_ok(
            &app,
            &sup,
            "/api/v1/supervision",
            json!({"title": format!("双机亮牌 {i}"), "content": "测试", "lead_unit": lead_unit,
                   "lead_post": lead_post, "deadline_days": 2}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        ids.push(id);
    }
    // Far past every deadline and red-card day.
    app.clock.advance(TimeDelta::days(30));
    let other = app.second_server();
    let now = app.clock.now();
    let lease = TimeDelta::seconds(60);
    let mut fired = 0;
    for _ in 0..60 {
        let (x, y) = tokio::join!(
            app.services().run_due_timers("server-a", now, lease, 5),
            other.services().run_due_timers("server-b", now, lease, 5)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        fired += x.fired + y.fired;
        if x.claimed + y.claimed == 0 {
            break;
        }
    }
    assert_eq!(
        app.scalar("select count(*) from cards c join jobs j on j.id = c.job_id where c.color = 'yellow' and j.kind = 'sv_deadline'")
            .await,
        12
    );
    assert_eq!(
        app.scalar("select count(*) from cards c join jobs j on j.id = c.job_id where c.color = 'red' and j.kind = 'sv_deadline'")
            .await,
        12
    );
    assert_eq!(
        app.scalar("select count(*) from events where kind in ('supervision.yellow_card', 'supervision.red_card')")
            .await,
        24
    );
    assert!(fired >= 24, "{fired}");
    assert_eq!(
        app.scalar("select count(*) from jobs where kind = 'sv_deadline' and status = 'pending'")
            .await,
        0
    );
}

on_both_engines!(
    pages_refuse_bad_input_in_chinese_and_export,
    |app: TestApp| async move {
        let login = app.login_in(OFFICE, "督查股", "section_chief").await;
        app.login_as(&login).await;
        let res = app.get("/supervision/new").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("立项督办"), "{}", res.body);
        // No lead chosen: the form comes back with the reason, nothing is written.
        let res = app
            .post_form(
                "/supervision",
                &[
                    ("title", "测试事项"),
                    ("content", "内容"),
                    ("deadline", "2026-12-30"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请选择牵头单位责任人"), "{}", res.body);
        assert_eq!(
            app.scalar("select count(*) from supervision_items").await,
            0
        );
        let lead = app
            .post_of(&app.login_in(OFFICE, "综合股", "staff").await)
            .await;
        let res = app
            .post_form(
                "/supervision",
                &[
                    ("title", "测试事项"),
                    ("content", "内容"),
                    ("deadline", "2026-01-05"),
                    ("lead_post", &lead.to_string()),
                    ("report_cycle", "weekly"),
                    ("report_day", "5"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("早于今天"), "{}", res.body);
        let res = app
            .post_form(
                "/supervision",
                &[
                    ("title", "测试事项"),
                    ("content", "内容"),
                    ("deadline", "2026-12-30"),
                    ("lead_post", &lead.to_string()),
                    ("report_cycle", "weekly"),
                    ("report_day", "5"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app.get("/supervision").await;
        assert!(res.body.contains("测试事项"), "{}", res.body);
        let res = app.get("/supervision.xlsx").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.header("content-type").contains("spreadsheetml"),
            "{}",
            res.header("content-type")
        );
    }
);

on_both_engines!(
    a_county_cannot_assign_work_outside_its_government,
    |app: TestApp| async move {
        let sup = app
            .token_for(
                &app.login_in(OFFICE, "督查股", "section_chief").await,
                &SCOPES,
            )
            .await;
        // The city's 主任 sits above the county: not the county's to supervise.
        let zhuren = app.post_of("zhuren").await;
        let zhuren_unit = app
            .scalar(&format!("select unit_id from posts where id = {zhuren}"))
            .await;
        let before = app.count("supervision_items").await;
        let res = app
            .api(
                "POST",
                "/api/v1/supervision",
                &sup,
                Some(
                    json!({"source_kind": "meeting", "title": "越级交办", "content": "测试",
                            "lead_unit": zhuren_unit, "lead_post": zhuren, "deadline_days": 10}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["field"], "lead_unit", "{}", res.body);
        assert_eq!(app.count("supervision_items").await, before);
        // The API drafts what the form proposes, and the draft opens inside the county.
        let draft = app
            .api("GET", "/api/v1/supervision/draft", &sup, None)
            .await;
        assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
        let d = draft.json();
        assert_eq!(
            (d["report_cycle"].as_str(), d["report_day"].as_i64()),
            (Some("weekly"), Some(5))
        );
        assert!(
            d["deadline"].as_str().is_some_and(|s| s > "2026-11-26"),
            "{d}"
        );
        let staff_login = app.login_in(OFFICE, "综合股", "staff").await;
        let staff = app.post_of(&staff_login).await;
        let staff_unit = app
            .scalar(&format!("select unit_id from posts where id = {staff}"))
            .await;
        let mut body = d.clone();
        body["title"] = json!("落实冬季安全生产");
        body["content"] = json!("排查隐患");
        body["lead_unit"] = json!(staff_unit);
        body["lead_post"] = json!(staff);
        post_ok(&app, &sup, "/api/v1/supervision", body).await;
        assert_eq!(app.count("supervision_items").await, before + 1);
    }
);

on_both_engines!(
    choices_are_read_by_their_codes_and_the_page_and_api_filter_alike,
    |app: TestApp| async move {
        let sup_login = app.login_in(OFFICE, "督查股", "section_chief").await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        let lead = app
            .post_of(&app.login_in(OFFICE, "综合股", "staff").await)
            .await;
        let lead_unit = app
            .scalar(&format!("select unit_id from posts where id = {lead}"))
            .await;
        let base = json!({"title": "信息报送工作", "content": "按要求报送", "lead_unit": lead_unit,
                          "lead_post": lead, "deadline_days": 10});
        // Choices left blank take the usual defaults; named, they are kept.
        let mut blank = base.clone();
        blank["source_kind"] = json!("");
        blank["report_cycle"] = json!("");
        blank["importance"] = json!("");
        let plain = post_ok(&app, &sup, "/api/v1/supervision", blank).await["id"]
            .as_i64()
            .unwrap();
        let mut named = base.clone();
        named["title"] = json!("重点项目开工");
        named["source_kind"] = json!("meeting");
        named["report_cycle"] = json!("monthly");
        named["report_day"] = json!(25);
        named["importance"] = json!("critical");
        let meeting = post_ok(&app, &sup, "/api/v1/supervision", named).await["id"]
            .as_i64()
            .unwrap();
        let v = item(&app, &sup, plain).await;
        assert_eq!(
            (
                &v["source_label"],
                &v["report_schedule"],
                &v["importance_label"]
            ),
            (&json!("其他"), &json!("不定期报送"), &json!("一般")),
            "{v}"
        );
        let v = item(&app, &sup, meeting).await;
        assert_eq!(
            (
                &v["source_label"],
                &v["report_schedule"],
                &v["importance_label"]
            ),
            (
                &json!("会议议定事项"),
                &json!("每月 25 日报送"),
                &json!("重大紧急")
            ),
            "{v}"
        );
        // A code that names no choice is refused, and nothing is written.
        let mut bad = base.clone();
        bad["report_cycle"] = json!("daily");
        let res = app
            .api("POST", "/api/v1/supervision", &sup, Some(bad))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(app.count("supervision_items").await, 2);

        // The API and the list page read the same filter.
        let list = |q: &str| {
            let (app, sup) = (&app, &sup);
            let path = format!("/api/v1/supervision?{q}");
            async move { app.api("GET", &path, sup, None).await.json() }
        };
        let found =
            list("source=meeting&state=assigned&card=none&overdue=false&sort=created&desc=true")
                .await;
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["rows"][0]["id"], meeting, "{found}");
        // Values that name nothing filter nothing, as the form's 全部.
        assert_eq!(list("source=&state=unknown&card=").await["total"], 2);
        assert_eq!(list("overdue=true").await["total"], 0);
        let doc = app.get("/api/v1/openapi.json").await.json();
        let params: Vec<&str> = doc["paths"]["/api/v1/supervision"]["get"]["parameters"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in [
            "tab", "state", "source", "card", "overdue", "sort", "page", "per_page",
        ] {
            assert!(params.contains(&name), "{name} not documented: {params:?}");
        }
        app.login_as(&sup_login).await;
        let page = app
            .get("/supervision?source=meeting&state=&card=&desc=1")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("重点项目开工"), "{}", page.body);
        assert!(!page.body.contains("信息报送工作"), "{}", page.body);
        let page = app.get("/supervision?overdue=1").await;
        assert!(
            page.body.contains("没有符合条件的督办事项"),
            "{}",
            page.body
        );
        // The form names the field it cannot read, in Chinese.
        let res = app
            .post_form(
                "/supervision",
                &[
                    ("title", "测试事项"),
                    ("content", "内容"),
                    ("deadline", "2026-12-30"),
                    ("lead_post", &lead.to_string()),
                    ("report_cycle", "daily"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("报送周期不正确"), "{}", res.body);
    }
);
