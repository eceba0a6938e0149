//! Tested retry policies, and which failures are worth retrying.
//!
//! # Retry policies
//! Each is a [`RetryPolicy`], usable as `#[retry(policy = resile::presets::PRODUCTION)]`
//! (keys written next to `policy` override it for that site, e.g. a `max`) or as a
//! [`Retry`](crate::Retry) value with `Retry::new(PRODUCTION.config)`.
//!
//! | preset | attempts | delays before retry 1, 2, 3, 4 (before jitter) | cap | jitter |
//! |---|---|---|---|---|
//! | [`PRODUCTION`] | 3 | 50 ms, 100 ms | 500 ms | ±25 % |
//! | [`AGGRESSIVE`] | 5 | 100 ms, 200 ms, 400 ms, 800 ms | 5 s | ±25 % |
//! | [`DISABLED`] | 1 | (none) | | |
//!
//! Where the numbers come from: the retry tuning table of the Elixir `Resiliency` guide, which
//! resile's defaults follow. `PRODUCTION` is its "low-latency API" row (2–3 attempts,
//! exponential from 50 ms, 500 ms cap) at 3 attempts; `AGGRESSIVE` is its worked example of
//! 5 attempts from the 100 ms default base (100, 200, 400, 800 ms), the batch row's lower
//! attempt count, under the default 5 s cap; the ±25 % jitter of both is the guide's advice
//! for any deployment of more than one instance (`Backoff.jitter(0.25)`), which keeps the
//! expected delay the nominal one while spreading clients apart. `DISABLED` is one attempt,
//! "`1` means no retries": a policy to swap in where a stack must not retry (a
//! non-idempotent call, a test) without removing the attribute.
//!
//! # Transient or permanent
//! A retry is only worth it for a failure that may not happen again. [`is_transient_status`]
//! classifies HTTP-like status codes, [`Transient`] lets an error type say it, and
//! [`is_transient`] is the `retry_if` predicate for any `E: Transient`:
//!
//! ```
//! # use resile_runtime as resile;
//! use resile::presets::{self, Transient};
//!
//! #[allow(dead_code)] // `Decode`'s text is for its `Display`, left out here.
//! enum ApiError {
//!     Status(u16),
//!     Decode(String),
//!     Rejected(resile::Rejection),
//! }
//! impl Transient for ApiError {
//!     fn is_transient(&self) -> bool {
//!         match self {
//!             ApiError::Status(code) => presets::is_transient_status(*code),
//!             ApiError::Decode(_) => false,
//!             ApiError::Rejected(r) => r.is_transient(),
//!         }
//!     }
//! }
//!
//! // What `#[retry(policy = resile::presets::PRODUCTION, retry_if = resile::presets::is_transient)]`
//! // asks of each error:
//! let retry_if: fn(&ApiError) -> bool = presets::is_transient;
//! assert!(retry_if(&ApiError::Status(503)));
//! assert!(!retry_if(&ApiError::Status(404)));
//! assert!(!retry_if(&ApiError::Decode("eof".into())));
//! assert!(retry_if(&ApiError::Rejected(resile::Rejection::BulkheadFull { name: "pool" })));
//! ```

use std::time::Duration;

use resile_config::{Jitter, RetryPolicy};

use crate::Rejection;

/// 3 attempts, exponential from 50 ms ×2, each delay capped at 500 ms, ±25 % jitter: delays
/// of 37.5–62.5 ms and 75–125 ms, at most 187.5 ms of sleep in all. For a call on a request
/// path. See the [module docs](self) for where the numbers come from.
pub const PRODUCTION: RetryPolicy = RetryPolicy::new()
    .max(3)
    .base_delay(Duration::from_millis(50))
    .multiplier(2.0)
    .max_delay(Duration::from_millis(500))
    .jitter(Jitter::Proportional(0.25));

