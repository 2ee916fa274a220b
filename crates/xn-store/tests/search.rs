#![expect(
    clippy::unwrap_used,
    reason = "test code: a failed step stops the test"
)]

//! 综合查询 on both engines: words of one to four characters find what they should and nothing
//! else, title matches rank first, filters hold, pages leave no gaps.
//!
//! Every test runs on a temporary SQLite file and on a fresh PostgreSQL schema
//! (`TEST_POSTGRES_URL`; skipped with a message when unset, failed when `XN_REQUIRE_POSTGRES=1`).

mod common;

use common::TestDb;

use std::collections::HashSet;

use xn_domain::org::Clearance;
use xn_store::Db;
use xn_store::search::{
    COUNT_CAP, SearchQuery, SearchText, Tier, Total, index_document, remove_document,
    search_documents,
};

/// Two units and a post to own documents.
struct World {
    city: i64,
    county: i64,
    post: i64,
}

async fn world(db: &Db) -> World {
    let mut tx = db.begin().await.unwrap();
    let (city, county, post) = xn_store::with_tx!(tx, c => {
        let city: i64 = sqlx::query_scalar(
            "insert into units (kind, name, short_name, issuer_code, created_at)
             values ('government', '东州市人民政府办公室', '市政府办', '东政办发', 0) returning id")
            .fetch_one(&mut *c).await.unwrap();
        let county: i64 = sqlx::query_scalar(
            "insert into units (parent_id, kind, name, short_name, issuer_code, created_at)
             values ($1, 'government', '西山县人民政府办公室', '西山县政府办', '西政办发', 0) returning id")
            .bind(city).fetch_one(&mut *c).await.unwrap();
        let person: i64 = sqlx::query_scalar(
            "insert into persons (login, name, password_hash, created_at)
             values ('mishu', '秘书', 'x', 0) returning id")
            .fetch_one(&mut *c).await.unwrap();
        let position: i64 = sqlx::query_scalar(
            "insert into positions (code, name, rank) values ('t_clerk', '测试秘书', 1) returning id")
            .fetch_one(&mut *c).await.unwrap();
        let post: i64 = sqlx::query_scalar(
            "insert into posts (person_id, unit_id, position_id, created_at)
             values ($1, $2, $3, 0) returning id")
            .bind(person).bind(city).bind(position).fetch_one(&mut *c).await.unwrap();
        (city, county, post)
    });
    tx.commit().await.unwrap();
    World { city, county, post }
}

/// A document to store and index.
#[derive(Clone)]
struct Doc<'a> {
    title: &'a str,
    number: &'a str,
    body: &'a str,
    opinions: &'a str,
    unit: i64,
    kind: &'a str,
    direction: &'a str,
    status: &'a str,
    classification: &'a str,
    written_on: &'a str,
    created_at: i64,
}

impl Default for Doc<'_> {
    fn default() -> Self {
        Doc {
            title: "",
            number: "",
            body: "",
            opinions: "",
            unit: 0,
            kind: "notice",
            direction: "outgoing",
            status: "draft",
            classification: "public",
            written_on: "2026-03-01",
            created_at: 1_000,
        }
    }
}

async fn add(db: &Db, w: &World, d: Doc<'_>) -> i64 {
    let unit = if d.unit == 0 { w.city } else { d.unit };
    let number = (!d.number.is_empty()).then_some(d.number);
    let issuer = number.map(|n| n.chars().take(4).collect::<String>());
    let mut tx = db.begin().await.unwrap();
    let id: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
        "insert into documents (direction, unit_id, kind, title, issuer_code, doc_number,
             classification, written_on, body, status, created_post_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id")
        .bind(d.direction).bind(unit).bind(d.kind).bind(d.title).bind(issuer).bind(number)
        .bind(d.classification).bind(d.written_on).bind(d.body).bind(d.status).bind(w.post)
        .bind(d.created_at).fetch_one(c).await.unwrap());
    let text = SearchText {
        title: d.title,
        number: d.number,
        body: d.body,
        opinions: d.opinions,
    };
    index_document(&mut tx, id, &text).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 50,
        ..SearchQuery::default()
    }
}

