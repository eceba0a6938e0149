//! The tokio-facing rate limiter: the methods that read tokio's clock and sleep, the call
//! site a `#[rate_limit]` expansion keeps in a `static` ([`RateLimitSite`]), and
//! [`RateLimiter::call`], the plain value's `call(|| fut)`.

use std::future::Future;
use std::time::Duration;

use super::config::RateLimitConfig;
use super::state::{Decision, RateLimiter, RateLimiterStats, Reservation, nanos};
use crate::kit::{InstanceKey, KeyGuard, KeyedSite, Site};
use crate::telemetry::{self, CallSpan, Event, Function, ImplType};
use crate::{Policy, Rejection};

impl RateLimiter {
    /// A limiter named `name` (for rejections and telemetry) that is not shared through the
    /// registry; use [`RateLimiter::named`] for that. It starts full, and its time counts
    /// from now on tokio's clock (from real time instead, when a paused clock has been
    /// advanced past it, so that a limiter outliving its runtime works in the next one).
    ///
    /// # Panics
    /// If `config` is invalid (see [`RateLimitConfig::validate`]).
    pub fn new(name: &'static str, config: RateLimitConfig) -> Self {
        RateLimiter::with_origin(name, config, crate::kit::clock::origin())
    }

    /// Time on tokio's clock since this limiter was created: the `now` of the `*_at` methods.
    #[inline]
    pub fn elapsed(&self) -> Duration {
        tokio::time::Instant::now().into_std().saturating_duration_since(self.origin)
    }

    /// [`elapsed`](Self::elapsed) in whole nanoseconds (saturated at 584 years): one clock
    /// read and a subtraction of two integers where the platform allows (see
    /// `kit::clock`), else std's subtraction.
    #[inline(always)]
    pub(super) fn now_nanos(&self) -> u64 {
        let now = tokio::time::Instant::now();
        if let Some(since) = self.since
            && let Some(nanos) = since.nanos(now)
        {
            return nanos;
        }
        nanos(now.into_std().saturating_duration_since(self.origin))
    }

    /// Takes `weight` tokens now if the bucket holds them: the fast path of
    /// [`RateLimitSite::try_admit`].
    #[inline(always)]
    pub(super) fn try_take_now(&self, weight: u32) -> bool {
        let now = match self.since {
            // Unchecked: an instant before the origin wraps to near 2^64, which no bucket's
            // fast path takes (`Bucket::try_take`); the slow path reads the clock again,
            // checked.
            Some(since) => since.wrapping(tokio::time::Instant::now()),
            None => self.now_nanos(),
        };
        self.try_take_at(now, weight)
    }

    /// The decision for a call of `weight` tokens now (tokio's clock) that waits at most
    /// `max_wait`. One clock read, one load of the settings, one load and one
    /// `compare_exchange_weak` of the state when admitted; a refusal writes nothing.
    ///
    /// Turned off (`enabled = false`, or `resile::config::set_enabled(false)`): `Admit`,
    /// taking no tokens.
    #[inline]
    pub fn try_acquire(&self, weight: u32, max_wait: Duration) -> Decision<'_> {
        if crate::config::switch::bypassed(self) {
            return Decision::Admit;
        }
        self.decide_nanos(self.now_nanos(), weight, nanos(max_wait))
    }

    /// Tokens available now (tokio's clock), the rate and the burst.
    pub fn stats(&self) -> RateLimiterStats {
        self.stats_at(self.elapsed())
    }

    /// Puts `config` in force now (tokio's clock); see [`reconfigure_at`](Self::reconfigure_at).
    ///
    /// # Panics
    /// If `config` is invalid.
    pub fn reconfigure(&self, config: RateLimitConfig) {
        self.reconfigure_at(config, self.elapsed());
    }

    /// Runs `op()` once the limiter admits it, taking `weight` tokens and waiting at most
    /// `max_wait` as configured; or returns `E::from(Rejection::RateLimited { name,
    /// retry_after })` at once, taking no tokens.
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let config = self.config();
        let decision = self.try_acquire(config.weight, config.max_wait);
        match admission(self, decision, CallSpan::detached(), || Function::free("resile::RateLimiter")) {
            Admission::Admitted => op().await,
            Admission::Wait(wait) => {
                wait.wait().await;
                op().await
            }
            Admission::Refused(rejection) => Err(E::from(rejection)),
        }
    }
}

