//! The second factor (TOTP) as people meet it: enrolment on the account page, sign-in in two
//! steps, replays and guesses refused, recovery codes, the administrators who must have one,
//! and the security administrator's reset. Also 我的会话 and the limit on sessions.

use axum::http::StatusCode;

use crate::on_both_engines;
use crate::support::{TestApp, field_value};

/// The secret shown on the enrolment page.
fn shown_secret(body: &str) -> String {
    body.split("<code class=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned()
}

/// The code of `secret` (base32) at the app's clock, `steps` steps on.
fn code_at(app: &TestApp, secret: &str, steps: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let t = app.clock.now().timestamp() + steps * 30;
    totp.generate(u64::try_from(t).unwrap()).to_string()
}

/// Enrols `login` (signed in) and answers (secret, recovery codes).
async fn enrol(app: &TestApp) -> (String, Vec<String>) {
    let begun = app.post_form("/account/factor", &[]).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    let page = app.get("/account/factor").await;
    assert!(page.body.contains("otpauth://totp/"), "{}", page.body);
    let secret = shown_secret(&page.body);
    let wrong = app
        .post_form("/account/factor/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_at(app, &secret, 0);
    let done = app
        .post_form("/account/factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("恢复码只显示这一次"));
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    // Shown once: the page does not show them again.
    let again = app.get("/account/factor").await;
    assert!(!again.body.contains(&codes[0]) && again.body.contains("剩余恢复码 10 个"));
    (secret, codes)
}

on_both_engines!(
    a_person_enrols_a_factor_and_signs_in_with_a_code_that_works_once,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let (secret, recovery) = enrol(&app).await;
        assert_eq!(
            app.events_of("auth.factor_enrolled").await,
            4,
            "three demo + one"
        );
        let stored = app
            .text("select secret_cipher from second_factors where person_id = (select id from persons where login = 'mishu')")
            .await;
        assert!(!stored.contains(&secret), "the secret is stored encrypted");
        app.post_form("/logout", &[]).await;
        // The code that confirmed the enrolment is spent: the next one is 30 s later.
        app.clock.advance(chrono::Duration::seconds(30));

        // The password alone opens a session that acts for no one.
        let first = app.sign_in("mishu", xn_service::demo::DEMO_PASSWORD).await;
        assert_eq!(first.location(), "/login/factor");
        assert_eq!(app.get("/").await.location(), "/login/factor");
        let cookie = app.cookie("xn_session");
        let api = app
            .send(
                axum::http::Request::get("/api/v1/tasks")
                    .header("cookie", format!("xn_session={cookie}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED, "{}", api.body);
        let form = app.get("/login/factor").await;
        assert!(form.body.contains("动态口令"));
        let csrf = field_value(&form.body, "_csrf");

        // A wrong code is refused and recorded; the right one signs in.
        let wrong = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", "123456")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.events_of("auth.factor_failed").await, 1);
        let code = code_at(&app, &secret, 0);
        let ok = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(ok.location(), "/", "{}", ok.body);
        assert_eq!(app.get("/").await.status, StatusCode::OK);

        // The same code again (another sign-in within its window) is refused: a replay.
        app.post_form("/logout", &[]).await;
        app.sign_in("mishu", xn_service::demo::DEMO_PASSWORD).await;
        let csrf = field_value(&app.get("/login/factor").await.body, "_csrf");
        let replay = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "a code works once");

        // A recovery code works, once.
        let used = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &recovery[0])])
            .await;
        assert_eq!(used.location(), "/", "{}", used.body);
        assert_eq!(app.events_of("auth.recovery_code_used").await, 1);
        app.post_form("/logout", &[]).await;
        app.sign_in("mishu", xn_service::demo::DEMO_PASSWORD).await;
        let csrf = field_value(&app.get("/login/factor").await.body, "_csrf");
        let again = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &recovery[0])])
            .await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);

        // Cancelling ends the waiting session.
        let cancel = app
            .post_form_raw("/login/factor/cancel", &[("_csrf", &csrf)])
            .await;
        assert_eq!(cancel.location(), "/login");
        assert_eq!(app.get("/").await.location(), "/login");
    }
);

on_both_engines!(
    guessing_the_factor_is_throttled_like_a_password,
    |app: TestApp| async move {
        app.sign_in("sysadmin", xn_service::demo::DEMO_PASSWORD)
            .await;
        let csrf = field_value(&app.get("/login/factor").await.body, "_csrf");
        let free = app.services().settings().sign_in_policy.login_free_failures;
        for _ in 0..=free {
            let r = app
                .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", "000001")])
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        // Now even the right code must wait.
        let code = app.demo_factor_code("sysadmin").await;
        let r = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &code)])
            .await;
        assert!(
            r.body.contains("秒后再试") || r.body.contains("请等待"),
            "{}",
            r.body
        );
        app.clock.advance(chrono::Duration::seconds(2));
        let code = app.demo_factor_code("sysadmin").await;
        let r = app
            .post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(r.location(), "/", "{}", r.body);
    }
);

