//! [`CircuitBreakerConfig`]: the checked, immutable settings of a circuit breaker.

use std::time::Duration;

pub use crate::retry::ConfigError;

/// Which calls the sliding window holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    /// The last `window_size` recorded calls (`window = "count"`).
    Count,
    /// The calls recorded in the last `window_size` seconds (`window = "time"`), in
    /// one-second buckets: a call recorded during second `k` counts until second
    /// `k + window_size` begins.
    Time,
}

/// The largest `window_size` accepted (calls or seconds).
pub const MAX_WINDOW_SIZE: u32 = 1_000_000;

/// The settings of a circuit breaker. Build it with the `const fn` setters, which are named
/// exactly like the `#[circuit_breaker]` keys, and check it with
/// [`CircuitBreakerConfig::validate`] (the attribute runs the same checks at compile time).
///
/// ```
/// use std::time::Duration;
/// use resile_runtime::circuit_breaker::{CircuitBreakerConfig, WindowKind};
///
/// const CFG: CircuitBreakerConfig = CircuitBreakerConfig::new()
///     .window(WindowKind::Time)
///     .window_size(30)
///     .failure_rate_threshold(0.25)
///     .slow_call_threshold(Duration::from_millis(500))
///     .minimum_calls(20)
///     .open_timeout(Duration::from_secs(10));
/// assert!(CFG.validate().is_ok());
/// assert_eq!(CircuitBreakerConfig::new().window_size, 100);
/// assert!(CircuitBreakerConfig::new().minimum_calls(0).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Count- or time-based window. Default [`WindowKind::Count`].
    pub window: WindowKind,
    /// Calls (count window) or seconds (time window). Default 100.
    pub window_size: u32,
    /// Trip when `failures / total >= this`. Default 0.5.
    pub failure_rate_threshold: f64,
    /// A call (success or failure) that takes longer than this is slow. Default none.
    pub slow_call_threshold: Option<Duration>,
    /// Trip when `slow_calls / total >= this`. Default 1.0.
    pub slow_call_rate_threshold: f64,
    /// No trip before this many calls are recorded in the window. Default 10.
    pub minimum_calls: u32,
    /// Time open before the next call is let through as a half-open probe. Default 60 s.
    pub open_timeout: Duration,
    /// Probes let through while half-open. Default 1.
    pub permitted_calls_in_half_open: u32,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl CircuitBreakerConfig {
    /// The defaults of SPEC §5: a count window of 100 calls, trip at a 50 % failure rate
    /// after 10 calls, no slow-call tracking, open for 60 s, one half-open probe.
    pub const fn new() -> Self {
        CircuitBreakerConfig {
            window: WindowKind::Count,
            window_size: 100,
            failure_rate_threshold: 0.5,
            slow_call_threshold: None,
            slow_call_rate_threshold: 1.0,
            minimum_calls: 10,
            open_timeout: Duration::from_secs(60),
            permitted_calls_in_half_open: 1,
        }
    }

    /// Sets the window kind.
    pub const fn window(mut self, window: WindowKind) -> Self {
        self.window = window;
        self
    }
    /// Sets `window_size` (calls or seconds).
    pub const fn window_size(mut self, size: u32) -> Self {
        self.window_size = size;
        self
    }
    /// Sets `failure_rate_threshold`.
    pub const fn failure_rate_threshold(mut self, rate: f64) -> Self {
        self.failure_rate_threshold = rate;
        self
    }
    /// Sets `slow_call_threshold`: calls longer than `d` are slow.
    pub const fn slow_call_threshold(mut self, d: Duration) -> Self {
        self.slow_call_threshold = Some(d);
        self
    }
    /// Sets `slow_call_rate_threshold`.
    pub const fn slow_call_rate_threshold(mut self, rate: f64) -> Self {
        self.slow_call_rate_threshold = rate;
        self
    }
    /// Sets `minimum_calls`.
    pub const fn minimum_calls(mut self, n: u32) -> Self {
        self.minimum_calls = n;
        self
    }
    /// Sets `open_timeout`.
    pub const fn open_timeout(mut self, d: Duration) -> Self {
        self.open_timeout = d;
        self
    }
    /// Sets `permitted_calls_in_half_open`.
    pub const fn permitted_calls_in_half_open(mut self, n: u32) -> Self {
        self.permitted_calls_in_half_open = n;
        self
    }

    /// Checks every rule the attribute checks at compile time.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.window_size == 0 {
            return Err(ConfigError("`window_size` must be at least 1"));
        }
        if self.window_size > MAX_WINDOW_SIZE {
            return Err(ConfigError("`window_size` must be at most 1000000"));
        }
        if !(self.failure_rate_threshold > 0.0 && self.failure_rate_threshold <= 1.0) {
            return Err(ConfigError("`failure_rate_threshold` must be greater than 0.0 and at most 1.0"));
        }
        if !(self.slow_call_rate_threshold > 0.0 && self.slow_call_rate_threshold <= 1.0) {
            return Err(ConfigError("`slow_call_rate_threshold` must be greater than 0.0 and at most 1.0"));
        }
        if self.slow_call_threshold == Some(Duration::ZERO) {
            return Err(ConfigError("`slow_call_threshold` must be greater than zero"));
        }
        if self.minimum_calls == 0 {
            return Err(ConfigError("`minimum_calls` must be at least 1"));
        }
        if self.window == WindowKind::Count && self.minimum_calls > self.window_size {
            return Err(ConfigError(
                "`minimum_calls` must not exceed `window_size` with a count window, or the breaker could never trip",
            ));
        }
        if self.open_timeout.is_zero() {
            return Err(ConfigError("`open_timeout` must be greater than zero"));
        }
        if self.permitted_calls_in_half_open == 0 {
            return Err(ConfigError("`permitted_calls_in_half_open` must be at least 1"));
        }
        Ok(())
    }
}
