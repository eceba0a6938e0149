//! [`Error`]: why `install` or `connect` failed.

use std::fmt;

/// Why [`install`](crate::install) or [`RedisBackend::connect`](crate::RedisBackend::connect)
/// failed. Once installed, nothing is an error for a caller: an unreachable server is the
/// configured [`Unavailable`](crate::Unavailable) choice.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not a Redis URL (`redis://host:port/db`).
    Url(redis::RedisError),
    /// The server did not answer within the connection timeout, or refused the connection.
    Connect(redis::RedisError),
    /// The options are invalid (the message names the option).
    Options(String),
    /// A backend is installed already: `install` is once per process.
    AlreadyInstalled,
    /// No backend is installed ([`share_breaker`](crate::share_breaker) before
    /// [`install`](crate::install)).
    NotInstalled,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Url(e) => write!(f, "invalid Redis URL: {e}"),
            Error::Connect(e) => write!(f, "cannot connect to Redis: {e}"),
            Error::Options(message) => write!(f, "invalid `resile::redis::Options`: {message}"),
            Error::AlreadyInstalled => f.write_str("`resile::redis::install` was called already in this process"),
            Error::NotInstalled => f.write_str("no Redis backend is installed: call `resile::redis::install` first"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Url(e) | Error::Connect(e) => Some(e),
            _ => None,
        }
    }
}
