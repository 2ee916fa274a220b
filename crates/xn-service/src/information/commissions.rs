//! 约稿: the information section asks chosen units — the bureaus of its government and the
//! offices of the governments below — for information on a topic by a date. An item answering
//! it names the commission when it is written (`NewInformation::commission`) and goes to the
//! asking office with the rest; a unit has answered when such an item has left it (签发).
//! Who has not answered is shown by name, overdue ones marked, and urged in one step.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::engine::business_date;
use xn_domain::org::Permission;
use xn_store::information as info_store;
use xn_store::information_commissions as store;

use super::{InfoSectionCap, Information, beijing_text};
use crate::{Actor, Result, ServiceError, from_ms, ms, require};

/// The longest topic and requirement texts.
const TOPIC_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 1000;

/// A new 约稿.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewCommission {
    /// 约稿主题.
    pub topic: String,
    /// 具体要求 (what to write about, length, angle).
    #[serde(default)]
    pub description: String,
    /// 截止日期, `YYYY-MM-DD` (Beijing).
    pub due_on: String,
    /// 约稿单位: units among [`Information::commission_units`].
    pub units: Vec<i64>,
}

/// A commission in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommissionLine {
    /// Id.
    pub id: i64,
    /// The asking office.
    pub office: String,
    /// 主题.
    pub topic: String,
    /// 截止日期.
    pub due_on: String,
    /// 征集中, 已逾期, 已报齐, 已结束.
    pub state: String,
    /// Units asked.
    pub asked: i64,
    /// Units that answered.
    pub answered: i64,
}

/// A unit asked, and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AskedUnit {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// 已报送, 拟稿中, 未报送, 逾期未报.
    pub status: String,
    /// Whether it has answered.
    pub answered: bool,
    /// Whether its due date passed without an answer.
    pub overdue: bool,
    /// When its first answer left it (Beijing time).
    pub first_sent: Option<String>,
    /// Times urged.
    pub urge_count: i64,
    /// Last urged (Beijing time).
    pub urged_at: Option<String>,
}

/// An item answering the commission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerLine {
    /// The item.
    pub item_id: i64,
    /// Its unit's name.
    pub unit: String,
    /// Title, or「（涉密信息）」above the reader's clearance.
    pub title: String,
    /// Whether the title is withheld.
    pub withheld: bool,
    /// 已报送 or 拟稿中.
    pub state: String,
    /// When it left the unit.
    pub sent: Option<String>,
}

/// A commission's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommissionView {
    /// Id.
    pub id: i64,
    /// The asking office.
    pub office: String,
    /// 主题.
    pub topic: String,
    /// 要求.
    pub description: String,
    /// 截止日期.
    pub due_on: String,
    /// When asked (Beijing time).
    pub asked_at: String,
    /// 征集中, 已逾期, 已报齐, 已结束.
    pub state: String,
    /// Whether it is closed.
    pub closed: bool,
    /// The units asked.
    pub units: Vec<AskedUnit>,
    /// The answers the reader may know of: every one for the asking office, one's own unit's
    /// for an asked unit.
    pub answers: Vec<AnswerLine>,
    /// Whether the reader is the asking office's information section (催报, 结束).
    pub manage: bool,
    /// The reader's unit, when it is asked and the commission is open (答复约稿).
    pub answer_as: Option<i64>,
}

/// The commissions a reader sees.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CommissionList {
    /// The office's own (for its information section and directors).
    pub office: Vec<CommissionLine>,
    /// Those asking the reader's unit.
    pub asking: Vec<CommissionLine>,
    /// Whether the reader may ask (the information section).
    pub may_ask: bool,
}

