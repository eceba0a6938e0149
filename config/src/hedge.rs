//! [`HedgeConfig`]: the checked, immutable settings of a hedging policy.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::duration::{longer, same};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// The settings of a hedging policy, one field per `#[hedge]` key. Build it with the
/// `const fn` setters and check it with [`HedgeConfig::validate`] (the attribute runs the
/// same checks at compile time).
///
/// Two groups of keys live in different places at run time:
/// - per call site: `delay`, `max_requests`, `timeout` (and the hooks);
/// - per tracker (shared by every site that uses the same `name`): `percentile`,
///   `buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay` and the
///   `token_*` budget. The first site to use a name sets these; see
///   [`same_tracker_settings`](HedgeConfig::same_tracker_settings).
///
/// ```
/// use std::time::Duration;
/// use resile_config::HedgeConfig;
///
/// const CFG: HedgeConfig = HedgeConfig::new()
///     .percentile(95.0)
///     .max_requests(3)
///     .timeout(Duration::from_secs(2));
/// assert!(CFG.validate().is_ok());
/// // The budget's long-run hedge rate: at most one hedge per ten successful calls.
/// assert_eq!(CFG.token_success_credit / CFG.token_hedge_cost, 0.1);
/// // A hedge delay that is not shorter than the deadline could never fire:
/// let bad = HedgeConfig::new().delay(Duration::from_secs(1)).timeout(Duration::from_secs(1));
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgeConfig {
    /// Static mode: the delay before each extra attempt, counted from the start of the
    /// previous attempt. Ignored when `percentile` is set. Default 100 ms; zero starts every
    /// attempt at once.
    pub delay: Duration,
    /// Adaptive mode: the delay is this percentile, `0.0 < p < 100.0`, of recent call
    /// latencies. Default `None` (static mode).
    pub percentile: Option<f64>,
    /// Attempts started per call, the first included (`2`: the first and at most one hedge);
    /// `1` disables hedging. Default 2.
    pub max_requests: u32,
    /// Overall deadline of the call; when it passes every attempt is dropped and the call
    /// returns `Rejection::TimedOut`. Default `None`.
    pub timeout: Option<Duration>,
    /// Adaptive mode: how many recent latencies the percentile is computed over (at most
    /// this many, at least half of it once that many were recorded). Default 1000.
    pub buffer_size: u32,
    /// Adaptive mode: `initial_delay` is used until this many latencies were recorded.
    /// Default 10.
    pub min_samples: u32,
    /// Adaptive mode: the delay used before `min_samples`. Default 100 ms.
    pub initial_delay: Duration,
    /// Adaptive mode: lower clamp of the computed delay. Default 1 ms.
    pub min_delay: Duration,
    /// Adaptive mode: upper clamp of the computed delay. Default 5 s.
    pub max_delay: Duration,
    /// Hedge budget: capacity of the token bucket, which starts full. Default 10.0.
    pub token_max: f64,
    /// Hedge budget: tokens credited by each successful call, up to `token_max`. Default 0.1.
    pub token_success_credit: f64,
    /// Hedge budget: tokens one extra attempt costs. Default 1.0.
    pub token_hedge_cost: f64,
    /// Hedge budget: an extra attempt is allowed only while the bucket holds at least this
    /// many tokens, `0 < threshold <= token_max`. Default 1.0.
    pub token_threshold: f64,
}

impl Default for HedgeConfig {
    fn default() -> Self {
        Self::new()
    }
}

