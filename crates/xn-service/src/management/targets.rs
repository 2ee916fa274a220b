//! 目标责任制: an office's annual targets, each with a measure (a number with a unit, a date, or
//! yes/no), a weight, quarterly milestones and evidence, cascaded office → sections and county
//! offices → posts. A cascade may not give a parent's children more than 100 % of its weight:
//! checked inside the transaction after taking the parent's lock row, so two children added at
//! once are checked one after the other. A target links to supervision items, documents and
//! meetings whose completion counts as its evidence.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::management::{self as rules, MeasureKind};
use xn_store::management::{self as store, NewTarget, StaffRow, TargetRow};

use super::{Management, ManagementScope, Viewer, into_invalid};
use crate::clearance::WITHHELD;
use crate::meetings::clearance_of;
use crate::{Actor, Result, ServiceError, ms};

/// A target to add: top-level (no parent) by an office's 主任 or 副主任, or cascaded from a
/// parent to a unit below it (a section, a county office) or to a post.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TargetInput {
    /// Year (top-level only; a child takes its parent's).
    #[serde(default)]
    pub year: Option<i64>,
    /// The target cascaded from.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// The responsible unit (default: the parent's unit, or the office).
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The owner post (责任岗位).
    #[serde(default)]
    pub owner_post_id: Option<i64>,
    /// Title.
    pub title: String,
    /// `number`, `date` or `yes_no`.
    pub measure_kind: String,
    /// The unit of a number (%, 件, 条).
    #[serde(default)]
    pub measure_unit: String,
    /// The value aimed at: a number, `YYYY-MM-DD`, or `yes`.
    pub target_value: String,
    /// Percent of the parent's weight (of the office's year for a top-level target).
    pub weight: i64,
    /// The four quarters' milestones.
    #[serde(default)]
    pub milestones: Vec<String>,
}

/// A target's result.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ResultInput {
    /// The value reached (the measure's kind).
    #[serde(default)]
    pub result_value: String,
    /// Evidence, as written.
    #[serde(default)]
    pub evidence: String,
    /// `active`, `achieved`, `missed`.
    pub status: String,
}

/// A link to an item whose completion counts as evidence.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LinkInput {
    /// `supervision`, `document`, `meeting`.
    pub kind: String,
    /// The item's id.
    pub ref_id: i64,
}

/// A linked item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkView {
    /// Kind code.
    pub kind: String,
    /// Its name.
    pub kind_label: String,
    /// The item's id.
    pub ref_id: i64,
    /// Its title (withheld above the reader's clearance).
    pub title: String,
    /// Its page.
    pub href: Option<String>,
    /// Complete.
    pub done: bool,
}

/// A target as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetView {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// Parent.
    pub parent_id: Option<i64>,
    /// Depth in the cascade (0 at the office).
    pub depth: usize,
    /// Title.
    pub title: String,
    /// The responsible unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// The owner post.
    pub owner_post_id: Option<i64>,
    /// Its holder.
    pub owner: Option<String>,
    /// Measure kind code.
    pub measure_kind: String,
    /// The measure's name.
    pub measure_label: String,
    /// The value aimed at, as shown.
    pub target: String,
    /// Percent of the parent.
    pub weight: i64,
    /// Percent of the office's year (the chain's product), two decimals.
    pub share: f64,
    /// What the children hold of it.
    pub cascaded: i64,
    /// The four quarters' milestones.
    pub milestones: Vec<String>,
    /// The result, as shown.
    pub result: String,
    /// Evidence text.
    pub evidence: String,
    /// `active`, `achieved`, `missed`.
    pub status: String,
    /// Its name.
    pub status_label: String,
    /// Linked items.
    pub links: Vec<LinkView>,
    /// The viewer may cascade it.
    pub may_cascade: bool,
    /// The viewer may record its result and link evidence.
    pub may_record: bool,
}

/// Where a target may be cascaded: units (its office's sections, the county offices) and
/// posts.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CascadeChoices {
    /// (unit, name).
    pub units: Vec<(i64, String)>,
    /// (post, "unit · person（post）").
    pub posts: Vec<(i64, String)>,
}

/// A year's targets the viewer reads, parents before children.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetsView {
    /// Year.
    pub year: i64,
    /// Targets in cascade order.
    pub targets: Vec<TargetView>,
    /// The viewer may add the office's top-level targets.
    pub may_add: bool,
    /// What the office's top-level targets hold of 100 %.
    pub top_weight: i64,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "achieved" => "已完成",
        "missed" => "未完成",
        _ => "进行中",
    }
}

