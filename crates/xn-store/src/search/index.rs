//! Writing the index: a document's entry (its words and facet tokens, in each engine's form),
//! the queue of documents waiting to be indexed, and a document's removal.

use std::collections::HashMap;

use xn_domain::documents::search::index_tokens;

use super::facets::{FACET_ROW, FacetRow, facet_tokens};
use crate::{Db, Engine, Result, Tx};

/// The highest position PostgreSQL keeps in a tsvector (larger ones are stored as this).
const PG_MAX_POS: usize = 16_383;

/// The most positions PostgreSQL keeps for one lexeme.
const PG_MAX_POSITIONS: usize = 256;

/// The text of a document as the index knows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchText<'a> {
    /// 标题.
    pub title: &'a str,
    /// 发文字号, and for a 收文 its 收文号 and the sender's number, space-separated.
    pub number: &'a str,
    /// 正文.
    pub body: &'a str,
    /// Every opinion written on the document (批示, 拟办, 签发意见 …), one per line.
    pub opinions: &'a str,
}

/// Stores (or replaces) the index entry of a document. Call it in the transaction that saves the
/// document, so that the index never disagrees with what was committed.
///
/// The document's filter values are read from `documents` in the same transaction and written
/// as facet tokens after the number (see `search/facets.rs`); a document without a row gets none.
pub async fn index_document(tx: &mut Tx, document_id: i64, text: &SearchText<'_>) -> Result<()> {
    let title = index_tokens(text.title);
    let mut number = index_tokens(text.number);
    let row: Option<FacetRow> = with_tx!(tx, c => sqlx::query_as(FACET_ROW)
        .bind(document_id).fetch_optional(c).await)?;
    let facets = row.as_ref().map(facet_tokens).unwrap_or_default();
    if matches!(tx.engine(), Engine::Sqlite) {
        number.extend(facets.iter().cloned());
    }
    let mut body = index_tokens(text.body);
    body.extend(index_tokens(text.opinions));
    match tx.engine() {
        // Engine difference: an FTS5 row is replaced by delete + insert (contentless_delete).
        Engine::Sqlite => {
            let (title, number, body) = (title.join(" "), number.join(" "), body.join(" "));
            with_tx!(tx, c => sqlx::query("delete from document_fts where rowid = $1")
                .bind(document_id).execute(c).await.map(|r| r.rows_affected()))?;
            with_tx!(tx, c => sqlx::query("delete from document_fts_head where rowid = $1")
                .bind(document_id).execute(c).await.map(|r| r.rows_affected()))?;
            with_tx!(tx, c => sqlx::query(
                "insert into document_fts_head (rowid, title, number) values ($1, $2, $3)")
                .bind(document_id).bind(&title).bind(&number).execute(c).await.map(|r| r.rows_affected()))?;
            with_tx!(tx, c => sqlx::query(
                "insert into document_fts (rowid, title, number, body) values ($1, $2, $3, $4)")
                .bind(document_id).bind(&title).bind(&number).bind(&body).execute(c).await.map(|r| r.rows_affected()))?;
        }
        // Engine difference: tsvector literals built from lexemes and positions.
        Engine::Postgres => {
            let head = pg_tsvector(&[(&title, Some('A')), (&number, Some('B')), (&facets, None)]);
            let body = pg_tsvector(&[(&body, None)]);
            with_tx!(tx, c => sqlx::query(
                "insert into document_search (document_id, head, whole)
                 values ($1, $2::tsvector, $2::tsvector || $3::tsvector)
                 on conflict (document_id) do update set head = excluded.head, whole = excluded.whole")
                .bind(document_id).bind(&head).bind(&body).execute(c).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

/// Queues a document to be indexed again (a flow action changed its opinions or number); the
/// statement an area carries in a flow action's batch.
pub const ENQUEUE: &str = "insert into search_queue (document_id, queued_at) values ($1, $2)
     on conflict (document_id) do update set queued_at = excluded.queued_at";

/// The `queued_at` of the documents a migration queued to be indexed again (the re-index
/// backlog; migration 0029 queued every document for its facet tokens), as opposed to those a
/// flow action queued (their time). While any remains, searches do not trust the facets.
pub const BACKLOG_AT: i64 = 0;

/// Documents queued to be indexed again, oldest first: (document, queued at). `backlog`: those
/// of the re-index backlog ([`BACKLOG_AT`]); otherwise those flow actions queued.
pub async fn queued(tx: &mut Tx, limit: i64, backlog: bool) -> Result<Vec<(i64, i64)>> {
    let sql = if backlog {
        "select document_id, queued_at from search_queue where queued_at = 0
         order by document_id limit $1"
    } else {
        "select document_id, queued_at from search_queue where queued_at > 0
         order by queued_at, document_id limit $1"
    };
    Ok(with_tx!(tx, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)?)
}

/// Takes a document off the queue unless it was queued again after `queued_at`.
pub async fn dequeue(tx: &mut Tx, document_id: i64, queued_at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "delete from search_queue where document_id = $1 and queued_at <= $2")
        .bind(document_id).bind(queued_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether any document waits to be indexed: of the re-index backlog (`backlog`), or queued by
/// a flow action.
pub async fn any_queued(db: &Db, backlog: bool) -> Result<bool> {
    let sql = if backlog {
        "select document_id from search_queue where queued_at = 0 limit 1"
    } else {
        "select document_id from search_queue where queued_at > 0 limit 1"
    };
    let n: Option<i64> = with_db!(db, c => sqlx::query_scalar(sql).fetch_optional(c).await)?;
    Ok(n.is_some())
}

/// Removes a document from the index (it no longer exists, or must no longer be found).
pub async fn remove_document(tx: &mut Tx, document_id: i64) -> Result<()> {
    let sqls: &[&str] = match tx.engine() {
        Engine::Sqlite => &[
            "delete from document_fts where rowid = $1",
            "delete from document_fts_head where rowid = $1",
        ],
        Engine::Postgres => &["delete from document_search where document_id = $1"],
    };
    for sql in sqls {
        with_tx!(tx, c => sqlx::query(*sql).bind(document_id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The tsvector literal of consecutive token lists, each with its weight: positions count on
/// from one list to the next.
pub fn pg_tsvector(parts: &[(&[String], Option<char>)]) -> String {
    let mut lexemes: HashMap<&str, Vec<String>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut pos = 0usize;
    for (tokens, weight) in parts {
        for t in tokens.iter() {
            pos += 1;
            let entry = lexemes.entry(t.as_str()).or_insert_with(|| {
                order.push(t.as_str());
                Vec::new()
            });
            if entry.len() < PG_MAX_POSITIONS {
                let mut p = pos.min(PG_MAX_POS).to_string();
                if let Some(w) = weight {
                    p.push(*w);
                }
                entry.push(p);
            }
        }
    }
    let mut out = String::new();
    for lexeme in order {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&quote_lexeme(lexeme));
        if let Some(positions) = lexemes.get(lexeme) {
            out.push(':');
            out.push_str(&positions.join(","));
        }
    }
    out
}

pub(super) fn quote_lexeme(t: &str) -> String {
    format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))
}
