//! SQL of 综合查询: the full-text index of documents and the search over it.
//!
//! The tokens come from [`xn_domain::documents::search`]; this module writes them in each
//! engine's form and holds no rule of what matches. SQLite keeps them in the contentless FTS5
//! tables `document_fts` (rowid = document id; columns title, number, body) and
//! `document_fts_head` (title, number); PostgreSQL in `document_search` (`head`: title and
//! number, `whole`: head and body; GIN indexes on both). The full-text part is the one real
//! engine difference, so its SQL is written once per engine and marked; the filters on
//! `documents` are one text for both.
//!
//! Ranking: documents whose title or number holds the whole query come first (tier Head), then
//! those where it is found only with the body or the opinions (tier Body); inside each tier the
//! newest (highest id) first, read in id order off the index with a limit rather than scored
//! and sorted, so a word found in most documents does not cost a score per match. Counts stop
//! at [`COUNT_CAP`] and are taken first: they say where the head tier ends and, on
//! PostgreSQL, whether to read the index or walk the primary key.
//!
//! Files: this one searches; `index.rs` writes the index and its queue, `facets.rs` the filter
//! tokens, `pg_phrase.rs` PostgreSQL's phrases.

use std::collections::HashMap;
use std::fmt::Write as _;

use xn_domain::documents::search::{IndexForm, Term, TokenQuery, parse_query_for};
use xn_domain::org::Clearance;

use crate::{Db, Engine, Result, Tx};

mod facets;
mod index;
mod pg_phrase;

use index::quote_lexeme;
pub use index::{
    BACKLOG_AT, ENQUEUE, SearchText, any_queued, dequeue, index_document, pg_tsvector, queued,
    remove_document,
};

use facets::{Facets, facets_of};

/// Counts of matches stop here: a total at the cap is shown as "10000+".
pub const COUNT_CAP: i64 = 10_000;

/// The counts at which a search changes how it works, by name: the benchmark looks for queries
/// whose totals lie just below and just above each (`bench/search.sh`).
pub const THRESHOLDS: &[(&str, i64)] = &[("count_cap", COUNT_CAP), ("common", 2 * COUNT_CAP)];

/// The longest page a search answers.
pub const MAX_LIMIT: i64 = 200;

/// Characters of a snippet.
pub const SNIPPET_CHARS: usize = 80;

/// What the search box and the filters of 综合查询 ask for. Every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Words as typed, searched in title, number, body and opinions; empty for filters only.
    pub text: String,
    /// Words that must be in the title.
    pub title: String,
    /// Only documents of these units (the actor's scope); `None`: no restriction.
    pub unit_ids: Option<Vec<i64>>,
    /// `outgoing` or `incoming`.
    pub direction: Option<String>,
    /// 文种 code.
    pub kind: Option<String>,
    /// 机关代字.
    pub issuer_code: Option<String>,
    /// A part of the 发文字号, matched literally.
    pub number_contains: Option<String>,
    /// Status codes; empty: any.
    pub statuses: Vec<String>,
    /// Created at or after (epoch ms).
    pub created_from: Option<i64>,
    /// Created before (epoch ms).
    pub created_before: Option<i64>,
    /// 成文日期 on or after (`YYYY-MM-DD`).
    pub written_from: Option<String>,
    /// 成文日期 on or before (`YYYY-MM-DD`).
    pub written_to: Option<String>,
    /// The reader's clearance: documents classified above it are left out.
    pub clearance: Option<Clearance>,
    /// Page size (1..=[`MAX_LIMIT`]).
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// Why a document was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The title or the number holds the whole query.
    Head,
    /// The query is found only together with the body or the opinions.
    Body,
    /// No words were asked for: the filters alone.
    Filter,
}

/// One document found.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The document.
    pub document_id: i64,
    /// Its tier, the first key of the ranking.
    pub tier: Tier,
    /// 标题.
    pub title: String,
    /// 发文字号.
    pub doc_number: Option<String>,
    /// 文种 code.
    pub kind: String,
    /// `outgoing` or `incoming`.
    pub direction: String,
    /// Status code.
    pub status: String,
    /// Epoch ms.
    pub created_at: i64,
    /// The body, sealed (`xn_service::at_rest`), when the query has words: the service opens it
    /// for the passage around the first word (`xn_domain::documents::search::snippet`).
    pub body: Option<crate::Sealed>,
}

