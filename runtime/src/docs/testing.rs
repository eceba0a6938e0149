//! # Testing code that uses resile
//!
//! A test binary runs its `#[test]`s on several threads at once, in one process, and named
//! instances are process-wide: two tests that both call a function guarded by
//! `#[circuit_breaker(name = "db")]` drive the same breaker, and each sees the other's
//! failures. `resile::testing` (cargo feature `testing`) gives each test its own instances,
//! resets them, and records the events a test caused:
//!
//! ```toml
//! [dev-dependencies]
//! resile = { version = "0.1", features = ["testing"] }
//! tokio = { version = "1", features = ["macros", "rt", "test-util"] }
//! ```
//!
//! The feature belongs in `[dev-dependencies]`: cargo turns it on for test builds only,
//! and a release build without it compiles none of it (see *Cost* below).
//!
//! ## Private instances: `isolated`
//!
//! [`testing::isolated(fut)`](crate::testing::isolated) runs `fut` with named instances
//! (breakers, hedge trackers, retry budgets) private to it. Inside, everything that reaches
//! an instance by name reaches the private one: the call sites of guarded functions,
//! `resile::circuit_breaker("db")` and the other handles (`stats()`, `force_open()`,
//! `reconfigure`), `CircuitBreaker::named`, `resile::registry::names()`. They are created
//! on first use with the same declaration rule as the process-wide ones. Outside, the same
//! names are the process-wide instances, untouched by the test.
//!
//! ```
//! # #[derive(Debug, PartialEq)] enum DbError { Down, Rejected(resile_runtime::Rejection) }
//! # impl From<resile_runtime::Rejection> for DbError {
//! #     fn from(r: resile_runtime::Rejection) -> Self { DbError::Rejected(r) }
//! # }
//! # use resile_runtime as resile;
//! use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
//! use resile::{circuit_breaker, testing, State};
//!
//! // What a `#[circuit_breaker(name = "db", minimum_calls = 2, window_size = 2)]` call does.
//! async fn query(up: bool) -> Result<(), DbError> {
//!     let db = CircuitBreaker::named("db", CircuitBreakerConfig::new().minimum_calls(2).window_size(2));
//!     db.call(|| async { if up { Ok(()) } else { Err(DbError::Down) } }).await
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // #[tokio::test(start_paused = true)]
//! // async fn two_failures_open_the_breaker() {
//! testing::isolated(async {
//!     assert_eq!(query(false).await, Err(DbError::Down));
//!     assert_eq!(query(false).await, Err(DbError::Down));
//!     let stats = circuit_breaker("db").stats();
//!     assert_eq!((stats.state, stats.total, stats.failures), (State::Open, 2, 2));
//! })
//! .await;
//! // }
//! assert_eq!(circuit_breaker("db").stats().total, 0); // the process-wide `db`
//! # }
//! ```
//!
//! Each `isolated` scope has its own instances: a test that runs the scenario twice, or
//! tests that run it in parallel, each see exactly their own counts.
//!
//! ## Starting again: `reset_all` and `reset`
//!
//! [`testing::reset_all()`](crate::testing::reset_all) puts every named instance back in the
//! state of a new one, keeping its settings: breakers closed with a fresh window, hedge
//! trackers with a fresh latency window, a full budget and zero counters, retry budgets with
//! a fresh window and zero counters. Called inside an `isolated` scope it resets that
//! scope's instances only. One instance: `resile::circuit_breaker("db").reset()` (and the
//! same on `hedge_tracker(..)` and `retry_budget(..)`).
//!
//! `reset_all` between tests is not isolation: tests that run in parallel still share the
//! instances between two resets. Use `isolated` for tests, `reset_all` for a binary whose
//! tests run one at a time, or for a scope reused across cases.
//!
//! ## Recording events: `record`
//!
//! [`testing::record(fut)`](crate::testing::record) returns `fut`'s output with the
//! telemetry events it caused (the events of [`telemetry`](crate::telemetry): retries, rejections, breaker state
//! changes, hedges), in order, as owned [`Recorded`](crate::testing::Recorded) values:
//! those of the current task only, so tests in parallel do not mix. Each has its `kind`
//! (`retry`, `rejected`, `state_change`, ...), the `function`, the instance's `name`, the
//! `attempt`, the retry `delay`, and a `detail` (the error or the rejection as text, or
//! `from -> to`); its `Display` is one line, handy to compare a whole sequence at once.
//! A [`Recorder`](crate::testing::Recorder) collects across several futures.
//!
//! ```
//! # use resile_runtime as resile;
//! use resile::{circuit_breaker, testing};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let ((), events) = testing::record(testing::isolated(async {
//!     circuit_breaker("db").force_open();
//!     circuit_breaker("db").force_close();
//! }))
//! .await;
//! let events: Vec<String> = events.iter().map(ToString::to_string).collect();
//! assert_eq!(events, [
//!     "state_change name=db: closed -> forced_open",
//!     "state_change name=db: forced_open -> closed",
//! ]);
//! # }
//! ```
//!
//! ## Time: the paused clock
//!
//! Every policy waits and measures on tokio's clock, so a test on a paused clock
//! (`#[tokio::test(start_paused = true)]`, with tokio's `test-util` feature) runs backoff
//! sleeps, timeouts, open breakers' `open_timeout` and hedge delays instantly and exactly:
//! a sleep with nothing else to do advances the clock to its end at once, and
//! `tokio::time::advance(d)` moves it by hand (to half-open a breaker, say). Assert elapsed
//! times exactly (`start.elapsed() == Duration::from_millis(150)`); never sleep for real.
//!
//! Retry delays are random by default (`jitter = "full"`). For exact times, write
//! `jitter = "none"` on the function under test; to keep the jitter but make each run draw
//! the same delays, call [`testing::seed_jitter(seed)`](crate::testing::seed_jitter) at the
//! start of the test (it seeds the current thread's generator, which every call of a
//! current-thread runtime uses).
//!
//! ## Limits
//!
//! - **Spawned tasks.** A scope and a recorder are tokio task-locals: a future spawned
//!   inside them (`tokio::spawn`) runs outside and sees the process-wide instances. Run it
//!   in the scope with [`testing::scope()`](crate::testing::scope):
//!   `tokio::spawn(testing::scope().unwrap().run(fut))`, and record it with a clone of a
//!   [`Recorder`](crate::testing::Recorder): `tokio::spawn(recorder.record(fut))`. Hedged
//!   attempts run in the caller's task, so they are inside.
//! - **Threads outside tokio** (`std::thread::spawn`) are outside too, with the same remedy
//!   (`futures::executor::block_on(scope.run(fut))`).
//! - **An unnamed hedge site's own tracker** belongs to the call site, not to a name, and is
//!   shared by every test that calls the function; give the hedge a `name` to isolate it.
//!   (An unnamed `#[chaos]` site is not affected: its injector is registered under the
//!   function's path and the attribute's position, so each scope has its own, and a `seed`
//!   replays the same faults in every scope.)
//! - **Memory.** A scope's instances are leaked, as the process-wide ones are (a call site
//!   may hold a `&'static` reference to them): a few hundred bytes per instance per scope.
//! - **Process-wide settings** such as the [`Observer`](crate::telemetry::Observer) stay
//!   process-wide.
//!
//! ## Cost
//!
//! Without the feature, none of this is compiled: the call path is the same code as before
//! the feature existed. With it, a call to a named instance pays one `Relaxed` load (is any
//! scope live in the process?), and a telemetry event site one more (is any recorder
//! live?); only while one is live does a call look for its task's scope (a task-local
//! read, a lock and a hash lookup). The figures are in `benches/README.md`.
