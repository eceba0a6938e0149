//! `#[retry(...)]`: its keys (`resile_config::RetryConfig`'s and its own callbacks and
//! budget name), and its expansion, a loop in the function's own coroutine.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use resile_config::{Backoff, Jitter, RetryConfig, Value};

use super::Attribute;
use crate::args::declared::Declared;
use crate::args::policy::{self, Kind, PolicyRef};
use crate::args::{Arg, Slot, for_each_named, values};
use crate::codegen::{Cx, Inner, optional_str};
use crate::diag::{Errors, unknown_key};
use crate::shapes;

pub(crate) struct Retry {
    config: Declared<RetryConfig>,
    retry_if: Slot<syn::Path>,
    on_retry: Slot<syn::Path>,
    retry_after: Slot<syn::Path>,
    retry_budget: Slot<String>,
    policy: Slot<PolicyRef>,
}

const KIND: Kind = Kind {
    attr: "retry",
    ty: "RetryPolicy",
    shared: "the retry",
    overridable: resile_config::RetryPolicy::OVERRIDABLE,
};

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let mut a = Retry {
        config: Declared::new(RetryConfig::new()),
        retry_if: Slot::new("retry_if"),
        on_retry: Slot::new("on_retry"),
        retry_after: Slot::new("retry_after"),
        retry_budget: Slot::new("retry_budget"),
        policy: Slot::new("policy"),
    };
    let before = errors.len();
    for_each_named(args, errors, "retry", "#[retry(max = 3)]", |errors, key, value| {
        let ks = key.span();
        match key.to_string().as_str() {
            k if Declared::<RetryConfig>::has_key(k) => a.config.take(key, value, errors),
            "retry_if" => a.retry_if.set(errors, ks, values::path(value, "retry_if")?),
            "on_retry" => a.on_retry.set(errors, ks, values::path(value, "on_retry")?),
            "retry_after" => a.retry_after.set(errors, ks, values::path(value, "retry_after")?),
            "retry_budget" => a.retry_budget.set(errors, ks, values::name(value, "retry_budget")?),
            "policy" => a.policy.set(errors, ks, PolicyRef { path: policy::path(value)? }),
            _ => return Err(unknown_key(key, "retry", &policy::arguments(RetryConfig::ARGUMENTS))),
        }
        Ok(())
    });
    if a.policy.is_set() {
        // The rules across keys judge the policy's settings with the overrides: the
        // expansion's `const` check runs them.
        policy::check_overrides(&KIND, &a.config, None, errors);
    } else {
        a.config.check(span, errors);
    }
    (errors.len() == before).then(|| Box::new(a) as Box<dyn Attribute>)
}

