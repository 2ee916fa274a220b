//! 四个满意 for one month (2026-11) from a handful of events of each kind, against figures
//! computed by hand:
//!
//! - 群众满意: three 回访 of requests led by 清河县人民政府 — 满意, 基本满意, 不满意:
//!   (100 + 80 + 0) / 3 = 60; one October 回访 does not count.
//! - 领导满意: two 督办件 of 清河's office from the 县长's instructions, closed through the API
//!   and rated by the 县长 基本满意 and 满意: (80 + 100) / 2 = 90.
//! - 基层满意: two 收文 at the city office from 清河's office, handled to the end, rated by their
//!   drafter 满意 and 不满意: (100 + 0) / 2 = 50.
//! - 上级满意: the city office's 主任 enters 90, 清河's 主任 85; two of 清河's information items
//!   were adopted upward in November (one more in October, one only into a periodical):
//!   清河 85 + 2 × 2 = 89, the city office 90; the city's total is their mean, 89.5.
//!
//! The 回访, the 收文 and the adoptions are written as rows here (their areas are tested on
//! their own); the 督办件 go through the supervision API and every rating and evaluation
//! through this area's API. The month is then closed and its stored rows carry the same
//! figures.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const QINGHE: &str = "清河县人民政府办公室";
const CITY: &str = "东川市人民政府办公室";

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

/// Gives a rating that must be refused with `status`.
async fn refused(app: &TestApp, token: &str, body: Value, status: StatusCode) {
    let res = app
        .api("POST", "/api/v1/satisfaction/ratings", token, Some(body))
        .await;
    assert_eq!(res.status, status, "{}", res.body);
}

/// A 督办件 of 清河's office from the 县长's instruction, signed for by its 主任: its id.
async fn instructed_item(app: &TestApp, title: &str) -> i64 {
    let sup = app
        .token_for(
            &app.login_in(QINGHE, "督查股", "section_chief").await,
            &SCOPES,
        )
        .await;
    let director_login = app.login_of_position(QINGHE, "director").await;
    let leader = app
        .post_of(&app.login_of_position("清河县人民政府", "leader").await)
        .await;
    let id = post_ok(
        app,
        &sup,
        "/api/v1/supervision",
        json!({"source_kind": "instruction", "source_leader_post": leader,
               "title": title, "content": "按县长批示办理。",
               "lead_unit": app.unit_id(QINGHE).await,
               "lead_post": app.post_of(&director_login).await,
               "deadline": "2026-12-20", "report_cycle": "none", "report_day": 5,
               "importance": "normal"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let director = app.token_for(&director_login, &SCOPES).await;
    post_ok(
        app,
        &director,
        &format!("/api/v1/supervision/{id}/sign"),
        json!({"text": "收到"}),
    )
    .await;
    id
}

/// Applies for closing and strikes the item off.
async fn close_item(app: &TestApp, id: i64) {
    let director = app
        .token_for(&app.login_of_position(QINGHE, "director").await, &SCOPES)
        .await;
    let sup = app
        .token_for(
            &app.login_in(QINGHE, "督查股", "section_chief").await,
            &SCOPES,
        )
        .await;
    post_ok(
        app,
        &director,
        &format!("/api/v1/supervision/{id}/reports"),
        json!({"text": "已按批示部署落实"}),
    )
    .await;
    post_ok(
        app,
        &director,
        &format!("/api/v1/supervision/{id}/apply"),
        json!({"text": "已办结，附材料"}),
    )
    .await;
    post_ok(
        app,
        &sup,
        &format!("/api/v1/supervision/{id}/review"),
        json!({"accept": true, "opinion": "同意销号"}),
    )
    .await;
}

/// A 收文 at the city office from 清河's office (drafted by `drafter`), in `status`: its id.
async fn incoming_from_qinghe(app: &TestApp, title: &str, status: &str, drafter: i64) -> i64 {
    let city_clerk = app.token_for("mishu", &SCOPES).await;
    let case = app.internal_request(&city_clerk, title, "收文").await;
    let (qinghe, city) = (app.unit_id(QINGHE).await, app.unit_id(CITY).await);
    let handler = app.post_of("mishu").await;
    let at = app.clock.now().timestamp_millis();
    app.exec(&format!(
        "insert into documents (direction, unit_id, kind, title, status, created_post_id,
             created_at, updated_at)
         values ('outgoing', {qinghe}, 'request', '{title}', 'dispatched', {drafter}, {at}, {at})"
    ))
    .await;
    let source = app
        .scalar(&format!(
            "select max(id) from documents where unit_id = {qinghe} and title = '{title}'"
        ))
        .await;
    app.exec(&format!(
        "insert into documents (direction, case_id, unit_id, kind, title, status,
             source_document_id, lead_post_id, created_post_id, created_at, updated_at)
         values ('incoming', {case}, {city}, 'request', '{title}', '{status}', {source},
             {handler}, {handler}, {at}, {at})"
    ))
    .await;
    app.scalar(&format!(
        "select id from documents where source_document_id = {source}"
    ))
    .await
}

async fn visits(app: &TestApp) {
    let gov = app.unit_id("清河县人民政府").await;
    let city_gov = app.unit_id("东川市人民政府").await;
    let lead = app.post_of("qinghe.mishu").await;
    let at = app.clock.now().timestamp_millis();
    for (i, (result, month)) in [
        ("satisfied", "2026-11"),
        ("basically", "2026-11"),
        ("unsatisfied", "2026-11"),
        ("unsatisfied", "2026-10"),
    ]
    .iter()
    .enumerate()
    {
        app.exec(&format!(
            "insert into service_requests (code, government_id, channel, category_id,
                 description, urgency, state, outcome, lead_unit_id, lead_post_id, received_on,
                 created_at, updated_at)
             values ('SAT{i}', {city_gov}, 'phone', (select min(id) from service_categories),
                 '路灯不亮', 'normal', 'closed', '{result}', {gov}, {lead}, '2026-10-20',
                 {at}, {at})"
        ))
        .await;
        app.exec(&format!(
            "insert into service_visits (request_id, round, lead_unit_id, result, reason, via,
                 month, created_at)
             values ((select id from service_requests where code = 'SAT{i}'), 1, {gov},
                 '{result}', '', 'phone', '{month}', {at})"
        ))
        .await;
    }
}