/// How many documents match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exactly this many.
    Exact(i64),
    /// At least [`COUNT_CAP`]: counting stopped there.
    AtLeast(i64),
    /// About this many: estimated, not counted.
    About(i64),
}

impl std::fmt::Display for Total {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Total::Exact(n) => write!(f, "{n}"),
            Total::AtLeast(n) => write!(f, "{n}+"),
            Total::About(n) => write!(f, "约 {n}"),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// The documents of the page, best first.
    pub hits: Vec<Hit>,
    /// How many match in all.
    pub total: Total,
}

/// A bound value of a query built at run time.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
}

/// A `where` clause under construction with its numbered placeholders.
#[derive(Debug, Default, Clone)]
struct Clause {
    sql: String,
    args: Vec<Arg>,
}

impl Clause {
    fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn and(&mut self, cond: &str) {
        self.sql.push_str(" and ");
        self.sql.push_str(cond);
    }
}

/// The filters on `documents d`, one SQL text for both engines.
fn document_filters(q: &SearchQuery, c: &mut Clause) -> bool {
    let before = c.sql.len();
    if let Some(units) = &q.unit_ids {
        if units.is_empty() {
            c.and("1 = 0");
        } else {
            let ps: Vec<String> = units.iter().map(|u| c.bind(Arg::Int(*u))).collect();
            c.and(&format!("d.unit_id in ({})", ps.join(", ")));
        }
    }
    for (col, v) in [
        ("direction", &q.direction),
        ("kind", &q.kind),
        ("issuer_code", &q.issuer_code),
    ] {
        if let Some(v) = v {
            let p = c.bind(Arg::Text(v.clone()));
            c.and(&format!("d.{col} = {p}"));
        }
    }
    if let Some(part) = q.number_contains.as_deref().filter(|s| !s.is_empty()) {
        let escaped = part
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = c.bind(Arg::Text(format!("%{escaped}%")));
        c.and(&format!("d.doc_number like {p} escape '\\'"));
    }
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| c.bind(Arg::Text(s.clone())))
            .collect();
        c.and(&format!("d.status in ({})", ps.join(", ")));
    }
    if let Some(v) = q.created_from {
        let p = c.bind(Arg::Int(v));
        c.and(&format!("d.created_at >= {p}"));
    }
    if let Some(v) = q.created_before {
        let p = c.bind(Arg::Int(v));
        c.and(&format!("d.created_at < {p}"));
    }
    if let Some(v) = &q.written_from {
        let p = c.bind(Arg::Text(v.clone()));
        c.and(&format!("d.written_on >= {p}"));
    }
    if let Some(v) = &q.written_to {
        let p = c.bind(Arg::Text(v.clone()));
        c.and(&format!("d.written_on <= {p}"));
    }
    if let Some(clearance) = q.clearance {
        let ps: Vec<String> = Clearance::ALL
            .iter()
            .filter(|l| clearance.may_see(**l))
            .map(|l| c.bind(Arg::Text(l.code().to_owned())))
            .collect();
        c.and(&format!("d.classification in ({})", ps.join(", ")));
    }
    c.sql.len() > before
}

/// The FTS5 form of the terms: `"a" AND "b c d"` (a quoted string of several tokens is a phrase).
fn fts5_expr(terms: &[Term]) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| format!("\"{}\"", t.tokens().join(" ").replace('"', "\"\"")))
        .collect();
    parts.join(" AND ")
}

/// The tsquery form of the terms: `'a' & ('b' <-> 'c')`, each lexeme restricted to `weight` if
/// given.
fn tsquery_expr(terms: &[Term], weight: Option<char>) -> String {
    let w = weight.map(|w| format!(":{w}")).unwrap_or_default();
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            let lexemes: Vec<String> = t
                .tokens()
                .iter()
                .map(|l| format!("{}{w}", quote_lexeme(l)))
                .collect();
            format!("({})", lexemes.join(" <-> "))
        })
        .collect();
    parts.join(" & ")
}

