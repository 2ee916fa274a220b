//! 学习材料: an office's library of study materials (a text, an uploaded file, or both), each
//! 精品材料 or 一般材料, by topic, with its 密级, its audience (the office only, or also the
//! county offices below a city office) and its required readers (posts or units). Opening a
//! material records the first opening; marking it read counts the minutes from that opening,
//! at least one and at most the material's declared reading time. The office's organisers add
//! materials; whoever added one and the office's leaders see who has and has not read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::org::Clearance;
use xn_domain::study::{self as rules, Audience, Grade};
use xn_store::study::{self as store, MaterialRow, NewMaterial};

use super::{Learner, Study, beijing, into_invalid, level, month_of_instant, recount};
use crate::files::{AttachmentFile, check_file};
use crate::{Actor, Result, ServiceError, ms};

/// A material in the library.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MaterialLine {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: String,
    /// `fine` or `general`.
    pub grade: String,
    /// 精品材料 / 一般材料.
    pub grade_label: String,
    /// 密级 label.
    pub classification: String,
    /// The office whose library holds it.
    pub office: String,
    /// Whether the viewer is required to read it.
    pub required: bool,
    /// Whether the viewer has read it.
    pub read: bool,
    /// Declared reading time, minutes.
    pub reading_minutes: i64,
    /// When added (Beijing).
    pub added_at: String,
}

/// The library as one post finds it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MaterialsView {
    /// The materials, newest first (those required and unread first of all).
    pub materials: Vec<MaterialLine>,
    /// The viewer may add one.
    pub may_create: bool,
    /// The units a material may name as readers (for the form): (unit, name).
    pub units: Vec<(i64, String)>,
}

/// A required reader and their reading.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReaderLine {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post.
    pub post_label: String,
    /// The unit.
    pub unit: String,
    /// Whether required.
    pub required: bool,
    /// First opened (Beijing).
    pub opened_at: Option<String>,
    /// Marked read (Beijing).
    pub read_at: Option<String>,
    /// Minutes counted.
    pub minutes: i64,
}

/// A material with the viewer's reading and, for its manager, everyone's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = study::MaterialView)]
pub struct MaterialView {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: String,
    /// `fine` or `general`.
    pub grade: String,
    /// 精品材料 / 一般材料.
    pub grade_label: String,
    /// `office` or `counties`.
    pub audience: String,
    /// Its label.
    pub audience_label: String,
    /// 密级 label.
    pub classification: String,
    /// The text.
    pub body: String,
    /// The file's name, if one was uploaded.
    pub file_name: Option<String>,
    /// Declared reading time.
    pub reading_minutes: i64,
    /// The office.
    pub office: String,
    /// Who added it, when.
    pub added: String,
    /// The readers named (posts and units).
    pub readers_named: Vec<String>,
    /// Whether the viewer is required to read it.
    pub required: bool,
    /// When the viewer first opened it.
    pub opened_at: Option<String>,
    /// When the viewer marked it read.
    pub read_at: Option<String>,
    /// Minutes counted for the viewer.
    pub minutes: i64,
    /// For whoever added it and the office's leaders: the required readers and anyone else
    /// who opened it.
    pub readers: Option<Vec<ReaderLine>>,
    /// The viewer may attach a file (whoever added it, the office's leaders).
    pub may_manage: bool,
}

/// A new material.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MaterialInput {
    /// Title.
    pub title: String,
    /// Topic (理论学习, 业务知识, 公文写作 …).
    pub topic: String,
    /// `fine` (精品材料) or `general` (一般材料).
    pub grade: String,
    /// `office` (default) or `counties`.
    #[serde(default)]
    pub audience: String,
    /// 密级 code (`public` default, `secret`, …).
    #[serde(default)]
    pub classification: String,
    /// The text ('' when a file follows).
    #[serde(default)]
    pub body: String,
    /// Declared reading time, minutes (1–240).
    pub reading_minutes: i64,
    /// Required readers: posts.
    #[serde(default)]
    pub reader_posts: Vec<i64>,
    /// Required readers: units (each post of the unit and below).
    #[serde(default)]
    pub reader_units: Vec<i64>,
}

fn line(m: &MaterialRow, required: bool, read: bool) -> MaterialLine {
    let grade = Grade::from_code(&m.grade).unwrap_or(Grade::General);
    MaterialLine {
        id: m.id,
        title: m.title.clone(),
        topic: m.topic.clone(),
        grade: m.grade.clone(),
        grade_label: grade.label().to_owned(),
        classification: level(&m.classification).label().to_owned(),
        office: m.office_name.clone(),
        required,
        read,
        reading_minutes: m.reading_minutes,
        added_at: beijing(m.created_at),
    }
}

