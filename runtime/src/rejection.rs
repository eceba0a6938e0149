//! [`Rejection`]: why a policy refused or cut a call, and the bridge traits that turn it
//! into the caller's error type.
//!
//! Policies that can refuse a call (circuit breaker, bulkhead, rate limiter, timeout, hedge
//! timeout) return the function's own error type `E`, so they need `E: From<Rejection>`.
//! The attributes check that bound with a per-attribute bridge trait whose
//! `#[diagnostic::on_unimplemented]` message names the attribute and says how to fix it.
//!
//! ```
//! use resile_runtime::Rejection;
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

impl std::error::Error for Rejection {}

/// Bridge traits checked by the attributes: one per attribute that can reject, so the
/// compile error names the attribute that needs `From<Rejection>`.
#[doc(hidden)]
pub mod bridge {
    use super::Rejection;

    macro_rules! bridges {
        ($($(#[$meta:meta])* $name:ident;)*) => {$(
            $(#[$meta])*
            pub trait $name {
                /// Converts the rejection into this error type.
                fn from_rejection(rejection: Rejection) -> Self;
            }
            #[diagnostic::do_not_recommend]
            impl<E: From<Rejection>> $name for E {
                #[inline]
                fn from_rejection(rejection: Rejection) -> Self {
                    E::from(rejection)
                }
            }
        )*};
    }

    bridges! {
        #[diagnostic::on_unimplemented(
            message = "`#[timeout]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[timeout]` returns `Rejection::TimedOut` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        TimeoutRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[circuit_breaker]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[circuit_breaker]` returns `Rejection::CircuitOpen` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        CircuitBreakerRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[hedge]` with a `timeout` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[hedge(timeout = ..)]` returns `Rejection::TimedOut` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        HedgeRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[bulkhead]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[bulkhead]` returns `Rejection::BulkheadFull` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        BulkheadRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[rate_limit]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[rate_limit]` returns `Rejection::RateLimited` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        RateLimitRejection;
    }
}
