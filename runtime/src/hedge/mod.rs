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
//! use resile_runtime::hedge::{Hedge, HedgeConfig};
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
//! previous attempt started) one more attempt starts, up to `max_requests` in flight, if the
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
//! # Configuration
//! See [`HedgeConfig`]. Sites share a [`HedgeTracker`] (latencies, adaptive delay, budget,
//! [`HedgeStats`]) by `name`: [`hedge_tracker`]`(name).stats()` reads it.
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
//! allocation, two clock reads (start, end: the latency is recorded in both modes, for
//! [`HedgeStats`]), two `Relaxed` `fetch_add`s on the latency window, one `Relaxed` load of
//! the budget, and one tokio timer, created only if attempt 1 is still pending after its
//! first poll (none at all with `max_requests = 1`
//! and no `timeout`). Only a fired hedge allocates: a [`FuturesUnordered`] (once per call)
//! and one task per extra attempt. `benches/hedge.rs` compares this with a bare
//! `tokio::time::timeout` and `tower::hedge`.
//!
//! [`FuturesUnordered`]: futures::stream::FuturesUnordered

mod budget;
mod config;
mod latency;
mod tracker;

pub use budget::HedgeBudget;
pub use config::HedgeConfig;
pub use latency::{LatencyWindow, nearest_rank};
pub use tracker::{HedgeStats, HedgeTracker, hedge_tracker};

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::future::{Join, Ready, join, ready};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::time::{Instant, Sleep, sleep_until};

use crate::Rejection;
use crate::telemetry::{self, Event};
use tracker::TrackerCore;

/// The callbacks of one hedged call site, typed by the error `E`.
pub struct HedgeHooks<E> {
    /// Errors that end the call at once; `None`: no error is fatal.
    pub fatal: Option<fn(&E) -> bool>,
    /// Called with the attempt number (from 2) when an extra attempt starts.
    pub on_hedge: Option<fn(u32)>,
    /// Turns a timeout into `E`; `Some(From::from)` when the site has a `timeout`. Without
    /// it the site's `timeout` is not armed.
    pub timed_out: Option<fn(Rejection) -> E>,
}

impl<E> Clone for HedgeHooks<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for HedgeHooks<E> {}

impl<E> fmt::Debug for HedgeHooks<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HedgeHooks")
            .field("fatal", &self.fatal.is_some())
            .field("on_hedge", &self.on_hedge.is_some())
            .field("timed_out", &self.timed_out.is_some())
            .finish()
    }
}

impl<E> HedgeHooks<E> {
    /// No callbacks.
    pub const NONE: HedgeHooks<E> = HedgeHooks { fatal: None, on_hedge: None, timed_out: None };
}

impl<E> Default for HedgeHooks<E> {
    fn default() -> Self {
        Self::NONE
    }
}

/// A hedged call site's non-generic part: configuration, telemetry name and its tracker
/// (its own, or the named shared one, resolved once). The `#[hedge]` expansion keeps one
/// per call site in a `static`.
#[derive(Debug)]
pub struct HedgeSite {
    function: &'static str,
    config: HedgeConfig,
    name: Option<&'static str>,
    own: HedgeTracker,
    shared: OnceLock<&'static HedgeTracker>,
}

impl HedgeSite {
    /// A call site for `function` with `config`, using the shared tracker `name`, or its own
    /// tracker (named `function` in telemetry) when `name` is `None`.
    ///
    /// The configuration is not checked here (the attribute checks it at compile time;
    /// [`Hedge::new`] checks it at run time).
    pub const fn new(function: &'static str, config: HedgeConfig, name: Option<&'static str>) -> Self {
        HedgeSite { function, config, name, own: HedgeTracker::new(function), shared: OnceLock::new() }
    }

    /// The configuration.
    #[inline]
    pub fn config(&self) -> &HedgeConfig {
        &self.config
    }

    /// The site's tracker: the shared one named `name`, or its own.
    #[inline]
    pub fn tracker(&self) -> &HedgeTracker {
        match self.name {
            None => &self.own,
            Some(name) => self.shared.get_or_init(|| {
                let tracker = hedge_tracker(name);
                tracker.configure(&self.config);
                tracker
            }),
        }
    }

