//! 效能投诉 end to end, on both engines: a public complaint goes to the city's 督查科, is
//! checked, found 成立 naming a county section's post, corrected by that section's chief and
//! answered; the public query shows 已办结 with the answer and the count against the unit and
//! the post is one. A county office's complaint against a city section found 不成立 skips 整改
//! and counts nothing. Another county sees neither; the respondent's chief sees the complaint
//! without the complainant. 认定 only through the area's form; bad input answers 422 with the
//! field; the generic cases API refuses to start a complaint.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use xn_store::complaints::Against;

use crate::on_both_engines;
use crate::support::{Res, TestApp};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// A public API request from an address.
async fn public(app: &TestApp, method: &str, path: &str, from: &str, body: Option<Value>) -> Res {
    let mut b = Request::builder().method(method).uri(path);
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut req = b.body(body).unwrap();
    let addr: SocketAddr = format!("{from}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    app.send(req).await
}

/// Files on the public API with the challenge answered (or `answer` given).
async fn file_public(app: &TestApp, body: Value, answer: Option<&str>) -> Res {
    let from = "203.0.113.9";
    let res = public(app, "GET", "/api/v1/service/public/challenge", from, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let c = res.json();
    let q = c["question"].as_str().unwrap().to_owned();
    let (a, rest) = q.split_once(" + ").unwrap();
    let b = rest.trim_end_matches(" = ?");
    let sum = (a.parse::<i64>().unwrap() + b.parse::<i64>().unwrap()).to_string();
    let mut body = body;
    body["challenge"] = c["token"].clone();
    body["answer"] = answer.unwrap_or(&sum).into();
    public(app, "POST", "/api/v1/complaints/public", from, Some(body)).await
}

fn field(res: &Res) -> String {
    res.json()["field"].as_str().unwrap_or_default().to_owned()
}

/// The city's 督查科 staff: a login.
async fn city_section(app: &TestApp) -> String {
    app.login_of_position("督查科", "staff").await
}

on_both_engines!(
    a_public_complaint_upheld_counts_against_the_unit_and_post,
    |app: TestApp| async move {
        let res = file_public(
            &app,
            json!({"kind": "delay", "name": "赵群众", "phone": "13800001234",
                   "description": "到清河县政府办秘书股办理证明，三次往返仍未办好，工作人员推说领导不在。"}),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let code = res.json()["code"].as_str().unwrap().to_owned();
        assert_eq!(res.json()["state"], "核查中");
        let id = app
            .scalar(&format!(
                "select id from efficiency_complaints where code = '{code}'"
            ))
            .await;
        let case = app
            .scalar(&format!(
                "select case_id from efficiency_complaints where id = {id}"
            ))
            .await;
        // It is with the city's 督查科.
        let section = city_section(&app).await;
        let dc = app.token_for(&section, &SCOPES).await;
        assert!(app.task_of(&dc, case).await.is_some());
        app.complete_ok(
            &dc,
            case,
            "核查完毕",
            "经调阅记录并询问，情况属实。",
            json!({}),
        )
        .await;
        // 认定 through the generic door is refused: it must name the post.
        let res = app.complete(&dc, case, "成立", "拖延办理", json!({})).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("complaints.use_area_form"),
            "{}",
            res.body
        );
        // Upheld without a post: 422 on the field.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/complaints/{id}/finding"),
                &dc,
                Some(json!({"finding": "upheld", "reason": "拖延办理属实"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(field(&res), "post_id");
        let clerk = app.post_of("qinghe.wenshu").await;
        let unit = app
            .scalar(&format!("select unit_id from posts where id = {clerk}"))
            .await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/complaints/{id}/finding"),
                &dc,
                Some(json!({"finding": "upheld", "reason": "拖延办理属实，责任在经办人", "post_id": clerk})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // 整改 is the section chief's; the respondent sees no complainant.
        let guzhang = app.token_for("qinghe.guzhang", &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/complaints/{id}"), &guzhang, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["line"]["complainant"], "（投诉人信息已保护）");
        assert!(
            !res.body.contains("赵群众") && !res.body.contains("1234"),
            "{}",
            res.body
        );
        let page = {
            app.login_as("qinghe.guzhang").await;
            app.get(&format!("/cases/{case}")).await
        };
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("（投诉人信息已保护）"));
        assert!(!page.body.contains("赵群众"));
        app.complete_ok(
            &guzhang,
            case,
            "整改完毕",
            "已批评教育经办人，当日办结证明。",
            json!({}),
        )
        .await;
        app.complete_ok(
            &dc,
            case,
            "反馈",
            "经核查投诉成立，已责成整改并办结，感谢监督。",
            json!({}),
        )
        .await;
        // The public query: 已办结 with the answer, nothing personal.
        let res = public(
            &app,
            "GET",
            &format!("/api/v1/complaints/public/{code}"),
            "198.51.100.1",
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let s = res.json();
        assert_eq!(s["state"], "已办结");
        assert_eq!(s["finding"], "成立");
        assert!(s["answer"].as_str().unwrap().contains("感谢监督"));
        assert!(!res.body.contains("赵群众") && !res.body.contains("13800001234"));
        let page = app.get(&format!("/public/complaint/{code}")).await;
        assert!(
            page.body.contains("已办结") && page.body.contains("感谢监督"),
            "{}",
            page.body
        );
        // It counts against the unit and the post, once.
        let c = app.services().complaints();
        assert_eq!(
            c.upheld(Against::Unit(unit), "2026-01-01", "2026-12-31")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            c.upheld(Against::Post(clerk), "2026-01-01", "2026-12-31")
                .await
                .unwrap(),
            1
        );
        let res = app
            .api(
                "GET",
                &format!("/api/v1/complaints/upheld?unit={unit}&from=2026-11-01&to=2026-11-30"),
                &dc,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["upheld"], 1);
        // The city's 主任 sees it, with the count per unit on the list.
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let res = app.api("GET", "/api/v1/complaints", &zhuren, None).await;
        let list = res.json();
        assert!(
            list["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == id)
        );
        assert!(
            list["counts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["unit_id"] == unit && c["upheld"] == 1)
        );
        // Another county sees nothing of it.
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/complaints/{id}"), &liulin, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app.api("GET", "/api/v1/complaints", &liulin, None).await;
        assert!(
            res.json()["lines"].as_array().unwrap().is_empty(),
            "{}",
            res.body
        );
        // The list as a workbook: the complaint by its code, and the count per unit.
        let code = list["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let book = app.api_raw("/api/v1/complaints.xlsx", &zhuren).await;
        let strings = shared_strings(&book);
        assert!(strings.contains(&code), "{code} in {strings}");
        assert!(strings.contains("认定成立件数"));
        let book = app.api_raw("/api/v1/complaints.xlsx", &liulin).await;
        assert!(!shared_strings(&book).contains(&code));
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
    a_county_complaint_not_upheld_skips_rectification_and_counts_nothing,
    |app: TestApp| async move {
        let mishu = app.token_for("qinghe.mishu", &SCOPES).await;
        let city_unit = app.unit_id("秘书一科").await;
        let res = app
            .api(
                "POST",
                "/api/v1/complaints",
                &mishu,
                Some(json!({"kind": "buck_passing", "unit_id": city_unit,
                            "description": "我县报送的请示在市政府办秘书一科压了两周无人答复。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        let case = res.json()["case_id"].as_i64().unwrap();
        let dc = app.token_for(&city_section(&app).await, &SCOPES).await;
        app.complete_ok(
            &dc,
            case,
            "核查完毕",
            "请示已于次日转办，未见拖延。",
            json!({}),
        )
        .await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/complaints/{id}/finding"),
                &dc,
                Some(json!({"finding": "不成立", "reason": "转办记录完整，未超时限"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // Straight to 反馈: nobody was named, no 整改.
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from tasks where case_id = {case} and step_id = 'rectify'"
            ))
            .await,
            0
        );
        app.complete_ok(
            &dc,
            case,
            "反馈",
            "经核查投诉不成立，请示已转办。",
            json!({}),
        )
        .await;
        // The complainant reads the answer in their complaint.
        let res = app
            .api("GET", &format!("/api/v1/complaints/{id}"), &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = res.json();
        assert_eq!(v["line"]["state_label"], "已办结");
        assert_eq!(v["line"]["finding"], "不成立");
        assert!(v["answer"].as_str().unwrap().contains("不成立"));
        assert_eq!(
            app.services()
                .complaints()
                .upheld(Against::Unit(city_unit), "2026-01-01", "2026-12-31")
                .await
                .unwrap(),
            0
        );
        // The chief of 秘书一科 (kezhang) sees it as the respondent, without who complained.
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/complaints/{id}"), &kezhang, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["line"]["complainant"], "（投诉人信息已保护）");
        // Another county does not.
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/complaints/{id}"), &liulin, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    }
);

on_both_engines!(
    bad_complaints_are_refused_with_the_field_and_nothing_stored,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let unit = app.unit_id("秘书一科").await;
        for (body, f) in [
            (
                json!({"kind": "nope", "unit_id": unit, "description": "拖延办理，多次催促无果。"}),
                "kind",
            ),
            (
                json!({"kind": "delay", "unit_id": unit, "description": "太慢"}),
                "description",
            ),
            (
                json!({"kind": "delay", "description": "拖延办理，多次催促无果。"}),
                "unit_id",
            ),
            (
                json!({"kind": "delay", "case_id": 999_999, "description": "拖延办理，多次催促无果。"}),
                "case_id",
            ),
        ] {
            let res = app
                .api("POST", "/api/v1/complaints", &mishu, Some(body))
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert!(res.content_type().starts_with("application/problem+json"));
            assert_eq!(field(&res), f, "{}", res.body);
        }
        let res = file_public(
            &app,
            json!({"kind": "attitude", "name": "钱某", "phone": "13900002222",
                   "description": "窗口工作人员态度生硬，拒绝解释政策。"}),
            Some("0"),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(field(&res), "answer");
        let res = file_public(
            &app,
            json!({"kind": "attitude", "name": "钱某", "phone": "电话",
                   "description": "窗口工作人员态度生硬，拒绝解释政策。"}),
            None,
        )
        .await;
        assert_eq!(field(&res), "phone");
        assert_eq!(app.count("efficiency_complaints").await, 0);
        // The generic door does not start a complaint's case.
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(
                    json!({"process": "efficiency_complaint", "title": "借道投诉",
                            "fields": {"section_posts": [app.post_of("mishu").await]}}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert_eq!(
            app.scalar("select count(*) from cases where item_kind = 'complaint'")
                .await,
            0
        );
        // The page form shows the message and keeps what was typed.
        app.login_as("mishu").await;
        let csrf = app.csrf().await;
        let res = app
            .post_form(
                "/complaints/new",
                &[
                    ("_csrf", &csrf),
                    ("kind", "delay"),
                    ("unit_id", ""),
                    ("description", "多次催促无果，拖延办理。"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请选择被投诉单位") && res.body.contains("多次催促无果"));
        let res = app
            .post_form(
                "/complaints/new",
                &[
                    ("_csrf", &csrf),
                    ("kind", "delay"),
                    ("unit_id", &unit.to_string()),
                    ("description", "多次催促无果，拖延办理。"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(res.location()).await;
        assert!(page.body.contains("投诉已提交"), "{}", page.body);
        let list = app.get("/complaints").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("办事拖延"));
        let public_form = app.get("/public/complaint").await;
        assert_eq!(public_form.status, StatusCode::OK);
        assert!(public_form.body.contains("验证："));
    }
);

on_both_engines!(
    a_complaint_about_an_item_names_whom_it_was_with,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "申请购置档案柜", "档案柜已不够用，申请购置。")
            .await;
        // The request waits at the 科长's 审核; the 秘书 complains about it.
        let res = app
            .api(
                "POST",
                "/api/v1/complaints",
                &mishu,
                Some(json!({"kind": "delay", "case_id": case,
                            "description": "申请提交多日仍未审核，影响工作。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        let kezhang = app.post_of("kezhang").await;
        assert_eq!(
            app.scalar(&format!(
                "select respondent_post_id from efficiency_complaints where id = {id}"
            ))
            .await,
            kezhang
        );
        assert_eq!(
            app.scalar(&format!(
                "select subject_case_id from efficiency_complaints where id = {id}"
            ))
            .await,
            case
        );
        // Someone who cannot open the item cannot complain about it.
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let res = app
            .api(
                "POST",
                "/api/v1/complaints",
                &liulin,
                Some(json!({"kind": "delay", "case_id": case,
                            "description": "申请提交多日仍未审核，影响工作。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(field(&res), "case_id");
    }
);
