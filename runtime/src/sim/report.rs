//! [`Report`]: what one simulated run measured, and [`compare`]: several side by side.

use std::fmt::{self, Write as _};
use std::time::Duration;

/// The refusals of the policies under test, by kind, counted per refusal (a call retried
/// after a per-attempt timeout counts each timeout).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rejections {
    /// By an open (or forced open) circuit breaker.
    pub circuit_open: u64,
    /// By a full bulkhead.
    pub bulkhead_full: u64,
    /// By a rate limiter.
    pub rate_limited: u64,
    /// By a timeout (a `#[timeout]`, a hedge's overall timeout).
    pub timed_out: u64,
    /// Any other refusal (a `backend = "redis"` limit with no backend installed).
    pub other: u64,
}

impl Rejections {
    /// Every refusal.
    pub fn total(&self) -> u64 {
        self.circuit_open + self.bulkhead_full + self.rate_limited + self.timed_out + self.other
    }
}

/// The load of one slice of the run (the run is cut into equal slices, see
/// [`Simulation::load_buckets`](super::Simulation::load_buckets)).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadPoint {
    /// When the slice starts, from the run's start.
    pub at: Duration,
    /// Its length.
    pub width: Duration,
    /// Calls that arrived in it.
    pub calls: u64,
    /// Of those, the calls that ended in an error.
    pub failed: u64,
    /// Downstream calls (attempts, hedges) that started in it.
    pub downstream_calls: u64,
}

/// What a [`Simulation`](super::Simulation) run measured. Equal seeds and configurations
/// give equal reports (`==`, and the same `Debug` text).
///
/// Latencies are of the whole call as its caller saw it (from its arrival to its answer,
/// every retry, backoff and hedge included), for every call, failed and refused ones too: a
/// call a breaker refuses at once counts with its (near zero) latency. Percentiles are read
/// from a log-linear histogram, within 0.2 % below the true value (exact below 1.024 ms).
#[non_exhaustive]
#[derive(Clone, PartialEq)]
pub struct Report {
    /// Calls made (every arrival of the run; each ended before the report).
    pub calls: u64,
    /// Calls that returned `Ok`.
    pub successes: u64,
    /// `successes / calls` (0 with no call).
    pub success_rate: f64,
    /// Median latency of every call: successes, failures and refusals alike, as the
    /// callers see them. A refusal at once counts as a call of about 0 ms, so a breaker
    /// that refuses during an outage lowers the percentiles: read them beside
    /// [`success_rate`](Self::success_rate) and [`rejections`](Self::rejections).
    pub p50: Duration,
    /// 99th percentile latency, of every call as [`p50`](Self::p50).
    pub p99: Duration,
    /// 99.9th percentile latency, of every call as [`p50`](Self::p50).
    pub p999: Duration,
    /// The slowest call (exact).
    pub max: Duration,
    /// Calls that reached the downstream (attempts and hedges included).
    pub downstream_calls: u64,
    /// Of those, the ones that answered with an error.
    pub downstream_failures: u64,
    /// `downstream_calls / calls`: how much the stack amplifies the load on the downstream
    /// (1 + 0.1 + 0.01 for three attempts over a 10 % error rate), the "load ×" column of
    /// [`compare`]; below 1 when a breaker or a limiter keeps calls from reaching it.
    pub attempts_per_call: f64,
    /// The most downstream calls in progress at once.
    pub peak_concurrency: u32,
    /// Time any circuit breaker spent open or forced open (summed over breakers).
    pub breaker_open_time: Duration,
    /// How many times a breaker opened.
    pub breaker_openings: u64,
    /// Refusals by kind.
    pub rejections: Rejections,
    /// Retries made (`Event::Retry`).
    pub retries: u64,
    /// Hedged attempts started.
    pub hedges: u64,
    /// `hedges / calls`.
    pub hedge_rate: f64,
    /// Virtual time from the run's start to the end of its last call.
    pub elapsed: Duration,
    /// The seed.
    pub seed: u64,
    pub(crate) latencies: Histogram,
    pub(crate) load: Vec<LoadPoint>,
    pub(crate) samples: Vec<(Duration, f64)>,
}

