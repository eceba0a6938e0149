//! # resile
//!
//! Resilience for async Rust as attribute macros: annotate an `async fn`, declare the
//! policy in code, and get retries, timeouts, circuit breakers and hedging that cost almost
//! nothing on the success path and explain invalid configuration as compile errors.
//!
//! ```
//! use resile::Rejection;
//!
//! #[derive(Debug)]
//! enum DbError {
//!     Unavailable,
//!     Rejected(Rejection),
//! }
//! impl From<Rejection> for DbError {
//!     fn from(r: Rejection) -> Self {
//!         DbError::Rejected(r)
//!     }
//! }
//!
//! #[resile::retry(max = 3, backoff = "exp", base_delay = "50ms")]
//! #[resile::timeout("200ms")]
//! async fn load_user(id: u64) -> Result<String, DbError> {
//!     if id == 0 { Err(DbError::Unavailable) } else { Ok(format!("user {id}")) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! assert_eq!(load_user(7).await.unwrap(), "user 7");
//! match load_user(0).await {
//!     Err(DbError::Rejected(why)) => println!("refused: {why}"),
//!     Err(DbError::Unavailable) => println!("down after 3 attempts"),
//!     Ok(user) => println!("{user}"),
//! }
//! # }
//! ```
//!
//! | attribute | what it does | runtime value |
//! |---|---|---|
//! | [`retry`](macro@retry) | runs the body again on `Err`, with backoff and jitter | [`Retry`] |
//! | [`timeout`](macro@timeout) | bounds the call; drops the body at the deadline | [`Timeout`] |
//! | [`hedge`](macro@hedge) | starts another attempt when one is slow; first `Ok` wins | [`Hedge`] |
//! | [`circuit_breaker`](macro@circuit_breaker) | refuses calls while a named, shared breaker is open | [`CircuitBreaker`] |
//! | [`single_flight`](macro@single_flight) | concurrent calls with equal keys share one execution | [`SingleFlight`] |
//! | [`fallback`](macro@fallback) | on `Err`, returns what another async fn makes of the arguments and the error | none |
//! | [`bulkhead`](macro@bulkhead) | bounds the calls running at once (weighted, FIFO, bounded wait) | [`Bulkhead`] |
//! | [`rate_limit`](macro@rate_limit) | bounds the rate of calls with a shared token bucket, exact to the nanosecond | [`RateLimiter`] |
//! | [`chaos`](macro@chaos) | injects errors, hangs and latency, seeded (cargo feature `chaos`; without it, nothing) | `chaos::Chaos` |
//!
//! Attributes apply in source order, the first listed outermost: see [`docs::stacking`],
//! which also lists the stacks rejected at compile time and the warnings (silenced with
//! `allow = "<lint>"` on the attribute). A real service hardened with them:
//! [`docs::patterns`].
//! Testing code that uses resile (named instances private to each test, `reset_all`, an
//! event recorder, the paused clock): cargo feature `testing`, see [`docs::testing`].
//! Metrics, log events, every configuration key in TOML, live changes, and the timeline of
//! one call: [`docs::operating`].
//! Metrics (`resile_calls_total`, breaker state, rejections, ...) through the `metrics`
//! facade: cargo feature `metrics`, see `telemetry::metrics`; off, it costs nothing.
//! Every policy as a `tower::Layer` sharing the named instances with the attributes: cargo
//! feature `tower`, see `layer`.
//! Fault injection inside a stack, to see what the policies above it do: `#[chaos]`, which
//! injects with the cargo feature `chaos` (see `chaos`) and expands to nothing without it.
//!
//! Every attribute also takes `crate = "path"` for a renamed dependency
//! (`guard = { package = "resile", .. }` ⇒ `#[guard::retry(crate = "guard")]`); the
//! attributes stacked below it are then recognised as `#[guard::*]` too.
//! Every policy is also a plain value with `call(|| fut)`, usable without macros.
//!
//! A policy can be declared once in code and used by path from any number of functions:
//! `const DB: CircuitBreakerPolicy = CircuitBreakerPolicy::named("db").window_size(50);`
//! then `#[circuit_breaker(policy = DB)]` (likewise [`RetryPolicy`], [`HedgePolicy`],
//! [`BulkheadPolicy`], [`RateLimitPolicy`], `ChaosPolicy`). An invalid value in it is a compile error
//! naming the key; [`presets`] holds tested retry policies.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

