//! The audit chain (issue 17, finding 8): events sealed into one chain, the database refusing to
//! change them, and a change made behind its back (by someone able to drop the guard) named by
//! the verification.

use axum::http::StatusCode;
use xn_service::audit_chain::{GENESIS, chain_key, verify_links};
use xn_store::Db;
use xn_store::audit_chain::SealedRow;

use crate::on_both_engines;
use crate::support::TestApp;

/// Runs a statement that may fail; answers whether it ran.
async fn try_exec(app: &TestApp, sql: &str) -> bool {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match app.services().db() {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.is_ok(),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.is_ok(),
    }
}

/// Every seal with its event, in chain order.
async fn chain(app: &TestApp) -> Vec<SealedRow> {
    let mut tx = app.services().db().begin_read().await.unwrap();
    let rows = xn_store::audit_chain::sealed_rows(&mut tx, 0, i64::MAX)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

/// A history to seal: sign-ins of three people, and a notice drafted, submitted and checked
/// (flow events with their details).
async fn history(app: &TestApp) {
    for _ in 0..40 {
        for login in ["mishu", "kezhang", "zhuren"] {
            app.login_as(login).await;
        }
    }
    app.notice_at_the_director("关于做好冬季安全生产工作的通知", None)
        .await;
}

on_both_engines!(
    the_audit_chain_names_the_event_edited_behind_the_databases_guard,
    |app: TestApp| async move {
        history(&app).await;
        let events = app.count("events").await;
        assert!(events > 100, "a history to seal: {events}");
        let sealed = app.services().seal_events().await.unwrap();
        assert_eq!(i64::try_from(sealed).unwrap(), events);
        // Sealing again finds nothing new.
        assert_eq!(app.services().seal_events().await.unwrap(), 0);
        let v = app.services().verify_audit_chain().await.unwrap();
        assert_eq!((v.checked, v.unsealed, v.broken), (events, 0, None));

        // An event written now is unsealed until the next round, and said so.
        app.login_as("mishu").await;
        let v = app.services().verify_audit_chain().await.unwrap();
        assert!(v.unsealed > 0 && v.broken.is_none(), "{v:?}");
        app.services().seal_events().await.unwrap();

        // The database refuses to change or remove an event or a seal.
        let target = app
            .scalar("select event_id from event_seals order by seq limit 1 offset 40")
            .await;
        let seq = app
            .scalar(&format!(
                "select seq from event_seals where event_id = {target}"
            ))
            .await;
        let before = app
            .text(&format!("select detail from events where id = {target}"))
            .await;
        for sql in [
            format!("update events set detail = '{{}}' where id = {target}"),
            format!("delete from events where id = {target}"),
            format!("update event_seals set hash = hash where seq = {seq}"),
            format!("delete from event_seals where seq = {seq}"),
        ] {
            assert!(!try_exec(&app, &sql).await, "refused: {sql}");
        }
        assert_eq!(
            app.text(&format!("select detail from events where id = {target}"))
                .await,
            before
        );

        // Someone who owns the tables drops the guard and edits one event.
        match app.services().db() {
            Db::Sqlite(_) => app.exec("drop trigger events_no_update").await,
            Db::Postgres(_) => {
                app.exec("alter table events disable trigger events_append_only")
                    .await;
            }
        }
        app.exec(&format!(
            "update events set detail = '{{\"note\":\"改过\"}}' where id = {target}"
        ))
        .await;
        let v = app.services().verify_audit_chain().await.unwrap();
        let broken = v.broken.unwrap();
        assert_eq!((broken.seq, broken.event_id), (seq, target));
        assert_eq!(v.checked, seq - 1, "every link before it holds");
    }
);

/// A small deterministic generator, so that a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

/// Flips one byte of an integer.
fn flip_int(v: i64, at: usize, mask: u8) -> i64 {
    let mut b = v.to_be_bytes();
    b[at % 8] ^= mask;
    i64::from_be_bytes(b)
}

/// Flips one byte of a text (the result need not be valid UTF-8: it is read as the database
/// would hand back replaced bytes).
fn flip_text(s: &str, at: usize, mask: u8) -> String {
    let mut b = s.as_bytes().to_vec();
    if b.is_empty() {
        return char::from(mask & 0x7f | 1).to_string();
    }
    let i = at % b.len();
    b[i] ^= mask;
    String::from_utf8_lossy(&b).into_owned()
}

on_both_engines!(
    a_thousand_random_single_byte_tamperings_are_all_detected,
    |app: TestApp| async move {
        history(&app).await;
        app.services().seal_events().await.unwrap();
        let rows = chain(&app).await;
        assert!(rows.len() > 100, "{} links", rows.len());
        let key = chain_key(b"test seal key 16");
        assert!(
            verify_links(&key, GENESIS.to_vec(), 1, &rows).is_ok(),
            "the chain holds before"
        );
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for round in 0..1000 {
            let i = rng.below(rows.len());
            let mut row = rows[i].clone();
            let at = rng.below(1 << 16);
            let mask = u8::try_from(rng.below(255) + 1).unwrap();
            let e = row.event.as_mut().unwrap();
            let what = match rng.below(9) {
                0 => {
                    e.detail = flip_text(&e.detail, at, mask);
                    "detail"
                }
                1 => {
                    e.kind = flip_text(&e.kind, at, mask);
                    "kind"
                }
                2 => {
                    e.subject = Some(flip_text(e.subject.as_deref().unwrap_or(""), at, mask));
                    "subject"
                }
                3 => {
                    e.ip = Some(flip_text(e.ip.as_deref().unwrap_or(""), at, mask));
                    "ip"
                }
                4 => {
                    e.at = flip_int(e.at, at, mask);
                    "at"
                }
                5 => {
                    e.actor_person_id = Some(flip_int(e.actor_person_id.unwrap_or(0), at, mask));
                    "actor_person_id"
                }
                6 => {
                    e.actor_post_id = Some(flip_int(e.actor_post_id.unwrap_or(0), at, mask));
                    "actor_post_id"
                }
                7 => {
                    e.id = flip_int(e.id, at, mask);
                    "id"
                }
                _ => {
                    let j = at % row.hash.len();
                    row.hash[j] ^= mask;
                    "hash"
                }
            };
            if row == rows[i] {
                // Setting an absent value to what it was cannot happen with a non-zero mask,
                // but say so rather than count a no-op.
                panic!("round {round}: the tampering of {what} changed nothing");
            }
            // Every link before `i` was checked above; the walk resumes there.
            let prev = if i == 0 {
                GENESIS.to_vec()
            } else {
                rows[i - 1].hash.clone()
            };
            let broken = verify_links(&key, prev, rows[i].seq, std::slice::from_ref(&row))
                .expect_err(&format!(
                    "round {round}: a flipped byte of {what} went unseen"
                ));
            assert_eq!(broken.seq, rows[i].seq, "round {round} ({what})");
        }
    }
);

on_both_engines!(
    the_auditors_page_verifies_the_chain_lists_failures_and_filters_events,
    |app: TestApp| async move {
        // A failure and a lock-out to find.
        app.sign_in("mishu", "Wrong#2026x").await;
        for _ in 0..5 {
            app.sign_in("qinghe.mishu", "Wrong#2026x").await;
            app.clock.advance(chrono::Duration::seconds(20));
        }
        app.services().seal_events().await.unwrap();

        // Nobody but the auditor.
        for login in ["mishu", "secadmin", "sysadmin"] {
            app.login_as(login).await;
            assert_eq!(
                app.get("/admin/audit").await.status,
                StatusCode::FORBIDDEN,
                "{login}"
            );
        }
        assert_eq!(app.events_of("audit.viewed").await, 0);

        app.login_as("auditor").await;
        let page = app.get("/admin/audit").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("审计链完整：已校验"), "{}", page.body);
        let failures = page.body.split("id=\"audit-failures\"").nth(1).unwrap();
        let failures = failures.split("</table>").next().unwrap();
        assert!(
            failures.contains("登录失败") && failures.contains("连续失败锁定"),
            "{failures}"
        );
        assert_eq!(
            app.events_of("audit.viewed").await,
            1,
            "the auditor's query is recorded"
        );

        // By person and kind: only mishu's sign-in events.
        let mishu = app.person_id("mishu").await;
        let by_person = app.get("/admin/audit?kind=auth.&login=mishu").await;
        let events = by_person.body.split("id=\"audit-events\"").nth(1).unwrap();
        let events = events.split("</table>").next().unwrap();
        assert!(events.contains(&format!("person:{mishu}")), "{events}");
        let qinghe = app.person_id("qinghe.mishu").await;
        assert!(!events.contains(&format!("person:{qinghe}")), "{events}");
        // By date: the day before holds none of today's events.
        let before = app.get("/admin/audit?from=2026-11-25&to=2026-11-25").await;
        let events = before.body.split("id=\"audit-events\"").nth(1).unwrap();
        assert!(
            events
                .split("</table>")
                .next()
                .unwrap()
                .matches("<tr><td")
                .count()
                == 0
        );
        let bad = app.get("/admin/audit?from=2026-13-40").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("起始日期格式"));
        let unknown = app.get("/admin/audit?login=nobody.here").await;
        assert!(unknown.body.contains("没有这个登录名"));
    }
);

