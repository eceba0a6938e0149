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
//! | `#[timeout("1s")] #[retry]` | the whole loop, sleeps included, gets 1 s |
//! | `#[retry] #[circuit_breaker]` | every attempt is admitted and recorded by the breaker; an open breaker's `CircuitOpen` is retried unless `retry_if` filters it |
//! | `#[circuit_breaker] #[retry]` | the breaker sees one outcome per call, after all retries |
//! | `#[fallback(f)] #[retry] #[timeout("100ms")]` | the fallback catches every error below it: the retry's last error, a `TimedOut` `Rejection` included |
//! | `#[timeout("1s")] #[fallback(f)]` | the deadline bounds the body and the fallback together |
//! | `#[retry] #[fallback(f)]` | compile error: the fallback would turn every error into its own result before the retry sees it (the same below `#[circuit_breaker]` or `#[hedge]`); list `#[fallback]` first |
//!
//! As in resilience4j, put the retry outside the breaker only with a `retry_if` that does
//! not retry `Rejection::CircuitOpen`, or retries will spin against an open breaker.
//!
//! The resile attributes must stand together: a non-resile attribute between two of them
//! (say `#[tracing::instrument]`) is a compile error, because the pipeline could not keep
//! the order you wrote. Put other attributes above or below the whole group.