    /// Runs a hedged call: `make` creates each attempt's future. See the [module docs](self).
    pub async fn call<T, E, F, Fut>(&self, hooks: HedgeHooks<E>, mut make: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let tracker = self.tracker();
        let core = tracker.core(&self.config);
        let mut open = CallGuard { core, open: true };
        let started = Instant::now();
        let deadline = match (self.config.timeout, hooks.timed_out) {
            (Some(after), Some(_)) => started.checked_add(after),
            _ => None,
        };
        if self.config.max_requests <= 1 && deadline.is_none() {
            let result = make().await;
            open.open = false;
            match &result {
                Ok(_) => core.succeeded(started.elapsed(), 1),
                Err(_) => core.failed(),
            }
            return result;
        }
        let delay = match self.config.percentile {
            Some(p) => core.adaptive_delay(p),
            None => self.config.delay,
        };
        let mut run = Run {
            site: self,
            name: tracker.name(),
            core,
            hooks,
            started,
            deadline,
            delay,
            last_launch: started,
            launched: 1,
            running: 1,
            failovers: 0,
            hedging: self.config.max_requests > 1,
            last_err: None,
            extras: None,
        };
        let mut primary = pin!(Some(make()));
        let mut timer = pin!(None::<Sleep>);
        let result = poll_fn(|cx| run.poll(cx, &mut make, primary.as_mut(), timer.as_mut())).await;
        open.open = false;
        result
    }
}

/// Counts the call as cancelled if it is dropped before it ends.
struct CallGuard<'s> {
    core: &'s TrackerCore,
    open: bool,
}

impl Drop for CallGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.open {
            self.core.cancelled();
        }
    }
}

/// An extra attempt, tagged with its number.
type Extra<Fut> = Join<Ready<u32>, Fut>;

/// The state of one hedged call.
struct Run<'s, E, Fut: Future> {
    site: &'s HedgeSite,
    name: &'static str,
    core: &'s TrackerCore,
    hooks: HedgeHooks<E>,
    started: Instant,
    deadline: Option<Instant>,
    delay: Duration,
    /// When the latest attempt started; the next hedge is due `delay` after it.
    last_launch: Instant,
    launched: u32,
    running: u32,
    /// Failed attempts not yet replaced.
    failovers: u32,
    /// Whether the timer may still start hedges (false once the budget said no).
    hedging: bool,
    last_err: Option<E>,
    extras: Option<FuturesUnordered<Extra<Fut>>>,
}

impl<T, E, Fut> Run<'_, E, Fut>
where
    Fut: Future<Output = Result<T, E>>,
{
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        make: &mut impl FnMut() -> Fut,
        mut primary: Pin<&mut Option<Fut>>,
        mut timer: Pin<&mut Option<Sleep>>,
    ) -> Poll<Result<T, E>> {
        loop {
            if let Some(fut) = primary.as_mut().as_pin_mut()
                && let Poll::Ready(result) = fut.poll(cx)
            {
                primary.set(None);
                if let Some(done) = self.settle(1, result) {
                    return Poll::Ready(done);
                }
            }
            while let Some(Poll::Ready(Some((n, result)))) = self.extras.as_mut().map(|x| x.poll_next_unpin(cx)) {
                if let Some(done) = self.settle(n, result) {
                    return Poll::Ready(done);
                }
            }
            if self.failovers > 0 {
                let mut started_any = false;
                while self.failovers > 0 && self.hedging_allowed() {
                    self.failovers -= 1;
                    started_any |= self.launch(make, Instant::now());
                }
                self.failovers = 0;
                if started_any {
                    continue;
                }
                if self.running == 0 {
                    self.core.failed();
                    return Poll::Ready(Err(self.last_err.take().expect("a failed attempt left its error")));
                }
            }
            let next_hedge = if self.hedging && self.launched < self.site.config.max_requests {
                self.last_launch.checked_add(self.delay)
            } else {
                None
            };
            let target = match (next_hedge, self.deadline) {
                (Some(h), Some(d)) => h.min(d),
                (h, d) => match h.or(d) {
                    Some(t) => t,
                    None => return Poll::Pending,
                },
            };
            let sleep = match timer.as_mut().as_pin_mut() {
                Some(mut sleep) => {
                    if sleep.deadline() != target {
                        sleep.as_mut().reset(target);
                    }
                    sleep
                }
                None => {
                    timer.set(Some(sleep_until(target)));
                    timer.as_mut().as_pin_mut().expect("just set")
                }
            };
            ready!(sleep.poll(cx));
            if self.deadline == Some(target) {
                return Poll::Ready(Err(self.time_out()));
            }
            // A hedge is due; a refusal stops the timer's hedges for this call.
            self.launch(make, target);
        }
    }

    #[inline]
    fn hedging_allowed(&self) -> bool {
        self.hedging && self.launched < self.site.config.max_requests
    }

    /// Handles attempt `n`'s result; `Some` ends the call.
    #[inline]
    fn settle(&mut self, n: u32, result: Result<T, E>) -> Option<Result<T, E>> {
        self.running -= 1;
        match result {
            Ok(value) => {
                self.core.succeeded(self.started.elapsed(), n);
                if n > 1 {
                    tracing::debug!(target: "resile", name = self.name, attempt = n, "hedge won");
                    telemetry::emit(Event::HedgeWon { name: self.name, attempt: n });
                }
                Some(Ok(value))
            }
            Err(e) if self.hooks.fatal.is_some_and(|fatal| fatal(&e)) => {
                self.core.failed();
                Some(Err(e))
            }
            Err(e) => {
                self.last_err = Some(e);
                self.failovers += 1;
                None
            }
        }
    }

    /// Starts the next attempt at `at` if the budget allows; `false` (and no more timer
    /// hedges in this call) when it refuses.
    #[cold]
    fn launch(&mut self, make: &mut impl FnMut() -> Fut, at: Instant) -> bool {
        let n = self.launched + 1;
        if !self.core.try_hedge() {
            self.hedging = false;
            tracing::debug!(target: "resile", name = self.name, attempt = n, "hedge denied by the hedge budget");
            telemetry::emit(Event::HedgeDenied { name: self.name });
            return false;
        }
        self.launched = n;
        self.running += 1;
        self.last_launch = at;
        tracing::debug!(target: "resile", name = self.name, attempt = n, "hedge fired");
        telemetry::emit(Event::HedgeFired { name: self.name, attempt: n });
        if let Some(on_hedge) = self.hooks.on_hedge {
            on_hedge(n);
        }
        self.extras.get_or_insert_with(FuturesUnordered::new).push(join(ready(n), make()));
        true
    }

    #[cold]
    fn time_out(&mut self) -> E {
        let after = self.site.config.timeout.unwrap_or_default();
        self.core.timed_out(after);
        let rejection = crate::timeout::timed_out(self.site.function, after);
        let to_error = self.hooks.timed_out.expect("the deadline is armed only with `timed_out`");
        to_error(rejection)
    }
}

