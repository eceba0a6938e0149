//! [`ConfigError`]: one broken rule, naming its key, with the values that broke it.

use std::fmt;
use std::time::Duration;

use crate::keys::{Key, KeyKind};

/// A configuration rule that a value breaks.
///
/// It holds the key it is about ([`key`](Self::key)), what is wrong as data
/// ([`problem`](Self::problem)), and so where a diagnostic should point
/// ([`blame`](Self::blame), [`index`](Self::index)). `Display` writes the message, which
/// always names the key; [`summary`](Self::summary) is a fixed text per kind of problem for
/// places that cannot format (a `const` panic).
///
/// It is `Copy` and built in `const fn`s, so the `validate` functions are `const` too.
///
/// ```
/// use resile_config::{Blame, RetryConfig};
///
/// let err = RetryConfig::new().max(0).validate().unwrap_err();
/// assert_eq!(err.key(), "max");
/// assert_eq!(err.blame(), Blame::Value);
/// assert_eq!(err.to_string(), "`max` must be at least 1, found 0");
/// assert_eq!(err.summary(), "a count is below its minimum");
/// assert_eq!(format!("{err:?}"), r#"ConfigError { key: "max", message: `max` must be at least 1, found 0 }"#);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct ConfigError {
    key: &'static str,
    problem: Problem,
    section: Option<Section>,
}

/// The key, the section and the message: what `unwrap()` or `main`'s `Err` shows. The
/// problem's own `Debug` would list every key table it refers to.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ConfigError");
        if !self.key.is_empty() {
            d.field("key", &self.key);
        }
        if let Some(section) = &self.section {
            d.field("section", &format_args!("{section}"));
        }
        d.field("message", &format_args!("{self}")).finish()
    }
}

/// The section of a configuration file an error is in: `[circuit_breaker.db]` is the
/// section of kind `circuit_breaker` and name `db`.
///
/// ```
/// use resile_config::RetryBudgetConfig;
///
/// let err = RetryBudgetConfig::new().ratio(-1.0).validate().unwrap_err().in_section("retry_budget", "api");
/// assert_eq!(err.section().map(|s| s.to_string()).as_deref(), Some("[retry_budget.api]"));
/// assert_eq!(err.to_string(), "[retry_budget.api] ratio: `ratio` must be within 0.0..=1000.0, found -1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Section {
    kind: &'static str,
    name: &'static str,
}

impl Section {
    /// The kind: `circuit_breaker`, `bulkhead`, `rate_limit`, `hedge`, `retry_budget`.
    pub const fn kind(&self) -> &'static str {
        self.kind
    }

    /// The instance's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}.{}]", self.kind, self.name)
    }
}

/// Where a diagnostic for a [`ConfigError`] should point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blame {
    /// The key's own value is wrong: point at the value (for a backoff list entry, at the
    /// entry [`ConfigError::index`] gives).
    Value,
    /// The value is fine on its own but breaks a rule with other keys, or the key is unknown
    /// or has no effect here: point at the key.
    Key,
}

