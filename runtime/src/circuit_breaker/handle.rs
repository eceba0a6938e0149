//! Named breakers: the registry, [`NamedPolicy`] for [`CircuitBreaker`], and
//! [`CircuitBreakerHandle`] for operators.

use std::fmt;

use super::config::CircuitBreakerConfig;
use super::state::{CircuitBreaker, CircuitBreakerStats};
use crate::kit::{Handle, NamedPolicy, Registry};
use crate::{ConfigError, State};

static BREAKERS: Registry<CircuitBreaker> = Registry::new();

impl NamedPolicy for CircuitBreaker {
    const KIND: &'static str = "circuit_breaker";
    type Config = CircuitBreakerConfig;

    fn registry() -> &'static Registry<Self> {
        &BREAKERS
    }
    fn default_config() -> CircuitBreakerConfig {
        CircuitBreakerConfig::new()
    }
    fn validate(config: &CircuitBreakerConfig) -> Result<(), ConfigError> {
        config.validate()
    }
    fn create(name: &'static str, config: CircuitBreakerConfig) -> Self {
        CircuitBreaker::new(name, config)
    }
    /// A breaker of its own for one key, with this one's `on_state_change` callbacks, and
    /// the key's text (its `Debug`, made once, here) for its state-change events.
    fn create_for_key(&self, name: &'static str, config: CircuitBreakerConfig, key: Option<&dyn fmt::Debug>) -> Self {
        let breaker = CircuitBreaker::new(name, config).with_key(key.map(|k| format!("{k:?}").into_boxed_str()));
        for f in self.state_change_callbacks() {
            breaker.on_state_change(f);
        }
        breaker
    }
    fn config(&self) -> CircuitBreakerConfig {
        CircuitBreaker::config(self)
    }
    fn reconfigure(&self, config: CircuitBreakerConfig) {
        self.apply(config);
    }
    /// Closed with a fresh window ([`CircuitBreaker::reset`]).
    fn reset(&self) {
        CircuitBreaker::reset(self);
    }
    #[cfg(feature = "metrics")]
    fn settings(config: &CircuitBreakerConfig) -> Vec<(&'static str, crate::telemetry::metrics::Setting)> {
        use crate::telemetry::metrics::Setting;
        let mut settings: Vec<(&'static str, Setting)> = vec![
            ("window_size", config.window_size.into()),
            ("failure_rate_threshold", config.failure_rate_threshold.into()),
            ("slow_call_rate_threshold", config.slow_call_rate_threshold.into()),
            ("minimum_calls", config.minimum_calls.into()),
            ("open_timeout", config.open_timeout.into()),
            ("permitted_calls_in_half_open", config.permitted_calls_in_half_open.into()),
        ];
        if let Some(v) = config.slow_call_threshold {
            settings.push(("slow_call_threshold", v.into()));
        }
        settings
    }
    /// `resile_circuit_breaker_state` from the start: a breaker that never trips shows 0.
    #[cfg(feature = "metrics")]
    fn show_created(&self) {
        crate::telemetry::metrics::breaker_state(self.name(), self.state());
    }
}

impl CircuitBreaker {
    /// The shared breaker `name`, declared with `config`: one name is one breaker across the
    /// process, whichever function or module uses it. The declaration rule of
    /// [`Registry`](crate::kit::Registry) applies: a second, different declaration of the
    /// name is reported (and panics in debug builds).
    ///
    /// # Panics
    /// If `config` is invalid, or (in debug builds) `name` was declared with other settings.
    pub fn named(name: &str, config: CircuitBreakerConfig) -> &'static CircuitBreaker {
        if let Err(e) = config.validate() {
            panic!("invalid circuit breaker config for `{name}`: {e}");
        }
        crate::kit::isolation::current::<CircuitBreaker>().declare(name, config, "CircuitBreaker::named")
    }
}

/// The breaker `name`, for operators: read its state, settings and stats, force it open or
/// closed, disable or reset it ([`Handle::reset`]: see [`CircuitBreaker::reset`]), or change its settings ([`Handle::reconfigure`]: a state
/// transition, see [`CircuitBreaker::reconfigure`]).
///
/// Looking a name up does not create it, so asking before any call site has run does not
/// fix its settings: until then it reads as a closed, empty breaker. Only
/// [`force_open`](CircuitBreakerHandle::force_open), [`disable`](CircuitBreakerHandle::disable)
/// and [`reconfigure`](Handle::reconfigure) create it.
///
/// ```
/// # use resile_runtime as resile;
/// use resile::{circuit_breaker, State};
/// use resile::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
///
/// CircuitBreaker::named("payments", CircuitBreakerConfig::new());
/// let handle = circuit_breaker("payments");
/// handle.force_open();
/// assert_eq!(handle.state(), State::ForcedOpen);
/// handle.reset();
/// assert_eq!(handle.stats().state, State::Closed);
/// ```
pub fn circuit_breaker(name: &str) -> CircuitBreakerHandle {
    Handle::new(name)
}

/// An operator's view of a named breaker; see [`circuit_breaker`].
pub type CircuitBreakerHandle = Handle<CircuitBreaker>;

impl Handle<CircuitBreaker> {
    /// The state; `Closed` if the breaker does not exist yet.
    pub fn state(&self) -> State {
        self.get().map_or(State::Closed, CircuitBreaker::state)
    }

    /// The state and window counts; empty if the breaker does not exist yet.
    pub fn stats(&self) -> CircuitBreakerStats {
        self.get().map_or(CircuitBreakerStats::EMPTY, CircuitBreaker::stats)
    }

    /// See [`CircuitBreaker::half_open_in`]; `None` if the breaker does not exist yet.
    pub fn half_open_in(&self) -> Option<std::time::Duration> {
        self.get().and_then(CircuitBreaker::half_open_in)
    }

    /// See [`CircuitBreaker::force_open`].
    pub fn force_open(&self) {
        self.get_or_default().force_open();
    }

    /// See [`CircuitBreaker::force_close`].
    pub fn force_close(&self) {
        if let Some(b) = self.get() {
            b.force_close();
        }
    }

    /// See [`CircuitBreaker::disable`].
    pub fn disable(&self) {
        self.get_or_default().disable();
    }
}
