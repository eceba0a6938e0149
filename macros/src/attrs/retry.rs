//! `#[retry(...)]`: keys, defaults and checks; maps 1:1 to `resile_runtime::retry::RetryConfig`.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Lit};

use crate::args::values::{self, Zero};
use crate::args::{Arg, Slot, for_each_named};
use crate::check;
use crate::diag::{Errors, unknown_key};

pub(crate) const KEYS: &[&str] = &[
    "max",
    "backoff",
    "base_delay",
    "max_delay",
    "multiplier",
    "increment",
    "jitter",
    "budget",
    "retry_if",
    "on_retry",
    "retry_budget",
];

const BACKOFFS: &[&str] = &["exp", "exponential", "linear", "constant", "fibonacci"];
const JITTERS: &[&str] = &["none", "full", "equal", "decorrelated"];

#[derive(Clone, PartialEq, Debug)]
pub(crate) enum BackoffArg {
    Exponential,
    Linear,
    Constant,
    Fibonacci,
    List(Vec<Duration>),
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum JitterArg {
    None,
    Full,
    Equal,
    Decorrelated,
    Proportional(f64),
}

/// Every `#[retry]` key as written, each with its span.
pub(crate) struct RetrySlots {
    pub(crate) max: Slot<u32>,
    pub(crate) backoff: Slot<BackoffArg>,
    pub(crate) base_delay: Slot<Duration>,
    pub(crate) max_delay: Slot<Duration>,
    pub(crate) multiplier: Slot<f64>,
    pub(crate) increment: Slot<Duration>,
    pub(crate) jitter: Slot<JitterArg>,
    pub(crate) budget: Slot<Duration>,
    pub(crate) retry_if: Slot<syn::Path>,
    pub(crate) on_retry: Slot<syn::Path>,
    pub(crate) retry_budget: Slot<String>,
    /// The span of each entry of a backoff list.
    pub(crate) backoff_entry_spans: Vec<Span>,
}

/// The checked arguments.
pub(crate) struct RetryArgs {
    pub(crate) slots: RetrySlots,
}

pub(crate) fn parse(args: Vec<Arg>, errors: &mut Errors) -> Option<RetryArgs> {
    let mut s = RetrySlots {
        max: Slot::new("max"),
        backoff: Slot::new("backoff"),
        base_delay: Slot::new("base_delay"),
        max_delay: Slot::new("max_delay"),
        multiplier: Slot::new("multiplier"),
        increment: Slot::new("increment"),
        jitter: Slot::new("jitter"),
        budget: Slot::new("budget"),
        retry_if: Slot::new("retry_if"),
        on_retry: Slot::new("on_retry"),
        retry_budget: Slot::new("retry_budget"),
        backoff_entry_spans: Vec::new(),
    };
    let before = errors.len();
    for_each_named(args, errors, "retry", "#[retry(max = 3)]", |errors, key, value| {
        let (ks, vs) = (key.span(), value.span());
        match key.to_string().as_str() {
            "max" => s.max.set(errors, ks, values::count(value, "max", 1)? as u32, vs),
            "backoff" => {
                if let Expr::Array(list) = value {
                    s.backoff_entry_spans = list.elems.iter().map(Spanned::span).collect();
                }
                s.backoff.set(errors, ks, backoff(value)?, vs)
            }
            "base_delay" => s.base_delay.set(errors, ks, values::duration(value, "base_delay", Zero::Allowed)?, vs),
            "max_delay" => s.max_delay.set(errors, ks, values::duration(value, "max_delay", Zero::Allowed)?, vs),
            "multiplier" => {
                let m = values::number(value, "multiplier")?;
                if !(m.is_finite() && m >= 1.0) {
                    return Err(syn::Error::new(vs, format!("`multiplier` must be at least 1.0, found {m}")));
                }
                s.multiplier.set(errors, ks, m, vs)
            }
            "increment" => s.increment.set(errors, ks, values::duration(value, "increment", Zero::Allowed)?, vs),
            "jitter" => s.jitter.set(errors, ks, jitter(value)?, vs),
            "budget" => s.budget.set(errors, ks, values::duration(value, "budget", Zero::Rejected)?, vs),
            "retry_if" => s.retry_if.set(errors, ks, values::path(value, "retry_if")?, vs),
            "on_retry" => s.on_retry.set(errors, ks, values::path(value, "on_retry")?, vs),
            "retry_budget" => s.retry_budget.set(errors, ks, values::name(value, "retry_budget")?, vs),
            _ => return Err(unknown_key(key, "retry", KEYS)),
        }
        Ok(())
    });
    check::retry(&s, errors);
    (errors.len() == before).then_some(RetryArgs { slots: s })
}

fn backoff(value: &Expr) -> syn::Result<BackoffArg> {
    if let Expr::Array(ExprArray { elems, .. }) = value {
        if elems.is_empty() {
            return Err(syn::Error::new_spanned(
                value,
                "a backoff list needs at least one delay, e.g. `backoff = [100, 500, 2000]`",
            ));
        }
        let list =
            elems.iter().map(|e| values::duration(e, "backoff", Zero::Allowed)).collect::<syn::Result<Vec<_>>>()?;
        return Ok(BackoffArg::List(list));
    }
    Ok(match values::word(value, "backoff", BACKOFFS, Some("a list of delays such as `[100, 500, 2000]`"))? {
        "exp" | "exponential" => BackoffArg::Exponential,
        "linear" => BackoffArg::Linear,
        "constant" => BackoffArg::Constant,
        _ => BackoffArg::Fibonacci,
    })
}

fn jitter(value: &Expr) -> syn::Result<JitterArg> {
    if matches!(value, Expr::Lit(ExprLit { lit: Lit::Float(_) | Lit::Int(_), .. }) | Expr::Unary(_)) {
        return values::ratio(value, "jitter").map(JitterArg::Proportional);
    }
    Ok(match values::word(value, "jitter", JITTERS, Some("a proportion within `0.0..=1.0`"))? {
        "none" => JitterArg::None,
        "full" => JitterArg::Full,
        "equal" => JitterArg::Equal,
        _ => JitterArg::Decorrelated,
    })
}

/// The `const` expression of the call site's `RetryConfig`, and any `static` it needs.
pub(crate) fn config_tokens(args: &RetryArgs, delays_ident: &syn::Ident) -> (TokenStream, TokenStream) {
    let s = &args.slots;
    let rt = quote!(__resile_private);
    let mut cfg = quote!(#rt::RetryConfig::new());
    let mut statics = TokenStream::new();
    if let Some(b) = s.backoff.get() {
        let b = match b {
            BackoffArg::Exponential => quote!(#rt::Backoff::Exponential),
            BackoffArg::Linear => quote!(#rt::Backoff::Linear),
            BackoffArg::Constant => quote!(#rt::Backoff::Constant),
            BackoffArg::Fibonacci => quote!(#rt::Backoff::Fibonacci),
            BackoffArg::List(list) => {
                let n = list.len();
                let items = list.iter().map(|d| super::duration_tokens(*d));
                statics = quote!(static #delays_ident: [#rt::Duration; #n] = [#(#items),*];);
                quote!(#rt::Backoff::List(&#delays_ident))
            }
        };
        cfg = quote!(#cfg.backoff(#b));
    }
    if let Some(m) = s.max.get() {
        cfg = quote!(#cfg.max(#m));
    }
    if let Some(d) = s.base_delay.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.base_delay(#d));
    }
    if let Some(d) = s.max_delay.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.max_delay(#d));
    }
    if let Some(m) = s.multiplier.get() {
        cfg = quote!(#cfg.multiplier(#m));
    }
    if let Some(d) = s.increment.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.increment(#d));
    }
    if let Some(j) = s.jitter.get() {
        let j = match j {
            JitterArg::None => quote!(#rt::Jitter::None),
            JitterArg::Full => quote!(#rt::Jitter::Full),
            JitterArg::Equal => quote!(#rt::Jitter::Equal),
            JitterArg::Decorrelated => quote!(#rt::Jitter::Decorrelated),
            JitterArg::Proportional(p) => quote!(#rt::Jitter::Proportional(#p)),
        };
        cfg = quote!(#cfg.jitter(#j));
    }
    if let Some(d) = s.budget.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.budget(#d));
    }
    (cfg, statics)
}

pub(crate) fn budget_name_tokens(args: &RetryArgs) -> TokenStream {
    match args.slots.retry_budget.get() {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    }
}
