//! The demo city's meetings: the city office's rooms, a year of its weekly 市长办公会议 and
//! monthly 常务会议, and ten weeks around `now` (six past, four to come) of 专题会议 twice a week
//! and a fortnightly 视频会议 — all on working days, each booked by the office's 秘书
//! through the booking service a week ahead (so the clash rule applies and nothing overlaps),
//! the past ones advanced to 已结束. Each meeting held or due within a week has its notice sent
//! three days ahead through the notice service, and its recipients reply through the reply
//! service as they would: most 参加, some 请假 (which the 秘书 approves), some 委托 a colleague,
//! a few late; of this week's meetings the replies not yet due stay unanswered and are urged.
//! Held meetings have their sign-ins (most by the code before the start, some late, some by
//! the staff, a few absent); the 市长办公会议 and 常务会议 held more than a week ago have their
//! 纪要 drafted, taken through the documents process and issued, and their 议定事项 signed for
//! by the lead units in supervision, then worked on and closed with realistic lateness
//! (`demo_decisions`). Within the recent ten weeks the bureaus submit 议题 for each 常务会议 (three) and
//! 市长办公会议 (two) through the topics service, with their materials and a 会签; those of
//! meetings held or due within a week are screened by the 秘书 and put on an agenda the office's
//! 主任 approves (topics carried over first); a held meeting's third topic is carried over (暂缓),
//! and those of later meetings wait to be screened.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use xn_store::meetings as store;

use super::agenda::{AgendaInput, AgendaItemInput, DeferInput};
use super::book::{MeetingInput, RoomInput};
use super::notice::{LeaveDecision, NoticeInput, ReplyInput, UrgeInput};
use super::topics::{CosignInput, ScreenInput, TopicInput};
use super::{beijing_date, from_beijing, monday_of};
use crate::auth::Client;
use crate::{Actor, Result, ServiceError, Services};

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
        // A year back for the 市长办公会议 and 常务会议 (their 纪要 and 议定事项 followed through
        // supervision); the other kinds, topics and agendas over the recent ten weeks only.
        let first = monday_of(today) - Duration::weeks(DEMO_WEEKS_BACK);
        let recent = monday_of(today) - Duration::weeks(6);
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
            if week < recent {
                week += Duration::weeks(1);
                continue;
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
            if (week - recent).num_weeks() % 2 == 0 {
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
        let mut replies_made = 0_usize;
        let mut signins_made = 0_usize;
        let mut minuted = 0_usize;
        let mut topic_n = 0_usize;
        let mut minuted_meetings = Vec::new();
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
            let topics = if start < from_beijing(recent.and_time(NaiveTime::MIN)) {
                Vec::new()
            } else if p.kind == standing_kind {
                self.demo_topics(&mishu, id, 3, start, now, &mut topic_n)
                    .await?
            } else if p.kind == mayor_kind {
                self.demo_topics(&mishu, id, 2, start, now, &mut topic_n)
                    .await?
            } else {
                Vec::new()
            };
            // Past meetings were notified, held and ended; this week's next ones are notified.
            let end = from_beijing(
                p.day
                    .and_time(NaiveTime::from_hms_opt(p.to.0, p.to.1, 0).unwrap_or_default()),
            );
            let steps = if end < now {
                3
            } else if start < now + Duration::days(7) {
                1
            } else {
                0
            };
            if steps == 0 {
                continue;
            }
            let sent_at = (start - Duration::days(3)).min(now);
            self.demo_notice_and_replies(&mishu, id, start, sent_at, now, &mut replies_made)
                .await?;
            if steps == 3 {
                self.demo_checkins(&mishu, id, start, &mut signins_made)
                    .await?;
            }
            let mut ended = now;
            if steps == 3 {
                // Opened at or a few minutes after the start (now and then a quarter of an hour
                // late) and closed around the planned end: most run over a little, some end
                // early (the 会议效能 figures set the actual length against the planned).
                let opened = start + Duration::minutes(OPENED_LATE[booked % OPENED_LATE.len()]);
                let closed = end + Duration::minutes(CLOSED_AFTER[booked % CLOSED_AFTER.len()]);
                m.advance(&mishu, id, opened.min(now)).await?;
                ended = closed.min(now);
                m.advance(&mishu, id, ended).await?;
            }
            // A held meeting's third topic was not reached: carried over to the next one.
            if steps == 3
                && let Some(last) = topics.last()
                && topics.len() > 2
            {
                m.defer_topic(
                    &mishu,
                    *last,
                    &DeferInput {
                        reason: "会议时间所限，未及研究，结转以后会议".into(),
                    },
                    ended,
                )
                .await?;
            }
            // The 市长办公会议 and 常务会议 held more than a week ago have their minutes issued.
            if steps == 3
                && (p.kind == mayor_kind || p.kind == standing_kind)
                && start + Duration::days(7) < now
            {
                let decisions = if p.kind == standing_kind { 3 } else { 2 };
                self.demo_minutes(&mishu, id, ended, now, decisions, &bureaus, &mut minuted)
                    .await?;
                minuted_meetings.push(id);
            }
        }
        self.demo_follow_decisions(&minuted_meetings, now).await?;
        Ok(booked)
    }
}

