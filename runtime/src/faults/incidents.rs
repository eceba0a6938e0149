//! [`Incident`], [`Incidents`], [`Effect`]: what goes wrong with a downstream over time. The
//! vocabulary the simulator's model downstream and the chaos injector share.

use std::time::Duration;

use super::latency::nanos;

/// One thing that goes wrong with a downstream during a window of the run, the run's start
/// being time zero. Built with the constructors ([`Incident::outage`], ...); the variants are
/// `#[non_exhaustive]` so that new kinds can join without breaking a `match`.
#[cfg_attr(
    feature = "chaos",
    doc = "\nUnder `#[chaos]` (`chaos::Chaos::set_incidents`), time zero is the injector's first call \
           after the incidents were set, and an outage fails a call with `chaos::ChaosError::Outage`."
)]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Incident {
    #[cfg_attr(
        feature = "sim",
        doc = "Every call that starts in `[start, start + length)` fails with [`Fault::Outage`](crate::sim::Fault::Outage)"
    )]
    #[cfg_attr(
        not(feature = "sim"),
        doc = "Every call that starts in `[start, start + length)` fails with `ChaosError::Outage`"
    )]
    /// (after its latency, as a
    /// request to a dead host that times out on the connection does; put a `#[timeout]`
    /// around it to cut that wait).
    #[non_exhaustive]
    Outage {
        /// When it starts, from the run's start.
        start: Duration,
        /// How long it lasts.
        length: Duration,
    },
    /// A call that starts in `[start, start + length)` also fails with probability
    /// `error_rate`, independently of the downstream's own error rate.
    #[non_exhaustive]
    ErrorBurst {
        /// When it starts, from the run's start.
        start: Duration,
        /// How long it lasts.
        length: Duration,
        /// The extra failure probability, `0.0..=1.0`.
        error_rate: f64,
    },
    /// An [`ErrorBurst`](Incident::ErrorBurst) of `length` at the start of every `period`:
    /// in `[k × period, k × period + length)` for every `k`.
    #[non_exhaustive]
    PeriodicBursts {
        /// The time from one burst's start to the next's.
        period: Duration,
        /// How long each lasts.
        length: Duration,
        /// The extra failure probability, `0.0..=1.0`.
        error_rate: f64,
    },
    /// A call that starts in `[start, start + length)` takes `factor` times its latency.
    #[non_exhaustive]
    Slowdown {
        /// When it starts, from the run's start.
        start: Duration,
        /// How long it lasts.
        length: Duration,
        /// The latency multiplier, ≥ 0.
        factor: f64,
    },
}

impl Incident {
    /// Every call that starts in `[start, start + length)` fails.
    pub const fn outage(start: Duration, length: Duration) -> Self {
        Incident::Outage { start, length }
    }

    /// Calls that start in `[start, start + length)` also fail with probability `error_rate`.
    ///
    /// # Panics
    /// If `error_rate` is outside `0.0..=1.0`.
    pub fn error_burst(start: Duration, length: Duration, error_rate: f64) -> Self {
        check_rate("Incident::error_burst", error_rate);
        Incident::ErrorBurst { start, length, error_rate }
    }

    /// A burst of `length` at the start of every `period`, during which calls also fail
    /// with probability `error_rate`.
    ///
    /// # Panics
    /// If `period` is zero, `length > period`, or `error_rate` is outside `0.0..=1.0`.
    pub fn periodic_bursts(period: Duration, length: Duration, error_rate: f64) -> Self {
        assert!(!period.is_zero(), "`Incident::periodic_bursts`: `period` must be above zero");
        assert!(
            length <= period,
            "`Incident::periodic_bursts`: `length` ({length:?}) is longer than `period` ({period:?})"
        );
        check_rate("Incident::periodic_bursts", error_rate);
        Incident::PeriodicBursts { period, length, error_rate }
    }

    /// Calls that start in `[start, start + length)` take `factor` times their latency.
    ///
    /// # Panics
    /// If `factor` is negative or not finite.
    pub fn slowdown(start: Duration, length: Duration, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor >= 0.0,
            "`Incident::slowdown`: `factor` must be finite and ≥ 0, found {factor}"
        );
        Incident::Slowdown { start, length, factor }
    }

    fn apply(&self, at: Duration, effect: &mut Effect) {
        let within = |start: Duration, length: Duration| at >= start && at - start < length;
        match *self {
            Incident::Outage { start, length } => effect.down |= within(start, length),
            Incident::ErrorBurst { start, length, error_rate } => {
                if within(start, length) {
                    effect.error_rate = combine(effect.error_rate, error_rate);
                }
            }
            Incident::PeriodicBursts { period, length, error_rate } => {
                if nanos(at) % nanos(period) < nanos(length) {
                    effect.error_rate = combine(effect.error_rate, error_rate);
                }
            }
            Incident::Slowdown { start, length, factor } => {
                if within(start, length) {
                    effect.latency_factor *= factor;
                }
            }
        }
    }
}

/// A set of [`Incident`]s, in force together: what [`Incidents::at`] says about one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Incidents(pub(crate) Vec<Incident>);

impl Incidents {
    /// No fault.
    pub const fn new() -> Self {
        Incidents(Vec::new())
    }

    /// These faults and `fault`.
    pub fn with(mut self, fault: Incident) -> Self {
        self.0.push(fault);
        self
    }

    /// The faults, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Incident> + '_ {
        self.0.iter()
    }

    /// What the faults do to a call that starts at `at` (from the run's start). Costs one
    /// pass over the faults.
    pub fn at(&self, at: Duration) -> Effect {
        let mut effect = Effect { down: false, error_rate: 0.0, latency_factor: 1.0 };
        for fault in &self.0 {
            fault.apply(at, &mut effect);
        }
        effect
    }
}

impl FromIterator<Incident> for Incidents {
    fn from_iter<I: IntoIterator<Item = Incident>>(iter: I) -> Self {
        Incidents(iter.into_iter().collect())
    }
}

/// What [`Incidents`] do to one call.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effect {
    /// An outage is in force: the call fails.
    pub down: bool,
    /// The extra failure probability of the bursts in force, combined as independent
    /// causes (`1 - Π(1 - pᵢ)`).
    pub error_rate: f64,
    /// The product of the slowdowns' factors in force (1.0 with none).
    pub latency_factor: f64,
}

/// Two independent failure causes: the probability that at least one strikes.
pub(crate) fn combine(a: f64, b: f64) -> f64 {
    1.0 - (1.0 - a) * (1.0 - b)
}

pub(crate) fn check_rate(what: &str, p: f64) {
    assert!((0.0..=1.0).contains(&p), "`{what}`: the rate must be in 0.0..=1.0, found {p}");
}
