//! 学习: the office's study — materials (精品材料, 一般材料) with required readers and a reading
//! record, 学习会 and 分析会 with sign-in and each attendee's 心得, field learning (向基层学习),
//! training organised by the city office for the counties, and the study hours per person per
//! month that the monthly evaluation reads.
//!
//! This module holds the pure rules: the kinds, the checks of what people type, how long a
//! reading counts, and the study-hours factor's score. No I/O, no clock.

use serde::{Deserialize, Serialize};

use crate::management::Invalid;

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// A material's grade: a 学习会 studies 精品材料, an 分析会 analyses 一般材料.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 精品材料.
    Fine,
    /// 一般材料.
    General,
}

impl Grade {
    /// Every grade, in form order.
    pub const ALL: [Grade; 2] = [Grade::Fine, Grade::General];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Grade::Fine => "fine",
            Grade::General => "general",
        }
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Fine => "精品材料",
            Grade::General => "一般材料",
        }
    }

    /// The grade stored under a code.
    pub fn from_code(code: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// Who may find a material without being required to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// 本办内部: the owning office's people only.
    Office,
    /// 含下级办公室: also the county offices below a city office.
    Counties,
}

impl Audience {
    /// Every audience, in form order.
    pub const ALL: [Audience; 2] = [Audience::Office, Audience::Counties];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Audience::Office => "office",
            Audience::Counties => "counties",
        }
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Audience::Office => "本办内部",
            Audience::Counties => "本办及县（区）办",
        }
    }

    /// The audience stored under a code.
    pub fn from_code(code: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// A study session's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// 学习会, on 精品材料.
    Study,
    /// 分析会, on 一般材料.
    Analysis,
}

impl SessionKind {
    /// Every kind, in form order.
    pub const ALL: [SessionKind; 2] = [SessionKind::Study, SessionKind::Analysis];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SessionKind::Study => "study",
            SessionKind::Analysis => "analysis",
        }
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            SessionKind::Study => "学习会",
            SessionKind::Analysis => "分析会",
        }
    }

    /// The kind stored under a code.
    pub fn from_code(code: &str) -> Option<SessionKind> {
        SessionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The grade of material the kind is held on.
    pub fn grade(self) -> Grade {
        match self {
            SessionKind::Study => Grade::Fine,
            SessionKind::Analysis => Grade::General,
        }
    }
}

/// Checks a text field: trimmed, 1–`max` characters.
pub fn check_text(
    field: &'static str,
    what: &str,
    text: &str,
    max: usize,
) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(field, format!("请填写{what}")));
    }
    if t.chars().count() > max {
        return Err(invalid(field, format!("{what}不超过 {max} 字")));
    }
    Ok(t.to_owned())
}

/// The longest a material's declared reading time may be, in minutes.
pub const MAX_READING_MINUTES: i64 = 240;

/// Checks a material's declared reading time: 1–[`MAX_READING_MINUTES`] minutes.
pub fn check_reading_minutes(minutes: i64) -> Result<i64, Invalid> {
    if (1..=MAX_READING_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(invalid(
            "reading_minutes",
            format!("阅读时长应为 1 至 {MAX_READING_MINUTES} 分钟"),
        ))
    }
}

/// How many minutes a reading counts: the time from first opening the material to marking it
/// read, in whole minutes rounded up, at least one and at most the material's declared reading
/// time (so a page left open overnight earns no more than the material takes to read).
pub fn reading_counted(opened_ms: i64, read_ms: i64, declared: i64) -> i64 {
    let elapsed = (read_ms - opened_ms).max(0);
    let minutes = (elapsed + 59_999) / 60_000;
    minutes.clamp(1, declared.max(1))
}

/// The longest a field visit may count, in minutes (a working day and a half).
pub const MAX_VISIT_MINUTES: i64 = 720;

/// Checks a field visit's time: 1–[`MAX_VISIT_MINUTES`] minutes.
pub fn check_visit_minutes(minutes: i64) -> Result<i64, Invalid> {
    if (1..=MAX_VISIT_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(invalid(
            "minutes",
            format!("调研学习时长应为 1 至 {MAX_VISIT_MINUTES} 分钟"),
        ))
    }
}

/// Checks a session's or training's span: it ends after it starts, within a day
/// (`[starts, ends)` in epoch ms). Answers its length in minutes.
pub fn check_span(starts_ms: i64, ends_ms: i64) -> Result<i64, Invalid> {
    let minutes = (ends_ms - starts_ms) / 60_000;
    if ends_ms <= starts_ms || minutes < 1 {
        return Err(invalid("ends_at", "结束时间应晚于开始时间"));
    }
    if minutes > 24 * 60 {
        return Err(invalid("ends_at", "一次学习不超过 24 小时"));
    }
    Ok(minutes)
}

/// The study hours a month asks of each person, in minutes: the factor scores 100 at this.
pub const MONTHLY_TARGET_MINUTES: i64 = 480;

/// The study-hours factor's score: minutes studied over the month's target, × 100, at most 100.
pub fn hours_score(minutes: i64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "minutes are small")]
    let s = (minutes.max(0) as f64 * 100.0 / MONTHLY_TARGET_MINUTES as f64).min(100.0);
    s
}

/// Minutes as shown: 「2 小时 30 分钟」.
pub fn minutes_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} 分钟"),
        (h, 0) => format!("{h} 小时"),
        (h, m) => format!("{h} 小时 {m} 分钟"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_counts_from_opening_to_marking_within_the_declared_time() {
        assert_eq!(reading_counted(0, 0, 30), 1);
        assert_eq!(reading_counted(0, 12 * 60_000 + 1, 30), 13);
        assert_eq!(reading_counted(0, 10 * 3_600_000, 30), 30);
        assert_eq!(reading_counted(100, 50, 30), 1);
    }

    #[test]
    fn the_study_score_is_minutes_over_the_target_capped_at_a_hundred() {
        assert!((hours_score(240) - 50.0).abs() < 1e-9);
        assert!((hours_score(0) - 0.0).abs() < 1e-9);
        assert!((hours_score(10_000) - 100.0).abs() < 1e-9);
        assert_eq!(minutes_text(150), "2 小时 30 分钟");
        assert_eq!(minutes_text(45), "45 分钟");
    }

    #[test]
    fn a_session_is_held_on_its_own_grade_of_material() {
        assert_eq!(SessionKind::Study.grade(), Grade::Fine);
        assert_eq!(SessionKind::Analysis.grade(), Grade::General);
        assert!(check_span(0, 0).is_err());
        assert_eq!(check_span(0, 90 * 60_000).unwrap(), 90);
        assert!(check_reading_minutes(0).is_err());
        assert!(check_text("t", "标题", "  ", 10).is_err());
    }
}
