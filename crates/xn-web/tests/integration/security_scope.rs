//! Issue 17's attacks on who may do an area's work: a paper 收文 registered by any post, a
//! county's supervision reaching up into the city, administrators doing business work, and a
//! classified draft sent to a signer or countersigner cleared below it.
//! Each is reproduced as the attacker tried it and seen refused, with nothing written.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const COUNTY_OFFICE: &str = "清河县人民政府办公室";

/// What the work writes: documents, cases, tasks, 收文号 counters, supervision items and
/// events other than signing in and making tokens.
async fn written(app: &TestApp) -> [i64; 6] {
    [
        app.count("documents").await,
        app.count("cases").await,
        app.count("tasks").await,
        app.scalar("select cast(coalesce(sum(last_seq), 0) as bigint) from number_counters")
            .await,
        app.count("supervision_items").await,
        app.scalar(
            "select count(*) from events where kind not like 'auth.%' and kind not like 'token.%'",
        )
        .await,
    ]
}

fn paper() -> Value {
    json!({"sender_name": "东川市交通运输局", "sender_number": "东交发〔2026〕31号",
           "title": "关于加快推进农村公路提档升级的通知", "kind": "notice",
           "classification": "secret", "urgency": "urgent", "copies": 2,
           "written_on": "2026-11-20", "body": "请各县于10月底前完成农村公路提档升级任务。"})
}

on_both_engines!(
    only_the_registry_clerk_registers_a_paper_incoming_document_and_every_field_is_checked,
    |app: TestApp| async move {
        let before = written(&app).await;
        // Posts outside the registry section: a city 秘书, the office's 主任, a county 综合股
        // member, the system administrator.
        let others = [
            "mishu".to_owned(),
            "zhuren".to_owned(),
            app.login_in(COUNTY_OFFICE, "综合股", "staff").await,
        ];
        for login in &others {
            let token = app.token_for(login, &SCOPES).await;
            let res = app
                .api("POST", "/api/v1/documents/incoming", &token, Some(paper()))
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{login}: {}", res.body);
            assert_eq!(res.content_type(), "application/problem+json");
            assert!(res.body.contains("文电（秘书）部门"), "{}", res.body);
        }
        app.login_as("mishu").await;
        assert_eq!(
            app.get("/documents/incoming/new").await.status,
            StatusCode::FORBIDDEN
        );
        let page = app
            .post_form(
                "/documents/incoming",
                &[
                    ("sender_name", "东川市交通运输局"),
                    ("title", "冒名登记"),
                    ("kind", "notice"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);

        // The registry clerk (文电科, cleared to 秘密): each wrong field is named, in Chinese.
        let clerk = app.token_for("wenshu", &SCOPES).await;
        let cases: [(&str, Value, &str); 10] = [
            ("classification", json!("ultra"), "密级应为"),
            ("classification", json!("confidential"), "超出您的知悉范围"),
            ("urgency", json!("asap"), "紧急程度"),
            ("copies", json!(0), "份数"),
            ("copies", json!(100_000), "份数"),
            ("written_on", json!("2026-12-31"), "不能晚于今天"),
            ("written_on", json!("20261120"), "成文日期格式"),
            ("title", json!("关".repeat(201)), "标题不能超过"),
            ("sender_name", json!("局".repeat(101)), "来文单位不能超过"),
            ("body", json!("字".repeat(100_001)), "正文不能超过"),
        ];
        for (field, value, says) in cases {
            let mut body = paper();
            body[field] = value;
            let res = app
                .api("POST", "/api/v1/documents/incoming", &clerk, Some(body))
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}: {}",
                res.body
            );
            assert_eq!(res.content_type(), "application/problem+json");
            assert_eq!(res.json()["field"], field, "{}", res.body);
            assert!(res.body.contains(says), "{field}: {}", res.body);
        }
        // A body past the route's limit is refused before it is read.
        let mut huge = paper();
        huge["body"] = json!("x".repeat(2 * 1024 * 1024));
        let res = app
            .api("POST", "/api/v1/documents/incoming", &clerk, Some(huge))
            .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
        assert_eq!(res.content_type(), "application/problem+json");
        // The page names the field too.
        app.login_as("wenshu").await;
        let page = app
            .post_form(
                "/documents/incoming",
                &[
                    ("sender_name", "东川市交通运输局"),
                    ("title", "关于农村公路的通知"),
                    ("kind", "notice"),
                    ("classification", "ultra"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.body.contains("密级应为"), "{}", page.body);

        assert_eq!(
            written(&app).await,
            before,
            "nothing written, no 收文号 taken"
        );

        // A well-formed registration by the clerk takes the year's first 收文号.
        let res = app
            .api("POST", "/api/v1/documents/incoming", &clerk, Some(paper()))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let no = app
            .text(&format!(
                "select received_no from documents where id = {doc}"
            ))
            .await;
        assert!(no.ends_with("〕1号"), "{no}");
        assert_eq!(
            app.text(&format!(
                "select classification from documents where id = {doc}"
            ))
            .await,
            "secret"
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from cases where id = (select case_id from documents where id = {doc})"
            ))
            .await,
            1,
            "its 收文 case started with it"
        );
    }
);

