//! [`Rejection`]: why a policy refused or cut a call.
//!
//! Policies that can refuse a call (circuit breaker, bulkhead, rate limiter, timeout, hedge
//! timeout) return the function's own error type `E`, so they need `E: From<Rejection>`.
//! The attributes check that bound with a per-attribute bridge trait whose
//! `#[diagnostic::on_unimplemented]` message names the attribute and says how to fix it.
//!
//! ```
//! # use resile_runtime as resile;
//! use resile::Rejection;
//!
//! #[derive(Debug)]
//! enum DbError {
//!     Query(String),
//!     Refused(Rejection),
//! }
//!
//! impl From<Rejection> for DbError {
//!     fn from(r: Rejection) -> Self {
//!         DbError::Refused(r)
//!     }
//! }
//!
//! fn describe(e: &DbError) -> String {
//!     match e {
//!         DbError::Query(q) => format!("query failed: {q}"),
//!         DbError::Refused(r) => format!("refused: {r}"),
//!     }
//! }
//! assert_eq!(describe(&Rejection::CircuitOpen { name: "db" }.into()), "refused: circuit breaker `db` is open");
//! assert_eq!(describe(&DbError::Query("timeout".into())), "query failed: timeout");
//! ```

use std::fmt;
use std::time::Duration;

/// Why a policy refused a call or cut it short.
///
/// Names are the policy's shared instance name (`name = "db"`). They are interned for the
/// life of the process, so a rejection carries them without allocating.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// The circuit breaker `name` is open (or forced open) and refused the call.
    CircuitOpen {
        /// The breaker's name.
        name: &'static str,
    },
    /// The bulkhead `name` had no free permit within its `max_wait`.
    BulkheadFull {
        /// The bulkhead's name.
        name: &'static str,
    },
    /// The rate limiter `name` had no token within its `max_wait`.
    RateLimited {
        /// The rate limiter's name.
        name: &'static str,
        /// How long until enough tokens are available.
        retry_after: Duration,
    },
    /// The call did not finish within `after`; its future was dropped.
    TimedOut {
        /// The deadline that passed.
        after: Duration,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::CircuitOpen { name } => write!(f, "circuit breaker `{name}` is open"),
            Rejection::BulkheadFull { name } => write!(f, "bulkhead `{name}` is full"),
            Rejection::RateLimited { name, retry_after } => {
                write!(f, "rate limiter `{name}` denied the call (retry after {retry_after:?})")
            }
            Rejection::TimedOut { after } => write!(f, "timed out after {after:?}"),
        }
    }
}

impl Rejection {
    /// How long the refusing policy asks the caller to wait before trying again, if it
    /// knows: what `#[retry(retry_after = ..)]` and an HTTP layer's `Retry-After` can use.
    ///
    /// - `RateLimited`: its `retry_after`, exact to the nanosecond (the first whole
    ///   nanosecond at which the same call would be admitted).
    /// - `CircuitOpen`: `None` for now. The time until the breaker half-opens is not carried
    ///   by the rejection yet (it would take a field on the variant); read the breaker's
    ///   state through `resile::circuit_breaker(name)` instead.
    /// - `BulkheadFull`, `TimedOut`: `None`; nothing tells when a permit comes back, and a
    ///   timeout is not a refusal to retry.
    ///
    /// ```
    /// # use resile_runtime as resile;
    /// use std::time::Duration;
    /// use resile::Rejection;
    ///
    /// let limited = Rejection::RateLimited { name: "api", retry_after: Duration::from_nanos(333_333_334) };
    /// assert_eq!(limited.retry_after(), Some(Duration::from_nanos(333_333_334)));
    /// assert_eq!(Rejection::BulkheadFull { name: "pool" }.retry_after(), None);
    /// ```
    #[inline]
    pub fn retry_after(&self) -> Option<Duration> {
        match *self {
            Rejection::RateLimited { retry_after, .. } => Some(retry_after),
            Rejection::CircuitOpen { .. } | Rejection::BulkheadFull { .. } | Rejection::TimedOut { .. } => None,
        }
    }
}

impl std::error::Error for Rejection {}
