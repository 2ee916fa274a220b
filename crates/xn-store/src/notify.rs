//! SQL of mail and messenger deliveries: a person's address and choices, a unit's group robots,
//! the news read from tasks and notifications, and the outbox of messages to send, claimed with
//! leases like the flow's timers.

use crate::{Db, Engine, Result, Sealed, Tx};

/// How long after its creation a source row may still be joined by a row of a lower id
/// committing late (on PostgreSQL ids are taken before commit): the cursor only moves past
/// rows older than this, and rows inside it are read again (each delivery is unique, so twice
/// read is once sent).
pub const LATE_WINDOW_MS: i64 = 60_000;

/// A person's choices as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrefsRow {
    /// Mail at all.
    pub mail: i16,
    /// Named in robot messages.
    pub robot: i16,
    /// Topic codes.
    pub topics: String,
    /// Quiet from, `HH:MM`.
    pub quiet_from: Option<String>,
    /// Quiet to, `HH:MM`.
    pub quiet_to: Option<String>,
    /// Digest hour, `HH:MM`.
    pub digest_at: Option<String>,
}

/// A person's mail address and phone.
pub async fn contact(db: &Db, person_id: i64) -> Result<Option<(Option<String>, Option<String>)>> {
    let sql = "select email, phone from persons where id = $1";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(person_id).fetch_optional(c).await)?)
}

/// A person's choices, if they made any.
pub async fn prefs(db: &Db, person_id: i64) -> Result<Option<PrefsRow>> {
    let sql = "select mail, robot, topics, quiet_from, quiet_to, digest_at
               from notify_prefs where person_id = $1";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(person_id).fetch_optional(c).await)?)
}

/// Stores a person's address and choices.
pub async fn save_prefs(
    tx: &mut Tx,
    person_id: i64,
    email: Option<&str>,
    p: &PrefsRow,
    now_ms: i64,
) -> Result<()> {
    let sql = "update persons set email = $1 where id = $2";
    with_tx!(tx, c => sqlx::query(sql).bind(email).bind(person_id).execute(c).await.map(|_| ()))?;
    let sql = "insert into notify_prefs
                   (person_id, mail, robot, topics, quiet_from, quiet_to, digest_at, updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8)
               on conflict (person_id) do update set mail = excluded.mail,
                   robot = excluded.robot, topics = excluded.topics,
                   quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to,
                   digest_at = excluded.digest_at, updated_at = excluded.updated_at";
    with_tx!(tx, c => sqlx::query(sql)
        .bind(person_id).bind(p.mail).bind(p.robot).bind(&p.topics).bind(&p.quiet_from)
        .bind(&p.quiet_to).bind(&p.digest_at).bind(now_ms)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A unit's group robot as stored (address and secret sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RobotRow {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// `wecom` or `dingtalk`.
    pub kind: String,
    /// Webhook address, sealed.
    pub url: Sealed,
    /// 钉钉's signing secret, sealed.
    pub secret: Option<Sealed>,
    /// Topic codes.
    pub topics: String,
    /// Quiet from.
    pub quiet_from: Option<String>,
    /// Quiet to.
    pub quiet_to: Option<String>,
    /// 1 while in use.
    pub active: i16,
}

const ROBOT_COLUMNS: &str = "id, unit_id, kind, url, secret, topics, quiet_from, quiet_to, active";

/// A unit's robots.
pub async fn robots_of_unit(db: &Db, unit_id: i64) -> Result<Vec<RobotRow>> {
    let sql = format!("select {ROBOT_COLUMNS} from unit_robots where unit_id = $1 order by kind");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id).fetch_all(c).await)?,
    )
}

/// One robot.
pub async fn robot(db: &Db, id: i64) -> Result<Option<RobotRow>> {
    let sql = format!("select {ROBOT_COLUMNS} from unit_robots where id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(c).await)?,
    )
}