const DELAY: usize = keys::index(HedgeConfig::KEYS, "delay");
const PERCENTILE: usize = keys::index(HedgeConfig::KEYS, "percentile");
const MAX_REQUESTS: usize = keys::index(HedgeConfig::KEYS, "max_requests");
const TIMEOUT: usize = keys::index(HedgeConfig::KEYS, "timeout");
const BUFFER_SIZE: usize = keys::index(HedgeConfig::KEYS, "buffer_size");
const MIN_SAMPLES: usize = keys::index(HedgeConfig::KEYS, "min_samples");
const INITIAL_DELAY: usize = keys::index(HedgeConfig::KEYS, "initial_delay");
const MIN_DELAY: usize = keys::index(HedgeConfig::KEYS, "min_delay");
const MAX_DELAY: usize = keys::index(HedgeConfig::KEYS, "max_delay");
const TOKEN_MAX: usize = keys::index(HedgeConfig::KEYS, "token_max");
const TOKEN_SUCCESS_CREDIT: usize = keys::index(HedgeConfig::KEYS, "token_success_credit");
const TOKEN_HEDGE_COST: usize = keys::index(HedgeConfig::KEYS, "token_hedge_cost");
const TOKEN_THRESHOLD: usize = keys::index(HedgeConfig::KEYS, "token_threshold");

const DEFAULT: HedgeConfig = HedgeConfig::new();

/// The keys that only the adaptive mode uses, in the order their rules run.
const ADAPTIVE_ONLY: [usize; 5] = [BUFFER_SIZE, MIN_SAMPLES, INITIAL_DELAY, MIN_DELAY, MAX_DELAY];

// The rules across keys, by number.
const RULE_DELAY_WITH_PERCENTILE: usize = 0;
/// One rule per key of [`ADAPTIVE_ONLY`].
const RULE_ADAPTIVE_ONLY: usize = 1;
const RULE_DELAYS_ORDERED: usize = RULE_ADAPTIVE_ONLY + ADAPTIVE_ONLY.len();
const RULE_SAMPLES_ORDERED: usize = RULE_DELAYS_ORDERED + 1;
/// Three rules: `delay` (static mode), `initial_delay` and `min_delay` (adaptive mode).
const RULE_BEFORE_TIMEOUT: usize = RULE_SAMPLES_ORDERED + 1;
const RULE_BUDGET: usize = RULE_BEFORE_TIMEOUT + 3;

