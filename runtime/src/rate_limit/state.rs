//! The tokio-free core of the rate limiter: a GCRA whose whole state is one atomic, the
//! theoretical arrival time (TAT) in units of `1/q` ns since the bucket's epoch, with the
//! time passed in as nanoseconds since the limiter's origin, so loom and proptest drive it
//! directly.

use std::fmt;
use std::time::Duration;

use resile_config::duration::from_nanos;

use super::config::RateLimitConfig;
use crate::kit::Swap;
use crate::kit::clock::Since;
use crate::sync::{AtomicU64, AtomicU128, Mutex, Ordering, lock};

/// The TAT of a bucket that was replaced (a reconfiguration, or a move to a new epoch or to
/// 128 bits): a call that reads it loads the new bucket and decides there. A live TAT never
/// comes near it (at most `2^63` narrow, `2^126` wide).
const SEALED: u128 = u128::MAX;
const SEALED_NARROW: u64 = u64::MAX;

/// A narrow bucket's `now` stays below this many units from its epoch.
const NARROW_SPAN_UNITS: u64 = 1 << 62;
/// A narrow bucket's TAT stays at or below this: past it, the limiter moves to 128 bits.
const NARROW_MAX_TAT: u64 = 1 << 63;
/// The largest tolerance a narrow bucket takes (`burst_size` tokens, in units).
const NARROW_MAX_TAU: u128 = 1 << 60;
/// A narrow bucket must last at least this long before it moves to a new epoch (1 hour):
/// a rate whose units are finer than that uses 128 bits.
const NARROW_MIN_SPAN_NS: u64 = 3_600_000_000_000;

/// The TAT, in 64 bits when the rate's units allow it, else in 128.
enum Tat {
    /// Valid for `span` ns after the epoch (then the limiter moves to a new epoch), and
    /// while the TAT stays at or below `NARROW_MAX_TAT` (else it moves to 128 bits).
    Narrow {
        tat: AtomicU64,
        span: u64,
        p: u64,
        tau: u64,
        /// The largest weight the bucket holds (`floor(tau / p)`, at most `u32::MAX`).
        max_weight: u32,
    },
    Wide(AtomicU128),
}

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
    /// Nanoseconds since the limiter's origin at which this bucket's units start.
    epoch: u64,
    /// The theoretical arrival time in units since the epoch; 0 (or any instant not after
    /// now) is a full bucket.
    tat: Tat,
}

impl fmt::Debug for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bucket")
            .field("p", &self.p)
            .field("q", &self.q)
            .field("tau", &self.tau)
            .field("epoch", &self.epoch)
            .field("narrow", &matches!(self.tat, Tat::Narrow { .. }))
            .field("tat", &self.load())
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
        self.bucket.exchange(self.tat, self.tat - self.cost, true).is_ok()
    }
}

/// Why a bucket cannot decide a call: the limiter replaces it, or already did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outgrown {
    /// A reconfiguration sealed it: load the next one.
    Sealed,
    /// A narrow bucket's span ended (`now` is too far from its epoch): move to a new epoch.
    Span,
    /// A narrow bucket cannot hold the TAT this call would write: move to 128 bits.
    Width,
}

impl Bucket {
    /// The bucket of `config` (valid) whose units start at `epoch` ns, with its TAT at
    /// `tat` units: narrow (64 bits) when the rate's units, the tolerance and `tat` fit
    /// (see [`RateLimiter`]'s "Exact arithmetic"), unless `wide`.
    fn new(config: RateLimitConfig, epoch: u64, tat: u128, wide: bool) -> Self {
        let (a, b) = config.rational_rate();
        debug_assert!(a > 0, "a rate limiter needs a valid rate");
        let interval = 1_000_000_000 * u128::from(b);
        let g = gcd(interval, u128::from(a));
        let (p, q) = (interval / g, (u128::from(a) / g) as u64);
        let tau = tolerance(config.burst(), p);
        let span = NARROW_SPAN_UNITS / q;
        let fits = tau <= NARROW_MAX_TAU
            && span >= NARROW_MIN_SPAN_NS
            && tat < u128::from(NARROW_SPAN_UNITS)
            && epoch < 1 << 62;
        let tat = if fits && !wide {
            // `p <= tau` (a valid burst is at least one token) and `tat`, `tau` below 2^62.
            let max_weight = u32::try_from(tau / p).unwrap_or(u32::MAX);
            Tat::Narrow { tat: AtomicU64::new(tat as u64), span, p: p as u64, tau: tau as u64, max_weight }
        } else {
            Tat::Wide(AtomicU128::new(tat))
        };
        Bucket { config, q, p, tau, epoch, tat }
    }

