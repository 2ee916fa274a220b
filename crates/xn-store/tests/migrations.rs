#![expect(
    clippy::unwrap_used,
    reason = "test code: a failed step stops the test"
)]

//! Migrations that change rows already written keep what they held, on both engines.

mod common;

use common::TestDb;
use xn_store::Db;

/// Migration 0015 turns `cases.state` from JSON text into bytes: a state written before it
/// reads back byte for byte, and the columns around it are untouched.
async fn case_states_written_as_text_read_back_as_bytes(db: &Db) {
    db.migrate_to(14).await.unwrap();
    let json = r#"{"status":"running","starter":1,"runs":[],"tasks":[],"note":"审核"}"#;
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'office', '市政府办公室', '市府办', 0)",
        "insert into processes (id, key, version, name, item_kind, source, origin, created_at) values (1, 'p', 1, '流程', 'internal', '', 'shipped', 0)",
        "insert into persons (id, login, name, password_hash, created_at) values (1, 'a', '甲', '', 0)",
        "insert into positions (id, code, name, rank) values (1, 'staff', '科员', 0)",
        "insert into posts (id, person_id, unit_id, position_id, created_at) values (1, 1, 1, 1, 0)",
        &format!(
            "insert into cases (id, process_id, item_kind, title, unit_id, starter_post_id, status,
                 version, state, created_at, updated_at)
             values (7, 1, 'internal', '旧事项', 1, 1, 'running', 3, '{json}', 5, 6)"
        ),
    ] {
        exec(db, sql).await;
    }
    db.migrate().await.unwrap();
    let row = xn_store::flow::find_case(db, 7).await.unwrap();
    assert_eq!(row.state, json.as_bytes());
    assert_eq!(
        (row.title.as_str(), row.version, row.status.as_str()),
        ("旧事项", 3, "running")
    );
    assert_eq!((row.created_at, row.updated_at), (5, 6));
}

