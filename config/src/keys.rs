//! Key tables: [`Key`] describes one key, [`KeyKind`] the values it takes, and [`KeySet`]
//! is a set of key names (the keys a user wrote).

use std::fmt;

use crate::{
    BulkheadConfig, ChaosConfig, CircuitBreakerConfig, HedgeConfig, RateLimitConfig, RetryBudgetConfig, RetryConfig,
    TimeoutConfig,
};

/// One configuration key: spelled exactly like the attribute key, the config field, its
/// setter and the TOML key.
///
/// ```
/// use resile_config::{KeyKind, RetryConfig};
///
/// let max = &RetryConfig::KEYS[0];
/// assert_eq!((max.name, max.kind, max.default), ("max", KeyKind::Count, "3"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key, e.g. `base_delay`.
    pub name: &'static str,
    /// The values it takes.
    pub kind: KeyKind,
    /// The default as a user writes it: `3`, `"100ms"`, `none`, `= base_delay`.
    pub default: &'static str,
    /// What it sets, in one line.
    pub doc: &'static str,
}

/// The values a key takes, and so how a caller parses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A duration with a unit, `"250ms"` (see [`duration::parse`](crate::duration::parse)).
    Duration,
    /// An integer.
    Count,
    /// A float; an integer is accepted too.
    Number,
    /// One of these words, e.g. `window = "count"`.
    Words(&'static [&'static str]),
    /// One of these words or a list of durations: `backoff = "exp"`, `backoff = ["100ms", "1s"]`.
    WordOrDurations(&'static [&'static str]),
    /// One of these words or a proportion within `0.0..=1.0`: `jitter = "full"`, `jitter = 0.25`.
    WordOrProportion(&'static [&'static str]),
    /// A name shared by every site that uses it (attribute only), e.g. `name = "db"`.
    Name,
    /// An expression of this type, evaluated where the attribute uses it (attribute only),
    /// e.g. `error = MyError::Chaos`.
    Expression {
        /// The expression's type, as the attribute's documentation writes it.
        ty: &'static str,
    },
    /// A path to a function with this signature (attribute only), e.g. `retry_if = is_transient`.
    Callback {
        /// The function's signature, as the attribute's documentation writes it.
        signature: &'static str,
    },
}

impl KeyKind {
    /// The words of a [`Words`](Self::Words), [`WordOrDurations`](Self::WordOrDurations) or
    /// [`WordOrProportion`](Self::WordOrProportion) key; empty for the others.
    pub const fn words(&self) -> &'static [&'static str] {
        match *self {
            KeyKind::Words(w) | KeyKind::WordOrDurations(w) | KeyKind::WordOrProportion(w) => w,
            _ => &[],
        }
    }
}

/// What a key expects, as messages say it: "an integer", "one of `\"count\"`, `\"time\"`".
impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = |f: &mut fmt::Formatter<'_>, words: &[&str]| {
            f.write_str("one of ")?;
            for (i, w) in words.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                write!(f, "{sep}`\"{w}\"`")?;
            }
            Ok(())
        };
        match *self {
            KeyKind::Duration => f.write_str("a duration with a unit, e.g. `\"250ms\"`"),
            KeyKind::Count => f.write_str("an integer"),
            KeyKind::Number => f.write_str("a number"),
            KeyKind::Words(w) => words(f, w),
            KeyKind::WordOrDurations(w) => {
                words(f, w)?;
                f.write_str(", or a list of delays such as `[\"100ms\", \"500ms\", \"2s\"]`")
            }
            KeyKind::WordOrProportion(w) => {
                words(f, w)?;
                f.write_str(", or a proportion within `0.0..=1.0`")
            }
            KeyKind::Name => f.write_str("a name, e.g. `\"db\"`"),
            KeyKind::Callback { signature } => write!(f, "a path to a function `{signature}`"),
            KeyKind::Expression { ty } => write!(f, "an expression of type `{ty}`"),
        }
    }
}

impl Key {
    /// The key called `name` in `keys`.
    pub fn find(keys: &'static [Key], name: &str) -> Option<&'static Key> {
        keys.iter().find(|k| k.name == name)
    }

    /// The key's word equal to `text`, for the kinds that take words.
    pub fn word(&self, text: &str) -> Option<&'static str> {
        self.kind.words().iter().copied().find(|w| *w == text)
    }
}

/// The position of `name` in `keys`; a compile error (in a `const`) when it is missing, so
/// that the rules' key indices cannot drift from the tables.
pub(crate) const fn index(keys: &[Key], name: &str) -> usize {
    let mut i = 0;
    while i < keys.len() {
        if str_eq(keys[i].name, name) {
            return i;
        }
        i += 1;
    }
    panic!("no such key in the table")
}

/// `a == b`, usable in a `const fn`.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every key table: the configs' keys and the attributes' other keys.
const TABLES: [&[Key]; 14] = [
    RetryConfig::KEYS,
    RetryConfig::ATTRIBUTE_KEYS,
    RetryBudgetConfig::KEYS,
    CircuitBreakerConfig::KEYS,
    CircuitBreakerConfig::ATTRIBUTE_KEYS,
    HedgeConfig::KEYS,
    HedgeConfig::ATTRIBUTE_KEYS,
    TimeoutConfig::KEYS,
    BulkheadConfig::KEYS,
    BulkheadConfig::ATTRIBUTE_KEYS,
    RateLimitConfig::KEYS,
    RateLimitConfig::ATTRIBUTE_KEYS,
    ChaosConfig::KEYS,
    ChaosConfig::ATTRIBUTE_KEYS,
];

