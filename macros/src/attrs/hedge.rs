//! `#[hedge(...)]`: its keys (`resile_config::HedgeConfig`'s, the shared tracker's `name`
//! and its callbacks), and its expansion, a future of the runtime that runs the attempts.

use proc_macro2::Span;
use quote::{format_ident, quote};
use resile_config::HedgeConfig;

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes::{self, Attempts};

pub(crate) struct Hedge {
    config: Declared<HedgeConfig>,
    name: Slot<String>,
    fatal: Slot<syn::Path>,
    on_hedge: Slot<syn::Path>,
    policy: Slot<PolicyRef>,
}

const KIND: Kind = Kind {
    attr: "hedge",
    ty: "HedgePolicy",
    shared: "the hedge's tracker",
    overridable: resile_config::HedgePolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut a = Hedge {
        config: Declared::new(HedgeConfig::new()),
        name: Slot::new("name"),
        fatal: Slot::new("fatal"),
        on_hedge: Slot::new("on_hedge"),
        policy: Slot::new("policy"),
    };
    let mut name_span = None;
    let before = errors.len();
    for_each_named(args, errors, "hedge", "#[hedge(delay = \"50ms\")]", |errors, key, value| {
        let ks = key.span();
        match key.to_string().as_str() {
            k if Declared::<HedgeConfig>::has_key(k) => a.config.take(key, value, errors),
            _ if policy::take_naming(errors, key, value, &mut a.name, &mut name_span, &mut a.policy)? => {}
            "fatal" => a.fatal.set(errors, ks, values::path(value, "fatal")?),
            "on_hedge" => a.on_hedge.set(errors, ks, values::path(value, "on_hedge")?),
            _ => return Err(unknown_key(key, "hedge", &policy::arguments(HedgeConfig::ARGUMENTS))),
        }
        Ok(())
    });
    if a.policy.is_set() {
        policy::check_overrides(&KIND, &a.config, name_span, errors);
    } else {
        a.config.check(span, errors);
    }
    (errors.len() == before).then(|| Box::new(a) as Box<dyn Attribute>)
}

impl Attribute for Hedge {
    fn reruns_body(&self) -> bool {
        true
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_HEDGE_{}", index);
        let special =
            |key: &'static resile_config::Key, value: &resile_config::Value<'static>| -> proc_macro2::TokenStream {
                unreachable!("`{}` takes only numbers and durations, found {value:?}", key.name)
            };
        let policy = self.policy.get().map(|p| {
            let (items, policy) = p.items(&KIND, index, |base| self.config.tokens(base, special));
            cx.items.extend(items);
            policy
        });
        let config = self.config.tokens(quote!(__resile_private::HedgeConfig::new()), special);
        let new = match (&policy, self.name.get()) {
            // A named policy declares its tracker as a site writing its keys would.
            (Some(policy), _) => quote! {
                match #policy.name {
                    ::core::option::Option::None => __resile_private::HedgeSite::new(__RESILE_FN, #policy.config),
                    ::core::option::Option::Some(__resile_name) => __resile_private::HedgeSite::named(
                        __RESILE_FN, #policy.config, __resile_name, #policy.declares_tracker(),
                    ),
                }
            },
            (None, None) => quote!(__resile_private::HedgeSite::new(__RESILE_FN, #config)),
            (None, Some(name)) => {
                // A site declares the shared tracker only if it gives one of its keys.
                let declares = HedgeConfig::TRACKER_KEYS.iter().any(|k| self.config.given.contains(k));
                quote!(__resile_private::HedgeSite::named(__RESILE_FN, #config, #name, #declares))
            }
        };
        cx.items.extend(quote! {
            static #site: __resile_private::HedgeSite = #new;
        });
        // A site that may have a `timeout` publishes its deadline from the first poll
        // (`call_timed`); one that cannot keeps the call with no trace of it.
        let call =
            if policy.is_some() || self.config.given.contains("timeout") { quote!(call_timed) } else { quote!(call) };
        let timed_out = if let Some(policy) = &policy {
            // A policy may hold a `timeout`: the site needs `E: From<Rejection>` either way.
            let reject = cx.reject("hedge");
            quote! {
                if #policy.config.timeout.is_some() {
                    ::core::option::Option::Some(#reject)
                } else {
                    ::core::option::Option::None
                }
            }
        } else if self.config.given.contains("timeout") {
            let reject = cx.reject("hedge");
            quote!(::core::option::Option::Some(#reject))
        } else {
            quote!(::core::option::Option::None)
        };
        let hooks = cx.typed(quote!(__resile_private::HedgeHooks));
        let fatal = cx.hook("fatal", self.fatal.get());
        let on_hedge = cx.hook("on_hedge", self.on_hedge.get());
        let hooks = quote!(&#hooks { fatal: #fatal, on_hedge: #on_hedge, timed_out: #timed_out });
        let (span, impl_type) = (cx.span(), cx.impl_type());
        shapes::attempts(
            Attempts::Each,
            inner,
            cx.body_span,
            |make| quote!(#site.#call(#span, #impl_type, #hooks, #make)),
        )
    }
}
