//! [`Meter`]: what a guarded function's expansion keeps to count its calls and time them
//! (`resile_calls_total`, `resile_call_duration_seconds`) under the cargo feature `metrics`.
//! Without the feature it is zero-sized and its calls are empty: the expansion is the same
//! tokens either way, and compiles to the same instructions as it would without a meter.

use super::{CallSpan, ImplType};

/// One guarded function's meter, in a `static` of its expansion.
pub struct Meter {
    #[cfg(feature = "metrics")]
    function: &'static str,
    #[cfg(feature = "metrics")]
    cache: super::metrics::Cached<super::metrics::CallHandles>,
}

impl std::fmt::Debug for Meter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Meter")
    }
}

/// One call under way, from [`Meter::start`] to [`Meter::finish`].
pub struct Metered {
    #[cfg(feature = "metrics")]
    start: tokio::time::Instant,
    /// The call's span slot when the expansion keeps none (one event at most): each event
    /// gets a span of its own, as with [`CallSpan::detached`], but a refusal marks this one.
    #[cfg(feature = "metrics")]
    slot: CallSpan,
}

impl std::fmt::Debug for Metered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metered")
    }
}

impl Meter {
    /// The meter of the guarded function at `function` (`module::path::fn`).
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub const fn new(function: &'static str) -> Self {
        Meter {
            #[cfg(feature = "metrics")]
            function,
            #[cfg(feature = "metrics")]
            cache: super::metrics::Cached::new(),
        }
    }

    /// A call starts: with `metrics`, one read of tokio's clock; without, nothing.
    #[inline(always)]
    pub fn start(&self) -> Metered {
        Metered {
            #[cfg(feature = "metrics")]
            start: tokio::time::Instant::now(),
            #[cfg(feature = "metrics")]
            slot: CallSpan::own_detached(),
        }
    }

    /// The call ends with `result`; `call` is its span slot (the one its policies reported
    /// to, which tells a refusal from the body's error). With `metrics`: one read of tokio's
    /// clock, one counter and one histogram; without, nothing.
    #[inline(always)]
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub fn finish<T, E>(&self, metered: &Metered, call: &CallSpan, result: &Result<T, E>, impl_type: impl ImplType) {
        #[cfg(feature = "metrics")]
        self.record(metered, call, result.is_ok(), impl_type);
    }

    #[cfg(feature = "metrics")]
    #[inline(never)]
    fn record(&self, metered: &Metered, call: &CallSpan, ok: bool, impl_type: impl ImplType) {
        let outcome = if ok {
            Some(true)
        } else if call.was_rejected() {
            None
        } else {
            Some(false)
        };
        let seconds = crate::kit::clock::seconds_between(metered.start, tokio::time::Instant::now());
        super::metrics::call(&self.cache, impl_type.function(self.function), outcome, seconds);
    }
}

impl Metered {
    /// The span slot of a call that keeps none of its own.
    #[cfg(feature = "metrics")]
    #[inline(always)]
    pub fn span(&self) -> &CallSpan {
        &self.slot
    }

    /// The span slot of a call that keeps none of its own.
    #[cfg(not(feature = "metrics"))]
    #[inline(always)]
    pub fn span(&self) -> &'static CallSpan {
        CallSpan::detached()
    }
}
