//! [`RetryConfig`]: the checked, immutable settings of a retry policy.

use std::fmt;
use std::time::Duration;

/// How the delay before each retry grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// `base_delay × multiplier^(n-1)` before retry `n`.
    Exponential,
    /// `base_delay + increment × (n-1)` before retry `n`.
    Linear,
    /// `base_delay` before every retry.
    Constant,
    /// `base_delay × fib(n)` before retry `n`, with fib = 1, 1, 2, 3, 5, 8, …
    Fibonacci,
    /// Exactly these delays, one per retry (`max` = len + 1).
    List(&'static [Duration]),
}

/// How each delay is randomised, so that many clients do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// The computed delay, exactly.
    None,
    /// A uniform time in `[0, d]`.
    Full,
    /// A uniform time in `[d/2, d]`.
    Equal,
    /// A uniform time in `[base_delay, 3 × previous sleep]` (AWS "decorrelated jitter").
    Decorrelated,
    /// `d` times a uniform factor in `[1 - p, 1 + p]`, for `0.0 <= p <= 1.0`.
    Proportional(f64),
}

/// The settings of a retry policy. Build it with the `const fn` setters and check it with
/// [`RetryConfig::validate`] (the attributes run the same checks at compile time).
///
/// ```
/// use std::time::Duration;
/// use resile_runtime::retry::{Backoff, Jitter, RetryConfig};
///
/// const CFG: RetryConfig = RetryConfig::new()
///     .max(5)
///     .backoff(Backoff::Exponential)
///     .base_delay(Duration::from_millis(100))
///     .jitter(Jitter::None);
/// assert!(CFG.validate().is_ok());
/// // 100 + 200 + 400 + 800 ms of sleep across 5 attempts:
/// let total: Duration = (1..5).map(|n| CFG.nominal_delay(n)).sum();
/// assert_eq!(total, Duration::from_millis(1500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Total attempts including the first; `1` means no retry. Default 3.
    pub max: u32,
    /// Delay growth. Default [`Backoff::Exponential`].
    pub backoff: Backoff,
    /// First retry delay. Default 100 ms.
    pub base_delay: Duration,
    /// Cap on any single delay. Default 5 s.
    pub max_delay: Duration,
    /// Exponential growth factor. Default 2.0.
    pub multiplier: f64,
    /// Linear step; `None` means `base_delay`.
    pub increment: Option<Duration>,
    /// Randomisation. Default [`Jitter::Full`].
    pub jitter: Jitter,
    /// Total wall-clock budget: no retry starts a sleep that would end past it.
    pub budget: Option<Duration>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryConfig {
    /// The defaults of SPEC §5: 3 attempts, exponential from 100 ms ×2, capped at 5 s, full jitter.
    pub const fn new() -> Self {
        RetryConfig {
            max: 3,
            backoff: Backoff::Exponential,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            multiplier: 2.0,
            increment: None,
            jitter: Jitter::Full,
            budget: None,
        }
    }

    /// Sets `max` (total attempts).
    pub const fn max(mut self, max: u32) -> Self {
        self.max = max;
        self
    }
    /// Sets the backoff shape; a [`Backoff::List`] also sets `max` to its length + 1.
    pub const fn backoff(mut self, backoff: Backoff) -> Self {
        if let Backoff::List(list) = backoff {
            self.max = list.len() as u32 + 1;
        }
        self.backoff = backoff;
        self
    }
    /// Sets `base_delay`.
    pub const fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }
    /// Sets `max_delay`.
    pub const fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }
    /// Sets the exponential `multiplier`.
    pub const fn multiplier(mut self, m: f64) -> Self {
        self.multiplier = m;
        self
    }
    /// Sets the linear `increment`.
    pub const fn increment(mut self, d: Duration) -> Self {
        self.increment = Some(d);
        self
    }
    /// Sets the jitter.
    pub const fn jitter(mut self, j: Jitter) -> Self {
        self.jitter = j;
        self
    }
    /// Sets the total wall-clock `budget`.
    pub const fn budget(mut self, d: Duration) -> Self {
        self.budget = Some(d);
        self
    }

    /// Checks every rule the attribute checks at compile time.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max == 0 {
            return Err(ConfigError("`max` must be at least 1 (1 = no retry)"));
        }
        if self.base_delay > self.max_delay {
            return Err(ConfigError("`base_delay` must not exceed `max_delay`"));
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return Err(ConfigError("`multiplier` must be a finite number >= 1.0"));
        }
        if let Jitter::Proportional(p) = self.jitter
            && !(0.0..=1.0).contains(&p)
        {
            return Err(ConfigError("a jitter proportion must be within 0.0..=1.0"));
        }
        if let Backoff::List(list) = self.backoff {
            if list.is_empty() {
                return Err(ConfigError("a backoff list needs at least one delay"));
            }
            if list.len() as u32 + 1 != self.max {
                return Err(ConfigError("with a backoff list, `max` is the list's length + 1"));
            }
            if list.iter().any(|d| *d > self.max_delay) {
                return Err(ConfigError("a backoff list delay exceeds `max_delay`"));
            }
        }
        if self.budget == Some(Duration::ZERO) {
            return Err(ConfigError("`budget` must be greater than zero"));
        }
        Ok(())
    }

    /// The delay before retry `n` (from 1) before jitter, capped at `max_delay`.
    pub fn nominal_delay(&self, n: u32) -> Duration {
        super::backoff::nominal(self, n)
    }
}

/// A configuration rule that a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigError(pub &'static str);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ConfigError {}
