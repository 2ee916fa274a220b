//! A year of supervision in the demo city, made through the real services with the clock moved
//! day by day: the city's 督查科 opens items for the county offices and the city's sections,
//! they sign, report (mostly on time), apply and are struck off (mostly on time, some late, a few
//! still open and overdue), and the timers give the due-soon warnings, missed reports and yellow
//! and red cards on the days they fall. Deterministic: the same demo on every machine.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use xn_domain::calendar::hours::from_shanghai_local;
use xn_domain::flow::engine::business_date;
use xn_domain::supervision::{Importance, ReportCycle, SourceKind};

use super::NewItemInput;
use crate::auth::Client;
use crate::demo::documents::Rng;
use crate::{Actor, Result, Services};

const TOPICS: [(&str, &str); 12] = [
    (
        "农村公路提档升级",
        "按期完成年度农村公路提档升级任务，逐月报送完成里程",
    ),
    (
        "安全生产隐患排查整治",
        "全面排查辖区安全生产隐患，建立台账，限期整改到位",
    ),
    (
        "优化营商环境“一网通办”",
        "推动高频政务服务事项“一网通办”，提升网办率",
    ),
    ("冬春森林防火", "落实森林防火责任，开展隐患排查和宣传教育"),
    ("城乡居民医保参保扩面", "完成城乡居民医保参保扩面目标任务"),
    (
        "农民工工资支付专项检查",
        "开展根治欠薪专项检查，确保春节前工资足额发放",
    ),
    ("重点项目开工建设", "推进年度重点项目按期开工，及时报送进度"),
    ("防汛备汛工作", "落实防汛责任制，完成汛前检查和物资储备"),
    ("老旧小区改造", "完成年度老旧小区改造任务，做好群众工作"),
    ("12345 热线诉求办理", "提高热线诉求按期办结率和群众满意率"),
    ("耕地保护和粮食生产", "落实耕地保护责任，稳定粮食播种面积"),
    ("义务教育学位保障", "做好秋季学期义务教育学位保障工作"),
];

/// What the simulation does with an item.
struct Plan {
    id: i64,
    lead: Actor,
    /// Days after each report's due day it is filed (None: missed).
    diligent: bool,
    /// The day the closing is applied for and accepted (None: still open).
    close_on: Option<NaiveDate>,
}

fn at(d: NaiveDate, hour: u32) -> DateTime<Utc> {
    from_shanghai_local(d.and_hms_opt(hour, 0, 0).unwrap_or_default())
}

