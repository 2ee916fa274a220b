//! The seam between the flow core and the areas: an area's process is started only by its area
//! (the generic door refuses it, whatever fields it is given), a unit's version of an area's
//! process must keep the steps the area's rules act on, and a database failure is answered as
//! one — logged, 500 — never as "不存在".

use axum::http::StatusCode;
use serde_json::json;

use crate::documents::notice;
use crate::on_both_engines;
use crate::support::{TestApp, logged};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

on_both_engines!(
    a_county_draft_cannot_be_taken_over_through_the_generic_door,
    |app: TestApp| async move {
        // 清河县's 秘书 drafts a document of the county office.
        let county = app.token_for("qinghe.mishu", &SCOPES).await;
        let city = app.unit_id("东川市人民政府").await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &county,
                Some(notice(&[(city, "东川市人民政府")])),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let draft = res.json()["id"].as_i64().unwrap();
        // The city's 秘书 tries to run it through a 发文 case of her own, naming its id and
        // her own section chief as signer.
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.post_of("kezhang").await;
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({
                    "process": "outgoing_document",
                    "title": "借道发文",
                    "fields": {"document_id": draft, "signoff_post": [kezhang],
                               "has_countersign": false, "registry_unit": city},
                })),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(
            res.content_type().starts_with("application/problem+json"),
            "{}",
            res.content_type()
        );
        assert!(res.body.contains("只能在发文中发起"), "{}", res.body);
        // Nothing was written: no case, and the draft is still unattached.
        assert_eq!(
            app.scalar("select count(*) from cases where item_kind = 'document_out'")
                .await,
            0
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from documents where id = {draft} and case_id is null"
            ))
            .await,
            1
        );
        // The same refusal for a 收文 case.
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({"process": "incoming_document", "title": "借道收文",
                            "fields": {"document_id": draft, "source": "manual"}})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        // The generic process still starts through the same door.
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({"process": "internal_request", "title": "申请购置档案柜"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
);

on_both_engines!(
    a_forged_supervision_task_never_reaches_a_leaders_queue,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let xianzhang = app.post_of("qinghe.xianzhang").await;
        let res = app
            .api(
                "POST",
                "/api/v1/cases",
                &mishu,
                Some(json!({
                    "process": "supervision",
                    "title": "限期整改",
                    "body": "请于三日内整改完毕。",
                    "fields": {"lead_post": [xianzhang]},
                })),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(res.body.contains("只能在督办事项中发起"), "{}", res.body);
        assert_eq!(
            app.scalar("select count(*) from cases where item_kind = 'supervision'")
                .await,
            0
        );
        let leader = app.token_for("qinghe.xianzhang", &SCOPES).await;
        let todo = app
            .api("GET", "/api/v1/tasks?queue=todo&limit=200", &leader, None)
            .await;
        assert_eq!(todo.status, StatusCode::OK, "{}", todo.body);
        assert!(!todo.body.contains("限期整改"), "{}", todo.body);
    }
);

on_both_engines!(
    a_unit_version_that_drops_a_step_the_area_relies_on_is_refused,
    |app: TestApp| async move {
        let admin = app.token_for("sysadmin", &["org.read", "flow.admin"]).await;
        let office = app.unit_id("东川市人民政府办公室").await;
        let shipped = include_str!("../../../../processes/outgoing_document.toml");
        let before = app.count("processes").await;
        // 登记 renamed: the 文号 would silently never be allocated.
        let renamed = shipped
            .replace("id = \"register\"", "id = \"enrol\"")
            .replace("next = \"register\"", "next = \"enrol\"");
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": renamed})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let detail = res.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("环节「登记」（register）"), "{detail}");
        // 签发 without 不同意, by which the signer sends the draft back with reasons.
        let narrowed = shipped.replacen(
            "field = \"signoff_post\" }\ndecisions = [\"同意\", \"不同意\"]",
            "field = \"signoff_post\" }\ndecisions = [\"同意\"]",
            1,
        );
        assert_ne!(narrowed, shipped);
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": narrowed})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("决定「不同意」"), "{}", res.body);
        // The generic process turned into a 发文 by its kind alone.
        let disguised = include_str!("../../../../processes/internal_request.toml")
            .replace("item_kind = \"internal\"", "item_kind = \"document_out\"");
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": disguised})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("事项类型须与默认流程相同"),
            "{}",
            res.body
        );
        assert_eq!(app.count("processes").await, before);
        // A version that only renames a step's label is stored.
        let relabelled = shipped.replace("name = \"复核\"", "name = \"文字复核\"");
        let res = app
            .api(
                "POST",
                "/api/v1/processes",
                &admin,
                Some(json!({"unit_id": office, "source": relabelled})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
);

on_both_engines!(
    a_database_failure_is_a_logged_500_not_a_missing_item,
    |app: TestApp| async move {
        let token = app.token_for("zhuren", &["org.read", "flow.work"]).await;
        app.exec("alter table supervision_items rename to supervision_items_away")
            .await;
        let res = app.api("GET", "/api/v1/supervision/1", &token, None).await;
        assert_eq!(
            res.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            res.body
        );
        assert_eq!(res.json()["code"], "internal");
        // The answer says nothing internal; the log says what failed.
        assert!(!res.body.contains("supervision_items"), "{}", res.body);
        assert!(
            logged("internal error", "supervision_items"),
            "the failure was not logged"
        );
        app.exec("alter table supervision_items_away rename to supervision_items")
            .await;
        let res = app.api("GET", "/api/v1/supervision/1", &token, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    }
);
