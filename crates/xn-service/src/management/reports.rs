//! 周报告: each person's week, drafted from their own events (documents handled with counts
//! and on-time rate, other tasks done, meetings attended, supervision reports filed, what
//! slipped), edited by them and submitted to their section's chief by the office's report day
//! (late after it); the chief comments; a chief urges those still owing, and the urges and the
//! missing weeks are counted in the month's evaluation.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::management as rules;
use xn_domain::org::Clearance;
use xn_store::management::{self as store, StaffRow, WeeklyRow};

use super::beijing_time;
use super::evaluations::SourceItem;
use super::{Management, Viewer, parse_day};
use crate::areas::Area;
use crate::clearance::WITHHELD;
use crate::meetings::clearance_of;
use crate::{Actor, Result, ServiceError, ms};

/// A line of the draft.
pub type DraftLine = SourceItem;

/// What the week's events were, as the draft lists them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct WeeklyDraft {
    /// Document steps done (办文).
    pub documents: Vec<DraftLine>,
    /// Of them, with a deadline.
    pub documents_with_deadline: i64,
    /// Of those, done by it.
    pub documents_on_time: i64,
    /// Other tasks done (办事).
    pub tasks: Vec<DraftLine>,
    /// Meetings attended or chaired.
    pub meetings: Vec<DraftLine>,
    /// Supervision progress reports filed.
    pub reports: Vec<DraftLine>,
    /// Tasks due in the week that were late or are still open.
    pub slipped: Vec<DraftLine>,
}

/// A person's report of a week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeeklyView {
    /// The stored report, once saved or urged.
    pub id: Option<i64>,
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post's label.
    pub post_label: String,
    /// Unit.
    pub unit: String,
    /// Monday.
    pub week_start: String,
    /// Sunday.
    pub week_end: String,
    /// The day it is owed by.
    pub due_date: String,
    /// `owed` (nothing saved), `draft`, `submitted`.
    pub status: String,
    /// The text: as saved, or drafted from the events while nothing is saved.
    pub body: String,
    /// Whether `body` is the draft made from the events.
    pub drafted: bool,
    /// The events.
    pub draft: WeeklyDraft,
    /// When submitted (Beijing).
    pub submitted_at: Option<String>,
    /// Submitted after its day.
    pub late: bool,
    /// The chief's comment.
    pub comment: String,
    /// When commented (Beijing).
    pub commented_at: Option<String>,
    /// Times urged.
    pub urge_count: i64,
    /// The viewer may edit and submit (their own, not yet submitted).
    pub may_edit: bool,
    /// The viewer may comment (over the person, submitted).
    pub may_comment: bool,
}

/// Saving or submitting one's report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct WeeklyInput {
    /// Any date of the week, `YYYY-MM-DD`.
    pub week: String,
    /// The text.
    pub body: String,
    /// Submit it (else keep as draft).
    #[serde(default)]
    pub submit: bool,
}

/// One person's line in a week's table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// Post label.
    pub post_label: String,
    /// Unit.
    pub unit: String,
    /// `submitted`, `late`, `draft`, `owed` (day not come), `missing` (day passed).
    pub status: String,
    /// Times urged.
    pub urge_count: i64,
    /// Commented.
    pub commented: bool,
}

/// The reports of a week of the people a chief oversees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekTable {
    /// Monday.
    pub week_start: String,
    /// The office's report day.
    pub due_date: String,
    /// People.
    pub rows: Vec<WeekRow>,
    /// Whether the viewer may urge (the day has come and someone owes).
    pub may_urge: bool,
}

/// Who was urged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UrgeOutcome {
    /// Their names.
    pub urged: Vec<String>,
}

fn line(
    title: &str,
    classification: &str,
    reader: Clearance,
    href: String,
    note: String,
) -> DraftLine {
    let withheld = !reader.may_see(clearance_of(classification));
    DraftLine {
        title: if withheld {
            WITHHELD.to_owned()
        } else {
            title.to_owned()
        },
        href: (!withheld).then_some(href),
        note,
        withheld,
    }
}

