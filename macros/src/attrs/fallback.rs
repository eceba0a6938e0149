//! `#[fallback(path)]`: on `Err`, the call's result is `path(<the same arguments>, error).await`.
//! No configuration, no runtime state: its expansion is a `match` in the function's own
//! coroutine around what is inside it.
//!
//! Arguments: the body gets the arguments as written; after it, the fallback gets them
//! again. References and arguments the body only borrows are passed as they are (the body's
//! borrows ended with its future); a by-value argument the body moves (found as `moves.rs`
//! finds them) is cloned before the body runs, through a check whose message says so when
//! the type is not `Clone`.
//!
//! Signature: the path goes through a trait the expansion declares in the body, whose
//! `#[diagnostic::on_unimplemented]` message is the signature the fallback must have, with
//! the names of this function's parameters. `resile::__private::fallback::sig(path)` first
//! finds the fallback's argument and output types from the fn alone (by its arity, through
//! `FnSig`, whose one impl per arity is `do_not_recommend`); the local trait then compares
//! them with the expected ones, so that a wrong arity, argument (an error taken by reference
//! included) or return type is reported once, as that trait, at the path; a fn that is not
//! async is reported as `FnSig`. The call goes through the checked type (`Same<F>`), which a
//! failed check leaves unnormalized, so it adds no error of its own.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReceiverKind};

use super::Attribute;
use crate::args::Arg;
use crate::codegen::{Cx, Inner, respan};
use crate::diag::{Errors, code};
use crate::item::erase_impl_trait;

pub(crate) struct Fallback {
    path: syn::Path,
}

/// The arguments of `#[fallback(..)]`: a path first (which the generic parser would take for
/// a key missing its value), then `crate = ".."` if any.
pub(crate) fn parse_args(tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream<'_>| -> syn::Result<Vec<Arg>> {
        let mut out = Vec::new();
        let fork = input.fork();
        if fork.parse::<syn::Path>().is_ok() && (fork.is_empty() || fork.peek(syn::Token![,])) {
            let path: syn::Path = input.parse()?;
            out.push(Arg::Positional(syn::Expr::Path(syn::ExprPath { attrs: Vec::new(), qself: None, path })));
            if input.is_empty() {
                return Ok(out);
            }
            let _comma: syn::Token![,] = input.parse()?;
        }
        let rest: TokenStream = input.parse()?;
        out.extend(crate::args::parse_args(rest)?);
        Ok(out)
    };
    parser.parse2(tokens)
}

const EXAMPLE: &str = "e.g. `#[fallback(cached_price)]`";

pub(crate) fn parse(args: Vec<Arg>, span: Span, errors: &mut Errors) -> Option<Box<dyn Attribute>> {
    let before = errors.len();
    let mut path = None;
    for arg in args {
        match arg {
            Arg::Positional(value) if path.is_none() => match crate::args::values::path(&value, "fallback") {
                Ok(p) => path = Some(p),
                Err(_) => errors.spanned(
                    &value,
                    format!("`#[fallback]` takes the path of an async fn to call on `Err`, {EXAMPLE}"),
                ),
            },
            Arg::Positional(value) => errors.spanned(
                &value,
                "`#[fallback]` takes one fn; to chain fallbacks, put another `#[fallback]` on that fn",
            ),
            Arg::Named { key, .. } => errors.at(
                key.span(),
                format!("unknown argument `{key}` for `#[fallback]`; it takes only the path of an async fn, {EXAMPLE}"),
            ),
        }
    }
    match path {
        Some(path) if errors.len() == before => Some(Box::new(Fallback { path })),
        Some(_) => None,
        None => {
            if errors.len() == before {
                errors.at(span, format!("`#[fallback]` needs the async fn to call on `Err`, {EXAMPLE}"));
            }
            None
        }
    }
}

/// One parameter of the guarded fn, as the fallback gets it.
struct Param {
    /// `id: u64`, `&self`: as the message shows it.
    shown: String,
    /// Its type in the expected argument tuple.
    ty: TokenStream,
    /// The expression passed to the fallback.
    pass: TokenStream,
}

