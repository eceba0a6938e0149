//! [`Handle`]: an operator's view of one named instance, by name.

use std::fmt;
use std::marker::PhantomData;

use std::hash::Hash;

use super::isolation::current;
use super::keyed::{Family, KeyHandle};
use super::registry::{NamedPolicy, Source};
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
    /// [`NamedPolicy::reset`]), with every key's instance of the name; nothing if it does
    /// not exist.
    pub fn reset(&self) {
        if let Some(policy) = self.get() {
            policy.reset();
        }
        for family in current::<P>().families(&self.name) {
            family.reset();
        }
    }

    /// The instance of the key `key` of this name (`key = ..` on the attribute),
    /// if it exists: `None` for a key no call has used, or one evicted since. `K` is the
    /// owned key type: `String` for a `&str` key expression (pass `&String`, or look a
    /// `str` up with [`key_str`](Self::key_str)), `u64` for a `u64` one.
    ///
    /// The handle holds the instance: while it exists the key is not evicted. Looking a
    /// key up never creates it. Cost: a hash and a shard's read lock.
    ///
    /// A key of another type than the name's keys finds nothing, and logs a `WARN` saying
    /// so: `key(&4)` is an `i32` where the keys may be `u64` (write `key(&4u64)`), and
    /// `key(&"a")` a `&str` where a `&str` key expression keeps `String`s (use
    /// [`key_str`](Self::key_str)).
    pub fn key<K>(&self, key: &K) -> Option<KeyHandle<P>>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
    {
        let families = current::<P>().families(&self.name);
        let family = families.iter().find_map(|f| f.as_any().downcast_ref::<Family<P, K>>());
        if family.is_none() && !families.is_empty() {
            tracing::warn!(
                target: "resile",
                "{} `{}`: no key is of type `{}`, the type looked up; look a key up with the key expression's owned type (`u64` for a `u64` key: `key(&4u64)`; `key_str` for a `&str` key)",
                P::KIND,
                self.name,
                std::any::type_name::<K>(),
            );
        }
        family.and_then(|family| family.get(key))
    }

    /// [`key`](Self::key) of a key expression that was a `&str` (its instances are kept by
    /// `String`), without making a `String`.
    pub fn key_str(&self, key: &str) -> Option<KeyHandle<P>> {
        current::<P>()
            .families(&self.name)
            .into_iter()
            .find_map(|f| f.as_any().downcast_ref::<Family<P, String>>().and_then(|family| family.get(key)))
    }

    /// How many keys of this name have an instance now (0 for a name with no `key`). It
    /// never exceeds the `max_keys` of the name's keyed call sites, unless more keys than
    /// that have calls in flight at once.
    pub fn keys(&self) -> usize {
        current::<P>().families(&self.name).iter().map(|f| f.keys()).sum()
    }

    /// How many keys' instances of this name were evicted past `max_keys` since the start
    /// of the process (what `resile_keys_evicted_total` counts).
    pub fn keys_evicted(&self) -> u64 {
        current::<P>().families(&self.name).iter().map(|f| f.evicted()).sum()
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
