//! 四个满意: how the four satisfactions of a month are figured from their ratings.
//!
//! - **群众满意** (`Kind::Public`): every 回访 of a service request (each round is a rating).
//! - **基层满意** (`Kind::Grassroots`): a county's or bureau's rating of a 收文 the office
//!   handled for it to the end.
//! - **领导满意** (`Kind::Leader`): the instructing leader's rating of a closed 督办件.
//! - **上级满意** (`Kind::Higher`): the higher office's score for the month, entered by the
//!   office, plus points for each of the unit's information items adopted upward.
//!
//! A rating is worth [`Rules::points`] (满意 100, 基本满意 80, 不满意 0 by default); the first
//! three figures are the mean of their ratings' points. 上级满意 is the entered score plus
//! [`Rules::adoption_points`] per adoption upward, capped at [`Rules::cap`]; a unit with
//! adoptions and no entered score has no figure (the adoptions are still counted and shown).
//! The rules are the installation's (`[satisfaction]` in the configuration).

use serde::{Deserialize, Serialize};

pub use crate::service::VisitResult as Rating;

/// The version of the rules stored with each month's figures.
pub const RULES: &str = "satisfaction-1";

/// One of the four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 群众满意.
    Public,
    /// 基层满意.
    Grassroots,
    /// 领导满意.
    Leader,
    /// 上级满意.
    Higher,
}

impl Kind {
    /// The four, in the page's order.
    pub const ALL: [Kind; 4] = [Kind::Public, Kind::Grassroots, Kind::Leader, Kind::Higher];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Public => "public",
            Kind::Grassroots => "grassroots",
            Kind::Leader => "leader",
            Kind::Higher => "higher",
        }
    }

    /// The kind stored under a code.
    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Its Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Public => "群众满意",
            Kind::Grassroots => "基层满意",
            Kind::Leader => "领导满意",
            Kind::Higher => "上级满意",
        }
    }
}

/// How the figures are made (`[satisfaction]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Points of a 满意.
    pub satisfied: u32,
    /// Points of a 基本满意.
    pub basically: u32,
    /// Points of a 不满意.
    pub unsatisfied: u32,
    /// Points added to the higher office's score per information item adopted upward.
    pub adoption_points: u32,
    /// The highest 上级满意.
    pub cap: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            satisfied: 100,
            basically: 80,
            unsatisfied: 0,
            adoption_points: 2,
            cap: 100,
        }
    }
}

impl Rules {
    /// What a rating is worth.
    pub fn points(&self, r: Rating) -> i64 {
        i64::from(match r {
            Rating::Satisfied => self.satisfied,
            Rating::Basically => self.basically,
            Rating::Unsatisfied => self.unsatisfied,
        })
    }

    /// The mean of `n` ratings worth `sum` points in all, in hundredths (none: nothing rated).
    pub fn mean_centi(&self, sum: i64, n: i64) -> Option<i64> {
        (n > 0).then(|| (sum * 100 + n / 2) / n)
    }

    /// 上级满意 in hundredths: the entered score plus the adoptions' points, capped; none
    /// without an entered score.
    pub fn higher_centi(&self, score: Option<i64>, adoptions: i64) -> Option<i64> {
        score.map(|s| {
            (s + adoptions * i64::from(self.adoption_points)).min(i64::from(self.cap)) * 100
        })
    }

    /// The rules in words, as the page and the documentation state them.
    pub fn text(&self) -> String {
        format!(
            "满意 {} 分、基本满意 {} 分、不满意 {} 分，群众、基层、领导满意取当月评价的平均分；\
             上级满意 = 上级评价分 + 向上级报送信息被采用数 × {}，最高 {}（当月无上级评价分则不计）",
            self.satisfied, self.basically, self.unsatisfied, self.adoption_points, self.cap
        )
    }

    /// Refuses points outside 0–100.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("satisfied", self.satisfied),
            ("basically", self.basically),
            ("unsatisfied", self.unsatisfied),
            ("cap", self.cap),
        ] {
            if v > 100 {
                return Err(format!("[satisfaction] {name} 应在 0–100 之间"));
            }
        }
        Ok(())
    }
}

/// A figure in hundredths as shown: 86.67, or 「—」 for none.
pub fn shown(centi: Option<i64>) -> String {
    match centi {
        Some(c) if c % 100 == 0 => format!("{}", c / 100),
        Some(c) => format!("{}.{:02}", c / 100, c % 100),
        None => "—".to_owned(),
    }
}

/// A comment given with a rating: trimmed, up to 500 characters, no control characters.
pub fn comment(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    if t.chars().count() > 500 {
        return Err("意见不超过 500 字");
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err("意见含有不可见的控制字符");
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_give_the_stated_figures() {
        let r = Rules::default();
        let sum = r.points(Rating::Satisfied) + r.points(Rating::Basically);
        assert_eq!(r.mean_centi(sum, 2), Some(9000));
        assert_eq!(r.mean_centi(180, 3), Some(6000));
        assert_eq!(r.mean_centi(100 + 100 + 80, 3), Some(9333));
        assert_eq!(r.mean_centi(0, 0), None);
        assert_eq!(r.higher_centi(Some(90), 3), Some(9600));
        assert_eq!(r.higher_centi(Some(98), 3), Some(10000));
        assert_eq!(r.higher_centi(None, 3), None);
        assert_eq!(shown(Some(9333)), "93.33");
        assert_eq!(shown(Some(9000)), "90");
        assert_eq!(shown(None), "—");
    }

    #[test]
    fn kinds_round_trip_their_codes() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        assert!(comment(&"长".repeat(501)).is_err());
        assert_eq!(comment("  好 ").as_deref(), Ok("好"));
    }
}