/// What is wrong, with the values that go into the message.
///
/// Each variant's documentation shows its message, with `{key}` for [`ConfigError::key`].
/// Integers are shown as written, durations as [`duration::display`](crate::duration::display)
/// does (`100ms`), and floats either as Rust's `{}` (`0.5`, `2`) or `{:?}` (`0.5`, `2.0`)
/// formatting, as noted per variant, so that the messages stay those the attributes have
/// always printed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// "`{key}` must be at least {min}, found {found}"
    AtLeast {
        /// The smallest value accepted.
        min: u64,
        /// The value given.
        found: u64,
    },
    /// "`{key}` must be at most {max}, found {found}"
    AtMost {
        /// The largest value accepted.
        max: u64,
        /// The value given.
        found: u64,
    },
    /// "`{key}` must be greater than zero" (a duration)
    Zero,
    /// "`{key}` must be at least {min:?}, found {found}"
    NumberAtLeast {
        /// The smallest value accepted.
        min: f64,
        /// The value given.
        found: f64,
    },
    /// "`{key}` must be a finite number, found {found:?}"
    NotFinite {
        /// The value given: infinite or NaN.
        found: f64,
    },
    /// "`{key}` must be greater than 0, found {found:?}"
    Positive {
        /// The value given.
        found: f64,
    },
    /// "`{key}` must be greater than 0.0 and at most 1.0, found {found:?}"
    Rate {
        /// The value given.
        found: f64,
    },
    /// "`{key}` must be within {min:?}..={max:?}, found {found}"
    Within {
        /// The smallest value accepted.
        min: f64,
        /// The largest value accepted.
        max: f64,
        /// The value given.
        found: f64,
    },
    /// "`{key}` must be within 0 < p < 100, found {found:?}"
    Percentile {
        /// The value given.
        found: f64,
    },
    /// "`{key}` must be within {min}..={max}, found {found}" (durations)
    DurationWithin {
        /// The shortest duration accepted.
        min: Duration,
        /// The longest duration accepted.
        max: Duration,
        /// The duration given.
        found: Duration,
    },
    /// "a backoff list needs at least one delay, e.g. `backoff = [\"100ms\", \"500ms\", \"2s\"]`"
    EmptyList,
    /// "backoff list delay {delay} exceeds `max_delay` ({max_delay}); raise `max_delay` or
    /// shorten the delay" (the entry at `index` of the list)
    ListDelayAboveMax {
        /// The entry's position in the list, from 0.
        index: usize,
        /// The entry.
        delay: Duration,
        /// The cap it exceeds.
        max_delay: Duration,
    },
    /// "a duration needs a unit: write `\"{found}ms\"` or `\"{found}s\"`" (for an entry of a
    /// backoff list, "a backoff delay needs a unit: …"; for a negative number, "a duration
    /// needs a unit and is never negative: …" with the number without its sign): a bare
    /// number where a duration is expected. No unit is ever assumed: a silent 5 ms timeout
    /// is the worst mistake a user can make here. The number is shown as
    /// [`duration::plain_number`](crate::duration::plain_number) writes it (`1e3` as `1000`),
    /// and each suggestion is one that [`duration::parse`](crate::duration::parse) accepts:
    /// a unit whose suggestion it would refuse (`"0.0000001ms"`, a fraction of a
    /// nanosecond) is left out, and when both are, the message shows `"250ms"` as the
    /// example. The message does not repeat the key, so that it reads the same for
    /// `#[timeout(5)]`; a caller pointing at no token (a TOML loader) names the key.
    DurationWithoutUnit {
        /// The number as [`duration::plain_number`](crate::duration::plain_number) writes
        /// it, without its sign (`5`, `1.5`, `1000` for `1e3`).
        found: Text,
        /// Whether the number was negative.
        negative: bool,
        /// For an entry of a backoff list, its position in the list, from 0.
        index: Option<usize>,
    },
    /// "unknown key `{found}`; expected one of: `max`, `backoff`, …", or, when a key is
    /// close, "unknown key `{found}`; did you mean `{closest}`?"
    ///
    /// Its [`ConfigError::key`] is empty: the key is not one of ours, so `found` holds it.
    UnknownKey {
        /// The key as given.
        found: Text,
        /// The keys of the configuration.
        expected: &'static [Key],
        /// The key of `expected` closest to `found`, when one is close enough to be a slip.
        closest: Option<&'static Key>,
    },
    /// "unknown section `[{found}]`; did you mean `[{closest}.<name>]`?", or "unknown
    /// section `[{found}]`; expected one of: `[circuit_breaker.<name>]`, …" (a configuration
    /// file's table that names no policy). Its [`ConfigError::key`] is empty.
    UnknownSection {
        /// The table's first name as given.
        found: Text,
        /// The kinds a file may configure.
        expected: &'static [&'static str],
        /// The entry of `expected` closest to `found`, when one is close enough to be a slip.
        closest: Option<&'static &'static str>,
    },
    /// "`[{kind}]` needs a name: write `[{kind}.<name>]`, found `{found}`" (a value where a
    /// file expects the table of one named instance). Its [`ConfigError::key`] is empty.
    NotASection {
        /// The kind.
        kind: &'static str,
        /// What was found instead, as a dotted path (`circuit_breaker.window_size`).
        found: Text,
    },
    /// "not valid TOML at line {line}, column {column}: {message}". Its
    /// [`ConfigError::key`] is empty.
    NotToml {
        /// The line, from 1.
        line: u32,
        /// The column, from 1 (in characters).
        column: u32,
        /// The first line of the parser's message.
        message: Text,
    },
    /// The message of [`duration::parse`](crate::duration::parse) for a string that is not
    /// a duration (`"5 parsecs"`), as it gives it; the message does not repeat the key, so a
    /// caller names it (a configuration file's section does).
    BadDuration {
        /// The parser's message.
        message: &'static str,
    },
    /// "`{key}` expects `true` or `false`, found {found}"
    NotBool {
        /// What was given: "an integer", "a string", ….
        found: &'static str,
    },
    /// "`{key}` is each `#[{kind}]` call site's own setting, which live configuration does
    /// not change; it sets {shared}": a key that a call site declares for itself (a
    /// bulkhead's `weight`) in a section that configures the shared instance.
    SiteKey {
        /// The attribute.
        kind: &'static str,
        /// The keys live configuration sets for this kind.
        shared: &'static [&'static str],
    },
    /// "`{key}` expects {expected}, found {found}", e.g. "`max` expects an integer, found a
    /// duration"
    WrongValue {
        /// The kind of value the key takes.
        expected: KeyKind,
        /// What was given: "a duration", "an integer", "a number", "a word", "a list of
        /// durations".
        found: &'static str,
    },
    /// "unknown {key} `\"{found}\"`; expected {expected}", e.g. "unknown window `\"sliding\"`;
    /// expected one of `\"count\"`, `\"time\"`"
    UnknownWord {
        /// The word as given.
        found: Text,
        /// The kind of value the key takes.
        expected: KeyKind,
    },
    /// "`{low}` ({low_value}) must not exceed `{high}` ({high_value}); raise `{high}` or lower
    /// `{low}`", or, when `high` holds its default, "`{low}` ({low_value}) exceeds the
    /// default `{high}` ({high_value}); set `{high}` to at least {low_value}"
    NotAbove {
        /// The key that must be the smaller.
        low: &'static str,
        /// Its value.
        low_value: Duration,
        /// The key that must be the larger.
        high: &'static str,
        /// Its value.
        high_value: Duration,
        /// Whether `high` was left at its default.
        high_default: bool,
    },
    /// "`max` cannot be combined with a backoff list: the list sets it to {list_max} (one
    /// attempt plus one per delay); remove `max`"
    MaxWithList {
        /// The list's length + 1.
        list_max: u64,
    },
    /// "`{key}` only applies to `backoff = \"{backoff}\"`; remove it or change `backoff`"
    OnlyWithBackoff {
        /// The backoff the key belongs to.
        backoff: &'static str,
    },
    /// "`jitter = \"decorrelated\"` draws its own delays from `base_delay`; it cannot follow
    /// a backoff list: use `jitter = \"full\"` or `\"none\"` with a list"
    DecorrelatedWithList,
    /// "`backoff = \"{backoff}\"` has no effect with `jitter = \"decorrelated\"`, which draws
    /// each delay from `base_delay` up to 3 × the previous one; remove `backoff`, or use
    /// another jitter"
    DecorrelatedWithBackoff {
        /// The backoff written (`linear`, `constant`, `fibonacci`).
        backoff: &'static str,
    },
    /// "`multiplier` has no effect with `jitter = \"decorrelated\"`, which grows each delay
    /// by at most 3 × the previous one; remove `multiplier`, or use another jitter"
    DecorrelatedWithMultiplier,
    /// "decorrelated jitter grows from `base_delay`: with 0 every delay is 0; set `base_delay`
    /// above zero, or use another jitter"
    DecorrelatedFromZero,
    /// "`{key}` has no effect without `{other}`; add `{other} = {example}` or remove it"
    NeedsKey {
        /// The key that gives this one its effect.
        other: &'static str,
        /// A value for `other`, as a user writes it.
        example: &'static str,
    },
    /// "`minimum_calls` ({minimum_calls}) exceeds `window_size` ({window_size}): a count
    /// window never holds that many calls, so the breaker could never open; set
    /// `minimum_calls` to at most {window_size}, or raise `window_size`", each key written
    /// "the default `…`" when it holds its default
    MinimumCallsAboveWindow {
        /// `minimum_calls`.
        minimum_calls: u64,
        /// Whether `minimum_calls` was left at its default.
        minimum_calls_default: bool,
        /// `window_size`.
        window_size: u64,
        /// Whether `window_size` was left at its default.
        window_size_default: bool,
    },
    /// "`delay` is the static delay, but `percentile` makes the delay adaptive; use
    /// `initial_delay` for the delay before enough samples"
    DelayWithPercentile,
    /// "`{key}` only applies to the adaptive mode; add `percentile = 95.0` or remove `{key}`"
    OnlyAdaptive,
    /// "`min_samples` ({min_samples}) exceeds `buffer_size` ({buffer_size}): the tracker
    /// never holds that many samples", each key written "the default `…`" when it holds its
    /// default
    MinSamplesAboveBuffer {
        /// `min_samples`.
        min_samples: u64,
        /// Whether `min_samples` was left at its default.
        min_samples_default: bool,
        /// `buffer_size`.
        buffer_size: u64,
        /// Whether `buffer_size` was left at its default.
        buffer_size_default: bool,
    },
    /// "`{delay_key}` ({delay}) must be shorter than `timeout` ({timeout}), or no hedge could
    /// ever start", or, when the delay holds its default, "the default `{delay_key}`
    /// ({delay}) is not shorter than `timeout` ({timeout}); set `{delay_key}` below it, or no
    /// hedge could ever start"
    DelayNotBeforeTimeout {
        /// `delay`, `initial_delay` or `min_delay`.
        delay_key: &'static str,
        /// Its value.
        delay: Duration,
        /// Whether the delay was left at its default.
        delay_default: bool,
        /// The timeout.
        timeout: Duration,
    },
    /// "`token_threshold` ({threshold}) exceeds `token_max` ({max}): the hedge budget could
    /// never allow a hedge"
    TokenThresholdAboveMax {
        /// `token_threshold`.
        threshold: f64,
        /// `token_max`.
        max: f64,
    },
    /// "`weight` ({weight}) exceeds `max_concurrent` ({max_concurrent}): such a call could
    /// never run; lower `weight` or raise `max_concurrent`"
    WeightAboveMaxConcurrent {
        /// `weight`.
        weight: u64,
        /// `max_concurrent`.
        max_concurrent: u64,
    },
    /// "`weight` ({weight}) exceeds `burst_size` ({burst_size}): the bucket never holds that
    /// many tokens, so no call could be admitted; lower `weight` or raise `burst_size`", or,
    /// when `burst_size` holds its default (= `rate`), "`weight` ({weight}) exceeds the
    /// default `burst_size` (= `rate`, {burst_size}): the bucket never holds that many
    /// tokens, so no call could be admitted; set `burst_size` to at least {weight}"
    WeightAboveBurst {
        /// `weight`.
        weight: u64,
        /// `burst_size`, or `rate` when it is left at its default.
        burst_size: f64,
        /// Whether `burst_size` was left at its default (= `rate`).
        burst_size_default: bool,
    },
    /// "`error_rate` ({error_rate}) + `hang_rate` ({hang_rate}) exceeds 1.0: a call cannot
    /// both fail and hang; lower one of them" (`#[chaos]`'s two exclusive outcomes)
    RatesAboveOne {
        /// `error_rate`.
        error_rate: f64,
        /// `hang_rate`.
        hang_rate: f64,
    },
}

