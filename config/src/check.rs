//! How every config runs its rules: the per-key rules, then the rules across keys, each
//! written once as a `const fn` arm indexed by number, so that the `const fn validate` and
//! the accumulating `errors` run the very same code.

use crate::error::ConfigError;
use crate::keys::{Key, KeySet};

/// The rules of one config.
pub(crate) trait Rules: Copy {
    /// The config's settable keys; per-key rule `i` is about `KEYS[i]`.
    const KEYS: &'static [Key];
    /// The number of rules across keys.
    const RULES: usize;
    /// The rule on `KEYS[i]`'s own value.
    fn check_key(&self, i: usize) -> Option<ConfigError>;
    /// Rule `r` across keys, `given` being the keys the user wrote.
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError>;
    /// Puts `KEYS[i]` back to the value it has when nobody sets it.
    fn reset_key(&mut self, i: usize);
}

/// Puts `next` (`config` with key `i` set) in `config` unless it breaks that key's own
/// rule; the config's `set` ends here.
pub(crate) fn commit<C: Rules>(config: &mut C, next: C, i: usize) -> Result<(), ConfigError> {
    match next.check_key(i) {
        Some(e) => Err(e),
        None => {
            *config = next;
            Ok(())
        }
    }
}

/// Every error: the per-key rules first, then the rules across keys on a copy where each key
/// that broke its own rule is back at its default and no longer counts as given (so one bad
/// value is reported once, not again by every rule it takes part in).
pub(crate) fn errors<C: Rules>(config: &C, mut given: KeySet) -> Vec<ConfigError> {
    let mut found = Vec::new();
    let mut checked = *config;
    for (i, key) in C::KEYS.iter().enumerate() {
        if let Some(e) = config.check_key(i) {
            found.push(e);
            checked.reset_key(i);
            given = given.without(key.name);
        }
    }
    found.extend((0..C::RULES).filter_map(|r| checked.check_rule(r, given)));
    found
}

/// The body of a config's `const fn validate`: the first error of `errors(KeySet::EMPTY)`.
macro_rules! validate {
    ($config:expr) => {
        $crate::check::validate_given!($config, $crate::KeySet::EMPTY)
    };
}
pub(crate) use validate;

/// [`validate!`] with `$given`, the keys written: also the rules about a written key (one
/// that has no effect, a key that needs another), as `errors(given)` runs them.
macro_rules! validate_given {
    ($config:expr, $given:expr) => {{
        let mut i = 0;
        while i < Self::KEYS.len() {
            if let Some(e) = $config.check_key(i) {
                return Err(e);
            }
            i += 1;
        }
        let mut r = 0;
        while r < Self::RULES {
            if let Some(e) = $config.check_rule(r, $given) {
                return Err(e);
            }
            r += 1;
        }
        Ok(())
    }};
}
pub(crate) use validate_given;

/// `a` if `a` is set (given, or not at its default), else `b`: the key a rule across `a`
/// and `b` blames.
pub(crate) const fn blame(a: &'static str, a_set: bool, b: &'static str) -> &'static str {
    if a_set { a } else { b }
}
