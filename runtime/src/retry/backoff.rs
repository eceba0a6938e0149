//! Delay computation (the nominal delay is `RetryConfig::nominal_delay`, with the
//! configuration; jitter is applied here): pure functions of the configuration, the retry number, the previous
//! sleep and a source of uniform randomness, so tests and proptest drive them directly.
//! Free of tokio and of clock reads.

use std::time::Duration;

use super::config::{Jitter, RetryConfig};

/// The sleep before retry `n`: the nominal delay with jitter applied, never above
/// `max_delay`. `uniform` returns a value in `[0, 1)`.
pub(crate) fn sleep(cfg: &RetryConfig, n: u32, previous: Duration, uniform: &mut impl FnMut() -> f64) -> Duration {
    let d = cfg.nominal_delay(n);
    let jittered = match cfg.jitter {
        Jitter::None => d,
        Jitter::Full => d.mul_f64(uniform()),
        Jitter::Equal => d / 2 + (d - d / 2).mul_f64(uniform()),
        Jitter::Decorrelated => {
            let low = cfg.base_delay;
            let high = previous.max(cfg.base_delay).saturating_mul(3);
            low + (high - low).mul_f64(uniform())
        }
        Jitter::Proportional(p) => mul_f64_saturating(d, 1.0 - p + 2.0 * p * uniform()),
    };
    jittered.min(cfg.max_delay)
}

fn mul_f64_saturating(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::Backoff;
    use proptest::prelude::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn cfg(backoff: Backoff) -> RetryConfig {
        RetryConfig::new().backoff(backoff).jitter(Jitter::None).max(10)
    }

    #[test]
    fn shapes() {
        let seq = |c: RetryConfig| (1..=5).map(|n| c.nominal_delay(n).as_millis()).collect::<Vec<_>>();
        assert_eq!(seq(cfg(Backoff::Exponential)), [100, 200, 400, 800, 1600]);
        assert_eq!(seq(cfg(Backoff::Linear)), [100, 200, 300, 400, 500]);
        assert_eq!(seq(cfg(Backoff::Linear).increment(ms(50))), [100, 150, 200, 250, 300]);
        assert_eq!(seq(cfg(Backoff::Constant)), [100; 5]);
        assert_eq!(seq(cfg(Backoff::Fibonacci)), [100, 100, 200, 300, 500]);
        assert_eq!(seq(cfg(Backoff::Exponential).multiplier(3.0)), [100, 300, 900, 2700, 5000]);
        static LIST: [Duration; 3] = [ms(10), ms(20), ms(40)];
        let list = RetryConfig::new().backoff(Backoff::List(&LIST));
        assert_eq!(list.max, 4);
        assert_eq!((1..=3).map(|n| list.nominal_delay(n)).collect::<Vec<_>>(), LIST);
    }

    #[test]
    fn cap_applies_to_every_shape() {
        let c = cfg(Backoff::Exponential).max_delay(ms(300));
        assert_eq!(c.nominal_delay(30), ms(300));
        assert_eq!(c.nominal_delay(u32::MAX), ms(300));
        assert_eq!(cfg(Backoff::Fibonacci).max_delay(ms(1000)).nominal_delay(40), ms(1000));
    }

    #[test]
    fn jitter_extremes() {
        let at = |j: Jitter, u: f64| sleep(&cfg(Backoff::Constant).jitter(j), 1, ms(100), &mut || u);
        assert_eq!(at(Jitter::Full, 0.0), ms(0));
        assert_eq!(at(Jitter::Full, 0.5), ms(50));
        assert_eq!(at(Jitter::Equal, 0.0), ms(50));
        assert_eq!(at(Jitter::Proportional(0.25), 0.0), ms(75));
        assert_eq!(at(Jitter::Proportional(0.25), 1.0), ms(125));
        assert_eq!(at(Jitter::Decorrelated, 0.0), ms(100));
        assert_eq!(at(Jitter::Decorrelated, 1.0), ms(300));
    }

    proptest! {
        #[test]
        fn jitter_stays_in_bounds(n in 1u32..40, u in 0.0f64..1.0, prev_ms in 0u64..20_000, p in 0.0f64..=1.0) {
            let base = cfg(Backoff::Exponential);
            let d = base.nominal_delay(n);
            let prev = ms(prev_ms);
            let full = sleep(&base.jitter(Jitter::Full), n, prev, &mut || u);
            prop_assert!(full <= d);
            let equal = sleep(&base.jitter(Jitter::Equal), n, prev, &mut || u);
            prop_assert!(equal >= d / 2 && equal <= d);
            let prop = sleep(&base.jitter(Jitter::Proportional(p)), n, prev, &mut || u);
            prop_assert!(prop >= d.mul_f64(1.0 - p).saturating_sub(Duration::from_nanos(1)));
            prop_assert!(prop <= d.mul_f64(1.0 + p).min(base.max_delay));
            let dec = sleep(&base.jitter(Jitter::Decorrelated), n, prev, &mut || u);
            prop_assert!(dec >= base.base_delay && dec <= base.max_delay);
            prop_assert!(dec <= prev.max(base.base_delay) * 3);
        }
    }
}
