//! 综合查询: how text becomes search tokens, and a typed query becomes a token query.
//!
//! Chinese has no spaces and most words are two characters, so the index holds, for every run of
//! CJK characters, its overlapping bigrams (安全生产 → 安全 全生 生产, as Lucene's CJK analyzer)
//! and its unigrams (安 全 生 产, once per field), so that a query of one character finds
//! something too. After them, once per field, come the run's trigrams and 4-grams (安全生
//! 全生产 安全生产): a query of three or four characters — most of what an office types, and
//! the phrases whose every bigram is common (东州市农, 民生实事) — is then one token, found by
//! the index alone, where the phrase of its bigrams had to be checked position by position on
//! each candidate (bench/README.md, Search). Runs of letters or digits are words, lowercased,
//! letters and digits apart (GB9704 → gb 9704). Where a word of digits or letters touches a CJK
//! character, the pair is one more token (〔2026〕7号 → 7号; 第3条 → 第3 3条), so that 7号 finds
//! the seventh document and not every text holding a 7 and a 号.
//!
//! A query is cut the same way: one character is its unigram, two their bigram, three and four
//! their trigram or 4-gram, five or more the phrase of their bigrams (the bigrams at consecutive
//! positions) together with the 4-grams that cover it, which narrow the candidates before the
//! phrase is checked; words split by spaces are all required. An index written before the
//! n-grams ([`IndexForm::Bigrams`], while an upgraded installation re-indexes) is asked the
//! phrase of bigrams for three characters or more, as before. The engines get the tokens already
//! cut, separated by spaces (SQLite FTS5 `unicode61`, PostgreSQL `tsvector` built from lexemes
//! and positions), so both answer the same query the same way and neither depends on a locale
//! or a dictionary.
//!
//! Why not a segmenter such as jieba (not measured here; a choice by construction): a segmenter
//! needs a dictionary shipped in the binary, may cut a query differently from the text it once
//! indexed when the context differs (a word alone vs inside a longer sentence), and then misses
//! the document; it also misses words its dictionary lacks — names of places and projects,
//! which are what an office searches for most. Bigrams and n-grams find every substring by
//! construction; the cost is a larger index (see bench/README.md, Search).
//!
//! This module holds no SQL and no engine syntax.

use std::collections::HashSet;

/// The longest query the search accepts, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 64;

/// The longest CJK n-gram the index holds as one token (after the bigram chain); a query of up
/// to this many characters is one token.
pub const MAX_GRAM: usize = 4;

/// The form of the index entries a query is cut for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexForm {
    /// Entries with the trigrams and 4-grams ([`index_tokens`] of this build).
    Grams,
    /// Entries of bigrams and unigrams only, as an earlier build wrote them: while an upgraded
    /// installation re-indexes, a query of three or more characters is the phrase of its bigrams.
    Bigrams,
}

/// A term every hit must contain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// One token.
    Token(String),
    /// Tokens at consecutive positions of one field (the bigram chain of three or more CJK
    /// characters).
    Phrase(Vec<String>),
}

impl Term {
    /// The tokens of the term, in order.
    pub fn tokens(&self) -> &[String] {
        match self {
            Term::Token(t) => std::slice::from_ref(t),
            Term::Phrase(ts) => ts,
        }
    }
}

/// A parsed query: every term is required (AND). Empty when the query held no searchable
/// character (only spaces or punctuation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenQuery {
    /// The required terms, without duplicates, in the order of the query.
    pub terms: Vec<Term>,
    /// The words of the query as typed (normalised), to find them again in a snippet.
    pub needles: Vec<String>,
}

impl TokenQuery {
    /// Whether nothing is searched for.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// What a character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Letter,
    Digit,
    Other,
}

/// Full-width ASCII (２０２６, ＧＢ) as its ASCII form; everything else unchanged.
fn normalize(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3007}'                      // 〇
        | '\u{3040}'..='\u{309F}'       // Hiragana
        | '\u{30A0}'..='\u{30FF}'       // Katakana
        | '\u{3400}'..='\u{4DBF}'       // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}'       // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}'       // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'       // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{3134F}') // Extensions B–G
        && c.is_alphanumeric()
}

