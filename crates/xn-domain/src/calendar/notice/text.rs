//! The text of a notice as dates and words: normalising pasted text and cutting it into clauses.
//!
//! Pasted notices come with full- and half-width brackets and digits, dashes of every length,
//! layout line breaks inside dates and notes in parentheses. This module turns that into
//! clauses of [`Piece`]s; what the clauses mean is decided in the parent module.

use chrono::{NaiveDate, Weekday};

/// A date as written: any part may be missing ("3日" continues the month before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawDate {
    pub(super) year: Option<i32>,
    pub(super) month: Option<u32>,
    pub(super) day: u32,
    pub(super) weekday: Option<Weekday>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    Date(RawDate),
    /// 至, 到 or a dash between two dates.
    Range,
    Text(String),
}

/// Text between two clause breaks (，；。：or a line break).
#[derive(Clone, Debug, Default)]
pub(super) struct Clause {
    pub(super) pieces: Vec<Piece>,
    pub(super) raw: String,
}

impl Clause {
    pub(super) fn has_dates(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Date(_)))
    }

    /// The words of the clause, dates and notes removed.
    pub(super) fn keywords(&self) -> String {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t.as_str()),
                Piece::Date(_) | Piece::Range => None,
            })
            .collect()
    }

    /// A clause that is only dates ("4月4日（清明节），为法定节假日" splits after the date).
    pub(super) fn only_dates(&self) -> bool {
        self.has_dates()
            && self
                .keywords()
                .chars()
                .all(|c| "、和及与其中即将".contains(c))
    }
}

pub(super) const HEADING_NUMERALS: &str = "一二三四五六七八九十";
pub(super) const DASHES: &str = "—–-－~～〜―";

/// Unifies the character variants of pasted text and rejoins lines that a layout wrapped.
pub(super) fn normalize(text: &str) -> String {
    let mapped: String = text
        .chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
            '(' => Some('（'),
            ')' => Some('）'),
            '[' | '［' => Some('〔'),
            ']' | '］' => Some('〕'),
            ':' => Some('：'),
            ',' => Some('，'),
            ';' => Some('；'),
            '\r' => Some('\n'),
            ' ' | '\t' | '\u{3000}' | '\u{a0}' => None,
            c => Some(c),
        })
        .collect();
    // A line break ends a clause only after a sentence, before a heading or at a blank line;
    // elsewhere it is a layout wrap that may cut a date in two ("2月1\n日").
    let mut out = String::with_capacity(mapped.len());
    let mut blank_line = false;
    for line in mapped.split('\n') {
        if line.is_empty() {
            blank_line = true;
            continue;
        }
        if !out.is_empty()
            && (blank_line
                || heading_at(line).is_some()
                || matches!(out.chars().last(), Some('。' | '；' | '：')))
        {
            out.push('\n');
        }
        out.push_str(line);
        blank_line = false;
    }
    out
}

/// If `s` starts with a heading number (一、 or 1、), the byte length of that number and 、.
pub(super) fn heading_at(s: &str) -> Option<usize> {
    let mut len = 0;
    let mut digits = 0;
    for c in s.chars() {
        if HEADING_NUMERALS.contains(c) || c.is_ascii_digit() {
            digits += 1;
            len += c.len_utf8();
            if digits > 3 {
                return None;
            }
        } else if c == '、' && digits > 0 {
            return Some(len + c.len_utf8());
        } else {
            return None;
        }
    }
    None
}

pub(super) fn digits_end(chars: &[char], from: usize) -> usize {
    let mut end = from;
    while end < chars.len() && chars[end].is_ascii_digit() {
        end += 1;
    }
    end
}

pub(super) fn number_at(chars: &[char], from: usize) -> Option<(u32, usize)> {
    let end = digits_end(chars, from);
    if end == from || end - from > 4 {
        return None;
    }
    let text: String = chars[from..end].iter().collect();
    text.parse().ok().map(|n| (n, end))
}

/// A date starting at `i`: 2019年1月1日, 1月1日 or 3日.
pub(super) fn read_date(chars: &[char], i: usize) -> Option<(RawDate, usize)> {
    let (first, j) = number_at(chars, i)?;
    let date = |year, month, day| RawDate {
        year,
        month,
        day,
        weekday: None,
    };
    match chars.get(j) {
        Some('年') if j - i == 4 => {
            let (month, k) = number_at(chars, j + 1)?;
            if chars.get(k) != Some(&'月') {
                return None;
            }
            let (day, l) = number_at(chars, k + 1)?;
            (chars.get(l) == Some(&'日'))
                .then(|| (date(i32::try_from(first).ok(), Some(month), day), l + 1))
        }
        Some('月') => {
            let (day, l) = number_at(chars, j + 1)?;
            (chars.get(l) == Some(&'日')).then(|| (date(None, Some(first), day), l + 1))
        }
        Some('日') => Some((date(None, None, first), j + 1)),
        _ => None,
    }
}

