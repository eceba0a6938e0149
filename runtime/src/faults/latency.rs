//! [`Latency`]: how long the simulated downstream takes to answer, as a distribution.

use std::fmt;
use std::time::Duration;

/// A distribution of the downstream's latency, sampled once per downstream call from the
/// simulation's seeded generator.
///
/// ```
/// # use resile_runtime as resile;
/// use std::time::Duration;
/// use resile::sim::Latency;
///
/// let ms = Duration::from_millis;
/// // Most calls around 20 ms, 1 % between 300 ms and 1.5 s.
/// let latency = Latency::log_normal(ms(20), 0.4).with_tail(0.01, Latency::uniform(ms(300), ms(1500)));
/// // Or a histogram recorded in production: (upper bound, count) per bucket.
/// let recorded = Latency::histogram([(ms(5), 120), (ms(10), 700), (ms(50), 170), (ms(400), 10)]);
/// # let _ = (latency, recorded);
/// ```
#[derive(Clone, PartialEq)]
pub struct Latency(Kind);

#[derive(Clone, PartialEq)]
enum Kind {
    Fixed(Duration),
    Uniform(Duration, Duration),
    /// `mu` and `sigma` of the logarithm of the latency in seconds.
    LogNormal {
        median: Duration,
        mu: f64,
        sigma: f64,
    },
    /// Cumulative weights (ending at 1.0) and their parts.
    Mixture(Vec<(f64, Latency)>),
    /// Cumulative fractions (ending at 1.0) and each bucket's bounds, in nanoseconds.
    Histogram(Vec<(f64, u64, u64)>),
}

impl Latency {
    /// Always `latency`.
    pub const fn fixed(latency: Duration) -> Self {
        Latency(Kind::Fixed(latency))
    }

    /// Uniform between `low` and `high`.
    ///
    /// # Panics
    /// If `low > high`.
    pub fn uniform(low: Duration, high: Duration) -> Self {
        assert!(low <= high, "`Latency::uniform`: `low` ({low:?}) is above `high` ({high:?})");
        Latency(Kind::Uniform(low, high))
    }

    /// Log-normal: half the calls are faster than `median`; `sigma` (the standard deviation
    /// of the latency's natural logarithm) sets the spread: 0.25 is tight (p99 ≈ 1.8 ×
    /// median), 0.5 usual (p99 ≈ 3.2 × median), 1.0 a wide spread (p99 ≈ 10 × median).
    ///
    /// # Panics
    /// If `median` is zero or `sigma` is negative or not finite.
    pub fn log_normal(median: Duration, sigma: f64) -> Self {
        assert!(!median.is_zero(), "`Latency::log_normal`: `median` must be above zero");
        assert!(
            sigma.is_finite() && sigma >= 0.0,
            "`Latency::log_normal`: `sigma` must be finite and ≥ 0, found {sigma}"
        );
        Latency(Kind::LogNormal { median, mu: median.as_secs_f64().ln(), sigma })
    }

    /// A mixture: each call draws one of `parts` with probability proportional to its
    /// weight, then samples it.
    ///
    /// # Panics
    /// If `parts` is empty, or a weight is negative or not finite, or they sum to zero.
    pub fn mixture(parts: impl IntoIterator<Item = (f64, Latency)>) -> Self {
        let parts: Vec<(f64, Latency)> = parts.into_iter().collect();
        assert!(!parts.is_empty(), "`Latency::mixture`: no parts");
        assert!(
            parts.iter().all(|(w, _)| w.is_finite() && *w >= 0.0),
            "`Latency::mixture`: every weight must be finite and ≥ 0"
        );
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        assert!(total > 0.0, "`Latency::mixture`: the weights sum to zero");
        let mut cumulative = 0.0;
        let mut out = Vec::with_capacity(parts.len());
        for (w, part) in parts {
            cumulative += w / total;
            out.push((cumulative, part));
        }
        if let Some(last) = out.last_mut() {
            last.0 = 1.0;
        }
        Latency(Kind::Mixture(out))
    }

    /// This distribution, except that a fraction `p` of calls (`0.0..=1.0`) samples `tail`
    /// instead: `mixture([(1 - p, self), (p, tail)])`.
    ///
    /// # Panics
    /// If `p` is outside `0.0..=1.0`.
    pub fn with_tail(self, p: f64, tail: Latency) -> Self {
        assert!((0.0..=1.0).contains(&p), "`Latency::with_tail`: `p` must be in 0.0..=1.0, found {p}");
        Latency::mixture([(1.0 - p, self), (p, tail)])
    }

