//! The demo's satisfaction (`serve --demo`, after the supervision year, the documents and the
//! information): the 市长 rates the 督办件 from his instructions the day after each was struck
//! off, the counties' drafters rate the 请示 and 报告 the city office handled for them, and the
//! city office's 主任 and two county offices' 主任 enter the higher office's evaluation of each
//! ended month of the last half year — all through the area's use cases, at the time each was
//! done. The newest two of the 市长's closed items are left for him to rate. 群众满意 needs
//! nothing more: the service area's demo rates its requests.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use xn_domain::calendar::business_date;
use xn_store::satisfaction as store;

use super::{HigherInput, RateInput, month_before, month_of};
use crate::auth::Client;
use crate::{Actor, Result, Services, from_ms};

const COMMENTS: [&str; 3] = ["", "办理及时，答复清楚。", "答复较慢，希望加强沟通。"];

impl Services {
    /// Loads the demo's ratings and evaluations; answers (ratings, evaluations).
    pub async fn load_demo_satisfaction(&self, now: DateTime<Utc>) -> Result<(usize, usize)> {
        let client = Client::default();
        let items = store::closed_unrated(self.db()).await?;
        // The 市长's newest two stay unrated.
        let mut left: HashMap<i64, usize> = HashMap::new();
        for i in items.iter().rev() {
            if i.item_kind == "supervision"
                && let Some(p) = i.rater_a
            {
                *left.entry(p).or_insert(0) += 1;
            }
        }
        let mut actors: HashMap<i64, Actor> = HashMap::new();
        let mut rated = 0;
        for i in &items {
            let Some(post) = i.rater_a else { continue };
            if i.item_kind == "supervision" {
                let n = left.entry(post).or_insert(0);
                *n = n.saturating_sub(1);
                if *n < 2 {
                    continue;
                }
            }
            let at = from_ms(i.closed_at.unwrap_or(0)) + Duration::hours(20);
            if at >= now {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = actors.entry(post) {
                let Some(person) = store::person_of_post(self.db(), post).await? else {
                    continue;
                };
                e.insert(
                    self.actor_for(person, Some(post), None, &client, now)
                        .await?,
                );
            }
            let Some(actor) = actors.get(&post) else {
                continue;
            };
            let roll = (i.item_id * 7 + i.case_id) % 10;
            let (result, comment) = match roll {
                0..=6 => ("satisfied", COMMENTS[usize::from(roll == 3)]),
                7 | 8 => ("basically", COMMENTS[1]),
                _ => ("unsatisfied", COMMENTS[2]),
            };
            let input = RateInput {
                item_kind: i.item_kind.clone(),
                item_id: i.item_id,
                result: result.into(),
                comment: comment.into(),
            };
            match self.satisfaction().rate(actor, &input, at).await {
                Ok(_) => rated += 1,
                // A 收文 that did not come from the grassroots is not rated.
                Err(crate::ServiceError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // The higher office's evaluations of the last six ended months.
        let mut entered = 0;
        let mut month = month_of(business_date(now));
        for k in 0..6_i64 {
            month = month_before(&month)?;
            for (login, unit, base) in [
                ("zhuren", "东川市人民政府办公室", 88),
                ("qinghe.zhuren", "清河县人民政府办公室", 84),
            ] {
                let Some((person, post)) =
                    xn_store::supervision::demo_post(self.db(), login, unit).await?
                else {
                    continue;
                };
                let actor = self
                    .actor_for(person, Some(post), None, &client, now)
                    .await?;
                let score = base + (k * 3 + if login == "zhuren" { 1 } else { 2 }) % 9;
                self.satisfaction()
                    .enter_higher(
                        &actor,
                        &HigherInput {
                            month: month.clone(),
                            score: Some(score),
                            comment: if score >= 90 {
                                "政务信息报送及时，督办落实有力。".into()
                            } else {
                                "总体较好，信息报送质量有待提高。".into()
                            },
                        },
                        now,
                    )
                    .await?;
                entered += 1;
            }
        }
        self.satisfaction().close_months(now).await?;
        Ok((rated, entered))
    }
}
