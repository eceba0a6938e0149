//! [`Buf`]: text written by `const fn`s (a `const` panic formats nothing but one `&str`), and
//! [`ConfigError::write_message`], the message of a broken rule written there, the same
//! words as its `Display`.
//!
//! Numbers are written as Rust's formatting writes them: integers in decimal, durations as
//! `Duration`'s `Debug` (`1.5s`, `250ms`), floats as `f64`'s `Display` (`0.5`, `2`) or `Debug`
//! (`0.5`, `2.0`, `1e-7`) in their shortest form that reads back as the same value. That form
//! is found exactly when its digits are below 2^53 and its decimal exponent within ±22 (any
//! value a person writes in a configuration, and `1.0 / 3.0`); another (`f64::MAX`) is
//! written with 17 significant digits, close to but not always as `std` writes it.

use std::time::Duration;

use crate::error::{ConfigError, Problem};

/// A fixed-size text buffer that `const fn`s write to. Text that does not fit is dropped
/// whole (a message is at most a few hundred bytes) and the buffer ends with `…`.
pub(crate) struct Buf {
    bytes: [u8; Buf::CAPACITY],
    len: usize,
    full: bool,
}

/// `10^0 ..= 10^22`: the powers of ten an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

impl Buf {
    const CAPACITY: usize = 640;

    pub(crate) const fn new() -> Self {
        Buf { bytes: [0; Buf::CAPACITY], len: 0, full: false }
    }

