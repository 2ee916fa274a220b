//! The demo city's year of research, made through the same services a person uses: a dozen
//! topics of the city office, one proposed each month over the past year by 调研科 or by
//! 秘书一科 (every third assigned by the mayor), taken into the plan by the 主任, with a 座谈会
//! and a visit (the mayor at some), a report reviewed and submitted, the mayor's 批示, and the
//! outcome: converted into an outgoing document of the office or a meeting's decision, or not.
//! One topic was declined; the latest are still in the field, reporting (one 批示 turned into a
//! 督办 item by 督查科) or awaiting the 主任's decision.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use xn_domain::calendar::hours::from_shanghai_local;
use xn_store::management as mstore;

use super::{OutcomeInput, ReportInput, ReviewInput, SuperviseInput, TopicInput, VisitInput};
use crate::auth::Client;
use crate::{Actor, Result, Services};

const TOPICS: [(&str, &str, &str); 12] = [
    (
        "关于全市农村寄递物流体系建设情况的调研",
        "河口镇",
        "镇村干部、快递网点负责人",
    ),
    (
        "关于优化营商环境“一件事一次办”落实情况的调研",
        "市政务服务中心",
        "窗口工作人员、办事企业代表",
    ),
    (
        "关于城区老旧小区改造推进情况的调研",
        "东城区幸福里小区",
        "社区干部、居民代表",
    ),
    (
        "关于县域医共体建设运行情况的调研",
        "清河县人民医院",
        "医院负责人、乡镇卫生院院长",
    ),
    (
        "关于农村集体经济发展壮大情况的调研",
        "柳林乡前进村",
        "村“两委”成员、合作社负责人",
    ),
    (
        "关于中小学课后服务开展情况的调研",
        "市第三中学",
        "学校负责人、家长代表",
    ),
    (
        "关于城市生活垃圾分类工作的调研",
        "西城区环卫站",
        "环卫工人、街道干部",
    ),
    (
        "关于重点项目建设审批提速情况的调研",
        "市高新区管委会",
        "项目单位负责人",
    ),
    (
        "关于养老服务设施布局情况的调研",
        "北城区社区养老服务中心",
        "老年人代表、运营机构",
    ),
    ("关于冬春季安全生产的调研", "东川化工园区", "企业安全负责人"),
    (
        "关于高标准农田建设管护情况的调研",
        "石桥镇",
        "种粮大户、农技人员",
    ),
    (
        "关于政务数据共享应用情况的调研",
        "市大数据中心",
        "各部门信息化负责人",
    ),
];

/// A 1×1 PNG: the pictures of the demo's visits.
const PICTURE: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    from_shanghai_local(day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default()))
}

