//! A graceful stop: on SIGTERM (or Ctrl-C) the server stops taking requests and lets those in
//! flight finish (axum's graceful shutdown; the live workbench's event streams end on the same
//! signal), then tells its background loops to stop. Each loop finishes the round it is in —
//! a timer sweep gives every timer it claimed its effect, a backup being written is finished —
//! and returns; the server then gives back any timer lease it still holds and closes the
//! database, which lets the SQLite writer thread finish its queue. No acknowledged write can be
//! lost this way (each was committed before it was answered), and no other server waits for a
//! lease of this one to expire.

use std::time::Duration;

use tokio::sync::watch;

/// The side that signals the stop (held by `serve`).
#[derive(Debug)]
pub struct StopSignal(watch::Sender<bool>);

/// The side a background loop watches.
#[derive(Debug, Clone)]
pub struct Stopping(watch::Receiver<bool>);

/// A new pair: nothing is stopping yet.
pub fn channel() -> (StopSignal, Stopping) {
    let (tx, rx) = watch::channel(false);
    (StopSignal(tx), Stopping(rx))
}

impl StopSignal {
    /// Tells every loop to stop after its current round.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Stopping {
    /// Whether the stop was signalled.
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Sleeps for `d`, or less if the stop is signalled meanwhile; answers whether it was (a
    /// signal side that is gone counts as a stop).
    pub async fn sleep(&mut self, d: Duration) -> bool {
        if self.is_set() {
            return true;
        }
        let signalled = tokio::select! {
            () = tokio::time::sleep(d) => false,
            _ = self.0.wait_for(|s| *s) => true,
        };
        signalled || self.is_set()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sleep_ends_at_the_signal_and_every_later_one_at_once() {
        let (signal, mut stopping) = channel();
        let mut other = stopping.clone();
        assert!(!stopping.is_set());
        assert!(!stopping.sleep(Duration::from_millis(1)).await);
        let waiter = tokio::spawn(async move { other.sleep(Duration::from_secs(3600)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        signal.stop();
        let stopped = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(matches!(stopped, Ok(Ok(true))), "{stopped:?}");
        assert!(stopping.is_set());
        assert!(stopping.sleep(Duration::from_secs(3600)).await);
    }

    #[tokio::test]
    async fn a_gone_signal_is_a_stop() {
        let (signal, mut stopping) = channel();
        drop(signal);
        assert!(stopping.sleep(Duration::from_secs(3600)).await);
    }
}
