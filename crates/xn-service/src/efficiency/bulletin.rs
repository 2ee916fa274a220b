//! 效能通报: the month's efficiency bulletin, composed from the month's stored figures (the
//! tree's totals, the rankings of each level, the late steps and the units named for them)
//! and drafted as a 通报 document of the office, which then goes through 签发, numbering,
//! printing and dispatch like any document.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::documents::Recipient;
use xn_domain::efficiency::{self as rules, BulletinLine, EfficiencyBulletin, LateStep, Period};

use super::{Efficiency, MonitorScope, PeriodQuery};
use crate::documents::DraftInput;
use crate::{Actor, Result, ServiceError};

/// The most late steps a 通报 names.
const LATE_NAMED: usize = 20;

impl Efficiency<'_> {
    /// The office the viewer drafts for: a government's office, when the viewer is its 主任 or
    /// 副主任 or in its supervising section (督查科), and its government is the monitor's root.
    pub(super) async fn bulletin_office(&self, actor: &Actor) -> Result<(i64, i64)> {
        let refused =
            || ServiceError::Forbidden("效能通报由本级政府办公室主任、副主任或督查科生成".into());
        let MonitorScope::Tree { root } = self.scope(actor).await? else {
            return Err(refused());
        };
        let post = actor.post.as_ref().ok_or_else(refused)?;
        let s = xn_store::efficiency::standing(self.svc.db(), post.id).await?;
        let office = match s.unit_kind.as_str() {
            "office"
                if s.parent_id == Some(root)
                    && matches!(s.position.as_str(), "director" | "deputy_director") =>
            {
                s.unit_id
            }
            "section" if s.supervision_section != 0 && s.grandparent_id == Some(root) => {
                s.parent_id.ok_or_else(refused)?
            }
            _ => return Err(refused()),
        };
        Ok((root, office))
    }

    /// The month's 效能通报, composed (not stored).
    pub(crate) async fn compose_bulletin(
        &self,
        actor: &Actor,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<(EfficiencyBulletin, i64)> {
        let (root, office) = self.bulletin_office(actor).await?;
        let q = PeriodQuery {
            period: Some(month.to_owned()),
        };
        let p = q.period(now)?;
        if !matches!(p, Period::Month(..)) || !p.ended_by(xn_domain::calendar::business_date(now)) {
            return Err(ServiceError::invalid(
                "period",
                "效能通报按月生成，须在该月结束之后",
            ));
        }
        let ranking = self.ranking(actor, &q, now).await?;
        let (totals, _) = self.unit_figures(&p, &[root], now).await?;
        let c = self.compute(&p, now).await?;
        let cal = self.svc.flow_calendar().await?;
        let mut late: Vec<_> = c
            .facts
            .steps_of(&cal, c.window, root)
            .into_iter()
            .filter(|(_, k)| (k.done && !k.on_time) || k.overdue_end)
            .collect();
        late.sort_by(|a, b| b.1.days.cmp(&a.1.days).then(a.0.case_id.cmp(&b.0.case_id)));
        let store = xn_store::efficiency_figures::case_titles;
        let mut cases: Vec<i64> = late.iter().map(|(s, _)| s.case_id).collect();
        cases.sort_unstable();
        cases.dedup();
        let titles: HashMap<i64, (String, String)> = store(self.svc.db(), &cases)
            .await?
            .into_iter()
            .map(|(id, t, _, class)| (id, (t, class)))
            .collect();
        let tree = xn_store::efficiency_figures::tree(self.svc.db(), root).await?;
        let name_of: HashMap<i64, String> = tree.iter().map(|u| (u.id, u.name.clone())).collect();
        // Units named: every unit holding a late step, given a card or found responsible for
        // an upheld complaint, by its own name.
        let mut named: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
        for (s, _) in &late {
            let unit = name_of.get(&s.unit_id).cloned().unwrap_or_default();
            named.entry(unit).or_default().0 += 1;
        }
        for m in &c.facts.marks {
            if !rules::lineage(&c.facts.parents, m.unit_id).contains(&root) {
                continue;
            }
            let unit = name_of.get(&m.unit_id).cloned().unwrap_or_default();
            match m.mark {
                rules::Mark::Yellow => named.entry(unit).or_default().1 += 1,
                rules::Mark::Red => named.entry(unit).or_default().2 += 1,
                rules::Mark::ComplaintUpheld => named.entry(unit).or_default().3 += 1,
                _ => {}
            }
        }
        let late = late
            .into_iter()
            .take(LATE_NAMED)
            .map(|(s, k)| {
                let (title, class) = titles.get(&s.case_id).cloned().unwrap_or_default();
                // The 通报 goes to many readers: any classified title is withheld.
                let public = crate::clearance::level(&class)
                    .is_ok_and(|l| l == xn_domain::org::Clearance::Public);
                LateStep {
                    title: if public {
                        title
                    } else {
                        crate::clearance::WITHHELD.to_owned()
                    },
                    unit: name_of.get(&s.unit_id).cloned().unwrap_or_default(),
                    step: s.step_name.clone(),
                    days: k.days,
                    open: !k.done,
                }
            })
            .collect();
        let mut tx = self.svc.db().begin_read().await?;
        let (_, _, office_name, _) = xn_store::org::unit_brief(&mut tx, office).await?;
        drop(tx);
        Ok((
            EfficiencyBulletin {
                period: p.label(),
                office: office_name,
                total: totals.get(&root).cloned().unwrap_or_default(),
                groups: ranking
                    .groups
                    .iter()
                    .map(|g| {
                        (
                            g.label.clone(),
                            g.rows
                                .iter()
                                .map(|r| BulletinLine {
                                    rank: r.rank,
                                    unit: r.name.clone(),
                                    composite: r.composite,
                                    figures: r.figures.counts.clone(),
                                })
                                .collect(),
                        )
                    })
                    .collect(),
                late,
                named: named
                    .into_iter()
                    .map(|(u, (l, y, r, c))| (u, l, y, r, c))
                    .collect(),
            },
            office,
        ))
    }

    /// Drafts the month's 效能通报 as a 通报 document of the viewer's office (the office's
    /// 主任 or 副主任, or its 督查科). Answers the document's id.
    pub async fn draft_bulletin(
        &self,
        actor: &Actor,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (bulletin, _) = self.compose_bulletin(actor, month, now).await?;
        let ranking_levels: Vec<&str> = bulletin.groups.iter().map(|(l, _)| l.as_str()).collect();
        let mut main: Vec<Recipient> = Vec::new();
        for level in ranking_levels {
            let name = match level {
                "各县（市、区）" => "各县（市、区）人民政府办公室",
                "政府工作部门" => "政府各部门",
                "办公室各科室" => "办公室各科室",
                _ => continue,
            };
            main.push(Recipient {
                unit_id: None,
                name: name.to_owned(),
            });
        }
        let input = DraftInput {
            kind: "circular".into(),
            title: bulletin.title(),
            main_recipients: main,
            signature: Some(bulletin.office.clone()),
            seal: true,
            body: bulletin.body(),
            version_note: Some(format!("由{}效能数据生成", bulletin.period)),
            ..DraftInput::default()
        };
        let id = self.svc.documents().draft(actor, &input, now).await?;
        let mut tx = self.svc.db().begin().await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "efficiency.bulletin_drafted",
            Some(format!("document:{id}")),
            json!({"period": month, "document": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