fn text(t: DateTime<Utc>) -> String {
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

/// The people of the demo's research.
struct Cast {
    zhuren: Actor,
    mayor: Actor,
    mayor_post: i64,
    leads: Vec<(i64, Actor)>,
    supervisor: Option<Actor>,
    documents: Vec<i64>,
    decisions: Vec<i64>,
}

impl Services {
    async fn research_cast(&self, office: i64, now: DateTime<Utc>) -> Result<Option<Cast>> {
        let staff = mstore::staff_of_offices(self.db(), &[office]).await?;
        let actor = |person: i64, post: i64| async move {
            self.actor_for(person, Some(post), None, &Client::default(), now)
                .await
        };
        let find = |unit: &str, position: &str| {
            staff
                .iter()
                .find(|s| s.unit_name.ends_with(unit) && s.position == position)
                .map(|s| (s.person_id, s.post_id))
        };
        let (Some(director), Some(research), Some(secretary)) = (
            staff
                .iter()
                .find(|s| s.unit_id == office && s.position == "director")
                .map(|s| (s.person_id, s.post_id)),
            find("调研科", "section_chief"),
            find("秘书一科", "secretary"),
        ) else {
            return Ok(None);
        };
        let Some(gov) = xn_store::research::government_of(self.db(), office).await? else {
            return Ok(None);
        };
        let Some(mayor) = xn_store::meetings::schedule::leaders_of(self.db(), gov, office)
            .await?
            .into_iter()
            .find(|l| l.unit_id == gov)
        else {
            return Ok(None);
        };
        let mayor_person = xn_store::research::person_of_post(self.db(), mayor.post_id).await?;
        let supervisor = match find("督查科", "staff") {
            Some((person, post)) => Some(actor(person, post).await?),
            None => None,
        };
        Ok(Some(Cast {
            zhuren: actor(director.0, director.1).await?,
            mayor: actor(mayor_person, mayor.post_id).await?,
            mayor_post: mayor.post_id,
            leads: vec![
                (research.1, actor(research.0, research.1).await?),
                (secretary.1, actor(secretary.0, secretary.1).await?),
            ],
            supervisor,
            documents: xn_store::research::office_documents(self.db(), office, 6).await?,
            decisions: xn_store::research::office_decisions(self.db(), office, 3).await?,
        }))
    }

    /// Loads the demo city's research (see the module's note); answers the topics made. Run
    /// by `serve --demo` after the information demo.
    pub async fn load_demo_research(&self, now: DateTime<Utc>) -> Result<usize> {
        let units = xn_store::org::list_units(self.db()).await?;
        let Some(office) = units
            .iter()
            .find(|u| u.name == "东川市人民政府办公室")
            .map(|u| u.id)
        else {
            return Ok(0);
        };
        let Some(cast) = self.research_cast(office, now).await? else {
            return Ok(0);
        };
        let r = self.research();
        let today = xn_domain::calendar::business_date(now);
        let mut made = 0;
        let (mut documents, mut decisions) = (cast.documents.iter(), cast.decisions.iter());
        for (i, (title, place, people)) in TOPICS.iter().enumerate() {
            let back = 11 - i32::try_from(i).unwrap_or(0);
            let Some(first) = month_start(today, back) else {
                continue;
            };
            let (lead_post, lead) = &cast.leads[i % 2];
            let other = cast.leads[(i + 1) % 2].0;
            let proposer = if i % 3 == 0 { &cast.mayor } else { lead };
            let proposed_at = at(first + Duration::days(2), 10).min(now);
            let id = r
                .propose(
                    proposer,
                    &TopicInput {
                        title: (*title).to_owned(),
                        questions: format!(
                            "一、{place}等地的基本情况和主要做法；二、存在的突出问题；三、下一步的对策建议。"
                        ),
                        origin: if i % 3 == 0 { "assigned" } else { "own" }.to_owned(),
                        assigned_by: (i % 3 == 0).then_some(cast.mayor_post),
                        timing: if i % 4 == 3 { "after" } else { "before" }.to_owned(),
                        lead_post: Some(*lead_post),
                        members: vec![other],
                        starts_on: (first + Duration::days(4)).to_string(),
                        due_on: if i == 4 {
                            (first + Duration::days(24)).to_string()
                        } else {
                            (first + Duration::days(55)).to_string()
                        },
                    },
                    proposed_at,
                )
                .await?;
            made += 1;
            if i == 11 {
                continue;
            }
            let decided = at(first + Duration::days(4), 9).min(now);
            if i == 7 {
                r.decide(
                    &cast.zhuren,
                    id,
                    false,
                    "与年度重点工作重复，并入相关课题统筹开展",
                    decided,
                )
                .await?;
                continue;
            }
            r.decide(&cast.zhuren, id, true, "同意列入年度调研计划", decided)
                .await?;
            r.start(lead, id, decided).await?;
            for (n, (kind, day)) in [("forum", 10), ("visit", 14)].into_iter().enumerate() {
                let starts = at(first + Duration::days(day), 9);
                if starts > now {
                    continue;
                }
                let mut went = vec![*lead_post, other];
                if n == 0 && i % 2 == 0 {
                    went.push(cast.mayor_post);
                }
                let picture: &[(&str, &[u8])] = &[("现场照片.png", PICTURE)];
                r.log_visit(
                    lead,
                    id,
                    &VisitInput {
                        kind: kind.to_owned(),
                        starts_at: text(starts),
                        ends_at: text(starts + Duration::hours(2)),
                        place: (*place).to_owned(),
                        people_met: (*people).to_owned(),
                        notes: format!(
                            "{place}的同志介绍了情况，大家反映的主要问题是政策落实“最后一公里”仍有堵点，建议加强统筹。"
                        ),
                        people: went,
                    },
                    if n == 0 { picture } else { &[] },
                    starts + Duration::hours(3),
                )
                .await?;
            }
            if i == 10 {
                continue;
            }
            let Some(next) = month_start(today, back - 1) else {
                continue;
            };
            let written = at(next + Duration::days(3), 10).min(now);
            r.save_report(
                lead,
                id,
                &ReportInput {
                    title: format!("{title}报告"),
                    body: format!(
                        "一、基本情况\n调研组赴{place}等地，与{people}座谈。\n二、存在问题\n政策落实仍有堵点。\n三、对策建议\n加强统筹，明确责任，限时推进。"
                    ),
                    submit: true,
                },
                written,
            )
            .await?;
            r.review(
                &cast.zhuren,
                id,
                &ReviewInput {
                    approve: true,
                    note: String::new(),
                },
                (written + Duration::days(1)).min(now),
            )
            .await?;
            if i % 3 != 2 {
                let instruction = r
                    .instruct(
                        &cast.mayor,
                        id,
                        "报告很好，请有关部门认真研究吸收，抓好落实。",
                        (written + Duration::days(2)).min(now),
                    )
                    .await?;
                if i == 9
                    && let Some(s) = &cast.supervisor
                {
                    r.supervise(
                        s,
                        id,
                        &SuperviseInput {
                            instruction_id: instruction,
                            lead_post: None,
                            deadline_days: Some(20),
                        },
                        now,
                    )
                    .await?;
                }
            }
            if i >= 8 {
                continue;
            }
            let outcome = match i % 4 {
                0 | 2 => documents.next().map(|d| ("document", Some(*d), None)),
                1 => decisions.next().map(|d| ("decision", None, Some(*d))),
                _ => None,
            }
            .unwrap_or(("none", None, None));
            r.close(
                lead,
                id,
                &OutcomeInput {
                    outcome: outcome.0.to_owned(),
                    document_id: outcome.1,
                    decision_id: outcome.2,
                    note: String::new(),
                },
                at(next + Duration::days(18), 16).min(now),
            )
            .await?;
        }
        Ok(made)
    }
}
