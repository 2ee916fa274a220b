//! The demo's complaints, made through the area's use cases as the people involved would, with
//! the clock of each step: one from the public form against 清河县's 秘书股, upheld, corrected
//! and answered; one from 清河县's office against the city's 秘书二科, not upheld; one from the
//! city's 秘书 about 柳林县's office, checked and waiting for 认定. The city's 督查科 acts in the
//! post of its first member (the demo's `kezhang`, who holds a 督查科 post beside his own).

use chrono::{DateTime, TimeDelta, Utc};
use xn_domain::flow::Action;

use super::{FindingInput, NewComplaint, PublicComplaint};
use crate::auth::Client;
use crate::{Actor, Result, Services};

impl Services {
    /// Loads the demo's complaints (see the module's note); answers how many were filed. Run by
    /// `serve --demo` after the city is loaded, not by tests.
    pub async fn load_demo_complaints(&self, now: DateTime<Utc>) -> Result<usize> {
        let client = Client::default();
        let Some(city) = xn_store::service::governments(self.db())
            .await?
            .first()
            .map(|g| g.0)
        else {
            return Ok(0);
        };
        let mut tx = self.db().begin_read().await?;
        let office = xn_store::complaints::office_of_government(&mut tx, city).await?;
        let section = match office {
            Some(o) => xn_store::complaints::section_posts(&mut tx, o)
                .await?
                .first()
                .copied(),
            None => None,
        };
        let person = match section {
            Some(p) => xn_store::complaints::post_person(&mut tx, p).await?,
            None => None,
        };
        drop(tx);
        let (Some(section), Some(person)) = (section, person) else {
            return Ok(0);
        };
        let dc = self
            .actor_for(person, Some(section), None, &client, now)
            .await?;
        let client = &client;
        let demo = |login: &'static str| async move {
            match xn_store::information::demo_post(self.db(), login).await? {
                Some((person, post)) => Ok::<_, crate::ServiceError>(Some(
                    self.actor_for(person, Some(post), None, client, now)
                        .await?,
                )),
                None => Ok(None),
            }
        };
        let (Some(guzhang), Some(county), Some(mishu), Some(clerk)) = (
            demo("qinghe.guzhang").await?,
            demo("qinghe.mishu").await?,
            demo("mishu").await?,
            demo("qinghe.wenshu").await?,
        ) else {
            return Ok(0);
        };
        let c = self.complaints();
        let day = |d: i64| now - TimeDelta::days(d);

        // From the public form, upheld against 清河县's 秘书股 and its clerk.
        let ch = self.service().challenge(day(20)).await?;
        let answer = ch
            .question
            .trim_end_matches(" = ?")
            .split(" + ")
            .filter_map(|n| n.parse::<i64>().ok())
            .sum::<i64>();
        let filed = c
            .file_public(
                &PublicComplaint {
                    kind: "delay".into(),
                    name: "刘建国".into(),
                    phone: "13905550101".into(),
                    service_code: String::new(),
                    description: "到清河县政府办秘书股开具证明，材料齐全却三次被告知负责人不在，拖了一周仍未办理。".into(),
                    challenge: ch.token,
                    answer: answer.to_string(),
                },
                "demo",
                day(20),
            )
            .await?;
        self.demo_step(
            &dc,
            filed.case_id,
            "核查完毕",
            "调阅登记记录并询问经办人，材料于首次到访时已齐全，未及时办理属实。",
            day(19),
        )
        .await?;
        let clerk_post = clerk.post.as_ref().map(|p| p.id);
        c.find(
            &dc,
            filed.id,
            &FindingInput {
                finding: "upheld".into(),
                reason: "材料齐全的证明事项应当场办理，经办人以负责人不在为由拖延，投诉成立。"
                    .into(),
                post_id: clerk_post,
            },
            day(17),
        )
        .await?;
        self.demo_step(
            &guzhang,
            filed.case_id,
            "整改完毕",
            "已当面致歉并当日办结；对经办人批评教育，实行证明事项首问负责、当场办结。",
            day(13),
        )
        .await?;
        self.demo_step(
            &dc,
            filed.case_id,
            "反馈",
            "您反映的问题经核查属实，已责成清河县政府办整改，证明已为您办结。感谢您的监督。",
            day(12),
        )
        .await?;

        // From 清河县's office against the city's 秘书二科: not upheld.
        let unit =
            xn_store::org::find_units_by_name(&mut self.db().begin_read().await?, "秘书二科")
                .await?
                .first()
                .map(|u| u.id);
        let filed = c
            .file(
                &county,
                &NewComplaint {
                    kind: "buck_passing".into(),
                    case_id: None,
                    unit_id: unit,
                    post_id: None,
                    description: "我县报送的关于防汛物资调拨的请示，市政府办秘书二科两周未答复，电话询问被告知不归其管。".into(),
                },
                day(11),
            )
            .await?;
        self.demo_step(
            &dc,
            filed.case_id,
            "核查完毕",
            "该请示于收到次日按职责转市应急管理局办理，转办记录完整，秘书二科已电话告知县政府办。",
            day(10),
        )
        .await?;
        c.find(
            &dc,
            filed.id,
            &FindingInput {
                finding: "rejected".into(),
                reason: "请示已按职责及时转办并告知，未发现推诿扯皮，投诉不成立。".into(),
                post_id: None,
            },
            day(8),
        )
        .await?;
        self.demo_step(
            &dc,
            filed.case_id,
            "反馈",
            "经核查，该请示已于收到次日转市应急管理局办理，投诉不成立。已请应急管理局尽快答复。",
            day(7),
        )
        .await?;

        // From the city's 秘书 about 柳林县's office: checked, waiting for 认定.
        let liulin = xn_store::org::find_units_by_name(
            &mut self.db().begin_read().await?,
            "柳林县人民政府办公室",
        )
        .await?
        .first()
        .map(|u| u.id);
        let filed = c
            .file(
                &mishu,
                &NewComplaint {
                    kind: "attitude".into(),
                    case_id: None,
                    unit_id: liulin,
                    post_id: None,
                    description:
                        "与柳林县政府办核对会议材料时，对方接电话人员态度生硬，多次挂断电话。"
                            .into(),
                },
                day(3),
            )
            .await?;
        self.demo_step(
            &dc,
            filed.case_id,
            "核查完毕",
            "已调取通话记录，正在向柳林县政府办了解情况。",
            day(1),
        )
        .await?;
        Ok(3)
    }

    /// The actor completes their open task on a case.
    async fn demo_step(
        &self,
        actor: &Actor,
        case: i64,
        decision: &str,
        opinion: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let post = actor.post.as_ref().map(|p| p.id);
        let tasks = xn_store::flow::tasks_of_case(self.db(), case).await?;
        let Some(t) = tasks
            .iter()
            .find(|t| t.state == "open" && Some(t.post_id) == post)
        else {
            return Ok(());
        };
        self.act(
            actor,
            case,
            None,
            Action::Complete {
                task: crate::exact("a task's number", t.task_no)?,
                decision: decision.into(),
                opinion: opinion.into(),
                choices: Default::default(),
            },
            None,
            at,
        )
        .await?;
        Ok(())
    }
}
