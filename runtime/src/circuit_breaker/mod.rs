//! Circuit breaker: stop calling a dependency that keeps failing (or keeps being slow),
//! give it time to recover, then let a few probe calls decide whether to resume.
//!
//! # When to use
//! Around calls to a remote dependency whose failures tend to come in runs (an overloaded
//! database, a service that is down). While open, the breaker fails fast with
//! `Rejection::CircuitOpen` instead of piling up calls and timeouts, which protects both
//! the caller's resources and the recovering dependency. Share one breaker (one `name`)
//! between every function that calls the same dependency. Put `#[retry]` outside it only if
//! the retry filters out `Rejection::CircuitOpen` or backs off long enough to matter.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::{Rejection, State};
//! use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let breaker = CircuitBreaker::new(
//!     "db",
//!     CircuitBreakerConfig::new().window_size(4).minimum_calls(4).open_timeout(Duration::from_secs(5)),
//! );
//! for _ in 0..4 {
//!     let _ = breaker.call(|| async { Err::<(), _>(Rejection::TimedOut { after: Duration::ZERO }) }).await;
//! }
//! assert_eq!(breaker.state(), State::Open);
//! let refused = breaker.call(|| async { Ok::<_, Rejection>(1) }).await;
//! assert_eq!(refused, Err(Rejection::CircuitOpen { name: "db" }));
//!
//! tokio::time::advance(Duration::from_secs(5)).await;
//! assert_eq!(breaker.call(|| async { Ok::<_, Rejection>(2) }).await, Ok(2)); // the probe
//! assert_eq!(breaker.state(), State::Closed);
//! # }
//! ```
//!
//! # How it works
//! ```text
//!                  failure rate >= failure_rate_threshold, or
//!                  slow rate >= slow_call_rate_threshold,
//!                  with >= minimum_calls in the window
//!      +--------+ ------------------------------------------> +------+
//!      | Closed |                                             | Open | rejects every call
//!      +--------+ <--+                                        +------+
//!          ^         |  all permitted probes succeed             |  ^
//!          |         |                                           |  |  a probe fails
//!          |     +----------+   first call after open_timeout    |  |  (or too many slow)
//!          |     | HalfOpen | <----------------------------------+  |
//!          |     +----------+ -------------------------------------+
//!          |      admits permitted_calls_in_half_open probes
//!          |
//!          |  force_close() / reset()        (from any state)
//!      +------------+   +----------+
//!      | ForcedOpen |   | Disabled |   force_open() / disable() (from any state)
//!      +------------+   +----------+
//!       rejects all      admits all, records nothing
//! ```
//! Entering `Closed` or `HalfOpen` starts a fresh window; the other states keep the window
//! that led there, frozen, so [`stats`](CircuitBreaker::stats) on an open breaker shows why
//! it opened. Every transition starts a new *generation*: a call admitted before a
//! transition is not recorded after it, so a slow call that ends after the breaker opened,
//! was reset or was forced cannot disturb the new state or cause a second transition.
//!
//! In half-open, a probe that fails opens the breaker at once. When all
//! `permitted_calls_in_half_open` probes have succeeded, the breaker closes, unless a
//! slow-call threshold is set and the probes' slow rate reaches `slow_call_rate_threshold`,
//! which opens it again. A probe whose outcome is [`Outcome::Ignore`](crate::Outcome), or
//! whose future is dropped, gives its slot back.
//!
//! Each opening lasts `open_timeout`, unless it follows a failed probe with no close in
//! between: then it lasts the previous opening times `open_timeout_multiplier`, rounded to
//! the nanosecond, at most `max_open_timeout` (defaults 1.0 and `open_timeout`: every opening
//! alike). A downstream that stays down is probed less and less often (1 s, 2 s, 4 s, 5 s, 5 s
//! ... with `open_timeout = "1s", open_timeout_multiplier = 2.0, max_open_timeout = "5s"`), as
//! Polly's `BreakDurationGenerator` and Resilience4j's exponential `waitIntervalFunctionInOpenState`
//! allow; entering `Closed` (the probes succeed, `force_close`, `reset`) starts again from
//! `open_timeout`. [`CircuitBreakerStats::open_duration`] shows the length in force, and
//! [`CircuitBreaker::half_open_in`] (what [`Rejection::retry_after`](crate::Rejection::retry_after)
//! says for `CircuitOpen`) the time left.
//!
//! Windows: a **count** window holds the last `window_size` recorded calls; a **time**
//! window the calls recorded in the last `window_size` seconds, in one-second buckets from
//! the breaker's creation (a call recorded in second `k` counts until second
//! `k + window_size` begins). A call is slow when it takes strictly longer than
//! `slow_call_threshold`; successes and failures alike can be slow. Outcomes classified
//! [`Outcome::Ignore`](crate::Outcome) are not recorded.
//!
//! Named breakers live in a process-wide registry: one name is one breaker, with one
//! configuration (the declaration rule of [`Registry`](crate::kit::Registry)). A call site that gives only the name refers to the breaker
//! and declares nothing; the first declaration's settings are put in force (even after
//! references created the breaker with the defaults); a second declaration that differs is
//! reported with both configurations as an ERROR event, and panics in debug builds
//! ([`Registry`](crate::kit::Registry) has the whole rule). Operators reach a breaker by
//! name with [`circuit_breaker`], and can change its settings at run time
//! ([`CircuitBreakerHandle::reconfigure`]: a state transition, so calls admitted before are
//! not recorded after). Each site's `on_state_change` is registered on the shared breaker
//! and sees every transition.
//!
//! # Configuration
//! See [`CircuitBreakerConfig`]; the setters are named like the attribute keys.
//!
//! # Errors
//! `E::from(Rejection::CircuitOpen { name })` when `Open` (before `open_timeout` has
//! passed, or while the half-open probes are all taken) or `ForcedOpen`. Otherwise the
//! caller gets the call's own result, unchanged.
//!
//! # Cancellation
//! Every admission is a [`Permit`] whose `Drop` settles it: a dropped call records nothing,
//! and a dropped half-open probe gives its slot back, so a breaker cannot stay stuck
//! half-open. A panic in `should_record` unwinds through the permit the same way; a panic
//! in an `on_state_change` callback is caught and logged after the state change is complete.
//! Nothing holds a lock while user code runs.
//!
//! # Performance
//! The closed-state path of a successful call into a count window full of successes (the
//! steady state of a healthy dependency) takes **no lock, no allocation, no clock read and
//! no shared write**: 4 plain atomic loads.
//!
//! | step | operation | ordering |
//! |---|---|---|
//! | resolve the call site | the site's pointer to the named breaker | `Acquire` |
//! | admit | `ctl.load` (generation and state in one word), then the settings' pointer (which says whether the count window can be written without the lock) | `Acquire` |
//! | record | the ring's `quiet` word: this generation's window holds only successes, so a success changes nothing and is not written | `Relaxed` |
//!
//! Skipping the write is exact, not an approximation: a success that evicts a success
//! leaves the window's contents as they were, whichever slot it takes, and the next outcome
//! that is written takes the slot the success would have left for it, so it stays in the
//! window for exactly `window_size` further calls (calls that overlap are counted in some
//! order of their own, as without the shortcut). Because nothing is written, concurrent
//! callers only share read-only cache lines: two threads on one breaker pay what one does.
//!
//! Any other closed-state outcome into a count window (a failure, or any outcome while the
//! window holds a failure) re-checks the generation, claims the next position
//! (`head.fetch_add(1)`, `Relaxed`) and reads its slot; when the slot holds the same outcome
//! of the same generation there is nothing more to do, else a `compare_exchange` on the slot
//! and the mutex to update the totals. The shared position counter is what keeps the window
//! exactly "the last `window_size` calls" across threads; under contention it costs one
//! cache-line transfer per call (`benches/README.md` has the figure). The permit the call
//! holds across its `.await` is three words, built where the call keeps it and consumed on
//! both paths, so the guarded function's future carries no drop flag for it.
//!
//! Measured as a user pays it (the `#[circuit_breaker]` expansion awaited in a loop on a
//! current-thread tokio runtime, callgrind), a closed call costs 46 instructions over a raw
//! call and a call refused by an open breaker 117, the clock read included;
//! `benches/README.md` has the figures beside recloser, failsafe and tower-resilience.
//!
//! An outcome that changes the totals (a window still filling, a time window, half-open)
//! takes the breaker's mutex for a few dozen instructions, re-checks the
//! generation under it, updates the totals and decides whether to trip. A slow-call
//! threshold adds two clock reads per call; a time window one. An open breaker rejects with
//! two atomic loads and one clock read (compared as instants: no subtraction), and
//! `ForcedOpen` with one load; the rejection's telemetry costs two loads when nothing
//! listens.
//!
//! ## Orderings
//! - `ctl.load(Acquire)` pairs with the `Release` store of each transition (made under the
//!   mutex), so a call that sees `Open` also sees that period's `open_until`. The closed
//!   path needs nothing more from it: the generation it reads is a tag, not a pointer.
//! - `quiet` is `Relaxed`: it is set and cleared under the mutex from the totals, and no
//!   other memory is published through it. A success that reads it while a failure's write
//!   is under way is concurrent with that failure and is ordered before it; a value from an
//!   older generation never equals a newer one.
//! - `head` and the slots are `Relaxed`: each is one location whose read-modify-writes are
//!   totally ordered by themselves, and no other memory is published through them. A slot
//!   refuses a write from an older generation (compare-exchange), and a newer generation
//!   reads an older tag as empty, so a late writer can neither clobber nor leak into a
//!   fresh window. The totals are only changed under the mutex, after re-checking the
//!   generation there.
//! - Two writers of one slot (possible only with `window_size` calls in flight) may settle
//!   the totals in either order, so a count may be one off for a moment; the totals are
//!   exact once they have both settled, and counts are signed so that moment cannot look
//!   like a huge failure count.
//! - `head` sits on a cache-line pair of its own, apart from `ctl` and `quiet`, which calls
//!   only read.

mod config;
mod handle;
mod site;
mod state;
mod window;

pub use config::{CircuitBreakerConfig, MAX_WINDOW_SIZE, WindowKind};
pub use handle::{CircuitBreakerHandle, circuit_breaker};
pub use site::ShouldRecord;
pub use state::{CircuitBreaker, CircuitBreakerStats, OnStateChange, Permit, StateListener};