/// Stores a unit's robot of a kind (one per messenger), replacing the one it had.
pub async fn save_robot(tx: &mut Tx, r: &RobotRow, now_ms: i64) -> Result<i64> {
    let sql = "insert into unit_robots
                   (unit_id, kind, url, secret, topics, quiet_from, quiet_to, active, updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               on conflict (unit_id, kind) do update set url = excluded.url,
                   secret = excluded.secret, topics = excluded.topics,
                   quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to,
                   active = excluded.active, updated_at = excluded.updated_at
               returning id";
    Ok(with_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(r.unit_id).bind(&r.kind).bind(&r.url).bind(&r.secret).bind(&r.topics)
        .bind(&r.quiet_from).bind(&r.quiet_to).bind(r.active).bind(now_ms)
        .fetch_one(c).await)?)
}

/// Takes a unit's robot of a kind out of use (kept: its deliveries name it); answers whether
/// there was one in use.
pub async fn retire_robot(tx: &mut Tx, unit_id: i64, kind: &str, now_ms: i64) -> Result<bool> {
    let sql = "update unit_robots set active = 0, updated_at = $1
               where unit_id = $2 and kind = $3 and active = 1";
    let n = with_tx!(tx, c => sqlx::query(sql).bind(now_ms).bind(unit_id).bind(kind)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The robots in use of the units given.
pub async fn active_robots(db: &Db, unit_ids: &[i64]) -> Result<Vec<RobotRow>> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = unit_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql =
        format!("select {ROBOT_COLUMNS} from unit_robots where active = 1 and unit_id in ({list})");
    Ok(with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await)?)
}

