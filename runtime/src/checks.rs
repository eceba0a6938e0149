//! Checks the attribute expansion emits so that a mistake in the user's code is reported
//! in the attribute's words: each trait carries a `#[diagnostic::on_unimplemented]` message
//! that names the attribute and says how to fix it, and each check is spanned on the user's
//! tokens (the error type, the moved argument). Not public API.

#![allow(missing_docs)]

/// Bridge traits checked by the attributes: one per attribute that can reject, so the
/// compile error names the attribute that needs `From<Rejection>`.
pub mod bridge {
    use crate::Rejection;

    macro_rules! bridges {
        ($($(#[$meta:meta])* $name:ident;)*) => {$(
            $(#[$meta])*
            pub trait $name {
                /// Converts the rejection into this error type.
                fn from_rejection(rejection: Rejection) -> Self;
            }
            #[diagnostic::do_not_recommend]
            impl<E: From<Rejection>> $name for E {
                #[inline]
                fn from_rejection(rejection: Rejection) -> Self {
                    E::from(rejection)
                }
            }
        )*};
    }

    bridges! {
        #[diagnostic::on_unimplemented(
            message = "`#[timeout]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[timeout]` returns `Rejection::TimedOut` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        TimeoutRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[circuit_breaker]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[circuit_breaker]` returns `Rejection::CircuitOpen` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        CircuitBreakerRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[hedge]` with a `timeout` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[hedge(timeout = ..)]` returns `Rejection::TimedOut` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        HedgeRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[bulkhead]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[bulkhead]` returns `Rejection::BulkheadFull` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        BulkheadRejection;
        #[diagnostic::on_unimplemented(
            message = "`#[rate_limit]` needs the error type `{Self}` to implement `From<resile::Rejection>`",
            label = "`#[rate_limit]` returns `Rejection::RateLimited` through this error type",
            note = "add `impl From<resile::Rejection> for {Self}` (e.g. a `Rejected(resile::Rejection)` variant)"
        )]
        RateLimitRejection;
    }
}

/// Converters from `Rejection` to the caller's error, one per attribute: the bound on each
/// is the attribute's bridge trait, so a missing `From<Rejection>` names the attribute.
pub mod reject {
    use super::bridge;
    use crate::Rejection;

    #[inline]
    pub fn timeout<E: bridge::TimeoutRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn circuit_breaker<E: bridge::CircuitBreakerRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn hedge<E: bridge::HedgeRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn bulkhead<E: bridge::BulkheadRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
    #[inline]
    pub fn rate_limit<E: bridge::RateLimitRejection>(r: Rejection) -> E {
        E::from_rejection(r)
    }
}

/// Checks that a by-value argument the body moves can be moved again on the next attempt.
pub mod moves {
    #[diagnostic::on_unimplemented(
        message = "`#[retry]` runs the body once per attempt, so it cannot move this `{Self}` argument out",
        label = "moved here, but the next attempt needs it again",
        note = "clone it where it is used (`arg.clone()`), or take the argument by reference (`&{Self}`)"
    )]
    pub trait RetryReusable {}
    impl<T: Copy> RetryReusable for T {}

    #[diagnostic::on_unimplemented(
        message = "`#[hedge]` runs the body once per attempt, so it cannot move this `{Self}` argument out",
        label = "moved here, but every attempt needs it",
        note = "clone it where it is used (`arg.clone()`), or take the argument by reference (`&{Self}`)"
    )]
    pub trait HedgeReusable {}
    impl<T: Copy> HedgeReusable for T {}

    #[diagnostic::on_unimplemented(
        message = "`#[fallback]` passes this `{Self}` argument to the fallback too, and the body moves it, so it keeps a clone, but `{Self}` is not `Clone`",
        label = "moved here, and the fallback needs it too",
        note = "derive or implement `Clone` for `{Self}`, or borrow it in the body (`&arg`), or take the argument by reference (`&{Self}`)"
    )]
    pub trait FallbackKeep: Sized {
        fn keep(&self) -> Self;
    }
    impl<T: Clone> FallbackKeep for T {
        #[inline(always)]
        fn keep(&self) -> T {
            self.clone()
        }
    }

    /// A clone of an argument the body moves, for the fallback.
    #[inline(always)]
    pub fn fallback_keep<T: FallbackKeep>(value: &T) -> T {
        value.keep()
    }

    #[inline(always)]
    pub fn retry_reusable<T: RetryReusable>() {}
    #[inline(always)]
    pub fn hedge_reusable<T: HedgeReusable>() {}
}

/// Checks of the callbacks an attribute takes by path (`retry_if = is_transient`): the
/// expansion passes the path through `Hook::<E>::<key>(path)`, spanned on the path, so a
/// fn of the wrong signature is one error at the path that names the key, the signature it
/// must have, and the signature it has (rather than a type mismatch inside `Some(..)`).
///
/// How: `F: Fn(A..) -> R` takes the argument and return types from the user's fn (a fn
/// item has one `Fn` impl), and the fn pointer `fn(A..) -> R` must implement the key's
/// trait, which only the right signature does. Each trait has a second impl of the same arity,
/// hidden by `do_not_recommend`, so that rustc cannot infer `A..`/`R` from the one right
/// impl (it would then report a mismatch of the path against that signature instead). A fn
/// with the wrong number of arguments is reported by rustc as such (E0593), at the path. The value
/// comes back unchanged through an associated type of the check, so when the check fails,
/// the coercion to the hook's fn pointer that follows is not reported a second time.
#[allow(clippy::type_complexity)] // the checks name the user fn's pointer type in full
pub mod hooks {
    use core::marker::PhantomData;
    use core::time::Duration;

