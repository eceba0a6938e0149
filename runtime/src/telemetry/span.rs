//! [`CallSpan`]: the `resile` span of one guarded call, created when the call first has
//! something to report.

use std::ptr;

use std::sync::atomic::{AtomicPtr, Ordering};

/// The `resile` span of one guarded call (target `resile`, level `DEBUG`, field
/// `function`, as [`Function`](super::Function) shows it: `Orders::get` for a method),
/// created lazily: by the call's first event (a retry, a rejection, a hedge),
/// and only when a subscriber wants `DEBUG` spans of target `resile`. Every later event of
/// the call is a child of it; it closes when the call ends.
///
/// A call with nothing to report creates no span, so the success path pays for tracing
/// nothing but this slot: a null pointer written when the call starts and tested when it
/// ends. The span is not entered while the guarded body runs: it groups resile's events of
/// one call, and the body's own spans stay children of the caller's.
///
/// The slot is an atomic pointer only so that a guarded call's future stays `Send` and
/// `Sync`: one call is polled by one task at a time, so there is no contention on it.
///
/// A call that can have one event at most (a lone circuit breaker or timeout) needs no
/// slot: [`CallSpan::detached`] gives each event a span of its own, which is the same
/// thing, and the call keeps no local at all.
pub struct CallSpan {
    span: AtomicPtr<tracing::Span>,
    /// Whether a policy refused the call since its last attempt started: what
    /// `resile_calls_total`'s `outcome = "rejected"` counts when the call fails.
    #[cfg(feature = "metrics")]
    rejected: std::sync::atomic::AtomicBool,
}

/// The address [`CallSpan::detached`] holds: never a span's.
const DETACHED: *mut tracing::Span = std::ptr::dangling_mut();

static DETACHED_SLOT: CallSpan = CallSpan::own_detached();

impl std::fmt::Debug for CallSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallSpan").field("span", &self.get()).finish()
    }
}

impl Default for CallSpan {
    fn default() -> Self {
        Self::new()
    }
}

impl CallSpan {
    /// An empty slot.
    #[inline(always)]
    pub const fn new() -> Self {
        CallSpan {
            span: AtomicPtr::new(ptr::null_mut()),
            #[cfg(feature = "metrics")]
            rejected: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A detached slot of one call's own (the meter's, under the cargo feature `metrics`):
    /// events get spans of their own, and a refusal marks it.
    #[inline(always)]
    pub(crate) const fn own_detached() -> Self {
        CallSpan {
            span: AtomicPtr::new(DETACHED),
            #[cfg(feature = "metrics")]
            rejected: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A policy refused the call (or cut it): unless another attempt starts after this, the
    /// call's error is that refusal.
    #[cfg(feature = "metrics")]
    #[inline]
    pub(crate) fn mark_rejected(&self) {
        // The shared detached slot is nobody's: not written, so calls do not contend on it.
        // Orderings: `Relaxed`; one task polls a call.
        if !ptr::eq(self, &DETACHED_SLOT) {
            self.rejected.store(true, Ordering::Relaxed);
        }
    }

    /// Another attempt starts (a retry, a hedge): an earlier refusal is no longer the call's
    /// outcome.
    #[cfg(feature = "metrics")]
    #[inline]
    pub(crate) fn mark_attempt(&self) {
        if !ptr::eq(self, &DETACHED_SLOT) {
            self.rejected.store(false, Ordering::Relaxed);
        }
    }

    /// Whether the call's error is a refusal (see [`mark_rejected`](Self::mark_rejected)).
    #[cfg(feature = "metrics")]
    #[inline]
    pub(crate) fn was_rejected(&self) -> bool {
        self.rejected.load(Ordering::Relaxed)
    }

    /// For a call with one event at most: each event gets a span of its own. (Never
    /// written: a detached slot stays detached.)
    pub fn detached() -> &'static CallSpan {
        &DETACHED_SLOT
    }

    /// The span, if one was created.
    fn get(&self) -> Option<&tracing::Span> {
        let span = self.span.load(Ordering::Acquire);
        if span == DETACHED {
            return None;
        }
        // SAFETY: any other non-null pointer came from `Box::into_raw` in `with_span` and
        // is freed only in `drop`.
        unsafe { span.as_ref() }
    }

    /// Runs `f` with the span for an event of the call guarding `function`: the existing
    /// one, or a new one if a subscriber wants it (kept for the call's later events, or
    /// closed after `f` when detached); `None` when nobody does.
    #[cold]
    pub(crate) fn with_span<R>(&self, function: super::Function, f: impl FnOnce(Option<&tracing::Span>) -> R) -> R {
        if let Some(span) = self.get() {
            return f(Some(span));
        }
        if !tracing::level_enabled!(tracing::Level::DEBUG) {
            return f(None);
        }
        let span = super::call_span(function);
        if span.is_disabled() {
            return f(None);
        }
        if self.span.load(Ordering::Relaxed) == DETACHED {
            return f(Some(&span));
        }
        let new = Box::into_raw(Box::new(span));
        // One task polls a call, so the slot is empty here; should two threads ever share a
        // slot, the first span stays and the other is closed, never leaked.
        // Orderings: `AcqRel`/`Acquire`, so the span another thread stored is seen whole.
        if let Err(existing) = self.span.compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
            close(new);
            // SAFETY: a non-null, non-detached pointer in the slot came from `Box::into_raw`
            // and is freed only in `drop`.
            return f(unsafe { existing.as_ref() });
        }
        f(self.get())
    }
}

impl Drop for CallSpan {
    #[inline(always)]
    fn drop(&mut self) {
        let span = *self.span.get_mut();
        if !span.is_null() && span != DETACHED {
            close(span);
        }
    }
}

#[cold]
#[inline(never)]
fn close(span: *mut tracing::Span) {
    // SAFETY: non-null pointers in the slot come from `Box::into_raw` and are freed once,
    // here, by the slot's `drop`.
    drop(unsafe { Box::from_raw(span) });
}
