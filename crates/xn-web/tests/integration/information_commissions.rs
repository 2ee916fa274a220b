//! 约稿 and 批示 → 督办 end to end, on both engines: the city's information section asks two
//! counties for information on a topic; one answers (the commission's office added to where
//! its item goes), the commission shows who answered and who has not, 催报 reaches only the
//! one that has not, a passed date marks it 逾期未报, and a closed commission takes no answer;
//! a leader's 批示 recorded on a 专报 is offered to the supervising section, which opens a
//! 督办 item from it with the 批示's words and leader, linked both ways, carrying its 密级.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const CITY_OFFICE: &str = "东川市人民政府办公室";

async fn token(app: &TestApp, login: &str) -> String {
    app.token_for(login, &SCOPES).await
}

async fn section(app: &TestApp) -> String {
    let login = app.login_of_position("信息科", "section_chief").await;
    token(app, &login).await
}

async fn ok(app: &TestApp, method: &str, path: &str, who: &str, body: Option<Value>) -> Value {
    let res = app.api(method, path, who, body).await;
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

/// A county 秘书's item, signed off by the county's 主任; answers (item, case).
async fn submit(app: &TestApp, county: &str, title: &str, extra: Value) -> (i64, i64) {
    let mishu = token(app, &format!("{county}.mishu")).await;
    let mut body = json!({
        "title": title,
        "body": format!("{title}。本县结合实际，形成了一批可复制的做法，现报告如下。"),
        "kind": "practice",
        "signer_post": app.post_of(&format!("{county}.zhuren")).await,
        "offices": [],
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let res = app
        .api("POST", "/api/v1/information", &mishu, Some(body))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let item = res.json()["id"].as_i64().unwrap();
    let case = app
        .scalar(&format!(
            "select case_id from information_items where id = {item}"
        ))
        .await;
    (item, case)
}

async fn sign_off(app: &TestApp, county: &str, case: i64) {
    let zhuren = token(app, &format!("{county}.zhuren")).await;
    app.complete_ok(&zhuren, case, "同意", "同意报送", json!({}))
        .await;
}

fn unit_row(view: &Value, unit: i64) -> &Value {
    view["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_id"].as_i64() == Some(unit))
        .unwrap()
}

on_both_engines!(
    a_commission_shows_who_answered_and_urges_only_those_who_have_not,
    |app: TestApp| async move {
        let section = section(&app).await;
        let qinghe = app.unit_id("清河县人民政府办公室").await;
        let liulin = app.unit_id("柳林县人民政府办公室").await;
        let city_office = app.unit_id(CITY_OFFICE).await;
        let today = xn_domain::flow::engine::business_date(app.clock.now());
        let due = (today + Duration::days(5)).to_string();

        // The section may ask the counties' offices and the city's bureaus, not its own office.
        let units = ok(
            &app,
            "GET",
            "/api/v1/information/commissions/units",
            &section,
            None,
        )
        .await;
        let ids: Vec<i64> = units
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&qinghe) && ids.contains(&liulin), "{units}");
        assert!(!ids.contains(&city_office), "{units}");
        assert_eq!(ids.len(), 14, "six bureaus and eight counties: {units}");

        // Bad input is refused with its field named, and nothing is written.
        for (body, field) in [
            (
                json!({"topic": "", "due_on": due, "units": [qinghe]}),
                "topic",
            ),
            (
                json!({"topic": "营商环境", "due_on": "2020-01-01", "units": [qinghe]}),
                "due_on",
            ),
            (
                json!({"topic": "营商环境", "due_on": "明天", "units": [qinghe]}),
                "due_on",
            ),
            (
                json!({"topic": "营商环境", "due_on": due, "units": []}),
                "units",
            ),
            (
                json!({"topic": "营商环境", "due_on": due, "units": [city_office]}),
                "units",
            ),
        ] {
            let res = app
                .api(
                    "POST",
                    "/api/v1/information/commissions",
                    &section,
                    Some(body),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert!(res.body.contains(field), "{field}: {}", res.body);
        }
        assert_eq!(app.count("information_commissions").await, 0);
        // Only an information section asks.
        let qinghe_mishu = token(&app, "qinghe.mishu").await;
        let res = app
            .api(
                "POST",
                "/api/v1/information/commissions",
                &qinghe_mishu,
                Some(json!({"topic": "营商环境", "due_on": due, "units": [liulin]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        let id = ok(
            &app,
            "POST",
            "/api/v1/information/commissions",
            &section,
            Some(
                json!({"topic": "优化营商环境的经验做法", "description": "每县一篇，1500字以内。",
                        "due_on": due, "units": [qinghe, liulin]}),
            ),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        // Each county is told.
        for county in [qinghe, liulin] {
            assert!(
                app.scalar(&format!(
                    "select count(*) from notifications n join posts p on p.id = n.post_id
                       join units u on u.id = p.unit_id
                      where n.kind = 'information.commissioned'
                        and (u.id = {county} or u.parent_id = {county})"
                ))
                .await
                    > 0
            );
        }
        // The counties asked see it; another county does not learn it exists.
        let asking = ok(
            &app,
            "GET",
            "/api/v1/information/commissions",
            &qinghe_mishu,
            None,
        )
        .await;
        assert_eq!(asking["asking"][0]["id"].as_i64(), Some(id), "{asking}");
        let shimen = token(&app, "shimen.mishu").await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/information/commissions/{id}"),
                &shimen,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // A county not asked may not answer it.
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &shimen,
                Some(json!({"title": "石门县优化营商环境", "body": "石门县优化营商环境的做法，内容详实。",
                            "kind": "practice",
                            "signer_post": app.post_of("shimen.zhuren").await,
                            "offices": [], "commission": id})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("commission"), "{}", res.body);

        // 清河 answers: its item goes to the asking office though no office was ticked.
        let (item, case) = submit(
            &app,
            "qinghe",
            "清河县“一窗通办”压缩企业开办时间",
            json!({"commission": id}),
        )
        .await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from information_targets where item_id = {item}
                   and office_unit_id = {city_office}"
            ))
            .await,
            1
        );
        let path = format!("/api/v1/information/commissions/{id}");
        let v = ok(&app, "GET", &path, &section, None).await;
        assert_eq!(unit_row(&v, qinghe)["status"], "拟稿中", "{v}");
        assert_eq!(
            v["answers"].as_array().unwrap().len(),
            0,
            "not yet sent: {v}"
        );
        sign_off(&app, "qinghe", case).await;
        let v = ok(&app, "GET", &path, &section, None).await;
        assert_eq!(unit_row(&v, qinghe)["status"], "已报送", "{v}");
        assert_eq!(unit_row(&v, liulin)["status"], "未报送", "{v}");
        assert_eq!(v["answers"][0]["item_id"].as_i64(), Some(item), "{v}");
        assert_eq!(v["state"], "征集中");
        // The item names the commission.
        let i = ok(
            &app,
            "GET",
            &format!("/api/v1/information/{item}"),
            &section,
            None,
        )
        .await;
        assert_eq!(i["commission"][0].as_i64(), Some(id), "{i}");

        // 催报 reaches 柳林 only, and is counted.
        let urged = ok(&app, "POST", &format!("{path}/urge"), &section, None).await;
        assert_eq!(urged["units"], 1);
        let told = |unit: i64| {
            format!(
                "select count(*) from notifications n join posts p on p.id = n.post_id
                   join units u on u.id = p.unit_id
                  where n.kind = 'information.commission_urged'
                    and (u.id = {unit} or u.parent_id = {unit})"
            )
        };
        assert!(app.scalar(&told(liulin)).await > 0);
        assert_eq!(app.scalar(&told(qinghe)).await, 0);
        let v = ok(&app, "GET", &path, &section, None).await;
        assert_eq!(unit_row(&v, liulin)["urge_count"], 1, "{v}");
        assert_eq!(unit_row(&v, qinghe)["urge_count"], 0, "{v}");
        // 柳林 sees only its own part; 清河's answer is not listed to it.
        let liulin_mishu = token(&app, "liulin.mishu").await;
        let lv = ok(&app, "GET", &path, &liulin_mishu, None).await;
        assert_eq!(lv["answers"].as_array().unwrap().len(), 0, "{lv}");
        assert_eq!(lv["answer_as"].as_i64(), Some(liulin), "{lv}");

        // Past the date 柳林 is overdue.
        app.clock.advance(Duration::days(7));
        let v = ok(&app, "GET", &path, &section, None).await;
        assert_eq!(unit_row(&v, liulin)["status"], "逾期未报", "{v}");
        assert_eq!(unit_row(&v, liulin)["overdue"], true, "{v}");
        assert_eq!(v["state"], "已逾期");

        // Closed: no more urging, no more answers, closing twice is a conflict.
        let res = app
            .api("POST", &format!("{path}/close"), &qinghe_mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        ok(&app, "POST", &format!("{path}/close"), &section, None).await;
        for action in ["close", "urge"] {
            let res = app
                .api("POST", &format!("{path}/{action}"), &section, None)
                .await;
            assert_eq!(res.status, StatusCode::CONFLICT, "{action}: {}", res.body);
        }
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &liulin_mishu,
                Some(json!({"title": "柳林县营商环境", "body": "柳林县优化营商环境的做法，内容详实。",
                            "kind": "practice",
                            "signer_post": app.post_of("liulin.zhuren").await,
                            "offices": [], "commission": id})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let v = ok(&app, "GET", &path, &section, None).await;
        assert_eq!(v["state"], "已结束");
    }
);

on_both_engines!(
    a_leaders_instruction_on_a_special_report_becomes_a_supervision_item_linked_both_ways,
    |app: TestApp| async move {
        let section = section(&app).await;
        let city_office = app.unit_id(CITY_OFFICE).await;
        let (item, case) = submit(
            &app,
            "qinghe",
            "清河县探索“飞地经济”带动村集体增收",
            json!({"offices": [city_office]}),
        )
        .await;
        sign_off(&app, "qinghe", case).await;
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
        let r = format!("/api/v1/information/receipts/{receipt}");
        ok(&app, "POST", &format!("{r}/sign"), &section, None).await;
        ok(
            &app,
            "POST",
            &format!("{r}/screen"),
            &section,
            Some(json!({"decision": "采用"})),
        )
        .await;
        ok(
            &app,
            "POST",
            &format!("{r}/adopt"),
            &section,
            Some(json!({"level": "special"})),
        )
        .await;

        // The leaders a 批示 may be recorded for: the city's 市长 among them, not a county's.
        let leaders = ok(&app, "GET", "/api/v1/information/leaders", &section, None).await;
        let mayor = app.post_of("shizhang").await;
        assert!(
            leaders
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"].as_i64() == Some(mayor)),
            "{leaders}"
        );
        let words = "此经验值得推广，请市发展改革委牵头总结，一个月内拿出全市推广方案。";
        let res = app
            .api(
                "POST",
                &format!("{r}/adopt"),
                &section,
                Some(json!({"level": "instruction", "note": words,
                            "leader_post": app.post_of("qinghe.xianzhang").await})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("leader_post"), "{}", res.body);
        ok(
            &app,
            "POST",
            &format!("{r}/adopt"),
            &section,
            Some(json!({"level": "instruction", "note": words, "leader_post": mayor})),
        )
        .await;

        // The supervising section is told, the notice opening the 立项 form drafted from it.
        let sup_login = app.login_of_position("督查科", "section_chief").await;
        let sup_post = app.post_of(&sup_login).await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {sup_post}
                   and kind = 'information.instruction' and subject = 'instruction:{rcase}'"
            ))
            .await,
            1
        );
        let sup = token(&app, &sup_login).await;
        let draft = ok(
            &app,
            "GET",
            &format!("/api/v1/supervision/instruction/{rcase}"),
            &sup,
            None,
        )
        .await;
        assert_eq!(draft["text"], words, "{draft}");
        assert_eq!(draft["leader_post"].as_i64(), Some(mayor), "{draft}");
        assert!(
            !draft["leader_name"].as_str().unwrap().is_empty(),
            "{draft}"
        );
        // The supervising section reads the item once a 批示 is on it, with the way to 督办.
        let i = ok(
            &app,
            "GET",
            &format!("/api/v1/information/{item}"),
            &sup,
            None,
        )
        .await;
        assert_eq!(i["supervise_case"].as_i64(), Some(rcase), "{i}");

        // One step: the item opened from the draft.
        let bureau = app.unit_id("东川市发展和改革委员会").await;
        let lead_login = app
            .login_of_position("东川市发展和改革委员会", "leader")
            .await;
        let lead_post = app.post_of(&lead_login).await;
        let due = (xn_domain::flow::engine::business_date(app.clock.now()) + Duration::days(30))
            .to_string();
        let sv = ok(
            &app,
            "POST",
            "/api/v1/supervision",
            &sup,
            Some(
                json!({"source_kind": "instruction", "source_case_id": rcase,
                        "source_text": draft["text"], "source_leader_post": mayor,
                        "title": "落实市长关于推广“飞地经济”的批示", "content": words,
                        "lead_unit": bureau, "lead_post": lead_post, "deadline": due,
                        "report_cycle": "weekly", "report_day": 5}),
            ),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        // Linked both ways: the item names its source information; the information lists it.
        let s = ok(
            &app,
            "GET",
            &format!("/api/v1/supervision/{sv}"),
            &sup,
            None,
        )
        .await;
        assert_eq!(s["source_information"].as_i64(), Some(item), "{s}");
        for who in [&section, &sup] {
            let i = ok(
                &app,
                "GET",
                &format!("/api/v1/information/{item}"),
                who,
                None,
            )
            .await;
            let listed = i["receipts"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r["supervision"].as_array().unwrap().clone())
                .any(|s| s[0].as_i64() == Some(sv));
            assert!(listed, "{i}");
        }
        // The item carries its source's 密级: were the information classified, so would it be.
        let sv_case = app
            .scalar(&format!(
                "select case_id from supervision_items where id = {sv}"
            ))
            .await;
        let level = |case: i64| {
            format!(
                "select {}",
                xn_store::flow::case_classification_sql(&case.to_string())
            )
        };
        assert_eq!(app.text(&level(sv_case)).await, "public");
        app.exec(&format!(
            "update information_items set classification = 'secret' where id = {item}"
        ))
        .await;
        assert_eq!(app.text(&level(sv_case)).await, "secret");
        // Another county's section learns nothing of it.
        let liulin = token(&app, "liulin.mishu").await;
        let res = app
            .api("GET", &format!("/api/v1/information/{item}"), &liulin, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    }
);

on_both_engines!(
    the_months_bulletin_is_drafted_from_the_facts_as_a_circular,
    |app: TestApp| async move {
        let section = section(&app).await;
        let qinghe = app.unit_id("清河县人民政府办公室").await;
        let liulin = app.unit_id("柳林县人民政府办公室").await;
        // Thursday 2026-11-26: a commission to 清河 and 柳林 due on the 30th.
        let id = ok(
            &app,
            "POST",
            "/api/v1/information/commissions",
            &section,
            Some(
                json!({"topic": "冬季供暖保障", "due_on": "2026-11-30", "units": [qinghe, liulin]}),
            ),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        // 清河 answers; its item is adopted as a 专报 and into the office's own use.
        let (item, case) = submit(
            &app,
            "qinghe",
            "清河县做好冬季供暖保障",
            json!({"commission": id}),
        )
        .await;
        sign_off(&app, "qinghe", case).await;
        let receipt = app
            .scalar(&format!(
                "select id from information_receipts where item_id = {item}"
            ))
            .await;
        let r = format!("/api/v1/information/receipts/{receipt}");
        ok(&app, "POST", &format!("{r}/sign"), &section, None).await;
        ok(
            &app,
            "POST",
            &format!("{r}/screen"),
            &section,
            Some(json!({"decision": "采用"})),
        )
        .await;
        for level in ["internal", "special"] {
            ok(
                &app,
                "POST",
                &format!("{r}/adopt"),
                &section,
                Some(json!({"level": level})),
            )
            .await;
        }
        let points = app
            .scalar(&format!(
                "select cast(coalesce(sum(points), 0) as bigint) from information_scores where unit_id = {qinghe}"
            ))
            .await;
        assert!(points > 0);

        // Only the section drafts it, and for a month.
        let zhuren = token(&app, "qinghe.zhuren").await;
        let res = app
            .api(
                "POST",
                "/api/v1/information/bulletin",
                &zhuren,
                Some(json!({"month": "2026-11"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/information/bulletin",
                &section,
                Some(json!({"month": "11月"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let doc = ok(
            &app,
            "POST",
            "/api/v1/information/bulletin",
            &section,
            Some(json!({"month": "2026-11"})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        assert_eq!(
            app.text(&format!("select kind from documents where id = {doc}"))
                .await,
            "circular"
        );
        assert_eq!(
            app.text(&format!("select title from documents where id = {doc}"))
                .await,
            "关于2026年11月政务信息工作情况的通报"
        );
        let body = app.document_body(doc).await;
        assert!(
            body.contains("共收到各地各部门报送的政务信息1条，记采用2条次"),
            "{body}"
        );
        assert!(body.contains("专报领导1条"), "{body}");
        assert!(
            body.contains(&format!(
                "1. 清河县人民政府办公室：{points}分（报送1条，记采用2条次）"
            )),
            "{body}"
        );
        // Who sent nothing, and who did not answer the commission, are named.
        assert!(body.contains("柳林县人民政府办公室"), "{body}");
        assert!(body.contains("本月未报送信息"), "{body}");
        assert!(
            body.contains("约稿「冬季供暖保障」，柳林县人民政府办公室未按要求报送"),
            "{body}"
        );
        assert!(!body.contains("约稿「冬季供暖保障」，清河"), "{body}");
    }
);
