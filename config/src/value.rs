//! [`Value`]: a parsed value handed to a config's `set`, and its conversions to field types.

use std::time::Duration;

use crate::error::{ConfigError, Problem, Text};
use crate::keys::Key;
#[cfg(doc)]
use crate::keys::KeyKind;

/// A value for a config's `set`, parsed by the caller from an attribute literal or a TOML
/// value according to the key's [`KeyKind`].
///
/// | kind | values accepted |
/// |---|---|
/// | [`KeyKind::Duration`] | `Duration` |
/// | [`KeyKind::Count`] | `Count` |
/// | [`KeyKind::Number`] | `Number`, `Count` (an integer is a number too) |
/// | [`KeyKind::Words`] | `Word` |
/// | [`KeyKind::WordOrDurations`] | `Word`, `Durations` |
/// | [`KeyKind::WordOrProportion`] | `Word`, `Number`, `Count` |
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// A duration.
    Duration(Duration),
    /// An integer.
    Count(u64),
    /// A float.
    Number(f64),
    /// A word, one of the key's [`KeyKind::words`](crate::KeyKind::words).
    Word(&'a str),
    /// A list of durations (a backoff list). `set` stores it as the `&'static` slice that
    /// [`Backoff::List`](crate::Backoff::List) holds by leaking it, once per successful
    /// `set`: set a list when a configuration is built or loaded, not per call.
    Durations(Vec<Duration>),
}

impl Value<'_> {
    /// What the value is, as messages say it: "a duration", "an integer", "a number",
    /// "a word", "a list of durations".
    pub const fn describe(&self) -> &'static str {
        match self {
            Value::Duration(_) => "a duration",
            Value::Count(_) => "an integer",
            Value::Number(_) => "a number",
            Value::Word(_) => "a word",
            Value::Durations(_) => "a list of durations",
        }
    }

    fn wrong(&self, key: &Key) -> ConfigError {
        ConfigError::new(key.name, Problem::WrongValue { expected: key.kind, found: self.describe() })
    }

    /// A duration; a bare number is refused with the fix (a unit), never read as milliseconds.
    pub(crate) fn duration(&self, key: &Key) -> Result<Duration, ConfigError> {
        match self {
            Value::Duration(d) => Ok(*d),
            Value::Count(n) => Err(ConfigError::without_unit(key.name, &n.to_string(), None)),
            Value::Number(x) => Err(ConfigError::without_unit(key.name, &x.to_string(), None)),
            _ => Err(self.wrong(key)),
        }
    }

    /// A count that fits a `u32` field.
    pub(crate) fn count(&self, key: &Key) -> Result<u32, ConfigError> {
        match self {
            Value::Count(n) => u32::try_from(*n)
                .map_err(|_| ConfigError::new(key.name, Problem::AtMost { max: u32::MAX.into(), found: *n })),
            _ => Err(self.wrong(key)),
        }
    }

    /// A count that fits a `u64` field (a seed).
    pub(crate) fn count_u64(&self, key: &Key) -> Result<u64, ConfigError> {
        match self {
            Value::Count(n) => Ok(*n),
            _ => Err(self.wrong(key)),
        }
    }

    pub(crate) fn number(&self, key: &Key) -> Result<f64, ConfigError> {
        match self {
            Value::Number(v) => Ok(*v),
            Value::Count(n) => Ok(*n as f64),
            _ => Err(self.wrong(key)),
        }
    }

    /// One of the key's words.
    pub(crate) fn word(&self, key: &Key) -> Result<&'static str, ConfigError> {
        match self {
            Value::Word(text) => key.word(text).ok_or_else(|| {
                ConfigError::new(key.name, Problem::UnknownWord { found: Text::new(text), expected: key.kind })
            }),
            _ => Err(self.wrong(key)),
        }
    }

    /// A list of durations, leaked to `'static`.
    pub(crate) fn durations(self, key: &Key) -> Result<&'static [Duration], ConfigError> {
        match self {
            Value::Durations(list) => Ok(Box::leak(list.into_boxed_slice())),
            other => Err(other.wrong(key)),
        }
    }
}

/// The position of `name` in `keys`, or the error for an unknown key.
pub(crate) fn position(keys: &'static [Key], name: &str) -> Result<usize, ConfigError> {
    keys.iter().position(|k| k.name == name).ok_or_else(|| {
        ConfigError::new("", Problem::UnknownKey { found: Text::new(name), expected: keys, closest: None })
    })
}
