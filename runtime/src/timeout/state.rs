//! A timeout's only state is its deadline, which tokio's timer wheel keeps. What is left
//! here, free of tokio and of clock reads, is the deadline arithmetic, shared with
//! hedging's `timeout`.

use std::time::{Duration, Instant};

/// The instant `after` past `start`, or `None` when it is too far away to represent: a
/// deadline that can never pass, so no timer is armed for it.
///
/// ```
/// use std::time::{Duration, Instant};
/// use resile_runtime::timeout::deadline;
///
/// let t = Instant::now();
/// assert_eq!(deadline(t, Duration::from_secs(1)), Some(t + Duration::from_secs(1)));
/// assert_eq!(deadline(t, Duration::MAX), None);
/// ```
#[inline]
pub fn deadline(start: Instant, after: Duration) -> Option<Instant> {
    start.checked_add(after)
}
