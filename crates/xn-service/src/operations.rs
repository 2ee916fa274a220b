//! The figures an operator watches a running server by (`/metrics`): the database pool, the
//! SQLite writer, how late timers and messages are, and what was sent.

use chrono::{DateTime, Utc};

use crate::{Result, Services, ms};

/// The figures at one instant.
#[derive(Debug, Clone, Default)]
pub struct RunFigures {
    /// Pool connections open.
    pub pool_open: u32,
    /// Of them idle.
    pub pool_idle: usize,
    /// The SQLite writer threads of this process (all zero on PostgreSQL).
    pub writer: xn_store::writer::WriterStats,
    /// Per timer kind, how late its oldest due timer is, in seconds.
    pub timer_lag: Vec<(String, f64)>,
    /// How late the oldest due message is, in seconds.
    pub message_lag: f64,
    /// Messages by channel and status.
    pub messages: Vec<(String, String, i64)>,
}

impl Services {
    /// The figures now.
    pub async fn run_figures(&self, now: DateTime<Utc>) -> Result<RunFigures> {
        let db = self.db();
        let (pool_open, pool_idle) = db.pool_stats();
        let timer_lag = xn_store::jobs::lag_by_kind(db, ms(now))
            .await?
            .into_iter()
            .map(|(k, lag)| (k, seconds(lag)))
            .collect();
        let (messages, lag) = xn_store::notify::counts(db, ms(now)).await?;
        Ok(RunFigures {
            pool_open,
            pool_idle,
            writer: xn_store::writer::stats(),
            timer_lag,
            message_lag: seconds(lag),
            messages,
        })
    }
}

/// Milliseconds as seconds, for figures only.
#[expect(
    clippy::cast_precision_loss,
    reason = "a figure, exact to far below a second"
)]
fn seconds(ms: i64) -> f64 {
    ms.max(0) as f64 / 1000.0
}
