//! [`RateLimitConfig`]: the settings of a rate limiter, a lazy token bucket (GCRA) that
//! refills at `rate` tokens per second up to `burst_size` tokens.

use std::time::Duration;

use crate::check::{self, Rules};
use crate::duration::{binary, same};
use crate::error::{ConfigError, Problem};
use crate::keys::{self, Key, KeyKind, KeySet};
use crate::value::{self, Value};

/// The settings of a rate limiter, one field per `#[rate_limit]` key. Build it with the
/// `const fn` setters and check it with [`RateLimitConfig::validate`] (the attribute runs the
/// same checks at compile time).
///
/// Two groups of keys live in different places at run time:
/// - per limiter (shared by every site that uses the same `name`): `rate` and `burst_size`
///   ([`same_limiter_settings`](RateLimitConfig::same_limiter_settings) compares them);
/// - per call site: `weight` and `max_wait`, so that a heavy call and a light one can share
///   one bucket.
///
/// ```
/// use std::time::Duration;
/// use resile_config::RateLimitConfig;
///
/// const CFG: RateLimitConfig = RateLimitConfig::new(3.0).burst_size(5.0).max_wait(Duration::from_millis(400));
/// const _: () = assert!(CFG.validate().is_ok());
/// assert_eq!(RateLimitConfig::new(3.0).burst(), 3.0); // the default burst is the rate
/// // The rate in force is a rational: 3 tokens per second, one every 10^9/3 ns.
/// assert_eq!(RateLimitConfig::new(3.0).rational_rate(), (3, 1));
/// assert_eq!(RateLimitConfig::new(33.3).rational_rate(), (333, 10));
/// assert_eq!(
///     RateLimitConfig::new(0.5).validate().unwrap_err().to_string(),
///     "`weight` (1) exceeds the default `burst_size` (= `rate`, 0.5): the bucket never holds \
///      that many tokens, so no call could be admitted; set `burst_size` to at least 1",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Tokens added per second, within [`MIN_RATE`](Self::MIN_RATE)`..=`[`MAX_RATE`](Self::MAX_RATE).
    /// Required. The limiter uses the nearest rational with a denominator of at most
    /// [`MAX_RATE_DENOMINATOR`](Self::MAX_RATE_DENOMINATOR) ([`rational_rate`](Self::rational_rate)).
    pub rate: f64,
    /// Tokens the bucket holds when full, `1.0..=1e12`, at least `weight`; it starts full.
    /// Default `None`: the rate (one second's worth).
    pub burst_size: Option<f64>,
    /// Tokens one call takes, at least 1 and at most the burst. Default 1.
    pub weight: u32,
    /// The longest a call waits for its tokens (inclusive); a call whose tokens come later is
    /// refused at once and takes none. Default zero: refuse at once.
    pub max_wait: Duration,
}

const RATE: usize = keys::index(RateLimitConfig::KEYS, "rate");
const BURST_SIZE: usize = keys::index(RateLimitConfig::KEYS, "burst_size");
const WEIGHT: usize = keys::index(RateLimitConfig::KEYS, "weight");
const MAX_WAIT: usize = keys::index(RateLimitConfig::KEYS, "max_wait");

const RULE_WEIGHT_WITHIN_BURST: usize = 0;

impl RateLimitConfig {
    /// The smallest `rate`: one token per 10^6 seconds (11.6 days).
    pub const MIN_RATE: f64 = 1e-6;
    /// The largest `rate`: 10^12 tokens per second.
    pub const MAX_RATE: f64 = 1e12;
    /// The largest `burst_size`.
    pub const MAX_BURST_SIZE: f64 = 1e12;
    /// The largest denominator of the rational the limiter makes of `rate`.
    pub const MAX_RATE_DENOMINATOR: u64 = 1_000_000;

