//! 办文 end to end through the API: a 发文 from 拟稿 to 核发 at the city office arriving as
//! 收文 at three counties (one returns it with reasons, one handles it with a lead and an
//! assisting section and replies, one signs for it); the number ledger under 50 concurrent
//! 登记, voiding and the year's rollover at Beijing midnight; versions and their comparison;
//! the rules refusing a sign-off; attachments by content, and through the document page's
//! upload form.

use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{TestApp, upload_form};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

pub(crate) fn notice(units: &[(i64, &str)]) -> Value {
    json!({
        "kind": "notice",
        "title": "东川市人民政府办公室关于做好冬季安全生产工作的通知",
        "main_recipients": units.iter().map(|(id, n)| json!({"unit_id": id, "name": n})).collect::<Vec<_>>(),
        "body": "各县（区）人民政府：\n为切实做好今冬明春安全生产工作，现将有关事项通知如下。\n一、压实安全责任\n（一）落实属地责任。\n1.各县区于12月10日前报送排查情况。",
    })
}

pub(crate) struct Tokens {
    pub(crate) mishu: String,
    pub(crate) kezhang: String,
    pub(crate) zhuren: String,
    pub(crate) wenshu: String,
}

pub(crate) async fn tokens(app: &TestApp) -> Tokens {
    Tokens {
        mishu: app.token_for("mishu", &SCOPES).await,
        kezhang: app.token_for("kezhang", &SCOPES).await,
        zhuren: app.token_for("zhuren", &SCOPES).await,
        wenshu: app.token_for("wenshu", &SCOPES).await,
    }
}

/// Drafts and submits a notice, then takes it through 核稿 and 签发 to 复核 done: it waits at
/// 登记. Returns (document id, case id).
pub(crate) async fn to_register(app: &TestApp, t: &Tokens, units: &[(i64, &str)]) -> (i64, i64) {
    let res = app
        .api("POST", "/api/v1/documents", &t.mishu, Some(notice(units)))
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
    app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
        .await;
    app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
        .await;
    (doc, case)
}