/// The weekday of a note such as 星期六, 周日 or 农历除夕、周二.
pub(super) fn weekday_in(note: &str) -> Option<Weekday> {
    let chars: Vec<char> = note.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next = if *c == '星' && chars.get(i + 1) == Some(&'期') {
            chars.get(i + 2)
        } else if *c == '周' {
            chars.get(i + 1)
        } else {
            continue;
        };
        let day = match next {
            Some('一') => Weekday::Mon,
            Some('二') => Weekday::Tue,
            Some('三') => Weekday::Wed,
            Some('四') => Weekday::Thu,
            Some('五') => Weekday::Fri,
            Some('六') => Weekday::Sat,
            Some('日' | '天') => Weekday::Sun,
            _ => continue,
        };
        return Some(day);
    }
    None
}

/// The index of the parenthesis closing the one at `open`, if it closes before the clause ends.
pub(super) fn closing_paren(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (k, c) in chars.iter().enumerate().skip(open) {
        match c {
            '（' => depth += 1,
            '）' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            '。' | '\n' => return None,
            _ => {}
        }
    }
    None
}

pub(super) fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    if let Some(Piece::Text(t)) = pieces.last_mut() {
        t.push_str(text);
    } else {
        pieces.push(Piece::Text(text.to_owned()));
    }
}

/// Cuts text into clauses of dates, ranges and words. Notes in parentheses are dropped after
/// lending their weekday to the date they follow.
pub(super) fn tokenize(text: &str) -> Vec<Clause> {
    let chars: Vec<char> = text.chars().collect();
    let mut clauses = Vec::new();
    let mut current = Clause::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '，' | '；' | '。' | '：' | '\n' | '！' | '？') {
            if !current.raw.is_empty() {
                clauses.push(std::mem::take(&mut current));
            }
            i += 1;
            continue;
        }
        if c == '（'
            && let Some(close) = closing_paren(&chars, i)
        {
            let note: String = chars[i + 1..close].iter().collect();
            current.raw.extend(&chars[i..=close]);
            if let Some(Piece::Date(date)) = current.pieces.last_mut()
                && date.weekday.is_none()
            {
                date.weekday = weekday_in(&note);
            }
            i = close + 1;
            continue;
        }
        if c.is_ascii_digit() {
            if let Some((date, next)) = read_date(&chars, i) {
                current.raw.extend(&chars[i..next]);
                current.pieces.push(Piece::Date(date));
                i = next;
            } else {
                let next = digits_end(&chars, i);
                let digits: String = chars[i..next].iter().collect();
                current.raw.push_str(&digits);
                push_text(&mut current.pieces, &digits);
                i = next;
            }
            continue;
        }
        if (c == '至' || c == '到' || DASHES.contains(c))
            && matches!(current.pieces.last(), Some(Piece::Date(_)))
        {
            let mut j = i + 1;
            if DASHES.contains(c) {
                while j < chars.len() && DASHES.contains(chars[j]) {
                    j += 1;
                }
            }
            if chars.get(j).is_some_and(char::is_ascii_digit) {
                current.raw.extend(&chars[i..j]);
                current.pieces.push(Piece::Range);
                i = j;
                continue;
            }
        }
        current.raw.push(c);
        push_text(&mut current.pieces, c.encode_utf8(&mut [0; 4]));
        i += 1;
    }
    if !current.raw.is_empty() {
        clauses.push(current);
    }
    clauses
}

/// 二〇〇六年十二月十四日, the signature date of the older notices.
pub(super) fn chinese_date(text: &str) -> Option<NaiveDate> {
    let text = text.replace("国务院办公厅", "").replace("国务院", "");
    let (year, rest) = text.strip_suffix('日')?.split_once('年')?;
    let (month, day) = rest.split_once('月')?;
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|x| x == c);
    if year.chars().count() != 4 {
        return None;
    }
    let mut y = 0;
    for c in year.chars() {
        let c = if matches!(c, '○' | '零' | 'O') {
            '〇'
        } else {
            c
        };
        y = y * 10 + digit(c)?;
    }
    let small = |s: &str| -> Option<usize> {
        let chars: Vec<char> = s.chars().collect();
        match chars.as_slice() {
            [one] if *one == '十' => Some(10),
            [one] => digit(*one),
            ['十', unit] => Some(10 + digit(*unit)?),
            [tens, '十'] => Some(digit(*tens)? * 10),
            [tens, '十', unit] => Some(digit(*tens)? * 10 + digit(*unit)?),
            _ => None,
        }
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        u32::try_from(small(month)?).ok()?,
        u32::try_from(small(day)?).ok()?,
    )
}