async fn ids(db: &Db, q: SearchQuery) -> Vec<i64> {
    search_documents(db, &q)
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.document_id)
        .collect()
}

async fn found(db: &Db, text: &str) -> HashSet<i64> {
    ids(db, query(text)).await.into_iter().collect()
}

fn set(ids: &[i64]) -> HashSet<i64> {
    ids.iter().copied().collect()
}

on_both_engines!(
    words_of_one_to_four_characters_find_exactly_their_documents,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let dubian = add(
                &db,
                &w,
                Doc {
                    title: "关于加强督办工作的通知",
                    body: "各单位要按时报送落实情况。",
                    ..Doc::default()
                },
            )
            .await;
            let gongwen = add(
                &db,
                &w,
                Doc {
                    title: "市政府办公室公文处理办法",
                    body: "公文的起草、审核与签发。",
                    ..Doc::default()
                },
            )
            .await;
            let fangxun = add(
                &db,
                &w,
                Doc {
                    title: "防汛抗旱工作安排",
                    body: "汛期到来，请各县区做好防汛准备，督查组将到现场检查。",
                    ..Doc::default()
                },
            )
            .await;
            let scattered = add(
                &db,
                &w,
                Doc {
                    title: "年度计划",
                    body: "生产计划与产安排另行通知。",
                    ..Doc::default()
                },
            )
            .await;
            let adjacent = add(
                &db,
                &w,
                Doc {
                    title: "安全检查",
                    body: "做好安全生产安排。",
                    ..Doc::default()
                },
            )
            .await;

            assert_eq!(found(&db, "督办").await, set(&[dubian]));
            assert_eq!(found(&db, "公文").await, set(&[gongwen]));
            assert_eq!(found(&db, "督").await, set(&[dubian, fangxun]));
            assert_eq!(found(&db, "办").await, set(&[dubian, gongwen]));
            assert_eq!(found(&db, "抗旱").await, set(&[fangxun]));
            assert_eq!(found(&db, "汛抗旱").await, set(&[fangxun]));
            assert_eq!(found(&db, "防汛抗旱").await, set(&[fangxun]));
            assert_eq!(found(&db, "督办工作").await, set(&[dubian]));
            // Every bigram present, but not in this order or not next to each other.
            assert_eq!(found(&db, "抗旱防汛").await, set(&[]));
            assert_eq!(found(&db, "工作督办").await, set(&[]));
            assert_eq!(found(&db, "生产安").await, set(&[adjacent]));
            let _ = scattered;
            // No bigram spans punctuation: 到来，请 does not make 来请.
            assert_eq!(found(&db, "来请").await, set(&[]));
            // Several words: all required.
            assert_eq!(found(&db, "防汛 督查").await, set(&[fangxun]));
            assert_eq!(found(&db, "防汛 督办").await, set(&[]));
            // Punctuation only asks for nothing: the filters alone answer (all five).
            assert_eq!(found(&db, "，").await.len(), 5);
        }
    }
);

on_both_engines!(
    document_numbers_are_found_by_code_year_and_serial,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let seven = add(
                &db,
                &w,
                Doc {
                    title: "关于印发某办法的通知",
                    number: "东政办发〔2026〕7号",
                    ..Doc::default()
                },
            )
            .await;
            let seventeen = add(
                &db,
                &w,
                Doc {
                    title: "关于某事项的批复",
                    number: "东政办发〔2025〕17号",
                    ..Doc::default()
                },
            )
            .await;
            let other = add(
                &db,
                &w,
                Doc {
                    title: "西山县工作报告",
                    number: "西政办发〔2026〕7号",
                    body: "共有7个乡镇，号召全体干部。",
                    ..Doc::default()
                },
            )
            .await;
            assert_eq!(found(&db, "东政办发").await, set(&[seven, seventeen]));
            assert_eq!(found(&db, "7号").await, set(&[seven, other]));
            assert_eq!(found(&db, "17号").await, set(&[seventeen]));
            assert_eq!(found(&db, "2026").await, set(&[seven, other]));
            assert_eq!(found(&db, "东政办发〔2026〕7号").await, set(&[seven]));
            assert_eq!(found(&db, "东政办发 7号").await, set(&[seven]));
        }
    }
);

