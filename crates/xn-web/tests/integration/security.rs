//! Issue 17's attacks on the doors of handover, password reset, sign-in and API tokens: each
//! reproduced as the attacker tried it and seen refused, with nothing written.

use axum::http::StatusCode;
use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

const SCOPES: [&str; 2] = ["org.read", "flow.work"];

/// A 秘密 notice drafted by the 秘书 and checked by the 科长: it waits at the 主任's 签发.
/// Answers the case.
async fn secret_notice_at_the_director(app: &TestApp) -> i64 {
    app.notice_at_the_director("关于应急物资储备点调整的通知", Some("secret"))
        .await
}

async fn open_tasks_of(app: &TestApp, post: i64) -> i64 {
    app.scalar(&format!(
        "select count(*) from tasks where post_id = {post} and state in ('open', 'waiting', 'delegated')"
    ))
    .await
}

on_both_engines!(
    the_system_administrator_cannot_hand_the_directors_work_to_himself_or_to_a_post_without_clearance,
    |app: TestApp| async move {
        secret_notice_at_the_director(&app).await;
        let zhuren = app.post_of("zhuren").await;
        let sysadmin = app.post_of("sysadmin").await;
        assert_eq!(open_tasks_of(&app, zhuren).await, 1);
        // A 副主任 of the same office, and one made 非密 for the test.
        let deputies: Vec<i64> = {
            let first = app.scalar(&format!("select min(id) from posts where unit_id = (select unit_id from posts where id = {zhuren}) and id <> {zhuren} and clearance = 'confidential'")).await;
            let second = app.scalar(&format!("select max(id) from posts where unit_id = (select unit_id from posts where id = {zhuren}) and id <> {zhuren} and clearance = 'confidential'")).await;
            vec![first, second]
        };
        app.exec(&format!("update posts set clearance = 'public' where id = {}", deputies[1]))
            .await;
        let notifications = app.count("notifications").await;

        app.login_as("sysadmin").await;
        // To himself: another unit, and his own post.
        let to_self = app
            .session_json("POST", "/api/v1/handover", Some(json!({"from": zhuren, "to": sysadmin})))
            .await;
        assert_eq!(to_self.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", to_self.body);
        assert!(to_self.body.contains("同一单位"), "{}", to_self.body);
        assert_eq!(to_self.content_type(), "application/problem+json");
        let own_unit = app.scalar(&format!("select min(id) from posts where unit_id = (select unit_id from posts where id = {sysadmin}) and id <> {sysadmin}")).await;
        let mine = app
            .session_json("POST", "/api/v1/handover", Some(json!({"from": own_unit, "to": sysadmin})))
            .await;
        assert_eq!(mine.status, StatusCode::FORBIDDEN, "{}", mine.body);
        assert!(mine.body.contains("不能把工作交接给自己"), "{}", mine.body);
        // To a colleague of the 主任 whose clearance is below the document's.
        let low = app
            .session_json("POST", "/api/v1/handover", Some(json!({"from": zhuren, "to": deputies[1]})))
            .await;
        assert_eq!(low.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", low.body);
        assert!(
            low.body.contains("《关于应急物资储备点调整的通知》（秘密）"),
            "the refusal names what cannot move: {}",
            low.body
        );
        // The page says the same in Chinese.
        let page = app
            .post_form("/admin/handover", &[("from", &zhuren.to_string()), ("to", &deputies[1].to_string()), ("confirm", "yes")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("不能移交"), "{}", page.body);
        // A staff member may not hand over at all.
        app.login_as("mishu").await;
        let staff = app
            .session_json("POST", "/api/v1/handover", Some(json!({"from": zhuren, "to": deputies[0]})))
            .await;
        assert_eq!(staff.status, StatusCode::FORBIDDEN);

        assert_eq!(open_tasks_of(&app, zhuren).await, 1, "nothing moved");
        assert_eq!(open_tasks_of(&app, sysadmin).await, 0);
        assert_eq!(app.events_of("flow.handover").await, 0);
        assert_eq!(app.count("notifications").await, notifications);

        // Within the office, to a deputy cleared for it: moved, recorded, both told.
        app.login_as("sysadmin").await;
        let ok = app
            .session_json("POST", "/api/v1/handover", Some(json!({"from": zhuren, "to": deputies[0]})))
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(ok.json()["moved"], 1);
        assert_eq!(open_tasks_of(&app, deputies[0]).await, 1);
        assert_eq!(app.events_of("flow.handover").await, 1);
        for post in [zhuren, deputies[0]] {
            assert_eq!(
                app.scalar(&format!("select count(*) from notifications where post_id = {post} and kind = 'flow.handover'")).await,
                1
            );
        }
    }
);

on_both_engines!(
    the_security_administrator_never_sees_a_new_password_and_cannot_reset_an_administrator,
    |app: TestApp| async move {
        let auditor = app.person_id("auditor").await;
        let mishu = app.person_id("mishu").await;
        let hash_of = |id: i64| format!("select password_hash from persons where id = {id}");
        let auditor_hash = app.text(&hash_of(auditor)).await;
        // The auditor's reset, asked at the sign-in page by anyone, is not stored at all.
        let (_, code) = app.request_reset("auditor").await;
        app.login_as("secadmin").await;
        let refused = app
            .session_json(
                "POST",
                &format!("/api/v1/persons/{auditor}/reset-password"),
                Some(json!({"check_code": code})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("服务器控制台"), "{}", refused.body);
        let page = app
            .post_form(
                &format!("/org/persons/{auditor}/reset-password"),
                &[("check_code", &code)],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("三员"));
        assert_eq!(
            app.text(&hash_of(auditor)).await,
            auditor_hash,
            "nothing written"
        );
        assert_eq!(app.count("password_resets").await, 0);

        // An ordinary account: approving shows no password and no link, and changes nothing yet.
        let mishu_hash = app.text(&hash_of(mishu)).await;
        let (link, code) = app.request_reset("mishu").await;
        app.login_as("secadmin").await;
        let wrong = app
            .session_json(
                "POST",
                &format!("/api/v1/persons/{mishu}/reset-password"),
                Some(json!({"check_code": "000000x"})),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .session_json(
                "POST",
                &format!("/api/v1/persons/{mishu}/reset-password"),
                Some(json!({"check_code": code})),
            )
            .await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
        assert!(ok.body.is_empty(), "no password, no link: {}", ok.body);
        let secret = link.trim_start_matches("/password-reset/");
        let person_page = app.get(&format!("/org/persons/{mishu}")).await;
        assert!(!person_page.body.contains(secret));
        assert_eq!(
            app.text(&hash_of(mishu)).await,
            mishu_hash,
            "the password is the owner's to set"
        );

        // The console makes a link for an administrator's account, never shown on a page.
        let console = app
            .services()
            .console_reset_password("auditor", app.clock.now())
            .await
            .unwrap();
        let done = app.use_reset_link(&console.path, "Shenji#2027x").await;
        assert_eq!(done.location(), "/login?reset=1", "{}", done.body);
        assert_eq!(
            app.sign_in("auditor", "Shenji#2027x").await.location(),
            "/login/factor"
        );
    }
);

on_both_engines!(
    guessing_is_throttled_alike_for_known_and_unknown_logins_and_a_lock_lifts_by_itself,
    |app: TestApp| async move {
        let known = app.person_id("qinghe.mishu").await;
        for _ in 0..6 {
            app.sign_in("qinghe.mishu", "Wrong#2026x").await;
            app.sign_in("nobody.here", "Wrong#2026x").await;
        }
        // The sixth failure makes each wait; the answers cannot tell the logins apart.
        let a = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        let b = app.sign_in("nobody.here", "Wrong#2026x").await;
        assert_eq!(a.status, b.status);
        assert!(
            a.body.contains("登录尝试过于频繁") && b.body.contains("登录尝试过于频繁"),
            "{}",
            a.body
        );
        assert!(!b.body.contains("锁定") || a.body.contains("锁定") == b.body.contains("锁定"));
        // Another server on the same database agrees.
        let other = app.second_server();
        let c = other
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(c.body.contains("登录尝试过于频繁"), "{}", c.body);
        assert_eq!(app.count("sessions").await, 0, "no session was opened");

        // By address too: twenty failures from one address make any login wait there.
        let services = app.services();
        let from = xn_service::auth::Client {
            ip: Some("10.0.0.9".into()),
            user_agent: None,
        };
        for i in 0..21 {
            let _ = services
                .sign_in(&format!("guess{i}"), "Wrong#2026x", &from, app.clock.now())
                .await;
        }
        let blocked = services
            .sign_in(
                "mishu",
                xn_service::demo::DEMO_PASSWORD,
                &from,
                app.clock.now(),
            )
            .await;
        assert!(
            matches!(blocked, Err(xn_service::ServiceError::Throttled(_))),
            "{blocked:?}"
        );

        // The wrong passwords locked the account; the lock lifts after 30 minutes by itself.
        app.clock.advance(chrono::Duration::minutes(16));
        let locked = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(locked.body.contains("已临时锁定"), "{}", locked.body);
        app.clock.advance(chrono::Duration::minutes(15));
        let open = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(open.status, StatusCode::SEE_OTHER, "{}", open.body);

        // An administrator's lock does not lift.
        app.login_as("secadmin").await;
        app.post_form(&format!("/org/persons/{known}/lock"), &[])
            .await;
        app.forget_cookies();
        app.clock.advance(chrono::Duration::days(2));
        let held = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(held.body.contains("被管理员锁定"), "{}", held.body);
    }
);

on_both_engines!(
    api_tokens_expire_die_with_a_password_change_or_lock_and_carry_no_administrator_scope,
    |app: TestApp| async move {
        // An administrator's scope is refused, through the API and on the page alike; an
        // administrator's own post makes no token at all (its duties are done signed in).
        app.login_as("sysadmin").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "交接脚本", "scopes": ["org.read", "flow.admin"]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        app.login_as("mishu").await;
        let before = app.count("api_tokens").await;
        let res = app
            .session_json(
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "交接脚本", "scopes": ["org.read", "flow.admin"]})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("管理员职责"), "{}", res.body);
        let page = app.get("/account").await;
        assert!(
            !page.body.contains("value=\"flow.admin\""),
            "the page does not offer it"
        );
        assert_eq!(app.count("api_tokens").await, before, "nothing written");
        // A token stored with one before this version carries it no more.
        // (Administrators' posts make no tokens at all now; a token the system administrator
        // made before, when his post also held the staff role, is stood for by one made by a
        // staff member and moved onto his post.)
        let token = app.token_for("mishu", &["org.read"]).await;
        let sysadmin = app.post_of("sysadmin").await;
        app.exec(&format!(
            "update api_tokens set scopes = 'org.read,org.admin,flow.admin', post_id = {sysadmin},
                 person_id = (select person_id from posts where id = {sysadmin})"
        ))
        .await;
        let res = app
            .api(
                "POST",
                "/api/v1/handover",
                &token,
                Some(json!({"from": 1, "to": 2})),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // Expiry: 90 days by default.
        let token = app.token_for("mishu", &SCOPES).await;
        app.clock.advance(chrono::Duration::days(89));
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::OK
        );
        app.clock.advance(chrono::Duration::days(2));
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::UNAUTHORIZED
        );

        // A password change kills the owner's tokens.
        let token = app.token_for("mishu", &SCOPES).await;
        app.login_as("mishu").await;
        let changed = app
            .post_form(
                "/account/password",
                &[
                    ("old_password", xn_service::demo::DEMO_PASSWORD),
                    ("new_password", "Gongwen#2027"),
                ],
            )
            .await;
        assert!(changed.body.contains("口令已修改"), "{}", changed.body);
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::UNAUTHORIZED
        );

        // So does a lock from wrong passwords.
        let token = app.token_for("kezhang", &SCOPES).await;
        app.forget_cookies();
        for _ in 0..5 {
            app.sign_in("kezhang", "Wrong#2026x").await;
        }
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        app.clock.advance(chrono::Duration::hours(1));
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::UNAUTHORIZED,
            "still dead once the lock has lifted"
        );
    }
);

