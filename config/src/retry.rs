//! [`RetryConfig`]: the checked, immutable settings of a retry policy.

use std::cmp::Ordering;
use std::time::Duration;

use crate::check::{self, Rules};
use crate::duration::{self, longer, same};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// How the delay before each retry grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// `base_delay × multiplier^(n-1)` before retry `n`.
    Exponential,
    /// `base_delay + increment × (n-1)` before retry `n`.
    Linear,
    /// `base_delay` before every retry.
    Constant,
    /// `base_delay × fib(n)` before retry `n`, with fib = 1, 1, 2, 3, 5, 8, …
    Fibonacci,
    /// Exactly these delays, one per retry (`max` = len + 1).
    List(&'static [Duration]),
}

impl Backoff {
    /// The words `backoff` takes (besides a list of delays).
    pub const WORDS: &'static [&'static str] = &["exp", "exponential", "linear", "constant", "fibonacci"];

    /// The backoff a word names (`"exp"` and `"exponential"` are the same).
    pub fn from_word(word: &str) -> Option<Backoff> {
        Some(match word {
            "exp" | "exponential" => Backoff::Exponential,
            "linear" => Backoff::Linear,
            "constant" => Backoff::Constant,
            "fibonacci" => Backoff::Fibonacci,
            _ => return None,
        })
    }

    /// The word for this backoff, `None` for a list.
    pub const fn word(&self) -> Option<&'static str> {
        match self {
            Backoff::Exponential => Some("exp"),
            Backoff::Linear => Some("linear"),
            Backoff::Constant => Some("constant"),
            Backoff::Fibonacci => Some("fibonacci"),
            Backoff::List(_) => None,
        }
    }
}

/// How each delay is randomised, so that many clients do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// The computed delay, exactly.
    None,
    /// A uniform time in `[0, d]`.
    Full,
    /// A uniform time in `[d/2, d]`.
    Equal,
    /// A uniform time in `[base_delay, 3 × previous sleep]`, capped at `max_delay` (AWS
    /// "decorrelated jitter": `min(cap, uniform(base, 3 × previous))`).
    ///
    /// It is a backoff of its own: the delays grow from `base_delay` by up to 3× per retry,
    /// whatever the backoff shape. So it only goes with `backoff = "exp"` (the default), whose
    /// nominal delays it replaces; `validate` rejects it with a backoff list, with
    /// `backoff = "linear"`, `"constant"` or `"fibonacci"`, with a written `multiplier`
    /// (which it would ignore), and with a zero `base_delay` (every delay would be 0).
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::{Backoff, Jitter, RetryConfig};
    ///
    /// let cfg = RetryConfig::new().jitter(Jitter::Decorrelated);
    /// assert!(cfg.validate().is_ok());
    /// assert_eq!(
    ///     cfg.backoff(Backoff::Linear).validate().unwrap_err().to_string(),
    ///     "`backoff = \"linear\"` has no effect with `jitter = \"decorrelated\"`, which draws each \
    ///      delay from `base_delay` up to 3 × the previous one; remove `backoff`, or use another jitter",
    /// );
    /// assert_eq!(
    ///     cfg.base_delay(Duration::ZERO).validate().unwrap_err().to_string(),
    ///     "decorrelated jitter grows from `base_delay`: with 0 every delay is 0; set `base_delay` \
    ///      above zero, or use another jitter",
    /// );
    /// ```
    Decorrelated,
    /// `d` times a uniform factor in `[1 - p, 1 + p]`, for `0.0 <= p <= 1.0`.
    Proportional(f64),
}