/// Retries the function when it returns `Err`, sleeping a backoff delay between attempts.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `max` | count | `3` | ≥ 1; attempts, the first included: `3` is the first attempt and up to 2 retries (`1` = no retry) |
/// | `backoff` | word or list | `"exp"` | `"exp"`/`"exponential"`, `"linear"`, `"constant"`, `"fibonacci"`, or a list of durations `["100ms", "500ms", "2s"]` (then `max` = len + 1 and may not be given) |
/// | `base_delay` | duration | `"100ms"` | ≤ `max_delay` |
/// | `max_delay` | duration | `"5s"` | cap on every single delay |
/// | `multiplier` | number | `2.0` | ≥ 1.0; only with `"exp"` |
/// | `increment` | duration | `base_delay` | only with `"linear"` |
/// | `jitter` | word or number | `"full"` | `"none"`, `"full"` (`[0, d]`), `"equal"` (`[d/2, d]`), `"decorrelated"` (`[base_delay, 3 × previous]`: a backoff of its own, only with `backoff = "exp"` (the default), no `multiplier`, and `base_delay` > 0), or a proportion `p` in `0.0..=1.0` (`d × [1-p, 1+p]`) |
/// | `budget` | duration | none | > 0; no retry whose sleep would end past it (a running attempt is not cut) |
/// | `retry_if` | `fn(&E) -> bool` | every `Err` | |
/// | `on_retry` | `fn(u32, Duration, &E)` | none | called before each sleep with the failed attempt (from 1) |
/// | `retry_budget` | name | none | shared [`retry::RetryBudget`]; a denied retry returns the last error |
/// | `retry_after` | `fn(&E) -> Option<Duration>` | none | the wait the error asks for (a server's `Retry-After`; [`Rejection::hint`] for errors that carry a [`Rejection`], see [`AsRejection`]): the next attempt starts no earlier, the sleep is max(backoff delay, hint); a hint above `max_delay`, or whose sleep would end past `budget`, stops the retries with this error. Never early: tokio's millisecond timer rounds a sub-millisecond hint up to the next millisecond |
/// | `policy` | path | none | a `const` [`RetryPolicy`] (e.g. [`presets::PRODUCTION`]) giving the keys above; any of them written next to it overrides it at this site only, checked with the policy's other settings |
///
/// Durations are strings with a unit (`ns us ms s m h`, e.g. `"250ms"`, `"1.5s"`); a bare
/// number is a compile error (`base_delay = 100` says to write `"100ms"` or `"100s"`).
///
/// # Example
/// ```
/// # #[derive(Debug)] struct Flaky;
/// fn is_transient(_: &Flaky) -> bool { true }
///
/// #[resile::retry(max = 4, backoff = "exp", base_delay = "50ms", jitter = "equal", retry_if = is_transient)]
/// async fn fetch(attempts: &std::sync::atomic::AtomicU32) -> Result<u32, Flaky> {
///     let n = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
///     if n < 3 { Err(Flaky) } else { Ok(n) }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let attempts = std::sync::atomic::AtomicU32::new(0);
/// assert_eq!(fetch(&attempts).await.unwrap(), 3);
/// # }
/// ```
///
/// # Stacking
/// Outside `#[timeout]`, each attempt gets its own deadline and a timed-out attempt is
/// retried; inside, the timeout bounds the whole loop. See [`docs::stacking`]. A
/// `#[timeout]` above it, or a `budget`, no longer than the first retry's shortest sleep
/// (no retry could ever start), and a `#[fallback]` below it, are compile errors. Above
/// `#[circuit_breaker]` or `#[rate_limit]` without `retry_if` (or `retry_after`), it warns
/// that its retries run into the open breaker or the empty bucket; `allow =
/// "retry_into_open_breaker"` (or `"retry_into_rate_limit"`, or a list of both) silences
/// that.
///
/// # Deadline
/// Under a deadline (a `#[timeout]` around it, on this function or on a caller however many
/// calls up: [`deadline()`]), a retry whose sleep would end at or past the deadline is not
/// made: the call returns that attempt's error at once, rather than being cut halfway
/// through a sleep, and an [`Event::RetryPastDeadline`](telemetry::Event::RetryPastDeadline)
/// says why.
///
/// # Errors
/// Never adds an error of its own: the caller gets the last attempt's `Err`.
///
/// # Compile errors
/// Every invalid configuration is a compile error on the offending token that says how to
/// fix it:
/// ```compile_fail
/// #[resile::retry(max = 0)] // error: `max` must be at least 1, found 0
/// async fn fetch() -> Result<u32, String> { Ok(1) }
/// ```
/// A body that moves a by-value argument out cannot run twice and is reported with the fix
/// (clone it, or take it by reference).
///
/// # Expansion
/// A loop in the function's own body (the *loop* call shape of [`docs::architecture`]):
/// a success is one `match` on `Ok`, and only an error calls into the runtime.
/// ```text
/// static SITE: RetrySite = RetrySite::new(fn_path, RetryConfig::new().max(4)…, None);
/// let mut state = SITE.start();
/// loop {
///     match async { /* body */ }.await {
///         Ok(value) => break Ok(value),
///         Err(error) => match SITE.on_error(&mut state, span, error, &HOOKS, describe) {
///             Break(error) => break Err(error),
///             Continue(backoff) => backoff.await,
///         },
///     }
/// }
/// ```
pub use resile_macros::retry;

/// Bounds how long the function may take: at the deadline its future is dropped and the
/// caller gets `E::from(Rejection::TimedOut { after })`.
///
/// # Arguments
/// `#[timeout("250ms")]` or `#[timeout(after = "250ms")]`: a duration greater than zero.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use resile::Rejection;
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Rejected(Rejection) }
/// impl From<Rejection> for ApiError {
///     fn from(r: Rejection) -> Self { ApiError::Rejected(r) }
/// }
///
/// #[resile::timeout("100ms")]
/// async fn slow() -> Result<(), ApiError> {
///     tokio::time::sleep(Duration::from_secs(5)).await;
///     Ok(())
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let after = Duration::from_millis(100);
/// assert_eq!(slow().await, Err(ApiError::Rejected(Rejection::TimedOut { after })));
/// # }
/// ```
///
/// # Stacking
/// Inside `#[retry]` it bounds each attempt; outside, the whole retry loop.
///
/// # Deadline
/// While the function runs, [`deadline()`] returns its deadline (or an earlier one set by an
/// enclosing timeout), in the functions it awaits too, however deep: a `#[retry]` in there
/// returns its last error rather than start a sleep that would end at or past it, a
/// `#[hedge]` starts no attempt at or past it, and the body can pass it on to the next
/// service. See [`mod@deadline`].
///
/// ```
/// use std::time::Duration;
/// use resile::Rejection;
/// use tokio::time::Instant;
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Rejected(Rejection), Unavailable }
/// impl From<Rejection> for ApiError {
///     fn from(r: Rejection) -> Self { ApiError::Rejected(r) }
/// }
///
/// #[resile::timeout("1s")]
/// async fn handler() -> Result<String, ApiError> {
///     tokio::time::sleep(Duration::from_millis(200)).await;
///     lookup().await
/// }
///
/// async fn lookup() -> Result<String, ApiError> {
///     call_backend().await
/// }
///
/// // Tells the backend how long the caller will wait, as gRPC's `grpc-timeout` does.
/// #[resile::retry(max = 3, base_delay = "100ms")]
/// async fn call_backend() -> Result<String, ApiError> {
///     let left = resile::deadline().map(|at| at.saturating_duration_since(Instant::now()));
///     match left {
///         Some(left) => Ok(format!("grpc-timeout: {}m", left.as_millis())),
///         None => Err(ApiError::Unavailable),
///     }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// assert_eq!(handler().await, Ok("grpc-timeout: 800m".to_owned()));
/// # }
/// ```
///
/// # Errors
/// `Rejection::TimedOut { after }`, through `E: From<Rejection>` (a missing impl is a
/// compile error naming `#[timeout]`).
///
/// # Expansion
/// `SITE.run(span, reject, async { /* body */ }).await` with a per-call-site
/// `static TimeoutSite`: a plain future around `tokio::time::timeout` that maps its error
/// (the *attempts* call shape of [`docs::architecture`], with one attempt).
pub use resile_macros::timeout;

