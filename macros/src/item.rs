//! The annotated function: parsed once, its signature kept verbatim, checked for the shapes
//! every attribute needs (`async`, a `Result` return), and located in the two forms it can
//! arrive in: a plain `async fn`, or a method already rewritten by `#[async_trait]`.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Block, Expr, ItemFn, Local, Pat, ReturnType, Stmt, Type};

use crate::diag::Errors;

/// Where the guarded body lives.
pub(crate) enum Body {
    /// `async fn f() -> R { body }`: the whole block.
    Async,
    /// `fn f() -> Pin<Box<dyn Future<Output = R> + ..>> { Box::pin(async move { ..; let __ret: R = { body }; .. }) }`
    /// as `#[async_trait]` writes it: the `let __ret` initializer at `stmt` of the inner block.
    AsyncTrait { stmt: usize },
}

pub(crate) struct Func {
    pub(crate) item: ItemFn,
    pub(crate) body: Body,
    /// The declared return type `Result<T, E>` (or alias), as written.
    pub(crate) output: Type,
}

/// Parses `tokens` as a function, reporting every shape problem against `attr`.
pub(crate) fn parse(tokens: TokenStream, attr: &str, errors: &mut Errors) -> Option<Func> {
    let item: ItemFn = match syn::parse2(tokens.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.push(without_body(&tokens, attr).unwrap_or_else(|| not_a_fn(tokens, attr)));
            return None;
        }
    };
    if item.sig.asyncness.is_some() {
        let output = match &item.sig.output {
            ReturnType::Type(_, ty) => (**ty).clone(),
            ReturnType::Default => {
                errors.at(
                    item.sig.ident.span(),
                    format!(
                        "`#[{attr}]` needs a function returning `Result<T, E>`, but `{}` returns `()`",
                        item.sig.ident
                    ),
                );
                return None;
            }
        };
        if !looks_like_result(&output) {
            errors.spanned(
                &output,
                format!(
                    "`#[{attr}]` needs a function returning `Result<T, E>`, found `{}`",
                    crate::diag::code(&output)
                ),
            );
            return None;
        }
        if let Some(span) = impl_in_error(&output) {
            errors.at(span, impl_error(attr));
            return None;
        }
        return Some(Func { item, body: Body::Async, output });
    }
    if let Some((stmt, output)) = async_trait_body(&item) {
        if !looks_like_result(&output) {
            errors.spanned(
                &output,
                format!(
                    "`#[{attr}]` needs a function returning `Result<T, E>`, found `{}`",
                    crate::diag::code(&output)
                ),
            );
            return None;
        }
        if let Some(span) = impl_in_error(&output) {
            errors.at(span, impl_error(attr));
            return None;
        }
        return Some(Func { item, body: Body::AsyncTrait { stmt }, output });
    }
    errors.at(item.sig.fn_token.span(), not_async(attr));
    None
}

/// An error type written as `impl Trait`.
fn impl_error(attr: &str) -> String {
    format!(
        "`#[{attr}]` needs an error type it can name, and `impl Trait` has no name outside this fn: \
         write the type (`std::io::Error`), or box it (`Box<dyn std::error::Error + Send + Sync>`)"
    )
}

/// A fn that is not `async` (and not an `#[async_trait]` method). Adding `async` is the fix
/// for a free fn or an inherent method, but not for a method of a trait that declares it
/// sync, and a fn attribute cannot tell which it is on: the message covers both.
fn not_async(attr: &str) -> String {
    format!(
        "`#[{attr}]` applies to an `async fn`; the `async` keyword is missing: write `async fn`, and if this fn implements a trait method that is not async, declare that method `async fn` in the trait too, or put `#[async_trait]` on both the trait and the impl"
    )
}

/// A fn declared without a body (a trait's method declaration): the attribute wraps the
/// body, so it belongs on the fn of each impl. Spanned on the `;` that stands for the body.
fn without_body(tokens: &TokenStream, attr: &str) -> Option<syn::Error> {
    let declared: syn::TraitItemFn = syn::parse2(tokens.clone()).ok()?;
    let semi = declared.semi_token.filter(|_| declared.default.is_none())?;
    let name = &declared.sig.ident;
    Some(syn::Error::new(
        semi.span(),
        format!(
            "`#[{attr}]` needs the body of `{name}`, and this declaration has none: put `#[{attr}]` on `{name}` in the impl (`impl Trait for Type {{ #[{attr}] async fn {name}(..) {{ .. }} }}`)"
        ),
    ))
}

fn not_a_fn(tokens: TokenStream, attr: &str) -> syn::Error {
    let what = match syn::parse2::<syn::Item>(tokens.clone()) {
        Ok(syn::Item::Struct(s)) => Some((s.struct_token.span(), "a struct")),
        Ok(syn::Item::Enum(e)) => Some((e.enum_token.span(), "an enum")),
        Ok(syn::Item::Impl(i)) => Some((i.impl_token.span(), "an impl block")),
        Ok(syn::Item::Trait(t)) => Some((t.trait_token.span(), "a trait")),
        Ok(syn::Item::Mod(m)) => Some((m.mod_token.span(), "a module")),
        Ok(syn::Item::Const(c)) => Some((c.const_token.span(), "a const")),
        Ok(syn::Item::Static(s)) => Some((s.static_token.span(), "a static")),
        _ => None,
    };
    match what {
        Some((span, kind)) => syn::Error::new(span, format!("`#[{attr}]` applies to an `async fn`, found {kind}")),
        None => {
            let span = tokens.into_iter().next().map(|t| t.span()).unwrap_or_else(Span::call_site);
            syn::Error::new(span, format!("`#[{attr}]` applies to an `async fn`"))
        }
    }
}

