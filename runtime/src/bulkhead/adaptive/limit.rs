//! The three limit algorithms, as pure state machines: a sample in (the latency of one call,
//! the calls in flight when it was admitted, whether it was dropped), the new limit out. No
//! tokio, no clock read, no randomness but a seeded generator: a test, loom or proptest
//! drives them sample by sample.
//!
//! Each is a port of the class of the same name in Netflix's
//! [concurrency-limits](https://github.com/Netflix/concurrency-limits)
//! (`concurrency-limits-core/src/main/java/com/netflix/concurrency/limits/limit/`), its
//! `_update(startTime, rtt, inflight, didDrop)` step for step, with the reference's defaults.
//! What differs is said at each: the bounds are the bulkhead's
//! `min_concurrent..=max_concurrent` rather than each class's own, and the limit the
//! bulkhead enforces is the estimate rounded down (Java's `(int)` cast) and kept within them.

use resile_config::AdaptiveAlgorithm;

/// One of the three algorithms, with its state.
#[derive(Debug, Clone)]
pub enum Limiter {
    /// [`Gradient2`].
    Gradient2(Gradient2),
    /// [`Vegas`].
    Vegas(Vegas),
    /// [`Aimd`].
    Aimd(Aimd),
}

impl Limiter {
    /// `algorithm`, starting at `initial`, kept within `min..=max`.
    ///
    /// # Panics
    /// If `min` is 0, or `min > max` (the bulkhead's configuration rules refuse both).
    pub fn new(algorithm: AdaptiveAlgorithm, initial: u32, min: u32, max: u32) -> Self {
        assert!(min >= 1 && min <= max, "an adaptive limit needs 1 <= min ({min}) <= max ({max})");
        let initial = initial.clamp(min, max);
        match algorithm {
            AdaptiveAlgorithm::Gradient2 => Limiter::Gradient2(Gradient2::new(initial, min, max)),
            AdaptiveAlgorithm::Vegas => Limiter::Vegas(Vegas::new(initial, min, max)),
            AdaptiveAlgorithm::Aimd => Limiter::Aimd(Aimd::new(initial, min, max)),
        }
    }

    /// Records one call's sample and returns the limit now, within `min..=max`.
    ///
    /// - `rtt_ns`: how long the call held its permits, in nanoseconds;
    /// - `in_flight`: the permits in use when it was admitted, its own included (Netflix's
    ///   `inflight`, which each algorithm uses to ignore samples taken far below the limit);
    /// - `dropped`: the call failed in a way that signals overload (Netflix's `didDrop`: a
    ///   timeout, a rejection downstream); the bulkhead reports a panic as a drop;
    /// - `now_ns`: when the sample was taken; the ported algorithms do not use it (they
    ///   count samples, not time), it is here for windowed variants.
    ///
    /// Cost: a few floating-point operations; no allocation.
    pub fn on_sample(&mut self, rtt_ns: u64, in_flight: u32, dropped: bool, now_ns: u64) -> u32 {
        let _ = now_ns;
        match self {
            Limiter::Gradient2(g) => g.on_sample(rtt_ns, in_flight, dropped),
            Limiter::Vegas(v) => v.on_sample(rtt_ns, in_flight, dropped),
            Limiter::Aimd(a) => a.on_sample(rtt_ns, in_flight, dropped),
        }
    }

    /// The limit now.
    pub fn limit(&self) -> u32 {
        match self {
            Limiter::Gradient2(g) => g.limit(),
            Limiter::Vegas(v) => v.limit(),
            Limiter::Aimd(a) => a.limit,
        }
    }

    /// Moves the bounds (a live reconfiguration); the limit is brought within them.
    pub fn set_bounds(&mut self, min: u32, max: u32) {
        let (lo, hi) = (f64::from(min), f64::from(max));
        match self {
            Limiter::Gradient2(g) => {
                (g.min, g.max) = (min, max);
                g.estimate = g.estimate.clamp(lo, hi);
            }
            Limiter::Vegas(v) => {
                (v.min, v.max) = (min, max);
                v.estimate = v.estimate.clamp(lo, hi);
            }
            Limiter::Aimd(a) => {
                (a.min, a.max) = (min, max);
                a.limit = a.limit.clamp(min, max);
            }
        }
    }
}

