//! The tokio-facing retry: the call site the `#[retry]` expansion keeps in a `static`
//! ([`RetrySite`]), the per-call state it drives ([`RetryCall`]), and [`Retry`], the plain
//! value with `call(|| fut)`.

use std::fmt::{self, Display};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::budget::{RetryBudget, RetryReservation};
use super::config::RetryConfig;
use super::state::{RetryState, Stop};
use crate::kit::Site;
use crate::telemetry::{self, CallSpan, Describer, Event, Free, Function, ImplType, Shown};
use crate::timeline::{CallRef, TimelineSite};

/// The callbacks of one retry call site, typed by the error `E`.
pub struct RetryHooks<E> {
    /// Which errors are retried; `None` retries every error.
    pub retry_if: Option<fn(&E) -> bool>,
    /// Called before each sleep with the failed attempt (from 1), the delay and the error.
    pub on_retry: Option<fn(u32, Duration, &E)>,
    /// The wait the error asks for (a server's `Retry-After`, [`Rejection::retry_after`]):
    /// the next attempt starts no earlier. `None` (the field or the answer): the backoff alone.
    ///
    /// [`Rejection::retry_after`]: crate::Rejection::retry_after
    pub retry_after: Option<fn(&E) -> Option<Duration>>,
}

impl<E> fmt::Debug for RetryHooks<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryHooks")
            .field("retry_if", &self.retry_if.is_some())
            .field("on_retry", &self.on_retry.is_some())
            .field("retry_after", &self.retry_after.is_some())
            .finish()
    }
}

impl<E> Clone for RetryHooks<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for RetryHooks<E> {}

impl<E> RetryHooks<E> {
    /// No callbacks.
    pub const NONE: RetryHooks<E> = RetryHooks { retry_if: None, on_retry: None, retry_after: None };
}

impl<E> Default for RetryHooks<E> {
    fn default() -> Self {
        Self::NONE
    }
}

/// One retry call site: its settings, the function it guards, and the named retry budget
/// it draws on, if any. The `#[retry]` expansion keeps one in a `static`.
#[derive(Debug)]
pub struct RetrySite {
    function: &'static str,
    config: RetryConfig,
    budget: Option<Site<RetryBudget>>,
    /// Whether a call needs the time it started: a wall-clock `budget` or a retry budget.
    timed: bool,
}

/// One retried call in progress, between attempts: the state machine, when the call
/// started if the site needs the time (a wall-clock `budget` or a retry budget), and when
/// its first attempt failed if it did (the start of the exhausted event's `elapsed`).
#[derive(Debug, Clone, Copy)]
pub struct RetryCall {
    state: RetryState,
    started: Option<Instant>,
    first_failure: Option<Instant>,
}

impl RetryCall {
    /// The attempt running, from 1.
    #[inline]
    pub fn attempt(&self) -> u32 {
        self.state.attempt()
    }
}

impl RetrySite {
    /// The call site of `function` with `config` (checked by the caller: the attribute
    /// checks it at compile time, [`Retry::new`] at run time), drawing retries from the
    /// shared retry budget `budget` if given.
    pub const fn new(function: &'static str, config: RetryConfig, budget: Option<&'static str>) -> Self {
        let budget = match budget {
            Some(name) => Some(Site::reference(function, name)),
            None => None,
        };
        let timed = config.budget.is_some() || budget.is_some();
        RetrySite { function, config, budget, timed }
    }

    /// The settings.
    #[inline]
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// Starts one guarded call: no clock read and no atomic unless the site has a
    /// wall-clock `budget` or a retry budget.
    #[inline(always)]
    pub fn start(&self) -> RetryCall {
        if !self.timed {
            return RetryCall { state: RetryState::new(), started: None, first_failure: None };
        }
        self.start_timed()
    }

    #[cold]
    #[inline(never)]
    fn start_timed(&self) -> RetryCall {
        let now = Instant::now();
        if let Some(budget) = &self.budget {
            let budget = budget.get();
            budget.deposit(clock(budget, now));
        }
        RetryCall { state: RetryState::new(), started: Some(now), first_failure: None }
    }

