//! [`TimeoutConfig`]: the setting of a timeout, `#[timeout("250ms")]`.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// The setting of a timeout: the call fails with `Rejection::TimedOut` once `after` has
/// passed, and its future is dropped.
///
/// ```
/// use std::time::Duration;
/// use resile_config::TimeoutConfig;
///
/// const CFG: TimeoutConfig = TimeoutConfig::new(Duration::from_millis(250));
/// const _: () = assert!(CFG.validate().is_ok());
/// assert_eq!(
///     TimeoutConfig::new(Duration::ZERO).validate().unwrap_err().to_string(),
///     "`after` must be greater than zero",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeoutConfig {
    /// The deadline, counted from the start of the call; greater than zero. No default.
    pub after: Duration,
}

const AFTER: usize = keys::index(TimeoutConfig::KEYS, "after");

impl TimeoutConfig {
    /// The one key of a `TimeoutConfig`, which `#[timeout]` also takes without its name:
    /// `#[timeout("250ms")]`.
    pub const KEYS: &'static [Key] = &[Key {
        name: "after",
        kind: KeyKind::Duration,
        default: "required",
        doc: "the deadline, counted from the start of the call",
    }];

    /// The keys `#[timeout]` takes besides [`KEYS`](Self::KEYS): none.
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[];

    /// Every key `#[timeout]` takes.
    pub const ARGUMENTS: &'static [Key] = Self::KEYS;

    /// A timeout of `after`.
    pub const fn new(after: Duration) -> Self {
        TimeoutConfig { after }
    }

    /// Sets `after`.
    pub const fn after(mut self, after: Duration) -> Self {
        self.after = after;
        self
    }

    /// Sets the key `key` to `value`, after checking its rule; on an error the config is
    /// unchanged. See [`RetryConfig::set`](crate::RetryConfig::set).
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let next = self.after(value.duration(&Self::KEYS[i])?);
        check::commit(self, next, i)
    }

    /// Checks that `after` is greater than zero.
    pub const fn validate(&self) -> Result<(), ConfigError> {
        check::validate!(self)
    }

    /// Every broken rule (at most one); see [`RetryConfig::errors`](crate::RetryConfig::errors).
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    const RULES: usize = 0;

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        match i {
            AFTER if self.after.is_zero() => Some(ConfigError::new("after", Problem::Zero)),
            _ => None,
        }
    }

    const fn check_rule(&self, _r: usize, _given: KeySet) -> Option<ConfigError> {
        None
    }
}

impl Rules for TimeoutConfig {
    const KEYS: &'static [Key] = TimeoutConfig::KEYS;
    const RULES: usize = TimeoutConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        TimeoutConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        TimeoutConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, _i: usize) {
        // `after` has no default; a zero `after` is reported and kept.
    }
}
