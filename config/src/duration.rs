//! Durations as users write them: `"250ms"`, `"1.5s"`, `"2m"`.
//!
//! [`parse`] reads the text inside the quotes of an attribute value (and, later, of a TOML
//! value); [`display`] writes a duration the way every message of this crate shows it.

use std::time::Duration;

/// Parses `<number><unit>` with units `ns us ms s m h`; the number may have a fraction.
///
/// - The number is read exactly (as a decimal, not as a float), so `"0.3ms"` is 300 µs
///   to the nanosecond.
/// - Underscores may separate digits, as in a Rust literal: `"5_000ms"`. Each one sits
///   between two digits (`"5__000ms"`, `"_5ms"` and `"5_ms"` are errors).
/// - A duration is a whole number of nanoseconds: a number that names a fraction of a
///   nanosecond (`"0.4ns"`, `"1.5ns"`, `"0.0000015ms"`) is an error that says which two
///   whole durations it lies between. Nothing is rounded, so a short duration never turns
///   into a zero the user did not write.
/// - An exponent (`"1e3ms"`) is not read: `e3ms` is an unknown unit.
///
/// The error is a message that says what was expected and how to write it; callers put the
/// key in front of it (`invalid duration for `base_delay`: …`).
///
/// ```
/// use std::time::Duration;
/// use resile_config::duration;
///
/// assert_eq!(duration::parse("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(duration::parse("5_000ms"), Ok(Duration::from_secs(5)));
/// assert_eq!(
///     duration::parse("5 secs").unwrap_err(),
///     "unknown unit `secs`; use one of `ns`, `us`, `ms`, `s`, `m`, `h`; did you mean `s`?",
/// );
/// assert_eq!(
///     duration::parse("0.4ns").unwrap_err(),
///     "durations are whole nanoseconds: `0.4ns` lies between 0ns and 1ns; write `\"0ns\"` or `\"1ns\"`",
/// );
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    if num.is_empty() {
        return Err(format!("expected a number followed by a unit, e.g. `\"250ms\"`, found `\"{text}\"`"));
    }
    let digits = without_underscores(num)?;
    let (whole, fraction) = digits.split_once('.').unwrap_or((&digits, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(format!("`{num}` is not a number"));
    }
    let nanos_per: u128 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
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
    let too_large = || "the duration is too large".to_string();
    // The whole part, in nanoseconds; anything above u64::MAX ns is too large.
    let mut nanos: u128 = 0;
    for d in whole.bytes() {
        nanos = nanos * 10 + u128::from(d - b'0');
        if nanos > u128::from(u64::MAX) {
            return Err(too_large());
        }
    }
    nanos *= nanos_per;
    // The fraction, `f / 10^len` with its trailing zeros gone. A unit is at most 2^13 × 5^11
    // × 9 ns, so a fraction of more than 13 significant digits is never whole nanoseconds;
    // up to 13, `f × nanos_per` is below 10^13 × 3.6 × 10^12 and exact in a u128.
    let fraction = fraction.trim_end_matches('0');
    let (part, exact) = if fraction.len() <= 13 {
        let f = fraction.bytes().fold(0u128, |f, d| f * 10 + u128::from(d - b'0'));
        let scale = 10u128.pow(fraction.len() as u32);
        (f * nanos_per / scale, (f * nanos_per).is_multiple_of(scale))
    } else {
        // Not whole: only the bounds in the message need the value, read from the first 25
        // digits (below 10^25 × 3.6 × 10^12 < 2^128).
        let digits = &fraction[..fraction.len().min(25)];
        let f = digits.bytes().fold(0u128, |f, d| f * 10 + u128::from(d - b'0'));
        (f * nanos_per / 10u128.pow(digits.len() as u32), false)
    };
    nanos += part;
    if nanos > u128::from(u64::MAX) {
        return Err(too_large());
    }
    if !exact {
        let (below, above) = (nanos, nanos + 1);
        return Err(format!(
            "durations are whole nanoseconds: `{t}` lies between {below}ns and {above}ns; write `\"{below}ns\"` or `\"{above}ns\"`"
        ));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// `num` without the underscores that separate its digits; an error for one that does not
/// sit between two digits.
fn without_underscores(num: &str) -> Result<String, String> {
    let bytes = num.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let digit_at = |j: Option<usize>| j.and_then(|j| bytes.get(j)).is_some_and(u8::is_ascii_digit);
        if b == b'_' && !(digit_at(i.checked_sub(1)) && digit_at(Some(i + 1))) {
            return Err(format!("`{num}`: an underscore must sit between two digits, e.g. `\"5_000ms\"`"));
        }
    }
    Ok(num.replace('_', ""))
}

/// A number as a Rust literal or a config file may write it (`1e3`, `2.50`, `5_000`,
/// `-5`) the way [`parse`] reads numbers (`1000`, `2.5`, `5000`, `-5`): for the hints that
/// add a unit to a bare number. Digits alone are kept as they are (exact at any length);
/// anything else is read as an `f64` and written back without an exponent. `None` when it
/// is not a finite number.
///
/// ```
/// use resile_config::duration;
///
/// assert_eq!(duration::plain_number("1e3").as_deref(), Some("1000"));
/// assert_eq!(duration::plain_number("2.50").as_deref(), Some("2.5"));
/// assert_eq!(duration::plain_number("5_000").as_deref(), Some("5000"));
/// assert_eq!(duration::plain_number("-1.5E-3").as_deref(), Some("-0.0015"));
/// assert_eq!(duration::plain_number("inf"), None);
/// ```
pub fn plain_number(number: &str) -> Option<String> {
    let t = number.trim().replace('_', "");
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.as_str()),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("{sign}{digits}"));
    }
    let x: f64 = digits.parse().ok().filter(|x: &f64| x.is_finite() && x.is_sign_positive())?;
    Some(format!("{sign}{x}"))
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
        assert_eq!(parse(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("5.s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("1.2.3ms").unwrap_err(), "`1.2.3` is not a number");
        assert_eq!(parse(".ms").unwrap_err(), "`.` is not a number");
    }

    #[test]
    fn underscores_sit_between_digits() {
        assert_eq!(parse("5_000ms"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("1_000_000ns"), Ok(Duration::from_millis(1)));
        assert_eq!(parse("0.000_5s"), Ok(Duration::from_micros(500)));
        for bad in ["5__000ms", "5_ms", "5_.5ms", "5._5ms"] {
            let num = bad.trim_end_matches("ms");
            assert_eq!(
                parse(bad).unwrap_err(),
                format!("`{num}`: an underscore must sit between two digits, e.g. `\"5_000ms\"`"),
            );
        }
        assert_eq!(parse("_5ms").unwrap_err(), "`_5`: an underscore must sit between two digits, e.g. `\"5_000ms\"`");
    }

    #[test]
    fn numbers_are_read_exactly() {
        assert_eq!(parse("0.3ms"), Ok(Duration::from_micros(300)));
        assert_eq!(parse("1.000000001s"), Ok(Duration::from_nanos(1_000_000_001)));
        assert_eq!(parse("0.0000000010000s"), Ok(Duration::from_nanos(1)));
        assert_eq!(parse("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("0.0000000000001h"), Err(whole("0.0000000000001h", 0)));
        assert_eq!(parse("0.00000000001h"), Ok(Duration::from_nanos(36)));
        assert_eq!(parse("18446744073709551615ns"), Ok(Duration::from_nanos(u64::MAX)));
        assert_eq!(parse("18446744073709551616ns").unwrap_err(), "the duration is too large");
        assert_eq!(parse("99999999999999999999999999h").unwrap_err(), "the duration is too large");
    }

    /// The message for a duration `text` between `below` and `below + 1` nanoseconds.
    fn whole(text: &str, below: u64) -> String {
        let above = below + 1;
        format!(
            "durations are whole nanoseconds: `{text}` lies between {below}ns and {above}ns; write `\"{below}ns\"` or `\"{above}ns\"`"
        )
    }

    #[test]
    fn a_fraction_of_a_nanosecond_is_an_error_not_a_rounding() {
        assert_eq!(parse("0.4ns"), Err(whole("0.4ns", 0)));
        assert_eq!(parse("0.6ns"), Err(whole("0.6ns", 0)));
        assert_eq!(parse("1.5ns"), Err(whole("1.5ns", 1)));
        assert_eq!(parse("0.0000015ms"), Err(whole("0.0000015ms", 1)));
        assert_eq!(parse("2.0000000001s"), Err(whole("2.0000000001s", 2_000_000_000)));
        // More than 13 significant fraction digits are never whole nanoseconds.
        assert_eq!(parse("1.00000000000000001ns"), Err(whole("1.00000000000000001ns", 1)));
        assert_eq!(parse("0.0ns"), Ok(Duration::ZERO));
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
