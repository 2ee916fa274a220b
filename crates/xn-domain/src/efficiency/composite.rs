//! The composite that ranks units: five factors scored 0–100 from a unit's figures, weighted
//! by its government's weights (summing to 100).

use super::{Figures, ratio, round2};

/// A factor of the composite that ranks units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Factor {
    /// 办理及时率.
    StepsOnTime,
    /// 按时办结率.
    CasesOnTime,
    /// 积压 (open steps not past their deadline).
    Backlog,
    /// 黄红牌.
    Cards,
    /// 群众满意率 (the service area).
    Satisfaction,
}

impl Factor {
    /// Every factor, in the order pages show them.
    pub const ALL: [Factor; 5] = [
        Factor::StepsOnTime,
        Factor::CasesOnTime,
        Factor::Backlog,
        Factor::Cards,
        Factor::Satisfaction,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Factor::StepsOnTime => "steps_on_time",
            Factor::CasesOnTime => "cases_on_time",
            Factor::Backlog => "backlog",
            Factor::Cards => "cards",
            Factor::Satisfaction => "satisfaction",
        }
    }

    /// From its stored code.
    pub fn from_code(s: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.code() == s)
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Factor::StepsOnTime => "办理及时率",
            Factor::CasesOnTime => "按时办结率",
            Factor::Backlog => "积压控制",
            Factor::Cards => "黄红牌",
            Factor::Satisfaction => "群众满意率",
        }
    }

    /// How its score is made, in words.
    pub fn rule(self) -> &'static str {
        match self {
            Factor::StepsOnTime => "按时办理的环节数 ÷ 办理的环节数 × 100；未办理环节的计 100",
            Factor::CasesOnTime => {
                "按期办结的事项数 ÷ 有办结期限的办结事项数 × 100；无办结的计 100"
            }
            Factor::Backlog => "期末未超期的在办环节数 ÷ 期末在办环节数 × 100；无在办的计 100",
            Factor::Cards => {
                "100 − (黄牌数 + 2 × 红牌数) ÷ (办理环节数 + 期末在办环节数) × 100，最低 0"
            }
            Factor::Satisfaction => "（满意 + 基本满意）÷ 已评价的服务事项数 × 100；无评价的计 100",
        }
    }

    /// Its default weight (the five sum to 100).
    pub fn default_weight(self) -> i64 {
        match self {
            Factor::StepsOnTime => 35,
            Factor::CasesOnTime => 20,
            Factor::Backlog => 15,
            Factor::Cards => 15,
            Factor::Satisfaction => 15,
        }
    }

    /// Its score, 0–100 to two decimals, from a unit's figures.
    pub fn score(self, f: &Figures) -> f64 {
        match self {
            Factor::StepsOnTime => f.step_rate().unwrap_or(100.0),
            Factor::CasesOnTime => f.case_rate().unwrap_or(100.0),
            Factor::Backlog => ratio(f.open_end - f.open_overdue, f.open_end).unwrap_or(100.0),
            Factor::Cards => {
                let handled = f.steps_done + f.open_end;
                if handled == 0 {
                    100.0
                } else {
                    round2(
                        (100.0 - 100.0 * (f.yellow + 2 * f.red) as f64 / handled as f64).max(0.0),
                    )
                }
            }
            Factor::Satisfaction => f.satisfaction().unwrap_or(100.0),
        }
    }
}

/// Why a set of weights is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadWeights(pub String);

/// The composite's weights: one per factor, summing to 100.
pub fn check_weights(w: &[(Factor, i64)]) -> Result<(), BadWeights> {
    if let Some((f, _)) = w.iter().find(|(_, v)| !(0..=100).contains(v)) {
        return Err(BadWeights(format!(
            "「{}」的权重须在 0 到 100 之间",
            f.label()
        )));
    }
    let sum: i64 = w.iter().map(|(_, v)| v).sum();
    if sum != 100 {
        return Err(BadWeights(format!("各项权重之和须为 100，现为 {sum}")));
    }
    Ok(())
}

/// The composite of a unit's figures: Σ weight × score ÷ 100, each score rounded first.
pub fn composite(weights: &[(Factor, i64)], f: &Figures) -> f64 {
    round2(
        weights
            .iter()
            .map(|(k, w)| *w as f64 * k.score(f))
            .sum::<f64>()
            / 100.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_composite_weighs_scores_and_nothing_owed_scores_full() {
        let w: Vec<(Factor, i64)> = Factor::ALL
            .iter()
            .map(|f| (*f, f.default_weight()))
            .collect();
        check_weights(&w).unwrap();
        assert_eq!(composite(&w, &Figures::default()), 100.0);
        let f = Figures {
            steps_done: 4,
            steps_on_time: 3,
            open_end: 2,
            open_overdue: 1,
            yellow: 1,
            ..Figures::default()
        };
        // 35×75 + 20×100 + 15×50 + 15×(100 − 100/6) + 15×100, over 100.
        assert_eq!(Factor::Cards.score(&f), 83.33);
        assert_eq!(composite(&w, &f), 81.25);
        assert!(check_weights(&[(Factor::Cards, 90)]).is_err());
    }
}
