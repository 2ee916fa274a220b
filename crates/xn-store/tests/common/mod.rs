#![allow(dead_code, reason = "each test file uses a part of the support code")]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed step stops the test"
)]

//! What the store's tests share: a database on each engine (a temporary SQLite file; a fresh
//! PostgreSQL schema from `TEST_POSTGRES_URL`, skipped with a message when unset, failed when
//! `XN_REQUIRE_POSTGRES=1`).

use std::hash::{BuildHasher, RandomState};

use xn_store::Db;

/// A database for one test, on one engine, opened but not migrated.
pub struct TestDb {
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("t.db")).await.unwrap();
        TestDb {
            db,
            _dir: Some(dir),
            pg: None,
        }
    }

    pub async fn postgres() -> Option<TestDb> {
        let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
            if std::env::var("XN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("XN_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set");
            }
            eprintln!("skipped on PostgreSQL: TEST_POSTGRES_URL is not set");
            return None;
        };
        let schema = format!("s_{:016x}", RandomState::new().hash_one(std::process::id()));
        let admin = sqlx::PgPool::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("create schema {schema}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let db = Db::open_postgres(&url, Some(&schema)).await.unwrap();
        Some(TestDb {
            db,
            _dir: None,
            pg: Some((url, schema)),
        })
    }

    pub async fn finish(self) {
        self.db.close().await;
        if let Some((url, schema)) = self.pg {
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("drop schema {schema} cascade")))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

/// A test run on both engines, on a migrated database.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            pub async fn sqlite() {
                let t = TestDb::sqlite().await;
                t.db.migrate().await.unwrap();
                ($body)(&t.db).await;
                t.finish().await;
            }
            #[tokio::test]
            #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
            pub async fn postgres() {
                if let Some(t) = TestDb::postgres().await {
                    t.db.migrate().await.unwrap();
                    ($body)(&t.db).await;
                    t.finish().await;
                }
            }
        }
    };
}
