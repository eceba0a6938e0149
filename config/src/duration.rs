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
}
