//! [`Event`]: what telemetry reports, as a value, and how it shows in `Debug`.

use std::fmt::{self, Display};
use std::time::Duration;

use super::function::Function;
use crate::{Rejection, State};

/// A telemetry event, as passed to an [`Observer`](super::Observer).
///
/// Errors are given by their `Display` (`None` when the error type has none), so an
/// observer can log them without the backtrace a `Debug` may print.
#[non_exhaustive]
#[derive(Clone, Copy)]
pub enum Event<'a> {
    /// An attempt failed and another one follows after `delay`.
    #[non_exhaustive]
    Retry {
        /// The guarded function.
        function: Function,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The attempts allowed (`max`).
        max: u32,
        /// The sleep before the next attempt.
        delay: Duration,
        /// What the error asked for through `#[retry(retry_after = ..)]`, if anything: the
        /// sleep is `max(backoff delay, retry_after)`, so a `delay` longer than the backoff
        /// shows why here.
        retry_after: Option<Duration>,
        /// The error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// The last of the `max` attempts failed: the call gives up with its error. Written at
    /// `WARN`. Not reported when `max` is 1 (nothing was to be retried).
    #[non_exhaustive]
    RetriesExhausted {
        /// The guarded function.
        function: Function,
        /// The last attempt, which is also the number of attempts made (`max`).
        attempt: u32,
        /// Time on tokio's clock from the end of the first attempt (its failure) to the end
        /// of the last: the backoff sleeps and every attempt after the first. The first
        /// attempt's own duration is not in it: a call does not read the clock when it
        /// starts (that would cost every successful call), only when an attempt fails.
        elapsed: Duration,
        /// The last attempt's error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// An attempt failed with an error that `retry_if` does not retry: the call ends with it.
    #[non_exhaustive]
    NotRetryable {
        /// The guarded function.
        function: Function,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The attempts allowed (`max`).
        max: u32,
        /// The error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// A retry was not made because the named retry budget was exhausted.
    #[non_exhaustive]
    RetryBudgetExhausted {
        /// The guarded function.
        function: Function,
        /// The retry budget's name.
        budget: &'static str,
        /// The attempt that failed last, from 1.
        attempt: u32,
        /// Its error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// A retry was not made because the error asked (through `#[retry(retry_after = ..)]`)
    /// for a wait longer than `max_delay`.
    #[non_exhaustive]
    RetryHintTooLong {
        /// The guarded function.
        function: Function,
        /// The attempt that failed last, from 1.
        attempt: u32,
        /// The wait the error asked for.
        retry_after: Duration,
        /// The retry's `max_delay`, which it exceeds.
        max_delay: Duration,
        /// Its error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// A retry was not made because its sleep would end past the wall-clock `budget`.
    #[non_exhaustive]
    RetryOutOfTime {
        /// The guarded function.
        function: Function,
        /// The attempt that failed last, from 1.
        attempt: u32,
        /// Its error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// A retry was not made because its sleep would end at or past the deadline of an
    /// enclosing timeout ([`deadline()`](crate::deadline())): the call returns this error at
    /// once rather than be cut halfway through the sleep.
    #[non_exhaustive]
    RetryPastDeadline {
        /// The guarded function.
        function: Function,
        /// The attempt that failed last, from 1.
        attempt: u32,
        /// The sleep the retry would have made.
        delay: Duration,
        /// The enclosing deadline, on tokio's clock.
        deadline: tokio::time::Instant,
        /// Its error, when its type implements `Display`.
        error: Option<&'a dyn Display>,
    },
    /// A policy refused or cut a call.
    #[non_exhaustive]
    Rejected {
        /// The guarded function.
        function: Function,
        /// The policy that refused it: `circuit_breaker`, `timeout`, `hedge` (its `timeout`).
        policy: &'static str,
        /// That policy's instance name, where it has one (a breaker's, a hedge tracker's).
        name: Option<&'static str>,
        /// Why.
        rejection: &'a Rejection,
    },
    /// A circuit breaker changed state: an event of the shared breaker, not of one call.
    #[non_exhaustive]
    StateChange {
        /// The breaker's name.
        name: &'static str,
        /// A keyed breaker's key (`key = ..`), by its `Debug`; `None` for the breaker of a
        /// name, or a key whose type has no `Debug`.
        key: Option<&'a str>,
        /// The state it left.
        from: State,
        /// The state it entered.
        to: State,
    },
    /// A hedged attempt was started.
    #[non_exhaustive]
    HedgeFired {
        /// The guarded function.
        function: Function,
        /// The hedge tracker's name (the function's path when unnamed).
        name: &'static str,
        /// The attempt number started, from 2.
        attempt: u32,
    },
    /// A hedged attempt (not the first) produced the winning result.
    #[non_exhaustive]
    HedgeWon {
        /// The guarded function.
        function: Function,
        /// The hedge tracker's name.
        name: &'static str,
        /// The attempt that won, from 2.
        attempt: u32,
    },
    /// A hedge was wanted but the hedge budget denied it.
    #[non_exhaustive]
    HedgeDenied {
        /// The guarded function.
        function: Function,
        /// The hedge tracker's name.
        name: &'static str,
        /// The attempt number that was not started, from 2.
        attempt: u32,
    },
    /// A call waited in a bulkhead's queue and was admitted (a call refused after waiting
    /// is a [`Rejected`](Event::Rejected) event).
    #[non_exhaustive]
    BulkheadWait {
        /// The guarded function.
        function: Function,
        /// The bulkhead's name.
        name: &'static str,
        /// How long it waited (tokio's clock).
        waited: Duration,
    },
    /// A call waits for its rate limiter's tokens (it holds them while it waits), then
    /// runs: reported when the wait starts, with its exact length.
    #[non_exhaustive]
    RateLimitWait {
        /// The guarded function.
        function: Function,
        /// The rate limiter's name.
        name: &'static str,
        /// How long it waits (tokio's clock).
        waited: Duration,
    },
    /// A chaos injector (`#[chaos]`) injected a fault into a call.
    #[non_exhaustive]
    ChaosInjected {
        /// The guarded function.
        function: Function,
        /// The injector's name; `None` for an unnamed one.
        name: Option<&'static str>,
        /// `"error"`, `"outage"`, `"latency"` or `"hang"`.
        fault: &'static str,
        /// The injected sleep, for a `"latency"`.
        latency: Option<Duration>,
    },
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// An error shown by its `Display`.
        struct Shown<'a>(Option<&'a dyn Display>);
        impl fmt::Debug for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Some(e) => write!(f, "Some(\"{e}\")"),
                    None => f.write_str("None"),
                }
            }
        }
        match *self {
            Event::Retry { function, attempt, max, delay, retry_after, error } => f
                .debug_struct("Retry")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("max", &max)
                .field("delay", &delay)
                .field("retry_after", &retry_after)
                .field("error", &Shown(error))
                .finish(),
            Event::RetriesExhausted { function, attempt, elapsed, error } => f
                .debug_struct("RetriesExhausted")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("elapsed", &elapsed)
                .field("error", &Shown(error))
                .finish(),
            Event::NotRetryable { function, attempt, max, error } => f
                .debug_struct("NotRetryable")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("max", &max)
                .field("error", &Shown(error))
                .finish(),
            Event::RetryBudgetExhausted { function, budget, attempt, error } => f
                .debug_struct("RetryBudgetExhausted")
                .field("function", &function)
                .field("budget", &budget)
                .field("attempt", &attempt)
                .field("error", &Shown(error))
                .finish(),
            Event::RetryHintTooLong { function, attempt, retry_after, max_delay, error } => f
                .debug_struct("RetryHintTooLong")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("retry_after", &retry_after)
                .field("max_delay", &max_delay)
                .field("error", &Shown(error))
                .finish(),
            Event::RetryOutOfTime { function, attempt, error } => f
                .debug_struct("RetryOutOfTime")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("error", &Shown(error))
                .finish(),
            Event::RetryPastDeadline { function, attempt, delay, deadline, error } => f
                .debug_struct("RetryPastDeadline")
                .field("function", &function)
                .field("attempt", &attempt)
                .field("delay", &delay)
                .field("deadline", &deadline)
                .field("error", &Shown(error))
                .finish(),
            Event::Rejected { function, policy, name, rejection } => f
                .debug_struct("Rejected")
                .field("function", &function)
                .field("policy", &policy)
                .field("name", &name)
                .field("rejection", rejection)
                .finish(),
            Event::StateChange { name, key, from, to } => f
                .debug_struct("StateChange")
                .field("name", &name)
                .field("key", &key)
                .field("from", &from)
                .field("to", &to)
                .finish(),
            Event::HedgeFired { function, name, attempt } => hedge(f, "HedgeFired", function, name, attempt),
            Event::HedgeWon { function, name, attempt } => hedge(f, "HedgeWon", function, name, attempt),
            Event::HedgeDenied { function, name, attempt } => hedge(f, "HedgeDenied", function, name, attempt),
            Event::BulkheadWait { function, name, waited } => wait(f, "BulkheadWait", function, name, waited),
            Event::RateLimitWait { function, name, waited } => wait(f, "RateLimitWait", function, name, waited),
            Event::ChaosInjected { function, name, fault, latency } => f
                .debug_struct("ChaosInjected")
                .field("function", &function)
                .field("name", &name)
                .field("fault", &fault)
                .field("latency", &latency)
                .finish(),
        }
    }
}

fn hedge(f: &mut fmt::Formatter<'_>, kind: &str, function: Function, name: &str, attempt: u32) -> fmt::Result {
    f.debug_struct(kind).field("function", &function).field("name", &name).field("attempt", &attempt).finish()
}

fn wait(f: &mut fmt::Formatter<'_>, kind: &str, function: Function, name: &str, waited: Duration) -> fmt::Result {
    f.debug_struct(kind).field("function", &function).field("name", &name).field("waited", &waited).finish()
}
