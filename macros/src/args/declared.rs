//! [`Declared`]: the configuration keys one attribute was given, parsed by kind through
//! `resile-config`'s key table and checked by its rules, each value kept with its spans.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use resile_config::{
    Blame, BulkheadConfig, ChaosConfig, CircuitBreakerConfig, ConfigError, HedgeConfig, Key, KeyKind, KeySet,
    RateLimitConfig, RetryConfig, TimeoutConfig, Value,
};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::values;
use crate::diag::Errors;

/// A configuration type of `resile-config`, as the attributes set it key by key.
pub(crate) trait Settable: Sized {
    /// Its keys.
    const KEYS: &'static [Key];
    /// Sets one key (see the config's `set`).
    fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError>;
    /// Every rule across keys it breaks, `given` the keys the user wrote.
    fn errors(&self, given: KeySet) -> Vec<ConfigError>;
}

macro_rules! settable {
    ($($config:ty),*) => {$(
        impl Settable for $config {
            const KEYS: &'static [Key] = <$config>::KEYS;
            fn set(&mut self, key: &str, value: Value<'_>) -> Result<(), ConfigError> {
                <$config>::set(self, key, value)
            }
            fn errors(&self, given: KeySet) -> Vec<ConfigError> {
                <$config>::errors(self, given)
            }
        }
    )*};
}

settable!(RetryConfig, CircuitBreakerConfig, HedgeConfig, TimeoutConfig, BulkheadConfig, RateLimitConfig, ChaosConfig);

/// One key as written.
struct Written {
    key: &'static Key,
    key_span: Span,
    /// The value's tokens, so an error about it underlines all of it (`-0.5`, not `-`).
    value: TokenStream,
    /// The span of each entry of a list value.
    entries: Vec<Span>,
    parsed: Value<'static>,
}

/// The configuration keys an attribute was given: the configuration they build, which keys
/// were written, and where.
pub(crate) struct Declared<C> {
    pub(crate) config: C,
    pub(crate) given: KeySet,
    written: Vec<Written>,
}

impl<C: Settable> Declared<C> {
    /// Nothing written yet: `config` holds the defaults.
    pub(crate) fn new(config: C) -> Self {
        Declared { config, given: KeySet::EMPTY, written: Vec::new() }
    }

    /// Whether `name` is one of the configuration's keys.
    pub(crate) fn has_key(name: &str) -> bool {
        Key::find(C::KEYS, name).is_some()
    }

