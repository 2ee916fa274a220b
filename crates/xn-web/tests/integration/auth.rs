//! Sign-in, lockout, idle expiry, CSRF and post switching, as a browser meets them.

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
        assert!(fifth.body.contains("账号已锁定"), "{}", fifth.body);
        let right = app
            .sign_in("qinghe.mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert!(
            right.body.contains("账号已锁定"),
            "the right password does not open a locked account"
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
    a_reset_password_must_be_changed_at_the_next_sign_in,
    |app: TestApp| async move {
        let id = app.person_id("mishu").await;
        app.login_as("secadmin").await;
        let res = app
            .post_form(&format!("/org/persons/{id}/reset-password"), &[])
            .await;
        let initial = res
            .body
            .split("口令已重置为：")
            .nth(1)
            .unwrap()
            .split('（')
            .next()
            .unwrap()
            .to_owned();
        app.forget_cookies();
        let res = app.sign_in("mishu", &initial).await;
        assert_eq!(res.location(), "/account/password");
        assert_eq!(app.get("/").await.location(), "/account/password");
        let weak = app
            .post_form(
                "/account/password",
                &[("old_password", &initial), ("new_password", "short")],
            )
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("至少需要 8 个字符"));
        let ok = app
            .post_form(
                "/account/password",
                &[("old_password", &initial), ("new_password", "Gongwen#2027")],
            )
            .await;
        assert_eq!(ok.location(), "/");
        assert_eq!(app.get("/").await.status, StatusCode::OK);
    }
);
