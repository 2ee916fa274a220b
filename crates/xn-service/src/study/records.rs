//! Field learning (向基层学习) recorded as a visit; training organised by a city office for its
//! county offices, with registration from the counties and attendance; and each person's
//! study minutes of a month with the items behind them.
//!
//! **Training.** A city office's 主任 or 副主任 organises it (title, place, time, the last day
//! to register). The city office's people and the county offices' see it. A county office's
//! post registers itself, or its office's 主任/副主任 register any of the office's people, by
//! the last day; the organiser (or the city office's leaders) records who attended, from the
//! start on. An attended training counts its length in the month it was held.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ladder::end_of;
use xn_domain::org::Clearance;
use xn_domain::study as rules;
use xn_store::study::{self as store, NewTraining, StudyItemRow, TrainingRow};

use super::{
    Learner, Month, Study, beijing, into_invalid, level, month_of_instant, parse_day, parse_time,
    recount,
};
use crate::management::{ManagementScope, SourceItem};
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// A visit as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = study::VisitLine)]
pub struct VisitLine {
    /// Id.
    pub id: i64,
    /// Where.
    pub place: String,
    /// The day.
    pub visited_on: String,
    /// Minutes.
    pub minutes: i64,
    /// What was learnt.
    pub learnt: String,
    /// Who went.
    pub people: Vec<String>,
}

/// A visit to record.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = study::VisitInput)]
pub struct VisitInput {
    /// Where (a county, a township, an enterprise …).
    pub place: String,
    /// The day, `YYYY-MM-DD`.
    pub visited_on: String,
    /// Time spent learning, minutes (1–720).
    pub minutes: i64,
    /// What was learnt.
    pub learnt: String,
    /// Who went (posts of the office); empty: the recorder alone.
    #[serde(default)]
    pub people: Vec<i64>,
}

/// A training as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainingLine {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// When.
    pub when: String,
    /// Where.
    pub place: String,
    /// Last day to register.
    pub register_by: String,
    /// Registered so far.
    pub registered: usize,
    /// Attended so far.
    pub attended: usize,
    /// Whether the viewer is registered.
    pub mine: bool,
}

/// A registration as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationLine {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post.
    pub post_label: String,
    /// The county office.
    pub office: String,
    /// When registered.
    pub registered_at: String,
    /// Attended (Beijing).
    pub attended_at: Option<String>,
}

/// A training with its registrations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrainingView {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// When.
    pub when: String,
    /// Length.
    pub length: String,
    /// Where.
    pub place: String,
    /// Last day to register.
    pub register_by: String,
    /// Registrations (all for the organiser; one's own office's for a county).
    pub registrations: Vec<RegistrationLine>,
    /// The viewer organises it (records attendance).
    pub may_manage: bool,
    /// The viewer may register (a county post, before the last day).
    pub may_register: bool,
    /// The posts the viewer may register: (post, label).
    pub registrable: Vec<(i64, String)>,
}

/// A training to organise.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TrainingInput {
    /// Title.
    pub title: String,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// What it covers.
    #[serde(default)]
    pub description: String,
    /// Start, `YYYY-MM-DD HH:MM` Beijing or RFC 3339.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// Last day to register, `YYYY-MM-DD`.
    pub register_by: String,
}

/// A registration or an attendance.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = study::RegisterInput)]
pub struct RegisterInput {
    /// The post; default the caller's own.
    #[serde(default)]
    pub post_id: Option<i64>,
}

/// One person's study minutes of a month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoursLine {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post.
    pub post_label: String,
    /// The unit.
    pub unit: String,
    /// 学习会、分析会.
    pub session_minutes: i64,
    /// Materials read.
    pub reading_minutes: i64,
    /// Field learning.
    pub field_minutes: i64,
    /// Training.
    pub training_minutes: i64,
    /// All.
    pub total_minutes: i64,
    /// All, in words.
    pub total_text: String,
    /// The evaluation's 学习时长 score.
    pub score: f64,
}

