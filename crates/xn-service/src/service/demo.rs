//! The demo city's service requests: a year of requests to the city government (the last 250
//! working days before `now`: one on about every other working day, then one or two on each of
//! the last 40), made through the
//! area's own use cases as the people involved would: most submitted on the public form (its
//! challenge answered), the rest registered by the city office's 秘书 from calls, letters and
//! visits; accepted, merged or declined by that 秘书; dispatched to the county named in the
//! place (its office's 秘书), who signs or — now and then — returns it to be dispatched again;
//! answered mostly in time, some late, a few after an approved 延期; reviewed; rated by phone or
//! by the requester (mostly 满意, some 不满意, which sends it back once for 重办). Requests of the
//! last days stay open at the step they reached.
//!
//! And the office's own 办事 of the last 40 working days: the city's leaders and the office's
//! staff ask for a car, a repair, supplies, a room or the seal; the 秘书 accepts and dispatches
//! to 行政科's 后勤 (`houqin`) or the office's 内务; they answer within the hours, now and then
//! late; the one who asked rates it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::from_shanghai_local;
use xn_domain::service::{Channel, Urgency, VisitResult};
use xn_store::service as store;

use super::handling::{DispatchInput, ExtensionInput};
use super::intake::{PublicInput, RegisterInput};
use super::internal::InternalInput;
use crate::auth::Client;
use crate::demo::documents::Rng;
use crate::{Actor, Result, Services};

/// (category, weight, what people write, what the county answers).
const TOPICS: [(&str, u32, &str, &str); 12] = [
    (
        "咨询",
        14,
        "请问办理居住证需要准备哪些材料，在哪里办理？",
        "居住证可在户籍所在地派出所办理，需携带身份证、居住证明和近期照片，具体可拨打派出所电话咨询。",
    ),
    (
        "咨询",
        10,
        "孩子明年上小学，想了解学区划分和报名时间。",
        "今年学区划分方案已在教育局网站公布，报名时间为 6 月 1 日至 15 日，可在线报名。",
    ),
    (
        "求助",
        10,
        "家中老人独居、行动不便，希望社区能提供上门帮扶。",
        "已联系所在社区，安排网格员每周两次上门探访，并为老人申请了居家养老服务。",
    ),
    (
        "求助",
        6,
        "小区停水两天，一直没有通知何时恢复。",
        "经核实系主管道抢修，已于当日恢复供水，供水公司已向小区补发停水通知。",
    ),
    (
        "投诉",
        12,
        "小区门口的排水沟堵塞多日，雨天积水严重。",
        "已安排市政养护队疏通排水沟并清理淤泥，今后纳入日常巡查。",
    ),
    (
        "投诉",
        9,
        "夜间建筑工地施工噪音扰民，影响休息。",
        "已责令施工单位停止夜间施工，住建部门将加强夜间巡查。",
    ),
    (
        "投诉",
        6,
        "农贸市场周边占道经营，交通拥堵。",
        "城管部门已开展集中整治，划定临时疏导点，安排专人值守。",
    ),
    (
        "建议",
        9,
        "建议在城关镇增设公交站台，方便群众出行。",
        "已与公交公司对接，拟在下月调整线路并增设站台。",
    ),
    (
        "建议",
        6,
        "建议增加老旧小区的充电桩数量。",
        "已将该小区纳入今年充电设施建设计划，预计三季度完成安装。",
    ),
    (
        "举报",
        5,
        "有人在河道非法采砂。",
        "水利部门已会同公安现场查处，暂扣采砂设备，依法立案处理。",
    ),
    (
        "表扬",
        3,
        "感谢社区工作人员帮助我办理了低保手续。",
        "已将您的表扬转达所在社区，感谢您对我们工作的支持。",
    ),
    (
        "其他",
        2,
        "反映路边广告牌松动存在安全隐患。",
        "已通知产权单位加固广告牌，城管部门将复查。",
    ),
];

const TOWNS: [&str; 4] = ["城关镇", "新华街道", "河西乡", "南山镇"];
const STREETS: [&str; 4] = ["人民路", "建设路", "解放街", "滨河路"];
const GIVEN: [&str; 8] = [
    "建国", "秀英", "志强", "丽华", "海燕", "德明", "桂兰", "晓东",
];
const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];

/// A Beijing working-day instant: `minutes` after 09:00 of `d`.
fn at(d: NaiveDate, minutes: i64) -> DateTime<Utc> {
    from_shanghai_local(d.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()))
        + Duration::minutes(minutes)
}

