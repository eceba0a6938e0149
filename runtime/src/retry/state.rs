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
    /// The next sleep would end past the wall-clock `budget`: the backoff delay's, or the
    /// error's `retry_after` hint's.
    OutOfTime,
    /// The error's `retry_after` hint asks for a longer wait than `max_delay`: the caller
    /// would wait longer than the policy allows for any single delay.
    HintTooLong,
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
    /// `uniform` returns a value in `[0, 1)` for the jitter. The delay is exact at any
    /// input (see [`RetryConfig::nominal_delay`] and the jitter's intervals on
    /// [`Jitter`](super::config::Jitter)); with a `budget`, a retry stops when
    /// `elapsed + delay > budget`, computed exactly (a sum past `Duration::MAX` stops it).
    /// Nothing changes until [`advance`](Self::advance).
    pub fn next_delay(
        &self,
        cfg: &RetryConfig,
        retryable: impl FnOnce() -> bool,
        elapsed: impl FnOnce() -> Option<Duration>,
        uniform: &mut impl FnMut() -> f64,
    ) -> Result<Duration, Stop> {
        self.next_sleep(cfg, retryable, || None, elapsed, uniform)
    }

    /// As [`next_delay`](Self::next_delay), with the error's `retry_after` hint: the sleep
    /// is `max(backoff delay, hint)`, so the next attempt never starts earlier than the
    /// error asks.
    ///
    /// `hint` is asked only when another attempt is allowed and `retryable` said yes. A hint
    /// above `max_delay` stops with [`Stop::HintTooLong`]; a sleep (hinted or not) that
    /// would end past `budget` stops with [`Stop::OutOfTime`]. The deadline of an enclosing
    /// timeout is the caller's check, on the sleep this returns.
    ///
    /// ```
    /// use std::time::Duration;
    /// # use resile_runtime as resile;
    /// use resile::retry::{Jitter, RetryConfig, RetryState, Stop};
    ///
    /// let cfg = RetryConfig::new().max(3).jitter(Jitter::None).max_delay(Duration::from_secs(1));
    /// let s = RetryState::new();
    /// let ms = Duration::from_millis;
    /// // The hint is longer than the backoff (100 ms): it wins.
    /// assert_eq!(s.next_sleep(&cfg, || true, || Some(ms(250)), || None, &mut || 0.0), Ok(ms(250)));
    /// // Shorter: the backoff wins.
    /// assert_eq!(s.next_sleep(&cfg, || true, || Some(ms(20)), || None, &mut || 0.0), Ok(ms(100)));
    /// // Above `max_delay`: stop.
    /// assert_eq!(s.next_sleep(&cfg, || true, || Some(ms(1001)), || None, &mut || 0.0), Err(Stop::HintTooLong));
    /// ```
    pub fn next_sleep(
        &self,
        cfg: &RetryConfig,
        retryable: impl FnOnce() -> bool,
        hint: impl FnOnce() -> Option<Duration>,
        elapsed: impl FnOnce() -> Option<Duration>,
        uniform: &mut impl FnMut() -> f64,
    ) -> Result<Duration, Stop> {
        if self.attempt >= cfg.max {
            return Err(Stop::Exhausted);
        }
        if !retryable() {
            return Err(Stop::NotRetryable);
        }
        let mut delay = backoff::sleep(cfg, self.attempt, self.previous, uniform);
        if let Some(hint) = hint() {
            if hint > cfg.max_delay {
                return Err(Stop::HintTooLong);
            }
            delay = delay.max(hint);
        }
        // A sum past `Duration::MAX` ends past any budget: no saturation that could equal it.
        if let Some(limit) = cfg.budget
            && let Some(elapsed) = elapsed()
            && elapsed.checked_add(delay).is_none_or(|end| end > limit)
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

    #[test]
    fn a_budget_near_duration_max_counts_the_sum_exactly() {
        let cfg = RetryConfig::new().max(10).jitter(Jitter::None).budget(Duration::MAX);
        let s = RetryState::new();
        let next = |elapsed: Duration| s.next_delay(&cfg, || true, || Some(elapsed), &mut || 0.0);
        // Ends exactly at the budget: allowed.
        assert_eq!(next(Duration::MAX - MS(100)), Ok(MS(100)));
        // Would end 1 ns past Duration::MAX (a saturating sum would equal the budget).
        assert_eq!(next(Duration::MAX - MS(100) + Duration::from_nanos(1)), Err(Stop::OutOfTime));
        assert_eq!(next(Duration::MAX), Err(Stop::OutOfTime));
        let tighter = cfg.budget(Duration::MAX - Duration::from_nanos(1));
        let s = RetryState::new();
        assert_eq!(
            s.next_delay(&tighter, || true, || Some(Duration::MAX - MS(100)), &mut || 0.0),
            Err(Stop::OutOfTime)
        );
        // A Duration::MAX delay under a Duration::MAX budget: only from zero elapsed.
        let huge = cfg.base_delay(Duration::MAX).max_delay(Duration::MAX);
        assert_eq!(s.next_delay(&huge, || true, || Some(Duration::ZERO), &mut || 0.0), Ok(Duration::MAX));
        assert_eq!(s.next_delay(&huge, || true, || Some(Duration::from_nanos(1)), &mut || 0.0), Err(Stop::OutOfTime));
    }

    #[test]
    fn a_hint_is_a_floor_under_the_backoff_and_counts_against_the_budget() {
        let cfg = RetryConfig::new().max(5).jitter(Jitter::None).max_delay(MS(500)).budget(MS(1000));
        let s = RetryState::new();
        let next = |hint: Option<Duration>, elapsed: Duration| {
            s.next_sleep(&cfg, || true, || hint, || Some(elapsed), &mut || 0.0)
        };
        assert_eq!(next(None, MS(0)), Ok(MS(100)));
        assert_eq!(next(Some(MS(100) + Duration::from_nanos(1)), MS(0)), Ok(MS(100) + Duration::from_nanos(1)));
        assert_eq!(next(Some(MS(500)), MS(0)), Ok(MS(500)), "a hint equal to max_delay is kept");
        assert_eq!(next(Some(MS(500) + Duration::from_nanos(1)), MS(0)), Err(Stop::HintTooLong));
        assert_eq!(next(Some(MS(400)), MS(600)), Ok(MS(400)), "ends exactly at the budget");
        assert_eq!(next(Some(MS(400)), MS(600) + Duration::from_nanos(1)), Err(Stop::OutOfTime));
    }

    #[test]
    fn the_hint_is_not_asked_for_an_error_that_is_not_retried() {
        let cfg = RetryConfig::new().max(2);
        let hint = || -> Option<Duration> { panic!("no hint is asked for") };
        assert_eq!(RetryState::new().next_sleep(&cfg, || false, hint, || None, &mut || 0.0), Err(Stop::NotRetryable));
        let mut s = RetryState::new();
        s.advance(MS(1));
        assert_eq!(s.next_sleep(&cfg, || true, hint, || None, &mut || 0.0), Err(Stop::Exhausted));
    }

    proptest::proptest! {
        #[test]
        fn the_budget_stops_exactly_when_the_sleep_would_end_past_it(
            base in 0..=Duration::MAX.as_nanos(),
            elapsed in 0..=Duration::MAX.as_nanos(),
            budget in 1..=Duration::MAX.as_nanos(),
        ) {
            let ns = |n: u128| Duration::new((n / 1_000_000_000) as u64, (n % 1_000_000_000) as u32);
            let cfg = RetryConfig::new()
                .max(2)
                .jitter(Jitter::None)
                .base_delay(ns(base))
                .max_delay(Duration::MAX)
                .budget(ns(budget));
            let next = RetryState::new().next_delay(&cfg, || true, || Some(ns(elapsed)), &mut || 0.0);
            let expected = if elapsed + base > budget { Err(Stop::OutOfTime) } else { Ok(ns(base)) };
            proptest::prop_assert_eq!(next, expected);
        }
    }
}
