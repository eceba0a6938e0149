//! The tokio-facing hedge: the call site the `#[hedge]` expansion keeps in a `static`
//! ([`HedgeSite`]), the attempts it runs inside the caller's task, and [`Hedge`], the plain
//! value with `call(|| fut)`.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::future::{Join, Ready, join, ready};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::time::{Instant, Sleep, sleep_until};

use super::config::HedgeConfig;
use super::state::HedgeTracker;
use crate::Rejection;
use crate::attempt::Numbered;
use crate::kit::Site;
use crate::telemetry::{self, CallSpan, Event, Free, Function, ImplType};

/// The callbacks of one hedged call site, typed by the error `E`.
pub struct HedgeHooks<E> {
    /// Errors that end the call at once; `None`: no error is fatal.
    pub fatal: Option<fn(&E) -> bool>,
    /// Called with the attempt number (from 2) when an extra attempt starts.
    pub on_hedge: Option<fn(u32)>,
    /// Turns a timeout into `E`; `Some(From::from)` when the site has a `timeout`. Without
    /// it the site's `timeout` is not armed.
    pub timed_out: Option<fn(Rejection) -> E>,
}

impl<E> Clone for HedgeHooks<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for HedgeHooks<E> {}

impl<E> fmt::Debug for HedgeHooks<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HedgeHooks")
            .field("fatal", &self.fatal.is_some())
            .field("on_hedge", &self.on_hedge.is_some())
            .field("timed_out", &self.timed_out.is_some())
            .finish()
    }
}

impl<E> HedgeHooks<E> {
    /// No callbacks.
    pub const NONE: HedgeHooks<E> = HedgeHooks { fatal: None, on_hedge: None, timed_out: None };
}

impl<E> Default for HedgeHooks<E> {
    fn default() -> Self {
        Self::NONE
    }
}

/// Which tracker a site uses.
#[derive(Debug)]
// A call site's `static`: never moved, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum TrackerRef {
    /// Its own, created on first use and named after the function.
    Own(OnceLock<HedgeTracker>),
    /// The shared one of a name.
    Named(Site<HedgeTracker>),
}

/// One hedged call site: its settings, the function it guards, and its tracker (its own, or
/// the named shared one, resolved once). The `#[hedge]` expansion keeps one in a `static`.
#[derive(Debug)]
pub struct HedgeSite {
    function: &'static str,
    config: HedgeConfig,
    tracker: TrackerRef,
}

impl HedgeSite {
    /// A call site of `function` with `config` and a tracker of its own (named `function` in
    /// telemetry). The configuration is not checked here (the attribute checks it at compile
    /// time; [`Hedge::new`] checks it at run time).
    pub const fn new(function: &'static str, config: HedgeConfig) -> Self {
        HedgeSite { function, config, tracker: TrackerRef::Own(OnceLock::new()) }
    }

    /// A call site of `function` with `config` that uses the shared tracker `name`. It
    /// declares the tracker settings of `config` when `declares` is true (it gives at least
    /// one of the tracker keys); otherwise it refers to the tracker as it is.
    pub const fn named(function: &'static str, config: HedgeConfig, name: &'static str, declares: bool) -> Self {
        // A site that refers to the tracker still creates it, if it is the first, with its
        // own keys (its `delay` is what the tracker's stats show in static mode).
        let site =
            if declares { Site::declaring(function, name, config) } else { Site::seeded(function, name, config) };
        HedgeSite { function, config, tracker: TrackerRef::Named(site) }
    }

    /// The configuration.
    #[inline]
    pub fn config(&self) -> &HedgeConfig {
        &self.config
    }

    /// The site's tracker: the shared one, or its own.
    #[inline]
    pub fn tracker(&self) -> &HedgeTracker {
        match &self.tracker {
            TrackerRef::Named(site) => site.get(),
            TrackerRef::Own(own) => own.get_or_init(|| HedgeTracker::new(self.function, self.config)),
        }
    }

