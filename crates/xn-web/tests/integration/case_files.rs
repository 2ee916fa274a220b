//! 附件 of an internal request (issue 18, item 8): sent with the start or not at all, read by
//! whoever may open the request, added and taken off by the drafter only while it is returned to
//! them, each change on the record.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const QUOTE: &str = "报价单\n甲公司 4,800 元\n乙公司 5,200 元\n";
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

fn names(detail: &serde_json::Value) -> Vec<String> {
    detail["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines!(
    a_request_starts_with_its_files_or_not_at_all,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let outsider = app.token_for("qinghe.wenshu", &SCOPES).await;
        let cases = app.count("cases").await;

        // A file the office does not exchange refuses the whole start, naming the file;
        // nothing is written and what was typed comes back.
        app.login_as("mishu").await;
        let res = app
            .post_multipart(
                "/cases",
                &[
                    ("key", "files-1"),
                    ("title", "关于购置档案柜的请示"),
                    ("body", "申请购置档案柜两组。"),
                ],
                &[
                    ("file", "报价单.txt", QUOTE.as_bytes()),
                    ("file", "setup.pdf", EXE),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("setup.pdf"), "{}", res.body);
        assert!(res.body.contains("重新选择"), "{}", res.body);
        assert!(res.body.contains("申请购置档案柜两组。"), "{}", res.body);
        assert_eq!(app.count("cases").await, cases);
        assert_eq!(app.count("case_attachments").await, 0);

        // With good files the request and its files are written together.
        let res = app
            .post_multipart(
                "/cases",
                &[
                    ("key", "files-2"),
                    ("title", "关于购置档案柜的请示"),
                    ("body", "申请购置档案柜两组。"),
                ],
                &[
                    ("file", "报价单.txt", QUOTE.as_bytes()),
                    ("file", "C:\\Users\\秘书\\设备清单.pdf", PDF),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let case: i64 = res
            .location()
            .trim_start_matches("/cases/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(app.events_of("flow.attachments_added").await, 1);
        let detail = app
            .api("GET", &format!("/api/v1/cases/{case}"), &kezhang, None)
            .await
            .json();
        assert_eq!(names(&detail), ["报价单.txt", "设备清单.pdf"]);
        let file = detail["attachments"][0]["id"].as_i64().unwrap();

        // The 科长 who holds it reads the files on the page and downloads them; the drafter
        // too; a county's clerk, who may not open the request, finds nothing.
        app.login_as("kezhang").await;
        let page = app.get(&format!("/cases/{case}")).await.body;
        assert!(page.contains("id=\"case-files\""), "{page}");
        assert!(
            page.contains(&format!("/cases/{case}/attachments/{file}")),
            "{page}"
        );
        let res = app.get(&format!("/cases/{case}/attachments/{file}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.body, QUOTE);
        let bytes = app
            .api_raw(&format!("/api/v1/cases/{case}/attachments/{file}"), &mishu)
            .await;
        assert_eq!(bytes, QUOTE.as_bytes());
        let res = app
            .api(
                "GET",
                &format!("/api/v1/cases/{case}/attachments/{file}"),
                &outsider,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // A file of another case is not reached through this one.
        let other = app
            .internal_request(&mishu, "关于调整值班安排的请示", "拟调整元旦值班。")
            .await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/cases/{other}/attachments/{file}"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // Through the API the files come as Base64 with the request; a bad one refuses it.
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(
                    json!({"process": "internal_request", "title": "关于维修空调的请示",
                    "attachments": [{"name": "照片.txt", "content": "不是Base64"}]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("照片.txt"), "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(
                    json!({"process": "internal_request", "title": "关于维修空调的请示",
                    "attachments": [{"name": "维修报价.pdf", "content": BASE64.encode(PDF)}]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let api_case = res.json()["case_id"].as_i64().unwrap();
        let detail = app
            .api("GET", &format!("/api/v1/cases/{api_case}"), &mishu, None)
            .await
            .json();
        assert_eq!(names(&detail), ["维修报价.pdf"]);
        assert_eq!(app.count("case_attachments").await, 3);
    }
);

on_both_engines!(
    the_drafter_changes_the_files_of_a_returned_request_and_no_one_else,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let outsider = app.token_for("qinghe.wenshu", &SCOPES).await;
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({"process": "internal_request", "title": "关于购置档案柜的请示",
                    "body": "申请购置档案柜两组。",
                    "attachments": [{"name": "旧报价.txt", "content": BASE64.encode("旧报价 6,000 元")}]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        let detail = |token: String| {
            let app = &app;
            async move {
                app.api("GET", &format!("/api/v1/cases/{case}"), &token, None)
                    .await
                    .json()
            }
        };
        let upload = format!("/api/v1/cases/{case}/attachments");
        let d = detail(mishu.clone()).await;
        let v = d["version"].as_i64().unwrap();
        let old = d["attachments"][0]["id"].as_i64().unwrap();

        // With the 科长, the drafter may not add a file.
        let res = app
            .api_bytes(
                "POST",
                &format!("{upload}?name=a.txt&version={v}"),
                &mishu,
                QUOTE.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("退回到拟稿环节"), "{}", res.body);

        let task = app.task_of(&kezhang, case).await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/return"),
                &kezhang,
                Some(json!({"to": "previous", "opinion": "请附新的报价单"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = detail(mishu.clone()).await["version"].as_i64().unwrap();

        // Returned: the 科长 and an outsider are refused, a stale version and a bad file too;
        // nothing is written.
        for (token, status) in [
            (&kezhang, StatusCode::CONFLICT),
            (&outsider, StatusCode::NOT_FOUND),
        ] {
            let res = app
                .api_bytes(
                    "POST",
                    &format!("{upload}?name=a.txt&version={v}"),
                    token,
                    QUOTE.as_bytes().to_vec(),
                )
                .await;
            assert_eq!(res.status, status, "{}", res.body);
        }
        let res = app
            .api_bytes(
                "POST",
                &format!("{upload}?name=a.txt&version={}", v - 1),
                &mishu,
                QUOTE.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .api_bytes(
                "POST",
                &format!("{upload}?name=a.exe&version={v}"),
                &mishu,
                EXE.to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/cases/{case}/revise"),
                &mishu,
                Some(json!({"version": v, "title": "关于购置档案柜的请示", "remove_attachments": [old + 1000]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("已不在事项中"), "{}", res.body);
        assert_eq!(app.count("case_attachments").await, 1);
        assert_eq!(app.events_of("flow.revised").await, 0);

        // The drafter adds one file through the API …
        let res = app
            .api_bytes(
                "POST",
                &format!("{upload}?name=新报价.txt&version={v}"),
                &mishu,
                QUOTE.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        // … and on the page takes the old one off and adds another with the corrected text.
        app.login_as("mishu").await;
        let page = app.get(&format!("/cases/{case}")).await.body;
        assert!(page.contains("name=\"remove\""), "{page}");
        let res = app
            .post_multipart(
                &format!("/cases/{case}/revise"),
                &[
                    ("version", &v.to_string()),
                    ("title", "关于购置档案柜（附报价单）的请示"),
                    ("body", "申请购置档案柜两组，附新报价单。"),
                    ("remove", &old.to_string()),
                ],
                &[("file", "设备清单.pdf", PDF)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let d = detail(kezhang.clone()).await;
        assert_eq!(names(&d), ["新报价.txt", "设备清单.pdf"]);
        assert_eq!(d["title"], "关于购置档案柜（附报价单）的请示");
        // The file taken off keeps its row for the record, and is no longer served.
        assert_eq!(app.count("case_attachments").await, 3);
        let res = app
            .api(
                "GET",
                &format!("/api/v1/cases/{case}/attachments/{old}"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(app.events_of("flow.revised").await, 2);
        let removed = app
            .text("select detail from events where kind = 'flow.revised' order by id desc limit 1")
            .await;
        assert!(removed.contains("旧报价.txt"), "{removed}");
        assert!(removed.contains("设备清单.pdf"), "{removed}");

        // Submitted again, the files are fixed.
        app.complete_ok(&mishu, case, "提交", "已附新报价单", json!({}))
            .await;
        let v = detail(mishu.clone()).await["version"].as_i64().unwrap();
        let res = app
            .api_bytes(
                "POST",
                &format!("{upload}?name=a.txt&version={v}"),
                &mishu,
                QUOTE.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    }
);

on_both_engines!(
    two_corrections_racing_to_take_off_one_file_leave_it_taken_off_once,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({"process": "internal_request", "title": "关于购置档案柜的请示",
                    "attachments": [{"name": "旧报价.txt", "content": BASE64.encode("旧报价 6,000 元")}]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        let task = app.task_of(&kezhang, case).await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/return"),
                &kezhang,
                Some(json!({"to": "previous", "opinion": "请附新的报价单"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let d = app
            .api("GET", &format!("/api/v1/cases/{case}"), &mishu, None)
            .await
            .json();
        let (v, old) = (
            d["version"].as_i64().unwrap(),
            d["attachments"][0]["id"].as_i64().unwrap(),
        );
        let path = format!("/api/v1/cases/{case}/revise");
        let body =
            json!({"version": v, "title": "关于购置档案柜的请示", "remove_attachments": [old]});
        let (a, b) = tokio::join!(
            app.api("POST", &path, &mishu, Some(body.clone())),
            app.api("POST", &path, &mishu, Some(body.clone())),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::NO_CONTENT, StatusCode::CONFLICT],
            "{} / {}",
            a.body,
            b.body
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from case_attachments where case_id = {case} and removed_at is not null"
            ))
            .await,
            1
        );
        assert_eq!(app.events_of("flow.revised").await, 1);
    }
);
