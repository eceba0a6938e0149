//! The tokio-facing timeout: the call site the `#[timeout]` expansion keeps in a `static`
//! ([`TimeoutSite`]), the future it wraps around what is inside it ([`TimeoutFuture`]), and
//! [`Timeout`], the plain value with `call(|| fut)`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::config::TimeoutConfig;
use crate::Rejection;
use crate::telemetry::{self, CallSpan, Function, ImplType};

/// One `#[timeout]` call site: its setting and the function it guards.
#[derive(Debug)]
pub struct TimeoutSite {
    function: &'static str,
    config: TimeoutConfig,
}

impl TimeoutSite {
    /// The call site of `function` with `config` (checked by the caller: the attribute checks
    /// it at compile time).
    pub const fn new(function: &'static str, config: TimeoutConfig) -> Self {
        TimeoutSite { function, config }
    }

    /// The deadline.
    #[inline]
    pub fn after(&self) -> Duration {
        self.config.after
    }

    /// Runs `fut` for at most the deadline; `reject` turns the rejection into the caller's
    /// error. Events go to `span`, the guarded call's span, the function named with
    /// `impl_type` (zero-sized: nothing is stored for it).
    ///
    /// The deadline is read from tokio's clock here, when the call is made; the returned
    /// future arms tokio's timer only if `fut` is pending after a poll (and then panics
    /// outside a runtime with its time driver enabled, as `tokio::time::timeout` does).
    #[inline(always)]
    pub fn run<'a, T, E, F, S: ImplType>(
        &'static self,
        span: &'a CallSpan,
        impl_type: S,
        reject: fn(Rejection) -> E,
        fut: F,
    ) -> TimeoutFuture<'a, F, E, S>
    where
        F: Future<Output = Result<T, E>>,
    {
        // With every policy turned off (`resile::config::set_enabled(false)`), no deadline:
        // no timer and nothing published; a deadline past the clock's range arms no timer
        // either.
        let deadline =
            if crate::config::switch::all_off() { None } else { Instant::now().checked_add(self.config.after) };
        TimeoutFuture { inner: fut, deadline, sleep: None, site: self, span, impl_type, reject }
    }
}

pin_project_lite::pin_project! {
    /// A future bounded by a [`TimeoutSite`]'s deadline: the guarded future, its deadline,
    /// and tokio's [`Sleep`] for that deadline, armed only if the guarded future is still
    /// pending after its first poll (no `async fn` state machine, no
    /// `tokio::time::Timeout`). Each poll publishes the deadline to what it polls
    /// ([`deadline()`](crate::deadline())).
    pub struct TimeoutFuture<'a, F, E, S> {
        #[pin]
        inner: F,
        deadline: Option<Instant>,
        #[pin]
        sleep: Option<Sleep>,
        site: &'static TimeoutSite,
        span: &'a CallSpan,
        impl_type: S,
        reject: fn(Rejection) -> E,
    }
}