on_both_engines!(
    title_matches_rank_before_body_matches_then_newest_first,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let old_title = add(
                &db,
                &w,
                Doc {
                    title: "优化营商环境实施意见",
                    created_at: 1_000,
                    ..Doc::default()
                },
            )
            .await;
            let new_body = add(
                &db,
                &w,
                Doc {
                    title: "工作要点",
                    body: "持续优化营商环境，提升服务效能。",
                    created_at: 2_000,
                    ..Doc::default()
                },
            )
            .await;
            let new_title = add(
                &db,
                &w,
                Doc {
                    title: "营商环境督办情况通报",
                    created_at: 3_000,
                    ..Doc::default()
                },
            )
            .await;
            let opinion = add(
                &db,
                &w,
                Doc {
                    title: "会议安排",
                    opinions: "请营商环境局阅办。",
                    created_at: 4_000,
                    ..Doc::default()
                },
            )
            .await;
            let page = search_documents(&db, &query("营商环境")).await.unwrap();
            let got: Vec<(i64, Tier)> = page.hits.iter().map(|h| (h.document_id, h.tier)).collect();
            assert_eq!(
                got,
                [
                    (new_title, Tier::Head),
                    (old_title, Tier::Head),
                    (opinion, Tier::Body),
                    (new_body, Tier::Body),
                ]
            );
            assert_eq!(page.total, Total::Exact(4));
            let body_hit = &page.hits[3];
            assert_eq!(body_hit.title, "工作要点");
            // The store hands the body on as stored (here, as the test wrote it); the service
            // opens it and cuts the passage.
            let body = body_hit.body.as_ref().map(|b| b.0.as_str()).unwrap_or("");
            let passage = xn_domain::documents::search::snippet(
                body,
                &xn_domain::documents::search::parse_query("营商环境"),
                xn_store::search::SNIPPET_CHARS,
            );
            assert!(passage.unwrap_or_default().contains("营商环境"));
            // A query split between title and body is a body-tier match.
            let mixed = ids(&db, query("工作要点 效能")).await;
            assert_eq!(mixed, [new_body]);
        }
    }
);

on_both_engines!(filters_narrow_the_search_and_work_alone, |db: &Db| {
    let db = db.clone();
    async move {
        let w = world(&db).await;
        let city_notice = add(
            &db,
            &w,
            Doc {
                title: "防汛工作通知",
                number: "东政办发〔2026〕3号",
                written_on: "2026-05-10",
                created_at: 10_000,
                ..Doc::default()
            },
        )
        .await;
        let county_report = add(
            &db,
            &w,
            Doc {
                title: "防汛工作报告",
                unit: w.county,
                kind: "report",
                direction: "incoming",
                status: "handled",
                written_on: "2026-06-01",
                created_at: 20_000,
                ..Doc::default()
            },
        )
        .await;
        let secret = add(
            &db,
            &w,
            Doc {
                title: "防汛物资调度方案",
                classification: "confidential",
                created_at: 30_000,
                ..Doc::default()
            },
        )
        .await;
        let unrelated = add(
            &db,
            &w,
            Doc {
                title: "招商引资工作通知",
                number: "东政办发〔2026〕4号",
                created_at: 40_000,
                ..Doc::default()
            },
        )
        .await;

        let base = || query("防汛");
        assert_eq!(
            set(&ids(
                &db,
                SearchQuery {
                    unit_ids: Some(vec![w.county]),
                    ..base()
                }
            )
            .await),
            set(&[county_report])
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    unit_ids: Some(vec![]),
                    ..base()
                }
            )
            .await,
            Vec::<i64>::new()
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    kind: Some("report".into()),
                    ..base()
                }
            )
            .await,
            [county_report]
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    direction: Some("incoming".into()),
                    ..base()
                }
            )
            .await,
            [county_report]
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    statuses: vec!["handled".into(), "closed".into()],
                    ..base()
                }
            )
            .await,
            [county_report]
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    issuer_code: Some("东政办发".into()),
                    ..base()
                }
            )
            .await,
            [city_notice]
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    number_contains: Some("〔2026〕3".into()),
                    ..base()
                }
            )
            .await,
            [city_notice]
        );
        assert_eq!(
            set(&ids(
                &db,
                SearchQuery {
                    clearance: Some(Clearance::Secret),
                    ..base()
                }
            )
            .await),
            set(&[city_notice, county_report])
        );
        assert_eq!(
            set(&ids(
                &db,
                SearchQuery {
                    clearance: Some(Clearance::Confidential),
                    ..base()
                }
            )
            .await),
            set(&[city_notice, county_report, secret])
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    created_from: Some(15_000),
                    created_before: Some(30_000),
                    ..base()
                }
            )
            .await,
            [county_report]
        );
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    written_from: Some("2026-05-01".into()),
                    written_to: Some("2026-05-31".into()),
                    ..base()
                }
            )
            .await,
            [city_notice]
        );
        // Title words.
        assert_eq!(
            ids(
                &db,
                SearchQuery {
                    title: "报告".into(),
                    ..base()
                }
            )
            .await,
            [county_report]
        );
        assert_eq!(
            set(&ids(
                &db,
                SearchQuery {
                    text: String::new(),
                    title: "工作通知".into(),
                    ..base()
                }
            )
            .await),
            set(&[city_notice, unrelated])
        );
        // Filters alone: newest first, counted.
        let page = search_documents(
            &db,
            &SearchQuery {
                text: String::new(),
                issuer_code: Some("东政办发".into()),
                ..base()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            page.hits.iter().map(|h| h.document_id).collect::<Vec<_>>(),
            [unrelated, city_notice]
        );
        assert!(
            page.hits
                .iter()
                .all(|h| h.tier == Tier::Filter && h.body.is_none())
        );
        assert_eq!(page.total, Total::Exact(2));
    }
});

