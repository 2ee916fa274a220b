//! 消息推送: a new task goes out by mail to a local SMTP receiver and to a 钉钉 group robot
//! (signed) on a local HTTP receiver, each checked for recipient, title and link; once only;
//! a robot that refuses is tried again later; quiet hours hold a mail back; a classified item
//! is never named outside.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::post;
use base64::Engine as _;
use chrono::TimeDelta;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use xn_web::outbound::{MailConfig, MailSecurity, NotifyConfig, Transports, dingtalk_sign, round};

use crate::on_both_engines;
use crate::support::{TestApp, set_clock};

const SCOPES: [&str; 2] = ["org.read", "flow.work"];
const SECRET: &str = "SECmatrixsecret";

/// One mail as the receiver took it.
#[derive(Debug, Clone)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
}

/// A local SMTP receiver: enough of RFC 5321 for a client to hand over messages (no TLS; the
/// server's `security = "none"` is for a relay on the same machine, as here).
async fn smtp_receiver() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 receiver ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let answer: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 receiver\r\n"
                    } else if cmd.starts_with("RCPT TO:") {
                        let addr = line.trim_end()[8..].trim().trim_matches(['<', '>']);
                        rcpt.push(addr.to_owned());
                        b"250 OK\r\n"
                    } else if cmd == "DATA" {
                        w.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            line.clear();
                            r.read_line(&mut line).await.unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        store.lock().unwrap().push(Mail {
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    w.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

/// One robot call as the receiver took it.
#[derive(Debug, Clone)]
struct Hook {
    query: std::collections::HashMap<String, String>,
    body: Value,
}

#[derive(Clone, Default)]
struct HookState {
    got: Arc<Mutex<Vec<Hook>>>,
    /// Calls to refuse before answering ok.
    refuse: Arc<Mutex<u32>>,
}

/// A local HTTP receiver answering as 钉钉 and 企业微信 do (`{"errcode":0}`), or refusing.
async fn hook_receiver() -> (u16, HookState) {
    let state = HookState::default();
    let app = axum::Router::new()
        .route(
            "/robot/send",
            post(
                |State(s): State<HookState>,
                 Query(q): Query<std::collections::HashMap<String, String>>,
                 axum::Json(body): axum::Json<Value>| async move {
                    s.got.lock().unwrap().push(Hook { query: q, body });
                    let mut refuse = s.refuse.lock().unwrap();
                    if *refuse > 0 {
                        *refuse -= 1;
                        return axum::Json(json!({"errcode": 310000, "errmsg": "sign not match"}));
                    }
                    axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, state)
}

/// A header's value, unfolded, its RFC 2047 words (`=?utf-8?b?…?=`) decoded.
fn header(data: &str, name: &str) -> String {
    let head = data
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n ", " ");
    let raw = head
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_default()
        .to_owned();
    raw.split(' ')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && w.ends_with("?=") {
                let b = base64::engine::general_purpose::STANDARD
                    .decode(&w[10..w.len() - 2])
                    .unwrap();
                String::from_utf8(b).unwrap()
            } else if lower.starts_with("=?utf-8?q?") && w.ends_with("?=") {
                quoted_printable(&w[10..w.len() - 2].replace('_', " "))
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A mail's text, decoded from its transfer encoding.
fn mail_body(data: &str) -> String {
    let (_, body) = data.split_once("\r\n\r\n").unwrap();
    match header(data, "Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.replace("\r\n", ""))
                .unwrap(),
        )
        .unwrap(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    }
}

/// A server's sending as configured with the local SMTP receiver on `smtp`: its transports,
/// and services (on the test's database) that know mail is set and where links point.
fn configured(app: &TestApp, smtp: u16) -> (Transports, xn_service::Services) {
    let config = NotifyConfig {
        public_url: "https://oa.example.gov.cn/".to_owned(),
        mail: MailConfig {
            host: Some("127.0.0.1".to_owned()),
            port: smtp,
            security: MailSecurity::None,
            from: "东川市政府办公室 <oa@example.gov.cn>".to_owned(),
            ..MailConfig::default()
        },
    };
    let services = xn_service::Services::new(
        app.services().db().clone(),
        xn_service::Settings {
            outbound: xn_service::notify::Outbound {
                public_url: config.public_url.clone(),
                mail: true,
            },
            ..app.services().settings().clone()
        },
    )
    .unwrap();
    (Transports::new(&config).unwrap(), services)
}

on_both_engines!(
    a_new_task_reaches_the_holders_mail_and_the_units_dingtalk_group_once,
    |app: TestApp| async move {
        let (smtp, mails) = smtp_receiver().await;
        let (http, hooks) = hook_receiver().await;
        let (transports, services) = configured(&app, smtp);
        let server = app.with_state(xn_web::AppState {
            services: services.clone(),
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        let lease = TimeDelta::seconds(60);

        // The 科长 gives a mail address and quiet hours from 22:00 on the page.
        server.login_as("kezhang").await;
        let res = server
            .post_form(
                "/account/notify",
                &[
                    ("email", "kezhang@example.gov.cn"),
                    ("mail", "true"),
                    ("robot", "true"),
                    ("topics", "new_task"),
                    ("topics", "urged"),
                    ("quiet_from", "22:00"),
                    ("quiet_to", "07:30"),
                ],
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert!(res.body.contains("已保存"), "{}", res.body);
        // A bad address is refused with the reason, and what was saved stays.
        let res = server
            .post_form(
                "/account/notify",
                &[("email", "kezhang@"), ("mail", "true")],
            )
            .await;
        assert_eq!(res.status, 422);
        assert!(res.body.contains("邮箱地址格式不正确"), "{}", res.body);
        server.forget_cookies();
        let kz_token = server.token_for("kezhang", &SCOPES).await;
        let prefs = server
            .api("GET", "/api/v1/account/notify", &kz_token, None)
            .await
            .json();
        assert_eq!(prefs["email"], "kezhang@example.gov.cn");
        assert_eq!(prefs["quiet_from"], "22:00");

        // The 系统管理员 sets a signed 钉钉 robot on the office above the 科长's section: the
        // section has none of its own, so the office's group is told.
        let post = app.post_of("kezhang").await;
        let section = app
            .scalar(&format!("select unit_id from posts where id = {post}"))
            .await;
        let office = app
            .scalar(&format!("select parent_id from units where id = {section}"))
            .await;
        let admin = server
            .token_for("sysadmin", &["org.read", "org.admin"])
            .await;
        let url = format!("http://127.0.0.1:{http}/robot/send?access_token=office");
        let res = server
            .api(
                "PUT",
                &format!("/api/v1/org/units/{office}/robots"),
                &admin,
                Some(json!({"kind": "dingtalk", "url": url, "secret": SECRET,
                            "topics": ["new_task", "red_card"]})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.json()["signed"], true);
        assert!(
            !res.body.contains("access_token=office"),
            "the key is not shown: {}",
            res.body
        );
        // Kept sealed: the stored address is not the plain one.
        let stored = app.text("select url from unit_robots").await;
        assert!(!stored.contains("access_token"), "{stored}");
        // A bad kind or address is refused.
        let res = server
            .api(
                "PUT",
                &format!("/api/v1/org/units/{office}/robots"),
                &admin,
                Some(json!({"kind": "feishu", "url": url})),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.body);

        // The 秘书 asks for approval: the 科长 gets a new task (科长审核).
        let mishu = server.token_for("mishu", &SCOPES).await;
        let case = server
            .internal_request(&mishu, "关于购置防汛物资的请示", "请审核")
            .await;
        let r = round(
            &services,
            &transports,
            "test-owner",
            app.clock.now(),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!((r.sent, r.failed), (2, 0), "{r:?}");

        let got = mails.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].rcpt, vec!["kezhang@example.gov.cn".to_owned()]);
        let subject = header(&got[0].data, "Subject");
        assert!(
            subject.starts_with("【新待办】《关于购置防汛物资的请示》"),
            "{subject}"
        );
        assert!(header(&got[0].data, "To").contains("kezhang@example.gov.cn"));
        assert!(header(&got[0].data, "From").contains("oa@example.gov.cn"));
        let text = mail_body(&got[0].data);
        assert!(
            text.contains(&format!("https://oa.example.gov.cn/cases/{case}")),
            "{text}"
        );

        let calls = hooks.got.lock().unwrap().clone();
        assert_eq!(calls.len(), 1, "{calls:?}");
        let call = &calls[0];
        assert_eq!(call.query["access_token"], "office");
        let ts: i64 = call.query["timestamp"].parse().unwrap();
        assert_eq!(
            call.query["sign"],
            dingtalk_sign(SECRET, ts),
            "the signature checks"
        );
        assert_eq!(call.body["msgtype"], "markdown");
        let title = call.body["markdown"]["title"].as_str().unwrap();
        assert!(title.contains("关于购置防汛物资的请示"), "{title}");
        let md = call.body["markdown"]["text"].as_str().unwrap();
        assert!(
            md.contains(&format!("https://oa.example.gov.cn/cases/{case}")),
            "{md}"
        );
        let phone = app
            .text(&format!(
                "select coalesce(phone, '') from persons where id = {}",
                app.person_id("kezhang").await
            ))
            .await;
        if !phone.is_empty() {
            assert_eq!(
                call.body["at"]["atMobiles"],
                json!([phone]),
                "the 科长 is named"
            );
        }

        // Once only: another round, or a second server's, sends nothing again.
        let r = round(
            &services,
            &transports,
            "other-owner",
            app.clock.now(),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!((r.queued, r.sent, r.failed), (0, 0, 0));
        assert_eq!(mails.lock().unwrap().len(), 1);
        assert_eq!(hooks.got.lock().unwrap().len(), 1);
        // The 科长 sees both as sent.
        let mine = server
            .api("GET", "/api/v1/account/notify/deliveries", &kz_token, None)
            .await
            .json();
        let statuses: Vec<_> = mine
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status_code"].clone())
            .collect();
        assert_eq!(statuses, vec![json!("sent"), json!("sent")], "{mine}");

        // A robot that refuses is tried again after a minute; the mail is not sent twice.
        *hooks.refuse.lock().unwrap() = 1;
        let case2 = server
            .internal_request(&mishu, "关于调整值班安排的请示", "请审核")
            .await;
        let r = round(
            &services,
            &transports,
            "test-owner",
            app.clock.now(),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!((r.sent, r.failed), (1, 1), "{r:?}");
        let err = app
            .text(&format!(
            "select last_error from deliveries where source like 'task:%' and channel = 'dingtalk'
             and link like '%/cases/{case2}'"
        ))
            .await;
        assert!(err.contains("310000"), "{err}");
        let r = round(
            &services,
            &transports,
            "test-owner",
            app.clock.now(),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!((r.sent, r.failed), (0, 0), "not before its pause");
        let later = app.clock.now() + TimeDelta::seconds(61);
        let r = round(&services, &transports, "test-owner", later, lease, || true)
            .await
            .unwrap();
        assert_eq!((r.sent, r.failed), (1, 0), "{r:?}");
        assert_eq!(mails.lock().unwrap().len(), 2);

        // In the 科长's quiet hours a mail waits for their end; the group is told at once.
        set_clock(&app, "2026-11-26 23:00");
        let _case3 = server
            .internal_request(&mishu, "关于夜间值守的请示", "请审核")
            .await;
        let night = app.clock.now();
        let r = round(&services, &transports, "test-owner", night, lease, || true)
            .await
            .unwrap();
        assert_eq!((r.sent, r.failed), (1, 0), "only the group: {r:?}");
        assert_eq!(mails.lock().unwrap().len(), 2);
        let morning = crate::support::bj("2026-11-27 07:30");
        let r = round(&services, &transports, "test-owner", morning, lease, || {
            true
        })
        .await
        .unwrap();
        assert_eq!((r.sent, r.failed), (1, 0), "{r:?}");
        assert_eq!(mails.lock().unwrap().len(), 3);

        // A classified item is not named outside: neither in the mail nor in the group.
        set_clock(&app, "2026-11-27 09:00");
        let secret_case = server
            .notice_at_the_director("关于绝密物资调拨的通知", Some("secret"))
            .await;
        let now = app.clock.now();
        round(&services, &transports, "test-owner", now, lease, || true)
            .await
            .unwrap();
        let told = app
            .texts(&format!(
                "select body from deliveries where link like '%/cases/{secret_case}'"
            ))
            .await;
        assert!(
            !told.is_empty(),
            "the 主任's new task was told to the office's group"
        );
        assert!(
            told.iter().all(|b| b == xn_domain::notify::WITHHELD_TEXT),
            "{told:?}"
        );
        let titles = app
            .texts("select title || ' ' || body from deliveries")
            .await;
        assert!(titles.iter().all(|t| !t.contains("绝密物资")), "{titles:?}");
        let all_mail: String = mails
            .lock()
            .unwrap()
            .iter()
            .map(|m| mail_body(&m.data))
            .collect();
        assert!(!all_mail.contains("绝密物资"));
        let all_hooks = format!("{:?}", hooks.got.lock().unwrap());
        assert!(!all_hooks.contains("绝密物资"));

        // A test message from the robot's page reaches the group (the administrator signs in
        // again: a day has passed).
        let admin = server
            .token_for("sysadmin", &["org.read", "org.admin"])
            .await;
        let before = hooks.got.lock().unwrap().len();
        let res = server
            .api(
                "POST",
                &format!("/api/v1/org/units/{office}/robots/dingtalk/test"),
                &admin,
                None,
            )
            .await;
        assert_eq!(res.status, 202, "{}", res.body);
        round(
            &services,
            &transports,
            "test-owner",
            app.clock.now(),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!(hooks.got.lock().unwrap().len(), before + 1);

        // Saved again with the address and secret left blank: both are kept.
        let res = server
            .api(
                "PUT",
                &format!("/api/v1/org/units/{office}/robots"),
                &admin,
                Some(json!({"kind": "dingtalk", "topics": ["new_task", "urged"]})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.json()["signed"], true);
        // Plain http to another machine would carry the key in clear: refused.
        let res = server
            .api(
                "PUT",
                &format!("/api/v1/org/units/{office}/robots"),
                &admin,
                Some(
                    json!({"kind": "dingtalk", "url": "http://10.1.2.3/robot/send?access_token=x"}),
                ),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.body);

        // A robot that cannot be reached: the reason is kept without its address (the key).
        let closed = crate::support::free_port();
        let res = server
            .api(
                "PUT",
                &format!("/api/v1/org/units/{office}/robots"),
                &admin,
                Some(json!({"kind": "dingtalk", "topics": ["new_task"],
                            "url": format!("http://127.0.0.1:{closed}/robot/send?access_token=keyofthegroup")})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let case4 = server
            .internal_request(&mishu, "关于无法送达的请示", "请审核")
            .await;
        let now = app.clock.now();
        let r = round(&services, &transports, "test-owner", now, lease, || true)
            .await
            .unwrap();
        assert_eq!(r.failed, 1, "{r:?}");
        let err = app
            .text(&format!(
                "select last_error from deliveries where channel = 'dingtalk'
                 and link like '%/cases/{case4}'"
            ))
            .await;
        assert!(err.contains("无法连接"), "{err}");
        assert!(!err.contains("keyofthegroup"), "the key stays out: {err}");
        let mine = server
            .api("GET", "/api/v1/account/notify/deliveries", &kz_token, None)
            .await;
        assert!(!mine.body.contains("keyofthegroup"));
        // Retired while its message waits to be tried again: the message fails at once.
        let res = server
            .api(
                "DELETE",
                &format!("/api/v1/org/units/{office}/robots/dingtalk"),
                &admin,
                None,
            )
            .await;
        assert_eq!(res.status, 204, "{}", res.body);
        let r = round(
            &services,
            &transports,
            "test-owner",
            now + TimeDelta::minutes(2),
            lease,
            || true,
        )
        .await
        .unwrap();
        assert_eq!((r.sent, r.failed), (0, 0), "{r:?}");
        let (status, err) = (
            app.text(&format!(
                "select status from deliveries where channel = 'dingtalk' and link like '%/cases/{case4}'"
            ))
            .await,
            app.text(&format!(
                "select last_error from deliveries where channel = 'dingtalk' and link like '%/cases/{case4}'"
            ))
            .await,
        );
        assert_eq!((status.as_str(), err.as_str()), ("failed", "机器人已停用"));
    }
);

on_both_engines!(
    without_a_mail_server_or_robot_nothing_is_queued_and_history_is_never_sent,
    |app: TestApp| async move {
        // The test city was built before any choice was made: its tasks are history.
        let services = app.services().clone();
        let transports = Transports::new(&NotifyConfig::default()).unwrap();
        let mishu = app.token_for("mishu", &SCOPES).await;
        app.internal_request(&mishu, "关于无人推送的请示", "请审核")
            .await;
        let r = round(
            &services,
            &transports,
            "o",
            app.clock.now(),
            TimeDelta::seconds(60),
            || true,
        )
        .await
        .unwrap();
        assert_eq!(r, xn_web::outbound::Round::default());
        assert_eq!(app.count("deliveries").await, 0);
    }
);

on_both_engines!(
    a_digest_gathers_a_days_mail_the_nearest_robot_posts_and_two_servers_send_each_message_once,
    |app: TestApp| async move {
        let (smtp, mails) = smtp_receiver().await;
        let (http, hooks) = hook_receiver().await;
        // Two servers on one database, each with its own services.
        let (transports, one) = configured(&app, smtp);
        let (_, two) = configured(&app, smtp);
        let lease = TimeDelta::seconds(60);

        // The 科长 wants one mail a day at 17:30.
        let kz = app.token_for("kezhang", &SCOPES).await;
        let res = app
            .api(
                "PUT",
                "/api/v1/account/notify",
                &kz,
                Some(
                    json!({"email": "kezhang@example.gov.cn", "mail": true, "robot": true,
                            "topics": ["new_task"], "digest_at": "17:30"}),
                ),
            )
            .await;
        // A token that only reads and works may not send her work news elsewhere; one that
        // may act on her account (token.own) may.
        assert_eq!(res.status, 403, "{}", res.body);
        let kz = app
            .token_for("kezhang", &["org.read", "flow.work", "token.own"])
            .await;
        let res = app
            .api(
                "PUT",
                "/api/v1/account/notify",
                &kz,
                Some(
                    json!({"email": "kezhang@example.gov.cn", "mail": true, "robot": true,
                            "topics": ["new_task"], "digest_at": "17:30"}),
                ),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        // Her section has a 企业微信 robot; the office above it has another, which her news
        // does not reach; the city's 钉钉 robot is no concern of 清河县.
        let post = app.post_of("kezhang").await;
        let section = app
            .scalar(&format!("select unit_id from posts where id = {post}"))
            .await;
        let office = app
            .scalar(&format!("select parent_id from units where id = {section}"))
            .await;
        let admin = app.token_for("sysadmin", &["org.read", "org.admin"]).await;
        for (unit, kind, token) in [
            (section, "wecom", "section"),
            (office, "wecom", "office"),
            (office, "dingtalk", "city"),
        ] {
            let res = app
                .api(
                    "PUT",
                    &format!("/api/v1/org/units/{unit}/robots"),
                    &admin,
                    Some(json!({"kind": kind, "url": format!("http://127.0.0.1:{http}/robot/send?key={token}"),
                                "topics": ["new_task"]})),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.body);
        }

        // Five requests reach the 科长; a county's request reaches its own 科长.
        let mishu = app.token_for("mishu", &SCOPES).await;
        let mut cases = Vec::new();
        for i in 1..=5 {
            cases.push(
                app.internal_request(&mishu, &format!("第{i}份请示"), "请审核")
                    .await,
            );
        }
        let county = app.token_for("qinghe.mishu", &SCOPES).await;
        let county_case = app
            .internal_request(&county, "清河县的请示", "请审核")
            .await;

        // Two servers send at once: each message goes exactly once.
        let now = app.clock.now();
        let (a, b) = tokio::join!(
            round(&one, &transports, "server-one", now, lease, || true),
            round(&two, &transports, "server-two", now, lease, || true)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.failed + b.failed, 0);
        let calls = hooks.got.lock().unwrap().clone();
        let keys: Vec<_> = calls.iter().map(|c| c.query["key"].clone()).collect();
        assert_eq!(
            keys.iter().filter(|k| *k == "section").count(),
            5,
            "{keys:?}"
        );
        assert!(
            !keys.iter().any(|k| k == "office"),
            "the nearest robot posts: {keys:?}"
        );
        let city: Vec<_> = calls.iter().filter(|c| c.query["key"] == "city").collect();
        assert!(
            city.iter()
                .all(|c| !c.body.to_string().contains("清河县的请示")),
            "a county's news stays out of the city's group"
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from deliveries where link like '%/cases/{county_case}'"
            ))
            .await,
            0
        );
        // 企业微信's text names the 科长 by phone.
        let section_call = calls.iter().find(|c| c.query["key"] == "section").unwrap();
        assert_eq!(section_call.body["msgtype"], "text");
        let content = section_call.body["text"]["content"].as_str().unwrap();
        assert!(
            content.contains("https://oa.example.gov.cn/cases/"),
            "{content}"
        );
        // The mail waits for 17:30, then comes as one, listing all five.
        assert_eq!(mails.lock().unwrap().len(), 0);
        assert_eq!(a.sent + b.sent, calls.len());
        let evening = crate::support::bj("2026-11-26 17:30");
        let (a, b) = tokio::join!(
            round(&one, &transports, "server-one", evening, lease, || true),
            round(&two, &transports, "server-two", evening, lease, || true)
        );
        assert_eq!(a.unwrap().sent + b.unwrap().sent, 1, "one digest mail");
        let got = mails.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rcpt, vec!["kezhang@example.gov.cn".to_owned()]);
        assert!(
            header(&got[0].data, "Subject").contains("5 条"),
            "{}",
            header(&got[0].data, "Subject")
        );
        let text = mail_body(&got[0].data);
        for (i, case) in cases.iter().enumerate() {
            assert!(text.contains(&format!("第{}份请示", i + 1)), "{text}");
            assert!(
                text.contains(&format!("https://oa.example.gov.cn/cases/{case}")),
                "{text}"
            );
        }
        assert_eq!(
            app.scalar(
                "select count(*) from deliveries where channel = 'mail' and status = 'sent'"
            )
            .await,
            5
        );
    }
);
