//! The timers of the escalation ladder, run from the job table with leases.
//!
//! A server claims due timers with a lease (owner, expiry, version); it then gives each one its
//! effect (a due-soon notice, or a yellow or red card against every post still holding the
//! step) and marks it done in the same transaction, checking that it still holds the lease at
//! the version it claimed. A server that dies after claiming leaves the lease to expire; the
//! next claim takes the timer over and the dead server's late commit, if any, finds its version
//! stale and rolls back. Each timer therefore has exactly one effect, whatever the number of
//! servers.
//!
//! A step's ladder is one row at a time: entering the step arms its first rung only, and a
//! rung that falls arms the next in the same transaction (computed from the step's deadline
//! as its entry computed the first), while the step is still open. A sweep claims again for
//! the rungs so armed that are already due, so a server that was down past the red day gives
//! the yellow and the red card in its first sweep, as when every rung was armed at once.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use xn_domain::calendar::Calendar;
use xn_domain::flow::ladder::{Rung, rungs};
use xn_domain::flow::{CaseState, CaseStatus, ProcessDef, RunState, TimerKind};
use xn_store::flow::{JobRow, NewCard};

use crate::events::Audit;
use crate::{Result, Services, ms};

/// Claims in one sweep: a ladder has three rungs, each armed when the one before it falls.
const LADDER_ROUNDS: usize = 3;

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Timers claimed.
    pub claimed: usize,
    /// Timers that had their effect.
    pub fired: usize,
    /// Timers no longer relevant (the step was done), closed without effect.
    pub dropped: usize,
    /// Timers whose lease was lost before commit (another server has them).
    pub lost: usize,
}

impl Services {
    /// Gives back the leases `owner` still holds on timers not done: what a server does as it
    /// stops, after its last sweep, so that another server takes them at once. Answers how many.
    pub async fn release_timer_leases(&self, owner: &str) -> Result<u64> {
        Ok(xn_store::flow::release_jobs(self.db(), owner).await?)
    }

    /// Claims and runs the timers due at `now` for `owner`, holding each lease for `lease`.
    pub async fn run_due_timers(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: i64,
    ) -> Result<Sweep> {
        let mut sweep = Sweep::default();
        // A rung that falls arms the next one, which may be due already (a server that was
        // down past both the yellow and the red day): the claim is repeated, once per rung a
        // ladder has at most, so that one sweep gives everything due by `now`.
        for _ in 0..LADDER_ROUNDS {
            let left = limit - i64::try_from(sweep.claimed).unwrap_or(i64::MAX);
            if left <= 0 {
                break;
            }
            let jobs = xn_store::flow::claim_jobs(self.db(), owner, ms(now), ms(now + lease), left)
                .await?;
            if jobs.is_empty() {
                break;
            }
            sweep.claimed += jobs.len();
            for job in jobs {
                match self.fire(owner, &job, now).await? {
                    Fired::Effect => sweep.fired += 1,
                    Fired::Dropped => sweep.dropped += 1,
                    Fired::Lost => sweep.lost += 1,
                }
            }
        }
        Ok(sweep)
    }

    async fn fire(&self, owner: &str, job: &JobRow, now: DateTime<Utc>) -> Result<Fired> {
        let Some(kind) = TimerKind::from_code(&job.kind) else {
            // A kind this build does not know (written by a newer build sharing the database):
            // left to that build; the lease expires and it is claimed again.
            tracing::error!(job = job.id, kind = %job.kind, "timer of an unknown kind left alone");
            return Ok(Fired::Lost);
        };
        self.fire_timer(kind, owner, job, now).await
    }

