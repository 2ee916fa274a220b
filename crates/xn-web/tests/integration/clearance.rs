//! Issue 17, finding 4: 密级 carried past the document onto everything that shows it. A post
//! cleared below a classified item tries to read its title, opinions or body through each
//! place that lists or opens it — a proxy's 待办, its case page, 我发起的 and the notices of a
//! post whose clearance was lowered, the office's 文号台账, the supervision board, an item drawn
//! from a classified instruction, the auditor's trail — and finds it withheld: listed as
//! 「（涉密事项）」 where the list must account for it, answered as missing where it would open.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const WITHHELD: &str = "（涉密事项）";
const TITLE: &str = "关于市领导考察安排的通知";
const COUNTY_OFFICE: &str = "清河县人民政府办公室";

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The entry of a case in a list of tasks or cases.
fn entry_of(list: &Value, key: &str, case: i64) -> Option<Value> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t[key] == case)
        .cloned()
}

on_both_engines!(
    a_proxy_cleared_below_a_classified_task_sees_it_withheld_and_cannot_open_its_case,
    |app: TestApp| async move {
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        // The 主任 sees his own task in full.
        let own = app.task_of(&zhuren, case).await.expect("the 主任's 签发");
        assert_eq!(own["title"], TITLE);
        assert_eq!(own["withheld"], false);

        // He goes away and names a post of his office cleared for 非密 as his proxy.
        let below = app.below_clearance_login().await;
        let below_post = app.post_of(&below).await;
        let now = app.clock.now();
        let res = app
            .api(
                "POST",
                "/api/v1/proxies",
                &zhuren,
                Some(
                    json!({"proxy_post_id": below_post, "starts_at": now - TimeDelta::hours(1),
                            "ends_at": now + TimeDelta::days(7), "reason": "出差"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // The proxy's 待办 accounts for the task, without its title or the 核稿 opinion.
        let token = app.token_for(&below, &SCOPES).await;
        let todo = app
            .api("GET", "/api/v1/tasks?queue=todo&limit=200", &token, None)
            .await;
        assert_eq!(todo.status, StatusCode::OK, "{}", todo.body);
        let task = entry_of(&todo.json(), "case_id", case).expect("listed for the proxy");
        assert_eq!(task["title"], WITHHELD);
        assert_eq!(task["withheld"], true);
        assert!(task["opinion"].is_null(), "{task}");
        assert!(!todo.body.contains("考察"), "{}", todo.body);
        // Nor do the title's words find it.
        let found = app
            .api(
                "GET",
                &format!("/api/v1/tasks?queue=todo&q={}", enc("考察")),
                &token,
                None,
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert!(
            entry_of(&found.json(), "case_id", case).is_none(),
            "{}",
            found.body
        );

        // The case, its 办理 part and its page answer as if missing.
        for path in [
            format!("/api/v1/cases/{case}"),
            format!("/api/v1/cases/{case}/desk"),
        ] {
            let res = app.api("GET", &path, &token, None).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
            assert!(!res.body.contains("考察"), "{path}: {}", res.body);
        }
        app.login_as(&below).await;
        let page = app.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(WITHHELD), "the workbench lists it");
        assert!(!page.body.contains("考察"), "{}", page.body);
        let page = app.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.body.contains("考察"));

        // Nor may the proxy sign it unread: refused as missing, the task still the 主任's.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{}/complete", own["id"]),
                &token,
                Some(json!({"decision": "同意", "opinion": "代签"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from tasks where id = {} and state = 'open'",
                own["id"]
            ))
            .await,
            1
        );
    }
);

on_both_engines!(
    a_post_whose_clearance_is_lowered_sees_its_classified_cases_notices_and_numbers_withheld,
    |app: TestApp| async move {
        // A 秘密 notice of the 秘书's, sent back once by the 主任 (a notice to the 秘书 quoting
        // its title and his reason), then signed, checked and numbered.
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let wenshu = app.token_for("wenshu", &SCOPES).await;
        let task = app.task_of(&zhuren, case).await.unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{}/return", task["id"]),
                &zhuren,
                Some(json!({"to": "draft", "opinion": "考察行程请再核实"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let redo = app.task_of(&mishu, case).await.expect("back at 拟稿");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{}/complete", redo["id"]),
                &mishu,
                Some(json!({"decision": "提交", "opinion": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        if app.task_of(&kezhang, case).await.is_some() {
            app.complete_ok(&kezhang, case, "同意", "核稿无误", json!({}))
                .await;
        }
        app.complete_ok(&zhuren, case, "同意", "同意印发", json!({}))
            .await;
        app.complete_ok(&wenshu, case, "复核无误", "", json!({}))
            .await;
        app.complete_ok(&wenshu, case, "登记编号", "", json!({}))
            .await;
        let ledger_path = format!("/api/v1/ledger?code={}&year=2026", enc("东政办发"));
        app.login_as("mishu").await;
        let page = app.get("/").await;
        assert!(
            page.body.contains(TITLE),
            "cleared, the 秘书 reads the notice"
        );

        // The security administrator lowers the 秘书's clearance to 非密.
        let post = app.post_of("mishu").await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {post}"
        ))
        .await;

        // 我发起的 lists the case without its title or where it stands.
        let started = app
            .api("GET", "/api/v1/cases?limit=200", &mishu, None)
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let line = entry_of(&started.json(), "id", case).expect("still listed");
        assert_eq!(line["title"], WITHHELD);
        assert_eq!(line["withheld"], true);
        assert!(!started.body.contains("考察"), "{}", started.body);
        // 已办 lists the 拟稿 done, without the title.
        let done = app
            .api("GET", "/api/v1/tasks?queue=done&limit=200", &mishu, None)
            .await;
        assert!(entry_of(&done.json(), "case_id", case).is_some());
        assert!(!done.body.contains("考察"), "{}", done.body);
        // The 文号台账 keeps the number and withholds the title.
        let ledger = app.api("GET", &ledger_path, &mishu, None).await;
        assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
        let numbers = ledger.json();
        let line = numbers
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["document_id"].is_number())
            .cloned()
            .expect("the number is listed");
        assert_eq!(line["title"], WITHHELD);
        assert_eq!(line["withheld"], true);
        assert!(!ledger.body.contains("考察"), "{}", ledger.body);
        // The workbench's notices say only that there is news of a classified item.
        app.login_as("mishu").await;
        let page = app.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(WITHHELD), "the notice is listed");
        assert!(!page.body.contains("考察"), "{}", page.body);
        // And the case does not open.
        let res = app
            .api("GET", &format!("/api/v1/cases/{case}"), &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // The 文书, still cleared, reads the ledger in full.
        let ledger = app.api("GET", &ledger_path, &wenshu, None).await;
        assert!(ledger.body.contains(TITLE), "{}", ledger.body);
    }
);

/// A paper 收文 of 清河县 classified 秘密: (its case, the county's 督查股 chief's login, cleared
/// for 秘密 for the test).
async fn county_secret_incoming(app: &TestApp) -> (i64, String) {
    let clerk = app
        .token_for(
            &app.login_in(COUNTY_OFFICE, "秘书股", "clerk").await,
            &SCOPES,
        )
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/documents/incoming",
            &clerk,
            Some(
                json!({"sender_name": "东川市交通运输局", "sender_number": "东交发〔2026〕31号",
                        "title": "关于加快推进农村公路提档升级的通知", "kind": "notice",
                        "classification": "secret", "urgency": "urgent", "copies": 2,
                        "written_on": "2026-11-20",
                        "body": "请各县于10月底前完成农村公路提档升级任务。"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let doc = res.json()["id"].as_i64().unwrap();
    let case = app
        .scalar(&format!("select case_id from documents where id = {doc}"))
        .await;
    let chief = app.login_in(COUNTY_OFFICE, "督查股", "section_chief").await;
    let post = app.post_of(&chief).await;
    app.exec(&format!(
        "update posts set clearance = 'secret' where id = {post}"
    ))
    .await;
    (case, chief)
}

on_both_engines!(
    an_item_from_a_classified_instruction_goes_to_no_lead_below_it_and_the_board_below_it_sees_it_withheld,
    |app: TestApp| async move {
        let (source, chief) = county_secret_incoming(&app).await;
        let sup = app.token_for(&chief, &SCOPES).await;
        let unit_of = |post: i64| {
            let app = &app;
            async move {
                app.scalar(&format!("select unit_id from posts where id = {post}"))
                    .await
            }
        };
        // A 非密 lead, or a 非密 assisting post, for an item carrying a 秘密 source: refused,
        // naming the field and both levels, nothing written.
        let staff = app
            .post_of(&app.login_in(COUNTY_OFFICE, "综合股", "staff").await)
            .await;
        let guzhang = app
            .post_of(&app.login_in(COUNTY_OFFICE, "秘书股", "section_chief").await)
            .await;
        let base = json!({"source_kind": "instruction", "source_case_id": source,
                          "source_leader": "县长", "title": "落实农村公路提档升级批示",
                          "content": "按批示落实", "deadline_days": 10});
        let items = app.count("supervision_items").await;
        let cases = app.count("cases").await;
        for (field, change) in [
            (
                "lead_post",
                json!({"lead_unit": unit_of(staff).await, "lead_post": staff}),
            ),
            (
                "assists",
                json!({"lead_unit": unit_of(guzhang).await, "lead_post": guzhang,
                       "assists": [{"unit": unit_of(staff).await, "post": staff}]}),
            ),
        ] {
            let mut body = base.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let res = app
                .api("POST", "/api/v1/supervision", &sup, Some(body))
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}: {}",
                res.body
            );
            assert_eq!(res.json()["field"], field, "{}", res.body);
            assert!(
                res.body.contains("非密") && res.body.contains("秘密"),
                "{}",
                res.body
            );
        }
        assert_eq!(app.count("supervision_items").await, items, "no item");
        assert_eq!(app.count("cases").await, cases, "no case");

        // Led by the cleared 股长, it is opened.
        let mut body = base.clone();
        body["lead_unit"] = json!(unit_of(guzhang).await);
        body["lead_post"] = json!(guzhang);
        let res = app
            .api("POST", "/api/v1/supervision", &sup, Some(body))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json()["id"].as_i64().unwrap();

        // A 非密 clerk of the same 督查股 sits at the board: the item keeps its line there
        // without its title or leader, its words find nothing, and it does not open; nor do
        // the source case, or the instruction draft from it.
        let below = app.login_in(COUNTY_OFFICE, "督查股", "staff").await;
        let token = app.token_for(&below, &SCOPES).await;
        let board = app
            .api("GET", "/api/v1/supervision?tab=board", &token, None)
            .await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.body);
        let rows = board.json()["rows"].clone();
        let line = entry_of(&rows, "id", item).expect("on the board");
        assert_eq!(line["title"], WITHHELD);
        assert_eq!(line["withheld"], true);
        assert!(!board.body.contains("公路"), "{}", board.body);
        assert!(!board.body.contains("县长"), "{}", board.body);
        let found = app
            .api(
                "GET",
                &format!("/api/v1/supervision?tab=board&q={}", enc("公路")),
                &token,
                None,
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert!(entry_of(&found.json()["rows"], "id", item).is_none(), "{}", found.body);
        // Each refused read is recorded for the auditor, with the reason and no words.
        for (path, refused) in [
            (format!("/api/v1/supervision/{item}"), "supervision.read_refused"),
            (format!("/api/v1/cases/{source}"), "cases.read_refused"),
        ] {
            let before = app.events_of(refused).await;
            let res = app.api("GET", &path, &token, None).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
            assert!(!res.body.contains("公路"), "{path}: {}", res.body);
            assert_eq!(app.events_of(refused).await, before + 1, "{path}");
        }
        let res = app
            .api(
                "GET",
                &format!("/api/v1/supervision/instruction/{source}"),
                &token,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(!res.body.contains("公路"), "{}", res.body);

        // The cleared chief reads it all; each read of the classified item and its source
        // case is recorded with its 密级 and nothing of its words.
        let board = app
            .api("GET", "/api/v1/supervision?tab=board", &sup, None)
            .await;
        let line = entry_of(&board.json()["rows"], "id", item).unwrap();
        assert_eq!(line["title"], "落实农村公路提档升级批示");
        for (path, read, subject) in [
            (
                format!("/api/v1/supervision/{item}"),
                "supervision.read_classified",
                format!("supervision:{item}"),
            ),
            (
                format!("/api/v1/cases/{source}"),
                "cases.read_classified",
                format!("case:{source}"),
            ),
        ] {
            let before = app.events_of(read).await;
            let res = app.api("GET", &path, &sup, None).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            assert_eq!(app.events_of(read).await, before + 1, "{path}");
            let detail = app
                .text(&format!(
                    "select detail from events where kind = '{read}' and subject = '{subject}' \
                     order by id desc limit 1"
                ))
                .await;
            assert!(
                detail.contains("secret") && !detail.contains("公路"),
                "{detail}"
            );
        }
    }
);

on_both_engines!(
    an_auditor_cleared_below_a_case_reads_its_events_without_its_title_or_opinions,
    |app: TestApp| async move {
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        let subject = format!("case:{case}");
        let auditor = app.post_of("auditor").await;
        app.login_as("auditor").await;
        // Cleared for 秘密, the auditor reads the trail in full.
        let path = format!("/api/v1/events?subject={}&limit=200", enc(&subject));
        let res = app.session_json("GET", &path, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("核稿无误"), "{}", res.body);

        app.exec(&format!(
            "update posts set clearance = 'public' where id = {auditor}"
        ))
        .await;
        app.login_as("auditor").await;
        let res = app.session_json("GET", &path, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let events = res.json();
        assert!(
            !events.as_array().unwrap().is_empty(),
            "the events are listed"
        );
        assert!(!res.body.contains("核稿无误"), "{}", res.body);
        assert!(!res.body.contains("考察"), "{}", res.body);
        assert!(res.body.contains(WITHHELD), "{}", res.body);
        // Who did what stays: the 核稿 completion names its step.
        assert!(res.body.contains(r#""step":"check""#), "{}", res.body);
        // The document's own events (its draft, with its title) likewise, on the page too.
        let page = app.get("/admin/audit?kind=document.").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("考察"), "{}", page.body);
        let page = app.get("/admin/audit?kind=flow.").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("核稿无误"), "{}", page.body);
    }
);

on_both_engines!(
    a_refused_handover_names_a_case_above_the_administrators_clearance_without_its_title,
    |app: TestApp| async move {
        // The 主任 holds the 签发 of a notice marked 机密, above the system administrator's 秘密.
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        app.exec(&format!(
            "update documents set classification = 'confidential' where case_id = {case}"
        ))
        .await;
        let zhuren = app.post_of("zhuren").await;
        let taker = app
            .scalar(&format!(
                "select id from posts where unit_id = (select unit_id from posts where id = {zhuren})
                 and clearance = 'secret' and id <> {zhuren} order by id limit 1"
            ))
            .await;
        let tasks = app.count("tasks").await;
        app.login_as("sysadmin").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/handover",
                Some(json!({"from": zhuren, "to": taker})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("机密"), "{}", res.body);
        assert!(res.body.contains(WITHHELD), "{}", res.body);
        assert!(!res.body.contains("考察"), "{}", res.body);
        assert_eq!(app.count("tasks").await, tasks, "nothing moved");
    }
);

on_both_engines!(
    the_documents_list_and_the_search_show_nothing_of_a_document_above_the_reader,
    |app: TestApp| async move {
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        let doc = app
            .scalar(&format!("select id from documents where case_id = {case}"))
            .await;
        let mishu = app.token_for("mishu", &SCOPES).await;
        let below = app
            .token_for(&app.below_clearance_login().await, &SCOPES)
            .await;
        let lists = |token: String| {
            let app = &app;
            async move {
                let list = app
                    .api("GET", "/api/v1/documents?per_page=200", &token, None)
                    .await
                    .json();
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["id"] == doc)
            }
        };
        let finds = |token: String, q: &'static str| {
            let app = &app;
            async move {
                let path = format!("/api/v1/documents/search?q={}", enc(q));
                let res = app.api("GET", &path, &token, None).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                assert!(res.json()["hits"].as_array().is_some(), "{}", res.body);
                res.json()["hits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|h| h["id"] == doc)
            }
        };
        // Its office's 秘密-cleared 秘书 lists and finds it, by title and by opinion.
        assert!(lists(mishu.clone()).await);
        assert!(finds(mishu.clone(), "考察").await);
        assert!(finds(mishu.clone(), "核稿无误").await);
        // A 非密 post of the same office does neither.
        assert!(!lists(below.clone()).await);
        assert!(!finds(below.clone(), "考察").await);
        assert!(!finds(below.clone(), "核稿无误").await);
        let res = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &below, None)
            .await;
        assert!(
            matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}",
            res.body
        );
        assert!(!res.body.contains("考察"), "{}", res.body);
    }
);

on_both_engines!(
    an_information_items_cases_carry_its_classification,
    |app: TestApp| async move {
        let liulin = app.token_for("liulin.zhuren", &SCOPES).await;
        let liulin_post = app.post_of("liulin.zhuren").await;
        let city_office = app.unit_id("东川市人民政府办公室").await;
        let res = app
            .api(
                "POST",
                "/api/v1/information",
                &liulin,
                Some(
                    json!({"title": "柳林县涉密信息", "body": "柳林县涉密信息的正文内容。",
                            "kind": "news", "classification": "secret",
                            "signer_post": liulin_post, "offices": [city_office]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let item = res.json()["id"].as_i64().unwrap();
        let item_case = app
            .scalar(&format!(
                "select case_id from information_items where id = {item}"
            ))
            .await;
        app.complete_ok(&liulin, item_case, "同意", "", json!({}))
            .await;
        let receipt_case = app
            .scalar(&format!(
                "select case_id from information_receipts where item_id = {item}"
            ))
            .await;
        let levels =
            xn_store::flow::case_classifications(app.services().db(), &[item_case, receipt_case])
                .await
                .unwrap();
        assert_eq!(levels.len(), 2, "{levels:?}");
        assert!(levels.iter().all(|(_, l)| l == "secret"), "{levels:?}");
    }
);