/// How far back the weekly 市长办公会议 and monthly 常务会议 go: a year.
const DEMO_WEEKS_BACK: i64 = 52;

/// Minutes after the planned start a held demo meeting is marked 进行中, in turn.
const OPENED_LATE: [i64; 7] = [0, 2, 5, 3, 15, 1, 8];

/// Minutes after the planned end it is marked 已结束 (before it, when negative), in turn.
const CLOSED_AFTER: [i64; 8] = [10, -15, 25, 0, 40, -5, 15, 30];

/// Topics (议题) the bureaus submit for the 常务会议, in turn: (title, request).
const DEMO_TOPICS: [(&str, &str); 6] = [
    (
        "关于城区中小学校舍改造三年计划的议题",
        "审议校舍改造三年计划及市级资金安排",
    ),
    (
        "关于2027年市级财政预算编制原则的议题",
        "研究确定预算编制原则和重点支出方向",
    ),
    (
        "关于国土空间总体规划修编有关事项的议题",
        "审议规划修编工作方案，明确各部门分工",
    ),
    (
        "关于老旧小区改造年度计划的议题",
        "审定年度改造小区名单和资金筹措方案",
    ),
    (
        "关于学前教育普惠发展补助标准的议题",
        "研究普惠性幼儿园生均补助标准",
    ),
    (
        "关于政府投资项目审批流程优化的议题",
        "审议审批流程优化方案，压缩审批时限",
    ),
];

impl Services {
    /// An actor for the first active post of a unit (its head), if any.
    async fn demo_head(&self, unit: i64, now: DateTime<Utc>) -> Result<Option<Actor>> {
        let Some(p) = xn_store::org::list_posts_of_unit(self.db(), unit)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(Some(
            self.actor_for(p.person_id, Some(p.id), None, &Client::default(), now)
                .await?,
        ))
    }

