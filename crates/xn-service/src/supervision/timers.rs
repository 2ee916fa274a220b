//! The supervision area's timers, run by the same lease-claimed sweep as the flow's (see
//! `flow::timers`): an item's deadline ladder (临期提醒, 黄牌, 红牌 against the lead unit and
//! post) and each progress report's due day (逾期未报). The effect and the timer's completion
//! commit together, under the lease's version, so each has exactly one effect. Arming them
//! (at 立项, at 签收, after a change or a send-back) is here too.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use xn_domain::flow::TimerKind;
use xn_domain::flow::engine::Due;
use xn_domain::flow::ladder::{Rung, rungs};
use xn_domain::supervision::{self as domain, ItemState, ReportCycle};
use xn_store::Tx;
use xn_store::flow::{JobRow, NewCard};
use xn_store::supervision::{self as store, ItemRow};

use super::{DEADLINE_TIMER, REPORT_TIMER};
use crate::events::Audit;
use crate::flow::Fired;
use crate::{Result, Services, ms};

impl Services {
    #[expect(
        clippy::collapsible_match,
        reason = "marking a report missed is an awaited write; a match guard cannot await"
    )]
    pub(crate) async fn fire_supervision(
        &self,
        owner: &str,
        kind: TimerKind,
        job: &JobRow,
        now: DateTime<Utc>,
    ) -> Result<Fired> {
        let mut tx = self.db().begin().await?;
        // Serialize with actions on the item's case.
        xn_store::flow::lock_case(&mut tx, job.case_id).await?;
        let item = store::item_of_case(&mut tx, job.case_id).await?;
        let state = item.as_ref().and_then(|i| ItemState::parse(&i.state));
        let system = Audit {
            person_id: None,
            post_id: None,
            ip: None,
        };
        let effect = match (item, kind) {
            (Some(item), DEADLINE_TIMER) if state.is_some_and(ItemState::owes_work) => {
                match Rung::from_code(&job.rung) {
                    Some(rung) => {
                        let (kind, text) = match rung {
                            Rung::DueSoon => (
                                "supervision.due_soon",
                                format!(
                                    "督办事项「{}」将于 {} 到期，请抓紧办理",
                                    item.title, item.deadline
                                ),
                            ),
                            Rung::Yellow => (
                                "supervision.yellow_card",
                                format!(
                                    "督办事项「{}」已超过办理时限 {}，{} 被亮黄牌",
                                    item.title, item.deadline, item.lead_unit_name
                                ),
                            ),
                            Rung::Red => (
                                "supervision.red_card",
                                format!(
                                    "督办事项「{}」严重超期（时限 {}），{} 被亮红牌",
                                    item.title, item.deadline, item.lead_unit_name
                                ),
                            ),
                        };
                        if rung != Rung::DueSoon {
                            xn_store::flow::insert_card(
                                &mut tx,
                                &NewCard {
                                    job_id: job.id,
                                    case_id: job.case_id,
                                    run_no: 0,
                                    color: if rung == Rung::Red { "red" } else { "yellow" },
                                    post_id: Some(item.lead_post_id),
                                    unit_id: Some(item.lead_unit_id),
                                    due_date: &item.deadline,
                                },
                                ms(now),
                            )
                            .await?;
                        }
                        // The lead post, and the one who assigned it (its superior in this
                        // matter), are told.
                        let mut told = vec![item.lead_post_id];
                        if rung != Rung::DueSoon && item.created_post_id != item.lead_post_id {
                            told.push(item.created_post_id);
                        }
                        for post in told {
                            xn_store::notifications::insert_notification(
                                &mut tx,
                                &xn_store::notifications::NewNotification {
                                    post_id: post,
                                    kind,
                                    subject: Some(&format!("supervision:{}", item.id)),
                                    message: &text,
                                },
                                ms(now),
                            )
                            .await?;
                        }
                        crate::events::record(
                            &mut tx,
                            &system,
                            kind,
                            Some(format!("case:{}", job.case_id)),
                            json!({"item": item.id, "job": job.id, "rung": rung.code(),
                                   "due_date": item.deadline, "post": item.lead_post_id,
                                   "unit": item.lead_unit_id, "by": owner}),
                            now,
                        )
                        .await?;
                        true
                    }
                    None => false,
                }
            }
            (Some(item), REPORT_TIMER) if state.is_some_and(|s| s != ItemState::Closed) => {
                if store::mark_missed(&mut tx, item.id, job.run_no).await? {
                    let text = format!(
                        "督办事项「{}」第 {} 次进展未按期报送",
                        item.title, job.run_no
                    );
                    for post in [item.lead_post_id, item.created_post_id] {
                        xn_store::notifications::insert_notification(
                            &mut tx,
                            &xn_store::notifications::NewNotification {
                                post_id: post,
                                kind: "supervision.report_missed",
                                subject: Some(&format!("supervision:{}", item.id)),
                                message: &text,
                            },
                            ms(now),
                        )
                        .await?;
                    }
                    crate::events::record(
                        &mut tx,
                        &system,
                        "supervision.report_missed",
                        Some(format!("case:{}", job.case_id)),
                        json!({"item": item.id, "seq": job.run_no, "post": item.lead_post_id,
                               "unit": item.lead_unit_id, "by": owner}),
                        now,
                    )
                    .await?;
                    true
                } else {
                    false
                }
            }
            _ => false,
        };
        let status = if effect { "done" } else { "cancelled" };
        if !xn_store::flow::finish_job(&mut tx, job.id, owner, job.version, status, ms(now)).await?
        {
            // Another server took the lease over: drop everything written here.
            return Ok(Fired::Lost);
        }
        tx.commit().await?;
        Ok(if effect {
            Fired::Effect
        } else {
            Fired::Dropped
        })
    }

    /// Arms the ladder of an item's deadline (临期提醒, 黄牌, 红牌). With `catch_up`, rungs
    /// whose time has passed fall at once (an item sent back after its deadline).
    pub(crate) async fn arm_deadline(
        &self,
        tx: &mut Tx,
        case_id: i64,
        deadline: NaiveDate,
        now: DateTime<Utc>,
        catch_up: bool,
    ) -> Result<()> {
        let case = xn_store::flow::lock_case(tx, case_id).await?;
        let def = self.process_def(case.process_id).await?;
        let cal = self.flow_calendar().await?;
        let due = Due {
            at: xn_domain::flow::ladder::end_of(deadline),
            date: deadline,
            provisional: cal.is_provisional(deadline),
            explanation: String::new(),
            working_days: None,
            working_hours: None,
        };
        for (rung, at) in rungs(&due, &def.ladder, &cal, crate::from_ms(case.created_at)) {
            let at = if catch_up {
                if rung == Rung::DueSoon && at < now {
                    continue;
                }
                at.max(now)
            } else {
                at
            };
            store::arm_timer(tx, DEADLINE_TIMER, case_id, 0, rung.code(), ms(at)).await?;
        }
        Ok(())
    }

    /// Schedules the progress reports from `from` to the deadline, numbering after `after_seq`.
    pub(crate) async fn schedule_reports(
        &self,
        tx: &mut Tx,
        item: &ItemRow,
        from: NaiveDate,
        deadline: NaiveDate,
        after_seq: i64,
    ) -> Result<usize> {
        let Some(cycle) = ReportCycle::parse(&item.report_cycle) else {
            return Ok(0);
        };
        let cal = self.flow_calendar().await?;
        let day = crate::exact("the item's report day", item.report_day)?;
        let dates = domain::report_due_dates(&cal, cycle, day, from, deadline);
        let rows: Vec<(i64, String)> = dates
            .iter()
            .enumerate()
            .map(|(i, d)| (after_seq + 1 + i64::try_from(i).unwrap_or(0), d.to_string()))
            .collect();
        store::insert_reports(tx, item.id, &rows).await?;
        for ((seq, _), d) in rows.iter().zip(&dates) {
            let at = xn_domain::flow::ladder::end_of(*d);
            store::arm_timer(tx, REPORT_TIMER, item.case_id, *seq, "missed", ms(at)).await?;
        }
        Ok(rows.len())
    }
}