/// The table with the id `id` on a page, up to its end.
fn table_of(html: &str, id: &str) -> String {
    html.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_else(|| panic!("no table {id}"))
        .to_owned()
}

/// The newest event of a kind: (subject, detail).
async fn newest(app: &TestApp, kind: &str) -> Option<(String, String)> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select coalesce(subject, ''), detail from events where kind = '{kind}' order by id desc limit 1"
    ));
    match app.services().db() {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_optional(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_optional(p).await.unwrap(),
    }
}

on_both_engines!(
    classified_reads_refusals_and_downloads_are_recorded_and_mass_downloads_named,
    |app: TestApp| async move {
        const TITLE: &str = "关于储备粮轮换的通知";
        let scopes = ["org.read", "flow.work"];
        // A 秘密 notice waits at the 主任's 签发.
        let case = app.notice_at_the_director(TITLE, Some("secret")).await;
        let doc = app
            .scalar(&format!("select id from documents where case_id = {case}"))
            .await;
        let zhuren = app.token_for("zhuren", &scopes).await;
        let reads = app.events_of("documents.read_classified").await;
        let res = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &zhuren, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(app.events_of("documents.read_classified").await, reads + 1);
        let (subject, detail) = newest(&app, "documents.read_classified").await.unwrap();
        assert_eq!(subject, format!("document:{doc}"));
        assert!(
            detail.contains("secret") && !detail.contains("储备粮"),
            "{detail}"
        );

        // A post of the office cleared for 非密 only is refused, and the refusal recorded.
        let below = app.below_clearance_login().await;
        let below = app.token_for(&below, &scopes).await;
        let refused = app.events_of("documents.read_refused").await;
        let res = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &below, None)
            .await;
        assert!(res.status.is_client_error(), "{}", res.status);
        assert!(!res.body.contains("储备粮"));
        assert_eq!(app.events_of("documents.read_refused").await, refused + 1);
        // A county reaching for it: refused and recorded too; a 非密 document read: nothing.
        let county = app.token_for("qinghe.wenshu", &scopes).await;
        let res = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &county, None)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(app.events_of("documents.read_refused").await, refused + 2);
        let open_case = app.notice_at_the_director("关于冬季供暖的通知", None).await;
        let open_doc = app
            .scalar(&format!(
                "select id from documents where case_id = {open_case}"
            ))
            .await;
        let reads = app.events_of("documents.read_classified").await;
        let res = app
            .api(
                "GET",
                &format!("/api/v1/documents/{open_doc}"),
                &zhuren,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(app.events_of("documents.read_classified").await, reads);

        // Downloads and exports: each recorded with its address and size, not its name.
        let mishu = app.token_for("mishu", &scopes).await;
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let res = app
            .api_bytes(
                "POST",
                &format!(
                    "/api/v1/documents/{open_doc}/attachments?name=%E5%82%A8%E5%A4%87%E7%B2%AE.pdf"
                ),
                &zhuren,
                pdf.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let att = res.json()["id"].as_i64().unwrap();
        let file = format!("/api/v1/documents/{open_doc}/attachments/{att}");
        let before = app.events_of("files.downloaded").await;
        for _ in 0..3 {
            assert_eq!(app.api_raw(&file, &mishu).await, pdf);
        }
        assert_eq!(app.events_of("files.downloaded").await, before + 3);
        let (_, detail) = newest(&app, "files.downloaded").await.unwrap();
        assert!(
            detail.contains(&file) && !detail.contains("储备粮"),
            "{detail}"
        );
        app.login_as("mishu").await;
        let sheet = app.get("/efficiency/backlog.xlsx").await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
        assert_eq!(app.events_of("files.exported").await, 1);
        // A download refused (another county's file) is not a download.
        let res = app.api("GET", &file, &county, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(app.events_of("files.downloaded").await, before + 3);

        // The auditor's page names whoever took at least the configured number in a day.
        let mut settings = app.services().settings().clone();
        settings.audit.mass_downloads_per_day = 4;
        let services = xn_service::Services::new(app.services().db().clone(), settings).unwrap();
        let strict = app.with_state(xn_web::AppState {
            services,
            clock: app.clock.clone(),
            secure_cookies: false,
        });
        strict.login_as("auditor").await;
        let page = strict.get("/admin/audit").await;
        assert_eq!(page.status, StatusCode::OK);
        let mishu_name = app
            .text("select name from persons where login = 'mishu'")
            .await;
        let mass = table_of(&page.body, "audit-mass-downloads");
        assert!(mass.contains(&mishu_name), "{mass}");
        assert!(mass.contains("2026-11-26"), "{mass}");
        // The 主任 who read and uploaded took nothing away.
        assert!(
            !mass.contains(
                &app.text("select name from persons where login = 'zhuren'")
                    .await
            )
        );
        // Under the default threshold (50) nobody is named.
        app.login_as("auditor").await;
        let page = app.get("/admin/audit").await;
        assert!(page.body.contains("近期没有批量下载"), "{}", page.body);
        // The refusal is among the failures the auditor sees first.
        let failures = table_of(&page.body, "audit-failures");
        assert!(failures.contains("拒绝查阅公文"), "{failures}");
    }
);

/// The error of a statement run as another role, or `None` if it ran.
async fn refused(pool: &sqlx::PgPool, sql: &str) -> Option<String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .err()
        .map(|e| e.to_string())
}

