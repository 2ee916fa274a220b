//! Two months of information in the demo city, made through the real services with the clock
//! moved day by day: every county office's 秘书 reports items to the city office, its 主任 signs
//! them off, the city's 信息科 signs for and screens them (mostly within the limit, a few late,
//! the last days' still waiting), adopts most into the month's issue of 《东川政务信息》 (some as
//! 专报, a few adopted higher up or given a leader's 批示), and prints each past month's issue;
//! a few urgent events are reported, some late. Twice the section asks counties for information
//! on a topic (约稿): most answer with their next item, one is urged and stays overdue, and the
//! first commission is closed. Deterministic: the same demo on every machine.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use xn_domain::calendar::hours::from_shanghai_local;
use xn_domain::flow::engine::business_date;

use super::adopt::AdoptInput;
use super::{NewCommission, NewInformation, NewPeriodical, PublishInput};
use crate::auth::Client;
use crate::demo::documents::Rng;
use crate::{Actor, Result, Services};

const TOPICS: [(&str, &str); 10] = [
    (
        "推进高标准农田建设",
        "新建高标准农田，完善灌排设施，粮食综合生产能力稳步提升。",
    ),
    (
        "优化营商环境见实效",
        "深化“放管服”改革，企业开办压缩至一个工作日内办结。",
    ),
    (
        "开展冬春森林防火专项检查",
        "组织力量对林区开展拉网式排查，整改隐患，落实巡护责任。",
    ),
    (
        "城乡居民医保参保扩面取得进展",
        "入户宣传动员，参保率较去年同期提高。",
    ),
    (
        "根治欠薪专项行动",
        "对在建工程项目逐一排查，督促企业足额发放农民工工资。",
    ),
    (
        "老旧小区改造惠民生",
        "完成老旧小区改造，加装电梯、改造管网，群众满意度提升。",
    ),
    (
        "12345 热线诉求办理提质增效",
        "建立诉求分办督办机制，按期办结率和满意率持续提高。",
    ),
    (
        "乡村振兴示范村建设",
        "因地制宜发展特色产业，村集体经济收入稳步增长。",
    ),
    (
        "安全生产隐患排查整治",
        "对重点行业领域开展隐患排查，建立台账，限期整改销号。",
    ),
    (
        "群众反映农村饮水问题的建议",
        "部分村组供水不稳定，建议加快农村供水管网改造。",
    ),
];

/// One of the demo's 约稿.
struct DemoCommission {
    topic: &'static str,
    text: &'static str,
    /// Its first day, counted from the demo's start.
    after: i64,
    /// Days to answer.
    days: i64,
    /// The counties asked (by index).
    asked: [usize; 4],
    /// The one that does not answer.
    silent: usize,
}

const COMMISSIONS: [DemoCommission; 2] = [
    DemoCommission {
        topic: "冬春季安全生产的经验做法",
        text: "请结合本地实际，报送一篇安全生产隐患排查整治的经验做法，1500 字以内。",
        after: 15,
        days: 10,
        asked: [0, 1, 2, 3],
        silent: 3,
    },
    DemoCommission {
        topic: "年底民生实事办理情况",
        text: "请报送今年民生实事的完成情况、群众评价和存在的问题。",
        after: 52,
        days: 10,
        asked: [2, 4, 5, 6],
        silent: 6,
    },
];

/// A demo commission under way.
struct OpenCommission {
    id: i64,
    due: NaiveDate,
    /// Its row in [`COMMISSIONS`].
    row: usize,
    /// The counties (by index) still to answer.
    waiting: Vec<usize>,
    urged: bool,
    closed: bool,
}

impl OpenCommission {
    /// Whether county `k` answers it on `day`.
    fn answers(&self, k: usize, day: NaiveDate) -> bool {
        self.waiting.contains(&k) && COMMISSIONS[self.row].silent != k && day <= self.due
    }
}