on_both_engines!(
    an_administrator_without_a_factor_cannot_reach_administration_until_enrolled,
    |app: TestApp| async move {
        app.services()
            .console_reset_factor("sysadmin", app.clock.now())
            .await
            .unwrap();
        assert_eq!(app.events_of("auth.factor_reset").await, 1);
        let res = app
            .sign_in("sysadmin", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(res.location(), "/");
        // Every page sends him to enrol; the administration is out of reach.
        assert_eq!(app.get("/").await.location(), "/account/factor");
        assert_eq!(
            app.get("/org/units/new").await.location(),
            "/account/factor"
        );
        let made = app
            .post_form("/org/units/new", &[("name", "新单位"), ("kind", "section")])
            .await;
        assert_eq!(made.location(), "/account/factor");
        // The API refuses too, and behind it the service: the actor holds no permission.
        let units = app.session_json("GET", "/api/v1/units", None).await;
        assert_eq!(units.status, StatusCode::FORBIDDEN, "{}", units.body);
        let actor = app
            .services()
            .authenticate_session(
                &app.cookie("xn_session"),
                &Default::default(),
                app.clock.now(),
            )
            .await
            .unwrap();
        assert!(actor.must_enrol_factor && actor.permissions.is_empty());
        let page = app.get("/account/factor").await;
        assert!(page.body.contains("管理员账号须启用动态口令"));

        enrol(&app).await;
        assert_eq!(app.get("/").await.status, StatusCode::OK);
        assert_eq!(
            app.session_json("GET", "/api/v1/units", None).await.status,
            StatusCode::OK
        );
    }
);

on_both_engines!(
    configured_for_all_every_account_enrols_first,
    |app: TestApp| async move {
        let mut settings = app.services().settings().clone();
        settings.second_factor.required_for_all = true;
        let services = xn_service::Services::new(app.services().db().clone(), settings).unwrap();
        let state = xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        };
        let strict = app.with_state(state);
        strict
            .sign_in("mishu", xn_service::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(strict.get("/").await.location(), "/account/factor");
        enrol(&strict).await;
        assert_eq!(strict.get("/").await.status, StatusCode::OK);
    }
);

on_both_engines!(
    the_security_administrator_resets_a_factor_but_never_an_administrators,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        enrol(&app).await;
        let mishu = app.person_id("mishu").await;
        let sysadmin = app.person_id("sysadmin").await;
        let factors = "select count(*) from second_factors";

        // Nobody else may: not the system administrator, not a token.
        let sys = app.session_of("sysadmin").await;
        let refused = app
            .api(
                "POST",
                &format!("/api/v1/persons/{mishu}/second-factor/reset"),
                &sys,
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.scalar(factors).await, 4);

        // The security administrator may not reset an administrator's, on the page or the API.
        app.login_as("secadmin").await;
        let admin = app
            .post_form(&format!("/org/persons/{sysadmin}/second-factor/reset"), &[])
            .await;
        assert_eq!(admin.status, StatusCode::FORBIDDEN);
        assert!(admin.body.contains("服务器控制台"));
        let sec = app.session_of("secadmin").await;
        let admin_api = app
            .api(
                "POST",
                &format!("/api/v1/persons/{sysadmin}/second-factor/reset"),
                &sec,
                None,
            )
            .await;
        assert_eq!(admin_api.status, StatusCode::FORBIDDEN);
        assert_eq!(app.scalar(factors).await, 4);
        assert_eq!(app.events_of("auth.factor_reset").await, 0);

        // A staff member's: yes, recorded.
        app.login_as("secadmin").await;
        let person = app.get(&format!("/org/persons/{mishu}")).await;
        assert!(person.body.contains("重置动态口令"));
        let done = app
            .post_form(&format!("/org/persons/{mishu}/second-factor/reset"), &[])
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("动态口令已重置"));
        assert_eq!(app.scalar(factors).await, 3);
        assert_eq!(app.events_of("auth.factor_reset").await, 1);
        // Again: there is none to reset.
        let sec = app.session_of("secadmin").await;
        let none = app
            .api(
                "POST",
                &format!("/api/v1/persons/{mishu}/second-factor/reset"),
                &sec,
                None,
            )
            .await;
        assert_eq!(none.status, StatusCode::CONFLICT);
        // mishu signs in with the password alone again.
        app.forget_cookies();
        assert_eq!(
            app.sign_in("mishu", xn_service::demo::DEMO_PASSWORD)
                .await
                .location(),
            "/"
        );
    }
);