on_both_engines!(pages_cover_every_match_once_across_both_tiers, |db: &Db| {
    let db = db.clone();
    async move {
        let w = world(&db).await;
        let mut head = Vec::new();
        let mut body = Vec::new();
        for i in 0..45i64 {
            let in_title = i % 3 == 0;
            let id = add(
                &db,
                &w,
                Doc {
                    title: if in_title {
                        "乡村振兴重点任务督办"
                    } else {
                        "重点任务安排"
                    },
                    body: if in_title {
                        "按期完成。"
                    } else {
                        "围绕乡村振兴，抓好督办落实。"
                    },
                    created_at: 1_000 + i,
                    ..Doc::default()
                },
            )
            .await;
            if in_title {
                head.push(id)
            } else {
                body.push(id)
            }
        }
        add(
            &db,
            &w,
            Doc {
                title: "无关文件",
                ..Doc::default()
            },
        )
        .await;
        head.reverse();
        body.reverse();
        let want: Vec<i64> = head.iter().chain(body.iter()).copied().collect();
        for size in [1i64, 7, 15, 20] {
            let mut got = Vec::new();
            let mut offset = 0;
            loop {
                let page = search_documents(
                    &db,
                    &SearchQuery {
                        limit: size,
                        offset,
                        ..query("乡村振兴 督办")
                    },
                )
                .await
                .unwrap();
                assert_eq!(page.total, Total::Exact(45));
                if page.hits.is_empty() {
                    break;
                }
                got.extend(page.hits.iter().map(|h| h.document_id));
                offset += size;
            }
            assert_eq!(got, want, "page size {size}");
        }
    }
});

on_both_engines!(
    a_document_saved_again_is_found_by_its_new_text_only,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let id = add(
                &db,
                &w,
                Doc {
                    title: "关于防汛的请示",
                    ..Doc::default()
                },
            )
            .await;
            let mut tx = db.begin().await.unwrap();
            index_document(
                &mut tx,
                id,
                &SearchText {
                    title: "关于抗旱的请示",
                    number: "",
                    body: "",
                    opinions: "同意。请督办。",
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(found(&db, "防汛").await, set(&[]));
            assert_eq!(found(&db, "抗旱").await, set(&[id]));
            assert_eq!(found(&db, "督办").await, set(&[id]));
            let mut tx = db.begin().await.unwrap();
            remove_document(&mut tx, id).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(found(&db, "抗旱").await, set(&[]));
        }
    }
);

