//! The runtime of [resile](https://docs.rs/resile): resilience policies as plain values,
//! the shared registries of named instances, and telemetry. The `#[resile::*]` attributes
//! expand into thin calls to this crate; everything here is usable without them.
//!
//! | policy | module | attribute |
//! |---|---|---|
//! | retry with backoff, jitter and a shared retry budget | [`retry`] | `#[retry]` |
//! | timeout | [`timeout`](mod@timeout) | `#[timeout]` |
//! | hedged requests, static or adaptive, with a hedge budget | [`hedge`] | `#[hedge]` |
//! | circuit breaker: count or time window, failure and slow-call rates, operator states | [`circuit_breaker`](mod@circuit_breaker) | `#[circuit_breaker]` |
//! | bulkhead: a named weighted FIFO semaphore with a bounded wait | [`bulkhead`](mod@bulkhead) | `#[bulkhead]` |
//! | rate limiter: a lazy token bucket (GCRA), exact to the nanosecond | [`rate_limit`] | `#[rate_limit]` |
//! | single flight: concurrent calls with equal keys share one execution | [`single_flight`] | `#[single_flight]` |
//!
//! Live configuration of named instances (a TOML text, a watched file, a polled control
//! plane) and the switches that turn policies off are in [`config`](mod@config).
//!
//! Inside a retried or hedged call, [`attempt()`] tells which attempt is running (so a retry
//! can go to another replica); [`Rejection::retry_after`] says how long a refusing policy
//! asks to wait, and [`Rejection::hint`] hands it to `#[retry(retry_after = ..)]`.
//!
//! Combinators over futures ([`race`], [`all_settled`], [`map`], [`first_ok`]), each with
//! an optional timeout, are in [`combinators`].
//!
//! Policies declared once in code as `const`s ([`RetryPolicy`], [`CircuitBreakerPolicy`],
//! [`HedgePolicy`], [`BulkheadPolicy`], [`RateLimitPolicy`]) are used by path with
//! `#[attr(policy = PATH)]`; [`presets`] holds tested retry policies and a transient/permanent
//! classification.
//!
//! All waiting and timing reads tokio's clock, so tests with a paused clock
//! (`#[tokio::test(start_paused = true)]`) drive every policy exactly and instantly.
//! The cargo feature `testing` adds `testing`: named instances private to a test, a reset
//! of every instance and an event recorder ([`docs::testing`]). The cargo feature `metrics`
//! records resile's metrics through the `metrics` facade (`telemetry::metrics`). The cargo
//! feature `tower` makes every policy a `tower::Layer` (`layer`), sharing the named instances
//! with the attributes. The cargo feature `sim` adds `sim`: a seeded simulator of a
//! downstream, an arrival process and a policy stack on tokio's paused clock, with reports
//! side by side and SVG plots, to tune policies before production does. The cargo feature
//! `chaos` adds `chaos`: fault injection (errors, hangs, latency, the simulator's
//! incidents) inside a stack, seeded, and the `resile::chaos(name)` handle.
//!
//! [`deadline()`] is the deadline an enclosing timeout set, to pass on to the next service;
//! a retry or a hedge inside one starts no sleep or attempt past it ([`deadline`](mod@deadline)).
//!
//! [`timeline::capture`] records what the guarded calls inside one future did, attempt by
//! attempt, on tokio's clock.
//!
//! Further reading: [`docs::architecture`], [`docs::stacking`], [`docs::cancellation`],
//! [`docs::performance`], [`docs::testing`].

#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

pub mod bulkhead;
#[cfg(feature = "chaos")]
pub mod chaos;
#[cfg(not(feature = "chaos"))]
#[path = "chaos/off.rs"]
pub mod chaos;
pub mod circuit_breaker;
pub mod combinators;
pub mod config;
pub mod deadline;
pub mod docs;
#[cfg(any(feature = "sim", feature = "chaos"))]
mod faults;
pub mod hedge;
pub mod kit;
#[cfg(feature = "tower")]
pub mod layer;
pub mod presets;
pub mod rate_limit;
pub mod retry;
#[cfg(feature = "sim")]
pub mod sim;
pub mod single_flight;
pub mod telemetry;
pub mod timeline;
pub mod timeout;

#[cfg(any(feature = "testing", doc))]
pub mod testing;

mod attempt;
mod checks;
mod outcome;
mod policy;
mod rejection;
mod sync;

#[doc(hidden)]
pub mod __private;

/// Every named instance of the process: `resile::registry::names()`.
pub mod registry {
    pub use crate::kit::isolation::names;
    pub use crate::kit::{Registry, Source};
}

pub use attempt::attempt;
pub use bulkhead::{Bulkhead, BulkheadConfig, BulkheadStats, bulkhead};
#[cfg(feature = "chaos")]
pub use chaos::chaos;
pub use circuit_breaker::{CircuitBreaker, CircuitBreakerConfig, circuit_breaker};
pub use combinators::{all_settled, first_ok, map, race};
pub use deadline::deadline;
pub use hedge::{Hedge, HedgeConfig, HedgeStats, HedgeTracker, hedge_tracker};
pub use outcome::{Outcome, State};
pub use policy::Policy;
pub use rate_limit::{RateLimitConfig, RateLimiter, RateLimiterStats, rate_limiter};
pub use rejection::{AsRejection, Rejection};
pub use resile_config::ConfigError;
pub use resile_config::{BulkheadPolicy, ChaosPolicy, CircuitBreakerPolicy, HedgePolicy, RateLimitPolicy, RetryPolicy};
pub use retry::{Retry, RetryConfig, retry_budget};
pub use single_flight::SingleFlight;
pub use timeout::Timeout;