/// On `Err`, calls another async fn with the same arguments plus the error, and returns
/// its result: a cheaper source, a cached value, a default, or a better error.
///
/// `#[fallback(path)]` takes the path of an `async fn` (`cached_price`, `Self::cached`,
/// `crate::backup::price`) whose parameters are this function's, in order, followed by the
/// error by value, and whose return type is this function's. It is called only on `Err`;
/// an `Ok` is returned as is.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | (positional) | path | required | an `async fn` taking this fn's arguments and then the error `E` by value, returning the same `Result<T, E>` |
///
/// # Example
/// ```
/// #[derive(Debug, PartialEq)]
/// enum PriceError { Unavailable }
///
/// #[resile::fallback(cached_price)]
/// async fn price(id: u64, currency: &str) -> Result<u64, PriceError> {
///     Err(PriceError::Unavailable)
/// }
///
/// async fn cached_price(id: u64, currency: &str, error: PriceError) -> Result<u64, PriceError> {
///     assert_eq!(error, PriceError::Unavailable);
///     Ok(id * 100 + currency.len() as u64)
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(price(7, "EUR").await, Ok(703));
/// # }
/// ```
///
/// On a method, name it through `Self` (`#[fallback(Self::cached)]`); the receiver is
/// passed as the first argument (`&self` ⇒ `async fn cached(&self, .., error: E)`).
///
/// # Arguments the fallback gets
/// The body gets the arguments first; the fallback gets them after the body's future is
/// dropped. References (`&self`, `&str`) and arguments the body only borrows are passed as
/// they are. A by-value argument the body moves (passes to a call, returns, puts in a
/// struct) is cloned before the body runs, so that the fallback gets it too: a `u64` is
/// copied, an owned `String` is cloned, and a type that is not `Clone` is a compile error at
/// the move that says so (borrow it in the body, or take it by reference). A move inside a
/// macro (`vec![arg]`) is not seen: the borrow checker reports it; clone it there.
/// Arguments must be named (no patterns such as `(a, b): (u32, u32)`).
///
/// # Stacking
/// List it first: the outermost `#[fallback]` catches every error of what is below it,
/// `Rejection`s included (a `#[timeout]`'s `TimedOut`, an open breaker's `CircuitOpen`,
/// a retry's last error). Listed below `#[retry]`, `#[circuit_breaker]` or `#[hedge]`, it
/// would turn every error into its own result before they see it: a compile error. A
/// `#[timeout]` above it bounds the call and the fallback together. See [`docs::stacking`].
///
/// # Errors
/// The fallback's own: its `Err` is the call's.
///
/// # Compile errors
/// A fallback of the wrong signature is one error, at the path. With the wrong number of
/// arguments (a method fallback without `&self` included), an argument of another type (the
/// error taken by reference) or another return type, it shows the signature it needs, with
/// this function's parameter names, and the one it has; a fn that is not `async` is reported
/// as such:
/// ```compile_fail
/// # #[derive(Debug)] struct PriceError;
/// #[resile::fallback(cheap_price)] // error: `#[fallback(cheap_price)]` needs
///                                  // `async fn cheap_price(id: u64, error: PriceError) -> Result<u64, PriceError>`
/// async fn price(id: u64) -> Result<u64, PriceError> { Ok(id) }
///
/// async fn cheap_price(id: u64) -> Result<u64, PriceError> { Ok(id) }
/// ```
///
/// # Expansion
/// A `match` in the function's own body, no future of its own:
/// ```text
/// let kept = arg.clone();            // only for arguments the body moves
/// match async { /* body */ }.await {
///     ok @ Ok(_) => ok,
///     Err(error) => cheap_price(id, kept, error).await,
/// }
/// ```
pub use resile_macros::fallback;
pub use resile_runtime::*;

/// Rate limits and circuit breaker state shared by every replica, on Redis (cargo feature
/// `redis`): `install` once, then `#[rate_limit(.., backend = "redis")]` and
/// `share_breaker(name)`.
#[cfg(feature = "redis")]
pub use resile_redis as redis;

/// Prose chapters: how the crates and each policy are built, how the policies combine, what
/// cancellation releases, what each call costs, how to test code that uses resile, the
/// hardening of a real service written with resile's attributes ([`patterns`](docs::patterns)),
/// and what an operator sees and changes ([`operating`](docs::operating)).
pub mod docs {
    #[doc(inline)]
    pub use resile_runtime::docs::*;

    pub mod keyed;
    pub mod operating;
    pub mod patterns;
}

