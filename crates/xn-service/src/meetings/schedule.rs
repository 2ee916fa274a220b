//! 领导日程: each leader's week — the meetings they chair or attend and their own engagements
//! (调研, 外出, 活动 …) — kept by the leader or by the posts named as its keepers (the 秘书
//! who serves them), read by the staff of the government's office. An entry is public to the
//! office or private: then the office sees a busy block only, the leader and keepers the whole
//! entry. Clashes are flagged, not refused (a leader may be asked to choose); a meeting's own
//! clash rule stays the booking's. A government's leaders are the posts of the government
//! itself (市长, 副市长 …) and the 主任 and 副主任 of its office; keepers are named by the
//! leader or the office's 主任, from the office's posts. Every entry of the leader's posts is
//! in the leader's own calendar feed (see `calendar.rs`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::meetings::MeetingStatus;
use xn_domain::org::{Clearance, Permission, UnitKind};
use xn_domain::schedule::{MAX_DAYS, ScheduleKind, overlaps};
use xn_store::meetings::schedule::{self as store, LeaderRow, NewEntry, ScheduleRow};
use xn_store::meetings::{self as mstore};

use super::book::{audit, parse_time};
use super::{Meetings, beijing, clearance_of, from_beijing, monday_of, span_text, tell};
use crate::{Actor, Result, ServiceError, ms, require};

/// An engagement to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ScheduleInput {
    /// The leader's post.
    pub leader_post_id: i64,
    /// `research` (调研), `trip` (外出), `event` (活动), `other`.
    pub kind: String,
    /// What.
    pub title: String,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// Start, Beijing `YYYY-MM-DD HH:MM` (or RFC 3339).
    pub starts_at: String,
    /// End, the same.
    pub ends_at: String,
    /// Read by the office's staff (else they see a busy block only).
    #[serde(default = "yes")]
    pub public: bool,
    /// A note.
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// One line of a leader's week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleItem {
    /// `entry` or `meeting`.
    pub source: String,
    /// The entry's or the meeting's id; none when the viewer sees only that the time is taken.
    pub id: Option<i64>,
    /// The kind's code (`meeting` for a meeting).
    pub kind: String,
    /// The kind's name.
    pub kind_label: String,
    /// What, or 「不公开的安排」 / 「涉密会议」 for a viewer who may not read it.
    pub title: String,
    /// Where ('' when hidden).
    pub place: String,
    /// When, Beijing (`12月1日 09:00—11:00`).
    pub time: String,
    /// Start, Beijing `YYYY-MM-DDTHH:MM` (for the edit form).
    pub starts_at: String,
    /// End, the same.
    pub ends_at: String,
    /// Public to the office.
    pub public: bool,
    /// The viewer sees only that the time is taken.
    pub hidden: bool,
    /// A note ('' when hidden).
    pub note: String,
    /// What it clashes with, as the viewer may read it.
    pub clashes: Vec<String>,
    /// The meeting's page.
    pub href: Option<String>,
    /// The viewer may change or cancel it.
    pub may_edit: bool,
}

/// A day of the week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 周一 …
    pub weekday: String,
    /// What the day holds, by start (an engagement of several days on each of them).
    pub items: Vec<ScheduleItem>,
}

/// A leader the viewer reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderOption {
    /// Post.
    pub post_id: i64,
    /// 「张三 市长」.
    pub label: String,
}

/// A leader's week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleWeek {
    /// The leader's post.
    pub leader_post_id: i64,
    /// The leader.
    pub leader: String,
    /// Monday.
    pub monday: String,
    /// Sunday.
    pub sunday: String,
    /// Seven days.
    pub days: Vec<ScheduleDay>,
    /// How many of the week's items clash with another.
    pub clashes: i64,
    /// The leaders whose weeks the viewer reads.
    pub leaders: Vec<LeaderOption>,
    /// The viewer writes this leader's schedule.
    pub may_edit: bool,
    /// The viewer names this leader's keepers.
    pub may_set_keepers: bool,
    /// Who keeps it: (post, label).
    pub keepers: Vec<(i64, String)>,
}

/// The posts a leader's keepers may be chosen from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeeperOptions {
    /// The leader.
    pub leader_post_id: i64,
    /// The office's posts: (post, label).
    pub posts: Vec<(i64, String)>,
    /// The chosen ones.
    pub keepers: Vec<i64>,
}

