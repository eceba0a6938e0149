//! Who listens to telemetry events besides `tracing`: one word, read on every event.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Who listens to events besides `tracing`, in one word so that an event with nobody
/// listening pays one load for all of them: [`OBSERVED`] while an observer is set, plus
/// [`CAPTURING`] per live `timeline::capture`.
pub(crate) static LISTENERS: AtomicUsize = AtomicUsize::new(0);
pub(crate) const OBSERVED: usize = 1;
const CAPTURING: usize = 2;

/// A `timeline::capture` starts (`true`) or ends: counted in [`LISTENERS`].
pub(crate) fn capturing(starts: bool) {
    // Orderings: `Relaxed`; see `heard`.
    if starts {
        LISTENERS.fetch_add(CAPTURING, Ordering::Relaxed);
    } else {
        LISTENERS.fetch_sub(CAPTURING, Ordering::Relaxed);
    }
}
