//! 热点分析 of 办事与服务: a month's requests by category, by place and by category × place,
//! beside the month before, counted by hand here; a county reads only its own requests.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

async fn register(app: &TestApp, token: &str, category: &str, location: &str) -> i64 {
    let cat = app
        .scalar(&format!(
            "select id from service_categories where name = '{category}'"
        ))
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/service/requests",
            token,
            Some(json!({"channel": "phone", "category": cat, "name": "张三",
                        "phone": "13800000000", "location": location,
                        "description": format!("{category}：{location}，请有关部门尽快协调处理。")})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

fn line<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

on_both_engines!(
    hot_topics_count_a_month_by_category_and_place_beside_the_month_before,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let qinghe = app.token_for("qinghe.mishu", &SCOPES).await;
        let qinghe_name = app
            .text("select short_name from units where name = '清河县人民政府'")
            .await;
        let liulin_name = app
            .text("select short_name from units where name = '柳林县人民政府'")
            .await;
        // November (the clock starts on 2026-11-26): three 投诉 in 清河县, one 咨询 in 柳林县,
        // one 求助 with no place, dispatched to 清河县 (so placed there).
        for _ in 0..3 {
            register(&app, &mishu, "投诉", "清河县城关镇人民路").await;
        }
        register(&app, &mishu, "咨询", "柳林县新华街").await;
        let help = register(&app, &mishu, "求助", "").await;
        app.api(
            "POST",
            &format!("/api/v1/service/requests/{help}/accept"),
            &mishu,
            None,
        )
        .await;
        let lead = app.post_of("qinghe.mishu").await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/service/requests/{help}/dispatch"),
                &mishu,
                Some(json!({"lead_post": lead, "note": "请办理"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // December: two 投诉 in 清河县, one 建议 in 柳林县.
        app.clock.advance(Duration::days(6));
        register(&app, &mishu, "投诉", "清河县东关村").await;
        register(&app, &mishu, "投诉", "清河县西街").await;
        register(&app, &mishu, "建议", "柳林县新华街").await;

        let res = app
            .api("GET", "/api/v1/service/hot?month=2026-12", &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = res.json();
        assert_eq!(
            (v["total"].as_i64(), v["previous_total"].as_i64()),
            (Some(3), Some(5))
        );
        assert_eq!(v["previous_month"], "2026-11");
        let complaints = line(&v["categories"], "投诉");
        assert_eq!(complaints["count"], 2);
        assert_eq!(complaints["previous"], 3);
        assert_eq!(complaints["change"], "−1");
        assert_eq!(complaints["share"], "66.7%");
        assert_eq!(line(&v["categories"], "建议")["change"], "新增");
        // Every category of the catalogue is listed, 表扬 with none.
        assert_eq!(line(&v["categories"], "表扬")["count"], 0);
        assert_eq!(v["categories"][0]["name"], "投诉", "the most asked first");
        let qh = line(&v["places"], &qinghe_name);
        assert_eq!(
            (qh["count"].as_i64(), qh["previous"].as_i64()),
            (Some(2), Some(4))
        );
        let ll = line(&v["places"], &liulin_name);
        assert_eq!(
            (ll["count"].as_i64(), ll["change"].as_str()),
            (Some(1), Some("持平"))
        );
        let top = &v["hottest"][0];
        assert_eq!(top["category"], "投诉");
        assert_eq!(top["place"], qinghe_name);
        assert_eq!(
            (top["count"].as_i64(), top["previous"].as_i64()),
            (Some(2), Some(3))
        );

        // 清河县's office reads only what it leads: the 求助 of November.
        let mine = app
            .api("GET", "/api/v1/service/hot?month=2026-11", &qinghe, None)
            .await
            .json();
        assert_eq!(mine["total"], 1, "{mine}");
        assert_eq!(line(&mine["categories"], "求助")["count"], 1);

        // A month that is not one.
        let res = app
            .api("GET", "/api/v1/service/hot?month=2026-13", &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.content_type(), "application/problem+json");

        // The page and its workbook.
        app.login_as("mishu").await;
        let page = app.get("/affairs/hot?month=2026-12").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("热点分析")
                && page.body.contains("共受理诉求 <strong>3</strong> 件")
        );
        let bad = app.get("/affairs/hot?month=十二月").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("月份格式应为 YYYY-MM"), "{}", bad.body);
        let xlsx = app.get("/affairs/hot.xlsx?month=2026-12").await;
        assert_eq!(xlsx.status, StatusCode::OK);
    }
);
