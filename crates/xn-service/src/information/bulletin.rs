//! 信息工作通报: the month's information work of the units an office receives from, drafted as
//! a 通报 document of the office — what was received and adopted at each level, every unit's
//! points in rank order, who sent nothing, late urgent reports and unanswered 约稿, and what is
//! asked next — to be reviewed, signed off, numbered and dispatched like any document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;
use xn_domain::documents::Recipient;
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::information::Level;
use xn_store::information_commissions as store;

use super::{InfoSectionCap, Information};
use crate::documents::DraftInput;
use crate::{Result, ServiceError, ms};

/// A month's 通报, composed.
#[derive(Debug, Clone)]
pub struct InfoBulletin {
    /// 关于2026年11月全市政务信息工作情况的通报.
    pub title: String,
    /// The text, paragraphs separated by blank lines.
    pub body: String,
    /// The units it goes to: (unit, name).
    pub recipients: Vec<(i64, String)>,
}

impl Information<'_> {
    /// The month's 通报 of the section's office, composed from the stored facts (see the
    /// module's note). `month` is `YYYY-MM`.
    pub async fn compose_bulletin(
        &self,
        section: &InfoSectionCap<'_>,
        month: &str,
    ) -> Result<InfoBulletin> {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| ServiceError::invalid("month", "月份的格式应为 2026-11"))?;
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| ServiceError::invalid("month", "月份的格式应为 2026-11"))?;
        let db = self.svc.db();
        let (from, to) = (ms(start_of(first)), ms(end_of(last)));
        let units = self.commission_units(section).await?;
        let received: BTreeMap<i64, i64> = store::received_by_unit(db, section.office, from, to)
            .await?
            .into_iter()
            .collect();
        let levels: BTreeMap<String, i64> = store::adoptions_by_level(db, section.office, from, to)
            .await?
            .into_iter()
            .collect();
        let adopted: BTreeMap<i64, i64> = store::adoptions_by_unit(db, section.office, from, to)
            .await?
            .into_iter()
            .collect();
        let ranking = self.ranking(section.actor, month).await?;
        let unanswered =
            store::unanswered_due(db, section.office, &first.to_string(), &last.to_string())
                .await?;
        let mut tx = db.begin_read().await?;
        let office = xn_store::org::unit_chain(&mut tx, section.office)
            .await?
            .first()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        drop(tx);
        let level = |l: Level| levels.get(l.code()).copied().unwrap_or(0);
        let total_received: i64 = received.values().sum();
        let total_adopted: i64 = levels.values().sum();
        let period = format!("{}年{}月", first.year(), first.month());
        let mut body = format!(
            "{period}，{office}共收到各地各部门报送的政务信息{total_received}条，记采用{total_adopted}条次，其中编入本级刊物{}条、专报领导{}条、上报上级{}条、被上级采用{}条、获领导批示{}条。现将有关情况通报如下。",
            level(Level::Periodical),
            level(Level::Special),
            level(Level::Forwarded),
            level(Level::Higher),
            level(Level::Instruction),
        );
        body.push_str("\n\n一、各单位信息工作得分排名");
        if ranking.lines.is_empty() {
            body.push_str("\n\n本月各单位均未得分。");
        }
        for l in &ranking.lines {
            let sent = received.get(&l.unit_id).copied().unwrap_or(0);
            let taken = adopted.get(&l.unit_id).copied().unwrap_or(0);
            let _ = write!(
                body,
                "\n\n{}. {}：{}分（报送{}条，记采用{}条次）。",
                l.rank, l.unit, l.points, sent, taken
            );
        }
        body.push_str("\n\n二、存在的问题");
        let mut problems = Vec::new();
        let silent: Vec<&str> = units
            .iter()
            .filter(|(u, _)| received.get(u).copied().unwrap_or(0) == 0)
            .map(|(_, n)| n.as_str())
            .collect();
        if !silent.is_empty() {
            problems.push(format!("{}本月未报送信息。", silent.join("、")));
        }
        let mut late: BTreeMap<&str, usize> = BTreeMap::new();
        for l in &ranking.lines {
            let n = l
                .lines
                .iter()
                .filter(|s| s.reason == super::scores::URGENT_LATE_REASON)
                .count();
            if n > 0 {
                late.insert(l.unit.as_str(), n);
            }
        }
        if !late.is_empty() {
            let named: Vec<String> = late.iter().map(|(u, n)| format!("{u}{n}次")).collect();
            problems.push(format!(
                "突发事件信息迟报：{}，未做到事发30分钟内快报、1小时内书面报告。",
                named.join("、")
            ));
        }
        let mut by_topic: Vec<(String, Vec<String>)> = Vec::new();
        for (topic, unit) in unanswered {
            match by_topic.iter_mut().find(|(t, _)| *t == topic) {
                Some((_, us)) => us.push(unit),
                None => by_topic.push((topic, vec![unit])),
            }
        }
        for (topic, us) in by_topic {
            problems.push(format!("约稿「{topic}」，{}未按要求报送。", us.join("、")));
        }
        if problems.is_empty() {
            body.push_str("\n\n本月各单位均按要求报送信息，未发现突出问题。");
        }
        for (i, p) in problems.iter().enumerate() {
            let _ = write!(body, "\n\n（{}）{p}", chinese_number(i + 1));
        }
        body.push_str(
            "\n\n三、下步要求\n\n各单位要进一步提高对政务信息工作的认识，落实专人负责，围绕市委、市政府中心工作和群众关心的热点问题，及时报送有情况、有分析、有建议的高质量信息；突发事件信息须在事发30分钟内快报、1小时内书面报告，做到不迟报、不漏报、不瞒报；对约稿要按时报送。",
        );
        Ok(InfoBulletin {
            title: format!("关于{period}政务信息工作情况的通报"),
            body,
            recipients: units,
        })
    }

    /// Drafts the month's 通报 as a document of the section's office (a 通报 with the office's
    /// signature and seal, to every unit it receives from). Returns the document's id.
    pub async fn draft_bulletin(
        &self,
        section: &InfoSectionCap<'_>,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let b = self.compose_bulletin(section, month).await?;
        let mut tx = self.svc.db().begin_read().await?;
        let office = xn_store::org::unit_chain(&mut tx, section.office)
            .await?
            .first()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        drop(tx);
        let input = DraftInput {
            kind: "circular".into(),
            title: b.title,
            main_recipients: b
                .recipients
                .into_iter()
                .map(|(id, name)| Recipient {
                    unit_id: Some(id),
                    name,
                })
                .collect(),
            signature: Some(office),
            seal: true,
            body: b.body,
            version_note: Some(format!("由{month}政务信息数据生成")),
            ..DraftInput::default()
        };
        let id = self
            .svc
            .documents()
            .draft(section.actor, &input, now)
            .await?;
        let mut tx = self.svc.db().begin().await?;
        crate::events::record(
            &mut tx,
            &section.actor.audit(),
            "information.bulletin_drafted",
            Some(format!("document:{id}")),
            json!({"month": month, "document": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// 一, 二, … 十 for the numbered problems (never more than a handful).
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 11] = [
        "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match n {
        0..=10 => DIGITS[n].to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        _ => n.to_string(),
    }
}
