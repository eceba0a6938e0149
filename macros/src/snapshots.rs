//! Expansion snapshots: each `expand/<case>.rs` is expanded by the same pipeline the
//! attributes use and compared with `expand/<case>.expanded.rs`, so every codegen change
//! shows up in review. Regenerate with `RESILE_BLESS=1 cargo test -p resile-macros snapshots`.
//! Cases named `chaos_off*` expand as a build without the cargo feature `chaos` does.

use std::path::Path;

use quote::ToTokens;

/// Expands the first function of `source` (or, with none, the first method of its first
/// `impl`) through its first resile attribute, with `#[chaos]` injecting (`chaos`) or not.
fn expand_source(source: &str, chaos: bool) -> String {
    let mut file: syn::File = syn::parse_str(source).expect("case parses");
    if !file.items.iter().any(|i| matches!(i, syn::Item::Fn(_))) {
        return expand_method(file, chaos);
    }
    let syn::Item::Fn(func) = file.items.iter_mut().find(|i| matches!(i, syn::Item::Fn(_))).expect("a fn") else {
        unreachable!()
    };
    let name = |a: &syn::Attribute| a.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    let at = func.attrs.iter().position(|a| crate::attrs::find(&name(a)).is_some()).expect("a resile attribute");
    let leader = func.attrs.remove(at);
    let leader_name = name(&leader);
    let args = match &leader.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    };
    let expanded = crate::pipeline::expand_with(&leader_name, args, func.to_token_stream(), chaos);
    let index = file.items.iter().position(|i| matches!(i, syn::Item::Fn(_))).unwrap();
    file.items[index] = syn::Item::Verbatim(expanded);
    let reparsed: syn::File = syn::parse2(file.to_token_stream()).expect("expansion parses");
    prettyplease::unparse(&reparsed)
}

/// Expands the first method of the first `impl` of `file`, as [`expand_source`] does.
fn expand_method(mut file: syn::File, chaos: bool) -> String {
    let syn::Item::Impl(imp) =
        file.items.iter_mut().find(|i| matches!(i, syn::Item::Impl(_))).expect("a fn or an impl")
    else {
        unreachable!()
    };
    let at = imp.items.iter().position(|i| matches!(i, syn::ImplItem::Fn(_))).expect("a method");
    let syn::ImplItem::Fn(method) = &mut imp.items[at] else { unreachable!() };
    let at_attr = method
        .attrs
        .iter()
        .position(|a| crate::attrs::find(&a.path().segments.last().unwrap().ident.to_string()).is_some())
        .expect("a resile attribute");
    let leader = method.attrs.remove(at_attr);
    let args = match &leader.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    };
    let name = leader.path().segments.last().unwrap().ident.to_string();
    let expanded = crate::pipeline::expand_with(&name, args, method.to_token_stream(), chaos);
    imp.items[at] = syn::ImplItem::Verbatim(expanded);
    let reparsed: syn::File = syn::parse2(file.to_token_stream()).expect("expansion parses");
    prettyplease::unparse(&reparsed)
}

#[test]
fn snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expand");
    let bless = std::env::var_os("RESILE_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.to_string_lossy().ends_with(".expanded.rs"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let mut stale = Vec::new();
    for case in cases {
        // `chaos_off*` cases expand as without the cargo feature `chaos`, the others with it.
        let off = case.file_name().is_some_and(|n| n.to_string_lossy().starts_with("chaos_off"));
        let expanded = expand_source(&std::fs::read_to_string(&case).unwrap(), !off);
        let snapshot = case.with_extension("expanded.rs");
        if bless {
            std::fs::write(&snapshot, &expanded).unwrap();
        } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(expanded.as_str()) {
            stale.push(format!("{}\n--- expanded now ---\n{expanded}", snapshot.display()));
        }
    }
    assert!(stale.is_empty(), "expansion snapshots differ (RESILE_BLESS=1 to accept):\n{}", stale.join("\n"));
}