/// Hedges the function: when an attempt is slower than usual, starts another one
/// concurrently and returns the first `Ok`, dropping the others at once.
///
/// Attempts run concurrently inside the caller's task (nothing is spawned), so the function
/// may borrow its arguments. A non-fatal `Err` starts the next attempt at once; the call
/// fails with the last error only when every attempt failed.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `delay` | duration | `"100ms"` | static mode: delay before each extra attempt; `< timeout` |
/// | `percentile` | number | none | `0 < p < 100`: adaptive mode, delay = this percentile of recent latencies |
/// | `max_requests` | count | `2` | ≥ 1: attempts started per call, the first included (`2`: the first and at most one hedge; `1` disables hedging) |
/// | `timeout` | duration | none | > 0: overall deadline, `Rejection::TimedOut` |
/// | `name` | name | per call site | shares the tracker, budget and stats |
/// | `buffer_size`, `min_samples` | count | `1000`, `10` | adaptive only; `min_samples ≤ buffer_size` |
/// | `initial_delay`, `min_delay`, `max_delay` | duration | `"100ms"`, `"1ms"`, `"5s"` | adaptive only; `min_delay ≤ max_delay` |
/// | `token_max`, `token_success_credit`, `token_hedge_cost`, `token_threshold` | number | `10`, `0.1`, `1.0`, `1.0` | > 0; `token_threshold ≤ token_max`: a hedge budget that starts full; steady hedge rate ≤ credit / cost |
/// | `fatal` | `fn(&E) -> bool` | none | such an error ends the call at once |
/// | `on_hedge` | `fn(u32)` | none | called with the attempt number when an extra attempt starts |
/// | `policy` | path | none | a `const` [`HedgePolicy`] (name and settings); `delay`, `max_requests` and `timeout` written next to it override it at this site only (the tracker's keys and `name` are the policy's); the site then needs `E: From<Rejection>`, as the policy may hold a `timeout` |
///
/// # Example
/// ```
/// use std::time::Duration;
/// use tokio::time::{sleep, Instant};
///
/// // The first replica asked is stuck; the hedge to the second one answers.
/// #[resile::hedge(delay = "50ms", max_requests = 2)]
/// async fn read(replicas: &[Duration], next: &std::sync::atomic::AtomicUsize) -> Result<usize, ()> {
///     let replica = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///     sleep(replicas[replica]).await;
///     Ok(replica)
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let replicas = [Duration::from_secs(2), Duration::from_millis(10)];
/// let start = Instant::now();
/// assert_eq!(read(&replicas, &Default::default()).await, Ok(1));
/// assert_eq!(start.elapsed(), Duration::from_millis(60));
/// # }
/// ```
///
/// # Stacking
/// Inside `#[retry]`, each retry attempt is itself hedged; a `#[timeout]` inside `#[hedge]`
/// bounds each hedged attempt, outside it bounds the whole hedged call.
///
/// # Deadline
/// Its `timeout` is seen by every attempt through [`deadline()`], as a `#[timeout]`'s is.
/// Under an enclosing deadline (its own `timeout`'s, or a `#[timeout]` around it), no attempt
/// starts at or past it: a hedge due then is not fired, and when every running attempt has
/// failed the call returns the last error at once.
///
/// # Errors
/// `Rejection::TimedOut { after: timeout }` when `timeout` is set (through
/// `E: From<Rejection>`, required only then); otherwise the attempts' own errors.
///
/// # Compile errors
/// Every invalid configuration is a compile error on the offending token that says how to
/// fix it:
/// ```compile_fail
/// #[resile::hedge(max_requests = 0)] // error: `max_requests` must be at least 1, found 0
/// async fn fetch() -> Result<u32, String> { Ok(1) }
/// ```
/// A body that moves a by-value argument out is reported with the fix, as under `#[retry]`.
///
/// # Expansion
/// `SITE.call(span, &HOOKS, || async { /* body */ }).await` with a per-call-site
/// `static HedgeSite` (the *attempts* call shape of [`docs::architecture`]).
pub use resile_macros::hedge;

