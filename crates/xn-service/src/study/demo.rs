//! The demo city's year of study, made through the same services a person uses: each month a
//! 精品材料 added by the 主任 for the whole city office and read by most people within days, a
//! 学习会 on it in the middle of the month where most sign in and half write a 心得; every third
//! month an 一般材料 and its 分析会; every other month a field visit (向基层学习) by two or
//! three people; a training for the county offices two months ago with the counties' 主任
//! registered and attending. This month: a material the 秘书 (`mishu`) is required to read and
//! has not, and a 学习会 that began ten minutes ago, so its sign-in is open and 心得 may be written.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use xn_domain::calendar::hours::from_shanghai_local;
use xn_store::management as mstore;

use super::{
    AttendanceInput, MaterialInput, ReflectionInput, RegisterInput, SessionInput, TrainingInput,
    VisitInput,
};
use crate::auth::Client;
use crate::{Actor, Result, Services};

const TOPICS: [(&str, &str); 12] = [
    ("理论学习", "学习贯彻政府工作报告精神"),
    ("公文写作", "公文格式与行文规则要点"),
    ("业务知识", "督查督办工作规范"),
    ("理论学习", "优化营商环境条例解读"),
    ("公文写作", "请示与报告的区别与写法"),
    ("业务知识", "会议组织与服务保障"),
    ("政务信息", "政务信息的选题与编写"),
    ("保密", "机关保密工作常识"),
    ("业务知识", "政务服务“一网通办”"),
    ("理论学习", "机关作风建设要求"),
    ("公文写作", "领导讲话稿的起草"),
    ("业务知识", "应急值守与突发事件信息报送"),
];

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    from_shanghai_local(day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default()))
}

