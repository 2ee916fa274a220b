//! The body as structured text, and the comparison of two versions.
//!
//! A body is typed as plain text: paragraphs separated by line breaks, headings recognised by
//! the markers of 《党政机关公文格式》 GB/T 9704-2012 7.3.3: 一、 (first level), （一）
//! (second), 1. (third), （1） (fourth). Comparison works on characters within paragraphs, as a reviewer
//! reads Chinese: a changed word shows as a deletion and an insertion inside its paragraph.

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, DiffOp, TextDiff};

/// A block of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// 0 for a paragraph, 1–4 for a heading level.
    pub level: u8,
    /// The text, marker included.
    pub text: String,
}

const CN_DIGITS: &str = "一二三四五六七八九十百零〇";

/// The heading level of a line by its marker (0: a plain paragraph).
pub fn heading_level(line: &str) -> u8 {
    let line = line.trim_start();
    // 一、
    let head: String = line
        .chars()
        .take_while(|c| CN_DIGITS.contains(*c))
        .collect();
    if !head.is_empty() && line[head.len()..].starts_with('、') {
        return 1;
    }
    if let Some(rest) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) {
        let cn: String = rest
            .chars()
            .take_while(|c| CN_DIGITS.contains(*c))
            .collect();
        if !cn.is_empty()
            && (rest[cn.len()..].starts_with('）') || rest[cn.len()..].starts_with(')'))
        {
            return 2;
        }
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !n.is_empty() && (rest[n.len()..].starts_with('）') || rest[n.len()..].starts_with(')'))
        {
            return 4;
        }
    }
    let n: String = line.chars().take_while(char::is_ascii_digit).collect();
    if !n.is_empty() && (line[n.len()..].starts_with('.') || line[n.len()..].starts_with('．')) {
        return 3;
    }
    0
}

/// Splits a body into blocks: one per non-empty line (blank lines separate nothing more).
pub fn blocks(body: &str) -> Vec<Block> {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Block {
            level: heading_level(l),
            text: l.to_owned(),
        })
        .collect()
}

/// Normalises a body as saved: trims each line, drops runs of blank lines, unifies line
/// breaks. Two saves that differ only in such whitespace are the same text.
pub fn normalize(body: &str) -> String {
    blocks(body)
        .into_iter()
        .map(|b| b.text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One piece of a compared text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", content = "text")]
pub enum Piece {
    /// In both.
    Same(String),
    /// Only in the newer.
    Added(String),
    /// Only in the older.
    Removed(String),
}

/// A paragraph of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    /// Whether anything in it changed.
    pub changed: bool,
    /// Its pieces, in reading order.
    pub pieces: Vec<Piece>,
}

/// Compares two texts paragraph by paragraph, and paragraphs changed in place character by
/// character.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let old = normalize(old);
    let new = normalize(new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let lines = TextDiff::from_slices(&old_lines, &new_lines);
    let mut out = Vec::new();
    for op in lines.ops() {
        match *op {
            DiffOp::Equal { old_index, len, .. } => {
                for line in old_lines.iter().skip(old_index).take(len) {
                    out.push(DiffLine {
                        changed: false,
                        pieces: vec![Piece::Same((*line).to_owned())],
                    });
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for line in old_lines.iter().skip(old_index).take(old_len) {
                    out.push(whole(Piece::Removed((*line).to_owned())));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for line in new_lines.iter().skip(new_index).take(new_len) {
                    out.push(whole(Piece::Added((*line).to_owned())));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for i in 0..old_len.max(new_len) {
                    let a = (i < old_len)
                        .then(|| old_lines.get(old_index + i))
                        .flatten();
                    let b = (i < new_len)
                        .then(|| new_lines.get(new_index + i))
                        .flatten();
                    match (a, b) {
                        (Some(a), Some(b)) => out.push(DiffLine {
                            changed: true,
                            pieces: chars(a, b),
                        }),
                        (Some(a), None) => out.push(whole(Piece::Removed((*a).to_owned()))),
                        (None, Some(b)) => out.push(whole(Piece::Added((*b).to_owned()))),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    out
}

fn whole(piece: Piece) -> DiffLine {
    DiffLine {
        changed: true,
        pieces: vec![piece],
    }
}

/// A paragraph changed in place: runs of same, removed and added characters.
fn chars(old: &str, new: &str) -> Vec<Piece> {
    let d = TextDiff::from_chars(old, new);
    let mut pieces: Vec<Piece> = Vec::new();
    for change in d.iter_all_changes() {
        let text = change.value();
        match (change.tag(), pieces.last_mut()) {
            (ChangeTag::Equal, Some(Piece::Same(s)))
            | (ChangeTag::Insert, Some(Piece::Added(s)))
            | (ChangeTag::Delete, Some(Piece::Removed(s))) => s.push_str(text),
            (ChangeTag::Equal, _) => pieces.push(Piece::Same(text.to_owned())),
            (ChangeTag::Insert, _) => pieces.push(Piece::Added(text.to_owned())),
            (ChangeTag::Delete, _) => pieces.push(Piece::Removed(text.to_owned())),
        }
    }
    pieces
}

/// Whether two bodies differ in substance (beyond whitespace), for 复审 after 签发.
pub fn differs(old: &str, new: &str) -> bool {
    normalize(old) != normalize(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_four_heading_levels() {
        assert_eq!(heading_level("一、总体要求"), 1);
        assert_eq!(heading_level("十二、其他"), 1);
        assert_eq!(heading_level("（一）工作目标"), 2);
        assert_eq!(heading_level("1.加强领导"), 3);
        assert_eq!(heading_level("12．压实责任"), 3);
        assert_eq!(heading_level("（1）明确分工"), 4);
        assert_eq!(heading_level("为进一步做好工作，现通知如下："), 0);
        assert_eq!(heading_level("2026年是关键一年"), 0);
    }

    #[test]
    fn compares_by_paragraph_then_character() {
        let d = diff(
            "一、总体要求\n请各县区于3月底前报送。",
            "一、总体要求\n请各县区于4月底前报送。\n二、保障措施",
        );
        assert_eq!(d.len(), 3);
        assert!(!d[0].changed);
        assert_eq!(
            d[1].pieces,
            vec![
                Piece::Same("请各县区于".into()),
                Piece::Removed("3".into()),
                Piece::Added("4".into()),
                Piece::Same("月底前报送。".into()),
            ]
        );
        assert_eq!(d[2].pieces, vec![Piece::Added("二、保障措施".into())]);
        assert!(!differs("甲\n\n  乙 ", "甲\n乙"));
        assert!(differs("甲", "乙"));
    }
}
