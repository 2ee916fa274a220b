//! SQL of the efficiency monitor (效能): the backlog across every area's open steps, read
//! from the task projection, its cases and the cards the ladder gave.

use crate::{Db, Result};

/// One open step as the backlog lists it: a flow step (`source` `task`) or a 会议回执 owed
/// (`reply`: `task_id` is the reply row, `case_id` the meeting, `due_at` the reply deadline,
/// `created_at` when the notice was sent; a unit's reply has post 0 and no holder's name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BacklogRow {
    /// `task` or `reply`.
    pub source: String,
    /// Task id.
    pub task_id: i64,
    /// Case.
    pub case_id: i64,
    /// Run of the step.
    pub run_no: i64,
    /// Step name.
    pub step_name: String,
    /// `task` (待办) or `read` (待阅).
    pub kind: String,
    /// Holder post.
    pub post_id: i64,
    /// Deadline (a date), if the step has one.
    pub due_date: Option<String>,
    /// Instant the deadline passes.
    pub due_at: Option<i64>,
    /// When the step reached its holder (epoch ms).
    pub created_at: i64,
    /// Times urged.
    pub urge_count: i64,
    /// The case's title.
    pub title: String,
    /// The case's item kind code.
    pub item_kind: String,
    /// The holder's unit.
    pub unit_id: i64,
    /// The holder's unit, short name.
    pub unit_name: String,
    /// The holder's name.
    pub person_name: String,
    /// The holder's position, or the post's own title.
    pub position_name: String,
    /// The item's 密级 code (`crate::flow::case_classification_sql`).
    pub classification: String,
    /// The worst card given on this step to this holder: 2 red, 1 yellow, 0 none.
    pub card: i64,
}

/// Which open steps a backlog holds.
#[derive(Debug, Clone, Default)]
pub struct BacklogFilter {
    /// Holders' units (the viewer's scope, narrowed by the chosen unit).
    pub unit_ids: Vec<i64>,
    /// Or exactly these holder posts (a viewer who sees only their own).
    pub post_ids: Option<Vec<i64>>,
    /// Item kind codes (an area's kinds); empty: every kind.
    pub item_kinds: Vec<String>,
    /// `task` or `read`.
    pub kind: Option<String>,
    /// Only steps with a card at least this bad (1 yellow, 2 red).
    pub min_card: Option<i64>,
    /// Only steps that reached their holder at or before this instant (epoch ms).
    pub reached_before: Option<i64>,
    /// Only steps whose deadline has passed at this instant (epoch ms).
    pub overdue_at: Option<i64>,
    /// Order by how long the steps have waited (the oldest first) instead of by deadline.
    pub oldest_first: bool,
    /// Also the 会议回执 owed at this instant (epoch ms) for meetings not yet begun.
    pub replies_at: Option<i64>,
    /// Only the 会议回执 (no flow steps).
    pub replies_only: bool,
}

fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "null".to_owned();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The where clause of a filter, with its text binds in order (`$1` …).
fn clause(f: &BacklogFilter) -> (String, Vec<String>, Vec<i64>) {
    let mut sql = String::from("t.state = 'open' and c.status = 'running'");
    match &f.post_ids {
        Some(posts) => sql.push_str(&format!(" and t.post_id in ({})", id_list(posts))),
        None => sql.push_str(&format!(" and p.unit_id in ({})", id_list(&f.unit_ids))),
    }
    let mut texts = Vec::new();
    let mut ints = Vec::new();
    if !f.item_kinds.is_empty() {
        let marks: Vec<String> = f
            .item_kinds
            .iter()
            .map(|k| {
                texts.push(k.clone());
                format!("${}", texts.len())
            })
            .collect();
        sql.push_str(&format!(" and c.item_kind in ({})", marks.join(",")));
    }
    if let Some(kind) = &f.kind {
        texts.push(kind.clone());
        sql.push_str(&format!(" and t.kind = ${}", texts.len()));
    }
    let n = texts.len();
    if let Some(card) = f.min_card {
        ints.push(card);
        sql.push_str(&format!(
            " and (select coalesce(max(case when k.color = 'red' then 2 else 1 end), 0) from cards k
                   where k.case_id = t.case_id and k.run_no = t.run_no and k.post_id = t.post_id) >= ${}",
            n + ints.len()
        ));
    }
    if let Some(at) = f.reached_before {
        ints.push(at);
        sql.push_str(&format!(" and t.created_at <= ${}", n + ints.len()));
    }
    if let Some(at) = f.overdue_at {
        ints.push(at);
        sql.push_str(&format!(
            " and t.due_at is not null and t.due_at <= ${}",
            n + ints.len()
        ));
    }
    (sql, texts, ints)
}

