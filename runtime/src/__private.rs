//! Items the attribute expansion calls. Not public API: no stability promise, hidden from
//! docs, and locked to the exact `resile-macros` version by the facade.
//!
//! Only re-exports and tiny shims live here; every piece of logic lives with its policy.

#![allow(missing_docs, missing_debug_implementations)]

use std::fmt::Display;

use crate::telemetry::Describer;
use std::future::Future;

pub use crate::Outcome;
pub use crate::bulkhead::KeyedBulkheadSite;
pub use crate::bulkhead::{AdaptiveAlgorithm, AdaptivePermit, Sampling};
pub use crate::bulkhead::{BulkheadConfig, BulkheadPermit, BulkheadSite};
#[cfg(feature = "chaos")]
pub use crate::chaos::{Begun as ChaosBegun, ChaosConfig, ChaosError, ChaosSite, inject as chaos_inject};
pub use crate::checks::{bridge, fallback, hooks, moves, reject};
pub use crate::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, WindowKind};
pub use crate::hedge::{HedgeConfig, HedgeHooks, HedgeSite};
pub use crate::kit::Site;
pub use crate::kit::{KeyGuard, KeyedSite, ShownKey};
pub use crate::rate_limit::KeyedRateLimitSite;
pub use crate::rate_limit::backend::RemoteRateLimitSite;
pub use crate::rate_limit::{RateLimitConfig, RateLimitSite};
pub use crate::retry::{Backoff, Jitter, RetryConfig, RetryHooks, RetrySite};
pub use crate::single_flight::__private as single_flight;
pub use crate::telemetry::meter::{Meter, Metered};
pub use crate::telemetry::{CallSpan, Free, Method};
pub use crate::timeline::TimelineSite;
pub use crate::timeout::{TimeoutConfig, TimeoutSite};
pub use core::ops::ControlFlow;
pub use core::result::Result::{Err, Ok};
pub use core::time::Duration;
pub use resile_config::{BulkheadPolicy, ChaosPolicy, CircuitBreakerPolicy, HedgePolicy, RateLimitPolicy, RetryPolicy};

pub use crate::attempt::Numbered;

/// Fixes the output type of a body future, so `?` and `return` inside it infer.
#[inline(always)]
pub fn body<R, F: Future<Output = R>>(f: F) -> F {
    f
}

/// Autoref specialisation: how telemetry writes the error (never by its `Debug`: an
/// `anyhow::Error`'s prints a backtrace). `(&&&__private::Describe::of(&error)).describe_fn()`
/// is the chain of an `E: std::error::Error`, else the alternate `Display` of an
/// `E: Display`, else `None` (see `telemetry::Describer`).
pub struct Describe<E>(core::marker::PhantomData<fn(E)>);

impl<E> Describe<E> {
    #[inline(always)]
    pub fn of(_: &E) -> Self {
        Describe(core::marker::PhantomData)
    }
}

pub trait DescribeError<E> {
    fn describe_fn(&self) -> Describer<E>;
}

impl<E: std::error::Error> DescribeError<E> for &&Describe<E> {
    #[inline(always)]
    fn describe_fn(&self) -> Describer<E> {
        Some(|e, f| crate::telemetry::write_chain(e, f))
    }
}

pub trait DescribeDisplay<E> {
    fn describe_fn(&self) -> Describer<E>;
}

impl<E: Display> DescribeDisplay<E> for &Describe<E> {
    #[inline(always)]
    fn describe_fn(&self) -> Describer<E> {
        Some(|e, f| write!(f, "{e:#}"))
    }
}

pub trait DescribeNone<E> {
    fn describe_fn(&self) -> Describer<E>;
}

impl<E> DescribeNone<E> for Describe<E> {
    #[inline(always)]
    fn describe_fn(&self) -> Describer<E> {
        None
    }
}

/// Autoref specialisation: how a keyed breaker's events show its key. The expansion passes
/// `(&&ShowKey(key)).__resile_shown_key()`: with the key's `Debug` when its type has one
/// (`ShowDebug`), else without (`ShowNone`), for any key type.
pub struct ShowKey<'a, Q: ?Sized>(pub &'a Q);

pub trait ShowDebug<'a, Q: ?Sized> {
    fn __resile_shown_key(&self) -> ShownKey<'a, Q>;
}

impl<'a, Q: ?Sized + core::fmt::Debug> ShowDebug<'a, Q> for &ShowKey<'a, Q> {
    #[inline(always)]
    fn __resile_shown_key(&self) -> ShownKey<'a, Q> {
        ShownKey { key: self.0, show: Some(<Q as core::fmt::Debug>::fmt) }
    }
}

pub trait ShowNone<'a, Q: ?Sized> {
    fn __resile_shown_key(&self) -> ShownKey<'a, Q>;
}

impl<'a, Q: ?Sized> ShowNone<'a, Q> for ShowKey<'a, Q> {
    #[inline(always)]
    fn __resile_shown_key(&self) -> ShownKey<'a, Q> {
        ShownKey { key: self.0, show: None }
    }
}
