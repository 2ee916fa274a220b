//! 效能 (issue 23, item 1): one backlog across every area's open steps, each viewer within their
//! scope (the city all counties, a county itself, a section chief the section, anyone else
//! their own), the latest first, ages and lateness in working days.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

fn titles(b: &serde_json::Value) -> Vec<String> {
    b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn backlog(app: &TestApp, token: &str, query: &str) -> serde_json::Value {
    let res = app
        .api(
            "GET",
            &format!("/api/v1/efficiency/backlog{query}"),
            token,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// A login of the city's 督查科 with that one post.
async fn supervisor(app: &TestApp) -> String {
    app.text(
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units o on o.id = s.parent_id
         where o.name = '东川市人民政府办公室' and s.name = '督查科'
           and (select count(*) from posts q where q.person_id = pe.id) = 1
         order by p.id limit 1",
    )
    .await
}

on_both_engines!(
    each_viewer_sees_the_backlog_of_their_scope_across_every_area,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let zhuren = app.token_for("zhuren", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let clerk = app.token_for("qinghe.wenshu", &SCOPES).await;
        // A city request at the 科长, a city 发文 at the 主任, a county 收文 at its clerk.
        app.internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        app.notice_at_the_director("关于做好冬季安全生产工作的通知", Some("secret"))
            .await;
        let res = app
            .api(
                "POST",
                "/api/v1/documents/incoming",
                &clerk,
                Some(
                    json!({"sender_name": "东川市交通运输局", "title": "关于农村公路养护的通知",
                        "kind": "notice", "body": "请做好农村公路养护。"}),
                ),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // The city's 主任 sees all three, the county's among them, each named by its area.
        let b = backlog(&app, &zhuren, "").await;
        let all = titles(&b);
        for t in [
            "关于购置档案柜的请示",
            "关于做好冬季安全生产工作的通知",
            "关于农村公路养护的通知",
        ] {
            assert!(all.iter().any(|x| x == t), "{t} missing from {all:?}");
        }
        assert_eq!(b["scope"], "东川市政府及所属单位", "{b}");
        let county_row = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == "关于农村公路养护的通知")
            .unwrap();
        assert_eq!(county_row["item_kind"], "收文");
        assert_eq!(county_row["area"], "办文");
        // Each row leads to its item: the city's 主任 drills down to the county's stuck step …
        let county_case = county_row["case_id"].as_i64().unwrap();
        let res = app
            .api(
                "GET",
                &format!("/api/v1/cases/{county_case}"),
                &zhuren,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // … while the county's 主任 cannot reach up to the city's items.
        let city_case = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == "关于购置档案柜的请示")
            .unwrap()["case_id"]
            .as_i64()
            .unwrap();
        let res = app
            .api("GET", &format!("/api/v1/cases/{city_case}"), &county, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        // Narrowed to an area, then to a unit of the scope.
        let b = backlog(&app, &zhuren, "?area=flow").await;
        assert_eq!(titles(&b), ["关于购置档案柜的请示"]);
        let qinghe = app.unit_id("清河县人民政府").await;
        let b = backlog(&app, &zhuren, &format!("?unit={qinghe}")).await;
        assert_eq!(titles(&b), ["关于农村公路养护的通知"]);

        // The county's 主任 sees only the county; the city is outside the scope.
        let b = backlog(&app, &county, "").await;
        assert_eq!(titles(&b), ["关于农村公路养护的通知"]);
        let city = app.unit_id("东川市人民政府").await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/backlog?unit={city}"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("查看范围"), "{}", res.body);

        // The 科长 sees her section's people: the request she holds, not the 主任's 签发.
        let b = backlog(&app, &kezhang, "").await;
        assert_eq!(titles(&b), ["关于购置档案柜的请示"], "{b}");
        // The 秘书 holds nothing now, and may not look at a unit.
        let b = backlog(&app, &mishu, "").await;
        assert_eq!(b["total"], 0, "{b}");
        assert_eq!(b["scope"], "本人");
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/backlog?unit={city}"),
                &mishu,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

        // The 督查科 watches the whole city; one of its staff not cleared for 秘密 sees that the
        // 发文 waits, not what it is about.
        let login = supervisor(&app).await;
        let watcher = app.token_for(&login, &SCOPES).await;
        let b = backlog(&app, &watcher, "").await;
        assert!(
            titles(&b)
                .iter()
                .any(|t| t == "关于做好冬季安全生产工作的通知"),
            "{b}"
        );
        let post = app.post_of(&login).await;
        app.exec(&format!(
            "update posts set clearance = 'public' where id = {post}"
        ))
        .await;
        let b = backlog(&app, &watcher, "").await;
        let all = titles(&b);
        assert!(!all.iter().any(|t| t.contains("安全生产")), "{all:?}");
        assert!(all.iter().any(|t| t == "（涉密事项）"), "{all:?}");
        let res = app
            .api("GET", "/api/v1/efficiency/backlog.xlsx", &watcher, None)
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.starts_with("PK"), "an xlsx workbook");

        // On the page, the same rows with their filters; a bad filter is a Chinese refusal.
        app.login_as("zhuren").await;
        let page = app.get("/efficiency").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"backlog\""), "{}", page.body);
        assert!(page.body.contains("关于农村公路养护的通知"));
        // A form sends its blank fields: they narrow nothing.
        let page = app
            .get("/efficiency?area=&unit=&kind=&card=&min_age=&page=")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("关于农村公路养护的通知"));
        let page = app.get("/efficiency?card=blue").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("请选择黄牌或红牌"), "{}", page.body);
    }
);

