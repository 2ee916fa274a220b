//! Who sees which 收文 register (issue 18, item 5): a county office receives, registers and
//! handles what is addressed to the county government, so the keepers of its register — the
//! registry section's clerk and 股长 and the office's 主任 — list and read the government's 收文
//! as well as the office's own, within their 密级; the office's other staff do not.

use axum::http::StatusCode;
use serde_json::json;

use crate::documents::{to_register, tokens};
use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const OFFICE: &str = "清河县人民政府办公室";

/// Whether `token`'s 收文 list holds document `doc`.
async fn lists(app: &TestApp, token: &str, doc: i64) -> bool {
    let res = app
        .api("GET", "/api/v1/documents?direction=incoming", token, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == doc)
}

on_both_engines!(
    the_keepers_of_a_county_register_see_what_is_addressed_to_the_county_government,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let county = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let (doc, case) = to_register(&app, &t, &[county]).await;
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        crate::printing::upload_seal(&app).await;
        app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;
        let received = app
            .scalar(&format!(
                "select incoming_document_id from exchanges where document_id = {doc}"
            ))
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select unit_id from documents where id = {received}"
            ))
            .await,
            county.0,
            "addressed to the county government, not to its office"
        );

        let token = |login: String| {
            let app = &app;
            async move { app.token_for(&login, &SCOPES).await }
        };
        let clerk = token(app.login_in(OFFICE, "秘书股", "clerk").await).await;
        let chief = token(app.login_in(OFFICE, "秘书股", "section_chief").await).await;
        let director = token(app.login_of_position(OFFICE, "director").await).await;
        let magistrate = token(app.login_of_position("清河县人民政府", "leader").await).await;
        let other_chief = token(app.login_in(OFFICE, "督查股", "section_chief").await).await;
        let secretary = token(app.login_in(OFFICE, "秘书股", "secretary").await).await;

        // The register's keepers list it and open it, before any of them touched it.
        for (who, t) in [
            ("文书", &clerk),
            ("股长", &chief),
            ("主任", &director),
            ("县领导", &magistrate),
        ] {
            assert!(
                lists(&app, t, received).await,
                "{who} lists the county's 收文"
            );
        }
        let res = app
            .api(
                "GET",
                &format!("/api/v1/documents/{received}"),
                &chief,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // The office's other staff keep no register: neither listed nor opened.
        for (who, t) in [("督查股股长", &other_chief), ("秘书", &secretary)] {
            assert!(!lists(&app, t, received).await, "{who} keeps no register");
            let res = app
                .api("GET", &format!("/api/v1/documents/{received}"), t, None)
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{who}: {}", res.body);
        }
        // Within their 密级: a 机密 document is not listed to a 秘密 clearance.
        app.exec(&format!(
            "update documents set classification = 'confidential' where id = {received}"
        ))
        .await;
        assert!(
            !lists(&app, &clerk, received).await,
            "above the clerk's 密级"
        );
    }
);