    use crate::{Outcome, State};

    /// Stands in the hidden impl of every hook trait; no fn can take or return it.
    #[derive(Debug)]
    pub enum Never {}

    /// The checks of the hooks of an attribute whose call returns `Result<_, E>`; for
    /// `should_record`, `E` is the whole `Result`.
    #[derive(Debug)]
    pub struct Hook<E>(PhantomData<fn(E)>);

    #[diagnostic::on_unimplemented(
        message = "`retry_if` must be `fn(&E) -> bool` where E is `{E}`; this fn is `{Self}`",
        label = "expected `fn(&{E}) -> bool`",
        note = "`retry_if` gets each failed attempt's error; it returns `true` to retry"
    )]
    pub trait RetryIf<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> RetryIf<E> for fn(&'a E) -> bool {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> RetryIf<E> for fn(Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `retry_if` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn retry_if<F, A, R>(f: F) -> <fn(A) -> R as RetryIf<E>>::Same<F>
        where
            F: Fn(A) -> R,
            fn(A) -> R: RetryIf<E>,
        {
            <fn(A) -> R as RetryIf<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`on_retry` must be `fn(u32, Duration, &E)` where E is `{E}`; this fn is `{Self}`",
        label = "expected `fn(attempt: u32, delay: Duration, error: &{E})`",
        note = "`on_retry` is called before each retry with the attempt number, the delay and the error"
    )]
    pub trait OnRetry<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> OnRetry<E> for fn(u32, Duration, &'a E) {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> OnRetry<E> for fn(Never, Never, Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `on_retry` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn on_retry<F, A, B, C, R>(f: F) -> <fn(A, B, C) -> R as OnRetry<E>>::Same<F>
        where
            F: Fn(A, B, C) -> R,
            fn(A, B, C) -> R: OnRetry<E>,
        {
            <fn(A, B, C) -> R as OnRetry<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`retry_after` must be `fn(&E) -> Option<Duration>` where E is `{E}`; this fn is `{Self}`",
        label = "expected `fn(&{E}) -> Option<Duration>`",
        note = "`retry_after` gets each failed attempt's error; it returns how long the error asks to wait, or `None`",
        note = "for an error that wraps `resile::Rejection`, implement `resile::AsRejection` and use `resile::Rejection::hint`"
    )]
    pub trait RetryAfter<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> RetryAfter<E> for fn(&'a E) -> Option<Duration> {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> RetryAfter<E> for fn(Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `retry_after` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn retry_after<F, A, R>(f: F) -> <fn(A) -> R as RetryAfter<E>>::Same<F>
        where
            F: Fn(A) -> R,
            fn(A) -> R: RetryAfter<E>,
        {
            <fn(A) -> R as RetryAfter<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`fatal` must be `fn(&E) -> bool` where E is `{E}`; this fn is `{Self}`",
        label = "expected `fn(&{E}) -> bool`",
        note = "`fatal` gets each failed attempt's error; it returns `true` to end the call with that error"
    )]
    pub trait Fatal<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> Fatal<E> for fn(&'a E) -> bool {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> Fatal<E> for fn(Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `fatal` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn fatal<F, A, R>(f: F) -> <fn(A) -> R as Fatal<E>>::Same<F>
        where
            F: Fn(A) -> R,
            fn(A) -> R: Fatal<E>,
        {
            <fn(A) -> R as Fatal<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`on_hedge` must be `fn(u32)`; this fn is `{Self}`",
        label = "expected `fn(attempt: u32)`",
        note = "`on_hedge` is called with the number of each extra attempt it starts (2 for the first hedge)"
    )]
    pub trait OnHedge<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<E> OnHedge<E> for fn(u32) {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> OnHedge<E> for fn(Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `on_hedge` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn on_hedge<F, A, R>(f: F) -> <fn(A) -> R as OnHedge<E>>::Same<F>
        where
            F: Fn(A) -> R,
            fn(A) -> R: OnHedge<E>,
        {
            <fn(A) -> R as OnHedge<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`should_record` must be `fn(&R) -> resile::Outcome` where R is `{E}`; this fn is `{Self}`",
        label = "expected `fn(&{E}) -> resile::Outcome`",
        note = "`should_record` classifies each call's result as `Outcome::Success`, `Outcome::Failure` or `Outcome::Ignore`"
    )]
    pub trait ShouldRecord<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> ShouldRecord<E> for fn(&'a E) -> Outcome {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> ShouldRecord<E> for fn(Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `should_record` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn should_record<F, A, R>(f: F) -> <fn(A) -> R as ShouldRecord<E>>::Same<F>
        where
            F: Fn(A) -> R,
            fn(A) -> R: ShouldRecord<E>,
        {
            <fn(A) -> R as ShouldRecord<E>>::same(f)
        }
    }

    #[diagnostic::on_unimplemented(
        message = "`on_state_change` must be `fn(&str, resile::State, resile::State)`; this fn is `{Self}`",
        label = "expected `fn(name: &str, from: resile::State, to: resile::State)`",
        note = "`on_state_change` is called with the breaker's name and the states it leaves and enters"
    )]
    pub trait OnStateChange<E> {
        type Same<F>;
        fn same<F>(f: F) -> Self::Same<F>;
    }

    impl<'a, E> OnStateChange<E> for fn(&'a str, State, State) {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    #[diagnostic::do_not_recommend]
    impl<E> OnStateChange<E> for fn(Never, Never, Never) -> Never {
        type Same<F> = F;
        #[inline(always)]
        fn same<F>(f: F) -> F {
            f
        }
    }

    impl<E> Hook<E> {
        /// The path of the `on_state_change` hook, unchanged, if its signature is right.
        #[inline(always)]
        pub fn on_state_change<F, A, B, C, R>(f: F) -> <fn(A, B, C) -> R as OnStateChange<E>>::Same<F>
        where
            F: Fn(A, B, C) -> R,
            fn(A, B, C) -> R: OnStateChange<E>,
        {
            <fn(A, B, C) -> R as OnStateChange<E>>::same(f)
        }
    }
}

