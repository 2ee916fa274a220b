//! 学习: the office's study, beside 管理. Materials (精品材料, 一般材料) with required readers
//! and a reading record (`materials`); 学习会 and 分析会 with sign-in by code or by the staff,
//! notes and each attendee's 心得 (`sessions`); field learning, training organised by a city
//! office for its county offices, and each person's study minutes per month (`records`),
//! which the monthly evaluation's 学习时长 factor reads (`factor_findings`).
//!
//! The front door is [`Study`] (`services.study()`). Who sees what follows the management
//! area's scope (a person in an office; an office's 主任, 副主任 and a section's 科长 organise):
//! a material is seen by its office's people, by the county offices below when it is shared
//! with them, and by anyone required to read it, each within their clearance (a material above
//! it answers as missing); a session and a visit by their office's people; a training by the
//! organising city office and its county offices. Nothing else is told apart by the pages.
//!
//! **Study minutes** are stored per post and month (`study_hours`) in the transaction of the
//! write that changes them (a sign-in, a reading marked, a visit, an attendance), so the
//! evaluation reads a stored figure: sessions signed in to by their length, materials read by
//! the minutes counted ([`xn_domain::study::reading_counted`]), field visits by their declared
//! time, trainings attended by their length; each counted in the month it took place.

mod demo;
mod materials;
mod records;
mod sessions;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use xn_domain::flow::ladder::{end_of, start_of};
use xn_domain::management as mrules;
use xn_domain::org::Clearance;
use xn_domain::study as rules;
use xn_store::study::{self as store, MonthWindow};

use crate::management::{ManagementScope, SourceItem};
use crate::{Actor, Result, ServiceError, Services, from_ms, ms};

pub use materials::{MaterialInput, MaterialLine, MaterialView, MaterialsView, ReaderLine};
pub use records::{
    HoursLine, HoursView, RecordItem, RecordView, RegisterInput, TrainingInput, TrainingLine,
    TrainingView, VisitInput, VisitLine,
};
pub use sessions::{
    AttendanceInput, AttendeeLine, CheckinInput, CodeScreen, NotesInput, ReflectionInput,
    SessionInput, SessionLine, SessionView,
};

/// 学习's front door: `services.study()`.
#[derive(Clone, Copy)]
pub struct Study<'a> {
    svc: &'a Services,
}

impl Services {
    /// The study area (学习: materials, sessions, field learning, training, study hours).
    pub fn study(&self) -> Study<'_> {
        Study { svc: self }
    }
}

/// The acting post as the study area sees it.
#[derive(Debug, Clone)]
pub(crate) struct Learner {
    pub(crate) post: i64,
    pub(crate) clearance: Clearance,
    pub(crate) scope: ManagementScope,
    /// The post's unit and every unit above it.
    pub(crate) chain: Vec<i64>,
    /// The office of the government above the post's office (a county's city office).
    pub(crate) city_office: Option<i64>,
}

impl Learner {
    /// The post's office, or a refusal for a post outside any office.
    pub(crate) fn office(&self) -> Result<i64> {
        self.scope.office().ok_or_else(|| {
            ServiceError::Forbidden("当前身份不属于办公室（厅），没有学习记录".into())
        })
    }

    /// Whether the post organises its office's study (主任, 副主任, a section's 科长, 副科长).
    pub(crate) fn organises(&self) -> bool {
        matches!(
            self.scope,
            ManagementScope::Office { .. } | ManagementScope::Section { .. }
        )
    }
}

/// One of the office's people as the forms offer them (主讲人, 参加人员, a visit's people).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OfficePerson {
    /// Post.
    pub post_id: i64,
    /// 「秘书一科 秘书 王晓东」.
    pub label: String,
}

impl Study<'_> {
    /// The people of the acting post's office, the acting post first, when it may name others
    /// (it organises the office's study); otherwise none.
    pub async fn office_people(&self, actor: &Actor) -> Result<Vec<OfficePerson>> {
        let l = self.learner(actor).await?;
        if !l.organises() {
            return Ok(Vec::new());
        }
        let mut people: Vec<OfficePerson> =
            xn_store::management::staff_of_offices(self.svc.db(), &[l.office()?])
                .await?
                .into_iter()
                .map(|s| OfficePerson {
                    post_id: s.post_id,
                    label: format!("{} {} {}", s.unit_name, s.post_label, s.person_name),
                })
                .collect();
        people.sort_by_key(|p| p.post_id != l.post);
        Ok(people)
    }

    /// The acting post with its scope, units and city office.
    pub(crate) async fn learner(&self, actor: &Actor) -> Result<Learner> {
        let v = self.svc.management().viewer(actor).await?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let chain = store::unit_chain(self.svc.db(), post.unit_id).await?;
        let city_office = match v.scope.office() {
            Some(o) => xn_store::management::office_above(self.svc.db(), o).await?,
            None => None,
        };
        Ok(Learner {
            post: v.post,
            clearance: post.clearance,
            scope: v.scope,
            chain,
            city_office,
        })
    }
}

