//! The workbench (issue 18, item 4): the queue first, the notices folded into one line whose
//! items link to what they concern, and 全部标为已读 for the acting post only.

use axum::http::StatusCode;
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

on_both_engines!(
    the_directors_workbench_puts_the_queue_first_and_folds_the_notices,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let director = app.post_of("zhuren").await;
        let case = app
            .notice_at_the_director("关于做好冬季安全生产工作的通知", None)
            .await;
        // The drafter urges the 主任's 签发: a notice for the 主任 about the case.
        let task = app.task_of(&zhuren, case).await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/urge"),
                &mishu,
                Some(json!({"message": "下午上会前请签发"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        // Someone else's notice, which the 主任's 全部标为已读 must leave alone.
        let clerk = app.post_of("mishu").await;
        app.exec(&format!(
            "insert into notifications (post_id, kind, subject, message, created_at)
             values ({clerk}, 'test', null, '秘书的提醒', 0)"
        ))
        .await;

        app.login_as("zhuren").await;
        let home = app.get("/").await.body;
        let queue = home.find("class=\"card queues\"").unwrap();
        let notices = home.find("class=\"card notices\"").unwrap();
        assert!(queue < notices, "the queue comes before the notices");
        assert!(home.contains("<summary><h2>提醒</h2>"), "{home}");
        assert!(home.contains("1 条未读"), "{home}");
        assert!(
            home.contains(&format!("<a href=\"/cases/{case}\">")),
            "the notice links to its case"
        );

        let res = app.post_form("/notifications/read", &[]).await;
        assert_eq!(res.location(), "/");
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {director} and read_at is null"
            ))
            .await,
            0
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from notifications where post_id = {clerk} and read_at is null"
            ))
            .await,
            1,
            "another post's notices stay unread"
        );
        let home = app.get("/").await.body;
        assert!(
            home.contains("（均已读）") && !home.contains("条未读"),
            "{home}"
        );
    }
);
