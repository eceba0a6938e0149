//! A body that moves an argument out cannot run twice. Under `#[retry]` and `#[hedge]`,
//! find by-value parameters used where a value is moved (a call argument, `let x = arg;`, a
//! struct field, a returned value) and let the type system decide: the expansion asks
//! for `Copy` through a bridge trait whose message explains the fix, spanned on the use.
//! Types that are `Copy` pass; anything else gets a readable error instead of a borrow
//! checker puzzle. Parameters rebound by a `let` in the body are not tracked.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::visit::Visit;
use syn::{Block, Expr, FnArg, Pat, Signature, Type};

use crate::codegen::respan;

/// The checks to emit for `sig`'s parameters used by value in `body`.
pub(crate) fn checks(attr: &str, sig: &Signature, body: &Block) -> TokenStream {
    let trait_fn = quote::format_ident!("{attr}_reusable");
    let mut out = TokenStream::new();
    for (_, ty, span) in moved(sig, body) {
        let ty = respan(&ty, span);
        out.extend(quote_spanned!(span=> __resile_private::moves::#trait_fn::<#ty>();));
    }
    out
}

/// `sig`'s by-value parameters (not references) that `body` moves: each one's name, type
/// and the span of its first move, in the order of the moves.
pub(crate) fn moved(sig: &Signature, body: &Block) -> Vec<(syn::Ident, Type, Span)> {
    let mut params: HashMap<String, (syn::Ident, Type)> = HashMap::new();
    for input in &sig.inputs {
        if let FnArg::Typed(pt) = input
            && let Pat::Ident(id) = &*pt.pat
            && id.by_ref.is_none()
            && !matches!(&*pt.ty, Type::Reference(_) | Type::ImplTrait(_) | Type::Ptr(_))
        {
            params.insert(id.ident.to_string(), (id.ident.clone(), (*pt.ty).clone()));
        }
    }
    if params.is_empty() {
        return Vec::new();
    }
    let mut finder = Finder { params: &params, rebound: Vec::new(), uses: Vec::new() };
    finder.visit_block(body);
    let mut out: Vec<(syn::Ident, Type, Span)> = Vec::new();
    for (name, span) in finder.uses {
        if finder.rebound.contains(&name) || out.iter().any(|(id, _, _)| *id == name) {
            continue;
        }
        let (ident, ty) = &params[&name];
        out.push((ident.clone(), ty.clone(), span));
    }
    out
}

struct Finder<'a> {
    params: &'a HashMap<String, (syn::Ident, Type)>,
    rebound: Vec<String>,
    uses: Vec<(String, Span)>,
}

impl Finder<'_> {
    fn moved(&mut self, expr: &Expr) {
        if let Expr::Path(p) = expr
            && p.qself.is_none()
            && let Some(id) = p.path.get_ident()
            && self.params.contains_key(&id.to_string())
        {
            self.uses.push((id.to_string(), id.span()));
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        call.args.iter().for_each(|a| self.moved(a));
        syn::visit::visit_expr_call(self, call);
    }
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        call.args.iter().for_each(|a| self.moved(a));
        if takes_self_by_value(&call.method.to_string()) {
            self.moved(&call.receiver);
        }
        syn::visit::visit_expr_method_call(self, call);
    }
    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut names = Vec::new();
        collect_idents(&local.pat, &mut names);
        self.rebound.extend(names);
        if let Some(init) = &local.init {
            self.moved(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.moved(&f.expr);
        syn::visit::visit_expr_for_loop(self, f);
    }
    fn visit_field_value(&mut self, fv: &'ast syn::FieldValue) {
        self.moved(&fv.expr);
        syn::visit::visit_field_value(self, fv);
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.moved(e);
        }
        syn::visit::visit_expr_return(self, r);
    }
    fn visit_block(&mut self, block: &'ast Block) {
        if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
            self.moved(tail);
        }
        syn::visit::visit_block(self, block);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Methods that take `self` by value by convention (`into_*`) or on `Option`/`Result`.
fn takes_self_by_value(method: &str) -> bool {
    method == "into" || method.starts_with("into_") || method.starts_with("unwrap") || method == "expect"
}

fn collect_idents(pat: &Pat, out: &mut Vec<String>) {
    struct Idents<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Idents<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    Idents(out).visit_pat(pat);
}
