//! 催办通知书 and 通报: a request whose limit passes unanswered draws a 催办通知书 at the start of
//! the next working day, and, still unanswered five working days later, a written 通报. Both
//! are timers of kind [`TimerKind::ServiceDeadline`] on the request's case, one pair per limit
//! (`run_no`: the [`urge_round`] of the 重办 count and the approved 延期), armed at 受理, at
//! 重办 and when an approved 延期 moves the limit: a limit moved after its notice was issued
//! draws a notice of its own when it passes too. A timer that falls after the answer went out,
//! or for a limit since moved, does nothing. The text issued is kept as it was, with the unit
//! it went to.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::{from_shanghai_local, to_shanghai_local};
use xn_domain::flow::TimerKind;
use xn_domain::service::RequestState;
use xn_store::Tx;
use xn_store::flow::JobRow;
use xn_store::service as requests;
use xn_store::service_urges::{self as store, NewUrge, UrgeRow};

use super::Service;
use crate::events::Audit;
use crate::flow::Fired;
use crate::{Result, Services, ms};

/// The timer kind.
pub(crate) const URGE_TIMER: TimerKind = TimerKind::ServiceDeadline;

/// Working days after the 催办通知书 at which the 通报 is written.
pub const BULLETIN_AFTER_DAYS: u32 = 5;

/// Which limit of a request a timer or an issued text belongs to: one per 重办 and approved
/// 延期 (a request has at most one 重办, and far fewer than a thousand 延期).
pub(crate) fn urge_round(reworks: i64, approved_extensions: i64) -> i64 {
    reworks * 1000 + approved_extensions
}

/// The hour of the working day at which both fall (the office opens).
const ISSUE_AT: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// A 催办通知书 or 通报 as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UrgeView {
    /// 催办通知书 / 通报.
    pub kind: String,
    /// 承办单位.
    pub unit: String,
    /// The limit missed.
    pub deadline: String,
    /// Working days past it.
    pub overdue_days: i64,
    /// The text as issued.
    pub body: String,
    /// When (Beijing).
    pub at: String,
}

fn kind_label(kind: &str) -> &'static str {
    if kind == "bulletin" {
        "通报"
    } else {
        "催办通知书"
    }
}

impl From<UrgeRow> for UrgeView {
    fn from(u: UrgeRow) -> UrgeView {
        UrgeView {
            kind: kind_label(&u.kind).into(),
            unit: u.lead_unit_name.unwrap_or_default(),
            deadline: u.deadline,
            overdue_days: u.overdue_days,
            body: u.body,
            at: to_shanghai_local(crate::from_ms(u.created_at))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        }
    }
}

impl Service<'_> {
    /// The 催办通知书 and 通报 of a request, in the order issued.
    pub(super) async fn urges(&self, id: i64) -> Result<Vec<UrgeView>> {
        Ok(store::urges_of(self.svc.db(), id)
            .await?
            .into_iter()
            .map(UrgeView::from)
            .collect())
    }
}

impl Services {
    /// Arms (or moves) the 催办通知书 and 通报 of a round of handling whose limit ends on
    /// `deadline`: 09:00 of the first working day after it, and five working days after that.
    pub(crate) async fn arm_service_urges(
        &self,
        tx: &mut Tx,
        request: i64,
        case_id: i64,
        reworks: i64,
        deadline: NaiveDate,
    ) -> Result<()> {
        let round = urge_round(reworks, store::approved_extensions(tx, request).await?);
        let cal = self.flow_calendar().await?;
        let notice_day = cal.next_working_day(deadline.succ_opt().unwrap_or(deadline));
        let bulletin_day = cal.add_working_days(notice_day, BULLETIN_AFTER_DAYS).date;
        for (rung, day) in [("notice", notice_day), ("bulletin", bulletin_day)] {
            let at = from_shanghai_local(day.and_time(ISSUE_AT));
            xn_store::supervision::arm_timer(tx, URGE_TIMER, case_id, round, rung, ms(at)).await?;
        }
        Ok(())
    }

    /// Arms the 催办 timers of the open requests that have none (accepted before migration
    /// 0054, which could not count working days): run at every start, a no-op once done.
    /// Answers how many were armed.
    pub async fn arm_missing_service_urges(&self) -> Result<usize> {
        let open = store::unarmed_open(self.db()).await?;
        for (id, case, reworks, deadline) in &open {
            let deadline = super::parse_day(deadline)?;
            let mut tx = self.db().begin().await?;
            xn_store::flow::lock_case(&mut tx, *case).await?;
            self.arm_service_urges(&mut tx, *id, *case, *reworks, deadline)
                .await?;
            tx.commit().await?;
        }
        Ok(open.len())
    }

    /// Runs a 催办通知书 or 通报 timer (see the module's note).
    pub(crate) async fn fire_service_urge(
        &self,
        owner: &str,
        job: &JobRow,
        now: DateTime<Utc>,
    ) -> Result<Fired> {
        let mut tx = self.db().begin().await?;
        xn_store::flow::lock_case(&mut tx, job.case_id).await?;
        let effect = match requests::of_case(&mut tx, job.case_id).await? {
            Some(r) => self.issue_urge(&mut tx, &r, job, now).await?,
            None => false,
        };
        let status = if effect { "done" } else { "cancelled" };
        if !xn_store::flow::finish_job(&mut tx, job.id, owner, job.version, status, ms(now)).await?
        {
            return Ok(Fired::Lost);
        }
        tx.commit().await?;
        Ok(if effect {
            Fired::Effect
        } else {
            Fired::Dropped
        })
    }

