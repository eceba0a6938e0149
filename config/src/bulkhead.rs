//! [`BulkheadConfig`]: the settings of a bulkhead, a named weighted FIFO semaphore.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// The algorithm that adapts an adaptive bulkhead's limit (`adaptive = ".."`), each a port of
/// the class of that name in Netflix's
/// [concurrency-limits](https://github.com/Netflix/concurrency-limits) (`limit/` package).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdaptiveAlgorithm {
    /// `adaptive = "gradient2"`: `Gradient2Limit`, the limit follows the ratio of a long-term
    /// average latency to the latest one, plus a small queue allowance.
    Gradient2,
    /// `adaptive = "vegas"`: `VegasLimit`, TCP Vegas' estimate of the queue from the
    /// no-load latency.
    Vegas,
    /// `adaptive = "aimd"`: `AIMDLimit`, additive increase while calls succeed,
    /// multiplicative decrease on a drop (a panic, or a latency above 5 s). Loss-based: a
    /// downstream that only slows down does not move it below the 5 s timeout; use
    /// `gradient2` or `vegas` for latency-driven limits.
    Aimd,
}

impl AdaptiveAlgorithm {
    /// The words `adaptive` takes.
    pub const WORDS: &'static [&'static str] = &["gradient2", "vegas", "aimd"];

    /// The algorithm a word names.
    pub fn from_word(word: &str) -> Option<AdaptiveAlgorithm> {
        match word {
            "gradient2" => Some(AdaptiveAlgorithm::Gradient2),
            "vegas" => Some(AdaptiveAlgorithm::Vegas),
            "aimd" => Some(AdaptiveAlgorithm::Aimd),
            _ => None,
        }
    }

    /// The word for this algorithm.
    pub const fn word(&self) -> &'static str {
        match self {
            AdaptiveAlgorithm::Gradient2 => "gradient2",
            AdaptiveAlgorithm::Vegas => "vegas",
            AdaptiveAlgorithm::Aimd => "aimd",
        }
    }
}

/// The `initial_concurrent` of an adaptive bulkhead that does not set it: 20, as every
/// Netflix concurrency-limits algorithm starts (`initialLimit = 20`), within
/// `min_concurrent..=max_concurrent`.
pub const DEFAULT_INITIAL_CONCURRENT: u32 = 20;

/// The settings of a bulkhead, one field per `#[bulkhead]` key. Build it with
/// [`BulkheadConfig::new`] (`max_concurrent` is required) and the `const fn` setters, and
/// check it with [`BulkheadConfig::validate`] (the attribute runs the same checks at
/// compile time).
///
/// Two groups of keys live in different places at run time:
/// - per bulkhead (shared by every site that uses the same `name`): `max_concurrent`. The
///   first declaration of a name sets it; see
///   [`same_bulkhead_settings`](BulkheadConfig::same_bulkhead_settings);
/// - per call site: `max_wait` and `weight`, each site's own.
///
/// ```
/// use std::time::Duration;
/// use resile_config::BulkheadConfig;
///
/// const CFG: BulkheadConfig = BulkheadConfig::new(10).max_wait(Duration::from_millis(50)).weight(2);
/// const _: () = assert!(CFG.validate().is_ok());
/// assert_eq!((BulkheadConfig::new(4).max_wait, BulkheadConfig::new(4).weight), (Duration::ZERO, 1));
/// assert_eq!(
///     BulkheadConfig::new(2).weight(3).validate().unwrap_err().to_string(),
///     "`weight` (3) exceeds `max_concurrent` (2): such a call could never run; lower `weight` or raise `max_concurrent`",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BulkheadConfig {
    /// The permits of the bulkhead: the sum of the weights of the calls that may run at once,
    /// at least 1. Required: no default.
    pub max_concurrent: u32,
    /// How long a call may wait in the queue for its permits before it is refused with
    /// `Rejection::BulkheadFull`; zero refuses at once when the permits are not free.
    /// Default 0.
    pub max_wait: Duration,
    /// The permits one call takes, `1..=max_concurrent`. Default 1.
    pub weight: u32,
    /// The algorithm that adapts the limit to the latency the calls show, between
    /// `min_concurrent` and `max_concurrent` (the ceiling); `None` (the default): the limit
    /// is `max_concurrent`, fixed.
    pub adaptive: Option<AdaptiveAlgorithm>,
    /// The lowest limit an adaptive bulkhead goes to, `1..=max_concurrent`. Default 1; only
    /// with `adaptive`.
    pub min_concurrent: u32,
    /// The limit an adaptive bulkhead starts at, `min_concurrent..=max_concurrent`; `None`
    /// (the default): [`DEFAULT_INITIAL_CONCURRENT`] (20) brought within that range. Only
    /// with `adaptive`.
    pub initial_concurrent: Option<u32>,
}

