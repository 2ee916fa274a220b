//! Data at rest (issue 17, finding 11): a document's body, its saved versions, its files and
//! the opinions written on tasks (with a document's 签发意见) are stored SM4-encrypted with an HMAC-SM3; a changed byte, a value moved from another row
//! and a plain value written behind the server's back are refused, never served; an
//! installation upgraded from an earlier build has what it stored in plain sealed at the
//! start that upgrades it, and only then.

use axum::http::StatusCode;
use serde_json::json;
use xn_service::at_rest::{
    AtRest, REFUSED_OPINION, blob_label, body_label, opinion_label, signed_off_label, version_label,
};
use xn_store::{Db, Sealed};

use crate::documents::{notice, tokens};
use crate::on_both_engines;
use crate::support::{TestApp, logged};

const MARK: &str = "防汛物资储备点位于东川市北郊";
const FILE: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\n% a secret list of stores\ntrailer<<>>\n%%EOF\n";

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The bytes a file's row holds, straight from the database.
async fn stored_blob(app: &TestApp, hash: &str) -> Vec<u8> {
    let sql = sqlx::AssertSqlSafe(format!("select content from blobs where hash = '{hash}'"));
    match app.services().db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// Writes a file's row, straight to the database (as someone without the key would).
async fn write_blob(app: &TestApp, hash: &str, bytes: &[u8]) {
    let sql = "update blobs set content = $1 where hash = $2";
    match app.services().db() {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(bytes)
            .bind(hash)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(bytes)
            .bind(hash)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

on_both_engines!(
    bodies_versions_and_files_are_stored_encrypted_and_a_changed_value_is_refused,
    |app: TestApp| async move {
        let t = tokens(&app).await;
        let qinghe = (app.unit_id("清河县人民政府").await, "清河县人民政府");
        let mut draft = notice(&[qinghe]);
        draft["body"] = json!(format!("各县（区）人民政府：\n{MARK}。"));
        let res = app
            .api("POST", "/api/v1/documents", &t.mishu, Some(draft))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let doc = res.json()["id"].as_i64().unwrap();
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/documents/{doc}/attachments?name=store.pdf"),
                &t.mishu,
                FILE.to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // What is stored: no plain text, no plain bytes; each opens at its own place only.
        let body = app
            .text(&format!("select body from documents where id = {doc}"))
            .await;
        let version = app
            .text(&format!(
                "select body from document_versions where document_id = {doc} and no = 1"
            ))
            .await;
        assert!(body.starts_with("sm4:") && !body.contains("防汛"), "{body}");
        assert!(version.starts_with("sm4:") && version != body, "{version}");
        let keys = AtRest::new(crate::support::TEST_SEAL_KEY);
        assert!(
            keys.open_text(&body_label(doc), &Sealed(body.clone()))
                .unwrap()
                .contains(MARK)
        );
        assert!(
            keys.open_text(&version_label(doc, 1), &Sealed(version.clone()))
                .unwrap()
                .contains(MARK)
        );
        assert!(
            keys.open_text(&body_label(doc + 1), &Sealed(body.clone()))
                .is_err()
        );
        let hash = app
            .text(&format!(
                "select hash from document_attachments where document_id = {doc}"
            ))
            .await;
        let stored = stored_blob(&app, &hash).await;
        assert!(!contains(&stored, b"a secret list of stores"));
        assert_eq!(keys.open(&blob_label(&hash), &stored).unwrap(), FILE);
        assert_eq!(
            app.scalar(&format!(
                "select cast(sealed as bigint) from blobs where hash = '{hash}'"
            ))
            .await,
            1
        );

        // Served opened: the page, the API, the search passage, the file.
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.body);
        assert!(view.json()["body"].as_str().unwrap().contains(MARK));
        let found = app
            .api(
                "GET",
                &format!(
                    "/api/v1/documents/search?q={}",
                    url::form_urlencoded::byte_serialize("物资储备".as_bytes()).collect::<String>()
                ),
                &t.mishu,
                None,
            )
            .await;
        assert!(found.body.contains("物资储备点"), "{}", found.body);
        let att = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &t.mishu, None)
            .await
            .json()["attachments"][0]["id"]
            .as_i64()
            .unwrap();
        let file_path = format!("/api/v1/documents/{doc}/attachments/{att}");
        assert_eq!(app.api_raw(&file_path, &t.mishu).await, FILE);

        // One byte of the file changed in the database: refused, not served.
        let mut changed = stored.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x20;
        write_blob(&app, &hash, &changed).await;
        let res = app.api("GET", &file_path, &t.mishu, None).await;
        assert_eq!(
            res.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            res.body
        );
        assert!(!res.body.contains("secret"));
        // The file's plain bytes written in its place: refused too.
        write_blob(&app, &hash, FILE).await;
        let res = app.api("GET", &file_path, &t.mishu, None).await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        write_blob(&app, &hash, &stored).await;
        assert_eq!(app.api_raw(&file_path, &t.mishu).await, FILE);

        // Another document's sealed body moved into this one: refused.
        let res = app
            .api(
                "POST",
                "/api/v1/documents",
                &t.mishu,
                Some(notice(&[qinghe])),
            )
            .await;
        let other = res.json()["id"].as_i64().unwrap();
        let page = format!("/api/v1/documents/{doc}");
        app.exec(&format!(
            "update documents set body = (select body from documents where id = {other}) \
             where id = {doc}"
        ))
        .await;
        let res = app.api("GET", &page, &t.mishu, None).await;
        assert_eq!(
            res.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            res.body
        );
        // Plain text written behind the server's back: refused.
        app.exec(&format!(
            "update documents set body = '各县（区）人民政府：改过的正文' where id = {doc}"
        ))
        .await;
        let res = app.api("GET", &page, &t.mishu, None).await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!res.body.contains("改过的正文"));
        // Put back, it is served again.
        app.exec(&format!(
            "update documents set body = '{body}' where id = {doc}"
        ))
        .await;
        let res = app.api("GET", &page, &t.mishu, None).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(logged("stored value", "refused"));
    }
);