fn class(c: char) -> Class {
    if is_cjk(c) {
        Class::Cjk
    } else if c.is_numeric() {
        Class::Digit
    } else if c.is_alphabetic() {
        Class::Letter
    } else {
        Class::Other
    }
}

/// A maximal run of characters of one class, with whether it touches the previous run (no
/// separator between them).
struct Run {
    class: Class,
    chars: Vec<char>,
    joined_to_previous: bool,
}

fn runs(text: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut previous = Class::Other;
    for c in text.chars().map(normalize) {
        let k = class(c);
        if k == Class::Other {
            previous = Class::Other;
            continue;
        }
        let c = if k == Class::Letter {
            // Lowercase letters that lowercase to one character (all of Latin, Greek, Cyrillic).
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        } else {
            c
        };
        match out.last_mut() {
            Some(run) if previous == k => run.chars.push(c),
            _ => out.push(Run {
                class: k,
                chars: vec![c],
                joined_to_previous: previous != Class::Other,
            }),
        }
        previous = k;
    }
    out
}

fn pair(a: char, b: char) -> String {
    let mut s = String::with_capacity(a.len_utf8() + b.len_utf8());
    s.push(a);
    s.push(b);
    s
}

/// The tokens of one field, in order: what the index stores, one position each.
///
/// Per CJK run its bigrams (consecutive, so that a phrase of them matches) followed by those of
/// its unigrams not yet seen in this field; per word of letters or digits the word; per place
/// where a word touches a CJK character, the word with that character. After all of them, the
/// field's distinct trigrams and 4-grams (presence only: no query reads their positions, and
/// keeping them last leaves the bigrams' positions where they were).
pub fn index_tokens(text: &str) -> Vec<String> {
    let runs = runs(text);
    let mut out = Vec::new();
    let mut seen_unigrams: HashSet<char> = HashSet::new();
    let mut grams: Vec<String> = Vec::new();
    let mut seen_grams: HashSet<String> = HashSet::new();
    for (i, run) in runs.iter().enumerate() {
        match run.class {
            Class::Cjk => {
                for w in run.chars.windows(2) {
                    out.push(pair(w[0], w[1]));
                }
                for &c in &run.chars {
                    if seen_unigrams.insert(c) {
                        out.push(c.to_string());
                    }
                }
                for n in 3..=MAX_GRAM {
                    for w in run.chars.windows(n) {
                        let gram: String = w.iter().collect();
                        if seen_grams.insert(gram.clone()) {
                            grams.push(gram);
                        }
                    }
                }
            }
            Class::Letter | Class::Digit => {
                let word: String = run.chars.iter().collect();
                if run.joined_to_previous
                    && let Some(prev) = i.checked_sub(1).and_then(|p| runs.get(p))
                    && prev.class == Class::Cjk
                    && let Some(&last) = prev.chars.last()
                {
                    out.push(format!("{last}{word}"));
                }
                if let Some(next) = runs.get(i + 1)
                    && next.joined_to_previous
                    && next.class == Class::Cjk
                    && let Some(&first) = next.chars.first()
                {
                    out.push(format!("{word}{first}"));
                }
                out.push(word);
            }
            Class::Other => {}
        }
    }
    out.extend(grams);
    out
}

/// The terms of a CJK run of three or more characters in a query.
fn cjk_terms(chars: &[char], form: IndexForm) -> Vec<Term> {
    let bigrams = || chars.windows(2).map(|w| pair(w[0], w[1])).collect();
    match form {
        IndexForm::Grams if chars.len() <= MAX_GRAM => {
            vec![Term::Token(chars.iter().collect())]
        }
        IndexForm::Grams => {
            // The phrase, and 4-grams covering every character: one at each multiple of four,
            // and the last four.
            let mut terms = vec![Term::Phrase(bigrams())];
            let last = chars.len() - MAX_GRAM;
            let mut starts: Vec<usize> = (0..last).step_by(MAX_GRAM).collect();
            starts.push(last);
            for s in starts {
                terms.push(Term::Token(chars[s..s + MAX_GRAM].iter().collect()));
            }
            terms
        }
        IndexForm::Bigrams => vec![Term::Phrase(bigrams())],
    }
}