/// Naming a leader's keepers.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct KeepersInput {
    /// The leader's post.
    pub leader_post_id: i64,
    /// The keepers' posts (empty: only the leader keeps it).
    #[serde(default)]
    pub keepers: Vec<i64>,
}

/// Who is reading, and how they stand to the government's leaders.
struct Desk {
    post: i64,
    clearance: Clearance,
    office: i64,
    leaders: Vec<LeaderRow>,
    /// The leaders whose schedule the viewer keeps.
    kept: Vec<i64>,
    /// The viewer is the office's 主任.
    director: bool,
}

impl Desk {
    fn leader(&self, post: i64) -> Result<&LeaderRow> {
        self.leaders
            .iter()
            .find(|l| l.post_id == post)
            .ok_or(ServiceError::NotFound("领导日程"))
    }

    /// Writes the leader's schedule and reads its private entries.
    fn keeps(&self, leader: i64) -> bool {
        self.post == leader || self.kept.contains(&leader)
    }
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn beijing_text(at: i64) -> String {
    beijing(crate::from_ms(at))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn label_of(l: &LeaderRow) -> String {
    format!("{} {}", l.person_name, l.title)
}

impl Meetings<'_> {
    async fn desk(&self, actor: &Actor) -> Result<Desk> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        let refused = || {
            ServiceError::Forbidden("只有政府领导和办公厅（室）的工作人员可以查看领导日程".into())
        };
        let (government, office) = match chain.unit() {
            Some(u) if u.kind == UnitKind::Government => {
                let office = store::office_of_government(self.svc.db(), u.id)
                    .await?
                    .ok_or_else(refused)?;
                (u.id, office)
            }
            _ => {
                // The government's own office: an office directly below a government.
                let i = chain
                    .0
                    .iter()
                    .position(|u| u.kind.is_organ())
                    .ok_or_else(refused)?;
                match (chain.0.get(i), chain.0.get(i + 1)) {
                    (Some(o), Some(g))
                        if o.kind == UnitKind::Office && g.kind == UnitKind::Government =>
                    {
                        (g.id, o.id)
                    }
                    _ => return Err(refused()),
                }
            }
        };
        let leaders = store::leaders_of(self.svc.db(), government, office).await?;
        let director = leaders
            .iter()
            .any(|l| l.post_id == post.id && l.unit_id == office && l.position == "director");
        Ok(Desk {
            post: post.id,
            clearance: post.clearance,
            office,
            leaders,
            kept: store::kept_by(self.svc.db(), post.id).await?,
            director,
        })
    }