/// A database of the build before bodies were sealed (migration 0054), with one document, one
/// saved version and one file in plain; `url` is its address for the binary.
async fn earlier_build(db: &Db) {
    db.migrate_to(54).await.unwrap();
    let file_hash = hex::encode(<sm3::Sm3 as sm3::Digest>::digest(FILE));
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'office', '市政府办公室', '市府办', 0)".to_owned(),
        "insert into persons (id, login, name, password_hash, created_at) values (1, 'a', '甲', '', 0)".to_owned(),
        "insert into positions (id, code, name, rank) values (901, 'staff', '科员', 0)".to_owned(),
        "insert into posts (id, person_id, unit_id, position_id, created_at) values (1, 1, 1, 901, 0)".to_owned(),
        format!(
            "insert into documents (id, direction, unit_id, kind, format, title, status, body,
                body_version, created_post_id, created_at, updated_at)
             values (4, 'outgoing', 1, 'notice', 'file', '旧通知', 'drafting', '{MARK}', 1, 1, 0, 0)"
        ),
        format!(
            "insert into document_versions (document_id, no, title, body, author_post_id,
                author_person_id, created_at) values (4, 1, '旧通知', '{MARK}', 1, 1, 0)"
        ),
    ] {
        exec_on(db, &sql).await;
    }
    let sql = "insert into blobs (hash, size, content, created_at) values ($1, $2, $3, 0)";
    let size = i64::try_from(FILE.len()).unwrap();
    match db {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(&file_hash)
            .bind(size)
            .bind(FILE)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(&file_hash)
            .bind(size)
            .bind(FILE)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
}