/// The month an instant falls in (Beijing).
pub(crate) fn month_of_instant(at: DateTime<Utc>) -> String {
    mrules::month_of(xn_domain::calendar::business_date(at))
}

/// A month's window for counting.
pub(crate) struct Month {
    pub(crate) month: String,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) first: String,
    pub(crate) last: String,
}

impl Month {
    pub(crate) fn parse(month: &str) -> Result<Month> {
        let (first, last) = mrules::month_bounds(month).map_err(into_invalid)?;
        Ok(Month {
            month: mrules::month_of(first),
            from: ms(start_of(first)),
            to: ms(end_of(last)),
            first: first.to_string(),
            last: last.to_string(),
        })
    }

    pub(crate) fn window(&self) -> MonthWindow<'_> {
        MonthWindow {
            month: &self.month,
            from: self.from,
            to: self.to,
            first: &self.first,
            last: &self.last,
        }
    }
}

/// Recounts a post's study minutes of a month, in the write's transaction.
pub(crate) async fn recount(
    tx: &mut xn_store::Tx,
    post: i64,
    month: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let m = Month::parse(month)?;
    store::recompute_hours(tx, post, &m.window(), ms(now)).await?;
    Ok(())
}

/// A domain rule's refusal as a form error.
pub(crate) fn into_invalid(e: mrules::Invalid) -> ServiceError {
    ServiceError::invalid(e.field, e.message)
}

/// A time typed as RFC 3339 or `YYYY-MM-DD HH:MM` (Beijing).
pub(crate) fn parse_time(field: &'static str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(crate::meetings::from_beijing(t));
        }
    }
    Err(ServiceError::invalid(
        field,
        format!("时间“{s}”无法识别，请按“2026-12-01 09:00”填写"),
    ))
}

/// A day typed as `YYYY-MM-DD`.
pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid(field, "日期格式应为 YYYY-MM-DD"))
}

/// An instant as shown (Beijing).
pub(crate) fn beijing(at: i64) -> String {
    xn_domain::calendar::hours::to_shanghai_local(from_ms(at))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A span of time as shown (Beijing): `2026-11-20 15:00—17:00`, an end on the next day as
/// `次日 01:00`, a later end with its date.
pub(crate) fn span(starts: i64, ends: i64) -> String {
    let (s, e) = (
        xn_domain::calendar::hours::to_shanghai_local(from_ms(starts)),
        xn_domain::calendar::hours::to_shanghai_local(from_ms(ends)),
    );
    let end = if e.date() == s.date() {
        e.format("%H:%M").to_string()
    } else if s.date().succ_opt() == Some(e.date()) {
        format!("次日 {}", e.format("%H:%M"))
    } else {
        e.format("%Y-%m-%d %H:%M").to_string()
    };
    format!("{}—{end}", beijing(starts))
}

/// A 密级 code as a level (an unknown code is treated as the highest).
pub(crate) fn level(code: &str) -> Clearance {
    crate::meetings::clearance_of(code)
}

/// The 学习时长 factor of some posts for a month: post → (score, figures, items). Every post
/// gets a line; no study is 0 minutes, a score of 0.
pub(crate) async fn factor_findings(
    svc: &Services,
    posts: &[i64],
    month: &str,
    reader: Clearance,
    with_items: bool,
) -> Result<HashMap<i64, (f64, String, Vec<SourceItem>)>> {
    let m = Month::parse(month)?;
    let hours: HashMap<i64, _> = store::hours_of(svc.db(), posts, &m.month)
        .await?
        .into_iter()
        .map(|h| (h.post_id, h))
        .collect();
    let items = if with_items {
        store::study_items(svc.db(), posts, &m.window()).await?
    } else {
        Vec::new()
    };
    let mut out: HashMap<i64, (f64, String, Vec<SourceItem>)> = HashMap::new();
    for p in posts {
        let h = hours.get(p).cloned().unwrap_or_default();
        out.insert(
            *p,
            (
                rules::hours_score(h.total_minutes),
                format!(
                    "本月学习 {}（学习会、分析会 {} 分钟，阅读材料 {} 分钟，向基层学习 {} 分钟，培训 {} 分钟）",
                    rules::minutes_text(h.total_minutes),
                    h.session_minutes,
                    h.reading_minutes,
                    h.field_minutes,
                    h.training_minutes
                ),
                Vec::new(),
            ),
        );
    }
    for i in items {
        let Some(e) = out.get_mut(&i.post_id) else {
            continue;
        };
        e.2.push(records::source_item(&i, reader));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn a_span_says_the_next_day_and_dates_a_later_end() {
        // 2026-11-20 15:00 Beijing is 07:00 UTC.
        let at = |h: i64| 1_795_158_000_000 + h * 3_600_000;
        assert_eq!(span(at(0), at(2)), "2026-11-20 15:00—17:00");
        assert_eq!(span(at(8), at(11)), "2026-11-20 23:00—次日 02:00");
        assert_eq!(span(at(0), at(49)), "2026-11-20 15:00—2026-11-22 16:00");
    }
}