fn params(cx: &Cx) -> Vec<Param> {
    let moved = crate::moves::moved(&cx.sig, &cx.body);
    cx.sig
        .inputs
        .iter()
        .map(|input| match input {
            FnArg::Receiver(r) => {
                let this = &r.self_token;
                let ty = match &r.kind {
                    ReceiverKind::Reference(_, lt, m) => quote!(&#lt #m Self),
                    ReceiverKind::Typed(_, ty) => quote!(#ty),
                    _ => quote!(Self),
                };
                let shown = match &r.kind {
                    ReceiverKind::Reference(_, lt, m) => code(&quote!(&#lt #m self)),
                    ReceiverKind::Typed(_, ty) => format!("self: {}", code(ty)),
                    _ => "self".to_owned(),
                };
                Param { shown, ty, pass: quote!(#this) }
            }
            FnArg::Typed(pt) => {
                let Pat::Ident(id) = &*pt.pat else {
                    unreachable!("check::signature requires named parameters under #[fallback]")
                };
                let ident = &id.ident;
                let ty = erase_impl_trait(&pt.ty);
                let pass = if moved.iter().any(|(m, _, _)| m == ident) {
                    let keep = format_ident!("__resile_keep_{}", ident);
                    quote!(#keep)
                } else {
                    quote!(#ident)
                };
                Param { shown: format!("{ident}: {}", code(&pt.ty)), ty: quote!(#ty), pass }
            }
        })
        .collect()
}

impl Attribute for Fallback {
    fn expand(&self, cx: &mut Cx, _index: usize, inner: Inner) -> Inner {
        let path = &self.path;
        let span = path.span();
        let params = params(cx);
        // The clones of the arguments the body moves, taken before it runs, each checked at
        // the move that needs it.
        let keeps = crate::moves::moved(&cx.sig, &cx.body).into_iter().map(|(ident, ty, at)| {
            let keep = format_ident!("__resile_keep_{}", ident);
            let ty = respan(&ty, at);
            quote_spanned!(at=> let #keep = __resile_private::moves::fallback_keep::<#ty>(&#ident);)
        });
        let name = path.segments.last().map_or_else(String::new, |s| s.ident.to_string());
        let error = cx.error.as_ref().map_or_else(|| "E".to_owned(), code);
        let ret = code(&cx.ret);
        let shown: Vec<String> = params.iter().map(|p| p.shown.clone()).chain([format!("error: {error}")]).collect();
        let message = format!("`#[fallback({})]` needs `async fn {name}({}) -> {ret}`", code(path), shown.join(", "));
        let label = format!(
            "called on `Err` with the arguments of `{}` and then the error, by value, for its result",
            cx.sig.ident
        );
        let note = if cx.error.is_some() {
            "this fn takes and returns `{Self}`".to_owned()
        } else {
            format!("this fn takes and returns `{{Self}}`; `E` is the error type of `{ret}`")
        };
        let tys = params.iter().map(|p| &p.ty);
        let e = cx.error.as_ref().map_or_else(|| quote!(_), |e| quote!(#e));
        let r = &cx.ret;
        let pass = params.iter().map(|p| &p.pass);
        // `sig(path)` settles the fallback's argument and output types from the fn alone, as
        // an argument checked before the comparison with the expected ones applies (given
        // both at once, rustc takes the expected types for the fallback's and reports the
        // mismatch as its own, then again at the call). A failed comparison is reported at the
        // turbofish's `_` for `Call`, and again where the callee's return type (`Same<F>`) does
        // not normalize: each written `__ResileId<_>` and with the callee's last token at the
        // path's last, both span the whole path (which `proc_macro2` cannot join on stable),
        // and rustc reports them as one.
        let last = path.segments.last().map_or(span, |s| s.ident.span());
        let mut close = proc_macro2::Punct::new('>', proc_macro2::Spacing::Alone);
        close.set_span(last);
        let infer = quote_spanned!(span=> __ResileId<_ #close);
        let check = quote_spanned!(span=>
            __resile_fallback::<((#(#tys,)* #e,), #r), #infer, #infer, #infer #close(
                __resile_private::fallback::sig(#path),
                #path,
            )
        );
        let call = inner.into_expr();
        Inner::Expr(quote! {{
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait __ResileFallback<Want> {
                type Same<F>;
                fn same<F>(f: F) -> Self::Same<F>;
            }
            type __ResileId<T> = T;
            impl<__T> __ResileFallback<__T> for __T {
                type Same<F> = F;
                #[inline(always)]
                fn same<F>(f: F) -> F {
                    f
                }
            }
            #[inline(always)]
            fn __resile_fallback<Want, F, Args, Call>(
                _sig: ::core::marker::PhantomData<(Args, Call)>,
                f: F,
            ) -> <Call as __ResileFallback<Want>>::Same<F>
            where
                F: __resile_private::fallback::FnSig<Args, Call = Call>,
                Call: __ResileFallback<Want>,
            {
                <Call as __ResileFallback<Want>>::same(f)
            }
            #(#keeps)*
            let __resile_result = #call;
            match __resile_result {
                __resile_ok @ __resile_private::Ok(_) => __resile_ok,
                __resile_private::Err(__resile_error) => #check(#(#pass,)* __resile_error).await,
            }
        }})
    }
}