impl<E: From<Rejection>> Policy<E> for RateLimiter {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        RateLimiter::call(self, op)
    }
}

/// What a call site learns from the limiter: run now, wait, or the rejection.
#[derive(Debug)]
#[must_use = "an admission that is dropped gives a waiting call's tokens back"]
pub enum Admission<'a> {
    /// Run now: the tokens are taken.
    Admitted,
    /// The tokens are taken; run after [`Wait::wait`]. Dropping it first gives them back
    /// when no other call took tokens since.
    Wait(Wait<'a>),
    /// Refused: no tokens were taken. Already reported to telemetry.
    Refused(Rejection),
}

/// A call that holds its tokens and waits for its instant. Its `Drop` (the call was
/// cancelled before that instant) gives the tokens back when it still can, see
/// [`Reservation::give_back`].
#[derive(Debug)]
pub struct Wait<'a> {
    until: tokio::time::Instant,
    reservation: Option<Reservation<'a>>,
}

impl Wait<'_> {
    /// Sleeps until the call's instant (tokio's clock, whose timer wakes at the first whole
    /// millisecond at or after it); the tokens are then spent.
    ///
    /// The timer is boxed: only a call that waits allocates, and the caller's future (which
    /// every call initialises and moves) holds a pointer rather than tokio's `Sleep`.
    pub async fn wait(mut self) {
        Box::pin(tokio::time::sleep_until(self.until)).await;
        // Spent: nothing to give back any more.
        self.reservation = None;
    }

    /// When the call may run.
    pub fn until(&self) -> tokio::time::Instant {
        self.until
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(reservation) = self.reservation.take() {
            reservation.give_back();
        }
    }
}

/// Turns a decision into an admission, reporting a wait (DEBUG) or a refusal to telemetry
/// as an event of `span`, the call of `function`.
#[inline]
fn admission<'a>(
    limiter: &'a RateLimiter,
    decision: Decision<'a>,
    span: &CallSpan,
    function: impl FnOnce() -> Function,
) -> Admission<'a> {
    match decision {
        Decision::Admit => Admission::Admitted,
        Decision::AdmitAt { at, reservation } => waiting(limiter, at, reservation, span, function),
        Decision::Deny { retry_after } => Admission::Refused(refused(limiter, retry_after, span, function)),
    }
}

#[cold]
#[inline(never)]
fn waiting<'a>(
    limiter: &'a RateLimiter,
    at: Duration,
    reservation: Reservation<'a>,
    span: &CallSpan,
    function: impl FnOnce() -> Function,
) -> Admission<'a> {
    // An instant past what `Instant` holds (a `max_wait` of centuries) waits for a year.
    let until = match limiter.origin.checked_add(at) {
        Some(instant) => tokio::time::Instant::from_std(instant),
        None => tokio::time::Instant::now() + Duration::from_secs(365 * 86_400),
    };
    let waited = until.saturating_duration_since(tokio::time::Instant::now());
    let function = function();
    telemetry::emit_in(span, function, Event::RateLimitWait { function, name: limiter.name(), waited });
    Admission::Wait(Wait { until, reservation: Some(reservation) })
}

#[cold]
#[inline(never)]
fn refused(
    limiter: &RateLimiter,
    retry_after: Duration,
    span: &CallSpan,
    function: impl FnOnce() -> Function,
) -> Rejection {
    let name = limiter.name();
    telemetry::rejected(span, function, "rate_limit", Some(name), Rejection::RateLimited { name, retry_after })
}

/// One `#[rate_limit]` call site: the shared limiter it uses (resolved once) and its own
/// `weight` and `max_wait`. The expansion keeps one in a `static`.
#[derive(Debug)]
pub struct RateLimitSite {
    site: Site<RateLimiter>,
    weight: u32,
    /// `max_wait` in nanoseconds (saturated at 584 years).
    max_wait: u64,
    /// The `resile_rate_limiter_tokens` gauge.
    #[cfg(feature = "metrics")]
    tokens: crate::telemetry::metrics::Cached<metrics::Gauge>,
}