    /// After an attempt of `call` failed with `error`: `Continue(sleep)`, the backoff to
    /// await before the next attempt, or `Break(error)` to stop with it. Emits the retry's
    /// telemetry (the function named with `impl_type`, the error shown by `describe`) and
    /// calls `on_retry`.
    ///
    /// With a retry budget, the retry is reserved here (a denied one stops at once, without
    /// sleeping) and the reservation rides in the [`BackoffSleep`]: spent when the sleep
    /// ends, given back if the sleep is dropped first (the call was cancelled).
    #[inline(never)]
    pub fn on_error<E, S: ImplType>(
        &self,
        call: &mut RetryCall,
        span: &CallSpan,
        error: E,
        hooks: &RetryHooks<E>,
        describe: Describer<E>,
        impl_type: S,
    ) -> ControlFlow<E, BackoffSleep> {
        if crate::timeline::active()
            && let Some(timeline) = span.timeline()
        {
            timeline.failed();
        }
        // Every policy turned off (`resile::config::set_enabled(false)`): no retry.
        if crate::config::switch::all_off() {
            return ControlFlow::Break(error);
        }
        let retryable = || hooks.retry_if.is_none_or(|f| f(&error));
        let mut hint = None;
        let asked = || {
            hint = hooks.retry_after.and_then(|f| f(&error));
            hint
        };
        let elapsed = || call.started.map(|t| t.elapsed());
        let attempt = call.state.attempt();
        let next = call.state.next_sleep(&self.config, retryable, asked, elapsed, &mut fastrand::f64);
        // What every event of this error names and shows (two pointers each; the type name
        // and the text are only made if an event is written).
        let function = impl_type.function(self.function);
        let shown = Shown::of(&error, describe);
        let shown = shown.as_ref().map(|s| s as &dyn Display);
        let delay = match next {
            Ok(delay) => delay,
            Err(stop) => {
                self.stopped(span, call, stop, hint, function, shown);
                return ControlFlow::Break(error);
            }
        };
        // The clock, read once for this retry if anything needs it: the retry budget, or
        // the start of the exhausted event's `elapsed` (a retry is made, so the call sleeps
        // anyway).
        let mut now = None;
        let mut reservation = None;
        // An enclosing deadline: a sleep (a hinted one included) that would end at or past it
        // stops here, with this error, rather than be cut halfway.
        if let Some(deadline) = crate::deadline::crossed_by(delay) {
            self.past_deadline(span, call, delay, deadline, function, shown);
            return ControlFlow::Break(error);
        }
        if let Some(budget) = &self.budget {
            let budget = budget.get();
            reservation = budget.reserve(clock(budget, *now.get_or_insert_with(Instant::now)));
            if reservation.is_none() {
                let event = Event::RetryBudgetExhausted { function, budget: budget.name(), attempt, error: shown };
                telemetry::emit_in(span, function, event);
                return ControlFlow::Break(error);
            }
        }
        if attempt == 1 {
            call.first_failure = Some(*now.get_or_insert_with(Instant::now));
        }
        call.state.advance(delay);
        let event = Event::Retry { function, attempt, max: self.config.max, delay, retry_after: hint, error: shown };
        telemetry::emit_in(span, function, event);
        if let Some(on_retry) = hooks.on_retry {
            on_retry(attempt, delay, &error);
        }
        #[cfg(feature = "metrics")]
        span.mark_attempt();
        let next = span.timeline().map(|t| (t.clone(), attempt + 1));
        ControlFlow::Continue(BackoffSleep::new(delay, reservation, next))
    }

    /// Reports that `call` stops because its next sleep, `delay`, would end at or past the
    /// enclosing `deadline`.
    #[cold]
    #[inline(never)]
    fn past_deadline(
        &self,
        span: &CallSpan,
        call: &RetryCall,
        delay: Duration,
        deadline: Instant,
        function: Function,
        error: Option<&dyn Display>,
    ) {
        let attempt = call.state.attempt();
        telemetry::emit_in(span, function, Event::RetryPastDeadline { function, attempt, delay, deadline, error });
    }

