//! Typed literal parsers. Each returns the value or an error spanned on the literal, with a
//! message that says what was expected and how to write it.

use std::time::Duration;

use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

/// Where a duration may be zero.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zero {
    Allowed,
    Rejected,
}

fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(g) => literal(&g.expr),
        Expr::Paren(p) => literal(&p.expr),
        _ => None,
    }
}

fn is_negative(expr: &Expr) -> bool {
    matches!(expr, Expr::Unary(ExprUnary { op: UnOp::Neg(_), .. }))
}

/// `"250ms"`, `"2s"`, `"1m"`, or an integer of milliseconds.
pub(crate) fn duration(expr: &Expr, key: &str, zero: Zero) -> syn::Result<Duration> {
    let err = |m: String| syn::Error::new_spanned(expr, m);
    if is_negative(expr) {
        return Err(err(format!("`{key}` must not be negative")));
    }
    let d = match literal(expr) {
        Some(Lit::Str(s)) => {
            parse_duration_str(&s.value()).map_err(|m| err(format!("invalid duration for `{key}`: {m}")))?
        }
        Some(Lit::Int(i)) => {
            if !i.suffix().is_empty() {
                return Err(err(format!(
                    "invalid duration for `{key}`: write milliseconds as a plain integer or a string with a unit, e.g. `\"{}ms\"`",
                    i.base10_digits()
                )));
            }
            Duration::from_millis(i.base10_parse::<u64>().map_err(|_| err(format!("`{key}` is too large")))?)
        }
        Some(Lit::Float(_)) => {
            return Err(err(format!(
                "invalid duration for `{key}`: expected a string with a unit (`\"250ms\"`, `\"1.5s\"`) or an integer of milliseconds, found a float"
            )));
        }
        _ => {
            return Err(err(format!(
                "expected a duration for `{key}`: a string with a unit (`\"250ms\"`, `\"2s\"`) or an integer of milliseconds"
            )));
        }
    };
    if d.is_zero() && zero == Zero::Rejected {
        return Err(err(format!("`{key}` must be greater than zero")));
    }
    Ok(d)
}

/// Parses `<number><unit>` with units `ns us ms s m h`; the number may have a fraction.
pub(crate) fn parse_duration_str(text: &str) -> Result<Duration, String> {
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

/// A positive integer count.
pub(crate) fn count(expr: &Expr, key: &str, min: u64) -> syn::Result<u64> {
    let err = |m: String| syn::Error::new_spanned(expr, m);
    if is_negative(expr) {
        return Err(err(format!("`{key}` must be at least {min}, found a negative number")));
    }
    match literal(expr) {
        Some(Lit::Int(i)) => {
            let n: u64 = i.base10_parse().map_err(|_| err(format!("`{key}` is too large")))?;
            if n < min {
                return Err(err(format!("`{key}` must be at least {min}, found {n}")));
            }
            if n > u32::MAX as u64 {
                return Err(err(format!("`{key}` must be at most {}", u32::MAX)));
            }
            Ok(n)
        }
        Some(Lit::Float(f)) => Err(err(format!("expected an integer for `{key}`, found `{}`", f.base10_digits()))),
        Some(Lit::Str(s)) => {
            Err(err(format!("expected an integer for `{key}`, found a string; write `{key} = {}`", s.value())))
        }
        _ => Err(err(format!("expected an integer literal for `{key}`"))),
    }
}

/// A float (an integer literal is accepted too), optionally checked against a range.
pub(crate) fn number(expr: &Expr, key: &str) -> syn::Result<f64> {
    let err = |m: String| syn::Error::new_spanned(expr, m);
    let (negative, inner) = match expr {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let value = match literal(inner) {
        Some(Lit::Float(f)) => f.base10_parse::<f64>().map_err(|_| err(format!("invalid number for `{key}`")))?,
        Some(Lit::Int(i)) => i.base10_parse::<f64>().map_err(|_| err(format!("invalid number for `{key}`")))?,
        Some(Lit::Str(_)) => return Err(err(format!("expected a number for `{key}`, found a string"))),
        _ => return Err(err(format!("expected a number literal for `{key}`"))),
    };
    Ok(if negative { -value } else { value })
}

/// A ratio within `0.0..=1.0`.
pub(crate) fn ratio(expr: &Expr, key: &str) -> syn::Result<f64> {
    let v = number(expr, key)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(syn::Error::new_spanned(expr, format!("`{key}` must be within 0.0..=1.0, found {v}")));
    }
    Ok(v)
}

/// A non-empty string literal naming a shared instance.
pub(crate) fn name(expr: &Expr, key: &str) -> syn::Result<String> {
    match literal(expr) {
        Some(Lit::Str(s)) if s.value().trim().is_empty() => {
            Err(syn::Error::new_spanned(expr, format!("`{key}` must not be empty")))
        }
        Some(Lit::Str(s)) => Ok(s.value()),
        _ => {
            Err(syn::Error::new_spanned(expr, format!("expected a string literal for `{key}`, e.g. `{key} = \"db\"`")))
        }
    }
}

/// A path to a function (`retry_if = is_transient`).
pub(crate) fn path(expr: &Expr, key: &str) -> syn::Result<syn::Path> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path.clone()),
        Expr::Closure(_) => Err(syn::Error::new_spanned(
            expr,
            format!("`{key}` takes a path to a function, not a closure; define a `fn` and write `{key} = my_fn`"),
        )),
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Err(syn::Error::new_spanned(
            expr,
            format!("`{key}` takes a path to a function, not a string; write `{key} = {}`", s.value()),
        )),
        _ => Err(syn::Error::new_spanned(expr, format!("expected a path to a function for `{key}`"))),
    }
}

/// One of a fixed set of words, with "did you mean"; `other` names a non-word form the key
/// also accepts.
pub(crate) fn word<'a>(expr: &Expr, key: &str, choices: &[&'a str], other: Option<&str>) -> syn::Result<&'a str> {
    let quoted = || {
        let words = choices.iter().map(|c| format!("`\"{c}\"`")).collect::<Vec<_>>().join(", ");
        match other {
            Some(o) => format!("{words}, or {o}"),
            None => words,
        }
    };
    let closest = |text: &str| {
        choices
            .iter()
            .map(|k| (strsim::jaro_winkler(text, k), *k))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k)
    };
    let text = match literal(expr) {
        Some(Lit::Str(s)) => s.value(),
        _ => {
            let message = match expr {
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    let word = p.path.get_ident().expect("checked").to_string();
                    let fix = closest(&word).unwrap_or(choices[0]);
                    format!("expected a string for `{key}`; write `{key} = \"{fix}\"`")
                }
                _ => format!("expected a string for `{key}`: one of {}", quoted()),
            };
            return Err(syn::Error::new_spanned(expr, message));
        }
    };
    if let Some(found) = choices.iter().find(|c| **c == text) {
        return Ok(found);
    }
    let message = match closest(&text) {
        Some(k) => format!("unknown {key} `\"{text}\"`; did you mean `\"{k}\"`?"),
        None => format!("unknown {key} `\"{text}\"`; expected one of {}", quoted()),
    };
    Err(syn::Error::new_spanned(expr, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_str("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration_str("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration_str("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration_str("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration_str("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse_duration_str("7ns"), Ok(Duration::from_nanos(7)));
        assert!(parse_duration_str("100").unwrap_err().contains("missing unit"));
        assert!(parse_duration_str("5secs").unwrap_err().contains("did you mean `s`"));
        assert!(parse_duration_str("ms").is_err());
    }
}
