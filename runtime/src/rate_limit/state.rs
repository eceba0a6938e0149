//! The tokio-free core of the rate limiter: a GCRA whose whole state is one 128-bit atomic
//! (the theoretical arrival time, TAT, in units of `1/q` ns), with the time passed in as
//! nanoseconds since the limiter's origin, so loom and proptest drive it directly.

use std::fmt;
use std::time::Duration;

use resile_config::duration::from_nanos;

use super::config::RateLimitConfig;
use crate::kit::Swap;
use crate::sync::{AtomicU128, Mutex, Ordering, lock, spin};

/// The TAT of a bucket that a reconfiguration replaced: a call that reads it loads the new
/// bucket and decides there. A live TAT never comes near it (at most `2^125`).
const SEALED: u128 = u128::MAX;

/// The state of one configuration: its exact constants and its TAT.
///
/// With the rate as the fraction `a/b` tokens per second, the emission interval (the time
/// one token takes to come back) is `T = 10^9·b/a` ns `= p/q` ns in lowest terms; the unit
/// of time is `1/q` ns, so `T` is `p` units, a call of weight `w` costs `w·p` units, and
/// the bucket's tolerance (`burst_size` tokens) is `tau = floor(burst_size·p)` units. Every
/// instant the limiter compares is a whole number of units: no rounding, so no drift.
pub(crate) struct Bucket {
    pub(crate) config: RateLimitConfig,
    /// Units per nanosecond.
    q: u64,
    /// The emission interval in units.
    p: u128,
    /// The tolerance in units: `burst_size` tokens.
    tau: u128,
    /// The theoretical arrival time in units since the origin; 0 (or any instant not after
    /// now) is a full bucket.
    tat: AtomicU128,
}

impl fmt::Debug for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bucket")
            .field("p", &self.p)
            .field("q", &self.q)
            .field("tau", &self.tau)
            .field("tat", &self.tat.load(Ordering::Relaxed))
            .finish()
    }
}

/// The answer for one call.
#[derive(Debug)]
pub enum Decision<'a> {
    /// The call takes its tokens and runs now.
    Admit,
    /// The call took its tokens now and may run at `at` (time since the origin): the first
    /// whole nanosecond at which the bucket holds them, within `max_wait` of now. If it gives
    /// up before, [`Reservation::give_back`] returns them when no other call took tokens
    /// after it.
    AdmitAt {
        /// When the call may run, since the limiter's origin.
        at: Duration,
        /// The tokens it holds.
        reservation: Reservation<'a>,
    },
    /// Refused: the call took no tokens. `retry_after` is exact to the nanosecond: a call
    /// of the same weight made `retry_after` later is admitted (if nothing else took tokens
    /// in between), one made a nanosecond earlier is not. [`Duration::MAX`] when the weight
    /// exceeds the burst (the bucket never holds that many tokens).
    Deny {
        /// How long until the call would be admitted.
        retry_after: Duration,
    },
}

/// The tokens a waiting call took, for giving them back if it is cancelled.
#[derive(Debug)]
#[must_use = "a reservation does nothing unless given back"]
pub struct Reservation<'a> {
    bucket: &'a Bucket,
    /// The TAT the call's admission wrote.
    tat: u128,
    /// What the call took, in units.
    cost: u128,
}