    /// Whether any key was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.written.is_empty()
    }

    /// The keys written, in order, each with its span.
    pub(crate) fn written_keys(&self) -> impl Iterator<Item = (&'static str, Span)> + '_ {
        self.written.iter().map(|w| (w.key.name, w.key_span))
    }

    /// The tokens of the value written for `name`, if it was written.
    pub(crate) fn value_of(&self, name: &str) -> Option<&TokenStream> {
        self.written.iter().find(|w| w.key.name == name).map(|w| &w.value)
    }

    /// Parses `value` for the configuration key `key` (one of [`has_key`](Self::has_key))
    /// and sets it, reporting a value of the wrong form, a duplicate, or a value that
    /// breaks the key's own rule.
    pub(crate) fn take(&mut self, key: &Ident, value: &Expr, errors: &mut Errors) {
        let name = key.to_string();
        let k = Key::find(C::KEYS, &name).expect("checked by has_key");
        if self.written.iter().any(|w| w.key.name == k.name) {
            errors.at(key.span(), format!("duplicate argument `{}`", k.name));
            return;
        }
        let (parsed, entries) = match parse_value(k, value) {
            Ok(parsed) => parsed,
            Err(e) => return errors.push(e),
        };
        if let Err(e) = self.config.set(k.name, parsed.clone()) {
            match (e.index(), e.blame()) {
                (Some(i), _) if i < entries.len() => errors.at(entries[i], e),
                (_, Blame::Key) => errors.at(key.span(), e),
                _ => errors.spanned(value, e),
            }
            return;
        }
        self.given = self.given.with(k.name);
        let value = value.to_token_stream();
        self.written.push(Written { key: k, key_span: key.span(), value, entries, parsed });
    }

    /// Reports every rule across keys that the written keys break, each at the token to
    /// change; `attribute` stands for the attribute when no written key is to blame.
    pub(crate) fn check(&self, attribute: Span, errors: &mut Errors) {
        self.check_blaming(attribute, errors, |_| None);
    }

    /// [`check`](Self::check), with `blame` naming another written key to point at for an
    /// error (a rule across keys that blames the key written last).
    pub(crate) fn check_blaming(
        &self,
        attribute: Span,
        errors: &mut Errors,
        blame: impl Fn(&ConfigError) -> Option<&'static str>,
    ) {
        for e in self.config.errors(self.given) {
            let key = blame(&e).unwrap_or(e.key());
            match (self.written.iter().find(|w| w.key.name == key), e.blame(), e.index()) {
                (Some(w), Blame::Value, Some(i)) if i < w.entries.len() => errors.at(w.entries[i], e),
                (Some(w), Blame::Value, _) => errors.spanned(&w.value, e),
                (Some(w), Blame::Key, _) => errors.at(w.key_span, e),
                (None, _, _) => errors.at(attribute, e),
            }
        }
    }

    /// `base` (an expression of the configuration's type) followed by one setter per written
    /// key, in the order written: `base.max(3u32).base_delay(..)`. `special` gives the
    /// tokens of values that are not plain numbers or durations (words, lists).
    pub(crate) fn tokens(
        &self,
        base: TokenStream,
        mut special: impl FnMut(&'static Key, &Value<'static>) -> TokenStream,
    ) -> TokenStream {
        let mut cfg = base;
        for w in &self.written {
            let setter = format_ident!("{}", w.key.name);
            let v = match (&w.parsed, w.key.kind) {
                (Value::Duration(d), _) => crate::codegen::duration(*d),
                (Value::Count(n), KeyKind::Count) => {
                    let n = u32::try_from(*n).expect("checked by the config's `set`");
                    quote!(#n)
                }
                (Value::Number(x), KeyKind::Number) => quote!(#x),
                (Value::Count(n), KeyKind::Number) => {
                    let x = *n as f64;
                    quote!(#x)
                }
                (value, _) => special(w.key, value),
            };
            cfg = quote!(#cfg.#setter(#v));
        }
        cfg
    }
}

/// Parses an attribute's `value` for key `k` by its kind; the spans of a list's entries.
fn parse_value(k: &'static Key, value: &Expr) -> syn::Result<(Value<'static>, Vec<Span>)> {
    let key = k.name;
    let one = |v: Value<'static>| Ok((v, Vec::new()));
    match k.kind {
        KeyKind::Duration => one(Value::Duration(values::duration(value, key, None)?)),
        KeyKind::Count => one(Value::Count(values::count(value, key)?)),
        KeyKind::Number => one(Value::Number(values::number(value, key)?)),
        KeyKind::Words(_) => one(Value::Word(values::word(value, k)?)),
        KeyKind::WordOrDurations(_) => match value {
            Expr::Array(list) => {
                let entries = list.elems.iter().map(Spanned::span).collect();
                let delays = list
                    .elems
                    .iter()
                    .enumerate()
                    .map(|(i, e)| values::duration(e, key, Some(i)))
                    .collect::<syn::Result<_>>()?;
                Ok((Value::Durations(delays), entries))
            }
            _ => one(Value::Word(values::word(value, k)?)),
        },
        KeyKind::WordOrProportion(_) => {
            if values::is_number(value) {
                one(Value::Number(values::number(value, key)?))
            } else {
                one(Value::Word(values::word(value, k)?))
            }
        }
        KeyKind::Name | KeyKind::Callback { .. } | KeyKind::Expression { .. } => {
            unreachable!("not a configuration key: {key}")
        }
    }
}