async fn exec(db: &Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

mod case_state_bytes {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        case_states_written_as_text_read_back_as_bytes(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            case_states_written_as_text_read_back_as_bytes(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0016 closes the kinds: a process stored with a kind of its own before it becomes
/// a generic one (row and text), every kind the build knows is accepted, and any other is
/// refused by the database on both engines.
async fn kinds_are_closed_and_an_unknown_one_becomes_generic(db: &Db) {
    use xn_domain::flow::{ItemKind, TimerKind};
    db.migrate_to(15).await.unwrap();
    exec(
        db,
        "insert into processes (id, key, version, name, item_kind, source, origin, created_at)
         values (1, 'own', 1, '自定流程', 'custom', 'key = \"own\"\nitem_kind = \"custom\"\n', 'unit', 0)",
    )
    .await;
    db.migrate().await.unwrap();
    let row = xn_store::flow::find_process(db, 1).await.unwrap();
    assert_eq!(row.item_kind, "internal");
    assert!(
        row.source.contains("item_kind = \"internal\""),
        "{}",
        row.source
    );
    for (i, kind) in ItemKind::all().enumerate() {
        let sql = format!(
            "insert into processes (id, key, version, name, item_kind, source, origin, created_at)
             values ({}, 'k{i}', 1, '流程', '{}', '', 'shipped', 0)",
            10 + i,
            kind.code()
        );
        exec(db, &sql).await;
    }
    let refused = try_exec(
        db,
        "insert into processes (id, key, version, name, item_kind, source, origin, created_at)
         values (99, 'x', 1, '流程', 'meeting', '', 'shipped', 0)",
    )
    .await;
    assert!(refused.is_err(), "an unknown item kind was stored");
    let known: Vec<&str> = TimerKind::all().map(TimerKind::code).collect();
    assert_eq!(
        known,
        ["rung", "sv_deadline", "sv_report", "service_deadline"]
    );
}

async fn try_exec(db: &Db, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
}

mod kinds_checked {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        kinds_are_closed_and_an_unknown_one_becomes_generic(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            kinds_are_closed_and_an_unknown_one_becomes_generic(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0018 records on each case the area's row it belongs to: a document's case made
/// before it gets its document's id, a generic case none.
async fn cases_learn_the_row_of_their_area(db: &Db) {
    db.migrate_to(17).await.unwrap();
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'office', '市政府办公室', '市府办', 0)",
        "insert into processes (id, key, version, name, item_kind, source, origin, created_at) values (1, 'p', 1, '流程', 'document_out', '', 'shipped', 0)",
        "insert into persons (id, login, name, password_hash, created_at) values (1, 'a', '甲', '', 0)",
        "insert into positions (id, code, name, rank) values (1, 'staff', '科员', 0)",
        "insert into posts (id, person_id, unit_id, position_id, created_at) values (1, 1, 1, 1, 0)",
        "insert into cases (id, process_id, item_kind, title, unit_id, starter_post_id, status,
             version, state, created_at, updated_at)
         values (7, 1, 'document_out', '发文', 1, 1, 'running', 1, '', 5, 6)",
        "insert into cases (id, process_id, item_kind, title, unit_id, starter_post_id, status,
             version, state, created_at, updated_at)
         values (8, 1, 'internal', '内部事项', 1, 1, 'running', 1, '', 5, 6)",
        "insert into documents (id, direction, case_id, unit_id, kind, format, title, status,
             created_post_id, created_at, updated_at)
         values (3, 'outgoing', 7, 1, 'notice', 'file', '关于开展检查的通知', 'in_review', 1, 0, 0)",
    ] {
        exec(db, sql).await;
    }
    db.migrate().await.unwrap();
    assert_eq!(
        xn_store::flow::find_case(db, 7).await.unwrap().link_id,
        Some(3)
    );
    assert_eq!(
        xn_store::flow::find_case(db, 8).await.unwrap().link_id,
        None
    );
}

mod case_link {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        cases_learn_the_row_of_their_area(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            cases_learn_the_row_of_their_area(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0027 re-indexes the timers (pending ones by due instant; cancellations through
/// the unique key): the rows an earlier build armed, every rung of a step at once, are kept and
/// are claimed when due, in order, and rows already fired or cancelled never are.
async fn timers_armed_before_are_claimed_when_due(db: &Db) {
    db.migrate_to(26).await.unwrap();
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'office', '市政府办公室', '市府办', 0)",
        "insert into processes (id, key, version, name, item_kind, source, origin, created_at) values (1, 'p', 1, '流程', 'internal', '', 'shipped', 0)",
        "insert into persons (id, login, name, password_hash, created_at) values (1, 'a', '甲', '', 0)",
        "insert into positions (id, code, name, rank) values (1, 'staff', '科员', 0)",
        "insert into posts (id, person_id, unit_id, position_id, created_at) values (1, 1, 1, 1, 0)",
        "insert into cases (id, process_id, item_kind, title, unit_id, starter_post_id, status,
             version, state, created_at, updated_at)
         values (7, 1, 'internal', '旧事项', 1, 1, 'running', 3, '', 5, 6)",
        // Ids above those a PostgreSQL identity gives next (a timer is armed below).
        "insert into jobs (id, kind, case_id, run_no, rung, due_at, status)
         values (11, 'rung', 7, 2, 'due_soon', 50, 'done'),
                (12, 'rung', 7, 2, 'yellow', 100, 'pending'),
                (13, 'rung', 7, 2, 'red', 200, 'pending'),
                (14, 'rung', 7, 1, 'yellow', 60, 'cancelled')",
    ] {
        exec(db, sql).await;
    }
    db.migrate().await.unwrap();
    assert_eq!(xn_store::flow::next_job_due(db).await.unwrap(), Some(100));
    let claimed = xn_store::flow::claim_jobs(db, "a", 150, 1000, 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
        [12],
        "{claimed:?}"
    );
    let mut tx = db.begin().await.unwrap();
    assert!(
        xn_store::flow::finish_job(&mut tx, 12, "a", claimed[0].version, "done", 150)
            .await
            .unwrap()
    );
    // A rung that falls arms its next one only where no row holds it: the red armed before
    // stays as it was.
    xn_store::flow::arm_next_job(&mut tx, 7, 2, "red", 999)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let claimed = xn_store::flow::claim_jobs(db, "a", 250, 1000, 10)
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|j| (j.id, j.due_at)).collect::<Vec<_>>(),
        [(13, 200)]
    );
    // The flow's cancellation of a run still finds its timers.
    let mut tx = db.begin().await.unwrap();
    xn_store::flow::arm_job(&mut tx, 7, 3, "yellow", 300)
        .await
        .unwrap();
    assert_eq!(
        xn_store::flow::cancel_jobs(&mut tx, 7, Some(3))
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    assert_eq!(xn_store::flow::next_job_due(db).await.unwrap(), Some(200));
}

mod timer_rows {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        timers_armed_before_are_claimed_when_due(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            timers_armed_before_are_claimed_when_due(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0029 adds facet tokens to the search index: documents indexed before it (whose
/// entries have none) are queued as the re-index backlog, a document a flow action already
/// queued keeps its place, and while the backlog lasts a filtered search still finds them.
async fn documents_indexed_before_facets_are_queued_and_still_found(db: &Db) {
    db.migrate_to(27).await.unwrap();
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'office', '市政府办公室', '市府办', 0)",
        "insert into persons (id, login, name, password_hash, created_at) values (1, 'a', '甲', '', 0)",
        "insert into positions (id, code, name, rank) values (1, 'staff', '科员', 0)",
        "insert into posts (id, person_id, unit_id, position_id, created_at) values (1, 1, 1, 1, 0)",
        "insert into documents (id, direction, unit_id, kind, title, status, created_post_id,
             created_at, updated_at)
         values (3, 'outgoing', 1, 'notice', '关于防汛工作的通知', 'draft', 1, 0, 0),
                (4, 'outgoing', 1, 'notice', '关于防汛检查的通知', 'draft', 1, 0, 0)",
        "insert into search_queue (document_id, queued_at) values (4, 99)",
    ] {
        exec(db, sql).await;
    }
    // The entries as a build before 0029 wrote them: words only.
    let old_entry = match db {
        Db::Sqlite(_) => {
            "insert into document_fts (rowid, title, number, body)
             values (3, '关于 于防 防汛 汛工 工作 作的 的通 通知 关 于 防 汛 工 作 的 通 知', '', '')"
        }
        Db::Postgres(_) => {
            "insert into document_search (document_id, head, whole)
             values (3, '''防汛'':3A', '''防汛'':3A')"
        }
    };
    exec(db, old_entry).await;
    db.migrate().await.unwrap();
    let queued: Vec<(i64, i64)> = xn_store::with_db!(db, c => sqlx::query_as(
        "select document_id, queued_at from search_queue order by document_id")
        .fetch_all(c).await)
    .unwrap();
    assert_eq!(queued, [(3, xn_store::search::BACKLOG_AT), (4, 99)]);
    let page = xn_store::search::search_documents(
        db,
        &xn_store::search::SearchQuery {
            text: "防汛".into(),
            unit_ids: Some(vec![1]),
            clearance: Some(xn_domain::org::Clearance::Public),
            limit: 20,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.hits.iter().map(|h| h.document_id).collect::<Vec<_>>(),
        [3]
    );
}

mod search_facets {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        documents_indexed_before_facets_are_queued_and_still_found(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            documents_indexed_before_facets_are_queued_and_still_found(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0054 remakes `service_requests` on SQLite (its channel admits `internal`) with
/// foreign keys off: a request written before it, with a file, a 回访 and a duplicate merged
/// into it, keeps every column and every reference; its deadline gains the instant its day
/// ends; the new channel is accepted and an unknown one still refused; foreign keys are on
/// again afterwards.
/// (id, code, requester, merged into, deadline instant, updated at).
type CarriedRow = (i64, String, String, Option<i64>, Option<i64>, i64);

async fn service_requests_written_before_0054_keep_everything(db: &Db) {
    db.migrate_to(53).await.unwrap();
    for sql in [
        "insert into units (id, kind, name, short_name, created_at) values (1, 'government', '东川市人民政府', '市政府', 0)",
        "insert into service_requests (id, code, government_id, channel, category_id, requester_name,
             phone, description, urgency, state, received_on, deadline, answered_on, created_at,
             updated_at)
         values (5, 'AAAAA-BBBBB', 1, 'web', 3, '张三', '13812345678', '排水沟堵塞多日', 'normal',
                 'closed', '2026-09-30', '2026-10-23', '2026-10-20', 11, 12),
                (6, 'CCCCC-DDDDD', 1, 'phone', 3, '李四', '', '排水沟堵塞', 'normal', 'merged',
                 '2026-10-01', null, null, 13, 14)",
        "update service_requests set merged_into = 5 where id = 6",
        "insert into service_request_files (request_id, seq, name, media_type, size, hash)
         values (5, 1, '照片.jpg', 'image/jpeg', 3, 'h')",
        "insert into service_visits (request_id, round, result, via, month, created_at)
         values (5, 1, 'satisfied', 'phone', '2026-10', 15)",
    ] {
        exec(db, sql).await;
    }
    db.migrate().await.unwrap();
    let rows: Vec<CarriedRow> = xn_store::with_db!(db, c => sqlx::query_as(
        "select id, code, requester_name, merged_into, deadline_at, updated_at
         from service_requests order by id")
        .fetch_all(c).await)
    .unwrap();
    // 2026-10-23 ends at 2026-10-24 00:00 Beijing, 2026-10-23 16:00 UTC.
    assert_eq!(
        rows,
        [
            (
                5,
                "AAAAA-BBBBB".into(),
                "张三".into(),
                None,
                Some(1_792_771_200_000),
                12
            ),
            (6, "CCCCC-DDDDD".into(), "李四".into(), Some(5), None, 14),
        ]
    );
    let n: i64 = xn_store::with_db!(db, c => sqlx::query_scalar(
        "select count(*) from service_request_files f join service_visits v on v.request_id = f.request_id
         join service_requests r on r.id = f.request_id")
        .fetch_one(c).await)
    .unwrap();
    assert_eq!(n, 1);
    exec(
        db,
        "insert into service_requests (id, code, government_id, channel, category_id, description,
             urgency, state, received_on, created_at, updated_at)
         values (7, 'EEEEE-FFFFF', 1, 'internal', 8, '用车', 'normal', 'received', '2026-11-26', 0, 0)",
    )
    .await;
    assert!(
        try_exec(
            db,
            "insert into service_requests (id, code, government_id, channel, category_id, description,
                 urgency, state, received_on, created_at, updated_at)
             values (8, 'GGGGG-HHHHH', 1, 'fax', 8, '用车', 'normal', 'received', '2026-11-26', 0, 0)",
        )
        .await
        .is_err()
    );
    // Foreign keys hold again: a file of a request that does not exist is refused.
    assert!(
        try_exec(
            db,
            "insert into service_request_files (request_id, seq, name, media_type, size, hash)
             values (99, 1, 'x', 'image/png', 1, 'h')",
        )
        .await
        .is_err()
    );
}

mod service_requests_0054 {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        service_requests_written_before_0054_keep_everything(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            service_requests_written_before_0054_keep_everything(&t.db).await;
            t.finish().await;
        }
    }
}

/// Migration 0055 marks the files stored before it as plain (`sealed = 0`, their bytes kept as
/// they were) for the server to seal at the start that applies it; bodies are left as written.
async fn files_stored_before_0055_are_kept_and_marked_plain(db: &Db) {
    db.migrate_to(54).await.unwrap();
    exec(
        db,
        "insert into blobs (hash, size, content, created_at) values ('h', 5, 'hello', 7)",
    )
    .await;
    db.migrate().await.unwrap();
    let row: (i64, Vec<u8>, i64, i64) = xn_store::with_db!(db, c => sqlx::query_as(
        "select size, content, created_at, cast(sealed as bigint) from blobs where hash = 'h'")
        .fetch_one(c).await)
    .unwrap();
    assert_eq!(row, (5, b"hello".to_vec(), 7, 0));
}

mod blobs_0055 {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let t = TestDb::sqlite().await;
        files_stored_before_0055_are_kept_and_marked_plain(&t.db).await;
        t.finish().await;
    }

    #[tokio::test]
    #[cfg_attr(xn_no_postgres, ignore = "TEST_POSTGRES_URL is not set")]
    async fn postgres() {
        if let Some(t) = TestDb::postgres().await {
            files_stored_before_0055_are_kept_and_marked_plain(&t.db).await;
            t.finish().await;
        }
    }
}
