//! The floor of the HTTP stack for `bench/http.sh`: the same server stack as xiaoneng (tokio,
//! axum, sqlx on SQLite in WAL with `synchronous=FULL`) with nothing of xiaoneng in it.
//!
//! - `GET /` answers a short text: the most a bare handler can serve.
//! - `POST /commit` inserts one row and commits it durably: the most an acknowledged write can
//!   reach through this stack on this disk.
//!
//! Usage: `http_floor --addr 127.0.0.1:18180 --db /tmp/floor.db`

use std::str::FromStr;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

async fn commit(State(pool): State<sqlx::SqlitePool>) -> StatusCode {
    let done = sqlx::query("insert into floor (at, body) values (unixepoch('subsec'), 'x')")
        .execute(&pool)
        .await;
    match done {
        Ok(_) => StatusCode::CREATED,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = arg("--addr", "127.0.0.1:18180");
    let db = arg("--db", "floor.db");
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{db}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(std::time::Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?;
    sqlx::query("create table if not exists floor (id integer primary key, at real, body text)")
        .execute(&pool)
        .await?;
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/commit", post(commit))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("http_floor listening on {addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