/// A 秘密 notice drafted by the city's 秘书 and submitted for 签发, then marked 机密 (as a
/// 机密 case of the city's office would be): its case.
async fn city_classified_case(app: &TestApp) -> i64 {
    let mishu = app.token_for("mishu", &SCOPES).await;
    let res = app
        .api(
            "POST",
            "/api/v1/documents",
            &mishu,
            Some(json!({
                "kind": "notice", "title": "关于市领导调研安排的通知",
                "classification": "secret", "secrecy_term": "1年",
                "body": "市领导近期调研安排如下。",
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let doc = res.json()["id"].as_i64().unwrap();
    let signer = app.post_of("zhuren").await;
    let res = app
        .api(
            "POST",
            &format!("/api/v1/documents/{doc}/submit"),
            &mishu,
            Some(json!({"signoff_post": signer})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    app.exec(&format!(
        "update documents set classification = 'confidential' where id = {doc}"
    ))
    .await;
    res.json()["case_id"].as_i64().unwrap()
}

on_both_engines!(
    a_county_supervision_section_cannot_reach_up_to_the_city_by_lead_assist_or_source,
    |app: TestApp| async move {
        let city_case = city_classified_case(&app).await;
        let sup_login = app.login_in(COUNTY_OFFICE, "督查股", "section_chief").await;
        let sup_post = app.post_of(&sup_login).await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        let unit_of = |post: i64| {
            let app = &app;
            async move {
                app.scalar(&format!("select unit_id from posts where id = {post}"))
                    .await
            }
        };
        let mayor = app.post_of("shizhang").await;
        let mayor_unit = unit_of(mayor).await;
        let staff = app
            .post_of(&app.login_in(COUNTY_OFFICE, "综合股", "staff").await)
            .await;
        let staff_unit = unit_of(staff).await;
        let info = app
            .post_of(&app.login_in(COUNTY_OFFICE, "信息股", "staff").await)
            .await;
        let info_unit = unit_of(info).await;
        let base = json!({"source_kind": "meeting", "title": "落实市领导调研要求", "content": "按要求落实",
                          "lead_unit": staff_unit, "lead_post": staff, "deadline_days": 10});
        let before = written(&app).await;
        let attempts: [(&str, Value, &str); 6] = [
            // The 市长 as lead, under his own unit or slipped under a county section.
            (
                "lead_unit",
                json!({"lead_unit": mayor_unit, "lead_post": mayor}),
                "本级政府",
            ),
            ("lead_post", json!({"lead_post": mayor}), "在岗人员"),
            // The city's government or the 市长 as an assisting post.
            (
                "assists",
                json!({"assists": [{"unit": mayor_unit, "post": mayor}]}),
                "本级政府",
            ),
            (
                "assists",
                json!({"assists": [{"unit": info_unit, "post": mayor}]}),
                "在岗人员",
            ),
            // A city 机密 case as the source, and one that does not exist: the same answer.
            (
                "source_case_id",
                json!({"source_kind": "instruction", "source_leader": "市长",
                                      "source_case_id": city_case}),
                "无权查看",
            ),
            (
                "source_case_id",
                json!({"source_case_id": city_case + 100_000}),
                "无权查看",
            ),
        ];
        for (field, change, says) in attempts {
            let mut body = base.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let res = app
                .api("POST", "/api/v1/supervision", &sup, Some(body))
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}: {}",
                res.body
            );
            assert_eq!(res.content_type(), "application/problem+json");
            assert_eq!(res.json()["field"], field, "{}", res.body);
            assert!(res.body.contains(says), "{field}: {}", res.body);
        }
        // Nor may it draft an item from the city case's instruction.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/supervision/instruction/{city_case}"),
                &sup,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(!res.body.contains("调研"), "{}", res.body);
        assert_eq!(written(&app).await, before, "nothing written");

        // A county 收文 classified 秘密: linkable only once the section's post is cleared for it.
        let clerk = app
            .token_for(
                &app.login_in(COUNTY_OFFICE, "秘书股", "clerk").await,
                &SCOPES,
            )
            .await;
        let mut paper = paper();
        paper["sender_number"] = json!("东交发〔2026〕32号");
        let res = app
            .api("POST", "/api/v1/documents/incoming", &clerk, Some(paper))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let county_case = app
            .scalar(&format!("select case_id from documents where id = {doc}"))
            .await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {sup_post}"
        ))
        .await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        // Led by a post cleared for the source's 秘密 (a 非密 lead is refused: `clearance.rs`).
        let guzhang = app
            .post_of(&app.login_in(COUNTY_OFFICE, "秘书股", "section_chief").await)
            .await;
        let mut body = base.clone();
        body["lead_unit"] = json!(unit_of(guzhang).await);
        body["lead_post"] = json!(guzhang);
        body["source_case_id"] = json!(county_case);
        let items = app.count("supervision_items").await;
        let res = app
            .api("POST", "/api/v1/supervision", &sup, Some(body.clone()))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["field"], "source_case_id");
        assert_eq!(app.count("supervision_items").await, items);
        app.exec(&format!(
            "update posts set clearance = 'secret' where id = {sup_post}"
        ))
        .await;
        let sup = app.token_for(&sup_login, &SCOPES).await;
        let res = app
            .api("POST", "/api/v1/supervision", &sup, Some(body))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from supervision_items where source_case_id = {county_case}"
            ))
            .await,
            1
        );
    }
);