const MAX_CONCURRENT: usize = keys::index(BulkheadConfig::KEYS, "max_concurrent");
const MAX_WAIT: usize = keys::index(BulkheadConfig::KEYS, "max_wait");
const WEIGHT: usize = keys::index(BulkheadConfig::KEYS, "weight");
const ADAPTIVE: usize = keys::index(BulkheadConfig::KEYS, "adaptive");
const MIN_CONCURRENT: usize = keys::index(BulkheadConfig::KEYS, "min_concurrent");
const INITIAL_CONCURRENT: usize = keys::index(BulkheadConfig::KEYS, "initial_concurrent");

// The rules across keys, by number.
const RULE_WEIGHT_FITS: usize = 0;
const RULE_MIN_FITS: usize = 1;
const RULE_INITIAL_ABOVE_MIN: usize = 2;
const RULE_INITIAL_FITS: usize = 3;
const RULE_MIN_NEEDS_ADAPTIVE: usize = 4;
const RULE_INITIAL_NEEDS_ADAPTIVE: usize = 5;

impl BulkheadConfig {
    /// The keys a `BulkheadConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key {
            name: "max_concurrent",
            kind: KeyKind::Count,
            default: "required",
            doc: "the permits: the sum of the weights of the calls that may run at once",
        },
        Key {
            name: "max_wait",
            kind: KeyKind::Duration,
            default: "\"0ms\"",
            doc: "how long a call may wait for its permits; `\"0ms\"` refuses at once",
        },
        Key {
            name: "weight",
            kind: KeyKind::Count,
            default: "1",
            doc: "the permits one call takes, at most `max_concurrent`",
        },
        Key {
            name: "adaptive",
            kind: KeyKind::Words(AdaptiveAlgorithm::WORDS),
            default: "none",
            doc: "adapt the limit to the latency the calls show (Netflix concurrency-limits' algorithms)",
        },
        Key {
            name: "min_concurrent",
            kind: KeyKind::Count,
            default: "1",
            doc: "the lowest limit an adaptive bulkhead goes to",
        },
        Key {
            name: "initial_concurrent",
            kind: KeyKind::Count,
            default: "20 (≤ `max_concurrent`)",
            doc: "the limit an adaptive bulkhead starts at",
        },
    ];

    /// The keys `#[bulkhead]` takes besides [`KEYS`](Self::KEYS): its name.
    pub const ATTRIBUTE_KEYS: &'static [Key] =
        &[Key { name: "name", kind: KeyKind::Name, default: "required", doc: "the shared bulkhead instance" }];

    /// Every key `#[bulkhead]` takes, in the order of the attribute's argument table (and of
    /// its "expected one of" list).
    pub const ARGUMENTS: &'static [Key] = &[
        Self::ATTRIBUTE_KEYS[0],
        Self::KEYS[MAX_CONCURRENT],
        Self::KEYS[MAX_WAIT],
        Self::KEYS[WEIGHT],
        Self::KEYS[ADAPTIVE],
        Self::KEYS[MIN_CONCURRENT],
        Self::KEYS[INITIAL_CONCURRENT],
    ];

    /// A bulkhead of `max_concurrent` permits with the attribute's defaults: no wait
    /// (`max_wait` 0: a call that finds no free permit is refused at once), weight 1.
    pub const fn new(max_concurrent: u32) -> Self {
        BulkheadConfig {
            max_concurrent,
            max_wait: Duration::ZERO,
            weight: 1,
            adaptive: None,
            min_concurrent: 1,
            initial_concurrent: None,
        }
    }

    /// Sets `max_concurrent`.
    pub const fn max_concurrent(mut self, n: u32) -> Self {
        self.max_concurrent = n;
        self
    }
    /// Sets `max_wait`.
    pub const fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }
    /// Sets `weight`.
    pub const fn weight(mut self, n: u32) -> Self {
        self.weight = n;
        self
    }
    /// Sets `adaptive`: the limit adapts with `algorithm`.
    pub const fn adaptive(mut self, algorithm: AdaptiveAlgorithm) -> Self {
        self.adaptive = Some(algorithm);
        self
    }
    /// Sets `min_concurrent`.
    pub const fn min_concurrent(mut self, n: u32) -> Self {
        self.min_concurrent = n;
        self
    }
    /// Sets `initial_concurrent`.
    pub const fn initial_concurrent(mut self, n: u32) -> Self {
        self.initial_concurrent = Some(n);
        self
    }

    /// The limit an adaptive bulkhead starts at: `initial_concurrent`, else
    /// [`DEFAULT_INITIAL_CONCURRENT`] brought within `min_concurrent..=max_concurrent`.
    ///
    /// ```
    /// use resile_config::{AdaptiveAlgorithm, BulkheadConfig};
    ///
    /// let cfg = BulkheadConfig::new(8).adaptive(AdaptiveAlgorithm::Vegas);
    /// assert_eq!(cfg.initial_limit(), 8);
    /// assert_eq!(BulkheadConfig::new(100).adaptive(AdaptiveAlgorithm::Vegas).initial_limit(), 20);
    /// assert_eq!(BulkheadConfig::new(100).min_concurrent(30).initial_limit(), 30);
    /// ```
    pub const fn initial_limit(&self) -> u32 {
        let start = match self.initial_concurrent {
            Some(n) => n,
            None => DEFAULT_INITIAL_CONCURRENT,
        };
        let start = if start > self.max_concurrent { self.max_concurrent } else { start };
        if start < self.min_concurrent { self.min_concurrent } else { start }
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::{BulkheadConfig, Value};
    ///
    /// let mut cfg = BulkheadConfig::new(8);
    /// cfg.set("max_wait", Value::Duration(Duration::from_millis(20)))?;
    /// cfg.set("weight", Value::Count(2))?;
    /// assert_eq!(cfg, BulkheadConfig::new(8).max_wait(Duration::from_millis(20)).weight(2));
    /// assert_eq!(
    ///     cfg.set("max_concurrent", Value::Count(0)).unwrap_err().to_string(),
    ///     "`max_concurrent` must be at least 1, found 0",
    /// );
    /// # Ok::<(), resile_config::ConfigError>(())
    /// ```
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            MAX_CONCURRENT => self.max_concurrent(value.count(k)?),
            MAX_WAIT => self.max_wait(value.duration(k)?),
            WEIGHT => self.weight(value.count(k)?),
            ADAPTIVE => {
                self.adaptive(AdaptiveAlgorithm::from_word(value.word(k)?).expect("one of AdaptiveAlgorithm::WORDS"))
            }
            MIN_CONCURRENT => self.min_concurrent(value.count(k)?),
            INITIAL_CONCURRENT => self.initial_concurrent(value.count(k)?),
            _ => unreachable!("a key of BulkheadConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error: `max_concurrent >= 1`,
    /// `weight >= 1`, `weight <= max_concurrent`; any `max_wait` (zero included) is valid.
    /// With `adaptive`: `1 <= min_concurrent <= max_concurrent` and
    /// `min_concurrent <= initial_concurrent <= max_concurrent`; without it,
    /// `min_concurrent` and `initial_concurrent` have no effect and are refused.
    ///
    /// ```
    /// use resile_config::BulkheadConfig;
    ///
    /// let err = BulkheadConfig::new(0).validate().unwrap_err();
    /// assert_eq!((err.key(), err.to_string()), ("max_concurrent", "`max_concurrent` must be at least 1, found 0".into()));
    /// assert_eq!(BulkheadConfig::new(3).weight(0).validate().unwrap_err().key(), "weight");
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

    /// Every broken rule; see [`RetryConfig::errors`](crate::RetryConfig::errors). A bulkhead
    /// has no key without effect, so `given` changes nothing.
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    /// The keys a shared bulkhead takes from the first declaration of its name (those
    /// [`same_bulkhead_settings`](Self::same_bulkhead_settings) compares); the others
    /// (`max_wait`, `weight`) are each call site's own.
    pub const BULKHEAD_KEYS: &'static [&'static str] =
        &["max_concurrent", "adaptive", "min_concurrent", "initial_concurrent"];

    /// Whether two configurations agree on the keys a shared bulkhead takes from its
    /// declaration ([`BULKHEAD_KEYS`](Self::BULKHEAD_KEYS)): `max_concurrent` and the
    /// adaptive keys. Two sites of one name may differ in `max_wait` and `weight`, never in
    /// these.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::BulkheadConfig;
    ///
    /// let site = BulkheadConfig::new(10);
    /// assert!(site.same_bulkhead_settings(&site.weight(3).max_wait(Duration::from_millis(5))));
    /// assert!(!site.same_bulkhead_settings(&BulkheadConfig::new(11)));
    /// ```
    pub const fn same_bulkhead_settings(&self, other: &BulkheadConfig) -> bool {
        let same_adaptive = match (self.adaptive, other.adaptive) {
            (None, None) => true,
            (Some(a), Some(b)) => a as u8 == b as u8,
            _ => false,
        };
        let same_initial = match (self.initial_concurrent, other.initial_concurrent) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        self.max_concurrent == other.max_concurrent
            && same_adaptive
            && self.min_concurrent == other.min_concurrent
            && same_initial
    }

    const RULES: usize = RULE_INITIAL_NEEDS_ADAPTIVE + 1;

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            MAX_CONCURRENT if self.max_concurrent < 1 => Problem::AtLeast { min: 1, found: self.max_concurrent as u64 },
            WEIGHT if self.weight < 1 => Problem::AtLeast { min: 1, found: self.weight as u64 },
            MIN_CONCURRENT if self.min_concurrent < 1 => Problem::AtLeast { min: 1, found: self.min_concurrent as u64 },
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        match r {
            // A call heavier than the whole bulkhead could never run. (A `max_concurrent`
            // of 0 is reported by its own rule, once.)
            RULE_WEIGHT_FITS if self.max_concurrent >= 1 && self.weight > self.max_concurrent => {
                let problem = Problem::WeightAboveMaxConcurrent {
                    weight: self.weight as u64,
                    max_concurrent: self.max_concurrent as u64,
                };
                Some(ConfigError::new("weight", problem))
            }
            // The range of an adaptive limit: `min_concurrent..=max_concurrent`, and
            // `initial_concurrent` within it.
            RULE_MIN_FITS if self.max_concurrent >= 1 && self.min_concurrent > self.max_concurrent => {
                let problem = Problem::AtMost { max: self.max_concurrent as u64, found: self.min_concurrent as u64 };
                Some(ConfigError::new("min_concurrent", problem))
            }
            RULE_INITIAL_ABOVE_MIN => match self.initial_concurrent {
                Some(n) if n < self.min_concurrent => {
                    let problem = Problem::AtLeast { min: self.min_concurrent as u64, found: n as u64 };
                    Some(ConfigError::new("initial_concurrent", problem))
                }
                _ => None,
            },
            RULE_INITIAL_FITS => match self.initial_concurrent {
                Some(n) if self.max_concurrent >= 1 && n > self.max_concurrent => {
                    let problem = Problem::AtMost { max: self.max_concurrent as u64, found: n as u64 };
                    Some(ConfigError::new("initial_concurrent", problem))
                }
                _ => None,
            },
            // A fixed bulkhead has no range to keep its limit in.
            RULE_MIN_NEEDS_ADAPTIVE
                if self.adaptive.is_none() && (self.min_concurrent != 1 || given.contains("min_concurrent")) =>
            {
                Some(ConfigError::new("min_concurrent", NEEDS_ADAPTIVE))
            }
            RULE_INITIAL_NEEDS_ADAPTIVE if self.adaptive.is_none() && self.initial_concurrent.is_some() => {
                Some(ConfigError::new("initial_concurrent", NEEDS_ADAPTIVE))
            }
            _ => None,
        }
    }
}