/// Parses what a person typed into the search box, for an index of this build's form
/// ([`IndexForm::Grams`]): see [`parse_query_for`].
pub fn parse_query(query: &str) -> TokenQuery {
    parse_query_for(query, IndexForm::Grams)
}

/// Parses what a person typed into the search box: words split by spaces (or punctuation), all
/// required.
///
/// In each word, a CJK run of one character is its unigram, of two its bigram, of three or four
/// its trigram or 4-gram, of five or more the phrase of its bigrams with its covering 4-grams
/// (for an index of [`IndexForm::Bigrams`], three or more are the phrase alone); a word of
/// letters or digits is itself, unless it touches a CJK character, in which case the joined
/// token (7号) stands for both.
pub fn parse_query_for(query: &str, form: IndexForm) -> TokenQuery {
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let runs = runs(&query);
    let mut terms: Vec<Term> = Vec::new();
    let mut push = |t: Term| {
        if !terms.contains(&t) {
            terms.push(t);
        }
    };
    let touches_word = |i: usize, at_start: bool| -> bool {
        let run = &runs[i];
        if at_start {
            run.joined_to_previous
                && i.checked_sub(1)
                    .and_then(|p| runs.get(p))
                    .is_some_and(|p| p.class != Class::Cjk)
        } else {
            runs.get(i + 1)
                .is_some_and(|n| n.joined_to_previous && n.class != Class::Cjk)
        }
    };
    for (i, run) in runs.iter().enumerate() {
        match run.class {
            Class::Cjk => match run.chars.as_slice() {
                [c] => {
                    if !touches_word(i, true) && !touches_word(i, false) {
                        push(Term::Token(c.to_string()));
                    }
                }
                [a, b] => push(Term::Token(pair(*a, *b))),
                chars => {
                    for t in cjk_terms(chars, form) {
                        push(t);
                    }
                }
            },
            Class::Letter | Class::Digit => {
                let word: String = run.chars.iter().collect();
                let mut joined = false;
                if run.joined_to_previous
                    && let Some(prev) = i.checked_sub(1).and_then(|p| runs.get(p))
                    && prev.class == Class::Cjk
                    && let Some(&last) = prev.chars.last()
                {
                    push(Term::Token(format!("{last}{word}")));
                    joined = true;
                }
                if let Some(next) = runs.get(i + 1)
                    && next.joined_to_previous
                    && next.class == Class::Cjk
                    && let Some(&first) = next.chars.first()
                {
                    push(Term::Token(format!("{word}{first}")));
                    joined = true;
                }
                if !joined {
                    push(Term::Token(word));
                }
            }
            Class::Other => {}
        }
    }
    let needles = query
        .split(|c: char| normalize(c).is_whitespace())
        .map(|w| w.chars().map(normalize).collect::<String>())
        .filter(|w| w.chars().any(|c| class(c) != Class::Other))
        .collect();
    TokenQuery { terms, needles }
}

