//! Reading the news: new tasks and notifications after their commit, turned into queued
//! messages as each person and unit chose.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use xn_domain::notify::{
    Messenger, QuietHours, Shown, Topic, Topics, compose, next_digest, subject_path,
};
use xn_domain::org::{Clearance, UnitKind};
use xn_store::notify::{NewDelivery, NewsRow, RobotRow};

use super::{Choice, Notify, Outbound, absolute};
use crate::{Result, ms};

/// News older than this when first read is not sent (a server that was down for days, history
/// made by an import).
const STALE: TimeDelta = TimeDelta::hours(24);

/// Source rows read per query.
const PAGE: i64 = 500;

/// What a dispatcher round queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Source rows read.
    pub read: usize,
    /// Messages queued.
    pub queued: usize,
}

impl Notify<'_> {
    /// Reads the tasks and notifications committed since the last round and queues the messages
    /// they call for. Several servers may run it at once: each message is queued once.
    pub async fn dispatch(&self, now: DateTime<Utc>) -> Result<Dispatched> {
        let db = self.svc.db();
        let out = &self.svc.settings().outbound;
        let channels = out.mail || xn_store::notify::any_robot(db).await?;
        let mut total = Dispatched::default();
        let mut d = Dispatcher {
            notify: *self,
            out,
            now,
            people: HashMap::new(),
            robots: HashMap::new(),
        };
        for source in ["task", "notification"] {
            let mut after = xn_store::notify::cursor(db, source).await?;
            // The cursor moves only past rows older than the late window (see
            // xn_store::notify::LATE_WINDOW_MS); rows inside it are read again next round.
            let settled = ms(now) - xn_store::notify::LATE_WINDOW_MS;
            let mut advance_to = None;
            let mut blocked = false;
            loop {
                let rows = match source {
                    "task" => xn_store::notify::tasks_after(db, after, PAGE).await?,
                    _ => xn_store::notify::notifications_after(db, after, PAGE).await?,
                };
                let Some(last) = rows.last().map(|r| r.id) else {
                    break;
                };
                total.read += rows.len();
                let mut queue = Vec::new();
                for row in &rows {
                    if channels {
                        d.queue(&mut queue, source, row).await?;
                    }
                    if row.created_at < settled && !blocked {
                        advance_to = Some(row.id);
                    } else {
                        blocked = true;
                    }
                }
                // What was read is decided outside the transaction; it only writes.
                let mut tx = db.begin().await?;
                for q in &queue {
                    total.queued += usize::from(
                        xn_store::notify::insert_delivery(&mut tx, &q.as_new(), ms(now)).await?,
                    );
                }
                if let Some(to) = advance_to {
                    xn_store::notify::advance_cursor(&mut tx, source, to).await?;
                }
                tx.commit().await?;
                after = last;
            }
        }
        Ok(total)
    }
}

/// One round's reading: the choices and robots it has looked up so far.
struct Dispatcher<'a, 'b> {
    notify: Notify<'a>,
    out: &'b Outbound,
    now: DateTime<Utc>,
    people: HashMap<i64, Choice>,
    robots: HashMap<i64, Vec<RobotRow>>,
}

impl Dispatcher<'_, '_> {
    async fn choice(&mut self, person: i64) -> Result<Choice> {
        if let Some(c) = self.people.get(&person) {
            return Ok(c.clone());
        }
        let row = xn_store::notify::prefs(self.notify.svc.db(), person).await?;
        let c = Choice::of(row.as_ref());
        self.people.insert(person, c.clone());
        Ok(c)
    }

    /// The robots that post for a unit: of each messenger, the nearest in use on the way up
    /// to its government (a county's news never reaches the city's group).
    async fn robots_for(&mut self, unit: i64) -> Result<Vec<RobotRow>> {
        if let Some(r) = self.robots.get(&unit) {
            return Ok(r.clone());
        }
        let db = self.notify.svc.db();
        let mut tx = db.begin_read().await?;
        let chain = xn_store::org::unit_chain(&mut tx, unit).await?;
        tx.commit().await?;
        let mut ids = Vec::new();
        for u in &chain {
            ids.push(u.id);
            if u.kind == UnitKind::Government.code() {
                break;
            }
        }
        let all = xn_store::notify::active_robots(db, &ids).await?;
        let mut found = Vec::new();
        for m in Messenger::all() {
            let nearest = ids
                .iter()
                .find_map(|id| all.iter().find(|r| r.unit_id == *id && r.kind == m.code()));
            if let Some(r) = nearest {
                found.push(r.clone());
            }
        }
        self.robots.insert(unit, found.clone());
        Ok(found)
    }