    /// Runs a hedged call: `make` creates each attempt's future; events go to `span`, the
    /// guarded call's span, the function named with `impl_type` (zero-sized). See the
    /// [module docs](super).
    ///
    /// For a site whose `timeout` is armed (`hooks.timed_out` given), use
    /// [`call_timed`](Self::call_timed), so that its attempts see its deadline from their
    /// first poll ([`deadline()`](crate::deadline())); here they see it from their second.
    #[inline]
    pub fn call<T, E, F, Fut, S: ImplType>(
        &self,
        span: &CallSpan,
        impl_type: S,
        hooks: &HedgeHooks<E>,
        make: F,
    ) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.hedged::<false, T, E, F, Fut, S>(span, impl_type, hooks, make)
    }

    /// [`call`](Self::call) for a site whose `timeout` may be armed: it reads the clock
    /// before the first attempt, so that every attempt sees the deadline from the start.
    /// (Two functions, so that a site with no `timeout` pays nothing for it: even a test
    /// at its first poll costs a hedge measurably.)
    #[inline]
    pub fn call_timed<T, E, F, Fut, S: ImplType>(
        &self,
        span: &CallSpan,
        impl_type: S,
        hooks: &HedgeHooks<E>,
        make: F,
    ) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.hedged::<true, T, E, F, Fut, S>(span, impl_type, hooks, make)
    }

    /// [`call`](Self::call) (`TIMED = false`) or [`call_timed`](Self::call_timed).
    async fn hedged<const TIMED: bool, T, E, F, Fut, S: ImplType>(
        &self,
        span: &CallSpan,
        impl_type: S,
        hooks: &HedgeHooks<E>,
        mut make: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let tracker = self.tracker();
        let mut guard = CallGuard { tracker, open: true };
        // A site with a `timeout` starts its clock before the first attempt, so that the
        // attempts see its deadline from the start ([`deadline()`](crate::deadline())).
        let own = match (self.config.timeout, hooks.timed_out) {
            (Some(after), Some(_)) if TIMED && !crate::config::switch::all_off() => Instant::now().checked_add(after),
            _ => None,
        };
        let mut primary = pin!(publish::<TIMED, _>(&own, || Some(make())));
        // The first poll, before anything else: a call that completes at once never waited,
        // so it reads no clock (but the one a `timeout` needs) and arms no timer.
        let first = poll_fn(|cx| Poll::Ready(publish::<TIMED, _>(&own, || poll_slot(primary.as_mut(), cx)))).await;
        let first_err = match first {
            Poll::Ready(Ok(value)) => {
                guard.open = false;
                tracker.succeeded(Duration::ZERO, 1);
                return Ok(value);
            }
            Poll::Ready(Err(e)) => Some(e),
            Poll::Pending => None,
        };
        let (started, deadline) = match (own, self.config.timeout, hooks.timed_out) {
            (Some(deadline), Some(after), _) => (deadline - after, Some(deadline)),
            (None, Some(after), Some(_)) if !TIMED => {
                let started = Instant::now();
                (started, started.checked_add(after))
            }
            _ => (Instant::now(), None),
        };
        // With every policy turned off (`resile::config::set_enabled(false)`), the first
        // attempt alone, with no hedge and no deadline.
        if (self.config.max_requests <= 1 && deadline.is_none()) || crate::config::switch::all_off() {
            let result = match first_err {
                Some(e) => Err(e),
                None => {
                    // The attempt was just polled and is pending (its waker is registered):
                    // not polled again until woken.
                    let mut polled = true;
                    poll_fn(|cx| {
                        if std::mem::take(&mut polled) {
                            return Poll::Pending;
                        }
                        crate::deadline::scoped(deadline.as_ref(), || poll_slot(primary.as_mut(), cx))
                    })
                    .await
                }
            };
            guard.open = false;
            match &result {
                Ok(_) => tracker.succeeded(started.elapsed(), 1),
                Err(_) => tracker.failed(),
            }
            return result;
        }
        let mut run = Run {
            site: self,
            tracker,
            span,
            impl_type,
            hooks,
            started,
            deadline,
            // The earliest deadline, its own or an enclosing one: no attempt starts at or
            // past it.
            limit: match (deadline, crate::deadline::current()) {
                (Some(own), Some(outer)) => Some(own.min(outer)),
                (own, outer) => own.or(outer),
            },
            delay: tracker.delay(&self.config),
            last_launch: started,
            launched: 1,
            running: 1,
            failovers: 0,
            hedging: self.config.max_requests > 1,
            skip_primary: true,
            last_err: None,
            extras: None,
        };
        if let Some(e) = first_err
            && let Some(done) = run.settle(1, Err(e))
        {
            guard.open = false;
            return done;
        }
        let mut timer = pin!(None::<Sleep>);
        let result = poll_fn(|cx| {
            crate::deadline::scoped(deadline.as_ref(), || run.poll(cx, &mut make, primary.as_mut(), timer.as_mut()))
        })
        .await;
        guard.open = false;
        result
    }
}

