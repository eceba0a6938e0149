//! `#[single_flight(key = <expr>)]`: its one key, an expression over the arguments (not a
//! configuration value, so not in `resile-config`), and its expansion: a lookup of the
//! function's group by key, joining the execution in flight or starting one with the
//! body moved into it, then one `.await` of the caller's share.

use proc_macro2::Span;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::Attribute;
use crate::args::{Arg, Slot, for_each_named};
use crate::codegen::{Cx, Inner, respan};
use crate::diag::Errors;

pub(crate) struct SingleFlight {
    key: syn::Expr,
}

const EXAMPLE: &str = "#[single_flight(key = symbol.clone())]";

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut key = Slot::new("key");
    let before = errors.len();
    for_each_named(args, errors, "single_flight", EXAMPLE, |errors, k, value| {
        if k == "key" {
            key.set(errors, k.span(), value.clone());
            Ok(())
        } else {
            Err(syn::Error::new(
                k.span(),
                format!("unknown argument `{k}` for `#[single_flight]`; it takes one: `key`, e.g. `{EXAMPLE}`"),
            ))
        }
    });
    if !key.is_set() && errors.len() == before {
        errors.at(
            span,
            format!(
                "`#[single_flight]` needs a `key`: an expression over the arguments, calls with equal keys share one execution, e.g. `{EXAMPLE}`"
            ),
        );
    }
    match key.get() {
        Some(key) if errors.len() == before => Some(Box::new(SingleFlight { key: key.clone() })),
        _ => None,
    }
}

impl Attribute for SingleFlight {
    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_SINGLE_FLIGHT_{}", index);
        cx.items.extend(quote! {
            static #site: __resile_private::single_flight::SingleFlightSite =
                __resile_private::single_flight::SingleFlightSite::new(__RESILE_FN);
        });
        let ret = &cx.ret;
        let key = &self.key;
        // The lookup checks the key and the result, once: `T` and `E` each when the return
        // type is spelled `Result<T, E>`, else the whole type; rustc reports an unsatisfied
        // bound at the type argument, so on the user's type. Spanned on the key, so that a
        // key of the wrong type is reported there.
        let lookup = match result_arguments(ret) {
            Some((t, e)) => {
                let (t, e) = (respan(t, t.span()), respan(e, e.span()));
                quote_spanned!(key.span()=>
                #site.lookup_result::<#t, #e, _>((&&__resile_private::single_flight::KeyOf(&(#key))).__resile_flight_key())
                )
            }
            None => quote_spanned!(key.span()=>
                #site.lookup::<#ret, _>((&&__resile_private::single_flight::KeyOf(&(#key))).__resile_flight_key())
            ),
        };
        // The execution outlives this call, so the layers inside it report to a span of
        // their own rather than borrow this call's.
        let span_slot = cx.span_slot.then(|| quote!(let __resile_call = __resile_private::CallSpan::new();));
        let call = inner.into_expr();
        Inner::Expr(quote! {{
            #[allow(unused_imports)]
            use __resile_private::single_flight::{AnyKey as _, StrKey as _};
            let __resile_flight = match #lookup {
                __resile_private::single_flight::Lookup::Joined(__resile_flight) => __resile_flight,
                __resile_private::single_flight::Lookup::Vacant(__resile_vacancy) => {
                    __resile_vacancy.start(async move { #span_slot #call })
                }
            };
            __resile_flight.await
        }})
    }
}

/// `T` and `E` of a type spelled `Result<T, E>` (a path ending in `Result`).
fn result_arguments(ret: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    let syn::Type::Path(p) = ret else { return None };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [t, e] if last.ident.to_string().ends_with("Result") => Some((t, e)),
        _ => None,
    }
}
