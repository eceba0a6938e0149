//! The attributes: one file each, one type each implementing [`Attribute`], and one list,
//! [`ALL`]. Each file holds its attribute's keys (its configuration's, through
//! `resile-config`, and its own names and callbacks), its parsing, and its expansion in
//! one of the three call shapes of `shapes.rs`; what the attributes share lives in
//! `args/`, `codegen.rs`, `shapes.rs`, `diag.rs` and `check.rs`.

pub(crate) mod bulkhead;
pub(crate) mod chaos;
pub(crate) mod circuit_breaker;
pub(crate) mod fallback;
pub(crate) mod hedge;
pub(crate) mod rate_limit;
pub(crate) mod retry;
pub(crate) mod single_flight;
pub(crate) mod timeout;

use proc_macro2::{Span, TokenStream};

use crate::args::{self, Arg};
use crate::codegen::{Cx, Inner};
use crate::diag::Errors;

/// One parsed and checked attribute.
pub(crate) trait Attribute: AsAny {
    /// Whether it runs the body more than once (so the body may not move an argument out).
    /// Such an attribute can also report more than one telemetry event per call (a retry's,
    /// a hedge's), so its calls keep a span slot.
    fn reruns_body(&self) -> bool {
        false
    }

    /// The shared instance it guards with, for a named admission policy (bulkhead, rate
    /// limiter): two layers of one kind and one name on a function would take from the same
    /// instance twice per call.
    fn instance(&self) -> Option<&str> {
        None
    }

    /// The `key = ..` expression of a keyed instance (SPEC §9), for the rule that it names
    /// an argument.
    fn key(&self) -> Option<&syn::Expr> {
        None
    }

    /// Wraps `inner` in this layer, the `index`-th of the pipeline (0 = outermost), in
    /// one of the call shapes of `shapes.rs`.
    fn expand(&self, cx: &mut Cx, index: usize, inner: Inner) -> Inner;

    /// Items that check at compile time what a layer dropped from the expansion (`#[chaos]`
    /// without its cargo feature) would have checked there: a `policy = PATH` and the
    /// rules of its overrides. Paths through `__resile_private`.
    fn checks_when_dropped(&self, _index: usize) -> TokenStream {
        TokenStream::new()
    }
}

/// A parsed attribute as `Any`, so a rule across the stack (`check.rs`) can read the
/// settings of one kind of layer (a `#[timeout]`'s duration, a `#[retry]`'s first delay).
pub(crate) trait AsAny {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Parses and checks an attribute's arguments; `None` when there were errors (recorded).
/// The span stands for the whole attribute.
type Parse = fn(Vec<Arg>, Span, &mut Errors) -> Option<Box<dyn Attribute>>;

/// An attribute this crate implements: its name and its parser.
pub(crate) struct Def {
    pub(crate) name: &'static str,
    parse: Parse,
}

/// Every attribute, in the order SPEC lists them.
pub(crate) const ALL: &[Def] = &[
    Def { name: "retry", parse: retry::parse },
    Def { name: "circuit_breaker", parse: circuit_breaker::parse },
    Def { name: "hedge", parse: hedge::parse },
    Def { name: "timeout", parse: timeout::parse },
    Def { name: "single_flight", parse: single_flight::parse },
    Def { name: "fallback", parse: fallback::parse },
    Def { name: "bulkhead", parse: bulkhead::parse },
    Def { name: "rate_limit", parse: rate_limit::parse },
    Def { name: "chaos", parse: chaos::parse },
];

/// The attribute called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Def> {
    ALL.iter().find(|d| d.name == name)
}

/// One attribute of a function, parsed.
pub(crate) struct Layer {
    /// Its name, as written after `resile::` (`circuit_breaker`).
    pub(crate) name: &'static str,
    pub(crate) attr: Box<dyn Attribute>,
    /// `crate = "path"`: where the `resile` crate is, when it was renamed.
    pub(crate) krate: Option<syn::Path>,
    /// The whole attribute's tokens, for errors about the attribute as a whole.
    pub(crate) blame: TokenStream,
    /// The span of the attribute's name (`retry` in `#[resile::retry(..)]`; the whole
    /// attribute for the first one), where its warnings point.
    pub(crate) name_span: Span,
    /// The keys written, in order, whatever the attribute does with them: rules across the
    /// stack ask whether a key was given (`retry_if`) without knowing the attribute's type.
    pub(crate) keys: Vec<String>,
    /// The lints silenced with `allow = "<lint>"` on this attribute.
    pub(crate) allow: Vec<crate::lints::Lint>,
}

impl Layer {
    /// Whether the key `name` was written on this attribute.
    pub(crate) fn has_key(&self, name: &str) -> bool {
        self.keys.iter().any(|k| k == name)
    }

    /// This layer's attribute as `T`, when it is one.
    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        (*self.attr).as_any().downcast_ref::<T>()
    }
}

/// Parses and checks one attribute's arguments; `None` when there were errors (recorded).
///
/// `blame` is the attribute as written (an error about the whole attribute underlines it);
/// its first token's span stands for the attribute in messages that need one span.
pub(crate) fn parse(
    def: &Def,
    blame: TokenStream,
    name_span: Span,
    tokens: TokenStream,
    errors: &mut Errors,
) -> Option<Layer> {
    let span = blame.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
    let parsed = if def.name == "fallback" { fallback::parse_args(tokens) } else { args::parse_args(tokens) };
    let arguments = match parsed {
        Ok(arguments) => arguments,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let (krate, arguments) = take_crate_path(arguments, errors);
    let (allow, arguments) = crate::lints::take_allow(def.name, arguments, errors);
    let keys = arguments
        .iter()
        .filter_map(|a| match a {
            Arg::Named { key, .. } => Some(key.to_string()),
            Arg::Positional(_) => None,
        })
        .collect();
    let attr = (def.parse)(arguments, span, errors)?;
    Some(Layer { name: def.name, attr, krate, blame, name_span, keys, allow })
}

/// Takes `crate = "path"` out of `arguments`: the path of the `resile` crate for users who
/// renamed the dependency (`resile1 = { package = "resile", .. }` ⇒ `crate = "resile1"`).
fn take_crate_path(arguments: Vec<Arg>, errors: &mut Errors) -> (Option<syn::Path>, Vec<Arg>) {
    let mut krate = None;
    let mut rest = Vec::with_capacity(arguments.len());
    for arg in arguments {
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