on_both_engines!(
    a_word_in_more_documents_than_the_count_cap_pages_newest_first,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let many = COUNT_CAP + 30;
            let mut tx = db.begin().await.unwrap();
            xn_store::with_tx!(tx, c => sqlx::query(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < $3)
             insert into documents (direction, unit_id, kind, title, body, status,
                 created_post_id, created_at, updated_at)
             select 'outgoing', $1, 'notice', '工作安排', '请抓好督办。', 'draft', $2, i, i from n")
            .bind(w.city).bind(w.post).bind(many).execute(c).await.map(|r| r.rows_affected()).unwrap());
            let body_ids: Vec<i64> = xn_store::with_tx!(tx, c => sqlx::query_scalar(
            "select id from documents order by id").fetch_all(c).await.unwrap());
            for id in &body_ids {
                index_document(
                    &mut tx,
                    *id,
                    &SearchText {
                        title: "工作安排",
                        body: "请抓好督办。",
                        ..SearchText::default()
                    },
                )
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
            let mut head = Vec::new();
            for _ in 0..5 {
                head.push(
                    add(
                        &db,
                        &w,
                        Doc {
                            title: "督办通知",
                            ..Doc::default()
                        },
                    )
                    .await,
                );
            }
            head.reverse();
            let newest_body: Vec<i64> = body_ids.iter().rev().copied().collect();

            let first = search_documents(
                &db,
                &SearchQuery {
                    limit: 20,
                    ..query("督办")
                },
            )
            .await
            .unwrap();
            assert_eq!(first.total, Total::AtLeast(COUNT_CAP));
            let got: Vec<i64> = first.hits.iter().map(|h| h.document_id).collect();
            let want: Vec<i64> = head
                .iter()
                .chain(newest_body.iter().take(15))
                .copied()
                .collect();
            assert_eq!(got, want);
            let second = search_documents(
                &db,
                &SearchQuery {
                    limit: 20,
                    offset: 20,
                    ..query("督办")
                },
            )
            .await
            .unwrap();
            let got: Vec<i64> = second.hits.iter().map(|h| h.document_id).collect();
            assert_eq!(got, newest_body[15..35].to_vec());
            assert!(second.hits.iter().all(|h| h.tier == Tier::Body));
            // A word in every title: the head tier alone fills the pages.
            let all = search_documents(
                &db,
                &SearchQuery {
                    limit: 3,
                    offset: 2,
                    ..query("工作安排")
                },
            )
            .await
            .unwrap();
            // SQLite counts to the cap; PostgreSQL, whose index cannot check a phrase without
            // reading each candidate, estimates from a sample and says so.
            match all.total {
                Total::AtLeast(n) => assert_eq!(n, COUNT_CAP),
                Total::About(n) => assert!((n - many).abs() * 20 <= many, "{n}"),
                Total::Exact(n) => panic!("an exact {n} for {many}"),
            }
            assert_eq!(
                all.hits.iter().map(|h| h.document_id).collect::<Vec<_>>(),
                newest_body[2..5].to_vec()
            );
        }
    }
);

/// A deterministic generator for the recall corpus.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The filters of a recall check, written once as the store's query and once as plain SQL on
/// `documents`, independently of the store's code.
struct FilterSet {
    name: &'static str,
    sql: String,
    apply: fn(SearchQuery, &World) -> SearchQuery,
}

