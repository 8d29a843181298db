//! The bulk runs in flight, for shutdown: a run goes on when its client leaves, so a stopping
//! server must not drop it mid-way. Shutdown first lets runs finish (for a grace period),
//! then stops them between targets: a target whose write was sent is carried to its end,
//! audit Event included, and no new one is taken; then it waits for them, bounded.

use std::time::Duration;

use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

#[derive(Clone, Debug, Default)]
pub struct Runs {
    tracker: TaskTracker,
    stop: CancellationToken,
}

impl Runs {
    /// Runs `run` as a run in flight.
    pub fn spawn<F>(&self, run: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(run);
    }

    /// Resolves when runs must take no new target.
    pub fn stopping(&self) -> WaitForCancellationFutureOwned {
        self.stop.clone().cancelled_owned()
    }

    /// Shuts the runs down: lets them run for `grace`, then stops them between targets, and
    /// waits for them for at most `bound` more. Answers how many were still running then.
    pub async fn shut_down(&self, grace: Duration, bound: Duration) -> usize {
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::info!(
                runs = self.tracker.len(),
                "bulk runs still running at shutdown: stopping them between targets"
            );
            self.stop.cancel();
            let _ = tokio::time::timeout(bound, self.tracker.wait()).await;
        }
        self.tracker.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run takes targets one after another until it is told to stop: with a grace shorter
    /// than the run, it stops between targets and the one in hand is finished.
    #[tokio::test(start_paused = true)]
    async fn shutdown_lets_runs_finish_then_stops_them_between_targets() {
        let runs = Runs::default();
        let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
        let stopping = runs.stopping();
        runs.spawn(async move {
            tokio::pin!(stopping);
            for target in 0..100 {
                if futures::poll!(&mut stopping).is_ready() {
                    break;
                }
                // A target in hand is finished whatever happens meanwhile.
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _ = done.send(target);
            }
        });
        let short = Runs::default();
        short.spawn(async {});
        assert_eq!(
            short
                .shut_down(Duration::from_secs(5), Duration::from_secs(5))
                .await,
            0
        );

        let left = runs
            .shut_down(Duration::from_millis(2500), Duration::from_secs(5))
            .await;
        assert_eq!(left, 0);
        let mut taken = Vec::new();
        while let Ok(target) = finished.try_recv() {
            taken.push(target);
        }
        assert_eq!(
            taken,
            [0, 1, 2],
            "the third target, in hand at the stop, finished"
        );
    }
}
