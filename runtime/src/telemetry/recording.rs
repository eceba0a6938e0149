//! Where the funnel meets `resile::testing`'s recorders: with the `testing` cargo feature,
//! "is anybody listening" also asks whether a recorder is live (one `Relaxed` load), and
//! every event heard goes to the current task's recorder; without it these are
//! `#[inline(always)]` constants.

#[cfg(feature = "testing")]
pub(crate) use on::*;

#[cfg(not(feature = "testing"))]
pub(crate) use off::*;

#[cfg(feature = "testing")]
mod on {
    use super::super::Event;
    use super::super::record;

    /// Whether a recorder is live anywhere in the process.
    #[inline(always)]
    pub(crate) fn recording() -> bool {
        record::live()
    }

    /// Gives `event` to the current task's recorder, if there is one.
    #[inline]
    pub(crate) fn observe(event: &Event<'_>) {
        if record::live() {
            record::push(event);
        }
    }
}

#[cfg(not(feature = "testing"))]
mod off {
    use super::super::Event;

    #[inline(always)]
    pub(crate) const fn recording() -> bool {
        false
    }

    #[inline(always)]
    pub(crate) fn observe(_: &Event<'_>) {}
}