impl RateLimitSite {
    /// A call site of `function` that declares the limiter `name` with `config` (its `rate`
    /// and `burst_size`; its `weight` and `max_wait` are this site's own). The configuration
    /// is not checked here: the attribute checks it at compile time, and
    /// [`RateLimiter::named`] at run time.
    pub const fn new(function: &'static str, name: &'static str, config: RateLimitConfig) -> Self {
        RateLimitSite {
            site: Site::declaring(function, name, config),
            weight: config.weight,
            max_wait: max_wait(config),
            #[cfg(feature = "metrics")]
            tokens: crate::telemetry::metrics::Cached::new(),
        }
    }

    /// A call site of `function` that refers to the limiter `name` without declaring its
    /// rate, with its own `weight` and `max_wait`. A limiter used before any declaration
    /// runs with the defaults (see [`rate_limiter`](super::rate_limiter)).
    pub const fn reference(function: &'static str, name: &'static str, weight: u32, max_wait: Duration) -> Self {
        let seed = super::handle::UNDECLARED.weight(weight).max_wait(max_wait);
        RateLimitSite {
            site: Site::seeded(function, name, seed),
            weight,
            max_wait: max_wait_nanos(max_wait),
            #[cfg(feature = "metrics")]
            tokens: crate::telemetry::metrics::Cached::new(),
        }
    }

    /// The shared limiter.
    #[inline]
    pub fn limiter(&self) -> &'static RateLimiter {
        self.site.get()
    }

    /// The fast path of admission, synchronous: `true` when this site's `weight` tokens are
    /// in the bucket now (tokio's clock), and then they are taken. One `Acquire` load of the
    /// resolved limiter, one clock read, one load of the settings' pointer, one 128-bit load
    /// and one 128-bit `compare_exchange_weak`; nothing else, no telemetry. `false` (the
    /// tokens are not there, or another call won the race): call [`admit`](Self::admit),
    /// which decides again and may wait or refuse.
    ///
    /// Turned off (`enabled = false` for this limiter, or `resile::config::set_enabled(false)`):
    /// `true` at once, taking no tokens; the check is one `Relaxed` load while everything is on.
    #[inline(always)]
    pub fn try_admit(&self) -> bool {
        let limiter = self.site.get();
        let admitted = crate::config::switch::bypassed(limiter) || limiter.try_take_now(self.weight);
        #[cfg(feature = "metrics")]
        if admitted {
            self.decided();
        }
        admitted
    }

    /// Sets the tokens gauge to what the limiter holds after a decision (cargo feature
    /// `metrics`): one more clock read.
    #[cfg(feature = "metrics")]
    #[inline(never)]
    fn decided(&self) {
        let limiter = self.site.get();
        crate::telemetry::metrics::rate_limiter(&self.tokens, limiter.name(), limiter.stats().tokens);
    }

    /// The slow path of admission, after [`try_admit`](Self::try_admit) failed: the whole
    /// decision, now. `Ok(None)`: admitted after all (tokens came back in between);
    /// `Ok(Some(wait))`: the tokens are taken, run after [`Wait::wait`]; `Err`: refused
    /// (no tokens taken), reported to telemetry as an event of `span`, the function named
    /// with `impl_type` (zero-sized). A wait is reported at DEBUG.
    #[cold]
    #[inline(never)]
    pub fn admit(&self, span: &CallSpan, impl_type: impl ImplType) -> Result<Option<Wait<'static>>, Rejection> {
        let limiter = self.site.get();
        let decision = limiter.decide_nanos(limiter.now_nanos(), self.weight, self.max_wait);
        #[cfg(feature = "metrics")]
        self.decided();
        match admission(limiter, decision, span, || impl_type.function(self.site.function())) {
            Admission::Admitted => Ok(None),
            Admission::Wait(wait) => Ok(Some(wait)),
            Admission::Refused(rejection) => Err(rejection),
        }
    }

    /// The slow path at a site whose `max_wait` is zero (it never waits): `Ok` if the tokens
    /// came back after all, else the refusal. Synchronous, no allocation.
    #[inline]
    pub fn admit_now(&self, span: &CallSpan, impl_type: impl ImplType) -> Result<(), Rejection> {
        self.admit(span, impl_type).map(|wait| debug_assert!(wait.is_none(), "a site with no max_wait never waits"))
    }

    /// The slow path at a site with a `max_wait`: [`admit`](Self::admit), then the wait if
    /// there is one. The future holds the [`Wait`] and a boxed timer only.
    pub async fn admit_or_wait(&self, span: &CallSpan, impl_type: impl ImplType) -> Result<(), Rejection> {
        if let Some(wait) = self.admit(span, impl_type)? {
            wait.wait().await;
        }
        Ok(())
    }

    /// Runs `op()` once admitted (after waiting, if it must), or returns the rejection as
    /// `reject(rejection)`. What the `#[rate_limit]` expansion writes inline, as a method.
    #[inline(always)]
    pub async fn call<T, E, F, Fut>(
        &self,
        span: &CallSpan,
        impl_type: impl ImplType,
        reject: fn(Rejection) -> E,
        op: F,
    ) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if !self.try_admit() {
            match self.admit(span, impl_type) {
                Ok(None) => {}
                Ok(Some(wait)) => wait.wait().await,
                Err(rejection) => return Err(reject(rejection)),
            }
        }
        op().await
    }
}