impl Services {
    /// Loads a year of supervision ending at `now` into the demo city (see the module's note);
    /// answers how many items were opened. Run by `serve --demo` after the city is loaded, not by
    /// tests, which start from the bare city.
    pub async fn load_supervision_history(&self, now: DateTime<Utc>) -> Result<usize> {
        let client = Client::default();
        let Some((person, post)) =
            xn_store::supervision::demo_post(self.db(), "kezhang", "督查科").await?
        else {
            return Ok(0);
        };
        let sup = self
            .actor_for(person, Some(post), None, &client, now)
            .await?;
        let sv = self.supervision();
        let section = sv.as_section(&sup).await?;
        let mut leads = Vec::new();
        for (person, post) in xn_store::supervision::demo_leads(self.db()).await? {
            leads.push(
                self.actor_for(person, Some(post), None, &client, now)
                    .await?,
            );
        }
        if leads.is_empty() {
            return Ok(0);
        }
        // The 市长 whose instructions a quarter of the items come from (he rates them closed).
        let mayor = xn_store::supervision::demo_post(self.db(), "shizhang", "东川市人民政府")
            .await?
            .map(|(_, post)| post);
        let cal = self.flow_calendar().await?;
        let today = business_date(now);
        let start = today - TimeDelta::days(364);
        let mut rng = Rng(20_261_127);
        let mut plans: Vec<Plan> = Vec::new();
        // Openings: about one a week, on working days.
        let mut openings: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut d = cal.next_working_day(start);
        while d < today {
            openings.insert(d, usize::try_from(rng.range(0, 999)).unwrap_or(0));
            d = cal.add_working_days(d, rng.range(5, 7)).date;
        }
        let mut day = start;
        let mut made = 0;
        while day <= today {
            let working = cal.is_working_day(day);
            if working && let Some(seed) = openings.get(&day).copied() {
                let lead = &leads[seed % leads.len()];
                let (topic, content) = TOPICS[seed % TOPICS.len()];
                let lead_post = lead.post.as_ref().map_or(0, |p| p.id);
                let lead_unit = lead.post.as_ref().map_or(0, |p| p.unit_id);
                let days = rng.range(10, 34);
                let deadline = cal.add_working_days(day, days).date;
                let input = NewItemInput {
                    source_kind: [
                        SourceKind::Instruction,
                        SourceKind::Meeting,
                        SourceKind::WorkReport,
                        SourceKind::Higher,
                    ][seed % 4],
                    source_leader: if seed % 4 == 0 {
                        "陈立新".into()
                    } else {
                        String::new()
                    },
                    source_leader_post: if seed % 4 == 0 { mayor } else { None },
                    source_text: if seed % 4 == 0 {
                        format!("请督查科跟踪督办{topic}，按期报送进展。")
                    } else {
                        String::new()
                    },
                    title: format!(
                        "{topic}（{}）",
                        lead.post
                            .as_ref()
                            .map_or("", |p| p.unit_short_name.as_str())
                    ),
                    content: content.into(),
                    lead_unit,
                    lead_post,
                    deadline: Some(deadline),
                    report_cycle: ReportCycle::Weekly,
                    report_day: 5,
                    importance: [
                        Importance::Normal,
                        Importance::Important,
                        Importance::Normal,
                        Importance::Critical,
                    ][seed % 4],
                    ..NewItemInput::default()
                };
                let id = sv.open(&section, &input, at(day, 9)).await?;
                made += 1;
                // Outcomes: mostly on time, some late, a few still open.
                let roll = rng.range(0, 99);
                let close_on = if roll < 70 {
                    Some(
                        cal.add_working_days(day, days.saturating_sub(rng.range(1, 4)).max(2))
                            .date,
                    )
                } else if roll < 88 {
                    Some(cal.add_working_days(deadline, rng.range(1, 6)).date)
                } else {
                    None
                };
                plans.push(Plan {
                    id,
                    lead: lead.clone(),
                    diligent: rng.range(0, 99) < 80,
                    close_on: close_on.filter(|c| *c < today),
                });
                // Signed the next morning.
                let signed = cal.add_working_days(day, 1).date;
                if signed <= today {
                    sv.sign(lead, id, "收到，立即落实", at(signed, 9))
                        .await
                        .ok();
                }
            }
            if working {
                for p in &plans {
                    // Reports due today are filed by the diligent in the morning.
                    if p.diligent {
                        let owed = xn_store::supervision::reports_of(self.db(), p.id).await?;
                        if owed
                            .iter()
                            .any(|r| r.status == "due" && r.due_date == day.to_string())
                        {
                            sv.report(&p.lead, p.id, "按计划推进，本周完成阶段任务", at(day, 10))
                                .await
                                .ok();
                        }
                    }
                    if p.close_on == Some(day) {
                        // What is still owed is reported (late, if so) before the closing.
                        for _ in 0..12 {
                            let filed = xn_store::supervision::reports_of(self.db(), p.id).await?;
                            if super::desk::closing_refusal(&filed, day).is_none()
                                || sv
                                    .report(&p.lead, p.id, "已完成阶段任务，补报进展", at(day, 10))
                                    .await
                                    .is_err()
                            {
                                break;
                            }
                        }
                        sv.apply_close(&p.lead, p.id, "已按要求完成，附相关佐证材料", at(day, 11))
                            .await
                            .ok();
                        sv.review(&sup, p.id, true, "同意销号", at(day, 16))
                            .await
                            .ok();
                    }
                }
            }
            // The evening sweep gives what fell due today.
            self.run_due_timers("demo", at(day, 23), TimeDelta::seconds(60), 10_000)
                .await?;
            day += TimeDelta::days(1);
        }
        Ok(made)
    }
}