impl Jitter {
    /// The words `jitter` takes (besides a proportion).
    pub const WORDS: &'static [&'static str] = &["none", "full", "equal", "decorrelated"];

    /// The jitter a word names.
    pub fn from_word(word: &str) -> Option<Jitter> {
        Some(match word {
            "none" => Jitter::None,
            "full" => Jitter::Full,
            "equal" => Jitter::Equal,
            "decorrelated" => Jitter::Decorrelated,
            _ => return None,
        })
    }

    /// The word for this jitter, `None` for a proportion.
    pub const fn word(&self) -> Option<&'static str> {
        match self {
            Jitter::None => Some("none"),
            Jitter::Full => Some("full"),
            Jitter::Equal => Some("equal"),
            Jitter::Decorrelated => Some("decorrelated"),
            Jitter::Proportional(_) => None,
        }
    }
}

/// The settings of a retry policy. Build it with the `const fn` setters and check it with
/// [`RetryConfig::validate`] (the attributes run the same checks at compile time).
///
/// ```
/// use std::time::Duration;
/// use resile_config::{Backoff, Jitter, RetryConfig};
///
/// const CFG: RetryConfig = RetryConfig::new()
///     .max(5)
///     .backoff(Backoff::Exponential)
///     .base_delay(Duration::from_millis(100))
///     .jitter(Jitter::None);
/// assert!(CFG.validate().is_ok());
/// // 100 + 200 + 400 + 800 ms of sleep across 5 attempts:
/// let total: Duration = (1..5).map(|n| CFG.nominal_delay(n)).sum();
/// assert_eq!(total, Duration::from_millis(1500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Attempts, the first included: `3` is the first attempt and up to 2 retries; `1` means
    /// no retry. Default 3.
    pub max: u32,
    /// Delay growth. Default [`Backoff::Exponential`].
    pub backoff: Backoff,
    /// First retry delay. Default 100 ms.
    pub base_delay: Duration,
    /// Cap on any single delay. Default 5 s.
    pub max_delay: Duration,
    /// Exponential growth factor. Default 2.0.
    pub multiplier: f64,
    /// Linear step; `None` means `base_delay`.
    pub increment: Option<Duration>,
    /// Randomisation. Default [`Jitter::Full`].
    pub jitter: Jitter,
    /// Total wall-clock budget: no retry starts a sleep that would end past it.
    pub budget: Option<Duration>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::new()
    }
}

const MAX: usize = keys::index(RetryConfig::KEYS, "max");
const BACKOFF: usize = keys::index(RetryConfig::KEYS, "backoff");
const BASE_DELAY: usize = keys::index(RetryConfig::KEYS, "base_delay");
const MAX_DELAY: usize = keys::index(RetryConfig::KEYS, "max_delay");
const MULTIPLIER: usize = keys::index(RetryConfig::KEYS, "multiplier");
const INCREMENT: usize = keys::index(RetryConfig::KEYS, "increment");
const JITTER: usize = keys::index(RetryConfig::KEYS, "jitter");
const BUDGET: usize = keys::index(RetryConfig::KEYS, "budget");

const DEFAULT: RetryConfig = RetryConfig::new();

// The rules across keys, by number.
const RULE_BASE_DELAY_WITHIN_MAX_DELAY: usize = 0;
const RULE_LIST_SETS_MAX: usize = 1;
const RULE_LIST_WITHIN_MAX_DELAY: usize = 2;
const RULE_MULTIPLIER_NEEDS_EXP: usize = 3;
const RULE_INCREMENT_NEEDS_LINEAR: usize = 4;
const RULE_DECORRELATED_NO_LIST: usize = 5;
const RULE_DECORRELATED_NO_SHAPE: usize = 6;
const RULE_DECORRELATED_NO_MULTIPLIER: usize = 7;
const RULE_DECORRELATED_FROM_NONZERO: usize = 8;

