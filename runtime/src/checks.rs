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

    #[inline(always)]
    pub fn retry_reusable<T: RetryReusable>() {}
    #[inline(always)]
    pub fn hedge_reusable<T: HedgeReusable>() {}
}
