//! [`HedgeConfig`]: the checked, immutable settings of a hedging policy.

use std::time::Duration;

use crate::retry::ConfigError;

/// The settings of a hedging policy, one field per `#[hedge]` key. Build it with the
/// `const fn` setters and check it with [`HedgeConfig::validate`] (the attribute runs the
/// same checks at compile time).
///
/// Two groups of keys live in different places at run time:
/// - per call site: `delay`, `max_requests`, `timeout` (and the hooks);
/// - per tracker (shared by every site that uses the same `name`): `percentile`,
///   `buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay` and the
///   `token_*` budget. The first site to use a name sets these; see
///   [`HedgeTracker`](super::HedgeTracker).
///
/// ```
/// use std::time::Duration;
/// use resile_runtime::hedge::HedgeConfig;
///
/// const CFG: HedgeConfig = HedgeConfig::new()
///     .percentile(95.0)
///     .max_requests(3)
///     .timeout(Duration::from_secs(2));
/// assert!(CFG.validate().is_ok());
/// // The budget's long-run hedge rate: at most one hedge per ten successful calls.
/// assert_eq!(CFG.token_success_credit / CFG.token_hedge_cost, 0.1);
/// // A hedge delay that is not shorter than the deadline could never fire:
/// let bad = HedgeConfig::new().delay(Duration::from_secs(1)).timeout(Duration::from_secs(1));
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgeConfig {
    /// Static mode: the delay before each extra attempt, counted from the start of the
    /// previous attempt. Ignored when `percentile` is set. Default 100 ms; zero starts every
    /// attempt at once.
    pub delay: Duration,
    /// Adaptive mode: the delay is this percentile, `0.0 < p < 100.0`, of recent call
    /// latencies. Default `None` (static mode).
    pub percentile: Option<f64>,
    /// Total attempts that may run at once, including the first; `1` disables hedging.
    /// Default 2.
    pub max_requests: u32,
    /// Overall deadline of the call; when it passes every attempt is dropped and the call
    /// returns `Rejection::TimedOut`. Default `None`.
    pub timeout: Option<Duration>,
    /// Adaptive mode: how many recent latencies the percentile is computed over (at most
    /// this many, at least half of it once that many were recorded). Default 1000.
    pub buffer_size: u32,
    /// Adaptive mode: `initial_delay` is used until this many latencies were recorded.
    /// Default 10.
    pub min_samples: u32,
    /// Adaptive mode: the delay used before `min_samples`. Default 100 ms.
    pub initial_delay: Duration,
    /// Adaptive mode: lower clamp of the computed delay. Default 1 ms.
    pub min_delay: Duration,
    /// Adaptive mode: upper clamp of the computed delay. Default 5 s.
    pub max_delay: Duration,
    /// Hedge budget: capacity of the token bucket, which starts full. Default 10.0.
    pub token_max: f64,
    /// Hedge budget: tokens credited by each successful call, up to `token_max`. Default 0.1.
    pub token_success_credit: f64,
    /// Hedge budget: tokens one extra attempt costs. Default 1.0.
    pub token_hedge_cost: f64,
    /// Hedge budget: an extra attempt is allowed only while the bucket holds at least this
    /// many tokens. Default 1.0.
    pub token_threshold: f64,
}

impl Default for HedgeConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl HedgeConfig {
    /// The defaults of SPEC §5: static 100 ms delay, 2 attempts, no timeout, and a budget of
    /// 10 tokens earning 0.1 per success and spending 1 per hedge.
    pub const fn new() -> Self {
        HedgeConfig {
            delay: Duration::from_millis(100),
            percentile: None,
            max_requests: 2,
            timeout: None,
            buffer_size: 1000,
            min_samples: 10,
            initial_delay: Duration::from_millis(100),
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
            token_max: 10.0,
            token_success_credit: 0.1,
            token_hedge_cost: 1.0,
            token_threshold: 1.0,
        }
    }

