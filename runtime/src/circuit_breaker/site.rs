//! The tokio-facing breaker: the methods that read tokio's clock, the admission a
//! `#[circuit_breaker]` call site makes through its [`Site`], and [`CircuitBreaker::call`],
//! the plain value's `call(|| fut)`.

use std::future::Future;
use std::time::Duration;

use super::config::CircuitBreakerConfig;
use super::state::{CircuitBreaker, CircuitBreakerStats, Clock, DISABLED, FORCED_OPEN, Permit, nanos};
use crate::kit::{KeyGuard, KeyedSite, Site};
use crate::telemetry::{self, CallSpan, Function, ImplType};
use crate::{Outcome, Policy, Rejection};

/// A `should_record` classifier: maps a call's result to the [`Outcome`] recorded.
pub type ShouldRecord<T, E> = fn(&Result<T, E>) -> Outcome;

impl CircuitBreaker {
    /// A breaker named `name` (for rejections and telemetry) that is not shared through the
    /// registry; use [`CircuitBreaker::named`] for that. Its time counts from now.
    ///
    /// # Panics
    /// If `config` is invalid (see [`CircuitBreakerConfig::validate`]).
    pub fn new(name: &'static str, config: CircuitBreakerConfig) -> Self {
        CircuitBreaker::with_origin(name, config, crate::kit::clock::origin())
    }

    /// Time on tokio's clock since this breaker was created: the `now` of the `*_at` methods.
    pub fn elapsed(&self) -> Duration {
        tokio::time::Instant::now().into_std().saturating_duration_since(self.origin)
    }

    #[inline]
    fn elapsed_nanos(&self) -> u64 {
        nanos(self.elapsed())
    }

    /// Asks to run one call now (tokio's clock): a [`Permit`], or the rejection.
    ///
    /// Closed: one `Acquire` load, no clock read (unless a slow-call threshold is set).
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejection> {
        self.admit(TokioClock(self)).ok_or_else(|| self.rejection())
    }

    /// Rejects every call until [`force_close`](Self::force_close) or [`reset`](Self::reset).
    /// The window stays frozen as it is.
    pub fn force_open(&self) {
        self.operate(FORCED_OPEN, || self.elapsed_nanos());
    }

    /// Opens the breaker now (tokio's clock) for `open_for`, as if it had tripped with that
    /// `open_timeout`; see [`open_for_at`](Self::open_for_at).
    pub fn open_for(&self, open_for: Duration) -> bool {
        self.open_for_at(self.elapsed(), open_for)
    }

    /// Admits every call and records nothing until [`force_close`](Self::force_close) or
    /// [`reset`](Self::reset). The window stays frozen as it is.
    pub fn disable(&self) {
        self.operate(DISABLED, || self.elapsed_nanos());
    }

    /// How long, on tokio's clock, until this open breaker lets a half-open probe through;
    /// see [`half_open_in_at`](Self::half_open_in_at). What [`Rejection::retry_after`] says
    /// for a `CircuitOpen` of this breaker's name.
    pub fn half_open_in(&self) -> Option<Duration> {
        self.half_open_in_with(self.elapsed_nanos())
    }

    /// The state and the window's counts now (tokio's clock, for a time window's expiry).
    pub fn stats(&self) -> CircuitBreakerStats {
        self.stats_with(|| self.elapsed_nanos())
    }

    /// Runs `op()` if the breaker admits it (`Err` is a failure, `Ok` a success), or
    /// returns `E::from(Rejection::CircuitOpen { name })`.
    #[inline]
    pub fn call<T, E, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.guard(Outcome::of, op)
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
        self.guard(should_record, op)
    }

    /// Admit → run → record, generic over the classifier so the default one inlines.
    async fn guard<T, E, F, Fut>(&self, should_record: impl FnOnce(&Result<T, E>) -> Outcome, op: F) -> Result<T, E>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let permit = Permit::of(self, self.ticket(TokioClock(self)));
        if permit.admitted() {
            let result = op().await;
            permit.record(should_record(&result));
            result
        } else {
            drop(permit);
            Err(E::from(self.rejected(CallSpan::detached(), || Function::free("resile::CircuitBreaker"))))
        }
    }
}

