//! The 办理 page (the case page) shows what each step decides on, built by the item's area: a
//! 发文's text beside the 签发 form (同意 / 不同意, no 圈阅), the 文号 登记 will take and then gave,
//! the 印制 preview served inline; a 督办事项's deadline, reports owed and filed and the 报送进展
//! form; and the rule behind it, that 申请办结 waits for the progress owed.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::json;

use crate::documents::{Tokens, notice, tokens};
use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const OFFICE: &str = "清河县人民政府办公室";

/// Drafts and submits the notice to 清河县 and takes it through 核稿: it waits at 签发.
async fn at_signoff(app: &TestApp, t: &Tokens) -> (i64, i64) {
    let qinghe = [(app.unit_id("清河县人民政府").await, "清河县人民政府")];
    let res = app
        .api("POST", "/api/v1/documents", &t.mishu, Some(notice(&qinghe)))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let doc = res.json()["id"].as_i64().unwrap();
    let signer = app.post_of("zhuren").await;
    let res = app
        .api(
            "POST",
            &format!("/api/v1/documents/{doc}/submit"),
            &t.mishu,
            Some(json!({"signoff_post": signer})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let case = res.json()["case_id"].as_i64().unwrap();
    app.complete_ok(&t.kezhang, case, "同意", "核稿无误", json!({}))
        .await;
    (doc, case)
}

on_both_engines!(
    the_signer_reads_the_text_beside_the_decision_and_the_clerk_sees_the_number_and_the_layout,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let (doc, case) = at_signoff(&app, &t).await;

        // 签发: the text as it will print, its elements, and 同意 / 不同意 beside it.
        app.login_as("zhuren").await;
        let page = app.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.body;
        assert!(!html.contains("（无正文）"), "{html}");
        assert!(html.contains("id=\"desk-document\""), "{html}");
        assert!(html.contains("一、压实安全责任"), "the text is on the page");
        assert!(
            html.contains("清河县人民政府："),
            "the 主送 line opens the text"
        );
        assert!(html.contains("id=\"desk-classification\">非密"), "{html}");
        assert!(html.contains("第 1 稿"), "{html}");
        assert!(html.contains("value=\"不同意\""), "{html}");
        assert!(!html.contains("圈阅"), "圈阅 belongs to 传阅, not to 签发");

        // The same part through the API, for the signer; to one outside the case it answers
        // as if the case did not exist.
        let desk = app
            .api(
                "GET",
                &format!("/api/v1/cases/{case}/desk"),
                &t.zhuren,
                None,
            )
            .await;
        assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
        let desk = desk.json();
        assert_eq!(desk["area"], "document", "{desk}");
        assert_eq!(desk["part"]["doc"]["id"], doc, "{desk}");
        assert_eq!(desk["part"]["doc"]["body_version"], 1, "{desk}");
        let outsider = app
            .token_for(&app.login_in(OFFICE, "秘书股", "clerk").await, &SCOPES)
            .await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/cases/{case}/desk"),
                &outsider,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

        // 不同意 needs reasons, and sends the draft back to its drafter.
        let res = app.complete(&t.zhuren, case, "不同意", "", json!({})).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("不同意签发请写明理由"), "{}", res.body);
        app.complete_ok(&t.zhuren, case, "不同意", "请补充经费保障内容", json!({}))
            .await;
        let back = app.task_of(&t.mishu, case).await.unwrap();
        assert_eq!(back["step_name"], "修改", "{back}");
        assert_eq!(
            app.text(&format!("select status from documents where id = {doc}"))
                .await,
            "returned_to_drafter"
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from documents where id = {doc} and signed_off_at is not null"
            ))
            .await,
            0,
            "a refusal is not a sign-off"
        );
        let qinghe = [(app.unit_id("清河县人民政府").await, "清河县人民政府")];
        let mut edited = notice(&qinghe);
        edited["body"] = json!(format!(
            "{}\n二、落实经费保障\n（一）各县区安排专项经费。",
            edited["body"].as_str().unwrap()
        ));
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/documents/{doc}"),
                &t.mishu,
                Some(edited),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        app.complete_ok(&t.mishu, case, "提交", "已补充", json!({}))
            .await;
        app.complete_ok(&t.kezhang, case, "同意", "核稿无误", json!({}))
            .await;
        // The signer reads the second version and may compare it with the first.
        app.login_as("zhuren").await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("二、落实经费保障"), "{html}");
        assert!(
            html.contains(&format!(
                "href=\"/documents/{doc}/compare?from=1&amp;to=2\" id=\"compare-previous\""
            )),
            "{html}"
        );
        app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
            .await;

        // 登记: the 文号 it will take, then the 文号 it took, on the page and in the timeline.
        app.login_as("wenshu").await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(
            html.contains("本文将编号为 <strong>东政办发〔2026〕1号</strong>"),
            "{html}"
        );
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(
            html.contains("id=\"desk-number\"><strong>东政办发〔2026〕1号</strong>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"tl-note\">文号：东政办发〔2026〕1号</div>"),
            "{html}"
        );
        assert!(!html.contains("id=\"number-to-take\""), "{html}");

        // 印制: the layout that will be sealed, shown inline to the clerk holding the step.
        let frame = format!("src=\"/documents/{doc}/pdf?inline=1\"");
        assert!(html.contains(&frame), "{html}");
        let pdf = app.get(&format!("/documents/{doc}/pdf?inline=1")).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
        assert_eq!(pdf.content_type(), "application/pdf");
        assert!(pdf.header("content-disposition").starts_with("inline"));
        assert!(
            pdf.header("content-security-policy")
                .contains("frame-ancestors 'self'")
        );
        assert_eq!(pdf.header("x-frame-options"), "SAMEORIGIN");
        assert!(pdf.body.starts_with("%PDF"));
        // The download stays a download.
        let plain = app.get(&format!("/documents/{doc}/pdf")).await;
        assert!(
            plain
                .header("content-disposition")
                .starts_with("attachment")
        );

        // The drafter, who holds no step, reads the text but sees no preview.
        app.login_as("mishu").await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("一、压实安全责任"));
        assert!(!html.contains(&frame), "{html}");

        // A 秘密 document is withheld from a participant whose post is cleared for 非密 only:
        // its case page answers as a missing one, so neither its title, its text nor its
        // opinions reach them (issue 17, finding 4; `clearance.rs`).
        app.exec(&format!(
            "update documents set classification = 'secret' where id = {doc}"
        ))
        .await;
        let mishu = app.post_of("mishu").await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {mishu}"
        ))
        .await;
        app.login_as("mishu").await;
        let page = app.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.body.contains("一、压实安全责任"), "{}", page.body);
        assert!(!page.body.contains("冬季安全生产"), "{}", page.body);
    }
);

