//! Outgrowing one machine (`xiaoneng move-to-postgres`): an SQLite installation copied into an
//! empty PostgreSQL database, every table proven by its row count and digest before the copy
//! commits.
//!
//! The copy is taken from a consistent snapshot of the SQLite file (`VACUUM INTO`, as a backup
//! is), so it is of one moment even if a server still runs; what that server writes afterwards
//! is not moved, which is why the operator stops it first. The seal key stays in the data
//! directory, which the PostgreSQL servers are given as before; the SQLite file is left as it
//! was. The search index is not copied (the engines index differently): every document is
//! queued to be indexed again, which the caller does before the servers start.

use std::path::Path;

use xn_store::moving::Moved;
use xn_store::{Db, Engine};

use crate::backup::DATABASE_FILE;
use crate::{Result, ServiceError};

/// What a move did.
#[derive(Debug, Clone)]
pub struct MoveReport {
    /// The schema version both databases are at.
    pub schema_version: i64,
    /// Every table copied, with its rows and digest.
    pub tables: Vec<Moved>,
}

fn refused(message: String) -> ServiceError {
    ServiceError::Invalid {
        field: None,
        message,
    }
}

/// Copies the SQLite installation in `data_dir` into `target`, an empty PostgreSQL database,
/// and queues every document to be indexed again there. Refuses a target that holds an
/// installation, a data directory without a database, and a database not at this build's
/// schema (it is upgraded first with `xiaoneng migrate`). Nothing is written to the target
/// unless every table arrived whole; what a move cut short left there (its schema, no
/// installation) is taken away by the next. The SQLite file is never changed.
pub async fn to_postgres(
    data_dir: &Path,
    target: &Db,
    progress: &mut (dyn FnMut(&Moved) + Send),
) -> Result<MoveReport> {
    if target.engine() != Engine::Postgres {
        return Err(refused(
            "目标须是 PostgreSQL 数据库（--database-url postgres://…）".to_owned(),
        ));
    }
    if target.has_tables().await? {
        // What a move cut short (killed, the connection lost) leaves is its schema and no
        // installation: taken away, so that running the move again is the way to finish it.
        let leftover = target.holds_no_installation().await.unwrap_or(false);
        if !leftover {
            return Err(refused(
                "目标数据库已有数据，不会覆盖；请迁移到新建的空数据库（目标数据库未作任何改动）"
                    .to_owned(),
            ));
        }
        target.undo_failed_move().await?;
    }
    let path = data_dir.join(DATABASE_FILE);
    if !path.is_file() {
        return Err(refused(format!(
            "{} 中没有 SQLite 数据库（{DATABASE_FILE}），无可迁移",
            data_dir.display()
        )));
    }
    let source = Db::open_sqlite(&path).await?;
    let version = source.schema_version().await;
    let newest = xn_store::backup::newest_migration(Engine::Sqlite);
    let version = match version {
        Ok(v) if v == newest => v,
        Ok(v) if v > newest => {
            source.close().await;
            return Err(refused(format!(
                "数据库来自更新的版本（结构第 {v} 版，本程序只到第 {newest} 版），请用相同或更新的程序迁移"
            )));
        }
        Ok(v) => {
            source.close().await;
            return Err(refused(format!(
                "数据库结构为第 {v} 版，本程序为第 {newest} 版：请先运行 xiaoneng migrate --data-dir {} 升级，再迁移",
                data_dir.display()
            )));
        }
        Err(e) => {
            source.close().await;
            return Err(e.into());
        }
    };
    // One name, so that what a move cut short left is removed by the next.
    let snapshot = data_dir.join(".move-snapshot.db");
    remove_sqlite(&snapshot);
    let taken = source.snapshot_sqlite(&snapshot).await;
    source.close().await;
    taken?;
    let copied = copy(&snapshot, target, version, progress).await;
    remove_sqlite(&snapshot);
    let tables = match copied {
        Ok(t) => t,
        Err(e) => {
            // The target was empty: what the migrations made is taken away again, so the move
            // can be run again once the cause is put right.
            return Err(match target.undo_failed_move().await {
                Ok(()) => refused(format!(
                    "{e}（目标数据库已恢复为空，可在排除原因后重新迁移）"
                )),
                Err(undo) => {
                    tracing::error!(error = %undo, "the tables of the failed move could not be removed");
                    refused(format!(
                        "{e}（目标数据库中留下了未完成的数据表，重新迁移时会先清除；也可删除并重建该数据库）"
                    ))
                }
            });
        }
    };
    Ok(MoveReport {
        schema_version: version,
        tables,
    })
}

async fn copy(
    snapshot: &Path,
    target: &Db,
    version: i64,
    progress: &mut (dyn FnMut(&Moved) + Send),
) -> Result<Vec<Moved>> {
    let source = Db::open_sqlite(snapshot).await?;
    let done = async {
        target.migrate_to(version).await?;
        let tables = target.copy_from_sqlite(&source, progress).await?;
        target.queue_whole_index().await?;
        Ok::<_, xn_store::StoreError>(tables)
    }
    .await;
    source.close().await;
    // The console shows the cause whole: which table, row and column, or what the database said.
    done.map_err(|e| match e {
        xn_store::StoreError::Conflict(why) => refused(format!("数据不能迁移：{why}")),
        other => refused(format!("数据不能迁移：{other}")),
    })
}

/// Removes an SQLite file and its journal files, if there.
fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
