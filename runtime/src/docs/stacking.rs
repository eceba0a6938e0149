//! # Stacking attributes
//!
//! Attributes on one function apply in source order: **the first listed is the outermost**.
//! All `#[resile::*]` attributes on a function expand into one pipeline, built by the first
//! of them.
//!
//! ```text
//! #[retry(max = 3)]          // outermost: runs everything below up to 3 times
//! #[timeout("100ms")]        // innermost: bounds each attempt
//! async fn f() -> Result<T, E>
//! ```
//!
//! | order | meaning |
//! |---|---|
//! | `#[retry] #[timeout("100ms")]` | each attempt gets 100 ms; a timed-out attempt is retried (it is an `Err` like any other) |
//! | `#[timeout("1s")] #[retry]` | the whole loop, sleeps included, gets 1 s; a retry whose sleep would end at or past the deadline is not made: the last error comes back when it happens, not a `TimedOut` at the deadline ([`deadline`](mod@crate::deadline)) |
//! | `#[retry] #[circuit_breaker]` | every attempt is admitted and recorded by the breaker; an open breaker's `CircuitOpen` is retried unless `retry_if` filters it |
//! | `#[circuit_breaker] #[retry]` | the breaker sees one outcome per call, after all retries |
//! | `#[fallback(f)] #[retry] #[timeout("100ms")]` | the fallback catches every error below it: the retry's last error, a `TimedOut` `Rejection` included |
//! | `#[timeout("1s")] #[fallback(f)]` | the deadline bounds the body and the fallback together |
//! | `#[retry] #[fallback(f)]` | compile error: the fallback would turn every error into its own result before the retry sees it (the same below `#[circuit_breaker]` or `#[hedge]`); list `#[fallback]` first |
//! | `#[retry] #[bulkhead]` | each attempt takes its permits and returns them when it ends: the backoff sleeps hold none |
//! | `#[bulkhead] #[retry]` | one call holds its permits across every attempt and sleep |
//! | `#[timeout("1s")] #[bulkhead]` | the deadline bounds the wait for permits too |
//! | `#[retry] #[rate_limit]` | every attempt takes tokens; a refusal's `retry_after` (see `Rejection::retry_after`) is the hint to give the retry's `retry_after` |
//! | `#[rate_limit] #[retry]` | a call takes its tokens once, whatever its attempts |
//!
//! Two `#[bulkhead]`s of one `name` on one function are a compile error (each call would take
//! its permits twice, and the inner admission could wait for permits the outer one holds), and
//! so are two `#[rate_limit]`s of one `name` (each call would be counted twice):
//!
//! ```text
//! #[bulkhead(name = "pool", max_concurrent = 2)]
//! #[bulkhead(name = "pool", max_concurrent = 2)] // error: duplicate `#[bulkhead(name = "pool")]`
//! ```
//!
//! As in resilience4j, put the retry outside the breaker only with a `retry_if` that does
//! not retry `Rejection::CircuitOpen`, or retries will spin against an open breaker.
//!
//! The resile attributes must stand together: a non-resile attribute between two of them
//! (say `#[tracing::instrument]`) is a compile error, because the pipeline could not keep
//! the order you wrote. Put other attributes above or below the whole group.