fn filter_sets(w: &World) -> Vec<FilterSet> {
    let scope = format!(
        "d.unit_id = {} and d.classification in ('public', 'secret')",
        w.city
    );
    vec![
        FilterSet {
            name: "none",
            sql: "1 = 1".into(),
            apply: |q, _| q,
        },
        FilterSet {
            name: "scope",
            sql: scope.clone(),
            apply: |q, w| SearchQuery {
                unit_ids: Some(vec![w.city]),
                clearance: Some(Clearance::Secret),
                ..q
            },
        },
        FilterSet {
            name: "narrow",
            sql: format!(
                "{scope} and d.kind = 'notice' and d.written_on >= '2026-01-01'
                 and d.written_on <= '2026-12-31'"
            ),
            apply: |q, w| SearchQuery {
                unit_ids: Some(vec![w.city]),
                clearance: Some(Clearance::Secret),
                kind: Some("notice".into()),
                written_from: Some("2026-01-01".into()),
                written_to: Some("2026-12-31".into()),
                ..q
            },
        },
        FilterSet {
            // Filters the index cannot answer alone: a status, days inside a month, a part of
            // the number; and both units.
            name: "residual",
            sql: format!(
                "d.unit_id in ({}, {}) and d.classification = 'public' and d.status = 'registered'
                 and d.written_on >= '2025-03-15' and d.written_on <= '2026-08-10'
                 and d.direction = 'outgoing' and d.doc_number like '%〔2026〕%'",
                w.city, w.county
            ),
            apply: |q, w| SearchQuery {
                unit_ids: Some(vec![w.city, w.county]),
                clearance: Some(Clearance::Public),
                statuses: vec!["registered".into()],
                written_from: Some("2025-03-15".into()),
                written_to: Some("2026-08-10".into()),
                direction: Some("outgoing".into()),
                number_contains: Some("〔2026〕".into()),
                ..q
            },
        },
    ]
}

/// Every document the search finds for `q`, page after page.
async fn every_hit(db: &Db, q: &SearchQuery) -> (Vec<i64>, Total) {
    let mut got = Vec::new();
    let mut first_total = None;
    loop {
        let page = search_documents(
            db,
            &SearchQuery {
                limit: 200,
                offset: got.len() as i64,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        first_total.get_or_insert(page.total);
        if page.hits.is_empty() {
            break;
        }
        got.extend(page.hits.iter().map(|h| h.document_id));
    }
    (got, first_total.unwrap())
}

/// Documents whose title, number or body holds `text` as typed, with the filter's SQL.
async fn like(db: &Db, text: &str, filter: &str) -> HashSet<i64> {
    let sql = format!(
        "select d.id from documents d where (d.title like $1 or d.body like $1
             or coalesce(d.doc_number, '') like $1) and {filter}"
    );
    let pattern = format!("%{text}%");
    let ids: Vec<i64> = xn_store::with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(pattern).fetch_all(c).await)
    .unwrap();
    ids.into_iter().collect()
}

/// Topics with the share of documents that hold them: two common phrases on either side of
/// the number of candidates PostgreSQL still checks one by one for an exact total (1,000), and
/// rarer ones.
const RECALL_TOPICS: &[(&str, usize)] = &[
    ("防汛抗旱", 45),
    ("安全生产", 37),
    ("乡村振兴", 8),
    ("营商环境", 6),
    ("白鹭湖湿地公园", 1),
];

const RECALL_SENTENCES: &[&str] = &[
    "各地要充分认识做好{t}工作的重要性和紧迫性。",
    "要坚持问题导向，聚焦{t}中的突出问题，明确责任单位。",
    "市政府督查室将对{t}工作开展专项督查。",
    "要加强组织领导，形成一级抓一级的工作格局。",
    "请各单位按时报送落实情况，不得迟报漏报。",
    "要强化资金保障，提高资金使用效益。",
    "下一步将加大督办力度，推动工作再上新台阶。",
];

