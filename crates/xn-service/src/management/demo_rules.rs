//! The demo city office's rules (规章制度) with their versions and acknowledgements, and a few
//! own entries of the day for the demo 秘书 (login `mishu`), made through the same services a
//! person uses.

use chrono::{DateTime, Duration, Utc};
use xn_domain::calendar::business_date;
use xn_store::management::StaffRow;

use super::{EntryInput, RuleInput, RuleVersionInput};
use crate::{Actor, Result, Services};

/// A demo rule: (title, owner's unit and position, first text, a later version's text).
type DemoRule = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const RULES: [DemoRule; 3] = [
    (
        "办公室工作规则",
        "",
        "director",
        "第一条 为规范办公室各项工作，提高工作效能，制定本规则。\n第二条 办公室实行主任负责制，副主任按分工协助主任工作。\n第三条 各科室对分管工作负责，工作任务逐级细化量化到岗到人。\n第四条 实行工作任务日安排、周报告、月考评、年总结。",
        Some(
            "第一条 为规范办公室各项工作，提高工作效能，制定本规则。\n第二条 办公室实行主任负责制，副主任按分工协助主任工作。\n第三条 各科室对分管工作负责，工作任务逐级细化量化到岗到人。\n第四条 实行工作任务日安排、周报告、月考评、年总结。\n第五条 周报告于每周五下班前报送科室负责人，科室负责人于下周一前批注。",
        ),
    ),
    (
        "值班制度",
        "行政科",
        "section_chief",
        "第一条 办公室实行二十四小时值班，节假日由带班领导和值班人员共同值守。\n第二条 值班人员不得擅离岗位，接到紧急情况应立即报告带班领导。\n第三条 值班记录当日填写，交接班时当面交接。",
        None,
    ),
    (
        "公文处理细则",
        "秘书一科",
        "section_chief",
        "第一条 为规范公文处理工作，依据《党政机关公文处理工作条例》，制定本细则。\n第二条 公文办理应当及时、准确、安全，急件随到随办。\n第三条 收文应当在一个工作日内登记、分办。",
        Some(
            "第一条 为规范公文处理工作，依据《党政机关公文处理工作条例》，制定本细则。\n第二条 公文办理应当及时、准确、安全，急件随到随办。\n第三条 收文应当在一个工作日内登记、分办。\n第四条 电子公文与纸质公文具有同等效力，按同一流程办理。",
        ),
    ),
];

impl Services {
    /// The city office's rules, their versions and acknowledgements, and the 秘书's entries
    /// of today; answers (rules, acknowledgements).
    pub(super) async fn load_demo_rules_and_plans(
        &self,
        office: i64,
        staff: &[StaffRow],
        zhuren: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let m = self.management();
        let mishu = xn_store::information::demo_post(self.db(), "mishu")
            .await?
            .map(|(_, post)| post);
        let mut actors = Vec::new();
        for s in staff {
            actors.push((
                s,
                self.management_demo_actor(s.person_id, s.post_id, now)
                    .await?,
            ));
        }
        let today = business_date(now);
        let mut rules = 0;
        let mut acks = 0;
        for (i, (title, unit, position, first, second)) in RULES.into_iter().enumerate() {
            let owner = staff.iter().find(|s| {
                s.position == position
                    && if unit.is_empty() {
                        s.unit_id == office
                    } else {
                        s.unit_name == unit
                    }
            });
            let step = i64::try_from(i).unwrap_or(0);
            let made = now - Duration::days(70 - 10 * step);
            let id = m
                .create_rule(
                    zhuren,
                    &RuleInput {
                        title: title.to_owned(),
                        body: first.to_owned(),
                        effective_on: business_date(made).to_string(),
                        owner_post_id: owner.map(|o| o.post_id),
                    },
                    made,
                )
                .await?;
            rules += 1;
            // Nearly everyone read the first version within days (of a rule never revised,
            // every ninth person has not).
            for (n, (_, a)) in actors.iter().enumerate() {
                if n % 9 == 8 && second.is_none() {
                    continue;
                }
                let hours = 2 + 7 * i64::try_from(n % 5).unwrap_or(0);
                m.acknowledge_rule(a, id, made + Duration::hours(hours))
                    .await?;
                acks += 1;
            }
            // A revision some days ago: about half have read it, the 秘书 not yet.
            if let Some(text) = second {
                let publisher = owner
                    .and_then(|o| actors.iter().find(|(s, _)| s.post_id == o.post_id))
                    .map_or(zhuren, |(_, a)| a);
                let revised = now - Duration::days(12 - 4 * step);
                m.publish_rule(
                    publisher,
                    id,
                    &RuleVersionInput {
                        title: None,
                        body: text.to_owned(),
                        effective_on: (today + Duration::days(3)).to_string(),
                        note: "根据工作需要增加条款".to_owned(),
                    },
                    revised,
                )
                .await?;
                for (n, (s, a)) in actors.iter().enumerate() {
                    if n % 2 == 1 || Some(s.post_id) == mishu {
                        continue;
                    }
                    m.acknowledge_rule(a, id, revised + Duration::hours(3))
                        .await?;
                    acks += 1;
                }
            }
        }
        // The 秘书's own entries of today, the second one already done.
        if let Some((_, a)) = actors.iter().find(|(s, _)| Some(s.post_id) == mishu) {
            let mut ids = Vec::new();
            for (text, time) in [
                ("校对市政府常务会议纪要", "09:00"),
                ("整理上周收文登记簿", ""),
                ("给清河县政府办回电话确认报送材料", "14:30"),
                ("准备周五周报告素材", ""),
            ] {
                let input = EntryInput {
                    date: today.to_string(),
                    text: text.to_owned(),
                    time: time.to_owned(),
                };
                ids.push(m.add_entry(a, &input, now).await?);
            }
            if let Some(id) = ids.get(1) {
                m.entry_done(a, *id, true, now).await?;
            }
        }
        Ok((rules, acks))
    }
}