    /// Sets the TAT of this bucket, not yet published, to `tat` units; a TAT a narrow bucket
    /// cannot hold makes it wide (unless `wide` already).
    fn carry(&mut self, tat: u128, wide: bool) {
        match &mut self.tat {
            Tat::Narrow { tat: narrow, .. } if tat < u128::from(NARROW_SPAN_UNITS) => {
                *narrow = AtomicU64::new(tat as u64)
            }
            Tat::Narrow { .. } => *self = Bucket::new(self.config, self.epoch, tat, wide),
            Tat::Wide(wide) => *wide = AtomicU128::new(tat),
        }
    }

    /// The TAT (`SEALED` if sealed).
    fn load(&self) -> u128 {
        // Orderings: `Acquire`, pairing with the seal's `Release` (a call that reads
        // `SEALED` goes back to the `Swap`, `Acquire` too).
        match &self.tat {
            Tat::Narrow { tat, .. } => match tat.load(Ordering::Acquire) {
                SEALED_NARROW => SEALED,
                tat => u128::from(tat),
            },
            Tat::Wide(tat) => tat.load(Ordering::Acquire),
        }
    }

    /// Replaces the TAT `current` with `new` (`new` fits the width, or is `SEALED`); the TAT
    /// found otherwise. `strong`: no spurious failure.
    fn exchange(&self, current: u128, new: u128, strong: bool) -> Result<(), u128> {
        // Orderings: `Relaxed` on success, the TAT publishes no other memory, and one
        // location's read-modify-writes are totally ordered among themselves; `Acquire` on
        // failure, as `load`. Sealing is `Release` (see `seal`).
        let success = if new == SEALED { Ordering::Release } else { Ordering::Relaxed };
        match &self.tat {
            Tat::Narrow { tat, .. } => {
                let (current, new) = (current as u64, if new == SEALED { SEALED_NARROW } else { new as u64 });
                let result = if strong {
                    tat.compare_exchange(current, new, success, Ordering::Acquire)
                } else {
                    tat.compare_exchange_weak(current, new, success, Ordering::Acquire)
                };
                result.map(drop).map_err(|found| if found == SEALED_NARROW { SEALED } else { u128::from(found) })
            }
            Tat::Wide(tat) => {
                let result = if strong {
                    tat.compare_exchange(current, new, success, Ordering::Acquire)
                } else {
                    tat.compare_exchange_weak(current, new, success, Ordering::Acquire)
                };
                result.map(drop)
            }
        }
    }

    /// The fast path of [`decide`](Self::decide) alone: takes `weight` tokens at `now` ns
    /// if the bucket holds them and the first `compare_exchange_weak` succeeds; `false`
    /// otherwise (the tokens are not there, another call won the race, the bucket was
    /// sealed or has outgrown its width), having written nothing.
    ///
    /// A narrow bucket: a subtraction and a comparison for the span, two 64-bit
    /// multiplications, one 64-bit load and one 64-bit `compare_exchange_weak`.
    #[inline(always)]
    pub(crate) fn try_take(&self, now: u64, weight: u32) -> bool {
        let since = now.wrapping_sub(self.epoch);
        match &self.tat {
            &Tat::Narrow { ref tat, span, p, tau, max_weight } => {
                // `since < span` keeps `n` below 2^62 and rules out a `now` before the
                // epoch, which wraps (and so one before the origin, unchecked, see
                // `try_take_now`, which wraps to at least 2^63, while a narrow epoch is below
                // 2^62); `n + room` and the new TAT stay below 2^63.
                if since >= span || weight > max_weight {
                    return false;
                }
                let n = since * self.q;
                // At most `tau`: `weight <= floor(tau / p)`.
                let cost = u64::from(weight) * p;
                let room = tau - cost;
                // Orderings: as in `load` and `exchange`. `SEALED_NARROW` fails the test.
                let current = tat.load(Ordering::Acquire);
                current <= n + room
                    && tat
                        .compare_exchange_weak(current, current.max(n) + cost, Ordering::Relaxed, Ordering::Acquire)
                        .is_ok()
            }
            Tat::Wide(tat) => {
                // Rules out a `now` before the epoch (which wraps) and one of more than 146
                // years (a `now` before the origin, unchecked, see `try_take_now`).
                if since > now || now >= 1 << 62 {
                    return false;
                }
                let n = u128::from(since) * u128::from(self.q);
                let cost = u128::from(weight) * self.p;
                let Some(room) = self.tau.checked_sub(cost) else { return false };
                // Orderings: as in `load` and `exchange`. `SEALED` fails the test.
                let current = tat.load(Ordering::Acquire);
                current <= n + room
                    && tat
                        .compare_exchange_weak(current, current.max(n) + cost, Ordering::Relaxed, Ordering::Acquire)
                        .is_ok()
            }
        }
    }

