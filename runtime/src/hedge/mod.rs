//! Hedging: when a call is slow, start another attempt of it concurrently and take whichever
//! succeeds first, to cut tail latency.
//!
//! # When to use
//! For idempotent reads whose latency has a long tail that is not the backend's fault: a
//! replica stuck in garbage collection, a slow disk, a lost packet. A hedge sent after the
//! 95th percentile turns a p99 of "slow replica" into "p95 + one fast attempt" for about 5 %
//! more load. Not for writes that are not idempotent, nor for a backend that is slow because
//! it is overloaded: the hedge budget bounds the extra load, but a timeout and a circuit
//! breaker are the right tools there.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::hedge::{Hedge, HedgeConfig};
//! use tokio::time::{sleep, Instant};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let hedge: Hedge<&str> = Hedge::new(HedgeConfig::new().delay(Duration::from_millis(50)));
//! let replicas = [Duration::from_secs(2), Duration::from_millis(10)]; // primary is stuck
//! let mut next = 0;
//! let start = Instant::now();
//! let result = hedge
//!     .call(|| {
//!         let (replica, latency) = (next, replicas[next]);
//!         next += 1;
//!         async move {
//!             sleep(latency).await;
//!             Ok::<_, &str>(replica)
//!         }
//!     })
//!     .await;
//! assert_eq!(result, Ok(1)); // the hedge won ...
//! assert_eq!(start.elapsed(), Duration::from_millis(60)); // ... after 50 + 10 ms
//! assert_eq!(hedge.tracker().stats().hedge_won, 1);
//! # }
//! ```
//!
//! # How it works
//! A call starts attempt 1 and arms one timer. Each time the timer fires (`delay` after the
//! previous attempt started) one more attempt starts, until `max_requests` attempts (the first included) have started, if the
//! [hedge budget](HedgeBudget) allows it. All attempts run concurrently *inside the caller's
//! task*, polled by the call's own future: nothing is spawned, so attempts may borrow the
//! caller's arguments and need not be `'static` or `Send`.
//!
//! ```text
//!  t=0        delay      2·delay            first Ok
//!  |--attempt 1----------------------------x (dropped)
//!             |--attempt 2--------------------o  <- returned
//!                        |--attempt 3---------x (dropped)
//! ```
//!
//! - The first `Ok` wins; the other attempts are dropped at once.
//! - An `Err` for which `fatal` returns `true` ends the call with that error at once.
//! - Any other `Err` ends nothing: the next attempt, if `max_requests` allows one, starts
//!   at once rather than after the delay (and needs a budget token like any hedge). The call
//!   fails with the last error only when every attempt has failed.
//! - `timeout` bounds the whole call; the same timer serves the deadline and the hedges.
//!
//! The delay is `delay` (static mode) or, with `percentile = p`, the `p`-th percentile of
//! the latencies of recent calls, clamped to `min_delay..=max_delay`, and `initial_delay`
//! until `min_samples` calls were recorded ([`LatencyWindow`] describes the window and
//! its error bound). A call's latency is what its caller saw, recorded for successes and
//! timeouts (a fast error says nothing about how long a success takes). Because hedging
//! only shortens calls that already outlasted the delay, and never below it, the share of
//! calls faster than the delay is the same with or without hedging: the adaptive delay
//! converges to the `p`-th percentile of the unhedged latency instead of chasing itself
//! downwards.
//!
//! Deadlines: a hedge's `timeout` is published to its attempts from their first poll
//! ([`deadline()`](crate::deadline())); under a deadline (its own, or an enclosing
//! timeout's), no attempt starts at or past it: a hedge due then is not fired, and a call
//! whose running attempts have all failed returns the last error at once rather than start
//! another.
//!
//! # Configuration
//! See [`HedgeConfig`]. Sites share a [`HedgeTracker`] (latencies, adaptive delay, budget,
//! [`HedgeStats`]) by `name`: [`hedge_tracker`]`(name).stats()` reads it. The tracker's
//! settings follow the declaration rule of named instances ([`Registry`](crate::kit::Registry)): a site that sets none
//! of the tracker keys refers to the tracker; a second, different declaration is reported.
//!
//! # Errors
//! Hedging never invents an error, except `Rejection::TimedOut { after: timeout }` (through
//! `E: From<Rejection>`) when a `timeout` is set and passes. A hedge refused by the budget
//! is counted (`hedges_denied`, `Event::HedgeDenied`) but does not fail the call.
//!
//! # Cancellation
//! Dropping the call's future drops every attempt in flight and the timer; the attempts
//! are owned by that future, so nothing outlives it. A winning or fatal result drops the
//! other attempts before the call returns. Budget tokens spent on a dropped hedge are not
//! refunded: the load was sent.
//!
//! # Performance
//! When no hedge fires (the common case) a call costs: attempt 1 polled inline with no
//! allocation, two `Relaxed` `fetch_add`s on the latency window and one `Relaxed` load of
//! the budget (the latency is recorded in both modes, for [`HedgeStats`]). A call whose
//! first attempt completes on its first poll reads no clock and arms no timer: it never
//! waited, and is recorded with latency zero. Otherwise the clock is read after that first
//! poll and at the end, and one tokio timer is armed (none with `max_requests = 1` and no
//! `timeout`). Only a fired hedge allocates: a [`FuturesUnordered`] (once per call)
//! and one task per extra attempt. `benches/benches/hedge.rs` compares this with a bare
//! `tokio::time::timeout` and `tower::hedge`.
//!
//! [`FuturesUnordered`]: futures::stream::FuturesUnordered

mod budget;
mod config;
mod handle;
mod latency;
mod site;
mod state;

pub use budget::HedgeBudget;
pub use config::HedgeConfig;
pub use handle::{HedgeTrackerHandle, hedge_tracker};
pub use latency::{LatencyWindow, nearest_rank};
pub use site::{Hedge, HedgeHooks, HedgeSite};
pub use state::{HedgeStats, HedgeTracker};
