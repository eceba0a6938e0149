//! Delay computation: pure functions of the configuration, the retry number, the previous
//! sleep and a source of uniform randomness, so tests and proptest drive them directly.

use std::time::Duration;

use super::config::{Backoff, Jitter, RetryConfig};

/// The delay before retry `n` (from 1), before jitter, capped at `max_delay`.
pub(crate) fn nominal(cfg: &RetryConfig, n: u32) -> Duration {
    let n = n.max(1);
    let raw = match cfg.backoff {
        Backoff::Exponential => {
            let factor = cfg.multiplier.powi(n.saturating_sub(1).min(i32::MAX as u32) as i32);
            mul_f64_saturating(cfg.base_delay, factor)
        }
        Backoff::Linear => {
            let step = cfg.increment.unwrap_or(cfg.base_delay);
            cfg.base_delay.saturating_add(step.saturating_mul(n - 1))
        }
        Backoff::Constant => cfg.base_delay,
        Backoff::Fibonacci => cfg.base_delay.saturating_mul(fibonacci(n)),
        Backoff::List(list) => list.get(n as usize - 1).or(list.last()).copied().unwrap_or_default(),
    };
    raw.min(cfg.max_delay)
}

/// The sleep before retry `n`: the nominal delay with jitter applied, never above
/// `max_delay`. `uniform` returns a value in `[0, 1)`.
pub(crate) fn sleep(cfg: &RetryConfig, n: u32, previous: Duration, uniform: &mut impl FnMut() -> f64) -> Duration {
    let d = nominal(cfg, n);
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

fn fibonacci(n: u32) -> u32 {
    let (mut a, mut b) = (1u32, 1u32);
    for _ in 2..n {
        (a, b) = (b, a.saturating_add(b));
    }
    if n <= 1 { a } else { b }
}

fn mul_f64_saturating(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn cfg(backoff: Backoff) -> RetryConfig {
        RetryConfig::new().backoff(backoff).jitter(Jitter::None).max(10)
    }

    #[test]
    fn shapes() {
        let seq = |c: RetryConfig| (1..=5).map(|n| nominal(&c, n).as_millis()).collect::<Vec<_>>();
        assert_eq!(seq(cfg(Backoff::Exponential)), [100, 200, 400, 800, 1600]);
        assert_eq!(seq(cfg(Backoff::Linear)), [100, 200, 300, 400, 500]);
        assert_eq!(seq(cfg(Backoff::Linear).increment(ms(50))), [100, 150, 200, 250, 300]);
        assert_eq!(seq(cfg(Backoff::Constant)), [100; 5]);
        assert_eq!(seq(cfg(Backoff::Fibonacci)), [100, 100, 200, 300, 500]);
        assert_eq!(seq(cfg(Backoff::Exponential).multiplier(3.0)), [100, 300, 900, 2700, 5000]);
        static LIST: [Duration; 3] = [ms(10), ms(20), ms(40)];
        let list = RetryConfig::new().backoff(Backoff::List(&LIST));
        assert_eq!(list.max, 4);
        assert_eq!((1..=3).map(|n| nominal(&list, n)).collect::<Vec<_>>(), LIST);
    }

    #[test]
    fn cap_applies_to_every_shape() {
        let c = cfg(Backoff::Exponential).max_delay(ms(300));
        assert_eq!(nominal(&c, 30), ms(300));
        assert_eq!(nominal(&c, u32::MAX), ms(300));
        assert_eq!(nominal(&cfg(Backoff::Fibonacci).max_delay(ms(1000)), 40), ms(1000));
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
            let d = nominal(&base, n);
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