/// The study minutes of everyone the viewer reads (as the management area's scope).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoursView {
    /// `YYYY-MM`.
    pub month: String,
    /// Minutes a month asks for.
    pub target_minutes: i64,
    /// One line per person, the viewer first.
    pub people: Vec<HoursLine>,
}

/// One item behind a person's minutes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordItem {
    /// 学习会 / 分析会 / 阅读材料 / 向基层学习 / 培训.
    pub source: String,
    /// Title (「（涉密事项）」 above the viewer's clearance).
    pub title: String,
    /// Its page.
    pub href: Option<String>,
    /// When.
    pub when: String,
    /// Minutes counted.
    pub minutes: i64,
}

/// One person's record of a month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordView {
    /// The figures.
    pub hours: HoursLine,
    /// `YYYY-MM`.
    pub month: String,
    /// The items.
    pub items: Vec<RecordItem>,
}

fn source_label(i: &StudyItemRow) -> String {
    match i.source.as_str() {
        "session" => rules::SessionKind::from_code(&i.detail)
            .map_or("学习会", rules::SessionKind::label)
            .to_owned(),
        "reading" => "阅读材料".to_owned(),
        "visit" => "向基层学习".to_owned(),
        _ => "培训".to_owned(),
    }
}

fn href_of(i: &StudyItemRow) -> String {
    match i.source.as_str() {
        "session" => format!("/study/sessions/{}", i.ref_id),
        "reading" => format!("/study/materials/{}", i.ref_id),
        "visit" => "/study/visits".to_owned(),
        _ => format!("/study/trainings/{}", i.ref_id),
    }
}

fn when_of(i: &StudyItemRow) -> String {
    if i.source == "visit" {
        i.day.clone()
    } else {
        beijing(i.at)
    }
}

fn withheld(i: &StudyItemRow, reader: Clearance) -> bool {
    i.source == "reading" && !reader.may_see(level(&i.detail))
}

/// An item as the evaluation's drill-down shows it.
pub(crate) fn source_item(i: &StudyItemRow, reader: Clearance) -> SourceItem {
    let hidden = withheld(i, reader);
    SourceItem {
        title: if hidden {
            crate::clearance::WITHHELD.to_owned()
        } else {
            i.title.clone()
        },
        href: if hidden { None } else { Some(href_of(i)) },
        note: format!("{} · {} · {} 分钟", source_label(i), when_of(i), i.minutes),
        withheld: hidden,
    }
}

fn training_when(t: &TrainingRow) -> String {
    super::span(t.starts_at, t.ends_at)
}

