//! The month's 效能通报 as text: its title and its body with the headings of GB/T 9704.

use super::Figures;

/// One unit's line in the 效能通报's rankings.
#[derive(Debug, Clone, PartialEq)]
pub struct BulletinLine {
    /// Its rank within its level.
    pub rank: usize,
    /// The unit.
    pub unit: String,
    /// Its composite.
    pub composite: f64,
    /// Its figures.
    pub figures: Figures,
}

/// A step named in the 效能通报: done late, or open past its deadline at the month's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateStep {
    /// The item's title (「（涉密事项）」 when classified: the 通报 goes to many readers).
    pub title: String,
    /// The holder's unit.
    pub unit: String,
    /// The step.
    pub step: String,
    /// Working days taken or waited.
    pub days: i64,
    /// Whether it was still open at the month's end.
    pub open: bool,
}

/// The month's 效能通报, composed from the stored figures.
#[derive(Debug, Clone, PartialEq)]
pub struct EfficiencyBulletin {
    /// The month in words (2026年11月).
    pub period: String,
    /// The issuing office.
    pub office: String,
    /// The whole tree's figures.
    pub total: Figures,
    /// The levels ranked: (level, lines best first).
    pub groups: Vec<(String, Vec<BulletinLine>)>,
    /// The late steps, the longest first.
    pub late: Vec<LateStep>,
    /// Units with late steps, cards or upheld complaints, named: (unit, late steps, yellow,
    /// red, complaints upheld).
    pub named: Vec<(String, i64, i64, i64, i64)>,
}

/// The heading of the section naming late items and units: what readers (and tests) look for.
pub const BULLETIN_LATE_SECTION: &str = "三、超期事项、亮牌及效能投诉情况";

fn pct_text(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

impl EfficiencyBulletin {
    /// The title of the 通报.
    pub fn title(&self) -> String {
        format!("关于{}行政效能情况的通报", self.period)
    }

    /// The body, structured with the headings of GB/T 9704 (一、（一）1.).
    pub fn body(&self) -> String {
        let t = &self.total;
        let mut p: Vec<String> = vec![
            format!(
                "为加强行政效能建设，{}依据系统记录的办理情况，对{}各单位的行政效能进行了统计。现将有关情况通报如下：",
                self.office, self.period
            ),
            "一、总体情况".to_owned(),
            format!(
                "本期共办理环节 {} 个，按时办理 {} 个，办理及时率 {}，平均用时 {} 个工作日；办结事项 {} 件，有办结期限的 {} 件中按期办结 {} 件；月末在办环节 {} 个，其中超期 {} 个；亮黄牌 {} 张、红牌 {} 张，退回 {} 次，催办 {} 次；效能投诉成立 {} 件，发出效能预警 {} 条。",
                t.steps_done,
                t.steps_on_time,
                pct_text(t.step_rate()),
                t.step_days_avg()
                    .map_or_else(|| "—".to_owned(), |v| format!("{v:.1}")),
                t.cases_closed,
                t.cases_due,
                t.cases_on_time,
                t.open_end,
                t.open_overdue,
                t.yellow,
                t.red,
                t.returned,
                t.urged,
                t.complaints_upheld,
                t.alerts_raised
            ),
            "二、效能排名".to_owned(),
        ];
        for (i, (label, lines)) in self.groups.iter().enumerate() {
            p.push(format!(
                "（{}）{label}",
                crate::supervision::chinese_number(i + 1)
            ));
            for l in lines {
                p.push(format!(
                    "{}. {}，综合得分 {:.2}，办理及时率 {}，月末超期 {} 个，黄牌 {} 张、红牌 {} 张。",
                    l.rank,
                    l.unit,
                    l.composite,
                    pct_text(l.figures.step_rate()),
                    l.figures.open_overdue,
                    l.figures.yellow,
                    l.figures.red
                ));
            }
        }
        p.push(BULLETIN_LATE_SECTION.to_owned());
        if self.late.is_empty() && self.named.is_empty() {
            p.push("本期各单位均按时办理，未出现超期事项和亮牌。".to_owned());
        } else {
            if !self.named.is_empty() {
                let names: Vec<String> = self
                    .named
                    .iter()
                    .map(|(u, late, y, r, c)| {
                        let mut parts = Vec::new();
                        if *late > 0 {
                            parts.push(format!("超期 {late} 个"));
                        }
                        if *y > 0 {
                            parts.push(format!("黄牌 {y} 张"));
                        }
                        if *r > 0 {
                            parts.push(format!("红牌 {r} 张"));
                        }
                        if *c > 0 {
                            parts.push(format!("效能投诉成立 {c} 件"));
                        }
                        format!("{u}（{}）", parts.join("，"))
                    })
                    .collect();
                p.push(format!(
                    "本期存在超期或亮牌情况的单位：{}。",
                    names.join("；")
                ));
            }
            for (i, s) in self.late.iter().enumerate() {
                let state = if s.open {
                    format!("月末尚未办理，已等待 {} 个工作日", s.days)
                } else {
                    format!("超时办理，用时 {} 个工作日", s.days)
                };
                p.push(format!(
                    "{}.「{}」（{}，{}环节），{state}。",
                    i + 1,
                    s.title,
                    s.unit,
                    s.step
                ));
            }
        }
        p.push("四、工作要求".to_owned());
        p.push("各单位要对照排名查找差距，对超期事项限期办结；被通报单位要认真分析原因，落实整改，并将整改情况报本级政府办公室督查科。".to_owned());
        p.join("\n\n")
    }
}
