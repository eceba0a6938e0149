//! `policy = PATH`: a policy declared in code (`resile::RetryPolicy`, …), its place in the
//! attribute's keys, the keys that may override it at one site, and its expansion: one
//! `const` of the policy's type (so a path of another type is a type error at the path),
//! the site's overrides applied with the policy's own setters, and a `const` check that
//! runs the configuration's rules at compile time.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use resile_config::{Key, POLICY_KEY};
use syn::Expr;
use syn::spanned::Spanned;

use super::Slot;
use super::declared::{Declared, Settable};
use crate::diag::Errors;

/// An attribute's keys with `policy` at the end, for [`crate::diag::unknown_key`].
pub(crate) fn arguments(keys: &[Key]) -> Vec<Key> {
    keys.iter().copied().chain([POLICY_KEY]).collect()
}

/// The path of `policy = PATH`.
pub(crate) fn path(expr: &Expr) -> syn::Result<syn::Path> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path.clone()),
        Expr::Lit(_) => Err(syn::Error::new_spanned(
            expr,
            "`policy` takes the path of a `const` policy, not a literal, e.g. `policy = DB` with `const DB: resile::CircuitBreakerPolicy = ..`",
        )),
        _ => Err(syn::Error::new_spanned(
            expr,
            "`policy` takes the path of a `const` policy, e.g. `policy = DB` or `policy = resile::presets::PRODUCTION`; declare the policy as a `const` and name it here",
        )),
    }
}

/// What `#[attr(policy = ..)]` is: the kind's policy type and its keys that may be written
/// next to `policy`.
pub(crate) struct Kind {
    /// The attribute, `circuit_breaker`.
    pub(crate) attr: &'static str,
    /// The policy type in `resile`, `CircuitBreakerPolicy`.
    pub(crate) ty: &'static str,
    /// What the settings that may not be overridden belong to, for messages: "the shared
    /// breaker".
    pub(crate) shared: &'static str,
    /// The keys that may be written next to `policy` (the policy type's `OVERRIDABLE`).
    pub(crate) overridable: &'static [&'static str],
}

/// Reports every configuration key written next to `policy` that may not override it, at
/// the key, and a `name` (`name_span`) next to `policy`.
pub(crate) fn check_overrides<C: Settable>(
    kind: &Kind,
    config: &Declared<C>,
    name_span: Option<Span>,
    errors: &mut Errors,
) {
    if let Some(span) = name_span {
        errors.at(
            span,
            format!(
                "`name` cannot be written next to `policy`: the policy names {}; remove `name`, or use another policy",
                kind.shared
            ),
        );
    }
    for (key, span) in config.written_keys() {
        if !kind.overridable.contains(&key) {
            let allowed = if kind.overridable.is_empty() {
                String::from("no key of the policy can differ at one site")
            } else {
                format!("only {} can differ at one site", crate::diag::backticked(kind.overridable))
            };
            errors.at(
                span,
                format!(
                    "`{key}` cannot be written next to `policy`: it is a setting of {} that the policy declares, and {allowed}; set it in the policy with `.{key}(..)`, or declare another policy",
                    kind.shared
                ),
            );
        }
    }
}

/// A `policy = PATH` of an attribute.
pub(crate) struct PolicyRef {
    pub(crate) path: syn::Path,
}

/// Takes `key` when it is `name` (noting where it was written, for the override rules) or
/// `policy`, the two keys of an attribute whose shared instance a policy declared in code
/// may name: `Ok(true)`; `Ok(false)` for any other key.
pub(crate) fn take_naming(
    errors: &mut Errors,
    key: &syn::Ident,
    value: &Expr,
    name: &mut Slot<String>,
    name_span: &mut Option<Span>,
    policy: &mut Slot<PolicyRef>,
) -> syn::Result<bool> {
    let ks = key.span();
    match key.to_string().as_str() {
        "name" => {
            *name_span = Some(ks);
            name.set(errors, ks, super::values::name(value, "name")?);
        }
        "policy" => policy.set(errors, ks, PolicyRef { path: path(value)? }),
        _ => return Ok(false),
    }
    Ok(true)
}

impl PolicyRef {
    /// The items of the site's policy: `const #ident: #ty = { PATH as #ty }.key(..)..;`
    /// with the site's overrides (`overrides`, the setters `Declared::tokens` wrote after
    /// the base), and the `const` check of its rules, spanned at the path so that a broken
    /// rule is reported there. Returns the items and the const's name.
    pub(crate) fn items(
        &self,
        kind: &Kind,
        index: usize,
        overrides: impl FnOnce(TokenStream) -> TokenStream,
    ) -> (TokenStream, syn::Ident) {
        let span = self.path.span();
        let path = &self.path;
        let ident = format_ident!("__RESILE_{}_{}_POLICY", kind.attr.to_uppercase(), index);
        let ty = format_ident!("{}", kind.ty);
        // The path's value, typed at the path: another kind of policy (or any other type) is
        // a type error there, naming both types.
        let base = quote_spanned!(span=> { let __resile_policy: __resile_private::#ty = #path; __resile_policy });
        let value = overrides(base);
        // Every token of the check at the path, so that rustc reports a broken rule there.
        let at_path = syn::Ident::new(&ident.to_string(), span);
        let check = quote_spanned!(span=> const _: () = #at_path.check(););
        (quote! { const #ident: __resile_private::#ty = #value; #check }, ident)
    }
}

/// The slow path of an admission that may wait (`#[bulkhead]`, `#[rate_limit]`): `now` (a
/// refusal) at a site that may not wait, `wait` at one that may. Inline, the site's own
/// `max_wait` (`max_wait_zero`) decides; with a policy whose `max_wait` the site does not
/// override (`written`), the branch is on the policy's constant `config.max_wait`, which
/// the compiler folds.
pub(crate) fn slow_admission(
    policy: bool,
    written: bool,
    max_wait_zero: bool,
    config: &proc_macro2::TokenStream,
    now: proc_macro2::TokenStream,
    wait: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    if policy && !written {
        quote::quote!(if #config.max_wait.is_zero() { #now } else { #wait })
    } else if max_wait_zero {
        now
    } else {
        wait
    }
}
