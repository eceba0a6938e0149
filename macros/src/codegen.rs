//! What every attribute's expansion shares: the context of one function's pipeline
//! ([`Cx`]), the value a layer wraps ([`Inner`]), and small token helpers. Attributes use
//! this module; it knows none of them.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

/// The pipeline of one function, as the layers build it.
pub(crate) struct Cx {
    /// The declared return type with `impl Trait` erased, for turbofishes.
    pub(crate) ret: Type,
    /// The error type `E` when the return type is spelled `Result<T, E>`.
    pub(crate) error: Option<Type>,
    /// Span of the user's error type (or of the whole return type), for bound checks.
    pub(crate) error_span: Span,
    /// Span of the body, for generated control flow whose errors belong to the body.
    pub(crate) body_span: Span,
    /// Items placed at the top of the body: the call sites' `static`s.
    pub(crate) items: TokenStream,
    /// Whether the call keeps a span slot (`__resile_call`) for its events: when it can have
    /// more than one. A call with one event at most gives it a span of its own.
    pub(crate) span_slot: bool,
    /// Whether `Self` surely exists in the body (a method with a receiver, or `Self` in the
    /// signature), so telemetry can name the impl type.
    pub(crate) has_self: bool,
    /// The function's signature, as written.
    pub(crate) sig: syn::Signature,
    /// The body as the user wrote it, for the checks of arguments it moves.
    pub(crate) body: syn::Block,
}

/// What a layer wraps: the body's future, or the expression of the layers inside it.
pub(crate) enum Inner {
    /// The body: a future (`async { .. }`), not yet awaited.
    Future(TokenStream),
    /// An expression, to be evaluated in an async context, whose value is the call's
    /// `Result`.
    Expr(TokenStream),
}

impl Inner {
    /// As an expression evaluating to the `Result` (awaiting the body's future).
    pub(crate) fn into_expr(self) -> TokenStream {
        match self {
            Inner::Future(fut) => quote!(#fut.await),
            Inner::Expr(expr) => expr,
        }
    }

    /// As a future: the body's future itself, or an `async` block around the expression.
    pub(crate) fn into_future(self, span: Span) -> TokenStream {
        match self {
            Inner::Future(fut) => fut,
            Inner::Expr(expr) => quote_spanned!(span=> async { #expr }),
        }
    }
}

impl Cx {
    /// The `&CallSpan` the layers' events go to.
    pub(crate) fn span(&self) -> TokenStream {
        // Without a slot, the meter's (a detached slot of the call's own under the runtime's
        // `metrics` feature, the shared detached slot without it).
        if self.span_slot { quote!(&__resile_call) } else { quote!(__resile_meter.span()) }
    }

    /// The zero-sized value that names the impl type in telemetry (`ImplType`):
    /// `Method::<Self>` where `Self` surely exists, `Free` otherwise. An associated fn with no
    /// receiver and no `Self` in its signature cannot be told from a free fn: a fn attribute
    /// does not see its `impl` block, and naming `Self` where there is none is an error.
    pub(crate) fn impl_type(&self) -> TokenStream {
        if self.has_self { quote!(__resile_private::Method::<Self>::new()) } else { quote!(__resile_private::Free) }
    }

    /// The converter from `Rejection` to the user's error for `attr`, spanned on the user's
    /// error type so that a missing `From<Rejection>` is reported there, naming `attr`.
    pub(crate) fn reject(&self, attr: &str) -> TokenStream {
        let f = syn::Ident::new(attr, self.error_span);
        match &self.error {
            Some(e) => {
                let e = respan(e, self.error_span);
                quote_spanned!(self.error_span=> __resile_private::reject::#f::<#e>)
            }
            None => quote_spanned!(self.error_span=> __resile_private::reject::#f),
        }
    }

    /// `Some(path)` for the hook `key` (`retry_if`, …), or `None`: the path goes through the
    /// runtime's signature check for `key` (`checks::hooks`), and every token is spanned on
    /// the user's path, so a fn of the wrong signature is reported there, in the key's words.
    pub(crate) fn hook(&self, key: &str, path: Option<&syn::Path>) -> TokenStream {
        match path {
            Some(p) => {
                let check = self.checked_hook(key, p, self.error.as_ref());
                // Bound to the hook's fn pointer type at the path, so that a hook the check
                // lets through but the pointer cannot hold (`fn(&'static E) -> bool`) is
                // reported there as "expected fn pointer .., found fn item ..".
                // The type is the expansion's own (at the call site): spanned on the user's
                // path, its qualified names would meet the user's lints.
                let span = p.span();
                let e = self.error.as_ref().map_or_else(|| quote!(_), |t| quote!(#t));
                let pointer = match key {
                    "on_retry" => quote!(fn(u32, __resile_private::Duration, &#e)),
                    "on_hedge" => quote!(fn(u32)),
                    _ => quote!(fn(&#e) -> bool),
                };
                quote_spanned!(span=> ::core::option::Option::Some({
                    let __resile_hook: #pointer = #check;
                    __resile_hook
                }))
            }
            None => quote!(::core::option::Option::None),
        }
    }

    /// `path` through the runtime's signature check for the hook `key`, whose type parameter
    /// is `subject` (the error type, or for `should_record` the return type; inferred when
    /// `None`), spanned on the path.
    pub(crate) fn checked_hook(&self, key: &str, path: &syn::Path, subject: Option<&Type>) -> TokenStream {
        let span = path.span();
        let check = syn::Ident::new(key, span);
        let subject = subject.map_or_else(|| quote_spanned!(span=> _), |t| respan(t, span));
        quote_spanned!(span=> __resile_private::hooks::Hook::<#subject>::#check(#path))
    }

    /// `path::<E>` (or `path` when `E` is not spelled out), for types generic over the error.
    pub(crate) fn typed(&self, path: TokenStream) -> TokenStream {
        match &self.error {
            Some(e) => quote!(#path::<#e>),
            None => path,
        }
    }
}

/// Whether `Self` surely exists in a body with signature `sig`: it has a receiver (`self`,
/// `&self`, `&mut self`, `self: Arc<Self>`, ...) or names `Self`.
pub(crate) fn has_self(sig: &syn::Signature) -> bool {
    fn names_self(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == "Self",
            proc_macro2::TokenTree::Group(g) => names_self(g.stream()),
            _ => false,
        })
    }
    sig.receiver().is_some() || names_self(quote!(#sig))
}

/// The tokens of a `Duration` in generated code.
pub(crate) fn duration(d: std::time::Duration) -> TokenStream {
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    quote!(__resile_private::Duration::from_nanos(#nanos))
}

/// The tokens of an `Option<&'static str>`.
pub(crate) fn optional_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The type's tokens with every span set to `span`, so an error about it lands there.
pub(crate) fn respan(ty: &Type, span: Span) -> TokenStream {
    fn go(tokens: TokenStream, span: Span) -> TokenStream {
        tokens
            .into_iter()
            .map(|mut tt| {
                if let proc_macro2::TokenTree::Group(g) = &tt {
                    let mut ng = proc_macro2::Group::new(g.delimiter(), go(g.stream(), span));
                    ng.set_span(span);
                    tt = proc_macro2::TokenTree::Group(ng);
                } else {
                    tt.set_span(span);
                }
                tt
            })
            .collect()
    }
    go(quote!(#ty), span)
}
