//! The entry point every attribute shares. The first (outermost) `#[resile::*]` attribute
//! on a function finds its siblings below it, removes them, and expands them all, in
//! source order, into one pipeline: parse every attribute, run the checks, and generate
//! code only when there was no error. With errors, the function is emitted unchanged
//! (minus the resile attributes) next to every `compile_error!`, so rust-analyzer and type
//! checking keep seeing the function the user wrote.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, Meta};

use crate::attrs::{self, Def};
use crate::diag::{Errors, fallback};
use crate::{check, expand, item};

/// Attributes that do not transform the function, so they may stand between resile's.
const INERT: &[&str] =
    &["doc", "allow", "warn", "deny", "expect", "forbid", "must_use", "inline", "cold", "track_caller"];

/// Whether `#[chaos]` injects: the cargo feature `chaos`, read here only and passed down,
/// so that tests expand both ways whatever the build.
const CHAOS: bool = cfg!(feature = "chaos");

/// Expands the attribute called `name` (one of [`attrs::ALL`]) and the resile attributes
/// below it.
pub(crate) fn expand(name: &str, args: TokenStream, input: TokenStream) -> TokenStream {
    expand_with(name, args, input, CHAOS)
}

/// [`expand`], with `#[chaos]` injecting (`chaos`) or not: off, its layers are parsed and
/// checked as on (the same compile errors), then dropped; a function whose only resile
/// attribute is `#[chaos]` is emitted as written, minus the attribute.
pub(crate) fn expand_with(name: &str, args: TokenStream, input: TokenStream, chaos: bool) -> TokenStream {
    let def = attrs::find(name).expect("every #[proc_macro_attribute] is in attrs::ALL");
    let mut errors = Errors::new();
    let leader = attrs::parse(def, call_site_tokens(), proc_macro2::Span::call_site(), args, &mut errors);
    let Some(mut func) = item::parse(input.clone(), def.name, &mut errors) else {
        return fallback(input, errors.finish().expect_err("item::parse records why it failed"));
    };
    let mut layers: Vec<attrs::Layer> = leader.into_iter().collect();
    let mut all_parsed = layers.len() == 1;
    let renamed =
        layers.first().and_then(|l| l.krate.as_ref()).and_then(|p| p.segments.last()).map(|s| s.ident.to_string());
    let siblings = take_siblings(&mut func.item.attrs, renamed.as_deref(), &mut errors);
    let mut imports = TokenStream::new();
    for sibling in siblings {
        imports.extend(sibling.import_use);
        match attrs::parse(sibling.def, sibling.blame, sibling.name_span, sibling.tokens, &mut errors) {
            Some(layer) => layers.push(layer),
            None => all_parsed = false,
        }
    }
    if all_parsed {
        check::stacking(&layers, &mut errors);
        check::signature(&layers, &func.item.sig, &mut errors);
        imports.extend(check::warnings(&layers).into_iter().map(|w| w.tokens()));
    }
    if !chaos {
        // What a dropped `#[chaos]` still checks (its `policy`), as the function's first
        // statement, so that a build without the feature rejects what one with it does.
        let mut checks = TokenStream::new();
        for (index, layer) in layers.iter().enumerate().filter(|(_, l)| l.name == "chaos") {
            checks.extend(layer.attr.checks_when_dropped(index));
        }
        if !checks.is_empty() {
            let krate = layers
                .iter()
                .find_map(|l| l.krate.as_ref())
                .map_or_else(|| quote::quote!(::resile), |p| quote::quote!(#p));
            let stmt: syn::Stmt = syn::parse_quote! {
                const _: () = {
                    use #krate::__private as __resile_private;
                    #checks
                };
            };
            func.item.block.stmts.insert(0, stmt);
        }
        layers.retain(|l| l.name != "chaos");
    }
    match errors.finish() {
        Ok(()) if layers.is_empty() => func.item.into_token_stream(),
        Ok(()) => expand::expand(func, &layers, imports),
        Err(e) => fallback(func.item.into_token_stream(), e),
    }
}

/// A token spanning the whole attribute being expanded (the macro's call site).
fn call_site_tokens() -> TokenStream {
    quote::quote!(resile)
}

/// A resile attribute below the leader, taken off the function.
struct Sibling {
    def: &'static Def,
    /// The attribute as written, for errors about it as a whole.
    blame: TokenStream,
    /// The span of its name (`retry` in `#[resile::retry(..)]`).
    name_span: proc_macro2::Span,
    /// Its arguments.
    tokens: TokenStream,
    /// For a bare `#[timeout]` imported with `use resile::timeout`: a use of that import,
    /// which the leader took away before rustc could see it.
    import_use: TokenStream,
}

/// Which attribute `attr` is, if it is one of ours: `#[resile::retry]`, `#[::resile::retry]`,
/// a bare `#[retry]` imported from resile, or `#[renamed::retry]` when the leader says
/// `crate = "renamed"`.
fn resile_def(attr: &Attribute, renamed: Option<&str>) -> Option<&'static Def> {
    let segments: Vec<String> = attr.path().segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [name] => attrs::find(name),
        [krate, name] if krate == "resile" || Some(krate.as_str()) == renamed => attrs::find(name),
        _ => None,
    }
}

/// Removes the resile attributes below the leader and returns them in source order. A
/// resile attribute separated from the group by another (non-inert) attribute is an error.
fn take_siblings(attrs: &mut Vec<Attribute>, renamed: Option<&str>, errors: &mut Errors) -> Vec<Sibling> {
    let mut found = Vec::new();
    let mut separator: Option<String> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(def) = resile_def(&attr, renamed) else {
            let name = crate::diag::code(attr.path());
            if separator.is_none() && !INERT.contains(&name.as_str()) {
                separator = Some(name);
            }
            kept.push(attr);
            continue;
        };
        if let Some(sep) = &separator {
            errors.spanned(
                &attr,
                format!(
                    "`#[{}]` is separated from the resile attributes above it by `#[{sep}]`; resile attributes must stand together to expand in the order written: move `#[{sep}]` above or below them",
                    def.name
                ),
            );
            continue;
        }
        let tokens = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                errors.spanned(nv, format!("expected `#[{0}(...)]`, found `#[{0} = ...]`", def.name));
                continue;
            }
        };
        let import_use = match attr.path().get_ident() {
            Some(ident) => quote::quote!(#[allow(unused_imports)] use #ident as _;),
            None => TokenStream::new(),
        };
        let name_span = attr.path().segments.last().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
        found.push(Sibling { def, blame: attr.to_token_stream(), name_span, tokens, import_use });
    }
    *attrs = kept;
    found
}
