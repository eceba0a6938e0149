//! [`LatencyWindow`]: a lock-free latency histogram over the most recent samples, for the
//! adaptive hedge delay and the `p50`/`p95`/`p99` of [`HedgeStats`](super::HedgeStats).

use std::time::Duration;

use crate::sync::{AtomicU32, AtomicU64, Ordering};

/// log2 of the sub-buckets per power of two.
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values at or above `2^MAX_BITS` ns are clamped into the last bucket.
const MAX_BITS: u32 = 40;
const MAX_VALUE: u64 = (1 << MAX_BITS) - 1;
/// Number of buckets per histogram (1152: 4.5 KiB of `AtomicU32`).
pub(crate) const BUCKETS: usize = ((MAX_BITS - SUB_BITS + 1) as usize) << SUB_BITS;

/// The bucket of `nanos`.
#[inline]
fn index(nanos: u64) -> usize {
    let v = nanos.min(MAX_VALUE);
    if v < SUB {
        v as usize
    } else {
        let shift = 63 - v.leading_zeros() - SUB_BITS;
        ((shift as usize) << SUB_BITS) + (v >> shift) as usize
    }
}

/// The value reported for bucket `i`: its midpoint, rounded down.
fn midpoint(i: usize) -> u64 {
    let shift = ((i >> SUB_BITS) as u32).saturating_sub(1);
    let m = if i < SUB as usize { i as u64 } else { (i as u64 & (SUB - 1)) + SUB };
    (m << shift) + ((1u64 << shift) - 1) / 2
}

/// The nearest rank of the `p`-th percentile among `n` samples: `ceil(p·n/100)`, clamped
/// to `1..=n` (and 0 when `n == 0`).
pub fn nearest_rank(p: f64, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    ((p * n as f64 / 100.0).ceil() as u64).clamp(1, n)
}

/// A lock-free histogram of the most recent latencies.
///
/// # How it works
/// A latency is stored as a count in one of 1152 log-linear buckets of nanoseconds
/// (the HdrHistogram layout): values below 64 ns have a bucket each; above, every power of
/// two `[2^e, 2^(e+1))` is split into 32 equal buckets. Recording is one `fetch_add` on the
/// sequence counter and one on the bucket: no lock, no allocation, no clock read (the
/// caller passes the duration in).
///
/// "Recent" is bounded by `buffer_size`: samples are recorded in *generations* of
/// `L = ceil(buffer_size / 2)` samples, each into one of three histograms used in turn. A
/// percentile is read from the current generation plus the previous, complete one, so once
/// `L` samples were recorded the window holds the last `L + (n mod L)` samples: at least
/// `buffer_size / 2` and at most `buffer_size` (exactly the samples
/// `[(g-1)·L, n)` with `g = n / L`, which the tests check). The recorder that starts
/// generation `g` clears the histogram of generation `g-2`, which no reader uses any more
/// and no recorder uses until generation `g+1`: clearing costs 1152 stores once per
/// `L` samples, about 2.3 stores per sample with the default `buffer_size` of 1000.
///
/// # Error bound
/// Percentiles use the nearest-rank definition: the `p`-th percentile of `n` samples is the
/// sample of rank [`nearest_rank`]`(p, n) = ceil(p·n/100)` (clamped to `1..=n`) in sorted
/// order. The window finds the bucket holding that rank and returns the bucket's midpoint,
/// so for the same samples, with `x` the exact percentile:
///
/// - `x < 64 ns`: the result is exact;
/// - `64 ns <= x < 2^40 ns` (about 18.3 minutes): `|result - x| <= x / 64`, a relative
///   error of at most 1.5625 % (a bucket `[m·2^s, (m+1)·2^s)` with `32 <= m < 64` is
///   at most `x / m` wide and the midpoint is within half of that);
/// - `x >= 2^40 ns`: such samples are counted in the last bucket and reported as about
///   18.3 minutes.
///
/// # Orderings
/// Every access is `Relaxed`. The counters publish no other memory, and a percentile is an
/// estimate: a reader racing with recorders may miss samples recorded during its read, and
/// a clear that is still running a whole generation later (only with a tiny `buffer_size`
/// under heavy contention) may drop a few samples. Counts never go wrong by more than the
/// samples in flight.
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::hedge::LatencyWindow;
///
/// let w = LatencyWindow::new(1000);
/// for ms in 1..=100 {
///     w.record(Duration::from_millis(ms));
/// }
/// let p90 = w.percentile(90.0).unwrap();
/// // Within 1/64 of the exact nearest-rank p90, 90 ms.
/// assert!(p90.abs_diff(Duration::from_millis(90)) <= Duration::from_millis(90) / 64);
/// ```
#[derive(Debug)]
pub struct LatencyWindow {
    /// Samples recorded since creation; sample `n` goes to generation `n / generation`.
    recorded: AtomicU64,
    /// Samples per generation, `ceil(buffer_size / 2)`.
    generation: u64,
    /// Three histograms of `BUCKETS` counts; generation `g` uses `hist(g % 3)`.
    counts: Box<[AtomicU32]>,
}

