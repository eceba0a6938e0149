//! Sliding windows: which recorded outcomes count towards the failure and slow-call rates.
//!
//! An outcome is a 3-bit code ([`PRESENT`] | [`FAILURE`] | [`SLOW`]). The count window keeps
//! one code per slot in a lock-free ring, tagged with the generation of the window it
//! belongs to, and the running [`Counts`] under the breaker's mutex; the time window keeps
//! one [`Counts`] per second, all under the mutex.

use crate::sync::{AtomicU64, Ordering};

/// The slot holds an outcome of this generation.
pub(super) const PRESENT: u64 = 0b001;
/// The outcome was a failure.
pub(super) const FAILURE: u64 = 0b010;
/// The call was slow.
pub(super) const SLOW: u64 = 0b100;
const CODE_BITS: u32 = 3;
const CODE_MASK: u64 = (1 << CODE_BITS) - 1;

/// Running totals of one window.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) total: i64,
    pub(super) failures: i64,
    pub(super) slow: i64,
}

impl Counts {
    /// Adds one outcome code (no-op for an empty code).
    #[inline]
    pub(super) fn add(&mut self, code: u64) {
        self.total += (code & PRESENT) as i64;
        self.failures += ((code & FAILURE) >> 1) as i64;
        self.slow += ((code & SLOW) >> 2) as i64;
    }

    /// Removes one outcome code. Signed: under contention, two writers of one slot may
    /// settle in either order, so a count can be one short (even -1) for a moment.
    #[inline]
    pub(super) fn sub(&mut self, code: u64) {
        self.total -= (code & PRESENT) as i64;
        self.failures -= ((code & FAILURE) >> 1) as i64;
        self.slow -= ((code & SLOW) >> 2) as i64;
    }

    /// Adds another window's totals.
    fn merge(&mut self, other: Counts) {
        self.total += other.total;
        self.failures += other.failures;
        self.slow += other.slow;
    }

    /// Removes another window's totals.
    fn unmerge(&mut self, other: Counts) {
        self.total -= other.total;
        self.failures -= other.failures;
        self.slow -= other.slow;
    }
}

/// What writing an outcome into the ring changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Claim {
    /// The slot held the same code of the same generation: the totals are unchanged.
    Unchanged,
    /// The slot held `evicted` (0 when empty or from an older generation): the totals must
    /// drop `evicted` and add the new code, under the lock.
    Changed { evicted: u64 },
    /// A newer generation already owns the slot: this outcome belongs to a window that is
    /// gone and is not recorded.
    Stale,
}

/// The count window: the last `len` outcome codes, each slot tagged with its generation.
#[derive(Debug)]
pub(super) struct Ring {
    head: Padded<AtomicU64>,
    /// The generation whose window is full of successes, or 0 (generations start at 1):
    /// while it is the caller's, a success would evict a success and change nothing, so it
    /// is not written. Set and cleared under the breaker's mutex, from the totals; read
    /// lock-free. On the line after `head`'s pair, which concurrent callers only read.
    quiet: AtomicU64,
    slots: Box<[AtomicU64]>,
    len: u64,
    /// Lemire's fastmod multiplier for `len`: a modulo without a division.
    magic: u64,
}

/// Keeps a hot atomic on its own cache lines (two, for the adjacent-line prefetcher).
#[derive(Debug)]
#[repr(align(128))]
pub(super) struct Padded<T>(pub(super) T);

impl Ring {
    pub(super) fn new(len: u32) -> Self {
        let len = u64::from(len.max(1));
        Ring {
            head: Padded(AtomicU64::new(0)),
            quiet: AtomicU64::new(0),
            slots: (0..len).map(|_| AtomicU64::new(0)).collect(),
            len,
            magic: (u64::MAX / len).wrapping_add(1),
        }
    }

    /// `seq % len`: two multiplications (Lemire's fastmod) while `seq` fits in 32 bits, a
    /// division after that (position 2^32 and on: years of failures at a million calls a
    /// second, since a success into a window of successes takes no position).
    #[inline]
    fn index(&self, seq: u64) -> usize {
        if seq > u64::from(u32::MAX) {
            return self.index_wide(seq);
        }
        let low = self.magic.wrapping_mul(seq);
        ((u128::from(low) * u128::from(self.len)) >> 64) as usize
    }

    #[cold]
    #[inline(never)]
    fn index_wide(&self, seq: u64) -> usize {
        (seq % self.len) as usize
    }

    /// Whether generation `generation`'s window holds `len` successes and nothing else, as
    /// of the last update of its totals.
    ///
    /// A success recorded into such a window evicts a success: the window's contents, and so
    /// everything the breaker decides from them, stay the same whichever slot it takes. So a
    /// success is not written at all, and claims no position; the next outcome that is
    /// written takes the position the success would have left for it, and is evicted after
    /// exactly `len` further outcomes, as in a window that recorded every success. This
    /// keeps the steady state of a healthy dependency free of shared writes: concurrent
    /// callers only read. (Calls that overlap are counted in some order of their own, as
    /// they are without this shortcut: the loom models see no outcome it adds.)
    #[inline]
    pub(super) fn is_quiet(&self, generation: u64) -> bool {
        // Orderings: `Relaxed`: nothing is published through it; an outdated value is either
        // an older generation (not the caller's) or a state some settle under way is about
        // to change, which the caller is concurrent with.
        self.quiet.load(Ordering::Relaxed) == generation
    }