impl ConfigError {
    /// An error about `key`.
    #[inline]
    pub const fn new(key: &'static str, problem: Problem) -> Self {
        ConfigError { key, problem, section: None }
    }

    /// The error, in the section `[{kind}.{name}]` of a configuration file: its message
    /// starts with the section (and the key, when it has one), `[circuit_breaker.db]
    /// window_size: …`.
    pub const fn in_section(mut self, kind: &'static str, name: &'static str) -> Self {
        self.section = Some(Section { kind, name });
        self
    }

    /// The section of a configuration file the error is in; `None` for an attribute, a
    /// `reconfigure` or a file's syntax.
    pub const fn section(&self) -> Option<Section> {
        self.section
    }

    /// A bare number `found` (as written: `5`, `1.5`, `1e3`, `-5`) where `key` takes a
    /// duration: the one rule every caller (the attributes, a configuration loader) applies,
    /// so that no caller reads a number as milliseconds. `index` is the entry's position in
    /// a backoff list.
    ///
    /// ```
    /// use resile_config::ConfigError;
    ///
    /// let err = ConfigError::without_unit("base_delay", "5", None);
    /// assert_eq!(err.to_string(), "a duration needs a unit: write `\"5ms\"` or `\"5s\"`");
    /// let err = ConfigError::without_unit("base_delay", "1e3", None);
    /// assert_eq!(err.to_string(), "a duration needs a unit: write `\"1000ms\"` or `\"1000s\"`");
    /// let err = ConfigError::without_unit("base_delay", "-5", None);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "a duration needs a unit and is never negative: write `\"5ms\"` or `\"5s\"`",
    /// );
    /// ```
    pub fn without_unit(key: &'static str, found: &str, index: Option<usize>) -> Self {
        let plain = crate::duration::plain_number(found).unwrap_or_else(|| found.trim().to_string());
        let (negative, number) = match plain.strip_prefix('-') {
            Some(number) => (true, number),
            None => (false, plain.as_str()),
        };
        ConfigError::new(key, Problem::DurationWithoutUnit { found: Text::new(number), negative, index })
    }

