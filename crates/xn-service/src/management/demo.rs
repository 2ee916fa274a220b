//! The demo city's management, made through the same services a person uses: the city
//! office's targets of the year (after a government work report's tasks for its office)
//! cascaded to its sections and the county offices, and each section's again by its 科长 to
//! the section's posts; a year of weekly reports by every person of the city office,
//! drafted from their real events and submitted as people do (mostly on their day, some
//! late, a few never, those urged by their chief), the last four weeks rolled up by each
//! section's chief (秘书一科's last week still to do) and the office's 主任; the supervision
//! scores of the last twelve months computed by the board; each of those months but the last
//! rated and locked by the 主任, so that eleven evaluations are frozen while last month's is
//! still open; and a few people's own year summaries (年总结), two submitted and one still a
//! draft.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::from_shanghai_local;
use xn_domain::management as rules;
use xn_store::management::{self as store, StaffRow};

use super::{RatingInput, RollupInput, SummaryInput, TargetInput, WeeklyInput};
use crate::auth::Client;
use crate::{Actor, Result, ServiceError, Services};

/// A target of the demo: (title, measure, unit, value, weight, cascade: (section, weight)).
type DemoTarget = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(&'static str, i64)],
);

/// The weeks of reports the demo's people have filed: a year.
const REPORT_WEEKS: i64 = 52;

/// The office's targets.
const TARGETS: [DemoTarget; 5] = [
    (
        "公文办理提速增效，按期办结率不低于",
        "number",
        "%",
        "95",
        30,
        &[("秘书一科", 40), ("秘书二科", 30), ("文电科", 30)],
    ),
    (
        "督查督办事项按期办结率不低于",
        "number",
        "%",
        "90",
        25,
        &[("督查科", 100)],
    ),
    (
        "政务信息报送采用",
        "number",
        "条",
        "120",
        20,
        &[("信息科", 60), ("秘书一科", 20)],
    ),
    (
        "会议服务保障零差错",
        "yes_no",
        "",
        "yes",
        15,
        &[("秘书一科", 50), ("行政科", 50)],
    ),
    (
        "修订办公室工作规则和公文处理细则",
        "date",
        "",
        "{year}-06-30",
        10,
        &[("综合科", 100)],
    ),
];

impl Services {
    pub(super) async fn management_demo_actor(
        &self,
        person: i64,
        post: i64,
        now: DateTime<Utc>,
    ) -> Result<Actor> {
        self.actor_for(person, Some(post), None, &Client::default(), now)
            .await
    }

