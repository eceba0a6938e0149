//! `#[bulkhead(name = "db", max_concurrent = 10, ...)]`: its keys (`resile_config::BulkheadConfig`'s
//! and the shared `name`), and its expansion, an admission around what is inside it: a
//! synchronous `try_admit` in the function's own coroutine, the wait out of line (and only
//! emitted when `max_wait` is above zero), the permits held across the one `.await`.

use proc_macro2::Span;
use quote::{format_ident, quote};
use resile_config::BulkheadConfig;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct Bulkhead {
    name: String,
    config: Declared<BulkheadConfig>,
}

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut config = Declared::new(BulkheadConfig::new(1));
    let before = errors.len();
    let example = "#[bulkhead(name = \"db\", max_concurrent = 10)]";
    for_each_named(args, errors, "bulkhead", example, |errors, key, value| {
        let ks = key.span();
        match key.to_string().as_str() {
            k if Declared::<BulkheadConfig>::has_key(k) => config.take(key, value, errors),
            "name" => name.set(errors, ks, values::name(value, "name")?),
            _ => return Err(unknown_key(key, "bulkhead", BulkheadConfig::ARGUMENTS)),
        }
        Ok(())
    });
    if errors.len() == before {
        if !name.is_set() {
            errors.at(span, format!("`#[bulkhead]` needs a `name`: bulkheads are shared by name, e.g. `{example}`"));
        }
        if !config.given.contains("max_concurrent") {
            errors.at(
                span,
                format!("`#[bulkhead]` needs `max_concurrent`: how many calls may run at once, e.g. `{example}`"),
            );
        }
    }
    // The rule across keys (`weight <= max_concurrent`) means something only with the
    // `max_concurrent` the user wrote.
    if config.given.contains("max_concurrent") {
        config.check(span, errors);
    }
    match name.get().cloned() {
        Some(name) if errors.len() == before => Some(Box::new(Bulkhead { name, config })),
        _ => None,
    }
}

impl Attribute for Bulkhead {
    fn instance(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn nothing_after_body(&self) -> bool {
        true
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_BULKHEAD_{}", index);
        let name = &self.name;
        let config = self.config.tokens(quote!(__resile_private::BulkheadConfig::new(1u32)), |_, _| {
            unreachable!("a bulkhead has only counts and durations")
        });
        cx.items.extend(quote! {
            static #site: __resile_private::BulkheadSite = __resile_private::BulkheadSite::new(__RESILE_FN, #name, #config);
        });
        let (reject, span, impl_type) = (cx.reject("bulkhead"), cx.span(), cx.impl_type());
        // A site that may not wait refuses synchronously: no future, no allocation.
        let slow = if self.config.config.max_wait.is_zero() {
            quote!(__resile_private::Err(#site.refuse(#span, #impl_type)))
        } else {
            quote!(#site.wait(#span, #impl_type).await)
        };
        shapes::guarded(
            quote! {
                match #site.try_admit() {
                    ::core::option::Option::Some(__resile_permit) => __resile_private::Ok(__resile_permit),
                    ::core::option::Option::None => #slow,
                }
            },
            reject,
            inner,
        )
    }
}
