//! `#[circuit_breaker(name = "db", ...)]`: its keys (`resile_config::CircuitBreakerConfig`'s,
//! the shared `name` and its callbacks), and its expansion, an admission around what is
//! inside it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use resile_config::{CircuitBreakerConfig, Value, WindowKind};

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::keyed::{self, Keyed};
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct CircuitBreaker {
    /// The name written, or `None` with a policy (which names the breaker).
    name: Option<String>,
    config: Declared<CircuitBreakerConfig>,
    should_record: Slot<syn::Path>,
    on_state_change: Slot<syn::Path>,
    policy: Option<PolicyRef>,
    keyed: Keyed,
}

const KIND: Kind = Kind {
    attr: "circuit_breaker",
    ty: "CircuitBreakerPolicy",
    shared: "the shared breaker",
    overridable: resile_config::CircuitBreakerPolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut name = Slot::new("name");
    let mut config = Declared::new(CircuitBreakerConfig::new());
    let mut should_record = Slot::new("should_record");
    let mut on_state_change = Slot::new("on_state_change");
    let mut policy = Slot::new("policy");
    let mut keyed = Keyed::new();
    let mut name_span = None;
    let before = errors.len();
    for_each_named(args, errors, "circuit_breaker", "#[circuit_breaker(name = \"db\")]", |errors, key, value| {
        let ks = key.span();
        match key.to_string().as_str() {
            k if Declared::<CircuitBreakerConfig>::has_key(k) => config.take(key, value, errors),
            _ if policy::take_naming(errors, key, value, &mut name, &mut name_span, &mut policy)? => {}
            _ if keyed.take(errors, key, value)? => {}
            "should_record" => should_record.set(errors, ks, values::path(value, "should_record")?),
            "on_state_change" => on_state_change.set(errors, ks, values::path(value, "on_state_change")?),
            _ => {
                let keys = [CircuitBreakerConfig::ARGUMENTS, &resile_config::KEYED_KEYS].concat();
                return Err(unknown_key(key, "circuit_breaker", &policy::arguments(&keys)));
            }
        }
        Ok(())
    });
    if policy.is_set() {
        policy::check_overrides(&KIND, &config, name_span, errors);
    } else {
        if !name.is_set() && errors.len() == before {
            errors.at(span, "`#[circuit_breaker]` needs a `name` or a `policy`: breakers are shared by name, e.g. `#[circuit_breaker(name = \"db\")]`");
        }
        config.check(span, errors);
    }
    keyed.check("circuit_breaker", errors);
    let (name, policy) = (name.get().cloned(), policy.take());
    (errors.len() == before).then(|| {
        Box::new(CircuitBreaker { name, config, should_record, on_state_change, policy, keyed }) as Box<dyn Attribute>
    })
}

impl Attribute for CircuitBreaker {
    fn key(&self) -> Option<&syn::Expr> {
        self.keyed.key()
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_CIRCUIT_BREAKER_{}", index);
        // A site that gives only the name refers to the breaker and declares nothing; a
        // site with a policy declares the policy's name and settings.
        let mut declaration = if let Some(p) = &self.policy {
            let (items, policy) = p.items(&KIND, index, |base| base);
            cx.items.extend(items);
            quote!(__resile_private::Site::declaring(__RESILE_FN, #policy.name, #policy.config))
        } else if self.config.is_empty() {
            let name = self.name.as_deref().expect("a name without a policy");
            quote!(__resile_private::Site::reference(__RESILE_FN, #name))
        } else {
            let name = self.name.as_deref().expect("a name without a policy");
            let config = self.config.tokens(quote!(__resile_private::CircuitBreakerConfig::new()), window);
            quote!(__resile_private::Site::declaring(__RESILE_FN, #name, #config))
        };
        if let Some(hook) = self.on_state_change.get() {
            let unit: syn::Type = syn::parse_quote!(());
            let hook = cx.checked_hook("on_state_change", hook, Some(&unit));
            let register = quote!(breaker.on_state_change(#hook));
            declaration = quote!(#declaration.on_resolve(|breaker| #register));
        }
        let keyed = self.keyed.key();
        if keyed.is_some() {
            let max_keys = self.keyed.max_keys();
            cx.items.extend(quote! {
                static #site: __resile_private::KeyedSite<__resile_private::CircuitBreaker> =
                    __resile_private::KeyedSite::new(#declaration, #max_keys);
            });
        } else {
            cx.items.extend(quote! {
                static #site: __resile_private::Site<__resile_private::CircuitBreaker> = #declaration;
            });
        }
        let classify = match self.should_record.get() {
            Some(path) => cx.checked_hook("should_record", path, Some(&cx.ret)),
            None => quote!(__resile_private::Outcome::of),
        };
        let (reject, span, impl_type) = (cx.reject("circuit_breaker"), cx.span(), cx.impl_type());
        let reject = quote!(#reject(#site.rejected(__resile_permit, #span, #impl_type)));
        let settle = quote!(__resile_permit.record(#classify(&__resile_result)););
        let Some(key) = keyed else {
            return shapes::admission(quote!(#site.admit()), settle, reject, inner);
        };
        // Keyed (SPEC §9): the key's breaker, held for the call, then the same admission on it.
        keyed::with_instance(&site, index, key, keyed::Lookup::Shown, |instance| {
            shapes::admission(quote!(#site.admit(&#instance)), settle, reject, inner)
        })
    }
}

/// The tokens of a `window` word.
fn window(_: &resile_config::Key, value: &Value<'static>) -> TokenStream {
    let Value::Word(w) = value else { unreachable!("only `window` takes a word") };
    let kind = WindowKind::from_word(w).expect("one of WindowKind's words");
    let variant = format_ident!("{}", format!("{kind:?}"));
    quote!(__resile_private::WindowKind::#variant)
}
