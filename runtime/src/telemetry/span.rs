//! [`CallSpan`]: the `resile` span of one guarded call, created when the call first has
//! something to report.

use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::OnceLock;

use std::sync::atomic::{AtomicPtr, Ordering};

use super::{Function, ImplType};
use crate::timeline::{self, CallRef};

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
}

/// What a slot points to once the call has a span or a timeline registration.
struct Inner {
    span: OnceLock<tracing::Span>,
    timeline: Option<CallRef>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Not ended by `finish`: the call was dropped.
        if let Some(call) = self.timeline.take() {
            call.end(None);
        }
    }
}

/// The address [`CallSpan::detached`] holds: never a slot's.
const DETACHED: *mut Inner = std::ptr::dangling_mut();

static DETACHED_SLOT: CallSpan = CallSpan { span: AtomicPtr::new(DETACHED) };

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
        CallSpan { span: AtomicPtr::new(ptr::null_mut()) }
    }

    /// The slot of a call of the function at `path` (a method of `impl_type`'s type) that
    /// starts now: empty, or registered with the current task's
    /// [`timeline::capture`](crate::timeline::capture) if one is live. End it with
    /// [`finish`](Self::finish).
    ///
    /// Costs one `Relaxed` load while no capture is live anywhere in the process.
    #[inline(always)]
    pub fn start<S: ImplType>(path: &'static str, impl_type: S) -> Self {
        if timeline::active() {
            return Self::start_captured(impl_type.function(path));
        }
        Self::new()
    }

    #[cold]
    #[inline(never)]
    fn start_captured(function: Function) -> Self {
        match timeline::register(function) {
            Some(call) => {
                let inner = Box::new(Inner { span: OnceLock::new(), timeline: Some(call) });
                CallSpan { span: AtomicPtr::new(Box::into_raw(inner)) }
            }
            None => Self::new(),
        }
    }

    /// Ends the call with `result`, which it returns: what a timeline records as the
    /// outcome of the call's last attempt. Costs what dropping the slot costs.
    #[inline(always)]
    pub fn finish<T, E>(self, result: Result<T, E>) -> Result<T, E> {
        let mut this = ManuallyDrop::new(self);
        let inner = *this.span.get_mut();
        if !inner.is_null() && inner != DETACHED {
            finished(inner, result.is_ok());
        }
        result
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
        let inner = self.span.load(Ordering::Acquire);
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
        let span = *self.span.get_mut();
        if !span.is_null() && span != DETACHED {
            close(span);
        }
    }
}

#[cold]
#[inline(never)]
fn close(inner: *mut Inner) {
    // SAFETY: non-null pointers in the slot come from `Box::into_raw` and are freed once,
    // here, by the slot's `drop`, or in `finished`.
    drop(unsafe { Box::from_raw(inner) });
}

#[cold]
#[inline(never)]
fn finished(inner: *mut Inner, ok: bool) {
    // SAFETY: as in `close`; `finish` consumed the slot without dropping it.
    let mut inner = unsafe { Box::from_raw(inner) };
    if let Some(call) = inner.timeline.take() {
        call.end(Some(ok));
    }
}