    /// The keys a `RateLimitConfig` has, in the order of the attribute's argument table.
    pub const KEYS: &'static [Key] = &[
        Key { name: "rate", kind: KeyKind::Number, default: "required", doc: "tokens added per second" },
        Key {
            name: "burst_size",
            kind: KeyKind::Number,
            default: "= rate",
            doc: "tokens the bucket holds when full (it starts full)",
        },
        Key { name: "weight", kind: KeyKind::Count, default: "1", doc: "tokens one call takes, at most `burst_size`" },
        Key {
            name: "max_wait",
            kind: KeyKind::Duration,
            default: "\"0ms\"",
            doc: "a call waits when its tokens come within this (inclusive), else it is refused at once",
        },
    ];

    /// The keys `#[rate_limit]` takes besides [`KEYS`](Self::KEYS): its name, and where the
    /// limit is decided (`backend`; `key` comes later).
    pub const ATTRIBUTE_KEYS: &'static [Key] = &[
        Key { name: "name", kind: KeyKind::Name, default: "required", doc: "shared limiter instance" },
        Key {
            name: "backend",
            kind: KeyKind::Words(&["local", "redis"]),
            default: "\"local\"",
            doc: "where the limit is decided: `\"local\"` in this process, `\"redis\"` on a Redis server shared by every replica",
        },
    ];

    /// Every key `#[rate_limit]` takes, in the order of the attribute's argument table.
    pub const ARGUMENTS: &'static [Key] = &[
        Self::ATTRIBUTE_KEYS[0],
        Self::KEYS[RATE],
        Self::KEYS[BURST_SIZE],
        Self::KEYS[WEIGHT],
        Self::KEYS[MAX_WAIT],
        Self::ATTRIBUTE_KEYS[1],
    ];

    /// The keys a shared limiter takes from its declaration (those
    /// [`same_limiter_settings`](Self::same_limiter_settings) compares); `weight` and
    /// `max_wait` are each call site's own.
    pub const LIMITER_KEYS: &'static [&'static str] = &["rate", "burst_size"];

    /// `rate` tokens per second, a burst of one second's worth, weight 1, no wait.
    pub const fn new(rate: f64) -> Self {
        RateLimitConfig { rate, burst_size: None, weight: 1, max_wait: Duration::ZERO }
    }

    /// Sets `rate`.
    pub const fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }
    /// Sets `burst_size`.
    pub const fn burst_size(mut self, tokens: f64) -> Self {
        self.burst_size = Some(tokens);
        self
    }
    /// Sets `weight`.
    pub const fn weight(mut self, tokens: u32) -> Self {
        self.weight = tokens;
        self
    }
    /// Sets `max_wait`.
    pub const fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// The burst in force: `burst_size`, or `rate` when it is not set.
    pub const fn burst(&self) -> f64 {
        match self.burst_size {
            Some(b) => b,
            None => self.rate,
        }
    }

    /// Sets the key `key` to `value`, as the setter of that name does, after checking the
    /// key's own rule; on an error the config is unchanged. See
    /// [`RetryConfig::set`](crate::RetryConfig::set).
    pub fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
        let i = value::position(Self::KEYS, key)?;
        let k = &Self::KEYS[i];
        let next = match i {
            RATE => self.rate(value.number(k)?),
            BURST_SIZE => self.burst_size(value.number(k)?),
            WEIGHT => self.weight(value.count(k)?),
            MAX_WAIT => self.max_wait(value.duration(k)?),
            _ => unreachable!("a key of RateLimitConfig::KEYS without a setter"),
        };
        check::commit(self, next, i)
    }

    /// Checks every rule, the first broken one as the error:
    /// - `rate` is finite, greater than 0 and within `1e-6..=1e12`;
    /// - `burst_size`, when set, within `1.0..=1e12`;
    /// - `weight >= 1`;
    /// - `weight <= burst_size` (the default burst being `rate`), or no call could ever be
    ///   admitted. So a `rate` below 1 needs an explicit `burst_size`.
    ///
    /// `max_wait` takes any duration (beyond 584 years it counts as 584 years).
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
    /// [`RetryConfig::errors`](crate::RetryConfig::errors).
    pub fn errors(&self, given: KeySet) -> Vec<ConfigError> {
        check::errors(self, given)
    }

    /// Whether two configurations agree on what a shared limiter takes from its declaration
    /// ([`LIMITER_KEYS`](Self::LIMITER_KEYS)): the rate and the burst in force.
    ///
    /// ```
    /// use std::time::Duration;
    /// use resile_config::RateLimitConfig;
    ///
    /// let a = RateLimitConfig::new(10.0);
    /// assert!(a.same_limiter_settings(&a.weight(3).max_wait(Duration::from_secs(1))));
    /// assert!(a.same_limiter_settings(&a.burst_size(10.0)));
    /// assert!(!a.same_limiter_settings(&a.burst_size(20.0)));
    /// ```
    pub fn same_limiter_settings(&self, other: &RateLimitConfig) -> bool {
        self.rate == other.rate && self.burst() == other.burst()
    }

    /// The rate in force as an exact fraction `(tokens, seconds)`: the nearest rational to
    /// `rate` (its exact binary value) whose denominator is at most
    /// [`MAX_RATE_DENOMINATOR`](Self::MAX_RATE_DENOMINATOR); of two equally near, the one with
    /// the smaller denominator. So `3.0` is `3/1`, `0.1` is `1/10`, `33.3` is `333/10`, `2.5`
    /// is `5/2`: the decimal a user wrote, for decimals with up to six places (and short
    /// enough to be recovered from an `f64`). A rate the rules refuse gives `(0, 1)`.
    ///
    /// Cost: a continued fraction, at most a hundred steps of 128-bit arithmetic; the limiter
    /// computes it once per configuration, never per call.
    ///
    /// ```
    /// use resile_config::RateLimitConfig;
    ///
    /// assert_eq!(RateLimitConfig::new(0.1).rational_rate(), (1, 10));
    /// assert_eq!(RateLimitConfig::new(1.0 / 3.0).rational_rate(), (1, 3));
    /// assert_eq!(RateLimitConfig::new(1e12).rational_rate(), (1_000_000_000_000, 1));
    /// assert_eq!(RateLimitConfig::new(std::f64::consts::PI).rational_rate(), (3_126_535, 995_207));
    /// ```
    pub fn rational_rate(&self) -> (u64, u64) {
        let r = self.rate;
        if !(r.is_finite() && (Self::MIN_RATE..=Self::MAX_RATE).contains(&r)) {
            return (0, 1);
        }
        let (mantissa, exponent) = binary(r);
        if exponent >= 0 {
            // An integer, at most 1e12.
            return ((u128::from(mantissa) << exponent) as u64, 1);
        }
        // r = n / 2^k exactly, k <= 1074 but at most 72 for r >= 1e-6 (mantissa < 2^53).
        let zeros = mantissa.trailing_zeros().min(exponent.unsigned_abs());
        let n = u128::from(mantissa >> zeros);
        let k = exponent.unsigned_abs() - zeros;
        if k == 0 {
            return (n as u64, 1);
        }
        limit_denominator(n, k, u128::from(Self::MAX_RATE_DENOMINATOR))
    }

    const RULES: usize = RULE_WEIGHT_WITHIN_BURST + 1;

    const fn is_set(&self, i: usize, given: KeySet) -> bool {
        given.contains(Self::KEYS[i].name)
            || match i {
                BURST_SIZE => self.burst_size.is_some(),
                WEIGHT => self.weight != 1,
                MAX_WAIT => !same(self.max_wait, Duration::ZERO),
                _ => true,
            }
    }

    const fn check_key(&self, i: usize) -> Option<ConfigError> {
        let problem = match i {
            RATE => {
                let r = self.rate;
                if !r.is_finite() {
                    Problem::NotFinite { found: r }
                } else if r <= 0.0 {
                    Problem::Positive { found: r }
                } else if r < Self::MIN_RATE || r > Self::MAX_RATE {
                    Problem::Within { min: Self::MIN_RATE, max: Self::MAX_RATE, found: r }
                } else {
                    return None;
                }
            }
            BURST_SIZE => match self.burst_size {
                // The negation also rejects NaN.
                Some(b) if !(b >= 1.0 && b <= Self::MAX_BURST_SIZE) => {
                    if b.is_finite() {
                        Problem::Within { min: 1.0, max: Self::MAX_BURST_SIZE, found: b }
                    } else {
                        Problem::NotFinite { found: b }
                    }
                }
                _ => return None,
            },
            WEIGHT if self.weight < 1 => Problem::AtLeast { min: 1, found: self.weight as u64 },
            _ => return None,
        };
        Some(ConfigError::new(Self::KEYS[i].name, problem))
    }

    const fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        match r {
            // `weight <= burst`: a bucket never holds more than its burst.
            RULE_WEIGHT_WITHIN_BURST => {
                let burst = self.burst();
                // A value out of range is reported by its own key's rule (the negation
                // also skips NaN).
                let in_range = match self.burst_size {
                    Some(b) => b >= 1.0 && b <= Self::MAX_BURST_SIZE,
                    None => self.rate >= Self::MIN_RATE && self.rate <= Self::MAX_RATE,
                };
                if !in_range || self.weight as f64 <= burst {
                    return None;
                }
                let burst_set = self.is_set(BURST_SIZE, given);
                let key = if self.is_set(WEIGHT, given) {
                    "weight"
                } else if burst_set {
                    "burst_size"
                } else {
                    "rate"
                };
                let problem = Problem::WeightAboveBurst {
                    weight: self.weight as u64,
                    burst_size: burst,
                    burst_size_default: !burst_set,
                };
                Some(ConfigError::new(key, problem))
            }
            _ => None,
        }
    }
}