on_both_engines!(
    a_closing_waits_for_the_progress_owed,
    |app: TestApp| async move {
        // 2026-11-26 (Thursday); weekly reports on Fridays.
        let sup_login = app.login_in(OFFICE, "督查股", "section_chief").await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        let lead_login = app.login_in(OFFICE, "秘书股", "section_chief").await;
        let lead = app.token_for(&lead_login, &SCOPES).await;
        let lead_post = app.post_of(&lead_login).await;
        let section = app
            .scalar(&format!("select unit_id from posts where id = {lead_post}"))
            .await;
        let res = app
            .api(
                "POST",
                "/api/v1/supervision",
                &sup,
                Some(json!({
                    "source_kind": "meeting", "title": "落实冬季森林防火检查",
                    "content": "对全县林区开展防火检查。",
                    "requirements": "每周五报送检查进展，12月底前完成全部林区检查。",
                    "lead_unit": section, "lead_post": lead_post, "deadline": "2026-12-31",
                    "report_cycle": "weekly", "report_day": 5, "importance": "normal"
                })),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        let item = res.json()["id"].as_i64().unwrap();
        let case = app
            .scalar(&format!(
                "select case_id from supervision_items where id = {item}"
            ))
            .await;
        let apply = |text: &'static str| {
            let (app, lead) = (&app, &lead);
            async move {
                app.api(
                    "POST",
                    &format!("/api/v1/supervision/{item}/apply"),
                    lead,
                    Some(json!({ "text": text })),
                )
                .await
            }
        };
        let report = |text: &'static str| {
            let (app, lead) = (&app, &lead);
            async move {
                let res = app
                    .api(
                        "POST",
                        &format!("/api/v1/supervision/{item}/reports"),
                        lead,
                        Some(json!({ "text": text })),
                    )
                    .await;
                assert!(res.status.is_success(), "{}", res.body);
                res.json()["status"].as_str().unwrap().to_owned()
            }
        };

        // The 办理 page of the lead, opened from 待办: the item, not an empty case.
        app.login_as(&lead_login).await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("id=\"desk-supervision\""), "{html}");
        assert!(html.contains("每周五报送检查进展"), "the requirements");
        assert!(
            !html.contains("无时限"),
            "the item's deadline is the case's"
        );
        assert!(html.contains("2026-12-31"), "{html}");
        let res = app
            .api(
                "POST",
                &format!("/api/v1/supervision/{item}/sign"),
                &lead,
                Some(json!({"text": "收到"})),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);

        // Not a single report yet: refused, with the reason, and said on the page before.
        let res = apply("全部林区检查完毕").await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(res.json()["code"], "supervision.no_report", "{}", res.body);
        assert!(res.body.contains("请先报送进展"), "{}", res.body);
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("id=\"report-form\""), "{html}");
        assert!(html.contains("id=\"closing-refusal\""), "{html}");
        assert!(html.contains("应报 0 次，已报 0 次"), "{html}");

        assert_eq!(report("已检查东部林区").await, "filed");
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("已报 1 次"), "{html}");
        assert!(!html.contains("id=\"closing-refusal\""), "{html}");

        // Saturday 12-05: the second report (due Friday 12-04) is overdue.
        app.clock.advance(TimeDelta::days(9));
        let res = apply("全部林区检查完毕").await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert_eq!(
            res.json()["code"],
            "supervision.report_overdue",
            "{}",
            res.body
        );
        assert!(
            res.body.contains("第 2 次进展应于 2026-12-04 报送"),
            "{}",
            res.body
        );
        // The same refusal through the 办理 page's own form, in its banner (a new session:
        // the last one has been idle for days).
        app.login_as(&lead_login).await;
        let task_no = app
            .scalar(&format!(
                "select task_no from tasks where case_id = {case} and step_id = 'handle'
                 and state = 'open'"
            ))
            .await
            .to_string();
        let version = app
            .scalar(&format!("select version from cases where id = {case}"))
            .await
            .to_string();
        let res = app
            .post_form(
                &format!("/cases/{case}/act"),
                &[
                    ("version", &version),
                    ("kind", "complete"),
                    ("task", &task_no),
                    ("decision", "申请办结"),
                    ("opinion", "全部林区检查完毕"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("id=\"act-error\""), "{}", res.body);
        assert!(res.body.contains("至今未报"), "{}", res.body);

        // Reported late, the closing goes to review.
        assert_eq!(report("已检查西部林区").await, "late");
        let res = apply("全部林区检查完毕，附检查记录").await;
        assert!(res.status.is_success(), "{}", res.body);
        assert_eq!(
            app.text(&format!(
                "select state from supervision_items where id = {item}"
            ))
            .await,
            "reviewing"
        );
    }
);

