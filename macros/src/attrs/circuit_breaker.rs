//! `#[circuit_breaker(name = "db", ...)]`: keys, defaults and checks; maps 1:1 to
//! `resile_runtime::circuit_breaker::CircuitBreakerConfig`.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

use crate::args::values::{self, Zero};
use crate::args::{Arg, Slot, for_each_named};
use crate::check;
use crate::diag::{Errors, unknown_key};

pub(crate) const KEYS: &[&str] = &[
    "name",
    "window",
    "window_size",
    "failure_rate_threshold",
    "slow_call_threshold",
    "slow_call_rate_threshold",
    "minimum_calls",
    "open_timeout",
    "permitted_calls_in_half_open",
    "should_record",
    "on_state_change",
];

const WINDOWS: &[&str] = &["count", "time"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WindowArg {
    Count,
    Time,
}

pub(crate) struct CircuitBreakerSlots {
    pub(crate) name: Slot<String>,
    pub(crate) window: Slot<WindowArg>,
    pub(crate) window_size: Slot<u32>,
    pub(crate) failure_rate_threshold: Slot<f64>,
    pub(crate) slow_call_threshold: Slot<Duration>,
    pub(crate) slow_call_rate_threshold: Slot<f64>,
    pub(crate) minimum_calls: Slot<u32>,
    pub(crate) open_timeout: Slot<Duration>,
    pub(crate) permitted_calls_in_half_open: Slot<u32>,
    pub(crate) should_record: Slot<syn::Path>,
    pub(crate) on_state_change: Slot<syn::Path>,
}

pub(crate) struct CircuitBreakerArgs {
    pub(crate) slots: CircuitBreakerSlots,
}

/// A rate that must be within `(0.0, 1.0]`: zero would trip on the first calls.
fn threshold(value: &syn::Expr, key: &str) -> syn::Result<f64> {
    let v = values::number(value, key)?;
    if !(v > 0.0 && v <= 1.0) {
        return Err(syn::Error::new_spanned(
            value,
            format!("`{key}` must be greater than 0.0 and at most 1.0, found {v:?}"),
        ));
    }
    Ok(v)
}

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<CircuitBreakerArgs> {
    let mut s = CircuitBreakerSlots {
        name: Slot::new("name"),
        window: Slot::new("window"),
        window_size: Slot::new("window_size"),
        failure_rate_threshold: Slot::new("failure_rate_threshold"),
        slow_call_threshold: Slot::new("slow_call_threshold"),
        slow_call_rate_threshold: Slot::new("slow_call_rate_threshold"),
        minimum_calls: Slot::new("minimum_calls"),
        open_timeout: Slot::new("open_timeout"),
        permitted_calls_in_half_open: Slot::new("permitted_calls_in_half_open"),
        should_record: Slot::new("should_record"),
        on_state_change: Slot::new("on_state_change"),
    };
    let before = errors.len();
    for_each_named(args, errors, "circuit_breaker", "#[circuit_breaker(name = \"db\")]", |errors, key, value| {
        let (ks, vs) = (key.span(), value.span());
        match key.to_string().as_str() {
            "name" => s.name.set(errors, ks, values::name(value, "name")?, vs),
            "window" => {
                let w = match values::word(value, "window", WINDOWS, None)? {
                    "count" => WindowArg::Count,
                    _ => WindowArg::Time,
                };
                s.window.set(errors, ks, w, vs)
            }
            "window_size" => s.window_size.set(errors, ks, values::count(value, "window_size", 1)? as u32, vs),
            "failure_rate_threshold" => {
                s.failure_rate_threshold.set(errors, ks, threshold(value, "failure_rate_threshold")?, vs)
            }
            "slow_call_threshold" => s.slow_call_threshold.set(
                errors,
                ks,
                values::duration(value, "slow_call_threshold", Zero::Rejected)?,
                vs,
            ),
            "slow_call_rate_threshold" => {
                s.slow_call_rate_threshold.set(errors, ks, threshold(value, "slow_call_rate_threshold")?, vs)
            }
            "minimum_calls" => s.minimum_calls.set(errors, ks, values::count(value, "minimum_calls", 1)? as u32, vs),
            "open_timeout" => {
                s.open_timeout.set(errors, ks, values::duration(value, "open_timeout", Zero::Rejected)?, vs)
            }
            "permitted_calls_in_half_open" => s.permitted_calls_in_half_open.set(
                errors,
                ks,
                values::count(value, "permitted_calls_in_half_open", 1)? as u32,
                vs,
            ),
            "should_record" => s.should_record.set(errors, ks, values::path(value, "should_record")?, vs),
            "on_state_change" => s.on_state_change.set(errors, ks, values::path(value, "on_state_change")?, vs),
            _ => return Err(unknown_key(key, "circuit_breaker", KEYS)),
        }
        Ok(())
    });
    if !s.name.is_set() && errors.len() == before {
        errors.at(span, "`#[circuit_breaker]` needs a `name`: breakers are shared by name, e.g. `#[circuit_breaker(name = \"db\")]`");
    }
    check::circuit_breaker(&s, errors);
    (errors.len() == before).then_some(CircuitBreakerArgs { slots: s })
}

/// The `const` expression of the breaker's `CircuitBreakerConfig`.
pub(crate) fn config_tokens(args: &CircuitBreakerArgs) -> TokenStream {
    let s = &args.slots;
    let cb = quote!(__resile_private::circuit_breaker);
    let mut cfg = quote!(#cb::CircuitBreakerConfig::new());
    if let Some(w) = s.window.get() {
        let w = match w {
            WindowArg::Count => quote!(#cb::WindowKind::Count),
            WindowArg::Time => quote!(#cb::WindowKind::Time),
        };
        cfg = quote!(#cfg.window(#w));
    }
    if let Some(n) = s.window_size.get() {
        cfg = quote!(#cfg.window_size(#n));
    }
    if let Some(r) = s.failure_rate_threshold.get() {
        cfg = quote!(#cfg.failure_rate_threshold(#r));
    }
    if let Some(d) = s.slow_call_threshold.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.slow_call_threshold(#d));
    }
    if let Some(r) = s.slow_call_rate_threshold.get() {
        cfg = quote!(#cfg.slow_call_rate_threshold(#r));
    }
    if let Some(n) = s.minimum_calls.get() {
        cfg = quote!(#cfg.minimum_calls(#n));
    }
    if let Some(d) = s.open_timeout.get() {
        let d = super::duration_tokens(*d);
        cfg = quote!(#cfg.open_timeout(#d));
    }
    if let Some(n) = s.permitted_calls_in_half_open.get() {
        cfg = quote!(#cfg.permitted_calls_in_half_open(#n));
    }
    cfg
}
