//! [`RetryState`]: the decisions of one retried call between attempts. Free of tokio and of
//! clock reads: the caller passes the elapsed time and the randomness in, so tests and
//! proptest drive it directly.

use std::time::Duration;

use super::backoff;
use super::config::RetryConfig;

/// Why a retried call stops with its last error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `retry_if` said the error is not worth retrying.
    NotRetryable,
    /// The last of `max` attempts failed.
    Exhausted,
    /// The next sleep would end past the wall-clock `budget`.
    OutOfTime,
}

/// Where one retried call is: the attempt running (or just failed) and the last sleep.
///
/// ```
/// use std::time::Duration;
/// # use resile_runtime as resile;
/// use resile::retry::{Jitter, RetryConfig, RetryState, Stop};
///
/// let cfg = RetryConfig::new().max(3).jitter(Jitter::None);
/// let mut call = RetryState::new();
/// let delay = call.next_delay(&cfg, || true, || None, &mut || 0.5).unwrap();
/// assert_eq!(delay, Duration::from_millis(100));
/// call.advance(delay);
/// assert_eq!(call.next_delay(&cfg, || true, || None, &mut || 0.5), Ok(Duration::from_millis(200)));
/// call.advance(Duration::from_millis(200));
/// assert_eq!(call.next_delay(&cfg, || true, || None, &mut || 0.5), Err(Stop::Exhausted));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryState {
    attempt: u32,
    /// The previous sleep, for decorrelated jitter; zero before the first.
    previous: Duration,
}

impl Default for RetryState {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryState {
    /// The state before attempt 1.
    #[inline(always)]
    pub const fn new() -> Self {
        RetryState { attempt: 1, previous: Duration::ZERO }
    }

    /// The attempt running, or that just failed, from 1.
    #[inline]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// After the current attempt failed: the sleep before the next one, or why to stop.
    ///
    /// `retryable` asks `retry_if` about the error: only if another attempt is allowed, so
    /// the last attempt's error is not classified. `elapsed` gives the time since the call
    /// started (`None` if not timed): asked only when `cfg` has a wall-clock `budget`.
    /// `uniform` returns a value in `[0, 1)` for the jitter. Nothing changes until
    /// [`advance`](Self::advance).
    pub fn next_delay(
        &self,
        cfg: &RetryConfig,
        retryable: impl FnOnce() -> bool,
        elapsed: impl FnOnce() -> Option<Duration>,
        uniform: &mut impl FnMut() -> f64,
    ) -> Result<Duration, Stop> {
        if self.attempt >= cfg.max {
            return Err(Stop::Exhausted);
        }
        if !retryable() {
            return Err(Stop::NotRetryable);
        }
        let delay = backoff::sleep(cfg, self.attempt, self.previous, uniform);
        if let Some(limit) = cfg.budget
            && let Some(elapsed) = elapsed()
            && elapsed.saturating_add(delay) > limit
        {
            return Err(Stop::OutOfTime);
        }
        Ok(delay)
    }

    /// The retry goes ahead after sleeping `delay`: the next attempt is current.
    #[inline]
    pub fn advance(&mut self, delay: Duration) {
        self.attempt += 1;
        self.previous = delay;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::retry::Jitter;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_non_retryable_error_stops_before_anything_else() {
        let cfg = RetryConfig::new().max(3).budget(MS(1));
        let elapsed = || -> Option<Duration> { panic!("a non-retryable error needs no clock") };
        assert_eq!(RetryState::new().next_delay(&cfg, || false, elapsed, &mut || 0.0), Err(Stop::NotRetryable));
    }

    #[test]
    fn the_last_attempt_stops_without_asking_retry_if_or_the_clock() {
        let cfg = RetryConfig::new().max(1).budget(MS(1));
        let retryable = || -> bool { panic!("the last attempt's error is not classified") };
        let elapsed = || -> Option<Duration> { panic!("the last attempt needs no clock") };
        assert_eq!(RetryState::new().next_delay(&cfg, retryable, elapsed, &mut || 0.0), Err(Stop::Exhausted));
    }

    #[test]
    fn the_wall_clock_budget_stops_a_sleep_that_would_end_past_it() {
        let cfg = RetryConfig::new().max(10).jitter(Jitter::None).budget(MS(250));
        let s = RetryState::new();
        assert_eq!(s.next_delay(&cfg, || true, || Some(MS(150)), &mut || 0.0), Ok(MS(100)));
        assert_eq!(s.next_delay(&cfg, || true, || Some(MS(151)), &mut || 0.0), Err(Stop::OutOfTime));
    }

    #[test]
    fn decorrelated_jitter_starts_from_base_delay() {
        let cfg = RetryConfig::new().max(10).jitter(Jitter::Decorrelated);
        let mut s = RetryState::new();
        assert_eq!(s.next_delay(&cfg, || true, || None, &mut || 1.0), Ok(MS(300)));
        s.advance(MS(300));
        assert_eq!(s.next_delay(&cfg, || true, || None, &mut || 1.0), Ok(MS(900)));
    }
}