/// Netflix's `WindowedLimit` around a [`Limiter`]: samples are gathered into a window and
/// the algorithm sees one sample per window, the window's average latency
/// (`AverageSampleWindow`), its most calls in flight and whether any was dropped. This is how
/// Netflix's limiters are deployed; per call, they follow the noise of single latencies and,
/// with a feedback delay of one latency, overshoot.
///
/// - a sample below [`MIN_RTT_NS`](Self::MIN_RTT_NS) (100 µs) is ignored
///   (`DEFAULT_MIN_RTT_THRESHOLD`);
/// - a window closes with the first sample that ends after its end; it is used if it holds
///   at least [`WINDOW_SIZE`](Self::WINDOW_SIZE) (10) samples (`DEFAULT_WINDOW_SIZE`), else
///   dropped; the next one ends `clamp(2 × its least latency, 1 s, 1 s)` later
///   ([`MIN_WINDOW_NS`](Self::MIN_WINDOW_NS), [`MAX_WINDOW_NS`](Self::MAX_WINDOW_NS):
///   `DEFAULT_MIN_WINDOW_TIME`, `DEFAULT_MAX_WINDOW_TIME`).
///
/// So the limit moves at most once a second: Gradient2 by at most `0.2 × (limit / 2 − 4)`,
/// Vegas by `6 log10 limit`, AIMD by +1 or ×0.9.
#[derive(Debug, Clone)]
pub struct Windowed {
    limiter: Limiter,
    next_update_ns: u64,
    count: u32,
    sum_rtt_ns: u128,
    min_rtt_ns: u64,
    max_in_flight: u32,
    dropped: bool,
}

impl Windowed {
    /// Samples shorter than this are ignored (`DEFAULT_MIN_RTT_THRESHOLD`, 100 µs), in ns.
    pub const MIN_RTT_NS: u64 = 100_000;
    /// The samples a window needs to count (`DEFAULT_WINDOW_SIZE`).
    pub const WINDOW_SIZE: u32 = 10;
    /// The shortest window (`DEFAULT_MIN_WINDOW_TIME`, 1 s), in ns.
    pub const MIN_WINDOW_NS: u64 = 1_000_000_000;
    /// The longest window (`DEFAULT_MAX_WINDOW_TIME`, 1 s), in ns.
    pub const MAX_WINDOW_NS: u64 = 1_000_000_000;

    /// `limiter`, fed one sample per window.
    pub fn new(limiter: Limiter) -> Self {
        Windowed {
            limiter,
            next_update_ns: 0,
            count: 0,
            sum_rtt_ns: 0,
            min_rtt_ns: u64::MAX,
            max_in_flight: 0,
            dropped: false,
        }
    }

    /// The algorithm.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// The limit now.
    pub fn limit(&self) -> u32 {
        self.limiter.limit()
    }

    /// Moves the bounds; see [`Limiter::set_bounds`].
    pub fn set_bounds(&mut self, min: u32, max: u32) {
        self.limiter.set_bounds(min, max);
    }

    /// Adds a sample (as [`Limiter::on_sample`], `now_ns` being when the call ended) and
    /// returns the limit now, which changes only when the sample closes a window.
    pub fn on_sample(&mut self, rtt_ns: u64, in_flight: u32, dropped: bool, now_ns: u64) -> u32 {
        if rtt_ns < Self::MIN_RTT_NS {
            return self.limiter.limit();
        }
        self.count += 1;
        self.sum_rtt_ns += u128::from(rtt_ns);
        self.min_rtt_ns = self.min_rtt_ns.min(rtt_ns);
        self.max_in_flight = self.max_in_flight.max(in_flight);
        self.dropped |= dropped;
        if now_ns <= self.next_update_ns {
            return self.limiter.limit();
        }
        let window = self.min_rtt_ns.saturating_mul(2).clamp(Self::MIN_WINDOW_NS, Self::MAX_WINDOW_NS);
        self.next_update_ns = now_ns.saturating_add(window);
        let (count, sum, max_in_flight, dropped) = (self.count, self.sum_rtt_ns, self.max_in_flight, self.dropped);
        (self.count, self.sum_rtt_ns, self.min_rtt_ns, self.max_in_flight, self.dropped) = (0, 0, u64::MAX, 0, false);
        if count < Self::WINDOW_SIZE {
            return self.limiter.limit();
        }
        // The mean of `count` latencies, each a `u64`: fits.
        let average = (sum / u128::from(count)) as u64;
        self.limiter.on_sample(average, max_in_flight, dropped, now_ns)
    }
}

/// The estimate as the limit in force: rounded down, as Java's `(int)` cast, within bounds.
fn whole(estimate: f64, min: u32, max: u32) -> u32 {
    // Within `min..=max`, both `u32`: the cast is exact.
    (estimate.floor() as u32).clamp(min, max)
}

