//! [`CallSpan`]: the `resile` span of one guarded call, created when the call first has
//! something to report.

use std::ptr;
use std::sync::OnceLock;

use std::sync::atomic::{AtomicPtr, Ordering};

use super::{Function, ImplType};
use crate::timeline::{self, CallRef, TimelineSite};

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
///
/// The slot also holds the call's registration with a [`timeline::capture`](crate::timeline)
/// around it: [`CallSpan::start`] registers the call when a capture is live (one `Relaxed`
/// load otherwise), and [`CallSpan::finish`] ends it with the call's result (a slot dropped
/// without `finish` is a cancelled call).
pub struct CallSpan {
    span: AtomicPtr<Inner>,
    /// Whether a policy refused the call since its last attempt started: what
    /// `resile_calls_total`'s `outcome = "rejected"` counts when the call fails.
    #[cfg(feature = "metrics")]
    rejected: std::sync::atomic::AtomicBool,
}

/// What a slot points to once the call has a span or a timeline registration.
struct Inner {
    span: OnceLock<tracing::Span>,
    timeline: Option<CallRef>,
}

/// The address [`CallSpan::detached`] holds: never a slot's (the alignment of `Inner`).
const DETACHED: *mut Inner = std::ptr::without_provenance_mut(DETACHED_ADDR);
const DETACHED_ADDR: usize = std::mem::align_of::<Inner>();

/// Tags [`CallSpan::finish`] sets in the low bits of the slot (an `Inner` is 8-aligned):
/// the call returned, and it returned an `Err`.
const FINISHED: usize = 1;
const FAILED: usize = 2;
const TAGS: usize = FINISHED | FAILED;
/// What the slot's drop tests: an address other than null or [`DETACHED`], tags aside.
const OWNS: usize = !(TAGS | DETACHED_ADDR);
const _: () = assert!(DETACHED_ADDR > TAGS && DETACHED_ADDR.is_power_of_two());

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

    /// Starts the call of the function at `path` (a method of `impl_type`'s type) whose
    /// slot this is: registers it with the current task's
    /// [`timeline::capture`](crate::timeline::capture), if one is live. End it with
    /// [`finish`](Self::finish).
    ///
    /// `site` is the function's switch (a `static`): while no capture is live anywhere in the
    /// process, this costs one `Relaxed` load of it and a branch. Call it on
    /// the slot where the call keeps it (not on a value that is then moved), so that the
    /// slot's address is the one the call uses.
    #[inline(always)]
    pub fn start<S: ImplType>(&self, site: &'static TimelineSite, path: &'static str, impl_type: S) {
        if site.look() {
            self.register(site, impl_type.function(path));
        }
    }

    /// Registers the call with the current task's capture, if it has one.
    #[cold]
    #[inline(never)]
    fn register(&self, site: &'static TimelineSite, function: Function) {
        site.enroll();
        if timeline::active()
            && self.span.load(Ordering::Relaxed).is_null()
            && let Some(call) = timeline::register(function)
        {
            let inner = Box::new(Inner { span: OnceLock::new(), timeline: Some(call) });
            self.span.store(Box::into_raw(inner), Ordering::Release);
        }
    }

    /// Ends the call with `result`: what a timeline records as the outcome of the call's
    /// last attempt (a slot dropped without it is a cancelled call). On a slot with nothing
    /// in it, the test its drop makes (two instructions); otherwise two tag bits in the
    /// slot, which its drop reads.
    #[inline(always)]
    pub fn finish<T, E>(&mut self, result: &Result<T, E>) {
        let slot = self.span.get_mut();
        if slot.addr() & OWNS != 0 {
            *slot = finished(*slot, result.is_ok());
        }
    }

    /// The call's registration with a timeline capture, if it has one.
    pub(crate) fn timeline(&self) -> Option<&CallRef> {
        self.inner().and_then(|inner| inner.timeline.as_ref())
    }

    /// For a call with one event at most: each event gets a span of its own. (Never
    /// written: a detached slot stays detached.)
    pub fn detached() -> &'static CallSpan {
        &DETACHED_SLOT
    }

    /// What the slot holds, if anything.
    fn inner(&self) -> Option<&Inner> {
        let inner = self.span.load(Ordering::Acquire).map_addr(|a| a & !TAGS);
        if inner == DETACHED {
            return None;
        }
        // SAFETY: any other non-null pointer came from `Box::into_raw` in `with_span` or
        // `start_captured` and is freed only in `drop` or `finish`.
        unsafe { inner.as_ref() }
    }

    /// The span, if one was created.
    fn get(&self) -> Option<&tracing::Span> {
        self.inner().and_then(|inner| inner.span.get())
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
        if let Some(inner) = self.inner() {
            // Registered with a timeline, no span yet: one task polls a call, so nobody
            // else sets it.
            return f(Some(inner.span.get_or_init(|| span)));
        }
        let new = Box::into_raw(Box::new(Inner { span: OnceLock::from(span), timeline: None }));
        // One task polls a call, so the slot is empty here; should two threads ever share a
        // slot, the first span stays and the other is closed, never leaked.
        // Orderings: `AcqRel`/`Acquire`, so the span another thread stored is seen whole.
        if let Err(existing) = self.span.compare_exchange(ptr::null_mut(), new, Ordering::AcqRel, Ordering::Acquire) {
            close(new);
            // SAFETY: a non-null, non-detached pointer in the slot came from `Box::into_raw`
            // and is freed only in `drop`.
            return f(unsafe { existing.as_ref() }.and_then(|inner| inner.span.get()));
        }
        f(self.get())
    }
}

impl Drop for CallSpan {
    #[inline(always)]
    fn drop(&mut self) {
        let inner = *self.span.get_mut();
        if inner.addr() & OWNS != 0 {
            close(inner);
        }
    }
}

/// The slot tagged with the call's end.
#[cold]
#[inline(never)]
fn finished(inner: *mut Inner, ok: bool) -> *mut Inner {
    inner.map_addr(|a| a | FINISHED | if ok { 0 } else { FAILED })
}

/// Frees what the slot held; ends its timeline registration with the call's result if
/// [`CallSpan::finish`] tagged it, as cancelled otherwise.
#[cold]
#[inline(never)]
fn close(tagged: *mut Inner) {
    let tags = tagged.addr() & TAGS;
    // SAFETY: untagged, a pointer in the slot other than null and `DETACHED` came from
    // `Box::into_raw` and is freed once, here, by the slot's `drop`.
    let mut inner = unsafe { Box::from_raw(tagged.map_addr(|a| a & !TAGS)) };
    if let Some(call) = inner.timeline.take() {
        call.end((tags & FINISHED != 0).then_some(tags & FAILED == 0));
    }
}