on_both_engines!(
    administration_answers_only_from_the_designated_networks,
    |app: TestApp| async move {
        let mut settings = app.services().settings().clone();
        settings.admin_access.networks = vec!["10.1.2.0/24".parse().unwrap()];
        let services = xn_service::Services::new(app.services().db().clone(), settings).unwrap();
        let office = app.with_state(xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        let city_office = app.unit_id("东川市人民政府办公室").await;
        let unit = |name: &str| json!({"kind": "section", "name": name, "parent_id": city_office});
        // The system administrator signs in, but from an address outside the office's network
        // his post keeps no duty, and the refusal says why; nothing is created.
        office.login_as("sysadmin").await;
        let before = app.count("units").await;
        let res = office
            .session_json("POST", "/api/v1/units", Some(unit("网外新科")))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(
            res.body.contains("管理操作只能在指定的地址进行"),
            "{}",
            res.body
        );
        assert_eq!(app.count("units").await, before);
        // From inside it, the same request is done.
        let csrf = office.csrf().await;
        let req = axum::http::Request::post("/api/v1/units")
            .header("content-type", "application/json")
            .header("x-csrf-token", csrf)
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [10, 1, 2, 7],
                50_000,
            ))))
            .body(axum::body::Body::from(unit("网内新科").to_string()))
            .unwrap();
        let res = office.send(req).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(app.count("units").await, before + 1);
        // Staff are not concerned: the 秘书's work goes on from anywhere.
        office.login_as("mishu").await;
        assert_eq!(office.get("/").await.status, StatusCode::OK);
    }
);