impl<T, E, F, S: ImplType> Future for TimeoutFuture<'_, F, E, S>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match poll_guarded(this.inner, this.deadline, this.sleep, cx) {
            Poll::Ready(Some(result)) => Poll::Ready(result),
            Poll::Ready(None) => {
                let (site, impl_type) = (*this.site, *this.impl_type);
                let rejection =
                    timed_out(this.span, || impl_type.function(site.function), "timeout", None, site.after());
                Poll::Ready(Err((this.reject)(rejection)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// One poll of a timeout: `inner` with `deadline` published, then, if `inner` is pending,
/// the timer for `deadline`, armed in `sleep` the first time. `Ready(Some(output))` when
/// `inner` finished, `Ready(None)` when the deadline came first.
///
/// As `tokio::time::Timeout` polls: the inner future first (a future ready at once is ready
/// whatever the deadline), then the timer, with tokio's cooperative budget lifted for the
/// timer when it was the inner future that spent it, so that a future that always spends
/// the budget cannot keep the deadline from being seen. The deadline is read from the clock
/// when the call is made, as `tokio::time::timeout` reads it; only the timer entry waits
/// for a pending poll, so a call that completes in its first poll never touches the timer
/// (no runtime handle taken, none released).
#[inline(always)]
pub(crate) fn poll_guarded<F: Future>(
    inner: Pin<&mut F>,
    deadline: &Option<Instant>,
    sleep: Pin<&mut Option<Sleep>>,
    cx: &mut Context<'_>,
) -> Poll<Option<F::Output>> {
    let had_budget = tokio::task::coop::has_budget_remaining();
    let polled = {
        let _scope = crate::deadline::enter(deadline.as_ref());
        inner.poll(cx)
    };
    match (polled, deadline) {
        (Poll::Ready(output), _) => Poll::Ready(Some(output)),
        (Poll::Pending, Some(at)) => poll_sleep(had_budget, *at, sleep, cx).map(|()| None),
        (Poll::Pending, None) => Poll::Pending,
    }
}

/// Polls the timer for `deadline`, armed in `sleep` if it is not yet, outside tokio's
/// cooperative budget if the inner future spent it during this poll (`had_budget` before,
/// none now). Not generic: one copy for every timeout.
fn poll_sleep(
    had_budget: bool,
    deadline: Instant,
    mut sleep: Pin<&mut Option<Sleep>>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if sleep.is_none() {
        sleep.set(Some(tokio::time::sleep_until(deadline)));
    }
    let Some(sleep) = sleep.as_pin_mut() else { unreachable!("armed above") };
    poll_timer(had_budget, sleep, cx)
}

/// Polls `timer`, outside tokio's cooperative budget if what this poll ran before it spent
/// the budget (`had_budget` before, none now), as `tokio::time::Timeout` polls its delay: a
/// future that spends the budget in every poll cannot keep a deadline from being seen.
/// What every timer that cuts a call goes through (`#[timeout]`, a hedge's, a
/// combinator's `.timeout(d)`).
pub(crate) fn poll_timer(had_budget: bool, timer: Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<()> {
    if had_budget && !tokio::task::coop::has_budget_remaining() {
        std::pin::pin!(tokio::task::coop::unconstrained(timer)).poll(cx)
    } else {
        timer.poll(cx)
    }
}

/// Records a timeout after `after` of the call guarding `function`, by `policy` (its
/// instance `name`, if any), and returns its rejection.
#[cold]
#[inline(never)]
pub(crate) fn timed_out(
    span: &CallSpan,
    function: impl FnOnce() -> Function,
    policy: &'static str,
    name: Option<&'static str>,
    after: Duration,
) -> Rejection {
    telemetry::rejected(span, function, policy, name, Rejection::TimedOut { after })
}

/// Runs `fut` for at most `after`; at the deadline drops it and returns
/// `E::from(Rejection::TimedOut { after })`, reported in telemetry as a rejection of
/// `function`. The free-function form of [`Timeout`].
///
/// # Panics
/// As `tokio::time::timeout`, outside a tokio runtime with its time driver enabled; only at
/// the first poll in which `fut` is pending, when the timer is armed.
pub async fn timeout<T, E, Fut>(function: &'static str, after: Duration, fut: Fut) -> Result<T, E>
where
    E: From<Rejection>,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now().checked_add(after);
    let (mut inner, mut sleep) = (std::pin::pin!(fut), std::pin::pin!(None));
    match std::future::poll_fn(|cx| poll_guarded(inner.as_mut(), &deadline, sleep.as_mut(), cx)).await {
        Some(result) => result,
        None => Err(E::from(timed_out(CallSpan::detached(), || Function::free(function), "timeout", None, after))),
    }
}

/// A timeout policy as a plain value.
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::{Rejection, timeout::Timeout};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let t = Timeout::new(Duration::from_millis(50));
/// let slow = t.call(|| async {
///     tokio::time::sleep(Duration::from_secs(1)).await;
///     Ok::<_, Rejection>(())
/// });
/// assert_eq!(slow.await, Err(Rejection::TimedOut { after: Duration::from_millis(50) }));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    after: Duration,
}

impl Timeout {
    /// A timeout of `after`.
    ///
    /// # Panics
    /// If `after` is zero.
    pub const fn new(after: Duration) -> Self {
        assert!(!after.is_zero(), "a timeout must be greater than zero");
        Timeout { after }
    }

    /// The deadline.
    pub const fn after(&self) -> Duration {
        self.after
    }

    /// Runs `op()` for at most the deadline.
    ///
    /// # Panics
    /// As [`timeout()`]: outside a tokio runtime with its time driver enabled, at the first
    /// poll in which the call is pending.
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, E>
    where
        E: From<Rejection>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        timeout("resile::Timeout", self.after, op()).await
    }
}

impl<E: From<Rejection>> crate::Policy<E> for Timeout {
    fn call<T, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        Timeout::call(self, op)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::telemetry::Free;
    use std::task::Waker;

    const AFTER: Duration = Duration::from_millis(250);
    static SITE: TimeoutSite = TimeoutSite::new("site-test", TimeoutConfig::new(AFTER));

    fn call<F: Future<Output = Result<(), Rejection>>>(fut: F) -> TimeoutFuture<'static, F, Rejection, Free> {
        SITE.run(CallSpan::detached(), Free, |r| r, fut)
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_is_read_when_the_call_is_made() {
        let start = Instant::now();
        let slow = call(tokio::time::sleep(Duration::from_secs(1)).then_ok());
        tokio::time::advance(Duration::from_millis(100)).await;
        assert_eq!(slow.await, Err(Rejection::TimedOut { after: AFTER }));
        assert_eq!(start.elapsed(), AFTER, "as tokio::time::timeout: from the call, not from its first poll");
    }

    #[tokio::test(start_paused = true)]
    async fn the_timer_is_armed_only_when_the_call_is_pending() {
        let mut cx = Context::from_waker(Waker::noop());
        let start = Instant::now();

        let mut fast = std::pin::pin!(call(async { Ok(()) }));
        assert_eq!(fast.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
        assert!(fast.sleep.is_none(), "a call ready in its first poll arms no timer");

        let mut slow = std::pin::pin!(call(std::future::pending()));
        assert_eq!(slow.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(slow.sleep.as_ref().map(Sleep::deadline), Some(start + AFTER));
        assert_eq!(slow.deadline, Some(start + AFTER));
        tokio::time::advance(AFTER).await;
        assert_eq!(slow.as_mut().poll(&mut cx), Poll::Ready(Err(Rejection::TimedOut { after: AFTER })));
    }

    /// `Ok(())` after `self`.
    trait ThenOk: Future<Output = ()> + Sized {
        async fn then_ok(self) -> Result<(), Rejection> {
            self.await;
            Ok(())
        }
    }
    impl<F: Future<Output = ()>> ThenOk for F {}
}
