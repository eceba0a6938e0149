//! `#[hedge(...)]`: keys, defaults and checks; maps 1:1 to
//! `resile_runtime::hedge::HedgeConfig`.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use crate::args::values::{self, Zero};
use crate::args::{Arg, Slot, for_each_named};
use crate::check;
use crate::diag::{Errors, unknown_key};

pub(crate) const KEYS: &[&str] = &[
    "delay",
    "percentile",
    "max_requests",
    "timeout",
    "name",
    "buffer_size",
    "min_samples",
    "initial_delay",
    "min_delay",
    "max_delay",
    "token_max",
    "token_success_credit",
    "token_hedge_cost",
    "token_threshold",
    "fatal",
    "on_hedge",
];

pub(crate) struct HedgeSlots {
    pub(crate) delay: Slot<Duration>,
    pub(crate) percentile: Slot<f64>,
    pub(crate) max_requests: Slot<u32>,
    pub(crate) timeout: Slot<Duration>,
    pub(crate) name: Slot<String>,
    pub(crate) buffer_size: Slot<u32>,
    pub(crate) min_samples: Slot<u32>,
    pub(crate) initial_delay: Slot<Duration>,
    pub(crate) min_delay: Slot<Duration>,
    pub(crate) max_delay: Slot<Duration>,
    pub(crate) token_max: Slot<f64>,
    pub(crate) token_success_credit: Slot<f64>,
    pub(crate) token_hedge_cost: Slot<f64>,
    pub(crate) token_threshold: Slot<f64>,
    pub(crate) fatal: Slot<syn::Path>,
    pub(crate) on_hedge: Slot<syn::Path>,
}

pub(crate) struct HedgeArgs {
    pub(crate) slots: HedgeSlots,
}

fn positive(value: &syn::Expr, key: &str) -> syn::Result<f64> {
    let v = values::number(value, key)?;
    if !(v.is_finite() && v > 0.0) {
        return Err(syn::Error::new_spanned(value, format!("`{key}` must be greater than 0, found {v:?}")));
    }
    Ok(v)
}

pub(crate) fn parse(args: Vec<Arg>, errors: &mut Errors) -> Option<HedgeArgs> {
    let mut s = HedgeSlots {
        delay: Slot::new("delay"),
        percentile: Slot::new("percentile"),
        max_requests: Slot::new("max_requests"),
        timeout: Slot::new("timeout"),
        name: Slot::new("name"),
        buffer_size: Slot::new("buffer_size"),
        min_samples: Slot::new("min_samples"),
        initial_delay: Slot::new("initial_delay"),
        min_delay: Slot::new("min_delay"),
        max_delay: Slot::new("max_delay"),
        token_max: Slot::new("token_max"),
        token_success_credit: Slot::new("token_success_credit"),
        token_hedge_cost: Slot::new("token_hedge_cost"),
        token_threshold: Slot::new("token_threshold"),
        fatal: Slot::new("fatal"),
        on_hedge: Slot::new("on_hedge"),
    };
    let before = errors.len();
    for_each_named(args, errors, "hedge", "#[hedge(delay = \"50ms\")]", |errors, key, value| {
        let (ks, vs) = (key.span(), value.span());
        match key.to_string().as_str() {
            "delay" => s.delay.set(errors, ks, values::duration(value, "delay", Zero::Allowed)?, vs),
            "percentile" => {
                let p = values::number(value, "percentile")?;
                if !(p > 0.0 && p < 100.0) {
                    return Err(syn::Error::new_spanned(
                        value,
                        format!("`percentile` must be within 0 < p < 100, found {p:?}"),
                    ));
                }
                s.percentile.set(errors, ks, p, vs)
            }
            "max_requests" => s.max_requests.set(errors, ks, values::count(value, "max_requests", 1)? as u32, vs),
            "timeout" => s.timeout.set(errors, ks, values::duration(value, "timeout", Zero::Rejected)?, vs),
            "name" => s.name.set(errors, ks, values::name(value, "name")?, vs),
            "buffer_size" => s.buffer_size.set(errors, ks, values::count(value, "buffer_size", 1)? as u32, vs),
            "min_samples" => s.min_samples.set(errors, ks, values::count(value, "min_samples", 1)? as u32, vs),
            "initial_delay" => {
                s.initial_delay.set(errors, ks, values::duration(value, "initial_delay", Zero::Allowed)?, vs)
            }
            "min_delay" => s.min_delay.set(errors, ks, values::duration(value, "min_delay", Zero::Allowed)?, vs),
            "max_delay" => s.max_delay.set(errors, ks, values::duration(value, "max_delay", Zero::Allowed)?, vs),
            "token_max" => s.token_max.set(errors, ks, positive(value, "token_max")?, vs),
            "token_success_credit" => {
                s.token_success_credit.set(errors, ks, positive(value, "token_success_credit")?, vs)
            }
            "token_hedge_cost" => s.token_hedge_cost.set(errors, ks, positive(value, "token_hedge_cost")?, vs),
            "token_threshold" => s.token_threshold.set(errors, ks, positive(value, "token_threshold")?, vs),
            "fatal" => s.fatal.set(errors, ks, values::path(value, "fatal")?, vs),
            "on_hedge" => s.on_hedge.set(errors, ks, values::path(value, "on_hedge")?, vs),
            _ => return Err(unknown_key(key, "hedge", KEYS)),
        }
        Ok(())
    });
    check::hedge(&s, errors);
    (errors.len() == before).then_some(HedgeArgs { slots: s })
}

/// The `const` expression of the call site's `HedgeConfig`.
pub(crate) fn config_tokens(args: &HedgeArgs) -> TokenStream {
    let s = &args.slots;
    let h = quote!(__resile_private::hedge);
    let dur = |d: &Duration| super::duration_tokens(*d);
    let mut cfg = quote!(#h::HedgeConfig::new());
    macro_rules! set {
        ($($slot:ident: $conv:expr;)*) => {$(
            if let Some(v) = s.$slot.get() {
                let v = $conv(v);
                cfg = quote!(#cfg.$slot(#v));
            }
        )*};
    }
    set! {
        delay: dur;
        percentile: |p: &f64| quote!(#p);
        max_requests: |n: &u32| quote!(#n);
        timeout: dur;
        buffer_size: |n: &u32| quote!(#n);
        min_samples: |n: &u32| quote!(#n);
        initial_delay: dur;
        min_delay: dur;
        max_delay: dur;
        token_max: |v: &f64| quote!(#v);
        token_success_credit: |v: &f64| quote!(#v);
        token_hedge_cost: |v: &f64| quote!(#v);
        token_threshold: |v: &f64| quote!(#v);
    }
    cfg
}