/// Guards the function with a named circuit breaker, shared by every function that names
/// it: while the breaker is open, calls are refused at once with
/// `Rejection::CircuitOpen { name }` instead of reaching a failing dependency.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `name` | name | required | one name is one breaker, process-wide |
/// | `window` | word | `"count"` | `"count"` (last N calls) or `"time"` (last N seconds) |
/// | `window_size` | count | `100` | ≥ 1: calls or seconds |
/// | `failure_rate_threshold` | ratio | `0.5` | `(0, 1]`: open when the failure rate ≥ this |
/// | `slow_call_threshold` | duration | none | > 0: a call slower than this is slow |
/// | `slow_call_rate_threshold` | ratio | `1.0` | `(0, 1]`; needs `slow_call_threshold` |
/// | `minimum_calls` | count | `10` | ≥ 1; ≤ `window_size` for a count window |
/// | `open_timeout` | duration | `"60s"` | > 0: time open before half-open |
/// | `permitted_calls_in_half_open` | count | `1` | ≥ 1: probes; all succeed ⇒ closed, any fails ⇒ open |
/// | `should_record` | `fn(&Result<T, E>) -> resile::Outcome` | `Err` = failure | `Success`, `Failure` or `Ignore` |
/// | `on_state_change` | `fn(&str, State, State)` | none | called once per transition |
/// | `open_timeout_multiplier` | number | `1.0` | finite, ≥ 1.0: each reopening from half-open (a failed probe) without a close in between lasts this many times the previous opening, rounded to the nanosecond (a downstream that stays down is probed less and less often, as Polly's and Resilience4j's exponential break durations); a close resets it; `stats().open_duration` shows it |
/// | `max_open_timeout` | duration | `open_timeout` | ≥ `open_timeout`: the longest an opening lasts |
/// | `policy` | path | none | a `const` [`CircuitBreakerPolicy`]: the breaker's name and settings, as if written here; no key of the table but the callbacks may be written next to it, since one breaker has one configuration |
/// | `key` | expression over the arguments | none | one breaker per distinct value under the name (a breaker per downstream host), each with the name's settings; `Hash + Eq` with an owned form that is `Clone + Send + Sync + 'static` (a `&str` is kept as a `String`, made only when the key is new); see [`docs::keyed`] |
/// | `max_keys` | count | `10000` | ≥ 1, with `key`: the keys kept at most; past it the least recently used with no call in flight are evicted |
///
/// One name has one configuration (see [`registry::Registry`]):
/// - a call site that gives only `name` refers to the breaker and declares nothing; if it is
///   the first to use the name, the breaker runs with the defaults until a declaring site's
///   first call puts the declaration in force (a state transition: a fresh window), so
///   declare at startup (`resile::CircuitBreaker::named("db", config)`) to have the settings
///   from the first call;
/// - a call site that gives settings declares them, and a second declaration of the name
///   with other settings is reported at its first call with both configurations as an ERROR
///   event, and panics in debug builds so that a test suite finds it (a run-time check: the
///   declarations live in different functions);
/// - `should_record` and `on_state_change` belong to the call site that gives them: the
///   classifier applies to that site's calls, the callback is registered at its first call.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use resile::{Rejection, State};
///
/// #[derive(Debug, PartialEq)]
/// enum DbError { Down, Rejected(Rejection) }
/// impl From<Rejection> for DbError {
///     fn from(r: Rejection) -> Self { DbError::Rejected(r) }
/// }
///
/// #[resile::circuit_breaker(name = "doc-db", minimum_calls = 2, window_size = 4, open_timeout = "30s")]
/// async fn query(up: bool) -> Result<u32, DbError> {
///     if up { Ok(1) } else { Err(DbError::Down) }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// assert_eq!(query(false).await, Err(DbError::Down));
/// assert_eq!(query(false).await, Err(DbError::Down)); // 2 of 2 failed: the breaker opens
/// assert_eq!(resile::circuit_breaker("doc-db").state(), State::Open);
/// assert_eq!(query(true).await, Err(DbError::Rejected(Rejection::CircuitOpen { name: "doc-db" })));
/// tokio::time::advance(Duration::from_secs(30)).await; // half-open: one probe passes
/// assert_eq!(query(true).await, Ok(1));
/// assert_eq!(resile::circuit_breaker("doc-db").state(), State::Closed);
/// # }
/// ```
///
/// # Stacking
/// Inside `#[retry]`, every attempt is admitted and recorded; put a `retry_if` that skips
/// `Rejection::CircuitOpen` on the retry, or it retries against an open breaker. Outside
/// `#[retry]`, the breaker records one outcome per call. See [`docs::stacking`].
///
/// # Errors
/// `Rejection::CircuitOpen { name }`, through `E: From<Rejection>` (a missing impl is a
/// compile error naming `#[circuit_breaker]`).
///
/// # Expansion
/// A synchronous admission around one `.await` in the function's own body (the
/// *admission* call shape of [`docs::architecture`]), with a per-call-site
/// `static Site<CircuitBreaker>` that resolves the named breaker once:
/// ```text
/// let permit = SITE.admit();
/// if permit.admitted() {
///     let result = async { /* body */ }.await;
///     permit.record(should_record(&result));
///     result
/// } else {
///     Err(reject(SITE.rejected(permit, span)))
/// }
/// ```
pub use resile_macros::circuit_breaker;

/// Concurrent calls with equal keys share one execution: the first caller's body runs, and
/// every caller gets a clone of its result. A cache stampede guard: when a hot key expires,
/// one load goes to the database and the other requests wait for it.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `key` | expression over the arguments | required | `Hash + Eq`, with an owned form that is `Clone + Send + Sync + 'static`; a `&str` is kept as a `String`, made only when the key is new |
///
/// # Example
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static LOADS: AtomicU32 = AtomicU32::new(0);
///
/// #[resile::single_flight(key = symbol.as_str())]
/// async fn load_price(symbol: String) -> Result<u64, String> {
///     LOADS.fetch_add(1, Ordering::Relaxed);
///     tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the database
///     Ok(symbol.len() as u64)
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let (a, b) = tokio::join!(load_price("AAPL".into()), load_price("AAPL".into()));
/// assert_eq!((a, b), (Ok(4), Ok(4)));
/// assert_eq!(LOADS.load(Ordering::Relaxed), 1);
/// // The next call after it completed loads again: nothing is cached.
/// assert_eq!(load_price("AAPL".into()).await, Ok(4));
/// assert_eq!(LOADS.load(Ordering::Relaxed), 2);
/// // Make the next caller load afresh even while a load is in flight:
/// resile::single_flight::forget("load_price", &"AAPL".to_owned());
/// # }
/// ```
///
/// The shared execution is not cancelled when the caller that started it goes away: the
/// other callers keep it going. It is dropped when no caller is left. So it outlives the
/// first caller, and cannot borrow that caller's arguments: the arguments are moved into it,
/// and a function that takes a reference (`&self`, `&str`, other than `&'static`) is a
/// compile error that says so. Take `self: Arc<Self>` and owned arguments. The result's
/// `T` and `E` must be `Clone + Send + Sync + 'static` (share a non-`Clone` error as
/// `Arc<E>`), and the body `Send`. See [`single_flight`](mod@single_flight) for why, and
/// for the costs.
///
/// `resile::single_flight::forget(function, &key)` makes the next caller start a fresh
/// execution (the callers of the old one still get its result);
/// `resile::single_flight::stats(function)` counts executions in flight, started and joined.
/// `function` is the function's path (`my_app::prices::load_price`) or a tail of it.
///
/// # Stacking
/// Above `#[retry]`, the callers share the whole retried call (one retry loop for all).
/// Below `#[retry]` or `#[hedge]` it is a compile error: each attempt would be shared
/// instead, and the first attempt would take the arguments. Below a `#[timeout]`, each
/// caller's wait is bounded, and a caller that times out leaves the execution to the others;
/// a `#[timeout]` below it bounds the shared execution. Below a `#[circuit_breaker]`, each
/// caller is admitted, and one outcome is recorded per caller.
///
/// # Errors
/// None of its own: the execution's `Err` is every caller's, cloned.
///
/// # Compile errors
/// A missing `key`, a key that is not `Hash + Eq`, a result that is not `Clone`, a borrowed
/// argument or receiver, and a place below `#[retry]` or `#[hedge]`, each with the fix:
/// ```compile_fail
/// #[resile::single_flight(key = symbol)] // error: .. cannot borrow `&str`: take the argument by value
/// async fn load(symbol: &str) -> Result<u32, String> { Ok(1) }
/// ```
///
/// # Expansion
/// A lookup of the function's group (a per-function `static SingleFlightSite`) that joins
/// the execution in flight or starts one, then one `.await` of the caller's share:
/// ```text
/// let flight = match SITE.lookup_result::<T, E, _>(&key) { // `lookup::<R, _>` for another `R`
///     Joined(flight) => flight,
///     Vacant(vacancy) => vacancy.start(async move { /* body */ }),
/// };
/// flight.await
/// ```
pub use resile_macros::single_flight;