impl Reservation<'_> {
    /// Gives the tokens back, exactly: the TAT goes back to what it was before this call, as
    /// if it had never asked, provided it is still the TAT this call wrote (no call took
    /// tokens after it, and no reconfiguration replaced the bucket). Otherwise nothing
    /// changes (later calls' instants were computed behind this one, and cannot be moved)
    /// and the answer is `false`.
    ///
    /// One `compare_exchange`.
    pub fn give_back(self) -> bool {
        // Orderings: `Relaxed`; the TAT publishes no other memory, and one location's
        // read-modify-writes are totally ordered among themselves.
        self.bucket.tat.compare_exchange(self.tat, self.tat - self.cost, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

impl Bucket {
    /// The bucket of `config` (valid), with its TAT at `tat`.
    fn new(config: RateLimitConfig, tat: u128) -> Self {
        let (a, b) = config.rational_rate();
        debug_assert!(a > 0, "a rate limiter needs a valid rate");
        let interval = 1_000_000_000 * u128::from(b);
        let g = gcd(interval, u128::from(a));
        let (p, q) = (interval / g, (u128::from(a) / g) as u64);
        Bucket { config, q, p, tau: tolerance(config.burst(), p), tat: AtomicU128::new(tat) }
    }

    /// The decision for a call of `weight` tokens at `now` ns that waits at most `max_wait`
    /// ns; `None` if the bucket was sealed by a reconfiguration.
    ///
    /// An admitted call costs one load and one `compare_exchange_weak` (more if another call
    /// wins the race: the loop recomputes on the value it found); a refused call writes
    /// nothing.
    #[inline]
    pub(crate) fn decide(&self, now: u64, weight: u32, max_wait: u64) -> Option<Decision<'_>> {
        let n = u128::from(now) * u128::from(self.q);
        let cost = u128::from(weight) * self.p;
        // The common case inline: the tokens are there. `tat <= n + tau - cost` also rules
        // out `SEALED` (above any live instant); anything else goes out of line.
        if let Some(room) = self.tau.checked_sub(cost) {
            // Orderings: as below.
            let tat = self.tat.load(Ordering::Acquire);
            if tat <= n + room
                && self.tat.compare_exchange_weak(tat, tat.max(n) + cost, Ordering::Relaxed, Ordering::Acquire).is_ok()
            {
                return Some(Decision::Admit);
            }
        }
        self.decide_slow(now, weight, max_wait)
    }

    /// The fast path of [`decide`](Self::decide) alone: takes `weight` tokens at `now` ns
    /// if the bucket holds them and the first `compare_exchange_weak` succeeds; `false`
    /// otherwise (the tokens are not there, another call won the race, or the bucket was
    /// sealed), having written nothing.
    #[inline(always)]
    pub(crate) fn try_take(&self, now: u64, weight: u32) -> bool {
        let n = u128::from(now) * u128::from(self.q);
        let cost = u128::from(weight) * self.p;
        let Some(room) = self.tau.checked_sub(cost) else { return false };
        // Orderings: as in `decide_slow`.
        let tat = self.tat.load(Ordering::Acquire);
        tat <= n + room
            && self.tat.compare_exchange_weak(tat, tat.max(n) + cost, Ordering::Relaxed, Ordering::Acquire).is_ok()
    }

    /// [`decide`](Self::decide) when the tokens are not there (or another call won the race).
    #[cold]
    #[inline(never)]
    fn decide_slow(&self, now: u64, weight: u32, max_wait: u64) -> Option<Decision<'_>> {
        let n = u128::from(now) * u128::from(self.q);
        let cost = u128::from(weight) * self.p;
        if cost > self.tau {
            return Some(Decision::Deny { retry_after: Duration::MAX });
        }
        // Orderings: `Acquire` on the load and on a failed exchange, pairing with the seal's
        // `Release` (a call that reads `SEALED` goes back to the `Swap`, `Acquire` too). A
        // success needs nothing: the TAT publishes no other memory.
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            if tat == SEALED {
                return None;
            }
            // The call's tokens come back at `new`: `w·T` after the later of the TAT and
            // now (a TAT in the past is a full bucket).
            let new = tat.max(n) + cost;
            let waited = if new <= n + self.tau {
                None
            } else {
                // The bucket holds the tokens from `new - tau` units on; the first whole
                // nanosecond at or after it.
                let wait = (new - self.tau).div_ceil(u128::from(self.q)) - u128::from(now);
                if wait > u128::from(max_wait) {
                    return Some(Decision::Deny { retry_after: from_nanos(wait) });
                }
                Some(wait)
            };
            match self.tat.compare_exchange_weak(tat, new, Ordering::Relaxed, Ordering::Acquire) {
                Ok(_) => {
                    return Some(match waited {
                        None => Decision::Admit,
                        Some(wait) => Decision::AdmitAt {
                            at: from_nanos(u128::from(now) + wait),
                            reservation: Reservation { bucket: self, tat: new, cost },
                        },
                    });
                }
                Err(found) => tat = found,
            }
        }
    }

    /// The tokens the bucket holds at `now` ns (0 while waiting calls hold more than it
    /// had); `None` if sealed.
    fn tokens(&self, now: u64) -> Option<f64> {
        let tat = self.tat.load(Ordering::Acquire);
        if tat == SEALED {
            return None;
        }
        let n = u128::from(now) * u128::from(self.q);
        let free = (n + self.tau).saturating_sub(tat.max(n));
        Some(free as f64 / self.p as f64)
    }

    /// Seals the bucket and returns its last TAT.
    fn seal(&self) -> u128 {
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            // Orderings: `Release`; the new bucket is stored right after, and a call that
            // reads `SEALED` loads the pointer until it sees it.
            match self.tat.compare_exchange_weak(tat, SEALED, Ordering::Release, Ordering::Acquire) {
                Ok(_) => return tat,
                Err(found) => tat = found,
            }
        }
    }
}

