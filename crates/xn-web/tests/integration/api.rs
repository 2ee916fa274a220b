//! The JSON API: tokens, problem+json errors, pagination, OpenAPI.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_token_reads_the_organisation_until_it_is_revoked,
    |app: TestApp| async move {
        let token = app.token_for("mishu", &["org.read"]).await;
        let me = app.api("GET", "/api/v1/me", &token, None).await;
        assert_eq!(me.json()["login"], "mishu");
        assert_eq!(me.json()["permissions"], json!(["org.read"]));
        let units = app.api("GET", "/api/v1/units", &token, None).await;
        assert_eq!(units.status, StatusCode::OK);
        assert!(
            units
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["issuer_code"] == "东政办")
        );

        let id = app.api("GET", "/api/v1/tokens", &token, None).await.json()[0]["id"]
            .as_i64()
            .unwrap();
        // A token cannot manage tokens: revoking is done signed in.
        let by_token = app
            .api("DELETE", &format!("/api/v1/tokens/{id}"), &token, None)
            .await;
        assert_eq!(by_token.status, StatusCode::FORBIDDEN);
        app.login_as("mishu").await;
        let csrf = app.csrf().await;
        let req = Request::delete(format!("/api/v1/tokens/{id}"))
            .header("x-csrf-token", csrf)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
        app.forget_cookies();
        let after = app.api("GET", "/api/v1/units", &token, None).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(after.content_type(), "application/problem+json");
        assert_eq!(after.json()["code"], "auth.unauthenticated");
    }
);

on_both_engines!(
    a_token_cannot_hold_more_than_its_post_or_do_more_than_its_scopes,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let csrf = app.csrf().await;
        let req = Request::post("/api/v1/tokens")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(
                json!({"name": "越权", "scopes": ["org.admin"]}).to_string(),
            ))
            .unwrap();
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "scopes");

        // A token does no more than its scopes: the 秘书's, made for reading the organisation,
        // does not start items although her post may.
        let token = app.token_for("mishu", &["org.read"]).await;
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &token,
                Some(json!({"process": "internal_request", "title": "越权"})),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "flow.work was not in the token's scopes"
        );
        assert_eq!(res.json()["code"], "auth.forbidden");
        // An administrator's post makes no token at all: its duties are done signed in.
        app.login_as("sysadmin").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "只读", "scopes": ["org.read"]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
);

on_both_engines!(
    the_api_administers_units_persons_and_posts,
    |app: TestApp| async move {
        let token = app.token_for("sysadmin", &["org.read", "org.admin"]).await;
        let unit = app.api("POST", "/api/v1/units", &token, Some(json!({"name": "东川市政务服务中心", "kind": "bureau", "issuer_code": "东政服"}))).await;
        assert_eq!(unit.status, StatusCode::CREATED, "{}", unit.body);
        let unit_id = unit.json()["id"].as_i64().unwrap();
        let taken = app
            .api(
                "POST",
                "/api/v1/units",
                &token,
                Some(json!({"name": "另一个中心", "kind": "bureau", "issuer_code": "东政服"})),
            )
            .await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert_eq!(taken.json()["code"], "unit.issuer_code_taken");

        let person = app
            .api(
                "POST",
                "/api/v1/persons",
                &token,
                Some(json!({"login": "zhouqi", "name": "周琦", "password": "Fuwu#2026xy"})),
            )
            .await;
        assert_eq!(person.status, StatusCode::CREATED);
        assert!(person.json()["initial_password"].is_null());
        let again = app
            .api(
                "POST",
                "/api/v1/persons",
                &token,
                Some(json!({"login": "zhouqi", "name": "周琦"})),
            )
            .await;
        assert_eq!(again.json()["code"], "person.login_taken");

        let positions = app
            .api("GET", "/api/v1/positions", &token, None)
            .await
            .json();
        let director = positions
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "主任")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let person_id = person.json()["person"]["id"].as_i64().unwrap();
        let post = app
            .api(
                "POST",
                "/api/v1/posts",
                &token,
                Some(json!({"person_id": person_id, "unit_id": unit_id, "position_id": director})),
            )
            .await;
        assert_eq!(post.status, StatusCode::CREATED);
        // The post carries no role until the security administrator grants one.
        assert_eq!(post.json()["roles"], json!([]));
        let post_id = post.json()["id"].as_i64().unwrap();
        let staff = app
            .scalar("select id from roles where code = 'staff'")
            .await;
        let secadmin = app.token_for("secadmin", &["security.admin"]).await;
        let granted = app
            .api(
                "PUT",
                &format!("/api/v1/posts/{post_id}/access"),
                &secadmin,
                Some(json!({"role_ids": [staff], "clearance": "secret"})),
            )
            .await;
        assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
        assert_eq!(granted.json()["roles"], json!(["工作人员"]));
        let detail = app
            .api("GET", &format!("/api/v1/units/{unit_id}"), &token, None)
            .await
            .json();
        assert_eq!(detail["posts"][0]["person_name"], "周琦");
    }
);

