//! The tokio-facing layer: run a future under a breaker ([`CircuitBreaker::call`]), and the
//! per-call-site [`BreakerSite`] the `#[circuit_breaker]` expansion keeps in a `static`.

use std::future::Future;
use std::sync::OnceLock;

use super::config::CircuitBreakerConfig;
use super::handle::declare;
use super::state::CircuitBreaker;
use crate::{Outcome, Policy, Rejection, State};

/// A `should_record` classifier: maps a call's result to the [`Outcome`] recorded.
pub type ShouldRecord<T, E> = fn(&Result<T, E>) -> Outcome;

/// An `on_state_change` callback: `(name, from, to)`.
pub type OnStateChange = fn(&str, State, State);

/// Admit → run → record. The permit settles itself if the future is dropped mid-call.
#[inline]
async fn run<T, E, F, Fut>(
    breaker: &CircuitBreaker,
    function: &'static str,
    reject: fn(Rejection) -> E,
    should_record: Option<ShouldRecord<T, E>>,
    op: F,
) -> Result<T, E>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let permit = match breaker.try_acquire() {
        Ok(permit) => permit,
        Err(rejection) => return Err(rejected(function, reject, rejection)),
    };
    let result = op().await;
    let outcome = match should_record {
        Some(classify) => classify(&result),
        None => Outcome::of(&result),
    };
    permit.record(outcome);
    result
}

#[cold]
fn rejected<E>(function: &'static str, reject: fn(Rejection) -> E, rejection: Rejection) -> E {
    crate::telemetry::rejected(function, &rejection);
    reject(rejection)
}

impl CircuitBreaker {
    /// Runs `op()` if the breaker admits it (`Err` is a failure, `Ok` a success), or
    /// returns `E::from(Rejection::CircuitOpen { name })`.
    #[inline]
    pub fn call<T, E, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        run(self, "resile::CircuitBreaker", E::from, None, op)
    }

    /// As [`call`](Self::call), classifying the result with `should_record`.
    pub fn call_with<T, E, F, Fut>(
        &self,
        should_record: ShouldRecord<T, E>,
        op: F,
    ) -> impl Future<Output = Result<T, E>>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        run(self, "resile::CircuitBreaker", E::from, Some(should_record), op)
    }
}

impl<E: From<Rejection>> Policy<E> for CircuitBreaker {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        CircuitBreaker::call(self, op)
    }
}

/// One `#[circuit_breaker]` call site: its declared settings and, once resolved, the named
/// breaker they share. The expansion keeps one in a `static`.
#[derive(Debug)]
pub struct BreakerSite {
    function: &'static str,
    name: &'static str,
    config: CircuitBreakerConfig,
    on_state_change: Option<OnStateChange>,
    breaker: OnceLock<&'static CircuitBreaker>,
}

impl BreakerSite {
    /// The call site of `function`, declaring breaker `name` with `config`.
    pub const fn new(
        function: &'static str,
        name: &'static str,
        config: CircuitBreakerConfig,
        on_state_change: Option<OnStateChange>,
    ) -> Self {
        BreakerSite { function, name, config, on_state_change, breaker: OnceLock::new() }
    }

    /// The named breaker, resolved on first use: created with this site's settings, or the
    /// existing one (with a warning, once, if its settings differ). Later calls do not hash
    /// the name.
    #[inline]
    pub fn breaker(&self) -> &'static CircuitBreaker {
        self.breaker.get_or_init(|| {
            let breaker = declare(self.name, self.config, Some(self.function));
            if let Some(f) = self.on_state_change {
                breaker.on_state_change(f);
            }
            breaker
        })
    }

    /// Runs `fut` if the breaker admits it, recording its outcome (classified by
    /// `should_record`, or `Err` = failure), or returns `E::from(Rejection::CircuitOpen)`.
    #[inline]
    pub fn call<T, E, Fut>(
        &self,
        should_record: Option<ShouldRecord<T, E>>,
        fut: Fut,
    ) -> impl Future<Output = Result<T, E>>
    where
        E: From<Rejection>,
        Fut: Future<Output = Result<T, E>>,
    {
        run(self.breaker(), self.function, E::from, should_record, || fut)
    }

    /// [`call`](Self::call) with `reject` converting a refusal into the caller's error (the
    /// `#[circuit_breaker]` expansion passes a converter whose bound names the attribute).
    #[doc(hidden)]
    #[inline]
    pub fn call_rejecting<T, E, Fut>(
        &self,
        reject: fn(Rejection) -> E,
        should_record: Option<ShouldRecord<T, E>>,
        fut: Fut,
    ) -> impl Future<Output = Result<T, E>>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        run(self.breaker(), self.function, reject, should_record, || fut)
    }
}
