//! Sign-in, lockout, idle expiry, CSRF, post switching and password resets, as a browser meets
//! them. The attacks of issue 17 on these doors are in `security.rs`.

use axum::http::StatusCode;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_secretary_signs_in_and_sees_the_workbench_and_the_unit_tree,
    |app: TestApp| async move {
        let res = app.sign_in("mishu", xn_service::demo::DEMO_PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/");
        let cookie = res
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|c| c.starts_with("xn_session="))
            .unwrap()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let page = app.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("我的工作台") && page.body.contains("王晓东"));
        let units = app.get("/org/units").await;
        assert!(
            units.body.contains("东川市人民政府办公室") && units.body.contains("清河县人民政府")
        );
        assert_eq!(app.events_of("auth.sign_in").await, 1);
    }
);

on_both_engines!(
    a_page_without_a_session_sends_the_visitor_to_sign_in,
    |app: TestApp| async move {
        let res = app.get("/org/units").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/login");
    }
);

on_both_engines!(
    a_wrong_password_is_refused_and_recorded,
    |app: TestApp| async move {
        let res = app.sign_in("mishu", "Wrong#2026x").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.body.contains("登录名或口令错误"));
        let unknown = app.sign_in("nobody", "Wrong#2026x").await;
        assert!(
            unknown.body.contains("登录名或口令错误"),
            "an unknown login reads the same as a wrong password"
        );
        assert_eq!(app.events_of("auth.sign_in_failed").await, 2);
    }
);

on_both_engines!(
    five_failures_lock_the_account_until_the_security_admin_unlocks_it,
    |app: TestApp| async move {
        for i in 1..=4 {
            let res = app.sign_in("qinghe.mishu", "Wrong#2026x").await;
            assert!(res.body.contains("口令错误"), "attempt {i}");
        }
        let fifth = app.sign_in("qinghe.mishu", "Wrong#2026x").await;
        assert!(
            fifth.body.contains("登录名或口令错误"),
            "a wrong password says no more than that: {}",
            fifth.body
        );
        let right = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(
            right.body.contains("已临时锁定"),
            "the right password does not open a locked account: {}",
            right.body
        );
        assert_eq!(app.events_of("auth.locked").await, 1);

        let id = app.person_id("qinghe.mishu").await;
        // A staff member may not unlock.
        app.login_as("mishu").await;
        let denied = app
            .post_form(&format!("/org/persons/{id}/unlock"), &[])
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        app.login_as("secadmin").await;
        let page = app.get(&format!("/org/persons/{id}")).await;
        assert!(page.body.contains("已锁定"));
        let ok = app
            .post_form(&format!("/org/persons/{id}/unlock"), &[])
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert!(ok.body.contains("账号已解锁"));
        assert_eq!(app.events_of("auth.unlocked").await, 1);

        app.forget_cookies();
        let again = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
    }
);

on_both_engines!(
    a_session_idle_for_more_than_30_minutes_ends,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        app.clock.advance(chrono::Duration::minutes(29));
        assert_eq!(
            app.get("/").await.status,
            StatusCode::OK,
            "29 minutes idle is still within the limit"
        );
        app.clock.advance(chrono::Duration::minutes(31));
        let res = app.get("/").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/login?expired=1");
        assert!(
            app.get("/login?expired=1")
                .await
                .body
                .contains("登录已超时")
        );
        assert_eq!(app.events_of("auth.session_expired").await, 1);
        // The session stays ended.
        assert_eq!(app.get("/").await.location(), "/login");
    }
);