/// `floor(burst·p)` exactly, from the exact binary value of `burst` (`1 <= burst <= 1e12`,
/// `p <= 10^15`, so the product is below `2^90`).
fn tolerance(burst: f64, p: u128) -> u128 {
    let bits = burst.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mantissa = u128::from((bits & ((1 << 52) - 1)) | 1 << 52);
    let product = mantissa * p;
    if exponent >= 0 { product << exponent } else { product >> exponent.unsigned_abs() }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A rate limiter: a lazy token bucket (GCRA) holding up to `burst_size` tokens, refilled at
/// `rate` tokens per second, starting full. No background task: the state is one
/// theoretical arrival time, updated by the calls themselves.
///
/// The methods here take the time as a value (time since the limiter's origin); the
/// tokio-facing ones (`call`, `stats`, [`RateLimiter::new`]) read tokio's clock.
pub struct RateLimiter {
    name: &'static str,
    pub(super) origin: std::time::Instant,
    /// The bucket of the configuration in force; a reconfiguration seals it and stores the
    /// next one.
    bucket: Swap<Bucket>,
    /// Serialises reconfigurations.
    reconfiguring: Mutex<()>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter").field("name", &self.name).field("bucket", self.bucket.load()).finish()
    }
}

/// What [`stats`](crate::rate_limit::RateLimiterHandle::stats) shows of a limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimiterStats {
    /// Tokens available now, `0.0..=burst_size` (0 while waiting calls hold more).
    pub tokens: f64,
    /// Tokens added per second, as configured.
    pub rate: f64,
    /// Tokens the bucket holds when full.
    pub burst_size: f64,
}

impl RateLimiterStats {
    /// The stats of a limiter that does not exist: all zero.
    pub const EMPTY: RateLimiterStats = RateLimiterStats { tokens: 0.0, rate: 0.0, burst_size: 0.0 };
}

/// Saturates a duration to whole nanoseconds in a `u64` (584 years), in 64-bit arithmetic
/// (`as_nanos` would build a `u128` and narrow it).
#[inline]
pub(super) fn nanos(d: Duration) -> u64 {
    d.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(d.subsec_nanos()))
}

