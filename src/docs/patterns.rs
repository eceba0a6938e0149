//! # Patterns: a price service, hardened
//!
//! A price service keeps a cache of prices per chain, loaded from a database, and answers
//! optimisation requests from it. A production review of such a service found four
//! hardening measures worth keeping, each written by hand around its Go code: a limit on
//! concurrent warm-up loads, a stampede guard whose load outlives the request that started
//! it, a timeout on the expensive algorithm with a fall back to a cheap one, and a circuit
//! breaker per chain. This page writes them as resile code. Every example runs (on tokio's
//! paused clock, so the times it asserts are exact).
//!
//! ## A warm-up that does not exhaust the connection pool
//!
//! At start-up the service loads every chain. Loading all of them at once exhausts the
//! database's connection pool; the review's code takes a weighted semaphore of 3 around each
//! load. A [`bulkhead`](macro@crate::bulkhead) is that semaphore with a name, FIFO order,
//! metrics and an operator handle: the fourth load waits for a free permit (up to
//! `max_wait`), and a load that fails or is cancelled gives its permit back.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::time::Duration;
//!
//! # #[derive(Debug)]
//! # struct LoadError;
//! # impl From<resile::Rejection> for LoadError {
//! #     fn from(_: resile::Rejection) -> Self { LoadError }
//! # }
//! static IN_FLIGHT: AtomicU32 = AtomicU32::new(0);
//! static PEAK: AtomicU32 = AtomicU32::new(0);
//!
//! #[resile::bulkhead(name = "warmup", max_concurrent = 3, max_wait = "10s")]
//! async fn load_chain(chain: &str) -> Result<usize, LoadError> {
//!     let now = IN_FLIGHT.fetch_add(1, Ordering::Relaxed) + 1;
//!     PEAK.fetch_max(now, Ordering::Relaxed);
//!     tokio::time::sleep(Duration::from_millis(100)).await; // the database load
//!     IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
//!     Ok(chain.len())
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let chains = ["ethereum", "polygon", "arbitrum", "optimism", "base", "gnosis", "celo"];
//! let start = tokio::time::Instant::now();
//! let loaded = futures::future::join_all(chains.iter().map(|c| load_chain(c))).await;
//! assert!(loaded.iter().all(Result::is_ok));
//! assert_eq!(PEAK.load(Ordering::Relaxed), 3); // never more than 3 loads at once
//! assert_eq!(start.elapsed(), Duration::from_millis(300)); // 7 loads, 3 at a time
//! # }
//! ```
//!
//! ## A cache load that a cancelled request cannot kill
//!
//! When a chain's cache expires, every request for that chain misses at once. The review's
//! code lets one of them load and the others wait for its result (Go's single-flight), and
//! runs the load under a context of its own, not the request's: otherwise the first
//! request's cancellation fails the load that all the others wait for.
//! [`single_flight`](macro@crate::single_flight) does both: concurrent calls with equal keys
//! share one execution, and that execution is not cancelled when the caller that started it
//! goes away while others wait (it stops when no caller is left). The execution owns its
//! arguments, so it can outlive the first caller.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::time::Duration;
//!
//! static LOADS: AtomicU32 = AtomicU32::new(0);
//!
//! #[resile::single_flight(key = chain.as_str())]
//! async fn load_snapshot(chain: String) -> Result<u64, String> {
//!     LOADS.fetch_add(1, Ordering::Relaxed);
//!     tokio::time::sleep(Duration::from_millis(50)).await; // the database load
//!     Ok(chain.len() as u64 * 1000)
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // The first request starts the load and is cancelled 10 ms in (its client went away);
//! // two more requests for the same chain are waiting for the same load.
//! let first = tokio::time::timeout(Duration::from_millis(10), load_snapshot("polygon".into()));
//! let second = load_snapshot("polygon".into());
//! let third = load_snapshot("polygon".into());
//! let (first, second, third) = tokio::join!(first, second, third);
//! assert!(first.is_err()); // the first request timed out...
//! assert_eq!((second, third), (Ok(7000), Ok(7000))); // ...its load went on for the others
//! assert_eq!(LOADS.load(Ordering::Relaxed), 1); // one load for three requests
//! # }
//! ```
//!
//! ## A timeout on the optimal algorithm, with the greedy one as the fallback
//!
//! The optimal route search is worth 100 ms and no more; past that, the greedy algorithm's
//! answer is good enough. The review's code races a context deadline and falls back by hand.
//! [`timeout`](macro@crate::timeout) under [`fallback`](macro@crate::fallback) says it
//! in two lines: the timeout refuses the call with `Rejection::TimedOut`, and the fallback
//! gets the same arguments and that error, and returns its own result.
//!
//! ```
//! use std::time::Duration;
//!
//! #[derive(Debug, PartialEq)]
//! enum RouteError { Rejected(resile::Rejection) }
//! impl From<resile::Rejection> for RouteError {
//!     fn from(r: resile::Rejection) -> Self { RouteError::Rejected(r) }
//! }
//!
//! #[derive(Debug, PartialEq)]
//! struct Route { hops: u32, algorithm: &'static str }
//!
//! #[resile::fallback(greedy)] // outermost: catches the timeout below
//! #[resile::timeout("100ms")]
//! async fn optimal(amount: u64, search: Duration) -> Result<Route, RouteError> {
//!     tokio::time::sleep(search).await; // the exhaustive search
//!     Ok(Route { hops: 2, algorithm: "optimal" })
//! }
//!
//! async fn greedy(_amount: u64, _search: Duration, error: RouteError) -> Result<Route, RouteError> {
//!     assert!(matches!(error, RouteError::Rejected(resile::Rejection::TimedOut { .. })));
//!     Ok(Route { hops: 3, algorithm: "greedy" })
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let start = tokio::time::Instant::now();
//! let fast = optimal(10, Duration::from_millis(30)).await;
//! assert_eq!(fast, Ok(Route { hops: 2, algorithm: "optimal" }));
//! let slow = optimal(10, Duration::from_secs(5)).await;
//! assert_eq!(slow, Ok(Route { hops: 3, algorithm: "greedy" }));
//! assert_eq!(start.elapsed(), Duration::from_millis(130)); // 30 ms, then cut at 100 ms
//! # }
//! ```
//!
//! ## What else the review kept
//!
//! - **A breaker per chain**: [`circuit_breaker`](macro@crate::circuit_breaker) with a
//!   `key = chain`: one breaker per chain under one name, see [`docs::keyed`](crate::docs::keyed).
//! - **Retries with backoff and jitter** for transient database errors:
//!   [`retry`](macro@crate::retry) (the budget of a shared
//!   [`RetryBudget`](crate::retry::RetryBudget) keeps a retry storm from doubling the load).
//! - **Concurrent fan-out with a bound**: [`map`](crate::map) runs at most `n` loads at once
//!   and cancels the rest on the first failure; [`all_settled`](crate::all_settled) keeps
//!   every result.