/// Netflix's `Gradient2Limit`: the limit follows the gradient `long_rtt / short_rtt`, kept
/// within `0.5..=1.0`, with a fixed allowance for queueing, smoothed:
///
/// ```text
/// gradient  = clamp(long_rtt / short_rtt, 0.5, 1.0)
/// new_limit = limit × gradient + queue_size
/// limit     = limit × (1 − smoothing) + new_limit × smoothing,   within min..=max
/// ```
///
/// - `short_rtt`: the latest sample (`SingleMeasurement`);
/// - `long_rtt`: an exponential average over [`LONG_WINDOW`](Self::LONG_WINDOW) (600)
///   samples, the plain mean of the first [`WARMUP`](Self::WARMUP) (10)
///   (`ExpAvgMeasurement(600, 10)`), cut by 10 % whenever it exceeds twice `short_rtt` (the
///   recovery after a long overload);
/// - [`QUEUE_SIZE`](Self::QUEUE_SIZE) 4 (`queueSize = concurrency -> 4`),
///   [`SMOOTHING`](Self::SMOOTHING) 0.2;
/// - a sample taken while fewer than half the limit were in flight leaves the limit alone
///   ("don't grow the limit if we are app limited").
///
/// `Gradient2Limit`'s own bounds (`minLimit` 20, `maxConcurrency` 200) are the bulkhead's
/// `min_concurrent` and `max_concurrent`; `didDrop` is not used, as in the reference.
#[derive(Debug, Clone)]
pub struct Gradient2 {
    estimate: f64,
    long_rtt: f64,
    long_count: u32,
    long_sum: f64,
    min: u32,
    max: u32,
}

impl Gradient2 {
    /// `smoothing`: how much of the new estimate each sample takes (`Builder.smoothing`).
    pub const SMOOTHING: f64 = 0.2;
    /// The allowance for queueing added to each estimate (`Builder.queueSize`).
    pub const QUEUE_SIZE: f64 = 4.0;
    /// The window of the long-term average, in samples (`Builder.longWindow`).
    pub const LONG_WINDOW: u32 = 600;
    /// The samples averaged plainly before the exponential average starts
    /// (`ExpAvgMeasurement`'s `warmupWindow`).
    pub const WARMUP: u32 = 10;

    fn new(initial: u32, min: u32, max: u32) -> Self {
        Gradient2 { estimate: f64::from(initial), long_rtt: 0.0, long_count: 0, long_sum: 0.0, min, max }
    }

    /// The limit now: the estimate rounded down.
    pub fn limit(&self) -> u32 {
        whole(self.estimate, self.min, self.max)
    }

    fn on_sample(&mut self, rtt_ns: u64, in_flight: u32, _dropped: bool) -> u32 {
        if rtt_ns == 0 {
            return self.limit(); // no latency to compare (the reference divides by it)
        }
        let short = rtt_ns as f64;
        // ExpAvgMeasurement.add
        if self.long_count < Self::WARMUP {
            self.long_count += 1;
            self.long_sum += short;
            self.long_rtt = self.long_sum / f64::from(self.long_count);
        } else {
            let factor = 2.0 / (f64::from(Self::LONG_WINDOW) + 1.0);
            self.long_rtt = self.long_rtt * (1.0 - factor) + short * factor;
        }
        let long = self.long_rtt;
        if long / short > 2.0 {
            self.long_rtt *= 0.9;
        }
        if f64::from(in_flight) < self.estimate / 2.0 {
            return self.limit();
        }
        let gradient = (long / short).clamp(0.5, 1.0);
        let next = self.estimate * gradient + Self::QUEUE_SIZE;
        let next = self.estimate * (1.0 - Self::SMOOTHING) + next * Self::SMOOTHING;
        self.estimate = next.clamp(f64::from(self.min), f64::from(self.max));
        self.limit()
    }
}

/// `⌊log10(n)⌋`, at least 1: Netflix's `Log10RootFunction.create(0)`, which Vegas' defaults
/// scale with the limit.
fn log10_root(n: u32) -> u32 {
    n.checked_ilog10().unwrap_or(0).max(1)
}