/// Runs `f` with `deadline` published if `TIMED` ([`deadline()`](crate::deadline())); with
/// no trace of it otherwise, not even a test.
#[inline(always)]
fn publish<const TIMED: bool, R>(deadline: &Option<Instant>, f: impl FnOnce() -> R) -> R {
    if TIMED { crate::deadline::scoped(deadline.as_ref(), f) } else { f() }
}

/// Polls the attempt in `slot`, emptying the slot when it completes.
#[inline(always)]
fn poll_slot<F: Future>(mut slot: Pin<&mut Option<F>>, cx: &mut Context<'_>) -> Poll<F::Output> {
    let Some(fut) = slot.as_mut().as_pin_mut() else { return Poll::Pending };
    let output = ready!(fut.poll(cx));
    slot.set(None);
    Poll::Ready(output)
}

/// Counts the call as cancelled if it is dropped before it ends.
struct CallGuard<'s> {
    tracker: &'s HedgeTracker,
    open: bool,
}

impl Drop for CallGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.open {
            self.tracker.cancelled();
        }
    }
}

/// An extra attempt, tagged with its number, and numbered for `resile::attempt()` (the
/// primary, attempt 1, needs nothing: see `attempt`).
type Extra<Fut> = Join<Ready<u32>, Numbered<Fut>>;

/// The state of one hedged call once its first attempt has not completed at once.
struct Run<'s, E, Fut: Future, S> {
    site: &'s HedgeSite,
    tracker: &'s HedgeTracker,
    span: &'s CallSpan,
    impl_type: S,
    hooks: &'s HedgeHooks<E>,
    started: Instant,
    /// The call's own `timeout`, at which it is cut.
    deadline: Option<Instant>,
    /// The earliest of `deadline` and an enclosing one: no attempt starts at or past it.
    limit: Option<Instant>,
    delay: Duration,
    /// When the latest attempt started; the next hedge is due `delay` after it.
    last_launch: Instant,
    launched: u32,
    running: u32,
    /// Failed attempts not yet replaced.
    failovers: u32,
    /// Whether the timer may still start hedges (false once the budget said no).
    hedging: bool,
    /// The primary attempt was polled just before this run started: do not poll it again
    /// until woken.
    skip_primary: bool,
    last_err: Option<E>,
    extras: Option<FuturesUnordered<Extra<Fut>>>,
}

