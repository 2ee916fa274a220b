//! Field work: 走访, 座谈会 and 问卷 logged by the team with the people met, notes and
//! pictures; each goes on the schedule of everyone who went (`schedule_entries`, kind 调研).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::research::{TopicState, VisitKind, check_visit};
use xn_store::meetings::schedule::{NewEntry, insert_entry};
use xn_store::research::{self as store, NewVisit};

use super::topics::state_of;
use super::{Research, beijing, into_invalid, parse_time, subject};
use crate::files::{AttachmentFile, check_file};
use crate::{Actor, Result, ServiceError, ms};

/// Field work to log.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = research::VisitInput)]
pub struct VisitInput {
    /// `visit` (实地走访), `forum` (座谈会) or `survey` (问卷调查).
    pub kind: String,
    /// Start, `YYYY-MM-DD HH:MM` (Beijing) or RFC 3339.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// Where.
    pub place: String,
    /// Whom the team met.
    #[serde(default)]
    pub people_met: String,
    /// What was found.
    pub notes: String,
    /// Who went: team members and leaders (default: the caller).
    #[serde(default)]
    pub people: Vec<i64>,
}

/// A piece of field work as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = research::VisitLine)]
pub struct VisitLine {
    /// Id.
    pub id: i64,
    /// Kind's name.
    pub kind_label: String,
    /// 「2026-11-20 09:00」.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// Where.
    pub place: String,
    /// Whom the team met.
    pub people_met: String,
    /// Notes.
    pub notes: String,
    /// Who went.
    pub people: Vec<String>,
    /// Who logged it.
    pub logged_by: String,
    /// Its files.
    pub files: Vec<FileLine>,
}

/// A picture or file of the field work.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = research::FileLine)]
pub struct FileLine {
    /// Id.
    pub id: i64,
    /// The visit.
    pub visit_id: i64,
    /// Name.
    pub name: String,
    /// It is a picture.
    pub picture: bool,
    /// Size in KB.
    pub kb: i64,
}