on_both_engines!(
    the_latest_come_first_and_ages_count_in_working_days,
    |app: TestApp| async move {
        let mishu = app.token_for("mishu", &SCOPES).await;
        let kezhang = app.token_for("kezhang", &SCOPES).await;
        // 2026-11-26 (Thursday): the first request; its 科长审核 has 2 working days, to 11-30.
        app.internal_request(&mishu, "关于购置档案柜的请示", "申请购置档案柜两组。")
            .await;
        // 2026-12-02 (Wednesday): the second, due 12-04.
        app.clock.advance(Duration::days(6));
        app.internal_request(&mishu, "关于调整值班安排的请示", "拟调整元旦值班。")
            .await;
        // 2026-12-03 (Thursday).
        app.clock.advance(Duration::days(1));
        let b = backlog(&app, &kezhang, "").await;
        assert_eq!(
            titles(&b),
            ["关于购置档案柜的请示", "关于调整值班安排的请示"],
            "the late one first: {b}"
        );
        let first = &b["rows"][0];
        assert_eq!(
            first["age_days"], 5,
            "11-27, 11-30, 12-01, 12-02, 12-03: {first}"
        );
        assert_eq!(first["due_date"], "2026-11-30");
        assert_eq!(first["late_days"], 3, "12-01, 12-02, 12-03: {first}");
        assert_eq!(first["state"], "超期");
        let second = &b["rows"][1];
        assert_eq!(second["age_days"], 1);
        assert_eq!(second["late_days"], 0);
        assert_eq!(second["state"], "临期");
        // Filters: at least 3 working days old, past the deadline, 待阅 only.
        assert_eq!(
            titles(&backlog(&app, &kezhang, "?min_age=3").await),
            ["关于购置档案柜的请示"]
        );
        assert_eq!(
            titles(&backlog(&app, &kezhang, "?overdue=true").await),
            ["关于购置档案柜的请示"]
        );
        assert_eq!(backlog(&app, &kezhang, "?kind=read").await["total"], 0);
        // Done, a step leaves the backlog.
        app.complete_ok(
            &kezhang,
            first["case_id"].as_i64().unwrap(),
            "同意",
            "",
            json!({}),
        )
        .await;
        assert_eq!(
            titles(&backlog(&app, &kezhang, "").await),
            ["关于调整值班安排的请示"]
        );
    }
);
