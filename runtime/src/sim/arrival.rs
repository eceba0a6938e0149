//! [`Arrival`]: when the simulated callers call.

use std::time::Duration;

/// When calls arrive during a [`Simulation`](super::Simulation).
///
/// Open processes ([`constant`](Arrival::constant), [`poisson`](Arrival::poisson)) start
/// calls at their rate whatever the earlier calls are doing, as independent users do; a
/// closed one ([`clients`](Arrival::clients)) has a fixed number of callers, each calling
/// again when its previous call ends, as a worker pool or a benchmark client does (and as
/// ResilienceBench's virtual users do).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrival(pub(crate) Kind);

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Constant { gap: Duration },
    Poisson { rate: f64 },
    Clients { clients: u32, think: Duration },
}

impl Arrival {
    /// One call every `1 / per_second` seconds exactly, the first at the start.
    ///
    /// # Panics
    /// If `per_second` is not finite and above zero, or above 10⁹ (one call per nanosecond).
    pub fn constant(per_second: f64) -> Self {
        check_rate("constant", per_second);
        Arrival(Kind::Constant { gap: Duration::from_secs_f64(1.0 / per_second) })
    }

    /// A Poisson process of rate `per_second`: independent exponential gaps of mean
    /// `1 / per_second`, drawn from the simulation's seeded generator. Over a run of `T`
    /// seconds the count of calls has mean and variance `per_second × T`.
    ///
    /// # Panics
    /// If `per_second` is not finite and above zero, or above 10⁹.
    pub fn poisson(per_second: f64) -> Self {
        check_rate("poisson", per_second);
        Arrival(Kind::Poisson { rate: per_second })
    }

    /// `clients` callers in a closed loop: each calls, waits for the answer, waits `think`,
    /// and calls again, until the run's duration is over (a call in progress then ends
    /// normally). A call that ends in no virtual time (refused at once by an open breaker,
    /// a full bulkhead) is followed by a wait of one millisecond, tokio's timer resolution,
    /// when `think` is zero: a real client spends at least that much on a refusal, and
    /// without it the loop would never let the clock move.
    ///
    /// # Panics
    /// If `clients` is zero.
    pub fn clients(clients: u32, think: Duration) -> Self {
        assert!(clients > 0, "`Arrival::clients`: `clients` must be at least 1");
        Arrival(Kind::Clients { clients, think })
    }

    /// The gap to the next arrival of an open process (`None` for a closed one).
    pub(crate) fn gap(&self, rng: &mut fastrand::Rng) -> Option<Duration> {
        match self.0 {
            Kind::Constant { gap } => Some(gap),
            Kind::Poisson { rate } => {
                let u = 1.0 - rng.f64(); // in (0, 1]
                Some(Duration::from_secs_f64(-u.ln() / rate))
            }
            Kind::Clients { .. } => None,
        }
    }
}

fn check_rate(what: &str, per_second: f64) {
    assert!(
        per_second.is_finite() && per_second > 0.0 && per_second <= 1e9,
        "`Arrival::{what}`: the rate must be above zero and at most 1e9 per second, found {per_second}"
    );
}
