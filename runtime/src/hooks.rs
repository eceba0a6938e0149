//! Where the call path meets `resile::testing`: a handful of functions that the kit and the
//! telemetry funnel call unconditionally. With the `testing` cargo feature they ask the
//! [`testing`](crate::testing) module, each first with one `Relaxed` load of a count of live
//! scopes or recorders; without it they are `#[inline(always)]` constants, so the call path
//! compiles to what it was before the feature existed.

#[cfg(feature = "testing")]
pub(crate) use on::*;

#[cfg(not(feature = "testing"))]
pub(crate) use off::*;

#[cfg(feature = "testing")]
mod on {
    use crate::kit::registry::listing::Listing;
    use crate::kit::{NamedPolicy, Registry, Site};
    use crate::telemetry::Event;
    use crate::testing::{recorder, scope};

    /// The current task's scope's instance for `site`, if a scope is live.
    #[inline(always)]
    pub(crate) fn site<P: NamedPolicy>(site: &Site<P>) -> Option<&'static P> {
        if scope::live() { scope::site(site) } else { None }
    }

    /// The current task's scope's registry of `P`, if a scope is live.
    #[inline]
    pub(crate) fn registry<P: NamedPolicy>() -> Option<&'static Registry<P>> {
        if scope::live() { scope::registry::<P>() } else { None }
    }

    /// The current task's scope's registries, if a scope is live.
    pub(crate) fn listings() -> Option<Vec<&'static dyn Listing>> {
        if scope::live() { scope::listings() } else { None }
    }

    /// Whether a recorder is live anywhere (one `Relaxed` load).
    #[inline(always)]
    pub(crate) fn recording() -> bool {
        recorder::live()
    }

    /// Hands `event` to the current task's recorder, if any.
    #[inline]
    pub(crate) fn observe(event: &Event<'_>) {
        if recorder::live() {
            recorder::push(event);
        }
    }
}

#[cfg(not(feature = "testing"))]
mod off {
    use crate::kit::registry::listing::Listing;
    use crate::kit::{NamedPolicy, Registry, Site};
    use crate::telemetry::Event;

    #[inline(always)]
    pub(crate) fn site<P: NamedPolicy>(_: &Site<P>) -> Option<&'static P> {
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

    #[inline(always)]
    pub(crate) const fn recording() -> bool {
        false
    }

    #[inline(always)]
    pub(crate) fn observe(_: &Event<'_>) {}
}