async fn exec_on(db: &Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

async fn text_on(db: &Db, sql: &str) -> String {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

on_both_engines!(
    an_upgrade_seals_what_an_earlier_build_stored_in_plain_and_only_then,
    |app: TestApp| async move {
        let dir = tempfile::tempdir().unwrap();
        let key = *b"0123456789abcdef";
        std::fs::write(
            dir.path().join("seal.key"),
            format!("{}\n", hex::encode(key)),
        )
        .unwrap();
        // An earlier build's installation: its own database beside the test's.
        let (db, place): (Db, Vec<String>) = match app.postgres_url() {
            Some(url) => {
                let name = format!(
                    "xn_u_{}",
                    xn_service::password::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let mut u = url::Url::parse(&url).unwrap();
                u.set_path(&format!("/{name}"));
                u.set_query(None);
                let db = Db::open_postgres(u.as_str(), None).await.unwrap();
                (db, vec!["--database-url".into(), u.to_string()])
            }
            None => {
                let db = Db::open_sqlite(&dir.path().join("xiaoneng.db"))
                    .await
                    .unwrap();
                (db, Vec::new())
            }
        };
        earlier_build(&db).await;
        let mut args = vec![
            "migrate".to_owned(),
            "--data-dir".to_owned(),
            dir.path().display().to_string(),
        ];
        args.extend(place.iter().cloned());
        let run_command = |command: &str| {
            let mut args = args.clone();
            args[0] = command.to_owned();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaoneng"))
                .args(&args)
                .env_remove("XIAONENG_DATABASE_URL")
                .env_remove("XIAONENG_DATA_DIR")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let run = || run_command("migrate");
        run();
        let keys = AtRest::new(&key);
        let body = text_on(&db, "select body from documents where id = 4").await;
        let version = text_on(
            &db,
            "select body from document_versions where document_id = 4",
        )
        .await;
        assert_eq!(keys.open_text(&body_label(4), &Sealed(body)).unwrap(), MARK);
        assert_eq!(
            keys.open_text(&version_label(4, 1), &Sealed(version))
                .unwrap(),
            MARK
        );
        let hash = hex::encode(<sm3::Sm3 as sm3::Digest>::digest(FILE));
        let stored: Vec<u8> = match &db {
            Db::Sqlite(p) => sqlx::query_scalar("select content from blobs")
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar("select content from blobs")
                .fetch_one(p)
                .await
                .unwrap(),
        };
        assert_eq!(keys.open(&blob_label(&hash), &stored).unwrap(), FILE);

        // A plain body written later is not sealed by a later start: it stays refused.
        exec_on(
            &db,
            "update documents set body = '后写入的明文' where id = 4",
        )
        .await;
        run();
        assert_eq!(
            text_on(&db, "select body from documents where id = 4").await,
            "后写入的明文"
        );
        // Only the console command, an administrator's deliberate act, seals it.
        let said = run_command("seal-legacy");
        assert!(said.contains("正文 1 件"), "{said}");
        let body = text_on(&db, "select body from documents where id = 4").await;
        assert_eq!(
            keys.open_text(&body_label(4), &Sealed(body)).unwrap(),
            "后写入的明文"
        );
        db.close().await;
        if let Some(url) = app.postgres_url() {
            let name = place[1].rsplit('/').next().unwrap().to_owned();
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "drop database if exists {name} with (force)"
            )))
            .execute(&admin)
            .await
            .unwrap();
            admin.close().await;
        }
    }
);

const SAID: &str = "同意。请核实防汛物资储备点清单后印发";

/// The opinions of a case's tasks as stored, by task id.
async fn stored_opinions(app: &TestApp, case: i64) -> Vec<(i64, String)> {
    let sql = format!(
        "select id, opinion from tasks where case_id = {case} and opinion <> '' order by id"
    );
    let sql = sqlx::AssertSqlSafe(sql);
    match app.services().db() {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    }
}

/// A case's engine state as stored.
async fn case_state(app: &TestApp, case: i64) -> xn_domain::flow::CaseState {
    let mut tx = app.services().db().begin().await.unwrap();
    let bytes = xn_store::flow::stored_state(&mut tx, case).await.unwrap();
    tx.commit().await.unwrap();
    xn_service::flow::stored::decode(&bytes).unwrap()
}

/// The opinions the case's API shows: its timeline's and its holders'.
async fn shown_opinions(app: &TestApp, token: &str, case: i64) -> (Vec<String>, Vec<String>) {
    let res = app
        .api("GET", &format!("/api/v1/cases/{case}"), token, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v = res.json();
    let strings = |list: Vec<&serde_json::Value>| {
        list.into_iter()
            .filter_map(|e| e["opinion"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let timeline = strings(v["timeline"].as_array().unwrap().iter().collect());
    let holders = strings(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["holders"].as_array().unwrap().iter())
            .collect(),
    );
    (timeline, holders)
}

on_both_engines!(
    opinions_are_stored_encrypted_shown_opened_and_a_moved_one_is_refused,
    |app: TestApp| async move {
        let case = app.notice_at_the_director("物资储备点通知", None).await;
        let zhuren = app.token_for("zhuren", &["org.read", "flow.work"]).await;
        app.complete_ok(&zhuren, case, "同意", SAID, json!({}))
            .await;

        // Stored: sealed in the task rows, the case's state, the event rows and the 签发意见.
        let keys = AtRest::new(crate::support::TEST_SEAL_KEY);
        let stored = stored_opinions(&app, case).await;
        assert_eq!(stored.len(), 2, "{stored:?}");
        for (_, o) in &stored {
            assert!(o.starts_with("sm4:"), "{o}");
        }
        let nos = app
            .texts(&format!(
                "select cast(task_no as text) from tasks where case_id = {case} and opinion <> '' order by id"
            ))
            .await;
        let second_no: i64 = nos[1].parse().unwrap();
        assert_eq!(
            keys.open_text(
                &opinion_label(case, second_no),
                &Sealed(stored[1].1.clone())
            )
            .unwrap(),
            SAID
        );
        assert_eq!(
            app.scalar(&format!(
                "select count(*) from events where subject = 'case:{case}' \
                 and (detail like '%核稿无误%' or detail like '%核实防汛%')"
            ))
            .await,
            0
        );
        assert!(
            app.scalar(&format!(
                "select count(*) from events where subject = 'case:{case}' \
                 and detail like '%\"opinion\":\"sm4:%'"
            ))
            .await
                >= 2
        );
        let state = case_state(&app, case).await;
        let in_state: Vec<&String> = state
            .tasks
            .iter()
            .filter_map(|t| t.opinion.as_ref())
            .collect();
        assert!(in_state.iter().any(|o| !o.is_empty()));
        assert!(
            in_state
                .iter()
                .all(|o| o.is_empty() || o.starts_with("sm4:")),
            "{in_state:?}"
        );
        let doc = app
            .scalar(&format!("select id from documents where case_id = {case}"))
            .await;
        let signed = app
            .text(&format!(
                "select signed_off_opinion from documents where id = {doc}"
            ))
            .await;
        assert_eq!(
            keys.open_text(&signed_off_label(doc), &Sealed(signed))
                .unwrap(),
            SAID
        );

        // Shown opened: the case's history and holders, the document's 签发意见.
        let (timeline, holders) = shown_opinions(&app, &zhuren, case).await;
        for want in ["核稿无误", SAID] {
            assert!(timeline.iter().any(|o| o == want), "{timeline:?}");
            assert!(holders.iter().any(|o| o == want), "{holders:?}");
        }
        let view = app
            .api("GET", &format!("/api/v1/documents/{doc}"), &zhuren, None)
            .await
            .json();
        assert_eq!(view["signed_off_opinion"], SAID);

        // The 科长's sealed opinion moved onto the 主任's task: refused there, the page served.
        let (first, second) = (stored[0].0, stored[1].0);
        app.exec(&format!(
            "update tasks set opinion = (select opinion from tasks where id = {first}) where id = {second}"
        ))
        .await;
        let (_, holders) = shown_opinions(&app, &zhuren, case).await;
        assert!(holders.iter().any(|o| o == REFUSED_OPINION), "{holders:?}");
        assert!(!holders.iter().any(|o| o == SAID), "{holders:?}");
        assert!(logged(
            "failed its integrity check",
            &format!("case:{case}:task:")
        ));

        // Put back as an earlier build kept them (plain in the rows and in the state), an
        // upgrade's sealing seals them where they are and the page shows them again.
        app.exec(&format!(
            "update tasks set opinion = '核稿无误' where id = {first}"
        ))
        .await;
        app.exec(&format!(
            "update tasks set opinion = '{SAID}' where id = {second}"
        ))
        .await;
        let mut plain = state.clone();
        let mut reopened = Vec::new();
        for t in &mut plain.tasks {
            if let Some(o) = t.opinion.as_mut().filter(|o| !o.is_empty()) {
                *o = keys
                    .open_text(&opinion_label(case, i64::from(t.no)), &Sealed(o.clone()))
                    .unwrap();
                reopened.push(o.clone());
            }
        }
        assert!(reopened.iter().any(|o| o == SAID), "{reopened:?}");
        let mut tx = app.services().db().begin().await.unwrap();
        xn_store::flow::restore_state(
            &mut tx,
            case,
            &xn_service::flow::stored::encode(&plain).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Plain, they are refused like any value written behind the server's back.
        let (_, holders) = shown_opinions(&app, &zhuren, case).await;
        assert!(!holders.iter().any(|o| o == SAID), "{holders:?}");
        let done = app.services().seal_legacy_at_rest().await.unwrap();
        assert_eq!((done.opinions, done.states), (2, 1), "{done:?}");
        for (_, o) in stored_opinions(&app, case).await {
            assert!(o.starts_with("sm4:"), "{o}");
        }
        let resealed = case_state(&app, case).await;
        assert!(
            resealed
                .tasks
                .iter()
                .filter_map(|t| t.opinion.as_ref())
                .all(|o| o.is_empty() || o.starts_with("sm4:"))
        );
        let (timeline, holders) = shown_opinions(&app, &zhuren, case).await;
        assert!(holders.iter().any(|o| o == SAID), "{holders:?}");
        assert!(timeline.iter().any(|o| o == SAID), "{timeline:?}");
    }
);