impl Services {
    async fn service_demo_actor(&self, post: i64, now: DateTime<Utc>) -> Result<Actor> {
        let person = store::person_of_post(self.db(), post).await?;
        self.actor_for(person, Some(post), None, &Client::default(), now)
            .await
    }

    /// Loads the demo's service requests (see the module's note); answers how many were made.
    /// Run by `serve --demo` after the city is loaded.
    pub async fn load_demo_service(&self, now: DateTime<Utc>) -> Result<usize> {
        let s = self.service();
        let governments = store::governments(self.db()).await?;
        let Some((city, _)) = governments.first().cloned() else {
            return Ok(0);
        };
        let mut tx = self.db().begin_read().await?;
        let dispatchers = self.service_dispatchers(&mut tx, city).await?;
        // The counties' office 秘书: the lead posts, with the county's place name.
        let mut counties = Vec::new();
        for (unit, name) in store::units_under(self.db(), city).await? {
            let Some(office) = store::office_of_government(&mut tx, unit).await? else {
                continue;
            };
            if let Some(post) = store::posts_in_office(&mut tx, office, &["secretary"])
                .await?
                .first()
            {
                let place = name.trim_end_matches("政府").to_owned();
                counties.push((*post, place));
            }
        }
        drop(tx);
        // The city office's 秘书 (the demo's `mishu`) dispatches.
        let mishu_post =
            match xn_store::org::find_person_by_login(&mut self.db().begin_read().await?, "mishu")
                .await?
            {
                Some(p) => xn_store::org::list_posts_of_person(self.db(), p.id)
                    .await?
                    .first()
                    .map(|p| p.id),
                None => None,
            };
        let Some(mishu_post) = mishu_post.or_else(|| dispatchers.first().copied()) else {
            return Ok(0);
        };
        if counties.is_empty() {
            return Ok(0);
        }
        let categories = store::categories(self.db()).await?;
        let cal = self.flow_calendar().await?;
        let today = business_date(now);
        let mut day = today;
        for _ in 0..250 {
            day = day.pred_opt().unwrap_or(day);
            while !cal.is_working_day(day) {
                day = day.pred_opt().unwrap_or(day);
            }
        }
        let total: u32 = TOPICS.iter().map(|t| t.1).sum();
        let mut rng = Rng(20_261_206);
        let mut made = 0;
        let mut open_by_county: Vec<Option<i64>> = vec![None; counties.len()];
        while day < today {
            let n = if cal.working_days_between(day, today) > 40 {
                rng.range(0, 1)
            } else {
                rng.range(1, 2)
            };
            for k in 0..n {
                let mut roll = rng.range(1, total);
                let topic = TOPICS
                    .iter()
                    .find(|t| {
                        if roll <= t.1 {
                            true
                        } else {
                            roll -= t.1;
                            false
                        }
                    })
                    .unwrap_or(&TOPICS[0]);
                let Some(cat) = categories.iter().find(|c| c.name == topic.0) else {
                    continue;
                };
                let ci =
                    usize::try_from(rng.range(0, u32::try_from(counties.len() - 1).unwrap_or(0)))
                        .unwrap_or(0);
                let (lead, place) = counties[ci].clone();
                let pick = |rng: &mut Rng, list: &[&'static str]| {
                    list[usize::try_from(rng.range(0, u32::try_from(list.len() - 1).unwrap_or(0)))
                        .unwrap_or(0)]
                };
                let location = format!(
                    "{place}{}{}{}号",
                    pick(&mut rng, &TOWNS),
                    pick(&mut rng, &STREETS),
                    rng.range(1, 200)
                );
                let name = format!("{}{}", pick(&mut rng, &SURNAMES), pick(&mut rng, &GIVEN));
                let phone = format!("13{}{:08}", rng.range(3, 9), rng.range(0, 99_999_999));
                let t0 = at(day, i64::from(rng.range(0, 400)) + i64::from(k) * 30);
                let mishu = self.service_demo_actor(mishu_post, t0).await?;
                let cap = s.as_dispatcher(&mishu).await?;
                let id = if rng.range(0, 99) < 60 {
                    let c = s.challenge(t0).await?;
                    let sum: i64 = c
                        .question
                        .trim_end_matches(" = ?")
                        .split(" + ")
                        .filter_map(|x| x.parse::<i64>().ok())
                        .sum();
                    let input = PublicInput {
                        government: Some(city),
                        category: cat.id,
                        name: name.clone(),
                        anonymous: topic.0 == "举报",
                        phone: phone.clone(),
                        location: location.clone(),
                        description: topic.2.into(),
                        challenge: c.token,
                        answer: sum.to_string(),
                    };
                    s.submit(
                        &input,
                        &[],
                        &format!("198.51.100.{}", rng.range(1, 250)),
                        t0,
                    )
                    .await?
                    .id
                } else {
                    let channel = match rng.range(0, 3) {
                        0 => Channel::Letter,
                        1 => Channel::Visit,
                        _ => Channel::Phone,
                    };
                    let input = RegisterInput {
                        channel,
                        category: cat.id,
                        name,
                        anonymous: false,
                        phone,
                        location,
                        description: topic.2.into(),
                        urgency: if rng.range(0, 99) < 10 {
                            Urgency::Urgent
                        } else {
                            Urgency::Normal
                        },
                    };
                    s.register(&cap, &input, &[], t0).await?.id
                };
                made += 1;
                let age = cal.working_days_between(day, today);
                if age < 1 && rng.range(0, 99) < 50 {
                    continue; // 待受理
                }
                let t1 = t0 + Duration::minutes(40);
                // A duplicate of an open request of the same county is merged; a few declined.
                let r = rng.range(0, 99);
                if r < 4 {
                    s.decline(&cap, id, "该事项属司法程序，请通过诉讼途径解决", t1)
                        .await?;
                    continue;
                }
                if r < 9
                    && let Some(into) = open_by_county[ci]
                    && s.merge(&cap, id, into, t1).await.is_ok()
                {
                    continue;
                }
                s.accept(&cap, id, t1).await?;
                open_by_county[ci] = Some(id);
                let t2 = t1 + Duration::minutes(20);
                let input = DispatchInput {
                    lead_post: lead,
                    assists: Vec::new(),
                    note: String::new(),
                };
                s.dispatch(&cap, id, &input, t2).await?;
                self.demo_follow(id, mishu_post, lead, &counties, ci, day, today, &mut rng)
                    .await?;
            }
            day = cal.add_working_days(day, 1).date;
        }
        made += self.demo_internal(city, mishu_post, now, &mut rng).await?;
        Ok(made)
    }