on_both_engines!(
    administrators_posts_read_no_documents_or_cases_and_cannot_be_given_business_work,
    |app: TestApp| async move {
        // A 秘密 notice of the city office, at the 主任's 签发.
        let case = city_classified_case(&app).await;
        let doc = app
            .scalar(&format!("select id from documents where case_id = {case}"))
            .await;
        for login in ["sysadmin", "secadmin", "auditor"] {
            app.login_as(login).await;
            let me = app.session_json("GET", "/api/v1/me", None).await.body;
            assert!(!me.contains("flow.work"), "{login}: {me}");
            for path in [
                format!("/api/v1/documents/{doc}"),
                format!("/api/v1/cases/{case}"),
            ] {
                let res = app.session_json("GET", &path, None).await;
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "{login} {path}: {}",
                    res.body
                );
                assert!(!res.body.contains("调研"), "{}", res.body);
            }
            assert_eq!(
                app.get(&format!("/cases/{case}")).await.status,
                StatusCode::FORBIDDEN,
                "{login}"
            );
        }
        // A database from before: the auditor's post still holds the staff role. It works no
        // business all the same.
        let auditor = app.post_of("auditor").await;
        app.exec(&format!(
            "insert into post_roles (post_id, role_id) values ({auditor}, (select id from roles where code = 'staff'))"
        ))
        .await;
        app.login_as("auditor").await;
        let res = app
            .session_json("GET", &format!("/api/v1/documents/{doc}"), None)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        app.exec(&format!(
            "delete from post_roles where post_id = {auditor} and role_id = (select id from roles where code = 'staff')"
        ))
        .await;

        // The system administrator gives himself a post in a county: refused, as is any change
        // to an administrator's account from the pages or the API.
        let sysadmin = app.post_of("sysadmin").await;
        let sysadmin_person = app.person_id("sysadmin").await;
        let county_office = app.unit_id(COUNTY_OFFICE).await;
        let director = app
            .scalar("select id from positions where code = 'director'")
            .await;
        let posts = app.count("posts").await;
        app.login_as("sysadmin").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/posts",
                Some(
                    json!({"person_id": sysadmin_person, "unit_id": county_office,
                            "position_id": director}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert_eq!(res.content_type(), "application/problem+json");
        assert!(res.body.contains("服务器控制台"), "{}", res.body);
        assert_eq!(app.count("posts").await, posts, "nothing written");
        // A post he makes for someone else carries no role, so no business work, until the
        // security administrator grants one.
        let mishu = app.person_id("mishu").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/posts",
                Some(
                    json!({"person_id": mishu, "unit_id": county_office, "position_id": director}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["roles"], json!([]), "{}", res.body);

        // The security administrator cannot give the system administrator's post business
        // work, nor change his account at all.
        let roles_of = |post: i64| {
            let app = &app;
            async move {
                app.scalar(&format!(
                    "select count(*) from post_roles where post_id = {post}"
                ))
                .await
            }
        };
        let held = roles_of(sysadmin).await;
        let staff = app
            .scalar("select id from roles where code = 'staff'")
            .await;
        let sys = app
            .scalar("select id from roles where code = 'system_admin'")
            .await;
        app.login_as("secadmin").await;
        let res = app
            .session_json(
                "PUT",
                &format!("/api/v1/posts/{sysadmin}/access"),
                Some(json!({"role_ids": [staff, sys], "clearance": "secret"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert_eq!(res.content_type(), "application/problem+json");
        assert!(res.body.contains("服务器控制台"), "{}", res.body);
        assert_eq!(roles_of(sysadmin).await, held, "nothing written");
        // On an ordinary post, an administrator's role with business work is refused too.
        let wenshu = app.post_of("wenshu").await;
        let res = app
            .session_json(
                "PUT",
                &format!("/api/v1/posts/{wenshu}/access"),
                Some(json!({"role_ids": [staff, sys], "clearance": "secret"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("不能同时办理业务"), "{}", res.body);
    }
);

on_both_engines!(
    a_classified_draft_goes_to_no_signer_or_countersigner_cleared_below_it,
    |app: TestApp| async move {
        // The 秘书 (秘密) drafts a 秘密 notice.
        let mishu = app.token_for("mishu", &SCOPES).await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &mishu,
                Some(
                    json!({"kind": "notice", "title": "关于应急指挥调度安排的通知",
                            "classification": "secret", "secrecy_term": "1年",
                            "body": "应急指挥调度安排如下。"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        // A deputy director among the signers the page offers, whose post is cleared for 非密
        // only; a post of the office cleared for 非密 only, as countersigner.
        let deputy = app
            .scalar("select id from posts where title = '副主任（分管后勤）' order by id limit 1")
            .await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {deputy}"
        ))
        .await;
        let uncleared = app
            .scalar(
                "select p.id from posts p join units s on s.id = p.unit_id
                 join units o on o.id = s.parent_id
                 where o.name = '东川市人民政府办公室' and p.clearance = 'public'
                 order by p.id limit 1",
            )
            .await;
        let zhuren = app.post_of("zhuren").await;
        let before = written(&app).await;
        let attempts = [
            (json!({"signoff_post": deputy}), "signoff_post", "「签发」"),
            (
                json!({"signoff_post": zhuren, "countersign_posts": [uncleared]}),
                "countersign_posts",
                "「会签」",
            ),
        ];
        for (body, field, step) in attempts {
            let res = app
                .api(
                    "POST",
                    &format!("/api/v1/documents/{doc}/submit"),
                    &mishu,
                    Some(body),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            let problem = res.json();
            assert_eq!(problem["field"], field, "{problem}");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(step), "{detail}");
            assert!(
                detail.contains("非密") && detail.contains("秘密"),
                "{detail}"
            );
            assert!(detail.contains("本次未提交"), "{detail}");
        }
        assert_eq!(written(&app).await, before, "nothing was written");
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from documents where id = {doc} and case_id is null"
            ))
            .await,
            1,
            "the draft is still a draft"
        );
        // A signer cleared for it takes it.
        let res = app
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/submit"),
                &mishu,
                Some(json!({"signoff_post": zhuren})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
);

on_both_engines!(
    a_classified_document_reaches_no_holder_the_rules_find_below_its_level,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let county = app.unit_id("清河县人民政府").await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &mishu,
                Some(
                    json!({"kind": "notice", "title": "关于应急物资储备点调整的通知",
                            "classification": "secret", "secrecy_term": "1年",
                            "main_recipients": [{"unit_id": county, "name": "清河县人民政府"}],
                            "body": "各县（区）人民政府：\n应急物资储备点调整如下。"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let signer = app.post_of("zhuren").await;
        let submit_path = format!("/api/v1/documents/{doc}/submit");
        let submit = || {
            app.api(
                "POST",
                &submit_path,
                &mishu,
                Some(json!({"signoff_post": signer})),
            )
        };
        let refused = |res: &crate::support::Res, step: &str| {
            assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
            let detail = res.json()["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains(step), "{detail}");
            assert!(
                detail.contains("非密") && detail.contains("秘密"),
                "{detail}"
            );
        };
        // 核稿 goes by rule to the section's 科长; her post cleared for 非密 only: not submitted.
        let chief = app
            .scalar(&format!(
                "select p.id from posts p join persons r on r.id = p.person_id
                 where r.login = 'kezhang' and p.unit_id = (select unit_id from posts where id = {})",
                app.post_of("mishu").await
            ))
            .await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {chief}"
        ))
        .await;
        let before = written(&app).await;
        refused(&submit().await, "「核稿」");
        assert_eq!(written(&app).await, before, "nothing was written");
        app.exec(&format!(
            "update posts set clearance = 'secret' where id = {chief}"
        ))
        .await;
        let res = submit().await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        app.complete_ok(&kezhang, case, "同意", "", json!({})).await;

        // 复核 goes by rule to the registry's clerks (any one of them): a clerk cleared for 非密
        // only is passed over while a cleared one remains …
        let clerk = app.post_of("wenshu").await;
        let others = format!(
            "position_id = (select position_id from posts where id = {clerk})
             and unit_id = (select unit_id from posts where id = {clerk}) and active = 1
             and id <> {clerk}"
        );
        assert!(
            app.scalar(&format!("select count(*) from posts where {others}"))
                .await
                >= 1,
            "the registry has more than one clerk"
        );
        app.exec(&format!(
            "update posts set clearance = 'secret' where id = {clerk}"
        ))
        .await;
        app.exec(&format!(
            "update posts set clearance = 'public' where {others}"
        ))
        .await;
        // … and with none cleared, the 主任's 签发 is refused naming the step and a clerk, and
        // the case stays at 签发.
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {clerk}"
        ))
        .await;
        let before = written(&app).await;
        let res = app
            .complete(&zhuren, case, "同意", "同意印发", json!({}))
            .await;
        refused(&res, "「复核」");
        assert_eq!(written(&app).await, before, "nothing was written");
        assert!(
            app.task_of(&zhuren, case).await.is_some(),
            "签发 is still open"
        );
        app.exec(&format!(
            "update posts set clearance = 'secret' where id = {clerk}"
        ))
        .await;
        app.complete_ok(&zhuren, case, "同意", "同意印发", json!({}))
            .await;
        let recheck = format!("from tasks where case_id = {case} and step_id = 'recheck'");
        assert_eq!(app.scalar(&format!("select count(*) {recheck}")).await, 1);
        assert_eq!(
            app.scalar(&format!("select post_id {recheck}")).await,
            clerk,
            "复核 only with the cleared clerk"
        );
    }
);