    /// Adds to `queue` the messages one source row calls for.
    async fn queue(&mut self, queue: &mut Vec<Queued>, source: &str, row: &NewsRow) -> Result<()> {
        let now = self.now;
        if !row.live || !row.open || row.created_at < ms(now - STALE) {
            return Ok(());
        }
        let topic = match source {
            "task" if row.kind == "read" => Topic::NewRead,
            "task" if row.again => Topic::Returned,
            "task" => Topic::NewTask,
            _ => Topic::of_notification(&row.kind),
        };
        let choice = self.choice(row.person_id).await?;
        let robots = self.robots_for(row.unit_id).await?;
        let mail_to = row
            .email
            .as_deref()
            .filter(|_| self.out.mail && choice.mail && choice.topics.has(topic));
        let robots: Vec<_> = robots
            .into_iter()
            .filter(|r| Topics::from_stored(&r.topics).has(topic))
            .collect();
        if mail_to.is_none() && robots.is_empty() {
            return Ok(());
        }
        // Outside the system an item above 非密 is never named.
        let subject = row.subject.as_deref();
        // Fail closed: the text goes out only of an item known to be 非密.
        let level = match subject {
            Some(s) => self
                .notify
                .svc
                .subject_levels(std::iter::once(s))
                .await?
                .get(s)
                .copied(),
            None => None,
        };
        let shown = match level {
            Some(Clearance::Public) => Shown::Text(row.text.as_str()),
            Some(_) => Shown::Classified,
            None => Shown::Unnamed,
        };
        let path = subject
            .and_then(subject_path)
            .unwrap_or_else(|| "/workbench".to_owned());
        let message = compose(topic, shown, &absolute(&self.out.public_url, &path));
        let source_key = format!("{source}:{}", row.id);
        if let Some(to) = mail_to {
            let due = match (choice.digest, choice.quiet) {
                (Some(at), _) => next_digest(at, now),
                (None, Some(q)) => q.release(now),
                (None, None) => now,
            };
            queue.push(Queued {
                source: source_key.clone(),
                topic,
                channel: "mail",
                address: to.to_owned(),
                person_id: row.person_id,
                robot_id: None,
                mention: None,
                message: message.clone(),
                digest: choice.digest.is_some(),
                due_at: ms(due),
            });
        }
        for r in &robots {
            let quiet = QuietHours::parse(r.quiet_from.as_deref(), r.quiet_to.as_deref())
                .ok()
                .flatten();
            let due = quiet.map_or(now, |q| q.release(now));
            let mention = row
                .phone
                .clone()
                .filter(|_| choice.robot && choice.topics.has(topic));
            let channel = Messenger::from_code(&r.kind).map_or("wecom", Messenger::code);
            queue.push(Queued {
                source: source_key.clone(),
                topic,
                channel,
                address: format!("robot:{}", r.id),
                person_id: row.person_id,
                robot_id: Some(r.id),
                mention,
                message: message.clone(),
                digest: false,
                due_at: ms(due),
            });
        }
        Ok(())
    }
}

/// A message decided on, to be queued.
struct Queued {
    source: String,
    topic: Topic,
    channel: &'static str,
    address: String,
    person_id: i64,
    robot_id: Option<i64>,
    mention: Option<String>,
    message: xn_domain::notify::Message,
    digest: bool,
    due_at: i64,
}

impl Queued {
    fn as_new(&self) -> NewDelivery<'_> {
        NewDelivery {
            source: &self.source,
            topic: self.topic.code(),
            channel: self.channel,
            address: &self.address,
            person_id: Some(self.person_id),
            robot_id: self.robot_id,
            mention: self.mention.as_deref(),
            title: &self.message.title,
            body: &self.message.body,
            link: &self.message.link,
            digest: self.digest,
            due_at: self.due_at,
        }
    }
}
