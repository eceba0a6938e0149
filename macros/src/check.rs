//! Rules across the attributes stacked on one function, one named function per rule
//! (serde's `check.rs` style), separate from parsing. Rules across the keys of one
//! attribute live in `resile-config`, with the configuration they judge.

use crate::attrs::Layer;
use crate::diag::{Errors, code};

/// Every rule across the attributes stacked on one function.
pub(crate) fn stacking(layers: &[Layer], errors: &mut Errors) {
    one_crate_path(layers, errors);
    no_nested_reruns(layers, errors);
    no_adjacent_timeouts(layers, errors);
    no_instance_twice(layers, errors);
}

/// Two `#[bulkhead]`s (or two `#[rate_limit]`s) of one name on one function: each call takes
/// from the same instance twice, so a bulkhead's inner admission may wait for permits its
/// own outer admission holds, and a limiter counts each call twice.
fn no_instance_twice(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        let Some(name) = layer.attr.instance() else { continue };
        if layers[..i].iter().any(|earlier| earlier.name == layer.name && earlier.attr.instance() == Some(name)) {
            let n = layer.name;
            errors.spanned(
                &layer.blame,
                format!(
                    "duplicate `#[{n}(name = \"{name}\")]`: each call would take from `{name}` twice; keep one, \
                     or give the second another name"
                ),
            );
        }
    }
}

/// The attributes of one function expand together, so they must agree on `crate = "..."`.
fn one_crate_path(layers: &[Layer], errors: &mut Errors) {
    let mut paths = layers.iter().filter_map(|l| l.krate.as_ref().map(|p| (code(p), l)));
    if let Some((first, _)) = paths.next() {
        for (other, layer) in paths {
            if other != first {
                errors.spanned(
                    &layer.blame,
                    format!("conflicting `crate` paths on one function: `{first}` and `{other}`; give `crate` once"),
                );
            }
        }
    }
}

/// Two `#[retry]` (or `#[hedge]`: any attribute that runs the body again) on one function
/// multiply their attempts.
fn no_nested_reruns(layers: &[Layer], errors: &mut Errors) {
    for (i, layer) in layers.iter().enumerate() {
        let n = layer.name;
        if layer.attr.reruns_body() && layers[..i].iter().any(|earlier| earlier.name == n) {
            errors.spanned(
                &layer.blame,
                format!("duplicate `#[{n}]`: stacked `#[{n}]`s multiply their attempts; keep one"),
            );
        }
    }
}

/// Every rule between the attributes and the function's signature.
pub(crate) fn signature(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    no_exclusive_borrow_under_hedge(layers, sig, errors);
}

/// `#[hedge]` runs its attempts at the same time, each with its own copy of the arguments:
/// a `&mut` receiver or argument cannot be in two attempts at once (the borrow checker
/// would say only that a captured variable escapes an `FnMut` closure).
fn no_exclusive_borrow_under_hedge(layers: &[Layer], sig: &syn::Signature, errors: &mut Errors) {
    if !layers.iter().any(|l| l.name == "hedge") {
        return;
    }
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) if exclusive_receiver(r) => {
                let tokens = quote::quote!(#r);
                errors.spanned(
                    &tokens,
                    "`#[hedge]` runs its attempts at the same time, so they cannot share `&mut self`: \
                     take `&self` (keeping the state that changes behind a `Mutex` or an atomic), or use \
                     `#[retry]`, which runs one attempt at a time",
                );
            }
            syn::FnArg::Typed(pt) if matches!(&*pt.ty, syn::Type::Reference(r) if r.mutability.is_some()) => {
                let ty = &pt.ty;
                errors.spanned(
                    ty,
                    format!(
                        "`#[hedge]` runs its attempts at the same time, so they cannot share `{}`: take a \
                         shared reference (keeping the state that changes behind a `Mutex` or an atomic), \
                         or use `#[retry]`, which runs one attempt at a time",
                        code(ty)
                    ),
                );
            }
            _ => {}
        }
    }
}

/// `&mut self`, or `self: &mut Self`.
fn exclusive_receiver(r: &syn::Receiver) -> bool {
    match &r.kind {
        syn::ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
        syn::ReceiverKind::Typed(_, ty) => matches!(&**ty, syn::Type::Reference(t) if t.mutability.is_some()),
        _ => false,
    }
}

/// `#[timeout(a)] #[timeout(b)]` with nothing between: only the shorter one can fire.
fn no_adjacent_timeouts(layers: &[Layer], errors: &mut Errors) {
    for pair in layers.windows(2) {
        if pair[0].name == "timeout" && pair[1].name == "timeout" {
            errors.spanned(
                &pair[1].blame,
                "duplicate `#[timeout]`: with nothing between them only the shorter can fire; keep one, or put a `#[retry]` between them to bound each attempt and the whole call",
            );
        }
    }
}
