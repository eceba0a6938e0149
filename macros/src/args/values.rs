//! Typed literal parsers. Each returns the value or an error spanned on the literal, with a
//! message that says what was expected and how to write it.

use std::time::Duration;

use resile_config::{ConfigError, Key};
use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

fn is_negative(expr: &Expr) -> bool {
    matches!(expr, Expr::Unary(ExprUnary { op: UnOp::Neg(_), .. }))
}

fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(g) => literal(&g.expr),
        Expr::Paren(p) => literal(&p.expr),
        _ => None,
    }
}

/// `"250ms"`, `"2s"`, `"1m"`: a string with a unit. A bare number (`5`, `1.5`, `-5`, `5ms`
/// without quotes) is an error that suggests the string, never milliseconds (SPEC §4);
/// the rule and its words are `resile-config`'s ([`ConfigError::without_unit`]), so a
/// configuration loader says the same. Every suggested string is one `duration::parse`
/// accepts (`1e3` is suggested as `"1000ms"`, `5u64` as `"5ms"`). `index` is the entry's
/// position in a backoff list. Whether zero is allowed is the key's own rule, in
/// `resile-config`.
pub(crate) fn duration(expr: &Expr, key: &'static str, index: Option<usize>) -> syn::Result<Duration> {
    let err = |m: String| syn::Error::new_spanned(expr, m);
    let (negative, inner) = match expr {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let never_negative = if negative { " is never negative, and" } else { "" };
    let sign = if negative { "-" } else { "" };
    // `5ms` lexes as the integer 5 with the suffix `ms`: the quotes are missing.
    let number = match literal(inner) {
        Some(Lit::Int(i)) => Some((i.base10_digits(), i.suffix())),
        Some(Lit::Float(f)) => Some((f.base10_digits(), f.suffix())),
        _ => None,
    };
    if let Some((digits, suffix)) = number {
        let message = match quoted(digits, suffix) {
            Some(fixed) => format!("a duration{never_negative} is written as a string: `\"{fixed}\"`"),
            None => ConfigError::without_unit(key, &format!("{sign}{digits}"), index).to_string(),
        };
        return Err(err(message));
    }
    match literal(inner) {
        _ if negative => Err(err(format!("`{key}` must not be negative"))),
        Some(Lit::Str(s)) => {
            resile_config::duration::parse(&s.value()).map_err(|m| err(format!("invalid duration for `{key}`: {m}")))
        }
        _ => Err(err(format!("expected a duration for `{key}`: a string with a unit, e.g. `\"250ms\"` or `\"2s\"`"))),
    }
}

/// The string a number literal with a unit for a suffix (`5ms`, `1e3ms`, `1.5s`) meant, if
/// `duration::parse` accepts it.
fn quoted(digits: &str, suffix: &str) -> Option<String> {
    let fixed = format!("{}{suffix}", resile_config::duration::plain_number(digits)?);
    (!suffix.is_empty() && resile_config::duration::parse(&fixed).is_ok()).then_some(fixed)
}

/// An integer count, up to `u64::MAX` (a `seed`). Its range is the key's own rule, in
/// `resile-config`; every count an attribute takes but `seed` is at least 1, which is what a
/// negative one is told.
pub(crate) fn count(expr: &Expr, key: &str) -> syn::Result<u64> {
    let err = |m: String| syn::Error::new_spanned(expr, m);
    if is_negative(expr) {
        let least = if key == "seed" { 0 } else { 1 };
        return Err(err(format!("`{key}` must be at least {least}, found a negative number")));
    }
    match literal(expr) {
        Some(Lit::Int(i)) => {
            // Up to `u64::MAX` (a `seed`); a key whose field is narrower says so with its
            // own rule (`Value::count` in `resile-config`).
            i.base10_parse().map_err(|_| err(format!("`{key}` is too large")))
        }
        Some(Lit::Float(f)) => Err(err(format!("expected an integer for `{key}`, found `{}`", f.base10_digits()))),
        Some(Lit::Str(s)) => {
            Err(err(format!("expected an integer for `{key}`, found a string; write `{key} = {}`", s.value())))
        }
        _ => Err(err(format!("expected an integer literal for `{key}`"))),
    }
}

/// Whether `expr` is a number literal, possibly negative (a jitter proportion, not a word).
pub(crate) fn is_number(expr: &Expr) -> bool {
    let inner = match expr {
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => &**expr,
        other => other,
    };
    matches!(literal(inner), Some(Lit::Float(_) | Lit::Int(_)))
}

/// A float; an integer literal is accepted too. Its range is the key's own rule.
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

/// One of the words of key `k` (a `Words`, `WordOrDurations` or `WordOrProportion` key),
/// with "did you mean"; a message that lists the choices lists what the key's kind accepts.
pub(crate) fn word(expr: &Expr, k: &'static Key) -> syn::Result<&'static str> {
    let (key, choices) = (k.name, k.kind.words());
    let closest = |text: &str| {
        choices
            .iter()
            .map(|&c| (strsim::jaro_winkler(text, c), c))
            .filter(|(score, _)| *score > 0.7)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c)
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
                _ => format!("expected a string for `{key}`: {}", k.kind),
            };
            return Err(syn::Error::new_spanned(expr, message));
        }
    };
    if let Some(found) = k.word(&text) {
        return Ok(found);
    }
    let message = match closest(&text) {
        Some(c) => format!("unknown {key} `\"{text}\"`; did you mean `\"{c}\"`?"),
        None => format!("unknown {key} `\"{text}\"`; expected {}", k.kind),
    };
    Err(syn::Error::new_spanned(expr, message))
}
