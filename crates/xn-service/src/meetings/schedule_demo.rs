//! The demo city's 领导日程: the office's 主任 names 秘书一科's 秘书 keeper of the 市长's
//! schedule, and she writes ten weeks of it around `now` (six past, four to come) through the
//! schedule service — 调研 in a county on Tuesday or Thursday, an 活动 on Wednesday afternoon,
//! every other Friday 外出 to the province, a private engagement every other week — and, this
//! week, a 调研 that overlaps the 市长办公会议 so that the week shows a clash to settle.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use xn_store::meetings::schedule as store;

use super::schedule::{KeepersInput, ScheduleInput};
use super::{beijing_date, monday_of};
use crate::auth::Client;
use crate::{Actor, Result, Services};

const ACTIVITIES: [&str; 5] = [
    "出席重点项目集中开工仪式",
    "接待省住建厅调研组",
    "出席全市优化营商环境大会",
    "慰问一线环卫工人",
    "会见来访企业家代表",
];

const RESEARCH: [&str; 5] = [
    "冬季供暖保障",
    "农村人居环境整治",
    "重点项目建设进度",
    "老旧小区改造",
    "安全生产大检查",
];

fn at(d: NaiveDate, h: u32, m: u32) -> String {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

impl Services {
    async fn demo_actor_of(&self, login: &str, now: DateTime<Utc>) -> Result<Option<Actor>> {
        let mut tx = self.db().begin_read().await?;
        let Some(person) = xn_store::org::find_person_by_login(&mut tx, login).await? else {
            return Ok(None);
        };
        drop(tx);
        let Some(post) = xn_store::org::list_posts_of_person(self.db(), person.id)
            .await?
            .first()
            .map(|p| p.id)
        else {
            return Ok(None);
        };
        Ok(Some(
            self.actor_for(person.id, Some(post), None, &Client::default(), now)
                .await?,
        ))
    }

    /// Loads the 市长's schedule (see the module's note); answers how many engagements were
    /// written. Run by `serve --demo` after the meetings.
    pub async fn load_demo_schedule(&self, now: DateTime<Utc>) -> Result<usize> {
        let m = self.meetings();
        let (Some(zhuren), Some(mishu)) = (
            self.demo_actor_of("zhuren", now).await?,
            self.demo_actor_of("mishu", now).await?,
        ) else {
            return Ok(0);
        };
        let week = m.schedule_week(&mishu, None, beijing_date(now)).await?;
        let Some(mayor) = week
            .leaders
            .iter()
            .find(|l| l.label.ends_with(" 市长"))
            .map(|l| l.post_id)
        else {
            return Ok(0);
        };
        let Some(keeper) = mishu.post_id() else {
            return Ok(0);
        };
        m.set_keepers(
            &zhuren,
            &KeepersInput {
                leader_post_id: mayor,
                keepers: vec![keeper],
            },
            now,
        )
        .await?;
        let counties = match store::government_of_post(self.db(), mayor).await? {
            Some(g) => store::governments_below(self.db(), g).await?,
            None => Vec::new(),
        };
        let county = |i: usize| {
            counties
                .get(i % counties.len().max(1))
                .cloned()
                .unwrap_or_else(|| "各县区".to_owned())
        };
        let this_monday = monday_of(beijing_date(now));
        let mut written = 0;
        for w in -6_i64..4 {
            let monday = this_monday + Duration::weeks(w);
            let n = usize::try_from(w + 6).unwrap_or(0);
            let mut entries = vec![
                // 调研 in a county: Tuesday afternoon or Thursday morning.
                ScheduleInput {
                    leader_post_id: mayor,
                    kind: "research".into(),
                    title: format!("赴{}调研{}", county(n), RESEARCH[n % RESEARCH.len()]),
                    place: county(n),
                    starts_at: if n % 2 == 0 {
                        at(monday + Duration::days(1), 14, 30)
                    } else {
                        at(monday + Duration::days(3), 9, 0)
                    },
                    ends_at: if n % 2 == 0 {
                        at(monday + Duration::days(1), 17, 30)
                    } else {
                        at(monday + Duration::days(3), 12, 0)
                    },
                    public: true,
                    note: "县政府办公室陪同，请提前一天报送汇报材料。".into(),
                },
                ScheduleInput {
                    leader_post_id: mayor,
                    kind: "event".into(),
                    title: ACTIVITIES[n % ACTIVITIES.len()].into(),
                    place: "市民中心".into(),
                    starts_at: at(monday + Duration::days(2), 15, 0),
                    ends_at: at(monday + Duration::days(2), 16, 30),
                    public: true,
                    note: String::new(),
                },
            ];
            if n % 2 == 1 {
                entries.push(ScheduleInput {
                    leader_post_id: mayor,
                    kind: "trip".into(),
                    title: "赴省政府汇报工作".into(),
                    place: "省政府".into(),
                    starts_at: at(monday + Duration::days(4), 8, 0),
                    ends_at: at(monday + Duration::days(4), 18, 0),
                    public: true,
                    note: "随行：市政府办公室副主任".into(),
                });
            } else {
                entries.push(ScheduleInput {
                    leader_post_id: mayor,
                    kind: "other".into(),
                    title: "个人事务".into(),
                    place: String::new(),
                    starts_at: at(monday + Duration::days(4), 16, 0),
                    ends_at: at(monday + Duration::days(4), 17, 30),
                    public: false,
                    note: String::new(),
                });
            }
            if w == 0 {
                // Asked for after the 市长办公会议 was booked: the week flags the clash.
                entries.push(ScheduleInput {
                    leader_post_id: mayor,
                    kind: "research".into(),
                    title: "陪同省领导调研城市更新项目".into(),
                    place: "城东片区".into(),
                    starts_at: at(monday + Duration::days(1), 10, 0),
                    ends_at: at(monday + Duration::days(1), 12, 0),
                    public: true,
                    note: "与市长办公会议时间冲突，待领导定夺。".into(),
                });
            }
            // Written the Friday before the week (or now, for this week and the past).
            let written_at = (from_week(monday) - Duration::days(3)).min(now);
            for e in &entries {
                m.add_schedule(&mishu, e, written_at).await?;
                written += 1;
            }
        }
        Ok(written)
    }
}

/// Monday 00:00 Beijing of a week.
fn from_week(monday: NaiveDate) -> DateTime<Utc> {
    super::from_beijing(monday.and_time(NaiveTime::MIN))
}
