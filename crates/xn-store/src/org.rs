//! SQL of the organisation: units, positions, roles, persons and posts.

use crate::{Db, Result, Tx};

/// A unit as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    /// Id.
    pub id: i64,
    /// The parent unit; `None` at the top of the tree.
    pub parent_id: Option<i64>,
    /// `UnitKind` code.
    pub kind: String,
    /// Full name (全称).
    pub name: String,
    /// Short name (简称).
    pub short_name: String,
    /// Issuer code (机关代字).
    pub issuer_code: Option<String>,
    /// Order among siblings.
    pub sort_order: i64,
}

/// A unit to insert or the new values of one to change.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// Parent.
    pub parent_id: Option<i64>,
    /// `UnitKind` code.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// Issuer code.
    pub issuer_code: Option<String>,
    /// Order among siblings.
    pub sort_order: i64,
}

const UNIT_COLUMNS: &str = "id, parent_id, kind, name, short_name, issuer_code, sort_order";

/// Every unit, parents before children where the sort order allows; the tree is built by the
/// caller (an office has hundreds of units, not millions).
pub async fn list_units(db: &Db) -> Result<Vec<UnitRow>> {
    let sql = format!("select {UNIT_COLUMNS} from units order by sort_order, id");
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// One unit.
pub async fn find_unit(db: &Db, id: i64) -> Result<UnitRow> {
    let sql = format!("select {UNIT_COLUMNS} from units where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// Units whose full or short name is exactly `name` (import sheets name parents this way).
pub async fn find_units_by_name(tx: &mut Tx, name: &str) -> Result<Vec<UnitRow>> {
    let sql = format!("select {UNIT_COLUMNS} from units where name = $1 or short_name = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(name).fetch_all(c).await)?,
    )
}

/// Inserts a unit and returns its id.
pub async fn insert_unit(tx: &mut Tx, u: &NewUnit, now_ms: i64) -> Result<i64> {
    let sql =
        "insert into units (parent_id, kind, name, short_name, issuer_code, sort_order, created_at)
               values ($1, $2, $3, $4, $5, $6, $7) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(u.parent_id).bind(&u.kind).bind(&u.name).bind(&u.short_name)
        .bind(&u.issuer_code).bind(u.sort_order).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Replaces a unit's values.
pub async fn update_unit(tx: &mut Tx, id: i64, u: &NewUnit) -> Result<()> {
    let sql = "update units set parent_id = $1, kind = $2, name = $3, short_name = $4,
               issuer_code = $5, sort_order = $6 where id = $7";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(u.parent_id).bind(&u.kind).bind(&u.name).bind(&u.short_name)
        .bind(&u.issuer_code).bind(u.sort_order).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// A position as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PositionRow {
    /// Id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Ordering (lower is more senior).
    pub rank: i64,
}

/// Inserts a position unless its code exists.
pub async fn ensure_position(tx: &mut Tx, code: &str, name: &str, rank: i64) -> Result<()> {
    let sql = "insert into positions (code, name, rank) values ($1, $2, $3)
               on conflict (code) do nothing";
    with_tx!(tx, c => sqlx::query(sql).bind(code).bind(name).bind(rank).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every position, most senior first.
pub async fn list_positions(db: &Db) -> Result<Vec<PositionRow>> {
    let sql = "select id, code, name, rank from positions order by rank, id";
    Ok(with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// A role as stored, with its permissions joined by commas.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    /// Id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Whether it ships with xiaoneng.
    pub builtin: i16,
}

/// Inserts a role unless its code exists; returns its id either way.
pub async fn ensure_role(tx: &mut Tx, code: &str, name: &str, builtin: bool) -> Result<i64> {
    let sql = "insert into roles (code, name, builtin) values ($1, $2, $3)
               on conflict (code) do update set name = excluded.name returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(code).bind(name).bind(i16::from(builtin)).fetch_one(c).await)?)
}

/// Grants a role a permission (idempotent).
pub async fn grant_role_permission(tx: &mut Tx, role_id: i64, permission: &str) -> Result<()> {
    let sql = "insert into role_permissions (role_id, permission) values ($1, $2)
               on conflict (role_id, permission) do nothing";
    with_tx!(tx, c => sqlx::query(sql).bind(role_id).bind(permission).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every role.
pub async fn list_roles(db: &Db) -> Result<Vec<RoleRow>> {
    let sql = "select id, code, name, builtin from roles order by id";
    Ok(with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// The permissions of a set of roles, as (role_id, permission) pairs.
pub async fn list_role_permissions(db: &Db) -> Result<Vec<(i64, String)>> {
    let sql = "select role_id, permission from role_permissions order by role_id, permission";
    Ok(with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?)
}

/// A person as stored (the password hash stays in the store and service layers).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    /// Id.
    pub id: i64,
    /// Login name, lowercase.
    pub login: String,
    /// Full name.
    pub name: String,
    /// Mobile phone.
    pub phone: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Set after an administrator reset: the person must choose a new password.
    pub must_change_password: i16,
    /// Failed sign-ins in a row.
    pub failed_attempts: i64,
    /// When the account was locked, if it is.
    pub locked_at: Option<i64>,
    /// 1 when an administrator set the lock (it holds until unlocked); 0 when wrong passwords
    /// did (it lifts after the configured time).
    pub locked_by_admin: i16,
    /// A disabled account cannot sign in at all.
    pub disabled: i16,
    /// When the password was last set (epoch ms); `None` before migration 0026's history.
    pub password_changed_at: Option<i64>,
    /// When the account was created (epoch ms).
    pub created_at: i64,
}

/// A person to insert.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Login name.
    pub login: String,
    /// Full name.
    pub name: String,
    /// Mobile phone.
    pub phone: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Whether the first sign-in must change the password.
    pub must_change_password: bool,
}

const PERSON_COLUMNS: &str = "id, login, name, phone, password_hash, must_change_password, failed_attempts, locked_at, locked_by_admin, disabled, password_changed_at, created_at";

/// Inserts a person and returns the id.
pub async fn insert_person(tx: &mut Tx, p: &NewPerson, now_ms: i64) -> Result<i64> {
    let sql =
        "insert into persons (login, name, phone, password_hash, must_change_password, created_at)
               values ($1, $2, $3, $4, $5, $6) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(&p.login).bind(&p.name).bind(&p.phone).bind(&p.password_hash)
        .bind(i16::from(p.must_change_password)).bind(now_ms)
        .fetch_one(c).await)?)
}

/// One person by id.
pub async fn find_person(db: &Db, id: i64) -> Result<PersonRow> {
    let sql = format!("select {PERSON_COLUMNS} from persons where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// One person by login, inside a write transaction (sign-in updates the counters it reads).
pub async fn find_person_by_login(tx: &mut Tx, login: &str) -> Result<Option<PersonRow>> {
    let sql = format!("select {PERSON_COLUMNS} from persons where login = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(login).fetch_optional(c).await)?,
    )
}

/// A page of persons whose name or login contains `q`, after the id `after`.
pub async fn list_persons(db: &Db, q: &str, after: i64, limit: i64) -> Result<Vec<PersonRow>> {
    let sql = format!(
        "select {PERSON_COLUMNS} from persons
         where id > $1 and ($2 = '' or lower(name) like $3 escape '\\' or login like $3 escape '\\')
         order by id limit $4"
    );
    // LIKE differs between the engines in case: lower both sides; escape the wildcards so a
    // login such as zhang_san matches itself.
    let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(after).bind(q).bind(&pattern).bind(limit).fetch_all(c).await)?,
    )
}

/// Counts one more failed sign-in and returns the count in a row, or `None` when the account
/// is locked. A lock from wrong passwords set at or before `lifted_before` (epoch ms) has lifted:
/// the count starts over from this failure. One statement, so concurrent failures are each
/// counted once on both engines (PostgreSQL serialises them on the row; SQLite on its write
/// lock).
pub async fn record_failed_attempt(
    tx: &mut Tx,
    id: i64,
    lifted_before: i64,
) -> Result<Option<i64>> {
    let sql = "update persons set
                   failed_attempts = case when locked_at is null then failed_attempts + 1 else 1 end,
                   locked_at = null
               where id = $1
                 and (locked_at is null or (locked_by_admin = 0 and locked_at <= $2))
               returning failed_attempts";
    Ok(
        with_tx!(tx, c => sqlx::query_scalar(sql).bind(id).bind(lifted_before).fetch_optional(c).await)?,
    )
}

/// Clears the failure count (and a lock from wrong passwords that has lifted, see
/// [`record_failed_attempt`]) after a successful sign-in; answers false when the account is
/// locked or disabled (the sign-in must then be refused).
pub async fn clear_failed_attempts(tx: &mut Tx, id: i64, lifted_before: i64) -> Result<bool> {
    let sql = "update persons set failed_attempts = 0, locked_at = null
               where id = $1 and disabled = 0
                 and (locked_at is null or (locked_by_admin = 0 and locked_at <= $2))";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(id).bind(lifted_before)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Locks (`Some(now)`) or unlocks (`None`) an account; unlocking clears the failure count.
/// `by_admin` marks a lock that holds until someone unlocks it.
pub async fn set_locked(
    tx: &mut Tx,
    id: i64,
    locked_at: Option<i64>,
    by_admin: bool,
) -> Result<()> {
    let sql = "update persons set locked_at = $1, locked_by_admin = $2,
               failed_attempts = case when $1 is null then 0 else failed_attempts end
               where id = $3";
    let flag = i16::from(by_admin && locked_at.is_some());
    let done = with_tx!(tx, c => sqlx::query(sql).bind(locked_at).bind(flag).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Replaces a password hash.
pub async fn set_password(tx: &mut Tx, id: i64, hash: &str, must_change: bool) -> Result<()> {
    let sql = "update persons set password_hash = $1, must_change_password = $2 where id = $3";
    let done = with_tx!(tx, c => sqlx::query(sql)
        .bind(hash).bind(i16::from(must_change)).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Keeps the password a change replaces (`old_hash`) in the person's history and records when
/// the new one was set.
pub async fn record_password_change(
    tx: &mut Tx,
    person_id: i64,
    old_hash: &str,
    now_ms: i64,
) -> Result<()> {
    let keep =
        "insert into password_history (person_id, password_hash, retired_at) values ($1, $2, $3)";
    with_tx!(tx, c => sqlx::query(keep).bind(person_id).bind(old_hash).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    let sql = "update persons set password_changed_at = $2 where id = $1";
    with_tx!(tx, c => sqlx::query(sql).bind(person_id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The hashes of the `n` passwords a person used last before the current one, newest first.
pub async fn recent_password_hashes(db: &Db, person_id: i64, n: i64) -> Result<Vec<String>> {
    let sql = "select password_hash from password_history where person_id = $1
               order by retired_at desc, id desc limit $2";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(person_id).bind(n).fetch_all(c).await)?)
}

/// A post with the names a reader needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    /// Id.
    pub id: i64,
    /// Holder.
    pub person_id: i64,
    /// Holder's name.
    pub person_name: String,
    /// Unit.
    pub unit_id: i64,
    /// Unit's full name.
    pub unit_name: String,
    /// Unit's short name.
    pub unit_short_name: String,
    /// Position.
    pub position_id: i64,
    /// Position's name.
    pub position_name: String,
    /// Optional title (e.g. 分管副主任).
    pub title: Option<String>,
    /// `Clearance` code.
    pub clearance: String,
    /// Whether the post is held now.
    pub active: i16,
}

const POST_SELECT: &str = "select p.id, p.person_id, pe.name as person_name, p.unit_id,
        u.name as unit_name, u.short_name as unit_short_name, p.position_id,
        po.name as position_name, p.title, p.clearance, p.active
    from posts p
    join persons pe on pe.id = p.person_id
    join units u on u.id = p.unit_id
    join positions po on po.id = p.position_id";

/// A post to insert.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Holder.
    pub person_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Position.
    pub position_id: i64,
    /// Optional title.
    pub title: Option<String>,
    /// `Clearance` code.
    pub clearance: String,
}

/// Inserts a post and returns its id.
pub async fn insert_post(tx: &mut Tx, p: &NewPost, now_ms: i64) -> Result<i64> {
    let sql = "insert into posts (person_id, unit_id, position_id, title, clearance, created_at)
               values ($1, $2, $3, $4, $5, $6) returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(p.person_id).bind(p.unit_id).bind(p.position_id).bind(&p.title)
        .bind(&p.clearance).bind(now_ms).fetch_one(c).await)?)
}

/// One post.
pub async fn find_post(db: &Db, id: i64) -> Result<PostRow> {
    let sql = format!("{POST_SELECT} where p.id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await)?,
    )
}

/// The active posts a person holds, most senior first.
pub async fn list_posts_of_person(db: &Db, person_id: i64) -> Result<Vec<PostRow>> {
    let sql =
        format!("{POST_SELECT} where p.person_id = $1 and p.active = 1 order by po.rank, p.id");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).fetch_all(c).await)?,
    )
}

/// The active posts at a unit, most senior first.
pub async fn list_posts_of_unit(db: &Db, unit_id: i64) -> Result<Vec<PostRow>> {
    let sql = format!(
        "{POST_SELECT} where p.unit_id = $1 and p.active = 1 order by po.rank, pe.name, p.id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id).fetch_all(c).await)?,
    )
}

/// Ends a post (it stays in history: events refer to it).
pub async fn deactivate_post(tx: &mut Tx, id: i64) -> Result<()> {
    let sql = "update posts set active = 0 where id = $1";
    let done =
        with_tx!(tx, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Changes a post's clearance.
pub async fn set_post_clearance(tx: &mut Tx, id: i64, clearance: &str) -> Result<()> {
    let sql = "update posts set clearance = $1 where id = $2";
    let done = with_tx!(tx, c => sqlx::query(sql).bind(clearance).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Replaces the roles of a post.
pub async fn set_post_roles(tx: &mut Tx, post_id: i64, role_ids: &[i64]) -> Result<()> {
    with_tx!(tx, c => sqlx::query("delete from post_roles where post_id = $1")
        .bind(post_id).execute(c).await.map(|r| r.rows_affected()))?;
    for role_id in role_ids {
        with_tx!(tx, c => sqlx::query("insert into post_roles (post_id, role_id) values ($1, $2)")
            .bind(post_id).bind(role_id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The role ids of a post.
pub async fn list_post_roles(db: &Db, post_id: i64) -> Result<Vec<i64>> {
    let sql = "select role_id from post_roles where post_id = $1 order by role_id";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(post_id).fetch_all(c).await)?)
}

/// The permission codes a post holds through its roles.
pub async fn list_post_permissions(db: &Db, post_id: i64) -> Result<Vec<String>> {
    let sql = "select distinct rp.permission from post_roles pr
               join role_permissions rp on rp.role_id = pr.role_id
               where pr.post_id = $1 order by rp.permission";
    Ok(with_db!(db, c => sqlx::query_scalar(sql).bind(post_id).fetch_all(c).await)?)
}

/// How many persons there are (the demo is loaded only into an empty database).
pub async fn count_persons(db: &Db) -> Result<i64> {
    Ok(with_db!(db, c => sqlx::query_scalar("select count(*) from persons").fetch_one(c).await)?)
}

/// Escapes `\`, `%` and `_` for a LIKE pattern written with `escape '\'`.
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Every unit, read inside a write transaction (to check a move against the tree it changes).
pub async fn list_units_tx(tx: &mut Tx) -> Result<Vec<UnitRow>> {
    let sql = format!("select {UNIT_COLUMNS} from units order by sort_order, id");
    Ok(with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Serialises changes to the shape of the unit tree, so that two concurrent moves cannot
/// together make a cycle.
pub async fn lock_unit_tree(tx: &mut Tx) -> Result<()> {
    // Engine difference: SQLite's write transaction (BEGIN IMMEDIATE) already excludes every
    // other writer; PostgreSQL needs a table lock that conflicts with itself.
    if let crate::TxInner::Postgres(t) = &mut tx.0 {
        sqlx::query("lock table units in share row exclusive mode")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The chain above a unit

/// A unit of a chain, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainRow {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// 机关代字.
    pub issuer_code: Option<String>,
}

/// A unit and every unit above it, nearest first, in one query (a recursive walk up
/// `parent_id`, at most 64 levels: a tree deeper than that is not an office's).
pub async fn unit_chain(tx: &mut Tx, unit_id: i64) -> Result<Vec<ChainRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(UNIT_CHAIN).bind(unit_id).fetch_all(c).await)?)
}

pub(crate) const UNIT_CHAIN: &str =
    "with recursive chain (id, parent_id, kind, name, issuer_code, depth) as (
         select id, parent_id, kind, name, issuer_code, 0 from units where id = $1
         union all
         select u.id, u.parent_id, u.kind, u.name, u.issuer_code, chain.depth + 1
         from units u join chain on u.id = chain.parent_id
         where chain.depth < 64
     )
     select id, kind, name, issuer_code from chain order by depth";

/// A unit's parent, kind, name and 机关代字.
pub async fn unit_brief(
    tx: &mut Tx,
    unit_id: i64,
) -> Result<(Option<i64>, String, String, Option<String>)> {
    Ok(with_tx!(tx, c => sqlx::query_as(UNIT_BRIEF).bind(unit_id).fetch_one(c).await)?)
}

pub(crate) const UNIT_BRIEF: &str =
    "select parent_id, kind, name, issuer_code from units where id = $1";

// ---------------------------------------------------------------------------------------------
// Who handles what in a unit

/// The section of a unit's subtree that handles documents (文电科 / 秘书股): the unit itself
/// when flagged, else the nearest flagged unit below it, else the unit.
pub async fn registry_of(tx: &mut Tx, unit_id: i64) -> Result<i64> {
    // Breadth-first over at most three levels: unit, its children, their children.
    let mut level = vec![unit_id];
    for _ in 0..3 {
        for u in &level {
            let flagged: Option<i16> = with_tx!(tx, c => sqlx::query_scalar(
                "select document_registry from units where id = $1")
                .bind(*u).fetch_optional(c).await)?;
            if flagged == Some(1) {
                return Ok(*u);
            }
        }
        let mut next = Vec::new();
        for u in &level {
            let kids: Vec<i64> = with_tx!(tx, c => sqlx::query_scalar(
                "select id from units where parent_id = $1 order by sort_order, id")
                .bind(*u).fetch_all(c).await)?;
            next.extend(kids);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    Ok(unit_id)
}

/// Marks a unit as the one handling documents for its office.
pub async fn set_registry(tx: &mut Tx, unit_id: i64, on: bool) -> Result<()> {
    with_tx!(tx, c => sqlx::query("update units set document_registry = $2 where id = $1")
        .bind(unit_id).bind(i16::from(on)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The posts holding any of `positions` in a unit (active posts only), by position rank.
pub async fn posts_in(tx: &mut Tx, unit_id: i64, positions: &[&str]) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for p in positions {
        let ids: Vec<i64> = with_tx!(tx, c => sqlx::query_scalar(
            "select p.id from posts p join positions q on q.id = p.position_id
             where p.unit_id = $1 and q.code = $2 and p.active = 1 order by p.id")
            .bind(unit_id).bind(*p).fetch_all(c).await)?;
        out.extend(ids);
    }
    Ok(out)
}

/// A person's name by post.
pub async fn post_person_name(tx: &mut Tx, post_id: i64) -> Result<String> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(POST_PERSON_NAME).bind(post_id).fetch_one(c).await)?)
}

pub(crate) const POST_PERSON_NAME: &str =
    "select r.name from posts p join persons r on r.id = p.person_id where p.id = $1";

/// The name of the person holding a post and the post's 密级 clearance code.
pub async fn post_clearance(tx: &mut Tx, post_id: i64) -> Result<(String, String)> {
    Ok(with_tx!(tx, c => sqlx::query_as(POST_CLEARANCE).bind(post_id).fetch_one(c).await)?)
}

pub(crate) const POST_CLEARANCE: &str =
    "select r.name, p.clearance from posts p join persons r on r.id = p.person_id where p.id = $1";

/// The children of a unit, in order.
pub async fn child_units(tx: &mut Tx, unit_id: i64) -> Result<Vec<i64>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select id from units where parent_id = $1 order by sort_order, id")
        .bind(unit_id).fetch_all(c).await)?)
}

/// Marks the sections of these names as handling their office's documents.
pub async fn flag_registries(tx: &mut Tx, names: &[&str]) -> Result<()> {
    for name in names {
        with_tx!(tx, c => sqlx::query(
            "update units set document_registry = 1 where kind = 'section' and name = $1")
            .bind(*name).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