    /// The office's own 办事 of the last 40 working days (see the module's note).
    async fn demo_internal(
        &self,
        city: i64,
        mishu_post: i64,
        now: DateTime<Utc>,
        rng: &mut Rng,
    ) -> Result<usize> {
        let today = business_date(now);
        let s = self.service();
        let mut posts = Vec::new();
        for login in ["houqin", "kezhang", "zhuren", "shizhang", "xinxi", "wenshu"] {
            let mut tx = self.db().begin_read().await?;
            let person = xn_store::org::find_person_by_login(&mut tx, login).await?;
            drop(tx);
            if let Some(p) = person
                && let Some(post) = xn_store::org::list_posts_of_person(self.db(), p.id)
                    .await?
                    .first()
            {
                posts.push(post.id);
            }
        }
        let [houqin, requesters @ ..] = posts.as_slice() else {
            return Ok(0);
        };
        let mut tx = self.db().begin_read().await?;
        let office = store::office_of_government(&mut tx, city).await?;
        let clerk = match office {
            Some(o) => store::posts_in_office(&mut tx, o, &["clerk"])
                .await?
                .first()
                .copied(),
            None => None,
        };
        drop(tx);
        let categories = s.internal_categories().await?;
        let cal = self.flow_calendar().await?;
        let mut day = today;
        for _ in 0..40 {
            day = day.pred_opt().unwrap_or(day);
            while !cal.is_working_day(day) {
                day = day.pred_opt().unwrap_or(day);
            }
        }
        let mut made = 0;
        while day <= today {
            for k in 0..rng.range(0, 2) {
                let ci = usize::try_from(rng.range(0, 5)).unwrap_or(0);
                let Some((cat, what, answer)) = INTERNAL.get(ci) else {
                    continue;
                };
                let Some(category) = categories.iter().find(|c| c.name == *cat) else {
                    continue;
                };
                let lead = if *cat == "印章使用" {
                    clerk.unwrap_or(*houqin)
                } else {
                    *houqin
                };
                let who =
                    requesters[usize::try_from(rng.range(0, 4)).unwrap_or(0) % requesters.len()];
                let t0 = at(day, i64::from(rng.range(0, 300)) + i64::from(k) * 60);
                if t0 > now {
                    break;
                }
                let asker = self.service_demo_actor(who, t0).await?;
                let id = s
                    .apply(
                        &asker,
                        &InternalInput {
                            category: category.id,
                            location: "市政府大院".into(),
                            description: (*what).into(),
                            urgency: Urgency::Normal,
                        },
                        &[],
                        t0,
                    )
                    .await?
                    .id;
                made += 1;
                if day == today {
                    continue; // 待受理
                }
                let t1 = t0 + Duration::minutes(15);
                let mishu = self.service_demo_actor(mishu_post, t1).await?;
                let cap = s.as_dispatcher(&mishu).await?;
                s.accept(&cap, id, t1).await?;
                let input = DispatchInput {
                    lead_post: lead,
                    assists: Vec::new(),
                    note: String::new(),
                };
                s.dispatch(&cap, id, &input, t1 + Duration::minutes(5))
                    .await?;
                let t2 = t1 + Duration::minutes(30);
                let handler = self.service_demo_actor(lead, t2).await?;
                s.sign(&handler, id, t2).await?;
                // Mostly within the hours; one in six the next working day (late).
                let t3 = if rng.range(0, 5) == 0 {
                    at(cal.add_working_days(day, 1).date, 60)
                } else {
                    t2 + Duration::minutes(i64::from(rng.range(20, 90)))
                };
                if t3 >= now {
                    continue;
                }
                let handler = self.service_demo_actor(lead, t3).await?;
                s.answer(&handler, id, answer, t3).await?;
                let t4 = t3 + Duration::minutes(20);
                let mishu = self.service_demo_actor(mishu_post, t4).await?;
                let cap = s.as_dispatcher(&mishu).await?;
                s.review(&cap, id, true, "", t4).await?;
                let t5 = t4 + Duration::minutes(40);
                let asker = self.service_demo_actor(who, t5).await?;
                let roll = rng.range(0, 99);
                let (result, reason) = if roll < 80 {
                    (VisitResult::Satisfied, "")
                } else if roll < 95 {
                    (VisitResult::Basically, "")
                } else {
                    (VisitResult::Unsatisfied, "车辆到得太晚")
                };
                s.rate_own(&asker, id, result, reason, t5).await?;
                if result == VisitResult::Unsatisfied {
                    let t6 = t5 + Duration::minutes(30);
                    let handler = self.service_demo_actor(lead, t6).await?;
                    s.answer(&handler, id, &format!("已改进：{answer}"), t6)
                        .await?;
                    let mishu = self
                        .service_demo_actor(mishu_post, t6 + Duration::minutes(10))
                        .await?;
                    let cap = s.as_dispatcher(&mishu).await?;
                    s.review(&cap, id, true, "", t6 + Duration::minutes(10))
                        .await?;
                    let asker = self
                        .service_demo_actor(who, t6 + Duration::minutes(30))
                        .await?;
                    s.rate_own(
                        &asker,
                        id,
                        VisitResult::Basically,
                        "",
                        t6 + Duration::minutes(30),
                    )
                    .await?;
                }
            }
            day = cal.add_working_days(day, 1).date;
        }
        Ok(made)
    }
}

