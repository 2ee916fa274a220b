//! The flow batch's statements on the SQLite writer thread ([`crate::writer`]): the same writes
//! as the batched sqlx statements (`batch.rs`), one prepared statement per row (no round trip
//! to pay for, so no values lists to build).
//!
//! Holds only what the writer thread runs; the SQL texts of the timers are shared with
//! [`crate::jobs`], so that both paths arm and cancel alike.

use super::{CaseRow, CaseUpdate, EventWrite, IdempotentWrite, JobArm, TaskWrite};
use crate::Result;
use crate::writer::{ReadConn, WriteTx};

/// Writes cases' new states, each only if its row still holds the version the state was
/// computed from; answers how many were written.
///
/// SQLite rewrites the entries of every index on a column the `set` list names, changed or
/// not; most actions leave the status as it was, and their statement leaves out the status
/// and `closed_at` (which follows it).
pub fn update_cases(tx: &WriteTx<'_>, rows: &[CaseUpdate<'_>]) -> Result<u64> {
    let mut moved = tx.0.prepare_cached(
        "update cases set state = ?1, status = ?2, due_date = ?3, version = ?4,
             updated_at = ?5,
             closed_at = case when ?2 = 'closed' then coalesce(closed_at, ?5) else null end
         where id = ?6 and version = ?7",
    )?;
    let mut same = tx.0.prepare_cached(
        "update cases set state = ?1, due_date = ?2, version = ?3, updated_at = ?4
         where id = ?5 and version = ?6",
    )?;
    let mut n = 0;
    for u in rows {
        n += if u.status_changed {
            moved.execute(rusqlite::params![
                u.state,
                u.status,
                u.due_date,
                u.new_version,
                u.now_ms,
                u.id,
                u.version
            ])?
        } else {
            same.execute(rusqlite::params![
                u.state,
                u.due_date,
                u.new_version,
                u.now_ms,
                u.id,
                u.version
            ])?
        } as u64;
    }
    Ok(n)
}