/// Which part of the full-text index a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Head tier: the whole query in the title or number.
    Head,
    /// Body tier: the query in the document but not all in the head.
    Body,
    /// Both tiers (for the total).
    All,
}

/// How PostgreSQL is to find the rows of a page (see [`fulltext_from`]); SQLite's FTS5 reads
/// its index in rowid order either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Read the GIN index, sort the matches (few matches).
    Index,
    /// Walk the primary key newest first, testing each row (many matches).
    Walk,
}

impl Plan {
    fn for_count(n: i64) -> Plan {
        if n >= COUNT_CAP {
            Plan::Walk
        } else {
            Plan::Index
        }
    }
}

/// The `from … where …` of a full-text search over one part, with the filters, and the
/// expression to order by (the id).
fn fulltext_from(
    engine: Engine,
    text: &TokenQuery,
    title: &TokenQuery,
    part: Part,
    plan: Plan,
    q: &SearchQuery,
    facets: Option<&Facets>,
) -> (String, Clause, String) {
    let facets = facets.filter(|f| !f.is_empty());
    let mut c = Clause::default();
    let (from, id) = match engine {
        // Engine difference: FTS5 match expression with column filters.
        //
        // The head tier reads `document_fts_head` (title and number only), so a word frequent
        // in bodies but rare in titles costs only its few title entries there; the body tier
        // reads `document_fts` less the head tier's ids.
        Engine::Sqlite => {
            let mut must = Vec::new();
            if !text.is_empty() {
                must.push(format!("({})", fts5_expr(&text.terms)));
            }
            if !title.is_empty() {
                must.push(format!("{{title}} : ({})", fts5_expr(&title.terms)));
            }
            let words = must.join(" AND ");
            let expr = match facets {
                Some(f) => facets::fts5_with(&words, f),
                None => words,
            };
            let p = c.bind(Arg::Text(expr));
            let table = match part {
                Part::Head => "document_fts_head",
                Part::Body | Part::All => "document_fts",
            };
            c.sql = format!("{table} match {p}");
            if part == Part::Body {
                c.sql.push_str(&format!(
                    " and document_fts.rowid not in
                     (select rowid from document_fts_head where document_fts_head match {p})"
                ));
            }
            (table.to_owned(), format!("{table}.rowid"))
        }
        // Engine difference: tsquery over the head and whole tsvectors.
        //
        // PostgreSQL's GIN index cannot return rows in id order, and its planner, asked for
        // `order by id desc limit 20`, may walk the primary key backwards testing every row —
        // fast when matches are dense, ruinous when they are few. So the caller chooses: with
        // few matches (counted first) the index is read and the page sorted (`Plan::Index`:
        // the order key is an expression, so the primary key cannot serve it); with many, the
        // primary key is walked backwards (`Plan::Walk`: the test is wrapped so that the GIN
        // index cannot serve it).
        Engine::Postgres => {
            let test = |cond: String| match plan {
                Plan::Index => cond,
                Plan::Walk => format!("coalesce({cond}, false)"),
            };
            let mut conds = Vec::new();
            // The facets ride with the first tsquery, so the GIN index answers them with it.
            let with_facets = |words: String| match facets {
                Some(f) => facets::tsquery_with(&words, f),
                None => words,
            };
            if !text.is_empty() {
                let p = c.bind(Arg::Text(with_facets(tsquery_expr(&text.terms, None))));
                match part {
                    Part::Head => conds.push(test(format!("s.head @@ {p}::tsquery"))),
                    Part::All => conds.push(test(format!("s.whole @@ {p}::tsquery"))),
                    // The head tier's ids from the head's GIN index, once (a hashed subplan):
                    // testing `head` on every candidate would read each one's tsvector, which
                    // is stored out of line.
                    Part::Body => conds.push(format!(
                        "{} and s.document_id not in
                         (select h.document_id from document_search h where h.head @@ {p}::tsquery)",
                        test(format!("s.whole @@ {p}::tsquery"))
                    )),
                }
            }
            if !title.is_empty() {
                let words = tsquery_expr(&title.terms, Some('A'));
                let words = if text.is_empty() {
                    with_facets(words)
                } else {
                    words
                };
                let p = c.bind(Arg::Text(words));
                conds.push(test(format!("s.head @@ {p}::tsquery")));
            }
            c.sql = conds.join(" and ");
            let order = match plan {
                Plan::Index => "s.document_id + 0",
                Plan::Walk => "s.document_id",
            };
            ("document_search s".to_owned(), order.to_owned())
        }
    };
    let mut filters = c.clone();
    filters.sql.clear();
    // Filters the facets answer exactly need no row of `documents`.
    let joined = document_filters(q, &mut filters) && !facets.is_some_and(|f| f.exact);
    if joined {
        c.args = filters.args;
        c.sql.push_str(&filters.sql);
    }
    let column = id.trim_end_matches(" + 0");
    // Engine difference: SQLite's planner, given a filter on `documents` (every person's
    // search has one: the office's documents within a clearance), may scan the documents of
    // the filter and run the full-text query once per row — 1.5 s for a word found nowhere,
    // at 300,000 documents. `cross join` keeps the index the outer loop there.
    let join = match engine {
        Engine::Sqlite => "cross join",
        Engine::Postgres => "join",
    };
    let from = if joined {
        format!("{from} {join} documents d on d.id = {column}")
    } else {
        from
    };
    (from, c, id)
}