    /// The text written.
    pub(crate) const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "",
        }
    }

    pub(crate) const fn push(&mut self, s: &str) {
        let b = s.as_bytes();
        if self.full || self.len + b.len() > Buf::CAPACITY - 3 {
            if !self.full {
                self.full = true;
                self.push_raw("…".as_bytes());
            }
            return;
        }
        self.push_raw(b);
    }

    const fn push_raw(&mut self, b: &[u8]) {
        let mut i = 0;
        while i < b.len() {
            self.bytes[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
    }

    /// `n` in decimal.
    pub(crate) const fn push_u64(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if let Ok(s) = core::str::from_utf8(digits.split_at(i).1) {
            self.push(s);
        }
    }

    /// `n` in decimal with exactly `width` digits (leading zeros), without its trailing
    /// zeros: the fraction of a duration.
    const fn push_fraction(&mut self, n: u64, width: usize) {
        let mut digits = [0u8; 20];
        let mut n = n;
        let mut i = width;
        while i > 0 {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let mut end = width;
        while end > 0 && digits[end - 1] == b'0' {
            end -= 1;
        }
        if let Ok(s) = core::str::from_utf8(digits.split_at(end).0) {
            self.push(s);
        }
    }

    /// `d` as `Duration`'s `Debug` writes it: `1.5s`, `250ms`, `1.000001ms`, `500µs`, `0ns`.
    pub(crate) const fn push_duration(&mut self, d: Duration) {
        let (secs, nanos) = (d.as_secs(), d.subsec_nanos() as u64);
        let (int, frac, width, unit) = if secs > 0 {
            (secs, nanos, 9, "s")
        } else if nanos >= 1_000_000 {
            (nanos / 1_000_000, nanos % 1_000_000, 6, "ms")
        } else if nanos >= 1_000 {
            (nanos / 1_000, nanos % 1_000, 3, "µs")
        } else {
            (nanos, 0, 0, "ns")
        };
        self.push_u64(int);
        if frac > 0 {
            self.push(".");
            self.push_fraction(frac, width);
        }
        self.push(unit);
    }

    /// `x` as `f64`'s `Display` writes it (`{}`): `0.5`, `2`, `0.0000001`.
    pub(crate) const fn push_f64(&mut self, x: f64) {
        self.push_float(x, false);
    }

    /// `x` as `f64`'s `Debug` writes it (`{:?}`): `0.5`, `2.0`, `1e-7`, `1e16`.
    pub(crate) const fn push_f64_debug(&mut self, x: f64) {
        self.push_float(x, true);
    }

    const fn push_float(&mut self, x: f64, debug: bool) {
        if x.is_nan() {
            return self.push("NaN");
        }
        if x.is_sign_negative() {
            self.push("-");
        }
        let x = x.abs();
        if x.is_infinite() {
            return self.push("inf");
        }
        if x == 0.0 {
            return self.push(if debug { "0.0" } else { "0" });
        }
        let (m, e) = shortest(x);
        let mut digits = [0u8; 20];
        let mut k = digits.len();
        let mut n = m;
        while n > 0 {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let d = digits.split_at(k).1;
        let len = d.len() as i32;
        if debug && !(x >= 1e-4 && x < 1e16) {
            // Exponential: `1e-7`, `1.5e16`.
            self.push_digits(d, 0, 1);
            if len > 1 {
                self.push(".");
                self.push_digits(d, 1, d.len());
            }
            self.push("e");
            let exp = e + len - 1;
            if exp < 0 {
                self.push("-");
            }
            self.push_u64(exp.unsigned_abs() as u64);
            return;
        }
        if e >= 0 {
            self.push_digits(d, 0, d.len());
            let mut z = 0;
            while z < e {
                self.push("0");
                z += 1;
            }
            if debug {
                self.push(".0");
            }
            return;
        }
        let point = len + e;
        if point > 0 {
            self.push_digits(d, 0, point as usize);
            self.push(".");
            self.push_digits(d, point as usize, d.len());
        } else {
            self.push("0.");
            let mut z = 0;
            while z < -point {
                self.push("0");
                z += 1;
            }
            self.push_digits(d, 0, d.len());
        }
    }

    const fn push_digits(&mut self, d: &[u8], from: usize, to: usize) {
        let (head, _) = d.split_at(to);
        let (_, part) = head.split_at(from);
        if let Ok(s) = core::str::from_utf8(part) {
            self.push(s);
        }
    }
}

/// `x` (finite, > 0) as `m × 10^e` with the fewest digits in `m` that read back as `x`.
const fn shortest(x: f64) -> (u64, i32) {
    // The decimal exponent of the leading digit: 10^p <= x < 10^(p+1), when within the
    // powers held exactly.
    let mut p: i32 = 0;
    if x >= 1.0 {
        while p < 22 && POW10[(p + 1) as usize] <= x {
            p += 1;
        }
    } else {
        while p > -22 && x * POW10[(-p) as usize] < 1.0 {
            p -= 1;
        }
    }
    let mut n = 1;
    while n <= 17 {
        let e = p - (n - 1);
        if e < -22 || e > 22 {
            break;
        }
        let scaled = if e >= 0 { x / POW10[e as usize] } else { x * POW10[(-e) as usize] };
        if scaled < 9.0e15 {
            let m = (scaled + 0.5) as u64;
            let mut c = if m > 0 { m - 1 } else { 0 };
            while c <= m + 1 {
                // `c` below 2^53 and an exact power of ten: the product or quotient is
                // rounded once, exactly as reading the decimal `c e{e}` rounds it.
                let back = if e >= 0 { c as f64 * POW10[e as usize] } else { c as f64 / POW10[(-e) as usize] };
                if c > 0 && back == x {
                    let (mut c, mut e) = (c, e);
                    while c % 10 == 0 {
                        c /= 10;
                        e += 1;
                    }
                    return (c, e);
                }
                c += 1;
            }
        }
        n += 1;
    }
    seventeen_digits(x)
}

/// `x` (finite, > 0) with 17 significant digits, scaled by powers of ten in `f64`: close to
/// `x`, not always exact.
const fn seventeen_digits(x: f64) -> (u64, i32) {
    let mut e: i32 = 0;
    let mut v = x;
    while v >= 1e17 {
        v /= 10.0;
        e += 1;
    }
    while v < 1e16 {
        v *= 10.0;
        e -= 1;
    }
    let (mut m, mut e) = ((v + 0.5) as u64, e);
    while m % 10 == 0 {
        m /= 10;
        e += 1;
    }
    (m, e)
}

/// "the default " before a key that was left at its default.
const fn the_default(buf: &mut Buf, default: bool) {
    if default {
        buf.push("the default ");
    }
}

/// Whether a ratio reads as a percentage (see the `Display` of [`ConfigError`]).
const fn looks_like_percent(found: f64) -> bool {
    found > 1.0 && found <= 100.0 && ((found as u64) as f64 == found || found >= 10.0)
}

impl ConfigError {
    /// Writes the message of [`Display`](std::fmt::Display) in a `const fn`: the message of
    /// every rule `validate` checks. The problems only parsing finds (an unknown key, word or
    /// section, a value of the wrong kind, a duration without a unit, a TOML file's
    /// problems) write their
    /// [`summary`](Self::summary) after the key.
    pub(crate) const fn write_message(&self, f: &mut Buf) {
        let key = self.key();
        // `key` in backticks.
        macro_rules! k {
            ($key:expr) => {{
                f.push("`");
                f.push($key);
                f.push("`");
            }};
        }
        match self.problem() {
            Problem::AtLeast { min, found } => {
                k!(key);
                f.push(" must be at least ");
                f.push_u64(min);
                f.push(", found ");
                f.push_u64(found);
            }
            Problem::AtMost { max, found } => {
                k!(key);
                f.push(" must be at most ");
                f.push_u64(max);
                f.push(", found ");
                f.push_u64(found);
            }
            Problem::Zero => {
                k!(key);
                f.push(" must be greater than zero");
            }
            Problem::NumberAtLeast { min, found } => {
                k!(key);
                f.push(" must be at least ");
                f.push_f64_debug(min);
                f.push(", found ");
                f.push_f64(found);
            }
            Problem::NotFinite { found } => {
                k!(key);
                f.push(" must be a finite number, found ");
                f.push_f64_debug(found);
            }
            Problem::Positive { found } => {
                k!(key);
                f.push(" must be greater than 0, found ");
                f.push_f64_debug(found);
            }
            Problem::Rate { found } | Problem::Within { min: 0.0, max: 1.0, found } if looks_like_percent(found) => {
                k!(key);
                f.push(" is a ratio in 0.0..=1.0, not a percentage: did you mean `");
                f.push_f64_debug(((found / 100.0 * 1e9 + 0.5) as u64) as f64 / 1e9);
                f.push("`?");
            }
            Problem::Rate { found } => {
                k!(key);
                f.push(" must be greater than 0.0 and at most 1.0, found ");
                f.push_f64_debug(found);
            }
            Problem::Within { min, max, found } => {
                k!(key);
                f.push(" must be within ");
                f.push_f64_debug(min);
                f.push("..=");
                f.push_f64_debug(max);
                f.push(", found ");
                f.push_f64(found);
            }
            Problem::Percentile { found } => {
                k!(key);
                f.push(" must be within 0 < p < 100, found ");
                f.push_f64_debug(found);
            }
            Problem::DurationWithin { min, max, found } => {
                k!(key);
                f.push(" must be within ");
                f.push_duration(min);
                f.push("..=");
                f.push_duration(max);
                f.push(", found ");
                f.push_duration(found);
            }
            Problem::EmptyList => {
                f.push("a backoff list needs at least one delay, e.g. `backoff = [\"100ms\", \"500ms\", \"2s\"]`")
            }
            Problem::ListDelayAboveMax { delay, max_delay, .. } => {
                f.push("backoff list delay ");
                f.push_duration(delay);
                f.push(" exceeds `max_delay` (");
                f.push_duration(max_delay);
                f.push("); raise `max_delay` or shorten the delay");
            }
            Problem::DurationWithoutUnit { .. }
            | Problem::UnknownKey { .. }
            | Problem::WrongValue { .. }
            | Problem::UnknownWord { .. }
            | Problem::UnknownSection { .. }
            | Problem::NotASection { .. }
            | Problem::NotToml { .. }
            | Problem::NotBool { .. }
            | Problem::BadDuration { .. }
            | Problem::SiteKey { .. } => {
                k!(key);
                f.push(": ");
                f.push(self.summary());
            }
            Problem::NotAbove { low, low_value, high, high_value, high_default } => {
                k!(low);
                f.push(" (");
                f.push_duration(low_value);
                if high_default {
                    f.push(") exceeds the default ");
                    k!(high);
                    f.push(" (");
                    f.push_duration(high_value);
                    f.push("); set ");
                    k!(high);
                    f.push(" to at least ");
                    f.push_duration(low_value);
                } else {
                    f.push(") must not exceed ");
                    k!(high);
                    f.push(" (");
                    f.push_duration(high_value);
                    f.push("); raise ");
                    k!(high);
                    f.push(" or lower ");
                    k!(low);
                }
            }
            Problem::MaxWithList { list_max } => {
                f.push("`max` cannot be combined with a backoff list: the list sets it to ");
                f.push_u64(list_max);
                f.push(" (one attempt plus one per delay); remove `max`");
            }
            Problem::OnlyWithBackoff { backoff } => {
                k!(key);
                f.push(" only applies to `backoff = \"");
                f.push(backoff);
                f.push("\"`; remove it or change `backoff`");
            }
            Problem::NeedsKey { other, example } => {
                k!(key);
                f.push(" has no effect without ");
                k!(other);
                f.push("; add `");
                f.push(other);
                f.push(" = ");
                f.push(example);
                f.push("` or remove it");
            }
            Problem::DecorrelatedWithList => f.push(
                "`jitter = \"decorrelated\"` draws its own delays from `base_delay`; it cannot follow a backoff list: use `jitter = \"full\"` or `\"none\"` with a list",
            ),
            Problem::DecorrelatedWithBackoff { backoff } => {
                f.push("`backoff = \"");
                f.push(backoff);
                f.push("\"` has no effect with `jitter = \"decorrelated\"`, which draws each delay from `base_delay` up to 3 × the previous one; remove `backoff`, or use another jitter");
            }
            Problem::DecorrelatedWithMultiplier => f.push(
                "`multiplier` has no effect with `jitter = \"decorrelated\"`, which grows each delay by at most 3 × the previous one; remove `multiplier`, or use another jitter",
            ),
            Problem::DecorrelatedFromZero => f.push(
                "decorrelated jitter grows from `base_delay`: with 0 every delay is 0; set `base_delay` above zero, or use another jitter",
            ),
            Problem::MinimumCallsAboveWindow { minimum_calls, minimum_calls_default, window_size, window_size_default } => {
                the_default(f, minimum_calls_default);
                f.push("`minimum_calls` (");
                f.push_u64(minimum_calls);
                f.push(") exceeds ");
                the_default(f, window_size_default);
                f.push("`window_size` (");
                f.push_u64(window_size);
                f.push("): a count window never holds that many calls, so the breaker could never open; set `minimum_calls` to at most ");
                f.push_u64(window_size);
                f.push(", or raise `window_size`");
            }
            Problem::DelayWithPercentile => f.push(
                "`delay` is the static delay, but `percentile` makes the delay adaptive; use `initial_delay` for the delay before enough samples",
            ),
            Problem::OnlyAdaptive => {
                k!(key);
                f.push(" only applies to the adaptive mode; add `percentile = 95.0` or remove ");
                k!(key);
            }
            Problem::MinSamplesAboveBuffer { min_samples, min_samples_default, buffer_size, buffer_size_default } => {
                the_default(f, min_samples_default);
                f.push("`min_samples` (");
                f.push_u64(min_samples);
                f.push(") exceeds ");
                the_default(f, buffer_size_default);
                f.push("`buffer_size` (");
                f.push_u64(buffer_size);
                f.push("): the tracker never holds that many samples");
            }
            Problem::DelayNotBeforeTimeout { delay_key, delay, delay_default, timeout } => {
                if delay_default {
                    f.push("the default ");
                }
                k!(delay_key);
                f.push(" (");
                f.push_duration(delay);
                if delay_default {
                    f.push(") is not shorter than `timeout` (");
                    f.push_duration(timeout);
                    f.push("); set ");
                    k!(delay_key);
                    f.push(" below it, or no hedge could ever start");
                } else {
                    f.push(") must be shorter than `timeout` (");
                    f.push_duration(timeout);
                    f.push("), or no hedge could ever start");
                }
            }
            Problem::TokenThresholdAboveMax { threshold, max } => {
                f.push("`token_threshold` (");
                f.push_f64(threshold);
                f.push(") exceeds `token_max` (");
                f.push_f64(max);
                f.push("): the hedge budget could never allow a hedge");
            }
            Problem::WeightAboveMaxConcurrent { weight, max_concurrent } => {
                f.push("`weight` (");
                f.push_u64(weight);
                f.push(") exceeds `max_concurrent` (");
                f.push_u64(max_concurrent);
                f.push("): such a call could never run; lower `weight` or raise `max_concurrent`");
            }
            Problem::WeightAboveBurst { weight, burst_size, burst_size_default } => {
                f.push("`weight` (");
                f.push_u64(weight);
                if burst_size_default {
                    f.push(") exceeds the default `burst_size` (= `rate`, ");
                    f.push_f64(burst_size);
                    f.push("): the bucket never holds that many tokens, so no call could be admitted; set `burst_size` to at least ");
                    f.push_u64(weight);
                } else {
                    f.push(") exceeds `burst_size` (");
                    f.push_f64(burst_size);
                    f.push("): the bucket never holds that many tokens, so no call could be admitted; lower `weight` or raise `burst_size`");
                }
            }
            Problem::RatesAboveOne { error_rate, hang_rate } => {
                f.push("`error_rate` (");
                f.push_f64(error_rate);
                f.push(") + `hang_rate` (");
                f.push_f64(hang_rate);
                f.push(") exceeds 1.0: a call cannot both fail and hang; lower one of them");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BulkheadConfig, CircuitBreakerConfig, HedgeConfig, KeySet, RateLimitConfig, RetryConfig};

    fn float(x: f64, debug: bool) -> String {
        let mut buf = Buf::new();
        buf.push_float(x, debug);
        buf.as_str().to_string()
    }

    #[test]
    fn floats_read_as_std_writes_them() {
        let values = [
            0.5,
            2.0,
            1.5,
            0.1,
            0.2,
            0.3,
            0.25,
            100.0,
            150.0,
            1e-7,
            1e-5,
            1e-4,
            0.0001234,
            1e12,
            1e13,
            1e15,
            1e16,
            1e20,
            1.5e16,
            12.5,
            99.9,
            0.123,
            1000.5,
            3.0,
            33.333,
            1e-6,
            123456789.125,
            0.999,
            2.5e-3,
            7e22,
            1e-22,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            0.0,
            -0.0,
            -1.5,
            -2.0,
            0.1 + 0.2,
            1.0 / 3.0,
        ];
        for x in values {
            assert_eq!(float(x, false), format!("{x}"), "Display of {x:e}");
            assert_eq!(float(x, true), format!("{x:?}"), "Debug of {x:e}");
        }
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // Values as people write them: up to 15 digits and an exponent.
            let digits = rng % 10u64.pow(1 + (rng >> 60) as u32 % 15);
            let x: f64 = format!("{digits}e{}", (rng >> 32) as i64 % 20 - 10).parse().unwrap();
            assert_eq!(float(x, false), format!("{x}"), "Display of {x:e}");
            assert_eq!(float(x, true), format!("{x:?}"), "Debug of {x:e}");
        }
    }

    #[test]
    fn durations_read_as_std_writes_them() {
        for ns in [
            0,
            1,
            999,
            1_000,
            1_500,
            999_999,
            1_000_000,
            1_000_001,
            250_000_000,
            1_000_000_000,
            1_500_000_000,
            60_000_000_000,
            3_600_000_000_001,
            u64::MAX,
        ] {
            let d = Duration::from_nanos(ns);
            let mut buf = Buf::new();
            buf.push_duration(d);
            assert_eq!(buf.as_str(), format!("{d:?}"));
        }
    }

    /// Every error `validate` can give, and more, reads the same through `write_message`
    /// and `Display`.
    #[test]
    fn messages_match_display() {
        const MS1: &[Duration] = &[Duration::from_millis(1)];
        const S9: &[Duration] = &[Duration::from_secs(9)];
        let ms = Duration::from_millis;
        let mut errors = Vec::new();
        let retries = [
            RetryConfig::new().max(0),
            RetryConfig::new().base_delay(ms(10_000)),
            RetryConfig::new().base_delay(ms(600)).max_delay(ms(500)),
            RetryConfig::new().multiplier(0.5),
            RetryConfig::new().multiplier(f64::NAN),
            RetryConfig::new().jitter(crate::Jitter::Proportional(1.5)),
            RetryConfig::new().jitter(crate::Jitter::Proportional(50.0)),
            RetryConfig::new().budget(Duration::ZERO),
            RetryConfig::new().backoff(crate::Backoff::List(&[])),
            RetryConfig::new().backoff(crate::Backoff::List(S9)),
            RetryConfig::new().backoff(crate::Backoff::List(MS1)).max(5),
            RetryConfig::new().jitter(crate::Jitter::Decorrelated).backoff(crate::Backoff::Linear),
            RetryConfig::new().jitter(crate::Jitter::Decorrelated).base_delay(Duration::ZERO),
            RetryConfig::new().jitter(crate::Jitter::Decorrelated).multiplier(3.0),
            RetryConfig::new().jitter(crate::Jitter::Decorrelated).backoff(crate::Backoff::List(MS1)),
        ];
        for c in retries {
            errors.extend(c.errors(KeySet::EMPTY));
            errors.extend(c.errors(KeySet::EMPTY.with("max_delay").with("multiplier").with("increment")));
        }
        let breakers = [
            CircuitBreakerConfig::new().window_size(0),
            CircuitBreakerConfig::new().window_size(5),
            CircuitBreakerConfig::new().window_size(2_000_000),
            CircuitBreakerConfig::new().failure_rate_threshold(50.0),
            CircuitBreakerConfig::new().failure_rate_threshold(1.5),
            CircuitBreakerConfig::new().failure_rate_threshold(0.0),
            CircuitBreakerConfig::new().slow_call_threshold(Duration::ZERO),
            CircuitBreakerConfig::new().minimum_calls(0),
            CircuitBreakerConfig::new().minimum_calls(200),
            CircuitBreakerConfig::new().open_timeout(Duration::ZERO),
            CircuitBreakerConfig::new().permitted_calls_in_half_open(0),
            CircuitBreakerConfig::new().slow_call_rate_threshold(0.5),
        ];
        for c in breakers {
            errors.extend(c.errors(KeySet::EMPTY));
            errors.extend(c.errors(KeySet::EMPTY.with("slow_call_rate_threshold").with("minimum_calls")));
        }
        let hedges = [
            HedgeConfig::new().percentile(100.0),
            HedgeConfig::new().max_requests(0),
            HedgeConfig::new().timeout(ms(50)),
            HedgeConfig::new().timeout(ms(50)).delay(ms(80)),
            HedgeConfig::new().percentile(95.0).timeout(ms(50)),
            HedgeConfig::new().buffer_size(5),
            HedgeConfig::new().min_samples(0),
            HedgeConfig::new().token_max(-1.0),
            HedgeConfig::new().token_threshold(20.0),
            HedgeConfig::new().token_threshold(0.0),
            HedgeConfig::new().min_delay(ms(10_000)),
        ];
        for c in hedges {
            errors.extend(c.errors(KeySet::EMPTY));
            errors.extend(c.errors(KeySet::EMPTY.with("delay").with("buffer_size").with("min_samples")));
        }
        for c in [BulkheadConfig::new(0), BulkheadConfig::new(2).weight(3), BulkheadConfig::new(2).weight(0)] {
            errors.extend(c.errors(KeySet::EMPTY));
        }
        let limits = [
            RateLimitConfig::new(0.0),
            RateLimitConfig::new(f64::INFINITY),
            RateLimitConfig::new(1e13),
            RateLimitConfig::new(0.5),
            RateLimitConfig::new(10.0).burst_size(0.5),
            RateLimitConfig::new(10.0).burst_size(2.5).weight(3),
            RateLimitConfig::new(10.0).weight(0),
        ];
        for c in limits {
            errors.extend(c.errors(KeySet::EMPTY));
        }
        assert!(errors.len() > 40, "{} errors", errors.len());
        let mut problems = std::collections::HashSet::new();
        for e in &errors {
            let mut buf = Buf::new();
            e.write_message(&mut buf);
            assert_eq!(buf.as_str(), e.to_string());
            problems.insert(std::mem::discriminant(&e.problem()));
        }
        assert!(problems.len() >= 25, "{} kinds of problem", problems.len());
    }
}
