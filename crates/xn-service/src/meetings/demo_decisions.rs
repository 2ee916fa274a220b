//! The demo's 议定事项 followed through supervision: after the demo meetings are loaded, every
//! decision item of their issued 纪要 is worked on by its lead unit and closed by the office's
//! supervising section through the supervision service, in time order, with the lateness a
//! real office shows — most closed a few days before their deadline, some late (days or weeks
//! after it), one in ten still open; items whose day has not come are left in progress. So the
//! 会议效能 figures of the demo year have something to count: 议定事项 done on time and late.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use xn_store::meetings::minutes as mstore;

use super::from_beijing;
use crate::auth::Client;
use crate::{Result, Services};

/// Days from the deadline to the closing, in turn (negative: before it); `None`: left open.
const CLOSED_AFTER_DEADLINE: [Option<i64>; 10] = [
    Some(-3),
    Some(-1),
    Some(-6),
    Some(4),
    Some(-2),
    Some(0),
    Some(12),
    Some(-4),
    None,
    Some(25),
];

/// One step of the follow-through: when, which item, what.
struct Step {
    at: DateTime<Utc>,
    item: i64,
    what: What,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Report,
    Apply,
    Review,
}

fn at_day(d: NaiveDate, h: u32) -> DateTime<Utc> {
    from_beijing(d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()))
}

impl Services {
    /// Works and closes the decision items of the given meetings up to `now` (see the module's
    /// note); answers how many were closed.
    pub(super) async fn demo_follow_decisions(
        &self,
        meetings: &[i64],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut steps = Vec::new();
        let mut n = 0_usize;
        for id in meetings {
            for d in mstore::decisions_of(self.db(), *id).await? {
                let Some(item) = d.supervision_item_id else {
                    continue;
                };
                let row = xn_store::supervision::find_item(self.db(), item).await?;
                let Ok(deadline) = NaiveDate::parse_from_str(&row.deadline, "%Y-%m-%d") else {
                    continue;
                };
                let pattern = CLOSED_AFTER_DEADLINE
                    .get(n % CLOSED_AFTER_DEADLINE.len())
                    .copied()
                    .flatten();
                n += 1;
                let Some(after) = pattern else {
                    // Left open: a progress report a week before the deadline, nothing since.
                    steps.push(Step {
                        at: at_day(deadline - Duration::days(7), 10),
                        item,
                        what: What::Report,
                    });
                    continue;
                };
                let closed = deadline + Duration::days(after);
                steps.push(Step {
                    at: at_day(closed - Duration::days(4), 10),
                    item,
                    what: What::Report,
                });
                steps.push(Step {
                    at: at_day(closed, 10),
                    item,
                    what: What::Apply,
                });
                steps.push(Step {
                    at: at_day(closed, 16),
                    item,
                    what: What::Review,
                });
            }
        }
        steps.sort_by_key(|s| (s.at, s.item));
        let client = Client::default();
        let mut closed = 0;
        for s in steps.into_iter().filter(|s| s.at < now) {
            let row = xn_store::supervision::find_item(self.db(), s.item).await?;
            if row.state == "closed" || row.signed_at.is_none_or(|t| t > crate::ms(s.at)) {
                continue;
            }
            // The post holding the item's open step does it (the lead post, then the section).
            let tasks = xn_store::flow::tasks_of_case(self.db(), row.case_id).await?;
            let Some(task) = tasks
                .iter()
                .filter(|t| t.state == "open" && t.kind == "task")
                .max_by_key(|t| t.task_no)
            else {
                continue;
            };
            let post = if s.what == What::Review {
                task.post_id
            } else {
                row.lead_post_id
            };
            let person = xn_store::org::find_post(self.db(), post).await?.person_id;
            let actor = self
                .actor_for(person, Some(post), None, &client, s.at)
                .await?;
            let sup = self.supervision();
            match s.what {
                What::Report => {
                    sup.report(&actor, s.item, "已制定工作方案，正在按计划推进", s.at)
                        .await?;
                }
                What::Apply => {
                    sup.apply_close(&actor, s.item, "已按会议要求完成，附完成情况报告", s.at)
                        .await?;
                }
                What::Review => {
                    sup.review(&actor, s.item, true, "经核实已完成，同意销号", s.at)
                        .await?;
                    closed += 1;
                }
            }
        }
        Ok(closed)
    }
}