    /// Runs a timer of the flow's own ladder: a warning or a card against whoever still holds
    /// the step (or, for the case's deadline, any step).
    pub(crate) async fn fire_rung(
        &self,
        owner: &str,
        job: &JobRow,
        now: DateTime<Utc>,
    ) -> Result<Fired> {
        // Read before the write transaction opens (cached; on SQLite a read through the pool
        // while this transaction holds the write lock would wait for a connection).
        let cal = self.flow_calendar().await?;
        let mut tx = self.db().begin().await?;
        let case = xn_store::flow::lock_case(&mut tx, job.case_id).await?;
        let state: CaseState = super::stored::decode(&case.state)?;
        let rung = Rung::from_code(&job.rung);
        // The ladder's next rung, armed now that this one falls, whether it has an effect or
        // not, while the deadline still runs (see `persist::job_ops`).
        if let Some(rung) = rung {
            let def = self.process_def(case.process_id).await?;
            if let Some((next, at)) = next_rung(&def, &cal, &state, job.run_no, rung) {
                xn_store::flow::arm_next_job(&mut tx, job.case_id, job.run_no, next.code(), ms(at))
                    .await?;
            }
        }
        // The holders still owing the step (or, for the case's own deadline, every step).
        let (due_date, holders): (Option<String>, Vec<i64>) = if job.run_no == 0 {
            let holders = state
                .tasks
                .iter()
                .filter(|t| t.state.is_pending() && t.kind == xn_domain::flow::TaskKind::Task)
                .filter(|t| {
                    state
                        .run(t.run)
                        .is_some_and(|r| r.state == RunState::Active)
                })
                .map(|t| t.post)
                .collect();
            (state.due.as_ref().map(|d| d.date.to_string()), holders)
        } else {
            let run = state.run(u32::try_from(job.run_no).unwrap_or(0));
            match run {
                Some(r) if r.state == RunState::Active => (
                    r.due.as_ref().map(|d| d.date.to_string()),
                    state
                        .tasks
                        .iter()
                        .filter(|t| {
                            t.run == r.no
                                && t.state.is_pending()
                                && t.kind == xn_domain::flow::TaskKind::Task
                        })
                        .map(|t| t.post)
                        .collect(),
                ),
                _ => (None, Vec::new()),
            }
        };
        let relevant = state.status == CaseStatus::Running
            && !holders.is_empty()
            && rung.is_some()
            && due_date.is_some();
        if !relevant {
            let ok = xn_store::flow::finish_job(
                &mut tx,
                job.id,
                owner,
                job.version,
                "cancelled",
                ms(now),
            )
            .await?;
            if !ok {
                return Ok(Fired::Lost);
            }
            tx.commit().await?;
            return Ok(Fired::Dropped);
        }
        let (Some(rung), Some(due_date)) = (rung, due_date) else {
            return Ok(Fired::Dropped);
        };
        let step = if job.run_no == 0 {
            "整个事项".to_owned()
        } else {
            let def = self.process_def(case.process_id).await?;
            state
                .run(u32::try_from(job.run_no).unwrap_or(0))
                .and_then(|r| def.step(&r.step))
                .map(|s| s.name.clone())
                .unwrap_or_default()
        };
        let kind = match rung {
            Rung::DueSoon => "flow.due_soon",
            Rung::Yellow => "flow.yellow_card",
            Rung::Red => "flow.red_card",
        };
        for post in &holders {
            if rung != Rung::DueSoon {
                let unit = xn_store::flow::post_unit(&mut tx, *post)
                    .await?
                    .map(|(u, _)| u);
                xn_store::flow::insert_card(
                    &mut tx,
                    &NewCard {
                        job_id: job.id,
                        case_id: job.case_id,
                        run_no: job.run_no,
                        color: if rung == Rung::Red { "red" } else { "yellow" },
                        post_id: Some(*post),
                        unit_id: unit,
                        due_date: &due_date,
                    },
                    ms(now),
                )
                .await?;
            }
            let message = match rung {
                Rung::DueSoon => format!(
                    "「{}」的「{step}」将于 {due_date} 到期，请抓紧办理",
                    case.title
                ),
                Rung::Yellow => format!(
                    "「{}」的「{step}」已超过办理时限 {due_date}，亮黄牌",
                    case.title
                ),
                Rung::Red => format!(
                    "「{}」的「{step}」严重超期（时限 {due_date}），亮红牌",
                    case.title
                ),
            };
            xn_store::notifications::insert_notification(
                &mut tx,
                &xn_store::notifications::NewNotification {
                    post_id: *post,
                    kind,
                    subject: Some(&format!("case:{}", job.case_id)),
                    message: &message,
                },
                ms(now),
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &Audit { person_id: None, post_id: None, ip: None },
            kind,
            Some(format!("case:{}", job.case_id)),
            json!({"job": job.id, "run": job.run_no, "rung": rung.code(), "due_date": due_date, "posts": holders, "step": step, "by": owner}),
            now,
        )
        .await?;
        if !xn_store::flow::finish_job(&mut tx, job.id, owner, job.version, "done", ms(now)).await?
        {
            // Another server took the lease over: drop everything written here.
            return Ok(Fired::Lost);
        }
        tx.commit().await?;
        Ok(Fired::Effect)
    }

    /// The earliest pending timer (to sleep until it).
    pub async fn next_timer_due(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(xn_store::flow::next_job_due(self.db())
            .await?
            .map(crate::from_ms))
    }
}

/// The rung after `fired` on the ladder of a run (0: the case's own deadline) while its
/// deadline still runs, and when it falls; computed as the step's entry computed the first.
fn next_rung(
    def: &ProcessDef,
    cal: &Calendar,
    state: &CaseState,
    run_no: i64,
    fired: Rung,
) -> Option<(Rung, DateTime<Utc>)> {
    if state.status != CaseStatus::Running {
        return None;
    }
    let (due, entered) = if run_no == 0 {
        let entered = state.runs.first()?.entered_at;
        (state.due.as_ref()?, entered)
    } else {
        let run = state.run(u32::try_from(run_no).ok()?)?;
        if run.state != RunState::Active {
            return None;
        }
        (run.due.as_ref()?, run.entered_at)
    };
    rungs(due, &def.ladder, cal, entered)
        .into_iter()
        .find(|(r, _)| *r > fired)
}

/// What firing a timer did.
pub(crate) enum Fired {
    /// It had its effect.
    Effect,
    /// It was no longer relevant and was closed without effect.
    Dropped,
    /// Another server holds its lease now (or it is not this build's to run): nothing written.
    Lost,
}