    /// Reports why `call` stops after its current attempt failed with `error`.
    #[cold]
    #[inline(never)]
    fn stopped(
        &self,
        span: &CallSpan,
        call: &RetryCall,
        stop: Stop,
        hint: Option<Duration>,
        function: Function,
        error: Option<&dyn Display>,
    ) {
        let attempt = call.state.attempt();
        let event = match stop {
            Stop::HintTooLong => Event::RetryHintTooLong {
                function,
                attempt,
                retry_after: hint.unwrap_or(Duration::MAX),
                max_delay: self.config.max_delay,
                error,
            },
            Stop::OutOfTime => Event::RetryOutOfTime { function, attempt, error },
            Stop::NotRetryable => Event::NotRetryable { function, attempt, max: self.config.max, error },
            // `max = 1` retries nothing, so nothing was exhausted. The clock is read only
            // if someone hears the event.
            Stop::Exhausted if attempt > 1 && telemetry::heard(tracing::Level::WARN) => {
                let elapsed = call.first_failure.map_or(Duration::ZERO, |t| t.elapsed());
                Event::RetriesExhausted { function, attempt, elapsed, error }
            }
            Stop::Exhausted => return,
        };
        telemetry::emit_in(span, function, event);
    }
}

/// Time on `budget`'s own clock: tokio's `now`, from the budget's first use (see
/// `kit::clock::origin` for why not simply from that `now`).
pub(super) fn clock(budget: &RetryBudget, now: Instant) -> Duration {
    now.into_std().saturating_duration_since(*budget.origin().get_or_init(crate::kit::clock::origin))
}

pin_project_lite::pin_project! {
    /// The boxed part of a [`BackoffSleep`].
    struct BackoffTimer {
        #[pin]
        sleep: Sleep,
        // The retry budget's reservation for the retry that follows: spent when the sleep
        // ends, given back (by its `Drop`) if the sleep is dropped before.
        reservation: Option<RetryReservation<'static>>,
        // The timeline capture the call records into, and the attempt the sleep leads to.
        timeline: Option<(CallRef, u32)>,
    }
}

/// The backoff sleep between two attempts, from [`RetrySite::on_error`]: tokio's clock, and
/// the retry budget's reservation for the next attempt if the site draws on one. When the
/// sleep ends the reservation is spent; dropped before (the call was cancelled), it gives
/// the retry back to the budget.
///
/// Never early, so a sleep that carries an error's `retry_after` hint (the sleep is at least
/// the hint) never starts the next attempt before the hinted instant, to the nanosecond:
/// tokio's timer (1.54) has whole-millisecond ticks, rounds a deadline *up* to its tick and
/// fires it once the clock's whole milliseconds (rounded *down*) reach that tick. So a sleep
/// ends up to 1 ms late, never early: with tokio's paused clock advancing by itself, a 1.5 ms
/// hint starts the next attempt at 2 ms, a whole-millisecond hint exactly at its instant
/// (`tests/hints.rs` holds both, and a clock advanced by fractions of a millisecond). This is
/// the bug class of retries sent a few ms before a server's `Retry-After` (rounding a hint to
/// milliseconds, or a timer that rounds down), which resile does not have.
///
/// Boxed: a tokio `Sleep` is over 100 bytes, and keeping it out of the guarded call's
/// future keeps that future small, so the success path moves less; the allocation happens
/// only when a retry is made. Dropped by one call to an out-of-line function, so the guarded
/// call's drop glue stays small enough to inline.
#[must_use = "a backoff does nothing unless awaited, and dropping it gives its retry back"]
pub struct BackoffSleep(ManuallyDrop<Pin<Box<BackoffTimer>>>);

impl BackoffSleep {
    #[inline(never)]
    fn new(delay: Duration, reservation: Option<RetryReservation<'static>>, timeline: Option<(CallRef, u32)>) -> Self {
        let sleep = tokio::time::sleep(delay);
        BackoffSleep(ManuallyDrop::new(Box::pin(BackoffTimer { sleep, reservation, timeline })))
    }
}

