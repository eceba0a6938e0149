//! `key = <expr>` and `max_keys = N`: keyed instances (SPEC §9) on `#[circuit_breaker]`,
//! `#[bulkhead]` and `#[rate_limit]`. Keys of the call site, beside the name's
//! configuration: the expression is evaluated over the arguments before the body runs (by
//! reference, so a body that consumes an argument still can), and its value picks the
//! instance.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Expr;
use syn::spanned::Spanned;
use syn::visit::Visit;

use super::Slot;
use super::values;
use crate::codegen::Inner;
use crate::diag::Errors;

/// The keyed-instance keys of one attribute.
pub(crate) struct Keyed {
    key: Slot<Expr>,
    max_keys: Slot<(u64, Span)>,
}

impl Keyed {
    pub(crate) fn new() -> Self {
        Keyed { key: Slot::new("key"), max_keys: Slot::new("max_keys") }
    }

    /// Takes `key` when it is `key` or `max_keys`: `Ok(true)`; `Ok(false)` for any other key.
    pub(crate) fn take(&mut self, errors: &mut Errors, key: &syn::Ident, value: &Expr) -> syn::Result<bool> {
        match key.to_string().as_str() {
            "key" => self.key.set(errors, key.span(), value.clone()),
            "max_keys" => {
                let n = values::count(value, "max_keys")?;
                if n == 0 {
                    return Err(syn::Error::new_spanned(value, "`max_keys` must be at least 1, found 0"));
                }
                if n > u64::from(u32::MAX) {
                    return Err(syn::Error::new_spanned(value, format!("`max_keys` must be at most {}", u32::MAX)));
                }
                self.max_keys.set(errors, key.span(), (n, key.span()));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `max_keys` without `key` means nothing: reported at `max_keys`.
    pub(crate) fn check(&self, attr: &str, errors: &mut Errors) {
        if let Some(&(_, span)) = self.max_keys.get()
            && !self.key.is_set()
        {
            errors.at(
                span,
                format!(
                    "`max_keys` bounds the keys of a keyed `#[{attr}]`, and this one has no `key`; add `key = <expr over the arguments>`, or remove `max_keys`"
                ),
            );
        }
    }

    /// The key expression, when the site is keyed.
    pub(crate) fn key(&self) -> Option<&Expr> {
        self.key.get()
    }

    /// `max_keys` as a `usize` literal.
    pub(crate) fn max_keys(&self) -> TokenStream {
        let n = self.max_keys.get().map_or(10_000usize, |&(n, _)| n as usize);
        quote!(#n)
    }
}

/// How a keyed site looks its key's instance up.
#[derive(Clone, Copy)]
pub(crate) enum Lookup {
    /// By the key alone: a bulkhead's or a rate limiter's events name no key.
    Key,
    /// With the key's `Debug` too, when its type has one: a breaker's state-change events
    /// name the key (`resilience.key`), and its instance keeps the text, made when the key
    /// is new.
    Shown,
}

/// A keyed layer's expansion: binds the key's instance of the keyed site `site` (the
/// layer's `index` names it), then `call(instance)`, the layer's admission on it.
pub(crate) fn with_instance(
    site: &syn::Ident,
    index: usize,
    key: &Expr,
    lookup: Lookup,
    call: impl FnOnce(&syn::Ident) -> Inner,
) -> Inner {
    let instance = format_ident!("__resile_instance_{}", index);
    let bind = bind_instance(site, &instance, key, lookup);
    let call = call(&instance).into_expr();
    Inner::Expr(quote! {{
        #bind
        #call
    }})
}

/// The statement that binds `instance` to the key's instance of the keyed site `site`:
/// the key expression's value, by reference, as a `str` when it is one (so a `String` is
/// made only for a new key). Spanned on the expression, so that a key of a type that cannot
/// be one is reported there. With [`Lookup::Shown`], the key goes with its `Debug` (by
/// autoref specialisation: none for a type without one).
fn bind_instance(site: &syn::Ident, instance: &syn::Ident, key: &Expr, lookup: Lookup) -> TokenStream {
    let key_value = quote_spanned!(key.span()=>
        (&&__resile_private::single_flight::KeyOf(&(#key))).__resile_flight_key()
    );
    match lookup {
        Lookup::Key => {
            let lookup = quote_spanned!(key.span()=> #site.instance(#key_value));
            quote! {
                #[allow(unused_imports)]
                use __resile_private::single_flight::{AnyKey as _, StrKey as _};
                let #instance = #lookup;
            }
        }
        Lookup::Shown => {
            let lookup = quote_spanned!(key.span()=>
                #site.instance_shown((&&__resile_private::ShowKey(#key_value)).__resile_shown_key())
            );
            quote! {
                #[allow(unused_imports)]
                use __resile_private::single_flight::{AnyKey as _, StrKey as _};
                #[allow(unused_imports)]
                use __resile_private::{ShowDebug as _, ShowNone as _};
                let #instance = #lookup;
            }
        }
    }
}

/// Whether `key` names an argument of `sig` (or `self`): a key over nothing but constants
/// would put every call under one instance, which is the unkeyed attribute, but slower.
pub(crate) fn names_an_argument(key: &Expr, sig: &syn::Signature) -> bool {
    let names = argument_names(sig);
    let mut finder = Names { names: &names, found: false };
    finder.visit_expr(key);
    finder.found
}

/// The names the function's arguments bind (`self` for a receiver), in order.
pub(crate) fn argument_names(sig: &syn::Signature) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => names.push("self".to_owned()),
            syn::FnArg::Typed(pt) => pattern_names(&pt.pat, &mut names),
        }
    }
    names
}

fn pattern_names(pat: &syn::Pat, names: &mut Vec<String>) {
    struct Binds<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Binds<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    Binds(names).visit_pat(pat);
}

struct Names<'a> {
    names: &'a [String],
    found: bool,
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        if self.names.iter().any(|n| i == n) {
            self.found = true;
        }
    }
    /// `self` is a keyword, not an `Ident` to the visitor's `visit_ident` in every position.
    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.leading_colon.is_none()
            && let Some(first) = p.segments.first()
            && self.names.iter().any(|n| first.ident == n)
        {
            self.found = true;
        }
        syn::visit::visit_path(self, p);
    }
    /// The tokens of a macro (`format!("{host}")`) are not parsed: any identifier of them counts.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        fn scan(tokens: TokenStream, names: &[String]) -> bool {
            tokens.into_iter().any(|t| match t {
                proc_macro2::TokenTree::Ident(i) => names.iter().any(|n| i == n),
                proc_macro2::TokenTree::Group(g) => scan(g.stream(), names),
                proc_macro2::TokenTree::Literal(l) => {
                    // Inline format arguments: `"{host}"`.
                    let text = l.to_string();
                    names.iter().any(|n| text.contains(&format!("{{{n}")))
                }
                proc_macro2::TokenTree::Punct(_) => false,
            })
        }
        if scan(m.tokens.clone(), self.names) {
            self.found = true;
        }
    }
}