async fn recall_corpus(db: &Db, w: &World, n: usize) -> Vec<String> {
    let mut rng = Lcg(20_261_206);
    let mut texts = Vec::new();
    let mut serial = [0usize; 4];
    let mut tx = db.begin().await.unwrap();
    for i in 0..n {
        let roll = rng.below(100);
        let mut acc = 0;
        let topic = RECALL_TOPICS
            .iter()
            .find(|(_, share)| {
                acc += share;
                roll < acc
            })
            .map_or("档案管理", |(t, _)| *t);
        let kind = rng.pick(&["notice", "report", "request"]);
        let label = match kind {
            "notice" => "通知",
            "report" => "报告",
            _ => "请示",
        };
        let title = format!(
            "关于{}{topic}工作的{label}",
            rng.pick(&["做好", "加强", "推进"])
        );
        let mut body = String::new();
        for _ in 0..(2 + rng.below(4)) {
            body.push_str(&rng.pick(RECALL_SENTENCES).replace("{t}", topic));
        }
        let unit = if rng.below(3) == 0 { w.county } else { w.city };
        let year = 2025 + rng.below(2);
        let slot = (unit == w.county) as usize * 2 + (year - 2025);
        serial[slot] += 1;
        let code = if unit == w.city {
            "东政办发"
        } else {
            "西政办发"
        };
        let number = format!("{code}〔{year}〕{}号", serial[slot]);
        let written_on = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
        let classification = rng.pick(&[
            "public",
            "public",
            "public",
            "public",
            "public",
            "public",
            "public",
            "secret",
            "confidential",
            "top_secret",
        ]);
        let status = rng.pick(&["draft", "registered", "registered"]);
        let direction = if rng.below(5) == 0 {
            "incoming"
        } else {
            "outgoing"
        };
        let id: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
            "insert into documents (direction, unit_id, kind, title, issuer_code, doc_number,
                 classification, written_on, body, status, created_post_id, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id")
            .bind(direction).bind(unit).bind(kind).bind(&title).bind(code).bind(&number)
            .bind(classification).bind(&written_on).bind(&body).bind(status).bind(w.post)
            .bind(1_000 + i as i64).fetch_one(c).await.unwrap());
        index_document(
            &mut tx,
            id,
            &SearchText {
                title: &title,
                number: &number,
                body: &body,
                opinions: "",
            },
        )
        .await
        .unwrap();
        texts.push(format!("{title}\n{body}"));
    }
    tx.commit().await.unwrap();
    texts
}

/// Queries of 1 to 8 characters cut from the corpus itself, the topics, strings found nowhere
/// and fragments of numbers.
fn recall_queries(texts: &[String]) -> Vec<String> {
    let mut rng = Lcg(7);
    let mut out: Vec<String> = RECALL_TOPICS.iter().map(|(t, _)| (*t).to_owned()).collect();
    out.extend(
        [
            "旱抗汛防",
            "湖鹭白",
            "督",
            "办",
            "防汛抗",
            "产安全",
            // Phrases of five characters and more just above and just below the number of
            // candidates PostgreSQL checks one by one (1,000): every 防汛抗旱 title holds the
            // first (about 1,080 documents), every 安全生产 title the second (about 890).
            "防汛抗旱工作",
            "安全生产工作",
            "〔2026〕",
            "东政办发〔2025〕",
            "西政办发",
        ]
        .map(str::to_owned),
    );
    while out.len() < 48 {
        let text: Vec<char> = texts[rng.below(texts.len())].chars().collect();
        let len = 1 + rng.below(8);
        let start = rng.below(text.len().saturating_sub(len).max(1));
        let piece: String = text[start..(start + len).min(text.len())].iter().collect();
        let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        if piece.chars().all(is_han) && !out.contains(&piece) {
            out.push(piece);
        }
    }
    out
}

async fn recall_matches_like(db: &Db, w: &World, queries: &[String]) {
    for set in filter_sets(w) {
        for text in queries {
            let want = like(db, text, &set.sql).await;
            let q = (set.apply)(
                SearchQuery {
                    text: text.clone(),
                    ..SearchQuery::default()
                },
                w,
            );
            let (got, total) = every_hit(db, &q).await;
            let got_set: HashSet<i64> = got.iter().copied().collect();
            assert_eq!(
                got.len(),
                got_set.len(),
                "{text} ({}): a document twice",
                set.name
            );
            let missed: Vec<&i64> = want.difference(&got_set).collect();
            assert!(
                missed.is_empty(),
                "{text} ({}): missed {missed:?}",
                set.name
            );
            let extra: Vec<&i64> = got_set.difference(&want).collect();
            assert!(extra.is_empty(), "{text} ({}): found {extra:?}", set.name);
            let n = want.len() as i64;
            match total {
                Total::Exact(t) => assert_eq!(t, n, "{text} ({}): total", set.name),
                Total::AtLeast(t) => assert!(n >= t, "{text} ({}): total", set.name),
                // An estimate is shown as one; it must not be far off.
                Total::About(t) => assert!(
                    (t - n).abs() * 4 <= n.max(4),
                    "{text} ({}): estimate {t} for {n}",
                    set.name
                ),
            }
        }
    }
}