impl fmt::Debug for BackoffSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackoffSleep")
            .field("deadline", &self.0.sleep.deadline())
            .field("reserved", &self.0.reservation.is_some())
            .finish()
    }
}

impl Future for BackoffSleep {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.0.as_mut().project();
        std::task::ready!(this.sleep.poll(cx));
        if let Some(reservation) = this.reservation.take() {
            reservation.spend();
        }
        if let Some((call, attempt)) = this.timeline.take() {
            call.started(attempt);
        }
        Poll::Ready(())
    }
}

impl Drop for BackoffSleep {
    #[inline(never)]
    fn drop(&mut self) {
        // SAFETY: dropped once, here; the field is never used after.
        unsafe { ManuallyDrop::drop(&mut self.0) }
    }
}

/// A retry policy as a plain value.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::retry::{Jitter, Retry, RetryConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let retry: Retry<&str> = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
/// let mut calls = 0;
/// let result = retry
///     .call(|| {
///         calls += 1;
///         let n = calls;
///         async move { if n < 3 { Err("flaky") } else { Ok(n) } }
///     })
///     .await;
/// assert_eq!(result, Ok(3));
/// # }
/// ```
#[derive(Debug)]
pub struct Retry<E> {
    site: RetrySite,
    hooks: RetryHooks<E>,
}

impl<E> Retry<E> {
    /// A policy with `config` and no callbacks.
    ///
    /// # Panics
    /// If `config` is invalid (see [`RetryConfig::validate`]).
    pub fn new(config: RetryConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid retry config: {e}");
        }
        Retry { site: RetrySite::new("resile::Retry", config, None), hooks: RetryHooks::NONE }
    }
    /// Retries only errors for which `f` returns `true`.
    pub fn retry_if(mut self, f: fn(&E) -> bool) -> Self {
        self.hooks.retry_if = Some(f);
        self
    }
    /// Calls `f(attempt, delay, &error)` before each sleep.
    pub fn on_retry(mut self, f: fn(u32, Duration, &E)) -> Self {
        self.hooks.on_retry = Some(f);
        self
    }
    /// Waits at least as long as `f(&error)` asks before the next attempt: the sleep is
    /// `max(backoff delay, hint)`; a hint above `max_delay`, or one that would end past
    /// `budget`, stops the retries with this error. [`Rejection::hint`](crate::Rejection::hint)
    /// is one for errors that carry a [`Rejection`](crate::Rejection).
    pub fn retry_after(mut self, f: fn(&E) -> Option<Duration>) -> Self {
        self.hooks.retry_after = Some(f);
        self
    }
    /// Draws retries from the named, shared [`RetryBudget`].
    pub fn retry_budget(mut self, name: &'static str) -> Self {
        self.site = RetrySite::new(self.site.function, self.site.config, Some(name));
        self
    }
    /// Names the policy in telemetry.
    pub fn named(mut self, function: &'static str) -> Self {
        let budget = self.site.budget.as_ref().map(Site::name);
        self.site = RetrySite::new(function, self.site.config, budget);
        self
    }

    /// The settings.
    pub fn config(&self) -> &RetryConfig {
        self.site.config()
    }

    /// Runs `op` until it succeeds or the policy stops, returning the last result.
    pub async fn call<T, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut span = CallSpan::new();
        static TIMELINE: TimelineSite = TimelineSite::new();
        span.start(&TIMELINE, self.site.function, Free);
        let mut call = self.site.start();
        let result = loop {
            // A first attempt as it is; a later one numbered for `resile::attempt()`.
            let attempt = op();
            let result = match call.attempt() {
                1 => attempt.await,
                n => crate::attempt::Numbered::new(n, attempt).await,
            };
            match result {
                Ok(value) => break Ok(value),
                Err(error) => match self.site.on_error(&mut call, &span, error, &self.hooks, None, Free) {
                    ControlFlow::Break(error) => break Err(error),
                    ControlFlow::Continue(backoff) => backoff.await,
                },
            }
        };
        span.finish(&result);
        result
    }
}

impl<E> crate::Policy<E> for Retry<E> {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        Retry::call(self, op)
    }
}
