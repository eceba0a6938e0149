//! Retry: run an operation again when it fails, with a backoff between attempts.
//!
//! # When to use
//! For transient failures of an idempotent operation: a dropped connection, a 503, a lock
//! timeout. Not for errors that will fail again (validation, 404): filter those out with
//! `retry_if`. Bound the total extra load with a shared [`RetryBudget`] (see [`retry_budget`])
//! and the total time with `budget` or an outer timeout.
//!
//! # Quick start
//! ```
//! # use resile_runtime as resile;
//! use resile::retry::{Jitter, Retry, RetryConfig};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let retry: Retry<&str> = Retry::new(RetryConfig::new().max(3).jitter(Jitter::None));
//! let mut calls = 0;
//! let result = retry
//!     .call(|| {
//!         calls += 1;
//!         let n = calls;
//!         async move { if n < 3 { Err("flaky") } else { Ok(n) } }
//!     })
//!     .await;
//! assert_eq!(result, Ok(3));
//! # }
//! ```
//!
//! # How it works
//! [`RetryState`] is the whole algorithm, free of tokio: after an attempt fails it names
//! the backoff delay to sleep before the next one, or why to stop (a non-retryable error,
//! attempts exhausted, the wall-clock `budget`, an error's `retry_after` hint above
//! `max_delay`). With a `retry_after` hook ([`RetryHooks::retry_after`],
//! [`Retry::retry_after`]), the sleep is `max(backoff delay, hint)` ([`RetryState::next_sleep`]):
//! the next attempt never starts before the error asks, see [`BackoffSleep`] for tokio's
//! millisecond rounding (always up). Inside each attempt, [`attempt()`](crate::attempt) is its
//! number. [`RetrySite::on_error`] adds the deadline of an enclosing timeout (a sleep that
//! would end at or past [`deadline()`](crate::deadline()) is not started: the call returns its
//! error at once), the shared retry budget, telemetry and `on_retry`, and hands the caller the
//! [`BackoffSleep`] to await. The
//! `#[retry]` expansion runs this loop in the guarded function's own body (a success is one
//! `match` on `Ok`), and [`Retry::call`] runs the same loop for a plain value.
//!
//! Telemetry (see [`telemetry`](crate::telemetry)): each retry is a `DEBUG` event; a call
//! that gives up after its last attempt is a `WARN` event, "retries exhausted"
//! ([`Event::RetriesExhausted`](crate::telemetry::Event::RetriesExhausted)), with the last
//! attempt, its error and the time since the first attempt failed; an error that `retry_if`
//! refuses, a denial by the retry budget, the wall-clock `budget` and the enclosing deadline
//! ([`Event::RetryPastDeadline`](crate::telemetry::Event::RetryPastDeadline)) are `DEBUG`
//! events.
//!
//! # Configuration
//! See [`RetryConfig`]; delays come from [`Backoff`] and [`Jitter`].
//!
//! # Errors
//! A retry never invents an error: the caller gets the last attempt's error.
//!
//! # Cancellation
//! Dropping the call's future mid-attempt drops the attempt; mid-sleep drops the timer and,
//! with a retry budget, gives back the retry reserved for the attempt that never started
//! (the [`BackoffSleep`] holds the [`RetryReservation`]): a budget is spent only on retries
//! that start.
//!
//! # Performance
//! The success path is a branch on `Ok`: no clock read, no atomic and no allocation, unless
//! a wall-clock `budget` (one clock read per call) or a retry budget (one clock read and one
//! `fetch_add` per call) is configured. A retry allocates its backoff timer; the first
//! retry of a call also reads the clock (the start of the exhausted event's `elapsed`). After
//! a failure the retry reads the enclosing deadline (a thread-local), and under one the clock;
//! the success path never looks at it.

pub(crate) mod backoff;
mod budget;
mod config;
mod handle;
mod site;
mod state;

pub use budget::{RetryBudget, RetryBudgetConfig, RetryBudgetStats, RetryReservation};
pub use config::{Backoff, Jitter, RetryConfig};
pub use handle::{RetryBudgetHandle, retry_budget};
pub use site::{BackoffSleep, Retry, RetryCall, RetryHooks, RetrySite};
pub use state::{RetryState, Stop};