impl RateLimiter {
    /// A limiter named `name` whose time counts from `origin`, starting full.
    ///
    /// # Panics
    /// If `config` is invalid (see [`RateLimitConfig::validate`]).
    pub fn with_origin(name: &'static str, config: RateLimitConfig, origin: std::time::Instant) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid rate limiter config for `{name}`: {e}");
        }
        RateLimiter { name, origin, bucket: Swap::new(Bucket::new(config, 0)), reconfiguring: Mutex::new(()) }
    }

    /// The name, as rejections and telemetry show it.
    #[inline]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The settings in force.
    pub fn config(&self) -> RateLimitConfig {
        self.bucket.load().config
    }

    /// The decision for a call of `weight` tokens at `now` (time since the origin) that
    /// waits at most `max_wait`. See [`Decision`].
    pub fn decide_at(&self, now: Duration, weight: u32, max_wait: Duration) -> Decision<'_> {
        self.decide_nanos(nanos(now), weight, nanos(max_wait))
    }

    #[inline]
    pub(super) fn decide_nanos(&self, now: u64, weight: u32, max_wait: u64) -> Decision<'_> {
        loop {
            if let Some(decision) = self.bucket.load().decide(now, weight, max_wait) {
                return decision;
            }
            sealed();
        }
    }

    /// Takes `weight` tokens at `now` ns if the bucket holds them (see [`Bucket::try_take`]).
    #[inline(always)]
    pub(super) fn try_take_at(&self, now: u64, weight: u32) -> bool {
        self.bucket.load().try_take(now, weight)
    }

    /// Tokens available at `now` (time since the origin), rate and burst.
    pub fn stats_at(&self, now: Duration) -> RateLimiterStats {
        loop {
            let bucket = self.bucket.load();
            if let Some(tokens) = bucket.tokens(nanos(now)) {
                let config = bucket.config;
                return RateLimiterStats { tokens, rate: config.rate, burst_size: config.burst() };
            }
            sealed();
        }
    }

    /// Puts `config` (valid) in force at `now` (time since the origin). The tokens missing
    /// from the bucket stay missing (converted to the new rate's units, rounded towards
    /// fewer tokens), so a reconfiguration never hands out a fresh burst; a smaller burst
    /// caps what is available. Calls that decided before keep their decision; a waiting
    /// call's tokens can no longer be given back.
    ///
    /// # Panics
    /// If `config` is invalid.
    pub fn reconfigure_at(&self, config: RateLimitConfig, now: Duration) {
        if let Err(e) = config.validate() {
            panic!("invalid rate limiter config for `{}`: {e}", self.name);
        }
        let _one_at_a_time = lock(&self.reconfiguring);
        let old = self.bucket.load();
        let now = nanos(now);
        let mut next = Bucket::new(config, 0);
        // Seal first, so no call takes tokens from the old bucket after its TAT is read.
        let tat = old.seal();
        let missing = tat.saturating_sub(u128::from(now) * u128::from(old.q));
        let missing = match missing.checked_mul(next.p) {
            Some(m) => m.div_ceil(old.p),
            None => missing.div_ceil(old.p).saturating_mul(next.p),
        };
        next.tat = AtomicU128::new(u128::from(now) * u128::from(next.q) + missing);
        self.bucket.store(next);
    }
}

impl RateLimiter {
    /// Full again, with the settings in force: what [`Handle::reset`](crate::kit::Handle::reset)
    /// and `resile::testing::reset_all()` do. Calls that decided before keep their decision;
    /// a waiting call's tokens can no longer be given back.
    pub fn reset(&self) {
        let _one_at_a_time = lock(&self.reconfiguring);
        let old = self.bucket.load();
        old.seal();
        self.bucket.store(Bucket::new(old.config, 0));
    }
}

