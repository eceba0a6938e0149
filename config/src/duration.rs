//! Durations as users write them: `"250ms"`, `"1.5s"`, `"2m"`.
//!
//! [`parse`] reads the text inside the quotes of an attribute value (and, later, of a TOML
//! value); [`display`] writes a duration the way every message of this crate shows it.

use std::time::Duration;

/// Parses `<number><unit>` with units `ns us ms s m h`; the number may have a fraction.
///
/// The error is a message that says what was expected and how to write it; callers put the
/// key in front of it (`invalid duration for `base_delay`: …`).
///
/// ```
/// use std::time::Duration;
/// use resile_config::duration;
///
/// assert_eq!(duration::parse("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(
///     duration::parse("5 secs").unwrap_err(),
///     "unknown unit `secs`; use one of `ns`, `us`, `ms`, `s`, `m`, `h`; did you mean `s`?",
/// );
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    if num.is_empty() {
        return Err(format!("expected a number followed by a unit, e.g. `\"250ms\"`, found `\"{text}\"`"));
    }
    let value: f64 = num.parse().map_err(|_| format!("`{num}` is not a number"))?;
    let nanos_per = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "" => {
            return Err(format!(
                "missing unit in `\"{text}\"`; use one of `ns`, `us`, `ms`, `s`, `m`, `h`, e.g. `\"{num}ms\"`"
            ));
        }
        other => {
            let hint = match other {
                "sec" | "secs" | "second" | "seconds" => "; did you mean `s`?",
                "msec" | "msecs" | "millis" | "milliseconds" => "; did you mean `ms`?",
                "min" | "mins" | "minute" | "minutes" => "; did you mean `m`?",
                "hr" | "hrs" | "hour" | "hours" => "; did you mean `h`?",
                "micros" | "μs" => "; did you mean `us`?",
                _ => "",
            };
            return Err(format!("unknown unit `{other}`; use one of `ns`, `us`, `ms`, `s`, `m`, `h`{hint}"));
        }
    };
    let nanos = value * nanos_per;
    if !nanos.is_finite() || nanos > u64::MAX as f64 {
        return Err("the duration is too large".into());
    }
    Ok(Duration::from_nanos(nanos.round() as u64))
}

/// A duration as every message shows it: `100ms`, `1.5s`, `0ns` (the `Debug` form of
/// [`Duration`]), which [`parse`] reads back.
///
/// ```
/// use std::time::Duration;
/// use resile_config::duration;
///
/// let d = Duration::from_millis(1500);
/// assert_eq!(duration::display(d), "1.5s");
/// assert_eq!(duration::parse(&duration::display(d)), Ok(d));
/// ```
pub fn display(d: Duration) -> String {
    format!("{d:?}")
}

/// The duration of `ns` nanoseconds, or [`Duration::MAX`] if `ns` is longer (every
/// `Duration` is a whole number of nanoseconds below 2^94, so `d.as_nanos()` reads back
/// exactly).
///
/// ```
/// use std::time::Duration;
/// use resile_config::duration;
///
/// assert_eq!(duration::from_nanos(1_500_000_000), Duration::from_millis(1500));
/// assert_eq!(duration::from_nanos(Duration::MAX.as_nanos()), Duration::MAX);
/// assert_eq!(duration::from_nanos(u128::MAX), Duration::MAX);
/// ```
pub const fn from_nanos(ns: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = ns / NANOS_PER_SEC;
    if secs > u64::MAX as u128 {
        return Duration::MAX;
    }
    Duration::new(secs as u64, (ns % NANOS_PER_SEC) as u32)
}

