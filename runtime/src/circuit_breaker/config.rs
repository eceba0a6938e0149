//! The settings of a circuit breaker: [`CircuitBreakerConfig`] and its [`WindowKind`],
//! defined with every other configuration in `resile-config`, where the attribute's checks
//! and the runtime's are written once.

pub use resile_config::{CircuitBreakerConfig, MAX_WINDOW_SIZE, WindowKind};
