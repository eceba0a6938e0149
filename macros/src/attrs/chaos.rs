//! `#[chaos(error_rate = 0.1, latency = "200ms", ..)]`: its keys
//! (`resile_config::ChaosConfig`'s, the shared `name` and the `error` to inject), and its
//! expansion, the runtime's injector future around what is inside it. Without the cargo
//! feature `chaos` the pipeline drops its layer after the checks (`pipeline.rs`): the
//! arguments are judged the same either way.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use resile_config::{ChaosConfig, Problem};
use syn::spanned::Spanned;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner, respan};
use crate::diag::{Errors, unknown_key};
use crate::shapes::{self, Attempts};

pub(crate) struct Chaos {
    name: Option<String>,
    config: Declared<ChaosConfig>,
    error: Option<syn::Expr>,
    policy: Option<PolicyRef>,
}

impl Chaos {
    /// Whether it makes calls hang: a `hang_rate` above zero written here. (A policy's or
    /// a named injector's configured elsewhere are not seen by the macro, so they are not
    /// warned about.)
    pub(crate) fn may_hang(&self) -> bool {
        self.config.config.hang_rate > 0.0
    }
}

const KIND: Kind = Kind {
    attr: "chaos",
    ty: "ChaosPolicy",
    shared: "the injector",
    overridable: resile_config::ChaosPolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut error = Slot::new("error");
    let mut config = Declared::new(ChaosConfig::new());
    let mut policy = Slot::new("policy");
    let before = errors.len();
    for_each_named(args, errors, "chaos", "#[chaos(error_rate = 0.1)]", |errors, key, value| {
        match key.to_string().as_str() {
            k if Declared::<ChaosConfig>::has_key(k) => config.take(key, value, errors),
            "name" => name.set(errors, key.span(), values::name(value, "name")?),
            "error" => error.set(errors, key.span(), value.clone()),
            "policy" => policy.set(errors, key.span(), PolicyRef { path: policy::path(value)? }),
            _ => return Err(unknown_key(key, "chaos", &policy::arguments(ChaosConfig::ARGUMENTS))),
        }
        Ok(())
    });
    if policy.is_set() {
        // The rules across keys judge the policy's settings with the overrides: the
        // expansion's `const` check runs them (and what the policy injects is its own).
        policy::check_overrides(&KIND, &config, None, errors);
    } else {
        // `error_rate + hang_rate > 1` blames whichever of the two was written last.
        let later =
            config.written_keys().filter(|(k, _)| matches!(*k, "error_rate" | "hang_rate")).last().map(|(k, _)| k);
        config.check_blaming(span, errors, |e| match e.problem() {
            Problem::RatesAboveOne { .. } => later,
            _ => None,
        });
    }
    if errors.len() == before && !name.is_set() && !policy.is_set() && !config.config.injects() {
        errors.at(
            span,
            "`#[chaos]` injects nothing: give `error_rate`, `latency` or `hang_rate`, e.g. `#[chaos(error_rate = 0.1)]` (or a `name` for an injector configured at run time)",
        );
    }
    let (name, error, policy) = (name.get().cloned(), error.take(), policy.take());
    (errors.len() == before).then(|| Box::new(Chaos { name, config, error, policy }) as Box<dyn Attribute>)
}