    /// `count` bureaus submit topics for a 常务会议 or 市长办公会议 through the topics service (the first with a
    /// 会签 by another bureau, which agrees), each with its material, six days ahead. A meeting
    /// more than a week away keeps them waiting for screening; one nearer or past has them
    /// screened by the 秘书 and its agenda approved by the office's 主任 four days ahead, topics
    /// carried over from earlier meetings first. Answers the topics on its agenda, in order.
    async fn demo_topics(
        &self,
        mishu: &Actor,
        meeting: i64,
        count: usize,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        n: &mut usize,
    ) -> Result<Vec<i64>> {
        let m = self.meetings();
        let bureaus: Vec<i64> = xn_store::org::list_units(self.db())
            .await?
            .into_iter()
            .filter(|u| u.kind == "bureau")
            .map(|u| u.id)
            .collect();
        if bureaus.len() < 2 {
            return Ok(Vec::new());
        }
        let submitted_at = (start - Duration::days(6)).min(now);
        let mut mine = Vec::new();
        for i in 0..count {
            let k = *n;
            *n += 1;
            let unit = bureaus.get(k % bureaus.len()).copied().unwrap_or_default();
            let Some(head) = self.demo_head(unit, submitted_at).await? else {
                continue;
            };
            let (title, request) = DEMO_TOPICS
                .get(k % DEMO_TOPICS.len())
                .copied()
                .unwrap_or(("工作议题", "请会议研究"));
            let cosign = bureaus.get((k + 1) % bureaus.len()).copied();
            let id = m
                .submit_topic(
                    &head,
                    &TopicInput {
                        meeting_id: Some(meeting),
                        title: title.into(),
                        reporter: format!(
                            "{}（{}）",
                            head.person_name,
                            head.post
                                .as_ref()
                                .map(|p| p.unit_short_name.clone())
                                .unwrap_or_default()
                        ),
                        request: request.into(),
                        minutes: 40,
                        cosign_units: if i == 0 {
                            cosign.into_iter().collect()
                        } else {
                            Vec::new()
                        },
                        ..TopicInput::default()
                    },
                    submitted_at,
                )
                .await?;
            m.add_material(
                &head,
                id,
                &format!("{title}汇报材料.txt"),
                format!("{title}\n\n{request}。\n").as_bytes(),
                submitted_at,
            )
            .await?;
            if i == 0
                && let Some(c) = cosign
                && let Some(signer) = self.demo_head(c, submitted_at).await?
            {
                m.cosign_topic(
                    &signer,
                    id,
                    &CosignInput {
                        unit_id: Some(c),
                        agreed: true,
                        opinion: "同意".into(),
                    },
                    submitted_at,
                )
                .await?;
            }
            mine.push(id);
        }
        if start > now + Duration::days(7) {
            return Ok(Vec::new());
        }
        let screened_at = (start - Duration::days(5)).min(now);
        for id in &mine {
            m.screen_topic(
                mishu,
                *id,
                &ScreenInput {
                    decision: "accept".into(),
                    reason: String::new(),
                },
                screened_at,
            )
            .await?;
        }
        let mut tx = self.db().begin_read().await?;
        let Some(person) = xn_store::org::find_person_by_login(&mut tx, "zhuren").await? else {
            return Ok(Vec::new());
        };
        drop(tx);
        let approved_at = (start - Duration::days(4)).min(now);
        let post = xn_store::org::list_posts_of_person(self.db(), person.id)
            .await?
            .first()
            .map(|p| p.id);
        let zhuren = self
            .actor_for(person.id, post, None, &Client::default(), approved_at)
            .await?;
        let agenda = m.agenda(&zhuren, meeting, approved_at).await?;
        let row = store::find_meeting(self.db(), meeting).await?;
        let room = (row.ends_at - row.starts_at) / 60_000;
        // Carried-over topics first, then as many as fit the meeting's time.
        let mut candidates = agenda.candidates;
        candidates.sort_by_key(|c| (c.topic.carried_over == 0, c.topic.id));
        let mut items = Vec::new();
        let mut used = 0;
        let mut at = row.starts_at;
        for c in candidates {
            if used + c.minutes > room || items.len() >= 3 {
                continue;
            }
            items.push(AgendaItemInput {
                topic_id: c.topic.id,
                starts_at: crate::from_ms(at).to_rfc3339(),
                minutes: Some(c.minutes),
            });
            used += c.minutes;
            at += c.minutes * 60_000;
        }
        let order: Vec<i64> = items.iter().map(|i| i.topic_id).collect();
        if items.is_empty() {
            return Ok(order);
        }
        m.approve_agenda(&zhuren, meeting, &AgendaInput { items }, approved_at)
            .await?;
        for id in mine.iter().filter(|id| !order.contains(id)) {
            m.defer_topic(
                mishu,
                *id,
                &DeferInput {
                    reason: "本次议程已满，结转以后会议".into(),
                },
                approved_at,
            )
            .await?;
        }
        Ok(order)
    }
}

/// Decisions (议定事项) the demo's minutes record, in turn.
const DECISIONS: [&str; 8] = [
    "制定城区老旧管网改造年度计划，明确责任单位和完成节点",
    "开展冬季安全生产隐患排查整治，形成问题清单并逐项销号",
    "研究提出优化营商环境十条措施，报市政府常务会议审议",
    "加快重点项目用地报批，协调解决征地拆迁遗留问题",
    "落实农民工工资支付保障措施，春节前实现欠薪动态清零",
    "完善城市应急避难场所布局，年底前完成规划编制",
    "做好冬春季大气污染防治，制定重污染天气应急减排清单",
    "推进政务服务“一网通办”，梳理高频事项办理流程",
];

