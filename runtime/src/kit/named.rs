//! [`NamedPolicy`]: the one trait every policy with named, shared instances implements.

use std::fmt::Debug;

use super::registry::Registry;
use crate::ConfigError;

/// A policy whose instances are shared process-wide by name: one name is one instance,
/// whichever function, module or crate uses it.
///
/// Implementing it is all a policy needs to get the kit's [`Registry`] (with its declaration
/// rule), per-call-site resolution through [`Site`](super::Site), operator handles and
/// `resile::registry::names()`.
pub trait NamedPolicy: Send + Sync + Sized + 'static {
    /// The kind as SPEC names it: the attribute or handle (`circuit_breaker`, `hedge`,
    /// `retry_budget`), which is also the TOML section and the `policy` label of metrics.
    const KIND: &'static str;

    /// The settings of one instance.
    type Config: Copy + PartialEq + Debug + Send + Sync + 'static;

    /// The process-wide registry of this kind (a `static` in the policy's `handle.rs`).
    fn registry() -> &'static Registry<Self>;

    /// The settings of an instance that nobody declared: SPEC §5's defaults.
    fn default_config() -> Self::Config;

    /// Checks `config` with the rules the attribute checks at compile time.
    ///
    /// # Errors
    /// The first rule `config` breaks, naming its key.
    fn validate(config: &Self::Config) -> Result<(), ConfigError>;

    /// A new instance called `name` with `config` (already validated).
    fn create(name: &'static str, config: Self::Config) -> Self;

    /// The settings in force.
    fn config(&self) -> Self::Config;

    /// Puts `config` (already validated) in force. Calls already running keep what they
    /// started with.
    fn reconfigure(&self, config: Self::Config);

    /// Whether two declarations of one name say the same thing. Equal settings by default;
    /// a policy whose declarations carry per-call-site settings too compares only the
    /// shared ones.
    fn same_declaration(a: &Self::Config, b: &Self::Config) -> bool {
        a == b
    }
}
