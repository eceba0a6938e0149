//! [`CircuitBreakerConfig`]: the checked, immutable settings of a circuit breaker.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::duration::{longer, same};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// Which calls the sliding window holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    /// The last `window_size` recorded calls (`window = "count"`).
    Count,
    /// The calls recorded in the last `window_size` seconds (`window = "time"`), in
    /// one-second buckets: a call recorded during second `k` counts until second
    /// `k + window_size` begins.
    Time,
}

impl WindowKind {
    /// The words `window` takes.
    pub const WORDS: &'static [&'static str] = &["count", "time"];

    /// The window a word names.
    pub fn from_word(word: &str) -> Option<WindowKind> {
        match word {
            "count" => Some(WindowKind::Count),
            "time" => Some(WindowKind::Time),
            _ => None,
        }
    }

    /// The word for this window.
    pub const fn word(&self) -> &'static str {
        match self {
            WindowKind::Count => "count",
            WindowKind::Time => "time",
        }
    }
}

/// The largest `window_size` accepted (calls or seconds).
pub const MAX_WINDOW_SIZE: u32 = 1_000_000;

/// The settings of a circuit breaker. Build it with the `const fn` setters, which are named
/// exactly like the `#[circuit_breaker]` keys, and check it with
/// [`CircuitBreakerConfig::validate`] (the attribute runs the same checks at compile time).
///
/// ```
/// use std::time::Duration;
/// use resile_config::{CircuitBreakerConfig, WindowKind};
///
/// const CFG: CircuitBreakerConfig = CircuitBreakerConfig::new()
///     .window(WindowKind::Time)
///     .window_size(30)
///     .failure_rate_threshold(0.25)
///     .slow_call_threshold(Duration::from_millis(500))
///     .minimum_calls(20)
///     .open_timeout(Duration::from_secs(10));
/// assert!(CFG.validate().is_ok());
/// assert_eq!(CircuitBreakerConfig::new().window_size, 100);
/// assert!(CircuitBreakerConfig::new().minimum_calls(0).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Count- or time-based window. Default [`WindowKind::Count`].
    pub window: WindowKind,
    /// Calls (count window) or seconds (time window), `1..=`[`MAX_WINDOW_SIZE`]. Default 100.
    pub window_size: u32,
    /// Trip when `failures / total >= this`, within `0.0 (exclusive) ..= 1.0`. Default 0.5.
    pub failure_rate_threshold: f64,
    /// A call (success or failure) that takes longer than this is slow. Default none.
    pub slow_call_threshold: Option<Duration>,
    /// Trip when `slow_calls / total >= this`, within `0.0 (exclusive) ..= 1.0`. Default 1.0.
    pub slow_call_rate_threshold: f64,
    /// No trip before this many calls are recorded in the window, at least 1. Default 10.
    pub minimum_calls: u32,
    /// Time open before the next call is let through as a half-open probe, > 0. Default 60 s.
    /// The first opening after a close lasts this long; see
    /// [`open_timeout_multiplier`](Self::open_timeout_multiplier) for the ones after.
    pub open_timeout: Duration,
    /// Each reopening from half-open (a failed probe) without a close in between lasts this
    /// many times the previous opening, up to [`max_open_timeout`](Self::max_open_timeout):
    /// a downstream that stays down is probed less and less often. A close resets it to
    /// `open_timeout`. Finite and ≥ 1.0. Default 1.0 (every opening lasts `open_timeout`).
    /// The product is rounded to the nearest nanosecond.
    pub open_timeout_multiplier: f64,
    /// The longest an opening lasts, ≥ `open_timeout`; `None` is `open_timeout` itself (the
    /// default). Only matters with an `open_timeout_multiplier` above 1.0.
    pub max_open_timeout: Option<Duration>,
    /// Probes let through while half-open, at least 1. Default 1.
    pub permitted_calls_in_half_open: u32,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self::new()
    }
}

const WINDOW: usize = keys::index(CircuitBreakerConfig::KEYS, "window");
const WINDOW_SIZE: usize = keys::index(CircuitBreakerConfig::KEYS, "window_size");
const FAILURE_RATE_THRESHOLD: usize = keys::index(CircuitBreakerConfig::KEYS, "failure_rate_threshold");
const SLOW_CALL_THRESHOLD: usize = keys::index(CircuitBreakerConfig::KEYS, "slow_call_threshold");
const SLOW_CALL_RATE_THRESHOLD: usize = keys::index(CircuitBreakerConfig::KEYS, "slow_call_rate_threshold");
const MINIMUM_CALLS: usize = keys::index(CircuitBreakerConfig::KEYS, "minimum_calls");
const OPEN_TIMEOUT: usize = keys::index(CircuitBreakerConfig::KEYS, "open_timeout");
const PERMITTED_CALLS_IN_HALF_OPEN: usize = keys::index(CircuitBreakerConfig::KEYS, "permitted_calls_in_half_open");
const OPEN_TIMEOUT_MULTIPLIER: usize = keys::index(CircuitBreakerConfig::KEYS, "open_timeout_multiplier");
const MAX_OPEN_TIMEOUT: usize = keys::index(CircuitBreakerConfig::KEYS, "max_open_timeout");