impl Services {
    /// Signs the expected posts of a held demo meeting in around its start through the sign-in
    /// service: most with the code on the screen a few minutes before, some late, some by the
    /// staff; one in eleven never comes (absent when the meeting ends).
    async fn demo_checkins(
        &self,
        mishu: &Actor,
        id: i64,
        start: DateTime<Utc>,
        made: &mut usize,
    ) -> Result<()> {
        let m = self.meetings();
        let row = store::find_meeting(self.db(), id).await?;
        let client = Client::default();
        for e in m.expected(&row).await? {
            if e.on_leave {
                continue;
            }
            let n = *made;
            *made += 1;
            if n % 11 == 7 {
                continue;
            }
            let at = if n % 5 == 2 {
                start + Duration::minutes(3 + i64::try_from(n % 7).unwrap_or(0))
            } else {
                start - Duration::minutes(5 + i64::try_from(n % 20).unwrap_or(0))
            };
            if n % 6 == 1 {
                let input = super::checkin::StaffCheckinInput { post_id: e.post };
                m.check_in_by_staff(mishu, id, &input, at).await?;
                continue;
            }
            let code = m.checkin_screen(mishu, id, at).await?.code;
            let person = xn_store::org::find_post(self.db(), e.post).await?.person_id;
            let actor = self
                .actor_for(person, Some(e.post), None, &client, at)
                .await?;
            m.check_in(&actor, id, &super::checkin::CheckinInput { code }, at)
                .await?;
        }
        Ok(())
    }

    /// Drafts a held demo meeting's minutes with its decisions, takes them through the
    /// documents process (each step by the post holding it, a few hours apart) to 核发, and
    /// has each decision's lead unit sign for its supervision item the next day.
    #[expect(clippy::too_many_arguments, reason = "one demo meeting's minutes")]
    async fn demo_minutes(
        &self,
        mishu: &Actor,
        id: i64,
        ended: DateTime<Utc>,
        now: DateTime<Utc>,
        decisions: usize,
        bureaus: &[i64],
        made: &mut usize,
    ) -> Result<()> {
        if bureaus.len() < 2 {
            return Ok(());
        }
        let m = self.meetings();
        let mut list = Vec::new();
        for i in 0..decisions {
            let n = *made + i;
            let lead = bureaus.get(n % bureaus.len()).copied().unwrap_or_default();
            let assist = bureaus
                .get((n + 1) % bureaus.len())
                .copied()
                .unwrap_or_default();
            list.push(super::minutes::DecisionInput {
                text: DECISIONS
                    .get(n % DECISIONS.len())
                    .copied()
                    .unwrap_or("抓好会议议定事项落实")
                    .to_owned(),
                lead_unit: lead,
                lead_post: None,
                assist_units: if n.is_multiple_of(2) {
                    vec![assist]
                } else {
                    Vec::new()
                },
                deadline: None,
                deadline_days: Some(if n.is_multiple_of(3) { 10 } else { 20 }),
            });
        }
        *made += decisions;
        let mut at = ended + Duration::hours(2);
        let input = super::minutes::MinutesInput {
            body: String::new(),
            decisions: list,
        };
        let doc = m.draft_minutes(mishu, id, &input, at).await?;
        // The office's 主任 (its most senior post) signs the minutes off.
        let office = m.as_office(mishu).await?.office();
        let mut tx = self.db().begin_read().await?;
        let signer = xn_store::meetings::notices::unit_posts_by_rank(&mut tx, office)
            .await?
            .first()
            .map(|p| p.0);
        drop(tx);
        let Some(signer) = signer else {
            return Ok(());
        };
        at += Duration::hours(1);
        let case = self
            .documents()
            .submit(
                mishu,
                doc,
                &crate::documents::SubmitInput {
                    signoff_post: signer,
                    countersign_posts: Vec::new(),
                },
                None,
                at,
            )
            .await?;
        let client = Client::default();
        loop {
            let tasks = xn_store::flow::tasks_of_case(self.db(), case).await?;
            let Some(task) = tasks
                .iter()
                .filter(|t| t.state == "open" && t.kind == "task")
                .max_by_key(|t| t.task_no)
            else {
                break;
            };
            at += Duration::hours(3);
            if at > now {
                return Ok(());
            }
            let decision = match task.step_id.as_str() {
                "check" | "signoff" | "countersign" => "同意",
                "recheck" => "复核无误",
                "register" => "登记编号",
                "print" => "印制完成",
                "dispatch" => "核发",
                _ => return Ok(()),
            };
            let person = xn_store::org::find_post(self.db(), task.post_id)
                .await?
                .person_id;
            let actor = self
                .actor_for(person, Some(task.post_id), None, &client, at)
                .await?;
            self.act(
                &actor,
                case,
                None,
                xn_domain::flow::Action::Complete {
                    task: u32::try_from(task.task_no).unwrap_or(0),
                    decision: decision.into(),
                    opinion: if decision == "同意" {
                        "同意印发".into()
                    } else {
                        String::new()
                    },
                    choices: std::collections::BTreeMap::new(),
                },
                None,
                at,
            )
            .await?;
        }
        // The lead units sign for their items the next working morning.
        let signed_at = at + Duration::hours(18);
        if signed_at > now {
            return Ok(());
        }
        for d in xn_store::meetings::minutes::decisions_of(self.db(), id).await? {
            let Some(item) = d.supervision_item_id else {
                continue;
            };
            let person = xn_store::org::find_post(self.db(), d.lead_post_id)
                .await?
                .person_id;
            let actor = self
                .actor_for(person, Some(d.lead_post_id), None, &client, signed_at)
                .await?;
            self.supervision()
                .sign(&actor, item, "已签收，抓紧落实", signed_at)
                .await?;
        }
        Ok(())
    }
}