/// Netflix's `VegasLimit`, after TCP Vegas: the queue is estimated from the no-load
/// latency, `queue = ⌈limit × (1 − rtt_noload / rtt)⌉`, and with `l = log10_root(limit)`
/// (`⌊log10 limit⌋`, at least 1):
///
/// | condition | new limit |
/// |---|---|
/// | `dropped` | `limit − l` |
/// | `2 × in_flight < limit` | unchanged (no upward drift far from the limit) |
/// | `queue <= l` (threshold) | `limit + 6l` (beta) |
/// | `queue < 3l` (alpha) | `limit + l` |
/// | `queue > 6l` (beta) | `limit − l` |
/// | else | unchanged |
///
/// then within `min..=max` and smoothed by 1.0 (that is, not smoothed). `rtt_noload` is
/// the least latency seen; every `probe_multiplier × limit × jitter` samples (30, jitter
/// drawn in `0.5..1`) it is reset to the sample's latency, so that it can rise after the
/// downstream gets slower for good.
///
/// Differences: `VegasLimit` draws the probe jitter from `ThreadLocalRandom`; here from a
/// xorshift generator of fixed seed (the same run gives the same limits). Its own bounds
/// (1, `maxConcurrency` 1000) are the bulkhead's.
#[derive(Debug, Clone)]
pub struct Vegas {
    estimate: f64,
    rtt_noload: u64,
    probe_count: u32,
    probe_jitter: f64,
    random: u64,
    min: u32,
    max: u32,
}

impl Vegas {
    /// Samples between probes of the no-load latency, per unit of limit (`probeMultiplier`).
    pub const PROBE_MULTIPLIER: f64 = 30.0;

    fn new(initial: u32, min: u32, max: u32) -> Self {
        let mut v = Vegas {
            estimate: f64::from(initial),
            rtt_noload: 0,
            probe_count: 0,
            probe_jitter: 0.0,
            random: 0x9E37_79B9_7F4A_7C15,
            min,
            max,
        };
        v.reset_probe_jitter();
        v
    }

    /// The limit now: the estimate rounded down.
    pub fn limit(&self) -> u32 {
        whole(self.estimate, self.min, self.max)
    }

    /// The least latency seen since the last probe, in nanoseconds (0 before any sample).
    pub fn rtt_noload(&self) -> u64 {
        self.rtt_noload
    }

    fn reset_probe_jitter(&mut self) {
        // xorshift64; the top 53 bits as a fraction in 0..1, mapped to 0.5..1.
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let unit = (self.random >> 11) as f64 / (1u64 << 53) as f64;
        self.probe_jitter = 0.5 + unit * 0.5;
    }

    fn on_sample(&mut self, rtt_ns: u64, in_flight: u32, dropped: bool) -> u32 {
        if rtt_ns == 0 {
            return self.limit(); // the reference requires rtt > 0
        }
        self.probe_count += 1;
        if self.probe_jitter * Self::PROBE_MULTIPLIER * self.estimate <= f64::from(self.probe_count) {
            self.reset_probe_jitter();
            self.probe_count = 0;
            self.rtt_noload = rtt_ns;
            return self.limit();
        }
        if self.rtt_noload == 0 || rtt_ns < self.rtt_noload {
            self.rtt_noload = rtt_ns;
            return self.limit();
        }
        let queue = (self.estimate * (1.0 - self.rtt_noload as f64 / rtt_ns as f64)).ceil();
        let l = f64::from(log10_root(self.estimate as u32));
        let next = if dropped {
            self.estimate - l
        } else if f64::from(in_flight) * 2.0 < self.estimate {
            return self.limit();
        } else if queue <= l {
            self.estimate + 6.0 * l
        } else if queue < 3.0 * l {
            self.estimate + l
        } else if queue > 6.0 * l {
            self.estimate - l
        } else {
            return self.limit();
        };
        self.estimate = next.clamp(f64::from(self.min), f64::from(self.max));
        self.limit()
    }
}