fn link_label(kind: &str) -> &'static str {
    match kind {
        "supervision" => "督办事项",
        "document" => "公文",
        _ => "会议",
    }
}

impl Management<'_> {
    /// Whether the viewer cascades (and records) a target: its office's leaders, or the chief
    /// of the section it is given to.
    fn manages(v: &Viewer, t: &TargetRow) -> bool {
        match &v.scope {
            ManagementScope::Office { office, .. } => t.office_unit_id == *office,
            ManagementScope::Section { section, .. } => t.unit_id == *section,
            ManagementScope::Own { .. } => false,
        }
    }

    /// Whether the viewer reads a target directly (ancestors are added for context).
    fn reads(v: &Viewer, t: &TargetRow, own_unit: Option<i64>) -> bool {
        match &v.scope {
            ManagementScope::Office { office, counties } => {
                t.office_unit_id == *office || counties.contains(&t.office_unit_id)
            }
            ManagementScope::Section { section, .. } => t.unit_id == *section,
            ManagementScope::Own { .. } => {
                t.owner_post_id == Some(v.post)
                    || (t.owner_post_id.is_none() && Some(t.unit_id) == own_unit)
            }
        }
    }

    /// The targets of a year the viewer reads.
    pub async fn targets(&self, actor: &Actor, year: i64) -> Result<TargetsView> {
        let v = self.viewer(actor).await?;
        let mut offices = v.scope.offices();
        // A county office's targets hang from the city's: read the city's too, for context
        // (only the chain above what the viewer reads is shown).
        let above = self.parent_offices(&offices).await?;
        offices.extend(above);
        let all = store::targets_of_offices(self.svc.db(), &offices, year).await?;
        let own_unit = actor.post.as_ref().map(|p| p.unit_id);
        let by_id: HashMap<i64, &TargetRow> = all.iter().map(|t| (t.id, t)).collect();
        let mut shown: Vec<i64> = Vec::new();
        for t in &all {
            if Self::reads(&v, t, own_unit) {
                // The target, its ancestors (context) and its descendants.
                let mut chain = vec![t.id];
                let mut p = t.parent_id;
                while let Some(id) = p {
                    chain.push(id);
                    p = by_id.get(&id).and_then(|x| x.parent_id);
                }
                shown.extend(chain);
            }
        }
        // Descendants of what is shown.
        loop {
            let before = shown.len();
            for t in &all {
                if let Some(p) = t.parent_id
                    && shown.contains(&p)
                    && !shown.contains(&t.id)
                {
                    shown.push(t.id);
                }
            }
            if shown.len() == before {
                break;
            }
        }
        let rows: Vec<&TargetRow> = all.iter().filter(|t| shown.contains(&t.id)).collect();
        let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
        let links = store::links_of(self.svc.db(), &ids).await?;
        let mut out = Vec::new();
        // Depth-first from the roots, children by id.
        let mut stack: Vec<(i64, usize, f64)> = rows
            .iter()
            .filter(|t| t.parent_id.is_none_or(|p| !ids.contains(&p)))
            .rev()
            .map(|t| (t.id, 0, 100.0))
            .collect();
        while let Some((id, depth, parent_share)) = stack.pop() {
            let Some(t) = by_id.get(&id) else { continue };
            #[expect(clippy::cast_precision_loss, reason = "weights are small")]
            let share = parent_share * t.weight as f64 / 100.0;
            let children: Vec<&&TargetRow> =
                rows.iter().filter(|c| c.parent_id == Some(id)).collect();
            let cascaded = children.iter().map(|c| c.weight).sum();
            out.push(self.target_view(actor, &v, t, depth, share, cascaded, &links));
            for c in children.into_iter().rev() {
                stack.push((c.id, depth + 1, share));
            }
        }
        let top_weight = match v.scope {
            ManagementScope::Office { office, .. } => all
                .iter()
                .filter(|t| t.parent_id.is_none() && t.office_unit_id == office)
                .map(|t| t.weight)
                .sum(),
            _ => 0,
        };
        Ok(TargetsView {
            year,
            targets: out,
            may_add: v.scope.leads_office(),
            top_weight,
        })
    }

    /// The offices above some offices (a county office's city office), whose targets the
    /// county's cascade from.
    async fn parent_offices(&self, offices: &[i64]) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for o in offices {
            if let Some(up) = store::office_above(self.svc.db(), *o).await? {
                out.push(up);
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|o| !offices.contains(o));
        Ok(out)
    }

    #[expect(clippy::too_many_arguments, reason = "one view from its parts")]
    fn target_view(
        &self,
        actor: &Actor,
        v: &Viewer,
        t: &TargetRow,
        depth: usize,
        share: f64,
        cascaded: i64,
        links: &[store::LinkRow],
    ) -> TargetView {
        let kind = MeasureKind::from_code(&t.measure_kind).unwrap_or(MeasureKind::YesNo);
        let may_record = Self::manages(v, t) || t.owner_post_id == Some(v.post);
        TargetView {
            id: t.id,
            year: t.year,
            parent_id: t.parent_id,
            depth,
            title: t.title.clone(),
            unit_id: t.unit_id,
            unit: t.unit_name.clone(),
            owner_post_id: t.owner_post_id,
            owner: t.owner_name.clone(),
            measure_kind: t.measure_kind.clone(),
            measure_label: kind.label().to_owned(),
            target: kind.show(&t.target_value, &t.measure_unit),
            weight: t.weight,
            share: rules::round2(share),
            cascaded,
            milestones: t.milestones.lines().map(str::to_owned).collect(),
            result: if t.result_value.is_empty() {
                String::new()
            } else {
                kind.show(&t.result_value, &t.measure_unit)
            },
            evidence: t.evidence.clone(),
            status: t.status.clone(),
            status_label: status_label(&t.status).to_owned(),
            links: links
                .iter()
                .filter(|l| l.target_id == t.id)
                .map(|l| {
                    let withheld = !actor.may_see(clearance_of(&l.classification));
                    LinkView {
                        kind: l.kind.clone(),
                        kind_label: link_label(&l.kind).to_owned(),
                        ref_id: l.ref_id,
                        title: if withheld {
                            WITHHELD.to_owned()
                        } else {
                            l.title.clone()
                        },
                        href: (!withheld).then(|| match l.kind.as_str() {
                            "supervision" => format!("/supervision/{}", l.ref_id),
                            "document" => format!("/documents/{}", l.ref_id),
                            _ => format!("/meetings/{}", l.ref_id),
                        }),
                        done: l.done != 0,
                    }
                })
                .collect(),
            may_cascade: Self::manages(v, t),
            may_record,
        }
    }

    /// One target the viewer reads.
    pub async fn target(&self, actor: &Actor, id: i64) -> Result<TargetView> {
        let t = store::find_target(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("目标"))?;
        let all = self.targets(actor, t.year).await?;
        all.targets
            .into_iter()
            .find(|x| x.id == id)
            .ok_or(ServiceError::NotFound("目标"))
    }

    /// Adds a target: the office's own (its 主任, 副主任), or cascaded from a parent by whoever
    /// manages the parent. Refused, naming the parent, when the parent's children would hold
    /// more than 100 % of it.
    pub async fn create_target(
        &self,
        actor: &Actor,
        input: &TargetInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        // Where it goes, and under whose lock.
        let (parent, year, office, unit, lock_key, parent_title) = match input.parent_id {
            None => {
                let ManagementScope::Office { office, .. } = v.scope else {
                    return Err(ServiceError::Forbidden(
                        "只有办公室（厅）主任、副主任可以制定本单位年度目标".into(),
                    ));
                };
                let year = input
                    .year
                    .unwrap_or_else(|| i64::from(xn_domain::calendar::business_date(now).year()));
                if !(2000..=2100).contains(&year) {
                    return Err(ServiceError::invalid("year", "年度不正确"));
                }
                if input.unit_id.is_some_and(|u| u != office) {
                    return Err(ServiceError::invalid(
                        "unit_id",
                        "本单位年度目标由办公室（厅）承担，请用分解下达到科室",
                    ));
                }
                (
                    None,
                    year,
                    office,
                    office,
                    format!("office:{office}:{year}"),
                    "本单位年度目标".to_owned(),
                )
            }
            Some(pid) => {
                let p = store::find_target(self.svc.db(), pid)
                    .await
                    .map_err(ServiceError::missing_input("parent_id", "上级目标不存在"))?;
                if !Self::manages(&v, &p) {
                    return Err(ServiceError::Forbidden(format!(
                        "无权分解目标“{}”：由其所属办公室主任、副主任或承担科室负责人分解",
                        p.title
                    )));
                }
                let unit = input.unit_id.unwrap_or(p.unit_id);
                let office = self.child_office(&v, &p, unit).await?;
                (
                    Some(pid),
                    p.year,
                    office,
                    unit,
                    format!("target:{pid}"),
                    p.title,
                )
            }
        };
        let title = rules::check_title(&input.title).map_err(into_invalid)?;
        let kind = MeasureKind::from_code(&input.measure_kind)
            .ok_or_else(|| ServiceError::invalid("measure_kind", "请选择衡量方式"))?;
        let value = kind
            .parse_value("target_value", &input.target_value)
            .map_err(into_invalid)?;
        let weight = rules::check_weight(input.weight).map_err(into_invalid)?;
        let unit_text = input.measure_unit.trim();
        if unit_text.chars().count() > 20 {
            return Err(ServiceError::invalid(
                "measure_unit",
                "计量单位不超过 20 字",
            ));
        }
        if input.milestones.len() > 4 || input.milestones.iter().any(|m| m.chars().count() > 200) {
            return Err(ServiceError::invalid(
                "milestones",
                "季度节点最多四项，每项不超过 200 字",
            ));
        }
        let milestones = input
            .milestones
            .iter()
            .map(|m| m.trim().replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n");
        // The owner post belongs to the responsible unit.
        if let Some(owner) = input.owner_post_id {
            let staff: Vec<StaffRow> = store::staff_of_offices(self.svc.db(), &[office]).await?;
            if !staff
                .iter()
                .any(|s| s.post_id == owner && s.unit_id == unit)
            {
                return Err(ServiceError::invalid(
                    "owner_post_id",
                    "责任岗位应为承担单位的在岗人员",
                ));
            }
        } else if matches!(v.scope, ManagementScope::Section { .. }) {
            return Err(ServiceError::invalid(
                "owner_post_id",
                "科室分解目标须落实到责任岗位",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::lock_cascade(&mut tx, &lock_key, ms(now)).await?;
        let assigned = store::weight_assigned(&mut tx, parent, office, year).await?;
        rules::check_cascade(&parent_title, assigned, weight).map_err(into_invalid)?;
        let id = store::insert_target(
            &mut tx,
            &NewTarget {
                year,
                office_unit_id: office,
                parent_id: parent,
                unit_id: unit,
                owner_post_id: input.owner_post_id,
                title: &title,
                measure_kind: kind.code(),
                measure_unit: unit_text,
                target_value: &value,
                weight,
                milestones: &milestones,
                created_by_post_id: v.post,
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.target_created",
            Some(format!("target:{id}")),
            json!({"title": title, "parent": parent, "unit": unit, "owner": input.owner_post_id, "weight": weight}),
            now,
        )
        .await?;
        if let Some(owner) = input.owner_post_id {
            crate::meetings::tell(
                &mut tx,
                &[owner],
                "management.target_assigned",
                &format!("target:{id}"),
                &format!("您承担了 {year} 年度目标“{title}”（权重 {weight}%）"),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The office a child target of `p` given to `unit` belongs to: `p`'s own office for a
    /// unit inside it (a section; the office itself), or a county office under the city's
    /// government when the parent is the city office's.
    async fn child_office(&self, v: &Viewer, p: &TargetRow, unit: i64) -> Result<i64> {
        let staff_units: Vec<i64> = store::staff_of_offices(self.svc.db(), &[p.office_unit_id])
            .await?
            .iter()
            .map(|s| s.unit_id)
            .collect();
        let inside = unit == p.office_unit_id || staff_units.contains(&unit);
        if inside {
            // Below the parent's unit: the office itself hands to its sections; a section
            // keeps to itself.
            if p.unit_id == p.office_unit_id || unit == p.unit_id {
                return Ok(p.office_unit_id);
            }
            return Err(ServiceError::invalid(
                "unit_id",
                "只能分解到上级目标承担单位的下级",
            ));
        }
        if let ManagementScope::Office { office, counties } = &v.scope
            && p.unit_id == *office
            && counties.contains(&unit)
        {
            return Ok(unit);
        }
        Err(ServiceError::invalid(
            "unit_id",
            "承担单位应为本办公室的科室或下级县（区）政府办公室",
        ))
    }

    /// Where the viewer may cascade a target to.
    pub async fn cascade_choices(&self, actor: &Actor, id: i64) -> Result<CascadeChoices> {
        let v = self.viewer(actor).await?;
        let t = store::find_target(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("目标"))?;
        if !Self::manages(&v, &t) {
            return Ok(CascadeChoices::default());
        }
        let staff = store::staff_of_offices(self.svc.db(), &[t.office_unit_id]).await?;
        let mut units: Vec<(i64, String)> = Vec::new();
        for s in &staff {
            let below = t.unit_id == t.office_unit_id || s.unit_id == t.unit_id;
            if below && !units.iter().any(|(u, _)| *u == s.unit_id) {
                units.push((s.unit_id, s.unit_name.clone()));
            }
        }
        if let ManagementScope::Office { office, counties } = &v.scope
            && t.unit_id == *office
        {
            for (id, name) in
                store::offices_below(self.svc.db(), self.government_of(*office).await?).await?
            {
                if counties.contains(&id) {
                    units.push((id, name));
                }
            }
        }
        let posts = staff
            .iter()
            .filter(|s| t.unit_id == t.office_unit_id || s.unit_id == t.unit_id)
            .map(|s| {
                (
                    s.post_id,
                    format!("{} · {}（{}）", s.unit_name, s.person_name, s.post_label),
                )
            })
            .collect();
        Ok(CascadeChoices { units, posts })
    }

    async fn government_of(&self, office: i64) -> Result<i64> {
        Ok(store::parent_of(self.svc.db(), office).await?.unwrap_or(0))
    }

    /// Records a target's result and evidence (its owner or whoever manages it).
    pub async fn record_result(
        &self,
        actor: &Actor,
        id: i64,
        input: &ResultInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let t = store::find_target(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("目标"))?;
        let view = self.target(actor, id).await?;
        if !view.may_record {
            return Err(ServiceError::Forbidden(
                "只有责任岗位或目标管理人可以填报完成情况".into(),
            ));
        }
        let kind = MeasureKind::from_code(&t.measure_kind).unwrap_or(MeasureKind::YesNo);
        let result = if input.result_value.trim().is_empty() {
            String::new()
        } else {
            kind.parse_value("result_value", &input.result_value)
                .map_err(into_invalid)?
        };
        if !matches!(input.status.as_str(), "active" | "achieved" | "missed") {
            return Err(ServiceError::invalid("status", "请选择完成状态"));
        }
        if input.status == "achieved"
            && result.is_empty()
            && view.links.iter().all(|l| !l.done)
            && input.evidence.trim().is_empty()
        {
            return Err(ServiceError::invalid(
                "evidence",
                "标记完成须填写完成值、佐证材料或关联已办结的事项",
            ));
        }
        let evidence = input.evidence.trim();
        if evidence.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "evidence",
                "佐证材料说明不超过 2000 字",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        store::record_result(&mut tx, id, &result, evidence, &input.status, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.target_recorded",
            Some(format!("target:{id}")),
            json!({"result": result, "status": input.status, "post": v.post}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links an item (a 督办事项, a document, a meeting the viewer may open) as evidence.
    pub async fn link(
        &self,
        actor: &Actor,
        id: i64,
        input: &LinkInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let view = self.target(actor, id).await?;
        if !view.may_record {
            return Err(ServiceError::Forbidden(
                "只有责任岗位或目标管理人可以关联佐证事项".into(),
            ));
        }
        let missing = |_| ServiceError::invalid("ref_id", "关联的事项不存在或无权查看");
        match input.kind.as_str() {
            "supervision" => {
                self.svc
                    .supervision()
                    .item(actor, input.ref_id, now)
                    .await
                    .map_err(missing)?;
            }
            "document" => {
                self.svc
                    .documents()
                    .get(actor, input.ref_id)
                    .await
                    .map_err(missing)?;
            }
            "meeting" => {
                self.svc
                    .meetings()
                    .get(actor, input.ref_id)
                    .await
                    .map_err(missing)?;
            }
            _ => return Err(ServiceError::invalid("kind", "请选择督办事项、公文或会议")),
        }
        let mut tx = self.svc.db().begin().await?;
        store::insert_link(&mut tx, id, &input.kind, input.ref_id, v.post, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.target_linked",
            Some(format!("target:{id}")),
            json!({"kind": input.kind, "ref_id": input.ref_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
