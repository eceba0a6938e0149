//! Chaos: fault injection inside a stack, with the cargo feature `chaos`; without it,
//! `#[chaos]` expands to nothing, and this module holds only what code that names an
//! injected failure needs in every build: [`ChaosError`] (so that an error type's
//! `impl From<ChaosError>` compiles with the feature and without) and [`ChaosConfig`] (so
//! that a `const` experiment does). The injector, its handle and `resile::chaos(name)`
//! come with the feature.

#[path = "config.rs"]
mod config;
#[path = "error.rs"]
mod error;

pub use config::ChaosConfig;
pub use error::ChaosError;
