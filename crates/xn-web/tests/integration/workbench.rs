//! The workbench (issue 18, item 4): the queue first, the notices folded into one line whose
//! items link to what they concern, and 全部标为已读 for the acting post only.

use axum::http::StatusCode;
use serde_json::json;

use crate::on_both_engines;
use crate::support::{TestApp, field_value};

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

on_both_engines!(
    a_returned_item_tells_its_drafter_why_and_wears_a_badge,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        let task = app.task_of(&kezhang, case).await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let res = app
            .api(
                "POST",
                &format!("/api/v1/tasks/{task}/return"),
                &kezhang,
                Some(json!({"to": "previous", "opinion": "请补充报价单"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // The drafter is told, with the step and the reason, and the notice links to the item.
        let drafter = app.post_of("mishu").await;
        assert_eq!(
            app.text(&format!(
                "select message from notifications where post_id = {drafter} and kind = 'flow.returned'"
            ))
            .await,
            "《关于购置档案柜的请示》在「科长审核」被退回到「拟稿」：请补充报价单"
        );
        // In 待办 it wears a 退回 badge with the reason, on the page and in the API.
        let back = app.task_of(&mishu, case).await.unwrap();
        assert_eq!(back["returned"], "请补充报价单", "{back}");
        app.login_as("mishu").await;
        let home = app.get("/").await.body;
        assert!(
            home.contains("<span class=\"badge returned\">退回</span>"),
            "{home}"
        );
        assert!(home.contains("退回理由：请补充报价单"), "{home}");
        assert!(
            home.contains(&format!("<a href=\"/cases/{case}\">")),
            "{home}"
        );
        // Resubmitted, it is no longer a returned item.
        app.complete_ok(&mishu, case, "提交", "已补充报价单", json!({}))
            .await;
        let again = app.task_of(&kezhang, case).await.unwrap();
        assert!(again["returned"].is_null(), "{again}");
        // The timeline's head names who acted; its text does not repeat the name.
        let page = app.get(&format!("/cases/{case}")).await.body;
        assert!(
            page.contains("<div class=\"tl-text\">将事项从「科长审核」退回「拟稿」</div>"),
            "{page}"
        );
        assert!(
            page.contains("<div class=\"tl-text\">办理「拟稿」：提交</div>"),
            "{page}"
        );
    }
);

on_both_engines!(
    a_leader_sees_what_waits_for_their_instruction_and_the_latest_documents,
    |app: TestApp| async move {
        let case = app
            .notice_at_the_director("关于做好冬季安全生产工作的通知", None)
            .await;
        app.login_as("zhuren").await;
        let home = app.get("/").await.body;
        let block = home.find("id=\"instructions\"").expect("a 领导批示 block");
        let rest = &home[block..];
        assert!(rest.contains("领导批示"), "{home}");
        assert!(
            rest.find(&format!(
                "<a href=\"/cases/{case}\">关于做好冬季安全生产工作的通知</a>"
            )) < rest.find("id=\"recent-documents\""),
            "the 签发 waiting is in the block"
        );
        let recent = home
            .find("id=\"recent-documents\"")
            .expect("a 最近公文 block");
        assert!(
            home[recent..].contains("关于做好冬季安全生产工作的通知"),
            "{home}"
        );
        assert!(
            home.find("class=\"card queues\"").unwrap() < block,
            "待办 stays first"
        );
        // The drafter has nothing waiting for a 批示: no such block.
        app.login_as("mishu").await;
        let home = app.get("/").await.body;
        assert!(!home.contains("id=\"instructions\""), "{home}");
        assert!(home.contains("id=\"recent-documents\""), "{home}");
    }
);

on_both_engines!(
    a_returned_request_is_corrected_by_its_drafter_before_it_goes_back,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let outsider = app.token_for("qinghe.wenshu", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        let revise = |version: i64, title: &str, body: &str| json!({"version": version, "title": title, "body": body});
        let path = format!("/api/v1/cases/{case}/revise");
        let version = |v: &serde_json::Value| v["version"].as_i64().unwrap();
        let detail = app
            .api("GET", &format!("/api/v1/cases/{case}"), &mishu, None)
            .await
            .json();
        // Not returned: the drafter cannot rewrite what is already with the 科长.
        assert_eq!(detail["can_revise"], false, "{detail}");
        let res = app
            .api(
                "POST",
                &path,
                &mishu,
                Some(revise(version(&detail), "改", "")),
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
                Some(json!({"to": "previous", "opinion": "请补充报价单"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let detail = app
            .api("GET", &format!("/api/v1/cases/{case}"), &mishu, None)
            .await
            .json();
        assert_eq!(detail["can_revise"], true, "{detail}");
        let v = version(&detail);
        // Only the drafter: the 科长 who returned it, and an outsider, are refused.
        let res = app
            .api("POST", &path, &kezhang, Some(revise(v, "改", "")))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .api("POST", &path, &outsider, Some(revise(v, "改", "")))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // Bad input and a stale version are refused with the reason; nothing changes.
        let res = app
            .api("POST", &path, &mishu, Some(revise(v, "  ", "")))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请填写标题"), "{}", res.body);
        let res = app
            .api("POST", &path, &mishu, Some(revise(v - 1, "改", "")))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(
            app.text(&format!("select title from cases where id = {case}"))
                .await,
            "关于购置档案柜的请示"
        );
        assert_eq!(app.events_of("flow.revised").await, 0);

        // On the page the drafter finds the form with the current text and corrects it there.
        app.login_as("mishu").await;
        let page = app.get(&format!("/cases/{case}")).await.body;
        assert!(page.contains("action=\"/cases/"), "{page}");
        assert!(page.contains("id=\"revise\""), "{page}");
        assert_eq!(field_value(&page, "title"), "关于购置档案柜的请示");
        let res = app
            .post_form(
                &format!("/cases/{case}/revise"),
                &[
                    ("version", &v.to_string()),
                    ("title", "关于购置档案柜（附报价单）的请示"),
                    (
                        "body",
                        "申请购置档案柜两组。\r\n附：三家报价单，最低价 4,800 元。",
                    ),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), format!("/cases/{case}?ok=revised"));
        let page = app.get(res.location()).await.body;
        assert!(page.contains("已保存修改"), "{page}");
        assert!(page.contains("修改了标题和正文"), "{page}");
        assert_eq!(app.events_of("flow.revised").await, 1);

        // Submitted again, it goes back to the 科长 with the new title and body; the form is gone.
        app.complete_ok(&mishu, case, "提交", "已补充报价单", json!({}))
            .await;
        let back = app.task_of(&kezhang, case).await.unwrap();
        assert_eq!(back["title"], "关于购置档案柜（附报价单）的请示", "{back}");
        let detail = app
            .api("GET", &format!("/api/v1/cases/{case}"), &kezhang, None)
            .await
            .json();
        assert_eq!(
            detail["body"],
            "申请购置档案柜两组。\n附：三家报价单，最低价 4,800 元。"
        );
        let res = app
            .api(
                "POST",
                &path,
                &mishu,
                Some(revise(version(&detail), "再改", "")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let page = app.get(&format!("/cases/{case}")).await.body;
        assert!(!page.contains("id=\"revise\""), "{page}");
    }
);

/// Switches the acting post from the page at `from`, as the header's 切换 does in a browser.
async fn switch_from(app: &TestApp, from: &str, post: i64) -> crate::support::Res {
    let csrf = app.csrf().await;
    let body =
        serde_html_form::to_string([("_csrf", csrf.as_str()), ("post_id", &post.to_string())])
            .unwrap();
    app.send(
        axum::http::Request::post("/session/post")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("referer", format!("http://localhost{from}"))
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

on_both_engines!(
    switching_post_keeps_the_page_the_new_post_may_see_and_says_what_changed,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let case = app
            .internal_request(&mishu, "关于调整值班安排的请示", "拟调整元旦值班。")
            .await;
        // 林海燕 holds two posts: 秘书一科科长 (the case's 科长审核 is hers) and 督查科副科长.
        app.login_as("kezhang").await;
        let chief = app.post_of("kezhang").await;
        let deputy = app
            .scalar(&format!(
                "select p2.id from posts p1 join posts p2 on p2.person_id = p1.person_id \
                 where p1.id = {chief} and p2.id <> {chief}"
            ))
            .await;

        // From a list both posts may see: the page is kept, and it says what changed.
        let res = switch_from(&app, "/documents?direction=incoming", deputy).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/documents?direction=incoming");
        let page = app.get(res.location()).await.body;
        assert!(
            page.contains("<p class=\"notice flash\" role=\"status\" id=\"flash\">已切换为"),
            "{page}"
        );
        assert!(page.contains("副科长（兼）"), "{page}");
        // Said once: the next page does not repeat it.
        assert!(!app.get("/documents").await.body.contains("id=\"flash\""));

        // The 科长 has approved the request and switches to 督查科 to 立项 from it: 督查科
        // oversees the office's cases, so the case page is kept.
        let res = switch_from(&app, "/documents", chief).await;
        assert_eq!(res.location(), "/documents");
        app.get("/").await;
        assert_eq!(
            app.get(&format!("/cases/{case}")).await.status,
            StatusCode::OK
        );
        let res = switch_from(&app, &format!("/cases/{case}"), deputy).await;
        assert_eq!(res.location(), format!("/cases/{case}"));
        let page = app.get(res.location()).await.body;
        assert!(page.contains("已切换为"), "{page}");
        // A page the new post may not see (administration) is left for the workbench, saying why.
        let res = switch_from(&app, "/admin/events", chief).await;
        assert_eq!(res.location(), "/");
        let home = app.get("/").await.body;
        assert!(
            home.contains("新身份不能查看原来的页面，已回到工作台"),
            "{home}"
        );
        // A Referer pointing elsewhere is never followed off the site.
        let res = switch_from(&app, "//evil.example/x", chief).await;
        assert!(res.location().starts_with('/') && !res.location().starts_with("//"));
    }
);
