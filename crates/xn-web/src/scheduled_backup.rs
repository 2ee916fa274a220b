//! The daily backup a server takes when `[backup] dir` is set: at `at` (Beijing time, default
//! 02:30) it writes `xiaoneng-YYYYMMDD-HHMM.zip` into `dir` through the same code as
//! `xiaoneng backup`, then deletes the oldest of its own files beyond `keep` (default 7).
//! With several servers on one PostgreSQL database, set it on one of them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use xn_domain::calendar::hours::{from_shanghai_local, to_shanghai_local};
use xn_store::Db;

use crate::Clock;
use crate::stopping::Stopping;

/// `[backup]` of the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSchedule {
    /// Where the daily backups go; unset: no scheduled backup.
    pub dir: Option<PathBuf>,
    /// How many of them are kept.
    pub keep: u32,
    /// When, Beijing time, `HH:MM`.
    pub at: String,
}

impl Default for BackupSchedule {
    fn default() -> Self {
        BackupSchedule {
            dir: None,
            keep: 7,
            at: "02:30".to_owned(),
        }
    }
}

/// The file name prefix and suffix of scheduled backups (nothing else in the folder is
/// touched).
const PREFIX: &str = "xiaoneng-";
const SUFFIX: &str = ".zip";

impl BackupSchedule {
    /// The time of day, checked.
    pub fn time(&self) -> anyhow::Result<NaiveTime> {
        NaiveTime::parse_from_str(self.at.trim(), "%H:%M").map_err(|_| {
            anyhow::anyhow!("配置项 backup.at 须为 HH:MM（北京时间），现为 {}", self.at)
        })
    }
}

/// The first instant after `now` that is `at` o'clock in Beijing.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let local = to_shanghai_local(now);
    let today = from_shanghai_local(local.date().and_time(at));
    if today > now {
        today
    } else {
        today + TimeDelta::days(1)
    }
}

/// The scheduled backups in `dir` to delete so that `keep` remain (the oldest by name, which
/// is by time).
pub fn to_prune(dir: &Path, keep: u32) -> std::io::Result<Vec<PathBuf>> {
    let mut ours: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    ours.sort();
    let excess = ours
        .len()
        .saturating_sub(usize::try_from(keep.max(1)).unwrap_or(1));
    Ok(ours.into_iter().take(excess).collect())
}

/// Takes one scheduled backup now and prunes the old ones. Answers the file written.
pub async fn take_one(
    db: &Db,
    data_dir: &Path,
    schedule: &BackupSchedule,
    now: DateTime<Utc>,
) -> anyhow::Result<PathBuf> {
    let dir = schedule
        .dir
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("backup.dir is not set"))?;
    std::fs::create_dir_all(dir)?;
    let name = format!(
        "{PREFIX}{}{SUFFIX}",
        to_shanghai_local(now).format("%Y%m%d-%H%M")
    );
    let file = dir.join(name);
    xn_service::backup::take(db, data_dir, &file, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for old in to_prune(dir, schedule.keep)? {
        std::fs::remove_file(&old)?;
    }
    Ok(file)
}

/// Runs the daily backup until told to stop (a backup being written is finished first); a
/// failure is logged and tried again the next day.
pub async fn run(
    db: Db,
    data_dir: PathBuf,
    schedule: BackupSchedule,
    at: NaiveTime,
    clock: Clock,
    mut stopping: Stopping,
) {
    loop {
        let now = clock.now();
        let next = next_run(now, at);
        let wait = (next - now).to_std().unwrap_or_default();
        if stopping.sleep(wait).await {
            return;
        }
        match take_one(&db, &data_dir, &schedule, clock.now()).await {
            Ok(file) => tracing::info!(file = %file.display(), "scheduled backup written"),
            Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_coming_beijing_time() {
        let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default();
        // 2026-12-06 01:00 Beijing = 2026-12-05 17:00 UTC: today's 02:30 is to come.
        let now: DateTime<Utc> = "2026-12-05T17:00:00Z".parse().unwrap_or_default();
        assert_eq!(next_run(now, at).to_rfc3339(), "2026-12-05T18:30:00+00:00");
        // At 02:30 sharp it is tomorrow's.
        let now: DateTime<Utc> = "2026-12-05T18:30:00Z".parse().unwrap_or_default();
        assert_eq!(next_run(now, at).to_rfc3339(), "2026-12-06T18:30:00+00:00");
    }

    #[test]
    fn only_our_oldest_files_beyond_keep_are_pruned() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for n in [
            "xiaoneng-20261201-0230.zip",
            "xiaoneng-20261203-0230.zip",
            "xiaoneng-20261202-0230.zip",
            "notes.txt",
            "xiaoneng-manual.tar",
        ] {
            std::fs::write(dir.path().join(n), b"x").unwrap_or_default();
        }
        let gone: Vec<String> = to_prune(dir.path(), 2)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        assert_eq!(gone, vec!["xiaoneng-20261201-0230.zip"]);
    }
}