impl Report {
    /// The latency at quantile `q` (`0.0..=1.0`; 0.5 is the median), within 0.2 % below.
    ///
    /// # Panics
    /// If `q` is outside `0.0..=1.0`.
    pub fn latency_quantile(&self, q: f64) -> Duration {
        assert!((0.0..=1.0).contains(&q), "`Report::latency_quantile`: `q` must be in 0.0..=1.0, found {q}");
        self.latencies.quantile(q)
    }

    /// The latency CDF: for each histogram bucket that holds calls, in increasing order, its
    /// lowest latency and the fraction of calls at or below its highest.
    pub fn latency_cdf(&self) -> Vec<(Duration, f64)> {
        self.latencies.cdf()
    }

    /// The load over time, slice by slice.
    pub fn load(&self) -> &[LoadPoint] {
        &self.load
    }

    /// The values [`Simulation::run_sampled`](super::Simulation::run_sampled) read during
    /// the run, in order: `(when, value)`, `when` counted from the run's start (0, `every`,
    /// 2 × `every`, … up to the end of its last call). Empty for a [`run`](super::Simulation::run).
    pub fn samples(&self) -> &[(Duration, f64)] {
        &self.samples
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("calls", &self.calls)
            .field("successes", &self.successes)
            .field("success_rate", &self.success_rate)
            .field("p50", &self.p50)
            .field("p99", &self.p99)
            .field("p999", &self.p999)
            .field("max", &self.max)
            .field("downstream_calls", &self.downstream_calls)
            .field("downstream_failures", &self.downstream_failures)
            .field("attempts_per_call", &self.attempts_per_call)
            .field("peak_concurrency", &self.peak_concurrency)
            .field("breaker_open_time", &self.breaker_open_time)
            .field("breaker_openings", &self.breaker_openings)
            .field("rejections", &self.rejections)
            .field("retries", &self.retries)
            .field("hedges", &self.hedges)
            .field("hedge_rate", &self.hedge_rate)
            .field("elapsed", &self.elapsed)
            .field("seed", &self.seed)
            .field("latency_buckets", &self.latencies.buckets.len())
            .field("load_slices", &self.load.len())
            .field("samples", &self.samples.len())
            .finish()
    }
}

/// Several reports side by side, as a Markdown table: one row per `(name, report)`, in
/// order, with success rate, p50, p99, p99.9, load × (downstream calls per call), peak downstream
/// concurrency, breaker open time, refusals (total, and by kind when any) and hedge rate.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::sim::{compare, Downstream, Latency, Simulation};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let sim = Simulation::new(Downstream::new().latency(Latency::fixed(Duration::from_millis(10))).error_rate(0.1))
///     .duration(Duration::from_secs(10));
/// let bare = sim.run(async |d| d.call().await).await;
/// let table = compare(&[("bare", &bare)]);
/// assert!(table.starts_with("| configuration "));
/// println!("{table}");
/// # }
/// ```
pub fn compare(reports: &[(&str, &Report)]) -> String {
    let width = reports.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0).max(13);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {:<width$} | {:>8} | {:>9} | {:>9} | {:>9} | {:>9} | {:>10} | {:>12} | {:>9} | {:>9} |",
        "configuration", "success", "p50", "p99", "p99.9", "load ×", "peak conc.", "breaker open", "refused", "hedges"
    );
    let _ = writeln!(
        out,
        "|{:-<w$}|{:->10}|{:->11}|{:->11}|{:->11}|{:->11}|{:->12}|{:->14}|{:->11}|{:->11}|",
        ":",
        ":",
        ":",
        ":",
        ":",
        ":",
        ":",
        ":",
        ":",
        ":",
        w = width + 2
    );
    for (name, r) in reports {
        let _ = writeln!(
            out,
            "| {:<width$} | {:>6.2} % | {:>9} | {:>9} | {:>9} | {:>9.3} | {:>10} | {:>12} | {:>9} | {:>7.2} % |",
            name,
            100.0 * r.success_rate,
            short(r.p50),
            short(r.p99),
            short(r.p999),
            r.attempts_per_call,
            r.peak_concurrency,
            short(r.breaker_open_time),
            r.rejections.total(),
            100.0 * r.hedge_rate,
        );
    }
    let kinds: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.rejections.total() > 0)
        .map(|(name, r)| {
            let k = r.rejections;
            format!(
                "{name}: {} circuit open, {} bulkhead full, {} rate limited, {} timed out{}",
                k.circuit_open,
                k.bulkhead_full,
                k.rate_limited,
                k.timed_out,
                if k.other > 0 { format!(", {} other", k.other) } else { String::new() }
            )
        })
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(out, "\nrefused by kind: {}", kinds.join("; "));
    }
    out
}

