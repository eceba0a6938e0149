//! [`ChaosConfig`]: the faults `#[chaos]` injects, `#[chaos(error_rate = 0.1, latency = "200ms")]`.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// The faults a chaos injector puts into the calls it guards, one field per `#[chaos]` key.
/// Build it with the `const fn` setters and check it with [`ChaosConfig::validate`] (the
/// attribute runs the same checks at compile time).
///
/// Each call draws one uniform number `u` in `[0, 1)`: `u < hang_rate` ⇒ the call hangs,
/// else `u < hang_rate + error_rate` ⇒ it fails with the injected error, else the body runs.
/// So the rates are exact marginals, and `error_rate + hang_rate` must not exceed 1. A
/// second, independent draw decides whether a call that does not hang first sleeps
/// `latency` (with probability `latency_rate`).
///
/// ```
/// use std::time::Duration;
/// use resile_config::ChaosConfig;
///
/// const CFG: ChaosConfig = ChaosConfig::new().error_rate(0.1).latency(Duration::from_millis(200)).seed(7);
/// const _: () = assert!(CFG.validate().is_ok());
/// assert_eq!(CFG.latency_rate, 1.0); // every call is slowed unless `latency_rate` says otherwise
/// assert_eq!(
///     ChaosConfig::new().error_rate(0.6).hang_rate(0.5).validate().unwrap_err().to_string(),
///     "`error_rate` (0.6) + `hang_rate` (0.5) exceeds 1.0: a call cannot both fail and hang; \
///      lower one of them",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChaosConfig {
    /// The probability that a call fails with the injected error without running the body,
    /// `0.0..=1.0`. Default 0.
    pub error_rate: f64,
    /// The sleep injected before a call (on tokio's clock), with probability
    /// `latency_rate`. Default `None`: no latency.
    pub latency: Option<Duration>,
    /// The probability that a call that does not hang first sleeps `latency`, `0.0..=1.0`.
    /// Default 1.0; it has an effect only with `latency`.
    pub latency_rate: f64,
    /// The probability that a call never completes (it stays pending until dropped, and does
    /// not run the body), `0.0..=1.0`. Default 0. `error_rate + hang_rate` ≤ 1.
    pub hang_rate: f64,
    /// The seed of the draws: with a seed, the same order of calls gets the same faults.
    /// Default `None`: the injector seeds itself once from a random number.
    pub seed: Option<u64>,
}

const ERROR_RATE: usize = keys::index(ChaosConfig::KEYS, "error_rate");
const LATENCY: usize = keys::index(ChaosConfig::KEYS, "latency");
const LATENCY_RATE: usize = keys::index(ChaosConfig::KEYS, "latency_rate");
const HANG_RATE: usize = keys::index(ChaosConfig::KEYS, "hang_rate");
const SEED: usize = keys::index(ChaosConfig::KEYS, "seed");

const RULE_RATES_WITHIN_ONE: usize = 0;
const RULE_LATENCY_RATE_NEEDS_LATENCY: usize = 1;

