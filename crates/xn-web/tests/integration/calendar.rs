//! The working-day calendar: pasting a notice, editing a year, deadlines that move with it,
//! who may change it, its API, and the `xiaoneng calendar` command line.

use axum::http::StatusCode;
use serde_json::json;
use xn_domain::calendar::Calendar;
use xn_service::calendar::DeadlineInput;
use xn_store::Db;

use crate::on_both_engines;
use crate::support::TestApp;

/// The State Council's notice for 2026 as published (国办发明电〔2025〕7号).
const NOTICE_2026: &str = "国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
    经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    三、清明节：4月4日（周六）至6日（周一）放假，共3天。
    四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
    五、端午节：6月19日（周五）至21日（周日）放假，共3天。
    六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
    七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
    节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2025年11月4日
";

/// The post of the demo's 秘书 (mishu), who holds the deadlines of these tests.
async fn mishu_post(app: &TestApp) -> i64 {
    app.scalar(
        "select p.id from posts p join persons pe on pe.id = p.person_id
         where pe.login = 'mishu' order by p.id limit 1",
    )
    .await
}

/// Registers case:12, received 2026-09-30, due in 5 working days, held by mishu.
async fn register_case_12(app: &TestApp) -> i64 {
    let holder = mishu_post(app).await;
    let d = app
        .services()
        .register_deadline(
            &DeadlineInput {
                subject: "case:12".to_owned(),
                holder_post_id: Some(holder),
                start_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
                working_days: 5,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    // 10月1日–7日 off, 10月10日 (Saturday) worked: 8, 9, 10, 12, 13.
    assert_eq!(d.due_date.to_string(), "2026-10-13");
    assert!(
        d.explanation.contains("10月10日 调休上班 计入"),
        "{}",
        d.explanation
    );
    holder
}

/// The text of the page's `toml` textarea, unescaped.
fn textarea(html: &str, name: &str) -> String {
    let open = format!("<textarea name=\"{name}\"");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no textarea {name}"));
    let body_start = start + html[start..].find('>').unwrap() + 1;
    let end = body_start + html[body_start..].find("</textarea>").unwrap();
    html[body_start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The shipped 2026 file with 国庆节 running to 10月8日 (a correction that moves case:12).
fn corrected_2026() -> String {
    let text = Calendar::shipped().year(2026).unwrap().to_toml();
    assert!(text.contains("to = \"2026-10-07\""));
    text.replace("to = \"2026-10-07\"", "to = \"2026-10-08\"")
}

on_both_engines!(
    a_corrected_year_moves_an_open_deadline_and_tells_its_holder,
    |app: TestApp| async move {
        let holder = register_case_12(&app).await;
        app.login_as("sysadmin").await;

        let year_page = app.get("/admin/calendar/2026").await;
        assert_eq!(year_page.status, StatusCode::OK);
        assert!(year_page.body.contains("case:12"));
        assert!(
            year_page
                .body
                .contains("title=\"受理日 9月30日；国庆节 10月1日–7日 不计；"),
            "the deadline carries its explanation as a tooltip"
        );

        let editor = app.get("/admin/calendar/2026/edit").await;
        assert_eq!(editor.status, StatusCode::OK);
        let current = textarea(&editor.body, "toml");
        assert_eq!(current, Calendar::shipped().year(2026).unwrap().to_toml());

        let saved = app
            .post_form(
                "/admin/calendar/2026/edit",
                &[("toml", &corrected_2026()), ("action", "save")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location(), "/admin/calendar/2026?moved=1");
        let after = app.get(saved.location()).await;
        assert!(after.body.contains("重新计算了 1 个在办期限"));
        assert!(after.body.contains("管理员更新"));

        // The deadline moved by one working day, and says why.
        let due = app
            .text("select due_date from deadlines where subject = 'case:12'")
            .await;
        assert_eq!(due, "2026-10-14");
        let explanation = app
            .text("select explanation from deadlines where subject = 'case:12'")
            .await;
        assert!(
            explanation.contains("国庆节 10月1日–8日 不计"),
            "{explanation}"
        );

        // One event per moved deadline, old and new dates and the reason.
        assert_eq!(app.events_of("deadline.recomputed").await, 1);
        let detail: serde_json::Value = serde_json::from_str(
            &app.text("select detail from events where kind = 'deadline.recomputed' and subject = 'case:12'",
            )
            .await,
        )
        .unwrap();
        assert_eq!(detail["old"], "2026-10-13");
        assert_eq!(detail["new"], "2026-10-14");
        assert_eq!(
            detail["reason"],
            "2026年日历更新：国务院办公厅关于2026年部分节假日安排的通知"
        );

        // The year's own event counts holidays before and after.
        let saved_detail: serde_json::Value = serde_json::from_str(
            &app.text("select detail from events where kind = 'calendar.year_saved'")
                .await,
        )
        .unwrap();
        assert_eq!(saved_detail["old"]["holiday_days"], 33);
        assert_eq!(saved_detail["new"]["holiday_days"], 34);
        assert_eq!(saved_detail["new"]["workdays"], 6);

        // The holder is told.
        let notes = xn_store::notifications::list_notifications(app.services().db(), holder, 10)
            .await
            .unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].subject.as_deref(), Some("case:12"));
        assert!(
            notes[0].message.contains("2026年10月13日")
                && notes[0].message.contains("2026年10月14日"),
            "{}",
            notes[0].message
        );

        // Saving the same data again moves nothing more.
        let again = app
            .post_form("/admin/calendar/2026/edit", &[("toml", &corrected_2026())])
            .await;
        assert_eq!(again.location(), "/admin/calendar/2026?moved=0");
        assert_eq!(app.events_of("deadline.recomputed").await, 1);
        assert_eq!(app.count("notifications").await, 1);

        // The holder sees it on the workbench and marks it read.
        app.login_as("mishu").await;
        let home = app.get("/").await;
        assert!(
            home.body.contains("<summary><h2>提醒</h2>") && home.body.contains("1 条未读"),
            "{}",
            home.body
        );
        assert!(home.body.contains("2026年10月14日"));
        let read = app
            .post_form(&format!("/notifications/{}/read", notes[0].id), &[])
            .await;
        assert_eq!(read.location(), "/");
        let home = app.get("/").await.body;
        assert!(
            home.contains("（均已读）") && !home.contains("条未读"),
            "{home}"
        );
        let twice = app
            .post_form(&format!("/notifications/{}/read", notes[0].id), &[])
            .await;
        assert_eq!(twice.status, StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    a_pasted_notice_is_shown_as_twelve_months_and_saved_only_when_confirmed,
    |app: TestApp| async move {
        app.login_as("sysadmin").await;
        let form = app.get("/admin/calendar/2026/paste").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("<textarea name=\"notice\""));

        let preview = app
            .post_form("/admin/calendar/2026/paste", &[("notice", NOTICE_2026)])
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert_eq!(preview.body.matches("class=\"cal-month\"").count(), 12);
        assert!(preview.body.contains("国办发明电〔2025〕7号"));
        assert!(
            !preview.body.contains("未能识别"),
            "every sentence with a date was understood"
        );
        assert!(
            preview.body.contains("没有日期发生变化"),
            "it matches the shipped year"
        );
        // National Day is red with its name; the Saturday worked is marked 班.
        assert!(
            preview
                .body
                .contains("title=\"2026-10-01 星期四 · 国庆节放假\"")
        );
        assert!(preview.body.contains(
            "title=\"2026-10-10 星期六 · 国庆节调休上班\"><span class=\"cal-num\">10</span><span class=\"cal-mark\">班</span>"
        ));
        assert_eq!(
            app.events_of("calendar.year_saved").await,
            0,
            "nothing saved yet"
        );

        let toml = textarea(&preview.body, "toml");
        let confirmed = app
            .post_form(
                "/admin/calendar/2026/edit",
                &[("toml", &toml), ("action", "save")],
            )
            .await;
        assert_eq!(
            confirmed.status,
            StatusCode::SEE_OTHER,
            "{}",
            confirmed.body
        );
        assert_eq!(app.events_of("calendar.year_saved").await, 1);
        let stored = app
            .text("select source_title from calendar_years where year = 2026")
            .await;
        assert_eq!(stored, "国务院办公厅关于2026年部分节假日安排的通知");
    }
);

on_both_engines!(
    a_sentence_the_parser_cannot_read_is_shown_not_dropped,
    |app: TestApp| async move {
        app.login_as("sysadmin").await;
        let text = NOTICE_2026.replace(
            "10月10日（周六）上班。",
            "10月10日（周六）上班。10月11日另行通知。",
        );
        let preview = app
            .post_form("/admin/calendar/2026/paste", &[("notice", &text)])
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.body.contains("系统未能识别"), "{}", preview.body);
        assert!(preview.body.contains("<li>10月11日另行通知</li>"));
    }
);

on_both_engines!(
    a_bad_year_file_is_refused_in_chinese_and_nothing_is_saved,
    |app: TestApp| async move {
        register_case_12(&app).await;
        app.login_as("sysadmin").await;
        let cases = [
            (
                "year = 2026\n[[holiday]\nname = \"元旦\"".to_owned(),
                "日历数据格式错误",
            ),
            (
                corrected_2026().replace("date = \"2026-10-10\"", "date = \"2026-10-12\""),
                "调休上班日 2026-10-12（国庆节）是星期一，调休上班日只能是周六或周日",
            ),
            (
                corrected_2026().replace("year = 2026", "year = 2025"),
                "数据中的年份 2025 与所编辑的 2026 年不符",
            ),
        ];
        for (toml, message) in cases {
            let res = app
                .post_form(
                    "/admin/calendar/2026/edit",
                    &[("toml", &toml), ("action", "save")],
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                res.body.contains(message),
                "expected {message} in {}",
                res.body
            );
            // The text stays in the editor to be corrected.
            assert_eq!(textarea(&res.body, "toml"), toml);
        }
        assert_eq!(app.events_of("calendar.year_saved").await, 0);
        assert_eq!(
            app.scalar("select count(*) from calendar_years where updated_at is not null")
                .await,
            0
        );
        let due = app
            .text("select due_date from deadlines where subject = 'case:12'")
            .await;
        assert_eq!(due, "2026-10-13");
    }
);

on_both_engines!(
    anyone_signed_in_reads_the_calendar_but_only_its_administrator_changes_it,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let list = app.get("/admin/calendar").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("2004年") && list.body.contains("2027年"));
        assert!(
            list.body.contains("未发布（仅按周末计算）"),
            "2027 is flagged"
        );
        assert!(!list.body.contains("/admin/calendar/2026/edit"));
        assert_eq!(app.get("/admin/calendar/2026").await.status, StatusCode::OK);

        for path in ["/admin/calendar/2026/edit", "/admin/calendar/2026/paste"] {
            let res = app.get(path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "GET {path}");
            assert!(res.body.contains("维护工作日历"));
        }
        let post = app
            .post_form("/admin/calendar/2026/edit", &[("toml", &corrected_2026())])
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        let paste = app
            .post_form("/admin/calendar/2026/paste", &[("notice", NOTICE_2026)])
            .await;
        assert_eq!(paste.status, StatusCode::FORBIDDEN);
        assert_eq!(app.events_of("calendar.year_saved").await, 0);
    }
);

on_both_engines!(
    the_calculator_shows_the_deadline_with_its_explanation,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let res = app.get("/admin/calendar?from=2026-09-30&days=5").await;
        assert_eq!(res.status, StatusCode::OK);
        let explanation =
            "受理日 9月30日；国庆节 10月1日–7日 不计；10月10日 调休上班 计入；第5个工作日 10月13日";
        assert!(res.body.contains(&format!(
            "<strong title=\"{explanation}\">2026年10月13日（星期二）</strong>"
        )));
        assert!(
            res.body
                .contains(&format!("<p class=\"cal-explanation\">{explanation}</p>"))
        );

        let bad = app.get("/admin/calendar?from=2026-02-30&days=5").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("「2026-02-30」不是有效日期"));

        let provisional = app.get("/admin/calendar?from=2027-09-30&days=5").await;
        assert!(provisional.body.contains("暂定"));
        assert!(provisional.body.contains("含暂定年份"));
    }
);

