//! API fuzzing: schemathesis (from PyPI) reads `/api/v1/openapi.json` of a real server on the
//! test city and sends it requests generated from the document, as a 秘书 with an API token,
//! for a bounded time. No request may be answered with a 5xx, and every answer must be one the
//! document describes: its status, its content type and its schema.
//!
//! CI installs schemathesis (`.ci/run`) and sets `XN_SCHEMATHESIS` to it; elsewhere the test
//! looks for `schemathesis` on the PATH and says so when it is missing. `XN_FUZZ_SECS` bounds
//! each engine's run (default 60).

use std::process::Command;

use crate::support::{Engine, TestApp, free_port, http_call, serve};

/// The checks the run makes, named as schemathesis names them.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Operations the run leaves alone: revoking a token could revoke the run's own, after which
/// every answer would be a (correct, and useless) 401.
const EXCLUDED: &[&str] = &["DELETE /api/v1/tokens/{id}"];

fn schemathesis() -> Option<String> {
    if let Ok(path) = std::env::var("XN_SCHEMATHESIS") {
        assert!(
            std::path::Path::new(&path).is_file(),
            "XN_SCHEMATHESIS names no program ({path}): its installation failed (.ci/run, step fuzzer)"
        );
        return Some(path);
    }
    let found = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    found.then(|| "schemathesis".to_owned())
}

async fn fuzz(engine: Engine) {
    let Some(bin) = schemathesis() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI installs schemathesis (.ci/run)"
        );
        eprintln!(
            "schemathesis is not installed (pip install schemathesis): the API was not fuzzed"
        );
        return;
    };
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    // The server runs on the real clock: the token is made on it too.
    if let xn_web::Clock::Manual(t) = &app.clock {
        *t.lock().unwrap() = xn_web::Clock::System.now();
    }
    let token = app
        .token_for("mishu", &["org.read", "flow.work", "token.own"])
        .await;
    let port = free_port();
    let mut server = serve(&app, port);
    for _ in 0..200 {
        if http_call(port, "GET", "/healthz", "", "").await.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let secs = std::env::var("XN_FUZZ_SECS").unwrap_or_else(|_| "60".to_owned());
    let report = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&bin);
    cmd.args(["--no-color", "run"])
        .arg(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
        .args(["--url", &format!("http://127.0.0.1:{port}")])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--max-time", &secs])
        .args(["--phases", "examples,coverage,fuzzing"])
        // One worker: with two threads, the Python 3.11 this machine has fails inside
        // `ast.parse` ("AST constructor recursion depth mismatch"), a fault of the
        // interpreter, not of the API.
        .args(["--workers", "1"])
        .args(["--seed", "20261207"])
        // The other tests run beside this one: a slow answer is not a failure, only a wrong one.
        .args(["--request-timeout", "30"])
        .args(["--generation-database", "none"])
        .arg("--report-dir")
        .arg(report.path())
        .current_dir(report.path());
    for op in EXCLUDED {
        cmd.args(["--exclude-name", op]);
    }
    let out = cmd.output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found failures on {engine:?}:\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
}

#[tokio::test]
async fn the_api_answers_generated_requests_as_documented_on_sqlite() {
    fuzz(Engine::Sqlite).await;
}

#[tokio::test]
async fn the_api_answers_generated_requests_as_documented_on_postgres() {
    fuzz(Engine::Postgres).await;
}
