//! [`Since`]: nanoseconds on tokio's clock since an origin, read with one clock read and a
//! subtraction of two integers.
//!
//! `Instant::duration_since` in std goes through `Timespec::sub_timespec` (a borrow between
//! seconds and nanoseconds, an `Option`, a `Duration` normalised on the way), about 40
//! instructions on Linux x86-64, more than reading the clock itself; a rate limiter that
//! reads the time on every call pays it on every call. `Instant` does not expose its
//! seconds and nanoseconds, but it derives `Hash`, which writes them to the hasher: a
//! [`Hasher`] that keeps what it is given reads them for the price of two moves, and the
//! elapsed time is then `raw(now) - raw(origin)` in `u64`.
//!
//! What `Hash` writes is not a documented promise, so it is checked before it is trusted:
//! once per process, [`Since::new`] hashes an instant and instants at known offsets from it
//! (across a carry of the nanoseconds, a day, 2^40 ns) and requires each to write exactly
//! one 64-bit integer then one `u32` below 10^9, that the integers move by exactly the
//! offsets, and that tokio's `Instant` writes what the std `Instant` inside it writes. On a
//! platform or a std where any of that fails, `Since::new` returns `None` and the caller
//! subtracts with std, as before; both give the same nanoseconds.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The seconds and nanoseconds an `Instant` writes to a hasher.
#[derive(Default)]
struct Parts {
    secs: u64,
    nanos: u32,
    /// The writes seen, as digits: 1 for a 64-bit integer, 2 for a `u32`, 3 for anything else.
    shape: u32,
}

impl Parts {
    #[inline(always)]
    fn seen(&mut self, digit: u32) {
        self.shape = self.shape.wrapping_mul(10).wrapping_add(digit);
    }

    #[inline(always)]
    fn nanos(&self) -> u64 {
        self.secs.wrapping_mul(1_000_000_000).wrapping_add(u64::from(self.nanos))
    }
}

impl Hasher for Parts {
    #[inline(always)]
    fn write_u64(&mut self, secs: u64) {
        self.secs = secs;
        self.seen(1);
    }
    #[inline(always)]
    fn write_i64(&mut self, secs: i64) {
        self.write_u64(secs as u64);
    }
    #[inline(always)]
    fn write_u32(&mut self, nanos: u32) {
        self.nanos = nanos;
        self.seen(2);
    }
    #[inline(always)]
    fn write(&mut self, _: &[u8]) {
        self.seen(3);
    }
    fn finish(&self) -> u64 {
        0
    }
}

/// The raw nanoseconds of `instant` (its seconds × 10^9 + its nanoseconds, wrapping) and
/// the shape of what it wrote.
#[inline(always)]
fn parts<I: Hash>(instant: &I) -> Parts {
    let mut parts = Parts::default();
    instant.hash(&mut parts);
    parts
}

/// Whether `parts` reads this platform's instants exactly (checked once per process).
fn verified() -> bool {
    static VERIFIED: OnceLock<bool> = OnceLock::new();
    *VERIFIED.get_or_init(|| {
        let base = Instant::now();
        let at = parts(&base);
        let offsets = [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999_999_999),
            Duration::from_secs(1),
            Duration::new(1, 1),
            Duration::new(3, 500_000_000),
            Duration::new(86_400, 123_456_789),
            Duration::from_nanos(1 << 40),
        ];
        at.shape == 12
            && at.nanos < 1_000_000_000
            && offsets.iter().all(|&offset| {
                let Some(later) = base.checked_add(offset) else { return false };
                let std = parts(&later);
                let tokio = parts(&tokio::time::Instant::from_std(later));
                std.shape == 12
                    && std.nanos < 1_000_000_000
                    && (tokio.secs, tokio.nanos, tokio.shape) == (std.secs, std.nanos, std.shape)
                    && u128::from(std.nanos().wrapping_sub(at.nanos())) == offset.as_nanos()
            })
    })
}

