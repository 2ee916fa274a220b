//! 周报告汇总: a section's weekly report rolled up from its people's, and an office's from its
//! sections' roll-ups and its own people's reports. The figures are summed from each person's
//! week (the same events their own draft lists), the text is drafted from what each submitted,
//! and the chief (a section's) or the office's leader (an office's) edits and submits it. A
//! section's roll-up is owed the working day after the people's report day, an office's the
//! working day after that; the office's leader comments on a section's, the city office's
//! leader on a county office's.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ladder::end_of;
use xn_domain::management as rules;
use xn_domain::org::Clearance;
use xn_domain::supervision::chinese_number;
use xn_store::management::{self as store, RollupRow, StaffRow, WeeklyRow};

use super::beijing_time;
use super::reports::WeeklyDraft;
use super::{Management, ManagementScope, Viewer, parse_day};
use crate::{Actor, Result, ServiceError, ms};

/// What a person, a section or an office did in a week, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollupFigures {
    /// People who report.
    pub people: i64,
    /// Of them, submitted (on time or late).
    pub submitted: i64,
    /// Of those, late.
    pub late: i64,
    /// Not submitted.
    pub missing: i64,
    /// Document steps done (办文).
    pub documents: i64,
    /// Of them, with a deadline.
    pub documents_with_deadline: i64,
    /// Of those, done by it.
    pub documents_on_time: i64,
    /// Other tasks done (办事).
    pub tasks: i64,
    /// Meetings attended or chaired.
    pub meetings: i64,
    /// Supervision progress reports filed.
    pub reports: i64,
    /// Tasks due in the week that were late or are still open.
    pub slipped: i64,
}

impl RollupFigures {
    fn of_person(d: &WeeklyDraft, status: &str) -> Self {
        let count = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let submitted = matches!(status, "submitted" | "late");
        RollupFigures {
            people: 1,
            submitted: i64::from(submitted),
            late: i64::from(status == "late"),
            missing: i64::from(!submitted),
            documents: count(d.documents.len()),
            documents_with_deadline: d.documents_with_deadline,
            documents_on_time: d.documents_on_time,
            tasks: count(d.tasks.len()),
            meetings: count(d.meetings.len()),
            reports: count(d.reports.len()),
            slipped: count(d.slipped.len()),
        }
    }

    fn add(&mut self, o: &RollupFigures) {
        self.people += o.people;
        self.submitted += o.submitted;
        self.late += o.late;
        self.missing += o.missing;
        self.documents += o.documents;
        self.documents_with_deadline += o.documents_with_deadline;
        self.documents_on_time += o.documents_on_time;
        self.tasks += o.tasks;
        self.meetings += o.meetings;
        self.reports += o.reports;
        self.slipped += o.slipped;
    }
}

/// One line of a roll-up: a person's report, or (in an office's) a section's roll-up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollupPart {
    /// `person` or `section`.
    pub kind: String,
    /// The post (a person) or the unit (a section).
    pub id: i64,
    /// The person's or the section's name.
    pub name: String,
    /// The post's label, or `科室`.
    pub label: String,
    /// `submitted`, `late`, `draft`, `owed` (day not come), `missing` (day passed).
    pub status: String,
    /// Its figures.
    pub figures: RollupFigures,
    /// What was submitted ('' until then).
    pub body: String,
    /// Its page.
    pub href: String,
}

/// A unit's roll-up of a week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollupView {
    /// The stored roll-up, once saved.
    pub id: Option<i64>,
    /// The section or office.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// `section` or `office`.
    pub level: String,
    /// Monday.
    pub week_start: String,
    /// Sunday.
    pub week_end: String,
    /// The day it is owed by.
    pub due_date: String,
    /// `owed` (nothing saved), `draft`, `submitted`.
    pub status: String,
    /// The text: as saved, or drafted from the parts while nothing is saved.
    pub body: String,
    /// Whether `body` is the draft.
    pub drafted: bool,
    /// The unit's figures: the sum of its parts.
    pub totals: RollupFigures,
    /// Its people (and, for an office, its sections), in the office's order.
    pub parts: Vec<RollupPart>,
    /// How many parts have not reported (a submission asks for them to be confirmed).
    pub owing: i64,
    /// When submitted (Beijing).
    pub submitted_at: Option<String>,
    /// Submitted after its day.
    pub late: bool,
    /// The comment from above.
    pub comment: String,
    /// When commented (Beijing).
    pub commented_at: Option<String>,
    /// The viewer may edit and submit it.
    pub may_edit: bool,
    /// The viewer may comment (over the unit, submitted).
    pub may_comment: bool,
    /// The other units whose roll-ups the viewer reads (id, name), for a switcher.
    pub units: Vec<(i64, String)>,
}