/// A duration in the table: `12.3 ms` below 10 s, `12.3 s` above, `0` for zero.
fn short(d: Duration) -> String {
    if d.is_zero() {
        "0 ms".into()
    } else if d < Duration::from_millis(1) {
        format!("{:.0} µs", d.as_secs_f64() * 1e6)
    } else if d < Duration::from_secs(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A log-linear histogram of durations in microseconds: exact below 1024 µs, then 512
/// buckets per power of two (each under 0.2 % wide). Grows to the largest value recorded,
/// at most 28 672 counters.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max: Duration,
}

const EXACT: u64 = 1024;
const HALF: u64 = 512;

impl Histogram {
    pub(crate) fn record(&mut self, d: Duration) {
        let i = index(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, 0);
        }
        self.buckets[i] += 1;
        self.count += 1;
        self.max = self.max.max(d);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn max(&self) -> Duration {
        self.max
    }

    pub(crate) fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Duration::from_micros(lowest(i)).min(self.max);
            }
        }
        self.max
    }

    fn cdf(&self) -> Vec<(Duration, f64)> {
        let mut seen = 0;
        let mut out = Vec::new();
        for (i, n) in self.buckets.iter().enumerate() {
            if *n > 0 {
                seen += n;
                out.push((Duration::from_micros(lowest(i)), seen as f64 / self.count as f64));
            }
        }
        out
    }
}

fn index(v: u64) -> usize {
    if v < EXACT {
        v as usize
    } else {
        let shift = 63 - u64::from(v.leading_zeros()) - 9; // keep the top 10 bits
        (EXACT + (shift - 1) * HALF + ((v >> shift) - HALF)) as usize
    }
}

fn lowest(i: usize) -> u64 {
    let i = i as u64;
    if i < EXACT {
        i
    } else {
        let shift = (i - EXACT) / HALF + 1;
        ((i - EXACT) % HALF + HALF) << shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_round_down_by_under_a_fifth_of_a_percent() {
        for v in [0u64, 1, 1023, 1024, 1025, 10_000, 123_456, 9_999_999, u64::MAX / 3, u64::MAX] {
            let low = lowest(index(v));
            assert!(low <= v && (v - low) as f64 <= v as f64 * 0.002, "{v} -> {low}");
            assert_eq!(index(low), index(v));
        }
        assert_eq!(index(u64::MAX), 28_671);
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::default();
        for ms in 1..=1000 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).as_secs_f64();
        assert!((0.499..=0.5).contains(&p50), "{p50}");
        let p99 = h.quantile(0.99).as_secs_f64();
        assert!((0.988..=0.990).contains(&p99), "{p99}");
        assert_eq!(h.max(), Duration::from_millis(1000));
        let top = h.quantile(1.0);
        assert!(top <= h.max() && top.as_secs_f64() >= 0.998, "{top:?}");
    }
}
