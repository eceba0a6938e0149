//! `#[rate_limit(name = "api", rate = 100, ...)]`: its keys (`resile_config::RateLimitConfig`'s
//! and the shared `name`), and its expansion, an admission before what is inside it: a
//! synchronous `try_admit` in the function's own coroutine (the tokens are spent: nothing
//! is held across the call), the slow path out of line, and a wait only where `max_wait`
//! is above zero.

use proc_macro2::Span;
use quote::{format_ident, quote};
use resile_config::RateLimitConfig;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct RateLimit {
    name: String,
    config: Declared<RateLimitConfig>,
}

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut config = Declared::new(RateLimitConfig::new(1.0));
    let before = errors.len();
    let example = "#[rate_limit(name = \"api\", rate = 100)]";
    for_each_named(args, errors, "rate_limit", example, |errors, key, value| {
        let ks = key.span();
        match key.to_string().as_str() {
            k if Declared::<RateLimitConfig>::has_key(k) => config.take(key, value, errors),
            "name" => name.set(errors, ks, values::name(value, "name")?),
            _ => return Err(unknown_key(key, "rate_limit", RateLimitConfig::ARGUMENTS)),
        }
        Ok(())
    });
    if errors.len() == before {
        if !name.is_set() {
            errors.at(span, format!("`#[rate_limit]` needs a `name`: limiters are shared by name, e.g. `{example}`"));
        }
        if !config.given.contains("rate") {
            errors.at(span, format!("`#[rate_limit]` needs a `rate`: tokens per second, e.g. `{example}`"));
        }
    }
    // The rule across keys (`weight <= burst_size`, whose default is `rate`) means something
    // only with the `rate` the user wrote.
    if config.given.contains("rate") {
        config.check(span, errors);
    }
    match name.get().cloned() {
        Some(name) if errors.len() == before => Some(Box::new(RateLimit { name, config })),
        _ => None,
    }
}

impl Attribute for RateLimit {
    fn instance(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn nothing_after_body(&self) -> bool {
        true
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_RATE_LIMIT_{}", index);
        let name = &self.name;
        let config = self.config.tokens(quote!(__resile_private::RateLimitConfig::new(1.0)), |_, _| {
            unreachable!("a rate limiter has only numbers, counts and durations")
        });
        cx.items.extend(quote! {
            static #site: __resile_private::RateLimitSite = __resile_private::RateLimitSite::new(__RESILE_FN, #name, #config);
        });
        let (reject, span, impl_type) = (cx.reject("rate_limit"), cx.span(), cx.impl_type());
        // A site that may not wait decides synchronously: no future, no allocation.
        let slow = if self.config.config.max_wait.is_zero() {
            quote!(#site.admit_now(#span, #impl_type))
        } else {
            quote!(#site.admit_or_wait(#span, #impl_type).await)
        };
        shapes::guarded(quote!(if #site.try_admit() { __resile_private::Ok(()) } else { #slow }), reject, inner)
    }
}