/// The nearest fraction to `n / 2^k` with a denominator of at most `max_den` (ties: the
/// smaller denominator), by its continued fraction: the last convergent within the bound,
/// or the best semiconvergent after it. `n < 2^64`, `k <= 80`.
fn limit_denominator(n: u128, k: u32, max_den: u128) -> (u64, u64) {
    let (n0, d0) = (n, 1u128 << k);
    let (mut p0, mut q0, mut p1, mut q1) = (0u128, 1u128, 1u128, 0u128);
    let (mut num, mut den) = (n0, d0);
    loop {
        let a = num / den;
        let q2 = q0 + a * q1;
        if q2 > max_den {
            break;
        }
        (p0, q0, p1, q1) = (p1, q1, p0 + a * p1, q2);
        (num, den) = (den, num - a * den);
        if den == 0 {
            return (p1 as u64, q1 as u64);
        }
    }
    let s = (max_den - q0) / q1;
    let (ps, qs) = (p0 + s * p1, q0 + s * q1);
    // |p/q - x| = |p·2^k - n·q| / (q·2^k); both candidates satisfy |p - q·x| < 1, so the
    // numerator is below 2^k and the wrapped difference reads back exactly.
    let gap = |p: u128, q: u128| ((p << k).wrapping_sub(n0 * q) as i128).unsigned_abs();
    // Compare gap_c / q1 with gap_s / qs by cross-multiplying (each side below 2^100).
    if gap(p1, q1) * qs <= gap(ps, qs) * q1 { (p1 as u64, q1 as u64) } else { (ps as u64, qs as u64) }
}