on_both_engines!(
    a_notice_goes_from_draft_to_three_counties,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let counties = [
            (app.unit_id("清河县人民政府").await, "清河县人民政府"),
            (app.unit_id("柳林县人民政府").await, "柳林县人民政府"),
            (app.unit_id("石门县人民政府").await, "石门县人民政府"),
        ];
        // 拟稿, then a second version; the comparison shows the change.
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&counties)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let mut edited = notice(&counties);
        edited["body"] = json!(
            edited["body"]
                .as_str()
                .unwrap()
                .replace("12月10日", "12月15日")
        );
        edited["version_note"] = json!("延长报送时间");
        let res = app
            .api(
                "PUT",
                &format!("/api/v1/documents/{doc}"),
                &t.mishu,
                Some(edited),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["version"], 2);
        let diff = app
            .api(
                "GET",
                &format!("/api/v1/documents/{doc}/compare?from=1&to=2"),
                &t.mishu,
                None,
            )
            .await
            .json();
        let changed: Vec<&Value> = diff
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["changed"] == true)
            .collect();
        assert_eq!(changed.len(), 1, "{diff}");
        assert!(
            changed[0]
                .to_string()
                .contains("\"removed\",\"text\":\"0\"")
                || changed[0].to_string().contains("\"text\":\"0\""),
            "{diff}"
        );

        // Submit, 核稿, 签发, 复核, 登记, 印制, 核发.
        let signer = app.post_of("zhuren").await;
        let case = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/submit"),
                &t.mishu,
                Some(json!({"signoff_post": signer})),
            )
            .await
            .json()["case_id"]
            .as_i64()
            .unwrap();
        app.complete_ok(&t.kezhang, case, "同意", "核稿无误，请主任签发", json!({}))
            .await;
        // 签发 with an empty opinion is refused by name.
        let res = app.complete(&t.zhuren, case, "同意", "", json!({})).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("签发应签署意见"), "{}", res.body);
        app.complete_ok(&t.zhuren, case, "同意", "同意印发", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "复核无误", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        assert_eq!(view["doc_number"], "东政办发〔2026〕1号");
        assert_eq!(view["signed_off_name"], "周志远");
        assert_eq!(view["signed_off_opinion"], "同意印发");
        assert_eq!(view["written_on"], "2026-11-26");
        // A sealed document needs its issuer's seal image at 印制.
        crate::printing::upload_seal(&app).await;
        app.complete_ok(&t.wenshu, case, "印制完成", "", json!({}))
            .await;
        app.complete_ok(&t.wenshu, case, "核发", "", json!({}))
            .await;
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        assert_eq!(view["status"], "dispatched");
        let exchanges = view["exchanges"].as_array().unwrap().clone();
        assert_eq!(exchanges.len(), 3);
        assert!(exchanges.iter().all(|x| x["state"] == "delivered"));

        // Each county's 文书 finds it in 待办 and signs for it and registers it.
        let mut incoming = Vec::new();
        for (county, office) in [
            ("清河县人民政府", "清河县人民政府办公室"),
            ("柳林县人民政府", "柳林县人民政府办公室"),
            ("石门县人民政府", "石门县人民政府办公室"),
        ] {
            let x = exchanges.iter().find(|x| x["unit_name"] == county).unwrap();
            let in_doc = x["incoming_document_id"].as_i64().unwrap();
            let in_case = app
                .scalar(&format!(
                    "select case_id from documents where id = {in_doc}"
                ))
                .await;
            let clerk = app
                .token_for(&app.login_in(office, "秘书股", "clerk").await, &SCOPES)
                .await;
            app.complete_ok(&clerk, in_case, "签收", "", json!({}))
                .await;
            app.complete_ok(&clerk, in_case, "登记", "", json!({}))
                .await;
            let v = app
                .api("GET", &format!("/api/v1/documents/{in_doc}"), &clerk, None)
                .await
                .json();
            assert_eq!(v["received_no"], "收〔2026〕1号", "{v}");
            assert_eq!(v["sender_number"], "东政办发〔2026〕1号");
            assert_eq!(v["sender_name"], "东川市人民政府办公室");
            // The county cannot open the city's original, only its own copy.
            let res = app
                .api("GET", &format!("/api/v1/documents/{doc}"), &clerk, None)
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND);
            incoming.push((in_doc, in_case, office));
        }

        // 柳林 returns it (退文) with reasons; a 退文 without reasons is refused.
        let (_, liulin_case, office) = incoming[1];
        let chief = app
            .token_for(
                &app.login_in(office, "秘书股", "section_chief").await,
                &SCOPES,
            )
            .await;
        let res = app
            .complete(&chief, liulin_case, "退文", "", json!({}))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        app.complete_ok(
            &chief,
            liulin_case,
            "退文",
            "主送机关有误：本县已撤并，请改送柳林县人民政府办公室",
            json!({}),
        )
        .await;

        // 清河 screens it, the office proposes, the 县长 instructs a lead and an assisting section,
        // both handle it, and the lead's result goes back as the reply.
        let (qinghe_doc, qinghe_case, office) = incoming[0];
        let chief = app
            .token_for(
                &app.login_in(office, "秘书股", "section_chief").await,
                &SCOPES,
            )
            .await;
        app.complete_ok(&chief, qinghe_case, "通过", "属我县办理事项", json!({}))
            .await;
        let director = app
            .token_for(&app.login_of_position(office, "director").await, &SCOPES)
            .await;
        let leader_login = app.login_of_position("清河县人民政府", "leader").await;
        let leader_post = app.post_of(&leader_login).await;
        app.complete_ok(
            &director,
            qinghe_case,
            "拟办",
            "拟请县长阅示，由督查股牵头办理",
            json!({"instruct": [leader_post]}),
        )
        .await;
        let lead_login = app.login_in(office, "督查股", "section_chief").await;
        let assist_login = app.login_in(office, "信息股", "section_chief").await;
        let (lead, assist) = (
            app.post_of(&lead_login).await,
            app.post_of(&assist_login).await,
        );
        let leader = app.token_for(&leader_login, &SCOPES).await;
        app.complete_ok(
            &leader,
            qinghe_case,
            "批示",
            "请督查股牵头、信息股配合抓好落实",
            json!({"handle": [lead, assist]}),
        )
        .await;
        let lead_t = app.token_for(&lead_login, &SCOPES).await;
        let assist_t = app.token_for(&assist_login, &SCOPES).await;
        app.complete_ok(
            &assist_t,
            qinghe_case,
            "办结",
            "已配合完成信息报送",
            json!({}),
        )
        .await;
        let res = app
            .complete(&lead_t, qinghe_case, "办结", "", json!({}))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        app.complete_ok(
            &lead_t,
            qinghe_case,
            "办结",
            "已完成排查整改，12月12日报送排查情况",
            json!({}),
        )
        .await;
        let v = app
            .api(
                "GET",
                &format!("/api/v1/documents/{qinghe_doc}"),
                &lead_t,
                None,
            )
            .await
            .json();
        assert_eq!(v["status"], "closed", "{v}");

        // The sender sees each recipient: handled with the reply, returned with reasons, signed.
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        let by = |name: &str| {
            view["exchanges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["unit_name"] == name)
                .unwrap()
                .clone()
        };
        assert_eq!(by("清河县人民政府")["state"], "handled");
        assert_eq!(
            by("清河县人民政府")["reply"],
            "已完成排查整改，12月12日报送排查情况"
        );
        assert_eq!(by("柳林县人民政府")["state"], "returned");
        assert!(
            by("柳林县人民政府")["return_reason"]
                .as_str()
                .unwrap()
                .contains("主送机关有误")
        );
        assert_eq!(by("石门县人民政府")["state"], "signed");
        assert!(by("石门县人民政府")["signed_at"].is_string());
        // Stored sealed: the reply in the recipient's document and the sender's exchange row,
        // the reasons of the 退文.
        for sql in [
            "select count(*) from exchanges where reply like 'sm4:%'",
            "select count(*) from exchanges where return_reason like 'sm4:%'",
            "select count(*) from documents where reply like 'sm4:%'",
        ] {
            assert!(app.scalar(sql).await >= 1, "{sql}");
        }
        for sql in [
            "select count(*) from exchanges where reply like '%排查%' or return_reason like '%主送%'",
            "select count(*) from documents where reply like '%排查%'",
        ] {
            assert_eq!(app.scalar(sql).await, 0, "{sql}");
        }

        // Every step's opinion and time is on the cases' timelines.
        let detail = app
            .api("GET", &format!("/api/v1/cases/{case}"), &t.mishu, None)
            .await
            .json();
        let timeline = detail["timeline"].to_string();
        for words in ["核稿无误，请主任签发", "同意印发"] {
            assert!(timeline.contains(words), "{words} missing from {timeline}");
        }
        let detail = app
            .api(
                "GET",
                &format!("/api/v1/cases/{qinghe_case}"),
                &lead_t,
                None,
            )
            .await
            .json();
        let timeline = detail["timeline"].to_string();
        for words in [
            "属我县办理事项",
            "拟请县长阅示",
            "请督查股牵头",
            "已配合完成信息报送",
            "已完成排查整改",
        ] {
            assert!(timeline.contains(words), "{words} missing from {timeline}");
        }

        // The dispatched document laid out by GB/T 9704 passes the checker; the 发文稿纸 and a
        // county's 收文处理笺 carry the opinions.
        let res = app
            .api_bytes(
                "GET",
                &format!("/api/v1/documents/{doc}/pdf"),
                &t.mishu,
                Vec::new(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.content_type(), "application/pdf");
        let bytes = app
            .api_raw(&format!("/api/v1/documents/{doc}/pdf"), &t.mishu)
            .await;
        assert!(bytes.starts_with(b"%PDF"));
        let broken = xn_render::gbt9704::check(&bytes);
        assert!(broken.is_empty(), "{broken:?}");
        // Each sheet on one page, with who drafted and the opinions; the verbs of 登记, 印制,
        // 核发 and 签收 are not filed as opinions.
        let text_of = |pdf: &[u8]| {
            let pages = xn_render::gbt9704::measure(pdf).unwrap();
            assert_eq!(pages.len(), 1, "a sheet runs onto a second page");
            pages[0]
                .lines
                .iter()
                .map(|l| l.text.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let sheet = app
            .api_raw(&format!("/api/v1/documents/{doc}/sheet"), &t.mishu)
            .await;
        let text = text_of(&sheet);
        assert!(text.contains("拟稿单位"), "{text}");
        assert!(text.contains("主送机关"), "{text}");
        for verb in ["登记编号", "印制完成", "其他环节"] {
            assert!(!text.contains(verb), "{verb} on the 发文稿纸:\n{text}");
        }
        let sheet = app
            .api_raw(&format!("/api/v1/documents/{qinghe_doc}/sheet"), &lead_t)
            .await;
        let text = text_of(&sheet);
        assert!(text.contains("拟请县长阅示"), "{text}");
        assert!(!text.contains("其他环节"), "{text}");

        // 重发 to 柳林 after its 退文: a second round arrives there.
        let liulin = app.unit_id("柳林县人民政府").await;
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/resend"),
                &t.wenshu,
                Some(json!({"units": [liulin]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let rounds: Vec<i64> = res.json()["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["unit_name"] == "柳林县人民政府")
            .map(|x| x["round"].as_i64().unwrap())
            .collect();
        assert_eq!(rounds, vec![1, 2]);
    }
);

on_both_engines!(
    fifty_concurrent_registrations_number_one_to_fifty,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let mut cases = Vec::new();
        for _ in 0..50 {
            cases.push(to_register(&app, &t, &[qinghe]).await.1);
        }
        let mut tasks = Vec::new();
        for c in &cases {
            tasks.push(
                app.task_of(&t.wenshu, *c).await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        let paths: Vec<String> = tasks
            .iter()
            .map(|id| format!("/api/v1/tasks/{id}/complete"))
            .collect();
        let calls = paths.iter().map(|p| {
            app.api(
                "POST",
                p,
                &t.wenshu,
                Some(json!({"decision": "登记编号", "opinion": ""})),
            )
        });
        for res in futures::future::join_all(calls).await {
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let mut seqs: Vec<i64> = Vec::new();
        for c in &cases {
            seqs.push(
                app.scalar(&format!(
                    "select number_seq from documents where case_id = {c}"
                ))
                .await,
            );
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=50).collect::<Vec<i64>>());
        let ledger = app
            .api(
                "GET",
                &format!("/api/v1/ledger?code={}&year=2026", urlencode("东政办发")),
                &t.wenshu,
                None,
            )
            .await
            .json();
        assert_eq!(ledger.as_array().unwrap().len(), 50);

        // A voided number stays in the ledger and is never given again.
        let res = app
            .api(
                "POST",
                "/api/v1/ledger/void",
                &t.wenshu,
                Some(
                    json!({"code": "东政办发", "year": 2026, "seq": 50, "reason": "公文撤回重拟"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let res = app
            .api(
                "POST",
                "/api/v1/ledger/void",
                &t.mishu,
                Some(json!({"code": "东政办发", "year": 2026, "seq": 49, "reason": "无权"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(
            res.body.contains("预留和作废文号由文电（秘书）部门办理"),
            "{}",
            res.body
        );
        // The registry keeps its own office's numbers, not another office's.
        let res = app
            .api(
                "POST",
                "/api/v1/ledger/reserve",
                &t.wenshu,
                Some(json!({"code": "清政办发", "reason": "纸质签发"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(res.body.contains("只能管理本机关的文号"), "{}", res.body);
        let (_, next) = to_register(&app, &t, &[qinghe]).await;
        app.complete_ok(&t.wenshu, next, "登记编号", "", json!({}))
            .await;
        assert_eq!(
            app.scalar(&format!(
                "select number_seq from documents where case_id = {next}"
            ))
            .await,
            51
        );
        let ledger = app
            .api(
                "GET",
                &format!("/api/v1/ledger?code={}", urlencode("东政办发")),
                &t.wenshu,
                None,
            )
            .await
            .json();
        let fifty = ledger
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["seq"] == 50)
            .unwrap();
        assert_eq!(fifty["state"], "voided");
        assert_eq!(fifty["reason"], "公文撤回重拟");
        // The document that held 50 lost it and is numbered anew when registered again.
        assert_eq!(
            app.scalar("select count(*) from documents where number_seq = 50")
                .await,
            0
        );
    }
);

on_both_engines!(
    numbers_roll_over_at_beijing_midnight,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let (_, a) = to_register(&app, &t, &[qinghe]).await;
        let (_, b) = to_register(&app, &t, &[qinghe]).await;
        // 2026-12-31 23:59 Beijing = 15:59 UTC.
        let target: DateTime<Utc> = "2026-12-31T15:59:00Z".parse().unwrap();
        app.clock.advance(target - app.clock.now());
        app.complete_ok(&t.wenshu, a, "登记编号", "", json!({}))
            .await;
        app.clock.advance(TimeDelta::minutes(1));
        app.complete_ok(&t.wenshu, b, "登记编号", "", json!({}))
            .await;
        let na = app
            .text(&format!(
                "select doc_number from documents where case_id = {a}"
            ))
            .await;
        let nb = app
            .text(&format!(
                "select doc_number from documents where case_id = {b}"
            ))
            .await;
        assert_eq!(na, "东政办发〔2026〕1号");
        assert_eq!(nb, "东政办发〔2027〕1号");
    }
);

on_both_engines!(
    a_request_breaking_the_rules_is_not_signed_off,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        // A 请示 to two units, copied to a county below, with no 签发人.
        let city = app.unit_id("东川市人民政府").await;
        let bureau = app.unit_id("东川市财政局").await;
        let county = app.unit_id("清河县人民政府").await;
        let res = app
        .api("POST", "/api/v1/documents", &t.mishu, Some(json!({
            "kind": "request",
            "title": "东川市人民政府办公室关于增加档案用房的请示",
            "main_recipients": [{"unit_id": city, "name": ""}, {"unit_id": bureau, "name": ""}],
            "copy_recipients": [{"unit_id": county, "name": ""}],
            "body": "现将有关情况请示如下。",
        })))
        .await;
        let doc = res.json()["id"].as_i64().unwrap();
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        assert_eq!(
            view["problems"].as_array().unwrap().len(),
            3,
            "{}",
            view["problems"]
        );
        let signer = app.post_of("zhuren").await;
        let case = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/submit"),
                &t.mishu,
                Some(json!({"signoff_post": signer})),
            )
            .await
            .json()["case_id"]
            .as_i64()
            .unwrap();
        app.complete_ok(&t.kezhang, case, "同意", "可", json!({}))
            .await;
        let res = app
            .complete(&t.zhuren, case, "同意", "同意", json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        for code in [
            "doc.upward_signer",
            "doc.request_one_recipient",
            "doc.request_no_lower",
        ] {
            assert!(res.body.contains(code), "{code} missing: {}", res.body);
        }
        // Nothing was half-written: the document is unsigned and the task still open.
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        assert!(view["signed_off_at"].is_null());
        assert!(app.task_of(&t.zhuren, case).await.is_some());
    }
);

on_both_engines!(
    attachments_are_checked_by_content_and_stored_once,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let doc = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&[qinghe])),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        for name in ["排查表.pdf", "排查表副本.pdf"] {
            let res = app
                .api_bytes(
                    "POST",
                    &format!(
                        "/api/v1/documents/{doc}/attachments?name={}",
                        urlencode(name)
                    ),
                    &t.mishu,
                    pdf.clone(),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        assert_eq!(app.count("blobs").await, 1);
        // An executable named .pdf is refused.
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/documents/{doc}/attachments?name=a.pdf"),
                &t.mishu,
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json();
        assert_eq!(view["attachment_names"], json!(["排查表", "排查表副本"]));
        let id = view["attachments"][0]["id"].as_i64().unwrap();
        let res = app
            .api(
                "GET",
                &format!("/api/v1/documents/{doc}/attachments/{id}"),
                &t.mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.header("content-disposition").starts_with("attachment;"));
        assert_eq!(res.header("x-content-type-options"), "nosniff");
    }
);

on_both_engines!(
    an_attachment_uploaded_from_the_document_page_needs_the_pages_token_and_a_file,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let doc = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&[qinghe])),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        app.login_as("mishu").await;
        let csrf = app.csrf().await;
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let blobs = app.count("blobs").await;

        // A form whose address lacks the session's token is refused; nothing is stored.
        let res = app
            .send(upload_form(
                &format!("/documents/{doc}/attachments?_csrf=stale"),
                Some(("排查表.pdf", &pdf)),
            ))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(res.body.contains("CSRF 校验失败"), "{}", res.body);
        assert_eq!(app.count("blobs").await, blobs);

        // Sent without a file, the document page says what is missing.
        let res = app
            .send(upload_form(
                &format!("/documents/{doc}/attachments?_csrf={csrf}"),
                None,
            ))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("请选择要上传的文件"), "{}", res.body);

        // With the token and a file, the attachment is kept and the page says so.
        let res = app
            .send(upload_form(
                &format!("/documents/{doc}/attachments?_csrf={csrf}&role=attachment"),
                Some(("排查表.pdf", &pdf)),
            ))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), format!("/documents/{doc}?ok=uploaded"));
        let page = app.get(res.location()).await;
        assert!(page.body.contains("附件已上传。"), "{}", page.body);
        assert!(page.body.contains("排查表"), "{}", page.body);
        assert_eq!(app.count("blobs").await, blobs + 1);
    }
);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

on_both_engines!(
    search_finds_short_words_numbers_and_opinions,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let (doc, case) = to_register(&app, &t, &[qinghe]).await;
        app.complete_ok(&t.wenshu, case, "登记编号", "", json!({}))
            .await;
        let find = |q: &str| {
            let path = format!("/api/v1/documents/search?q={}", urlencode(q));
            let token = t.mishu.clone();
            let app = &app;
            async move { app.api("GET", &path, &token, None).await.json() }
        };
        for q in ["安全", "安全生产", "冬季安全生产", "同意印发", "东政办发"] {
            let r = find(q).await;
            assert!(
                r["hits"].as_array().unwrap().iter().any(|h| h["id"] == doc),
                "{q}: {r}"
            );
        }
        assert_eq!(find("防汛").await["hits"].as_array().unwrap().len(), 0);
        // The county sees nothing of the city's office documents.
        let county = app
            .token_for(
                &app.login_in("清河县人民政府办公室", "秘书股", "clerk")
                    .await,
                &SCOPES,
            )
            .await;
        let r = app
            .api(
                "GET",
                &format!("/api/v1/documents/search?q={}", urlencode("安全")),
                &county,
                None,
            )
            .await
            .json();
        assert!(
            r["hits"].as_array().unwrap().iter().all(|h| h["id"] != doc),
            "{r}"
        );
    }
);

on_both_engines!(
    the_demo_city_has_a_year_of_documents_moved_by_the_right_posts,
    |app: TestApp| async move {
        app.state
            .services
            .load_demo_documents(crate::support::start_time())
            .await
            .unwrap();
        let outgoing = app
            .scalar("select count(*) from documents where direction = 'outgoing'")
            .await;
        assert!((150..=250).contains(&outgoing), "{outgoing} 发文");
        let dispatched = app
            .scalar("select count(*) from documents where direction = 'outgoing' and status = 'dispatched'")
            .await;
        assert!(
            dispatched * 10 >= outgoing * 8,
            "{dispatched} of {outgoing} dispatched"
        );
        assert!(dispatched < outgoing, "some are still in progress");
        // Every 机关代字 and year numbered 1..n without gaps.
        let gaps = app
            .scalar(
                "select count(*) from (select issuer_code, year from document_numbers
                 group by issuer_code, year having count(*) <> max(seq)) t",
            )
            .await;
        assert_eq!(gaps, 0);
        let returned = app
            .scalar(
                "select count(*) from exchanges where state = 'returned' and return_reason <> ''",
            )
            .await;
        let replied = app
            .scalar("select count(*) from exchanges where state = 'handled' and reply <> ''")
            .await;
        assert!(
            returned > 0 && replied > returned,
            "{returned} returned, {replied} replied"
        );
        // A 收文 belongs to the receiving side: its starter is a post of the receiving unit's
        // registry, never the sender's.
        let foreign = app
            .scalar(
                "select count(*) from documents d join cases c on c.id = d.case_id
                 join posts p on p.id = c.starter_post_id join units s on s.id = p.unit_id
                 join documents o on o.id = d.source_document_id
                 where d.direction = 'incoming'
                   and (s.parent_id is null or (s.parent_id <> d.unit_id
                        and s.parent_id not in (select id from units where parent_id = d.unit_id)))",
            )
            .await;
        assert_eq!(foreign, 0);
        let overdue = app
            .scalar("select count(*) from tasks where state = 'open' and due_date < '2026-11-26'")
            .await;
        assert!(overdue > 0, "a few are overdue");
    }
);

on_both_engines!(
    a_section_is_not_a_recipient_of_an_official_document,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let section = app.unit_id("综合科").await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&[(section, "综合科")])),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("不能作为收文单位"), "{}", res.body);
        let county = app.unit_id("清河县人民政府").await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&[(county, "清河县人民政府")])),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
);

on_both_engines!(
    a_total_past_the_count_cap_is_marked_and_the_exact_count_comes_when_asked,
    |app: TestApp| async move {
        let token = app.token_for("mishu", &["org.read", "flow.work"]).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let res = app
            .api("POST", "/api/v1/documents", &token, Some(notice(&[qinghe])))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        // More documents of the same office than the search counts on its first page, queued
        // for the index as a flow action would queue them.
        app.exec(&format!(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 10030)
             insert into documents (direction, unit_id, kind, title, body, status, classification,
                 created_post_id, created_at, updated_at)
             select d.direction, d.unit_id, d.kind, '年度督办安排', '', d.status,
                 d.classification, d.created_post_id, d.created_at, d.updated_at
             from documents d cross join n where d.id = {doc}"
        ))
        .await;
        app.exec(&format!(
            "insert into search_queue (document_id, queued_at)
             select id, 1 from documents where id <> {doc}"
        ))
        .await;
        // Bodies are stored sealed: the test opens them to count as a reader would.
        let keys = xn_service::at_rest::AtRest::new(crate::support::TEST_SEAL_KEY);
        let sql = "select id, title, body from documents";
        let rows: Vec<(i64, String, String)> = match app.services().db() {
            xn_store::Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            xn_store::Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        };
        let want = rows
            .into_iter()
            .filter(|(id, title, body)| {
                title.contains("督办")
                    || keys
                        .open_text(
                            &xn_service::at_rest::body_label(*id),
                            &xn_store::Sealed(body.clone()),
                        )
                        .unwrap()
                        .contains("督办")
            })
            .count();
        let want = i64::try_from(want).unwrap();
        assert!(want > 10_000);

        app.login_as("mishu").await;
        let page = app.get("/documents/search?q=%E7%9D%A3%E5%8A%9E").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("10000+"), "{}", page.body);
        assert!(page.body.contains("计数到此为止"), "{}", page.body);
        let link = "/documents/search/count?q=%E7%9D%A3%E5%8A%9E&#38;direction=";
        assert!(page.body.contains(link), "{}", page.body);

        let count = app
            .get("/documents/search/count?q=%E7%9D%A3%E5%8A%9E&direction=&kind=&number=&status=&from=&to=")
            .await;
        assert_eq!(count.status, StatusCode::OK);
        assert!(
            count
                .body
                .contains(&format!("<strong data-exact-total>{want}</strong>")),
            "{}",
            count.body
        );
        let api = app
            .api(
                "GET",
                "/api/v1/documents/search/count?q=%E7%9D%A3%E5%8A%9E",
                &token,
                None,
            )
            .await;
        assert_eq!(api.json()["total"], want, "{}", api.body);

        // An exact total offers nothing more.
        let exact = app.get("/documents/search?q=%E5%B9%B4%E5%BA%A6%E7%9D%A3%E5%8A%9E%E5%AE%89%E6%8E%92%E6%97%A0").await;
        assert!(!exact.body.contains("精确计数"), "{}", exact.body);
    }
);
