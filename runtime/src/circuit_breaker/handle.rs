//! Named breakers: the process-wide registry, and [`CircuitBreakerHandle`] for operators.

use super::config::CircuitBreakerConfig;
use super::state::{CircuitBreaker, CircuitBreakerStats};
use crate::State;
use crate::registry::Registry;

static BREAKERS: Registry<CircuitBreaker> = Registry::new();

/// The breaker `name`, created with `config` on first use. If it exists with other
/// settings, the first declaration stays in force and a warning names both.
pub(super) fn declare(
    name: &str,
    config: CircuitBreakerConfig,
    function: Option<&'static str>,
) -> &'static CircuitBreaker {
    let (breaker, created) = BREAKERS.get_or_create(name, |n| CircuitBreaker::new(n, config));
    if !created && *breaker.config() != config {
        tracing::warn!(
            target: "resile",
            breaker = name,
            function,
            in_force = ?breaker.config(),
            declared = ?config,
            "circuit breaker `{name}` is declared again with different settings; the first declaration stays in force",
        );
    }
    breaker
}

impl CircuitBreaker {
    /// The shared breaker `name`, created with `config` on first use; one name is one
    /// breaker across the process, whichever function or module declares it.
    ///
    /// If `name` already exists with different settings, the first declaration stays in
    /// force and a `tracing` warning (target `resile`) shows both.
    ///
    /// # Panics
    /// If `config` is invalid and the breaker does not exist yet.
    pub fn named(name: &str, config: CircuitBreakerConfig) -> &'static CircuitBreaker {
        declare(name, config, None)
    }
}

/// The breaker `name`, for operators: read its state and stats, force it open or closed,
/// disable or reset it.
///
/// Looking a name up does not create it, so asking before any call site has run does not
/// fix its settings: until declared, it reads as a closed, empty breaker. Only
/// [`force_open`](CircuitBreakerHandle::force_open) and
/// [`disable`](CircuitBreakerHandle::disable) create an undeclared breaker (with the
/// default settings, which a later differing declaration then warns about).
///
/// ```
/// use resile_runtime::{circuit_breaker, State};
/// use resile_runtime::circuit_breaker::{CircuitBreaker, CircuitBreakerConfig};
///
/// CircuitBreaker::named("payments", CircuitBreakerConfig::new());
/// let handle = circuit_breaker("payments");
/// handle.force_open();
/// assert_eq!(handle.state(), State::ForcedOpen);
/// handle.reset();
/// assert_eq!(handle.stats().state, State::Closed);
/// ```
pub fn circuit_breaker(name: &str) -> CircuitBreakerHandle {
    CircuitBreakerHandle { name: name.into() }
}

/// An operator's view of a named breaker; see [`circuit_breaker`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitBreakerHandle {
    name: Box<str>,
}

impl CircuitBreakerHandle {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The breaker, if declared (or created by an operator).
    pub fn get(&self) -> Option<&'static CircuitBreaker> {
        BREAKERS.get(&self.name)
    }

    fn get_or_default(&self) -> &'static CircuitBreaker {
        BREAKERS.get_or_create(&self.name, |n| CircuitBreaker::new(n, CircuitBreakerConfig::new())).0
    }

    /// The settings in force, if declared.
    pub fn config(&self) -> Option<CircuitBreakerConfig> {
        self.get().map(|b| *b.config())
    }

    /// The state; `Closed` if not declared yet.
    pub fn state(&self) -> State {
        self.get().map_or(State::Closed, CircuitBreaker::state)
    }

    /// The state and window counts; empty if not declared yet.
    pub fn stats(&self) -> CircuitBreakerStats {
        self.get().map_or(CircuitBreakerStats::EMPTY, CircuitBreaker::stats)
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

    /// See [`CircuitBreaker::reset`].
    pub fn reset(&self) {
        if let Some(b) = self.get() {
            b.reset();
        }
    }
}