    /// The key the error is about, spelled like the attribute key and the config field; the
    /// key to point at for [`Blame::Key`], the key whose value to point at for
    /// [`Blame::Value`]. Empty only for [`Problem::UnknownKey`].
    #[inline]
    pub const fn key(&self) -> &'static str {
        self.key
    }

    /// What is wrong.
    #[inline]
    pub const fn problem(&self) -> Problem {
        self.problem
    }

    /// Whether the key's value or the key itself is to blame.
    pub const fn blame(&self) -> Blame {
        match self.problem {
            Problem::AtLeast { .. }
            | Problem::AtMost { .. }
            | Problem::Zero
            | Problem::NumberAtLeast { .. }
            | Problem::NotFinite { .. }
            | Problem::Positive { .. }
            | Problem::Rate { .. }
            | Problem::Within { .. }
            | Problem::Percentile { .. }
            | Problem::DurationWithin { .. }
            | Problem::EmptyList
            | Problem::ListDelayAboveMax { .. }
            | Problem::DurationWithoutUnit { .. }
            | Problem::WrongValue { .. }
            | Problem::UnknownWord { .. }
            | Problem::NotBool { .. }
            | Problem::BadDuration { .. }
            | Problem::NotToml { .. } => Blame::Value,
            Problem::UnknownKey { .. }
            | Problem::UnknownSection { .. }
            | Problem::NotASection { .. }
            | Problem::SiteKey { .. }
            | Problem::NotAbove { .. }
            | Problem::MaxWithList { .. }
            | Problem::OnlyWithBackoff { .. }
            | Problem::NeedsKey { .. }
            | Problem::DecorrelatedWithList
            | Problem::DecorrelatedWithBackoff { .. }
            | Problem::DecorrelatedWithMultiplier
            | Problem::DecorrelatedFromZero
            | Problem::MinimumCallsAboveWindow { .. }
            | Problem::DelayWithPercentile
            | Problem::OnlyAdaptive
            | Problem::MinSamplesAboveBuffer { .. }
            | Problem::DelayNotBeforeTimeout { .. }
            | Problem::TokenThresholdAboveMax { .. }
            | Problem::WeightAboveMaxConcurrent { .. }
            | Problem::WeightAboveBurst { .. }
            | Problem::RatesAboveOne { .. } => Blame::Key,
        }
    }

    /// For an entry of a backoff list, its position in the list (from 0).
    pub const fn index(&self) -> Option<usize> {
        match self.problem {
            Problem::ListDelayAboveMax { index, .. } => Some(index),
            Problem::DurationWithoutUnit { index, .. } => index,
            _ => None,
        }
    }

    /// A fixed one-line text for the kind of problem, naming no values (for a `const` panic,
    /// which cannot format).
    pub const fn summary(&self) -> &'static str {
        match self.problem {
            Problem::AtLeast { .. } => "a count is below its minimum",
            Problem::AtMost { .. } => "a count is above its maximum",
            Problem::Zero => "a duration that must be greater than zero is zero",
            Problem::NumberAtLeast { .. } => "a number is below its minimum",
            Problem::NotFinite { .. } => "a number is infinite or NaN",
            Problem::Positive { .. } => "a token amount is not greater than 0",
            Problem::Rate { .. } => "a rate threshold is not within 0.0 (exclusive) ..= 1.0",
            Problem::Within { .. } => "a number is outside its range",
            Problem::Percentile { .. } => "`percentile` is not within 0 < p < 100",
            Problem::DurationWithin { .. } => "a duration is outside its range",
            Problem::EmptyList => "a backoff list needs at least one delay",
            Problem::ListDelayAboveMax { .. } => "a backoff list delay exceeds `max_delay`",
            Problem::DurationWithoutUnit { .. } => "a duration needs a unit, e.g. `\"250ms\"`",
            Problem::UnknownKey { .. } => "unknown key",
            Problem::UnknownSection { .. } => "unknown section",
            Problem::NotASection { .. } => "a value where a named section is expected",
            Problem::NotToml { .. } => "not valid TOML",
            Problem::NotBool { .. } => "a value that is not `true` or `false`",
            Problem::BadDuration { .. } => "a string that is not a duration",
            Problem::SiteKey { .. } => "a call site's own key in a live configuration",
            Problem::WrongValue { .. } => "a value of the wrong kind",
            Problem::UnknownWord { .. } => "unknown word",
            Problem::NotAbove { .. } => "a delay exceeds the delay that caps it",
            Problem::MaxWithList { .. } => "`max` cannot be combined with a backoff list",
            Problem::OnlyWithBackoff { .. } => "a key does not apply to this `backoff`",
            Problem::NeedsKey { .. } => "a key has no effect without another key",
            Problem::DecorrelatedWithList => "decorrelated jitter cannot follow a backoff list",
            Problem::DecorrelatedWithBackoff { .. } => "a backoff shape has no effect with decorrelated jitter",
            Problem::DecorrelatedWithMultiplier => "`multiplier` has no effect with decorrelated jitter",
            Problem::DecorrelatedFromZero => "decorrelated jitter from a zero `base_delay` is always 0",
            Problem::MinimumCallsAboveWindow { .. } => {
                "`minimum_calls` exceeds the count window's `window_size`, so the breaker could never open"
            }
            Problem::DelayWithPercentile => "`delay` is the static delay, but `percentile` makes the delay adaptive",
            Problem::OnlyAdaptive => "a key only applies to the adaptive mode (`percentile`)",
            Problem::MinSamplesAboveBuffer { .. } => "`min_samples` exceeds `buffer_size`",
            Problem::DelayNotBeforeTimeout { .. } => "a hedge delay is not shorter than `timeout`",
            Problem::TokenThresholdAboveMax { .. } => "`token_threshold` exceeds `token_max`",
            Problem::WeightAboveMaxConcurrent { .. } => "a bulkhead `weight` exceeds `max_concurrent`",
            Problem::WeightAboveBurst { .. } => "`weight` exceeds `burst_size`, so no call could be admitted",
            Problem::RatesAboveOne { .. } => "`error_rate` + `hang_rate` exceeds 1.0",
        }
    }
}