/// Netflix's `AIMDLimit`: loss-based. A drop, or a latency above
/// [`TIMEOUT_NS`](Self::TIMEOUT_NS) (5 s), multiplies the limit by
/// [`BACKOFF_RATIO`](Self::BACKOFF_RATIO) (0.9, rounded down, and at least 1 less); any
/// other sample taken with at least half the limit in flight adds 1; the rest change
/// nothing. Latency below the timeout does not move it: it finds the capacity of a
/// downstream that fails when overloaded, not of one that only slows down.
///
/// **Use [`Gradient2`] or [`Vegas`] for latency-driven limits; AIMD needs drops or
/// timeouts.** This is the reference's design, not a gap of the port: Netflix's `AIMDLimit`
/// is "loss based" (its own words), its one latency signal a `timeout` (default 5 s) that
/// "when exceeded equates to a drop", and a drop is what its callers report with
/// `Listener.onDropped()` ("rejected by an external limit or hitting a timeout"). In a
/// bulkhead, a drop is a panic; an `Err` the call returns is an ordinary sample, and so is
/// a call an outer timeout cancels (its latency up to the cut). So against a downstream
/// that slows down past a capacity `C`, AIMD backs off only where a window's average
/// latency passes 5 s: with a 100 ms downstream, never below the ceiling (in the
/// simulator, `tests/bulkhead_adaptive.rs`'s `convergence_aimd`: still climbing, p99
/// 3.5 × the unloaded one, where Gradient2 and Vegas settle at `C + 4`); with a 1 s
/// downstream of capacity 20, near 5 × 20 = 100 calls, then down in steps of × 0.9 while
/// the calls admitted before the back-off keep the windows slow
/// (`aimd_backs_off_where_the_latency_passes_its_timeout`: a saw between 54 and 105).
/// Deriving a timeout from the least latency seen would make it a latency-based
/// algorithm, which Gradient2 and Vegas already are, with better-founded rules.
#[derive(Debug, Clone)]
pub struct Aimd {
    limit: u32,
    min: u32,
    max: u32,
}

impl Aimd {
    /// The factor of a decrease (`backoffRatio`, within `0.5..1.0`).
    pub const BACKOFF_RATIO: f64 = 0.9;
    /// A latency above this counts as a drop (`DEFAULT_TIMEOUT`, 5 s), in nanoseconds.
    pub const TIMEOUT_NS: u64 = 5_000_000_000;

    fn new(initial: u32, min: u32, max: u32) -> Self {
        Aimd { limit: initial, min, max }
    }

