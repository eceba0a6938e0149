//! [`RetryBudgetConfig`]: the settings of a named retry budget, which lets retries be at
//! most `ratio` of first attempts plus `min_per_sec` retries per second, both counted over a
//! sliding `ttl` (the shape of tower's `TpsBudget`).

use std::time::Duration;

use crate::check::{self, Rules};
use crate::duration::longer;
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// Settings of a retry budget.
///
/// ```
/// use std::time::Duration;
/// use resile_config::RetryBudgetConfig;
///
/// const CFG: RetryBudgetConfig = RetryBudgetConfig::new().ratio(0.5).min_per_sec(0);
/// assert!(CFG.validate().is_ok());
/// assert_eq!(CFG.ttl, Duration::from_secs(10));
/// assert_eq!(
///     CFG.ttl(Duration::from_millis(500)).validate().unwrap_err().to_string(),
///     "`ttl` must be within 1s..=60s, found 500ms",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryBudgetConfig {
    /// Retries allowed per first attempt, `0.0..=1000.0`. Default 0.2.
    pub ratio: f64,
    /// Retries always allowed per second, on top of the ratio. Default 10.
    pub min_per_sec: u32,
    /// The sliding window both are counted over, at least 1 s. Default 10 s.
    pub ttl: Duration,
}

impl Default for RetryBudgetConfig {
    fn default() -> Self {
        Self::new()
    }
}

const RATIO: usize = keys::index(RetryBudgetConfig::KEYS, "ratio");
const MIN_PER_SEC: usize = keys::index(RetryBudgetConfig::KEYS, "min_per_sec");
const TTL: usize = keys::index(RetryBudgetConfig::KEYS, "ttl");

/// The range of `ttl`.
const TTL_MIN: Duration = Duration::from_secs(1);
const TTL_MAX: Duration = Duration::from_secs(60);

impl RetryBudgetConfig {
    /// The keys a `RetryBudgetConfig` has.
    pub const KEYS: &'static [Key] = &[
        Key {
            name: "ratio",
            kind: KeyKind::Number,
            default: "0.2",
            doc: "retries allowed per first attempt, `0.0..=1000.0`",
        },
        Key {
            name: "min_per_sec",
            kind: KeyKind::Count,
            default: "10",
            doc: "retries always allowed per second, on top of the ratio",
        },
        Key {
            name: "ttl",
            kind: KeyKind::Duration,
            default: "\"10s\"",
            doc: "the sliding window both are counted over, `1s..=60s`",
        },
    ];

    /// Ratio 0.2, 10 retries per second, over 10 s.
    pub const fn new() -> Self {
        RetryBudgetConfig { ratio: 0.2, min_per_sec: 10, ttl: Duration::from_secs(10) }
    }
    /// Sets `ratio`.
    pub const fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = ratio;
        self
    }
    /// Sets `min_per_sec`.
    pub const fn min_per_sec(mut self, n: u32) -> Self {
        self.min_per_sec = n;
        self
    }
    /// Sets `ttl`.
    pub const fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            RATIO => self.ratio(value.number(k)?),
            MIN_PER_SEC => self.min_per_sec(value.count(k)?),
            TTL => self.ttl(value.duration(k)?),
            _ => unreachable!("a key of RetryBudgetConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks the ranges documented on each field; the first broken one is the error.
    pub const fn validate(&self) -> Result<(), ConfigError> {
        check::validate!(self)
    }

    /// Every broken rule; see [`RetryConfig::errors`](crate::RetryConfig::errors). A retry
    /// budget has no rules across keys, so `given` changes nothing.
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    const RULES: usize = 0;

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            // Also rejects NaN and the infinities.
            RATIO if !(self.ratio >= 0.0 && self.ratio <= 1000.0) => {
                Problem::Within { min: 0.0, max: 1000.0, found: self.ratio }
            }
            TTL if longer(TTL_MIN, self.ttl) || longer(self.ttl, TTL_MAX) => {
                Problem::DurationWithin { min: TTL_MIN, max: TTL_MAX, found: self.ttl }
            }
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, _r: usize, _given: KeySet) -> Option<ConfigError> {
        None
    }
}

impl Rules for RetryBudgetConfig {
    const KEYS: &'static [Key] = RetryBudgetConfig::KEYS;
    const RULES: usize = RetryBudgetConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        RetryBudgetConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        RetryBudgetConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        let default = RetryBudgetConfig::new();
        match i {
            RATIO => self.ratio = default.ratio,
            MIN_PER_SEC => self.min_per_sec = default.min_per_sec,
            _ => self.ttl = default.ttl,
        }
    }
}