impl Services {
    /// Sends a demo meeting's notice at `sent_at` and has its recipients reply through the
    /// services, each as the post it is addressed to (a unit's by its most senior post).
    async fn demo_notice_and_replies(
        &self,
        mishu: &Actor,
        id: i64,
        start: DateTime<Utc>,
        sent_at: DateTime<Utc>,
        now: DateTime<Utc>,
        made: &mut usize,
    ) -> Result<()> {
        let m = self.meetings();
        let day_before = beijing_date(start) - Duration::days(1);
        let deadline = from_beijing(
            day_before.and_time(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default()),
        );
        let reply_by = deadline.max(sent_at + Duration::hours(2)).min(start);
        let part = m.notice(mishu, id, sent_at).await?;
        let input = NoticeInput {
            body: part.suggested_body,
            reply_by: reply_by.to_rfc3339(),
        };
        m.send_notice(mishu, id, &input, sent_at).await?;
        let rows = xn_store::meetings::notices::replies_of(self.db(), id).await?;
        let client = Client::default();
        let mut owed = false;
        for r in &rows {
            let post = match (r.post_id, r.unit_id) {
                (Some(p), _) => Some(p),
                (None, Some(u)) => {
                    let mut tx = self.db().begin_read().await?;
                    let posts = xn_store::meetings::notices::unit_posts_by_rank(&mut tx, u).await?;
                    drop(tx);
                    posts.first().map(|p| p.0)
                }
                (None, None) => None,
            };
            let Some(post) = post else { continue };
            let person = xn_store::org::find_post(self.db(), post).await?.person_id;
            let n = *made;
            *made += 1;
            // One in nine replies after the deadline; the rest within a day of the notice.
            let at = if n % 9 == 4 {
                reply_by + Duration::hours(1)
            } else {
                sent_at + Duration::hours(2 + i64::try_from(n % 20).unwrap_or(0))
            };
            if at > now || at >= start {
                owed = true;
                continue;
            }
            let actor = self
                .actor_for(person, Some(post), None, &client, at)
                .await?;
            let mine = m.notice(&actor, id, at).await?.mine;
            let choice = mine
                .iter()
                .find(|x| x.reply.id == r.id)
                .and_then(|x| x.proxy_choices.first())
                .map(|c| c.id);
            let (answer, reason, proxy) = match (n % 7, choice) {
                (3, _) => ("leave", "同一时段须参加省政府专题会议", None),
                (5, Some(c)) => ("proxy", "另有公务，委托分管同志参加", Some(c)),
                _ => ("attend", "", None),
            };
            let input = ReplyInput {
                reply_id: Some(r.id),
                answer: answer.into(),
                reason: reason.into(),
                proxy_post_id: proxy,
            };
            m.reply(&actor, id, &input, at).await?;
            if answer == "leave" {
                let decided = (at + Duration::hours(1)).min(now);
                let decision = LeaveDecision {
                    decision: "approve".into(),
                    note: String::new(),
                };
                m.decide_leave(mishu, id, r.id, &decision, decided).await?;
            }
        }
        // This week's replies still owed are urged once the deadline nears.
        let urge_at = reply_by - Duration::hours(3);
        if owed && urge_at > sent_at && urge_at <= now {
            let input = UrgeInput {
                message: "请尽快回执，以便安排座次和材料".into(),
            };
            match m.urge(mishu, id, &input, urge_at).await {
                Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
