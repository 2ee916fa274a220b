//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the
//! migration files at compile time. Also tells the tests whether PostgreSQL was given: without
//! `TEST_POSTGRES_URL` their PostgreSQL cases are built as ignored, so a plain `cargo test` says
//! they did not run instead of counting them as passed.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    println!("cargo::rustc-check-cfg=cfg(xn_no_postgres)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    if std::env::var_os("TEST_POSTGRES_URL").is_none() {
        println!("cargo::rustc-cfg=xn_no_postgres");
    }
}