on_both_engines!(
    a_form_without_its_csrf_token_is_refused_and_changes_nothing,
    |app: TestApp| async move {
        app.login_as("sysadmin").await;
        let before = app.count("units").await;
        let res = app
            .post_form_raw("/org/units/new", &[("name", "伪造科"), ("kind", "section")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.body.contains("CSRF"));
        let wrong = app
            .post_form_raw(
                "/org/units/new",
                &[("_csrf", "forged"), ("name", "伪造科"), ("kind", "section")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("units").await, before);
        // The sign-in form is protected too (double-submit cookie).
        app.forget_cookies();
        let login = app
            .post_form_raw(
                "/login",
                &[
                    ("login", "mishu"),
                    ("password", xn_service::demo::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
    }
);

on_both_engines!(
    a_person_with_two_posts_chooses_one_and_can_switch,
    |app: TestApp| async move {
        let res = app
            .sign_in("kezhang", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(res.location(), "/choose-post");
        assert_eq!(
            app.get("/").await.location(),
            "/choose-post",
            "no work before a post is chosen"
        );
        let page = app.get("/choose-post").await;
        assert!(
            page.body.contains("选择身份")
                && page.body.contains("秘书一科")
                && page.body.contains("督查科")
        );
        let first = crate::support::field_value(&page.body, "post_id");
        assert_eq!(
            app.post_form("/session/post", &[("post_id", &first)])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let home = app.get("/").await;
        assert!(
            home.body.contains("以“秘书一科 · 科长”身份"),
            "{}",
            home.body
        );

        let second = home
            .body
            .split("<option value=\"")
            .nth(2)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert_ne!(first, second);
        app.post_form("/session/post", &[("post_id", &second)])
            .await;
        let home = app.get("/").await;
        assert!(
            home.body.contains("副科长（兼）"),
            "the acting post changed"
        );
        assert_eq!(app.events_of("auth.post_switched").await, 2);

        // A post of somebody else is refused.
        let res = app.post_form("/session/post", &[("post_id", "1")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

on_both_engines!(signing_out_ends_the_session, |app: TestApp| async move {
    app.login_as("mishu").await;
    let res = app.post_form("/logout", &[]).await;
    assert_eq!(res.location(), "/login");
    assert_eq!(app.get("/").await.location(), "/login");
    assert_eq!(app.events_of("auth.sign_out").await, 1);
});

on_both_engines!(
    a_password_reset_lets_the_owner_set_a_password_of_their_own_once,
    |app: TestApp| async move {
        let id = app.person_id("mishu").await;
        let (link, code) = app.request_reset("mishu").await;
        let early = app.use_reset_link(&link, "Gongwen#2027").await;
        assert!(
            early.body.contains("尚未获安全保密管理员批准"),
            "a link opens nothing before approval: {}",
            early.body
        );
        app.login_as("secadmin").await;
        app.post_form(
            &format!("/org/persons/{id}/reset-password"),
            &[("check_code", &code)],
        )
        .await;
        let weak = app.use_reset_link(&link, "short").await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("至少需要 8 个字符"));
        let ok = app.use_reset_link(&link, "Gongwen#2027").await;
        assert_eq!(ok.location(), "/login?reset=1");
        let again = app.use_reset_link(&link, "Gongwen#2028").await;
        assert!(
            again.body.contains("链接无效、已使用或已过期"),
            "{}",
            again.body
        );
        assert_eq!(
            app.sign_in("mishu", "Gongwen#2027").await.location(),
            "/",
            "the owner's own password, with nothing more to change"
        );
        assert_eq!(app.events_of("auth.password_reset").await, 1);
    }
);

on_both_engines!(
    parallel_wrong_guesses_lock_once_and_count_no_further,
    |app: TestApp| async move {
        let mut guesses = tokio::task::JoinSet::new();
        for _ in 0..24 {
            let services = app.services().clone();
            let now = app.clock.now();
            guesses.spawn(async move {
                services
                    .sign_in("qinghe.mishu", "Wrong#2026x", &Default::default(), now)
                    .await
            });
        }
        while let Some(outcome) = guesses.join_next().await {
            assert!(outcome.unwrap().is_err());
        }
        assert_eq!(app.events_of("auth.locked").await, 1, "locked exactly once");
        assert_eq!(
            app.events_of("auth.sign_in_failed").await,
            5,
            "no guess counted after the lock"
        );
        assert_eq!(
            app.scalar("select failed_attempts from persons where login = 'qinghe.mishu'")
                .await,
            5
        );
        // The throttle's wait (at most 15 minutes) passes; the 30-minute lock still holds.
        app.clock.advance(chrono::Duration::minutes(16));
        let right = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(right.body.contains("已临时锁定"), "{}", right.body);
    }
);

on_both_engines!(
    a_person_with_two_posts_and_a_reset_password_changes_it_then_chooses_a_post,
    |app: TestApp| async move {
        // As after the console created the account with a generated password.
        app.exec("update persons set must_change_password = 1 where login = 'kezhang'")
            .await;
        let initial = xn_service::demo::DEMO_PASSWORD;
        assert_eq!(
            app.sign_in("kezhang", initial).await.location(),
            "/account/password"
        );
        let page = app.get("/account/password").await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "no redirect loop between choosing a post and changing the password"
        );
        let api = app.get("/api/v1/me").await;
        assert_eq!(
            api.status,
            StatusCode::FORBIDDEN,
            "the API waits for a password of one's own too"
        );
        let ok = app
            .post_form(
                "/account/password",
                &[("old_password", initial), ("new_password", "Duban#2027x")],
            )
            .await;
        assert_eq!(ok.location(), "/");
        assert_eq!(app.get("/").await.location(), "/choose-post");
    }
);

on_both_engines!(
    a_password_reset_revokes_the_persons_api_tokens,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let csrf = app.csrf().await;
        let req = axum::http::Request::post("/api/v1/tokens")
            .header("content-type", "application/json")
            .header("x-csrf-token", csrf)
            .body(axum::body::Body::from(
                r#"{"name":"旧令牌","scopes":["org.read"]}"#,
            ))
            .unwrap();
        let token = app.send(req).await.json()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::OK
        );
        app.reset_password_of("mishu", "Gongwen#2027").await;
        assert_eq!(
            app.api("GET", "/api/v1/me", &token, None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

on_both_engines!(
    a_security_admin_cannot_grant_a_post_of_her_own,
    |app: TestApp| async move {
        // The system administrator gives the security administrator a second post …
        let secadmin = app.person_id("secadmin").await;
        app.login_as("sysadmin").await;
        let page = app.get(&format!("/org/persons/{secadmin}")).await;
        let unit = page
            .body
            .split("name=\"unit_id\"")
            .nth(1)
            .unwrap()
            .split("<option value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let position = page
            .body
            .split("name=\"position_id\"")
            .nth(1)
            .unwrap()
            .split("<option value=\"")
            .find(|o| o.contains(">科员<"))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        app.post_form(
            &format!("/org/persons/{secadmin}/posts"),
            &[
                ("person_id", "0"),
                ("unit_id", &unit),
                ("position_id", &position),
            ],
        )
        .await;
        let second = app
            .scalar(&format!(
                "select max(id) from posts where person_id = {secadmin}"
            ))
            .await;
        // … which she may not make an auditor's post, to switch into and audit herself.
        app.login_as("secadmin").await;
        let roles = app.get(&format!("/org/persons/{secadmin}")).await;
        let auditor = roles
            .body
            .split("name=\"role_ids\" value=\"")
            .find(|s| s.contains("> 安全审计员<"))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let res = app
            .post_form(
                &format!("/org/posts/{second}/access"),
                &[("role_ids", &auditor), ("clearance", "public")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("不能为本人担任的身份授权"));
    }
);

on_both_engines!(
    staff_see_colleagues_but_not_their_clearance_or_account_state,
    |app: TestApp| async move {
        app.sign_in("kezhang", "Wrong#2026x").await;
        app.login_as("mishu").await;
        let persons = app.get("/org/persons?q=kezhang").await;
        let id = app.person_id("kezhang").await;
        assert!(persons.body.contains("林海燕"));
        let page = app.get(&format!("/org/persons/{id}")).await;
        assert!(page.body.contains("秘书一科"));
        assert!(
            !page.body.contains("秘密") && !page.body.contains("机密"),
            "clearance is for administrators"
        );
        assert!(!page.body.contains("连续失败"));
        app.login_as("secadmin").await;
        assert!(
            app.get(&format!("/org/persons/{id}"))
                .await
                .body
                .contains("秘密")
        );
    }
);
