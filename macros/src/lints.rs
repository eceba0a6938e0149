//! Warnings about a stack that compiles and runs but probably does not do what its author
//! meant, and `allow = "<lint>"`, which silences one on the attribute it points at.
//!
//! Stable Rust has no warning API for procedural macros, so a warning is the use of a
//! `#[deprecated(note = "..")]` function named after the lint, spanned at the attribute:
//! rustc prints ``warning: use of deprecated function `..::<lint>`: <message>`` there, it
//! counts as a warning for `-D warnings`, and `#[deny(deprecated)]` turns it into an error.
//! The technique is the one of the `proc-macro-warning` crate; written here in a few lines
//! rather than added as a dependency that every user of the attributes would compile.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::args::Arg;
use crate::diag::{Errors, backticked};

/// A warning resile reports, and the attribute that reports it (and takes its `allow`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lint {
    /// `#[retry]` above `#[circuit_breaker]` without `retry_if` or `retry_after`.
    RetryIntoOpenBreaker,
    /// `#[retry]` above `#[rate_limit]` without `retry_if` or `retry_after`.
    RetryIntoRateLimit,
    /// `#[chaos]` with a `hang_rate` and no `#[timeout]` (or hedge `timeout`) above it.
    ChaosHangWithoutTimeout,
    /// `#[chaos]` above a policy: the faults it injects never reach the policy.
    ChaosAbovePolicy,
}

impl Lint {
    pub(crate) const ALL: &'static [Lint] =
        &[Lint::RetryIntoOpenBreaker, Lint::RetryIntoRateLimit, Lint::ChaosHangWithoutTimeout, Lint::ChaosAbovePolicy];

    /// The name `allow = ".."` takes.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Lint::RetryIntoOpenBreaker => "retry_into_open_breaker",
            Lint::RetryIntoRateLimit => "retry_into_rate_limit",
            Lint::ChaosHangWithoutTimeout => "chaos_hang_without_timeout",
            Lint::ChaosAbovePolicy => "chaos_above_policy",
        }
    }

    /// The attribute that reports it.
    pub(crate) const fn on(self) -> &'static str {
        match self {
            Lint::RetryIntoOpenBreaker | Lint::RetryIntoRateLimit => "retry",
            Lint::ChaosHangWithoutTimeout | Lint::ChaosAbovePolicy => "chaos",
        }
    }

    fn find(name: &str) -> Option<Lint> {
        Lint::ALL.iter().copied().find(|l| l.name() == name)
    }
}

/// One warning: its lint, where it points, and what it says.
pub(crate) struct Warning {
    pub(crate) lint: Lint,
    pub(crate) span: Span,
    pub(crate) message: String,
}

impl Warning {
    /// The statement that makes rustc print the warning at `span`.
    pub(crate) fn tokens(&self) -> TokenStream {
        let name = self.lint.name();
        let note = format!("{}, or silence it with `allow = \"{name}\"` on the `#[{}]`", self.message, self.lint.on());
        let def = format_ident!("{}", name);
        let used = format_ident!("{}", name, span = self.span);
        let use_it = quote_spanned!(self.span=> let _ = #used;);
        quote! {
            {
                #[deprecated(note = #note)]
                fn #def() {}
                #use_it
            }
        }
    }
}

/// Takes `allow = "<lint>"` (or `allow = ["<lint>", ..]`) out of `#[attr]`'s arguments:
/// the lints it silences. A name that is no lint, or a lint another attribute reports, is
/// an error at the name.
pub(crate) fn take_allow(attr: &str, arguments: Vec<Arg>, errors: &mut Errors) -> (Vec<Lint>, Vec<Arg>) {
    let mut allowed = Vec::new();
    let mut rest = Vec::with_capacity(arguments.len());
    let mut seen = false;
    for arg in arguments {
        let value = match arg {
            Arg::Named { key, value } if key == "allow" => {
                if seen {
                    errors
                        .at(key.span(), "duplicate argument `allow`; list every lint in one: `allow = [\"a\", \"b\"]`");
                    continue;
                }
                seen = true;
                value
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        let names: Vec<&syn::Expr> = match &value {
            syn::Expr::Array(list) => list.elems.iter().collect(),
            one => vec![one],
        };
        for name in names {
            match name {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => {
                    if let Some(lint) = judge(attr, &s.value(), s.span(), errors) {
                        allowed.push(lint);
                    }
                }
                other => errors.spanned(
                    other,
                    "`allow` takes the name of a resile lint as a string, e.g. `allow = \"retry_into_open_breaker\"`",
                ),
            }
        }
    }
    (allowed, rest)
}

/// The lint `name` if `#[attr]` reports it; otherwise an error at `span` that says which
/// lints there are and where each is allowed.
fn judge(attr: &str, name: &str, span: Span, errors: &mut Errors) -> Option<Lint> {
    match Lint::find(name) {
        Some(lint) if lint.on() == attr => Some(lint),
        Some(lint) => {
            errors.at(
                span,
                format!(
                    "`{name}` is reported on `#[{on}]`, not on `#[{attr}]`: write `allow = \"{name}\"` on the `#[{on}]`",
                    on = lint.on()
                ),
            );
            None
        }
        None => {
            let here: Vec<&str> = Lint::ALL.iter().filter(|l| l.on() == attr).map(|l| l.name()).collect();
            let message = if here.is_empty() {
                format!("unknown lint `{name}`: `#[{attr}]` reports no warnings, so it has nothing to allow")
            } else {
                format!("unknown lint `{name}` for `#[{attr}]`; expected one of: {}", backticked(&here))
            };
            errors.at(span, message);
            None
        }
    }
}