/// The checks of `#[single_flight]`: its key, and the result every waiting caller gets a
/// clone of.
pub(crate) mod single_flight {
    use std::borrow::Borrow;
    use std::hash::Hash;

    #[diagnostic::on_unimplemented(
        message = "`#[single_flight]` needs its key `{Self}` to be `Hash + Eq`, with an owned form that is `Clone + Send + Sync + 'static`",
        label = "calls with equal keys share one execution, so the key is hashed, compared and kept while it runs",
        note = "derive `Hash, PartialEq, Eq` on it, or key by a value that has them (an id, a `String`, a tuple of them)"
    )]
    pub trait FlightKey: Hash + Eq + ToOwned<Owned = Self::Key> {
        /// The key as the group keeps it (`String` for `str`).
        type Key: Hash + Eq + Clone + Borrow<Self> + Send + Sync + 'static;
    }

    #[diagnostic::do_not_recommend]
    impl<Q> FlightKey for Q
    where
        Q: ?Sized + Hash + Eq + ToOwned,
        Q::Owned: Hash + Eq + Clone + Send + Sync + 'static,
    {
        type Key = Q::Owned;
    }

    #[diagnostic::on_unimplemented(
        message = "`#[single_flight]` gives every waiting caller a clone of the one result, so `{Self}` must be `Clone + Send + Sync`",
        label = "every caller that joins the execution gets a clone of this",
        note = "derive `Clone` on it, or share it as `Arc<{Self}>`"
    )]
    pub trait SharedResult: Clone + Send + Sync + 'static {}

    #[diagnostic::do_not_recommend]
    impl<R: Clone + Send + Sync + 'static> SharedResult for R {}
}

/// The arguments and the result of the async fn a `#[fallback]` names, for its signature
/// check: one impl per arity, so that rustc selects the one the fn item has and infers its
/// argument types from the fn alone; the expansion then compares `Call` with the expected
/// signature through a trait of its own, whose message names the parameters.
pub mod fallback {
    use core::future::Future;

    #[diagnostic::on_unimplemented(
        message = "`#[fallback]` needs an `async fn` of at most 16 arguments; `{Self}` is not one",
        label = "expected an `async fn` taking this fn's arguments and then its error, by value",
        note = "a fn that is not `async` must return a future (`-> impl Future<Output = Result<T, E>>`)"
    )]
    pub trait FnSig<Args> {
        /// `((A0, .., An), <the future's output>)`.
        type Call;
    }

    macro_rules! fn_sig {
        ($($a:ident)*) => {
            #[diagnostic::do_not_recommend]
            impl<F, Fut, $($a,)*> FnSig<($($a,)*)> for F
            where
                F: FnOnce($($a),*) -> Fut,
                Fut: Future,
            {
                type Call = (($($a,)*), Fut::Output);
            }
        };
    }

    /// The argument types and the call of `f`, found from `f` alone: the check of the
    /// expected signature takes them from here, so that they are settled before it compares
    /// them (else rustc takes the expected types for the fallback's and reports the mismatch
    /// as its own, at the call).
    #[inline(always)]
    pub fn sig<F: FnSig<Args>, Args>(_f: F) -> core::marker::PhantomData<(Args, F::Call)> {
        core::marker::PhantomData
    }

    fn_sig!();
    fn_sig!(A0);
    fn_sig!(A0 A1);
    fn_sig!(A0 A1 A2);
    fn_sig!(A0 A1 A2 A3);
    fn_sig!(A0 A1 A2 A3 A4);
    fn_sig!(A0 A1 A2 A3 A4 A5);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14);
    fn_sig!(A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15);
}