on_both_engines!(
    the_handler_of_a_received_document_sees_its_scan_and_the_opinions_so_far,
    |app: TestApp| async move {
        let clerk = app
            .token_for(&app.login_in(OFFICE, "秘书股", "clerk").await, &SCOPES)
            .await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents/incoming",
                &clerk,
                Some(json!({"sender_name": "东川市应急管理局", "sender_number": "东应急发〔2026〕9号",
                       "title": "关于开展冬季消防安全检查的通知", "kind": "notice",
                       "body": "请各县于12月底前完成冬季消防安全检查。"})),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let case = app
            .scalar(&format!("select case_id from documents where id = {doc}"))
            .await;
        let chief_login = app.login_in(OFFICE, "秘书股", "section_chief").await;
        let chief = app.token_for(&chief_login, &SCOPES).await;
        // The paper original, scanned, at 初审.
        let scan = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/documents/{doc}/attachments?name=scan.pdf&role=scan"),
                &chief,
                scan,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let attachment = res.json()["id"].as_i64().unwrap();
        app.complete_ok(&chief, case, "通过", "请领导阅示", json!({}))
            .await;
        let director = app
            .token_for(&app.login_of_position(OFFICE, "director").await, &SCOPES)
            .await;
        let leader_login = app.login_of_position("清河县人民政府", "leader").await;
        let leader_post = app.post_of(&leader_login).await;
        app.complete_ok(
            &director,
            case,
            "拟办",
            "拟请县长阅示，由秘书股牵头落实",
            json!({"instruct": [leader_post]}),
        )
        .await;
        let leader = app.token_for(&leader_login, &SCOPES).await;
        let handler = app.post_of(&chief_login).await;
        app.complete_ok(
            &leader,
            case,
            "批示",
            "请秘书股抓好落实，月底前报结果",
            json!({"handle": [handler]}),
        )
        .await;

        // 承办: the received document, its scan inline, 拟办 and 批办 above the form; the
        // leader's 批示 in its own block at the top, the box asking for the 承办结果.
        app.login_as(&chief_login).await;
        let html = app.get(&format!("/cases/{case}")).await.body;
        assert!(html.contains("id=\"desk-opinions\""), "{html}");
        let instructions = html.find("id=\"desk-instructions\"").expect("a 批示 block");
        assert!(
            instructions < html.find("id=\"desk-document\"").unwrap(),
            "the 批示 come first"
        );
        assert!(
            html[instructions..].find("请秘书股抓好落实")
                < html[instructions..].find("id=\"desk-document\""),
            "the 批示 is in its block"
        );
        assert!(
            html.contains("class=\"opinion-label\">承办结果</label>"),
            "{html}"
        );
        assert!(html.contains("拟请县长阅示，由秘书股牵头落实"), "{html}");
        assert!(html.contains("请秘书股抓好落实，月底前报结果"), "{html}");
        assert!(html.contains("东应急发〔2026〕9号"), "{html}");
        let frame = format!("/documents/{doc}/attachments/{attachment}?inline=1");
        assert!(html.contains(&format!("src=\"{frame}\"")), "{html}");
        let pdf = app.get(&frame).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.header("content-disposition").starts_with("inline"));
    }
);
