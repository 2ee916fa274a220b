//! Opinions as offices write them (issue 18, item 3): each person's 常用意见 beside the opinion
//! box (picked, edited, saved; kept per person; the default set until one saves one's own), the
//! box labelled by what the step asks, the leaders' 批示 in their own block at the top of a 收文,
//! and 退回 asking before it goes.

use axum::http::StatusCode;
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

on_both_engines!(
    each_person_keeps_their_own_common_opinions_beside_the_box,
    |app: TestApp| async move {
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let mishu = app.token_for("mishu", &SCOPES).await;

        // Until one saves a list, the default set is offered.
        let res = app.api("GET", "/api/v1/opinions", &zhuren, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.json().as_array().unwrap().contains(&json!("同意。")));

        // Saved through the API: trimmed, blanks and repeats dropped, in the order given.
        let res = app
            .api(
                "PUT",
                "/api/v1/opinions",
                &zhuren,
                Some(json!({"opinions": [" 同意，按程序办理。", "", "请财政局会签。", "同意，按程序办理。"]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json(), json!(["同意，按程序办理。", "请财政局会签。"]));
        // Too long an opinion is refused with the rule.
        let res = app
            .api(
                "PUT",
                "/api/v1/opinions",
                &zhuren,
                Some(json!({"opinions": ["长".repeat(201)]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("200 字"), "{}", res.body);
        // They are the 主任's own: the 秘书 still has the default set.
        let res = app.api("GET", "/api/v1/opinions", &mishu, None).await;
        assert!(res.json().as_array().unwrap().contains(&json!("同意。")));
        assert!(!res.body.contains("请财政局会签"), "{}", res.body);

        // On the 签发 page: the box says what it asks, the 主任's opinions sit beside it.
        let case = app
            .notice_at_the_director("关于做好冬季安全生产工作的通知", None)
            .await;
        app.login_as("zhuren").await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(
            html.contains("class=\"opinion-label\">签发意见</label>"),
            "{html}"
        );
        assert!(html.contains("data-opinion=\"请财政局会签。\""), "{html}");
        assert!(!html.contains("data-opinion=\"已阅。\""), "{html}");

        // 存为常用意见 from the box: added to the end, and the page comes back with the text.
        let task_id = app.task_of(&zhuren, case).await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let task = app
            .scalar(&format!("select task_no from tasks where id = {task_id}"))
            .await
            .to_string();
        let res = app
            .post_form(
                "/opinions/add",
                &[
                    ("back", &case.to_string()),
                    ("task", &task),
                    ("decision", "同意"),
                    ("opinion", "同意印发，请抓紧落实。"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("已存为常用意见"), "{}", res.body);
        assert!(
            res.body.contains(">同意印发，请抓紧落实。</textarea>"),
            "what was typed stays in the box"
        );
        let res = app.api("GET", "/api/v1/opinions", &zhuren, None).await;
        assert_eq!(
            res.json(),
            json!([
                "同意，按程序办理。",
                "请财政局会签。",
                "同意印发，请抓紧落实。"
            ])
        );

        // The 常用意见 page, linked from the workbench, edits the whole list, one a line; an
        // empty list restores the default.
        assert!(
            app.get("/")
                .await
                .body
                .contains("<a href=\"/opinions\">常用意见</a>")
        );
        let page = app.get("/opinions").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("请财政局会签。"), "{}", page.body);
        let res = app
            .post_form(
                "/opinions",
                &[("opinions", "已阅，同意。\r\n请办公室牵头办理。\r\n")],
            )
            .await;
        assert_eq!(res.location(), "/opinions?ok=saved");
        let res = app.api("GET", "/api/v1/opinions", &zhuren, None).await;
        assert_eq!(res.json(), json!(["已阅，同意。", "请办公室牵头办理。"]));
        let res = app.post_form("/opinions", &[("opinions", "")]).await;
        assert_eq!(res.location(), "/opinions?ok=saved");
        let res = app.api("GET", "/api/v1/opinions", &zhuren, None).await;
        assert!(res.json().as_array().unwrap().contains(&json!("同意。")));
    }
);

on_both_engines!(
    a_return_asks_first_and_the_box_of_a_review_says_what_it_asks,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        app.login_as("kezhang").await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(
            html.contains("class=\"opinion-label\">审核意见</label>"),
            "{html}"
        );
        assert!(
            html.contains("data-confirm=\"确定退回吗？"),
            "退回 asks before it goes"
        );
    }
);