    /// A leader's week (of `date`, Beijing): the meetings they chair or attend and their own
    /// engagements, clashes flagged. Without `leader`: the viewer's own week if a leader, else
    /// the first leader the viewer keeps, else the government's first leader.
    pub async fn schedule_week(
        &self,
        actor: &Actor,
        leader: Option<i64>,
        date: NaiveDate,
    ) -> Result<ScheduleWeek> {
        let d = self.desk(actor).await?;
        let leader = match leader {
            Some(l) => d.leader(l)?.post_id,
            None => d
                .leaders
                .iter()
                .find(|l| l.post_id == d.post)
                .or_else(|| d.leaders.iter().find(|l| d.kept.contains(&l.post_id)))
                .or_else(|| d.leaders.first())
                .map(|l| l.post_id)
                .ok_or(ServiceError::NotFound("领导日程"))?,
        };
        let l = d.leader(leader)?;
        let monday = monday_of(date);
        let from = ms(from_beijing(monday.and_time(chrono::NaiveTime::MIN)));
        let to = from + Duration::days(7).num_milliseconds();
        let keeps = d.keeps(leader);
        let mut items: Vec<(i64, i64, ScheduleItem)> = Vec::new();
        for e in store::entries_between(self.svc.db(), &[leader], from, to).await? {
            if e.cancelled_at.is_some() {
                continue;
            }
            items.push((e.starts_at, e.ends_at, entry_item(&e, keeps)));
        }
        let meetings = mstore::meetings_between(self.svc.db(), from, to).await?;
        let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
        let attendees = mstore::attendees_of(self.svc.db(), &ids).await?;
        for m in &meetings {
            let takes_part = m.chair_post_id == leader
                || attendees.iter().any(|a| {
                    a.meeting_id == m.id && a.role == "attend" && a.post_id == Some(leader)
                });
            if !takes_part || m.status == MeetingStatus::Cancelled.code() {
                continue;
            }
            let hidden = !d.clearance.may_see(clearance_of(&m.classification));
            let place = match m.place_kind.as_str() {
                "room" => m.room_name.clone().unwrap_or_default(),
                "video" => "视频会议".to_owned(),
                _ => m.venue.clone(),
            };
            items.push((
                m.starts_at,
                m.ends_at,
                ScheduleItem {
                    source: "meeting".into(),
                    id: (!hidden).then_some(m.id),
                    kind: "meeting".into(),
                    kind_label: if m.chair_post_id == leader {
                        "主持会议"
                    } else {
                        "参加会议"
                    }
                    .into(),
                    title: if hidden {
                        "涉密会议".into()
                    } else if m.title.starts_with(&m.kind_name) {
                        m.title.clone()
                    } else {
                        format!("{}：{}", m.kind_name, m.title)
                    },
                    place: if hidden { String::new() } else { place },
                    time: span_text(m.starts_at, m.ends_at),
                    starts_at: beijing_text(m.starts_at),
                    ends_at: beijing_text(m.ends_at),
                    public: true,
                    hidden,
                    note: String::new(),
                    clashes: Vec::new(),
                    href: (!hidden).then(|| format!("/meetings/{}", m.id)),
                    may_edit: false,
                },
            ));
        }
        items.sort_by_key(|(s, e, _)| (*s, *e));
        // Clashes: every pair whose spans overlap, each named as the viewer reads the other.
        let spans: Vec<(i64, i64, String)> = items
            .iter()
            .map(|(s, e, i)| (*s, *e, format!("{}（{}）", i.title, i.time)))
            .collect();
        let mut clashes = 0;
        for (i, (s, e, item)) in items.iter_mut().enumerate() {
            item.clashes = spans
                .iter()
                .enumerate()
                .filter(|(j, (s2, e2, _))| *j != i && overlaps((*s, *e), (*s2, *e2)))
                .map(|(_, (_, _, t))| t.clone())
                .collect();
            if !item.clashes.is_empty() {
                clashes += 1;
            }
        }
        let days = (0..7)
            .map(|n| {
                let day = monday + Duration::days(n);
                let start = ms(from_beijing(day.and_time(chrono::NaiveTime::MIN)));
                let end = start + Duration::days(1).num_milliseconds();
                ScheduleDay {
                    date: day.to_string(),
                    weekday: WEEKDAYS[day.weekday().num_days_from_monday() as usize].to_owned(),
                    items: items
                        .iter()
                        .filter(|(s, e, _)| overlaps((*s, *e), (start, end)))
                        .map(|(_, _, i)| i.clone())
                        .collect(),
                }
            })
            .collect();
        let labels = mstore::post_labels(
            self.svc.db(),
            &store::keepers_of(self.svc.db(), leader).await?,
        )
        .await?;
        Ok(ScheduleWeek {
            leader_post_id: leader,
            leader: label_of(l),
            monday: monday.to_string(),
            sunday: (monday + Duration::days(6)).to_string(),
            days,
            clashes,
            leaders: d
                .leaders
                .iter()
                .map(|l| LeaderOption {
                    post_id: l.post_id,
                    label: label_of(l),
                })
                .collect(),
            may_edit: keeps,
            may_set_keepers: d.post == leader || d.director,
            keepers: labels,
        })
    }

