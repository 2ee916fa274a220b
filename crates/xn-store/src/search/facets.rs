//! Facet tokens: a document's filter values written into its index entry, so that the
//! full-text index answers the words and the filters of a search together.
//!
//! Without them, a search with filters (every person's search carries the office's scope and a
//! clearance) visited every document the index returned for the words and joined it to
//! `documents` to test the filters: seconds for a common word at 300,000 documents. With them
//! the index intersects the posting lists of the words with those of the filter values.
//!
//! A facet token is `z`, one digit naming the facet, and the value: letters and digits mixed,
//! which no token of a query can be (`xn_domain::documents::search` cuts letters and digits
//! apart), so a word typed into the search box never matches a facet. Written for: the unit
//! (`z0` + id), the 密级 (`z1`), the 文种 (`z2`), the direction (`z3`), the year (`z5`) and
//! month (`z6`) of the 成文日期; text values in hexadecimal so that both engines keep each as one
//! token. The status is not a facet: it changes with flow actions that do not re-index the
//! document, so a status filter is tested on `documents`.
//!
//! This module holds the encoding and which filters of a query it can answer; it holds no
//! rule of what a person may see (the caller's filters say that).

use xn_domain::org::Clearance;

use super::SearchQuery;

/// The columns of `documents` the facets are made from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct FacetRow {
    pub unit_id: i64,
    pub classification: String,
    pub kind: String,
    pub direction: String,
    pub written_on: Option<String>,
}

/// The statement that reads a document's [`FacetRow`].
pub(super) const FACET_ROW: &str =
    "select unit_id, classification, kind, direction, written_on from documents where id = $1";

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unit_token(id: i64) -> String {
    format!("z0{id}")
}

fn level_token(code: &str) -> String {
    format!("z1{}", hex(code))
}

fn kind_token(code: &str) -> String {
    format!("z2{}", hex(code))
}

fn direction_token(code: &str) -> String {
    format!("z3{}", hex(code))
}

fn year_token(y: i32) -> String {
    format!("z5{y:04}")
}

fn month_token(y: i32, m: u32) -> String {
    format!("z6{y:04}{m:02}")
}

/// A `YYYY-MM-DD` date as numbers, when it is one.
fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    ((1..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The facet tokens of a document.
pub(super) fn facet_tokens(row: &FacetRow) -> Vec<String> {
    let mut out = vec![
        unit_token(row.unit_id),
        level_token(&row.classification),
        kind_token(&row.kind),
        direction_token(&row.direction),
    ];
    if let Some((y, m, _)) = row.written_on.as_deref().and_then(ymd) {
        out.push(year_token(y));
        out.push(month_token(y, m));
    }
    out
}

/// The filters of a query the index can answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Facets {
    /// Each inner list: the document holds at least one of these tokens.
    pub any_of: Vec<Vec<String>>,
    /// The document holds none of these tokens.
    pub none_of: Vec<String>,
    /// Every filter of the query is answered by the tokens: no row of `documents` need be read.
    pub exact: bool,
}

impl Facets {
    /// Whether no filter is answered by tokens.
    pub fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.none_of.is_empty()
    }
}

/// The most months a date range is written as; a longer range is tested on `documents`.
const MAX_MONTHS: i32 = 120;

/// The tokens of a 成文日期 range: whole years as year tokens, the rest as month tokens. `None`
/// when the range is not written as tokens (open, malformed, empty or very long); the bool
/// says whether the tokens answer it exactly (the range starts on a month's first day and ends
/// on a month's last), otherwise the days at the edges are tested on `documents`.
fn date_tokens(from: &str, to: &str) -> Option<(Vec<String>, bool)> {
    let (y1, m1, d1) = ymd(from)?;
    let (y2, m2, d2) = ymd(to)?;
    let first = y1 * 12 + m1 as i32 - 1;
    let last = y2 * 12 + m2 as i32 - 1;
    if (y2, m2, d2) < (y1, m1, d1) || last - first >= MAX_MONTHS {
        return None;
    }
    let mut tokens = Vec::new();
    let mut at = first;
    while at <= last {
        let (y, m) = (at.div_euclid(12), at.rem_euclid(12) as u32 + 1);
        if m == 1 && at + 11 <= last {
            tokens.push(year_token(y));
            at += 12;
        } else {
            tokens.push(month_token(y, m));
            at += 1;
        }
    }
    let aligned = d1 == 1 && d2 == days_in_month(y2, m2);
    Some((tokens, aligned))
}

