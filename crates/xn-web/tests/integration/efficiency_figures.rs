//! 效能 (issue 23, items 2, 3, 8): the figures of a scripted month equal a table computed by
//! hand; an ended period is stored and does not move; `recompute` names a tampered figure;
//! the rankings and the leader's picture show them within each viewer's scope.
//!
//! The month is October 2026: 1–7 October is the 国庆 holiday, Saturday 10 October a make-up
//! working day, and 25–27 September (中秋) a holiday just before. Every step is an internal
//! request (内部事项审批) of the city office's 秘书 (`mishu`), checked by her section's 科长
//! (`kezhang`, 2 working days) and approved by the 主任 (`zhuren`, 2 working days); a request
//! has 5 working days in all.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::json;

use crate::on_both_engines;
use crate::support::{TestApp, bj, set_clock};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

struct People {
    mishu: String,
    kezhang: String,
    zhuren: String,
}

impl People {
    async fn new(app: &TestApp) -> People {
        People {
            mishu: app.token_for("mishu", &SCOPES).await,
            kezhang: app.token_for("kezhang", &SCOPES).await,
            zhuren: app.token_for("zhuren", &SCOPES).await,
        }
    }
}

async fn start(app: &TestApp, p: &People, at: &str, title: &str) -> i64 {
    set_clock(app, at);
    app.internal_request(&p.mishu, title, "请审批。").await
}

async fn act(app: &TestApp, token: &str, at: &str, case: i64) {
    set_clock(app, at);
    app.complete_ok(token, case, "同意", "同意。", json!({}))
        .await;
}