impl<T, E, Fut, S: ImplType> Run<'_, E, Fut, S>
where
    Fut: Future<Output = Result<T, E>>,
{
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        make: &mut impl FnMut() -> Fut,
        mut primary: Pin<&mut Option<Fut>>,
        mut timer: Pin<&mut Option<Sleep>>,
    ) -> Poll<Result<T, E>> {
        // The timer is polled outside the cooperative budget if the attempts spent it.
        let had_budget = tokio::task::coop::has_budget_remaining();
        loop {
            if !std::mem::take(&mut self.skip_primary)
                && let Poll::Ready(result) = poll_slot(primary.as_mut(), cx)
                && let Some(done) = self.settle(1, result)
            {
                return Poll::Ready(done);
            }
            while let Some(Poll::Ready(Some((n, result)))) = self.extras.as_mut().map(|x| x.poll_next_unpin(cx)) {
                if let Some(done) = self.settle(n, result) {
                    return Poll::Ready(done);
                }
            }
            if self.failovers > 0 {
                let mut started_any = false;
                while self.failovers > 0 && self.hedging_allowed() {
                    self.failovers -= 1;
                    started_any |= self.launch(make, Instant::now());
                }
                self.failovers = 0;
                if started_any {
                    continue;
                }
                if self.running == 0 {
                    self.tracker.failed();
                    return Poll::Ready(Err(self.last_err.take().expect("a failed attempt left its error")));
                }
            }
            let next_hedge = if self.hedging_allowed() { self.last_launch.checked_add(self.delay) } else { None };
            // A hedge due at or past the deadline never starts: no timer for it.
            let next_hedge = next_hedge.filter(|&at| self.limit.is_none_or(|limit| at < limit));
            let target = match (next_hedge, self.deadline) {
                (Some(h), Some(d)) => h.min(d),
                (h, d) => match h.or(d) {
                    Some(t) => t,
                    None => return Poll::Pending,
                },
            };
            let sleep = match timer.as_mut().as_pin_mut() {
                Some(mut sleep) => {
                    if sleep.deadline() != target {
                        sleep.as_mut().reset(target);
                    }
                    sleep
                }
                None => {
                    timer.set(Some(sleep_until(target)));
                    timer.as_mut().as_pin_mut().expect("just set")
                }
            };
            ready!(crate::timeout::poll_timer(had_budget, sleep, cx));
            if self.deadline == Some(target) {
                return Poll::Ready(Err(self.time_out()));
            }
            // A hedge is due; a refusal stops the timer's hedges for this call.
            self.launch(make, target);
        }
    }

    #[inline]
    fn hedging_allowed(&self) -> bool {
        self.hedging && self.launched < self.site.config.max_requests
    }

    /// Handles attempt `n`'s result; `Some` ends the call.
    #[inline]
    fn settle(&mut self, n: u32, result: Result<T, E>) -> Option<Result<T, E>> {
        self.running -= 1;
        match result {
            Ok(value) => {
                self.tracker.succeeded(self.started.elapsed(), n);
                if n > 1 {
                    let (function, name) = (self.function(), self.tracker.name());
                    self.emit(function, Event::HedgeWon { function, name, attempt: n });
                }
                Some(Ok(value))
            }
            Err(e) if self.hooks.fatal.is_some_and(|fatal| fatal(&e)) => {
                self.tracker.failed();
                self.failed(n, true);
                Some(Err(e))
            }
            Err(e) => {
                self.failed(n, false);
                self.last_err = Some(e);
                self.failovers += 1;
                None
            }
        }
    }

    /// Tells the timeline capture around the call, if any, that attempt `n` failed (`fatal`:
    /// and ends the call).
    #[inline]
    fn failed(&self, n: u32, fatal: bool) {
        if crate::timeline::active()
            && let Some(timeline) = self.span.timeline()
        {
            timeline.hedge_failed(n, fatal);
        }
    }

    #[inline]
    fn function(&self) -> Function {
        self.impl_type.function(self.site.function)
    }

    fn emit(&self, function: Function, event: Event<'_>) {
        telemetry::emit_in(self.span, function, event);
    }

    /// Starts the next attempt at `at` if it is before the deadline and the budget allows;
    /// `false` (and no more timer hedges in this call) otherwise.
    #[cold]
    fn launch(&mut self, make: &mut impl FnMut() -> Fut, at: Instant) -> bool {
        if self.limit.is_some_and(|limit| at >= limit) {
            self.hedging = false;
            return false;
        }
        let n = self.launched + 1;
        let name = self.tracker.name();
        if !self.tracker.try_hedge() {
            self.hedging = false;
            let function = self.function();
            self.emit(function, Event::HedgeDenied { function, name, attempt: n });
            return false;
        }
        self.launched = n;
        self.running += 1;
        self.last_launch = at;
        let function = self.function();
        self.emit(function, Event::HedgeFired { function, name, attempt: n });
        #[cfg(feature = "metrics")]
        self.span.mark_attempt();
        if let Some(on_hedge) = self.hooks.on_hedge {
            on_hedge(n);
        }
        self.extras.get_or_insert_with(FuturesUnordered::new).push(join(ready(n), Numbered::new(n, make())));
        true
    }

    #[cold]
    fn time_out(&mut self) -> E {
        let after = self.site.config.timeout.unwrap_or_default();
        self.tracker.timed_out(after);
        let name = Some(self.tracker.name());
        let rejection = crate::timeout::timed_out(self.span, || self.function(), "hedge", name, after);
        let to_error = self.hooks.timed_out.expect("the deadline is armed only with `timed_out`");
        to_error(rejection)
    }
}

