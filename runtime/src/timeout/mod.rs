//! Timeout: bound how long a call may take; at the deadline its future is dropped and the
//! caller gets `Rejection::TimedOut`.
//!
//! # When to use
//! Around any call whose latency you do not control. Inside a retry (`#[retry]` first, then
//! `#[timeout]`) it bounds each attempt; outside it bounds the whole retry loop.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::{Rejection, timeout::Timeout};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let t = Timeout::new(Duration::from_millis(50));
//! let slow = t.call(|| async {
//!     tokio::time::sleep(Duration::from_secs(1)).await;
//!     Ok::<_, Rejection>(())
//! });
//! assert_eq!(slow.await, Err(Rejection::TimedOut { after: Duration::from_millis(50) }));
//! # }
//! ```
//!
//! # How it works
//! The semantics of [`tokio::time::timeout`], on tokio's clock: the deadline is read from the
//! clock when the call is made, the guarded future is polled first (a future ready at once
//! is ready whatever the deadline), then the timer, outside tokio's cooperative budget when
//! the guarded future spent it. The `#[timeout]` expansion wraps what is inside it in
//! [`TimeoutFuture`] (through the call site's [`TimeoutSite`]); [`Timeout`] is the same as a
//! plain value. The future is tokio's `Sleep` beside the guarded future rather than
//! `tokio::time::Timeout`: the `Sleep` (one timer entry, and a handle on the runtime) is
//! armed only when the guarded future is pending after a poll, so a call that completes in
//! its first poll never touches the timer.
//!
//! While it polls what it guards, it publishes its deadline: [`deadline()`](crate::deadline())
//! returns it (or an earlier one from an enclosing timeout) in the body and in every function
//! the body awaits, and a retry or a hedge in there starts no sleep or attempt that would end
//! past it (see [`deadline`](mod@crate::deadline)). With every policy turned off, it
//! publishes nothing and arms no timer.
//!
//! # Errors
//! `E::from(Rejection::TimedOut { after })` at the deadline.
//!
//! # Panics
//! As `tokio::time::timeout`: outside a tokio runtime with its time driver enabled, but
//! only at the first poll in which the guarded future is pending (that is when the timer is
//! armed); a call that completes in its first poll needs no timer.
//!
//! # Cancellation
//! The inner future is dropped at the deadline, or when the caller drops the call; the timer
//! entry, if one was armed, is removed with it.
//!
//! # Performance
//! A call that completes in its first poll pays a clock read, publishing its deadline
//! around the poll (a thread-local read, a test and two one-word writes) and a branch on the
//! result: about +100 instructions over a raw call, where a bare `tokio::time::timeout`
//! costs +174 (it takes a handle on the runtime, a reference count up and down, for a timer
//! it never arms). A call that is pending arms one tokio timer entry, as
//! `tokio::time::timeout` does. No allocation. `benches/README.md` compares the two.

mod config;
mod handle;
mod site;
mod state;

pub use config::TimeoutConfig;
pub use site::{Timeout, TimeoutFuture, TimeoutSite, timeout};

#[cfg(feature = "tower")]
pub(crate) use site::poll_guarded;
pub(crate) use site::{poll_timer, timed_out};
