//! The edges found when the server was driven under load and by a fuzzer: retries overlapping
//! their original, registrations racing for reserved numbers, control characters and paging
//! out of range. Each answer is the one a careful client expects, never a 500 and never a
//! silently different result.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::documents::{to_register, tokens};
use crate::on_both_engines;
use crate::support::{Res, TestApp};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// A JSON request with an `Idempotency-Key`.
async fn with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: serde_json::Value,
) -> Res {
    let req = TestApp::authorized(Request::builder().method("POST").uri(path), token)
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

on_both_engines!(
    a_retry_overlapping_its_original_gets_the_original_answer,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let case = app
                .internal_request(&mishu, &format!("重试请示{i}"), "请审批。")
                .await;
            let task = app.task_of(&kezhang, case).await.unwrap()["id"]
                .as_i64()
                .unwrap();
            tasks.push((case, task));
        }
        // Each action is sent twice with one key, as a client retrying a request whose answer
        // it did not see: the retry follows 0–2 ms after the original, the pairs a millisecond
        // apart, so retries land in the same batch as their original, in the batch being
        // written meanwhile, or after it. Both calls answer what the action did, once.
        let calls = tasks.iter().enumerate().map(|(i, (case, task))| {
            let (app, kezhang) = (&app, &kezhang);
            async move {
                tokio::time::sleep(Duration::from_millis(i as u64)).await;
                let path = format!("/api/v1/tasks/{task}/complete");
                let body = json!({"decision": "同意", "opinion": "同意"});
                let key = format!("retry-{case}");
                let retry = async {
                    tokio::time::sleep(Duration::from_millis(i as u64 % 3)).await;
                    with_key(app, &path, kezhang, &key, body.clone()).await
                };
                let (a, b) =
                    futures::join!(with_key(app, &path, kezhang, &key, body.clone()), retry);
                (*case, a, b)
            }
        });
        for (case, a, b) in futures::future::join_all(calls).await {
            assert_eq!(a.status, StatusCode::OK, "case {case}: {}", a.body);
            assert_eq!(b.status, StatusCode::OK, "case {case}: {}", b.body);
            assert_eq!(a.json(), b.json(), "case {case}");
            assert_eq!(
                app.scalar(&format!(
                    "select count(*) from tasks where case_id = {case} and state = 'done' \
                     and step_id = 'check'"
                ))
                .await,
                1,
                "case {case} acted on once"
            );
        }
    }
);

on_both_engines!(
    a_submission_retried_with_its_key_answers_the_same_case,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let county = app.unit_id("清河县人民政府").await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(json!({
                    "kind": "notice",
                    "title": "关于重试提交的通知",
                    "main_recipients": [{"unit_id": county, "name": "清河县人民政府"}],
                    "body": "各县（区）人民政府：\n现将有关事项通知如下。",
                })),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/documents/{doc}/submit");
        let body = json!({"signoff_post": app.post_of("zhuren").await});
        let first = with_key(&app, &path, &t.mishu, "submit-once", body.clone()).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let again = with_key(&app, &path, &t.mishu, "submit-once", body.clone()).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        assert_eq!(again.json()["case_id"], first.json()["case_id"]);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cases where id in \
                 (select case_id from documents where id = {doc})"
            ))
            .await,
            1
        );
        // Without the key (or with another) a second submission is what it is: refused.
        let other = with_key(&app, &path, &t.mishu, "submit-twice", body).await;
        assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.body);
    }
);