/// A hedging policy as a plain value.
///
/// Its tracker is its own unless [`Hedge::name`] shares a named one.
#[derive(Debug)]
pub struct Hedge<E> {
    site: HedgeSite,
    hooks: HedgeHooks<E>,
}

impl<E> Hedge<E> {
    /// A policy with `config` and no callbacks.
    ///
    /// # Panics
    /// If `config` is invalid (see [`HedgeConfig::validate`]), or sets a `timeout`: use
    /// [`Hedge::timeout`], which needs `E: From<Rejection>`.
    pub fn new(config: HedgeConfig) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid hedge config: {e}");
        }
        assert!(
            config.timeout.is_none(),
            "set a hedge's timeout with `Hedge::timeout`, which needs `E: From<Rejection>`"
        );
        Hedge { site: HedgeSite::new("resile::Hedge", config), hooks: HedgeHooks::NONE }
    }

    /// Ends the call at once on errors for which `f` returns `true`.
    pub fn fatal(mut self, f: fn(&E) -> bool) -> Self {
        self.hooks.fatal = Some(f);
        self
    }

    /// Calls `f(attempt)` when an extra attempt starts.
    pub fn on_hedge(mut self, f: fn(u32)) -> Self {
        self.hooks.on_hedge = Some(f);
        self
    }

    /// Bounds the whole call: at `after` every attempt is dropped and the call returns
    /// `E::from(Rejection::TimedOut { after })`.
    ///
    /// # Panics
    /// If the resulting configuration is invalid (`after` zero, or not longer than a static
    /// `delay`).
    pub fn timeout(mut self, after: Duration) -> Self
    where
        E: From<Rejection>,
    {
        self.site.config.timeout = Some(after);
        if let Err(e) = self.site.config.validate() {
            panic!("invalid hedge config: {e}");
        }
        if let TrackerRef::Own(_) = self.site.tracker {
            self.site.tracker = TrackerRef::Own(OnceLock::new());
        }
        self.hooks.timed_out = Some(E::from);
        self
    }

    /// Shares the tracker (latencies, budget, stats) named `name`. A policy whose tracker
    /// settings (`percentile`, the window keys, the `token_*` budget) are the defaults
    /// refers to the tracker; one that sets any declares them (see [`HedgeTracker`]).
    pub fn name(mut self, name: &'static str) -> Self {
        let config = self.site.config;
        let declares = !config.same_tracker_settings(&HedgeConfig::new());
        self.site = HedgeSite::named(self.site.function, config, name, declares);
        self
    }

    /// The policy's tracker.
    pub fn tracker(&self) -> &HedgeTracker {
        self.site.tracker()
    }

    /// The configuration.
    pub fn config(&self) -> &HedgeConfig {
        self.site.config()
    }

    /// Runs a hedged call; `op` creates each attempt's future.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut span = CallSpan::new();
        static TIMELINE: crate::timeline::TimelineSite = crate::timeline::TimelineSite::new();
        span.start(&TIMELINE, self.site.function, Free);
        let result = if self.hooks.timed_out.is_some() {
            self.site.call_timed(&span, Free, &self.hooks, op).await
        } else {
            self.site.call(&span, Free, &self.hooks, op).await
        };
        span.finish(&result);
        result
    }
}

impl<E> crate::Policy<E> for Hedge<E> {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        Hedge::call(self, op)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn call_future_is_send_when_attempts_are() {
        let hedge: Hedge<()> = Hedge::new(HedgeConfig::new());
        let fut = hedge.call(|| async { Ok::<_, ()>(1) });
        assert_send(&fut);
    }

    #[test]
    #[should_panic(expected = "Hedge::timeout")]
    fn config_timeout_without_from_rejection_panics() {
        let _ = Hedge::<()>::new(HedgeConfig::new().timeout(Duration::from_secs(1)));
    }
}