/// Time since an origin on tokio's clock, in whole nanoseconds, without std's
/// `Instant` subtraction (see the module).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Since {
    /// The origin's raw nanoseconds.
    origin: u64,
}

impl Since {
    /// Elapsed times up to this are read directly (146 years); anything else (an instant
    /// before the origin, which wraps to a huge value) goes back to std.
    const DIRECT: u64 = 1 << 62;

    /// The reader for `origin`, or `None` where this platform's `Instant` does not pass the
    /// check (then subtract with std).
    pub(crate) fn new(origin: Instant) -> Option<Since> {
        verified().then(|| Since { origin: parts(&origin).nanos() })
    }

    /// Nanoseconds from the origin to `now`; `None` if `now` is before the origin or more
    /// than 146 years after it. Two moves, a multiplication and a subtraction.
    #[inline(always)]
    pub(crate) fn nanos(self, now: tokio::time::Instant) -> Option<u64> {
        let elapsed = self.wrapping(now);
        (elapsed < Self::DIRECT).then_some(elapsed)
    }

    /// [`nanos`](Self::nanos) unchecked: nanoseconds from the origin to `now` modulo 2^64,
    /// so an instant before the origin gives a value near 2^64. For a caller that rejects
    /// values that large anyway. Two moves, a multiplication and a subtraction.
    #[inline(always)]
    pub(crate) fn wrapping(self, now: tokio::time::Instant) -> u64 {
        parts(&now).nanos().wrapping_sub(self.origin)
    }
}

/// The instant a new named instance counts its time from: the earlier of tokio's `now`
/// and std's. A named instance outlives the runtime that created it (a test suite runs many
/// paused runtimes in one process), and a paused clock that was advanced runs ahead of real
/// time: counting from it, a later runtime (whose clock starts at real time) would see
/// every instant before the origin, saturated to zero, and a bucket that never refills or a
/// breaker that never half-opens. Real time is never ahead of a runtime created later, and
/// tokio's `now` is not after std's unless a paused clock was advanced.
pub(crate) fn origin() -> std::time::Instant {
    tokio::time::Instant::now().into_std().min(Instant::now())
}

/// Seconds from `start` to `end` on tokio's clock (0 if `end` is earlier): what
/// `end.saturating_duration_since(start).as_secs_f64()` gives, within the last bit, without
/// std's subtraction where the platform allows (see the module): a load of the check's
/// result, four moves, a subtraction and a division.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
#[inline]
pub(crate) fn seconds_between(start: tokio::time::Instant, end: tokio::time::Instant) -> f64 {
    if verified() {
        let nanos = parts(&end).nanos().wrapping_sub(parts(&start).nanos());
        if nanos < Since::DIRECT {
            return nanos as f64 / 1e9;
        }
    }
    end.saturating_duration_since(start).as_secs_f64()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn reads_what_std_subtracts() {
        let origin = Instant::now();
        let since = Since::new(origin).expect("std's Instant passes the check on the platforms CI runs");
        for offset in [0, 1, 999_999_999, 1_000_000_000, 1_000_000_001, 123_456_789_012_345] {
            let now = tokio::time::Instant::from_std(origin + Duration::from_nanos(offset));
            assert_eq!(since.nanos(now), Some(offset));
        }
        let before = tokio::time::Instant::from_std(origin.checked_sub(Duration::from_nanos(1)).unwrap());
        assert_eq!(since.nanos(before), None);
        assert_eq!(since.wrapping(before), u64::MAX);
    }

    #[test]
    fn seconds_between_is_the_saturating_difference() {
        let start = tokio::time::Instant::now();
        for nanos in [0, 1, 100_000_000, 1_500_000_000, 86_400_123_456_789] {
            let end = start + Duration::from_nanos(nanos);
            assert_eq!(seconds_between(start, end), Duration::from_nanos(nanos).as_secs_f64());
        }
        assert_eq!(seconds_between(start + Duration::from_secs(1), start), 0.0);
    }
}
