//! The decision of one call, free of tokio, clocks and atomics: given the settings, what
//! the incidents in force do, and the call's uniform numbers, whether it hangs, fails or
//! runs, and whether it sleeps first. [`draws`] turns a seed and a call number into those
//! numbers (a stateless mix, so the same seed and the same order of calls give the same
//! faults, with no lock).

use std::time::Duration;

pub(crate) use super::error::ChaosError;
use crate::faults::{Effect, combine};

/// The rates one decision reads: the settings in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rates {
    pub(crate) error_rate: f64,
    pub(crate) hang_rate: f64,
    pub(crate) latency_rate: f64,
    /// Whether a latency (fixed or a distribution) is set.
    pub(crate) latency: bool,
}

/// What happens to one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It never completes.
    Hang,
    /// It fails with this error, without running the body.
    Fail(ChaosError),
    /// The body runs.
    Run,
}

/// The decision for one call: its outcome, and whether it first sleeps the injected
/// latency (never for a hang).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) outcome: Outcome,
    pub(crate) delayed: bool,
}

/// The random numbers of one call, drawn on demand from its position in the seeded
/// stream: `fault` decides hang / fail / run, `latency` whether it sleeps, `sample` seeds
/// the latency distribution's draw. Each is one mix; a call pays only for those it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Draws {
    base: u64,
}

impl Draws {
    /// The uniform in `[0, 1)` that decides the outcome.
    #[inline]
    pub(crate) fn fault(&self) -> f64 {
        unit(mix(self.base.wrapping_add(GAMMA)))
    }

    /// The uniform in `[0, 1)` that decides the latency.
    #[inline]
    pub(crate) fn latency(&self) -> f64 {
        unit(mix(self.base.wrapping_add(GAMMA.wrapping_mul(2))))
    }

    /// 64 random bits that seed the latency distribution's draw.
    #[inline]
    pub(crate) fn sample(&self) -> u64 {
        mix(self.base.wrapping_add(GAMMA.wrapping_mul(3)))
    }
}

/// The decision of a call left alone: it runs, with no latency.
pub(crate) const LEFT_ALONE: Decision = Decision { outcome: Outcome::Run, delayed: false };

/// Decides one call. `effect` is what the incidents in force do (`None`: none set).
///
/// One uniform `u` decides the outcome: `u < hang_rate` ⇒ hang; `u < hang_rate + p` ⇒
/// fail, where `p` is `error_rate` combined with the bursts in force as independent causes
/// (`1 − (1 − a)(1 − b)`), capped so that the two never exceed 1; else run. During an
/// outage every call fails with [`ChaosError::Outage`]. A second, independent uniform
/// decides the latency: `latency < latency_rate` ⇒ the call first sleeps (not a hang).
/// Cost: two or three compares and a branch.
#[inline]
pub(crate) fn decide(rates: &Rates, effect: Option<&Effect>, draws: &Draws) -> Decision {
    let u = draws.fault();
    let delayed = rates.latency && draws.latency() < rates.latency_rate;
    let (error_rate, down) = match effect {
        None => (rates.error_rate, false),
        Some(e) => (combine(rates.error_rate, e.error_rate), e.down),
    };
    let outcome = if down {
        Outcome::Fail(ChaosError::Outage)
    } else if u < rates.hang_rate {
        Outcome::Hang
    } else if u < rates.hang_rate + error_rate {
        Outcome::Fail(ChaosError::Failed)
    } else {
        Outcome::Run
    };
    Decision { outcome, delayed: delayed && outcome != Outcome::Hang }
}