    async fn issue_urge(
        &self,
        tx: &mut Tx,
        r: &requests::RequestRow,
        job: &JobRow,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let owes = RequestState::from_code(&r.state).is_some_and(RequestState::owes_work);
        let late = r.deadline_at.is_some_and(|d| d < ms(now));
        let round = urge_round(r.reworks, store::approved_extensions(tx, r.id).await?);
        let (Some(deadline), true, true, true) =
            (r.deadline.as_deref(), owes, late, round == job.run_no)
        else {
            return Ok(false);
        };
        let internal = r.channel == xn_domain::service::Channel::Internal.code();
        let (item, asker) = if internal {
            ("内部办事申请", "申请人")
        } else {
            ("服务事项", "诉求人")
        };
        let deadline_words = match (r.limit_hours, r.deadline_at) {
            (Some(_), Some(at)) => super::limit_words(r.limit_hours, crate::from_ms(at)),
            _ => deadline.to_owned(),
        };
        let bulletin = job.rung == "bulletin";
        let cal = self.flow_calendar().await?;
        let today = business_date(now);
        let overdue = super::parse_day(deadline)
            .map(|d| cal.working_days_between(d, today))
            .unwrap_or(0)
            .max(1);
        let office = requests::office_of_government(tx, r.government_id).await?;
        let office_name = match office {
            Some(o) => xn_store::org::find_unit(self.db(), o).await?.name,
            None => r.government_name.clone(),
        };
        // Returned and not yet dispatched again: the office's own dispatchers owe the work.
        let unit = r
            .lead_unit_name
            .clone()
            .unwrap_or_else(|| "派单人员".into());
        let summary: String = r.description.chars().take(30).collect();
        let date = crate::calendar::fmt_date_zh(today);
        let body = if bulletin {
            let noticed = store::urges_of(self.db(), r.id)
                .await?
                .into_iter()
                .find(|u| u.kind == "notice" && u.round == round)
                .map(|u| {
                    format!(
                        "，{}已发出催办通知书",
                        business_date(crate::from_ms(u.created_at))
                    )
                })
                .unwrap_or_default();
            format!(
                "关于{item}{code}超期未答复的通报\n\n{unit}：\n\n你单位承办的{item}（查询码{code}，{cat}：{summary}）办理时限为{deadline_words}{noticed}，至今已超期{overdue}个工作日仍未答复{asker}。现予通报。请立即办理并答复{asker}，同时书面说明超期原因和整改措施。\n\n{office_name}\n{date}",
                code = r.code,
                cat = r.category_name,
            )
        } else {
            format!(
                "催办通知书\n\n{unit}：\n\n{gov}受理的{item}（查询码{code}，{cat}：{summary}）办理时限为{deadline_words}，已超期{overdue}个工作日，尚未答复{asker}。请接此通知后抓紧办理，于1个工作日内答复；确需延期的，请在系统中提出延期申请并说明理由。接此通知后{n}个工作日内仍未答复的，将予以通报。\n\n{office_name}\n{date}",
                gov = r.government_name,
                code = r.code,
                cat = r.category_name,
                n = BULLETIN_AFTER_DAYS,
            )
        };
        let kind = if bulletin { "bulletin" } else { "notice" };
        if !store::insert_urge(
            tx,
            &NewUrge {
                request_id: r.id,
                kind,
                round,
                lead_unit_id: r.lead_unit_id,
                lead_post_id: r.lead_post_id,
                deadline,
                overdue_days: overdue,
                body: &body,
            },
            ms(now),
        )
        .await?
        {
            return Ok(false);
        }
        // The lead post and the dispatchers are told; a 通报 also goes to the heads of the
        // lead unit's office.
        let mut told: Vec<i64> = r.lead_post_id.into_iter().collect();
        told.extend(self.service_dispatchers(tx, r.government_id).await?);
        if bulletin && let Some(unit) = r.lead_unit_id {
            let head_office = requests::office_of_government(tx, unit)
                .await?
                .unwrap_or(unit);
            told.extend(requests::posts_in_office(tx, head_office, &["director"]).await?);
        }
        told.sort_unstable();
        told.dedup();
        let label = kind_label(kind);
        crate::meetings::tell(
            tx,
            &told,
            if bulletin {
                "service.urge_bulletin"
            } else {
                "service.urge_notice"
            },
            &format!("service:{}", r.id),
            &format!(
                "服务事项 {} 超期{overdue}个工作日未答复，已发出{label}",
                r.code
            ),
            now,
        )
        .await?;
        crate::events::record(
            tx,
            &Audit {
                person_id: None,
                post_id: None,
                ip: None,
            },
            "service.urged",
            Some(format!("service:{}", r.id)),
            json!({"kind": kind, "round": round, "unit": r.lead_unit_id,
                   "deadline": deadline, "overdue_days": overdue}),
            now,
        )
        .await?;
        Ok(true)
    }
}