async fn case_action(app: &TestApp, token: &str, at: &str, case: i64, body: serde_json::Value) {
    set_clock(app, at);
    let res = app
        .api(
            "POST",
            &format!("/api/v1/cases/{case}/actions"),
            token,
            Some(body),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// Scripts the month, in the order things happened; answers the case still open at the 科长
/// past its deadline (E).
async fn script(app: &TestApp, p: &People) -> i64 {
    // A: started 30 Sep, checked 9 Oct (2 working days: 8 and 9 Oct; on time), approved on
    // the make-up Saturday 10 Oct; its 5 days end 13 Oct: closed on time.
    let a = start(app, p, "2026-09-30 10:00", "A 关于购置档案柜的请示").await;
    act(app, &p.kezhang, "2026-10-09 16:00", a).await;
    act(app, &p.zhuren, "2026-10-10 10:00", a).await;
    // B: started Mon 12 Oct; the 科长 returns it on 13 Oct (1 day, on time); the 秘书 redoes
    // it on 15 Oct (2 days, a step without its own limit); back at the 科长 on 15 Oct, due
    // 19 Oct, carded yellow on 20 Oct, done 21 Oct (4 days, late); approved 21 Oct. Its 5
    // days ended 19 Oct: a late case.
    let b = start(app, p, "2026-10-12 09:30", "B 关于调整值班安排的请示").await;
    set_clock(app, "2026-10-13 10:00");
    let task = app.task_of(&p.kezhang, b).await.unwrap();
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/return", task["id"]),
            &p.kezhang,
            Some(json!({"opinion": "请补充值班表。"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // E: started 14 Oct, never checked in October: due 16 Oct, 12 working days old at the
    // month's end, carded yellow on 20 Oct, urged on 22 Oct.
    let e = start(app, p, "2026-10-14 10:00", "E 关于更换门禁系统的请示").await;
    set_clock(app, "2026-10-15 09:00");
    let task = app.task_of(&p.mishu, b).await.unwrap();
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", task["id"]),
            &p.mishu,
            Some(json!({"decision": "提交", "opinion": "已补充。"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // C: started Tue 20 Oct; paused 21 Oct to Mon 26 Oct (3 working days: its limit moves
    // from 22 to 27 Oct); checked 27 Oct: on time, 5 working days less 3 paused = 2.
    let c = start(app, p, "2026-10-20 10:00", "C 关于申领办公用品的请示").await;
    set_clock(app, "2026-10-20 10:30");
    app.services()
        .run_due_timers("test", bj("2026-10-20 10:30"), TimeDelta::seconds(30), 100)
        .await
        .unwrap();
    act(app, &p.kezhang, "2026-10-21 10:00", b).await;
    case_action(
        app,
        &p.mishu,
        "2026-10-21 10:30",
        c,
        json!({"action": "pause", "reason": "等待预算批复"}),
    )
    .await;
    act(app, &p.zhuren, "2026-10-21 15:00", b).await;
    // F: started Thu 22 Oct; checked 27 Oct (due 26 Oct: 3 days, a late step) and approved
    // the same day, within its 5 days (to 29 Oct): a late step in a case closed on time.
    let f = start(app, p, "2026-10-22 10:00", "F 关于召开安全工作会议的请示").await;
    set_clock(app, "2026-10-22 11:00");
    let task = app.task_of(&p.kezhang, e).await.unwrap();
    let res = app
        .api(
            "POST",
            &format!("/api/v1/tasks/{}/urge", task["id"]),
            &p.mishu,
            Some(json!({"message": "请尽快审核。"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    case_action(
        app,
        &p.mishu,
        "2026-10-26 10:00",
        c,
        json!({"action": "resume"}),
    )
    .await;
    act(app, &p.kezhang, "2026-10-27 09:30", f).await;
    act(app, &p.kezhang, "2026-10-27 10:00", c).await;
    act(app, &p.zhuren, "2026-10-27 11:00", f).await;
    // D: started Thu 29 Oct, open at the end: 1 working day old (30 Oct), due 2 Nov.
    start(app, p, "2026-10-29 10:00", "D 关于报送十月工作总结的请示").await;
    e
}

/// Asks for a month's 效能通报.
async fn bulletin(app: &TestApp, token: &str, period: &str) -> crate::support::Res {
    app.api(
        "POST",
        "/api/v1/efficiency/bulletin",
        token,
        Some(json!({ "period": period })),
    )
    .await
}

/// The figures of a unit from the API's view of one unit.
fn counts(v: &serde_json::Value) -> Vec<(String, i64)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect()
}

fn expect(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    // Every stored figure: those not named are 0.
    let all = xn_store::efficiency_figures::FIGURE_COLUMNS;
    for (name, _) in pairs {
        assert!(all.contains(name), "no figure {name}");
    }
    let mut out: Vec<(String, i64)> = all
        .iter()
        .map(|k| {
            let v = pairs.iter().find(|(n, _)| n == k).map_or(0, |(_, v)| *v);
            ((*k).to_owned(), v)
        })
        .collect();
    out.sort();
    out
}

on_both_engines!(
    a_scripted_month_counts_as_the_table_computed_by_hand,
    |app: TestApp| async move {
        let p = People::new(&app).await;
        let e = script(&app, &p).await;
        let section: i64 = app
            .scalar("select p.unit_id from posts p join persons pe on pe.id = p.person_id where pe.login = 'mishu'")
            .await;
        // The month by hand (see each case above). Steps: A's check (done, on time, 2), B's
        // first check (returned, on time, 1), B's redraft (2), B's second check (late, 4),
        // C's check (on time, 2 after the pause), F's check (late, 3); D's and E's checks open
        // at the end, E's past its deadline and 12 working days old. p90 of 1,2,2,2,3,4 is 4.
        // Yellow cards on 20 October: B's check and B itself (its own 5 days ended on the
        // 19th; the card goes to whoever holds it then) and E's check.
        let section_table = expect(&[
            ("steps_received", 7),
            ("steps_done", 6),
            ("steps_on_time", 4),
            ("step_days_sum", 14),
            ("step_days_p90", 4),
            ("cases_received", 5),
            ("cases_closed", 3),
            ("cases_due", 3),
            ("cases_on_time", 2),
            ("open_end", 2),
            ("open_overdue", 1),
            ("age_0_2", 1),
            ("age_over_10", 1),
            ("yellow", 3),
            ("returned", 1),
            ("urged", 1),
        ]);
        // Counted live while October runs (on its last evening) and again once it has ended.
        set_clock(&app, "2026-10-31 20:00");
        let zhuren = &p.zhuren;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/units/{section}?period=2026-10"),
                zhuren,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let mut got = counts(&res.json()["figures"]["counts"]);
        got.sort();
        assert_eq!(got, section_table, "October, counted live");
        assert_eq!(res.json()["stored"], false);
        assert_eq!(res.json()["figures"]["step_rate"], 66.67);
        assert_eq!(res.json()["figures"]["case_rate"], 66.67);
        // Each counted step is listed with what it counted as.
        let steps = res.json()["steps"].as_array().unwrap().clone();
        assert_eq!(steps.len(), 8, "{steps:?}");
        assert_eq!(
            steps.iter().filter(|s| s["late"] == true).count(),
            3,
            "B's and F's late checks and E's overdue one"
        );
        // The 科长's own figures (the same steps but the 秘书's redraft; no cases).
        set_clock(&app, "2026-11-02 09:00");
        let stored = app
            .services()
            .efficiency()
            .close_periods(bj("2026-11-02 09:00"))
            .await
            .unwrap();
        assert!(
            stored >= 33,
            "September 30 to November 1, and their weeks and months: {stored}"
        );
        // Stored in one pass backwards over the history; each stored day, week and month of
        // the section and of the whole city equals the same period counted on its own.
        let city: i64 = app
            .scalar("select id from units where parent_id is null and kind = 'government'")
            .await;
        let periods: Vec<String> = app
            .texts("select period from efficiency_periods order by period")
            .await;
        assert_eq!(periods.len() as i64, stored as i64);
        for period in &periods {
            for unit in [section, city] {
                let res = app
                    .api(
                        "GET",
                        &format!("/api/v1/efficiency/units/{unit}?period={period}"),
                        zhuren,
                        None,
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{period}: {}", res.body);
                let v = res.json();
                assert_eq!(v["stored"], true, "{period}");
                assert_eq!(
                    v["figures"], v["recounted"],
                    "{period}, unit {unit}: stored by the pass, counted on its own"
                );
            }
        }
        let kezhang_post: i64 = app
            .scalar(&format!(
                "select post_id from tasks where case_id = {e} and step_id = 'check'"
            ))
            .await;
        let row = app
            .text(&format!(
                "select steps_received || ',' || steps_done || ',' || steps_on_time || ',' || step_days_sum
                     || ',' || step_days_p90 || ',' || open_end || ',' || open_overdue || ',' || yellow
                     || ',' || returned || ',' || urged || ',' || cases_closed
                 from efficiency_figures where period = '2026-10' and post_id = {kezhang_post}"
            ))
            .await;
        assert_eq!(row, "6,5,3,12,4,2,1,3,1,1,0");
        // Stored now, the same as counted live.
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/units/{section}?period=2026-10"),
                zhuren,
                None,
            )
            .await;
        let v = res.json();
        assert_eq!(v["stored"], true);
        assert_eq!(v["differs"], false);
        let mut got = counts(&v["figures"]["counts"]);
        got.sort();
        assert_eq!(got, section_table, "October, as stored");
        // A day and a week: Tuesday 13 October saw B's return (1 day) and nothing else done.
        let day = app
            .text(&format!(
                "select steps_received || ',' || steps_done || ',' || returned || ',' || open_end
                 from efficiency_figures where period = '2026-10-13' and unit_id = {section} and post_id = 0"
            ))
            .await;
        // Received: B's redraft; done: B's first check (returned); open at the day's end: the
        // redraft at the 秘书.
        assert_eq!(day, "1,1,1,1");
        // History does not move: a fact changed after the month (B's second check
        // back-dated into its limit) leaves the stored figure alone, the page says the
        // recount differs, and recompute names it.
        app.exec(
            "update tasks set acted_at = created_at + 60000 where case_id = (select id from cases where title like 'B %')
               and step_id = 'check' and state = 'done'",
        )
        .await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/units/{section}?period=2026-10"),
                zhuren,
                None,
            )
            .await;
        let v = res.json();
        assert_eq!(
            v["figures"]["counts"]["steps_on_time"], 4,
            "stored, unmoved"
        );
        assert_eq!(v["recounted"]["counts"]["steps_on_time"], 5);
        assert_eq!(v["differs"], true);
        let r = app
            .services()
            .efficiency()
            .recompute(
                "2026-10-01".parse().unwrap(),
                "2026-10-31".parse().unwrap(),
                false,
                bj("2026-11-02 09:00"),
            )
            .await
            .unwrap();
        assert!(
            r.differences.iter().any(|d| d.period == "2026-10"
                && d.unit_id == section
                && d.post_id == 0
                && d.figure == "steps_on_time"
                && d.stored == 4
                && d.computed == 5),
            "{:?}",
            r.differences
        );
        // A stored figure tampered with directly is named too; applying stores the recount.
        app.exec(&format!(
            "update efficiency_figures set red = 7 where period = '2026-W42' and unit_id = {section} and post_id = 0"
        ))
        .await;
        let r = app
            .services()
            .efficiency()
            .recompute(
                "2026-10-12".parse().unwrap(),
                "2026-10-18".parse().unwrap(),
                true,
                bj("2026-11-02 09:00"),
            )
            .await
            .unwrap();
        assert!(
            r.differences.iter().any(|d| d.period == "2026-W42"
                && d.figure == "red"
                && d.stored == 7
                && d.computed == 0),
            "{:?}",
            r.differences
        );
        assert!(
            r.differences.iter().all(|d| d.period != "2026-10"),
            "a month is not inside one week"
        );
        let again = app
            .services()
            .efficiency()
            .recompute(
                "2026-10-12".parse().unwrap(),
                "2026-10-18".parse().unwrap(),
                false,
                bj("2026-11-02 09:00"),
            )
            .await
            .unwrap();
        assert!(again.differences.is_empty(), "{:?}", again.differences);
        assert_eq!(
            app.events_of("efficiency.recomputed").await,
            again.periods as i64
        );
    }
);

on_both_engines!(
    rankings_and_the_leaders_picture_keep_to_each_viewers_scope,
    |app: TestApp| async move {
        let p = People::new(&app).await;
        script(&app, &p).await;
        set_clock(&app, "2026-11-02 09:00");
        app.services()
            .efficiency()
            .close_periods(bj("2026-11-02 09:00"))
            .await
            .unwrap();
        let section: i64 = app
            .scalar("select p.unit_id from posts p join persons pe on pe.id = p.person_id where pe.login = 'mishu'")
            .await;
        // The city's 主任 ranks the counties, the bureaus and the office's sections.
        let res = app
            .api(
                "GET",
                "/api/v1/efficiency/units?period=2026-10",
                &p.zhuren,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = res.json();
        assert_eq!(r["stored"], true);
        let labels: Vec<&str> = r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["各县（市、区）", "政府工作部门", "办公室各科室"]);
        let sections = &r["groups"][2]["rows"];
        let row = sections
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == section)
            .unwrap();
        // 35×66.67 + 20×66.67 + 15×50 + 15×(100 − 100×3/8) + 15×100, over 100.
        assert_eq!(row["composite"], 68.54, "{row}");
        assert_eq!(
            row["rank"],
            sections.as_array().unwrap().len(),
            "the one section with late work is last"
        );
        // September counted A's check arriving on its 30th and nothing late: 100.
        assert_eq!(row["change"], -31.46, "{row}");
        // Weights: the office's 主任 may set them; a bad sum is refused with the reason.
        let res = app
            .api(
                "PUT",
                "/api/v1/efficiency/weights",
                &p.zhuren,
                Some(json!({"weights": {"steps_on_time": 50, "cards": 40}})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("100"), "{}", res.body);
        let res = app
            .api(
                "PUT",
                "/api/v1/efficiency/weights",
                &p.zhuren,
                Some(json!({"weights": {"steps_on_time": 100}})),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        let r = app
            .api(
                "GET",
                "/api/v1/efficiency/units?period=2026-10",
                &p.zhuren,
                None,
            )
            .await
            .json();
        let row = r["groups"][2]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == section)
            .unwrap()
            .clone();
        assert_eq!(row["composite"], 66.67);
        let res = app
            .api(
                "PUT",
                "/api/v1/efficiency/weights",
                &p.kezhang,
                Some(json!({"weights": {"cards": 100}})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        // A county sees its own tree only: not the city's section, nor the city's picture.
        let county = app.token_for("qinghe.zhuren", &SCOPES).await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/units/{section}?period=2026-10"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let r = app
            .api(
                "GET",
                "/api/v1/efficiency/units?period=2026-10",
                &county,
                None,
            )
            .await
            .json();
        let ids: Vec<i64> = r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| {
                g["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["id"].as_i64().unwrap())
            })
            .collect();
        assert!(!ids.contains(&section));
        let qinghe = app.unit_id("清河县人民政府").await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/efficiency/units/{qinghe}?period=2026-10"),
                &county,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // The section's chief ranks the section's people; a 秘书 gets no ranking.
        let r = app
            .api(
                "GET",
                "/api/v1/efficiency/units?period=2026-10",
                &p.kezhang,
                None,
            )
            .await
            .json();
        assert_eq!(r["groups"][0]["label"], "科室人员", "{r}");
        let r = app
            .api(
                "GET",
                "/api/v1/efficiency/units?period=2026-10",
                &p.mishu,
                None,
            )
            .await
            .json();
        assert!(r["groups"].as_array().unwrap().is_empty());
        let res = app
            .api("GET", "/api/v1/efficiency/leader", &p.mishu, None)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        // The leader's picture: the counties drawn small, the trend over a year, and the
        // oldest stuck step (E, at the 科长 since 14 October) first.
        let res = app
            .api("GET", "/api/v1/efficiency/leader", &p.zhuren, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = res.json();
        assert_eq!(v["level"], "各县（市、区）");
        assert_eq!(v["tiles"].as_array().unwrap().len(), 8);
        assert!(
            v["oldest"][0]["title"].as_str().unwrap().starts_with("E "),
            "{}",
            v["oldest"]
        );
        // The city in October: the section's six steps and the 主任's three (all on time).
        assert!(
            v["rate_trend"].as_str().unwrap().contains("10月：77.8%"),
            "{}",
            v["rate_trend"]
        );
        let october = v["trend"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m[0] == "2026年10月")
            .unwrap()
            .clone();
        assert_eq!(october[1], 77.78, "{october}");
        assert_eq!(
            october[2], 3,
            "D and E at the 科长, C at the 主任: {october}"
        );
        // The month's 效能通报, drafted as a 通报 of the office: the totals, the rankings, the
        // late steps named with their units; only an ended month, only the office's 主任,
        // 副主任 or 督查科.
        let res = bulletin(&app, &p.zhuren, "2026-11").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = bulletin(&app, &p.mishu, "2026-10").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = bulletin(&app, &p.zhuren, "2026-10").await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["document_id"].as_i64().unwrap();
        let d = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &p.zhuren, None)
            .await
            .json();
        assert_eq!(d["title"], "关于2026年10月行政效能情况的通报", "{d}");
        assert_eq!(d["kind"], "circular");
        let body = d["body"].as_str().unwrap();
        for want in [
            "本期共办理环节 9 个，按时办理 7 个，办理及时率 77.8%",
            "效能投诉成立 0 件，发出效能预警 0 条。",
            "（三）办公室各科室",
            "三、超期事项、亮牌及效能投诉情况",
            "秘书一科（超期 3 个，黄牌 3 张）",
            "「E 关于更换门禁系统的请示」（秘书一科，科长审核环节），月末尚未办理，已等待 12 个工作日。",
            "「B 关于调整值班安排的请示」（秘书一科，科长审核环节），超时办理，用时 4 个工作日。",
        ] {
            assert!(body.contains(want), "{want}\n{body}");
        }
        assert_eq!(app.events_of("efficiency.bulletin_drafted").await, 1);
        // Bad periods are refused with the reason.
        for bad in ["2026-13", "2027-01", "x"] {
            let res = app
                .api(
                    "GET",
                    &format!("/api/v1/efficiency/units?period={bad}"),
                    &p.zhuren,
                    None,
                )
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {}",
                res.body
            );
        }
        // The pages render.
        app.login_as("zhuren").await;
        for path in [
            "/efficiency/leader",
            "/efficiency/units?period=2026-10",
            &format!("/efficiency/units/{section}?period=2026-10"),
        ] {
            let res = app.get(path).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        }
        let res = app.get("/efficiency/units.xlsx?period=2026-10").await;
        assert_eq!(res.status, StatusCode::OK);
    }
);

on_both_engines!(
    the_running_month_is_kept_a_minute_and_recounted_in_the_background,
    |app: TestApp| async move {
        let p = People::new(&app).await;
        // A server whose running figures are kept for a minute (the installation's default).
        let services = xn_service::Services::new(
            app.services().db().clone(),
            xn_service::Settings {
                running_figures_max_age: std::time::Duration::from_secs(60),
                ..app.services().settings().clone()
            },
        )
        .unwrap();
        let kept = app.with_state(xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        let month_end_backlog = |v: &serde_json::Value| {
            v["trend"].as_array().unwrap().last().unwrap()[2]
                .as_i64()
                .unwrap()
        };
        let read = async |at: &str| {
            set_clock(&app, at);
            let res = kept
                .api("GET", "/api/v1/efficiency/leader", &p.zhuren, None)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            res.json()
        };
        start(&app, &p, "2026-11-26 09:00", "甲 关于购置打印机的请示").await;
        let first = read("2026-11-26 10:00").await;
        assert_eq!(first["as_of"], "10:00");
        let before = month_end_backlog(&first);
        assert_eq!(first["open"], before, "counted now, the month cut now");
        // A new step: the open count is read at every request, the month's figures are kept.
        start(&app, &p, "2026-11-26 10:00", "乙 关于调整值班安排的请示").await;
        let within = read("2026-11-26 10:00").await;
        assert_eq!(within["open"], before + 1);
        assert_eq!(within["as_of"], "10:00");
        assert_eq!(month_end_backlog(&within), before, "kept within the minute");
        // After the minute: the kept figures at once, and one recount in the background.
        let stale = read("2026-11-26 10:01").await;
        assert_eq!(stale["as_of"], "10:00");
        assert_eq!(month_end_backlog(&stale), before);
        let mut fresh = serde_json::Value::Null;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            fresh = read("2026-11-26 10:01").await;
            if fresh["as_of"] == "10:01" {
                break;
            }
        }
        assert_eq!(fresh["as_of"], "10:01", "recounted in the background");
        assert_eq!(month_end_backlog(&fresh), before + 1);
        // The tests' own server (max age zero) counts at every reading.
        let res = app
            .api("GET", "/api/v1/efficiency/leader", &p.zhuren, None)
            .await;
        assert_eq!(month_end_backlog(&res.json()), before + 1);
    }
);