/// PostgreSQL only: the server runs as a role that does not own the tables (`xiaoneng
/// grant-runtime`), so it can read and append events and seals but neither change nor remove
/// them, nor lift the guard. SQLite has no roles: its file belongs to the server's account, and
/// the triggers are the guard there (docs/SECURITY.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
async fn the_servers_postgresql_role_appends_events_but_cannot_change_them() {
    let Some(app) = TestApp::spawn(crate::support::Engine::Postgres).await else {
        return;
    };
    let owner_url = app.postgres_url().unwrap();
    let role = format!(
        "xn_rt_{}",
        xn_service::password::random_token(9)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    app.exec(&format!("create role {role} login")).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("seal.key"),
        "00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let xiaoneng = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
            .args(args)
            .args(["--data-dir", &dir.path().display().to_string()])
            .env_remove("XIAONENG_DATABASE_URL")
            .env_remove("XIAONENG_DATA_DIR")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, said) = xiaoneng(&[
        "grant-runtime",
        "--role",
        &role,
        "--database-url",
        &owner_url,
    ]);
    assert!(ok, "{said}");
    let mut runtime_url = url::Url::parse(&owner_url).unwrap();
    runtime_url.set_username(&role).unwrap();
    let runtime_url = runtime_url.to_string();
    // The server starts as that role: nothing to migrate, so it needs no right to.
    let (ok, said) = xiaoneng(&["migrate", "--database-url", &runtime_url]);
    assert!(ok, "{said}");

    // It works as the server does: a sign-in writes sessions and events; the sealer seals them.
    let db = Db::open_postgres(&runtime_url, None).await.unwrap();
    let services =
        xn_service::Services::new(db.clone(), app.services().settings().clone()).unwrap();
    let server = app.with_state(xn_web::AppState {
        services: services.clone(),
        clock: app.clock.clone(),
        secure_cookies: false,
    });
    server.login_as("mishu").await;
    assert_eq!(server.get("/").await.status, StatusCode::OK);
    assert!(services.seal_events().await.unwrap() > 0);

    // But it can neither change nor remove an event or a seal, nor lift the guard, nor forge
    // the migrations' record.
    let Db::Postgres(pool) = &db else {
        unreachable!("a PostgreSQL database")
    };
    for sql in [
        "update events set detail = '{}' where id = (select max(id) from events)".to_owned(),
        "delete from events where id = (select max(id) from events)".to_owned(),
        "update event_seals set hash = hash where seq = (select max(seq) from event_seals)"
            .to_owned(),
        "delete from event_seals".to_owned(),
        "truncate events".to_owned(),
        "alter table events disable trigger events_append_only".to_owned(),
        "delete from _sqlx_migrations".to_owned(),
    ] {
        let err = refused(pool, &sql).await;
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("permission denied") || e.contains("must be owner")),
            "{sql}: {err:?}"
        );
    }
    db.close().await;
    app.exec(&format!("drop owned by {role}")).await;
    app.exec(&format!("drop role {role}")).await;
}