/// The where clause of the 会议回执 owed under a filter (none: it holds no replies). Every
/// value is a number of the filter, written into the text.
fn reply_clause(f: &BacklogFilter) -> Option<String> {
    let at = f.replies_at?;
    if f.min_card.is_some() || f.kind.as_deref().is_some_and(|k| k != "reply") {
        return None;
    }
    let mut sql = format!(
        "r.answer is null and m.status in ('preparing', 'notified') and m.starts_at > {at}"
    );
    match &f.post_ids {
        Some(posts) => sql.push_str(&format!(" and r.post_id in ({})", id_list(posts))),
        None => sql.push_str(&format!(
            " and coalesce(p.unit_id, r.unit_id) in ({})",
            id_list(&f.unit_ids)
        )),
    }
    if let Some(at) = f.reached_before {
        sql.push_str(&format!(" and n.sent_at <= {at}"));
    }
    if let Some(at) = f.overdue_at {
        sql.push_str(&format!(" and n.reply_by <= {at}"));
    }
    Some(sql)
}

/// The 会议回执 owed, in the columns of [`BacklogRow`].
const REPLIES: &str = "select 'reply' as source, r.id as task_id, r.meeting_id as case_id,
         cast(0 as bigint) as run_no, '会议回执' as step_name, 'reply' as kind,
         coalesce(r.post_id, 0) as post_id, cast(null as text) as due_date, n.reply_by as due_at,
         n.sent_at as created_at, r.urge_count, m.title, 'meeting' as item_kind,
         u.id as unit_id, u.short_name as unit_name, coalesce(pe.name, '') as person_name,
         coalesce(p.title, q.name, '') as position_name, m.classification,
         cast(0 as bigint) as card
     from meeting_replies r join meeting_notices n on n.meeting_id = r.meeting_id
     join meetings m on m.id = r.meeting_id
     left join posts p on p.id = r.post_id left join persons pe on pe.id = p.person_id
     left join positions q on q.id = p.position_id
     join units u on u.id = coalesce(p.unit_id, r.unit_id)";

const FROM: &str = "from tasks t join cases c on c.id = t.case_id
     join posts p on p.id = t.post_id join units u on u.id = p.unit_id
     join persons pe on pe.id = p.person_id join positions q on q.id = p.position_id";

/// A page of the backlog, the latest first: past deadlines by how long ago they passed, then
/// deadlines to come, then steps without one by how long they have waited.
pub async fn backlog(
    db: &Db,
    f: &BacklogFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<BacklogRow>> {
    let (cond, texts, ints) = clause(f);
    let n = texts.len() + ints.len();
    let tasks = format!(
        "select 'task' as source, t.id as task_id, t.case_id, t.run_no, t.step_name, t.kind,
            t.post_id, t.due_date, t.due_at, t.created_at, t.urge_count, c.title, c.item_kind,
            p.unit_id, u.short_name as unit_name, pe.name as person_name,
            coalesce(p.title, q.name) as position_name,
            {classification} as classification,
            cast((select coalesce(max(case when k.color = 'red' then 2 else 1 end), 0) from cards k
              where k.case_id = t.case_id and k.run_no = t.run_no and k.post_id = t.post_id)
              as bigint) as card
         {FROM} where {cond}",
        classification = crate::flow::case_classification_sql("c.id"),
    );
    let rows = match (f.replies_only, reply_clause(f)) {
        (true, Some(r)) => format!("{tasks} and 1 = 0 union all {REPLIES} where {r}"),
        (true, None) => format!("{tasks} and 1 = 0"),
        (false, Some(r)) => format!("{tasks} union all {REPLIES} where {r}"),
        (false, None) => tasks,
    };
    let sql = format!(
        "select * from ({rows}) b
         order by {order}
         limit ${} offset ${}",
        n + 1,
        n + 2,
        order = if f.oldest_first {
            "created_at, source desc, task_id"
        } else {
            "case when due_at is null then 1 else 0 end, due_at, created_at, source desc, task_id"
        },
    );
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for t in &texts {
            q = q.bind(t);
        }
        for i in &ints {
            q = q.bind(i);
        }
        q.bind(limit).bind(offset).fetch_all(c).await
    })?)
}

