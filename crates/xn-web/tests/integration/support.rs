//! `TestApp`: the application on a fresh database, driven through `app().oneshot()`, with a
//! cookie jar and a clock the test moves by hand.
//!
//! Every test runs twice through [`on_both_engines!`]: on a temporary SQLite file and on a
//! fresh PostgreSQL schema (when `TEST_POSTGRES_URL` is set; with `XN_REQUIRE_POSTGRES=1`, as CI
//! sets it, a missing PostgreSQL fails the test instead of skipping it).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;
use xn_service::{Services, Settings};
use xn_store::Db;
use xn_web::{AppState, Clock};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs an async test body on both engines: `on_both_engines!(name, |app| async move { … });`
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) =
                    $crate::support::TestApp::spawn($crate::support::Engine::Sqlite).await
                {
                    ($body)(app).await
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                if let Some(app) =
                    $crate::support::TestApp::spawn($crate::support::Engine::Postgres).await
                {
                    ($body)(app).await
                }
            }
        }
    };
}

/// A response, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub struct TestApp {
    pub state: AppState,
    pub clock: Clock,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
    _dir: Option<tempfile::TempDir>,
    /// (server URL, database name) of the test's own PostgreSQL database, dropped with it.
    pg_database: Option<(String, String)>,
}

/// A port on the loopback that is free now, for a real server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real `xiaoneng serve` on the test's database, its timers polled every 50 ms and leased
/// for ten minutes (so that a lease left held is still held when the test looks).
pub fn serve(app: &TestApp, port: u16) -> std::process::Child {
    serve_with(app, port, &[])
}

