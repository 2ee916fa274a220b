//! The server's timer loop: every server of an installation runs one; the job table's leases
//! make sure each timer has exactly one effect (see `xn_service::flow::timers`). The same loop
//! brings the search index up to date with what flow actions queued.

use std::time::Duration;

use chrono::TimeDelta;
use xn_service::Services;

use crate::Clock;
use crate::stopping::Stopping;

/// Chunks of the search re-index backlog (200 documents each) indexed per round of the loop.
const BACKLOG_CHUNKS: usize = 10;

/// How the loop runs.
#[derive(Debug, Clone, Copy)]
pub struct TimerSettings {
    /// How long a claim is held before another server may take it over.
    pub lease: TimeDelta,
    /// How often to look for due timers.
    pub poll: Duration,
}

/// A name for this server in leases: host, process id and a random suffix.
pub fn owner_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "xiaoneng".to_owned());
    format!("{host}:{}:{:08x}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    (h.finish() & 0xffff_ffff) as u32
}

/// Runs due timers as `owner` until told to stop; the sweep under way when the stop comes is
/// finished first, so every timer it claimed has its effect. Errors are logged and retried at
/// the next poll.
pub async fn run(
    services: Services,
    clock: Clock,
    settings: TimerSettings,
    owner: String,
    mut stopping: Stopping,
) {
    loop {
        while !stopping.is_set() {
            match services
                .run_due_timers(&owner, clock.now(), settings.lease, 50)
                .await
            {
                Ok(sweep) if sweep.claimed > 0 => {
                    tracing::info!(
                        claimed = sweep.claimed,
                        fired = sweep.fired,
                        dropped = sweep.dropped,
                        lost = sweep.lost,
                        "timers"
                    );
                    continue;
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "timer sweep failed");
                    break;
                }
            }
        }
        // Documents queued by flow actions are indexed here too, so the next search finds
        // little left to do.
        if let Err(e) = services.documents().index_queued().await {
            tracing::warn!(error = %e, "search indexing failed");
        }
        // The re-index backlog a migration queued (0029: facet tokens), a few chunks a round,
        // so that the other work of the loop keeps its pace.
        match services.documents().index_backlog(BACKLOG_CHUNKS).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(documents = n, "search backlog re-indexed"),
            Err(e) => tracing::warn!(error = %e, "search backlog re-indexing failed"),
        }
        // Events committed since the last round join the audit chain.
        if let Err(e) = services.seal_events().await {
            tracing::warn!(error = %e, "sealing events failed");
        }
        if stopping.sleep(settings.poll).await {
            return;
        }
    }
}

/// Stores the efficiency figures (效能) of every period that has ended: once when the server
/// starts (catching up on what ended while it was down) and then after each Beijing midnight.
/// Several servers may do it at once: each writes the same rows.
pub async fn close_efficiency_periods(services: Services, clock: Clock, mut stopping: Stopping) {
    let mut done_for = None;
    loop {
        let now = clock.now();
        let today = xn_domain::calendar::business_date(now);
        if done_for != Some(today) {
            match services.efficiency().close_periods(now).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(periods = n, "efficiency figures stored");
                    }
                    done_for = Some(today);
                }
                Err(e) => tracing::warn!(error = %e, "storing efficiency figures failed"),
            }
        }
        if stopping.sleep(Duration::from_secs(60)).await {
            return;
        }
    }
}