impl Attribute for Retry {
    fn reruns_body(&self) -> bool {
        true
    }

    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner {
        let site = format_ident!("__RESILE_RETRY_{}", index);
        let delays = format_ident!("__RESILE_RETRY_{}_DELAYS", index);
        let mut statics = TokenStream::new();
        let special = |_: &'static resile_config::Key, value: &Value<'static>| match value {
            Value::Word(w) => backoff_or_jitter(w),
            Value::Number(p) => quote!(__resile_private::Jitter::Proportional(#p)),
            Value::Durations(list) => {
                let n = list.len();
                let items = list.iter().map(|d| crate::codegen::duration(*d));
                statics = quote!(static #delays: [__resile_private::Duration; #n] = [#(#items),*];);
                quote!(__resile_private::Backoff::List(&#delays))
            }
            other => unreachable!("a retry key never takes {other:?}"),
        };
        let config = match self.policy.get() {
            None => self.config.tokens(quote!(__resile_private::RetryConfig::new()), special),
            Some(p) => {
                let (items, policy) = p.items(&KIND, index, |base| self.config.tokens(base, special));
                cx.items.extend(items);
                quote!(#policy.config)
            }
        };
        let budget = optional_str(self.retry_budget.get().map(String::as_str));
        cx.items.extend(quote! {
            #statics
            static #site: __resile_private::RetrySite = __resile_private::RetrySite::new(__RESILE_FN, #config, #budget);
        });
        let hooks = cx.typed(quote!(__resile_private::RetryHooks));
        let retry_if = cx.hook("retry_if", self.retry_if.get());
        let on_retry = cx.hook("on_retry", self.on_retry.get());
        let retry_after = cx.hook("retry_after", self.retry_after.get());
        let (span, impl_type) = (cx.span(), cx.impl_type());
        let on_error = quote! {{
            let __resile_describe = (&&&__resile_private::Describe::of(&__resile_error)).describe_fn();
            #site.on_error(
                &mut __resile_state,
                #span,
                __resile_error,
                &#hooks { retry_if: #retry_if, on_retry: #on_retry, retry_after: #retry_after },
                __resile_describe,
                #impl_type,
            )
        }};
        shapes::looped(quote!(#site.start()), on_error, inner, cx.body_span)
    }
}

/// The tokens of a `backoff` or `jitter` word (the two keys' words do not overlap).
fn backoff_or_jitter(word: &str) -> TokenStream {
    if let Some(b) = Backoff::from_word(word) {
        let variant = format_ident!("{}", format!("{b:?}"));
        return quote!(__resile_private::Backoff::#variant);
    }
    let j = Jitter::from_word(word).expect("a word of `backoff` or `jitter`");
    let variant = format_ident!("{}", format!("{j:?}"));
    quote!(__resile_private::Jitter::#variant)
}

/// What a retry sleeps at least before its first retry, for the rules that compare it with
/// a deadline (`check.rs`).
pub(crate) struct FirstSleep {
    /// The shortest first sleep, jitter and `max_delay` applied.
    pub(crate) min: std::time::Duration,
    /// Where it comes from, for messages: "`base_delay` is 100ms, with `jitter = \"none\"`".
    pub(crate) why: String,
    /// Whether every first sleep is `min` (no jitter).
    pub(crate) exact: bool,
}

impl FirstSleep {
    /// "sleeps 100ms" or "sleeps at least 50ms", for messages.
    pub(crate) fn sleeps(&self) -> String {
        let min = resile_config::duration::display(self.min);
        if self.exact { format!("sleeps {min}") } else { format!("sleeps at least {min}") }
    }
}

impl Retry {
    /// The shortest sleep before the first retry, when the retry retries at all and its
    /// settings are known here (not with a `policy`, whose settings are a `const`'s); `None`
    /// when it may be zero (full jitter).
    pub(crate) fn first_sleep(&self) -> Option<FirstSleep> {
        use resile_config::duration::{display, from_nanos, mul_fraction};
        if self.policy.is_set() {
            return None;
        }
        let cfg = &self.config.config;
        if cfg.max <= 1 {
            return None;
        }
        let nominal = cfg.nominal_delay(1);
        let d = nominal.as_nanos();
        let source = match cfg.backoff {
            Backoff::List(_) => format!("the first delay of `backoff` is {}", display(nominal)),
            _ if self.config.given.contains("base_delay") => format!("`base_delay` is {}", display(nominal)),
            _ => format!("`base_delay` is {} (its default)", display(nominal)),
        };
        let (min, jitter) = match cfg.jitter {
            Jitter::None => (d, String::from("with `jitter = \"none\"`")),
            Jitter::Full => return None,
            Jitter::Equal => (d / 2, String::from("and `jitter = \"equal\"` sleeps at least half of it")),
            Jitter::Decorrelated => (
                cfg.base_delay.as_nanos(),
                String::from("and `jitter = \"decorrelated\"` sleeps at least `base_delay`"),
            ),
            Jitter::Proportional(p) => {
                (d - mul_fraction(d, p), format!("and `jitter = {p}` sleeps at least {} of it", 1.0 - p))
            }
        };
        let min = from_nanos(min.min(cfg.max_delay.as_nanos()));
        if min.is_zero() {
            return None;
        }
        let capped = if min == cfg.max_delay && min.as_nanos() < d { ", capped at `max_delay`" } else { "" };
        let exact = matches!(cfg.jitter, Jitter::None);
        Some(FirstSleep { min, why: format!("{source}, {jitter}{capped}"), exact })
    }

    /// Whether it may retry at all: not with `max = 1` (a policy's `max` is not known here,
    /// so a site with a `policy` may).
    pub(crate) fn retries(&self) -> bool {
        self.policy.is_set() || self.config.config.max > 1
    }

    /// `budget`, with the tokens of its value, when it was written.
    pub(crate) fn budget(&self) -> Option<(std::time::Duration, TokenStream)> {
        let tokens = self.config.value_of("budget")?.clone();
        Some((self.config.config.budget?, tokens))
    }
}