    /// Loads the demo city's targets, weekly reports and locked months (see the module's
    /// note); answers (targets, reports). Run by `serve --demo` after the city's history.
    pub async fn load_demo_management(&self, now: DateTime<Utc>) -> Result<(usize, usize)> {
        let m = self.management();
        let Some(office) = self.demo_city_office().await? else {
            return Ok((0, 0));
        };
        let staff = store::staff_of_offices(self.db(), &[office]).await?;
        let Some(director) = staff
            .iter()
            .find(|s| s.unit_id == office && s.position == "director")
        else {
            return Ok((0, 0));
        };
        let zhuren = self
            .management_demo_actor(director.person_id, director.post_id, now)
            .await?;
        let today = business_date(now);
        let year = i64::from(today.year());
        // Targets, set in January and cascaded the same week.
        let jan = from_shanghai_local(
            chrono::NaiveDate::from_ymd_opt(today.year(), 1, 5)
                .unwrap_or(today)
                .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
        )
        .min(now);
        let mut targets = 0;
        let counties = store::offices_below(
            self.db(),
            store::parent_of(self.db(), office).await?.unwrap_or(0),
        )
        .await?;
        for (title, kind, unit, value, weight, cascade) in TARGETS {
            let value = value.replace("{year}", &year.to_string());
            let input = TargetInput {
                year: Some(year),
                parent_id: None,
                unit_id: None,
                owner_post_id: None,
                title: format!(
                    "{title}{}",
                    if kind == "number" {
                        format!("{value}{unit}")
                    } else {
                        String::new()
                    }
                ),
                measure_kind: kind.into(),
                measure_unit: unit.into(),
                target_value: value.clone(),
                weight,
                milestones: vec![
                    "完成一季度进度".into(),
                    "完成过半".into(),
                    "完成四分之三".into(),
                    "全面完成".into(),
                ],
            };
            let top = m.create_target(&zhuren, &input, jan).await?;
            targets += 1;
            for (section, w) in cascade.iter() {
                let Some(s) = staff.iter().find(|s| s.unit_name == *section) else {
                    continue;
                };
                let child = TargetInput {
                    parent_id: Some(top),
                    unit_id: Some(s.unit_id),
                    year: None,
                    weight: *w,
                    title: format!("{section}：{}", input.title),
                    ..input.clone()
                };
                let id = m.create_target(&zhuren, &child, jan).await?;
                targets += 1;
                // Each section's 科长 gives the section's share to its people, evenly.
                {
                    let chief = staff
                        .iter()
                        .find(|c| c.unit_id == s.unit_id && c.position == "section_chief");
                    let people: Vec<_> = staff
                        .iter()
                        .filter(|c| {
                            c.unit_id == s.unit_id
                                && c.position != "section_chief"
                                && c.position != "deputy_section_chief"
                        })
                        .collect();
                    if let (Some(chief), false) = (chief, people.is_empty()) {
                        let kezhang = self
                            .management_demo_actor(chief.person_id, chief.post_id, jan)
                            .await?;
                        let each = 100 / i64::try_from(people.len()).unwrap_or(1);
                        for p in people {
                            let mine = TargetInput {
                                parent_id: Some(id),
                                unit_id: Some(s.unit_id),
                                owner_post_id: Some(p.post_id),
                                year: None,
                                weight: each,
                                title: format!("{}：{}", p.person_name, input.title),
                                ..input.clone()
                            };
                            m.create_target(&kezhang, &mine, jan).await?;
                            targets += 1;
                        }
                    }
                }
            }
            // Information reaches the county offices: 2 % of the target each.
            if kind == "number" && unit == "条" {
                for (county, name) in &counties {
                    let child = TargetInput {
                        parent_id: Some(top),
                        unit_id: Some(*county),
                        year: None,
                        weight: 2,
                        title: format!("{name}：{}", input.title),
                        ..input.clone()
                    };
                    m.create_target(&zhuren, &child, jan).await?;
                    targets += 1;
                }
            }
        }
        // A year of reports.
        let this_week = rules::week_start(today);
        let mut reports = 0;
        for w in (1..=REPORT_WEEKS).rev() {
            let monday = this_week - Duration::weeks(w);
            for (i, s) in staff
                .iter()
                .enumerate()
                .filter(|(_, s)| super::evaluated(s))
            {
                let roll = (i * 7 + usize::try_from(w).unwrap_or(0) * 3) % 13;
                if roll == 0 {
                    continue; // never filed
                }
                let day = if roll == 1 {
                    monday + Duration::days(7)
                } else {
                    monday + Duration::days(4)
                };
                let at = from_shanghai_local(
                    day.and_time(NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default()),
                );
                if at > now {
                    continue;
                }
                let actor = self
                    .management_demo_actor(s.person_id, s.post_id, at)
                    .await?;
                let view = m.week(&actor, None, monday, at).await?;
                let body = format!(
                    "{}本周无其他需报告事项；下周按计划推进各项工作。",
                    view.body
                );
                m.save_week(
                    &actor,
                    &WeeklyInput {
                        week: monday.to_string(),
                        body,
                        submit: true,
                    },
                    at,
                )
                .await?;
                reports += 1;
            }
        }
        // The last four weeks rolled up: each section's by its chief on the Monday after
        // (one section late with last week's), the office's by the 主任 on the Tuesday.
        for w in (1..=4).rev() {
            let monday = this_week - Duration::weeks(w);
            let at = |days: i64, hour: u32| {
                from_shanghai_local(
                    (monday + Duration::days(days))
                        .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default()),
                )
            };
            for (i, chief) in staff
                .iter()
                .filter(|c| c.position == "section_chief")
                .enumerate()
            {
                let when = if w == 1 && i == 2 {
                    at(8, 15)
                } else {
                    at(7, 10)
                };
                // 秘书一科's 科长 has last week's still to do.
                if when > now || (w == 1 && i == 0) {
                    continue;
                }
                let actor = self
                    .management_demo_actor(chief.person_id, chief.post_id, when)
                    .await?;
                self.demo_rollup(&actor, None, monday, when).await?;
            }
            let when = at(8, 11);
            if when <= now {
                let actor = self
                    .management_demo_actor(director.person_id, director.post_id, when)
                    .await?;
                self.demo_rollup(&actor, None, monday, when).await?;
            }
        }
        // Last week's missing reports are urged by their chiefs on Monday.
        let urge_at = from_shanghai_local(
            (this_week).and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default()),
        );
        if urge_at <= now {
            for chief in staff.iter().filter(|c| c.position == "section_chief") {
                let actor = self
                    .management_demo_actor(chief.person_id, chief.post_id, urge_at)
                    .await?;
                // A section where nobody owes has nobody to urge.
                match m
                    .urge(&actor, this_week - Duration::weeks(1), urge_at)
                    .await
                {
                    Ok(_) | Err(ServiceError::Invalid { .. } | ServiceError::Forbidden(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        // The last twelve months: the supervision scores computed by the board as each month
        // ended; every month but the last rated by the 主任 and locked (the last is still open
        // to objections).
        let mut months = Vec::new();
        let mut first = today.with_day(1).unwrap_or(today);
        for _ in 0..12 {
            first = (first - Duration::days(1)).with_day(1).unwrap_or(first);
            months.push(rules::month_of(first));
        }
        months.reverse();
        let sv = self.supervision();
        let board = sv.as_board(&zhuren).await?;
        let mut units: Vec<i64> = staff.iter().map(|s| s.unit_id).collect();
        units.dedup();
        for (k, month) in months.iter().enumerate() {
            sv.store_scores(&board, month, now).await?;
            if k + 1 == months.len() {
                break;
            }
            for (i, chief) in staff
                .iter()
                .filter(|c| c.position == "section_chief")
                .enumerate()
                .filter(|(i, _)| (i + k) % 3 == 0)
            {
                let (rating, comment) = if (i + k) % 4 == 0 {
                    (3, "牵头任务完成出色，主动性强。")
                } else {
                    (2, "工作主动，完成较好。")
                };
                m.rate(
                    &zhuren,
                    chief.post_id,
                    &RatingInput {
                        month: month.clone(),
                        rating,
                        comment: comment.into(),
                    },
                    now,
                )
                .await?;
            }
            for u in &units {
                // A unit whose only person is the 主任 has nobody to lock.
                match m.lock(&zhuren, month, None, Some(*u), now).await {
                    Ok(_) | Err(ServiceError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        self.load_demo_rules_and_plans(office, &staff, &zhuren, now)
            .await?;
        self.load_demo_summaries(&staff, year, now).await?;
        Ok((targets, reports))
    }

    /// The year's own summaries of a few people outside 秘书一科 (whose people write theirs
    /// in the demo's walk-through): two submitted to their chiefs, one still a draft.
    async fn load_demo_summaries(
        &self,
        staff: &[StaffRow],
        year: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const TEXTS: [(&str, bool); 3] = [
            (
                "全年按照岗位职责完成科室分工的各项工作，办件做到当日登记、按期办结。\n\
                 不足：个别事项因协调不及时超期，明年在事前提醒和跟踪上下功夫。",
                true,
            ),
            (
                "本年度参与各类会议服务保障，会务准备清单化，未出现差错。\n\
                 坚持每周学习，撰写学习心得。明年争取在信息报送上多出精品。",
                true,
            ),
            (
                "全年主要承担材料起草和文件运转工作。（草稿，待补充）",
                false,
            ),
        ];
        let writers = staff.iter().filter(|p| {
            super::evaluated(p)
                && p.unit_id != p.office_id
                && p.unit_name != "秘书一科"
                && !matches!(
                    p.position.as_str(),
                    "section_chief" | "deputy_section_chief"
                )
        });
        for (p, (text, submit)) in writers.zip(TEXTS) {
            let actor = self
                .management_demo_actor(p.person_id, p.post_id, now)
                .await?;
            self.management()
                .save_summary(
                    &actor,
                    &SummaryInput {
                        year,
                        unit: None,
                        body: text.to_owned(),
                        submit,
                    },
                    now,
                )
                .await?;
        }
        Ok(())
    }

    /// The demo city's office (东川市人民政府办公室), if the demo is loaded.
    /// A unit's roll-up of a week, drafted and submitted as its leader does.
    async fn demo_rollup(
        &self,
        actor: &Actor,
        unit: Option<i64>,
        monday: chrono::NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let m = self.management();
        let view = m.rollup(actor, unit, monday, at).await?;
        if view.status == "submitted" {
            return Ok(());
        }
        let body = view.body.replace(
            "三、存在的问题：\n",
            "三、存在的问题：个别同志周报告报送不及时，下周起按时督促。\n",
        );
        m.save_rollup(
            actor,
            &RollupInput {
                unit,
                week: monday.to_string(),
                body,
                submit: true,
                confirm_missing: true,
            },
            at,
        )
        .await?;
        Ok(())
    }

    async fn demo_city_office(&self) -> Result<Option<i64>> {
        let units = xn_store::org::list_units(self.db()).await?;
        Ok(units
            .into_iter()
            .find(|u| u.name == "东川市人民政府办公室")
            .map(|u| u.id))
    }
}
