//! 学习 (issue 22, items 8–10): a material's required readers and their reading record (the
//! minutes from opening to marking read, within the declared time); a county sees the city's
//! internal materials only when required; a 学习会 signs in by a short-lived code (an expired
//! one refused) or by the staff and takes each attendee's 心得; a month's study minutes equal a
//! hand computation, and the evaluation's 学习时长 factor equals them and moves the total by its
//! weight; a training takes registrations from a county and records attendance.

use axum::http::StatusCode;
use chrono::Duration;
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

async fn status(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let res = app.api(method, path, token, body).await;
    (res.status, res.body)
}

fn material(title: &str, grade: &str, audience: &str, units: &[i64], posts: &[i64]) -> Value {
    json!({"title": title, "topic": "业务知识", "grade": grade, "audience": audience,
           "body": format!("{title}的正文。"), "reading_minutes": 30,
           "reader_units": units, "reader_posts": posts})
}

fn titles(list: &Value) -> Vec<String> {
    list["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_owned())
        .collect()
}

/// A post of a city bureau's office: another unit of the same government.
async fn bureau_login(app: &TestApp) -> String {
    app.text(
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units b on b.id = s.parent_id
         where b.kind = 'bureau' order by p.id limit 1",
    )
    .await
}

async fn section_of(app: &TestApp, post: i64) -> i64 {
    app.scalar(&format!("select unit_id from posts where id = {post}"))
        .await
}

on_both_engines!(
    a_required_material_is_read_and_a_county_sees_only_what_it_may,
    required_readers
);
async fn required_readers(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let county = app.token_for("qinghe.wenshu", &SCOPES).await;
    let mishu_post = app.post_of("mishu").await;
    let county_post = app.post_of("qinghe.wenshu").await;
    let section = section_of(&app, mishu_post).await;

    // A 秘书 may not add materials; the 科长 adds one for the section, one for a county post,
    // and one shared with the counties.
    let (s, _) = status(
        &app,
        "POST",
        "/api/v1/study/materials",
        &mishu,
        Some(material("不可添加", "fine", "office", &[], &[])),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let internal = ok(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(material("公文处理要点", "fine", "office", &[section], &[])),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let for_county = ok(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(material(
            "信息报送规范",
            "general",
            "office",
            &[],
            &[county_post],
        )),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let shared = ok(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(material("政务服务案例", "general", "counties", &[], &[])),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // A classified material names posts, never units.
    let mut secret = material("涉密材料", "fine", "office", &[section], &[]);
    secret["classification"] = json!("secret");
    let (s, _) = status(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(secret),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The 秘书 is required: it comes first in her library; she opens it, reads for 12 minutes
    // and a second, and marks it read: 13 minutes count (rounded up, within the 30 declared).
    let lib = ok(&app, "GET", "/api/v1/study/materials", &mishu, None).await;
    assert_eq!(titles(&lib)[0], "公文处理要点", "{lib}");
    assert_eq!(lib["materials"][0]["required"], true);
    let view = ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{internal}"),
        &mishu,
        None,
    )
    .await;
    assert!(view["read_at"].is_null());
    assert!(
        view["readers"].is_null(),
        "a reader does not see the others: {view}"
    );
    app.clock
        .advance(Duration::minutes(12) + Duration::seconds(1));
    let read = ok(
        &app,
        "POST",
        &format!("/api/v1/study/materials/{internal}/read"),
        &mishu,
        None,
    )
    .await;
    assert_eq!(read["minutes"], 13);
    let (s, body) = status(
        &app,
        "POST",
        &format!("/api/v1/study/materials/{internal}/read"),
        &mishu,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");

    // Whoever added it sees every required reader of the section: the 秘书 read, the rest not.
    let view = ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{internal}"),
        &kezhang,
        None,
    )
    .await;
    let readers = view["readers"].as_array().unwrap();
    let in_section = app
        .scalar(&format!(
            "select count(*) from posts p where p.unit_id = {section} and p.active = 1
             and exists (select 1 from post_roles pr join role_permissions rp on rp.role_id = pr.role_id
                         where pr.post_id = p.id and rp.permission = 'flow.work')"
        ))
        .await;
    assert_eq!(readers.len() as i64, in_section, "{view}");
    let me = readers.iter().find(|r| r["post_id"] == mishu_post).unwrap();
    assert_eq!(me["minutes"], 13);
    assert!(me["read_at"].is_string());
    assert_eq!(
        readers.iter().filter(|r| r["read_at"].is_string()).count(),
        1
    );

    // The county: not the city's internal material (404 as for a missing one); the one it is
    // required to read and the one shared with the counties, yes.
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{internal}"),
        &county,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let lib = ok(&app, "GET", "/api/v1/study/materials", &county, None).await;
    let t = titles(&lib);
    assert!(!t.contains(&"公文处理要点".to_owned()), "{t:?}");
    assert!(
        t.contains(&"信息报送规范".to_owned()) && t.contains(&"政务服务案例".to_owned()),
        "{t:?}"
    );
    // An internal material the county is named to read says it is not the office's alone.
    let named = ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{for_county}"),
        &county,
        None,
    )
    .await;
    assert_eq!(
        named["audience_label"], "本办内部及指定的外单位阅读人员",
        "{named}"
    );
    let shared_view = ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{shared}"),
        &county,
        None,
    )
    .await;
    assert_eq!(shared_view["audience_label"], "本办及县（区）办");
    let own = ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{internal}"),
        &kezhang,
        None,
    )
    .await;
    assert_eq!(
        own["audience_label"], "本办内部",
        "a section named inside the office"
    );
    // A city bureau's office sees none of them.
    let bureau = app.token_for(&bureau_login(&app).await, &SCOPES).await;
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{shared}"),
        &bureau,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn at(app: &TestApp, minutes: i64) -> String {
    (app.clock.now() + Duration::minutes(minutes)).to_rfc3339()
}

on_both_engines!(
    a_session_signs_in_by_code_refuses_an_expired_code_and_takes_each_reflection,
    session_sign_in
);
async fn session_sign_in(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let county = app.token_for("qinghe.wenshu", &SCOPES).await;
    let kezhang_post = app.post_of("kezhang").await;
    let wenshu_post = app.post_of("wenshu").await;
    let fine = ok(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(material("精品材料一", "fine", "office", &[], &[])),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // An 分析会 is held on 一般材料 only.
    let (s, body) = status(
        &app,
        "POST",
        "/api/v1/study/sessions",
        &kezhang,
        Some(json!({
        "kind": "analysis", "title": "错配", "starts_at": at(&app, 30), "ends_at": at(&app, 120),
        "speaker_post_id": kezhang_post, "material_ids": [fine]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let id = ok(
        &app,
        "POST",
        "/api/v1/study/sessions",
        &kezhang,
        Some(json!({
        "kind": "study", "title": "学习公文处理要点", "place": "三楼会议室",
        "starts_at": at(&app, 30), "ends_at": at(&app, 120),
        "speaker_post_id": kezhang_post, "material_ids": [fine]})),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Only the organiser shows the code; the county does not see the session at all.
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}/code"),
        &mishu,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}"),
        &county,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let code = ok(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}/code"),
        &kezhang,
        None,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = status(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/checkin"),
        &mishu,
        Some(json!({"code": "000000"}).to_owned()),
    )
    .await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY || code == "000000");
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/checkin"),
        &mishu,
        Some(json!({"code": code})),
    )
    .await;

    // The 主任 types the code three minutes later: expired, refused in words.
    app.clock.advance(Duration::minutes(3));
    let res = app
        .api(
            "POST",
            &format!("/api/v1/study/sessions/{id}/checkin"),
            &zhuren,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(res.json()["code"], "study.code_expired", "{}", res.body);
    let fresh = ok(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}/code"),
        &kezhang,
        None,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/checkin"),
        &zhuren,
        Some(json!({"code": fresh})),
    )
    .await;
    // The staff sign the 文书 in by hand.
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/attendance"),
        &kezhang,
        Some(json!({"post_id": wenshu_post})),
    )
    .await;

    // A 心得 waits for the start; then it is kept and shown.
    let (s, _) = status(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/reflection"),
        &mishu,
        Some(json!({"text": "收获很多"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    app.clock.advance(Duration::minutes(30));
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/reflection"),
        &mishu,
        Some(json!({"text": "公文处理要把握时限和格式。"})),
    )
    .await;
    let v = ok(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}"),
        &kezhang,
        None,
    )
    .await;
    let attendees = v["attendees"].as_array().unwrap();
    let signed: Vec<&Value> = attendees
        .iter()
        .filter(|a| a["signed_in_at"].is_string())
        .collect();
    assert_eq!(signed.len(), 3, "{v}");
    let mishu_post = app.post_of("mishu").await;
    let me = attendees
        .iter()
        .find(|a| a["post_id"] == mishu_post)
        .unwrap();
    assert_eq!(me["reflection"], "公文处理要把握时限和格式。");
    assert_eq!(me["method"], "签到码签到");
    // After the end sign-in is closed.
    app.clock.advance(Duration::minutes(90));
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}/code"),
        &kezhang,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

on_both_engines!(
    a_months_study_hours_equal_a_hand_computation_and_weigh_in_the_evaluation,
    hours_and_evaluation
);
async fn hours_and_evaluation(app: TestApp) {
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let mishu = app.token_for("mishu", &SCOPES).await;
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let kezhang_post = app.post_of("kezhang").await;
    let mishu_post = app.post_of("mishu").await;

    // A 90-minute 学习会 signed in to (26 November), a material read for 13 minutes, and a
    // field visit of 120 minutes on 25 November: 223 minutes in November.
    let m = ok(
        &app,
        "POST",
        "/api/v1/study/materials",
        &kezhang,
        Some(material("材料", "fine", "office", &[], &[mishu_post])),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let id = ok(&app, "POST", "/api/v1/study/sessions", &kezhang, Some(json!({
        "kind": "study", "title": "十一月学习会", "starts_at": at(&app, 10), "ends_at": at(&app, 100),
        "speaker_post_id": kezhang_post, "material_ids": [m]}))).await["id"].as_i64().unwrap();
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/sessions/{id}/attendance"),
        &kezhang,
        Some(json!({"post_id": mishu_post})),
    )
    .await;
    ok(
        &app,
        "GET",
        &format!("/api/v1/study/materials/{m}"),
        &mishu,
        None,
    )
    .await;
    app.clock.advance(Duration::minutes(13));
    ok(
        &app,
        "POST",
        &format!("/api/v1/study/materials/{m}/read"),
        &mishu,
        None,
    )
    .await;
    ok(
        &app,
        "POST",
        "/api/v1/study/visits",
        &kezhang,
        Some(json!({
        "place": "清河县政务服务中心", "visited_on": "2026-11-25", "minutes": 120,
        "learnt": "窗口一次办好的做法。", "people": [mishu_post, kezhang_post]})),
    )
    .await;
    // A 秘书 records only her own visits.
    let (s, _) = status(
        &app,
        "POST",
        "/api/v1/study/visits",
        &mishu,
        Some(json!({
        "place": "某地", "visited_on": "2026-11-25", "minutes": 60, "learnt": "x",
        "people": [kezhang_post]})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let rec = ok(
        &app,
        "GET",
        &format!("/api/v1/study/hours/{mishu_post}?month=2026-11"),
        &mishu,
        None,
    )
    .await;
    let h = &rec["hours"];
    assert_eq!(
        (
            h["session_minutes"].as_i64(),
            h["reading_minutes"].as_i64(),
            h["field_minutes"].as_i64(),
            h["training_minutes"].as_i64(),
            h["total_minutes"].as_i64()
        ),
        (Some(90), Some(13), Some(120), Some(0), Some(223)),
        "{rec}"
    );
    assert_eq!(rec["items"].as_array().unwrap().len(), 3, "{rec}");
    // Stored for the evaluation, as counted.
    assert_eq!(app.scalar(&format!(
        "select total_minutes from study_hours where post_id = {mishu_post} and month = '2026-11'")).await, 223);
    // The 科长 sees the section's hours; the 秘书 only her own.
    let sec = ok(
        &app,
        "GET",
        "/api/v1/study/hours?month=2026-11",
        &kezhang,
        None,
    )
    .await;
    assert!(
        sec["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["post_id"] == mishu_post && p["total_minutes"] == 223),
        "{sec}"
    );
    let own = ok(
        &app,
        "GET",
        "/api/v1/study/hours?month=2026-11",
        &mishu,
        None,
    )
    .await;
    assert_eq!(own["people"].as_array().unwrap().len(), 1);
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/hours/{kezhang_post}?month=2026-11"),
        &mishu,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The evaluation's 学习时长: 223 ÷ 480 × 100 = 46.46, weight 0 by default.
    let hand = (223.0_f64 * 100.0 / 480.0 * 100.0).round() / 100.0;
    let path = format!("/api/v1/evaluations/{mishu_post}?month=2026-11");
    let before = ok(&app, "GET", &path, &zhuren, None).await;
    let f = |e: &Value, code: &str| -> (i64, f64) {
        let x = e["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap();
        (x["weight"].as_i64().unwrap(), x["score"].as_f64().unwrap())
    };
    assert_eq!(f(&before, "study_hours"), (0, hand), "{before}");
    let study = before["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "study_hours")
        .unwrap();
    assert_eq!(study["items"].as_array().unwrap().len(), 3, "{study}");
    assert!(
        !before["not_enabled"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "学习时长")
    );

    // Giving study 10 % (taken from the weekly reports) moves the total by 10 × (study −
    // weekly) ÷ 100.
    ok(&app, "POST", "/api/v1/evaluations/weights", &zhuren, Some(json!({"position": "secretary",
        "weights": {"on_time": 40, "cards": 15, "supervision": 15, "meetings": 15, "weekly_reports": 5, "study_hours": 10}}))).await;
    let after = ok(&app, "GET", &path, &zhuren, None).await;
    assert_eq!(f(&after, "study_hours"), (10, hand));
    let weekly = f(&before, "weekly_reports").1;
    let moved = after["total"].as_f64().unwrap() - before["total"].as_f64().unwrap();
    let expect = 10.0 * (hand - weekly) / 100.0;
    assert!(
        (moved - expect).abs() < 0.011,
        "moved {moved}, expected {expect}"
    );
}

on_both_engines!(
    a_training_takes_registrations_from_a_county_and_records_attendance,
    training
);
async fn training(app: TestApp) {
    let zhuren = app.token_for("zhuren", &SCOPES).await;
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let county = app.token_for("qinghe.wenshu", &SCOPES).await;
    let county_mishu = app.token_for("qinghe.mishu", &SCOPES).await;
    let bureau = app.token_for(&bureau_login(&app).await, &SCOPES).await;
    let county_post = app.post_of("qinghe.wenshu").await;
    let body = json!({"title": "全市政府办公室系统公文写作培训", "place": "市政府二号楼",
        "starts_at": "2026-11-30 09:00", "ends_at": "2026-11-30 12:00", "register_by": "2026-11-28"});
    let (s, _) = status(
        &app,
        "POST",
        "/api/v1/study/trainings",
        &kezhang,
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let id = ok(&app, "POST", "/api/v1/study/trainings", &zhuren, Some(body)).await["id"]
        .as_i64()
        .unwrap();

    // The county's 文书 registers herself; not twice, nor someone else; a bureau never sees it.
    let path = format!("/api/v1/study/trainings/{id}/registrations");
    ok(&app, "POST", &path, &county, Some(json!({}))).await;
    let (s, _) = status(&app, "POST", &path, &county, Some(json!({}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = status(
        &app,
        "POST",
        &path,
        &county_mishu,
        Some(json!({"post_id": county_post})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = status(
        &app,
        "GET",
        &format!("/api/v1/study/trainings/{id}"),
        &bureau,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = status(&app, "POST", &path, &zhuren, Some(json!({}))).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the organising office does not register"
    );

    // Attendance is taken from the start, by the organiser only.
    let attend = format!("/api/v1/study/trainings/{id}/attendance");
    let (s, _) = status(
        &app,
        "POST",
        &attend,
        &zhuren,
        Some(json!({"post_id": county_post})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    app.clock
        .advance(Duration::days(4) - Duration::hours(1) + Duration::minutes(30));
    let (s, _) = status(&app, "POST", &path, &county_mishu, Some(json!({}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "registration closed on the 28th");
    let (s, _) = status(
        &app,
        "POST",
        &attend,
        &county,
        Some(json!({"post_id": county_post})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    ok(
        &app,
        "POST",
        &attend,
        &zhuren,
        Some(json!({"post_id": county_post})),
    )
    .await;
    let v = ok(
        &app,
        "GET",
        &format!("/api/v1/study/trainings/{id}"),
        &zhuren,
        None,
    )
    .await;
    assert!(v["registrations"][0]["attended_at"].is_string(), "{v}");
    let rec = ok(
        &app,
        "GET",
        &format!("/api/v1/study/hours/{county_post}?month=2026-11"),
        &county,
        None,
    )
    .await;
    assert_eq!(rec["hours"]["training_minutes"], 180, "{rec}");
    let list = ok(&app, "GET", "/api/v1/study/trainings", &county, None).await;
    assert_eq!(list[0]["mine"], true);
}

on_both_engines!(
    the_demo_holds_a_year_of_study_and_an_open_session_for_the_secretary,
    demo
);
async fn demo(app: TestApp) {
    let now = app.clock.now();
    let (materials, sessions) = app.services().load_demo_study(now).await.unwrap();
    assert!(materials >= 13 && sessions >= 13, "{materials} {sessions}");
    let mishu = app.token_for("mishu", &SCOPES).await;
    let lib = ok(&app, "GET", "/api/v1/study/materials", &mishu, None).await;
    assert_eq!(titles(&lib)[0], "新修订的公文处理细则要点", "{lib}");
    assert_eq!(lib["materials"][0]["read"], false);
    let list = ok(&app, "GET", "/api/v1/study/sessions", &mishu, None).await;
    let open = &list[0];
    assert_eq!(open["title"], "新修订的公文处理细则解读");
    let id = open["id"].as_i64().unwrap();
    let v = ok(
        &app,
        "GET",
        &format!("/api/v1/study/sessions/{id}"),
        &mishu,
        None,
    )
    .await;
    assert_eq!(v["may_check_in"], true, "{v}");
    // Last month's record has minutes from the demo's sessions and readings.
    let kezhang = app.token_for("kezhang", &SCOPES).await;
    let h = ok(
        &app,
        "GET",
        "/api/v1/study/hours?month=2026-10",
        &kezhang,
        None,
    )
    .await;
    assert!(
        h["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["total_minutes"].as_i64().unwrap() > 90),
        "{h}"
    );
    let t = ok(
        &app,
        "GET",
        "/api/v1/study/trainings",
        &app.token_for("qinghe.zhuren", &SCOPES).await,
        None,
    )
    .await;
    assert_eq!(t[0]["mine"], true, "{t}");
}

on_both_engines!(
    the_forms_name_the_speaker_the_attendees_and_the_people_on_a_visit,
    forms_name_people
);
async fn forms_name_people(app: TestApp) {
    let (zhuren, mishu, kezhang) = (
        app.post_of("zhuren").await,
        app.post_of("mishu").await,
        app.post_of("kezhang").await,
    );
    app.login_as("zhuren").await;
    // The form offers the office's people, the 主任 first.
    let page = app.get("/study/sessions").await;
    assert!(
        page.body.contains("name=\"speaker_post_id\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("name=\"attendee_posts\" value=\"{mishu}\""))
    );
    let (m, k, z) = (mishu.to_string(), kezhang.to_string(), zhuren.to_string());
    let res = app
        .post_form(
            "/study/sessions",
            &[
                ("kind", "analysis"),
                ("title", "信息报送案例分析"),
                ("place", "三楼会议室"),
                ("starts_at", "2026-11-27T15:00"),
                ("ends_at", "2026-11-27T16:30"),
                ("speaker_post_id", &k),
                ("attendee_posts", &m),
                ("attendee_posts", &k),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let session = app.scalar("select max(id) from study_sessions").await;
    assert_eq!(
        app.scalar(&format!(
            "select speaker_post_id from study_sessions where id = {session}"
        ))
        .await,
        kezhang
    );
    let attendees = app
        .texts(&format!(
            "select cast(post_id as text) from study_attendees where session_id = {session} order by post_id"
        ))
        .await;
    let mut want = vec![m.clone(), k.clone()];
    want.sort();
    assert_eq!(attendees, want);
    // A visit recorded for the 主任 and the 秘书.
    let res = app
        .post_form(
            "/study/visits",
            &[
                ("place", "清河县城关镇便民服务中心"),
                ("visited_on", "2026-11-25"),
                ("minutes", "120"),
                ("learnt", "学习了一窗受理、限时办结的做法。"),
                ("people", &z),
                ("people", &m),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        app.count(&format!(
            "study_visit_people where visit_id = (select max(id) from study_visits) and post_id in ({z}, {m})"
        ))
        .await,
        2
    );
    // A 秘书 is offered no one else.
    app.login_as("mishu").await;
    let page = app.get("/study/visits").await;
    assert!(!page.body.contains("name=\"people\""), "{}", page.body);
}
