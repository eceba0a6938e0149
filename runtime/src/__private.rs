//! Items the attribute expansion calls. Not public API: no stability promise, hidden from
//! docs, and locked to the exact `resile-macros` version by the facade.

#![allow(missing_docs, missing_debug_implementations)]

use std::fmt::Debug;
use std::future::Future;

pub use crate::circuit_breaker;
pub use crate::hedge;
pub use crate::rejection::bridge;
pub use crate::retry::{RetryConfig, RetryHooks, RetryRun, RetrySite, Backoff, Jitter};
pub use crate::telemetry::call_span;
pub use core::ops::ControlFlow;
pub use core::time::Duration;
pub use tracing::Instrument;

/// Runs `fut` for at most `after`; `reject` converts the rejection into the caller's error.
#[inline]
pub async fn timeout<T, E, Fut>(function: &'static str, after: Duration, reject: fn(crate::Rejection) -> E, fut: Fut) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    match tokio::time::timeout(after, fut).await {
        Ok(result) => result,
        Err(_) => Err(reject(crate::timeout::timed_out(function, after))),
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

/// Spans the bound check on the user's return type: `Result<T, E>` needs `E: Bridge`.
#[inline(always)]
pub fn check_result<T, E>(_: core::marker::PhantomData<Result<T, E>>) {}

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