impl RetryConfig {
    /// The keys a `RetryConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key { name: "max", kind: KeyKind::Count, default: "3", doc: "attempts, the first included; `1` = no retry" },
        Key {
            name: "backoff",
            kind: KeyKind::WordOrDurations(Backoff::WORDS),
            default: "\"exp\"",
            doc: "how the delays grow, or a list of delays (then `max` = len + 1)",
        },
        Key { name: "base_delay", kind: KeyKind::Duration, default: "\"100ms\"", doc: "first retry delay" },
        Key { name: "max_delay", kind: KeyKind::Duration, default: "\"5s\"", doc: "cap on any single delay" },
        Key {
            name: "multiplier",
            kind: KeyKind::Number,
            default: "2.0",
            doc: "exponential growth factor, at least 1.0",
        },
        Key { name: "increment", kind: KeyKind::Duration, default: "= base_delay", doc: "linear step" },
        Key {
            name: "jitter",
            kind: KeyKind::WordOrProportion(Jitter::WORDS),
            default: "\"full\"",
            doc: "how each delay is randomised, or a proportion `p` (±p)",
        },
        Key {
            name: "budget",
            kind: KeyKind::Duration,
            default: "none",
            doc: "total wall-clock budget: stop when the next sleep would pass it",
        },
    ];

    /// The keys `#[retry]` takes besides [`KEYS`](Self::KEYS): callbacks and names.
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[
        Key {
            name: "retry_if",
            kind: KeyKind::Callback { signature: "fn(&E) -> bool" },
            default: "every `Err`",
            doc: "which errors are retried",
        },
        Key {
            name: "on_retry",
            kind: KeyKind::Callback { signature: "fn(attempt: u32, delay: Duration, err: &E)" },
            default: "none",
            doc: "called before each retry's sleep",
        },
        Key {
            name: "retry_budget",
            kind: KeyKind::Name,
            default: "none",
            doc: "name of a shared retry budget; a denied retry stops and returns the last error",
        },
        Key {
            name: "retry_after",
            kind: KeyKind::Callback { signature: "fn(&E) -> Option<Duration>" },
            default: "none",
            doc: "the wait the error asks for: the sleep is max(backoff delay, hint); a hint above `max_delay` or past `budget` stops",
        },
    ];

    /// Every key `#[retry]` takes, in the order of the attribute's argument table (and of its "expected one of" list).
    pub const ARGUMENTS: &'static [Key] = &[
        Self::KEYS[MAX],
        Self::KEYS[BACKOFF],
        Self::KEYS[BASE_DELAY],
        Self::KEYS[MAX_DELAY],
        Self::KEYS[MULTIPLIER],
        Self::KEYS[INCREMENT],
        Self::KEYS[JITTER],
        Self::KEYS[BUDGET],
        Self::ATTRIBUTE_KEYS[0],
        Self::ATTRIBUTE_KEYS[1],
        Self::ATTRIBUTE_KEYS[2],
        Self::ATTRIBUTE_KEYS[3],
    ];

    /// The attribute's defaults: 3 attempts, exponential from 100 ms ×2, capped at 5 s, full jitter.
    pub const fn new() -> Self {
        RetryConfig {
            max: 3,
            backoff: Backoff::Exponential,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            multiplier: 2.0,
            increment: None,
            jitter: Jitter::Full,
            budget: None,
        }
    }

    /// Sets `max` (total attempts).
    pub const fn max(mut self, max: u32) -> Self {
        self.max = max;
        self
    }
    /// Sets the backoff shape; a [`Backoff::List`] also sets `max` to its length + 1.
    pub const fn backoff(mut self, backoff: Backoff) -> Self {
        if let Backoff::List(list) = backoff {
            self.max = list.len() as u32 + 1;
        }
        self.backoff = backoff;
        self
    }
    /// Sets `base_delay`.
    pub const fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }
    /// Sets `max_delay`.
    pub const fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }
    /// Sets the exponential `multiplier`.
    pub const fn multiplier(mut self, m: f64) -> Self {
        self.multiplier = m;
        self
    }
    /// Sets the linear `increment`.
    pub const fn increment(mut self, d: Duration) -> Self {
        self.increment = Some(d);
        self
    }
    /// Sets the jitter.
    pub const fn jitter(mut self, j: Jitter) -> Self {
        self.jitter = j;
        self
    }
    /// Sets the total wall-clock `budget`.
    pub const fn budget(mut self, d: Duration) -> Self {
        self.budget = Some(d);
        self
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule (not the rules across keys: see [`errors`](Self::errors)). On an error
    /// the config is unchanged.
    ///
    /// Errors: an unknown key, a value of the wrong kind or an unknown word (see
    /// [`Value`]), a count above `u32::MAX`, or a value that breaks the key's own rule. A
    /// backoff list is leaked to `'static` (see [`Value::Durations`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::{RetryConfig, Value};
    ///
    /// let mut cfg = RetryConfig::new();
    /// cfg.set("backoff", Value::Word("linear"))?;
    /// cfg.set("base_delay", Value::Duration(Duration::from_millis(50)))?;
    /// assert_eq!(cfg.set("max", Value::Count(0)).unwrap_err().to_string(), "`max` must be at least 1, found 0");
    /// assert_eq!(cfg.max, 3);
    /// # Ok::<(), resile_config::ConfigError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            MAX => self.max(value.count(k)?),
            BACKOFF => match value {
                Value::Durations(_) => self.backoff(Backoff::List(value.durations(k)?)),
                _ => self.backoff(Backoff::from_word(value.word(k)?).expect("one of Backoff::WORDS")),
            },
            BASE_DELAY => self.base_delay(value.duration(k)?),
            MAX_DELAY => self.max_delay(value.duration(k)?),
            MULTIPLIER => self.multiplier(value.number(k)?),
            INCREMENT => self.increment(value.duration(k)?),
            JITTER => match value {
                Value::Word(_) => self.jitter(Jitter::from_word(value.word(k)?).expect("one of Jitter::WORDS")),
                _ => self.jitter(Jitter::Proportional(value.number(k)?)),
            },
            BUDGET => self.budget(value.duration(k)?),
            _ => unreachable!("a key of RetryConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error: the rules of each key's own
    /// value, then the rules across keys, judging the value as `#[retry]` would judge the
    /// shortest attribute that builds it (see [`errors`](Self::errors) with an empty
    /// `given`). A `const fn`, so a `const` config can be checked at compile time:
    ///
    /// ```
    /// use resile_config::RetryConfig;
    ///
    /// const CFG: RetryConfig = RetryConfig::new().max(5);
    /// const _: () = assert!(CFG.validate().is_ok());
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

    /// Every broken rule, for diagnostics that report all mistakes at once. `given` holds
    /// the keys the user wrote:
    /// - the rules of each key's own value come first (each [`Blame::Value`](crate::Blame::Value));
    /// - then the rules across keys, on a copy where every key that broke its own rule is
    ///   back at its default and no longer given, so one bad value is reported once;
    /// - a key is written "the default `max_delay` (5s)" when it is not given and holds its
    ///   default, and a rule across keys blames the first of its keys that is given (or
    ///   differs from its default);
    /// - the rules about a written key that has no effect (`multiplier` without
    ///   `backoff = "exp"`, `increment` without `"linear"`, `max` next to a list) fire only
    ///   for keys in `given`: a config value cannot tell a written key from a default.
    ///
    /// ```
    /// use resile_config::{Backoff, KeySet, RetryConfig};
    ///
    /// let cfg = RetryConfig::new().max(0).backoff(Backoff::Linear).multiplier(3.0);
    /// let errors = cfg.errors(KeySet::of(&["max", "backoff", "multiplier"]));
    /// let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    /// assert_eq!(messages, [
    ///     "`max` must be at least 1, found 0",
    ///     "`multiplier` only applies to `backoff = \"exp\"`; remove it or change `backoff`",
    /// ]);
    /// assert!(cfg.max(3).validate().is_ok()); // a multiplier nobody wrote is no mistake
    /// ```
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    /// The delay before retry `n` (from 1; 0 counts as 1) before jitter:
    /// `min(formula(n), max_delay)`, exactly, in whole nanoseconds, for every `n` up to
    /// `u32::MAX`. With `b` = `base_delay` and `c` = `max_delay` in nanoseconds and
    /// `k = n - 1`, `formula(n)` is:
    ///
    /// - exponential: `b × m^k` for the `multiplier` `m`. Exact integer arithmetic when `m`
    ///   is a whole number (`1.0`, `2.0`, `3.0`, and every `m` from 2^52 on, `1e300` and
    ///   `f64::MAX` included). For a fractional `m` (below 2^52), it is `floor(b × P(k))`,
    ///   where `P(k)` is `m^k` computed by left-to-right binary exponentiation (for each bit
    ///   of `k` from the highest: square, then multiply by `m` if the bit is set) with a
    ///   128-bit significand, each product rounded down. Raised by the later squarings,
    ///   the roundings add up to at most `4k × 2^-127`, so `P(k)` is within a factor
    ///   `1 - 2^-93` below the exact `m^k`, never above it: the delay
    ///   is at most 2 ns below `floor(b × m^k)` (f64 arithmetic would be off by far more).
    ///   `P(k)` is strictly increasing in `k`, as `m >= 1 + 2^-52`, but the delay, rounded
    ///   down to whole nanoseconds, is only non-decreasing: with `b` = 1 ns and `m` = 1.5 it
    ///   is 1, 1, 2, 3 ns (`P` = 1, 1.5, 2.25, 3.375).
    /// - linear: `b + i × k`, `i` the `increment` (default `b`).
    /// - constant: `b`.
    /// - fibonacci: `b × fib(n)`, with `fib(1) = fib(2) = 1`.
    /// - a list: its `n`-th delay, and its last one for `n` beyond it.
    ///
    /// All but a list are non-decreasing in `n`, so once a delay reaches `c` every later one
    /// is `c`; a zero `b` gives zero for every `n`. Values `validate` rejects do not panic
    /// either: a `multiplier` below 1 or NaN counts as 1, and `+inf` as above any bound.
    ///
    /// Cost: no float rounding and no loop of `n` steps. Exponential makes at most 64
    /// multiplications (two per bit of `k`; 128 × 128-bit ones for a fractional `m`),
    /// stopping as soon as the value is known to reach `c`; Fibonacci at most 136
    /// additions (it stops at `c`); the others a few integer operations.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::{Backoff, RetryConfig};
    ///
    /// let exp = RetryConfig::new().base_delay(Duration::from_nanos(3)).max_delay(Duration::MAX);
    /// assert_eq!(exp.nominal_delay(4), Duration::from_nanos(24));
    /// assert_eq!(exp.nominal_delay(u32::MAX), Duration::MAX);
    /// let zero = exp.base_delay(Duration::ZERO).multiplier(1e300);
    /// assert_eq!(zero.nominal_delay(u32::MAX), Duration::ZERO);
    /// let slow = exp.base_delay(Duration::from_nanos(1)).multiplier(1.5);
    /// let nanos: Vec<u128> = (1..=4).map(|n| slow.nominal_delay(n).as_nanos()).collect();
    /// assert_eq!(nanos, [1, 1, 2, 3]); // non-decreasing, not strictly increasing
    /// let fib = exp.backoff(Backoff::Fibonacci);
    /// assert_eq!(fib.nominal_delay(90), Duration::from_nanos(3 * 2_880_067_194_370_816_120));
    /// ```
    pub fn nominal_delay(&self, n: u32) -> Duration {
        let k = n.max(1) - 1;
        let b = self.base_delay.as_nanos();
        let c = self.max_delay.as_nanos();
        let nanos = match self.backoff {
            Backoff::Exponential => exponential(b, self.multiplier, k, c),
            Backoff::Linear => {
                // Below 2^94 + 2^94 × 2^32: no overflow.
                let i = self.increment.unwrap_or(self.base_delay).as_nanos();
                b + i * k as u128
            }
            Backoff::Constant => b,
            Backoff::Fibonacci => fibonacci(b, k + 1, c),
            Backoff::List(list) => list.get(k as usize).or(list.last()).copied().unwrap_or_default().as_nanos(),
        };
        duration::from_nanos(nanos.min(c))
    }

    const RULES: usize = RULE_DECORRELATED_FROM_NONZERO + 1;

    /// `max` when nobody sets it: 3, or the list's length + 1.
    const fn implied_max(&self) -> u32 {
        match self.backoff {
            Backoff::List(list) => list.len() as u32 + 1,
            _ => DEFAULT.max,
        }
    }

    /// Whether `KEYS[i]` holds the value it has when nobody sets it.
    const fn is_default(&self, i: usize) -> bool {
        match i {
            MAX => self.max == self.implied_max(),
            BACKOFF => matches!(self.backoff, Backoff::Exponential),
            BASE_DELAY => same(self.base_delay, DEFAULT.base_delay),
            MAX_DELAY => same(self.max_delay, DEFAULT.max_delay),
            MULTIPLIER => self.multiplier == DEFAULT.multiplier,
            INCREMENT => self.increment.is_none(),
            JITTER => matches!(self.jitter, Jitter::Full),
            _ => self.budget.is_none(),
        }
    }

    const fn is_set(&self, i: usize, given: KeySet) -> bool {
        given.contains(Self::KEYS[i].name) || !self.is_default(i)
    }

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            MAX if self.max < 1 => Problem::AtLeast { min: 1, found: self.max as u64 },
            BACKOFF => match self.backoff {
                Backoff::List([]) => Problem::EmptyList,
                _ => return None,
            },
            MULTIPLIER if !self.multiplier.is_finite() => Problem::NotFinite { found: self.multiplier },
            MULTIPLIER if self.multiplier < 1.0 => Problem::NumberAtLeast { min: 1.0, found: self.multiplier },
            JITTER => match self.jitter {
                Jitter::Proportional(p) if !(p >= 0.0 && p <= 1.0) => Problem::Within { min: 0.0, max: 1.0, found: p },
                _ => return None,
            },
            BUDGET => match self.budget {
                Some(d) if d.is_zero() => Problem::Zero,
                _ => return None,
            },
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        match r {
            // `base_delay` <= `max_delay`.
            RULE_BASE_DELAY_WITHIN_MAX_DELAY => {
                if longer(self.base_delay, self.max_delay) {
                    let high_default = !self.is_set(MAX_DELAY, given);
                    let key = check::blame("base_delay", self.is_set(BASE_DELAY, given), "max_delay");
                    let problem = Problem::NotAbove {
                        low: "base_delay",
                        low_value: self.base_delay,
                        high: "max_delay",
                        high_value: self.max_delay,
                        high_default,
                    };
                    return Some(ConfigError::new(key, problem));
                }
                None
            }
            // A backoff list sets `max`: it may not be written too, nor differ from len + 1.
            RULE_LIST_SETS_MAX => match self.backoff {
                Backoff::List(list) if given.contains("max") || self.max != self.implied_max() => {
                    Some(ConfigError::new("max", Problem::MaxWithList { list_max: list.len() as u64 + 1 }))
                }
                _ => None,
            },
            // Every delay of a backoff list is within `max_delay`.
            RULE_LIST_WITHIN_MAX_DELAY => match self.backoff {
                Backoff::List(list) => {
                    let mut index = 0;
                    while index < list.len() {
                        if longer(list[index], self.max_delay) {
                            let problem =
                                Problem::ListDelayAboveMax { index, delay: list[index], max_delay: self.max_delay };
                            return Some(ConfigError::new("backoff", problem));
                        }
                        index += 1;
                    }
                    None
                }
                _ => None,
            },
            // A written `multiplier` needs `backoff = "exp"`.
            RULE_MULTIPLIER_NEEDS_EXP => match self.backoff {
                Backoff::Exponential => None,
                _ if given.contains("multiplier") => {
                    Some(ConfigError::new("multiplier", Problem::OnlyWithBackoff { backoff: "exp" }))
                }
                _ => None,
            },
            // A written `increment` needs `backoff = "linear"`.
            RULE_INCREMENT_NEEDS_LINEAR => match self.backoff {
                Backoff::Linear => None,
                _ if given.contains("increment") => {
                    Some(ConfigError::new("increment", Problem::OnlyWithBackoff { backoff: "linear" }))
                }
                _ => None,
            },
            // Decorrelated jitter is a backoff of its own: a list would be dropped.
            RULE_DECORRELATED_NO_LIST => match (self.jitter, self.backoff) {
                (Jitter::Decorrelated, Backoff::List(_)) => {
                    Some(ConfigError::new("jitter", Problem::DecorrelatedWithList))
                }
                _ => None,
            },
            // ... and so would a shape other than the default `"exp"`.
            RULE_DECORRELATED_NO_SHAPE => match (self.jitter, self.backoff.word()) {
                (Jitter::Decorrelated, Some(backoff)) if !matches!(self.backoff, Backoff::Exponential) => {
                    Some(ConfigError::new("backoff", Problem::DecorrelatedWithBackoff { backoff }))
                }
                _ => None,
            },
            // ... and a written `multiplier` (with `"exp"`: the rule above covers the others).
            RULE_DECORRELATED_NO_MULTIPLIER => match (self.jitter, self.backoff) {
                (Jitter::Decorrelated, Backoff::Exponential) if given.contains("multiplier") => {
                    Some(ConfigError::new("multiplier", Problem::DecorrelatedWithMultiplier))
                }
                _ => None,
            },
            // Decorrelated delays grow from `base_delay`: from 0 they stay 0.
            RULE_DECORRELATED_FROM_NONZERO => match (self.jitter, self.backoff) {
                (Jitter::Decorrelated, Backoff::List(_)) => None,
                (Jitter::Decorrelated, _) if self.base_delay.is_zero() => {
                    Some(ConfigError::new("base_delay", Problem::DecorrelatedFromZero))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

impl Rules for RetryConfig {
    const KEYS: &'static [Key] = RetryConfig::KEYS;
    const RULES: usize = RetryConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        RetryConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        RetryConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            MAX => self.max = self.implied_max(),
            BACKOFF => self.backoff = DEFAULT.backoff,
            BASE_DELAY => self.base_delay = DEFAULT.base_delay,
            MAX_DELAY => self.max_delay = DEFAULT.max_delay,
            MULTIPLIER => self.multiplier = DEFAULT.multiplier,
            INCREMENT => self.increment = DEFAULT.increment,
            JITTER => self.jitter = DEFAULT.jitter,
            _ => self.budget = DEFAULT.budget,
        }
    }
}

/// Every `Duration` is below 2^94 ns: a factor at least this large takes any nonzero
/// delay past any cap.
const BEYOND_ANY_CAP: u128 = 1 << 94;

/// `min(b × m^k, c)` in nanoseconds, as [`RetryConfig::nominal_delay`] defines it.
fn exponential(b: u128, m: f64, k: u32, c: u128) -> u128 {
    if b == 0 || k == 0 || m.partial_cmp(&1.0) != Some(Ordering::Greater) {
        return b;
    }
    if m >= BEYOND_ANY_CAP as f64 {
        return c;
    }
    if m.fract() == 0.0 {
        return whole_power(b, m as u128, k, c);
    }
    fractional_power(b, m, k, c)
}

/// `min(b × m^k, c)` exactly, for `b >= 1` and a whole `m >= 2`: exponentiation by
/// squaring, stopping once `m^(a prefix of k) > c` (then `b × m^k > c` too).
fn whole_power(b: u128, m: u128, k: u32, c: u128) -> u128 {
    let mut r: u128 = 1;
    for bit in (0..u32::BITS - k.leading_zeros()).rev() {
        r = match r.checked_mul(r) {
            Some(r) if r <= c => r,
            _ => return c,
        };
        if k >> bit & 1 == 1 {
            r = match r.checked_mul(m) {
                Some(r) if r <= c => r,
                _ => return c,
            };
        }
    }
    b.checked_mul(r).map_or(c, |d| d.min(c))
}

/// A number `significand × 2^exponent`, with the significand's top bit set.
#[derive(Clone, Copy)]
struct Wide {
    significand: u128,
    exponent: i32,
}

impl Wide {
    const ONE: Wide = Wide { significand: 1 << 127, exponent: -127 };

    /// `self × other`, rounded down to a 128-bit significand.
    fn mul_down(self, other: Wide) -> Wide {
        let [high, low] = duration::mul_wide(self.significand, other.significand);
        let exponent = self.exponent + other.exponent;
        match high >> 127 {
            1 => Wide { significand: high, exponent: exponent + 128 },
            _ => Wide { significand: high << 1 | low >> 127, exponent: exponent + 127 },
        }
    }

    /// Whether `self >= 2^94` is certain (and `self < 2^94` when not).
    fn beyond_any_cap(self) -> bool {
        self.exponent + 127 >= 94
    }
}

/// `min(floor(b × P(k)), c)` for `b >= 1` and a fractional `1 < m < 2^52`, with `P(k)` as
/// [`RetryConfig::nominal_delay`] defines it. Every partial product is at least 1 and
/// rounding down keeps a product of numbers at least 1 above each factor, so the partial
/// products only grow: once one is 2^94 or more, so is `P(k)`, and the result is `c`.
fn fractional_power(b: u128, m: f64, k: u32, c: u128) -> u128 {
    let (significand, exponent) = duration::binary(m);
    let zeros = significand.leading_zeros() + 64;
    let m = Wide { significand: u128::from(significand) << zeros, exponent: exponent - zeros as i32 };
    let mut r = Wide::ONE;
    for bit in (0..u32::BITS - k.leading_zeros()).rev() {
        r = r.mul_down(r);
        if k >> bit & 1 == 1 {
            r = r.mul_down(m);
        }
        if r.beyond_any_cap() {
            return c;
        }
    }
    // r < 2^94 has an exponent below -33: b × r is b × significand shifted right.
    duration::shr(duration::mul_wide(b, r.significand), r.exponent.unsigned_abs()).min(c)
}

/// `min(b × fib(n), c)` for `n >= 1`, with fib = 1, 1, 2, 3, 5, …: at most 136 steps, as
/// `fib(137)` ns is longer than `Duration::MAX`.
fn fibonacci(b: u128, n: u32, c: u128) -> u128 {
    if b == 0 {
        return 0;
    }
    let (mut previous, mut fib) = (0u128, 1u128);
    for _ in 1..n {
        (previous, fib) = (fib, previous + fib);
        if b.checked_mul(fib).is_none_or(|d| d >= c) {
            return c;
        }
    }
    b * fib
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole nanoseconds of a fractional power are non-decreasing, not strictly increasing.
    #[test]
    fn a_fractional_multiplier_repeats_a_whole_nanosecond() {
        let cfg = RetryConfig::new().base_delay(Duration::from_nanos(1)).multiplier(1.5).max_delay(Duration::MAX);
        let nanos: Vec<u128> = (1..=4).map(|n| cfg.nominal_delay(n).as_nanos()).collect();
        assert_eq!(nanos, [1, 1, 2, 3]);
        let nanos: Vec<u128> = (1..=200).map(|n| cfg.nominal_delay(n).as_nanos()).collect();
        assert!(nanos.windows(2).all(|w| w[0] <= w[1]));
    }
}
