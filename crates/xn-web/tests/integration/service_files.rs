//! Files given with a request: a photo on the public form or a scanned letter at 登记 reaches
//! those who handle it; what is not a file offices exchange, or more than five, is refused
//! with a Chinese message and nothing stored.

use axum::http::StatusCode;

use crate::on_both_engines;
use crate::printing::seal_png;
use crate::support::{TestApp, multipart_body};

/// The value of the first `name="…" value="…"` pair of a page.
fn field_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in the page"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Fills in the public form as a person does (its challenge answered) with `files`; answers
/// the response.
async fn public_submit(app: &TestApp, files: &[(&str, &str, &[u8])]) -> crate::support::Res {
    let page = app.get("/public/service").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("enctype=\"multipart/form-data\"")
            && page.body.contains("name=\"files\""),
        "the form takes files"
    );
    let question = page.body.split("验证：").nth(1).unwrap();
    let (a, rest) = question.split_once(" + ").unwrap();
    let b = &rest[..rest.find(" = ?").unwrap()];
    let answer = (a.trim().parse::<i64>().unwrap() + b.trim().parse::<i64>().unwrap()).to_string();
    let category = app
        .scalar("select id from service_categories where name = '投诉'")
        .await
        .to_string();
    let csrf = field_value(&page.body, "_csrf");
    let challenge = field_value(&page.body, "challenge");
    let (content_type, body) = multipart_body(
        &[
            ("_csrf", &csrf),
            ("challenge", &challenge),
            ("category", &category),
            ("name", "王五"),
            ("phone", "13912345678"),
            ("location", "东川市人民路 12 号"),
            (
                "description",
                "人民路 12 号门前路面塌陷，已有车辆受损，请尽快修复。",
            ),
            ("answer", &answer),
        ],
        files,
    );
    app.send(
        axum::http::Request::post("/public/service")
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

on_both_engines!(
    a_photo_on_the_public_form_reaches_the_dispatcher_and_a_bad_file_stores_nothing,
    |app: TestApp| async move {
        let photo = seal_png();
        // Not a file offices exchange (an executable): refused, nothing stored.
        let exe: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        let res = public_submit(
            &app,
            &[("files", "路面.png", &photo), ("files", "a.exe", exe)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("不支持文件「a.exe」的类型"),
            "{}",
            res.body
        );
        assert_eq!(app.count("service_requests").await, 0);
        assert_eq!(app.count("service_request_files").await, 0);
        // Six files: refused.
        let six: Vec<(&str, &str, &[u8])> = (0..6)
            .map(|_| ("files", "路面.png", photo.as_slice()))
            .collect();
        let res = public_submit(&app, &six).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("附件最多 5 个"), "{}", res.body);
        assert_eq!(app.count("service_requests").await, 0);

        // A photo: stored with the request.
        let res = public_submit(&app, &[("files", "路面塌陷.png", &photo)]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(app.count("service_requests").await, 1);
        let id = app.scalar("select id from service_requests").await;

        // The city's dispatcher sees it on the request and opens it, on the page and the API.
        app.login_as("mishu").await;
        let page = app.get(&format!("/affairs/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let link = format!("/affairs/{id}/files/1");
        assert!(
            page.body
                .contains(&format!("<a href=\"{link}\">路面塌陷.png</a>")),
            "{}",
            page.body
        );
        let file = app.get(&link).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.content_type(), "image/png");
        assert_eq!(
            app.get(&format!("/affairs/{id}/files/2")).await.status,
            StatusCode::NOT_FOUND
        );
        let token = app.token_for("mishu", &["org.read", "flow.work"]).await;
        let bytes = app
            .api_raw(&format!("/api/v1/service/requests/{id}/files/1"), &token)
            .await;
        assert_eq!(bytes, photo);

        // Someone who may not open the request may not open its file either.
        app.login_as("qinghe.wenshu").await;
        let res = app.get(&link).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{} {}",
            res.location(),
            res.body
        );

        // 登记 with a scanned letter.
        app.login_as("mishu").await;
        let category = app
            .scalar("select id from service_categories where name = '求助'")
            .await
            .to_string();
        let res = app
            .post_multipart(
                "/affairs/new",
                &[
                    ("channel", "letter"),
                    ("category", &category),
                    ("name", "赵六"),
                    ("phone", "13700001111"),
                    ("description", "来信反映村里饮水管道破裂，附来信扫描件。"),
                    ("urgency", "normal"),
                ],
                &[("files", "来信.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let letter = app.scalar("select max(id) from service_requests").await;
        assert!(res.location().starts_with(&format!("/affairs/{letter}")));
        let page = app.get(&format!("/affairs/{letter}")).await;
        assert!(page.body.contains("来信.pdf"), "{}", page.body);
        assert_eq!(
            app.get(&format!("/affairs/{letter}/files/1"))
                .await
                .content_type(),
            "application/pdf"
        );
    }
);

on_both_engines!(
    the_api_takes_a_request_s_files_in_base64_and_refuses_a_bad_one_whole,
    |app: TestApp| async move {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let photo = seal_png();
        let mishu = app.token_for("mishu", &["flow.work"]).await;
        let category = app
            .scalar("select id from service_categories where name = '投诉'")
            .await;
        let before = app.count("service_requests").await;
        // Not Base64, or an executable named .png: refused, nothing stored.
        for content in [
            "这不是Base64".to_owned(),
            b64(b"MZ\x90\x00\x03\x00\x00\x00"),
        ] {
            let res = app
                .api(
                    "POST",
                    "/api/v1/service/requests",
                    &mishu,
                    Some(
                        serde_json::json!({"channel": "letter", "category": category,
                        "name": "王五", "description": "来信反映路灯损坏多日，请尽快修复。",
                        "files": [{"name": "来信.png", "content": content}]}),
                    ),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert!(res.body.contains("来信.png"), "{}", res.body);
        }
        assert_eq!(app.count("service_requests").await, before);
        let res = app
            .api(
                "POST",
                "/api/v1/service/requests",
                &mishu,
                Some(
                    serde_json::json!({"channel": "letter", "category": category,
                    "name": "王五", "description": "来信反映路灯损坏多日，请尽快修复。",
                    "files": [{"name": "来信.png", "content": b64(&photo)}]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        let file = app
            .api_raw(&format!("/api/v1/service/requests/{id}/files/1"), &mishu)
            .await;
        assert_eq!(file, photo);
        // A staff member's 内部办事 takes a photo of what is broken the same way.
        let kezhang = app.token_for("kezhang", &["flow.work"]).await;
        let repair = app
            .scalar("select id from service_categories where name = '维修'")
            .await;
        let res = app
            .api(
                "POST",
                "/api/v1/service/internal",
                &kezhang,
                Some(
                    serde_json::json!({"category": repair, "location": "三楼秘书一科",
                    "description": "空调不制冷，请派人检修。",
                    "files": [{"name": "空调.png", "content": b64(&photo)}]}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.api_raw(&format!("/api/v1/service/requests/{id}/files/1"), &kezhang)
                .await,
            photo
        );
    }
);
