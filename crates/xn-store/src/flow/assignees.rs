//! The organisation as assignee rules read it: posts of a position in a unit, a unit's parent
//! and children, a post's unit and position, and posts' labels.
//!
//! Holds reads only, inside the action's transaction where the rule is resolved; the
//! organisation is written by `org.rs`.

use crate::{Db, Result, Tx};

pub(crate) const POSTS_WITH_POSITION: &str = "select p.id from posts p
     join positions pos on pos.id = p.position_id join persons pe on pe.id = p.person_id
     where p.unit_id = $1 and pos.code = $2 and p.active = 1 and pe.disabled = 0 order by p.id";
pub(crate) const PARENT_UNIT: &str = "select parent_id from units where id = $1";
pub(crate) const CHILD_UNIT_OF_KIND: &str =
    "select id from units where parent_id = $1 and kind = $2 order by sort_order, id limit 1";
pub(crate) const POST_UNIT: &str = "select unit_id, active from posts where id = $1";

/// Active posts of a position code in a unit.
pub async fn posts_with_position(tx: &mut Tx, unit_id: i64, position: &str) -> Result<Vec<i64>> {
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(POSTS_WITH_POSITION).bind(unit_id).bind(position)
        .fetch_all(c).await)?,
    )
}

/// A unit's parent.
pub async fn parent_unit(tx: &mut Tx, unit_id: i64) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(PARENT_UNIT)
        .bind(unit_id).fetch_one(c).await)?)
}

/// The first child unit of a kind.
pub async fn child_unit_of_kind(tx: &mut Tx, unit_id: i64, kind: &str) -> Result<Option<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(CHILD_UNIT_OF_KIND)
        .bind(unit_id).bind(kind).fetch_optional(c).await)?)
}

/// The unit of a post, and whether it is active.
pub async fn post_unit(tx: &mut Tx, post_id: i64) -> Result<Option<(i64, i16)>> {
    Ok(with_tx!(tx, c => sqlx::query_as(POST_UNIT)
        .bind(post_id).fetch_optional(c).await)?)
}

/// A post's position code.
pub async fn post_position(tx: &mut Tx, post_id: i64) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select q.code from posts p join positions q on q.id = p.position_id where p.id = $1")
        .bind(post_id).fetch_optional(c).await)?)
}

/// Posts as people read them: (id, person's name, "unit · position").
pub async fn post_labels(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "select p.id, pe.name, u.short_name || ' · ' || coalesce(p.title, pos.name)
         from posts p join persons pe on pe.id = p.person_id
         join units u on u.id = p.unit_id join positions pos on pos.id = p.position_id
         where p.id in ({})",
        list.join(", ")
    );
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Whether a post holds or held any task of a case.
pub async fn post_in_case(tx: &mut Tx, case_id: i64, post_id: i64) -> Result<bool> {
    let n: i64 = with_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from tasks where case_id = $1 and (post_id = $2 or acted_by_post_id = $2)")
        .bind(case_id).bind(post_id).fetch_one(c).await)?;
    Ok(n > 0)
}