impl Study<'_> {
    /// The counties of an office (the offices below its government's), for the readers form
    /// and checks.
    async fn counties_of(&self, office: i64) -> Result<Vec<(i64, String)>> {
        let db = self.svc.db();
        match xn_store::management::parent_of(db, office).await? {
            Some(g) => Ok(xn_store::management::offices_below(db, g).await?),
            None => Ok(Vec::new()),
        }
    }

    /// A material the learner may open (within clearance), or 404.
    pub(crate) async fn readable_material(
        &self,
        l: &Learner,
        id: i64,
    ) -> Result<(MaterialRow, bool)> {
        let m = store::find_material(self.svc.db(), id)
            .await?
            .ok_or(ServiceError::NotFound("学习材料"))?;
        let required = store::is_required(self.svc.db(), id, l.post, &l.chain).await?;
        let office = l.scope.office();
        let sees = office == Some(m.office_unit_id)
            || (m.audience == Audience::Counties.code() && l.city_office == Some(m.office_unit_id))
            || required;
        if !sees || !l.clearance.may_see(level(&m.classification)) {
            return Err(ServiceError::NotFound("学习材料"));
        }
        Ok((m, required))
    }

    fn manages(l: &Learner, m: &MaterialRow) -> bool {
        l.post == m.created_by_post_id
            || (l.scope.leads_office() && l.scope.office() == Some(m.office_unit_id))
    }

    /// The library as the acting post finds it.
    pub async fn materials(&self, actor: &Actor) -> Result<MaterialsView> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        let db = self.svc.db();
        let rows = store::materials_for(db, office, l.city_office, l.post, &l.chain).await?;
        let mut out = Vec::new();
        for m in rows {
            if !l.clearance.may_see(level(&m.classification)) {
                continue;
            }
            let required = store::is_required(db, m.id, l.post, &l.chain).await?;
            let read = store::my_reading(db, m.id, l.post)
                .await?
                .is_some_and(|(_, r, _)| r.is_some());
            out.push(line(&m, required, read));
        }
        out.sort_by_key(|m| !m.required || m.read);
        let units = if l.organises() {
            let mut u = vec![(office, "本办全体".to_owned())];
            u.extend(
                xn_store::management::staff_of_offices(db, &[office])
                    .await?
                    .into_iter()
                    .filter(|s| s.unit_id != office)
                    .map(|s| (s.unit_id, s.unit_name))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            );
            u.extend(self.counties_of(office).await?);
            u
        } else {
            Vec::new()
        };
        Ok(MaterialsView {
            materials: out,
            may_create: l.organises(),
            units,
        })
    }

    /// Adds a material to the acting post's office library (its organisers), naming its
    /// required readers, who are told; with its file (name, bytes) when one is uploaded.
    pub async fn create_material(
        &self,
        actor: &Actor,
        input: &MaterialInput,
        file: Option<(&str, &[u8])>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        if !l.organises() {
            return Err(ServiceError::Forbidden(
                "只有办公室（厅）主任、副主任和科长可以添加学习材料".into(),
            ));
        }
        let title =
            rules::check_text("title", "材料标题", &input.title, 200).map_err(into_invalid)?;
        let topic = rules::check_text("topic", "专题", &input.topic, 50).map_err(into_invalid)?;
        let grade = Grade::from_code(input.grade.trim())
            .ok_or_else(|| ServiceError::invalid("grade", "请选择精品材料或一般材料"))?;
        let audience = if input.audience.trim().is_empty() {
            Audience::Office
        } else {
            Audience::from_code(input.audience.trim()).ok_or_else(|| {
                ServiceError::invalid("audience", "范围应为本办内部或本办及县（区）办")
            })?
        };
        let classification: Clearance = if input.classification.trim().is_empty() {
            Clearance::Public
        } else {
            input
                .classification
                .parse()
                .map_err(|_| ServiceError::invalid("classification", "密级不正确"))?
        };
        if !l.clearance.may_see(classification) {
            return Err(ServiceError::invalid(
                "classification",
                "材料密级不能高于本人的涉密等级",
            ));
        }
        let body = input.body.trim();
        if body.chars().count() > 50_000 {
            return Err(ServiceError::invalid("body", "材料正文不超过 50000 字"));
        }
        let checked = match file {
            Some((name, bytes)) => Some((check_file(name, bytes)?, bytes)),
            None => None,
        };
        if body.is_empty() && checked.is_none() {
            return Err(ServiceError::invalid(
                "body",
                "请填写材料正文或上传材料文件",
            ));
        }
        let minutes = rules::check_reading_minutes(input.reading_minutes).map_err(into_invalid)?;
        let db = self.svc.db();
        let counties: Vec<i64> = self
            .counties_of(office)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut offices = vec![office];
        offices.extend(&counties);
        let staff = xn_store::management::staff_of_offices(db, &offices).await?;
        for p in &input.reader_posts {
            if !staff.iter().any(|s| s.post_id == *p) {
                return Err(ServiceError::invalid(
                    "reader_posts",
                    "应读人员应为本办或所辖县（区）办的人员",
                ));
            }
            if classification != Clearance::Public {
                let cleared = store::post_clearance(db, *p).await?;
                if !cleared.is_some_and(|c| {
                    c.parse::<Clearance>()
                        .is_ok_and(|c| c.may_see(classification))
                }) {
                    return Err(ServiceError::invalid(
                        "reader_posts",
                        "应读人员的涉密等级低于材料密级",
                    ));
                }
            }
        }
        for u in &input.reader_units {
            if classification != Clearance::Public {
                return Err(ServiceError::invalid(
                    "reader_units",
                    "涉密材料只能指定具体的应读人员，不能指定单位",
                ));
            }
            if *u != office
                && !counties.contains(u)
                && !staff
                    .iter()
                    .any(|s| s.unit_id == *u && s.office_id == office)
            {
                return Err(ServiceError::invalid(
                    "reader_units",
                    "应读单位应为本办、本办科室或所辖县（区）办",
                ));
            }
        }
        let mut tx = db.begin().await?;
        let id = store::insert_material(
            &mut tx,
            &NewMaterial {
                office,
                title: &title,
                topic: &topic,
                grade: grade.code(),
                audience: audience.code(),
                classification: classification.code(),
                body,
                reading_minutes: minutes,
                by: l.post,
            },
            ms(now),
        )
        .await?;
        for p in &input.reader_posts {
            store::insert_reader(&mut tx, id, Some(*p), None).await?;
        }
        for u in &input.reader_units {
            store::insert_reader(&mut tx, id, None, Some(*u)).await?;
        }
        if let Some((f, bytes)) = &checked {
            self.svc.put_file(&mut tx, &f.hash, bytes, ms(now)).await?;
            store::set_file(&mut tx, id, &f.name, &f.hash, f.mime, f.size).await?;
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.material_added",
            Some(format!("study_material:{id}")),
            json!({"grade": grade.code(), "audience": audience.code(),
                   "classification": classification.code(),
                   "reader_posts": input.reader_posts, "reader_units": input.reader_units}),
            now,
        )
        .await?;
        tx.commit().await?;
        // The required readers are told after the rows exist (the units' posts resolved).
        let readers: Vec<i64> = store::required_readings(db, id)
            .await?
            .into_iter()
            .map(|r| r.post_id)
            .collect();
        if !readers.is_empty() {
            let mut tx = db.begin().await?;
            crate::meetings::tell(
                &mut tx,
                &readers,
                "study.material_required",
                &format!("study_material:{id}"),
                &format!("请阅读学习材料《{title}》（{}）", grade.label()),
                now,
            )
            .await?;
            tx.commit().await?;
        }
        Ok(id)
    }

    /// Attaches a file to a material (whoever added it, the office's leaders).
    pub async fn attach_material_file(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let (m, _) = self.readable_material(&l, id).await?;
        if !Self::manages(&l, &m) {
            return Err(ServiceError::Forbidden(
                "只有添加材料的人员或办公室（厅）主任、副主任可以上传文件".into(),
            ));
        }
        let f = check_file(name, bytes)?;
        let mut tx = self.svc.db().begin().await?;
        self.svc.put_file(&mut tx, &f.hash, bytes, ms(now)).await?;
        store::set_file(&mut tx, id, &f.name, &f.hash, f.mime, f.size).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.material_file",
            Some(format!("study_material:{id}")),
            json!({"name": f.name, "hash": f.hash, "size": f.size}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A material's file.
    pub async fn material_file(&self, actor: &Actor, id: i64) -> Result<AttachmentFile> {
        let l = self.learner(actor).await?;
        let (m, _) = self.readable_material(&l, id).await?;
        let (Some(name), Some(hash), Some(mime)) = (m.file_name, m.file_hash, m.file_mime) else {
            return Err(ServiceError::NotFound("材料文件"));
        };
        Ok(AttachmentFile {
            name,
            mime,
            bytes: self.svc.file_bytes(&hash).await?,
        })
    }

    /// Opens a material: the first opening is recorded (reading time counts from it).
    pub async fn open_material(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<MaterialView> {
        let l = self.learner(actor).await?;
        let (m, required) = self.readable_material(&l, id).await?;
        let db = self.svc.db();
        if store::my_reading(db, id, l.post).await?.is_none() {
            let mut tx = db.begin().await?;
            store::open_reading(&mut tx, id, l.post, ms(now)).await?;
            tx.commit().await?;
        }
        let mine = store::my_reading(db, id, l.post).await?;
        let readers = if Self::manages(&l, &m) {
            let req = store::required_readings(db, id).await?;
            let all = store::readings_of(db, id).await?;
            let mut lines: Vec<ReaderLine> = req.iter().map(|r| reader_line(r, true)).collect();
            for r in all {
                if !req.iter().any(|q| q.post_id == r.post_id) {
                    lines.push(reader_line(&r, false));
                }
            }
            Some(lines)
        } else {
            None
        };
        let grade = Grade::from_code(&m.grade).unwrap_or(Grade::General);
        let audience = Audience::from_code(&m.audience).unwrap_or(Audience::Office);
        let named = store::readers_named(db, id).await?;
        // Named readers read it wherever they sit: an internal material that names a reader
        // outside the office (a county's post) says so.
        let mut outside = false;
        if audience == Audience::Office {
            for r in &named {
                if !store::unit_chain(db, r.home_unit_id)
                    .await?
                    .contains(&m.office_unit_id)
                {
                    outside = true;
                    break;
                }
            }
        }
        let audience_label = if outside {
            "本办内部及指定的外单位阅读人员".to_owned()
        } else {
            audience.label().to_owned()
        };
        let readers_named: Vec<String> = named.into_iter().map(|r| r.label).collect();
        Ok(MaterialView {
            id,
            title: m.title.clone(),
            topic: m.topic.clone(),
            grade: m.grade.clone(),
            grade_label: grade.label().to_owned(),
            audience: m.audience.clone(),
            audience_label,
            classification: level(&m.classification).label().to_owned(),
            body: m.body.clone(),
            file_name: m.file_name.clone(),
            reading_minutes: m.reading_minutes,
            office: m.office_name.clone(),
            added: format!("{} 添加于 {}", m.created_by, beijing(m.created_at)),
            readers_named,
            required,
            opened_at: mine.map(|(o, _, _)| beijing(o)),
            read_at: mine.and_then(|(_, r, _)| r).map(beijing),
            minutes: mine.map_or(0, |(_, _, n)| n),
            readers,
            may_manage: Self::manages(&l, &m),
        })
    }

    /// The acting post marks a material read: the minutes from its first opening count, at
    /// least one, at most the declared reading time. Twice: 409.
    pub async fn mark_read(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<i64> {
        let l = self.learner(actor).await?;
        let (m, _) = self.readable_material(&l, id).await?;
        let mut tx = self.svc.db().begin().await?;
        store::open_reading(&mut tx, id, l.post, ms(now)).await?;
        let Some(opened) = store::unread_opening(&mut tx, id, l.post).await? else {
            return Err(ServiceError::Conflict {
                code: "study.already_read",
                message: "这份材料已标记为已读".into(),
            });
        };
        let minutes = rules::reading_counted(opened, ms(now), m.reading_minutes);
        store::mark_read(&mut tx, id, l.post, ms(now), minutes).await?;
        recount(&mut tx, l.post, &month_of_instant(now), now).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.material_read",
            Some(format!("study_material:{id}")),
            json!({"minutes": minutes}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(minutes)
    }
}

fn reader_line(r: &store::ReadingRow, required: bool) -> ReaderLine {
    ReaderLine {
        post_id: r.post_id,
        person: r.person_name.clone(),
        post_label: r.post_label.clone(),
        unit: r.unit_name.clone(),
        required,
        opened_at: r.opened_at.map(beijing),
        read_at: r.read_at.map(beijing),
        minutes: r.minutes,
    }
}
