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
        // With every policy turned off (`resile::config::set_enabled(false)`), no timer and
        // nothing published; a deadline past the clock's range arms no timer either.
        let sleep = if crate::config::switch::all_off() {
            None
        } else {
            Instant::now().checked_add(self.config.after).map(tokio::time::sleep_until)
        };
        TimeoutFuture { inner: fut, sleep, site: self, span, impl_type, reject }
    }
}

pin_project_lite::pin_project! {
    /// A future bounded by a [`TimeoutSite`]'s deadline: the guarded future and tokio's
    /// [`Sleep`] side by side (no `async fn` state machine, no `tokio::time::Timeout`), so
    /// the inner future is moved once and polled in place, and the deadline is kept once, in
    /// the `Sleep`. Each poll publishes that deadline to what it polls
    /// ([`deadline()`](crate::deadline())).
    pub struct TimeoutFuture<'a, F, E, S> {
        #[pin]
        inner: F,
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
        match poll_guarded(this.inner, this.sleep, cx) {
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

/// One poll of a timeout: `inner` with the deadline of `sleep` published, then, if `inner`
/// is pending, `sleep`. `Ready(Some(output))` when `inner` finished, `Ready(None)` when the
/// deadline came first. As `tokio::time::Timeout` polls: the inner future first (a future
/// ready at once is ready whatever the deadline), then the timer, with tokio's cooperative
/// budget lifted for the timer when it was the inner future that spent it, so that a future
/// that always spends the budget cannot keep the deadline from being seen.
#[inline(always)]
fn poll_guarded<F: Future>(
    inner: Pin<&mut F>,
    mut sleep: Pin<&mut Option<Sleep>>,
    cx: &mut Context<'_>,
) -> Poll<Option<F::Output>> {
    let had_budget = tokio::task::coop::has_budget_remaining();
    let polled = {
        let _scope = crate::deadline::enter_sleep(sleep.as_ref().get_ref().as_ref());
        inner.poll(cx)
    };
    if let Poll::Ready(output) = polled {
        return Poll::Ready(Some(output));
    }
    match sleep.as_mut().as_pin_mut() {
        Some(sleep) => poll_sleep(had_budget, sleep, cx).map(|()| None),
        None => Poll::Pending,
    }
}

/// Polls `sleep`, outside tokio's cooperative budget if the inner future spent it during
/// this poll (`had_budget` before, none now). Not generic: one copy for every timeout.
fn poll_sleep(had_budget: bool, sleep: Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<()> {
    if had_budget && !tokio::task::coop::has_budget_remaining() {
        std::pin::pin!(tokio::task::coop::unconstrained(sleep)).poll(cx)
    } else {
        sleep.poll(cx)
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
pub async fn timeout<T, E, Fut>(function: &'static str, after: Duration, fut: Fut) -> Result<T, E>
where
    E: From<Rejection>,
    Fut: Future<Output = Result<T, E>>,
{
    let sleep = Instant::now().checked_add(after).map(tokio::time::sleep_until);
    let (mut inner, mut sleep) = (std::pin::pin!(fut), std::pin::pin!(sleep));
    match std::future::poll_fn(|cx| poll_guarded(inner.as_mut(), sleep.as_mut(), cx)).await {
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