/// 5 attempts, exponential from 100 ms ×2, each delay capped at 5 s, ±25 % jitter: nominal
/// delays of 100, 200, 400 and 800 ms, at most 1.875 s of sleep in all. For background work
/// that would rather wait than fail. See the [module docs](self).
pub const AGGRESSIVE: RetryPolicy = RetryPolicy::new()
    .max(5)
    .base_delay(Duration::from_millis(100))
    .multiplier(2.0)
    .max_delay(Duration::from_secs(5))
    .jitter(Jitter::Proportional(0.25));

/// One attempt: no retry. See the [module docs](self).
pub const DISABLED: RetryPolicy = RetryPolicy::new().max(1);

/// Whether a failure may go away if tried again (a timeout, an overloaded or restarting
/// server) or not (a bad request, a missing resource, a refused credential).
///
/// Implement it for an error type to use [`is_transient`] as its `retry_if`; the impls here
/// cover HTTP-like status codes (`u16`), [`std::io::Error`] and [`Rejection`].
#[diagnostic::on_unimplemented(
    message = "`retry_if = resile::presets::is_transient` needs `{Self}: resile::presets::Transient`",
    label = "`{Self}` does not say which of its errors are worth retrying",
    note = "implement `resile::presets::Transient for {Self}` (whether trying again may help), or pass a `retry_if` of your own: `fn(&{Self}) -> bool`"
)]
pub trait Transient {
    /// Whether retrying may succeed.
    fn is_transient(&self) -> bool;
}

/// A status code: [`is_transient_status`].
impl Transient for u16 {
    #[inline]
    fn is_transient(&self) -> bool {
        is_transient_status(*self)
    }
}

/// Timeouts, interruptions and dropped connections are transient; the others (not found,
/// permission denied, invalid data, …) permanent.
impl Transient for std::io::Error {
    fn is_transient(&self) -> bool {
        use std::io::ErrorKind::*;
        matches!(
            self.kind(),
            TimedOut
                | Interrupted
                | WouldBlock
                | ConnectionReset
                | ConnectionAborted
                | ConnectionRefused
                | BrokenPipe
                | UnexpectedEof
        )
    }
}

/// A timeout, a rate limiter's or a bulkhead's refusal are transient (the limit frees up); an
/// open breaker is permanent for a retry, since retrying into it within its open time is
/// refused again: a retry that should wait for it uses `retry_after` instead.
impl Transient for Rejection {
    fn is_transient(&self) -> bool {
        !matches!(self, Rejection::CircuitOpen { .. })
    }
}

impl<T: Transient + ?Sized> Transient for &T {
    #[inline]
    fn is_transient(&self) -> bool {
        (**self).is_transient()
    }
}

impl<T: Transient + ?Sized> Transient for Box<T> {
    #[inline]
    fn is_transient(&self) -> bool {
        (**self).is_transient()
    }
}

/// The `retry_if` predicate for an error type that implements [`Transient`]:
/// `#[retry(retry_if = resile::presets::is_transient)]`.
#[inline]
pub fn is_transient<E: Transient + ?Sized>(error: &E) -> bool {
    error.is_transient()
}

/// Whether an HTTP-like status code names a failure worth retrying: every 5xx (the server
/// failed; `503` and `504` are the common ones), `429 Too Many Requests` and `408 Request
/// Timeout`. Every other code is permanent: another 4xx says the request itself is wrong,
/// and 1xx–3xx are not failures. (RFC 9110 §15 defines the classes; 429 is RFC 6585 §4.)
///
/// ```
/// # use resile_runtime as resile;
/// use resile::presets::is_transient_status;
///
/// assert!(is_transient_status(503) && is_transient_status(429) && is_transient_status(408));
/// assert!(!is_transient_status(404) && !is_transient_status(400) && !is_transient_status(200));
/// ```
#[inline]
pub const fn is_transient_status(status: u16) -> bool {
    matches!(status, 500..=599 | 429 | 408)
}
