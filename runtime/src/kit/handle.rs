//! [`Handle`]: an operator's view of one named instance, by name.

use std::fmt;
use std::marker::PhantomData;

use super::registry::{NamedPolicy, Source, current};
use crate::ConfigError;

/// An operator's view of the instance `name` of the policy `P`: its settings and where
/// they come from, and live reconfiguration. Each policy adds its own reads and operator
/// calls (`stats()`, `force_open()`, ...) to `Handle<ItsPolicy>` in its `handle.rs`.
///
/// A handle is only a name: looking a name up never creates the instance, so asking before
/// any call site has run does not fix its settings; [`config`](Handle::config) is `None`
/// until it exists. It is looked up at each use: inside a `resile::testing::isolated`
/// scope it reaches the scope's instance, outside it the process-wide one.
pub struct Handle<P: NamedPolicy> {
    name: Box<str>,
    policy: PhantomData<fn() -> P>,
}

impl<P: NamedPolicy> Handle<P> {
    /// The handle of the instance `name`.
    pub fn new(name: &str) -> Self {
        Handle { name: name.into(), policy: PhantomData }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instance, if it exists.
    pub fn get(&self) -> Option<&'static P> {
        current::<P>().get(&self.name)
    }

    /// The instance, created with the defaults if it does not exist yet (an operator call
    /// that must act on it, such as forcing a breaker open).
    pub(crate) fn get_or_default(&self) -> &'static P {
        current::<P>().reference(&self.name, "an operator handle")
    }

    /// The settings in force; `None` until the instance exists.
    pub fn config(&self) -> Option<P::Config> {
        self.get().map(P::config)
    }

    /// Where the settings in force come from (live, declared or the defaults); `None` until
    /// the instance exists.
    pub fn source(&self) -> Option<Source> {
        current::<P>().source(&self.name)
    }

    /// Back to the state of a new instance, keeping its settings (see
    /// [`NamedPolicy::reset`]); nothing if it does not exist.
    pub fn reset(&self) {
        if let Some(policy) = self.get() {
            policy.reset();
        }
    }

    /// Puts `config` in force as live configuration, creating the instance if needed. Live
    /// settings win over any declaration of the name, earlier or later; calls already
    /// running keep the settings they started with.
    ///
    /// # Errors
    /// The rule `config` breaks, naming its key, in the words the attribute uses; the
    /// settings in force stay.
    pub fn reconfigure(&self, config: P::Config) -> Result<(), ConfigError> {
        current::<P>().configure(&self.name, config).map(drop)
    }
}

impl<P: NamedPolicy> fmt::Debug for Handle<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("kind", &P::KIND).field("name", &self.name).finish()
    }
}

impl<P: NamedPolicy> Clone for Handle<P> {
    fn clone(&self) -> Self {
        Handle::new(&self.name)
    }
}

impl<P: NamedPolicy> PartialEq for Handle<P> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<P: NamedPolicy> Eq for Handle<P> {}