const COUNTIES: [&str; 8] = [
    "qinghe", "liulin", "shimen", "baishui", "yunxi", "nanling", "anping", "qingshan",
];

fn at(d: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    from_shanghai_local(d.and_hms_opt(hour, minute, 0).unwrap_or_default())
}

impl Services {
    /// Loads two months of information ending at `now` (see the module's note); answers how
    /// many items were reported. Run by `serve --demo` after the city is loaded, not by tests.
    pub async fn load_demo_information(&self, now: DateTime<Utc>) -> Result<usize> {
        let client = Client::default();
        let section_login = xn_store::information::demo_section_login(self.db()).await?;
        let Some(section_login) = section_login else {
            return Ok(0);
        };
        let Some(section) = self
            .information_demo_actor(&section_login, &client, now)
            .await?
        else {
            return Ok(0);
        };
        let info = self.information();
        let cap = info.as_section(&section).await?;
        let periodical = info
            .create_periodical(
                &cap,
                &NewPeriodical {
                    name: "东川政务信息".into(),
                    publisher: String::new(),
                    report_to: "省人民政府办公厅，市委、市政府领导".into(),
                    send_to: "市委办公室，市人大常委会办公室，市政协办公室".into(),
                    issue_to: "各县（区）人民政府办公室，市政府各部门".into(),
                },
                now - TimeDelta::days(62),
            )
            .await?;
        let mut counties = Vec::new();
        for c in COUNTIES {
            let mishu = self
                .information_demo_actor(&format!("{c}.mishu"), &client, now)
                .await?;
            let zhuren = self
                .information_demo_actor(&format!("{c}.zhuren"), &client, now)
                .await?;
            if let (Some(m), Some(z)) = (mishu, zhuren) {
                counties.push((m, z));
            }
        }
        if counties.is_empty() {
            return Ok(0);
        }
        let city_office = info.options(&counties[0].0).await?.targets;
        let Some(city_office) = city_office.iter().find(|t| !t.outside).map(|t| t.id) else {
            return Ok(0);
        };
        let cal = self.flow_calendar().await?;
        let today = business_date(now);
        let start = today - TimeDelta::days(60);
        let mut organs = Vec::new();
        for (m, _) in &counties {
            organs.push(info.options(m).await?.unit_id);
        }
        let leader = info.instruction_leaders(&cap).await?.first().map(|l| l.0);
        let mut commissions: Vec<OpenCommission> = Vec::new();
        let mut rng = Rng(20_261_206);
        let mut made = 0;
        let mut issue: Option<(i64, u32)> = None;
        let mut day = cal.next_working_day(start);
        while day < today {
            let month = day.format("%m").to_string().parse::<u32>().unwrap_or(0);
            // A new month: print the last month's issue, open this month's.
            if issue.is_none_or(|(_, m)| m != month) {
                if let Some((id, _)) = issue
                    && info
                        .publish(&cap, id, &PublishInput::default(), at(day, 9, 0))
                        .await
                        .is_ok()
                {
                    // Issued to every unit; the counties' secretaries sign for it that day.
                    for (mishu, _) in &counties {
                        let _ = info.receive_issue(mishu, id, at(day, 10, 30)).await;
                    }
                }
                let v = info.new_issue(&cap, periodical, at(day, 8, 40)).await?;
                issue = Some((v.id, month));
            }
            self.demo_commissions(&cap, day, start, &organs, &mut commissions)
                .await?;
            for (k, (mishu, zhuren)) in counties.iter().enumerate() {
                // A county asked answers its commission, on one day of two or three.
                let asked = commissions.iter().any(|c| c.answers(k, day));
                if rng.range(0, 9) > if asked { 3 } else { 1 } {
                    continue;
                }
                let answer = commissions.iter_mut().find(|c| c.answers(k, day)).map(|c| {
                    c.waiting.retain(|x| *x != k);
                    (c.id, COMMISSIONS[c.row].topic)
                });
                let seed = usize::try_from(rng.range(0, 999)).unwrap_or(0);
                let (topic, text) = TOPICS[(seed + k) % TOPICS.len()];
                // The county's name: the 秘书股's short name is 「清河县秘书股」.
                let unit = mishu
                    .post
                    .as_ref()
                    .map_or("", |p| p.unit_short_name.trim_end_matches("秘书股"));
                let urgent = seed % 23 == 0 && answer.is_none();
                let sent = at(day, 9 + u32::try_from(seed % 6).unwrap_or(0), 10);
                let Some(signer) = mishu.post.as_ref().and(zhuren.post.as_ref()).map(|p| p.id)
                else {
                    continue;
                };
                let input = if urgent {
                    NewInformation {
                        title: format!("{unit}境内发生一起道路交通事故"),
                        body: "事故发生后，县政府立即启动应急预案，组织救援，伤员已送医救治，事故原因正在调查。"
                            .into(),
                        kind: "urgent".into(),
                        report_kind: "flash".into(),
                        event_at: Some(
                            xn_domain::calendar::hours::to_shanghai_local(
                                sent - TimeDelta::minutes(if seed % 2 == 0 { 15 } else { 40 }),
                            )
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                        ),
                        signer_post: signer,
                        offices: vec![city_office],
                        ..NewInformation::default()
                    }
                } else if let Some((commission, topic)) = answer {
                    NewInformation {
                        title: format!("{unit}{topic}"),
                        body: format!(
                            "{unit}按照市政府办公室约稿要求，结合本地实际报告如下：{text}下一步，将认真总结经验，持续抓好落实。"
                        ),
                        kind: "practice".into(),
                        signer_post: signer,
                        offices: vec![city_office],
                        commission: Some(commission),
                        ..NewInformation::default()
                    }
                } else {
                    NewInformation {
                        title: format!("{}{topic}", unit),
                        body: format!(
                            "{}{text}下一步，将持续巩固成果，推动工作取得更大成效。",
                            unit
                        ),
                        kind: ["news", "practice", "suggestion", "public_opinion"][seed % 4].into(),
                        signer_post: signer,
                        offices: vec![city_office],
                        ..NewInformation::default()
                    }
                };
                let item = info.submit(mishu, &input, &[], sent).await?;
                made += 1;
                let row = xn_store::information::find_item(self.db(), item).await?;
                let Some(case) = row.case_id else { continue };
                let signed = sent + TimeDelta::minutes(if urgent { 10 } else { 50 });
                let task = self.demo_open_task(case).await?;
                if let Some(task) = task {
                    self.act(
                        zhuren,
                        case,
                        None,
                        xn_domain::flow::Action::Complete {
                            task,
                            decision: "同意".into(),
                            opinion: "同意报送".into(),
                            choices: Default::default(),
                        },
                        None,
                        signed,
                    )
                    .await?;
                }
                // The last days' items still wait at the city's 签收.
                if today - day < TimeDelta::days(2) {
                    continue;
                }
                let receipts = xn_store::information::receipts_of_item(self.db(), item).await?;
                let Some(r) = receipts.first() else { continue };
                // Most within the four hours, one in eight the next day (late).
                let delay = if seed % 8 == 0 {
                    60 * 22
                } else {
                    40 + (seed as i64 % 90)
                };
                let t = signed + TimeDelta::minutes(delay);
                info.sign(&cap, r.id, t).await?;
                let t = t + TimeDelta::minutes(30);
                if seed % 9 == 4 {
                    info.screen(&cap, r.id, "退回修改", "请补充具体数据和典型事例", t)
                        .await?;
                    continue;
                }
                if seed % 11 == 5 {
                    info.screen(&cap, r.id, "不予采用", "内容与前期信息重复", t)
                        .await?;
                    continue;
                }
                info.screen(&cap, r.id, "采用", "", t).await?;
                if let Some((issue_id, _)) = issue {
                    info.adopt(
                        &cap,
                        r.id,
                        &AdoptInput {
                            level: "periodical".into(),
                            issue: Some(issue_id),
                            note: String::new(),
                            leader_post: None,
                        },
                        t + TimeDelta::minutes(5),
                    )
                    .await?;
                }
                if seed % 5 == 0 {
                    info.adopt(
                        &cap,
                        r.id,
                        &AdoptInput {
                            level: "special".into(),
                            issue: None,
                            note: String::new(),
                            leader_post: None,
                        },
                        t + TimeDelta::minutes(6),
                    )
                    .await?;
                }
                if seed % 13 == 0 {
                    info.adopt(
                        &cap,
                        r.id,
                        &AdoptInput {
                            level: "higher".into(),
                            issue: None,
                            note: "省人民政府办公厅《政务信息》采用".into(),
                            leader_post: None,
                        },
                        t + TimeDelta::minutes(7),
                    )
                    .await?;
                }
                if seed % 17 == 0 {
                    info.adopt(
                        &cap,
                        r.id,
                        &AdoptInput {
                            level: "instruction".into(),
                            issue: None,
                            note: "此做法很好，请相关部门总结推广。".into(),
                            leader_post: leader,
                        },
                        t + TimeDelta::minutes(8),
                    )
                    .await?;
                }
            }
            day = cal.add_working_days(day, 1).date;
        }
        Ok(made)
    }

