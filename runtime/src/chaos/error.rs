//! [`ChaosError`]: what an injected failure is. Compiled in every build, with or without
//! the cargo feature `chaos`, so that an error type's `From<ChaosError>` compiles in both.

use std::fmt;

/// What an injected failure is: the error handed to `E::from` (or to the `error = ..`
/// expression's place) when a call is made to fail.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChaosError {
    /// A failure drawn from `error_rate` (or an error burst).
    Failed,
    /// An outage incident (`Incident::Outage`) is in force: every call fails.
    Outage,
}

impl fmt::Display for ChaosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChaosError::Failed => f.write_str("injected failure"),
            ChaosError::Outage => f.write_str("injected outage"),
        }
    }
}

impl std::error::Error for ChaosError {}