impl ChaosConfig {
    /// The keys a `ChaosConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key {
            name: "error_rate",
            kind: KeyKind::Number,
            default: "0",
            doc: "probability that a call fails with the injected error, without running the body",
        },
        Key { name: "latency", kind: KeyKind::Duration, default: "none", doc: "sleep injected before a call" },
        Key {
            name: "latency_rate",
            kind: KeyKind::Number,
            default: "1.0",
            doc: "probability that a call that does not hang first sleeps `latency`",
        },
        Key {
            name: "hang_rate",
            kind: KeyKind::Number,
            default: "0",
            doc: "probability that a call never completes (until dropped), without running the body",
        },
        Key {
            name: "seed",
            kind: KeyKind::Count,
            default: "none",
            doc: "seed of the draws: the same order of calls gets the same faults",
        },
    ];

    /// The keys `#[chaos]` takes besides [`KEYS`](Self::KEYS): the error to inject and a
    /// name for operators.
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[
        Key {
            name: "error",
            kind: KeyKind::Expression { ty: "E" },
            default: "E::from(ChaosError::Failed)",
            doc: "the error an injected failure returns, evaluated only when one is injected",
        },
        Key {
            name: "name",
            kind: KeyKind::Name,
            default: "none",
            doc: "a named instance, which operators reach with `resile::chaos(name)`",
        },
    ];

    /// Every key `#[chaos]` takes, in the order of the attribute's argument table.
    pub const ARGUMENTS: &'static [Key] = &[
        Self::KEYS[ERROR_RATE],
        Self::KEYS[LATENCY],
        Self::KEYS[LATENCY_RATE],
        Self::KEYS[HANG_RATE],
        Self::KEYS[SEED],
        Self::ATTRIBUTE_KEYS[0],
        Self::ATTRIBUTE_KEYS[1],
    ];

    /// Injects nothing: every rate 0, no latency, no seed.
    pub const fn new() -> Self {
        ChaosConfig { error_rate: 0.0, latency: None, latency_rate: 1.0, hang_rate: 0.0, seed: None }
    }

    /// Sets `error_rate`.
    pub const fn error_rate(mut self, p: f64) -> Self {
        self.error_rate = p;
        self
    }
    /// Sets `latency`.
    pub const fn latency(mut self, d: Duration) -> Self {
        self.latency = Some(d);
        self
    }
    /// Sets `latency_rate`.
    pub const fn latency_rate(mut self, p: f64) -> Self {
        self.latency_rate = p;
        self
    }
    /// Sets `hang_rate`.
    pub const fn hang_rate(mut self, p: f64) -> Self {
        self.hang_rate = p;
        self
    }
    /// Sets `seed`.
    pub const fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Whether the settings inject anything: an error, a hang or a latency that some call
    /// would take.
    pub const fn injects(&self) -> bool {
        self.error_rate > 0.0
            || self.hang_rate > 0.0
            || matches!(self.latency, Some(d) if !d.is_zero()) && self.latency_rate > 0.0
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            ERROR_RATE => self.error_rate(value.number(k)?),
            LATENCY => self.latency(value.duration(k)?),
            LATENCY_RATE => self.latency_rate(value.number(k)?),
            HANG_RATE => self.hang_rate(value.number(k)?),
            SEED => self.seed(value.count_u64(k)?),
            _ => unreachable!("a key of ChaosConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error:
    /// - `error_rate`, `latency_rate` and `hang_rate` within `0.0..=1.0`;
    /// - `error_rate + hang_rate <= 1.0` (one draw decides between them);
    /// - written: `latency_rate` needs `latency` (see [`validate_given`](Self::validate_given)).
    pub const fn validate(&self) -> Result<(), ConfigError> {
        check::validate!(self)
    }

    /// [`validate`](Self::validate) knowing which keys were written (`given`), so that the
    /// rule about a written key applies too (`latency_rate` without `latency`).
    pub const fn validate_given(&self, given: KeySet) -> Result<(), ConfigError> {
        check::validate_given!(self, given)
    }

    /// Every broken rule, `given` holding the keys the user wrote; see
    /// [`RetryConfig::errors`](crate::RetryConfig::errors).
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    const RULES: usize = RULE_LATENCY_RATE_NEEDS_LATENCY + 1;

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let found = match i {
            ERROR_RATE => self.error_rate,
            LATENCY_RATE => self.latency_rate,
            HANG_RATE => self.hang_rate,
            _ => return None,
        };
        // The negation also rejects NaN.
        if found >= 0.0 && found <= 1.0 {
            return None;
        }
        let problem =
            if found.is_nan() { Problem::NotFinite { found } } else { Problem::Within { min: 0.0, max: 1.0, found } };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        match r {
            RULE_RATES_WITHIN_ONE => {
                let (e, h) = (self.error_rate, self.hang_rate);
                // Rates out of range are reported by their own rule.
                if !(e >= 0.0 && e <= 1.0 && h >= 0.0 && h <= 1.0) || e + h <= 1.0 {
                    return None;
                }
                // Blame `hang_rate` unless only `error_rate` was written; the attribute
                // blames whichever of the two was written last.
                let key = if given.contains("error_rate") && !given.contains("hang_rate") {
                    "error_rate"
                } else {
                    "hang_rate"
                };
                Some(ConfigError::new(key, Problem::RatesAboveOne { error_rate: e, hang_rate: h }))
            }
            RULE_LATENCY_RATE_NEEDS_LATENCY if given.contains("latency_rate") && self.latency.is_none() => {
                Some(ConfigError::new("latency_rate", Problem::NeedsKey { other: "latency", example: "\"200ms\"" }))
            }
            _ => None,
        }
    }
}

impl Default for ChaosConfig {
    fn default() -> Self {
        ChaosConfig::new()
    }
}

impl Rules for ChaosConfig {
    const KEYS: &'static [Key] = ChaosConfig::KEYS;
    const RULES: usize = ChaosConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        ChaosConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        ChaosConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            ERROR_RATE => self.error_rate = 0.0,
            LATENCY => self.latency = None,
            LATENCY_RATE => self.latency_rate = 1.0,
            HANG_RATE => self.hang_rate = 0.0,
            _ => self.seed = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_their_keys() {
        let msg = |c: ChaosConfig| c.validate().unwrap_err().to_string();
        assert_eq!(msg(ChaosConfig::new().error_rate(1.5)), "`error_rate` must be within 0.0..=1.0, found 1.5");
        assert_eq!(
            msg(ChaosConfig::new().hang_rate(10.0)),
            "`hang_rate` is a ratio in 0.0..=1.0, not a percentage: did you mean `0.1`?"
        );
        assert_eq!(msg(ChaosConfig::new().latency_rate(-0.5)), "`latency_rate` must be within 0.0..=1.0, found -0.5");
        let e = ChaosConfig::new().error_rate(0.7).hang_rate(0.7).errors(KeySet::of(&["error_rate", "hang_rate"]));
        assert_eq!((e.len(), e[0].key()), (1, "hang_rate"));
        let e = ChaosConfig::new().latency_rate(0.5).errors(KeySet::of(&["latency_rate"]));
        assert_eq!(
            e[0].to_string(),
            "`latency_rate` has no effect without `latency`; add `latency = \"200ms\"` or remove it"
        );
        assert!(ChaosConfig::new().error_rate(0.5).hang_rate(0.5).validate().is_ok());
    }

    #[test]
    fn set_checks_the_key() {
        let mut c = ChaosConfig::new();
        c.set("error_rate", Value::Number(0.25)).unwrap();
        c.set("latency", Value::Duration(Duration::from_millis(5))).unwrap();
        c.set("seed", Value::Count(u64::MAX)).unwrap();
        assert!(c.set("hang_rate", Value::Number(2.0)).is_err());
        assert_eq!(c, ChaosConfig::new().error_rate(0.25).latency(Duration::from_millis(5)).seed(u64::MAX));
        assert!(c.injects() && !ChaosConfig::new().injects());
        assert!(!ChaosConfig::new().latency(Duration::from_millis(5)).latency_rate(0.0).injects());
    }
}
