//! The 会议通知 as a 通知 document: the city office books a meeting that summons 清河县's 主任
//! and a bureau; its page offers the 通知 document first (the meeting summons another
//! government). The 秘书 drafts it — the text composed from the meeting in Beijing time with the
//! reply deadline and the contact, addressed to 清河县 (the bureau is told on its workbench) — and from then
//! on the plain send is refused. Nothing goes out until the document's 核发: then the notice is
//! out with the document named, the meeting 已通知, reply rows for every recipient, the county
//! 主任 told on the workbench and the 通知 received at the county as a 收文; the county 主任
//! replies 请假 as with a plain notice. A second drafting is refused.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::documents::tokens;
use crate::on_both_engines;
use crate::printing::upload_seal;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

fn set_clock(app: &TestApp, beijing: &str) {
    let target: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{beijing}:00+08:00"))
        .unwrap()
        .with_timezone(&Utc);
    let now = app.state.clock.now();
    app.clock.advance(target - now);
}

async fn ok(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
    let res = app.api(method, path, token, body).await;
    assert!(
        res.status.is_success(),
        "{method} {path}: {} {}",
        res.status,
        res.body
    );
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

on_both_engines!(
    a_meeting_summoning_a_county_is_notified_by_a_notice_document_at_its_dispatch,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        upload_seal(&app).await;
        set_clock(&app, "2026-11-23T10:00");
        let office = app.unit_id("东川市人民政府办公室").await;
        let mayor = app
            .scalar("select id from posts where title = '市长' order by id limit 1")
            .await;
        let county = app.post_of("qinghe.zhuren").await;
        let county_gov = app.unit_id("清河县人民政府").await;
        let bureau = app
            .scalar(
                "select u.id from units u where u.kind = 'bureau' and exists
                 (select 1 from posts p where p.unit_id = u.id and p.active = 1)
                 order by u.id limit 1",
            )
            .await;
        let county_t = app.token_for("qinghe.zhuren", &SCOPES).await;
        let kind = app
            .scalar("select id from meeting_kinds where name = '工作会议'")
            .await;
        let id = ok(&app, "POST", "/api/v1/meetings", &t.mishu, Some(json!({
            "kind_id": kind, "title": "全市冬季森林防火工作会议", "organiser_unit_id": office,
            "chair_post_id": mayor, "starts_at": "2026-12-01 09:00", "ends_at": "2026-12-01 11:00",
            "place_kind": "venue", "venue": "市政府第一会议室",
            "attend_posts": [county], "observe_units": [bureau],
        }))).await["id"].as_i64().unwrap();

        let part = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/notice"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(part["summons_outside"], true, "{part}");
        assert_eq!(part["may_send"], true);
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert!(
            page.body.contains("id=\"draft-notice-document\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("宜以通知公文发出"), "{}", page.body);

        // Bad input: nothing written.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice/document"),
                &t.mishu,
                Some(json!({"reply_by": "2026-11-30 17:00", "contact": ""})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("联系人"), "{}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice/document"),
                &t.mishu,
                Some(json!({"reply_by": "2026-12-02 17:00", "contact": "王五，0000-1234567"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(app.count("meeting_notice_documents").await, 0);

        // Drafted from the meeting.
        let doc = ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/notice/document"),
            &t.mishu,
            Some(json!({"reply_by": "2026-11-30 17:00", "contact": "王五，0000-1234567"})),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let d = ok(
            &app,
            "GET",
            &format!("/api/v1/documents/{doc}"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(d["kind"], "notice", "{d}");
        assert_eq!(d["title"], "关于召开全市冬季森林防火工作会议的通知");
        let text = d.to_string();
        for want in [
            "2026年12月1日（星期二）09:00—11:00（北京时间）",
            "市政府第一会议室",
            "11月30日 17:00前",
            "王五，0000-1234567",
            "会议议程：另行通知",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        let recipients: Vec<i64> = d["main_recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["unit_id"].as_i64().unwrap())
            .collect();
        assert_eq!(recipients, [county_gov], "the other government only: {d}");
        // Once drafted, the plain send and a second drafting are refused.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice"),
                &t.mishu,
                Some(json!({"body": "请参加", "reply_by": "2026-11-30 17:00"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "meetings.notice_document");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/meetings/{id}/notice/document"),
                &t.mishu,
                Some(json!({"reply_by": "2026-11-30 17:00", "contact": "王五"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let part = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/notice"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(part["document"]["document_id"], doc, "{part}");
        assert!(part["notice"].is_null());

        // Through 核稿, 签发, 复核, 登记, 印制: nothing goes out before the 核发.
        let signer = app.post_of("zhuren").await;
        let case = ok(
            &app,
            "POST",
            &format!("/api/v1/documents/{doc}/submit"),
            &t.mishu,
            Some(json!({"signoff_post": signer})),
        )
        .await["case_id"]
            .as_i64()
            .unwrap();
        app.complete_ok(&t.kezhang, case, "同意", "核稿无误", json!({}))
            .await;
        app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        set_clock(&app, "2026-11-24T15:00");
        app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from meeting_replies where meeting_id = {id}"
            ))
            .await,
            0
        );
        assert_eq!(
            app.text(&format!("select status from meetings where id = {id}"))
                .await,
            "preparing"
        );
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;

        // Out at the 核发: the notice names its document; every recipient has a reply row.
        assert_eq!(
            app.text(&format!("select status from meetings where id = {id}"))
                .await,
            "notified"
        );
        let part = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/notice"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(part["notice"]["form"], "document", "{part}");
        assert_eq!(part["notice"]["document_id"], doc);
        assert!(part["notice"]["body"].as_str().unwrap().contains("王五"));
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from meeting_replies where meeting_id = {id}"
            ))
            .await,
            2
        );
        let told = app.scalar(&format!(
            "select count(*) from notifications where post_id = {county} and kind = 'meeting.notice'")).await;
        assert_eq!(told, 1);
        let received = app.scalar(&format!(
            "select count(*) from documents where direction = 'incoming' and source_document_id = {doc}
             and unit_id = {county_gov}")).await;
        assert_eq!(received, 1, "the county receives the 通知 as a 收文");
        // The county 主任 replies 请假 as with a plain notice.
        ok(
            &app,
            "POST",
            &format!("/api/v1/meetings/{id}/replies"),
            &county_t,
            Some(json!({"answer": "leave", "reason": "县里同日召开防火调度会"})),
        )
        .await;
        let table = ok(
            &app,
            "GET",
            &format!("/api/v1/meetings/{id}/replies"),
            &t.mishu,
            None,
        )
        .await;
        assert_eq!(table["on_leave"], 1, "{table}");
        app.login_as("mishu").await;
        let page = app.get(&format!("/meetings/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("id=\"notice-document-link\""),
            "{}",
            page.body
        );
        assert!(!page.body.contains("id=\"draft-notice-document\""));
    }
);