async fn adoptions(app: &TestApp) {
    let qinghe = app.unit_id(QINGHE).await;
    let city = app.unit_id(CITY).await;
    let author_login = "qinghe.mishu".to_owned();
    let author = app.post_of(&author_login).await;
    let person = app.person_id(&author_login).await;
    let xinxi = app.post_of("xinxi").await;
    let now = app.clock.now().timestamp_millis();
    let october = now - 40 * 86_400_000;
    for (i, (level, at)) in [
        ("higher", now - 86_400_000),
        ("higher", now - 2 * 86_400_000),
        ("higher", october),
        ("periodical", now - 86_400_000),
    ]
    .iter()
    .enumerate()
    {
        app.exec(&format!(
            "insert into information_items (unit_id, author_post_id, author_person_id,
                 signer_post_id, title, body, kind, state, created_at, updated_at)
             values ({qinghe}, {author}, {person}, {author}, '信息{i}', '正文', 'news', 'sent',
                 {at}, {at})"
        ))
        .await;
        app.exec(&format!(
            "insert into information_receipts (item_id, office_unit_id, state, received_at)
             values ((select id from information_items where title = '信息{i}'), {city},
                 'adopted', {at})"
        ))
        .await;
        app.exec(&format!(
            "insert into information_adoptions (receipt_id, item_id, office_unit_id, level,
                 post_id, created_at)
             select r.id, r.item_id, {city}, '{level}', {xinxi}, {at}
             from information_receipts r join information_items i on i.id = r.item_id
             where i.title = '信息{i}'"
        ))
        .await;
    }
}

fn cell<'a>(row: &'a Value, kind: &str) -> &'a Value {
    row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap()
}

fn unit_row(v: &Value, id: i64) -> &Value {
    v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"] == id)
        .unwrap_or_else(|| panic!("unit {id} in {v}"))
}

