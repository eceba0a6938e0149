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
    /// The rate limiter `name` decides on a remote backend (`#[rate_limit(backend =
    /// "redis")]`) that this process has not installed (`resile::redis::install`): the call
    /// is refused rather than limited locally without anyone asking for it.
    NoBackend {
        /// The rate limiter's name.
        name: &'static str,
        /// The backend it names (`"redis"`).
        backend: &'static str,
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
            Rejection::NoBackend { name, backend } => write!(
                f,
                "rate limiter `{name}` decides on the `{backend}` backend, which is not installed \
                 (call `resile::{backend}::install` at startup)"
            ),
        }
    }
}

impl Rejection {
    /// How long the refusing policy asks the caller to wait before trying again, if it
    /// knows: what `#[retry(retry_after = ..)]` (through [`Rejection::hint`]) and an HTTP
    /// layer's `Retry-After` can use.
    ///
    /// - `RateLimited`: its `retry_after`, exact to the nanosecond (the first whole
    ///   nanosecond at which the same call would be admitted).
    /// - `CircuitOpen`: the time until the breaker `name` lets a half-open probe through,
    ///   read when asked (exact on tokio's clock, to the nanosecond; zero once that time has
    ///   come); `None` when it is forced open (it holds until an operator acts), or no longer
    ///   open, or no breaker of that name exists in this task's registry (a private
    ///   [`CircuitBreaker::new`](crate::circuit_breaker::CircuitBreaker::new) value is not
    ///   registered: ask it with [`half_open_in`](crate::circuit_breaker::CircuitBreaker::half_open_in)).
    /// - `BulkheadFull`, `TimedOut`: `None`; nothing tells when a permit comes back, and a
    ///   timeout is not a refusal to retry. `NoBackend`: `None`; it lasts until the backend
    ///   is installed.
    ///
    /// # Why `CircuitOpen` is looked up, not carried
    /// The variant keeps the shape `CircuitOpen { name }` (a field would break every
    /// pattern and literal of it: the enum is `#[non_exhaustive]`, its variants' fields are
    /// not), and the refusal path pays nothing for a hint most callers never ask for. The
    /// price is paid by the caller who asks: one registry lookup (a hash of the name and a
    /// read lock) and two atomic loads. Read when asked, the answer is the time left *now*,
    /// which is what a caller deciding when to retry needs (a carried value would be stale
    /// by the time spent between the refusal and the question).
    ///
    /// # Cost
    /// `RateLimited`, `BulkheadFull`, `TimedOut`: a `match`. `CircuitOpen`: a registry
    /// lookup and a clock read, out of line.
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
            Rejection::CircuitOpen { name } => half_open_in(name),
            Rejection::BulkheadFull { .. } | Rejection::TimedOut { .. } | Rejection::NoBackend { .. } => None,
        }
    }

    /// The `retry_after` hint for any error that is, or carries, a `Rejection`
    /// ([`AsRejection`]): `#[retry(retry_after = resile::Rejection::hint)]` waits as long as
    /// an inner rate limiter or breaker asks (see [`retry_after`](Self::retry_after)), and
    /// backs off as usual on every other error.
    ///
    /// ```
    /// # use resile_runtime as resile;
    /// use std::time::Duration;
    /// use resile::{AsRejection, Rejection};
    ///
    /// enum ApiError {
    ///     /// A server's 429 with its `Retry-After`.
    ///     TooMany { retry_after: Duration },
    ///     Status(u16),
    ///     Refused(Rejection),
    /// }
    /// impl AsRejection for ApiError {
    ///     fn as_rejection(&self) -> Option<&Rejection> {
    ///         match self {
    ///             ApiError::Refused(r) => Some(r),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    ///
    /// // `#[retry(retry_after = hint)]`: the server's hint, else an inner policy's.
    /// fn hint(e: &ApiError) -> Option<Duration> {
    ///     match e {
    ///         ApiError::TooMany { retry_after } => Some(*retry_after),
    ///         ApiError::Status(code) => (*code == 503).then(|| Duration::from_secs(1)),
    ///         ApiError::Refused(_) => Rejection::hint(e),
    ///     }
    /// }
    ///
    /// let limited = Rejection::RateLimited { name: "api", retry_after: Duration::from_millis(40) };
    /// assert_eq!(hint(&ApiError::Refused(limited)), Some(Duration::from_millis(40)));
    /// assert_eq!(hint(&ApiError::TooMany { retry_after: Duration::from_secs(2) }), Some(Duration::from_secs(2)));
    /// assert_eq!(hint(&ApiError::Status(500)), None);
    /// let ready_made: fn(&ApiError) -> Option<Duration> = Rejection::hint;
    /// assert_eq!(ready_made(&ApiError::Status(503)), None);
    /// ```
    #[inline]
    pub fn hint<E: AsRejection + ?Sized>(error: &E) -> Option<Duration> {
        error.as_rejection().and_then(Rejection::retry_after)
    }
}

/// The time until the registered breaker `name` half-opens (see [`Rejection::retry_after`]).
#[cold]
#[inline(never)]
fn half_open_in(name: &str) -> Option<Duration> {
    use crate::circuit_breaker::CircuitBreaker;
    crate::kit::isolation::current::<CircuitBreaker>().get(name).and_then(CircuitBreaker::half_open_in)
}

/// An error that may be, or carry, a [`Rejection`]: what [`Rejection::hint`] needs to find
/// the refusal's `retry_after` in it. Implement it for an error type that wraps
/// `Rejection` (the usual `From<Rejection>` variant).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `resile::AsRejection`, which `Rejection::hint` needs",
    label = "`Rejection::hint` looks for a `Rejection` in `{Self}`",
    note = "implement `resile::AsRejection` for `{Self}`: return `Some(&rejection)` from the variant that wraps it, `None` otherwise"
)]
pub trait AsRejection {
    /// The rejection this error is or carries, if any.
    fn as_rejection(&self) -> Option<&Rejection>;
}

impl AsRejection for Rejection {
    #[inline]
    fn as_rejection(&self) -> Option<&Rejection> {
        Some(self)
    }
}

impl std::error::Error for Rejection {}
