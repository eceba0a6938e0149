//! Named instances shared process-wide: one name is one instance across every function,
//! module and crate of the process.
//!
//! Entries are created on first use and live for the rest of the process (`&'static`), so a
//! call site resolves its entry once, keeps the reference in its own `static`, and never
//! hashes the name again. Names are interned with the entry, which is why [`Rejection`]
//! can carry a `&'static str` without allocating.
//!
//! [`Rejection`]: crate::Rejection

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// A process-wide map from name to a leaked, never-removed instance.
#[derive(Debug)]
pub struct Registry<T: 'static> {
    entries: OnceLock<RwLock<HashMap<&'static str, &'static T>>>,
}

impl<T: Send + Sync + 'static> Registry<T> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Self {
        Registry { entries: OnceLock::new() }
    }

    fn map(&self) -> &RwLock<HashMap<&'static str, &'static T>> {
        self.entries.get_or_init(Default::default)
    }

    /// The instance named `name`, if one was created.
    pub fn get(&self, name: &str) -> Option<&'static T> {
        self.map().read().unwrap_or_else(|e| e.into_inner()).get(name).copied()
    }

    /// The instance named `name`, created with `make(interned_name)` on first use.
    ///
    /// Returns the instance and whether this call created it.
    pub fn get_or_create(&self, name: &str, make: impl FnOnce(&'static str) -> T) -> (&'static T, bool) {
        if let Some(found) = self.get(name) {
            return (found, false);
        }
        let mut map = self.map().write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = map.get(name) {
            return (found, false);
        }
        let interned: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let entry: &'static T = Box::leak(Box::new(make(interned)));
        map.insert(interned, entry);
        (entry, true)
    }

    /// Every registered name, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.map().read().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        names.sort_unstable();
        names
    }
}

impl<T: Send + Sync + 'static> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_is_one_instance() {
        static REG: Registry<u32> = Registry::new();
        let (a, created_a) = REG.get_or_create("db", |_| 1);
        let (b, created_b) = REG.get_or_create("db", |_| 2);
        assert!(created_a);
        assert!(!created_b);
        assert!(std::ptr::eq(a, b));
        assert_eq!(*b, 1);
        assert_eq!(REG.names(), vec!["db"]);
        assert!(REG.get("cache").is_none());
    }
}