/// Saving or submitting a unit's roll-up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RollupInput {
    /// The section or office (the viewer's own when absent).
    #[serde(default)]
    pub unit: Option<i64>,
    /// Any date of the week, `YYYY-MM-DD`.
    pub week: String,
    /// The text.
    pub body: String,
    /// Submit it (else keep as draft).
    #[serde(default)]
    pub submit: bool,
    /// Submit although some people (or sections) have not reported: asked for explicitly.
    #[serde(default)]
    pub confirm_missing: bool,
}

/// Which unit a roll-up is of, and how the viewer stands to it.
struct Subject {
    unit: i64,
    name: String,
    office: i64,
    is_office: bool,
    /// The viewer leads it (the section's chief, the office's leader).
    edits: bool,
    /// The viewer is above it (the office's leader over a section; the city's over a county).
    comments: bool,
}

pub(super) fn person_status(
    r: Option<&WeeklyRow>,
    today: NaiveDate,
    due: NaiveDate,
) -> &'static str {
    match r {
        Some(r) if r.status == "submitted" && r.late != 0 => "late",
        Some(r) if r.status == "submitted" => "submitted",
        _ if today > due => "missing",
        Some(_) => "draft",
        None => "owed",
    }
}

impl Management<'_> {
    /// The units whose roll-ups a viewer reads: a chief their section; an office's leader the
    /// office and its sections, and the county offices below and theirs (to read). Answers
    /// (unit, name, office) in the office's order.
    pub(super) async fn rollup_units(&self, v: &Viewer) -> Result<Vec<(i64, String, i64)>> {
        let staff = store::staff_of_offices(self.svc.db(), &v.scope.offices()).await?;
        let mut out: Vec<(i64, String, i64)> = Vec::new();
        for s in &staff {
            let ours = match &v.scope {
                // The own office and its sections; of a county, its office's roll-up.
                ManagementScope::Office { office, .. } => {
                    s.office_id == *office || s.unit_id == s.office_id
                }
                ManagementScope::Section { section, .. } => s.unit_id == *section,
                ManagementScope::Own { .. } => false,
            };
            if ours && !out.iter().any(|(u, _, _)| *u == s.unit_id) {
                let name = if s.unit_id == s.office_id {
                    xn_store::org::find_unit(self.svc.db(), s.unit_id)
                        .await?
                        .short_name
                } else {
                    s.unit_name.clone()
                };
                out.push((s.unit_id, name, s.office_id));
            }
        }
        Ok(out)
    }

    async fn subject(
        &self,
        v: &Viewer,
        unit: Option<i64>,
    ) -> Result<(Subject, Vec<(i64, String)>)> {
        let units = self.rollup_units(v).await?;
        if units.is_empty() {
            return Err(ServiceError::Forbidden(
                "只有科室负责人和办公室主任、副主任汇总周报告".into(),
            ));
        }
        let own = match &v.scope {
            ManagementScope::Office { office, .. } => *office,
            ManagementScope::Section { section, .. } => *section,
            ManagementScope::Own { .. } => 0,
        };
        let want = unit.unwrap_or(own);
        let (id, name, office) = units
            .iter()
            .find(|(u, _, _)| *u == want)
            .cloned()
            .ok_or(ServiceError::NotFound("周报告汇总"))?;
        let is_office = id == office;
        let (edits, comments) = match &v.scope {
            ManagementScope::Office {
                office: led,
                counties,
            } => (
                id == *led,
                (office == *led && !is_office) || (is_office && counties.contains(&id)),
            ),
            ManagementScope::Section { section, .. } => (id == *section, false),
            ManagementScope::Own { .. } => (false, false),
        };
        let list = units.into_iter().map(|(u, n, _)| (u, n)).collect();
        Ok((
            Subject {
                unit: id,
                name,
                office,
                is_office,
                edits,
                comments,
            },
            list,
        ))
    }

    /// The day a unit's roll-up is owed: a working day after its people's report day (a
    /// section's), two after it (an office's).
    async fn rollup_due(&self, s: &Subject, monday: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
        let (day, _) = self.office_settings(s.office).await?;
        let people = rules::report_due(monday, day);
        let cal = self.svc.flow_calendar().await?;
        let after = if s.is_office { 2 } else { 1 };
        Ok((people, cal.add_working_days(people, after).date))
    }

    /// The people's parts of a roll-up: each evaluated person of `unit` with their week.
    async fn people_parts(
        &self,
        staff: &[StaffRow],
        unit: i64,
        monday: NaiveDate,
        people_due: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<RollupPart>> {
        let people: Vec<&StaffRow> = staff
            .iter()
            .filter(|s| s.unit_id == unit && super::evaluated(s))
            .collect();
        let posts: Vec<i64> = people.iter().map(|s| s.post_id).collect();
        let rows = store::weeklies(self.svc.db(), &posts, &[monday.to_string()]).await?;
        let today = xn_domain::calendar::business_date(now);
        let mut out = Vec::new();
        for s in people {
            let r = rows.iter().find(|r| r.post_id == s.post_id);
            let status = person_status(r, today, people_due);
            // Figures only: titles are not shown, so the lowest clearance reads them all counted.
            let draft = self
                .draft_of(s.post_id, monday, Clearance::Public, now)
                .await?;
            out.push(RollupPart {
                kind: "person".into(),
                id: s.post_id,
                name: s.person_name.clone(),
                label: s.post_label.clone(),
                status: status.into(),
                figures: RollupFigures::of_person(&draft, status),
                body: match r {
                    Some(r) if r.status == "submitted" => r.body.clone(),
                    _ => String::new(),
                },
                href: format!("/management/reports?week={monday}&post={}", s.post_id),
            });
        }
        Ok(out)
    }

    /// A unit's roll-up of the week holding `week` (the viewer's own section or office when
    /// `unit` is `None`).
    pub async fn rollup(
        &self,
        actor: &Actor,
        unit: Option<i64>,
        week: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<RollupView> {
        let v = self.viewer(actor).await?;
        let (s, units) = self.subject(&v, unit).await?;
        let monday = rules::week_start(week);
        let (people_due, due) = self.rollup_due(&s, monday).await?;
        let staff = store::staff_of_offices(self.svc.db(), &[s.office]).await?;
        let mut parts = Vec::new();
        if s.is_office {
            let sections: Vec<(i64, String)> = {
                let mut seen: Vec<(i64, String)> = Vec::new();
                for p in staff.iter().filter(|p| p.unit_id != s.unit) {
                    if !seen.iter().any(|(u, _)| *u == p.unit_id) {
                        seen.push((p.unit_id, p.unit_name.clone()));
                    }
                }
                seen
            };
            let ids: Vec<i64> = sections.iter().map(|(u, _)| *u).collect();
            let stored = store::rollups_of_week(self.svc.db(), &ids, &monday.to_string()).await?;
            let today = xn_domain::calendar::business_date(now);
            let cal = self.svc.flow_calendar().await?;
            let section_due = cal.add_working_days(people_due, 1).date;
            parts.extend(
                self.people_parts(&staff, s.unit, monday, people_due, now)
                    .await?,
            );
            for (id, name) in sections {
                let mut figures = RollupFigures::default();
                for p in self
                    .people_parts(&staff, id, monday, people_due, now)
                    .await?
                {
                    figures.add(&p.figures);
                }
                let r = stored.iter().find(|r| r.unit_id == id);
                let status = match r {
                    Some(r) if r.status == "submitted" && r.late != 0 => "late",
                    Some(r) if r.status == "submitted" => "submitted",
                    _ if today > section_due => "missing",
                    Some(_) => "draft",
                    None => "owed",
                };
                parts.push(RollupPart {
                    kind: "section".into(),
                    id,
                    name,
                    label: "科室".into(),
                    status: status.into(),
                    figures,
                    body: r
                        .filter(|r| r.status == "submitted")
                        .map(|r| r.body.clone())
                        .unwrap_or_default(),
                    href: format!("/management/reports/rollup?unit={id}&week={monday}"),
                });
            }
        } else {
            parts = self
                .people_parts(&staff, s.unit, monday, people_due, now)
                .await?;
        }
        let mut totals = RollupFigures::default();
        for p in &parts {
            totals.add(&p.figures);
        }
        let row = store::find_rollup(self.svc.db(), s.unit, &monday.to_string()).await?;
        let saved = row
            .as_ref()
            .filter(|r| !r.body.is_empty())
            .map(|r| r.body.clone());
        let drafted = saved.is_none();
        let body =
            saved.unwrap_or_else(|| rollup_text(&s.name, s.is_office, monday, &totals, &parts));
        let submitted = row.as_ref().is_some_and(|r| r.status == "submitted");
        let owing = parts
            .iter()
            .filter(|p| !matches!(p.status.as_str(), "submitted" | "late"))
            .count();
        Ok(RollupView {
            owing: i64::try_from(owing).unwrap_or(i64::MAX),
            id: row.as_ref().map(|r| r.id),
            unit_id: s.unit,
            unit: s.name.clone(),
            level: if s.is_office { "office" } else { "section" }.into(),
            week_start: monday.to_string(),
            week_end: (monday + Duration::days(6)).to_string(),
            due_date: due.to_string(),
            status: row
                .as_ref()
                .map_or("owed", |r: &RollupRow| r.status.as_str())
                .to_owned(),
            body,
            drafted,
            totals,
            parts,
            submitted_at: row.as_ref().and_then(|r| r.submitted_at).map(beijing_time),
            late: row.as_ref().is_some_and(|r| r.late != 0),
            comment: row.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
            commented_at: row.as_ref().and_then(|r| r.commented_at).map(beijing_time),
            may_edit: s.edits && !submitted,
            may_comment: s.comments && submitted,
            units,
        })
    }

    /// Saves the roll-up of the unit the viewer leads, or submits it (late after its day). A
    /// submitted roll-up no longer changes; those above are told.
    pub async fn save_rollup(
        &self,
        actor: &Actor,
        input: &RollupInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let (s, _) = self.subject(&v, input.unit).await?;
        if !s.edits {
            return Err(ServiceError::Forbidden(
                "只有本科室负责人或本办公室主任、副主任可以汇总报送".into(),
            ));
        }
        let monday = rules::week_start(parse_day("week", &input.week)?);
        if monday > xn_domain::calendar::business_date(now) {
            return Err(ServiceError::invalid("week", "这一周尚未开始"));
        }
        let body = input.body.trim();
        if input.submit && body.is_empty() {
            return Err(ServiceError::invalid("body", "请填写汇总内容"));
        }
        if body.chars().count() > 30_000 {
            return Err(ServiceError::invalid("body", "周报告汇总不超过 30000 字"));
        }
        let (people_due, due) = self.rollup_due(&s, monday).await?;
        if input.submit {
            if xn_domain::calendar::business_date(now) < people_due {
                return Err(ServiceError::invalid(
                    "week",
                    format!("个人周报告的报送日（{people_due}）起才能报送汇总，现在可先保存草稿"),
                ));
            }
            let owing = self.rollup(actor, Some(s.unit), monday, now).await?.owing;
            if owing > 0 && !input.confirm_missing {
                return Err(ServiceError::invalid(
                    "confirm_missing",
                    format!(
                        "尚有 {owing} {}未报送；仍要报送汇总，请勾选“尚有未报送的，仍然报送”",
                        if s.is_office {
                            "个科室或人员"
                        } else {
                            "人"
                        }
                    ),
                ));
            }
        }
        let late = ms(now) >= ms(end_of(due));
        let mut tx = self.svc.db().begin().await?;
        let id = store::ensure_rollup(
            &mut tx,
            s.unit,
            &monday.to_string(),
            &due.to_string(),
            ms(now),
        )
        .await?;
        let by = input.submit.then_some(v.post);
        if !store::save_rollup(&mut tx, id, body, by, late, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.rollup_submitted",
                message: "本周汇总已报送，不能再修改".into(),
            });
        }
        if input.submit {
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "management.rollup_submitted",
                Some(format!("weekly_rollup:{id}")),
                json!({"week": monday.to_string(), "unit": s.unit, "late": late}),
                now,
            )
            .await?;
            let above = self.leaders_above(&s).await?;
            crate::meetings::tell(
                &mut tx,
                &above,
                "management.rollup_submitted",
                &format!("weekly_rollup:{id}"),
                &format!(
                    "{} 报送了 {monday} 起一周的周报告汇总{}",
                    s.name,
                    if late { "（迟报）" } else { "" }
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Who reads a unit's roll-up from above: a section's office leaders; a county office's,
    /// the city office's leaders.
    async fn leaders_above(&self, s: &Subject) -> Result<Vec<i64>> {
        let office = if s.is_office {
            match store::office_above(self.svc.db(), s.office).await? {
                Some(o) => o,
                None => return Ok(Vec::new()),
            }
        } else {
            s.office
        };
        Ok(store::staff_of_offices(self.svc.db(), &[office])
            .await?
            .into_iter()
            .filter(|c| {
                c.unit_id == c.office_id
                    && matches!(c.position.as_str(), "director" | "deputy_director")
            })
            .map(|c| c.post_id)
            .collect())
    }

    /// The comment from above on a submitted roll-up; its unit's leaders are told.
    pub async fn comment_rollup(
        &self,
        actor: &Actor,
        id: i64,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let row = store::rollup_by_id(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("周报告汇总"))?;
        let (s, _) = self
            .subject(&v, Some(row.unit_id))
            .await
            .map_err(|_| ServiceError::NotFound("周报告汇总"))?;
        if !s.comments {
            return Err(ServiceError::Forbidden(
                "只有上级办公室主任、副主任可以批注汇总".into(),
            ));
        }
        let text = comment.trim();
        if text.is_empty() {
            return Err(ServiceError::invalid("comment", "请填写批注"));
        }
        if text.chars().count() > 2000 {
            return Err(ServiceError::invalid("comment", "批注不超过 2000 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        if !store::comment_rollup(&mut tx, id, text, v.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.rollup_not_submitted",
                message: "汇总尚未报送，不能批注".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.rollup_commented",
            Some(format!("weekly_rollup:{id}")),
            json!({"comment": text}),
            now,
        )
        .await?;
        let leads: Vec<i64> = row.submitted_by_post_id.into_iter().collect();
        crate::meetings::tell(
            &mut tx,
            &leads,
            "management.rollup_commented",
            &format!("weekly_rollup:{id}"),
            &format!(
                "{} {} 起一周的周报告汇总有新批注：{text}",
                s.name, row.week_start
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The drafted text of a unit's roll-up: the figures, then each part's submitted text.
pub(crate) fn rollup_text(
    unit: &str,
    is_office: bool,
    monday: NaiveDate,
    t: &RollupFigures,
    parts: &[RollupPart],
) -> String {
    let sunday = monday + Duration::days(6);
    let mut out = format!(
        "{unit}周报告汇总（{}—{}）\n",
        monday.format("%m月%d日"),
        sunday.format("%m月%d日")
    );
    let rate = if t.documents_with_deadline > 0 {
        format!(
            "，按期率 {:.0}%",
            rules::rate(t.documents_on_time, t.documents_with_deadline)
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "一、总体情况：应报送周报告 {} 人，已报送 {} 人（其中迟报 {} 人），未报送 {} 人。\
         办理公文环节 {} 件，其中有办理时限 {} 件、按期 {} 件{rate}；完成其他待办 {} 件；\
         参加会议 {} 次；报送督办进展 {} 次；未按期事项 {} 件。\n",
        t.people,
        t.submitted,
        t.late,
        t.missing,
        t.documents,
        t.documents_with_deadline,
        t.documents_on_time,
        t.tasks,
        t.meetings,
        t.reports,
        t.slipped
    ));
    out.push_str(if is_office {
        "二、各科室及人员工作情况：\n"
    } else {
        "二、人员工作情况：\n"
    });
    for (i, p) in parts.iter().enumerate() {
        let who = if p.kind == "section" {
            p.name.clone()
        } else {
            format!("{}（{}）", p.name, p.label)
        };
        out.push_str(&format!("（{}）{who}：", chinese_number(i + 1)));
        if p.body.trim().is_empty() {
            out.push_str(if p.kind == "section" {
                "未报送汇总。\n"
            } else {
                "未报送周报告。\n"
            });
        } else {
            out.push('\n');
            for line in p.body.trim().lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.push_str("三、存在的问题：\n四、下周工作打算：\n");
    out
}