/// Where a search's statements run: SQLite's pool, or one PostgreSQL transaction whose planner
/// may not scan `document_search` sequentially. With a `limit`, PostgreSQL prefers a
/// sequential scan for a common word, and that reads every row's `whole` tsvector (about 7 KB,
/// out of line) to test it, where the GIN index answers a word without reading it at all: on
/// 100,000 documents, counting 10,000 matches of 工作 took 146 ms that way and 20 ms through
/// the index. The walk newest first (`Plan::Walk`) is an index scan and is unaffected.
enum Reader {
    Pool(Db),
    Pg(Tx),
}

impl Reader {
    async fn open(db: &Db) -> Result<Reader> {
        match db.engine() {
            Engine::Sqlite => Ok(Reader::Pool(db.clone())),
            // Engine difference: planner settings for this transaction only.
            Engine::Postgres => {
                let mut tx = db.begin().await?;
                with_tx!(tx, c => sqlx::query("set local enable_seqscan = off")
                    .execute(c).await.map(|r| r.rows_affected()))?;
                Ok(Reader::Pg(tx))
            }
        }
    }

    async fn close(self) -> Result<()> {
        match self {
            Reader::Pool(_) => Ok(()),
            Reader::Pg(tx) => tx.commit().await,
        }
    }

    async fn ids(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<i64>> {
        macro_rules! bound {
            ($c:ident) => {{
                let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                for a in args {
                    query = match a {
                        Arg::Int(v) => query.bind(*v),
                        Arg::Text(s) => query.bind(s.as_str()),
                    };
                }
                query.fetch_all($c).await
            }};
        }
        Ok(match self {
            Reader::Pool(db) => {
                let db: &Db = db;
                with_db!(db, c => bound!(c))?
            }
            Reader::Pg(tx) => with_tx!(tx, c => bound!(c))?,
        })
    }

    /// The lines of `explain` (PostgreSQL only).
    async fn plan(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<String>> {
        let Reader::Pg(tx) = self else {
            return Ok(Vec::new());
        };
        Ok(with_tx!(tx, c => {
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for a in args {
                query = match a {
                    Arg::Int(v) => query.bind(*v),
                    Arg::Text(s) => query.bind(s.as_str()),
                };
            }
            query.fetch_all(c).await
        })?)
    }

    async fn one(&mut self, sql: &str, args: &[Arg]) -> Result<i64> {
        Ok(self.ids(sql, args).await?.first().copied().unwrap_or(0))
    }
}

/// Ids of one part, newest first.
async fn page_of(
    r: &mut Reader,
    from: &str,
    clause: &Clause,
    id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>> {
    let mut c = clause.clone();
    let l = c.bind(Arg::Int(limit));
    let o = c.bind(Arg::Int(offset));
    let column = id.trim_end_matches(" + 0");
    let sql = format!(
        "select {column} from {from} where {} order by {id} desc limit {l} offset {o}",
        where_sql(&c.sql)
    );
    r.ids(&sql, &c.args).await
}

async fn count_of(r: &mut Reader, from: &str, clause: &Clause) -> Result<i64> {
    count_upto(r, from, clause, COUNT_CAP).await
}

async fn count_upto(r: &mut Reader, from: &str, clause: &Clause, cap: i64) -> Result<i64> {
    let mut c = clause.clone();
    let l = c.bind(Arg::Int(cap));
    let sql = format!(
        "select count(*) from (select 1 from {from} where {} limit {l}) t",
        where_sql(&c.sql)
    );
    r.one(&sql, &c.args).await
}

/// The query with each phrase loosened to its tokens, all required in any order.
pub(super) fn loosen(text: &TokenQuery) -> TokenQuery {
    let mut terms: Vec<Term> = Vec::new();
    for t in &text.terms {
        for tok in t.tokens() {
            let term = Term::Token(tok.clone());
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    TokenQuery {
        terms,
        needles: text.needles.clone(),
    }
}

/// Documents sampled to tell whether a query of several tokens is common on PostgreSQL.
const COMMON_SAMPLE: i64 = 200;

/// The planner's estimate of the rows of a statement, from the first line of its plan.
async fn planned_rows(r: &mut Reader, sql: &str, args: &[Arg]) -> Result<i64> {
    let lines = r.plan(&format!("explain {sql}"), args).await?;
    let rows = lines
        .first()
        .and_then(|l| l.split(" rows=").nth(1))
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(rows)
}

/// PostgreSQL only, searches without filters: whether the query matches so many documents in
/// `column` (`head` or `whole`) that counting them can stop before it starts.
///
/// A GIN index returns every match of a word as a bitmap before `limit` applies, so a capped
/// count of a word found in most documents still reads its whole posting list: 130 ms for 工作
/// (998,635 matches) at 1,000,000 documents, 80 ms in the titles alone. Instead, each token's
/// number of documents is taken from the planner's statistics (its most common elements; a
/// token outside them is estimated as rare, and counted). A query of one token is common when
/// that estimate reaches twice [`COUNT_CAP`]. For several tokens (a phrase, several words),
/// [`COMMON_SAMPLE`] documents holding the rarest token are tested against the whole query,
/// and the share that match times that token's estimate must reach twice the cap.
async fn pg_common(r: &mut Reader, column: &str, text: &TokenQuery) -> Result<bool> {
    let mut seen: Vec<&String> = Vec::new();
    for t in &text.terms {
        for tok in t.tokens() {
            if !seen.contains(&tok) {
                seen.push(tok);
            }
        }
    }
    if seen.is_empty() || seen.len() > 8 {
        return Ok(false);
    }
    let mut rarest: Option<(&String, i64)> = None;
    for tok in seen.iter().copied() {
        let sql = format!("select 1 from document_search s where s.{column} @@ $1::tsquery");
        let rows = planned_rows(r, &sql, &[Arg::Text(quote_lexeme(tok))]).await?;
        if rows < 2 * COUNT_CAP {
            return Ok(false);
        }
        if rarest.is_none_or(|(_, n)| rows < n) {
            rarest = Some((tok, rows));
        }
    }
    let Some((token, estimate)) = rarest else {
        return Ok(false);
    };
    if seen.len() == 1 && matches!(text.terms.as_slice(), [Term::Token(_)]) {
        return Ok(true);
    }
    let sql = format!(
        "select count(*) from (select coalesce(s.{column} @@ $1::tsquery, false) as hit
         from document_search s where s.{column} @@ $2::tsquery limit $3) t where hit"
    );
    let args = [
        Arg::Text(tsquery_expr(&text.terms, None)),
        Arg::Text(quote_lexeme(token)),
        Arg::Int(COMMON_SAMPLE),
    ];
    let hits = r.one(&sql, &args).await?;
    Ok(hits * estimate >= 2 * COUNT_CAP * COMMON_SAMPLE)
}

/// A `where` body from conditions that may start with ` and `, or be empty.
fn where_sql(conds: &str) -> String {
    let s = conds.trim_start();
    let s = s.strip_prefix("and ").unwrap_or(s);
    if s.trim().is_empty() {
        "1 = 1".to_owned()
    } else {
        s.to_owned()
    }
}

/// Searches documents: the words of `q.text` (see [`xn_domain::documents::search`]) and every
/// filter given. Matches in the title or number first, then the newest first; the total is
/// counted up to [`COUNT_CAP`] or, where counting would read too much, estimated and marked as
/// such ([`Total::About`]); pages reach no further than the cap. [`count_documents`] counts
/// exactly when asked.
pub async fn search_documents(db: &Db, q: &SearchQuery) -> Result<SearchPage> {
    let (text, title, facets) = asked(db, q).await?;
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let offset = q.offset.clamp(0, COUNT_CAP);
    let engine = db.engine();
    let f = facets.as_ref();
    let mut r = Reader::open(db).await?;

    let (ids, total): (Vec<(i64, Tier)>, Total) = if text.is_empty() && title.is_empty() {
        let mut c = Clause::default();
        document_filters(q, &mut c);
        let ids = page_of(&mut r, "documents d", &c, "d.id", limit, offset).await?;
        let total = count_of(&mut r, "documents d", &c).await?;
        (
            ids.into_iter().map(|i| (i, Tier::Filter)).collect(),
            counted(total),
        )
    } else if text.is_empty() {
        // Only title words: one tier.
        let (from, c, _) = fulltext_from(engine, &text, &title, Part::All, Plan::Index, q, f);
        let total = count_of(&mut r, &from, &c).await?;
        let plan = Plan::for_count(total);
        let (from, c, id) = fulltext_from(engine, &text, &title, Part::All, plan, q, f);
        let ids = page_of(&mut r, &from, &c, &id, limit, offset).await?;
        (
            ids.into_iter().map(|i| (i, Tier::Head)).collect(),
            counted(total),
        )
    } else {
        // Counted first: the total, where the head tier ends, and how PostgreSQL reads each.
        // On PostgreSQL a search without filters skips the counts of what is common.
        let plain = engine == Engine::Postgres
            && title.is_empty()
            && !document_filters(q, &mut Clause::default());
        let head_common = plain && pg_common(&mut r, "head", &text).await?;
        let common = head_common || (plain && pg_common(&mut r, "whole", &text).await?);
        let phrase = text.terms.iter().any(|t| matches!(t, Term::Phrase(_)));
        if engine == Engine::Postgres && phrase && !common {
            let ask = pg_phrase::Ask {
                text: &text,
                title: &title,
                q,
                facets: f,
            };
            pg_phrase::search(&mut r, &ask, limit, offset).await?
        } else {
            let total = if common {
                COUNT_CAP
            } else {
                let (from, c, _) =
                    fulltext_from(engine, &text, &title, Part::All, Plan::Index, q, f);
                count_of(&mut r, &from, &c).await?
            };
            let head_count = if head_common {
                COUNT_CAP
            } else {
                let (from, c, _) =
                    fulltext_from(engine, &text, &title, Part::Head, Plan::Index, q, f);
                count_of(&mut r, &from, &c).await?
            };
            let mut ids: Vec<(i64, Tier)> = Vec::new();
            if offset < head_count {
                let plan = Plan::for_count(head_count);
                let (from, c, id) = fulltext_from(engine, &text, &title, Part::Head, plan, q, f);
                let head = page_of(&mut r, &from, &c, &id, limit, offset).await?;
                ids.extend(head.into_iter().map(|i| (i, Tier::Head)));
            }
            let rest = limit - ids.len() as i64;
            if rest > 0 && head_count < COUNT_CAP && total > head_count {
                let plan = Plan::for_count(total);
                let (from, c, id) = fulltext_from(engine, &text, &title, Part::Body, plan, q, f);
                let body_offset = (offset - head_count).max(0);
                let body = page_of(&mut r, &from, &c, &id, rest, body_offset).await?;
                ids.extend(body.into_iter().map(|i| (i, Tier::Body)));
            }
            (ids, counted(total))
        }
    };
    r.close().await?;

    let hits = load_hits(db, &ids, &text, q).await?;
    Ok(SearchPage { hits, total })
}

/// The words, the title words and the facets of a search, cut for the index as it stands. While
/// a re-index backlog remains (an upgrade queued every document: migrations 0029, 0057), some
/// entries lack the facet tokens or the n-grams, so the search tests the filters on `documents`
/// and asks phrases of bigrams, which every entry holds; once it is worked off, the facets and
/// the n-grams are used.
async fn asked(db: &Db, q: &SearchQuery) -> Result<(TokenQuery, TokenQuery, Option<Facets>)> {
    let backlog = any_queued(db, true).await?;
    let form = if backlog {
        IndexForm::Bigrams
    } else {
        IndexForm::Grams
    };
    let facets = (!backlog).then(|| facets_of(q));
    Ok((
        parse_query_for(&q.text, form),
        parse_query_for(&q.title, form),
        facets,
    ))
}

/// A count that stopped at [`COUNT_CAP`] as a total.
fn counted(n: i64) -> Total {
    if n >= COUNT_CAP {
        Total::AtLeast(COUNT_CAP)
    } else {
        Total::Exact(n)
    }
}

/// Counts every document a search finds, without a cap: what the page asks for when a person
/// wants the exact number behind "约 N" or "10000+". It reads every match, so it is not part
/// of the first page.
pub async fn count_documents(db: &Db, q: &SearchQuery) -> Result<i64> {
    let (text, title, facets) = asked(db, q).await?;
    let engine = db.engine();
    let (from, c) = if text.is_empty() && title.is_empty() {
        let mut c = Clause::default();
        document_filters(q, &mut c);
        ("documents d".to_owned(), c)
    } else {
        let (from, c, _) = fulltext_from(
            engine,
            &text,
            &title,
            Part::All,
            Plan::Index,
            q,
            facets.as_ref(),
        );
        (from, c)
    };
    let mut r = Reader::open(db).await?;
    let sql = format!("select count(*) from {from} where {}", where_sql(&c.sql));
    let n = r.one(&sql, &c.args).await?;
    r.close().await?;
    Ok(n)
}

#[derive(sqlx::FromRow)]
struct HitRow {
    id: i64,
    title: String,
    doc_number: Option<String>,
    kind: String,
    direction: String,
    status: String,
    created_at: i64,
    body: crate::Sealed,
}

/// The rows of the hits, in the order of `ids`. The filters are tested once more on
/// `documents`: a page never shows a document the filters exclude, whatever the index said.
async fn load_hits(
    db: &Db,
    ids: &[(i64, Tier)],
    text: &TokenQuery,
    q: &SearchQuery,
) -> Result<Vec<Hit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from(
        "select id, title, doc_number, kind, direction, status, created_at, body
         from documents d where id in (",
    );
    for (i, (id, _)) in ids.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "{id}");
    }
    sql.push(')');
    let mut c = Clause::default();
    document_filters(q, &mut c);
    sql.push_str(&c.sql);
    let rows: Vec<HitRow> = with_db!(db, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for a in &c.args {
            query = match a {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(s) => query.bind(s.as_str()),
            };
        }
        query.fetch_all(conn).await
    })?;
    let mut by_id: HashMap<i64, HitRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids
        .iter()
        .filter_map(|(id, tier)| {
            let r = by_id.remove(id)?;
            let body = (!text.is_empty()).then_some(r.body);
            Some(Hit {
                document_id: r.id,
                tier: *tier,
                title: r.title,
                doc_number: r.doc_number,
                kind: r.kind,
                direction: r.direction,
                status: r.status,
                created_at: r.created_at,
                body,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tsvector_counts_positions_across_parts_and_keeps_weights() {
        let title = vec!["督办".to_owned(), "督".to_owned(), "办".to_owned()];
        let number = vec!["7号".to_owned(), "办".to_owned()];
        assert_eq!(
            pg_tsvector(&[(&title, Some('A')), (&number, Some('B'))]),
            "'督办':1A '督':2A '办':3A,5B '7号':4B"
        );
    }

    #[test]
    fn a_phrase_is_one_quoted_string_in_fts5_and_a_chain_in_tsquery() {
        let q = parse_query_for("营商环境 督办", IndexForm::Bigrams);
        assert_eq!(fts5_expr(&q.terms), "\"营商 商环 环境\" AND \"督办\"");
        assert_eq!(
            tsquery_expr(&q.terms, None),
            "('营商' <-> '商环' <-> '环境') & ('督办')"
        );
        assert_eq!(tsquery_expr(&q.terms[1..], Some('A')), "('督办':A)");
    }
}
