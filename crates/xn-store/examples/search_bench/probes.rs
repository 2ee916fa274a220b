//! The queries of the benchmark, found in the generated documents rather than listed by hand.
//!
//! Every substring of two to four Chinese characters of the generator's vocabularies is a
//! candidate; each candidate's number of matching documents is counted in the generated
//! documents themselves (Aho–Corasick over title, number and body), once without filters and
//! once per filter set the benchmark runs. The probes are then chosen per length:
//! - `common`: the most frequent candidates;
//! - `middle`: those nearest (on a log scale) to one document in a hundred;
//! - `rare`: those found in a handful of documents;
//! - `absent`: candidates reversed, found nowhere;
//! - `below:NAME` / `above:NAME`: for every threshold the search uses (its published
//!   [`xn_store::search::THRESHOLDS`]), the candidates whose count lies nearest below it and
//!   nearest at or above it, per filter set — the worst cases by construction, whatever the size.

use std::collections::BTreeSet;

use aho_corasick::AhoCorasick;

/// One query to time.
#[derive(Debug, Clone)]
pub struct Probe {
    pub len: usize,
    pub class: String,
    pub text: String,
    /// The filter set it runs with (an index into the benchmark's filter sets).
    pub filter: usize,
    /// Documents that hold it, with that filter set.
    pub truth: usize,
}

/// How many of each class per length.
const PER_CLASS: usize = 6;

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Every run of Chinese characters' substrings of 2–4 characters.
pub fn candidates(vocabularies: &[&str]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for text in vocabularies {
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        while start < chars.len() {
            if !chars.get(start).copied().is_some_and(is_han) {
                start += 1;
                continue;
            }
            let mut end = start;
            while chars.get(end).copied().is_some_and(is_han) {
                end += 1;
            }
            for i in start..end {
                for len in 2..=4 {
                    if i + len <= end
                        && let Some(s) = chars.get(i..i + len)
                    {
                        out.insert(s.iter().collect::<String>());
                    }
                }
            }
            start = end;
        }
    }
    out.into_iter().collect()
}

/// Counts, per filter set, the documents holding each candidate. `docs` yields each
/// document's searchable text and, per filter set, whether the document passes it.
pub fn count<'a>(
    patterns: &[String],
    filters: usize,
    docs: impl Iterator<Item = (&'a str, Vec<bool>)>,
) -> anyhow::Result<Vec<Vec<usize>>> {
    let ac = AhoCorasick::new(patterns)?;
    let mut counts = vec![vec![0usize; patterns.len()]; filters];
    let mut seen: Vec<usize> = vec![usize::MAX; patterns.len()];
    for (doc, (text, pass)) in docs.enumerate() {
        for m in ac.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            if seen.get(p) == Some(&doc) {
                continue;
            }
            if let Some(s) = seen.get_mut(p) {
                *s = doc;
            }
            for (f, ok) in pass.iter().enumerate() {
                if *ok && let Some(c) = counts.get_mut(f).and_then(|c| c.get_mut(p)) {
                    *c += 1;
                }
            }
        }
    }
    Ok(counts)
}

/// Chooses the probes (see the module's comment). `counts[f][i]` is the count of
/// `patterns[i]` with filter set `f`; `docs` the number of documents.
pub fn choose(
    patterns: &[String],
    counts: &[Vec<usize>],
    docs: usize,
    thresholds: &[(&str, i64)],
) -> Vec<Probe> {
    let mut out = Vec::new();
    let len_of = |s: &String| s.chars().count();
    for (filter, c) in counts.iter().enumerate() {
        for len in 2..=4 {
            let of_len: Vec<(usize, &String)> = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| len_of(p) == len)
                .map(|(i, p)| (c.get(i).copied().unwrap_or(0), p))
                .collect();
            let mut push = |class: &str, picked: Vec<(usize, &String)>| {
                for (truth, text) in picked {
                    out.push(Probe {
                        len,
                        class: class.to_owned(),
                        text: text.clone(),
                        filter,
                        truth,
                    });
                }
            };
            // Common: the most frequent.
            let mut by_count = of_len.clone();
            by_count.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            push("common", by_count.iter().take(PER_CLASS).cloned().collect());
            // Middle: nearest to one document in a hundred (of those the filter passes).
            let passing = docs as f64 / if filter == 0 { 100.0 } else { 1_200.0 };
            let mut middle: Vec<(usize, &String)> =
                of_len.iter().filter(|(n, _)| *n > 0).cloned().collect();
            middle.sort_by(|a, b| {
                let d = |n: usize| ((n as f64).ln() - passing.max(1.0).ln()).abs();
                d(a.0).total_cmp(&d(b.0)).then(a.1.cmp(b.1))
            });
            push("middle", middle.into_iter().take(PER_CLASS).collect());
            // Rare: found, but in few documents.
            let mut rare: Vec<(usize, &String)> = of_len
                .iter()
                .filter(|(n, _)| (1..=20).contains(n))
                .cloned()
                .collect();
            rare.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            push("rare", rare.into_iter().take(PER_CLASS).collect());
            // Absent: common candidates reversed, when found nowhere.
            let absent: Vec<(usize, &String)> = by_count
                .iter()
                .filter_map(|(_, p)| {
                    let r: String = p.chars().rev().collect();
                    let i = patterns.iter().position(|q| *q == r);
                    match i {
                        Some(i) if c.get(i).copied().unwrap_or(0) > 0 => None,
                        Some(i) => patterns.get(i).map(|q| (0, q)),
                        None => None,
                    }
                })
                .take(PER_CLASS)
                .collect();
            push("absent", absent);
            // Near every threshold: the nearest below and the nearest at or above.
            for (name, t) in thresholds {
                let t = usize::try_from(*t).unwrap_or(0);
                let below = of_len
                    .iter()
                    .filter(|(n, _)| *n < t && *n * 10 >= t * 7)
                    .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)))
                    .cloned();
                let above = of_len
                    .iter()
                    .filter(|(n, _)| *n >= t && *n * 2 <= t * 3)
                    .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
                    .cloned();
                push(&format!("below:{name}"), below.into_iter().collect());
                push(&format!("above:{name}"), above.into_iter().collect());
            }
        }
    }
    out
}

/// Reversed candidates that are candidates themselves need to be counted too, so the
/// candidate list holds every candidate's reversal.
pub fn with_reversals(mut patterns: Vec<String>) -> Vec<String> {
    let reversed: Vec<String> = patterns.iter().map(|p| p.chars().rev().collect()).collect();
    patterns.extend(reversed);
    patterns.sort();
    patterns.dedup();
    patterns
}