impl LatencyWindow {
    /// A window over at most `buffer_size` recent samples (at least 1).
    pub fn new(buffer_size: u32) -> Self {
        LatencyWindow {
            recorded: AtomicU64::new(0),
            generation: u64::from(buffer_size.max(1)).div_ceil(2),
            counts: (0..3 * BUCKETS).map(|_| AtomicU32::new(0)).collect(),
        }
    }

    fn hist(&self, g: u64) -> &[AtomicU32] {
        let k = (g % 3) as usize;
        &self.counts[k * BUCKETS..(k + 1) * BUCKETS]
    }

    /// Records one latency; returns how many samples were recorded so far, this one included.
    #[inline]
    pub fn record(&self, latency: Duration) -> u64 {
        let n = self.recorded.fetch_add(1, Ordering::Relaxed);
        let g = n / self.generation;
        if n.is_multiple_of(self.generation) && g > 0 {
            self.clear(g + 1);
        }
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.hist(g)[index(nanos)].fetch_add(1, Ordering::Relaxed);
        n + 1
    }

    #[cold]
    fn clear(&self, g: u64) {
        for c in self.hist(g) {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// Samples recorded since creation (not only those in the window).
    #[inline]
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    /// The largest number of samples the window holds (`2 × ceil(buffer_size / 2)`, minus one).
    pub fn capacity(&self) -> u64 {
        2 * self.generation - 1
    }

    /// The `p`-th percentile (`0 < p <= 100`) of the samples in the window, or `None` when
    /// it is empty.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        let [x] = self.percentiles([p]);
        x
    }

    /// Several percentiles from one snapshot of the window.
    pub fn percentiles<const K: usize>(&self, ps: [f64; K]) -> [Option<Duration>; K] {
        let mut snap = [0u64; BUCKETS];
        let n = self.recorded();
        let g = n / self.generation;
        let mut total = 0u64;
        let gens: &[u64] = if g == 0 { &[0] } else { &[g, g - 1] };
        for &gen_ in gens {
            for (s, c) in snap.iter_mut().zip(self.hist(gen_)) {
                let c = u64::from(c.load(Ordering::Relaxed));
                *s += c;
                total += c;
            }
        }
        ps.map(|p| {
            let rank = nearest_rank(p, total);
            if rank == 0 {
                return None;
            }
            let mut seen = 0;
            let i = snap.iter().position(|&c| {
                seen += c;
                seen >= rank
            })?;
            Some(Duration::from_nanos(midpoint(i)))
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_range_contiguously() {
        assert_eq!(BUCKETS, 1152);
        let mut prev = 0;
        for v in (0..5000u64).chain([MAX_VALUE - 1, MAX_VALUE, u64::MAX]) {
            let i = index(v);
            assert!(i < BUCKETS);
            assert!(i >= prev || v > 5000);
            prev = i;
        }
        assert_eq!(index(MAX_VALUE), BUCKETS - 1);
        for v in 0..64 {
            assert_eq!(midpoint(index(v)), v, "exact below 64 ns");
        }
    }

    #[test]
    fn midpoint_error_is_within_one_64th() {
        let mut v = 1u64;
        while v < MAX_VALUE {
            for x in [v, v + 1, v + v / 3, 2 * v - 1] {
                let x = x.min(MAX_VALUE);
                let m = midpoint(index(x));
                assert!(m.abs_diff(x) * 64 <= x, "{x} -> {m}");
            }
            v *= 2;
        }
    }

    #[test]
    fn window_forgets_old_generations() {
        let w = LatencyWindow::new(10); // generations of 5
        for _ in 0..10 {
            w.record(Duration::from_secs(1));
        }
        for _ in 0..10 {
            w.record(Duration::from_millis(1));
        }
        // The window now holds only the last 10 samples (generations 2 and 3).
        let max = w.percentile(100.0).unwrap();
        assert!(max.abs_diff(Duration::from_millis(1)) <= Duration::from_millis(1) / 64, "{max:?}");
        assert_eq!(w.recorded(), 20);
        assert_eq!(LatencyWindow::new(1).percentile(50.0), None);
    }
}