on_both_engines!(
    four_satisfactions_of_a_month_equal_the_hand_computed_figures,
    |app: TestApp| async move {
        let leader_login = app.login_of_position("清河县人民政府", "leader").await;
        let leader = app.token_for(&leader_login, &SCOPES).await;
        let qinghe_director = app
            .token_for(&app.login_of_position(QINGHE, "director").await, &SCOPES)
            .await;
        let city_director = app.token_for("zhuren", &SCOPES).await;
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let rate = |kind: &'static str, id: i64, result: &'static str| json!({"item_kind": kind, "item_id": id, "result": result, "comment": "办得及时"});

        // 领导满意: not before the item closes; only by the 县长; once.
        let a = instructed_item(&app, "督办一").await;
        let b = instructed_item(&app, "督办二").await;
        refused(
            &app,
            &leader,
            rate("supervision", a, "basically"),
            StatusCode::CONFLICT,
        )
        .await;
        close_item(&app, a).await;
        close_item(&app, b).await;
        let pending = app
            .api("GET", "/api/v1/satisfaction", &leader, None)
            .await
            .json();
        assert_eq!(pending["pending"].as_array().unwrap().len(), 2, "{pending}");
        refused(
            &app,
            &qinghe_director,
            rate("supervision", a, "satisfied"),
            StatusCode::FORBIDDEN,
        )
        .await;
        refused(
            &app,
            &liulin,
            rate("supervision", a, "satisfied"),
            StatusCode::NOT_FOUND,
        )
        .await;
        for bad in [
            json!({"item_kind": "supervision", "item_id": a, "result": "很好"}),
            json!({"item_kind": "meeting", "item_id": a, "result": "satisfied"}),
            json!({"item_kind": "supervision", "item_id": a, "result": "satisfied",
                   "comment": "长".repeat(501)}),
        ] {
            let res = app
                .api("POST", "/api/v1/satisfaction/ratings", &leader, Some(bad))
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        }
        refused(
            &app,
            &leader,
            rate("supervision", 999_999, "satisfied"),
            StatusCode::NOT_FOUND,
        )
        .await;
        post_ok(
            &app,
            &leader,
            "/api/v1/satisfaction/ratings",
            rate("supervision", a, "basically"),
        )
        .await;
        post_ok(
            &app,
            &leader,
            "/api/v1/satisfaction/ratings",
            rate("supervision", b, "满意"),
        )
        .await;
        refused(
            &app,
            &leader,
            rate("supervision", a, "satisfied"),
            StatusCode::CONFLICT,
        )
        .await;

        // 基层满意: the drafter of 清河's document rates the 收文 handled to the end.
        let drafter_login = "qinghe.mishu".to_owned();
        let drafter = app.token_for(&drafter_login, &SCOPES).await;
        let drafter_post = app.post_of(&drafter_login).await;
        let d1 =
            incoming_from_qinghe(&app, "关于请求支持防汛物资的请示", "closed", drafter_post).await;
        let d2 = incoming_from_qinghe(&app, "关于道路改造资金的请示", "closed", drafter_post).await;
        let d3 = incoming_from_qinghe(&app, "关于人员借调的请示", "handling", drafter_post).await;
        refused(
            &app,
            &drafter,
            rate("document", d3, "satisfied"),
            StatusCode::CONFLICT,
        )
        .await;
        refused(
            &app,
            &city_director,
            rate("document", d1, "satisfied"),
            StatusCode::FORBIDDEN,
        )
        .await;
        post_ok(
            &app,
            &drafter,
            "/api/v1/satisfaction/ratings",
            rate("document", d1, "satisfied"),
        )
        .await;
        post_ok(
            &app,
            &drafter,
            "/api/v1/satisfaction/ratings",
            rate("document", d2, "unsatisfied"),
        )
        .await;

        // 上级满意: entered by each office's 主任; others may not; the score is 0–100.
        let res = app
            .api(
                "POST",
                "/api/v1/satisfaction/higher",
                &drafter,
                Some(json!({"month": "2026-11", "score": 90})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        for bad in [
            json!({"month": "2026-11", "score": 150}),
            json!({"month": "2026-13", "score": 90}),
            json!({"month": "2027-01", "score": 90}),
            json!({"month": "2026-11"}),
        ] {
            let res = app
                .api(
                    "POST",
                    "/api/v1/satisfaction/higher",
                    &city_director,
                    Some(bad),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        }
        post_ok(
            &app,
            &city_director,
            "/api/v1/satisfaction/higher",
            json!({"month": "2026-11", "score": 80, "comment": "先录后改"}),
        )
        .await;
        post_ok(
            &app,
            &city_director,
            "/api/v1/satisfaction/higher",
            json!({"month": "2026-11", "score": 90, "comment": "信息报送及时"}),
        )
        .await;
        post_ok(
            &app,
            &qinghe_director,
            "/api/v1/satisfaction/higher",
            json!({"month": "2026-11", "score": 85}),
        )
        .await;

        visits(&app).await;
        adoptions(&app).await;

        let check = |v: &Value| {
            let total = &v["total"];
            assert_eq!(cell(total, "public")["value"], json!(60.0), "{v}");
            assert_eq!(cell(total, "public")["ratings"], 3);
            assert_eq!(cell(total, "grassroots")["value"], json!(50.0));
            assert_eq!(cell(total, "leader")["value"], json!(90.0));
            assert_eq!(cell(total, "higher")["value"], json!(89.5));
            assert_eq!(cell(total, "higher")["adoptions"], 2);
        };
        let v = app
            .api(
                "GET",
                "/api/v1/satisfaction?month=2026-11",
                &city_director,
                None,
            )
            .await
            .json();
        assert_eq!(v["stored"], false);
        check(&v);
        let (qinghe, city, qinghe_gov) = (
            app.unit_id(QINGHE).await,
            app.unit_id(CITY).await,
            app.unit_id("清河县人民政府").await,
        );
        assert_eq!(
            cell(unit_row(&v, qinghe_gov), "public")["value"],
            json!(60.0)
        );
        assert_eq!(cell(unit_row(&v, qinghe), "leader")["value"], json!(90.0));
        assert_eq!(cell(unit_row(&v, qinghe), "higher")["value"], json!(89.0));
        assert_eq!(cell(unit_row(&v, city), "higher")["value"], json!(90.0));
        assert_eq!(cell(unit_row(&v, city), "grassroots")["value"], json!(50.0));
        // Each rating behind the figures, linked to its item.
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.iter().filter(|i| i["kind"] == "public").count(), 3);
        assert!(
            items
                .iter()
                .any(|i| i["href"] == format!("/supervision/{a}")),
            "{v}"
        );
        assert!(
            items
                .iter()
                .any(|i| i["href"] == format!("/documents/{d1}")),
            "{v}"
        );
        // 清河's 主任 sees 清河's figures only.
        let q = app
            .api(
                "GET",
                "/api/v1/satisfaction?month=2026-11",
                &qinghe_director,
                None,
            )
            .await
            .json();
        assert!(
            q["units"]
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["unit_id"] != city),
            "{q}"
        );
        assert_eq!(cell(&q["total"], "higher")["value"], json!(89.0));
        let res = app
            .api(
                "GET",
                "/api/v1/satisfaction?month=2026-1x",
                &city_director,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

        // The month ends and is stored: the same figures, read from the stored rows.
        app.clock.advance(TimeDelta::days(6));
        let n = app
            .services()
            .satisfaction()
            .close_months(app.clock.now())
            .await
            .unwrap();
        assert!(n >= 2, "October and November stored: {n}");
        assert_eq!(
            app.scalar(&format!(
                "select score_centi from satisfaction_figures where month = '2026-11'
                 and kind = 'public' and unit_id = {qinghe_gov} and post_id = 0"
            ))
            .await,
            6000
        );
        assert_eq!(
            app.scalar(&format!(
                "select score_centi from satisfaction_figures where month = '2026-11'
                 and kind = 'higher' and unit_id = {qinghe} and post_id = 0"
            ))
            .await,
            8900
        );
        let v = app
            .api(
                "GET",
                "/api/v1/satisfaction?month=2026-11",
                &city_director,
                None,
            )
            .await
            .json();
        assert_eq!(v["stored"], true);
        check(&v);
        // The page shows the four and exports them.
        app.login_as("zhuren").await;
        let page = app.get("/satisfaction?month=2026-11").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("89.50") && page.body.contains("<svg"),
            "{}",
            page.body
        );
        let x = app.get("/satisfaction.xlsx?month=2026-11").await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.content_type().contains("spreadsheetml"));
    }
);
