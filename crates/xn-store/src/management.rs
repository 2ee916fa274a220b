//! SQL of 管理 (migration 0033): targets and their links, each office's settings and
//! evaluation weights, weekly reports, monthly evaluations with their frozen figures; and the
//! facts the evaluation and the weekly draft read from the other areas' tables (tasks, cards,
//! supervision scores and reports, meeting replies). Every fact query takes the whole set of
//! posts at once, so a month's evaluation costs one statement per factor, whatever the number
//! of posts. Who may see or change what is the service's rule, not here.

use crate::{Db, Result, Tx};

mod facts;
mod plans;
mod records;
mod regulations;
mod rollups;
mod summaries;

pub use facts::*;
pub use plans::*;
pub use records::*;
pub use regulations::*;
pub use rollups::*;
pub use summaries::*;

/// A comma-separated list of ids for an `in (…)` clause (`0` when empty: matches no row).
pub(crate) fn ids(list: &[i64]) -> String {
    if list.is_empty() {
        "0".to_owned()
    } else {
        list.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A post the management area deals with: a person at a position in a unit of an office.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    /// Post.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The unit's short name.
    pub unit_name: String,
    /// The office (办公厅/办公室) the unit belongs to.
    pub office_id: i64,
    /// Position id.
    pub position_id: i64,
    /// Position code (`secretary`, `section_chief` …).
    pub position: String,
    /// The post's title or the position's name.
    pub post_label: String,
    /// The holder.
    pub person_id: i64,
    /// The holder's name.
    pub person_name: String,
    /// When the post began (epoch ms).
    pub created_at: i64,
}

/// The active posts doing the office's work (holding `flow.work`: not the administrators) of
/// some offices and of every unit below each, with the office each belongs to, in tree order
/// (office first, then its units by their order; by position rank).
pub async fn staff_of_offices(db: &Db, offices: &[i64]) -> Result<Vec<StaffRow>> {
    let sql = format!(
        "with recursive tree (id, office_id, depth) as (
             select id, id, 0 from units where id in ({})
             union all
             select u.id, t.office_id, t.depth + 1 from units u join tree t on u.parent_id = t.id
             where t.depth < 8)
         select p.id as post_id, p.unit_id, u.short_name as unit_name, t.office_id,
             p.position_id, q.code as position, coalesce(p.title, q.name) as post_label,
             p.person_id, pe.name as person_name, p.created_at
         from tree t join units u on u.id = t.id join posts p on p.unit_id = u.id
         join positions q on q.id = p.position_id join persons pe on pe.id = p.person_id
         where p.active = 1
           and exists (select 1 from post_roles pr join role_permissions rp on rp.role_id = pr.role_id
                       where pr.post_id = p.id and rp.permission = 'flow.work')
         order by t.office_id, t.depth, u.sort_order, u.id, q.rank, p.id",
        ids(offices)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// The offices of the governments directly below a government (a city's county offices):
/// (office id, its short name).
pub async fn offices_below(db: &Db, government: i64) -> Result<Vec<(i64, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select o.id, o.short_name from units g join units o on o.parent_id = g.id
         where g.parent_id = $1 and g.kind = 'government' and o.kind = 'office'
         order by g.sort_order, g.id, o.sort_order, o.id")
        .bind(government).fetch_all(c).await)?)
}

/// The office of the government above an office's government (a county office's city
/// office), if any.
pub async fn office_above(db: &Db, office: i64) -> Result<Option<i64>> {
    Ok(with_db!(db, c => sqlx::query_scalar(
        "select o2.id from units o join units g on g.id = o.parent_id
         join units g2 on g2.id = g.parent_id join units o2 on o2.parent_id = g2.id
         where o.id = $1 and g.kind = 'government' and g2.kind = 'government'
           and o2.kind = 'office'
         order by o2.sort_order, o2.id limit 1")
        .bind(office).fetch_optional(c).await)?)
}

/// A unit's parent.
pub async fn parent_of(db: &Db, unit: i64) -> Result<Option<i64>> {
    Ok(
        with_db!(db, c => sqlx::query_scalar("select parent_id from units where id = $1")
        .bind(unit).fetch_one(c).await)?,
    )
}

/// A unit's short name and kind.
pub async fn unit_brief(db: &Db, unit: i64) -> Result<(String, String)> {
    Ok(
        with_db!(db, c => sqlx::query_as("select short_name, kind from units where id = $1")
        .bind(unit).fetch_one(c).await)?,
    )
}

// ---------------------------------------------------------------------------------------------
// Settings and weights

/// An office's settings: (report weekday 1–7, objection window in working days).
pub async fn settings(db: &Db, office: i64) -> Result<Option<(i64, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select report_weekday, objection_days from management_settings where office_unit_id = $1")
        .bind(office).fetch_optional(c).await)?)
}

/// Stores an office's settings.
pub async fn save_settings(
    tx: &mut Tx,
    office: i64,
    weekday: i64,
    objection_days: i64,
    post: i64,
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into management_settings (office_unit_id, report_weekday, objection_days,
             updated_by_post_id, updated_at) values ($1, $2, $3, $4, $5)
         on conflict (office_unit_id) do update set report_weekday = $2, objection_days = $3,
             updated_by_post_id = $4, updated_at = $5")
        .bind(office).bind(weekday).bind(objection_days).bind(post).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The weights some offices set: (office, position, factor code, weight).
pub async fn weights(db: &Db, offices: &[i64]) -> Result<Vec<(i64, i64, String, i64)>> {
    let sql = format!(
        "select office_unit_id, position_id, factor, weight from evaluation_weights
         where office_unit_id in ({}) order by office_unit_id, position_id, factor",
        ids(offices)
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Replaces an office's weights for one position.
pub async fn replace_weights(
    tx: &mut Tx,
    office: i64,
    position: i64,
    weights: &[(&str, i64)],
    now_ms: i64,
) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "delete from evaluation_weights where office_unit_id = $1 and position_id = $2")
        .bind(office).bind(position).execute(c).await.map(|_| ()))?;
    for (factor, w) in weights {
        with_tx!(tx, c => sqlx::query(
            "insert into evaluation_weights (office_unit_id, position_id, factor, weight, updated_at)
             values ($1, $2, $3, $4, $5)")
            .bind(office).bind(position).bind(*factor).bind(*w).bind(now_ms)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// The built-in positions: (id, code, name), by rank.
pub async fn positions(db: &Db) -> Result<Vec<(i64, String, String)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select id, code, name from positions order by rank, id").fetch_all(c).await)?)
}