on_both_engines!(
    malformed_bodies_get_a_clear_problem_never_a_500,
    |app: TestApp| async move {
        let token = app.token_for("sysadmin", &["org.read", "org.admin"]).await;
        let send_raw = |body: &'static str, content_type: Option<&'static str>| {
            let mut b = TestApp::authorized(Request::post("/api/v1/units"), &token);
            if let Some(ct) = content_type {
                b = b.header(header::CONTENT_TYPE, ct);
            }
            b.body(Body::from(body)).unwrap()
        };
        let res = app
            .send(send_raw("{\"name\": ", Some("application/json")))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.content_type(), "application/problem+json");
        assert_eq!(res.json()["code"], "request.malformed_json");
        let res = app
            .send(send_raw(
                "{\"name\": 42, \"kind\": []}",
                Some("application/json"),
            ))
            .await;
        assert!(res.status.is_client_error());
        assert_eq!(res.json()["code"], "request.invalid_fields");
        let res = app.send(send_raw("name=x", None)).await;
        assert_eq!(res.json()["code"], "request.content_type");
        let res = app
            .api(
                "POST",
                "/api/v1/units",
                &token,
                Some(json!({"name": "", "kind": "section"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["field"], "name");
        assert!(res.json()["detail"].as_str().unwrap().contains("不能为空"));
        let res = app
            .api("GET", "/api/v1/persons?cursor=%%%", &token, None)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = app.api("GET", "/api/v1/nothing-here", &token, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(res.content_type(), "application/problem+json");
    }
);

on_both_engines!(
    persons_page_by_cursor_without_gaps_or_repeats,
    |app: TestApp| async move {
        let token = app.token_for("mishu", &["org.read"]).await;
        let total = app.count("persons").await;
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/persons?limit=37&cursor={c}"),
                None => "/api/v1/persons?limit=37".to_owned(),
            };
            let page = app.api("GET", &path, &token, None).await.json();
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["id"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.dedup();
        assert_eq!(unique.len(), seen.len());
        assert_eq!(i64::try_from(seen.len()).unwrap(), total);
        assert!(
            total >= 180,
            "the demo city has about two hundred people, found {total}"
        );
    }
);

on_both_engines!(
    the_openapi_document_describes_the_api,
    |app: TestApp| async move {
        let res = app.get("/api/v1/openapi.json").await;
        let doc = res.json();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/units",
            "/api/v1/persons",
            "/api/v1/tokens",
            "/api/v1/me",
            "/api/v1/org/import",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(app.get("/api/v1/docs").await.body.contains("/api/v1/units"));
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
        assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    }
);

/// The Rust files under a folder, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The OpenAPI document names a schema by its type's name (or its `#[schema(as = …)]`), and a
/// second type of the same name silently replaces the first: the document then describes one
/// area's answers with another's schema. Every type the document can show has a name of its own.
#[test]
fn every_api_schema_has_a_name_of_its_own() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in ["xn-domain", "xn-service", "xn-web"] {
        rust_files(&crates.join(krate).join("src"), &mut files);
    }
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            if !(line.starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            let mut alias = None;
            for next in lines.iter().skip(i + 1).take(10).map(|l| l.trim()) {
                if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                    alias = Some(rest.trim_end_matches(")]").replace("::", "."));
                }
                let item = next
                    .strip_prefix("pub struct ")
                    .or_else(|| next.strip_prefix("pub enum "));
                if let Some(item) = item {
                    let name: String = item
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let name = alias.take().unwrap_or(name);
                    let at = format!("{}:{}", file.display(), i + 1);
                    if let Some(first) = seen.insert(name.clone(), at.clone()) {
                        clashes.push(format!("{name}: {first} and {at}"));
                    }
                    break;
                }
            }
        }
    }
    assert!(
        seen.len() > 100,
        "the scan found the schemas ({})",
        seen.len()
    );
    assert!(
        clashes.is_empty(),
        "schemas sharing a name (give one #[schema(as = area::Name)]):\n{}",
        clashes.join("\n")
    );
}