/// Bounds how many calls run at once with a named bulkhead, shared by every function that
/// names it: a weighted FIFO semaphore of `max_concurrent` permits. A call that finds no
/// free permits waits up to `max_wait` in a fair queue (a heavy call is not overtaken by
/// lighter ones), or is refused with `Rejection::BulkheadFull { name }`.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `name` | name | required | one name is one bulkhead, process-wide |
/// | `max_concurrent` | count | required | ≥ 1: the permits, the sum of the weights that may run at once |
/// | `max_wait` | duration | `"0ms"` | any; `"0ms"` refuses at once; tokio's timer rounds up to the millisecond |
/// | `weight` | count | `1` | `1..=max_concurrent`: the permits one call takes |
/// | `adaptive` | `"gradient2"`, `"vegas"`, `"aimd"` | none | the limit adapts to the latency the calls show, within `min_concurrent..=max_concurrent` (Netflix concurrency-limits' `Gradient2Limit`, `VegasLimit`, `AIMDLimit`; see `resile::bulkhead::adaptive`); `"aimd"` backs off only on a drop (a panic) or a latency above 5 s: use `"gradient2"` or `"vegas"` for a downstream that slows down |
/// | `min_concurrent` | count | `1` | `1..=max_concurrent`, only with `adaptive`: the lowest limit |
/// | `initial_concurrent` | count | 20 (≤ `max_concurrent`) | `min_concurrent..=max_concurrent`, only with `adaptive`: the first limit |
/// | `policy` | path | none | a `const` [`BulkheadPolicy`]: name, `max_concurrent` and the rest; `max_wait` and `weight` written next to it override it at this site only |
/// | `key` | expression over the arguments | none | one bulkhead per distinct value under the name (a pool per tenant: a full key does not hold up another), each with the name's `max_concurrent`; see [`docs::keyed`] |
/// | `max_keys` | count | `10000` | ≥ 1, with `key`: the keys kept at most; past it the least recently used with no call in flight are evicted |
///
/// One name has one `max_concurrent` (the first declaration's; a second declaration with
/// another value is reported at its first call, and panics in debug builds), and one set of
/// adaptive keys; `max_wait` and `weight` are each call site's own. `resile::bulkhead(name)`
/// reads its `stats()` (`max_concurrent`, `in_use`, `waiting`, and `limit`, the limit in
/// force: an adaptive bulkhead's moves under `max_concurrent`, a fixed one's is
/// `max_concurrent`) and changes it live (`reconfigure`).
///
/// # Example
/// ```
/// use resile::Rejection;
///
/// #[derive(Debug, PartialEq)]
/// enum DbError { Rejected(Rejection) }
/// impl From<Rejection> for DbError {
///     fn from(r: Rejection) -> Self { DbError::Rejected(r) }
/// }
///
/// #[resile::bulkhead(name = "doc-pool", max_concurrent = 2)]
/// async fn query(done: tokio::sync::oneshot::Receiver<()>) -> Result<u32, DbError> {
///     let _ = done.await;
///     Ok(1)
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (release, done) = tokio::sync::oneshot::channel();
/// let (_keep, second) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn(query(done));
/// let other = tokio::spawn(query(second));
/// tokio::task::yield_now().await; // both are admitted and hold a permit each
/// assert_eq!(resile::bulkhead("doc-pool").stats().in_use, 2);
/// let (_tx, rx) = tokio::sync::oneshot::channel();
/// assert_eq!(query(rx).await, Err(DbError::Rejected(Rejection::BulkheadFull { name: "doc-pool" })));
/// release.send(()).unwrap();
/// assert_eq!(running.await.unwrap(), Ok(1)); // its permit is back
/// assert_eq!(resile::bulkhead("doc-pool").stats().in_use, 1);
/// # other.abort();
/// # }
/// ```
///
/// # Stacking
/// Inside `#[retry]`, each attempt takes its permits and gives them back when it ends, so
/// the backoff sleeps hold none; outside, the permits are held across every attempt and
/// sleep. Inside `#[timeout]`, the timeout bounds the wait too. Two `#[bulkhead]`s of one
/// name on one function are a compile error (each call would take its permits twice). See
/// [`docs::stacking`].
///
/// # Errors
/// `Rejection::BulkheadFull { name }`, through `E: From<Rejection>` (a missing impl is a
/// compile error naming `#[bulkhead]`).
///
/// # Compile errors
/// A missing `name` or `max_concurrent`, a `weight` above `max_concurrent`, a duration
/// without a unit, an unknown key:
/// ```compile_fail
/// #[resile::bulkhead(name = "pool", max_concurrent = 2, weight = 3)] // error: `weight` (3) exceeds `max_concurrent` (2)
/// async fn fetch() -> Result<u32, resile::Rejection> { Ok(1) }
/// ```
///
/// # Expansion
/// A synchronous admission around one `.await` in the function's own body (the
/// *admission* call shape of [`docs::architecture`]), with a per-call-site
/// `static BulkheadSite` that resolves the named bulkhead once. The wait is a small boxed
/// future, emitted only when `max_wait` is above zero; with `"0ms"` the refusal is
/// synchronous:
/// ```text
/// match match SITE.try_admit() {
///     Some(permit) => Ok(permit),
///     None => SITE.wait(span, impl_type).await,   // or Err(SITE.refuse(span, impl_type))
/// } {
///     Ok(_permit) => async { /* body */ }.await,  // the permits return when `_permit` drops
///     Err(rejection) => Err(reject(rejection)),
/// }
/// ```
pub use resile_macros::bulkhead;