/// `floor(ns × x)`, exactly, for a fraction `x`: the exact binary value of `x` times `ns`,
/// rounded down once (no float rounding, so the result is within `0..=ns` and never
/// panics). `x` below 0 or NaN counts as 0, and above 1 as 1.
///
/// Cost: two 64 × 64-bit multiplications and a shift.
///
/// ```
/// use resile_config::duration;
///
/// assert_eq!(duration::mul_fraction(100, 0.5), 50);
/// assert_eq!(duration::mul_fraction(3, 0.5), 1);
/// assert_eq!(duration::mul_fraction(u128::MAX, 1.0), u128::MAX);
/// assert_eq!(duration::mul_fraction(1 << 100, 0.1), 126_765_060_022_822_947_186_544_738_304);
/// ```
pub fn mul_fraction(ns: u128, x: f64) -> u128 {
    if x >= 1.0 {
        return ns;
    }
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let (mantissa, exponent) = binary(x);
    // x = mantissa × 2^exponent with exponent < 0, as x < 1.
    shr(mul_wide(ns, mantissa.into()), exponent.unsigned_abs())
}

/// A finite, positive `x` as `mantissa × 2^exponent`, exactly.
pub(crate) fn binary(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let fraction = bits & ((1 << 52) - 1);
    match ((bits >> 52) & 0x7ff) as i32 {
        0 => (fraction, -1074),
        biased => (fraction | 1 << 52, biased - 1075),
    }
}

/// `a × b` exactly, as 256 bits: `[high, low]`.
pub(crate) const fn mul_wide(a: u128, b: u128) -> [u128; 2] {
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0, b1, b0) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let low = a0 * b0;
    // Each cross product is below 2^128, and so is their sum's middle word with carries.
    let (c1, c2) = (a1 * b0, a0 * b1);
    let middle = (low >> 64) + (c1 & LOW) + (c2 & LOW);
    let high = a1 * b1 + (c1 >> 64) + (c2 >> 64) + (middle >> 64);
    [high, (middle << 64) | (low & LOW)]
}

/// `floor([high, low] / 2^shift)`, or `u128::MAX` if that does not fit.
pub(crate) const fn shr([high, low]: [u128; 2], shift: u32) -> u128 {
    match shift {
        0 if high != 0 => u128::MAX,
        0 => low,
        1..128 if high >> shift != 0 => u128::MAX,
        1..128 => high << (128 - shift) | low >> shift,
        128..256 => high >> (shift - 128),
        _ => 0,
    }
}

/// `a > b`, in a `const fn`.
pub(crate) const fn longer(a: Duration, b: Duration) -> bool {
    a.as_nanos() > b.as_nanos()
}

/// `a == b`, in a `const fn`.
pub(crate) const fn same(a: Duration, b: Duration) -> bool {
    a.as_nanos() == b.as_nanos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
        assert!(parse("100").unwrap_err().contains("missing unit"));
        assert!(parse("5secs").unwrap_err().contains("did you mean `s`"));
        assert!(parse("ms").is_err());
    }

    #[test]
    fn display_reads_back() {
        let cases =
            [0, 1, 999, 1_000, 10_000, 1_500_000, 100_000_000, 1_000_000_001, 60_000_000_000, 3_600_000_000_000];
        for nanos in cases {
            let d = Duration::from_nanos(nanos);
            assert_eq!(parse(&display(d)), Ok(d), "{}", display(d));
        }
    }

    #[test]
    fn wide_products_and_shifts_are_exact() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), [u128::MAX - 1, 1]);
        assert_eq!(mul_wide(1 << 100, 1 << 100), [1 << 72, 0]);
        assert_eq!(mul_wide(u64::MAX.into(), u64::MAX.into()), [0, u128::from(u64::MAX) * u128::from(u64::MAX)]);
        assert_eq!(shr([1, 0], 0), u128::MAX);
        assert_eq!(shr([1, 0], 1), 1 << 127);
        assert_eq!(shr([1, 3], 127), 2);
        assert_eq!(shr([u128::MAX, 0], 200), u128::MAX >> 72);
        assert_eq!(shr([u128::MAX, u128::MAX], 256), 0);
        assert_eq!(from_nanos(Duration::MAX.as_nanos() + 1), Duration::MAX);
        assert_eq!(mul_fraction(10, f64::NAN), 0);
        assert_eq!(mul_fraction(10, -1.0), 0);
        assert_eq!(mul_fraction(10, 2.0), 10);
    }
}
