//! Code generation: the checked layers become one pipeline in the function body. The
//! signature, attributes and docs stay as written; the body becomes
//!
//! ```text
//! {
//!     const __RESILE_FN: &str = concat!(module_path!(), "::", "<fn name>");
//!     use ::resile::__private as __resile_private;   // or `crate = "path"`'s path
//!     static __RESILE_<POLICY>_<i>: __resile_private::<Policy>Site = /* const config */;
//!     let __resile_span = __resile_private::CallSpan::new(__RESILE_FN);
//!     __resile_span.instrument(<layer 0>(<layer 1>(… body …))).await   // or, for an outermost
//!                                                        // #[retry], its loop inline
//! }
//! ```
//!
//! Policies that run the body once take its future; `#[retry]` becomes a loop that hands
//! each result to the runtime's `RetryRun::next`, which makes every decision; `#[hedge]`
//! takes a closure that makes a fresh body future per attempt. The body is a plain
//! `async { }` block inside the function, so it borrows arguments (even `&mut self`) per
//! attempt and the whole call stays `Send` when the body is.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Stmt, Type};

use crate::attrs::{Args, Layer, retry};
use crate::item::{Body, Func, async_trait_block_mut, erase_impl_trait, user_block_mut};

struct Ctx {
    /// The declared return type with `impl Trait` erased, for turbofishes.
    ret: Type,
    /// The error type `E` when the return type is spelled `Result<T, E>`.
    error: Option<Type>,
    /// Span of the user's error type (or of the whole return type), for bound checks.
    error_span: proc_macro2::Span,
    /// Span of the body, for generated control flow whose errors belong to the body.
    body_span: proc_macro2::Span,
    /// Items placed at the top of the body: call-site statics.
    items: TokenStream,
}

