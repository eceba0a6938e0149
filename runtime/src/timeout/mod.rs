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
//! A thin wrapper over [`tokio::time::timeout`]: one timer entry per call, on tokio's clock.
//! The `#[timeout]` expansion wraps what is inside it in [`TimeoutFuture`] (through the
//! call site's [`TimeoutSite`]); [`Timeout`] is the same as a plain value.
//!
//! While it polls what it guards, it publishes its deadline: [`deadline()`](crate::deadline())
//! returns it (or an earlier one from an enclosing timeout) in the body and in every function
//! the body awaits, and a retry or a hedge in there starts no sleep or attempt that would end
//! past it (see [`deadline`](mod@crate::deadline)). With every policy turned off, it
//! publishes nothing.
//!
//! # Errors
//! `E::from(Rejection::TimedOut { after })` at the deadline.
//!
//! # Cancellation
//! The inner future is dropped at the deadline, or when the caller drops the call; the timer
//! entry is removed with it.
//!
//! # Performance
//! The cost of `tokio::time::timeout` plus a branch on its result, and publishing its
//! deadline around each poll (a thread-local read and two one-word writes; about +20
//! instructions per call): no allocation. `benches/README.md` compares the two.

mod config;
mod handle;
mod site;
mod state;

pub use config::TimeoutConfig;
pub use site::{Timeout, TimeoutFuture, TimeoutSite, timeout};

pub(crate) use site::timed_out;
