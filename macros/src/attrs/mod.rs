//! One file per attribute: its keys, defaults, per-key checks and the tokens of its
//! runtime configuration. What they share lives in `args/`, `diag.rs` and `check.rs`.

pub(crate) mod circuit_breaker;
pub(crate) mod hedge;
pub(crate) mod retry;
pub(crate) mod timeout;

use proc_macro2::{Span, TokenStream};

use crate::diag::Errors;

/// The tokens of a `Duration` in generated code (through the expansion's `__private` alias).
pub(crate) fn duration_tokens(d: std::time::Duration) -> TokenStream {
    let nanos = d.as_nanos() as u64;
    quote::quote!(__resile_private::Duration::from_nanos(#nanos))
}

/// The attributes this crate implements, by the last segment of their path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Retry,
    Timeout,
    CircuitBreaker,
    Hedge,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Retry, Kind::Timeout, Kind::CircuitBreaker, Kind::Hedge];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Retry => "retry",
            Kind::Timeout => "timeout",
            Kind::CircuitBreaker => "circuit_breaker",
            Kind::Hedge => "hedge",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the attribute runs the body more than once.
    pub(crate) fn reruns_body(self) -> bool {
        matches!(self, Kind::Retry | Kind::Hedge)
    }
}

/// One parsed and checked attribute.
pub(crate) struct Layer {
    pub(crate) kind: Kind,
    /// `crate = "path"`: where the `resile` crate is, when it was renamed.
    pub(crate) krate: Option<syn::Path>,
    /// The whole attribute's tokens, for errors about the attribute as a whole.
    pub(crate) blame: TokenStream,
    pub(crate) args: Args,
}

pub(crate) enum Args {
    Retry(retry::RetryArgs),
    Timeout(timeout::TimeoutArgs),
    CircuitBreaker(circuit_breaker::CircuitBreakerArgs),
    Hedge(hedge::HedgeArgs),
}

/// Parses and checks one attribute's arguments; `None` when there were errors (recorded).
///
/// `blame` is the attribute as written (an error about the whole attribute underlines it);
/// its first token's span stands for the attribute in messages that need one span.
pub(crate) fn parse(kind: Kind, blame: TokenStream, tokens: TokenStream, errors: &mut Errors) -> Option<Layer> {
    let span = blame.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
    let args = match crate::args::parse_args(tokens) {
        Ok(args) => args,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let (krate, args) = take_crate_path(args, errors);
    let args = match kind {
        Kind::Retry => Args::Retry(retry::parse(args, errors)?),
        Kind::Timeout => Args::Timeout(timeout::parse(args, span, errors)?),
        Kind::CircuitBreaker => Args::CircuitBreaker(circuit_breaker::parse(args, span, errors)?),
        Kind::Hedge => Args::Hedge(hedge::parse(args, errors)?),
    };
    Some(Layer { kind, krate, blame, args })
}

/// Takes `crate = "path"` out of `args`: the path of the `resile` crate for users who
/// renamed the dependency (`resile1 = { package = "resile", .. }` ⇒ `crate = "resile1"`).
fn take_crate_path(args: Vec<crate::args::Arg>, errors: &mut Errors) -> (Option<syn::Path>, Vec<crate::args::Arg>) {
    use crate::args::Arg;
    let mut krate = None;
    let mut rest = Vec::with_capacity(args.len());
    for arg in args {
        match arg {
            Arg::Named { key, value } if key == "crate" => {
                let parsed = match &value {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.parse::<syn::Path>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(_) if krate.is_some() => errors.at(key.span(), "duplicate argument `crate`"),
                    Some(path) => krate = Some(path),
                    None => errors.spanned(
                        &value,
                        "expected the path of the `resile` crate as a string, e.g. `crate = \"resile1\"`",
                    ),
                }
            }
            other => rest.push(other),
        }
    }
    (krate, rest)
}