impl Study<'_> {
    /// The office's field visits, newest first.
    pub async fn visits(&self, actor: &Actor) -> Result<Vec<VisitLine>> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        let db = self.svc.db();
        let rows = store::visits_of_office(db, office).await?;
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let mut people: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (visit, _, name) in store::visit_people(db, &ids).await? {
            people.entry(visit).or_default().push(name);
        }
        Ok(rows
            .into_iter()
            .map(|v| VisitLine {
                id: v.id,
                place: v.place,
                visited_on: v.visited_on,
                minutes: v.minutes,
                learnt: v.learnt,
                people: people.remove(&v.id).unwrap_or_default(),
            })
            .collect())
    }

    /// Records a field visit of people of the acting post's office (anyone of the office
    /// records one they went on; an organiser one for others). Each person's minutes count in
    /// the visit's month.
    pub async fn record_visit(
        &self,
        actor: &Actor,
        input: &VisitInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        let place = rules::check_text("place", "地点", &input.place, 100).map_err(into_invalid)?;
        let learnt =
            rules::check_text("learnt", "学习收获", &input.learnt, 2000).map_err(into_invalid)?;
        let day = parse_day("visited_on", &input.visited_on)?;
        if from_ms(ms(end_of(day))) > now + chrono::Duration::days(1) {
            return Err(ServiceError::invalid(
                "visited_on",
                "不能记录将来的调研学习",
            ));
        }
        let minutes = rules::check_visit_minutes(input.minutes).map_err(into_invalid)?;
        let mut people = if input.people.is_empty() {
            vec![l.post]
        } else {
            input.people.clone()
        };
        people.sort_unstable();
        people.dedup();
        if !l.organises() && people.iter().any(|p| *p != l.post) {
            return Err(ServiceError::Forbidden(
                "只有办公室（厅）主任、副主任和科长可以为他人记录向基层学习".into(),
            ));
        }
        let staff = xn_store::management::staff_of_offices(self.svc.db(), &[office]).await?;
        if people
            .iter()
            .any(|p| !staff.iter().any(|s| s.post_id == *p))
        {
            return Err(ServiceError::invalid("people", "参加人员应为本办人员"));
        }
        let month = xn_domain::management::month_of(day);
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_visit(
            &mut tx,
            office,
            &place,
            &day.to_string(),
            minutes,
            &learnt,
            &people,
            l.post,
            ms(now),
        )
        .await?;
        for p in &people {
            recount(&mut tx, *p, &month, now).await?;
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.visit_recorded",
            Some(format!("study_visit:{id}")),
            json!({"place": place, "visited_on": day.to_string(), "minutes": minutes,
                   "people": people}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The trainings the viewer sees: its own office's (a city office) and its city office's
    /// (a county office).
    pub async fn trainings(&self, actor: &Actor) -> Result<Vec<TrainingLine>> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        let db = self.svc.db();
        let mut rows = store::trainings_of(db, office).await?;
        if let Some(city) = l.city_office {
            rows.extend(store::trainings_of(db, city).await?);
        }
        let mut out = Vec::new();
        for t in rows {
            let regs = store::registrations_of(db, t.id).await?;
            out.push(TrainingLine {
                id: t.id,
                title: t.title.clone(),
                when: training_when(&t),
                place: t.place.clone(),
                register_by: t.register_by.clone(),
                registered: regs.len(),
                attended: regs.iter().filter(|r| r.attended_at.is_some()).count(),
                mine: regs.iter().any(|r| r.post_id == l.post),
            });
        }
        Ok(out)
    }

    /// Organises a training for the county offices (a city office's 主任, 副主任).
    pub async fn create_training(
        &self,
        actor: &Actor,
        input: &TrainingInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let l = self.learner(actor).await?;
        let office = match &l.scope {
            ManagementScope::Office { office, counties } if !counties.is_empty() => *office,
            _ => {
                return Err(ServiceError::Forbidden(
                    "只有市政府办公室（厅）主任、副主任可以组织面向县（区）的培训".into(),
                ));
            }
        };
        let title =
            rules::check_text("title", "培训名称", &input.title, 200).map_err(into_invalid)?;
        let place = input.place.trim();
        let description = input.description.trim();
        if place.chars().count() > 100 || description.chars().count() > 5000 {
            return Err(ServiceError::invalid(
                "description",
                "地点不超过 100 字，说明不超过 5000 字",
            ));
        }
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        rules::check_span(ms(starts), ms(ends)).map_err(into_invalid)?;
        let by = parse_day("register_by", &input.register_by)?;
        if by > xn_domain::calendar::business_date(starts) {
            return Err(ServiceError::invalid(
                "register_by",
                "报名截止日不能晚于培训开始日",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_training(
            &mut tx,
            &NewTraining {
                office,
                title: &title,
                place,
                description,
                starts_at: ms(starts),
                ends_at: ms(ends),
                register_by: &by.to_string(),
                by: l.post,
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.training_organised",
            Some(format!("study_training:{id}")),
            json!({"starts_at": ms(starts), "ends_at": ms(ends), "register_by": by.to_string()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A training the learner sees (organised by its office or its city office), or 404.
    async fn readable_training(&self, l: &Learner, id: i64) -> Result<TrainingRow> {
        let t = store::find_training(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("培训"))?;
        let office = l.scope.office();
        if office == Some(t.office_unit_id) || l.city_office == Some(t.office_unit_id) {
            Ok(t)
        } else {
            Err(ServiceError::NotFound("培训"))
        }
    }

    fn organises_training(l: &Learner, t: &TrainingRow) -> bool {
        l.post == t.created_by_post_id
            || (l.scope.leads_office() && l.scope.office() == Some(t.office_unit_id))
    }

    /// A training with its registrations: all for the organising office, the viewer's own
    /// office's for a county.
    pub async fn training(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<TrainingView> {
        let l = self.learner(actor).await?;
        let t = self.readable_training(&l, id).await?;
        let db = self.svc.db();
        let organiser_office = l.scope.office() == Some(t.office_unit_id);
        let regs = store::registrations_of(db, id).await?;
        let regs: Vec<RegistrationLine> = regs
            .into_iter()
            .filter(|r| organiser_office || l.scope.office() == Some(r.office_unit_id))
            .map(|r| RegistrationLine {
                post_id: r.post_id,
                person: r.person_name,
                post_label: r.post_label,
                office: r.office_name,
                registered_at: beijing(r.registered_at),
                attended_at: r.attended_at.map(beijing),
            })
            .collect();
        let open = !organiser_office
            && xn_domain::calendar::business_date(now).to_string() <= t.register_by;
        let registrable = if open {
            let office = l.office()?;
            xn_store::management::staff_of_offices(db, &[office])
                .await?
                .into_iter()
                .filter(|s| s.post_id == l.post || l.scope.leads_office())
                .filter(|s| !regs.iter().any(|r| r.post_id == s.post_id))
                .map(|s| {
                    (
                        s.post_id,
                        format!("{} {} {}", s.unit_name, s.post_label, s.person_name),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(TrainingView {
            id,
            title: t.title.clone(),
            description: t.description.clone(),
            when: training_when(&t),
            length: rules::minutes_text((t.ends_at - t.starts_at) / 60_000),
            place: t.place.clone(),
            register_by: t.register_by.clone(),
            registrations: regs,
            may_manage: Self::organises_training(&l, &t),
            may_register: open && !registrable.is_empty(),
            registrable,
        })
    }

    /// A county office's post registers for a training: itself, or (its office's 主任,
    /// 副主任) one of its office's people, by the last day to register.
    pub async fn register(
        &self,
        actor: &Actor,
        id: i64,
        input: &RegisterInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let t = self.readable_training(&l, id).await?;
        let office = l.office()?;
        if l.city_office != Some(t.office_unit_id) {
            return Err(ServiceError::Forbidden(
                "培训面向县（区）政府办公室，由县（区）报名".into(),
            ));
        }
        if xn_domain::calendar::business_date(now).to_string() > t.register_by {
            return Err(ServiceError::Conflict {
                code: "study.registration_closed",
                message: format!("报名已于 {} 截止", t.register_by),
            });
        }
        let post = input.post_id.unwrap_or(l.post);
        if post != l.post && !l.scope.leads_office() {
            return Err(ServiceError::Forbidden(
                "只有本办主任、副主任可以为他人报名".into(),
            ));
        }
        let staff = xn_store::management::staff_of_offices(self.svc.db(), &[office]).await?;
        if !staff.iter().any(|s| s.post_id == post) {
            return Err(ServiceError::invalid("post_id", "报名人员应为本办人员"));
        }
        let mut tx = self.svc.db().begin().await?;
        if !store::register(&mut tx, id, post, office, l.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "study.already_registered",
                message: "已报名".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.registered",
            Some(format!("study_training:{id}")),
            json!({"post": post, "office": office}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organiser records a registered post's attendance, from the training's start.
    pub async fn attend_training(
        &self,
        actor: &Actor,
        id: i64,
        input: &RegisterInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let t = self.readable_training(&l, id).await?;
        if !Self::organises_training(&l, &t) {
            return Err(ServiceError::Forbidden(
                "只有培训的组织者可以登记出勤".into(),
            ));
        }
        if ms(now) < t.starts_at {
            return Err(ServiceError::Conflict {
                code: "study.training_not_begun",
                message: "培训开始后才能登记出勤".into(),
            });
        }
        let post = input
            .post_id
            .ok_or_else(|| ServiceError::invalid("post_id", "请选择出勤人员"))?;
        let mut tx = self.svc.db().begin().await?;
        if !store::attend_training(&mut tx, id, post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "study.not_registered",
                message: "此人未报名或已登记出勤".into(),
            });
        }
        recount(&mut tx, post, &month_of_instant(from_ms(t.starts_at)), now).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.attended",
            Some(format!("study_training:{id}")),
            json!({"post": post}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The month's study minutes of everyone the viewer reads (the management scope: one's
    /// own; a chief's section; an office leader's office), the viewer first.
    pub async fn hours(&self, actor: &Actor, month: &str) -> Result<HoursView> {
        let v = self.svc.management().viewer(actor).await?;
        let m = Month::parse(month)?;
        let mut staff = self.svc.management().staff_in_scope(&v).await?;
        staff.sort_by_key(|s| s.post_id != v.post);
        let posts: Vec<i64> = staff.iter().map(|s| s.post_id).collect();
        let rows = store::hours_of(self.svc.db(), &posts, &m.month).await?;
        let people = staff
            .iter()
            .filter(|s| {
                s.office_id == v.scope.office().unwrap_or(s.office_id) || s.post_id == v.post
            })
            .map(|s| {
                let h = rows
                    .iter()
                    .find(|h| h.post_id == s.post_id)
                    .cloned()
                    .unwrap_or_default();
                HoursLine {
                    post_id: s.post_id,
                    person: s.person_name.clone(),
                    post_label: s.post_label.clone(),
                    unit: s.unit_name.clone(),
                    session_minutes: h.session_minutes,
                    reading_minutes: h.reading_minutes,
                    field_minutes: h.field_minutes,
                    training_minutes: h.training_minutes,
                    total_minutes: h.total_minutes,
                    total_text: rules::minutes_text(h.total_minutes),
                    score: xn_domain::management::round2(rules::hours_score(h.total_minutes)),
                }
            })
            .collect();
        Ok(HoursView {
            month: m.month,
            target_minutes: rules::MONTHLY_TARGET_MINUTES,
            people,
        })
    }

    /// One person's record of a month with the items behind it: one's own, or (`post`) a
    /// person the viewer reads; anyone else 404.
    pub async fn record(
        &self,
        actor: &Actor,
        post: Option<i64>,
        month: &str,
    ) -> Result<RecordView> {
        let v = self.svc.management().viewer(actor).await?;
        let clearance = actor
            .post
            .as_ref()
            .map_or(Clearance::Public, |p| p.clearance);
        let target = post.unwrap_or(v.post);
        let s = self.svc.management().person(&v, target).await?;
        let m = Month::parse(month)?;
        let h = store::hours_of(self.svc.db(), &[target], &m.month)
            .await?
            .pop()
            .unwrap_or_default();
        let items = store::study_items(self.svc.db(), &[target], &m.window()).await?;
        Ok(RecordView {
            hours: HoursLine {
                post_id: target,
                person: s.person_name,
                post_label: s.post_label,
                unit: s.unit_name,
                session_minutes: h.session_minutes,
                reading_minutes: h.reading_minutes,
                field_minutes: h.field_minutes,
                training_minutes: h.training_minutes,
                total_minutes: h.total_minutes,
                total_text: rules::minutes_text(h.total_minutes),
                score: xn_domain::management::round2(rules::hours_score(h.total_minutes)),
            },
            month: m.month,
            items: items
                .iter()
                .map(|i| {
                    let hidden = withheld(i, clearance);
                    RecordItem {
                        source: source_label(i),
                        title: if hidden {
                            crate::clearance::WITHHELD.to_owned()
                        } else {
                            i.title.clone()
                        },
                        href: if hidden { None } else { Some(href_of(i)) },
                        when: when_of(i),
                        minutes: i.minutes,
                    }
                })
                .collect(),
        })
    }
}