on_both_engines!(
    every_document_holding_the_query_is_found_with_and_without_filters,
    |db: &Db| {
        let db = db.clone();
        async move {
            let w = world(&db).await;
            let texts = recall_corpus(&db, &w, 2_400).await;
            let queries = recall_queries(&texts);
            recall_matches_like(&db, &w, &queries).await;

            // While a re-index backlog remains (entries written before the facet tokens), the
            // filters are tested on `documents`, with the same results.
            xn_store::with_db!(&db, c => sqlx::query(
                "insert into search_queue (document_id, queued_at) select id, 0 from documents
                 where true on conflict (document_id) do nothing")
                .execute(c).await.map(|r| r.rows_affected()))
            .unwrap();
            assert!(xn_store::search::any_queued(&db, true).await.unwrap());
            recall_matches_like(&db, &w, &queries[..12]).await;

            // Entries as an earlier build wrote them (bigrams and unigrams, no trigrams or
            // 4-grams, no facets) are found while the backlog remains: 3- to 8-character
            // queries are then asked as phrases of bigrams.
            write_entries_without_grams(&db).await;
            let longer: Vec<String> = queries
                .iter()
                .filter(|q| q.chars().count() >= 3)
                .take(16)
                .cloned()
                .collect();
            assert!(longer.len() >= 8, "{longer:?}");
            recall_matches_like(&db, &w, &longer).await;
        }
    }
);

/// Rewrites every index entry without the tokens of three or more Chinese characters and
/// without facets, as a build before migration 0057 (and 0029) wrote it.
async fn write_entries_without_grams(db: &Db) {
    let rows: Vec<(i64, String, Option<String>, String)> = xn_store::with_db!(db, c =>
        sqlx::query_as("select id, title, doc_number, body from documents order by id")
            .fetch_all(c).await)
    .unwrap();
    let old = |text: &str| -> Vec<String> {
        xn_domain::documents::search::index_tokens(text)
            .into_iter()
            .filter(|t| t.chars().count() < 3 || !t.chars().all(|c| c > '\u{2e80}'))
            .collect()
    };
    let mut tx = db.begin().await.unwrap();
    for (id, title, number, body) in rows {
        let (title, number, body) = (
            old(&title),
            old(number.as_deref().unwrap_or("")),
            old(&body),
        );
        assert!(
            !title
                .iter()
                .any(|t| t.chars().count() >= 3 && !t.is_ascii())
        );
        match tx.engine() {
            xn_store::Engine::Sqlite => {
                let (title, number, body) = (title.join(" "), number.join(" "), body.join(" "));
                for sql in [
                    "delete from document_fts where rowid = $1",
                    "delete from document_fts_head where rowid = $1",
                ] {
                    xn_store::with_tx!(tx, c => sqlx::query(sql).bind(id).execute(c).await
                        .map(|r| r.rows_affected()))
                    .unwrap();
                }
                xn_store::with_tx!(tx, c => sqlx::query(
                    "insert into document_fts_head (rowid, title, number) values ($1, $2, $3)")
                    .bind(id).bind(&title).bind(&number).execute(c).await
                    .map(|r| r.rows_affected()))
                .unwrap();
                xn_store::with_tx!(tx, c => sqlx::query(
                    "insert into document_fts (rowid, title, number, body) values ($1, $2, $3, $4)")
                    .bind(id).bind(&title).bind(&number).bind(&body).execute(c).await
                    .map(|r| r.rows_affected()))
                .unwrap();
            }
            xn_store::Engine::Postgres => {
                let head =
                    xn_store::search::pg_tsvector(&[(&title, Some('A')), (&number, Some('B'))]);
                let whole = xn_store::search::pg_tsvector(&[
                    (&title, Some('A')),
                    (&number, Some('B')),
                    (&body, None),
                ]);
                xn_store::with_tx!(tx, c => sqlx::query(
                    "update document_search set head = $2::tsvector, whole = $3::tsvector
                     where document_id = $1")
                    .bind(id).bind(&head).bind(&whole).execute(c).await
                    .map(|r| r.rows_affected()))
                .unwrap();
            }
        }
    }
    tx.commit().await.unwrap();
}
