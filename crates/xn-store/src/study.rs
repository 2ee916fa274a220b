//! SQL of 学习 (migration 0043): materials with their required readers and reading record,
//! 学习会 and 分析会 with materials, attendees, sign-in and 心得, field visits, training for the
//! county offices with registrations, and the study minutes per post per month that the
//! monthly evaluation reads. Who may see or change what is the service's rule, not here.

use crate::management::ids;
use crate::{Db, Result, Tx};

/// A material.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRow {
    /// Id.
    pub id: i64,
    /// The office whose library holds it.
    pub office_unit_id: i64,
    /// The office's short name.
    pub office_name: String,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: String,
    /// `fine` or `general`.
    pub grade: String,
    /// `office` or `counties`.
    pub audience: String,
    /// 密级 code.
    pub classification: String,
    /// The text ('' when only a file).
    pub body: String,
    /// The file's name, if one was uploaded.
    pub file_name: Option<String>,
    /// Its SM3.
    pub file_hash: Option<String>,
    /// Its media type.
    pub file_mime: Option<String>,
    /// Declared reading time, minutes.
    pub reading_minutes: i64,
    /// Who added it.
    pub created_by_post_id: i64,
    /// Their name.
    pub created_by: String,
    /// When (epoch ms).
    pub created_at: i64,
}

const MATERIAL_SELECT: &str = "select m.id, m.office_unit_id, o.short_name as office_name,
    m.title, m.topic, m.grade, m.audience, m.classification, m.body, m.file_name, m.file_hash,
    m.file_mime, m.reading_minutes, m.created_by_post_id, pe.name as created_by, m.created_at
    from study_materials m join units o on o.id = m.office_unit_id
    join posts p on p.id = m.created_by_post_id join persons pe on pe.id = p.person_id";

/// A material to add.
#[derive(Debug, Clone)]
pub struct NewMaterial<'a> {
    /// The office.
    pub office: i64,
    /// Title.
    pub title: &'a str,
    /// Topic.
    pub topic: &'a str,
    /// `fine` or `general`.
    pub grade: &'a str,
    /// `office` or `counties`.
    pub audience: &'a str,
    /// 密级 code.
    pub classification: &'a str,
    /// Text.
    pub body: &'a str,
    /// Declared reading time.
    pub reading_minutes: i64,
    /// Who adds it.
    pub by: i64,
}

/// Adds a material; answers its id.
pub async fn insert_material(tx: &mut Tx, m: &NewMaterial<'_>, now_ms: i64) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into study_materials (office_unit_id, title, topic, grade, audience,
             classification, body, reading_minutes, created_by_post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id")
        .bind(m.office).bind(m.title).bind(m.topic).bind(m.grade).bind(m.audience)
        .bind(m.classification).bind(m.body).bind(m.reading_minutes).bind(m.by).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Names a required reader: a post or a unit.
pub async fn insert_reader(
    tx: &mut Tx,
    material: i64,
    post: Option<i64>,
    unit: Option<i64>,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into study_material_readers (material_id, post_id, unit_id) values ($1, $2, $3)")
        .bind(material).bind(post).bind(unit).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Sets a material's file (stored in `blobs` by the caller).
pub async fn set_file(
    tx: &mut Tx,
    material: i64,
    name: &str,
    hash: &str,
    mime: &str,
    size: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update study_materials set file_name = $2, file_hash = $3, file_mime = $4, file_size = $5
         where id = $1")
        .bind(material).bind(name).bind(hash).bind(mime).bind(size)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// One material, if it exists.
pub async fn find_material(db: &Db, id: i64) -> Result<Option<MaterialRow>> {
    let sql = format!("{MATERIAL_SELECT} where m.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await)?,
    )
}

/// The materials a post may find: its office's, those its office's city office shares with
/// the counties, and those it is required to read (as a post or through one of `chain`, its
/// unit and the units above). Newest first. Clearance is the service's filter.
pub async fn materials_for(
    db: &Db,
    office: i64,
    city_office: Option<i64>,
    post: i64,
    chain: &[i64],
) -> Result<Vec<MaterialRow>> {
    let sql = format!(
        "{MATERIAL_SELECT} where m.office_unit_id = $1
           or (m.audience = 'counties' and m.office_unit_id = $2)
           or exists (select 1 from study_material_readers r where r.material_id = m.id
                      and (r.post_id = $3 or r.unit_id in ({})))
         order by m.created_at desc, m.id desc",
        ids(chain)
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(office).bind(city_office.unwrap_or(0)).bind(post).fetch_all(c).await)?,
    )
}

/// Whether a post is required to read a material (as itself or through a unit of `chain`).
pub async fn is_required(db: &Db, material: i64, post: i64, chain: &[i64]) -> Result<bool> {
    let sql = format!(
        "select count(*) from study_material_readers
         where material_id = $1 and (post_id = $2 or unit_id in ({}))",
        ids(chain)
    );
    let n: i64 = with_db!(db, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(material).bind(post).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A unit and every unit above it.
pub async fn unit_chain(db: &Db, unit: i64) -> Result<Vec<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "with recursive up (id, parent_id, depth) as (
             select id, parent_id, 0 from units where id = $1
             union all
             select u.id, u.parent_id, up.depth + 1 from units u join up on u.id = up.parent_id
             where up.depth < 10)
         select id from up order by depth")
        .bind(unit).fetch_all(c).await)?)
}