    /// Sets the static `delay`.
    pub const fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    /// Switches to adaptive mode with this latency `percentile`.
    pub const fn percentile(mut self, p: f64) -> Self {
        self.percentile = Some(p);
        self
    }
    /// Sets `max_requests`.
    pub const fn max_requests(mut self, n: u32) -> Self {
        self.max_requests = n;
        self
    }
    /// Sets the overall `timeout`.
    pub const fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
    /// Sets `buffer_size`.
    pub const fn buffer_size(mut self, n: u32) -> Self {
        self.buffer_size = n;
        self
    }
    /// Sets `min_samples`.
    pub const fn min_samples(mut self, n: u32) -> Self {
        self.min_samples = n;
        self
    }
    /// Sets `initial_delay`.
    pub const fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }
    /// Sets `min_delay`.
    pub const fn min_delay(mut self, d: Duration) -> Self {
        self.min_delay = d;
        self
    }
    /// Sets `max_delay`.
    pub const fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }
    /// Sets `token_max`.
    pub const fn token_max(mut self, t: f64) -> Self {
        self.token_max = t;
        self
    }
    /// Sets `token_success_credit`.
    pub const fn token_success_credit(mut self, t: f64) -> Self {
        self.token_success_credit = t;
        self
    }
    /// Sets `token_hedge_cost`.
    pub const fn token_hedge_cost(mut self, t: f64) -> Self {
        self.token_hedge_cost = t;
        self
    }
    /// Sets `token_threshold`.
    pub const fn token_threshold(mut self, t: f64) -> Self {
        self.token_threshold = t;
        self
    }

    /// Checks every rule the attribute checks at compile time:
    /// - `0.0 < percentile < 100.0`;
    /// - `max_requests >= 1`;
    /// - `timeout`, when set, is not zero, and in static mode `delay < timeout` (a hedge due
    ///   at or after the deadline could never start);
    /// - `min_delay <= max_delay`;
    /// - `buffer_size >= 1`, `1 <= min_samples <= buffer_size`;
    /// - `token_max`, `token_success_credit` and `token_hedge_cost` are finite and `> 0`;
    ///   `0 <= token_threshold <= token_max` (above `token_max` no hedge could ever start).
    ///   A threshold below the cost lets the bucket dip to `threshold - cost`, below zero.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(p) = self.percentile
            && !(p.is_finite() && p > 0.0 && p < 100.0)
        {
            return Err(ConfigError("`percentile` must be within 0.0 < p < 100.0 (exclusive)"));
        }
        if self.max_requests == 0 {
            return Err(ConfigError("`max_requests` must be at least 1 (1 = no hedging)"));
        }
        if let Some(t) = self.timeout {
            if t.is_zero() {
                return Err(ConfigError("`timeout` must be greater than zero"));
            }
            if self.percentile.is_none() && self.delay >= t {
                return Err(ConfigError("`delay` must be shorter than `timeout`"));
            }
        }
        if self.min_delay > self.max_delay {
            return Err(ConfigError("`min_delay` must not exceed `max_delay`"));
        }
        if self.buffer_size == 0 {
            return Err(ConfigError("`buffer_size` must be at least 1"));
        }
        if self.min_samples == 0 {
            return Err(ConfigError("`min_samples` must be at least 1"));
        }
        if self.min_samples > self.buffer_size {
            return Err(ConfigError("`min_samples` must not exceed `buffer_size`"));
        }
        let positive = |t: f64| t.is_finite() && t > 0.0;
        if !positive(self.token_max) {
            return Err(ConfigError("`token_max` must be a finite number > 0"));
        }
        if !positive(self.token_success_credit) {
            return Err(ConfigError("`token_success_credit` must be a finite number > 0"));
        }
        if !positive(self.token_hedge_cost) {
            return Err(ConfigError("`token_hedge_cost` must be a finite number > 0"));
        }
        if !(self.token_threshold.is_finite() && self.token_threshold >= 0.0 && self.token_threshold <= self.token_max)
        {
            return Err(ConfigError("`token_threshold` must be within 0.0..=`token_max`"));
        }
        Ok(())
    }

    /// Whether two configurations agree on the keys a shared tracker takes from the first
    /// site that uses it.
    pub(crate) fn same_tracker_keys(&self, other: &HedgeConfig) -> bool {
        self.percentile == other.percentile
            && self.buffer_size == other.buffer_size
            && self.min_samples == other.min_samples
            && self.initial_delay == other.initial_delay
            && self.min_delay == other.min_delay
            && self.max_delay == other.max_delay
            && self.token_max == other.token_max
            && self.token_success_credit == other.token_success_credit
            && self.token_hedge_cost == other.token_hedge_cost
            && self.token_threshold == other.token_threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(HedgeConfig::new().validate(), Ok(()));
        assert_eq!(HedgeConfig::default(), HedgeConfig::new());
    }

    #[test]
    fn each_rule_is_checked() {
        let bad = [
            HedgeConfig::new().percentile(0.0),
            HedgeConfig::new().percentile(100.0),
            HedgeConfig::new().percentile(f64::NAN),
            HedgeConfig::new().max_requests(0),
            HedgeConfig::new().timeout(Duration::ZERO),
            HedgeConfig::new().delay(MS(200)).timeout(MS(200)),
            HedgeConfig::new().min_delay(MS(10)).max_delay(MS(5)),
            HedgeConfig::new().buffer_size(0),
            HedgeConfig::new().min_samples(0),
            HedgeConfig::new().buffer_size(5).min_samples(6),
            HedgeConfig::new().token_max(0.0),
            HedgeConfig::new().token_success_credit(0.0),
            HedgeConfig::new().token_hedge_cost(-1.0),
            HedgeConfig::new().token_threshold(-0.5),
            HedgeConfig::new().token_threshold(11.0),
        ];
        for cfg in bad {
            assert!(cfg.validate().is_err(), "{cfg:?} should be rejected");
        }
        // Adaptive mode does not compare the (unused) static delay with the timeout.
        assert!(HedgeConfig::new().percentile(99.0).delay(MS(500)).timeout(MS(200)).validate().is_ok());
        assert!(HedgeConfig::new().token_threshold(0.0).validate().is_ok());
        assert!(HedgeConfig::new().delay(Duration::ZERO).max_requests(1).validate().is_ok());
    }
}