impl Management<'_> {
    /// The events of a person's week, drafted. Titles are read with `reader`'s clearance.
    pub(crate) async fn draft_of(
        &self,
        post: i64,
        monday: NaiveDate,
        reader: Clearance,
        now: DateTime<Utc>,
    ) -> Result<WeeklyDraft> {
        let from = ms(start_of(monday));
        let to = ms(end_of(monday + Duration::days(6)));
        let db = self.svc.db();
        let done = store::tasks_done(db, post, from, to).await?;
        let doc_kinds: Vec<&str> = Area::Documents.kinds().iter().map(|k| k.code()).collect();
        let mut d = WeeklyDraft::default();
        for t in &done {
            let note = format!(
                "{} · {}",
                t.step_name,
                beijing_time(t.acted_at.unwrap_or(0))
            );
            let l = line(
                &t.title,
                &t.classification,
                reader,
                format!("/cases/{}", t.case_id),
                note,
            );
            if doc_kinds.contains(&t.item_kind.as_str()) {
                if let (Some(due), Some(at)) = (t.due_at, t.acted_at) {
                    d.documents_with_deadline += 1;
                    if at <= due {
                        d.documents_on_time += 1;
                    }
                }
                d.documents.push(l);
            } else {
                d.tasks.push(l);
            }
        }
        for m in store::meetings_attended(db, post, from, to).await? {
            d.meetings.push(line(
                &m.title,
                &m.classification,
                reader,
                format!("/meetings/{}", m.meeting_id),
                beijing_time(m.starts_at),
            ));
        }
        for r in store::reports_filed(db, post, from, to).await? {
            let state = if r.status == "late" {
                "迟报"
            } else {
                "按时"
            };
            d.reports.push(line(
                &r.title,
                &r.classification,
                reader,
                format!("/supervision/{}", r.item_id),
                format!("第 {} 次进展 · {state}", r.seq),
            ));
        }
        let asof = ms(now).min(to);
        for t in store::tasks_due(db, &[post], from, to, asof).await? {
            let Some(due) = t.due_at else { continue };
            let note = match t.acted_at {
                Some(a) if a <= due => continue,
                Some(a) => format!("{} · 逾期办结 {}", t.step_name, beijing_time(a)),
                None => format!("{} · 超期未办（时限 {}）", t.step_name, beijing_time(due)),
            };
            d.slipped.push(line(
                &t.title,
                &t.classification,
                reader,
                format!("/cases/{}", t.case_id),
                note,
            ));
        }
        Ok(d)
    }

    /// A person's report of the week holding `week` (their own when `post` is `None`).
    pub async fn week(
        &self,
        actor: &Actor,
        post: Option<i64>,
        week: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<WeeklyView> {
        let v = self.viewer(actor).await?;
        if post.is_none() && v.scope.office().is_none() {
            return Err(ServiceError::invalid(
                "post",
                "当前身份不属于办公室（厅），不报送周报告",
            ));
        }
        let s = self.person(&v, post.unwrap_or(v.post)).await?;
        if !super::evaluated(&s) {
            return Err(ServiceError::invalid(
                "post",
                "办公室（厅）主任不报送周报告",
            ));
        }
        let monday = rules::week_start(week);
        let (day, _) = self.office_settings(s.office_id).await?;
        let due = rules::report_due(monday, day);
        let row = store::find_weekly(self.svc.db(), s.post_id, &monday.to_string()).await?;
        let draft = self
            .draft_of(s.post_id, monday, actor.clearance(), now)
            .await?;
        let saved = row
            .as_ref()
            .filter(|r| !r.body.is_empty())
            .map(|r| r.body.clone());
        let drafted = saved.is_none();
        let body = match saved {
            Some(b) => b,
            // The text goes to someone else: classified titles are written withheld.
            None => draft_text(
                monday,
                &self
                    .draft_of(s.post_id, monday, Clearance::Public, now)
                    .await?,
            ),
        };
        let submitted = row.as_ref().is_some_and(|r| r.status == "submitted");
        Ok(WeeklyView {
            id: row.as_ref().map(|r| r.id),
            post_id: s.post_id,
            person: s.person_name.clone(),
            post_label: s.post_label.clone(),
            unit: s.unit_name.clone(),
            week_start: monday.to_string(),
            week_end: (monday + Duration::days(6)).to_string(),
            due_date: due.to_string(),
            status: row
                .as_ref()
                .map_or("owed", |r| r.status.as_str())
                .to_owned(),
            body,
            drafted,
            draft,
            submitted_at: row.as_ref().and_then(|r| r.submitted_at).map(beijing_time),
            late: row.as_ref().is_some_and(|r| r.late != 0),
            comment: row.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
            commented_at: row.as_ref().and_then(|r| r.commented_at).map(beijing_time),
            urge_count: row.as_ref().map_or(0, |r| r.urge_count),
            may_edit: s.post_id == v.post && !submitted,
            may_comment: submitted && Self::oversees(&v, &s),
        })
    }

    /// Saves one's own report of a week, or submits it (late after the office's day). A
    /// submitted report no longer changes. The chiefs over the person are told.
    pub async fn save_week(
        &self,
        actor: &Actor,
        input: &WeeklyInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        if v.scope.office().is_none() {
            return Err(ServiceError::invalid(
                "post",
                "当前身份不属于办公室（厅），不报送周报告",
            ));
        }
        let s = self.person(&v, v.post).await?;
        if !super::evaluated(&s) {
            return Err(ServiceError::invalid(
                "post",
                "办公室（厅）主任不报送周报告",
            ));
        }
        let monday = rules::week_start(parse_day("week", &input.week)?);
        if monday > xn_domain::calendar::business_date(now) {
            return Err(ServiceError::invalid("week", "这一周尚未开始"));
        }
        let body = input.body.trim();
        if input.submit && body.is_empty() {
            return Err(ServiceError::invalid("body", "请填写周报告内容"));
        }
        if body.chars().count() > 10_000 {
            return Err(ServiceError::invalid("body", "周报告不超过 10000 字"));
        }
        let (day, _) = self.office_settings(s.office_id).await?;
        let due = rules::report_due(monday, day);
        let late = ms(now) >= ms(end_of(due));
        let mut tx = self.svc.db().begin().await?;
        let id = store::ensure_weekly(
            &mut tx,
            s.post_id,
            s.unit_id,
            &monday.to_string(),
            &due.to_string(),
            ms(now),
        )
        .await?;
        if !store::save_weekly(&mut tx, id, body, input.submit, late, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.report_submitted",
                message: "本周报告已报送，不能再修改".into(),
            });
        }
        if input.submit {
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "management.report_submitted",
                Some(format!("weekly_report:{id}")),
                json!({"week": monday.to_string(), "late": late}),
                now,
            )
            .await?;
            let chiefs = self.chiefs_over(&s).await?;
            crate::meetings::tell(
                &mut tx,
                &chiefs,
                "management.report_submitted",
                &format!("weekly_report:{id}"),
                &format!(
                    "{} 报送了 {monday} 起一周的周报告{}",
                    s.person_name,
                    if late { "（迟报）" } else { "" }
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The posts a person's report goes to: their section's chiefs above them, else the
    /// office's 主任 and 副主任.
    async fn chiefs_over(&self, s: &StaffRow) -> Result<Vec<i64>> {
        let all = store::staff_of_offices(self.svc.db(), &[s.office_id]).await?;
        let rank = super::rank_of(&s.position);
        let section: Vec<i64> = all
            .iter()
            .filter(|c| {
                c.unit_id == s.unit_id
                    && c.unit_id != c.office_id
                    && matches!(
                        c.position.as_str(),
                        "section_chief" | "deputy_section_chief"
                    )
                    && super::rank_of(&c.position) < rank
            })
            .map(|c| c.post_id)
            .collect();
        if !section.is_empty() {
            return Ok(section);
        }
        Ok(all
            .iter()
            .filter(|c| {
                c.unit_id == c.office_id
                    && matches!(c.position.as_str(), "director" | "deputy_director")
                    && super::rank_of(&c.position) < rank
            })
            .map(|c| c.post_id)
            .collect())
    }

    /// The chief's comment on a submitted report; the person is told.
    pub async fn comment(
        &self,
        actor: &Actor,
        id: i64,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.viewer(actor).await?;
        let row = store::weekly_by_id(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("周报告"))?;
        let s = self
            .person(&v, row.post_id)
            .await
            .map_err(|_| ServiceError::NotFound("周报告"))?;
        if !Self::oversees(&v, &s) {
            return Err(ServiceError::Forbidden(
                "只有科室负责人或办公室主任、副主任可以批注".into(),
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
        if !store::comment_weekly(&mut tx, id, text, v.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.report_not_submitted",
                message: "周报告尚未报送，不能批注".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.report_commented",
            Some(format!("weekly_report:{id}")),
            json!({"comment": text}),
            now,
        )
        .await?;
        crate::meetings::tell(
            &mut tx,
            &[row.post_id],
            "management.report_commented",
            &format!("weekly_report:{id}"),
            &format!("您 {} 起一周的周报告有新批注：{text}", row.week_start),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The week's reports of the people the viewer oversees (and the viewer's own).
    pub async fn week_table(
        &self,
        actor: &Actor,
        week: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<WeekTable> {
        let v = self.viewer(actor).await?;
        let monday = rules::week_start(week);
        let people = self.overseen_staff(&v).await?;
        let (day, _) = match v.scope.office() {
            Some(o) => self.office_settings(o).await?,
            None => (5, 5),
        };
        let due = rules::report_due(monday, day);
        let today = xn_domain::calendar::business_date(now);
        let posts: Vec<i64> = people.iter().map(|s| s.post_id).collect();
        let rows = store::weeklies(self.svc.db(), &posts, &[monday.to_string()]).await?;
        let mut out = Vec::new();
        let mut owing = false;
        for s in &people {
            let r: Option<&WeeklyRow> = rows.iter().find(|r| r.post_id == s.post_id);
            let status = super::rollups::person_status(r, today, due);
            owing |= matches!(status, "missing" | "draft" | "owed");
            out.push(WeekRow {
                post_id: s.post_id,
                person: s.person_name.clone(),
                post_label: s.post_label.clone(),
                unit: s.unit_name.clone(),
                status: status.to_owned(),
                urge_count: r.map_or(0, |r| r.urge_count),
                commented: r.is_some_and(|r| r.commented_at.is_some()),
            });
        }
        Ok(WeekTable {
            week_start: monday.to_string(),
            due_date: due.to_string(),
            rows: out,
            may_urge: owing && today >= due,
        })
    }

    async fn overseen_staff(&self, v: &Viewer) -> Result<Vec<StaffRow>> {
        Ok(self
            .staff_in_scope(v)
            .await?
            .into_iter()
            .filter(|s| super::evaluated(s) && Self::oversees(v, s))
            .collect())
    }

    /// Urges everyone the viewer oversees whose report of the week is not submitted, once its
    /// day has come: each urge is counted on the report (made if none was saved) and the
    /// person told. Answers who was urged.
    pub async fn urge(
        &self,
        actor: &Actor,
        week: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<UrgeOutcome> {
        let v = self.viewer(actor).await?;
        let monday = rules::week_start(week);
        let people = self.overseen_staff(&v).await?;
        if people.is_empty() {
            return Err(ServiceError::Forbidden(
                "只有科室负责人或办公室主任、副主任可以催报".into(),
            ));
        }
        let today = xn_domain::calendar::business_date(now);
        let posts: Vec<i64> = people.iter().map(|s| s.post_id).collect();
        let rows = store::weeklies(self.svc.db(), &posts, &[monday.to_string()]).await?;
        let mut tx = self.svc.db().begin().await?;
        let mut urged = Vec::new();
        for s in &people {
            if rows
                .iter()
                .any(|r| r.post_id == s.post_id && r.status == "submitted")
            {
                continue;
            }
            let (day, _) = self.office_settings(s.office_id).await?;
            let due = rules::report_due(monday, day);
            if today < due {
                continue;
            }
            let id = store::ensure_weekly(
                &mut tx,
                s.post_id,
                s.unit_id,
                &monday.to_string(),
                &due.to_string(),
                ms(now),
            )
            .await?;
            if !store::urge_weekly(&mut tx, id, ms(now)).await? {
                continue;
            }
            crate::events::record(
                &mut tx,
                &actor.audit(),
                "management.report_urged",
                Some(format!("weekly_report:{id}")),
                json!({"week": monday.to_string(), "post": s.post_id}),
                now,
            )
            .await?;
            crate::meetings::tell(
                &mut tx,
                &[s.post_id],
                "management.report_urged",
                &format!("weekly_report:{id}"),
                &format!("请尽快报送 {monday} 起一周的周报告（应于 {due} 前报送）"),
                now,
            )
            .await?;
            urged.push(s.person_name.clone());
        }
        if urged.is_empty() {
            return Err(ServiceError::invalid(
                "week",
                "没有需要催报的周报告（报送日未到或均已报送）",
            ));
        }
        tx.commit().await?;
        Ok(UrgeOutcome { urged })
    }

    /// The viewer's own recent reports (newest first).
    pub async fn my_weeks(&self, actor: &Actor) -> Result<Vec<(String, String, bool)>> {
        let v = self.viewer(actor).await?;
        Ok(store::weeklies_of_post(self.svc.db(), v.post, 12)
            .await?
            .into_iter()
            .map(|r| (r.week_start, r.status, r.late != 0))
            .collect())
    }
}

/// The drafted text of a week: what the person submits unless they change it (drafted with
/// the lowest clearance, so that classified titles read 「（涉密事项）」).
pub(crate) fn draft_text(monday: NaiveDate, d: &WeeklyDraft) -> String {
    let sunday = monday + Duration::days(6);
    let mut t = format!(
        "本周（{}—{}）工作情况\n",
        monday.format("%m月%d日"),
        sunday.format("%m月%d日")
    );
    let shown = |l: &DraftLine| {
        if l.withheld {
            WITHHELD.to_owned()
        } else {
            l.title.clone()
        }
    };
    let rate = if d.documents_with_deadline > 0 {
        format!(
            "，按期率 {:.0}%",
            rules::rate(d.documents_on_time, d.documents_with_deadline)
        )
    } else {
        String::new()
    };
    t.push_str(&format!(
        "一、办文：办理公文环节 {} 件，其中有办理时限 {} 件、按期 {} 件{rate}。\n",
        d.documents.len(),
        d.documents_with_deadline,
        d.documents_on_time
    ));
    for (i, l) in d.documents.iter().enumerate() {
        t.push_str(&format!("  {}. {}（{}）\n", i + 1, shown(l), l.note));
    }
    t.push_str(&format!("二、办事：完成其他待办 {} 件。\n", d.tasks.len()));
    for (i, l) in d.tasks.iter().enumerate() {
        t.push_str(&format!("  {}. {}（{}）\n", i + 1, shown(l), l.note));
    }
    t.push_str(&format!("三、参加会议 {} 次。\n", d.meetings.len()));
    for (i, l) in d.meetings.iter().enumerate() {
        t.push_str(&format!("  {}. {}（{}）\n", i + 1, shown(l), l.note));
    }
    t.push_str(&format!("四、报送督办进展 {} 次。\n", d.reports.len()));
    for (i, l) in d.reports.iter().enumerate() {
        t.push_str(&format!("  {}. {}（{}）\n", i + 1, shown(l), l.note));
    }
    t.push_str(&format!("五、未按期事项 {} 件。\n", d.slipped.len()));
    for (i, l) in d.slipped.iter().enumerate() {
        t.push_str(&format!("  {}. {}（{}）原因：\n", i + 1, shown(l), l.note));
    }
    t.push_str("下周工作打算：\n");
    t
}
