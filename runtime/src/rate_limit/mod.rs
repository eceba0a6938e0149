//! Rate limiter: at most `rate` calls per second on average, with bursts of up to
//! `burst_size`, shared by every function that uses the same name.
//!
//! # When to use
//! In front of a dependency that enforces a quota (a third-party API that allows 100
//! requests per second), or to keep one caller from taking more than its share of a
//! service. A refused call gets `Rejection::RateLimited` with the exact time after which it
//! would be admitted (its `retry_after`), so a caller (or an HTTP layer's
//! `Retry-After`) can come back then instead of polling. Give calls that must not be refused
//! a `max_wait`: they wait for their tokens instead, when those come soon enough.
//!
//! # Quick start
//! ```
//! use std::time::Duration;
//! # use resile_runtime as resile;
//! use resile::Rejection;
//! use resile::rate_limit::{RateLimitConfig, RateLimiter};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let limiter = RateLimiter::new("api", RateLimitConfig::new(3.0)); // 3 per second, burst 3
//! for _ in 0..3 {
//!     assert_eq!(limiter.call(|| async { Ok::<_, Rejection>(()) }).await, Ok(()));
//! }
//! let refused = limiter.call(|| async { Ok::<_, Rejection>(()) }).await;
//! let retry_after = Duration::from_nanos(333_333_334); // the first whole ns after 1/3 s
//! assert_eq!(refused, Err(Rejection::RateLimited { name: "api", retry_after }));
//!
//! tokio::time::advance(retry_after).await;
//! assert_eq!(limiter.call(|| async { Ok::<_, Rejection>(()) }).await, Ok(()));
//! # }
//! ```
//!
//! # How it works
//! A lazy token bucket, written as the generic cell rate algorithm (GCRA, the design of
//! `governor`): the whole state is one *theoretical arrival time* (TAT), the instant at
//! which the bucket would be full again. A call of weight `w` at `now` computes
//! `new = max(TAT, now) + w·T` (`T`, the emission interval, is the time one token takes to
//! come back: `1/rate` s) and is admitted if `new <= now + burst_size·T`, writing `new` with
//! one compare-and-swap. There is no background task and no timer: the bucket refills by
//! the passing of time alone, and starts full (a TAT of 0 is in the past at once).
//!
//! A refused call writes nothing. Its `retry_after` is the first whole nanosecond at which
//! the same call would be admitted: `ceil(new − burst_size·T) − now`. A call whose instant
//! is within `max_wait` (inclusive) takes its tokens at once, in the same compare-and-swap,
//! and sleeps until that instant (tokio's timer wakes it at the first whole millisecond
//! at or after it): later calls queue behind it, and none can overtake it.
//!
//! ## Exact arithmetic, and its range
//! `T = 10^9/rate` ns is not a whole number of nanoseconds for most rates (rate 3: 333 333
//! 333.3… ns). Rounding it would drift by up to a nanosecond per token (a third of a token
//! a day at rate 3, and far worse at high rates), and would make `retry_after` off by one.
//! So the limiter counts time in units of `1/q` ns where `T = p/q` ns exactly:
//! - `rate` becomes the fraction `a/b` tokens per second: the nearest one to the `f64` with
//!   `b <= 10^6` ([`RateLimitConfig::rational_rate`]: `3.0` is `3/1`, `0.1` is `1/10`,
//!   `33.3` is `333/10`). That fraction is the rate in force, exactly.
//! - `T = 10^9·b/a` ns `= p/q` in lowest terms; rate 3: `p = 10^9`, `q = 3`. A time `t` ns
//!   is `t·q` units, a call costs `w·p` units, and the tolerance is `floor(burst_size·p)`
//!   units (exact for whole bursts; a fractional burst is rounded down by less than one unit,
//!   `1/q` ns of refill).
//! - Every quantity is an integer and the TAT advances by exactly `w·p` per token: over any
//!   run, `n` tokens take exactly `n·T`, and the count admitted over `[0, t]` by a saturating
//!   caller is `burst_size + floor(rate·t)` whatever the run length.
//!
//! Range: `now` is at most `2^64` ns (584 years) and `q <= a <= 10^12·10^6 < 2^60`, so
//! `now·q < 2^124`; the tolerance is at most `10^12·10^15 < 2^90` units and a waiting call
//! adds at most `max_wait·q < 2^124`. Every TAT is therefore below `2^126`.
//!
//! ## 64 bits when they suffice
//! A 128-bit TAT (`portable-atomic`: `cmpxchg16b` on x86-64, behind a run-time CPU-feature
//! check) costs about twice the instructions of a 64-bit one, so the state is 64 bits
//! whenever that is exact, and 128 bits otherwise:
//! - Each bucket counts its units from an *epoch* (the instant it was made). 64 bits hold
//!   `2^62` units of `now` from the epoch: `2^62 / q` ns, 146 years at rate 3 (`q = 3`), 53
//!   days at rate 10^12 (`q = 1000`), 73 minutes at a rate of 1 048 573 per second. The
//!   first call after that span replaces the bucket by one whose epoch is now, with the
//!   same TAT relative to now (the exact same tokens): a compare-and-swap and a `Box` once
//!   per span.
//! - A rate whose span would be shorter than an hour (`q > 1.28·10^6`, such as `2^32 − 1`
//!   per second), or a tolerance above `2^60` units (a million tokens at one per 10^6 s),
//!   keeps 128 bits.
//! - A call that would write a TAT above `2^63` units (a `max_wait` of months, 106 days at
//!   rate 10^12) moves the limiter to 128 bits, where it stays until the next
//!   reconfiguration.
//!
//! The answers are the same either way: the property test checks both widths (and calls
//! across many epochs) against the rational model, and a unit test runs a 64-bit and a
//! 128-bit bucket side by side across ten epochs and through the move to 128 bits. A
//! waiting call whose bucket was replaced cannot give its tokens back if it is cancelled
//! (as after a reconfiguration, below); this happens at most once per span.
//!
//! ## Reconfiguration
//! Each configuration has its own bucket (its constants and its TAT), read through one
//! pointer. [`reconfigure`](RateLimiter::reconfigure) seals the old bucket (its TAT becomes
//! a marker that sends any late call to the new one), converts the tokens it was missing to
//! the new units, rounding towards fewer tokens, and publishes the new bucket: tokens spent
//! stay spent, and a smaller burst caps what is left. Calls that decided before keep their
//! decision.
//!
//! Named limiters live in a process-wide registry: one name is one bucket, with one `rate`
//! and `burst_size` (the declaration rule of [`Registry`](crate::kit::Registry)); `weight`
//! and `max_wait` are each call site's own. Operators reach a limiter by name with
//! [`rate_limiter`].
//!
//! ## Shared across replicas: a remote backend
//! `#[rate_limit(.., backend = "redis")]` keeps the limit on a server shared by every
//! replica (`resile::redis`) instead of in this process. The runtime holds the
//! hook for it ([`backend`]): one process-wide slot that the backend crate fills once
//! ([`install_remote`](backend::install_remote)), and the call site the expansion keeps
//! ([`RemoteRateLimitSite`](backend::RemoteRateLimitSite)), which awaits the backend's
//! decision (a round trip) before the call. The local path above is untouched by it. Before
//! a backend is installed such a site refuses every call with [`Rejection::NoBackend`](crate::Rejection::NoBackend)
//! (a refusal rather than a panic in a request path, and never a silent local limit).
//!
//! # Configuration
//! See [`RateLimitConfig`]; the setters are named like the attribute keys.
//!
//! # Errors
//! `E::from(Rejection::RateLimited { name, retry_after })` when the call's tokens come later
//! than `max_wait` from now; the call takes no tokens. A call whose `weight` exceeds the
//! limiter's burst (possible only when a site's weight meets a limiter declared elsewhere)
//! is always refused, with `retry_after` = `Duration::MAX`. Otherwise the caller gets the
//! call's own result, unchanged.
//!
//! # Cancellation
//! An admitted call's tokens are spent at admission: dropping the call afterwards gives
//! nothing back (it was let through; the rate counts calls started, not finished). A
//! **waiting** call that is dropped before its instant ([`Wait`]'s `Drop`) gives its tokens
//! back exactly when it is still the last one to have taken tokens: one compare-and-swap
//! puts the TAT back where it was before the call, as if it had never asked. If another call
//! took tokens after it, the tokens are not given back: that call's instant was computed
//! behind this one and cannot be moved without a queue, so the bucket stays as if the
//! cancelled call had run; the loss is bounded by the cancelled call's weight and is
//! recovered at the rate. A waiter whose bucket was replaced by a reconfiguration gives
//! nothing back either (its tokens were carried into the new bucket as missing).
//!
//! # Performance
//! An admitted call: one clock read (tokio's `Instant::now`), the site's resolved pointer
//! and the settings' pointer (`Acquire` loads), one load and one `compare_exchange_weak` of
//! the TAT (64-bit, or 128-bit for the rates above), a few additions and two
//! multiplications. No lock, no allocation. A refusal: the same without the write, plus a
//! 128-bit division for `retry_after`, and two loads for its telemetry when nothing
//! listens. Contention: the one TAT is written by every admitted call, so concurrent
//! callers take turns on its cache line (as with `governor`).
//!
//! Measured with callgrind through the attribute (`benches/probe.sh`: a trivial `async fn`
//! under `#[rate_limit(name = "probe", rate = 1e9)]` awaited in a loop, tokio without
//! `test-util`), instructions per call over a raw call: **+82** admitted; `governor`'s
//! `check()` at the same rate (default clock: quanta, the TSC), then the same body, in the
//! same run: +93. Of resile's figure, about 29 are reading tokio's clock (std's
//! `Instant::now` and `clock_gettime`; quanta's TSC read is about 25 under callgrind), about
//! 20 the 64-bit GCRA with its compare-and-swap, and the rest the site's resolved pointer,
//! the settings' pointer (live reconfiguration), the operators' off switch (one load), the
//! admission's `match` and the body's own future. The time since the origin is read
//! without std's `Instant` subtraction (see `kit::clock`, 40 instructions saved), and the
//! state is 64 bits wide when that is exact (above; 25 saved). `benches/README.md` has the
//! table and the history.
//!
//! ## Orderings
//! - The TAT's load and a failed exchange are `Acquire`, a successful exchange `Relaxed`:
//!   the TAT publishes no other memory, and the read-modify-writes of one location are
//!   totally ordered by themselves, so no two calls can both take the last token.
//! - A reconfiguration seals the old bucket (a `Release` exchange), then stores the new one
//!   (`Swap`'s `Release`). A call that reads the seal loads the pointer again (`Acquire`),
//!   spinning for the few instructions until the new bucket is there, so no call decides on
//!   a bucket whose TAT has been carried over.
//! - Giving tokens back is a `Relaxed` exchange that only succeeds on the TAT the waiter
//!   wrote itself.

pub mod backend;
mod config;
mod handle;
mod site;
mod state;

pub use config::RateLimitConfig;
pub use handle::{RateLimiterHandle, rate_limiter};
pub use site::{Admission, KeyedRateLimitSite, RateLimitSite, Wait};
pub use state::{Decision, RateLimiter, RateLimiterStats, Reservation};