    /// The decision for a call of `weight` tokens at `now` ns that waits at most `max_wait`
    /// ns; `Err` if the bucket cannot decide it (see [`Outgrown`]).
    ///
    /// An admitted call costs one load and one `compare_exchange_weak` (more if another call
    /// wins the race: the loop recomputes on the value it found); a refused call writes
    /// nothing.
    #[inline]
    pub(crate) fn decide(&self, now: u64, weight: u32, max_wait: u64) -> Result<Decision<'_>, Outgrown> {
        if self.try_take(now, weight) {
            return Ok(Decision::Admit);
        }
        self.decide_slow(now, weight, max_wait)
    }

    /// `now` in units since the epoch; negative for a call that read the clock before a
    /// move to a new epoch and decides after it.
    fn units(&self, now: u64) -> i128 {
        (i128::from(now) - i128::from(self.epoch)) * i128::from(self.q)
    }

    /// [`decide`](Self::decide) when the fast path did not admit the call.
    #[cold]
    #[inline(never)]
    fn decide_slow(&self, now: u64, weight: u32, max_wait: u64) -> Result<Decision<'_>, Outgrown> {
        let cost = u128::from(weight) * self.p;
        if cost > self.tau {
            return Ok(Decision::Deny { retry_after: Duration::MAX });
        }
        if let Tat::Narrow { span, .. } = self.tat
            && now >= self.epoch
            && now - self.epoch >= span
        {
            return Err(Outgrown::Span);
        }
        let n = self.units(now);
        let mut tat = self.load();
        loop {
            if tat == SEALED {
                return Err(Outgrown::Sealed);
            }
            // The call's tokens come back at `new`: `w·T` after the later of the TAT and
            // now (a TAT in the past is a full bucket). Below 2^127: `tat < 2^126`, `n`
            // below `2^124`.
            let new = (tat as i128).max(n) as u128 + cost;
            // How far past the tolerance from now `new` lies, in units.
            let over = new as i128 - self.tau as i128 - n;
            let waited = if over <= 0 {
                None
            } else {
                // The bucket holds the tokens from `new - tau` units on: the first whole
                // nanosecond at or after it (`n` is whole nanoseconds).
                let wait = (over as u128).div_ceil(u128::from(self.q));
                if wait > u128::from(max_wait) {
                    return Ok(Decision::Deny { retry_after: from_nanos(wait) });
                }
                Some(wait)
            };
            if matches!(self.tat, Tat::Narrow { .. }) && new > u128::from(NARROW_MAX_TAT) {
                return Err(Outgrown::Width);
            }
            match self.exchange(tat, new, false) {
                Ok(()) => {
                    return Ok(match waited {
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
        let tat = self.load();
        if tat == SEALED {
            return None;
        }
        let n = self.units(now);
        let free = (n + self.tau as i128 - (tat as i128).max(n)).max(0);
        Some(free as f64 / self.p as f64)
    }

    /// The units the bucket is missing at `now` ns (`tat - now`, 0 when full): what a
    /// replacement carries over.
    fn missing(&self, tat: u128, now: u64) -> u128 {
        (tat as i128 - self.units(now)).max(0) as u128
    }

    /// Seals the bucket and returns its last TAT.
    fn seal(&self) -> u128 {
        let mut tat = self.load();
        loop {
            // Orderings: `Release` (in `exchange`); the new bucket is stored right after,
            // and a call that reads `SEALED` loads the pointer until it sees it.
            match self.exchange(tat, SEALED, false) {
                Ok(()) => return tat,
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
    /// Reads the time since `origin` without std's subtraction, where the platform allows.
    pub(super) since: Option<Since>,
    /// The bucket of the configuration in force; a reconfiguration seals it and stores the
    /// next one.
    bucket: Swap<Bucket>,
    /// Serialises reconfigurations.
    reconfiguring: Mutex<()>,
    /// The largest `weight` of the call sites that resolved to this limiter, which live
    /// configuration may not lower the burst below (read at an operator's pace only).
    heaviest_site: std::sync::atomic::AtomicU32,
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
        RateLimiter {
            name,
            origin,
            since: Since::new(origin),
            bucket: Swap::new(Bucket::new(config, 0, 0, false)),
            reconfiguring: Mutex::new(()),
            heaviest_site: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Records that a call site taking `weight` tokens per call uses this limiter.
    pub(super) fn site_weight(&self, weight: u32) {
        self.heaviest_site.fetch_max(weight, std::sync::atomic::Ordering::Relaxed);
    }

    /// The largest `weight` of the call sites that use this limiter (0 before any).
    pub(super) fn heaviest_site(&self) -> u32 {
        self.heaviest_site.load(std::sync::atomic::Ordering::Relaxed)
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
            let bucket = self.bucket.load();
            match bucket.decide(now, weight, max_wait) {
                Ok(decision) => return decision,
                Err(Outgrown::Sealed) => sealed(),
                Err(outgrown) => self.outgrown(bucket, outgrown, now),
            }
        }
    }

    /// Replaces `bucket`, which can no longer decide calls at `now` ns: the same
    /// configuration and TAT, in units from a new epoch (`now`), or in 128 bits. Nothing if
    /// another call replaced it first.
    #[cold]
    #[inline(never)]
    fn outgrown(&self, bucket: &Bucket, outgrown: Outgrown, now: u64) {
        let _one_at_a_time = lock(&self.reconfiguring);
        if !std::ptr::eq(self.bucket.load(), bucket) {
            return;
        }
        let wide = outgrown == Outgrown::Width;
        let next = Box::new(Bucket::new(bucket.config, now, 0, wide));
        self.replace(bucket, next, wide, |tat| bucket.missing(tat, now));
    }

    /// Puts `next` in force in place of `old` (the bucket in force; the caller holds
    /// `reconfiguring`), with its TAT at `carried(old's last TAT)` units. `next` comes built
    /// and boxed: between the seal and the store, calls wait (`sealed`) only for the TAT to
    /// be carried over. The seal comes first, so no call takes tokens from `old` after its
    /// TAT is read.
    fn replace(&self, old: &Bucket, mut next: Box<Bucket>, wide: bool, carried: impl FnOnce(u128) -> u128) {
        let tat = old.seal();
        next.carry(carried(tat), wide);
        self.bucket.store_box(next);
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
        let next = Box::new(Bucket::new(config, now, 0, false));
        let p = next.p;
        self.replace(old, next, false, |tat| {
            // The tokens missing, in the new units, rounded towards fewer tokens.
            let missing = old.missing(tat, now);
            match missing.checked_mul(p) {
                Some(m) => m.div_ceil(old.p),
                None => missing.div_ceil(old.p).saturating_mul(p),
            }
        });
    }
}

impl RateLimiter {
    /// The same limiter with its state in 128 bits whatever the rate, so the loom models
    /// cover both widths.
    #[cfg(loom)]
    pub fn wide(self) -> Self {
        let config = self.config();
        self.bucket.store(Bucket::new(config, 0, 0, true));
        self
    }

    /// Full again, with the settings in force: what [`Handle::reset`](crate::kit::Handle::reset)
    /// and `resile::testing::reset_all()` do. Calls that decided before keep their decision;
    /// a waiting call's tokens can no longer be given back.
    pub fn reset(&self) {
        let _one_at_a_time = lock(&self.reconfiguring);
        let old = self.bucket.load();
        self.replace(old, Box::new(Bucket::new(old.config, 0, 0, false)), false, |_| 0);
    }
}

/// A replacement sealed the bucket a call loaded: load again. The next bucket is built
/// before the seal and stored right after the TAT is carried over; the thread doing it may
/// still be preempted in between, so a waiting call yields its time slice rather than spin.
#[cold]
#[inline(never)]
fn sealed() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    crate::sync::spin();
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
        let b = Bucket::new(RateLimitConfig::new(3.0), 0, 0, false);
        assert_eq!((b.p, b.q, b.tau), (1_000_000_000, 3, 3_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(33.3).burst_size(2.5), 0, 0, false);
        assert_eq!((b.p, b.q, b.tau), (10_000_000_000, 333, 25_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(1e12), 0, 0, false);
        assert_eq!((b.p, b.q, b.tau), (1, 1000, 1_000_000_000_000));
        let b = Bucket::new(RateLimitConfig::new(0.5).burst_size(1.0), 0, 0, false);
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

    fn narrow(l: &RateLimiter) -> bool {
        matches!(l.bucket.load().tat, Tat::Narrow { .. })
    }

    #[test]
    fn the_width_follows_the_units() {
        // q = 1 (rate 1000): 2^62 ns, 146 years, from each epoch.
        assert!(narrow(&limiter(RateLimitConfig::new(1000.0))));
        // q = 1000 (rate 10^12): 53 days.
        assert!(narrow(&limiter(RateLimitConfig::new(1e12))));
        // q = 858 993 459 (rate 2^32 - 1): 5 s, shorter than an hour.
        assert!(!narrow(&limiter(RateLimitConfig::new(4_294_967_295.0))));
        // A tolerance above 2^60 units: 10^6 tokens of 10^6 s each.
        assert!(!narrow(&limiter(RateLimitConfig::new(1e-6).burst_size(1e6))));
    }

    /// Rate 999 983 per second (prime): `q = 999 983`, so a narrow bucket's span is
    /// `floor(2^62 / q)` ns, about 77 minutes. Across several spans, every answer is the one
    /// the 128-bit bucket gives.
    #[test]
    fn a_new_epoch_changes_no_answer() {
        let config = RateLimitConfig::new(999_983.0).burst_size(3.0);
        let narrow_limiter = limiter(config);
        let wide = limiter(config);
        wide.bucket.store(Bucket::new(config, 0, 0, true));
        assert!(narrow(&narrow_limiter) && !narrow(&wide));
        let span = (1u64 << 62) / 999_983;
        let mut epochs = 0;
        let mut now = 0;
        for step in 0..400u64 {
            now += span / 37 + step * 1_001;
            for (weight, max_wait) in [(1, 0), (2, 0), (3, 5_000), (1, 10_000)] {
                let before = narrow_limiter.bucket.load().epoch;
                assert_eq!(
                    decide(&narrow_limiter, now, weight, max_wait),
                    decide(&wide, now, weight, max_wait),
                    "at {now}"
                );
                epochs += usize::from(narrow_limiter.bucket.load().epoch != before);
            }
            assert_eq!(narrow_limiter.stats_at(Duration::from_nanos(now)), wide.stats_at(Duration::from_nanos(now)));
        }
        assert!(epochs >= 10, "{epochs} new epochs");
        assert!(narrow(&narrow_limiter));
    }

    /// Waits longer than a narrow TAT can hold (2^63 units: 292 years of tokens at rate 1)
    /// move the limiter to 128 bits, with the same answers as a 128-bit bucket throughout.
    #[test]
    fn a_long_wait_moves_to_128_bits() {
        let config = RateLimitConfig::new(1.0).burst_size(1e6);
        let narrow_limiter = limiter(config);
        let wide = limiter(config);
        wide.bucket.store(Bucket::new(config, 0, 0, true));
        assert!(narrow(&narrow_limiter));
        let mut calls = 0;
        while narrow(&narrow_limiter) {
            // Each call takes 10^6 tokens, 10^15 units, to wait up to 584 years for them.
            assert_eq!(decide(&narrow_limiter, SEC, 1_000_000, u64::MAX), decide(&wide, SEC, 1_000_000, u64::MAX));
            calls += 1;
        }
        // The call whose TAT would pass 2^63 units is the one that moves it.
        assert_eq!(calls, ((1u64 << 63) - SEC) / 1_000_000_000_000_000 + 1);
        for now in [SEC, 100 * SEC, u64::MAX / 2] {
            assert_eq!(decide(&narrow_limiter, now, 1, 0), decide(&wide, now, 1, 0));
        }
    }
}