    /// Updates [`is_quiet`](Self::is_quiet) from generation `generation`'s totals. Called
    /// under the breaker's mutex after every change of the totals.
    #[inline]
    pub(super) fn set_quiet(&self, generation: u64, counts: &Counts) {
        let clean = counts.total == self.len as i64 && counts.failures == 0 && counts.slow == 0;
        let want = if clean { generation } else { 0 };
        if self.quiet.load(Ordering::Relaxed) != want {
            self.quiet.store(want, Ordering::Relaxed);
        }
    }

    /// Writes `code` for generation `generation` into the next slot.
    ///
    /// The head only hands out positions; it is never reset. A fresh window is a new
    /// generation, in which every slot tagged with an older one counts as empty.
    #[inline]
    pub(super) fn record(&self, generation: u64, code: u64) -> Claim {
        // Orderings: `Relaxed` throughout. The head and each slot are single locations
        // whose read-modify-writes are totally ordered on their own; no other memory is
        // published through them. The totals they feed are updated under the mutex, which
        // also re-checks the generation.
        let seq = self.head.0.fetch_add(1, Ordering::Relaxed);
        let index = self.index(seq);
        debug_assert!(index < self.slots.len());
        // SAFETY: `index` is `seq % len`, below `len`, the slots' length (its fast form,
        // `(low × len) >> 64` with `low < 2^64`, is below `len` whatever `low` is).
        let slot = unsafe { self.slots.get_unchecked(index) };
        let new = generation << CODE_BITS | code;
        let mut old = slot.load(Ordering::Relaxed);
        loop {
            if old >> CODE_BITS > generation {
                return Claim::Stale;
            }
            // The same code of the same generation: nothing to write. (A concurrent writer
            // of this slot then simply comes after us.)
            if old == new {
                return Claim::Unchanged;
            }
            match slot.compare_exchange(old, new, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => old = now,
            }
        }
        let evicted = if old >> CODE_BITS == generation { old & CODE_MASK } else { 0 };
        Claim::Changed { evicted }
    }
}

/// The time window: one [`Counts`] per second, plus their sum. Lives under the mutex.
#[derive(Debug)]
pub(super) struct Buckets {
    buckets: Box<[Counts]>,
    /// The newest second recorded, or `None` for a fresh window.
    latest: Option<u64>,
}

impl Buckets {
    pub(super) fn new(seconds: u32) -> Self {
        Buckets { buckets: vec![Counts::default(); seconds.max(1) as usize].into_boxed_slice(), latest: None }
    }

    /// Empties the window.
    pub(super) fn clear(&mut self) {
        self.buckets.fill(Counts::default());
        self.latest = None;
    }

    /// Moves the window to end at `second`, dropping the buckets that fall out of it from
    /// `sum`. A `second` older than the newest one recorded is treated as the newest.
    pub(super) fn advance(&mut self, second: u64, sum: &mut Counts) -> u64 {
        let len = self.buckets.len() as u64;
        let Some(latest) = self.latest else {
            self.latest = Some(second);
            return second;
        };
        if second <= latest {
            return latest;
        }
        if second - latest >= len {
            for b in self.buckets.iter_mut() {
                sum.unmerge(*b);
                *b = Counts::default();
            }
        } else {
            for s in latest + 1..=second {
                let b = &mut self.buckets[(s % len) as usize];
                sum.unmerge(*b);
                *b = Counts::default();
            }
        }
        self.latest = Some(second);
        second
    }

    /// Records `code` at `second` into its bucket and into `sum`.
    pub(super) fn record(&mut self, second: u64, code: u64, sum: &mut Counts) {
        let at = self.advance(second, sum);
        let len = self.buckets.len() as u64;
        let mut one = Counts::default();
        one.add(code);
        self.buckets[(at % len) as usize].merge(one);
        sum.merge(one);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fastmod_is_modulo() {
        for len in [1u32, 2, 3, 7, 100, 1000, 999_983] {
            let ring = Ring::new(len);
            let wrap = 1u64 << 32;
            for seq in [0u64, 1, 2, 99, 100, 101, 12_345, wrap - 2, wrap - 1, wrap, wrap + 1, wrap + 2, u64::MAX] {
                assert_eq!(ring.index(seq) as u64, seq % u64::from(len), "len {len}, seq {seq}");
            }
        }
    }

    #[test]
    fn ring_evicts_the_oldest_of_its_generation() {
        let ring = Ring::new(2);
        assert_eq!(ring.record(1, PRESENT), Claim::Changed { evicted: 0 });
        assert_eq!(ring.record(1, PRESENT | FAILURE), Claim::Changed { evicted: 0 });
        assert_eq!(ring.record(1, PRESENT), Claim::Unchanged);
        assert_eq!(ring.record(1, PRESENT), Claim::Changed { evicted: PRESENT | FAILURE });
        // A new generation sees the old slots as empty; an old one cannot overwrite it.
        assert_eq!(ring.record(2, PRESENT), Claim::Changed { evicted: 0 });
        assert_eq!(ring.record(1, PRESENT), Claim::Unchanged);
        assert_eq!(ring.record(1, PRESENT), Claim::Stale);
    }

    #[test]
    fn buckets_expire_by_second() {
        let mut b = Buckets::new(3);
        let mut sum = Counts::default();
        b.record(10, PRESENT | FAILURE, &mut sum);
        b.record(11, PRESENT, &mut sum);
        b.record(12, PRESENT, &mut sum);
        assert_eq!(sum, Counts { total: 3, failures: 1, slow: 0 });
        b.advance(13, &mut sum);
        assert_eq!(sum, Counts { total: 2, failures: 0, slow: 0 });
        b.advance(100, &mut sum);
        assert_eq!(sum, Counts::default());
    }
}
