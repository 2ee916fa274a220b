//! 调研 (issue 21, items 7–10): a topic's whole life — proposed by a section, taken into the
//! year's plan by the office's 主任, field work with a leader on the team's and the leader's
//! schedules, the report returned and then submitted, a leader's 批示 turned into a 督办 item
//! linked both ways, closed as converted into a 发文 — and the figures that count it; topics
//! of the city office answer 404 to a bureau and to a county; bad input is refused in Chinese
//! and writes nothing.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

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

async fn refused(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Value,
    status: StatusCode,
    words: &str,
) {
    let res = app.api("POST", path, token, Some(body)).await;
    assert_eq!(res.status, status, "{path}: {}", res.body);
    assert!(res.body.contains(words), "{path}: {}", res.body);
}

/// The login of a post alone in a section of the city office.
async fn city_section_login(app: &TestApp, section: &str) -> String {
    app.text(&format!(
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units o on o.id = s.parent_id
         join positions q on q.id = p.position_id
         where o.name = '东川市人民政府办公室' and s.name = '{section}'
           and (select count(*) from posts x where x.person_id = pe.id) = 1
         order by q.rank, p.id limit 1"
    ))
    .await
}

/// A topic proposed by 秘书一科's chief, led by its 秘书, with a 调研科 member; answers its id.
async fn proposed(app: &TestApp, kezhang: &str) -> i64 {
    let mishu = app.post_of("mishu").await;
    let diaoyan = city_section_login(app, "调研科").await;
    let member = app.post_of(&diaoyan).await;
    ok(
        app,
        "POST",
        "/api/v1/research",
        kezhang,
        Some(json!({"title": "关于农村寄递物流体系建设情况的调研",
            "questions": "一、寄递网点覆盖情况；二、群众取件是否方便。",
            "origin": "own", "timing": "before", "lead_post": mishu, "members": [member],
            "starts_on": "2026-11-02", "due_on": "2026-12-31"})),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

on_both_engines!(a_topic_lives_from_proposal_to_a_document, full_life);
async fn full_life(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let shizhang = app.token_for("shizhang", &SCOPES).await;
    let duchake = city_section_login(&app, "督查科").await;
    let duchake = app.token_for(&duchake, &SCOPES).await;
    let id = proposed(&app, &kezhang).await;
    let base = format!("/api/v1/research/{id}");
    let t = ok(&app, "GET", &base, &mishu, None).await;
    assert_eq!(t["topic"]["state"], "proposed");
    assert_eq!(t["members"].as_array().unwrap().len(), 2, "{t}");
    // Only the office's 主任/副主任 decide on the plan; the lead cannot start before.
    let res = app
        .api(
            "POST",
            &format!("{base}/decision"),
            &kezhang,
            Some(json!({"approve": true})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    refused(
        &app,
        &format!("{base}/start"),
        &mishu,
        json!({}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "不能改为",
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/decision"),
        &zhuren,
        Some(json!({"approve": true, "note": "列入年度计划"})),
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/start"),
        &mishu,
        Some(json!({})),
    )
    .await;
    // A visit with the mayor: on the 秘书's schedule and the mayor's 领导日程.
    let mayor = app.post_of("shizhang").await;
    let me = app.post_of("mishu").await;
    ok(
        &app,
        "POST",
        &format!("{base}/visits"),
        &mishu,
        Some(
            json!({"kind": "forum", "starts_at": "2026-11-27 09:00", "ends_at": "2026-11-27 11:30",
            "place": "清河县河口镇", "people_met": "镇村干部、快递网点负责人",
            "notes": "网点覆盖全部行政村，但偏远村取件仍需往返十公里。", "people": [me, mayor]}),
        ),
    )
    .await;
    assert_eq!(
        app.scalar(&format!(
            "select count(*) from schedule_entries where kind = 'research' and title like '%寄递%' and leader_post_id in ({me}, {mayor})"
        ))
        .await,
        2
    );
    let week = ok(
        &app,
        "GET",
        &format!("/api/v1/schedule?leader={mayor}&week=2026-11-27"),
        &shizhang,
        None,
    )
    .await;
    assert!(week.to_string().contains("清河县河口镇"), "{week}");
    // The report: returned once by the section chief, then submitted to the leaders.
    ok(&app, "POST", &format!("{base}/report"), &mishu,
        Some(json!({"title": "关于农村寄递物流体系建设情况的调研报告", "body": "一、基本情况……", "submit": true}))).await;
    refused(
        &app,
        &format!("{base}/review"),
        &kezhang,
        json!({"approve": false}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "理由",
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/review"),
        &kezhang,
        Some(json!({"approve": false, "note": "请补充数据"})),
    )
    .await;
    let t = ok(&app, "GET", &base, &mishu, None).await;
    assert_eq!(t["report"]["state"], "draft");
    assert_eq!(t["may_write"], true);
    ok(&app, "POST", &format!("{base}/report"), &mishu,
        Some(json!({"title": "关于农村寄递物流体系建设情况的调研报告", "body": "一、基本情况（补充数据）……", "submit": true}))).await;
    ok(
        &app,
        "POST",
        &format!("{base}/review"),
        &kezhang,
        Some(json!({"approve": true})),
    )
    .await;
    // A leader's 批示 becomes a 督办 item in one step, linked both ways.
    let instruction = ok(
        &app,
        "POST",
        &format!("{base}/instructions"),
        &shizhang,
        Some(json!({"text": "请市邮政管理局会同各县抓紧补齐偏远村寄递短板。"})),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .api(
            "POST",
            &format!("{base}/supervise"),
            &mishu,
            Some(json!({"instruction_id": instruction})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let item = ok(
        &app,
        "POST",
        &format!("{base}/supervise"),
        &duchake,
        Some(json!({"instruction_id": instruction, "deadline_days": 15})),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .api(
            "POST",
            &format!("{base}/supervise"),
            &duchake,
            Some(json!({"instruction_id": instruction})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let t = ok(&app, "GET", &base, &mishu, None).await;
    assert_eq!(t["instructions"][0]["supervision_item_id"], item, "{t}");
    let sv = ok(
        &app,
        "GET",
        &format!("/api/v1/supervision/{item}"),
        &duchake,
        None,
    )
    .await;
    assert_eq!(sv["source_research"][0], id, "{sv}");
    assert!(
        sv["source_label"].as_str().unwrap().contains("批示"),
        "{sv}"
    );
    assert!(
        sv["source_text"].as_str().unwrap().contains("偏远村"),
        "{sv}"
    );
    // Closed as converted into an outgoing document of the office.
    let case = app
        .notice_at_the_director("关于加快农村寄递物流体系建设的通知", None)
        .await;
    let doc = app
        .scalar(&format!("select id from documents where case_id = {case}"))
        .await;
    ok(
        &app,
        "POST",
        &format!("{base}/close"),
        &mishu,
        Some(json!({"outcome": "document", "document_id": doc, "note": "据此起草通知"})),
    )
    .await;
    let t = ok(&app, "GET", &base, &zhuren, None).await;
    assert_eq!(t["topic"]["state"], "closed");
    assert_eq!(t["outcome_document"][0], doc, "{t}");
    assert_eq!(t["on_time"], true);
    // The figures count it: stored for the month, shown for the year.
    let f = ok(
        &app,
        "GET",
        "/api/v1/research/figures?year=2026",
        &zhuren,
        None,
    )
    .await;
    let total = &f["total"];
    assert_eq!(total["opened"], 1, "{f}");
    assert_eq!(total["own_share"], "100%", "{f}");
    assert_eq!(total["before_share"], "100%", "{f}");
    assert_eq!(total["closed_on_time"], 1, "{f}");
    assert_eq!(total["reports_instructed"], 1, "{f}");
    assert_eq!(total["converted"], 1, "{f}");
    assert_eq!(
        app.scalar(
            "select f.converted from research_figures f join units u on u.id = f.unit_id
             where f.month = '2026-11' and u.name = '秘书一科'"
        )
        .await,
        1
    );
    let list = ok(
        &app,
        "GET",
        "/api/v1/research?year=2026&state=closed",
        &kezhang,
        None,
    )
    .await;
    assert_eq!(list["topics"][0]["id"], id, "{list}");
    // The topic page shows the 督办 item; the supervision page links back.
    app.login_as("mishu").await;
    let page = app.get(&format!("/research/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/supervision/{item}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("转化为文件"));
}

on_both_engines!(other_units_and_counties_find_nothing, scoped);
async fn scoped(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let id = proposed(&app, &kezhang).await;
    let bureau = app
        .text(
            "select pe.login from persons pe join posts p on p.person_id = pe.id
             join units s on s.id = p.unit_id join units b on b.id = s.parent_id
             where b.kind = 'bureau' order by p.id limit 1",
        )
        .await;
    for login in [bureau.as_str(), "qinghe.wenshu", "qinghe.xianzhang"] {
        let t = app.token_for(login, &SCOPES).await;
        let res = app
            .api("GET", &format!("/api/v1/research/{id}"), &t, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{login}: {}", res.body);
        let res = app
            .api(
                "POST",
                &format!("/api/v1/research/{id}/decision"),
                &t,
                Some(json!({"approve": true})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{login}: {}", res.body);
        let list = ok(&app, "GET", "/api/v1/research", &t, None).await;
        assert!(
            list["topics"].as_array().unwrap().is_empty(),
            "{login}: {list}"
        );
    }
    // The county's own topic is not the city's either.
    let county = app
        .login_in("清河县人民政府办公室", "秘书股", "section_chief")
        .await;
    let ct = app.token_for(&county, &SCOPES).await;
    let cid = ok(
        &app,
        "POST",
        "/api/v1/research",
        &ct,
        Some(
            json!({"title": "县级课题", "questions": "问题", "origin": "own", "timing": "after",
            "starts_on": "2026-11-02", "due_on": "2026-12-01"}),
        ),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .api("GET", &format!("/api/v1/research/{cid}"), &kezhang, None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}

on_both_engines!(
    bad_input_is_refused_in_chinese_and_writes_nothing,
    bad_input
);
async fn bad_input(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let good = json!({"title": "课题", "questions": "问题", "origin": "own", "timing": "before",
        "starts_on": "2026-11-02", "due_on": "2026-12-01"});
    let mut b = good.clone();
    b["due_on"] = json!("2026-10-01");
    refused(
        &app,
        "/api/v1/research",
        &kezhang,
        b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "不能早于",
    )
    .await;
    let mut b = good.clone();
    b["origin"] = json!("assigned");
    refused(
        &app,
        "/api/v1/research",
        &kezhang,
        b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "交办的领导",
    )
    .await;
    let mut b = good.clone();
    b["title"] = json!(" ");
    refused(
        &app,
        "/api/v1/research",
        &kezhang,
        b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "课题名称",
    )
    .await;
    let mut b = good.clone();
    b["members"] = json!([app.post_of("qinghe.wenshu").await]);
    refused(
        &app,
        "/api/v1/research",
        &kezhang,
        b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "本级政府",
    )
    .await;
    assert_eq!(app.count("research_topics").await, 0);
    let id = proposed(&app, &kezhang).await;
    let base = format!("/api/v1/research/{id}");
    refused(
        &app,
        &format!("{base}/decision"),
        &zhuren,
        json!({"approve": false}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "理由",
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/decision"),
        &zhuren,
        Some(json!({"approve": true})),
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/start"),
        &mishu,
        Some(json!({})),
    )
    .await;
    refused(
        &app,
        &format!("{base}/visits"),
        &mishu,
        json!({"kind": "visit", "starts_at": "2026-11-27 11:00", "ends_at": "2026-11-27 09:00",
            "place": "某村", "notes": "记录"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "晚于",
    )
    .await;
    refused(
        &app,
        &format!("{base}/visits"),
        &mishu,
        json!({"kind": "visit", "starts_at": "2026-11-27 09:00", "ends_at": "2026-11-27 11:00",
            "place": "某村", "notes": "记录", "people": [app.post_of("qinghe.wenshu").await]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "参加人员",
    )
    .await;
    assert_eq!(app.count("research_visits").await, 0);
    assert_eq!(
        app.scalar("select count(*) from schedule_entries where title like '%寄递%'")
            .await,
        0
    );
    refused(
        &app,
        &format!("{base}/close"),
        &mishu,
        json!({"outcome": "none"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "报送领导后",
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/report"),
        &mishu,
        Some(json!({"title": "报告", "body": "正文", "submit": true})),
    )
    .await;
    ok(
        &app,
        "POST",
        &format!("{base}/review"),
        &zhuren,
        Some(json!({"approve": true})),
    )
    .await;
    refused(
        &app,
        &format!("{base}/close"),
        &mishu,
        json!({"outcome": "document"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "发文",
    )
    .await;
    refused(
        &app,
        &format!("{base}/close"),
        &mishu,
        json!({"outcome": "document", "document_id": 999_999}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "发文不存在",
    )
    .await;
    refused(
        &app,
        &format!("{base}/close"),
        &mishu,
        json!({"outcome": "decision", "decision_id": 999_999}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "议定事项",
    )
    .await;
    refused(
        &app,
        &format!("{base}/instructions"),
        &zhuren,
        json!({"text": ""}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "批示内容",
    )
    .await;
    // The page says it in Chinese too.
    app.login_as("mishu").await;
    let csrf = app.csrf().await;
    let res = app
        .post_form(
            &format!("/research/{id}/close"),
            &[("_csrf", &csrf), ("outcome", "document")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("发文"), "{}", res.body);
    let t = ok(&app, "GET", &base, &mishu, None).await;
    assert_eq!(t["topic"]["state"], "reporting");
}

on_both_engines!(the_demo_research_loads_through_the_services, demo);
async fn demo(app: TestApp) {
    let made = app
        .services()
        .load_demo_research(app.clock.now())
        .await
        .unwrap();
    assert_eq!(made, 12);
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let list = ok(&app, "GET", "/api/v1/research", &zhuren, None).await;
    assert_eq!(list["topics"].as_array().unwrap().len(), 12, "{list}");
    let states: Vec<&str> = list["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s[2].as_i64().unwrap() > 0)
        .map(|s| s[0].as_str().unwrap())
        .collect();
    for s in ["proposed", "declined", "active", "reporting", "closed"] {
        assert!(states.contains(&s), "{s}: {list}");
    }
    assert!(app.count("research_figures").await > 0);
    assert_eq!(
        app.scalar(
            "select count(*) from research_instructions where supervision_item_id is not null"
        )
        .await,
        1
    );
}
