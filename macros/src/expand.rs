//! Code generation for one function: the checked layers become one pipeline in the
//! function's body. The signature, attributes and docs stay as written; the body becomes
//!
//! ```text
//! {
//!     use ::resile::__private as __resile_private;   // or `crate = "path"`'s path
//!     const __RESILE_FN: &str = concat!(module_path!(), "::", "<fn name>");
//!     static __RESILE_<POLICY>_<i>: <the policy's call site> = /* const config */;
//!     let __resile_call = __resile_private::CallSpan::new();
//!     <layer 0>(<layer 1>(… <the body: async { .. }> …))
//! }
//! ```
//!
//! Each layer wraps what is inside it in its call shape (`attrs::Shape`): an admission is a
//! `match` on a synchronous acquire around one `.await`, a retry a `loop`, a timeout or a
//! hedge a future of the runtime. All of it stays in the function's own coroutine except
//! what a timer needs. The body is a plain `async { }` block inside the function, so it
//! borrows arguments (even `&mut self`) per attempt and the whole call stays `Send` when
//! the body is.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Stmt;
use syn::spanned::Spanned;

use crate::attrs::Layer;
use crate::codegen::{Cx, Inner};
use crate::item::{Body, Func, async_trait_block_mut, erase_impl_trait, user_block_mut};

/// `imports` are items placed first in the body (uses of sibling attributes' imports).
pub(crate) fn expand(mut func: Func, layers: &[Layer], imports: TokenStream) -> TokenStream {
    let fn_name = func.item.sig.ident.to_string();
    let error = crate::item::error_type(&func.output).cloned();
    let error_span = error.as_ref().map_or_else(|| func.output.span(), Spanned::span);
    let body_span = func.item.block.span();
    // A lone attribute that reports once at most (a timeout, a breaker) needs no span slot.
    let span_slot = layers.len() > 1 || layers.iter().any(|l| l.attr.reruns_body());
    let has_self = crate::codegen::has_self(&func.item.sig);
    let mut cx = Cx {
        ret: erase_impl_trait(&func.output),
        error,
        error_span,
        body_span,
        items: imports,
        span_slot,
        has_self,
        sig: func.item.sig.clone(),
        body: syn::Block { brace_token: Default::default(), stmts: Vec::new() },
    };
    let mut statements = None;
    let original = match &func.body {
        Body::Async => {
            let block = user_block_mut(&mut func.item.block);
            statements = Some(quote!(#block));
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
    let ret = &cx.ret;
    let body = quote!(__resile_private::body::<#ret, _>(#original));
    // Under a retry, each later attempt's body is numbered for `resile::attempt()` with the
    // retry loop's state (a hedge numbers its extra attempts in the runtime).
    let numbered = layers.iter().any(|l| l.name == "retry");
    cx.body = syn::parse2(quote!({ #original })).expect("body block parses");
    if let Some(layer) = layers.iter().find(|l| l.attr.reruns_body()) {
        cx.items.extend(crate::moves::checks(layer.name, &cx.sig, &cx.body));
    }
    // Only admissions with guards: the body runs in the function's own coroutine, as its
    // statements (see `Attribute::nothing_after_body`).
    let body = match statements {
        Some(block) if layers.iter().all(|l| l.attr.nothing_after_body()) => Inner::Expr(block),
        _ if numbered => Inner::Numbered(body, true),
        _ => Inner::Future(body),
    };
    let pipeline = layers.iter().enumerate().rev().fold(body, |inner, (i, layer)| layer.attr.expand(&mut cx, i, inner));
    let call = pipeline.into_expr();
    let items = &cx.items;
    let span_slot = cx.span_slot.then(|| quote!(let __resile_call = __resile_private::CallSpan::new();));
    let krate = layers.iter().find_map(|l| l.krate.as_ref()).map_or_else(|| quote!(::resile), |p| quote!(#p));
    let new_body = quote!({
        #[allow(unused_imports)]
        use #krate::__private::{self as __resile_private, DescribeDisplay as _, DescribeError as _, DescribeNone as _};
        const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", #fn_name);
        #items
        #span_slot
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
