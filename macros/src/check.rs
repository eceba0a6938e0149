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