impl Permit<'_> {
    /// Records the call's outcome, reading tokio's clock if the breaker needs the time.
    #[inline]
    pub fn record(mut self, outcome: Outcome) {
        self.settle(outcome);
    }

    /// Records the call's outcome in place: the permit is spent, and dropping it afterwards
    /// does nothing. What the `#[circuit_breaker]` expansion calls on the permit it holds
    /// across the guarded call (no move, so no drop flag).
    #[inline]
    pub fn settle(&mut self, outcome: Outcome) {
        let breaker = self.breaker;
        breaker.settle(self, outcome, || breaker.elapsed_nanos());
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

impl Site<CircuitBreaker> {
    /// Admission for one call of a `#[circuit_breaker]` call site: a [`Permit`] to hold
    /// across the call and [`settle`](Permit::settle) its outcome with. A refused call gets
    /// a permit that is not [`admitted`](Permit::admitted) (settling or dropping it does
    /// nothing); [`rejected`](Self::rejected) gives its rejection.
    ///
    /// One permit type for both answers (rather than a `Result`) lets the permit be built
    /// where the call keeps it, instead of being moved there out of an enum.
    #[inline(always)]
    pub fn admit(&self) -> Permit<'static> {
        let breaker = self.get();
        Permit::of(breaker, breaker.ticket(TokioClock(breaker)))
    }

    /// The rejection of the refused call of `permit` (`CircuitOpen` with the breaker's
    /// name), reported to telemetry as an event of `span`, the function named with
    /// `impl_type`.
    #[inline]
    pub fn rejected(&self, permit: Permit<'_>, span: &CallSpan, impl_type: impl ImplType) -> Rejection {
        permit.breaker.rejected(span, || impl_type.function(self.function()))
    }
}

impl KeyedSite<CircuitBreaker> {
    /// Admission for one call of a `#[circuit_breaker(key = ..)]` call site, on `breaker`,
    /// its key's instance (from [`instance`](KeyedSite::instance), held across the call): as
    /// [`Site::admit`].
    ///
    /// An operator state of the name's own breaker is every key's: forced open
    /// (`circuit_breaker(name).force_open()`), every key refuses; disabled (`disable()`, or
    /// `enabled = false` in a configuration file), every key admits and records nothing.
    /// Checked with one `Acquire` load of the name's breaker.
    #[inline(always)]
    pub fn admit<'a>(&self, breaker: &'a KeyGuard<CircuitBreaker>) -> Permit<'a> {
        let name = breaker.name_instance();
        if name.operated() {
            return Permit::of(name, name.ticket(TokioClock(name)));
        }
        Permit::of(breaker, breaker.ticket(TokioClock(breaker)))
    }

    /// The rejection of the refused call of `permit` (`CircuitOpen` with the name), as
    /// [`Site::rejected`]. Its [`Rejection::retry_after`] is `None`: the rejection names the
    /// breaker, not the key, and the name's own breaker is never open.
    #[inline]
    pub fn rejected(&self, permit: Permit<'_>, span: &CallSpan, impl_type: impl ImplType) -> Rejection {
        permit.breaker.rejected(span, || impl_type.function(self.site().function()))
    }
}

impl CircuitBreaker {
    /// This breaker's rejection of a call of `function`, reported to telemetry.
    #[inline]
    fn rejected(&self, span: &CallSpan, function: impl FnOnce() -> Function) -> Rejection {
        telemetry::rejected(span, function, "circuit_breaker", Some(self.name()), self.rejection())
    }
}

/// tokio's clock as the state machine reads it.
struct TokioClock<'a>(&'a CircuitBreaker);

impl Clock for TokioClock<'_> {
    #[inline]
    fn now(&self) -> u64 {
        self.0.elapsed_nanos()
    }

    /// Compares instants rather than computing the nanoseconds since the origin: an
    /// addition and a comparison instead of a subtraction (a rejection reads the clock on
    /// every call while a breaker is open).
    #[inline]
    fn before(&self, deadline: u64) -> bool {
        match self.0.origin.checked_add(Duration::from_nanos(deadline)) {
            Some(deadline) => tokio::time::Instant::now().into_std() < deadline,
            None => true,
        }
    }
}
