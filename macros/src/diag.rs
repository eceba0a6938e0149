//! The error accumulator and the named message helpers every attribute uses, so wording
//! stays consistent (rustc style: lowercase, no trailing period, code in backticks).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects every error of one expansion. Must be finished with [`Errors::finish`]: dropping
/// it unchecked panics, so no error can be silently lost.
pub(crate) struct Errors {
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors { errors: Some(Vec::new()) }
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.as_mut().expect("error accumulator already finished").push(error);
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.as_ref().map_or(0, Vec::len)
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// `Err` with every collected error combined, or `Ok` when there were none.
    pub(crate) fn finish(mut self) -> Result<(), syn::Error> {
        let mut all = self.errors.take().expect("error accumulator already finished").into_iter();
        match all.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in all {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("resile-macros: error accumulator dropped without `finish()`");
        }
    }
}

/// "unknown argument `x` for `#[retry]`", with a "did you mean" when a key is close.
pub(crate) fn unknown_key(key: &syn::Ident, attr: &str, keys: &[resile_config::Key]) -> syn::Error {
    let name = key.to_string();
    let known: Vec<&str> = keys.iter().map(|k| k.name).collect();
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(&name, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let message = match best {
        Some((_, k)) => format!("unknown argument `{name}` for `#[{attr}]`; did you mean `{k}`?"),
        None => format!("unknown argument `{name}` for `#[{attr}]`; expected one of: {}", backticked(&known)),
    };
    syn::Error::new(key.span(), message)
}

/// A type or path as a user writes it, for messages: `Option<String>`, `&'a str`,
/// `Result<Vec<u8>, io::Error>`, `impl Fn(u32) -> bool + Send`, where the `Display` of a token
/// stream prints `Option < String >` and `& 'a str`.
///
/// A small printer over tokens rather than `prettyplease`: that crate formats whole items
/// (a lone type would be wrapped in an item and cut back out), and it would add a
/// dependency that every user of the attributes compiles; types in messages need only the
/// spacing rules below.
pub(crate) fn code(tokens: &impl ToTokens) -> String {
    let mut out = String::new();
    print_tokens(tokens.to_token_stream(), &mut out);
    out
}

/// One printed piece: a word (identifier, literal, lifetime), an operator (puncts joined as
/// written: `::`, `->`, `>>`), or a delimited group already printed.
enum Piece {
    Word(String),
    Op(String),
    Group(proc_macro2::Delimiter, String),
}

fn print_tokens(tokens: TokenStream, out: &mut String) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let mut pieces: Vec<Piece> = Vec::new();
    let mut joining = false;
    for tt in tokens {
        match tt {
            TokenTree::Punct(p) => {
                match pieces.last_mut() {
                    Some(Piece::Op(op)) if joining => op.push(p.as_char()),
                    _ => pieces.push(Piece::Op(p.as_char().to_string())),
                }
                joining = p.spacing() == Spacing::Joint;
                continue;
            }
            TokenTree::Ident(i) => {
                // A lifetime: `'` joined to its name.
                let lifetime = joining && matches!(pieces.last(), Some(Piece::Op(op)) if op.as_str() == "'");
                if lifetime {
                    pieces.pop();
                    pieces.push(Piece::Word(format!("'{i}")));
                } else {
                    pieces.push(Piece::Word(i.to_string()));
                }
            }
            TokenTree::Literal(l) => pieces.push(Piece::Word(l.to_string())),
            TokenTree::Group(g) => {
                let mut inner = String::new();
                print_tokens(g.stream(), &mut inner);
                pieces.push(Piece::Group(g.delimiter(), inner));
            }
        }
        joining = false;
    }
    let opens = |op: &str| op.chars().all(|c| c == '<');
    let closes = |op: &str| op.chars().all(|c| c == '>');
    let mut prev: Option<&Piece> = None;
    for piece in &pieces {
        let space = match (prev, piece) {
            (None, _) => false,
            // No space after an opening `<`, a `::`, or a prefix `&`, `&&`, `*`.
            (Some(Piece::Op(p)), _) if opens(p) || matches!(p.as_str(), "::" | "&" | "&&" | "*") => false,
            // No space before `,`, `;`, `:`, `?`, `.`, a closing `>`, or a `<` or `::` after a
            // name or a closing `>` (`Vec<u8>`, `io::Error`, `<T as Tr>::X`).
            (_, Piece::Op(c)) if matches!(c.as_str(), "," | ";" | ":" | "?" | ".") || closes(c) => false,
            (Some(Piece::Word(_)), Piece::Op(c)) if opens(c) || c.as_str() == "::" => false,
            (Some(Piece::Op(p)), Piece::Op(c)) if closes(p) && c.as_str() == "::" => false,
            // `fn(u32)`, `Fn(&str)`, `[u8]` after a name.
            (Some(Piece::Word(w)), Piece::Group(Delimiter::Parenthesis | Delimiter::Bracket, _)) => {
                matches!(w.as_str(), "mut" | "dyn" | "impl" | "as" | "const")
            }
            _ => true,
        };
        if space {
            out.push(' ');
        }
        match piece {
            Piece::Word(w) | Piece::Op(w) => out.push_str(w),
            Piece::Group(Delimiter::Parenthesis, inner) => {
                out.push('(');
                out.push_str(inner);
                out.push(')');
            }
            Piece::Group(Delimiter::Bracket, inner) => {
                out.push('[');
                out.push_str(inner);
                out.push(']');
            }
            Piece::Group(Delimiter::Brace, inner) => {
                out.push_str("{ ");
                out.push_str(inner);
                out.push_str(" }");
            }
            Piece::Group(Delimiter::None, inner) => out.push_str(inner),
        }
        prev = Some(piece);
    }
}

pub(crate) fn backticked(items: &[&str]) -> String {
    items.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// The original item unchanged, followed by every error: rust-analyzer and later type
/// checks keep seeing the function the user wrote.
pub(crate) fn fallback(item: TokenStream, error: syn::Error) -> TokenStream {
    let mut out = item;
    out.extend(error.to_compile_error());
    out
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn types_print_as_written() {
        let cases: Vec<(syn::Type, &str)> = vec![
            (syn::parse_quote!(Option<String>), "Option<String>"),
            (syn::parse_quote!(Result<Vec<Vec<u8>>, std::io::Error>), "Result<Vec<Vec<u8>>, std::io::Error>"),
            (syn::parse_quote!(&'static str), "&'static str"),
            (syn::parse_quote!(&'a mut [u8; 4]), "&'a mut [u8; 4]"),
            (syn::parse_quote!(*const T), "*const T"),
            (syn::parse_quote!((u32, String)), "(u32, String)"),
            (syn::parse_quote!(fn(&E) -> bool), "fn(&E) -> bool"),
            (syn::parse_quote!(Box<dyn Fn(u32) -> bool + Send>), "Box<dyn Fn(u32) -> bool + Send>"),
            (syn::parse_quote!(impl Future<Output = ()>), "impl Future<Output = ()>"),
            (syn::parse_quote!(<T as Iterator>::Item), "<T as Iterator>::Item"),
            (syn::parse_quote!(::core::option::Option<u8>), "::core::option::Option<u8>"),
            (syn::parse_quote!(HashMap<&'a str, Vec<T>>), "HashMap<&'a str, Vec<T>>"),
        ];
        for (ty, want) in cases {
            assert_eq!(code(&ty), want);
        }
        let path: syn::Path = syn::parse_quote!(tracing::instrument);
        assert_eq!(code(&path), "tracing::instrument");
    }
}