on_both_engines!(
    an_account_holds_at_most_max_sessions_and_ends_the_others_from_my_sessions,
    |app: TestApp| async move {
        let max = app.services().settings().sign_in_policy.max_sessions;
        assert_eq!(max, 5);
        let mut held = Vec::new();
        for _ in 0..max {
            app.login_as("mishu").await;
            held.push(app.cookie("xn_session"));
            app.clock.advance(chrono::Duration::seconds(1));
        }
        let opens = |cookie: String| {
            let app = &app;
            async move {
                app.send(
                    axum::http::Request::get("/")
                        .header("cookie", format!("xn_session={cookie}"))
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .status
                    == StatusCode::OK
            }
        };
        assert!(opens(held[0].clone()).await);
        // One more: the oldest ends.
        app.login_as("mishu").await;
        assert!(!opens(held[0].clone()).await, "the oldest session ended");
        assert!(opens(held[1].clone()).await);
        assert_eq!(app.events_of("auth.session_limit").await, 1);

        let page = app.get("/account/sessions").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.body
                .matches("<tr><td data-label=\"登录时间\">")
                .count(),
            5
        );
        assert!(page.body.contains("当前会话"));
        let ended = app.post_form("/account/sessions/end-others", &[]).await;
        assert!(ended.body.contains("已结束其他 4 个会话"), "{}", ended.body);
        assert!(!opens(held[1].clone()).await);
        assert_eq!(app.get("/").await.status, StatusCode::OK, "this one stays");
        assert_eq!(app.events_of("auth.sessions_ended").await, 1);
    }
);

on_both_engines!(
    a_password_is_not_reused_and_expires_after_its_maximum_age,
    |app: TestApp| async move {
        app.login_as("mishu").await;
        let change = |old: &'static str, new: &'static str| {
            let app = &app;
            async move {
                app.post_form(
                    "/account/password",
                    &[("old_password", old), ("new_password", new)],
                )
                .await
            }
        };
        let demo = xn_service::demo::DEMO_PASSWORD;
        assert!(
            change(demo, "Gongwen#2027a")
                .await
                .body
                .contains("口令已修改")
        );
        let back = change("Gongwen#2027a", demo).await;
        assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(back.body.contains("最近 5 次"), "{}", back.body);
        assert!(
            change("Gongwen#2027a", "Gongwen#2027b")
                .await
                .body
                .contains("口令已修改")
        );
        assert_eq!(app.scalar("select count(*) from password_history").await, 2);

        // With a maximum age, a password older than it must be changed first.
        let mut settings = app.services().settings().clone();
        settings.password_policy.max_age_days = 90;
        let services = xn_service::Services::new(app.services().db().clone(), settings).unwrap();
        let strict = app.with_state(xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        strict.sign_in("mishu", "Gongwen#2027b").await;
        assert_eq!(strict.get("/").await.status, StatusCode::OK);
        app.clock.advance(chrono::Duration::days(91));
        strict.forget_cookies();
        strict.sign_in("mishu", "Gongwen#2027b").await;
        assert_eq!(strict.get("/").await.location(), "/account/password");
        let page = strict.get("/account/password").await;
        assert!(page.body.contains("已超过使用期限"));
    }
);

on_both_engines!(
    over_tls_cookies_are_secure_and_hsts_is_sent,
    |app: TestApp| async move {
        let plain = app.get("/login").await;
        assert!(!plain.header("set-cookie").contains("Secure"));
        assert!(plain.headers.get("strict-transport-security").is_none());
        let tls = app
            .send(
                axum::http::Request::get("/login")
                    .header("x-forwarded-proto", "https")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            tls.header("set-cookie").contains("; Secure"),
            "{:?}",
            tls.headers
        );
        assert_eq!(tls.header("strict-transport-security"), "max-age=31536000");
    }
);

on_both_engines!(
    every_request_is_in_the_access_log_without_its_query,
    |app: TestApp| async move {
        use tracing::instrument::WithSubscriber;
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        let res = app
            .get("/password-reset/secret-of-the-link?token=abc123")
            .with_subscriber(subscriber)
            .await;
        assert!(res.status.is_success() || res.status.is_client_error());
        let log = String::from_utf8_lossy(&buf.lock().unwrap()).into_owned();
        assert!(log.contains("xn_web::access"), "{log}");
        assert!(log.contains("path=/password-reset/…"), "{log}");
        assert!(
            !log.contains("secret-of-the-link"),
            "no reset secret in the log: {log}"
        );
        assert!(log.contains("status="), "{log}");
        assert!(!log.contains("abc123"), "no query in the access log: {log}");
    }
);

struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