impl Chaos {
    /// `base` (a `ChaosConfig` or a `ChaosPolicy`) with a setter per key written, as a
    /// `const` expression.
    fn config_tokens(&self, base: TokenStream) -> TokenStream {
        let c = &self.config.config;
        let mut tokens = base;
        for (key, _) in self.config.written_keys() {
            let setter = format_ident!("{}", key);
            let value = match key {
                "error_rate" => {
                    let v = c.error_rate;
                    quote!(#v)
                }
                "hang_rate" => {
                    let v = c.hang_rate;
                    quote!(#v)
                }
                "latency_rate" => {
                    let v = c.latency_rate;
                    quote!(#v)
                }
                "latency" => crate::codegen::duration(c.latency.expect("written")),
                "seed" => {
                    let v = c.seed.expect("written");
                    quote!(#v)
                }
                _ => unreachable!("a key of ChaosConfig::KEYS: {key}"),
            };
            tokens = quote!(#tokens.#setter(#value));
        }
        tokens
    }
}

impl Attribute for Chaos {
    /// Off, a `policy` still names a `const ChaosPolicy` whose settings, with the
    /// overrides, keep the rules: its `const` items and their check, as the expansion has.
    fn checks_when_dropped(&self, index: usize) -> TokenStream {
        match &self.policy {
            Some(p) => p.items(&KIND, index, |base| self.config_tokens(base)).0,
            None => TokenStream::new(),
        }
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_CHAOS_{}", index);
        let config = match &self.policy {
            None => self.config_tokens(quote!(__resile_private::ChaosConfig::new())),
            Some(p) => {
                let (items, policy) = p.items(&KIND, index, |base| self.config_tokens(base));
                cx.items.extend(items);
                quote!(#policy.config)
            }
        };
        let declaration = match &self.name {
            Some(name) if self.config.is_empty() && self.policy.is_none() => {
                quote!(__resile_private::ChaosSite::reference(__RESILE_FN, #name))
            }
            Some(name) => quote!(__resile_private::ChaosSite::declaring(__RESILE_FN, #name, #config)),
            // An injector of its own, registered under the function's path and the
            // attribute's position: so that `resile::testing::isolated` scopes (and each
            // simulation run) get their own, and a seed replays the same faults in each.
            None => {
                let function = cx.sig.ident.to_string();
                quote!(__resile_private::ChaosSite::declaring(
                    __RESILE_FN,
                    ::core::concat!(::core::module_path!(), "::", #function, "@", ::core::line!(), ":", ::core::column!()),
                    #config
                ))
            }
        };
        cx.items.extend(quote! {
            static #site: __resile_private::ChaosSite = #declaration;
        });
        // The error to inject: the user's expression, evaluated only when a failure is
        // injected (a type mismatch is reported at it); else `E::from(ChaosError)`, whose
        // bound is spanned on the user's error type, naming `#[chaos]`.
        // The caller's error for an injected failure: the user's expression (a type mismatch
        // is reported at it); else `E::from(ChaosError)`, whose bound is spanned on the
        // user's error type, naming `#[chaos]`.
        let fault = quote!(__resile_fault);
        let error = match &self.error {
            // Typed at the expression, so a mismatch is reported there alone.
            Some(expr) => match &cx.error {
                Some(e) => {
                    let e = respan(e, expr.span());
                    quote_spanned!(expr.span()=> { let __resile_error: #e = #expr; __resile_error })
                }
                None => quote_spanned!(expr.span()=> #expr),
            },
            None => match &cx.error {
                Some(e) => {
                    let e = respan(e, cx.error_span);
                    // As a fn pointer, so the bound is checked once, at the error type.
                    quote_spanned!(cx.error_span=> (__resile_private::chaos_inject::<#e> as fn(_) -> _)(#fault))
                }
                None => quote_spanned!(cx.error_span=> (__resile_private::chaos_inject as fn(_) -> _)(#fault)),
            },
        };
        let (span, impl_type) = (cx.span(), cx.impl_type());
        // One closure begins the call: the body's future, or (for an injected failure) the
        // error, evaluated only then. One closure for both, so the error may use the
        // arguments the body takes (a `String`, `&mut self`).
        shapes::attempts(Attempts::One, inner, cx.body_span, |attempt| {
            quote! {
                #site.run(#span, #impl_type, |#fault: ::core::option::Option<__resile_private::ChaosError>| match #fault {
                    ::core::option::Option::None => __resile_private::ChaosBegun::Body(#attempt),
                    ::core::option::Option::Some(#fault) => __resile_private::ChaosBegun::Done(__resile_private::Err(#error)),
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    /// `source`'s first fn through the pipeline, the `chaos` feature `on` or off.
    fn expand(source: &str, on: bool) -> (String, String) {
        let mut func: syn::ItemFn = syn::parse_str(source).expect("case parses");
        let leader = func.attrs.remove(0);
        let name = leader.path().segments.last().expect("a name").ident.to_string();
        let args = match &leader.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        let written = func.to_token_stream().to_string();
        (crate::pipeline::expand_with(&name, args, func.to_token_stream(), on).to_string(), written)
    }

    #[test]
    fn off_a_lone_chaos_leaves_the_function_as_written() {
        let source = "#[resile::chaos(error_rate = 0.1, latency = \"200ms\", seed = 7)]\n/// Docs.\n#[inline]\npub async fn f<T: Copy>(id: T) -> Result<T, E> where T: Send { Ok(id) }";
        let (off, written) = expand(source, false);
        assert_eq!(off, written, "token for token");
        let (on, _) = expand(source, true);
        assert!(on.contains("ChaosSite"), "{on}");
    }

    #[test]
    fn off_a_policy_is_still_named_and_checked() {
        let source =
            "#[resile::chaos(policy = pools::FLAKY, hang_rate = 0.1)]\nasync fn f() -> Result<(), E> { Ok(()) }";
        let (off, _) = expand(source, false);
        assert!(!off.contains("ChaosSite"), "{off}");
        for part in ["ChaosPolicy = pools :: FLAKY", ". hang_rate (0.1f64)", ". check ()"] {
            assert!(off.contains(part), "the policy's const and its check, off: {part} in {off}");
        }
    }

    #[test]
    fn off_chaos_under_other_attributes_is_dropped_and_its_mistakes_still_reported() {
        let stack =
            "#[resile::timeout(\"1s\")] #[resile::chaos(hang_rate = 0.5)] async fn f() -> Result<(), E> { Ok(()) }";
        let (off, _) = expand(stack, false);
        assert!(off.contains("TimeoutSite") && !off.contains("Chaos"), "{off}");
        for bad in [
            "#[resile::chaos(error_rate = 1.5)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(error_rate = 0.6, hang_rate = 0.5)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(latency_rate = 0.5)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(seed = 1)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(error_rat = 0.1)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(latency = 200)] async fn f() -> Result<(), E> { Ok(()) }",
            "#[resile::chaos(error_rate = 0.1)] async fn f() -> u32 { 1 }",
        ] {
            let (on, _) = expand(bad, true);
            let (off, _) = expand(bad, false);
            assert!(off.contains("compile_error"), "{bad}");
            assert_eq!(on, off, "the same errors on and off: {bad}");
        }
    }
}