    /// A latency histogram recorded from production: `(upper bound, count)` per bucket, in
    /// increasing order of bound; the first bucket starts at zero and each next one at the
    /// previous bound. A call draws a bucket with probability proportional to its count,
    /// then a uniform latency within it.
    ///
    /// # Panics
    /// If there is no bucket, the bounds do not increase, or every count is zero.
    pub fn histogram(buckets: impl IntoIterator<Item = (Duration, u64)>) -> Self {
        let buckets: Vec<(Duration, u64)> = buckets.into_iter().collect();
        assert!(!buckets.is_empty(), "`Latency::histogram`: no buckets");
        assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0), "`Latency::histogram`: the bucket bounds must increase");
        let total: u64 = buckets.iter().map(|b| b.1).sum();
        assert!(total > 0, "`Latency::histogram`: every count is zero");
        let mut low = 0u64;
        let mut seen = 0u64;
        let mut out = Vec::with_capacity(buckets.len());
        for (bound, count) in buckets {
            let high = nanos(bound);
            seen += count;
            out.push((seen as f64 / total as f64, low, high));
            low = high;
        }
        Latency(Kind::Histogram(out))
    }

    /// One sample. Draws one or more numbers from `rng`, always the same count for the same
    /// distribution and the same earlier draws.
    pub(crate) fn sample(&self, rng: &mut fastrand::Rng) -> Duration {
        match &self.0 {
            Kind::Fixed(d) => *d,
            Kind::Uniform(low, high) => between(nanos(*low), nanos(*high), rng.f64()),
            Kind::LogNormal { mu, sigma, .. } => {
                let secs = (mu + sigma * standard_normal(rng)).exp();
                Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
            }
            Kind::Mixture(parts) => {
                let u = rng.f64();
                let part = parts.iter().find(|(c, _)| u < *c).unwrap_or(&parts[parts.len() - 1]);
                part.1.sample(rng)
            }
            Kind::Histogram(buckets) => {
                let u = rng.f64();
                let b = buckets.iter().find(|(c, _, _)| u < *c).unwrap_or(&buckets[buckets.len() - 1]);
                between(b.1, b.2, rng.f64())
            }
        }
    }
}

impl fmt::Debug for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Fixed(d) => write!(f, "fixed({d:?})"),
            Kind::Uniform(low, high) => write!(f, "uniform({low:?}..{high:?})"),
            Kind::LogNormal { median, sigma, .. } => write!(f, "log_normal(median {median:?}, sigma {sigma})"),
            Kind::Mixture(parts) => {
                f.write_str("mixture(")?;
                let mut previous = 0.0;
                for (i, (c, part)) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{:.4} × {part:?}", c - previous)?;
                    previous = *c;
                }
                f.write_str(")")
            }
            Kind::Histogram(buckets) => write!(f, "histogram({} buckets)", buckets.len()),
        }
    }
}

/// A standard normal draw (Box-Muller, one of the pair): two uniform draws.
fn standard_normal(rng: &mut fastrand::Rng) -> f64 {
    let u1 = 1.0 - rng.f64(); // in (0, 1]: ln is finite
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn between(low: u64, high: u64, u: f64) -> Duration {
    Duration::from_nanos(low + ((high - low) as f64 * u) as u64)
}

pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn log_normal_median_is_the_median() {
        let mut rng = fastrand::Rng::with_seed(1);
        let l = Latency::log_normal(ms(20), 0.5);
        let mut v: Vec<Duration> = (0..20_001).map(|_| l.sample(&mut rng)).collect();
        v.sort();
        let median = v[10_000].as_secs_f64() * 1000.0;
        assert!((19.0..21.0).contains(&median), "{median}");
    }

    #[test]
    fn tail_and_histogram_fractions() {
        let mut rng = fastrand::Rng::with_seed(2);
        let l = Latency::fixed(ms(10)).with_tail(0.1, Latency::fixed(ms(500)));
        let tail = (0..20_000).filter(|_| l.sample(&mut rng) == ms(500)).count();
        assert!((1800..2200).contains(&tail), "{tail}");
        let h = Latency::histogram([(ms(10), 3), (ms(20), 1)]);
        let low = (0..20_000).filter(|_| h.sample(&mut rng) < ms(10)).count();
        assert!((14_600..15_400).contains(&low), "{low}");
        assert!((0..1000).all(|_| h.sample(&mut rng) < ms(20)));
    }
}
