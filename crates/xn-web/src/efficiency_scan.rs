//! The server's 预警纠错 loop: every few minutes the efficiency monitor's rules are run once
//! (`xn_service::efficiency::Efficiency::scan_alerts`). A scan is idempotent (one live alert
//! per rule and subject), so several servers scanning the same database raise nothing twice;
//! a scan that loses a race to another server's is only logged.

use std::time::Duration;

use xn_service::Services;

use crate::Clock;
use crate::stopping::Stopping;

/// How often the rules run.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// Runs the scan every `every` until told to stop (a scan under way is finished). Errors are
/// logged and the scan is tried again at the next round.
pub async fn run(services: Services, clock: Clock, every: Duration, mut stopping: Stopping) {
    loop {
        match services.efficiency().scan_alerts(clock.now()).await {
            Ok(r) if r.raised + r.cleared + r.reopened > 0 => tracing::info!(
                raised = r.raised,
                cleared = r.cleared,
                reopened = r.reopened,
                "efficiency alerts"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "efficiency alert scan failed"),
        }
        if stopping.sleep(every).await {
            return;
        }
    }
}
