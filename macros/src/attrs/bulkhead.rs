//! `#[bulkhead(name = "db", max_concurrent = 10, ...)]`: its keys (`resile_config::BulkheadConfig`'s
//! and the shared `name`), and its expansion, an admission around what is inside it: a
//! synchronous `try_admit` in the function's own coroutine, the wait out of line (and only
//! emitted when `max_wait` is above zero), the permits held across the one `.await`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use resile_config::BulkheadConfig;
use syn::spanned::Spanned;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::keyed::{self, Keyed};
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct Bulkhead {
    /// The name written, or `None` with a policy (which names the instance).
    name: Option<String>,
    config: Declared<BulkheadConfig>,
    policy: Option<PolicyRef>,
    keyed: Keyed,
}

const KIND: Kind = Kind {
    attr: "bulkhead",
    ty: "BulkheadPolicy",
    shared: "the shared bulkhead",
    overridable: resile_config::BulkheadPolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut config = Declared::new(BulkheadConfig::new(1));
    let mut policy = Slot::new("policy");
    let mut keyed = Keyed::new();
    let mut name_span = None;
    let before = errors.len();
    let example = "#[bulkhead(name = \"db\", max_concurrent = 10)]";
    for_each_named(args, errors, "bulkhead", example, |errors, key, value| {
        match key.to_string().as_str() {
            k if Declared::<BulkheadConfig>::has_key(k) => config.take(key, value, errors),
            _ if policy::take_naming(errors, key, value, &mut name, &mut name_span, &mut policy)? => {}
            _ if keyed.take(errors, key, value)? => {}
            _ => {
                let keys = [BulkheadConfig::ARGUMENTS, &resile_config::KEYED_KEYS].concat();
                return Err(unknown_key(key, "bulkhead", &policy::arguments(&keys)));
            }
        }
        Ok(())
    });
    if policy.is_set() {
        policy::check_overrides(&KIND, &config, name_span, errors);
    } else if errors.len() == before {
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
    if config.given.contains("max_concurrent") && !policy.is_set() {
        config.check(span, errors);
    }
    keyed.check("bulkhead", errors);
    if let Some(key) = keyed.key()
        && config.given.contains("adaptive")
    {
        errors.at(
            syn::spanned::Spanned::span(key),
            "`key` is not supported with `adaptive` yet: an adaptive limit learns from the calls of one \
             bulkhead; drop `key`, or `adaptive` for a fixed limit per key"
                .to_owned(),
        );
    }
    let (name, policy) = (name.get().cloned(), policy.take());
    (errors.len() == before).then(|| Box::new(Bulkhead { name, config, policy, keyed }) as Box<dyn Attribute>)
}

impl Attribute for Bulkhead {
    fn key(&self) -> Option<&syn::Expr> {
        self.keyed.key()
    }

    fn instance(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_BULKHEAD_{}", index);
        let special = adaptive_tokens;
        let (name, config, policy) = match (&self.policy, &self.name) {
            (Some(p), _) => {
                let (items, policy) = p.items(&KIND, index, |base| self.config.tokens(base, special));
                cx.items.extend(items);
                (quote!(#policy.name), quote!(#policy.config), Some(policy))
            }
            (None, name) => {
                let name = name.as_deref().expect("a name without a policy");
                (quote!(#name), self.config.tokens(quote!(__resile_private::BulkheadConfig::new(1u32)), special), None)
            }
        };
        if let Some(key) = self.keyed.key() {
            if let Some(policy) = &policy {
                // What `key` with `adaptive` written inline is (a spanned error), for a
                // policy's `adaptive`, which only the compiler's constant evaluation sees.
                cx.items.extend(quote_spanned! {key.span()=>
                    const _: () = ::core::assert!(
                        #policy.config.adaptive.is_none(),
                        "`key` is not supported with an adaptive policy yet: an adaptive limit learns from the calls of one bulkhead; drop `key`, or use a policy without `adaptive` for a fixed limit per key"
                    );
                });
            }
            return self.expand_keyed(cx, index, inner, key, (&name, &config));
        }
        cx.items.extend(quote! {
            static #site: __resile_private::BulkheadSite = __resile_private::BulkheadSite::new(__RESILE_FN, #name, #config);
        });
        let (reject, span, impl_type) = (cx.reject("bulkhead"), cx.span(), cx.impl_type());
        // A site that may not wait decides synchronously: no future, no allocation. With a
        // policy that the site does not override, `max_wait` is the policy's: the branch
        // is on a constant, which the compiler folds.
        // An adaptive site's permits hold their start, for the latency sample; a fixed
        // site's admission takes none. Which one is the type `Sampling<ADAPTIVE>`: a
        // literal for inline keys, the policy's constant `adaptive.is_some()` for a policy.
        let adaptive = match &policy {
            Some(policy) => Some(quote!({ #policy.config.adaptive.is_some() })),
            None => self.config.config.adaptive.is_some().then(|| quote!(true)),
        };
        let (try_admit, wait) = match adaptive {
            Some(adaptive) => {
                let admission = quote!(__resile_private::Sampling<#adaptive>);
                (quote!(try_admit_as::<#admission>), quote!(wait_as::<#admission>))
            }
            None => (quote!(try_admit), quote!(wait)),
        };
        let (now, wait) = (
            quote!(__resile_private::Err(#site.refuse(#span, #impl_type))),
            quote!(#site.#wait(#span, #impl_type).await),
        );
        let slow = self.slow(&config, now, wait);
        shapes::guarded(
            quote! {
                match #site.#try_admit() {
                    ::core::option::Option::Some(__resile_permit) => __resile_private::Ok(__resile_permit),
                    ::core::option::Option::None => #slow,
                }
            },
            reject,
            inner,
        )
    }
}

impl Bulkhead {
    /// The slow path of admission ([`policy::slow_admission`]): a refusal or a wait.
    fn slow(&self, config: &TokenStream, now: TokenStream, wait: TokenStream) -> TokenStream {
        let written = self.config.given.contains("max_wait");
        policy::slow_admission(self.policy.is_some(), written, self.config.config.max_wait.is_zero(), config, now, wait)
    }

    /// Keyed (SPEC §9): the key's bulkhead, held for the call, then the same admission on it.
    fn expand_keyed(
        &self,
        cx: &mut Cx,
        index: usize,
        inner: Inner,
        key: &syn::Expr,
        (name, config): (&TokenStream, &TokenStream),
    ) -> Inner {
        let site = format_ident!("__RESILE_BULKHEAD_{}", index);
        let max_keys = self.keyed.max_keys();
        cx.items.extend(quote! {
            static #site: __resile_private::KeyedBulkheadSite =
                __resile_private::KeyedBulkheadSite::new(__RESILE_FN, #name, #config, #max_keys);
        });
        let (reject, span, impl_type) = (cx.reject("bulkhead"), cx.span(), cx.impl_type());
        keyed::with_instance(&site, index, key, keyed::Lookup::Key, |instance| {
            let (now, wait) = (
                quote!(__resile_private::Err(#site.refuse(&#instance, #span, #impl_type))),
                quote!(#site.wait(&#instance, #span, #impl_type).await),
            );
            let slow = self.slow(config, now, wait);
            shapes::guarded(
                quote! {
                    match #site.try_admit(&#instance) {
                        ::core::option::Option::Some(__resile_permit) => __resile_private::Ok(__resile_permit),
                        ::core::option::Option::None => #slow,
                    }
                },
                reject,
                inner,
            )
        })
    }
}

/// The tokens of an `adaptive` word: the only key of a bulkhead that takes one.
fn adaptive_tokens(_: &'static resile_config::Key, value: &resile_config::Value<'static>) -> proc_macro2::TokenStream {
    let resile_config::Value::Word(w) = value else { unreachable!("only `adaptive` takes a word") };
    let algorithm = resile_config::AdaptiveAlgorithm::from_word(w).expect("one of AdaptiveAlgorithm's words");
    let variant = format_ident!("{}", format!("{algorithm:?}"));
    quote!(__resile_private::AdaptiveAlgorithm::#variant)
}