const fn max_wait(config: RateLimitConfig) -> u64 {
    max_wait_nanos(config.max_wait)
}

const fn max_wait_nanos(d: Duration) -> u64 {
    let n = d.as_nanos();
    if n > u64::MAX as u128 { u64::MAX } else { n as u64 }
}

/// One `#[rate_limit(key = ..)]` call site: a limiter of its own per key value under the
/// name (a limit per tenant), each with the name's `rate` and `burst_size`, and this
/// site's `weight` and `max_wait`. The expansion keeps one in a `static`.
///
/// The `resile_rate_limiter_tokens` gauge shows the name's own limiter, not the keys'.
#[derive(Debug)]
pub struct KeyedRateLimitSite {
    keyed: KeyedSite<RateLimiter>,
    weight: u32,
    /// `max_wait` in nanoseconds (saturated at 584 years).
    max_wait: u64,
}

impl KeyedRateLimitSite {
    /// The keyed call site of `function` that declares the limiter `name` with `config`
    /// (as [`RateLimitSite::new`]) and keeps at most `max_keys` keys.
    pub const fn new(function: &'static str, name: &'static str, config: RateLimitConfig, max_keys: usize) -> Self {
        KeyedRateLimitSite {
            keyed: KeyedSite::new(Site::declaring(function, name, config), max_keys),
            weight: config.weight,
            max_wait: max_wait(config),
        }
    }

    /// The limiter of `key`, held for the call (see [`KeyedSite::instance`]).
    #[inline(always)]
    pub fn instance<Q: ?Sized + InstanceKey>(&'static self, key: &Q) -> KeyGuard<RateLimiter> {
        self.keyed.instance(key)
    }

    /// The fast path of admission on `limiter`, the key's: as [`RateLimitSite::try_admit`].
    #[inline(always)]
    pub fn try_admit(&self, limiter: &RateLimiter) -> bool {
        crate::config::switch::bypassed(self.keyed.base()) || limiter.try_take_now(self.weight)
    }

    /// The slow path on `limiter`, the key's: as [`RateLimitSite::admit`]; a refusal's
    /// `retry_after` is the key's, exact.
    #[cold]
    #[inline(never)]
    pub fn admit<'a>(
        &self,
        limiter: &'a RateLimiter,
        span: &CallSpan,
        impl_type: impl ImplType,
    ) -> Result<Option<Wait<'a>>, Rejection> {
        let decision = limiter.decide_nanos(limiter.now_nanos(), self.weight, self.max_wait);
        match admission(limiter, decision, span, || impl_type.function(self.keyed.site().function())) {
            Admission::Admitted => Ok(None),
            Admission::Wait(wait) => Ok(Some(wait)),
            Admission::Refused(rejection) => Err(rejection),
        }
    }

    /// The slow path at a site whose `max_wait` is zero: as [`RateLimitSite::admit_now`].
    #[inline]
    pub fn admit_now(&self, limiter: &RateLimiter, span: &CallSpan, impl_type: impl ImplType) -> Result<(), Rejection> {
        self.admit(limiter, span, impl_type)
            .map(|wait| debug_assert!(wait.is_none(), "a site with no max_wait never waits"))
    }

    /// The slow path at a site with a `max_wait`: as [`RateLimitSite::admit_or_wait`].
    pub async fn admit_or_wait(
        &self,
        limiter: &RateLimiter,
        span: &CallSpan,
        impl_type: impl ImplType,
    ) -> Result<(), Rejection> {
        if let Some(wait) = self.admit(limiter, span, impl_type)? {
            wait.wait().await;
        }
        Ok(())
    }
}