    fn checked<'i>(input: &'i ScheduleInput) -> Result<(NewEntry<'i>, ScheduleKind)> {
        let kind = ScheduleKind::from_code(input.kind.trim()).ok_or_else(|| {
            ServiceError::invalid("kind", "请选择日程类别（调研、外出、活动或其他）")
        })?;
        let title = input.title.trim();
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写日程事项"));
        }
        if title.chars().count() > 200 {
            return Err(ServiceError::invalid("title", "日程事项不超过 200 字"));
        }
        if input.place.trim().chars().count() > 200 {
            return Err(ServiceError::invalid("place", "地点不超过 200 字"));
        }
        if input.note.trim().chars().count() > 2000 {
            return Err(ServiceError::invalid("note", "备注不超过 2000 字"));
        }
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        if ends <= starts {
            return Err(ServiceError::invalid("ends_at", "结束时间应晚于开始时间"));
        }
        if ends - starts > Duration::days(MAX_DAYS) {
            return Err(ServiceError::invalid(
                "ends_at",
                format!("一项日程不超过 {MAX_DAYS} 天"),
            ));
        }
        Ok((
            NewEntry {
                leader_post_id: input.leader_post_id,
                kind: kind.code(),
                title,
                place: input.place.trim(),
                starts_at: ms(starts),
                ends_at: ms(ends),
                public: input.public,
                note: input.note.trim(),
            },
            kind,
        ))
    }

    /// The desk of one who writes `leader`'s schedule, or the refusal.
    async fn keeper_desk(&self, actor: &Actor, leader: i64) -> Result<Desk> {
        let d = self.desk(actor).await?;
        d.leader(leader)?;
        if !d.keeps(leader) {
            return Err(ServiceError::Forbidden(
                "只有领导本人和为其管理日程的人员可以安排领导日程".into(),
            ));
        }
        Ok(d)
    }

    /// Adds an engagement to a leader's schedule (by the leader or a keeper); the leader is
    /// told when someone else wrote it. Clashes are not refused: the week flags them.
    pub async fn add_schedule(
        &self,
        actor: &Actor,
        input: &ScheduleInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.keeper_desk(actor, input.leader_post_id).await?;
        let (e, kind) = Self::checked(input)?;
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_entry(&mut tx, &e, d.post, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "schedule.entry_added",
            Some(format!("schedule:{id}")),
            json!({"leader": e.leader_post_id, "kind": kind.code(), "public": e.public}),
            now,
        )
        .await?;
        if d.post != e.leader_post_id {
            tell(
                &mut tx,
                &[e.leader_post_id],
                "schedule.entry_added",
                &format!("schedule:{id}"),
                &format!(
                    "您的日程新增{}：{}（{}）",
                    kind.label(),
                    e.title,
                    span_text(e.starts_at, e.ends_at)
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn entry_for_keeper(&self, actor: &Actor, id: i64) -> Result<(Desk, ScheduleRow)> {
        let e = store::find_entry(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("日程"))?;
        let d = self.desk(actor).await?;
        // Someone who does not read the leader's week does not learn the entry exists.
        d.leader(e.leader_post_id)
            .map_err(|_| ServiceError::NotFound("日程"))?;
        if !d.keeps(e.leader_post_id) {
            return Err(ServiceError::Forbidden(
                "只有领导本人和为其管理日程的人员可以修改领导日程".into(),
            ));
        }
        Ok((d, e))
    }

    /// Changes an engagement (its leader stays); its calendar SEQUENCE goes up.
    pub async fn change_schedule(
        &self,
        actor: &Actor,
        id: i64,
        input: &ScheduleInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (d, row) = self.entry_for_keeper(actor, id).await?;
        let fixed = ScheduleInput {
            leader_post_id: row.leader_post_id,
            ..input.clone()
        };
        let (e, _) = Self::checked(&fixed)?;
        let mut tx = self.svc.db().begin().await?;
        if !store::update_entry(&mut tx, id, &e, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "schedule.cancelled",
                message: "这项日程已取消，不能再修改".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "schedule.entry_changed",
            Some(format!("schedule:{id}")),
            json!({"leader": row.leader_post_id}),
            now,
        )
        .await?;
        if d.post != row.leader_post_id {
            tell(
                &mut tx,
                &[row.leader_post_id],
                "schedule.entry_changed",
                &format!("schedule:{id}"),
                &format!(
                    "您的日程已调整：{}（{}）",
                    e.title,
                    span_text(e.starts_at, e.ends_at)
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Cancels an engagement; a subscribed calendar removes it.
    pub async fn cancel_schedule(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        let (d, row) = self.entry_for_keeper(actor, id).await?;
        let mut tx = self.svc.db().begin().await?;
        if !store::cancel_entry(&mut tx, id, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "schedule.cancelled",
                message: "这项日程已取消".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &audit(actor),
            "schedule.entry_cancelled",
            Some(format!("schedule:{id}")),
            json!({"leader": row.leader_post_id}),
            now,
        )
        .await?;
        if d.post != row.leader_post_id {
            tell(
                &mut tx,
                &[row.leader_post_id],
                "schedule.entry_cancelled",
                &format!("schedule:{id}"),
                &format!(
                    "您的日程已取消：{}（{}）",
                    row.title,
                    span_text(row.starts_at, row.ends_at)
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The posts a leader's keepers are chosen from (the caller's own when no leader is
    /// given), for one who may name them.
    pub async fn keeper_options(
        &self,
        actor: &Actor,
        leader: Option<i64>,
    ) -> Result<KeeperOptions> {
        let d = self.desk(actor).await?;
        let leader = leader.unwrap_or(d.post);
        d.leader(leader)?;
        if d.post != leader && !d.director {
            return Err(ServiceError::Forbidden(
                "只有领导本人和办公厅（室）主任可以指定日程管理人员".into(),
            ));
        }
        Ok(KeeperOptions {
            leader_post_id: leader,
            posts: store::office_posts(self.svc.db(), d.office)
                .await?
                .into_iter()
                .filter(|(p, _)| *p != leader)
                .collect(),
            keepers: store::keepers_of(self.svc.db(), leader).await?,
        })
    }

    /// Names the posts that keep a leader's schedule (the leader or the office's 主任), from
    /// the office's posts; the new keepers are told.
    pub async fn set_keepers(
        &self,
        actor: &Actor,
        input: &KeepersInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let options = self
            .keeper_options(actor, Some(input.leader_post_id))
            .await?;
        let mut keepers = input.keepers.clone();
        keepers.sort_unstable();
        keepers.dedup();
        if keepers.len() > 10 {
            return Err(ServiceError::invalid("keepers", "日程管理人员不超过 10 人"));
        }
        if let Some(k) = keepers
            .iter()
            .find(|k| !options.posts.iter().any(|(p, _)| p == *k))
        {
            return Err(ServiceError::invalid(
                "keepers",
                format!("岗位 {k} 不是本办公厅（室）的人员，不能管理领导日程"),
            ));
        }
        let added: Vec<i64> = keepers
            .iter()
            .filter(|k| !options.keepers.contains(k))
            .copied()
            .collect();
        let by = actor.post_id().unwrap_or_default();
        let mut tx = self.svc.db().begin().await?;
        store::set_keepers(&mut tx, input.leader_post_id, &keepers, by, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &audit(actor),
            "schedule.keepers_set",
            Some(format!("post:{}", input.leader_post_id)),
            json!({"keepers": keepers}),
            now,
        )
        .await?;
        let leader = mstore::post_labels(self.svc.db(), &[input.leader_post_id])
            .await?
            .into_iter()
            .next()
            .map(|(_, l)| l)
            .unwrap_or_default();
        tell(
            &mut tx,
            &added,
            "schedule.keeper_named",
            &format!("post:{}", input.leader_post_id),
            &format!("您已被指定管理{leader}的日程"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An entry as a line of the week: whole for the leader and keepers and for a public entry,
/// a busy block otherwise.
fn entry_item(e: &ScheduleRow, keeps: bool) -> ScheduleItem {
    let kind = ScheduleKind::from_code(&e.kind).unwrap_or(ScheduleKind::Other);
    let hidden = e.public == 0 && !keeps;
    ScheduleItem {
        source: "entry".into(),
        id: (!hidden).then_some(e.id),
        kind: kind.code().into(),
        kind_label: if hidden { "" } else { kind.label() }.into(),
        title: if hidden {
            "不公开的安排".into()
        } else {
            e.title.clone()
        },
        place: if hidden {
            String::new()
        } else {
            e.place.clone()
        },
        time: span_text(e.starts_at, e.ends_at),
        starts_at: beijing_text(e.starts_at),
        ends_at: beijing_text(e.ends_at),
        public: e.public != 0,
        hidden,
        note: if hidden {
            String::new()
        } else {
            e.note.clone()
        },
        clashes: Vec::new(),
        href: None,
        may_edit: keeps,
    }
}
