//! Bulkhead: bound how many calls (weighted) run at once against one resource, queue the
//! next ones in strict FIFO order for at most `max_wait`, and refuse the rest.
//!
//! # When to use
//! Around calls that hold a scarce resource (a connection pool, a downstream that degrades
//! past N concurrent requests, CPU-heavy work), so that one slow dependency cannot take
//! every task, thread or connection of the process with it. Share one bulkhead (one
//! `name`) between every function that uses the same resource; give heavier calls a larger
//! `weight`. With `max_wait = 0` (the default) a full bulkhead refuses at once; a small
//! `max_wait` absorbs bursts.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::Rejection;
//! use resile::bulkhead::{Bulkhead, BulkheadConfig};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let pool = Bulkhead::new("db", BulkheadConfig::new(1).max_wait(Duration::from_millis(10)));
//! let held = pool.try_acquire(1).unwrap(); // one call running
//! let refused = pool.call(|| async { Ok::<_, Rejection>(1) }).await; // waits 10 ms, then ...
//! assert_eq!(refused, Err(Rejection::BulkheadFull { name: "db" }));
//! drop(held);
//! assert_eq!(pool.call(|| async { Ok::<_, Rejection>(2) }).await, Ok(2));
//! assert_eq!(pool.stats().in_use, 0);
//! # }
//! ```
//!
//! # How it works
//! A bulkhead is tokio's [`Semaphore`](tokio::sync::Semaphore) of `max_concurrent`
//! permits, and a [`Ledger`] beside it. A call takes `weight` permits:
//! ```text
//!  try_acquire_many(weight) --ok--> run, holding the permits --end/err/panic/drop--> return them
//!        | not free
//!        v
//!  max_wait = 0, or weight > max_concurrent --> Rejection::BulkheadFull
//!        | else
//!        v
//!  queue (FIFO) --permits within max_wait--> run (Event::BulkheadWait) ...
//!        | max_wait passed
//!        v
//!  Rejection::BulkheadFull   (the waiter leaves the queue at once)
//! ```
//! - **Strict FIFO.** Returned permits go to the call at the head of the queue first,
//!   even a partial amount for a heavy call, and a call that does not wait takes only
//!   permits nobody queued for: a waiting weight-3 call is not overtaken by weight-1 calls
//!   that arrive after it, waiting or not.
//! - **Leaving the queue.** A waiter that times out or is dropped leaves the queue at once;
//!   the permits set aside for it go to the next waiters, which run if they now can.
//! - **Weights.** `in_use` counts permits (the sum of the weights held), `waiting` counts
//!   calls.
//! - **Reconfiguration** ([`BulkheadHandle`]`::reconfigure`): growing `max_concurrent`
//!   adds permits (to the head of the queue first); shrinking takes free permits back at
//!   once and the others as running calls return them, which keep theirs meanwhile, so
//!   `in_use` may exceed `max_concurrent` for a while. A call heavier than the new
//!   `max_concurrent` is refused at once.
//!
//! **Why tokio's `Semaphore`, not a queue of our own.** It is already FIFO with weighted
//! waiters (`acquire_many` assigns returned permits to the head of the queue, partially if
//! needed), its waiters are intrusive (a wait allocates nothing), a dropped waiter unlinks
//! itself and hands its partial permits on, and `try_acquire_many` is one compare-exchange.
//! A queue of our own would rewrite all of that (and its loom proofs, which tokio has) to
//! save at most the mutex that tokio takes when permits are returned, the one cost above
//! the raw semaphore; the figures below show the semaphore's own costs are the floor.
//! What tokio does not count, `in_use`, `waiting` and the permits a shrink still owes, is
//! the [`Ledger`]'s, tokio-free, and loom-checked (`runtime/tests/bulkhead_loom.rs`).
//!
//! Named bulkheads live in a process-wide registry: one name is one bulkhead. Sites that
//! share a name share `max_concurrent` (the declaration rule of
//! [`Registry`](crate::kit::Registry): a second declaration with another value is reported,
//! and panics in debug builds) and keep their own `weight` and `max_wait`. Operators reach
//! it with [`bulkhead`]`(name)`.
//!
//! # Adaptive limit
//! With `adaptive = "gradient2" | "vegas" | "aimd"` the limit in force follows the latency
//! the calls show, within `min_concurrent..=max_concurrent`, starting at
//! `initial_concurrent` (default min(20, `max_concurrent`)); `stats().limit` reports it
//! (and `stats().max_concurrent` the ceiling). The algorithms are ports of Netflix
//! concurrency-limits' `Gradient2Limit`, `VegasLimit` and `AIMDLimit`, fed through its
//! `WindowedLimit` (one averaged sample per second): see [`adaptive`]. A new limit is put in
//! force as a live resize, so a lower one is paid back by running calls as they end and
//! no call is admitted above the limit in force when it is admitted. Gradient2 and Vegas
//! find the capacity of a downstream that slows down when overloaded (in the simulator,
//! 44–45 for a capacity of 40: see [`adaptive`], *Convergence*, and `benches/README.md`,
//! "Adaptive bulkhead convergence"). AIMD is loss-based: it backs off only on a drop (a
//! panic) or a latency above its 5 s timeout, never on a latency that only grows, so
//! **use `gradient2` or `vegas` for latency-driven limits; `aimd` needs drops or
//! timeouts** (an `Err` the call returns is not a drop, nor is a call an outer timeout
//! cancels). `adaptive` and `initial_concurrent` are taken when the bulkhead is created;
//! a live configuration moves the bounds (`min_concurrent`, `max_concurrent`) and the limit
//! within them.
//!
//! # Configuration
//! See [`BulkheadConfig`]; the setters are named like the attribute keys. `max_wait` is on
//! tokio's clock, whose timer counts whole milliseconds (a `max_wait` is rounded up to the
//! next millisecond); on a paused clock a waiter is refused at exactly `max_wait`.
//!
//! # Errors
//! `E::from(Rejection::BulkheadFull { name })` when the permits are not free and
//! `max_wait` is zero, when `max_wait` passes in the queue, or when the call is heavier
//! than `max_concurrent` in force. Otherwise the caller gets the call's own result.
//!
//! # Cancellation
//! A [`BulkheadPermit`] is taken synchronously at admission (or when the wait ends) and
//! held across the call's one `.await`; its `Drop` returns the permits whether the call
//! succeeded, failed, panicked (unwinding drops it, including in a spawned task) or was
//! dropped. A dropped waiter leaves the queue at once (tokio's `Acquire` future unlinks
//! itself and returns the permits set aside for it) and its `waiting` count goes with it
//! (a guard). Nothing holds a lock while user code runs.
//!
//! # Performance
//! The success path (permits free) takes **no allocation and no clock read**:
//!
//! | step | operation | ordering |
//! |---|---|---|
//! | resolve the call site | the site's pointer to the named bulkhead | `Acquire` |
//! | admit | `try_acquire_many(weight)`: one compare-exchange on the semaphore's permits | `AcqRel` (tokio's) |
//! | count | `in_use.fetch_add(weight)` | `Relaxed` |
//! | return | `in_use.fetch_sub(weight)`, a load of the shrink debt, then `add_permits` (tokio's mutex, to hand permits to waiters) | `Relaxed`; tokio's |
//!
//! Measured ([`BulkheadSite::call`] in an `#[inline(never)]` `async fn` awaited in a loop
//! on a current-thread tokio runtime, callgrind, `benches/examples/overhead_bulkhead.rs`),
//! in the same run: a raw call 26 instructions; a bare `Semaphore::try_acquire` + drop
//! around it **+150**; `BulkheadSite::call` **+227** (1.51× the semaphore: its own
//! `in_use` count, the shrink-debt load, the call site's resolved pointer, the permit's
//! two words); the plain `Bulkhead::call` +199. Most of the semaphore's cost is tokio's
//! `add_permits`, which takes the semaphore's mutex on every return to hand permits to
//! waiters. The wait future is boxed, only when a call must wait: kept inline, it made
//! every caller's future hundreds of bytes larger, and the memcpy of that future cost the
//! success path ~130 instructions (measured: +358 before, +227 after).
//!
//! Through the attribute (`benches/probe.sh`, a trivial `async fn` under
//! `#[bulkhead(name = "probe", max_concurrent = 64)]` awaited in a loop, the same run): a
//! raw call 18 instructions, **+156** for the bulkhead, +129 for a bare `Semaphore`
//! `try_acquire` + drop around the call: 1.21× the semaphore. The attribute expands in the
//! admission shape ([`BulkheadSite::try_admit`] in the function's own coroutine, the
//! permit a local of the `match` arm), without the `call` future the figure above goes
//! through. What remains above the semaphore is the bulkhead's own `in_use` count and the
//! shrink-debt load (so `stats()` and live resizing work), and the site's resolved pointer.
//!
//! An adaptive site (`adaptive = ..`) admits with [`BulkheadSite::try_admit_as`]`::<Sampling<true>>`:
//! one clock read more at admission, and at return a clock read and the sample (a
//! `try_lock`, a few floating-point operations; a resize when the limit changes, about once
//! a second at most). A `policy` site chooses at compile time from its policy's constant
//! `adaptive` (`Sampling<{ POLICY.config.adaptive.is_some() }>`): a fixed policy's site
//! admits exactly as a fixed site with inline keys, an adaptive one's as an adaptive site.
//! The tower layer and [`Bulkhead::call`] take the sample too; [`Bulkhead::try_acquire`]
//! and [`Bulkhead::acquire`] do not (their `_sampled` forms do).
//!
//! A refusal with `max_wait = "0ms"` is synchronous ([`BulkheadSite::refuse`]): no future,
//! no allocation. The wait path, only when the permits are not free and `max_wait > 0`: one
//! `tokio::time::timeout` around `acquire_many` (a timer entry, an intrusive waiter, no
//! allocation), two `Relaxed` read-modify-writes on `waiting`, two clock reads for the
//! `waited` of [`Event::BulkheadWait`](crate::telemetry::Event::BulkheadWait).
//!
//! ## Orderings
//! The ledger's counters are `Relaxed`: each is a location of its own whose
//! read-modify-writes are totally ordered, and nothing else is published through them; the
//! semaphore orders the permits. Stats read the counters one by one: each is exact, a set
//! of them read while calls come and go may be a few instructions apart.

pub mod adaptive;
mod config;
mod handle;
mod site;
mod state;

pub use adaptive::{AdaptivePermit, Admission, Sampling};
pub use config::{AdaptiveAlgorithm, BulkheadConfig};
pub use handle::{BulkheadHandle, bulkhead};
pub use site::{Bulkhead, BulkheadPermit, BulkheadSite, BulkheadStats, KeyedBulkheadSite};
pub use state::{Ledger, Pool, WaitTicket};
