//! Code generation for one function: the checked layers become one pipeline in the
//! function's body. The signature, attributes and docs stay as written; the body becomes
//!
//! ```text
//! {
//!     use ::resile::__private as __resile_private;   // or `crate = "path"`'s path
//!     const __RESILE_FN: &str = concat!(module_path!(), "::", "<fn name>");
//!     static __RESILE_<POLICY>_<i>: <the policy's call site> = /* const config */;
//!     static __RESILE_METER: __resile_private::Meter = Meter::new(__RESILE_FN);
//!     let __resile_meter = __RESILE_METER.start();
//!     let mut __resile_call = __resile_private::CallSpan::new();
//!     static __RESILE_TIMELINE: TimelineSite = TimelineSite::new();
//!     __resile_call.start(&__RESILE_TIMELINE, __RESILE_FN, <impl type>);
//!     match {
//!         let __resile_result = <layer 0>(<layer 1>(… <the body: async { .. }> …));
//!         __resile_call.finish(&__resile_result);
//!         __resile_result
//!     } {
//!         __resile_result => {
//!             __RESILE_METER.finish(&__resile_meter, &__resile_call, &__resile_result, <impl type>);
//!             __resile_result
//!         }
//!     }
//! }
//! ```
//!
//! Each layer wraps what is inside it in its call shape (`attrs::Shape`): an admission is a
//! `match` on a synchronous acquire around one `.await`, a retry a `loop`, a timeout or a
//! hedge a future of the runtime. All of it stays in the function's own coroutine except
//! what a timer needs. The meter counts and times the call under the runtime's `metrics`
//! feature; without it, it is zero-sized and its calls are empty. The span slot (kept by a
//! call that can report more than one event) also registers the call with a live
//! `timeline::capture`. The body is a plain `async { }` block inside the function, so it
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
    let ret = &cx.ret;
    let body = quote!(__resile_private::body::<#ret, _>(#original));
    // Under a retry, each later attempt's body is numbered for `resile::attempt()` with the
    // retry loop's state (a hedge numbers its extra attempts in the runtime).
    let numbered = layers.iter().any(|l| l.name == "retry");
    cx.body = syn::parse2(quote!({ #original })).expect("body block parses");
    if let Some(layer) = layers.iter().find(|l| l.attr.reruns_body()) {
        cx.items.extend(crate::moves::checks(layer.name, &cx.sig, &cx.body));
    }
    // The body stays a future awaited inside the pipeline even under admissions alone (which
    // leave nothing to do after it): the call's meter and its timeline slot end after the
    // pipeline, and a `return` or `?` written in the body must not skip them.
    let body = if numbered { Inner::Numbered(body, true) } else { Inner::Future(body) };
    let pipeline = layers.iter().enumerate().rev().fold(body, |inner, (i, layer)| layer.attr.expand(&mut cx, i, inner));
    let call = pipeline.into_expr();
    let (span, impl_type) = (cx.span(), cx.impl_type());
    let items = &cx.items;
    let (span_slot, call) = if cx.span_slot {
        // The slot is ended with the call's result (a timeline records it); dropped
        // without it, the call was cancelled.
        (
            Some(quote! {
                let mut __resile_call = __resile_private::CallSpan::new();
                static __RESILE_TIMELINE: __resile_private::TimelineSite = __resile_private::TimelineSite::new();
                __resile_call.start(&__RESILE_TIMELINE, __RESILE_FN, #impl_type);
            }),
            quote!({
                let __resile_result = #call;
                __resile_call.finish(&__resile_result);
                __resile_result
            }),
        )
    } else {
        (None, call)
    };
    let krate = layers.iter().find_map(|l| l.krate.as_ref()).map_or_else(|| quote!(::resile), |p| quote!(#p));
    let new_body = quote!({
        #[allow(unused_imports)]
        use #krate::__private::{self as __resile_private, DescribeDisplay as _, DescribeError as _, DescribeNone as _};
        const __RESILE_FN: &str = ::core::concat!(::core::module_path!(), "::", #fn_name);
        #items
        static __RESILE_METER: __resile_private::Meter = __resile_private::Meter::new(__RESILE_FN);
        let __resile_meter = __RESILE_METER.start();
        #span_slot
        // A `match` rather than a `let`: measured, the `let` costs the stacks an instruction
        // or two with the meter empty.
        match #call {
            __resile_result => {
                __RESILE_METER.finish(&__resile_meter, #span, &__resile_result, #impl_type);
                __resile_result
            }
        }
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