impl HedgeConfig {
    /// The keys a `HedgeConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key {
            name: "delay",
            kind: KeyKind::Duration,
            default: "\"100ms\"",
            doc: "static delay before each extra attempt",
        },
        Key {
            name: "percentile",
            kind: KeyKind::Number,
            default: "none",
            doc: "adaptive mode: the delay is this latency percentile (0 < p < 100) of recent calls",
        },
        Key {
            name: "max_requests",
            kind: KeyKind::Count,
            default: "2",
            doc: "attempts started per call, the first included; 1 disables hedging",
        },
        Key { name: "timeout", kind: KeyKind::Duration, default: "none", doc: "overall deadline of the call" },
        Key {
            name: "buffer_size",
            kind: KeyKind::Count,
            default: "1000",
            doc: "adaptive mode: recent latencies the percentile is computed over",
        },
        Key {
            name: "min_samples",
            kind: KeyKind::Count,
            default: "10",
            doc: "adaptive mode: latencies recorded before the percentile is used",
        },
        Key {
            name: "initial_delay",
            kind: KeyKind::Duration,
            default: "\"100ms\"",
            doc: "adaptive mode: the delay before `min_samples`",
        },
        Key {
            name: "min_delay",
            kind: KeyKind::Duration,
            default: "\"1ms\"",
            doc: "adaptive mode: lower clamp of the delay",
        },
        Key {
            name: "max_delay",
            kind: KeyKind::Duration,
            default: "\"5s\"",
            doc: "adaptive mode: upper clamp of the delay",
        },
        Key { name: "token_max", kind: KeyKind::Number, default: "10.0", doc: "hedge budget: capacity, starting full" },
        Key {
            name: "token_success_credit",
            kind: KeyKind::Number,
            default: "0.1",
            doc: "hedge budget: tokens credited per successful call",
        },
        Key {
            name: "token_hedge_cost",
            kind: KeyKind::Number,
            default: "1.0",
            doc: "hedge budget: tokens per extra attempt",
        },
        Key {
            name: "token_threshold",
            kind: KeyKind::Number,
            default: "1.0",
            doc: "hedge budget: tokens needed for an extra attempt",
        },
    ];

    /// The keys `#[hedge]` takes besides [`KEYS`](Self::KEYS): its name and callbacks.
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[
        Key {
            name: "name",
            kind: KeyKind::Name,
            default: "per call site",
            doc: "shared tracker, budget and stats (either mode)",
        },
        Key {
            name: "fatal",
            kind: KeyKind::Callback { signature: "fn(&E) -> bool" },
            default: "none",
            doc: "such an error ends the call at once",
        },
        Key {
            name: "on_hedge",
            kind: KeyKind::Callback { signature: "fn(attempt: u32)" },
            default: "none",
            doc: "called when an extra attempt starts",
        },
    ];

    /// Every key `#[hedge]` takes, in the order of the attribute's argument table (and of its "expected one of" list).
    pub const ARGUMENTS: &'static [Key] = &[
        Self::KEYS[DELAY],
        Self::KEYS[PERCENTILE],
        Self::KEYS[MAX_REQUESTS],
        Self::KEYS[TIMEOUT],
        Self::ATTRIBUTE_KEYS[0],
        Self::KEYS[BUFFER_SIZE],
        Self::KEYS[MIN_SAMPLES],
        Self::KEYS[INITIAL_DELAY],
        Self::KEYS[MIN_DELAY],
        Self::KEYS[MAX_DELAY],
        Self::KEYS[TOKEN_MAX],
        Self::KEYS[TOKEN_SUCCESS_CREDIT],
        Self::KEYS[TOKEN_HEDGE_COST],
        Self::KEYS[TOKEN_THRESHOLD],
        Self::ATTRIBUTE_KEYS[1],
        Self::ATTRIBUTE_KEYS[2],
    ];

    /// The attribute's defaults: static 100 ms delay, 2 attempts, no timeout, and a budget of
    /// 10 tokens earning 0.1 per success and spending 1 per hedge.
    pub const fn new() -> Self {
        HedgeConfig {
            delay: Duration::from_millis(100),
            percentile: None,
            max_requests: 2,
            timeout: None,
            buffer_size: 1000,
            min_samples: 10,
            initial_delay: Duration::from_millis(100),
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
            token_max: 10.0,
            token_success_credit: 0.1,
            token_hedge_cost: 1.0,
            token_threshold: 1.0,
        }
    }

    /// Sets the static `delay`.
    pub const fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    /// Switches to adaptive mode with this latency `percentile`.
    pub const fn percentile(mut self, p: f64) -> Self {
        self.percentile = Some(p);
        self
    }
    /// Sets `max_requests`.
    pub const fn max_requests(mut self, n: u32) -> Self {
        self.max_requests = n;
        self
    }
    /// Sets the overall `timeout`.
    pub const fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
    /// Sets `buffer_size`.
    pub const fn buffer_size(mut self, n: u32) -> Self {
        self.buffer_size = n;
        self
    }
    /// Sets `min_samples`.
    pub const fn min_samples(mut self, n: u32) -> Self {
        self.min_samples = n;
        self
    }
    /// Sets `initial_delay`.
    pub const fn initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }
    /// Sets `min_delay`.
    pub const fn min_delay(mut self, d: Duration) -> Self {
        self.min_delay = d;
        self
    }
    /// Sets `max_delay`.
    pub const fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }
    /// Sets `token_max`.
    pub const fn token_max(mut self, t: f64) -> Self {
        self.token_max = t;
        self
    }
    /// Sets `token_success_credit`.
    pub const fn token_success_credit(mut self, t: f64) -> Self {
        self.token_success_credit = t;
        self
    }
    /// Sets `token_hedge_cost`.
    pub const fn token_hedge_cost(mut self, t: f64) -> Self {
        self.token_hedge_cost = t;
        self
    }
    /// Sets `token_threshold`.
    pub const fn token_threshold(mut self, t: f64) -> Self {
        self.token_threshold = t;
        self
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            DELAY => self.delay(value.duration(k)?),
            PERCENTILE => self.percentile(value.number(k)?),
            MAX_REQUESTS => self.max_requests(value.count(k)?),
            TIMEOUT => self.timeout(value.duration(k)?),
            BUFFER_SIZE => self.buffer_size(value.count(k)?),
            MIN_SAMPLES => self.min_samples(value.count(k)?),
            INITIAL_DELAY => self.initial_delay(value.duration(k)?),
            MIN_DELAY => self.min_delay(value.duration(k)?),
            MAX_DELAY => self.max_delay(value.duration(k)?),
            TOKEN_MAX => self.token_max(value.number(k)?),
            TOKEN_SUCCESS_CREDIT => self.token_success_credit(value.number(k)?),
            TOKEN_HEDGE_COST => self.token_hedge_cost(value.number(k)?),
            TOKEN_THRESHOLD => self.token_threshold(value.number(k)?),
            _ => unreachable!("a key of HedgeConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error, judging the value as `#[hedge]`
    /// would judge the shortest attribute that builds it (see
    /// [`RetryConfig::validate`](crate::RetryConfig::validate)):
    /// - `0 < percentile < 100`;
    /// - `max_requests >= 1`, `buffer_size >= 1`, `min_samples >= 1`;
    /// - `timeout`, when set, is not zero, and the first hedge can start before it: in
    ///   static mode `delay < timeout`, in adaptive mode `initial_delay < timeout` and
    ///   `min_delay < timeout` (a hedge due at or after the deadline could never start);
    /// - `min_delay <= max_delay`, `min_samples <= buffer_size`;
    /// - the `token_*` amounts are finite and `> 0`, and `token_threshold <= token_max`
    ///   (above it no hedge could ever start). A threshold below the cost lets the bucket
    ///   dip to `threshold - cost`, below zero.
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
    /// [`RetryConfig::errors`](crate::RetryConfig::errors). The rules about a written key
    /// that has no effect: `delay` with `percentile`, and the adaptive mode's keys
    /// (`buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay`) without it.
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    /// The keys a shared tracker takes from the first site that uses it (those
    /// [`same_tracker_settings`](Self::same_tracker_settings) compares); the others are each
    /// call site's own.
    pub const TRACKER_KEYS: &'static [&'static str] = &[
        "percentile",
        "buffer_size",
        "min_samples",
        "initial_delay",
        "min_delay",
        "max_delay",
        "token_max",
        "token_success_credit",
        "token_hedge_cost",
        "token_threshold",
    ];

    /// Whether two configurations agree on the keys a shared tracker takes from the first
    /// site that uses it ([`TRACKER_KEYS`](Self::TRACKER_KEYS)): `percentile`,
    /// `buffer_size`, `min_samples`, `initial_delay`, `min_delay`, `max_delay` and the
    /// `token_*` budget. Sites that share a `name` but not
    /// these settings share the first site's tracker all the same, which is worth a warning.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::HedgeConfig;
    ///
    /// let site = HedgeConfig::new().percentile(95.0);
    /// assert!(site.same_tracker_settings(&site.delay(Duration::from_millis(5)).max_requests(3)));
    /// assert!(!site.same_tracker_settings(&site.percentile(99.0)));
    /// ```
    pub fn same_tracker_settings(&self, other: &HedgeConfig) -> bool {
        self.percentile == other.percentile
            && self.buffer_size == other.buffer_size
            && self.min_samples == other.min_samples
            && self.initial_delay == other.initial_delay
            && self.min_delay == other.min_delay
            && self.max_delay == other.max_delay
            && self.token_max == other.token_max
            && self.token_success_credit == other.token_success_credit
            && self.token_hedge_cost == other.token_hedge_cost
            && self.token_threshold == other.token_threshold
    }

    const RULES: usize = RULE_BUDGET + 1;

    const fn is_default(&self, i: usize) -> bool {
        match i {
            DELAY => same(self.delay, DEFAULT.delay),
            PERCENTILE => self.percentile.is_none(),
            MAX_REQUESTS => self.max_requests == DEFAULT.max_requests,
            TIMEOUT => self.timeout.is_none(),
            BUFFER_SIZE => self.buffer_size == DEFAULT.buffer_size,
            MIN_SAMPLES => self.min_samples == DEFAULT.min_samples,
            INITIAL_DELAY => same(self.initial_delay, DEFAULT.initial_delay),
            MIN_DELAY => same(self.min_delay, DEFAULT.min_delay),
            MAX_DELAY => same(self.max_delay, DEFAULT.max_delay),
            TOKEN_MAX => self.token_max == DEFAULT.token_max,
            TOKEN_SUCCESS_CREDIT => self.token_success_credit == DEFAULT.token_success_credit,
            TOKEN_HEDGE_COST => self.token_hedge_cost == DEFAULT.token_hedge_cost,
            _ => self.token_threshold == DEFAULT.token_threshold,
        }
    }

    const fn is_set(&self, i: usize, given: KeySet) -> bool {
        given.contains(Self::KEYS[i].name) || !self.is_default(i)
    }

    /// The field of a `Duration` key.
    const fn duration(&self, i: usize) -> Duration {
        match i {
            DELAY => self.delay,
            INITIAL_DELAY => self.initial_delay,
            _ => self.min_delay,
        }
    }

    /// The field of a token amount key.
    const fn tokens(&self, i: usize) -> f64 {
        match i {
            TOKEN_MAX => self.token_max,
            TOKEN_SUCCESS_CREDIT => self.token_success_credit,
            TOKEN_HEDGE_COST => self.token_hedge_cost,
            _ => self.token_threshold,
        }
    }

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            PERCENTILE => match self.percentile {
                // The negation also rejects NaN.
                Some(p) if !(p > 0.0 && p < 100.0) => Problem::Percentile { found: p },
                _ => return None,
            },
            MAX_REQUESTS if self.max_requests < 1 => Problem::AtLeast { min: 1, found: self.max_requests as u64 },
            TIMEOUT => match self.timeout {
                Some(d) if d.is_zero() => Problem::Zero,
                _ => return None,
            },
            BUFFER_SIZE if self.buffer_size < 1 => Problem::AtLeast { min: 1, found: self.buffer_size as u64 },
            MIN_SAMPLES if self.min_samples < 1 => Problem::AtLeast { min: 1, found: self.min_samples as u64 },
            // `token_threshold > 0` too: the attribute always asked for it, and a threshold
            // of 0 would let a hedge take the bucket below zero.
            TOKEN_MAX | TOKEN_SUCCESS_CREDIT | TOKEN_HEDGE_COST | TOKEN_THRESHOLD => {
                let t = self.tokens(i);
                if !t.is_finite() {
                    Problem::NotFinite { found: t }
                } else if t <= 0.0 {
                    Problem::Positive { found: t }
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        let adaptive = self.percentile.is_some();
        match r {
            // A written `delay` is the static mode's.
            RULE_DELAY_WITH_PERCENTILE => {
                if adaptive && given.contains("delay") {
                    return Some(ConfigError::new("delay", Problem::DelayWithPercentile));
                }
                None
            }
            // A written tracker key is the adaptive mode's.
            RULE_ADAPTIVE_ONLY..RULE_DELAYS_ORDERED => {
                let key = Self::KEYS[ADAPTIVE_ONLY[r - RULE_ADAPTIVE_ONLY]].name;
                if !adaptive && given.contains(key) {
                    return Some(ConfigError::new(key, Problem::OnlyAdaptive));
                }
                None
            }
            // `min_delay` <= `max_delay`.
            RULE_DELAYS_ORDERED => {
                if !longer(self.min_delay, self.max_delay) {
                    return None;
                }
                let problem = Problem::NotAbove {
                    low: "min_delay",
                    low_value: self.min_delay,
                    high: "max_delay",
                    high_value: self.max_delay,
                    high_default: !self.is_set(MAX_DELAY, given),
                };
                Some(ConfigError::new(check::blame("min_delay", self.is_set(MIN_DELAY, given), "max_delay"), problem))
            }
            // `min_samples` <= `buffer_size`: the tracker never holds more.
            RULE_SAMPLES_ORDERED => {
                if self.min_samples <= self.buffer_size {
                    return None;
                }
                let min_samples_set = self.is_set(MIN_SAMPLES, given);
                let problem = Problem::MinSamplesAboveBuffer {
                    min_samples: self.min_samples as u64,
                    min_samples_default: !min_samples_set,
                    buffer_size: self.buffer_size as u64,
                    buffer_size_default: !self.is_set(BUFFER_SIZE, given),
                };
                Some(ConfigError::new(check::blame("min_samples", min_samples_set, "buffer_size"), problem))
            }
            // A hedge due at or after the deadline could never start: in static mode `delay`,
            // in adaptive mode `initial_delay` and `min_delay` (the delay is never below it)
            // must be shorter than `timeout`.
            RULE_BEFORE_TIMEOUT..RULE_BUDGET => {
                let Some(timeout) = self.timeout else { return None };
                let i = match (adaptive, r - RULE_BEFORE_TIMEOUT) {
                    (false, 0) => DELAY,
                    (true, 1) => INITIAL_DELAY,
                    (true, 2) => MIN_DELAY,
                    _ => return None,
                };
                let delay = self.duration(i);
                if longer(timeout, delay) {
                    return None;
                }
                let delay_set = self.is_set(i, given);
                let delay_key = Self::KEYS[i].name;
                let problem = Problem::DelayNotBeforeTimeout { delay_key, delay, delay_default: !delay_set, timeout };
                Some(ConfigError::new(check::blame(delay_key, delay_set, "timeout"), problem))
            }
            // `token_threshold` <= `token_max`, or the budget never allows a hedge.
            RULE_BUDGET => {
                if self.token_threshold <= self.token_max {
                    return None;
                }
                let key = check::blame("token_threshold", self.is_set(TOKEN_THRESHOLD, given), "token_max");
                let problem = Problem::TokenThresholdAboveMax { threshold: self.token_threshold, max: self.token_max };
                Some(ConfigError::new(key, problem))
            }
            _ => None,
        }
    }
}

impl Rules for HedgeConfig {
    const KEYS: &'static [Key] = HedgeConfig::KEYS;
    const RULES: usize = HedgeConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        HedgeConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        HedgeConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            DELAY => self.delay = DEFAULT.delay,
            PERCENTILE => self.percentile = DEFAULT.percentile,
            MAX_REQUESTS => self.max_requests = DEFAULT.max_requests,
            TIMEOUT => self.timeout = DEFAULT.timeout,
            BUFFER_SIZE => self.buffer_size = DEFAULT.buffer_size,
            MIN_SAMPLES => self.min_samples = DEFAULT.min_samples,
            INITIAL_DELAY => self.initial_delay = DEFAULT.initial_delay,
            MIN_DELAY => self.min_delay = DEFAULT.min_delay,
            MAX_DELAY => self.max_delay = DEFAULT.max_delay,
            TOKEN_MAX => self.token_max = DEFAULT.token_max,
            TOKEN_SUCCESS_CREDIT => self.token_success_credit = DEFAULT.token_success_credit,
            TOKEN_HEDGE_COST => self.token_hedge_cost = DEFAULT.token_hedge_cost,
            _ => self.token_threshold = DEFAULT.token_threshold,
        }
    }
}