/// `Result<..>`, `io::Result<..>`, `anyhow::Result<..>`, `MyResult<..>`: a path whose last
/// segment ends in `Result`. Anything else cannot be a `Result` the policies can inspect.
fn looks_like_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident.to_string().ends_with("Result")),
        Type::Group(g) => looks_like_result(&g.elem),
        Type::Paren(p) => looks_like_result(&p.elem),
        _ => false,
    }
}

/// Finds `Box::pin(async move { ..; let __ret: R = ..; .. })` as the tail of the body.
fn async_trait_body(item: &ItemFn) -> Option<(usize, Type)> {
    let inner = async_trait_block(&item.block)?;
    inner.stmts.iter().enumerate().find_map(|(i, stmt)| match stmt {
        Stmt::Local(Local { pat: Pat::Type(pt), init: Some(_), .. }) => match &*pt.pat {
            Pat::Ident(id) if id.ident == "__ret" => Some((i, (*pt.ty).clone())),
            _ => None,
        },
        _ => None,
    })
}

pub(crate) fn async_trait_block(block: &Block) -> Option<&Block> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last() else { return None };
    let Expr::Path(f) = &*call.func else { return None };
    if f.path.segments.last()?.ident != "pin" || call.args.len() != 1 {
        return None;
    }
    match call.args.first()? {
        Expr::Async(a) => Some(&a.block),
        _ => None,
    }
}

pub(crate) fn async_trait_block_mut(block: &mut Block) -> Option<&mut Block> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last_mut() else { return None };
    match call.args.first_mut()? {
        Expr::Async(a) => Some(&mut a.block),
        _ => None,
    }
}

/// The block that holds the user's own statements, inside whatever an attribute expanded
/// before ours wrapped around it. `#[tracing::instrument]` above a resile attribute turns
/// the body into `let __tracing_instrument_future = async move { body }; …` (or, with
/// `err`/`ret`, an `async move` that awaits `async move { body }`): the pipeline must go
/// inside that `async move`, which owns the arguments, so each attempt can borrow them.
pub(crate) fn user_block_mut(block: &mut Block) -> &mut Block {
    if !block.stmts.iter().any(|s| tracing_future(s).is_some()) {
        return block;
    }
    let stmt = block.stmts.iter_mut().find(|s| tracing_future(s).is_some()).expect("checked above");
    let Stmt::Local(Local { init: Some(init), .. }) = stmt else { unreachable!() };
    let Expr::Async(outer) = &mut *init.expr else { unreachable!() };
    if starts_with_awaited_async(&outer.block) {
        &mut awaited_async_mut(&mut outer.block.stmts[0]).expect("checked above").block
    } else {
        &mut outer.block
    }
}

fn tracing_future(stmt: &Stmt) -> Option<&Expr> {
    match stmt {
        Stmt::Local(Local { pat: Pat::Ident(id), init: Some(init), .. })
            if id.ident == "__tracing_instrument_future" && matches!(&*init.expr, Expr::Async(_)) =>
        {
            Some(&init.expr)
        }
        _ => None,
    }
}

/// In tracing's `err`/`ret` forms, the first statement awaits `async move { body }`.
fn starts_with_awaited_async(block: &Block) -> bool {
    block.stmts.first().is_some_and(|first| awaited_async_mut(&mut first.clone()).is_some())
}

fn awaited_async_mut(stmt: &mut Stmt) -> Option<&mut syn::ExprAsync> {
    let expr = match stmt {
        Stmt::Local(Local { init: Some(init), .. }) => &mut *init.expr,
        Stmt::Expr(Expr::Match(m), _) => &mut *m.expr,
        _ => return None,
    };
    match expr {
        Expr::Await(aw) => match &mut *aw.base {
            Expr::Async(a) if a.capture.is_some() => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// Replaces `impl Trait` with `_` so the type can be named in a turbofish.
pub(crate) fn erase_impl_trait(ty: &Type) -> Type {
    struct Eraser;
    impl syn::visit_mut::VisitMut for Eraser {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(it) = ty {
                *ty = syn::parse_quote_spanned!(it.span()=> _);
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Eraser, &mut ty);
    ty
}

/// `E` of a return type spelled `Result<T, E>` (any path ending in `Result` with two
/// type arguments); `None` for one-argument aliases such as `io::Result<T>`.
pub(crate) fn error_type(ret: &Type) -> Option<&Type> {
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

/// The `impl` token of an error type that contains `impl Trait`: the expansion names `E`
/// (in the hooks' types and the retry state), and such a type has no name outside the fn.
fn impl_in_error(output: &Type) -> Option<Span> {
    fn find(tokens: TokenStream) -> Option<Span> {
        tokens.into_iter().find_map(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) if i == "impl" => Some(i.span()),
            proc_macro2::TokenTree::Group(g) => find(g.stream()),
            _ => None,
        })
    }
    find(quote::ToTokens::to_token_stream(error_type(output)?))
}
