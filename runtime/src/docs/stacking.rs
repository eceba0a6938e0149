//! # Stacking attributes
//!
//! Attributes on one function apply in source order: **the first listed is the outermost**.
//! All `#[resile::*]` attributes on a function expand into one pipeline, built by the first
//! of them. A call goes down the list (each layer decides whether and when to call what is
//! below it) and its result comes back up (each layer sees the result of everything below).
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
//! | `#[timeout("1s")] #[retry]` | the whole loop, sleeps included, gets 1 s: an overall deadline; a retry whose sleep would end at or past it is not made: the last error comes back when it happens, not a `TimedOut` at the deadline ([`deadline`](mod@crate::deadline)) |
//! | `#[timeout("1s")] #[retry] #[timeout("100ms")]` | both: 100 ms per attempt, 1 s for the call |
//! | `#[retry] #[circuit_breaker]` | every attempt is admitted and recorded by the breaker; an open breaker's `CircuitOpen` is retried unless `retry_if` filters it (a warning, below) |
//! | `#[circuit_breaker] #[retry]` | the breaker sees one outcome per call, after all retries, and an open breaker rejects the call before its first attempt |
//! | `#[fallback(f)] #[retry] #[timeout("100ms")]` | the fallback catches every error below it: the retry's last error, a `TimedOut` `Rejection` included |
//! | `#[timeout("1s")] #[fallback(f)]` | the deadline bounds the body and the fallback together |
//! | `#[single_flight] #[fallback(f)]` | the callers that join a flight share its result, the fallback's included |
//! | `#[retry] #[fallback(f)]` | compile error: the fallback would turn every error into its own result before the retry sees it (the same below `#[circuit_breaker]`, `#[hedge]`, `#[bulkhead]` and `#[rate_limit]`); list `#[fallback]` first |
//! | `#[retry] #[bulkhead]` | each attempt takes its permits and returns them when it ends: the backoff sleeps hold none |
//! | `#[bulkhead] #[retry]` | one call holds its permits across every attempt and sleep |
//! | `#[timeout("1s")] #[bulkhead]` | the deadline bounds the wait for permits too |
//! | `#[retry] #[rate_limit]` | every attempt takes tokens; a refusal's `retry_after` (see `Rejection::retry_after`) is the hint to give the retry's `retry_after` (a warning without it, below) |
//! | `#[rate_limit] #[retry]` | a call takes its tokens once, whatever its attempts |
//! | `#[single_flight] #[retry]` | the callers share the whole retried call: a stampede guard |
//! | `#[hedge] #[timeout("100ms")]` | each attempt, the hedges included, gets 100 ms |
//! | `#[retry] #[timeout("100ms")] #[chaos(..)]` | the policies meet the injected faults as they would meet the downstream's: each injected error is retried, each hang cut at 100 ms and retried (list `#[chaos]` last; above a policy it faults the whole guarded call instead) |
//!
//! As in resilience4j, put the retry outside the breaker only with a `retry_if` that does
//! not retry `Rejection::CircuitOpen`, or retries will spin against an open breaker.
//!
//! ## Stacks that do not compile
//!
//! The pipeline sees the whole stack, so it rejects a stack that cannot do what it says.
//! Each error points at the token to change and says how to change it.
//!
//! | stack | error, at | fix |
//! |---|---|---|
//! | two `#[retry]`s, or two `#[hedge]`s | "duplicate `#[retry]`: stacked `#[retry]`s multiply their attempts; keep one", at the second | keep one; to nest on purpose, put the inner one on a function the outer one calls |
//! | `#[timeout(a)] #[timeout(b)]` with nothing between | "duplicate `#[timeout]`: with nothing between them only the shorter can fire", at the second | keep one, or put a `#[retry]` between them |
//! | two `#[bulkhead]`s or two `#[rate_limit]`s of one `name` | "duplicate `#[bulkhead(name = "pool")]`: each call would take from `pool` twice", at the second | keep one, or give the second another name |
//! | `#[retry] #[single_flight]` (or below `#[hedge]`) | "`#[single_flight]` below `#[retry]` would share each attempt rather than the call", at `#[single_flight]` | list `#[single_flight]` above `#[retry]` |
//! | `#[retry] #[fallback(f)]` | "`#[fallback]` below `#[retry]` turns every error into the fallback's result before `#[retry]` sees it, so it would never retry: list `#[fallback]` first (outermost)", at `#[fallback]` | list `#[fallback]` first |
//! | `#[circuit_breaker] #[fallback(f)]` | "… so the breaker would never open, and its `CircuitOpen` rejection would not reach the fallback …", at `#[fallback]` | list `#[fallback]` first |
//! | `#[hedge] #[fallback(f)]` | "… so a failed attempt would never start the next one, and the fallback would run once per attempt …", at `#[fallback]` | list `#[fallback]` first |
//! | `#[bulkhead] #[fallback(f)]`, `#[rate_limit] #[fallback(f)]` | "`#[fallback]` below `#[bulkhead]` never sees the `BulkheadFull` rejection of `#[bulkhead]`, which comes before the call reaches it …" (`RateLimited` for a limiter), at `#[fallback]` | list `#[fallback]` first |
//! | `#[timeout("100ms")] #[retry(base_delay = "100ms", jitter = "none")]` | "`#[timeout]` above `#[retry]` ends the call after 100ms, before any retry can start: the first retry sleeps 100ms (`base_delay` is 100ms, with `jitter = "none"`) …", at `"100ms"` | a longer timeout, a shorter delay, or `#[timeout]` below `#[retry]` to bound each attempt |
//! | `#[retry(base_delay = "500ms", jitter = 0.2, budget = "300ms")]` | "`budget` is 300ms, and the first retry sleeps at least 400ms (…): no retry could ever start …", at `"300ms"` | a longer `budget`, or a shorter delay |
//! | a non-resile attribute between two resile ones | "`#[timeout]` is separated from the resile attributes above it by `#[tracing::instrument]` …" | move it above or below the group |
//! | two different `crate = ".."` paths | "conflicting `crate` paths on one function …" | give `crate` once |
//!
//! A `#[fallback]` below `#[timeout]`, `#[single_flight]` or another `#[fallback]` is fine:
//! a timeout does not act on errors (it bounds the body and the fallback together),
//! single-flight callers share the fallback's result, and an outer fallback catches the
//! inner fallback's own errors.
//!
//! The deadline rule compares the deadline with the *shortest* first sleep the retry can
//! take, as the first attempt takes some time too: a deadline no longer than it ends every
//! call before any retry, whatever the random draw. The first delay is `base_delay` (capped
//! at `max_delay`), or the first entry of a `backoff` list; the jitter decides the shortest
//! sleep:
//!
//! | `jitter` | shortest first sleep | checked |
//! |---|---|---|
//! | `"none"` | the delay `d` | yes |
//! | `"equal"` | `d / 2` | yes |
//! | a proportion `p` | `d × (1 - p)` | yes (unless `p = 1`) |
//! | `"decorrelated"` | `base_delay` | yes |
//! | `"full"` (the default) | 0 | no: a retry may start at once |
//!
//! A `#[retry(policy = PATH)]` is not checked against a deadline: its settings are a
//! `const` the macro does not see (the policy's own rules are still checked, at the path).
//! `max = 1` makes no retry at all, so nothing is compared (and nothing is warned about
//! below). The same arithmetic checks a retry `budget`: one *shorter* than the shortest
//! first sleep is an error (the retry stops when the elapsed time plus the next sleep would
//! pass the budget, so a budget equal to it still lets a retry start after an instant first
//! attempt).
//!
//! ## Warnings
//!
//! Some stacks work, but usually not as meant. They compile with a warning at the
//! attribute, which `allow = "<lint>"` on that attribute silences:
//!
//! | lint | stack | fix |
//! |---|---|---|
//! | `retry_into_open_breaker` | `#[retry]` above `#[circuit_breaker]` with neither `retry_if` nor `retry_after`: while the breaker is open, every retry is rejected at once with `CircuitOpen`, its backoff wasted | list `#[circuit_breaker]` above `#[retry]` (the breaker then sees one outcome per call), or give the retry `retry_after`, or a `retry_if` that is false for `Rejection::CircuitOpen` |
//! | `retry_into_rate_limit` | `#[retry]` above `#[rate_limit]` with neither `retry_if` nor `retry_after`: the retries, on their own backoff, run into the empty bucket | list `#[rate_limit]` above `#[retry]`, or give the retry `retry_after` (it then waits as long as the limiter says), or a `retry_if` that is false for `Rejection::RateLimited` |
//! | `chaos_hang_without_timeout` | `#[chaos]` with a `hang_rate` written and no `#[timeout]` (nor a `#[hedge]` with `timeout`) above it: a hung call waits until its caller gives up | list a `#[timeout]` above the `#[chaos]`; `allow` it when the caller's own limit is what is tested |
//! | `chaos_above_policy` | `#[chaos]` above another attribute: its faults are injected outside that policy, which never sees them, so the stack is not tested | list `#[chaos]` last (innermost), where a downstream's faults arise; `allow` it for faults meant to be on the caller's side |
//!
//! ```text
//! #[retry(max = 3)]                      // warning: `#[retry]` above `#[circuit_breaker]` retries its
//! #[circuit_breaker(name = "db")]        //   `CircuitOpen` rejections, so while the breaker is open
//! async fn load(id: u64) -> Result<User, DbError>   // every retry is rejected at once: ...
//!
//! #[retry(max = 3, allow = "retry_into_open_breaker")]   // silenced: retrying into it is meant
//! #[circuit_breaker(name = "db")]
//! async fn load(id: u64) -> Result<User, DbError>
//! ```
//!
//! `allow` takes one lint or a list (`allow = ["retry_into_open_breaker",
//! "retry_into_rate_limit"]`), on the attribute the warning points at; a name that is no
//! lint, or a lint of another attribute, is a compile error.
//!
//! Stable Rust gives procedural macros no warning of their own, so rustc prints these as
//! the use of a deprecated function named after the lint:
//!
//! ```text
//! warning: use of deprecated function `load::{closure#0}::retry_into_open_breaker`: `#[retry]` above
//! `#[circuit_breaker]` retries its `CircuitOpen` rejections, so while the breaker is open every retry is
//! rejected at once: list `#[circuit_breaker]` above `#[retry]`, add `retry_after` or a `retry_if` that is
//! false for `Rejection::CircuitOpen`, or silence it with `allow = "retry_into_open_breaker"` on the `#[retry]`
//!   --> src/db.rs:12:1
//!    |
//! 12 | #[resile::retry(max = 3)]
//!    | ^^^^^^^^^^^^^^^^^^^^^^^^^
//! ```
//!
//! (one line in rustc's output; it points at the whole attribute when the `#[retry]` is the
//! first of the stack, at its name otherwise).
//!
//! They are warnings like any other: `-D warnings` (or `#![deny(deprecated)]`) makes them
//! errors, and `#[allow(deprecated)]` on the function silences them too, with every other
//! deprecation in it; prefer `allow = "<lint>"`, which names what is silenced.
//!
//! ## Standing together
//!
//! The resile attributes must stand together: a non-resile attribute between two of them
//! (say `#[tracing::instrument]`) is a compile error, because the pipeline could not keep
//! the order you wrote. Put other attributes above or below the whole group.
