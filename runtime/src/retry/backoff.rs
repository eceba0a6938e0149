//! Delay computation (the nominal delay is `RetryConfig::nominal_delay`, with the
//! configuration; jitter is applied here): pure functions of the configuration, the retry number, the previous
//! sleep and a source of uniform randomness, so tests and proptest drive them directly.
//! Free of tokio and of clock reads.

use std::time::Duration;

use resile_config::duration::{from_nanos, mul_fraction};

use super::config::{Jitter, RetryConfig};

/// The sleep before retry `n`: the nominal delay `d` ([`RetryConfig::nominal_delay`], exact
/// and already capped) with jitter applied, in whole nanoseconds, then capped at
/// `max_delay`. `uniform` returns `u` in `[0, 1)` (1 is taken as 1, below 0 or NaN as 0),
/// and `x·y` below means `floor(x × y)`, exact (see [`mul_fraction`]):
///
/// - none: `d`;
/// - full: `d·u`, within `[0, d]`;
/// - equal: `d/2 + (d - d/2)·u` (`d/2` rounded down), within `[d/2, d]`;
/// - decorrelated: `b + (h - b)·u` with `b` = `base_delay` and
///   `h = 3 × max(previous, b)`, within `[b, h]`;
/// - proportional `p`: `d - s + (2s)·u` with `s = d·p`, within `[d - s, d + s]`, a part of
///   `[d × (1 - p), d × (1 + p)]`.
///
/// Computed in `u128` nanoseconds, so nothing overflows or panics before the cap, even at
/// `Duration::MAX`. Cost: the nominal delay, one call of `uniform` (none for no jitter) and
/// at most two exact multiplications.
pub(crate) fn sleep(cfg: &RetryConfig, n: u32, previous: Duration, uniform: &mut impl FnMut() -> f64) -> Duration {
    let d = cfg.nominal_delay(n).as_nanos();
    let jittered = match cfg.jitter {
        Jitter::None => d,
        Jitter::Full => mul_fraction(d, uniform()),
        Jitter::Equal => d / 2 + mul_fraction(d - d / 2, uniform()),
        Jitter::Decorrelated => {
            let low = cfg.base_delay.as_nanos();
            // Below 3 × 2^94: no overflow.
            let high = 3 * previous.as_nanos().max(low);
            low + mul_fraction(high - low, uniform())
        }
        Jitter::Proportional(p) => {
            let spread = mul_fraction(d, p);
            d - spread + mul_fraction(2 * spread, uniform())
        }
    };
    from_nanos(jittered.min(cfg.max_delay.as_nanos()))
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

/// The delays at extreme inputs, against a plain reference written with `u128` and a
/// bit-by-bit big-integer product: exact values, never a tolerance.
#[cfg(test)]
mod extremes {
    use super::*;
    use crate::retry::Backoff;
    use proptest::prelude::*;

    const MAX_NS: u128 = Duration::MAX.as_nanos();

    fn ns(n: u128) -> Duration {
        Duration::new((n / 1_000_000_000) as u64, (n % 1_000_000_000) as u32)
    }

    fn exp(base: Duration, multiplier: f64, max_delay: Duration) -> RetryConfig {
        RetryConfig::new()
            .max(u32::MAX)
            .base_delay(base)
            .multiplier(multiplier)
            .max_delay(max_delay)
            .jitter(Jitter::None)
    }

    /// The reference: each formula as written in the docs, with nothing clever in it.
    mod reference {
        use super::*;

        /// `a × b` as eight 32-bit digits, least significant first: schoolbook.
        fn digits(a: u128, b: u128) -> [u64; 8] {
            let digit = |x: u128, i: usize| (x >> (32 * i)) as u32 as u64;
            let mut out = [0u64; 8];
            for i in 0..4 {
                let mut carry = 0;
                for j in 0..4 {
                    let t = out[i + j] + digit(a, i) * digit(b, j) + carry;
                    out[i + j] = t & 0xffff_ffff;
                    carry = t >> 32;
                }
                out[i + 4] += carry;
            }
            out
        }

        /// `floor(a × s × 2^e)`, capped at `c`: the digits of the product as bits, shifted.
        pub(super) fn product(a: u128, s: u128, e: i64, c: u128) -> u128 {
            let bits: Vec<bool> = digits(a, s).iter().flat_map(|d| (0..32).map(move |i| d >> i & 1 == 1)).collect();
            let shifted: Vec<bool> = if e >= 0 {
                if e > 256 {
                    return if bits.contains(&true) { c } else { 0 };
                }
                std::iter::repeat_n(false, e as usize).chain(bits).collect()
            } else {
                bits.into_iter().skip(e.unsigned_abs() as usize).collect()
            };
            if shifted.iter().skip(128).any(|&bit| bit) {
                return c;
            }
            let value = shifted.iter().enumerate().filter(|(_, bit)| **bit).map(|(i, _)| 1u128 << i).sum::<u128>();
            value.min(c)
        }

        /// `floor(d × u)` for `0 <= u <= 1`: `u` doubled until whole (each doubling exact).
        pub(super) fn fraction(d: u128, u: f64) -> u128 {
            let (mut whole, mut e) = (u, 0i64);
            while whole.fract() != 0.0 {
                whole *= 2.0;
                e -= 1;
            }
            product(d, whole as u128, e, u128::MAX)
        }

        /// A 128-bit significand and an exponent: `P(k)` of the docs, rounded down.
        type Wide = (u128, i64);

        fn mul_down(a: Wide, b: Wide) -> Wide {
            let d = digits(a.0, b.0);
            let word = |from: usize| (0..4).map(|i| u128::from(d[from + i] as u32) << (32 * i)).sum::<u128>();
            let (high, low) = (word(4), word(0));
            let drop = 128 - i64::from(high.leading_zeros());
            let significand = if drop == 128 { high } else { high << (128 - drop) | low >> drop };
            (significand, a.1 + b.1 + drop)
        }

        /// `P(k)`: `P(0) = 1`, `P(k) = P(k / 2)² × (m if k is odd)`, each product rounded
        /// down to 64 bits; no early exit (the exponent is an `i64`).
        fn power(m: Wide, k: u32) -> Wide {
            if k == 0 {
                return (1 << 127, -127);
            }
            let half = power(m, k / 2);
            let square = mul_down(half, half);
            if k % 2 == 1 { mul_down(square, m) } else { square }
        }

        pub(super) fn nominal(cfg: &RetryConfig, n: u32) -> u128 {
            let k = n.max(1) - 1;
            let b = cfg.base_delay.as_nanos();
            let c = cfg.max_delay.as_nanos();
            let m = cfg.multiplier;
            let formula = match cfg.backoff {
                Backoff::Exponential if b == 0 || k == 0 || m == 1.0 => b,
                // m > 2^100 > c: past the cap at the first multiplication.
                Backoff::Exponential if m > 2f64.powi(100) => c,
                Backoff::Exponential if m.fract() == 0.0 => {
                    // One factor at a time: m >= 2, so at most 95 steps before passing c.
                    let mut d = b;
                    for _ in 0..k {
                        d = d.saturating_mul(m as u128);
                        if d >= c {
                            break;
                        }
                    }
                    d
                }
                Backoff::Exponential => {
                    let (mut whole, mut e) = (m, 0i64);
                    while whole.fract() != 0.0 {
                        whole *= 2.0;
                        e -= 1;
                    }
                    let zeros = (whole as u128).leading_zeros();
                    let (s, e) = power(((whole as u128) << zeros, e - i64::from(zeros)), k);
                    product(b, s, e, c)
                }
                Backoff::Linear => {
                    b.saturating_add(cfg.increment.unwrap_or(cfg.base_delay).as_nanos().saturating_mul(k as u128))
                }
                Backoff::Constant => b,
                Backoff::Fibonacci => {
                    // fib(186) > u128::MAX: saturated by n = 200.
                    let (mut a, mut f) = (1u128, 1u128);
                    for _ in 2..n.clamp(2, 200) {
                        (a, f) = (f, a.saturating_add(f));
                    }
                    b.saturating_mul(f)
                }
                Backoff::List(list) => list[(k as usize).min(list.len() - 1)].as_nanos(),
            };
            formula.min(c)
        }

        /// The sleep of each jitter, from the reference nominal delay, capped.
        pub(super) fn sleep(cfg: &RetryConfig, n: u32, previous: Duration, u: f64) -> u128 {
            let d = nominal(cfg, n);
            let b = cfg.base_delay.as_nanos();
            let jittered = match cfg.jitter {
                Jitter::None => d,
                Jitter::Full => fraction(d, u),
                Jitter::Equal => d / 2 + fraction(d - d / 2, u),
                Jitter::Decorrelated => b + fraction(3 * previous.as_nanos().max(b) - b, u),
                Jitter::Proportional(p) => d - fraction(d, p) + fraction(2 * fraction(d, p), u),
            };
            jittered.min(cfg.max_delay.as_nanos())
        }
    }

    /// Nanoseconds biased to the boundaries: 0, 1, small, around 2^53 and 2^64, any, and
    /// `Duration::MAX`.
    fn nanos() -> impl Strategy<Value = u128> {
        prop_oneof![
            Just(0u128),
            Just(1u128),
            Just(MAX_NS),
            1u128..10_000,
            (1u128 << 53) - 2..(1u128 << 53) + 2,
            any::<u64>().prop_map(u128::from),
            MAX_NS - 10..=MAX_NS,
            0..=MAX_NS,
        ]
    }

    /// Multipliers from 1 to `f64::MAX`: whole, fractional, just above 1, and any bit
    /// pattern in between (so every exponent is as likely).
    fn multiplier() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(1.0),
            Just(2.0),
            Just(3.0),
            Just(1.5),
            Just(1e300),
            Just(f64::MAX),
            Just(f64::INFINITY),
            (1u32..=1000).prop_map(f64::from),
            (1u64..=1000).prop_map(|i| 1.0 + i as f64 * f64::EPSILON),
            1.0f64..4.0,
            1.0f64..1e6,
            (1.0f64.to_bits()..=f64::MAX.to_bits()).prop_map(f64::from_bits),
        ]
    }

    /// Retry numbers from 0 (taken as 1) to `u32::MAX`, biased to the boundaries.
    fn retry() -> impl Strategy<Value = u32> {
        prop_oneof![
            0u32..=200,
            1020u32..1030,
            Just(u32::MAX),
            u32::MAX - 3..=u32::MAX,
            any::<u32>(),
            (0u32..32).prop_map(|bit| 1 << bit),
        ]
    }

    fn jitter() -> impl Strategy<Value = Jitter> {
        prop_oneof![
            Just(Jitter::None),
            Just(Jitter::Full),
            Just(Jitter::Equal),
            Just(Jitter::Decorrelated),
            Just(Jitter::Proportional(0.0)),
            Just(Jitter::Proportional(1.0)),
            (0.0f64..=1.0).prop_map(Jitter::Proportional),
        ]
    }

    fn backoff() -> impl Strategy<Value = Backoff> {
        prop_oneof![
            Just(Backoff::Exponential),
            Just(Backoff::Linear),
            Just(Backoff::Constant),
            Just(Backoff::Fibonacci),
            prop::collection::vec(nanos(), 1..5)
                .prop_map(|list| Backoff::List(list.into_iter().map(ns).collect::<Vec<_>>().leak())),
        ]
    }

    /// A `uniform()` value in `[0, 1)`, biased to its ends.
    fn uniform() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), Just(0.5), Just(1.0 - f64::EPSILON / 2.0), Just(1e-300), 0.0f64..1.0]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn every_delay_is_the_formula_capped_and_every_jitter_stays_in_its_interval(
            backoff in backoff(),
            jitter in jitter(),
            base in nanos(),
            max_delay in nanos(),
            multiplier in multiplier(),
            increment in prop::option::of(nanos()),
            n in retry(),
            previous in nanos(),
            u in uniform(),
        ) {
            let mut cfg = RetryConfig::new()
                .backoff(backoff)
                .jitter(jitter)
                .base_delay(ns(base))
                .max_delay(ns(max_delay))
                .multiplier(multiplier);
            cfg.increment = increment.map(ns);
            let c = max_delay;

            let d = cfg.nominal_delay(n).as_nanos();
            prop_assert_eq!(d, reference::nominal(&cfg, n));
            if !matches!(backoff, Backoff::List(_)) && n < u32::MAX {
                prop_assert!(d <= cfg.nominal_delay(n + 1).as_nanos(), "a later delay is shorter");
            }
            if matches!(backoff, Backoff::Exponential) && multiplier.fract() != 0.0 && d < c && base > 0 {
                // The definition stays close to the real b × m^k (within f64's error here).
                let real = base as f64 * multiplier.powf(f64::from(n.max(1) - 1));
                prop_assert!((d as f64 - real).abs() <= real * 2f64.powi(-45) + 2.0, "{} vs {}", d, real);
            }

            let prev = ns(previous);
            let slept = sleep(&cfg, n, prev, &mut || u).as_nanos();
            prop_assert_eq!(slept, reference::sleep(&cfg, n, prev, u));
            let (low, high) = match jitter {
                Jitter::None => (d, d),
                Jitter::Full => (0, d),
                Jitter::Equal => (d / 2, d),
                Jitter::Decorrelated => (base, 3 * previous.max(base)),
                Jitter::Proportional(p) => {
                    let spread = reference::fraction(d, p);
                    prop_assert!(spread as f64 <= d as f64 * p * (1.0 + 1e-15));
                    (d - spread, d + spread)
                }
            };
            prop_assert!(slept >= low.min(c) && slept <= high.min(c), "{} outside [{}, {}]", slept, low, high);
        }
    }

    #[test]
    fn the_issue_example_a_zero_base_with_multiplier_1e300_never_sleeps() {
        // #[retry(max = 4, backoff = "exp", base_delay = "0ms", multiplier = 1e300, jitter = "none")]
        let cfg = exp(Duration::ZERO, 1e300, Duration::from_secs(5)).max(4);
        let total: Duration = (1..4).map(|n| sleep(&cfg, n, Duration::ZERO, &mut || 0.5)).sum();
        assert_eq!(total, Duration::ZERO);
        for n in [1, 2, 3, 4, 1025, u32::MAX] {
            for jitter in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated, Jitter::Proportional(1.0)] {
                assert_eq!(
                    sleep(&cfg.jitter(jitter), n, Duration::ZERO, &mut || 0.999),
                    Duration::ZERO,
                    "{n} {jitter:?}"
                );
            }
        }
        assert_eq!(exp(Duration::ZERO, f64::MAX, Duration::MAX).nominal_delay(u32::MAX), Duration::ZERO);
    }

    #[test]
    fn the_default_multiplier_reaches_exactly_the_cap_past_retry_1024() {
        let default = RetryConfig::new().jitter(Jitter::None);
        for n in [1024, 1025, 1100, u32::MAX] {
            assert_eq!(default.nominal_delay(n), Duration::from_secs(5), "{n}");
        }
        assert_eq!(default.nominal_delay(6), Duration::from_millis(3200));
        assert_eq!(default.nominal_delay(7), Duration::from_secs(5));
        // From 1 ns to Duration::MAX: 2^93 ns exactly, then the cap.
        let wide = exp(Duration::from_nanos(1), 2.0, Duration::MAX);
        assert_eq!(wide.nominal_delay(94).as_nanos(), 1 << 93);
        for n in [95, 1024, 1025, 1100, u32::MAX] {
            assert_eq!(wide.nominal_delay(n), Duration::MAX, "{n}");
        }
        // 3^59 ns needs 94 bits: exact, where f64 would round it.
        let three = exp(Duration::from_nanos(1), 3.0, Duration::MAX);
        assert_eq!(three.nominal_delay(60).as_nanos(), 3u128.pow(59));
        assert_eq!(three.nominal_delay(61), Duration::MAX);
    }

    #[test]
    fn a_fractional_multiplier_follows_its_definition_and_reaches_the_cap() {
        // 1.5^k exactly while it fits 64 bits: 100 ns × 1.5^10 = 5766.50390625 ns.
        let cfg = exp(Duration::from_nanos(100), 1.5, Duration::MAX);
        assert_eq!(cfg.nominal_delay(11), Duration::from_nanos(5766));
        assert_eq!(cfg.nominal_delay(u32::MAX), Duration::MAX);
        // Just above 1: 2^60 ns × (1 + 2^-52)^(2^32 - 2) = 2^60 ns + 1099512151552.166… ns,
        // and 9007199254740990 ns × (1 + 2^-50)^(2^32 - 2) = 9007233614544878.083… ns, to
        // within the 2 ns the definition allows (f64 arithmetic is off by 508 and 16 ns).
        let slow = exp(ns(1 << 60), 1.0 + f64::EPSILON, Duration::MAX);
        let grown = slow.nominal_delay(u32::MAX).as_nanos() - (1 << 60);
        assert!((1_099_512_151_550..=1_099_512_151_552).contains(&grown), "{grown}");
        let slow = exp(ns(9_007_199_254_740_990), 1.0 + 4.0 * f64::EPSILON, Duration::MAX);
        let d = slow.nominal_delay(u32::MAX).as_nanos();
        assert!((9_007_233_614_544_876..=9_007_233_614_544_878).contains(&d), "{d}");
    }

    #[test]
    fn a_huge_base_under_a_duration_max_cap() {
        let huge = Duration::from_secs(u64::MAX);
        for backoff in [Backoff::Exponential, Backoff::Linear, Backoff::Constant, Backoff::Fibonacci] {
            let cfg = exp(huge, 2.0, Duration::MAX).backoff(backoff);
            assert_eq!(cfg.nominal_delay(1), huge, "{backoff:?}");
            let later = if matches!(backoff, Backoff::Constant) { huge } else { Duration::MAX };
            assert_eq!(cfg.nominal_delay(3), later, "{backoff:?}");
            assert_eq!(cfg.nominal_delay(u32::MAX), later, "{backoff:?}");
        }
        let max = exp(Duration::MAX, f64::MAX, Duration::MAX);
        assert_eq!(sleep(&max.jitter(Jitter::Full), u32::MAX, Duration::MAX, &mut || 0.5), ns(MAX_NS / 2));
    }

    #[test]
    fn fibonacci_past_u64_and_at_u32_max() {
        let fib = exp(Duration::from_nanos(1), 2.0, Duration::MAX).backoff(Backoff::Fibonacci);
        assert_eq!(fib.nominal_delay(90).as_nanos(), 2_880_067_194_370_816_120);
        assert_eq!(fib.nominal_delay(93).as_nanos(), 12_200_160_415_121_876_738);
        assert_eq!(fib.nominal_delay(94).as_nanos(), 19_740_274_219_868_223_167);
        assert_eq!(fib.nominal_delay(100).as_nanos(), 354_224_848_179_261_915_075);
        let (mut a, mut b) = (1u128, 1u128);
        for n in 3..=100 {
            (a, b) = (b, a + b);
            if n >= 90 {
                assert_eq!(fib.nominal_delay(n).as_nanos(), b, "fib({n})");
            }
        }
        // fib(136) ns fits a Duration, fib(137) ns does not.
        assert_eq!(fib.nominal_delay(136).as_nanos(), 11_825_896_447_871_834_976_429_068_427);
        assert_eq!(fib.nominal_delay(137), Duration::MAX);
        assert_eq!(fib.nominal_delay(u32::MAX), Duration::MAX);
        assert_eq!(fib.max_delay(Duration::from_secs(5)).nominal_delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn a_list_repeats_its_last_delay_beyond_its_end() {
        static LIST: [Duration; 3] = [Duration::from_millis(10), Duration::from_millis(20), Duration::from_millis(40)];
        let cfg = RetryConfig::new().backoff(Backoff::List(&LIST)).jitter(Jitter::None);
        for n in [4, 5, 1000, u32::MAX] {
            assert_eq!(sleep(&cfg, n, Duration::ZERO, &mut || 0.5), Duration::from_millis(40), "{n}");
        }
    }

    #[test]
    fn linear_with_a_huge_increment() {
        let linear =
            |increment| exp(Duration::from_nanos(1), 2.0, Duration::MAX).backoff(Backoff::Linear).increment(increment);
        assert_eq!(linear(Duration::MAX).nominal_delay(2), Duration::MAX);
        assert_eq!(linear(Duration::MAX).nominal_delay(u32::MAX), Duration::MAX);
        // 10^9 s × (2^32 - 2) is past u64 nanoseconds, within a Duration.
        let step = Duration::from_secs(1_000_000_000);
        assert_eq!(
            linear(step).nominal_delay(u32::MAX).as_nanos(),
            1 + 1_000_000_000_000_000_000 * (u32::MAX as u128 - 1)
        );
        assert_eq!(linear(step).max_delay(Duration::from_secs(5)).nominal_delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn proportional_jitter_of_one_at_duration_max() {
        let cfg = exp(Duration::MAX, 2.0, Duration::MAX).backoff(Backoff::Constant).jitter(Jitter::Proportional(1.0));
        let at = |u: f64| sleep(&cfg, u32::MAX, Duration::ZERO, &mut || u);
        assert_eq!(at(0.0), Duration::ZERO);
        assert_eq!(at(0.25), ns(MAX_NS / 2));
        assert_eq!(at(0.5), Duration::MAX);
        assert_eq!(at(1.0 - f64::EPSILON / 2.0), Duration::MAX);
        let capped = cfg.max_delay(Duration::from_secs(5)).base_delay(Duration::from_secs(4));
        assert_eq!(sleep(&capped, 1, Duration::ZERO, &mut || 0.75), Duration::from_secs(5));
        assert_eq!(sleep(&capped, 1, Duration::ZERO, &mut || 0.25), Duration::from_secs(2));
    }

    #[test]
    fn decorrelated_jitter_after_a_duration_max_sleep() {
        let cfg = exp(Duration::from_millis(100), 2.0, Duration::MAX).jitter(Jitter::Decorrelated);
        let at = |u: f64| sleep(&cfg, 2, Duration::MAX, &mut || u);
        assert_eq!(at(0.0), Duration::from_millis(100));
        assert_eq!(at(0.5), Duration::MAX);
        let span = 3 * MAX_NS - 100_000_000;
        assert_eq!(at(2f64.powi(-40)), ns(100_000_000 + (span >> 40)));
        let capped = cfg.max_delay(Duration::from_secs(5));
        assert_eq!(sleep(&capped, 2, Duration::MAX, &mut || 0.5), Duration::from_secs(5));
    }
}
