//! `#[rate_limit(name = "api", rate = 100, ...)]`: its keys (`resile_config::RateLimitConfig`'s
//! and the shared `name`), and its expansion, an admission before what is inside it: a
//! synchronous `try_admit` in the function's own coroutine (the tokens are spent: nothing
//! is held across the call), the slow path out of line, and a wait only where `max_wait`
//! is above zero.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use resile_config::RateLimitConfig;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::keyed::{self, Keyed};
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct RateLimit {
    /// The name written, or `None` with a policy (which names the instance).
    name: Option<String>,
    config: Declared<RateLimitConfig>,
    policy: Option<PolicyRef>,
    keyed: Keyed,
    /// `backend = "redis"`: the limit is decided remotely (`resile-redis`); `None` is local.
    backend: Option<&'static str>,
}

/// `backend`: where the limit is decided (resile-config's key).
const BACKEND_KEY: resile_config::Key = RateLimitConfig::ATTRIBUTE_KEYS[1];

const KIND: Kind = Kind {
    attr: "rate_limit",
    ty: "RateLimitPolicy",
    shared: "the shared limiter",
    overridable: resile_config::RateLimitPolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut config = Declared::new(RateLimitConfig::new(1.0));
    let mut policy = Slot::new("policy");
    let mut keyed = Keyed::new();
    let mut backend = Slot::new("backend");
    let mut name_span = None;
    let before = errors.len();
    let example = "#[rate_limit(name = \"api\", rate = 100)]";
    for_each_named(args, errors, "rate_limit", example, |errors, key, value| {
        match key.to_string().as_str() {
            k if Declared::<RateLimitConfig>::has_key(k) => config.take(key, value, errors),
            "backend" => backend.set(errors, key.span(), (key.span(), crate::args::values::word(value, &BACKEND_KEY)?)),
            _ if policy::take_naming(errors, key, value, &mut name, &mut name_span, &mut policy)? => {}
            _ if keyed.take(errors, key, value)? => {}
            _ => {
                let keys = [RateLimitConfig::ARGUMENTS, &resile_config::KEYED_KEYS].concat();
                return Err(unknown_key(key, "rate_limit", &policy::arguments(&keys)));
            }
        }
        Ok(())
    });
    if policy.is_set() {
        policy::check_overrides(&KIND, &config, name_span, errors);
    } else if errors.len() == before {
        if !name.is_set() {
            errors.at(span, format!("`#[rate_limit]` needs a `name`: limiters are shared by name, e.g. `{example}`"));
        }
        if !config.given.contains("rate") {
            errors.at(span, format!("`#[rate_limit]` needs a `rate`: tokens per second, e.g. `{example}`"));
        }
    }
    // The rule across keys (`weight <= burst_size`, whose default is `rate`) means something
    // only with the `rate` the user wrote.
    if config.given.contains("rate") && !policy.is_set() {
        config.check(span, errors);
    }
    keyed.check("rate_limit", errors);
    let backend = match backend.take() {
        Some((_, "local")) | None => None,
        Some((key_span, remote)) => {
            if policy.is_set() {
                errors.at(
                    key_span,
                    format!(
                        "`backend = \"{remote}\"` is not supported with `policy` yet: write the limiter's \
                         `name` and `rate` on the attribute, e.g. \
                         `#[rate_limit(name = \"api\", rate = 100, backend = \"{remote}\")]`"
                    ),
                );
            }
            if let Some(key) = keyed.key() {
                errors.at(
                    syn::spanned::Spanned::span(key),
                    format!(
                        "`key` is not supported with `backend = \"{remote}\"` yet: a remote limit is one \
                         limit per name; drop `key`, or use the local backend for a limit per key"
                    ),
                );
            }
            Some(remote)
        }
    };
    let (name, policy) = (name.get().cloned(), policy.take());
    (errors.len() == before).then(|| Box::new(RateLimit { name, config, policy, keyed, backend }) as Box<dyn Attribute>)
}

