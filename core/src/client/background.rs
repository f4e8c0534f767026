//! [`Client::sync_for`]: sync in a time slice, as a mobile app's background task gets one
//! (an iOS `BGAppRefreshTask`/`BGProcessingTask`, an Android `WorkManager` job).

use std::time::{Duration, Instant};

use super::{Client, ClientError, ClientEvent, StopReason};

/// How a [`Client::sync_for`] slice ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Headers and filtered blocks are complete up to the tip at `height`.
    Synced {
        /// The tip.
        height: u32,
    },
    /// The slice ran out first. Everything up to `height` (every filtered block processed,
    /// and the headers beyond) is committed: the next call resumes from there.
    DeadlineReached {
        /// The height up to which every filtered block was processed.
        height: u32,
    },
    /// The client stopped on its own (its store failed) before either.
    Stopped(StopReason),
}

impl Client {
    /// Syncs until the wallet is synced or `time` has passed, whichever comes first: starts
    /// the client if it is not running, and then stops it again (every connection closed,
    /// everything committed), so the slice ends with nothing lost and the next call resumes
    /// where this one ended. A client that was already running is left running (it commits
    /// as it goes); an already-synced running client returns at once.
    ///
    /// Returns within `time` plus the time a clean stop takes (closing connections and one
    /// commit).
    ///
    /// ```no_run
    /// # async fn slice(client: &dashlite::client::Client) -> Result<(), dashlite::client::ClientError> {
    /// use std::time::Duration;
    /// use dashlite::client::SyncOutcome;
    ///
    /// // An iOS BGAppRefreshTask has about 30 seconds.
    /// match client.sync_for(Duration::from_secs(25)).await? {
    ///     SyncOutcome::Synced { height } => println!("up to date at {height}"),
    ///     SyncOutcome::DeadlineReached { height } => println!("resume from {height} next time"),
    ///     SyncOutcome::Stopped(reason) => eprintln!("stopped: {reason}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sync_for(&self, time: Duration) -> Result<SyncOutcome, ClientError> {
        let deadline = Instant::now() + time;
        let mut events = self.events();
        let started = match self.start().await {
            Ok(()) => true,
            Err(ClientError::AlreadyRunning) => false,
            Err(e) => return Err(e),
        };
        if !started && self.sync_status().synced {
            return Ok(SyncOutcome::Synced { height: self.sync_status().block_height });
        }
        let outcome = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = match async_std::future::timeout(left, events.next()).await {
                Ok(Some(event)) => event,
                // The client is gone (dropped): nothing more comes.
                Ok(None) => return Err(ClientError::Stopped),
                Err(_) => break None,
            };
            match event {
                ClientEvent::Synced { height } => break Some(SyncOutcome::Synced { height }),
                ClientEvent::Stopped { reason } => break Some(SyncOutcome::Stopped(reason)),
                // Events were dropped: the status says whether one of them was `Synced`.
                ClientEvent::Lagged { .. } if self.sync_status().synced => {
                    break Some(SyncOutcome::Synced { height: self.sync_status().block_height })
                }
                _ => {}
            }
        };
        let stopped_on_its_own = matches!(outcome, Some(SyncOutcome::Stopped(_)));
        if started || stopped_on_its_own {
            // Collects a client that stopped on its own too.
            self.stop().await?;
            if !stopped_on_its_own {
                // The final commit's verdict.
                while let Some(event) = events.try_next() {
                    if let ClientEvent::Stopped { reason: reason @ StopReason::StoreFailed(_) } =
                        event
                    {
                        return Ok(SyncOutcome::Stopped(reason));
                    }
                }
            }
        }
        Ok(outcome
            .unwrap_or(SyncOutcome::DeadlineReached { height: self.sync_status().block_height }))
    }
}
