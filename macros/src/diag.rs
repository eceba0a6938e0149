//! The error accumulator and the named message helpers every attribute uses, so wording
//! stays consistent (rustc style: lowercase, no trailing period, code in backticks).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects every error of one expansion. Must be finished with [`Errors::finish`]: dropping
/// it unchecked panics, so no error can be silently lost.
pub(crate) struct Errors {
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors { errors: Some(Vec::new()) }
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.as_mut().expect("error accumulator already finished").push(error);
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.as_ref().map_or(0, Vec::len)
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// `Err` with every collected error combined, or `Ok` when there were none.
    pub(crate) fn finish(mut self) -> Result<(), syn::Error> {
        let mut all = self.errors.take().expect("error accumulator already finished").into_iter();
        match all.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in all {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("resile-macros: error accumulator dropped without `finish()`");
        }
    }
}

/// "unknown argument `x` for `#[retry]`", with a "did you mean" when a key is close.
pub(crate) fn unknown_key(key: &syn::Ident, attr: &str, keys: &[resile_config::Key]) -> syn::Error {
    let name = key.to_string();
    let known: Vec<&str> = keys.iter().map(|k| k.name).collect();
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(&name, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let message = match best {
        Some((_, k)) => format!("unknown argument `{name}` for `#[{attr}]`; did you mean `{k}`?"),
        None => format!("unknown argument `{name}` for `#[{attr}]`; expected one of: {}", backticked(&known)),
    };
    syn::Error::new(key.span(), message)
}

pub(crate) fn backticked(items: &[&str]) -> String {
    items.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// The original item unchanged, followed by every error: rust-analyzer and later type
/// checks keep seeing the function the user wrote.
pub(crate) fn fallback(item: TokenStream, error: syn::Error) -> TokenStream {
    let mut out = item;
    out.extend(error.to_compile_error());
    out
}
