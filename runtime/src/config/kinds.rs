//! What a configuration file can set, per kind of named instance: its keys, the keys that
//! belong to call sites instead, and how `enabled` turns an instance off.

use resile_config::{Key, KeySet, Value};

use crate::ConfigError;
use crate::State;
use crate::bulkhead::{Bulkhead, BulkheadConfig};
use crate::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
use crate::hedge::{HedgeConfig, HedgeTracker};
use crate::kit::NamedPolicy;
use crate::rate_limit::{RateLimitConfig, RateLimiter};
use crate::retry::{RetryBudget, RetryBudgetConfig};

/// The kinds a file configures, in the order `Applied` lists them.
#[cfg(not(feature = "chaos"))]
pub(crate) const KINDS: &[&str] = &["circuit_breaker", "bulkhead", "rate_limit", "hedge", "retry_budget"];
/// The kinds a file configures, in the order `Applied` lists them (with the cargo feature
/// `chaos`, its injectors too).
#[cfg(feature = "chaos")]
pub(crate) const KINDS: &[&str] = &["circuit_breaker", "bulkhead", "rate_limit", "hedge", "retry_budget", "chaos"];

/// How `enabled = false` turns an instance off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Off {
    /// A breaker: its own `Disabled` state (`disable()`), back with `force_close()`.
    Breaker,
    /// A bulkhead or a rate limiter: calls pass unguarded (the switch list).
    Bypass,
    /// A chaos injector: its own switch (`set_enabled`), calls go straight to the body.
    #[cfg(feature = "chaos")]
    Own,
    /// No `enabled` key.
    Unsupported,
}

/// A named policy that a configuration file's section sets.
pub(crate) trait Live: NamedPolicy {
    /// Every key of the configuration.
    const KEYS: &'static [Key];
    /// The keys of the shared instance, which live configuration sets; `None`: all of them.
    /// The others are each call site's own.
    const SHARED: Option<&'static [&'static str]>;
    /// How `enabled = false` works.
    const OFF: Off;
    /// Sets one key (its own rule checked).
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError>;
    /// Every rule broken, `given` being the keys the section names.
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError>;
    /// A key's value as `Debug` writes it, to tell which keys a change changes.
    fn show(config: &Self::Config, key: &str) -> String;
    /// `base` with the keys `keys` set as `live` has them: live keys laid over a declaration
    /// (the registry's [`Lay`](crate::kit::registry::Lay)).
    fn lay(base: Self::Config, live: &Self::Config, keys: KeySet) -> Self::Config;
    /// Turns the instance off or on (for [`Off::Breaker`]: a state change); whether it was.
    /// A bypassed kind goes on or off the switch list; a kind without `enabled`, nothing.
    fn turn(&'static self, enabled: bool) -> bool {
        Self::OFF == Off::Bypass && super::switch::set_one(self, enabled)
    }
    /// Whether the instance is turned off.
    fn is_off(&'static self) -> bool {
        Self::OFF == Off::Bypass && super::switch::is_off(self)
    }
}

/// `show` and `lay` over the fields of a configuration (every key is spelled like its field).
macro_rules! fields {
    ($($field:ident),* $(,)?) => {
        fn show(c: &Self::Config, key: &str) -> String {
            match key {
                $(stringify!($field) => format!("{:?}", c.$field),)*
                _ => String::new(),
            }
        }
        fn lay(mut base: Self::Config, live: &Self::Config, keys: KeySet) -> Self::Config {
            $(if keys.contains(stringify!($field)) {
                base.$field = live.$field;
            })*
            base
        }
    };
}

impl Live for CircuitBreaker {
    const KEYS: &'static [Key] = CircuitBreakerConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = None;
    const OFF: Off = Off::Breaker;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(
        window,
        window_size,
        failure_rate_threshold,
        slow_call_threshold,
        slow_call_rate_threshold,
        minimum_calls,
        open_timeout,
        permitted_calls_in_half_open,
        open_timeout_multiplier,
        max_open_timeout
    );
    fn turn(&'static self, enabled: bool) -> bool {
        match (enabled, self.state()) {
            (false, State::Disabled) | (true, State::Closed | State::Open | State::HalfOpen | State::ForcedOpen) => {
                false
            }
            (false, _) => {
                self.disable();
                true
            }
            (true, State::Disabled) => {
                self.force_close();
                true
            }
        }
    }
    fn is_off(&'static self) -> bool {
        self.state() == State::Disabled
    }
}

impl Live for Bulkhead {
    const KEYS: &'static [Key] = BulkheadConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = Some(BulkheadConfig::BULKHEAD_KEYS);
    const OFF: Off = Off::Bypass;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(max_concurrent, max_wait, weight, adaptive, min_concurrent, initial_concurrent);
}

impl Live for RateLimiter {
    const KEYS: &'static [Key] = RateLimitConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = Some(RateLimitConfig::LIMITER_KEYS);
    const OFF: Off = Off::Bypass;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(rate, burst_size, weight, max_wait);
}

impl Live for HedgeTracker {
    const KEYS: &'static [Key] = HedgeConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = Some(HedgeConfig::TRACKER_KEYS);
    const OFF: Off = Off::Unsupported;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(
        delay,
        percentile,
        max_requests,
        timeout,
        buffer_size,
        min_samples,
        initial_delay,
        min_delay,
        max_delay,
        token_max,
        token_success_credit,
        token_hedge_cost,
        token_threshold
    );
}

impl Live for RetryBudget {
    const KEYS: &'static [Key] = RetryBudgetConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = None;
    const OFF: Off = Off::Unsupported;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(ratio, min_per_sec, ttl);
}

#[cfg(feature = "chaos")]
impl Live for crate::chaos::Chaos {
    const KEYS: &'static [Key] = crate::chaos::ChaosConfig::KEYS;
    const SHARED: Option<&'static [&'static str]> = None;
    const OFF: Off = Off::Own;
    fn set(config: &mut Self::Config, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        config.set(key, value)
    }
    fn errors(config: &Self::Config, given: KeySet) -> Vec<ConfigError> {
        config.errors(given)
    }
    fields!(error_rate, latency, latency_rate, hang_rate, seed);
    fn turn(&'static self, enabled: bool) -> bool {
        let was = self.is_enabled();
        self.set_enabled(enabled);
        was != enabled
    }
    fn is_off(&'static self) -> bool {
        !self.is_enabled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `show` and `lay` share one field list: every key must be in it.
    fn every_key_is_a_field<P: Live>() {
        let config = P::default_config();
        for key in P::KEYS {
            assert!(!P::show(&config, key.name).is_empty(), "`{}` `{}` is not in `fields!`", P::KIND, key.name);
        }
    }

    #[test]
    fn every_key_of_every_kind_is_a_field() {
        every_key_is_a_field::<CircuitBreaker>();
        every_key_is_a_field::<Bulkhead>();
        every_key_is_a_field::<RateLimiter>();
        every_key_is_a_field::<HedgeTracker>();
        every_key_is_a_field::<RetryBudget>();
        #[cfg(feature = "chaos")]
        every_key_is_a_field::<crate::chaos::Chaos>();
    }
}
