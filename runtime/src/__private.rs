//! Items the attribute expansion calls. Not public API: no stability promise, hidden from
//! docs, and locked to the exact `resile-macros` version by the facade.

#![allow(missing_docs, missing_debug_implementations)]

use std::fmt::Debug;
use std::future::Future;

pub use crate::circuit_breaker;
pub use crate::hedge;
pub use crate::rejection::bridge;
pub use crate::retry::{Backoff, Jitter, RetryConfig, RetryHooks, RetryRun, RetrySite};
pub use core::ops::ControlFlow;
pub use core::time::Duration;

/// Runs `fut` for at most `after`; `reject` converts the rejection into the caller's error.
/// A plain future around tokio's `Timeout` (no `async fn` state machine), so the body is
/// moved once, into the timer's future, and polled in place.
#[inline]
pub fn timeout<T, E, Fut>(
    function: &'static str,
    after: Duration,
    reject: fn(crate::Rejection) -> E,
    fut: Fut,
) -> TimeoutFuture<Fut, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    TimeoutFuture { inner: tokio::time::timeout(after, fut), function, after, reject }
}

pin_project_lite::pin_project! {
    /// The future of [`timeout`].
    pub struct TimeoutFuture<Fut, E> {
        #[pin]
        inner: tokio::time::Timeout<Fut>,
        function: &'static str,
        after: Duration,
        reject: fn(crate::Rejection) -> E,
    }
}

impl<T, E, Fut: Future<Output = Result<T, E>>> Future for TimeoutFuture<Fut, E> {
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            core::task::Poll::Ready(Ok(result)) => core::task::Poll::Ready(result),
            core::task::Poll::Ready(Err(_)) => {
                core::task::Poll::Ready(Err((this.reject)(crate::timeout::timed_out(this.function, *this.after))))
            }
            core::task::Poll::Pending => core::task::Poll::Pending,
        }
    }
}

/// Sleeps `delay` on tokio's clock (the retry backoff). Boxed: a tokio `Sleep` is over
/// 100 bytes, and keeping it out of the guarded call's future keeps that future small, so
/// the success path moves less; the allocation happens only when a retry is made.
#[inline(never)]
pub fn sleep(delay: Duration) -> core::pin::Pin<Box<tokio::time::Sleep>> {
    Box::pin(tokio::time::sleep(delay))
}

/// The `resile` span of one guarded call, or nothing when no subscriber wants `DEBUG` spans
/// of target `resile`: then building it costs one atomic load of tracing's max level, and
/// entering it one branch. The expansion keeps it as a local of the guarded function and
/// wraps futures with a reference to it ([`CallSpan::instrument`]), so no `Span` is moved
/// around with the futures.
pub struct CallSpan(Option<tracing::Span>);

impl CallSpan {
    #[inline(always)]
    pub fn new(function: &'static str) -> Self {
        if tracing::level_enabled!(tracing::Level::DEBUG) {
            let span = crate::telemetry::call_span(function);
            if !span.is_disabled() {
                return CallSpan(Some(span));
            }
        }
        CallSpan(None)
    }

    /// Polls `fut` inside the span.
    #[inline]
    pub fn instrument<F: Future>(&self, fut: F) -> InSpan<'_, F> {
        InSpan { span: self, fut }
    }

    /// Runs `f` inside the span.
    #[inline]
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            None => f(),
            Some(span) => span.in_scope(f),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`CallSpan::instrument`].
    pub struct InSpan<'a, F> {
        span: &'a CallSpan,
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for InSpan<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<F::Output> {
        let this = self.project();
        match &this.span.0 {
            None => this.fut.poll(cx),
            Some(span) => {
                let _entered = span.enter();
                this.fut.poll(cx)
            }
        }
    }
}

/// Converters from `Rejection` to the caller's error, one per attribute: the bound on each
/// is the attribute's bridge trait, so a missing `From<Rejection>` names the attribute.
pub mod reject {
    use super::bridge;
    use crate::Rejection;

    #[inline]
    pub fn timeout<E: bridge::TimeoutRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn circuit_breaker<E: bridge::CircuitBreakerRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn hedge<E: bridge::HedgeRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
}

/// Fixes the output type of a body future, so `?` and `return` inside it infer.
#[inline(always)]
pub fn body<R, F: Future<Output = R>>(f: F) -> F {
    f
}

/// Autoref specialisation: the error's `Debug`, when it has one, for telemetry.
/// `(&__private::error_of(&result)).describe_fn()` is `Some` iff `E: Debug`.
pub struct Describe<E>(core::marker::PhantomData<fn(E)>);

#[inline(always)]
pub fn error_of<T, E>(_: &Result<T, E>) -> Describe<E> {
    Describe(core::marker::PhantomData)
}

pub trait DescribeDebug<E> {
    fn describe_fn(&self) -> Option<fn(&E) -> &dyn Debug>;
}

impl<E: Debug> DescribeDebug<E> for &Describe<E> {
    #[inline(always)]
    fn describe_fn(&self) -> Option<fn(&E) -> &dyn Debug> {
        Some(|e| e)
    }
}

pub trait DescribeNone<E> {
    fn describe_fn(&self) -> Option<fn(&E) -> &dyn Debug>;
}

impl<E> DescribeNone<E> for Describe<E> {
    #[inline(always)]
    fn describe_fn(&self) -> Option<fn(&E) -> &dyn Debug> {
        None
    }
}

/// Checks that a by-value argument the body moves can be moved again on the next attempt.
pub mod moves {
    #[diagnostic::on_unimplemented(
        message = "`#[retry]` runs the body once per attempt, so it cannot move this `{Self}` argument out",
        label = "moved here, but the next attempt needs it again",
        note = "clone it where it is used (`arg.clone()`), or take the argument by reference (`&{Self}`)"
    )]
    pub trait RetryReusable {}
    impl<T: Copy> RetryReusable for T {}

    #[diagnostic::on_unimplemented(
        message = "`#[hedge]` runs the body once per attempt, so it cannot move this `{Self}` argument out",
        label = "moved here, but every attempt needs it",
        note = "clone it where it is used (`arg.clone()`), or take the argument by reference (`&{Self}`)"
    )]
    pub trait HedgeReusable {}
    impl<T: Copy> HedgeReusable for T {}

    #[inline(always)]
    pub fn retry_reusable<T: RetryReusable>() {}
    #[inline(always)]
    pub fn hedge_reusable<T: HedgeReusable>() {}
}
