//! The demo city's meetings: the city office's rooms, and ten weeks of its meetings around
//! `now` (six past, four to come) — the weekly 市长办公会议, the monthly 常务会议, 专题会议 twice
//! a week and a fortnightly 视频会议 — all on working days, each booked by the office's 秘书
//! through the booking service a week ahead (so the clash rule applies and nothing overlaps),
//! the past ones advanced to 已结束.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use xn_store::meetings as store;

use super::book::{MeetingInput, RoomInput};
use super::{beijing_date, from_beijing, monday_of};
use crate::auth::Client;
use crate::{Result, ServiceError, Services};

const TOPICS: [&str; 10] = [
    "城市更新三年行动专题会议",
    "冬季安全生产专题会议",
    "优化营商环境专题会议",
    "重点项目建设推进专题会议",
    "农村人居环境整治专题会议",
    "财政预算执行情况专题会议",
    "冬春季大气污染防治专题会议",
    "保障农民工工资支付专题会议",
    "老旧小区改造专题会议",
    "招商引资工作专题会议",
];

fn at(d: NaiveDate, h: u32, m: u32) -> String {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl Services {
    /// Loads the demo city's rooms and meetings (see the module's note); answers how many
    /// meetings were booked. Run by `serve --demo` after the city is loaded.
    pub async fn load_demo_meetings(&self, now: DateTime<Utc>) -> Result<usize> {
        let m = self.meetings();
        let client = Client::default();
        let mut tx = self.db().begin_read().await?;
        let Some(person) = xn_store::org::find_person_by_login(&mut tx, "mishu").await? else {
            return Ok(0);
        };
        drop(tx);
        let Some(post) = xn_store::org::list_posts_of_person(self.db(), person.id)
            .await?
            .first()
            .map(|p| p.id)
        else {
            return Ok(0);
        };
        let mishu = self
            .actor_for(person.id, Some(post), None, &client, now)
            .await?;
        let cap = m.as_office(&mishu).await?;
        let mut rooms = Vec::new();
        for (name, seats, equipment) in [
            ("第一会议室", 60, "投影、扩音、会议录音"),
            ("第二会议室", 30, "投影、电子白板"),
            ("常务会议室", 80, "投影、扩音、表决器、会议录音"),
            ("视频会议室", 40, "视频会议终端、投影、扩音"),
        ] {
            let input = RoomInput {
                name: name.into(),
                capacity: seats,
                equipment: equipment.into(),
            };
            rooms.push(m.add_room(&cap, &input, now).await?);
        }
        let (room1, room2, standing, video) = match rooms.as_slice() {
            [a, b, c, d] => (*a, *b, *c, *d),
            _ => return Ok(0),
        };
        let kinds = store::list_kinds(self.db()).await?;
        let kind = |name: &str| kinds.iter().find(|k| k.name == name).map(|k| k.id);
        let (Some(standing_kind), Some(mayor_kind), Some(topic_kind), Some(video_kind)) = (
            kind("常务会议"),
            kind("市长办公会议"),
            kind("专题会议"),
            kind("视频会议"),
        ) else {
            return Ok(0);
        };
        let leaders = store::leader_options(self.db(), super::LEADER_RANK).await?;
        let city = |title: &str| -> Vec<i64> {
            leaders
                .iter()
                .filter(|p| p.unit_name == "东川市政府" && p.title == title)
                .map(|p| p.id)
                .collect()
        };
        let mayor = city("市长");
        let executive = city("常务副市长");
        let vices = city("副市长");
        let secretary_general = city("秘书长");
        let (Some(&mayor), Some(&executive)) = (mayor.first(), executive.first()) else {
            return Ok(0);
        };
        let office = cap.office();
        let director: Vec<i64> = leaders
            .iter()
            .filter(|p| p.unit_id == office && p.title == "主任")
            .map(|p| p.id)
            .collect();
        let bureaus: Vec<i64> = xn_store::org::list_units(self.db())
            .await?
            .into_iter()
            .filter(|u| u.kind == "bureau")
            .map(|u| u.id)
            .collect();
        let mut members = vec![executive];
        members.extend(&vices);
        members.extend(&secretary_general);
        let mut with_director = members.clone();
        with_director.extend(&director);

        let cal = self.flow_calendar().await?;
        let today = beijing_date(now);
        let first = monday_of(today) - Duration::weeks(6);
        let last = monday_of(today) + Duration::weeks(4);
        // The working day on or after `d` (a meeting set for a holiday moves to the next one).
        let working = |mut d: NaiveDate| {
            while !cal.is_working_day(d) {
                d += Duration::days(1);
            }
            d
        };
        struct Plan {
            kind: i64,
            title: String,
            day: NaiveDate,
            from: (u32, u32),
            to: (u32, u32),
            room: Option<i64>,
            chair: i64,
            attend: Vec<i64>,
            units: Vec<i64>,
        }
        let mut plans = Vec::new();
        let mut week = first;
        let mut n = 0_usize;
        let mut seen_months = Vec::new();
        while week < last {
            let tuesday = working(week + Duration::days(1));
            plans.push(Plan {
                kind: mayor_kind,
                title: format!(
                    "市长办公会议（{}年第{}次）",
                    tuesday.year(),
                    tuesday.iso_week().week()
                ),
                day: tuesday,
                from: (9, 0),
                to: (11, 30),
                room: Some(room1),
                chair: mayor,
                attend: with_director.clone(),
                units: Vec::new(),
            });
            let month = (week.year(), week.month());
            if !seen_months.contains(&month) && week.day() <= 7 {
                seen_months.push(month);
                plans.push(Plan {
                    kind: standing_kind,
                    title: format!("市政府第{}次常务会议", seen_months.len() + 40),
                    day: working(week + Duration::days(3)),
                    from: (15, 0),
                    to: (17, 30),
                    room: Some(standing),
                    chair: mayor,
                    attend: members.clone(),
                    units: bureaus.clone(),
                });
            }
            for (offset, from, to) in [(2, (9, 30), (11, 0)), (4, (15, 0), (16, 30))] {
                let chair = vices
                    .get(n % vices.len().max(1))
                    .copied()
                    .unwrap_or(executive);
                let title = TOPICS.get(n % TOPICS.len()).copied().unwrap_or("专题会议");
                plans.push(Plan {
                    kind: topic_kind,
                    title: title.to_owned(),
                    day: working(week + Duration::days(offset)),
                    from,
                    to,
                    room: Some(room2),
                    chair,
                    attend: Vec::new(),
                    units: bureaus.iter().copied().skip(n % 3).take(2).collect(),
                });
                n += 1;
            }
            if (week - first).num_weeks() % 2 == 0 {
                plans.push(Plan {
                    kind: video_kind,
                    title: "全省防汛抗旱暨安全生产视频会议（东川分会场）".into(),
                    day: working(week + Duration::days(3)),
                    from: (9, 0),
                    to: (10, 30),
                    room: Some(video),
                    chair: executive,
                    attend: Vec::new(),
                    units: bureaus.clone(),
                });
            }
            week += Duration::weeks(1);
        }
        let mut booked = 0;
        for p in plans {
            let starts = at(p.day, p.from.0, p.from.1);
            let input = MeetingInput {
                kind_id: p.kind,
                title: p.title,
                organiser_unit_id: office,
                chair_post_id: p.chair,
                starts_at: starts.clone(),
                ends_at: at(p.day, p.to.0, p.to.1),
                place_kind: "room".into(),
                room_id: p.room,
                venue: String::new(),
                attend_posts: p.attend,
                observe_posts: Vec::new(),
                observe_units: p.units,
                staff_posts: vec![post],
                classification: String::new(),
                notes: String::new(),
            };
            // Booked a week ahead, as the office does.
            let start = from_beijing(
                p.day
                    .and_time(NaiveTime::from_hms_opt(p.from.0, p.from.1, 0).unwrap_or_default()),
            );
            let booked_at = (start - Duration::days(7)).min(now);
            let id = match m.book(&cap, &input, booked_at).await {
                Ok(id) => id,
                // A leader already taken that day: the meeting is not held.
                Err(ServiceError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            };
            booked += 1;
            // Past meetings were notified, held and ended; this week's next ones are notified.
            let end = start + Duration::minutes(90);
            let steps = if end < now {
                3
            } else if start < now + Duration::days(7) {
                1
            } else {
                0
            };
            for i in 0..steps {
                let when = (start - Duration::days(3) + Duration::days(3) * i).min(now);
                m.advance(&mishu, id, when).await?;
            }
        }
        Ok(booked)
    }
}