/// A short passage of `text` around the first place a needle of `query` occurs, about `width`
/// characters, with `…` where it was cut; `None` when no needle occurs as typed.
pub fn snippet(text: &str, query: &TokenQuery, width: usize) -> Option<String> {
    let lower: Vec<char> = text
        .chars()
        .map(|c| {
            let c = normalize(c);
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect();
    let at = query.needles.iter().find_map(|needle| {
        let n: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
        if n.is_empty() || n.len() > lower.len() {
            return None;
        }
        lower.windows(n.len()).position(|w| w == n.as_slice())
    })?;
    let chars: Vec<char> = text.chars().collect();
    let start = at.saturating_sub(width / 3);
    let end = (start + width).min(chars.len());
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.extend(chars[start..end].iter().filter(|c| !c.is_control()));
    if end < chars.len() {
        s.push('…');
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        index_tokens(text)
    }

    fn t(s: &str) -> Term {
        Term::Token(s.to_owned())
    }

    fn p(ts: &[&str]) -> Term {
        Term::Phrase(ts.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn a_cjk_run_gives_its_bigrams_then_its_unigrams_then_its_longer_grams() {
        assert_eq!(
            toks("安全生产"),
            [
                "安全",
                "全生",
                "生产",
                "安",
                "全",
                "生",
                "产",
                "安全生",
                "全生产",
                "安全生产"
            ]
        );
    }

    #[test]
    fn the_longer_grams_come_after_every_run_once_per_field() {
        assert_eq!(
            toks("防汛办，防汛办"),
            ["防汛", "汛办", "防", "汛", "办", "防汛", "汛办", "防汛办"]
        );
        // A run of five gives its trigrams and 4-grams, never a 5-gram.
        let ts = toks("东州市农业");
        assert!(ts.contains(&"州市农业".to_owned()) && ts.contains(&"市农业".to_owned()));
        assert!(!ts.contains(&"东州市农业".to_owned()));
    }

    #[test]
    fn unigrams_are_stored_once_per_field_and_bigrams_every_time() {
        assert_eq!(toks("督办，督办"), ["督办", "督", "办", "督办"]);
    }

    #[test]
    fn punctuation_breaks_a_run_so_no_bigram_spans_it() {
        let ts = toks("安全，生产");
        assert!(!ts.contains(&"全生".to_owned()));
        assert!(ts.contains(&"安全".to_owned()) && ts.contains(&"生产".to_owned()));
    }

    #[test]
    fn a_document_number_is_findable_by_its_code_year_and_serial() {
        let ts = toks("东政办发〔2026〕7号");
        for want in ["东政", "政办", "办发", "2026", "7号", "7", "号"] {
            assert!(ts.contains(&want.to_owned()), "{want} missing from {ts:?}");
        }
        assert_eq!(parse_query("东政办发").terms, [t("东政办发")]);
        assert_eq!(parse_query("7号").terms, [t("7号")]);
        assert_eq!(parse_query("2026").terms, [t("2026")]);
        assert_eq!(
            parse_query("东政办发〔2026〕7号").terms,
            [t("东政办发"), t("2026"), t("7号")]
        );
    }

    #[test]
    fn latin_words_are_lowercased_and_letters_part_from_digits() {
        assert_eq!(toks("GB/T 9704"), ["gb", "t", "9704"]);
        assert_eq!(toks("GB9704"), ["gb", "9704"]);
        assert_eq!(toks("ＧＢ２０２６"), ["gb", "2026"]);
    }

    #[test]
    fn a_word_touching_cjk_is_also_joined_to_its_neighbour() {
        assert_eq!(toks("第3条"), ["第", "第3", "3条", "3", "条"]);
    }

    #[test]
    fn a_query_of_one_character_is_its_unigram() {
        assert_eq!(parse_query("办").terms, [t("办")]);
    }

    #[test]
    fn a_query_of_two_characters_is_their_bigram() {
        assert_eq!(parse_query("督办").terms, [t("督办")]);
        assert_eq!(parse_query(" 公文 ").terms, [t("公文")]);
    }

    #[test]
    fn a_query_of_three_or_four_characters_is_one_token() {
        assert_eq!(parse_query("营商环境").terms, [t("营商环境")]);
        assert_eq!(parse_query("防汛办").terms, [t("防汛办")]);
    }

    #[test]
    fn a_longer_query_is_the_phrase_of_its_bigrams_with_its_covering_grams() {
        assert_eq!(
            parse_query("东州市农业").terms,
            [
                p(&["东州", "州市", "市农", "农业"]),
                t("东州市农"),
                t("州市农业")
            ]
        );
        assert_eq!(
            parse_query("优化营商环境工作").terms,
            [
                p(&["优化", "化营", "营商", "商环", "环境", "境工", "工作"]),
                t("优化营商"),
                t("环境工作")
            ]
        );
    }

    #[test]
    fn an_index_of_bigrams_is_asked_the_phrase_alone() {
        let q = |s| parse_query_for(s, IndexForm::Bigrams).terms;
        assert_eq!(q("营商环境"), [p(&["营商", "商环", "环境"])]);
        assert_eq!(q("防汛办"), [p(&["防汛", "汛办"])]);
        assert_eq!(q("东州市农业"), [p(&["东州", "州市", "市农", "农业"])]);
        assert_eq!(q("督办"), [t("督办")]);
    }

    #[test]
    fn words_split_by_spaces_are_all_required_once() {
        assert_eq!(
            parse_query("督办　防汛 督办 GB").terms,
            [t("督办"), t("防汛"), t("gb")]
        );
        assert_eq!(parse_query("督办 防汛").needles, ["督办", "防汛"]);
    }

    #[test]
    fn a_query_of_punctuation_only_is_empty() {
        assert!(parse_query("，。、 ").is_empty());
        assert!(parse_query("").is_empty());
    }

    #[test]
    fn every_token_of_a_query_is_a_token_of_a_text_containing_it() {
        let text = "关于进一步加强安全生产督办工作的通知（东政办发〔2026〕7号）";
        let stored: HashSet<String> = toks(text).into_iter().collect();
        for q in [
            "安全生产",
            "督办",
            "通知",
            "办",
            "7号",
            "加强安全",
            "东政办发",
            "进一步加强安全生产",
            "生产督办工作",
        ] {
            let forms = [IndexForm::Grams, IndexForm::Bigrams];
            for term in forms.iter().flat_map(|f| parse_query_for(q, *f).terms) {
                for tok in term.tokens() {
                    assert!(stored.contains(tok), "{q}: {tok} not stored");
                }
            }
        }
    }

    #[test]
    fn a_snippet_shows_the_place_of_the_first_needle() {
        let q = parse_query("督办");
        let text = "一二三四五六七八九十各单位要落实督办责任，按时报送。";
        let s = snippet(text, &q, 10).unwrap_or_default();
        assert!(s.contains("督办"), "{s}");
        assert!(s.starts_with('…'));
        assert_eq!(snippet("无关内容", &q, 10), None);
    }

    #[test]
    fn a_query_is_cut_at_its_longest_length() {
        let long: String = (0x4e00..0x4e00 + 200).filter_map(char::from_u32).collect();
        match parse_query(&long).terms.as_slice() {
            [Term::Phrase(ts), grams @ ..] => {
                assert_eq!(ts.len(), MAX_QUERY_CHARS - 1);
                assert_eq!(grams.len(), MAX_QUERY_CHARS / MAX_GRAM);
            }
            other => panic!("{other:?}"),
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Recall by construction: every token of a query cut from a Chinese text (any
            /// substring of one to eight characters, either form of the index) is a token of
            /// that text. Words of letters or digits are left out on purpose: they are found
            /// whole (7号 does not find 17号), not as any substring.
            #[test]
            fn every_substring_of_a_text_finds_it(
                text in proptest::collection::vec(
                    prop_oneof![
                        8 => proptest::sample::select(vec!['安', '全', '生', '产', '督', '办', '东', '州']),
                        1 => proptest::sample::select(vec!['，', ' ', '号', '〔']),
                    ],
                    1..40,
                ),
                start in 0usize..40,
                len in 1usize..=8,
            ) {
                let text: String = text.into_iter().collect();
                let chars: Vec<char> = text.chars().collect();
                let start = start % chars.len();
                let end = (start + len).min(chars.len());
                let query: String = chars[start..end].iter().collect();
                let stored: HashSet<String> = index_tokens(&text).into_iter().collect();
                for form in [IndexForm::Grams, IndexForm::Bigrams] {
                    for term in parse_query_for(&query, form).terms {
                        for tok in term.tokens() {
                            prop_assert!(stored.contains(tok), "{query:?} in {text:?}: {tok} not stored");
                        }
                    }
                }
            }
        }
    }
}