/// Bounds the rate of calls with a named rate limiter, shared by every function that names
/// it: a lazy token bucket (GCRA) that starts full, holds up to `burst_size` tokens and
/// gains `rate` per second, with no background task and no drift. A call takes `weight`
/// tokens; when they are not there it waits if they come within `max_wait` (holding them
/// while it waits), or is refused with `Rejection::RateLimited { name, retry_after }`,
/// `retry_after` being the first whole nanosecond at which it would be admitted.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `name` | name | required | one name is one bucket, process-wide |
/// | `rate` | tokens per second | required | `1e-6..=1e12`; an integer literal is accepted |
/// | `burst_size` | tokens | `rate` | `1..=1e12` |
/// | `weight` | count | `1` | `1..=burst_size`: the tokens one call takes |
/// | `max_wait` | duration | `"0ms"` | any, inclusive; `"0ms"` refuses at once |
/// | `backend` | `"local"` or `"redis"` | `"local"` | `"redis"`: one budget per name shared by every replica, decided on Redis (cargo feature `redis`, see `resile::redis`; set up once with `resile::redis::install`, else every call is refused with `Rejection::NoBackend`); not with `policy` yet |
/// | `policy` | path | none | a `const` [`RateLimitPolicy`]: name, `rate` and the rest; `weight` and `max_wait` written next to it override it at this site only |
/// | `key` | expression over the arguments | none | one limiter per distinct value under the name (a limit per tenant), each with the name's `rate` and `burst_size`; see [`docs::keyed`] |
/// | `max_keys` | count | `10000` | ≥ 1, with `key`: the keys kept at most; past it the least recently used with no call in flight are evicted |
///
/// One name has one `rate` and `burst_size` (the first declaration's; another declaration
/// with other values is reported at its first call, and panics in debug builds); `weight`
/// and `max_wait` are each call site's own. `resile::rate_limiter(name)` reads its
/// `stats()` (`tokens`, `rate`, `burst_size`) and changes it live (`reconfigure`: spent
/// tokens stay spent).
///
/// # Example
/// ```
/// use std::time::Duration;
/// use resile::Rejection;
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Rejected(Rejection) }
/// impl From<Rejection> for ApiError {
///     fn from(r: Rejection) -> Self { ApiError::Rejected(r) }
/// }
///
/// #[resile::rate_limit(name = "doc-api", rate = 3)]
/// async fn search() -> Result<u32, ApiError> {
///     Ok(1)
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// for _ in 0..3 {
///     assert_eq!(search().await, Ok(1)); // the bucket starts full: a burst of 3
/// }
/// let retry_after = Duration::from_nanos(333_333_334); // never 333_333_333
/// let refused = Rejection::RateLimited { name: "doc-api", retry_after };
/// assert_eq!(search().await, Err(ApiError::Rejected(refused)));
/// assert_eq!(refused.retry_after(), Some(retry_after));
/// tokio::time::advance(retry_after).await;
/// assert_eq!(search().await, Ok(1));
/// # }
/// ```
///
/// # Stacking
/// Inside `#[retry]`, every attempt takes tokens: give the retry a `retry_after` hint from
/// `Rejection::retry_after` (or a `retry_if` that skips `RateLimited`), or it retries into
/// an empty bucket. Outside `#[retry]`, a call takes its tokens once. Two `#[rate_limit]`s
/// of one name on one function are a compile error (each call would be counted twice). See
/// [`docs::stacking`].
///
/// # Errors
/// `Rejection::RateLimited { name, retry_after }`, through `E: From<Rejection>` (a missing
/// impl is a compile error naming `#[rate_limit]`). The call takes no tokens.
///
/// # Compile errors
/// A missing `name` or `rate`, a zero or negative `rate`, a `weight` above `burst_size`, a
/// duration without a unit, an unknown key:
/// ```compile_fail
/// #[resile::rate_limit(name = "api", rate = 0)] // error: `rate` must be greater than 0, found 0.0
/// async fn fetch() -> Result<u32, resile::Rejection> { Ok(1) }
/// ```
///
/// # Expansion
/// A synchronous admission before one `.await` in the function's own body (the
/// *admission* call shape of [`docs::architecture`]), with a per-call-site
/// `static RateLimitSite` that resolves the named limiter once. The tokens are spent at
/// admission, so nothing is held across the call; the slow path is out of line, and waits
/// (a small future with a boxed timer) only when `max_wait` is above zero:
/// ```text
/// match if SITE.try_admit() { Ok(()) } else { SITE.admit_now(span, impl_type) } {
///     // or SITE.admit_or_wait(span, impl_type).await with a `max_wait`
///     Ok(()) => async { /* body */ }.await,
///     Err(rejection) => Err(reject(rejection)),
/// }
/// ```
/// With `backend = "redis"` the site is a `static RemoteRateLimitSite` and the admission one
/// `.await` of the installed backend's decision (a round trip to Redis):
/// `match SITE.admit(span, impl_type).await { .. }`.
pub use resile_macros::rate_limit;