on_both_engines!(
    registrations_racing_for_reserved_numbers_all_succeed,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        for _ in 0..5 {
            let res = app
                .api(
                    "POST",
                    "/api/v1/ledger/reserve",
                    &t.wenshu,
                    Some(json!({"code": "东政办发", "reason": "纸质签发"})),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let mut cases = Vec::new();
        for _ in 0..20 {
            cases.push(to_register(&app, &t, &[qinghe]).await.1);
        }
        let mut paths = Vec::new();
        for c in &cases {
            let task = app.task_of(&t.wenshu, *c).await.unwrap()["id"]
                .as_i64()
                .unwrap();
            paths.push(format!("/api/v1/tasks/{task}/complete"));
        }
        let calls = paths.iter().map(|p| {
            app.api(
                "POST",
                p,
                &t.wenshu,
                Some(json!({"decision": "登记编号", "opinion": ""})),
            )
        });
        for res in futures::future::join_all(calls).await {
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let mut seqs = Vec::new();
        for c in &cases {
            seqs.push(
                app.scalar(&format!(
                    "select number_seq from documents where case_id = {c}"
                ))
                .await,
            );
        }
        seqs.sort_unstable();
        // The five reserved numbers were taken first, then the counter went on.
        assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
        assert_eq!(
            app.scalar("select count(*) from document_numbers where state = 'reserved'")
                .await,
            0
        );
    }
);

on_both_engines!(
    control_characters_are_read_out_of_every_input,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        // JSON: a NUL and a bell in the title and body; line breaks and tabs stay.
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({"process": "internal_request",
                            "title": "关于\u{0}采购\u{7}的请示",
                            "body": "第一段\u{0}。\n\t第二段\u{1b}。"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        assert_eq!(
            app.text(&format!("select title from cases where id = {case}"))
                .await,
            "关于采购的请示"
        );
        assert_eq!(
            app.text(&format!("select body from cases where id = {case}"))
                .await,
            "第一段。\n\t第二段。"
        );
        // Query strings: a search and a queue filter holding a NUL answer as without it.
        for path in [
            "/api/v1/tasks?queue=todo&q=%E9%87%87%00%E8%B4%AD",
            "/api/v1/documents/search?q=%E9%80%9A%00%E7%9F%A5",
            "/api/v1/documents/search/count?q=%00",
        ] {
            let res = app.api("GET", path, &mishu, None).await;
            assert!(
                res.status == StatusCode::OK || res.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {} {}",
                res.status,
                res.body
            );
        }
        // A page's form: the same.
        app.login_as("mishu").await;
        let res = app
            .post_form(
                "/cases",
                &[
                    ("key", "control-1"),
                    ("title", "表单\u{0}请示"),
                    ("body", "正文\u{0}内容"),
                ],
            )
            .await;
        assert!(
            res.status == StatusCode::SEE_OTHER || res.status == StatusCode::OK,
            "{} {}",
            res.status,
            res.body
        );
        assert_eq!(
            app.scalar("select count(*) from cases where title = '表单请示'")
                .await,
            1
        );
    }
);

on_both_engines!(
    a_page_out_of_range_is_refused_not_wrapped,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let huge = "9223372036854775807";
        for path in [
            format!("/api/v1/cases?page={huge}"),
            format!("/api/v1/tasks?queue=todo&page={huge}"),
            format!("/api/v1/documents?page={huge}"),
            format!("/api/v1/documents?page={huge}&per_page=200"),
            format!("/api/v1/documents/search?q=%E9%80%9A%E7%9F%A5&page={huge}"),
            format!("/api/v1/efficiency/backlog?page={huge}"),
            "/api/v1/cases?page=0".to_owned(),
            "/api/v1/tasks?queue=todo&page=-3".to_owned(),
            "/api/v1/documents?per_page=-1".to_owned(),
        ] {
            let res = app.api("GET", &path, &mishu, None).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                res.body
            );
            assert_eq!(
                res.content_type(),
                "application/problem+json",
                "{path}: {}",
                res.body
            );
        }
        // A page past the last is empty, not the first again.
        app.internal_request(&mishu, "翻页请示", "请审批。").await;
        let res = app
            .api("GET", "/api/v1/cases?page=1000", &mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(!res.body.contains("翻页请示"), "{}", res.body);
        // A page of the site with a page out of range says so in Chinese, or shows the end.
        app.login_as("mishu").await;
        let res = app.get(&format!("/?queue=todo&page={huge}")).await;
        assert!(
            res.status == StatusCode::OK || res.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{} {}",
            res.status,
            res.body
        );
    }
);

on_both_engines!(
    the_openapi_document_describes_the_errors_the_server_gives,
    |app: TestApp| async move {
        let doc = app.get("/api/v1/openapi.json").await.json();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let responses = op["responses"].as_object().unwrap();
                for (status, r) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let types: Vec<&String> =
                            r["content"].as_object().unwrap().keys().collect();
                        assert_eq!(
                            types,
                            vec!["application/problem+json"],
                            "{method} {path} {status}"
                        );
                    }
                }
                assert!(responses.contains_key("400"), "{method} {path} lacks 400");
                // Operations open to the public (`security: [{}]`) take no token.
                let public = op["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().all(|r| r == &json!({})));
                if !public {
                    for status in ["401", "403"] {
                        assert!(
                            responses.contains_key(status),
                            "{method} {path} lacks {status}"
                        );
                    }
                }
                if path.contains('{') {
                    assert!(responses.contains_key("404"), "{method} {path} lacks 404");
                }
                if method != "get" {
                    assert!(responses.contains_key("409"), "{method} {path} lacks 409");
                }
            }
        }
        assert!(operations > 100, "{operations}");
        // What the server answers is what is described.
        let token = app.token_for("mishu", &SCOPES).await;
        for (method, path, token, status) in [
            (
                "GET",
                "/api/v1/tasks?queue=todo",
                "",
                StatusCode::UNAUTHORIZED,
            ),
            (
                "GET",
                "/api/v1/documents/999999",
                token.as_str(),
                StatusCode::NOT_FOUND,
            ),
            (
                "GET",
                "/api/v1/tasks?queue=nothing",
                token.as_str(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "GET",
                "/api/v1/cases?page=0",
                token.as_str(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ] {
            let res = app.api(method, path, token, None).await;
            assert_eq!(res.status, status, "{path}: {}", res.body);
            assert_eq!(res.content_type(), "application/problem+json", "{path}");
            let described = path.split('?').next().unwrap().replace("999999", "{id}");
            let op = &doc["paths"][&described][method.to_lowercase()];
            assert!(
                op["responses"][status.as_str()].is_object(),
                "{method} {described} does not describe {status}"
            );
        }
        let res = app
            .api("POST", "/api/v1/cases", &token, Some(json!({"process": 5})))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("process"), "{}", res.body);
    }
);