on_both_engines!(
    the_calendar_api_answers_days_deadlines_and_years,
    |app: TestApp| async move {
        let reader = app.token_for("mishu", &["org.read"]).await;
        let days = app
            .api(
                "GET",
                "/api/v1/calendar/days?from=2026-09-30&to=2026-10-11",
                &reader,
                None,
            )
            .await;
        assert_eq!(days.status, StatusCode::OK, "{}", days.body);
        let days = days.json();
        assert_eq!(days.as_array().unwrap().len(), 12);
        assert_eq!(
            days[1],
            json!({"date": "2026-10-01", "workday": false, "kind": "holiday", "name": "国庆节", "provisional": false})
        );
        assert_eq!(days[10]["kind"], "make_up_workday");
        assert_eq!(days[10]["workday"], true);

        for bad in [
            "/api/v1/calendar/days?from=2026-9-31&to=2026-10-11",
            "/api/v1/calendar/days?from=2026-10-11&to=2026-09-30",
            "/api/v1/calendar/days?from=2000-01-01&to=2026-12-31",
            "/api/v1/calendar/days?to=2026-12-31",
            "/api/v1/calendar/add?from=2026-09-30&days=many",
        ] {
            let res = app.api("GET", bad, &reader, None).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {}",
                res.body
            );
            assert_eq!(res.content_type(), "application/problem+json");
            assert_eq!(res.json()["code"], "validation.invalid");
        }

        let add = app
            .api(
                "GET",
                "/api/v1/calendar/add?from=2026-09-30&days=5",
                &reader,
                None,
            )
            .await
            .json();
        assert_eq!(add["date"], "2026-10-13");
        assert_eq!(add["provisional"], false);
        assert!(
            add["explanation"]
                .as_str()
                .unwrap()
                .contains("第5个工作日 10月13日")
        );

        let years = app
            .api("GET", "/api/v1/calendar/years", &reader, None)
            .await
            .json();
        let years = years.as_array().unwrap();
        assert_eq!(years.first().unwrap()["year"], 2004);
        let y2027 = years.iter().find(|y| y["year"] == 2027).unwrap();
        assert_eq!(y2027["provisional"], true);
        assert_eq!(y2027["loaded"], false);

        let year = app
            .api("GET", "/api/v1/calendar/years/2026", &reader, None)
            .await;
        assert_eq!(year.status, StatusCode::OK);
        let mut year = year.json();
        assert_eq!(year["source"]["number"], "国办发明电〔2025〕7号");
        assert_eq!(
            app.api("GET", "/api/v1/calendar/years/2031", &reader, None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Replacing a year needs 维护工作日历.
        year["holiday"][6]["to"] = json!("2026-10-08");
        let refused = app
            .api(
                "PUT",
                "/api/v1/calendar/years/2026",
                &reader,
                Some(year.clone()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        register_case_12(&app).await;
        let admin = app.token_for("sysadmin", &["calendar.admin"]).await;
        let saved = app
            .api(
                "PUT",
                "/api/v1/calendar/years/2026",
                &admin,
                Some(year.clone()),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        let saved = saved.json();
        assert_eq!(saved["recomputed"][0]["subject"], "case:12");
        assert_eq!(saved["recomputed"][0]["new_date"], "2026-10-14");

        let mismatch = app
            .api(
                "PUT",
                "/api/v1/calendar/years/2025",
                &admin,
                Some(year.clone()),
            )
            .await;
        assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
        year["surprise"] = json!(1);
        let unknown = app
            .api("PUT", "/api/v1/calendar/years/2026", &admin, Some(year))
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(unknown.content_type(), "application/problem+json");

        let doc = app.get("/api/v1/openapi.json").await.body;
        for path in [
            "/api/v1/calendar/days",
            "/api/v1/calendar/add",
            "/api/v1/calendar/years",
            "/api/v1/calendar/years/{year}",
        ] {
            assert!(doc.contains(path), "{path} is documented");
        }
    }
);

/// Runs the built binary in an empty folder, with no database configured by the environment.
fn xiaoneng(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
        .args(args)
        .current_dir(dir)
        .env_remove("XIAONENG_DATA_DIR")
        .env_remove("XIAONENG_DATABASE_URL")
        .env("XIAONENG_LOG", "error")
        .output()
        .unwrap()
}

#[test]
fn the_command_line_prints_days_and_deadlines_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = xiaoneng(
        &[
            "calendar",
            "days",
            "--from",
            "2004-01-01",
            "--to",
            "2026-12-31",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8402, "a header and one row per day");
    assert_eq!(lines[0], "date,workday,name");
    assert!(
        lines.contains(&"2016-10-09,1,"),
        "a make-up Sunday is a working day"
    );
    assert!(lines.contains(&"2026-10-01,0,国庆节"));
    assert!(lines.contains(&"2026-10-10,1,"));
    assert!(lines.contains(&"2026-10-12,1,"));
    assert!(lines.contains(&"2026-10-11,0,"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no database was created"
    );

    let add = xiaoneng(
        &["calendar", "add", "--from", "2026-09-30", "--days", "5"],
        dir.path(),
    );
    assert!(add.status.success());
    assert_eq!(String::from_utf8(add.stdout).unwrap(), "2026-10-13\n");

    for args in [
        ["calendar", "add", "--from", "2026-13-01", "--days", "5"],
        [
            "calendar",
            "days",
            "--from",
            "2026/10/01",
            "--to",
            "2026-10-31",
        ],
        [
            "calendar",
            "days",
            "--from",
            "2026-10-31",
            "--to",
            "2026-10-01",
        ],
    ] {
        let bad = xiaoneng(&args, dir.path());
        assert!(!bad.status.success(), "{args:?} must fail");
        assert!(bad.stdout.is_empty());
        let err = String::from_utf8(bad.stderr).unwrap();
        assert!(
            err.contains("不是有效日期") || err.contains("早于开始日期"),
            "{args:?}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_imports_a_year_into_the_database_and_moves_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap().to_owned();

    // A database as `xiaoneng migrate` leaves it, with one open deadline.
    let migrate = xiaoneng(&["migrate", "--data-dir", &data_arg], dir.path());
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let db = Db::open_sqlite(&data.join("xiaoneng.db")).await.unwrap();
    let services = xn_service::Services::new(db, xn_service::Settings::default()).unwrap();
    let registered = services
        .register_deadline(
            &DeadlineInput {
                subject: "case:7".to_owned(),
                holder_post_id: None,
                start_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
                working_days: 5,
            },
            crate::support::start_time(),
        )
        .await
        .unwrap();
    assert_eq!(registered.due_date.to_string(), "2026-10-13");

    let file = dir.path().join("2026.toml");
    let export = xiaoneng(
        &[
            "calendar",
            "export",
            "--year",
            "2026",
            "--out",
            file.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(export.status.success());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        Calendar::shipped().year(2026).unwrap().to_toml()
    );

    std::fs::write(&file, corrected_2026()).unwrap();
    let import = xiaoneng(
        &[
            "calendar",
            "import",
            file.to_str().unwrap(),
            "--data-dir",
            &data_arg,
        ],
        dir.path(),
    );
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let said = String::from_utf8(import.stdout).unwrap();
    assert!(said.contains("重新计算了 1 个在办期限"), "{said}");
    let moved = xn_store::calendar::find_deadline(services.db(), registered.id)
        .await
        .unwrap();
    assert_eq!(moved.due_date, "2026-10-14");

    let exported = xiaoneng(
        &[
            "calendar",
            "export",
            "--year",
            "2026",
            "--data-dir",
            &data_arg,
        ],
        dir.path(),
    );
    assert_eq!(
        String::from_utf8(exported.stdout).unwrap(),
        corrected_2026()
    );

    std::fs::write(&file, "year = 2026\nholiday = 3\n").unwrap();
    let bad = xiaoneng(
        &[
            "calendar",
            "import",
            file.to_str().unwrap(),
            "--data-dir",
            &data_arg,
        ],
        dir.path(),
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("日历数据格式错误")
    );
    services.db().close().await;
}