/// Whether a ratio `found` outside `0.0..=1.0` reads as a percentage (`50` for `0.5`): a
/// whole number in 2..=100, or at least 10 (`12.5`). A value just above 1 (`1.5`) is more
/// likely a slip than a percentage, and gets the plain range message.
fn looks_like_percent(found: f64) -> bool {
    found > 1.0 && found <= 100.0 && (found.fract() == 0.0 || found >= 10.0)
}

/// `found` percent as a ratio, rounded to 9 decimals so that `12.3` reads `0.123`.
fn percent_as_ratio(found: f64) -> f64 {
    (found / 100.0 * 1e9).round() / 1e9
}

/// "the default " before a key that was left at its default.
fn the_default(default: bool) -> &'static str {
    if default { "the default " } else { "" }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key;
        if let Some(section) = self.section {
            write!(f, "{section} ")?;
            if !key.is_empty() {
                write!(f, "{key}: ")?;
            }
        }
        match self.problem {
            Problem::AtLeast { min, found } => write!(f, "`{key}` must be at least {min}, found {found}"),
            Problem::AtMost { max, found } => write!(f, "`{key}` must be at most {max}, found {found}"),
            Problem::Zero => write!(f, "`{key}` must be greater than zero"),
            Problem::NumberAtLeast { min, found } => write!(f, "`{key}` must be at least {min:?}, found {found}"),
            Problem::NotFinite { found } => write!(f, "`{key}` must be a finite number, found {found:?}"),
            Problem::Positive { found } => write!(f, "`{key}` must be greater than 0, found {found:?}"),
            Problem::Rate { found } | Problem::Within { min: 0.0, max: 1.0, found } if looks_like_percent(found) => {
                write!(f, "`{key}` is a ratio in 0.0..=1.0, not a percentage: did you mean `{:?}`?", percent_as_ratio(found))
            }
            Problem::Rate { found } => {
                write!(f, "`{key}` must be greater than 0.0 and at most 1.0, found {found:?}")
            }
            Problem::Within { min, max, found } => write!(f, "`{key}` must be within {min:?}..={max:?}, found {found}"),
            Problem::Percentile { found } => write!(f, "`{key}` must be within 0 < p < 100, found {found:?}"),
            Problem::DurationWithin { min, max, found } => {
                write!(f, "`{key}` must be within {min:?}..={max:?}, found {found:?}")
            }
            Problem::EmptyList => {
                f.write_str("a backoff list needs at least one delay, e.g. `backoff = [\"100ms\", \"500ms\", \"2s\"]`")
            }
            Problem::DurationWithoutUnit { found, negative, index } => {
                let what = if index.is_some() { "backoff delay" } else { "duration" };
                let never_negative = if negative { " and is never negative" } else { "" };
                let parses = |unit: &str| !found.is_cut() && crate::duration::parse(&format!("{found}{unit}")).is_ok();
                match (parses("ms"), parses("s")) {
                    (true, true) => write!(
                        f,
                        "a {what} needs a unit{never_negative}: write `\"{found}ms\"` or `\"{found}s\"`"
                    ),
                    (true, false) => write!(f, "a {what} needs a unit{never_negative}: write `\"{found}ms\"`"),
                    (false, true) => write!(f, "a {what} needs a unit{never_negative}: write `\"{found}s\"`"),
                    (false, false) => write!(f, "a {what} needs a unit{never_negative}, e.g. `\"250ms\"`"),
                }
            }
            Problem::ListDelayAboveMax { delay, max_delay, .. } => write!(
                f,
                "backoff list delay {delay:?} exceeds `max_delay` ({max_delay:?}); raise `max_delay` or shorten the delay"
            ),
            Problem::UnknownKey { found, closest: Some(closest), .. } => {
                write!(f, "unknown key `{found}`; did you mean `{}`?", closest.name)
            }
            Problem::UnknownSection { found, closest: Some(closest), .. } => {
                write!(f, "unknown section `[{found}]`; did you mean `[{closest}.<name>]`?")
            }
            Problem::UnknownSection { found, expected, closest: None } => {
                write!(f, "unknown section `[{found}]`; expected one of: ")?;
                for (i, k) in expected.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`[{k}.<name>]`")?;
                }
                Ok(())
            }
            Problem::NotASection { kind, found } => {
                write!(f, "`[{kind}]` needs a name: write `[{kind}.<name>]`, found `{found}`")
            }
            Problem::NotToml { line, column, message } => {
                write!(f, "not valid TOML at line {line}, column {column}: {message}")
            }
            Problem::BadDuration { message } => f.write_str(message),
            Problem::NotBool { found } => write!(f, "`{key}` expects `true` or `false`, found {found}"),
            Problem::SiteKey { kind, shared } => {
                write!(f, "`{key}` is each `#[{kind}]` call site's own setting, which live configuration does not change; it sets ")?;
                for (i, k) in shared.iter().enumerate() {
                    let sep = match i {
                        0 => "",
                        i if i + 1 == shared.len() => " and ",
                        _ => ", ",
                    };
                    write!(f, "{sep}`{k}`")?;
                }
                Ok(())
            }
            Problem::UnknownKey { found, expected, closest: None } => {
                write!(f, "unknown key `{found}`; expected one of: ")?;
                for (i, k) in expected.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`{}`", k.name)?;
                }
                Ok(())
            }
            Problem::WrongValue { expected, found } => write!(f, "`{key}` expects {expected}, found {found}"),
            Problem::UnknownWord { found, expected } => write!(f, "unknown {key} `\"{found}\"`; expected {expected}"),
            Problem::NotAbove { low, low_value, high, high_value, high_default: false } => write!(
                f,
                "`{low}` ({low_value:?}) must not exceed `{high}` ({high_value:?}); raise `{high}` or lower `{low}`"
            ),
            Problem::NotAbove { low, low_value, high, high_value, high_default: true } => write!(
                f,
                "`{low}` ({low_value:?}) exceeds the default `{high}` ({high_value:?}); set `{high}` to at least {low_value:?}"
            ),
            Problem::MaxWithList { list_max } => write!(
                f,
                "`max` cannot be combined with a backoff list: the list sets it to {list_max} (one attempt plus one per delay); remove `max`"
            ),
            Problem::OnlyWithBackoff { backoff } => {
                write!(f, "`{key}` only applies to `backoff = \"{backoff}\"`; remove it or change `backoff`")
            }
            Problem::NeedsKey { other, example } => {
                write!(f, "`{key}` has no effect without `{other}`; add `{other} = {example}` or remove it")
            }
            Problem::DecorrelatedWithList => f.write_str(
                "`jitter = \"decorrelated\"` draws its own delays from `base_delay`; it cannot follow a backoff list: use `jitter = \"full\"` or `\"none\"` with a list",
            ),
            Problem::DecorrelatedWithBackoff { backoff } => write!(
                f,
                "`backoff = \"{backoff}\"` has no effect with `jitter = \"decorrelated\"`, which draws each delay from `base_delay` up to 3 × the previous one; remove `backoff`, or use another jitter"
            ),
            Problem::DecorrelatedWithMultiplier => f.write_str(
                "`multiplier` has no effect with `jitter = \"decorrelated\"`, which grows each delay by at most 3 × the previous one; remove `multiplier`, or use another jitter",
            ),
            Problem::DecorrelatedFromZero => f.write_str(
                "decorrelated jitter grows from `base_delay`: with 0 every delay is 0; set `base_delay` above zero, or use another jitter",
            ),
            Problem::MinimumCallsAboveWindow {
                minimum_calls,
                minimum_calls_default,
                window_size,
                window_size_default,
            } => write!(
                f,
                "{}`minimum_calls` ({minimum_calls}) exceeds {}`window_size` ({window_size}): a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most {window_size}, or raise `window_size`",
                the_default(minimum_calls_default),
                the_default(window_size_default),
            ),
            Problem::DelayWithPercentile => f.write_str(
                "`delay` is the static delay, but `percentile` makes the delay adaptive; use `initial_delay` for the delay before enough samples",
            ),
            Problem::OnlyAdaptive => {
                write!(f, "`{key}` only applies to the adaptive mode; add `percentile = 95.0` or remove `{key}`")
            }
            Problem::MinSamplesAboveBuffer { min_samples, min_samples_default, buffer_size, buffer_size_default } => {
                write!(
                    f,
                    "{}`min_samples` ({min_samples}) exceeds {}`buffer_size` ({buffer_size}): the tracker never holds that many samples",
                    the_default(min_samples_default),
                    the_default(buffer_size_default),
                )
            }
            Problem::DelayNotBeforeTimeout { delay_key, delay, delay_default: false, timeout } => write!(
                f,
                "`{delay_key}` ({delay:?}) must be shorter than `timeout` ({timeout:?}), or no hedge could ever start"
            ),
            Problem::DelayNotBeforeTimeout { delay_key, delay, delay_default: true, timeout } => write!(
                f,
                "the default `{delay_key}` ({delay:?}) is not shorter than `timeout` ({timeout:?}); set `{delay_key}` below it, or no hedge could ever start"
            ),
            Problem::TokenThresholdAboveMax { threshold, max } => write!(
                f,
                "`token_threshold` ({threshold}) exceeds `token_max` ({max}): the hedge budget could never allow a hedge"
            ),
            Problem::WeightAboveMaxConcurrent { weight, max_concurrent } => write!(
                f,
                "`weight` ({weight}) exceeds `max_concurrent` ({max_concurrent}): such a call could never run; lower `weight` or raise `max_concurrent`"
            ),
            Problem::WeightAboveBurst { weight, burst_size, burst_size_default: false } => write!(
                f,
                "`weight` ({weight}) exceeds `burst_size` ({burst_size}): the bucket never holds that many tokens, so no call could be admitted; lower `weight` or raise `burst_size`"
            ),
            Problem::WeightAboveBurst { weight, burst_size, burst_size_default: true } => write!(
                f,
                "`weight` ({weight}) exceeds the default `burst_size` (= `rate`, {burst_size}): the bucket never holds that many tokens, so no call could be admitted; set `burst_size` to at least {weight}"
            ),
            Problem::RatesAboveOne { error_rate, hang_rate } => write!(
                f,
                "`error_rate` ({error_rate}) + `hang_rate` ({hang_rate}) exceeds 1.0: a call cannot both fail and hang; lower one of them"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A short copy of text a caller gave (an unknown key or word), kept inline so that
/// [`ConfigError`] stays `Copy`. Text longer than 40 bytes is cut at a character boundary
/// and shown with a trailing `…`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text {
    bytes: [u8; Text::CAPACITY],
    len: u8,
    cut: bool,
}

impl Text {
    const CAPACITY: usize = 40;

    /// A copy of `text`, cut to 40 bytes.
    pub fn new(text: &str) -> Self {
        let mut len = text.len().min(Self::CAPACITY);
        while !text.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; Self::CAPACITY];
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        Text { bytes, len: len as u8, cut: len < text.len() }
    }

    /// The text kept (without the `…` of a cut text).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether the text was longer than what is kept.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.cut { f.write_str("…") } else { Ok(()) }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}