/// Injects faults into the function's calls: errors, hangs and latency, seeded, so that the
/// policies above it (and its callers) meet them as they would meet a failing downstream.
/// With the cargo feature `chaos`; **without it, the attribute expands to nothing** (its
/// arguments are still checked, with the same compile errors, `policy = PATH` included:
/// the path must name a `const ChaosPolicy` whose settings, with the keys written next to
/// it, keep the rules; only what needs the expansion, `E: From<ChaosError>` and the type of
/// `error = ..`, is checked with the feature alone), so it can stay in the code that ships
/// and inject only in the builds that turn the feature on.
///
/// # Arguments
/// | key | type | default | valid |
/// |---|---|---|---|
/// | `error_rate` | probability | `0` | `0.0..=1.0`: the call fails with the injected error, without running the body |
/// | `latency` | duration | none | any: the call first sleeps this long (tokio's clock), then fails or runs |
/// | `latency_rate` | probability | `1.0` | `0.0..=1.0`, with `latency`: the share of calls (that do not hang) slowed down, drawn independently |
/// | `hang_rate` | probability | `0` | `0.0..=1.0`, `error_rate + hang_rate ≤ 1`: the call never completes (until dropped) and never runs the body; put a `#[timeout]` above it |
/// | `seed` | `u64` | none | the draws are deterministic: the same order of calls gets the same faults; without it, the injector seeds itself once at random |
/// | `error` | expression of type `E` | `E::from(ChaosError::Failed)` | the error an injected failure returns, evaluated only then (may use the arguments) |
/// | `name` | name | none | a named injector, shared by the sites of that name and reached with `resile::chaos(name)` (`set_enabled`, `reconfigure`, `set_incidents`, `stats`) and a file's `[chaos.<name>]`; with no other key, it refers to the injector and declares nothing |
/// | `policy` | path | none | a `const` [`ChaosPolicy`]: the faults, written once; keys written next to it override it at this site only |
///
/// Each call draws one uniform `u`: `u < hang_rate` ⇒ hang, `u < hang_rate + error_rate` ⇒
/// fail, else run; so each rate is the exact share of calls it gets.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use resile::{chaos::ChaosError, Rejection};
///
/// #[derive(Debug, PartialEq)]
/// enum ApiError { Chaos(ChaosError), Rejected(Rejection) }
/// impl From<ChaosError> for ApiError {
///     fn from(e: ChaosError) -> Self { ApiError::Chaos(e) }
/// }
/// impl From<Rejection> for ApiError {
///     fn from(r: Rejection) -> Self { ApiError::Rejected(r) }
/// }
///
/// #[resile::timeout("1s")]
/// #[resile::chaos(hang_rate = 1.0)]
/// async fn stuck() -> Result<u32, ApiError> {
///     Ok(1)
/// }
///
/// #[resile::chaos(error_rate = 1.0, latency = "200ms", seed = 7)]
/// async fn broken() -> Result<u32, ApiError> {
///     Ok(1)
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = tokio::time::Instant::now();
/// assert_eq!(broken().await, Err(ApiError::Chaos(ChaosError::Failed)));
/// assert_eq!(start.elapsed(), Duration::from_millis(200));
/// let after = Duration::from_secs(1);
/// assert_eq!(stuck().await, Err(ApiError::Rejected(Rejection::TimedOut { after })));
/// # }
/// ```
///
/// # Stacking
/// List it last (innermost), so every policy above meets its faults: a `#[retry]` retries
/// the injected errors, a `#[timeout]` cuts the hangs and the latency, a
/// `#[circuit_breaker]` counts the failures. Above a policy it would fault the whole
/// guarded call instead. Two warnings say so at the attribute (silenced with
/// `allow = "<lint>"` on it, see [`docs::stacking`]): `chaos_above_policy` for `#[chaos]`
/// above another attribute, and `chaos_hang_without_timeout` for a `hang_rate` with no
/// `#[timeout]` above it to cut the hangs.
///
/// # Errors
/// `E::from(ChaosError::Failed)` (`ChaosError::Outage` during an outage incident), through
/// `E: From<resile::chaos::ChaosError>` (a missing impl is a compile error naming
/// `#[chaos]`), or the value of `error = ..`, which may use the arguments (it is evaluated
/// only when a failure is injected, in place of the body). A hang returns nothing.
/// `resile::chaos::ChaosError` exists with the feature and without, so an error type's
/// `From<ChaosError>` compiles in both builds.
///
/// # Compile errors
/// A rate outside `0.0..=1.0`, `error_rate + hang_rate` above 1, `latency_rate` without
/// `latency`, an attribute that injects nothing (no `error_rate`, `latency` or `hang_rate`,
/// and no `name`), a duration without a unit, an unknown key, a function that does not
/// return `Result`:
/// ```compile_fail
/// #[resile::chaos(error_rate = 0.6, hang_rate = 0.5)] // error: `error_rate` (0.6) + `hang_rate` (0.5) exceeds 1.0
/// async fn fetch() -> Result<u32, resile::chaos::ChaosError> { Ok(1) }
/// ```
///
/// # Expansion
/// With the feature: a per-call-site `static ChaosSite` (its own injector, or the named
/// one), and one runtime future around what is inside (the *attempts* call shape of
/// [`docs::architecture`], with one attempt):
/// `SITE.run(span, impl_type, |fault| match fault { None => Body(async { /* body */ }),
/// Some(fault) => Done(Err(error)) }).await`: one closure begins the call, the body or
/// the error, so the error may use what the body takes. Without the
/// feature: nothing; a function whose only resile attribute is `#[chaos]` is the function
/// as written.
pub use resile_macros::chaos;
