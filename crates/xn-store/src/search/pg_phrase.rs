//! PostgreSQL, a query holding a phrase (three characters or more): the candidates first, then
//! the phrase checked on as few of them as the page and the total need.
//!
//! A GIN index keeps no positions: it answers the phrase's tokens in any order (the loose
//! query) and the phrase itself is checked on each candidate's tsvector, read from out-of-line
//! storage (about 17 µs each). Asked for the phrase directly, PostgreSQL checks every candidate
//! before it sorts or counts: a phrase just under the count cap (7,500 matches at 300,000
//! documents) cost 120 ms, and with an office's filters the candidates outside the office were
//! read as well. Here the candidates' ids come from the index alone (loose words and facet
//! tokens, no tsvector read), newest first; the page checks them in that order, in batches,
//! until it is full; the total checks every candidate when they are few ([`EXACT_CHECK`]),
//! otherwise an evenly spread sample of [`SAMPLE`], and is then reported as an estimate
//! ([`Total::About`]), never as a count.

use std::collections::HashSet;

use super::{
    Arg, COUNT_CAP, Facets, Part, Plan, Reader, Result, SearchQuery, Tier, TokenQuery, Total,
    count_upto, counted, fulltext_from, loosen, page_of, tsquery_expr,
};
use crate::Engine;

/// What is asked.
pub(super) struct Ask<'a> {
    pub text: &'a TokenQuery,
    pub title: &'a TokenQuery,
    pub q: &'a SearchQuery,
    pub facets: Option<&'a Facets>,
}

/// Candidates read at most, newest first.
const CANDIDATES: i64 = 2 * COUNT_CAP;

/// Up to this many candidates, every one is checked and the total is exact.
const EXACT_CHECK: usize = 1_000;

/// Candidates checked to estimate the share that holds the phrase.
const SAMPLE: usize = 200;

/// Loose candidates counted at most to scale the sample when more than [`CANDIDATES`] were
/// found.
const CANDIDATES_COUNTED: i64 = 20 * COUNT_CAP;

/// Which test a candidate must pass.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// The phrase in the title or number (head tier).
    Head,
    /// The phrase anywhere (the total).
    Whole,
}

/// Candidate ids of a part, newest first (at most [`CANDIDATES`]).
async fn candidates(r: &mut Reader, ask: &Ask<'_>, part: Part) -> Result<Vec<i64>> {
    let loose = loosen(ask.text);
    let (from, c, id) = fulltext_from(
        Engine::Postgres,
        &loose,
        ask.title,
        part,
        Plan::Index,
        ask.q,
        ask.facets,
    );
    page_of(r, &from, &c, &id, CANDIDATES, 0).await
}

/// Those of `ids` that pass `check`, in the order given.
async fn check(r: &mut Reader, ask: &Ask<'_>, ids: &[i64], check: Check) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let cond = match check {
        Check::Head => "s.head @@ $1::tsquery",
        Check::Whole => "s.whole @@ $1::tsquery",
    };
    let sql = format!(
        "select s.document_id from document_search s where s.document_id in ({}) and {cond}",
        list.join(", ")
    );
    let phrase = Arg::Text(tsquery_expr(&ask.text.terms, None));
    let found: HashSet<i64> = r.ids(&sql, &[phrase]).await?.into_iter().collect();
    Ok(ids.iter().copied().filter(|i| found.contains(i)).collect())
}

/// Checks `cands` in order, in growing batches, until `need` pass or none is left, skipping
/// those in `skip`: the ids that passed, and whether every candidate was checked.
async fn walk(
    r: &mut Reader,
    ask: &Ask<'_>,
    cands: &[i64],
    test: Check,
    need: usize,
    skip: &HashSet<i64>,
) -> Result<(Vec<i64>, bool)> {
    let mut found = Vec::new();
    let mut at = 0;
    let mut batch = (2 * need + 20).max(40);
    while at < cands.len() && found.len() < need {
        let end = (at + batch).min(cands.len());
        let ids: Vec<i64> = cands
            .get(at..end)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|i| !skip.contains(i))
            .collect();
        found.extend(check(r, ask, &ids, test).await?);
        at = end;
        batch *= 2;
    }
    Ok((found, at >= cands.len()))
}

/// A number rounded to two significant digits, as an estimate is shown.
fn rounded(n: i64) -> i64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

/// The page and the total of a phrase query (see the module's comment).
pub(super) async fn search(
    r: &mut Reader,
    ask: &Ask<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(i64, Tier)>, Total)> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let offset = usize::try_from(offset).unwrap_or(0);
    let need = offset + limit;

    let head_cands = candidates(r, ask, Part::Head).await?;
    let (head, head_done) = walk(r, ask, &head_cands, Check::Head, need, &HashSet::new()).await?;
    // The head tier is known to end only when every one of its candidates was checked.
    let head_complete = head_done && (head_cands.len() as i64) < CANDIDATES;
    let mut ids: Vec<(i64, Tier)> = head
        .iter()
        .skip(offset)
        .take(limit)
        .map(|i| (*i, Tier::Head))
        .collect();

    let all = candidates(r, ask, Part::All).await?;
    let all_complete = (all.len() as i64) < CANDIDATES;
    let mut body_checked: Option<(usize, bool)> = None;
    if ids.len() < limit && head_complete {
        let body_offset = offset.saturating_sub(head.len());
        let want = body_offset + (limit - ids.len());
        // The head tier is complete here: the body tier is every other match.
        let in_head: HashSet<i64> = head.iter().copied().collect();
        let (body, done) = walk(r, ask, &all, Check::Whole, want, &in_head).await?;
        let rest = limit - ids.len();
        ids.extend(
            body.iter()
                .skip(body_offset)
                .take(rest)
                .map(|i| (*i, Tier::Body)),
        );
        body_checked = Some((body.len(), done));
    }

    let total = match body_checked {
        // Every candidate of both tiers was checked for the page: the total is known.
        Some((body, true)) if all_complete => counted((head.len() + body) as i64),
        _ if all_complete && all.len() <= EXACT_CHECK => {
            counted(check(r, ask, &all, Check::Whole).await?.len() as i64)
        }
        _ => {
            let step = (all.len() / SAMPLE).max(1);
            let sample: Vec<i64> = all.iter().step_by(step).take(SAMPLE).copied().collect();
            let hits = check(r, ask, &sample, Check::Whole).await?.len();
            let candidates = if all_complete {
                all.len() as i64
            } else {
                let loose = loosen(ask.text);
                let (from, c, _) = fulltext_from(
                    Engine::Postgres,
                    &loose,
                    ask.title,
                    Part::All,
                    Plan::Index,
                    ask.q,
                    ask.facets,
                );
                count_upto(r, &from, &c, CANDIDATES_COUNTED).await?
            };
            let estimate = candidates * hits as i64 / sample.len().max(1) as i64;
            let seen = (head.len() + body_checked.map_or(0, |(b, _)| b)) as i64;
            Total::About(rounded(estimate).max(seen))
        }
    };
    Ok((ids, total))
}

#[cfg(test)]
mod tests {
    use super::rounded;

    #[test]
    fn an_estimate_keeps_two_significant_digits() {
        assert_eq!(rounded(7), 7);
        assert_eq!(rounded(97), 97);
        assert_eq!(rounded(7_346), 7_300);
        assert_eq!(rounded(7_350), 7_400);
        assert_eq!(rounded(123_456), 120_000);
    }
}
