//! [`HedgeTracker`]: the state hedged call sites share (recent latencies, the adaptive
//! delay, the hedge budget and the counters behind [`HedgeStats`]). Free of tokio and of
//! clock reads: latencies are handed in.

use std::time::Duration;

use super::budget::HedgeBudget;
use super::config::HedgeConfig;
use super::latency::LatencyWindow;
use crate::kit::Swap;
use crate::sync::{AtomicU64, Ordering};

/// Counters and latency percentiles of a [`HedgeTracker`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgeStats {
    /// Calls made (each may run several attempts), counted when they end: succeeded, failed,
    /// timed out or cancelled.
    pub total_requests: u64,
    /// Extra attempts started (hedges), whether fired by the delay or by a failed attempt:
    /// the load hedging added is `hedged_requests / total_requests` attempts per call.
    pub hedged_requests: u64,
    /// Calls won by an extra attempt rather than the first one.
    pub hedge_won: u64,
    /// Extra attempts the hedge budget refused.
    pub hedges_denied: u64,
    /// Median latency of recent calls (zero before any is recorded).
    pub p50: Duration,
    /// 95th percentile latency of recent calls.
    pub p95: Duration,
    /// 99th percentile latency of recent calls.
    pub p99: Duration,
    /// The delay a call starting now would wait before its first hedge: in adaptive mode
    /// the tracker's current estimate of its percentile; in static mode the `delay` in the
    /// tracker's settings (those of the site that created it: sites that share a tracker
    /// may each have their own `delay`).
    pub current_delay: Duration,
    /// Tokens in the hedge budget.
    pub tokens: f64,
}

/// Shared hedging state: recent latencies, the adaptive delay, the hedge budget and the
/// counters behind [`HedgeStats`].
///
/// A tracker named with `name = "..."` is shared by every site that uses the name and is
/// reachable with [`hedge_tracker`](super::hedge_tracker); an unnamed site owns its tracker.
/// Its settings (`percentile`, `buffer_size`, `min_samples`, `initial_delay`, `min_delay`,
/// `max_delay`, `token_*`) follow the declaration rule of named instances ([`Registry`](crate::kit::Registry)): a site
/// that sets none of them refers to the tracker; the first site that sets any declares
/// them; a second, different declaration is reported.
///
/// A call's latency is what its caller saw, recorded for successes and timeouts. A call
/// whose first attempt completes on its first poll never waited: it is recorded with
/// latency zero, without reading the clock.
///
/// # Performance
/// Recording a successful call is two `Relaxed` `fetch_add`s on the latency window (which
/// also count the call: `total_requests` is recorded + failed + cancelled calls) and one
/// `Relaxed` load on the budget (a CAS only when it is not full). In adaptive mode the
/// delay is recomputed from the window every `clamp(ceil(buffer_size / 2) / 8, 1, 64)`
/// recorded samples (a scan of 2 × 1152 counters, about a microsecond) and read by each
/// call with one `Relaxed` load.
#[derive(Debug)]
pub struct HedgeTracker {
    name: &'static str,
    core: Swap<TrackerCore>,
    /// Calls that ended in an error (timeouts are recorded latencies instead).
    failed: AtomicU64,
    /// Calls dropped by their caller before they ended.
    cancelled: AtomicU64,
    hedged: AtomicU64,
    won: AtomicU64,
    denied: AtomicU64,
    /// Latencies recorded by the cores that reconfigurations replaced.
    retired: AtomicU64,
}

