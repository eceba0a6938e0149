//! Generic argument syntax shared by every attribute: `key = value` pairs (plus one
//! optional positional value, for `#[timeout("1s")]`). Configuration keys are parsed by
//! their kind and checked through `resile-config` ([`declared::Declared`]); an attribute's
//! other keys (names, callbacks) are kept with their span in a [`Slot`] that reports
//! duplicates.

pub(crate) mod declared;
pub(crate) mod keyed;
pub(crate) mod policy;
pub(crate) mod values;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

use crate::diag::Errors;

/// One argument as written.
pub(crate) enum Arg {
    /// `key = value`
    Named { key: Ident, value: Expr },
    /// A bare value.
    Positional(Expr),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) && input.peek2(Token![=]) {
            let krate: Token![crate] = input.parse()?;
            let _eq: Token![=] = input.parse()?;
            let value: Expr = input.parse()?;
            return Ok(Arg::Named { key: Ident::new("crate", krate.span), value });
        }
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            let _eq: Token![=] = input.parse()?;
            let value: Expr = input.parse()?;
            Ok(Arg::Named { key, value })
        } else if input.peek(Ident) && (input.peek2(Token![,]) || is_last_token(input)) {
            let key: Ident = input.fork().parse()?;
            Err(syn::Error::new(key.span(), format!("expected `{key} = <value>`, found `{key}` alone")))
        } else {
            Ok(Arg::Positional(input.parse()?))
        }
    }
}

fn is_last_token(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let _ = fork.parse::<Ident>();
    fork.is_empty()
}

/// Parses an attribute's argument list.
pub(crate) fn parse_args(tokens: proc_macro2::TokenStream) -> syn::Result<Vec<Arg>> {
    let list = syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens)?;
    Ok(list.into_iter().collect())
}

/// An attribute key that is not a configuration key (a name, a callback), set at most once.
pub(crate) struct Slot<T> {
    value: Option<T>,
    key: &'static str,
}

impl<T> Slot<T> {
    pub(crate) const fn new(key: &'static str) -> Self {
        Slot { value: None, key }
    }

    /// Sets the value, reporting a duplicate at the second key.
    pub(crate) fn set(&mut self, errors: &mut Errors, key_span: Span, value: T) {
        if self.value.is_some() {
            errors.at(key_span, format!("duplicate argument `{}`", self.key));
        } else {
            self.value = Some(value);
        }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    pub(crate) fn take(&mut self) -> Option<T> {
        self.value.take()
    }
}

/// Runs `on_key` for every `key = value` argument of `#[attr]`, recording the error it
/// returns, and reports a bare value with `example` (e.g. `#[retry(max = 3)]`) as the fix.
pub(crate) fn for_each_named(
    args: Vec<Arg>,
    errors: &mut Errors,
    attr: &str,
    example: &str,
    mut on_key: impl FnMut(&mut Errors, &Ident, &Expr) -> syn::Result<()>,
) {
    for arg in args {
        match arg {
            Arg::Named { key, value } => {
                if let Err(e) = on_key(errors, &key, &value) {
                    errors.push(e);
                }
            }
            Arg::Positional(value) => {
                errors.spanned(&value, format!("`#[{attr}]` takes `key = value` arguments, e.g. `{example}`"));
            }
        }
    }
}