/// A required reader as named: a post or a unit, with its label.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReaderRow {
    /// The post named, if a post.
    pub post_id: Option<i64>,
    /// The unit named, if a unit.
    pub unit_id: Option<i64>,
    /// The post's holder and label, or the unit's name.
    pub label: String,
    /// The unit named, or the named post's unit.
    pub home_unit_id: i64,
}

/// The readers named on a material.
pub async fn readers_named(db: &Db, material: i64) -> Result<Vec<ReaderRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select r.post_id, r.unit_id,
             coalesce(u.short_name, pu.short_name || ' ' || coalesce(p.title, q.name) || ' ' || pe.name)
               as label, coalesce(r.unit_id, p.unit_id) as home_unit_id
         from study_material_readers r
         left join units u on u.id = r.unit_id
         left join posts p on p.id = r.post_id left join units pu on pu.id = p.unit_id
         left join positions q on q.id = p.position_id left join persons pe on pe.id = p.person_id
         where r.material_id = $1 order by r.unit_id, r.post_id")
        .bind(material).fetch_all(c).await)?)
}

/// A post with its reading of a material.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReadingRow {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person_name: String,
    /// The post's label.
    pub post_label: String,
    /// Its unit.
    pub unit_name: String,
    /// First opened (epoch ms), if opened.
    pub opened_at: Option<i64>,
    /// Marked read (epoch ms), if read.
    pub read_at: Option<i64>,
    /// Minutes counted.
    pub minutes: i64,
}

/// The posts required to read a material (named, or active posts doing the office's work in
/// a named unit or below it), with their readings, in unit and rank order.
pub async fn required_readings(db: &Db, material: i64) -> Result<Vec<ReadingRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "with recursive tree (id, depth) as (
             select unit_id, 0 from study_material_readers
             where material_id = $1 and unit_id is not null
             union all
             select u.id, t.depth + 1 from units u join tree t on u.parent_id = t.id
             where t.depth < 8)
         select p.id as post_id, pe.name as person_name, coalesce(p.title, q.name) as post_label,
             u.short_name as unit_name, g.opened_at, g.read_at, coalesce(g.minutes, 0) as minutes
         from posts p join persons pe on pe.id = p.person_id
         join positions q on q.id = p.position_id join units u on u.id = p.unit_id
         left join study_readings g on g.material_id = $1 and g.post_id = p.id
         where p.active = 1
           and (p.id in (select post_id from study_material_readers
                         where material_id = $1 and post_id is not null)
                or p.unit_id in (select id from tree))
           and exists (select 1 from post_roles pr join role_permissions rp on rp.role_id = pr.role_id
                       where pr.post_id = p.id and rp.permission = 'flow.work')
         order by u.sort_order, u.id, q.rank, p.id")
        .bind(material).fetch_all(c).await)?)
}

/// Every reading of a material (required or not), by post.
pub async fn readings_of(db: &Db, material: i64) -> Result<Vec<ReadingRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select p.id as post_id, pe.name as person_name, coalesce(p.title, q.name) as post_label,
             u.short_name as unit_name, g.opened_at, g.read_at, g.minutes
         from study_readings g join posts p on p.id = g.post_id
         join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id
         join units u on u.id = p.unit_id
         where g.material_id = $1 order by g.opened_at, p.id")
        .bind(material).fetch_all(c).await)?)
}

/// A post's reading of a material: (opened, read, minutes).
pub async fn my_reading(
    db: &Db,
    material: i64,
    post: i64,
) -> Result<Option<(i64, Option<i64>, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select opened_at, read_at, minutes from study_readings
         where material_id = $1 and post_id = $2")
        .bind(material).bind(post).fetch_optional(c).await)?)
}

/// Records a post's first opening of a material (a later opening changes nothing).
pub async fn open_reading(tx: &mut Tx, material: i64, post: i64, now_ms: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into study_readings (material_id, post_id, opened_at) values ($1, $2, $3)
         on conflict (material_id, post_id) do nothing")
        .bind(material).bind(post).bind(now_ms).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The opening instant of a post's unread reading, taking its row for the write.
pub async fn unread_opening(tx: &mut Tx, material: i64, post: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "update study_readings set minutes = minutes
         where material_id = $1 and post_id = $2 and read_at is null returning opened_at")
        .bind(material).bind(post).fetch_optional(c).await)?)
}

/// Marks a reading read with the minutes it counts.
pub async fn mark_read(
    tx: &mut Tx,
    material: i64,
    post: i64,
    now_ms: i64,
    minutes: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "update study_readings set read_at = $3, minutes = $4
         where material_id = $1 and post_id = $2 and read_at is null")
        .bind(material).bind(post).bind(now_ms).bind(minutes).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// For a list of materials, (material, required readers, of them read).
pub async fn required_counts(db: &Db, material: i64) -> Result<(i64, i64)> {
    let rows = required_readings(db, material).await?;
    let read = rows.iter().filter(|r| r.read_at.is_some()).count();
    Ok((
        i64::try_from(rows.len()).unwrap_or(i64::MAX),
        i64::try_from(read).unwrap_or(i64::MAX),
    ))
}

mod records;
pub use records::*;

/// A post's 密级 clearance code, if the post exists.
pub async fn post_clearance(db: &Db, post: i64) -> Result<Option<String>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select clearance from posts where id = $1")
        .bind(post).fetch_optional(c).await)?,
    )
}