impl Rules for RateLimitConfig {
    const KEYS: &'static [Key] = RateLimitConfig::KEYS;
    const RULES: usize = RateLimitConfig::RULES;
    fn check_key(&self, i: usize) -> Option<ConfigError> {
        RateLimitConfig::check_key(self, i)
    }
    fn check_rule(&self, r: usize, given: KeySet) -> Option<ConfigError> {
        RateLimitConfig::check_rule(self, r, given)
    }
    fn reset_key(&mut self, i: usize) {
        match i {
            // `rate` has no default; a bad rate is reported and kept.
            RATE => {}
            BURST_SIZE => self.burst_size = None,
            WEIGHT => self.weight = 1,
            _ => self.max_wait = Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_become_the_decimals_users_wrote() {
        let cases: [(f64, (u64, u64)); 10] = [
            (3.0, (3, 1)),
            (7.0, (7, 1)),
            (0.5, (1, 2)),
            (0.1, (1, 10)),
            (33.3, (333, 10)),
            (2.5, (5, 2)),
            (1e6, (1_000_000, 1)),
            (0.001, (1, 1000)),
            (1e-6, (1, 1_000_000)),
            (123.456789, (123_456_789, 1_000_000)),
        ];
        for (rate, expected) in cases {
            assert_eq!(RateLimitConfig::new(rate).rational_rate(), expected, "{rate}");
        }
        assert_eq!(RateLimitConfig::new(0.0).rational_rate(), (0, 1));
        assert_eq!(RateLimitConfig::new(f64::NAN).rational_rate(), (0, 1));
    }

    #[test]
    fn rules_name_their_keys() {
        let msg = |c: RateLimitConfig| c.validate().unwrap_err().to_string();
        assert_eq!(msg(RateLimitConfig::new(f64::NAN)), "`rate` must be a finite number, found NaN");
        assert_eq!(msg(RateLimitConfig::new(0.0)), "`rate` must be greater than 0, found 0.0");
        assert_eq!(
            msg(RateLimitConfig::new(10.0).burst_size(0.5)),
            "`burst_size` must be within 1.0..=1000000000000.0, found 0.5"
        );
        assert_eq!(msg(RateLimitConfig::new(10.0).weight(0)), "`weight` must be at least 1, found 0");
        let e = RateLimitConfig::new(10.0).weight(11).validate().unwrap_err();
        assert_eq!(e.key(), "weight");
        assert_eq!(
            e.to_string(),
            "`weight` (11) exceeds the default `burst_size` (= `rate`, 10): the bucket never holds that many tokens, \
             so no call could be admitted; set `burst_size` to at least 11"
        );
        assert_eq!(RateLimitConfig::new(0.5).validate().unwrap_err().key(), "rate");
        let e = RateLimitConfig::new(10.0).burst_size(2.0).weight(3).errors(KeySet::of(&["burst_size", "weight"]));
        assert_eq!((e.len(), e[0].key()), (1, "weight"));
        assert!(e[0].to_string().starts_with("`weight` (3) exceeds `burst_size` (2): "), "{}", e[0]);
        assert!(RateLimitConfig::new(0.5).burst_size(1.0).validate().is_ok());
        assert!(RateLimitConfig::new(10.0).burst_size(2.5).weight(2).validate().is_ok());
    }

    #[test]
    fn set_checks_the_key() {
        let mut c = RateLimitConfig::new(5.0);
        c.set("weight", Value::Count(2)).unwrap();
        c.set("burst_size", Value::Count(8)).unwrap();
        c.set("max_wait", Value::Duration(Duration::from_millis(5))).unwrap();
        assert!(c.set("rate", Value::Number(-1.0)).is_err());
        assert_eq!(c, RateLimitConfig::new(5.0).weight(2).burst_size(8.0).max_wait(Duration::from_millis(5)));
    }
}