/// As [`serve`], with more environment (later settings win).
pub fn serve_with(app: &TestApp, port: u16, env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"));
    cmd.arg("serve");
    match (app.sqlite_data_dir(), app.postgres_url()) {
        (Some(dir), _) => cmd.arg("--data-dir").arg(dir),
        (None, Some(url)) => cmd.args(["--database-url", &url]),
        (None, None) => panic!("no database to serve"),
    };
    cmd.args(["--addr", &format!("127.0.0.1:{port}")])
        .env("XIAONENG_SEAL_KEY", "00112233445566778899aabbccddeeff")
        .env("XIAONENG_TIMER_LEASE_SECS", "600")
        .env("XIAONENG_TIMER_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// One HTTP/1.1 request on a connection of its own: the status and the body, or `None` when
/// the server could not be reached or closed without answering.
pub async fn http_call(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> Option<(u16, String)> {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut conn, req.as_bytes())
        .await
        .ok()?;
    let mut raw = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut conn, &mut raw)
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// A Beijing time (`2026-11-26 10:00`) as an instant.
pub fn bj(s: &str) -> DateTime<Utc> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
        - chrono::TimeDelta::hours(8)
}

/// Sets a test's manual clock to a Beijing time.
pub fn set_clock(app: &TestApp, s: &str) {
    let Clock::Manual(t) = &app.clock else {
        panic!("tests run on a manual clock")
    };
    *t.lock().unwrap() = bj(s);
}

/// The instant every test starts at: 2026-11-26 10:00 Beijing time.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

impl TestApp {
    /// A fresh database with the demo city loaded, or `None` (with the reason printed) when
    /// PostgreSQL is asked for and not configured. The city is built once per engine and test
    /// run (see [`template`]); each test starts from a copy of it.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        keep_log();
        let (db, dir, pg_database) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                // The name `serve --data-dir` opens, so a real server can run on the copy.
                let path = dir.path().join("xiaoneng.db");
                std::fs::copy(template::sqlite(), &path).unwrap();
                let db = Db::open_sqlite(&path).await.unwrap();
                (db, Some(dir), None)
            }
            Engine::Postgres => {
                let url = postgres_server_url()?;
                let name = format!(
                    "xn_t_{}",
                    xn_service::password::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = sqlx::PgPool::connect(&url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "create database {name} template {}",
                    template::postgres(&url)
                )))
                .execute(&admin)
                .await
                .unwrap();
                admin.close().await;
                let db = Db::open_postgres(&template::database_url(&url, &name), None)
                    .await
                    .unwrap();
                (db, None, Some((url, name)))
            }
        };
        let services = Services::new(db, test_settings()).unwrap();
        let clock = Clock::Manual(Arc::new(Mutex::new(start_time())));
        let state = AppState {
            services,
            clock: clock.clone(),
            secure_cookies: false,
        };
        Some(TestApp {
            state,
            clock,
            cookies: Arc::default(),
            _dir: dir,
            pg_database,
        })
    }

    /// Another server on the same database: its own services (caches, flow writer), the same
    /// clock, its own cookie jar.
    pub fn second_server(&self) -> TestApp {
        let services = Services::new(
            self.services().db().clone(),
            self.services().settings().clone(),
        )
        .unwrap();
        TestApp {
            state: AppState {
                services,
                clock: self.clock.clone(),
                secure_cookies: false,
            },
            clock: self.clock.clone(),
            cookies: Arc::default(),
            _dir: None,
            pg_database: None,
        }
    }

    /// The same database and clock served by `state` (other settings), with its own jar.
    pub fn with_state(&self, state: AppState) -> TestApp {
        TestApp {
            state,
            clock: self.clock.clone(),
            cookies: Arc::default(),
            _dir: None,
            pg_database: None,
        }
    }

    /// A cookie of the jar (empty when absent).
    pub fn cookie(&self, name: &str) -> String {
        self.cookies
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// The data directory a `xiaoneng serve --data-dir` process can serve this test's SQLite
    /// database from (`None` on PostgreSQL).
    pub fn sqlite_data_dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(tempfile::TempDir::path)
    }

    /// A URL another process can open this test's PostgreSQL database with (its schema named
    /// in the options, as a restore into another schema of it needs).
    pub fn postgres_url(&self) -> Option<String> {
        self.pg_database.as_ref().map(|(url, name)| {
            let url = template::database_url(url, name);
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-csearch_path%3Dpublic")
        })
    }

    /// Sends a request with the jar's cookies; keeps the cookies the answer sets.
    pub async fn send(&self, mut req: Request<Body>) -> Res {
        let cookie_header = {
            let jar = self.cookies.lock().unwrap();
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie_header.is_empty() && !req.headers().contains_key(header::COOKIE) {
            req.headers_mut()
                .insert(header::COOKIE, cookie_header.parse().unwrap());
        }
        let res = xn_web::app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        {
            let mut jar = self.cookies.lock().unwrap();
            for sc in headers.get_all(header::SET_COOKIE) {
                let c = cookie_pair(sc.to_str().unwrap());
                if c.2 {
                    jar.remove(&c.0);
                } else {
                    jar.insert(c.0, c.1);
                }
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a `multipart/form-data` form with files as a browser does (the session's CSRF
    /// token in the action URL): text `fields`, then `files` as (field, file name, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Res {
        let csrf = self.csrf().await;
        let (content_type, body) = multipart_body(fields, files);
        let sep = if path.contains('?') { '&' } else { '?' };
        self.send(
            Request::post(format!("{path}{sep}_csrf={csrf}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Posts a form as a browser does, adding the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf().await;
        all.push(("_csrf", &csrf));
        self.post_form_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_html_form::to_string(fields).unwrap();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// The CSRF token of the current session (as the pages embed it).
    pub async fn csrf(&self) -> String {
        let token = self
            .cookies
            .lock()
            .unwrap()
            .get("xn_session")
            .cloned()
            .unwrap_or_default();
        if token.is_empty() {
            return String::new();
        }
        match self
            .services()
            .authenticate_session(&token, &Default::default(), self.clock.now())
            .await
        {
            Ok(a) => a.csrf_token,
            Err(_) => String::new(),
        }
    }

    /// Signs in through the login form; answers the response to the POST.
    pub async fn sign_in(&self, login: &str, password: &str) -> Res {
        let page = self.get("/login").await;
        let csrf = field_value(&page.body, "_csrf");
        self.post_form_raw(
            "/login",
            &[("_csrf", &csrf), ("login", login), ("password", password)],
        )
        .await
    }

    /// Signs in with the demo password and, for a person with several posts, takes the first.
    pub async fn login_as(&self, login: &str) {
        self.cookies.lock().unwrap().clear();
        let mut res = self.sign_in(login, xn_service::demo::DEMO_PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in of {login} failed: {}",
            res.body
        );
        if res.location() == "/login/factor" {
            res = self.give_factor(login).await;
            assert_eq!(
                res.status,
                StatusCode::SEE_OTHER,
                "second factor of {login} refused: {}",
                res.body
            );
        }
        if res.location() == "/choose-post" {
            let page = self.get("/choose-post").await;
            let post_id = field_value(&page.body, "post_id");
            let r = self
                .post_form("/session/post", &[("post_id", &post_id)])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
    }

    /// A code of the demo administrators' factor that the server has not accepted yet for
    /// `login`: the earliest step within the window after the last one accepted; when the
    /// window holds none, the clock moves on to the next step (a code is accepted once).
    pub async fn demo_factor_code(&self, login: &str) -> String {
        let id = self.person_id(login).await;
        let last = self
            .scalar(&format!(
                "select coalesce(max(last_step), 0) from second_factors where person_id = {id}"
            ))
            .await;
        let step_of = |t: DateTime<Utc>| t.timestamp() / 30;
        let origin = step_of(self.clock.now());
        if last > origin {
            let wait = (last - origin) * 30;
            self.clock.advance(chrono::Duration::seconds(wait));
        }
        let origin = step_of(self.clock.now());
        let step = (origin - 1).max(last + 1);
        demo_totp(step)
    }

    /// Gives the demo factor's next code at `/login/factor`; answers the response.
    pub async fn give_factor(&self, login: &str) -> Res {
        let page = self.get("/login/factor").await;
        let csrf = field_value(&page.body, "_csrf");
        let code = self.demo_factor_code(login).await;
        self.post_form_raw("/login/factor", &[("_csrf", &csrf), ("code", &code)])
            .await
    }

    pub fn forget_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }

    /// Signs in as `login` and creates an API token with `scopes` through the API itself
    /// (session cookie + X-CSRF-Token), as an integration developer would; signs out after.
    ///
    /// No token carries an administrator's scope: for those, the answer is the credentials of
    /// a signed-in session of `login` (`session:<cookie>:<csrf>`), which [`TestApp::api`] sends
    /// as the session cookie and the CSRF header, as the administrator's browser would.
    pub async fn token_for(&self, login: &str, scopes: &[&str]) -> String {
        let admin = scopes.iter().any(|s| {
            xn_domain::org::Permission::from_code(s)
                .is_some_and(xn_domain::org::Permission::is_admin)
        });
        self.login_as(login).await;
        if admin {
            let cookie = self
                .cookies
                .lock()
                .unwrap()
                .get("xn_session")
                .cloned()
                .unwrap();
            let csrf = self.csrf().await;
            self.forget_cookies();
            return format!("session:{cookie}:{csrf}");
        }
        let csrf = self.csrf().await;
        let req = Request::post("/api/v1/tokens")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(
                serde_json::json!({"name": "对接测试", "scopes": scopes}).to_string(),
            ))
            .unwrap();
        let res = self.send(req).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        // Signed out, so that the sessions of one person do not pile up past the limit.
        self.post_form("/logout", &[]).await;
        self.forget_cookies();
        res.json()["token"].as_str().unwrap().to_owned()
    }

    /// Signs `login` in (the first post, as [`TestApp::login_as`]) and answers the session's
    /// credentials as `session:<cookie>:<csrf>`, for [`TestApp::api`] or a page request; the
    /// jar is left empty, so several people's sessions can be held at once.
    pub async fn session_of(&self, login: &str) -> String {
        self.login_as(login).await;
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .get("xn_session")
            .cloned()
            .unwrap();
        let csrf = self.csrf().await;
        self.forget_cookies();
        format!("session:{cookie}:{csrf}")
    }

    /// A JSON request through the API as the signed-in session (cookie + X-CSRF-Token), the way
    /// the pages' own scripts call it and the only way to reach an administrator's API.
    pub async fn session_json(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Res {
        let csrf = self.csrf().await;
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        self.send(req).await
    }

    /// The owner of `login` asks for a password reset at the sign-in page (signed out);
    /// answers the one-time link and the check code the page shows.
    pub async fn request_reset(&self, login: &str) -> (String, String) {
        self.forget_cookies();
        let page = self.get("/password-reset").await;
        let csrf = field_value(&page.body, "_csrf");
        let res = self
            .post_form_raw("/password-reset", &[("_csrf", &csrf), ("login", login)])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let link = res
            .body
            .split("href=\"/password-reset/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(|s| format!("/password-reset/{s}"))
            .unwrap_or_else(|| panic!("no link in {}", res.body));
        let code = res
            .body
            .split("核对码：<strong class=\"secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_owned();
        (link, code)
    }

    /// Sets a new password through a one-time link (signed out); answers the response.
    pub async fn use_reset_link(&self, link: &str, new_password: &str) -> Res {
        self.forget_cookies();
        // The signed-out forms share one double-submit token; a link not yet approved shows
        // no form, and a hand-made post must still be refused by the service.
        let page = self.get("/password-reset").await;
        let csrf = field_value(&page.body, "_csrf");
        self.post_form_raw(link, &[("_csrf", &csrf), ("new_password", new_password)])
            .await
    }

    /// A password reset as it is done: the owner asks, the security administrator approves
    /// with the check code, the owner sets `new_password` through the link.
    pub async fn reset_password_of(&self, login: &str, new_password: &str) {
        let id = self.person_id(login).await;
        let (link, code) = self.request_reset(login).await;
        self.login_as("secadmin").await;
        let res = self
            .post_form(
                &format!("/org/persons/{id}/reset-password"),
                &[("check_code", &code)],
            )
            .await;
        assert!(res.body.contains("已批准口令重置申请"), "{}", res.body);
        let done = self.use_reset_link(&link, new_password).await;
        assert_eq!(done.location(), "/login?reset=1", "{}", done.body);
        self.forget_cookies();
    }

    /// A request carrying `token`: a bearer token, or a session's cookie and CSRF header (see
    /// [`TestApp::token_for`]).
    pub fn authorized(
        b: axum::http::request::Builder,
        token: &str,
    ) -> axum::http::request::Builder {
        match token
            .strip_prefix("session:")
            .and_then(|t| t.split_once(':'))
        {
            Some((cookie, csrf)) => b
                .header(header::COOKIE, format!("xn_session={cookie}"))
                .header("x-csrf-token", csrf),
            None => b.header(header::AUTHORIZATION, format!("Bearer {token}")),
        }
    }

    /// A JSON request with a bearer token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> Res {
        let mut b = Self::authorized(Request::builder().method(method).uri(path), token);
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    /// A request whose body is raw bytes, with a bearer token.
    pub async fn api_bytes(&self, method: &str, path: &str, token: &str, body: Vec<u8>) -> Res {
        let req = Self::authorized(Request::builder().method(method).uri(path), token)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The raw bytes of a GET with a bearer token (panics unless 200).
    pub async fn api_raw(&self, path: &str, token: &str) -> Vec<u8> {
        let req = Self::authorized(Request::builder().method("GET").uri(path), token)
            .body(Body::empty())
            .unwrap();
        let res = xn_web::app(self.state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    /// One integer from the database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let sql = sql.to_owned();
        match self.services().db() {
            Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// Runs a statement straight on the database (to break it on purpose).
    pub async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.services().db() {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }

    /// One text value from the database.
    pub async fn text(&self, sql: &str) -> String {
        let sql = sql.to_owned();
        match self.services().db() {
            Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// The login of a post of the city's office cleared for 非密 only (and holding no other
    /// post): someone of the unit below a classified document's 密级.
    pub async fn below_clearance_login(&self) -> String {
        self.text(
            "select pe.login from persons pe join posts p on p.person_id = pe.id
             join units s on s.id = p.unit_id join units o on o.id = s.parent_id
             where o.name = '东川市人民政府办公室' and p.clearance = 'public'
               and (select count(*) from posts q where q.person_id = pe.id) = 1
             order by p.id limit 1",
        )
        .await
    }

    /// A document's current body as stored, opened with the tests' installation key (bodies
    /// are kept encrypted: `xn_service::at_rest`).
    pub async fn document_body(&self, doc: i64) -> String {
        let stored = self
            .text(&format!("select body from documents where id = {doc}"))
            .await;
        xn_service::at_rest::AtRest::new(TEST_SEAL_KEY)
            .open_text(
                &xn_service::at_rest::body_label(doc),
                &xn_store::Sealed(stored),
            )
            .unwrap()
    }

    /// A column of text values from the database.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        let sql = sql.to_owned();
        match self.services().db() {
            Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await
                .unwrap(),
        }
    }

    /// Counts rows of a table, straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("select count(*) from {table}")).await
    }

    /// How many events of a kind were recorded.
    pub async fn events_of(&self, kind: &str) -> i64 {
        self.scalar(&format!(
            "select count(*) from events where kind = '{kind}'"
        ))
        .await
    }

    /// The flow events of one kind (`flow.step_done`…) with their details, whether recorded
    /// as an action's row or among the consequences under its `then`.
    pub async fn flow_events(&self, kind: &str) -> Vec<serde_json::Value> {
        let sql = "select kind, detail from events where kind like 'flow.%' order by id";
        let rows: Vec<(String, String)> = match self.services().db() {
            Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        };
        let short = kind.trim_start_matches("flow.");
        let mut out = Vec::new();
        for (row_kind, detail) in rows {
            let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
            if row_kind == kind {
                out.push(detail.clone());
            }
            for then in detail["then"].as_array().into_iter().flatten() {
                if then["kind"] == short {
                    out.push(then.clone());
                }
            }
        }
        out
    }

    /// A unit's id by its full name.
    pub async fn unit_id(&self, name: &str) -> i64 {
        self.scalar(&format!("select id from units where name = '{name}'"))
            .await
    }

    /// The first post of a person, by login.
    pub async fn post_of(&self, login: &str) -> i64 {
        self.scalar(&format!(
            "select p.id from posts p join persons pe on pe.id = p.person_id
         where pe.login = '{login}' order by p.id limit 1"
        ))
        .await
    }

    /// The login of the person holding a position (with a title, if given) in a named section of a
    /// county office.
    pub async fn login_in(&self, county_office: &str, section: &str, position: &str) -> String {
        self.text(&format!(
            "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units o on o.id = s.parent_id
         join positions q on q.id = p.position_id
         where o.name = '{county_office}' and s.name = '{section}' and q.code = '{position}'
         order by p.id limit 1"
        ))
        .await
    }

    /// The login of the person holding a position in a unit.
    pub async fn login_of_position(&self, unit: &str, position: &str) -> String {
        self.text(&format!(
            "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units u on u.id = p.unit_id join positions q on q.id = p.position_id
         where u.name = '{unit}' and q.code = '{position}' order by p.id limit 1"
        ))
        .await
    }

    /// The open task of a case in a person's 待办.
    pub async fn task_of(&self, token: &str, case_id: i64) -> Option<serde_json::Value> {
        let todo = self
            .api("GET", "/api/v1/tasks?queue=todo&limit=200", token, None)
            .await
            .json();
        todo.as_array()
            .unwrap()
            .iter()
            .find(|t| t["case_id"] == case_id)
            .cloned()
    }

    /// An internal request (内部事项审批) started by the holder of `token`: it waits at its
    /// 科长审核. Answers the case.
    pub async fn internal_request(&self, token: &str, title: &str, body: &str) -> i64 {
        let res = self
            .api(
                "POST",
                "/api/v1/cases",
                token,
                Some(serde_json::json!({"process": "internal_request", "title": title, "body": body})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()["case_id"].as_i64().unwrap()
    }

    /// A notice to 清河县人民政府 drafted and submitted by the 秘书 (of `classification`, with its
    /// 保密期限, when given) and checked by the 科长: it waits at the 主任's 签发. Answers the case.
    pub async fn notice_at_the_director(&self, title: &str, classification: Option<&str>) -> i64 {
        let scopes = ["org.read", "flow.work"];
        let mishu = self.token_for("mishu", &scopes).await;
        let kezhang = self.token_for("kezhang", &scopes).await;
        let county = self.unit_id("清河县人民政府").await;
        let mut draft = serde_json::json!({
            "kind": "notice",
            "title": title,
            "main_recipients": [{"unit_id": county, "name": "清河县人民政府"}],
            "body": "各县（区）人民政府：\n现将有关事项通知如下。",
        });
        if let Some(c) = classification {
            draft["classification"] = c.into();
            draft["secrecy_term"] = "1年".into();
        }
        let res = self
            .api("POST", "/api/v1/documents", &mishu, Some(draft))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let signer = self.post_of("zhuren").await;
        let res = self
            .api(
                "POST",
                &format!("/api/v1/documents/{doc}/submit"),
                &mishu,
                Some(serde_json::json!({"signoff_post": signer})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let case = res.json()["case_id"].as_i64().unwrap();
        self.complete_ok(&kezhang, case, "同意", "核稿无误", serde_json::json!({}))
            .await;
        case
    }

    /// Completes a person's open task of a case through the API.
    pub async fn complete(
        &self,
        token: &str,
        case_id: i64,
        decision: &str,
        opinion: &str,
        choices: serde_json::Value,
    ) -> Res {
        let Some(task) = self.task_of(token, case_id).await else {
            let open = self
            .text(&format!(
                "select step_id || ':' || post_id || ':' || state from tasks where case_id = {case_id} order by id desc limit 1"
            ))
            .await;
            panic!("no task of case {case_id} in this 待办; its tasks: {open}");
        };
        self.api(
            "POST",
            &format!("/api/v1/tasks/{}/complete", task["id"]),
            token,
            Some(serde_json::json!({"decision": decision, "opinion": opinion, "choices": choices})),
        )
        .await
    }

    /// Completes a person's open task of a case and expects it to succeed.
    pub async fn complete_ok(
        &self,
        token: &str,
        case_id: i64,
        decision: &str,
        opinion: &str,
        choices: serde_json::Value,
    ) {
        let res = self
            .complete(token, case_id, decision, opinion, choices)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{decision}: {}", res.body);
    }

    /// The id of a person by login.
    pub async fn person_id(&self, login: &str) -> i64 {
        self.scalar(&format!("select id from persons where login = '{login}'"))
            .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((url, name)) = self.pg_database.take() {
            // Drop the test's database on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "drop database if exists {name} with (force)"
                        )))
                        .execute(&pool)
                        .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The server URL of `TEST_POSTGRES_URL`, or `None` (with the reason printed) when it is not
/// set and not required.
pub fn postgres_server_url() -> Option<String> {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        if std::env::var("XN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("XN_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipped on PostgreSQL: TEST_POSTGRES_URL is not set");
        return None;
    };
    Some(url)
}

/// The installation key of every test's services.
pub const TEST_SEAL_KEY: &[u8; 16] = b"test seal key 16";

/// The settings every test's services run with (a cheap password hash, a fixed seal key).
fn test_settings() -> Settings {
    Settings {
        hashing: xn_service::password::HashCost {
            memory_kib: 256,
            iterations: 1,
        },
        seal_key: Some(*TEST_SEAL_KEY),
        ..Settings::default()
    }
}

mod template;

/// (name, value, is a removal) of a Set-Cookie header.
fn cookie_pair(set_cookie: &str) -> (String, String, bool) {
    let first = set_cookie.split(';').next().unwrap_or("");
    let (name, value) = first.split_once('=').unwrap_or((first, ""));
    let removal = value.is_empty() || set_cookie.contains("Max-Age=0");
    (name.trim().to_owned(), value.trim().to_owned(), removal)
}

/// A page's upload form as a browser posts it to `path`: `multipart/form-data` with the file
/// in the field `file`, or, for `None`, a form whose file field was left out.
pub fn upload_form(path: &str, file: Option<(&str, &[u8])>) -> Request<Body> {
    let boundary = "XNBOUNDARY";
    let mut body = Vec::new();
    match file {
        Some((filename, bytes)) => {
            body.extend_from_slice(format!("--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\ncontent-type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
        }
        None => body.extend_from_slice(
            format!("--{boundary}\r\ncontent-disposition: form-data; name=\"note\"\r\n\r\n无")
                .as_bytes(),
        ),
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// The value of the first `name="…" value="…"` input in a page.
pub fn field_value(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no field {name} in page"))
        + needle.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// What the application logged, for every test of the binary: a subscriber installed once that
/// keeps every line.
static LOG: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

fn log_buffer() -> Arc<Mutex<Vec<u8>>> {
    Arc::clone(LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .finish();
        // Another subscriber set first (none is) would leave this one out; then nothing is
        // captured and the test looking for a line fails, as it should.
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    }))
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts keeping the log (call before the action whose log line is wanted; `spawn` does).
pub fn keep_log() {
    log_buffer();
}

/// Whether some log record with text `a` holds text `b` too (a record may span lines: an
/// error's chain is written out in full).
pub fn logged(a: &str, b: &str) -> bool {
    let buf = log_buffer();
    let text = String::from_utf8_lossy(&buf.lock().unwrap()).into_owned();
    text.match_indices(a).any(|(i, _)| {
        let rest = &text[i..];
        let end = rest.find(" ERROR ").unwrap_or(rest.len());
        rest[..end].contains(b)
    })
}

/// A `multipart/form-data` body as a browser sends it: text `fields`, then `files` as (field,
/// file name, bytes). Answers (content type, body).
pub fn multipart_body(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xn-test-boundary-7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\ncontent-type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The six-digit code of the demo administrators' factor for TOTP time step `step`.
pub fn demo_totp(step: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(
            totp_rs::Secret::try_from_base32(xn_service::demo::DEMO_FACTOR_SECRET).unwrap(),
        )
        .build()
        .unwrap();
    totp.generate(u64::try_from(step * 30).unwrap()).to_string()
}