/// The office's own 办事: (category, what is asked, the answer).
const INTERNAL: [(&str, &str, &str); 6] = [
    (
        "用车",
        "明天上午陪同市长到清河县调研，需小车一辆，8:00 从市政府大院出发。",
        "已安排车辆（司机王师傅），明早 7:50 在大院东门等候。",
    ),
    (
        "维修",
        "三楼秘书一科办公室空调不制冷，请派人检修。",
        "维修人员已到场检修，更换了空调电容，已恢复制冷。",
    ),
    (
        "物品领用",
        "申领 A4 复印纸五包、签字笔一盒，用于常务会议材料印制。",
        "所需物品已备齐，请到行政科库房领取并签字。",
    ),
    (
        "会议室和接待",
        "周四下午在二楼第一会议室接待省厅调研组一行八人，需准备茶水和座签。",
        "第一会议室已预留，茶水和座签将于周四 14:00 前布置到位。",
    ),
    (
        "印章使用",
        "《关于报送年度工作总结的函》已签发，需加盖市政府办公室印章。",
        "已按签发稿核对份数并用印，用印登记已完成。",
    ),
    (
        "值班安排",
        "元旦假期值班表需调整，本人 1 月 1 日值班改为 1 月 2 日。",
        "值班表已调整并重新印发，已通知相关值班人员。",
    ),
];