/// The filters of `q` written as facet tokens.
pub(super) fn facets_of(q: &SearchQuery) -> Facets {
    let mut f = Facets {
        exact: true,
        ..Facets::default()
    };
    match &q.unit_ids {
        Some(units) if !units.is_empty() => {
            f.any_of
                .push(units.iter().map(|u| unit_token(*u)).collect());
        }
        Some(_) => f.exact = false,
        None => {}
    }
    if let Some(clearance) = q.clearance {
        // The levels above the clearance are excluded: few documents hold them, so their
        // posting lists are short, where the allowed levels are nearly every document.
        f.none_of.extend(
            Clearance::ALL
                .iter()
                .filter(|l| !clearance.may_see(**l))
                .map(|l| level_token(l.code())),
        );
    }
    if let Some(d) = &q.direction {
        f.any_of.push(vec![direction_token(d)]);
    }
    if let Some(k) = &q.kind {
        f.any_of.push(vec![kind_token(k)]);
    }
    match (&q.written_from, &q.written_to) {
        (None, None) => {}
        (Some(from), Some(to)) => match date_tokens(from, to) {
            Some((tokens, aligned)) => {
                f.any_of.push(tokens);
                f.exact &= aligned;
            }
            None => f.exact = false,
        },
        _ => f.exact = false,
    }
    if q.issuer_code.is_some()
        || q.number_contains.as_deref().is_some_and(|s| !s.is_empty())
        || !q.statuses.is_empty()
        || q.created_from.is_some()
        || q.created_before.is_some()
    {
        f.exact = false;
    }
    f
}

/// The facets as an FTS5 expression around `words` (a non-empty FTS5 expression).
pub(super) fn fts5_with(words: &str, f: &Facets) -> String {
    let mut parts = vec![format!("({words})")];
    for alts in &f.any_of {
        let quoted: Vec<String> = alts.iter().map(|t| format!("\"{t}\"")).collect();
        parts.push(format!("({})", quoted.join(" OR ")));
    }
    let mut expr = parts.join(" AND ");
    if !f.none_of.is_empty() {
        let quoted: Vec<String> = f.none_of.iter().map(|t| format!("\"{t}\"")).collect();
        expr = format!("({expr}) NOT ({})", quoted.join(" OR "));
    }
    expr
}

/// The facets as a tsquery around `words` (a non-empty tsquery).
pub(super) fn tsquery_with(words: &str, f: &Facets) -> String {
    let mut parts = vec![format!("({words})")];
    for alts in &f.any_of {
        let quoted: Vec<String> = alts.iter().map(|t| format!("'{t}'")).collect();
        parts.push(format!("({})", quoted.join(" | ")));
    }
    for t in &f.none_of {
        parts.push(format!("!'{t}'"));
    }
    parts.join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_years_are_year_tokens_and_the_rest_months() {
        let (t, exact) = date_tokens("2025-11-01", "2027-02-28").unwrap_or_default();
        assert_eq!(
            t,
            ["z6202511", "z6202512", "z52026", "z6202701", "z6202702"]
        );
        assert!(exact);
        let (t, exact) = date_tokens("2026-03-15", "2026-03-20").unwrap_or_default();
        assert_eq!(t, ["z6202603"]);
        assert!(!exact);
        assert_eq!(date_tokens("2026-03-15", "2026-03-01"), None);
        assert_eq!(date_tokens("2026-3", "2026-03-01"), None);
    }

    #[test]
    fn a_facet_token_mixes_letters_and_digits_so_no_query_token_equals_it() {
        let row = FacetRow {
            unit_id: 7,
            classification: "top_secret".into(),
            kind: "notice".into(),
            direction: "outgoing".into(),
            written_on: Some("2026-02-29".into()),
        };
        for t in facet_tokens(&row) {
            assert!(t.starts_with('z') && t[1..2].chars().all(|c| c.is_ascii_digit()));
            assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
            let q = xn_domain::documents::search::parse_query(&t);
            assert!(q.terms.iter().all(|term| !term.tokens().contains(&t)));
        }
    }

    #[test]
    fn a_clearance_excludes_the_levels_above_it() {
        let q = SearchQuery {
            unit_ids: Some(vec![3, 4]),
            clearance: Some(Clearance::Secret),
            kind: Some("notice".into()),
            ..SearchQuery::default()
        };
        let f = facets_of(&q);
        assert!(f.exact);
        assert_eq!(
            fts5_with("\"督办\"", &f),
            format!(
                "((\"督办\") AND (\"z03\" OR \"z04\") AND (\"z2{}\")) NOT (\"z1{}\" OR \"z1{}\")",
                hex("notice"),
                hex("confidential"),
                hex("top_secret")
            )
        );
        let statuses = SearchQuery {
            statuses: vec!["draft".into()],
            ..q
        };
        assert!(!facets_of(&statuses).exact);
    }
}
