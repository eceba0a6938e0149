//! The three call shapes every policy's expansion takes, so that the cheapest future (the
//! one that is not there) is the common one. Each attribute's `expand` builds its layer
//! with exactly one of these; the runtime's `docs::architecture` chapter shows them.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use crate::codegen::Inner;

/// Admission (circuit breaker): a synchronous `admit`
/// that gives a permit, kept as a local, and, if it was admitted, one `.await` of what is
/// inside in the function's own coroutine, then `settle` (which may use `__resile_permit`,
/// mutably, and `__resile_result`); if not, `reject` as the caller's error. No future of
/// its own, and the permit never moves: dropping the call at any await point drops it,
/// and it settles itself.
pub(crate) fn admission(admit: TokenStream, settle: TokenStream, reject: TokenStream, inner: Inner) -> Inner {
    let call = inner.into_expr();
    Inner::Expr(quote! {{
        let __resile_permit = #admit;
        if __resile_permit.admitted() {
            let __resile_result = #call;
            #settle
            __resile_result
        } else {
            __resile_private::Err(#reject)
        }
    }})
}

/// Admission with a guard (bulkhead, rate limiter): `admitted` evaluates, in the function's
/// own coroutine, to `Ok(guard)` or `Err(rejection)`: a synchronous fast path, and only
/// when it fails a slow path (a refusal, or an `.await` of a small boxed wait). With
/// `Ok`, one `.await` of what is inside while the guard is held (a bulkhead's permits; `()`
/// for a rate limiter, whose tokens are spent at admission); the guard is a binding of the
/// `match` arm, so it is dropped when the call ends, fails, panics or is cancelled at any
/// await point. With `Err`, `reject` of it as the caller's error.
pub(crate) fn guarded(admitted: TokenStream, reject: TokenStream, inner: Inner) -> Inner {
    let call = inner.into_expr();
    Inner::Expr(quote! {
        match #admitted {
            __resile_private::Ok(__resile_guard) => #call,
            __resile_private::Err(__resile_rejection) => __resile_private::Err(#reject(__resile_rejection)),
        }
    })
}

/// Loop (retry): `let mut __resile_state = #start;` then a `loop` in the function's own
/// coroutine: a `match` on each attempt's result; `Ok` ends the call; on `Err`,
/// `on_error` (which may use `__resile_state` and moves `__resile_error`) decides:
/// `Break(error)` ends the call with it, `Continue(backoff)` awaits the backoff (which holds
/// whatever the retry reserved, and gives it back if dropped), then runs another attempt.
///
/// The loop's block carries `span` (the body's), so that a value of the wrong type is
/// reported at the body rather than at the attribute.
pub(crate) fn looped(start: TokenStream, on_error: TokenStream, inner: Inner, span: Span) -> Inner {
    let attempt = inner.into_expr();
    // The break that ends the call with the body's `Ok` carries the body's span too: with a
    // body whose value has the wrong type, that is where the mismatch shows.
    let success = quote_spanned!(span=> break __resile_ok);
    let block = quote! {
            let mut __resile_state = #start;
            loop {
                match #attempt {
                    __resile_ok @ __resile_private::Ok(_) => #success,
                    __resile_private::Err(__resile_error) => match #on_error {
                        __resile_private::ControlFlow::Break(__resile_error) => {
                            break __resile_private::Err(__resile_error);
                        }
                        __resile_private::ControlFlow::Continue(__resile_backoff) => {
                            __resile_backoff.await;
                        }
                    },
                }
            }
    };
    let mut group = Group::new(Delimiter::Brace, block);
    group.set_span(span);
    Inner::Expr(TokenTree::Group(group).into())
}

/// What [`attempts`] hands the runtime: the one attempt's future, or a closure that makes
/// each attempt's future.
pub(crate) enum Attempts {
    One,
    Each,
}

/// Attempts (timeout, hedge): a future of the runtime around what is inside, because the
/// policy needs a timer. `call` gets the attempt (a future, or `|| future` for
/// [`Attempts::Each`]) and returns the runtime call, which is awaited.
pub(crate) fn attempts(
    how: Attempts,
    inner: Inner,
    span: Span,
    call: impl FnOnce(TokenStream) -> TokenStream,
) -> Inner {
    // A body numbered by an outer retry stays numbered: this layer's own future is, so that
    // the attempt's future is polled as it is (see `Inner::Numbered`).
    let (attempt, numbered) = match inner {
        Inner::Numbered(fut, _) => (fut, true),
        inner => (inner.into_future(span), false),
    };
    let attempt = match how {
        Attempts::One => attempt,
        Attempts::Each => quote!(|| #attempt),
    };
    let call = call(attempt);
    if numbered { Inner::Numbered(call, false) } else { Inner::Expr(quote!(#call.await)) }
}