impl Information<'_> {
    /// The units a section's 约稿 may ask: the bureaus of its government and the office of
    /// every government directly below it.
    pub async fn commission_units(
        &self,
        section: &InfoSectionCap<'_>,
    ) -> Result<Vec<(i64, String)>> {
        let government = self.government_of(section.office).await?;
        Ok(store::reporting_units(self.svc.db(), government).await?)
    }

    /// 约稿: writes the commission and tells each unit asked (its information section, else
    /// its head), in one transaction. Returns its id.
    pub async fn commission(
        &self,
        section: &InfoSectionCap<'_>,
        input: &NewCommission,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let topic = input.topic.trim();
        if topic.is_empty() {
            return Err(ServiceError::invalid("topic", "请填写约稿主题"));
        }
        if topic.chars().count() > TOPIC_MAX {
            return Err(ServiceError::invalid("topic", "约稿主题不超过 100 字"));
        }
        let description = input.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            return Err(ServiceError::invalid(
                "description",
                "具体要求不超过 1000 字",
            ));
        }
        if topic
            .chars()
            .chain(description.chars())
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            return Err(ServiceError::invalid("topic", "内容含有不可见的控制字符"));
        }
        let due = NaiveDate::parse_from_str(input.due_on.trim(), "%Y-%m-%d")
            .map_err(|_| ServiceError::invalid("due_on", "截止日期的格式应为 2026-12-31"))?;
        let today = business_date(now);
        if due < today {
            return Err(ServiceError::invalid("due_on", "截止日期不能早于今天"));
        }
        if due > today + chrono::Days::new(366) {
            return Err(ServiceError::invalid("due_on", "截止日期不能超过一年"));
        }
        let mut units = input.units.clone();
        units.sort_unstable();
        units.dedup();
        if units.is_empty() {
            return Err(ServiceError::invalid("units", "请选择约稿单位"));
        }
        let allowed = self.commission_units(section).await?;
        if let Some(u) = units.iter().find(|u| !allowed.iter().any(|(a, _)| a == *u)) {
            return Err(ServiceError::invalid(
                "units",
                format!("单位 {u} 不在本办可约稿的单位之中"),
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_commission(
            &mut tx,
            &store::NewCommission {
                office: section.office,
                topic,
                description,
                due_on: &due.to_string(),
                post: section.post,
                units: &units,
            },
            ms(now),
        )
        .await?;
        let office = office_name(&mut tx, section.office).await?;
        let message = format!("{office}约稿：「{topic}」，请于 {due} 前报送");
        let subject = format!("information_commission:{id}");
        for u in &units {
            self.tell_unit(
                &mut tx,
                *u,
                &subject,
                "information.commissioned",
                &message,
                now,
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &audit(section),
            "information.commissioned",
            Some(format!("information_commission:{id}")),
            json!({"commission": id, "units": units, "due_on": due.to_string()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The commissions the reader sees: the office's own for its information section and its
    /// directors, and those asking the reader's unit.
    pub async fn commissions(&self, actor: &Actor, now: DateTime<Utc>) -> Result<CommissionList> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let today = business_date(now);
        let mut list = CommissionList {
            may_ask: self.section(actor).await?.is_some(),
            ..CommissionList::default()
        };
        if let Some(office) = self.overseen_office(actor).await? {
            list.office = store::commissions_of_office(db, office, 200)
                .await?
                .into_iter()
                .map(|r| line(r, today))
                .collect();
        }
        if let Ok(o) = self.options(actor).await {
            list.asking = store::commissions_asking(db, o.unit_id, 200)
                .await?
                .into_iter()
                .map(|r| line(r, today))
                .collect();
        }
        Ok(list)
    }

    /// The open commissions asking the reader's unit, for the 报送 form: (id, label).
    pub async fn answerable(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, String)>> {
        let Ok(o) = self.options(actor).await else {
            return Ok(Vec::new());
        };
        let today = business_date(now);
        Ok(store::commissions_asking(self.svc.db(), o.unit_id, 50)
            .await?
            .into_iter()
            .filter(|r| r.closed_at.is_none())
            .map(|r| {
                let l = line(r, today);
                (l.id, format!("{}（{} 截止）", l.topic, l.due_on))
            })
            .collect())
    }

    /// A commission's page, for the asking office (its information section and directors) and
    /// the units asked; anyone else is answered as for a missing one.
    pub async fn commission_view(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<CommissionView> {
        require(actor, Permission::FlowWork)?;
        let db = self.svc.db();
        let row = store::find_commission(db, id)
            .await?
            .ok_or(ServiceError::NotFound("约稿"))?;
        let office_reader = self.overseen_office(actor).await? == Some(row.office_unit_id);
        let my_unit = self.options(actor).await.ok().map(|o| o.unit_id);
        let units = store::asked_units(db, id).await?;
        let asked_me = my_unit.filter(|u| units.iter().any(|a| a.unit_id == *u));
        if !office_reader && asked_me.is_none() {
            return Err(ServiceError::NotFound("约稿"));
        }
        let manage = office_reader
            && self
                .section(actor)
                .await?
                .is_some_and(|s| s.office == row.office_unit_id);
        let today = business_date(now);
        let due = NaiveDate::parse_from_str(&row.due_on, "%Y-%m-%d").ok();
        let overdue_day = due.is_some_and(|d| today > d);
        let names: std::collections::BTreeMap<i64, String> = units
            .iter()
            .map(|u| (u.unit_id, u.unit_name.clone()))
            .collect();
        let units: Vec<AskedUnit> = units
            .into_iter()
            .map(|u| {
                let answered = u.sent > 0;
                let overdue = !answered && overdue_day;
                let status = if answered {
                    "已报送"
                } else if u.drafting > 0 {
                    if overdue {
                        "逾期（拟稿中）"
                    } else {
                        "拟稿中"
                    }
                } else if overdue {
                    "逾期未报"
                } else {
                    "未报送"
                };
                AskedUnit {
                    unit_id: u.unit_id,
                    unit: u.unit_name,
                    status: status.into(),
                    answered,
                    overdue,
                    first_sent: u.first_sent_at.map(|t| beijing_text(from_ms(t))),
                    urge_count: u.urge_count,
                    urged_at: u.urged_at.map(|t| beijing_text(from_ms(t))),
                }
            })
            .collect();
        let answers = store::answers(db, id)
            .await?
            .into_iter()
            .filter(|a| office_reader && a.state == "sent" || Some(a.unit_id) == asked_me)
            .map(|a| {
                let withheld = crate::clearance::level(&a.classification)
                    .map(|l| !actor.may_see(l))
                    .unwrap_or(true);
                AnswerLine {
                    item_id: a.id,
                    unit: names.get(&a.unit_id).cloned().unwrap_or_default(),
                    title: if withheld {
                        crate::clearance::WITHHELD.to_owned()
                    } else {
                        a.title
                    },
                    withheld,
                    state: if a.state == "sent" {
                        "已报送"
                    } else {
                        "拟稿中"
                    }
                    .into(),
                    sent: a.sent_at.map(|t| beijing_text(from_ms(t))),
                }
            })
            .collect();
        let closed = row.closed_at.is_some();
        let l = line(row.clone(), today);
        Ok(CommissionView {
            id,
            office: row.office_name,
            topic: row.topic,
            description: row.description,
            due_on: row.due_on,
            asked_at: beijing_text(from_ms(row.created_at)),
            state: l.state,
            closed,
            units,
            answers,
            manage,
            answer_as: asked_me.filter(|_| !closed),
        })
    }

    /// 催报: tells every asked unit that has not answered, and counts it; answers how many
    /// units were urged. Refused for a closed commission or when every unit has answered.
    pub async fn urge_commission(
        &self,
        section: &InfoSectionCap<'_>,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let row = self.own_commission(section, id).await?;
        if row.closed_at.is_some() {
            return Err(ServiceError::Conflict {
                code: "information.commission_closed",
                message: "该约稿已结束，不再催报".into(),
            });
        }
        let pending: Vec<i64> = store::asked_units(self.svc.db(), id)
            .await?
            .into_iter()
            .filter(|u| u.sent == 0)
            .map(|u| u.unit_id)
            .collect();
        if pending.is_empty() {
            return Err(ServiceError::Conflict {
                code: "information.commission_answered",
                message: "约稿单位均已报送，无需催报".into(),
            });
        }
        let mut tx = self.svc.db().begin().await?;
        store::mark_urged(&mut tx, id, &pending, ms(now)).await?;
        let message = format!(
            "{}催报：约稿「{}」截止 {}，贵单位尚未报送，请抓紧",
            row.office_name, row.topic, row.due_on
        );
        let subject = format!("information_commission:{id}");
        for u in &pending {
            self.tell_unit(
                &mut tx,
                *u,
                &subject,
                "information.commission_urged",
                &message,
                now,
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &audit(section),
            "information.commission_urged",
            Some(format!("information_commission:{id}")),
            json!({"commission": id, "units": pending}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(pending.len())
    }

    /// 结束征集: no more answers are expected (later ones may still be sent as ordinary items).
    pub async fn close_commission(
        &self,
        section: &InfoSectionCap<'_>,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.own_commission(section, id).await?;
        let mut tx = self.svc.db().begin().await?;
        if !store::close_commission(&mut tx, id, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "information.commission_closed",
                message: "该约稿已结束".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &audit(section),
            "information.commission_closed",
            Some(format!("information_commission:{id}")),
            json!({"commission": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A commission an item of `unit` may answer: one asking the unit, still open.
    pub(super) async fn answerable_commission(
        &self,
        unit: i64,
        id: i64,
    ) -> Result<store::CommissionRow> {
        let refused = || ServiceError::invalid("commission", "所选约稿不存在或未向本单位约稿");
        let row = store::find_commission(self.svc.db(), id)
            .await?
            .ok_or_else(refused)?;
        let mut tx = self.svc.db().begin_read().await?;
        let asks = store::asks(&mut tx, id, unit).await?;
        drop(tx);
        if !asks {
            return Err(refused());
        }
        if row.closed_at.is_some() {
            return Err(ServiceError::invalid("commission", "该约稿已结束征集"));
        }
        Ok(row)
    }

    /// A commission of the section's office.
    async fn own_commission(
        &self,
        section: &InfoSectionCap<'_>,
        id: i64,
    ) -> Result<store::CommissionRow> {
        match store::find_commission(self.svc.db(), id).await? {
            Some(r) if r.office_unit_id == section.office => Ok(r),
            _ => Err(ServiceError::NotFound("约稿")),
        }
    }

    /// The government an office serves.
    async fn government_of(&self, office: i64) -> Result<i64> {
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, office).await?;
        chain
            .above()
            .first()
            .map(|u| u.id)
            .ok_or(ServiceError::NotFound("本级政府"))
    }

    /// Tells a unit (asked, or issued a periodical): its information section's posts, else its 主任 (an office), else its
    /// head (a bureau).
    pub(super) async fn tell_unit(
        &self,
        tx: &mut xn_store::Tx,
        unit: i64,
        subject: &str,
        kind: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut posts = info_store::section_posts(tx, unit).await?;
        for position in ["director", "leader"] {
            if posts.is_empty() {
                posts = info_store::posts_of_position(tx, unit, position).await?;
            }
        }
        for p in posts {
            xn_store::notifications::insert_notification(
                tx,
                &xn_store::notifications::NewNotification {
                    post_id: p,
                    kind,
                    subject: Some(subject),
                    message,
                },
                ms(now),
            )
            .await?;
        }
        Ok(())
    }
}

/// A commission as listed, its state read on `today`.
fn line(r: store::CommissionRow, today: NaiveDate) -> CommissionLine {
    let overdue = NaiveDate::parse_from_str(&r.due_on, "%Y-%m-%d").is_ok_and(|d| today > d);
    let state = if r.closed_at.is_some() {
        "已结束"
    } else if r.answered >= r.asked {
        "已报齐"
    } else if overdue {
        "已逾期"
    } else {
        "征集中"
    };
    CommissionLine {
        id: r.id,
        office: r.office_name,
        topic: r.topic,
        due_on: r.due_on,
        state: state.into(),
        asked: r.asked,
        answered: r.answered,
    }
}

/// An office's name.
async fn office_name(tx: &mut xn_store::Tx, office: i64) -> Result<String> {
    Ok(xn_store::org::unit_chain(tx, office)
        .await?
        .first()
        .map(|r| r.name.clone())
        .unwrap_or_default())
}

fn audit<'a>(section: &'a InfoSectionCap<'_>) -> crate::events::Audit<'a> {
    crate::events::Audit {
        person_id: Some(section.actor.person_id),
        post_id: Some(section.post),
        ip: section.actor.ip.as_deref(),
    }
}