const DEFAULT: CircuitBreakerConfig = CircuitBreakerConfig::new();

// The rules across keys, by number.
const RULE_MINIMUM_CALLS_FIT_WINDOW: usize = 0;
const RULE_SLOW_RATE_NEEDS_THRESHOLD: usize = 1;
const RULE_MAX_OPEN_TIMEOUT_NOT_BELOW_OPEN_TIMEOUT: usize = 2;

impl CircuitBreakerConfig {
    /// The keys a `CircuitBreakerConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key {
            name: "window",
            kind: KeyKind::Words(WindowKind::WORDS),
            default: "\"count\"",
            doc: "`\"count\"` (last N calls) or `\"time\"` (last N seconds)",
        },
        Key { name: "window_size", kind: KeyKind::Count, default: "100", doc: "calls (count) or seconds (time)" },
        Key {
            name: "failure_rate_threshold",
            kind: KeyKind::Number,
            default: "0.5",
            doc: "trip when the failure rate is at least this",
        },
        Key {
            name: "slow_call_threshold",
            kind: KeyKind::Duration,
            default: "none",
            doc: "a call slower than this is slow",
        },
        Key {
            name: "slow_call_rate_threshold",
            kind: KeyKind::Number,
            default: "1.0",
            doc: "trip when the slow call rate is at least this",
        },
        Key {
            name: "minimum_calls",
            kind: KeyKind::Count,
            default: "10",
            doc: "no trip before this many recorded calls in the window",
        },
        Key { name: "open_timeout", kind: KeyKind::Duration, default: "\"60s\"", doc: "time open before half-open" },
        Key {
            name: "permitted_calls_in_half_open",
            kind: KeyKind::Count,
            default: "1",
            doc: "probes allowed; all succeed => closed, any fails => open",
        },
        Key {
            name: "open_timeout_multiplier",
            kind: KeyKind::Number,
            default: "1.0",
            doc: "each reopening from half-open without a close in between lasts this many times the previous opening",
        },
        Key {
            name: "max_open_timeout",
            kind: KeyKind::Duration,
            default: "= open_timeout",
            doc: "the longest an opening lasts (with `open_timeout_multiplier`); at least `open_timeout`",
        },
    ];

    /// The keys `#[circuit_breaker]` takes besides [`KEYS`](Self::KEYS): its name and callbacks.
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[
        Key { name: "name", kind: KeyKind::Name, default: "required", doc: "the shared breaker instance" },
        Key {
            name: "should_record",
            kind: KeyKind::Callback { signature: "fn(&Result<T, E>) -> resile::Outcome" },
            default: "`Err` = failure",
            doc: "how an outcome counts: `Success`, `Failure` or `Ignore`",
        },
        Key {
            name: "on_state_change",
            kind: KeyKind::Callback { signature: "fn(name: &str, from: State, to: State)" },
            default: "none",
            doc: "called on every state transition",
        },
    ];

    /// Every key `#[circuit_breaker]` takes, in the order of the attribute's argument table (and of its "expected
    /// one of" list).
    pub const ARGUMENTS: &'static [Key] = &[
        Self::ATTRIBUTE_KEYS[0],
        Self::KEYS[WINDOW],
        Self::KEYS[WINDOW_SIZE],
        Self::KEYS[FAILURE_RATE_THRESHOLD],
        Self::KEYS[SLOW_CALL_THRESHOLD],
        Self::KEYS[SLOW_CALL_RATE_THRESHOLD],
        Self::KEYS[MINIMUM_CALLS],
        Self::KEYS[OPEN_TIMEOUT],
        Self::KEYS[PERMITTED_CALLS_IN_HALF_OPEN],
        Self::ATTRIBUTE_KEYS[1],
        Self::ATTRIBUTE_KEYS[2],
        Self::KEYS[OPEN_TIMEOUT_MULTIPLIER],
        Self::KEYS[MAX_OPEN_TIMEOUT],
    ];

    /// The attribute's defaults: a count window of 100 calls, trip at a 50 % failure rate
    /// after 10 calls, no slow-call tracking, open for 60 s, one half-open probe.
    pub const fn new() -> Self {
        CircuitBreakerConfig {
            window: WindowKind::Count,
            window_size: 100,
            failure_rate_threshold: 0.5,
            slow_call_threshold: None,
            slow_call_rate_threshold: 1.0,
            minimum_calls: 10,
            open_timeout: Duration::from_secs(60),
            permitted_calls_in_half_open: 1,
            open_timeout_multiplier: 1.0,
            max_open_timeout: None,
        }
    }

    /// Sets the window kind.
    pub const fn window(mut self, window: WindowKind) -> Self {
        self.window = window;
        self
    }
    /// Sets `window_size` (calls or seconds).
    pub const fn window_size(mut self, size: u32) -> Self {
        self.window_size = size;
        self
    }
    /// Sets `failure_rate_threshold`.
    pub const fn failure_rate_threshold(mut self, rate: f64) -> Self {
        self.failure_rate_threshold = rate;
        self
    }
    /// Sets `slow_call_threshold`: calls longer than `d` are slow.
    pub const fn slow_call_threshold(mut self, d: Duration) -> Self {
        self.slow_call_threshold = Some(d);
        self
    }
    /// Sets `slow_call_rate_threshold`.
    pub const fn slow_call_rate_threshold(mut self, rate: f64) -> Self {
        self.slow_call_rate_threshold = rate;
        self
    }
    /// Sets `minimum_calls`.
    pub const fn minimum_calls(mut self, n: u32) -> Self {
        self.minimum_calls = n;
        self
    }
    /// Sets `open_timeout`.
    pub const fn open_timeout(mut self, d: Duration) -> Self {
        self.open_timeout = d;
        self
    }
    /// Sets `permitted_calls_in_half_open`.
    pub const fn permitted_calls_in_half_open(mut self, n: u32) -> Self {
        self.permitted_calls_in_half_open = n;
        self
    }
    /// Sets `open_timeout_multiplier`.
    pub const fn open_timeout_multiplier(mut self, m: f64) -> Self {
        self.open_timeout_multiplier = m;
        self
    }
    /// Sets `max_open_timeout`.
    pub const fn max_open_timeout(mut self, d: Duration) -> Self {
        self.max_open_timeout = Some(d);
        self
    }

    /// How long the opening that follows one of `previous` lasts when a half-open probe
    /// fails: `previous × open_timeout_multiplier` rounded to the nearest nanosecond, at
    /// most `max_open_timeout` (and never below `open_timeout`). The first opening after a
    /// close lasts `open_timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::CircuitBreakerConfig;
    ///
    /// let s = Duration::from_secs;
    /// let cfg = CircuitBreakerConfig::new().open_timeout(s(1)).open_timeout_multiplier(2.0).max_open_timeout(s(5));
    /// assert_eq!(cfg.next_open_timeout(s(1)), s(2));
    /// assert_eq!(cfg.next_open_timeout(s(2)), s(4));
    /// assert_eq!(cfg.next_open_timeout(s(4)), s(5));
    /// assert_eq!(cfg.next_open_timeout(s(5)), s(5));
    /// assert_eq!(CircuitBreakerConfig::new().next_open_timeout(s(60)), s(60), "no multiplier");
    /// ```
    pub fn next_open_timeout(&self, previous: Duration) -> Duration {
        let cap = self.max_open_timeout.unwrap_or(self.open_timeout).max(self.open_timeout);
        if self.open_timeout_multiplier == 1.0 {
            return previous.clamp(self.open_timeout, cap);
        }
        let product = previous.as_nanos() as f64 * self.open_timeout_multiplier;
        let next = if product >= cap.as_nanos() as f64 {
            cap
        } else {
            // Below `cap`, so within u64 nanoseconds... unless `cap` is not: Duration's own
            // conversion saturates and the `min` settles it.
            Duration::try_from_secs_f64(product.round() / 1e9).unwrap_or(cap).min(cap)
        };
        next.max(self.open_timeout)
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    ///
    /// ```
    /// use resile_config::{CircuitBreakerConfig, Value, WindowKind};
    ///
    /// let mut cfg = CircuitBreakerConfig::new();
    /// cfg.set("window", Value::Word("time"))?;
    /// cfg.set("failure_rate_threshold", Value::Count(1))?;
    /// assert_eq!((cfg.window, cfg.failure_rate_threshold), (WindowKind::Time, 1.0));
    /// assert_eq!(
    ///     cfg.set("window", Value::Word("sliding")).unwrap_err().to_string(),
    ///     "unknown window `\"sliding\"`; expected one of `\"count\"`, `\"time\"`",
    /// );
    /// # Ok::<(), resile_config::ConfigError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            WINDOW => self.window(WindowKind::from_word(value.word(k)?).expect("one of WindowKind::WORDS")),
            WINDOW_SIZE => self.window_size(value.count(k)?),
            FAILURE_RATE_THRESHOLD => self.failure_rate_threshold(value.number(k)?),
            SLOW_CALL_THRESHOLD => self.slow_call_threshold(value.duration(k)?),
            SLOW_CALL_RATE_THRESHOLD => self.slow_call_rate_threshold(value.number(k)?),
            MINIMUM_CALLS => self.minimum_calls(value.count(k)?),
            OPEN_TIMEOUT => self.open_timeout(value.duration(k)?),
            PERMITTED_CALLS_IN_HALF_OPEN => self.permitted_calls_in_half_open(value.count(k)?),
            OPEN_TIMEOUT_MULTIPLIER => self.open_timeout_multiplier(value.number(k)?),
            MAX_OPEN_TIMEOUT => self.max_open_timeout(value.duration(k)?),
            _ => unreachable!("a key of CircuitBreakerConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error, judging the value as
    /// `#[circuit_breaker]` would judge the shortest attribute that builds it (see
    /// [`RetryConfig::validate`](crate::RetryConfig::validate)).
    ///
    /// ```
    /// use resile_config::CircuitBreakerConfig;
    ///
    /// let err = CircuitBreakerConfig::new().window_size(5).validate().unwrap_err();
    /// assert_eq!(err.key(), "window_size");
    /// assert!(err.to_string().starts_with("the default `minimum_calls` (10) exceeds `window_size` (5)"));
    /// ```
    pub const fn validate(&self) -> Result<(), ConfigError> {
        check::validate!(self)
    }

    /// [`validate`](Self::validate) knowing which keys were written (`given`), so that the
    /// rules about a written key apply too, as the attribute applies them: what a policy
    /// declared in code checks.
    pub const fn validate_given(&self, given: KeySet) -> Result<(), ConfigError> {
        check::validate_given!(self, given)
    }

    /// Every broken rule, `given` holding the keys the user wrote; see
    /// [`RetryConfig::errors`](crate::RetryConfig::errors). The rule about a written key
    /// that has no effect: `slow_call_rate_threshold` without `slow_call_threshold`.
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    const RULES: usize = RULE_MAX_OPEN_TIMEOUT_NOT_BELOW_OPEN_TIMEOUT + 1;

    const fn is_default(&self, i: usize) -> bool {
        match i {
            WINDOW => matches!(self.window, WindowKind::Count),
            WINDOW_SIZE => self.window_size == DEFAULT.window_size,
            FAILURE_RATE_THRESHOLD => self.failure_rate_threshold == DEFAULT.failure_rate_threshold,
            SLOW_CALL_THRESHOLD => self.slow_call_threshold.is_none(),
            SLOW_CALL_RATE_THRESHOLD => self.slow_call_rate_threshold == DEFAULT.slow_call_rate_threshold,
            MINIMUM_CALLS => self.minimum_calls == DEFAULT.minimum_calls,
            OPEN_TIMEOUT => same(self.open_timeout, DEFAULT.open_timeout),
            PERMITTED_CALLS_IN_HALF_OPEN => self.permitted_calls_in_half_open == DEFAULT.permitted_calls_in_half_open,
            OPEN_TIMEOUT_MULTIPLIER => self.open_timeout_multiplier == DEFAULT.open_timeout_multiplier,
            _ => self.max_open_timeout.is_none(),
        }
    }

    const fn is_set(&self, i: usize, given: KeySet) -> bool {
        given.contains(Self::KEYS[i].name) || !self.is_default(i)
    }

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            WINDOW_SIZE if self.window_size < 1 => Problem::AtLeast { min: 1, found: self.window_size as u64 },
            WINDOW_SIZE if self.window_size > MAX_WINDOW_SIZE => {
                Problem::AtMost { max: MAX_WINDOW_SIZE as u64, found: self.window_size as u64 }
            }
            // Zero would trip on the first failures; the negation also rejects NaN.
            FAILURE_RATE_THRESHOLD if !is_rate(self.failure_rate_threshold) => {
                Problem::Rate { found: self.failure_rate_threshold }
            }
            SLOW_CALL_THRESHOLD => match self.slow_call_threshold {
                Some(d) if d.is_zero() => Problem::Zero,
                _ => return None,
            },
            SLOW_CALL_RATE_THRESHOLD if !is_rate(self.slow_call_rate_threshold) => {
                Problem::Rate { found: self.slow_call_rate_threshold }
            }
            MINIMUM_CALLS if self.minimum_calls < 1 => Problem::AtLeast { min: 1, found: self.minimum_calls as u64 },
            OPEN_TIMEOUT if self.open_timeout.is_zero() => Problem::Zero,
            PERMITTED_CALLS_IN_HALF_OPEN if self.permitted_calls_in_half_open < 1 => {
                Problem::AtLeast { min: 1, found: self.permitted_calls_in_half_open as u64 }
            }
            OPEN_TIMEOUT_MULTIPLIER if !self.open_timeout_multiplier.is_finite() => {
                Problem::NotFinite { found: self.open_timeout_multiplier }
            }
            // Below 1.0 an opening would be shorter than the last: probing faster the longer
            // the downstream stays down.
            OPEN_TIMEOUT_MULTIPLIER if self.open_timeout_multiplier < 1.0 => {
                Problem::NumberAtLeast { min: 1.0, found: self.open_timeout_multiplier }
            }
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        match r {
            // A count window of N calls never holds more than N: a larger `minimum_calls`
            // would keep the breaker closed forever.
            RULE_MINIMUM_CALLS_FIT_WINDOW => {
                if !matches!(self.window, WindowKind::Count) || self.minimum_calls <= self.window_size {
                    return None;
                }
                let minimum_calls_set = self.is_set(MINIMUM_CALLS, given);
                let problem = Problem::MinimumCallsAboveWindow {
                    minimum_calls: self.minimum_calls as u64,
                    minimum_calls_default: !minimum_calls_set,
                    window_size: self.window_size as u64,
                    window_size_default: !self.is_set(WINDOW_SIZE, given),
                };
                Some(ConfigError::new(check::blame("minimum_calls", minimum_calls_set, "window_size"), problem))
            }
            // A written `slow_call_rate_threshold` needs a `slow_call_threshold`.
            RULE_SLOW_RATE_NEEDS_THRESHOLD => {
                if given.contains("slow_call_rate_threshold") && self.slow_call_threshold.is_none() {
                    let problem = Problem::NeedsKey { other: "slow_call_threshold", example: "\"500ms\"" };
                    return Some(ConfigError::new("slow_call_rate_threshold", problem));
                }
                None
            }
            // `open_timeout` <= `max_open_timeout`: the cap bounds the openings from above.
            RULE_MAX_OPEN_TIMEOUT_NOT_BELOW_OPEN_TIMEOUT => match self.max_open_timeout {
                Some(max) if longer(self.open_timeout, max) => {
                    let problem = Problem::NotAbove {
                        low: "open_timeout",
                        low_value: self.open_timeout,
                        high: "max_open_timeout",
                        high_value: max,
                        high_default: false,
                    };
                    Some(ConfigError::new("max_open_timeout", problem))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// Within `0.0 (exclusive) ..= 1.0`.
const fn is_rate(v: f64) -> bool {
    v > 0.0 && v <= 1.0
}

impl Rules for CircuitBreakerConfig {
    const KEYS: &'static [Key] = CircuitBreakerConfig::KEYS;
    const RULES: usize = CircuitBreakerConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        CircuitBreakerConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        CircuitBreakerConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            WINDOW => self.window = DEFAULT.window,
            WINDOW_SIZE => self.window_size = DEFAULT.window_size,
            FAILURE_RATE_THRESHOLD => self.failure_rate_threshold = DEFAULT.failure_rate_threshold,
            SLOW_CALL_THRESHOLD => self.slow_call_threshold = DEFAULT.slow_call_threshold,
            SLOW_CALL_RATE_THRESHOLD => self.slow_call_rate_threshold = DEFAULT.slow_call_rate_threshold,
            MINIMUM_CALLS => self.minimum_calls = DEFAULT.minimum_calls,
            OPEN_TIMEOUT => self.open_timeout = DEFAULT.open_timeout,
            PERMITTED_CALLS_IN_HALF_OPEN => {
                self.permitted_calls_in_half_open = DEFAULT.permitted_calls_in_half_open;
            }
            OPEN_TIMEOUT_MULTIPLIER => self.open_timeout_multiplier = DEFAULT.open_timeout_multiplier,
            _ => self.max_open_timeout = DEFAULT.max_open_timeout,
        }
    }
}