fn beijing_text(t: DateTime<Utc>) -> String {
    xn_domain::calendar::hours::to_shanghai_local(t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The first day of the month `back` months before `today`'s.
fn month_start(today: NaiveDate, back: i32) -> Option<NaiveDate> {
    let months = today.year() * 12 + i32::try_from(today.month0()).unwrap_or(0) - back;
    NaiveDate::from_ymd_opt(
        months.div_euclid(12),
        u32::try_from(months.rem_euclid(12)).ok()? + 1,
        1,
    )
}

impl Services {
    async fn study_actor(&self, person: i64, post: i64, now: DateTime<Utc>) -> Result<Actor> {
        self.actor_for(person, Some(post), None, &Client::default(), now)
            .await
    }

    /// Loads the demo city's year of study (see the module's note); answers (materials,
    /// sessions). Run by `serve --demo` after the management demo.
    pub async fn load_demo_study(&self, now: DateTime<Utc>) -> Result<(usize, usize)> {
        let units = xn_store::org::list_units(self.db()).await?;
        let Some(office) = units
            .iter()
            .find(|u| u.name == "东川市人民政府办公室")
            .map(|u| u.id)
        else {
            return Ok((0, 0));
        };
        let staff = mstore::staff_of_offices(self.db(), &[office]).await?;
        let Some(director) = staff
            .iter()
            .find(|s| s.unit_id == office && s.position == "director")
        else {
            return Ok((0, 0));
        };
        let zhuren = self
            .study_actor(director.person_id, director.post_id, now)
            .await?;
        let mut actors = Vec::new();
        for s in &staff {
            actors.push((s, self.study_actor(s.person_id, s.post_id, now).await?));
        }
        let study = self.study();
        let today = xn_domain::calendar::business_date(now);
        let (mut materials, mut sessions) = (0, 0);
        for back in (1..=12).rev() {
            let Some(first) = month_start(today, back) else {
                continue;
            };
            let i = usize::try_from(back).unwrap_or(0) % TOPICS.len();
            let (topic, title) = TOPICS[i];
            for general in [false, true] {
                if general && back % 3 != 0 {
                    continue;
                }
                let added = at(first + Duration::days(2), 9, 0);
                let grade = if general { "general" } else { "fine" };
                let title = if general {
                    format!("{title}（案例分析）")
                } else {
                    title.to_owned()
                };
                let m = study
                    .create_material(
                        &zhuren,
                        &MaterialInput {
                            title: title.clone(),
                            topic: topic.to_owned(),
                            grade: grade.to_owned(),
                            audience: if back % 4 == 0 { "counties" } else { "office" }.to_owned(),
                            classification: String::new(),
                            body: format!(
                                "{title}。\n一、基本要求。\n二、工作重点。\n三、注意事项。"
                            ),
                            reading_minutes: 40,
                            reader_posts: Vec::new(),
                            reader_units: vec![office],
                        },
                        None,
                        added,
                    )
                    .await?;
                materials += 1;
                // Most read it within the week, taking 20–40 minutes.
                for (n, (_, a)) in actors.iter().enumerate() {
                    if n % 6 == 5 {
                        continue;
                    }
                    let opened =
                        added + Duration::hours(24 + 3 * i64::try_from(n % 30).unwrap_or(0));
                    study.open_material(a, m, opened).await?;
                    let minutes = 20 + 5 * i64::try_from(n % 5).unwrap_or(0);
                    study
                        .mark_read(a, m, opened + Duration::minutes(minutes))
                        .await?;
                }
                // The session in the middle of the month, signed in by the staff.
                let day = first + Duration::days(if general { 19 } else { 14 });
                let starts = at(day, 15, 0);
                let s = study
                    .create_session(
                        &zhuren,
                        &SessionInput {
                            kind: if general { "analysis" } else { "study" }.to_owned(),
                            // The kind is a column of its own: the title is the subject.
                            title: title.clone(),
                            place: "市政府办公室三楼会议室".to_owned(),
                            starts_at: beijing_text(starts),
                            ends_at: beijing_text(starts + Duration::minutes(90)),
                            speaker_post_id: director.post_id,
                            material_ids: vec![m],
                            attendee_posts: Vec::new(),
                        },
                        added,
                    )
                    .await?;
                sessions += 1;
                for (n, (st, a)) in actors.iter().enumerate() {
                    if n % 5 == 4 {
                        continue;
                    }
                    study
                        .check_in_by_staff(
                            &zhuren,
                            s,
                            &AttendanceInput {
                                post_id: st.post_id,
                            },
                            starts - Duration::minutes(5),
                        )
                        .await?;
                    if n % 2 == 0 {
                        study
                            .reflect(
                                a,
                                s,
                                &ReflectionInput {
                                    text: format!("通过学习《{title}》，进一步明确了本岗位的工作要求，将在今后工作中抓好落实。"),
                                },
                                starts + Duration::minutes(100),
                            )
                            .await?;
                    }
                }
            }
            // Field learning every other month, by two or three people.
            if back % 2 == 0 {
                let people: Vec<i64> = staff
                    .iter()
                    .skip(usize::try_from(back).unwrap_or(0) % 5)
                    .step_by(7)
                    .take(3)
                    .map(|s| s.post_id)
                    .collect();
                study
                    .record_visit(
                        &zhuren,
                        &VisitInput {
                            place: [
                                "清河县政务服务中心",
                                "柳林县某乡镇便民服务站",
                                "东川经济开发区管委会",
                            ][i % 3]
                                .to_owned(),
                            visited_on: (first + Duration::days(9)).to_string(),
                            minutes: 180,
                            learnt: "学习了基层一线“一次办好”的做法和群众诉求快速响应机制。"
                                .to_owned(),
                            people,
                        },
                        at(first + Duration::days(10), 10, 0),
                    )
                    .await?;
            }
        }
        // A training for the counties two months ago: each county office's 主任 registers.
        if let Some(first) = month_start(today, 2) {
            let starts = at(first + Duration::days(16), 9, 0);
            let t = study
                .create_training(
                    &zhuren,
                    &TrainingInput {
                        title: "全市政府办公室系统公文写作与信息报送培训".to_owned(),
                        place: "市政府二号楼报告厅".to_owned(),
                        description:
                            "面向各县（区）政府办公室，讲授公文写作规范与政务信息报送要求。"
                                .to_owned(),
                        starts_at: beijing_text(starts),
                        ends_at: beijing_text(starts + Duration::hours(3)),
                        register_by: (first + Duration::days(12)).to_string(),
                    },
                    at(first + Duration::days(1), 9, 0),
                )
                .await?;
            let counties = mstore::offices_below(
                self.db(),
                mstore::parent_of(self.db(), office).await?.unwrap_or(0),
            )
            .await?;
            let ids: Vec<i64> = counties.iter().map(|(id, _)| *id).collect();
            for s in mstore::staff_of_offices(self.db(), &ids).await? {
                if s.position != "director" || s.unit_id != s.office_id {
                    continue;
                }
                let a = self.study_actor(s.person_id, s.post_id, now).await?;
                study
                    .register(
                        &a,
                        t,
                        &RegisterInput::default(),
                        at(first + Duration::days(5), 10, 0),
                    )
                    .await?;
                study
                    .attend_training(
                        &zhuren,
                        t,
                        &RegisterInput {
                            post_id: Some(s.post_id),
                        },
                        starts + Duration::minutes(10),
                    )
                    .await?;
            }
        }
        // This month: a material the 秘书 must read, and a 学习会 under way.
        let mishu = xn_store::information::demo_post(self.db(), "mishu")
            .await?
            .map(|(_, post)| post);
        let m = study
            .create_material(
                &zhuren,
                &MaterialInput {
                    title: "新修订的公文处理细则要点".to_owned(),
                    topic: "公文写作".to_owned(),
                    grade: "fine".to_owned(),
                    audience: "office".to_owned(),
                    classification: String::new(),
                    body: "一、收文当日登记分办。\n二、发文严格核稿。\n三、急件随到随办。"
                        .to_owned(),
                    reading_minutes: 30,
                    reader_posts: mishu.into_iter().collect(),
                    reader_units: Vec::new(),
                },
                None,
                now - Duration::hours(2),
            )
            .await?;
        materials += 1;
        let starts = now - Duration::minutes(10);
        study
            .create_session(
                &zhuren,
                &SessionInput {
                    kind: "study".to_owned(),
                    title: "新修订的公文处理细则解读".to_owned(),
                    place: "市政府办公室三楼会议室".to_owned(),
                    starts_at: starts.to_rfc3339(),
                    ends_at: (starts + Duration::minutes(90)).to_rfc3339(),
                    speaker_post_id: director.post_id,
                    material_ids: vec![m],
                    attendee_posts: Vec::new(),
                },
                now - Duration::hours(3),
            )
            .await?;
        sessions += 1;
        Ok((materials, sessions))
    }
}