impl Research<'_> {
    /// Logs field work of an active topic by a team member, with its pictures (name, bytes),
    /// all in one transaction; everyone who went (team members and the office's government
    /// leaders) finds it on their schedule. Answers its id.
    pub async fn log_visit(
        &self,
        actor: &Actor,
        topic: i64,
        input: &VisitInput,
        files: &[(&str, &[u8])],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.desk(actor).await?;
        let checked = files
            .iter()
            .map(|(name, bytes)| check_file(name, bytes).map(|f| (f, *bytes)))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.svc.db().begin().await?;
        let t = self.readable_tx(&mut tx, &d, topic).await?;
        if !store::is_member(&mut tx, topic, d.post).await? {
            return Err(ServiceError::Forbidden(
                "只有调研组成员可以记录调研活动".into(),
            ));
        }
        let kind = VisitKind::from_code(input.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "请选择调研方式"))?;
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        if ends <= starts {
            return Err(ServiceError::invalid("ends_at", "结束时间应晚于开始时间"));
        }
        if (ends - starts).num_days() > 14 {
            return Err(ServiceError::invalid("ends_at", "一次调研不超过 14 天"));
        }
        check_visit(&input.place, &input.people_met, &input.notes).map_err(into_invalid)?;
        if !matches!(state_of(&t)?, TopicState::Active | TopicState::Reporting) {
            return Err(ServiceError::invalid(
                "state",
                "课题尚未启动或已结题，不能记录调研活动",
            ));
        }
        let leaders = self.leaders(t.office_unit_id).await?;
        let mut people = input.people.clone();
        if people.is_empty() {
            people.push(d.post);
        }
        people.sort_unstable();
        people.dedup();
        for p in &people {
            if !(store::is_member(&mut tx, topic, *p).await?
                || leaders.iter().any(|l| l.post_id == *p))
            {
                return Err(ServiceError::invalid(
                    "people",
                    "参加人员应为调研组成员或本级领导",
                ));
            }
        }
        let id = store::insert_visit(
            &mut tx,
            &NewVisit {
                topic,
                kind: kind.code(),
                starts_at: ms(starts),
                ends_at: ms(ends),
                place: input.place.trim(),
                people_met: input.people_met.trim(),
                notes: input.notes.trim(),
                by: d.post,
            },
            ms(now),
        )
        .await?;
        let title = format!("调研：{}（{}）", t.title, kind.label());
        let note = format!("调研课题「{}」", t.title);
        for p in &people {
            let entry = insert_entry(
                &mut tx,
                &NewEntry {
                    leader_post_id: *p,
                    kind: "research",
                    title: &title,
                    place: input.place.trim(),
                    starts_at: ms(starts),
                    ends_at: ms(ends),
                    public: true,
                    note: &note,
                },
                d.post,
                ms(now),
            )
            .await?;
            store::insert_visit_person(&mut tx, id, *p, Some(entry)).await?;
        }
        for (f, bytes) in &checked {
            self.svc.put_file(&mut tx, &f.hash, bytes, ms(now)).await?;
            store::insert_visit_file(
                &mut tx,
                id,
                &f.name,
                &f.hash,
                f.mime,
                f.size,
                d.post,
                ms(now),
            )
            .await?;
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.visit_logged",
            subject(topic),
            json!({"visit": id, "kind": kind.code(), "people": people,
                   "files": checked.iter().map(|(f, _)| &f.hash).collect::<Vec<_>>()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Attaches a picture or file to a visit (a team member, while the topic is open).
    /// Answers the file's id.
    pub async fn attach_file(
        &self,
        actor: &Actor,
        visit: i64,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let d = self.desk(actor).await?;
        let f = check_file(name, bytes)?;
        let mut tx = self.svc.db().begin().await?;
        let topic = store::topic_of_visit(&mut tx, visit)
            .await?
            .ok_or(ServiceError::NotFound("调研活动"))?;
        let t = self
            .readable_tx(&mut tx, &d, topic)
            .await
            .map_err(|_| ServiceError::NotFound("调研活动"))?;
        if !store::is_member(&mut tx, topic, d.post).await? {
            return Err(ServiceError::Forbidden(
                "只有调研组成员可以上传调研照片和材料".into(),
            ));
        }
        if state_of(&t)? == TopicState::Closed {
            return Err(ServiceError::invalid("file", "课题已结题，不能再上传材料"));
        }
        self.svc.put_file(&mut tx, &f.hash, bytes, ms(now)).await?;
        let id = store::insert_visit_file(
            &mut tx,
            visit,
            &f.name,
            &f.hash,
            f.mime,
            f.size,
            d.post,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "research.file_attached",
            subject(topic),
            json!({"visit": visit, "file": id, "name": f.name, "hash": f.hash}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A file of a topic's field work, for whoever reads the topic.
    pub async fn file(&self, actor: &Actor, id: i64) -> Result<AttachmentFile> {
        let d = self.desk(actor).await?;
        let (f, topic) = store::find_file(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("文件"))?;
        self.readable(&d, topic)
            .await
            .map_err(|_| ServiceError::NotFound("文件"))?;
        Ok(AttachmentFile {
            name: f.name,
            mime: f.mime,
            bytes: self.svc.file_bytes(&f.hash).await?,
        })
    }

    /// A topic's field work with who went and its files; and all the files.
    pub(crate) async fn visits(&self, topic: i64) -> Result<(Vec<VisitLine>, Vec<FileLine>)> {
        let db = self.svc.db();
        let people = store::visit_people_of(db, topic).await?;
        let files: Vec<FileLine> = store::files_of(db, topic)
            .await?
            .into_iter()
            .map(|f| FileLine {
                id: f.id,
                visit_id: f.visit_id,
                picture: f.mime.starts_with("image/"),
                kb: f.size / 1024 + i64::from(f.size % 1024 != 0),
                name: f.name,
            })
            .collect();
        let visits = store::visits_of(db, topic)
            .await?
            .into_iter()
            .map(|v| VisitLine {
                id: v.id,
                kind_label: VisitKind::from_code(&v.kind)
                    .map_or("", VisitKind::label)
                    .to_owned(),
                starts_at: beijing(v.starts_at),
                ends_at: beijing(v.ends_at),
                place: v.place,
                people_met: v.people_met,
                notes: v.notes,
                people: people
                    .iter()
                    .filter(|(vid, _)| *vid == v.id)
                    .map(|(_, n)| n.clone())
                    .collect(),
                logged_by: v.created_by,
                files: files
                    .iter()
                    .filter(|f| f.visit_id == v.id)
                    .cloned()
                    .collect(),
            })
            .collect();
        Ok((visits, files))
    }
}