/// A hedging policy as a plain value.
///
/// Its tracker is its own unless [`Hedge::name`] shares a named one.
#[derive(Debug)]
pub struct Hedge<E> {
    site: HedgeSite,
    hooks: HedgeHooks<E>,
}

impl<E> Hedge<E> {
    /// A policy with `config` and no callbacks.
    ///
    /// # Panics
    /// If `config` is invalid (see [`HedgeConfig::validate`]), or sets a `timeout`: use
    /// [`Hedge::timeout`], which needs `E: From<Rejection>`.
    pub fn new(config: HedgeConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid hedge config: {e}");
        }
        assert!(
            config.timeout.is_none(),
            "set a hedge's timeout with `Hedge::timeout`, which needs `E: From<Rejection>`"
        );
        Hedge { site: HedgeSite::new("resile::Hedge", config, None), hooks: HedgeHooks::NONE }
    }

    /// Ends the call at once on errors for which `f` returns `true`.
    pub fn fatal(mut self, f: fn(&E) -> bool) -> Self {
        self.hooks.fatal = Some(f);
        self
    }

    /// Calls `f(attempt)` when an extra attempt starts.
    pub fn on_hedge(mut self, f: fn(u32)) -> Self {
        self.hooks.on_hedge = Some(f);
        self
    }

    /// Bounds the whole call: at `after` every attempt is dropped and the call returns
    /// `E::from(Rejection::TimedOut { after })`.
    ///
    /// # Panics
    /// If the resulting configuration is invalid (`after` zero, or not longer than a static
    /// `delay`).
    pub fn timeout(mut self, after: Duration) -> Self
    where
        E: From<Rejection>,
    {
        self.site.config.timeout = Some(after);
        if let Err(e) = self.site.config.validate() {
            panic!("invalid hedge config: {e}");
        }
        self.hooks.timed_out = Some(E::from);
        self
    }

    /// Shares the tracker (latencies, budget, stats) named `name`.
    pub fn name(mut self, name: &'static str) -> Self {
        self.site.name = Some(name);
        self.site.shared = OnceLock::new();
        self
    }

    /// The policy's tracker.
    pub fn tracker(&self) -> &HedgeTracker {
        self.site.tracker()
    }

    /// The configuration.
    pub fn config(&self) -> &HedgeConfig {
        self.site.config()
    }

    /// Runs a hedged call; `op` creates each attempt's future.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.site.call(self.hooks, op).await
    }
}

impl<E> crate::Policy<E> for Hedge<E> {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        Hedge::call(self, op)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn call_future_is_send_when_attempts_are() {
        let hedge: Hedge<()> = Hedge::new(HedgeConfig::new());
        let fut = hedge.call(|| async { Ok::<_, ()>(1) });
        assert_send(&fut);
    }

    #[test]
    #[should_panic(expected = "Hedge::timeout")]
    fn config_timeout_without_from_rejection_panics() {
        let _ = Hedge::<()>::new(HedgeConfig::new().timeout(Duration::from_secs(1)));
    }
}
