//! Timeout: bound how long a call may take; at the deadline its future is dropped and the
//! caller gets `Rejection::TimedOut`.
//!
//! # When to use
//! Around any call whose latency you do not control. Inside a retry (`#[retry]` first, then
//! `#[timeout]`) it bounds each attempt; outside it bounds the whole retry loop.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! use resile_runtime::{Rejection, timeout::Timeout};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let t = Timeout::new(Duration::from_millis(50));
//! let slow = t.call(|| async {
//!     tokio::time::sleep(Duration::from_secs(1)).await;
//!     Ok::<_, Rejection>(())
//! });
//! assert_eq!(slow.await, Err(Rejection::TimedOut { after: Duration::from_millis(50) }));
//! # }
//! ```
//!
//! # How it works
//! A thin wrapper over [`tokio::time::timeout`]: one timer entry per call, on tokio's clock.
//!
//! # Errors
//! `E::from(Rejection::TimedOut { after })` at the deadline.
//!
//! # Cancellation
//! The inner future is dropped at the deadline, or when the caller drops the call; the timer
//! entry is removed with it.
//!
//! # Performance
//! Exactly the cost of `tokio::time::timeout` plus a branch on its result: no allocation.

use std::future::Future;
use std::time::Duration;

use crate::Rejection;

/// Runs `fut` for at most `after`; at the deadline drops it and returns
/// `E::from(Rejection::TimedOut { after })`.
#[inline]
pub async fn timeout<T, E, Fut>(function: &'static str, after: Duration, fut: Fut) -> Result<T, E>
where
    E: From<Rejection>,
    Fut: Future<Output = Result<T, E>>,
{
    crate::__private::timeout(function, after, E::from, fut).await
}

/// Records a timeout in telemetry and returns its rejection.
#[cold]
pub(crate) fn timed_out(function: &'static str, after: Duration) -> Rejection {
    let rejection = Rejection::TimedOut { after };
    crate::telemetry::rejected(function, &rejection);
    rejection
}

/// A timeout policy as a plain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    after: Duration,
}

impl Timeout {
    /// A timeout of `after`.
    ///
    /// # Panics
    /// If `after` is zero.
    pub const fn new(after: Duration) -> Self {
        assert!(!after.is_zero(), "a timeout must be greater than zero");
        Timeout { after }
    }

    /// The deadline.
    pub const fn after(&self) -> Duration {
        self.after
    }

    /// Runs `op()` for at most the deadline.
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        timeout("resile::Timeout", self.after, op()).await
    }
}