impl Attribute for RateLimit {
    fn key(&self) -> Option<&syn::Expr> {
        self.keyed.key()
    }

    fn instance(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_RATE_LIMIT_{}", index);
        let special = |_: &'static resile_config::Key, _: &resile_config::Value<'static>| -> proc_macro2::TokenStream {
            unreachable!("a rate limiter has only numbers, counts and durations")
        };
        let (name, config) = match (&self.policy, &self.name) {
            (Some(p), _) => {
                let (items, policy) = p.items(&KIND, index, |base| self.config.tokens(base, special));
                cx.items.extend(items);
                (quote!(#policy.name), quote!(#policy.config))
            }
            (None, name) => {
                let name = name.as_deref().expect("a name without a policy");
                (quote!(#name), self.config.tokens(quote!(__resile_private::RateLimitConfig::new(1.0)), special))
            }
        };
        if let Some(key) = self.keyed.key() {
            return self.expand_keyed(cx, index, inner, key, (&name, &config));
        }
        let (reject, span, impl_type) = (cx.reject("rate_limit"), cx.span(), cx.impl_type());
        if let Some(backend) = self.backend {
            // A remote decision is a round trip: one `.await` of the backend's answer (and
            // its wait, if `max_wait` allows one), then what is inside.
            cx.items.extend(quote! {
                static #site: __resile_private::RemoteRateLimitSite =
                    __resile_private::RemoteRateLimitSite::new(__RESILE_FN, #name, #backend, #config);
            });
            return shapes::guarded(quote!(#site.admit(#span, #impl_type).await), reject, inner);
        }
        cx.items.extend(quote! {
            static #site: __resile_private::RateLimitSite = __resile_private::RateLimitSite::new(__RESILE_FN, #name, #config);
        });
        // A site that may not wait decides synchronously: no future, no allocation. With a
        // policy that the site does not override, `max_wait` is the policy's: the branch
        // is on a constant, which the compiler folds.
        let (now, wait) =
            (quote!(#site.admit_now(#span, #impl_type)), quote!(#site.admit_or_wait(#span, #impl_type).await));
        let slow = self.slow(&config, now, wait);
        shapes::guarded(quote!(if #site.try_admit() { __resile_private::Ok(()) } else { #slow }), reject, inner)
    }
}

impl RateLimit {
    /// The slow path of admission ([`policy::slow_admission`]): a refusal or a wait.
    fn slow(&self, config: &TokenStream, now: TokenStream, wait: TokenStream) -> TokenStream {
        let written = self.config.given.contains("max_wait");
        policy::slow_admission(self.policy.is_some(), written, self.config.config.max_wait.is_zero(), config, now, wait)
    }

    /// Keyed (SPEC §9): the key's limiter, held for the call, then the same admission on it.
    fn expand_keyed(
        &self,
        cx: &mut Cx,
        index: usize,
        inner: Inner,
        key: &syn::Expr,
        (name, config): (&TokenStream, &TokenStream),
    ) -> Inner {
        let site = format_ident!("__RESILE_RATE_LIMIT_{}", index);
        let max_keys = self.keyed.max_keys();
        cx.items.extend(quote! {
            static #site: __resile_private::KeyedRateLimitSite =
                __resile_private::KeyedRateLimitSite::new(__RESILE_FN, #name, #config, #max_keys);
        });
        let (reject, span, impl_type) = (cx.reject("rate_limit"), cx.span(), cx.impl_type());
        keyed::with_instance(&site, index, key, keyed::Lookup::Key, |instance| {
            let (now, wait) = (
                quote!(#site.admit_now(&#instance, #span, #impl_type)),
                quote!(#site.admit_or_wait(&#instance, #span, #impl_type).await),
            );
            let slow = self.slow(config, now, wait);
            shapes::guarded(
                quote!(if #site.try_admit(&#instance) { __resile_private::Ok(()) } else { #slow }),
                reject,
                inner,
            )
        })
    }
}