/// The extra sleep after a body that took `elapsed`, under a slowdown of `factor`: the
/// call takes `factor` times its time. Factors of 1 or less add nothing (a body cannot be
/// sped up).
#[inline]
pub(crate) fn slowdown(factor: f64, elapsed: Duration) -> Duration {
    if factor > 1.0 && factor.is_finite() {
        Duration::try_from_secs_f64(elapsed.as_secs_f64() * (factor - 1.0)).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
#[inline]
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A uniform in `[0, 1)` from 64 random bits (their top 53).
#[inline]
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The random numbers of call number `n` (from 0) under `seed`: the SplitMix64 stream
/// seeded with `seed`, at positions `3n + 1 ..= 3n + 3`. Stateless: two threads that
/// number their calls with one counter get the faults of that order, with no lock.
#[inline]
pub(crate) fn draws(seed: u64, n: u64) -> Draws {
    Draws { base: seed.wrapping_add(n.wrapping_mul(3).wrapping_mul(GAMMA)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rates(error_rate: f64, hang_rate: f64, latency_rate: f64) -> Rates {
        Rates { error_rate, hang_rate, latency_rate, latency: true }
    }

    /// The fractions of hangs, failures and delayed calls over `n` calls numbered from 0.
    fn fractions(r: &Rates, effect: Option<&Effect>, seed: u64, n: u64) -> (f64, f64, f64) {
        let (mut hangs, mut fails, mut delayed) = (0u64, 0u64, 0u64);
        for i in 0..n {
            let d = decide(r, effect, &draws(seed, i));
            match d.outcome {
                Outcome::Hang => hangs += 1,
                Outcome::Fail(_) => fails += 1,
                Outcome::Run => {}
            }
            delayed += u64::from(d.delayed);
        }
        let n = n as f64;
        (hangs as f64 / n, fails as f64 / n, delayed as f64 / n)
    }

    #[test]
    fn the_rates_are_the_marginals() {
        let r = rates(0.2, 0.1, 0.3);
        let (h, e, l) = fractions(&r, None, 42, 100_000);
        assert!((h - 0.1).abs() < 0.005, "{h}");
        assert!((e - 0.2).abs() < 0.005, "{e}");
        // Latency applies to the calls that do not hang: 0.3 × 0.9.
        assert!((l - 0.27).abs() < 0.005, "{l}");
    }

    #[test]
    fn an_outage_fails_every_call_and_a_burst_combines() {
        let r = rates(0.0, 0.0, 0.0);
        let down = Effect { down: true, error_rate: 0.0, latency_factor: 1.0 };
        assert!((0..100).all(|i| decide(&r, Some(&down), &draws(1, i)).outcome == Outcome::Fail(ChaosError::Outage)));
        let burst = Effect { down: false, error_rate: 0.5, latency_factor: 1.0 };
        let (_, e, _) = fractions(&rates(0.5, 0.0, 0.0), Some(&burst), 3, 100_000);
        assert!((e - 0.75).abs() < 0.005, "1 - 0.5 × 0.5: {e}");
    }

    #[test]
    fn the_same_seed_gives_the_same_draws_and_another_seed_others() {
        assert_eq!(draws(7, 12), draws(7, 12));
        assert_ne!(draws(7, 12), draws(8, 12));
        assert_ne!(draws(7, 12), draws(7, 13));
    }

    #[test]
    fn a_slowdown_stretches_the_body_and_never_shrinks_it() {
        let ms = Duration::from_millis;
        assert_eq!(slowdown(3.0, ms(100)), ms(200));
        assert_eq!(slowdown(1.0, ms(100)), Duration::ZERO);
        assert_eq!(slowdown(0.5, ms(100)), Duration::ZERO);
    }

    proptest! {
        #[test]
        fn hang_and_error_never_exceed_their_rates(e in 0.0f64..=1.0, h in 0.0f64..=1.0, seed: u64) {
            let h = h.min(1.0 - e);
            let (fh, fe, _) = fractions(&rates(e, h, 1.0), None, seed, 4000);
            // 4000 draws: within 4 standard deviations (at most 0.032).
            prop_assert!((fh - h).abs() < 0.032, "hangs {fh} for {h}");
            prop_assert!((fe - e).abs() < 0.032, "errors {fe} for {e}");
            prop_assert!(fh + fe <= 1.0);
        }

        #[test]
        fn a_hang_is_never_delayed_and_rates_zero_and_one_are_exact(seed: u64, n in 0u64..1_000_000) {
            let d = decide(&rates(0.0, 1.0, 1.0), None, &draws(seed, n));
            prop_assert_eq!(d, Decision { outcome: Outcome::Hang, delayed: false });
            let d = decide(&rates(1.0, 0.0, 1.0), None, &draws(seed, n));
            prop_assert_eq!(d, Decision { outcome: Outcome::Fail(ChaosError::Failed), delayed: true });
            let d = decide(&rates(0.0, 0.0, 0.0), None, &draws(seed, n));
            prop_assert_eq!(d, Decision { outcome: Outcome::Run, delayed: false });
        }
    }
}