/// Writes task projections, inserting those marked new and updating the others (cheaper
/// than an upsert of each), an update by the row's id where the row gives it. A task to
/// update that has no row is inserted after all. Answers the ids of the rows it inserted,
/// as (case_id, task_no, id); the ids of other tasks come from [`task_ids`] (an update
/// `returning` its id costs SQLite a temporary table per statement, and most updated tasks
/// are done with).
pub fn write_tasks(
    tx: &WriteTx<'_>,
    rows: &[TaskWrite<'_>],
    new: &[bool],
) -> Result<Vec<(i64, i64, i64)>> {
    let mut insert = tx.0.prepare_cached(
        "insert into tasks (case_id, task_no, run_no, step_id, step_name, kind, post_id,
             state, due_date, due_at, decision, opinion, acted_by_post_id, created_at,
             acted_at)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    let mut update = tx.0.prepare_cached(
        "update tasks set post_id = ?1, state = ?2, due_date = ?3, due_at = ?4,
             decision = ?5, opinion = ?6, acted_by_post_id = ?7, acted_at = ?8
         where case_id = ?9 and task_no = ?10",
    )?;
    let mut update_by_id = tx.0.prepare_cached(
        "update tasks set post_id = ?1, state = ?2, due_date = ?3, due_at = ?4,
             decision = ?5, opinion = ?6, acted_by_post_id = ?7, acted_at = ?8
         where id = ?9 and case_id = ?10 and task_no = ?11",
    )?;
    let mut inserted = Vec::new();
    for (i, t) in rows.iter().enumerate() {
        if !new.get(i).copied().unwrap_or(true) {
            // The same new values (?1–?8) for both updates; only the row's key differs.
            let values: [&dyn rusqlite::ToSql; 8] = [
                &t.post_id,
                &t.state,
                &t.due_date,
                &t.due_at,
                &t.decision,
                &t.opinion,
                &t.acted_by_post_id,
                &t.acted_at,
            ];
            let key: [&dyn rusqlite::ToSql; 2] = [&t.case_id, &t.task_no];
            let by_id = match &t.id {
                Some(id) => update_by_id.execute(rusqlite::params_from_iter(
                    values
                        .iter()
                        .chain([id as &dyn rusqlite::ToSql].iter())
                        .chain(key.iter()),
                ))?,
                None => 0,
            };
            let changed = if by_id > 0 {
                by_id
            } else {
                update.execute(rusqlite::params_from_iter(values.iter().chain(key.iter())))?
            };
            if changed > 0 {
                continue;
            }
        }
        insert.execute(rusqlite::params![
            t.case_id,
            t.task_no,
            t.run_no,
            t.step_id,
            t.step_name,
            t.kind,
            t.post_id,
            t.state,
            t.due_date,
            t.due_at,
            t.decision,
            t.opinion,
            t.acted_by_post_id,
            t.created_at,
            t.acted_at
        ])?;
        inserted.push((t.case_id, t.task_no, tx.0.last_insert_rowid()));
    }
    Ok(inserted)
}

/// The tasks of cases, as (case_id, task_no, id) (see [`super::task_ids`]).
pub fn task_ids(tx: &WriteTx<'_>, case_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
    let mut st = tx.0.prepare_cached(super::batch::TASK_IDS_ONE)?;
    let mut out = Vec::new();
    for case in case_ids {
        let rows = st.query_map([case], |r| Ok((*case, r.get(0)?, r.get(1)?)))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Cases by id, through the writer's read-only connection (see
/// [`crate::writer::SqliteWriter::read`]).
pub fn load_cases(r: &ReadConn<'_>, ids: &[i64]) -> Result<Vec<CaseRow>> {
    let mut st = r.0.prepare_cached(&format!(
        "select {} from cases where id = ?1",
        super::cases::CASE_COLUMNS
    ))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = st.query_row([id], |r| {
            Ok(CaseRow {
                id: r.get(0)?,
                process_id: r.get(1)?,
                item_kind: r.get(2)?,
                title: r.get(3)?,
                body: r.get(4)?,
                fields: r.get(5)?,
                unit_id: r.get(6)?,
                starter_post_id: r.get(7)?,
                parent_case_id: r.get(8)?,
                parent_run: r.get(9)?,
                status: r.get(10)?,
                version: r.get(11)?,
                state: r.get(12)?,
                due_date: r.get(13)?,
                created_at: r.get(14)?,
                updated_at: r.get(15)?,
                closed_at: r.get(16)?,
                link_id: r.get(17)?,
            })
        });
        match row {
            Ok(row) => out.push(row),
            Err(rusqlite::Error::QueryReturnedNoRows) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Cancels the pending flow timers of (case, run) pairs; a run of -1 stands for every run.
pub fn cancel_jobs_many(tx: &WriteTx<'_>, pairs: &[(i64, i64)]) -> Result<()> {
    let mut st = tx.0.prepare_cached(crate::jobs::CANCEL_JOBS)?;
    for (case, run) in pairs {
        st.execute(rusqlite::params![case, run, crate::jobs::flow_timer()])?;
    }
    Ok(())
}

/// Arms timers (see [`super::arm_job`]).
pub fn arm_jobs(tx: &WriteTx<'_>, rows: &[JobArm<'_>]) -> Result<()> {
    let mut st = tx.0.prepare_cached(crate::jobs::ARM_JOB)?;
    for j in rows {
        st.execute(rusqlite::params![
            j.case_id,
            j.run_no,
            j.rung,
            j.due_at,
            crate::jobs::flow_timer()
        ])?;
    }
    Ok(())
}

/// Appends events in order.
pub fn insert_events(tx: &WriteTx<'_>, rows: &[EventWrite<'_>]) -> Result<()> {
    let mut st = tx.0.prepare_cached(
        "insert into events (at, kind, actor_person_id, actor_post_id, subject, detail, ip)
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in rows {
        st.execute(rusqlite::params![
            e.at,
            e.kind,
            e.actor_person_id,
            e.actor_post_id,
            e.subject,
            e.detail,
            e.ip
        ])?;
    }
    Ok(())
}

/// Stores idempotency keys with their responses; a key stored meanwhile is a conflict.
pub fn insert_idempotency_keys(tx: &WriteTx<'_>, rows: &[IdempotentWrite<'_>]) -> Result<()> {
    let mut st = tx.0.prepare_cached(
        "insert into idempotency_keys (person_id, key, request_hash, response, created_at)
         values (?1, ?2, ?3, ?4, ?5)",
    )?;
    for k in rows {
        st.execute(rusqlite::params![
            k.person_id,
            k.key,
            k.request_hash,
            k.response,
            k.created_at
        ])?;
    }
    Ok(())
}

/// The versions of some cases, as stored now (absent: no such case).
pub fn case_versions(tx: &WriteTx<'_>, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    let mut st =
        tx.0.prepare_cached("select version from cases where id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match st.query_row([id], |r| r.get::<_, i64>(0)) {
            Ok(v) => out.push((*id, v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// The organisation as assignee rules read it, on the writer's read-only connection: the same
/// statements as `assignees.rs`, for the batch's lane (a read through the pool costs a round
/// trip to a worker thread per statement).
pub mod org {
    use rusqlite::OptionalExtension;

    use crate::Result;
    use crate::flow::assignees::{CHILD_UNIT_OF_KIND, PARENT_UNIT, POST_UNIT, POSTS_WITH_POSITION};
    use crate::org::{ChainRow, POST_CLEARANCE, POST_PERSON_NAME, UNIT_BRIEF, UNIT_CHAIN};
    use crate::writer::ReadConn;

    /// Active posts of a position code in a unit.
    pub fn posts_with_position(r: &ReadConn<'_>, unit_id: i64, position: &str) -> Result<Vec<i64>> {
        let mut st = r.0.prepare_cached(POSTS_WITH_POSITION)?;
        let rows = st.query_map(rusqlite::params![unit_id, position], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
    }

    /// A unit's parent.
    pub fn parent_unit(r: &ReadConn<'_>, unit_id: i64) -> Result<Option<i64>> {
        let mut st = r.0.prepare_cached(PARENT_UNIT)?;
        Ok(st.query_row([unit_id], |row| row.get(0))?)
    }

    /// The first child unit of a kind.
    pub fn child_unit_of_kind(r: &ReadConn<'_>, unit_id: i64, kind: &str) -> Result<Option<i64>> {
        let mut st = r.0.prepare_cached(CHILD_UNIT_OF_KIND)?;
        Ok(st
            .query_row(rusqlite::params![unit_id, kind], |row| row.get(0))
            .optional()?)
    }

    /// A unit and every unit above it, nearest first (`crate::org::unit_chain`).
    pub fn unit_chain(r: &ReadConn<'_>, unit_id: i64) -> Result<Vec<ChainRow>> {
        let mut st = r.0.prepare_cached(UNIT_CHAIN)?;
        let rows = st.query_map([unit_id], |row| {
            Ok(ChainRow {
                id: row.get(0)?,
                kind: row.get(1)?,
                name: row.get(2)?,
                issuer_code: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A unit's parent, kind, name and 机关代字 (`crate::org::unit_brief`).
    pub fn unit_brief(
        r: &ReadConn<'_>,
        unit_id: i64,
    ) -> Result<(Option<i64>, String, String, Option<String>)> {
        let mut st = r.0.prepare_cached(UNIT_BRIEF)?;
        Ok(st.query_row([unit_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?)
    }

    /// The name of the person holding a post (`crate::org::post_person_name`).
    pub fn post_person_name(r: &ReadConn<'_>, post_id: i64) -> Result<String> {
        let mut st = r.0.prepare_cached(POST_PERSON_NAME)?;
        Ok(st.query_row([post_id], |row| row.get(0))?)
    }

    /// The name of the person holding a post and the post's clearance (`crate::org::post_clearance`).
    pub fn post_clearance(r: &ReadConn<'_>, post_id: i64) -> Result<(String, String)> {
        let mut st = r.0.prepare_cached(POST_CLEARANCE)?;
        Ok(st.query_row([post_id], |row| Ok((row.get(0)?, row.get(1)?)))?)
    }

    /// The unit of a post, and whether it is active.
    pub fn post_unit(r: &ReadConn<'_>, post_id: i64) -> Result<Option<(i64, i16)>> {
        let mut st = r.0.prepare_cached(POST_UNIT)?;
        Ok(st
            .query_row([post_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }
}