/// The part of a tracker its settings decide, replaced as a whole by a reconfiguration.
#[derive(Debug)]
pub(crate) struct TrackerCore {
    pub(crate) config: HedgeConfig,
    latency: LatencyWindow,
    pub(crate) budget: HedgeBudget,
    /// The adaptive delay in nanoseconds (`initial_delay` until `min_samples`).
    delay_nanos: AtomicU64,
    /// Recompute the adaptive delay every this many samples.
    refresh: u64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl TrackerCore {
    fn new(config: HedgeConfig) -> Self {
        let latency = LatencyWindow::new(config.buffer_size);
        let refresh = (u64::from(config.buffer_size).div_ceil(2) / 8).clamp(1, 64);
        TrackerCore {
            latency,
            budget: HedgeBudget::new(&config),
            delay_nanos: AtomicU64::new(nanos(config.initial_delay)),
            refresh,
            config,
        }
    }

    #[inline]
    fn record(&self, latency: Duration) {
        let n = self.latency.record(latency);
        if let Some(p) = self.config.percentile {
            let min = u64::from(self.config.min_samples);
            if n >= min && (n == min || n.is_multiple_of(self.refresh)) {
                self.refresh_delay(p);
            }
        }
    }

    #[cold]
    fn refresh_delay(&self, p: f64) {
        if let Some(d) = self.latency.percentile(p) {
            let d = d.clamp(self.config.min_delay, self.config.max_delay);
            self.delay_nanos.store(nanos(d), Ordering::Relaxed);
        }
    }

    /// The hedge delay for a site in adaptive mode with percentile `p`.
    #[inline]
    fn adaptive_delay(&self, p: f64) -> Duration {
        if self.config.percentile == Some(p) {
            return Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed));
        }
        // A site sharing the tracker with another percentile: computed on every call.
        if self.latency.recorded() < u64::from(self.config.min_samples) {
            return self.config.initial_delay;
        }
        match self.latency.percentile(p) {
            Some(d) => d.clamp(self.config.min_delay, self.config.max_delay),
            None => self.config.initial_delay,
        }
    }

    fn current_delay(&self) -> Duration {
        match self.config.percentile {
            Some(p) => self.adaptive_delay(p),
            None => self.config.delay,
        }
    }
}

