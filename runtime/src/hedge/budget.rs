//! [`HedgeBudget`]: the token bucket that bounds how many extra attempts hedging may add.

use super::config::HedgeConfig;
use crate::sync::{AtomicI64, Ordering};

/// Fixed-point scale: one token is a million units.
const SCALE: f64 = 1_000_000.0;

fn units(tokens: f64) -> i64 {
    (tokens * SCALE).round() as i64
}

/// A hedge budget: a lock-free token bucket.
///
/// # How it works
/// The bucket starts full at `token_max`. Every successful call credits
/// `token_success_credit`, up to `token_max`. An extra attempt is allowed only while the
/// bucket holds at least `token_threshold` tokens, and then costs `token_hedge_cost`. So
/// over any run of `c` successful calls the budget allows at most
/// `(token_max - token_threshold + token_hedge_cost + c × token_success_credit) / token_hedge_cost`
/// extra attempts: with the defaults (10, 0.1, 1, 1) that is `10 + c / 10`, a steady hedge
/// rate of at most `credit / cost` = 10 % of calls. When a backend fails outright nothing is
/// credited and hedging stops after the first `token_max` hedges.
///
/// Tokens are kept as a fixed-point count of millionths in one `AtomicI64`, so adding and
/// spending fractions is exact and lock-free.
///
/// # Performance
/// A credit when the bucket is already full (the steady state of a healthy service) is one
/// `Relaxed` load; otherwise it and every hedge are one compare-and-swap loop.
///
/// # Orderings
/// `Relaxed` throughout: the bucket is a single self-contained counter that publishes no
/// other memory, and the read-modify-write operations keep it exact.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::hedge::{HedgeBudget, HedgeConfig};
///
/// let b = HedgeBudget::new(&HedgeConfig::new().token_max(2.0));
/// assert!(b.try_acquire());
/// assert!(b.try_acquire());
/// assert!(!b.try_acquire()); // 0 tokens < threshold 1.0
/// for _ in 0..10 {
///     b.credit(); // ten successes earn one hedge
/// }
/// assert!(b.try_acquire());
/// ```
#[derive(Debug)]
pub struct HedgeBudget {
    tokens: AtomicI64,
    max: i64,
    credit: i64,
    cost: i64,
    threshold: i64,
}

impl HedgeBudget {
    /// A full bucket with the `token_*` settings of `config`.
    pub fn new(config: &HedgeConfig) -> Self {
        let max = units(config.token_max);
        HedgeBudget {
            tokens: AtomicI64::new(max),
            max,
            credit: units(config.token_success_credit),
            cost: units(config.token_hedge_cost),
            threshold: units(config.token_threshold),
        }
    }

    /// Takes one hedge's cost if the bucket holds at least the threshold; `false` otherwise.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        self.tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| (t >= self.threshold).then(|| t - self.cost))
            .is_ok()
    }

    /// Credits one successful call, up to the capacity.
    #[inline]
    pub fn credit(&self) {
        if self.tokens.load(Ordering::Relaxed) >= self.max {
            return;
        }
        let _ = self.tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
            (t < self.max).then(|| t.saturating_add(self.credit).min(self.max))
        });
    }

    /// Tokens in the bucket now.
    pub fn tokens(&self) -> f64 {
        self.tokens.load(Ordering::Relaxed) as f64 / SCALE
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn bound_holds_for_any_interleaving_of_successes_and_hedges() {
        let cfg = HedgeConfig::new();
        let b = HedgeBudget::new(&cfg);
        let mut hedges = 0u32;
        for call in 1..=1000u32 {
            // Ask for a hedge on every call: only the budget says no.
            if b.try_acquire() {
                hedges += 1;
            }
            b.credit();
            assert!(f64::from(hedges) <= 10.0 + f64::from(call) * 0.1 + 1e-9);
        }
        assert_eq!(hedges, 10 + 1000 / 10 - 1); // the last credit is not spent yet
        assert!((0.0..=cfg.token_max).contains(&b.tokens()), "{}", b.tokens());
    }

    #[test]
    fn concurrent_acquires_never_overdraw() {
        let b = HedgeBudget::new(&HedgeConfig::new().token_max(100.0));
        let won: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| (0..1000).filter(|_| b.try_acquire()).count())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(won, 100);
        assert_eq!(b.tokens(), 0.0);
    }

    #[test]
    fn threshold_below_cost_dips_below_zero_once() {
        let b = HedgeBudget::new(&HedgeConfig::new().token_max(1.5).token_threshold(0.0));
        assert!(b.try_acquire()); // 1.5 -> 0.5
        assert!(b.try_acquire()); // 0.5 -> -0.5
        assert!(!b.try_acquire());
        assert!((b.tokens() + 0.5).abs() < 1e-9);
    }
}