/// A reconfiguration sealed the bucket a call loaded: load again (the next bucket is stored
/// within a few instructions).
#[cold]
#[inline(never)]
fn sealed() {
    spin();
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn limiter(config: RateLimitConfig) -> RateLimiter {
        RateLimiter::with_origin("test", config, std::time::Instant::now())
    }

    fn decide(l: &RateLimiter, now: u64, weight: u32, max_wait: u64) -> Result<Option<u64>, u64> {
        match l.decide_nanos(now, weight, max_wait) {
            Decision::Admit => Ok(None),
            Decision::AdmitAt { at, reservation } => {
                drop(reservation); // kept: a reservation gives nothing back unless asked
                Ok(Some(nanos(at)))
            }
            Decision::Deny { retry_after } => Err(nanos(retry_after)),
        }
    }

    #[test]
    fn constants_are_exact() {
        let b = Bucket::new(RateLimitConfig::new(3.0), 0);
        assert_eq!((b.p, b.q, b.tau), (1_000_000_000, 3, 3_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(33.3).burst_size(2.5), 0);
        assert_eq!((b.p, b.q, b.tau), (10_000_000_000, 333, 25_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(1e12), 0);
        assert_eq!((b.p, b.q, b.tau), (1, 1000, 1_000_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(0.5).burst_size(1.0), 0);
        assert_eq!((b.p, b.q, b.tau), (2_000_000_000, 1, 2_000_000_000));
    }

    #[test]
    fn full_at_start_then_exact_retry_after() {
        let l = limiter(RateLimitConfig::new(3.0));
        for _ in 0..3 {
            assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        }
        assert_eq!(decide(&l, 0, 1, 0), Err(333_333_334));
        assert_eq!(decide(&l, 333_333_333, 1, 0), Err(1));
        assert_eq!(decide(&l, 333_333_334, 1, 0), Ok(None));
        // The second token comes back at 2/3 s exactly: 666 666 667 ns is the first whole one.
        assert_eq!(decide(&l, 333_333_334, 1, 0), Err(333_333_333));
        assert_eq!(decide(&l, 666_666_667, 1, 0), Ok(None));
        assert_eq!(decide(&l, SEC, 1, 0), Ok(None));
        assert_eq!(decide(&l, SEC, 1, 0), Err(333_333_334));
    }

    #[test]
    fn max_wait_is_inclusive_and_a_waiter_holds_its_tokens() {
        let l = limiter(RateLimitConfig::new(3.0).burst_size(1.0));
        assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        assert_eq!(decide(&l, 0, 1, 333_333_333), Err(333_333_334));
        assert_eq!(decide(&l, 0, 1, 333_333_334), Ok(Some(333_333_334)));
        // The waiter holds the next token: the following call waits behind it.
        assert_eq!(decide(&l, 0, 1, 0), Err(666_666_667));
        assert_eq!(l.stats_at(Duration::ZERO).tokens, 0.0);
    }

    #[test]
    fn weight_takes_several_tokens_and_above_the_burst_never() {
        let l = limiter(RateLimitConfig::new(10.0).burst_size(5.0));
        assert_eq!(decide(&l, 0, 3, 0), Ok(None));
        assert_eq!(decide(&l, 0, 3, 0), Err(100_000_000));
        assert_eq!(decide(&l, 0, 2, 0), Ok(None));
        assert_eq!(decide(&l, 0, 6, 0), Err(u64::MAX));
        assert!(matches!(l.decide_nanos(0, 6, u64::MAX), Decision::Deny { retry_after: Duration::MAX }));
    }

    #[test]
    fn a_cancelled_waiter_gives_back_only_while_it_is_last() {
        let l = limiter(RateLimitConfig::new(1.0).burst_size(1.0));
        assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        let Decision::AdmitAt { reservation, .. } = l.decide_nanos(0, 1, 2 * SEC) else { panic!() };
        assert!(reservation.give_back());
        assert_eq!(decide(&l, 0, 1, 0), Err(SEC));
        let Decision::AdmitAt { reservation: first, .. } = l.decide_nanos(0, 1, 2 * SEC) else { panic!() };
        let Decision::AdmitAt { reservation: second, .. } = l.decide_nanos(0, 1, 2 * SEC) else { panic!() };
        assert!(!first.give_back());
        assert!(second.give_back());
        assert_eq!(decide(&l, 0, 1, 0), Err(2 * SEC));
    }

    #[test]
    fn fractional_bursts_and_stats() {
        let l = limiter(RateLimitConfig::new(2.0).burst_size(2.5));
        assert_eq!(l.stats_at(Duration::ZERO), RateLimiterStats { tokens: 2.5, rate: 2.0, burst_size: 2.5 });
        assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        assert_eq!(decide(&l, 0, 1, 0), Err(250_000_000));
        assert_eq!(l.stats_at(Duration::from_millis(100)).tokens, 0.7);
    }

    #[test]
    fn reconfiguring_keeps_the_missing_tokens() {
        let l = limiter(RateLimitConfig::new(10.0));
        for _ in 0..10 {
            assert_eq!(decide(&l, 0, 1, 0), Ok(None));
        }
        // 0 of 10 tokens at 0.5 s... 5 back; at the new rate, 5 still missing out of 20.
        l.reconfigure_at(RateLimitConfig::new(20.0), Duration::from_millis(500));
        assert_eq!(l.stats_at(Duration::from_millis(500)).tokens, 15.0);
        assert_eq!(l.config(), RateLimitConfig::new(20.0));
        l.reconfigure_at(RateLimitConfig::new(20.0).burst_size(2.0), Duration::from_millis(500));
        assert_eq!(l.stats_at(Duration::from_millis(500)).tokens, 0.0);
        assert_eq!(decide(&l, 500_000_000, 1, 0), Err(200_000_000));
    }
}