impl HedgeTracker {
    /// A tracker called `name` with the tracker settings of `config`.
    ///
    /// # Panics
    /// If `config` is invalid (see [`HedgeConfig::validate`]).
    pub fn new(name: &'static str, config: HedgeConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid hedge config for `{name}`: {e}");
        }
        HedgeTracker {
            name,
            core: Swap::new(TrackerCore::new(config)),
            failed: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            hedged: AtomicU64::new(0),
            won: AtomicU64::new(0),
            denied: AtomicU64::new(0),
            retired: AtomicU64::new(0),
        }
    }

    /// The tracker's name (the function's path for a site's own tracker).
    #[inline]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The settings in force (its tracker keys are the ones that matter).
    pub fn config(&self) -> HedgeConfig {
        self.core.load().config
    }

    /// Puts the tracker settings of `config` in force, with a fresh latency window and a
    /// full budget; the counters carry on.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key (see [`HedgeConfig::validate`]); then
    /// nothing changes.
    pub fn reconfigure(&self, config: HedgeConfig) -> Result<(), crate::ConfigError> {
        config.validate()?;
        self.apply(config);
        Ok(())
    }

    /// Puts `config`, already validated, in force; see [`reconfigure`](Self::reconfigure).
    pub(crate) fn apply(&self, config: HedgeConfig) {
        let old = self.core.load();
        self.core.store(TrackerCore::new(config));
        self.retired.fetch_add(old.latency.recorded(), Ordering::Relaxed);
    }

    /// Back to a new tracker's state with the settings in force: a fresh latency window
    /// (the adaptive delay back to `initial_delay`), a full budget and zero counters. Calls
    /// running meanwhile may record into the window they started with, which is dropped.
    pub fn reset(&self) {
        self.core.store(TrackerCore::new(self.config()));
        for counter in [&self.failed, &self.cancelled, &self.hedged, &self.won, &self.denied, &self.retired] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    #[inline]
    fn core(&self) -> &TrackerCore {
        self.core.load()
    }

    /// A call ended with `Ok` after `latency`, won by attempt `attempt`.
    #[inline]
    pub fn succeeded(&self, latency: Duration, attempt: u32) {
        let core = self.core();
        core.record(latency);
        core.budget.credit();
        if attempt > 1 {
            self.won.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A call ended with an error.
    #[cold]
    pub fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// A call was dropped before it ended.
    #[cold]
    pub fn cancelled(&self) {
        self.cancelled.fetch_add(1, Ordering::Relaxed);
    }

    /// A call timed out after `latency`: recorded as a (censored) latency, not credited.
    pub fn timed_out(&self, latency: Duration) {
        self.core().record(latency);
    }

    /// Asks the budget for one extra attempt, counting the answer.
    #[inline]
    pub fn try_hedge(&self) -> bool {
        let ok = self.core().budget.try_acquire();
        let counter = if ok { &self.hedged } else { &self.denied };
        counter.fetch_add(1, Ordering::Relaxed);
        ok
    }

    /// The delay before the next hedge for a site with `config`: its static `delay`, or in
    /// adaptive mode the tracker's current estimate of its `percentile`.
    #[inline]
    pub fn delay(&self, config: &HedgeConfig) -> Duration {
        match config.percentile {
            Some(p) => self.core().adaptive_delay(p),
            None => config.delay,
        }
    }

    /// Counters, recent latency percentiles, the current delay and the budget's tokens.
    pub fn stats(&self) -> HedgeStats {
        let core = self.core();
        let [p50, p95, p99] = core.latency.percentiles([50.0, 95.0, 99.0]).map(Option::unwrap_or_default);
        HedgeStats {
            // Every call ends exactly one way: recorded (success or timeout), failed or
            // cancelled. Counting at the end spares the success path a shared counter.
            total_requests: self.retired.load(Ordering::Relaxed)
                + core.latency.recorded()
                + self.failed.load(Ordering::Relaxed)
                + self.cancelled.load(Ordering::Relaxed),
            hedged_requests: self.hedged.load(Ordering::Relaxed),
            hedge_won: self.won.load(Ordering::Relaxed),
            hedges_denied: self.denied.load(Ordering::Relaxed),
            p50,
            p95,
            p99,
            current_delay: core.current_delay(),
            tokens: core.budget.tokens(),
        }
    }
}

impl HedgeStats {
    /// The stats of a tracker that does not exist yet: no calls, the default delay and a
    /// full default budget.
    pub fn empty() -> HedgeStats {
        let cfg = HedgeConfig::new();
        HedgeStats {
            total_requests: 0,
            hedged_requests: 0,
            hedge_won: 0,
            hedges_denied: 0,
            p50: Duration::ZERO,
            p95: Duration::ZERO,
            p99: Duration::ZERO,
            current_delay: cfg.delay,
            tokens: cfg.token_max,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn adaptive_delay_starts_at_initial_and_tracks_the_percentile() {
        let cfg = HedgeConfig::new().percentile(50.0).min_samples(10).buffer_size(100).initial_delay(MS(7));
        let t = HedgeTracker::new("t", cfg);
        for _ in 0..9 {
            t.succeeded(MS(40), 1);
        }
        assert_eq!(t.stats().current_delay, MS(7));
        t.succeeded(MS(40), 1);
        let d = t.stats().current_delay;
        assert!(d.abs_diff(MS(40)) <= MS(40) / 64, "{d:?}");
    }

    #[test]
    fn adaptive_delay_is_clamped() {
        let cfg = HedgeConfig::new().percentile(50.0).min_samples(1).max_delay(MS(20));
        let t = HedgeTracker::new("t", cfg);
        t.succeeded(MS(900), 1);
        assert_eq!(t.stats().current_delay, MS(20));
    }

    #[test]
    fn reconfiguring_keeps_the_call_count() {
        let t = HedgeTracker::new("t", HedgeConfig::new());
        t.succeeded(MS(5), 1);
        t.failed();
        t.reconfigure(HedgeConfig::new().percentile(90.0)).unwrap();
        assert!(t.reconfigure(HedgeConfig::new().max_requests(0)).is_err());
        t.succeeded(MS(5), 2);
        let s = t.stats();
        assert_eq!((s.total_requests, s.hedge_won), (3, 1));
        assert_eq!(t.config().percentile, Some(90.0));
    }
}