    fn on_sample(&mut self, rtt_ns: u64, in_flight: u32, dropped: bool) -> u32 {
        let current = self.limit;
        let next = if dropped || rtt_ns > Self::TIMEOUT_NS {
            // `(int) (currentLimit * backoffRatio)`: within `0..current`, exact.
            let backed = (f64::from(current) * Self::BACKOFF_RATIO) as u32;
            backed.min(current.saturating_sub(1)).max(1)
        } else if u64::from(in_flight) * 2 >= u64::from(current) {
            current.saturating_add(1)
        } else {
            return current;
        };
        self.limit = next.clamp(self.min, self.max);
        self.limit
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn log10_root_is_the_references_table() {
        // Log10RootFunction.create(0): max(1, (int) log10(n)).
        let table: Vec<u32> = [1, 9, 10, 99, 100, 999, 1000].into_iter().map(log10_root).collect();
        assert_eq!(table, [1, 1, 1, 1, 2, 2, 3]);
    }

    #[test]
    fn aimd_adds_one_per_busy_sample_and_backs_off_by_a_tenth() {
        let mut l = Limiter::new(AdaptiveAlgorithm::Aimd, 10, 1, 12);
        assert_eq!(l.on_sample(MS, 4, false, 0), 10); // 2 × 4 < 10: app-limited
        assert_eq!(l.on_sample(MS, 5, false, 0), 11);
        assert_eq!(l.on_sample(MS, 11, false, 0), 12);
        assert_eq!(l.on_sample(MS, 12, false, 0), 12); // the ceiling
        assert_eq!(l.on_sample(MS, 12, true, 0), 10); // (int) 10.8
        assert_eq!(l.on_sample(6_000 * MS, 12, false, 0), 9); // above 5 s: a drop
        // At small limits the decrease is at least one: (int) (2 × 0.9) = 1, min(2 − 1, 1).
        let mut small = Limiter::new(AdaptiveAlgorithm::Aimd, 2, 1, 12);
        assert_eq!(small.on_sample(MS, 2, true, 0), 1);
        assert_eq!(small.on_sample(MS, 2, true, 0), 1); // the floor
    }

    #[test]
    fn gradient2_falls_when_latency_rises_and_climbs_back() {
        let mut l = Limiter::new(AdaptiveAlgorithm::Gradient2, 20, 1, 100);
        // Warm-up at 10 ms: gradient 1, each sample adds 0.2 × 4 = 0.8.
        let mut limits = Vec::new();
        for _ in 0..5 {
            limits.push(l.on_sample(10 * MS, 20, false, 0));
        }
        assert_eq!(limits, [20, 21, 22, 23, 24]); // 20.8, 21.6, 22.4, 23.2, 24.0
        // The latency doubles: long (mean of 6 samples) = 11.67 ms, gradient 0.583;
        // 24 × 0.8 + (24 × 0.583 + 4) × 0.2 = 22.8.
        assert_eq!(l.on_sample(20 * MS, 24, false, 0), 22);
        // App-limited (in flight below half the limit): unchanged, though the average moves.
        assert_eq!(l.on_sample(20 * MS, 5, false, 0), 22);
        let mut last = 22;
        for _ in 0..20 {
            last = l.on_sample(40 * MS, 40, false, 0);
        }
        assert!(last < 22, "the limit fell to {last}");
        for _ in 0..200 {
            last = l.on_sample(5 * MS, 100, false, 0);
        }
        assert_eq!(last, 100, "back to the ceiling once latency falls");
    }

    #[test]
    fn vegas_grows_fast_without_queue_and_falls_with_one() {
        let mut l = Limiter::new(AdaptiveAlgorithm::Vegas, 20, 1, 1000);
        // The first sample sets rtt_noload; the limit does not move.
        assert_eq!(l.on_sample(10 * MS, 20, false, 0), 20);
        // No queue (rtt = rtt_noload): queue 0 <= threshold 1 ⇒ + beta (6 × 1).
        assert_eq!(l.on_sample(10 * MS, 20, false, 0), 26);
        // queue = ceil(26 × (1 − 10/11)) = 3: not below alpha 3, not above beta 6: hold.
        assert_eq!(l.on_sample(11 * MS, 26, false, 0), 26);
        // queue = ceil(26 × (1 − 10/12)) = 5: hold. 10/20: 13 > 6 ⇒ − 1.
        assert_eq!(l.on_sample(12 * MS, 26, false, 0), 26);
        assert_eq!(l.on_sample(20 * MS, 26, false, 0), 25);
        // queue = ceil(25 × (1 − 10/10.5)) = 2 < alpha 3 ⇒ + 1.
        assert_eq!(l.on_sample(10_500_000, 25, false, 0), 26);
        // A drop ⇒ − log10_root(26) = − 1; far below the limit: unchanged.
        assert_eq!(l.on_sample(10 * MS, 26, true, 0), 25);
        assert_eq!(l.on_sample(10 * MS, 12, false, 0), 25);
        if let Limiter::Vegas(v) = &l {
            assert_eq!(v.rtt_noload(), 10 * MS);
        }
    }

    #[test]
    fn a_window_feeds_its_average_once_it_holds_ten_samples() {
        const S: u64 = 1_000_000_000;
        let mut w = Windowed::new(Limiter::new(AdaptiveAlgorithm::Aimd, 10, 1, 100));
        // The first sample closes the empty first window (ends at 0): too few samples, so
        // no update; the next window ends 1 s later.
        assert_eq!(w.on_sample(MS, 10, false, 1), 10);
        assert_eq!(w.on_sample(50_000, 10, true, 2), 10); // below 100 µs: ignored
        for i in 0..20 {
            assert_eq!(w.on_sample(MS, 10, false, 2 + i), 10);
        }
        // Closes the window of 21 samples: AIMD sees one sample, + 1.
        assert_eq!(w.on_sample(MS, 10, false, S + 2), 11);
        // A window of 9 samples is dropped, drop included.
        for i in 0..8 {
            assert_eq!(w.on_sample(MS, 10, i == 0, S + 3 + i), 11);
        }
        assert_eq!(w.on_sample(MS, 10, false, 2 * S + 3), 11);
        for i in 0..10 {
            w.on_sample(MS, 10, i == 5, 2 * S + 4 + i);
        }
        assert_eq!(w.on_sample(MS, 10, false, 3 * S + 4), 9); // a drop in the window: (int) 9.9
    }

    #[test]
    fn every_algorithm_stays_within_its_bounds() {
        for algorithm in [AdaptiveAlgorithm::Gradient2, AdaptiveAlgorithm::Vegas, AdaptiveAlgorithm::Aimd] {
            let mut l = Limiter::new(algorithm, 50, 3, 7);
            assert_eq!(l.limit(), 7);
            for i in 0..2_000u64 {
                let rtt = if (i / 100) % 2 == 0 { MS } else { 50 * MS };
                let limit = l.on_sample(rtt, 7, i % 13 == 0, i);
                assert!((3..=7).contains(&limit), "{algorithm:?}: {limit}");
            }
            l.set_bounds(4, 5);
            assert!((4..=5).contains(&l.limit()));
        }
    }
}