/// `imports` are items placed first in the body (uses of sibling attributes' imports).
pub(crate) fn expand(mut func: Func, layers: &[Layer], imports: TokenStream) -> TokenStream {
    let fn_name = func.item.sig.ident.to_string();
    let error = error_type(&func.output).cloned();
    let error_span = error.as_ref().map_or_else(|| func.output.span(), Spanned::span);
    let body_span = func.item.block.span();
    let mut ctx = Ctx { ret: erase_impl_trait(&func.output), error, error_span, body_span, items: imports };
    let ret = &ctx.ret;
    let original = match &func.body {
        Body::Async => {
            let block = user_block_mut(&mut func.item.block);
            quote!(async #block)
        }
        Body::AsyncTrait { stmt } => {
            let inner = async_trait_block_mut(&mut func.item.block).expect("checked when parsed");
            let Stmt::Local(local) = &inner.stmts[*stmt] else { unreachable!("checked when parsed") };
            match &*local.init.as_ref().expect("checked when parsed").expr {
                syn::Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
                    let block = &b.block;
                    quote!(async #block)
                }
                init => quote!(async { #init }),
            }
        }
    };
    let body = quote!(__resile_private::body::<#ret, _>(#original));
    if let Some(layer) = layers.iter().find(|l| l.kind.reruns_body()) {
        let block: syn::Block = syn::parse2(quote!({ #original })).expect("body block parses");
        ctx.items.extend(crate::moves::checks(layer.kind, &func.item.sig, &block));
    }
    // The outermost `#[retry]` runs its loop directly in the function body, one coroutine
    // less; any other outermost layer is a future awaited inside the call's span.
    let (outer, rest) = layers.split_first().expect("at least the leader");
    let inner = rest.iter().enumerate().rev().fold(body, |inner, (i, layer)| wrap(&mut ctx, i + 1, layer, inner));
    let call = match &outer.args {
        Args::Retry(args) => retry_loop(&mut ctx, 0, args, quote!(__resile_span.instrument(#inner)), true),
        _ => {
            let pipeline = wrap(&mut ctx, 0, outer, inner);
            quote!(__resile_span.instrument(#pipeline).await)
        }
    };
    let items = &ctx.items;
    let krate = layers.iter().find_map(|l| l.krate.as_ref()).map_or_else(|| quote!(::resile), |p| quote!(#p));
    let new_body = quote!({
        #[allow(unused_imports)]
        use #krate::__private::{self as __resile_private, DescribeDebug as _, DescribeNone as _};
        const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", #fn_name);
        #items
        let __resile_span = __resile_private::CallSpan::new(__RESILE_FN);
        #call
    });
    match &func.body {
        Body::Async => {
            *user_block_mut(&mut func.item.block) = syn::parse2(new_body).expect("generated block parses");
        }
        Body::AsyncTrait { stmt } => {
            let inner = async_trait_block_mut(&mut func.item.block).expect("checked when parsed");
            let Stmt::Local(local) = &mut inner.stmts[*stmt] else { unreachable!() };
            *local.init.as_mut().expect("checked when parsed").expr =
                syn::parse2(new_body).expect("generated block parses");
        }
    }
    let item = &func.item;
    quote!(#item)
}

/// Wraps the future expression `inner` in layer `i`.
fn wrap(ctx: &mut Ctx, i: usize, layer: &Layer, inner: TokenStream) -> TokenStream {
    let rt = quote!(__resile_private);
    match &layer.args {
        Args::Timeout(t) => {
            let after = crate::attrs::duration_tokens(t.after);
            let reject = ctx.reject("timeout");
            quote!(#rt::timeout(__RESILE_FN, #after, #reject, #inner))
        }
        Args::Retry(args) => {
            let run = retry_loop(ctx, i, args, inner, false);
            quote_spanned!(ctx.body_span=> async { #run })
        }
        Args::CircuitBreaker(args) => {
            let site = format_ident!("__RESILE_CIRCUIT_BREAKER_{}", i);
            let cfg = crate::attrs::circuit_breaker::config_tokens(args);
            let name = args.slots.name.get().expect("checked: name is required");
            let on_state_change = optional_path(args.slots.on_state_change.get());
            ctx.items.extend(quote! {
                static #site: #rt::circuit_breaker::BreakerSite =
                    #rt::circuit_breaker::BreakerSite::new(__RESILE_FN, #name, #cfg, #on_state_change);
            });
            let reject = ctx.reject("circuit_breaker");
            let should_record = optional_path(args.slots.should_record.get());
            quote!(#site.call_rejecting(#reject, #should_record, #inner))
        }
        Args::Hedge(args) => {
            let site = format_ident!("__RESILE_HEDGE_{}", i);
            let cfg = crate::attrs::hedge::config_tokens(args);
            let name = match args.slots.name.get() {
                Some(n) => quote!(::core::option::Option::Some(#n)),
                None => quote!(::core::option::Option::None),
            };
            ctx.items.extend(quote! {
                static #site: #rt::hedge::HedgeSite = #rt::hedge::HedgeSite::new(__RESILE_FN, #cfg, #name);
            });
            let timed_out = if args.slots.timeout.is_set() {
                let reject = ctx.reject("hedge");
                quote!(::core::option::Option::Some(#reject))
            } else {
                quote!(::core::option::Option::None)
            };
            let fatal = optional_path(args.slots.fatal.get());
            let on_hedge = optional_path(args.slots.on_hedge.get());
            let hooks = match &ctx.error {
                Some(e) => quote!(#rt::hedge::HedgeHooks::<#e>),
                None => quote!(#rt::hedge::HedgeHooks),
            };
            quote!(#site.call(
                #hooks { fatal: #fatal, on_hedge: #on_hedge, timed_out: #timed_out },
                || #inner,
            ))
        }
    }
}

/// The statements of a retry loop around the future expression `inner`, evaluating to the
/// call's result. `in_span` runs each decision inside the call's span (the outermost loop,
/// which is not itself inside an instrumented future).
fn retry_loop(ctx: &mut Ctx, i: usize, args: &retry::RetryArgs, inner: TokenStream, in_span: bool) -> TokenStream {
    let rt = quote!(__resile_private);
    let site = format_ident!("__RESILE_RETRY_{}", i);
    let delays = format_ident!("__RESILE_RETRY_{}_DELAYS", i);
    let (cfg, statics) = retry::config_tokens(args, &delays);
    let budget = retry::budget_name_tokens(args);
    ctx.items.extend(quote! {
        #statics
        static #site: #rt::RetrySite = #rt::RetrySite::new(__RESILE_FN, #cfg, #budget);
    });
    let retry_if = optional_path(args.slots.retry_if.get());
    let on_retry = optional_path(args.slots.on_retry.get());
    let hooks = match &ctx.error {
        Some(e) => quote!(#rt::RetryHooks::<#e>),
        None => quote!(#rt::RetryHooks),
    };
    let decide = quote!(__resile_run.next(__resile_result, __resile_describe));
    let decide = if in_span { quote!(__resile_span.in_scope(|| #decide)) } else { decide };
    quote_spanned! {ctx.body_span=>
        let mut __resile_run = #site.start(&#hooks {
            retry_if: #retry_if,
            on_retry: #on_retry,
        });
        loop {
            let __resile_result = #inner.await;
            let __resile_describe = (&&#rt::error_of(&__resile_result)).describe_fn();
            match #decide {
                #rt::ControlFlow::Break(__resile_result) => break __resile_result,
                #rt::ControlFlow::Continue(__resile_delay) => #rt::sleep(__resile_delay).await,
            }
        }
    }
}

impl Ctx {
    /// The converter from `Rejection` to the user's error for `attr`, spanned on the
    /// user's error type so a missing `From<Rejection>` is reported there.
    fn reject(&self, attr: &str) -> TokenStream {
        let f = syn::Ident::new(attr, self.error_span);
        match &self.error {
            Some(e) => {
                let e = crate::moves::respan(e, self.error_span);
                quote_spanned!(self.error_span=> __resile_private::reject::#f::<#e>)
            }
            None => quote_spanned!(self.error_span=> __resile_private::reject::#f),
        }
    }
}

/// `E` of a return type spelled `Result<T, E>` (any path ending in `Result` with two
/// type arguments); `None` for one-argument aliases such as `io::Result<T>`.
fn error_type(ret: &Type) -> Option<&Type> {
    let Type::Path(p) = ret else { return None };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [_, e] if last.ident.to_string().ends_with("Result") => Some(e),
        _ => None,
    }
}

/// `Some(path)` spanned on the user's path, so a signature mismatch points at it.
fn optional_path(path: Option<&syn::Path>) -> TokenStream {
    match path {
        Some(p) => quote_spanned!(p.span()=> ::core::option::Option::Some(#p)),
        None => quote!(::core::option::Option::None),
    }
}
