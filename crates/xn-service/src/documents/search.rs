//! 综合查询: finding documents by words (title, number, body, opinions) and by filters, within
//! the reader's office and clearance.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xn_domain::documents::DocKind;
use xn_domain::org::Permission;
use xn_store::search::{SearchQuery, Tier, Total};

use super::{Documents, status_label};
use crate::{Actor, Result, ServiceError, from_ms, require};

/// What a search asks for (every field optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
pub struct DocumentSearch {
    /// Words, in title, number, body and opinions (督办, 公文 …).
    #[serde(default)]
    pub q: String,
    /// `outgoing` or `incoming`.
    #[serde(default)]
    pub direction: String,
    /// 文种 code.
    #[serde(default)]
    pub kind: String,
    /// Part of the 发文字号.
    #[serde(default)]
    pub number: String,
    /// Status code.
    #[serde(default)]
    pub status: String,
    /// 成文日期 from (YYYY-MM-DD).
    #[serde(default)]
    pub from: String,
    /// 成文日期 to (YYYY-MM-DD).
    #[serde(default)]
    pub to: String,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<i64>,
}

/// A document found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 发文字号.
    pub number: Option<String>,
    /// 文种.
    pub kind_label: String,
    /// 发文 / 收文.
    pub direction_label: String,
    /// Status.
    pub status_label: String,
    /// Found in the title or number (not only the body).
    pub in_title: bool,
    /// A passage around the words.
    pub snippet: Option<String>,
    /// Created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// How many in all: a count, "10000+" when counting stopped, or "约 7300" when estimated.
    pub total: String,
    /// Whether `total` is the exact number (otherwise the exact count can be asked for, see
    /// `Documents::count`).
    pub exact: bool,
    /// Page.
    pub page: i64,
    /// Whether there is a next page.
    pub more: bool,
}

/// The exact number of documents a search finds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchCount {
    /// Every match, counted.
    pub total: i64,
}

const PER_PAGE: i64 = 20;

fn date(field: &'static str, s: &str) -> Result<Option<String>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| Some(d.to_string()))
        .map_err(|_| ServiceError::invalid(field, "日期格式应为 2026-11-26"))
}

/// How many queued documents one pass indexes in a transaction.
const INDEX_CHUNK: i64 = 200;

impl Documents<'_> {
    /// Indexes the documents flow actions queued (their opinions or number changed), in chunks
    /// of their own transactions; answers how many. Run before every search and by the server's
    /// sweep, so actions themselves only queue (one small write in the batch) and a document
    /// moved several times between searches is indexed once.
    pub async fn index_queued(&self) -> Result<usize> {
        self.index_chunks(false, usize::MAX).await
    }

    /// Indexes up to `chunks` chunks of the re-index backlog (every document a migration queued
    /// to be indexed again, such as 0029 for the facet tokens); answers how many. Run by the
    /// server's sweep, never before a search: a search while the backlog lasts tests its
    /// filters on `documents` and misses nothing, so no person waits for the whole re-index.
    pub async fn index_backlog(&self, chunks: usize) -> Result<usize> {
        self.index_chunks(true, chunks).await
    }

    async fn index_chunks(&self, backlog: bool, chunks: usize) -> Result<usize> {
        let mut done = 0;
        for _ in 0..chunks {
            if !xn_store::search::any_queued(self.svc.db(), backlog).await? {
                return Ok(done);
            }
            let mut tx = self.svc.db().begin().await?;
            let queued = xn_store::search::queued(&mut tx, INDEX_CHUNK, backlog).await?;
            for (doc, at) in &queued {
                self.svc.index_document(&mut tx, *doc).await?;
                xn_store::search::dequeue(&mut tx, *doc, *at).await?;
            }
            tx.commit().await?;
            done += queued.len();
            if queued.len() < usize::try_from(INDEX_CHUNK).unwrap_or(usize::MAX) {
                return Ok(done);
            }
        }
        Ok(done)
    }

    /// Searches the documents of the acting post's office.
    pub async fn search(&self, actor: &Actor, s: &DocumentSearch) -> Result<SearchResults> {
        let (q, page) = self.search_query(actor, s).await?;
        let found = xn_store::search::search_documents(self.svc.db(), &q).await?;
        let words = xn_domain::documents::search::parse_query(&q.text);
        let more = found.hits.len() > usize::try_from(PER_PAGE).unwrap_or(20);
        Ok(SearchResults {
            hits: found
                .hits
                .into_iter()
                .take(usize::try_from(PER_PAGE).unwrap_or(20))
                .map(|h| {
                    // The passage is cut from the opened body, never from what is stored; a
                    // body that fails its check shows no passage (and is logged), the rest of
                    // the page is served.
                    let snippet = h
                        .body
                        .as_ref()
                        .and_then(|b| self.svc.document_body(h.document_id, b).ok())
                        .and_then(|body| {
                            xn_domain::documents::search::snippet(
                                &body,
                                &words,
                                xn_store::search::SNIPPET_CHARS,
                            )
                        });
                    SearchHit {
                        id: h.document_id,
                        kind_label: DocKind::from_code(&h.kind)
                            .map_or("", DocKind::label)
                            .into(),
                        direction_label: if h.direction == "incoming" {
                            "收文"
                        } else {
                            "发文"
                        }
                        .into(),
                        status_label: status_label(&h.status).into(),
                        in_title: h.tier == Tier::Head,
                        snippet,
                        number: h.doc_number,
                        title: h.title,
                        created_at: from_ms(h.created_at),
                    }
                })
                .collect(),
            total: found.total.to_string(),
            exact: matches!(found.total, Total::Exact(_)),
            page,
            more,
        })
    }

    /// Counts exactly what [`Documents::search`] finds (its total may be "10000+" or an
    /// estimate): every match is read, so the page asks for it only when a person does.
    pub async fn count(&self, actor: &Actor, s: &DocumentSearch) -> Result<SearchCount> {
        let (q, _) = self.search_query(actor, s).await?;
        let total = xn_store::search::count_documents(self.svc.db(), &q).await?;
        Ok(SearchCount { total })
    }

    /// The store's query for a search by the acting post, and the page asked for.
    async fn search_query(&self, actor: &Actor, s: &DocumentSearch) -> Result<(SearchQuery, i64)> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if s.q.chars().count() > 100 {
            return Err(ServiceError::invalid("q", "查询词不能超过 100 字"));
        }
        // What flow actions changed is found from the moment it was written.
        self.index_queued().await?;
        let mut tx = self.svc.db().begin().await?;
        let (office, _, _) = self.svc.issuing_unit(&mut tx, post.id).await?;
        tx.commit().await?;
        // A search is read, not paged through: its first 500 pages are served.
        let page = s.page.unwrap_or(1);
        if !(1..=500).contains(&page) {
            return Err(ServiceError::invalid(
                "page",
                "页码须为 1 到 500 之间的整数；结果更多时请加条件缩小范围",
            ));
        }
        let opt = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_owned())
        };
        let q = SearchQuery {
            text: s.q.trim().to_owned(),
            title: String::new(),
            unit_ids: Some(vec![office]),
            direction: opt(&s.direction).filter(|d| d == "outgoing" || d == "incoming"),
            kind: opt(&s.kind),
            issuer_code: None,
            number_contains: opt(&s.number),
            statuses: opt(&s.status).into_iter().collect(),
            created_from: None,
            created_before: None,
            written_from: date("from", &s.from)?,
            written_to: date("to", &s.to)?,
            clearance: Some(post.clearance),
            limit: PER_PAGE + 1,
            offset: (page - 1) * PER_PAGE,
        };
        Ok((q, page))
    }
}
