//! Where the kit meets `resile::testing`'s scopes: the functions a call site, a handle and
//! `registry::names()` call unconditionally. With the `testing` cargo feature they ask
//! [`scope`](super::scope), each first with one `Relaxed` load of the count of live
//! scopes; without it they are `#[inline(always)]` constants, so the call path compiles to
//! what it was before the feature existed.

use super::registry::listing::{self, Listing};
use super::{NamedPolicy, Registry};

#[cfg(feature = "testing")]
pub(crate) use on::*;

#[cfg(not(feature = "testing"))]
pub(crate) use off::*;

#[cfg(feature = "testing")]
mod on {
    use super::super::registry::listing::Listing;
    use super::super::scope::{self, ScopedSite};
    use super::super::{NamedPolicy, Registry};

    /// The current scope's instance for `site`, if the task runs in a scope.
    #[inline(always)]
    pub(crate) fn site<P: NamedPolicy, S: ScopedSite<P>>(site: &S) -> Option<&'static P> {
        if scope::live() { scope::site(site) } else { None }
    }

    /// The current scope's registry of `P`, if the task runs in a scope.
    #[inline]
    pub(crate) fn registry<P: NamedPolicy>() -> Option<&'static Registry<P>> {
        if scope::live() { scope::registry::<P>() } else { None }
    }

    /// The current scope's registries, if the task runs in a scope.
    pub(crate) fn listings() -> Option<Vec<&'static dyn Listing>> {
        if scope::live() { scope::listings() } else { None }
    }
}

#[cfg(not(feature = "testing"))]
mod off {
    use super::super::registry::listing::Listing;
    use super::super::{NamedPolicy, Registry};

    #[inline(always)]
    pub(crate) fn site<P: NamedPolicy, S>(_: &S) -> Option<&'static P> {
        None
    }

    #[inline(always)]
    pub(crate) fn registry<P: NamedPolicy>() -> Option<&'static Registry<P>> {
        None
    }

    #[inline(always)]
    pub(crate) fn listings() -> Option<Vec<&'static dyn Listing>> {
        None
    }
}

/// The registry of `P` that the current task uses: inside a `resile::testing::isolated`
/// scope, the scope's own; otherwise the process-wide one ([`NamedPolicy::registry`]).
/// Everything that looks a name up goes through here (handles, `X::named`), except a
/// [`Site`](super::Site), which keeps its process-wide instance and asks the scope first.
#[inline]
pub(crate) fn current<P: NamedPolicy>() -> &'static Registry<P> {
    registry::<P>().unwrap_or_else(P::registry)
}

/// The registries the current task uses: a `resile::testing` scope's, else every
/// process-wide one.
pub(crate) fn current_listings() -> Vec<&'static dyn Listing> {
    listings().unwrap_or_else(listing::all)
}

/// Every named instance of the process, as `(kind, name)` pairs sorted by kind, then name
/// (`("circuit_breaker", "db")`). Lists instances that exist: a name that no call has used
/// yet is not there. Inside a `resile::testing::isolated` scope, the scope's instances
/// instead.
pub fn names() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<_> = current_listings()
        .into_iter()
        .flat_map(|registry| registry.names().into_iter().map(move |name| (registry.kind(), name)))
        .collect();
    all.sort_unstable();
    all
}
