//! The settings of a chaos injector: [`ChaosConfig`], defined with every other
//! configuration in `resile-config`, where the attribute's checks and the runtime's are
//! written once.

pub use resile_config::ChaosConfig;