/// Whether `name` is in `names[..len]`.
const fn seen(names: &[&str], len: usize, name: &str) -> bool {
    let mut i = 0;
    while i < len {
        if str_eq(names[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// The distinct key names of every table, in table order (a name that several
/// configurations share, such as `max_delay` or `name`, once).
const fn collect<const N: usize>() -> ([&'static str; N], usize) {
    let mut names = [""; N];
    let mut len = 0;
    let mut t = 0;
    while t < TABLES.len() {
        let mut k = 0;
        while k < TABLES[t].len() {
            let name = TABLES[t][k].name;
            if !seen(&names, len, name) {
                names[len] = name;
                len += 1;
            }
            k += 1;
        }
        t += 1;
    }
    (names, len)
}

/// The first `N` names of `all`.
const fn first<const N: usize>(all: &[&'static str]) -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = all[i];
        i += 1;
    }
    names
}

/// A bound on the number of distinct key names, and the width of a [`KeySet`].
const CAPACITY: usize = 128;
const COLLECTED: ([&str; CAPACITY], usize) = collect::<CAPACITY>();
const COUNT: usize = COLLECTED.1;
const NAMES_ARRAY: [&str; COUNT] = first::<COUNT>(&COLLECTED.0);
/// The key names a [`KeySet`] can hold; bit `i` stands for `NAMES[i]`.
const NAMES: &[&str] = &NAMES_ARRAY;

const fn bit(name: &str) -> Option<u128> {
    let mut i = 0;
    while i < COUNT {
        if str_eq(NAMES[i], name) {
            return Some(1 << i);
        }
        i += 1;
    }
    None
}

/// A set of key names: the keys a user wrote, which rules across keys use to word their
/// messages ("the default `max_delay` (5s)") and to pick the key to blame.
///
/// One set serves every configuration: a name that two configurations share (`max_delay`)
/// is one member. It is a bit set, `Copy`, and built in `const fn`s.
///
/// ```
/// use resile_config::KeySet;
///
/// const GIVEN: KeySet = KeySet::EMPTY.with("max").with("base_delay");
/// assert!(GIVEN.contains("max") && !GIVEN.contains("max_delay"));
/// assert_eq!(GIVEN.without("max"), KeySet::of(&["base_delay"]));
/// assert!(KeySet::ALL.contains("token_threshold"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeySet {
    bits: u128,
}

impl KeySet {
    /// No key.
    pub const EMPTY: KeySet = KeySet { bits: 0 };
    /// Every key of every configuration and attribute. Given to `errors`, it makes the
    /// rules about a written key that has no effect fire for every such key (`increment`
    /// without `backoff = "linear"`, …), which suits a check that every key is used.
    /// To check a config value, use `validate` (the first error of `errors(KeySet::EMPTY)`).
    pub const ALL: KeySet = KeySet { bits: if COUNT == 128 { u128::MAX } else { (1 << COUNT) - 1 } };

    /// The set with `name` added.
    ///
    /// # Panics
    /// If `name` is not a key of any configuration or attribute (a compile error in a
    /// `const`).
    pub const fn with(self, name: &str) -> KeySet {
        match bit(name) {
            Some(b) => KeySet { bits: self.bits | b },
            None => panic!("`KeySet::with`: not a configuration key"),
        }
    }

    /// The set with `name` removed (unchanged when `name` is not a key).
    pub const fn without(self, name: &str) -> KeySet {
        match bit(name) {
            Some(b) => KeySet { bits: self.bits & !b },
            None => self,
        }
    }

    /// Whether `name` is in the set.
    pub const fn contains(self, name: &str) -> bool {
        match bit(name) {
            Some(b) => self.bits & b != 0,
            None => false,
        }
    }

    /// The set of `names`.
    ///
    /// # Panics
    /// As [`with`](Self::with), if a name is not a key.
    pub const fn of(names: &[&str]) -> KeySet {
        let mut set = KeySet::EMPTY;
        let mut i = 0;
        while i < names.len() {
            set = set.with(names[i]);
            i += 1;
        }
        set
    }

    /// The keys in either set.
    pub const fn union(self, other: KeySet) -> KeySet {
        KeySet { bits: self.bits | other.bits }
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The names in the set.
    pub fn iter(self) -> impl Iterator<Item = &'static str> {
        NAMES.iter().enumerate().filter(move |(i, _)| self.bits & (1 << i) != 0).map(|(_, n)| *n)
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_every_key_once() {
        let mut expected: Vec<&str> = TABLES.iter().flat_map(|t| t.iter().map(|k| k.name)).collect();
        expected.sort_unstable();
        expected.dedup();
        let mut names = NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(names, expected);
        assert_eq!(KeySet::ALL.iter().count(), NAMES.len());
    }
}