on_both_engines!(
    an_administrators_account_is_locked_and_unlocked_only_at_the_console,
    |app: TestApp| async move {
        let auditor = app.person_id("auditor").await;
        let mishu = app.person_id("mishu").await;
        let locks = app.events_of("auth.locked_by_admin").await;
        app.login_as("secadmin").await;
        // The page offers nothing on an administrator's account but the console's commands.
        let page = app.get(&format!("/org/persons/{auditor}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"console-only\""), "{}", page.body);
        assert!(!page.body.contains(&format!("/org/persons/{auditor}/lock")));
        // The service refuses it whichever way it is asked; nothing is written.
        for path in [
            format!("/api/v1/persons/{auditor}/lock"),
            format!("/api/v1/persons/{auditor}/unlock"),
        ] {
            let res = app.session_json("POST", &path, None).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
            assert!(res.body.contains("服务器控制台"), "{}", res.body);
        }
        let res = app
            .post_form(&format!("/org/persons/{auditor}/lock"), &[])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert_eq!(
            app.scalar(&format!(
                "select cast(locked_by_admin as bigint) from persons where id = {auditor}"
            ))
            .await,
            0
        );
        assert_eq!(app.events_of("auth.locked_by_admin").await, locks);
        // An ordinary account she still locks from the page.
        let page = app.get(&format!("/org/persons/{mishu}")).await;
        assert!(page.body.contains(&format!("/org/persons/{mishu}/lock")));
        let res = app
            .session_json("POST", &format!("/api/v1/persons/{mishu}/lock"), None)
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        assert_eq!(app.events_of("auth.locked_by_admin").await, locks + 1);
        // At the console the administrator's account is locked.
        app.services()
            .console_set_locked("auditor", true, app.clock.now())
            .await
            .unwrap();
        assert_eq!(
            app.scalar(&format!(
                "select cast(locked_by_admin as bigint) from persons where id = {auditor}"
            ))
            .await,
            1
        );
    }
);
