//! 发文字号 (article 9 (五); GB/T 9704-2012 7.2.4): 机关代字〔年份〕序号号 — the full year in
//! 六角括号 〔〕, the serial number without leading zeros and without 第, ending with 号.
//!
//! Numbers come from a ledger per 机关代字 and year (文号台账): allocated gaplessly at 登记,
//! reserved ahead when needed, voided with a reason but never reused. The year is the year in
//! Beijing time at the moment of allocation, so the ledger rolls over at 00:00 on 1 January
//! Asia/Shanghai, not UTC.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::flow::engine::business_date;

/// A document number, e.g. 东政办发〔2026〕7号.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocNumber {
    /// 机关代字, e.g. 东政办发.
    pub code: String,
    /// The year, in full.
    pub year: i32,
    /// The serial number within the code and year, from 1.
    pub seq: u32,
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.code, self.year, self.seq)
    }
}

/// Why a written number is not in the standard's form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// The 机关代字 is missing.
    #[error("发文字号缺少机关代字")]
    MissingCode,
    /// Brackets other than 六角括号.
    #[error("发文字号的年份应使用六角括号〔〕，不能用 {0}")]
    Brackets(String),
    /// The year is not four digits.
    #[error("发文字号的年份应写全四位数字")]
    Year,
    /// 第 before the serial.
    #[error("发文字号的序号前不加「第」字")]
    Di,
    /// A leading zero.
    #[error("发文字号的序号不编虚位（不能以 0 开头）")]
    LeadingZero,
    /// The serial is missing or not a number.
    #[error("发文字号的序号应为阿拉伯数字")]
    Serial,
    /// 号 is missing.
    #[error("发文字号应以「号」结尾")]
    Hao,
}

impl DocNumber {
    /// Reads a written number, naming what breaks the standard's form.
    pub fn parse(text: &str) -> Result<DocNumber, NumberError> {
        let text = text.trim();
        for (open, close) in [
            ('[', ']'),
            ('［', '］'),
            ('(', ')'),
            ('（', '）'),
            ('【', '】'),
            ('〈', '〉'),
        ] {
            if text.contains(open) || text.contains(close) {
                return Err(NumberError::Brackets(format!("{open}{close}")));
            }
        }
        let (code, rest) = text
            .split_once('〔')
            .ok_or(NumberError::Brackets("无".into()))?;
        let (year, serial) = rest
            .split_once('〕')
            .ok_or(NumberError::Brackets("无".into()))?;
        if code.trim().is_empty() {
            return Err(NumberError::MissingCode);
        }
        if year.chars().count() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
            return Err(NumberError::Year);
        }
        let serial = serial.strip_suffix('号').ok_or(NumberError::Hao)?;
        if serial.starts_with('第') {
            return Err(NumberError::Di);
        }
        if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_digit()) {
            return Err(NumberError::Serial);
        }
        if serial.starts_with('0') {
            return Err(NumberError::LeadingZero);
        }
        Ok(DocNumber {
            code: code.trim().to_owned(),
            year: year.parse().map_err(|_| NumberError::Year)?,
            seq: serial.parse().map_err(|_| NumberError::Serial)?,
        })
    }
}

/// The ledger year of an allocation at `now`: the calendar year in Beijing time.
pub fn ledger_year(now: DateTime<Utc>) -> i32 {
    business_date(now).year()
}

/// Checks a 机关代字 as an administrator enters it: 2–12 characters, no brackets, digits or
/// spaces (the year and serial are added by the ledger).
pub fn check_code(code: &str) -> Result<(), String> {
    let n = code.chars().count();
    if !(2..=12).contains(&n) {
        return Err("机关代字应为 2 至 12 个字".into());
    }
    if code
        .chars()
        .any(|c| c.is_whitespace() || c.is_ascii_digit() || "〔〕[]()（）【】号".contains(c))
    {
        return Err("机关代字只写代字本身（如「东政办发」），年份和序号由台账生成".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_and_parses() {
        let n = DocNumber {
            code: "东政办发".into(),
            year: 2026,
            seq: 7,
        };
        assert_eq!(n.to_string(), "东政办发〔2026〕7号");
        assert_eq!(DocNumber::parse("东政办发〔2026〕7号"), Ok(n));
    }

    #[test]
    fn names_each_fault() {
        assert_eq!(
            DocNumber::parse("东政办发〔2026〕第7号"),
            Err(NumberError::Di)
        );
        assert_eq!(
            DocNumber::parse("东政办发〔2026〕07号"),
            Err(NumberError::LeadingZero)
        );
        assert_eq!(
            DocNumber::parse("东政办发〔26〕7号"),
            Err(NumberError::Year)
        );
        assert!(matches!(
            DocNumber::parse("东政办发[2026]7号"),
            Err(NumberError::Brackets(_))
        ));
        assert!(matches!(
            DocNumber::parse("东政办发（2026）7号"),
            Err(NumberError::Brackets(_))
        ));
        assert_eq!(DocNumber::parse("东政办发〔2026〕7"), Err(NumberError::Hao));
        assert_eq!(
            DocNumber::parse("〔2026〕7号"),
            Err(NumberError::MissingCode)
        );
    }

    #[test]
    fn the_year_turns_at_beijing_midnight() {
        // 2026-12-31 23:59 Beijing is 15:59 UTC; 2027-01-01 00:00 Beijing is 16:00 UTC.
        let before = Utc.with_ymd_and_hms(2026, 12, 31, 15, 59, 0).single();
        let after = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).single();
        assert_eq!(before.map(ledger_year), Some(2026));
        assert_eq!(after.map(ledger_year), Some(2027));
    }
}