/// How many open steps a filter holds.
pub async fn backlog_count(db: &Db, f: &BacklogFilter) -> Result<i64> {
    let (cond, texts, ints) = clause(f);
    let tasks = format!("select t.id {FROM} where {cond}");
    let replies = |r: &str| {
        format!(
            "select r.id from meeting_replies r join meeting_notices n on n.meeting_id = r.meeting_id
             join meetings m on m.id = r.meeting_id left join posts p on p.id = r.post_id
             where {r}"
        )
    };
    let rows = match (f.replies_only, reply_clause(f)) {
        (true, Some(r)) => format!("{tasks} and 1 = 0 union all {}", replies(&r)),
        (true, None) => format!("{tasks} and 1 = 0"),
        (false, Some(r)) => format!("{tasks} union all {}", replies(&r)),
        (false, None) => tasks,
    };
    let sql = format!("select count(*) from ({rows}) b");
    Ok(with_db!(db, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for t in &texts {
            q = q.bind(t);
        }
        for i in &ints {
            q = q.bind(i);
        }
        q.fetch_one(c).await
    })?)
}

/// Open steps counted per holder unit: (unit, open, past their deadline at `at`, with a red
/// card, with any card), for the units in `unit_ids` — the counts of [`backlog_count`] (the
/// 会议回执 owed at `at` among them) for several units in one read.
pub async fn open_by_unit(
    db: &Db,
    unit_ids: &[i64],
    at: i64,
) -> Result<Vec<(i64, i64, i64, i64, i64)>> {
    let f = BacklogFilter {
        unit_ids: unit_ids.to_vec(),
        replies_at: Some(at),
        ..Default::default()
    };
    let (cond, _, _) = clause(&f);
    let replies = reply_clause(&f).map_or_else(String::new, |r| {
        format!(
            " union all
              select coalesce(p.unit_id, r.unit_id), n.reply_by, cast(0 as bigint)
              from meeting_replies r join meeting_notices n on n.meeting_id = r.meeting_id
              join meetings m on m.id = r.meeting_id left join posts p on p.id = r.post_id
              where {r}"
        )
    });
    let sql = format!(
        "select unit_id, count(*),
             cast(sum(case when due_at is not null and due_at <= $1 then 1 else 0 end) as bigint),
             cast(sum(case when card = 2 then 1 else 0 end) as bigint),
             cast(sum(case when card >= 1 then 1 else 0 end) as bigint)
         from (select p.unit_id, t.due_at,
                 (select coalesce(max(case when k.color = 'red' then 2 else 1 end), 0) from cards k
                  where k.case_id = t.case_id and k.run_no = t.run_no and k.post_id = t.post_id)
                   as card
               {FROM} where {cond}{replies}) x
         group by unit_id"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(at).fetch_all(c).await)?,
    )
}

/// The units of the subtree of `root`: (id, parent, short name, sort order); the caller lays
/// them out as a tree.
pub async fn subtree_units(db: &Db, root: i64) -> Result<Vec<(i64, Option<i64>, String, i64)>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "with recursive t (id) as (
             select id from units where id = $1
             union all
             select u.id from units u join t on u.parent_id = t.id)
         select u.id, u.parent_id, u.short_name, u.sort_order
         from units u join t on t.id = u.id order by u.sort_order, u.id")
        .bind(root).fetch_all(c).await)?)
}

/// Where a post stands, as the monitor's scope reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Standing {
    /// The post's unit.
    pub unit_id: i64,
    /// Its kind code.
    pub unit_kind: String,
    /// Its parent.
    pub parent_id: Option<i64>,
    /// The parent's kind code.
    pub parent_kind: Option<String>,
    /// The parent's parent.
    pub grandparent_id: Option<i64>,
    /// The post's position code.
    pub position: String,
    /// Whether the unit is a supervising section (督查科).
    pub supervision_section: i64,
}

/// Where a post stands.
pub async fn standing(db: &Db, post_id: i64) -> Result<Standing> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select u.id as unit_id, u.kind as unit_kind, u.parent_id, pu.kind as parent_kind,
             pu.parent_id as grandparent_id, q.code as position,
             cast(coalesce(u.supervision_section, 0) as bigint) as supervision_section
         from posts p join units u on u.id = p.unit_id join positions q on q.id = p.position_id
         left join units pu on pu.id = u.parent_id
         where p.id = $1")
        .bind(post_id).fetch_one(c).await)?)
}