/// `min_concurrent` or `initial_concurrent` written on a fixed bulkhead.
const NEEDS_ADAPTIVE: Problem = Problem::NeedsKey { other: "adaptive", example: "\"gradient2\"" };

impl Rules for BulkheadConfig {
    const KEYS: &'static [Key] = BulkheadConfig::KEYS;
    const RULES: usize = BulkheadConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        BulkheadConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        BulkheadConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            // `max_concurrent` has no default; a zero is reported and kept (and the rule
            // across keys skips it).
            MAX_CONCURRENT => {}
            MAX_WAIT => self.max_wait = Duration::ZERO,
            ADAPTIVE => self.adaptive = None,
            MIN_CONCURRENT => self.min_concurrent = 1,
            INITIAL_CONCURRENT => self.initial_concurrent = None,
            _ => self.weight = 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mistake_once() {
        let errors = BulkheadConfig::new(0).weight(0).errors(KeySet::EMPTY);
        let messages: Vec<_> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages, ["`max_concurrent` must be at least 1, found 0", "`weight` must be at least 1, found 0"]);
        let errors = BulkheadConfig::new(0).weight(5).errors(KeySet::EMPTY);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key(), "max_concurrent");
        let heavy = BulkheadConfig::new(4).weight(5).errors(KeySet::EMPTY);
        assert_eq!(heavy.len(), 1);
        assert_eq!((heavy[0].key(), heavy[0].blame()), ("weight", crate::Blame::Key));
        assert!(BulkheadConfig::new(4).weight(4).max_wait(Duration::from_secs(3)).validate().is_ok());
    }

    #[test]
    fn the_adaptive_range() {
        let adaptive = BulkheadConfig::new(8).adaptive(AdaptiveAlgorithm::Gradient2);
        assert!(adaptive.min_concurrent(8).initial_concurrent(8).validate().is_ok());
        let message = |c: BulkheadConfig| c.validate().unwrap_err().to_string();
        assert_eq!(message(adaptive.min_concurrent(9)), "`min_concurrent` must be at most 8, found 9");
        assert_eq!(message(adaptive.min_concurrent(0)), "`min_concurrent` must be at least 1, found 0");
        assert_eq!(message(adaptive.initial_concurrent(9)), "`initial_concurrent` must be at most 8, found 9");
        assert_eq!(
            message(adaptive.min_concurrent(4).initial_concurrent(2)),
            "`initial_concurrent` must be at least 4, found 2"
        );
        assert_eq!(
            message(BulkheadConfig::new(8).min_concurrent(2)),
            "`min_concurrent` has no effect without `adaptive`; add `adaptive = \"gradient2\"` or remove it"
        );
        assert_eq!(BulkheadConfig::new(8).initial_concurrent(2).validate().unwrap_err().key(), "initial_concurrent");
        assert_eq!(
            BulkheadConfig::new(8)
                .min_concurrent(1)
                .validate_given(KeySet::EMPTY.with("min_concurrent"))
                .unwrap_err()
                .key(),
            "min_concurrent"
        );
        assert!(!adaptive.same_bulkhead_settings(&BulkheadConfig::new(8)));
        assert!(adaptive.same_bulkhead_settings(&adaptive.weight(2)));
        let mut set = BulkheadConfig::new(8);
        set.set("adaptive", Value::Word("vegas")).unwrap();
        assert_eq!(set.adaptive, Some(AdaptiveAlgorithm::Vegas));
        assert!(set.set("adaptive", Value::Word("gradient")).is_err());
    }
}