/// Whether any robot is in use anywhere.
pub async fn any_robot(db: &Db) -> Result<bool> {
    let sql = "select count(*) from unit_robots where active = 1";
    let n: i64 = with_db!(db, c => sqlx::query_scalar(sql).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A source row's recipient as the dispatcher needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NewsRow {
    /// The task's or notification's id.
    pub id: i64,
    /// Epoch ms it was made.
    pub created_at: i64,
    /// `task` / `read` for a task; the notification's kind.
    pub kind: String,
    /// A task's case, or a notification's subject (`case:12`).
    pub subject: Option<String>,
    /// A task's case title and step; a notification's message.
    pub text: String,
    /// Still to be told: a task still open; always for a notification.
    pub open: bool,
    /// A task at a step the case has been at before (退回).
    pub again: bool,
    /// The post told.
    pub post_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// Its person.
    pub person_id: i64,
    /// The person's mail address.
    pub email: Option<String>,
    /// The person's phone.
    pub phone: Option<String>,
    /// Whether post and person are in use.
    pub live: bool,
}

/// Tasks after `after`, in id order.
pub async fn tasks_after(db: &Db, after: i64, limit: i64) -> Result<Vec<NewsRow>> {
    let sql = "select t.id, t.created_at, t.kind, 'case:' || t.case_id as subject,
                      '《' || c.title || '》' || t.step_name as text,
                      (t.state = 'open') as open,
                      exists (select 1 from tasks e where e.case_id = t.case_id
                              and e.step_id = t.step_id and e.run_no < t.run_no) as again,
                      t.post_id, po.unit_id, po.person_id, pe.email, pe.phone,
                      (po.active = 1 and pe.disabled = 0) as live
               from tasks t join cases c on c.id = t.case_id
               join posts po on po.id = t.post_id join persons pe on pe.id = po.person_id
               where t.id > $1 order by t.id limit $2";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(after).bind(limit).fetch_all(c).await)?)
}

/// Notifications after `after`, in id order.
pub async fn notifications_after(db: &Db, after: i64, limit: i64) -> Result<Vec<NewsRow>> {
    let sql = "select n.id, n.created_at, n.kind, n.subject, n.message as text,
                      (1 = 1) as open, (1 = 0) as again,
                      n.post_id, po.unit_id, po.person_id, pe.email, pe.phone,
                      (po.active = 1 and pe.disabled = 0) as live
               from notifications n join posts po on po.id = n.post_id
               join persons pe on pe.id = po.person_id
               where n.id > $1 order by n.id limit $2";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(after).bind(limit).fetch_all(c).await)?)
}

/// How far a source has been read.
pub async fn cursor(db: &Db, source: &str) -> Result<i64> {
    let sql = "select last_id from delivery_cursors where source = $1";
    let v: Option<i64> =
        with_db!(db, c => sqlx::query_scalar(sql).bind(source).fetch_optional(c).await)?;
    Ok(v.unwrap_or(0))
}

/// Moves a source's cursor forward (never back: two servers may read at once).
pub async fn advance_cursor(tx: &mut Tx, source: &str, to: i64) -> Result<()> {
    let sql = "insert into delivery_cursors (source, last_id) values ($1, $2)
               on conflict (source) do update set last_id = excluded.last_id
               where delivery_cursors.last_id < excluded.last_id";
    with_tx!(tx, c => sqlx::query(sql).bind(source).bind(to).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    /// `task:{id}` or `notification:{id}`.
    pub source: &'a str,
    /// Topic code.
    pub topic: &'a str,
    /// `mail`, `wecom` or `dingtalk`.
    pub channel: &'a str,
    /// Mail address, or `robot:{id}`.
    pub address: &'a str,
    /// The person told.
    pub person_id: Option<i64>,
    /// The robot that posts it.
    pub robot_id: Option<i64>,
    /// A phone number named in a robot's message.
    pub mention: Option<&'a str>,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// Link.
    pub link: &'a str,
    /// Held for the daily digest.
    pub digest: bool,
    /// When it may go.
    pub due_at: i64,
}

/// Queues a message unless the same one is queued already; answers whether it was new.
pub async fn insert_delivery(tx: &mut Tx, d: &NewDelivery<'_>, now_ms: i64) -> Result<bool> {
    let sql = "insert into deliveries (source, topic, channel, address, person_id, robot_id,
                   mention, title, body, link, digest, due_at, created_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               on conflict (source, channel, address) do nothing";
    let n = with_tx!(tx, c => sqlx::query(sql)
        .bind(d.source).bind(d.topic).bind(d.channel).bind(d.address).bind(d.person_id)
        .bind(d.robot_id).bind(d.mention).bind(d.title).bind(d.body).bind(d.link)
        .bind(i16::from(d.digest)).bind(d.due_at).bind(now_ms)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A queued message as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    /// Id.
    pub id: i64,
    /// Source.
    pub source: String,
    /// Topic code.
    pub topic: String,
    /// Channel.
    pub channel: String,
    /// Address.
    pub address: String,
    /// Person.
    pub person_id: Option<i64>,
    /// Robot.
    pub robot_id: Option<i64>,
    /// Mentioned phone.
    pub mention: Option<String>,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Link.
    pub link: String,
    /// Part of a digest.
    pub digest: i16,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// When it may go (next).
    pub due_at: i64,
    /// Tries so far.
    pub attempts: i64,
    /// Claim version.
    pub version: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it went.
    pub sent_at: Option<i64>,
    /// When it was queued.
    pub created_at: i64,
}

const DELIVERY_COLUMNS: &str = "id, source, topic, channel, address, person_id, robot_id,
    mention, title, body, link, digest, status, due_at, attempts, version, last_error, sent_at,
    created_at";

/// Claims up to `limit` due messages for `owner` until `lease_until`, as [`crate::jobs::claim_jobs`]
/// claims timers: pending, due, and free or with an expired lease. Each claim counts a try and
/// moves the version on.
pub async fn claim_deliveries(
    db: &Db,
    owner: &str,
    now_ms: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    // Engine difference: PostgreSQL skips rows another server is claiming at this instant;
    // SQLite has one writer at a time.
    let lock = match db.engine() {
        Engine::Sqlite => "",
        Engine::Postgres => "for update skip locked",
    };
    let sql = format!(
        "update deliveries set lease_owner = $1, lease_until = $2, attempts = attempts + 1,
             version = version + 1
         where id in (select id from deliveries where status = 'pending' and digest = 0
                      and due_at <= $3 and (lease_until is null or lease_until < $3)
                      order by due_at, id limit $4 {lock})
         returning {DELIVERY_COLUMNS}"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner).bind(lease_until).bind(now_ms).bind(limit).fetch_all(c).await)?,
    )
}

/// Claims, in one statement, every due digest message of one address (the one due longest):
/// the lines of one daily mail. Two servers claiming at once do not split a person's digest:
/// the second finds the rows leased when it gets to them and claims none (a line committed
/// between the two statements may go in a mail of its own).
pub async fn claim_digest(
    db: &Db,
    owner: &str,
    now_ms: i64,
    lease_until: i64,
) -> Result<Vec<DeliveryRow>> {
    let sql = format!(
        "update deliveries set lease_owner = $1, lease_until = $2, attempts = attempts + 1,
             version = version + 1
         where status = 'pending' and digest = 1 and due_at <= $3
           and (lease_until is null or lease_until < $3)
           and address = (select address from deliveries where status = 'pending' and digest = 1
                          and due_at <= $3 and (lease_until is null or lease_until < $3)
                          order by due_at, id limit 1)
         returning {DELIVERY_COLUMNS}"
    );
    let mut rows: Vec<DeliveryRow> = with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owner).bind(lease_until).bind(now_ms).fetch_all(c).await)?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// What became of a try.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    /// It went.
    Sent,
    /// It failed and is tried again at `retry_at`.
    Retry {
        /// Why.
        error: &'a str,
        /// Next try.
        retry_at: i64,
    },
    /// It failed for the last time.
    Failed {
        /// Why.
        error: &'a str,
    },
}

/// Records a try's outcome, if `owner` still holds the message at `version`; false when the
/// lease was lost (another server has it now).
pub async fn finish_delivery(
    db: &Db,
    id: i64,
    owner: &str,
    version: i64,
    outcome: &Outcome<'_>,
    now_ms: i64,
) -> Result<bool> {
    let (status, error, due, sent) = match outcome {
        Outcome::Sent => ("sent", None, None, Some(now_ms)),
        Outcome::Retry { error, retry_at } => ("pending", Some(*error), Some(*retry_at), None),
        Outcome::Failed { error } => ("failed", Some(*error), None, None),
    };
    let sql = "update deliveries set status = $1, last_error = coalesce($2, last_error),
                   due_at = coalesce($3, due_at), sent_at = $4, lease_owner = null,
                   lease_until = null
               where id = $5 and lease_owner = $6 and version = $7 and status = 'pending'";
    let n = with_db!(db, c => sqlx::query(sql)
        .bind(status).bind(error).bind(due).bind(sent).bind(id).bind(owner).bind(version)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives back every claim `owner` holds on a message not sent (a stopping server's).
pub async fn release_deliveries(db: &Db, owner: &str) -> Result<u64> {
    let sql = "update deliveries set lease_owner = null, lease_until = null, version = version + 1
               where lease_owner = $1 and status = 'pending' and lease_until is not null";
    Ok(with_db!(db, c => sqlx::query(sql).bind(owner).execute(c).await.map(|r| r.rows_affected()))?)
}

/// A person's latest messages.
pub async fn deliveries_of_person(db: &Db, person_id: i64, limit: i64) -> Result<Vec<DeliveryRow>> {
    let sql = format!(
        "select {DELIVERY_COLUMNS} from deliveries where person_id = $1 order by id desc limit $2"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(person_id).bind(limit).fetch_all(c).await)?,
    )
}

/// A robot's latest messages.
pub async fn deliveries_of_robot(db: &Db, robot_id: i64, limit: i64) -> Result<Vec<DeliveryRow>> {
    let sql = format!(
        "select {DELIVERY_COLUMNS} from deliveries where robot_id = $1 order by id desc limit $2"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(robot_id).bind(limit).fetch_all(c).await)?,
    )
}

/// Messages by channel and status, and how late the oldest due pending message is (ms).
pub async fn counts(db: &Db, now_ms: i64) -> Result<(Vec<(String, String, i64)>, i64)> {
    let sql = "select channel, status, count(*) from deliveries group by channel, status";
    let rows = with_db!(db, c => sqlx::query_as(sql).fetch_all(c).await)?;
    let sql = "select coalesce($1 - min(due_at), 0) from deliveries
               where status = 'pending' and due_at <= $1";
    let lag: i64 = with_db!(db, c => sqlx::query_scalar(sql).bind(now_ms).fetch_one(c).await)?;
    Ok((rows, lag))
}