    /// The demo's 约稿 on `day`: a commission asked on its day; two working days before its
    /// date, the counties that have not answered are urged; three days after it, it is closed.
    async fn demo_commissions(
        &self,
        cap: &super::InfoSectionCap<'_>,
        day: NaiveDate,
        start: NaiveDate,
        organs: &[i64],
        open: &mut Vec<OpenCommission>,
    ) -> Result<()> {
        let info = self.information();
        for (row, d) in COMMISSIONS.iter().enumerate() {
            let first = start + TimeDelta::days(d.after);
            if day < first || open.iter().any(|c| c.row == row) {
                continue;
            }
            let units: Vec<i64> = d
                .asked
                .iter()
                .filter_map(|k| organs.get(*k).copied())
                .collect();
            let due = day + TimeDelta::days(d.days);
            let id = info
                .commission(
                    cap,
                    &NewCommission {
                        topic: d.topic.into(),
                        description: d.text.into(),
                        due_on: due.to_string(),
                        units,
                    },
                    at(day, 8, 30),
                )
                .await?;
            open.push(OpenCommission {
                id,
                due,
                row,
                waiting: d.asked.to_vec(),
                urged: false,
                closed: false,
            });
        }
        for c in open.iter_mut() {
            if !c.urged && day >= c.due - TimeDelta::days(2) {
                c.urged = true;
                info.urge_commission(cap, c.id, at(day, 16, 0)).await?;
            }
            if !c.closed && day >= c.due + TimeDelta::days(3) {
                c.closed = true;
                info.close_commission(cap, c.id, at(day, 17, 0)).await?;
            }
        }
        Ok(())
    }

    /// A demo person's first active post as an actor, by login.
    async fn information_demo_actor(
        &self,
        login: &str,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<Option<Actor>> {
        let Some((person, post)) = xn_store::information::demo_post(self.db(), login).await? else {
            return Ok(None);
        };
        Ok(Some(
            self.actor_for(person, Some(post), None, client, now)
                .await?,
        ))
    }

    /// The open task of a case (the demo's actors act on the one waiting for them).
    async fn demo_open_task(&self, case: i64) -> Result<Option<u32>> {
        let tasks = xn_store::flow::tasks_of_case(self.db(), case).await?;
        tasks
            .iter()
            .find(|t| t.state == "open")
            .map(|t| crate::exact("a task's number", t.task_no))
            .transpose()
    }
}