impl Services {
    /// The county's part and what follows, each step on a later working day, as far as `today`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the request and where the demo stands"
    )]
    async fn demo_follow(
        &self,
        id: i64,
        mishu_post: i64,
        lead: i64,
        counties: &[(i64, String)],
        ci: usize,
        received: NaiveDate,
        today: NaiveDate,
        rng: &mut Rng,
    ) -> Result<()> {
        let s = self.service();
        let cal = self.flow_calendar().await?;
        let limit = {
            let r = store::find(self.db(), id).await?;
            u32::try_from(r.limit_days).unwrap_or(3)
        };
        let mut day = received;
        let step = |d: NaiveDate, n: u32| cal.add_working_days(d, n).date;
        let mut lead = lead;
        // 签收 the next working day; one in twelve is returned and goes to the next county.
        day = step(day, 1);
        if day >= today {
            return Ok(());
        }
        let t = at(day, i64::from(rng.range(0, 120)));
        let county = self.service_demo_actor(lead, t).await?;
        if rng.range(0, 99) < 8 {
            s.send_back(&county, id, "经核实该事项属市级部门职责，不属本县", t)
                .await?;
            let mishu = self
                .service_demo_actor(mishu_post, t + Duration::minutes(30))
                .await?;
            let cap = s.as_dispatcher(&mishu).await?;
            lead = counties[(ci + 1) % counties.len()].0;
            let input = DispatchInput {
                lead_post: lead,
                assists: Vec::new(),
                note: "请协调办理".into(),
            };
            s.dispatch(&cap, id, &input, t + Duration::minutes(40))
                .await?;
            day = step(day, 1);
            if day >= today {
                return Ok(());
            }
        }
        let t = at(day, i64::from(rng.range(120, 200)));
        let county = self.service_demo_actor(lead, t).await?;
        s.sign(&county, id, t).await?;
        // 答复: mostly within the limit; some late; a few after an approved 延期.
        let r = rng.range(0, 99);
        let days = if r < 70 {
            rng.range(1, limit.saturating_sub(1).max(1))
        } else if r < 85 {
            if day < today {
                let t = at(day, 300);
                let county = self.service_demo_actor(lead, t).await?;
                let ask = ExtensionInput {
                    days: 5,
                    reason: "需多部门现场会商".into(),
                };
                s.ask_extension(&county, id, &ask, t).await?;
                let mishu = self
                    .service_demo_actor(mishu_post, t + Duration::hours(2))
                    .await?;
                let cap = s.as_dispatcher(&mishu).await?;
                s.decide_extension(&cap, id, true, "同意", t + Duration::hours(2))
                    .await?;
            }
            limit + rng.range(1, 5)
        } else {
            limit + rng.range(1, 6)
        };
        let topic = {
            let r = store::find(self.db(), id).await?;
            TOPICS
                .iter()
                .find(|t| t.2 == r.description)
                .map_or("已按规定办理。", |t| t.3)
        };
        let mut round = 0;
        loop {
            day = step(day, days.min(limit + 6));
            if day >= today {
                return Ok(());
            }
            let t = at(day, 240);
            let county = self.service_demo_actor(lead, t).await?;
            let answer = if round == 0 {
                topic.to_owned()
            } else {
                format!("经再次核查，{topic}")
            };
            s.answer(&county, id, &answer, t).await?;
            day = step(day, 1);
            if day >= today {
                return Ok(());
            }
            let t = at(day, 60);
            let mishu = self.service_demo_actor(mishu_post, t).await?;
            let cap = s.as_dispatcher(&mishu).await?;
            s.review(&cap, id, true, "", t).await?;
            let r = store::find(self.db(), id).await?;
            if r.state != "visiting" {
                return Ok(()); // 表扬: no 回访.
            }
            day = step(day, 1);
            if day >= today {
                return Ok(());
            }
            let t = at(day, 90);
            let roll = rng.range(0, 99);
            let (result, reason) = if roll < 68 {
                (VisitResult::Satisfied, "")
            } else if roll < 88 {
                (VisitResult::Basically, "")
            } else {
                (VisitResult::Unsatisfied, "问题没有根本解决")
            };
            if rng.range(0, 99) < 30 && !r.phone_hash.is_empty() && !r.phone.is_empty() {
                s.rate_public(&r.code, &r.phone, result, reason, t).await?;
            } else {
                let mishu = self.service_demo_actor(mishu_post, t).await?;
                let cap = s.as_dispatcher(&mishu).await?;
                s.visit(&cap, id, result, reason, t).await?;
            }
            if result != VisitResult::Unsatisfied || round == 1 {
                return Ok(());
            }
            round += 1;
        }
    }
}
